/*
 * routes_plan.c — the supply planner over HTTP (docs/api-plan.md, include/vx/plan_http.h).
 *
 * Every route is a thin client of the store-backed planner (include/vx/plan.h:
 * vx_plan_db_allocate, vx_plan_db_replan, vx_plan_db_scenario + vx_plan_project) and of
 * the plan store ops (deliveries with their changes, stored allocations and quotas): the
 * handler checks the scope, turns the JSON into options, calls the library on the
 * request's store handle and formats the answer. Writes are rare staff actions, so they
 * run on the request's handle inside the library's own transaction (SQLite WAL, busy
 * timeout).
 *
 * Booking side. When the server runs the booking module, its engine keeps site supply and
 * every person's booking series in memory, read from the database only at start. So the
 * plan's writes to that side go through the engine (vx_book_http_engine): the handler
 * passes a sink (struct vx_plan_sink) whose supply_set is vx_book_supply_set and whose
 * cancel is a VX_BOOK_OP_CANCEL request with `cancel_only` = the chosen booking, by the
 * coordinator (actor and agent = the user, the engine writes the audit row). The library
 * commits the planner's own rows first and then calls the sink, one writer transaction per
 * supply row and per booking series; the answer's `sync` object says what reached the
 * engine and names the first failure (`complete: false`). A full queue (the engine answers
 * "busy" rather than wait, for the waiting room's sake) is retried with a short back-off;
 * a site the engine does not know yet (imported after start) makes it reload its sites
 * once. Without the booking module (tests, a planner-only server) the library writes the
 * store directly in its one transaction, as the CLI does.
 *
 * Access (deny by default; the framework checks the role list, the handlers the scope):
 * `national` sees and plans everything; a `regional_coordinator` reads and re-plans its
 * own region only (another region is 403, a region left out means its own); `auditor`
 * reads deliveries and their changes. Nothing returns person data: booking figures are
 * aggregates and a re-plan names cancelled bookings by booking id only. A re-plan that
 * cancels bookings audits each one on the person (the engine writes the row, or the
 * library without one); every planning write is also audited as an event
 * ("plan.allocate", "plan.replan", "delivery.revise").
 *
 * Time. With `serve --date D` the server's day is D: revisions and plans are stamped with
 * D at the current time of day, like the booking and certificate modules do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include "vx/alloc.h"
#include "vx/book.h"
#include "vx/book_http.h"
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/plan.h"
#include "vx/plan_http.h"
#include "vx/store.h"
#include "vx/store_plan.h"

#define NATIONAL VX_ROLE_BIT(VX_ROLE_NATIONAL)
#define REGION   VX_ROLE_BIT(VX_ROLE_REGION_COORD)
#define AUDITOR  VX_ROLE_BIT(VX_ROLE_AUDITOR)
#define FILE_MAX (8u * 1024u * 1024u)
#define MAX_RUNS 300

/* ------------------------------------------------------------------ helpers */

/* The server's "now": its pinned day at the current time of day, or the clock. */
static vx_time plan_now(struct vx_http_req *req)
{
    vx_time t = (vx_time)time(NULL);
    vx_day pinned = vx_http_req_today(req), d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    if (pinned == d)
        return t;
    vx_time out;
    if (vx_stockholm_to_utc(pinned, minute, &out, NULL) != VX_OK &&
        vx_stockholm_to_utc(pinned, minute + 60, &out, NULL) != VX_OK)
        return t;
    return out + t % 60;
}

