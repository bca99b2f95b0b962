/*
 * test_cert.c — EU Digital COVID Certificates: base45 (RFC 9285 vectors), ICAO 9303
 * name standardisation, the UVCI check character, the schema validator over the EU
 * schema examples, issue -> verify round trips (ES256 and PS256), every rejection step
 * (tampered signature, unknown kid, expired, not yet valid, bad prefix, bad base45,
 * truncated zlib, malformed CBOR, wrong COSE tag), key rotation, QR/SVG/PDF output
 * (the PNG read back with the QR decoder when the build has one), and the conformance
 * runner over the shared dgc-testdata (0 failed).
 *
 * Keys are made once per run under $VX_TEST_TMP with a fixed clock (2021-01-01), so
 * every certificate and validity check here is deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <cjson/cJSON.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/cert.h"

#define CATALOG_PATH VX_SOURCE_DIR "/data/vaccines.json"
#define SCHEMA_PATH  VX_SHARED_DATA_DIR "/interop/dcc/schema/DCC.combined-schema.json"
#define VS_DIR       VX_SHARED_DATA_DIR "/interop/dcc/valuesets"
#define EXAMPLES     VX_SHARED_DATA_DIR "/interop/dcc/schema/examples"
#define TESTDATA     VX_SHARED_DATA_DIR "/interop/dcc/testdata"

#define T2021   ((vx_time)1609459200) /* 2021-01-01T00:00:00Z */
#define DAY     ((vx_time)86400)
#define IAT     (T2021 + 60 * DAY) /* 2021-03-02 */
#define CLOCK   (T2021 + 120 * DAY)
#define VALIDTO (IAT + 365 * DAY)

struct world {
    char dir[512], k1[600], k2[600];
    struct vx_arena arena;
    const struct vx_catalog *cat;
    struct vx_cert_schema *schema;
    struct vx_cert_signer *signer;
    struct vx_cert_trust *trust;  /* k1 */
    struct vx_cert_trust *trust2; /* k2 (another signer) */
};

static struct world W;

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup_world(void **state)
{
    (void)state;
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(W.dir, sizeof W.dir, "%s/cert-%ld", tmp ? tmp : "/tmp", (long)getpid());
    mkdir(W.dir, 0700);
    snprintf(W.k1, sizeof W.k1, "%s/k1", W.dir);
    snprintf(W.k2, sizeof W.k2, "%s/k2", W.dir);
    struct vx_err err = {0};
    char kid[17];
    struct vx_cert_keygen_opts o = {.dir = W.k1, .country = "SE", .now = T2021};
    if (vx_cert_keygen(&o, kid, &err) != VX_OK)
        fail_msg("keygen: %s", err.msg);
    o.dir = W.k2;
    if (vx_cert_keygen(&o, kid, &err) != VX_OK)
        fail_msg("keygen: %s", err.msg);
    if (vx_cert_signer_load(W.k1, &W.signer, &err) != VX_OK)
        fail_msg("signer: %s", err.msg);
    assert_int_equal(vx_cert_trust_new(&W.trust), VX_OK);
    assert_int_equal(vx_cert_trust_new(&W.trust2), VX_OK);
    if (vx_cert_trust_load(W.trust, W.k1, &err) || vx_cert_trust_load(W.trust2, W.k2, &err))
        fail_msg("trust: %s", err.msg);
    if (vx_cert_schema_load(SCHEMA_PATH, VS_DIR, &W.schema, &err) != VX_OK)
        fail_msg("schema: %s", err.msg);
    size_t len;
    char *text = slurp(CATALOG_PATH, &len);
    vx_arena_init(&W.arena, 0);
    if (vx_catalog_parse(text, len, &W.arena, &W.cat, &err) != VX_OK)
        fail_msg("catalogue: %s", err.msg);
    free(text);
    return 0;
}

static int teardown_world(void **state)
{
    (void)state;
    vx_cert_signer_free(W.signer);
    vx_cert_trust_free(W.trust);
    vx_cert_trust_free(W.trust2);
    vx_cert_schema_free(W.schema);
    vx_arena_release(&W.arena);
    rm_dir(W.k1);
    rm_dir(W.k2);
    rmdir(W.dir);
    vx_cert_render_cleanup();
    return 0;
}

static struct vx_cert_dose dose(const char *product, int n, int of, const char *day)
{
    struct vx_cert_dose d = {.family_name = "Öberg-Ärlig",
                             .given_name = "Åsa",
                             .dob = "1956-03-02",
                             .product = vx_catalog_find(W.cat, product),
                             .dose_number = n,
                             .total_doses = of};
    assert_non_null(d.product);
    assert_int_equal(vx_day_parse(day, &d.date), VX_OK);
    return d;
}

static const struct vx_cert_issue_opts issue_opts = {
    .country = "SE", .issuer = "Folkhälsomyndigheten (test)", .uvci_issuer = "VXC"};

