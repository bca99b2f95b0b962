/*
 * test_report_routes.c — the traffic-light report over HTTP (src/http/routes_report.c).
 *
 * One server runs in-process on 127.0.0.1, port 0, with the report module and dev
 * login, over a database with the real regions and municipalities, one Uppsala site,
 * three persons (Skatteverket test numbers) and their doses in March 2021, and a
 * delivery in week 9. The server's day is pinned to 2021-03-10.
 *
 * Covered: roles and scope (citizen, vaccinator, auditor refused; a regional
 * coordinator reads and files only their own region; national reads all but cannot
 * file), filing and superseding with history and the audit row, 422 naming the field,
 * suggestions, the compilation as JSON/HTML/PDF/XLSX (with Content-Disposition), the
 * public dashboard with its "<5" suppression cross-checked against the doses table,
 * and the routes in the OpenAPI document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fixture.h"
#include "vx/cert.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/report_http.h"
#include "vx/store.h"
#include "../common/person.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

static vx_time at(int y, int m, int d, int minute)
{
    vx_time t = 0;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), minute, &t, NULL), VX_OK);
    return t;
}

static void make_db(void)
{
    struct vx_store *st = fx_store();
    assert_int_equal(st->ops->vaccine_put(st, "COM", "Comirnaty", "{}"), VX_OK);
    struct vx_site_rec s = {.kind = VX_SITE_HEALTH_CENTRE,
                            .stations = 1,
                            .minutes_per_dose = 10,
                            .open_minute = 480,
                            .close_minute = 1020,
                            .weekdays = 31};
    snprintf(s.code, sizeof s.code, "03-VC-HTTP");
    snprintf(s.name, sizeof s.name, "Vårdcentralen HTTP");
    snprintf(s.region, sizeof s.region, "03");
    snprintf(s.kommun, sizeof s.kommun, "0380");
    int64_t site = 0;
    assert_int_equal(st->ops->site_put(st, &s, &site), VX_OK);
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    while (n < 3 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12 || strncmp(line, "1940", 4) < 0 || strncmp(line, "1950", 4) >= 0)
            continue;
        int64_t pid = test_put_person(st, line, "03", "0380");
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid;
        snprintf(d.region, sizeof d.region, "03");
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        d.dose_number = 1;
        d.given_at = at(2021, 3, 8 + n % 2, 600);
        d.site_id = site;
        snprintf(d.source, sizeof d.source, "recorded");
        assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
        n++;
    }
    fclose(f);
    assert_int_equal(n, 3);
    struct vx_supply_rec sup = {.site_id = site, .week = {2021, 9}, .delivered = 60};
    snprintf(sup.vaccine, sizeof sup.vaccine, "COM");
    assert_int_equal(st->ops->supply_put(st, &sup), VX_OK);
    vx_store_close(st);
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("report-routes");
    make_db();
    fx_start((struct vx_http_config){.threads = 4, .today = vx_day_from_ymd(2021, 3, 10)},
             &vx_report_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    vx_cert_render_cleanup(); /* cairo's font caches (PDF) */
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static const char FILING[] =
    "{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"yellow\",\"reason\":"
    "\"Hemtjänstlistor försenade\"},\"readiness\":{\"color\":\"green\"},"
    "\"municipal_cooperation\":{\"color\":\"yellow\",\"reason\":\"Listorna kom sent\"}}}";

/* ------------------------------------------------------------------ tests */

