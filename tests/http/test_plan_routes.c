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
 * and a projection that is the same for the same seed. That server runs no booking module,
 * so the planner writes the store directly (as the CLI does).
 *
 * With a failing sink (library level, a copy of the database): the plan is stored, the
 * booking side is left alone, and `sync` counts and names every failure.
 *
 * Second group: a server with the booking module AND the planner (docs/api-plan.md, "Booking
 * follows the plan at once"). Its own database: one Uppsala site with one place per slot,
 * eight people born 1925-1940, a released cohort, Comirnaty slots and 100 doses delivered in
 * 2021-W13, national W10 figure 60. Without a restart: an allocation reaches the engine's
 * release limits (six people book; after a cut to 6 doses the seventh is refused with
 * no_supply and availability shows nothing released); a re-plan cancels through the engine
 * (audited by the coordinator), the dose-2 slots come back as released in availability, the
 * person's booking list is empty and the person can book again; the engine's cancel_only
 * guard refuses to cancel a series that is not the one chosen.
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
#include <unistd.h>
#include "vx/book.h"
#include "vx/book_http.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/http.h"
#include "vx/plan.h"
#include "vx/plan_http.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/store_plan.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

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

/* A site open 08:00 to `close_minute` on weekdays. */
static int64_t add_site(struct vx_store *st, const char *code, const char *region,
                        const char *kommun, int minutes_per_dose, int close_minute)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "Vårdcentralen %s", code);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    s.stations = 1;
    s.minutes_per_dose = minutes_per_dose;
    s.open_minute = 480;
    s.close_minute = close_minute;
    s.weekdays = 31;
    int64_t id = 0;
    assert_int_equal(st->ops->site_put(st, &s, &id), VX_OK);
    return id;
}

/* The next Skatteverket test person of `f` born in years [from, to) as a record of
 * region/kommun; false at the end of the file. */
static bool next_person(FILE *f, const char *from, const char *to, const char *region,
                        const char *kommun, struct vx_person_rec *r)
{
    char line[64];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12 || strncmp(line, from, 4) < 0 || strncmp(line, to, 4) >= 0)
            continue;
        memset(r, 0, sizeof *r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        if (vx_pnr_parse(line, &o, &r->p.pnr, NULL) != VX_OK)
            continue;
        snprintf(r->p.region, sizeof r->p.region, "%s", region);
        snprintf(r->p.kommun, sizeof r->p.kommun, "%s", kommun);
        r->synthetic = true;
        return true;
    }
    return false;
}