static enum vx_status store_of(struct vx_http_req *req, struct vx_store **st)
{
    enum vx_status rc = vx_http_req_store(req, st);
    return rc == VX_OK ? VX_OK : vx_http_problem(req, rc, "the database is not available");
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool num_field(const cJSON *o, const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

static bool bool_field(const cJSON *o, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/*
 * The region the caller may see: national -> `asked` ("" = all); a regional coordinator
 * -> its own (asked "" or its own; another is 403).
 */
static enum vx_status scope_region(struct vx_http_req *req, const char *asked, char out[3])
{
    const struct vx_session *s = vx_http_req_session(req);
    if (asked && asked[0] &&
        !(strlen(asked) == 2 && asked[0] >= '0' && asked[0] <= '9' && asked[1] >= '0' &&
          asked[1] <= '9'))
        return vx_http_problem_field(req, VX_EINVAL, "region", "expected a county code like 01");
    if (s && s->role == VX_ROLE_REGION_COORD) {
        if (asked && asked[0] && strcmp(asked, s->region) != 0)
            return vx_http_problem(req, VX_EDENIED, "a regional coordinator sees region %s only",
                                   s->region);
        snprintf(out, 3, "%s", s->region);
        return VX_OK;
    }
    snprintf(out, 3, "%s", asked ? asked : "");
    return VX_OK;
}

static enum vx_status week_arg(struct vx_http_req *req, const char *s, struct vx_isoweek *w)
{
    if (s == NULL || vx_isoweek_parse(s, w) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "week", "expected an ISO week like 2021-W10");
    return VX_OK;
}

static enum vx_status vaccine_arg(struct vx_http_req *req, const char *s, bool required,
                                  char out[17])
{
    out[0] = '\0';
    if (s == NULL || s[0] == '\0') {
        if (required)
            return vx_http_problem_field(req, VX_EINVAL, "vaccine", "required");
        return VX_OK;
    }
    const struct vx_catalog *cat = vx_http_req_catalog(req);
    if (strlen(s) > 16 || (cat && vx_catalog_find(cat, s) == NULL))
        return vx_http_problem_field(req, VX_EINVAL, "vaccine", "no such vaccine in the catalogue");
    snprintf(out, 17, "%s", s);
    return VX_OK;
}

static const char *kind_name(bool actual)
{
    return actual ? "actual" : "forecast";
}

static void add_week(cJSON *o, const char *name, struct vx_isoweek w)
{
    char wk[16];
    cJSON_AddStringToObject(o, name, vx_isoweek_format(w, wk));
}

static void add_time(cJSON *o, const char *name, vx_time t)
{
    char buf[40];
    cJSON_AddStringToObject(o, name, vx_time_format_local(t, buf));
}

static void audit(struct vx_http_req *req, struct vx_store *st, const char *action, const char *obj,
                  const char *detail)
{
    vx_audit_event(st, vx_http_req_session(req), action, obj, detail);
}

/* ------------------------------------------------------------------ booking engine sink */

#define SINK_TRIES 200 /* a full engine queue: retries, 1 ms apart doubling to 50 ms */

struct eng_sink {
    struct vx_book_engine *eng;
    struct vx_store *st; /* the request's handle: a person's number for the engine */
    bool reloaded;       /* sites reloaded once already */
};

static void backoff(int attempt)
{
    long ms = 1L << (attempt < 6 ? attempt : 6);
    struct timespec ts = {0, (ms > 50 ? 50 : ms) * 1000000L};
    nanosleep(&ts, NULL);
}

static enum vx_status sink_supply(void *ctx, const struct vx_supply_rec *r, struct vx_err *err)
{
    struct eng_sink *k = ctx;
    enum vx_status rc = VX_EBUSY;
    for (int i = 0; i < SINK_TRIES; i++) {
        struct vx_err e = {0};
        rc = vx_book_supply_set(k->eng, r, &e);
        if (rc == VX_ENOTFOUND && !k->reloaded) {
            /* a site imported after the engine started: it learns the sites once */
            k->reloaded = true;
            if (vx_book_sites_reload(k->eng, &e) == VX_OK)
                continue;
        }
        if (rc != VX_EBUSY) {
            if (rc != VX_OK)
                vx_err_set(err, rc, "%s", e.msg);
            return rc;
        }
        backoff(i);
    }
    return vx_err_set(err, rc, "booking engine: queue full");
}

static enum vx_status sink_cancel(void *ctx, const struct vx_plan_cancel *c,
                                  const struct vx_plan_db_opts *o, struct vx_err *err)
{
    struct eng_sink *k = ctx;
    struct vx_person_rec pr;
    enum vx_status rc = k->st->ops->person_get_id(k->st, c->person_id, &pr);
    if (rc == VX_ENOTFOUND)
        return VX_ENOTFOUND; /* nobody to cancel for */
    if (rc != VX_OK)
        return vx_err_set(err, rc, "person %lld: %s", (long long)c->person_id, k->st->err);
    struct vx_book_req r;
    memset(&r, 0, sizeof r);
    r.op = VX_BOOK_OP_CANCEL;
    memcpy(r.pnr, pr.p.pnr.norm, sizeof r.pnr);
    r.channel = VX_CHANNEL_WEB;
    snprintf(r.agent_id, sizeof r.agent_id, "%s", o->who);
    snprintf(r.actor, sizeof r.actor, "%s", o->who);
    snprintf(r.role, sizeof r.role, "%s", o->role);
    r.now = o->now;
    r.cancel_only = c->booking_id;
    struct vx_book_result res;
    for (int i = 0; i < SINK_TRIES; i++) {
        memset(&res, 0, sizeof res); /* res.op stays 0 unless the writer ran the request */
        rc = vx_book_submit_wait(k->eng, &r, &res);
        if (rc != VX_EBUSY || res.op != 0)
            break;
        backoff(i); /* not queued: the queue was full */
    }
    if (rc == VX_OK)
        return VX_OK;
    if (res.op == 0)
        return vx_err_set(err, rc, "booking engine: %s",
                          rc == VX_EBUSY ? "queue full" : "not accepting requests");
    if (res.reason == VX_BOOK_R_NO_SERIES)
        return VX_ENOTFOUND; /* cancelled or rebooked since the plan chose it */
    return vx_err_set(err, rc, "%s (%s)", res.msg_en, vx_book_reason_code(res.reason));
}

static const struct vx_plan_sink engine_sink = {.supply_set = sink_supply, .cancel = sink_cancel};

/* With the booking module running: the sink for o (k and sk caller-owned). */
static void use_engine(struct vx_http_req *req, struct vx_store *st, struct eng_sink *k,
                       struct vx_plan_sink *sk, struct vx_plan_db_opts *o)
{
    memset(k, 0, sizeof *k);
    k->eng = vx_book_http_engine(vx_http_req_server(req));
    k->st = st;
    if (k->eng == NULL)
        return; /* no engine in this server: the library writes the store */
    *sk = engine_sink;
    sk->ctx = k;
    o->sink = sk;
}

static cJSON *sync_json(const struct vx_plan_sync *y, bool with_cancels)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "via", y->via_sink ? "engine" : "store");
    cJSON_AddBoolToObject(o, "complete", y->complete);
    cJSON_AddNumberToObject(o, "supply_set", (double)y->supply_set);
    cJSON_AddNumberToObject(o, "supply_unchanged", (double)y->supply_same);
    cJSON_AddNumberToObject(o, "supply_failed", (double)y->supply_failed);
    if (with_cancels) {
        cJSON_AddNumberToObject(o, "cancelled", (double)y->cancelled);
        cJSON_AddNumberToObject(o, "cancel_skipped", (double)y->cancel_skipped);
        cJSON_AddNumberToObject(o, "cancel_failed", (double)y->cancel_failed);
    }
    if (y->error[0])
        cJSON_AddStringToObject(o, "error", y->error);
    else
        cJSON_AddNullToObject(o, "error");
    return o;
}

/* "cancelled", "skipped" (no longer active) or "failed" for one cancellation. */
static const char *cancel_state(enum vx_status synced)
{
    return synced == VX_OK ? "cancelled" : synced == VX_ENOTFOUND ? "skipped" : "failed";
}

/* ------------------------------------------------------------------ deliveries */

struct deliv_ctx {
    cJSON *arr;
    const char *region; /* "" = every figure; else national + that region's */
    bool oom;
};

static int deliv_row(void *arg, const struct vx_delivery_rec *r)
{
    struct deliv_ctx *c = arg;
    if (c->region[0] && r->region[0] && strcmp(c->region, r->region) != 0)
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        c->oom = true;
        return 1;
    }
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    add_week(o, "week", r->week);
    cJSON_AddStringToObject(o, "vaccine", r->vaccine);
    cJSON_AddStringToObject(o, "region", r->region);
    cJSON_AddStringToObject(o, "kind", kind_name(r->actual));
    cJSON_AddNumberToObject(o, "doses", (double)r->doses);
    add_time(o, "revised_at", r->revised_at);
    cJSON_AddStringToObject(o, "revised_by", r->revised_by);
    cJSON_AddStringToObject(o, "source", r->source);
    cJSON_AddItemToObject(o, "changes", cJSON_CreateArray());
    cJSON_AddItemToArray(c->arr, o);
    return 0;
}

static cJSON *change_json(const struct vx_delivery_change *r)
{
    cJSON *o = cJSON_CreateObject();
    add_week(o, "week", r->week);
    cJSON_AddStringToObject(o, "vaccine", r->vaccine);
    cJSON_AddStringToObject(o, "region", r->region);
    cJSON_AddStringToObject(o, "kind", kind_name(r->actual));
    if (r->doses_before < 0)
        cJSON_AddNullToObject(o, "before");
    else
        cJSON_AddNumberToObject(o, "before", (double)r->doses_before);
    cJSON_AddNumberToObject(o, "after", (double)r->doses_after);
    add_time(o, "at", r->revised_at);
    cJSON_AddStringToObject(o, "by", r->revised_by);
    cJSON_AddStringToObject(o, "reason", r->reason);
    return o;
}

/* Changes attached to their figure (rows of both lists come in the same key order). */
struct attach_ctx {
    cJSON *figs;
    cJSON *cursor;
};

