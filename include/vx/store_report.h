/*
 * store_report.h — storage of the report module: regions' traffic-light (green/yellow/red) reports
 * with their history per month, and the raw figures the colour suggestions are computed from.
 *
 * Reached as st->ops->report (see include/vx/store.h for the conventions every
 * operation follows). Schema version 7 (src/store/sqlite/report.c, docs/report.md):
 * table tl_reports holds every filing; at most one row per (region, month) is current
 * (superseded_by IS NULL, enforced by a partial unique index), the others name the
 * filing that replaced them and when.
 */
#ifndef VX_STORE_REPORT_H
#define VX_STORE_REPORT_H

#include "vx/report.h"
#include "vx/store.h"

/* Raw figures of one region (or the nation, region "") for a period, from the shared
 * tables (doses, slots, bookings, sites, site_supply). Counts are exact. */
struct vx_tl_figures {
    int64_t persons;            /* persons registered in the region */
    int64_t kommuner;           /* municipalities of the region */
    int64_t dose1_persons;      /* persons with a valid dose 1 given up to `asof` (inclusive) */
    int64_t dose2_persons;      /* persons with a valid dose 2 (or higher) up to `asof` */
    int64_t doses_period;       /* valid doses given in [from, to] */
    int64_t doses_7d;           /* valid doses given in the 7 days ending on `asof` */
    int64_t given_at_sites;     /* valid doses given at the region's sites up to `asof` */
    int64_t delivered_total;    /* site_supply.delivered to the region's sites, weeks up to asof */
    int64_t delivered_period;   /* ... weeks whose Monday lies in [from, to] */
    int64_t slot_capacity;      /* capacity of the region's slots on days in [from, to] */
    int64_t slot_booked;        /* bookings holding them (booked or attended) */
    int64_t bookings_made;      /* bookings of the region created in [from, to] */
    int64_t bookings_cancelled; /* of those, cancelled */
    int64_t site_week_capacity; /* doses a week the region's sites can give (opening hours) */
};

typedef int (*vx_tl_report_cb)(void *ctx, const struct vx_tl_report *r);
typedef int (*vx_tl_kommun_cb)(void *ctx, const struct vx_kommun_rec *k);

struct vx_store_report_ops {
    const char *name; /* backend name */
    /*
     * Store a filing (r borrowed; r->id, superseded_* ignored; filed_at 0 = now). The
     * current report of the same region and month, if any, is marked superseded by
     * the new row at the new row's filed_at — in one transaction (joins the caller's
     * when one is open). *id (may be NULL) gets the new id. VX_EINVAL for an unknown
     * region or a value a CHECK refuses.
     */
    enum vx_status (*file)(struct vx_store *st, const struct vx_tl_report *r, int64_t *id);
    /* The current report of (region, month); VX_ENOTFOUND when none was filed. */
    enum vx_status (*get)(struct vx_store *st, const char *region, int month,
                          struct vx_tl_report *out);
    /*
     * Call cb for the reports of `region` ("" = all) and `month` (0 = all months): only
     * current ones, or with `history` every filing. Order: month, region, filed_at, id.
     * Stops early when cb returns non-zero.
     */
    enum vx_status (*foreach)(struct vx_store *st, const char *region, int month, bool history,
                              vx_tl_report_cb cb, void *ctx);
    /* Figures of `region` ("" = every region) for days [from, to] as of day `asof`. */
    enum vx_status (*figures)(struct vx_store *st, const char *region, vx_day from, vx_day to,
                              vx_day asof, struct vx_tl_figures *out);
    /* Municipalities of `region` ("" = all) by code (the dashboard's drill-down names). */
    enum vx_status (*kommun_foreach)(struct vx_store *st, const char *region, vx_tl_kommun_cb cb,
                                     void *ctx);
};

#endif
