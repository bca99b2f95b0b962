/*
 * routes_report.c — the traffic-light report and the dashboard's supply figures over HTTP
 * (include/vx/report_http.h, docs/report.md "HTTP API").
 *
 *   GET  /api/v1/reports/traffic-light               current reports of a month (or history)
 *   POST /api/v1/reports/traffic-light               file the caller's region's report
 *   GET  /api/v1/reports/traffic-light/suggestions   colours suggested from data
 *   GET  /api/v1/reports/traffic-light/national      the compilation: json|html|pdf|xlsx
 *   GET  /api/v1/reports/dashboard                   public: deliveries vs doses, stock days,
 *                                                    wastage per region (weekly for one)
 *
 * Scope. Filing is for the regional coordinator, always for the session's own region
 * (a "region" in the body must equal it). Reading reports and suggestions: the regional
 * coordinator sees only their region (another region is 403 on field "region"), the
 * national role every region. The compilation holds no person data and is for both.
 * No route reads a person's data, so nothing is audited as a person read; each filing
 * is audited as "report.file" on object "tl_report:<id>" in the same transaction.
 *
 * The dashboard route is public and shows counts of doses; a count of 1–4 is given as
 * null with "display": "<5" (the stats module's primary suppression rule), so no small
 * group of vaccinated people can be singled out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/care.h"
#include "vx/report.h"
#include "vx/report_http.h"
#include "vx/store.h"
#include "vx/store_report.h"

#define RH_OUT_MAX   (32u * 1024u * 1024u)
#define RH_WEEKS_MAX 26

#define COORD    VX_ROLE_BIT(VX_ROLE_REGION_COORD)
#define NATIONAL VX_ROLE_BIT(VX_ROLE_NATIONAL)

/* ------------------------------------------------------------------ helpers */

