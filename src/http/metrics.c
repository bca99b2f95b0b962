/*
 * metrics.c — the metrics registry and the Prometheus text exposition.
 *
 * The primitives are header-only atomics (vx/metrics.h); this file only names
 * them. Entries are kept in registration order in a growable array under a mutex;
 * registration is rare (start-up) and a scrape holds the mutex while it formats,
 * which never blocks the code that updates the primitives, since those are plain
 * atomics outside the registry. Entries with the same name are written as one
 * family (one HELP and TYPE line) even when registered apart.
 *
 * Histograms are stored with per-bucket counts and rendered cumulatively as the
 * format requires; since the bucket counters are read one after the other while
 * other threads observe, a scrape may be off by an observation in flight, which
 * Prometheus tolerates.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/metrics.h"

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM, K_GAUGE_FN, K_COLLECTOR };

static const char *const kind_names[] = {"counter", "gauge", "histogram", "gauge", NULL};

struct entry {
    enum kind kind;
    char *name, *labels, *help; /* owned; labels "" when none */
    void *obj;                  /* borrowed primitive, or the callback context */
    vx_metrics_gauge_cb gauge_fn;
    vx_metrics_collect_cb collect_fn;
};

struct vx_metrics {
    pthread_mutex_t mu;
    struct entry *e;
    int n, cap;
};

struct vx_metrics *vx_metrics_new(void)
{
    struct vx_metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void vx_metrics_free(struct vx_metrics *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++) {
        free(m->e[i].name);
        free(m->e[i].labels);
        free(m->e[i].help);
    }
    free(m->e);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static bool valid_name(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == ':';
        if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
            return false;
    }
    return true;
}

/* Kinds that may share a family: a gauge and a computed gauge may. */
static int family_type(enum kind k)
{
    return k == K_GAUGE_FN ? K_GAUGE : (int)k;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static enum vx_status add(struct vx_metrics *m, enum kind kind, const char *name,
                          const char *labels, const char *help, void *obj, vx_metrics_gauge_cb gfn,
                          vx_metrics_collect_cb cfn)
{
    if (kind != K_COLLECTOR && !valid_name(name))
        return VX_EINVAL;
    enum vx_status st = VX_OK;
    pthread_mutex_lock(&m->mu);
    for (int i = 0; kind != K_COLLECTOR && i < m->n; i++) {
        struct entry *o = &m->e[i];
        if (o->kind == K_COLLECTOR || strcmp(o->name, name))
            continue;
        if (family_type(o->kind) != family_type(kind) || !strcmp(o->labels, labels ? labels : "")) {
            st = VX_EEXIST;
            goto out;
        }
    }
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 32;
        struct entry *e = realloc(m->e, (size_t)cap * sizeof *e);
        if (!e) {
            st = VX_ENOMEM;
            goto out;
        }
        m->e = e;
        m->cap = cap;
    }
    struct entry *e = &m->e[m->n];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->name = dup_or_empty(name);
    e->labels = dup_or_empty(labels);
    e->help = dup_or_empty(help);
    if (!e->name || !e->labels || !e->help) {
        free(e->name);
        free(e->labels);
        free(e->help);
        st = VX_ENOMEM;
        goto out;
    }
    e->obj = obj;
    e->gauge_fn = gfn;
    e->collect_fn = cfn;
    m->n++;
out:
    pthread_mutex_unlock(&m->mu);
    return st;
}

enum vx_status vx_metrics_counter(struct vx_metrics *m, const char *name, const char *labels,
                                  const char *help, struct vx_counter *c)
{
    return add(m, K_COUNTER, name, labels, help, c, NULL, NULL);
}

enum vx_status vx_metrics_gauge(struct vx_metrics *m, const char *name, const char *labels,
                                const char *help, struct vx_gauge *g)
{
    return add(m, K_GAUGE, name, labels, help, g, NULL, NULL);
}

enum vx_status vx_metrics_histogram(struct vx_metrics *m, const char *name, const char *labels,
                                    const char *help, struct vx_histogram *h)
{
    return add(m, K_HISTOGRAM, name, labels, help, h, NULL, NULL);
}

enum vx_status vx_metrics_gauge_fn(struct vx_metrics *m, const char *name, const char *labels,
                                   const char *help, vx_metrics_gauge_cb fn, void *ctx)
{
    if (!fn)
        return VX_EINVAL;
    return add(m, K_GAUGE_FN, name, labels, help, ctx, fn, NULL);
}