static int attach_row(void *arg, const struct vx_delivery_change *r)
{
    struct attach_ctx *c = arg;
    cJSON *f = c->cursor ? c->cursor : c->figs->child;
    for (; f; f = f->next)
        if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "id")) == r->delivery_id)
            break;
    if (f == NULL) /* not visible to this caller, or out of order: search from the start */
        for (f = c->figs->child; f; f = f->next)
            if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "id")) == r->delivery_id)
                break;
    if (f == NULL)
        return 0;
    c->cursor = f;
    cJSON_AddItemToArray(cJSON_GetObjectItem(f, "changes"), change_json(r));
    return 0;
}

static int h_deliveries(struct vx_http_req *req)
{
    char vaccine[17], region[3];
    enum vx_status rc;
    if ((rc = vaccine_arg(req, vx_http_req_query(req, "vaccine"), false, vaccine)) != VX_OK ||
        (rc = scope_region(req, NULL, region)) != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    cJSON *out = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(out, "deliveries");
    struct deliv_ctx dc = {arr, region, false};
    rc = st->ops->plan->delivery_foreach(st, vaccine, deliv_row, &dc);
    struct attach_ctx ac = {arr, NULL};
    if (rc == VX_OK && !dc.oom)
        rc = st->ops->plan->delivery_changes(st, vaccine, attach_row, &ac);
    if (rc != VX_OK || dc.oom) {
        cJSON_Delete(out);
        return vx_http_problem(req, dc.oom ? VX_ENOMEM : rc, "deliveries: %s", st->err);
    }
    return vx_http_reply_json(req, 200, out);
}

struct changes_ctx {
    cJSON *arr;
    const char *region;
};

static int changes_row(void *arg, const struct vx_delivery_change *r)
{
    struct changes_ctx *c = arg;
    if (c->region[0] && r->region[0] && strcmp(c->region, r->region) != 0)
        return 0;
    cJSON_AddItemToArray(c->arr, change_json(r));
    return 0;
}

static int h_changes(struct vx_http_req *req)
{
    char vaccine[17], region[3];
    enum vx_status rc;
    if ((rc = vaccine_arg(req, vx_http_req_query(req, "vaccine"), false, vaccine)) != VX_OK ||
        (rc = scope_region(req, NULL, region)) != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    cJSON *out = cJSON_CreateObject();
    struct changes_ctx c = {cJSON_AddArrayToObject(out, "changes"), region};
    if ((rc = st->ops->plan->delivery_changes(st, vaccine, changes_row, &c)) != VX_OK) {
        cJSON_Delete(out);
        return vx_http_problem(req, rc, "delivery changes: %s", st->err);
    }
    return vx_http_reply_json(req, 200, out);
}

static int h_delivery_post(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_delivery_rec r;
    memset(&r, 0, sizeof r);
    enum vx_status rc;
    char vaccine[17];
    if ((rc = week_arg(req, str_field(body, "week"), &r.week)) != VX_OK ||
        (rc = vaccine_arg(req, str_field(body, "vaccine"), true, vaccine)) != VX_OK)
        return rc;
    snprintf(r.vaccine, sizeof r.vaccine, "%s", vaccine);
    const char *kind = str_field(body, "kind");
    if (kind == NULL || (strcmp(kind, "actual") != 0 && strcmp(kind, "forecast") != 0))
        return vx_http_problem_field(req, VX_EINVAL, "kind", "expected forecast or actual");
    r.actual = strcmp(kind, "actual") == 0;
    double d;
    if (!num_field(body, "doses", &d) || d < 0 || d > 1e9 || d != floor(d))
        return vx_http_problem_field(req, VX_EINVAL, "doses", "expected 0..1000000000");
    r.doses = (long long)d;
    const char *region = str_field(body, "region");
    if (s->role == VX_ROLE_REGION_COORD) {
        if (region == NULL || strcmp(region, s->region) != 0)
            return vx_http_problem_field(req, VX_EDENIED, "region",
                                         "a regional coordinator revises its own region's figure "
                                         "only; national figures are the agency's");
    }
    if (region && region[0]) {
        char tmp[3];
        if ((rc = scope_region(req, region, tmp)) != VX_OK)
            return rc;
        snprintf(r.region, sizeof r.region, "%s", tmp);
    }
    r.revised_at = plan_now(req);
    snprintf(r.revised_by, sizeof r.revised_by, "%s", s->user);
    snprintf(r.source, sizeof r.source, "manual");
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    bool changed = false;
    int64_t id = 0;
    const char *reason = str_field(body, "reason");
    if ((rc = st->ops->plan->delivery_put(st, &r, reason, &changed, &id)) != VX_OK)
        return rc == VX_EINVAL
                   ? vx_http_problem_field(req, rc, r.region[0] ? "region" : "vaccine", st->err)
                   : vx_http_problem(req, rc, "delivery: %s", st->err);
    char obj[48], detail[160], wk[16];
    snprintf(obj, sizeof obj, "delivery:%lld", (long long)id);
    snprintf(detail, sizeof detail, "%s %s %s region=%s doses=%lld changed=%d",
             vx_isoweek_format(r.week, wk), r.vaccine, kind, r.region, r.doses, changed);
    audit(req, st, "delivery.revise", obj, detail);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "changed", changed);
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "week", wk);
    cJSON_AddStringToObject(o, "vaccine", r.vaccine);
    cJSON_AddStringToObject(o, "region", r.region);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddNumberToObject(o, "doses", (double)r.doses);
    return vx_http_reply_json(req, changed ? 201 : 200, o);
}

/* ------------------------------------------------------------------ stored plan */

struct plan_row {
    char region[3];
    int64_t site_id;
    char code[32], name[128];
    long long doses, dose1, reserve, allocated;
    char policy[16];
    bool has_quota;
};

struct plan_rows {
    struct plan_row *v;
    size_t n, cap;
    const char *vaccine, *region;
    bool with_sites, oom;
};

static struct plan_row *row_get(struct plan_rows *p, const char *region, int64_t site_id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].site_id == site_id && strcmp(p->v[i].region, region) == 0)
            return &p->v[i];
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        struct plan_row *v = realloc(p->v, cap * sizeof *v);
        if (v == NULL) {
            p->oom = true;
            return NULL;
        }
        p->v = v;
        p->cap = cap;
    }
    struct plan_row *r = &p->v[p->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->region, sizeof r->region, "%s", region);
    r->site_id = site_id;
    return r;
}

static bool row_wanted(const struct plan_rows *p, const char *region, int64_t site_id)
{
    if (p->region[0] && strcmp(p->region, region) != 0)
        return false;
    return site_id == 0 || p->with_sites;
}

static int alloc_row(void *arg, const struct vx_alloc_rec *r)
{
    struct plan_rows *p = arg;
    if (!row_wanted(p, r->region, r->site_id))
        return 0;
    struct plan_row *x = row_get(p, r->region, r->site_id);
    if (x == NULL)
        return 1;
    x->doses = r->doses;
    return 0;
}

