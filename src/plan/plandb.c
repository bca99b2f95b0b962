/*
 * plandb.c — the planner over a database: delivery import, allocation with the
 * region -> site split and dose-1 quotas, and re-planning after a delivery change.
 *
 * Design. The pure planner (alloc.h, quota.c, solve.c, replan.c) works on numbers; this
 * file gathers those numbers from the store and writes the outcome back, and nothing else.
 * It does I/O only through `struct vx_store` (the main ops for sites, site supply,
 * bookings and audit rows; st->ops->plan for deliveries, allocations, quotas and the
 * aggregate reads of booking load, dose counts and ages) and reads no clock: o->now is a
 * parameter. The CLI and the HTTP routes call these functions and only format.
 *
 *   allocate  replays the stored national figures of one vaccine (the actual, else the
 *             latest forecast) from the first stored week up to o->week through the
 *             whole-package quota method (vx_alloc) with the regions weighted by the
 *             database's persons of the basis; each region's doses of the week are split
 *             among its sites in whole vials by vx_plan_site_split (GLPK) on the week's
 *             slot places and bookings; vx_plan_quota gives each region's dose-1 quota and
 *             dose-2 reserve from its stock (allocated so far minus doses given), slot
 *             capacity, people still waiting, booked dose 2 of the next weeks and the
 *             region's share of the stored figures of the next weeks; a site's quota is
 *             the region's shared in proportion to its doses. Written: allocations (region
 *             and site rows), site_supply.allocated (delivered kept: booking follows it)
 *             and plan_quotas.
 *
 *   replan    in ONE transaction: revise the figure (delivery_put keeps old -> new), read
 *             every affected site's supply of the next VX_PLAN_DB_WEEKS weeks, re-allocate
 *             the week, and re-plan each site with vx_plan_replan: its booking book per
 *             week (booked dose 1, dose 2 of people who had dose 1, released and
 *             unreleased places: released = what the old supply covered) against the new
 *             supply. Cancelled dose-1 bookings are the newest of their site and week; the
 *             paired dose-2 booking goes with them; each cancellation is audited on the
 *             person. A dry run is the same transaction rolled back, so a preview is
 *             exactly what applying does.
 *
 * Booking side. Site supply and booking series also live in a running server's booking
 * engine (memory rebuilt only at its start). With o->sink set (the HTTP routes pass one
 * that writes through the engine) the planner's transaction writes only its own rows
 * (revision, allocations, quotas) and commits; then the changed site supply goes to
 * sink->supply_set and the cancellations to sink->cancel, one by one, supply first so the
 * engine stops releasing places the cut no longer covers before cancellations free any.
 * Each of those is atomic by itself (one writer transaction per supply row, per booking
 * series); their outcome is counted in the result's `sync`, so a partial failure is
 * visible. Without a sink (the CLI) everything is one transaction, as before.
 *
 * Approximation (docs/planning.md): the re-planner counts a booked dose 1's dose 2 at the
 * catalogue's recommended interval; the dose-2 bookings paired with active dose-1
 * bookings are not counted again (their real week may differ by a few days).
 *
 * Scale. Demo databases hold a sample of the people but the stored figures are national;
 * with o->scale 0 every national figure is multiplied by the database's adults / Sweden's
 * adults (VX_PLAN_SE_ADULTS_2020), and the default package is then one vial (a tray of
 * 1,170 doses would exceed a 0.001 sample's weekly share).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/alloc.h"
#include "vx/catalog.h"
#include "vx/plan.h"
#include "vx/store.h"
#include "vx/store_plan.h"

#define MAX_FIG_WEEKS 160 /* stored weeks of one vaccine that a replay reads */

void vx_plan_db_opts_init(struct vx_plan_db_opts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->basis, sizeof o->basis, "adult");
    o->policy = VX_PLAN_FORECAST;
    o->safety = 0.30;
}

void vx_plan_alloc_result_free(struct vx_plan_alloc_result *r)
{
    if (r == NULL)
        return;
    free(r->sites);
    r->sites = NULL;
    r->n_sites = 0;
}

void vx_plan_replan_db_result_free(struct vx_plan_replan_db_result *r)
{
    if (r == NULL)
        return;
    free(r->changes);
    free(r->cancels);
    r->changes = NULL;
    r->cancels = NULL;
    r->n_changes = r->n_cancels = 0;
    vx_plan_alloc_result_free(&r->alloc);
}

/* A store failure as an error message. */
static enum vx_status store_fail(struct vx_err *err, struct vx_store *st, enum vx_status vs,
                                 const char *what)
{
    return vx_err_set(err, vs, "%s: %s", what, st->err[0] ? st->err : vx_strerror(vs));
}

static vx_day monday_of(struct vx_isoweek w)
{
    return vx_isoweek_monday(w.year, w.week);
}

static struct vx_isoweek week_plus(struct vx_isoweek w, int k)
{
    return vx_isoweek_of(monday_of(w) + 7 * k);
}

static vx_time day_start(vx_day d)
{
    vx_time t;
    if (vx_stockholm_to_utc(d, 0, &t, NULL) != VX_OK)
        t = (vx_time)d * 86400;
    return t;
}

/* ------------------------------------------------------------------ import */

struct cur_fig {
    struct vx_isoweek week;
    char vaccine[VX_VACCINE_CODE_MAX];
    bool actual;
    vx_time at;
};

struct cur_list {
    struct cur_fig *v;
    size_t n, cap;
    bool oom;
};

static int cur_add(void *ctx, const struct vx_delivery_rec *r)
{
    struct cur_list *l = ctx;
    if (r->region[0] != '\0')
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct cur_fig *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->oom = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    struct cur_fig *f = &l->v[l->n++];
    f->week = r->week;
    snprintf(f->vaccine, sizeof f->vaccine, "%s", r->vaccine);
    f->actual = r->actual;
    f->at = r->revised_at;
    return 0;
}

static const struct cur_fig *cur_find(const struct cur_list *l, struct vx_isoweek w,
                                      const char *vaccine, bool actual)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].actual == actual && vx_isoweek_cmp(l->v[i].week, w) == 0 &&
            strcmp(l->v[i].vaccine, vaccine) == 0)
            return &l->v[i];
    return NULL;
}