/* An HC1 text for Åsa's second Comirnaty dose, signed by `s`. Caller releases. */
static void issue(struct vx_cert_signer *s, struct vx_buf *hc1, cJSON **dcc_out)
{
    struct vx_cert_dose d[2] = {dose("COM", 1, 2, "2021-02-01"), dose("COM", 2, 2, "2021-03-01")};
    cJSON *dcc = NULL;
    struct vx_err err = {0};
    if (vx_cert_dcc_build(d, 2, &issue_opts, &dcc, &err) != VX_OK)
        fail_msg("build: %s", err.msg);
    vx_buf_init(hc1, VX_CERT_MAX_TEXT);
    if (vx_cert_sign(s, dcc, W.schema, "SE", IAT, VALIDTO, hc1, &err) != VX_OK)
        fail_msg("sign: %s", err.msg);
    if (dcc_out)
        *dcc_out = dcc;
    else
        cJSON_Delete(dcc);
}

static void verify(const char *text, size_t len, const struct vx_cert_trust *t, vx_time clock,
                   struct vx_cert_result *r)
{
    struct vx_cert_verify_opts o = {.trust = t, .schema = W.schema, .clock = clock};
    assert_int_equal(vx_cert_verify(text, len, &o, r), VX_OK);
}

/* HC1 -> COSE bytes (test helper, via the public single steps). */
static void hc1_to_cose(const char *hc1, struct vx_buf *cose)
{
    const char *b45;
    size_t n;
    struct vx_buf z;
    vx_buf_init(&z, VX_CERT_MAX_TEXT);
    vx_buf_init(cose, VX_CERT_MAX_COSE);
    assert_int_equal(vx_cert_unprefix(hc1, strlen(hc1), &b45, &n, NULL), VX_OK);
    assert_int_equal(vx_base45_decode(b45, n, &z, NULL), VX_OK);
    assert_int_equal(vx_cert_inflate((const uint8_t *)z.data, z.len, cose, NULL), VX_OK);
    vx_buf_release(&z);
}

/* bytes -> zlib (optionally cut by `cut` bytes) -> base45 -> "HC1:" */
static void wrap(const uint8_t *p, size_t n, size_t cut, struct vx_buf *hc1)
{
    uLongf zl = compressBound((uLong)n);
    unsigned char *z = malloc(zl);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zl, p, (uLong)n, 9), Z_OK);
    vx_buf_init(hc1, VX_CERT_MAX_TEXT);
    vx_buf_puts(hc1, "HC1:");
    assert_int_equal(vx_base45_encode(z, zl - cut, hc1), VX_OK);
    free(z);
}

/* ------------------------------------------------------------------ base45 */

static void test_base45_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *plain, *enc;
    } v[] = {{"AB", "BB8"},
             {"Hello!!", "%69 VD92EX0"},
             {"base-45", "UJCLQE7W581"},
             {"ietf!", "QED8WEX0"},
             {"", ""}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct vx_buf b;
        vx_buf_init(&b, 1024);
        assert_int_equal(vx_base45_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), &b),
                         VX_OK);
        assert_string_equal(b.data, v[i].enc);
        vx_buf_clear(&b);
        assert_int_equal(vx_base45_decode(v[i].enc, strlen(v[i].enc), &b, NULL), VX_OK);
        assert_int_equal(b.len, strlen(v[i].plain));
        assert_memory_equal(b.data, v[i].plain, b.len);
        vx_buf_release(&b);
    }
    static const char *const bad[] = {"GGW", "a00", "A", "BB8A", "0~0", ":::"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vx_buf b;
        struct vx_err e = {0};
        vx_buf_init(&b, 1024);
        assert_int_equal(vx_base45_decode(bad[i], strlen(bad[i]), &b, &e), VX_EINVAL);
        assert_true(e.msg[0] != '\0');
        vx_buf_release(&b);
    }
    /* every byte value round-trips */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)(255 - i);
    struct vx_buf b, back;
    vx_buf_init(&b, 4096);
    vx_buf_init(&back, 4096);
    assert_int_equal(vx_base45_encode(all, sizeof all, &b), VX_OK);
    assert_int_equal(vx_base45_decode(b.data, b.len, &back, NULL), VX_OK);
    assert_int_equal(back.len, sizeof all);
    assert_memory_equal(back.data, all, sizeof all);
    vx_buf_release(&b);
    vx_buf_release(&back);
}

/* ------------------------------------------------------------ names, UVCI */

