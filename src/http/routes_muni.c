/*
 * routes_muni.c — HTTP routes of the muni module. PLACEHOLDER: being written.
 */
#include "vx/muni_http.h"

const struct vx_http_module vx_muni_http_module = {
    .name = "muni",
};
