/*
 * verify.c — verification of an HC1 certificate, one recorded step at a time.
 *
 * The chain is undone in order: prefix -> base45 -> zlib -> COSE structure -> CWT
 * payload -> signature -> expiry -> schema -> key usage. The first three are a strict
 * pipeline (no bytes, no next step). From the COSE structure on, the steps only need
 * what earlier steps produced, so each runs whenever its inputs exist: a certificate
 * with a bad signature still has its payload decoded, its dates checked and its
 * schema validated, and a verifier page can show all of it. A step that cannot run
 * stays VX_CERT_NOT_RUN and counts as not passed.
 *
 * COSE details that the shared conformance cases pin down:
 *  - the message may be tagged 18 (COSE_Sign1), 61(18(...)) (CWT + COSE_Sign1) or
 *    untagged; any other tag is refused;
 *  - alg and kid come from the protected header when present there, else from the
 *    unprotected header ("protected wins": a wrong protected kid is not rescued by a
 *    right unprotected one);
 *  - the Sig_structure is built over the protected header bytes exactly as received.
 *
 * The result struct is caller-owned and plain, except the decoded DCC (cJSON), which
 * vx_cert_result_release frees.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cert_int.h"

static const struct {
    const char *name, *sv, *en;
} steps[VX_CERT_STEP_COUNT] = {
    [VX_CERT_STEP_PREFIX] = {"prefix", "Prefix (HC1:)", "Prefix (HC1:)"},
    [VX_CERT_STEP_BASE45] = {"base45", "Base45-avkodning", "Base45 decoding"},
    [VX_CERT_STEP_ZLIB] = {"zlib", "Dekomprimering (zlib)", "Decompression (zlib)"},
    [VX_CERT_STEP_COSE] = {"cose", "COSE-struktur", "COSE structure"},
    [VX_CERT_STEP_PAYLOAD] = {"payload", "Innehåll (CWT)", "Payload (CWT)"},
    [VX_CERT_STEP_SIGNATURE] = {"signature", "Signatur", "Signature"},
    [VX_CERT_STEP_EXPIRY] = {"expiry", "Giltighetstid", "Validity period"},
    [VX_CERT_STEP_SCHEMA] = {"schema", "Schemavalidering", "Schema validation"},
    [VX_CERT_STEP_KEYUSAGE] = {"keyusage", "Nyckelanvändning", "Key usage"},
};

const char *vx_cert_step_name(enum vx_cert_step step)
{
    return (unsigned)step < VX_CERT_STEP_COUNT ? steps[step].name : "?";
}

const char *vx_cert_step_label(enum vx_cert_step step, const char *lang)
{
    if ((unsigned)step >= VX_CERT_STEP_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? steps[step].en : steps[step].sv;
}

void vx_cert_result_release(struct vx_cert_result *r)
{
    if (!r)
        return;
    cJSON_Delete(r->dcc);
    r->dcc = NULL;
}

static void pass(struct vx_cert_result *r, enum vx_cert_step s)
{
    r->outcome[s] = VX_CERT_PASS;
    r->why[s][0] = '\0';
}

static void fail(struct vx_cert_result *r, enum vx_cert_step s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct vx_cert_result *r, enum vx_cert_step s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->outcome[s] = VX_CERT_FAIL;
    vsnprintf(r->why[s], sizeof r->why[s], fmt, ap);
    va_end(ap);
}

enum vx_status vx_cert_unprefix(const char *text, size_t len, const char **rest, size_t *rest_len,
                                struct vx_err *err)
{
    size_t pl = strlen(VX_CERT_PREFIX);
    if (len < pl || memcmp(text, VX_CERT_PREFIX, pl) != 0) {
        const char *colon = memchr(text, ':', len < 8 ? len : 8);
        if (colon)
            return vx_err_set(err, VX_EINVAL,
                              "context identifier '%.*s' is not HC1:", (int)(colon - text + 1),
                              text);
        return vx_err_set(err, VX_EINVAL, "no HC1: context identifier");
    }
    *rest = text + pl;
    *rest_len = len - pl;
    return VX_OK;
}

/* Time claim: integer or float seconds. */
static bool claim_time(const cbor_item_t *it, vx_time *out)
{
    int64_t v;
    it = cert_cbor_untag(it);
    if (cert_cbor_int(it, &v)) {
        *out = v;
        return true;
    }
    if (it && cbor_is_float(it)) {
        double d = cbor_float_get_float(it);
        if (d > -1e15 && d < 1e15) {
            *out = (vx_time)d;
            return true;
        }
    }
    return false;
}

