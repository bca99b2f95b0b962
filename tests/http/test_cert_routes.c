/*
 * test_cert_routes.c — the certificate routes (src/http/routes_cert.c) end to end
 * over real sockets with libcurl.
 *
 * One server runs in-process on 127.0.0.1, port 0, with the cert module, dev login
 * and the date pinned to 2021-03-10. Keys are made here with vx_cert_keygen (valid
 * from 2021-03-01); the database holds the SCB reference data, the real catalogue and
 * five persons with Skatteverket test personnummer (born 1930-1945): two Comirnaty
 * doses, one Janssen dose (complete 1/1), one Comirnaty dose (incomplete), influenza
 * only (no DCC product) and none.
 *
 * Covered: JSON/PDF/PNG/SVG for a vaccinated citizen (the dose certified, the audit
 * row without a personnummer); the HC1 text verifies through POST /certificates/verify
 * and through the library with the same trust list (the key folder) and schema; the
 * QR code reads back as the same text (when zbar is built in); the conformance runner
 * accepts a dgc-testdata case made of the downloaded certificate and agrees that a
 * tampered one fails; 404 problem+json with sv/en texts without a completed
 * vaccination; a tampered signature → invalid at the signature step; other roles 403,
 * no session 401, the verifier open without a session, bad input 422.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <curl/curl.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "vx/arena.h"
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/cert.h"
#include "vx/cert_http.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define SCHEMA    VX_SHARED_DATA_DIR "/interop/dcc/schema/DCC.combined-schema.json"
#define VALUESETS VX_SHARED_DATA_DIR "/interop/dcc/valuesets"
#define CLOCK     "2021-03-10T12:00:00Z"

enum { P_DONE, P_JANSS, P_ONE, P_FLU, P_NONE, N_P };

static char keydir[512], tddir[512];
static char pnr[N_P][13];
static int64_t pid[N_P];

/* ------------------------------------------------------------------ fixture */

static int64_t add_person(struct vx_store *st, const char *norm, const char *given,
                          const char *family)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(norm, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "01");
    snprintf(r.p.kommun, sizeof r.p.kommun, "0180");
    r.p.residence = VX_RES_SPECIAL_HOUSING;
    snprintf(r.given_name, sizeof r.given_name, "%s", given);
    snprintf(r.family_name, sizeof r.family_name, "%s", family);
    r.synthetic = true;
    int64_t id = 0;
    assert_int_equal(st->ops->person_put(st, &r, &id), VX_OK);
    return id;
}

static void add_dose(struct vx_store *st, int64_t person, const char *vaccine, int n, int y, int m,
                     int d, const char *lot)
{
    struct vx_dose_rec r;
    memset(&r, 0, sizeof r);
    r.person_id = person;
    snprintf(r.region, sizeof r.region, "01");
    snprintf(r.vaccine, sizeof r.vaccine, "%s", vaccine);
    snprintf(r.lot_number, sizeof r.lot_number, "%s", lot);
    r.dose_number = n;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), 10 * 60, &r.given_at, NULL),
                     VX_OK);
    snprintf(r.source, sizeof r.source, "recorded");
    assert_int_equal(st->ops->dose_put(st, &r, NULL), VX_OK);
}

static void make_db(void)
{
    struct vx_store *st = fx_store();
    size_t len;
    char *csv = slurp(TESTPNR, &len);
    int n = 0;
    for (char *line = strtok(csv, "\r\n"); line && n < N_P; line = strtok(NULL, "\r\n"))
        if (strlen(line) == 12 && strncmp(line, "1930", 4) >= 0 && strncmp(line, "1945", 4) <= 0)
            memcpy(pnr[n++], line, 13);
    free(csv);
    assert_int_equal(n, N_P);
    pid[P_DONE] = add_person(st, pnr[P_DONE], "Åsa", "Öberg-Ärlig");
    pid[P_JANSS] = add_person(st, pnr[P_JANSS], "Jan", "Ek");
    pid[P_ONE] = add_person(st, pnr[P_ONE], "Ola", "Halv");
    pid[P_FLU] = add_person(st, pnr[P_FLU], "Flora", "Influensa");
    pid[P_NONE] = add_person(st, pnr[P_NONE], "Nils", "Ingen");
    add_dose(st, pid[P_DONE], "COM", 1, 2020, 12, 28, "EJ6795");
    add_dose(st, pid[P_DONE], "COM", 2, 2021, 1, 19, "EK9788");
    add_dose(st, pid[P_JANSS], "JANSS", 1, 2021, 3, 1, "XD955");
    add_dose(st, pid[P_ONE], "COM", 1, 2021, 3, 2, "EP2163");
    add_dose(st, pid[P_FLU], "FLU_VAXIGRIP", 1, 2020, 11, 2, "U0001");
    vx_store_close(st);
}

