/*
 * stats.c — SQLite implementation of struct vx_store_stats_ops (include/vx/store_stats.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_stats[] = "SELECT 1;";

const struct vx_store_stats_ops sq_stats_ops = {
    .name = "sqlite",
};
