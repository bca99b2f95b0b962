/*
 * store.h — the storage interface.
 *
 * Modules reach storage only through `struct vx_store`: a handle with a vtable of
 * operations (`struct vx_store_ops`), so the embedded SQLite backend and the
 * scale-out PostgreSQL backend are interchangeable and share one test-suite.
 *
 * Conventions for every operation:
 *  - returns VX_OK or a negative status; on failure `st->err` holds a message;
 *  - argument structs are borrowed for the duration of the call;
 *  - outside an explicit vx_store_begin()/commit() pair each write is its own
 *    transaction; inside one, nothing is visible or durable until commit, and
 *    rollback undoes all of it (so importers write all or nothing);
 *  - every person-owned row carries `region` (the future shard key);
 *  - a write that fails inside a transaction dooms it: commit then rolls back and
 *    returns VX_ECONFLICT (as PostgreSQL does); rollback with none open is a no-op;
 *  - in bulk mode a duplicate may be reported by commit (VX_EEXIST) instead of by
 *    person_put; either way nothing of the transaction is stored;
 *  - region_put, kommun_put and vaccine_put are upserts; site_put/premises_put insert
 *    when id == 0 (VX_EEXIST on a taken code) and update that row otherwise
 *    (VX_ENOTFOUND if absent); count() returns a negative status for a table not
 *    in its fixed list;
 *  - a handle is for one thread at a time (it may be handed over between calls).
 *
 * The schema is created and upgraded by versioned migrations when the store is
 * opened (see docs/schema.md).
 */
#ifndef VX_STORE_H
#define VX_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "vx/date.h"
#include "vx/person.h"
#include "vx/status.h"

struct vx_store;
struct vx_store_care_ops;
struct vx_store_regx_ops;
struct vx_store_stats_ops;
struct vx_store_report_ops;
struct vx_store_muni_ops;
struct vx_store_ledger_ops;
struct vx_store_plan_ops;

struct vx_region_rec {
    char code[3];        /* "01" */
    char name[64];       /* "Stockholms län" */
    char short_name[32]; /* "Stockholm" (FoHM label) */
};

struct vx_kommun_rec {
    char code[5];  /* "0180" */
    char name[64]; /* "Stockholm" */
    char region[3];
};

/* A person row: the domain person plus what only some roles may read. */
struct vx_person_rec {
    struct vx_person p;
    char given_name[64];
    char family_name[64];
    bool synthetic; /* generated demo person */
};

enum vx_site_kind {
    VX_SITE_HEALTH_CENTRE = 0, /* vårdcentral */
    VX_SITE_MASS_CENTRE = 1,   /* mass-vaccination centre */
    VX_SITE_MOBILE = 2,        /* mobile unit (bus, pop-up) */
    VX_SITE_PHARMACY = 3,
    VX_SITE_CARE_HOME = 4, /* vaccination in special housing by municipal nurses */
    VX_SITE_KIND_COUNT
};
/* "health_centre", "mass_centre", "mobile", "pharmacy", "care_home" */
const char *vx_site_kind_code(enum vx_site_kind k);
enum vx_status vx_site_kind_parse(const char *s, enum vx_site_kind *out);

struct vx_site_rec {
    int64_t id;    /* 0 on insert: assigned by the store */
    char code[32]; /* unique external code, e.g. "01-VC-0001" */
    char name[128];
    char region[3];
    char kommun[5];
    enum vx_site_kind kind;
    char address[128];
    int stations;         /* vaccinator stations working in parallel */
    int minutes_per_dose; /* minutes per dose per station */
    int open_minute;      /* opening time, minutes after local midnight */
    int close_minute;     /* closing time */
    uint8_t weekdays;     /* bit 0 = Monday .. bit 6 = Sunday */
};

struct vx_premises_rec {
    int64_t id;
    char code[32];  /* unique external code */
    char kommun[5]; /* municipality offering the premises */
    char region[3];
    char name[128];
    char address[128];
    int capacity_per_day; /* doses per day the premises can take */
    bool accessible;      /* step-free access */
    vx_day available_from;
    vx_day available_to;
};

struct vx_audit_rec {
    vx_time at;
    char actor[64]; /* user id or "cli:<user>" */
    char role[32];
    char action[32]; /* "person.read", "person.import", ... */
    char object[64]; /* table:id, never a personnummer */
    char region[3];  /* region of the person concerned, "" if none */
    char detail[256];
};

