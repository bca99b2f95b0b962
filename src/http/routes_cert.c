/*
 * routes_cert.c — EU Digital COVID Certificates over HTTP (include/vx/cert_http.h).
 *
 * Two faces of src/cert:
 *
 *   citizen   GET /api/v1/me/certificate(.pdf|.png|.svg): the signed-in person's dose
 *             records (store op dose_list_person) → the latest dose of a product with
 *             EU DCC codes → vx_cert_dcc_build → vx_cert_sign → JSON / PDF / QR.
 *             The person must have completed the primary series of that product
 *             (dose number ≥ the catalogue's doses); otherwise 404 with a Swedish and
 *             an English text. The read of the person and the doses is audited
 *             ("person.read") before anything is answered. Each request signs anew:
 *             nothing is stored, and ECDSA makes every HC1 text different, which is
 *             fine — every one of them verifies.
 *
 *   verifier  POST /api/v1/certificates/verify {"hc1": "..."}: open to anyone (no
 *             session); vx_cert_verify with the module's trust list and schema at the
 *             server's clock (or the "clock" given) and every step's outcome with
 *             sv/en labels. Nothing is stored, audited or logged: the handler never
 *             prints, and problems it returns do not quote the input.
 *
 * State (built by the start hook, read-only afterwards, so handlers share it without
 * locks — the signer serialises its own use): the DCC schema with value sets, the
 * newest document signer of the key folder (NULL when none: the citizen routes then
 * answer 503), and the trust list = every signer certificate of the key folder (old
 * ones too, after a key rotation) plus an optional file or folder of extra PEMs.
 *
 * Time. As in the booking module, `serve --date D` pins the server's day to D at the
 * current wall-clock time of day; iat, exp and the verifier's clock follow it, so a
 * demo pinned to 2021-03-08 issues and accepts certificates of that day. The start
 * hook proves it: it signs a self-check DCC and verifies it at that time with the
 * same trust list and schema, and refuses to start when that fails (e.g. a key made
 * today cannot sign in 2021: notBefore > iat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/cert.h"
#include "vx/cert_http.h"
#include "vx/store.h"

#define CH_PATH_MAX      4096
#define CH_ISSUER        "vaxchain demo (Sverige)"
#define CH_UVCI_ISSUER   "VXC"
#define CH_MAX_DOSES     32
#define CH_QR_SCALE      6
#define CH_OUT_MAX       (16u * 1024u * 1024u)
#define CH_HC1_FIELD_MAX 16384

/* ------------------------------------------------------------------ options */

static struct {
    char keys[CH_PATH_MAX], trust[CH_PATH_MAX], schema[CH_PATH_MAX], valuesets[CH_PATH_MAX];
    char issuer[81];
    int valid_days;
    bool too_long;
} g_opts;

static void copy_opt(char *dst, const char *src)
{
    int n = snprintf(dst, CH_PATH_MAX, "%s", src ? src : "");
    if (n < 0 || n >= CH_PATH_MAX)
        g_opts.too_long = true;
}

void vx_cert_http_configure(const struct vx_cert_http_opts *o)
{
    memset(&g_opts, 0, sizeof g_opts);
    if (!o)
        return;
    copy_opt(g_opts.keys, o->keys_dir);
    copy_opt(g_opts.trust, o->trust_path);
    copy_opt(g_opts.schema, o->schema_path);
    copy_opt(g_opts.valuesets, o->valueset_dir);
    int n = snprintf(g_opts.issuer, sizeof g_opts.issuer, "%s", o->issuer ? o->issuer : CH_ISSUER);
    if (n < 0 || (size_t)n >= sizeof g_opts.issuer)
        g_opts.too_long = true;
    g_opts.valid_days = o->valid_days;
}

/* ------------------------------------------------------------------ state */

struct ch {
    const struct vx_catalog *cat;
    vx_day fixed_today; /* serve --date, 0 = the clock */
    struct vx_cert_schema *schema;
    struct vx_cert_signer *signer; /* NULL: no key folder, nothing is issued */
    struct vx_cert_trust *trust;
    char issuer[81];
    const char *country;
    int valid_days;
};