enum vx_status vx_plan_import_log(struct vx_store *st, const struct vx_catalog *cat,
                                  const struct vx_delivery_log *log, const char *who,
                                  long long *stored, long long *skipped, struct vx_err *err)
{
    long long n_stored = 0, n_skipped = 0;
    struct cur_list cur = {0};
    enum vx_status vs = st->ops->plan->delivery_foreach(st, NULL, cur_add, &cur);
    if (cur.oom)
        vs = vx_err_set(err, VX_ENOMEM, "import: out of memory");
    else if (vs != VX_OK)
        vs = store_fail(err, st, vs, "import: deliveries");
    if (vs == VX_OK && (vs = vx_store_begin(st)) != VX_OK)
        vs = store_fail(err, st, vs, "import: begin");
    if (vs != VX_OK) {
        free(cur.v);
        return vs;
    }
    for (size_t i = 0; i < log->n && vs == VX_OK; i++) {
        const struct vx_delivery_rev *rv = &log->revs[i];
        if (vx_catalog_find(cat, rv->vaccine) == NULL) {
            n_skipped++;
            continue;
        }
        struct vx_delivery_rec rec;
        memset(&rec, 0, sizeof rec);
        rec.week = rv->week;
        snprintf(rec.vaccine, sizeof rec.vaccine, "%s", rv->vaccine);
        rec.actual = rv->kind == VX_DELIVERY_ACTUAL;
        rec.doses = rv->doses;
        rec.revised_at = day_start(rv->known);
        snprintf(rec.revised_by, sizeof rec.revised_by, "%s", who ? who : "cli:import");
        snprintf(rec.source, sizeof rec.source, "%s", rv->source);
        const struct cur_fig *c = cur_find(&cur, rec.week, rec.vaccine, rec.actual);
        if (c && rec.revised_at <= c->at) {
            n_skipped++;
            continue;
        }
        bool changed = false;
        vs = st->ops->plan->delivery_put(st, &rec, "import", &changed, NULL);
        if (vs != VX_OK)
            vs = store_fail(err, st, vs, "import: delivery");
        else if (changed)
            n_stored++;
    }
    free(cur.v);
    if (vs == VX_OK) {
        if ((vs = vx_store_commit(st)) != VX_OK)
            vs = store_fail(err, st, vs, "import: commit");
    } else {
        vx_store_rollback(st);
    }
    if (stored)
        *stored = vs == VX_OK ? n_stored : 0;
    if (skipped)
        *skipped = n_skipped;
    return vs;
}

/* ------------------------------------------------------------------ gathering */

/* National figures of one vaccine per week: actual and forecast (-1 = none). */
struct figs {
    struct vx_isoweek w0;
    int n;
    long long actual[MAX_FIG_WEEKS], forecast[MAX_FIG_WEEKS];
    bool any;
    const char *vaccine;
};

static int fig_add(void *ctx, const struct vx_delivery_rec *r)
{
    struct figs *f = ctx;
    if (r->region[0] != '\0' || strcmp(r->vaccine, f->vaccine) != 0)
        return 0;
    if (!f->any) {
        f->w0 = r->week; /* rows come by week */
        f->any = true;
        for (int t = 0; t < MAX_FIG_WEEKS; t++)
            f->actual[t] = f->forecast[t] = -1;
    }
    long t = (monday_of(r->week) - monday_of(f->w0)) / 7;
    if (t < 0 || t >= MAX_FIG_WEEKS)
        return 0;
    if (r->actual)
        f->actual[t] = r->doses;
    else
        f->forecast[t] = r->doses;
    if (t + 1 > f->n)
        f->n = (int)t + 1;
    return 0;
}

/* The figure of week index t (actual, else forecast), -1 when none. */
static long long fig_at(const struct figs *f, long t)
{
    if (!f->any || t < 0 || t >= f->n)
        return -1;
    return f->actual[t] >= 0 ? f->actual[t] : f->forecast[t];
}

static enum vx_status load_figs(struct vx_store *st, const char *vaccine, struct figs *f,
                                struct vx_err *err)
{
    memset(f, 0, sizeof *f);
    f->vaccine = vaccine;
    enum vx_status vs = st->ops->plan->delivery_foreach(st, vaccine, fig_add, f);
    return vs == VX_OK ? VX_OK : store_fail(err, st, vs, "deliveries");
}

/* Persons per region by age at the reference day. */
struct ages {
    size_t n;
    char code[VX_PLAN_MAX_REGIONS][3];
    long long by_age[VX_PLAN_MAX_REGIONS][131];
    bool full;
};

static int age_add(void *ctx, const struct vx_plan_age_rec *r)
{
    struct ages *a = ctx;
    if (r->age < 0 || r->age > 130)
        return 0;
    size_t i = 0;
    while (i < a->n && strcmp(a->code[i], r->region) != 0)
        i++;
    if (i == a->n) {
        if (a->n == VX_PLAN_MAX_REGIONS) {
            a->full = true;
            return 1;
        }
        snprintf(a->code[a->n++], 3, "%s", r->region);
    }
    a->by_age[i][r->age] += r->persons;
    return 0;
}

static long long ages_sum(const struct ages *a, size_t r, int lo, int hi)
{
    long long s = 0;
    for (int y = lo < 0 ? 0 : lo; y <= hi && y <= 130; y++)
        s += a->by_age[r][y];
    return s;
}

/* Basis "adult", "age80" or "age:LO-[HI]" as an age range. */
static enum vx_status basis_range(const char *basis, int *lo, int *hi, struct vx_err *err)
{
    if (basis == NULL || basis[0] == '\0' || strcmp(basis, "adult") == 0) {
        *lo = 18;
        *hi = 200;
        return VX_OK;
    }
    if (strcmp(basis, "age80") == 0) {
        *lo = 80;
        *hi = 200;
        return VX_OK;
    }
    return vx_alloc_basis_parse(basis, lo, hi, err);
}

static int interval_weeks(const struct vx_product *p, vx_day on)
{
    const struct vx_interval_rule *rule = NULL;
    for (size_t i = 0; i < p->n_intervals; i++)
        if (p->intervals[i].dose == 2 && (rule == NULL || p->intervals[i].from <= on))
            rule = &p->intervals[i];
    int w = rule ? (rule->rec_days + 3) / 7 : 3;
    if (w < 1)
        w = 1;
    if (w > VX_PLAN_DB_WEEKS - 1)
        w = VX_PLAN_DB_WEEKS - 1;
    return w;
}

/* Per site: slot places and bookings of each week [0, VX_PLAN_DB_WEEKS) from week0. */
struct site_load {
    int64_t site_id;
    char region[3];
    char code[32];
    char name[128];
    long long hours_cap; /* places a week by opening hours (no slots) */
    long long capacity[VX_PLAN_DB_WEEKS], booked1[VX_PLAN_DB_WEEKS], booked2[VX_PLAN_DB_WEEKS],
        linked2[VX_PLAN_DB_WEEKS];
    long long supply_old[VX_PLAN_DB_WEEKS]; /* allocated + delivered */
    long long supply_before;                /* sum of the weeks before week0 */
    long long delivered0;                   /* delivered of week0 (kept when allocating) */
};

