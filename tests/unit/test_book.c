/*
 * test_book.c — the booking engine (src/book): slot generation across DST, release
 * limited by supply, dose pairs and their interval, every refusal, cancel, rebook,
 * idempotent replay (also after a restart), group commit under 8 concurrent
 * submitter threads (never overbooked, checked in the database), counters rebuilt
 * at restart, invitation codes and the letter PDF, call-centre bookings, stats.
 *
 * Each test gets its own scratch database under $VX_TEST_TMP with regions,
 * municipalities, vaccines, sites and persons; the persons are Skatteverket test
 * personnummer (shared/data/interop/personnummer/skatteverket), never real people.
 * No sleeps: tests wait for completions on condition variables. Request times are
 * fixed instants in 2021 so that eligibility, cohorts and age rules are stable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include "../common/slurp.h"
#include <cairo.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define RULES_PATH   VX_SOURCE_DIR "/data/eligibility.json"
#define CATALOG_PATH VX_SOURCE_DIR "/data/vaccines.json"
#define TESTPNR_PATH                                                                               \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

/* Skatteverket test numbers */
#define P_OLD   "194002029108" /* born 1940: phase 2 (80+) */
#define P_OLD2  "194006038873"
#define P_OLD3  "194012239101"
#define P_UPP   "193802169155" /* born 1938, lives in region 03 */
#define P_YOUNG "198001032385" /* born 1980: not eligible in spring 2021 */
#define P_STAFF "196001189114" /* born 1960, care staff: phase 1, under 65 */

struct fx {
    struct vx_arena arena;
    const struct vx_catalog *cat;
    struct vx_elig_table rules;
    char path[512];
    struct vx_book_engine *eng;
    int64_t s1, s2, s3; /* sites */
};

static vx_time at(int y, int mo, int d, int h, int mi)
{
    vx_time t;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, mo, d), h * 60 + mi, &t, NULL), VX_OK);
    return t;
}

static vx_day day(int y, int mo, int d)
{
    return vx_day_from_ymd(y, mo, d);
}

static void add_person(struct vx_store *st, const char *pnr, const char *region, const char *kommun,
                       uint32_t flags)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(day(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(pnr, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "%s", region);
    snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kommun);
    r.p.flags = flags;
    r.synthetic = true;
    assert_int_equal(st->ops->person_put(st, &r, NULL), VX_OK);
}

static int64_t add_site(struct vx_store *st, const char *code, const char *region,
                        const char *kommun, int stations, int mpd, int open, int close,
                        int weekdays)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "Testmottagning %s", code);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    s.kind = VX_SITE_MASS_CENTRE;
    s.stations = stations;
    s.minutes_per_dose = mpd;
    s.open_minute = open;
    s.close_minute = close;
    s.weekdays = (uint8_t)weekdays;
    int64_t id = 0;
    assert_int_equal(st->ops->site_put(st, &s, &id), VX_OK);
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    vx_arena_init(&f->arena, 0);
    size_t len;
    char *text = slurp(CATALOG_PATH, &len);
    assert_int_equal(vx_catalog_parse(text, len, &f->arena, &f->cat, NULL), VX_OK);
    free(text);
    text = slurp(RULES_PATH, &len);
    assert_int_equal(vx_elig_parse(text, len, &f->arena, &f->rules, NULL), VX_OK);
    free(text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    vx_book_engine_close(f->eng);
    vx_arena_release(&f->arena);
    free(f);
    return 0;
}

