/*
 * people.c — generating the synthetic population.
 *
 * Counts first, people second. vx_demo_plan_counts() fixes how many persons each
 * municipality × SCB age group gets (largest-remainder rounding at two levels, so
 * every region total is within one person of SCB × scale and the nation is exact).
 * The generator then walks municipalities in code order and age groups in order, and
 * for each planned person decides, from the municipality's own PRNG stream:
 *   sex         deterministic interleave with the national male share of the group
 *               (Bresenham-style, one accumulator per group carried across
 *               municipalities, so the national split is exact and small cells are
 *               not biased towards either sex);
 *   age         uniform over the group's single years (90+: geometric decline to 105);
 *   birth date  uniform over the days that give that age at the reference date;
 *   residence   one draw against the cumulative age/sex shares of special housing,
 *               home care, home health care and LSS group homes;
 *   flags       care staff / health staff, LSS assistance, household contact;
 *   risk        an independent draw per risk code with its prevalence by age;
 *   name        given name by sex and birth era, family name skewed to common ones.
 * The age/sex shares are computed once per run from national counts (measures in
 * tables.c) divided by the national population of the ages a measure covers, so the
 * generated national totals match Socialstyrelsen's counts in expectation.
 *
 * Person numbers are interim-format (letter in the first serial position) and are
 * handed out by a counter per (birth date, sex): letters X W U S R N M L K J, 50
 * numbers each (first digit 0-9, last serial digit odd for men, even for women), so
 * 500 per sex and day; running out is a clear VX_ERANGE. Uniqueness therefore holds
 * by construction, and the numbers depend only on the order of generation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "demo_int.h"
#include "vx/pnr.h"

#define NAGES          (VX_DEMO_MAX_AGE + 1)
#define PER_LETTER     50
#define PROGRESS_EVERY 65536

static const char pnr_letters[] = "XWUSRNMLKJ";
#define PNR_PER_SEX_DAY ((int)(sizeof pnr_letters - 1) * PER_LETTER)

struct gen {
    const struct vx_demo_ref *ref;
    const struct vx_demo_opts *o;
    const struct vx_demo_sink *sink;
    struct vx_demo_result *res;
    struct vx_err *err;
    double share[DT_TARGET_COUNT][2][NAGES];    /* [target][0 male, 1 female][age] */
    uint32_t risk_thr[VX_RISK_MAX][DEMO_BANDS]; /* probability × 2^32 */
    int risk_bit[VX_RISK_MAX];                  /* demo_risks index -> person.risk bit */
    vx_day birth_lo[NAGES], birth_hi[NAGES];    /* births giving age a at ref: [lo, hi] */
    double cum90[NAGES - 90];                   /* cumulative weights within 90+ */
    uint16_t *counters;                         /* [(day - min_day) * 2 + sex] */
    vx_day min_day;
    int ndays;
    int64_t sex_acc[VX_DEMO_AGE_GROUPS]; /* per-mille accumulator of the interleave */
    int64_t done, total;
};

struct vx_demo_opts vx_demo_opts_default(void)
{
    return (struct vx_demo_opts){
        .scale = 0.01,
        .seed = 1,
        .ref_date = vx_day_from_ymd(2020, 12, 31),
        .sites = true,
    };
}

/* ------------------------------------------------------------------ counts */

struct frac_idx {
    double frac;
    int idx;
};

static int by_frac_desc(const void *a, const void *b)
{
    const struct frac_idx *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->idx - y->idx;
}

/* out[i] = floor(quota[i]) plus one for the `target − Σ floor` largest remainders. */
static void largest_remainder(const double *quota, const int *idx, int n, int64_t target,
                              int64_t *out, struct frac_idx *tmp)
{
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        double fl = floor(quota[i]);
        out[idx[i]] = (int64_t)fl;
        sum += (int64_t)fl;
        tmp[i] = (struct frac_idx){quota[i] - fl, i};
    }
    qsort(tmp, (size_t)n, sizeof *tmp, by_frac_desc);
    int64_t left = target - sum;
    for (int i = 0; i < n && left > 0; i++, left--)
        out[idx[tmp[i].idx]]++;
    for (int i = n - 1; i >= 0 && left < 0; i--) /* only if target < Σ floor */
        if (out[idx[tmp[i].idx]] > 0) {
            out[idx[tmp[i].idx]]--;
            left++;
        }
}

