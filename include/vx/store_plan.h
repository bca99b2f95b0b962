/*
 * store_plan.h — storage of the plan module: deliveries with every change (who, when,
 * old -> new), allocations to regions and sites, dose-1 quotas.
 *
 * Reached as st->ops->plan (see include/vx/store.h for the conventions every operation
 * follows: borrowed pointers, negative enum vx_status, st->err says why). Tables:
 * deliveries + delivery_revisions + allocations (schema v1), plan_quotas (v10, ours);
 * the site split is written into site_supply (v2) with st->ops->supply_put so that
 * booking follows supply. The read operations at the end (load, dose-1 bookings, dose
 * counts, ages) are aggregates over the booking, dose and person tables that the
 * store-backed planner (src/plan/plandb.c) needs; they return no personnummer.
 */
#ifndef VX_STORE_PLAN_H
#define VX_STORE_PLAN_H

#include "vx/store.h"

/* A national (region "") or regional delivery figure: the current value of
 * (week, vaccine, region, kind). */
struct vx_delivery_rec {
    int64_t id; /* 0 on put: assigned */
    struct vx_isoweek week;
    char vaccine[VX_VACCINE_CODE_MAX];
    char region[3];      /* "" = national */
    bool actual;         /* false = forecast */
    long long doses;     /* >= 0 */
    vx_time revised_at;  /* when this figure was entered */
    char revised_by[64]; /* user id or "cli:import" */
    char source[32];     /* "S3", "R:observed", "manual", ... */
};

/* One change of a delivery: old -> new. doses_before is -1 when the figure was created. */
struct vx_delivery_change {
    int64_t delivery_id;
    struct vx_isoweek week;
    char vaccine[VX_VACCINE_CODE_MAX];
    char region[3];
    bool actual;
    long long doses_before, doses_after;
    vx_time revised_at;
    char revised_by[64];
    char reason[128];
};

/* A dose-1 quota and dose-2 reserve of one region (site_id 0) or site for one week. */
struct vx_quota_rec {
    struct vx_isoweek week;
    char vaccine[VX_VACCINE_CODE_MAX];
    char region[3];
    int64_t site_id;     /* 0 = the region */
    long long allocated; /* doses allocated for the week */
    long long dose1;     /* dose-1 quota */
    long long reserve;   /* doses held for dose 2 */
    char policy[16];     /* "forecast", "hold-all", ... */
    vx_time created_at;
};

/* A stored allocation: a region's share (site_id 0) or a site's part of it. */
struct vx_alloc_rec {
    struct vx_isoweek week;
    char vaccine[VX_VACCINE_CODE_MAX];
    char region[3];
    int64_t site_id; /* 0 = the region's share */
    long long doses;
    vx_time created_at;
};

/* Booking load of one site on one local day for one vaccine (slots and bookings). */
struct vx_plan_load_rec {
    int64_t site_id;
    vx_day day;
    long long capacity; /* slot places */
    long long booked1;  /* active ('booked') dose-1 bookings */
    long long booked2;  /* active dose-2+ bookings whose dose 1 is not active (given) */
    long long linked2;  /* active dose-2+ bookings paired with an active dose-1 booking */
    long long attended; /* bookings attended */
};

/* An active dose-1 booking that re-planning may cancel (no person data but the id). */
struct vx_plan_booking_rec {
    int64_t booking_id;
    int64_t person_id;
    char region[3];
    int64_t pair_id; /* its active dose-2 booking, 0 = none */
    int64_t site_id;
    int64_t slot_id;
    vx_day day;
    vx_time created_at;
};

/* Persons of a region with one age (in whole years at a reference day). */
struct vx_plan_age_rec {
    char region[3];
    int age;
    long long persons;
};

