/*
 * test_care_routes.c — the care API (docs/api-care.md) over real HTTP.
 *
 * One server (pinned to 2021-03-08, dev login) on a database with the real regions
 * and municipalities, the real catalogue and eligibility rules, persons born
 * 1925–1940 with Skatteverket test numbers and three sites: A and B in Stockholm
 * (region 01), U in Uppsala (03). Covered: roles and scope (a vaccinator of A
 * cannot touch B; national and citizens are refused staff routes; a municipal nurse
 * only without a site and in her kommun), a clinic flow (receipt → vial → doses
 * with refusals as problem+json naming the field → vials list → void and its
 * history), transfers confirmed at the receiving end, the standby flow
 * (citizen opt-in → candidates → offer → citizen accepts → dose with the offer),
 * and wastage after closing a vial.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/care_http.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define N_OLD 6

static char old[N_OLD][13];
static int64_t pid[N_OLD];
static int64_t s_a, s_b, s_u;

static int64_t add_site(struct vx_store *st, const char *code, const char *region,
                        const char *kommun)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "Mottagning %s", code);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    s.kind = VX_SITE_HEALTH_CENTRE;
    s.stations = 2;
    s.minutes_per_dose = 5;
    s.open_minute = 0;
    s.close_minute = 1440;
    s.weekdays = 0x7f;
    int64_t id = 0;
    assert_int_equal(st->ops->site_put(st, &s, &id), VX_OK);
    return id;
}

static void make_db(void)
{
    struct vx_store *st = fx_store();
    size_t len;
    char *csv = slurp(TESTPNR, &len);
    int n = 0;
    for (char *line = strtok(csv, "\r\n"); line && n < N_OLD; line = strtok(NULL, "\r\n")) {
        if (strlen(line) != 12 || strncmp(line, "1925", 4) < 0 || strncmp(line, "1940", 4) > 0)
            continue;
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        if (vx_pnr_parse(line, &o, &r.p.pnr, NULL) != VX_OK)
            continue;
        memcpy(old[n], line, 13);
        snprintf(r.p.region, sizeof r.p.region, "01");
        snprintf(r.p.kommun, sizeof r.p.kommun, n == N_OLD - 1 ? "0114" : "0180");
        snprintf(r.given_name, sizeof r.given_name, "Person%d", n);
        snprintf(r.family_name, sizeof r.family_name, "Test");
        r.synthetic = true;
        assert_int_equal(st->ops->person_put(st, &r, &pid[n]), VX_OK);
        n++;
    }
    free(csv);
    assert_int_equal(n, N_OLD);
    s_a = add_site(st, "01-VC-9101", "01", "0180");
    s_b = add_site(st, "01-VC-9102", "01", "0180");
    s_u = add_site(st, "03-VC-9103", "03", "0380");
    vx_store_close(st);
}

static int group_setup(void **state)
{
    fx_begin("care-routes");
    fx_load(true);
    make_db();
    fx_start(
        (struct vx_http_config){
            .threads = 2, .today = vx_day_from_ymd(2021, 3, 8), .catalog = cat, .rules = &rules},
        &vx_care_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    fx_end();
    return 0;
}

/* POST/GET expecting `status`; returns the id field of the reply (0 when none). */
static int64_t ok(const char *method, const char *path, const char *body, const char *cookie,
                  long status, const char *id_field)
{
    struct resp *r = call(method, path, body, cookie);
    expect_status(r, status);
    int64_t id = 0;
    if (id_field) {
        const cJSON *o = r->json;
        if (cJSON_IsObject(jget(o, "dose")))
            o = jget(o, "dose");
        id = (int64_t)jnum(o, id_field);
    }
    resp_free(r);
    return id;
}

enum { VACC_A, COORD_A, COORD_B, REGC, NATL, NURSE, N_STAFF };
static const char *const logins[] = {
    "{\"role\":\"vaccinator\",\"site\":\"01-VC-9101\",\"user\":\"vacc1\"}",
    "{\"role\":\"site_coordinator\",\"site\":\"01-VC-9101\",\"user\":\"coordA\"}",
    "{\"role\":\"site_coordinator\",\"site\":\"01-VC-9102\",\"user\":\"coordB\"}",
    "{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rc1\"}",
    "{\"role\":\"national\"}",
    "{\"role\":\"municipal_nurse\",\"kommun\":\"0180\",\"user\":\"nurse1\"}",
};
static char ck[N_STAFF][CK];