void vx_demo_plan_counts(const struct vx_demo_ref *ref, double scale, int64_t *counts)
{
    enum { CELLS = VX_DEMO_MAX_KOMMUNER * VX_DEMO_AGE_GROUPS };
    static const int cells = CELLS;
    double *quota = malloc(sizeof(double) * cells);
    int *idx = malloc(sizeof(int) * cells);
    struct frac_idx *tmp = malloc(sizeof *tmp * cells);
    int64_t rtarget[VX_DEMO_MAX_REGIONS];
    if (!quota || !idx || !tmp) { /* tiny allocations; fall back to plain rounding */
        for (int k = 0; k < ref->nkommuner; k++)
            for (int g = 0; g < VX_DEMO_AGE_GROUPS; g++)
                counts[k * VX_DEMO_AGE_GROUPS + g] = llround(ref->kommuner[k].pop[g] * scale);
        goto out;
    }
    for (int r = 0; r < ref->nregions; r++) {
        quota[r] = (double)ref->regions[r].pop * scale;
        idx[r] = r;
    }
    largest_remainder(quota, idx, ref->nregions, llround((double)ref->total * scale), rtarget, tmp);
    for (int r = 0; r < ref->nregions; r++) {
        int n = 0;
        for (int k = 0; k < ref->nkommuner; k++) {
            if (ref->kommuner[k].region != r)
                continue;
            for (int g = 0; g < VX_DEMO_AGE_GROUPS; g++) {
                quota[n] = (double)ref->kommuner[k].pop[g] * scale;
                idx[n++] = k * VX_DEMO_AGE_GROUPS + g;
            }
        }
        largest_remainder(quota, idx, n, rtarget[r], counts, tmp);
    }
out:
    free(quota);
    free(idx);
    free(tmp);
}

/* ------------------------------------------------------------- ages, shares */

static void group_years(int g, int *lo, int *hi)
{
    static const int bounds[VX_DEMO_AGE_GROUPS][2] = {{0, 17},  {18, 29}, {30, 39},
                                                      {40, 49}, {50, 59}, {60, 69},
                                                      {70, 79}, {80, 89}, {90, VX_DEMO_MAX_AGE}};
    *lo = bounds[g][0];
    *hi = bounds[g][1];
}

/* Weight of single age a within its group (sums to 1 over the group). */
static double age_weight(int a)
{
    int lo, hi;
    int g = vx_demo_age_group(a);
    group_years(g, &lo, &hi);
    if (g < VX_DEMO_AGE_GROUPS - 1)
        return 1.0 / (hi - lo + 1);
    double sum = 0;
    for (int x = lo; x <= hi; x++)
        sum += demo_weight_90plus(x);
    return demo_weight_90plus(a) / sum;
}

static double param(const struct vx_demo_ref *ref, int p)
{
    return p < 0 ? 0 : ref->care_param[p];
}

