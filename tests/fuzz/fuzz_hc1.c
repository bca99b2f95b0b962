/*
 * fuzz_hc1.c — libFuzzer target for full HC1 verification: prefix, base45, zlib, COSE,
 * CWT, signature, expiry, the schema validator and key usage, end to end.
 *
 * The first input byte picks the mode: 0 — the rest is the HC1 text itself; 1 — the
 * rest is COSE bytes that the target wraps (zlib, base45, "HC1:") so the fuzzer
 * reaches the inner steps without having to invent valid zlib and base45. The trust
 * list is the Swedish test signer of the shared dgc-testdata and the schema is the
 * shared DCC schema with its value sets. Invariants: the first three steps pass in
 * mode 1; `valid` holds exactly when every step passed; a step after a failed strict
 * step (prefix, base45, zlib) never ran.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "vx/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vx_cert_trust *trust;
static struct vx_cert_schema *schema;

static void init(void)
{
    if (trust)
        return;
    if (vx_cert_trust_new(&trust) != VX_OK)
        abort();
    if (vx_cert_schema_load(VX_SHARED_DATA_DIR "/interop/dcc/schema/DCC.combined-schema.json",
                            VX_SHARED_DATA_DIR "/interop/dcc/valuesets", &schema, NULL) != VX_OK)
        abort();
    FILE *f = fopen(VX_SHARED_DATA_DIR "/interop/dcc/testdata/SE/2DCode/raw/1.json", "rb");
    static char text[65536];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cJSON *root = cJSON_Parse(text);
    const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "TESTCTX"), "CERTIFICATE");
    if (cJSON_IsString(c)) {
        static unsigned char der[8192];
        size_t b64 = strlen(c->valuestring);
        int len = b64 < 10000
                      ? EVP_DecodeBlock(der, (const unsigned char *)c->valuestring, (int)b64)
                      : -1;
        for (size_t i = b64; len > 0 && i > 0 && c->valuestring[i - 1] == '='; i--)
            len--;
        if (len > 0)
            vx_cert_trust_add(trust, der, (size_t)len, NULL);
    }
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    init();
    int mode = data[0] & 1;
    struct vx_buf text;
    vx_buf_init(&text, VX_CERT_MAX_TEXT);
    if (mode == 0) {
        vx_buf_append(&text, data + 1, size - 1);
    } else {
        uLongf zl = compressBound((uLong)(size - 1));
        unsigned char *z = malloc(zl);
        if (!z || compress2(z, &zl, data + 1, (uLong)(size - 1), 6) != Z_OK)
            abort();
        vx_buf_puts(&text, VX_CERT_PREFIX);
        vx_base45_encode(z, zl, &text);
        free(z);
    }
    struct vx_cert_verify_opts o = {.trust = trust, .schema = schema, .clock = 1622548800};
    struct vx_cert_result r;
    if (vx_cert_verify(text.data, text.len, &o, &r) != VX_OK)
        abort();
    if (mode == 1 && (r.outcome[VX_CERT_STEP_PREFIX] != VX_CERT_PASS ||
                      r.outcome[VX_CERT_STEP_BASE45] != VX_CERT_PASS ||
                      r.outcome[VX_CERT_STEP_ZLIB] != VX_CERT_PASS))
        abort();
    bool all = true, strict_failed = false;
    for (int s = 0; s < VX_CERT_STEP_COUNT; s++) {
        if (r.outcome[s] != VX_CERT_PASS)
            all = false;
        if (strict_failed && r.outcome[s] != VX_CERT_NOT_RUN)
            abort();
        if (s <= VX_CERT_STEP_ZLIB && r.outcome[s] == VX_CERT_FAIL)
            strict_failed = true;
    }
    if (all != r.valid)
        abort();
    vx_cert_result_release(&r);
    vx_buf_release(&text);
    return 0;
}