static void test_transliteration(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum vx_translit mode;
        const char *out;
    } v[] = {
        {"Åsa", VX_TRANSLIT_ICAO, "AASA"},
        {"Åsa", VX_TRANSLIT_PLAIN, "ASA"},
        {"Öberg-Ärlig", VX_TRANSLIT_ICAO, "OEBERG<AERLIG"},
        {"Öberg-Ärlig", VX_TRANSLIT_PLAIN, "OBERG<ARLIG"},
        {"Åsa Öberg-Ärlig", VX_TRANSLIT_PLAIN, "ASA<OBERG<ARLIG"},
        {"Lövström", VX_TRANSLIT_ICAO, "LOEVSTROEM"}, /* SE test data */
        {"Ågesen", VX_TRANSLIT_ICAO, "AAGESEN"},      /* DK test data */
        {"Jørgensen", VX_TRANSLIT_ICAO, "JOERGENSEN"},
        {"Musterfrau-Gößinger", VX_TRANSLIT_ICAO, "MUSTERFRAU<GOESSINGER"},
        {"d'Červenková Panklová", VX_TRANSLIT_ICAO, "DCERVENKOVA<PANKLOVA"},
        {"Jiřina-Maria Alena", VX_TRANSLIT_ICAO, "JIRINA<MARIA<ALENA"},
        {"  Anna--Karin  Eriksson ", VX_TRANSLIT_ICAO, "ANNA<KARIN<ERIKSSON"},
        {"Élodie Müller", VX_TRANSLIT_ICAO, "ELODIE<MUELLER"},
        {"Élodie Müller", VX_TRANSLIT_PLAIN, "ELODIE<MULLER"},
        {"Þórður Æsa", VX_TRANSLIT_ICAO, "THORDUR<AESA"},
        {"Łukasz Żółw", VX_TRANSLIT_ICAO, "LUKASZ<ZOLW"},
    };
    char out[VX_CERT_NAME_MAX];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (vx_cert_transliterate(v[i].in, v[i].mode, out, sizeof out) != VX_OK)
            fail_msg("'%s' refused", v[i].in);
        assert_string_equal(out, v[i].out);
    }
    assert_int_equal(vx_cert_transliterate("'--'", VX_TRANSLIT_ICAO, out, sizeof out), VX_EINVAL);
    assert_int_equal(vx_cert_transliterate("\xc3\x28", VX_TRANSLIT_ICAO, out, sizeof out),
                     VX_EINVAL);
    char longname[200];
    memset(longname, 'a', 100);
    longname[100] = '\0';
    assert_int_equal(vx_cert_transliterate(longname, VX_TRANSLIT_ICAO, out, sizeof out), VX_ERANGE);
    assert_int_equal(vx_cert_transliterate("Åsa", VX_TRANSLIT_ICAO, out, 4), VX_ERANGE);
}

static void test_uvci(void **state)
{
    (void)state;
    /* eHN guideline example and the AT/DK identifiers of the shared test data */
    assert_true(vx_uvci_valid("URN:UVCI:01:NL:187/37512422923#Z"));
    assert_true(vx_uvci_valid("URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"));
    assert_true(vx_uvci_valid("URN:UVCI:01:DK:0EF88044F7935DF2B4A938A38C14C97C#C"));
    assert_false(vx_uvci_valid("URN:UVCI:01:NL:187/37512422923#Y"));
    assert_false(vx_uvci_valid("URN:UVCI:01:NL:187/37512422924#Z"));
    assert_false(vx_uvci_valid("URN:UVCI:01:SE:EHM/V100000024GI5HM")); /* no checksum */
    assert_false(vx_uvci_valid("urn:uvci:01:CH:0CD12FE3BFDB936B8BE518B7#A"));
    assert_int_equal(vx_uvci_checksum("urn", 3), 0);
    char u[VX_CERT_UVCI_MAX];
    assert_int_equal(vx_uvci_make("SE", "VXC", "0123ABC", u, sizeof u), VX_OK);
    assert_true(strncmp(u, "URN:UVCI:01:SE:VXC/0123ABC#", 27) == 0);
    assert_true(vx_uvci_valid(u));
    assert_int_equal(vx_uvci_make("SE", NULL, "XYZ", u, sizeof u), VX_OK);
    assert_true(strncmp(u, "URN:UVCI:01:SE:XYZ#", 19) == 0);
    assert_int_equal(vx_uvci_make("SE", "VXC", "abc", u, sizeof u), VX_EINVAL);
    assert_int_equal(vx_uvci_make("SWE", "VXC", "ABC", u, sizeof u), VX_EINVAL);
    char opaque[100];
    memset(opaque, 'A', 90);
    opaque[90] = '\0';
    assert_int_equal(vx_uvci_make("SE", "VXC", opaque, u, sizeof u), VX_ERANGE);
}

/* ------------------------------------------------------------------ schema */

static void check_examples(const char *sub)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", EXAMPLES, sub);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)) != NULL) {
        if (!strstr(de->d_name, ".json"))
            continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        char *text = slurp(p, NULL);
        cJSON *j = cJSON_Parse(text);
        struct vx_err e = {0};
        if (vx_cert_schema_validate(W.schema, j, &e) != VX_OK)
            fail_msg("%s: %s", p, e.msg);
        cJSON_Delete(j);
        free(text);
        n++;
    }
    closedir(d);
    assert_true(n >= 6);
}

static void expect_invalid(const char *json, const char *fragment)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    struct vx_err e = {0};
    assert_int_equal(vx_cert_schema_validate(W.schema, j, &e), VX_EINVAL);
    if (!strstr(e.msg, fragment))
        fail_msg("message '%s' lacks '%s'", e.msg, fragment);
    cJSON_Delete(j);
}

