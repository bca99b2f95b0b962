/*
 * test_plan_routes.c — the planner's HTTP routes (src/http/routes_plan.c,
 * docs/api-plan.md) on an in-process server with dev login.
 *
 * The database: the reference tables, the catalogue's vaccines, 60 adults (Skatteverket
 * test numbers, 40 in Uppsala 03 and 20 in Norrbotten 25), one site in each region,
 * Comirnaty slots at the Uppsala site in 2021-W10 and 2021-W13 with six dose-1 bookings
 * in W10 paired with dose-2 bookings in W13, and national Comirnaty figures for W09-W11
 * (W10: forecast 90, actual 60). Checked: roles and scopes (deny by default, a regional
 * coordinator only in its own region, national figures only by national), input errors
 * naming the field, allocation (regions sum to the whole vials delivered, the site split
 * to each region's doses, CSV and XLSX), the re-plan preview (nothing written) and apply
 * (the six dose-1 bookings and their dose 2 cancelled and audited, the revision kept),
 * and a projection that is the same for the same seed.
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
#include "client.h"
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/plan_http.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/store_plan.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define CK 160

static struct vx_http_server *srv;
static char dbpath[512];
static struct vx_arena arena;
static const struct vx_catalog *cat;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void put_figure(struct vx_store *st, const char *week, bool actual, long long doses)
{
    struct vx_delivery_rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(vx_isoweek_parse(week, &r.week), VX_OK);
    snprintf(r.vaccine, sizeof r.vaccine, "COM");
    r.actual = actual;
    r.doses = doses;
    r.revised_at = 1609459200;
    snprintf(r.revised_by, sizeof r.revised_by, "test");
    assert_int_equal(st->ops->plan->delivery_put(st, &r, "test", NULL, NULL), VX_OK);
}

static int64_t put_slot(struct vx_store *st, int64_t site, vx_day day, int minute)
{
    struct vx_slot_rec s;
    memset(&s, 0, sizeof s);
    s.site_id = site;
    snprintf(s.region, sizeof s.region, "03");
    s.day = day;
    s.start_minute = minute;
    s.minutes = 15;
    snprintf(s.vaccine, sizeof s.vaccine, "COM");
    s.capacity = 10;
    int64_t id = 0;
    assert_int_equal(st->ops->slot_put(st, &s, &id), VX_OK);
    return id;
}

static void make_db(void)
{
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    unlink(dbpath);
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, &err), VX_OK);
    assert_int_equal(vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err), VX_OK);
    for (size_t i = 0; i < cat->n_products; i++)
        assert_int_equal(
            st->ops->vaccine_put(st, cat->products[i].code, cat->products[i].name, "{}"), VX_OK);
    int64_t site[2];
    static const char *const reg[2] = {"03", "25"}, *const kom[2] = {"0380", "2580"};
    for (int i = 0; i < 2; i++) {
        struct vx_site_rec s;
        memset(&s, 0, sizeof s);
        snprintf(s.code, sizeof s.code, "%s-VC-0001", reg[i]);
        snprintf(s.name, sizeof s.name, "Vårdcentralen %s", reg[i]);
        snprintf(s.region, sizeof s.region, "%s", reg[i]);
        snprintf(s.kommun, sizeof s.kommun, "%s", kom[i]);
        s.stations = 1;
        s.minutes_per_dose = 10;
        s.open_minute = 480;
        s.close_minute = 1020;
        s.weekdays = 31;
        assert_int_equal(st->ops->site_put(st, &s, &site[i]), VX_OK);
    }
    /* slots: three W10 days (dose 1) and three W13 days (dose 2) at the Uppsala site */
    int64_t s1[3], s2[3];
    for (int d = 0; d < 3; d++) {
        s1[d] = put_slot(st, site[0], vx_day_from_ymd(2021, 3, 8 + d), 600);
        s2[d] = put_slot(st, site[0], vx_day_from_ymd(2021, 3, 29 + d), 600);
    }
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    while (n < 60 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12 || strncmp(line, "1940", 4) < 0 || strncmp(line, "1990", 4) >= 0)
            continue;
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        if (vx_pnr_parse(line, &o, &r.p.pnr, NULL) != VX_OK)
            continue;
        int ri = n < 40 ? 0 : 1;
        snprintf(r.p.region, sizeof r.p.region, "%s", reg[ri]);
        snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kom[ri]);
        r.synthetic = true;
        int64_t pid = 0;
        assert_int_equal(st->ops->person_put(st, &r, &pid), VX_OK);
        if (n < 6) { /* six booked series at the Uppsala site */
            struct vx_booking_rec b;
            memset(&b, 0, sizeof b);
            b.person_id = pid;
            snprintf(b.region, sizeof b.region, "03");
            b.slot_id = s1[n % 3];
            b.dose_number = 1;
            b.created_at = 1615000000 + n;
            int64_t b1 = 0, b2 = 0;
            assert_int_equal(st->ops->booking_put(st, &b, &b1), VX_OK);
            b.slot_id = s2[n % 3];
            b.dose_number = 2;
            b.pair_id = b1;
            assert_int_equal(st->ops->booking_put(st, &b, &b2), VX_OK);
        }
        n++;
    }
    fclose(f);
    assert_int_equal(n, 60);
    put_figure(st, "2021-W09", true, 30);
    put_figure(st, "2021-W10", false, 90);
    put_figure(st, "2021-W10", true, 60);
    put_figure(st, "2021-W11", false, 120);
    vx_store_close(st);
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(dbpath, sizeof dbpath, "%s/plan-routes-%d.db", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    vx_arena_init(&arena, 0);
    size_t len;
    char *text = slurp(VX_SOURCE_DIR "/data/vaccines.json", &len);
    if (vx_catalog_parse(text, len, &arena, &cat, NULL) != VX_OK)
        return -1;
    free(text);
    make_db();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct vx_http_config cfg = {
        .address = "127.0.0.1",
        .threads = 2,
        .db_path = dbpath,
        .dev_login = true,
        .today = vx_day_from_ymd(2021, 3, 8),
        .catalog = cat,
        .quiet = true,
    };
    struct vx_err err = {0};
    if (vx_http_server_new(&cfg, &srv, &err) != VX_OK ||
        vx_http_add_module(srv, &vx_plan_http_module, &err) != VX_OK ||
        vx_http_server_start(srv, &err) != VX_OK) {
        print_error("server: %s\n", err.msg);
        return -1;
    }
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)vx_http_server_port(srv));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vx_http_server_free(srv);
    curl_global_cleanup();
    vx_arena_release(&arena);
    char p[600];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static struct resp *call(const char *method, const char *path, const char *body, const char *cookie)
{
    const char *hdrs[2] = {cookie, NULL};
    return req_full(NULL, method, path, body, cookie ? hdrs : NULL, false);
}

