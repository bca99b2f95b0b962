/*
 * routes_plan.c — HTTP routes of the plan module. PLACEHOLDER: being written.
 */
#include "vx/plan_http.h"

const struct vx_http_module vx_plan_http_module = {
    .name = "plan",
};
