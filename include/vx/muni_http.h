/*
 * muni_http.h — HTTP routes of the muni module (src/http/routes_muni.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_MUNI_HTTP_H
#define VX_MUNI_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_muni_http_module;

#endif