static void remove_db(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* A fresh database `name` with reference data, persons and sites. */
static void seed(struct fx *f, const char *name)
{
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(f->path, sizeof f->path, "%s/book_%s.db", tmp ? tmp : ".", name);
    remove_db(f->path);
    struct vx_store *st = NULL;
    assert_int_equal(vx_store_open_sqlite(f->path, &st, NULL), VX_OK);
    assert_int_equal(vx_store_begin(st), VX_OK);
    struct vx_region_rec r1 = {"01", "Stockholms län", "Stockholm"};
    struct vx_region_rec r3 = {"03", "Uppsala län", "Uppsala"};
    assert_int_equal(st->ops->region_put(st, &r1), VX_OK);
    assert_int_equal(st->ops->region_put(st, &r3), VX_OK);
    struct vx_kommun_rec k1 = {"0180", "Stockholm", "01"}, k3 = {"0380", "Uppsala", "03"};
    assert_int_equal(st->ops->kommun_put(st, &k1), VX_OK);
    assert_int_equal(st->ops->kommun_put(st, &k3), VX_OK);
    const char *vacc[] = {"COM", "MOD", "AZ", "JANSS"};
    for (size_t i = 0; i < VX_ARRAY_LEN(vacc); i++)
        assert_int_equal(st->ops->vaccine_put(st, vacc[i], vacc[i], "{}"), VX_OK);
    add_person(st, P_OLD, "01", "0180", 0);
    add_person(st, P_OLD2, "01", "0180", 0);
    add_person(st, P_OLD3, "01", "0180", 0);
    add_person(st, P_UPP, "03", "0380", 0);
    add_person(st, P_YOUNG, "01", "0180", 0);
    add_person(st, P_STAFF, "01", "0180", VX_PF_CARE_STAFF);
    /* 2 stations, 5 min a dose, 08:00-10:00 Mon-Fri: 8 slots of 6 places a day */
    f->s1 = add_site(st, "01-T-1", "01", "0180", 2, 5, 480, 600, 0x1f);
    /* 1 station, 15 min a dose: 8 slots of 1 place a day */
    f->s2 = add_site(st, "01-T-2", "01", "0180", 1, 15, 480, 600, 0x1f);
    f->s3 = add_site(st, "03-T-1", "03", "0380", 1, 5, 480, 600, 0x1f);
    assert_int_equal(vx_store_commit(st), VX_OK);
    vx_store_close(st);
}

static void open_engine(struct fx *f, const struct vx_book_opts *o)
{
    struct vx_err err = {0};
    enum vx_status rc = vx_book_engine_open(f->path, f->cat, &f->rules, o, &f->eng, &err);
    if (rc != VX_OK)
        fail_msg("engine open: %s", err.msg);
}

/* Close the engine and open it again on the same database (a restart). */
static void reopen_engine(struct fx *f, const struct vx_book_opts *o)
{
    vx_book_engine_close(f->eng);
    f->eng = NULL;
    open_engine(f, o);
}

static void supply(struct fx *f, int64_t site, const char *vac, int year, int w0, int w1, int doses)
{
    for (int w = w0; w <= w1; w++) {
        struct vx_supply_rec r = {.site_id = site, .week = {year, w}, .delivered = doses};
        snprintf(r.vaccine, sizeof r.vaccine, "%s", vac);
        struct vx_err err = {0};
        if (vx_book_supply_set(f->eng, &r, &err) != VX_OK)
            fail_msg("supply: %s", err.msg);
    }
}

static void slots(struct fx *f, int64_t site, const char *vac, vx_day from, vx_day to)
{
    struct vx_err err = {0};
    int n = 0;
    if (vx_book_slots_generate(f->eng, site, vac, from, to, &n, &err) != VX_OK)
        fail_msg("slots: %s", err.msg);
    assert_true(n > 0);
}

static void cohort(struct fx *f, const char *region, const char *rules, int born_to,
                   vx_time release)
{
    struct vx_cohort_rec c = {.born_to = born_to, .release_at = release};
    snprintf(c.region, sizeof c.region, "%s", region);
    snprintf(c.rule_ids, sizeof c.rule_ids, "%s", rules);
    snprintf(c.label, sizeof c.label, "test cohort");
    snprintf(c.created_by, sizeof c.created_by, "test");
    struct vx_err err = {0};
    int64_t id = 0;
    if (vx_book_cohort_release(f->eng, &c, &id, &err) != VX_OK)
        fail_msg("cohort: %s", err.msg);
    assert_true(id > 0);
}

/* The standard scene: supply and slots at S1 for COM and AZ, spring 2021, and the
 * cohorts "phase 2, born 1941 or earlier" and "phase 1 care staff" in region 01. */
static void scene(struct fx *f, const char *name)
{
    seed(f, name);
    open_engine(f, NULL);
    supply(f, f->s1, "COM", 2021, 12, 30, 1000);
    supply(f, f->s1, "AZ", 2021, 12, 30, 1000);
    slots(f, f->s1, "COM", day(2021, 3, 22), day(2021, 7, 30));
    slots(f, f->s1, "AZ", day(2021, 3, 22), day(2021, 7, 30));
    cohort(f, "01", "p2-80plus", 1941, at(2021, 3, 15, 8, 0));
    cohort(f, "01", "p1-care-staff", 0, at(2021, 3, 1, 8, 0));
}

#define NOW at(2021, 3, 26, 9, 0) /* a Friday, after Vaxzevria became 65+ */

/* Id of the slot of `vac` at site/day/minute. */
static int64_t slot_at(struct fx *f, int64_t site, vx_day d, int minute, const char *vac)
{
    struct vx_book_slot_info info[64];
    int n = 0;
    assert_int_equal(vx_book_availability(f->eng, site, d, d, info, 64, &n), VX_OK);
    for (int i = 0; i < n && i < 64; i++)
        if (info[i].start_minute == minute && !strcmp(info[i].vaccine, vac))
            return info[i].slot_id;
    fail_msg("no slot %s at %d", vac, minute);
    return 0;
}

static struct vx_book_slot_info slot_info(struct fx *f, int64_t site, vx_day d, int64_t id)
{
    struct vx_book_slot_info info[64];
    int n = 0;
    assert_int_equal(vx_book_availability(f->eng, site, d, d, info, 64, &n), VX_OK);
    for (int i = 0; i < n && i < 64; i++)
        if (info[i].slot_id == id)
            return info[i];
    fail_msg("slot %lld not found", (long long)id);
    return info[0];
}

static struct vx_book_req req(enum vx_book_op op, const char *pnr, int64_t s1, int64_t s2,
                              vx_time now)
{
    struct vx_book_req r;
    memset(&r, 0, sizeof r);
    r.op = op;
    snprintf(r.pnr, sizeof r.pnr, "%s", pnr ? pnr : "");
    r.slot_id[0] = s1;
    r.slot_id[1] = s2;
    r.channel = VX_CHANNEL_WEB;
    snprintf(r.actor, sizeof r.actor, "test");
    snprintf(r.role, sizeof r.role, "citizen");
    r.now = now;
    return r;
}

static struct vx_book_result submit(struct fx *f, const struct vx_book_req *r)
{
    struct vx_book_result res;
    vx_book_submit_wait(f->eng, r, &res);
    return res;
}

static int64_t db_int(struct fx *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void db_exec(struct fx *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

/* ---- slots ----------------------------------------------------------------- */

static void test_day_slots_dst(void **state)
{
    (void)state;
    struct vx_site_rec s24 = {.stations = 1,
                              .minutes_per_dose = 15,
                              .open_minute = 0,
                              .close_minute = 1440,
                              .weekdays = 0x7f};
    struct vx_book_slot_time t[200];
    /* Saturday before the spring change: 96 quarter hours; Sunday 28 March: 92 */
    assert_int_equal(vx_book_day_slots(&s24, day(2021, 3, 27), 15, t, 200), 96);
    assert_int_equal(t[32].start_minute, 480);
    assert_int_equal(t[32].start, at(2021, 3, 27, 8, 0));
    assert_int_equal(t[32].start % 86400, 7 * 3600); /* 08:00 CET = 07:00Z */
    int n = vx_book_day_slots(&s24, day(2021, 3, 28), 15, t, 200);
    assert_int_equal(n, 92);
    for (int i = 0; i < n; i++)
        assert_false(t[i].start_minute >= 120 && t[i].start_minute < 180);
    for (int i = 1; i < n; i++)
        assert_int_equal(t[i].start - t[i - 1].start, 900); /* no hole in real time */
    assert_int_equal(t[28].start_minute, 480);
    assert_int_equal(t[28].start % 86400, 6 * 3600); /* 08:00 CEST = 06:00Z */
    /* autumn: the repeated hour gets one set of slots */
    assert_int_equal(vx_book_day_slots(&s24, day(2021, 10, 31), 15, t, 200), 96);
    /* capacity and opening days */
    struct vx_site_rec s = {.stations = 4,
                            .minutes_per_dose = 4,
                            .open_minute = 480,
                            .close_minute = 1020,
                            .weekdays = 0x1f};
    assert_int_equal(vx_book_day_slots(&s, day(2021, 3, 29), 15, t, 200), 36);
    assert_int_equal(t[0].capacity, 15);
    assert_int_equal(vx_book_day_slots(&s, day(2021, 3, 27), 15, t, 200), 0); /* Saturday */
    assert_int_equal(vx_book_day_slots(&s, day(2021, 3, 29), 0, t, 200), VX_EINVAL);
    s.minutes_per_dose = 0;
    assert_int_equal(vx_book_day_slots(&s, day(2021, 3, 29), 15, t, 200), 0);
}

static void test_generate_and_sites(void **state)
{
    struct fx *f = *state;
    seed(f, "generate");
    open_engine(f, NULL);
    int n = 0;
    struct vx_err err = {0};
    /* the week of the spring change: Friday 26 March CET, Monday 29 March CEST */
    assert_int_equal(
        vx_book_slots_generate(f->eng, f->s1, "COM", day(2021, 3, 26), day(2021, 3, 29), &n, &err),
        VX_OK);
    assert_int_equal(n, 16); /* two weekdays of 8 slots */
    assert_int_equal(
        vx_book_slots_generate(f->eng, f->s1, "COM", day(2021, 3, 22), day(2021, 3, 29), &n, &err),
        VX_OK);
    assert_int_equal(n, 32); /* 22-25 March; the existing 16 are kept */
    struct vx_book_slot_info a =
        slot_info(f, f->s1, day(2021, 3, 26), slot_at(f, f->s1, day(2021, 3, 26), 480, "COM"));
    struct vx_book_slot_info b =
        slot_info(f, f->s1, day(2021, 3, 29), slot_at(f, f->s1, day(2021, 3, 29), 480, "COM"));
    assert_int_equal(a.start % 86400, 7 * 3600);
    assert_int_equal(b.start % 86400, 6 * 3600);
    assert_int_equal(a.capacity, 6);
    assert_false(a.released); /* no supply yet */
    assert_int_equal(
        vx_book_slots_generate(f->eng, 999, "COM", day(2021, 3, 26), day(2021, 3, 29), &n, &err),
        VX_ENOTFOUND);
    assert_int_equal(
        vx_book_slots_generate(f->eng, f->s1, "NOPE", day(2021, 3, 26), day(2021, 3, 29), &n, &err),
        VX_ENOTFOUND);
    assert_int_equal(db_int(f, "SELECT count(*) FROM slots"), 48);
    /* sites by municipality */
    struct vx_site_rec sites[8];
    assert_int_equal(vx_book_sites(f->eng, "01", "0180", sites, 8, &n), VX_OK);
    assert_int_equal(n, 2);
    assert_string_equal(sites[0].code, "01-T-1");
    assert_int_equal(vx_book_sites(f->eng, "", "0380", sites, 8, &n), VX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(vx_book_sites(f->eng, NULL, NULL, sites, 1, &n), VX_OK);
    assert_int_equal(n, 3);
    assert_int_equal(vx_book_availability(f->eng, 12345, 0, 1, NULL, 0, &n), VX_ENOTFOUND);
}

static void test_release_limited_by_supply(void **state)
{
    struct fx *f = *state;
    seed(f, "supply");
    open_engine(f, NULL);
    cohort(f, "01", "p2-80plus", 1941, at(2021, 3, 15, 8, 0));
    slots(f, f->s2, "COM", day(2021, 3, 26), day(2021, 4, 30));
    /* 3 doses in week 13 (1 delivered, 2 allocated) and nothing else */
    struct vx_supply_rec r = {
        .site_id = f->s2, .vaccine = "COM", .week = {2021, 13}, .allocated = 2, .delivered = 1};
    assert_int_equal(vx_book_supply_set(f->eng, &r, NULL), VX_OK);
    struct vx_book_day_info d[8];
    int n = 0;
    assert_int_equal(
        vx_book_availability_days(f->eng, f->s2, day(2021, 3, 26), day(2021, 3, 29), d, 8, &n),
        VX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(d[0].day, day(2021, 3, 26)); /* week 12: before any supply */
    assert_int_equal(d[0].capacity, 8);
    assert_int_equal(d[0].released, 0);
    assert_int_equal(d[1].released, 3); /* 8 places, 3 doses */
    assert_int_equal(vx_book_supply_left(f->eng, f->s2, "COM", day(2021, 3, 29)), 3);

    vx_time now = NOW;
    int64_t a1 = slot_at(f, f->s2, day(2021, 3, 29), 480, "COM");
    int64_t a2 = slot_at(f, f->s2, day(2021, 4, 19), 480, "COM");
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, now);
    struct vx_book_result res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    /* two doses promised: one in week 13, one reserved in week 16 */
    assert_int_equal(vx_book_supply_left(f->eng, f->s2, "COM", day(2021, 3, 29)), 1);
    /* a second pair needs 4 doses by week 16: not released */
    int64_t b1 = slot_at(f, f->s2, day(2021, 3, 29), 495, "COM");
    int64_t b2 = slot_at(f, f->s2, day(2021, 4, 19), 495, "COM");
    assert_true(slot_info(f, f->s2, day(2021, 3, 29), b1).released);
    q = req(VX_BOOK_OP_BOOK, P_OLD2, b1, b2, now);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_ECONFLICT);
    assert_int_equal(res.reason, VX_BOOK_R_NO_SUPPLY);
    assert_int_equal(slot_info(f, f->s2, day(2021, 3, 29), b1).booked, 0);
    /* a slot in a week without supply is not released either */
    int64_t c1 = slot_at(f, f->s2, day(2021, 3, 26), 480, "COM");
    assert_false(slot_info(f, f->s2, day(2021, 3, 26), c1).released);
    /* supply for week 16 arrives: the pair is released */
    struct vx_supply_rec r16 = {
        .site_id = f->s2, .vaccine = "COM", .week = {2021, 16}, .allocated = 2};
    assert_int_equal(vx_book_supply_set(f->eng, &r16, NULL), VX_OK);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    assert_int_equal(vx_book_supply_left(f->eng, f->s2, "COM", day(2021, 3, 29)), 1);
    assert_int_equal(vx_book_supply_left(f->eng, f->s2, "COM", day(2021, 4, 19)), 1);
    assert_int_equal(db_int(f, "SELECT count(*) FROM site_supply"), 2);
    /* bad supply input */
    r.site_id = 999;
    assert_int_equal(vx_book_supply_set(f->eng, &r, NULL), VX_ENOTFOUND);
    r.site_id = f->s2;
    r.delivered = -1;
    assert_int_equal(vx_book_supply_set(f->eng, &r, NULL), VX_EINVAL);
}

/* ---- booking ---------------------------------------------------------------- */

static void test_book_pair_and_interval(void **state)
{
    struct fx *f = *state;
    scene(f, "pair");
    vx_time now = NOW;
    /* Vaxzevria: dose 2 28..84 days after dose 1 */
    vx_day d1 = day(2021, 3, 30);
    int64_t s1 = slot_at(f, f->s1, d1, 480, "AZ");
    int64_t early = slot_at(f, f->s1, d1 + 27, 480, "AZ");
    int64_t first = slot_at(f, f->s1, d1 + 28, 480, "AZ");
    int64_t last = slot_at(f, f->s1, d1 + 84, 480, "AZ");
    int64_t late = slot_at(f, f->s1, d1 + 85, 480, "AZ");
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, P_OLD, s1, early, now);
    struct vx_book_result res = submit(f, &q);
    assert_int_equal(res.status, VX_ERANGE);
    assert_int_equal(res.reason, VX_BOOK_R_INTERVAL);
    assert_non_null(strstr(res.msg_sv, "2021-04-27"));
    assert_non_null(strstr(res.msg_en, "2021-06-22"));
    q.slot_id[1] = late;
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_INTERVAL);
    q.slot_id[1] = 0;
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_BAD_REQUEST); /* two doses, one slot */
    q.slot_id[1] = slot_at(f, f->s1, d1 + 28, 480, "COM");
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_NO_SLOT); /* another vaccine */
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 0);   /* refusals took nothing */
    q.slot_id[1] = first;
    res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    assert_false(res.replayed);
    assert_true(res.booking_id[0] > 0 && res.booking_id[1] > res.booking_id[0]);
    assert_int_equal(res.dose_number[0], 1);
    assert_int_equal(res.dose_number[1], 2);
    assert_int_equal(res.start[0], at(2021, 3, 30, 8, 0));
    assert_string_equal(res.vaccine, "AZ");
    assert_int_equal(res.site_id, f->s1);
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 1);
    assert_int_equal(slot_info(f, f->s1, d1 + 28, first).booked, 1);
    /* both rows are there, the second paired with the first */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pair_id FROM bookings WHERE id = %lld",
             (long long)res.booking_id[1]);
    assert_int_equal(db_int(f, sql), res.booking_id[0]);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 2);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings b JOIN slots s ON s.id = b.slot_id "
                               "WHERE s.vaccine_code = 'AZ' AND s.day = 20210330 AND "
                               "s.start_minute = 480 AND b.status = 'booked'"),
                     1);
    /* the legacy slots.booked column is not maintained: bookings rows are the count */
    assert_int_equal(db_int(f, "SELECT sum(booked) FROM slots"), 0);
    assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log WHERE action = 'booking.book' "
                               "AND object LIKE 'person:%' AND detail NOT LIKE '%1940%'"),
                     1);
    /* my bookings */
    struct vx_book_booking_info mine[4];
    int n = 0;
    assert_int_equal(vx_book_list_person(f->eng, P_OLD, 0, mine, 4, &n), VX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(mine[0].slot_id, s1);
    assert_int_equal(mine[1].slot_id, first);
    assert_int_equal(mine[1].dose_number, 2);
    assert_int_equal(vx_book_list_person(f->eng, NULL, res.person_id, mine, 4, &n), VX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(vx_book_list_person(f->eng, P_OLD2, 0, mine, 4, &n), VX_OK);
    assert_int_equal(n, 0);
    /* the last day of the interval is inside it */
    q = req(VX_BOOK_OP_REBOOK, P_OLD, s1, last, now);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    assert_int_equal(slot_info(f, f->s1, d1 + 28, first).booked, 0);
    assert_int_equal(slot_info(f, f->s1, d1 + 84, last).booked, 1);
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 1);
    /* a slot in the past */
    q = req(VX_BOOK_OP_BOOK, P_OLD2, slot_at(f, f->s1, day(2021, 3, 26), 480, "COM"),
            slot_at(f, f->s1, day(2021, 4, 16), 480, "COM"), now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_NO_SLOT);
}

