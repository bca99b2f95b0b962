/*
 * engine.c — the booking engine's life cycle, its queue and its writer thread.
 *
 * Queue. A bounded ring of `struct bk_item` under one mutex with two condition
 * variables (not empty / not full): many producers (HTTP threads, the CLI, tests),
 * one consumer (the writer). vx_book_submit copies the request in, so the caller's
 * memory is free at once; with the queue full it waits for room, or returns
 * VX_EBUSY with opts.submit_nowait (the server's waiting room then answers 429).
 *
 * Writer. The writer takes everything queued, up to batch_max, in one lock hold,
 * then works without the queue lock:
 *   BEGIN IMMEDIATE; for each request: validate against memory, take capacity in
 *   memory (undo-logged), write its rows; COMMIT; then run every callback.
 * A callback therefore only ever reports an outcome that is on disk (WAL,
 * synchronous=FULL). If a write fails inside the batch, the transaction is doomed:
 * the writer rolls back, undoes the log, and runs each request of the batch again
 * in its own transaction, so one bad request cannot fail its neighbours. If COMMIT
 * itself fails (disk full, I/O error), every request of the batch fails and the
 * counters are rolled back. opts.commit_each runs every request in its own
 * transaction: the baseline that group commit is measured against.
 *
 * Administrative writes (supply, slot generation, cohort release, invitation codes,
 * site reload) use the same queue, so the one SQLite connection is only ever used
 * by the writer thread, but each runs in a transaction of its own and changes the
 * in-memory state only after its commit: no undo is needed for them. Their callers
 * wait on a `struct bk_waiter`.
 *
 * Pipelined durability (the default; not with opts.sync_inline or commit_each). A
 * COMMIT with synchronous=FULL makes the writer wait for the disk after every batch,
 * while nothing else can run on its one connection. So the writer's store defers
 * its syncs (st->ops->defer_sync: COMMIT writes the batch into the WAL and returns),
 * and the writer hands the committed batch, in its buffer, to the sync thread and
 * takes the next batch from the queue. The sync thread takes every buffer waiting,
 * calls st->ops->sync (fdatasync of the WAL: every commit that returned before it is
 * on disk) and then runs their callbacks, oldest first. So the callbacks still run
 * only for durable outcomes, and the writer's next batch overlaps the disk wait of
 * the last one. The writer has BK_NBUF buffers; with all of them waiting for the
 * disk it waits for one (back-pressure). Administrative writes sync on the writer
 * before their waiters are told. A failed sync answers the requests of its buffers
 * "could not be saved": their rows are committed (visible; a retry with the same
 * Idempotency-Key is answered from them), but the engine could not make them durable.
 *
 * Shutdown. vx_book_engine_close sets `stopping`; submit then refuses new work; the
 * writer drains what is queued and exits; the sync thread drains what is waiting
 * and exits; the engine is freed after both joins.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "book_int.h"

/* ---- slot times (pure) --------------------------------------------------- */

int vx_book_day_slots(const struct vx_site_rec *s, vx_day day, int slot_minutes,
                      struct vx_book_slot_time *out, int cap)
{
    if (slot_minutes <= 0 || slot_minutes > 1440)
        return VX_EINVAL;
    if (!(s->weekdays & (1u << (vx_weekday(day) - 1))) || s->minutes_per_dose <= 0 ||
        s->stations <= 0)
        return 0;
    int capacity = s->stations * slot_minutes / s->minutes_per_dose;
    if (capacity <= 0)
        return 0;
    int n = 0;
    for (int m = s->open_minute; m >= 0 && m + slot_minutes <= s->close_minute && m < 1440;
         m += slot_minutes) {
        vx_time t;
        if (vx_stockholm_to_utc(day, m, &t, NULL) != VX_OK)
            continue; /* the spring-forward gap: this wall-clock time does not exist */
        if (n < cap)
            out[n] =
                (struct vx_book_slot_time){.start_minute = m, .start = t, .capacity = capacity};
        n++;
    }
    return n;
}

/* ---- the queue ----------------------------------------------------------- */

uint64_t bk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Add the time since *t to *counter; *t becomes now. */
static void clock_to(_Atomic uint64_t *counter, uint64_t *t)
{
    uint64_t n = bk_now_ns();
    atomic_fetch_add_explicit(counter, n - *t, memory_order_relaxed);
    *t = n;
}

