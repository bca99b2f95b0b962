/*
 * rules.c — colours suggested from data: the indicator table, the rule table and the
 * pure function that applies one to the other (include/vx/report.h).
 *
 * A rule is one row: (area, colour, indicator, comparison, threshold, Swedish and
 * English text). The table is the single source of truth for the check, for the
 * explanation a coordinator sees next to each suggestion ("yellow: stock covers
 * fewer than 3 days (2.4 < 3) — 1 234 doses in stock / 514 a day") and for the
 * table in docs/report.md; changing a threshold is changing one number here.
 *
 * Semantics, chosen so that each rule can be tested at its threshold:
 *  - a rule fires when its indicator is known and `value <cmp> threshold` holds
 *    ("more than two weeks" is GT 14: 14 days late is still yellow, 15 is red);
 *  - an area takes the worst colour among its fired rules; when none fires it is
 *    green if at least one indicator that its rules read is known, else unknown
 *    (vaxchain does not guess: staff, communication have no data rule and stay
 *    unknown for the coordinator to judge);
 *  - overall is the worst colour of the other areas (rule "overall.worst"), so a
 *    red anywhere makes the suggested overall red.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "vx/report.h"

static const struct vx_tl_ind_info inds[VX_TLI_COUNT] = {
    {VX_TLI_PHASE_DELAY_DAYS, "phase_delay_days", "days", "Beräknad försening mot fasmålet",
     "Projected delay against the phase target"},
    {VX_TLI_STOCK_DAYS, "stock_days", "days", "Lager i dagar", "Stock in days"},
    {VX_TLI_WASTAGE_PCT, "wastage_pct", "%", "Kassation", "Wastage"},
    {VX_TLI_DELIVERY_USE_PCT, "delivery_use_pct", "%", "Givna doser av levererade",
     "Doses given of delivered"},
    {VX_TLI_BOOKED_PCT, "booked_pct", "%", "Bokade av utlagda tider", "Booked of released slots"},
    {VX_TLI_CANCEL_PCT, "cancel_pct", "%", "Avbokade av gjorda bokningar",
     "Cancelled of bookings made"},
    {VX_TLI_CAPACITY_USE_PCT, "capacity_use_pct", "%", "Utnyttjad kapacitet på mottagningarna",
     "Site capacity used"},
    {VX_TLI_REGISTER_BACKLOG_DAYS, "register_backlog_days", "days",
     "Äldsta dos som inte rapporterats till registret", "Oldest dose not sent to the register"},
    {VX_TLI_MUNI_LISTS_PCT, "muni_lists_pct", "%", "Kommuner som delat boendelistor",
     "Municipalities that shared resident lists"},
};

const struct vx_tl_ind_info *vx_tl_ind_info(enum vx_tl_ind i)
{
    return (unsigned)i < VX_TLI_COUNT ? &inds[i] : NULL;
}

/* The rule table. Keep docs/report.md's table in step (tests/unit/test_report.c checks
 * that every id appears there). */
