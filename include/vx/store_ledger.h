/*
 * store_ledger.h — storage of the ledger module (schema version 9): compensation
 * adjustments and disputes, premises offered by municipalities, staff and volunteer
 * pools, their assignment to sites per day, sick-travel requests and the council's
 * action/decision log.
 *
 * Reached as st->ops->ledger (see include/vx/store.h for the conventions every
 * operation follows: VX_OK or a negative status with st->err set; argument structs
 * borrowed; foreach ops stop early when the callback returns non-zero). The tariffs
 * themselves are data (data/compensation.json, include/vx/ledger.h), not rows.
 *
 * Scope filters: `region` and `kommun` arguments of foreach ops are exact filters;
 * NULL or "" means "any". Handlers apply the caller's scope by passing it here.
 * Person data (sick travel) is read with the person's name: callers audit each row.
 */
#ifndef VX_STORE_LEDGER_H
#define VX_STORE_LEDGER_H

#include "vx/ledger.h"
#include "vx/store.h"

/* Staff or volunteer in a municipality's (or the region's) pool. */
struct vx_staff_rec {
    int64_t id; /* 0 on insert */
    char region[3];
    char kommun[5]; /* offering municipality; "" = the region's own pool */
    char name[128];
    enum vx_competence competence;
    bool volunteer;
    vx_day available_from, available_to;
    char contact[128]; /* phone or e-mail of the person or their manager */
    char created_by[64];
    vx_time created_at;
};

/* A premises row with its status (schema v9 adds status and note). */
struct vx_premises_ext {
    struct vx_premises_rec p;
    enum vx_premises_status status;
    char note[256];
};

enum vx_assign_kind { VX_ASSIGN_STAFF = 0, VX_ASSIGN_PREMISES = 1 };

/* A staff member or premises assigned to a site for one day. */
struct vx_assign_rec {
    int64_t id; /* 0 on insert */
    enum vx_assign_kind kind;
    int64_t resource_id; /* staff_pool.id or premises.id */
    int64_t site_id;
    vx_day day;
    char created_by[64];
    /* filled on reads: */
    char site_code[32];
    char resource_name[128];
    enum vx_competence competence; /* staff */
    int capacity_per_day;          /* premises */
};

/* What a site has for one day: for the accordion rule. */
struct vx_site_day {
    int vaccinators;       /* staff assigned with competence vaccinator */
    int other_staff;       /* registration + host */
    int premises;          /* premises assigned */
    int premises_capacity; /* sum of their capacity_per_day (0 when none) */
};

/* Sick-travel (sjukresa) request: holds person data. */
struct vx_travel_rec {
    int64_t id; /* 0 on insert */
    int64_t person_id;
    char region[3];         /* the person's region */
    char kommun[5];         /* the person's municipality */
    int64_t booking_id;     /* 0 = not tied to a booking */
    vx_time appointment_at; /* 0 = unknown */
    char pickup_address[160];
    bool wheelchair;
    bool companion; /* travels with a companion */
    enum vx_travel_status status;
    char note[256];
    char created_by[64];
    vx_time created_at, updated_at;
    /* filled on reads: */
    char given_name[64], family_name[64];
};

/* A council item (action or decision) of a region's council. */
struct vx_council_rec {
    int64_t id; /* 0 on insert */
    char region[3];
    char kommun[5]; /* "" = concerns the whole region */
    enum vx_council_kind kind;
    char title[200];
    char body[1000];
    char owner[128];
    vx_day due; /* 0 = none */
    enum vx_council_status status;
    vx_day decided_on;    /* decisions: the day; 0 otherwise */
    char decided_by[128]; /* decisions: who decided (body or person) */
    char created_by[64];
    vx_time created_at, updated_at;
};

/* A dispute about compensation. */
struct vx_dispute_rec {
    int64_t id; /* 0 on insert */
    char region[3];
    char kommun[5];
    vx_day period_from, period_to;
    char subject[256];
    int64_t claimed_ore; /* what the claimant says is owed (may be 0) */
    enum vx_dispute_status status;
    char raised_by[64];
    vx_time raised_at;
    char resolution[256];
    char decided_by[64];
    vx_time decided_at;
};

/* Doses given in `kommun` (municipal nurses' doses, or all doses for the state) on
 * local day `day`; the store may deliver one day in several parts. */
typedef int (*vx_ledger_bucket_cb)(void *ctx, const struct vx_ledger_bucket *b);
typedef int (*vx_adjust_cb)(void *ctx, const struct vx_ledger_adjust *a);
typedef int (*vx_dispute_cb)(void *ctx, const struct vx_dispute_rec *d);
typedef int (*vx_premises_ext_cb)(void *ctx, const struct vx_premises_ext *p);
typedef int (*vx_staff_cb)(void *ctx, const struct vx_staff_rec *s);
typedef int (*vx_assign_cb)(void *ctx, const struct vx_assign_rec *a);
typedef int (*vx_travel_cb)(void *ctx, const struct vx_travel_rec *t);
typedef int (*vx_council_cb)(void *ctx, const struct vx_council_rec *c);

struct vx_store_ledger_ops {
    const char *name; /* backend name */

