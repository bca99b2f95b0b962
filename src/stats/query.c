/*
 * query.c — cuts of the coverage cubes: codes of dimensions and measures, FoHM age
 * bands and priority groups, filter parsing, and vx_stats_cut().
 *
 * A cut asks the store (st->ops->stats->scan) for sums grouped by its dimensions;
 * the store answers from the smallest cube that holds them. What the cubes cannot
 * do by themselves happens here:
 *  - cumulative weeks: the scan runs without the lower week bound, grouped by the
 *    other dimension and week; running sums per key then give, for every week of
 *    the range that has data anywhere, the total through that week;
 *  - denominators: a second scan of the population cube by the cut's dimensions that
 *    it has (region, kommun, age, sex, group, deso), joined on the key text;
 *  - order: cells are sorted by their keys with each dimension's own order.
 * vx_stats_cut_direct runs the same through the direct (GROUP BY over the raw
 * tables) scans, which is the benchmark baseline and the tests' reference.
 *
 * vx_stats_apply folds what was recorded since the last time into the cubes (the
 * store's apply op, in chunks of VX_STATS_APPLY_CHUNK per transaction); vx_stats_cut
 * calls it first, so a cut never answers from stale cubes.
 *
 * The age band and group functions are the C twins of SQ_BAND and SQ_GRP in
 * src/store/sqlite/stats.c: the phase comes from the person's attributes as
 * data/eligibility.json defines the phases (any step of the phase, whatever its
 * opening date): 1 = 18+ in special housing, home care or home health care, or a
 * household contact or care staff; 2 = 18+ born 1956 or earlier, LSS home or LSS
 * assistance, dialysis or transplant, health staff; 3 = 18+ born 1957-1961, or 18-59
 * with any risk condition; 4 = any other person aged 12+; 0 = under 12.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stats_int.h"
#include "vx/person.h"

static const char *const dim_codes[VX_SD_COUNT] = {
    [VX_SD_REGION] = "region",   [VX_SD_KOMMUN] = "kommun", [VX_SD_AGE] = "age",
    [VX_SD_SEX] = "sex",         [VX_SD_GROUP] = "group",   [VX_SD_DESO] = "deso",
    [VX_SD_VACCINE] = "vaccine", [VX_SD_DOSE] = "dose",     [VX_SD_WEEK] = "week",
};

const char *vx_stats_dim_code(enum vx_stats_dim d)
{
    return (unsigned)d < VX_SD_COUNT ? dim_codes[d] : "";
}

enum vx_status vx_stats_dim_parse(const char *s, enum vx_stats_dim *out)
{
    for (int i = 0; s && i < VX_SD_COUNT; i++)
        if (!strcmp(s, dim_codes[i])) {
            *out = (enum vx_stats_dim)i;
            return VX_OK;
        }
    return VX_EINVAL;
}

static const char *const measure_codes[VX_SM_COUNT] = {"doses", "persons", "full"};

const char *vx_stats_measure_code(enum vx_stats_measure m)
{
    return (unsigned)m < VX_SM_COUNT ? measure_codes[m] : "";
}

enum vx_status vx_stats_measure_parse(const char *s, enum vx_stats_measure *out)
{
    for (int i = 0; s && i < VX_SM_COUNT; i++)
        if (!strcmp(s, measure_codes[i])) {
            *out = (enum vx_stats_measure)i;
            return VX_OK;
        }
    return VX_EINVAL;
}

/* ------------------------------------------------------------------ age, group */

static const struct {
    int lo;
    const char *label;
} bands[VX_STATS_AGE_BANDS] = {
    {0, "0-11"},   {12, "12-15"}, {16, "16-17"}, {18, "18-29"}, {30, "30-39"}, {40, "40-49"},
    {50, "50-59"}, {60, "60-69"}, {70, "70-79"}, {80, "80-89"}, {90, "90+"},
};

int vx_stats_age_band(int age)
{
    int lo = 0;
    for (int i = 0; i < VX_STATS_AGE_BANDS; i++)
        if (age >= bands[i].lo)
            lo = bands[i].lo;
    return lo;
}