/* Per-region summary for `make demo` and the situational picture. */
struct vx_region_summary {
    char code[3];
    char name[64];
    int64_t persons;
    int64_t adults;    /* 18+ at the reference date */
    int64_t age80plus; /* 80+ at the reference date */
    int64_t by_residence[VX_RES_COUNT];
    int64_t with_risk; /* at least one risk code */
    int64_t care_staff;
    int64_t sites;
    int64_t kommuner;
};

typedef int (*vx_person_cb)(void *ctx, const struct vx_person_rec *rec);
typedef int (*vx_region_cb)(void *ctx, const struct vx_region_rec *rec);

/* ---- booking (schema version 2; the booking engine in src/book is their one user) ---- */

#define VX_VACCINE_CODE_MAX 17 /* bytes of a product code incl. NUL */

/* Doses a site can count on for one vaccine in one ISO week. */
struct vx_supply_rec {
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    struct vx_isoweek week;
    int allocated; /* allocated to the site for the week, not yet delivered */
    int delivered; /* delivered to the site in the week */
};

/* A bookable time at a site: `capacity` people may book it. */
struct vx_slot_rec {
    int64_t id; /* 0 on insert: assigned by the store */
    int64_t site_id;
    char region[3];   /* the site's region */
    vx_day day;       /* local (Stockholm) date */
    int start_minute; /* local wall-clock minute of the day */
    int minutes;      /* length */
    char vaccine[VX_VACCINE_CODE_MAX];
    int capacity;
    int booked; /* on read: bookings that hold the slot (booked or attended) */
};

enum vx_booking_status {
    VX_BOOKING_BOOKED = 0,
    VX_BOOKING_CANCELLED = 1,
    VX_BOOKING_ATTENDED = 2,
    VX_BOOKING_NO_SHOW = 3,
    VX_BOOKING_STATUS_COUNT
};
/* "booked", "cancelled", "attended", "no_show" */
const char *vx_booking_status_code(enum vx_booking_status s);

enum vx_book_channel {
    VX_CHANNEL_WEB = 0,
    VX_CHANNEL_CALL_CENTRE = 1,
    VX_CHANNEL_INVITATION = 2, /* booked with an invitation-letter code */
    VX_CHANNEL_MUNICIPAL = 3,
    VX_CHANNEL_STANDBY = 4,
    VX_CHANNEL_COUNT
};
/* "web", "call_centre", "invitation", "municipal", "standby"; parse: VX_EINVAL if unknown */
const char *vx_book_channel_code(enum vx_book_channel c);
enum vx_status vx_book_channel_parse(const char *s, enum vx_book_channel *out);

struct vx_booking_rec {
    int64_t id; /* 0 on insert */
    int64_t person_id;
    char region[3]; /* the person's region */
    int64_t slot_id;
    int dose_number;
    int64_t pair_id; /* dose-2 row -> its dose-1 row; 0 = none */
    enum vx_booking_status status;
    enum vx_book_channel channel;
    char agent_id[64]; /* call-centre agent, "" = the person */
    vx_time created_at;
    char person_pnr[13]; /* filled on reads only (booking_foreach_active); never logged */
    /* schema version 11: the Idempotency-Key of the request that booked this row and that
     * request's op (enum vx_book_op), so that a retry is answered from the rows themselves
     * (book_request_get); "" = none. Written by booking_put, not read back by the lists. */
    char idem_key[65];
    int idem_op;
};

/* The last dose a person was given (doses table), for "fully vaccinated" checks. */
struct vx_dose_last {
    int count;       /* doses recorded; 0 = none (then the rest is zero) */
    int dose_number; /* highest dose number */
    char vaccine[VX_VACCINE_CODE_MAX];
    vx_day day; /* local date of that dose */
};

/* One dose given (doses table). Written by dose_put, read by dose_list_person. */
#define VX_LOT_NUMBER_MAX 33 /* bytes of a lot number incl. NUL */
struct vx_dose_rec {
    int64_t id; /* 0 on insert: assigned by the store */
    int64_t person_id;
    char region[3]; /* the person's region (shard key) */
    char vaccine[VX_VACCINE_CODE_MAX];
    char lot_number[VX_LOT_NUMBER_MAX]; /* as recorded, e.g. "EJ6795"; "" = unknown */
    int dose_number;                    /* 1, 2, ... */
    vx_time given_at;
    int64_t site_id;     /* 0 = none (e.g. given at home by a municipal nurse) */
    char vaccinator[64]; /* staff user id, "" = unknown */
    char source[12];     /* "recorded" (given in vaxchain) or "backfill" (from the register) */
    vx_time created_at;  /* on insert 0 = now */
    /* schema version 3 */
    char kommun[5];          /* municipality whose nurse gave it ("" = none) */
    int64_t booking_id;      /* the booking it fulfilled (0 = unbooked) */
    int64_t lot_id;          /* lots row (0 = unknown, e.g. back-filled) */
    int64_t vial_id;         /* the vial it was drawn from (0 = unknown) */
    char injection_site[16]; /* "left_arm", "right_arm", "left_thigh", ... ("" = unknown) */
    /* read-only here (set by the care module's correction and void ops): */
    bool voided;           /* status 'voided': given in error or recorded twice */
    int version;           /* 1 on insert, +1 per correction (register exports resend) */
    vx_time updated_at;    /* last change */
    char void_reason[128]; /* why it was voided */
};