struct sites {
    struct site_load *v;
    size_t n, cap;
    bool oom;
    const char *region; /* filter, "" = all */
    vx_day monday0;
};

static int site_add(void *ctx, const struct vx_site_rec *s)
{
    struct sites *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct site_load *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->oom = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    struct site_load *x = &l->v[l->n++];
    memset(x, 0, sizeof *x);
    x->site_id = s->id;
    snprintf(x->region, sizeof x->region, "%s", s->region);
    snprintf(x->code, sizeof x->code, "%s", s->code);
    snprintf(x->name, sizeof x->name, "%s", s->name);
    int days = 0;
    for (int b = 0; b < 7; b++)
        days += (s->weekdays >> b) & 1;
    long long per_day =
        s->minutes_per_dose > 0 && s->close_minute > s->open_minute
            ? (long long)s->stations * (s->close_minute - s->open_minute) / s->minutes_per_dose
            : 0;
    x->hours_cap = per_day * days;
    return 0;
}

static struct site_load *site_find(const struct sites *l, int64_t id)
{
    size_t lo = 0, hi = l->n; /* site_foreach orders by kommun, code: linear is fine for a
                                 region; binary search needs id order, so sort first */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->v[mid].site_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo].site_id == id ? &l->v[lo] : NULL;
}

static int site_cmp(const void *a, const void *b)
{
    const struct site_load *x = a, *y = b;
    return x->site_id < y->site_id ? -1 : x->site_id > y->site_id;
}

static int load_add(void *ctx, const struct vx_plan_load_rec *r)
{
    struct sites *l = ctx;
    struct site_load *s = site_find(l, r->site_id);
    long k = (r->day - l->monday0) / 7;
    if (s == NULL || k < 0 || k >= VX_PLAN_DB_WEEKS)
        return 0;
    s->capacity[k] += r->capacity;
    s->booked1[k] += r->booked1;
    s->booked2[k] += r->booked2;
    s->linked2[k] += r->linked2;
    return 0;
}

struct supply_ctx {
    struct sites *l;
    const char *vaccine;
};

static int supply_add(void *ctx, const struct vx_supply_rec *r)
{
    struct supply_ctx *c = ctx;
    if (strcmp(r->vaccine, c->vaccine) != 0)
        return 0;
    struct site_load *s = site_find(c->l, r->site_id);
    if (s == NULL)
        return 0;
    long k = (monday_of(r->week) - c->l->monday0) / 7;
    long long v = (long long)r->allocated + r->delivered;
    if (k < 0)
        s->supply_before += v;
    else if (k < VX_PLAN_DB_WEEKS)
        s->supply_old[k] = v;
    if (k == 0)
        s->delivered0 = r->delivered;
    return 0;
}

/* Sites of `region` ("" = all) with their load and supply from week0 on. */
static enum vx_status load_sites(struct vx_store *st, const char *region, const char *vaccine,
                                 struct vx_isoweek week0, struct sites *l, struct vx_err *err)
{
    memset(l, 0, sizeof *l);
    l->region = region;
    l->monday0 = monday_of(week0);
    enum vx_status vs = st->ops->site_foreach(st, region, NULL, site_add, l);
    if (l->oom)
        return vx_err_set(err, VX_ENOMEM, "sites: out of memory");
    if (vs != VX_OK)
        return store_fail(err, st, vs, "sites");
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, site_cmp);
    vs = st->ops->plan->load_foreach(st, region, vaccine, l->monday0,
                                     l->monday0 + 7 * VX_PLAN_DB_WEEKS - 1, load_add, l);
    if (vs != VX_OK)
        return store_fail(err, st, vs, "booking load");
    struct supply_ctx sc = {l, vaccine};
    vs = st->ops->supply_foreach(st, supply_add, &sc);
    return vs == VX_OK ? VX_OK : store_fail(err, st, vs, "site supply");
}

/* Share `total` among n parts in proportion to w (largest remainder, exact sum). */
static void share(long long total, const long long *w, long long *out, size_t n)
{
    long long W = 0;
    for (size_t i = 0; i < n; i++)
        W += w[i];
    long long given = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = W > 0 ? (long long)((double)total * (double)w[i] / (double)W) : 0;
        given += out[i];
    }
    while (W > 0 && given < total) {
        size_t best = 0;
        double br = -1;
        for (size_t i = 0; i < n; i++) {
            double r = (double)total * (double)w[i] / (double)W - (double)out[i];
            if (w[i] > 0 && r > br) {
                br = r;
                best = i;
            }
        }
        out[best]++;
        given++;
    }
}

/* ------------------------------------------------------------------ allocation */

struct alloc_ctx {
    const struct vx_product *prod;
    struct figs figs;
    struct ages ages;
    struct sites sites; /* of the regions allocated (all, or only_region) */
    int interval;
    double scale;
};

/*
 * Compute the week's plan into *out (and ctx); with only_region set, that region's doses
 * are `only_doses` and only its sites are split. Writes nothing.
 */
static enum vx_status alloc_compute(struct vx_store *st, const struct vx_catalog *cat,
                                    const struct vx_plan_db_opts *o, const char *only_region,
                                    long long only_doses, struct alloc_ctx *c,
                                    struct vx_plan_alloc_result *out, struct vx_err *err)
{
    enum vx_status vs;
    memset(out, 0, sizeof *out);
    out->week = o->week;
    snprintf(out->vaccine, sizeof out->vaccine, "%s", o->vaccine);
    out->policy = o->policy;
    if ((unsigned)o->policy >= VX_PLAN_N_POLICIES)
        return vx_err_set(err, VX_EINVAL, "policy: unknown");
    c->prod = vx_catalog_find(cat, o->vaccine);
    if (c->prod == NULL)
        return vx_err_set(err, VX_EINVAL, "vaccine: '%.16s' is not in the catalogue", o->vaccine);
    if (c->prod->doses < 2)
        return vx_err_set(err, VX_EINVAL, "vaccine: %s has a single dose; not planned here",
                          o->vaccine);
    int lo, hi;
    if ((vs = basis_range(o->basis, &lo, &hi, err)) != VX_OK)
        return vx_err_set(err, VX_EINVAL, "basis: %s", err->msg);
    vx_day monday = monday_of(o->week);
    vx_day ref = o->ref ? o->ref : monday;
    c->interval = interval_weeks(c->prod, monday);
    long long vial = vx_product_doses_per_vial(c->prod, monday, true);
    if (vial < 1)
        vial = 1;
    out->vial = vial;

