/*
 * test_muni_routes.c — the municipal API (src/http/routes_muni.c) end to end over real
 * sockets with libcurl.
 *
 * One server runs in-process on 127.0.0.1, port 0, with the muni module, dev login and
 * the date pinned to 2021-03-08. The database holds the real regions, municipalities
 * and catalogue, a Comirnaty lot, and eight persons with Skatteverket test
 * personnummer: six in Stockholm (0180, region 01), one in Upplands Väsby (0114,
 * region 01) and one in Göteborg (1480, region 14).
 *
 * Covered: each route's role set equals the access table's (vx_muni_action_roles);
 * CSV upload problems as "line N, column X" with nothing stored; a JSON upload with
 * its changes; the access rules (a municipality never sees another's residents, a
 * region only its own municipalities and only the minimum fields, other roles 403,
 * no session 401); audit completeness (one audit row per person per read); a round
 * refused by the transport check, planned, approved and handed out by the region,
 * a dose recorded by the nurse and resent three times with one dose in the doses
 * table; the coverage view and the municipality's access log showing the region's
 * reads.
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
#include "vx/catalog.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/muni.h"
#include "vx/muni_http.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/store_care.h"

#define N_P 8
static const char *const pnrs[N_P] = {"193007149051", "193011053364", "193107209201",
                                      "193108028287", "193110106469", "193110207069",
                                      "193112316710", "193201027723"};
static const char *const kommuner[N_P] = {"0180", "0180", "0180", "0180",
                                          "0180", "0180", "0114", "1480"};

static int64_t pid[N_P];

static char ck_mc[CK], ck_mn[CK], ck_other[CK], ck_rc[CK], ck_rc14[CK], ck_cc[CK], ck_au[CK];

/* ------------------------------------------------------------------ fixture */

static void make_db(void)
{
    struct vx_store *st = fx_store();
    for (int i = 0; i < N_P; i++) {
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 3, 8));
        assert_int_equal(vx_pnr_parse(pnrs[i], &o, &r.p.pnr, NULL), VX_OK);
        struct vx_kommun_rec k;
        assert_int_equal(st->ops->kommun_get(st, kommuner[i], &k), VX_OK);
        snprintf(r.p.region, sizeof r.p.region, "%s", k.region);
        snprintf(r.p.kommun, sizeof r.p.kommun, "%s", k.code);
        r.p.residence = VX_RES_SPECIAL_HOUSING;
        snprintf(r.given_name, sizeof r.given_name, "Test%d", i);
        snprintf(r.family_name, sizeof r.family_name, "Öberg");
        r.synthetic = true;
        assert_int_equal(st->ops->person_put(st, &r, &pid[i]), VX_OK);
    }
    struct vx_lot_rec lot;
    memset(&lot, 0, sizeof lot);
    snprintf(lot.vaccine, sizeof lot.vaccine, "COM");
    snprintf(lot.lot_number, sizeof lot.lot_number, "EJ6795");
    lot.expiry = vx_day_from_ymd(2021, 12, 31);
    int64_t lot_id;
    bool created;
    assert_int_equal(st->ops->care->lot_put(st, &lot, &lot_id, &created), VX_OK);
    /* a site of region 01 holding 5 doses of the lot (the hand-over takes them out) */
    struct vx_site_rec site;
    memset(&site, 0, sizeof site);
    snprintf(site.code, sizeof site.code, "01-VC-0001");
    snprintf(site.name, sizeof site.name, "VC Test");
    snprintf(site.region, sizeof site.region, "01");
    snprintf(site.kommun, sizeof site.kommun, "0180");
    site.stations = 1;
    site.minutes_per_dose = 10;
    site.open_minute = 480;
    site.close_minute = 1020;
    site.weekdays = 0x1f;
    int64_t site_id;
    assert_int_equal(st->ops->site_put(st, &site, &site_id), VX_OK);
    struct vx_stock_move_rec m = {
        .site_id = site_id, .lot_id = lot_id, .kind = VX_MOVE_RECEIPT, .doses = 5, .at = 1};
    assert_int_equal(st->ops->care->move_put(st, &m), VX_OK);
    vx_store_close(st);
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("muni-routes");
    fx_load(false);
    make_db();
    fx_start(
        (struct vx_http_config){.threads = 4, .today = vx_day_from_ymd(2021, 3, 8), .catalog = cat},
        &vx_muni_http_module, NULL);
    login("{\"role\":\"municipal_coordinator\",\"kommun\":\"0180\",\"user\":\"mc1\"}", ck_mc);
    login("{\"role\":\"municipal_nurse\",\"kommun\":\"0180\",\"user\":\"nurse1\"}", ck_mn);
    login("{\"role\":\"municipal_coordinator\",\"kommun\":\"0114\",\"user\":\"mc9\"}", ck_other);
    login("{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rc1\"}", ck_rc);
    login("{\"role\":\"regional_coordinator\",\"region\":\"14\",\"user\":\"rc14\"}", ck_rc14);
    login("{\"role\":\"callcentre\",\"region\":\"01\",\"user\":\"agent1\"}", ck_cc);
    login("{\"role\":\"auditor\",\"user\":\"aud1\"}", ck_au);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    return 0;
}