static int quota_row(void *arg, const struct vx_quota_rec *q)
{
    struct plan_rows *p = arg;
    if (strcmp(q->vaccine, p->vaccine) != 0 || !row_wanted(p, q->region, q->site_id))
        return 0;
    struct plan_row *x = row_get(p, q->region, q->site_id);
    if (x == NULL)
        return 1;
    x->dose1 = q->dose1;
    x->reserve = q->reserve;
    x->allocated = q->allocated;
    x->has_quota = true;
    snprintf(x->policy, sizeof x->policy, "%s", q->policy);
    return 0;
}

static int site_name_row(void *arg, const struct vx_site_rec *s)
{
    struct plan_rows *p = arg;
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].site_id == s->id) {
            snprintf(p->v[i].code, sizeof p->v[i].code, "%s", s->code);
            snprintf(p->v[i].name, sizeof p->v[i].name, "%s", s->name);
        }
    return 0;
}

static int row_cmp(const void *a, const void *b)
{
    const struct plan_row *x = a, *y = b;
    int c = strcmp(x->region, y->region);
    if (c)
        return c;
    return x->site_id < y->site_id ? -1 : x->site_id > y->site_id;
}

/* The stored plan of week x vaccine (regions; with a region also its sites). */
static enum vx_status load_plan(struct vx_http_req *req, struct vx_store *st,
                                struct vx_isoweek week, const char *vaccine, const char *region,
                                struct plan_rows *p)
{
    memset(p, 0, sizeof *p);
    p->vaccine = vaccine;
    p->region = region;
    p->with_sites = region[0] != '\0';
    enum vx_status rc = st->ops->plan->allocation_foreach(st, &week, vaccine, alloc_row, p);
    if (rc == VX_OK && !p->oom)
        rc = st->ops->plan->quota_foreach(st, &week, quota_row, p);
    if (rc == VX_OK && !p->oom && p->with_sites)
        rc = st->ops->site_foreach(st, region, NULL, site_name_row, p);
    if (p->oom)
        return vx_http_problem(req, VX_ENOMEM, "plan: out of memory");
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "plan: %s", st->err);
    if (p->n)
        qsort(p->v, p->n, sizeof *p->v, row_cmp);
    return VX_OK;
}

/* Query of the plan reads: week and vaccine (required), region (scoped). */
static enum vx_status plan_query(struct vx_http_req *req, struct vx_isoweek *week, char vaccine[17],
                                 char region[3])
{
    enum vx_status rc;
    if ((rc = week_arg(req, vx_http_req_query(req, "week"), week)) != VX_OK ||
        (rc = vaccine_arg(req, vx_http_req_query(req, "vaccine"), true, vaccine)) != VX_OK)
        return rc;
    return scope_region(req, vx_http_req_query(req, "region"), region);
}

static int h_alloc_get(struct vx_http_req *req)
{
    struct vx_isoweek week;
    char vaccine[17], region[3];
    enum vx_status rc = plan_query(req, &week, vaccine, region);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct plan_rows p;
    if ((rc = load_plan(req, st, week, vaccine, region, &p)) != VX_OK)
        return rc;
    cJSON *out = cJSON_CreateObject();
    add_week(out, "week", week);
    cJSON_AddStringToObject(out, "vaccine", vaccine);
    cJSON_AddStringToObject(out, "region", region);
    cJSON *regions = cJSON_AddArrayToObject(out, "regions");
    cJSON *sites = cJSON_AddArrayToObject(out, "sites");
    for (size_t i = 0; i < p.n; i++) {
        const struct plan_row *r = &p.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "region", r->region);
        if (r->site_id) {
            cJSON_AddNumberToObject(o, "site_id", (double)r->site_id);
            cJSON_AddStringToObject(o, "code", r->code);
            cJSON_AddStringToObject(o, "name", r->name);
        }
        cJSON_AddNumberToObject(o, "doses", (double)r->doses);
        cJSON_AddNumberToObject(o, "dose1", (double)r->dose1);
        cJSON_AddNumberToObject(o, "reserve", (double)r->reserve);
        cJSON_AddStringToObject(o, "policy", r->policy);
        cJSON_AddItemToArray(r->site_id ? sites : regions, o);
    }
    free(p.v);
    return vx_http_reply_json(req, 200, out);
}

static enum vx_status plan_csv(const struct plan_rows *p, struct vx_buf *b)
{
    enum vx_status vs = vx_buf_puts(b, "level,region,site_id,site_code,site_name,doses,dose1,"
                                       "reserve,policy\r\n");
    for (size_t i = 0; i < p->n && vs == VX_OK; i++) {
        const struct plan_row *r = &p->v[i];
        /* names may hold commas: quote, doubling quotes */
        char name[260];
        size_t k = 0;
        name[k++] = '"';
        for (const char *c = r->name; *c && k < sizeof name - 3; c++) {
            if (*c == '"')
                name[k++] = '"';
            name[k++] = *c;
        }
        name[k++] = '"';
        name[k] = '\0';
        if (r->site_id)
            vs = vx_buf_printf(b, "site,%s,%lld,%s,%s,%lld,%lld,%lld,%s\r\n", r->region,
                               (long long)r->site_id, r->code, name, r->doses, r->dose1, r->reserve,
                               r->policy);
        else
            vs = vx_buf_printf(b, "region,%s,,,,%lld,%lld,%lld,%s\r\n", r->region, r->doses,
                               r->dose1, r->reserve, r->policy);
    }
    return vs;
}

