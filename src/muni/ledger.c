/*
 * ledger.c — compensation tariffs and statements (include/vx/ledger.h).
 *
 * Pure: no I/O, no clock, no globals. The tariff table is data
 * (data/compensation.json): the state's schedule per dose to the regions and,
 * per region, agreements with its municipalities, each a sorted list of
 * non-overlapping periods [from, to] of local dates with an amount per dose in
 * öre. A day that no period of the applicable agreement covers has no agreement
 * in force: such doses are "uncovered", which is what the 2024 dispute in
 * Västerbotten was about, and is kept apart from a period whose tariff is 0.
 *
 * A statement is computed by sorting a private copy of the dose buckets by
 * (municipality, day) and sweeping it once: a bucket joins the previous line when
 * it has the same municipality and falls in the same tariff period (covered) or
 * the same calendar month (uncovered), else it opens a new line. Sorting makes
 * periods monotonic within a municipality, so the sweep is O(n log n) for any
 * number of buckets. Every amount is doses x öre in int64 with overflow checks
 * against VX_LEDGER_MAX_ORE: money is never a double here.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/ledger.h"

/* ------------------------------------------------------------ code tables */

static const char *const payer_codes[VX_PAYER_COUNT] = {"state", "region"};

const char *vx_payer_code(enum vx_payer p)
{
    return (unsigned)p < VX_PAYER_COUNT ? payer_codes[p] : "?";
}

enum vx_status vx_payer_parse(const char *s, enum vx_payer *out)
{
    for (int i = 0; s && i < VX_PAYER_COUNT; i++)
        if (!strcmp(s, payer_codes[i])) {
            *out = (enum vx_payer)i;
            return VX_OK;
        }
    return VX_EINVAL;
}

/* ------------------------------------------------------------ parsing */

static bool code_ok(const char *s, size_t len)
{
    if (!s || strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Copy optional string member k of o into dst[cap]; VX_EINVAL when present but not
 * a string or too long. */
static enum vx_status opt_str(const cJSON *o, const char *k, char *dst, size_t cap,
                              const char *where, struct vx_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v))
        return VX_OK;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return vx_err_set(err, VX_EINVAL, "%s.%s: a string of at most %zu bytes", where, k,
                          cap - 1);
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return VX_OK;
}

static enum vx_status parse_periods(const cJSON *arr, struct vx_tariff_period *out, int *n,
                                    const char *where, struct vx_err *err)
{
    *n = 0;
    if (!cJSON_IsArray(arr))
        return vx_err_set(err, VX_EINVAL, "%s: an array of periods", where);
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, arr)
    {
        char at[96];
        snprintf(at, sizeof at, "%s[%d]", where, i);
        if (i >= VX_COMP_MAX_PER)
            return vx_err_set(err, VX_EINVAL, "%s: more than %d periods", where, VX_COMP_MAX_PER);
        struct vx_tariff_period *t = &out[i];
        memset(t, 0, sizeof *t);
        if (!cJSON_IsObject(p))
            return vx_err_set(err, VX_EINVAL, "%s: an object", at);
        if (vx_day_parse(jstr(p, "from") ? jstr(p, "from") : "", &t->from) != VX_OK)
            return vx_err_set(err, VX_EINVAL, "%s.from: a date YYYY-MM-DD", at);
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(p, "to");
        if (!to || cJSON_IsNull(to))
            t->to = VX_DAY_OPEN;
        else if (!cJSON_IsString(to) || vx_day_parse(to->valuestring, &t->to) != VX_OK)
            return vx_err_set(err, VX_EINVAL, "%s.to: a date YYYY-MM-DD or null", at);
        if (t->to < t->from)
            return vx_err_set(err, VX_EINVAL, "%s.to: before from", at);
        const cJSON *ore = cJSON_GetObjectItemCaseSensitive(p, "ore_per_dose");
        if (!cJSON_IsNumber(ore) || ore->valuedouble < 0 || ore->valuedouble > 100000000.0 ||
            ore->valuedouble != (double)(int64_t)ore->valuedouble)
            return vx_err_set(err, VX_EINVAL,
                              "%s.ore_per_dose: a whole number of öre, 0..100000000", at);
        t->ore_per_dose = (int64_t)ore->valuedouble;
        const cJSON *as = cJSON_GetObjectItemCaseSensitive(p, "assumed");
        if (as && !cJSON_IsBool(as))
            return vx_err_set(err, VX_EINVAL, "%s.assumed: true or false", at);
        t->assumed = cJSON_IsTrue(as);
        enum vx_status rc = opt_str(p, "source", t->source, sizeof t->source, at, err);
        if (rc != VX_OK)
            return rc;
        if (i > 0 && t->from <= out[i - 1].to)
            return vx_err_set(err, VX_EINVAL, "%s.from: overlaps or precedes the period before",
                              at);
        i++;
    }
    *n = i;
    return VX_OK;
}