static void make_keys(void)
{
    struct vx_cert_keygen_opts o = {
        .dir = keydir, .country = "SE", .now = (vx_time)vx_day_from_ymd(2021, 3, 1) * 86400};
    char kid[17];
    struct vx_err err = {0};
    if (vx_cert_keygen(&o, kid, &err) != VX_OK)
        fail_msg("keygen: %s", err.msg);
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1024];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("cert-routes");
    snprintf(keydir, sizeof keydir, "%s/cert-routes-keys-%d", fx_tmpdir(), (int)getpid());
    snprintf(tddir, sizeof tddir, "%s/cert-routes-testdata-%d", fx_tmpdir(), (int)getpid());
    rm_dir(keydir);
    rm_dir(tddir);
    fx_load(false);
    make_db();
    make_keys();
    vx_cert_http_configure(&(struct vx_cert_http_opts){
        .keys_dir = keydir, .schema_path = SCHEMA, .valueset_dir = VALUESETS});
    fx_start((struct vx_http_config){.threads = 4,
                                     .today = vx_day_from_ymd(2021, 3, 10),
                                     .catalog = cat},
             &vx_cert_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    vx_cert_http_configure(NULL);
    vx_cert_render_cleanup();
    rm_dir(keydir);
    rm_dir(tddir);
    return 0;
}

/* ------------------------------------------------------------------ client */

static void expect_type(const struct resp *r, const char *type)
{
    char ct[128];
    assert_non_null(header(r, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, type);
}

/* ------------------------------------------------------------------ helpers */

/* The certificate JSON of person `who` (caller frees). */
static struct resp *my_certificate(int who)
{
    char ck[CK];
    login_person(pnr[who], ck);
    struct resp *r = call("GET", "/api/v1/me/certificate", NULL, ck);
    expect_status(r, 200);
    expect_type(r, "application/json");
    assert_non_null(r->json);
    return r;
}

/* Verify through the library with the key folder as trust list, at CLOCK. */
static void lib_verify(const char *hc1, struct vx_cert_result *res)
{
    struct vx_cert_trust *trust = NULL;
    struct vx_cert_schema *schema = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_cert_trust_new(&trust), VX_OK);
    assert_int_equal(vx_cert_trust_load(trust, keydir, &err), VX_OK);
    assert_int_equal(vx_cert_schema_load(SCHEMA, VALUESETS, &schema, &err), VX_OK);
    vx_time clock;
    assert_int_equal(vx_time_parse(CLOCK, &clock), VX_OK);
    struct vx_cert_verify_opts vo = {.trust = trust, .schema = schema, .clock = clock};
    assert_int_equal(vx_cert_verify(hc1, strlen(hc1), &vo, res), VX_OK);
    vx_cert_trust_free(trust);
    vx_cert_schema_free(schema);
}

/* POST /certificates/verify with `hc1` at CLOCK (caller frees). */
static struct resp *http_verify(const char *hc1)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "hc1", hc1);
    cJSON_AddStringToObject(b, "clock", CLOCK);
    char *text = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    struct resp *r = call("POST", "/api/v1/certificates/verify", text, NULL);
    cJSON_free(text);
    expect_status(r, 200);
    assert_non_null(r->json);
    return r;
}

