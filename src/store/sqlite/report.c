/*
 * report.c — SQLite implementation of struct vx_store_report_ops (include/vx/store_report.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_report[] = "SELECT 1;";

const struct vx_store_report_ops sq_report_ops = {
    .name = "sqlite",
};