static void compute_shares(struct gen *g)
{
    const struct vx_demo_ref *ref = g->ref;
    double group_pop[VX_DEMO_AGE_GROUPS] = {0};
    double pop[2][NAGES];
    for (int k = 0; k < ref->nkommuner; k++)
        for (int a = 0; a < VX_DEMO_AGE_GROUPS; a++)
            group_pop[a] += (double)ref->kommuner[k].pop[a];
    for (int a = 0; a < NAGES; a++) {
        int grp = vx_demo_age_group(a);
        double p = group_pop[grp] * age_weight(a);
        pop[0][a] = p * demo_male_permille[grp] / 1000.0;
        pop[1][a] = p - pop[0][a];
    }
    double pop80 = group_pop[7] + group_pop[8];
    memset(g->share, 0, sizeof g->share);
    for (int i = 0; i < demo_measure_count; i++) {
        const struct demo_measure *m = &demo_measures[i];
        double count = 0;
        switch (m->kind) {
        case DC_PARAM:
            count = param(ref, m->a);
            break;
        case DC_PARAM_MINUS:
            count = param(ref, m->a) - param(ref, m->b);
            break;
        case DC_SHARE_80:
            count = (param(ref, m->a) - param(ref, m->b)) * pop80;
            break;
        case DC_PARAM_MINUS_S80:
            count = param(ref, m->a) - (param(ref, m->b) - param(ref, m->c)) * pop80;
            break;
        case DC_ASSUMED:
            count = m->assumed;
            break;
        }
        if (count <= 0)
            continue;
        for (int s = 0; s < 2; s++) {
            double c =
                m->male_share < 0 ? count : count * (s == 0 ? m->male_share : 1 - m->male_share);
            double denom = 0;
            for (int a = m->age_from; a <= m->age_to && a < NAGES; a++) {
                double w = m->weight[demo_band_of_age(a)];
                denom += (m->male_share < 0 ? pop[0][a] + pop[1][a] : pop[s][a]) * w;
            }
            if (denom <= 0)
                continue;
            for (int a = m->age_from; a <= m->age_to && a < NAGES; a++)
                g->share[m->target][s][a] += c * m->weight[demo_band_of_age(a)] / denom;
        }
    }
    /* The residence shares must leave room for own home. */
    for (int s = 0; s < 2; s++)
        for (int a = 0; a < NAGES; a++) {
            double sum = 0;
            for (int t = DT_RES_SAEBO; t <= DT_RES_LSS_HOME; t++)
                sum += g->share[t][s][a];
            if (sum > 0.95)
                for (int t = DT_RES_SAEBO; t <= DT_RES_LSS_HOME; t++)
                    g->share[t][s][a] *= 0.95 / sum;
        }
}

static void compute_risks(struct gen *g)
{
    memset(g->risk_thr, 0, sizeof g->risk_thr);
    for (int i = 0; i < demo_risk_count && i < VX_RISK_MAX; i++) {
        g->risk_bit[i] = vx_demo_risk_bit(g->ref, demo_risks[i].code);
        for (int b = 0; b < DEMO_BANDS; b++)
            g->risk_thr[i][b] = (uint32_t)(demo_risks[i].per100k[b] / 100000.0 * 4294967296.0);
    }
}

/* Birth-date interval for each age at the reference date, using vx_age_at as truth
 * (so 29 February and year ends follow the same rule as the rest of vaxchain). */
static void compute_birth_ranges(struct gen *g)
{
    vx_day ref = g->o->ref_date;
    struct vx_ymd r = vx_ymd_from_day(ref);
    for (int a = 0; a < NAGES; a++) {
        int y = r.year - a;
        int dim = vx_days_in_month(y, r.month);
        vx_day hi = vx_day_from_ymd(y, r.month, r.day > dim ? dim : r.day);
        while (vx_age_at(hi, ref) < a)
            hi--;
        while (vx_age_at(hi + 1, ref) >= a && hi + 1 <= ref)
            hi++;
        g->birth_hi[a] = hi;
    }
    for (int a = 0; a < NAGES; a++) {
        vx_day lo = a + 1 < NAGES ? g->birth_hi[a + 1] + 1 : g->birth_hi[a] - 366;
        while (vx_age_at(lo, ref) > a)
            lo++;
        while (vx_age_at(lo - 1, ref) <= a)
            lo--;
        g->birth_lo[a] = lo;
    }
    double sum = 0;
    for (int a = 90; a < NAGES; a++)
        sum += demo_weight_90plus(a);
    double acc = 0;
    for (int a = 90; a < NAGES; a++) {
        acc += demo_weight_90plus(a) / sum;
        g->cum90[a - 90] = acc;
    }
    g->min_day = g->birth_lo[NAGES - 1];
    g->ndays = ref - g->min_day + 1;
}