/* "now": the pinned day at the current time of day, or the clock. */
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
        out = t; /* cannot happen outside the spring-forward hour */
    return out + t % 60;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++) {
        out[k++] = digits[p[i] >> 4];
        out[k++] = digits[p[i] & 15];
    }
    out[k] = '\0';
}

/* ------------------------------------------------------------------ issuing */

/* One issued certificate: the DCC, its HC1 text and the dose it certifies. */
struct issued {
    cJSON *dcc; /* owned */
    struct vx_buf hc1;
    struct vx_dose_rec dose;
    const struct vx_product *product;
    int total;
    vx_time iat, exp;
};

static void issued_release(struct issued *is)
{
    cJSON_Delete(is->dcc);
    vx_buf_release(&is->hc1);
}

/* "YYYY-MM-DD", "YYYY-MM" or "YYYY" as far as the birth date is known. */
static void dob_text(const struct vx_pnr *p, char out[11])
{
    char d[16];
    vx_day_format(p->birth, d);
    size_t keep = p->birth_month_unknown ? 4 : p->birth_day_unknown ? 7 : 10;
    memcpy(out, d, keep);
    out[keep] = '\0';
}

/* 404 for a person without a completed vaccination: problem+json with both texts. */
static int no_certificate(struct vx_http_req *req)
{
    static const char *const sv = "Det finns ingen fullständig vaccination registrerad för dig, "
                                  "så inget vaccinationsbevis kan utfärdas ännu.";
    static const char *const en = "No completed vaccination is recorded for you, so no "
                                  "vaccination certificate can be issued yet.";
    bool english = !strcmp(vx_http_req_lang(req), "en");
    cJSON *p = cJSON_CreateObject();
    cJSON *msg = cJSON_CreateObject();
    if (!p || !msg) {
        cJSON_Delete(p);
        cJSON_Delete(msg);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(p, "type", "/problems/not-found");
    cJSON_AddStringToObject(p, "title", english ? "Not found" : "Hittades inte");
    cJSON_AddNumberToObject(p, "status", 404);
    cJSON_AddStringToObject(p, "detail", english ? en : sv);
    cJSON_AddStringToObject(p, "instance", vx_http_req_path(req));
    cJSON_AddStringToObject(p, "reason", "no-completed-vaccination");
    cJSON_AddStringToObject(msg, "sv", sv);
    cJSON_AddStringToObject(msg, "en", en);
    cJSON_AddItemToObject(p, "message", msg);
    char *text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    if (!text)
        return VX_ENOMEM;
    enum vx_status rc =
        vx_http_reply_text(req, 404, "application/problem+json", text, strlen(text));
    cJSON_free(text);
    return rc;
}

/*
 * Issue the caller's certificate into *is (caller releases it). Returns VX_OK, or the
 * handler's answer: a problem status, or 1 when a reply was already set (404).
 */
static int issue(struct vx_http_req *req, struct issued *is)
{
    struct ch *ch = vx_http_req_udata(req);
    const struct vx_session *s = vx_http_req_session(req);
    memset(is, 0, sizeof *is);
    vx_buf_init(&is->hc1, VX_CERT_MAX_TEXT);
    if (!ch->signer)
        return vx_http_problem(req, VX_EBUSY,
                               "this server issues no certificates (start it with --keys DIR)");
    if (!ch->cat)
        return vx_http_problem(req, VX_EINTERNAL, "no vaccine catalogue loaded");
    struct vx_store *st;
    if (vx_http_req_store(req, &st) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    struct vx_person_rec rec;
    enum vx_status rc = vx_auth_own_person(st, s, &rec);
    if (rc == VX_ENOTFOUND)
        return vx_http_problem(req, VX_ENOTFOUND, "person no longer registered");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the person");
    struct vx_dose_rec *doses = calloc(CH_MAX_DOSES, sizeof *doses);
    if (!doses)
        return VX_ENOMEM;
    int n = 0;
    rc = st->ops->dose_list_person(st, rec.p.id, doses, CH_MAX_DOSES, &n);
    if (rc != VX_OK) {
        free(doses);
        return vx_http_problem(req, VX_ESTORE, "cannot read the doses");
    }
    char detail[96];
    snprintf(detail, sizeof detail, "%s %s (certificate)", vx_http_req_method(req),
             vx_http_req_path(req));
    if (vx_audit_person(st, s, "person.read", rec.p.id, rec.p.region, detail) != VX_OK) {
        free(doses);
        return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
    }
    /* the latest dose of a product with DCC codes, by day then dose number (the rule
     * vx_cert_dcc_build applies), with its product */
    int best = -1;
    const struct vx_product *bp = NULL;
    vx_day best_day = 0;
    for (int i = 0; i < n && i < CH_MAX_DOSES; i++) {
        if (doses[i].voided) /* given in error: never on a certificate */
            continue;
        const struct vx_product *p = vx_catalog_find(ch->cat, doses[i].vaccine);
        if (!p || !p->dcc.mp || !p->dcc.vp || !p->dcc.ma)
            continue;
        vx_day day;
        int minute;
        vx_stockholm_local(doses[i].given_at, &day, &minute);
        if (best < 0 || day > best_day ||
            (day == best_day && doses[i].dose_number > doses[best].dose_number)) {
            best = i;
            bp = p;
            best_day = day;
        }
    }
    if (best < 0 || doses[best].dose_number < bp->doses) {
        free(doses);
        return no_certificate(req) == VX_OK ? 1 : VX_ENOMEM;
    }
    is->dose = doses[best];
    is->product = bp;
    is->total = is->dose.dose_number > bp->doses ? is->dose.dose_number : bp->doses;
    free(doses);

    char dob[11], opaque[24];
    dob_text(&rec.p.pnr, dob);
    snprintf(opaque, sizeof opaque, "V%010lld", (long long)is->dose.id);
    struct vx_cert_dose d = {
        .family_name = rec.family_name[0] ? rec.family_name : NULL,
        .given_name = rec.given_name[0] ? rec.given_name : NULL,
        .dob = dob,
        .product = bp,
        .dose_number = is->dose.dose_number,
        .total_doses = is->total,
        .date = best_day,
    };
    struct vx_cert_issue_opts io = {
        .country = ch->country,
        .issuer = ch->issuer,
        .uvci_issuer = CH_UVCI_ISSUER,
        .uvci_opaque = opaque,
    };
    struct vx_err err = {0};
    is->iat = ch_now(ch);
    is->exp = is->iat + (vx_time)ch->valid_days * 86400;
    if ((rc = vx_cert_dcc_build(&d, 1, &io, &is->dcc, &err)) != VX_OK ||
        (rc = vx_cert_sign(ch->signer, is->dcc, ch->schema, ch->country, is->iat, is->exp, &is->hc1,
                           &err)) != VX_OK) {
        /* the message names no person data: it is about codes, names' form, keys */
        return vx_http_problem(req, rc == VX_EINVAL ? VX_EINTERNAL : rc,
                               "cannot issue the certificate: %s", err.msg);
    }
    return VX_OK;
}

/* "data:image/png;base64,..." of buf[0..n) into `out` (for the page's <img>, so that
 * the QR shown is the very HC1 text of the same answer). */
static enum vx_status data_url(const char *buf, size_t n, struct vx_buf *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)buf;
    enum vx_status rc = vx_buf_puts(out, "data:image/png;base64,");
    for (size_t i = 0; rc == VX_OK && i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        rc = vx_buf_append(out, q, 4);
    }
    return rc;
}

static const char *dcc_str(const cJSON *o, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return v ? v : "";
}

static int h_certificate(struct vx_http_req *req)
{
    struct ch *ch = vx_http_req_udata(req);
    struct issued is;
    int rc = issue(req, &is);
    if (rc != VX_OK) {
        issued_release(&is);
        return rc > 0 ? VX_OK : rc;
    }
    const cJSON *nam = cJSON_GetObjectItemCaseSensitive(is.dcc, "nam");
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(is.dcc, "v"), 0);
    char buf[32], kid[2 * VX_CERT_KID_LEN + 1];
    cJSON *o = cJSON_CreateObject();
    cJSON *holder = cJSON_AddObjectToObject(o, "holder");
    cJSON *vac = cJSON_AddObjectToObject(o, "vaccination");
    if (!o || !holder || !vac) {
        cJSON_Delete(o);
        issued_release(&is);
        return VX_ENOMEM;
    }
    cJSON_AddStringToObject(o, "hc1", is.hc1.data);
    cJSON_AddStringToObject(o, "uvci", dcc_str(v, "ci"));
    cJSON_AddStringToObject(holder, "fn", dcc_str(nam, "fn"));
    cJSON_AddStringToObject(holder, "gn", dcc_str(nam, "gn"));
    cJSON_AddStringToObject(holder, "fnt", dcc_str(nam, "fnt"));
    cJSON_AddStringToObject(holder, "gnt", dcc_str(nam, "gnt"));
    cJSON_AddStringToObject(holder, "dob", dcc_str(is.dcc, "dob"));
    cJSON_AddNumberToObject(vac, "dose", is.dose.dose_number);
    cJSON_AddNumberToObject(vac, "of", is.total);
    cJSON_AddStringToObject(vac, "date", dcc_str(v, "dt"));
    cJSON_AddStringToObject(vac, "vaccine", is.product->code);
    cJSON_AddStringToObject(vac, "product", is.product->name);
    cJSON_AddStringToObject(vac, "manufacturer",
                            is.product->manufacturer ? is.product->manufacturer : "");
    cJSON_AddStringToObject(vac, "lot", is.dose.lot_number);
    cJSON_AddStringToObject(vac, "country", dcc_str(v, "co"));
    cJSON_AddStringToObject(vac, "issuer", dcc_str(v, "is"));
    cJSON_AddStringToObject(o, "issued_at", vx_time_format_local(is.iat, buf));
    cJSON_AddStringToObject(o, "expires_at", vx_time_format_local(is.exp, buf));
    hex(vx_cert_signer_kid(ch->signer), VX_CERT_KID_LEN, kid, sizeof kid);
    cJSON_AddStringToObject(o, "kid", kid);
    struct vx_buf png, url;
    vx_buf_init(&png, CH_OUT_MAX);
    vx_buf_init(&url, CH_OUT_MAX);
    struct vx_err err = {0};
    enum vx_status st = vx_cert_qr_png(is.hc1.data, CH_QR_SCALE, &png, &err);
    if (st == VX_OK)
        st = data_url(png.data, png.len, &url);
    if (st == VX_OK)
        cJSON_AddStringToObject(o, "qr_png", url.data);
    vx_buf_release(&png);
    vx_buf_release(&url);
    cJSON_AddItemToObject(o, "dcc", is.dcc);
    is.dcc = NULL; /* now owned by o */
    issued_release(&is);
    if (st != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, st, "cannot render the QR code: %s", err.msg);
    }
    return vx_http_reply_json(req, 200, o);
}