static int month_arg(struct vx_http_req *req, bool required, int *out)
{
    const char *m = vx_http_req_query(req, "month");
    if (!m || !*m) {
        if (required)
            return vx_http_problem_field(req, VX_EINVAL, "month", "required (YYYY-MM)");
        *out = vx_tl_month_of(vx_http_req_today(req));
        return VX_OK;
    }
    if (vx_tl_month_parse(m, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "month", "expected YYYY-MM");
    return VX_OK;
}

/* The region a request is about: the coordinator's own (another is 403), or for the
 * national role the `region` parameter (required when `required`). */
static int region_arg(struct vx_http_req *req, const char *given, bool required, char out[3])
{
    const struct vx_session *s = vx_http_req_session(req);
    out[0] = '\0';
    if (given && *given &&
        (strlen(given) != 2 || given[0] < '0' || given[0] > '9' || given[1] < '0' ||
         given[1] > '9'))
        return vx_http_problem_field(req, VX_EINVAL, "region", "expected a län code (2 digits)");
    if (s && s->role == VX_ROLE_REGION_COORD) {
        if (given && *given && strcmp(given, s->region))
            return vx_http_problem_field(req, VX_EDENIED, "region", "region outside your scope");
        snprintf(out, 3, "%s", s->region);
        return VX_OK;
    }
    if (given && *given)
        snprintf(out, 3, "%s", given);
    else if (required)
        return vx_http_problem_field(req, VX_EINVAL, "region", "required");
    return VX_OK;
}

static int store_of(struct vx_http_req *req, struct vx_store **st)
{
    if (vx_http_req_store(req, st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    return VX_OK;
}

static vx_day asof_of(struct vx_http_req *req, int month)
{
    vx_day today = vx_http_req_today(req), last = vx_tl_month_last(month);
    return today < last ? today : last;
}

/* ------------------------------------------------------------------ reports */

struct list_ctx {
    cJSON *arr;
    bool oom;
};

static int list_one(void *ctx, const struct vx_tl_report *r)
{
    struct list_ctx *l = ctx;
    cJSON *j = vx_tl_report_json(r);
    if (!j || !cJSON_AddItemToArray(l->arr, j)) {
        cJSON_Delete(j);
        l->oom = true;
        return 1;
    }
    return 0;
}

static int h_list(struct vx_http_req *req)
{
    int month, rc;
    char region[3];
    if ((rc = month_arg(req, true, &month)) != VX_OK ||
        (rc = region_arg(req, vx_http_req_query(req, "region"), false, region)) != VX_OK)
        return rc;
    const char *h = vx_http_req_query(req, "history");
    bool history = h && (!strcmp(h, "1") || !strcmp(h, "true"));
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    struct list_ctx l = {.arr = cJSON_CreateArray()};
    char mb[8];
    if (!o || !l.arr) {
        cJSON_Delete(o);
        cJSON_Delete(l.arr);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "month", vx_tl_month_format(month, mb));
    cJSON_AddStringToObject(o, "region", region);
    cJSON_AddBoolToObject(o, "history", history);
    cJSON_AddItemToObject(o, "reports", l.arr);
    if (st->ops->report->foreach (st, region, month, history, list_one, &l) != VX_OK || l.oom) {
        cJSON_Delete(o);
        return l.oom ? VX_ENOMEM : vx_http_problem(req, VX_ESTORE, "cannot read the reports");
    }
    return vx_http_reply_json(req, 200, o);
}

static int h_file(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *body = vx_http_req_body(req);
    const cJSON *rj = cJSON_GetObjectItemCaseSensitive(body, "region");
    char region[3];
    int rc = region_arg(req, cJSON_IsString(rj) ? rj->valuestring : NULL, true, region);
    if (rc != VX_OK)
        return rc;
    struct vx_tl_report *r = calloc(1, sizeof *r);
    if (!r)
        return VX_ENOMEM;
    const char *field = NULL;
    struct vx_err err = {0};
    rc = vx_tl_report_from_json(body, r, &field, &err);
    if (rc == VX_OK) {
        snprintf(r->region, sizeof r->region, "%s", region);
        snprintf(r->filed_by, sizeof r->filed_by, "%s", s->user);
        rc = vx_tl_report_check(r, &field, &err);
    }
    if (rc != VX_OK) {
        vx_http_problem(req, rc, "%s", err.msg);
        rc = vx_http_problem_field(req, rc, field ? field : "areas", err.msg);
        free(r);
        return rc;
    }
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK) {
        free(r);
        return rc;
    }
    struct vx_tl_report prev;
    bool had = st->ops->report->get(st, region, r->month, &prev) == VX_OK;
    int64_t id = 0;
    int month = r->month;
    char obj[64], mb[8];
    vx_tl_month_format(month, mb);
    enum vx_status vs = vx_store_begin(st);
    if (vs == VX_OK)
        vs = st->ops->report->file(st, r, &id);
    if (vs == VX_OK) {
        snprintf(obj, sizeof obj, "tl_report:%lld", (long long)id);
        vs = vx_audit_event(st, s, "report.file", obj, mb);
    }
    if (vs == VX_OK)
        vs = vx_store_commit(st);
    else
        vx_store_rollback(st);
    free(r);
    if (vs != VX_OK)
        return vx_http_problem(req, vs == VX_EINVAL ? VX_EINVAL : VX_ESTORE,
                               "the report could not be stored");
    struct vx_tl_report back;
    if (st->ops->report->get(st, region, month, &back) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "filed, but cannot read it back");
    cJSON *o = vx_tl_report_json(&back);
    if (!o)
        return VX_ENOMEM;
    if (had)
        cJSON_AddNumberToObject(o, "supersedes", (double)prev.id);
    else
        cJSON_AddNullToObject(o, "supersedes");
    char loc[96];
    snprintf(loc, sizeof loc, "/api/v1/reports/traffic-light?month=%s&region=%s", mb, region);
    vx_http_set_header(req, "Location", loc);
    return vx_http_reply_json(req, 201, o);
}

static int h_suggest(struct vx_http_req *req)
{
    int month, rc;
    char region[3];
    if ((rc = month_arg(req, false, &month)) != VX_OK ||
        (rc = region_arg(req, vx_http_req_query(req, "region"), true, region)) != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    vx_day asof = asof_of(req, month);
    struct vx_care_region_stock cs;
    struct vx_tl_stock stock, *sp = NULL;
    if (vx_care_region_stock(st, region, asof, &cs) == VX_OK &&
        (cs.on_hand > 0 || cs.wasted_28d > 0)) {
        stock = (struct vx_tl_stock){.on_hand = cs.on_hand,
                                     .given_per_day = cs.given_per_day,
                                     .wasted_28d = cs.wasted_28d,
                                     .drawn_28d = cs.drawn_28d};
        sp = &stock;
    }
    struct vx_tl_indicators *in = calloc(1, sizeof *in);
    struct vx_tl_suggestion *sug = calloc(VX_TL_AREA_COUNT, sizeof *sug);
    struct vx_err err = {0};
    cJSON *o = NULL;
    if (!in || !sug)
        rc = VX_ENOMEM;
    else if ((rc = vx_tl_gather(st, region, month, asof, sp, vx_http_req_udata(req), in, &err)) !=
             VX_OK)
        rc = vx_http_problem(req, rc, "%s", err.msg);
    else {
        vx_tl_suggest(in, sug);
        o = vx_tl_suggest_json(in, sug);
        rc = o ? VX_OK : VX_ENOMEM;
    }
    free(in);
    free(sug);
    return rc == VX_OK ? vx_http_reply_json(req, 200, o) : rc;
}

static int h_national(struct vx_http_req *req)
{
    int month, rc;
    if ((rc = month_arg(req, false, &month)) != VX_OK)
        return rc;
    const char *fs = vx_http_req_query(req, "format");
    enum vx_tl_format f = VX_TL_FMT_HTML;
    bool json = !fs || !*fs || !strcmp(fs, "json");
    if (!json && vx_tl_format_parse(fs, &f) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "format", "json, html, pdf or xlsx");
    const char *lq = vx_http_req_query(req, "lang");
    const char *lang = lq && (!strcmp(lq, "en") || !strcmp(lq, "sv")) ? lq : vx_http_req_lang(req);
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_tl_compilation *c = calloc(1, sizeof *c);
    if (!c)
        return VX_ENOMEM;
    struct vx_err err = {0};
    rc = vx_tl_compile_store(st, month, asof_of(req, month), c, &err);
    if (rc != VX_OK) {
        free(c);
        return vx_http_problem(req, rc, "%s", err.msg);
    }
    if (json) {
        cJSON *o = vx_tl_compilation_json(c);
        free(c);
        return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
    }
    struct vx_buf b;
    vx_buf_init(&b, RH_OUT_MAX);
    rc = vx_tl_render(c, f, lang, NULL, &b, &err);
    free(c);
    if (rc == VX_OK) {
        char mb[8], cd[96];
        snprintf(cd, sizeof cd, "%s; filename=\"lagesbild-%s.%s\"",
                 f == VX_TL_FMT_HTML ? "inline" : "attachment", vx_tl_month_format(month, mb),
                 vx_tl_format_code(f));
        vx_http_set_header(req, "Content-Disposition", cd);
        rc = vx_http_reply_text(req, 200, vx_tl_format_mime(f), b.data, b.len);
    } else {
        rc = vx_http_problem(req, rc, "%s", err.msg);
    }
    vx_buf_release(&b);
    return rc;
}

/* ------------------------------------------------------------------ dashboard */

static int kommun_one(void *ctx, const struct vx_kommun_rec *k)
{
    cJSON *e = cJSON_CreateObject();
    if (!e || !cJSON_AddItemToArray(ctx, e)) {
        cJSON_Delete(e);
        return 1;
    }
    cJSON_AddStringToObject(e, "code", k->code);
    cJSON_AddStringToObject(e, "name", k->name);
    return 0;
}

/* A count as public JSON: 1..4 → null with "<name>_display": "<5". */
static void add_count(cJSON *o, const char *name, int64_t n)
{
    if (n >= 1 && n <= 4) {
        char k[64];
        cJSON_AddNullToObject(o, name);
        snprintf(k, sizeof k, "%s_display", name);
        cJSON_AddStringToObject(o, k, "<5");
    } else {
        cJSON_AddNumberToObject(o, name, (double)n);
    }
}

static int h_dashboard(struct vx_http_req *req)
{
    const char *rq = vx_http_req_query(req, "region");
    if (rq && *rq && (strlen(rq) != 2 || rq[0] < '0' || rq[0] > '9' || rq[1] < '0' || rq[1] > '9'))
        return vx_http_problem_field(req, VX_EINVAL, "region", "expected a län code (2 digits)");
    long weeks = 10;
    const char *wq = vx_http_req_query(req, "weeks");
    if (wq && *wq) {
        char *end;
        weeks = strtol(wq, &end, 10);
        if (*end || weeks < 1 || weeks > RH_WEEKS_MAX)
            return vx_http_problem_field(req, VX_ERANGE, "weeks", "1 to 26");
    }
    struct vx_store *st;
    int rc;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    vx_day today = vx_http_req_today(req);
    struct vx_region_summary *rs = calloc(VX_TL_MAX_REGIONS, sizeof *rs);
    if (!rs)
        return VX_ENOMEM;
    int n = 0;
    if (st->ops->region_summary(st, today, rs, VX_TL_MAX_REGIONS, &n) != VX_OK) {
        free(rs);
        return vx_http_problem(req, VX_ESTORE, "cannot read the regions");
    }
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    char db[16];
    if (!o || !arr) {
        cJSON_Delete(o);
        cJSON_Delete(arr);
        free(rs);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "date", vx_day_format(today, db));
    cJSON_AddItemToObject(o, "regions", arr);
    enum vx_status vs = VX_OK;
    for (int i = 0; i < n && vs == VX_OK; i++) {
        if (rq && *rq && strcmp(rq, rs[i].code))
            continue;
        struct vx_tl_figures f;
        vs = st->ops->report->figures(st, rs[i].code, today - 27, today, today, &f);
        if (vs != VX_OK)
            break;
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(arr, e)) {
            cJSON_Delete(e);
            vs = VX_ENOMEM;
            break;
        }
        cJSON_AddStringToObject(e, "code", rs[i].code);
        cJSON_AddStringToObject(e, "name", rs[i].name);
        add_count(e, "doses_7d", f.doses_7d);
        add_count(e, "doses_28d", f.doses_period);
        cJSON_AddNumberToObject(e, "delivered_total", (double)f.delivered_total);
        add_count(e, "given_at_sites", f.given_at_sites);
        struct vx_care_region_stock cs;
        bool care = vx_care_region_stock(st, rs[i].code, today, &cs) == VX_OK &&
                    (cs.on_hand > 0 || cs.wasted_28d > 0);
        double per_day = (double)f.doses_7d / 7.0;
        /* stock days of a suppressed dose count (1-4) would give the count back: hidden */
        bool hide = f.doses_7d >= 1 && f.doses_7d <= 4;
        if (care && (cs.given_per_day > 0 || cs.on_hand > 0)) {
            cJSON_AddNumberToObject(e, "stock_doses", (double)cs.on_hand);
            if (hide || cs.given_per_day <= 0)
                cJSON_AddNullToObject(e, "stock_days");
            else
                cJSON_AddNumberToObject(e, "stock_days", cs.cover_days);
            cJSON_AddStringToObject(e, "stock_source", "care");
        } else if (f.delivered_total > 0) {
            int64_t stock = f.delivered_total - f.given_at_sites;
            if (stock < 0)
                stock = 0;
            cJSON_AddNumberToObject(e, "stock_doses", (double)stock);
            if (hide || per_day <= 0)
                cJSON_AddNullToObject(e, "stock_days");
            else
                cJSON_AddNumberToObject(e, "stock_days", (double)stock / per_day);
            cJSON_AddStringToObject(e, "stock_source", "estimate");
        } else {
            cJSON_AddNullToObject(e, "stock_doses");
            cJSON_AddNullToObject(e, "stock_days");
            cJSON_AddNullToObject(e, "stock_source");
        }
        if (hide)
            cJSON_AddStringToObject(e, "stock_days_display", "<5");
        if (care && cs.wasted_28d + cs.drawn_28d > 0)
            cJSON_AddNumberToObject(e, "wastage_pct", cs.waste_pct);
        else
            cJSON_AddNullToObject(e, "wastage_pct");
        if (!(rq && *rq))
            continue;
        /* one region: its municipalities (names for the drill-down) and weekly
         * deliveries vs doses given */
        cJSON *ks = cJSON_AddArrayToObject(e, "municipalities");
        if (!ks || (vs = st->ops->report->kommun_foreach(st, rs[i].code, kommun_one, ks)) != VX_OK)
            break;
        cJSON *w = cJSON_AddArrayToObject(e, "weeks");
        vx_day monday = today - (vx_weekday(today) - 1);
        for (long k = weeks - 1; w && k >= 0 && vs == VX_OK; k--) {
            vx_day from = monday - 7 * (vx_day)k, to = from + 6;
            struct vx_tl_figures wf;
            vs = st->ops->report->figures(st, rs[i].code, from, to, to, &wf);
            if (vs != VX_OK)
                break;
            cJSON *we = cJSON_CreateObject();
            char wb[12];
            if (!we || !cJSON_AddItemToArray(w, we)) {
                cJSON_Delete(we);
                vs = VX_ENOMEM;
                break;
            }
            cJSON_AddStringToObject(we, "week", vx_isoweek_format(vx_isoweek_of(from), wb));
            cJSON_AddNumberToObject(we, "delivered", (double)wf.delivered_period);
            add_count(we, "given", wf.doses_period);
        }
    }
    free(rs);
    if (vs != VX_OK) {
        cJSON_Delete(o);
        return vs == VX_ENOMEM ? VX_ENOMEM : vx_http_problem(req, VX_ESTORE, "cannot read figures");
    }
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ routes */

static const struct vx_route report_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/reports/traffic-light",
        .handler = h_list,
        .roles = COORD | NATIONAL,
        .tag = "reports",
        .summary = "Traffic-light reports of a month: current ones, or every filing",
        .description = "A regional coordinator sees only their own region.",
        .query = {{"month", VX_JSON_STRING, .required = true, .max_len = 7, .desc = "YYYY-MM",
                   .example = "\"2021-03\""},
                  {"region", VX_JSON_STRING, .max_len = 2, .desc = "län code (national role)"},
                  {"history", VX_JSON_STRING, .max_len = 5,
                   .desc = "true: superseded filings too"}},
        .response = "{month, region, history, reports: [{id, region, month, filed_by, filed_at, "
                    "superseded_by, superseded_at, areas: {<area>: {color, reason}}}]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/reports/traffic-light",
        .handler = h_file,
        .roles = COORD,
        .tag = "reports",
        .summary = "File the region's traffic-light report for a month",
        .description = "Supersedes an earlier filing of the same month (which is kept). "
                       "Overall and readiness are required; yellow and red need a reason.",
        .body = {{"month", VX_JSON_STRING, .required = true, .max_len = 7, .desc = "YYYY-MM",
                  .example = "\"2021-03\""},
                 {"region", VX_JSON_STRING, .max_len = 2,
                  .desc = "must be the caller's region (default)"},
                 {"areas", VX_JSON_OBJECT, .required = true,
                  .desc = "{<area code>: {color: green|yellow|red|unknown, reason}}",
                  .example = "{\"overall\": {\"color\": \"green\", \"reason\": \"\"}}"}},
        .success = 201,
        .response = "the stored report (as in the list) plus supersedes: id|null",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/reports/traffic-light/suggestions",
        .handler = h_suggest,
        .roles = COORD | NATIONAL,
        .tag = "reports",
        .summary = "Colours suggested from data, with the rules and numbers behind them",
        .query = {{"month", VX_JSON_STRING, .max_len = 7, .desc = "YYYY-MM (default: this month)"},
                  {"region", VX_JSON_STRING, .max_len = 2,
                   .desc = "län code (national role: required)"}},
        .response = "{region, month, asof, indicators: [{code, unit, name, known, value, "
                    "basis, basis_sv, note?: {sv, en}}], suggestions: {<area>: {color, rules: "
                    "[ids], text: {sv, en}}}}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/reports/traffic-light/national",
        .handler = h_national,
        .roles = COORD | NATIONAL,
        .tag = "reports",
        .summary = "National compilation (SKR style): counts per colour, reasons grouped",
        .query = {{"month", VX_JSON_STRING, .max_len = 7, .desc = "YYYY-MM (default: this month)"},
                  {"format", VX_JSON_STRING, .max_len = 4,
                   .desc = "json (default), html, pdf, xlsx"},
                  {"lang", VX_JSON_STRING, .max_len = 2,
                   .desc = "sv or en (default: Accept-Language)"}},
        .response = "JSON {month, regions_total, regions_filed, areas: [{area, name, counts, "
                    "sentence, groups: [{color, reason, regions}]}], regions: [...]}, or the "
                    "document",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/reports/dashboard",
        .handler = h_dashboard,
        .roles = VX_ROLES_PUBLIC,
        .tag = "reports",
        .summary = "Public supply figures per region: doses given, delivered, stock in days, "
                   "wastage; with region, weekly deliveries vs doses given",
        .description = "Counts of 1-4 doses are null with <name>_display \"<5\"; so are the "
                       "stock days computed from such a count.",
        .query = {{"region", VX_JSON_STRING, .max_len = 2, .desc = "one region, with weeks"},
                  {"weeks", VX_JSON_STRING, .max_len = 2,
                   .desc = "weeks of the series, 1-26 (10)"}},
        .response = "{date, regions: [{code, name, doses_7d, doses_28d, delivered_total, "
                    "given_at_sites, stock_doses, stock_days, stock_source, wastage_pct, "
                    "municipalities?: [{code, name}], weeks?: [{week, delivered, given}]}]}",
    },
};

/* ------------------------------------------------------------------ module */

/* The phase targets are read once, when the server starts, from the server's data
 * folder (`serve --data-dir`; else $VAXCHAIN_DATA_DIR, else the source tree's data/); a
 * missing or bad file stops the start with the file named. */
static enum vx_status report_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    const char *dir = vx_http_server_config(srv)->data_dir;
    if (!dir || !dir[0])
        dir = getenv("VAXCHAIN_DATA_DIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : VX_DATA_DIR,
             VX_TL_PHASE_TARGETS_FILE);
    struct vx_tl_phase_targets *t = calloc(1, sizeof *t);
    if (!t)
        return vx_err_set(err, VX_ENOMEM, "report: out of memory");
    enum vx_status rc = vx_tl_phase_targets_load(path, t, err);
    if (rc != VX_OK) {
        free(t);
        return rc;
    }
    *udata = t;
    return VX_OK;
}

static void report_stop(void *udata)
{
    free(udata);
}

const struct vx_http_module vx_report_http_module = {
    .name = "report",
    .routes = report_routes,
    .n_routes = VX_ARRAY_LEN(report_routes),
    .start = report_start,
    .stop = report_stop,
};