static void decode_payload(struct vx_cert_result *r, const cbor_item_t *payload)
{
    struct vx_buf b;
    struct vx_err e = {0};
    vx_buf_init(&b, VX_CERT_MAX_COSE);
    if (cert_cbor_string(payload, &b)) {
        fail(r, VX_CERT_STEP_PAYLOAD, "payload unreadable");
        vx_buf_release(&b);
        return;
    }
    cbor_item_t *root = cert_cbor_load((const uint8_t *)b.data, b.len, &e);
    vx_buf_release(&b);
    if (!root) {
        fail(r, VX_CERT_STEP_PAYLOAD, "CWT: %s", e.msg);
        return;
    }
    const cbor_item_t *cwt = cert_cbor_untag(root);
    if (!cwt || !cbor_isa_map(cwt)) {
        fail(r, VX_CERT_STEP_PAYLOAD, "CWT claims are not a map");
        goto out;
    }
    const cbor_item_t *iss = cert_cbor_map_int(cwt, 1);
    if (iss && cbor_isa_string(iss)) {
        struct vx_buf ib;
        vx_buf_init(&ib, sizeof r->iss - 1);
        if (cert_cbor_string(iss, &ib) == VX_OK)
            snprintf(r->iss, sizeof r->iss, "%s", ib.data);
        vx_buf_release(&ib);
    }
    r->has_iat = claim_time(cert_cbor_map_int(cwt, 6), &r->iat);
    r->has_exp = claim_time(cert_cbor_map_int(cwt, 4), &r->exp);
    const cbor_item_t *hcert = cert_cbor_untag(cert_cbor_map_int(cwt, -260));
    if (!hcert || !cbor_isa_map(hcert)) {
        fail(r, VX_CERT_STEP_PAYLOAD, "CWT has no hcert claim (-260)");
        goto out;
    }
    const cbor_item_t *dcc = cert_cbor_untag(cert_cbor_map_int(hcert, 1));
    if (!dcc || !cbor_isa_map(dcc)) {
        fail(r, VX_CERT_STEP_PAYLOAD, "hcert holds no DCC map under key 1");
        goto out;
    }
    r->dcc = cert_cbor_to_json(dcc, 0, &e);
    if (!r->dcc) {
        fail(r, VX_CERT_STEP_PAYLOAD, "DCC: %s", e.msg);
        goto out;
    }
    int kinds = 0;
    static const char types[] = "vtr";
    for (int i = 0; i < 3; i++) {
        char k[2] = {types[i], 0};
        if (cJSON_GetObjectItemCaseSensitive(r->dcc, k)) {
            r->type = types[i];
            kinds++;
        }
    }
    if (kinds != 1)
        r->type = 0;
    pass(r, VX_CERT_STEP_PAYLOAD);
out:
    cbor_decref(&root);
}

/* What the COSE step extracts (borrowed from the loaded item). */
struct cose_parts {
    const cbor_item_t *prot, *payload, *sig;
};

static bool header_kid(struct vx_cert_result *r, const cbor_item_t *map, bool is_protected)
{
    const cbor_item_t *kid = cert_cbor_map_int(map, 4);
    if (!kid || !cbor_isa_bytestring(kid))
        return false;
    struct vx_buf b;
    vx_buf_init(&b, 64);
    bool ok = cert_cbor_string(kid, &b) == VX_OK && b.len <= sizeof r->kid;
    if (ok) {
        memcpy(r->kid, b.data, b.len);
        r->kid_len = b.len;
        r->kid_protected = is_protected;
    }
    vx_buf_release(&b);
    return ok;
}