enum render_kind { R_PDF, R_PNG, R_SVG };

static int render(struct vx_http_req *req, enum render_kind kind)
{
    struct issued is;
    int rc = issue(req, &is);
    if (rc != VX_OK) {
        issued_release(&is);
        return rc > 0 ? VX_OK : rc;
    }
    struct vx_buf out;
    vx_buf_init(&out, CH_OUT_MAX);
    struct vx_err err = {0};
    static const char *const types[] = {"application/pdf", "image/png", "image/svg+xml"};
    enum vx_status st;
    if (kind == R_PDF) {
        struct vx_cert_pdf_text pt = {.product = is.product->name,
                                      .manufacturer = is.product->manufacturer};
        st = vx_cert_pdf(is.dcc, is.hc1.data, &pt, &out, &err);
        if (st == VX_OK)
            st = vx_http_set_header(req, "Content-Disposition",
                                    "attachment; filename=\"vaccinationsbevis.pdf\"");
    } else if (kind == R_PNG) {
        st = vx_cert_qr_png(is.hc1.data, CH_QR_SCALE, &out, &err);
    } else {
        st = vx_cert_qr_svg(is.hc1.data, &out, &err);
    }
    if (st == VX_OK)
        st = vx_http_reply_text(req, 200, types[kind], out.data, out.len);
    else
        st = vx_http_problem(req, st, "cannot render the certificate: %s", err.msg);
    vx_buf_release(&out);
    issued_release(&is);
    return st;
}

