/*
 * test_stats_routes.c — coverage statistics over HTTP (src/http/routes_stats.c).
 *
 * One in-process server on 127.0.0.1 (port 0) with the stats module and dev login,
 * over a database with the real regions and municipalities, FoHM's official series,
 * 60 persons (Skatteverket test numbers) in Uppsala (03) and 3 in Norrbotten (25),
 * doses for all of them in 2021-W10/W11, and the population cube at 2021-03-08.
 * Norrbotten's 3 vaccinated persons make small cells.
 *
 * Covered: public cuts are suppressed ("<5", n null, and the complementary cell);
 * a regional coordinator sees their own region unsuppressed and is refused another;
 * national oversight is suppressed; citizens and anonymous callers are refused the
 * staff route; 422 naming the parameter; CSV format; open-data CSV headers in FoHM's
 * layout; XLSX; Prometheus text; official series and the comparison; OpenAPI. Doses
 * recorded by another connection while the server runs are in the next answer (the
 * cut applies what is pending; the module's background applier may have already),
 * and /meta then reports nothing pending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/http.h"
#include "vx/pnr.h"
#include "vx/stats.h"
#include "vx/stats_http.h"
#include "vx/store.h"

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
    struct vx_err err = {0};
    assert_int_equal(st->ops->vaccine_put(st, "COM", "Comirnaty", "{\"schedule\":{\"doses\":2}}"),
                     VX_OK);
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    while (n < 63 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12 || strncmp(line, "1940", 4) < 0 || strncmp(line, "1990", 4) >= 0)
            continue;
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        if (vx_pnr_parse(line, &o, &r.p.pnr, NULL) != VX_OK)
            continue;
        bool norr = n >= 60;
        snprintf(r.p.region, sizeof r.p.region, "%s", norr ? "25" : "03");
        snprintf(r.p.kommun, sizeof r.p.kommun, "%s", norr ? "2580" : "0380");
        r.synthetic = true;
        int64_t pid = 0;
        assert_int_equal(st->ops->person_put(st, &r, &pid), VX_OK);
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid;
        snprintf(d.region, sizeof d.region, "%s", r.p.region);
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        d.dose_number = 1;
        d.given_at = at(2021, 3, 8 + (n % 2) * 7, 600);
        assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
        n++;
    }
    fclose(f);
    assert_int_equal(n, 63);
    assert_int_equal(vx_stats_refresh(st, vx_day_from_ymd(2021, 3, 8), NULL), VX_OK);
    assert_int_equal(vx_stats_load_official(st, VX_SHARED_DATA_DIR "/se", NULL, &err), VX_OK);
    vx_store_close(st);
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("stats-routes");
    make_db();
    fx_start((struct vx_http_config){.threads = 2, .today = vx_day_from_ymd(2021, 3, 20)},
             &vx_stats_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    return 0;
}

/* ------------------------------------------------------------------ helpers */

/* The cell of `dim` == value in a coverage answer, or NULL. */
static const cJSON *cell(const struct resp *r, const char *dim, const char *value)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(r->json, "cells"))
    {
        const char *v = cJSON_GetStringValue(jget(c, dim));
        if (v && !strcmp(v, value))
            return c;
    }
    return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* ------------------------------------------------------------------ tests */

static void test_public_suppressed(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/v1/stats/coverage?by=region&measure=persons", NULL, NULL);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(jget(r->json, "suppressed")));
    const cJSON *u = cell(r, "region", "03"), *nb = cell(r, "region", "25");
    assert_non_null(u);
    assert_non_null(nb);
    /* Norrbotten's 3 are hidden, and so is Uppsala: it would give them away */
    assert_true(cJSON_IsNull(jget(nb, "n")));
    assert_string_equal(cJSON_GetStringValue(jget(nb, "display")), "<5");
    assert_string_equal(cJSON_GetStringValue(jget(nb, "suppressed")), "primary");
    assert_true(cJSON_IsNull(jget(nb, "share")));
    assert_true(cJSON_IsNull(jget(u, "n")));
    assert_string_equal(cJSON_GetStringValue(jget(u, "suppressed")), "secondary");
    assert_int_equal((int)cJSON_GetNumberValue(jget(jget(r->json, "total"), "n")), 63);
    assert_true(cJSON_GetNumberValue(jget(u, "population")) > 0);
    resp_free(r);
    /* nothing of the answer reveals the hidden count */
    r = call("GET", "/api/v1/stats/coverage?by=region&measure=persons&format=csv", NULL, NULL);
    expect_status(r, 200);
    assert_non_null(strstr(r->body, "region,n,population,share\n"));
    assert_non_null(strstr(r->body, "25,<5,"));
    assert_non_null(strstr(r->body, "03,..,"));
    resp_free(r);
    /* by week: W10 30+2, W11 30+1 of Uppsala+Norrbotten: totals are fine */
    r = call("GET", "/api/v1/stats/coverage?by=week&region=03", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "week", "2021-W10"), "n")), 30);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "week", "2021-W11"), "n")), 30);
    resp_free(r);
    r = call("GET", "/api/v1/stats/coverage?by=week&cumulative=true&region=03", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "week", "2021-W11"), "n")), 60);
    resp_free(r);
}

