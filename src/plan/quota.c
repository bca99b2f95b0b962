/*
 * quota.c — dose-2 policies (one week's dose-1 quota) and the planner's random numbers.
 *
 * Design. A quota decision is a one-variable LP that has a closed form, so no solver is
 * needed here: with s = stock left after this week's dose 2, A(k) = s + sum_{1..k} f*supply
 * - sum_{1..k} due2 - overdue (f_k = 1 - safety x sqrt(k): the forecast error grows with
 * the lead time, so does the safety stock), the dose-1 quota q must satisfy q <= A(k) for
 * k < interval (the doses are used now) and 2q <= A(k) for k >= interval (their dose 2
 * falls due at `interval`). The largest such q (capped by capacity and demand) is the
 * forecast-aware set-aside of Shumsky et al. (2021): only what the discounted forecast
 * cannot cover is held. Holding all is the same with f = 0; holding none drops the
 * constraints. If actual supply never falls below (1 - safety) x expected, q = 0 stays feasible in
 * every later week, so by induction no booked dose 2 is ever without stock.
 *
 * The random numbers are xoshiro256** (Blackman & Vigna) seeded by splitmix64, so a seed
 * gives the same Monte-Carlo bands on every platform.
 */
#include "vx/plan.h"
#include <math.h>
#include <string.h>

static const char *const policy_names[VX_PLAN_N_POLICIES] = {
    [VX_PLAN_HOLD_ALL] = "hold-all",
    [VX_PLAN_HOLD_NONE] = "hold-none",
    [VX_PLAN_FORECAST] = "forecast",
    [VX_PLAN_PERFECT] = "perfect",
};

const char *vx_plan_policy_name(enum vx_plan_policy p)
{
    return (unsigned)p < VX_PLAN_N_POLICIES ? policy_names[p] : "?";
}

enum vx_status vx_plan_policy_parse(const char *s, enum vx_plan_policy *out, struct vx_err *err)
{
    for (int i = 0; i < VX_PLAN_N_POLICIES; i++)
        if (s && strcmp(s, policy_names[i]) == 0) {
            *out = (enum vx_plan_policy)i;
            return VX_OK;
        }
    return vx_err_set(err, VX_EINVAL,
                      "policy '%.32s': expected hold-all, hold-none, forecast or perfect",
                      s ? s : "");
}

static long long min_ll(long long a, long long b)
{
    return a < b ? a : b;
}

enum vx_status vx_plan_quota(enum vx_plan_policy policy, const struct vx_quota_in *in,
                             struct vx_quota_out *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)policy >= VX_PLAN_N_POLICIES)
        return vx_err_set(err, VX_EINVAL, "policy %d: unknown", (int)policy);
    if (in->stock < 0 || in->capacity < 0 || in->demand < 0)
        return vx_err_set(err, VX_EINVAL, "stock, capacity and demand must not be negative");
    if (in->horizon < 1 || in->horizon > VX_PLAN_HORIZON)
        return vx_err_set(err, VX_EINVAL, "horizon %d: expected 1..%d", in->horizon,
                          VX_PLAN_HORIZON);
    if (in->interval < 1 || in->interval >= in->horizon)
        return vx_err_set(err, VX_EINVAL, "interval %d: expected 1..horizon-1 (%d)", in->interval,
                          in->horizon - 1);
    if (!(in->safety >= 0.0 && in->safety <= 1.0))
        return vx_err_set(err, VX_EINVAL, "safety %g: expected 0..1", in->safety);
    for (int k = 0; k < in->horizon; k++)
        if ((in->due2 && in->due2[k] < 0) || (in->supply && in->supply[k] < 0))
            return vx_err_set(err, VX_EINVAL, "week +%d: negative due dose 2 or supply", k);

    long long due0 = in->due2 ? in->due2[0] : 0;
    out->dose2 = min_ll(due0, min_ll(in->stock, in->capacity));
    long long s = in->stock - out->dose2;
    long long cap1 = in->capacity - out->dose2;
    long long overdue = due0 - out->dose2; /* must be served first next week */
    long long q = min_ll(cap1, in->demand);

    if (policy != VX_PLAN_HOLD_NONE) {
        long long avail = s - overdue;
        q = min_ll(q, avail);
        for (int k = 1; k < in->horizon; k++) {
            /* forecast error grows with the lead: rely on 1 - safety x sqrt(k) of it */
            double f = 1.0 - in->safety * sqrt((double)k);
            if (policy == VX_PLAN_HOLD_ALL || f < 0)
                f = 0.0;
            else if (policy == VX_PLAN_PERFECT)
                f = 1.0;
            long long sup = in->supply ? in->supply[k] : 0;
            avail += (long long)floor(f * (double)sup + 1e-9) - (in->due2 ? in->due2[k] : 0);
            long long lim = k < in->interval ? avail : avail / 2;
            if (avail < 0)
                lim = k < in->interval ? avail : -((-avail + 1) / 2);
            q = min_ll(q, lim);
        }
    } else {
        q = min_ll(q, s);
    }
    if (q < 0)
        q = 0;
    out->dose1 = q;
    out->reserve = s - q;
    return VX_OK;
}

/* ---- random numbers ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void vx_rng_seed(struct vx_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t vx_rng_next(struct vx_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double vx_rng_uniform(struct vx_rng *r)
{
    return (double)(vx_rng_next(r) >> 11) * 0x1.0p-53;
}

double vx_rng_normal(struct vx_rng *r)
{
    double u1 = vx_rng_uniform(r), u2 = vx_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
