/*
 * regx_http.h — HTTP routes of the regx module (src/http/routes_regx.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_REGX_HTTP_H
#define VX_REGX_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_regx_http_module;

#endif
