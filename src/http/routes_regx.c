/*
 * routes_regx.c — register export over HTTP (include/vx/regx_http.h).
 *
 *   GET /fhir/Immunization?patient=<person id | personnummer>
 *       a FHIR R4 searchset Bundle of the person's Immunizations (every dose of the
 *       doses table, voided ones as entered-in-error). A citizen sees only their own
 *       (patient may be left out, or name themself); staff with person data see the
 *       persons of their scope (region, site's region, municipality). Audited
 *       ("person.read", object person:<id>) before anything is answered.
 *   GET /fhir/Immunization/{id}
 *       one Immunization by dose id, same rules.
 *   GET /api/v1/register/status
 *       the outbox per register (pending, sent, retrying, rejected, failed, files):
 *       aggregates only, for coordinators and national oversight.
 *
 * The Immunization is the register's (vx_regx_fhir_from_dose): id = dose id,
 * meta.versionId = version, patient "Patient/<store id>" — never the personnummer.
 * Answers are application/fhir+json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/pnr.h"
#include "vx/regx.h"
#include "vx/regx_http.h"

#define RH_MAX_DOSES 64
#define RH_OUT_MAX   (4u << 20)

#define PERSON_ROLES                                                                               \
    (VX_ROLE_BIT(VX_ROLE_CITIZEN) | VX_ROLE_BIT(VX_ROLE_CALLCENTRE) |                              \
     VX_ROLE_BIT(VX_ROLE_VACCINATOR) | VX_ROLE_BIT(VX_ROLE_SITE_COORD) |                           \
     VX_ROLE_BIT(VX_ROLE_REGION_COORD) | VX_ROLE_BIT(VX_ROLE_MUNI_NURSE) |                         \
     VX_ROLE_BIT(VX_ROLE_MUNI_COORD))
#define STATUS_ROLES                                                                               \
    (VX_ROLE_BIT(VX_ROLE_REGION_COORD) | VX_ROLE_BIT(VX_ROLE_SITE_COORD) |                         \
     VX_ROLE_BIT(VX_ROLE_NATIONAL))

static bool digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * The person `ref` names (store id, or a personnummer in any accepted form) that the
 * session may see; VX_OK with *p filled, or a problem status already described.
 */
static int person_for(struct vx_http_req *req, struct vx_store *st, const char *ref,
                      struct vx_person_rec *p)
{
    const struct vx_session *s = vx_http_req_session(req);
    enum vx_status rc;
    if (s->role == VX_ROLE_CITIZEN && (!ref || !*ref)) {
        rc = st->ops->person_get_id(st, s->person_id, p);
    } else if (!ref || !*ref) {
        return vx_http_problem_field(req, VX_EINVAL, "patient",
                                     "required: a person id or a personnummer");
    } else if (digits(ref, 11)) {
        rc = st->ops->person_get_id(st, strtoll(ref, NULL, 10), p);
    } else {
        struct vx_pnr_opts po = vx_pnr_opts_default(vx_http_req_today(req));
        struct vx_pnr pnr;
        struct vx_pnr_error pe;
        if (vx_pnr_parse(ref, &po, &pnr, &pe) != VX_OK) {
            char why[128];
            vx_pnr_error_text(&pe, why, sizeof why);
            return vx_http_problem_field(req, VX_EINVAL, "patient", why);
        }
        rc = st->ops->person_get(st, pnr.norm, p);
    }
    if (rc == VX_ENOTFOUND)
        return vx_http_problem(req, VX_ENOTFOUND, "no such patient");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the person");
    if (!vx_auth_scope_allows(s, p->p.id, p->p.region, p->p.kommun, NULL))
        return vx_http_problem(req, VX_EDENIED, "this patient is outside your scope");
    return VX_OK;
}

