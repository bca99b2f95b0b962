/*
 * replay.c — the weekly campaign simulator behind `vaxchain plan replay` and the
 * Monte-Carlo projection.
 *
 * Design. One run walks the weeks of a scenario. Each week, per vaccine, the national
 * delivery is shared among the regions in whole vials by the quota method of core/alloc.c
 * (a basis change starts a new cumulative target). Per region and vaccine the run keeps the
 * stock and, per dose-1 week, the people still owed a dose 2 (a FIFO by dose-1 week, so
 * lateness beyond the maximum interval is measured exactly). A region books next week's
 * dose-1 appointments from what it knows a week ahead (the published forecast where one was
 * known that early, else the run rate: the smallest of the last few actual weeks; PERFECT
 * knows the truth), then executes with the actual delivery: dose 2 first, the dose-1 quota
 * of its policy (plan.h), cancelling booked dose 1 it can no longer cover. Sites open whole
 * vials; no-shows leave doses in open vials, which standby lists partly fill (dose 1) and
 * the rest is wasted; missed dose 2 are rebooked the next week. Capacity per region is
 * shared by the vaccines in catalogue order. People take dose 1 oldest group first.
 *
 * Everything is integer arithmetic on doses except the documented shares, so a run is
 * deterministic; the projection perturbs deliveries with a seeded generator.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "vx/alloc.h"
#include "vx/plan.h"

void vx_plan_scenario_defaults(struct vx_plan_scenario *s)
{
    memset(s, 0, sizeof *s);
    s->eval_weeks = 26;
    s->capacity_per_1000 = 120.0;
    s->uptake = 0.88;
    s->no_show = 0.03;
    s->yield_factor = 1.0;
    s->standby_fill = 0.7;
    s->site_day_doses = 300;
    s->safety = 0.30;
    s->run_rate_weeks = 3;
}

double vx_plan_late_pct(const struct vx_plan_outcome *o)
{
    long long d = o->dose2_given + o->dose2_late_owed;
    return d > 0 ? 100.0 * (double)o->dose2_late / (double)d : 0.0;
}

double vx_plan_waste_pct(const struct vx_plan_outcome *o)
{
    long long used = o->given + o->wasted;
    return used > 0 ? 100.0 * (double)o->wasted / (double)used : 0.0;
}

/* Per region x vaccine state. */
struct point {
    long long stock;
    long long owed[VX_PLAN_MAX_WEEKS]; /* by dose-1 week: people owed dose 2 */
};

struct run {
    const struct vx_plan_scenario *s;
    enum vx_plan_policy policy;
    const long long (*actual)[VX_PLAN_MAX_WEEKS]; /* per vaccine (perturbed in projections) */
    struct point pt[VX_PLAN_MAX_REGIONS][VX_PLAN_MAX_VACCINES];
    long long given1[VX_PLAN_MAX_REGIONS][VX_PLAN_GROUPS];
    long long weight[VX_PLAN_MAX_REGIONS];
    long long total_weight;
};

/* National deliveries of vaccine v in week u as believed at the end of week `info`. */
static long long expect(const struct run *r, size_t v, int u, int info)
{
    const struct vx_plan_vaccine *vc = &r->s->vaccines[v];
    if (u >= r->s->n_weeks)
        u = r->s->n_weeks - 1; /* beyond the series: as its last week */
    if (r->policy == VX_PLAN_PERFECT || u <= info)
        return r->actual[v][u];
    if (vc->forecast[u] >= 0 && u - vc->forecast_lead[u] <= info)
        return vc->forecast[u];
    long long rr = -1;
    for (int i = info; i >= 0 && i > info - r->s->run_rate_weeks; i--)
        if (rr < 0 || r->actual[v][i] < rr)
            rr = r->actual[v][i];
    return rr < 0 ? 0 : rr;
}

/* Region g's share of a national figure for week u, by the basis of week u, less one vial
 * (the quota method keeps the cumulative allocation within one package of exact). */
