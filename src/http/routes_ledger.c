/*
 * routes_ledger.c — compensation, resources, sick travel and the council log over
 * HTTP (include/vx/ledger_http.h, docs/api-ledger.md).
 *
 * Scope. Every handler first resolves the caller's scope (struct scope): a regional
 * coordinator acts for session.region and may narrow to one of its municipalities
 * with ?kommun=; municipal roles act for session.kommun only (another ?kommun= is
 * 403); national oversight may read the state's statements of any region (no person
 * data, no municipal detail). Deny by default: each route lists its roles, and a
 * scope the role does not have is refused before anything is read.
 *
 * Compensation. The tariff table (data/compensation.json) is parsed once by the
 * start hook; statements are computed per request from st->ops->ledger->dose_buckets
 * and the recorded adjustments (pure vx_ledger_statement), then answered as JSON,
 * PDF, XLSX or CSV. Statement reads are aggregates (no person data). Adjustments and
 * dispute decisions are audited ("ledger.adjust", "ledger.dispute"), the decision and
 * its adjustment in one transaction so that neither exists without the other.
 *
 * Places: GET /api/v1/places lists the regions (a static table checked against
 * shared/data/se/regions.csv by the test) and the municipalities of the store (public).
 * Adjustments and dispute decisions name who decided (a body or official; default the
 * signed-in user), while the audit row keeps the signed-in user as the actor.
 *
 * Sick travel holds person data: every row shown, created or changed writes a
 * "person.read"/"travel.create"/"travel.update" audit row naming person:<id>, and
 * nothing is answered when an audit write fails.
 *
 * Writes are low-rate staff writes on the request's store handle (SQLite WAL, busy
 * timeout), as docs/http.md allows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/auth.h"
#include "vx/ledger.h"
#include "vx/ledger_http.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/store_ledger.h"
#include "vx/store_report.h"

#define LH_OUT_MAX   (32u * 1024u * 1024u)
#define LH_FIRST_DAY "2020-12-27" /* first COVID-19 dose in Sweden: default `from` */
#define LH_MAX_ROWS  5000         /* rows of one list answer */

static char g_comp_path[4096];

void vx_ledger_http_configure(const char *compensation_path)
{
    snprintf(g_comp_path, sizeof g_comp_path, "%s", compensation_path ? compensation_path : "");
}

struct lh {
    struct vx_comp_table *comp; /* owned */
};

/* ------------------------------------------------------------------ helpers */

#define REGION     VX_ROLE_BIT(VX_ROLE_REGION_COORD)
#define MUNI       VX_ROLE_BIT(VX_ROLE_MUNI_COORD)
#define NURSE      VX_ROLE_BIT(VX_ROLE_MUNI_NURSE)
#define CALLCENTRE VX_ROLE_BIT(VX_ROLE_CALLCENTRE)
#define NATIONAL   VX_ROLE_BIT(VX_ROLE_NATIONAL)

struct scope {
    char region[3];
    char kommun[5]; /* "" = the whole region */
    bool national;
};

static bool digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * The caller's scope, from the session and ?region= / ?kommun= (or body fields of
 * the same names when `body` is true). Returns VX_OK or the handler's problem.
 */
static enum vx_status scope_of(struct vx_http_req *req, bool body, struct scope *sc)
{
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *b = body ? vx_http_req_body(req) : NULL;
    const char *qr = b ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "region"))
                       : vx_http_req_query(req, "region");
    const char *qk = b ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "kommun"))
                       : vx_http_req_query(req, "kommun");
    memset(sc, 0, sizeof *sc);
    if (qr && qr[0] && !digits(qr, 2))
        return vx_http_problem_field(req, VX_EINVAL, "region", "a two-digit region code");
    if (qk && qk[0] && !digits(qk, 4))
        return vx_http_problem_field(req, VX_EINVAL, "kommun", "a four-digit municipality code");
    if (s->role == VX_ROLE_NATIONAL) {
        if (!qr || !qr[0])
            return vx_http_problem_field(req, VX_EINVAL, "region", "required");
        memcpy(sc->region, qr, 3);
        sc->national = true;
        return VX_OK;
    }
    memcpy(sc->region, s->region, sizeof sc->region);
    if (qr && qr[0] && strcmp(qr, s->region) != 0)
        return vx_http_problem_field(req, VX_EDENIED, "region", "outside your region");
    if (s->role == VX_ROLE_MUNI_COORD || s->role == VX_ROLE_MUNI_NURSE) {
        if (qk && qk[0] && strcmp(qk, s->kommun) != 0)
            return vx_http_problem_field(req, VX_EDENIED, "kommun", "not your municipality");
        memcpy(sc->kommun, s->kommun, sizeof sc->kommun);
        return VX_OK;
    }
    if (qk && qk[0]) {
        if (strncmp(qk, sc->region, 2) != 0)
            return vx_http_problem_field(req, VX_EDENIED, "kommun",
                                         "not a municipality of your region");
        memcpy(sc->kommun, qk, 5);
    }
    return VX_OK;
}

static enum vx_status store_of(struct vx_http_req *req, struct vx_store **st)
{
    return vx_http_req_store(req, st) == VX_OK
               ? VX_OK
               : vx_http_problem(req, VX_ESTORE, "database unavailable");
}

/* Date in query `name` (default `def`, 0 = required). */
static enum vx_status query_day(struct vx_http_req *req, const char *name, vx_day def, vx_day *out)
{
    const char *v = vx_http_req_query(req, name);
    if (!v || !v[0]) {
        if (!def)
            return vx_http_problem_field(req, VX_EINVAL, name, "required");
        *out = def;
        return VX_OK;
    }
    return vx_day_parse(v, out) == VX_OK
               ? VX_OK
               : vx_http_problem_field(req, VX_EINVAL, name, "a date YYYY-MM-DD");
}

static const char *bstr(const cJSON *b, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, k));
    return v ? v : "";
}

static bool bbool(const cJSON *b, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, k));
}

static bool bhas(const cJSON *b, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(b, k) != NULL;
}

