/*
 * builtin.c — the routes every server has: operations, session and dev login.
 *
 *   GET    /healthz               public  liveness + database reachability
 *   GET    /metrics               public  Prometheus text exposition
 *   GET    /api/openapi.json      public  the OpenAPI 3.1 document of all routes
 *   DELETE /api/v1/session        any     sign out
 *   GET    /api/v1/me             any     who am I (a citizen's own record: audited)
 * and with --dev-login only (http_dev_routes):
 *   POST   /api/v1/session        public  sign in as a stored person or a staff role
 *   GET    /api/v1/dev/personas   public  demo persons and staff roles to choose from
 *
 * Dev login stands in for the real identity provider (BankID/OIDC for citizens,
 * SITHS for staff) until that exists; it is off unless the operator asks for it,
 * so a production server has no way to become somebody by naming them. It still
 * goes through the same session store, cookie, audit and role checks as the real
 * login will. Personas are only synthetic (demo) persons.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http_int.h"
#include "vx/pnr.h"
#include "vx/store.h"

/* ------------------------------------------------------------ operations */

static int h_healthz(struct vx_http_req *req)
{
    struct vx_store *st = NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return VX_ENOMEM;
    int version = -1;
    if (vx_http_req_store(req, &st) == VX_OK)
        version = st->ops->schema_version(st);
    bool ok = version > 0;
    cJSON_AddStringToObject(o, "status", ok ? "ok" : "unavailable");
    cJSON_AddStringToObject(o, "db", ok ? "ok" : "unreachable");
    if (ok)
        cJSON_AddNumberToObject(o, "schema_version", version);
    return vx_http_reply_json(req, ok ? 200 : 503, o);
}

static int h_metrics(struct vx_http_req *req)
{
    struct vx_buf b;
    vx_buf_init(&b, 16u << 20);
    enum vx_status st = vx_metrics_render(vx_http_server_metrics(vx_http_req_server(req)), &b);
    if (st == VX_OK)
        st = vx_http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                                b.data ? b.data : "", b.len);
    vx_buf_release(&b);
    return st;
}

static int h_openapi(struct vx_http_req *req)
{
    cJSON *doc = vx_http_openapi(vx_http_req_server(req));
    return doc ? vx_http_reply_json(req, 200, doc) : VX_ENOMEM;
}

/* ------------------------------------------------------------ session */

static const char *role_name(const struct vx_http_req *req, enum vx_role r)
{
    const struct vx_role_info *ri = vx_role_info(r);
    if (!ri)
        return "";
    return strcmp(vx_http_req_lang(req), "en") ? ri->name_sv : ri->name_en;
}

/* The session as the client may see it (never the id or personnummer). */
static cJSON *session_json(const struct vx_http_req *req, const struct vx_session *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "role", vx_role_code(s->role));
    cJSON_AddStringToObject(o, "role_name", role_name(req, s->role));
    cJSON_AddStringToObject(o, "user", s->user);
    cJSON_AddStringToObject(o, "display_name", s->display_name);
    if (s->region[0])
        cJSON_AddStringToObject(o, "region", s->region);
    if (s->site[0])
        cJSON_AddStringToObject(o, "site", s->site);
    if (s->kommun[0])
        cJSON_AddStringToObject(o, "kommun", s->kommun);
    return o;
}

static int h_logout(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_store *st;
    if (vx_http_req_store(req, &st) == VX_OK)
        vx_audit_event(st, s, "session.logout", "session", NULL);
    vx_session_delete(vx_http_server_sessions(vx_http_req_server(req)), s->id);
    vx_http_req_set_session(req, NULL);
    return VX_OK; /* 204 */
}

static int h_me(struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    cJSON *o = session_json(req, s);
    if (!o)
        return VX_ENOMEM;
    if (s->role == VX_ROLE_CITIZEN) {
        struct vx_store *st;
        struct vx_person_rec rec;
        enum vx_status rc = vx_http_req_store(req, &st);
        if (rc == VX_OK)
            rc = vx_auth_own_person(st, s, &rec);
        if (rc == VX_OK)
            rc = vx_audit_person(st, s, "person.read", rec.p.id, rec.p.region, "GET /api/v1/me");
        if (rc != VX_OK) {
            cJSON_Delete(o);
            return vx_http_problem(req, rc == VX_ENOTFOUND ? VX_ENOTFOUND : VX_ESTORE,
                                   rc == VX_ENOTFOUND ? "person no longer registered"
                                                      : "cannot read the person record");
        }
        cJSON *p = cJSON_AddObjectToObject(o, "person");
        if (p) {
            struct vx_ymd b = vx_ymd_from_day(rec.p.pnr.birth);
            cJSON_AddStringToObject(p, "given_name", rec.given_name);
            cJSON_AddStringToObject(p, "family_name", rec.family_name);
            cJSON_AddNumberToObject(p, "birth_year", b.year);
            cJSON_AddNumberToObject(p, "age", vx_age_at(rec.p.pnr.birth, vx_http_req_today(req)));
            cJSON_AddStringToObject(p, "region", rec.p.region);
            cJSON_AddStringToObject(p, "kommun", rec.p.kommun);
            cJSON_AddStringToObject(p, "residence", vx_residence_code(rec.p.residence));
        }
    }
    return vx_http_reply_json(req, 200, o);
}

