/*
 * routes_muni.c — the municipal API (docs/api-muni.md): shared resident lists and
 * municipal vaccination rounds over HTTP, on src/muni (include/vx/muni.h).
 *
 * Every route is under /api/v1/municipalities/{code}/…, so each handler starts the
 * same way (`open_scope`): the municipality must exist, and vx_muni_access() — the
 * one table of who may do what — must allow the session's role for this action and
 * this municipality (municipal roles: their own; a regional coordinator: the
 * municipalities of its region). Each route's role set equals
 * vx_muni_action_roles() of the action its handler checks (tests/http/
 * test_muni_routes.c asserts it), so the framework's deny-by-default check and the
 * handler's scope check cannot disagree. The view the table gives (full for the
 * municipality, minimum for the region) decides which fields of a list row leave.
 *
 * Audit. A handler that returns rows naming persons first collects them, then writes
 * one audit row per person in one transaction of its store handle, and only then
 * answers: when the audit cannot be written nothing is shown. Details start with
 * "muni <code>:" so GET …/access-log can show a municipality who read its residents.
 *
 * Records from the nurse's tablet (POST …/rounds/{id}/records) are idempotent
 * (vx_muni_record); the module holds one mutex around them, so two copies of the same
 * queued record that arrive together are handled one after the other and the second
 * gets the first one's stored answer. Time: `serve --date D` pins the day (the
 * current time of day on D), as in the booking and certificate modules.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/catalog.h"
#include "vx/muni.h"
#include "vx/muni_http.h"
#include "vx/store.h"
#include "vx/store_care.h"
#include "vx/store_muni.h"

#define LOG_LIMIT_DEFAULT 100
#define MAX_ROWS_JSON     VX_MUNI_MAX_ROWS

struct mh {
    const struct vx_catalog *cat;
    vx_day fixed_today; /* serve --date, 0 = the clock */
    pthread_mutex_t rec_mu;
};

static enum vx_status mh_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    struct mh *m = calloc(1, sizeof *m);
    if (!m)
        return vx_err_set(err, VX_ENOMEM, "muni: out of memory");
    const struct vx_http_config *cfg = vx_http_server_config(srv);
    m->cat = cfg->catalog;
    m->fixed_today = cfg->today;
    pthread_mutex_init(&m->rec_mu, NULL);
    *udata = m;
    return VX_OK;
}

static void mh_stop(void *udata)
{
    struct mh *m = udata;
    if (!m)
        return;
    pthread_mutex_destroy(&m->rec_mu);
    free(m);
}

/* "now": the pinned day at the current time of day, or the clock. */
static vx_time mh_now(const struct mh *m)
{
    vx_time t = (vx_time)time(NULL);
    if (!m->fixed_today)
        return t;
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    vx_time out;
    if (vx_stockholm_to_utc(m->fixed_today, minute, &out, NULL) != VX_OK &&
        vx_stockholm_to_utc(m->fixed_today, minute + 60, &out, NULL) != VX_OK)
        out = t;
    return out + t % 60;
}

/* ------------------------------------------------------------------ prologue */

struct scope {
    struct mh *m;
    const struct vx_session *s;
    struct vx_store *st;
    struct vx_kommun_rec k;
    enum vx_muni_view view;
    vx_day today;
    vx_time now;
};

static int open_scope(struct vx_http_req *req, enum vx_muni_action a, struct scope *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->m = vx_http_req_udata(req);
    sc->s = vx_http_req_session(req);
    sc->today = vx_http_req_today(req);
    sc->now = mh_now(sc->m);
    if (vx_http_req_store(req, &sc->st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    const char *code = vx_http_req_param(req, "code");
    enum vx_status rc =
        code && strlen(code) == 4 ? sc->st->ops->kommun_get(sc->st, code, &sc->k) : VX_ENOTFOUND;
    if (rc == VX_ENOTFOUND)
        return vx_http_problem(req, VX_ENOTFOUND, "no such municipality");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the municipality");
    rc = vx_muni_access(sc->s, a, sc->k.code, sc->k.region, &sc->view);
    if (rc == VX_EDENIED)
        return vx_http_problem(
            req, VX_EDENIED, "your role may not do this for municipality %s (%s)", sc->k.code,
            sc->s && sc->s->kommun[0] ? "another municipality" : "outside your scope");
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "sign in first");
    return VX_OK;
}

static const char *actor(const struct scope *sc)
{
    return sc->s ? sc->s->user : "";
}

static const char *role(const struct scope *sc)
{
    return sc->s ? vx_role_code(sc->s->role) : "";
}

/* One audit row about the request (no person). */
static enum vx_status audit_event(struct scope *sc, struct vx_http_req *req, const char *action,
                                  const char *object)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = sc->now;
    snprintf(a.actor, sizeof a.actor, "%s", actor(sc));
    snprintf(a.role, sizeof a.role, "%s", role(sc));
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.object, sizeof a.object, "%s", object);
    snprintf(a.region, sizeof a.region, "%s", sc->k.region);
    snprintf(a.detail, sizeof a.detail, "muni %s: %s %.200s", sc->k.code, vx_http_req_method(req),
             vx_http_req_path(req));
    return sc->st->ops->audit_append(sc->st, &a);
}

/* Persons about to be shown: audited together before the reply. */
struct shown {
    int64_t *id;
    char (*region)[3];
    int n, cap;
    bool oom;
};

static void shown_add(struct shown *s, int64_t id, const char *region)
{
    if (s->oom)
        return;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        int64_t *a = realloc(s->id, (size_t)cap * sizeof *a);
        if (a)
            s->id = a;
        char(*b)[3] = a ? realloc(s->region, (size_t)cap * sizeof *b) : NULL;
        if (!a || !b) {
            s->oom = true;
            return;
        }
        s->region = b;
        s->cap = cap;
    }
    s->id[s->n] = id;
    snprintf(s->region[s->n], 3, "%s", region);
    s->n++;
}

static void shown_free(struct shown *s)
{
    free(s->id);
    free(s->region);
}

/* One audit row per shown person, in one transaction; VX_OK or a problem status. */
static int audit_shown(struct scope *sc, struct vx_http_req *req, struct shown *sh,
                       const char *action)
{
    if (sh->oom)
        return vx_http_problem(req, VX_ENOMEM, "out of memory");
    if (sh->n == 0)
        return VX_OK;
    struct vx_store *st = sc->st;
    enum vx_status rc = vx_store_begin(st);
    for (int i = 0; i < sh->n && rc == VX_OK; i++) {
        struct vx_audit_rec a;
        memset(&a, 0, sizeof a);
        a.at = sc->now;
        snprintf(a.actor, sizeof a.actor, "%s", actor(sc));
        snprintf(a.role, sizeof a.role, "%s", role(sc));
        snprintf(a.action, sizeof a.action, "%s", action);
        snprintf(a.object, sizeof a.object, "person:%lld", (long long)sh->id[i]);
        snprintf(a.region, sizeof a.region, "%s", sh->region[i]);
        snprintf(a.detail, sizeof a.detail, "muni %s: %s %.200s", sc->k.code,
                 vx_http_req_method(req), vx_http_req_path(req));
        rc = st->ops->audit_append(st, &a);
    }
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    else
        vx_store_rollback(st);
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
    return VX_OK;
}

/* ------------------------------------------------------------------ JSON helpers */

static const char *str_field(const cJSON *body, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, name));
}

