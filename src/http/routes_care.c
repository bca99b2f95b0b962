/*
 * routes_care.c — the care API (docs/api-care.md) on the care library
 * (include/vx/care.h): check-in, doses, stock, vials, wastage, standby list.
 *
 * Every handler is thin: it reads the session, checks the scope of the site, dose
 * or person it touches, turns the JSON body into the library's input struct,
 * runs one care action on the request's store handle (each action is one
 * transaction of its own: these writes are staff-paced, a few per minute per
 * site, so they do not need the booking engine's group commit), and turns the
 * result into JSON. A refusal of the care rules becomes problem+json with the
 * reason's status, `errors[0].field` naming the field, and detail/reason
 * "<code>: <message>" in the request's language.
 *
 * Scope (deny by default; the route table lists the roles, these checks the
 * object): vaccinators and site coordinators act only at the site of their session
 * (session.site = site code), regional coordinators at sites of their region,
 * municipal nurses only for doses and vials without a site in their municipality
 * and for residents of it; citizens only for themselves. Reads of person data
 * (the day list, a dose, standby candidates) are audited per person.
 *
 * Time: as in the booking module, `serve --date D` pins the day to D at the current
 * wall-clock time of day; the care actions get that as their "now".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/care.h"
#include "vx/care_http.h"
#include "vx/catalog.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define MAX_LIST 2000 /* rows of one list reply */

struct ch {
    const struct vx_catalog *cat;
    const struct vx_elig_table *rules;
    vx_day fixed_today;
};

/* ------------------------------------------------------------------ basics */

static vx_time ch_now(const struct ch *ch)
{
    vx_time t = (vx_time)time(NULL);
    if (!ch->fixed_today)
        return t;
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    vx_time out;
    if (vx_stockholm_to_utc(ch->fixed_today, minute, &out, NULL) != VX_OK &&
        vx_stockholm_to_utc(ch->fixed_today, minute + 60, &out, NULL) != VX_OK)
        out = t;
    return out + t % 60;
}

static vx_day local_day(vx_time t)
{
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    return d;
}

static const char *str_field(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t int_field(const cJSON *body, const char *name, int64_t def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static int64_t path_id(struct vx_http_req *req)
{
    const char *p = vx_http_req_param(req, "id");
    char *end = NULL;
    long long v = p ? strtoll(p, &end, 10) : 0;
    return end && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

static void add_time(cJSON *o, const char *name, vx_time t)
{
    char buf[32];
    if (t > 0)
        cJSON_AddStringToObject(o, name, vx_time_format_local(t, buf));
    else
        cJSON_AddNullToObject(o, name);
}

static void add_day(cJSON *o, const char *name, vx_day d)
{
    char buf[11];
    cJSON_AddStringToObject(o, name, vx_day_format(d, buf));
}

static void add_id(cJSON *o, const char *name, int64_t id)
{
    if (id)
        cJSON_AddNumberToObject(o, name, (double)id);
    else
        cJSON_AddNullToObject(o, name);
}

/* An RFC 3339 field (absent: def). */
static enum vx_status time_field(struct vx_http_req *req, const cJSON *body, const char *name,
                                 vx_time def, vx_time *out)
{
    const char *s = str_field(body, name);
    *out = def;
    if (!s)
        return VX_OK;
    if (vx_time_parse(s, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, name,
                                     "expected RFC 3339, e.g. 2021-03-08T09:15:00+01:00");
    return VX_OK;
}

/* The env of a care action for this request (store from the pool). */
static enum vx_status env_of(struct vx_http_req *req, struct vx_care_env *env)
{
    struct ch *ch = vx_http_req_udata(req);
    const struct vx_session *s = vx_http_req_session(req);
    memset(env, 0, sizeof *env);
    if (!ch->cat)
        return vx_http_problem(req, VX_EBUSY, "the server has no vaccine catalogue");
    if (vx_http_req_store(req, &env->st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "no database handle");
    env->cat = ch->cat;
    env->rules = ch->rules;
    env->now = ch_now(ch);
    env->user = s ? s->user : "";
    env->role = s ? vx_role_code(s->role) : "";
    return VX_OK;
}

/* A refusal of the care rules as problem+json. */
static int refuse(struct vx_http_req *req, const struct vx_care_result *res)
{
    const char *msg = vx_care_msg(res, vx_http_req_lang(req));
    char why[VX_CARE_MSG_MAX + 40];
    snprintf(why, sizeof why, "%s: %s", res->code, msg);
    vx_http_problem(req, res->status, "%s", why);
    return vx_http_problem_field(req, res->status, res->field[0] ? res->field : "body", why);
}

/* ------------------------------------------------------------------ scope */

static bool is_site_role(const struct vx_session *s)
{
    return s->role == VX_ROLE_VACCINATOR || s->role == VX_ROLE_SITE_COORD;
}

static bool site_allowed(const struct vx_session *s, const struct vx_site_rec *site)
{
    if (is_site_role(s))
        return strcmp(s->site, site->code) == 0;
    if (s->role == VX_ROLE_REGION_COORD)
        return strcmp(s->region, site->region) == 0;
    return false;
}

/* Site `id` must exist (404) and be in the session's scope (403). */
static enum vx_status site_scope(struct vx_http_req *req, struct vx_store *st, int64_t id,
                                 const char *field, struct vx_site_rec *out)
{
    if (!id || st->ops->care->site_get_id(st, id, out) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, field, "no such site");
    if (!site_allowed(vx_http_req_session(req), out))
        return vx_http_problem_field(req, VX_EDENIED, field, "site outside your scope");
    return VX_OK;
}

/* A place for a vial or dose: a site in scope, or (municipal nurse) site 0 and the
 * session's kommun. */
static enum vx_status place_scope(struct vx_http_req *req, struct vx_store *st, int64_t *site_id,
                                  char *kommun, size_t klen)
{
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_site_rec site;
    if (s->role == VX_ROLE_MUNI_NURSE) {
        if (*site_id)
            return vx_http_problem_field(req, VX_EDENIED, "site",
                                         "municipal nurses record doses without a site");
        if (kommun[0] && strcmp(kommun, s->kommun) != 0)
            return vx_http_problem_field(req, VX_EDENIED, "kommun",
                                         "municipality outside your scope");
        copy(kommun, klen, s->kommun);
        return VX_OK;
    }
    kommun[0] = '\0';
    if (!*site_id && is_site_role(s)) { /* default: the session's site */
        if (st->ops->site_get(st, s->site, &site) != VX_OK)
            return vx_http_problem_field(req, VX_ENOTFOUND, "site", "no such site");
        *site_id = site.id;
    }
    return site_scope(req, st, *site_id, "site", &site);
}

/* May the session act on dose d? */
static enum vx_status dose_scope(struct vx_http_req *req, struct vx_store *st,
                                 const struct vx_dose_rec *d)
{
    const struct vx_session *s = vx_http_req_session(req);
    if (d->site_id) {
        struct vx_site_rec site;
        if (st->ops->care->site_get_id(st, d->site_id, &site) == VX_OK && site_allowed(s, &site))
            return VX_OK;
    } else if (s->role == VX_ROLE_MUNI_NURSE && strcmp(s->kommun, d->kommun) == 0) {
        return VX_OK;
    } else if (s->role == VX_ROLE_REGION_COORD && strcmp(s->region, d->region) == 0) {
        return VX_OK;
    }
    return vx_http_problem_field(req, VX_EDENIED, "id", "dose outside your scope");
}

static enum vx_status load_dose(struct vx_http_req *req, struct vx_store *st, struct vx_dose_rec *d)
{
    int64_t id = path_id(req);
    if (!id || st->ops->care->dose_get(st, id, d) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such dose");
    return dose_scope(req, st, d);
}

/* ------------------------------------------------------------------ JSON of records */

static cJSON *site_obj(const struct vx_site_rec *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddStringToObject(o, "code", s->code);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "region", s->region);
    cJSON_AddStringToObject(o, "kommun", s->kommun);
    return o;
}

static cJSON *dose_obj(const struct vx_dose_rec *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)d->id);
    cJSON_AddNumberToObject(o, "person_id", (double)d->person_id);
    cJSON_AddStringToObject(o, "region", d->region);
    cJSON_AddStringToObject(o, "vaccine", d->vaccine);
    add_id(o, "lot", d->lot_id);
    cJSON_AddStringToObject(o, "lot_number", d->lot_number);
    add_id(o, "vial", d->vial_id);
    cJSON_AddNumberToObject(o, "dose_number", d->dose_number);
    add_time(o, "given_at", d->given_at);
    add_id(o, "site", d->site_id);
    if (d->kommun[0])
        cJSON_AddStringToObject(o, "kommun", d->kommun);
    else
        cJSON_AddNullToObject(o, "kommun");
    add_id(o, "booking", d->booking_id);
    cJSON_AddStringToObject(o, "vaccinator", d->vaccinator);
    cJSON_AddStringToObject(o, "injection_site", d->injection_site);
    cJSON_AddStringToObject(o, "status", d->voided ? "voided" : "valid");
    cJSON_AddNumberToObject(o, "version", d->version);
    cJSON_AddStringToObject(o, "void_reason", d->void_reason);
    cJSON_AddStringToObject(o, "source", d->source);
    return o;
}

static cJSON *vial_obj(const struct vx_vial_rec *v, vx_time now)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)v->id);
    add_id(o, "site", v->site_id);
    if (v->kommun[0])
        cJSON_AddStringToObject(o, "kommun", v->kommun);
    cJSON_AddNumberToObject(o, "lot", (double)v->lot_id);
    cJSON_AddStringToObject(o, "lot_number", v->lot_number);
    cJSON_AddStringToObject(o, "vaccine", v->vaccine);
    add_time(o, "opened_at", v->opened_at);
    add_time(o, "usable_until", v->usable_until);
    vx_time left = v->status == VX_VIAL_OPEN && v->usable_until > now ? v->usable_until - now : 0;
    cJSON_AddNumberToObject(o, "seconds_left", (double)left);
    cJSON_AddNumberToObject(o, "nominal", v->nominal);
    cJSON_AddNumberToObject(o, "max_doses", v->max_doses);
    cJSON_AddNumberToObject(o, "drawn", v->drawn);
    cJSON_AddNumberToObject(o, "wasted", v->wasted);
    int draws = v->max_doses - v->drawn - v->wasted;
    cJSON_AddNumberToObject(o, "left", draws > 0 ? draws : 0);
    cJSON_AddStringToObject(o, "status", vx_vial_status_code(v->status));
    add_time(o, "closed_at", v->closed_at);
    return o;
}