/* A cohort release: who may book in which region from when. */
struct vx_cohort_rec {
    int64_t id;     /* 0 on insert */
    char region[3]; /* "" = every region */
    char label[128];
    char rule_ids[256]; /* eligibility rule ids separated by ',' ("" = no rule condition) */
    int born_to;        /* born this year or earlier; 0 = no bound */
    vx_time release_at;
    char created_by[64];
};

/* The stored outcome of a booking request with an Idempotency-Key (replayed on retry). */
struct vx_book_request_rec {
    int64_t person_id;
    char key[65];
    int op;     /* enum vx_book_op */
    int status; /* enum vx_status of the outcome */
    int reason; /* enum vx_book_reason */
    int64_t booking_id[2];
    int64_t slot_id[2];
    int dose_number[2];
    vx_time start[2];
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    char msg_sv[256];
    char msg_en[256];
    vx_time created_at;
};

/* An invitation-letter code: only its SHA-256 is stored. */
struct vx_invite_rec {
    int64_t id; /* 0 on insert */
    int64_t person_id;
    char region[3];
    char code_hash[65]; /* lower-case hex SHA-256 of the normalised code */
    vx_time created_at;
    vx_time expires_at;
    vx_time used_at; /* 0 = not used */
    char created_by[64];
};

typedef int (*vx_site_cb)(void *ctx, const struct vx_site_rec *rec);
typedef int (*vx_supply_cb)(void *ctx, const struct vx_supply_rec *rec);
typedef int (*vx_slot_cb)(void *ctx, const struct vx_slot_rec *rec);
typedef int (*vx_booking_cb)(void *ctx, const struct vx_booking_rec *rec);
typedef int (*vx_cohort_cb)(void *ctx, const struct vx_cohort_rec *rec);

