/*
 * care_http.h — HTTP routes of the care module (src/http/routes_care.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_CARE_HTTP_H
#define VX_CARE_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_care_http_module;

#endif
