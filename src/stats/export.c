/*
 * export.c — open data: CSV and XLSX in Folkhälsomyndigheten's column layouts, and
 * Prometheus gauges of the headline figures.
 *
 * Both file layouts are built as a table of rows (struct table: text or number per
 * column) from a handful of cuts, then written by one of two writers (CSV into a
 * vx_buf, XLSX through libxlsxwriter), so the two formats cannot drift apart.
 *
 * region_week: per ISO week from the first recorded week to `through` and per area
 * ("00" Sverige, then each län), the cumulative doses and persons with at least N
 * doses (N = 1..5), with shares of the area's population (population cube, all
 * ages). Cuts: doses and persons-N by (region, week), cumulative, and by week for
 * Sverige; each cut is suppressed on its own (lines: the län of one week, whose
 * margin is the Sverige row). A week without new data repeats the previous week's
 * value (and its suppression). A level nobody in the country has reached by the week
 * is left empty, as FoHM leaves values not yet reported.
 *
 * region_age: at `through`, per area and age band (12-15 .. 90+, and total_18+) the
 * persons with at least 1 dose, fully vaccinated, at least 2 and at least 3 doses,
 * with shares of the band's population. Each (area, status) is one line whose margin
 * is the area's all-age total (published in region_week); total_18+ is hidden as
 * soon as any band of the line is hidden, because it is the margin minus the bands
 * under 18.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include "stats_int.h"

#define EX_MAX_AREAS 32
#define EX_MAX_WEEKS 1200
#define EX_LEVELS    5

/* ------------------------------------------------------------------ areas */

struct areas {
    int n;
    char code[EX_MAX_AREAS][3];
    char name[EX_MAX_AREAS][64];
};

static int area_cb(void *ctx, const char *code, const char *name)
{
    struct areas *a = ctx;
    if (a->n >= EX_MAX_AREAS || strlen(code) != 2)
        return 0;
    memcpy(a->code[a->n], code, 3);
    snprintf(a->name[a->n], sizeof a->name[0], "%s", name);
    a->n++;
    return 0;
}

static enum vx_status load_areas(struct vx_store *st, const char *only, struct areas *a)
{
    memset(a, 0, sizeof *a);
    memcpy(a->code[0], "00", 3);
    memcpy(a->name[0], "Sverige", 8);
    a->n = 1;
    enum vx_status vs = st->ops->stats->regions(st, area_cb, a);
    if (vs == VX_OK && only && only[0]) {
        /* one region: keep just it */
        for (int i = 1; i < a->n; i++)
            if (!strcmp(a->code[i], only)) {
                memcpy(a->code[0], a->code[i], 3);
                memcpy(a->name[0], a->name[i], sizeof a->name[0]);
                a->n = 1;
                return VX_OK;
            }
        snprintf(st->err, sizeof st->err, "export: no region %.2s", only);
        return VX_ENOTFOUND;
    }
    return vs;
}

static int area_index(const struct areas *a, const char *code)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->code[i], code))
            return i;
    return -1;
}

/* ------------------------------------------------------------------ table */

enum col_kind { COL_TEXT, COL_INT, COL_NUM, COL_EMPTY };
struct col {
    enum col_kind kind;
    char text[64];
    int64_t i;
    double num;
};
#define EX_MAX_COLS 16
struct row {
    struct col c[EX_MAX_COLS];
    int n;
};
struct table {
    const char *header;
    struct row *rows;
    size_t n, cap;
};

static struct row *table_add(struct table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct row *p = cap > (1u << 20) ? NULL : realloc(t->rows, cap * sizeof *p);
        if (!p)
            return NULL;
        t->rows = p;
        t->cap = cap;
    }
    struct row *r = &t->rows[t->n++];
    r->n = 0;
    return r;
}

static void put_text(struct row *r, const char *s)
{
    struct col *c = &r->c[r->n++];
    c->kind = COL_TEXT;
    snprintf(c->text, sizeof c->text, "%s", s);
}

static void put_int(struct row *r, int64_t v)
{
    struct col *c = &r->c[r->n++];
    c->kind = COL_INT;
    c->i = v;
}

static void put_empty(struct row *r)
{
    r->c[r->n++].kind = COL_EMPTY;
}