static cJSON *offer_obj(const struct vx_offer_rec *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)x->id);
    cJSON_AddNumberToObject(o, "person_id", (double)x->person_id);
    cJSON_AddNumberToObject(o, "vial", (double)x->vial_id);
    add_id(o, "site", x->site_id);
    cJSON_AddStringToObject(o, "vaccine", x->vaccine);
    cJSON_AddNumberToObject(o, "dose_number", x->dose_number);
    add_time(o, "offered_at", x->offered_at);
    add_time(o, "expires_at", x->expires_at);
    cJSON_AddStringToObject(o, "status", vx_offer_status_code(x->status));
    add_time(o, "answered_at", x->answered_at);
    add_id(o, "dose", x->dose_id);
    return o;
}

static cJSON *transfer_obj(struct vx_store *st, const struct vx_transfer_rec *t)
{
    cJSON *o = cJSON_CreateObject();
    struct vx_lot_rec l;
    cJSON_AddNumberToObject(o, "id", (double)t->id);
    cJSON_AddNumberToObject(o, "lot", (double)t->lot_id);
    if (st->ops->care->lot_get(st, t->lot_id, &l) == VX_OK) {
        cJSON_AddStringToObject(o, "lot_number", l.lot_number);
        cJSON_AddStringToObject(o, "vaccine", l.vaccine);
    }
    cJSON_AddNumberToObject(o, "from_site", (double)t->from_site);
    cJSON_AddNumberToObject(o, "to_site", (double)t->to_site);
    cJSON_AddNumberToObject(o, "doses", t->doses);
    cJSON_AddStringToObject(o, "status", vx_transfer_status_code(t->status));
    add_time(o, "sent_at", t->sent_at);
    cJSON_AddStringToObject(o, "sent_by", t->sent_by);
    add_time(o, "received_at", t->received_at);
    cJSON_AddNumberToObject(o, "received_doses", t->received_doses);
    cJSON_AddStringToObject(o, "note", t->note);
    return o;
}

static cJSON *count_obj(const struct vx_count_rec *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)c->id);
    cJSON_AddNumberToObject(o, "site", (double)c->site_id);
    cJSON_AddNumberToObject(o, "lot", (double)c->lot_id);
    cJSON_AddNumberToObject(o, "expected", c->expected);
    cJSON_AddNumberToObject(o, "counted", c->counted);
    cJSON_AddNumberToObject(o, "discrepancy", c->counted - c->expected);
    cJSON_AddStringToObject(o, "followup", vx_followup_code(c->followup));
    add_time(o, "at", c->at);
    cJSON_AddStringToObject(o, "by", c->by);
    cJSON_AddStringToObject(o, "note", c->note);
    return o;
}

/* ------------------------------------------------------------------ check-in */

struct day_ctx {
    struct vx_http_req *req;
    struct vx_store *st;
    cJSON *list;
    int n, booked, arrived, attended, no_show;
    enum vx_status rc;
};

static const char *const booking_status[] = {"booked", "cancelled", "attended", "no_show"};

static int day_cb(void *ctx, const struct vx_care_booking *b)
{
    struct day_ctx *c = ctx;
    if (c->n >= MAX_LIST)
        return 1;
    char detail[48];
    snprintf(detail, sizeof detail, "checkin list booking:%lld", (long long)b->b.id);
    c->rc = vx_audit_person(c->st, vx_http_req_session(c->req), "person.read", b->b.person_id,
                            b->b.region, detail);
    if (c->rc != VX_OK)
        return 1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)b->b.id);
    cJSON_AddNumberToObject(o, "person_id", (double)b->b.person_id);
    cJSON_AddStringToObject(o, "given_name", b->given_name);
    cJSON_AddStringToObject(o, "family_name", b->family_name);
    add_day(o, "birth_date", b->birth);
    cJSON_AddNumberToObject(o, "age", vx_age_at(b->birth, b->day));
    vx_time start = 0;
    vx_stockholm_to_utc(b->day, b->start_minute, &start, NULL);
    add_time(o, "start", start);
    cJSON_AddNumberToObject(o, "minutes", b->minutes);
    cJSON_AddStringToObject(o, "vaccine", b->vaccine);
    cJSON_AddNumberToObject(o, "dose_number", b->b.dose_number);
    cJSON_AddStringToObject(o, "status",
                            (unsigned)b->b.status < 4 ? booking_status[b->b.status] : "unknown");
    add_time(o, "arrived_at", b->arrived_at);
    add_id(o, "dose_id", b->dose_id);
    cJSON_AddItemToArray(c->list, o);
    c->n++;
    c->booked += b->b.status == VX_BOOKING_BOOKED;
    c->arrived += b->b.status == VX_BOOKING_BOOKED && b->arrived_at > 0;
    c->attended += b->b.status == VX_BOOKING_ATTENDED;
    c->no_show += b->b.status == VX_BOOKING_NO_SHOW;
    return 0;
}