static void test_staff_scope(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/v1/stats/staff/coverage?by=region", NULL, NULL);
    expect_status(r, 401);
    resp_free(r);
    char ck[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"25\",\"user\":\"rc25\"}", ck);
    r = call("GET", "/api/v1/stats/staff/coverage?by=kommun&measure=persons", NULL, ck);
    expect_status(r, 200);
    assert_false(cJSON_IsTrue(jget(r->json, "suppressed")));
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "filter"), "region")), "25");
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "kommun", "2580"), "n")), 3);
    assert_null(cell(r, "kommun", "0380")); /* only their own region */
    resp_free(r);
    r = call("GET", "/api/v1/stats/staff/coverage?by=kommun&region=03", NULL, ck);
    expect_status(r, 403);
    assert_string_equal(field_of(r), "region");
    resp_free(r);
    r = call("GET", "/api/v1/stats/staff/coverage?filter=kommun:0380", NULL, ck);
    expect_status(r, 403);
    assert_string_equal(field_of(r), "kommun");
    resp_free(r);
    /* national oversight: everything, suppressed */
    login("{\"role\":\"national\",\"user\":\"nat1\"}", ck);
    r = call("GET", "/api/v1/stats/staff/coverage?by=region", NULL, ck);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(jget(r->json, "suppressed")));
    assert_true(cJSON_IsNull(jget(cell(r, "region", "25"), "n")));
    resp_free(r);
    /* a municipal coordinator: own municipality, suppressed */
    login("{\"role\":\"municipal_coordinator\",\"kommun\":\"2580\",\"user\":\"mc1\"}", ck);
    r = call("GET", "/api/v1/stats/staff/coverage?by=kommun", NULL, ck);
    expect_status(r, 200);
    assert_true(cJSON_IsNull(jget(cell(r, "kommun", "2580"), "n")));
    resp_free(r);
    /* the auditor has no business here */
    login("{\"role\":\"auditor\",\"user\":\"aud1\"}", ck);
    r = call("GET", "/api/v1/stats/staff/coverage?by=region", NULL, ck);
    expect_status(r, 403);
    resp_free(r);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    static const struct {
        const char *query, *field;
    } cases[] = {{"by=foo", "by"},
                 {"by=age,sex,week", "by"},
                 {"by=age,age", "by"},
                 {"measure=people", "measure"},
                 {"week=2021-W60", "week"},
                 {"week=2021-W10..2021-W01", "week"},
                 {"region=1", "region"},
                 {"filter=age:81", "filter"},
                 {"cumulative=maybe", "cumulative"},
                 {"format=xml", "format"},
                 {"by=deso,age", "by"}};
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        char path[200];
        snprintf(path, sizeof path, "/api/v1/stats/coverage?%s", cases[i].query);
        struct resp *r = call("GET", path, NULL, NULL);
        expect_status(r, 422);
        assert_string_equal(field_of(r), cases[i].field);
        resp_free(r);
    }
}

static void test_open_data(void **state)
{
    (void)state;
    struct resp *r = call("GET", "/api/v1/stats/open/region_week.csv", NULL, NULL);
    expect_status(r, 200);
    assert_true(starts_with(r->body,
                            "iso_week,iso_year,week,lan_code,region,doses_administered_cum,"
                            "persons_dose1_cum,share_dose1,persons_dose2_cum,share_dose2,"
                            "persons_dose3_cum,share_dose3,persons_dose4_cum,share_dose4,"
                            "persons_dose5_cum,share_dose5\n"));
    assert_non_null(strstr(r->body, "\n2021-W11,2021,11,00,Sverige,63,63,"));
    assert_non_null(strstr(r->body, "\n2021-W10,2021,10,25,Norrbotten,<5,<5,,"));
    resp_free(r);
    r = call("GET", "/api/v1/stats/open/region_age.csv?week=2021-W11", NULL, NULL);
    expect_status(r, 200);
    assert_true(starts_with(r->body, "data_through_week,published,lan_code,region,age_group,"
                                     "status,persons,share\n"));
    assert_non_null(
        strstr(r->body, "2021-W11,2021-03-08,00,Sverige,total_18+,at_least_1_dose,63,"));
    resp_free(r);
    r = call("GET", "/api/v1/stats/open/coverage.xlsx", NULL, NULL);
    expect_status(r, 200);
    assert_true(r->len > 1000);
    assert_int_equal(memcmp(r->body, "PK", 2), 0);
    resp_free(r);
    r = call("GET", "/api/v1/stats/metrics", NULL, NULL);
    expect_status(r, 200);
    assert_non_null(strstr(r->body, "vaxchain_stats_doses_total 63\n"));
    /* 25 has 3 (primary) and 03 would give it away from the total (secondary): both out */
    assert_null(strstr(r->body, "region=\"25\",dose"));
    assert_null(strstr(r->body, "region=\"03\",dose"));
    assert_non_null(strstr(r->body, "vaxchain_stats_population{region=\"03\"} 60\n"));
    resp_free(r);
}