const char *vx_stats_age_label(int lo)
{
    for (int i = 0; i < VX_STATS_AGE_BANDS; i++)
        if (bands[i].lo == lo)
            return bands[i].label;
    return NULL;
}

enum vx_status vx_stats_age_parse(const char *s, int *lo)
{
    for (int i = 0; s && i < VX_STATS_AGE_BANDS; i++) {
        char num[4];
        snprintf(num, sizeof num, "%d", bands[i].lo);
        if (!strcmp(s, bands[i].label) || !strcmp(s, num)) {
            *lo = bands[i].lo;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}

int vx_stats_group_of(int age, int birth_year, int residence, uint32_t risk, uint32_t flags)
{
    if (age < 12)
        return 0;
    if (age < 18)
        return 4;
    if (residence == VX_RES_SPECIAL_HOUSING || residence == VX_RES_HOME_CARE ||
        residence == VX_RES_HOME_HEALTH || (flags & (VX_PF_CARE_STAFF | VX_PF_HOUSEHOLD_CONTACT)))
        return 1;
    if (birth_year <= 1956 || residence == VX_RES_LSS_HOME ||
        (flags & (VX_PF_LSS_ASSISTANCE | VX_PF_HEALTH_STAFF)) || (risk & 3u))
        return 2;
    if ((birth_year >= 1957 && birth_year <= 1961) || (age <= 59 && (risk & 1023u)))
        return 3;
    return 4;
}

/* ------------------------------------------------------------------ queries */

void vx_stats_query_init(struct vx_stats_query *q)
{
    memset(q, 0, sizeof *q);
    q->measure = VX_SM_DOSES;
    q->age = q->sex = q->group = -1;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A code of [A-Za-z0-9_] of 1..max-1 characters. */
static bool code_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_'))
            return false;
    }
    return true;
}

static bool small_int(const char *s, int lo, int hi, int *out)
{
    if (!*s || strlen(s) > 3)
        return false;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Set the filter of dimension d in q from text v; false if v is not a value of d. */
static bool set_filter(struct vx_stats_query *q, enum vx_stats_dim d, const char *v)
{
    switch (d) {
    case VX_SD_REGION:
        if (!all_digits(v, 2))
            return false;
        memcpy(q->region, v, 3);
        return true;
    case VX_SD_KOMMUN:
        if (!all_digits(v, 4))
            return false;
        memcpy(q->kommun, v, 5);
        return true;
    case VX_SD_DESO:
        if (!code_ok(v, sizeof q->deso))
            return false;
        memcpy(q->deso, v, strlen(v) + 1);
        return true;
    case VX_SD_VACCINE:
        if (!code_ok(v, sizeof q->vaccine))
            return false;
        memcpy(q->vaccine, v, strlen(v) + 1);
        return true;
    case VX_SD_AGE:
        return vx_stats_age_parse(v, &q->age) == VX_OK;
    case VX_SD_SEX:
        return small_int(v, 0, 2, &q->sex);
    case VX_SD_GROUP:
        return small_int(v, 0, 4, &q->group);
    case VX_SD_DOSE:
        return small_int(v, 1, 9, &q->dose);
    case VX_SD_WEEK:
    case VX_SD_COUNT:
        break;
    }
    return false;
}

enum vx_status vx_stats_filter_parse(struct vx_stats_query *q, const char *list, struct vx_err *err)
{
    if (!list || !*list)
        return VX_OK;
    if (strlen(list) > 512)
        return vx_err_set(err, VX_EINVAL, "filter: longer than 512 characters");
    char buf[513];
    memcpy(buf, list, strlen(list) + 1);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon)
            return vx_err_set(err, VX_EINVAL, "filter: '%.40s' is not dimension:value", item);
        *colon = '\0';
        enum vx_stats_dim d;
        if (vx_stats_dim_parse(item, &d) != VX_OK || d == VX_SD_WEEK)
            return vx_err_set(err, VX_EINVAL, "filter: unknown dimension '%.20s'", item);
        if (!set_filter(q, d, colon + 1))
            return vx_err_set(err, VX_EINVAL, "filter: '%.30s' is not a value of %s", colon + 1,
                              dim_codes[d]);
    }
    return VX_OK;
}

