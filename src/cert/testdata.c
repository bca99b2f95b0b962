/*
 * testdata.c — the conformance runner over the EU dgc-testdata layout.
 *
 * Every test file is a JSON object holding some of the chain's stages (JSON, CBOR,
 * COSE, COMPRESSED, BASE45, PREFIX, 2DCODE), a TESTCTX (signer certificate, validation
 * clock) and EXPECTEDRESULTS: flags that say whether a step must succeed (true) or fail
 * (false). The runner evaluates each flag present with this module's own functions —
 * the same ones `cert verify` uses, so agreement here is agreement of the product, not
 * of a test double — and reports disagreements. A flag whose inputs are absent is
 * skipped, as the upstream harness does. Flag by flag (see docs/cert.md):
 *
 *   UNPREFIX        PREFIX = "HC1:" + BASE45
 *   B45DECODE       base45(BASE45) = COMPRESSED (or, without COMPRESSED, inflates to COSE)
 *   COMPRESSION     inflate(COMPRESSED, else base45(BASE45)) = COSE
 *   VERIFY          COSE structure and signature with TESTCTX.CERTIFICATE as trust list
 *   DECODE          COSE payload -> CWT -> hcert -> DCC, equal to JSON and CBOR
 *   VALIDJSON       CBOR decodes to a DCC equal to JSON
 *   SCHEMAVALIDATION the DCC (COSE payload, else CBOR, else the PREFIX chain) is
 *                   schema-valid with exactly one of v/t/r
 *   EXPIRATIONCHECK DSC notBefore <= iat <= VALIDATIONCLOCK <= exp <= DSC notAfter
 *   KEYUSAGE        DSC extended key usage allows the DCC's type
 *   VALIDOBJECT     JSON is schema-valid
 *   ENCODE          our CBOR encoding of JSON equals CBOR semantically
 *   PICTUREDECODE   the QR code in 2DCODE reads as PREFIX (needs a QR decoder)
 *
 * Where a flag needs COSE bytes and the file has no COSE field, the bytes come from
 * the PREFIX through the chain (common/CBO1 is such a case).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cert_int.h"

#define CASE_MAX_BYTES (4u * 1024u * 1024u)
#define MAX_FILES      10000

enum verdict { V_AGREE, V_DISAGREE, V_SKIP };

struct tcase {
    const char *name;
    cJSON *root;
    const cJSON *json;
    const char *cbor, *cose, *compressed, *base45, *prefix, *png, *cert, *clock;
    const struct vx_cert_schema *schema;
    /* derived lazily */
    bool cose_done, cose_ok;
    struct vx_buf cose_bytes;
    struct vx_cert_trust *trust;
    bool trust_done;
    bool result_done;
    struct vx_cert_result result;
};