    if ((vs = load_figs(st, o->vaccine, &c->figs, err)) != VX_OK)
        return vs;
    long t_w = c->figs.any ? (monday - monday_of(c->figs.w0)) / 7 : -1;
    if (fig_at(&c->figs, t_w) < 0) {
        char wk[16];
        return vx_err_set(err, VX_ENOTFOUND, "week: no delivery of %s stored for %s", o->vaccine,
                          vx_isoweek_format(o->week, wk));
    }
    out->forecast = c->figs.actual[t_w] < 0;

    memset(&c->ages, 0, sizeof c->ages);
    if ((vs = st->ops->plan->age_foreach(st, ref, age_add, &c->ages)) != VX_OK)
        return store_fail(err, st, vs, "ages");
    if (c->ages.full)
        return vx_err_set(err, VX_ENOMEM, "more than %d regions", VX_PLAN_MAX_REGIONS);
    long long adults = 0, weight[VX_ALLOC_MAX_REGIONS] = {0};
    for (size_t r = 0; r < c->ages.n; r++) {
        adults += ages_sum(&c->ages, r, 18, 130);
        weight[r] = ages_sum(&c->ages, r, lo, hi);
    }
    if (adults == 0)
        return vx_err_set(err, VX_ENOTFOUND, "basis: the database has no adults to weigh");
    c->scale = o->scale > 0 ? o->scale : (double)adults / (double)VX_PLAN_SE_ADULTS_2020;
    if (c->scale > 1 && !(o->scale > 0))
        c->scale = 1;
    out->scale = c->scale;
    long long package = o->package > 0   ? o->package
                        : c->scale < 0.5 ? vial
                                         : vial * (strcmp(o->vaccine, "COM") == 0 ? 195 : 10);
    out->package = package;

    struct vx_alloc a;
    if ((vs = vx_alloc_init(&a, c->ages.n, weight, package, err)) != VX_OK)
        return vx_err_set(err, VX_EINVAL, "basis: %s", err->msg);
    long long wp[VX_ALLOC_MAX_REGIONS] = {0};
    for (long t = 0; t <= t_w; t++) {
        long long d = fig_at(&c->figs, t);
        d = d < 0 ? 0 : llround((double)d * c->scale);
        if ((vs = vx_alloc_week(&a, d, wp, err)) != VX_OK)
            return vs;
        if (t == t_w)
            out->national = d;
    }
    out->carry = vx_alloc_carry(&a);

    /* regions */
    out->n_regions = c->ages.n;
    for (size_t r = 0; r < c->ages.n; r++) {
        struct vx_plan_region_alloc *ra = &out->regions[r];
        snprintf(ra->region, sizeof ra->region, "%s", c->ages.code[r]);
        ra->weight = weight[r];
        ra->exact = vx_alloc_exact(&a, r);
        ra->cum_packages = a.cum[r];
        ra->doses = wp[r] * package;
        if (only_region && strcmp(only_region, ra->region) == 0)
            ra->doses = only_doses;
    }

    /* sites of the regions, their load over the next weeks */
    if ((vs = load_sites(st, only_region ? only_region : "", o->vaccine, o->week, &c->sites,
                         err)) != VX_OK)
        return vs;
    if (c->sites.n) {
        out->sites = calloc(c->sites.n, sizeof *out->sites);
        if (out->sites == NULL)
            return vx_err_set(err, VX_ENOMEM, "sites: out of memory");
    }
    struct vx_site_need *need = c->sites.n ? calloc(c->sites.n, sizeof *need) : NULL;
    long long *w8 = c->sites.n ? calloc(c->sites.n, sizeof *w8) : NULL;
    long long *part = c->sites.n ? calloc(c->sites.n, sizeof *part) : NULL;
    if (c->sites.n && (need == NULL || w8 == NULL || part == NULL)) {
        vs = vx_err_set(err, VX_ENOMEM, "sites: out of memory");
        goto out;
    }
    for (size_t r = 0; r < out->n_regions && vs == VX_OK; r++) {
        struct vx_plan_region_alloc *ra = &out->regions[r];
        if (only_region && strcmp(only_region, ra->region) != 0)
            continue;
        /* the region's sites: slot places of the week, else opening hours */
        size_t first = out->n_sites, m = 0;
        bool any_slots = false;
        for (size_t i = 0; i < c->sites.n; i++)
            if (strcmp(c->sites.v[i].region, ra->region) == 0 && c->sites.v[i].capacity[0] > 0)
                any_slots = true;
        long long due2[VX_PLAN_DB_WEEKS] = {0};
        for (size_t i = 0; i < c->sites.n; i++) {
            struct site_load *s = &c->sites.v[i];
            if (strcmp(s->region, ra->region) != 0)
                continue;
            need[m].site_id = s->site_id;
            need[m].capacity = any_slots ? s->capacity[0] : s->hours_cap;
            need[m].booked = s->booked1[0] + s->booked2[0] + s->linked2[0];
            ra->capacity += need[m].capacity;
            ra->booked += need[m].booked;
            for (int k = 0; k < VX_PLAN_DB_WEEKS; k++)
                due2[k] += s->booked2[k] + s->linked2[k];
            struct vx_plan_site_alloc *sa = &out->sites[first + m];
            sa->site_id = s->site_id;
            snprintf(sa->region, sizeof sa->region, "%s", s->region);
            snprintf(sa->code, sizeof sa->code, "%s", s->code);
            snprintf(sa->name, sizeof sa->name, "%s", s->name);
            sa->capacity = need[m].capacity;
            sa->booked = need[m].booked;
            m++;
        }
        long long split = ra->doses / vial * vial;
        if (m > 0 && split > 0) {
            if ((vs = vx_plan_site_split(split, vial, need, m, err)) != VX_OK)
                break;
            for (size_t i = 0; i < m; i++) {
                out->sites[first + i].doses = need[i].doses;
                ra->sites_sum += need[i].doses;
            }
        }
        out->n_sites = first + m;

        /* quota of the region */
        long long given = 0, dose1 = 0;
        if ((vs = st->ops->plan->doses_count(st, ra->region, 0, o->vaccine, day_start(monday),
                                             &given, &dose1)) != VX_OK) {
            vs = store_fail(err, st, vs, "dose counts");
            break;
        }
        long long cum = a.cum[r] * package;
        if (only_region && strcmp(only_region, ra->region) == 0)
            cum += only_doses - wp[r] * package;
        ra->stock = cum - given > 0 ? cum - given : 0;
        long long adults_r = ages_sum(&c->ages, r, 18, 130);
        long long supply[VX_PLAN_DB_WEEKS] = {0};
        long long wsum = a.total_weight;
        for (int k = 1; k < VX_PLAN_DB_WEEKS; k++) {
            long long d = fig_at(&c->figs, t_w + k);
            if (d > 0 && wsum > 0)
                supply[k] = llround((double)d * c->scale * (double)weight[r] / (double)wsum);
        }
        struct vx_quota_in qi = {
            .stock = ra->stock,
            .capacity = ra->capacity,
            .demand = adults_r - dose1 > 0 ? adults_r - dose1 : 0,
            .due2 = due2,
            .supply = supply,
            .horizon = VX_PLAN_DB_WEEKS,
            .interval = c->interval,
            .safety = o->safety >= 0 ? o->safety : 0.30,
        };
        struct vx_quota_out qo;
        if ((vs = vx_plan_quota(o->policy, &qi, &qo, err)) != VX_OK)
            break;
        ra->dose1 = qo.dose1;
        ra->dose2 = qo.dose2;
        ra->reserve = qo.reserve;
        for (size_t i = 0; i < m; i++)
            w8[i] = out->sites[first + i].doses;
        share(qo.dose1, w8, part, m);
        for (size_t i = 0; i < m; i++)
            out->sites[first + i].dose1 = part[i];
        share(qo.reserve, w8, part, m);
        for (size_t i = 0; i < m; i++)
            out->sites[first + i].reserve = part[i];
    }
out:
    free(need);
    free(w8);
    free(part);
    return vs;
}