/* The first group's database at `path` (dbpath, or a copy for the sink test). */
static void make_db(const char *path)
{
    struct vx_store *st = fx_store_at(path);
    int64_t site[2];
    static const char *const reg[2] = {"03", "25"}, *const kom[2] = {"0380", "2580"};
    for (int i = 0; i < 2; i++) {
        char code[16];
        snprintf(code, sizeof code, "%s-VC-0001", reg[i]);
        site[i] = add_site(st, code, reg[i], kom[i], 10, 1020);
    }
    /* slots: three W10 days (dose 1) and three W13 days (dose 2) at the Uppsala site */
    int64_t s1[3], s2[3];
    for (int d = 0; d < 3; d++) {
        s1[d] = put_slot(st, site[0], vx_day_from_ymd(2021, 3, 8 + d), 600);
        s2[d] = put_slot(st, site[0], vx_day_from_ymd(2021, 3, 29 + d), 600);
    }
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    int n = 0;
    struct vx_person_rec r;
    while (n < 60) {
        int ri = n < 40 ? 0 : 1;
        assert_true(next_person(f, "1940", "1990", reg[ri], kom[ri], &r));
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
    put_figure(st, "2021-W09", true, 30);
    put_figure(st, "2021-W10", false, 90);
    put_figure(st, "2021-W10", true, 60);
    put_figure(st, "2021-W11", false, 120);
    vx_store_close(st);
}

/* Starts `srv` on dbpath with the planner, and with `book` the booking module first. */
static void start_server(bool book)
{
    struct vx_http_config cfg = {
        .threads = 2, .today = vx_day_from_ymd(2021, 3, 8), .catalog = cat, .rules = &rules};
    if (book)
        fx_start(cfg, &vx_book_http_module, &vx_plan_http_module, NULL);
    else
        fx_start(cfg, &vx_plan_http_module, NULL);
}

static int group_setup(void **state)
{
    (void)state;
    fx_begin("plan-routes");
    fx_load(true);
    make_db(dbpath);
    start_server(false);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_end();
    return 0;
}

/* ------------------------------------------------------------------ helpers */

/* A 422 (or `status`) whose problem names `field`. */
static void expect_field(const char *method, const char *path, const char *body, const char *cookie,
                         long status, const char *field)
{
    struct resp *r = call(method, path, body, cookie);
    expect_status(r, status);
    if (strcmp(field_of(r), field) != 0)
        fprintf(stderr, "expected field %s: %s\n", field, r->body);
    assert_string_equal(field_of(r), field);
    resp_free(r);
}

/* ------------------------------------------------------------------ tests */

static void test_roles(void **state)
{
    (void)state;
    char nat[CK], rc03[CK], aud[CK], vac[CK];
    /* this server runs no booking module: the planner writes the store itself */
    assert_null(vx_book_http_engine(srv));
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
        if (jnum(c, "after") == 75)
            found = c;
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "region")), "03") == 0)
            regional++;
    }
    assert_non_null(found);
    assert_int_equal((int)jnum(found, "before"), 150);
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
    long long before = db_int("SELECT count(*) FROM allocations");
    struct resp *r =
        call("POST", "/api/v1/allocations", "{\"week\":\"2019-W10\",\"vaccine\":\"COM\"}", nat);
    expect_status(r, 404);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM allocations"), before);
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
    assert_int_equal(db_int("SELECT count(*) FROM plan_quotas"), 0);
    body = "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"scale\":1,\"package\":1,"
           "\"policy\":\"hold-all\"}";
    r = call("POST", "/api/v1/allocations", body, nat);
    expect_status(r, 201);
    assert_int_equal((int)jnum(r->json, "national"), 60);
    assert_int_equal((int)jnum(r->json, "package"), 6);
    long long sum = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(r->json, "regions"))
    {
        sum += (long long)jnum(x, "doses");
        assert_int_equal((long long)jnum(x, "sites_sum"), (long long)jnum(x, "doses"));
        assert_true(jnum(x, "dose1") + jnum(x, "dose2") <= jnum(x, "stock"));
    }
    /* 30 + 60 doses so far = 15 vials: all handed out, none carried */
    assert_int_equal(sum + (long long)jnum(r->json, "carry"), 60);
    resp_free(r);
    /* site_supply follows: the sum at each region's sites equals its allocation */
    assert_int_equal(db_int("SELECT count(*) FROM allocations a WHERE site_id IS NULL AND "
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
    long long active = db_int("SELECT count(*) FROM bookings WHERE status = 'booked'");
    assert_int_equal(active, 12);
    r = call("POST", "/api/v1/plans/replan", prev, rc03);
    expect_status(r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "applied")));
    const cJSON *t = cJSON_GetObjectItem(r->json, "totals");
    assert_int_equal((int)jnum(t, "cancelled"), 6);
    assert_int_equal((int)jnum(t, "uncovered2"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "cancels")), 6);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked'"), 12);
    assert_int_equal(db_int("SELECT count(*) FROM deliveries WHERE region_code = '03' AND "
                            "iso_week = '2021-W10'"),
                     0);
    /* apply: six dose-1 bookings and their dose 2 cancelled, each audited on the person */
    r = call("POST", "/api/v1/plans/replan",
             "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0,\"region\":\"03\","
             "\"scale\":1,\"package\":1,\"reason\":\"leverans uteblev\"}",
             rc03);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "applied")));
    assert_int_equal((int)jnum(cJSON_GetObjectItem(r->json, "totals"), "cancelled"), 6);
    const cJSON *sync = cJSON_GetObjectItem(r->json, "sync");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sync, "via")), "store");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sync, "complete")));
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "cancels"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "state")), "cancelled");
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked'"), 0);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'booking.cancel' "
                            "AND object LIKE 'person:%'"),
                     6);
    assert_int_equal(db_int("SELECT count(*) FROM delivery_revisions r JOIN deliveries d ON "
                            "d.id = r.delivery_id WHERE d.region_code = '03' AND "
                            "d.iso_week = '2021-W10' AND r.reason = 'leverans uteblev' AND "
                            "r.revised_by = 'rc03'"),
                     1);
    /* nothing is left to cancel: the same change again cancels nobody */
    r = call("POST", "/api/v1/plans/replan", prev, rc03);
    expect_status(r, 200);
    assert_int_equal((int)jnum(cJSON_GetObjectItem(r->json, "totals"), "cancelled"), 0);
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
    assert_int_equal((int)jnum(a->json, "adults"), 20);
    const cJSON *weeks = cJSON_GetObjectItem(a->json, "weeks");
    assert_true(cJSON_GetArraySize(weeks) >= 3);
    const cJSON *w;
    cJSON_ArrayForEach(w, weeks)
    {
        assert_true(jnum(w, "dose1_p10") <= jnum(w, "dose1_p50"));
        assert_true(jnum(w, "dose1_p50") <= jnum(w, "dose1_p90"));
        assert_true(jnum(w, "full_p50") <= jnum(w, "dose1_p50") + 1e-9);
    }
    resp_free(a);
    resp_free(b);
    a = call("GET", "/api/v1/projections?region=03", NULL, rc25);
    expect_status(a, 403);
    resp_free(a);
}

