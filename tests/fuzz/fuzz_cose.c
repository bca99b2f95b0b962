/*
 * fuzz_cose.c — libFuzzer target for the CBOR/COSE layer: COSE_Sign1 structure,
 * headers, CWT claims, the CBOR -> DCC bridge and signature checking.
 *
 * The input is verified as COSE bytes against a trust list holding the Swedish test
 * signer of the shared dgc-testdata (SE/2DCode/raw/1.json), so the seed corpus reaches
 * a real ES256 verification. Invariants: a verification always concludes (every step
 * recorded, `valid` only when all passed); whatever decodes as a DCC re-encodes to CBOR
 * that decodes to an equal DCC.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vx_cert_trust *trust;

static void init(void)
{
    if (trust)
        return;
    if (vx_cert_trust_new(&trust) != VX_OK)
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
        /* EVP_DecodeBlock counts the bytes that '=' padding stands for */
        for (size_t i = b64; len > 0 && i > 0 && c->valuestring[i - 1] == '='; i--)
            len--;
        if (len > 0)
            vx_cert_trust_add(trust, der, (size_t)len, NULL);
    }
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    init();
    struct vx_cert_verify_opts o = {.trust = trust, .schema = NULL, .clock = 1622548800};
    struct vx_cert_result r;
    if (vx_cert_verify_cose(data, size, &o, &r) != VX_OK)
        abort();
    bool all = true;
    for (int s = VX_CERT_STEP_COSE; s < VX_CERT_STEP_COUNT; s++)
        if (s != VX_CERT_STEP_SCHEMA && r.outcome[s] != VX_CERT_PASS)
            all = false;
    if (all != r.valid)
        abort();
    if (r.dcc) {
        struct vx_buf b;
        cJSON *back = NULL;
        vx_buf_init(&b, VX_CERT_MAX_COSE);
        if (vx_cert_dcc_to_cbor(r.dcc, &b, NULL) != VX_OK ||
            vx_cert_cbor_to_dcc((const uint8_t *)b.data, b.len, &back, NULL) != VX_OK ||
            !vx_cert_dcc_equal(r.dcc, back, NULL, 0))
            abort();
        cJSON_Delete(back);
        vx_buf_release(&b);
    }
    vx_cert_result_release(&r);
    /* the same bytes as a bare DCC / CWT claims map */
    cJSON *dcc = NULL;
    if (vx_cert_cbor_to_dcc(data, size, &dcc, NULL) == VX_OK && !cJSON_IsObject(dcc))
        abort();
    cJSON_Delete(dcc);
    return 0;
}