/* A count and its share under suppression: "<5"/".." and an empty share. */
static void put_count_share(struct row *r, int64_t n, enum vx_stats_supp s, int64_t pop,
                            bool with_share)
{
    if (s != VX_SUPP_NONE) {
        char b[24];
        put_text(r, vx_stats_count_text(n, s, b));
        if (with_share)
            put_empty(r);
        return;
    }
    put_int(r, n);
    if (with_share) {
        if (pop > 0) {
            struct col *c = &r->c[r->n++];
            c->kind = COL_NUM;
            c->num = (double)n / (double)pop;
        } else {
            put_empty(r);
        }
    }
}

static enum vx_status table_csv(const struct table *t, struct vx_buf *out)
{
    enum vx_status vs = vx_buf_printf(out, "%s\n", t->header);
    for (size_t i = 0; i < t->n && vs == VX_OK; i++) {
        const struct row *r = &t->rows[i];
        for (int j = 0; j < r->n && vs == VX_OK; j++) {
            const struct col *c = &r->c[j];
            if (j)
                vs = vx_buf_puts(out, ",");
            if (vs != VX_OK)
                break;
            switch (c->kind) {
            case COL_TEXT:
                vs = vx_buf_puts(out, c->text); /* codes and names: no comma or quote */
                break;
            case COL_INT:
                vs = vx_buf_printf(out, "%lld", (long long)c->i);
                break;
            case COL_NUM:
                vs = vx_buf_printf(out, "%.6f", c->num);
                break;
            case COL_EMPTY:
                break;
            }
        }
        if (vs == VX_OK)
            vs = vx_buf_puts(out, "\n");
    }
    return vs;
}

static void table_free(struct table *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

/* ------------------------------------------------------------------ cuts */

/* Run a cut into r (suppressed unless told otherwise). */
static enum vx_status run_cut(struct vx_store *st, const struct vx_stats_query *q,
                              bool unsuppressed, struct vx_stats_result *r)
{
    vx_stats_result_init(r);
    enum vx_status vs = vx_stats_cut(st, q, r);
    if (vs == VX_OK && !unsuppressed)
        vx_stats_suppress(r);
    return vs;
}

static int week_index(struct vx_isoweek first, const char *text)
{
    struct vx_isoweek w;
    if (vx_isoweek_parse(text, &w) != VX_OK)
        return -1;
    vx_day a = vx_isoweek_monday(first.year, first.week), b = vx_isoweek_monday(w.year, w.week);
    return (int)((b - a) / 7);
}

struct grid {
    int64_t n;
    enum vx_stats_supp s;
    bool set;
};

/* Fill grid[area][week] from a cumulative cut by (region, week) or by week. */
static void fill(struct grid *g, int nweeks, const struct areas *a, struct vx_isoweek first,
                 const struct vx_stats_result *r, bool national)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct vx_stats_cell *c = &r->cells[i];
        int ai = national ? 0 : area_index(a, c->key[0]);
        int wi = week_index(first, national ? c->key[0] : c->key[1]);
        if (ai < 0 || wi < 0 || wi >= nweeks)
            continue;
        g[ai * nweeks + wi] = (struct grid){c->n, c->supp, true};
    }
    /* carry forward weeks without new data */
    for (int ai = 0; ai < a->n; ai++)
        for (int wi = 1; wi < nweeks; wi++)
            if (!g[ai * nweeks + wi].set && g[ai * nweeks + wi - 1].set)
                g[ai * nweeks + wi] = g[ai * nweeks + wi - 1];
}

struct area_pop_ctx {
    const struct areas *a;
    int64_t *pop;
    bool one_region;
};

static int area_pop_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct area_pop_ctx *c = ctx;
    int ai = area_index(c->a, key[0]);
    if (ai > 0 || (ai == 0 && c->one_region))
        c->pop[ai] += n;
    if (!c->one_region)
        c->pop[0] += n;
    return 0;
}

/* Population per area (all ages) from the population cube; 0 when never built. */
static enum vx_status area_population(struct vx_store *st, const struct areas *a, bool one_region,
                                      int64_t pop[EX_MAX_AREAS])
{
    memset(pop, 0, sizeof(int64_t) * EX_MAX_AREAS);
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    const enum vx_stats_dim dims[1] = {VX_SD_REGION};
    struct area_pop_ctx c = {a, pop, one_region};
    return st->ops->stats->population(st, &q, dims, 1, area_pop_row, &c);
}