/* ------------------------------------------------------------------ a failing sink */

struct fake_sink {
    int supply_calls, cancel_calls;
};

static enum vx_status fake_supply(void *ctx, const struct vx_supply_rec *r, struct vx_err *err)
{
    struct fake_sink *f = ctx;
    f->supply_calls++;
    return vx_err_set(err, VX_EIO, "disk full at site %lld", (long long)r->site_id);
}

/* The first cancellation finds the booking gone, the second fails, the rest succeed. */
static enum vx_status fake_cancel(void *ctx, const struct vx_plan_cancel *c,
                                  const struct vx_plan_db_opts *o, struct vx_err *err)
{
    struct fake_sink *f = ctx;
    assert_true(c->booking_id > 0 && c->person_id > 0);
    assert_string_equal(o->who, "rc03");
    int n = f->cancel_calls++;
    if (n == 0)
        return VX_ENOTFOUND;
    if (n == 1)
        return vx_err_set(err, VX_ECONFLICT, "booking engine: not accepting requests");
    return VX_OK;
}

static void test_sink_partial(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/plan-sink-%d.db", fx_tmpdir(), (int)getpid());
    make_db(path);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    struct vx_plan_db_opts o;
    vx_plan_db_opts_init(&o);
    assert_int_equal(vx_isoweek_parse("2021-W10", &o.week), VX_OK);
    snprintf(o.vaccine, sizeof o.vaccine, "COM");
    o.scale = 1;
    o.package = 6;
    o.policy = VX_PLAN_HOLD_ALL;
    o.now = 1615190400;
    snprintf(o.who, sizeof o.who, "rc03");
    snprintf(o.role, sizeof o.role, "regional_coordinator");
    /* the week allocated straight into the store: the site gets supply */
    struct vx_plan_alloc_result a;
    assert_int_equal(vx_plan_db_allocate(st, cat, &o, &a, &err), VX_OK);
    assert_false(a.sync.via_sink);
    assert_true(a.sync.complete);
    vx_plan_alloc_result_free(&a);
    const char *supply_sql = "SELECT coalesce(sum(allocated), -1) FROM site_supply s JOIN sites "
                             "x ON x.id = s.site_id WHERE x.region_code = '03' AND iso_week = "
                             "'2021-W10'";
    long long supply = db_int_at(path, supply_sql);
    assert_true(supply > 0);

    struct fake_sink f = {0};
    struct vx_plan_sink sink = {.supply_set = fake_supply, .cancel = fake_cancel, .ctx = &f};
    o.sink = &sink;
    snprintf(o.region, sizeof o.region, "03");
    /* a preview calls nothing */
    struct vx_plan_replan_db_result r;
    o.dry_run = true;
    assert_int_equal(vx_plan_db_replan(st, cat, &o, 0, "test", &r, &err), VX_OK);
    assert_int_equal(f.supply_calls + f.cancel_calls, 0);
    assert_false(r.sync.via_sink);
    assert_int_equal((int)r.n_cancels, 6);
    vx_plan_replan_db_result_free(&r);
    /* applied: the plan is stored, every booking-side failure is counted and named */
    o.dry_run = false;
    assert_int_equal(vx_plan_db_replan(st, cat, &o, 0, "leverans uteblev", &r, &err), VX_OK);
    assert_true(r.sync.via_sink);
    assert_false(r.sync.complete);
    assert_int_equal(f.supply_calls, 1);
    assert_int_equal(r.sync.supply_failed, 1);
    assert_int_equal(r.sync.supply_set, 0);
    assert_int_equal((int)r.n_cancels, 6);
    assert_int_equal(f.cancel_calls, 6);
    assert_int_equal(r.sync.cancel_skipped, 1);
    assert_int_equal(r.sync.cancel_failed, 1);
    assert_int_equal(r.sync.cancelled, 4);
    assert_int_equal(r.cancels[0].synced, VX_ENOTFOUND);
    assert_int_equal(r.cancels[1].synced, VX_ECONFLICT);
    assert_int_equal(r.cancels[2].synced, VX_OK);
    assert_int_equal((int)r.alloc.n_sites, 1);
    assert_int_equal(r.alloc.sites[0].synced, VX_EIO);
    /* the first failure, with its cause */
    assert_int_equal(strncmp(r.sync.error, "supply of site ", 15), 0);
    assert_non_null(strstr(r.sync.error, "disk full"));
    vx_plan_replan_db_result_free(&r);
    vx_store_close(st);
    /* the planner's rows are stored; the booking side was left to the sink */
    assert_int_equal(db_int_at(path, "SELECT count(*) FROM delivery_revisions v JOIN "
                                     "deliveries d ON d.id = v.delivery_id WHERE "
                                     "d.region_code = '03' AND v.reason = 'leverans "
                                     "uteblev'"),
                     1);
    assert_int_equal(db_int_at(path, "SELECT count(*) FROM allocations WHERE region_code = "
                                     "'03' AND site_id IS NULL AND doses = 0"),
                     1);
    assert_int_equal(db_int_at(path, supply_sql), supply);
    assert_int_equal(db_int_at(path, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 12);
    assert_int_equal(db_int_at(path, "SELECT count(*) FROM audit_log WHERE action = "
                                     "'booking.cancel'"),
                     0);
    fx_remove(path);
}

/* ============================================================ with the booking engine */

#define N_ENG 8
static char eng_pnr[N_ENG][13];
static int64_t eng_site;

static void make_engine_db(const char *path)
{
    struct vx_store *st = fx_store_at(path);
    struct vx_err err = {0};
    eng_site = add_site(st, "03-MC-0002", "03", "0380", 15, 720); /* one place per slot */
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    struct vx_person_rec r;
    for (int n = 0; n < N_ENG; n++) {
        assert_true(next_person(f, "1925", "1941", "03", "0380", &r));
        assert_int_equal(st->ops->person_put(st, &r, NULL), VX_OK);
        memcpy(eng_pnr[n], r.p.pnr.norm, 13);
    }
    fclose(f);
    put_figure(st, "2021-W10", true, 60);
    vx_store_close(st);

    /* slots, the W13 delivery (for dose 2) and the cohort, through an engine of its own */
    struct vx_book_engine *eng = NULL;
    assert_int_equal(vx_book_engine_open(path, cat, &rules, NULL, &eng, &err), VX_OK);
    int created = 0;
    assert_int_equal(vx_book_slots_generate(eng, eng_site, "COM", vx_day_from_ymd(2021, 3, 9),
                                            vx_day_from_ymd(2021, 4, 30), &created, &err),
                     VX_OK);
    assert_true(created > 0);
    struct vx_supply_rec sr = {.site_id = eng_site, .week = {2021, 13}, .delivered = 100};
    snprintf(sr.vaccine, sizeof sr.vaccine, "COM");
    assert_int_equal(vx_book_supply_set(eng, &sr, &err), VX_OK);
    struct vx_cohort_rec c;
    memset(&c, 0, sizeof c);
    snprintf(c.region, sizeof c.region, "03");
    snprintf(c.label, sizeof c.label, "80+");
    c.born_to = 1941;
    c.release_at = 1614556800; /* 2021-03-01 */
    snprintf(c.created_by, sizeof c.created_by, "test");
    assert_int_equal(vx_book_cohort_release(eng, &c, NULL, &err), VX_OK);
    vx_book_engine_close(eng);
}

static int engine_setup(void **state)
{
    (void)state;
    fx_begin("plan-engine");
    fx_load(true);
    make_engine_db(dbpath);
    /* no availability cache: every read shows the engine's state of the moment */
    struct vx_book_http_opts bo = {.avail_cache_ms = -1};
    vx_book_http_configure(&bo);
    start_server(true);
    return 0;
}

static int engine_teardown(void **state)
{
    (void)state;
    fx_end();
    vx_book_http_configure(NULL);
    return 0;
}

/* The engine's slot ids of the site on `day`, by start minute (one vaccine: COM). */
static int64_t slot_of(vx_day day, int k)
{
    struct vx_book_slot_info info[32];
    int n = 0;
    assert_int_equal(
        vx_book_availability(vx_book_http_engine(srv), eng_site, day, day, info, 32, &n), VX_OK);
    assert_true(k < n && n <= 32);
    return info[k].slot_id;
}

/* GET availability of one day: the day object (owned by *r; free r). */
static const cJSON *avail_day(const char *cookie, const char *date, struct resp **r)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/sites/%lld/availability?from=%s&to=%s&vaccine=COM",
             (long long)eng_site, date, date);
    *r = call("GET", path, NULL, cookie);
    expect_status(*r, 200);
    const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem((*r)->json, "days"), 0);
    assert_non_null(d);
    return d;
}

