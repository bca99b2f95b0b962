/*
 * care.c — SQLite implementation of struct vx_store_care_ops (include/vx/store_care.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_care[] = "SELECT 1;";

const struct vx_store_care_ops sq_care_ops = {
    .name = "sqlite",
};