static int h_certificate_pdf(struct vx_http_req *req)
{
    return render(req, R_PDF);
}

static int h_certificate_png(struct vx_http_req *req)
{
    return render(req, R_PNG);
}

static int h_certificate_svg(struct vx_http_req *req)
{
    return render(req, R_SVG);
}

/* ------------------------------------------------------------------ verifying */

static cJSON *label(const char *sv, const char *en)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "sv", sv);
        cJSON_AddStringToObject(o, "en", en);
    }
    return o;
}

static const char *const outcome_code[] = {"not_run", "pass", "fail"};

/* The verification result as the verifier page shows it. */
static cJSON *result_json(const struct vx_cert_result *r, vx_time clock)
{
    char buf[32];
    cJSON *o = cJSON_CreateObject();
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    if (!o || !steps) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddBoolToObject(o, "valid", r->valid);
    if (r->valid) {
        cJSON_AddNullToObject(o, "failed_step");
        cJSON_AddItemToObject(o, "result", label("Giltigt", "Valid"));
    } else {
        char sv[160], en[160];
        snprintf(sv, sizeof sv, "Ogiltigt: %s", vx_cert_step_label(r->first_failed, "sv"));
        snprintf(en, sizeof en, "Invalid: %s", vx_cert_step_label(r->first_failed, "en"));
        cJSON_AddStringToObject(o, "failed_step", vx_cert_step_name(r->first_failed));
        cJSON_AddItemToObject(o, "result", label(sv, en));
    }
    for (int i = 0; i < VX_CERT_STEP_COUNT; i++) {
        cJSON *s = cJSON_CreateObject();
        if (!s)
            break;
        cJSON_AddStringToObject(s, "step", vx_cert_step_name((enum vx_cert_step)i));
        cJSON_AddItemToObject(s, "label",
                              label(vx_cert_step_label((enum vx_cert_step)i, "sv"),
                                    vx_cert_step_label((enum vx_cert_step)i, "en")));
        unsigned oc = (unsigned)r->outcome[i];
        cJSON_AddStringToObject(s, "outcome", oc < 3 ? outcome_code[oc] : "fail");
        cJSON_AddStringToObject(s, "why", r->why[i]);
        cJSON_AddItemToArray(steps, s);
    }
    cJSON_AddStringToObject(o, "clock", vx_time_format_local(clock, buf));
    if (r->iss[0])
        cJSON_AddStringToObject(o, "iss", r->iss);
    if (r->has_iat)
        cJSON_AddStringToObject(o, "iat", vx_time_format_local(r->iat, buf));
    if (r->has_exp)
        cJSON_AddStringToObject(o, "exp", vx_time_format_local(r->exp, buf));
    if (r->kid_len) {
        char kid[2 * sizeof r->kid + 1];
        hex(r->kid, r->kid_len, kid, sizeof kid);
        cJSON_AddStringToObject(o, "kid", kid);
    }
    if (r->type) {
        char t[2] = {r->type, '\0'};
        cJSON_AddStringToObject(o, "type", t);
    }
    if (r->signer[0])
        cJSON_AddStringToObject(o, "signer", r->signer);
    if (r->dcc)
        cJSON_AddItemToObject(o, "dcc", cJSON_Duplicate(r->dcc, true));
    return o;
}