/* ------------------------------------------------------------------ results */

void vx_stats_result_init(struct vx_stats_result *r)
{
    memset(r, 0, sizeof *r);
    r->total_population = -1;
    r->cube = "";
}

void vx_stats_result_release(struct vx_stats_result *r)
{
    free(r->cells);
    r->cells = NULL;
    r->n = r->cap = 0;
}

enum vx_status vx_stats__push(struct vx_stats_result *r, const struct vx_stats_cell *c)
{
    if (r->n == r->cap) {
        if (r->cap >= VX_STATS_MAX_CELLS)
            return VX_ENOMEM;
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct vx_stats_cell *p = realloc(r->cells, cap * sizeof *p);
        if (!p)
            return VX_ENOMEM;
        r->cells = p;
        r->cap = cap;
    }
    r->cells[r->n++] = *c;
    return VX_OK;
}

int vx_stats__key_cmp(enum vx_stats_dim d, const char *a, const char *b)
{
    if (d == VX_SD_AGE || d == VX_SD_DOSE || d == VX_SD_SEX || d == VX_SD_GROUP) {
        int x = 0, y = 0;
        if (d == VX_SD_AGE) {
            vx_stats_age_parse(a, &x);
            vx_stats_age_parse(b, &y);
        } else {
            x = (int)strtol(a, NULL, 10);
            y = (int)strtol(b, NULL, 10);
        }
        return (x > y) - (x < y);
    }
    return strcmp(a, b);
}

/* ------------------------------------------------------------------ the cut */

struct cut {
    struct vx_stats_result *r;
    enum vx_stats_dim dims[VX_STATS_SCAN_DIMS];
    int ndims;
    int week_at;  /* index of week among the scanned dims, -1 = none */
    int out_week; /* index of week among the by dims, -1 = none */
    /* rows of a cumulative scan, kept until the running sums are made */
    struct vx_stats_cell *rows;
    size_t nrows, caprows;
    enum vx_status failed;
};

/* Key text of a scanned value: age bands get their label. */
static void key_text(enum vx_stats_dim d, const char *v, char *out)
{
    if (d == VX_SD_AGE) {
        const char *l = vx_stats_age_label((int)strtol(v, NULL, 10));
        snprintf(out, VX_STATS_KEY_MAX, "%s", l ? l : v);
    } else {
        snprintf(out, VX_STATS_KEY_MAX, "%s", v);
    }
}

/* A scan row of a non-cumulative cut is a cell (scan dims == by dims). */
static int cell_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct cut *c = ctx;
    struct vx_stats_cell cell = {.n = n, .population = -1};
    for (int i = 0; i < c->ndims; i++)
        key_text(c->dims[i], key[i], cell.key[i]);
    if ((c->failed = vx_stats__push(c->r, &cell)) != VX_OK)
        return 1;
    return 0;
}

/* Cumulative: keep rows (other key in key[0], week in key[1]). */
static int cum_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct cut *c = ctx;
    if (c->nrows == c->caprows) {
        size_t cap = c->caprows ? c->caprows * 2 : 256;
        struct vx_stats_cell *p =
            cap > VX_STATS_MAX_CELLS ? NULL : realloc(c->rows, cap * sizeof *p);
        if (!p) {
            c->failed = VX_ENOMEM;
            return 1;
        }
        c->rows = p;
        c->caprows = cap;
    }
    struct vx_stats_cell *row = &c->rows[c->nrows++];
    memset(row, 0, sizeof *row);
    row->n = n;
    int k = 0;
    for (int i = 0; i < c->ndims; i++) {
        if (i == c->week_at)
            continue;
        key_text(c->dims[i], key[i], row->key[0]);
        k++;
    }
    snprintf(row->key[1], VX_STATS_KEY_MAX, "%s", key[c->week_at]);
    (void)k;
    return 0;
}

