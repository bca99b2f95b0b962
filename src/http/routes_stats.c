/*
 * routes_stats.c — coverage statistics over HTTP (include/vx/stats_http.h,
 * contract in docs/api-stats.md).
 *
 *   public   GET /api/v1/stats/coverage, /meta, /official, /compare, /open/..., /metrics:
 *            no session needed; every vaxchain count is small-cell suppressed
 *            (vx_stats_suppress) before it leaves, FoHM's own figures are passed on.
 *   staff    GET /api/v1/stats/staff/coverage: the same cut in the caller's scope.
 *            Region roles (vaccinator, site and regional coordinators) get their own
 *            region, unsuppressed — it is their own data; municipal roles get their
 *            own municipality and national oversight anything, both suppressed.
 *
 * No person data is read, so nothing is audited. The cut answers from the cubes in
 * well under a second (bench/stats), so there is no cache.
 *
 * Keeping the cubes current: recording a dose does no statistics work (the store
 * keeps them deferred, docs/stats.md). The module's start hook starts one applier
 * thread with its own store handle that runs vx_stats_apply every second, in
 * transactions of at most SH_APPLY_CHUNK doses so that recording writers never wait
 * long for the lock; the stop hook wakes it, joins it and closes its handle. Every
 * cut (and export) also applies what is still pending first, on the request's
 * pooled handle, so answers are never stale; that costs one read when nothing is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vx/buf.h"
#include "vx/stats.h"
#include "vx/stats_http.h"
#include "vx/store.h"
#include "vx/store_stats.h"

#define SH_OFFICIAL_MAX 10000
#define SH_APPLY_CHUNK  5000 /* doses per transaction of the background applier */
#define SH_APPLY_EVERY  1    /* seconds between two background applies */
#define SH_FILE_MAX     (64u * 1024u * 1024u)

/* --week W, W1..W2, ..W2, W1.. */
static bool parse_weeks(const char *s, struct vx_isoweek *from, struct vx_isoweek *to)
{
    from->year = from->week = to->year = to->week = 0;
    if (!s || !*s)
        return true;
    const char *dots = strstr(s, "..");
    if (!dots) {
        if (vx_isoweek_parse(s, from) != VX_OK)
            return false;
        *to = *from;
        return true;
    }
    char a[16] = "", b[16] = "";
    size_t la = (size_t)(dots - s), lb = strlen(dots + 2);
    if (la >= sizeof a || lb >= sizeof b || (!la && !lb))
        return false;
    memcpy(a, s, la);
    memcpy(b, dots + 2, lb + 1);
    return (!la || vx_isoweek_parse(a, from) == VX_OK) && (!lb || vx_isoweek_parse(b, to) == VX_OK);
}

static void week_text(struct vx_isoweek w, char *buf)
{
    if (w.year)
        vx_isoweek_format(w, buf);
    else
        buf[0] = '\0';
}

/* Parse the coverage query parameters into q; returns VX_OK or a problem. */
static int parse_query(struct vx_http_req *req, struct vx_stats_query *q, bool *csv)
{
    vx_stats_query_init(q);
    const char *by = vx_http_req_query(req, "by");
    if (by && *by) {
        char buf[64];
        if (strlen(by) >= sizeof buf)
            return vx_http_problem_field(req, VX_EINVAL, "by", "too long");
        memcpy(buf, by, strlen(by) + 1);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (q->nby == 2)
                return vx_http_problem_field(req, VX_EINVAL, "by", "at most two dimensions");
            if (vx_stats_dim_parse(t, &q->by[q->nby]) != VX_OK)
                return vx_http_problem_field(req, VX_EINVAL, "by", "unknown dimension");
            for (int i = 0; i < q->nby; i++)
                if (q->by[i] == q->by[q->nby])
                    return vx_http_problem_field(req, VX_EINVAL, "by", "dimension twice");
            q->nby++;
        }
    }
    const char *m = vx_http_req_query(req, "measure");
    if (m && vx_stats_measure_parse(m, &q->measure) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "measure", "doses, persons or full");
    const char *cum = vx_http_req_query(req, "cumulative");
    if (cum) {
        if (!strcmp(cum, "true") || !strcmp(cum, "1"))
            q->cumulative = true;
        else if (strcmp(cum, "false") && strcmp(cum, "0"))
            return vx_http_problem_field(req, VX_EINVAL, "cumulative", "true or false");
    }
    if (!parse_weeks(vx_http_req_query(req, "week"), &q->from, &q->to))
        return vx_http_problem_field(req, VX_EINVAL, "week",
                                     "YYYY-Www, YYYY-Www..YYYY-Www, ..YYYY-Www or YYYY-Www..");
    if (q->from.year && q->to.year &&
        (q->from.year * 100 + q->from.week) > (q->to.year * 100 + q->to.week))
        return vx_http_problem_field(req, VX_EINVAL, "week", "range ends before it starts");
    struct vx_err err = {0};
    const char *region = vx_http_req_query(req, "region");
    if (region && *region) {
        char f[16];
        snprintf(f, sizeof f, "region:%.8s", region);
        if (vx_stats_filter_parse(q, f, &err) != VX_OK)
            return vx_http_problem_field(req, VX_EINVAL, "region", "a län code like 01");
    }
    if (vx_stats_filter_parse(q, vx_http_req_query(req, "filter"), &err) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "filter", err.msg);
    const char *format = vx_http_req_query(req, "format");
    *csv = format && !strcmp(format, "csv");
    if (format && !*csv && strcmp(format, "json"))
        return vx_http_problem_field(req, VX_EINVAL, "format", "json or csv");
    return VX_OK;
}