/* The outcome string of `step` in a verify answer. */
static const char *step_outcome(const cJSON *v, const char *step)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(v, "steps"))
    {
        if (!strcmp(jstr(s, "step"), step))
            return jstr(s, "outcome");
    }
    return "";
}

/* The HC1 text with one byte of the COSE signature flipped (re-compressed, so every
 * step before the signature still passes). Caller frees. */
static char *tamper_signature(const char *hc1)
{
    struct vx_buf z, cose, out;
    vx_buf_init(&z, VX_CERT_MAX_COSE);
    vx_buf_init(&cose, VX_CERT_MAX_COSE);
    vx_buf_init(&out, VX_CERT_MAX_TEXT);
    struct vx_err err = {0};
    assert_int_equal(vx_base45_decode(hc1 + 4, strlen(hc1 + 4), &z, &err), VX_OK);
    assert_int_equal(vx_cert_inflate((const uint8_t *)z.data, z.len, &cose, &err), VX_OK);
    assert_true(cose.len > 64);
    cose.data[cose.len - 10] ^= 0x01; /* inside the 64-byte r||s at the end */
    uLongf zl = compressBound((uLong)cose.len);
    unsigned char *zb = malloc(zl);
    assert_non_null(zb);
    assert_int_equal(compress2(zb, &zl, (const Bytef *)cose.data, (uLong)cose.len, 9), Z_OK);
    assert_int_equal(vx_buf_puts(&out, "HC1:"), VX_OK);
    assert_int_equal(vx_base45_encode(zb, zl, &out), VX_OK);
    free(zb);
    vx_buf_release(&z);
    vx_buf_release(&cose);
    return vx_buf_detach(&out);
}

/* ------------------------------------------------------------------ tests */

static void test_citizen_json(void **state)
{
    (void)state;
    long long audits = db_int("SELECT count(*) FROM audit_log WHERE action = 'person.read'");
    struct resp *r = my_certificate(P_DONE);
    const cJSON *j = r->json;
    const char *hc1 = jstr(j, "hc1");
    assert_memory_equal(hc1, "HC1:", 4);
    const cJSON *h = jget(j, "holder"), *v = jget(j, "vaccination");
    assert_string_equal(jstr(h, "fn"), "Öberg-Ärlig");
    assert_string_equal(jstr(h, "fnt"), "OEBERG<AERLIG");
    assert_string_equal(jstr(h, "gnt"), "AASA");
    char dob[11];
    snprintf(dob, sizeof dob, "%.4s-%.2s-%.2s", pnr[P_DONE], pnr[P_DONE] + 4, pnr[P_DONE] + 6);
    assert_string_equal(jstr(h, "dob"), dob);
    assert_int_equal((int)cJSON_GetNumberValue(jget(v, "dose")), 2);
    assert_int_equal((int)cJSON_GetNumberValue(jget(v, "of")), 2);
    assert_string_equal(jstr(v, "date"), "2021-01-19");
    assert_string_equal(jstr(v, "vaccine"), "COM");
    assert_string_equal(jstr(v, "product"), "Comirnaty");
    assert_string_equal(jstr(v, "lot"), "EK9788");
    assert_true(vx_uvci_valid(jstr(j, "uvci")));
    assert_memory_equal(jstr(j, "issued_at"), "2021-03-10T", 11);
    assert_memory_equal(jstr(j, "expires_at"), "2022-03-10T", 11);
    const cJSON *dv = cJSON_GetArrayItem(jget(jget(j, "dcc"), "v"), 0);
    assert_string_equal(jstr(dv, "mp"), "EU/1/20/1528");
    assert_string_equal(jstr(dv, "ci"), jstr(j, "uvci"));
    assert_memory_equal(jstr(j, "qr_png"), "data:image/png;base64,iVBORw0KGgo", 33);

    /* the library, with the key folder as trust list, accepts it */
    struct vx_cert_result res;
    lib_verify(hc1, &res);
    if (!res.valid)
        fail_msg("library: %s: %s", vx_cert_step_name(res.first_failed), res.why[res.first_failed]);
    assert_true(cJSON_Compare(res.dcc, jget(j, "dcc"), true));
    vx_cert_result_release(&res);

    /* ... and so does the public verifier, without a session */
    struct resp *vr = http_verify(hc1);
    assert_true(cJSON_IsTrue(jget(vr->json, "valid")));
    assert_true(cJSON_IsNull(jget(vr->json, "failed_step")));
    assert_string_equal(jstr(jget(vr->json, "result"), "sv"), "Giltigt");
    assert_int_equal(cJSON_GetArraySize(jget(vr->json, "steps")), VX_CERT_STEP_COUNT);
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(vr->json, "steps"))
    {
        assert_string_equal(jstr(s, "outcome"), "pass");
        assert_true(strlen(jstr(jget(s, "label"), "sv")) > 0);
        assert_true(strlen(jstr(jget(s, "label"), "en")) > 0);
    }
    assert_string_equal(jstr(vr->json, "kid"), jstr(j, "kid"));
    resp_free(vr);

    /* pasted with line breaks around it: still valid */
    char *padded = malloc(strlen(hc1) + 8);
    assert_non_null(padded);
    snprintf(padded, strlen(hc1) + 8, "\n  %s\r\n", hc1);
    vr = http_verify(padded);
    assert_true(cJSON_IsTrue(jget(vr->json, "valid")));
    resp_free(vr);
    free(padded);

    /* the read was audited, naming the person by store id only */
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'person.read' AND object = "
             "'person:%lld'",
             (long long)pid[P_DONE]);
    assert_true(db_int(sql) >= 1);
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'person.read'") > audits);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE detail LIKE '%%%s%%' OR object LIKE '%%%s%%'",
             pnr[P_DONE], pnr[P_DONE]);
    assert_int_equal(db_int(sql), 0);
    resp_free(r);
}