static bool names_kommun(const struct vx_agreement *a, const char *kommun)
{
    for (int i = 0; i < a->n_kommuner; i++)
        if (!strcmp(a->kommuner[i], kommun))
            return true;
    return false;
}

static enum vx_status parse_agreement(const cJSON *o, struct vx_agreement *a, const char *at,
                                      struct vx_err *err)
{
    memset(a, 0, sizeof *a);
    if (!cJSON_IsObject(o))
        return vx_err_set(err, VX_EINVAL, "%s: an object", at);
    enum vx_status rc = opt_str(o, "id", a->id, sizeof a->id, at, err);
    if (rc == VX_OK && !a->id[0])
        rc = vx_err_set(err, VX_EINVAL, "%s.id: required", at);
    if (rc == VX_OK && !code_ok(jstr(o, "region"), 2))
        rc = vx_err_set(err, VX_EINVAL, "%s.region: a two-digit region code", at);
    if (rc != VX_OK)
        return rc;
    memcpy(a->region, jstr(o, "region"), 3);
    if ((rc = opt_str(o, "name", a->name, sizeof a->name, at, err)) != VX_OK ||
        (rc = opt_str(o, "decided", a->decided, sizeof a->decided, at, err)) != VX_OK)
        return rc;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kommuner");
    if (cJSON_IsString(k) && !strcmp(k->valuestring, "*")) {
        a->all_kommuner = true;
    } else if (cJSON_IsArray(k) && cJSON_GetArraySize(k) > 0) {
        const cJSON *c;
        cJSON_ArrayForEach(c, k)
        {
            const char *s = cJSON_GetStringValue(c);
            if (a->n_kommuner >= VX_COMP_MAX_KOM)
                return vx_err_set(err, VX_EINVAL, "%s.kommuner: more than %d", at, VX_COMP_MAX_KOM);
            if (!code_ok(s, 4) || strncmp(s, a->region, 2) != 0)
                return vx_err_set(err, VX_EINVAL,
                                  "%s.kommuner[%d]: a four-digit municipality code of region %s",
                                  at, a->n_kommuner, a->region);
            if (names_kommun(a, s))
                return vx_err_set(err, VX_EINVAL, "%s.kommuner[%d]: %s named twice", at,
                                  a->n_kommuner, s);
            memcpy(a->kommuner[a->n_kommuner++], s, 5);
        }
    } else {
        return vx_err_set(err, VX_EINVAL, "%s.kommuner: \"*\" or a non-empty array of codes", at);
    }
    char where[112];
    snprintf(where, sizeof where, "%s.periods", at);
    return parse_periods(cJSON_GetObjectItemCaseSensitive(o, "periods"), a->periods, &a->n_periods,
                         where, err);
}

/* Two agreements of one region may not claim the same municipality (explicitly),
 * nor may a region have two "*" agreements. */
static enum vx_status check_unique(const struct vx_comp_table *t, int j, struct vx_err *err)
{
    const struct vx_agreement *b = &t->agreements[j];
    for (int i = 0; i < j; i++) {
        const struct vx_agreement *a = &t->agreements[i];
        if (!strcmp(a->id, b->id))
            return vx_err_set(err, VX_EINVAL, "agreements[%d].id: %s used twice", j, b->id);
        if (strcmp(a->region, b->region) != 0)
            continue;
        if (a->all_kommuner && b->all_kommuner)
            return vx_err_set(err, VX_EINVAL, "agreements[%d]: region %s has two \"*\" agreements",
                              j, b->region);
        for (int k = 0; k < b->n_kommuner; k++)
            if (names_kommun(a, b->kommuner[k]))
                return vx_err_set(err, VX_EINVAL,
                                  "agreements[%d].kommuner: %s is already in agreement %s", j,
                                  b->kommuner[k], a->id);
    }
    return VX_OK;
}

