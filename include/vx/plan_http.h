/*
 * plan_http.h — HTTP routes of the plan module (src/http/routes_plan.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_PLAN_HTTP_H
#define VX_PLAN_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_plan_http_module;

#endif