struct vx_store_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(struct vx_store *st);
    enum vx_status (*begin)(struct vx_store *st);
    enum vx_status (*commit)(struct vx_store *st);
    enum vx_status (*rollback)(struct vx_store *st);
    int (*schema_version)(struct vx_store *st);

    enum vx_status (*region_put)(struct vx_store *st, const struct vx_region_rec *r);
    enum vx_status (*kommun_put)(struct vx_store *st, const struct vx_kommun_rec *k);
    enum vx_status (*kommun_get)(struct vx_store *st, const char *code, struct vx_kommun_rec *out);
    /* Every region in code order; stops early when cb returns non-zero. */
    enum vx_status (*region_foreach)(struct vx_store *st, vx_region_cb cb, void *ctx);
    int64_t (*count)(struct vx_store *st, const char *table); /* table name from a fixed list */

    /* Insert a person; VX_EEXIST if the number is taken. Sets rec->p.id when non-NULL id ptr. */
    enum vx_status (*person_put)(struct vx_store *st, const struct vx_person_rec *rec, int64_t *id);
    /* Look up by normalised number; VX_ENOTFOUND if absent. Callers must audit the read. */
    enum vx_status (*person_get)(struct vx_store *st, const char *norm, struct vx_person_rec *out);
    /* Call cb for each person of `region` ("" = all); stops early if cb returns non-zero. */
    enum vx_status (*person_foreach)(struct vx_store *st, const char *region, vx_person_cb cb,
                                     void *ctx);

    enum vx_status (*site_put)(struct vx_store *st, const struct vx_site_rec *s, int64_t *id);
    enum vx_status (*site_get)(struct vx_store *st, const char *code, struct vx_site_rec *out);
    enum vx_status (*premises_put)(struct vx_store *st, const struct vx_premises_rec *p,
                                   int64_t *id);
    /* Store a catalogue product (id = product code, json = its catalogue entry). */
    enum vx_status (*vaccine_put)(struct vx_store *st, const char *code, const char *name,
                                  const char *json);

    enum vx_status (*audit_append)(struct vx_store *st, const struct vx_audit_rec *a);

    /* Fill out[0..n) (n <= cap, sorted by region code) with per-region summaries. */
    enum vx_status (*region_summary)(struct vx_store *st, vx_day ref, struct vx_region_summary *out,
                                     int cap, int *n);
    /* Bulk mode for large imports: fewer fsyncs, larger cache; still transactional. */
    enum vx_status (*bulk_mode)(struct vx_store *st, bool on);
    /* Deferred durability, for one writer that confirms its commits itself (the booking
     * engine's pipelined group commit). With `on`, commit returns once the transaction
     * is in the log, atomic and consistent after a crash, before it is forced to disk;
     * sync() then makes every commit that returned before it began durable. sync() may
     * run on another thread while this handle runs its next transaction (it is the one
     * op that may); it does not set st->err. defer_sync outside a transaction only;
     * defer_sync(false) syncs what was committed before it. */
    enum vx_status (*defer_sync)(struct vx_store *st, bool on);
    /* Copy the log into the main file once it holds `pages` pages (SQLite: the WAL
     * auto-checkpoint, 1,000 by default). A busy writer gains from more: a page that
     * many commits change is copied once per checkpoint. 0: this handle never copies
     * by itself (someone calls checkpoint()); it only counts the log's pages for
     * log_pages(). VX_EINVAL if pages < 0. */
    enum vx_status (*checkpoint_every)(struct vx_store *st, int pages);
    /* Pages in the log after this handle's last commit (checkpoint_every(0) handles;
     * 0 before their first commit). */
    int (*log_pages)(struct vx_store *st);
    /* Copy what the log holds into the main file now, as far as readers allow, and
     * force the file to disk; the log starts over at the next write once all of it
     * is copied. Never waits for readers or the writer. *log / *copied (may be NULL)
     * get the pages in the log and how many of them are in the main file. */
    enum vx_status (*checkpoint)(struct vx_store *st, int *log, int *copied);
    enum vx_status (*sync)(struct vx_store *st);
    /* Enforce foreign keys on this handle (on: the default). Off only for a writer that
     * checks every reference itself before it writes (the booking engine's batches:
     * slots from its inventory, the person as read, the pair row it just inserted);
     * outside a transaction only (VX_ECONFLICT inside one). */
    enum vx_status (*foreign_keys)(struct vx_store *st, bool on);

    /* ---- booking (schema version 2). foreach ops stop early when cb returns non-zero. ---- */
    /* Sites of `region` and `kommun` ("" or NULL = any), ordered by kommun, code. */
    enum vx_status (*site_foreach)(struct vx_store *st, const char *region, const char *kommun,
                                   vx_site_cb cb, void *ctx);
    /* Person by store id; VX_ENOTFOUND if absent. Callers must audit the read. */
    enum vx_status (*person_get_id)(struct vx_store *st, int64_t id, struct vx_person_rec *out);
    /* Upsert the supply of (site, vaccine, week). */
    enum vx_status (*supply_put)(struct vx_store *st, const struct vx_supply_rec *r);
    enum vx_status (*supply_foreach)(struct vx_store *st, vx_supply_cb cb, void *ctx);
    /* Insert a slot (VX_EEXIST when (site, day, minute, vaccine) is taken); *id gets its id. */
    enum vx_status (*slot_put)(struct vx_store *st, const struct vx_slot_rec *s, int64_t *id);
    /* Every slot in id order, `booked` counted from its booked/attended bookings. */
    enum vx_status (*slot_foreach)(struct vx_store *st, vx_slot_cb cb, void *ctx);
    /* Add `delta` to a slot's booked count; VX_EINVAL (CHECK) when it would pass capacity. */
    enum vx_status (*slot_book)(struct vx_store *st, int64_t slot_id, int delta);
    /* Insert a booking row; *id gets its id. */
    enum vx_status (*booking_put)(struct vx_store *st, const struct vx_booking_rec *b, int64_t *id);
    /* Set a booking's status; VX_ENOTFOUND if no such booking. */
    enum vx_status (*booking_set_status)(struct vx_store *st, int64_t id, enum vx_booking_status s,
                                         vx_time at);
    /* Every booking with status 'booked' (with person_pnr), by person then dose. */
    enum vx_status (*booking_foreach_active)(struct vx_store *st, vx_booking_cb cb, void *ctx);
    /* The person's last valid (not voided) dose; out->count 0 when none. */
    enum vx_status (*dose_last)(struct vx_store *st, int64_t person_id, struct vx_dose_last *out);
    enum vx_status (*cohort_put)(struct vx_store *st, const struct vx_cohort_rec *c, int64_t *id);
    enum vx_status (*cohort_foreach)(struct vx_store *st, vx_cohort_cb cb, void *ctx);
    /* Stored outcome of (person, key): a row of book_request_put, or else a successful
     * BOOK/REBOOK rebuilt from the bookings rows that carry the key (booking_put's
     * idem_key; status VX_OK, starts from the slots); VX_ENOTFOUND if neither. */
    enum vx_status (*book_request_get)(struct vx_store *st, int64_t person_id, const char *key,
                                       struct vx_book_request_rec *out);
    /* Store an outcome; VX_EEXIST if (person, key) is taken. */
    enum vx_status (*book_request_put)(struct vx_store *st, const struct vx_book_request_rec *r);
    /* Every person with a stored outcome of book_request_get (a book_request_put row or
     * a keyed booking), at least once each; cb returns non-zero to stop. */
    enum vx_status (*idem_person_foreach)(struct vx_store *st,
                                          int (*cb)(void *ctx, int64_t person_id), void *ctx);
    enum vx_status (*invite_put)(struct vx_store *st, const struct vx_invite_rec *r, int64_t *id);
    /* Invitation by code hash; VX_ENOTFOUND if none. */
    enum vx_status (*invite_get)(struct vx_store *st, const char *code_hash,
                                 struct vx_invite_rec *out);
    /* Mark an invitation used at `at`; VX_ECONFLICT if it was already used. */
    enum vx_status (*invite_use)(struct vx_store *st, int64_t id, vx_time at);

    /* ---- doses (schema version 2, table doses). Callers audit person data. ---- */
    /* Insert a dose; *id (may be NULL) gets its id. VX_EINVAL for an unknown person,
     * vaccine or site, a dose number below 1 or a source other than recorded/backfill. */
    enum vx_status (*dose_put)(struct vx_store *st, const struct vx_dose_rec *d, int64_t *id);
    /* The person's doses in order (given_at, dose_number, id), voided ones included
     * (callers skip d->voided): out[0..min(*n, cap)) is filled, *n gets how many the
     * person has (may exceed cap; cap 0 just counts). */
    enum vx_status (*dose_list_person)(struct vx_store *st, int64_t person_id,
                                       struct vx_dose_rec *out, int cap, int *n);

    /* ---- module storage: one table of operations per module, each declared in
     * include/vx/store_<module>.h (schema versions 4..10, see docs/schema.md). ---- */
    const struct vx_store_care_ops *care;     /* stock, vials, standby, dose recording */
    const struct vx_store_regx_ops *regx;     /* register export outbox, back-fill */
    const struct vx_store_stats_ops *stats;   /* coverage aggregates, official series */
    const struct vx_store_report_ops *report; /* traffic-light reports */
    const struct vx_store_muni_ops *muni;     /* municipal resident lists, rounds */
    const struct vx_store_ledger_ops *ledger; /* compensation, resources, coordination */
    const struct vx_store_plan_ops *plan;     /* deliveries, allocations, plans */
};

