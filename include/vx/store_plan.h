/*
 * store_plan.h — storage of the plan module: supply planner: stored deliveries, allocations to
 * regions and sites, dose-1 quotas, plans.
 *
 * Reached as st->ops->plan (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_PLAN_H
#define VX_STORE_PLAN_H

#include "vx/store.h"

struct vx_store_plan_ops {
    const char *name; /* backend name */
};

#endif