static int64_t bint(const cJSON *b, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Body date field `k` (required or not) into *out (0 when absent). */
static enum vx_status body_day(struct vx_http_req *req, const char *k, bool required, vx_day *out)
{
    const char *v = bstr(vx_http_req_body(req), k);
    *out = 0;
    if (!v[0])
        return required ? vx_http_problem_field(req, VX_EINVAL, k, "required") : VX_OK;
    return vx_day_parse(v, out) == VX_OK
               ? VX_OK
               : vx_http_problem_field(req, VX_EINVAL, k, "a date YYYY-MM-DD");
}

static void add_day(cJSON *o, const char *k, vx_day d)
{
    char b[11];
    if (d && d != VX_DAY_OPEN)
        cJSON_AddStringToObject(o, k, vx_day_format(d, b));
    else
        cJSON_AddNullToObject(o, k);
}

static void add_time(cJSON *o, const char *k, vx_time t)
{
    char b[32];
    if (t)
        cJSON_AddStringToObject(o, k, vx_time_format_local(t, b));
    else
        cJSON_AddNullToObject(o, k);
}

static int64_t param_id(struct vx_http_req *req)
{
    const char *v = vx_http_req_param(req, "id");
    char *end = NULL;
    long long id = v ? strtoll(v, &end, 10) : 0;
    return v && *v && end && !*end && id > 0 ? (int64_t)id : 0;
}

/* A list answer {"items": [...]}: the array to fill and the object to reply. */
static cJSON *list_new(cJSON **items)
{
    cJSON *o = cJSON_CreateObject();
    *items = o ? cJSON_AddArrayToObject(o, "items") : NULL;
    if (o && !*items) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

/* A read of the caller's region (and municipality) into `items`. */
typedef enum vx_status (*scoped_read)(struct vx_store *st, const struct scope *sc, cJSON *items);

/* GET of a scoped list: {"items": [...]} from `read`; `fail` is the problem detail. */
static int scoped_list(struct vx_http_req *req, scoped_read read, const char *fail)
{
    struct scope sc;
    struct vx_store *st;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    cJSON *items;
    cJSON *o = list_new(&items);
    if (!o)
        return VX_ENOMEM;
    if (read(st, &sc, items) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, fail);
    }
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ compensation */

static cJSON *period_json(const struct vx_tariff_period *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_day(o, "from", p->from);
    add_day(o, "to", p->to);
    cJSON_AddNumberToObject(o, "ore_per_dose", (double)p->ore_per_dose);
    cJSON_AddBoolToObject(o, "assumed", p->assumed);
    cJSON_AddStringToObject(o, "source", p->source);
    return o;
}

static int h_agreements(struct vx_http_req *req)
{
    struct lh *lh = vx_http_req_udata(req);
    struct scope sc;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *state = cJSON_AddArrayToObject(o, "state");
    cJSON *agr = cJSON_AddArrayToObject(o, "agreements");
    if (!o || !state || !agr) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "region", sc.region);
    cJSON_AddStringToObject(o, "currency", lh->comp->currency);
    for (int i = 0; i < lh->comp->n_state; i++)
        cJSON_AddItemToArray(state, period_json(&lh->comp->state[i]));
    for (int i = 0; !sc.national && i < lh->comp->n_agreements; i++) {
        const struct vx_agreement *a = &lh->comp->agreements[i];
        if (strcmp(a->region, sc.region) != 0)
            continue;
        if (sc.kommun[0] && vx_comp_agreement_for(lh->comp, sc.region, sc.kommun) != a)
            continue;
        cJSON *j = cJSON_CreateObject();
        cJSON *per = cJSON_AddArrayToObject(j, "periods");
        cJSON *kom = a->all_kommuner ? NULL : cJSON_AddArrayToObject(j, "kommuner");
        cJSON_AddStringToObject(j, "id", a->id);
        cJSON_AddStringToObject(j, "name", a->name);
        cJSON_AddStringToObject(j, "decided", a->decided);
        if (a->all_kommuner)
            cJSON_AddStringToObject(j, "kommuner", "*");
        for (int k = 0; kom && k < a->n_kommuner; k++)
            cJSON_AddItemToArray(kom, cJSON_CreateString(a->kommuner[k]));
        for (int k = 0; per && k < a->n_periods; k++)
            cJSON_AddItemToArray(per, period_json(&a->periods[k]));
        cJSON_AddItemToArray(agr, j);
    }
    return vx_http_reply_json(req, 200, o);
}

/* Compute the statement the query asks for into *s (caller releases). */
static enum vx_status compute(struct vx_http_req *req, struct vx_store **stp,
                              struct vx_statement *s, enum vx_payer force_payer, bool forced)
{
    struct lh *lh = vx_http_req_udata(req);
    struct scope sc;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK)
        return rc;
    enum vx_payer payer = forced ? force_payer : VX_PAYER_REGION;
    const char *p = vx_http_req_query(req, "payer");
    if (!forced && p && p[0] && vx_payer_parse(p, &payer) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "payer", "region or state");
    const struct vx_session *ses = vx_http_req_session(req);
    if (sc.national && payer != VX_PAYER_STATE)
        return vx_http_problem_field(req, VX_EDENIED, "payer",
                                     "national oversight reads the state's statements only");
    if (payer == VX_PAYER_STATE && (ses->role == VX_ROLE_MUNI_COORD))
        return vx_http_problem_field(req, VX_EDENIED, "payer",
                                     "the state's statement is the region's");
    vx_day from, to, first;
    vx_day_parse(LH_FIRST_DAY, &first);
    if ((rc = query_day(req, "from", first, &from)) != VX_OK ||
        (rc = query_day(req, "to", vx_http_req_today(req), &to)) != VX_OK)
        return rc;
    if (from > to)
        return vx_http_problem_field(req, VX_EINVAL, "to", "before from");
    if ((rc = store_of(req, stp)) != VX_OK)
        return rc;
    struct vx_err err = {0};
    rc = vx_ledger_statement_load(*stp, lh->comp, payer, sc.region, sc.kommun, from, to, s, &err);
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "%s", err.msg);
    return VX_OK;
}

static cJSON *statement_json(const struct vx_statement *s, const char *currency)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *lines = cJSON_AddArrayToObject(o, "lines");
    cJSON *adj = cJSON_AddArrayToObject(o, "adjustments");
    if (!o || !lines || !adj) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddStringToObject(o, "payer", vx_payer_code(s->payer));
    cJSON_AddStringToObject(o, "region", s->region);
    cJSON_AddStringToObject(o, "kommun", s->kommun);
    add_day(o, "from", s->from);
    add_day(o, "to", s->to);
    cJSON_AddStringToObject(o, "currency", currency);
    for (size_t i = 0; i < s->n_lines; i++) {
        const struct vx_ledger_line *l = &s->lines[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "kommun", l->kommun);
        cJSON_AddStringToObject(j, "kommun_name", l->kommun_name);
        add_day(j, "from", l->from);
        add_day(j, "to", l->to);
        cJSON_AddBoolToObject(j, "covered", l->covered);
        cJSON_AddNumberToObject(j, "doses", (double)l->doses);
        cJSON_AddNumberToObject(j, "ore_per_dose", (double)l->ore_per_dose);
        cJSON_AddNumberToObject(j, "amount_ore", (double)l->amount_ore);
        cJSON_AddBoolToObject(j, "assumed", l->assumed);
        cJSON_AddStringToObject(j, "agreement", l->agreement);
        cJSON_AddItemToArray(lines, j);
    }
    for (size_t i = 0; i < s->n_adjust; i++) {
        const struct vx_ledger_adjust *a = &s->adjust[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "id", (double)a->id);
        cJSON_AddStringToObject(j, "kommun", a->kommun);
        add_day(j, "from", a->period_from);
        add_day(j, "to", a->period_to);
        cJSON_AddNumberToObject(j, "amount_ore", (double)a->amount_ore);
        cJSON_AddStringToObject(j, "reason", a->reason);
        cJSON_AddStringToObject(j, "decided_by", a->decided_by);
        add_time(j, "decided_at", a->decided_at);
        cJSON_AddNumberToObject(j, "dispute_id", (double)a->dispute_id);
        cJSON_AddItemToArray(adj, j);
    }
    cJSON_AddNumberToObject(o, "doses_total", (double)s->doses_total);
    cJSON_AddNumberToObject(o, "doses_covered", (double)s->doses_covered);
    cJSON_AddNumberToObject(o, "doses_uncovered", (double)s->doses_uncovered);
    cJSON_AddNumberToObject(o, "subtotal_ore", (double)s->subtotal_ore);
    cJSON_AddNumberToObject(o, "adjust_ore", (double)s->adjust_ore);
    cJSON_AddNumberToObject(o, "total_ore", (double)s->total_ore);
    return o;
}

enum fmt { F_JSON, F_PDF, F_XLSX, F_CSV };

static int statement(struct vx_http_req *req, enum fmt f)
{
    struct lh *lh = vx_http_req_udata(req);
    struct vx_store *st = NULL;
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    enum vx_status rc = compute(req, &st, &s, VX_PAYER_REGION, false);
    if (rc != VX_OK)
        return rc;
    if (f == F_JSON) {
        cJSON *o = statement_json(&s, lh->comp->currency);
        vx_ledger_statement_release(&s);
        return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
    }
    const char *lang = vx_http_req_query(req, "lang");
    if (!lang || !lang[0])
        lang = vx_http_req_lang(req);
    struct vx_buf out;
    vx_buf_init(&out, LH_OUT_MAX);
    struct vx_err err = {0};
    char name[96], disp[160], no[64];
    char f0[11], f1[11];
    snprintf(no, sizeof no, "%s-%s-%s-%s", s.region, s.kommun[0] ? s.kommun : "all",
             vx_day_format(s.from, f0), vx_day_format(s.to, f1));
    static const char *const ext[] = {"", "pdf", "xlsx", "csv"};
    static const char *const type[] = {"", "application/pdf",
                                       "application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet",
                                       "text/csv; charset=utf-8"};
    if (f == F_PDF)
        rc = vx_ledger_statement_pdf(&s, lang, no, &out, &err);
    else if (f == F_XLSX)
        rc = vx_ledger_statement_xlsx(&s, lang, &out, &err);
    else
        rc = vx_ledger_statement_csv(&s, lang, &out);
    vx_ledger_statement_release(&s);
    if (rc != VX_OK) {
        vx_buf_release(&out);
        return vx_http_problem(req, rc, "cannot render the statement: %s", err.msg);
    }
    snprintf(name, sizeof name, "ersattning-%s.%s", no, ext[f]);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    rc = vx_http_set_header(req, "Content-Disposition", disp);
    if (rc == VX_OK)
        rc = vx_http_reply_text(req, 200, type[f], out.data ? out.data : "", out.len);
    vx_buf_release(&out);
    return rc;
}

static int h_statement(struct vx_http_req *req)
{
    return statement(req, F_JSON);
}
static int h_statement_pdf(struct vx_http_req *req)
{
    return statement(req, F_PDF);
}
static int h_statement_xlsx(struct vx_http_req *req)
{
    return statement(req, F_XLSX);
}
static int h_statement_csv(struct vx_http_req *req)
{
    return statement(req, F_CSV);
}