static const char *str_field(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void tcase_release(struct tcase *c)
{
    vx_buf_release(&c->cose_bytes);
    vx_cert_trust_free(c->trust);
    vx_cert_result_release(&c->result);
    cJSON_Delete(c->root);
}

/* COSE bytes: the COSE field, else PREFIX -> base45 -> inflate. */
static bool get_cose(struct tcase *c)
{
    if (c->cose_done)
        return c->cose_ok;
    c->cose_done = true;
    vx_buf_init(&c->cose_bytes, VX_CERT_MAX_COSE);
    if (c->cose) {
        c->cose_ok = cert_hex_decode(c->cose, strlen(c->cose), &c->cose_bytes) == VX_OK;
        return c->cose_ok;
    }
    if (!c->prefix)
        return false;
    const char *b45;
    size_t n;
    struct vx_buf z;
    vx_buf_init(&z, VX_CERT_MAX_TEXT);
    c->cose_ok = vx_cert_unprefix(c->prefix, strlen(c->prefix), &b45, &n, NULL) == VX_OK &&
                 vx_base45_decode(b45, n, &z, NULL) == VX_OK &&
                 vx_cert_inflate((const uint8_t *)z.data, z.len, &c->cose_bytes, NULL) == VX_OK;
    vx_buf_release(&z);
    return c->cose_ok;
}

static struct vx_cert_trust *get_trust(struct tcase *c, const char **why)
{
    if (c->trust_done)
        return c->trust;
    c->trust_done = true;
    *why = "no TESTCTX.CERTIFICATE";
    if (!c->cert)
        return NULL;
    struct vx_buf der;
    vx_buf_init(&der, 64 * 1024);
    struct vx_cert_trust *t = NULL;
    if (cert_b64_decode(c->cert, strlen(c->cert), &der) == VX_OK &&
        vx_cert_trust_new(&t) == VX_OK &&
        vx_cert_trust_add(t, (const uint8_t *)der.data, der.len, NULL) == VX_OK &&
        vx_cert_trust_count(t) == 1) {
        c->trust = t;
    } else {
        vx_cert_trust_free(t);
        *why = "TESTCTX.CERTIFICATE unreadable";
    }
    vx_buf_release(&der);
    return c->trust;
}

static vx_time get_clock(const struct tcase *c, bool *ok)
{
    vx_time t = 0;
    *ok = c->clock && cert_time_parse(c->clock, &t, NULL);
    return t;
}

/* The verification of the COSE bytes against the case's certificate and clock. */
static const struct vx_cert_result *get_result(struct tcase *c)
{
    if (c->result_done)
        return get_cose(c) ? &c->result : NULL;
    c->result_done = true;
    if (!get_cose(c))
        return NULL;
    const char *why;
    bool clock_ok;
    struct vx_cert_verify_opts o = {
        .trust = get_trust(c, &why), .schema = c->schema, .clock = get_clock(c, &clock_ok)};
    vx_cert_verify_cose((const uint8_t *)c->cose_bytes.data, c->cose_bytes.len, &o, &c->result);
    return &c->result;
}

/* The signer entry of the case (the certificate itself, whatever kid the COSE has). */
static const struct cert_trusted *case_signer(struct tcase *c)
{
    const char *why;
    struct vx_cert_trust *t = get_trust(c, &why);
    return t ? cert_trust_find(t, vx_cert_trust_kid(t, 0), VX_CERT_KID_LEN) : NULL;
}

static bool bytes_equal(const struct vx_buf *a, const char *hex)
{
    struct vx_buf b;
    vx_buf_init(&b, VX_CERT_MAX_COSE);
    bool eq = cert_hex_decode(hex, strlen(hex), &b) == VX_OK && a->len == b.len &&
              memcmp(a->data, b.data, a->len) == 0;
    vx_buf_release(&b);
    return eq;
}

/* ------------------------------------------------------------- each flag */

typedef enum verdict (*flag_fn)(struct tcase *c, bool *actual, char *detail, size_t cap);

static enum verdict f_unprefix(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->prefix)
        return snprintf(d, cap, "no PREFIX"), V_SKIP;
    const char *rest;
    size_t n;
    struct vx_err e = {0};
    *actual = vx_cert_unprefix(c->prefix, strlen(c->prefix), &rest, &n, &e) == VX_OK;
    if (!*actual)
        snprintf(d, cap, "%s", e.msg);
    else if (c->base45 && (n != strlen(c->base45) || memcmp(rest, c->base45, n) != 0)) {
        *actual = false;
        snprintf(d, cap, "PREFIX is not HC1: + BASE45");
    }
    return V_AGREE;
}

static enum verdict f_b45(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->base45)
        return snprintf(d, cap, "no BASE45"), V_SKIP;
    struct vx_buf z, cose;
    struct vx_err e = {0};
    vx_buf_init(&z, VX_CERT_MAX_TEXT);
    vx_buf_init(&cose, VX_CERT_MAX_COSE);
    *actual = vx_base45_decode(c->base45, strlen(c->base45), &z, &e) == VX_OK;
    if (!*actual) {
        snprintf(d, cap, "%s", e.msg);
    } else if (c->compressed) {
        *actual = bytes_equal(&z, c->compressed);
        if (!*actual)
            snprintf(d, cap, "decoded bytes differ from COMPRESSED");
    } else if (c->cose) { /* no COMPRESSED (DK): check end to end */
        *actual = vx_cert_inflate((const uint8_t *)z.data, z.len, &cose, &e) == VX_OK &&
                  bytes_equal(&cose, c->cose);
        if (!*actual)
            snprintf(d, cap, "decoded bytes do not inflate to COSE");
    }
    vx_buf_release(&z);
    vx_buf_release(&cose);
    return V_AGREE;
}