static void test_schema(void **state)
{
    (void)state;
    check_examples("vaccination");
    check_examples("test");
    check_examples("recovery");
#define V_OK                                                                                       \
    "\"tg\":\"840539006\",\"vp\":\"1119349007\",\"mp\":\"EU/1/20/1528\",\"ma\":\"ORG-"             \
    "100030215\",\"sd\":2,\"dt\":\"2021-03-01\",\"co\":\"SE\",\"is\":\"X\",\"ci\":\"U\""
#define NAM "\"ver\":\"1.3.0\",\"nam\":{\"fn\":\"A\",\"fnt\":\"A\"},\"dob\":\"1956-03-02\""
    expect_invalid("{" NAM ",\"v\":[{\"dn\":0," V_OK "}]}", "/v/0/dn");
    expect_invalid("{" NAM ",\"v\":[{\"dn\":1.5," V_OK "}]}", "integer");
    expect_invalid("{" NAM "}", "exactly one of v, t, r");
    expect_invalid("{" NAM ",\"v\":[{\"dn\":1," V_OK "}],\"r\":[]}", "exactly one");
    expect_invalid("{" NAM ",\"v\":[]}", "at least 1");
    expect_invalid(
        "{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"a\"},\"dob\":\"1956\",\"v\":[{\"dn\":1," V_OK "}]}",
        "/nam/fnt");
    expect_invalid(
        "{\"ver\":\"1.3.0\",\"nam\":{\"fn\":\"A\"},\"dob\":\"1956\",\"v\":[{\"dn\":1," V_OK "}]}",
        "/nam");
    expect_invalid(
        "{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"A\"},\"dob\":\"1856-01-01\",\"v\":[{\"dn\":1," V_OK
        "}]}",
        "/dob");
    expect_invalid("{" NAM
                   ",\"v\":[{\"dn\":1,\"tg\":\"840539006\",\"vp\":\"1119349007\",\"mp\":\"EU/"
                   "1/99/0000\",\"ma\":\"ORG-100030215\",\"sd\":2,\"dt\":\"2021-03-01\",\"co\":"
                   "\"SE\",\"is\":\"X\",\"ci\":\"U\"}]}",
                   "value set");
    expect_invalid("{" NAM
                   ",\"v\":[{\"dn\":1,\"tg\":\"840539006\",\"vp\":\"1119349007\",\"mp\":\"EU/"
                   "1/20/1528\",\"ma\":\"ORG-100030215\",\"sd\":2,\"dt\":\"2021-02-30\",\"co\":"
                   "\"SE\",\"is\":\"X\",\"ci\":\"U\"}]}",
                   "/v/0/dt");
    expect_invalid("{" NAM
                   ",\"v\":[{\"dn\":1,\"tg\":\"840539006\",\"vp\":\"1119349007\",\"mp\":\"EU/"
                   "1/20/1528\",\"ma\":\"ORG-100030215\",\"sd\":2,\"dt\":\"2021-02-03\",\"co\":"
                   "\"SE\",\"is\":\"X\"}]}",
                   "'ci' is missing");
    /* a schema given as text works without value sets */
    struct vx_cert_schema *s = NULL;
    assert_int_equal(vx_cert_schema_parse("{\"type\":\"object\",\"required\":[\"ver\"]}", &s, NULL),
                     VX_OK);
    cJSON *j = cJSON_Parse("{\"ver\":\"1\",\"v\":[1]}");
    assert_int_equal(vx_cert_schema_validate(s, j, NULL), VX_OK);
    cJSON_Delete(j);
    vx_cert_schema_free(s);
    assert_int_equal(vx_cert_schema_parse("[1]", &s, NULL), VX_EPARSE);
}

/* ---------------------------------------------------------------- issuing */

