/*
 * store_ledger.h — storage of the ledger module: compensation agreements and statements,
 * premises/staff resources, sick travel, coordination log.
 *
 * Reached as st->ops->ledger (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_LEDGER_H
#define VX_STORE_LEDGER_H

#include "vx/store.h"

struct vx_store_ledger_ops {
    const char *name; /* backend name */
};

#endif
