/*
 * book_http.h — the booking API as an HTTP module (src/http/routes_book.c).
 *
 * The module's routes are described in docs/api-booking.md (the contract) and in
 * the generated OpenAPI document. Its start hook opens the booking engine on the
 * server's database with the server's catalogue and rules, builds the slot index
 * and the availability cache, creates the waiting room and registers the metrics;
 * its stop hook closes the engine, which completes every request still queued.
 *
 * Options are process-wide (the serve command sets them once before adding the
 * module; tests set them before each server they start), because a module's start
 * hook receives only the server.
 */
#ifndef VX_BOOK_HTTP_H
#define VX_BOOK_HTTP_H

#include <stdbool.h>
#include "vx/http.h"

struct vx_book_http_opts {
    double admit_rate;  /* waiting room: admissions per second; 0 = off */
    int queue_ttl_s;    /* token lifetime after admission; 0 = 1800 */
    int avail_cache_ms; /* availability cache lifetime; 0 = 1000, < 0 = no cache */
    int engine_queue;   /* booking engine queue capacity; 0 = engine default */
    int engine_batch;   /* requests per commit; 0 = engine default */
    bool commit_each;   /* engine baseline mode: one transaction per booking */
    bool sync_inline;   /* engine: COMMIT waits for the disk (no pipelined sync thread) */
};

/* The module (name "book"): list it in the serve command's module table. */
extern const struct vx_http_module vx_book_http_module;

/* Set the options the next start of vx_book_http_module uses (copied). NULL resets
 * to the defaults. Not thread-safe: call before vx_http_add_module. */
void vx_book_http_configure(const struct vx_book_http_opts *o);

struct vx_book_engine;

/*
 * The booking engine that vx_book_http_module's start hook opened on `srv`
 * (borrowed), or NULL when the module was not added to that server (or failed to
 * start). Other modules use it to write what the engine keeps in memory — site
 * supply (vx_book_supply_set) and cancellations (vx_book_submit_wait with
 * VX_BOOK_OP_CANCEL) — through its writer instead of the database, so a running
 * server books against them at once (the planner's routes do, docs/api-plan.md).
 * The engine is borrowed: it lives until the server stops (the module's stop
 * hook closes it after the running handlers have returned), so a handler of the
 * same server may use it for the whole request. Thread-safe.
 */
struct vx_book_engine *vx_book_http_engine(struct vx_http_server *srv);

#endif
