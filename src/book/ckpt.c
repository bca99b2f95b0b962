/*
 * ckpt.c — the booking engine's checkpointer: copies the log into the database
 * file beside the writer.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold,
 * on the committing connection: with the booking writer's 16,000-page log it
 * copied some 8,000 pages and forced the database file to disk while every
 * request queued behind it (~20-30 ms, a tenth of the writer's time in a storm and
 * most of its p99, docs/benchmarks.md). Here the writer's handle only counts the
 * log (checkpoint_every(0)); once the log holds opts.wal_pages pages the writer
 * wakes this thread, which copies with a handle of its own (st->ops->checkpoint,
 * passive: it never blocks the writer or readers) in passes until what the writer
 * added meanwhile is under CKPT_TAIL pages, then asks the writer for the rest. The
 * writer copies that rest itself between two batches, so the whole log is in the
 * database file and its next transaction starts the log over (SQLite restarts a
 * fully copied log at the next write). The log's size stays bounded as before, and
 * the writer's stall is a few hundred pages and one sync instead of thousands.
 * If readers hold old snapshots, a copy stops short and the log restarts a cycle
 * later.
 */
#include <stdio.h>
#include <stdlib.h>
#include "book_int.h"

#define CKPT_TAIL   512 /* pages the checkpointer leaves to the writer */
#define CKPT_PASSES 8   /* copy passes per cycle at most */

static void *ckpt_main(void *arg)
{
    struct vx_book_engine *e = arg;
    pthread_setname_np(pthread_self(), "vx-book-ckpt");
    bool told = false;
    for (;;) {
        pthread_mutex_lock(&e->ck_mu);
        while (!e->ck_want && !e->ck_stop)
            pthread_cond_wait(&e->ck_cv, &e->ck_mu);
        bool stop = e->ck_stop;
        e->ck_want = false;
        pthread_mutex_unlock(&e->ck_mu);
        if (stop)
            return NULL;
        for (int pass = 0; pass < CKPT_PASSES; pass++) {
            int log = 0, copied = 0;
            uint64_t t0 = bk_now_ns();
            enum vx_status rc = e->ck_st->ops->checkpoint(e->ck_st, &log, &copied);
            atomic_fetch_add(&e->ns_c_copy, bk_now_ns() - t0);
            atomic_fetch_add(&e->st_ckpt_passes, 1);
            if (rc != VX_OK) {
                if (!told)
                    fprintf(stderr, "booking engine: checkpoint: %s (retried next cycle)\n",
                            e->ck_st->err);
                told = true;
                break;
            }
            /* what the writer added during the pass (its handle counts the log) */
            int now = e->st->ops->log_pages(e->st);
            if (now < log)
                now = log;
            if (now - copied <= CKPT_TAIL)
                break;
        }
        atomic_store(&e->ck_final, true); /* the writer copies the rest */
    }
}

enum vx_status bk_ckpt_start(struct vx_book_engine *e, const char *path, struct vx_err *err)
{
    pthread_mutex_init(&e->ck_mu, NULL);
    pthread_cond_init(&e->ck_cv, NULL);
    e->ck_init = true;
    enum vx_status rc = vx_store_open_sqlite(path, &e->ck_st, err);
    if (rc == VX_OK && e->st->ops->checkpoint_every(e->st, 0) != VX_OK)
        rc = vx_err_set(err, VX_ESTORE, "booking engine: %s", e->st->err);
    if (rc == VX_OK && pthread_create(&e->ck_thread, NULL, ckpt_main, e) != 0)
        rc = vx_err_set(err, VX_ENOMEM, "booking engine: cannot start the checkpointer");
    e->ck_started = rc == VX_OK;
    return rc;
}

void bk_ckpt_stop(struct vx_book_engine *e)
{
    if (e->ck_started) {
        pthread_mutex_lock(&e->ck_mu);
        e->ck_stop = true;
        pthread_cond_signal(&e->ck_cv);
        pthread_mutex_unlock(&e->ck_mu);
        pthread_join(e->ck_thread, NULL);
        e->ck_started = false;
    }
    vx_store_close(e->ck_st);
    e->ck_st = NULL;
    if (e->ck_init) {
        pthread_cond_destroy(&e->ck_cv);
        pthread_mutex_destroy(&e->ck_mu);
        e->ck_init = false;
    }
}

void bk_ckpt_after_commit(struct vx_book_engine *e)
{
    if (!e->ck_started || e->ck_cycle || e->st->ops->log_pages(e->st) < e->opts.wal_pages)
        return;
    e->ck_cycle = true;
    pthread_mutex_lock(&e->ck_mu);
    e->ck_want = true;
    pthread_cond_signal(&e->ck_cv);
    pthread_mutex_unlock(&e->ck_mu);
}

bool bk_ckpt_between_batches(struct vx_book_engine *e)
{
    if (!atomic_exchange(&e->ck_final, false))
        return false;
    uint64_t t0 = bk_now_ns();
    if (e->st->ops->checkpoint(e->st, NULL, NULL) != VX_OK)
        fprintf(stderr, "booking engine: checkpoint: %s (retried next cycle)\n", e->st->err);
    atomic_fetch_add(&e->ns_w_ckpt, bk_now_ns() - t0);
    atomic_fetch_add(&e->st_ckpt_cycles, 1);
    e->ck_cycle = false;
    return true;
}