static enum verdict f_compression(struct tcase *c, bool *actual, char *d, size_t cap)
{
    struct vx_buf z, cose;
    struct vx_err e = {0};
    vx_buf_init(&z, VX_CERT_MAX_TEXT);
    vx_buf_init(&cose, VX_CERT_MAX_COSE);
    enum verdict v = V_AGREE;
    if (c->compressed) {
        if (cert_hex_decode(c->compressed, strlen(c->compressed), &z))
            vx_buf_clear(&z);
    } else if (!c->base45 || vx_base45_decode(c->base45, strlen(c->base45), &z, NULL)) {
        v = V_SKIP;
        snprintf(d, cap, "no COMPRESSED and no decodable BASE45");
    }
    if (v == V_AGREE) {
        *actual = vx_cert_inflate((const uint8_t *)z.data, z.len, &cose, &e) == VX_OK;
        if (!*actual)
            snprintf(d, cap, "%s", e.msg);
        else if (c->cose && !bytes_equal(&cose, c->cose)) {
            *actual = false;
            snprintf(d, cap, "inflated bytes differ from COSE");
        }
    }
    vx_buf_release(&z);
    vx_buf_release(&cose);
    return v;
}

static enum verdict f_verify(struct tcase *c, bool *actual, char *d, size_t cap)
{
    const char *why = "";
    if (!get_trust(c, &why))
        return snprintf(d, cap, "%s", why), V_SKIP;
    const struct vx_cert_result *r = get_result(c);
    if (!r) {
        *actual = false;
        snprintf(d, cap, "no COSE bytes (COSE absent, PREFIX chain broken)");
        return V_AGREE;
    }
    *actual = r->outcome[VX_CERT_STEP_COSE] == VX_CERT_PASS &&
              r->outcome[VX_CERT_STEP_SIGNATURE] == VX_CERT_PASS;
    if (!*actual)
        snprintf(d, cap, "%s",
                 r->outcome[VX_CERT_STEP_COSE] != VX_CERT_PASS ? r->why[VX_CERT_STEP_COSE]
                                                               : r->why[VX_CERT_STEP_SIGNATURE]);
    return V_AGREE;
}

static enum verdict f_decode(struct tcase *c, bool *actual, char *d, size_t cap)
{
    const struct vx_cert_result *r = get_result(c);
    if (!r || r->outcome[VX_CERT_STEP_PAYLOAD] != VX_CERT_PASS) {
        *actual = false;
        snprintf(d, cap, "%s",
                 !r                                              ? "no COSE bytes"
                 : r->outcome[VX_CERT_STEP_COSE] != VX_CERT_PASS ? r->why[VX_CERT_STEP_COSE]
                                                                 : r->why[VX_CERT_STEP_PAYLOAD]);
        return V_AGREE;
    }
    char where[256];
    *actual = true;
    if (c->json && !vx_cert_dcc_equal(r->dcc, c->json, where, sizeof where)) {
        *actual = false;
        snprintf(d, cap, "payload differs from JSON at %s", where);
    } else if (c->cbor) {
        struct vx_buf b;
        cJSON *dcc = NULL;
        vx_buf_init(&b, VX_CERT_MAX_COSE);
        if (cert_hex_decode(c->cbor, strlen(c->cbor), &b) ||
            vx_cert_cbor_to_dcc((const uint8_t *)b.data, b.len, &dcc, NULL) ||
            !vx_cert_dcc_equal(r->dcc, dcc, where, sizeof where)) {
            *actual = false;
            snprintf(d, cap, "payload differs from CBOR%s%s", dcc ? " at " : "",
                     dcc ? where : " (CBOR undecodable)");
        }
        cJSON_Delete(dcc);
        vx_buf_release(&b);
    }
    return V_AGREE;
}

static enum verdict f_validjson(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->cbor || !c->json)
        return snprintf(d, cap, "needs CBOR and JSON"), V_SKIP;
    struct vx_buf b;
    struct vx_err e = {0};
    cJSON *dcc = NULL;
    char where[256];
    vx_buf_init(&b, VX_CERT_MAX_COSE);
    *actual = cert_hex_decode(c->cbor, strlen(c->cbor), &b) == VX_OK &&
              vx_cert_cbor_to_dcc((const uint8_t *)b.data, b.len, &dcc, &e) == VX_OK;
    if (!*actual)
        snprintf(d, cap, "CBOR: %s", e.msg[0] ? e.msg : "not hex");
    else if (!vx_cert_dcc_equal(dcc, c->json, where, sizeof where)) {
        *actual = false;
        snprintf(d, cap, "CBOR differs from JSON at %s", where);
    }
    cJSON_Delete(dcc);
    vx_buf_release(&b);
    return V_AGREE;
}

