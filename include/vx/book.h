/*
 * book.h — the booking engine: slots that follow supply, cohort releases, booking
 * of dose pairs with a single group-committing writer, invitation codes.
 *
 * One engine serves one database. It owns its own store connection (SQLite handles
 * are single-threaded) and one writer thread; every write — bookings, rebookings,
 * cancellations, and the administrative writes (supply, slot generation, cohort
 * release, invitation codes, audit rows) — is a request on one bounded queue that
 * the writer drains in batches, many requests per transaction (group commit). A
 * request's completion callback runs only once its batch is on disk: by default on
 * the engine's sync thread, after the batch's COMMIT (into the WAL) and an fdatasync
 * of the WAL that began after it, while the writer already runs the next batch
 * (pipelined durability); with opts.sync_inline or commit_each on the writer thread
 * after a COMMIT with synchronous=FULL. If the commit fails every request of the
 * batch fails and the in-memory counters are rolled back; if the sync fails, the
 * batch's requests are answered "could not be saved" (a retry with the same
 * Idempotency-Key then tells what the database holds).
 *
 * Reads (availability, a person's active bookings, the site list) are served from
 * in-memory state that the writer keeps up to date: per-slot and per-supply-week
 * counters are atomics, structural changes happen under a read-write lock held by
 * the writer for microseconds (never across I/O). Readers therefore never wait for
 * a disk write. A booking becomes visible to readers when the writer accepts it,
 * which may be a few milliseconds before it is durable; if its batch then fails,
 * it disappears again (counters only ever err towards showing less capacity).
 *
 * Ownership: the engine borrows the catalogue and rule table given to
 * vx_book_engine_open (they must outlive it); every struct passed in is borrowed
 * for the call (submit copies the request); every result handed to a callback is
 * borrowed for the duration of the callback. Design notes: docs/booking.md.
 *
 * Who owns what: src/book owns this API and the writer; src/http maps it to
 * routes (it decides roles and audits reads through vx_audit_person); the
 * planner's HTTP routes write site_supply through vx_book_supply_set and cancel
 * re-planned bookings with VX_BOOK_OP_CANCEL + cancel_only (the engine is found with
 * vx_book_http_engine); the CLI, where no engine runs, writes the store directly.
 */
#ifndef VX_BOOK_H
#define VX_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/date.h"
#include "vx/elig.h"
#include "vx/status.h"
#include "vx/store.h"

struct vx_book_engine;

#define VX_BOOK_KEY_MAX      64 /* bytes of an Idempotency-Key, without the NUL */
#define VX_BOOK_CODE_LEN     14 /* "ABCD-EFGH-JKLM" without the NUL */
#define VX_BOOK_HIST_BUCKETS 12 /* batch sizes 1, 2-3, 4-7, ..., >= 2048 */
#define VX_BOOK_DEFAULT_SLOT 15 /* minutes per slot */
#define VX_BOOK_WAL_PAGES                                                                          \
    64000 /* the log is copied and started over at this many                                       \
             pages (256 MiB of log), see src/book/ckpt.c */
#define VX_BOOK_MAX_DAY_SLOTS 1440

struct vx_book_opts {
    int queue_cap;      /* bounded queue length; 0 = 8192 */
    int batch_max;      /* requests per transaction; 0 = 1024 */
    bool commit_each;   /* one transaction per request (benchmark baseline) */
    bool sync_inline;   /* each COMMIT waits for the disk and the writer runs the callbacks
                           (default: pipelined, see engine.c; commit_each implies this) */
    int wal_pages;      /* group commit: copy the log into the database file every this
                           many pages (the checkpointer, ckpt.c); 0 = VX_BOOK_WAL_PAGES
                           (commit_each keeps the store's default) */
    bool submit_nowait; /* vx_book_submit returns VX_EBUSY when the queue is full
                           (default: it waits for room) */
    int slot_minutes;   /* slot length for vx_book_slots_generate; 0 = 15 */
    bool store_fk;      /* the store checks foreign keys in booking batches too (default:
                           only the writer checks their references, see engine.c) */
};