/* The site_supply row of site allocation `sa`: the week's allocation, its delivered
 * doses kept. */
static void supply_row(const struct vx_plan_db_opts *o, const struct alloc_ctx *c,
                       const struct vx_plan_site_alloc *sa, struct vx_supply_rec *sr)
{
    const struct site_load *s = site_find(&c->sites, sa->site_id);
    memset(sr, 0, sizeof *sr);
    sr->site_id = sa->site_id;
    snprintf(sr->vaccine, sizeof sr->vaccine, "%s", o->vaccine);
    sr->week = o->week;
    sr->allocated = sa->doses > 2000000000LL ? 2000000000 : (int)sa->doses;
    sr->delivered = s ? (int)s->delivered0 : 0;
}

/* Does the store (as read before the plan) hold supply row `sr` already? */
static bool supply_same(const struct alloc_ctx *c, const struct vx_supply_rec *sr)
{
    const struct site_load *s = site_find(&c->sites, sr->site_id);
    long long before = s ? s->supply_old[0] : 0;
    return before == (long long)sr->allocated + sr->delivered;
}

/* Note a failed booking-side write of `what` `id` (counted by the caller): the first
 * message is kept, e.g. "supply of site 12: booking engine: queue full". */
static void sync_error(struct vx_plan_sync *y, const char *what, long long id,
                       const struct vx_err *e, enum vx_status vs)
{
    y->complete = false;
    if (y->error[0] == '\0')
        snprintf(y->error, sizeof y->error, "%.24s %lld: %.150s", what, id,
                 e->msg[0] ? e->msg : vx_strerror(vs));
}

/* After the planner's commit: every site supply that changed through o->sink. */
static void sync_supply(const struct vx_plan_db_opts *o, const struct alloc_ctx *c,
                        struct vx_plan_alloc_result *out)
{
    struct vx_plan_sync *y = &out->sync;
    y->via_sink = true;
    y->complete = true;
    for (size_t i = 0; i < out->n_sites; i++) {
        struct vx_plan_site_alloc *sa = &out->sites[i];
        struct vx_supply_rec sr;
        supply_row(o, c, sa, &sr);
        sa->synced = VX_OK;
        if (supply_same(c, &sr)) {
            y->supply_same++;
            continue;
        }
        struct vx_err e = {0};
        enum vx_status vs = o->sink->supply_set(o->sink->ctx, &sr, &e);
        sa->synced = vs;
        if (vs == VX_OK) {
            y->supply_set++;
        } else {
            y->supply_failed++;
            sync_error(y, "supply of site", (long long)sa->site_id, &e, vs);
        }
    }
}

/* Write the computed plan (inside the caller's transaction). */
static enum vx_status alloc_write(struct vx_store *st, const struct vx_plan_db_opts *o,
                                  const char *only_region, const struct alloc_ctx *c,
                                  const struct vx_plan_alloc_result *out, struct vx_err *err)
{
    enum vx_status vs = VX_OK;
    const char *pol = vx_plan_policy_name(o->policy);
    for (size_t r = 0; r < out->n_regions && vs == VX_OK; r++) {
        const struct vx_plan_region_alloc *ra = &out->regions[r];
        if (only_region && strcmp(only_region, ra->region) != 0)
            continue;
        vs = st->ops->plan->allocation_put(st, o->week, o->vaccine, ra->region, 0, ra->doses,
                                           o->now);
        struct vx_quota_rec q;
        memset(&q, 0, sizeof q);
        q.week = o->week;
        snprintf(q.vaccine, sizeof q.vaccine, "%s", o->vaccine);
        snprintf(q.region, sizeof q.region, "%s", ra->region);
        q.allocated = ra->doses;
        q.dose1 = ra->dose1;
        q.reserve = ra->reserve;
        snprintf(q.policy, sizeof q.policy, "%s", pol);
        q.created_at = o->now;
        if (vs == VX_OK)
            vs = st->ops->plan->quota_put(st, &q);
    }
    for (size_t i = 0; i < out->n_sites && vs == VX_OK; i++) {
        const struct vx_plan_site_alloc *sa = &out->sites[i];
        vs = st->ops->plan->allocation_put(st, o->week, o->vaccine, sa->region, sa->site_id,
                                           sa->doses, o->now);
        struct vx_supply_rec sr;
        supply_row(o, c, sa, &sr);
        if (vs == VX_OK && o->sink == NULL) /* with a sink: after the commit (sync_supply) */
            vs = st->ops->supply_put(st, &sr);
        struct vx_quota_rec q;
        memset(&q, 0, sizeof q);
        q.week = o->week;
        snprintf(q.vaccine, sizeof q.vaccine, "%s", o->vaccine);
        snprintf(q.region, sizeof q.region, "%s", sa->region);
        q.site_id = sa->site_id;
        q.allocated = sa->doses;
        q.dose1 = sa->dose1;
        q.reserve = sa->reserve;
        snprintf(q.policy, sizeof q.policy, "%s", pol);
        q.created_at = o->now;
        if (vs == VX_OK)
            vs = st->ops->plan->quota_put(st, &q);
    }
    return vs == VX_OK ? VX_OK : store_fail(err, st, vs, "allocation");
}