static void test_roles(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/api/v1/reports/traffic-light?month=2021-03",
        "/api/v1/reports/traffic-light/suggestions?month=2021-03&region=03",
        "/api/v1/reports/traffic-light/national?month=2021-03"};
    struct resp *r;
    for (size_t i = 0; i < VX_ARRAY_LEN(paths); i++) {
        r = call("GET", paths[i], NULL, NULL);
        expect_status(r, 401);
        resp_free(r);
    }
    static const char *const denied[] = {
        "{\"role\":\"vaccinator\",\"site\":\"03-VC-HTTP\",\"user\":\"vac1\"}",
        "{\"role\":\"auditor\",\"user\":\"aud1\"}",
        "{\"role\":\"callcentre\",\"region\":\"03\",\"user\":\"agent1\"}"};
    for (size_t k = 0; k < VX_ARRAY_LEN(denied); k++) {
        char ck[CK];
        login(denied[k], ck);
        for (size_t i = 0; i < VX_ARRAY_LEN(paths); i++) {
            r = call("GET", paths[i], NULL, ck);
            expect_status(r, 403);
            resp_free(r);
        }
        r = call("POST", "/api/v1/reports/traffic-light", FILING, ck);
        expect_status(r, 403);
        resp_free(r);
    }
    /* national reads but does not file */
    char nat[CK];
    login("{\"role\":\"national\",\"user\":\"fohm1\"}", nat);
    r = call("POST", "/api/v1/reports/traffic-light", FILING, nat);
    expect_status(r, 403);
    resp_free(r);
    /* the coordinator of 01 cannot read or file for 03 */
    char c01[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"coord01\"}", c01);
    r = call("GET", "/api/v1/reports/traffic-light?month=2021-03&region=03", NULL, c01);
    expect_status(r, 403);
    assert_string_equal(field_of(r), "region");
    resp_free(r);
    r = call("GET", "/api/v1/reports/traffic-light/suggestions?region=03", NULL, c01);
    expect_status(r, 403);
    resp_free(r);
    r = call("POST", "/api/v1/reports/traffic-light",
             "{\"month\":\"2021-03\",\"region\":\"03\",\"areas\":{\"overall\":{\"color\":"
             "\"green\"},\"readiness\":{\"color\":\"green\"}}}",
             c01);
    expect_status(r, 403);
    assert_string_equal(field_of(r), "region");
    resp_free(r);
    /* the public dashboard needs no session */
    r = call("GET", "/api/v1/reports/dashboard", NULL, NULL);
    expect_status(r, 200);
    resp_free(r);
}

static void test_file_history(void **state)
{
    (void)state;
    char ck[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"coord03\"}", ck);
    struct resp *r = call("POST", "/api/v1/reports/traffic-light", FILING, ck);
    expect_status(r, 201);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "region")), "03");
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "filed_by")), "coord03");
    assert_true(cJSON_IsNull(jget(r->json, "supersedes")));
    const cJSON *areas = jget(r->json, "areas");
    assert_string_equal(cJSON_GetStringValue(jget(jget(areas, "overall"), "color")), "yellow");
    assert_string_equal(cJSON_GetStringValue(jget(jget(areas, "staff"), "color")), "unknown");
    double first = cJSON_GetNumberValue(jget(r->json, "id"));
    resp_free(r);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'report.file' AND "
             "object = 'tl_report:%d' AND actor = 'coord03'",
             (int)first);
    assert_int_equal(db_int(q), 1);

    /* refile: supersedes the first, which stays in the history */
    r = call("POST", "/api/v1/reports/traffic-light",
             "{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"green\"},"
             "\"readiness\":{\"color\":\"green\"}}}",
             ck);
    expect_status(r, 201);
    assert_int_equal((int)cJSON_GetNumberValue(jget(r->json, "supersedes")), (int)first);
    resp_free(r);
    r = call("GET", "/api/v1/reports/traffic-light?month=2021-03&history=true", NULL, ck);
    expect_status(r, 200);
    const cJSON *reps = jget(r->json, "reports");
    assert_int_equal(cJSON_GetArraySize(reps), 2);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cJSON_GetArrayItem(reps, 0), "id")),
                     (int)first);
    assert_false(cJSON_IsNull(jget(cJSON_GetArrayItem(reps, 0), "superseded_by")));
    resp_free(r);
    r = call("GET", "/api/v1/reports/traffic-light?month=2021-03", NULL, ck);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "reports")), 1);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM tl_reports"), 2);

    /* bad filings: 422 naming the field, nothing stored */
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"month\":\"2021-13\",\"areas\":{}}", "month"},
        {"{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"green\"}}}", "readiness"},
        {"{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"green\"},\"readiness\":"
         "{\"color\":\"red\"}}}",
         "readiness"},
        {"{\"month\":\"2021-03\",\"areas\":{\"weather\":{\"color\":\"red\"}}}", "areas.weather"},
        {"{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"teal\"}}}",
         "areas.overall.color"},
        {"{\"month\":\"2021-03\"}", "areas"},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(bad); i++) {
        r = call("POST", "/api/v1/reports/traffic-light", bad[i].body, ck);
        expect_status(r, 422);
        assert_string_equal(field_of(r), bad[i].field);
        resp_free(r);
    }
    assert_int_equal(db_int("SELECT count(*) FROM tl_reports"), 2);
    /* national sees region 03's report */
    char nat[CK];
    login("{\"role\":\"national\",\"user\":\"fohm1\"}", nat);
    r = call("GET", "/api/v1/reports/traffic-light?month=2021-03", NULL, nat);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "reports")), 1);
    resp_free(r);
    r = call("GET", "/api/v1/reports/traffic-light", NULL, nat);
    expect_status(r, 422);
    resp_free(r);
}