static const struct vx_tl_rule rules[] = {
    {"readiness.phase_delay.red", VX_TL_READINESS, VX_TL_RED, VX_TLI_PHASE_DELAY_DAYS, VX_TL_GT, 14,
     "beräknas missa fasmålet med mer än två veckor",
     "projected to miss the phase target by more than two weeks"},
    {"readiness.phase_delay.yellow", VX_TL_READINESS, VX_TL_YELLOW, VX_TLI_PHASE_DELAY_DAYS,
     VX_TL_GT, 0, "beräknas bli klar efter fasmålet", "projected to finish after the phase target"},
    {"supply.stock_days.red", VX_TL_SUPPLY, VX_TL_RED, VX_TLI_STOCK_DAYS, VX_TL_LT, 1,
     "lagret räcker mindre än en dag", "stock covers less than one day"},
    {"supply.stock_days.yellow", VX_TL_SUPPLY, VX_TL_YELLOW, VX_TLI_STOCK_DAYS, VX_TL_LT, 3,
     "lagret räcker färre än 3 dagar", "stock covers fewer than 3 days"},
    {"supply.wastage.red", VX_TL_SUPPLY, VX_TL_RED, VX_TLI_WASTAGE_PCT, VX_TL_GT, 10,
     "kassationen överstiger 10 %", "wastage exceeds 10 %"},
    {"supply.wastage.yellow", VX_TL_SUPPLY, VX_TL_YELLOW, VX_TLI_WASTAGE_PCT, VX_TL_GT, 5,
     "kassationen överstiger 5 %", "wastage exceeds 5 %"},
    {"supply.delivery_use.yellow", VX_TL_SUPPLY, VX_TL_YELLOW, VX_TLI_DELIVERY_USE_PCT, VX_TL_LT,
     70, "färre än 70 % av månadens leveranser har getts",
     "fewer than 70 % of the month's deliveries were given"},
    {"booking.booked.yellow", VX_TL_BOOKING, VX_TL_YELLOW, VX_TLI_BOOKED_PCT, VX_TL_LT, 50,
     "färre än 50 % av utlagda tider är bokade", "fewer than 50 % of released slots are booked"},
    {"booking.cancel.yellow", VX_TL_BOOKING, VX_TL_YELLOW, VX_TLI_CANCEL_PCT, VX_TL_GT, 15,
     "fler än 15 % av bokningarna avbokades", "more than 15 % of bookings were cancelled"},
    {"booking.cancel.red", VX_TL_BOOKING, VX_TL_RED, VX_TLI_CANCEL_PCT, VX_TL_GT, 30,
     "fler än 30 % av bokningarna avbokades", "more than 30 % of bookings were cancelled"},
    {"premises.capacity.yellow", VX_TL_PREMISES, VX_TL_YELLOW, VX_TLI_CAPACITY_USE_PCT, VX_TL_GE,
     90, "mottagningarna går på minst 90 % av sin kapacitet",
     "sites run at 90 % of their capacity or more"},
    {"premises.capacity.red", VX_TL_PREMISES, VX_TL_RED, VX_TLI_CAPACITY_USE_PCT, VX_TL_GT, 100,
     "mottagningarna går över sin kapacitet", "sites run above their capacity"},
    {"it.register_backlog.yellow", VX_TL_IT, VX_TL_YELLOW, VX_TLI_REGISTER_BACKLOG_DAYS, VX_TL_GT,
     1, "doser väntar mer än 1 dag på rapportering till registret",
     "doses have waited more than 1 day to be sent to the register"},
    {"it.register_backlog.red", VX_TL_IT, VX_TL_RED, VX_TLI_REGISTER_BACKLOG_DAYS, VX_TL_GT, 3,
     "doser väntar mer än 3 dagar på rapportering till registret",
     "doses have waited more than 3 days to be sent to the register"},
    {"municipal.lists.yellow", VX_TL_MUNICIPAL, VX_TL_YELLOW, VX_TLI_MUNI_LISTS_PCT, VX_TL_LT, 100,
     "alla kommuner har inte delat sina boendelistor",
     "not every municipality has shared its resident lists"},
    {"municipal.lists.red", VX_TL_MUNICIPAL, VX_TL_RED, VX_TLI_MUNI_LISTS_PCT, VX_TL_LT, 50,
     "färre än hälften av kommunerna har delat sina boendelistor",
     "fewer than half of the municipalities have shared their resident lists"},
};

const struct vx_tl_rule *vx_tl_rules(int *n)
{
    *n = (int)VX_ARRAY_LEN(rules);
    return rules;
}

const char *vx_tl_cmp_text(enum vx_tl_cmp c)
{
    static const char *const t[] = {"<", "≤", ">", "≥"};
    return (unsigned)c < 4 ? t[c] : "?";
}

