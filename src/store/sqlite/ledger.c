/*
 * ledger.c — SQLite implementation of struct vx_store_ledger_ops (include/vx/store_ledger.h)
 * and its schema migration. PLACEHOLDER: being written.
 */
#include "sqlite_int.h"

const char sq_schema_ledger[] = "SELECT 1;";

const struct vx_store_ledger_ops sq_ledger_ops = {
    .name = "sqlite",
};