static void test_refusals(void **state)
{
    struct fx *f = *state;
    scene(f, "refusals");
    vx_time now = NOW;
    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    int64_t c1 = slot_at(f, f->s1, d1, 480, "COM"), c2 = slot_at(f, f->s1, d2, 480, "COM");
    struct vx_book_result res;
    struct vx_book_req q;

    q = req(VX_BOOK_OP_BOOK, P_YOUNG, c1, c2, now); /* 41 years old in March 2021 */
    res = submit(f, &q);
    assert_int_equal(res.status, VX_EDENIED);
    assert_int_equal(res.reason, VX_BOOK_R_NOT_ELIGIBLE);
    assert_true(strlen(res.msg_sv) > 0 && strlen(res.msg_en) > 0);

    q = req(VX_BOOK_OP_BOOK, P_UPP, c1, c2, now); /* eligible, but region 03 has no release */
    res = submit(f, &q);
    assert_int_equal(res.status, VX_EDENIED);
    assert_int_equal(res.reason, VX_BOOK_R_COHORT_CLOSED);

    q = req(VX_BOOK_OP_BOOK, P_OLD, c1, c2, at(2021, 3, 15, 7, 59)); /* a minute early */
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_COHORT_CLOSED);

    q = req(VX_BOOK_OP_BOOK, "190001010000", c1, c2, now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_NO_PERSON);
    q = req(VX_BOOK_OP_BOOK, "", c1, c2, now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_BAD_REQUEST);

    q = req(VX_BOOK_OP_BOOK, P_OLD, c1, c2, now);
    assert_int_equal(submit(f, &q).status, VX_OK);
    q.slot_id[0] = slot_at(f, f->s1, d1, 495, "COM");
    res = submit(f, &q);
    assert_int_equal(res.status, VX_ECONFLICT);
    assert_int_equal(res.reason, VX_BOOK_R_HAS_SERIES);

    /* fully vaccinated: two doses of Comirnaty recorded */
    db_exec(f, "INSERT INTO doses (person_id, region_code, vaccine_code, dose_number, given_at, "
               "created_at) SELECT id, region_code, 'COM', 1, 1610000000, 0 FROM persons "
               "WHERE pnr = '" P_OLD2 "'; "
               "INSERT INTO doses (person_id, region_code, vaccine_code, dose_number, given_at, "
               "created_at) SELECT id, region_code, 'COM', 2, 1612000000, 0 FROM persons "
               "WHERE pnr = '" P_OLD2 "'");
    q = req(VX_BOOK_OP_BOOK, P_OLD2, c1, c2, now);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_ECONFLICT);
    assert_int_equal(res.reason, VX_BOOK_R_FULLY_VACCINATED);

    /* one dose given: the next booking is dose 2 alone, inside the interval */
    db_exec(f, "INSERT INTO doses (person_id, region_code, vaccine_code, dose_number, given_at, "
               "created_at) SELECT id, region_code, 'COM', 1, 1615800000, 0 FROM persons "
               "WHERE pnr = '" P_OLD3 "'"); /* 2021-03-15 */
    q = req(VX_BOOK_OP_BOOK, P_OLD3, slot_at(f, f->s1, d1, 510, "COM"), 0, now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_INTERVAL); /* 14 days */
    q.slot_id[0] = slot_at(f, f->s1, day(2021, 4, 6), 510, "COM");
    res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    assert_int_equal(res.dose_number[0], 2);
    assert_int_equal(res.booking_id[1], 0);

    /* age: Vaxzevria only 65+ from 2021-03-25; Comirnaty is fine */
    q = req(VX_BOOK_OP_BOOK, P_STAFF, slot_at(f, f->s1, d1, 480, "AZ"),
            slot_at(f, f->s1, d1 + 70, 480, "AZ"), now);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_EDENIED);
    assert_int_equal(res.reason, VX_BOOK_R_AGE);
    assert_non_null(strstr(res.msg_en, "65"));
    q = req(VX_BOOK_OP_BOOK, P_STAFF, slot_at(f, f->s1, d1, 525, "COM"),
            slot_at(f, f->s1, d2, 525, "COM"), now);
    assert_int_equal(submit(f, &q).status, VX_OK);

    /* slot full: S2 has one place per slot */
    supply(f, f->s2, "COM", 2021, 12, 20, 100);
    slots(f, f->s2, "COM", d1, d2);
    int64_t f1 = slot_at(f, f->s2, d1, 480, "COM"), f2 = slot_at(f, f->s2, d2, 480, "COM");
    q = req(VX_BOOK_OP_REBOOK, P_OLD, f1, f2, now);
    assert_int_equal(submit(f, &q).status, VX_OK);
    q = req(VX_BOOK_OP_REBOOK, P_STAFF, f1, f2, now);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_ECONFLICT);
    assert_int_equal(res.reason, VX_BOOK_R_SLOT_FULL);
    assert_int_equal(slot_info(f, f->s2, d1, f1).booked, 1);
    /* the refused rebook left P_STAFF's series as it was */
    struct vx_book_booking_info mine[2];
    int n = 0;
    vx_book_list_person(f->eng, P_STAFF, 0, mine, 2, &n);
    assert_int_equal(n, 2);
    assert_int_equal(mine[0].start_minute, 525);

    /* every refusal left no booking rows behind */
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 5);
    assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log WHERE action = 'booking.refused'"),
                     8);
}