static int cmp_week_text(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Running sums per other key over the weeks that have data, kept from `from` on. */
static enum vx_status make_cumulative(struct cut *c, const struct vx_stats_query *q, bool other)
{
    /* distinct weeks in order */
    char(*weeks)[VX_STATS_KEY_MAX] = malloc((c->nrows ? c->nrows : 1) * sizeof *weeks);
    if (!weeks)
        return VX_ENOMEM;
    size_t nw = 0;
    for (size_t i = 0; i < c->nrows; i++)
        memcpy(weeks[nw++], c->rows[i].key[1], VX_STATS_KEY_MAX);
    qsort(weeks, nw, sizeof *weeks, cmp_week_text);
    size_t u = 0;
    for (size_t i = 0; i < nw; i++)
        if (!u || strcmp(weeks[u - 1], weeks[i]))
            memcpy(weeks[u++], weeks[i], VX_STATS_KEY_MAX);
    nw = u;
    char from[12] = "";
    if (q->from.year)
        vx_isoweek_format(q->from, from);
    enum vx_status vs = VX_OK;
    /* rows come sorted by (other key, week) */
    size_t i = 0;
    while (i < c->nrows && vs == VX_OK) {
        size_t j = i;
        while (j < c->nrows && (!other || !strcmp(c->rows[j].key[0], c->rows[i].key[0])))
            j++;
        int64_t sum = 0;
        size_t k = i;
        for (size_t w = 0; w < nw && vs == VX_OK; w++) {
            while (k < j && strcmp(c->rows[k].key[1], weeks[w]) <= 0)
                sum += c->rows[k++].n;
            if (sum == 0 || (from[0] && strcmp(weeks[w], from) < 0))
                continue;
            struct vx_stats_cell cell = {.n = sum, .population = -1};
            int o = 0;
            for (int d = 0; d < c->r->q.nby; d++) {
                if (d == c->out_week)
                    snprintf(cell.key[d], VX_STATS_KEY_MAX, "%s", weeks[w]);
                else
                    memcpy(cell.key[d], c->rows[i].key[o++], VX_STATS_KEY_MAX);
            }
            vs = vx_stats__push(c->r, &cell);
        }
        i = j;
    }
    free(weeks);
    return vs;
}

static int cmp_cells(const struct vx_stats_query *q, const struct vx_stats_cell *x,
                     const struct vx_stats_cell *y)
{
    for (int d = 0; d < q->nby; d++) {
        int c = vx_stats__key_cmp(q->by[d], x->key[d], y->key[d]);
        if (c)
            return c;
    }
    return 0;
}

/* Stable merge sort of the cells by key (qsort has no context argument, and handlers
 * run on several threads, so the order cannot live in a global). */
static enum vx_status sort_cells(struct vx_stats_result *r)
{
    if (r->n < 2)
        return VX_OK;
    struct vx_stats_cell *tmp = malloc(r->n * sizeof *tmp);
    if (!tmp)
        return VX_ENOMEM;
    struct vx_stats_cell *a = r->cells, *b = tmp;
    for (size_t width = 1; width < r->n; width *= 2) {
        for (size_t lo = 0; lo < r->n; lo += 2 * width) {
            size_t mid = lo + width < r->n ? lo + width : r->n;
            size_t hi = lo + 2 * width < r->n ? lo + 2 * width : r->n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = cmp_cells(&r->q, &a[j], &a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        struct vx_stats_cell *t = a;
        a = b;
        b = t;
    }
    if (a != r->cells)
        memcpy(r->cells, a, r->n * sizeof *a);
    free(tmp);
    return VX_OK;
}

/* Population join ------------------------------------------------------- */

static bool pop_dim(enum vx_stats_dim d)
{
    return d == VX_SD_REGION || d == VX_SD_KOMMUN || d == VX_SD_AGE || d == VX_SD_SEX ||
           d == VX_SD_GROUP || d == VX_SD_DESO;
}

struct pop {
    enum vx_stats_dim dims[2];
    int map[2]; /* pop dim i is by dim map[i] */
    int ndims;
    struct vx_stats_cell *rows;
    size_t n, cap;
    enum vx_status failed;
};

static int pop_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct pop *p = ctx;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct vx_stats_cell *x =
            cap > VX_STATS_MAX_CELLS ? NULL : realloc(p->rows, cap * sizeof *x);
        if (!x) {
            p->failed = VX_ENOMEM;
            return 1;
        }
        p->rows = x;
        p->cap = cap;
    }
    struct vx_stats_cell *c = &p->rows[p->n++];
    memset(c, 0, sizeof *c);
    for (int i = 0; i < p->ndims; i++)
        key_text(p->dims[i], key[i], c->key[i]);
    c->n = n;
    return 0;
}

static int64_t pop_find(const struct pop *p, const struct vx_stats_cell *cell)
{
    /* rows are sorted by the scan's key order; a linear search is fine for the sizes
     * of population joins (a few thousand rows), a binary one would need the scan
     * order of text keys, which differs from numeric label order */
    for (size_t i = 0; i < p->n; i++) {
        bool eq = true;
        for (int d = 0; d < p->ndims && eq; d++)
            eq = !strcmp(p->rows[i].key[d], cell->key[p->map[d]]);
        if (eq)
            return p->rows[i].n;
    }
    return 0;
}

static int total_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    (void)key;
    *(int64_t *)ctx += n;
    return 0;
}