/* --------------------------------------------------------------- one person */

static void put_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int draw_age(struct gen *g, struct demo_rng *rng, int grp)
{
    int lo, hi;
    group_years(grp, &lo, &hi);
    if (grp < VX_DEMO_AGE_GROUPS - 1)
        return lo + (int)demo_rng_below(rng, (uint32_t)(hi - lo + 1));
    double u = demo_rng_unit(rng);
    for (int a = 90; a < NAGES; a++)
        if (u < g->cum90[a - 90])
            return a;
    return VX_DEMO_MAX_AGE;
}

static enum vx_status make_pnr(struct gen *g, vx_day birth, int sex, struct vx_pnr *p)
{
    size_t i = (size_t)(birth - g->min_day) * 2 + (size_t)sex;
    int n = g->counters[i];
    struct vx_ymd d = vx_ymd_from_day(birth);
    if (n >= PNR_PER_SEX_DAY) {
        char buf[11];
        return vx_err_set(g->err, VX_ERANGE,
                          "birth date %s has run out of synthetic numbers (%d per sex and "
                          "day); use a smaller --scale",
                          vx_day_format(birth, buf), PNR_PER_SEX_DAY);
    }
    g->counters[i]++;
    int k = n % PER_LETTER;
    char *s = p->norm;
    int y = d.year;
    s[0] = (char)('0' + y / 1000);
    s[1] = (char)('0' + y / 100 % 10);
    s[2] = (char)('0' + y / 10 % 10);
    s[3] = (char)('0' + y % 10);
    s[4] = (char)('0' + d.month / 10);
    s[5] = (char)('0' + d.month % 10);
    s[6] = (char)('0' + d.day / 10);
    s[7] = (char)('0' + d.day % 10);
    s[8] = pnr_letters[n / PER_LETTER];
    s[9] = (char)('0' + k / 5);
    s[10] = (char)('0' + (k % 5) * 2 + (sex == 0 ? 1 : 0));
    s[11] = (char)('0' + vx_pnr_luhn(s + 2));
    s[12] = '\0';
    p->kind = VX_PNR_INTERIM;
    p->sex = sex == 0 ? VX_SEX_MALE : VX_SEX_FEMALE;
    p->birth = birth;
    p->birth_day_unknown = false;
    p->birth_month_unknown = false;
    return VX_OK;
}

static enum vx_residence draw_residence(struct gen *g, struct demo_rng *rng, int sex, int age)
{
    static const enum vx_residence order[] = {VX_RES_SPECIAL_HOUSING, VX_RES_HOME_CARE,
                                              VX_RES_HOME_HEALTH, VX_RES_LSS_HOME};
    static const int target[] = {DT_RES_SAEBO, DT_RES_HOME_CARE, DT_RES_HOME_HEALTH,
                                 DT_RES_LSS_HOME};
    double u = demo_rng_unit(rng), acc = 0;
    for (size_t i = 0; i < VX_ARRAY_LEN(order); i++) {
        acc += g->share[target[i]][sex][age];
        if (u < acc)
            return order[i];
    }
    return VX_RES_OWN_HOME;
}

static uint32_t draw_flags(struct gen *g, struct demo_rng *rng, int sex, int age,
                           enum vx_residence res)
{
    uint32_t f = 0;
    if (res != VX_RES_OWN_HOME)
        return 0;
    double u = demo_rng_unit(rng);
    double care = g->share[DT_FLAG_CARE_STAFF][sex][age];
    if (u < care)
        f |= VX_PF_CARE_STAFF;
    else if (u < care + g->share[DT_FLAG_HEALTH_STAFF][sex][age])
        f |= VX_PF_HEALTH_STAFF;
    if (demo_rng_unit(rng) < g->share[DT_FLAG_LSS_ASSIST][sex][age])
        f |= VX_PF_LSS_ASSISTANCE;
    if (age >= 18) {
        double hc = g->share[DT_RES_HOME_CARE][sex][age] + g->share[DT_RES_HOME_HEALTH][sex][age];
        if (demo_rng_unit(rng) < demo_household_factor * hc)
            f |= VX_PF_HOUSEHOLD_CONTACT;
    }
    return f;
}