static int h_uncovered(struct vx_http_req *req)
{
    struct vx_store *st = NULL;
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    enum vx_status rc = compute(req, &st, &s, VX_PAYER_REGION, true);
    if (rc != VX_OK)
        return rc;
    cJSON *items;
    cJSON *o = list_new(&items);
    if (!o) {
        vx_ledger_statement_release(&s);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "region", s.region);
    add_day(o, "from", s.from);
    add_day(o, "to", s.to);
    for (size_t i = 0; i < s.n_lines; i++) {
        const struct vx_ledger_line *l = &s.lines[i];
        if (l->covered)
            continue;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "kommun", l->kommun);
        cJSON_AddStringToObject(j, "kommun_name", l->kommun_name);
        add_day(j, "from", l->from);
        add_day(j, "to", l->to);
        cJSON_AddNumberToObject(j, "doses", (double)l->doses);
        cJSON_AddItemToArray(items, j);
    }
    cJSON_AddNumberToObject(o, "doses_uncovered", (double)s.doses_uncovered);
    vx_ledger_statement_release(&s);
    return vx_http_reply_json(req, 200, o);
}

static int adjust_json_cb(void *ctx, const struct vx_ledger_adjust *a)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)a->id);
    cJSON_AddStringToObject(j, "kommun", a->kommun);
    add_day(j, "from", a->period_from);
    add_day(j, "to", a->period_to);
    cJSON_AddNumberToObject(j, "amount_ore", (double)a->amount_ore);
    cJSON_AddStringToObject(j, "reason", a->reason);
    cJSON_AddStringToObject(j, "decided_by", a->decided_by);
    add_time(j, "decided_at", a->decided_at);
    cJSON_AddNumberToObject(j, "dispute_id", (double)a->dispute_id);
    cJSON_AddItemToArray(ctx, j);
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static int h_adjust_list(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    vx_day from, to, first;
    vx_day_parse(LH_FIRST_DAY, &first);
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = query_day(req, "from", first, &from)) != VX_OK ||
        (rc = query_day(req, "to", vx_day_from_ymd(9999, 12, 31), &to)) != VX_OK ||
        (rc = store_of(req, &st)) != VX_OK)
        return rc;
    cJSON *items;
    cJSON *o = list_new(&items);
    if (!o)
        return VX_ENOMEM;
    rc = st->ops->ledger->adjust_foreach(st, sc.region, sc.kommun[0] ? sc.kommun : NULL, from, to,
                                         adjust_json_cb, items);
    if (rc != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the adjustments");
    }
    return vx_http_reply_json(req, 200, o);
}

/* Record adjustment *a (audited as ledger.adjust) on st; *id gets its id. */
static enum vx_status put_adjust(struct vx_http_req *req, struct vx_store *st,
                                 struct vx_ledger_adjust *a, int64_t *id)
{
    enum vx_status rc = st->ops->ledger->adjust_put(st, a, id);
    if (rc != VX_OK)
        return rc;
    char obj[40], detail[256];
    snprintf(obj, sizeof obj, "adjust:%" PRId64, *id);
    snprintf(detail, sizeof detail, "%s %s %" PRId64 " öre by %.40s: %.160s", a->region, a->kommun,
             a->amount_ore, a->decided_by, a->reason);
    return vx_audit_event(st, vx_http_req_session(req), "ledger.adjust", obj, detail);
}

/* Fill an adjustment from body fields kommun, from, to, amount_ore, reason. */
static enum vx_status adjust_from_body(struct vx_http_req *req, const struct scope *sc,
                                       struct vx_ledger_adjust *a)
{
    const cJSON *b = vx_http_req_body(req);
    const struct vx_session *s = vx_http_req_session(req);
    memset(a, 0, sizeof *a);
    memcpy(a->region, sc->region, 3);
    memcpy(a->kommun, sc->kommun, 5);
    enum vx_status rc;
    if ((rc = body_day(req, "from", true, &a->period_from)) != VX_OK ||
        (rc = body_day(req, "to", true, &a->period_to)) != VX_OK)
        return rc;
    if (a->period_to < a->period_from)
        return vx_http_problem_field(req, VX_EINVAL, "to", "before from");
    a->amount_ore = bint(b, "amount_ore");
    if (a->amount_ore == 0)
        return vx_http_problem_field(req, VX_EINVAL, "amount_ore", "a non-zero amount in öre");
    snprintf(a->reason, sizeof a->reason, "%s", bstr(b, "reason"));
    if (!a->reason[0])
        return vx_http_problem_field(req, VX_EINVAL, "reason", "required: why");
    /* who decided: a body or an official named by the caller, else the caller */
    const char *by = bstr(b, "decided_by");
    snprintf(a->decided_by, sizeof a->decided_by, "%s", by[0] ? by : s->user);
    return VX_OK;
}

static int h_adjust_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    struct vx_ledger_adjust a;
    enum vx_status rc = scope_of(req, true, &sc);
    if (rc != VX_OK || (rc = adjust_from_body(req, &sc, &a)) != VX_OK ||
        (rc = store_of(req, &st)) != VX_OK)
        return rc;
    a.dispute_id = bint(vx_http_req_body(req), "dispute_id");
    if (a.dispute_id) {
        struct vx_dispute_rec d;
        if (st->ops->ledger->dispute_get(st, a.dispute_id, &d) != VX_OK ||
            strcmp(d.region, sc.region) != 0)
            return vx_http_problem_field(req, VX_ENOTFOUND, "dispute_id", "no such dispute");
    }
    int64_t id = 0;
    if ((rc = vx_store_begin(st)) == VX_OK && (rc = put_adjust(req, st, &a, &id)) == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        return vx_http_problem(req, rc, "cannot record the adjustment: %s", st->err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

static cJSON *dispute_json(const struct vx_dispute_rec *d)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)d->id);
    cJSON_AddStringToObject(j, "region", d->region);
    cJSON_AddStringToObject(j, "kommun", d->kommun);
    add_day(j, "from", d->period_from);
    add_day(j, "to", d->period_to);
    cJSON_AddStringToObject(j, "subject", d->subject);
    cJSON_AddNumberToObject(j, "claimed_ore", (double)d->claimed_ore);
    cJSON_AddStringToObject(j, "status", vx_dispute_status_code(d->status));
    cJSON_AddStringToObject(j, "raised_by", d->raised_by);
    add_time(j, "raised_at", d->raised_at);
    cJSON_AddStringToObject(j, "resolution", d->resolution);
    cJSON_AddStringToObject(j, "decided_by", d->decided_by);
    add_time(j, "decided_at", d->decided_at);
    return j;
}

static int dispute_cb(void *ctx, const struct vx_dispute_rec *d)
{
    cJSON_AddItemToArray(ctx, dispute_json(d));
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static enum vx_status read_disputes(struct vx_store *st, const struct scope *sc, cJSON *items)
{
    return st->ops->ledger->dispute_foreach(st, sc->region, sc->kommun, dispute_cb, items);
}

static int h_disputes(struct vx_http_req *req)
{
    return scoped_list(req, read_disputes, "cannot read the disputes");
}

static int h_dispute_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, true, &sc);
    if (rc != VX_OK)
        return rc;
    if (!sc.kommun[0])
        return vx_http_problem_field(req, VX_EINVAL, "kommun", "required");
    struct vx_dispute_rec d;
    memset(&d, 0, sizeof d);
    memcpy(d.region, sc.region, 3);
    memcpy(d.kommun, sc.kommun, 5);
    if ((rc = body_day(req, "from", true, &d.period_from)) != VX_OK ||
        (rc = body_day(req, "to", true, &d.period_to)) != VX_OK)
        return rc;
    if (d.period_to < d.period_from)
        return vx_http_problem_field(req, VX_EINVAL, "to", "before from");
    snprintf(d.subject, sizeof d.subject, "%s", bstr(b, "subject"));
    d.claimed_ore = bint(b, "claimed_ore");
    snprintf(d.raised_by, sizeof d.raised_by, "%s", vx_http_req_session(req)->user);
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    int64_t id = 0;
    if ((rc = st->ops->ledger->dispute_put(st, &d, &id)) != VX_OK)
        return vx_http_problem(req, rc, "cannot record the dispute: %s", st->err);
    char obj[40];
    snprintf(obj, sizeof obj, "dispute:%" PRId64, id);
    vx_audit_event(st, vx_http_req_session(req), "ledger.dispute", obj, "raised");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