static enum vx_status add_population(struct vx_store *st, struct vx_stats_result *r)
{
    struct vx_stats_meta meta;
    enum vx_status vs = st->ops->stats->meta(st, &meta);
    if (vs != VX_OK)
        return vs;
    r->population_ref = meta.population_ref;
    r->population_stale = meta.population_stale;
    if (!meta.population_ref)
        return VX_OK;
    int64_t total = 0;
    vs = st->ops->stats->population(st, &r->q, NULL, 0, total_row, &total);
    if (vs != VX_OK)
        return vs;
    r->total_population = total;
    struct pop p = {.ndims = 0};
    for (int i = 0; i < r->q.nby; i++)
        if (pop_dim(r->q.by[i])) {
            p.dims[p.ndims] = r->q.by[i];
            p.map[p.ndims++] = i;
        }
    if (p.ndims == 0) {
        for (size_t i = 0; i < r->n; i++)
            r->cells[i].population = total;
        return VX_OK;
    }
    vs = st->ops->stats->population(st, &r->q, p.dims, p.ndims, pop_row, &p);
    if (vs == VX_OK && p.failed)
        vs = p.failed;
    if (vs == VX_OK) {
        /* one lookup per distinct key: cells sharing keys are adjacent after sorting
         * only for by[0], so cache the last answer */
        const struct vx_stats_cell *last = NULL;
        int64_t last_pop = 0;
        for (size_t i = 0; i < r->n; i++) {
            bool same = last != NULL;
            for (int d = 0; d < p.ndims && same; d++)
                same = !strcmp(last->key[p.map[d]], r->cells[i].key[p.map[d]]);
            if (!same) {
                last_pop = pop_find(&p, &r->cells[i]);
                last = &r->cells[i];
            }
            r->cells[i].population = last_pop;
        }
    }
    free(p.rows);
    return vs;
}

/* Validate and normalise the query. */
static enum vx_status check_query(struct vx_store *st, const struct vx_stats_query *q)
{
    if ((unsigned)q->measure >= VX_SM_COUNT) {
        snprintf(st->err, sizeof st->err, "stats: unknown measure");
        return VX_EINVAL;
    }
    if (q->nby < 0 || q->nby > 2) {
        snprintf(st->err, sizeof st->err, "stats: at most 2 dimensions in by (got %d)", q->nby);
        return VX_EINVAL;
    }
    for (int i = 0; i < q->nby; i++) {
        if ((unsigned)q->by[i] >= VX_SD_COUNT) {
            snprintf(st->err, sizeof st->err, "stats: unknown dimension");
            return VX_EINVAL;
        }
        if (i && q->by[0] == q->by[1]) {
            snprintf(st->err, sizeof st->err, "stats: dimension %s twice", dim_codes[q->by[0]]);
            return VX_EINVAL;
        }
    }
    if (q->from.year && q->to.year &&
        q->from.year * 100 + q->from.week > q->to.year * 100 + q->to.week) {
        snprintf(st->err, sizeof st->err, "stats: week range ends before it starts");
        return VX_EINVAL;
    }
    return VX_OK;
}