static enum verdict f_schema(struct tcase *c, bool *actual, char *d, size_t cap)
{
    cJSON *own = NULL;
    const cJSON *dcc = NULL;
    const char *from = "";
    if (c->cose) {
        const struct vx_cert_result *r = get_result(c);
        dcc = r ? r->dcc : NULL;
        from = "COSE payload";
    }
    if (!dcc && c->cbor) {
        struct vx_buf b;
        vx_buf_init(&b, VX_CERT_MAX_COSE);
        if (cert_hex_decode(c->cbor, strlen(c->cbor), &b) == VX_OK)
            vx_cert_cbor_to_dcc((const uint8_t *)b.data, b.len, &own, NULL);
        vx_buf_release(&b);
        dcc = own;
        from = "CBOR";
    }
    if (!dcc) {
        const struct vx_cert_result *r = get_result(c);
        dcc = r ? r->dcc : NULL;
        from = "PREFIX chain";
    }
    if (!dcc) {
        *actual = false;
        snprintf(d, cap, "no decodable DCC");
        return V_AGREE;
    }
    struct vx_err e = {0};
    *actual = vx_cert_schema_validate(c->schema, dcc, &e) == VX_OK;
    if (!*actual)
        snprintf(d, cap, "%s: %s", from, e.msg);
    cJSON_Delete(own);
    return V_AGREE;
}

static enum verdict f_expiry(struct tcase *c, bool *actual, char *d, size_t cap)
{
    bool clock_ok;
    vx_time clock = get_clock(c, &clock_ok);
    if (!clock_ok)
        return snprintf(d, cap, "no usable VALIDATIONCLOCK"), V_SKIP;
    const struct cert_trusted *t = case_signer(c);
    if (!t)
        return snprintf(d, cap, "no usable TESTCTX.CERTIFICATE"), V_SKIP;
    const struct vx_cert_result *r = get_result(c);
    if (!r || r->outcome[VX_CERT_STEP_PAYLOAD] != VX_CERT_PASS) {
        *actual = false;
        snprintf(d, cap, "no CWT to read iat/exp from");
        return V_AGREE;
    }
    struct vx_cert_result tmp = *r;
    tmp.dcc = NULL; /* borrowed view; the step does not need the DCC */
    cert_step_expiry(&tmp, t, clock);
    *actual = tmp.outcome[VX_CERT_STEP_EXPIRY] == VX_CERT_PASS;
    if (!*actual)
        snprintf(d, cap, "%s", tmp.why[VX_CERT_STEP_EXPIRY]);
    return V_AGREE;
}

static enum verdict f_keyusage(struct tcase *c, bool *actual, char *d, size_t cap)
{
    const struct cert_trusted *t = case_signer(c);
    if (!t)
        return snprintf(d, cap, "no usable TESTCTX.CERTIFICATE"), V_SKIP;
    const struct vx_cert_result *r = get_result(c);
    if (!r || !r->dcc) {
        *actual = false;
        snprintf(d, cap, "no DCC to take the type from");
        return V_AGREE;
    }
    struct vx_cert_result tmp = *r; /* shares r->dcc, read only */
    cert_step_keyusage(&tmp, t);
    *actual = tmp.outcome[VX_CERT_STEP_KEYUSAGE] == VX_CERT_PASS;
    if (!*actual)
        snprintf(d, cap, "%s", tmp.why[VX_CERT_STEP_KEYUSAGE]);
    return V_AGREE;
}

static enum verdict f_validobject(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->json)
        return snprintf(d, cap, "no JSON"), V_SKIP;
    struct vx_err e = {0};
    *actual = vx_cert_schema_validate(c->schema, c->json, &e) == VX_OK;
    if (!*actual)
        snprintf(d, cap, "JSON: %s", e.msg);
    return V_AGREE;
}