static void test_janssen_single_dose(void **state)
{
    (void)state;
    struct resp *r = my_certificate(P_JANSS);
    const cJSON *v = jget(r->json, "vaccination");
    assert_int_equal((int)cJSON_GetNumberValue(jget(v, "dose")), 1);
    assert_int_equal((int)cJSON_GetNumberValue(jget(v, "of")), 1);
    assert_string_equal(jstr(v, "vaccine"), "JANSS");
    struct resp *vr = http_verify(jstr(r->json, "hc1"));
    assert_true(cJSON_IsTrue(jget(vr->json, "valid")));
    resp_free(vr);
    resp_free(r);
}

static void test_formats(void **state)
{
    (void)state;
    char ck[CK], cd[160];
    login_person(pnr[P_DONE], ck);
    struct resp *r = call("GET", "/api/v1/me/certificate.pdf", NULL, ck);
    expect_status(r, 200);
    expect_type(r, "application/pdf");
    assert_true(r->len > 1000);
    assert_memory_equal(r->body, "%PDF-", 5);
    assert_non_null(header(r, "Content-Disposition", cd, sizeof cd));
    assert_non_null(strstr(cd, "attachment"));
    resp_free(r);

    r = call("GET", "/api/v1/me/certificate.png", NULL, ck);
    expect_status(r, 200);
    expect_type(r, "image/png");
    assert_memory_equal(r->body, "\x89PNG\r\n\x1a\n", 8);
    if (vx_cert_qr_can_decode()) {
        struct vx_buf text;
        vx_buf_init(&text, VX_CERT_MAX_TEXT);
        struct vx_err err = {0};
        assert_int_equal(vx_cert_qr_decode_png((const uint8_t *)r->body, r->len, &text, &err),
                         VX_OK);
        assert_memory_equal(text.data, "HC1:", 4);
        struct vx_cert_result res;
        lib_verify(text.data, &res);
        assert_true(res.valid);
        vx_cert_result_release(&res);
        vx_buf_release(&text);
    }
    resp_free(r);

    r = call("GET", "/api/v1/me/certificate.svg", NULL, ck);
    expect_status(r, 200);
    expect_type(r, "image/svg+xml");
    assert_non_null(strstr(r->body, "<svg"));
    assert_null(strstr(r->body, "<script"));
    resp_free(r);
}