/* COSE structure; on success fills parts and r->alg/kid. */
static bool parse_cose(struct vx_cert_result *r, const cbor_item_t *root, struct cose_parts *p,
                       cbor_item_t **prot_map)
{
    const cbor_item_t *it = root;
    if (cbor_isa_tag(it) && cbor_tag_value(it) == 61)
        it = cert_cbor_tag_inner(it);
    if (cbor_isa_tag(it)) {
        if (cbor_tag_value(it) != 18) {
            fail(r, VX_CERT_STEP_COSE, "tag %llu is not COSE_Sign1 (18)",
                 (unsigned long long)cbor_tag_value(it));
            return false;
        }
        it = cert_cbor_tag_inner(it);
    }
    if (!cbor_isa_array(it) || cbor_array_size(it) != 4) {
        fail(r, VX_CERT_STEP_COSE, "COSE_Sign1 must be an array of 4");
        return false;
    }
    cbor_item_t **a = cbor_array_handle(it);
    if (!cbor_isa_bytestring(a[0]) || !cbor_isa_map(a[1]) || !cbor_isa_bytestring(a[2]) ||
        !cbor_isa_bytestring(a[3])) {
        fail(r, VX_CERT_STEP_COSE,
             "COSE_Sign1 must be [bstr protected, map unprotected, bstr payload, bstr "
             "signature]");
        return false;
    }
    p->prot = a[0];
    p->payload = a[2];
    p->sig = a[3];
    struct vx_buf pb;
    struct vx_err e = {0};
    vx_buf_init(&pb, 4096);
    if (cert_cbor_string(a[0], &pb)) {
        vx_buf_release(&pb);
        fail(r, VX_CERT_STEP_COSE, "protected header too large");
        return false;
    }
    if (pb.len) {
        *prot_map = cert_cbor_load((const uint8_t *)pb.data, pb.len, &e);
        if (!*prot_map || !cbor_isa_map(*prot_map)) {
            vx_buf_release(&pb);
            fail(r, VX_CERT_STEP_COSE, "protected header is not a CBOR map");
            return false;
        }
    }
    vx_buf_release(&pb);
    const cbor_item_t *unprot = a[1];
    int64_t alg;
    const cbor_item_t *ai = *prot_map ? cert_cbor_map_int(*prot_map, 1) : NULL;
    if (!ai)
        ai = cert_cbor_map_int(unprot, 1);
    if (!ai || !cert_cbor_int(ai, &alg) || alg < INT32_MIN || alg > INT32_MAX) {
        fail(r, VX_CERT_STEP_COSE, "no algorithm (alg, 1) in the headers");
        return false;
    }
    r->alg = (int)alg;
    if (!(*prot_map && header_kid(r, *prot_map, true)))
        header_kid(r, unprot, false);
    pass(r, VX_CERT_STEP_COSE);
    return true;
}

static const char *alg_name(int alg)
{
    return alg == VX_CERT_ALG_ES256 ? "ES256" : alg == VX_CERT_ALG_PS256 ? "PS256" : "?";
}