static void test_cancel_and_rebook(void **state)
{
    struct fx *f = *state;
    scene(f, "cancel");
    vx_time now = NOW;
    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    int64_t a1 = slot_at(f, f->s1, d1, 480, "COM"), a2 = slot_at(f, f->s1, d2, 480, "COM");
    int64_t b1 = slot_at(f, f->s1, d1 + 1, 540, "COM"), b2 = slot_at(f, f->s1, d2 + 2, 540, "COM");
    struct vx_book_req q = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_NO_SERIES);
    q = req(VX_BOOK_OP_REBOOK, P_OLD, b1, b2, now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_NO_SERIES);

    q = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, now);
    struct vx_book_result first = submit(f, &q);
    assert_int_equal(first.status, VX_OK);
    int left = vx_book_supply_left(f->eng, f->s1, "COM", d1);

    /* rebook: new times, atomically; old places come back */
    q = req(VX_BOOK_OP_REBOOK, P_OLD, b1, b2, now);
    struct vx_book_result re = submit(f, &q);
    assert_int_equal(re.status, VX_OK);
    assert_true(re.booking_id[0] > first.booking_id[1]);
    assert_int_equal(slot_info(f, f->s1, d1, a1).booked, 0);
    assert_int_equal(slot_info(f, f->s1, d2, a2).booked, 0);
    assert_int_equal(slot_info(f, f->s1, d1 + 1, b1).booked, 1);
    assert_int_equal(vx_book_supply_left(f->eng, f->s1, "COM", d1), left);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'cancelled'"), 2);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 2);
    /* a rebook outside the interval is refused and keeps the series */
    q = req(VX_BOOK_OP_REBOOK, P_OLD, a1, slot_at(f, f->s1, d1 + 7, 480, "COM"), now);
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_INTERVAL);
    assert_int_equal(slot_info(f, f->s1, d1 + 1, b1).booked, 1);

    /* cancel: capacity returns when the completion arrives */
    q = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, now);
    struct vx_book_result c = submit(f, &q);
    assert_int_equal(c.status, VX_OK);
    assert_int_equal(c.booking_id[0], re.booking_id[0]);
    assert_int_equal(slot_info(f, f->s1, d1 + 1, b1).booked, 0);
    /* week 13 gets its dose back (the reserved dose 2 lies in a later week) */
    assert_int_equal(vx_book_supply_left(f->eng, f->s1, "COM", d1), left + 1);
    assert_int_equal(vx_book_supply_left(f->eng, f->s1, "COM", d2), 5000); /* weeks 12-16 */
    struct vx_book_booking_info mine[2];
    int n = 0;
    vx_book_list_person(f->eng, P_OLD, 0, mine, 2, &n);
    assert_int_equal(n, 0);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 0);
    assert_int_equal(db_int(f, "SELECT sum(booked) FROM slots"), 0);
    /* and the person may book again */
    q = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, now);
    assert_int_equal(submit(f, &q).status, VX_OK);
    struct vx_book_stats stats;
    vx_book_stats_get(f->eng, &stats);
    assert_int_equal(stats.bookings, 6);
    assert_int_equal(stats.cancellations, 4);
    /* the writer ran batches and waited for requests; its clocks moved */
    assert_true(stats.writer_busy_ns > 0);
    assert_true(stats.writer_idle_ns > 0);
}