static bool has_error(const struct resp *r, const char *field, const char *reason_part)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, jget(r->json, "errors"))
    {
        const char *f = cJSON_GetStringValue(jget(e, "field"));
        const char *why = cJSON_GetStringValue(jget(e, "reason"));
        if (f && !strcmp(f, field) && why && strstr(why, reason_part))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------ tests */

static const struct {
    const char *method, *path;
    enum vx_muni_action action;
} route_actions[] = {
    {"POST", "/api/v1/municipalities/{code}/lists", VX_MUNI_LIST_UPLOAD},
    {"POST", "/api/v1/municipalities/{code}/lists/csv", VX_MUNI_LIST_UPLOAD},
    {"GET", "/api/v1/municipalities/{code}/lists", VX_MUNI_LIST_META},
    {"GET", "/api/v1/municipalities/{code}/lists/{id}/changes", VX_MUNI_LIST_DIFF},
    {"GET", "/api/v1/municipalities/{code}/residents", VX_MUNI_LIST_READ},
    {"GET", "/api/v1/municipalities/{code}/units", VX_MUNI_LIST_META},
    {"GET", "/api/v1/municipalities/{code}/rounds", VX_MUNI_ROUND_READ},
    {"POST", "/api/v1/municipalities/{code}/rounds", VX_MUNI_ROUND_PLAN},
    {"POST", "/api/v1/municipalities/{code}/rounds/check", VX_MUNI_ROUND_READ},
    {"GET", "/api/v1/municipalities/{code}/rounds/{id}", VX_MUNI_ROUND_READ},
    {"POST", "/api/v1/municipalities/{code}/rounds/{id}/decision", VX_MUNI_ROUND_DECIDE},
    {"POST", "/api/v1/municipalities/{code}/rounds/{id}/handover", VX_MUNI_ROUND_DECIDE},
    {"GET", "/api/v1/municipalities/{code}/rounds/{id}/stock", VX_MUNI_ROUND_DECIDE},
    {"GET", "/api/v1/regions/{region}/municipal-rounds", VX_MUNI_ROUND_DECIDE},
    {"POST", "/api/v1/municipalities/{code}/rounds/{id}/records", VX_MUNI_ROUND_RECORD},
    {"GET", "/api/v1/municipalities/{code}/coverage", VX_MUNI_COVERAGE},
    {"GET", "/api/v1/municipalities/{code}/access-log", VX_MUNI_ACCESS_LOG},
};

static void test_role_sets(void **state)
{
    (void)state;
    const struct vx_http_module *m = &vx_muni_http_module;
    assert_int_equal(m->n_routes, VX_ARRAY_LEN(route_actions));
    for (size_t i = 0; i < m->n_routes; i++) {
        const struct vx_route *r = &m->routes[i];
        size_t j = 0;
        while (j < VX_ARRAY_LEN(route_actions) &&
               (strcmp(route_actions[j].path, r->path) ||
                strcmp(route_actions[j].method, vx_http_method_name(r->method))))
            j++;
        if (j == VX_ARRAY_LEN(route_actions))
            fail_msg("route %s %s has no action in the test table", vx_http_method_name(r->method),
                     r->path);
        if (r->roles != vx_muni_action_roles(route_actions[j].action))
            fail_msg("route %s %s: roles %#x, access table %#x", route_actions[j].method, r->path,
                     r->roles, vx_muni_action_roles(route_actions[j].action));
    }
}

static void test_csv_upload_errors(void **state)
{
    (void)state;
    char csv[512];
    snprintf(csv, sizeof csv,
             "personnummer,unit_code,list_type,consent\n"
             "%s,SOL,special_housing,given\n"
             "193007149052,SOL,special_housing,given\n" /* check digit */
             "%s,SOL,special_housing,given\n"           /* another municipality */
             "%s,SOL,villa,given\n",
             pnrs[0], pnrs[6], pnrs[1]);
    struct resp *r = call_h("POST",
                            "/api/v1/municipalities/0180/lists/csv?legal_basis=consent&valid_until="
                            "2021-06-30",
                            csv, ck_mc, "Content-Type: text/csv", NULL);
    expect_status(r, 422);
    assert_true(has_error(r, "line 3, column personnummer", "bad check digit"));
    assert_true(has_error(r, "line 5, column list_type", "unknown list type"));
    resp_free(r);
    /* format problems first; then the register: another municipality's resident */
    snprintf(csv, sizeof csv,
             "personnummer,unit_code,list_type\n%s,SOL,special_housing\n%s,SOL,special_housing\n",
             pnrs[0], pnrs[6]);
    r = call_h("POST",
               "/api/v1/municipalities/0180/lists/csv?legal_basis=consent&valid_until=2021-06-30",
               csv, ck_mc, "Content-Type: text/csv", NULL);
    expect_status(r, 422);
    assert_true(has_error(r, "line 3, column personnummer", "not registered in this municipality"));
    resp_free(r);
    /* request fields */
    r = call_h("POST",
               "/api/v1/municipalities/0180/lists/csv?legal_basis=gdpr&valid_until=2021-06-30", csv,
               ck_mc, "Content-Type: text/csv", NULL);
    expect_status(r, 422);
    assert_true(has_error(r, "legal_basis", "consent"));
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM muni_lists"), 0);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action LIKE 'muni.%'"), 0);
    /* only the coordinator of the municipality uploads */
    r = call_h("POST",
               "/api/v1/municipalities/0180/lists/csv?legal_basis=consent&valid_until=2021-06-30",
               csv, ck_other, "Content-Type: text/csv", NULL);
    expect_status(r, 403);
    resp_free(r);
    r = call_h("POST",
               "/api/v1/municipalities/0180/lists/csv?legal_basis=consent&valid_until=2021-06-30",
               csv, ck_mn, "Content-Type: text/csv", NULL);
    expect_status(r, 403);
    resp_free(r);
}