static int h_dispute_decide(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, false, &sc);
    int64_t id = param_id(req);
    if (rc != VX_OK)
        return rc;
    if (!id)
        return vx_http_problem_field(req, VX_EINVAL, "id", "a dispute id");
    enum vx_dispute_status status;
    if (vx_dispute_status_parse(bstr(b, "status"), &status) != VX_OK || status == VX_DISPUTE_OPEN)
        return vx_http_problem_field(req, VX_EINVAL, "status", "accepted or rejected");
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_dispute_rec d;
    if (st->ops->ledger->dispute_get(st, id, &d) != VX_OK || strcmp(d.region, sc.region) != 0)
        return vx_http_problem(req, VX_ENOTFOUND, "no dispute %" PRId64, id);
    if (d.status != VX_DISPUTE_OPEN)
        return vx_http_problem(req, VX_ECONFLICT, "dispute %" PRId64 " is already %s", id,
                               vx_dispute_status_code(d.status));
    int64_t amount = bint(b, "amount_ore");
    const char *resolution = bstr(b, "resolution");
    if (!resolution[0])
        return vx_http_problem_field(req, VX_EINVAL, "resolution", "required: why");
    const struct vx_session *s = vx_http_req_session(req);
    char by[64];
    snprintf(by, sizeof by, "%s", bstr(b, "decided_by")[0] ? bstr(b, "decided_by") : s->user);
    int64_t adj_id = 0;
    char obj[40], detail[320];
    snprintf(obj, sizeof obj, "dispute:%" PRId64, id);
    snprintf(detail, sizeof detail, "%s by %.40s: %.250s", vx_dispute_status_code(status), by,
             resolution);
    if ((rc = vx_store_begin(st)) == VX_OK)
        rc = st->ops->ledger->dispute_decide(st, id, status, resolution, by, 0);
    if (rc == VX_OK && amount) {
        struct vx_ledger_adjust a;
        memset(&a, 0, sizeof a);
        memcpy(a.region, d.region, 3);
        memcpy(a.kommun, d.kommun, 5);
        a.period_from = d.period_from;
        a.period_to = d.period_to;
        a.amount_ore = amount;
        snprintf(a.reason, sizeof a.reason, "Dispute %" PRId64 ": %.200s", id, resolution);
        snprintf(a.decided_by, sizeof a.decided_by, "%s", by);
        a.dispute_id = id;
        rc = put_adjust(req, st, &a, &adj_id);
    }
    if (rc == VX_OK)
        rc = vx_audit_event(st, s, "ledger.dispute", obj, detail);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        return vx_http_problem(req, rc, "cannot record the decision: %s", st->err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", vx_dispute_status_code(status));
    cJSON_AddNumberToObject(o, "adjustment_id", (double)adj_id);
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ resources */

static int premises_cb(void *ctx, const struct vx_premises_ext *p)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)p->p.id);
    cJSON_AddStringToObject(j, "code", p->p.code);
    cJSON_AddStringToObject(j, "kommun", p->p.kommun);
    cJSON_AddStringToObject(j, "name", p->p.name);
    cJSON_AddStringToObject(j, "address", p->p.address);
    cJSON_AddNumberToObject(j, "capacity_per_day", p->p.capacity_per_day);
    cJSON_AddBoolToObject(j, "accessible", p->p.accessible);
    add_day(j, "available_from", p->p.available_from);
    add_day(j, "available_to", p->p.available_to);
    cJSON_AddStringToObject(j, "status", vx_premises_status_code(p->status));
    cJSON_AddStringToObject(j, "note", p->note);
    cJSON_AddItemToArray(ctx, j);
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static enum vx_status read_premises(struct vx_store *st, const struct scope *sc, cJSON *items)
{
    return st->ops->ledger->premises_foreach(st, sc->region, sc->kommun, premises_cb, items);
}

static int h_premises(struct vx_http_req *req)
{
    return scoped_list(req, read_premises, "cannot read the premises");
}

static int h_premises_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, true, &sc);
    if (rc != VX_OK)
        return rc;
    if (!sc.kommun[0])
        return vx_http_problem_field(req, VX_EINVAL, "kommun", "required");
    struct vx_premises_rec p;
    memset(&p, 0, sizeof p);
    snprintf(p.code, sizeof p.code, "%s", bstr(b, "code"));
    snprintf(p.name, sizeof p.name, "%s", bstr(b, "name"));
    snprintf(p.address, sizeof p.address, "%s", bstr(b, "address"));
    memcpy(p.region, sc.region, 3);
    memcpy(p.kommun, sc.kommun, 5);
    p.capacity_per_day = (int)bint(b, "capacity_per_day");
    p.accessible = bbool(b, "accessible");
    if ((rc = body_day(req, "available_from", true, &p.available_from)) != VX_OK ||
        (rc = body_day(req, "available_to", true, &p.available_to)) != VX_OK)
        return rc;
    if (p.available_to < p.available_from)
        return vx_http_problem_field(req, VX_EINVAL, "available_to", "before available_from");
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    int64_t id = 0;
    rc = st->ops->premises_put(st, &p, &id);
    if (rc == VX_EEXIST)
        return vx_http_problem_field(req, VX_EEXIST, "code", "already used");
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "cannot record the premises: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

static int h_premises_patch(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, false, &sc);
    int64_t id = param_id(req);
    if (rc != VX_OK)
        return rc;
    enum vx_premises_status status;
    if (vx_premises_status_parse(bstr(b, "status"), &status) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "status", "offered, accepted or declined");
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_premises_ext p;
    if (!id || st->ops->ledger->premises_get(st, id, &p) != VX_OK ||
        strcmp(p.p.region, sc.region) != 0)
        return vx_http_problem(req, VX_ENOTFOUND, "no such premises");
    if ((rc = st->ops->ledger->premises_set_status(st, id, status, bstr(b, "note"))) != VX_OK)
        return vx_http_problem(req, rc, "cannot update the premises: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", vx_premises_status_code(status));
    return vx_http_reply_json(req, 200, o);
}

static int staff_cb(void *ctx, const struct vx_staff_rec *s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)s->id);
    cJSON_AddStringToObject(j, "kommun", s->kommun);
    cJSON_AddStringToObject(j, "name", s->name);
    cJSON_AddStringToObject(j, "competence", vx_competence_code(s->competence));
    cJSON_AddBoolToObject(j, "volunteer", s->volunteer);
    add_day(j, "available_from", s->available_from);
    add_day(j, "available_to", s->available_to);
    cJSON_AddStringToObject(j, "contact", s->contact);
    cJSON_AddItemToArray(ctx, j);
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static enum vx_status read_staff(struct vx_store *st, const struct scope *sc, cJSON *items)
{
    return st->ops->ledger->staff_foreach(st, sc->region, sc->kommun, staff_cb, items);
}

static int h_staff(struct vx_http_req *req)
{
    return scoped_list(req, read_staff, "cannot read the staff pool");
}

static int h_staff_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, true, &sc);
    if (rc != VX_OK)
        return rc;
    struct vx_staff_rec s;
    memset(&s, 0, sizeof s);
    memcpy(s.region, sc.region, 3);
    memcpy(s.kommun, sc.kommun, 5);
    snprintf(s.name, sizeof s.name, "%s", bstr(b, "name"));
    if (vx_competence_parse(bstr(b, "competence"), &s.competence) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "competence",
                                     "vaccinator, registration or host");
    s.volunteer = bbool(b, "volunteer");
    snprintf(s.contact, sizeof s.contact, "%s", bstr(b, "contact"));
    snprintf(s.created_by, sizeof s.created_by, "%s", vx_http_req_session(req)->user);
    if ((rc = body_day(req, "available_from", true, &s.available_from)) != VX_OK ||
        (rc = body_day(req, "available_to", true, &s.available_to)) != VX_OK)
        return rc;
    if (s.available_to < s.available_from)
        return vx_http_problem_field(req, VX_EINVAL, "available_to", "before available_from");
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    int64_t id = 0;
    if ((rc = st->ops->ledger->staff_put(st, &s, &id)) != VX_OK)
        return vx_http_problem(req, rc, "cannot record the staff member: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

/* The site named by `code` within the caller's region (problem when not). */
static enum vx_status site_in_scope(struct vx_http_req *req, struct vx_store *st,
                                    const struct scope *sc, const char *field, const char *code,
                                    struct vx_site_rec *site)
{
    if (!code || !code[0])
        return vx_http_problem_field(req, VX_EINVAL, field, "required");
    if (st->ops->site_get(st, code, site) != VX_OK || strcmp(site->region, sc->region) != 0)
        return vx_http_problem_field(req, VX_ENOTFOUND, field, "no such site in your region");
    return VX_OK;
}

static int assign_cb(void *ctx, const struct vx_assign_rec *a)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)a->id);
    cJSON_AddStringToObject(j, "kind", a->kind == VX_ASSIGN_STAFF ? "staff" : "premises");
    cJSON_AddNumberToObject(j, "resource_id", (double)a->resource_id);
    cJSON_AddStringToObject(j, "name", a->resource_name);
    if (a->kind == VX_ASSIGN_STAFF)
        cJSON_AddStringToObject(j, "competence", vx_competence_code(a->competence));
    else
        cJSON_AddNumberToObject(j, "capacity_per_day", a->capacity_per_day);
    cJSON_AddStringToObject(j, "site", a->site_code);
    add_day(j, "day", a->day);
    cJSON_AddItemToArray(ctx, j);
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static int h_assignments(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    vx_day from, to;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = query_day(req, "from", vx_http_req_today(req), &from)) != VX_OK ||
        (rc = query_day(req, "to", from + 30, &to)) != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_site_rec site = {0};
    const char *code = vx_http_req_query(req, "site");
    if (code && code[0] && (rc = site_in_scope(req, st, &sc, "site", code, &site)) != VX_OK)
        return rc;
    cJSON *items;
    cJSON *o = list_new(&items);
    if (!o)
        return VX_ENOMEM;
    if (st->ops->ledger->assign_foreach(st, sc.region, site.id, from, to, assign_cb, items) !=
        VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the assignments");
    }
    return vx_http_reply_json(req, 200, o);
}

