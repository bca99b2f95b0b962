/*
 * test_book_routes.c — the booking API (src/http/routes_book.c) end to end over
 * real sockets with libcurl, plus the waiting room (src/book/waitroom.c).
 *
 * One server runs in-process on 127.0.0.1, port 0, with the booking module, dev
 * login and the server's date pinned to 2021-03-10. The database is made here: SCB
 * reference data, the real catalogue and rules, Skatteverket test personnummer
 * (born 1925-1940, region 01; one in region 03; one born 1980), three sites, and
 * past and future slots with supply for one of them (through the booking engine,
 * before the server opens it). The rest goes through HTTP: slots and supply of the
 * other sites, the cohort release, bookings.
 *
 * Covered: the citizen flow (login → eligibility → sites → availability → dose 2
 * → book → my bookings → rebook → cancel), call-centre booking with the agent
 * recorded, cohort release (and 403 for a citizen), idempotent replay, a denial
 * for every route, scope checks, bad input → 4xx problem+json with no booking
 * written (checked in the database), 16 threads racing for the last places,
 * metrics and the OpenAPI document, the waiting room (unit: order, rate, expiry,
 * forgery; HTTP: tokens, refusals, admission) after a restart that must keep every
 * booking. No sleeps, no timing asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/book_http.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/waitroom.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define N_OLD   24
#define P_UPP   "193802169155" /* born 1938, region 03 */
#define P_YOUNG "198001032385" /* not eligible in March 2021 */

static char old[N_OLD][13]; /* born 1925-1940, region 01, kommun 0180 */
static int64_t s_main, s_race, s_upp;

/* ------------------------------------------------------------------ fixture */

static void add_person(struct vx_store *st, const char *pnr, const char *region, const char *kommun,
                       const char *given)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(pnr, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "%s", region);
    snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kommun);
    snprintf(r.given_name, sizeof r.given_name, "%s", given);
    snprintf(r.family_name, sizeof r.family_name, "Testperson");
    r.synthetic = true;
    assert_int_equal(st->ops->person_put(st, &r, NULL), VX_OK);
}

static int64_t add_site(struct vx_store *st, const char *code, const char *region,
                        const char *kommun, int stations, int mpd)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "Testmottagning \"%s\"", code);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    snprintf(s.address, sizeof s.address, "Provgatan 1");
    s.kind = VX_SITE_MASS_CENTRE;
    s.stations = stations;
    s.minutes_per_dose = mpd;
    s.open_minute = 8 * 60;
    s.close_minute = 12 * 60;
    s.weekdays = 0x1f;
    int64_t id = 0;
    assert_int_equal(st->ops->site_put(st, &s, &id), VX_OK);
    return id;
}

static void make_db(void)
{
    struct vx_store *st = fx_store();
    struct vx_err err = {0};
    size_t len;
    char *csv = slurp(TESTPNR, &len);
    int n = 0;
    for (char *line = strtok(csv, "\r\n"); line && n < N_OLD; line = strtok(NULL, "\r\n")) {
        if (strlen(line) == 12 && strncmp(line, "1925", 4) >= 0 && strncmp(line, "1940", 4) <= 0 &&
            strcmp(line, P_UPP)) {
            memcpy(old[n], line, 13);
            char given[24];
            snprintf(given, sizeof given, "Gammal%d", n);
            add_person(st, old[n++], "01", "0180", given);
        }
    }
    free(csv);
    assert_int_equal(n, N_OLD);
    add_person(st, P_UPP, "03", "0380", "Uppsalabo");
    add_person(st, P_YOUNG, "01", "0180", "Ung");
    s_main = add_site(st, "01-MC-9001", "01", "0180", 2, 5);  /* 15-min slots of 6 */
    s_race = add_site(st, "01-VC-9002", "01", "0180", 2, 15); /* 15-min slots of 2 */
    s_upp = add_site(st, "03-MC-9003", "03", "0380", 2, 5);
    vx_store_close(st);

    /* past and future slots of the main site, with supply, through the engine */
    struct vx_book_engine *eng = NULL;
    assert_int_equal(vx_book_engine_open(dbpath, cat, &rules, NULL, &eng, &err), VX_OK);
    int created = 0;
    assert_int_equal(vx_book_slots_generate(eng, s_main, "COM", vx_day_from_ymd(2021, 3, 1),
                                            vx_day_from_ymd(2021, 5, 14), &created, &err),
                     VX_OK);
    assert_true(created > 0);
    assert_int_equal(vx_book_slots_generate(eng, s_upp, "COM", vx_day_from_ymd(2021, 3, 1),
                                            vx_day_from_ymd(2021, 5, 14), &created, &err),
                     VX_OK);
    for (int w = 9; w <= 19; w++) {
        struct vx_supply_rec r = {.site_id = s_main, .week = {2021, w}, .delivered = 10000};
        snprintf(r.vaccine, sizeof r.vaccine, "COM");
        assert_int_equal(vx_book_supply_set(eng, &r, &err), VX_OK);
    }
    vx_book_engine_close(eng);
}

static void start_server(const struct vx_book_http_opts *o)
{
    vx_book_http_configure(o);
    fx_start(
        (struct vx_http_config){
            .threads = 4, .today = vx_day_from_ymd(2021, 3, 10), .catalog = cat, .rules = &rules},
        &vx_book_http_module, NULL);
}