static enum vx_status cut(struct vx_store *st, const struct vx_stats_query *q, bool direct,
                          struct vx_stats_result *out)
{
    enum vx_status vs = check_query(st, q);
    if (vs != VX_OK)
        return vs;
    out->q = *q;
    struct cut c = {.r = out, .week_at = -1, .out_week = -1};
    for (int i = 0; i < q->nby; i++)
        if (q->by[i] == VX_SD_WEEK)
            c.out_week = i;
    bool cum_weeks = q->cumulative && c.out_week >= 0;
    struct vx_stats_query sq = *q;
    if (q->cumulative)
        sq.from.year = sq.from.week = 0; /* totals through each week start at the beginning */
    if (cum_weeks) {
        for (int i = 0; i < q->nby; i++)
            if (i != c.out_week)
                c.dims[c.ndims++] = q->by[i];
        c.week_at = c.ndims;
        c.dims[c.ndims++] = VX_SD_WEEK;
        vs = st->ops->stats->scan(st, &sq, c.dims, c.ndims, direct, cum_row, &c, &out->cube);
        if (vs == VX_OK && c.failed)
            vs = c.failed;
        if (vs == VX_OK)
            vs = make_cumulative(&c, q, q->nby == 2);
        free(c.rows);
    } else {
        for (int i = 0; i < q->nby; i++)
            c.dims[c.ndims++] = q->by[i];
        vs = st->ops->stats->scan(st, &sq, c.dims, c.ndims, direct, cell_row, &c, &out->cube);
        if (vs == VX_OK && c.failed)
            vs = c.failed;
    }
    if (vs == VX_ENOMEM)
        snprintf(st->err, sizeof st->err, "stats: result too large or out of memory");
    if (vs != VX_OK)
        return vs;
    if ((vs = sort_cells(out)) != VX_OK) {
        snprintf(st->err, sizeof st->err, "stats: out of memory");
        return vs;
    }
    /* the total: the cut without dimensions (through `to` when cumulative) */
    int64_t total = 0;
    vs = st->ops->stats->scan(st, &sq, NULL, 0, direct, total_row, &total, NULL);
    if (vs != VX_OK)
        return vs;
    out->total = total;
    if (!direct && q->measure != VX_SM_DOSES)
        vs = add_population(st, out);
    return vs;
}

enum vx_status vx_stats_cut(struct vx_store *st, const struct vx_stats_query *q,
                            struct vx_stats_result *out)
{
    enum vx_status vs = vx_stats_apply(st, 0, NULL); /* never answer from stale cubes */
    return vs != VX_OK ? vs : cut(st, q, false, out);
}

enum vx_status vx_stats_cut_direct(struct vx_store *st, const struct vx_stats_query *q,
                                   struct vx_stats_result *out)
{
    return cut(st, q, true, out);
}

enum vx_status vx_stats_refresh(struct vx_store *st, vx_day ref, int64_t *persons)
{
    return st->ops->stats->refresh_population(st, ref, persons);
}

enum vx_status vx_stats_rebuild(struct vx_store *st)
{
    return st->ops->stats->rebuild(st);
}

enum vx_status vx_stats_apply(struct vx_store *st, int64_t max, struct vx_stats_applied *out)
{
    struct vx_stats_applied sum, one;
    memset(&sum, 0, sizeof sum);
    enum vx_status vs = VX_OK;
    for (int64_t left = max;;) {
        int64_t chunk = VX_STATS_APPLY_CHUNK;
        if (max > 0 && left < chunk)
            chunk = left;
        if ((vs = st->ops->stats->apply(st, chunk, &one)) != VX_OK)
            break;
        sum.doses += one.doses;
        sum.changes += one.changes;
        sum.persons += one.persons;
        sum.chunks += one.doses || one.changes;
        sum.off = one.off;
        if (!one.more)
            break;
        if (max > 0 && (left -= chunk) <= 0) {
            sum.more = true;
            break;
        }
    }
    if (out)
        *out = sum;
    return vs;
}
