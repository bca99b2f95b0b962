/*
 * issue.c — from dose records to a DCC payload.
 *
 * A DCC holds exactly one vaccination entry (schema: maxItems 1), so a person with
 * several doses gets the certificate of the latest one — the EU rule: "dn/sd" of the
 * last dose tells the whole story (2/2 = primary series complete, 3/3 or 3/2 = a
 * booster). The caller passes every dose record it has for the person; this file picks
 * the latest (by date, then dose number), checks that all records are one person, and
 * fills the entry from the vaccine catalogue's DCC codes (mp, vp, ma), never from free
 * text, so a product without DCC codes (seasonal influenza) cannot get a certificate.
 *
 * The UVCI is URN:UVCI:01:<country>:<issuer>/<opaque>#<check>. When the caller has no
 * opaque id of its own (the dose store will supply one), it is derived from SHA-256
 * over the dose record, so issuing the same dose twice gives the same identifier, and
 * the certificate carries no personnummer or other readable personal data in its id.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include "cert_int.h"

#define MAX_DOSE_NUMBER 20 /* dn/sd sanity bound */

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool dob_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return true; /* the schema allows an unknown date of birth */
    int y, m, d;
    if (n == 4)
        return sscanf(s, "%4d", &y) == 1 && y >= 1900 && y <= 2099;
    if (n == 7)
        return sscanf(s, "%4d-%2d", &y, &m) == 2 && y >= 1900 && y <= 2099 && m >= 1 && m <= 12;
    if (n == 10)
        return sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 && y >= 1900 && y <= 2099 &&
               vx_ymd_valid(y, m, d);
    return false;
}

/* Opaque UVCI part from the record: 16 upper-case hex digits of SHA-256. */
static void derive_opaque(const struct vx_cert_dose *d, const char *country, char out[17])
{
    char day[16];
    vx_day_format(d->date, day);
    char text[512];
    snprintf(text, sizeof text, "%s|%s|%s|%s|%s|%d|%s", country,
             d->family_name ? d->family_name : "", d->given_name ? d->given_name : "",
             d->dob ? d->dob : "", d->product->dcc.mp, d->dose_number, day);
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[16] = '\0';
}

enum vx_status vx_cert_dcc_build(const struct vx_cert_dose *doses, size_t n,
                                 const struct vx_cert_issue_opts *o, cJSON **out,
                                 struct vx_err *err)
{
    *out = NULL;
    if (!doses || n == 0)
        return vx_err_set(err, VX_EINVAL, "no dose records");
    const char *country = o && o->country ? o->country : "SE";
    const char *issuer = o && o->issuer ? o->issuer : "";
    if (strlen(country) != 2)
        return vx_err_set(err, VX_EINVAL, "country must be two letters");
    if (!*issuer || strlen(issuer) > 80)
        return vx_err_set(err, VX_EINVAL, "issuer (is) must be 1..80 characters");
    const struct vx_cert_dose *last = &doses[0];
    for (size_t i = 0; i < n; i++) {
        const struct vx_cert_dose *d = &doses[i];
        if (!same(d->family_name, doses[0].family_name) ||
            !same(d->given_name, doses[0].given_name) || !same(d->dob, doses[0].dob))
            return vx_err_set(err, VX_EINVAL, "dose record %zu is of another person", i + 1);
        if (!d->product || !d->product->dcc.mp || !d->product->dcc.vp || !d->product->dcc.ma)
            return vx_err_set(err, VX_EINVAL, "dose record %zu: product %s has no EU DCC codes",
                              i + 1, d->product ? d->product->code : "(none)");
        if (d->dose_number < 1 || d->dose_number > MAX_DOSE_NUMBER || d->total_doses < 1 ||
            d->total_doses > MAX_DOSE_NUMBER)
            return vx_err_set(err, VX_EINVAL, "dose record %zu: dose %d of %d out of range", i + 1,
                              d->dose_number, d->total_doses);
        if (d->date > last->date || (d->date == last->date && d->dose_number > last->dose_number))
            last = d;
    }
    if (!dob_ok(last->dob))
        return vx_err_set(err, VX_EINVAL, "date of birth '%s' is not YYYY[-MM[-DD]]",
                          last->dob ? last->dob : "");
    enum vx_translit tm = o ? o->translit : VX_TRANSLIT_ICAO;
    char fnt[VX_CERT_NAME_MAX] = "", gnt[VX_CERT_NAME_MAX] = "";
    bool has_fn = last->family_name && *last->family_name;
    bool has_gn = last->given_name && *last->given_name;
    if (!has_fn && !has_gn)
        return vx_err_set(err, VX_EINVAL, "a family or a given name is required");
    if (has_fn && vx_cert_transliterate(last->family_name, tm, fnt, sizeof fnt))
        return vx_err_set(err, VX_EINVAL, "family name cannot be standardised (ICAO 9303)");
    if (has_gn && vx_cert_transliterate(last->given_name, tm, gnt, sizeof gnt))
        return vx_err_set(err, VX_EINVAL, "given name cannot be standardised (ICAO 9303)");
    if ((has_fn && strlen(last->family_name) > 80) || (has_gn && strlen(last->given_name) > 80))
        return vx_err_set(err, VX_EINVAL, "names are limited to 80 characters");