static void test_dcc_build(void **state)
{
    (void)state;
    struct vx_cert_dose d[3] = {dose("COM", 2, 2, "2021-03-01"), dose("COM", 1, 2, "2021-02-01"),
                                dose("COM", 3, 3, "2021-10-01")};
    cJSON *dcc = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_cert_dcc_build(d, 3, &issue_opts, &dcc, &err), VX_OK);
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(dcc, "v"), 0);
    assert_int_equal(cJSON_GetObjectItem(v, "dn")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(v, "sd")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(v, "dt")->valuestring, "2021-10-01");
    assert_string_equal(cJSON_GetObjectItem(v, "mp")->valuestring, "EU/1/20/1528");
    assert_true(vx_uvci_valid(cJSON_GetObjectItem(v, "ci")->valuestring));
    const cJSON *nam = cJSON_GetObjectItem(dcc, "nam");
    assert_string_equal(cJSON_GetObjectItem(nam, "fnt")->valuestring, "OEBERG<AERLIG");
    assert_string_equal(cJSON_GetObjectItem(nam, "gnt")->valuestring, "AASA");
    assert_int_equal(vx_cert_schema_validate(W.schema, dcc, &err), VX_OK);
    /* the same record gives the same UVCI */
    cJSON *again = NULL;
    assert_int_equal(vx_cert_dcc_build(d, 3, &issue_opts, &again, &err), VX_OK);
    assert_true(vx_cert_dcc_equal(dcc, again, NULL, 0));
    cJSON_Delete(again);
    cJSON_Delete(dcc);

    struct vx_cert_dose other[2] = {dose("COM", 1, 2, "2021-02-01"),
                                    dose("COM", 2, 2, "2021-03-01")};
    other[1].given_name = "Lisa";
    assert_int_equal(vx_cert_dcc_build(other, 2, &issue_opts, &dcc, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "another person"));
    struct vx_cert_dose flu = dose("FLU_VAXIGRIP", 1, 1, "2021-11-01");
    assert_int_equal(vx_cert_dcc_build(&flu, 1, &issue_opts, &dcc, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "DCC codes"));
    struct vx_cert_dose zero = dose("JANSS", 0, 1, "2021-05-01");
    assert_int_equal(vx_cert_dcc_build(&zero, 1, &issue_opts, &dcc, &err), VX_EINVAL);
    struct vx_cert_dose baddob = dose("JANSS", 1, 1, "2021-05-01");
    baddob.dob = "1956-13-01";
    assert_int_equal(vx_cert_dcc_build(&baddob, 1, &issue_opts, &dcc, &err), VX_EINVAL);
    assert_null(dcc);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct vx_buf hc1;
    cJSON *dcc = NULL;
    issue(W.signer, &hc1, &dcc);
    assert_true(strncmp(hc1.data, "HC1:", 4) == 0);
    struct vx_cert_result r;
    verify(hc1.data, hc1.len, W.trust, CLOCK, &r);
    for (int s = 0; s < VX_CERT_STEP_COUNT; s++)
        if (r.outcome[s] != VX_CERT_PASS)
            fail_msg("step %s: %s", vx_cert_step_name((enum vx_cert_step)s), r.why[s]);
    assert_true(r.valid);
    assert_int_equal(r.alg, VX_CERT_ALG_ES256);
    assert_true(r.kid_protected);
    assert_int_equal(r.kid_len, VX_CERT_KID_LEN);
    assert_memory_equal(r.kid, vx_cert_signer_kid(W.signer), VX_CERT_KID_LEN);
    assert_string_equal(r.iss, "SE");
    assert_true(r.has_iat && r.iat == IAT);
    assert_true(r.has_exp && r.exp == VALIDTO);
    assert_int_equal(r.type, 'v');
    assert_true(vx_cert_dcc_equal(r.dcc, dcc, NULL, 0));
    assert_string_equal(r.signer, "vaxchain demo DSC SE");
    vx_cert_result_release(&r);

    /* the same COSE verifies directly; a trailing newline (from a file) is fine */
    struct vx_buf cose;
    hc1_to_cose(hc1.data, &cose);
    vx_buf_puts(&hc1, "\n");
    verify(hc1.data, hc1.len, W.trust, CLOCK, &r);
    assert_true(r.valid);
    vx_cert_result_release(&r);
    struct vx_cert_verify_opts o = {.trust = W.trust, .schema = W.schema, .clock = CLOCK};
    vx_cert_verify_cose((const uint8_t *)cose.data, cose.len, &o, &r);
    assert_true(r.valid);
    assert_int_equal(r.outcome[VX_CERT_STEP_PREFIX], VX_CERT_NOT_RUN);
    vx_cert_result_release(&r);
    vx_buf_release(&cose);
    cJSON_Delete(dcc);
    vx_buf_release(&hc1);
}

/* Expect exactly `step` to fail (and everything before it to pass). */
static void expect_fail_at(const char *text, size_t len, const struct vx_cert_trust *t,
                           vx_time clock, enum vx_cert_step step, const char *fragment)
{
    struct vx_cert_result r;
    verify(text, len, t, clock, &r);
    assert_false(r.valid);
    if (r.first_failed != step)
        fail_msg("failed at %s (%s), expected %s", vx_cert_step_name(r.first_failed),
                 r.why[r.first_failed], vx_cert_step_name(step));
    assert_int_equal(r.outcome[step], VX_CERT_FAIL);
    if (fragment && !strstr(r.why[step], fragment))
        fail_msg("why '%s' lacks '%s'", r.why[step], fragment);
    for (int s = 0; s < (int)step; s++)
        assert_int_equal(r.outcome[s], VX_CERT_PASS);
    vx_cert_result_release(&r);
}

