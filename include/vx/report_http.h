/*
 * report_http.h — HTTP routes of the report module (src/http/routes_report.c).
 * The traffic-light report and the dashboard data (docs/report.md, docs/dashboard.md).
 */
#ifndef VX_REPORT_HTTP_H
#define VX_REPORT_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_report_http_module;

#endif