static enum vx_status day_param(struct vx_http_req *req, const char *s, vx_day def, vx_day *out)
{
    *out = def;
    if (s && vx_day_parse(s, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "date", "expected YYYY-MM-DD");
    return VX_OK;
}

static int h_checkin_list(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    vx_day day;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc == VX_OK)
        rc = day_param(req, vx_http_req_query(req, "date"), local_day(env.now), &day);
    if (rc != VX_OK)
        return rc;
    /* The audit rows are written while the bookings are read: one write transaction
     * (BEGIN IMMEDIATE waits for other writers) instead of a read transaction that
     * would have to upgrade to a write under the cursor, which SQLite refuses with
     * SQLITE_BUSY at once when another connection writes meanwhile. */
    struct day_ctx c = {.req = req, .st = env.st, .list = cJSON_CreateArray()};
    rc = vx_store_begin(env.st);
    if (rc == VX_OK) {
        rc = env.st->ops->care->booking_day_foreach(env.st, site.id, day, day_cb, &c);
        if (rc == VX_OK)
            rc = c.rc;
        if (rc == VX_OK)
            rc = vx_store_commit(env.st);
        else
            vx_store_rollback(env.st);
    }
    if (rc != VX_OK) {
        cJSON_Delete(c.list);
        return vx_http_problem(req, rc, "cannot read the day's bookings");
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "site", site_obj(&site));
    add_day(o, "date", day);
    cJSON_AddItemToObject(o, "bookings", c.list);
    cJSON *n = cJSON_AddObjectToObject(o, "counts");
    cJSON_AddNumberToObject(n, "booked", c.booked);
    cJSON_AddNumberToObject(n, "arrived", c.arrived);
    cJSON_AddNumberToObject(n, "attended", c.attended);
    cJSON_AddNumberToObject(n, "no_show", c.no_show);
    return vx_http_reply_json(req, 200, o);
}

static int h_checkin(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc != VX_OK)
        return rc;
    int64_t booking = int_field(vx_http_req_body(req), "booking", 0);
    struct vx_care_result res;
    if (vx_care_checkin(&env, booking, site.id, &res) != VX_OK)
        return refuse(req, &res);
    struct vx_care_booking b;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "booking", (double)booking);
    if (env.st->ops->care->booking_get(env.st, booking, &b) == VX_OK)
        add_time(o, "arrived_at", b.arrived_at);
    return vx_http_reply_json(req, 200, o);
}

static int h_day_close(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    vx_day day;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc == VX_OK)
        rc = day_param(req, str_field(vx_http_req_body(req), "date"), local_day(env.now), &day);
    if (rc != VX_OK)
        return rc;
    if (day > local_day(env.now))
        return vx_http_problem_field(req, VX_ERANGE, "date", "the day has not ended");
    int n = 0;
    struct vx_care_result res;
    if (vx_care_day_close(&env, site.id, day, &n, &res) != VX_OK)
        return refuse(req, &res);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "no_show", n);
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ doses */

/* The person of a dose request: person_id, or pnr (staff). 404 when unknown. */
static enum vx_status body_person(struct vx_http_req *req, struct vx_store *st, const cJSON *body,
                                  struct vx_person_rec *p)
{
    int64_t id = int_field(body, "person_id", 0);
    const char *pnr = str_field(body, "pnr");
    enum vx_status vs = VX_ENOTFOUND;
    if (id)
        vs = st->ops->person_get_id(st, id, p);
    else if (pnr) {
        struct vx_pnr parsed;
        struct vx_pnr_error pe;
        struct vx_pnr_opts po = vx_pnr_opts_default(vx_http_req_today(req));
        if (vx_pnr_parse(pnr, &po, &parsed, &pe) != VX_OK)
            return vx_http_problem_field(req, VX_EINVAL, "pnr", "not a valid personnummer");
        vs = st->ops->person_get(st, parsed.norm, p);
    } else {
        return vx_http_problem_field(req, VX_EINVAL, "person_id", "person_id or pnr required");
    }
    if (vs == VX_ENOTFOUND)
        return vx_http_problem_field(req, VX_ENOTFOUND, id ? "person_id" : "pnr",
                                     "person_unknown: no such person");
    if (vs != VX_OK)
        return vx_http_problem(req, vs, "cannot read the person");
    const struct vx_session *s = vx_http_req_session(req);
    if (s->role == VX_ROLE_MUNI_NURSE && strcmp(p->p.kommun, s->kommun) != 0) {
        vx_audit_person(st, s, "person.denied", p->p.id, p->p.region, "care: other kommun");
        return vx_http_problem_field(req, VX_EDENIED, id ? "person_id" : "pnr",
                                     "person outside your municipality");
    }
    return VX_OK;
}

static int reply_dose(struct vx_http_req *req, struct vx_store *st, int64_t id, int status,
                      const struct vx_care_result *res)
{
    struct vx_dose_rec d;
    if (st->ops->care->dose_get(st, id, &d) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the dose back");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "dose", dose_obj(&d));
    if (res && res->warn_sv[0]) {
        cJSON *w = cJSON_AddObjectToObject(o, "warning");
        cJSON_AddStringToObject(w, "sv", res->warn_sv);
        cJSON_AddStringToObject(w, "en", res->warn_en);
    } else {
        cJSON_AddNullToObject(o, "warning");
    }
    return vx_http_reply_json(req, status, o);
}

static int h_dose_record(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_person_rec p;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = body_person(req, env.st, body, &p);
    if (rc != VX_OK)
        return rc;
    struct vx_care_dose_in in;
    memset(&in, 0, sizeof in);
    in.person_id = p.p.id;
    copy(in.vaccine, sizeof in.vaccine, str_field(body, "vaccine"));
    in.lot_id = int_field(body, "lot", 0);
    copy(in.lot_number, sizeof in.lot_number, str_field(body, "lot_number"));
    in.vial_id = int_field(body, "vial", 0);
    in.dose_number = (int)int_field(body, "dose_number", 0);
    in.site_id = int_field(body, "site", 0);
    copy(in.kommun, sizeof in.kommun, str_field(body, "kommun"));
    in.booking_id = int_field(body, "booking", 0);
    in.offer_id = int_field(body, "offer", 0);
    copy(in.injection_site, sizeof in.injection_site, str_field(body, "injection_site"));
    if ((rc = time_field(req, body, "given_at", 0, &in.given_at)) != VX_OK ||
        (rc = place_scope(req, env.st, &in.site_id, in.kommun, sizeof in.kommun)) != VX_OK)
        return rc;
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_record_dose(&env, &in, &id, &res) != VX_OK)
        return refuse(req, &res);
    return reply_dose(req, env.st, id, 201, &res);
}

struct hist_ctx {
    cJSON *list;
};

static int hist_cb(void *ctx, const struct vx_dose_history_rec *h)
{
    struct hist_ctx *c = ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", h->version);
    cJSON_AddStringToObject(o, "action", h->action);
    add_time(o, "at", h->at);
    cJSON_AddStringToObject(o, "by", h->by);
    cJSON_AddStringToObject(o, "reason", h->reason);
    cJSON_AddItemToObject(o, "old", dose_obj(&h->old));
    cJSON_AddItemToArray(c->list, o);
    return 0;
}

static int aefi_cb(void *ctx, const struct vx_aefi_rec *a)
{
    struct hist_ctx *c = ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    cJSON_AddNumberToObject(o, "dose", (double)a->dose_id);
    cJSON_AddStringToObject(o, "reporter", a->reporter);
    add_time(o, "onset_at", a->onset_at);
    cJSON_AddStringToObject(o, "description", a->description);
    cJSON_AddBoolToObject(o, "serious", a->serious);
    cJSON_AddStringToObject(o, "seriousness", a->seriousness);
    cJSON_AddStringToObject(o, "code", a->code);
    add_time(o, "reported_at", a->reported_at);
    cJSON_AddItemToArray(c->list, o);
    return 0;
}