static void test_rejections(void **state)
{
    (void)state;
    struct vx_buf hc1, cose, bad;
    issue(W.signer, &hc1, NULL);
    hc1_to_cose(hc1.data, &cose);

    /* tampered signature: last byte of the COSE is the signature's last byte */
    cose.data[cose.len - 1] ^= 0x01;
    wrap((const uint8_t *)cose.data, cose.len, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_SIGNATURE, "does not verify");
    struct vx_cert_result r;
    verify(bad.data, bad.len, W.trust, CLOCK, &r);
    /* everything after the signature still ran */
    assert_int_equal(r.outcome[VX_CERT_STEP_EXPIRY], VX_CERT_PASS);
    assert_int_equal(r.outcome[VX_CERT_STEP_SCHEMA], VX_CERT_PASS);
    vx_cert_result_release(&r);
    vx_buf_release(&bad);
    cose.data[cose.len - 1] ^= 0x01;

    /* tampered payload: a byte inside the DCC ("dob" digit) */
    char *p = memmem(cose.data, cose.len, "1956-03-02", 10);
    assert_non_null(p);
    p[3] = '7';
    wrap((const uint8_t *)cose.data, cose.len, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_SIGNATURE, "does not verify");
    vx_buf_release(&bad);
    p[3] = '6';

    /* wrong kid: a trust list without our signer */
    expect_fail_at(hc1.data, hc1.len, W.trust2, CLOCK, VX_CERT_STEP_SIGNATURE,
                   "not in the trust list");
    /* expired, and not yet valid */
    expect_fail_at(hc1.data, hc1.len, W.trust, VALIDTO + 1, VX_CERT_STEP_EXPIRY, "expired");
    expect_fail_at(hc1.data, hc1.len, W.trust, IAT - 1, VX_CERT_STEP_EXPIRY, "not valid before");

    /* prefix */
    char *h2 = strdup(hc1.data);
    h2[2] = '2';
    expect_fail_at(h2, strlen(h2), W.trust, CLOCK, VX_CERT_STEP_PREFIX, "HC2:");
    expect_fail_at(hc1.data + 4, hc1.len - 4, W.trust, CLOCK, VX_CERT_STEP_PREFIX, NULL);
    /* bad base45: a lower-case letter, and a length of 1 mod 3 */
    h2[2] = '1';
    h2[10] = 'a';
    expect_fail_at(h2, strlen(h2), W.trust, CLOCK, VX_CERT_STEP_BASE45, "alphabet");
    free(h2);
    expect_fail_at("HC1:BB8A", 8, W.trust, CLOCK, VX_CERT_STEP_BASE45, "modulo 3");

    /* truncated zlib */
    wrap((const uint8_t *)cose.data, cose.len, 12, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_ZLIB, "truncated");
    vx_buf_release(&bad);
    /* not zlib at all (uncompressed COSE, as common/Z2) */
    struct vx_buf raw;
    vx_buf_init(&raw, VX_CERT_MAX_TEXT);
    vx_buf_puts(&raw, "HC1:");
    vx_base45_encode((const uint8_t *)cose.data, cose.len, &raw);
    expect_fail_at(raw.data, raw.len, W.trust, CLOCK, VX_CERT_STEP_ZLIB, NULL);
    vx_buf_release(&raw);

    /* malformed CBOR: truncated COSE, garbage, wrong tag, wrong shape */
    wrap((const uint8_t *)cose.data, cose.len - 5, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_COSE, "CBOR");
    vx_buf_release(&bad);
    static const uint8_t garbage[] = {0xff, 0x00, 0x13, 0x37};
    wrap(garbage, sizeof garbage, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_COSE, "CBOR");
    vx_buf_release(&bad);
    cose.data[0] = (char)0xd1; /* tag 17 = COSE_Mac0 */
    wrap((const uint8_t *)cose.data, cose.len, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_COSE, "tag 17");
    vx_buf_release(&bad);
    cose.data[0] = (char)0xd2;
    static const uint8_t three[] = {0xd2, 0x83, 0x40, 0xa0, 0x40};
    wrap(three, sizeof three, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_COSE, "array of 4");
    vx_buf_release(&bad);
    /* a COSE whose payload is not a CWT: the payload step fails */
    static const uint8_t nocwt[] = {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x41, 0x01, 0x40};
    wrap(nocwt, sizeof nocwt, 0, &bad);
    expect_fail_at(bad.data, bad.len, W.trust, CLOCK, VX_CERT_STEP_PAYLOAD, "not a map");
    vx_buf_release(&bad);

    /* CWT tag 61 around COSE tag 18 is accepted */
    struct vx_buf tagged;
    vx_buf_init(&tagged, VX_CERT_MAX_COSE);
    vx_buf_append(&tagged, "\xd8\x3d", 2);
    vx_buf_append(&tagged, cose.data, cose.len);
    wrap((const uint8_t *)tagged.data, tagged.len, 0, &bad);
    verify(bad.data, bad.len, W.trust, CLOCK, &r);
    assert_true(r.valid);
    vx_cert_result_release(&r);
    vx_buf_release(&bad);
    vx_buf_release(&tagged);

    vx_buf_release(&cose);
    vx_buf_release(&hc1);
}