static int group_setup(void **state)
{
    fx_begin("book-routes");
    fx_load(true);
    make_db();
    start_server(NULL);
    return 0;
}

static int group_teardown(void **state)
{
    fx_end();
    vx_book_http_configure(NULL);
    return 0;
}

/* ------------------------------------------------------------------ client */

static const char *const staff_logins[] = {
    "{\"role\":\"callcentre\",\"region\":\"01\",\"user\":\"agent7\"}",
    "{\"role\":\"vaccinator\",\"site\":\"01-MC-9001\"}",
    "{\"role\":\"site_coordinator\",\"site\":\"01-MC-9001\"}",
    "{\"role\":\"regional_coordinator\",\"region\":\"01\",\"user\":\"rc1\"}",
    "{\"role\":\"national\"}",
    "{\"role\":\"auditor\"}",
    "{\"role\":\"municipal_nurse\",\"kommun\":\"0180\"}",
};
enum { AGENT, VACC, SITEC, REGC, NATL, AUDIT, MUNI, N_STAFF };

static void staff(int who, char *cookie)
{
    login(staff_logins[who], cookie);
}

/* Id of slot number `nth` of `site` on `date` ("YYYY-MM-DD"), from availability. */
static int64_t slot_on(const char *cookie, int64_t site, const char *date, int nth)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/sites/%lld/availability?from=%s&to=%s", (long long)site,
             date, date);
    struct resp *r = call("GET", path, NULL, cookie);
    expect_status(r, 200);
    const cJSON *days = jget(r->json, "days");
    assert_int_equal(cJSON_GetArraySize(days), 1);
    const cJSON *slot = cJSON_GetArrayItem(jget(cJSON_GetArrayItem(days, 0), "slots"), nth);
    assert_non_null(slot);
    int64_t id = (int64_t)jnum(slot, "id");
    resp_free(r);
    return id;
}

static struct resp *book(const char *cookie, int64_t s1, int64_t s2, const char *person,
                         const char *key)
{
    char body[160], idem[96];
    if (person)
        snprintf(body, sizeof body, "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"%s\"}",
                 (long long)s1, (long long)s2, person);
    else
        snprintf(body, sizeof body, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)s1,
                 (long long)s2);
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    return call_h("POST", "/api/v1/bookings", body, cookie, idem, NULL);
}

static long long active_bookings(void)
{
    return db_int("SELECT count(*) FROM bookings WHERE status = 'booked'");
}

/* ------------------------------------------------------------------ tests */

static const unsigned char test_key[32] = "0123456789abcdef0123456789abcdef";

static void test_waitroom_unit(void **state)
{
    struct vx_waitroom *w;
    struct vx_waitroom_opts o = {.rate = 2, .ttl_s = 60, .burst = 1, .key = test_key};
    const int64_t t0 = 1615366800000; /* 2021-03-10 10:00 */
    assert_int_equal(vx_waitroom_new(&o, t0, &w), VX_OK);
    assert_true(vx_waitroom_active(w));
    struct vx_waitroom_ticket t[5], c;
    for (int i = 0; i < 5; i++)
        assert_int_equal(vx_waitroom_issue(w, "person:1", t0, &t[i]), VX_OK);
    assert_true(t[0].admitted); /* the burst */
    for (int i = 1; i < 5; i++) {
        assert_false(t[i].admitted);
        assert_int_equal(t[i].seq, i + 1);
        assert_int_equal(t[i].position, i);
        assert_true(t[i].wait_s > 0);
    }
    /* one second at 2/s admits two more, in order */
    assert_int_equal(vx_waitroom_check(w, t[2].token, "person:1", t0 + 1000, &c), VX_OK);
    assert_true(c.admitted);
    assert_int_equal(vx_waitroom_check(w, t[3].token, "person:1", t0 + 1000, &c), VX_OK);
    assert_false(c.admitted);
    assert_int_equal(c.position, 1);
    /* forged: another sequence number with the old signature */
    char forged[VX_WAITROOM_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", t[4].token);
    forged[2] = '1';
    assert_int_equal(vx_waitroom_check(w, forged, "person:1", t0, &c), VX_EINVAL);
    assert_int_equal(vx_waitroom_check(w, "1.2.3.4.x", "person:1", t0, &c), VX_EINVAL);
    /* a token does not check for another holder than its own */
    assert_int_equal(vx_waitroom_check(w, t[2].token, "person:2", t0 + 1000, &c), VX_EINVAL);
    assert_int_equal(vx_waitroom_check(w, t[2].token, "", t0 + 1000, &c), VX_EINVAL);
    assert_int_equal(vx_waitroom_check(w, "", "person:1", t0, &c), VX_EINVAL);
    assert_int_equal(vx_waitroom_check(w, NULL, "person:1", t0, &c), VX_EINVAL);
    /* expiry: issue + estimated wait + ttl */
    assert_int_equal(vx_waitroom_check(w, t[0].token, "person:1", t0 + 60000, &c), VX_OK);
    assert_int_equal(vx_waitroom_check(w, t[0].token, "person:1", t0 + 60001, &c), VX_ERANGE);
    /* another key (a restarted server) does not accept the token */
    struct vx_waitroom *w2;
    struct vx_waitroom_opts o2 = {.rate = 2};
    assert_int_equal(vx_waitroom_new(&o2, t0, &w2), VX_OK);
    assert_int_equal(vx_waitroom_check(w2, t[0].token, "person:1", t0, &c), VX_EINVAL);
    /* idle time does not bank admissions beyond the burst */
    struct vx_waitroom_stats s;
    vx_waitroom_stats(w, t0 + 3600000, &s);
    assert_int_equal(s.issued, 5);
    assert_int_equal(s.admitted, 6);
    vx_waitroom_free(w2);
    vx_waitroom_free(w);
    /* off: everybody is admitted */
    o.rate = 0;
    assert_int_equal(vx_waitroom_new(&o, t0, &w), VX_OK);
    assert_false(vx_waitroom_active(w));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(vx_waitroom_issue(w, "person:1", t0, &c), VX_OK);
        assert_true(c.admitted);
    }
    vx_waitroom_free(w);
}