static void login_all(void)
{
    for (int i = 0; i < N_STAFF; i++)
        login(logins[i], ck[i]);
}

static int64_t receive(int64_t site, const char *lot, int doses)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"site\":%lld,\"vaccine\":\"COM\",\"lot_number\":\"%s\",\"expiry\":\"2021-05-31\","
             "\"doses\":%d,\"ref\":\"alloc 2021-W10\"}",
             (long long)site, lot, doses);
    return ok("POST", "/api/v1/receipts", body, ck[COORD_A], 201, "lot");
}

/* ------------------------------------------------------------------ tests */

static void test_scope_and_roles(void **state)
{
    login_all();
    char path[128], body[256];
    /* no session: 401; national: 403 by the route table */
    struct resp *r = call("GET", "/api/v1/sites/1/stock", NULL, NULL);
    expect_status(r, 401);
    resp_free(r);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/stock", (long long)s_a);
    r = call("GET", path, NULL, ck[NATL]);
    expect_status(r, 403);
    resp_free(r);
    ok("GET", path, NULL, ck[VACC_A], 200, NULL);
    ok("GET", path, NULL, ck[REGC], 200, NULL);
    /* a vaccinator or coordinator of A cannot touch B; the region's coordinator can't U */
    snprintf(path, sizeof path, "/api/v1/sites/%lld/stock", (long long)s_b);
    expect_problem(call("GET", path, NULL, ck[VACC_A]), 403, "id", NULL);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/vials", (long long)s_u);
    expect_problem(call("GET", path, NULL, ck[REGC]), 403, "id", NULL);
    snprintf(body, sizeof body,
             "{\"site\":%lld,\"vaccine\":\"COM\",\"lot_number\":\"EJ0001\","
             "\"expiry\":\"2021-05-31\",\"doses\":60}",
             (long long)s_b);
    expect_problem(call("POST", "/api/v1/receipts", body, ck[COORD_A]), 403, "site", NULL);
    /* vaccinators do not receive stock */
    r = call("POST", "/api/v1/receipts", body, ck[VACC_A]);
    expect_status(r, 403);
    resp_free(r);
    snprintf(body, sizeof body, "{\"site\":%lld,\"lot\":1}", (long long)s_b);
    expect_problem(call("POST", "/api/v1/vials", body, ck[VACC_A]), 403, "site", NULL);
    /* a municipal nurse: no site, own kommun only */
    snprintf(body, sizeof body, "{\"site\":%lld,\"lot\":1}", (long long)s_a);
    expect_problem(call("POST", "/api/v1/vials", body, ck[NURSE]), 403, "site", NULL);
    snprintf(body, sizeof body, "{\"kommun\":\"0114\",\"lot\":1}");
    expect_problem(call("POST", "/api/v1/vials", body, ck[NURSE]), 403, "kommun", NULL);
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot\":1}",
             (long long)pid[N_OLD - 1]);
    expect_problem(call("POST", "/api/v1/doses", body, ck[NURSE]), 403, "person_id", NULL);
    /* a citizen has no staff routes */
    char cit[CK], pj[64];
    snprintf(pj, sizeof pj, "{\"person\":\"%s\"}", old[0]);
    login(pj, cit);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/checkin", (long long)s_a);
    r = call("GET", path, NULL, cit);
    expect_status(r, 403);
    resp_free(r);
    /* schema: unknown field */
    expect_problem(call("POST", "/api/v1/wastage",
                        "{\"site\":1,\"doses\":1,\"reason\":\"x\","
                        "\"colour\":\"red\"}",
                        ck[VACC_A]),
                   422, "colour", NULL);
}