static int h_assign_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_assign_rec a;
    memset(&a, 0, sizeof a);
    const char *kind = bstr(b, "kind");
    if (!strcmp(kind, "staff"))
        a.kind = VX_ASSIGN_STAFF;
    else if (!strcmp(kind, "premises"))
        a.kind = VX_ASSIGN_PREMISES;
    else
        return vx_http_problem_field(req, VX_EINVAL, "kind", "staff or premises");
    a.resource_id = bint(b, "resource_id");
    struct vx_site_rec site;
    if ((rc = body_day(req, "day", true, &a.day)) != VX_OK ||
        (rc = site_in_scope(req, st, &sc, "site", bstr(b, "site"), &site)) != VX_OK)
        return rc;
    a.site_id = site.id;
    /* the resource must be of the caller's region */
    bool mine = false;
    if (a.kind == VX_ASSIGN_STAFF) {
        struct vx_staff_rec s;
        mine = st->ops->ledger->staff_get(st, a.resource_id, &s) == VX_OK &&
               !strcmp(s.region, sc.region);
    } else {
        struct vx_premises_ext p;
        mine = st->ops->ledger->premises_get(st, a.resource_id, &p) == VX_OK &&
               !strcmp(p.p.region, sc.region);
    }
    if (!mine)
        return vx_http_problem_field(req, VX_ENOTFOUND, "resource_id", "no such resource");
    snprintf(a.created_by, sizeof a.created_by, "%s", vx_http_req_session(req)->user);
    int64_t id = 0;
    rc = st->ops->ledger->assign_put(st, &a, &id);
    if (rc == VX_EEXIST)
        return vx_http_problem_field(req, VX_EEXIST, "resource_id",
                                     "already assigned to a site that day");
    if (rc == VX_EINVAL)
        return vx_http_problem_field(req, VX_EINVAL, "day", "the resource is not available then");
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "cannot record the assignment: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

struct owned_assign {
    int64_t id;
    bool found;
};

static int find_assign(void *ctx, const struct vx_assign_rec *a)
{
    struct owned_assign *o = ctx;
    if (a->id == o->id)
        o->found = true;
    return o->found;
}

static int h_assign_delete(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    enum vx_status rc = scope_of(req, false, &sc);
    int64_t id = param_id(req);
    if (rc != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct owned_assign oa = {id, false};
    if (id)
        st->ops->ledger->assign_foreach(st, sc.region, 0, 1, vx_day_from_ymd(9999, 12, 31),
                                        find_assign, &oa);
    if (!oa.found)
        return vx_http_problem(req, VX_ENOTFOUND, "no such assignment");
    if ((rc = st->ops->ledger->assign_delete(st, id)) != VX_OK)
        return vx_http_problem(req, rc, "cannot remove the assignment: %s", st->err);
    return VX_OK; /* 204 */
}

struct supply_sum {
    int64_t site_id;
    struct vx_isoweek week;
    int64_t doses;
};

static int sum_supply(void *ctx, const struct vx_supply_rec *r)
{
    struct supply_sum *s = ctx;
    if (r->site_id == s->site_id && r->week.year == s->week.year && r->week.week == s->week.week)
        s->doses += r->delivered > 0 ? r->delivered : r->allocated;
    return 0;
}

static int h_capacity(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    vx_day from, to;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = query_day(req, "from", vx_http_req_today(req), &from)) != VX_OK ||
        (rc = query_day(req, "to", from + 6, &to)) != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    if (to < from || to - from > 62)
        return vx_http_problem_field(req, VX_EINVAL, "to", "at most 62 days after from");
    struct vx_site_rec site;
    if ((rc = site_in_scope(req, st, &sc, "site", vx_http_req_query(req, "site"), &site)) != VX_OK)
        return rc;
    cJSON *items;
    cJSON *o = list_new(&items);
    if (!o)
        return VX_ENOMEM;
    cJSON_AddStringToObject(o, "site", site.code);
    cJSON_AddNumberToObject(o, "stations", site.stations);
    int open_days = 0;
    for (int d = 0; d < 7; d++)
        open_days += (site.weekdays >> d) & 1;
    struct supply_sum ss = {.site_id = site.id, .week = {0, 0}, .doses = -1};
    for (vx_day d = from; d <= to; d++) {
        struct vx_isoweek w = vx_isoweek_of(d);
        if (w.year != ss.week.year || w.week != ss.week.week) {
            ss.week = w;
            ss.doses = 0;
            if (st->ops->supply_foreach(st, sum_supply, &ss) != VX_OK) {
                cJSON_Delete(o);
                return vx_http_problem(req, VX_ESTORE, "cannot read the supply");
            }
        }
        bool open = (site.weekdays >> vx_weekday(d)) & 1;
        struct vx_site_day sd;
        if (st->ops->ledger->site_day(st, site.id, d, &sd) != VX_OK) {
            cJSON_Delete(o);
            return vx_http_problem(req, VX_ESTORE, "cannot read the assignments");
        }
        struct vx_accordion_in in = {
            .stations = site.stations,
            .vaccinators = sd.vaccinators,
            .open_minutes = open ? site.close_minute - site.open_minute : 0,
            .minutes_per_dose = site.minutes_per_dose > 0 ? site.minutes_per_dose : 1,
            .premises_capacity = sd.premises ? sd.premises_capacity : -1,
            .supply = ss.doses > 0 && open_days ? (int)(ss.doses / open_days) : (ss.doses ? -1 : 0),
        };
        if (in.open_minutes < 0)
            in.open_minutes = 0;
        struct vx_accordion_out out;
        vx_accordion(&in, &out);
        cJSON *j = cJSON_CreateObject();
        add_day(j, "day", d);
        cJSON_AddBoolToObject(j, "open", open);
        cJSON_AddNumberToObject(j, "vaccinators", sd.vaccinators);
        cJSON_AddNumberToObject(j, "other_staff", sd.other_staff);
        cJSON_AddNumberToObject(j, "staffed_stations", out.staffed_stations);
        cJSON_AddNumberToObject(j, "by_staff", out.by_staff);
        if (in.premises_capacity >= 0)
            cJSON_AddNumberToObject(j, "premises_capacity", in.premises_capacity);
        else
            cJSON_AddNullToObject(j, "premises_capacity");
        if (in.supply >= 0)
            cJSON_AddNumberToObject(j, "supply", in.supply);
        else
            cJSON_AddNullToObject(j, "supply");
        cJSON_AddNumberToObject(j, "capacity", out.capacity);
        cJSON_AddStringToObject(j, "limit", vx_cap_limit_code(out.limit));
        cJSON_AddItemToArray(items, j);
    }
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ sick travel */

static cJSON *travel_json(const struct vx_travel_rec *t)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)t->id);
    cJSON_AddNumberToObject(j, "person_id", (double)t->person_id);
    char name[130];
    snprintf(name, sizeof name, "%s %s", t->given_name, t->family_name);
    cJSON_AddStringToObject(j, "name", name);
    cJSON_AddStringToObject(j, "kommun", t->kommun);
    cJSON_AddNumberToObject(j, "booking_id", (double)t->booking_id);
    add_time(j, "appointment_at", t->appointment_at);
    cJSON_AddStringToObject(j, "pickup_address", t->pickup_address);
    cJSON_AddBoolToObject(j, "wheelchair", t->wheelchair);
    cJSON_AddBoolToObject(j, "companion", t->companion);
    cJSON_AddStringToObject(j, "status", vx_travel_status_code(t->status));
    cJSON_AddStringToObject(j, "note", t->note);
    add_time(j, "created_at", t->created_at);
    return j;
}