void vx_tl_ind_set(struct vx_tl_indicators *in, enum vx_tl_ind i, double v, const char *fmt, ...)
{
    if ((unsigned)i >= VX_TLI_COUNT)
        return;
    in->known[i] = true;
    in->value[i] = v;
    in->basis[i][0] = in->basis_sv[i][0] = '\0';
    in->note_sv[i][0] = in->note_en[i][0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(in->basis[i], sizeof in->basis[i], fmt, ap);
        va_end(ap);
    }
}

void vx_tl_ind_basis_sv(struct vx_tl_indicators *in, enum vx_tl_ind i, const char *fmt, ...)
{
    if ((unsigned)i >= VX_TLI_COUNT || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->basis_sv[i], sizeof in->basis_sv[i], fmt, ap);
    va_end(ap);
}

void vx_tl_ind_note(struct vx_tl_indicators *in, enum vx_tl_ind i, const char *sv, const char *en)
{
    if ((unsigned)i >= VX_TLI_COUNT)
        return;
    in->known[i] = false;
    in->value[i] = 0;
    in->basis[i][0] = in->basis_sv[i][0] = '\0';
    snprintf(in->note_sv[i], sizeof in->note_sv[i], "%s", sv ? sv : "");
    snprintf(in->note_en[i], sizeof in->note_en[i], "%s", en ? en : "");
}

static bool holds(double v, enum vx_tl_cmp c, double t)
{
    switch (c) {
    case VX_TL_LT:
        return v < t;
    case VX_TL_LE:
        return v <= t;
    case VX_TL_GT:
        return v > t;
    case VX_TL_GE:
        return v >= t;
    }
    return false;
}

/* Append printf text to dst[cap] (truncating silently: the texts are explanations). */
__attribute__((format(printf, 3, 4))) static void cat(char *dst, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(dst);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + len, cap - len, fmt, ap);
    va_end(ap);
}

/* "2.4" / "2,4" with one decimal, or an integer when whole. */
static void num(double v, bool sv, char out[32])
{
    if (v == (double)(long long)v && v > -1e15 && v < 1e15)
        snprintf(out, 32, "%lld", (long long)v);
    else {
        snprintf(out, 32, "%.1f", v);
        char *dot = strchr(out, '.');
        if (sv && dot)
            *dot = ',';
    }
}