static void test_clinic_flow(void **state)
{
    login_all();
    char path[128], body[512];
    int64_t lot = receive(s_a, "EJ6795", 60);
    assert_true(lot > 0);
    snprintf(body, sizeof body, "{\"lot\":%lld}", (long long)lot);
    int64_t vial = ok("POST", "/api/v1/vials", body, ck[VACC_A], 201, "id");
    snprintf(path, sizeof path, "/api/v1/sites/%lld/vials", (long long)s_a);
    struct resp *r = call("GET", path, NULL, ck[VACC_A]);
    expect_status(r, 200);
    const cJSON *v = cJSON_GetArrayItem(jget(r->json, "vials"), 0);
    assert_int_equal((int64_t)jnum(v, "id"), vial);
    assert_true(jnum(v, "seconds_left") > 0 && jnum(v, "seconds_left") <= 6 * 3600);
    assert_int_equal((int)jnum(v, "left"), 6);
    resp_free(r);

    /* a dose, then refusals naming their fields */
    snprintf(body, sizeof body,
             "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot\":%lld,\"vial\":%lld,"
             "\"injection_site\":\"left_arm\"}",
             (long long)pid[0], (long long)lot, (long long)vial);
    int64_t dose = ok("POST", "/api/v1/doses", body, ck[VACC_A], 201, "id");
    assert_true(dose > 0);
    expect_problem(call("POST", "/api/v1/doses", body, ck[VACC_A]), 409, "person", "duplicate");
    snprintf(body, sizeof body,
             "{\"pnr\":\"%s\",\"vaccine\":\"COM\",\"lot\":%lld,\"vial\":%lld,\"dose_number\":2}",
             old[1], (long long)lot, (long long)vial);
    expect_problem(call("POST", "/api/v1/doses", body, ck[VACC_A]), 422, "dose_number",
                   "dose_number");
    snprintf(body, sizeof body,
             "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot_number\":\"NOPE\",\"vial\":%lld}",
             (long long)pid[1], (long long)vial);
    expect_problem(call("POST", "/api/v1/doses", body, ck[VACC_A]), 404, "lot", "lot_unknown");
    snprintf(body, sizeof body,
             "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot\":%lld,\"vial\":%lld,"
             "\"given_at\":\"2031-01-01T10:00:00+01:00\"}",
             (long long)pid[1], (long long)lot, (long long)vial);
    expect_problem(call("POST", "/api/v1/doses", body, ck[VACC_A]), 422, "given_at", "future");
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot\":%lld}",
             (long long)pid[1], (long long)lot);
    /* a municipal nurse gives a dose in her kommun (site 0, no vial, no site stock) */
    int64_t home = ok("POST", "/api/v1/doses", body, ck[NURSE], 201, "id");
    assert_true(db_int("SELECT count(*) FROM doses WHERE site_id IS NULL AND "
                       "kommun_code = '0180'") == 1 &&
                home > 0);

    /* the dose, its void and its history; the vaccinator of B cannot see it */
    snprintf(path, sizeof path, "/api/v1/doses/%lld", (long long)dose);
    ok("GET", path, NULL, ck[VACC_A], 200, NULL);
    expect_problem(call("GET", path, NULL, ck[COORD_B]), 403, "id", NULL);
    snprintf(path, sizeof path, "/api/v1/doses/%lld/correct", (long long)dose);
    ok("POST", path, "{\"reason\":\"wrong arm\",\"injection_site\":\"right_arm\"}", ck[VACC_A], 200,
       NULL);
    snprintf(path, sizeof path, "/api/v1/doses/%lld/void", (long long)dose);
    ok("POST", path, "{\"reason\":\"recorded twice\"}", ck[VACC_A], 200, NULL);
    expect_problem(call("POST", path, "{\"reason\":\"again\"}", ck[VACC_A]), 409, "id", "state");
    snprintf(path, sizeof path, "/api/v1/doses/%lld", (long long)dose);
    r = call("GET", path, NULL, ck[VACC_A]);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "history")), 2);
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "dose"), "status")), "voided");
    assert_int_equal((int)jnum(jget(r->json, "dose"), "version"), 3);
    resp_free(r);
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'dose.void'") == 1);

    /* close: 6 nominal, 0 valid drawn -> 6 wasted */
    snprintf(path, sizeof path, "/api/v1/vials/%lld/close", (long long)vial);
    r = call("POST", path, "{\"reason\":\"leftover\"}", ck[VACC_A]);
    expect_status(r, 200);
    assert_int_equal((int)jnum(r->json, "wasted"), 6);
    resp_free(r);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/wastage", (long long)s_a);
    r = call("GET", path, NULL, ck[COORD_A]);
    expect_status(r, 200);
    assert_true(jnum(r->json, "total") >= 6);
    resp_free(r);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/stock", (long long)s_a);
    r = call("GET", path, NULL, ck[COORD_A]);
    expect_status(r, 200);
    const cJSON *l = cJSON_GetArrayItem(jget(r->json, "lots"), 0);
    assert_int_equal((int)jnum(l, "doses"), 54);
    assert_int_equal((int)jnum(l, "vials"), 9);
    resp_free(r);
}

