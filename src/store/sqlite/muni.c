/*
 * muni.c — SQLite implementation of struct vx_store_muni_ops (include/vx/store_muni.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_muni[] = "SELECT 1;";

const struct vx_store_muni_ops sq_muni_ops = {
    .name = "sqlite",
};