static void test_idempotency_replay(void **state)
{
    struct fx *f = *state;
    scene(f, "idem");
    vx_time now = NOW;
    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    int64_t a1 = slot_at(f, f->s1, d1, 480, "COM"), a2 = slot_at(f, f->s1, d2, 480, "COM");
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, now);
    snprintf(q.idem_key, sizeof q.idem_key, "7f1c6d1e-2b1a-4c55-9a0e-1d6c3b0e2a11");
    struct vx_book_result r1 = submit(f, &q);
    assert_int_equal(r1.status, VX_OK);
    struct vx_book_result r2 = submit(f, &q); /* the client retries */
    assert_int_equal(r2.status, VX_OK);
    assert_true(r2.replayed);
    assert_int_equal(r2.booking_id[0], r1.booking_id[0]);
    assert_int_equal(r2.booking_id[1], r1.booking_id[1]);
    assert_int_equal(r2.start[1], r1.start[1]);
    assert_int_equal(r2.dose_number[1], 2);
    assert_int_equal(slot_info(f, f->s1, d1, a1).booked, 1);
    /* the same key for another operation is a conflict */
    struct vx_book_req c = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, now);
    memcpy(c.idem_key, q.idem_key, sizeof c.idem_key);
    assert_int_equal(submit(f, &c).reason, VX_BOOK_R_KEY_REUSED);
    /* the same key of another person is that person's own key */
    struct vx_book_req other = req(VX_BOOK_OP_BOOK, P_OLD2, a1, a2, now);
    memcpy(other.idem_key, q.idem_key, sizeof other.idem_key);
    struct vx_book_result r3 = submit(f, &other);
    assert_int_equal(r3.status, VX_OK);
    assert_false(r3.replayed);
    /* a refusal is replayed too */
    struct vx_book_req young = req(VX_BOOK_OP_BOOK, P_YOUNG, a1, a2, now);
    snprintf(young.idem_key, sizeof young.idem_key, "k-young");
    assert_int_equal(submit(f, &young).reason, VX_BOOK_R_NOT_ELIGIBLE);
    struct vx_book_result ry = submit(f, &young);
    assert_true(ry.replayed);
    assert_int_equal(ry.reason, VX_BOOK_R_NOT_ELIGIBLE);
    assert_int_equal(ry.status, VX_EDENIED);
    /* after a restart */
    reopen_engine(f, NULL);
    struct vx_book_result r4 = submit(f, &q);
    assert_true(r4.replayed);
    assert_int_equal(r4.booking_id[0], r1.booking_id[0]);
    /* the refusal too: the engine's filter of persons with keyed outcomes (idem.c) was
     * filled from booking_requests and the keyed bookings rows when it opened */
    struct vx_book_result ry2 = submit(f, &young);
    assert_true(ry2.replayed);
    assert_int_equal(ry2.reason, VX_BOOK_R_NOT_ELIGIBLE);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings"), 4);
    /* a booked series keeps its key in its rows; booking_requests has the refusal only */
    assert_int_equal(db_int(f, "SELECT count(*) FROM booking_requests"), 1);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE idempotency_key = "
                               "'7f1c6d1e-2b1a-4c55-9a0e-1d6c3b0e2a11' AND idem_op = 1"),
                     4);
    /* a cancelled series still answers its key with what it booked */
    struct vx_book_req cq = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, now);
    snprintf(cq.idem_key, sizeof cq.idem_key, "k-cancel");
    assert_int_equal(submit(f, &cq).status, VX_OK);
    assert_int_equal(db_int(f, "SELECT count(*) FROM booking_requests"), 2);
    struct vx_book_result r5 = submit(f, &q);
    assert_true(r5.replayed);
    assert_int_equal(r5.status, VX_OK);
    assert_int_equal(r5.booking_id[1], r1.booking_id[1]);
    assert_int_equal(r5.start[0], r1.start[0]);
    assert_int_equal(r5.site_id, r1.site_id);
    assert_string_equal(r5.vaccine, "COM");
    struct vx_book_stats st;
    vx_book_stats_get(f->eng, &st);
    assert_int_equal(st.replayed, 3);
    /* and a cancelled series' key after another restart (its rows are not active) */
    reopen_engine(f, NULL);
    struct vx_book_result r6 = submit(f, &q);
    assert_true(r6.replayed);
    assert_int_equal(r6.booking_id[0], r1.booking_id[0]);
    /* a key never used before is not a replay (the filter may say "maybe": a look-up) */
    struct vx_book_req fresh = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, now);
    snprintf(fresh.idem_key, sizeof fresh.idem_key, "k-fresh");
    assert_false(submit(f, &fresh).replayed);
}

/* ---- group commit under concurrency ----------------------------------------- */

#define N_THREADS  8
#define PER_THREAD 50

struct race {
    struct fx *f;
    char (*pnrs)[13];
    int64_t d1[8], d2[8]; /* dose-1 and dose-2 slots, paired by index */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending, ok, full, other;
};