struct vx_store {
    const struct vx_store_ops *ops;
    char err[512]; /* message of the last failure */
    void *impl;    /* backend state, owned by the backend */
};

/*
 * Open (creating if needed) the SQLite store at `path` and run migrations.
 * On success *out is a new handle owned by the caller (free with vx_store_close);
 * on failure *out is NULL and `err` (may be NULL) says why.
 */
enum vx_status vx_store_open_sqlite(const char *path, struct vx_store **out, struct vx_err *err);
/* As vx_store_open_sqlite, for a process's one busy writer (the booking engine):
 * the writes of its log are gathered into one write per commit (walbuf.c); other
 * handles of the same database see every commit as usual. */
enum vx_status vx_store_open_sqlite_writer(const char *path, struct vx_store **out,
                                           struct vx_err *err);
/* Close and free a store handle (NULL is fine). */
void vx_store_close(struct vx_store *st);

/* Thin inline dispatchers so callers write vx_store_begin(st) etc. */
static inline enum vx_status vx_store_begin(struct vx_store *st)
{
    return st->ops->begin(st);
}
static inline enum vx_status vx_store_commit(struct vx_store *st)
{
    return st->ops->commit(st);
}
static inline enum vx_status vx_store_rollback(struct vx_store *st)
{
    return st->ops->rollback(st);
}

/* Current schema version the code expects (highest migration). */
#define VX_SCHEMA_VERSION 11

#endif