static int released_on(const char *cookie, const char *date)
{
    struct resp *r;
    int n = (int)jnum(avail_day(cookie, date, &r), "released");
    resp_free(r);
    return n;
}

/* The slot `id` of a day's availability (borrowed from r). */
static const cJSON *slot_json(const cJSON *day, int64_t id)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(day, "slots"))
    {
        if ((int64_t)jnum(x, "id") == id)
            return x;
    }
    fail_msg("slot %lld not in the day", (long long)id);
    return NULL;
}

static void citizen(int i, char *cookie)
{
    login_person(eng_pnr[i], cookie);
}

static struct resp *book_pair(const char *cookie, int64_t s1, int64_t s2, const char *key)
{
    char body[96], idem[96];
    snprintf(body, sizeof body, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)s1, (long long)s2);
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    return call_h("POST", "/api/v1/bookings", body, cookie, idem, NULL);
}

static const vx_day D1 = 18695; /* 2021-03-09, Tuesday of W10 */
#define DAY1 "2021-03-09"
#define DAY2 "2021-03-30" /* Tuesday of W13: dose 2, 21 days later */

static void test_engine_allocation(void **state)
{
    (void)state;
    assert_int_equal(D1, vx_day_from_ymd(2021, 3, 9));
    struct vx_book_engine *eng = vx_book_http_engine(srv);
    assert_non_null(eng);
    char nat[CK], cit[N_ENG][CK];
    login("{\"role\":\"national\",\"user\":\"nat9\"}", nat);
    for (int i = 0; i < N_ENG; i++)
        citizen(i, cit[i]);
    /* nothing allocated for W10 yet: no place released */
    assert_int_equal(released_on(cit[0], DAY1), 0);
    const char *alloc = "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"scale\":1,\"package\":1,"
                        "\"policy\":\"hold-all\"}";
    struct resp *r = call("POST", "/api/v1/allocations", alloc, nat);
    expect_status(r, 201);
    const cJSON *sync = cJSON_GetObjectItem(r->json, "sync");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sync, "via")), "engine");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sync, "complete")));
    assert_int_equal((int)jnum(sync, "supply_set"), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(sync, "error")));
    const cJSON *site = cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "sites"), 0);
    assert_int_equal((int)jnum(site, "doses"), 60);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(site, "supply_synced")));
    resp_free(r);
    /* the running engine books against it at once: all 16 places of the day released */
    assert_int_equal(vx_book_supply_left(eng, eng_site, "COM", D1), 60);
    assert_int_equal(released_on(cit[0], DAY1), 16);
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof key, "eng-%d", i);
        r = book_pair(cit[i], slot_of(D1, i), slot_of(D1 + 21, i), key);
        expect_status(r, 201);
        resp_free(r);
    }
    assert_int_equal(released_on(cit[0], DAY1), 10);
    /* the delivery is cut to one vial and the week allocated again */
    r = call("POST", "/api/v1/deliveries",
             "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"kind\":\"actual\",\"doses\":6,"
             "\"reason\":\"halverad\"}",
             nat);
    expect_status(r, 201);
    resp_free(r);
    r = call("POST", "/api/v1/allocations", alloc, nat);
    expect_status(r, 201);
    sync = cJSON_GetObjectItem(r->json, "sync");
    assert_int_equal((int)jnum(sync, "supply_set"), 1);
    resp_free(r);
    /* without a restart: no place left, and the seventh person is refused */
    assert_int_equal(vx_book_supply_left(eng, eng_site, "COM", D1), 0);
    assert_int_equal(released_on(cit[6], DAY1), 0);
    r = book_pair(cit[6], slot_of(D1, 6), slot_of(D1 + 21, 6), "eng-6");
    expect_status(r, 409);
    assert_non_null(strstr(r->body, "no_supply"));
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked'"), 12);
    /* allocating the same again writes nothing to the engine */
    r = call("POST", "/api/v1/allocations", alloc, nat);
    expect_status(r, 201);
    sync = cJSON_GetObjectItem(r->json, "sync");
    assert_int_equal((int)jnum(sync, "supply_set"), 0);
    assert_int_equal((int)jnum(sync, "supply_unchanged"), 1);
    resp_free(r);
}