static void test_key_rotation(void **state)
{
    (void)state;
    char dir[700];
    snprintf(dir, sizeof dir, "%s/rot", W.dir);
    struct vx_err err = {0};
    char kid1[17], kid2[17];
    struct vx_cert_keygen_opts o = {.dir = dir, .country = "SE", .now = T2021};
    assert_int_equal(vx_cert_keygen(&o, kid1, &err), VX_OK);
    struct vx_cert_signer *old = NULL, *cur = NULL;
    assert_int_equal(vx_cert_signer_load(dir, &old, &err), VX_OK);
    o.now = T2021 + 30 * DAY;
    assert_int_equal(vx_cert_keygen(&o, kid2, &err), VX_OK);
    assert_string_not_equal(kid1, kid2);
    assert_int_equal(vx_cert_signer_load(dir, &cur, &err), VX_OK);
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", vx_cert_signer_kid(cur)[i]);
    assert_string_equal(hex, kid2); /* the newest signs */
    struct stat sb;
    char path[900];
    snprintf(path, sizeof path, "%s/dsc-%s.key", dir, kid2);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/csca.key", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    struct vx_cert_trust *t = NULL;
    assert_int_equal(vx_cert_trust_new(&t), VX_OK);
    assert_int_equal(vx_cert_trust_load(t, dir, &err), VX_OK);
    assert_int_equal(vx_cert_trust_count(t), 2); /* the CSCA is not a signer */
    /* certificates of the old and the new key both verify */
    struct vx_buf a, b;
    issue(old, &a, NULL);
    issue(cur, &b, NULL);
    struct vx_cert_result r;
    verify(a.data, a.len, t, CLOCK, &r);
    assert_true(r.valid);
    vx_cert_result_release(&r);
    verify(b.data, b.len, t, CLOCK, &r);
    assert_true(r.valid);
    vx_cert_result_release(&r);
    vx_buf_release(&a);
    vx_buf_release(&b);
    vx_cert_trust_free(t);
    vx_cert_signer_free(old);
    vx_cert_signer_free(cur);
    rm_dir(dir);

    /* nothing to load */
    assert_int_equal(vx_cert_signer_load(dir, &cur, &err), VX_EIO);
    o.country = "Sweden";
    assert_int_equal(vx_cert_keygen(&o, kid1, &err), VX_EINVAL);
}

/* PS256: an RSA signer made here with OpenSSL, signed and verified through the API. */
static void test_ps256(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_RSA_gen(2048);
    X509 *x = X509_new();
    assert_non_null(k);
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)T2021);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(T2021 + 800 * DAY));
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"RSA test DSC", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL);
    PEM_write_bio_X509(cb, x);
    char *kp, *cp;
    long kl = BIO_get_mem_data(kb, &kp), cl = BIO_get_mem_data(cb, &cp);
    struct vx_cert_signer *s = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_cert_signer_from_pem(kp, (size_t)kl, cp, (size_t)cl, &s, &err), VX_OK);
    struct vx_cert_trust *t = NULL;
    assert_int_equal(vx_cert_trust_new(&t), VX_OK);
    assert_int_equal(vx_cert_trust_add(t, (const uint8_t *)cp, (size_t)cl, &err), VX_OK);
    struct vx_buf hc1;
    issue(s, &hc1, NULL);
    struct vx_cert_result r;
    verify(hc1.data, hc1.len, t, CLOCK, &r);
    if (!r.valid)
        fail_msg("%s: %s", vx_cert_step_name(r.first_failed), r.why[r.first_failed]);
    assert_int_equal(r.alg, VX_CERT_ALG_PS256);
    vx_cert_result_release(&r);
    /* a key that does not match the certificate is refused */
    struct vx_cert_signer *bad = NULL;
    BIO *kb2 = BIO_new(BIO_s_mem());
    EVP_PKEY *k2 = EVP_EC_gen("P-256");
    PEM_write_bio_PrivateKey(kb2, k2, NULL, NULL, 0, NULL, NULL);
    char *kp2;
    long kl2 = BIO_get_mem_data(kb2, &kp2);
    assert_int_equal(vx_cert_signer_from_pem(kp2, (size_t)kl2, cp, (size_t)cl, &bad, &err),
                     VX_EINVAL);
    assert_null(bad);
    vx_buf_release(&hc1);
    vx_cert_trust_free(t);
    vx_cert_signer_free(s);
    BIO_free(kb);
    BIO_free(kb2);
    BIO_free(cb);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
    X509_free(x);
}

/* ----------------------------------------------------------------- output */