struct travel_list {
    struct vx_http_req *req;
    struct vx_store *st;
    cJSON *items;
    bool has_filter;
    enum vx_travel_status filter;
    enum vx_status rc;
    struct vx_travel_rec *rows;
    size_t n, cap;
};

static int collect_travel(void *ctx, const struct vx_travel_rec *t)
{
    struct travel_list *l = ctx;
    if (l->has_filter && t->status != l->filter)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct vx_travel_rec *r = cap <= LH_MAX_ROWS ? realloc(l->rows, cap * sizeof *r) : NULL;
        if (!r)
            return 1;
        l->rows = r;
        l->cap = cap;
    }
    l->rows[l->n++] = *t;
    return 0;
}

static int h_travel(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct travel_list l = {.req = req, .st = st};
    const char *f = vx_http_req_query(req, "status");
    if (f && f[0]) {
        if (vx_travel_status_parse(f, &l.filter) != VX_OK)
            return vx_http_problem_field(req, VX_EINVAL, "status", "unknown status");
        l.has_filter = true;
    }
    /* read first, then audit every row, then answer: no row is shown unaudited */
    if (st->ops->ledger->travel_foreach(st, sc.region, sc.kommun, collect_travel, &l) != VX_OK) {
        free(l.rows);
        return vx_http_problem(req, VX_ESTORE, "cannot read the sick-travel requests");
    }
    cJSON *items;
    cJSON *o = list_new(&items);
    for (size_t i = 0; o && i < l.n; i++) {
        if (vx_audit_person(st, vx_http_req_session(req), "person.read", l.rows[i].person_id,
                            l.rows[i].region, "GET /api/v1/sick-travel") != VX_OK) {
            free(l.rows);
            cJSON_Delete(o);
            return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
        }
        cJSON_AddItemToArray(items, travel_json(&l.rows[i]));
    }
    free(l.rows);
    return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
}

static int h_travel_post(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *b = vx_http_req_body(req);
    struct vx_store *st;
    enum vx_status rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_pnr p;
    struct vx_pnr_error pe;
    struct vx_pnr_opts po = vx_pnr_opts_default(vx_http_req_today(req));
    if (vx_pnr_parse(bstr(b, "person"), &po, &p, &pe) != VX_OK) {
        char why[128];
        vx_pnr_error_text(&pe, why, sizeof why);
        return vx_http_problem_field(req, VX_EINVAL, "person", why);
    }
    struct vx_person_rec rec;
    rc = st->ops->person_get(st, p.norm, &rec);
    if (rc == VX_ENOTFOUND)
        return vx_http_problem_field(req, VX_ENOTFOUND, "person", "no such person");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the person");
    if (!vx_auth_scope_allows(s, rec.p.id, rec.p.region, rec.p.kommun, NULL)) {
        vx_audit_person(st, s, "person.denied", rec.p.id, rec.p.region, vx_http_req_path(req));
        return vx_http_problem_field(req, VX_EDENIED, "person", "person outside your scope");
    }
    struct vx_travel_rec t;
    memset(&t, 0, sizeof t);
    t.person_id = rec.p.id;
    t.booking_id = bint(b, "booking_id");
    const char *appt = bstr(b, "appointment_at");
    if (appt[0] && vx_time_parse(appt, &t.appointment_at) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "appointment_at", "RFC 3339 date and time");
    snprintf(t.pickup_address, sizeof t.pickup_address, "%s", bstr(b, "pickup_address"));
    t.wheelchair = bbool(b, "wheelchair");
    t.companion = bbool(b, "companion");
    snprintf(t.note, sizeof t.note, "%s", bstr(b, "note"));
    snprintf(t.created_by, sizeof t.created_by, "%s", s->user);
    int64_t id = 0;
    if ((rc = vx_store_begin(st)) == VX_OK &&
        (rc = st->ops->ledger->travel_put(st, &t, &id)) == VX_OK)
        rc = vx_audit_person(st, s, "travel.create", rec.p.id, rec.p.region,
                             "POST /api/v1/sick-travel");
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        return vx_http_problem(req, rc, "cannot record the request: %s",
                               rc == VX_EINVAL ? "a field is invalid (booking?)" : st->err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", "requested");
    return vx_http_reply_json(req, 201, o);
}

static int h_travel_patch(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *b = vx_http_req_body(req);
    struct vx_store *st;
    int64_t id = param_id(req);
    enum vx_status rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    enum vx_travel_status to;
    if (vx_travel_status_parse(bstr(b, "status"), &to) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "status", "ordered, done or cancelled");
    struct vx_travel_rec t;
    if (!id || st->ops->ledger->travel_get(st, id, &t) != VX_OK ||
        !vx_auth_scope_allows(s, t.person_id, t.region, t.kommun, NULL))
        return vx_http_problem(req, VX_ENOTFOUND, "no such request");
    if (!vx_travel_transition_ok(t.status, to))
        return vx_http_problem_field(req, VX_ECONFLICT, "status",
                                     "not allowed from the current status");
    const char *note = bhas(b, "note") ? bstr(b, "note") : NULL;
    if ((rc = vx_store_begin(st)) == VX_OK)
        rc = st->ops->ledger->travel_set_status(st, id, t.status, to, note, 0);
    if (rc == VX_OK)
        rc = vx_audit_person(st, s, "travel.update", t.person_id, t.region,
                             vx_travel_status_code(to));
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        return vx_http_problem(req, rc, "cannot update the request: %s", st->err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", vx_travel_status_code(to));
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ council */

static int council_cb(void *ctx, const struct vx_council_rec *c)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)c->id);
    cJSON_AddStringToObject(j, "kommun", c->kommun);
    cJSON_AddStringToObject(j, "kind", vx_council_kind_code(c->kind));
    cJSON_AddStringToObject(j, "title", c->title);
    cJSON_AddStringToObject(j, "body", c->body);
    cJSON_AddStringToObject(j, "owner", c->owner);
    add_day(j, "due", c->due);
    cJSON_AddStringToObject(j, "status", vx_council_status_code(c->status));
    add_day(j, "decided_on", c->decided_on);
    cJSON_AddStringToObject(j, "decided_by", c->decided_by);
    cJSON_AddStringToObject(j, "created_by", c->created_by);
    add_time(j, "updated_at", c->updated_at);
    cJSON_AddItemToArray(ctx, j);
    return cJSON_GetArraySize(ctx) >= LH_MAX_ROWS;
}

static enum vx_status read_council(struct vx_store *st, const struct scope *sc, cJSON *items)
{
    return st->ops->ledger->council_foreach(st, sc->region, sc->kommun, council_cb, items);
}

static int h_council(struct vx_http_req *req)
{
    return scoped_list(req, read_council, "cannot read the council log");
}