static enum vx_status through_week(struct vx_store *st, const struct vx_stats_export_opts *o,
                                   struct vx_isoweek *first, struct vx_isoweek *through)
{
    struct vx_stats_meta m;
    enum vx_status vs = st->ops->stats->meta(st, &m);
    if (vs != VX_OK)
        return vs;
    if (!m.first_week[0]) {
        *first = *through = (struct vx_isoweek){0, 0};
        return VX_OK;
    }
    vx_isoweek_parse(m.first_week, first);
    if (o && o->through.year)
        *through = o->through;
    else
        vx_isoweek_parse(m.last_week, through);
    return VX_OK;
}

/* ------------------------------------------------------------------ region_week */

static enum vx_status build_region_week(struct vx_store *st, const struct vx_stats_export_opts *o,
                                        struct table *t)
{
    t->header = "iso_week,iso_year,week,lan_code,region,doses_administered_cum,"
                "persons_dose1_cum,share_dose1,persons_dose2_cum,share_dose2,"
                "persons_dose3_cum,share_dose3,persons_dose4_cum,share_dose4,"
                "persons_dose5_cum,share_dose5";
    struct areas a;
    enum vx_status vs = load_areas(st, o->region, &a);
    struct vx_isoweek first, through;
    if (vs == VX_OK)
        vs = through_week(st, o, &first, &through);
    if (vs != VX_OK || !first.year)
        return vs;
    char tw[12];
    vx_isoweek_format(through, tw);
    int nweeks = week_index(first, tw) + 1;
    if (nweeks <= 0)
        return VX_OK;
    if (nweeks > EX_MAX_WEEKS) {
        snprintf(st->err, sizeof st->err, "export: more than %d weeks", EX_MAX_WEEKS);
        return VX_ERANGE;
    }
    int64_t pop[EX_MAX_AREAS];
    bool one_region = o->region[0] != '\0';
    if ((vs = area_population(st, &a, one_region, pop)) != VX_OK)
        return vs;
    size_t cells = (size_t)a.n * (size_t)nweeks;
    struct grid *g[1 + EX_LEVELS] = {NULL};
    for (int m = 0; m <= EX_LEVELS; m++)
        if (!(g[m] = calloc(cells, sizeof *g[m])))
            vs = VX_ENOMEM;
    for (int m = 0; m <= EX_LEVELS && vs == VX_OK; m++) {
        struct vx_stats_query q;
        vx_stats_query_init(&q);
        q.measure = m == 0 ? VX_SM_DOSES : VX_SM_PERSONS;
        q.dose = m;
        q.cumulative = true;
        q.to = through;
        if (one_region)
            memcpy(q.region, o->region, 3);
        struct vx_stats_result r;
        /* Sverige (or the one region) by week */
        q.nby = 1;
        q.by[0] = VX_SD_WEEK;
        vs = run_cut(st, &q, o->unsuppressed, &r);
        if (vs == VX_OK)
            fill(g[m], nweeks, &a, first, &r, true);
        vx_stats_result_release(&r);
        if (vs != VX_OK || one_region)
            continue;
        q.nby = 2;
        q.by[0] = VX_SD_REGION;
        q.by[1] = VX_SD_WEEK;
        vs = run_cut(st, &q, o->unsuppressed, &r);
        if (vs == VX_OK)
            fill(g[m], nweeks, &a, first, &r, false);
        vx_stats_result_release(&r);
    }
    for (int wi = 0; wi < nweeks && vs == VX_OK; wi++) {
        vx_day monday = vx_isoweek_monday(first.year, first.week) + 7 * wi;
        struct vx_isoweek w = vx_isoweek_of(monday);
        char wt[12];
        vx_isoweek_format(w, wt);
        for (int ai = 0; ai < a.n && vs == VX_OK; ai++) {
            struct row *r = table_add(t);
            if (!r) {
                vs = VX_ENOMEM;
                break;
            }
            put_text(r, wt);
            put_int(r, w.year);
            put_int(r, w.week);
            put_text(r, a.code[ai]);
            put_text(r, a.name[ai]);
            struct grid *d = &g[0][ai * nweeks + wi];
            put_count_share(r, d->n, d->s, 0, false);
            for (int m = 1; m <= EX_LEVELS; m++) {
                struct grid *x = &g[m][ai * nweeks + wi];
                struct grid *nat = &g[m][0 * nweeks + wi];
                if (!nat->set || (nat->n == 0 && nat->s == VX_SUPP_NONE)) {
                    put_empty(r);
                    put_empty(r);
                } else {
                    put_count_share(r, x->set ? x->n : 0, x->set ? x->s : VX_SUPP_NONE, pop[ai],
                                    true);
                }
            }
        }
    }
    for (int m = 0; m <= EX_LEVELS; m++)
        free(g[m]);
    if (vs == VX_ENOMEM)
        snprintf(st->err, sizeof st->err, "export: out of memory");
    return vs;
}