/* A route, a body, and who must be refused (401 without a session as well). */
struct denial {
    const char *method, *path, *body;
    int role; /* index into staff_logins, or -1 = a citizen */
    long status;
};

static void test_denials(void **state)
{
    char path[10][96];
    snprintf(path[0], 96, "/api/v1/sites/%lld/availability", (long long)s_main);
    snprintf(path[1], 96, "/api/v1/sites/%lld/dose2?slot=1", (long long)s_main);
    snprintf(path[2], 96, "/api/v1/sites/%lld/supply", (long long)s_main);
    snprintf(path[3], 96, "/api/v1/sites/%lld/slots", (long long)s_main);
    snprintf(path[4], 96, "/api/v1/sites/%lld/availability", (long long)s_upp);
    snprintf(path[5], 96, "/api/v1/sites/%lld/supply", (long long)s_upp);
    snprintf(path[6], 96, "/api/v1/sites/%lld/slots", (long long)s_race);
    const char *supply = "{\"vaccine\":\"COM\",\"week\":\"2021-W12\",\"allocated\":5}";
    const char *slots = "{\"from\":\"2021-03-15\",\"to\":\"2021-03-16\",\"vaccine\":\"COM\"}";
    const struct denial d[] = {
        {"GET", "/api/v1/me/eligibility", NULL, AGENT, 403},
        {"GET", "/api/v1/me/eligibility", NULL, REGC, 403},
        {"GET", "/api/v1/sites", NULL, -2, 401},
        {"GET", path[0], NULL, -2, 401},
        {"GET", path[1], NULL, -2, 401},
        {"POST", "/api/v1/bookings", "{\"slot1\":1}", VACC, 403},
        {"POST", "/api/v1/bookings", "{\"slot1\":1}", REGC, 403},
        {"POST", "/api/v1/bookings", "{\"slot1\":1}", NATL, 403},
        {"GET", "/api/v1/me/bookings", NULL, AGENT, 403},
        {"GET", "/api/v1/me/bookings", NULL, AUDIT, 403},
        {"POST", "/api/v1/callcentre/lookup", "{\"pnr\":\"" P_UPP "\"}", -1, 403},
        {"POST", "/api/v1/callcentre/lookup", "{\"pnr\":\"" P_UPP "\"}", REGC, 403},
        {"PATCH", "/api/v1/bookings/1", "{\"slot\":1}", REGC, 403},
        {"PATCH", "/api/v1/bookings/1", "{\"slot\":1}", MUNI, 403},
        {"DELETE", "/api/v1/bookings/1", NULL, VACC, 403},
        {"DELETE", "/api/v1/bookings/1", NULL, SITEC, 403},
        {"POST", "/api/v1/cohorts", "{\"label\":\"x\",\"born_to\":1941}", -1, 403},
        {"POST", "/api/v1/cohorts", "{\"label\":\"x\",\"born_to\":1941}", AGENT, 403},
        {"POST", "/api/v1/cohorts", "{\"label\":\"x\",\"born_to\":1941}", SITEC, 403},
        {"POST", path[2], supply, -1, 403},
        {"POST", path[2], supply, AGENT, 403},
        {"POST", path[2], supply, VACC, 403},
        {"POST", path[3], slots, -1, 403},
        {"POST", path[3], slots, VACC, 403},
        {"POST", "/api/v1/invitations", "{\"pnr\":\"" P_UPP "\"}", AGENT, 403},
        {"POST", "/api/v1/invitations", "{\"pnr\":\"" P_UPP "\"}", -1, 403},
        /* scope: the route is allowed, the object is not */
        {"GET", path[4], NULL, SITEC, 403},   /* another site */
        {"POST", path[5], supply, REGC, 403}, /* a site of region 03 */
        {"POST", path[6], slots, SITEC, 403}, /* not the coordinator's site */
        {"POST", "/api/v1/callcentre/lookup", "{\"pnr\":\"" P_UPP "\"}", AGENT, 403},
        {"POST", "/api/v1/bookings", "{\"slot1\":1,\"person\":\"" P_UPP "\"}", AGENT, 403},
    };
    char cookies[N_STAFF][CK], citizen[CK];
    for (int i = 0; i < N_STAFF; i++)
        staff(i, cookies[i]);
    login_person(old[0], citizen);
    long long before = db_int("SELECT count(*) FROM audit_log WHERE action = 'person.denied'");
    for (size_t i = 0; i < VX_ARRAY_LEN(d); i++) {
        const char *ck = d[i].role == -2 ? NULL : d[i].role == -1 ? citizen : cookies[d[i].role];
        bool needs_key = !strcmp(d[i].path, "/api/v1/bookings");
        struct resp *r = call_h(d[i].method, d[i].path, d[i].body, ck,
                                needs_key ? "Idempotency-Key: deny" : NULL, NULL);
        if (r->status != d[i].status)
            fprintf(stderr, "case %zu: %s %s\n", i, d[i].method, d[i].path);
        expect_problem(r, d[i].status, NULL, NULL);
        /* every signed-in-only route also refuses an anonymous caller */
        r = call(d[i].method, d[i].path, d[i].body, NULL);
        expect_problem(r, 401, NULL, NULL);
    }
    /* the refused look-ups of a person in another region are audited */
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'person.denied'") >=
                before + 2);
    assert_int_equal(active_bookings(), 0);
}