static void test_no_completed_vaccination(void **state)
{
    (void)state;
    static const char *const paths[] = {"/api/v1/me/certificate", "/api/v1/me/certificate.pdf",
                                        "/api/v1/me/certificate.png", "/api/v1/me/certificate.svg"};
    static const int who[] = {P_ONE, P_FLU, P_NONE};
    for (size_t w = 0; w < VX_ARRAY_LEN(who); w++) {
        char ck[CK];
        login_person(pnr[who[w]], ck);
        for (size_t i = 0; i < VX_ARRAY_LEN(paths); i++) {
            struct resp *r = call("GET", paths[i], NULL, ck);
            expect_status(r, 404);
            expect_type(r, "application/problem+json");
            assert_string_equal(jstr(r->json, "type"), "/problems/not-found");
            assert_string_equal(jstr(r->json, "reason"), "no-completed-vaccination");
            const cJSON *m = jget(r->json, "message");
            assert_non_null(strstr(jstr(m, "sv"), "vaccinationsbevis"));
            assert_non_null(strstr(jstr(m, "en"), "certificate"));
            assert_string_equal(jstr(r->json, "detail"), jstr(m, "sv"));
            resp_free(r);
        }
        struct resp *r = call_h("GET", paths[0], NULL, ck, "Accept-Language: en-GB,en;q=0.9", NULL);
        expect_status(r, 404);
        assert_string_equal(jstr(r->json, "detail"), jstr(jget(r->json, "message"), "en"));
        assert_string_equal(jstr(r->json, "title"), "Not found");
        resp_free(r);
    }
}

static void test_tampered(void **state)
{
    (void)state;
    struct resp *r = my_certificate(P_DONE);
    char *bad = tamper_signature(jstr(r->json, "hc1"));
    struct vx_cert_result res;
    lib_verify(bad, &res);
    assert_false(res.valid);
    assert_int_equal(res.first_failed, VX_CERT_STEP_SIGNATURE);
    vx_cert_result_release(&res);
    struct resp *vr = http_verify(bad);
    assert_false(cJSON_IsTrue(jget(vr->json, "valid")));
    assert_string_equal(jstr(vr->json, "failed_step"), "signature");
    assert_non_null(strstr(jstr(jget(vr->json, "result"), "sv"), "Ogiltigt"));
    static const char *const before[] = {"prefix", "base45", "zlib", "cose", "payload"};
    for (size_t i = 0; i < VX_ARRAY_LEN(before); i++)
        assert_string_equal(step_outcome(vr->json, before[i]), "pass");
    assert_string_equal(step_outcome(vr->json, "signature"), "fail");
    resp_free(vr);
    free(bad);

    /* a broken text fails early and names the step */
    vr = http_verify("HC1:NOT-BASE45-§");
    assert_string_equal(jstr(vr->json, "failed_step"), "base45");
    assert_string_equal(step_outcome(vr->json, "signature"), "not_run");
    resp_free(vr);
    vr = http_verify("HC2:6BF");
    assert_string_equal(jstr(vr->json, "failed_step"), "prefix");
    resp_free(vr);
    /* valid now, expired later: the clock matters */
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "hc1", jstr(r->json, "hc1"));
    cJSON_AddStringToObject(b, "clock", "2023-06-01T12:00:00Z");
    char *text = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    vr = call("POST", "/api/v1/certificates/verify", text, NULL);
    cJSON_free(text);
    expect_status(vr, 200);
    assert_string_equal(jstr(vr->json, "failed_step"), "expiry");
    resp_free(vr);
    resp_free(r);
}

/* Base64 body of the first "dsc-*.pem" in the key folder (= base64 of the DER). */
static void dsc_base64(char *out, size_t cap)
{
    DIR *d = opendir(keydir);
    assert_non_null(d);
    struct dirent *de;
    char path[1024] = "";
    while ((de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, "dsc-", 4) && strstr(de->d_name, ".pem"))
            snprintf(path, sizeof path, "%s/%s", keydir, de->d_name);
    closedir(d);
    assert_true(path[0] != '\0');
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "-----", 5))
            continue;
        size_t k = strcspn(line, "\r\n");
        assert_true(n + k < cap);
        memcpy(out + n, line, k);
        n += k;
    }
    out[n] = '\0';
    fclose(f);
}