static bool region_code_ok(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' &&
           strcmp(s, "00") && strcmp(s, "26") < 0;
}

static bool user_ok(const char *s)
{
    if (!s[0])
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_'))
            return false;
    return true;
}

static const char *str_field(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Fill a citizen session from the personnummer in the body. */
static enum vx_status citizen_login(struct vx_http_req *req, struct vx_store *st, const char *pnr,
                                    struct vx_session *s)
{
    struct vx_pnr p;
    struct vx_pnr_error pe;
    struct vx_pnr_opts po = vx_pnr_opts_default(vx_http_req_today(req));
    if (vx_pnr_parse(pnr, &po, &p, &pe) != VX_OK) {
        char why[128];
        vx_pnr_error_text(&pe, why, sizeof why);
        return vx_http_problem_field(req, VX_EINVAL, "person", why);
    }
    struct vx_person_rec rec;
    enum vx_status rc = st->ops->person_get(st, p.norm, &rec);
    if (rc == VX_ENOTFOUND)
        return vx_http_problem_field(req, VX_EINVAL, "person", "no such person in the database");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "%s", st->err);
    s->role = VX_ROLE_CITIZEN;
    s->person_id = rec.p.id;
    snprintf(s->person_norm, sizeof s->person_norm, "%s", rec.p.pnr.norm);
    snprintf(s->user, sizeof s->user, "person:%lld", (long long)rec.p.id);
    snprintf(s->region, sizeof s->region, "%s", rec.p.region);
    snprintf(s->kommun, sizeof s->kommun, "%s", rec.p.kommun);
    snprintf(s->display_name, sizeof s->display_name, "%s %s", rec.given_name, rec.family_name);
    return vx_audit_person(st, s, "session.login", rec.p.id, rec.p.region, "dev login");
}

/* Fill a staff session from role/region/site/kommun/user. */
static enum vx_status staff_login(struct vx_http_req *req, struct vx_store *st, const cJSON *body,
                                  enum vx_role role, struct vx_session *s)
{
    const struct vx_role_info *ri = vx_role_info(role);
    const char *region = str_field(body, "region"), *site = str_field(body, "site"),
               *kommun = str_field(body, "kommun"), *user = str_field(body, "user");
    s->role = role;
    if (user && !user_ok(user))
        return vx_http_problem_field(req, VX_EINVAL, "user", "letters, digits, . - _ only");
    snprintf(s->user, sizeof s->user, "%s", user ? user : ri->code);
    snprintf(s->display_name, sizeof s->display_name, "%s", s->user);
    switch (ri->scope) {
    case VX_SCOPE_REGION:
        if (!region_code_ok(region))
            return vx_http_problem_field(req, VX_EINVAL, "region",
                                         region ? "not a region code (01..25)" : "required");
        snprintf(s->region, sizeof s->region, "%s", region);
        break;
    case VX_SCOPE_SITE: {
        struct vx_site_rec sr;
        if (!site)
            return vx_http_problem_field(req, VX_EINVAL, "site", "required");
        enum vx_status rc = st->ops->site_get(st, site, &sr);
        if (rc == VX_ENOTFOUND)
            return vx_http_problem_field(req, VX_EINVAL, "site", "no such site");
        if (rc != VX_OK)
            return vx_http_problem(req, VX_ESTORE, "%s", st->err);
        snprintf(s->site, sizeof s->site, "%s", sr.code);
        snprintf(s->region, sizeof s->region, "%s", sr.region);
        break;
    }
    case VX_SCOPE_KOMMUN: {
        struct vx_kommun_rec kr;
        if (!kommun)
            return vx_http_problem_field(req, VX_EINVAL, "kommun", "required");
        enum vx_status rc = st->ops->kommun_get(st, kommun, &kr);
        if (rc == VX_ENOTFOUND)
            return vx_http_problem_field(req, VX_EINVAL, "kommun", "no such municipality");
        if (rc != VX_OK)
            return vx_http_problem(req, VX_ESTORE, "%s", st->err);
        snprintf(s->kommun, sizeof s->kommun, "%s", kr.code);
        snprintf(s->region, sizeof s->region, "%s", kr.region);
        break;
    }
    case VX_SCOPE_SELF:
    case VX_SCOPE_NONE:
        break;
    }
    return vx_audit_event(st, s, "session.login", "session", "dev login");
}