static void test_cohort_release(void **state)
{
    char citizen[CK], rc[CK];
    login_person(old[1], citizen);
    struct resp *r = call("GET", "/api/v1/me/eligibility", NULL, citizen);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(jget(r->json, "eligible")));
    assert_true(cJSON_IsFalse(jget(r->json, "cohort_released")));
    assert_true(cJSON_IsFalse(jget(r->json, "can_book")));
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "rule"), "id")), "p2-80plus");
    resp_free(r);
    /* no cohort yet: the engine refuses, naming the person */
    int64_t s1 = slot_on(citizen, s_main, "2021-03-15", 0);
    int64_t s2 = slot_on(citizen, s_main, "2021-04-12", 0);
    r = book(citizen, s1, s2, NULL, "before-cohort");
    expect_problem(r, 403, "person", NULL);

    staff(REGC, rc);
    r = call("POST", "/api/v1/cohorts", "{\"label\":\"x\",\"rules\":[\"nope\"]}", rc);
    expect_problem(r, 422, "rules", NULL);
    r = call("POST", "/api/v1/cohorts", "{\"label\":\"x\"}", rc);
    expect_problem(r, 422, "rules", NULL);
    r = call("POST", "/api/v1/cohorts",
             "{\"label\":\"x\",\"born_to\":1941,\"release_at\":\"soon\"}", rc);
    expect_problem(r, 422, "release_at", NULL);
    long long cohorts = db_int("SELECT count(*) FROM cohorts");
    r = call("POST", "/api/v1/cohorts",
             "{\"label\":\"Fas 2: 80+\",\"rules\":[\"p2-80plus\"],\"born_to\":1941,"
             "\"release_at\":\"2021-03-08T08:00:00+01:00\"}",
             rc);
    expect_status(r, 201);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "region")), "01");
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM cohorts"), cohorts + 1);
    assert_int_equal(db_int("SELECT count(*) FROM cohorts WHERE region_code = '01' AND "
                            "created_by = 'rc1'"),
                     1);
    r = call("GET", "/api/v1/me/eligibility", NULL, citizen);
    assert_true(cJSON_IsTrue(jget(r->json, "cohort_released")));
    assert_true(cJSON_IsTrue(jget(r->json, "can_book")));
    resp_free(r);
    /* the young person is not eligible, whatever the cohorts */
    char young[CK];
    login_person(P_YOUNG, young);
    r = call("GET", "/api/v1/me/eligibility", NULL, young);
    assert_true(cJSON_IsFalse(jget(r->json, "eligible")));
    assert_true(cJSON_IsFalse(jget(r->json, "can_book")));
    resp_free(r);
    /* reads of person data are audited, without numbers */
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'person.read' AND detail = "
                       "'GET /api/v1/me/eligibility'") >= 3);
}

static void test_supply_and_slots(void **state)
{
    char rc[CK], sc[CK];
    staff(REGC, rc);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/sites/%lld/slots", (long long)s_race);
    struct resp *r = call(
        "POST", path, "{\"from\":\"2021-03-01\",\"to\":\"2021-03-02\",\"vaccine\":\"COM\"}", rc);
    expect_problem(r, 422, "from", NULL);
    r = call("POST", path, "{\"from\":\"2021-03-15\",\"to\":\"2021-03-14\",\"vaccine\":\"COM\"}",
             rc);
    expect_problem(r, 422, "to", NULL);
    r = call("POST", path, "{\"from\":\"2021-03-15\",\"to\":\"2021-04-30\",\"vaccine\":\"XYZ\"}",
             rc);
    expect_problem(r, 422, "vaccine", NULL);
    r = call("POST", path, "{\"from\":\"2021-03-15\",\"to\":\"2021-04-30\",\"vaccine\":\"COM\"}",
             rc);
    expect_status(r, 201);
    assert_true(jnum(r->json, "created") > 0);
    resp_free(r);
    /* no supply yet: the slots exist but are not released */
    int64_t s1 = slot_on(rc, s_race, "2021-03-15", 0);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/availability?from=2021-03-15&to=2021-03-15",
             (long long)s_race);
    r = call("GET", path, NULL, rc);
    const cJSON *day = cJSON_GetArrayItem(jget(r->json, "days"), 0);
    assert_int_equal((int)jnum(day, "released"), 0);
    assert_int_equal((int)jnum(cJSON_GetArrayItem(jget(day, "slots"), 0), "capacity"), 2);
    assert_true(s1 > 0);
    resp_free(r);
    /* the site coordinator of another site may not; the regional coordinator may */
    staff(SITEC, sc);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/supply", (long long)s_race);
    r = call("POST", path, "{\"vaccine\":\"COM\",\"week\":\"2021-W99\"}", rc);
    expect_problem(r, 422, "week", NULL);
    for (int w = 11; w <= 17; w++) {
        char body[96];
        snprintf(body, sizeof body,
                 "{\"vaccine\":\"COM\",\"week\":\"2021-W%02d\",\"delivered\":500}", w);
        r = call("POST", path, body, rc);
        expect_status(r, 200);
        assert_int_equal((int)jnum(r->json, "delivered"), 500);
        resp_free(r);
    }
    assert_int_equal(db_int("SELECT count(*) FROM site_supply WHERE delivered = 500"), 7);
    /* the main site's own coordinator manages it */
    snprintf(path, sizeof path, "/api/v1/sites/%lld/supply", (long long)s_main);
    r = call("POST", path, "{\"vaccine\":\"COM\",\"week\":\"2021-W20\",\"allocated\":100}", sc);
    expect_status(r, 200);
    resp_free(r);
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'supply.set'") >= 8);
}