static void test_suggestions(void **state)
{
    (void)state;
    char ck[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"coord03\"}", ck);
    struct resp *r =
        call("GET", "/api/v1/reports/traffic-light/suggestions?month=2021-03", NULL, ck);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "region")), "03");
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "asof")), "2021-03-10");
    const cJSON *sup = jget(jget(r->json, "suggestions"), "supply_logistics");
    /* 3 of 60 delivered doses given: delivery use 5 % < 70 % → yellow */
    assert_string_equal(cJSON_GetStringValue(jget(sup, "color")), "yellow");
    assert_non_null(
        strstr(cJSON_GetStringValue(jget(jget(sup, "text"), "en")), "supply.delivery_use.yellow"));
    assert_string_equal(
        cJSON_GetStringValue(jget(jget(jget(r->json, "suggestions"), "staff"), "color")),
        "unknown");
    /* the two data-fed indicators: NVR was never exported to here, so the backlog is
     * unknown with a note saying so (also in the IT suggestion); the phase delay is
     * either known or says why not */
    const cJSON *ind, *backlog = NULL, *phase = NULL;
    cJSON_ArrayForEach(ind, jget(r->json, "indicators"))
    {
        const char *code = cJSON_GetStringValue(jget(ind, "code"));
        if (code && !strcmp(code, "register_backlog_days"))
            backlog = ind;
        if (code && !strcmp(code, "phase_delay_days"))
            phase = ind;
    }
    assert_non_null(backlog);
    assert_non_null(phase);
    assert_true(cJSON_IsFalse(jget(backlog, "known")));
    assert_non_null(strstr(cJSON_GetStringValue(jget(jget(backlog, "note"), "en")), "NVR"));
    assert_non_null(strstr(cJSON_GetStringValue(jget(jget(backlog, "note"), "sv")), "NVR"));
    const cJSON *it = jget(jget(r->json, "suggestions"), "it_register");
    assert_non_null(strstr(cJSON_GetStringValue(jget(jget(it, "text"), "sv")), "NVR"));
    assert_true(cJSON_IsTrue(jget(phase, "known")) ||
                cJSON_GetStringValue(jget(jget(phase, "note"), "en")) != NULL);
    resp_free(r);
    char nat[CK];
    login("{\"role\":\"national\",\"user\":\"fohm1\"}", nat);
    r = call("GET", "/api/v1/reports/traffic-light/suggestions?month=2021-03", NULL, nat);
    expect_status(r, 422);
    assert_string_equal(field_of(r), "region");
    resp_free(r);
    r = call("GET", "/api/v1/reports/traffic-light/suggestions?month=2021-03&region=3x", NULL, nat);
    expect_status(r, 422);
    resp_free(r);
}