/*
 * Open the engine on the SQLite database at `path` (created and migrated if
 * needed): opens the writer's store connection, rebuilds the in-memory state
 * (sites, supply, slots with their booked counts, active bookings, cohorts) from
 * the store and starts the writer thread. `cat` and `rules` are borrowed and must
 * outlive the engine; `opts` may be NULL (defaults). On success *out is owned by
 * the caller (vx_book_engine_close). On failure *out is NULL and `err` (may be
 * NULL) says why.
 */
enum vx_status vx_book_engine_open(const char *path, const struct vx_catalog *cat,
                                   const struct vx_elig_table *rules,
                                   const struct vx_book_opts *opts, struct vx_book_engine **out,
                                   struct vx_err *err);

/* Stop accepting requests, let the writer finish everything queued (callbacks
 * run), join it, close the store and free the engine. NULL is fine. Must not be
 * called from a completion callback. */
void vx_book_engine_close(struct vx_book_engine *eng);

/* ------------------------------------------------------------------ slots */

/* One generated slot time of a day. */
struct vx_book_slot_time {
    int start_minute; /* local wall-clock minute */
    vx_time start;    /* the instant (UTC seconds) */
    int capacity;     /* stations * slot_minutes / minutes_per_dose */
};

/*
 * The slots site `s` (borrowed) has on local day `day` with slots of
 * `slot_minutes`: from open_minute, every slot_minutes, while the slot ends by
 * close_minute, on the site's weekdays only. Times in the spring-forward gap do
 * not exist and get no slot; in the autumn overlap a time gets one slot at its
 * first (summer-time) instant. Writes at most `cap` entries to out; returns the
 * number of slots (may exceed cap: then only cap were written), or a negative
 * status (VX_EINVAL for slot_minutes <= 0). Pure.
 */
int vx_book_day_slots(const struct vx_site_rec *s, vx_day day, int slot_minutes,
                      struct vx_book_slot_time *out, int cap);

/*
 * Create the slots of site `site_id` for `vaccine` on the days from..to
 * (inclusive) through the writer; slots that exist are kept as they are. Slots
 * beyond the site's supply exist but are not released (see availability).
 * *created (may be NULL) gets the number of new slots. Waits for the commit;
 * must not be called from a completion callback.
 */
enum vx_status vx_book_slots_generate(struct vx_book_engine *eng, int64_t site_id,
                                      const char *vaccine, vx_day from, vx_day to, int *created,
                                      struct vx_err *err);

/* Set (upsert) the supply of one site, vaccine and week through the writer; the
 * in-memory release limits change with the commit. Waits; not from a callback. */
enum vx_status vx_book_supply_set(struct vx_book_engine *eng, const struct vx_supply_rec *r,
                                  struct vx_err *err);

/* Re-read the site list from the store (after an import). Waits; not from a callback. */
enum vx_status vx_book_sites_reload(struct vx_book_engine *eng, struct vx_err *err);

/* One slot as a reader sees it. */
struct vx_book_slot_info {
    int64_t slot_id;
    int64_t site_id;
    vx_day day;
    int start_minute;
    int minutes;
    vx_time start;
    char vaccine[VX_VACCINE_CODE_MAX];
    int capacity;
    int booked;
    bool released; /* free, and the site's supply for that week has a dose left */
};

/* Availability of one site, day and vaccine. */
struct vx_book_day_info {
    vx_day day;
    char vaccine[VX_VACCINE_CODE_MAX];
    int slots;
    int capacity; /* sum over the day's slots */
    int booked;
    int released; /* bookable now: min(capacity - booked, doses the site can count on) */
};

/*
 * Slots of site `site_id` on the days from..to, sorted by day, minute, vaccine.
 * Writes at most `cap` to `out`; *n gets the number that exist (may exceed cap).
 * VX_ENOTFOUND for an unknown site. Never waits for the writer.
 */