typedef int (*vx_delivery_cb)(void *ctx, const struct vx_delivery_rec *rec);
typedef int (*vx_alloc_rec_cb)(void *ctx, const struct vx_alloc_rec *rec);
typedef int (*vx_plan_load_cb)(void *ctx, const struct vx_plan_load_rec *rec);
typedef int (*vx_plan_booking_cb)(void *ctx, const struct vx_plan_booking_rec *rec);
typedef int (*vx_plan_age_cb)(void *ctx, const struct vx_plan_age_rec *rec);
typedef int (*vx_delivery_change_cb)(void *ctx, const struct vx_delivery_change *rec);
typedef int (*vx_quota_cb)(void *ctx, const struct vx_quota_rec *rec);

struct vx_store_plan_ops {
    const char *name; /* backend name */
    /*
     * Insert or update the figure of (week, vaccine, region, kind) and append the change
     * (old -> new, who, when, why: `reason` may be NULL) to delivery_revisions, in one
     * transaction of its own unless the caller holds one. An unchanged figure writes
     * nothing and sets *changed false (may be NULL). VX_EINVAL for an unknown vaccine or
     * region, negative doses. rec->id is not used; *id (may be NULL) gets the row id.
     */
    enum vx_status (*delivery_put)(struct vx_store *st, const struct vx_delivery_rec *rec,
                                   const char *reason, bool *changed, int64_t *id);
    /* Current figures, by week, vaccine, region, kind; vaccine NULL/"" = all. */
    enum vx_status (*delivery_foreach)(struct vx_store *st, const char *vaccine, vx_delivery_cb cb,
                                       void *ctx);
    /* Every change in order (week, vaccine, region, kind, time); vaccine NULL/"" = all. */
    enum vx_status (*delivery_changes)(struct vx_store *st, const char *vaccine,
                                       vx_delivery_change_cb cb, void *ctx);
    /* Upsert the allocation of (week, vaccine, region[, site]): site_id 0 = the region's. */
    enum vx_status (*allocation_put)(struct vx_store *st, struct vx_isoweek week,
                                     const char *vaccine, const char *region, int64_t site_id,
                                     long long doses, vx_time at);
    /* Upsert a quota row (key: week, vaccine, region, site). */
    enum vx_status (*quota_put)(struct vx_store *st, const struct vx_quota_rec *q);
    /* Quotas of `week` (NULL = all weeks) by region, site. */
    enum vx_status (*quota_foreach)(struct vx_store *st, const struct vx_isoweek *week,
                                    vx_quota_cb cb, void *ctx);
    /* Stored allocations of `week` (NULL = all) and `vaccine` (NULL/"" = all), by week,
     * vaccine, region, site (the region's row first). */
    enum vx_status (*allocation_foreach)(struct vx_store *st, const struct vx_isoweek *week,
                                         const char *vaccine, vx_alloc_rec_cb cb, void *ctx);
    /* Booking load per site and day of `region` ("" = all) for `vaccine` on the days
     * from..to (inclusive), ordered by site, day. Days without slots give no row. */
    enum vx_status (*load_foreach)(struct vx_store *st, const char *region, const char *vaccine,
                                   vx_day from, vx_day to, vx_plan_load_cb cb, void *ctx);
    /* Active dose-1 bookings of `vaccine` at site `site_id` on the days from..to, the
     * newest booking first (the last booked is the first cancelled). */
    enum vx_status (*dose1_bookings)(struct vx_store *st, int64_t site_id, const char *vaccine,
                                     vx_day from, vx_day to, vx_plan_booking_cb cb, void *ctx);
    /* Valid doses of `vaccine` (NULL/"" = any) given before `before` in `region` ("" =
     * all) and at site `site_id` (0 = any site): *given (may be NULL) gets the doses,
     * *dose1 (may be NULL) the persons of the region with a valid dose 1 of any vaccine. */
    enum vx_status (*doses_count)(struct vx_store *st, const char *region, int64_t site_id,
                                  const char *vaccine, vx_time before, long long *given,
                                  long long *dose1);
    /* Persons per region and age in whole years at day `ref` (ages 0..130), by region, age. */
    enum vx_status (*age_foreach)(struct vx_store *st, vx_day ref, vx_plan_age_cb cb, void *ctx);
};

#endif