static enum vx_status enqueue(struct vx_book_engine *e, const struct bk_item *it)
{
    pthread_mutex_lock(&e->qmu);
    while (!e->stopping && e->q_len == e->opts.queue_cap) {
        if (e->opts.submit_nowait) {
            pthread_mutex_unlock(&e->qmu);
            return VX_EBUSY;
        }
        pthread_cond_wait(&e->q_nonfull, &e->qmu);
    }
    if (e->stopping) {
        pthread_mutex_unlock(&e->qmu);
        return VX_ECONFLICT;
    }
    e->q[(e->q_head + e->q_len) % e->opts.queue_cap] = *it;
    e->q_len++;
    pthread_cond_signal(&e->q_nonempty);
    pthread_mutex_unlock(&e->qmu);
    return VX_OK;
}

enum vx_status vx_book_submit(struct vx_book_engine *e, const struct vx_book_req *req,
                              vx_book_done_fn done, void *ctx)
{
    if (!e || !req || !done)
        return VX_EINVAL;
    struct bk_item it = {.kind = BK_REQ, .done = done, .ctx = ctx, .t_queued = bk_now_ns()};
    it.u.req = *req;
    enum vx_status st = enqueue(e, &it);
    if (st == VX_OK)
        atomic_fetch_add(&e->st_submitted, 1);
    return st;
}

enum vx_status vx_book_audit(struct vx_book_engine *e, const struct vx_audit_rec *a)
{
    struct bk_item it = {.kind = BK_AUDIT};
    it.u.audit = *a;
    return enqueue(e, &it);
}

