/*
 * routes_regx.c — HTTP routes of the regx module. PLACEHOLDER: being written.
 */
#include "vx/regx_http.h"

const struct vx_http_module vx_regx_http_module = {
    .name = "regx",
};