/* ------------------------------------------------------------------ region_age */

static const struct {
    const char *status;
    enum vx_stats_measure m;
    int dose;
} statuses[] = {
    {"at_least_1_dose", VX_SM_PERSONS, 1},
    {"fully_vaccinated", VX_SM_FULL, 0},
    {"at_least_2_doses", VX_SM_PERSONS, 2},
    {"at_least_3_doses", VX_SM_PERSONS, 3},
};

/* FoHM's published bands (no 0-11). */
static const int fohm_bands[] = {12, 16, 18, 30, 40, 50, 60, 70, 80, 90};

struct band_pop_ctx {
    const struct areas *a;
    int64_t (*pop)[VX_ARRAY_LEN(fohm_bands)];
};

static int band_pop_row(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    struct band_pop_ctx *c = ctx;
    int ai = area_index(c->a, key[0]);
    int lo = (int)strtol(key[1], NULL, 10);
    for (size_t b = 0; ai >= 0 && b < VX_ARRAY_LEN(fohm_bands); b++)
        if (fohm_bands[b] == lo) {
            c->pop[ai][b] += n;
            if (ai > 0)
                c->pop[0][b] += n; /* Sverige */
        }
    return 0;
}

static enum vx_status build_region_age(struct vx_store *st, const struct vx_stats_export_opts *o,
                                       struct table *t)
{
    t->header = "data_through_week,published,lan_code,region,age_group,status,persons,share";
    struct areas a;
    enum vx_status vs = load_areas(st, o->region, &a);
    struct vx_isoweek first, through;
    if (vs == VX_OK)
        vs = through_week(st, o, &first, &through);
    if (vs != VX_OK || !first.year)
        return vs;
    struct vx_stats_meta meta;
    if ((vs = st->ops->stats->meta(st, &meta)) != VX_OK)
        return vs;
    char tw[12], pub[16] = "";
    vx_isoweek_format(through, tw);
    vx_day published = o->published ? o->published : meta.population_ref;
    if (published)
        vx_day_format(published, pub);
    bool one_region = o->region[0] != '\0';
    int64_t band_pop[EX_MAX_AREAS][VX_ARRAY_LEN(fohm_bands)];
    memset(band_pop, 0, sizeof band_pop);
    if (meta.population_ref) {
        struct vx_stats_query pq;
        vx_stats_query_init(&pq);
        if (one_region)
            memcpy(pq.region, o->region, 3);
        const enum vx_stats_dim dims[2] = {VX_SD_REGION, VX_SD_AGE};
        /* one region sits at index 0, where Sverige would be: added once */
        struct band_pop_ctx bc = {&a, band_pop};
        vs = st->ops->stats->population(st, &pq, dims, 2, band_pop_row, &bc);
    }
    for (int ai = 0; ai < a.n && vs == VX_OK; ai++) {
        for (size_t si = 0; si < VX_ARRAY_LEN(statuses) && vs == VX_OK; si++) {
            struct vx_stats_query q;
            vx_stats_query_init(&q);
            q.measure = statuses[si].m;
            q.dose = statuses[si].dose;
            q.cumulative = true;
            q.to = through;
            q.nby = 1;
            q.by[0] = VX_SD_AGE;
            if (ai > 0 || one_region)
                memcpy(q.region, a.code[ai], 3);
            struct vx_stats_result r;
            vs = run_cut(st, &q, o->unsuppressed, &r);
            int64_t n18 = 0, p18 = 0;
            bool any_hidden = false;
            for (size_t b = 0; b < VX_ARRAY_LEN(fohm_bands) && vs == VX_OK; b++) {
                int lo = fohm_bands[b];
                const char *label = vx_stats_age_label(lo);
                const struct vx_stats_cell *c = NULL;
                for (size_t i = 0; i < r.n; i++)
                    if (!strcmp(r.cells[i].key[0], label))
                        c = &r.cells[i];
                struct row *row = table_add(t);
                if (!row) {
                    vs = VX_ENOMEM;
                    break;
                }
                put_text(row, tw);
                put_text(row, pub);
                put_text(row, a.code[ai]);
                put_text(row, a.name[ai]);
                put_text(row, label);
                put_text(row, statuses[si].status);
                int64_t n = c ? c->n : 0, pop = band_pop[ai][b];
                enum vx_stats_supp s = c ? c->supp : VX_SUPP_NONE;
                put_count_share(row, n, s, pop, true);
                if (lo >= 18) {
                    n18 += n;
                    p18 += pop > 0 ? pop : 0;
                }
            }
            for (size_t i = 0; i < r.n; i++)
                any_hidden |= r.cells[i].supp != VX_SUPP_NONE;
            if (vs == VX_OK) {
                struct row *row = table_add(t);
                if (!row) {
                    vs = VX_ENOMEM;
                } else {
                    put_text(row, tw);
                    put_text(row, pub);
                    put_text(row, a.code[ai]);
                    put_text(row, a.name[ai]);
                    put_text(row, "total_18+");
                    put_text(row, statuses[si].status);
                    enum vx_stats_supp s = VX_SUPP_NONE;
                    if (!o->unsuppressed)
                        s = n18 > 0 && n18 < 5 ? VX_SUPP_PRIMARY
                            : any_hidden       ? VX_SUPP_SECONDARY
                                               : VX_SUPP_NONE;
                    put_count_share(row, n18, s, p18, true);
                }
            }
            vx_stats_result_release(&r);
        }
    }
    if (vs == VX_ENOMEM)
        snprintf(st->err, sizeof st->err, "export: out of memory");
    return vs;
}