static long long region_share(const struct run *r, size_t g, long long national, int u, int vial)
{
    const struct vx_plan_scenario *s = r->s;
    if (u >= s->n_weeks)
        u = s->n_weeks - 1;
    long long tot = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        tot += s->regions[i].weight_by_week[u];
    if (tot <= 0)
        return 0;
    long long x =
        (long long)((double)national * (double)s->regions[g].weight_by_week[u] / (double)tot);
    x -= vial;
    return x > 0 ? x : 0;
}

static void due_vector(const struct run *r, const struct point *p, int t, int L, long long *due2,
                       int H)
{
    memset(due2, 0, (size_t)H * sizeof *due2);
    for (int t1 = 0; t1 < t; t1++) {
        if (p->owed[t1] == 0)
            continue;
        int k = t1 + L - t;
        due2[k < 0 ? 0 : k] += k < H ? p->owed[t1] : 0;
    }
    (void)r;
}

/* Whole vials: the doses drawn for dose2 + q, never fewer than dose2, within stock. */
static long long vial_round(long long dose2, long long q, long long stock, int vial)
{
    long long b = (dose2 + q) / vial * vial;
    if (b < dose2)
        b = dose2;
    return b < stock ? b : stock;
}

static long long people_left(const struct run *r, size_t g)
{
    long long left = 0;
    for (int k = 0; k < VX_PLAN_GROUPS; k++) {
        long long want = (long long)((double)r->s->regions[g].people[k] * r->s->uptake);
        if (want > r->given1[g][k])
            left += want - r->given1[g][k];
    }
    return left;
}

static void give_dose1(struct run *r, size_t g, long long n)
{
    for (int k = 0; k < VX_PLAN_GROUPS && n > 0; k++) {
        long long want = (long long)((double)r->s->regions[g].people[k] * r->s->uptake);
        long long room = want - r->given1[g][k];
        long long x = room < n ? room : n;
        if (x > 0) {
            r->given1[g][k] += x;
            n -= x;
        }
    }
}

static enum vx_status check_scenario(const struct vx_plan_scenario *s, struct vx_err *err)
{
    if (s->n_weeks < 1 || s->n_weeks > VX_PLAN_MAX_WEEKS)
        return vx_err_set(err, VX_EINVAL, "scenario: %d weeks (1..%d)", s->n_weeks,
                          VX_PLAN_MAX_WEEKS);
    if (s->n_vaccines < 1 || s->n_vaccines > VX_PLAN_MAX_VACCINES || s->n_regions < 1 ||
        s->n_regions > VX_PLAN_MAX_REGIONS)
        return vx_err_set(err, VX_EINVAL, "scenario: %zu vaccines, %zu regions", s->n_vaccines,
                          s->n_regions);
    if (s->eval_weeks < 1 || s->eval_weeks > s->n_weeks)
        return vx_err_set(err, VX_EINVAL, "scenario: eval_weeks %d outside 1..%d", s->eval_weeks,
                          s->n_weeks);
    if (!(s->uptake > 0 && s->uptake <= 1) || !(s->no_show >= 0 && s->no_show < 1) ||
        !(s->yield_factor > 0 && s->yield_factor <= 1) ||
        !(s->standby_fill >= 0 && s->standby_fill <= 1) || !(s->safety >= 0 && s->safety <= 1) ||
        !(s->capacity_per_1000 >= 0) || s->site_day_doses < 1 || s->run_rate_weeks < 1)
        return vx_err_set(err, VX_EINVAL,
                          "scenario: a parameter is outside its range "
                          "(uptake, no_show, yield, standby, safety, capacity)");
    for (size_t v = 0; v < s->n_vaccines; v++) {
        const struct vx_plan_vaccine *vc = &s->vaccines[v];
        if (vc->interval_weeks < 1 || vc->interval_weeks >= VX_PLAN_HORIZON - 1 ||
            vc->max_interval_weeks < vc->interval_weeks || vc->vial_doses < 1)
            return vx_err_set(err, VX_EINVAL, "vaccine %s: interval %d, max %d, vial %d", vc->code,
                              vc->interval_weeks, vc->max_interval_weeks, vc->vial_doses);
        for (int t = 0; t < s->n_weeks; t++)
            if (vc->actual[t] < 0)
                return vx_err_set(err, VX_EINVAL, "vaccine %s week %d: negative delivery", vc->code,
                                  t);
    }
    return VX_OK;
}

