/*
 * stats_http.h — HTTP routes of the stats module (src/http/routes_stats.c):
 * GET /api/v1/stats/coverage (public, suppressed), /stats/staff/coverage (scoped;
 * a region's own staff unsuppressed), /stats/meta, /stats/official, /stats/compare,
 * /stats/open/region_week.csv, /stats/open/region_age.csv, /stats/open/coverage.xlsx
 * and /stats/metrics. Contract: docs/api-stats.md. The module has no state (no start
 * or stop hook); handlers read the request's pooled store handle.
 */
#ifndef VX_STATS_HTTP_H
#define VX_STATS_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_stats_http_module;

#endif