/* {n, population, share} or the suppressed form into o. */
static void add_count(cJSON *o, int64_t n, enum vx_stats_supp s, int64_t pop, bool persons)
{
    char b[24];
    if (s != VX_SUPP_NONE) {
        cJSON_AddNullToObject(o, "n");
        cJSON_AddStringToObject(o, "display", vx_stats_count_text(n, s, b));
        cJSON_AddStringToObject(o, "suppressed", s == VX_SUPP_PRIMARY ? "primary" : "secondary");
    } else {
        cJSON_AddNumberToObject(o, "n", (double)n);
    }
    if (!persons)
        return;
    if (pop >= 0)
        cJSON_AddNumberToObject(o, "population", (double)pop);
    else
        cJSON_AddNullToObject(o, "population");
    if (s == VX_SUPP_NONE && pop > 0) {
        double share = (double)n / (double)pop;
        cJSON_AddNumberToObject(o, "share", (double)(int64_t)(share * 1e6 + 0.5) / 1e6);
    } else {
        cJSON_AddNullToObject(o, "share");
    }
}

static cJSON *result_json(const struct vx_stats_result *r)
{
    const struct vx_stats_query *q = &r->q;
    bool persons = q->measure != VX_SM_DOSES;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "measure", vx_stats_measure_code(q->measure));
    cJSON *by = cJSON_AddArrayToObject(o, "by");
    for (int i = 0; i < q->nby; i++)
        cJSON_AddItemToArray(by, cJSON_CreateString(vx_stats_dim_code(q->by[i])));
    cJSON_AddBoolToObject(o, "cumulative", q->cumulative);
    char a[16], b[16];
    week_text(q->from, a);
    week_text(q->to, b);
    cJSON *w = cJSON_AddObjectToObject(o, "weeks");
    if (a[0])
        cJSON_AddStringToObject(w, "from", a);
    else
        cJSON_AddNullToObject(w, "from");
    if (b[0])
        cJSON_AddStringToObject(w, "to", b);
    else
        cJSON_AddNullToObject(w, "to");
    cJSON *f = cJSON_AddObjectToObject(o, "filter");
    cJSON_AddStringToObject(f, "region", q->region);
    cJSON_AddStringToObject(f, "kommun", q->kommun);
    const char *age = q->age >= 0 ? vx_stats_age_label(q->age) : "";
    cJSON_AddStringToObject(f, "age", age ? age : "");
    if (q->sex >= 0)
        cJSON_AddNumberToObject(f, "sex", q->sex);
    else
        cJSON_AddNullToObject(f, "sex");
    if (q->group >= 0)
        cJSON_AddNumberToObject(f, "group", q->group);
    else
        cJSON_AddNullToObject(f, "group");
    cJSON_AddStringToObject(f, "deso", q->deso);
    cJSON_AddStringToObject(f, "vaccine", q->vaccine);
    if (q->dose > 0 || q->measure == VX_SM_PERSONS)
        cJSON_AddNumberToObject(f, "dose", q->dose > 0 ? q->dose : 1);
    else
        cJSON_AddNullToObject(f, "dose");
    cJSON_AddBoolToObject(o, "suppressed", r->suppressed);
    cJSON_AddStringToObject(o, "cube", r->cube ? r->cube : "");
    cJSON *p = cJSON_AddObjectToObject(o, "population");
    if (r->population_ref) {
        char d[16];
        cJSON_AddStringToObject(p, "ref_date", vx_day_format(r->population_ref, d));
    } else {
        cJSON_AddNullToObject(p, "ref_date");
    }
    cJSON_AddBoolToObject(p, "stale", r->population_stale);
    cJSON *cells = cJSON_AddArrayToObject(o, "cells");
    for (size_t i = 0; i < r->n; i++) {
        const struct vx_stats_cell *c = &r->cells[i];
        cJSON *x = cJSON_CreateObject();
        for (int d = 0; d < q->nby; d++)
            cJSON_AddStringToObject(x, vx_stats_dim_code(q->by[d]), c->key[d]);
        add_count(x, c->n, c->supp, c->population, persons);
        cJSON_AddItemToArray(cells, x);
    }
    cJSON *t = cJSON_AddObjectToObject(o, "total");
    add_count(t, r->total, r->total_supp, r->total_population, persons);
    return o;
}