/* The population of each band only exists for cells with vaccinated persons; a band
 * without any has no share, which is what FoHM shows for empty groups too. */

static enum vx_status build(struct vx_store *st, enum vx_stats_layout layout,
                            const struct vx_stats_export_opts *opts, struct table *t)
{
    struct vx_stats_export_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    enum vx_status vs = vx_stats_apply(st, 0, NULL); /* the latest week is up to date */
    if (vs != VX_OK)
        return vs;
    switch (layout) {
    case VX_OL_REGION_WEEK:
        return build_region_week(st, opts, t);
    case VX_OL_REGION_AGE:
        return build_region_age(st, opts, t);
    case VX_OL_COUNT:
        break;
    }
    snprintf(st->err, sizeof st->err, "export: unknown layout");
    return VX_EINVAL;
}

enum vx_status vx_stats_export_csv(struct vx_store *st, enum vx_stats_layout layout,
                                   const struct vx_stats_export_opts *opts, struct vx_buf *out)
{
    struct table t = {0};
    enum vx_status vs = build(st, layout, opts, &t);
    if (vs == VX_OK && !t.header)
        vs = VX_EINTERNAL;
    if (vs == VX_OK && (vs = table_csv(&t, out)) != VX_OK)
        snprintf(st->err, sizeof st->err, "export: output too large");
    table_free(&t);
    return vs;
}

/* ------------------------------------------------------------------ XLSX */

static enum vx_status sheet(lxw_workbook *wb, const char *name, const struct table *t)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return VX_ENOMEM;
    /* header cells */
    char hdr[512];
    snprintf(hdr, sizeof hdr, "%s", t->header);
    int col = 0;
    char *save = NULL;
    for (char *h = strtok_r(hdr, ",", &save); h; h = strtok_r(NULL, ",", &save))
        worksheet_write_string(ws, 0, (lxw_col_t)col++, h, NULL);
    for (size_t i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        for (int j = 0; j < r->n; j++) {
            const struct col *c = &r->c[j];
            lxw_row_t rr = (lxw_row_t)(i + 1);
            switch (c->kind) {
            case COL_TEXT:
                worksheet_write_string(ws, rr, (lxw_col_t)j, c->text, NULL);
                break;
            case COL_INT:
                worksheet_write_number(ws, rr, (lxw_col_t)j, (double)c->i, NULL);
                break;
            case COL_NUM:
                worksheet_write_number(ws, rr, (lxw_col_t)j, c->num, NULL);
                break;
            case COL_EMPTY:
                break;
            }
        }
    }
    return VX_OK;
}