static int int_field(const cJSON *body, const char *name, int def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsNumber(v) ? (int)v->valuedouble : def;
}

static void add_day(cJSON *o, const char *name, vx_day d)
{
    char buf[16];
    cJSON_AddStringToObject(o, name, d ? vx_day_format(d, buf) : "");
}

static void add_time(cJSON *o, const char *name, vx_time t)
{
    char buf[32];
    if (t)
        cJSON_AddStringToObject(o, name, vx_time_format_local(t, buf));
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *list_json(const struct vx_muni_list *l, const char *lang)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)l->id);
    cJSON_AddStringToObject(o, "kommun", l->kommun);
    cJSON_AddNumberToObject(o, "version", l->version);
    cJSON_AddStringToObject(o, "legal_basis", vx_muni_basis_code(l->basis));
    cJSON_AddStringToObject(o, "legal_basis_text", vx_muni_basis_text(l->basis, lang));
    cJSON_AddStringToObject(o, "basis_note", l->basis_note);
    cJSON_AddStringToObject(o, "uploaded_by", l->uploaded_by);
    add_time(o, "uploaded_at", l->uploaded_at);
    add_day(o, "valid_until", l->valid_until);
    cJSON_AddNumberToObject(o, "rows", l->rows);
    cJSON *bt = cJSON_AddObjectToObject(o, "by_type");
    for (int i = 0; bt && i < VX_MUNI_LIST_TYPE_COUNT; i++)
        cJSON_AddNumberToObject(bt, vx_muni_list_type_code((enum vx_muni_list_type)i),
                                l->by_type[i]);
    cJSON *ch = cJSON_AddObjectToObject(o, "changes");
    for (int i = 0; ch && i < VX_MUNI_CH_COUNT; i++)
        cJSON_AddNumberToObject(ch, vx_muni_change_code((enum vx_muni_change_kind)i),
                                l->changes[i]);
    cJSON_AddNumberToObject(o, "previous_id", (double)l->previous_id);
    add_time(o, "purged_at", l->purged_at);
    return o;
}

static cJSON *verdict_json(const struct vx_muni_transport_verdict *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    if (!o || !rules) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddBoolToObject(o, "ok", v->ok);
    for (int i = 0; i < v->n; i++) {
        cJSON *r = cJSON_CreateObject();
        if (!r)
            break;
        cJSON_AddStringToObject(r, "code", v->rules[i].code);
        cJSON_AddBoolToObject(r, "ok", v->rules[i].ok);
        cJSON_AddNumberToObject(r, "limit_minutes", v->rules[i].limit_minutes);
        cJSON_AddStringToObject(r, "text_sv", v->rules[i].text_sv);
        cJSON_AddStringToObject(r, "text_en", v->rules[i].text_en);
        cJSON_AddItemToArray(rules, r);
    }
    return o;
}

static cJSON *round_json(const struct mh *m, const struct vx_muni_round *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddStringToObject(o, "kommun", r->kommun);
    cJSON_AddStringToObject(o, "unit_code", r->unit_code);
    cJSON_AddStringToObject(o, "unit_name", r->unit_name);
    add_day(o, "date", r->day);
    cJSON_AddStringToObject(o, "vaccine", r->vaccine);
    const struct vx_product *p = m->cat ? vx_catalog_find(m->cat, r->vaccine) : NULL;
    cJSON_AddStringToObject(o, "vaccine_name", p ? p->name : r->vaccine);
    cJSON_AddStringToObject(o, "form", vx_muni_form_code(r->transport.form));
    cJSON_AddNumberToObject(o, "transport_minutes", r->transport.transport_minutes);
    cJSON_AddNumberToObject(o, "duration_minutes", r->transport.duration_minutes);
    cJSON_AddNumberToObject(o, "doses_ordered", r->doses_ordered);
    cJSON_AddNumberToObject(o, "vials_ordered", r->vials_ordered);
    cJSON_AddStringToObject(o, "status", vx_muni_round_status_code(r->status));
    cJSON_AddStringToObject(o, "planned_by", r->planned_by);
    add_time(o, "created_at", r->created_at);
    cJSON_AddStringToObject(o, "decided_by", r->decided_by);
    add_time(o, "decided_at", r->decided_at);
    cJSON_AddStringToObject(o, "decision_note", r->decision_note);
    cJSON_AddStringToObject(o, "lot_number", r->lot_number);
    cJSON_AddNumberToObject(o, "doses_handed", r->doses_handed);
    cJSON_AddNumberToObject(o, "vials_handed", r->vials_handed);
    cJSON_AddStringToObject(o, "handed_by", r->handed_by);
    add_time(o, "handed_at", r->handed_at);
    cJSON_AddNumberToObject(o, "residents", r->residents);
    cJSON_AddNumberToObject(o, "left", r->by_outcome[VX_MUNI_PENDING]);
    cJSON *bo = cJSON_AddObjectToObject(o, "by_outcome");
    for (int i = 0; bo && i < VX_MUNI_OUTCOME_COUNT; i++)
        cJSON_AddNumberToObject(bo, vx_muni_outcome_code((enum vx_muni_outcome)i),
                                r->by_outcome[i]);
    if (p) {
        struct vx_muni_transport_verdict v;
        vx_muni_transport_check(p, r->day, &r->transport, &v);
        cJSON *vj = verdict_json(&v);
        if (vj)
            cJSON_AddItemToObject(o, "transport", vj);
    }
    return o;
}

/* problem+json with extra members (`extra` ownership transferred, may be NULL):
 * {type, title, status, detail, instance, reason, message:{sv,en}, ...extra}. */
static int problem_with(struct vx_http_req *req, enum vx_status st, const char *reason,
                        const char *sv, const char *en, const char *extra_name, cJSON *extra)
{
    bool english = !strcmp(vx_http_req_lang(req), "en");
    int status = vx_http_status_of(st);
    cJSON *p = cJSON_CreateObject();
    cJSON *msg = cJSON_CreateObject();
    if (!p || !msg) {
        cJSON_Delete(p);
        cJSON_Delete(msg);
        cJSON_Delete(extra);
        return VX_ENOMEM;
    }
    char type[64];
    snprintf(type, sizeof type, "/problems/%s", reason);
    cJSON_AddStringToObject(p, "type", type);
    cJSON_AddStringToObject(p, "title", vx_strerror(st));
    cJSON_AddNumberToObject(p, "status", status);
    cJSON_AddStringToObject(p, "detail", english ? en : sv);
    cJSON_AddStringToObject(p, "instance", vx_http_req_path(req));
    cJSON_AddStringToObject(p, "reason", reason);
    cJSON_AddStringToObject(msg, "sv", sv);
    cJSON_AddStringToObject(msg, "en", en);
    cJSON_AddItemToObject(p, "message", msg);
    if (extra)
        cJSON_AddItemToObject(p, extra_name, extra);
    char *text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    if (!text)
        return VX_ENOMEM;
    enum vx_status rc =
        vx_http_reply_text(req, status, "application/problem+json", text, strlen(text));
    cJSON_free(text);
    return rc;
}

/* A service error: "field: reason" messages name the field (422), others as is. */
static int service_problem(struct vx_http_req *req, enum vx_status rc, const struct vx_err *err)
{
    const char *colon = strchr(err->msg, ':');
    if (rc == VX_EINVAL && colon && colon - err->msg < 24) {
        char field[32];
        snprintf(field, sizeof field, "%.*s", (int)(colon - err->msg), err->msg);
        vx_http_problem_field(req, rc, field, colon + 2);
    }
    return vx_http_problem(req, rc, "%s", err->msg);
}