/* The basis of week t into r->weight; true when it changed from the previous week. */
static bool load_weights(struct run *r, int t)
{
    bool changed = false;
    long long tot = 0;
    for (size_t g = 0; g < r->s->n_regions; g++) {
        long long w = r->s->regions[g].weight_by_week[t];
        changed |= w != r->weight[g];
        r->weight[g] = w;
        tot += w;
    }
    r->total_weight = tot;
    return changed;
}

static enum vx_status run_replay(struct run *r, struct vx_plan_outcome *o, struct vx_err *err)
{
    const struct vx_plan_scenario *s = r->s;
    memset(o, 0, sizeof *o);
    o->policy = r->policy;
    o->n_weeks = s->n_weeks;
    struct vx_alloc alloc[VX_PLAN_MAX_VACCINES];
    long long wp[VX_ALLOC_MAX_REGIONS];
    long long due2[VX_PLAN_HORIZON], sup[VX_PLAN_HORIZON];
    long long min_stock = 0;
    enum vx_status st;
    for (int t = 0; t < s->n_weeks; t++) {
        bool rebase = load_weights(r, t);
        if (r->total_weight <= 0)
            return vx_err_set(err, VX_EINVAL, "week %d: the allocation basis is zero", t);
        long long d[VX_PLAN_MAX_VACCINES][VX_PLAN_MAX_REGIONS];
        for (size_t v = 0; v < s->n_vaccines; v++) {
            if (t == 0)
                st = vx_alloc_init(&alloc[v], s->n_regions, r->weight, s->vaccines[v].vial_doses,
                                   err);
            else
                st = rebase ? vx_alloc_rebase(&alloc[v], r->weight, err) : VX_OK;
            if (st != VX_OK || (st = vx_alloc_week(&alloc[v], r->actual[v][t], wp, err)) != VX_OK)
                return st;
            for (size_t g = 0; g < s->n_regions; g++)
                d[v][g] = wp[g] * s->vaccines[v].vial_doses;
        }
        for (size_t g = 0; g < s->n_regions; g++) {
            long long adults = 0;
            for (int k = 0; k < VX_PLAN_GROUPS; k++)
                adults += s->regions[g].people[k];
            long long cap = (long long)(s->capacity_per_1000 * (double)adults / 1000.0);
            for (size_t v = 0; v < s->n_vaccines; v++) {
                const struct vx_plan_vaccine *vc = &s->vaccines[v];
                struct point *p = &r->pt[g][v];
                int L = vc->interval_weeks, vial = vc->vial_doses;
                int H = s->n_weeks - t + L + 1;
                if (H > VX_PLAN_HORIZON)
                    H = VX_PLAN_HORIZON;
                due_vector(r, p, t, L, due2, H);
                long long demand = people_left(r, g);
                /* Booking, a week ahead: this week's delivery as expected at t-1. */
                long long exp_d = region_share(r, g, expect(r, v, t, t - 1), t, vial);
                /* book on the safe side of the forecast; more arriving is released late in
                 * the week, less means cancellations */
                if (r->policy != VX_PLAN_PERFECT)
                    exp_d = (long long)((double)exp_d * (1.0 - s->safety));
                for (int k = 0; k < H; k++)
                    sup[k] =
                        k == 0 ? 0 : region_share(r, g, expect(r, v, t + k, t - 1), t + k, vial);
                struct vx_quota_in in = {.stock = p->stock + exp_d,
                                         .capacity = cap,
                                         .demand = demand,
                                         .due2 = due2,
                                         .supply = sup,
                                         .horizon = H,
                                         .interval = L,
                                         .safety = s->safety};
                struct vx_quota_out qb, qa;
                if ((st = vx_plan_quota(r->policy, &in, &qb, err)) != VX_OK)
                    return st;
                long long booked = vial_round(qb.dose2, qb.dose1, in.stock, vial) - qb.dose2;
                if (booked < 0)
                    booked = 0;
                /* The delivery arrives. */
                long long got = (long long)((double)d[v][g] * s->yield_factor);
                o->wasted += d[v][g] - got;
                p->stock += got;
                for (int k = 1; k < H; k++)
                    sup[k] = region_share(r, g, expect(r, v, t + k, t), t + k, vial);
                in.stock = p->stock;
                if ((st = vx_plan_quota(r->policy, &in, &qa, err)) != VX_OK)
                    return st;
                if (qa.dose2 < due2[0] && qa.dose2 < cap && p->stock < due2[0])
                    o->uncovered2 += due2[0] - qa.dose2;
                long long drawn = vial_round(qa.dose2, qa.dose1, p->stock, vial);
                long long q = drawn - qa.dose2;
                if (q < 0)
                    q = 0;
                if (q < booked)
                    o->cancelled += booked - q;
                long long ns2 = llround((double)qa.dose2 * s->no_show);
                long long ns1 = llround((double)q * s->no_show);
                long long att2 = qa.dose2 - ns2, att1 = q - ns1;
                long long left = ns1 + ns2;
                long long standby = llround((double)left * s->standby_fill);
                if (standby > demand - att1)
                    standby = demand - att1 > 0 ? demand - att1 : 0;
                o->wasted += left - standby;
                long long n1 = att1 + standby;
                give_dose1(r, g, n1);
                p->owed[t] += n1;
                /* dose 2: the oldest owed first */
                long long n2 = att2;
                for (int t1 = 0; t1 < t && n2 > 0; t1++) {
                    if (t1 + L > t || p->owed[t1] == 0)
                        continue;
                    long long x = p->owed[t1] < n2 ? p->owed[t1] : n2;
                    p->owed[t1] -= x;
                    n2 -= x;
                    o->dose2_given += x;
                    if (t - t1 > vc->max_interval_weeks)
                        o->dose2_late += x;
                }
                o->given += n1 + (att2 - n2);
                p->stock -= drawn;
                if (p->stock < min_stock)
                    min_stock = p->stock;
                cap -= drawn;
                if (cap < 0)
                    cap = 0;
                o->dose1[t] += n1;
                o->full[t] += att2 - n2;
            }
        }
        for (int k = 0; k < VX_PLAN_GROUPS; k++)
            for (size_t g = 0; g < s->n_regions; g++)
                o->dose1_group[k][t] += r->given1[g][k];
    }
    /* Still owed at the end and already past the maximum interval: late as well. */
    for (size_t g = 0; g < s->n_regions; g++)
        for (size_t v = 0; v < s->n_vaccines; v++)
            for (int t1 = 0; t1 < s->n_weeks; t1++)
                if (s->n_weeks - 1 - t1 > s->vaccines[v].max_interval_weeks) {
                    o->dose2_late += r->pt[g][v].owed[t1];
                    o->dose2_late_owed += r->pt[g][v].owed[t1];
                }
    for (int t = 1; t < s->n_weeks; t++) {
        o->dose1[t] += o->dose1[t - 1];
        o->full[t] += o->full[t - 1];
    }
    o->dose1_eval = o->dose1[s->eval_weeks - 1];
    o->min_stock = min_stock;
    return VX_OK;
}