static void race_done(void *ctx, const struct vx_book_result *res)
{
    struct race *r = ctx;
    pthread_mutex_lock(&r->mu);
    if (res->status == VX_OK)
        r->ok++;
    else if (res->reason == VX_BOOK_R_SLOT_FULL)
        r->full++;
    else
        r->other++;
    r->pending--;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

struct racer {
    struct race *r;
    int t;
};

static void *racer_main(void *arg)
{
    struct racer *me = arg;
    struct race *r = me->r;
    for (int i = 0; i < PER_THREAD; i++) {
        int k = (me->t + i) % 8;
        struct vx_book_req q = req(VX_BOOK_OP_BOOK, r->pnrs[me->t * PER_THREAD + i], r->d1[k],
                                   r->d2[k], at(2021, 9, 1, 9, 0));
        if (vx_book_submit(r->f->eng, &q, race_done, r) != VX_OK) {
            pthread_mutex_lock(&r->mu);
            r->pending--;
            r->other++;
            pthread_mutex_unlock(&r->mu);
        }
    }
    return NULL;
}

/* 400 requests from 8 threads for 48 places; `sync_inline` picks how commits are
 * made durable (default: the sync thread; else COMMIT with synchronous=FULL). */
static void group_commit_race(struct fx *f, bool sync_inline)
{
    seed(f, sync_inline ? "race-inline" : "race");
    /* 400 adults from the Skatteverket list, all in region 01 */
    static char pnrs[N_THREADS * PER_THREAD][13];
    size_t len;
    char *text = slurp(TESTPNR_PATH, &len);
    struct vx_store *st = NULL;
    assert_int_equal(vx_store_open_sqlite(f->path, &st, NULL), VX_OK);
    assert_int_equal(vx_store_begin(st), VX_OK);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line && n < N_THREADS * PER_THREAD;
         line = strtok_r(NULL, "\r\n", &save)) {
        if (strlen(line) != 12 || strncmp(line, "1930", 4) < 0 || strncmp(line, "1999", 4) > 0)
            continue;
        if (!strcmp(line, P_OLD) || !strcmp(line, P_OLD2) || !strcmp(line, P_OLD3) ||
            !strcmp(line, P_UPP) || !strcmp(line, P_YOUNG) || !strcmp(line, P_STAFF))
            continue;
        snprintf(pnrs[n], sizeof pnrs[n], "%s", line);
        add_person(st, line, "01", "0180", 0);
        n++;
    }
    free(text);
    assert_int_equal(n, N_THREADS * PER_THREAD);
    assert_int_equal(vx_store_commit(st), VX_OK);
    vx_store_close(st);

    struct vx_book_opts o = {.batch_max = 64, .queue_cap = 128, .sync_inline = sync_inline};
    open_engine(f, &o);
    /* S1: 6 places a slot; 8 dose-1 slots on 6 Sep, 8 dose-2 slots on 27 Sep */
    supply(f, f->s1, "COM", 2021, 35, 40, 1000);
    slots(f, f->s1, "COM", day(2021, 9, 6), day(2021, 9, 27));
    cohort(f, "01", "p4-18plus", 2003, at(2021, 7, 9, 8, 0));
    struct race r = {.f = f, .pnrs = pnrs, .pending = N_THREADS * PER_THREAD};
    for (int k = 0; k < 8; k++) {
        r.d1[k] = slot_at(f, f->s1, day(2021, 9, 6), 480 + 15 * k, "COM");
        r.d2[k] = slot_at(f, f->s1, day(2021, 9, 27), 480 + 15 * k, "COM");
    }
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    pthread_t th[N_THREADS];
    struct racer me[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        me[t] = (struct racer){&r, t};
        assert_int_equal(pthread_create(&th[t], NULL, racer_main, &me[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_lock(&r.mu);
    while (r.pending > 0)
        pthread_cond_wait(&r.cv, &r.mu);
    pthread_mutex_unlock(&r.mu);
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);

    assert_int_equal(r.other, 0);
    assert_int_equal(r.ok, 48); /* 8 slots x 6 places, every pair fits its dose-2 slot */
    assert_int_equal(r.full, N_THREADS * PER_THREAD - 48);
    /* the database agrees: no slot holds more than its capacity */
    assert_int_equal(db_int(f, "SELECT count(*) FROM slots s WHERE (SELECT count(*) FROM "
                               "bookings b WHERE b.slot_id = s.id AND b.status = 'booked') "
                               "> s.capacity"),
                     0);
    assert_int_equal(db_int(f, "SELECT sum(booked) FROM slots"), 0); /* not maintained */
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 96);
    struct vx_book_stats stats;
    vx_book_stats_get(f->eng, &stats);
    assert_int_equal(stats.completed, N_THREADS * PER_THREAD);
    assert_int_equal(stats.bookings, 96);
    assert_int_equal(stats.refused, N_THREADS * PER_THREAD - 48);
    assert_int_equal(stats.queue_cap, 128);
    uint64_t batches = 0;
    for (int i = 0; i < VX_BOOK_HIST_BUCKETS; i++)
        batches += stats.batch_hist[i];
    assert_true(batches >= 1 && batches <= stats.batches);
    /* pipelined: every answer waited for a sync; one sync may cover several buffers */
    if (sync_inline)
        assert_int_equal(stats.syncs, 0);
    else
        assert_true(stats.syncs >= 1 && stats.syncs <= stats.batches);

    /* restart: the counters are rebuilt from the bookings */
    struct vx_book_day_info before[4], after[4];
    assert_int_equal(
        vx_book_availability_days(f->eng, f->s1, day(2021, 9, 6), day(2021, 9, 6), before, 4, &n),
        VX_OK);
    assert_int_equal(n, 1);
    int left = vx_book_supply_left(f->eng, f->s1, "COM", day(2021, 9, 6));
    reopen_engine(f, &o);
    assert_int_equal(
        vx_book_availability_days(f->eng, f->s1, day(2021, 9, 6), day(2021, 9, 6), after, 4, &n),
        VX_OK);
    assert_int_equal(after[0].booked, 48);
    assert_int_equal(after[0].booked, before[0].booked);
    assert_int_equal(after[0].released, 0);
    assert_int_equal(vx_book_supply_left(f->eng, f->s1, "COM", day(2021, 9, 6)), left);
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, pnrs[0], r.d1[0], r.d2[0], at(2021, 9, 1, 9, 0));
    struct vx_book_result res = submit(f, &q);
    assert_true(res.reason == VX_BOOK_R_HAS_SERIES || res.reason == VX_BOOK_R_SLOT_FULL);
}

static void test_group_commit_concurrent(void **state)
{
    group_commit_race(*state, false);
}

static void test_group_commit_sync_inline(void **state)
{
    group_commit_race(*state, true);
}

static void test_commit_each_mode(void **state)
{
    struct fx *f = *state;
    seed(f, "each");
    struct vx_book_opts o = {.commit_each = true};
    open_engine(f, &o);
    supply(f, f->s1, "COM", 2021, 12, 20, 100);
    slots(f, f->s1, "COM", day(2021, 3, 29), day(2021, 4, 19));
    cohort(f, "01", "p2-80plus", 1941, at(2021, 3, 15, 8, 0));
    struct vx_book_stats a, b;
    vx_book_stats_get(f->eng, &a);
    const char *who[] = {P_OLD, P_OLD2, P_OLD3};
    for (int i = 0; i < 3; i++) {
        struct vx_book_req q =
            req(VX_BOOK_OP_BOOK, who[i], slot_at(f, f->s1, day(2021, 3, 29), 480, "COM"),
                slot_at(f, f->s1, day(2021, 4, 19), 480, "COM"), NOW);
        assert_int_equal(submit(f, &q).status, VX_OK);
    }
    vx_book_stats_get(f->eng, &b);
    assert_int_equal(b.batches - a.batches, 3);
    assert_int_equal(b.batch_hist[0], 3);
}

/* ---- failures inside a batch and at commit ------------------------------------ */

struct many {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending;
    struct vx_book_result res[4];
};

static void many_done(void *ctx, const struct vx_book_result *res)
{
    struct many *m = ctx;
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < 4; i++) {
        if (!m->res[i].person_id) {
            m->res[i] = *res;
            break;
        }
    }
    m->pending--;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* Submit three pairs at once (usually one batch) and wait for all outcomes. */
static void submit_three(struct fx *f, struct many *m, vx_day d1, vx_day d2)
{
    const char *who[] = {P_OLD, P_OLD2, P_OLD3};
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    m->pending = 3;
    for (int i = 0; i < 3; i++) {
        struct vx_book_req q = req(VX_BOOK_OP_BOOK, who[i], slot_at(f, f->s1, d1, 480, "COM"),
                                   slot_at(f, f->s1, d2, 480, "COM"), NOW);
        assert_int_equal(vx_book_submit(f->eng, &q, many_done, m), VX_OK);
    }
    pthread_mutex_lock(&m->mu);
    while (m->pending)
        pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
}

static void test_failed_write_and_commit(void **state)
{
    struct fx *f = *state;
    scene(f, "fail");
    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    int64_t s1 = slot_at(f, f->s1, d1, 480, "COM");
    /* a write of P_OLD2's booking fails: only that request fails, the rest commit */
    db_exec(f, "CREATE TRIGGER fail_write BEFORE INSERT ON bookings WHEN NEW.person_id = "
               "(SELECT id FROM persons WHERE pnr = '" P_OLD2 "') "
               "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    struct many m;
    submit_three(f, &m, d1, d2);
    int ok = 0, failed = 0;
    for (int i = 0; i < 3; i++) {
        if (m.res[i].status == VX_OK)
            ok++;
        else if (m.res[i].reason == VX_BOOK_R_STORE && m.res[i].status == VX_ESTORE)
            failed++;
    }
    assert_int_equal(ok, 2);
    assert_int_equal(failed, 1);
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 2); /* the failed one rolled back */
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings"), 4);
    struct vx_book_booking_info mine[2];
    int n = 0;
    vx_book_list_person(f->eng, P_OLD2, 0, mine, 2, &n);
    assert_int_equal(n, 0);

    /* a COMMIT that fails (a deferred foreign key checked at commit): the whole batch
     * fails and every counter is rolled back. The store checks foreign keys in booking
     * batches only with opts.store_fk (by default the writer checks the references) */
    reopen_engine(f, &(struct vx_book_opts){.store_fk = true});
    db_exec(f, "DROP TRIGGER fail_write; "
               "CREATE TABLE fail_parent (id INTEGER PRIMARY KEY); "
               "CREATE TABLE fail_child (p INTEGER REFERENCES fail_parent (id) "
               "  DEFERRABLE INITIALLY DEFERRED); "
               "CREATE TRIGGER fail_commit AFTER INSERT ON bookings "
               "BEGIN INSERT INTO fail_child VALUES (999); END");
    int left = vx_book_supply_left(f->eng, f->s1, "COM", d1);
    struct vx_book_req c = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, NOW);
    assert_int_equal(submit(f, &c).status, VX_OK); /* no booking insert: commits */
    struct vx_book_req c3 = req(VX_BOOK_OP_CANCEL, P_OLD3, 0, 0, NOW);
    assert_int_equal(submit(f, &c3).status, VX_OK);
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 0);
    submit_three(f, &m, d1, d2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m.res[i].reason, VX_BOOK_R_STORE);
    assert_int_equal(slot_info(f, f->s1, d1, s1).booked, 0);
    assert_int_equal(vx_book_supply_left(f->eng, f->s1, "COM", d1), left + 2);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'booked'"), 0);
    vx_book_list_person(f->eng, P_OLD, 0, mine, 2, &n);
    assert_int_equal(n, 0);
    /* the writer carries on once the fault is gone */
    db_exec(f, "DROP TRIGGER fail_commit");
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, P_OLD, s1, slot_at(f, f->s1, d2, 480, "COM"), NOW);
    assert_int_equal(submit(f, &q).status, VX_OK);
    struct vx_book_stats st;
    vx_book_stats_get(f->eng, &st);
    assert_int_equal(st.failed, 3); /* since the reopen: the failed commit's three */
}