static enum vx_status check_opts(const struct vx_plan_db_opts *o, struct vx_err *err)
{
    if (o->week.week < 1 || o->week.week > 53 || o->week.year < 2000 || o->week.year > 2100)
        return vx_err_set(err, VX_EINVAL, "week: not a valid ISO week");
    if (o->vaccine[0] == '\0')
        return vx_err_set(err, VX_EINVAL, "vaccine: required");
    if (o->package < 0 || o->scale < 0 || o->scale > 1000)
        return vx_err_set(err, VX_EINVAL, "package/scale: out of range");
    return VX_OK;
}

enum vx_status vx_plan_db_allocate(struct vx_store *st, const struct vx_catalog *cat,
                                   const struct vx_plan_db_opts *o,
                                   struct vx_plan_alloc_result *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    enum vx_status vs = check_opts(o, err);
    if (vs != VX_OK)
        return vs;
    struct alloc_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return vx_err_set(err, VX_ENOMEM, "allocate: out of memory");
    if ((vs = vx_store_begin(st)) != VX_OK) {
        free(c);
        return store_fail(err, st, vs, "allocate: begin");
    }
    vs = alloc_compute(st, cat, o, NULL, 0, c, out, err);
    if (vs == VX_OK && !o->dry_run)
        vs = alloc_write(st, o, NULL, c, out, err);
    if (vs == VX_OK && !o->dry_run) {
        if ((vs = vx_store_commit(st)) != VX_OK)
            vs = store_fail(err, st, vs, "allocate: commit");
    } else {
        vx_store_rollback(st);
    }
    out->sync.complete = true;
    if (vs == VX_OK && !o->dry_run && o->sink)
        sync_supply(o, c, out);
    free(c->sites.v);
    free(c);
    if (vs != VX_OK)
        vx_plan_alloc_result_free(out);
    return vs;
}

/* ------------------------------------------------------------------ re-planning */

struct book_pick {
    struct vx_plan_cancel *out;
    long long want, got;
};

static int pick_booking(void *ctx, const struct vx_plan_booking_rec *r)
{
    struct book_pick *p = ctx;
    if (p->got >= p->want)
        return 1;
    struct vx_plan_cancel *c = &p->out[p->got++];
    memset(c, 0, sizeof *c);
    c->booking_id = r->booking_id;
    c->pair_id = r->pair_id;
    c->person_id = r->person_id;
    c->site_id = r->site_id;
    c->day = r->day;
    return p->got >= p->want;
}

struct cur_one {
    struct vx_isoweek week;
    const char *region;
    bool actual;
    long long doses;
};

static int cur_one(void *ctx, const struct vx_delivery_rec *r)
{
    struct cur_one *c = ctx;
    if (r->actual == c->actual && strcmp(r->region, c->region) == 0 &&
        vx_isoweek_cmp(r->week, c->week) == 0)
        c->doses = r->doses;
    return 0;
}

static enum vx_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return VX_OK;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return VX_ENOMEM;
    *p = q;
    *cap = n;
    return VX_OK;
}

/* Re-plan one site; appends to out's change and cancel lists. */
static enum vx_status replan_site(struct vx_store *st, const struct vx_plan_db_opts *o,
                                  const struct site_load *s, const long long *supply_new,
                                  int interval, struct vx_plan_replan_db_result *out,
                                  size_t *cap_ch, size_t *cap_ca, struct vx_err *err)
{
    struct vx_replan_week w[VX_PLAN_DB_WEEKS];
    memset(w, 0, sizeof w);
    vx_day monday = monday_of(o->week);
    long long given = 0;
    enum vx_status vs =
        st->ops->plan->doses_count(st, "", s->site_id, o->vaccine, day_start(monday), &given, NULL);
    if (vs != VX_OK)
        return store_fail(err, st, vs, "dose counts");
    long long stock = s->supply_before - given > 0 ? s->supply_before - given : 0;
    /* places the OLD supply released: free places while the old cumulative stock lasts */
    long long cum_old = stock;
    bool any = false;
    for (int k = 0; k < VX_PLAN_DB_WEEKS; k++) {
        w[k].supply = supply_new[k];
        w[k].booked1 = s->booked1[k];
        w[k].booked2 = s->booked2[k];
        long long used = s->booked1[k] + s->booked2[k] + s->linked2[k];
        long long free_places = s->capacity[k] - used > 0 ? s->capacity[k] - used : 0;
        cum_old += s->supply_old[k] - used;
        long long open = cum_old > 0 ? (free_places < cum_old ? free_places : cum_old) : 0;
        cum_old -= open;
        w[k].open1 = open;
        w[k].unreleased1 = free_places - open;
        if (supply_new[k] != s->supply_old[k])
            any = true;
    }
    if (!any)
        return VX_OK; /* the site's supply did not change: nothing to re-plan */
    /* The same book against the OLD supply is the baseline: the change list holds only what
     * the new figure adds (places the old plan left open for want of a later delivery that
     * is simply not known yet are not the cut's doing). */
    struct vx_replan_week base[VX_PLAN_DB_WEEKS];
    memcpy(base, w, sizeof base);
    for (int k = 0; k < VX_PLAN_DB_WEEKS; k++)
        base[k].supply = s->supply_old[k];
    struct vx_replan_result res, res0;
    if ((vs = vx_plan_replan(stock, interval, w, VX_PLAN_DB_WEEKS, &res, err)) != VX_OK ||
        (vs = vx_plan_replan(stock, interval, base, VX_PLAN_DB_WEEKS, &res0, err)) != VX_OK)
        return vs;
    for (int k = 0; k < VX_PLAN_DB_WEEKS; k++) {
        struct vx_replan_week *x = &w[k];
        const struct vx_replan_week *b = &base[k];
        x->close_unreleased = x->close_unreleased > b->close_unreleased
                                  ? x->close_unreleased - b->close_unreleased
                                  : 0;
        x->close_open = x->close_open > b->close_open ? x->close_open - b->close_open : 0;
        x->cancel1 = x->cancel1 > b->cancel1 ? x->cancel1 - b->cancel1 : 0;
        x->short2 = x->short2 > b->short2 ? x->short2 - b->short2 : 0;
        if (x->cancel1 == 0)
            x->moved_to = -1;
        out->totals.closed_slots += x->close_unreleased + x->close_open;
        out->totals.cancelled += x->cancel1;
        out->totals.moved += x->moved_to >= 0 ? x->cancel1 : 0;
        out->totals.uncovered2 += x->short2;
    }
    for (int k = 0; k < VX_PLAN_DB_WEEKS; k++) {
        const struct vx_replan_week *x = &w[k];
        if (x->close_unreleased == 0 && x->close_open == 0 && x->cancel1 == 0 && x->short2 == 0 &&
            supply_new[k] == s->supply_old[k])
            continue;
        if (grow((void **)&out->changes, cap_ch, out->n_changes + 1, sizeof *out->changes))
            return vx_err_set(err, VX_ENOMEM, "replan: out of memory");
        struct vx_plan_change *c = &out->changes[out->n_changes++];
        memset(c, 0, sizeof *c);
        c->site_id = s->site_id;
        snprintf(c->region, sizeof c->region, "%s", s->region);
        c->week = week_plus(o->week, k);
        c->supply_before = s->supply_old[k];
        c->supply_after = supply_new[k];
        c->close_unreleased = x->close_unreleased;
        c->close_open = x->close_open;
        c->cancel1 = x->cancel1;
        c->short2 = x->short2;
        c->moved = x->moved_to >= 0;
        if (c->moved)
            c->moved_to = week_plus(o->week, x->moved_to);
        if (x->cancel1 == 0)
            continue;
        /* the newest dose-1 bookings of the site and week */
        if (grow((void **)&out->cancels, cap_ca, out->n_cancels + (size_t)x->cancel1,
                 sizeof *out->cancels))
            return vx_err_set(err, VX_ENOMEM, "replan: out of memory");
        struct book_pick p = {.out = out->cancels + out->n_cancels, .want = x->cancel1};
        vx_day mon = monday + 7 * k;
        if ((vs = st->ops->plan->dose1_bookings(st, s->site_id, o->vaccine, mon, mon + 6,
                                                pick_booking, &p)) != VX_OK)
            return store_fail(err, st, vs, "dose-1 bookings");
        for (long long i = 0; i < p.got; i++) {
            struct vx_plan_cancel *cc = &p.out[i];
            cc->proposed = c->moved;
            cc->proposed_week = c->moved_to;
            cc->synced = VX_OK;
            if (o->sink) /* through the sink after the commit (sync_cancels) */
                continue;
            vs = st->ops->booking_set_status(st, cc->booking_id, VX_BOOKING_CANCELLED, o->now);
            if (vs == VX_OK && cc->pair_id)
                vs = st->ops->booking_set_status(st, cc->pair_id, VX_BOOKING_CANCELLED, o->now);
            struct vx_audit_rec a;
            memset(&a, 0, sizeof a);
            a.at = o->now;
            snprintf(a.actor, sizeof a.actor, "%s", o->who[0] ? o->who : "cli:plan");
            snprintf(a.role, sizeof a.role, "%s", o->role);
            snprintf(a.action, sizeof a.action, "booking.cancel");
            snprintf(a.object, sizeof a.object, "person:%lld", (long long)cc->person_id);
            snprintf(a.detail, sizeof a.detail,
                     "re-plan after a delivery change: booking %lld (dose 2: %lld) cancelled",
                     (long long)cc->booking_id, (long long)cc->pair_id);
            for (size_t r = 0; r < sizeof a.region - 1 && r < 2; r++)
                a.region[r] = s->region[r];
            if (vs == VX_OK)
                vs = st->ops->audit_append(st, &a);
            if (vs != VX_OK)
                return store_fail(err, st, vs, "cancel booking");
        }
        out->n_cancels += (size_t)p.got;
    }
    return VX_OK;
}

