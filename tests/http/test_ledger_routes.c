/*
 * test_ledger_routes.c — the ledger routes (src/http/routes_ledger.c) end to end over
 * real sockets with libcurl.
 *
 * One server in-process (port 0, dev login, date 2024-03-01) with the ledger module
 * and a test tariff file: region 24 pays its municipalities 125,00 kr per dose in
 * 2021 and 90,00 kr in 2022-2023, nothing agreed from 2024. Doses by municipal
 * nurses: Umeå (2480) 2 on 31 Dec 2021 and 1 on 1 Jan 2022 and 1 in Jan 2024;
 * Skellefteå (2482) 3 in 2021; Stockholm (0180, region 01) 5 in 2021. Persons have
 * Skatteverket test personnummer.
 *
 * Covered: statements by hand (a period's last and the next's first day), the
 * uncovered report, files (PDF, XLSX, CSV); access rules (a municipality sees only its
 * own, a region only its municipalities, national only the state's, citizens and no
 * session refused); adjustments change the total and are audited; a dispute decided
 * with its adjustment; sick travel audited per person and refused outside scope;
 * council items visible to both sides of the region only; premises, staff,
 * assignments and the accordion capacity; who decided an adjustment or a dispute
 * (named body, else the signed-in user; the audit row keeps the user); the public
 * list of regions and municipalities against shared/data/se.
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
#include "vx/http.h"
#include "vx/import.h"
#include "vx/ledger.h"
#include "vx/ledger_http.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

static char comp_path[512];
static char pnr[3][13];
static int64_t pid[3];

static const char tariffs[] =
    "{\"currency\":\"SEK\","
    " \"state\":[{\"from\":\"2020-12-27\",\"to\":\"2023-12-31\",\"ore_per_dose\":10000},"
    "            {\"from\":\"2024-01-01\",\"to\":null,\"ore_per_dose\":0}],"
    " \"agreements\":[{\"id\":\"AC-24\",\"region\":\"24\",\"kommuner\":\"*\",\"periods\":["
    "   {\"from\":\"2021-01-01\",\"to\":\"2021-12-31\",\"ore_per_dose\":12500},"
    "   {\"from\":\"2022-01-01\",\"to\":\"2023-12-31\",\"ore_per_dose\":9000}]},"
    "  {\"id\":\"AC-01\",\"region\":\"01\",\"kommuner\":\"*\",\"periods\":["
    "   {\"from\":\"2021-01-01\",\"to\":\"2023-12-31\",\"ore_per_dose\":10000}]}]}";

/* ------------------------------------------------------------------ fixture */

static vx_day day(const char *s)
{
    vx_day d = 0;
    assert_int_equal(vx_day_parse(s, &d), VX_OK);
    return d;
}

static int64_t add_person(struct vx_store *st, const char *norm, const char *region,
                          const char *kommun)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(norm, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "%s", region);
    snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kommun);
    r.p.residence = VX_RES_HOME_CARE;
    snprintf(r.given_name, sizeof r.given_name, "Test");
    snprintf(r.family_name, sizeof r.family_name, "Resa %s", kommun);
    r.synthetic = true;
    int64_t id = 0;
    assert_int_equal(st->ops->person_put(st, &r, &id), VX_OK);
    return id;
}