/* ---- invitations, call centre ----------------------------------------------- */

static void test_invitation_code(void **state)
{
    struct fx *f = *state;
    scene(f, "invite");
    vx_time now = NOW;
    char code[VX_BOOK_CODE_LEN + 1];
    struct vx_err err = {0};
    assert_int_equal(
        vx_book_invite_create(f->eng, P_OLD3, at(2021, 5, 31, 23, 59), "coord-1", code, &err),
        VX_OK);
    assert_int_equal(strlen(code), VX_BOOK_CODE_LEN);
    assert_int_equal(code[4], '-');
    assert_int_equal(
        vx_book_invite_create(f->eng, "190001010000", now, "c", code + 0, &err) == VX_OK, 0);
    assert_int_equal(
        vx_book_invite_create(f->eng, P_OLD3, at(2021, 5, 31, 23, 59), "coord-1", code, &err),
        VX_OK);
    /* only the hash is stored */
    char norm[13];
    assert_true(vx_book_code_normalise(code, norm));
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM invitation_codes WHERE code_hash LIKE '%%%s%%'",
             norm);
    assert_int_equal(db_int(f, sql), 0);
    assert_int_equal(db_int(f, "SELECT count(*) FROM invitation_codes"), 2);
    /* typed sloppily: lower case, spaces */
    char typed[24];
    snprintf(typed, sizeof typed, " %c%c%c%c %c%c%c%c-%c%c%c%c", norm[0] | 0x20, norm[1], norm[2],
             norm[3], norm[4], norm[5], norm[6], norm[7], norm[8], norm[9], norm[10], norm[11]);
    assert_false(vx_book_code_normalise("ABCD-EFGH-IJKL", norm)); /* I is not a symbol */
    assert_false(vx_book_code_normalise("ABCD-EFGH", norm));

    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    struct vx_book_req q = req(VX_BOOK_OP_BOOK, NULL, slot_at(f, f->s1, d1, 480, "COM"),
                               slot_at(f, f->s1, d2, 480, "COM"), now);
    snprintf(q.code, sizeof q.code, "%s", "2345-6789-ABCD");
    assert_int_equal(submit(f, &q).reason, VX_BOOK_R_BAD_CODE);
    snprintf(q.code, sizeof q.code, "%s", typed);
    struct vx_book_req late = q;
    late.now = at(2021, 6, 1, 9, 0);
    assert_int_equal(submit(f, &late).reason, VX_BOOK_R_BAD_CODE); /* expired */
    struct vx_book_result res = submit(f, &q);
    assert_int_equal(res.status, VX_OK);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE channel = 'invitation'"), 2);
    assert_int_equal(db_int(f, "SELECT count(*) FROM invitation_codes WHERE used_at IS NOT NULL"),
                     1);
    /* cancelled by phone, then the same code again: used */
    struct vx_book_req c = req(VX_BOOK_OP_CANCEL, P_OLD3, 0, 0, now);
    assert_int_equal(submit(f, &c).status, VX_OK);
    res = submit(f, &q);
    assert_int_equal(res.status, VX_ECONFLICT);
    assert_int_equal(res.reason, VX_BOOK_R_CODE_USED);

    /* the letter */
    struct vx_buf pdf;
    vx_buf_init(&pdf, 1 << 20);
    struct vx_book_letter l = {.name = "Test Testsson",
                               .address = {"Testgatan 1", "111 11 Stockholm", NULL},
                               .region_name = "Region Stockholm",
                               .code = code,
                               .expires = day(2021, 5, 31),
                               .web = "https://vaxchain.example/boka",
                               .phone = "0771-11 11 11"};
    assert_int_equal(vx_book_letter_pdf(&l, &pdf), VX_OK);
    assert_true(pdf.len > 500);
    assert_memory_equal(pdf.data, "%PDF", 4);
    vx_buf_release(&pdf);
    vx_buf_init(&pdf, 100); /* too small */
    assert_int_equal(vx_book_letter_pdf(&l, &pdf), VX_ENOMEM);
    vx_buf_release(&pdf);
    /* cairo and fontconfig keep process-wide caches; free them so LeakSanitizer
     * sees only our memory (fontconfig is reached through cairo, hence dlsym) */
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}