static void expect_status(const struct resp *r, long status)
{
    if (r->status != status)
        fprintf(stderr, "expected %ld, got %ld: %.600s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
}

static void login(const char *json, char *cookie)
{
    struct resp *r = req_full(NULL, "POST", "/api/v1/session", json, NULL, false);
    expect_status(r, 201);
    char sc[512];
    assert_non_null(header(r, "Set-Cookie", sc, sizeof sc));
    sc[strcspn(sc, ";")] = '\0';
    snprintf(cookie, CK, "Cookie: %.150s", sc);
    resp_free(r);
}

/* A 422 (or `status`) whose problem names `field`. */
static void expect_field(const char *method, const char *path, const char *body, const char *cookie,
                         long status, const char *field)
{
    struct resp *r = call(method, path, body, cookie);
    expect_status(r, status);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "errors"), 0);
    const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(e, "field"));
    if (f == NULL || strcmp(f, field) != 0)
        fprintf(stderr, "expected field %s: %s\n", field, r->body);
    assert_non_null(f);
    assert_string_equal(f, field);
    resp_free(r);
}

static long long sql_count(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* ------------------------------------------------------------------ tests */

static void test_roles(void **state)
{
    (void)state;
    char nat[CK], rc03[CK], aud[CK], vac[CK];
    struct resp *r = call("GET", "/api/v1/deliveries", NULL, NULL);
    expect_status(r, 401);
    resp_free(r);
    login("{\"role\":\"national\",\"user\":\"nat1\"}", nat);
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"rc03\"}", rc03);
    login("{\"role\":\"auditor\",\"user\":\"aud1\"}", aud);
    login("{\"role\":\"vaccinator\",\"site\":\"03-VC-0001\",\"user\":\"v1\"}", vac);
    /* deny by default: a vaccinator reads nothing here; the auditor reads deliveries only */
    r = call("GET", "/api/v1/deliveries", NULL, vac);
    expect_status(r, 403);
    resp_free(r);
    r = call("GET", "/api/v1/deliveries?vaccine=COM", NULL, aud);
    expect_status(r, 200);
    const cJSON *d = cJSON_GetObjectItem(r->json, "deliveries");
    assert_int_equal(cJSON_GetArraySize(d), 4);
    /* W10 forecast 90 is the second figure, with its change from nothing */
    const cJSON *w10 = cJSON_GetArrayItem(d, 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(w10, "week")), "2021-W10");
    const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(w10, "changes"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(ch, "before")));
    resp_free(r);
    r = call("GET", "/api/v1/allocations?week=2021-W10&vaccine=COM", NULL, aud);
    expect_status(r, 403);
    resp_free(r);
    /* national figures are national's: a regional coordinator gets 403 naming region */
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W12\",\"vaccine\":\"COM\",\"kind\":\"forecast\",\"doses\":5}",
                 rc03, 403, "region");
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W12\",\"vaccine\":\"COM\",\"kind\":\"forecast\",\"doses\":5,"
                 "\"region\":\"25\"}",
                 rc03, 403, "region");
    /* its own region's figure it may revise */
    r = call("POST", "/api/v1/deliveries",
             "{\"week\":\"2021-W12\",\"vaccine\":\"COM\",\"kind\":\"forecast\",\"doses\":5,"
             "\"region\":\"03\"}",
             rc03);
    expect_status(r, 201);
    resp_free(r);
    /* national: created (201), the same again unchanged (200), then revised (201) */
    const char *b12 = "{\"week\":\"2021-W12\",\"vaccine\":\"COM\",\"kind\":\"forecast\","
                      "\"doses\":150,\"reason\":\"FoHM prognos\"}";
    r = call("POST", "/api/v1/deliveries", b12, nat);
    expect_status(r, 201);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "changed")));
    resp_free(r);
    r = call("POST", "/api/v1/deliveries", b12, nat);
    expect_status(r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "changed")));
    resp_free(r);
    r = call("POST", "/api/v1/deliveries",
             "{\"week\":\"2021-W12\",\"vaccine\":\"COM\",\"kind\":\"forecast\",\"doses\":75,"
             "\"reason\":\"halverad\"}",
             nat);
    expect_status(r, 201);
    resp_free(r);
    /* the change list: 150 -> 75 by nat1 with the reason; the regional figure hidden from
     * another region's coordinator? (national sees it) */
    r = call("GET", "/api/v1/deliveries/changes?vaccine=COM", NULL, nat);
    expect_status(r, 200);
    const cJSON *c, *found = NULL;
    int regional = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(r->json, "changes"))
    {
        if (num(c, "after") == 75)
            found = c;
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "region")), "03") == 0)
            regional++;
    }
    assert_non_null(found);
    assert_int_equal((int)num(found, "before"), 150);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(found, "by")), "nat1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(found, "reason")), "halverad");
    assert_int_equal(regional, 1);
    resp_free(r);
    /* only the allocating role allocates */
    r = call("POST", "/api/v1/allocations", "{\"week\":\"2021-W10\",\"vaccine\":\"COM\"}", rc03);
    expect_status(r, 403);
    resp_free(r);
}