static int h_login(struct vx_http_req *req)
{
    const cJSON *body = vx_http_req_body(req);
    const char *person = str_field(body, "person"), *role_s = str_field(body, "role");
    enum vx_role role = VX_ROLE_CITIZEN;
    if (role_s && vx_role_parse(role_s, &role) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "role", "unknown role");
    if (role == VX_ROLE_CITIZEN && !person)
        return vx_http_problem_field(req, VX_EINVAL, "person", "required for a citizen");
    if (role != VX_ROLE_CITIZEN && person)
        return vx_http_problem_field(req, VX_EINVAL, "person", "only for role citizen");
    struct vx_store *st;
    enum vx_status rc = vx_http_req_store(req, &st);
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "database unavailable");
    struct vx_session s;
    memset(&s, 0, sizeof s);
    rc = role == VX_ROLE_CITIZEN ? citizen_login(req, st, person, &s)
                                 : staff_login(req, st, body, role, &s);
    if (rc != VX_OK)
        return rc;
    struct vx_session_store *ss = vx_http_server_sessions(vx_http_req_server(req));
    const struct vx_session *old = vx_http_req_session(req);
    if (old)
        vx_session_delete(ss, old->id); /* a new login never reuses an id */
    struct vx_session made;
    rc = vx_session_create(ss, &s, (vx_time)time(NULL), &made);
    memset(&s, 0, sizeof s);
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "cannot create a session");
    vx_http_req_set_session(req, &made);
    cJSON *o = session_json(req, &made);
    memset(&made, 0, sizeof made);
    return o ? vx_http_reply_json(req, 201, o) : VX_ENOMEM;
}

/* ------------------------------------------------------------ personas */

struct persona_kind {
    const char *key, *sv, *en;
    int min_age, max_age; /* inclusive; -1 = any */
    int residence;        /* enum vx_residence or -1 = any */
    int risk, care_staff; /* 1 = must have, 0 = must not, -1 = any */
};

static const struct persona_kind kinds[] = {
    {"special_housing", "Bor på särskilt boende (fas 1)", "Lives in special housing (phase 1)", -1,
     -1, VX_RES_SPECIAL_HOUSING, -1, -1},
    {"home_care", "Har hemtjänst (fas 1)", "Receives home care (phase 1)", -1, -1, VX_RES_HOME_CARE,
     -1, -1},
    {"care_staff", "Arbetar i äldreomsorgen (fas 1)", "Works in elderly care (phase 1)", 18, 70, -1,
     -1, 1},
    {"age_80_plus", "80 år eller äldre, eget boende", "80 or older, own home", 80, 130,
     VX_RES_OWN_HOME, -1, 0},
    {"age_65_79", "65–79 år", "Aged 65–79", 65, 79, VX_RES_OWN_HOME, -1, 0},
    {"risk_18_59", "18–59 år med riskfaktor", "Aged 18–59 with a risk condition", 18, 59,
     VX_RES_OWN_HOME, 1, 0},
    {"adult_18_59", "18–59 år", "Aged 18–59", 18, 59, VX_RES_OWN_HOME, 0, 0},
    {"teen_16_17", "16–17 år", "Aged 16–17", 16, 17, VX_RES_OWN_HOME, -1, -1},
};

#define PERSONA_SCAN_MAX 200000

struct persona_scan {
    vx_day today;
    struct vx_person_rec found[VX_ARRAY_LEN(kinds)];
    bool have[VX_ARRAY_LEN(kinds)];
    int nhave;
    long scanned;
};

static bool tri(int want, bool have)
{
    return want < 0 || (want == 1) == have;
}

static bool kind_matches(const struct persona_kind *k, const struct vx_person_rec *r, vx_day today)
{
    int age = vx_age_at(r->p.pnr.birth, today);
    return (k->min_age < 0 || (age >= k->min_age && age <= k->max_age)) &&
           (k->residence < 0 || (int)r->p.residence == k->residence) &&
           tri(k->risk, r->p.risk != 0) && tri(k->care_staff, r->p.flags & VX_PF_CARE_STAFF) &&
           !(r->p.flags & VX_PF_DECEASED);
}