static enum verdict f_encode(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->cbor || !c->json)
        return snprintf(d, cap, "needs CBOR and JSON"), V_SKIP;
    struct vx_buf ours, theirs;
    cJSON *a = NULL, *b = NULL;
    char where[256];
    vx_buf_init(&ours, VX_CERT_MAX_COSE);
    vx_buf_init(&theirs, VX_CERT_MAX_COSE);
    *actual = vx_cert_dcc_to_cbor(c->json, &ours, NULL) == VX_OK &&
              vx_cert_cbor_to_dcc((const uint8_t *)ours.data, ours.len, &a, NULL) == VX_OK &&
              cert_hex_decode(c->cbor, strlen(c->cbor), &theirs) == VX_OK &&
              vx_cert_cbor_to_dcc((const uint8_t *)theirs.data, theirs.len, &b, NULL) == VX_OK &&
              vx_cert_dcc_equal(a, b, where, sizeof where);
    if (!*actual)
        snprintf(d, cap, "our CBOR of JSON differs from CBOR");
    cJSON_Delete(a);
    cJSON_Delete(b);
    vx_buf_release(&ours);
    vx_buf_release(&theirs);
    return V_AGREE;
}

static enum verdict f_picture(struct tcase *c, bool *actual, char *d, size_t cap)
{
    if (!c->png || !c->prefix)
        return snprintf(d, cap, "needs 2DCODE and PREFIX"), V_SKIP;
    if (!vx_cert_qr_can_decode())
        return snprintf(d, cap, "this build has no QR decoder (zbar)"), V_SKIP;
    struct vx_buf png, text;
    struct vx_err e = {0};
    vx_buf_init(&png, CASE_MAX_BYTES);
    vx_buf_init(&text, VX_CERT_MAX_TEXT);
    *actual = cert_b64_decode(c->png, strlen(c->png), &png) == VX_OK &&
              vx_cert_qr_decode_png((const uint8_t *)png.data, png.len, &text, &e) == VX_OK;
    if (!*actual)
        snprintf(d, cap, "%s", e.msg[0] ? e.msg : "2DCODE is not base64");
    else if (strcmp(text.data, c->prefix) != 0) {
        *actual = false;
        snprintf(d, cap, "QR text differs from PREFIX");
    }
    vx_buf_release(&png);
    vx_buf_release(&text);
    return V_AGREE;
}

static const struct {
    const char *flag;
    flag_fn fn;
} flags[] = {
    {"EXPECTEDPICTUREDECODE", f_picture},   {"EXPECTEDUNPREFIX", f_unprefix},
    {"EXPECTEDB45DECODE", f_b45},           {"EXPECTEDCOMPRESSION", f_compression},
    {"EXPECTEDVERIFY", f_verify},           {"EXPECTEDDECODE", f_decode},
    {"EXPECTEDVALIDJSON", f_validjson},     {"EXPECTEDSCHEMAVALIDATION", f_schema},
    {"EXPECTEDEXPIRATIONCHECK", f_expiry},  {"EXPECTEDKEYUSAGE", f_keyusage},
    {"EXPECTEDVALIDOBJECT", f_validobject}, {"EXPECTEDENCODE", f_encode},
};

/* ---------------------------------------------------------------- walking */

struct file_list {
    char **v;
    size_t n, cap;
};