static int h_dose_get(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_dose_rec d;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = load_dose(req, env.st, &d);
    if (rc != VX_OK)
        return rc;
    char detail[48];
    snprintf(detail, sizeof detail, "dose:%lld", (long long)d.id);
    if ((rc = vx_audit_person(env.st, vx_http_req_session(req), "person.read", d.person_id,
                              d.region, detail)) != VX_OK)
        return vx_http_problem(req, rc, "cannot audit the read");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "dose", dose_obj(&d));
    struct hist_ctx h = {cJSON_AddArrayToObject(o, "history")};
    struct hist_ctx a = {cJSON_AddArrayToObject(o, "aefi")};
    if (env.st->ops->care->history_foreach(env.st, d.id, hist_cb, &h) != VX_OK ||
        env.st->ops->care->aefi_foreach(env.st, d.id, aefi_cb, &a) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the dose's history");
    }
    return vx_http_reply_json(req, 200, o);
}

static int h_dose_correct(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_dose_rec d;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = load_dose(req, env.st, &d);
    if (rc != VX_OK)
        return rc;
    struct vx_care_correction c;
    memset(&c, 0, sizeof c);
    copy(c.vaccine, sizeof c.vaccine, str_field(body, "vaccine"));
    c.lot_id = int_field(body, "lot", 0);
    copy(c.lot_number, sizeof c.lot_number, str_field(body, "lot_number"));
    c.vial_id = int_field(body, "vial", 0);
    c.dose_number = (int)int_field(body, "dose_number", 0);
    copy(c.injection_site, sizeof c.injection_site, str_field(body, "injection_site"));
    if ((rc = time_field(req, body, "given_at", 0, &c.given_at)) != VX_OK)
        return rc;
    struct vx_care_result res;
    if (vx_care_correct_dose(&env, d.id, &c, str_field(body, "reason"), &res) != VX_OK)
        return refuse(req, &res);
    return reply_dose(req, env.st, d.id, 200, NULL);
}

static int h_dose_void(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_dose_rec d;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = load_dose(req, env.st, &d);
    if (rc != VX_OK)
        return rc;
    struct vx_care_result res;
    if (vx_care_void_dose(&env, d.id, str_field(vx_http_req_body(req), "reason"), &res) != VX_OK)
        return refuse(req, &res);
    return reply_dose(req, env.st, d.id, 200, NULL);
}

static int h_dose_aefi(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_dose_rec d;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = load_dose(req, env.st, &d);
    if (rc != VX_OK)
        return rc;
    struct vx_aefi_rec a;
    memset(&a, 0, sizeof a);
    a.dose_id = d.id;
    copy(a.reporter, sizeof a.reporter, str_field(body, "reporter"));
    copy(a.description, sizeof a.description, str_field(body, "description"));
    a.serious = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "serious"));
    copy(a.seriousness, sizeof a.seriousness, str_field(body, "seriousness"));
    copy(a.code, sizeof a.code, str_field(body, "code"));
    if ((rc = time_field(req, body, "onset_at", env.now, &a.onset_at)) != VX_OK)
        return rc;
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_aefi(&env, &a, &id, &res) != VX_OK)
        return refuse(req, &res);
    struct hist_ctx c = {cJSON_CreateArray()};
    a.id = id;
    a.reported_at = env.now;
    aefi_cb(&c, &a);
    cJSON *o = cJSON_DetachItemFromArray(c.list, 0);
    cJSON_Delete(c.list);
    return vx_http_reply_json(req, 201, o);
}

/* ------------------------------------------------------------------ stock */

struct list_ctx {
    struct vx_store *st;
    const struct vx_catalog *cat;
    vx_time now;
    cJSON *list;
    int n;
};

static int stock_cb(void *ctx, const struct vx_stock_row *r)
{
    struct list_ctx *c = ctx;
    if (c->n++ >= MAX_LIST)
        return 1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lot", (double)r->lot.id);
    cJSON_AddStringToObject(o, "vaccine", r->lot.vaccine);
    cJSON_AddStringToObject(o, "lot_number", r->lot.lot_number);
    add_day(o, "expiry", r->lot.expiry);
    add_time(o, "usable_until", r->lot.usable_until);
    cJSON_AddNumberToObject(o, "doses", r->doses);
    const struct vx_product *p = vx_catalog_find(c->cat, r->lot.vaccine);
    int per = p ? vx_product_doses_per_vial(p, local_day(c->now), false) : 0;
    cJSON_AddNumberToObject(o, "doses_per_vial", per);
    cJSON_AddNumberToObject(o, "vials", per > 0 ? r->doses / per : 0);
    cJSON_AddNumberToObject(o, "in_transit", r->in_transit);
    cJSON_AddNumberToObject(o, "open_vials", r->open_vials);
    cJSON_AddItemToArray(c->list, o);
    return 0;
}

static int transfer_cb(void *ctx, const struct vx_transfer_rec *t)
{
    struct list_ctx *c = ctx;
    if (c->n++ >= MAX_LIST)
        return 1;
    cJSON_AddItemToArray(c->list, transfer_obj(c->st, t));
    return 0;
}

static int count_cb(void *ctx, const struct vx_count_rec *r)
{
    struct list_ctx *c = ctx;
    if (c->n++ >= MAX_LIST)
        return 1;
    cJSON_AddItemToArray(c->list, count_obj(r));
    return 0;
}

static int h_stock(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc != VX_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "site", site_obj(&site));
    struct list_ctx a = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "lots"), 0};
    struct list_ctx b = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "transfers"), 0};
    struct list_ctx c = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "followups"), 0};
    const struct vx_store_care_ops *ops = env.st->ops->care;
    if (ops->stock_foreach(env.st, site.id, "", stock_cb, &a) != VX_OK ||
        ops->transfer_foreach(env.st, site.id, transfer_cb, &b) != VX_OK ||
        ops->count_foreach(env.st, site.id, true, count_cb, &c) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the stock");
    }
    return vx_http_reply_json(req, 200, o);
}

static int h_receipt(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, int_field(body, "site", 0), "site", &site);
    if (rc != VX_OK)
        return rc;
    struct vx_care_receipt r;
    memset(&r, 0, sizeof r);
    r.site_id = site.id;
    copy(r.vaccine, sizeof r.vaccine, str_field(body, "vaccine"));
    copy(r.lot_number, sizeof r.lot_number, str_field(body, "lot_number"));
    if (vx_day_parse(str_field(body, "expiry") ? str_field(body, "expiry") : "", &r.expiry) !=
        VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "expiry", "expected YYYY-MM-DD");
    if ((rc = time_field(req, body, "thawed_at", 0, &r.thawed_at)) != VX_OK)
        return rc;
    r.doses = (int)int_field(body, "doses", 0);
    r.vials = (int)int_field(body, "vials", 0);
    copy(r.ref, sizeof r.ref, str_field(body, "ref"));
    struct vx_care_result res;
    int64_t lot = 0;
    if (vx_care_receive(&env, &r, &lot, &res) != VX_OK)
        return refuse(req, &res);
    struct vx_lot_rec l;
    int stock = 0;
    env.st->ops->care->stock_get(env.st, site.id, lot, &stock);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lot", (double)lot);
    cJSON_AddNumberToObject(o, "site", (double)site.id);
    cJSON_AddNumberToObject(o, "stock", stock);
    if (env.st->ops->care->lot_get(env.st, lot, &l) == VX_OK) {
        cJSON_AddStringToObject(o, "vaccine", l.vaccine);
        cJSON_AddStringToObject(o, "lot_number", l.lot_number);
        add_time(o, "usable_until", l.usable_until);
    }
    return vx_http_reply_json(req, 201, o);
}

