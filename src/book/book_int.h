/*
 * book_int.h — private parts of the booking engine (src/book).
 *
 * The engine is split by what each file holds: engine.c (life cycle, the queue,
 * the writer loop, waiting wrappers, stats), inventory.c (the in-memory state:
 * sites, slots, supply weeks, person series, cohorts; the lock-light reads),
 * exec.c (one request: validation against the inventory, the store writes, the
 * undo log), invite.c (one-time codes), letter.c (the PDF letter).
 *
 * Locking: `lock` is a read-write lock. Readers take it shared. The writer thread
 * is the only thread that changes the inventory; it changes counters (atomics)
 * without the lock and takes it exclusively only to change structure (grow an
 * array, add a slot, set a person's series), never across I/O.
 */
#ifndef VX_BOOK_INT_H
#define VX_BOOK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "vx/book.h"

#define BK_MAX_WEEKS    1040 /* supply lines span at most 20 years of weeks */
#define BK_COHORT_RULES 16   /* rule ids per cohort */
#define BK_CODE_SYMBOLS 12

/* Week index of a day: weeks counted from Monday 1969-12-29. */
static inline int bk_week(vx_day d)
{
    return (d + 3) >= 0 ? (d + 3) / 7 : -((-(d + 3) + 6) / 7);
}

/* Doses one site can count on for one vaccine, per week from wk0. */
struct bk_supply {
    int wk0;
    int nwk;
    int32_t *add;          /* allocated + delivered of each week */
    _Atomic int32_t *used; /* doses booked (booked or attended) at slots of each week */
};

struct bk_site {
    struct vx_site_rec rec;
    int *slots; /* slot indices sorted by (day, minute, vaccine) */
    int n_slots, cap_slots;
    struct bk_supply **supply; /* per catalogue product, NULL = no supply */
};

struct bk_slot {
    int64_t id;
    int site; /* index into sites */
    int vac;  /* index into the catalogue's products */
    vx_day day;
    int minute;
    int minutes;
    vx_time start;
    int capacity;
    _Atomic int booked;
};

struct bk_series {
    int n; /* active bookings: 0..2 */
    int64_t booking[2];
    int slot[2]; /* slot indices */
    int dose[2];
    enum vx_book_channel channel;
    char agent[64];
};

struct bk_person {
    int64_t id;
    char pnr[13];
    struct bk_series s;
};

struct bk_cohort {
    struct vx_cohort_rec rec;
    const struct vx_elig_rule *rules[BK_COHORT_RULES];
    int n_rules;
};

enum bk_undo_kind { BK_U_SLOT, BK_U_USED, BK_U_SERIES };

struct bk_undo {
    enum bk_undo_kind kind;
    int a, b, c; /* SLOT: slot, delta; USED: site, vac, week; SERIES: person */
    int delta;
    struct bk_series old;
};

enum bk_kind { BK_REQ, BK_AUDIT, BK_SUPPLY, BK_COHORT, BK_SLOTS, BK_INVITE, BK_RELOAD };

/* A caller waiting for an administrative write (or vx_book_submit_wait). */
struct bk_waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum vx_status status;
    struct vx_err err;
    int64_t id;
    int count;
    char code[VX_BOOK_CODE_LEN + 1];
    struct vx_book_result res;
    void *scratch; /* the writer's working memory for this item */
};

struct bk_slots_args {
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    vx_day from, to;
};

struct bk_invite_args {
    char pnr[13];
    vx_time expires_at;
    char actor[64];
};

struct bk_item {
    enum bk_kind kind;
    union {
        struct vx_book_req req;
        struct vx_audit_rec audit;
        struct vx_supply_rec supply;
        struct vx_cohort_rec cohort;
        struct bk_slots_args slots;
        struct bk_invite_args invite;
    } u;
    vx_book_done_fn done; /* BK_REQ */
    void *ctx;
    struct bk_waiter *w; /* administrative kinds */
    uint64_t t_queued;   /* CLOCK_MONOTONIC ns at submit (stage times) */
};