enum vx_status vx_comp_parse(const char *text, size_t len, struct vx_comp_table *out,
                             struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return vx_err_set(err, VX_EPARSE, "compensation: not valid JSON");
    enum vx_status rc = VX_OK;
    if (!cJSON_IsObject(root)) {
        rc = vx_err_set(err, VX_EINVAL, "compensation: an object");
        goto out;
    }
    const char *cur = jstr(root, "currency");
    if (!cur || strlen(cur) != 3) {
        rc = vx_err_set(err, VX_EINVAL, "currency: a three-letter code");
        goto out;
    }
    memcpy(out->currency, cur, 4);
    if ((rc = parse_periods(cJSON_GetObjectItemCaseSensitive(root, "state"), out->state,
                            &out->n_state, "state", err)) != VX_OK)
        goto out;
    const cJSON *agr = cJSON_GetObjectItemCaseSensitive(root, "agreements");
    if (!cJSON_IsArray(agr)) {
        rc = vx_err_set(err, VX_EINVAL, "agreements: an array");
        goto out;
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, agr)
    {
        if (out->n_agreements >= VX_COMP_MAX_AGR) {
            rc = vx_err_set(err, VX_EINVAL, "agreements: more than %d", VX_COMP_MAX_AGR);
            goto out;
        }
        char at[32];
        snprintf(at, sizeof at, "agreements[%d]", out->n_agreements);
        if ((rc = parse_agreement(a, &out->agreements[out->n_agreements], at, err)) != VX_OK ||
            (rc = check_unique(out, out->n_agreements, err)) != VX_OK)
            goto out;
        out->n_agreements++;
    }
out:
    cJSON_Delete(root);
    if (rc != VX_OK) {
        char keep[sizeof err->msg];
        if (err)
            memcpy(keep, err->msg, sizeof keep);
        memset(out, 0, sizeof *out);
        if (err)
            memcpy(err->msg, keep, sizeof keep);
    }
    return rc;
}

/* ------------------------------------------------------------ look-ups */

const struct vx_agreement *vx_comp_agreement_for(const struct vx_comp_table *t, const char *region,
                                                 const char *kommun)
{
    const struct vx_agreement *fallback = NULL;
    if (!region || !kommun)
        return NULL;
    for (int i = 0; i < t->n_agreements; i++) {
        const struct vx_agreement *a = &t->agreements[i];
        if (strcmp(a->region, region) != 0)
            continue;
        if (names_kommun(a, kommun))
            return a;
        if (a->all_kommuner && strncmp(kommun, region, 2) == 0)
            fallback = a;
    }
    return fallback;
}

static const struct vx_tariff_period *find_period(const struct vx_tariff_period *p, int n,
                                                  vx_day day)
{
    for (int i = 0; i < n; i++)
        if (day >= p[i].from && day <= p[i].to)
            return &p[i];
    return NULL;
}

enum vx_status vx_comp_tariff(const struct vx_comp_table *t, enum vx_payer payer,
                              const char *region, const char *kommun, vx_day day,
                              const struct vx_tariff_period **period)
{
    const struct vx_tariff_period *p = NULL;
    if (payer == VX_PAYER_STATE) {
        p = find_period(t->state, t->n_state, day);
    } else {
        const struct vx_agreement *a = vx_comp_agreement_for(t, region, kommun);
        if (a)
            p = find_period(a->periods, a->n_periods, day);
    }
    if (period)
        *period = p;
    return p ? VX_OK : VX_ENOTFOUND;
}

/* ------------------------------------------------------------ statements */

void vx_ledger_statement_init(struct vx_statement *s)
{
    memset(s, 0, sizeof *s);
}

void vx_ledger_statement_release(struct vx_statement *s)
{
    free(s->lines);
    vx_ledger_statement_init(s);
}

static int cmp_bucket(const void *x, const void *y)
{
    const struct vx_ledger_bucket *a = x, *b = y;
    int c = strcmp(a->kommun, b->kommun);
    if (c)
        return c;
    return (a->day > b->day) - (a->day < b->day);
}

static vx_day month_first(vx_day d)
{
    struct vx_ymd y = vx_ymd_from_day(d);
    return vx_day_from_ymd(y.year, y.month, 1);
}

static vx_day month_last(vx_day d)
{
    struct vx_ymd y = vx_ymd_from_day(d);
    return vx_day_from_ymd(y.year, y.month, vx_days_in_month(y.year, y.month));
}