static const struct cert_trusted *check_signature(struct vx_cert_result *r,
                                                  const struct cose_parts *p,
                                                  const struct vx_cert_trust *trust)
{
    if (r->kid_len == 0) {
        fail(r, VX_CERT_STEP_SIGNATURE, "no kid in the headers");
        return NULL;
    }
    const struct cert_trusted *t = cert_trust_find(trust, r->kid, r->kid_len);
    if (!t) {
        char hex[2 * sizeof r->kid + 1];
        cert_hex_encode(r->kid, r->kid_len, hex);
        fail(r, VX_CERT_STEP_SIGNATURE, "kid %s (%s header) is not in the trust list", hex,
             r->kid_protected ? "protected" : "unprotected");
        return NULL;
    }
    struct vx_buf prot, payload, sig, tbs;
    vx_buf_init(&prot, 4096);
    vx_buf_init(&payload, VX_CERT_MAX_COSE);
    vx_buf_init(&sig, 4096);
    vx_buf_init(&tbs, VX_CERT_MAX_COSE + 4200);
    struct vx_err e = {0};
    if (cert_cbor_string(p->prot, &prot) || cert_cbor_string(p->payload, &payload) ||
        cert_cbor_string(p->sig, &sig) ||
        cert_sig_structure((const uint8_t *)prot.data, prot.len, (const uint8_t *)payload.data,
                           payload.len, &tbs)) {
        fail(r, VX_CERT_STEP_SIGNATURE, "message too large");
    } else if (cert_sig_verify(t, r->alg, (const uint8_t *)tbs.data, tbs.len,
                               (const uint8_t *)sig.data, sig.len, &e)) {
        fail(r, VX_CERT_STEP_SIGNATURE, "%s: %s", alg_name(r->alg), e.msg);
    } else {
        pass(r, VX_CERT_STEP_SIGNATURE);
        snprintf(r->signer, sizeof r->signer, "%s", t->cn);
    }
    vx_buf_release(&prot);
    vx_buf_release(&payload);
    vx_buf_release(&sig);
    vx_buf_release(&tbs);
    return t;
}

static void fmt_time(vx_time t, char *buf, size_t cap)
{
    if (t < -62135596800 || t > 253402300799) { /* outside years 1..9999 */
        snprintf(buf, cap, "%lld (seconds)", (long long)t);
        return;
    }
    vx_day d = (vx_day)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    int s = (int)(t - (vx_time)d * 86400);
    char day[16];
    vx_day_format(d, day);
    snprintf(buf, cap, "%.10sT%02d:%02d:%02dZ", day, s / 3600, s / 60 % 60, s % 60);
}

void cert_step_expiry(struct vx_cert_result *r, const struct cert_trusted *t, vx_time clock)
{
    char a[48], b[48];
    if (!r->has_iat || !r->has_exp) {
        fail(r, VX_CERT_STEP_EXPIRY, "CWT lacks %s", r->has_iat ? "exp (4)" : "iat (6)");
        return;
    }
    if (t && r->iat < t->not_before) {
        fmt_time(r->iat, a, sizeof a);
        fmt_time(t->not_before, b, sizeof b);
        fail(r, VX_CERT_STEP_EXPIRY, "issued %s, before the signer certificate (%s)", a, b);
    } else if (clock < r->iat) {
        fmt_time(r->iat, a, sizeof a);
        fail(r, VX_CERT_STEP_EXPIRY, "not valid before %s (issued in the future)", a);
    } else if (clock > r->exp) {
        fmt_time(r->exp, a, sizeof a);
        fail(r, VX_CERT_STEP_EXPIRY, "expired %s", a);
    } else if (t && r->exp > t->not_after) {
        fmt_time(r->exp, a, sizeof a);
        fmt_time(t->not_after, b, sizeof b);
        fail(r, VX_CERT_STEP_EXPIRY, "valid until %s, after the signer certificate (%s)", a, b);
    } else if (!t) {
        fail(r, VX_CERT_STEP_EXPIRY, "signer certificate unknown");
    } else {
        pass(r, VX_CERT_STEP_EXPIRY);
    }
}

void cert_step_keyusage(struct vx_cert_result *r, const struct cert_trusted *t)
{
    static const struct {
        char type;
        unsigned bit;
        const char *what;
    } need[] = {{'t', CERT_EKU_TEST, "test"},
                {'v', CERT_EKU_VACC, "vaccination"},
                {'r', CERT_EKU_RECOVERY, "recovery"}};
    if (!t || !r->dcc) {
        fail(r, VX_CERT_STEP_KEYUSAGE, t ? "no DCC" : "signer certificate unknown");
        return;
    }
    if (t->eku == 0) { /* no DCC OID: the signer may sign every type */
        pass(r, VX_CERT_STEP_KEYUSAGE);
        return;
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(need); i++) {
        char k[2] = {need[i].type, 0};
        if (cJSON_GetObjectItemCaseSensitive(r->dcc, k) && !(t->eku & need[i].bit)) {
            fail(r, VX_CERT_STEP_KEYUSAGE,
                 "the signer certificate may not sign %s certificates (extended key usage)",
                 need[i].what);
            return;
        }
    }
    pass(r, VX_CERT_STEP_KEYUSAGE);
}