static void waiter_init(struct bk_waiter *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static void waiter_signal(struct bk_waiter *w)
{
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Queue `it` with a waiter and wait for it; the waiter's status is returned and its
 * message copied to err. */
static enum vx_status run_admin(struct vx_book_engine *e, struct bk_item *it, struct bk_waiter *w,
                                struct vx_err *err)
{
    it->w = w;
    enum vx_status st = enqueue(e, it);
    if (st != VX_OK) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return vx_err_set(err, st, "booking engine: %s", st == VX_EBUSY ? "queue full" : "closing");
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    if (w->status != VX_OK && err)
        *err = w->err;
    return w->status;
}

static void wait_done(void *ctx, const struct vx_book_result *res)
{
    struct bk_waiter *w = ctx;
    w->res = *res;
    waiter_signal(w);
}

enum vx_status vx_book_submit_wait(struct vx_book_engine *e, const struct vx_book_req *req,
                                   struct vx_book_result *out)
{
    struct bk_waiter w;
    waiter_init(&w);
    enum vx_status st = vx_book_submit(e, req, wait_done, &w);
    if (st == VX_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        *out = w.res;
        st = out->status;
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return st;
}

/* ---- administrative writes (writer thread) -------------------------------- */

/* Run fn inside its own transaction; the store message goes to w->err. */
static enum vx_status admin_tx(struct vx_book_engine *e, struct bk_waiter *w,
                               enum vx_status (*fn)(struct vx_book_engine *, struct bk_item *,
                                                    struct bk_waiter *),
                               struct bk_item *it)
{
    struct vx_store *st = e->st;
    /* the references of administrative rows (site, vaccine, person) are checked by
     * the store; the booking batches check theirs themselves (see below) */
    enum vx_status rc = st->ops->foreign_keys(st, true);
    if (rc == VX_OK)
        rc = vx_store_begin(st);
    if (rc == VX_OK)
        rc = fn(e, it, w);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        vx_store_rollback(st); /* also after a failed COMMIT, which may leave it open */
    else if (e->pipelined && (rc = st->ops->sync(st)) != VX_OK)
        vx_err_set(&w->err, rc, "booking engine: the commit could not be forced to disk");
    enum vx_status fk = st->ops->foreign_keys(st, e->opts.store_fk);
    if (rc == VX_OK)
        rc = fk;
    if (rc != VX_OK && w->err.status == VX_OK)
        vx_err_set(&w->err, rc, "%s", st->err[0] ? st->err : vx_strerror(rc));
    if (rc == VX_OK)
        atomic_fetch_add(&e->st_batches, 1);
    return rc;
}

static enum vx_status supply_write(struct vx_book_engine *e, struct bk_item *it,
                                   struct bk_waiter *w)
{
    const struct vx_supply_rec *r = &it->u.supply;
    if (bk_site_index(e, r->site_id) < 0 || bk_vaccine_index(e, r->vaccine) < 0)
        return vx_err_set(&w->err, VX_ENOTFOUND, "supply: unknown site %lld or vaccine '%s'",
                          (long long)r->site_id, r->vaccine);
    if (r->allocated < 0 || r->delivered < 0 || r->week.week < 1 ||
        r->week.week > vx_isoweeks_in_year(r->week.year))
        return vx_err_set(&w->err, VX_EINVAL, "supply: negative doses or a bad week");
    return e->st->ops->supply_put(e->st, r);
}

static enum vx_status cohort_write(struct vx_book_engine *e, struct bk_item *it,
                                   struct bk_waiter *w)
{
    enum vx_status rc = bk_cohort_add(e, &it->u.cohort, &w->err, false);
    if (rc == VX_OK)
        rc = e->st->ops->cohort_put(e->st, &it->u.cohort, &w->id);
    it->u.cohort.id = w->id;
    return rc;
}

/* New slot records of a generation, inserted in the transaction, added after it. */
struct gen {
    struct vx_slot_rec *recs;
    int n, cap;
};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static enum vx_status slots_write(struct vx_book_engine *e, struct bk_item *it, struct bk_waiter *w)
{
    const struct bk_slots_args *a = &it->u.slots;
    struct gen *g = w->scratch;
    int site = bk_site_index(e, a->site_id);
    int vac = bk_vaccine_index(e, a->vaccine);
    if (site < 0 || vac < 0)
        return vx_err_set(&w->err, VX_ENOTFOUND, "slots: unknown site %lld or vaccine '%s'",
                          (long long)a->site_id, a->vaccine);
    if (a->to < a->from || a->to - a->from > 366)
        return vx_err_set(&w->err, VX_ERANGE, "slots: give 1..367 days");
    const struct bk_site *s = &e->sites[site];
    /* what exists already (day * 1440 + minute, this vaccine) */
    int *have = malloc(((size_t)s->n_slots + 1) * sizeof *have), nh = 0;
    if (!have)
        return VX_ENOMEM;
    for (int k = 0; k < s->n_slots; k++) {
        const struct bk_slot *sl = &e->slots[s->slots[k]];
        if (sl->vac == vac && sl->day >= a->from && sl->day <= a->to)
            have[nh++] = (sl->day - a->from) * 1440 + sl->minute;
    }
    qsort(have, (size_t)nh, sizeof *have, cmp_int);
    enum vx_status rc = VX_OK;
    struct vx_book_slot_time *t = malloc(VX_BOOK_MAX_DAY_SLOTS * sizeof *t);
    if (!t)
        rc = VX_ENOMEM;
    for (vx_day d = a->from; rc == VX_OK && d <= a->to; d++) {
        int n = vx_book_day_slots(&s->rec, d, e->opts.slot_minutes, t, VX_BOOK_MAX_DAY_SLOTS);
        for (int k = 0; rc == VX_OK && k < n; k++) {
            int key = (d - a->from) * 1440 + t[k].start_minute;
            if (bsearch(&key, have, (size_t)nh, sizeof *have, cmp_int))
                continue;
            if (g->n == g->cap) {
                int nc = g->cap ? g->cap * 2 : 256;
                void *p = realloc(g->recs, (size_t)nc * sizeof *g->recs);
                if (!p) {
                    rc = VX_ENOMEM;
                    break;
                }
                g->recs = p;
                g->cap = nc;
            }
            struct vx_slot_rec *r = &g->recs[g->n];
            memset(r, 0, sizeof *r);
            r->site_id = s->rec.id;
            memcpy(r->region, s->rec.region, sizeof r->region);
            r->day = d;
            r->start_minute = t[k].start_minute;
            r->minutes = e->opts.slot_minutes;
            snprintf(r->vaccine, sizeof r->vaccine, "%s", a->vaccine);
            r->capacity = t[k].capacity;
            rc = e->st->ops->slot_put(e->st, r, &r->id);
            if (rc == VX_OK)
                g->n++;
        }
    }
    free(t);
    free(have);
    return rc;
}

static enum vx_status invite_write(struct vx_book_engine *e, struct bk_item *it,
                                   struct bk_waiter *w)
{
    struct vx_store *st = e->st;
    struct vx_person_rec pr;
    enum vx_status rc = st->ops->person_get(st, it->u.invite.pnr, &pr);
    if (rc != VX_OK)
        return vx_err_set(&w->err, rc, "invitation: %s",
                          rc == VX_ENOTFOUND ? "no such person" : st->err);
    char norm[13];
    struct vx_invite_rec inv = {
        .person_id = pr.p.id, .created_at = time(NULL), .expires_at = it->u.invite.expires_at};
    memcpy(inv.region, pr.p.region, sizeof inv.region);
    snprintf(inv.created_by, sizeof inv.created_by, "%s", it->u.invite.actor);
    rc = bk_code_new(norm, w->code);
    if (rc != VX_OK)
        return vx_err_set(&w->err, rc, "invitation: no random numbers");
    bk_code_hash(norm, inv.code_hash);
    rc = st->ops->invite_put(st, &inv, &w->id);
    if (rc == VX_OK) {
        struct vx_audit_rec a = {.at = inv.created_at};
        snprintf(a.actor, sizeof a.actor, "%s", it->u.invite.actor);
        snprintf(a.action, sizeof a.action, "invitation.create");
        snprintf(a.object, sizeof a.object, "person:%lld", (long long)pr.p.id);
        memcpy(a.region, pr.p.region, sizeof a.region);
        snprintf(a.detail, sizeof a.detail, "invitation=%lld", (long long)w->id);
        rc = st->ops->audit_append(st, &a);
    }
    return rc;
}

static int reload_cb(void *ctx, const struct vx_site_rec *r)
{
    struct vx_book_engine *e = ctx;
    pthread_rwlock_wrlock(&e->lock);
    enum vx_status rc = bk_site_upsert(e, r);
    pthread_rwlock_unlock(&e->lock);
    return rc != VX_OK;
}

/* One administrative item, in its own transaction; memory changes after commit. */
static void run_admin_item(struct vx_book_engine *e, struct bk_item *it)
{
    struct bk_waiter *w = it->w;
    enum vx_status rc = VX_OK;
    switch (it->kind) {
    case BK_SUPPLY:
        rc = admin_tx(e, w, supply_write, it);
        if (rc == VX_OK)
            rc = bk_supply_apply(e, &it->u.supply);
        break;
    case BK_COHORT:
        rc = admin_tx(e, w, cohort_write, it);
        if (rc == VX_OK)
            rc = bk_cohort_add(e, &it->u.cohort, &w->err, true);
        break;
    case BK_SLOTS: {
        struct gen g = {0};
        w->scratch = &g;
        rc = admin_tx(e, w, slots_write, it);
        if (rc == VX_OK) {
            int site = bk_site_index(e, it->u.slots.site_id);
            pthread_rwlock_wrlock(&e->lock);
            for (int k = 0; k < g.n && rc == VX_OK; k++)
                rc = bk_slot_add(e, &g.recs[k]);
            bk_site_sort_slots(e, site);
            pthread_rwlock_unlock(&e->lock);
            w->count = g.n;
        }
        free(g.recs);
        w->scratch = NULL;
        break;
    }
    case BK_INVITE:
        rc = admin_tx(e, w, invite_write, it);
        break;
    case BK_RELOAD:
        rc = e->st->ops->site_foreach(e->st, "", "", reload_cb, e);
        if (rc != VX_OK)
            vx_err_set(&w->err, rc, "site reload: %s", e->st->err);
        break;
    default:
        rc = VX_EINTERNAL;
        break;
    }
    w->status = rc;
    if (rc != VX_OK && w->err.status == VX_OK)
        vx_err_set(&w->err, rc, "%s", vx_strerror(rc));
    waiter_signal(w);
}

/* ---- the writer ---------------------------------------------------------- */

static int hist_bucket(int n)
{
    int b = 0;
    while (n > 1 && b < VX_BOOK_HIST_BUCKETS - 1) {
        n >>= 1;
        b++;
    }
    return b;
}

static void deliver_now(struct vx_book_engine *e, struct bk_item *items,
                        const struct vx_book_result *res, int n)
{
    for (int i = 0; i < n; i++) {
        if (items[i].kind != BK_REQ)
            continue;
        const struct vx_book_result *r = &res[i];
        if (r->reason == VX_BOOK_R_STORE)
            atomic_fetch_add(&e->st_failed, 1);
        else if (r->status != VX_OK && !r->replayed)
            atomic_fetch_add(&e->st_refused, 1);
        atomic_fetch_add(&e->st_completed, 1); /* before the callback: it may read stats */
        items[i].done(items[i].ctx, r);
    }
}

/* Outcomes of the writer: pipelined, the sync thread delivers the whole buffer. */
static void deliver(struct vx_book_engine *e, struct bk_item *items,
                    const struct vx_book_result *res, int n)
{
    if (!e->pipelined)
        deliver_now(e, items, res, n);
}

static void fail_all(struct vx_book_engine *e, struct bk_item *items, struct vx_book_result *res,
                     int n)
{
    for (int i = 0; i < n; i++) {
        int64_t person = res[i].person_id;
        memset(&res[i], 0, sizeof res[i]);
        res[i].op = items[i].kind == BK_REQ ? items[i].u.req.op : 0;
        res[i].person_id = person;
        bk_result_refuse(&res[i], VX_BOOK_R_STORE, NULL, NULL);
    }
    deliver(e, items, res, n);
}

/* A CANCEL with req->cancel_only set runs only while the person's active series
 * still holds that booking: a caller that chose the booking earlier (the planner's
 * re-plan) must not cancel a series the person booked since. Checked here, on the
 * writer thread, so nothing can change the series between the check and the
 * cancel. False with res refused (no_series) when the series moved on. */
static bool cancel_guard(struct vx_book_engine *e, const struct vx_book_req *req,
                         struct vx_book_result *res)
{
    if (req->op != VX_BOOK_OP_CANCEL || req->cancel_only == 0)
        return true;
    int pi = req->code[0] ? -1 : bk_person_find_pnr(e, req->pnr);
    if (pi >= 0) {
        const struct bk_series *s = &e->persons[pi].s;
        for (int k = 0; k < s->n; k++)
            if (s->booking[k] == req->cancel_only)
                return true;
    }
    res->op = req->op;
    bk_result_refuse(res, VX_BOOK_R_NO_SERIES, NULL, NULL);
    return false;
}

/* Run items[0..n) (requests and audit rows; outcomes in res[0..n)) in one
 * transaction. With `retry`, a doomed batch is re-run one item per transaction. */
static void run_batch(struct vx_book_engine *e, struct bk_item *items, struct vx_book_result *res,
                      int n, bool retry)
{
    struct vx_store *st = e->st;
    e->n_undo = 0;
    memset(res, 0, (size_t)n * sizeof *res);
    if (vx_store_begin(st) != VX_OK) {
        fail_all(e, items, res, n);
        return;
    }
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        if (items[i].kind == BK_AUDIT)
            ok = st->ops->audit_append(st, &items[i].u.audit) == VX_OK;
        else if (cancel_guard(e, &items[i].u.req, &res[i]))
            ok = bk_exec_request(e, &items[i].u.req, &res[i]);
    }
    if (!ok) {
        vx_store_rollback(st);
        bk_undo_to(e, 0);
        if (retry && n > 1) {
            for (int i = 0; i < n; i++)
                run_batch(e, items + i, res + i, 1, false);
        } else {
            fail_all(e, items, res, n);
        }
        return;
    }
    if (vx_store_commit(st) != VX_OK) {
        vx_store_rollback(st); /* a failed COMMIT may leave the transaction open */
        bk_undo_to(e, 0);
        fail_all(e, items, res, n);
        return;
    }
    e->n_undo = 0;
    atomic_fetch_add(&e->st_batches, 1);
    atomic_fetch_add(&e->st_hist[hist_bucket(n)], 1);
    deliver(e, items, res, n);
}

/* Runs of ordinary items become one transaction each (one per item with
 * commit_each); administrative items run alone, in queue order. */
static void process(struct vx_book_engine *e, struct bk_item *items, struct vx_book_result *results,
                    int n)
{
    int start = 0;
    for (int i = 0; i <= n; i++) {
        bool admin = i < n && items[i].kind != BK_REQ && items[i].kind != BK_AUDIT;
        if (i < n && !admin && !e->opts.commit_each)
            continue;
        if (i > start)
            run_batch(e, items + start, results + start, i - start, true);
        if (admin)
            run_admin_item(e, &items[i]);
        else if (i < n)
            run_batch(e, items + i, results + i, 1, false);
        start = i + 1;
    }
}

/* A buffer for the next batch (pipelined: waits while all are waiting for the disk). */
static struct bk_buf *buf_take(struct vx_book_engine *e)
{
    if (!e->pipelined)
        return &e->bufs[0];
    pthread_mutex_lock(&e->smu);
    while (!e->free_bufs)
        pthread_cond_wait(&e->s_bufree, &e->smu);
    struct bk_buf *b = e->free_bufs;
    e->free_bufs = b->next;
    pthread_mutex_unlock(&e->smu);
    return b;
}

static void buf_give(struct vx_book_engine *e, struct bk_buf *b)
{
    pthread_mutex_lock(&e->smu);
    b->next = e->free_bufs;
    e->free_bufs = b;
    pthread_cond_signal(&e->s_bufree);
    pthread_mutex_unlock(&e->smu);
}

/* A committed buffer to the sync thread. */
static void buf_committed(struct vx_book_engine *e, struct bk_buf *b)
{
    pthread_mutex_lock(&e->smu);
    b->next = NULL;
    if (e->sync_tail)
        e->sync_tail->next = b;
    else
        e->sync_head = b;
    e->sync_tail = b;
    pthread_cond_signal(&e->s_nonempty);
    pthread_mutex_unlock(&e->smu);
}

static void *writer_main(void *arg)
{
    struct vx_book_engine *e = arg;
    pthread_setname_np(pthread_self(), "vx-book-writer"); /* top, perf: name under 16 bytes */
    uint64_t t = bk_now_ns();
    for (;;) {
        if (bk_ckpt_between_batches(e))
            t = bk_now_ns(); /* its time is writer_ckpt_ns */
        struct bk_buf *b = buf_take(e);
        clock_to(&e->ns_w_disk, &t);
        pthread_mutex_lock(&e->qmu);
        while (!e->q_len && !e->stopping)
            pthread_cond_wait(&e->q_nonempty, &e->qmu);
        clock_to(&e->ns_w_idle, &t);
        if (!e->q_len && e->stopping) {
            pthread_mutex_unlock(&e->qmu);
            if (e->pipelined)
                buf_give(e, b);
            break;
        }
        int n = e->q_len < e->opts.batch_max ? e->q_len : e->opts.batch_max;
        uint64_t queued = 0;
        b->n_req = 0;
        for (int i = 0; i < n; i++) {
            b->items[i] = e->q[(e->q_head + i) % e->opts.queue_cap];
            if (b->items[i].kind == BK_REQ) {
                queued += t - b->items[i].t_queued;
                b->n_req++;
            }
        }
        e->q_head = (e->q_head + n) % e->opts.queue_cap;
        e->q_len -= n;
        pthread_cond_broadcast(&e->q_nonfull);
        pthread_mutex_unlock(&e->qmu);
        b->n = n;
        atomic_fetch_add_explicit(&e->ns_r_queue, queued, memory_order_relaxed);
        uint64_t t0 = t;
        process(e, b->items, b->results, n);
        bk_ckpt_after_commit(e);
        clock_to(&e->ns_w_busy, &t);
        b->t_commit = t;
        atomic_fetch_add_explicit(&e->ns_r_batch, (t - t0) * (uint64_t)b->n_req,
                                  memory_order_relaxed);
        if (e->pipelined)
            buf_committed(e, b);
    }
    return NULL;
}

/* Answer the requests of a buffer whose commit could not be forced to disk. */
static void fail_unsynced(struct bk_buf *b)
{
    for (int i = 0; i < b->n; i++) {
        if (b->items[i].kind != BK_REQ)
            continue;
        struct vx_book_result *r = &b->results[i];
        bk_result_refuse(r, VX_BOOK_R_STORE, NULL, NULL);
    }
}

static void *syncer_main(void *arg)
{
    struct vx_book_engine *e = arg;
    pthread_setname_np(pthread_self(), "vx-book-sync");
    for (;;) {
        pthread_mutex_lock(&e->smu);
        while (!e->sync_head && !e->sync_stop)
            pthread_cond_wait(&e->s_nonempty, &e->smu);
        struct bk_buf *list = e->sync_head;
        e->sync_head = e->sync_tail = NULL;
        pthread_mutex_unlock(&e->smu);
        if (!list)
            break; /* stopping, and nothing waits */
        uint64_t t = bk_now_ns();
        enum vx_status rc = e->st->ops->sync(e->st);
        atomic_fetch_add(&e->st_syncs, 1);
        clock_to(&e->ns_s_sync, &t);
        uint64_t waited = 0;
        for (struct bk_buf *b = list; b; b = b->next)
            waited += (t - b->t_commit) * (uint64_t)b->n_req;
        atomic_fetch_add_explicit(&e->ns_r_sync, waited, memory_order_relaxed);
        if (rc != VX_OK)
            fprintf(stderr,
                    "booking engine: fdatasync of the log failed (%s): the requests "
                    "of this batch are answered as not saved\n",
                    vx_strerror(rc));
        for (struct bk_buf *b = list, *next; b; b = next) {
            next = b->next;
            if (rc != VX_OK)
                fail_unsynced(b);
            deliver_now(e, b->items, b->results, b->n);
            buf_give(e, b);
        }
        clock_to(&e->ns_s_deliver, &t);
    }
    return NULL;
}

/* ---- open and close ------------------------------------------------------ */

static void engine_free(struct vx_book_engine *e)
{
    if (e->st)
        vx_store_close(e->st);
    bk_free_inventory(e);
    bk_idem_free(e);
    free(e->q);
    for (int i = 0; i < BK_NBUF; i++) {
        free(e->bufs[i].items);
        free(e->bufs[i].results);
    }
    free(e->undo);
    pthread_rwlock_destroy(&e->lock);
    pthread_mutex_destroy(&e->qmu);
    pthread_cond_destroy(&e->q_nonempty);
    pthread_cond_destroy(&e->q_nonfull);
    pthread_mutex_destroy(&e->smu);
    pthread_cond_destroy(&e->s_nonempty);
    pthread_cond_destroy(&e->s_bufree);
    free(e);
}

/* After the writer has exited: the sync thread answers what waits, then stops. */
static void stop_syncer(struct vx_book_engine *e)
{
    if (!e->syncer_started)
        return;
    pthread_mutex_lock(&e->smu);
    e->sync_stop = true;
    pthread_cond_signal(&e->s_nonempty);
    pthread_mutex_unlock(&e->smu);
    pthread_join(e->syncer, NULL);
    e->syncer_started = false;
}

enum vx_status vx_book_engine_open(const char *path, const struct vx_catalog *cat,
                                   const struct vx_elig_table *rules,
                                   const struct vx_book_opts *opts, struct vx_book_engine **out,
                                   struct vx_err *err)
{
    *out = NULL;
    if (!path || !cat || !rules)
        return vx_err_set(err, VX_EINVAL, "booking engine: path, catalogue and rules needed");
    struct vx_book_engine *e = calloc(1, sizeof *e);
    if (!e)
        return vx_err_set(err, VX_ENOMEM, "booking engine: out of memory");
    e->cat = cat;
    e->rules = rules;
    if (opts)
        e->opts = *opts;
    if (e->opts.queue_cap <= 0)
        e->opts.queue_cap = 8192;
    if (e->opts.batch_max <= 0)
        e->opts.batch_max = 1024;
    if (e->opts.batch_max > e->opts.queue_cap)
        e->opts.batch_max = e->opts.queue_cap;
    if (e->opts.slot_minutes <= 0)
        e->opts.slot_minutes = VX_BOOK_DEFAULT_SLOT;
    if (e->opts.wal_pages <= 0)
        e->opts.wal_pages = VX_BOOK_WAL_PAGES;
    pthread_rwlock_init(&e->lock, NULL);
    pthread_mutex_init(&e->qmu, NULL);
    pthread_cond_init(&e->q_nonempty, NULL);
    pthread_cond_init(&e->q_nonfull, NULL);
    /* undo entries per request: at most 2 old + 2 new doses (2 each) + 1 series */
    e->cap_undo = e->opts.batch_max * 10;
    e->q = calloc((size_t)e->opts.queue_cap, sizeof *e->q);
    e->undo = calloc((size_t)e->cap_undo, sizeof *e->undo);
    pthread_mutex_init(&e->smu, NULL);
    pthread_cond_init(&e->s_nonempty, NULL);
    pthread_cond_init(&e->s_bufree, NULL);
    e->pipelined = !e->opts.sync_inline && !e->opts.commit_each;
    enum vx_status rc = VX_OK;
    for (int i = 0; i < (e->pipelined ? BK_NBUF : 1); i++) {
        struct bk_buf *b = &e->bufs[i];
        b->items = calloc((size_t)e->opts.batch_max, sizeof *b->items);
        b->results = calloc((size_t)e->opts.batch_max, sizeof *b->results);
        if (!b->items || !b->results)
            rc = VX_ENOMEM;
        b->next = e->free_bufs;
        e->free_bufs = b;
    }
    if (!e->q || !e->undo || rc != VX_OK)
        rc = vx_err_set(err, VX_ENOMEM, "booking engine: out of memory");
    if (rc == VX_OK)
        rc = vx_store_open_sqlite_writer(path, &e->st, err);
    if (rc == VX_OK)
        rc = bk_load(e, err);
    if (rc == VX_OK && e->pipelined && e->st->ops->defer_sync(e->st, true) != VX_OK)
        rc = vx_err_set(err, VX_ESTORE, "booking engine: %s", e->st->err);
    /* group commit: the log is copied into the database file by the checkpointer
     * (ckpt.c) every opts.wal_pages pages; commit_each keeps SQLite's own */
    if (rc == VX_OK && !e->opts.commit_each)
        rc = bk_ckpt_start(e, path, err);
    /* Booking batches write rows whose references the writer has just checked: the
     * slot is in its inventory (loaded from `slots`, added after each commit of new
     * ones), the person was read by id, the dose-2 row points at the dose-1 row of the
     * same transaction. The store's foreign-key look-ups (five per booked pair) were
     * a sixth of the writer's time (docs/benchmarks.md); bench_booking and the crash
     * test run PRAGMA foreign_key_check on the result. */
    if (rc == VX_OK && e->st->ops->foreign_keys(e->st, e->opts.store_fk) != VX_OK)
        rc = vx_err_set(err, VX_ESTORE, "booking engine: %s", e->st->err);
    if (rc == VX_OK && e->pipelined) {
        if (pthread_create(&e->syncer, NULL, syncer_main, e) != 0)
            rc = vx_err_set(err, VX_ENOMEM, "booking engine: cannot start the sync thread");
        else
            e->syncer_started = true;
    }
    if (rc == VX_OK && pthread_create(&e->writer, NULL, writer_main, e) != 0)
        rc = vx_err_set(err, VX_ENOMEM, "booking engine: cannot start the writer thread");
    if (rc != VX_OK) {
        stop_syncer(e);
        bk_ckpt_stop(e);
        engine_free(e);
        return rc;
    }
    e->writer_started = true;
    *out = e;
    return VX_OK;
}

void vx_book_engine_close(struct vx_book_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->qmu);
    e->stopping = true;
    pthread_cond_broadcast(&e->q_nonempty);
    pthread_cond_broadcast(&e->q_nonfull);
    pthread_mutex_unlock(&e->qmu);
    if (e->writer_started)
        pthread_join(e->writer, NULL);
    stop_syncer(e);
    bk_ckpt_stop(e);
    engine_free(e);
}

/* ---- waiting wrappers ---------------------------------------------------- */

enum vx_status vx_book_slots_generate(struct vx_book_engine *e, int64_t site_id,
                                      const char *vaccine, vx_day from, vx_day to, int *created,
                                      struct vx_err *err)
{
    struct bk_item it = {.kind = BK_SLOTS};
    struct bk_waiter w;
    it.u.slots.site_id = site_id;
    snprintf(it.u.slots.vaccine, sizeof it.u.slots.vaccine, "%s", vaccine ? vaccine : "");
    it.u.slots.from = from;
    it.u.slots.to = to;
    waiter_init(&w);
    enum vx_status rc = run_admin(e, &it, &w, err);
    if (created)
        *created = rc == VX_OK ? w.count : 0;
    return rc;
}

enum vx_status vx_book_supply_set(struct vx_book_engine *e, const struct vx_supply_rec *r,
                                  struct vx_err *err)
{
    struct bk_item it = {.kind = BK_SUPPLY};
    struct bk_waiter w;
    it.u.supply = *r;
    waiter_init(&w);
    return run_admin(e, &it, &w, err);
}

enum vx_status vx_book_sites_reload(struct vx_book_engine *e, struct vx_err *err)
{
    struct bk_item it = {.kind = BK_RELOAD};
    struct bk_waiter w;
    waiter_init(&w);
    return run_admin(e, &it, &w, err);
}

enum vx_status vx_book_cohort_release(struct vx_book_engine *e, const struct vx_cohort_rec *c,
                                      int64_t *id, struct vx_err *err)
{
    struct bk_item it = {.kind = BK_COHORT};
    struct bk_waiter w;
    it.u.cohort = *c;
    waiter_init(&w);
    enum vx_status rc = run_admin(e, &it, &w, err);
    if (id)
        *id = rc == VX_OK ? w.id : 0;
    return rc;
}

enum vx_status vx_book_invite_create(struct vx_book_engine *e, const char *pnr, vx_time expires_at,
                                     const char *actor, char *code_out, struct vx_err *err)
{
    struct bk_item it = {.kind = BK_INVITE};
    struct bk_waiter w;
    snprintf(it.u.invite.pnr, sizeof it.u.invite.pnr, "%s", pnr ? pnr : "");
    it.u.invite.expires_at = expires_at;
    snprintf(it.u.invite.actor, sizeof it.u.invite.actor, "%s", actor ? actor : "");
    waiter_init(&w);
    enum vx_status rc = run_admin(e, &it, &w, err);
    snprintf(code_out, VX_BOOK_CODE_LEN + 1, "%s", rc == VX_OK ? w.code : "");
    return rc;
}

/* ---- stats --------------------------------------------------------------- */

void vx_book_stats_get(struct vx_book_engine *e, struct vx_book_stats *out)
{
    memset(out, 0, sizeof *out);
    out->submitted = atomic_load(&e->st_submitted);
    out->completed = atomic_load(&e->st_completed);
    out->bookings = atomic_load(&e->st_bookings);
    out->cancellations = atomic_load(&e->st_cancels);
    out->refused = atomic_load(&e->st_refused);
    out->failed = atomic_load(&e->st_failed);
    out->replayed = atomic_load(&e->st_replayed);
    out->batches = atomic_load(&e->st_batches);
    out->syncs = atomic_load(&e->st_syncs);
    out->writer_busy_ns = atomic_load(&e->ns_w_busy);
    out->writer_idle_ns = atomic_load(&e->ns_w_idle);
    out->writer_disk_ns = atomic_load(&e->ns_w_disk);
    out->sync_ns = atomic_load(&e->ns_s_sync);
    out->deliver_ns = atomic_load(&e->ns_s_deliver);
    out->ckpt_cycles = atomic_load(&e->st_ckpt_cycles);
    out->ckpt_passes = atomic_load(&e->st_ckpt_passes);
    out->ckpt_copy_ns = atomic_load(&e->ns_c_copy);
    out->writer_ckpt_ns = atomic_load(&e->ns_w_ckpt);
    out->req_queue_ns = atomic_load(&e->ns_r_queue);
    out->req_batch_ns = atomic_load(&e->ns_r_batch);
    out->req_sync_ns = atomic_load(&e->ns_r_sync);
    for (int i = 0; i < VX_BOOK_HIST_BUCKETS; i++)
        out->batch_hist[i] = atomic_load(&e->st_hist[i]);
    pthread_mutex_lock(&e->qmu);
    out->queue_len = e->q_len;
    pthread_mutex_unlock(&e->qmu);
    out->queue_cap = e->opts.queue_cap;
}
