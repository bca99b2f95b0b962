/*
 * store_stats.h — storage of the stats module: coverage cubes kept up to date as
 * doses are recorded, the population cube, FoHM's official series.
 *
 * Reached as st->ops->stats (see include/vx/store.h for the conventions every
 * operation follows). The module's logic (cumulative sums, denominators,
 * suppression, exports) is in src/stats on top of these operations; the SQLite
 * backend (src/store/sqlite/stats.c, schema version 6) keeps the cubes up to date
 * incrementally but deferred: recording a dose does no statistics work at all (no
 * trigger on INSERT: new doses are found by id above a cursor), corrections, voids,
 * deletions and person changes only note the person in a small pending table, and
 * apply() folds what is pending into the cubes set-based (docs/stats.md).
 */
#ifndef VX_STORE_STATS_H
#define VX_STORE_STATS_H

#include "vx/stats.h"
#include "vx/store.h"

#define VX_STATS_SCAN_DIMS 3 /* by dimensions + week for cumulative sums */

/* One row of a scan: the values of the scanned dimensions (text codes; age as its
 * lower bound in decimal) and the count. */
typedef int (*vx_stats_row_cb)(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n);

/* State of the statistics tables. */
struct vx_stats_meta {
    vx_day population_ref;      /* reference date of the population cube, 0 = never built */
    vx_time population_built;   /* when it was built */
    int64_t population_persons; /* persons counted then */
    bool population_stale;      /* persons were inserted since (max id moved) */
    bool maintained;            /* the triggers are in place */
    int64_t pending_doses;      /* doses recorded since the last apply (ids above the cursor) */
    int64_t pending_changes;    /* corrections, voids, deletions, person changes not applied */
    char first_week[9];         /* first / last week of the dose cube ("" = no doses) */
    char last_week[9];
    int64_t official_rows; /* values of the official series */
};

struct vx_stats_official_filter {
    int dataset;      /* enum vx_stats_dataset, -1 = any */
    char region[3];   /* "" = any */
    char kommun[5];   /* "" = any */
    char measure[32]; /* "" = any */
    char age_group[12];
    struct vx_isoweek from, to; /* year 0 = open */
};
typedef int (*vx_stats_official_cb)(void *ctx, const struct vx_stats_official *row);

struct vx_store_stats_ops {
    const char *name; /* backend name */

    /*
     * Sum the counts of `q->measure` grouped by dims[0..ndims) (ndims 0..3, no
     * dimension twice) under q's filters and week range, calling cb per group in
     * key order (weeks in week order, ages numerically). From the smallest cube
     * holding every needed dimension; *cube (may be NULL) gets its name (static).
     * `direct` computes the same with GROUP BY over persons and doses instead of
     * the cubes (*cube = "direct"). VX_EINVAL for a dimension no cube has for the
     * measure. A non-zero cb return stops the scan (VX_OK).
     */
    enum vx_status (*scan)(struct vx_store *st, const struct vx_stats_query *q,
                           const enum vx_stats_dim *dims, int ndims, bool direct,
                           vx_stats_row_cb cb, void *ctx, const char **cube);
    /*
     * Population counts grouped by dims (region, kommun, age, sex, group, deso
     * only; VX_EINVAL otherwise) under q's filters of those dimensions; the rest of
     * q is ignored.
     */
    enum vx_status (*population)(struct vx_store *st, const struct vx_stats_query *q,
                                 const enum vx_stats_dim *dims, int ndims, vx_stats_row_cb cb,
                                 void *ctx);
    /* Rebuild the population cube at reference date `ref` (one transaction unless
     * the caller holds one); *persons (may be NULL) gets how many were counted. */
    enum vx_status (*refresh_population)(struct vx_store *st, vx_day ref, int64_t *persons);
    /* Recompute the dose and person cubes from the doses table (one transaction
     * unless the caller holds one); nothing is pending afterwards. */
    enum vx_status (*rebuild)(struct vx_store *st);
    /*
     * Fold pending changes into the cubes, in one transaction (its own unless the
     * caller holds one): the doses recorded since the last apply (at most `max` dose
     * ids; max <= 0 = all) and the persons noted by corrections, voids, deletions and
     * person updates (at most `max` notes). Every affected person's per-dose state
     * is recomputed set-based and only the difference is added to the cubes. *out
     * (may be NULL) gets what was done and whether more is pending. With maintenance
     * off it does nothing (out->off = true). Safe to run from several connections at
     * once (the write lock serialises them; each re-reads the cursor inside it).
     */
    enum vx_status (*apply)(struct vx_store *st, int64_t max, struct vx_stats_applied *out);
    /* Switch incremental maintenance off (drops the triggers: for bulk loads) or on
     * (recreates them and rebuilds the cubes). */
    enum vx_status (*maintain)(struct vx_store *st, bool on);
    enum vx_status (*meta)(struct vx_store *st, struct vx_stats_meta *out);
    /* The regions (code, FoHM short name) in code order, for the open-data files. */
    enum vx_status (*regions)(struct vx_store *st,
                              int (*cb)(void *ctx, const char *code, const char *short_name),
                              void *ctx);

    /* Official series: delete all values, insert one, iterate under a filter
     * (ordered by dataset, week, region, kommun, age group, measure). */
    enum vx_status (*official_clear)(struct vx_store *st);
    enum vx_status (*official_put)(struct vx_store *st, const struct vx_stats_official *row);
    enum vx_status (*official_foreach)(struct vx_store *st,
                                       const struct vx_stats_official_filter *f,
                                       vx_stats_official_cb cb, void *ctx);
};

#endif