static uint32_t draw_risk(struct gen *g, struct demo_rng *rng, int age)
{
    int band = demo_band_of_age(age);
    uint32_t risk = 0;
    for (int i = 0; i < demo_risk_count; i++) {
        uint32_t x = (uint32_t)(demo_rng_next(rng) >> 32);
        if (x < g->risk_thr[i][band] && g->risk_bit[i] >= 0)
            risk |= 1u << g->risk_bit[i];
    }
    return risk;
}

static void draw_names(struct demo_rng *rng, int sex, vx_day birth, struct vx_person_rec *rec)
{
    int year = vx_ymd_from_day(birth).year;
    int era = year < 1950 ? 0 : year < 1985 ? 1 : 2;
    put_str(rec->given_name, sizeof rec->given_name,
            demo_given_names[sex][era][demo_rng_below(rng, DEMO_NAMES_PER_ERA)]);
    /* The smaller of two uniform ranks: common names come up more often, as in life. */
    uint32_t a = demo_rng_below(rng, DEMO_FAMILY_NAMES), b = demo_rng_below(rng, DEMO_FAMILY_NAMES);
    put_str(rec->family_name, sizeof rec->family_name, demo_family_names[a < b ? a : b]);
}

static enum vx_status gen_person(struct gen *g, struct demo_rng *rng, int k, int grp, int sex,
                                 struct vx_person_rec *rec)
{
    const struct vx_demo_kommun *km = &g->ref->kommuner[k];
    memset(rec, 0, sizeof *rec);
    int age = draw_age(g, rng, grp);
    vx_day birth = g->birth_lo[age] +
                   (vx_day)demo_rng_below(rng, (uint32_t)(g->birth_hi[age] - g->birth_lo[age] + 1));
    enum vx_status st = make_pnr(g, birth, sex, &rec->p.pnr);
    if (st)
        return st;
    memcpy(rec->p.kommun, km->code, sizeof rec->p.kommun);
    memcpy(rec->p.region, g->ref->regions[km->region].code, sizeof rec->p.region);
    rec->p.residence = draw_residence(g, rng, sex, age);
    rec->p.flags = draw_flags(g, rng, sex, age, rec->p.residence);
    rec->p.risk = draw_risk(g, rng, age);
    draw_names(rng, sex, birth, rec);
    rec->synthetic = true;

    struct vx_demo_region_result *rr = &g->res->regions[km->region];
    rr->generated++;
    rr->by_residence[rec->p.residence]++;
    rr->age80plus += age >= 80;
    rr->with_risk += rec->p.risk != 0;
    rr->care_staff += (rec->p.flags & VX_PF_CARE_STAFF) != 0;
    return VX_OK;
}

static enum vx_status gen_people(struct gen *g, const int64_t *counts)
{
    struct vx_person_rec rec;
    for (int k = 0; k < g->ref->nkommuner; k++) {
        struct demo_rng rng;
        demo_rng_seed(&rng, g->o->seed, (uint64_t)k + 1);
        for (int grp = 0; grp < VX_DEMO_AGE_GROUPS; grp++) {
            int64_t n = counts[k * VX_DEMO_AGE_GROUPS + grp];
            int64_t pm = demo_male_permille[grp];
            for (int64_t i = 0; i < n; i++) {
                /* a man when the running male quota passes a whole person */
                int64_t acc = g->sex_acc[grp];
                g->sex_acc[grp] = acc + pm;
                int sex = (acc + pm) / 1000 > acc / 1000 ? 0 : 1;
                enum vx_status st = gen_person(g, &rng, k, grp, sex, &rec);
                if (st == VX_OK && g->sink && g->sink->person)
                    st = g->sink->person(g->sink->ctx, &rec, g->err);
                if (st)
                    return st;
                if (++g->done % PROGRESS_EVERY == 0 && g->o->progress)
                    g->o->progress(g->o->progress_ctx, g->done, g->total);
            }
        }
    }
    return VX_OK;
}