/* The perfect-information LP bound of each region, summed. */
static enum vx_status lp_bound(const struct run *r, double *out, struct vx_err *err)
{
    const struct vx_plan_scenario *s = r->s;
    *out = 0;
    static const size_t nv_max = VX_PLAN_MAX_VACCINES;
    struct vx_alloc alloc[VX_PLAN_MAX_VACCINES];
    long long wp[VX_ALLOC_MAX_REGIONS], w[VX_PLAN_MAX_REGIONS];
    long long(*sup)[VX_PLAN_MAX_VACCINES][VX_PLAN_MAX_WEEKS] =
        calloc(VX_PLAN_MAX_REGIONS, sizeof *sup);
    if (sup == NULL)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    enum vx_status st = VX_OK;
    for (int t = 0; t < s->n_weeks && st == VX_OK; t++) {
        bool change = t == 0;
        for (size_t g = 0; g < s->n_regions; g++) {
            change |= w[g] != s->regions[g].weight_by_week[t];
            w[g] = s->regions[g].weight_by_week[t];
        }
        for (size_t v = 0; v < s->n_vaccines && st == VX_OK; v++) {
            if (t == 0)
                st = vx_alloc_init(&alloc[v], s->n_regions, w, s->vaccines[v].vial_doses, err);
            else if (change)
                st = vx_alloc_rebase(&alloc[v], w, err);
            if (st == VX_OK)
                st = vx_alloc_week(&alloc[v], r->actual[v][t], wp, err);
            for (size_t g = 0; g < s->n_regions && st == VX_OK; g++)
                sup[g][v][t] =
                    (long long)((double)(wp[g] * s->vaccines[v].vial_doses) * s->yield_factor);
        }
    }
    for (size_t g = 0; g < s->n_regions && st == VX_OK; g++) {
        const long long *sp[VX_PLAN_MAX_VACCINES];
        int iv[VX_PLAN_MAX_VACCINES];
        long long cap[VX_PLAN_MAX_WEEKS], adults = 0, want = 0;
        for (int k = 0; k < VX_PLAN_GROUPS; k++) {
            adults += s->regions[g].people[k];
            want += (long long)((double)s->regions[g].people[k] * s->uptake);
        }
        for (int t = 0; t < s->n_weeks; t++)
            cap[t] = (long long)(s->capacity_per_1000 * (double)adults / 1000.0);
        for (size_t v = 0; v < s->n_vaccines && v < nv_max; v++) {
            sp[v] = sup[g][v];
            iv[v] = s->vaccines[v].interval_weeks;
        }
        double b = 0;
        st = vx_plan_bound(s->n_vaccines, sp, iv, cap, (size_t)s->n_weeks, want,
                           (size_t)s->eval_weeks, &b, err);
        *out += b;
    }
    free(sup);
    return st;
}