static int audit_read(struct vx_http_req *req, struct vx_store *st, const struct vx_person_rec *p)
{
    char detail[96];
    snprintf(detail, sizeof detail, "%s %.80s", vx_http_req_method(req), vx_http_req_path(req));
    if (vx_audit_person(st, vx_http_req_session(req), "person.read", p->p.id, p->p.region,
                        detail) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
    return VX_OK;
}

/* "http://host/fhir" from the Host header (borrowed into buf). */
static const char *base_url(struct vx_http_req *req, char *buf, size_t len)
{
    const char *host = vx_http_req_header(req, "Host");
    snprintf(buf, len, "http://%.200s/fhir",
             host && *host && !strpbrk(host, "\"\\ ") ? host : "localhost");
    return buf;
}

static int reply_fhir(struct vx_http_req *req, struct vx_buf *b)
{
    int rc = vx_http_reply_text(req, 200, "application/fhir+json", b->data ? b->data : "{}",
                                b->data ? b->len : 2);
    vx_buf_release(b);
    return rc;
}

static int h_search(struct vx_http_req *req)
{
    struct vx_store *st;
    if (vx_http_req_store(req, &st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    struct vx_person_rec p;
    int rc = person_for(req, st, vx_http_req_query(req, "patient"), &p);
    if (rc != VX_OK)
        return rc;
    struct vx_dose_rec *doses = calloc(RH_MAX_DOSES, sizeof *doses);
    if (!doses)
        return VX_ENOMEM;
    int n = 0;
    if (st->ops->dose_list_person(st, p.p.id, doses, RH_MAX_DOSES, &n) != VX_OK) {
        free(doses);
        return vx_http_problem(req, VX_ESTORE, "cannot read the doses");
    }
    if (n > RH_MAX_DOSES)
        n = RH_MAX_DOSES;
    if ((rc = audit_read(req, st, &p)) != VX_OK) {
        free(doses);
        return rc;
    }
    struct vx_arena *a = vx_http_req_arena(req);
    struct vx_fhir_immunization *items = vx_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *items);
    struct vx_err err = {0};
    int k = 0;
    for (int i = 0; items && i < n; i++)
        if (vx_regx_fhir_from_dose(&doses[i], NULL, a, &items[k], &err) == VX_OK)
            k++; /* a product without register codes is left out of the Bundle */
    free(doses);
    if (!items)
        return VX_ENOMEM;
    char base[256], self[320];
    base_url(req, base, sizeof base);
    snprintf(self, sizeof self, "%s/Immunization?patient=%lld", base, (long long)p.p.id);
    struct vx_buf b;
    vx_buf_init(&b, RH_OUT_MAX);
    if (vx_fhir_bundle_searchset(items, (size_t)k, base, self, false, &b) != VX_OK) {
        vx_buf_release(&b);
        return vx_http_problem(req, VX_EINTERNAL, "cannot write the Bundle");
    }
    return reply_fhir(req, &b);
}

static int h_read(struct vx_http_req *req)
{
    const char *id = vx_http_req_param(req, "id");
    if (!id || !digits(id, 18))
        return vx_http_problem_field(req, VX_EINVAL, "id", "a dose id (digits)");
    struct vx_store *st;
    if (vx_http_req_store(req, &st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    struct vx_dose_rec d;
    enum vx_status vs = st->ops->regx->dose_get(st, strtoll(id, NULL, 10), &d);
    if (vs == VX_ENOTFOUND)
        return vx_http_problem(req, VX_ENOTFOUND, "no Immunization %s", id);
    if (vs != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the dose");
    const struct vx_session *s = vx_http_req_session(req);
    struct vx_person_rec p;
    vs = st->ops->person_get_id(st, d.person_id, &p);
    if (vs != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the person");
    /* the same answer for "not yours" and "not there": ids do not leak */
    if (!vx_auth_scope_allows(s, p.p.id, p.p.region, p.p.kommun, NULL))
        return vx_http_problem(req, VX_ENOTFOUND, "no Immunization %s", id);
    int rc = audit_read(req, st, &p);
    if (rc != VX_OK)
        return rc;
    struct vx_fhir_immunization imm;
    struct vx_err err = {0};
    if (vx_regx_fhir_from_dose(&d, NULL, vx_http_req_arena(req), &imm, &err) != VX_OK)
        return vx_http_problem(req, VX_EINTERNAL, "cannot express the dose: %s", err.msg);
    struct vx_buf b;
    vx_buf_init(&b, RH_OUT_MAX);
    if (vx_fhir_imm_emit(&imm, false, &b) != VX_OK) {
        vx_buf_release(&b);
        return vx_http_problem(req, VX_EINTERNAL, "cannot write the Immunization");
    }
    return reply_fhir(req, &b);
}

static int h_status(struct vx_http_req *req)
{
    struct vx_store *st;
    if (vx_http_req_store(req, &st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "registers");
    if (!o || !arr) {
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    for (int i = 0; i < VX_REGX_COUNT; i++) {
        struct vx_regx_status_rec s;
        const char *code = vx_regx_register_code((enum vx_regx_register)i);
        if (st->ops->regx->status(st, code, &s) != VX_OK) {
            cJSON_Delete(o);
            return vx_http_problem(req, VX_ESTORE, "cannot read the register outbox");
        }
        cJSON *r = cJSON_CreateObject();
        if (!r) {
            cJSON_Delete(o);
            return VX_ENOMEM;
        }
        cJSON_AddItemToArray(arr, r);
        char when[32] = "";
        if (s.last_export_at)
            vx_time_format_local(s.last_export_at, when);
        cJSON_AddStringToObject(r, "register", code);
        cJSON_AddNumberToObject(r, "pending", (double)s.pending);
        cJSON_AddNumberToObject(r, "sent", (double)s.sent);
        cJSON_AddNumberToObject(r, "retrying", (double)s.retrying);
        cJSON_AddNumberToObject(r, "rejected", (double)s.rejected);
        cJSON_AddNumberToObject(r, "failed", (double)s.failed);
        cJSON_AddNumberToObject(r, "files", (double)s.batches);
        cJSON_AddNumberToObject(r, "cursor", (double)s.last_seq);
        cJSON_AddNumberToObject(r, "newest", (double)s.max_seq);
        if (*when)
            cJSON_AddStringToObject(r, "last_export_at", when);
        else
            cJSON_AddNullToObject(r, "last_export_at");
    }
    return vx_http_reply_json(req, 200, o);
}

static const struct vx_route regx_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/fhir/Immunization",
        .handler = h_search,
        .roles = PERSON_ROLES,
        .tag = "register",
        .summary = "FHIR R4 searchset Bundle of a patient's Immunizations",
        .description = "Citizens: their own (patient may be omitted). Staff: persons of their "
                       "scope. Audited read. Content type application/fhir+json.",
        .query = {{"patient", VX_JSON_STRING, .max_len = 13, .desc = "person id or personnummer",
                   .example = "\"12\""}},
        .response = "Bundle (type searchset) of Immunization",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/fhir/Immunization/{id}",
        .handler = h_read,
        .roles = PERSON_ROLES,
        .tag = "register",
        .summary = "One FHIR R4 Immunization by dose id",
        .description = "Same access rules as the search; 404 outside the caller's scope.",
        .params = {{"id", VX_JSON_STRING, .max_len = 18, .desc = "dose id"}},
        .response = "Immunization",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/register/status",
        .handler = h_status,
        .roles = STATUS_ROLES,
        .tag = "register",
        .summary = "Register export outbox: pending, sent, retrying, rejected, failed",
        .response = "{registers:[{register, pending, sent, retrying, rejected, failed, files, "
                    "cursor, newest, last_export_at}]}",
    },
};

const struct vx_http_module vx_regx_http_module = {
    .name = "regx",
    .routes = regx_routes,
    .n_routes = VX_ARRAY_LEN(regx_routes),
};
