/*
 * sites.c — demo vaccination sites per region, sized to the scaled population.
 *
 * Three kinds, each sized at scale 1 by the inhabitants one site serves (tables.c):
 *   health centres (VC)  max(1, round(kommun population × scale / 10,000)) in every
 *                        municipality, so no municipality is without a site;
 *   mass centres (MC)    max(1, round(population × scale / 100,000)) in every
 *                        municipality of 80,000+ inhabitants and in the largest
 *                        municipality of each region;
 *   mobile units (MB)    max(1, round(region population × scale / 200,000)) per region,
 *                        based in the region's municipalities from the largest down.
 * A site's target capacity is its scale-1 capacity × (scaled persons it serves ÷ the
 * persons a scale-1 site serves), so capacity follows the scale even where the floor
 * of one site per municipality keeps small places at one site. The target is then
 * realised as whole stations; where one station at the design pace would still be
 * too much, the minutes per dose are stretched (up to 60) instead.
 * Codes are "<region>-<VC|MC|MB>-<NNNN>", numbered per region and kind in
 * municipality-code order; addresses are synthetic (a common street name and number)
 * and drawn from a PRNG stream of their own, so sites do not disturb the persons.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "demo_int.h"

static void realise(const struct demo_site_kind *sk, double target, struct vx_site_rec *s)
{
    int window = sk->close_minute - sk->open_minute;
    s->open_minute = sk->open_minute;
    s->close_minute = sk->close_minute;
    s->weekdays = sk->weekdays;
    s->minutes_per_dose = sk->minutes_per_dose;
    long st = lround(target * sk->minutes_per_dose / window);
    s->stations = st < 1 ? 1 : st > 99 ? 99 : (int)st;
    if (s->stations == 1 && target > 0 && window / (double)sk->minutes_per_dose > target) {
        long mpd = lround(window / target);
        s->minutes_per_dose = mpd > 60                     ? 60
                              : mpd < sk->minutes_per_dose ? sk->minutes_per_dose
                                                           : (int)mpd;
    }
}

struct site_ctx {
    const struct vx_demo_ref *ref;
    const struct vx_demo_opts *o;
    const struct vx_demo_sink *sink;
    struct vx_demo_result *res;
    struct demo_rng rng;
    int serial[3]; /* per kind, reset per region */
};

static int64_t site_capacity(const struct vx_site_rec *s)
{
    return (int64_t)s->stations * (s->close_minute - s->open_minute) / s->minutes_per_dose;
}

static enum vx_status emit(struct site_ctx *c, int kind, int k, int region, int nth, int of,
                           double served, struct vx_err *err)
{
    const struct demo_site_kind *sk = &demo_site_kinds[kind];
    const struct vx_demo_region *rg = &c->ref->regions[region];
    const struct vx_demo_kommun *km = &c->ref->kommuner[k];
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s-%s-%04d", rg->code, sk->tag, ++c->serial[kind]);
    if (sk->kind == VX_SITE_MOBILE)
        snprintf(s.name, sizeof s.name, "%s %s %d", sk->name_prefix, rg->short_name, nth);
    else if (of > 1)
        snprintf(s.name, sizeof s.name, "%s %s %d", sk->name_prefix, km->name, nth);
    else
        snprintf(s.name, sizeof s.name, "%s %s", sk->name_prefix, km->name);
    snprintf(s.region, sizeof s.region, "%s", rg->code);
    snprintf(s.kommun, sizeof s.kommun, "%s", km->code);
    s.kind = sk->kind;
    snprintf(s.address, sizeof s.address, "%s %u, %s",
             demo_streets[demo_rng_below(&c->rng, (uint32_t)demo_street_count)],
             1 + demo_rng_below(&c->rng, 60), km->name);
    double design =
        (double)sk->stations * (sk->close_minute - sk->open_minute) / sk->minutes_per_dose;
    realise(sk, design * served / (double)sk->persons_per_site, &s);
    struct vx_demo_region_result *rr = &c->res->regions[region];
    rr->sites++;
    if (s.weekdays & (1u << 2)) /* open on a Wednesday */
        rr->capacity_per_day += site_capacity(&s);
    if (c->sink && c->sink->site)
        return c->sink->site(c->sink->ctx, &s, err);
    return VX_OK;
}

static int count_for(double persons, int64_t per_site)
{
    long n = lround(persons / (double)per_site);
    return n < 1 ? 1 : (int)n;
}

enum vx_status demo_gen_sites(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                              const struct vx_demo_sink *sink, struct vx_demo_result *res,
                              struct vx_err *err)
{
    struct site_ctx c = {.ref = ref, .o = opts, .sink = sink, .res = res};
    demo_rng_seed(&c.rng, opts->seed, 0x517e5ull);
    enum vx_status st = VX_OK;
    for (int r = 0; r < ref->nregions && st == VX_OK; r++) {
        memset(c.serial, 0, sizeof c.serial);
        int largest = -1;
        for (int k = 0; k < ref->nkommuner; k++)
            if (ref->kommuner[k].region == r &&
                (largest < 0 || ref->kommuner[k].total > ref->kommuner[largest].total))
                largest = k;
        /* health centres */
        for (int k = 0; k < ref->nkommuner && st == VX_OK; k++) {
            if (ref->kommuner[k].region != r)
                continue;
            double persons = (double)ref->kommuner[k].total * opts->scale;
            int n = count_for(persons, demo_site_kinds[0].persons_per_site);
            for (int i = 1; i <= n && st == VX_OK; i++)
                st = emit(&c, 0, k, r, i, n, persons / n, err);
        }
        /* mass centres */
        for (int k = 0; k < ref->nkommuner && st == VX_OK; k++) {
            if (ref->kommuner[k].region != r ||
                (ref->kommuner[k].total < demo_mass_min_pop && k != largest))
                continue;
            double persons = (double)ref->kommuner[k].total * opts->scale;
            int n = count_for(persons, demo_site_kinds[1].persons_per_site);
            for (int i = 1; i <= n && st == VX_OK; i++)
                st = emit(&c, 1, k, r, i, n, persons / n, err);
        }
        /* mobile units, based from the largest municipality down */
        double persons = (double)ref->regions[r].pop * opts->scale;
        int n = count_for(persons, demo_site_kinds[2].persons_per_site);
        int base[VX_DEMO_MAX_KOMMUNER], nb = 0;
        for (int k = 0; k < ref->nkommuner; k++)
            if (ref->kommuner[k].region == r)
                base[nb++] = k;
        for (int i = 1; i < nb; i++) /* insertion sort by population, descending */
            for (int j = i;
                 j > 0 && ref->kommuner[base[j]].total > ref->kommuner[base[j - 1]].total; j--) {
                int t = base[j];
                base[j] = base[j - 1];
                base[j - 1] = t;
            }
        for (int i = 1; i <= n && st == VX_OK && nb > 0; i++)
            st = emit(&c, 2, base[(i - 1) % nb], r, i, n, persons / n, err);
    }
    return st;
}
