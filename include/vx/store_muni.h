/*
 * store_muni.h — storage of the muni module: municipal resident lists shared with the region
 * and municipal vaccination rounds (schema version 8, docs/municipal.md).
 *
 * Reached as st->ops->muni (see include/vx/store.h for the conventions every operation
 * follows: VX_OK or a negative status with st->err; argument structs borrowed; a failed
 * write dooms an open transaction; foreach ops stop early when cb returns non-zero).
 * The module's logic (src/muni/service.c) wraps these in transactions; the ops
 * themselves neither audit nor check access.
 *
 * Tables: muni_lists (one row per uploaded version, no person data), muni_list_rows
 * (who is on a version), muni_list_changes (the diff against the previous version),
 * muni_rounds, muni_round_residents, muni_records (idempotency keys of the nurses'
 * records with the stored first outcome).
 */
#ifndef VX_STORE_MUNI_H
#define VX_STORE_MUNI_H

#include "vx/muni.h"
#include "vx/store.h"

typedef int (*vx_muni_list_cb)(void *ctx, const struct vx_muni_list *l);
typedef int (*vx_muni_row_cb)(void *ctx, const struct vx_muni_row *r);
typedef int (*vx_muni_change_cb)(void *ctx, const struct vx_muni_change *c);
typedef int (*vx_muni_round_cb)(void *ctx, const struct vx_muni_round *r);
typedef int (*vx_muni_resident_cb)(void *ctx, const struct vx_muni_round_resident *r);

/* A stored record request (idempotency key → first outcome). */
struct vx_muni_record_rec {
    char kommun[5];
    char key[VX_MUNI_KEY_MAX];
    int64_t round_id;
    int64_t person_id;
    enum vx_muni_outcome outcome; /* asked for */
    struct vx_muni_record_result result;
    vx_time created_at;
};

/* Per active resident of a list: what coverage needs from the doses table. */
struct vx_muni_cov_row {
    int64_t person_id;
    enum vx_muni_list_type type;
    int valid_doses;       /* doses with status valid */
    int max_dose_number;   /* highest dose number among them (0 = none) */
    char last_vaccine[17]; /* product of that dose */
};
typedef int (*vx_muni_cov_cb)(void *ctx, const struct vx_muni_cov_row *r);

struct vx_store_muni_ops {
    const char *name; /* backend name */

    /* ---- lists ---- */
    /* Insert list metadata; version = the municipality's highest + 1 (set in *l on
     * success with the new id). rows/by_type/changes are stored as given. */
    enum vx_status (*list_put)(struct vx_store *st, struct vx_muni_list *l);
    /* Update the counters (rows, by_type, changes, previous_id) of list l->id. */
    enum vx_status (*list_set_counts)(struct vx_store *st, const struct vx_muni_list *l);
    /* Insert an active or departed row of list `list_id` (needs person_id, region). */
    enum vx_status (*list_row_put)(struct vx_store *st, int64_t list_id,
                                   const struct vx_muni_row *r);
    enum vx_status (*list_change_put)(struct vx_store *st, int64_t list_id,
                                      const struct vx_muni_change *c);
    /* List by id; VX_ENOTFOUND if absent. */
    enum vx_status (*list_get)(struct vx_store *st, int64_t id, struct vx_muni_list *out);
    /* The municipality's newest version (any state); VX_ENOTFOUND if none. */
    enum vx_status (*list_latest)(struct vx_store *st, const char *kommun,
                                  struct vx_muni_list *out);
    /* Versions of `kommun` newest first (NULL/"" = every municipality of `region`,
     * both NULL = all). */
    enum vx_status (*list_foreach)(struct vx_store *st, const char *kommun, const char *region,
                                   vx_muni_list_cb cb, void *ctx);
    /* Rows of list `list_id` (with pnr and name), ordered by unit, family name, id;
     * `unit` (NULL/"" = all) filters; `active_only` skips departure rows. */
    enum vx_status (*list_row_foreach)(struct vx_store *st, int64_t list_id, const char *unit,
                                       bool active_only, vx_muni_row_cb cb, void *ctx);
    /* One row of a list by person; VX_ENOTFOUND if the person is not on it. */
    enum vx_status (*list_row_get)(struct vx_store *st, int64_t list_id, int64_t person_id,
                                   struct vx_muni_row *out);
    /* Changes of list `list_id` (with pnr and name) by kind then person. */
    enum vx_status (*list_change_foreach)(struct vx_store *st, int64_t list_id,
                                          vx_muni_change_cb cb, void *ctx);
    /* Lists due for purging at `today` (see vx_muni_purge) → cb with each; ids only
     * are needed, the callback may not write. */
    enum vx_status (*list_due_foreach)(struct vx_store *st, vx_day today, int keep_days,
                                       vx_muni_list_cb cb, void *ctx);
    /* Delete the rows and changes of list `id`, mark it purged at `now`; *rows (may be
     * NULL) gets the rows deleted. */
    enum vx_status (*list_purge)(struct vx_store *st, int64_t id, vx_time now, int64_t *rows);