    char opaque[17], uvci[VX_CERT_UVCI_MAX];
    const char *op = o && o->uvci_opaque && *o->uvci_opaque ? o->uvci_opaque : NULL;
    if (!op) {
        derive_opaque(last, country, opaque);
        op = opaque;
    }
    if (vx_uvci_make(country, o ? o->uvci_issuer : NULL, op, uvci, sizeof uvci))
        return vx_err_set(err, VX_EINVAL, "UVCI parts must be A-Z0-9 and fit 80 characters");

    char day[16];
    vx_day_format(last->date, day);
    cJSON *dcc = cJSON_CreateObject();
    cJSON *nam = cJSON_CreateObject();
    cJSON *varr = cJSON_CreateArray();
    cJSON *v = cJSON_CreateObject();
    bool ok = dcc && nam && varr && v;
    if (ok) {
        cJSON_AddItemToObject(dcc, "ver",
                              cJSON_CreateString(o && o->version ? o->version : "1.3.0"));
        if (has_fn) {
            cJSON_AddItemToObject(nam, "fn", cJSON_CreateString(last->family_name));
            cJSON_AddItemToObject(nam, "fnt", cJSON_CreateString(fnt));
        }
        if (has_gn) {
            cJSON_AddItemToObject(nam, "gn", cJSON_CreateString(last->given_name));
            cJSON_AddItemToObject(nam, "gnt", cJSON_CreateString(gnt));
        }
        cJSON_AddItemToObject(dcc, "nam", nam);
        cJSON_AddItemToObject(dcc, "dob", cJSON_CreateString(last->dob ? last->dob : ""));
        cJSON_AddItemToObject(v, "tg", cJSON_CreateString("840539006"));
        cJSON_AddItemToObject(v, "vp", cJSON_CreateString(last->product->dcc.vp));
        cJSON_AddItemToObject(v, "mp", cJSON_CreateString(last->product->dcc.mp));
        cJSON_AddItemToObject(v, "ma", cJSON_CreateString(last->product->dcc.ma));
        cJSON_AddItemToObject(v, "dn", cJSON_CreateNumber(last->dose_number));
        cJSON_AddItemToObject(v, "sd", cJSON_CreateNumber(last->total_doses));
        cJSON_AddItemToObject(v, "dt", cJSON_CreateString(day));
        cJSON_AddItemToObject(v, "co", cJSON_CreateString(country));
        cJSON_AddItemToObject(v, "is", cJSON_CreateString(issuer));
        cJSON_AddItemToObject(v, "ci", cJSON_CreateString(uvci));
        cJSON_AddItemToArray(varr, v);
        cJSON_AddItemToObject(dcc, "v", varr);
        /* cJSON_Create* returned NULL somewhere? then an item is missing */
        ok = cJSON_GetArraySize(v) == 10 && cJSON_GetArraySize(dcc) == 4;
    } else {
        cJSON_Delete(nam);
        cJSON_Delete(varr);
        cJSON_Delete(v);
    }
    if (!ok) {
        cJSON_Delete(dcc);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    *out = dcc;
    return VX_OK;
}