static void add_doses(struct vx_store *st, int64_t p, const char *region, const char *kommun,
                      const char *d, int hh, int n)
{
    for (int i = 0; i < n; i++) {
        struct vx_dose_rec r;
        memset(&r, 0, sizeof r);
        r.person_id = p;
        snprintf(r.region, sizeof r.region, "%s", region);
        snprintf(r.vaccine, sizeof r.vaccine, "COM");
        r.dose_number = 1 + i;
        assert_int_equal(vx_stockholm_to_utc(day(d), hh * 60 + i, &r.given_at, NULL), VX_OK);
        snprintf(r.kommun, sizeof r.kommun, "%s", kommun);
        snprintf(r.source, sizeof r.source, "recorded");
        assert_int_equal(st->ops->dose_put(st, &r, NULL), VX_OK);
    }
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("ledger-routes");
    snprintf(comp_path, sizeof comp_path, "%s/ledger-routes-%d.json", fx_tmpdir(), (int)getpid());
    FILE *f = fopen(comp_path, "w");
    assert_non_null(f);
    fputs(tariffs, f);
    fclose(f);
    struct vx_store *st = fx_store();
    assert_int_equal(st->ops->vaccine_put(st, "COM", "Comirnaty", "{}"), VX_OK);
    f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    const char *where[3][2] = {{"24", "2480"}, {"24", "2482"}, {"01", "0180"}};
    while (n < 3 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == 12 && strncmp(line, "1930", 4) >= 0 && strncmp(line, "1945", 4) <= 0) {
            memcpy(pnr[n], line, 13);
            pid[n] = add_person(st, line, where[n][0], where[n][1]);
            n++;
        }
    }
    fclose(f);
    assert_int_equal(n, 3);
    add_doses(st, pid[0], "24", "2480", "2021-12-31", 22, 2);
    add_doses(st, pid[0], "24", "2480", "2022-01-01", 9, 1);
    add_doses(st, pid[0], "24", "2480", "2024-01-15", 9, 1);
    add_doses(st, pid[1], "24", "2482", "2021-05-05", 9, 3);
    add_doses(st, pid[2], "01", "0180", "2021-05-05", 9, 5);
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "24-MC-1");
    snprintf(s.name, sizeof s.name, "Umeå vaccinationscentral");
    snprintf(s.region, sizeof s.region, "24");
    snprintf(s.kommun, sizeof s.kommun, "2480");
    s.kind = VX_SITE_MASS_CENTRE;
    s.stations = 6;
    s.minutes_per_dose = 5;
    s.open_minute = 480;
    s.close_minute = 960;
    s.weekdays = 0x7f;
    assert_int_equal(st->ops->site_put(st, &s, NULL), VX_OK);
    vx_store_close(st);

    vx_ledger_http_configure(comp_path);
    fx_start((struct vx_http_config){.threads = 4, .today = vx_day_from_ymd(2024, 3, 1)},
             &vx_ledger_http_module, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    vx_ledger_http_configure(NULL);
    vx_ledger_render_cleanup();
    unlink(comp_path);
    return 0;
}

/* ------------------------------------------------------------------ client */

/* call() expecting `status` (caller frees). */
static struct resp *check(const char *method, const char *path, const char *body,
                          const char *cookie, long status)
{
    struct resp *r = call(method, path, body, cookie);
    expect_status(r, status);
    return r;
}

static void check_free(const char *method, const char *path, const char *body, const char *cookie,
                       long status)
{
    resp_free(check(method, path, body, cookie, status));
}

static char ck_region[CK], ck_region01[CK], ck_ume[CK], ck_skel[CK], ck_nurse[CK], ck_national[CK],
    ck_citizen[CK];

static void logins(void)
{
    if (ck_region[0])
        return;
    login("{\"role\":\"regional_coordinator\",\"region\":\"24\",\"user\":\"rk24\"}", ck_region);
    login("{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rk01\"}", ck_region01);
    login("{\"role\":\"municipal_coordinator\",\"kommun\":\"2480\",\"user\":\"kk2480\"}", ck_ume);
    login("{\"role\":\"municipal_coordinator\",\"kommun\":\"2482\",\"user\":\"kk2482\"}", ck_skel);
    login("{\"role\":\"municipal_nurse\",\"kommun\":\"2480\",\"user\":\"ssk2480\"}", ck_nurse);
    login("{\"role\":\"national\",\"user\":\"nat\"}", ck_national);
    login_person(pnr[0], ck_citizen);
}