static enum vx_status add_ore(int64_t *sum, int64_t v)
{
    int64_t r;
    if (__builtin_add_overflow(*sum, v, &r) || r > VX_LEDGER_MAX_ORE || r < -VX_LEDGER_MAX_ORE)
        return VX_ERANGE;
    *sum = r;
    return VX_OK;
}

static struct vx_ledger_line *new_line(struct vx_statement *s)
{
    if (s->n_lines == s->cap_lines) {
        if (s->cap_lines >= VX_LEDGER_MAX_LINES)
            return NULL;
        size_t cap = s->cap_lines ? s->cap_lines * 2 : 32;
        if (cap > VX_LEDGER_MAX_LINES)
            cap = VX_LEDGER_MAX_LINES;
        struct vx_ledger_line *l = realloc(s->lines, cap * sizeof *l);
        if (!l)
            return NULL;
        s->lines = l;
        s->cap_lines = cap;
    }
    struct vx_ledger_line *l = &s->lines[s->n_lines++];
    memset(l, 0, sizeof *l);
    return l;
}

/* Does bucket b (in range, kommun selected) belong to statement s? */
static bool selected(const struct vx_statement *s, const struct vx_ledger_bucket *b)
{
    if (b->day < s->from || b->day > s->to || b->doses <= 0)
        return false;
    if (s->payer == VX_PAYER_STATE)
        return true;
    if (!code_ok(b->kommun, 4) || strncmp(b->kommun, s->region, 2) != 0)
        return false;
    return !s->kommun[0] || !strcmp(s->kommun, b->kommun);
}

static enum vx_status sweep(const struct vx_comp_table *t, struct vx_statement *s,
                            struct vx_ledger_bucket *v, size_t n, struct vx_err *err)
{
    struct vx_ledger_line *last = NULL;
    const struct vx_tariff_period *last_p = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct vx_ledger_bucket *b = &v[i];
        const struct vx_tariff_period *p = NULL;
        const char *kommun = s->payer == VX_PAYER_STATE ? "" : b->kommun;
        vx_comp_tariff(t, s->payer, s->region, b->kommun, b->day, &p);
        bool same = last && !strcmp(last->kommun, kommun) &&
                    (p ? last->covered && p == last_p
                       : !last->covered && month_first(b->day) == month_first(last->from));
        if (!same) {
            if (!(last = new_line(s)))
                return vx_err_set(err, VX_ENOMEM, "statement: more than %d lines",
                                  VX_LEDGER_MAX_LINES);
            memcpy(last->kommun, kommun, strlen(kommun) + 1);
            last->covered = p != NULL;
            if (p) {
                last->from = p->from > s->from ? p->from : s->from;
                last->to = p->to < s->to ? p->to : s->to;
                last->ore_per_dose = p->ore_per_dose;
                last->assumed = p->assumed;
                const struct vx_agreement *a = s->payer == VX_PAYER_STATE
                                                   ? NULL
                                                   : vx_comp_agreement_for(t, s->region, b->kommun);
                snprintf(last->agreement, sizeof last->agreement, "%s", a ? a->id : "state");
            } else {
                vx_day mf = month_first(b->day), ml = month_last(b->day);
                last->from = mf > s->from ? mf : s->from;
                last->to = ml < s->to ? ml : s->to;
            }
            last_p = p;
        }
        int64_t doses;
        if (__builtin_add_overflow(last->doses, b->doses, &doses))
            return vx_err_set(err, VX_ERANGE, "statement: dose count overflows");
        last->doses = doses;
    }
    for (size_t i = 0; i < s->n_lines; i++) {
        struct vx_ledger_line *l = &s->lines[i];
        int64_t amount;
        if (__builtin_mul_overflow(l->doses, l->ore_per_dose, &amount) ||
            amount > VX_LEDGER_MAX_ORE)
            return vx_err_set(err, VX_ERANGE, "statement: amount of %s %" PRId64 " doses too large",
                              l->kommun, l->doses);
        l->amount_ore = amount;
        s->doses_total += l->doses;
        if (l->covered) {
            s->doses_covered += l->doses;
            if (add_ore(&s->subtotal_ore, amount) != VX_OK)
                return vx_err_set(err, VX_ERANGE, "statement: total too large");
        } else {
            s->doses_uncovered += l->doses;
        }
    }
    return VX_OK;
}

