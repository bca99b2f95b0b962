/*
 * store_stats.h — storage of the stats module: coverage aggregates kept up to date as doses are
 * recorded, official published series.
 *
 * Reached as st->ops->stats (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_STATS_H
#define VX_STORE_STATS_H

#include "vx/store.h"

struct vx_store_stats_ops {
    const char *name; /* backend name */
};

#endif
