/*
 * stats_http.h — HTTP routes of the stats module (src/http/routes_stats.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_STATS_HTTP_H
#define VX_STATS_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_stats_http_module;

#endif