static void test_citizen_flow(void **state)
{
    char ck[CK];
    login_person(old[2], ck);
    struct resp *r = call("GET", "/api/v1/me/eligibility", NULL, ck);
    expect_status(r, 200);
    assert_true(cJSON_IsTrue(jget(r->json, "can_book")));
    resp_free(r);
    r = call("GET", "/api/v1/sites?municipality=0180", NULL, ck);
    expect_status(r, 200);
    assert_true(cJSON_IsArray(r->json));
    assert_int_equal(cJSON_GetArraySize(r->json), 2);
    assert_string_equal(cJSON_GetStringValue(jget(cJSON_GetArrayItem(r->json, 0), "code")),
                        "01-MC-9001");
    resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/sites/%lld/availability?from=2021-03-15&to=2021-03-21",
             (long long)s_main);
    r = call("GET", path, NULL, ck);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "days")), 5); /* Mon-Fri */
    const cJSON *d0 = cJSON_GetArrayItem(jget(r->json, "days"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(d0, "date")), "2021-03-15");
    const cJSON *slot = cJSON_GetArrayItem(jget(d0, "slots"), 1);
    int64_t s1 = (int64_t)jnum(slot, "id");
    assert_string_equal(cJSON_GetStringValue(jget(slot, "start")), "2021-03-15T08:15:00+01:00");
    assert_true(cJSON_IsTrue(jget(slot, "released")));
    resp_free(r);
    snprintf(path, sizeof path, "/api/v1/sites/%lld/dose2?slot=%lld", (long long)s_main,
             (long long)s1);
    r = call("GET", path, NULL, ck);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(r->json, "min_date")), "2021-04-05");
    int64_t s2 = (int64_t)jnum(r->json, "recommended_slot");
    assert_true(s2 > 0);
    assert_true(cJSON_GetArraySize(jget(r->json, "slots")) > 0);
    resp_free(r);

    long long before = active_bookings();
    r = book(ck, s1, s2, NULL, "flow-1");
    expect_status(r, 201);
    int64_t b1 = (int64_t)jnum(cJSON_GetArrayItem(jget(r->json, "bookings"), 0), "id");
    int64_t b2 = (int64_t)jnum(cJSON_GetArrayItem(jget(r->json, "bookings"), 1), "id");
    assert_int_equal((int)jnum(cJSON_GetArrayItem(jget(r->json, "bookings"), 1), "dose"), 2);
    resp_free(r);
    assert_int_equal(active_bookings(), before + 2); /* durable before the 201 */

    /* a second series is refused */
    r = book(ck, s1 + 1, s2, NULL, "flow-2");
    expect_problem(r, 409, "person", NULL);

    r = call("GET", "/api/v1/me/bookings", NULL, ck);
    expect_status(r, 200);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "bookings")), 2);
    assert_string_equal(
        cJSON_GetStringValue(jget(cJSON_GetArrayItem(jget(r->json, "bookings"), 0), "channel")),
        "web");
    resp_free(r);

    /* rebook dose 2 one slot later; another person's booking is not found */
    char body[64];
    snprintf(body, sizeof body, "{\"slot\":%lld}", (long long)(s2 + 1));
    snprintf(path, sizeof path, "/api/v1/bookings/%lld", (long long)b2);
    char other[CK];
    login_person(old[3], other);
    r = call("PATCH", path, body, other);
    expect_problem(r, 404, "id", NULL);
    r = call("PATCH", path, body, ck);
    expect_status(r, 200);
    const cJSON *nb = cJSON_GetArrayItem(jget(r->json, "bookings"), 1);
    assert_int_equal((int64_t)jnum(nb, "slot"), s2 + 1);
    int64_t nb1 = (int64_t)jnum(cJSON_GetArrayItem(jget(r->json, "bookings"), 0), "id");
    int64_t nb2 = (int64_t)jnum(nb, "id");
    resp_free(r);
    assert_int_equal(active_bookings(), before + 2);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'cancelled'") >= 2, 1);
    /* moving dose 2 before the interval is refused, naming the field */
    snprintf(body, sizeof body, "{\"slot\":%lld}", (long long)(s1 + 2));
    snprintf(path, sizeof path, "/api/v1/bookings/%lld", (long long)nb2);
    r = call("PATCH", path, body, ck);
    expect_problem(r, 422, "slot", NULL);

    /* cancel: capacity returns, nothing stays booked */
    snprintf(path, sizeof path, "/api/v1/bookings/%lld", (long long)nb1);
    r = call("DELETE", path, NULL, ck);
    expect_status(r, 200);
    assert_string_equal(
        cJSON_GetStringValue(jget(cJSON_GetArrayItem(jget(r->json, "bookings"), 0), "status")),
        "cancelled");
    resp_free(r);
    assert_int_equal(active_bookings(), before);
    r = call("GET", "/api/v1/me/bookings", NULL, ck);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "bookings")), 0);
    resp_free(r);
    r = call("DELETE", path, NULL, ck);
    expect_problem(r, 404, "id", NULL);
    (void)b1;
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action IN ('booking.book', "
                       "'booking.rebook', 'booking.cancel')") >= 3);
}

