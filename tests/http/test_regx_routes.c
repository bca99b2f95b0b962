/*
 * test_regx_routes.c — the register routes (src/http/routes_regx.c) over real sockets.
 *
 * One server in-process on 127.0.0.1 (port 0) with the regx module and dev login; the
 * database holds the SCB reference data, COM, and two persons of region 01 with
 * Skatteverket test personnummer: one with two Comirnaty doses (the second voided),
 * one with none.
 *
 * Covered: the citizen's own searchset Bundle (patient omitted, or naming themself),
 * entries with fullUrl, the void as entered-in-error, no personnummer in the answer,
 * the audit row (person:<id>, no personnummer); a citizen asking for someone else
 * 403; staff of the region by personnummer 200, of another region 403; a malformed
 * personnummer 422 naming `patient`; GET /fhir/Immunization/{id} 200 / 404 outside
 * the scope / 422 for a bad id; the status route for a coordinator (three registers)
 * and 403 for a citizen, 401 without a session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/http.h"
#include "vx/pnr.h"
#include "vx/regx_http.h"
#include "vx/store.h"
#include "../common/person.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

static char pnr[2][13];
static int64_t pid[2], dose[2];

static int group_setup(void **state)
{
    (void)state;
    fx_begin("regx-routes");
    struct vx_store *st = fx_store();
    assert_int_equal(st->ops->vaccine_put(st, "COM", "Comirnaty", "{}"), VX_OK);
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    while (n < 2 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == 12 && strncmp(line, "1940", 4) >= 0 && strncmp(line, "1950", 4) <= 0)
            memcpy(pnr[n++], line, 13);
    }
    fclose(f);
    assert_int_equal(n, 2);
    pid[0] = test_put_person(st, pnr[0], "01", "0180");
    pid[1] = test_put_person(st, pnr[1], "01", "0180");
    for (int i = 0; i < 2; i++) {
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid[0];
        snprintf(d.region, sizeof d.region, "01");
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        snprintf(d.lot_number, sizeof d.lot_number, "EJ%d", i);
        d.dose_number = i + 1;
        d.given_at = 1609491600 + i * 21 * 86400;
        snprintf(d.kommun, sizeof d.kommun, "0180");
        assert_int_equal(st->ops->dose_put(st, &d, &dose[i]), VX_OK);
    }
    vx_store_close(st);
    /* the care module's void: an UPDATE of the dose's status */
    sqlite3 *db = NULL;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE doses SET status = 'voided', version = 2 WHERE id = %lld",
             (long long)dose[1]);
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    fx_start((struct vx_http_config){.threads = 2, .today = vx_day_from_ymd(2021, 3, 10)},
             &vx_regx_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    return 0;
}

static void test_citizen_bundle(void **state)
{
    (void)state;
    char ck[CK], body[64];
    snprintf(body, sizeof body, "{\"person\":\"%s\"}", pnr[0]);
    login(body, ck);
    struct resp *r = call("GET", "/fhir/Immunization", NULL, ck);
    expect_status(r, 200);
    char ct[128];
    assert_non_null(header(r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "application/fhir+json"));
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "resourceType")), "Bundle");
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "type")), "searchset");
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "entry")), 2);
    const cJSON *e1 = cJSON_GetArrayItem(jget(r->json, "entry"), 1);
    assert_non_null(strstr(cJSON_GetStringValue(jget(e1, "fullUrl")), "/fhir/Immunization/"));
    assert_string_equal(cJSON_GetStringValue(jget(jget(e1, "resource"), "status")),
                        "entered-in-error");
    assert_null(strstr(r->body, pnr[0])); /* never the personnummer */
    resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/fhir/Immunization?patient=%lld", (long long)pid[0]);
    r = call("GET", path, NULL, ck);
    expect_status(r, 200);
    resp_free(r);
    snprintf(path, sizeof path, "/fhir/Immunization?patient=%s", pnr[1]);
    r = call("GET", path, NULL, ck);
    expect_status(r, 403);
    resp_free(r);
    snprintf(path, sizeof path, "/fhir/Immunization/%lld", (long long)dose[0]);
    r = call("GET", path, NULL, ck);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "resourceType")), "Immunization");
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "status")), "completed");
    resp_free(r);
    r = call("GET", "/api/v1/register/status", NULL, ck);
    expect_status(r, 403);
    resp_free(r);
    /* the reads were audited, without the personnummer */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'person.read' AND object = "
             "'person:%lld'",
             (long long)pid[0]);
    assert_true(db_int(sql) >= 3);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'person.read' AND object = "
             "'person:%lld' AND instr(detail, '%s') > 0",
             (long long)pid[0], pnr[0]);
    assert_int_equal(db_int(sql), 0);
}

static void test_staff_scope_and_status(void **state)
{
    (void)state;
    char ck01[CK], ck02[CK], path[96];
    login("{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rc1\"}", ck01);
    login("{\"role\":\"regional_coordinator\",\"region\":\"02\",\"user\":\"rc2\"}", ck02);
    snprintf(path, sizeof path, "/fhir/Immunization?patient=%s", pnr[0]);
    struct resp *r = call("GET", path, NULL, ck01);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "entry")), 2);
    resp_free(r);
    r = call("GET", path, NULL, ck02);
    expect_status(r, 403);
    resp_free(r);
    snprintf(path, sizeof path, "/fhir/Immunization?patient=%s", pnr[1]);
    r = call("GET", path, NULL, ck01);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "entry")), 0);
    resp_free(r);
    r = call("GET", "/fhir/Immunization?patient=19121212-1213", NULL, ck01);
    expect_status(r, 422);
    assert_non_null(strstr(r->body, "patient"));
    resp_free(r);
    r = call("GET", "/fhir/Immunization", NULL, ck01);
    expect_status(r, 422);
    resp_free(r);
    snprintf(path, sizeof path, "/fhir/Immunization/%lld", (long long)dose[0]);
    r = call("GET", path, NULL, ck02);
    expect_status(r, 404);
    resp_free(r);
    r = call("GET", "/fhir/Immunization/abc", NULL, ck01);
    expect_status(r, 422);
    resp_free(r);
    r = call("GET", "/fhir/Immunization/999999", NULL, ck01);
    expect_status(r, 404);
    resp_free(r);
    r = call("GET", "/api/v1/register/status", NULL, ck01);
    expect_status(r, 200);
    const cJSON *regs = jget(r->json, "registers");
    assert_int_equal(cJSON_GetArraySize(regs), 3);
    const cJSON *nvr = cJSON_GetArrayItem(regs, 0);
    assert_string_equal(cJSON_GetStringValue(jget(nvr, "register")), "nvr");
    assert_int_equal((int)cJSON_GetNumberValue(jget(nvr, "pending")), 3); /* 2 new + 1 void */
    resp_free(r);
    r = call("GET", "/api/v1/register/status", NULL, NULL);
    expect_status(r, 401);
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_citizen_bundle),
        cmocka_unit_test(test_staff_scope_and_status),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
