/*
 * gather.c — the indicators of the suggestion rules and the national compilation, read
 * from the store (include/vx/report.h).
 *
 * Every indicator is derived from raw counts (store op report->figures) with the
 * derivation written next to it in its basis text, so a coordinator sees the numbers
 * and not only the verdict. An indicator is set only when its denominator means
 * something; otherwise it stays unknown and its rules stay silent:
 *
 *   stock_days        (doses delivered to the region's sites − valid doses given at
 *                     them) / (valid doses in the 7 days to asof / 7); needs a delivery
 *                     and a dose in those 7 days. An estimate from site_supply until the
 *                     care module's stock ledger is wired in (docs/report.md).
 *   delivery_use_pct  doses given this month / doses delivered in weeks whose Monday is
 *                     in the month; needs a delivery.
 *   booked_pct        bookings holding the month's slots / their capacity; needs slots.
 *   cancel_pct        cancelled / bookings made this month; needs 20 bookings (below,
 *                     a handful of cancellations would swing it).
 *   capacity_use_pct  doses in the 7 days to asof / what the sites can give in a week
 *                     by their opening hours; needs sites with opening hours.
 *   stock_days        with the care module's stock (vx_tl_stock from the caller):
 *                     on hand / given a day instead of the estimate above.
 *   wastage_pct       care stock: wasted / (wasted + doses given) over 28 days.
 *   muni_lists_pct    municipalities of the region with a valid shared resident list
 *                     (muni module) / municipalities of the region; known once any
 *                     municipality in the country has shared a list (module in use).
 *   phase_delay_days  the current FoHM phase's projected finish - its target date
 *                     (phase.c has the method): persons with dose 1 by priority group
 *                     and week from the statistics cubes, the groups' population from
 *                     the population cube, the targets from data/phase_targets.json
 *                     handed in by the caller. Unknown without targets, without a
 *                     population cube (the note says "run vaxchain stats refresh") or
 *                     without a first dose of the phase in the last 3 complete weeks.
 *   register_backlog_days  asof - the Stockholm day of the oldest change of the
 *                     region's doses that NVR has not taken (store op
 *                     regx->oldest_pending: not logged yet, after the cursor, or
 *                     parked in the retry table); 0 when nothing waits or the oldest is
 *                     newer than asof. Unknown (with a note) when NVR was never
 *                     exported to: then there is no register flow to be late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/muni.h"
#include "vx/report.h"
#include "vx/store.h"
#include "vx/store_muni.h"
#include "vx/stats.h"
#include "vx/store_regx.h"
#include "vx/store_report.h"
#include "vx/store_stats.h"

static enum vx_status store_err(struct vx_store *st, enum vx_status rc, struct vx_err *err)
{
    return vx_err_set(err, rc, "%s", st->err[0] ? st->err : vx_strerror(rc));
}

/* Municipal resident lists: which municipalities of the region have a list that is
 * still valid on `asof`, and whether any list exists in the country at all. */
struct lists {
    const char *region;
    vx_day asof;
    bool any;
    int n;
    char seen[400][5];
};

static int list_one(void *ctx, const struct vx_muni_list *l)
{
    struct lists *c = ctx;
    c->any = true;
    if (strcmp(l->region, c->region) || l->purged_at ||
        (l->valid_until && l->valid_until < c->asof))
        return 0;
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->seen[i], l->kommun))
            return 0;
    if (c->n < (int)VX_ARRAY_LEN(c->seen))
        memcpy(c->seen[c->n++], l->kommun, 5);
    return 0;
}

/* ------------------------------------------------------------------ phase delay */

/* Phase of a cell key "1".."4"; 0 for anything else (group 0 = under 12). */
static int phase_key(const char *k)
{
    return k[0] >= '1' && k[0] <= '0' + VX_TL_PHASES && !k[1] ? k[0] - '0' : 0;
}

static int pop_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct vx_tl_phase_input *in = ctx;
    int p = phase_key(key[0]);
    if (p)
        in->population[p - 1] = n;
    return 0;
}