enum vx_status vx_book_availability(struct vx_book_engine *eng, int64_t site_id, vx_day from,
                                    vx_day to, struct vx_book_slot_info *out, int cap, int *n);

/* The same summed per day and vaccine (sorted by day, vaccine). */
enum vx_status vx_book_availability_days(struct vx_book_engine *eng, int64_t site_id, vx_day from,
                                         vx_day to, struct vx_book_day_info *out, int cap, int *n);

/* Doses site `site_id` can still count on for `vaccine` in the ISO week of `day`:
 * allocated + delivered up to that week, minus booked doses 1 and reserved doses 2
 * from that week on (the minimum over the later weeks). Never waits. */
int vx_book_supply_left(struct vx_book_engine *eng, int64_t site_id, const char *vaccine,
                        vx_day day);

/* Sites of `region` and `kommun` ("" or NULL = any), sorted by kommun and code, from
 * memory. Writes at most `cap`; *n gets the number that match. Never waits. */
enum vx_status vx_book_sites(struct vx_book_engine *eng, const char *region, const char *kommun,
                             struct vx_site_rec *out, int cap, int *n);

/* ---------------------------------------------------------------- cohorts */

/*
 * Release a cohort (through the writer, waits for the commit): from
 * c->release_at, people in c->region ("" = all) who match any of c->rule_ids
 * (eligibility rule ids, comma-separated; "" = no rule condition) and were born
 * in c->born_to or earlier (0 = no bound) may book — when they are also eligible
 * by vx_elig_eval. At least one of rule_ids and born_to must be given. Unknown
 * rule ids are VX_EINVAL. *id (may be NULL) gets the cohort's id.
 */
enum vx_status vx_book_cohort_release(struct vx_book_engine *eng, const struct vx_cohort_rec *c,
                                      int64_t *id, struct vx_err *err);

/* Is person `p` (borrowed) in a released cohort of their region at `now`? */
bool vx_book_cohort_open(struct vx_book_engine *eng, const struct vx_person *p, vx_time now);

/* ---------------------------------------------------------------- booking */

enum vx_book_op {
    VX_BOOK_OP_BOOK = 1,   /* dose 1 + dose 2 (or the next dose) as one series */
    VX_BOOK_OP_REBOOK = 2, /* replace the active series with new slots, atomically */
    VX_BOOK_OP_CANCEL = 3  /* cancel the active series; capacity returns at once */
};

/* Why a request was refused (stable codes for the HTTP layer, see vx_book_reason_code). */
enum vx_book_reason {
    VX_BOOK_R_NONE = 0,
    VX_BOOK_R_BAD_REQUEST,      /* a field is missing or malformed */
    VX_BOOK_R_NO_PERSON,        /* the person is not in the register */
    VX_BOOK_R_BAD_CODE,         /* invitation code unknown or expired */
    VX_BOOK_R_CODE_USED,        /* invitation code already used */
    VX_BOOK_R_NOT_ELIGIBLE,     /* vx_elig_eval says no (reason texts say why) */
    VX_BOOK_R_COHORT_CLOSED,    /* eligible, but no released cohort in the region yet */
    VX_BOOK_R_HAS_SERIES,       /* an active booking series exists */
    VX_BOOK_R_NO_SERIES,        /* rebook/cancel: no active series */
    VX_BOOK_R_FULLY_VACCINATED, /* all doses of the schedule given */
    VX_BOOK_R_AGE,              /* the product's age rules refuse (reason texts say why) */
    VX_BOOK_R_INTERVAL,         /* dose 2 outside the product's interval */
    VX_BOOK_R_NO_SLOT,          /* slot unknown, in the past, or wrong vaccine */
    VX_BOOK_R_SLOT_FULL,        /* no capacity left in the slot */
    VX_BOOK_R_NO_SUPPLY,        /* the slot exists but is not released (no supply) */
    VX_BOOK_R_KEY_REUSED,       /* idempotency key used before for another operation */
    VX_BOOK_R_STORE,            /* the database failed; nothing was stored */
    VX_BOOK_R_COUNT
};

