/*
 * replan.c — re-planning a stock point after a delivery change, with a change list.
 *
 * Design. The booking book of a point (a region or site, one vaccine) is aggregated per
 * week: deliveries, dose-1 places not yet released, released but unbooked places, booked
 * dose 1 and booked dose 2 of people who already had dose 1. A dose 1 in week j (booked or
 * a place that may be booked) uses a dose in week j and its dose 2 in week j + interval.
 * The plan is feasible when the cumulative stock S_k = stock + deliveries - doses used up to
 * week k is never negative.
 *
 * Walking k = 0, 1, ... the first deficit is removed by taking dose-1 places away in weeks
 * j <= k, cheapest first: unreleased places, then released unbooked places, and only then
 * booked dose 1 (a cancellation). Within a kind, weeks whose dose 2 also falls by k are taken
 * first (each frees two doses, so fewer people are touched), then the latest weeks (the
 * earliest throughput is kept). Booked dose 2 are never touched: a deficit that remains with
 * no dose 1 left is reported as uncovered dose 2 (only when a cut exceeds everything booked).
 * Cancelled bookings are then proposed in the first later week where they fit without making
 * any week negative. The greedy is exact for what it promises (no negative stock, fewest
 * dose-1 changes for the deficit in the order above); it is not a global optimum over all
 * orders, which the LP of solve.c is for.
 */
#include <string.h>
#include "vx/plan.h"

/* Doses week k uses. */
static long long use_in(const struct vx_replan_week *w, size_t k, int L)
{
    long long u = w[k].booked2 + w[k].booked1 + w[k].open1 + w[k].unreleased1;
    if (k >= (size_t)L) {
        const struct vx_replan_week *p = &w[k - (size_t)L];
        u += p->booked1 + p->open1 + p->unreleased1;
    }
    return u;
}

static long long *kind_field(struct vx_replan_week *w, int kind)
{
    return kind == 0 ? &w->unreleased1 : kind == 1 ? &w->open1 : &w->booked1;
}

static long long min_ll(long long a, long long b)
{
    return a < b ? a : b;
}

enum vx_status vx_plan_replan(long long stock, int interval, struct vx_replan_week *w, size_t n,
                              struct vx_replan_result *res, struct vx_err *err)
{
    memset(res, 0, sizeof *res);
    if (n == 0 || n > VX_PLAN_HORIZON || interval < 1 || stock < 0)
        return vx_err_set(err, VX_EINVAL, "replan: %zu weeks (1..%d), interval %d, stock %lld", n,
                          VX_PLAN_HORIZON, interval, stock);
    for (size_t k = 0; k < n; k++) {
        if (w[k].supply < 0 || w[k].open1 < 0 || w[k].unreleased1 < 0 || w[k].booked1 < 0 ||
            w[k].booked2 < 0)
            return vx_err_set(err, VX_EINVAL, "replan: week %zu has a negative figure", k);
        w[k].close_unreleased = w[k].close_open = w[k].cancel1 = w[k].short2 = 0;
        w[k].moved_to = -1;
    }
    size_t L = (size_t)interval;
    long long cum = stock;
    for (size_t k = 0; k < n; k++) {
        long long S = cum + w[k].supply - use_in(w, k, interval);
        for (int kind = 0; kind < 3 && S < 0; kind++)
            for (int pass = 0; pass < 2 && S < 0; pass++)
                for (size_t jj = k + 1; jj-- > 0 && S < 0;) {
                    bool two = jj + L <= k;
                    if (two != (pass == 0))
                        continue;
                    long long *f = kind_field(&w[jj], kind);
                    if (*f == 0)
                        continue;
                    long long gain = two ? 2 : 1;
                    long long x = min_ll(*f, (-S + gain - 1) / gain);
                    *f -= x;
                    if (kind == 0)
                        w[jj].close_unreleased += x;
                    else if (kind == 1)
                        w[jj].close_open += x;
                    else
                        w[jj].cancel1 += x;
                    /* recompute from scratch: reductions before k changed earlier weeks too,
                     * but only downwards, so they stay feasible */
                    long long c = stock;
                    for (size_t m = 0; m <= k; m++)
                        c += w[m].supply - use_in(w, m, interval) + (m < k ? w[m].short2 : 0);
                    S = c;
                }
        if (S < 0) {
            w[k].short2 = -S;
            res->uncovered2 += -S;
            S = 0;
        }
        cum = S;
    }
    /* Propose each cancelled booking in the first later week where it fits. */
    for (size_t j = 0; j < n; j++) {
        if (w[j].cancel1 == 0)
            continue;
        for (size_t m = j + 1; m < n && w[j].moved_to < 0; m++) {
            long long x = w[j].cancel1, c = stock, room = -1;
            for (size_t k = 0; k < n; k++) {
                c += w[k].supply - use_in(w, k, interval) + w[k].short2;
                long long need = k < m ? 0 : k < m + L ? x : 2 * x;
                if (k >= m && c < need) {
                    room = 0;
                    break;
                }
            }
            if (room != 0) {
                w[m].booked1 += x;
                w[j].moved_to = (int)m;
                res->moved += x;
            }
        }
    }
    for (size_t k = 0; k < n; k++) {
        res->closed_slots += w[k].close_unreleased + w[k].close_open;
        res->cancelled += w[k].cancel1;
    }
    return VX_OK;
}