static void write_case(const char *name, const char *hc1, const cJSON *dcc, bool verify)
{
    char dsc[4096], path[1024];
    dsc_base64(dsc, sizeof dsc);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "JSON", cJSON_Duplicate(dcc, true));
    cJSON_AddStringToObject(c, "PREFIX", hc1);
    cJSON *ctx = cJSON_AddObjectToObject(c, "TESTCTX");
    cJSON_AddNumberToObject(ctx, "VERSION", 1);
    cJSON_AddStringToObject(ctx, "SCHEMA", "1.3.0");
    cJSON_AddStringToObject(ctx, "CERTIFICATE", dsc);
    cJSON_AddStringToObject(ctx, "VALIDATIONCLOCK", CLOCK);
    cJSON_AddStringToObject(ctx, "DESCRIPTION", "vaxchain demo certificate");
    cJSON *e = cJSON_AddObjectToObject(c, "EXPECTEDRESULTS");
    cJSON_AddBoolToObject(e, "EXPECTEDVALIDOBJECT", true);
    cJSON_AddBoolToObject(e, "EXPECTEDSCHEMAVALIDATION", true);
    cJSON_AddBoolToObject(e, "EXPECTEDVERIFY", verify);
    cJSON_AddBoolToObject(e, "EXPECTEDEXPIRATIONCHECK", true);
    cJSON_AddBoolToObject(e, "EXPECTEDKEYUSAGE", true);
    char *text = cJSON_Print(c);
    cJSON_Delete(c);
    snprintf(path, sizeof path, "%s/SE/%s", tddir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    cJSON_free(text);
}

static void runner_cb(void *ctx, const char *file, const char *flag, bool agree, const char *detail)
{
    (void)ctx;
    if (!agree)
        fprintf(stderr, "DISAGREE %s %s: %s\n", file, flag ? flag : "-", detail ? detail : "");
}

static void test_conformance_runner(void **state)
{
    (void)state;
    struct resp *r = my_certificate(P_DONE);
    char sub[600];
    assert_int_equal(mkdir(tddir, 0700), 0);
    snprintf(sub, sizeof sub, "%s/SE", tddir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_case("1.json", jstr(r->json, "hc1"), jget(r->json, "dcc"), true);
    char *bad = tamper_signature(jstr(r->json, "hc1"));
    write_case("2.json", bad, jget(r->json, "dcc"), false);
    free(bad);
    struct vx_cert_schema *schema = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_cert_schema_load(SCHEMA, VALUESETS, &schema, &err), VX_OK);
    struct vx_cert_testdata_stats stats;
    assert_int_equal(vx_cert_testdata_run(tddir, schema, false, runner_cb, NULL, &stats, &err),
                     VX_OK);
    assert_int_equal(stats.cases, 2);
    assert_int_equal(stats.passed, 2);
    assert_int_equal(stats.failed, 0);
    assert_true(stats.checks >= 10);
    vx_cert_schema_free(schema);
    resp_free(r);
}