static void test_official_and_compare(void **state)
{
    (void)state;
    struct resp *r = call("GET",
                          "/api/v1/stats/official?dataset=region_week&region=00&measure="
                          "persons_dose1_cum&week=2021-W22",
                          NULL, NULL);
    expect_status(r, 200);
    const cJSON *row = cJSON_GetArrayItem(jget(r->json, "rows"), 0);
    assert_int_equal((long long)cJSON_GetNumberValue(jget(row, "value")), 3963468);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "rows")), 1);
    resp_free(r);
    r = call("GET", "/api/v1/stats/official", NULL, NULL);
    expect_status(r, 422);
    assert_string_equal(field_of(r), "dataset");
    resp_free(r);
    r = call("GET",
             "/api/v1/stats/compare?region=03&measure=persons&dose=1&week=2021-W09..2021-W11", NULL,
             NULL);
    expect_status(r, 200);
    const cJSON *w = cJSON_GetArrayItem(jget(r->json, "weeks"), 2);
    assert_string_equal(cJSON_GetStringValue(jget(w, "week")), "2021-W11");
    assert_true(cJSON_GetNumberValue(jget(w, "official")) > 10000);
    assert_int_equal((int)cJSON_GetNumberValue(jget(w, "vaxchain")), 60);
    const cJSON *w9 = cJSON_GetArrayItem(jget(r->json, "weeks"), 0);
    assert_int_equal((int)cJSON_GetNumberValue(jget(w9, "vaxchain")), 0);
    resp_free(r);
    r = call("GET", "/api/v1/stats/meta", NULL, NULL);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "weeks"), "first")), "2021-W10");
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "population"), "ref_date")),
                        "2021-03-08");
    assert_true(cJSON_GetNumberValue(jget(jget(r->json, "official"), "rows")) > 20000);
    resp_free(r);
    r = call("GET", "/api/openapi.json", NULL, NULL);
    expect_status(r, 200);
    assert_non_null(jget(jget(r->json, "paths"), "/api/v1/stats/coverage"));
    assert_non_null(jget(jget(r->json, "paths"), "/api/v1/stats/staff/coverage"));
    resp_free(r);
}

static void test_recorded_doses_counted(void **state)
{
    (void)state;
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, &err), VX_OK);
    assert_int_equal(vx_store_begin(st), VX_OK);
    for (int64_t pid = 1; pid <= 10; pid++) { /* dose 2 for ten persons of Uppsala */
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid;
        snprintf(d.region, sizeof d.region, "03");
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        d.dose_number = 2;
        d.given_at = at(2021, 4, 6, 600); /* 2021-W14 */
        assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
    }
    assert_int_equal(vx_store_commit(st), VX_OK);
    vx_store_close(st);
    struct resp *r =
        call("GET", "/api/v1/stats/coverage?by=week&region=03&filter=dose:2", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "week", "2021-W14"), "n")), 10);
    resp_free(r);
    r = call("GET", "/api/v1/stats/coverage?by=week&region=03&measure=full", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cell(r, "week", "2021-W14"), "n")), 10);
    resp_free(r);
    r = call("GET", "/api/v1/stats/meta", NULL, NULL);
    expect_status(r, 200);
    assert_int_equal((int)cJSON_GetNumberValue(jget(jget(r->json, "pending"), "doses")), 0);
    assert_int_equal((int)cJSON_GetNumberValue(jget(jget(r->json, "pending"), "changes")), 0);
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_suppressed),    cmocka_unit_test(test_staff_scope),
        cmocka_unit_test(test_bad_parameters),       cmocka_unit_test(test_open_data),
        cmocka_unit_test(test_official_and_compare), cmocka_unit_test(test_recorded_doses_counted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