static void test_callcentre(void **state)
{
    char agent[CK];
    staff(AGENT, agent);
    struct resp *r =
        call("POST", "/api/v1/callcentre/lookup", "{\"pnr\":\"19400101-0001\"}", agent);
    expect_problem(r, 422, "pnr", NULL);
    char body[96];
    snprintf(body, sizeof body, "{\"pnr\":\"%s\"}", old[4]);
    long long reads = db_int("SELECT count(*) FROM audit_log WHERE action = 'person.read' AND "
                             "actor = 'agent7'");
    r = call("POST", "/api/v1/callcentre/lookup", body, agent);
    expect_status(r, 200);
    assert_string_equal(cJSON_GetStringValue(jget(jget(r->json, "person"), "given_name")),
                        "Gammal4");
    assert_true(cJSON_IsTrue(jget(jget(r->json, "eligibility"), "can_book")));
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "bookings")), 0);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE action = 'person.read' AND "
                            "actor = 'agent7'"),
                     reads + 1);

    int64_t s1 = slot_on(agent, s_main, "2021-03-16", 3);
    int64_t s2 = slot_on(agent, s_main, "2021-04-13", 3);
    r = book(agent, s1, s2, NULL, "cc-0");
    expect_problem(r, 422, "person", NULL); /* an agent must name the person */
    /* a region-01 agent cannot book a region-01 person at a region-03 site */
    char q[128];
    snprintf(q, sizeof q, "SELECT max(id) FROM slots WHERE site_id = %lld", (long long)s_upp);
    int64_t u2 = db_int(q);
    snprintf(q, sizeof q, "SELECT min(id) FROM slots WHERE site_id = %lld", (long long)s_upp);
    int64_t u1 = db_int(q);
    assert_true(u1 > 0 && u2 > u1);
    r = book(agent, u1, u2, old[4], "cc-x");
    expect_problem(r, 403, "slot1", NULL);
    r = book(agent, s1, s2, old[4], "cc-1");
    expect_status(r, 201);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked' AND channel = "
                            "'call_centre' AND agent_id = 'agent7'"),
                     2);
    assert_true(db_int("SELECT count(*) FROM audit_log WHERE action = 'booking.book' AND actor = "
                       "'agent7'") >= 1);
    r = call("POST", "/api/v1/callcentre/lookup", body, agent);
    const cJSON *b = cJSON_GetArrayItem(jget(r->json, "bookings"), 0);
    assert_string_equal(cJSON_GetStringValue(jget(b, "agent")), "agent7");
    int64_t bid = (int64_t)jnum(b, "id");
    resp_free(r);
    /* the person sees the agent's booking as their own */
    char ck[CK];
    login_person(old[4], ck);
    r = call("GET", "/api/v1/me/bookings", NULL, ck);
    assert_int_equal(cJSON_GetArraySize(jget(r->json, "bookings")), 2);
    resp_free(r);
    /* the agent cancels on the person's behalf */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/bookings/%lld", (long long)bid);
    snprintf(body, sizeof body, "{\"person\":\"%s\"}", old[4]);
    r = call("DELETE", path, body, agent);
    expect_status(r, 200);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings WHERE status = 'booked' AND agent_id = "
                            "'agent7'"),
                     0);
}

static void test_idempotency(void **state)
{
    char ck[CK];
    login_person(old[5], ck);
    int64_t s1 = slot_on(ck, s_main, "2021-03-17", 5);
    int64_t s2 = slot_on(ck, s_main, "2021-04-14", 5);
    long long before = active_bookings();
    struct resp *r = book(ck, s1, s2, NULL, "same-key-1");
    expect_status(r, 201);
    assert_true(cJSON_IsFalse(jget(r->json, "replayed")));
    double first = jnum(r->json, "series");
    resp_free(r);
    r = book(ck, s1, s2, NULL, "same-key-1");
    expect_status(r, 201);
    assert_true(cJSON_IsTrue(jget(r->json, "replayed")));
    assert_true(jnum(r->json, "series") == first);
    resp_free(r);
    assert_int_equal(active_bookings(), before + 2);
    /* the key used for another operation is refused */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/bookings/%lld", (long long)first);
    r = call_h("DELETE", path, NULL, ck, "Idempotency-Key: same-key-1", NULL);
    expect_problem(r, 409, "Idempotency-Key", NULL);
    assert_int_equal(active_bookings(), before + 2);
}