static void test_national(void **state)
{
    (void)state;
    char ck[CK];
    login("{\"role\":\"national\",\"user\":\"fohm1\"}", ck);
    struct resp *r = call("GET", "/api/v1/reports/traffic-light/national?month=2021-03", NULL, ck);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetNumberValue(jget(r->json, "regions_total")), 21);
    assert_int_equal(cJSON_GetNumberValue(jget(r->json, "regions_filed")), 1);
    const cJSON *a0 = cJSON_GetArrayItem(jget(r->json, "areas"), 0);
    assert_int_equal(cJSON_GetNumberValue(jget(jget(a0, "counts"), "green")), 1);
    assert_int_equal(cJSON_GetNumberValue(jget(jget(a0, "counts"), "unknown")), 20);
    /* coverage of 03: 3 persons with a first dose of 3 registered */
    const cJSON *r03 = cJSON_GetArrayItem(jget(r->json, "regions"), 1);
    assert_string_equal(cJSON_GetStringValue(jget(r03, "code")), "03");
    assert_true(cJSON_GetNumberValue(jget(r03, "dose1_pct")) == 100.0);
    resp_free(r);
    static const struct {
        const char *fmt, *type, *magic;
    } docs[] = {
        {"html", "text/html; charset=utf-8", "<!DOCTYPE html>"},
        {"pdf", "application/pdf", "%PDF-"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\3\4"}};
    for (size_t i = 0; i < VX_ARRAY_LEN(docs); i++) {
        char path[128], ct[160], cd[160];
        snprintf(path, sizeof path,
                 "/api/v1/reports/traffic-light/national?month=2021-03&format=%s&lang=en",
                 docs[i].fmt);
        r = call("GET", path, NULL, ck);
        expect_status(r, 200);
        assert_non_null(header(r, "Content-Type", ct, sizeof ct));
        assert_string_equal(ct, docs[i].type);
        assert_memory_equal(r->body, docs[i].magic, strlen(docs[i].magic));
        assert_non_null(header(r, "Content-Disposition", cd, sizeof cd));
        assert_non_null(strstr(cd, "lagesbild-2021-03."));
        if (!strcmp(docs[i].fmt, "html"))
            assert_non_null(strstr(r->body, "<strong id=\"filed\">1</strong> / 21"));
        resp_free(r);
    }
    r = call("GET", "/api/v1/reports/traffic-light/national?format=docx", NULL, ck);
    expect_status(r, 422);
    assert_string_equal(field_of(r), "format");
    resp_free(r);
}

static void test_dashboard(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/v1/reports/dashboard?region=03&weeks=3", NULL, NULL);
    expect_status(r, 200);
    const cJSON *regs = jget(r->json, "regions");
    assert_int_equal(cJSON_GetArraySize(regs), 1);
    const cJSON *e = cJSON_GetArrayItem(regs, 0);
    /* 3 doses in the last 7 days: suppressed as "<5"; the direct count agrees it is 1..4 */
    long long direct = db_int("SELECT count(*) FROM doses WHERE region_code = '03'");
    assert_int_equal(direct, 3);
    assert_true(cJSON_IsNull(jget(e, "doses_7d")));
    assert_string_equal(cJSON_GetStringValue(jget(e, "doses_7d_display")), "<5");
    assert_int_equal(cJSON_GetNumberValue(jget(e, "delivered_total")), 60);
    assert_string_equal(cJSON_GetStringValue(jget(e, "stock_source")), "estimate");
    assert_int_equal(cJSON_GetNumberValue(jget(e, "stock_doses")), 57);
    assert_true(cJSON_IsNull(jget(e, "stock_days"))); /* 57 / (3 / 7) would reveal the 3 */
    assert_string_equal(cJSON_GetStringValue(jget(e, "stock_days_display")), "<5");
    const cJSON *ks = jget(e, "municipalities");
    assert_int_equal(cJSON_GetArraySize(ks), 8);
    assert_string_equal(cJSON_GetStringValue(jget(cJSON_GetArrayItem(ks, 0), "code")), "0305");
    const cJSON *weeks = jget(e, "weeks");
    assert_int_equal(cJSON_GetArraySize(weeks), 3);
    assert_string_equal(cJSON_GetStringValue(jget(cJSON_GetArrayItem(weeks, 1), "week")),
                        "2021-W09");
    assert_int_equal(cJSON_GetNumberValue(jget(cJSON_GetArrayItem(weeks, 1), "delivered")), 60);
    resp_free(r);
    r = call("GET", "/api/v1/reports/dashboard", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "regions")), 21);
    resp_free(r);
    r = call("GET", "/api/v1/reports/dashboard?weeks=99", NULL, NULL);
    expect_status(r, 422);
    resp_free(r);
    r = call("GET", "/api/v1/reports/dashboard?region=ABC", NULL, NULL);
    expect_status(r, 422);
    resp_free(r);
}

static void test_openapi(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/openapi.json", NULL, NULL);
    expect_status(r, 200);
    const cJSON *paths = jget(r->json, "paths");
    assert_non_null(jget(paths, "/api/v1/reports/traffic-light"));
    assert_non_null(jget(paths, "/api/v1/reports/traffic-light/national"));
    assert_non_null(jget(paths, "/api/v1/reports/dashboard"));
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),       cmocka_unit_test(test_file_history),
        cmocka_unit_test(test_suggestions), cmocka_unit_test(test_national),
        cmocka_unit_test(test_dashboard),   cmocka_unit_test(test_openapi),
    };
    return cmocka_run_group_tests_name("report_routes", tests, group_setup, group_teardown);
}