static void test_upload_and_access(void **state)
{
    (void)state;
    char body[2048];
    snprintf(body, sizeof body,
             "{\"legal_basis\":\"pdl_coherent_records\",\"valid_until\":\"2021-06-30\","
             "\"basis_note\":\"Överenskommelse 2021-01\",\"rows\":["
             "{\"personnummer\":\"%s\",\"unit_code\":\"SOL\",\"unit_name\":\"Solgården\","
             "\"list_type\":\"special_housing\",\"consent\":\"given\",\"notes\":\"tolk\"},"
             "{\"personnummer\":\"%s\",\"unit_code\":\"SOL\",\"unit_name\":\"Solgården\","
             "\"list_type\":\"special_housing\",\"consent\":\"given\"},"
             "{\"personnummer\":\"%s\",\"unit_code\":\"SOL\",\"unit_name\":\"Solgården\","
             "\"list_type\":\"special_housing\",\"consent\":\"declined\"},"
             "{\"personnummer\":\"%s\",\"unit_code\":\"HT-1\",\"unit_name\":\"Hemtjänst\","
             "\"list_type\":\"home_care\",\"consent\":\"given\"}]}",
             pnrs[0], pnrs[1], pnrs[2], pnrs[3]);
    struct resp *r = call("POST", "/api/v1/municipalities/0180/lists", body, ck_mc);
    expect_status(r, 201);
    const cJSON *list = jget(r->json, "list");
    assert_int_equal((int)jget(list, "version")->valuedouble, 1);
    assert_int_equal((int)jget(list, "rows")->valuedouble, 4);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "changes")), 4);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.changes'"),
                     4);

    /* the municipality: full view, every row audited */
    long long before = db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.read'");
    r = call("GET", "/api/v1/municipalities/0180/residents", NULL, ck_mn);
    expect_status(r, 200);
    const cJSON *res = jget(r->json, "residents");
    assert_int_equal(cJSON_GetArraySize(res), 4);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "view")), "full");
    assert_non_null(jget(cJSON_GetArrayItem(res, 0), "consent"));
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.read'"),
                     before + 4);
    r = call("GET", "/api/v1/municipalities/0180/residents?unit=SOL&type=special_housing", NULL,
             ck_mc);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "residents")), 3);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.read'"),
                     before + 7);

    /* the region: its own municipalities, minimum fields */
    r = call("GET", "/api/v1/municipalities/0180/residents", NULL, ck_rc);
    expect_status(r, 200);
    res = jget(r->json, "residents");
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "view")), "minimum");
    const cJSON *row0 = cJSON_GetArrayItem(res, 0);
    assert_non_null(jget(row0, "personnummer"));
    assert_non_null(jget(row0, "unit_code"));
    assert_non_null(jget(row0, "list_type"));
    assert_null(jget(row0, "consent"));
    assert_null(jget(row0, "notes"));
    assert_null(strstr(r->body, "tolk"));
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.read'"
                            " AND actor = 'rc1' AND object LIKE 'person:%'"),
                     4);

    /* never another municipality, never another region, other roles never */
    static const char *const denied[] = {ck_other, ck_rc14, ck_cc, ck_au};
    for (size_t i = 0; i < VX_ARRAY_LEN(denied); i++) {
        r = call("GET", "/api/v1/municipalities/0180/residents", NULL, denied[i]);
        expect_status(r, 403);
        assert_null(strstr(r->body, pnrs[0]));
        resp_free(r);
        r = call("GET", "/api/v1/municipalities/0180/lists/1/changes", NULL, denied[i]);
        expect_status(r, 403);
        resp_free(r);
    }
    r = call("GET", "/api/v1/municipalities/0180/residents", NULL, NULL);
    expect_status(r, 401);
    resp_free(r);
    r = call("GET", "/api/v1/municipalities/9999/residents", NULL, ck_mc);
    expect_status(r, 404);
    resp_free(r);
    /* the other municipality has its own (empty) world */
    r = call("GET", "/api/v1/municipalities/0114/residents", NULL, ck_other);
    expect_status(r, 404);
    resp_free(r);
    /* no reads were audited for the refused requests */
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'muni.list.read'"),
                     before + 11);
    /* list metadata and units carry no person data */
    r = call("GET", "/api/v1/municipalities/0180/units", NULL, ck_rc);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(r->json), 2);
    assert_null(strstr(r->body, pnrs[0]));
    resp_free(r);
    r = call("GET", "/api/v1/municipalities/0180/lists", NULL, ck_rc);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(cJSON_GetArrayItem(r->json, 0), "legal_basis")),
                        "pdl_coherent_records");
    resp_free(r);
    /* no personnummer in the audit log */
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE detail LIKE '%1930071%' OR"
                            " object LIKE '%1930071%'"),
                     0);
}