static void test_bad_input(void **state)
{
    (void)state;
    char nat[CK];
    login("{\"role\":\"national\",\"user\":\"nat2\"}", nat);
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W99\",\"vaccine\":\"COM\",\"kind\":\"actual\",\"doses\":1}", nat,
                 422, "week");
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"PFZ\",\"kind\":\"actual\",\"doses\":1}", nat,
                 422, "vaccine");
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"kind\":\"maybe\",\"doses\":1}", nat,
                 422, "kind");
    expect_field("POST", "/api/v1/deliveries",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"kind\":\"actual\",\"doses\":-1}",
                 nat, 422, "doses");
    expect_field("GET", "/api/v1/allocations?vaccine=COM", NULL, nat, 422, "week");
    expect_field("GET", "/api/v1/allocations?week=2021-W10&vaccine=COM&region=x1", NULL, nat, 422,
                 "region");
    expect_field("POST", "/api/v1/allocations",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"policy\":\"greedy\"}", nat, 422,
                 "policy");
    expect_field("POST", "/api/v1/allocations",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"basis\":\"kids\"}", nat, 422,
                 "basis");
    /* single-dose vaccines are not planned here */
    expect_field("POST", "/api/v1/allocations", "{\"week\":\"2021-W10\",\"vaccine\":\"JANSS\"}",
                 nat, 422, "vaccine");
    expect_field("GET", "/api/v1/projections?runs=0", NULL, nat, 422, "runs");
    expect_field("POST", "/api/v1/plans/replan",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":1,\"kind\":\"guess\"}", nat,
                 422, "kind");
    /* no figure stored for the week: 404, and nothing written */
    long long before = sql_count("SELECT count(*) FROM allocations");
    struct resp *r =
        call("POST", "/api/v1/allocations", "{\"week\":\"2019-W10\",\"vaccine\":\"COM\"}", nat);
    expect_status(r, 404);
    resp_free(r);
    assert_int_equal(sql_count("SELECT count(*) FROM allocations"), before);
}