static int h_alloc_csv(struct vx_http_req *req)
{
    struct vx_isoweek week;
    char vaccine[17], region[3];
    enum vx_status rc = plan_query(req, &week, vaccine, region);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct plan_rows p;
    if ((rc = load_plan(req, st, week, vaccine, region, &p)) != VX_OK)
        return rc;
    struct vx_buf b;
    vx_buf_init(&b, FILE_MAX);
    rc = plan_csv(&p, &b);
    free(p.v);
    if (rc == VX_OK) {
        char wk[16], disp[96];
        snprintf(disp, sizeof disp, "attachment; filename=\"vaxchain-plan-%s-%s.csv\"",
                 vx_isoweek_format(week, wk), vaccine);
        vx_http_set_header(req, "Content-Disposition", disp);
        rc = vx_http_reply_text(req, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
    } else {
        rc = vx_http_problem(req, rc, "export: too large");
    }
    vx_buf_release(&b);
    return rc;
}

/* Write the plan as a workbook at `path`: sheet Regioner (regions) and Mottagningar (sites). */
static enum vx_status plan_xlsx(const struct plan_rows *p, struct vx_isoweek week,
                                const char *vaccine, const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return VX_EIO;
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    char wk[16];
    vx_isoweek_format(week, wk);
    static const char *const head_r[] = {
        "Vecka / week",           "Vaccin", "Region", "Doser / doses", "Dos 1-kvot / dose-1 quota",
        "Reserv dos 2 / reserve", "Policy"};
    static const char *const head_s[] = {
        "Vecka / week",      "Vaccin",        "Region",     "Id",          "Kod / code",
        "Mottagning / site", "Doser / doses", "Dos 1-kvot", "Reserv dos 2"};
    lxw_worksheet *ws[2] = {workbook_add_worksheet(wb, "Regioner"),
                            workbook_add_worksheet(wb, "Mottagningar")};
    for (size_t c = 0; c < VX_ARRAY_LEN(head_r); c++)
        worksheet_write_string(ws[0], 0, (lxw_col_t)c, head_r[c], bold);
    for (size_t c = 0; c < VX_ARRAY_LEN(head_s); c++)
        worksheet_write_string(ws[1], 0, (lxw_col_t)c, head_s[c], bold);
    worksheet_set_column(ws[1], 5, 5, 40, NULL);
    lxw_row_t row[2] = {1, 1};
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_row *r = &p->v[i];
        int s = r->site_id != 0;
        lxw_worksheet *w = ws[s];
        lxw_row_t y = row[s]++;
        lxw_col_t x = 0;
        worksheet_write_string(w, y, x++, wk, NULL);
        worksheet_write_string(w, y, x++, vaccine, NULL);
        worksheet_write_string(w, y, x++, r->region, NULL);
        if (s) {
            worksheet_write_number(w, y, x++, (double)r->site_id, NULL);
            worksheet_write_string(w, y, x++, r->code, NULL);
            worksheet_write_string(w, y, x++, r->name, NULL);
        }
        worksheet_write_number(w, y, x++, (double)r->doses, NULL);
        worksheet_write_number(w, y, x++, (double)r->dose1, NULL);
        worksheet_write_number(w, y, x++, (double)r->reserve, NULL);
        if (!s)
            worksheet_write_string(w, y, x++, r->policy, NULL);
    }
    return workbook_close(wb) == LXW_NO_ERROR ? VX_OK : VX_EIO;
}

static int h_alloc_xlsx(struct vx_http_req *req)
{
    struct vx_isoweek week;
    char vaccine[17], region[3];
    enum vx_status rc = plan_query(req, &week, vaccine, region);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct plan_rows p;
    if ((rc = load_plan(req, st, week, vaccine, region, &p)) != VX_OK)
        return rc;
    /* libxlsxwriter writes files only: a private temporary file, read back, removed */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/vaxchain-plan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        free(p.v);
        return vx_http_problem(req, VX_EIO, "export: no temporary file");
    }
    close(fd);
    rc = plan_xlsx(&p, week, vaccine, path);
    free(p.v);
    struct vx_buf b;
    vx_buf_init(&b, FILE_MAX);
    FILE *f = rc == VX_OK ? fopen(path, "rb") : NULL;
    if (rc == VX_OK && f == NULL)
        rc = VX_EIO;
    char chunk[65536];
    size_t n;
    while (f && rc == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = vx_buf_append(&b, chunk, n);
    if (f)
        fclose(f);
    unlink(path);
    if (rc == VX_OK) {
        char wk[16], disp[96];
        snprintf(disp, sizeof disp, "attachment; filename=\"vaxchain-plan-%s-%s.xlsx\"",
                 vx_isoweek_format(week, wk), vaccine);
        vx_http_set_header(req, "Content-Disposition", disp);
        rc = vx_http_reply_text(req, 200,
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                b.data ? b.data : "", b.len);
    } else {
        rc = vx_http_problem(req, rc, "export: the workbook could not be written");
    }
    vx_buf_release(&b);
    return rc;
}

/* ------------------------------------------------------------------ planning */

static cJSON *alloc_json(const struct vx_plan_alloc_result *r, const char *region)
{
    cJSON *o = cJSON_CreateObject();
    add_week(o, "week", r->week);
    cJSON_AddStringToObject(o, "vaccine", r->vaccine);
    cJSON_AddNumberToObject(o, "national", (double)r->national);
    cJSON_AddBoolToObject(o, "forecast", r->forecast);
    cJSON_AddNumberToObject(o, "scale", r->scale);
    cJSON_AddNumberToObject(o, "package", (double)r->package);
    cJSON_AddNumberToObject(o, "vial", (double)r->vial);
    cJSON_AddNumberToObject(o, "carry", (double)r->carry);
    cJSON_AddStringToObject(o, "policy", vx_plan_policy_name(r->policy));
    cJSON *regions = cJSON_AddArrayToObject(o, "regions");
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct vx_plan_region_alloc *a = &r->regions[i];
        if (region[0] && strcmp(region, a->region) != 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "region", a->region);
        cJSON_AddNumberToObject(x, "weight", (double)a->weight);
        cJSON_AddNumberToObject(x, "exact", a->exact);
        cJSON_AddNumberToObject(x, "doses", (double)a->doses);
        cJSON_AddNumberToObject(x, "capacity", (double)a->capacity);
        cJSON_AddNumberToObject(x, "booked", (double)a->booked);
        cJSON_AddNumberToObject(x, "stock", (double)a->stock);
        cJSON_AddNumberToObject(x, "dose1", (double)a->dose1);
        cJSON_AddNumberToObject(x, "dose2", (double)a->dose2);
        cJSON_AddNumberToObject(x, "reserve", (double)a->reserve);
        cJSON_AddNumberToObject(x, "sites_sum", (double)a->sites_sum);
        cJSON_AddItemToArray(regions, x);
    }
    cJSON *sites = cJSON_AddArrayToObject(o, "sites");
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct vx_plan_site_alloc *s = &r->sites[i];
        if (region[0] && strcmp(region, s->region) != 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "site_id", (double)s->site_id);
        cJSON_AddStringToObject(x, "region", s->region);
        cJSON_AddStringToObject(x, "code", s->code);
        cJSON_AddStringToObject(x, "name", s->name);
        cJSON_AddNumberToObject(x, "capacity", (double)s->capacity);
        cJSON_AddNumberToObject(x, "booked", (double)s->booked);
        cJSON_AddNumberToObject(x, "doses", (double)s->doses);
        cJSON_AddNumberToObject(x, "dose1", (double)s->dose1);
        cJSON_AddNumberToObject(x, "reserve", (double)s->reserve);
        if (r->sync.via_sink)
            cJSON_AddBoolToObject(x, "supply_synced", s->synced == VX_OK);
        cJSON_AddItemToArray(sites, x);
    }
    return o;
}