/* Audit rows with `action` on `object` (direct SQL on the file). */
static int audit_count(const char *action, const char *object)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM audit_log WHERE action = ?1 AND "
                                        "(?2 IS NULL OR object = ?2)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
    if (object)
        sqlite3_bind_text(q, 2, object, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* ------------------------------------------------------------------ tests */

static void test_statement_by_hand(void **state)
{
    (void)state;
    logins();
    struct resp *r = check("GET", "/api/v1/compensation/statements?from=2021-01-01&to=2024-02-29",
                           NULL, ck_region, 200);
    /* 2480: 2 x 125,00 (31 Dec) = 250,00; 1 x 90,00 (1 Jan) = 90,00; 1 uncovered (Jan 2024)
     * 2482: 3 x 125,00 = 375,00 -> 715,00 */
    const cJSON *lines = jget(r->json, "lines");
    assert_int_equal(cJSON_GetArraySize(lines), 4);
    const cJSON *l0 = cJSON_GetArrayItem(lines, 0);
    assert_string_equal(jstr(l0, "kommun_name"), "Umeå");
    assert_string_equal(jstr(l0, "to"), "2021-12-31");
    assert_int_equal(jnum(l0, "amount_ore"), 25000);
    assert_int_equal(jnum(cJSON_GetArrayItem(lines, 1), "amount_ore"), 9000);
    assert_false(cJSON_IsTrue(jget(cJSON_GetArrayItem(lines, 2), "covered")));
    assert_int_equal(jnum(r->json, "subtotal_ore"), 71500);
    assert_int_equal(jnum(r->json, "doses_uncovered"), 1);
    assert_int_equal(jnum(r->json, "total_ore"), 71500);
    resp_free(r);
    /* ending on 31 Dec 2021 leaves 1 Jan out */
    r = check("GET", "/api/v1/compensation/statements?kommun=2480&from=2021-12-31&to=2021-12-31",
              NULL, ck_region, 200);
    assert_int_equal(jnum(r->json, "total_ore"), 25000);
    resp_free(r);
    /* uncovered report */
    r = check("GET", "/api/v1/compensation/uncovered?to=2024-02-29", NULL, ck_region, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(r->json, "items"), 0), "from"), "2024-01-01");
    resp_free(r);
    /* files */
    char ct[128];
    r = check("GET", "/api/v1/compensation/statements.pdf?kommun=2480&to=2024-02-29", NULL, ck_ume,
              200);
    assert_memory_equal(r->body, "%PDF", 4);
    assert_non_null(header(r, "Content-Disposition", ct, sizeof ct));
    resp_free(r);
    r = check("GET", "/api/v1/compensation/statements.xlsx?to=2024-02-29", NULL, ck_region, 200);
    assert_memory_equal(r->body, "PK", 2);
    resp_free(r);
    r = check("GET", "/api/v1/compensation/statements.csv?to=2024-02-29&lang=en", NULL, ck_region,
              200);
    assert_non_null(strstr(r->body, "total,24,,,2020-12-27,2024-02-29,,,7,,71500,715.00"));
    resp_free(r);
    /* agreements */
    r = check("GET", "/api/v1/compensation/agreements", NULL, ck_ume, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "agreements")), 1);
    resp_free(r);
    check_free("GET", "/api/v1/compensation/statements?from=2022-01-01&to=2021-01-01", NULL,
               ck_region, 422);
    check_free("GET", "/api/v1/compensation/statements?from=2021-13-01", NULL, ck_region, 422);
}

static void test_access(void **state)
{
    (void)state;
    logins();
    /* a municipality sees only its own */
    struct resp *r =
        check("GET", "/api/v1/compensation/statements?to=2024-02-29", NULL, ck_ume, 200);
    const cJSON *l;
    cJSON_ArrayForEach(l, jget(r->json, "lines")) assert_string_equal(jstr(l, "kommun"), "2480");
    resp_free(r);
    check_free("GET", "/api/v1/compensation/statements?kommun=2482", NULL, ck_ume, 403);
    check_free("GET", "/api/v1/compensation/statements?payer=state", NULL, ck_ume, 403);
    /* a region only its municipalities */
    check_free("GET", "/api/v1/compensation/statements?kommun=0180", NULL, ck_region, 403);
    check_free("GET", "/api/v1/compensation/statements?region=01", NULL, ck_region, 403);
    r = check("GET", "/api/v1/compensation/statements?to=2024-02-29", NULL, ck_region01, 200);
    assert_int_equal(jnum(r->json, "total_ore"), 50000);
    resp_free(r);
    /* national: the state's statement of any region, nothing else */
    check_free("GET", "/api/v1/compensation/statements?region=24", NULL, ck_national, 403);
    check_free("GET", "/api/v1/compensation/statements?payer=state", NULL, ck_national, 422);
    r = check("GET", "/api/v1/compensation/statements?payer=state&region=24&to=2024-02-29", NULL,
              ck_national, 200);
    assert_int_equal(jnum(r->json, "total_ore"), 60000); /* 6 doses x 100,00; 2024 x 0 */
    resp_free(r);
    check_free("GET", "/api/v1/sick-travel", NULL, ck_national, 403);
    /* citizens and nobody */
    check_free("GET", "/api/v1/compensation/statements", NULL, ck_citizen, 403);
    check_free("GET", "/api/v1/compensation/statements", NULL, NULL, 401);
    check_free("GET", "/api/v1/council/items", NULL, ck_nurse, 403);
}