/* ------------------------------------------------------------------ lists */

/* 422 naming every problem of an upload ("line 3, column personnummer" or
 * "rows[2].personnummer"). */
static int upload_problems(struct vx_http_req *req, const struct vx_muni_upload *up, bool csv)
{
    for (int i = 0; i < up->n_problems; i++) {
        const struct vx_muni_problem *p = &up->problems[i];
        char field[64];
        if (csv && p->line > 0 && p->column[0])
            snprintf(field, sizeof field, "line %d, column %s", p->line, p->column);
        else if (csv && p->line > 0)
            snprintf(field, sizeof field, "line %d", p->line);
        else if (p->line > 0 && p->column[0])
            snprintf(field, sizeof field, "rows[%d].%s", p->line - 1, p->column);
        else if (p->line > 0)
            snprintf(field, sizeof field, "rows[%d]", p->line - 1);
        else
            snprintf(field, sizeof field, "%s", p->column[0] ? p->column : (csv ? "file" : "rows"));
        vx_http_problem_field(req, VX_EINVAL, field, p->reason);
    }
    return vx_http_problem(req, VX_EINVAL,
                           "%d problem%s in the upload (%d shown); nothing was stored",
                           up->total_problems, up->total_problems == 1 ? "" : "s", up->n_problems);
}

struct changes_out {
    cJSON *arr;
    struct shown *sh;
};

static int change_to_json(void *p, const struct vx_muni_change *c)
{
    struct changes_out *co = p;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    cJSON_AddStringToObject(o, "kind", vx_muni_change_code(c->kind));
    cJSON_AddNumberToObject(o, "person_id", (double)c->person_id);
    cJSON_AddStringToObject(o, "personnummer", c->pnr);
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "old_unit", c->old_unit);
    cJSON_AddStringToObject(o, "new_unit", c->new_unit);
    cJSON_AddStringToObject(o, "old_type", vx_muni_list_type_code(c->old_type));
    cJSON_AddStringToObject(o, "new_type", vx_muni_list_type_code(c->new_type));
    cJSON_AddItemToArray(co->arr, o);
    shown_add(co->sh, c->person_id, c->region);
    return 0;
}

/* Reply with list `l` and its changes (audited per person). */
static int reply_list(struct vx_http_req *req, struct scope *sc, const struct vx_muni_list *l,
                      int status)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *lj = list_json(l, vx_http_req_lang(req));
    cJSON *arr = cJSON_CreateArray();
    struct shown sh = {0};
    if (!o || !lj || !arr) {
        cJSON_Delete(o);
        cJSON_Delete(lj);
        cJSON_Delete(arr);
        return VX_ENOMEM;
    }
    cJSON_AddItemToObject(o, "list", lj);
    cJSON_AddItemToObject(o, "changes", arr);
    struct changes_out co = {.arr = arr, .sh = &sh};
    enum vx_status rc = VX_OK;
    if (!l->purged_at)
        rc = sc->st->ops->muni->list_change_foreach(sc->st, l->id, change_to_json, &co);
    int hr = rc == VX_OK ? audit_shown(sc, req, &sh, "muni.list.changes")
                         : vx_http_problem(req, VX_ESTORE, "cannot read the changes");
    shown_free(&sh);
    if (hr != VX_OK) {
        cJSON_Delete(o);
        return hr;
    }
    return vx_http_reply_json(req, status, o);
}

static int finish_upload(struct vx_http_req *req, struct scope *sc, struct vx_muni_upload *up,
                         enum vx_muni_basis basis, const char *note, vx_day valid_until, bool csv)
{
    struct vx_muni_upload_req ur = {.kommun = sc->k.code,
                                    .basis = basis,
                                    .basis_note = note,
                                    .valid_until = valid_until,
                                    .actor = actor(sc),
                                    .role = role(sc),
                                    .today = sc->today,
                                    .now = sc->now};
    struct vx_muni_list l;
    struct vx_err err = {0};
    enum vx_status rc = vx_muni_list_upload(sc->st, &ur, up, &l, &err);
    if (rc == VX_EINVAL && up->total_problems)
        return upload_problems(req, up, csv);
    if (rc != VX_OK)
        return service_problem(req, rc, &err);
    char loc[96];
    snprintf(loc, sizeof loc, "/api/v1/municipalities/%s/lists/%lld", sc->k.code, (long long)l.id);
    vx_http_set_header(req, "Location", loc);
    return reply_list(req, sc, &l, 201);
}

static int parse_basis(struct vx_http_req *req, const char *s, enum vx_muni_basis *out)
{
    if (!s || vx_muni_basis_parse(s, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "legal_basis",
                                     "pdl_coherent_records or consent");
    return VX_OK;
}

static int parse_until(struct vx_http_req *req, const char *s, vx_day *out)
{
    if (!s || vx_day_parse(s, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "valid_until", "a date YYYY-MM-DD");
    return VX_OK;
}

static int h_upload_json(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_LIST_UPLOAD, &sc);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    enum vx_muni_basis basis;
    vx_day until;
    if ((rc = parse_basis(req, str_field(b, "legal_basis"), &basis)) != VX_OK ||
        (rc = parse_until(req, str_field(b, "valid_until"), &until)) != VX_OK)
        return rc;
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    enum vx_status ps =
        vx_muni_parse_json(cJSON_GetObjectItemCaseSensitive(b, "rows"), sc.today, &up);
    if (ps == VX_ENOMEM)
        rc = VX_ENOMEM;
    else if (ps != VX_OK)
        rc = upload_problems(req, &up, false);
    else
        rc = finish_upload(req, &sc, &up, basis, str_field(b, "basis_note"), until, false);
    vx_muni_upload_release(&up);
    return rc;
}

static int h_upload_csv(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_LIST_UPLOAD, &sc);
    if (rc != VX_OK)
        return rc;
    enum vx_muni_basis basis;
    vx_day until;
    if ((rc = parse_basis(req, vx_http_req_query(req, "legal_basis"), &basis)) != VX_OK ||
        (rc = parse_until(req, vx_http_req_query(req, "valid_until"), &until)) != VX_OK)
        return rc;
    size_t len = 0;
    const char *text = vx_http_req_raw_body(req, &len);
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    enum vx_status ps = vx_muni_parse_csv(text ? text : "", text ? len : 0, sc.today, &up);
    if (ps == VX_ENOMEM)
        rc = VX_ENOMEM;
    else if (ps != VX_OK)
        rc = upload_problems(req, &up, true);
    else
        rc = finish_upload(req, &sc, &up, basis, vx_http_req_query(req, "basis_note"), until, true);
    vx_muni_upload_release(&up);
    return rc;
}

struct lists_out {
    cJSON *arr;
    const char *lang;
};

static int list_to_json(void *p, const struct vx_muni_list *l)
{
    struct lists_out *lo = p;
    cJSON *o = list_json(l, lo->lang);
    if (!o)
        return 1;
    cJSON_AddItemToArray(lo->arr, o);
    return 0;
}

static int h_lists(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_LIST_META, &sc);
    if (rc != VX_OK)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    struct lists_out lo = {.arr = arr, .lang = vx_http_req_lang(req)};
    if (sc.st->ops->muni->list_foreach(sc.st, sc.k.code, NULL, list_to_json, &lo) != VX_OK) {
        cJSON_Delete(arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the lists");
    }
    return vx_http_reply_json(req, 200, arr);
}