enum vx_status vx_ledger_statement(const struct vx_comp_table *t, enum vx_payer payer,
                                   const char *region, const char *kommun, vx_day from, vx_day to,
                                   const struct vx_ledger_bucket *b, size_t n,
                                   const struct vx_ledger_adjust *a, size_t na,
                                   struct vx_statement *s, struct vx_err *err)
{
    free(s->lines);
    vx_ledger_statement_init(s);
    if ((unsigned)payer >= VX_PAYER_COUNT)
        return vx_err_set(err, VX_EINVAL, "payer: unknown");
    if (!code_ok(region, 2))
        return vx_err_set(err, VX_EINVAL, "region: a two-digit code");
    if (kommun && kommun[0] && (!code_ok(kommun, 4) || strncmp(kommun, region, 2) != 0))
        return vx_err_set(err, VX_EINVAL, "kommun: a municipality of region %s", region);
    if (from > to)
        return vx_err_set(err, VX_EINVAL, "from: after to");
    s->payer = payer;
    memcpy(s->region, region, 3);
    if (payer == VX_PAYER_REGION && kommun)
        snprintf(s->kommun, sizeof s->kommun, "%s", kommun);
    s->from = from;
    s->to = to;

    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += selected(s, &b[i]);
    struct vx_ledger_bucket *v = m ? malloc(m * sizeof *v) : NULL;
    if (m && !v)
        return vx_err_set(err, VX_ENOMEM, "statement: out of memory");
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (selected(s, &b[i])) {
            v[m] = b[i];
            if (payer == VX_PAYER_STATE) /* one line per period for the whole region */
                v[m].kommun[0] = '\0';
            m++;
        }
    if (m)
        qsort(v, m, sizeof *v, cmp_bucket);
    enum vx_status rc = sweep(t, s, v, m, err);
    free(v);
    if (rc != VX_OK)
        goto fail;

    for (size_t i = 0; i < na; i++) {
        const struct vx_ledger_adjust *x = &a[i];
        bool mine = !strcmp(x->region, s->region) && x->period_from <= to && x->period_to >= from &&
                    (payer == VX_PAYER_STATE
                         ? !x->kommun[0]
                         : x->kommun[0] && (!s->kommun[0] || !strcmp(x->kommun, s->kommun)));
        if (!mine)
            continue;
        if (s->n_adjust >= VX_LEDGER_MAX_ADJ) {
            rc = vx_err_set(err, VX_ENOMEM, "statement: more than %d adjustments",
                            VX_LEDGER_MAX_ADJ);
            goto fail;
        }
        if (x->amount_ore > VX_LEDGER_MAX_ORE || x->amount_ore < -VX_LEDGER_MAX_ORE ||
            add_ore(&s->adjust_ore, x->amount_ore) != VX_OK) {
            rc = vx_err_set(err, VX_ERANGE, "statement: adjustments too large");
            goto fail;
        }
        s->adjust[s->n_adjust++] = *x;
    }
    s->total_ore = s->subtotal_ore;
    if (add_ore(&s->total_ore, s->adjust_ore) != VX_OK) {
        rc = vx_err_set(err, VX_ERANGE, "statement: total too large");
        goto fail;
    }
    return VX_OK;
fail:
    vx_ledger_statement_release(s);
    return rc;
}

void vx_ledger_statement_names(struct vx_statement *s, vx_ledger_name_fn fn, void *ctx)
{
    for (size_t i = 0; i < s->n_lines; i++) {
        struct vx_ledger_line *l = &s->lines[i];
        l->kommun_name[0] = '\0';
        if (l->kommun[0] && (i == 0 || strcmp(l->kommun, s->lines[i - 1].kommun) != 0))
            fn(ctx, l->kommun, l->kommun_name, sizeof l->kommun_name);
        else if (i > 0)
            memcpy(l->kommun_name, s->lines[i - 1].kommun_name, sizeof l->kommun_name);
    }
}

char *vx_ledger_format_ore(int64_t ore, const char *lang, char *out, size_t cap)
{
    bool en = lang && !strcmp(lang, "en");
    uint64_t v = ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%" PRIu64, v / 100);
    char grouped[48];
    int k = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            grouped[k++] = en ? ',' : ' ';
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    snprintf(out, cap, "%s%s%c%02u", ore < 0 ? "-" : "", grouped, en ? '.' : ',',
             (unsigned)(v % 100));
    return out;
}