static void test_adjust_and_dispute(void **state)
{
    (void)state;
    logins();
    int before = audit_count("ledger.adjust", NULL);
    check_free("POST", "/api/v1/compensation/adjustments",
               "{\"kommun\":\"2480\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
               "\"amount_ore\":-12500,\"reason\":\"Dubbelregistrerad dos\"}",
               ck_ume, 403);
    check_free("POST", "/api/v1/compensation/adjustments",
               "{\"kommun\":\"2480\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
               "\"amount_ore\":-12500,\"reason\":\"\"}",
               ck_region, 422);
    check_free("POST", "/api/v1/compensation/adjustments",
               "{\"kommun\":\"0180\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
               "\"amount_ore\":-12500,\"reason\":\"x\"}",
               ck_region, 403);
    struct resp *r = check("POST", "/api/v1/compensation/adjustments",
                           "{\"kommun\":\"2480\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
                           "\"amount_ore\":-12500,\"reason\":\"Dubbelregistrerad dos\"}",
                           ck_region, 201);
    char obj[40];
    snprintf(obj, sizeof obj, "adjust:%d", (int)jnum(r->json, "id"));
    resp_free(r);
    assert_int_equal(audit_count("ledger.adjust", obj), 1);
    r = check("GET", "/api/v1/compensation/statements?kommun=2480&to=2024-02-29", NULL, ck_ume,
              200);
    assert_int_equal(jnum(r->json, "subtotal_ore"), 34000);
    assert_int_equal(jnum(r->json, "adjust_ore"), -12500);
    assert_int_equal(jnum(r->json, "total_ore"), 21500);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(r->json, "adjustments"), 0), "decided_by"),
                        "rk24");
    resp_free(r);

    /* Skellefteå disputes 2024; the region accepts with 90,00 kr for its dose */
    r = check("POST", "/api/v1/compensation/disputes",
              "{\"from\":\"2024-01-01\",\"to\":\"2024-12-31\",\"subject\":\"Ersättning 2024\","
              "\"claimed_ore\":9000}",
              ck_skel, 201);
    int did = (int)jnum(r->json, "id");
    resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/compensation/disputes/%d/decision", did);
    check_free("POST", path, "{\"status\":\"accepted\",\"resolution\":\"ok\"}", ck_skel, 403);
    check_free("POST", path, "{\"status\":\"maybe\",\"resolution\":\"ok\"}", ck_region, 422);
    check_free("POST", path, "{\"status\":\"accepted\",\"resolution\":\"x\"}", ck_region01, 404);
    r = check("POST", path,
              "{\"status\":\"accepted\",\"resolution\":\"2023 års nivå\",\"amount_ore\":9000}",
              ck_region, 200);
    assert_true(jnum(r->json, "adjustment_id") > 0);
    resp_free(r);
    check_free("POST", path, "{\"status\":\"rejected\",\"resolution\":\"x\"}", ck_region, 409);
    r = check("GET", "/api/v1/compensation/statements?kommun=2482&to=2024-12-31", NULL, ck_skel,
              200);
    assert_int_equal(jnum(r->json, "total_ore"), 37500 + 9000);
    resp_free(r);
    r = check("GET", "/api/v1/compensation/disputes", NULL, ck_ume, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 0); /* not Umeå's */
    resp_free(r);
    assert_int_equal(audit_count("ledger.adjust", NULL), before + 2);
}