static int h_transfer(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_site_rec from, to;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, int_field(body, "from_site", 0), "from_site", &from);
    if (rc != VX_OK)
        return rc;
    if (env.st->ops->care->site_get_id(env.st, int_field(body, "to_site", 0), &to) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "to_site", "no such site");
    if (strcmp(from.region, to.region) != 0)
        return vx_http_problem_field(req, VX_EDENIED, "to_site",
                                     "transfers stay within the region");
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_transfer_send(&env, int_field(body, "lot", 0), from.id, to.id,
                              (int)int_field(body, "doses", 0), str_field(body, "note"), &id,
                              &res) != VX_OK)
        return refuse(req, &res);
    struct vx_transfer_rec t;
    if (env.st->ops->care->transfer_get(env.st, id, &t) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the transfer back");
    return vx_http_reply_json(req, 201, transfer_obj(env.st, &t));
}

static int h_transfer_receive(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec to;
    struct vx_transfer_rec t;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    int64_t id = path_id(req);
    if (!id || env.st->ops->care->transfer_get(env.st, id, &t) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such transfer");
    if ((rc = site_scope(req, env.st, t.to_site, "id", &to)) != VX_OK)
        return rc;
    struct vx_care_result res;
    if (vx_care_transfer_receive(&env, id, (int)int_field(vx_http_req_body(req), "doses", -1),
                                 &res) != VX_OK)
        return refuse(req, &res);
    env.st->ops->care->transfer_get(env.st, id, &t);
    return vx_http_reply_json(req, 200, transfer_obj(env.st, &t));
}

static int h_count(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, int_field(body, "site", 0), "site", &site);
    if (rc != VX_OK)
        return rc;
    struct vx_care_result res;
    struct vx_count_rec c;
    if (vx_care_count(&env, site.id, int_field(body, "lot", 0), (int)int_field(body, "counted", -1),
                      str_field(body, "note"), &c, &res) != VX_OK)
        return refuse(req, &res);
    return vx_http_reply_json(req, 201, count_obj(&c));
}

static int h_excursion(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, int_field(body, "site", 0), "site", &site);
    if (rc != VX_OK)
        return rc;
    struct vx_excursion_rec e;
    memset(&e, 0, sizeof e);
    e.site_id = site.id;
    e.lot_id = int_field(body, "lot", 0);
    if ((rc = time_field(req, body, "from", 0, &e.from_at)) != VX_OK ||
        (rc = time_field(req, body, "to", 0, &e.to_at)) != VX_OK)
        return rc;
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(body, "min_c");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(body, "max_c");
    e.min_c = cJSON_IsNumber(mn) ? mn->valuedouble : 0;
    e.max_c = cJSON_IsNumber(mx) ? mx->valuedouble : 0;
    const char *dec = str_field(body, "decision");
    if (!dec || (strcmp(dec, "usable") != 0 && strcmp(dec, "discard") != 0))
        return vx_http_problem_field(req, VX_EINVAL, "decision", "usable or discard");
    e.decision = strcmp(dec, "discard") == 0 ? VX_EXCURSION_DISCARD : VX_EXCURSION_USABLE;
    e.doses = (int)int_field(body, "doses", 0);
    copy(e.note, sizeof e.note, str_field(body, "note"));
    int before = 0, after = 0;
    env.st->ops->care->stock_get(env.st, site.id, e.lot_id, &before);
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_excursion(&env, &e, &id, &res) != VX_OK)
        return refuse(req, &res);
    env.st->ops->care->stock_get(env.st, site.id, e.lot_id, &after);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "decision", dec);
    cJSON_AddNumberToObject(o, "wasted", before - after);
    return vx_http_reply_json(req, 201, o);
}

/* ------------------------------------------------------------------ vials, wastage */

static int vial_cb(void *ctx, const struct vx_vial_rec *v)
{
    struct list_ctx *c = ctx;
    if (c->n++ >= MAX_LIST)
        return 1;
    if (v->max_doses - v->drawn - v->wasted > 0 && !vx_care_vial_expired(v, c->now))
        cJSON_AddItemToArray(c->list, vial_obj(v, c->now));
    return 0;
}

static int cmp_until(const cJSON *a, const cJSON *b)
{
    double x = cJSON_GetObjectItemCaseSensitive(a, "seconds_left")->valuedouble;
    double y = cJSON_GetObjectItemCaseSensitive(b, "seconds_left")->valuedouble;
    return (x > y) - (x < y);
}

/* Sort a small array of vial objects by seconds_left (insertion sort). */
static void sort_vials(cJSON *arr)
{
    int n = cJSON_GetArraySize(arr);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            cJSON *a = cJSON_GetArrayItem(arr, j - 1), *b = cJSON_GetArrayItem(arr, j);
            if (cmp_until(a, b) <= 0)
                break;
            cJSON *moved = cJSON_DetachItemFromArray(arr, j);
            cJSON_InsertItemInArray(arr, j - 1, moved);
        }
}

static int h_vials(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc != VX_OK)
        return rc;
    struct vx_care_result res;
    vx_care_sweep(&env, NULL, NULL, &res); /* on-read check; a failure only delays it */
    cJSON *o = cJSON_CreateObject();
    struct list_ctx c = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "vials"), 0};
    if (env.st->ops->care->vial_foreach(env.st, site.id, true, 0, 0, vial_cb, &c) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the vials");
    }
    sort_vials(c.list);
    return vx_http_reply_json(req, 200, o);
}

static int h_vial_open(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    int64_t site_id = int_field(body, "site", 0);
    char kommun[5];
    copy(kommun, sizeof kommun, str_field(body, "kommun"));
    if ((rc = place_scope(req, env.st, &site_id, kommun, sizeof kommun)) != VX_OK)
        return rc;
    struct vx_care_result res;
    struct vx_vial_rec v;
    if (vx_care_vial_open(&env, site_id, kommun, int_field(body, "lot", 0), &v, &res) != VX_OK)
        return refuse(req, &res);
    return vx_http_reply_json(req, 201, vial_obj(&v, env.now));
}

/* The vial of the path, in the session's scope. */
static enum vx_status vial_scope(struct vx_http_req *req, struct vx_store *st,
                                 struct vx_vial_rec *v)
{
    int64_t id = path_id(req);
    if (!id || st->ops->care->vial_get(st, id, v) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such vial");
    const struct vx_session *s = vx_http_req_session(req);
    if (!v->site_id)
        return s->role == VX_ROLE_MUNI_NURSE && strcmp(s->kommun, v->kommun) == 0
                   ? VX_OK
                   : vx_http_problem_field(req, VX_EDENIED, "id", "vial outside your scope");
    struct vx_site_rec site;
    return site_scope(req, st, v->site_id, "id", &site);
}

static int h_vial_close(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_vial_rec v;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = vial_scope(req, env.st, &v);
    if (rc != VX_OK)
        return rc;
    const char *why = str_field(vx_http_req_body(req), "reason");
    enum vx_waste_reason reason = VX_WASTE_LEFTOVER;
    if (why && vx_waste_reason_parse(why, &reason) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "reason",
                                     "expired, broken, leftover, cold_chain or other");
    struct vx_care_result res;
    int wasted = 0;
    if (vx_care_vial_close(&env, v.id, reason, &wasted, &res) != VX_OK)
        return refuse(req, &res);
    env.st->ops->care->vial_get(env.st, v.id, &v);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "vial", vial_obj(&v, env.now));
    cJSON_AddNumberToObject(o, "wasted", wasted);
    return vx_http_reply_json(req, 200, o);
}

struct waste_ctx {
    cJSON *list;
    int total, n;
    int by[VX_WASTE_REASON_COUNT];
};