static enum vx_status replay_with(const struct vx_plan_scenario *s, enum vx_plan_policy policy,
                                  const long long (*actual)[VX_PLAN_MAX_WEEKS], bool bound,
                                  struct vx_plan_outcome *out, struct vx_err *err)
{
    struct run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    r->s = s;
    r->policy = policy;
    r->actual = actual;
    enum vx_status st = run_replay(r, out, err);
    if (st == VX_OK && bound)
        st = lp_bound(r, &out->bound_eval, err);
    free(r);
    return st;
}

enum vx_status vx_plan_replay(const struct vx_plan_scenario *s, enum vx_plan_policy policy,
                              struct vx_plan_outcome *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)policy >= VX_PLAN_N_POLICIES)
        return vx_err_set(err, VX_EINVAL, "policy %d: unknown", (int)policy);
    enum vx_status st = check_scenario(s, err);
    if (st != VX_OK)
        return st;
    long long(*act)[VX_PLAN_MAX_WEEKS] = malloc(VX_PLAN_MAX_VACCINES * sizeof *act);
    if (act == NULL)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    for (size_t v = 0; v < s->n_vaccines; v++)
        memcpy(act[v], s->vaccines[v].actual, sizeof act[v]);
    st = replay_with(s, policy, (const long long(*)[VX_PLAN_MAX_WEEKS])act,
                     policy == VX_PLAN_PERFECT, out, err);
    free(act);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum vx_status vx_plan_project(const struct vx_plan_scenario *s, enum vx_plan_policy policy,
                               int from, double cv, int runs, uint64_t seed,
                               struct vx_plan_projection *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    enum vx_status st = check_scenario(s, err);
    if (st != VX_OK)
        return st;
    if (runs < 1 || runs > 1000 || !(cv >= 0 && cv <= 2) || from < 0 || from > s->n_weeks ||
        (unsigned)policy >= VX_PLAN_N_POLICIES)
        return vx_err_set(err, VX_EINVAL,
                          "projection: runs %d (1..1000), cv %g (0..2), "
                          "from week %d",
                          runs, cv, from);
    int n = s->n_weeks;
    double *d1 = malloc((size_t)runs * (size_t)n * sizeof *d1);
    double *fu = malloc((size_t)runs * (size_t)n * sizeof *fu);
    double *gr = malloc((size_t)runs * (size_t)n * VX_PLAN_GROUPS * sizeof *gr);
    long long(*act)[VX_PLAN_MAX_WEEKS] = malloc(VX_PLAN_MAX_VACCINES * sizeof *act);
    struct vx_plan_outcome *o = malloc(sizeof *o);
    double *col = malloc((size_t)runs * sizeof *col);
    if (!d1 || !fu || !gr || !act || !o || !col) {
        st = vx_err_set(err, VX_ENOMEM, "out of memory");
        goto out;
    }
    double sigma = sqrt(log(1.0 + cv * cv));
    struct vx_rng rng;
    vx_rng_seed(&rng, seed);
    for (int i = 0; i < runs; i++) {
        for (size_t v = 0; v < s->n_vaccines; v++)
            for (int t = 0; t < n; t++) {
                double m = 1.0;
                if (t >= from)
                    m = exp(sigma * vx_rng_normal(&rng) - sigma * sigma / 2);
                act[v][t] = llround((double)s->vaccines[v].actual[t] * m);
            }
        if ((st = replay_with(s, policy, (const long long(*)[VX_PLAN_MAX_WEEKS])act, false, o,
                              err)) != VX_OK)
            goto out;
        for (int t = 0; t < n; t++) {
            d1[(size_t)i * (size_t)n + (size_t)t] = (double)o->dose1[t];
            fu[(size_t)i * (size_t)n + (size_t)t] = (double)o->full[t];
            for (int k = 0; k < VX_PLAN_GROUPS; k++)
                gr[((size_t)k * (size_t)runs + (size_t)i) * (size_t)n + (size_t)t] =
                    (double)o->dose1_group[k][t];
        }
    }
    static const double pct[3] = {0.1, 0.5, 0.9};
    for (int t = 0; t < n; t++) {
        for (int which = 0; which < 2 + VX_PLAN_GROUPS; which++) {
            for (int i = 0; i < runs; i++) {
                size_t at = (size_t)i * (size_t)n + (size_t)t;
                col[i] = which == 0   ? d1[at]
                         : which == 1 ? fu[at]
                                      : gr[(size_t)(which - 2) * (size_t)runs * (size_t)n + at];
            }
            qsort(col, (size_t)runs, sizeof *col, cmp_double);
            for (int p = 0; p < 3; p++) {
                double v = col[(int)floor(pct[p] * (runs - 1) + 0.5)];
                if (which == 0)
                    out->dose1[p][t] = v;
                else if (which == 1)
                    out->full[p][t] = v;
                else if (p == 1)
                    out->group_p50[which - 2][t] = v;
            }
        }
    }
    for (int k = 0; k < VX_PLAN_GROUPS; k++) {
        for (size_t g = 0; g < s->n_regions; g++)
            out->group_people[k] += s->regions[g].people[k];
        for (int t = 0; t < n; t++)
            out->group_p50[k][t] = out->group_people[k] > 0
                                       ? out->group_p50[k][t] / (double)out->group_people[k]
                                       : 0.0;
    }
    out->n_weeks = n;
    out->runs = runs;
out:
    free(d1);
    free(fu);
    free(gr);
    free(act);
    free(o);
    free(col);
    return st;
}
