/*
 * routes_care.c — HTTP routes of the care module. PLACEHOLDER: being written.
 */
#include "vx/care_http.h"

const struct vx_http_module vx_care_http_module = {
    .name = "care",
};