/* After the planner's commit: every cancellation through o->sink, in list order. */
static void sync_cancels(const struct vx_plan_db_opts *o, struct vx_plan_replan_db_result *out)
{
    struct vx_plan_sync *y = &out->sync;
    for (size_t i = 0; i < out->n_cancels; i++) {
        struct vx_plan_cancel *cc = &out->cancels[i];
        struct vx_err e = {0};
        enum vx_status vs = o->sink->cancel(o->sink->ctx, cc, o, &e);
        cc->synced = vs;
        if (vs == VX_OK) {
            y->cancelled++;
        } else if (vs == VX_ENOTFOUND) {
            y->cancel_skipped++;
        } else {
            y->cancel_failed++;
            sync_error(y, "cancel booking", (long long)cc->booking_id, &e, vs);
        }
    }
}

enum vx_status vx_plan_db_replan(struct vx_store *st, const struct vx_catalog *cat,
                                 const struct vx_plan_db_opts *o, long long doses,
                                 const char *reason, struct vx_plan_replan_db_result *out,
                                 struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    enum vx_status vs = check_opts(o, err);
    if (vs != VX_OK)
        return vs;
    if (doses < 0 || doses > 1000000000LL)
        return vx_err_set(err, VX_EINVAL, "doses: expected 0..1000000000");
    if (vx_catalog_find(cat, o->vaccine) == NULL)
        return vx_err_set(err, VX_EINVAL, "vaccine: '%.16s' is not in the catalogue", o->vaccine);
    const char *only = o->region[0] ? o->region : NULL;
    struct alloc_ctx *c = calloc(1, sizeof *c);
    struct sites old = {0};
    if (c == NULL)
        return vx_err_set(err, VX_ENOMEM, "replan: out of memory");
    if ((vs = vx_store_begin(st)) != VX_OK) {
        free(c);
        return store_fail(err, st, vs, "replan: begin");
    }
    /* 1. the figure: old -> new */
    struct cur_one cur = {o->week, o->region, o->actual, -1};
    vs = st->ops->plan->delivery_foreach(st, o->vaccine, cur_one, &cur);
    if (vs != VX_OK) {
        vs = store_fail(err, st, vs, "replan: deliveries");
        goto done;
    }
    out->doses_before = cur.doses;
    out->doses_after = doses;
    struct vx_delivery_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.week = o->week;
    snprintf(rec.vaccine, sizeof rec.vaccine, "%s", o->vaccine);
    snprintf(rec.region, sizeof rec.region, "%s", o->region);
    rec.actual = o->actual;
    rec.doses = doses;
    rec.revised_at = o->now;
    snprintf(rec.revised_by, sizeof rec.revised_by, "%s", o->who[0] ? o->who : "cli:plan");
    snprintf(rec.source, sizeof rec.source, "manual");
    if ((vs = st->ops->plan->delivery_put(st, &rec, reason ? reason : "replan", NULL, NULL)) !=
        VX_OK) {
        vs = vx_err_set(err, vs == VX_EINVAL ? VX_EINVAL : vs, "%s", st->err);
        goto done;
    }
    /* 2. the old supply of every affected site */
    if ((vs = load_sites(st, only ? only : "", o->vaccine, o->week, &old, err)) != VX_OK)
        goto done;
    /* 3. re-allocate the week with the new figure (written in this transaction) */
    if ((vs = alloc_compute(st, cat, o, only, doses, c, &out->alloc, err)) != VX_OK ||
        (vs = alloc_write(st, o, only, c, &out->alloc, err)) != VX_OK)
        goto done;
    /* 4. each site against its new supply */
    size_t cap_ch = 0, cap_ca = 0;
    for (size_t i = 0; i < old.n && vs == VX_OK; i++) {
        struct site_load *s = &old.v[i];
        long long supply_new[VX_PLAN_DB_WEEKS];
        memcpy(supply_new, s->supply_old, sizeof supply_new);
        for (size_t j = 0; j < out->alloc.n_sites; j++)
            if (out->alloc.sites[j].site_id == s->site_id)
                supply_new[0] = out->alloc.sites[j].doses + s->delivered0;
        vs = replan_site(st, o, s, supply_new, c->interval, out, &cap_ch, &cap_ca, err);
    }
done:
    if (vs == VX_OK && !o->dry_run) {
        if ((vs = vx_store_commit(st)) != VX_OK)
            vs = store_fail(err, st, vs, "replan: commit");
    } else {
        vx_store_rollback(st);
    }
    out->sync.complete = out->alloc.sync.complete = true;
    if (vs == VX_OK && !o->dry_run && o->sink) {
        /* supply first: the engine stops releasing what the cut no longer covers before
         * the cancellations give places back */
        sync_supply(o, c, &out->alloc);
        out->sync = out->alloc.sync;
        sync_cancels(o, out);
    }
    free(old.v);
    free(c->sites.v);
    free(c);
    if (vs != VX_OK)
        vx_plan_replan_db_result_free(out);
    return vs;
}