static void test_bad_input(void **state)
{
    char ck[CK], agent[CK];
    login_person(old[6], ck);
    staff(AGENT, agent);
    int64_t s1 = slot_on(ck, s_main, "2021-03-18", 0);
    int64_t s2 = slot_on(ck, s_main, "2021-04-15", 0);
    int64_t past = slot_on(ck, s_main, "2021-03-09", 0);
    int64_t early = slot_on(ck, s_main, "2021-03-22", 0);
    long long before = db_int("SELECT count(*) FROM bookings");
    char body[160];
    struct bad_case {
        const char *who;
        const char *body;
        const char *h1;
        long status;
        const char *field;
    } cases[16];
    int n = 0;
    static char bodies[16][160];
#define CASE(w, b, h, st, f) (cases[n] = (struct bad_case){w, b, h, st, f}, n++)
    snprintf(bodies[0], 160, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)s1, (long long)s2);
    CASE(ck, bodies[0], NULL, 422, "Idempotency-Key");
    CASE(ck, "{\"slot1\":", "Idempotency-Key: bad-1", 400, NULL);
    CASE(ck, "{\"slot1\":\"x\"}", "Idempotency-Key: bad-2", 422, "slot1");
    CASE(ck, "{\"slot2\":5}", "Idempotency-Key: bad-3", 422, "slot1");
    CASE(ck, "{\"slot1\":1,\"extra\":1}", "Idempotency-Key: bad-4", 422, "extra");
    snprintf(bodies[1], 160, "{\"slot1\":999999,\"slot2\":%lld}", (long long)s2);
    CASE(ck, bodies[1], "Idempotency-Key: bad-5", 404, "slot1");
    snprintf(bodies[2], 160, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)past, (long long)s2);
    CASE(ck, bodies[2], "Idempotency-Key: bad-6", 422, "slot1");
    snprintf(bodies[3], 160, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)s1, (long long)early);
    CASE(ck, bodies[3], "Idempotency-Key: bad-7", 422, "slot2");
    snprintf(bodies[4], 160, "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"194001010001\"}",
             (long long)s1, (long long)s2);
    CASE(agent, bodies[4], "Idempotency-Key: bad-8", 422, "person");
    snprintf(bodies[5], 160, "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"%s\"}", (long long)s1,
             (long long)s2, old[7]);
    CASE(ck, bodies[5], "Idempotency-Key: bad-9", 403, "person"); /* citizens book for themselves */
    snprintf(bodies[6], 160, "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"%s\"}", (long long)s1,
             (long long)s2, P_YOUNG);
    CASE(agent, bodies[6], "Idempotency-Key: bad-10", 403, "person"); /* not eligible */
    snprintf(bodies[7], 160, "{\"slot1\":%lld}", (long long)s1);
    CASE(ck, bodies[7], "Idempotency-Key: bad-11", 422, "slot2"); /* dose 2 missing */
    for (int i = 0; i < n; i++) {
        struct resp *r =
            call_h("POST", "/api/v1/bookings", cases[i].body, cases[i].who, cases[i].h1, NULL);
        if (r->status != cases[i].status)
            fprintf(stderr, "case %d\n", i);
        expect_problem(r, cases[i].status, cases[i].field, NULL);
    }
    /* oversized body, wrong media type */
    char *big = malloc(70000);
    memset(big, ' ', 69999);
    big[0] = '{';
    big[69998] = '}';
    big[69999] = '\0';
    struct resp *r = call_h("POST", "/api/v1/bookings", big, ck, "Idempotency-Key: big", NULL);
    expect_problem(r, 413, NULL, NULL);
    free(big);
    r = call_h("POST", "/api/v1/bookings", bodies[0], ck, "Idempotency-Key: ct",
               "Content-Type: text/plain");
    expect_status(r, 415);
    resp_free(r);
    /* availability ranges */
    snprintf(body, sizeof body, "/api/v1/sites/%lld/availability?from=2021-03-10&to=2021-09-01",
             (long long)s_main);
    r = call("GET", body, NULL, ck);
    expect_problem(r, 422, "to", NULL);
    snprintf(body, sizeof body, "/api/v1/sites/%lld/availability?from=10/3", (long long)s_main);
    r = call("GET", body, NULL, ck);
    expect_problem(r, 422, "from", NULL);
    r = call("GET", "/api/v1/sites/424242/availability", NULL, ck);
    expect_problem(r, 404, "id", NULL);
    r = call("GET", "/api/v1/sites/abc/availability", NULL, ck);
    expect_problem(r, 422, NULL, NULL);
    /* nothing was written */
    assert_int_equal(db_int("SELECT count(*) FROM bookings"), before);
}

struct racer {
    char cookie[CK];
    int64_t s1, s2;
    int index;
    long status;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    char key[32];
    snprintf(key, sizeof key, "race-%d", x->index);
    struct resp *r = book(x->cookie, x->s1, x->s2, NULL, key);
    x->status = r->status;
    resp_free(r);
    return NULL;
}

static void test_last_slot_race(void **state)
{
    struct racer x[16];
    char any[CK];
    staff(REGC, any);
    int64_t s1 = slot_on(any, s_race, "2021-03-19", 0);
    int64_t s2 = slot_on(any, s_race, "2021-04-16", 0);
    for (int i = 0; i < 16; i++) {
        login_person(old[8 + i], x[i].cookie);
        x[i].s1 = s1;
        x[i].s2 = s2;
        x[i].index = i;
    }
    pthread_t th[16];
    for (int i = 0; i < 16; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
    int ok = 0, full = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(th[i], NULL);
        ok += x[i].status == 201;
        full += x[i].status == 409;
    }
    assert_int_equal(ok, 2); /* the slot's capacity */
    assert_int_equal(full, 14);
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM bookings WHERE status = 'booked' AND slot_id = %lld",
             (long long)s1);
    assert_int_equal(db_int(sql), 2);
    snprintf(sql, sizeof sql, "SELECT booked <= capacity FROM slots WHERE id = %lld",
             (long long)s1);
    assert_int_equal(db_int(sql), 1);
}

