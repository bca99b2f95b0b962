/*
 * store_regx.h — storage of the regx module: register export (NVR file, HL7 VXU, FHIR) outbox with
 * exactly-once delivery, retries and back-fill.
 *
 * Reached as st->ops->regx (see include/vx/store.h for the conventions every
 * operation follows). The design (docs/register-export.md):
 *
 *  - a change log `regx_changes`: one small row (seq, dose id, version, action) per
 *    insert, correction and void. Inserts cost the recording path nothing: there is no
 *    INSERT trigger. doses.id is itself an increasing sequence, so the doses inserted
 *    since the last look (id > regx_mark) are appended to the log in id order, in bulk,
 *    by `sync` (the exporter calls it in the transaction that prepares a batch) and by
 *    the UPDATE trigger before it logs a correction or void (so a dose's `new` change
 *    always precedes its corrections). The UPDATE trigger (on a change of
 *    doses.version or doses.status: correction, or void when the status becomes
 *    'voided') also keeps the previous state of the dose in `regx_dose_history`, so
 *    every (dose, version) can be exported with its own content even after a later
 *    correction. Doses are never deleted (a void is an UPDATE); a DELETE is not a
 *    register event;
 *  - one cursor per register (`regx_cursors`): the last change seq the register has
 *    taken (acknowledged, or given up on with the item parked in the retry table);
 *  - file registers (nvr, fhir) write batches: a batch row is prepared (seq range, file
 *    name) before its file is written and marked done together with the cursor, so a
 *    crash in between redoes the very same batch and file (same name, same bytes);
 *  - `regx_retries`: per register the items that failed (transport error or AR:
 *    'retry' with attempts and next_attempt_at; AE: 'rejected'; too many attempts:
 *    'failed').
 */
#ifndef VX_STORE_REGX_H
#define VX_STORE_REGX_H

#include "vx/store.h"

/* What a change did to a dose (regx_changes.action). */
enum vx_regx_action {
    VX_REGX_NEW = 0,        /* inserted (dose_put) */
    VX_REGX_CORRECTION = 1, /* version bumped (or un-voided) by the care module */
    VX_REGX_VOID = 2        /* status became (or stayed, with a new version) 'voided' */
};

/* One change with everything the three registers need: the dose as of that change
 * (dose.version / dose.voided are the change's), the person and the site. */
struct vx_regx_change_rec {
    int64_t seq;
    enum vx_regx_action action;
    vx_time at; /* when the change was made */
    struct vx_dose_rec dose;
    char pnr[13]; /* the person's 12-digit personnummer (never logged) */
    char given_name[64];
    char family_name[64];
    vx_day birth_date;
    int sex;             /* enum vx_sex (persons.sex): 0 unknown, 1 male, 2 female */
    char site_code[32];  /* "" when the dose has no site */
    char site_name[128]; /* "" when none */
};

typedef int (*vx_regx_change_cb)(void *ctx, const struct vx_regx_change_rec *c);

/* A register's position (regx_cursors). */
struct vx_regx_cursor_rec {
    char reg[8];      /* "nvr", "hl7", "fhir" */
    int64_t last_seq; /* every change <= last_seq was taken */
    int64_t sent;     /* items delivered (accepted) so far */
    vx_time updated_at;
};

enum vx_regx_batch_state { VX_REGX_BATCH_PREPARED = 0, VX_REGX_BATCH_DONE = 1 };

/* One export file of a file register (regx_batches). */
struct vx_regx_batch_rec {
    int64_t id; /* 0 on insert */
    char reg[8];
    int64_t first_seq, last_seq; /* changes (first_seq - 1, last_seq] */
    vx_day day;                  /* the file's day */
    int day_no;                  /* 1, 2, ... within (register, day) */
    char file[128];              /* file name (no folder) */
    int64_t items;               /* records written (done batches) */
    char sha256[65];             /* of the file's body (done batches) */
    enum vx_regx_batch_state state;
    vx_time created_at, done_at;
};

enum vx_regx_retry_state {
    VX_REGX_RETRY = 0,    /* send again at next_attempt_at */
    VX_REGX_REJECTED = 1, /* the register refused the content (AE): correct the dose */
    VX_REGX_FAILED = 2    /* gave up after the most attempts */
};

/* An item that was not delivered (regx_retries), keyed by (reg, seq). */
struct vx_regx_retry_rec {
    char reg[8];
    int64_t seq;
    int64_t dose_id;
    enum vx_regx_retry_state state;
    int attempts; /* sends tried so far (0: queued behind an earlier item of the dose) */
    vx_time next_attempt_at;
    char last_error[256];
    vx_time updated_at;
};

/* Counts for `register status` and GET /api/v1/register/status. */
struct vx_regx_status_rec {
    char reg[8];
    int64_t last_seq; /* the register's cursor */
    int64_t max_seq;  /* newest change */
    int64_t pending;  /* changes after the cursor + items waiting for a retry */
    int64_t sent;     /* delivered */
    int64_t retrying; /* in state retry */
    int64_t rejected; /* refused by the register (AE) */
    int64_t failed;   /* given up */
    int64_t batches;  /* files written (file registers) */
    vx_time last_export_at;
};

typedef int (*vx_regx_retry_cb)(void *ctx, const struct vx_regx_retry_rec *r);