    /* ---- compensation ---- */
    /*
     * Valid (not voided) doses of `region` given in [from, to) (instants), grouped
     * by municipality and local day. municipal_only: only doses with a kommun_code
     * (given by municipal nurses), bucketed by it; otherwise every dose, bucketed by
     * kommun_code or, without one, by its site's municipality. `kommun` ("" = any)
     * filters. Buckets in (kommun, day) order.
     */
    enum vx_status (*dose_buckets)(struct vx_store *st, const char *region, const char *kommun,
                                   bool municipal_only, vx_time from, vx_time to,
                                   vx_ledger_bucket_cb cb, void *ctx);
    /* Insert an adjustment (id ignored); *id (may be NULL) gets its id. VX_EINVAL for
     * an unknown (kommun, region) pair, an empty reason or decided_by, to < from. */
    enum vx_status (*adjust_put)(struct vx_store *st, const struct vx_ledger_adjust *a,
                                 int64_t *id);
    /* Adjustments of `region` and `kommun` ("" = the state statement's, NULL = any)
     * whose period overlaps [from, to], by decided_at. */
    enum vx_status (*adjust_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                     vx_day from, vx_day to, vx_adjust_cb cb, void *ctx);
    enum vx_status (*dispute_put)(struct vx_store *st, const struct vx_dispute_rec *d, int64_t *id);
    enum vx_status (*dispute_get)(struct vx_store *st, int64_t id, struct vx_dispute_rec *out);
    /* Close an open dispute (status accepted/rejected, resolution, decided_by, at).
     * VX_ENOTFOUND if absent, VX_ECONFLICT if it is not open. */
    enum vx_status (*dispute_decide)(struct vx_store *st, int64_t id, enum vx_dispute_status status,
                                     const char *resolution, const char *decided_by, vx_time at);
    enum vx_status (*dispute_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                      vx_dispute_cb cb, void *ctx);

    /* ---- resources ---- */
    /* Premises with status, ordered by kommun, code. */
    enum vx_status (*premises_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                       vx_premises_ext_cb cb, void *ctx);
    enum vx_status (*premises_get)(struct vx_store *st, int64_t id, struct vx_premises_ext *out);
    /* Set a premises' status and note; VX_ENOTFOUND if absent. */
    enum vx_status (*premises_set_status)(struct vx_store *st, int64_t id,
                                          enum vx_premises_status status, const char *note);
    enum vx_status (*staff_put)(struct vx_store *st, const struct vx_staff_rec *s, int64_t *id);
    enum vx_status (*staff_get)(struct vx_store *st, int64_t id, struct vx_staff_rec *out);
    enum vx_status (*staff_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                    vx_staff_cb cb, void *ctx);
    /* Assign a resource to a site for a day. VX_EEXIST when the resource already has
     * a site that day; VX_EINVAL for an unknown resource or site. */
    enum vx_status (*assign_put)(struct vx_store *st, const struct vx_assign_rec *a, int64_t *id);
    /* Remove an assignment; VX_ENOTFOUND if absent. */
    enum vx_status (*assign_delete)(struct vx_store *st, int64_t id);
    /* Assignments to sites of `region` (NULL/"" any) and site_id (0 any) in
     * [from, to], by day, site, kind. */
    enum vx_status (*assign_foreach)(struct vx_store *st, const char *region, int64_t site_id,
                                     vx_day from, vx_day to, vx_assign_cb cb, void *ctx);
    /* What site `site_id` has on `day`. */
    enum vx_status (*site_day)(struct vx_store *st, int64_t site_id, vx_day day,
                               struct vx_site_day *out);

    /* ---- sick travel (person data: callers audit) ---- */
    enum vx_status (*travel_put)(struct vx_store *st, const struct vx_travel_rec *t, int64_t *id);
    enum vx_status (*travel_get)(struct vx_store *st, int64_t id, struct vx_travel_rec *out);
    /* Compare and set: move request `id` from status `from` to `to` at `at` (0 = now),
     * replacing the note when `note` is not NULL. VX_ECONFLICT when it is no longer
     * in `from`; VX_ENOTFOUND if absent. Callers check vx_travel_transition_ok(from,
     * to) first (the store does not judge transitions). */
    enum vx_status (*travel_set_status)(struct vx_store *st, int64_t id, enum vx_travel_status from,
                                        enum vx_travel_status to, const char *note, vx_time at);
    /* Requests of `region`/`kommun`, newest first. */
    enum vx_status (*travel_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                     vx_travel_cb cb, void *ctx);

    /* ---- council log ---- */
    enum vx_status (*council_put)(struct vx_store *st, const struct vx_council_rec *c, int64_t *id);
    enum vx_status (*council_get)(struct vx_store *st, int64_t id, struct vx_council_rec *out);
    /* Update status (and owner/due when non-NULL/non-zero) at `at`. */
    enum vx_status (*council_update)(struct vx_store *st, int64_t id, enum vx_council_status status,
                                     const char *owner, vx_day due, vx_time at);
    /* Items of `region`; `kommun` non-empty: that municipality's and the region-wide
     * ones (kommun ""); by status (open, doing, done), due, id. */
    enum vx_status (*council_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                      vx_council_cb cb, void *ctx);
};

#endif