static void test_allocate_and_export(void **state)
{
    (void)state;
    char nat[CK], rc03[CK];
    login("{\"role\":\"national\",\"user\":\"nat3\"}", nat);
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"rc03\"}", rc03);
    /* a dry run stores nothing */
    const char *body = "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"scale\":1,\"package\":1,"
                       "\"policy\":\"hold-all\",\"dry_run\":true}";
    struct resp *r = call("POST", "/api/v1/allocations", body, nat);
    expect_status(r, 200);
    resp_free(r);
    assert_int_equal(sql_count("SELECT count(*) FROM plan_quotas"), 0);
    body = "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"scale\":1,\"package\":1,"
           "\"policy\":\"hold-all\"}";
    r = call("POST", "/api/v1/allocations", body, nat);
    expect_status(r, 201);
    assert_int_equal((int)num(r->json, "national"), 60);
    assert_int_equal((int)num(r->json, "package"), 6);
    long long sum = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(r->json, "regions"))
    {
        sum += (long long)num(x, "doses");
        assert_int_equal((long long)num(x, "sites_sum"), (long long)num(x, "doses"));
        assert_true(num(x, "dose1") + num(x, "dose2") <= num(x, "stock"));
    }
    /* 30 + 60 doses so far = 15 vials: all handed out, none carried */
    assert_int_equal(sum + (long long)num(r->json, "carry"), 60);
    resp_free(r);
    /* site_supply follows: the sum at each region's sites equals its allocation */
    assert_int_equal(sql_count("SELECT count(*) FROM allocations a WHERE site_id IS NULL AND "
                               "doses <> (SELECT coalesce(sum(ss.allocated), 0) FROM site_supply "
                               "ss JOIN sites s ON s.id = ss.site_id WHERE s.region_code = "
                               "a.region_code AND ss.iso_week = a.iso_week)"),
                     0);
    /* the regional coordinator sees its region and its sites */
    r = call("GET", "/api/v1/allocations?week=2021-W10&vaccine=COM", NULL, rc03);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "regions")), 1);
    const cJSON *site = cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "sites"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "code")), "03-VC-0001");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "policy")), "hold-all");
    resp_free(r);
    r = call("GET", "/api/v1/allocations?week=2021-W10&vaccine=COM&region=25", NULL, rc03);
    expect_status(r, 403);
    resp_free(r);
    r = call("GET", "/api/v1/allocations.csv?week=2021-W10&vaccine=COM&region=03", NULL, rc03);
    expect_status(r, 200);
    assert_int_equal(strncmp(r->body, "level,region,site_id,site_code", 30), 0);
    assert_non_null(strstr(r->body, "site,03,"));
    resp_free(r);
    r = call("GET", "/api/v1/allocations.xlsx?week=2021-W10&vaccine=COM", NULL, nat);
    expect_status(r, 200);
    assert_true(r->len > 1000);
    assert_int_equal(memcmp(r->body, "PK", 2), 0);
    resp_free(r);
}