/* "none", "bad_request", "no_person", ... Static storage. */
const char *vx_book_reason_code(enum vx_book_reason r);

struct vx_book_req {
    enum vx_book_op op;
    char pnr[13];       /* the person, normalised 12 digits; "" when `code` is given */
    char code[24];      /* invitation code (identifies the person); "" = none */
    int64_t slot_id[2]; /* BOOK/REBOOK: the first dose's slot and the next one's
                           (0 when the product has one dose left) */
    enum vx_book_channel channel;
    char agent_id[64]; /* call-centre agent acting for the person, "" = the person */
    char actor[64];    /* for the audit row: user id or "cli:<user>" */
    char role[32];     /* for the audit row */
    char idem_key[VX_BOOK_KEY_MAX + 1]; /* Idempotency-Key, "" = none */
    vx_time now;                        /* time of the request; 0 = the clock */
    /* CANCEL only while the person's active series holds this booking id; else
     * refused as no_series with nothing written or audited (the person cancelled or
     * rebooked since). 0 = cancel whatever series is active. For callers that chose
     * the booking earlier, e.g. the planner's re-plan. */
    int64_t cancel_only;
    /* The person as the caller has just read it from the store (the HTTP routes read
     * it for their scope check): with has_person and person.p.pnr.norm equal to pnr,
     * the writer uses this copy instead of reading the person again. */
    bool has_person;
    struct vx_person_rec person;
};

struct vx_book_result {
    enum vx_status status; /* VX_OK, or why not (VX_EDENIED, VX_ECONFLICT, ...) */
    enum vx_book_reason reason;
    bool replayed; /* the stored outcome of an earlier request with the key */
    enum vx_book_op op;
    int64_t person_id;
    int64_t booking_id[2]; /* new bookings (BOOK/REBOOK) or the cancelled ones */
    int64_t slot_id[2];
    vx_time start[2];
    int dose_number[2]; /* 0 where no booking */
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    char msg_sv[256]; /* for the person, "" on success */
    char msg_en[256];
};

typedef void (*vx_book_done_fn)(void *ctx, const struct vx_book_result *res);

/*
 * Queue request `req` (copied) for the writer. `done` (required) is called exactly
 * once on the writer thread with the outcome, after the outcome is durable;
 * `res` is borrowed for the call; `done` must be quick and must not call the
 * waiting functions of this API (slots_generate, supply_set, cohort_release,
 * invite_create, sites_reload, close). Returns VX_OK when queued; VX_EBUSY when
 * the queue is full and opts.submit_nowait is set; VX_ECONFLICT when the engine is
 * closing; VX_EINVAL for a NULL argument (then `done` is not called).
 */
enum vx_status vx_book_submit(struct vx_book_engine *eng, const struct vx_book_req *req,
                              vx_book_done_fn done, void *ctx);

/* Submit and wait for the outcome (for the CLI and tests). Not from a callback. */
enum vx_status vx_book_submit_wait(struct vx_book_engine *eng, const struct vx_book_req *req,
                                   struct vx_book_result *out);

/* A person's active booking, as a reader sees it. */
struct vx_book_booking_info {
    int64_t booking_id;
    int64_t slot_id;
    int64_t site_id;
    int dose_number;
    vx_day day;
    int start_minute;
    vx_time start;
    char vaccine[VX_VACCINE_CODE_MAX];
    enum vx_book_channel channel;
    char agent_id[64];
};

/* Active bookings of the person with number `pnr` (borrowed) or store id
 * `person_id` (used when pnr is NULL), by dose. *n gets the count (at most 2 are
 * active). Never waits. The caller audits the read (vx_audit_person). */