static void test_round_flow(void **state)
{
    (void)state;
    /* shake-sensitive Comirnaty in vials: 422 with the rule */
    struct resp *r = call("POST", "/api/v1/municipalities/0180/rounds",
                          "{\"unit_code\":\"SOL\",\"date\":\"2021-03-08\",\"vaccine\":\"COM\","
                          "\"form\":\"vials\",\"transport_minutes\":20,\"duration_minutes\":90}",
                          ck_mn);
    expect_status(r, 422);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "reason")), "transport");
    assert_false(cJSON_IsTrue(jget(jget(r->json, "transport"), "ok")));
    resp_free(r);
    r = call("POST", "/api/v1/municipalities/0180/rounds/check",
             "{\"vaccine\":\"COM\",\"form\":\"syringes\",\"transport_minutes\":300,"
             "\"duration_minutes\":90,\"doses\":13}",
             ck_mn);
    expect_status(r, 200);
    assert_false(cJSON_IsTrue(jget(r->json, "ok")));
    assert_int_equal((int)jget(r->json, "vials_needed")->valuedouble, 3);
    resp_free(r);
    r = call("POST", "/api/v1/municipalities/0180/rounds",
             "{\"unit_code\":\"SOL\",\"date\":\"2021-03-08\",\"vaccine\":\"COM\","
             "\"form\":\"syringes\",\"transport_minutes\":20,\"duration_minutes\":90}",
             ck_mn);
    expect_status(r, 201);
    int id = (int)jget(r->json, "id")->valuedouble;
    assert_int_equal((int)jget(r->json, "residents")->valuedouble, 2); /* one declined */
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "status")), "planned");
    resp_free(r);
    char path[128], sub[160];
    snprintf(path, sizeof path, "/api/v1/municipalities/0180/rounds/%d", id);

    /* the nurse cannot approve; another region cannot; the region can */
    snprintf(sub, sizeof sub, "%s/decision", path);
    r = call("POST", sub, "{\"approve\":true}", ck_mn);
    expect_status(r, 403);
    resp_free(r);
    r = call("POST", sub, "{\"approve\":true}", ck_rc14);
    expect_status(r, 403);
    resp_free(r);
    r = call("POST", sub, "{\"approve\":true,\"note\":\"ok\"}", ck_rc);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "status")), "approved");
    resp_free(r);
    snprintf(sub, sizeof sub, "%s/handover", path);
    r = call("POST", sub,
             "{\"site\":\"01-VC-0001\",\"lot_number\":\"XX000\",\"doses\":2,"
             "\"vials\":1}",
             ck_rc);
    expect_status(r, 422);
    assert_true(has_error(r, "lot_number", "no lot"));
    resp_free(r);
    r = call("POST", sub, "{\"lot_number\":\"EJ6795\",\"doses\":2,\"vials\":1}", ck_rc);
    expect_status(r, 422); /* no site */
    assert_true(has_error(r, "site", "required"));
    resp_free(r);
    r = call("POST", sub,
             "{\"site\":\"99-XX-0001\",\"lot_number\":\"EJ6795\",\"doses\":2,"
             "\"vials\":1}",
             ck_rc);
    expect_status(r, 422);
    assert_true(has_error(r, "site", "no such site"));
    resp_free(r);
    r = call("POST", sub,
             "{\"site\":\"01-VC-0001\",\"lot_number\":\"EJ6795\",\"doses\":6,"
             "\"vials\":1}",
             ck_rc);
    expect_status(r, 409); /* the site has 5 */
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM stock_moves WHERE kind = 'transfer_out'"), 0);
    /* the stock the region can hand out from */
    snprintf(sub, sizeof sub, "%s/stock", path);
    r = call("GET", sub, NULL, ck_mn);
    expect_status(r, 403);
    resp_free(r);
    r = call("GET", sub, NULL, ck_rc);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(r->json), 1);
    assert_int_equal((int)cJSON_GetNumberValue(jget(cJSON_GetArrayItem(r->json, 0), "doses")), 5);
    resp_free(r);
    snprintf(sub, sizeof sub, "%s/handover", path);
    r = call("POST", sub,
             "{\"site\":\"01-VC-0001\",\"lot_number\":\"EJ6795\",\"doses\":2,"
             "\"vials\":1}",
             ck_rc);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "status")), "handed_out");
    assert_int_equal((int)cJSON_GetNumberValue(jget(jget(r->json, "handover"), "stock_left")), 3);
    resp_free(r);
    assert_int_equal(db_int("SELECT doses FROM stock WHERE lot_id = (SELECT id FROM lots WHERE "
                            "lot_number = 'EJ6795')"),
                     3);
    /* the region's queue: only the coordinator's own region */
    r = call("GET", "/api/v1/regions/01/municipal-rounds?status=handed_out", NULL, ck_rc);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(r->json), 1);
    resp_free(r);
    r = call("GET", "/api/v1/regions/01/municipal-rounds?status=nope", NULL, ck_rc);
    expect_status(r, 422);
    resp_free(r);
    r = call("GET", "/api/v1/regions/01/municipal-rounds", NULL, ck_rc14);
    expect_status(r, 403);
    resp_free(r);
    r = call("GET", "/api/v1/regions/01/municipal-rounds", NULL, ck_mc);
    expect_status(r, 403);
    resp_free(r);

    /* the nurse records a dose; the tablet resends it three times */
    snprintf(sub, sizeof sub, "%s/records", path);
    char body[256];
    snprintf(body, sizeof body,
             "{\"key\":\"tab-7f3a-0001\",\"person_id\":%lld,\"outcome\":\"vaccinated\","
             "\"injection_site\":\"left_arm\"}",
             (long long)pid[0]);
    int64_t dose = 0;
    for (int i = 0; i < 4; i++) {
        r = call("POST", sub, body, ck_mn);
        expect_status(r, 201);
        assert_int_equal(cJSON_IsTrue(jget(r->json, "replayed")), i > 0);
        if (i == 0)
            dose = (int64_t)jget(r->json, "dose_id")->valuedouble;
        else
            assert_int_equal((int64_t)jget(r->json, "dose_id")->valuedouble, dose);
        char hv[16];
        assert_true((header(r, "Idempotent-Replayed", hv, sizeof hv) != NULL) == (i > 0));
        resp_free(r);
    }
    assert_true(dose > 0);
    assert_int_equal(db_int("SELECT count(*) FROM doses"), 1);
    assert_int_equal(db_int("SELECT count(*) FROM doses WHERE kommun_code = '0180' AND site_id IS"
                            " NULL AND source = 'recorded'"),
                     1);
    /* the header form of the key; the coordinator may not record */
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"outcome\":\"absent\"}", (long long)pid[1]);
    r = call_h("POST", sub, body, ck_mc, "Idempotency-Key: tab-7f3a-0002", NULL);
    expect_status(r, 403);
    resp_free(r);
    r = call("POST", sub, body, ck_mn);
    expect_status(r, 422);
    assert_true(has_error(r, "key", "required"));
    resp_free(r);
    r = call_h("POST", sub, body, ck_mn, "Idempotency-Key: tab-7f3a-0002", NULL);
    expect_status(r, 201);
    assert_int_equal((int)jget(r->json, "left")->valuedouble, 0);
    resp_free(r);
    /* a refusal carries its reason in both languages */
    snprintf(body, sizeof body,
             "{\"key\":\"tab-7f3a-0003\",\"person_id\":%lld,\"outcome\":\"vaccinated\"}",
             (long long)pid[1]);
    r = call("POST", sub, body, ck_mn);
    expect_status(r, 409);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "reason")), "already_recorded");
    assert_non_null(jget(jget(r->json, "message"), "en"));
    resp_free(r);

    /* the round shows who is left and the dose as the register has it */
    r = call("GET", path, NULL, ck_mn);
    expect_status(r, 200);
    assert_int_equal((int)jget(r->json, "left")->valuedouble, 0);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "status")), "done");
    const cJSON *rl = jget(r->json, "resident_list");
    assert_int_equal(cJSON_GetArraySize(rl), 2);
    bool seen = false;
    const cJSON *x;
    cJSON_ArrayForEach(x, rl) if ((int64_t)jget(x, "dose_id")->valuedouble == dose)
    {
        seen = true;
        assert_string_equal(cJSON_GetStringValue(jget(x, "lot_number")), "EJ6795");
        assert_int_equal((int)jget(x, "dose_number")->valuedouble, 1);
    }
    assert_true(seen);
    resp_free(r);
    /* the region reads the round: minimum view, audited */
    r = call("GET", path, NULL, ck_rc);
    expect_status(r, 200);
    assert_null(strstr(r->body, "\"consent\""));
    resp_free(r);

    /* coverage and the access log */
    r = call("GET", "/api/v1/municipalities/0180/coverage", NULL, ck_mc);
    expect_status(r, 200);
    assert_int_equal((int)jget(r->json, "residents")->valuedouble, 4);
    assert_int_equal((int)jget(r->json, "dose1")->valuedouble, 1);
    assert_int_equal((int)jget(r->json, "nurse_doses")->valuedouble, 1);
    resp_free(r);
    r = call("GET", "/api/v1/municipalities/0180/access-log?limit=500", NULL, ck_mc);
    expect_status(r, 200);
    int rc_reads = 0, records = 0;
    cJSON_ArrayForEach(x, r->json)
    {
        const char *actor = cJSON_GetStringValue(jget(x, "actor"));
        const char *action = cJSON_GetStringValue(jget(x, "action"));
        rc_reads += !strcmp(actor, "rc1") && !strcmp(action, "muni.list.read");
        records += !strcmp(action, "muni.round.record");
    }
    assert_int_equal(rc_reads, 4);
    assert_int_equal(records, 2);
    resp_free(r);
    r = call("GET", "/api/v1/municipalities/0180/access-log", NULL, ck_rc);
    expect_status(r, 403);
    resp_free(r);
    r = call("GET", "/api/v1/municipalities/0180/access-log", NULL, ck_au);
    expect_status(r, 200);
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_sets),
        cmocka_unit_test(test_csv_upload_errors),
        cmocka_unit_test(test_upload_and_access),
        cmocka_unit_test(test_round_flow),
    };
    return cmocka_run_group_tests_name("muni_routes", tests, group_setup, group_teardown);
}