static int h_council_post(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    enum vx_status rc = scope_of(req, true, &sc);
    if (rc != VX_OK)
        return rc;
    struct vx_council_rec c;
    memset(&c, 0, sizeof c);
    memcpy(c.region, sc.region, 3);
    memcpy(c.kommun, sc.kommun, 5);
    if (vx_council_kind_parse(bstr(b, "kind"), &c.kind) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "kind", "action or decision");
    snprintf(c.title, sizeof c.title, "%s", bstr(b, "title"));
    snprintf(c.body, sizeof c.body, "%s", bstr(b, "body"));
    snprintf(c.owner, sizeof c.owner, "%s", bstr(b, "owner"));
    snprintf(c.decided_by, sizeof c.decided_by, "%s", bstr(b, "decided_by"));
    snprintf(c.created_by, sizeof c.created_by, "%s", vx_http_req_session(req)->user);
    if ((rc = body_day(req, "due", false, &c.due)) != VX_OK ||
        (rc = body_day(req, "decided_on", c.kind == VX_COUNCIL_DECISION, &c.decided_on)) != VX_OK)
        return rc;
    if (c.kind == VX_COUNCIL_DECISION && !c.decided_by[0])
        return vx_http_problem_field(req, VX_EINVAL, "decided_by", "required for a decision");
    if (c.kind == VX_COUNCIL_DECISION)
        c.status = VX_COUNCIL_DONE;
    if (!c.title[0])
        return vx_http_problem_field(req, VX_EINVAL, "title", "required");
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    int64_t id = 0;
    if ((rc = st->ops->ledger->council_put(st, &c, &id)) != VX_OK)
        return vx_http_problem(req, rc, "cannot record the item: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    return vx_http_reply_json(req, 201, o);
}

static int h_council_patch(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_store *st;
    const cJSON *b = vx_http_req_body(req);
    int64_t id = param_id(req);
    enum vx_status rc = scope_of(req, false, &sc);
    if (rc != VX_OK || (rc = store_of(req, &st)) != VX_OK)
        return rc;
    enum vx_council_status status;
    if (vx_council_status_parse(bstr(b, "status"), &status) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "status", "open, doing or done");
    vx_day due;
    if ((rc = body_day(req, "due", false, &due)) != VX_OK)
        return rc;
    struct vx_council_rec c;
    /* visible = same region and (region-wide or the caller's municipality) */
    if (!id || st->ops->ledger->council_get(st, id, &c) != VX_OK ||
        strcmp(c.region, sc.region) != 0 ||
        (sc.kommun[0] && c.kommun[0] && strcmp(c.kommun, sc.kommun) != 0))
        return vx_http_problem(req, VX_ENOTFOUND, "no such item");
    if ((rc = st->ops->ledger->council_update(
             st, id, status, bhas(b, "owner") ? bstr(b, "owner") : NULL, due, 0)) != VX_OK)
        return vx_http_problem(req, rc, "cannot update the item: %s", st->err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", vx_council_status_code(status));
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ places */

static int place_region_cb(void *ctx, const struct vx_region_rec *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "code", r->code);
    cJSON_AddStringToObject(j, "name", r->name);
    cJSON_AddItemToArray(ctx, j);
    return 0;
}

static int place_kommun_cb(void *ctx, const struct vx_kommun_rec *k)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "code", k->code);
    cJSON_AddStringToObject(j, "name", k->name);
    cJSON_AddStringToObject(j, "region", k->region);
    cJSON_AddItemToArray(ctx, j);
    return 0;
}