/* A batch the writer took from the queue, with its outcomes. With pipelined
 * durability a committed batch waits in its buffer for the sync thread. */
#define BK_NBUF 4
struct bk_buf {
    struct bk_item *items; /* batch_max each */
    struct vx_book_result *results;
    int n;
    int n_req;           /* of them requests (BK_REQ) */
    uint64_t t_commit;   /* ns when the writer handed it to the sync thread */
    struct bk_buf *next; /* free list or sync list */
};

struct vx_book_engine {
    const struct vx_catalog *cat;
    const struct vx_elig_table *rules;
    struct vx_book_opts opts;
    struct vx_store *st; /* the writer's connection (used by open before the thread runs) */

    pthread_rwlock_t lock;
    struct bk_site *sites;
    int n_sites, cap_sites;
    int *site_by_id; /* site indices sorted by id */
    struct bk_slot *slots;
    int n_slots, cap_slots; /* sorted by id (ids grow) */
    struct bk_person *persons;
    int n_persons, cap_persons;
    int32_t *h_id, *h_pnr; /* open addressing: person index + 1, 0 = empty */
    size_t h_cap;          /* power of two */
    struct bk_cohort *cohorts;
    int n_cohorts, cap_cohorts;

    /* the queue */
    pthread_mutex_t qmu;
    pthread_cond_t q_nonempty, q_nonfull;
    struct bk_item *q;
    int q_head, q_len;
    bool stopping;
    pthread_t writer;
    bool writer_started;

    /* writer-private */
    struct bk_undo *undo;
    int n_undo, cap_undo;
    uint64_t *idem_bits; /* Bloom filter of persons with a keyed outcome (idem.c) */
    uint64_t idem_mask;  /* bits - 1 */

    /* Batch buffers. Pipelined durability (not opts.sync_inline, not commit_each): the
     * writer's store commits without waiting for the disk (defer_sync), the writer
     * hands the committed buffer to the sync thread and goes on with the next batch;
     * the sync thread forces the log to disk (st->ops->sync, one call for every
     * buffer waiting) and only then runs the buffer's callbacks. Otherwise the writer
     * uses bufs[0], COMMIT syncs, and the writer runs the callbacks itself. */
    bool pipelined;
    struct bk_buf bufs[BK_NBUF];
    pthread_mutex_t smu;                  /* the two lists below */
    pthread_cond_t s_nonempty, s_bufree;  /* sync list not empty / a buffer is free */
    struct bk_buf *free_bufs;             /* buffers the writer may fill */
    struct bk_buf *sync_head, *sync_tail; /* committed, oldest first */
    bool sync_stop;                       /* the writer has exited: drain and stop */
    pthread_t syncer;
    bool syncer_started;

    /* the checkpointer (ckpt.c) */
    struct vx_store *ck_st; /* its own handle */
    pthread_t ck_thread;
    bool ck_init, ck_started;
    pthread_mutex_t ck_mu; /* ck_want, ck_stop */
    pthread_cond_t ck_cv;
    bool ck_want, ck_stop;
    bool ck_cycle;         /* writer-private: a copy cycle is under way */
    _Atomic bool ck_final; /* the checkpointer asks the writer to copy the rest */

    /* stats */
    _Atomic uint64_t st_ckpt_cycles, st_ckpt_passes, ns_c_copy, ns_w_ckpt;
    _Atomic uint64_t st_submitted, st_completed, st_bookings, st_cancels, st_refused, st_failed,
        st_replayed, st_batches, st_syncs;
    _Atomic uint64_t st_hist[VX_BOOK_HIST_BUCKETS];
    /* where the writer's and the sync thread's time goes, nanoseconds */
    _Atomic uint64_t ns_w_busy, ns_w_idle, ns_w_disk, ns_s_sync, ns_s_deliver;
    /* sums over requests of the time each spent queued, in its batch, waiting for the disk */
    _Atomic uint64_t ns_r_queue, ns_r_batch, ns_r_sync;
};