enum vx_status vx_metrics_collector(struct vx_metrics *m, vx_metrics_collect_cb fn, void *ctx)
{
    if (!fn)
        return VX_EINVAL;
    return add(m, K_COLLECTOR, NULL, NULL, NULL, ctx, NULL, fn);
}

/* "{labels}" or "" */
static enum vx_status put_labels(struct vx_buf *out, const char *labels, const char *extra)
{
    bool a = labels && *labels, b = extra && *extra;
    if (!a && !b)
        return VX_OK;
    return vx_buf_printf(out, "{%s%s%s}", a ? labels : "", a && b ? "," : "", b ? extra : "");
}

static enum vx_status put_double(struct vx_buf *out, double v)
{
    if (isinf(v))
        return vx_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    if (isnan(v))
        return vx_buf_puts(out, "NaN");
    return vx_buf_printf(out, "%.17g", v);
}

enum vx_status vx_metrics_render_histogram(struct vx_buf *out, const char *name, const char *labels,
                                           struct vx_histogram *h)
{
    enum vx_status st = VX_OK;
    uint64_t cum = 0;
    char le[64];
    for (int i = 0; i <= h->nbounds && st == VX_OK; i++) {
        cum += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        if (i < h->nbounds)
            snprintf(le, sizeof le, "le=\"%.17g\"", h->bounds[i]);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        st = vx_buf_printf(out, "%s_bucket", name);
        if (st == VX_OK)
            st = put_labels(out, labels, le);
        if (st == VX_OK)
            st = vx_buf_printf(out, " %llu\n", (unsigned long long)cum);
    }
    if (st == VX_OK)
        st = vx_buf_printf(out, "%s_sum", name);
    if (st == VX_OK)
        st = put_labels(out, labels, NULL);
    if (st == VX_OK)
        st = vx_buf_printf(out, " %.17g\n",
                           (double)atomic_load_explicit(&h->sum_micro, memory_order_relaxed) /
                               VX_HIST_SCALE);
    if (st == VX_OK)
        st = vx_buf_printf(out, "%s_count", name);
    if (st == VX_OK)
        st = put_labels(out, labels, NULL);
    if (st == VX_OK)
        st = vx_buf_printf(out, " %llu\n", (unsigned long long)cum);
    return st;
}

static enum vx_status render_one(struct vx_buf *out, const struct entry *e)
{
    enum vx_status st;
    switch (e->kind) {
    case K_COUNTER:
        st = vx_buf_puts(out, e->name);
        if (st == VX_OK)
            st = put_labels(out, e->labels, NULL);
        if (st == VX_OK)
            st = vx_buf_printf(out, " %llu\n",
                               (unsigned long long)vx_counter_get((struct vx_counter *)e->obj));
        return st;
    case K_GAUGE:
        st = vx_buf_puts(out, e->name);
        if (st == VX_OK)
            st = put_labels(out, e->labels, NULL);
        if (st == VX_OK)
            st = vx_buf_printf(out, " %lld\n", (long long)vx_gauge_get((struct vx_gauge *)e->obj));
        return st;
    case K_GAUGE_FN:
        st = vx_buf_puts(out, e->name);
        if (st == VX_OK)
            st = put_labels(out, e->labels, NULL);
        if (st == VX_OK)
            st = vx_buf_puts(out, " ");
        if (st == VX_OK)
            st = put_double(out, e->gauge_fn(e->obj));
        if (st == VX_OK)
            st = vx_buf_puts(out, "\n");
        return st;
    case K_HISTOGRAM:
        return vx_metrics_render_histogram(out, e->name, e->labels, (struct vx_histogram *)e->obj);
    case K_COLLECTOR:
        return e->collect_fn(e->obj, out);
    }
    return VX_EINTERNAL;
}

enum vx_status vx_metrics_render(struct vx_metrics *m, struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    pthread_mutex_lock(&m->mu);
    char *done = calloc((size_t)m->n + 1, 1); /* entries already written with their family */
    if (!done)
        st = VX_ENOMEM;
    for (int i = 0; st == VX_OK && i < m->n; i++) {
        const struct entry *e = &m->e[i];
        if (done[i])
            continue;
        if (e->kind == K_COLLECTOR) {
            st = render_one(out, e);
            continue;
        }
        st = vx_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", e->name, e->help, e->name,
                           kind_names[e->kind]);
        for (int j = i; st == VX_OK && j < m->n; j++) {
            if (m->e[j].kind != K_COLLECTOR && !done[j] && !strcmp(m->e[j].name, e->name)) {
                st = render_one(out, &m->e[j]);
                done[j] = 1;
            }
        }
    }
    free(done);
    pthread_mutex_unlock(&m->mu);
    return st;
}
