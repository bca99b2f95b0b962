/*
 * routes_report.c — HTTP routes of the report module. PLACEHOLDER: being written.
 */
#include "vx/report_http.h"

const struct vx_http_module vx_report_http_module = {
    .name = "report",
};