/* Options of POST /allocations and /plans/replan from the body. */
static enum vx_status body_opts(struct vx_http_req *req, const cJSON *body,
                                struct vx_plan_db_opts *o)
{
    vx_plan_db_opts_init(o);
    enum vx_status rc;
    char vaccine[17];
    if ((rc = week_arg(req, str_field(body, "week"), &o->week)) != VX_OK ||
        (rc = vaccine_arg(req, str_field(body, "vaccine"), true, vaccine)) != VX_OK)
        return rc;
    snprintf(o->vaccine, sizeof o->vaccine, "%s", vaccine);
    const char *basis = str_field(body, "basis");
    if (basis) {
        int lo, hi;
        struct vx_err err = {0};
        if (strcmp(basis, "age80") != 0 && vx_alloc_basis_parse(basis, &lo, &hi, &err) != VX_OK)
            return vx_http_problem_field(req, VX_EINVAL, "basis",
                                         "expected adult, age80 or age:LO-[HI]");
        snprintf(o->basis, sizeof o->basis, "%s", basis);
    }
    const char *pol = str_field(body, "policy");
    struct vx_err err = {0};
    if (pol && vx_plan_policy_parse(pol, &o->policy, &err) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "policy",
                                     "expected hold-all, hold-none, forecast or perfect");
    double d;
    if (num_field(body, "scale", &d))
        o->scale = d;
    if (num_field(body, "safety", &d))
        o->safety = d;
    const struct vx_catalog *cat = vx_http_req_catalog(req);
    const struct vx_product *p = cat ? vx_catalog_find(cat, o->vaccine) : NULL;
    if (num_field(body, "package", &d) && p)
        o->package = (long long)d * vx_product_doses_per_vial(
                                        p, vx_isoweek_monday(o->week.year, o->week.week), true);
    o->dry_run = bool_field(body, "dry_run");
    o->now = plan_now(req);
    const struct vx_session *s = vx_http_req_session(req);
    snprintf(o->who, sizeof o->who, "%s", s->user);
    snprintf(o->role, sizeof o->role, "%s", vx_role_code(s->role));
    return VX_OK;
}

/* A library error as problem+json: "field: reason" messages name their field. */
static enum vx_status lib_problem(struct vx_http_req *req, enum vx_status vs,
                                  const struct vx_err *err)
{
    static const char *const fields[] = {"week", "vaccine", "basis", "policy", "doses", "region"};
    for (size_t i = 0; i < VX_ARRAY_LEN(fields); i++) {
        size_t n = strlen(fields[i]);
        if (strncmp(err->msg, fields[i], n) == 0 && err->msg[n] == ':')
            return vx_http_problem_field(req, vs, fields[i], err->msg + n + 2);
    }
    return vx_http_problem(req, vs, "%s", err->msg);
}

static int h_alloc_post(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_plan_db_opts o;
    enum vx_status rc = body_opts(req, body, &o);
    if (rc != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct eng_sink k;
    struct vx_plan_sink sk;
    use_engine(req, st, &k, &sk, &o);
    struct vx_plan_alloc_result r;
    struct vx_err err = {0};
    if ((rc = vx_plan_db_allocate(st, vx_http_req_catalog(req), &o, &r, &err)) != VX_OK)
        return lib_problem(req, rc, &err);
    if (!o.dry_run) {
        char obj[48], detail[200], wk[16];
        snprintf(obj, sizeof obj, "plan:%s:%s", vx_isoweek_format(o.week, wk), o.vaccine);
        snprintf(detail, sizeof detail,
                 "national %lld doses, policy %s, basis %s; supply via %s: %lld set, %lld "
                 "failed",
                 r.national, vx_plan_policy_name(o.policy), o.basis,
                 r.sync.via_sink ? "engine" : "store", r.sync.supply_set, r.sync.supply_failed);
        audit(req, st, "plan.allocate", obj, detail);
    }
    cJSON *out = alloc_json(&r, "");
    cJSON_AddBoolToObject(out, "stored", !o.dry_run);
    cJSON_AddItemToObject(out, "sync", sync_json(&r.sync, false));
    vx_plan_alloc_result_free(&r);
    return vx_http_reply_json(req, o.dry_run ? 200 : 201, out);
}

static int h_replan(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_plan_db_opts o;
    enum vx_status rc = body_opts(req, body, &o);
    if (rc != VX_OK)
        return rc;
    double d;
    if (!num_field(body, "doses", &d) || d < 0 || d > 1e9 || d != floor(d))
        return vx_http_problem_field(req, VX_EINVAL, "doses", "expected 0..1000000000");
    const char *kind = str_field(body, "kind");
    if (kind && strcmp(kind, "actual") != 0 && strcmp(kind, "forecast") != 0)
        return vx_http_problem_field(req, VX_EINVAL, "kind", "expected forecast or actual");
    o.actual = kind == NULL || strcmp(kind, "actual") == 0;
    const char *region = str_field(body, "region");
    if (s->role == VX_ROLE_REGION_COORD && (region == NULL || region[0] == '\0'))
        return vx_http_problem_field(req, VX_EDENIED, "region",
                                     "a regional coordinator re-plans its own region's "
                                     "allocation; national figures are the agency's");
    if (region && region[0] && (rc = scope_region(req, region, o.region)) != VX_OK)
        return rc;
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct eng_sink k;
    struct vx_plan_sink sk;
    use_engine(req, st, &k, &sk, &o);
    struct vx_plan_replan_db_result r;
    struct vx_err err = {0};
    if ((rc = vx_plan_db_replan(st, vx_http_req_catalog(req), &o, (long long)d,
                                str_field(body, "reason"), &r, &err)) != VX_OK)
        return lib_problem(req, rc, &err);
    char wk[16];
    vx_isoweek_format(o.week, wk);
    if (!o.dry_run) {
        char obj[48], detail[256];
        snprintf(obj, sizeof obj, "plan:%s:%s", wk, o.vaccine);
        snprintf(detail, sizeof detail,
                 "replan region=%s %lld -> %lld: closed %lld, cancelled %lld, moved %lld; via "
                 "%s: %lld cancelled, %lld skipped, %lld failed, %lld supply failed",
                 o.region, r.doses_before, r.doses_after, r.totals.closed_slots, r.totals.cancelled,
                 r.totals.moved, r.sync.via_sink ? "engine" : "store",
                 r.sync.via_sink ? r.sync.cancelled : (long long)r.n_cancels, r.sync.cancel_skipped,
                 r.sync.cancel_failed, r.sync.supply_failed);
        audit(req, st, "plan.replan", obj, detail);
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "week", wk);
    cJSON_AddStringToObject(out, "vaccine", o.vaccine);
    cJSON_AddStringToObject(out, "region", o.region);
    cJSON_AddStringToObject(out, "kind", kind_name(o.actual));
    if (r.doses_before < 0)
        cJSON_AddNullToObject(out, "doses_before");
    else
        cJSON_AddNumberToObject(out, "doses_before", (double)r.doses_before);
    cJSON_AddNumberToObject(out, "doses_after", (double)r.doses_after);
    cJSON_AddBoolToObject(out, "applied", !o.dry_run);
    cJSON *t = cJSON_AddObjectToObject(out, "totals");
    cJSON_AddNumberToObject(t, "closed_slots", (double)r.totals.closed_slots);
    cJSON_AddNumberToObject(t, "cancelled", (double)r.totals.cancelled);
    cJSON_AddNumberToObject(t, "moved", (double)r.totals.moved);
    cJSON_AddNumberToObject(t, "uncovered2", (double)r.totals.uncovered2);
    cJSON *ch = cJSON_AddArrayToObject(out, "changes");
    for (size_t i = 0; i < r.n_changes; i++) {
        const struct vx_plan_change *c = &r.changes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "site_id", (double)c->site_id);
        for (size_t j = 0; j < r.alloc.n_sites; j++)
            if (r.alloc.sites[j].site_id == c->site_id) {
                cJSON_AddStringToObject(x, "code", r.alloc.sites[j].code);
                cJSON_AddStringToObject(x, "name", r.alloc.sites[j].name);
                break;
            }
        cJSON_AddStringToObject(x, "region", c->region);
        add_week(x, "week", c->week);
        cJSON_AddNumberToObject(x, "supply_before", (double)c->supply_before);
        cJSON_AddNumberToObject(x, "supply_after", (double)c->supply_after);
        cJSON_AddNumberToObject(x, "close_unreleased", (double)c->close_unreleased);
        cJSON_AddNumberToObject(x, "close_open", (double)c->close_open);
        cJSON_AddNumberToObject(x, "cancel1", (double)c->cancel1);
        if (c->moved)
            add_week(x, "moved_to", c->moved_to);
        else
            cJSON_AddNullToObject(x, "moved_to");
        cJSON_AddNumberToObject(x, "short2", (double)c->short2);
        cJSON_AddItemToArray(ch, x);
    }
    cJSON *ca = cJSON_AddArrayToObject(out, "cancels");
    for (size_t i = 0; i < r.n_cancels; i++) {
        const struct vx_plan_cancel *c = &r.cancels[i];
        cJSON *x = cJSON_CreateObject();
        char day[16];
        cJSON_AddNumberToObject(x, "booking_id", (double)c->booking_id);
        cJSON_AddNumberToObject(x, "dose2_booking_id", (double)c->pair_id);
        cJSON_AddNumberToObject(x, "site_id", (double)c->site_id);
        cJSON_AddStringToObject(x, "day", vx_day_format(c->day, day));
        if (c->proposed)
            add_week(x, "proposed_week", c->proposed_week);
        else
            cJSON_AddNullToObject(x, "proposed_week");
        if (r.sync.via_sink)
            cJSON_AddStringToObject(x, "state", cancel_state(c->synced));
        else
            cJSON_AddStringToObject(x, "state", o.dry_run ? "proposed" : "cancelled");
        cJSON_AddItemToArray(ca, x);
    }
    cJSON_AddItemToObject(out, "alloc", alloc_json(&r.alloc, o.region));
    cJSON_AddItemToObject(out, "sync", sync_json(&r.sync, true));
    vx_plan_replan_db_result_free(&r);
    return vx_http_reply_json(req, 200, out);
}