static void test_metrics_openapi(void **state)
{
    struct resp *r = call("GET", "/metrics", NULL, NULL);
    expect_status(r, 200);
    static const char *const names[] = {
        "vx_bookings_total ",
        "vx_book_commit_batch_size_bucket{le=\"1\"}",
        "vx_book_queue_length ",
        "vx_waitroom_waiting ",
        "vx_availability_cache_total{result=\"hit\"}",
        "vx_book_commit_batch_size_count ",
        "vx_book_thread_seconds_total{thread=\"writer\",state=\"busy\"} ",
        "vx_book_thread_seconds_total{thread=\"sync\",state=\"deliver\"} ",
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(names); i++) {
        if (!strstr(r->body, names[i]))
            fprintf(stderr, "missing metric %s\n", names[i]);
        assert_non_null(strstr(r->body, names[i]));
    }
    resp_free(r);
    r = call("GET", "/api/openapi.json", NULL, NULL);
    expect_status(r, 200);
    const cJSON *paths = jget(r->json, "paths");
    assert_non_null(jget(jget(paths, "/api/v1/bookings"), "post"));
    assert_non_null(jget(jget(paths, "/api/v1/bookings/{id}"), "patch"));
    assert_non_null(jget(jget(paths, "/api/v1/queue/{token}"), "get"));
    resp_free(r);
}

static void test_waitroom_http(void **state)
{
    /* restart with the waiting room on: 1 admission at once, then 0.001/s */
    long long kept = active_bookings();
    vx_http_server_free(srv);
    struct vx_book_http_opts o = {.admit_rate = 0.001};
    start_server(&o);
    assert_int_equal(active_bookings(), kept);
    char ck[CK];
    login_person(old[6], ck);
    int64_t s1 = slot_on(ck, s_main, "2021-03-23", 2);
    int64_t s2 = slot_on(ck, s_main, "2021-04-20", 2);
    struct resp *r = book(ck, s1, s2, NULL, "wr-0");
    expect_problem(r, 403, "X-Queue-Token", NULL);
    struct resp *t1 = call("POST", "/api/v1/queue", NULL, ck);
    struct resp *t2 = call("POST", "/api/v1/queue", NULL, ck);
    expect_status(t1, 201);
    expect_status(t2, 201);
    assert_true(cJSON_IsTrue(jget(t1->json, "active")));
    assert_true(cJSON_IsTrue(jget(t1->json, "admitted")));
    assert_true(cJSON_IsFalse(jget(t2->json, "admitted")));
    assert_int_equal((int)jnum(t2->json, "position"), 1);
    assert_true(jnum(t2->json, "estimated_wait_s") > 0);
    const char *tok1 = cJSON_GetStringValue(jget(t1->json, "token"));
    const char *tok2 = cJSON_GetStringValue(jget(t2->json, "token"));
    char path[192], h[192];
    snprintf(path, sizeof path, "/api/v1/queue/%s", tok2);
    r = call("GET", path, NULL, ck);
    expect_status(r, 200);
    assert_true(cJSON_IsFalse(jget(r->json, "admitted")));
    resp_free(r);
    r = call("GET", "/api/v1/queue/1.2.3.4.nope", NULL, NULL);
    expect_problem(r, 403, "token", NULL);
    long long before = db_int("SELECT count(*) FROM bookings");
    /* waiting: 409; forged: 403 */
    snprintf(h, sizeof h, "X-Queue-Token: %s", tok2);
    char body[96], idem[] = "Idempotency-Key: wr-1";
    snprintf(body, sizeof body, "{\"slot1\":%lld,\"slot2\":%lld}", (long long)s1, (long long)s2);
    r = call_h("POST", "/api/v1/bookings", body, ck, h, idem);
    expect_problem(r, 409, "X-Queue-Token", NULL);
    snprintf(h, sizeof h, "X-Queue-Token: %s", tok1);
    h[strlen(h) - 1] ^= 1; /* one bit of the signature */
    r = call_h("POST", "/api/v1/bookings", body, ck, h, idem);
    expect_problem(r, 403, "X-Queue-Token", NULL);
    assert_int_equal(db_int("SELECT count(*) FROM bookings"), before);
    /* a token issued to someone else (here: before signing in) does not admit */
    r = call("GET", path, NULL, NULL);
    expect_problem(r, 403, "token", NULL);
    /* admitted: booked */
    snprintf(h, sizeof h, "X-Queue-Token: %s", tok1);
    r = call_h("POST", "/api/v1/bookings", body, ck, h, idem);
    expect_status(r, 201);
    resp_free(r);
    assert_int_equal(db_int("SELECT count(*) FROM bookings"), before + 2);
    resp_free(t1);
    resp_free(t2);
    r = call("GET", "/metrics", NULL, NULL);
    assert_non_null(strstr(r->body, "vx_waitroom_active 1"));
    resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waitroom_unit),  cmocka_unit_test(test_denials),
        cmocka_unit_test(test_cohort_release), cmocka_unit_test(test_supply_and_slots),
        cmocka_unit_test(test_citizen_flow),   cmocka_unit_test(test_callcentre),
        cmocka_unit_test(test_idempotency),    cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_last_slot_race), cmocka_unit_test(test_metrics_openapi),
        cmocka_unit_test(test_waitroom_http),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