static void test_sick_travel(void **state)
{
    (void)state;
    logins();
    char body[256];
    snprintf(body, sizeof body,
             "{\"person\":\"%s\",\"pickup_address\":\"Storgatan 1, Umeå\",\"wheelchair\":true}",
             pnr[1]); /* a Skellefteå resident: outside Umeå's scope */
    int denied = audit_count("person.denied", NULL);
    check_free("POST", "/api/v1/sick-travel", body, ck_ume, 403);
    assert_int_equal(audit_count("person.denied", NULL), denied + 1);
    snprintf(body, sizeof body,
             "{\"person\":\"%s\",\"pickup_address\":\"Storgatan 1, Umeå\",\"wheelchair\":true}",
             pnr[0]);
    struct resp *r = check("POST", "/api/v1/sick-travel", body, ck_nurse, 201);
    int id = (int)jnum(r->json, "id");
    resp_free(r);
    char obj[40];
    snprintf(obj, sizeof obj, "person:%lld", (long long)pid[0]);
    assert_int_equal(audit_count("travel.create", obj), 1);
    int reads = audit_count("person.read", obj);
    r = check("GET", "/api/v1/sick-travel", NULL, ck_ume, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(r->json, "items"), 0), "name"),
                        "Test Resa 2480");
    assert_null(strstr(r->body, pnr[0])); /* no personnummer in the answer */
    resp_free(r);
    assert_int_equal(audit_count("person.read", obj), reads + 1);
    r = check("GET", "/api/v1/sick-travel", NULL, ck_skel, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 0);
    resp_free(r);
    r = check("GET", "/api/v1/sick-travel", NULL, ck_region, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 1);
    resp_free(r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/sick-travel/%d", id);
    check_free("PATCH", path, "{\"status\":\"done\"}", ck_ume, 409);
    check_free("PATCH", path, "{\"status\":\"ordered\"}", ck_skel, 404);
    check_free("PATCH", path, "{\"status\":\"ordered\",\"note\":\"Taxi 08:15\"}", ck_ume, 200);
    check_free("PATCH", path, "{\"status\":\"done\"}", ck_nurse, 200);
    check_free("PATCH", path, "{\"status\":\"cancelled\"}", ck_ume, 409);
    assert_int_equal(audit_count("travel.update", obj), 2);
    check_free("POST", "/api/v1/sick-travel",
               "{\"person\":\"19121212-1213\","
               "\"pickup_address\":\"x\"}",
               ck_ume, 422);
}

