/*
 * routes_stats.c — HTTP routes of the stats module. PLACEHOLDER: being written.
 */
#include "vx/stats_http.h"

const struct vx_http_module vx_stats_http_module = {
    .name = "stats",
};