static enum vx_status collect(const char *dir, const char *rel, struct file_list *fl, int depth)
{
    if (depth > 16)
        return VX_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return VX_EIO;
    struct dirent *de;
    enum vx_status st = VX_OK;
    while (!st && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096], full[8200];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        struct stat sb;
        if (stat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            st = collect(dir, sub, fl, depth + 1);
            if (st == VX_EIO)
                st = VX_OK; /* unreadable subfolder: skip */
            continue;
        }
        size_t len = strlen(sub);
        if (len < 5 || strcmp(sub + len - 5, ".json") != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (fl->n == fl->cap) {
            size_t cap = fl->cap ? fl->cap * 2 : 64;
            char **nv = cap <= MAX_FILES ? realloc(fl->v, cap * sizeof *nv) : NULL;
            if (!nv) {
                st = VX_ENOMEM;
                break;
            }
            fl->v = nv;
            fl->cap = cap;
        }
        if (!(fl->v[fl->n] = strdup(sub)))
            st = VX_ENOMEM;
        else
            fl->n++;
    }
    closedir(d);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_case(const char *dir, const char *rel, const struct vx_cert_schema *schema,
                     bool verbose, vx_cert_testdata_cb cb, void *ctx,
                     struct vx_cert_testdata_stats *stats)
{
    char path[8200];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct vx_buf text;
    vx_buf_init(&text, CASE_MAX_BYTES);
    struct tcase c = {.name = rel, .schema = schema};
    bool readable = cert_read_file(path, &text, NULL) == VX_OK;
    c.root = readable ? cJSON_ParseWithLength(text.data, text.len) : NULL;
    vx_buf_release(&text);
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c.root, "EXPECTEDRESULTS");
    if (!cJSON_IsObject(exp)) {
        if (!c.root) { /* a JSON file that cannot be read is a failure of the set */
            stats->cases++;
            stats->failed++;
            cb(ctx, rel, NULL, false, readable ? "not valid JSON" : "cannot read");
        }
        cJSON_Delete(c.root);
        return; /* other JSON files (no EXPECTEDRESULTS) are not test cases */
    }
    stats->cases++;
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(c.root, "TESTCTX");
    c.json = cJSON_GetObjectItemCaseSensitive(c.root, "JSON");
    if (!cJSON_IsObject(c.json))
        c.json = NULL;
    c.cbor = str_field(c.root, "CBOR");
    c.cose = str_field(c.root, "COSE");
    c.compressed = str_field(c.root, "COMPRESSED");
    c.base45 = str_field(c.root, "BASE45");
    c.prefix = str_field(c.root, "PREFIX");
    c.png = str_field(c.root, "2DCODE");
    c.cert = str_field(tc, "CERTIFICATE");
    c.clock = str_field(tc, "VALIDATIONCLOCK");
    vx_buf_init(&c.cose_bytes, VX_CERT_MAX_COSE);

    bool all_agree = true;
    const cJSON *f;
    cJSON_ArrayForEach(f, exp)
    {
        if (!f->string || strncmp(f->string, "EXPECTED", 8) != 0)
            continue;
        flag_fn fn = NULL;
        for (size_t i = 0; i < VX_ARRAY_LEN(flags); i++)
            if (strcmp(flags[i].flag, f->string) == 0)
                fn = flags[i].fn;
        char detail[400] = "", line[560];
        if (!fn || !cJSON_IsBool(f)) {
            stats->skipped++;
            if (verbose)
                cb(ctx, rel, f->string, true,
                   fn ? "skipped: flag is not a boolean" : "skipped: unknown flag");
            continue;
        }
        bool want = cJSON_IsTrue(f), got = false;
        enum verdict v = fn(&c, &got, detail, sizeof detail);
        if (v == V_SKIP) {
            stats->skipped++;
            if (verbose) {
                snprintf(line, sizeof line, "skipped: %s", detail);
                cb(ctx, rel, f->string, true, line);
            }
            continue;
        }
        stats->checks++;
        bool agree = got == want;
        if (!agree || verbose) {
            snprintf(line, sizeof line, "expected %s, got %s%s%s", want ? "true" : "false",
                     got ? "true" : "false", detail[0] ? ": " : "", detail);
            cb(ctx, rel, f->string, agree, line);
        }
        all_agree = all_agree && agree;
    }
    if (all_agree)
        stats->passed++;
    else
        stats->failed++;
    tcase_release(&c);
}

enum vx_status vx_cert_testdata_run(const char *dir, const struct vx_cert_schema *schema,
                                    bool verbose, vx_cert_testdata_cb cb, void *ctx,
                                    struct vx_cert_testdata_stats *stats, struct vx_err *err)
{
    memset(stats, 0, sizeof *stats);
    if (!schema)
        return vx_err_set(err, VX_EINVAL, "a schema is required");
    struct file_list fl = {0};
    enum vx_status st = collect(dir, "", &fl, 0);
    if (st == VX_EIO)
        vx_err_set(err, st, "cannot read folder %s", dir);
    else if (st)
        vx_err_set(err, st, "too many files below %s", dir);
    if (!st) {
        qsort(fl.v, fl.n, sizeof *fl.v, cmp_str);
        for (size_t i = 0; i < fl.n; i++)
            run_case(dir, fl.v[i], schema, verbose, cb, ctx, stats);
    }
    for (size_t i = 0; i < fl.n; i++)
        free(fl.v[i]);
    free(fl.v);
    return st;
}
