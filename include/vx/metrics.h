/*
 * metrics.h — counters, gauges and histograms for the /metrics endpoint.
 *
 * Two halves with different link needs:
 *
 *  1. The metric primitives (`struct vx_counter`, `vx_gauge`, `vx_histogram`) are
 *     header-only: lock-free C11 atomics in static inline functions. Any module
 *     (book, care, ...) may embed them in its own structs and update them from any
 *     thread without linking against the HTTP layer.
 *
 *  2. The registry (`struct vx_metrics`, implemented in src/http/metrics.c, so only
 *     callable from src/http and src/cli) names those primitives and renders them in
 *     the Prometheus text exposition format 0.0.4. The server owns one registry
 *     (vx_http_server_metrics()); modules register their primitives when they are
 *     started, typically from the start hook of their route file.
 *
 * Registered primitives are borrowed: they must stay alive until the server is
 * freed (or at least until its stop hooks have run, after which /metrics is no
 * longer served). A name may be registered several times with different label sets
 * (`result="ok"` / `result="full"`); HELP/TYPE lines are written once per name.
 */
#ifndef VX_METRICS_H
#define VX_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/buf.h"
#include "vx/status.h"

/* ----------------------------------------------------------- primitives */

struct vx_counter {
    _Atomic uint64_t v;
};

struct vx_gauge {
    _Atomic int64_t v;
};

#define VX_HIST_MAX_BUCKETS 16
#define VX_HIST_SCALE       1000000.0 /* the sum is kept in millionths */

/* A histogram with fixed upper bounds (le), plus the implicit +Inf bucket. */
struct vx_histogram {
    int nbounds;
    double bounds[VX_HIST_MAX_BUCKETS];               /* ascending upper bounds */
    _Atomic uint64_t counts[VX_HIST_MAX_BUCKETS + 1]; /* per bucket, NOT cumulative */
    _Atomic uint64_t count;
    _Atomic int64_t sum_micro; /* sum of observations × VX_HIST_SCALE */
};

static inline void vx_counter_add(struct vx_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}
static inline void vx_counter_inc(struct vx_counter *c)
{
    vx_counter_add(c, 1);
}
static inline uint64_t vx_counter_get(struct vx_counter *c)
{
    return atomic_load_explicit(&c->v, memory_order_relaxed);
}
static inline void vx_gauge_set(struct vx_gauge *g, int64_t v)
{
    atomic_store_explicit(&g->v, v, memory_order_relaxed);
}
static inline void vx_gauge_add(struct vx_gauge *g, int64_t d)
{
    atomic_fetch_add_explicit(&g->v, d, memory_order_relaxed);
}
static inline int64_t vx_gauge_get(struct vx_gauge *g)
{
    return atomic_load_explicit(&g->v, memory_order_relaxed);
}

/* Set the bucket bounds (ascending, at most VX_HIST_MAX_BUCKETS; extra ones are
 * ignored) and zero the counts. Not thread-safe: call before publishing. */
static inline void vx_histogram_init(struct vx_histogram *h, const double *bounds, int n)
{
    if (n > VX_HIST_MAX_BUCKETS)
        n = VX_HIST_MAX_BUCKETS;
    h->nbounds = n < 0 ? 0 : n;
    for (int i = 0; i < h->nbounds; i++)
        h->bounds[i] = bounds[i];
    for (int i = 0; i <= VX_HIST_MAX_BUCKETS; i++)
        atomic_init(&h->counts[i], 0);
    atomic_init(&h->count, 0);
    atomic_init(&h->sum_micro, 0);
}

/* Record one observation; lock-free, any thread. */
static inline void vx_histogram_observe(struct vx_histogram *h, double v)
{
    int i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_micro, (int64_t)(v * VX_HIST_SCALE), memory_order_relaxed);
}

/* ------------------------------------------------------------- registry */

struct vx_metrics;

/* A computed gauge: called at every scrape, from an HTTP worker thread. */
typedef double (*vx_metrics_gauge_cb)(void *ctx);
/* A collector appends whole families of lines (HELP/TYPE included) to `out`. */
typedef enum vx_status (*vx_metrics_collect_cb)(void *ctx, struct vx_buf *out);

/* A new empty registry owned by the caller; NULL on allocation failure. */
struct vx_metrics *vx_metrics_new(void);
/* Free the registry (not the registered primitives). NULL is fine. */
void vx_metrics_free(struct vx_metrics *m);

/*
 * Register a primitive under `name` (Prometheus metric name, e.g.
 * "vx_bookings_total"), with `labels` (e.g. `result="ok"`, or NULL) and a one-line
 * `help`. Strings are copied; the primitive is borrowed (see top). Thread-safe.
 * Returns VX_EINVAL for a bad name, VX_EEXIST when name+labels is taken, or when
 * the name is registered already with another type, VX_ENOMEM.
 */
enum vx_status vx_metrics_counter(struct vx_metrics *m, const char *name, const char *labels,
                                  const char *help, struct vx_counter *c);
enum vx_status vx_metrics_gauge(struct vx_metrics *m, const char *name, const char *labels,
                                const char *help, struct vx_gauge *g);
enum vx_status vx_metrics_histogram(struct vx_metrics *m, const char *name, const char *labels,
                                    const char *help, struct vx_histogram *h);
enum vx_status vx_metrics_gauge_fn(struct vx_metrics *m, const char *name, const char *labels,
                                   const char *help, vx_metrics_gauge_cb fn, void *ctx);
/* Register a collector that writes its own families (see vx_metrics_collect_cb). */
enum vx_status vx_metrics_collector(struct vx_metrics *m, vx_metrics_collect_cb fn, void *ctx);

/* Append the exposition text of everything registered to `out`. Thread-safe. */
enum vx_status vx_metrics_render(struct vx_metrics *m, struct vx_buf *out);

/* Append one histogram's _bucket/_sum/_count lines (no HELP/TYPE) for collectors. */
enum vx_status vx_metrics_render_histogram(struct vx_buf *out, const char *name, const char *labels,
                                           struct vx_histogram *h);

#endif