static int waste_cb(void *ctx, const struct vx_wastage_rec *w)
{
    struct waste_ctx *c = ctx;
    c->total += w->doses;
    if ((unsigned)w->reason < VX_WASTE_REASON_COUNT)
        c->by[w->reason] += w->doses;
    if (c->n++ >= MAX_LIST)
        return 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)w->id);
    cJSON_AddNumberToObject(o, "lot", (double)w->lot_id);
    cJSON_AddStringToObject(o, "lot_number", w->lot_number);
    cJSON_AddStringToObject(o, "vaccine", w->vaccine);
    add_id(o, "vial", w->vial_id);
    cJSON_AddNumberToObject(o, "doses", w->doses);
    cJSON_AddStringToObject(o, "reason", vx_waste_reason_code(w->reason));
    cJSON_AddStringToObject(o, "note", w->note);
    add_time(o, "at", w->at);
    cJSON_AddStringToObject(o, "by", w->by);
    cJSON_AddItemToArray(c->list, o);
    return 0;
}

static int h_wastage_list(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    vx_day from, to;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc == VX_OK)
        rc = day_param(req, vx_http_req_query(req, "to"), local_day(env.now), &to);
    if (rc == VX_OK)
        rc = day_param(req, vx_http_req_query(req, "from"), to - 27, &from);
    if (rc != VX_OK)
        return rc;
    vx_time a = 0, b = 0;
    vx_stockholm_to_utc(from, 0, &a, NULL);
    vx_stockholm_to_utc(to + 1, 0, &b, NULL);
    cJSON *o = cJSON_CreateObject();
    struct waste_ctx c = {.list = cJSON_AddArrayToObject(o, "wastage")};
    if (env.st->ops->care->wastage_foreach(env.st, site.id, a, b, waste_cb, &c) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the wastage");
    }
    add_day(o, "from", from);
    add_day(o, "to", to);
    cJSON_AddNumberToObject(o, "total", c.total);
    cJSON *by = cJSON_AddObjectToObject(o, "by_reason");
    for (int i = 0; i < VX_WASTE_REASON_COUNT; i++)
        if (c.by[i])
            cJSON_AddNumberToObject(by, vx_waste_reason_code((enum vx_waste_reason)i), c.by[i]);
    return vx_http_reply_json(req, 200, o);
}

static int h_wastage(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, int_field(body, "site", 0), "site", &site);
    if (rc != VX_OK)
        return rc;
    struct vx_wastage_rec w;
    memset(&w, 0, sizeof w);
    w.site_id = site.id;
    w.lot_id = int_field(body, "lot", 0);
    w.vial_id = int_field(body, "vial", 0);
    w.doses = (int)int_field(body, "doses", 0);
    if (vx_waste_reason_parse(str_field(body, "reason"), &w.reason) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "reason",
                                     "expired, broken, leftover, cold_chain or other");
    copy(w.note, sizeof w.note, str_field(body, "note"));
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_wastage(&env, &w, &id, &res) != VX_OK)
        return refuse(req, &res);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "doses", w.doses);
    cJSON_AddStringToObject(o, "reason", vx_waste_reason_code(w.reason));
    return vx_http_reply_json(req, 201, o);
}

/* ------------------------------------------------------------------ standby */

static cJSON *standby_obj(const struct vx_standby_rec *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "site", (double)s->site_id);
    cJSON_AddNumberToObject(o, "minutes", s->minutes);
    cJSON_AddBoolToObject(o, "phone", s->phone);
    cJSON_AddBoolToObject(o, "active", s->active);
    add_time(o, "opted_in_at", s->opted_in_at);
    return o;
}

static int h_me_standby_get(struct vx_http_req *req)
{
    struct vx_care_env env;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_standby_rec sb;
    if (env.st->ops->care->standby_get(env.st, s->person_id, &sb) != VX_OK)
        return vx_http_problem(req, VX_ENOTFOUND, "not on the standby list");
    vx_audit_person(env.st, s, "person.read", s->person_id, s->region, "standby");
    return vx_http_reply_json(req, 200, standby_obj(&sb));
}

static int h_me_standby(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(body, "active");
    struct vx_care_result res;
    if (vx_care_standby_optin(&env, s->person_id, int_field(body, "site", 0),
                              (int)int_field(body, "minutes", 30),
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "phone")),
                              act ? cJSON_IsTrue(act) : true, &res) != VX_OK)
        return refuse(req, &res);
    struct vx_standby_rec sb;
    if (env.st->ops->care->standby_get(env.st, s->person_id, &sb) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the opt-in back");
    return vx_http_reply_json(req, 200, standby_obj(&sb));
}

static int offer_list_cb(void *ctx, const struct vx_offer_rec *x)
{
    struct list_ctx *c = ctx;
    if (c->n++ >= MAX_LIST)
        return 1;
    cJSON_AddItemToArray(c->list, offer_obj(x));
    return 0;
}

static int h_me_offers(struct vx_http_req *req)
{
    struct vx_care_env env;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    const struct vx_session *s = vx_http_req_session(req);
    cJSON *o = cJSON_CreateObject();
    struct list_ctx c = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "offers"), 0};
    if (env.st->ops->care->offer_foreach(env.st, 0, s->person_id, offer_list_cb, &c) != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_ESTORE, "cannot read the offers");
    }
    return vx_http_reply_json(req, 200, o);
}

/* Candidates of one vial as JSON (audited per person). */
static enum vx_status vial_candidates(struct vx_http_req *req, const struct vx_care_env *env,
                                      const struct vx_vial_rec *v, cJSON *arr)
{
    struct vx_care_candidate *c = calloc(VX_CARE_MAX_CANDIDATES, sizeof *c);
    if (!c)
        return VX_ENOMEM;
    int n = 0;
    struct vx_care_result res;
    enum vx_status rc = vx_care_standby_candidates(env, v->id, c, VX_CARE_MAX_CANDIDATES, &n, &res);
    if (rc != VX_OK) { /* a vial that closed meanwhile has no candidates */
        free(c);
        return rc == VX_ECONFLICT ? VX_OK : rc;
    }
    for (int i = 0; i < n; i++) {
        char detail[48];
        snprintf(detail, sizeof detail, "standby vial:%lld", (long long)v->id);
        if ((rc = vx_audit_person(env->st, vx_http_req_session(req), "person.read", c[i].person_id,
                                  c[i].region, detail)) != VX_OK)
            break;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "person_id", (double)c[i].person_id);
        cJSON_AddStringToObject(o, "given_name", c[i].given_name);
        cJSON_AddStringToObject(o, "family_name", c[i].family_name);
        cJSON_AddNumberToObject(o, "age", c[i].age);
        cJSON_AddNumberToObject(o, "phase", c[i].phase);
        cJSON_AddStringToObject(o, "step", c[i].step);
        cJSON_AddNumberToObject(o, "dose_number", c[i].dose_number);
        cJSON_AddNumberToObject(o, "minutes", c[i].minutes);
        cJSON_AddBoolToObject(o, "phone", c[i].phone);
        add_time(o, "arrive_by", c[i].arrive_by);
        cJSON_AddItemToArray(arr, o);
    }
    free(c);
    return rc;
}

struct vials_ctx {
    struct vx_vial_rec v[64];
    int n;
    vx_time now;
    int64_t only;
};

static int offer_vial_cb(void *ctx, const struct vx_vial_rec *v)
{
    struct vials_ctx *c = ctx;
    bool near = v->usable_until - c->now <= VX_CARE_STANDBY_WINDOW_S;
    if ((c->only ? v->id == c->only : near) && c->n < 64 && !vx_care_vial_expired(v, c->now) &&
        v->max_doses - v->drawn - v->wasted > 0)
        c->v[c->n++] = *v;
    return 0;
}