/* ------------------------------------------------------------------ projection */

static int h_projection(struct vx_http_req *req)
{
    char region[3];
    enum vx_status rc = scope_region(req, vx_http_req_query(req, "region"), region);
    if (rc != VX_OK)
        return rc;
    enum vx_plan_policy pol = VX_PLAN_FORECAST;
    struct vx_err err = {0};
    const char *ps = vx_http_req_query(req, "policy");
    if (ps && vx_plan_policy_parse(ps, &pol, &err) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "policy",
                                     "expected hold-all, hold-none, forecast or perfect");
    static const struct {
        const char *name;
        double def, lo, hi;
    } nums[] = {{"runs", 50, 1, MAX_RUNS},
                {"seed", 1, 0, 2147483647.0},
                {"cv", 0.25, 0, 2},
                {"scale", 0, 0, 1}};
    double v[VX_ARRAY_LEN(nums)];
    for (size_t i = 0; i < VX_ARRAY_LEN(nums); i++) {
        const char *q = vx_http_req_query(req, nums[i].name);
        v[i] = nums[i].def;
        if (q == NULL)
            continue;
        char *end;
        v[i] = strtod(q, &end);
        if (end == q || *end != '\0' || !(v[i] >= nums[i].lo && v[i] <= nums[i].hi))
            return vx_http_problem_field(req, VX_EINVAL, nums[i].name, "out of range");
    }
    struct vx_store *st;
    if ((rc = store_of(req, &st)) != VX_OK)
        return rc;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_projection *pr = calloc(1, sizeof *pr);
    if (s == NULL || pr == NULL) {
        free(s);
        free(pr);
        return vx_http_problem(req, VX_ENOMEM, "projection: out of memory");
    }
    rc = vx_plan_db_scenario(st, vx_http_req_catalog(req), region, vx_http_req_today(req), v[3], s,
                             &err);
    if (rc == VX_OK)
        rc = vx_plan_project(s, pol, 0, v[2], (int)v[0], (uint64_t)v[1], pr, &err);
    if (rc != VX_OK) {
        free(s);
        free(pr);
        return lib_problem(req, rc, &err);
    }
    long long adults = 0;
    for (size_t r = 0; r < s->n_regions; r++)
        for (int g = 0; g < VX_PLAN_GROUPS; g++)
            adults += s->regions[r].people[g];
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "region", region);
    cJSON_AddStringToObject(out, "policy", vx_plan_policy_name(pol));
    cJSON_AddNumberToObject(out, "runs", pr->runs);
    cJSON_AddNumberToObject(out, "seed", v[1]);
    cJSON_AddNumberToObject(out, "cv", v[2]);
    cJSON_AddNumberToObject(out, "adults", (double)adults);
    static const char *const gnames[VX_PLAN_GROUPS] = {"80+", "65-79", "18-64"};
    cJSON *groups = cJSON_AddArrayToObject(out, "groups");
    for (int g = 0; g < VX_PLAN_GROUPS; g++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "group", gnames[g]);
        cJSON_AddNumberToObject(x, "people", (double)pr->group_people[g]);
        cJSON_AddItemToArray(groups, x);
    }
    cJSON *weeks = cJSON_AddArrayToObject(out, "weeks");
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    double den = adults > 0 ? (double)adults : 1.0;
    for (int t = 0; t < pr->n_weeks; t++) {
        cJSON *x = cJSON_CreateObject();
        add_week(x, "week", vx_isoweek_of(monday0 + 7 * t));
        static const char *const d1[3] = {"dose1_p10", "dose1_p50", "dose1_p90"};
        static const char *const fv[3] = {"full_p10", "full_p50", "full_p90"};
        for (int p = 0; p < 3; p++) {
            cJSON_AddNumberToObject(x, d1[p], round(pr->dose1[p][t] / den * 1e4) / 1e4);
            cJSON_AddNumberToObject(x, fv[p], round(pr->full[p][t] / den * 1e4) / 1e4);
        }
        cJSON *gs = cJSON_AddArrayToObject(x, "group_dose1_p50");
        for (int g = 0; g < VX_PLAN_GROUPS; g++)
            cJSON_AddItemToArray(gs, cJSON_CreateNumber(round(pr->group_p50[g][t] * 1e4) / 1e4));
        cJSON_AddItemToArray(weeks, x);
    }
    free(s);
    free(pr);
    return vx_http_reply_json(req, 200, out);
}