static void test_call_centre_agent(void **state)
{
    struct fx *f = *state;
    scene(f, "agent");
    struct vx_book_req q =
        req(VX_BOOK_OP_BOOK, P_OLD, slot_at(f, f->s1, day(2021, 3, 29), 480, "COM"),
            slot_at(f, f->s1, day(2021, 4, 19), 480, "COM"), NOW);
    q.channel = VX_CHANNEL_CALL_CENTRE;
    snprintf(q.agent_id, sizeof q.agent_id, "agent-7");
    snprintf(q.actor, sizeof q.actor, "agent-7");
    snprintf(q.role, sizeof q.role, "callcentre");
    assert_int_equal(submit(f, &q).status, VX_OK);
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE channel = 'call_centre' "
                               "AND agent_id = 'agent-7'"),
                     2);
    assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log WHERE actor = 'agent-7' AND "
                               "role = 'callcentre' AND action = 'booking.book'"),
                     1);
    /* the row names the bookings, slots, channel and agent, never the personnummer */
    char want[400];
    snprintf(want, sizeof want,
             "SELECT count(*) FROM audit_log WHERE actor = 'agent-7' AND object = 'person:' || "
             "(SELECT person_id FROM bookings WHERE agent_id = 'agent-7' LIMIT 1) AND detail = "
             "'bookings=' || (SELECT min(id) FROM bookings WHERE agent_id = 'agent-7') || ',' || "
             "(SELECT max(id) FROM bookings WHERE agent_id = 'agent-7') || ' slots=%lld,%lld "
             "channel=call_centre agent=agent-7 reason=none'",
             (long long)q.slot_id[0], (long long)q.slot_id[1]);
    assert_int_equal(db_int(f, want), 1);
    struct vx_book_booking_info mine[2];
    int n = 0;
    vx_book_list_person(f->eng, P_OLD, 0, mine, 2, &n);
    assert_int_equal(n, 2);
    assert_int_equal(mine[0].channel, VX_CHANNEL_CALL_CENTRE);
    assert_string_equal(mine[0].agent_id, "agent-7");
    /* an audit row queued by a reader rides the next batch */
    struct vx_audit_rec a = {.at = NOW,
                             .actor = "agent-7",
                             .action = "booking.read",
                             .object = "person:1",
                             .region = "01"};
    assert_int_equal(vx_book_audit(f->eng, &a), VX_OK);
    vx_book_engine_close(f->eng); /* drains the queue */
    f->eng = NULL;
    assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log WHERE action = 'booking.read'"), 1);
    struct vx_book_req bad;
    memset(&bad, 0, sizeof bad);
    assert_int_equal(vx_book_submit(NULL, &bad, NULL, NULL), VX_EINVAL);
}

static void test_cohort_validation(void **state)
{
    struct fx *f = *state;
    seed(f, "cohort");
    open_engine(f, NULL);
    struct vx_cohort_rec c = {.release_at = NOW, .rule_ids = "p2-80plus,nope"};
    struct vx_err err = {0};
    assert_int_equal(vx_book_cohort_release(f->eng, &c, NULL, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "nope"));
    struct vx_cohort_rec none = {.release_at = NOW};
    assert_int_equal(vx_book_cohort_release(f->eng, &none, NULL, &err), VX_EINVAL);
    struct vx_cohort_rec born = {
        .release_at = at(2021, 3, 15, 8, 0), .born_to = 1941, .region = "01"};
    assert_int_equal(vx_book_cohort_release(f->eng, &born, NULL, &err), VX_OK);
    struct vx_person p;
    memset(&p, 0, sizeof p);
    struct vx_pnr_opts o = vx_pnr_opts_default(day(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(P_OLD, &o, &p.pnr, NULL), VX_OK);
    memcpy(p.region, "01", 3);
    assert_true(vx_book_cohort_open(f->eng, &p, NOW));
    assert_false(vx_book_cohort_open(f->eng, &p, at(2021, 3, 15, 7, 0)));
    memcpy(p.region, "03", 3);
    assert_false(vx_book_cohort_open(f->eng, &p, NOW));
    assert_string_equal(vx_book_reason_code(VX_BOOK_R_SLOT_FULL), "slot_full");
    assert_string_equal(vx_book_reason_code(VX_BOOK_R_COUNT), "unknown");
}

/* The checkpointer (ckpt.c): with a short log it copies in the background, the
 * writer copies the rest between batches, and the log starts over, so the file
 * stays small; nothing is lost and the database is intact. */
static void test_checkpointer(void **state)
{
    struct fx *f = *state;
    scene(f, "ckpt");
    reopen_engine(f, &(struct vx_book_opts){.wal_pages = 40});
    vx_day d1 = day(2021, 3, 29), d2 = day(2021, 4, 19);
    int64_t a1 = slot_at(f, f->s1, d1, 480, "COM"), a2 = slot_at(f, f->s1, d2, 480, "COM");
    for (int i = 0; i < 150; i++) {
        struct vx_book_req q = req(VX_BOOK_OP_BOOK, P_OLD, a1, a2, NOW);
        assert_int_equal(submit(f, &q).status, VX_OK);
        q = req(VX_BOOK_OP_CANCEL, P_OLD, 0, 0, NOW);
        assert_int_equal(submit(f, &q).status, VX_OK);
    }
    struct vx_book_stats st;
    vx_book_stats_get(f->eng, &st);
    assert_true(st.ckpt_cycles >= 2);
    assert_true(st.ckpt_passes >= st.ckpt_cycles);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_true(sb.st_size < 4 << 20); /* 300 commits without a restart: ~10 MiB */
    assert_int_equal(db_int(f, "SELECT count(*) FROM bookings WHERE status = 'cancelled'"), 300);
    assert_int_equal(db_int(f, "SELECT count(*) FROM pragma_integrity_check WHERE "
                               "integrity_check <> 'ok'"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_slots_dst),
        cmocka_unit_test_setup_teardown(test_generate_and_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_limited_by_supply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_book_pair_and_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_rebook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_sync_inline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_each_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_and_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invitation_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_centre_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cohort_validation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