static void test_transfer_and_count(void **state)
{
    login_all();
    char body[256], path[128];
    int64_t lot = receive(s_a, "EK9788", 120);
    snprintf(body, sizeof body, "{\"lot\":%lld,\"from_site\":%lld,\"to_site\":%lld,\"doses\":60}",
             (long long)lot, (long long)s_a, (long long)s_b);
    expect_problem(call("POST", "/api/v1/transfers", body, ck[COORD_B]), 403, "from_site", NULL);
    int64_t t = ok("POST", "/api/v1/transfers", body, ck[COORD_A], 201, "id");
    snprintf(path, sizeof path, "/api/v1/transfers/%lld/receive", (long long)t);
    expect_problem(call("POST", path, "{}", ck[COORD_A]), 403, "id", NULL);
    ok("POST", path, "{\"doses\":60}", ck[COORD_B], 200, NULL);
    expect_problem(call("POST", path, "{}", ck[REGC]), 409, "id", "state");
    snprintf(body, sizeof body, "{\"site\":%lld,\"lot\":%lld,\"counted\":58}", (long long)s_b,
             (long long)lot);
    struct resp *r = call("POST", "/api/v1/counts", body, ck[COORD_B]);
    expect_status(r, 201);
    assert_int_equal((int)jnum(r->json, "discrepancy"), -2);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "followup")), "open");
    resp_free(r);
}

static void test_standby_flow(void **state)
{
    login_all();
    char body[256], path[160], cit[CK], pj[64];
    int64_t lot = receive(s_a, "EP2163", 12);
    snprintf(body, sizeof body, "{\"lot\":%lld}", (long long)lot);
    int64_t vial = ok("POST", "/api/v1/vials", body, ck[VACC_A], 201, "id");
    snprintf(pj, sizeof pj, "{\"person\":\"%s\"}", old[2]);
    login(pj, cit);
    snprintf(body, sizeof body, "{\"site\":%lld,\"minutes\":20,\"phone\":true}", (long long)s_a);
    ok("POST", "/api/v1/me/standby", body, cit, 200, NULL);
    ok("GET", "/api/v1/me/standby", NULL, cit, 200, NULL);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/standby/offers?vial=%lld", (long long)s_a,
             (long long)vial);
    struct resp *r = call("GET", path, NULL, ck[VACC_A]);
    expect_status(r, 200);
    const cJSON *c = jget(cJSON_GetArrayItem(jget(r->json, "vials"), 0), "candidates");
    assert_int_equal(cJSON_GetArraySize(c), 1);
    assert_int_equal((int64_t)jnum(cJSON_GetArrayItem(c, 0), "person_id"), pid[2]);
    resp_free(r);
    snprintf(body, sizeof body, "{\"vial\":%lld,\"person_id\":%lld}", (long long)vial,
             (long long)pid[2]);
    expect_problem(call("POST", "/api/v1/offers", body, ck[COORD_B]), 403, "vial", NULL);
    int64_t offer = ok("POST", "/api/v1/offers", body, ck[VACC_A], 201, "id");
    r = call("GET", "/api/v1/me/offers", NULL, cit);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "offers")), 1);
    resp_free(r);
    snprintf(path, sizeof path, "/api/v1/offers/%lld/accept", (long long)offer);
    ok("POST", path, NULL, cit, 200, NULL);
    snprintf(body, sizeof body,
             "{\"person_id\":%lld,\"vaccine\":\"COM\",\"lot\":%lld,\"vial\":%lld,\"offer\":%lld}",
             (long long)pid[2], (long long)lot, (long long)vial, (long long)offer);
    ok("POST", "/api/v1/doses", body, ck[VACC_A], 201, "id");
    assert_true(db_int("SELECT count(*) FROM standby_offers WHERE status = 'used'") == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_and_roles),
        cmocka_unit_test(test_clinic_flow),
        cmocka_unit_test(test_transfer_and_count),
        cmocka_unit_test(test_standby_flow),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