static int h_verify(struct vx_http_req *req)
{
    struct ch *ch = vx_http_req_udata(req);
    const cJSON *body = vx_http_req_body(req);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "hc1"));
    const char *clock_s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "clock"));
    vx_time clock = ch_now(ch);
    if (clock_s && vx_time_parse(clock_s, &clock) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "clock",
                                     "expected an RFC 3339 time, e.g. 2021-06-01T12:00:00Z");
    /* pasted text: surrounding white space (line breaks of a copy) is not part of it */
    size_t len = text ? strlen(text) : 0;
    while (len && (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
                   text[len - 1] == '\n'))
        len--;
    struct vx_cert_result r;
    struct vx_cert_verify_opts vo = {.trust = ch->trust, .schema = ch->schema, .clock = clock};
    if (vx_cert_verify(text ? text : "", len, &vo, &r) != VX_OK) {
        vx_cert_result_release(&r);
        return vx_http_problem(req, VX_ENOMEM, "cannot verify now");
    }
    cJSON *o = result_json(&r, clock);
    vx_cert_result_release(&r);
    return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
}

/* ------------------------------------------------------------------ start / stop */

static void ch_free(struct ch *ch)
{
    if (!ch)
        return;
    vx_cert_signer_free(ch->signer);
    vx_cert_trust_free(ch->trust);
    vx_cert_schema_free(ch->schema);
    free(ch);
}

