/*
 * plan.c — SQLite implementation of struct vx_store_plan_ops (include/vx/store_plan.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_plan[] = "SELECT 1;";

const struct vx_store_plan_ops sq_plan_ops = {
    .name = "sqlite",
};
