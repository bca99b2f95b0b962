/*
 * scenario.c — building a replay scenario's vaccines from a delivery log and the catalogue.
 *
 * Design. The replay needs, per vaccine and week, the actual delivery and the forecast
 * that was public before the week began (with how many weeks before), plus the dose-2
 * interval and the vial size. The log (core/alloc.h) keeps every revision with the day it
 * became known, so "the forecast public before week t" is the latest forecast revision known
 * before t's Monday; the lead is counted in whole weeks, at least one.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "vx/alloc.h"
#include "vx/catalog.h"
#include "vx/plan.h"

enum vx_status vx_plan_scenario_add_vaccine(struct vx_plan_scenario *s, const char *code,
                                            const struct vx_delivery_log *log,
                                            const struct vx_product *p, vx_day on, int late_after,
                                            double scale, struct vx_err *err)
{
    if (s->n_vaccines >= VX_PLAN_MAX_VACCINES)
        return vx_err_set(err, VX_ENOMEM, "scenario: more than %d vaccines", VX_PLAN_MAX_VACCINES);
    if (s->n_weeks < 1 || s->n_weeks > VX_PLAN_MAX_WEEKS || !(scale > 0) || late_after < 0)
        return vx_err_set(err, VX_EINVAL, "scenario: %d weeks, scale %g, late after %d", s->n_weeks,
                          scale, late_after);
    const struct vx_interval_rule *rule = NULL;
    for (size_t i = 0; i < p->n_intervals; i++)
        if (p->intervals[i].dose == 2 && p->intervals[i].from <= on)
            rule = &p->intervals[i];
    if (rule == NULL)
        for (size_t i = 0; i < p->n_intervals && rule == NULL; i++)
            if (p->intervals[i].dose == 2)
                rule = &p->intervals[i];
    if (rule == NULL)
        return vx_err_set(err, VX_EINVAL, "vaccine %s has no dose-2 interval in the catalogue",
                          code);
    struct vx_plan_vaccine *v = &s->vaccines[s->n_vaccines];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", code);
    v->interval_weeks = (rule->rec_days + 3) / 7;
    if (v->interval_weeks < 1)
        v->interval_weeks = 1;
    v->max_interval_weeks =
        rule->max_days > 0 ? rule->max_days / 7 : v->interval_weeks + late_after;
    if (v->max_interval_weeks < v->interval_weeks)
        v->max_interval_weeks = v->interval_weeks;
    v->vial_doses = vx_product_doses_per_vial(p, on, true);
    if (v->vial_doses < 1)
        v->vial_doses = 1;
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    for (int t = 0; t < s->n_weeks; t++) {
        struct vx_isoweek w = vx_isoweek_of(monday0 + 7 * t);
        vx_day monday = monday0 + 7 * t;
        v->forecast[t] = -1;
        vx_day best_fc = 0, best_act = 0;
        bool have_series = false;
        for (size_t i = 0; i < log->n; i++) {
            const struct vx_delivery_rev *r = &log->revs[i];
            if (vx_isoweek_cmp(r->week, w) != 0 || strcmp(r->vaccine, code) != 0)
                continue;
            if (r->kind == VX_DELIVERY_ACTUAL) {
                /* the weekly series (source "R:...") is the actual; a snapshot's figure
                 * only where the series has none */
                bool series = strncmp(r->source, "R:", 2) == 0;
                if (best_act == 0 || series || (!have_series && r->known >= best_act)) {
                    have_series |= series;
                    best_act = r->known;
                    v->actual[t] = llround((double)r->doses * scale);
                }
            } else if (r->known < monday && (v->forecast[t] < 0 || r->known >= best_fc)) {
                best_fc = r->known;
                v->forecast[t] = llround((double)r->doses * scale);
                int lead = (int)((monday - r->known + 6) / 7);
                v->forecast_lead[t] = lead < 1 ? 1 : lead;
            }
        }
    }
    s->n_vaccines++;
    return VX_OK;
}