static void cert_stop(void *udata)
{
    ch_free(udata);
}

/* Sign a DCC for a made-up person at the server's time and verify it: a signer that
 * cannot produce valid certificates now must not start. */
static enum vx_status self_check(struct ch *ch, struct vx_err *err)
{
    const struct vx_product *p = NULL;
    for (size_t i = 0; ch->cat && i < ch->cat->n_products && !p; i++)
        if (ch->cat->products[i].dcc.mp)
            p = &ch->cat->products[i];
    if (!p)
        return vx_err_set(err, VX_EINVAL, "the catalogue has no product with EU DCC codes");
    vx_time now = ch_now(ch);
    vx_day today;
    int minute;
    vx_stockholm_local(now, &today, &minute);
    struct vx_cert_dose d = {.family_name = "Självtest",
                             .given_name = "Signatur",
                             .dob = "1950-01-01",
                             .product = p,
                             .dose_number = p->doses,
                             .total_doses = p->doses,
                             .date = today};
    struct vx_cert_issue_opts io = {.country = ch->country,
                                    .issuer = ch->issuer,
                                    .uvci_issuer = CH_UVCI_ISSUER,
                                    .uvci_opaque = "SELFCHECK"};
    cJSON *dcc = NULL;
    struct vx_buf hc1;
    vx_buf_init(&hc1, VX_CERT_MAX_TEXT);
    struct vx_cert_result r;
    memset(&r, 0, sizeof r);
    enum vx_status rc = vx_cert_dcc_build(&d, 1, &io, &dcc, err);
    if (rc == VX_OK)
        rc = vx_cert_sign(ch->signer, dcc, ch->schema, ch->country, now,
                          now + (vx_time)ch->valid_days * 86400, &hc1, err);
    if (rc == VX_OK) {
        struct vx_cert_verify_opts vo = {.trust = ch->trust, .schema = ch->schema, .clock = now};
        rc = vx_cert_verify(hc1.data, hc1.len, &vo, &r);
        if (rc == VX_OK && !r.valid) {
            char at[32];
            rc = vx_err_set(err, VX_EINVAL,
                            "the document signer cannot issue valid certificates at %s: step "
                            "%s failed: %s (make new keys for this date)",
                            vx_time_format_local(now, at), vx_cert_step_name(r.first_failed),
                            r.why[r.first_failed]);
        }
    }
    vx_cert_result_release(&r);
    vx_buf_release(&hc1);
    cJSON_Delete(dcc);
    return rc;
}