/* GET /api/v1/places?region=: regions and (one region's) municipalities; public. */
static int h_places(struct vx_http_req *req)
{
    const char *region = vx_http_req_query(req, "region");
    struct vx_store *st;
    enum vx_status rc = store_of(req, &st);
    if (rc != VX_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *regions = cJSON_AddArrayToObject(o, "regions");
    cJSON *kommuner = cJSON_AddArrayToObject(o, "municipalities");
    if (!o || !regions || !kommuner) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    if (st->ops->region_foreach(st, place_region_cb, regions) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the regions");
    }
    bool known = !region || !region[0];
    for (const cJSON *j = regions->child; !known && j; j = j->next)
        known = !strcmp(region, cJSON_GetStringValue(cJSON_GetObjectItem(j, "code")));
    if (!known) {
        cJSON_Delete(o);
        return vx_http_problem_field(req, VX_EINVAL, "region", "a region code such as 01");
    }
    if (st->ops->report->kommun_foreach(st, region ? region : "", place_kommun_cb, kommuner) !=
        VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the municipalities");
    }
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ module */

static enum vx_status ledger_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    char path[4200];
    const char *dir = vx_http_server_config(srv)->data_dir; /* serve --data-dir */
    if (!dir || !dir[0])
        dir = getenv("VAXCHAIN_DATA_DIR");
    if (g_comp_path[0])
        snprintf(path, sizeof path, "%s", g_comp_path);
    else
        snprintf(path, sizeof path, "%s/compensation.json", dir && dir[0] ? dir : VX_DATA_DIR);
    struct lh *lh = calloc(1, sizeof *lh);
    if (!lh)
        return vx_err_set(err, VX_ENOMEM, "ledger: out of memory");
    enum vx_status rc = vx_comp_load_file(path, &lh->comp, err);
    if (rc != VX_OK) {
        free(lh);
        return rc;
    }
    *udata = lh;
    return VX_OK;
}

static void ledger_stop(void *udata)
{
    struct lh *lh = udata;
    if (lh)
        free(lh->comp);
    free(lh);
}

#define STMT_QUERY                                                                                 \
    {                                                                                              \
        {"payer", VX_JSON_STRING, .max_len = 8, .desc = "region (default) or state"},              \
            {"region", VX_JSON_STRING, .max_len = 2, .desc = "region code (national: required)"},  \
            {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "one municipality (default: all)"},   \
            {"from", VX_JSON_STRING, .max_len = 10, .desc = "first day (default 2020-12-27)"},     \
            {"to", VX_JSON_STRING, .max_len = 10, .desc = "last day (default today)"},             \
        {                                                                                          \
            "lang", VX_JSON_STRING, .max_len = 2, .desc = "sv or en (files)"                       \
        }                                                                                          \
    }
#define SCOPE_QUERY                                                                                \
    {                                                                                              \
        {"region", VX_JSON_STRING, .max_len = 2, .desc = "your region (default)"},                 \
            {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "one municipality"},                  \
            {"from", VX_JSON_STRING, .max_len = 10, .desc = "first day"},                          \
            {"to", VX_JSON_STRING, .max_len = 10, .desc = "last day"},                             \
        {                                                                                          \
            "status", VX_JSON_STRING, .max_len = 12, .desc = "status filter"                       \
        }                                                                                          \
    }
#define ID_PARAM                                                                                   \
    {                                                                                              \
        {                                                                                          \
            "id", VX_JSON_INTEGER, .desc = "row id"                                                \
        }                                                                                          \
    }

static const struct vx_route ledger_routes[] = {
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/agreements",
     .handler = h_agreements,
     .roles = REGION | MUNI | NATIONAL,
     .tag = "compensation",
     .summary = "Agreements in force for the region (municipal: its own) and the state schedule",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/statements",
     .handler = h_statement,
     .roles = REGION | MUNI | NATIONAL,
     .tag = "compensation",
     .summary = "Compensation statement: doses per municipality and tariff period x tariff (öre)",
     .query = STMT_QUERY,
     .response = "{payer, region, kommun, from, to, currency, lines[], adjustments[], "
                 "doses_total, doses_covered, doses_uncovered, subtotal_ore, adjust_ore, "
                 "total_ore}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/statements.pdf",
     .handler = h_statement_pdf,
     .roles = REGION | MUNI | NATIONAL,
     .tag = "compensation",
     .summary = "The statement as an invoice basis (PDF)",
     .query = STMT_QUERY,
     .response = "application/pdf"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/statements.xlsx",
     .handler = h_statement_xlsx,
     .roles = REGION | MUNI | NATIONAL,
     .tag = "compensation",
     .summary = "The statement as an XLSX workbook",
     .query = STMT_QUERY,
     .response = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/statements.csv",
     .handler = h_statement_csv,
     .roles = REGION | MUNI | NATIONAL,
     .tag = "compensation",
     .summary = "The statement as CSV",
     .query = STMT_QUERY,
     .response = "text/csv"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/uncovered",
     .handler = h_uncovered,
     .roles = REGION | MUNI,
     .tag = "compensation",
     .summary = "Doses by municipal nurses with no agreement in force, per municipality and month",
     .query = STMT_QUERY},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/adjustments",
     .handler = h_adjust_list,
     .roles = REGION | MUNI,
     .tag = "compensation",
     .summary = "Recorded adjustments",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/compensation/adjustments",
     .handler = h_adjust_post,
     .roles = REGION,
     .tag = "compensation",
     .summary = "Record an adjustment (credit/debit in öre) with the reason; audited",
     .body = {{"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipality ('' = state's)"},
              {"from", VX_JSON_STRING, true, 10, .desc = "period from"},
              {"to", VX_JSON_STRING, true, 10, .desc = "period to"},
              {"amount_ore", VX_JSON_INTEGER, true, .min = -900000000000000.0,
               .max = 900000000000000.0, .desc = "signed amount in öre"},
              {"reason", VX_JSON_STRING, true, 250, .desc = "why"},
              {"decided_by", VX_JSON_STRING, .max_len = 63,
               .desc = "who decided (default: the signed-in user)"},
              {"dispute_id", VX_JSON_INTEGER, .desc = "the dispute it settles"}},
     .success = 201},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/compensation/disputes",
     .handler = h_disputes,
     .roles = REGION | MUNI,
     .tag = "compensation",
     .summary = "Disputes about compensation",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/compensation/disputes",
     .handler = h_dispute_post,
     .roles = REGION | MUNI,
     .tag = "compensation",
     .summary = "Raise a dispute",
     .body = {{"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipality"},
              {"from", VX_JSON_STRING, true, 10, .desc = "period from"},
              {"to", VX_JSON_STRING, true, 10, .desc = "period to"},
              {"subject", VX_JSON_STRING, true, 250, .desc = "what is disputed"},
              {"claimed_ore", VX_JSON_INTEGER, .min = -900000000000000.0, .max = 900000000000000.0,
               .desc = "amount claimed"}},
     .success = 201},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/compensation/disputes/{id}/decision",
     .handler = h_dispute_decide,
     .roles = REGION,
     .tag = "compensation",
     .summary = "Decide a dispute; with amount_ore also record its adjustment (one transaction)",
     .params = ID_PARAM,
     .body = {{"status", VX_JSON_STRING, true, 10, .desc = "accepted or rejected"},
              {"resolution", VX_JSON_STRING, true, 250, .desc = "why"},
              {"decided_by", VX_JSON_STRING, .max_len = 63,
               .desc = "who decided (default: the signed-in user)"},
              {"amount_ore", VX_JSON_INTEGER, .min = -900000000000000.0, .max = 900000000000000.0,
               .desc = "adjustment to record"}}},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/premises",
     .handler = h_premises,
     .roles = REGION | MUNI,
     .tag = "resources",
     .summary = "Premises offered by municipalities",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/premises",
     .handler = h_premises_post,
     .roles = REGION | MUNI,
     .tag = "resources",
     .summary = "Offer premises to the region",
     .body = {{"code", VX_JSON_STRING, true, 31, .desc = "unique code"},
              {"name", VX_JSON_STRING, true, 127, .desc = "name"},
              {"address", VX_JSON_STRING, .max_len = 127, .desc = "address"},
              {"capacity_per_day", VX_JSON_INTEGER, true, .min = 0, .max = 1000000,
               .desc = "doses per day"},
              {"accessible", VX_JSON_BOOLEAN, .desc = "step-free access"},
              {"available_from", VX_JSON_STRING, true, 10, .desc = "first day"},
              {"available_to", VX_JSON_STRING, true, 10, .desc = "last day"},
              {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipality (region role)"}},
     .success = 201},
    {.method = VX_HTTP_PATCH,
     .path = "/api/v1/premises/{id}",
     .handler = h_premises_patch,
     .roles = REGION,
     .tag = "resources",
     .summary = "Accept or decline premises",
     .params = ID_PARAM,
     .body = {{"status", VX_JSON_STRING, true, 10, .desc = "offered, accepted or declined"},
              {"note", VX_JSON_STRING, .max_len = 250, .desc = "note"}}},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/staff-pool",
     .handler = h_staff,
     .roles = REGION | MUNI,
     .tag = "resources",
     .summary = "Staff and volunteer pool",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/staff-pool",
     .handler = h_staff_post,
     .roles = REGION | MUNI,
     .tag = "resources",
     .summary = "Add a staff member or volunteer",
     .body = {{"name", VX_JSON_STRING, true, 127, .desc = "name"},
              {"competence", VX_JSON_STRING, true, 16, .desc = "vaccinator, registration, host"},
              {"volunteer", VX_JSON_BOOLEAN, .desc = "a volunteer"},
              {"available_from", VX_JSON_STRING, true, 10, .desc = "first day"},
              {"available_to", VX_JSON_STRING, true, 10, .desc = "last day"},
              {"contact", VX_JSON_STRING, .max_len = 127, .desc = "phone or e-mail"},
              {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipality ('' = region's)"}},
     .success = 201},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/assignments",
     .handler = h_assignments,
     .roles = REGION,
     .tag = "resources",
     .summary = "Staff and premises assigned to sites per day",
     .query = {{"site", VX_JSON_STRING, .max_len = 31, .desc = "site code"},
               {"from", VX_JSON_STRING, .max_len = 10, .desc = "first day (default today)"},
               {"to", VX_JSON_STRING, .max_len = 10, .desc = "last day (default +30)"}}},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/assignments",
     .handler = h_assign_post,
     .roles = REGION,
     .tag = "resources",
     .summary = "Assign staff or premises to a site for a day",
     .body = {{"kind", VX_JSON_STRING, true, 10, .desc = "staff or premises"},
              {"resource_id", VX_JSON_INTEGER, true, .min = 1, .max = 9e15, .desc = "its id"},
              {"site", VX_JSON_STRING, true, 31, .desc = "site code"},
              {"day", VX_JSON_STRING, true, 10, .desc = "day"}},
     .success = 201},
    {.method = VX_HTTP_DELETE,
     .path = "/api/v1/assignments/{id}",
     .handler = h_assign_delete,
     .roles = REGION,
     .tag = "resources",
     .summary = "Remove an assignment",
     .params = ID_PARAM,
     .success = 204},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/capacity",
     .handler = h_capacity,
     .roles = REGION,
     .tag = "resources",
     .summary = "Accordion capacity per day: min(staffed stations x throughput, premises, supply)",
     .query = {{"site", VX_JSON_STRING, true, 31, .desc = "site code"},
               {"from", VX_JSON_STRING, .max_len = 10, .desc = "first day (default today)"},
               {"to", VX_JSON_STRING, .max_len = 10, .desc = "last day (default +6)"}}},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/places",
     .handler = h_places,
     .roles = VX_ROLES_PUBLIC,
     .tag = "resources",
     .summary = "Regions and municipalities (public reference data; sign-in choices)",
     .query = {{"region", VX_JSON_STRING, .max_len = 2,
                .desc = "only this region's municipalities"}},
     .response = "{regions:[{code, name}], municipalities:[{code, name, region}]}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sick-travel",
     .handler = h_travel,
     .roles = REGION | MUNI | NURSE | CALLCENTRE,
     .tag = "sick travel",
     .summary = "Sick-travel requests in scope (person data: every row audited)",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/sick-travel",
     .handler = h_travel_post,
     .roles = REGION | MUNI | NURSE | CALLCENTRE,
     .tag = "sick travel",
     .summary = "Request transport to an appointment (audited)",
     .body = {{"person", VX_JSON_STRING, true, 13, .desc = "personnummer"},
              {"booking_id", VX_JSON_INTEGER, .min = 0, .max = 9e15, .desc = "booking"},
              {"appointment_at", VX_JSON_STRING, .max_len = 40, .desc = "RFC 3339"},
              {"pickup_address", VX_JSON_STRING, true, 159, .desc = "where to pick up"},
              {"wheelchair", VX_JSON_BOOLEAN, .desc = "needs a wheelchair vehicle"},
              {"companion", VX_JSON_BOOLEAN, .desc = "travels with a companion"},
              {"note", VX_JSON_STRING, .max_len = 250, .desc = "note"}},
     .success = 201},
    {.method = VX_HTTP_PATCH,
     .path = "/api/v1/sick-travel/{id}",
     .handler = h_travel_patch,
     .roles = REGION | MUNI | NURSE | CALLCENTRE,
     .tag = "sick travel",
     .summary = "Order, complete or cancel a request (audited)",
     .params = ID_PARAM,
     .body = {{"status", VX_JSON_STRING, true, 10, .desc = "ordered, done or cancelled"},
              {"note", VX_JSON_STRING, .max_len = 250, .desc = "note"}}},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/council/items",
     .handler = h_council,
     .roles = REGION | MUNI,
     .tag = "council",
     .summary = "The region's council log (municipal: region-wide items and its own)",
     .query = SCOPE_QUERY},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/council/items",
     .handler = h_council_post,
     .roles = REGION | MUNI,
     .tag = "council",
     .summary = "Add an action or a decision",
     .body = {{"kind", VX_JSON_STRING, true, 10, .desc = "action or decision"},
              {"title", VX_JSON_STRING, true, 199, .desc = "title"},
              {"body", VX_JSON_STRING, .max_len = 999, .desc = "text"},
              {"owner", VX_JSON_STRING, .max_len = 127, .desc = "who does it"},
              {"due", VX_JSON_STRING, .max_len = 10, .desc = "due date"},
              {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "'' = region-wide"},
              {"decided_on", VX_JSON_STRING, .max_len = 10, .desc = "decisions: the day"},
              {"decided_by", VX_JSON_STRING, .max_len = 127, .desc = "decisions: who"}},
     .success = 201},
    {.method = VX_HTTP_PATCH,
     .path = "/api/v1/council/items/{id}",
     .handler = h_council_patch,
     .roles = REGION | MUNI,
     .tag = "council",
     .summary = "Change an item's status, owner or due",
     .params = ID_PARAM,
     .body = {{"status", VX_JSON_STRING, true, 10, .desc = "open, doing or done"},
              {"owner", VX_JSON_STRING, .max_len = 127, .desc = "owner"},
              {"due", VX_JSON_STRING, .max_len = 10, .desc = "due date"}}},
};

const struct vx_http_module vx_ledger_http_module = {
    .name = "ledger",
    .routes = ledger_routes,
    .n_routes = VX_ARRAY_LEN(ledger_routes),
    .start = ledger_start,
    .stop = ledger_stop,
};