static int persona_cb(void *ctx, const struct vx_person_rec *r)
{
    struct persona_scan *ps = ctx;
    ps->scanned++;
    if (r->synthetic) {
        for (size_t i = 0; i < VX_ARRAY_LEN(kinds); i++) {
            if (!ps->have[i] && kind_matches(&kinds[i], r, ps->today)) {
                ps->found[i] = *r;
                ps->have[i] = true;
                ps->nhave++;
                break;
            }
        }
    }
    return ps->nhave == (int)VX_ARRAY_LEN(kinds) || ps->scanned >= PERSONA_SCAN_MAX;
}

static cJSON *label(const char *sv, const char *en)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "sv", sv);
        cJSON_AddStringToObject(o, "en", en);
    }
    return o;
}

static enum vx_status build_personas(vx_day today, struct vx_store *st, cJSON **out)
{
    int npersons = 0;
    struct persona_scan *ps = calloc(1, sizeof *ps);
    if (!ps)
        return VX_ENOMEM;
    ps->today = today;
    enum vx_status rc = st->ops->person_foreach(st, "", persona_cb, ps);
    if (rc != VX_OK) {
        free(ps);
        return rc;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *persons = cJSON_AddArrayToObject(doc, "persons");
    cJSON *staff = cJSON_AddArrayToObject(doc, "staff");
    const char *region = "01", *kommun = "0180";
    for (size_t i = 0; persons && i < VX_ARRAY_LEN(kinds); i++) {
        if (!ps->have[i])
            continue;
        const struct vx_person_rec *r = &ps->found[i];
        if (npersons++ == 0) {
            region = r->p.region;
            kommun = r->p.kommun;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", kinds[i].key);
        cJSON_AddItemToObject(o, "label", label(kinds[i].sv, kinds[i].en));
        cJSON_AddStringToObject(o, "person", r->p.pnr.norm);
        char name[130];
        snprintf(name, sizeof name, "%s %s", r->given_name, r->family_name);
        cJSON_AddStringToObject(o, "display_name", name);
        cJSON_AddNumberToObject(o, "age", vx_age_at(r->p.pnr.birth, ps->today));
        cJSON_AddStringToObject(o, "region", r->p.region);
        cJSON_AddStringToObject(o, "kommun", r->p.kommun);
        cJSON_AddStringToObject(o, "residence", vx_residence_code(r->p.residence));
        cJSON_AddItemToArray(persons, o);
    }
    for (int ro = VX_ROLE_CITIZEN + 1; staff && ro < VX_ROLE_COUNT; ro++) {
        const struct vx_role_info *ri = vx_role_info((enum vx_role)ro);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "role", ri->code);
        cJSON_AddItemToObject(o, "label", label(ri->name_sv, ri->name_en));
        char user[40];
        snprintf(user, sizeof user, "%s1", ri->code);
        cJSON_AddStringToObject(o, "user", user);
        bool ok = true;
        if (ri->scope == VX_SCOPE_REGION) {
            cJSON_AddStringToObject(o, "region", region);
        } else if (ri->scope == VX_SCOPE_KOMMUN) {
            struct vx_kommun_rec kr;
            ok = st->ops->kommun_get(st, kommun, &kr) == VX_OK;
            cJSON_AddStringToObject(o, "kommun", kommun);
        } else if (ri->scope == VX_SCOPE_SITE) {
            char code[32];
            struct vx_site_rec sr;
            snprintf(code, sizeof code, "%s-VC-0001", region);
            ok = st->ops->site_get(st, code, &sr) == VX_OK;
            cJSON_AddStringToObject(o, "site", code);
        }
        if (ok)
            cJSON_AddItemToArray(staff, o);
        else
            cJSON_Delete(o);
    }
    memset(ps, 0, sizeof *ps);
    free(ps);
    *out = doc;
    return doc ? VX_OK : VX_ENOMEM;
}

/* The cached personas (built on first use) as a copy, audited for `s`/`actor`. */
static enum vx_status personas(struct vx_http_server *srv, struct vx_store *st, vx_day today,
                               const struct vx_session *s, cJSON **out)
{
    enum vx_status rc = VX_OK;
    *out = NULL;
    pthread_mutex_lock(&srv->personas_mu);
    if (!srv->personas)
        rc = build_personas(today, st, &srv->personas);
    if (rc == VX_OK && !(*out = cJSON_Duplicate(srv->personas, true)))
        rc = VX_ENOMEM;
    pthread_mutex_unlock(&srv->personas_mu);
    if (rc != VX_OK)
        return rc;
    char detail[64];
    snprintf(detail, sizeof detail, "dev personas: %d synthetic persons",
             cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(*out, "persons")));
    rc = vx_audit_event(st, s, "person.list", "dev:personas", detail);
    if (rc != VX_OK) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

static int h_personas(struct vx_http_req *req)
{
    struct vx_store *st;
    cJSON *doc;
    enum vx_status rc = vx_http_req_store(req, &st);
    if (rc == VX_OK)
        rc = personas(vx_http_req_server(req), st, vx_http_req_today(req), vx_http_req_session(req),
                      &doc);
    if (rc != VX_OK)
        return vx_http_problem(req, rc, "cannot list personas");
    return vx_http_reply_json(req, 200, doc);
}

enum vx_status vx_http_dev_personas(struct vx_http_server *srv, const char *actor, cJSON **out)
{
    struct vx_store *st;
    enum vx_status rc = pool_get(&srv->pool, &st);
    if (rc != VX_OK)
        return rc;
    struct vx_session s;
    memset(&s, 0, sizeof s);
    s.role = VX_ROLE_NONE; /* audit row: the operator at the console */
    snprintf(s.user, sizeof s.user, "%s", actor ? actor : "cli:serve");
    vx_day today = srv->cfg.today;
    if (!today) {
        int minute;
        vx_stockholm_local((vx_time)time(NULL), &today, &minute);
    }
    rc = personas(srv, st, today, &s, out);
    pool_put(&srv->pool, st);
    return rc;
}

/* ------------------------------------------------------------ tables */

const struct vx_route http_builtin_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/healthz",
        .handler = h_healthz,
        .roles = VX_ROLES_PUBLIC,
        .tag = "operations",
        .summary = "Liveness and database reachability",
        .response = "{\"status\":\"ok\",\"db\":\"ok\",\"schema_version\":N}; 503 when the "
                    "database is unreachable",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/metrics",
        .handler = h_metrics,
        .roles = VX_ROLES_PUBLIC,
        .tag = "operations",
        .summary = "Prometheus metrics (text exposition format 0.0.4)",
        .response = "text/plain exposition",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/openapi.json",
        .handler = h_openapi,
        .roles = VX_ROLES_PUBLIC,
        .tag = "operations",
        .summary = "This API's OpenAPI 3.1 document, generated from the route table",
    },
    {
        .method = VX_HTTP_DELETE,
        .path = "/api/v1/session",
        .handler = h_logout,
        .roles = VX_ROLES_ANY,
        .tag = "session",
        .summary = "Sign out (the session is deleted and the cookie cleared)",
        .success = 204,
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me",
        .handler = h_me,
        .roles = VX_ROLES_ANY,
        .tag = "session",
        .summary = "Who am I: role, region, display name",
        .description = "For a citizen the response includes their own person record; that read "
                       "is written to the audit log.",
    },
};
const size_t http_builtin_routes_n = VX_ARRAY_LEN(http_builtin_routes);