static enum vx_status cert_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    const struct vx_http_config *cfg = vx_http_server_config(srv);
    if (g_opts.too_long)
        return vx_err_set(err, VX_EINVAL, "certificate options: a path is too long");
    if (!g_opts.schema[0])
        return vx_err_set(err, VX_EINVAL, "certificates need the DCC schema file");
    struct ch *ch = calloc(1, sizeof *ch);
    if (!ch)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    ch->cat = cfg->catalog;
    ch->fixed_today = cfg->today;
    ch->country = cfg->catalog && cfg->catalog->country ? cfg->catalog->country : "SE";
    ch->valid_days = g_opts.valid_days > 0 ? g_opts.valid_days : 365;
    snprintf(ch->issuer, sizeof ch->issuer, "%s", g_opts.issuer[0] ? g_opts.issuer : CH_ISSUER);
    enum vx_status rc = vx_cert_schema_load(
        g_opts.schema, g_opts.valuesets[0] ? g_opts.valuesets : NULL, &ch->schema, err);
    if (rc == VX_OK)
        rc = vx_cert_trust_new(&ch->trust);
    if (rc == VX_OK && g_opts.keys[0]) {
        rc = vx_cert_signer_load(g_opts.keys, &ch->signer, err);
        if (rc == VX_OK)
            rc = vx_cert_trust_load(ch->trust, g_opts.keys, err);
    }
    if (rc == VX_OK && g_opts.trust[0])
        rc = vx_cert_trust_load(ch->trust, g_opts.trust, err);
    if (rc == VX_OK && ch->signer)
        rc = self_check(ch, err);
    if (rc != VX_OK) {
        if (!err || !err->msg[0])
            vx_err_set(err, rc, "cannot load the certificate keys, trust list or schema");
        ch_free(ch);
        return rc;
    }
    *udata = ch;
    return VX_OK;
}

/* ------------------------------------------------------------------ routes */

#define CITIZEN VX_ROLE_BIT(VX_ROLE_CITIZEN)

static const struct vx_route cert_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/certificate",
        .handler = h_certificate,
        .roles = CITIZEN,
        .tag = "certificates",
        .summary = "My EU Digital COVID Certificate: HC1 text and what it certifies",
        .description = "Signed anew on each request from the latest dose of a completed "
                       "vaccination; 404 (with message.sv/.en) when there is none.",
        .response = "{hc1, uvci, holder:{fn, gn, fnt, gnt, dob}, vaccination:{dose, of, date, "
                    "vaccine, product, manufacturer, lot, country, issuer}, issued_at, "
                    "expires_at, kid, qr_png (data: URL of the QR code of this hc1), dcc}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/certificate.pdf",
        .handler = h_certificate_pdf,
        .roles = CITIZEN,
        .tag = "certificates",
        .summary = "My certificate as a one-page PDF (Swedish and English)",
        .response = "application/pdf",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/certificate.png",
        .handler = h_certificate_png,
        .roles = CITIZEN,
        .tag = "certificates",
        .summary = "My certificate's QR code as PNG",
        .response = "image/png",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/certificate.svg",
        .handler = h_certificate_svg,
        .roles = CITIZEN,
        .tag = "certificates",
        .summary = "My certificate's QR code as SVG",
        .response = "image/svg+xml",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/certificates/verify",
        .handler = h_verify,
        .roles = VX_ROLES_PUBLIC,
        .tag = "certificates",
        .summary = "Verify an EU DCC (HC1 text): every step's result; nothing is stored",
        .description = "Trust list: this server's document signers plus `serve --trust`. "
                       "Answers 200 for valid and invalid certificates alike.",
        .body = {{"hc1", VX_JSON_STRING, .required = true, .max_len = CH_HC1_FIELD_MAX,
                  .desc = "the certificate text, \"HC1:...\"", .example = "\"HC1:6BFOXN...\""},
                 {"clock", VX_JSON_STRING, .max_len = 40,
                  .desc = "validation time, RFC 3339 (default: the server's now)",
                  .example = "\"2021-06-01T12:00:00Z\""}},
        .response = "{valid, failed_step, result:{sv, en}, steps:[{step, label:{sv, en}, "
                    "outcome: pass|fail|not_run, why}], clock, iss, iat, exp, kid, type, "
                    "signer, dcc}",
    },
};

const struct vx_http_module vx_cert_http_module = {
    .name = "cert",
    .routes = cert_routes,
    .n_routes = VX_ARRAY_LEN(cert_routes),
    .start = cert_start,
    .stop = cert_stop,
};