static void test_council(void **state)
{
    (void)state;
    logins();
    check_free("POST", "/api/v1/council/items",
               "{\"kind\":\"action\",\"title\":\"Gemensam kommunikation\",\"owner\":\"SKR\","
               "\"due\":\"2024-08-30\"}",
               ck_region, 201);
    struct resp *r =
        check("POST", "/api/v1/council/items",
              "{\"kind\":\"action\",\"title\":\"Lokaler i Skellefteå\"}", ck_skel, 201);
    int skel_item = (int)jnum(r->json, "id");
    resp_free(r);
    check_free("POST", "/api/v1/council/items",
               "{\"kind\":\"decision\",\"title\":\"Arbetsgrupp tillsätts\"}", ck_region, 422);
    check_free("POST", "/api/v1/council/items",
               "{\"kind\":\"decision\",\"title\":\"Arbetsgrupp tillsätts\","
               "\"decided_on\":\"2024-06-14\",\"decided_by\":\"Länssamverkansgruppen\"}",
               ck_region, 201);
    check_free("POST", "/api/v1/council/items", "{\"kind\":\"action\",\"title\":\"Sthlm\"}",
               ck_region01, 201);
    r = check("GET", "/api/v1/council/items", NULL, ck_ume, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 2); /* region-wide only */
    resp_free(r);
    r = check("GET", "/api/v1/council/items", NULL, ck_region, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 3);
    resp_free(r);
    r = check("GET", "/api/v1/council/items", NULL, ck_region01, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 1);
    resp_free(r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/council/items/%d", skel_item);
    check_free("PATCH", path, "{\"status\":\"doing\"}", ck_ume, 404);
    check_free("PATCH", path, "{\"status\":\"doing\"}", ck_region01, 404);
    check_free("PATCH", path, "{\"status\":\"doing\",\"owner\":\"Kommunen\"}", ck_region, 200);
    check_free("PATCH", path, "{\"status\":\"later\"}", ck_skel, 422);
}

static void test_resources(void **state)
{
    (void)state;
    logins();
    struct resp *r = check("POST", "/api/v1/premises",
                           "{\"code\":\"P-2480-1\",\"name\":\"Sporthallen\",\"address\":"
                           "\"Idrottsv. 1\",\"capacity_per_day\":300,\"accessible\":true,"
                           "\"available_from\":\"2024-03-01\",\"available_to\":\"2024-06-30\"}",
                           ck_ume, 201);
    int prem = (int)jnum(r->json, "id");
    resp_free(r);
    check_free("POST", "/api/v1/premises",
               "{\"code\":\"P-2480-1\",\"name\":\"x\",\"capacity_per_day\":1,"
               "\"available_from\":\"2024-03-01\",\"available_to\":\"2024-06-30\"}",
               ck_ume, 409);
    r = check("POST", "/api/v1/staff-pool",
              "{\"name\":\"Anna Vaccinatör\",\"competence\":\"vaccinator\",\"available_from\":"
              "\"2024-03-01\",\"available_to\":\"2024-03-31\"}",
              ck_ume, 201);
    int anna = (int)jnum(r->json, "id");
    resp_free(r);
    check_free("POST", "/api/v1/staff-pool",
               "{\"name\":\"X\",\"competence\":\"surgeon\",\"available_from\":\"2024-03-01\","
               "\"available_to\":\"2024-03-31\"}",
               ck_ume, 422);
    r = check("GET", "/api/v1/staff-pool", NULL, ck_skel, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "items")), 0);
    resp_free(r);
    char path[64], body[200];
    snprintf(path, sizeof path, "/api/v1/premises/%d", prem);
    check_free("PATCH", path, "{\"status\":\"accepted\"}", ck_ume, 403);
    check_free("PATCH", path, "{\"status\":\"accepted\"}", ck_region01, 404);
    check_free("PATCH", path, "{\"status\":\"accepted\",\"note\":\"v. 10\"}", ck_region, 200);
    snprintf(body, sizeof body,
             "{\"kind\":\"staff\",\"resource_id\":%d,\"site\":\"24-MC-1\",\"day\":\"2024-03-04\"}",
             anna);
    check_free("POST", "/api/v1/assignments", body, ck_region, 201);
    check_free("POST", "/api/v1/assignments", body, ck_region, 409);
    check_free("POST", "/api/v1/assignments", body, ck_region01, 404);
    snprintf(body, sizeof body,
             "{\"kind\":\"staff\",\"resource_id\":%d,\"site\":\"24-MC-1\",\"day\":\"2024-04-04\"}",
             anna);
    check_free("POST", "/api/v1/assignments", body, ck_region, 422);
    snprintf(body, sizeof body,
             "{\"kind\":\"premises\",\"resource_id\":%d,\"site\":\"24-MC-1\","
             "\"day\":\"2024-03-04\"}",
             prem);
    check_free("POST", "/api/v1/assignments", body, ck_region, 201);
    r = check("GET", "/api/v1/capacity?site=24-MC-1&from=2024-03-04&to=2024-03-05", NULL, ck_region,
              200);
    const cJSON *d0 = cJSON_GetArrayItem(jget(r->json, "items"), 0);
    assert_int_equal(jnum(d0, "vaccinators"), 1);
    assert_int_equal(jnum(d0, "by_staff"), 96); /* 1 station x 480 min / 5 */
    assert_int_equal(jnum(d0, "capacity"), 0);  /* no supply recorded */
    assert_string_equal(jstr(d0, "limit"), "supply");
    resp_free(r);
    check_free("GET", "/api/v1/capacity?site=24-MC-1", NULL, ck_ume, 403);
    check_free("GET", "/api/v1/capacity?site=nope", NULL, ck_region, 404);
}

/* Lines of a CSV file with `col` (0-based) equal to `val` ("" = every data line). */
static int csv_count(const char *path, int col, const char *val)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int n = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        for (int c = 0; c < col && p; c++) {
            p = strchr(p, ',');
            p = p ? p + 1 : NULL;
        }
        if (!p)
            continue;
        size_t len = strcspn(p, ",");
        if (!val[0] || (len == strlen(val) && !strncmp(p, val, len)))
            n++;
    }
    fclose(f);
    return n;
}