/* The list {id} of the path, which must belong to the scope's municipality. */
static int path_list(struct vx_http_req *req, struct scope *sc, struct vx_muni_list *l)
{
    const char *ids = vx_http_req_param(req, "id");
    int64_t id = ids ? strtoll(ids, NULL, 10) : 0;
    enum vx_status rc = sc->st->ops->muni->list_get(sc->st, id, l);
    if (rc == VX_ENOTFOUND || (rc == VX_OK && strcmp(l->kommun, sc->k.code)))
        return vx_http_problem(req, VX_ENOTFOUND, "no list %lld of municipality %s", (long long)id,
                               sc->k.code);
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the list");
    return VX_OK;
}

static int h_changes(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_list l;
    int rc = open_scope(req, VX_MUNI_LIST_DIFF, &sc);
    if (rc == VX_OK)
        rc = path_list(req, &sc, &l);
    if (rc != VX_OK)
        return rc;
    if (l.purged_at)
        return vx_http_problem(req, VX_ENOTFOUND,
                               "the rows and changes of list version %d were purged (retention)",
                               l.version);
    return reply_list(req, &sc, &l, 200);
}

struct rows_out {
    cJSON *arr;
    struct shown *sh;
    enum vx_muni_view view;
    int type; /* -1 = any */
};

static int row_to_json(void *p, const struct vx_muni_row *r)
{
    struct rows_out *ro = p;
    if (ro->type >= 0 && (int)r->type != ro->type)
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    cJSON_AddNumberToObject(o, "person_id", (double)r->person_id);
    cJSON_AddStringToObject(o, "personnummer", r->pnr);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "unit_code", r->unit_code);
    cJSON_AddStringToObject(o, "unit_name", r->unit_name);
    cJSON_AddStringToObject(o, "list_type", vx_muni_list_type_code(r->type));
    if (ro->view == VX_MUNI_VIEW_FULL) {
        cJSON_AddStringToObject(o, "consent", vx_muni_consent_code(r->consent));
        cJSON_AddStringToObject(o, "notes", r->notes);
    }
    cJSON_AddItemToArray(ro->arr, o);
    shown_add(ro->sh, r->person_id, r->region);
    return 0;
}

static int h_residents(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_LIST_READ, &sc);
    if (rc != VX_OK)
        return rc;
    const char *unit = vx_http_req_query(req, "unit");
    const char *type = vx_http_req_query(req, "type");
    enum vx_muni_list_type t = VX_MUNI_SPECIAL_HOUSING;
    if (type && *type && vx_muni_list_type_parse(type, &t) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "type", "unknown list type");
    struct vx_muni_list l;
    struct vx_err err = {0};
    enum vx_status ls = sc.st->ops->muni->list_latest(sc.st, sc.k.code, &l);
    if (ls == VX_OK && (l.purged_at || l.valid_until < sc.today))
        ls = VX_ENOTFOUND;
    if (ls != VX_OK) {
        snprintf(err.msg, sizeof err.msg, "municipality %s has no current resident list",
                 sc.k.code);
        return vx_http_problem(req, ls == VX_ENOTFOUND ? VX_ENOTFOUND : VX_ESTORE, "%s", err.msg);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *lj = list_json(&l, vx_http_req_lang(req));
    cJSON *arr = cJSON_CreateArray();
    struct shown sh = {0};
    if (!o || !lj || !arr) {
        cJSON_Delete(o);
        cJSON_Delete(lj);
        cJSON_Delete(arr);
        return VX_ENOMEM;
    }
    cJSON_AddItemToObject(o, "list", lj);
    cJSON_AddStringToObject(o, "view", sc.view == VX_MUNI_VIEW_FULL ? "full" : "minimum");
    cJSON_AddItemToObject(o, "residents", arr);
    struct rows_out ro = {
        .arr = arr, .sh = &sh, .view = sc.view, .type = type && *type ? (int)t : -1};
    ls = sc.st->ops->muni->list_row_foreach(sc.st, l.id, unit, true, row_to_json, &ro);
    rc = ls == VX_OK ? audit_shown(&sc, req, &sh, "muni.list.read")
                     : vx_http_problem(req, VX_ESTORE, "cannot read the list");
    shown_free(&sh);
    if (rc != VX_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return vx_http_reply_json(req, 200, o);
}

struct unit_acc {
    cJSON *arr;
    cJSON *cur;
    char code[VX_MUNI_UNIT_CODE_MAX];
    int by_type[VX_MUNI_LIST_TYPE_COUNT];
    int residents, declined;
};

static void unit_flush(struct unit_acc *u)
{
    if (!u->cur)
        return;
    cJSON_AddNumberToObject(u->cur, "residents", u->residents);
    cJSON_AddNumberToObject(u->cur, "declined", u->declined);
    cJSON *bt = cJSON_AddObjectToObject(u->cur, "by_type");
    for (int i = 0; bt && i < VX_MUNI_LIST_TYPE_COUNT; i++)
        cJSON_AddNumberToObject(bt, vx_muni_list_type_code((enum vx_muni_list_type)i),
                                u->by_type[i]);
    cJSON_AddItemToArray(u->arr, u->cur);
    u->cur = NULL;
}

static int unit_row(void *p, const struct vx_muni_row *r)
{
    struct unit_acc *u = p;
    if (!u->cur || strcmp(u->code, r->unit_code)) {
        unit_flush(u);
        u->cur = cJSON_CreateObject();
        if (!u->cur)
            return 1;
        snprintf(u->code, sizeof u->code, "%s", r->unit_code);
        cJSON_AddStringToObject(u->cur, "unit_code", r->unit_code);
        cJSON_AddStringToObject(u->cur, "unit_name", r->unit_name);
        memset(u->by_type, 0, sizeof u->by_type);
        u->residents = u->declined = 0;
    }
    u->residents++;
    u->by_type[r->type]++;
    u->declined += r->consent == VX_MUNI_CONSENT_DECLINED;
    return 0;
}

static int h_units(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_LIST_META, &sc);
    if (rc != VX_OK)
        return rc;
    struct vx_muni_list l;
    enum vx_status ls = sc.st->ops->muni->list_latest(sc.st, sc.k.code, &l);
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    if (ls == VX_OK && !l.purged_at && l.valid_until >= sc.today) {
        struct unit_acc u = {.arr = arr};
        ls = sc.st->ops->muni->list_row_foreach(sc.st, l.id, NULL, true, unit_row, &u);
        unit_flush(&u);
    } else if (ls == VX_ENOTFOUND || ls == VX_OK) {
        ls = VX_OK;
    }
    if (ls != VX_OK) {
        cJSON_Delete(arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the units");
    }
    return vx_http_reply_json(req, 200, arr);
}

/* ------------------------------------------------------------------ rounds */

struct rounds_out {
    const struct mh *m;
    cJSON *arr;
};

static int round_to_json(void *p, const struct vx_muni_round *r)
{
    struct rounds_out *ro = p;
    cJSON *o = round_json(ro->m, r);
    if (!o)
        return 1;
    cJSON_AddItemToArray(ro->arr, o);
    return 0;
}

static int h_rounds(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_ROUND_READ, &sc);
    if (rc != VX_OK)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    struct rounds_out ro = {.m = sc.m, .arr = arr};
    if (sc.st->ops->muni->round_foreach(sc.st, sc.k.code, NULL, round_to_json, &ro) != VX_OK) {
        cJSON_Delete(arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the rounds");
    }
    return vx_http_reply_json(req, 200, arr);
}

/* The transport fields of a plan body. */
static int plan_transport(struct vx_http_req *req, const cJSON *b, struct vx_muni_transport *t)
{
    const char *form = str_field(b, "form");
    if (!form || vx_muni_form_parse(form, &t->form) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "form", "vials or syringes");
    t->transport_minutes = int_field(b, "transport_minutes", 0);
    t->duration_minutes = int_field(b, "duration_minutes", 0);
    return VX_OK;
}

static int transport_refused(struct vx_http_req *req, const struct vx_muni_transport_verdict *v)
{
    char sv[400] = "", en[400] = "";
    for (int i = 0; i < v->n; i++)
        if (!v->rules[i].ok) {
            snprintf(sv, sizeof sv, "%s", v->rules[i].text_sv);
            snprintf(en, sizeof en, "%s", v->rules[i].text_en);
            break;
        }
    return problem_with(req, VX_EINVAL, "transport", sv, en, "transport", verdict_json(v));
}

static int h_check(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_ROUND_READ, &sc);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    struct vx_muni_transport t;
    if ((rc = plan_transport(req, b, &t)) != VX_OK)
        return rc;
    const char *vac = str_field(b, "vaccine");
    const struct vx_product *p = sc.m->cat && vac ? vx_catalog_find(sc.m->cat, vac) : NULL;
    if (!p)
        return vx_http_problem_field(req, VX_EINVAL, "vaccine", "not in the catalogue");
    vx_day day = sc.today;
    const char *ds = str_field(b, "date");
    if (ds && vx_day_parse(ds, &day) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "date", "a date YYYY-MM-DD");
    struct vx_muni_transport_verdict v;
    if (vx_muni_transport_check(p, day, &t, &v) == VX_EINVAL)
        return vx_http_problem_field(req, VX_EINVAL, "transport_minutes", "0..1440");
    cJSON *o = verdict_json(&v);
    if (!o)
        return VX_ENOMEM;
    int doses = int_field(b, "doses", 0);
    cJSON_AddNumberToObject(o, "doses_per_vial", vx_product_doses_per_vial(p, day, false));
    cJSON_AddNumberToObject(o, "vials_needed", vx_muni_vials_needed(p, day, doses));
    return vx_http_reply_json(req, 200, o);
}