    /* ---- rounds ---- */
    /* Insert a round; r->id gets the id. */
    enum vx_status (*round_put)(struct vx_store *st, struct vx_muni_round *r);
    /* Round with counts of residents per outcome; VX_ENOTFOUND if absent. */
    enum vx_status (*round_get)(struct vx_store *st, int64_t id, struct vx_muni_round *out);
    /* Write the decision and hand-over fields and the status of round r->id. */
    enum vx_status (*round_update)(struct vx_store *st, const struct vx_muni_round *r);
    /* Rounds of `kommun` (NULL/"" = every one of `region`), newest day first. */
    enum vx_status (*round_foreach)(struct vx_store *st, const char *kommun, const char *region,
                                    vx_muni_round_cb cb, void *ctx);
    enum vx_status (*resident_put)(struct vx_store *st, const struct vx_muni_round_resident *r);
    /* One resident of a round (with pnr, name, dose number); VX_ENOTFOUND if absent. */
    enum vx_status (*resident_get)(struct vx_store *st, int64_t round_id, int64_t person_id,
                                   struct vx_muni_round_resident *out);
    /* Residents of a round (with pnr, name), pending first, then by family name. */
    enum vx_status (*resident_foreach)(struct vx_store *st, int64_t round_id,
                                       vx_muni_resident_cb cb, void *ctx);
    /* Set a resident's outcome (VX_ENOTFOUND if not on the round). */
    enum vx_status (*resident_set)(struct vx_store *st, const struct vx_muni_round_resident *r);

    /* ---- idempotent records ---- */
    /* Stored request of (kommun, key); VX_ENOTFOUND if none. */
    enum vx_status (*record_get)(struct vx_store *st, const char *kommun, const char *key,
                                 struct vx_muni_record_rec *out);
    /* Store a request's outcome; VX_EEXIST if (kommun, key) is taken. */
    enum vx_status (*record_put)(struct vx_store *st, const struct vx_muni_record_rec *r);

    /* ---- coverage and doses ---- */
    /* For each active resident of list `list_id`: valid doses from the doses table. */
    enum vx_status (*coverage_foreach)(struct vx_store *st, int64_t list_id, vx_muni_cov_cb cb,
                                       void *ctx);
    /* Valid doses given by the nurses of `kommun` (doses.kommun_code). */
    enum vx_status (*nurse_dose_count)(struct vx_store *st, const char *kommun, int64_t *n);
    /* Audit rows about `kommun`'s residents (detail starting "muni <kommun>"), newest
     * first, at most `limit`. */
    enum vx_status (*access_log)(struct vx_store *st, const char *kommun, int limit,
                                 int (*cb)(void *ctx, const struct vx_audit_rec *a), void *ctx);
};

#endif