static void init_result(const struct vx_demo_ref *ref, double scale, struct vx_demo_result *res)
{
    memset(res, 0, sizeof *res);
    res->nregions = ref->nregions;
    res->scb_total = ref->total;
    res->expected = (double)ref->total * scale;
    for (int r = 0; r < ref->nregions; r++) {
        struct vx_demo_region_result *rr = &res->regions[r];
        memcpy(rr->code, ref->regions[r].code, sizeof rr->code);
        put_str(rr->name, sizeof rr->name, ref->regions[r].name);
        rr->scb = ref->regions[r].pop;
        rr->expected = (double)rr->scb * scale;
    }
}

static void finish_result(struct vx_demo_result *res)
{
    res->persons = 0;
    res->sites = 0;
    res->max_abs_region_dev_pct = 0;
    for (int r = 0; r < res->nregions; r++) {
        struct vx_demo_region_result *rr = &res->regions[r];
        res->persons += rr->generated;
        res->sites += rr->sites;
        rr->dev_pct =
            rr->expected > 0 ? 100.0 * ((double)rr->generated - rr->expected) / rr->expected : 0;
        if (fabs(rr->dev_pct) > res->max_abs_region_dev_pct)
            res->max_abs_region_dev_pct = fabs(rr->dev_pct);
    }
    res->dev_pct =
        res->expected > 0 ? 100.0 * ((double)res->persons - res->expected) / res->expected : 0;
}

enum vx_status vx_demo_generate(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                const struct vx_demo_sink *sink, struct vx_demo_result *res,
                                struct vx_err *err)
{
    struct vx_demo_result local;
    if (!res)
        res = &local;
    if (!(opts->scale > 0 && opts->scale <= 2.0))
        return vx_err_set(err, VX_EINVAL, "scale %g is outside (0, 2]", opts->scale);
    struct vx_ymd rd = vx_ymd_from_day(opts->ref_date);
    if (rd.year < 1900 + VX_DEMO_MAX_AGE || rd.year > 2199)
        return vx_err_set(err, VX_EINVAL, "reference date year %d is outside %d..2199", rd.year,
                          1900 + VX_DEMO_MAX_AGE);
    init_result(ref, opts->scale, res);

    enum vx_status st = VX_ENOMEM;
    struct gen *g = calloc(1, sizeof *g);
    int64_t *counts = calloc((size_t)ref->nkommuner * VX_DEMO_AGE_GROUPS, sizeof *counts);
    if (!g || !counts) {
        vx_err_set(err, VX_ENOMEM, "out of memory");
        goto out;
    }
    g->ref = ref;
    g->o = opts;
    g->sink = sink;
    g->res = res;
    g->err = err;
    for (int i = 0; i < VX_DEMO_AGE_GROUPS; i++)
        g->sex_acc[i] = 500; /* round to nearest */
    compute_shares(g);
    compute_risks(g);
    compute_birth_ranges(g);
    g->counters = calloc((size_t)g->ndays * 2, sizeof *g->counters);
    if (!g->counters) {
        vx_err_set(err, VX_ENOMEM, "out of memory");
        goto out;
    }
    vx_demo_plan_counts(ref, opts->scale, counts);
    for (int i = 0; i < ref->nkommuner * VX_DEMO_AGE_GROUPS; i++)
        g->total += counts[i];
    st = gen_people(g, counts);
    if (st == VX_OK && opts->sites)
        st = demo_gen_sites(ref, opts, sink, res, err);
    if (st == VX_OK && opts->progress)
        opts->progress(opts->progress_ctx, g->done, g->total);
    finish_result(res);
out:
    if (g)
        free(g->counters);
    free(g);
    free(counts);
    return st;
}