static void test_engine_replan(void **state)
{
    (void)state;
    struct vx_book_engine *eng = vx_book_http_engine(srv);
    struct vx_book_stats before, after;
    vx_book_stats_get(eng, &before);
    char rc03[CK], cit0[CK];
    login("{\"role\":\"regional_coordinator\",\"region\":\"03\",\"user\":\"rc03e\"}", rc03);
    citizen(0, cit0);
    int64_t d2 = slot_of(D1 + 21, 0);
    struct resp *a;
    const cJSON *x = slot_json(avail_day(cit0, DAY2, &a), d2);
    assert_int_equal((int)jnum(x, "booked"), 1); /* person 0's dose 2: the slot is full */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(x, "released")));
    resp_free(a);
    /* the region's W10 delivery is lost: every dose-1 booking of the week goes */
    struct resp *r = call("POST", "/api/v1/plans/replan",
                          "{\"week\":\"2021-W10\",\"vaccine\":\"COM\",\"doses\":0,\"region\":"
                          "\"03\",\"scale\":1,\"package\":1,\"reason\":\"leverans uteblev\"}",
                          rc03);
    expect_status(r, 200);
    assert_int_equal((int)jnum(cJSON_GetObjectItem(r->json, "totals"), "cancelled"), 6);
    const cJSON *sync = cJSON_GetObjectItem(r->json, "sync");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sync, "via")), "engine");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sync, "complete")));
    assert_int_equal((int)jnum(sync, "cancelled"), 6);
    assert_int_equal((int)jnum(sync, "cancel_failed") + (int)jnum(sync, "cancel_skipped"), 0);
    assert_int_equal((int)jnum(sync, "supply_set"), 1);
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(r->json, "cancels"))
    {
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(x, "state")), "cancelled");
    }
    resp_free(r);
    /* the engine did it: its counters, the rows, one audit row per person by the coordinator */
    vx_book_stats_get(eng, &after);
    assert_int_equal(after.cancellations - before.cancellations, 12);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked'"), 0);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'booking.cancel' "
                            "AND actor = 'rc03e' AND object LIKE 'person:%'"),
                     6);
    /* without a restart: the dose-2 place is offered again (W13 has its own delivery) */
    x = slot_json(avail_day(cit0, DAY2, &a), d2);
    assert_int_equal((int)jnum(x, "booked"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(x, "released")));
    resp_free(a);
    /* the W10 places are free again but not released: that week has no doses now */
    const cJSON *day = avail_day(cit0, DAY1, &a);
    assert_int_equal((int)jnum(day, "booked"), 0);
    assert_int_equal((int)jnum(day, "released"), 0);
    resp_free(a);
    /* the person's own list no longer shows the series, and the person books again */
    r = call("GET", "/api/v1/me/bookings", NULL, cit0);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "bookings")), 0);
    resp_free(r);
    r = book_pair(cit0, slot_of(D1 + 21, 0), slot_of(D1 + 42, 0), "eng-0-again");
    expect_status(r, 201);
    resp_free(r);
    r = call("GET", "/api/v1/me/bookings", NULL, cit0);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "bookings")), 2);
    resp_free(r);
}