enum vx_status vx_book_list_person(struct vx_book_engine *eng, const char *pnr, int64_t person_id,
                                   struct vx_book_booking_info *out, int cap, int *n);

/* Queue an audit row (borrowed, copied) to be written with the next batch. */
enum vx_status vx_book_audit(struct vx_book_engine *eng, const struct vx_audit_rec *a);

/* ------------------------------------------------------ invitation codes */

/*
 * Create a one-time code for the person with number `pnr` (borrowed), valid until
 * `expires_at`, through the writer (waits). The code (VX_BOOK_CODE_LEN characters,
 * "ABCD-EFGH-JKLM", 60 random bits from an alphabet without 0/O/1/I) is written to
 * code_out (at least VX_BOOK_CODE_LEN + 1 bytes) and exists nowhere else: the store
 * keeps only its SHA-256. A code books once (channel "invitation"); a refused
 * booking leaves it unused. `actor` names the coordinator for the audit row.
 */
enum vx_status vx_book_invite_create(struct vx_book_engine *eng, const char *pnr,
                                     vx_time expires_at, const char *actor, char *code_out,
                                     struct vx_err *err);

/* Normalise a typed code (case, spaces, dashes) to its 12 symbols; false if it cannot
 * be a code. `out` has at least 13 bytes. Pure. */
bool vx_book_code_normalise(const char *in, char *out);

/* Text of an invitation letter (all borrowed). */
struct vx_book_letter {
    const char *name;        /* "Anna Andersson" */
    const char *address[3];  /* address lines, NULL where none */
    const char *region_name; /* "Region Stockholm" */
    const char *code;        /* the one-time code */
    vx_day expires;          /* last day the code is valid */
    const char *web;         /* where to book, e.g. "https://vaxchain.example/boka" */
    const char *phone;       /* call-centre number */
};

/* Write a one-page A4 invitation letter (Swedish, then English) as PDF into `out`
 * (appended; caller-owned). VX_ENOMEM when out's limit is reached, VX_EIO when
 * cairo fails. */
enum vx_status vx_book_letter_pdf(const struct vx_book_letter *l, struct vx_buf *out);

/* ---------------------------------------------------------------- metrics */

struct vx_book_stats {
    uint64_t submitted;                        /* requests accepted by vx_book_submit */
    uint64_t completed;                        /* answered (counted before the callback) */
    uint64_t bookings;                         /* dose bookings committed (a pair counts 2) */
    uint64_t cancellations;                    /* dose bookings cancelled (rebook included) */
    uint64_t refused;                          /* completed with a refusal */
    uint64_t failed;                           /* completed with a store failure */
    uint64_t replayed;                         /* answered from a stored idempotent outcome */
    uint64_t batches;                          /* transactions committed */
    uint64_t syncs;                            /* fdatasync calls of the sync thread */
    uint64_t batch_hist[VX_BOOK_HIST_BUCKETS]; /* bucket i: sizes [2^i, 2^(i+1)) */
    /* Time, nanoseconds. The writer: running batches (busy), waiting for requests
     * (idle), waiting for a buffer while all wait for the disk (disk). The sync
     * thread: forcing the log to disk (sync), answering the synced requests (deliver). */
    uint64_t writer_busy_ns, writer_idle_ns, writer_disk_ns, sync_ns, deliver_ns;
    /* Sums over the requests answered: time queued for the writer, in the batch until
     * its commit, from the commit until the disk had it (pipelined; 0 otherwise). */
    uint64_t req_queue_ns, req_batch_ns, req_sync_ns;
    /* The checkpointer (group commit): copy cycles of the log (each ends with the
     * writer's copy of the rest), its copy passes, its time and the writer's part. */
    uint64_t ckpt_cycles, ckpt_passes, ckpt_copy_ns, writer_ckpt_ns;
    int queue_len;
    int queue_cap;
};

/* Copy the counters (never waits for the writer). */
void vx_book_stats_get(struct vx_book_engine *eng, struct vx_book_stats *out);

#endif
