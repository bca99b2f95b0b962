/*
 * pool.c — read store handles for request handlers.
 *
 * SQLite handles are single-threaded (the store opens them NOMUTEX), and opening
 * one per request would cost a schema check each time. The pool keeps up to `max`
 * handles; a handler borrows one on first use (vx_http_req_store) and the
 * framework returns it when the handler returns. Handles are opened lazily, so an
 * idle server holds one or two; when all `max` are busy a caller waits on the
 * condition variable. `max` defaults to the worker count + 2, so with MHD's thread
 * pool nobody waits in practice. Writes that must be fast go through the booking
 * engine's own writer connection, not through these.
 */
#include <stdlib.h>
#include "http_int.h"
#include "vx/store.h"

enum vx_status pool_init(struct store_pool *p, const char *path, int max, int log_pages)
{
    p->log_pages = log_pages;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->path = path;
    p->max = max > 0 ? max : 4;
    p->nfree = p->nopen = 0;
    p->free_h = calloc((size_t)p->max, sizeof *p->free_h);
    return p->free_h ? VX_OK : VX_ENOMEM;
}

void pool_release_all(struct store_pool *p)
{
    for (int i = 0; i < p->nfree; i++)
        vx_store_close(p->free_h[i]);
    free(p->free_h);
    p->free_h = NULL;
    p->nfree = p->nopen = 0;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

enum vx_status pool_get(struct store_pool *p, struct vx_store **out)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0 && p->nopen >= p->max)
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->nfree > 0) {
        *out = p->free_h[--p->nfree];
        pthread_mutex_unlock(&p->mu);
        return VX_OK;
    }
    p->nopen++; /* reserve the slot, open outside the lock */
    pthread_mutex_unlock(&p->mu);
    struct vx_store *st = NULL;
    enum vx_status rc = vx_store_open_sqlite(p->path, &st, NULL);
    if (rc == VX_OK && p->log_pages > 0 && st->ops->checkpoint_every(st, p->log_pages) != VX_OK) {
        vx_store_close(st);
        rc = VX_ESTORE;
    }
    if (rc != VX_OK) {
        pthread_mutex_lock(&p->mu);
        p->nopen--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return VX_ESTORE;
    }
    *out = st;
    return VX_OK;
}

void pool_put(struct store_pool *p, struct vx_store *st)
{
    if (!st)
        return;
    bool clean = vx_store_rollback(st) == VX_OK;
    pthread_mutex_lock(&p->mu);
    if (!clean || p->nfree >= p->max) {
        /* a handle in a bad state is closed rather than reused */
        p->nopen--;
        pthread_mutex_unlock(&p->mu);
        vx_store_close(st);
        pthread_mutex_lock(&p->mu);
    } else {
        p->free_h[p->nfree++] = st;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