/* ---- inventory.c ---- */
enum vx_status bk_load(struct vx_book_engine *e, struct vx_err *err);
void bk_free_inventory(struct vx_book_engine *e);
int bk_site_index(const struct vx_book_engine *e, int64_t site_id);
int bk_slot_index(const struct vx_book_engine *e, int64_t slot_id);
int bk_vaccine_index(const struct vx_book_engine *e, const char *code);
/* Doses left for (site, vac) from week wk on; never negative-safe: may be < 0. */
int bk_supply_left(const struct vx_book_engine *e, int site, int vac, int wk);
/* Make sure the supply line of (site, vac) exists and covers wk (takes the lock). */
struct bk_supply *bk_supply_line(struct vx_book_engine *e, int site, int vac, int wk);
enum vx_status bk_supply_apply(struct vx_book_engine *e, const struct vx_supply_rec *r);
/* Add a slot read from or written to the store (caller holds the write lock). */
enum vx_status bk_slot_add(struct vx_book_engine *e, const struct vx_slot_rec *r);
void bk_site_sort_slots(struct vx_book_engine *e, int site);
enum vx_status bk_site_upsert(struct vx_book_engine *e, const struct vx_site_rec *r);
/* Person index for (id, pnr), created if absent (takes the lock); -1 on OOM. */
int bk_person_get(struct vx_book_engine *e, int64_t id, const char *pnr, bool create);
int bk_person_find_pnr(const struct vx_book_engine *e, const char *pnr);
/* Check a cohort (rule ids known, some condition given); with `apply` add it to
 * memory (takes the lock). Messages go to err (may be NULL). */
enum vx_status bk_cohort_add(struct vx_book_engine *e, const struct vx_cohort_rec *c,
                             struct vx_err *err, bool apply);
bool bk_cohort_open_locked(const struct vx_book_engine *e, const struct vx_person *p, vx_time now);

/* ---- exec.c ---- */
/* Execute one booking request inside the open transaction; fills *res. Returns
 * false when a store write failed (the transaction is doomed). */
bool bk_exec_request(struct vx_book_engine *e, const struct vx_book_req *req,
                     struct vx_book_result *res);
void bk_undo_to(struct vx_book_engine *e, int mark);
void bk_undo_push(struct vx_book_engine *e, const struct bk_undo *u);
void bk_result_refuse(struct vx_book_result *res, enum vx_book_reason r, const char *sv,
                      const char *en);

/* ---- engine.c ---- */
/* CLOCK_MONOTONIC in nanoseconds (the engine's time accounting). */
uint64_t bk_now_ns(void);

/* ---- ckpt.c ---- */
/* Open the checkpointer's handle, count the writer's log, start the thread. */
enum vx_status bk_ckpt_start(struct vx_book_engine *e, const char *path, struct vx_err *err);
/* Stop the thread (after the writer), close its handle. */
void bk_ckpt_stop(struct vx_book_engine *e);
/* Writer, after a commit: start a copy cycle when the log is long. */
void bk_ckpt_after_commit(struct vx_book_engine *e);
/* Writer, outside a transaction: copy the rest when the checkpointer asks; true
 * when it did. */
bool bk_ckpt_between_batches(struct vx_book_engine *e);

/* ---- idem.c ---- */
/* Size the filter for `persons` and fill it from the store (engine open). */
enum vx_status bk_idem_load(struct vx_book_engine *e);
void bk_idem_free(struct vx_book_engine *e);
/* The writer wrote a row carrying an Idempotency-Key of this person. */
void bk_idem_add(struct vx_book_engine *e, int64_t person_id);
/* False: the person has no stored keyed outcome (no look-up needed). */
bool bk_idem_maybe(const struct vx_book_engine *e, int64_t person_id);

/* ---- invite.c ---- */
/* Make a new random code (normalised 12 symbols + the display form). */
enum vx_status bk_code_new(char norm[13], char display[VX_BOOK_CODE_LEN + 1]);
/* Lower-case hex SHA-256 of a normalised code. */
void bk_code_hash(const char *norm, char hex[65]);

#endif
