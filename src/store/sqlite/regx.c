/*
 * regx.c — SQLite implementation of struct vx_store_regx_ops (include/vx/store_regx.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_regx[] = "SELECT 1;";

const struct vx_store_regx_ops sq_regx_ops = {
    .name = "sqlite",
};