static void test_places(void **state)
{
    (void)state;
    /* public: no session needed */
    struct resp *r = check("GET", "/api/v1/places?region=24", NULL, NULL, 200);
    const cJSON *regions = jget(r->json, "regions");
    const cJSON *munis = jget(r->json, "municipalities");
    assert_int_equal(cJSON_GetArraySize(regions),
                     csv_count(VX_SHARED_DATA_DIR "/se/regions.csv", 0, ""));
    /* the names agree with SCB's list */
    const cJSON *x;
    cJSON_ArrayForEach(x, regions)
    {
        char want[128];
        snprintf(want, sizeof want, "%s,%s,", jstr(x, "code"), jstr(x, "name"));
        FILE *f = fopen(VX_SHARED_DATA_DIR "/se/regions.csv", "r");
        assert_non_null(f);
        char line[256];
        bool found = false;
        while (!found && fgets(line, sizeof line, f))
            found = !strncmp(line, want, strlen(want));
        fclose(f);
        assert_true(found);
    }
    assert_int_equal(cJSON_GetArraySize(munis),
                     csv_count(VX_SHARED_DATA_DIR "/se/municipalities.csv", 2, "24"));
    bool umea = false;
    cJSON_ArrayForEach(x, munis)
    {
        assert_string_equal(jstr(x, "region"), "24");
        umea |= !strcmp(jstr(x, "code"), "2480") && !strcmp(jstr(x, "name"), "Umeå");
    }
    assert_true(umea);
    resp_free(r);
    r = check("GET", "/api/v1/places", NULL, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "municipalities")),
                     csv_count(VX_SHARED_DATA_DIR "/se/municipalities.csv", 0, ""));
    resp_free(r);
    expect_problem(call("GET", "/api/v1/places?region=02", NULL, NULL), 422, "region", NULL);
}

static void test_decided_by(void **state)
{
    (void)state;
    logins();
    /* a named decision maker is kept; the audit row names the signed-in user too */
    struct resp *r = check("POST", "/api/v1/compensation/adjustments",
                           "{\"kommun\":\"2482\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
                           "\"amount_ore\":2500,\"reason\":\"Extra kväll\","
                           "\"decided_by\":\"Samverkansrådet\"}",
                           ck_region, 201);
    char obj[40];
    snprintf(obj, sizeof obj, "adjust:%d", (int)jnum(r->json, "id"));
    resp_free(r);
    assert_int_equal(audit_count("ledger.adjust", obj), 1);
    r = check("GET", "/api/v1/compensation/adjustments?kommun=2482", NULL, ck_skel, 200);
    bool seen = false;
    const cJSON *x;
    cJSON_ArrayForEach(x, jget(r->json, "items"))
    {
        if (!strcmp(jstr(x, "reason"), "Extra kväll")) {
            assert_string_equal(jstr(x, "decided_by"), "Samverkansrådet");
            assert_int_equal(jnum(x, "amount_ore"), 2500);
            seen = true;
        }
    }
    assert_true(seen);
    resp_free(r);
    /* too long a name is refused at the field, nothing recorded */
    char body[400];
    snprintf(body, sizeof body,
             "{\"kommun\":\"2482\",\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
             "\"amount_ore\":100,\"reason\":\"x\",\"decided_by\":\"%070d\"}",
             0);
    expect_problem(call("POST", "/api/v1/compensation/adjustments", body, ck_region), 422,
                   "decided_by", NULL);
    /* a dispute decided by a named body */
    r = check("POST", "/api/v1/compensation/disputes",
              "{\"from\":\"2021-01-01\",\"to\":\"2021-12-31\",\"subject\":\"Kvällspass\"}", ck_ume,
              201);
    int did = (int)jnum(r->json, "id");
    resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/compensation/disputes/%d/decision", did);
    check_free("POST", path,
               "{\"status\":\"rejected\",\"resolution\":\"Ingår i avtalet\","
               "\"decided_by\":\"Regionens ersättningsgrupp\"}",
               ck_region, 200);
    r = check("GET", "/api/v1/compensation/disputes", NULL, ck_ume, 200);
    seen = false;
    cJSON_ArrayForEach(x, jget(r->json, "items"))
    {
        if ((int)jnum(x, "id") == did) {
            assert_string_equal(jstr(x, "status"), "rejected");
            assert_string_equal(jstr(x, "decided_by"), "Regionens ersättningsgrupp");
            assert_string_equal(jstr(x, "resolution"), "Ingår i avtalet");
            seen = true;
        }
    }
    assert_true(seen);
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_by_hand),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_adjust_and_dispute),
        cmocka_unit_test(test_sick_travel),
        cmocka_unit_test(test_council),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_places),
        cmocka_unit_test(test_decided_by),
    };
    return cmocka_run_group_tests_name("ledger_routes", tests, group_setup, group_teardown);
}