static int h_standby_offers(struct vx_http_req *req)
{
    struct vx_care_env env;
    struct vx_site_rec site;
    enum vx_status rc = env_of(req, &env);
    if (rc == VX_OK)
        rc = site_scope(req, env.st, path_id(req), "id", &site);
    if (rc != VX_OK)
        return rc;
    const char *q = vx_http_req_query(req, "vial");
    struct vials_ctx *vc = calloc(1, sizeof *vc);
    if (!vc)
        return vx_http_problem(req, VX_ENOMEM, "out of memory");
    vc->now = env.now;
    vc->only = q ? strtoll(q, NULL, 10) : 0;
    cJSON *o = cJSON_CreateObject();
    cJSON *vials = cJSON_AddArrayToObject(o, "vials");
    rc = env.st->ops->care->vial_foreach(env.st, site.id, true, 0, 0, offer_vial_cb, vc);
    for (int i = 0; rc == VX_OK && i < vc->n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "vial", vial_obj(&vc->v[i], env.now));
        rc = vial_candidates(req, &env, &vc->v[i], cJSON_AddArrayToObject(e, "candidates"));
        cJSON_AddItemToArray(vials, e);
    }
    struct list_ctx c = {env.st, env.cat, env.now, cJSON_AddArrayToObject(o, "offers"), 0};
    if (rc == VX_OK)
        rc = env.st->ops->care->offer_foreach(env.st, site.id, 0, offer_list_cb, &c);
    free(vc);
    if (rc != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, rc, "cannot list the standby candidates");
    }
    return vx_http_reply_json(req, 200, o);
}

static int h_offer(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    struct vx_care_env env;
    struct vx_vial_rec v;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    int64_t vial = int_field(body, "vial", 0);
    struct vx_site_rec site;
    if (!vial || env.st->ops->care->vial_get(env.st, vial, &v) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "vial", "no such vial");
    if ((rc = site_scope(req, env.st, v.site_id, "vial", &site)) != VX_OK)
        return rc;
    struct vx_care_result res;
    struct vx_offer_rec x;
    if (vx_care_offer(&env, vial, int_field(body, "person_id", 0),
                      (int)int_field(body, "timeout_min", 0) * 60, &x, &res) != VX_OK)
        return refuse(req, &res);
    return vx_http_reply_json(req, 201, offer_obj(&x));
}

static int answer(struct vx_http_req *req, bool accept)
{
    struct vx_care_env env;
    struct vx_offer_rec x;
    enum vx_status rc = env_of(req, &env);
    if (rc != VX_OK)
        return rc;
    int64_t id = path_id(req);
    if (!id || env.st->ops->care->offer_get(env.st, id, &x) != VX_OK)
        return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such offer");
    const struct vx_session *s = vx_http_req_session(req);
    if (s->role == VX_ROLE_CITIZEN) {
        if (s->person_id != x.person_id)
            return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such offer");
    } else {
        struct vx_site_rec site;
        if ((rc = site_scope(req, env.st, x.site_id, "id", &site)) != VX_OK)
            return rc;
    }
    struct vx_care_result res;
    if (vx_care_offer_answer(&env, id, accept, &res) != VX_OK)
        return refuse(req, &res);
    env.st->ops->care->offer_get(env.st, id, &x);
    return vx_http_reply_json(req, 200, offer_obj(&x));
}

static int h_offer_accept(struct vx_http_req *req)
{
    return answer(req, true);
}

static int h_offer_decline(struct vx_http_req *req)
{
    return answer(req, false);
}

/* ------------------------------------------------------------------ module */

static enum vx_status care_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    const struct vx_http_config *cfg = vx_http_server_config(srv);
    struct ch *ch = calloc(1, sizeof *ch);
    if (!ch)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    ch->cat = cfg->catalog;
    ch->rules = cfg->rules;
    ch->fixed_today = cfg->today;
    *udata = ch;
    return VX_OK;
}

static void care_stop(void *udata)
{
    free(udata);
}

#define R(r)       VX_ROLE_BIT(VX_ROLE_##r)
#define SITE_STAFF (R(VACCINATOR) | R(SITE_COORD) | R(REGION_COORD))
#define COORDS     (R(SITE_COORD) | R(REGION_COORD))
#define DOSE_STAFF (SITE_STAFF | R(MUNI_NURSE))
#define ID_PARAM                                                                                   \
    {                                                                                              \
        {                                                                                          \
            "id", VX_JSON_INTEGER, .desc = "store id"                                              \
        }                                                                                          \
    }
#define TIME_EX "\"2021-03-08T09:15:00+01:00\""
#define TAG     "care"

