/*
 * store_muni.h — storage of the muni module: municipal resident lists shared with the region and
 * municipal vaccination rounds.
 *
 * Reached as st->ops->muni (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_MUNI_H
#define VX_STORE_MUNI_H

#include "vx/store.h"

struct vx_store_muni_ops {
    const char *name; /* backend name */
};

#endif