static void test_engine_cancel_guard(void **state)
{
    (void)state;
    struct vx_book_engine *eng = vx_book_http_engine(srv);
    struct vx_book_booking_info mine[4];
    int n = 0;
    assert_int_equal(vx_book_list_person(eng, eng_pnr[0], 0, mine, 4, &n), VX_OK);
    assert_int_equal(n, 2);
    struct vx_book_req q;
    memset(&q, 0, sizeof q);
    q.op = VX_BOOK_OP_CANCEL;
    memcpy(q.pnr, eng_pnr[0], sizeof q.pnr);
    snprintf(q.actor, sizeof q.actor, "test");
    q.now = 1615190400;
    /* a booking the person no longer holds (the W10 one, cancelled by the re-plan) */
    q.cancel_only = mine[0].booking_id - 1;
    struct vx_book_result res;
    assert_int_equal(vx_book_submit_wait(eng, &q, &res), VX_ENOTFOUND);
    assert_int_equal(res.reason, VX_BOOK_R_NO_SERIES);
    assert_int_equal(vx_book_list_person(eng, eng_pnr[0], 0, mine, 4, &n), VX_OK);
    assert_int_equal(n, 2);
    /* the series it holds: cancelled */
    q.cancel_only = mine[1].booking_id;
    assert_int_equal(vx_book_submit_wait(eng, &q, &res), VX_OK);
    assert_int_equal(vx_book_list_person(eng, eng_pnr[0], 0, mine, 4, &n), VX_OK);
    assert_int_equal(n, 0);
    /* nobody's series: refused the same way */
    assert_int_equal(vx_book_submit_wait(eng, &q, &res), VX_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_allocate_and_export),
        cmocka_unit_test(test_replan),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_sink_partial),
    };
    const struct CMUnitTest engine_tests[] = {
        cmocka_unit_test(test_engine_allocation),
        cmocka_unit_test(test_engine_replan),
        cmocka_unit_test(test_engine_cancel_guard),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    return failed + cmocka_run_group_tests(engine_tests, engine_setup, engine_teardown);
}