enum vx_status vx_stats_export_xlsx(struct vx_store *st, const struct vx_stats_export_opts *opts,
                                    const char *path, struct vx_err *err)
{
    struct table t[2] = {{0}, {0}};
    enum vx_status vs = build(st, VX_OL_REGION_WEEK, opts, &t[0]);
    if (vs == VX_OK)
        vs = build(st, VX_OL_REGION_AGE, opts, &t[1]);
    if (vs != VX_OK) {
        vx_err_set(err, vs, "%s", st->err);
        goto out;
    }
    if (!t[0].header || !t[1].header) {
        vs = vx_err_set(err, VX_EINTERNAL, "export: no table");
        goto out;
    }
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        vs = vx_err_set(err, VX_EIO, "cannot create %s", path);
        goto out;
    }
    vs = sheet(wb, "region_week", &t[0]);
    if (vs == VX_OK)
        vs = sheet(wb, "region_age", &t[1]);
    lxw_error e = workbook_close(wb);
    if (vs != VX_OK)
        vx_err_set(err, vs, "xlsx: out of memory");
    else if (e != LXW_NO_ERROR)
        vs = vx_err_set(err, VX_EIO, "xlsx %s: %s", path, lxw_strerror(e));
out:
    table_free(&t[0]);
    table_free(&t[1]);
    return vs;
}

/* ------------------------------------------------------------------ Prometheus */

static enum vx_status gauge_by_region(struct vx_store *st, struct vx_buf *out, const char *name,
                                      enum vx_stats_measure m, int dose, bool population)
{
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    q.measure = m;
    q.dose = dose;
    q.nby = 1;
    q.by[0] = VX_SD_REGION;
    struct vx_stats_result r;
    enum vx_status vs = run_cut(st, &q, false, &r);
    for (size_t i = 0; i < r.n && vs == VX_OK; i++) {
        const struct vx_stats_cell *c = &r.cells[i];
        if (population) {
            if (c->population >= 0)
                vs = vx_buf_printf(out, "%s{region=\"%s\"} %lld\n", name, c->key[0],
                                   (long long)c->population);
        } else if (c->supp == VX_SUPP_NONE) {
            if (dose)
                vs = vx_buf_printf(out, "%s{region=\"%s\",dose=\"%d\"} %lld\n", name, c->key[0],
                                   dose, (long long)c->n);
            else
                vs = vx_buf_printf(out, "%s{region=\"%s\"} %lld\n", name, c->key[0],
                                   (long long)c->n);
        }
    }
    vx_stats_result_release(&r);
    return vs;
}

enum vx_status vx_stats_prometheus(struct vx_store *st, struct vx_buf *out)
{
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    struct vx_stats_result r;
    enum vx_status vs = run_cut(st, &q, false, &r);
    if (vs == VX_OK) {
        vs = vx_buf_puts(out, "# HELP vaxchain_stats_doses_total Valid doses administered "
                              "(recorded and back-filled).\n"
                              "# TYPE vaxchain_stats_doses_total gauge\n");
        if (vs == VX_OK && r.total_supp == VX_SUPP_NONE)
            vs = vx_buf_printf(out, "vaxchain_stats_doses_total %lld\n", (long long)r.total);
    }
    vx_stats_result_release(&r);
    if (vs == VX_OK)
        vs = vx_buf_puts(out, "# HELP vaxchain_stats_persons Persons with at least `dose` valid "
                              "doses, per region.\n# TYPE vaxchain_stats_persons gauge\n");
    for (int d = 1; d <= 3 && vs == VX_OK; d++)
        vs = gauge_by_region(st, out, "vaxchain_stats_persons", VX_SM_PERSONS, d, false);
    if (vs == VX_OK)
        vs = vx_buf_puts(out, "# HELP vaxchain_stats_persons_full Persons fully vaccinated, per "
                              "region.\n# TYPE vaxchain_stats_persons_full gauge\n");
    if (vs == VX_OK)
        vs = gauge_by_region(st, out, "vaxchain_stats_persons_full", VX_SM_FULL, 0, false);
    if (vs == VX_OK)
        vs = vx_buf_puts(out, "# HELP vaxchain_stats_population Persons in the population "
                              "cube, per region.\n# TYPE vaxchain_stats_population gauge\n");
    if (vs == VX_OK)
        vs = gauge_by_region(st, out, "vaxchain_stats_population", VX_SM_PERSONS, 1, true);
    return vs;
}