static int h_plan(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_ROUND_PLAN, &sc);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    struct vx_muni_plan_req pr = {.kommun = sc.k.code,
                                  .unit_code = str_field(b, "unit_code"),
                                  .vaccine = str_field(b, "vaccine"),
                                  .doses_ordered = int_field(b, "doses", 0),
                                  .vials_ordered = int_field(b, "vials", 0),
                                  .actor = actor(&sc),
                                  .role = role(&sc),
                                  .today = sc.today,
                                  .now = sc.now};
    if ((rc = plan_transport(req, b, &pr.transport)) != VX_OK)
        return rc;
    const char *ds = str_field(b, "date");
    if (!ds || vx_day_parse(ds, &pr.day) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "date", "a date YYYY-MM-DD");
    const cJSON *persons = cJSON_GetObjectItemCaseSensitive(b, "persons");
    int64_t *ids = NULL;
    if (cJSON_IsArray(persons)) {
        int n = cJSON_GetArraySize(persons);
        ids = calloc((size_t)(n ? n : 1), sizeof *ids);
        if (!ids)
            return VX_ENOMEM;
        const cJSON *it;
        cJSON_ArrayForEach(it, persons)
        {
            if (!cJSON_IsNumber(it) || it->valuedouble < 1) {
                free(ids);
                return vx_http_problem_field(req, VX_EINVAL, "persons", "an array of person ids");
            }
            ids[pr.n_persons++] = (int64_t)it->valuedouble;
        }
        pr.persons = ids;
    }
    struct vx_muni_round r;
    struct vx_muni_transport_verdict v;
    struct vx_err err = {0};
    enum vx_status ps = vx_muni_round_plan(sc.st, sc.m->cat, &pr, &r, &v, &err);
    free(ids);
    if (ps == VX_ERANGE)
        return transport_refused(req, &v);
    if (ps != VX_OK)
        return service_problem(req, ps, &err);
    cJSON *o = round_json(sc.m, &r);
    if (!o)
        return VX_ENOMEM;
    char loc[96];
    snprintf(loc, sizeof loc, "/api/v1/municipalities/%s/rounds/%lld", sc.k.code, (long long)r.id);
    vx_http_set_header(req, "Location", loc);
    return vx_http_reply_json(req, 201, o);
}

/* The round {id} of the path, which must belong to the scope's municipality. */
static int path_round(struct vx_http_req *req, struct scope *sc, struct vx_muni_round *r)
{
    const char *ids = vx_http_req_param(req, "id");
    int64_t id = ids ? strtoll(ids, NULL, 10) : 0;
    enum vx_status rc = sc->st->ops->muni->round_get(sc->st, id, r);
    if (rc == VX_ENOTFOUND || (rc == VX_OK && strcmp(r->kommun, sc->k.code)))
        return vx_http_problem(req, VX_ENOTFOUND, "no round %lld in municipality %s", (long long)id,
                               sc->k.code);
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the round");
    return VX_OK;
}

struct res_out {
    cJSON *arr;
    struct shown *sh;
    enum vx_muni_view view;
};

static int resident_to_json(void *p, const struct vx_muni_round_resident *r)
{
    struct res_out *ro = p;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    cJSON_AddNumberToObject(o, "person_id", (double)r->person_id);
    cJSON_AddStringToObject(o, "personnummer", r->pnr);
    cJSON_AddStringToObject(o, "name", r->name);
    if (ro->view == VX_MUNI_VIEW_FULL)
        cJSON_AddStringToObject(o, "consent", vx_muni_consent_code(r->consent));
    cJSON_AddStringToObject(o, "outcome", vx_muni_outcome_code(r->outcome));
    cJSON_AddNumberToObject(o, "dose_id", (double)r->dose_id);
    cJSON_AddNumberToObject(o, "dose_number", r->dose_number);
    cJSON_AddStringToObject(o, "lot_number", r->lot_number);
    add_time(o, "given_at", r->given_at);
    cJSON_AddStringToObject(o, "recorded_by", r->recorded_by);
    add_time(o, "recorded_at", r->recorded_at);
    cJSON_AddItemToArray(ro->arr, o);
    shown_add(ro->sh, r->person_id, r->region);
    return 0;
}

static int h_round(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_round r;
    int rc = open_scope(req, VX_MUNI_ROUND_READ, &sc);
    if (rc == VX_OK)
        rc = path_round(req, &sc, &r);
    if (rc != VX_OK)
        return rc;
    cJSON *o = round_json(sc.m, &r);
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "resident_list") : NULL;
    if (!arr) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    struct shown sh = {0};
    struct res_out ro = {.arr = arr, .sh = &sh, .view = sc.view};
    enum vx_status ls = sc.st->ops->muni->resident_foreach(sc.st, r.id, resident_to_json, &ro);
    rc = ls == VX_OK ? audit_shown(&sc, req, &sh, "muni.round.read")
                     : vx_http_problem(req, VX_ESTORE, "cannot read the residents");
    shown_free(&sh);
    if (rc != VX_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return vx_http_reply_json(req, 200, o);
}