/* ------------------------------------------------------------------ projection */

enum vx_status vx_plan_db_scenario(struct vx_store *st, const struct vx_catalog *cat,
                                   const char *region, vx_day ref, double scale,
                                   struct vx_plan_scenario *s, struct vx_err *err)
{
    static const char *const vaccines[] = {"COM", "MOD", "AZ"};
    static const struct {
        int lo, hi;
    } groups[VX_PLAN_GROUPS] = {{80, 130}, {65, 79}, {18, 64}};
    memset(s, 0, sizeof *s);
    vx_plan_scenario_defaults(s);
    struct figs *f = calloc(VX_ARRAY_LEN(vaccines), sizeof *f);
    struct ages *a = calloc(1, sizeof *a);
    enum vx_status vs = VX_OK;
    if (f == NULL || a == NULL) {
        vs = vx_err_set(err, VX_ENOMEM, "projection: out of memory");
        goto out;
    }
    bool any = false;
    struct vx_isoweek w0 = {0, 0};
    int last = 0;
    for (size_t v = 0; v < VX_ARRAY_LEN(vaccines) && vs == VX_OK; v++) {
        if ((vs = load_figs(st, vaccines[v], &f[v], err)) != VX_OK || !f[v].any)
            continue;
        if (!any || vx_isoweek_cmp(f[v].w0, w0) < 0)
            w0 = f[v].w0;
        any = true;
    }
    if (vs != VX_OK)
        goto out;
    if (!any) {
        vs = vx_err_set(err, VX_ENOTFOUND, "projection: no deliveries stored");
        goto out;
    }
    for (size_t v = 0; v < VX_ARRAY_LEN(vaccines); v++)
        if (f[v].any) {
            int end = (int)((monday_of(f[v].w0) - monday_of(w0)) / 7) + f[v].n;
            if (end > last)
                last = end;
        }
    if ((vs = st->ops->plan->age_foreach(st, ref, age_add, a)) != VX_OK) {
        vs = store_fail(err, st, vs, "ages");
        goto out;
    }
    long long adults = 0;
    for (size_t r = 0; r < a->n; r++)
        adults += ages_sum(a, r, 18, 130);
    if (adults == 0) {
        vs = vx_err_set(err, VX_ENOTFOUND, "projection: the database has no adults");
        goto out;
    }
    if (!(scale > 0))
        scale = (double)adults / (double)VX_PLAN_SE_ADULTS_2020;
    /* one region: its share of each delivery */
    double share_r = 1.0;
    long long region_adults = 0;
    for (size_t r = 0; r < a->n; r++) {
        if (region && region[0] && strcmp(region, a->code[r]) != 0)
            continue;
        if (s->n_regions >= VX_PLAN_MAX_REGIONS)
            break;
        struct vx_plan_region *pr = &s->regions[s->n_regions++];
        snprintf(pr->code, sizeof pr->code, "%s", a->code[r]);
        for (int g = 0; g < VX_PLAN_GROUPS; g++)
            pr->people[g] = ages_sum(a, r, groups[g].lo, groups[g].hi);
        region_adults += ages_sum(a, r, 18, 130);
        for (int t = 0; t < VX_PLAN_MAX_WEEKS; t++)
            pr->weight_by_week[t] = ages_sum(a, r, 18, 130);
    }
    if (s->n_regions == 0) {
        vs = vx_err_set(err, VX_ENOTFOUND, "region: no persons of region '%.2s'",
                        region ? region : "");
        goto out;
    }
    if (region && region[0])
        share_r = (double)region_adults / (double)adults;
    s->week0 = w0;
    s->n_weeks = last < 1 ? 1 : last > VX_PLAN_MAX_WEEKS ? VX_PLAN_MAX_WEEKS : last;
    s->eval_weeks = s->n_weeks < 26 ? s->n_weeks : 26;
    for (size_t v = 0; v < VX_ARRAY_LEN(vaccines); v++) {
        const struct vx_product *p = vx_catalog_find(cat, vaccines[v]);
        if (!f[v].any || p == NULL || s->n_vaccines >= VX_PLAN_MAX_VACCINES)
            continue;
        struct vx_plan_vaccine *pv = &s->vaccines[s->n_vaccines++];
        snprintf(pv->code, sizeof pv->code, "%s", vaccines[v]);
        vx_day on = monday_of(f[v].w0);
        pv->interval_weeks = interval_weeks(p, on);
        pv->max_interval_weeks = pv->interval_weeks + 3;
        pv->vial_doses = vx_product_doses_per_vial(p, on, true);
        if (pv->vial_doses < 1)
            pv->vial_doses = 1;
        long off = (monday_of(f[v].w0) - monday_of(w0)) / 7;
        for (int t = 0; t < s->n_weeks; t++) {
            long long d = fig_at(&f[v], t - off);
            pv->actual[t] = d > 0 ? llround((double)d * scale * share_r) : 0;
            long long fc = t - off >= 0 && t - off < f[v].n ? f[v].forecast[t - off] : -1;
            pv->forecast[t] = fc >= 0 ? llround((double)fc * scale * share_r) : -1;
            pv->forecast_lead[t] = 1;
        }
    }
out:
    free(f);
    free(a);
    return vs;
}