static const struct vx_route care_routes[] = {
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sites/{id}/checkin",
     .handler = h_checkin_list,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "The day's bookings at a site (check-in list)",
     .query = {{"date", VX_JSON_STRING, .max_len = 10, .desc = "YYYY-MM-DD (default today)"}},
     .params = ID_PARAM,
     .response = "{site, date, bookings:[{id, person_id, given_name, family_name, birth_date, "
                 "age, start, minutes, vaccine, dose_number, status, arrived_at, dose_id}], "
                 "counts:{booked, arrived, attended, no_show}}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/sites/{id}/checkin",
     .handler = h_checkin,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Check a booking in (arrival)",
     .params = ID_PARAM,
     .body = {{"booking", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15,
               .desc = "booking id", .example = "812"}},
     .response = "{booking, arrived_at}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/sites/{id}/checkin/close",
     .handler = h_day_close,
     .roles = COORDS,
     .tag = TAG,
     .summary = "End of day: bookings still booked become no_show",
     .params = ID_PARAM,
     .body = {{"date", VX_JSON_STRING, .max_len = 10, .desc = "YYYY-MM-DD (default today)"}},
     .response = "{no_show}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/doses",
     .handler = h_dose_record,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Record a dose (every check of docs/care.md)",
     .body = {{"person_id", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "person (or pnr)"},
              {"pnr", VX_JSON_STRING, .max_len = 13, .desc = "personnummer (or person_id)"},
              {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16, .example = "\"COM\""},
              {"lot", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "lot id (or lot_number)"},
              {"lot_number", VX_JSON_STRING, .max_len = 32, .example = "\"EJ6795\""},
              {"vial", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "open vial"},
              {"dose_number", VX_JSON_INTEGER, .min = 1, .max = 20, .desc = "default: next"},
              {"site", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "default: session's"},
              {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipal nurse"},
              {"booking", VX_JSON_INTEGER, .min = 1, .max = 9e15},
              {"offer", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "accepted standby offer"},
              {"given_at", VX_JSON_STRING, .max_len = 40, .example = TIME_EX},
              {"injection_site", VX_JSON_STRING, .max_len = 15, .example = "\"left_arm\""}},
     .success = 201,
     .response = "{dose:{...}, warning:{sv, en}|null}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/doses/{id}",
     .handler = h_dose_get,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "A dose with its corrections and AEFI reports",
     .params = ID_PARAM,
     .response = "{dose, history:[{version, action, at, by, reason, old}], aefi}"},
#define CORRECT_BODY                                                                               \
    {                                                                                              \
        {"reason", VX_JSON_STRING, .required = true, .max_len = 200},                              \
            {"vaccine", VX_JSON_STRING, .max_len = 16},                                            \
            {"lot", VX_JSON_INTEGER, .min = 1, .max = 9e15},                                       \
            {"lot_number", VX_JSON_STRING, .max_len = 32},                                         \
            {"vial", VX_JSON_INTEGER, .min = 1, .max = 9e15},                                      \
            {"dose_number", VX_JSON_INTEGER, .min = 1, .max = 20},                                 \
            {"given_at", VX_JSON_STRING, .max_len = 40},                                           \
        {                                                                                          \
            "injection_site", VX_JSON_STRING, .max_len = 15                                        \
        }                                                                                          \
    }
    {.method = VX_HTTP_POST,
     .path = "/api/v1/doses/{id}/correct",
     .handler = h_dose_correct,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Correct a dose (old values kept, version + 1)",
     .params = ID_PARAM,
     .body = CORRECT_BODY,
     .response = "{dose}"},
    {.method = VX_HTTP_PATCH,
     .path = "/api/v1/doses/{id}",
     .handler = h_dose_correct,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Correct a dose (as POST .../correct)",
     .params = ID_PARAM,
     .body = CORRECT_BODY,
     .response = "{dose}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/doses/{id}/void",
     .handler = h_dose_void,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Void a dose (status voided, reason kept)",
     .params = ID_PARAM,
     .body = {{"reason", VX_JSON_STRING, .required = true, .max_len = 120}},
     .response = "{dose}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/doses/{id}/aefi",
     .handler = h_dose_aefi,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Report an adverse event after a dose",
     .params = ID_PARAM,
     .body = {{"description", VX_JSON_STRING, .required = true, .max_len = 1000},
              {"onset_at", VX_JSON_STRING, .max_len = 40, .example = TIME_EX},
              {"serious", VX_JSON_BOOLEAN},
              {"seriousness", VX_JSON_STRING, .max_len = 31},
              {"code", VX_JSON_STRING, .max_len = 31, .desc = "MedDRA-like code"},
              {"reporter", VX_JSON_STRING, .max_len = 63}},
     .success = 201,
     .response = "{id, dose, onset_at, ...}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sites/{id}/stock",
     .handler = h_stock,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Stock per lot, transfers, open follow-ups",
     .params = ID_PARAM,
     .response = "{site, lots:[...], transfers:[...], followups:[...]}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/receipts",
     .handler = h_receipt,
     .roles = COORDS,
     .tag = TAG,
     .summary = "Receive doses of a lot at a site",
     .body = {{"site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16},
              {"lot_number", VX_JSON_STRING, .required = true, .max_len = 32},
              {"expiry", VX_JSON_STRING, .required = true, .max_len = 10},
              {"thawed_at", VX_JSON_STRING, .max_len = 40},
              {"doses", VX_JSON_INTEGER, .min = 1, .max = 1000000},
              {"vials", VX_JSON_INTEGER, .min = 1, .max = 100000},
              {"ref", VX_JSON_STRING, .max_len = 200}},
     .success = 201,
     .response = "{lot, site, stock, vaccine, lot_number, usable_until}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/transfers",
     .handler = h_transfer,
     .roles = COORDS,
     .tag = TAG,
     .summary = "Send doses to another site of the region",
     .body = {{"lot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"from_site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"to_site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"doses", VX_JSON_INTEGER, .required = true, .min = 1, .max = 1000000},
              {"note", VX_JSON_STRING, .max_len = 200}},
     .success = 201,
     .response = "{transfer}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/transfers/{id}/receive",
     .handler = h_transfer_receive,
     .roles = COORDS,
     .tag = TAG,
     .summary = "Confirm a transfer at the receiving site",
     .params = ID_PARAM,
     .body = {{"doses", VX_JSON_INTEGER, .min = 0, .max = 1000000, .desc = "default: as sent"}},
     .response = "{transfer}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/counts",
     .handler = h_count,
     .roles = COORDS,
     .tag = TAG,
     .summary = "Stock count of a lot (discrepancy opens a follow-up)",
     .body = {{"site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"lot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"counted", VX_JSON_INTEGER, .required = true, .min = 0, .max = 1000000},
              {"note", VX_JSON_STRING, .max_len = 200}},
     .success = 201,
     .response = "{id, expected, counted, discrepancy, followup}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/excursions",
     .handler = h_excursion,
     .roles = COORDS,
     .tag = TAG,
     .summary = "Cold-chain excursion (discard = wastage)",
     .body = {{"site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"lot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"from", VX_JSON_STRING, .required = true, .max_len = 40},
              {"to", VX_JSON_STRING, .required = true, .max_len = 40},
              {"min_c", VX_JSON_NUMBER, .required = true, .min = -100, .max = 100},
              {"max_c", VX_JSON_NUMBER, .required = true, .min = -100, .max = 100},
              {"decision", VX_JSON_STRING, .required = true, .max_len = 8},
              {"doses", VX_JSON_INTEGER, .min = 0, .max = 1000000},
              {"note", VX_JSON_STRING, .max_len = 200}},
     .success = 201,
     .response = "{id, decision, wasted}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sites/{id}/vials",
     .handler = h_vials,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Open vials with doses left, soonest end first",
     .params = ID_PARAM,
     .response = "{vials:[{id, lot, ..., seconds_left, left}]}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/vials",
     .handler = h_vial_open,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Open a vial (timer from the catalogue)",
     .body = {{"lot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"site", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = "default: session's"},
              {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipal nurse"}},
     .success = 201,
     .response = "{vial}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/vials/{id}/close",
     .handler = h_vial_close,
     .roles = DOSE_STAFF,
     .tag = TAG,
     .summary = "Close a vial; what is left becomes wastage",
     .params = ID_PARAM,
     .body = {{"reason", VX_JSON_STRING, .max_len = 12}},
     .response = "{vial, wasted}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sites/{id}/wastage",
     .handler = h_wastage_list,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Wastage of a site (default: last 28 days)",
     .params = ID_PARAM,
     .query = {{"from", VX_JSON_STRING, .max_len = 10}, {"to", VX_JSON_STRING, .max_len = 10}},
     .response = "{wastage:[...], from, to, total, by_reason}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/wastage",
     .handler = h_wastage,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Record wastage (unopened stock or an open vial)",
     .body = {{"site", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"lot", VX_JSON_INTEGER, .min = 1, .max = 9e15},
              {"vial", VX_JSON_INTEGER, .min = 1, .max = 9e15},
              {"doses", VX_JSON_INTEGER, .required = true, .min = 1, .max = 100000},
              {"reason", VX_JSON_STRING, .required = true, .max_len = 12},
              {"note", VX_JSON_STRING, .max_len = 200}},
     .success = 201,
     .response = "{id, doses, reason}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/me/standby",
     .handler = h_me_standby,
     .roles = R(CITIZEN),
     .tag = TAG,
     .summary = "Opt in to (or out of) the standby list",
     .body = {{"site", VX_JSON_INTEGER, .min = 0, .max = 9e15, .desc = "0 = any site"},
              {"minutes", VX_JSON_INTEGER, .min = 1, .max = 240},
              {"phone", VX_JSON_BOOLEAN},
              {"active", VX_JSON_BOOLEAN}},
     .response = "{site, minutes, phone, active, opted_in_at}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/me/standby",
     .handler = h_me_standby_get,
     .roles = R(CITIZEN),
     .tag = TAG,
     .summary = "My standby opt-in",
     .response = "{site, minutes, phone, active, opted_in_at}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/me/offers",
     .handler = h_me_offers,
     .roles = R(CITIZEN),
     .tag = TAG,
     .summary = "My open standby offers",
     .response = "{offers:[...]}"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/sites/{id}/standby/offers",
     .handler = h_standby_offers,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Standby candidates for open vials near their end, and live offers",
     .params = ID_PARAM,
     .query = {{"vial", VX_JSON_INTEGER, .desc = "one vial"}},
     .response = "{vials:[{vial, candidates:[...]}], offers:[...]}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/offers",
     .handler = h_offer,
     .roles = SITE_STAFF,
     .tag = TAG,
     .summary = "Offer a leftover dose to a standby candidate",
     .body = {{"vial", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"person_id", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15},
              {"timeout_min", VX_JSON_INTEGER, .min = 1, .max = 240}},
     .success = 201,
     .response = "{offer}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/offers/{id}/accept",
     .handler = h_offer_accept,
     .roles = R(CITIZEN) | SITE_STAFF,
     .tag = TAG,
     .summary = "Accept a standby offer",
     .params = ID_PARAM,
     .response = "{offer}"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/offers/{id}/decline",
     .handler = h_offer_decline,
     .roles = R(CITIZEN) | SITE_STAFF,
     .tag = TAG,
     .summary = "Decline a standby offer",
     .params = ID_PARAM,
     .response = "{offer}"},
};

const struct vx_http_module vx_care_http_module = {
    .name = "care",
    .routes = care_routes,
    .n_routes = VX_ARRAY_LEN(care_routes),
    .start = care_start,
    .stop = care_stop,
};