enum vx_status vx_tl_phase_gather(struct vx_store *st, const char *region, vx_day asof,
                                  struct vx_tl_phase_input *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if (!region || strlen(region) != 2)
        return vx_err_set(err, VX_EINVAL, "region: two digits expected");
    if (!st->ops->stats)
        return vx_err_set(err, VX_EINTERNAL, "this store has no statistics operations");
    int wd = vx_weekday(asof);
    out->week_end = wd == 7 ? asof : asof - wd; /* the last complete ISO week's Sunday */
    struct vx_isoweek wk = vx_isoweek_of(out->week_end);
    struct vx_isoweek w0 = vx_isoweek_of(out->week_end - 7 * (VX_TL_PACE_WEEKS - 1));
    vx_day mon0 = vx_isoweek_monday(w0.year, w0.week);

    /* persons with >= 1 dose through the week, and the population, per group */
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    q.measure = VX_SM_PERSONS;
    q.dose = 1;
    q.by[0] = VX_SD_GROUP;
    q.nby = 1;
    q.to = wk;
    memcpy(q.region, region, 3);
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    enum vx_status rc = vx_stats_cut(st, &q, &r);
    if (rc != VX_OK) {
        rc = vx_err_set(err, rc, "statistics: %s", st->err[0] ? st->err : vx_strerror(rc));
        goto out;
    }
    if (!r.population_ref) {
        rc = vx_err_set(err, VX_ENOTFOUND,
                        "no population counted: run `vaxchain stats refresh` first");
        goto out;
    }
    for (size_t i = 0; i < r.n; i++) {
        int p = phase_key(r.cells[i].key[0]);
        if (p)
            out->dose1[p - 1] = r.cells[i].n;
    }
    vx_stats_result_release(&r);
    /* denominators straight from the population cube: a group nobody of which has a
     * dose yet has no cell in the cut above but still has its persons */
    if (st->ops->stats->population) {
        enum vx_stats_dim gd = VX_SD_GROUP;
        rc = st->ops->stats->population(st, &q, &gd, 1, pop_row, out);
        if (rc != VX_OK) {
            rc = vx_err_set(err, rc, "statistics: %s", st->err[0] ? st->err : vx_strerror(rc));
            goto out;
        }
    }

    /* first doses per group in each pace week */
    vx_stats_result_init(&r);
    q.by[1] = VX_SD_WEEK;
    q.nby = 2;
    q.from = w0;
    rc = vx_stats_cut(st, &q, &r);
    if (rc != VX_OK) {
        rc = vx_err_set(err, rc, "statistics: %s", st->err[0] ? st->err : vx_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < r.n; i++) {
        int p = phase_key(r.cells[i].key[0]);
        struct vx_isoweek w;
        if (!p || vx_isoweek_parse(r.cells[i].key[1], &w) != VX_OK)
            continue;
        long d = (long)(vx_isoweek_monday(w.year, w.week) - mon0) / 7;
        if (d >= 0 && d < VX_TL_PACE_WEEKS)
            out->week_dose1[p - 1][d] = r.cells[i].n;
    }
    rc = VX_OK;
out:
    vx_stats_result_release(&r);
    return rc;
}

static enum vx_status gather_phase(struct vx_store *st, const char *region, vx_day asof,
                                   const struct vx_tl_phase_targets *targets,
                                   struct vx_tl_indicators *in, struct vx_err *err)
{
    if (!targets) {
        vx_tl_ind_note(in, VX_TLI_PHASE_DELAY_DAYS, "fasmålen är inte inlästa",
                       "the phase targets are not loaded");
        return VX_OK;
    }
    struct vx_tl_phase_input pin;
    enum vx_status rc = vx_tl_phase_gather(st, region, asof, &pin, err);
    if (rc == VX_ENOTFOUND) {
        vx_tl_ind_note(in, VX_TLI_PHASE_DELAY_DAYS,
                       "befolkningen per grupp är inte räknad: kör vaxchain stats refresh",
                       "the population per group is not counted: run vaxchain stats refresh");
        return VX_OK;
    }
    if (rc != VX_OK)
        return rc;
    struct vx_tl_phase_result pr;
    vx_tl_phase_delay(targets, &pin, &pr);
    vx_tl_phase_to_indicator(&pr, in);
    return VX_OK;
}

/* ------------------------------------------------------------------ register backlog */

static enum vx_status gather_backlog(struct vx_store *st, const char *region, vx_day asof,
                                     struct vx_tl_indicators *in, struct vx_err *err)
{
    const struct vx_store_regx_ops *rx = st->ops->regx;
    if (!rx || !rx->cursor_get || !rx->oldest_pending)
        return VX_OK;
    struct vx_regx_cursor_rec cur;
    enum vx_status rc = rx->cursor_get(st, "nvr", &cur);
    if (rc != VX_OK)
        return store_err(st, rc, err);
    if (cur.last_seq == 0 && cur.updated_at == 0) {
        vx_tl_ind_note(in, VX_TLI_REGISTER_BACKLOG_DAYS,
                       "inget har ännu exporterats till NVR: kör vaxchain register export nvr",
                       "nothing has been exported to NVR yet: run vaxchain register export nvr");
        return VX_OK;
    }
    vx_time at = 0;
    if ((rc = rx->oldest_pending(st, "nvr", region, &at)) != VX_OK)
        return store_err(st, rc, err);
    char le[16] = "-", od[16];
    if (cur.updated_at) {
        vx_day d;
        int minute;
        vx_stockholm_local(cur.updated_at, &d, &minute);
        vx_day_format(d, le);
    }
    if (!at) {
        vx_tl_ind_set(in, VX_TLI_REGISTER_BACKLOG_DAYS, 0,
                      "no dose of the region waits for NVR (last export %s)", le);
        vx_tl_ind_basis_sv(in, VX_TLI_REGISTER_BACKLOG_DAYS,
                           "ingen dos i regionen väntar på NVR (senaste export %s)", le);
        return VX_OK;
    }
    vx_day day;
    int minute;
    vx_stockholm_local(at, &day, &minute);
    vx_day_format(day, od);
    double age = day < asof ? (double)(asof - day) : 0.0;
    vx_tl_ind_set(in, VX_TLI_REGISTER_BACKLOG_DAYS, age,
                  "oldest dose change not taken by NVR recorded %s (last export %s)", od, le);
    vx_tl_ind_basis_sv(in, VX_TLI_REGISTER_BACKLOG_DAYS,
                       "äldsta dosändring som NVR inte fått registrerades %s (senaste export %s)",
                       od, le);
    return VX_OK;
}

/* ------------------------------------------------------------------ gather */

enum vx_status vx_tl_gather(struct vx_store *st, const char *region, int month, vx_day asof,
                            const struct vx_tl_stock *stock,
                            const struct vx_tl_phase_targets *targets, struct vx_tl_indicators *in,
                            struct vx_err *err)
{
    memset(in, 0, sizeof *in);
    char mb[8];
    int chk;
    if (vx_tl_month_parse(vx_tl_month_format(month, mb), &chk) != VX_OK)
        return vx_err_set(err, VX_EINVAL, "bad month %d", month);
    if (!region || strlen(region) != 2)
        return vx_err_set(err, VX_EINVAL, "region: two digits expected");
    if (!st->ops->report || !st->ops->report->figures)
        return vx_err_set(err, VX_EINTERNAL, "this store has no report operations");
    snprintf(in->region, sizeof in->region, "%s", region);
    in->month = month;
    vx_day first = vx_tl_month_first(month), last = vx_tl_month_last(month);
    if (asof > last)
        asof = last;
    in->asof = asof;
    if (asof < first) /* a month that has not started: nothing to measure */
        return VX_OK;
    struct vx_tl_figures f;
    enum vx_status rc = st->ops->report->figures(st, region, first, asof, asof, &f);
    if (rc != VX_OK)
        return store_err(st, rc, err);

    if (stock && stock->given_per_day > 0) {
        vx_tl_ind_set(in, VX_TLI_STOCK_DAYS, (double)stock->on_hand / stock->given_per_day,
                      "%lld doses on hand / %.1f given a day (last 7 days; care stock ledger)",
                      (long long)stock->on_hand, stock->given_per_day);
    } else if (!stock && f.delivered_total > 0 && f.doses_7d > 0) {
        double per_day = (double)f.doses_7d / 7.0;
        int64_t est = f.delivered_total - f.given_at_sites;
        if (est < 0)
            est = 0;
        vx_tl_ind_set(in, VX_TLI_STOCK_DAYS, (double)est / per_day,
                      "%lld doses in stock (%lld delivered - %lld given at sites) / %.1f a day "
                      "(last 7 days)",
                      (long long)est, (long long)f.delivered_total, (long long)f.given_at_sites,
                      per_day);
    }
    if (f.delivered_period > 0)
        vx_tl_ind_set(in, VX_TLI_DELIVERY_USE_PCT,
                      100.0 * (double)f.doses_period / (double)f.delivered_period,
                      "%lld doses given / %lld delivered this month", (long long)f.doses_period,
                      (long long)f.delivered_period);
    if (f.slot_capacity > 0)
        vx_tl_ind_set(in, VX_TLI_BOOKED_PCT,
                      100.0 * (double)f.slot_booked / (double)f.slot_capacity,
                      "%lld of %lld slot places booked", (long long)f.slot_booked,
                      (long long)f.slot_capacity);
    if (f.bookings_made >= 20)
        vx_tl_ind_set(in, VX_TLI_CANCEL_PCT,
                      100.0 * (double)f.bookings_cancelled / (double)f.bookings_made,
                      "%lld of %lld bookings cancelled", (long long)f.bookings_cancelled,
                      (long long)f.bookings_made);
    if (f.site_week_capacity > 0)
        vx_tl_ind_set(in, VX_TLI_CAPACITY_USE_PCT,
                      100.0 * (double)f.doses_7d / (double)f.site_week_capacity,
                      "%lld doses in 7 days / %lld a week by opening hours", (long long)f.doses_7d,
                      (long long)f.site_week_capacity);
    if (stock && stock->wasted_28d + stock->drawn_28d > 0)
        vx_tl_ind_set(
            in, VX_TLI_WASTAGE_PCT,
            100.0 * (double)stock->wasted_28d / (double)(stock->wasted_28d + stock->drawn_28d),
            "%lld wasted / %lld wasted or given (last 28 days)", (long long)stock->wasted_28d,
            (long long)(stock->wasted_28d + stock->drawn_28d));
    if (st->ops->muni && st->ops->muni->list_foreach && f.kommuner > 0) {
        struct lists *c = calloc(1, sizeof *c);
        if (!c)
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        c->region = region;
        c->asof = asof;
        rc = st->ops->muni->list_foreach(st, NULL, NULL, list_one, c);
        if (rc == VX_OK && c->any)
            vx_tl_ind_set(in, VX_TLI_MUNI_LISTS_PCT, 100.0 * c->n / (double)f.kommuner,
                          "%d of %lld municipalities have a valid shared resident list", c->n,
                          (long long)f.kommuner);
        free(c);
        if (rc != VX_OK)
            return store_err(st, rc, err);
    }
    if ((rc = gather_phase(st, region, asof, targets, in, err)) != VX_OK ||
        (rc = gather_backlog(st, region, asof, in, err)) != VX_OK)
        return rc;
    return VX_OK;
}

/* ------------------------------------------------------------------ compilation */

struct collect {
    struct vx_tl_report *r;
    int n, cap;
};

static int collect_one(void *ctx, const struct vx_tl_report *r)
{
    struct collect *c = ctx;
    if (c->n == c->cap)
        return 1;
    c->r[c->n++] = *r;
    return 0;
}

enum vx_status vx_tl_compile_store(struct vx_store *st, int month, vx_day asof,
                                   struct vx_tl_compilation *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if (!st->ops->report || !st->ops->report->foreach)
        return vx_err_set(err, VX_EINTERNAL, "this store has no report operations");
    struct vx_region_summary *rs = calloc(VX_TL_MAX_REGIONS, sizeof *rs);
    struct collect c = {.r = calloc(VX_TL_MAX_REGIONS + 1, sizeof(struct vx_tl_report)),
                        .cap = VX_TL_MAX_REGIONS + 1};
    enum vx_status rc = VX_OK;
    if (!rs || !c.r) {
        rc = vx_err_set(err, VX_ENOMEM, "out of memory");
        goto out;
    }
    int n = 0;
    rc = st->ops->region_summary(st, asof, rs, VX_TL_MAX_REGIONS, &n);
    if (rc != VX_OK) {
        rc = store_err(st, rc, err);
        goto out;
    }
    rc = st->ops->report->foreach (st, "", month, false, collect_one, &c);
    if (rc != VX_OK) {
        rc = store_err(st, rc, err);
        goto out;
    }
    if (c.n > VX_TL_MAX_REGIONS) {
        rc = vx_err_set(err, VX_EINTERNAL, "more current reports than regions");
        goto out;
    }
    char codes[VX_TL_MAX_REGIONS][3];
    const char *names[VX_TL_MAX_REGIONS];
    for (int i = 0; i < n; i++) {
        memcpy(codes[i], rs[i].code, 3);
        names[i] = rs[i].name;
    }
    rc = vx_tl_compile(month, c.r, c.n, (const char(*)[3])codes, names, n, out, err);
    if (rc != VX_OK)
        goto out;
    /* coverage of each region as of asof */
    for (int i = 0; i < out->n_regions; i++) {
        struct vx_tl_figures f;
        vx_day d = asof;
        rc = st->ops->report->figures(st, out->region[i].code, d, d, d, &f);
        if (rc != VX_OK) {
            rc = store_err(st, rc, err);
            goto out;
        }
        if (f.persons > 0) {
            out->region[i].dose1_pct = 100.0 * (double)f.dose1_persons / (double)f.persons;
            out->region[i].dose2_pct = 100.0 * (double)f.dose2_persons / (double)f.persons;
        }
    }
out:
    free(rs);
    free(c.r);
    return rc;
}
