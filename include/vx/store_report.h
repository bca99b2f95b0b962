/*
 * store_report.h — storage of the report module: regions' traffic-light (green/yellow/red) reports
 * and their national compilation.
 *
 * Reached as st->ops->report (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_REPORT_H
#define VX_STORE_REPORT_H

#include "vx/store.h"

struct vx_store_report_ops {
    const char *name; /* backend name */
};

#endif