const struct vx_route http_dev_routes[] = {
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/session",
        .handler = h_login,
        .roles = VX_ROLES_PUBLIC,
        .tag = "session",
        .summary = "Dev login: sign in as a stored person or as a staff role",
        .description = "Only with `vaxchain serve --dev-login`. Either {\"person\": \"<pnr>\"} "
                       "(a citizen; the person must exist) or {\"role\": \"callcentre\", "
                       "\"region\": \"01\", \"user\": \"agent1\"}. Site roles need \"site\", "
                       "municipal roles \"kommun\". Sets the vx_session cookie.",
        .body = {{"person", VX_JSON_STRING, .max_len = 13, .desc = "personnummer of a citizen",
                  .example = "\"191212121212\""},
                 {"role", VX_JSON_STRING, .max_len = 32, .desc = "role code (default citizen)",
                  .example = "\"callcentre\""},
                 {"region", VX_JSON_STRING, .max_len = 2, .desc = "region code for regional roles",
                  .example = "\"01\""},
                 {"site", VX_JSON_STRING, .max_len = 31, .desc = "site code for site roles"},
                 {"kommun", VX_JSON_STRING, .max_len = 4, .desc = "municipality code"},
                 {"user", VX_JSON_STRING, .max_len = 32, .desc = "staff user id",
                  .example = "\"agent1\""}},
        .success = 201,
        .response = "the new session (as GET /api/v1/me without the person record)",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/dev/personas",
        .handler = h_personas,
        .roles = VX_ROLES_PUBLIC,
        .tag = "session",
        .summary = "Dev login: demo persons of different groups and the staff roles",
        .description = "Only with --dev-login; only synthetic persons. The read is audited.",
    },
};
const size_t http_dev_routes_n = VX_ARRAY_LEN(http_dev_routes);