static void conclude(struct vx_cert_result *r, const struct vx_cert_verify_opts *o, int first)
{
    r->valid = true;
    for (int s = first; s < VX_CERT_STEP_COUNT; s++) {
        if (s == VX_CERT_STEP_SCHEMA && !o->schema)
            continue;
        if (r->outcome[s] != VX_CERT_PASS) {
            if (r->valid)
                r->first_failed = (enum vx_cert_step)s;
            r->valid = false;
        }
    }
}

static void verify_cose(const uint8_t *cose, size_t len, const struct vx_cert_verify_opts *o,
                        struct vx_cert_result *r)
{
    struct vx_err e = {0};
    cbor_item_t *root = cert_cbor_load(cose, len, &e);
    if (!root) {
        fail(r, VX_CERT_STEP_COSE, "%s", e.msg);
        return;
    }
    struct cose_parts p = {0};
    cbor_item_t *prot_map = NULL;
    if (parse_cose(r, root, &p, &prot_map)) {
        decode_payload(r, p.payload);
        const struct cert_trusted *t = check_signature(r, &p, o->trust);
        if (r->outcome[VX_CERT_STEP_PAYLOAD] == VX_CERT_PASS) {
            cert_step_expiry(r, t, o->clock);
            if (o->schema) {
                if (vx_cert_schema_validate(o->schema, r->dcc, &e))
                    fail(r, VX_CERT_STEP_SCHEMA, "%s", e.msg);
                else
                    pass(r, VX_CERT_STEP_SCHEMA);
            }
            cert_step_keyusage(r, t);
        }
    }
    if (prot_map)
        cbor_decref(&prot_map);
    cbor_decref(&root);
}

enum vx_status vx_cert_verify_cose(const uint8_t *cose, size_t len,
                                   const struct vx_cert_verify_opts *o, struct vx_cert_result *r)
{
    memset(r, 0, sizeof *r);
    verify_cose(cose, len, o, r);
    conclude(r, o, VX_CERT_STEP_COSE);
    return VX_OK;
}

enum vx_status vx_cert_verify(const char *text, size_t len, const struct vx_cert_verify_opts *o,
                              struct vx_cert_result *r)
{
    memset(r, 0, sizeof *r);
    struct vx_err e = {0};
    const char *b45 = NULL;
    size_t b45_len = 0;
    struct vx_buf z, cose;
    vx_buf_init(&z, VX_CERT_MAX_TEXT);
    vx_buf_init(&cose, VX_CERT_MAX_COSE);
    /* trailing newline/whitespace from a paste or a file is not part of the text */
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    if (len > VX_CERT_MAX_TEXT) {
        fail(r, VX_CERT_STEP_PREFIX, "text longer than %u characters", VX_CERT_MAX_TEXT);
        goto out;
    }
    if (vx_cert_unprefix(text, len, &b45, &b45_len, &e)) {
        fail(r, VX_CERT_STEP_PREFIX, "%s", e.msg);
        goto out;
    }
    pass(r, VX_CERT_STEP_PREFIX);
    if (vx_base45_decode(b45, b45_len, &z, &e)) {
        fail(r, VX_CERT_STEP_BASE45, "%s", e.msg);
        goto out;
    }
    pass(r, VX_CERT_STEP_BASE45);
    if (vx_cert_inflate((const uint8_t *)z.data, z.len, &cose, &e)) {
        fail(r, VX_CERT_STEP_ZLIB, "%s", e.msg);
        goto out;
    }
    pass(r, VX_CERT_STEP_ZLIB);
    verify_cose((const uint8_t *)cose.data, cose.len, o, r);
out:
    vx_buf_release(&z);
    vx_buf_release(&cose);
    conclude(r, o, VX_CERT_STEP_PREFIX);
    return VX_OK;
}