static void test_replan(void **state)
{
    (void)state;
    char rc03[CK], rc25[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"rc03\"}", rc03);
    login("{\"role\":\"regional_coordinator\",\"region\":\"25\",\"user\":\"rc25\"}", rc25);
    /* a regional coordinator re-plans only its own region's allocation */
    expect_field("POST", "/api/v1/plans/replan",
                 "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0}", rc03, 403, "region");
    struct resp *r =
        call("POST", "/api/v1/plans/replan",
             "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0,\"region\":\"03\"}", rc25);
    expect_status(r, 403);
    resp_free(r);
    /* the region's W10 allocation falls to nothing: preview first */
    const char *prev = "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0,\"region\":\"03\","
                       "\"scale\":1,\"package\":1,\"dry_run\":true}";
    long long active = sql_count("SELECT count(*) FROM bookings WHERE status = 'booked'");
    assert_int_equal(active, 12);
    r = call("POST", "/api/v1/plans/replan", prev, rc03);
    expect_status(r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "applied")));
    const cJSON *t = cJSON_GetObjectItem(r->json, "totals");
    assert_int_equal((int)num(t, "cancelled"), 6);
    assert_int_equal((int)num(t, "uncovered2"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "cancels")), 6);
    resp_free(r);
    assert_int_equal(sql_count("SELECT count(*) FROM bookings WHERE status = 'booked'"), 12);
    assert_int_equal(sql_count("SELECT count(*) FROM deliveries WHERE region_code = '03' AND "
                               "iso_week = '2021-W10'"),
                     0);
    /* apply: six dose-1 bookings and their dose 2 cancelled, each audited on the person */
    r = call("POST", "/api/v1/plans/replan",
             "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0,\"region\":\"03\","
             "\"scale\":1,\"package\":1,\"reason\":\"leverans uteblev\"}",
             rc03);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "applied")));
    assert_int_equal((int)num(cJSON_GetObjectItem(r->json, "totals"), "cancelled"), 6);
    resp_free(r);
    assert_int_equal(sql_count("SELECT count(*) FROM bookings WHERE status = 'booked'"), 0);
    assert_int_equal(sql_count("SELECT count(*) FROM audit_log WHERE action = 'booking.cancel' "
                               "AND object LIKE 'person:%'"),
                     6);
    assert_int_equal(sql_count("SELECT count(*) FROM delivery_revisions r JOIN deliveries d ON "
                               "d.id = r.delivery_id WHERE d.region_code = '03' AND "
                               "d.iso_week = '2021-W10' AND r.reason = 'leverans uteblev' AND "
                               "r.revised_by = 'rc03'"),
                     1);
    /* nothing is left to cancel: the same change again cancels nobody */
    r = call("POST", "/api/v1/plans/replan", prev, rc03);
    expect_status(r, 200);
    assert_int_equal((int)num(cJSON_GetObjectItem(r->json, "totals"), "cancelled"), 0);
    resp_free(r);
}

static void test_projection(void **state)
{
    (void)state;
    char rc25[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"25\",\"user\":\"rc25\"}", rc25);
    struct resp *a = call("GET", "/api/v1/projections?runs=20&seed=7", NULL, rc25);
    struct resp *b = call("GET", "/api/v1/projections?runs=20&seed=7", NULL, rc25);
    expect_status(a, 200);
    expect_status(b, 200);
    assert_string_equal(a->body, b->body);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a->json, "region")), "25");
    assert_int_equal((int)num(a->json, "adults"), 20);
    const cJSON *weeks = cJSON_GetObjectItem(a->json, "weeks");
    assert_true(cJSON_GetArraySize(weeks) >= 3);
    const cJSON *w;
    cJSON_ArrayForEach(w, weeks)
    {
        assert_true(num(w, "dose1_p10") <= num(w, "dose1_p50"));
        assert_true(num(w, "dose1_p50") <= num(w, "dose1_p90"));
        assert_true(num(w, "full_p50") <= num(w, "dose1_p50") + 1e-9);
    }
    resp_free(a);
    resp_free(b);
    a = call("GET", "/api/v1/projections?region=03", NULL, rc25);
    expect_status(a, 403);
    resp_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_allocate_and_export),
        cmocka_unit_test(test_replan),
        cmocka_unit_test(test_projection),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