/* Reply with round `id` as it is now (no person data). */
static int reply_round(struct vx_http_req *req, struct scope *sc, int64_t id)
{
    struct vx_muni_round r;
    if (sc->st->ops->muni->round_get(sc->st, id, &r) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the round");
    cJSON *o = round_json(sc->m, &r);
    return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
}

static int h_decision(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_round r;
    int rc = open_scope(req, VX_MUNI_ROUND_DECIDE, &sc);
    if (rc == VX_OK)
        rc = path_round(req, &sc, &r);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    bool approve = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "approve"));
    struct vx_err err = {0};
    enum vx_status ds = vx_muni_round_decide(sc.st, r.id, approve, str_field(b, "note"), actor(&sc),
                                             role(&sc), sc.now, &err);
    return ds == VX_OK ? reply_round(req, &sc, r.id) : service_problem(req, ds, &err);
}

static int h_handover(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_round r;
    int rc = open_scope(req, VX_MUNI_ROUND_DECIDE, &sc);
    if (rc == VX_OK)
        rc = path_round(req, &sc, &r);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    /* the site: "site" (code) or "site_id"; it must be one of the round's region's */
    int64_t site_id = 0;
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(b, "site_id");
    if (cJSON_IsNumber(sid))
        site_id = (int64_t)sid->valuedouble;
    const char *scode = str_field(b, "site");
    if (scode && *scode) {
        struct vx_site_rec site;
        enum vx_status ss = sc.st->ops->site_get(sc.st, scode, &site);
        if (ss == VX_ENOTFOUND)
            return vx_http_problem_field(req, VX_EINVAL, "site", "no such site");
        if (ss != VX_OK)
            return vx_http_problem(req, VX_ESTORE, "cannot read the site");
        if (site_id && site_id != site.id)
            return vx_http_problem_field(req, VX_EINVAL, "site_id", "not the id of the site given");
        site_id = site.id;
    }
    if (site_id < 1)
        return vx_http_problem_field(req, VX_EINVAL, "site",
                                     "required: the site whose stock the doses leave");
    struct vx_muni_handover_req hq = {.round_id = r.id,
                                      .site_id = site_id,
                                      .lot_number = str_field(b, "lot_number"),
                                      .doses = int_field(b, "doses", 0),
                                      .vials = int_field(b, "vials", 0),
                                      .actor = actor(&sc),
                                      .role = role(&sc),
                                      .now = sc.now};
    struct vx_muni_handover_out ho;
    struct vx_err err = {0};
    enum vx_status ds = vx_muni_round_handover(sc.st, &hq, &ho, &err);
    if (ds != VX_OK)
        return service_problem(req, ds, &err);
    struct vx_muni_round now;
    if (sc.st->ops->muni->round_get(sc.st, r.id, &now) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the round");
    cJSON *o = round_json(sc.m, &now);
    cJSON *h = o ? cJSON_AddObjectToObject(o, "handover") : NULL;
    if (!h) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    cJSON_AddNumberToObject(h, "site_id", (double)site_id);
    cJSON_AddStringToObject(h, "site", ho.site_code);
    cJSON_AddNumberToObject(h, "lot_id", (double)ho.lot_id);
    cJSON_AddNumberToObject(h, "stock_left", ho.stock_left);
    return vx_http_reply_json(req, 200, o);
}

/* Stock the region can hand out for a round: lots of the round's vaccine with doses
 * on hand at the sites of the round's region, usable on the round's day. */
struct src_out {
    cJSON *arr;
    const char *vaccine;
    vx_time after; /* usable after this time (thawed limit) ... */
    vx_day day;    /* ... and not past its expiry day (the round's day) */
};

static int source_row(void *p, const struct vx_stock_row *s)
{
    struct src_out *so = p;
    if (s->doses <= 0 || strcmp(s->lot.vaccine, so->vaccine) || s->lot.expiry < so->day ||
        (s->lot.usable_until && s->lot.usable_until <= so->after))
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    cJSON_AddNumberToObject(o, "site_id", (double)s->site_id);
    cJSON_AddStringToObject(o, "site", s->site_code);
    cJSON_AddNumberToObject(o, "lot_id", (double)s->lot.id);
    cJSON_AddStringToObject(o, "lot_number", s->lot.lot_number);
    add_day(o, "expiry", s->lot.expiry);
    cJSON_AddNumberToObject(o, "doses", s->doses);
    cJSON_AddItemToArray(so->arr, o);
    return 0;
}

static int h_sources(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_round r;
    int rc = open_scope(req, VX_MUNI_ROUND_DECIDE, &sc);
    if (rc == VX_OK)
        rc = path_round(req, &sc, &r);
    if (rc != VX_OK)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    struct src_out so = {.arr = arr,
                         .vaccine = r.vaccine,
                         .after = sc.now,
                         .day = r.day > sc.today ? r.day : sc.today};
    if (!sc.st->ops->care ||
        sc.st->ops->care->stock_foreach(sc.st, 0, r.region, source_row, &so) != VX_OK) {
        cJSON_Delete(arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the stock");
    }
    return vx_http_reply_json(req, 200, arr);
}

/* The rounds of every municipality of a region (the regional coordinator's queue). */
struct region_rounds {
    const struct mh *m;
    cJSON *arr;
    int status; /* -1 = any */
};

static int region_round_row(void *p, const struct vx_muni_round *r)
{
    struct region_rounds *rr = p;
    if (rr->status >= 0 && (int)r->status != rr->status)
        return 0;
    cJSON *o = round_json(rr->m, r);
    if (!o)
        return 1;
    cJSON_AddItemToArray(rr->arr, o);
    return 0;
}

static int h_region_rounds(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    const char *region = vx_http_req_param(req, "region");
    if (!s || s->role != VX_ROLE_REGION_COORD)
        return vx_http_problem(req, VX_EDENIED, "regional coordinators only");
    if (!region || strcmp(region, s->region) != 0)
        return vx_http_problem(req, VX_EDENIED, "region %s is outside your scope",
                               region ? region : "");
    struct vx_store *st;
    if (vx_http_req_store(req, &st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    struct region_rounds rr = {.m = vx_http_req_udata(req), .status = -1};
    const char *status = vx_http_req_query(req, "status");
    if (status && *status) {
        int i = 0;
        while (i < VX_MUNI_ROUND_STATUS_COUNT &&
               strcmp(status, vx_muni_round_status_code((enum vx_muni_round_status)i)))
            i++;
        if (i == VX_MUNI_ROUND_STATUS_COUNT)
            return vx_http_problem_field(req, VX_EINVAL, "status",
                                         "planned, approved, rejected, handed_out or done");
        rr.status = i;
    }
    if (!(rr.arr = cJSON_CreateArray()))
        return VX_ENOMEM;
    if (st->ops->muni->round_foreach(st, NULL, region, region_round_row, &rr) != VX_OK) {
        cJSON_Delete(rr.arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the rounds");
    }
    return vx_http_reply_json(req, 200, rr.arr);
}

static int h_record(struct vx_http_req *req)
{
    struct scope sc;
    struct vx_muni_round r;
    int rc = open_scope(req, VX_MUNI_ROUND_RECORD, &sc);
    if (rc == VX_OK)
        rc = path_round(req, &sc, &r);
    if (rc != VX_OK)
        return rc;
    const cJSON *b = vx_http_req_body(req);
    const char *key = str_field(b, "key");
    if (!key)
        key = vx_http_req_header(req, "Idempotency-Key");
    if (!key)
        return vx_http_problem_field(req, VX_EINVAL, "key",
                                     "required (or the header Idempotency-Key)");
    struct vx_muni_record_req rq = {.round_id = r.id,
                                    .person_id = (int64_t)int_field(b, "person_id", 0),
                                    .key = key,
                                    .injection_site = str_field(b, "injection_site"),
                                    .actor = actor(&sc),
                                    .role = role(&sc),
                                    .kommun = sc.k.code,
                                    .now = sc.now};
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(b, "person_id");
    if (cJSON_IsNumber(pid))
        rq.person_id = (int64_t)pid->valuedouble;
    const char *oc = str_field(b, "outcome");
    if (!oc || vx_muni_outcome_parse(oc, &rq.outcome) != VX_OK || rq.outcome == VX_MUNI_PENDING)
        return vx_http_problem_field(req, VX_EINVAL, "outcome", "vaccinated, declined or absent");
    const char *ga = str_field(b, "given_at");
    if (ga && *ga && vx_time_parse(ga, &rq.given_at) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "given_at",
                                     "an RFC 3339 time (2021-03-09T10:15:00+01:00)");
    struct vx_muni_record_result res;
    struct vx_err err = {0};
    pthread_mutex_lock(&sc.m->rec_mu);
    enum vx_status ds = vx_muni_record(sc.st, sc.m->cat, &rq, &res, &err);
    pthread_mutex_unlock(&sc.m->rec_mu);
    if (ds != VX_OK)
        return service_problem(req, ds, &err);
    if (res.status != VX_OK)
        return problem_with(req, res.status, res.code[0] ? res.code : "refused", res.message,
                            res.message_en, NULL, NULL);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return VX_ENOMEM;
    cJSON_AddNumberToObject(o, "round_id", (double)r.id);
    cJSON_AddNumberToObject(o, "person_id", (double)rq.person_id);
    cJSON_AddStringToObject(o, "outcome", vx_muni_outcome_code(res.outcome));
    cJSON_AddNumberToObject(o, "dose_id", (double)res.dose_id);
    cJSON_AddNumberToObject(o, "dose_number", res.dose_number);
    cJSON_AddNumberToObject(o, "left", res.left);
    cJSON_AddBoolToObject(o, "replayed", res.replayed);
    cJSON_AddStringToObject(o, "key", key);
    if (res.replayed)
        vx_http_set_header(req, "Idempotent-Replayed", "true");
    return vx_http_reply_json(req, 201, o);
}

/* ------------------------------------------------------------------ coverage, log */

static int h_coverage(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_COVERAGE, &sc);
    if (rc != VX_OK)
        return rc;
    if (!sc.m->cat)
        return vx_http_problem(req, VX_EINTERNAL, "no vaccine catalogue loaded");
    struct vx_muni_coverage c;
    struct vx_err err = {0};
    enum vx_status cs = vx_muni_coverage_count(sc.st, sc.m->cat, sc.k.code, sc.today, &c, &err);
    if (cs != VX_OK)
        return vx_http_problem(req, cs, "%s", err.msg);
    char obj[16];
    snprintf(obj, sizeof obj, "muni:%s", sc.k.code);
    if (audit_event(&sc, req, "muni.coverage", obj) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
    cJSON *o = cJSON_CreateObject();
    cJSON *types = o ? cJSON_AddArrayToObject(o, "by_type") : NULL;
    if (!types) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "kommun", sc.k.code);
    cJSON_AddStringToObject(o, "kommun_name", sc.k.name);
    cJSON_AddNumberToObject(o, "list_id", (double)c.list_id);
    add_day(o, "date", sc.today);
    int tr = 0, td = 0, tc = 0;
    for (int i = 0; i < VX_MUNI_LIST_TYPE_COUNT; i++) {
        cJSON *t = cJSON_CreateObject();
        if (!t)
            break;
        cJSON_AddStringToObject(t, "list_type", vx_muni_list_type_code((enum vx_muni_list_type)i));
        cJSON_AddNumberToObject(t, "residents", c.residents[i]);
        cJSON_AddNumberToObject(t, "dose1", c.dose1[i]);
        cJSON_AddNumberToObject(t, "complete", c.complete[i]);
        cJSON_AddItemToArray(types, t);
        tr += c.residents[i];
        td += c.dose1[i];
        tc += c.complete[i];
    }
    cJSON_AddNumberToObject(o, "residents", tr);
    cJSON_AddNumberToObject(o, "dose1", td);
    cJSON_AddNumberToObject(o, "complete", tc);
    cJSON_AddNumberToObject(o, "nurse_doses", (double)c.nurse_doses);
    return vx_http_reply_json(req, 200, o);
}

static int log_row(void *p, const struct vx_audit_rec *a)
{
    cJSON *arr = p;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    add_time(o, "at", a->at);
    cJSON_AddStringToObject(o, "actor", a->actor);
    cJSON_AddStringToObject(o, "role", a->role);
    cJSON_AddStringToObject(o, "action", a->action);
    cJSON_AddStringToObject(o, "object", a->object);
    cJSON_AddStringToObject(o, "detail", a->detail);
    cJSON_AddItemToArray(arr, o);
    return 0;
}

static int h_access_log(struct vx_http_req *req)
{
    struct scope sc;
    int rc = open_scope(req, VX_MUNI_ACCESS_LOG, &sc);
    if (rc != VX_OK)
        return rc;
    const char *ls = vx_http_req_query(req, "limit");
    int limit = ls ? (int)strtol(ls, NULL, 10) : LOG_LIMIT_DEFAULT;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    if (sc.st->ops->muni->access_log(sc.st, sc.k.code, limit, log_row, arr) != VX_OK) {
        cJSON_Delete(arr);
        return vx_http_problem(req, VX_ESTORE, "cannot read the audit log");
    }
    return vx_http_reply_json(req, 200, arr);
}

/* ------------------------------------------------------------------ table */

#define CODE_PARAM                                                                                 \
    {                                                                                              \
        "code", VX_JSON_STRING, .max_len = 4, .desc = "municipality code", .example = "\"0180\""   \
    }
#define ID_PARAM(what)                                                                             \
    {                                                                                              \
        "id", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = what                                 \
    }
#define PLAN_FIELDS                                                                                \
    {"vaccine",     VX_JSON_STRING,         .required = true,                                      \
     .max_len = 16, .desc = "product code", .example = "\"COM\""},                                 \
        {"form", VX_JSON_STRING, .required = true, .max_len = 8, .desc = "vials | syringes"},      \
        {"transport_minutes", VX_JSON_INTEGER,                                                     \
         .required = true,    .min = 0,                                                            \
         .max = 1440,         .desc = "minutes from the region's pick-up point to the unit"},      \
        {"duration_minutes", VX_JSON_INTEGER,                                                      \
         .required = true,   .min = 0,                                                             \
         .max = 1440,        .desc = "planned minutes on site, first to last dose"},               \
        {"date", VX_JSON_STRING, .max_len = 10, .desc = "day of the round (YYYY-MM-DD)"},          \
    {                                                                                              \
        "doses", VX_JSON_INTEGER, .min = 0, .max = 10000,                                          \
                                  .desc = "doses ordered (0 = one per "                            \
                                          "resident)"                                              \
    }

static const struct vx_route muni_routes[] = {
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/lists",
        .handler = h_upload_json,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD),
        .tag = "municipal",
        .summary = "Upload a resident list version (JSON); all or nothing, with the differences",
        .description = "Rows: personnummer, unit_code, list_type, unit_name, consent, status, "
                       "notes. Every row's person is audited.",
        .params = {CODE_PARAM},
        .body = {{"legal_basis", VX_JSON_STRING, .required = true, .max_len = 32,
                  .desc = "pdl_coherent_records | consent"},
                 {"basis_note", VX_JSON_STRING, .max_len = 128, .desc = "reference"},
                 {"valid_until", VX_JSON_STRING, .required = true, .max_len = 10,
                  .desc = "last day the list may be used"},
                 {"rows", VX_JSON_ARRAY, .required = true, .max_len = MAX_ROWS_JSON,
                  .desc = "row objects"}},
        .success = 201,
        .response = "{list:{id, version, legal_basis, valid_until, rows, by_type, changes}, "
                    "changes:[{kind, person_id, personnummer, name, old_unit, new_unit}]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/lists/csv",
        .handler = h_upload_csv,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD),
        .tag = "municipal",
        .summary = "Upload a resident list version (CSV body); problems as 'line N, column X'",
        .params = {CODE_PARAM},
        .query = {{"legal_basis", VX_JSON_STRING, .required = true, .max_len = 32,
                   .desc = "pdl_coherent_records | consent"},
                  {"valid_until", VX_JSON_STRING, .required = true, .max_len = 10,
                   .desc = "last day the list may be used"},
                  {"basis_note", VX_JSON_STRING, .max_len = 128, .desc = "reference"}},
        .body = {{"csv", VX_JSON_STRING, .desc = "text/csv body"}},
        .raw_body = true,
        .success = 201,
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/lists",
        .handler = h_lists,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "List versions: legal basis, validity, counts, changes (no person data)",
        .params = {CODE_PARAM},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/lists/{id}/changes",
        .handler = h_changes,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Differences of a list version against the previous one (audited)",
        .params = {CODE_PARAM, ID_PARAM("list id")},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/residents",
        .handler = h_residents,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Residents on the current list (region: minimum fields); audited per row",
        .params = {CODE_PARAM},
        .query = {{"unit", VX_JSON_STRING, .max_len = 32, .desc = "care unit code"},
                  {"type", VX_JSON_STRING, .max_len = 20, .desc = "list type"}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/units",
        .handler = h_units,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Care units of the current list with counts (no person data)",
        .params = {CODE_PARAM},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/rounds",
        .handler = h_rounds,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Vaccination rounds of the municipality (no person data)",
        .params = {CODE_PARAM},
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/rounds",
        .handler = h_plan,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE),
        .tag = "municipal",
        .summary = "Plan a round for a care unit (transport-checked against the catalogue)",
        .params = {CODE_PARAM},
        .body = {{"unit_code", VX_JSON_STRING, .required = true, .max_len = 32,
                  .desc = "care unit"},
                 PLAN_FIELDS,
                 {"vials", VX_JSON_INTEGER, .min = 0, .max = 10000,
                  .desc = "vials ordered (0 = what the doses need)"},
                 {"persons", VX_JSON_ARRAY, .max_len = 2000,
                  .desc = "person ids (default: the unit's residents who have not declined)"}},
        .success = 201,
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/rounds/check",
        .handler = h_check,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Transport check of a plan without storing it",
        .params = {CODE_PARAM},
        .body = {{"unit_code", VX_JSON_STRING, .max_len = 32, .desc = "care unit (ignored)"},
                 PLAN_FIELDS},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/rounds/{id}",
        .handler = h_round,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "A round with its residents and who is left (audited per resident)",
        .params = {CODE_PARAM, ID_PARAM("round id")},
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/rounds/{id}/decision",
        .handler = h_decision,
        .roles = VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "The region approves or rejects a planned round",
        .params = {CODE_PARAM, ID_PARAM("round id")},
        .body = {{"approve", VX_JSON_BOOLEAN, .required = true, .desc = "true = approve"},
                 {"note", VX_JSON_STRING, .max_len = 128, .desc = "why"}},
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/rounds/{id}/handover",
        .handler = h_handover,
        .roles = VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary =
            "The region hands out vaccine: the doses leave a site's stock (lot, doses, vials)",
        .description = "One transaction with the care module's stock move (transfer_out, note "
                       "'issue to kommun K: muni_round:N'); more than the site has is 409.",
        .params = {CODE_PARAM, ID_PARAM("round id")},
        .body = {{"site", VX_JSON_STRING, .max_len = 31,
                  .desc = "code of the region's site whose stock the doses leave"},
                 {"site_id", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "or its id"},
                 {"lot_number", VX_JSON_STRING, .required = true, .max_len = 32,
                  .desc = "lot of the round's vaccine in that site's stock"},
                 {"doses", VX_JSON_INTEGER, .required = true, .min = 1, .max = 10000},
                 {"vials", VX_JSON_INTEGER, .required = true, .min = 1, .max = 10000}},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/rounds/{id}/stock",
        .handler = h_sources,
        .roles = VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Lots of the round's vaccine on hand at the region's sites (to hand out from)",
        .params = {CODE_PARAM, ID_PARAM("round id")},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/regions/{region}/municipal-rounds",
        .handler = h_region_rounds,
        .roles = VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Rounds of every municipality of the region (the coordinator's own region)",
        .params = {{"region", VX_JSON_STRING, .max_len = 2, .desc = "region code, e.g. 01"}},
        .query = {{"status", VX_JSON_STRING, .max_len = 12,
                   .desc = "planned | approved | rejected | handed_out | done"}},
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/municipalities/{code}/rounds/{id}/records",
        .handler = h_record,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_NURSE),
        .tag = "municipal",
        .summary = "Record a resident's outcome (idempotent: a resend returns the first answer)",
        .description = "key (or header Idempotency-Key): 8-64 of [A-Za-z0-9._:-]. A vaccination "
                       "is recorded through the care module (site 0, the municipality set).",
        .params = {CODE_PARAM, ID_PARAM("round id")},
        .body = {{"key", VX_JSON_STRING, .max_len = 64, .desc = "idempotency key"},
                 {"person_id", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
                 {"outcome", VX_JSON_STRING, .required = true, .max_len = 12,
                  .desc = "vaccinated | declined | absent"},
                 {"given_at", VX_JSON_STRING, .max_len = 32, .desc = "RFC 3339 (default now)"},
                 {"injection_site", VX_JSON_STRING, .max_len = 15,
                  .desc = "left_arm, right_arm, ..."}},
        .success = 201,
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/coverage",
        .handler = h_coverage,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |
                 VX_ROLE_BIT(VX_ROLE_REGION_COORD),
        .tag = "municipal",
        .summary = "Coverage of the residents on the current list, by list type (aggregates)",
        .params = {CODE_PARAM},
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/municipalities/{code}/access-log",
        .handler = h_access_log,
        .roles = VX_ROLE_BIT(VX_ROLE_MUNI_COORD) | VX_ROLE_BIT(VX_ROLE_AUDITOR),
        .tag = "municipal",
        .summary = "Who read or changed this municipality's residents (audit extract)",
        .params = {CODE_PARAM},
        .query = {{"limit", VX_JSON_INTEGER, .min = 1, .max = 1000,
                   .desc = "rows, newest first (default 100)"}},
    },
};

const struct vx_http_module vx_muni_http_module = {
    .name = "muni",
    .routes = muni_routes,
    .n_routes = VX_ARRAY_LEN(muni_routes),
    .start = mh_start,
    .stop = mh_stop,
};