static int reply_csv_result(struct vx_http_req *req, const struct vx_stats_result *r)
{
    struct vx_buf b;
    vx_buf_init(&b, SH_FILE_MAX);
    enum vx_status vs = VX_OK;
    for (int d = 0; d < r->q.nby && vs == VX_OK; d++)
        vs = vx_buf_printf(&b, "%s,", vx_stats_dim_code(r->q.by[d]));
    if (vs == VX_OK)
        vs = vx_buf_puts(&b, "n,population,share\n");
    char t[24];
    for (size_t i = 0; i < r->n && vs == VX_OK; i++) {
        const struct vx_stats_cell *c = &r->cells[i];
        for (int d = 0; d < r->q.nby && vs == VX_OK; d++)
            vs = vx_buf_printf(&b, "%s,", c->key[d]);
        if (vs == VX_OK)
            vs = vx_buf_printf(&b, "%s,", vx_stats_count_text(c->n, c->supp, t));
        if (vs == VX_OK && c->population >= 0)
            vs = vx_buf_printf(&b, "%lld", (long long)c->population);
        if (vs == VX_OK)
            vs = vx_buf_puts(&b, ",");
        if (vs == VX_OK && !c->supp && c->population > 0)
            vs = vx_buf_printf(&b, "%.6f", (double)c->n / (double)c->population);
        if (vs == VX_OK)
            vs = vx_buf_puts(&b, "\n");
    }
    if (vs == VX_OK)
        vs = vx_http_reply_text(req, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
    vx_buf_release(&b);
    return vs;
}

static int store_of(struct vx_http_req *req, struct vx_store **st)
{
    if (vx_http_req_store(req, st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "statistics database unavailable");
    return VX_OK;
}

static int answer_cut(struct vx_http_req *req, struct vx_stats_query *q, bool csv, bool suppress)
{
    struct vx_store *st;
    int rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    enum vx_status vs = vx_stats_cut(st, q, &r);
    if (vs != VX_OK) {
        vx_stats_result_release(&r);
        if (vs == VX_EINVAL)
            return vx_http_problem_field(req, VX_EINVAL, "by", st->err);
        return vx_http_problem(req, vs, "statistics: %s", st->err);
    }
    if (suppress)
        vx_stats_suppress(&r);
    if (csv) {
        rc = reply_csv_result(req, &r);
    } else {
        cJSON *o = result_json(&r);
        rc = o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
    }
    vx_stats_result_release(&r);
    return rc;
}

static int h_coverage(struct vx_http_req *req)
{
    struct vx_stats_query q;
    bool csv = false;
    int rc = parse_query(req, &q, &csv);
    if (rc != VX_OK)
        return rc;
    return answer_cut(req, &q, csv, true);
}

static int h_staff_coverage(struct vx_http_req *req)
{
    struct vx_stats_query q;
    bool csv = false;
    int rc = parse_query(req, &q, &csv);
    if (rc != VX_OK)
        return rc;
    const struct vx_session *s = vx_http_req_session(req);
    bool suppress = true;
    switch (s->role) {
    case VX_ROLE_VACCINATOR:
    case VX_ROLE_SITE_COORD:
    case VX_ROLE_REGION_COORD:
        if (q.region[0] && strcmp(q.region, s->region))
            return vx_http_problem_field(req, VX_EDENIED, "region", "outside your region");
        if (q.kommun[0] && strncmp(q.kommun, s->region, 2))
            return vx_http_problem_field(req, VX_EDENIED, "kommun", "outside your region");
        snprintf(q.region, sizeof q.region, "%s", s->region);
        suppress = false; /* the region's own staff see their own counts */
        break;
    case VX_ROLE_MUNI_NURSE:
    case VX_ROLE_MUNI_COORD:
        if (q.kommun[0] && strcmp(q.kommun, s->kommun))
            return vx_http_problem_field(req, VX_EDENIED, "kommun", "outside your municipality");
        if (q.region[0] && strncmp(q.region, s->kommun, 2))
            return vx_http_problem_field(req, VX_EDENIED, "region", "outside your municipality");
        snprintf(q.kommun, sizeof q.kommun, "%s", s->kommun);
        break;
    case VX_ROLE_NATIONAL:
        break;
    default:
        return vx_http_problem(req, VX_EDENIED, "not for this role");
    }
    return answer_cut(req, &q, csv, suppress);
}

static int h_meta(struct vx_http_req *req)
{
    struct vx_store *st;
    int rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_stats_meta m;
    if (st->ops->stats->meta(st, &m) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "statistics: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON *d = cJSON_AddArrayToObject(o, "dimensions");
    for (int i = 0; i < VX_SD_COUNT; i++)
        cJSON_AddItemToArray(d, cJSON_CreateString(vx_stats_dim_code((enum vx_stats_dim)i)));
    cJSON *ms = cJSON_AddArrayToObject(o, "measures");
    for (int i = 0; i < VX_SM_COUNT; i++)
        cJSON_AddItemToArray(ms,
                             cJSON_CreateString(vx_stats_measure_code((enum vx_stats_measure)i)));
    cJSON *bands = cJSON_AddArrayToObject(o, "age_bands");
    for (int age = 0; age <= 90; age++) {
        const char *l = vx_stats_age_label(age);
        if (l)
            cJSON_AddItemToArray(bands, cJSON_CreateString(l));
    }
    cJSON *w = cJSON_AddObjectToObject(o, "weeks");
    if (m.first_week[0]) {
        cJSON_AddStringToObject(w, "first", m.first_week);
        cJSON_AddStringToObject(w, "last", m.last_week);
    } else {
        cJSON_AddNullToObject(w, "first");
        cJSON_AddNullToObject(w, "last");
    }
    cJSON *p = cJSON_AddObjectToObject(o, "population");
    char day[16];
    if (m.population_ref)
        cJSON_AddStringToObject(p, "ref_date", vx_day_format(m.population_ref, day));
    else
        cJSON_AddNullToObject(p, "ref_date");
    cJSON_AddNumberToObject(p, "persons", (double)m.population_persons);
    cJSON_AddBoolToObject(p, "stale", m.population_stale);
    cJSON *of = cJSON_AddObjectToObject(o, "official");
    cJSON_AddNumberToObject(of, "rows", (double)m.official_rows);
    cJSON_AddBoolToObject(o, "maintained", m.maintained);
    cJSON *pe = cJSON_AddObjectToObject(o, "pending");
    cJSON_AddNumberToObject(pe, "doses", (double)m.pending_doses);
    cJSON_AddNumberToObject(pe, "changes", (double)m.pending_changes);
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ official */

struct off_json {
    cJSON *rows;
    int n;
    bool truncated;
};

static int off_json_row(void *ctx, const struct vx_stats_official *r)
{
    struct off_json *j = ctx;
    if (j->n >= SH_OFFICIAL_MAX) {
        j->truncated = true;
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    char w[16];
    vx_isoweek_format(r->week, w);
    cJSON_AddStringToObject(o, "week", w);
    cJSON_AddStringToObject(o, "region", r->region);
    cJSON_AddStringToObject(o, "kommun", r->kommun);
    cJSON_AddStringToObject(o, "age_group", r->age_group);
    cJSON_AddStringToObject(o, "measure", r->measure);
    cJSON_AddNumberToObject(o, "value", (double)r->value);
    if (r->share >= 0)
        cJSON_AddNumberToObject(o, "share", r->share);
    else
        cJSON_AddNullToObject(o, "share");
    if (r->population >= 0)
        cJSON_AddNumberToObject(o, "population", (double)r->population);
    else
        cJSON_AddNullToObject(o, "population");
    cJSON_AddItemToArray(j->rows, o);
    j->n++;
    return 0;
}

static bool copy_param(struct vx_http_req *req, const char *name, char *dst, size_t size)
{
    const char *v = vx_http_req_query(req, name);
    if (!v)
        return true;
    if (strlen(v) >= size)
        return false;
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

static int h_official(struct vx_http_req *req)
{
    struct vx_stats_official_filter f;
    memset(&f, 0, sizeof f);
    enum vx_stats_dataset ds;
    if (vx_stats_dataset_parse(vx_http_req_query(req, "dataset"), &ds) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "dataset",
                                     "region_week, region_age or kommun_age");
    f.dataset = (int)ds;
    if (!copy_param(req, "region", f.region, sizeof f.region))
        return vx_http_problem_field(req, VX_EINVAL, "region", "a län code like 01");
    if (!copy_param(req, "kommun", f.kommun, sizeof f.kommun))
        return vx_http_problem_field(req, VX_EINVAL, "kommun", "a kommun code like 0180");
    if (!copy_param(req, "measure", f.measure, sizeof f.measure))
        return vx_http_problem_field(req, VX_EINVAL, "measure", "too long");
    if (!copy_param(req, "age", f.age_group, sizeof f.age_group))
        return vx_http_problem_field(req, VX_EINVAL, "age", "too long");
    if (!parse_weeks(vx_http_req_query(req, "week"), &f.from, &f.to))
        return vx_http_problem_field(req, VX_EINVAL, "week", "YYYY-Www or a range");
    struct vx_store *st;
    int rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct off_json j = {.rows = cJSON_CreateArray()};
    if (st->ops->stats->official_foreach(st, &f, off_json_row, &j) != VX_OK) {
        cJSON_Delete(j.rows);
        return vx_http_problem(req, VX_ESTORE, "statistics: %s", st->err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dataset", vx_stats_dataset_code(ds));
    cJSON_AddStringToObject(o, "source", "Folkhälsomyndigheten");
    cJSON_AddBoolToObject(o, "truncated", j.truncated);
    cJSON_AddItemToObject(o, "rows", j.rows);
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ compare */

struct cmp_week {
    struct vx_isoweek w;
    int64_t official;
};
struct cmp_ctx {
    struct cmp_week *weeks;
    size_t n, cap;
};

static int cmp_official_row(void *ctx, const struct vx_stats_official *r)
{
    struct cmp_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 128;
        struct cmp_week *p = cap > 100000 ? NULL : realloc(c->weeks, cap * sizeof *p);
        if (!p)
            return 1;
        c->weeks = p;
        c->cap = cap;
    }
    c->weeks[c->n++] = (struct cmp_week){r->week, r->value};
    return 0;
}

static int h_compare(struct vx_http_req *req)
{
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    const char *region = vx_http_req_query(req, "region");
    if (!region || !*region)
        region = "00";
    if (strlen(region) != 2 || region[0] < '0' || region[0] > '9' || region[1] < '0' ||
        region[1] > '9')
        return vx_http_problem_field(req, VX_EINVAL, "region", "a län code like 01, 00 = Sverige");
    const char *m = vx_http_req_query(req, "measure");
    if (m && (vx_stats_measure_parse(m, &q.measure) != VX_OK || q.measure == VX_SM_FULL))
        return vx_http_problem_field(req, VX_EINVAL, "measure", "doses or persons");
    const char *dose = vx_http_req_query(req, "dose");
    if (dose) {
        char f[16];
        snprintf(f, sizeof f, "dose:%.4s", dose);
        struct vx_err err = {0};
        if (vx_stats_filter_parse(&q, f, &err) != VX_OK || q.dose > 5)
            return vx_http_problem_field(req, VX_EINVAL, "dose", "1..5");
    }
    if (q.measure == VX_SM_PERSONS && q.dose == 0)
        q.dose = 1;
    struct vx_isoweek from, to;
    if (!parse_weeks(vx_http_req_query(req, "week"), &from, &to))
        return vx_http_problem_field(req, VX_EINVAL, "week", "YYYY-Www or a range");
    char off_measure[32];
    if (q.measure == VX_SM_DOSES)
        snprintf(off_measure, sizeof off_measure, "doses_administered_cum");
    else
        snprintf(off_measure, sizeof off_measure, "persons_dose%d_cum", q.dose);
    if (strcmp(region, "00"))
        memcpy(q.region, region, 3);
    q.cumulative = true;
    q.nby = 1;
    q.by[0] = VX_SD_WEEK;
    q.to = to;

    struct vx_store *st;
    int rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_stats_official_filter f;
    memset(&f, 0, sizeof f);
    f.dataset = VX_OD_REGION_WEEK;
    memcpy(f.region, region, 3);
    snprintf(f.measure, sizeof f.measure, "%s", off_measure);
    f.from = from;
    f.to = to;
    struct cmp_ctx c = {0};
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    enum vx_status vs = st->ops->stats->official_foreach(st, &f, cmp_official_row, &c);
    if (vs == VX_OK)
        vs = vx_stats_cut(st, &q, &r);
    if (vs != VX_OK) {
        free(c.weeks);
        vx_stats_result_release(&r);
        return vx_http_problem(req, VX_ESTORE, "statistics: %s", st->err);
    }
    vx_stats_suppress(&r);
    /* weeks: FoHM's weeks in the range, plus vaxchain's own weeks FoHM lacks */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "region", region);
    cJSON_AddStringToObject(o, "measure", vx_stats_measure_code(q.measure));
    if (q.measure == VX_SM_PERSONS)
        cJSON_AddNumberToObject(o, "dose", q.dose);
    cJSON_AddStringToObject(o, "official_measure", off_measure);
    cJSON *weeks = cJSON_AddArrayToObject(o, "weeks");
    size_t oi = 0, vi = 0;
    const struct vx_stats_cell *last = NULL;
    char from_txt[16] = "";
    week_text(from, from_txt);
    while (oi < c.n || vi < r.n) {
        char ow[16] = "";
        if (oi < c.n)
            vx_isoweek_format(c.weeks[oi].w, ow);
        const char *vw = vi < r.n ? r.cells[vi].key[0] : NULL;
        int cmp = oi >= c.n ? 1 : !vw ? -1 : strcmp(ow, vw);
        char wk[VX_STATS_KEY_MAX + 16];
        snprintf(wk, sizeof wk, "%s", cmp <= 0 ? ow : vw);
        bool has_off = cmp <= 0;
        int64_t offv = has_off ? c.weeks[oi].official : 0;
        if (cmp >= 0)
            last = &r.cells[vi++];
        if (cmp <= 0)
            oi++;
        if (from_txt[0] && strcmp(wk, from_txt) < 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "week", wk);
        if (has_off)
            cJSON_AddNumberToObject(x, "official", (double)offv);
        else
            cJSON_AddNullToObject(x, "official");
        if (!last) {
            cJSON_AddNumberToObject(x, "vaxchain", 0);
        } else if (last->supp) {
            cJSON_AddNullToObject(x, "vaxchain");
            cJSON_AddStringToObject(x, "suppressed",
                                    last->supp == VX_SUPP_PRIMARY ? "primary" : "secondary");
        } else {
            cJSON_AddNumberToObject(x, "vaxchain", (double)last->n);
        }
        cJSON_AddItemToArray(weeks, x);
    }
    free(c.weeks);
    vx_stats_result_release(&r);
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ open data */

static int export_opts(struct vx_http_req *req, struct vx_stats_export_opts *o)
{
    memset(o, 0, sizeof *o);
    const char *w = vx_http_req_query(req, "week");
    if (w && vx_isoweek_parse(w, &o->through) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "week", "YYYY-Www");
    return VX_OK;
}

static int open_csv(struct vx_http_req *req, enum vx_stats_layout layout)
{
    struct vx_stats_export_opts o;
    int rc = export_opts(req, &o);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_buf b;
    vx_buf_init(&b, SH_FILE_MAX);
    enum vx_status vs = vx_stats_export_csv(st, layout, &o, &b);
    if (vs == VX_OK)
        vs = vx_http_reply_text(req, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
    else
        vs = vx_http_problem(req, vs, "export: %s", st->err);
    vx_buf_release(&b);
    return vs;
}

static int h_open_region_week(struct vx_http_req *req)
{
    return open_csv(req, VX_OL_REGION_WEEK);
}

static int h_open_region_age(struct vx_http_req *req)
{
    return open_csv(req, VX_OL_REGION_AGE);
}

static int h_open_xlsx(struct vx_http_req *req)
{
    struct vx_stats_export_opts o;
    int rc = export_opts(req, &o);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    /* libxlsxwriter writes files only: a private temporary file, read back, removed */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/vaxchain-stats-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return vx_http_problem(req, VX_EIO, "export: no temporary file");
    close(fd);
    struct vx_err err = {0};
    enum vx_status vs = vx_stats_export_xlsx(st, &o, path, &err);
    if (vs == VX_OK) {
        FILE *f = fopen(path, "rb");
        struct vx_buf b;
        vx_buf_init(&b, SH_FILE_MAX);
        char chunk[65536];
        size_t n;
        while (f && vs == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            vs = vx_buf_append(&b, chunk, n);
        if (!f)
            vs = VX_EIO;
        else
            fclose(f);
        if (vs == VX_OK) {
            vx_http_set_header(req, "Content-Disposition",
                               "attachment; filename=\"vaxchain-coverage.xlsx\"");
            vs = vx_http_reply_text(
                req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                b.data ? b.data : "", b.len);
        } else {
            vs = vx_http_problem(req, vs, "export: cannot read the workbook back");
        }
        vx_buf_release(&b);
    } else {
        vs = vx_http_problem(req, vs, "export: %s", err.msg);
    }
    unlink(path);
    return vs;
}

static int h_metrics(struct vx_http_req *req)
{
    struct vx_store *st;
    int rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    enum vx_status vs = vx_stats_prometheus(st, &b);
    if (vs == VX_OK)
        vs = vx_http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                                b.data ? b.data : "", b.len);
    else
        vs = vx_http_problem(req, vs, "metrics: %s", st->err);
    vx_buf_release(&b);
    return vs;
}

/* ------------------------------------------------------------------ applier */

/* The background applier: a thread with its own store handle. */
struct applier {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool quiet;
    struct vx_store *st;
};

/* Apply in chunks until nothing is pending, then wait a second (or for stop). */
static void *applier_main(void *arg)
{
    struct applier *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        pthread_mutex_unlock(&a->mu);
        struct vx_stats_applied done;
        enum vx_status vs;
        do {
            vs = vx_stats_apply(a->st, SH_APPLY_CHUNK, &done);
        } while (vs == VX_OK && done.more && !__atomic_load_n(&a->stop, __ATOMIC_RELAXED));
        if (vs != VX_OK && !a->quiet) /* e.g. busy: the next round (or a cut) retries */
            fprintf(stderr, "vaxchain: stats applier: %s\n", a->st->err);
        pthread_mutex_lock(&a->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SH_APPLY_EVERY;
        while (!a->stop && pthread_cond_timedwait(&a->cv, &a->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static void stats_stop(void *udata)
{
    struct applier *a = udata;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    __atomic_store_n(&a->stop, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    vx_store_close(a->st);
    free(a);
}

static enum vx_status stats_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    const struct vx_http_config *cfg = vx_http_server_config(srv);
    struct applier *a = calloc(1, sizeof *a);
    if (!a)
        return vx_err_set(err, VX_ENOMEM, "stats: out of memory");
    a->quiet = cfg->quiet;
    enum vx_status vs = vx_store_open_sqlite(cfg->db_path, &a->st, err);
    if (vs != VX_OK) {
        free(a);
        return vs;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->thread, NULL, applier_main, a) != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        vx_store_close(a->st);
        free(a);
        return vx_err_set(err, VX_ENOMEM, "stats: cannot start the applier thread");
    }
    *udata = a;
    return VX_OK;
}

/* ------------------------------------------------------------------ table */

#define Q_COVERAGE                                                                                 \
    {                                                                                              \
        {"by", VX_JSON_STRING, .max_len = 40,                                                      \
         .desc = "one or two dimensions: region, kommun, age, "                                    \
                 "sex, group, deso, vaccine, dose, week",                                          \
         .example = "\"region,week\""},                                                            \
            {"measure", VX_JSON_STRING, .max_len = 10,                                             \
             .desc = "doses (default), persons or full"},                                          \
            {"cumulative", VX_JSON_STRING, .max_len = 5,                                           \
             .desc = "true: totals through each week"},                                            \
            {"week", VX_JSON_STRING, .max_len = 20, .desc = "2021-W05 or 2021-W01..2021-W10"},     \
            {"region", VX_JSON_STRING, .max_len = 2, .desc = "län code"},                          \
            {"filter", VX_JSON_STRING, .max_len = 200,                                             \
             .desc = "dim:value,... (kommun, age, sex, group, deso, vaccine, dose)",               \
             .example = "\"age:80-89,dose:1\""},                                                   \
        {                                                                                          \
            "format", VX_JSON_STRING, .max_len = 4, .desc = "json (default) or csv"                \
        }                                                                                          \
    }

static const struct vx_route stats_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/coverage",
        .handler = h_coverage,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Coverage cut from the statistics cubes (small-cell suppressed)",
        .description = "Counts 1-4 are hidden (\"<5\") and complementary cells too (\"..\"); see "
                       "docs/api-stats.md.",
        .query = Q_COVERAGE,
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/staff/coverage",
        .handler = h_staff_coverage,
        .roles = VX_ROLE_BIT(VX_ROLE_VACCINATOR) | VX_ROLE_BIT(VX_ROLE_SITE_COORD) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_NATIONAL),
        .tag = "stats",
        .summary = "Coverage cut in the caller's scope (own region unsuppressed)",
        .query = Q_COVERAGE,
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/meta",
        .handler = h_meta,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Dimensions, measures, age bands, weeks with data, population date",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/official",
        .handler = h_official,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Folkhälsomyndigheten's published series (as loaded)",
        .query = {{"dataset", VX_JSON_STRING, .required = true, .max_len = 12,
                   .desc = "region_week, region_age or kommun_age"},
                  {"region", VX_JSON_STRING, .max_len = 2, .desc = "län code, 00 = Sverige"},
                  {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "kommun code"},
                  {"measure", VX_JSON_STRING, .max_len = 31, .desc = "e.g. persons_dose1_cum"},
                  {"age", VX_JSON_STRING, .max_len = 11, .desc = "age group, e.g. 80-89"},
                  {"week", VX_JSON_STRING, .max_len = 20, .desc = "week or range"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/compare",
        .handler = h_compare,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "FoHM's cumulative weekly figure beside vaxchain's own, per week",
        .query = {{"region", VX_JSON_STRING, .max_len = 2, .desc = "län code, 00 = Sverige"},
                  {"measure", VX_JSON_STRING, .max_len = 10, .desc = "doses or persons"},
                  {"dose", VX_JSON_STRING, .max_len = 1, .desc = "persons: at least N doses"},
                  {"week", VX_JSON_STRING, .max_len = 20, .desc = "week or range"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/open/region_week.csv",
        .handler = h_open_region_week,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Open data: cumulative weekly figures per län, FoHM's layout (CSV)",
        .query = {{"week", VX_JSON_STRING, .max_len = 8, .desc = "last week (default latest)"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/open/region_age.csv",
        .handler = h_open_region_age,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Open data: persons per län and age group, FoHM's layout (CSV)",
        .query = {{"week", VX_JSON_STRING, .max_len = 8, .desc = "data through week"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/open/coverage.xlsx",
        .handler = h_open_xlsx,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Open data: both layouts as an XLSX workbook",
        .query = {{"week", VX_JSON_STRING, .max_len = 8, .desc = "last week (default latest)"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/stats/metrics",
        .handler = h_metrics,
        .roles = VX_ROLES_PUBLIC,
        .tag = "stats",
        .summary = "Prometheus gauges of the headline figures (suppressed)",
    },
};

const struct vx_http_module vx_stats_http_module = {
    .name = "stats",
    .routes = stats_routes,
    .n_routes = VX_ARRAY_LEN(stats_routes),
    .start = stats_start,
    .stop = stats_stop,
};