static void test_render(void **state)
{
    (void)state;
    struct vx_buf hc1, out, text;
    cJSON *dcc = NULL;
    issue(W.signer, &hc1, &dcc);
    struct vx_err err = {0};
    vx_buf_init(&out, 8u * 1024u * 1024u);
    assert_int_equal(vx_cert_qr_png(hc1.data, 4, &out, &err), VX_OK);
    assert_memory_equal(out.data, "\x89PNG", 4);
    if (vx_cert_qr_can_decode()) {
        vx_buf_init(&text, VX_CERT_MAX_TEXT);
        assert_int_equal(vx_cert_qr_decode_png((const uint8_t *)out.data, out.len, &text, &err),
                         VX_OK);
        assert_string_equal(text.data, hc1.data);
        vx_buf_release(&text);
    }
    vx_buf_clear(&out);
    assert_int_equal(vx_cert_qr_svg(hc1.data, &out, &err), VX_OK);
    assert_true(strncmp(out.data, "<svg", 4) == 0);
    assert_non_null(strstr(out.data, "</svg>"));
    vx_buf_clear(&out);
    struct vx_cert_pdf_text pt = {.product = "Comirnaty", .manufacturer = "BioNTech"};
    assert_int_equal(vx_cert_pdf(dcc, hc1.data, &pt, &out, &err), VX_OK);
    assert_true(out.len > 1000 && memcmp(out.data, "%PDF", 4) == 0);
    vx_buf_clear(&out);
    cJSON *t = cJSON_Parse("{\"t\":[{}]}");
    assert_int_equal(vx_cert_pdf(t, hc1.data, NULL, &out, &err), VX_EINVAL);
    cJSON_Delete(t);
    assert_int_equal(vx_cert_qr_png("", 4, &out, &err), VX_EINVAL);
    assert_int_equal(vx_cert_qr_png(hc1.data, 0, &out, &err), VX_EINVAL);
    if (vx_cert_qr_can_decode()) {
        vx_buf_init(&text, 1024);
        assert_int_equal(vx_cert_qr_decode_png((const uint8_t *)"nope", 4, &text, &err), VX_EPARSE);
        vx_buf_release(&text);
    }
    vx_buf_release(&out);
    vx_buf_release(&hc1);
    cJSON_Delete(dcc);
}

/* --------------------------------------------------------- conformance */

static int disagreements;

static void count_line(void *ctx, const char *file, const char *flag, bool agree,
                       const char *detail)
{
    (void)ctx;
    if (!agree) {
        print_message("DISAGREE %s %s: %s\n", file, flag ? flag : "", detail);
        disagreements++;
    }
}

static void test_conformance(void **state)
{
    (void)state;
    struct vx_cert_testdata_stats st;
    struct vx_err err = {0};
    disagreements = 0;
    assert_int_equal(vx_cert_testdata_run(TESTDATA, W.schema, false, count_line, NULL, &st, &err),
                     VX_OK);
    assert_int_equal(st.cases, 64);
    assert_int_equal(st.failed, 0);
    assert_int_equal(disagreements, 0);
    assert_int_equal(st.passed, 64);
    assert_true(st.checks >= 270);
    assert_int_equal(
        vx_cert_testdata_run("/nonexistent-dir", W.schema, false, count_line, NULL, &st, &err),
        VX_EIO);
}

/* CBOR <-> JSON and the semantic comparison the runner relies on. */
static void test_cbor_json(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("{\"sc\":\"2021-05-18T08:04:00Z\",\"n\":[1,2.5,true,null]}");
    cJSON *b = cJSON_Parse("{\"n\":[1,2.5,true,null],\"sc\":\"2021-05-18T10:04:00.000+02:00\"}");
    cJSON *c = cJSON_Parse("{\"n\":[1,2.5,true,null],\"sc\":\"2021-05-18T08:04:01Z\"}");
    char where[64];
    assert_true(vx_cert_dcc_equal(a, b, where, sizeof where));
    assert_false(vx_cert_dcc_equal(a, c, where, sizeof where));
    assert_string_equal(where, "/sc");
    struct vx_buf cb;
    vx_buf_init(&cb, 4096);
    assert_int_equal(vx_cert_dcc_to_cbor(a, &cb, NULL), VX_OK);
    cJSON *back = NULL;
    assert_int_equal(vx_cert_cbor_to_dcc((const uint8_t *)cb.data, cb.len, &back, NULL), VX_OK);
    assert_true(vx_cert_dcc_equal(a, back, NULL, 0));
    cJSON_Delete(back);
    /* a CWT claims map: hcert (-260) -> 1 -> DCC; tags 6..20 are read too */
    static const uint8_t cwt[] = {0xa1, 0x39, 0x01, 0x03, 0xa1, 0x01, 0xd2, 0xa1, 0x61, 'x', 0x01};
    assert_int_equal(vx_cert_cbor_to_dcc(cwt, sizeof cwt, &back, NULL), VX_OK);
    assert_int_equal(cJSON_GetObjectItem(back, "x")->valueint, 1);
    cJSON_Delete(back);
    static const uint8_t dup[] = {0xa2, 0x61, 'x', 0x01, 0x61, 'x', 0x02};
    assert_int_equal(vx_cert_cbor_to_dcc(dup, sizeof dup, &back, NULL), VX_EPARSE);
    static const uint8_t trailing[] = {0xa0, 0x00};
    assert_int_equal(vx_cert_cbor_to_dcc(trailing, sizeof trailing, &back, NULL), VX_EPARSE);
    vx_buf_release(&cb);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base45_vectors), cmocka_unit_test(test_transliteration),
        cmocka_unit_test(test_uvci),           cmocka_unit_test(test_schema),
        cmocka_unit_test(test_cbor_json),      cmocka_unit_test(test_dcc_build),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_key_rotation),   cmocka_unit_test(test_ps256),
        cmocka_unit_test(test_render),         cmocka_unit_test(test_conformance),
    };
    return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