struct vx_store_regx_ops {
    const char *name; /* backend name */
    /* Newest change seq (0 when none), counting the doses inserted since the last sync:
     * they get the next numbers, in id order, when they are logged. */
    enum vx_status (*last_seq)(struct vx_store *st, int64_t *seq);
    /* Log the doses inserted since the last sync as `new` changes (id order) and move
     * the mark past them; *added (may be NULL) gets how many. Must run inside a
     * transaction (vx_store_begin), else VX_EINVAL: the log and the mark move together.
     * change_foreach/change_get see only logged changes. */
    enum vx_status (*sync)(struct vx_store *st, int64_t *added);
    /* The cursor of register `reg`; VX_EINVAL for an unknown register. */
    enum vx_status (*cursor_get)(struct vx_store *st, const char *reg,
                                 struct vx_regx_cursor_rec *out);
    /* Move the cursor of `reg` to `seq` and add `sent` delivered items. VX_ECONFLICT
     * when seq is below the current cursor (another exporter moved it). */
    enum vx_status (*cursor_advance)(struct vx_store *st, const char *reg, int64_t seq,
                                     int64_t sent, vx_time at);
    /* Changes with after < seq <= upto in seq order, each with the dose as of the
     * change; stops early when cb returns non-zero. */
    enum vx_status (*change_foreach)(struct vx_store *st, int64_t after, int64_t upto,
                                     vx_regx_change_cb cb, void *ctx);
    /* One change; VX_ENOTFOUND when there is none. */
    enum vx_status (*change_get)(struct vx_store *st, int64_t seq, struct vx_regx_change_rec *out);

    /* Insert a prepared batch (b->state ignored); *id gets its id. */
    enum vx_status (*batch_prepare)(struct vx_store *st, const struct vx_regx_batch_rec *b,
                                    int64_t *id);
    /* The oldest prepared (unfinished) batch of `reg`; VX_ENOTFOUND when none. */
    enum vx_status (*batch_pending)(struct vx_store *st, const char *reg,
                                    struct vx_regx_batch_rec *out);
    /* Mark batch `id` done with its item count and SHA-256; VX_ENOTFOUND / VX_ECONFLICT
     * when it does not exist or is already done. */
    enum vx_status (*batch_done)(struct vx_store *st, int64_t id, int64_t items, const char *sha256,
                                 vx_time at);
    /* Next day_no for (reg, day): 1 + the highest so far. */
    enum vx_status (*batch_next_day_no)(struct vx_store *st, const char *reg, vx_day day, int *no);
    /* Batches of `reg`, newest first, at most `cap` into out; *n gets how many. */
    enum vx_status (*batch_list)(struct vx_store *st, const char *reg,
                                 struct vx_regx_batch_rec *out, int cap, int *n);

    /* Insert or replace the retry item (r->reg, r->seq). */
    enum vx_status (*retry_put)(struct vx_store *st, const struct vx_regx_retry_rec *r);
    /* Remove the item; VX_ENOTFOUND if absent. */
    enum vx_status (*retry_delete)(struct vx_store *st, const char *reg, int64_t seq);
    /* Items of `reg` in state retry due at `now` (next_attempt_at <= now), in seq order:
     * out[0..min(*n, cap)); *n gets how many are due. */
    enum vx_status (*retry_due)(struct vx_store *st, const char *reg, vx_time now,
                                struct vx_regx_retry_rec *out, int cap, int *n);
    /* The earliest item in state retry of `reg` for `dose_id` with seq < before;
     * *found false when none. (A later change of the dose waits behind it.) */
    enum vx_status (*retry_blocker)(struct vx_store *st, const char *reg, int64_t dose_id,
                                    int64_t before, struct vx_regx_retry_rec *out, bool *found);
    /* Every item of `reg` ("" = all registers), by register then seq. */
    enum vx_status (*retry_foreach)(struct vx_store *st, const char *reg, vx_regx_retry_cb cb,
                                    void *ctx);

    /* Counts for register `reg`. */
    enum vx_status (*status)(struct vx_store *st, const char *reg, struct vx_regx_status_rec *out);

    /* One dose by id (any status); VX_ENOTFOUND if absent. Callers audit person data. */
    enum vx_status (*dose_get)(struct vx_store *st, int64_t id, struct vx_dose_rec *out);
    /* Back-fill de-duplication: a valid dose of person, vaccine and dose number given in
     * [from, to); *id gets it, VX_ENOTFOUND when there is none. */
    enum vx_status (*dose_find)(struct vx_store *st, int64_t person_id, const char *vaccine,
                                int dose_number, vx_time from, vx_time to, int64_t *id);
    /* Whether the vaccines table has product `code` (back-fill checks references
     * before writing, so that one bad row does not doom the file's transaction). */
    enum vx_status (*vaccine_exists)(struct vx_store *st, const char *code, bool *out);

    /* Register backlog of one region (traffic-light report): the earliest time among the
     * changes of `region`'s doses (doses.region_code) that register `reg` has not taken —
     * doses not logged yet (their created_at), logged changes after the cursor (their
     * `at`) and the register's items in the retry table in any state (their change's
     * `at`). *at = 0 when nothing of the region is pending. VX_EINVAL for an unknown
     * register. Reads only. */
    enum vx_status (*oldest_pending)(struct vx_store *st, const char *reg, const char *region,
                                     vx_time *at);
};

#endif