/* ------------------------------------------------------------------ routes */

#define PLAN_QUERY                                                                                 \
    {                                                                                              \
        {"week",       VX_JSON_STRING,     .required = true,                                       \
         .max_len = 8, .desc = "ISO week", .example = "\"2021-W10\""},                             \
            {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16, .example = "\"COM\""},    \
        {                                                                                          \
            "region", VX_JSON_STRING, .max_len = 2, .desc = "county code (regional: own)"          \
        }                                                                                          \
    }

static const struct vx_route plan_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/deliveries",
        .handler = h_deliveries,
        .roles = NATIONAL | REGION | AUDITOR,
        .tag = "supply",
        .summary = "Delivery figures per week, vaccine and kind with every change",
        .query = {{"vaccine", VX_JSON_STRING, .max_len = 16, .desc = "only this vaccine"}},
        .response = "{deliveries: [{id, week, vaccine, region, kind, doses, revised_at, "
                    "revised_by, source, changes: [{before, after, at, by, reason}]}]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/deliveries",
        .handler = h_delivery_post,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "Enter or revise a delivery figure (old -> new kept)",
        .description = "National figures: national only. A regional coordinator revises its "
                       "own region's figure (region required).",
        .body = {{"week", VX_JSON_STRING, .required = true, .max_len = 8,
                  .example = "\"2021-W03\""},
                 {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16},
                 {"kind", VX_JSON_STRING, .required = true, .max_len = 8,
                  .desc = "forecast or actual"},
                 {"doses", VX_JSON_INTEGER, .required = true, .min = 0, .max = 1e9},
                 {"region", VX_JSON_STRING, .max_len = 2, .desc = "county code; none = national"},
                 {"reason", VX_JSON_STRING, .max_len = 120}},
        .success = 201,
        .response = "{changed, id, week, vaccine, region, kind, doses} (200 when unchanged)",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/deliveries/changes",
        .handler = h_changes,
        .roles = NATIONAL | REGION | AUDITOR,
        .tag = "supply",
        .summary = "Every change of the delivery figures (old -> new, who, when, why)",
        .query = {{"vaccine", VX_JSON_STRING, .max_len = 16}},
        .response = "{changes: [{week, vaccine, region, kind, before, after, at, by, reason}]}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/allocations",
        .handler = h_alloc_get,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "The stored plan of a week: regions, and with a region its sites",
        .query = PLAN_QUERY,
        .response = "{week, vaccine, region, regions: [{region, doses, dose1, reserve, policy}], "
                    "sites: [{region, site_id, code, name, doses, dose1, reserve}]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/allocations",
        .handler = h_alloc_post,
        .roles = NATIONAL,
        .tag = "supply",
        .summary = "Allocate a week: nation -> regions -> sites, dose-1 quotas; stored",
        .body = {{"week", VX_JSON_STRING, .required = true, .max_len = 8},
                 {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16},
                 {"basis", VX_JSON_STRING, .max_len = 20, .desc = "adult, age80, age:LO-[HI]"},
                 {"policy", VX_JSON_STRING, .max_len = 12,
                  .desc = "hold-all, hold-none, forecast (default), perfect"},
                 {"safety", VX_JSON_NUMBER, .min = 0, .max = 1},
                 {"package", VX_JSON_INTEGER, .min = 0, .max = 100000, .desc = "vials"},
                 {"scale", VX_JSON_NUMBER, .min = 0, .max = 1000,
                  .desc = "factor on national figures (0 = DB adults / Sweden's)"},
                 {"dry_run", VX_JSON_BOOLEAN}},
        .success = 201,
        .response = "{week, vaccine, national, forecast, package, vial, carry, policy, "
                    "regions: [...], sites: [...], stored, sync: {via, complete, supply_set, "
                    "supply_unchanged, supply_failed, error}}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/allocations.csv",
        .handler = h_alloc_csv,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "The stored plan of a week as CSV",
        .query = PLAN_QUERY,
        .response = "text/csv: level,region,site_id,site_code,site_name,doses,dose1,reserve,policy",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/allocations.xlsx",
        .handler = h_alloc_xlsx,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "The stored plan of a week as an XLSX workbook",
        .query = PLAN_QUERY,
        .response = "XLSX: sheets Regioner and Mottagningar",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/plans/replan",
        .handler = h_replan,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "Re-plan after a delivery change: preview (dry_run) or apply",
        .body = {{"week", VX_JSON_STRING, .required = true, .max_len = 8},
                 {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16},
                 {"doses", VX_JSON_INTEGER, .required = true, .min = 0, .max = 1e9,
                  .desc = "the new figure"},
                 {"kind", VX_JSON_STRING, .max_len = 8, .desc = "actual (default) or forecast"},
                 {"region", VX_JSON_STRING, .max_len = 2,
                  .desc = "the region's own allocation changed (regional: required)"},
                 {"reason", VX_JSON_STRING, .max_len = 120},
                 {"policy", VX_JSON_STRING, .max_len = 12},
                 {"basis", VX_JSON_STRING, .max_len = 20},
                 {"safety", VX_JSON_NUMBER, .min = 0, .max = 1},
                 {"package", VX_JSON_INTEGER, .min = 0, .max = 100000, .desc = "vials"},
                 {"scale", VX_JSON_NUMBER, .min = 0, .max = 1000},
                 {"dry_run", VX_JSON_BOOLEAN, .desc = "preview: nothing is stored"}},
        .response = "{week, vaccine, region, doses_before, doses_after, applied, totals: "
                    "{closed_slots, cancelled, moved, uncovered2}, changes: [...], cancels: "
                    "[{booking_id, dose2_booking_id, site_id, day, proposed_week, state}], "
                    "alloc, sync: {via, complete, supply_set, supply_unchanged, supply_failed, "
                    "cancelled, cancel_skipped, cancel_failed, error}}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/projections",
        .handler = h_projection,
        .roles = NATIONAL | REGION,
        .tag = "supply",
        .summary = "Monte-Carlo coverage projection (P10/P50/P90) over the stored deliveries",
        .query = {{"region", VX_JSON_STRING, .max_len = 2},
                  {"policy", VX_JSON_STRING, .max_len = 12},
                  {"runs", VX_JSON_INTEGER, .min = 1, .max = MAX_RUNS},
                  {"seed", VX_JSON_INTEGER, .min = 0, .max = 2147483647.0},
                  {"cv", VX_JSON_NUMBER, .min = 0, .max = 2},
                  {"scale", VX_JSON_NUMBER, .min = 0, .max = 1}},
        .response = "{region, policy, runs, seed, cv, adults, groups, weeks: [{week, "
                    "dose1_p10, dose1_p50, dose1_p90, full_p10, full_p50, full_p90, "
                    "group_dose1_p50}]}",
    },
};

const struct vx_http_module vx_plan_http_module = {
    .name = "plan",
    .routes = plan_routes,
    .n_routes = VX_ARRAY_LEN(plan_routes),
};
