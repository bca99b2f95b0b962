/*
 * store_care.h — storage of the care module: stock, lots at sites, vials, wastage, standby list,
 * dose recording, corrections, adverse events.
 *
 * Reached as st->ops->care (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_CARE_H
#define VX_STORE_CARE_H

#include "vx/store.h"

struct vx_store_care_ops {
    const char *name; /* backend name */
};

#endif