static void explain(struct vx_tl_suggestion *s, const struct vx_tl_indicators *in,
                    enum vx_tl_area a)
{
    static const char *const head_sv[] = {"Okänd", "Grön", "Gul", "Röd"};
    static const char *const head_en[] = {"Unknown", "Green", "Yellow", "Red"};
    s->text_sv[0] = s->text_en[0] = '\0';
    cat(s->text_sv, sizeof s->text_sv, "%s: ", head_sv[s->color]);
    cat(s->text_en, sizeof s->text_en, "%s: ", head_en[s->color]);
    if (s->color == VX_TL_UNKNOWN) {
        cat(s->text_sv, sizeof s->text_sv, "inga data för området – bedöm själv");
        cat(s->text_en, sizeof s->text_en, "no data for this area – use your judgement");
        /* why the area's indicators are unknown, when the gathering said so */
        int n;
        const struct vx_tl_rule *t = vx_tl_rules(&n);
        bool seen[VX_TLI_COUNT] = {0};
        for (int i = 0; a != VX_TL_OVERALL && i < n; i++) {
            enum vx_tl_ind k = t[i].ind;
            if (t[i].area != a || seen[k])
                continue;
            seen[k] = true;
            if (in->note_sv[k][0])
                cat(s->text_sv, sizeof s->text_sv, " (%s)", in->note_sv[k]);
            if (in->note_en[k][0])
                cat(s->text_en, sizeof s->text_en, " (%s)", in->note_en[k]);
        }
        return;
    }
    if (a == VX_TL_OVERALL) {
        cat(s->text_sv, sizeof s->text_sv, "sämsta färgen bland områdena (regel overall.worst)");
        cat(s->text_en, sizeof s->text_en, "the worst colour among the areas (rule overall.worst)");
        return;
    }
    if (s->n_rules == 0) {
        cat(s->text_sv, sizeof s->text_sv, "inom gränserna");
        cat(s->text_en, sizeof s->text_en, "within limits");
        int n;
        const struct vx_tl_rule *t = vx_tl_rules(&n);
        bool seen[VX_TLI_COUNT] = {0};
        for (int i = 0; i < n; i++) {
            if (t[i].area != a || !in->known[t[i].ind] || seen[t[i].ind])
                continue;
            seen[t[i].ind] = true;
            char v[32], w[32];
            num(in->value[t[i].ind], true, v);
            num(in->value[t[i].ind], false, w);
            const struct vx_tl_ind_info *ii = &inds[t[i].ind];
            cat(s->text_sv, sizeof s->text_sv, "; %s %s %s", ii->name_sv, v,
                !strcmp(ii->unit, "days") ? "dagar" : ii->unit);
            if (in->basis_sv[t[i].ind][0])
                cat(s->text_sv, sizeof s->text_sv, " (%s)", in->basis_sv[t[i].ind]);
            cat(s->text_en, sizeof s->text_en, "; %s %s %s", ii->name_en, w, ii->unit);
            if (in->basis[t[i].ind][0])
                cat(s->text_en, sizeof s->text_en, " (%s)", in->basis[t[i].ind]);
        }
        return;
    }
    for (int k = 0; k < s->n_rules; k++) {
        const struct vx_tl_rule *r = s->rules[k];
        char v[32], t[32], w[32], u[32];
        num(in->value[r->ind], true, v);
        num(r->threshold, true, t);
        num(in->value[r->ind], false, w);
        num(r->threshold, false, u);
        const char *cmp = vx_tl_cmp_text(r->cmp);
        cat(s->text_sv, sizeof s->text_sv, "%s%s (%s %s %s; regel %s", k ? "; " : "", r->text_sv, v,
            cmp, t, r->id);
        if (in->basis_sv[r->ind][0])
            cat(s->text_sv, sizeof s->text_sv, "; %s", in->basis_sv[r->ind]);
        cat(s->text_sv, sizeof s->text_sv, ")");
        cat(s->text_en, sizeof s->text_en, "%s%s (%s %s %s; rule %s", k ? "; " : "", r->text_en, w,
            cmp, u, r->id);
        if (in->basis[r->ind][0])
            cat(s->text_en, sizeof s->text_en, "; %s", in->basis[r->ind]);
        cat(s->text_en, sizeof s->text_en, ")");
    }
}

void vx_tl_suggest(const struct vx_tl_indicators *in, struct vx_tl_suggestion out[VX_TL_AREA_COUNT])
{
    memset(out, 0, sizeof(struct vx_tl_suggestion) * VX_TL_AREA_COUNT);
    for (size_t i = 0; i < VX_ARRAY_LEN(rules); i++) {
        const struct vx_tl_rule *r = &rules[i];
        struct vx_tl_suggestion *s = &out[r->area];
        if (!in->known[r->ind])
            continue;
        if (s->color == VX_TL_UNKNOWN)
            s->color = VX_TL_GREEN; /* the area has data */
        if (!holds(in->value[r->ind], r->cmp, r->threshold))
            continue;
        /* a red rule and the yellow rule on the same indicator: keep only the red one */
        bool shadowed = false;
        for (int k = 0; k < s->n_rules; k++) {
            if (s->rules[k]->ind != r->ind)
                continue;
            if (s->rules[k]->color >= r->color) {
                shadowed = true;
            } else {
                s->rules[k] = r;
                shadowed = true;
            }
            break;
        }
        if (!shadowed && s->n_rules < VX_TL_SUGGEST_RULES)
            s->rules[s->n_rules++] = r;
        if (r->color > s->color)
            s->color = r->color;
    }
    enum vx_tl_color worst = VX_TL_UNKNOWN;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        if (a != VX_TL_OVERALL && out[a].color > worst)
            worst = out[a].color;
    out[VX_TL_OVERALL].color = worst;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        explain(&out[a], in, (enum vx_tl_area)a);
}