static void test_roles_and_input(void **state)
{
    (void)state;
    static const char *const staff[] = {
        "{\"role\":\"callcentre\",\"region\":\"01\",\"user\":\"agent7\"}",
        "{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rc1\"}",
        "{\"role\":\"national\"}",
        "{\"role\":\"auditor\"}",
        "{\"role\":\"municipal_nurse\",\"kommun\":\"0180\"}",
    };
    static const char *const paths[] = {"/api/v1/me/certificate", "/api/v1/me/certificate.pdf",
                                        "/api/v1/me/certificate.png", "/api/v1/me/certificate.svg"};
    for (size_t k = 0; k < VX_ARRAY_LEN(staff); k++) {
        char ck[CK];
        login(staff[k], ck);
        for (size_t i = 0; i < VX_ARRAY_LEN(paths); i++) {
            struct resp *r = call("GET", paths[i], NULL, ck);
            expect_status(r, 403);
            expect_type(r, "application/problem+json");
            resp_free(r);
        }
        /* the verifier is open to staff too */
        struct resp *r = call("POST", "/api/v1/certificates/verify", "{\"hc1\":\"HC1:\"}", ck);
        expect_status(r, 200);
        resp_free(r);
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(paths); i++) {
        struct resp *r = call("GET", paths[i], NULL, NULL);
        expect_status(r, 401);
        resp_free(r);
    }
    /* verifier input */
    struct resp *r = call("POST", "/api/v1/certificates/verify", "{}", NULL);
    expect_status(r, 422);
    resp_free(r);
    r = call("POST", "/api/v1/certificates/verify", "{\"hc1\":\"HC1:\",\"clock\":\"yesterday\"}",
             NULL);
    expect_status(r, 422);
    resp_free(r);
    r = req_full(NULL, "POST", "/api/v1/certificates/verify", "{\"hc1\":\"HC1:\"}", NULL, true);
    expect_status(r, 403); /* CSRF: the header (or a same Origin) is required */
    resp_free(r);
    r = call("GET", "/api/v1/certificates/verify", NULL, NULL);
    expect_status(r, 405);
    resp_free(r);
    /* nothing of a verification is stored */
    long long audits = db_int("SELECT count(*) FROM audit_log");
    struct resp *v = http_verify("HC1:6BFOXN");
    resp_free(v);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log"), audits);
}

static void test_openapi(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/openapi.json", NULL, NULL);
    expect_status(r, 200);
    const cJSON *paths = jget(r->json, "paths");
    assert_non_null(jget(paths, "/api/v1/me/certificate"));
    assert_non_null(jget(paths, "/api/v1/me/certificate.pdf"));
    assert_non_null(jget(paths, "/api/v1/certificates/verify"));
    resp_free(r);
}

/* A server whose keys were made after its pinned date must refuse to start. */
static void test_start_refuses_future_keys(void **state)
{
    (void)state;
    char dir[600];
    snprintf(dir, sizeof dir, "%s-late", keydir);
    rm_dir(dir);
    struct vx_cert_keygen_opts o = {
        .dir = dir, .country = "SE", .now = (vx_time)vx_day_from_ymd(2022, 1, 1) * 86400};
    char kid[17];
    struct vx_err err = {0};
    assert_int_equal(vx_cert_keygen(&o, kid, &err), VX_OK);
    vx_cert_http_configure(&(struct vx_cert_http_opts){.keys_dir = dir, .schema_path = SCHEMA});
    struct vx_http_config cfg = {.address = "127.0.0.1",
                                 .threads = 1,
                                 .db_path = dbpath,
                                 .today = vx_day_from_ymd(2021, 3, 10),
                                 .catalog = cat,
                                 .quiet = true};
    struct vx_http_server *s2 = NULL;
    assert_int_equal(vx_http_server_new(&cfg, &s2, &err), VX_OK);
    memset(&err, 0, sizeof err);
    assert_int_not_equal(vx_http_add_module(s2, &vx_cert_http_module, &err), VX_OK);
    assert_non_null(strstr(err.msg, "expiry"));
    vx_http_server_free(s2);
    /* without keys: the verifier works, issuing answers 503 */
    vx_cert_http_configure(&(struct vx_cert_http_opts){.schema_path = SCHEMA});
    assert_int_equal(vx_http_server_new(&cfg, &s2, &err), VX_OK);
    assert_int_equal(vx_http_add_module(s2, &vx_cert_http_module, &err), VX_OK);
    vx_http_server_free(s2);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_citizen_json),
        cmocka_unit_test(test_janssen_single_dose),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_no_completed_vaccination),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_conformance_runner),
        cmocka_unit_test(test_roles_and_input),
        cmocka_unit_test(test_openapi),
        cmocka_unit_test(test_start_refuses_future_keys),
    };
    return cmocka_run_group_tests_name("cert_routes", tests, group_setup, group_teardown);
}
