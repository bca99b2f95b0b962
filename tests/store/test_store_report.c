/*
 * test_store_report.c — storage of the traffic-light reports (st->ops->report) and the
 * figures the suggestion rules read, on the SQLite backend through `struct vx_store *`.
 *
 * Fixture: a fresh migrated database under $VX_TEST_TMP with the real regions and
 * municipalities, one health centre in Uppsala (region 03), six persons with
 * Skatteverket test numbers, seven doses in early March 2021, deliveries in weeks 8
 * and 9, two slots with four bookings (one cancelled). Every figure is checked against
 * the count the fixture implies.
 *
 * Covered: filing and reading back every field, a second filing superseding the first
 * (history kept, one current row), reads by region/month/history, a refused filing
 * (unknown region) leaving nothing behind, the triggers that keep history, figures,
 * and vx_tl_gather / vx_tl_compile_store on top of them; the phase delay from the
 * statistics cubes (before and after the population count, shipped and stricter targets)
 * and the register backlog (never exported, exported, a dose left behind for 2 and 4
 * days, exported again).
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
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vx/import.h"
#include "vx/regx.h"
#include "vx/report.h"
#include "vx/stats.h"
#include "vx/store.h"
#include "vx/store_report.h"
#include "../common/person.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

#define ASSERT_OK(st, e)                                                                           \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s (%s)", #e, vx_strerror(rc_), (st)->err);                              \
    } while (0)

static char dbpath[512];

static vx_time at(int y, int m, int d, int minute)
{
    vx_time t = 0;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), minute, &t, NULL), VX_OK);
    return t;
}

static int64_t person(struct vx_store *st, const char *norm)
{
    return test_put_person(st, norm, "03", "0380");
}

static void dose(struct vx_store *st, int64_t pid, int64_t site, int n, vx_time t)
{
    struct vx_dose_rec d;
    memset(&d, 0, sizeof d);
    d.person_id = pid;
    snprintf(d.region, sizeof d.region, "03");
    snprintf(d.vaccine, sizeof d.vaccine, "COM");
    d.dose_number = n;
    d.given_at = t;
    d.site_id = site;
    snprintf(d.source, sizeof d.source, "recorded");
    ASSERT_OK(st, st->ops->dose_put(st, &d, NULL));
}

static struct vx_store *open_fixture(void)
{
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(dbpath, sizeof dbpath, "%s/store-report-%d.db", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    unlink(dbpath);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, &err), VX_OK);
    assert_int_equal(vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err), VX_OK);
    ASSERT_OK(st, st->ops->vaccine_put(st, "COM", "Comirnaty", "{}"));
    struct vx_site_rec s = {.kind = VX_SITE_HEALTH_CENTRE,
                            .stations = 2,
                            .minutes_per_dose = 10,
                            .open_minute = 480,
                            .close_minute = 1020,
                            .weekdays = 31};
    snprintf(s.code, sizeof s.code, "03-VC-TEST");
    snprintf(s.name, sizeof s.name, "Vårdcentralen Test");
    snprintf(s.region, sizeof s.region, "03");
    snprintf(s.kommun, sizeof s.kommun, "0380");
    int64_t site = 0;
    ASSERT_OK(st, st->ops->site_put(st, &s, &site));
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int64_t pid[6];
    int n = 0;
    while (n < 6 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == 12 && strncmp(line, "1940", 4) >= 0 && strncmp(line, "1950", 4) < 0)
            pid[n++] = person(st, line);
    }
    fclose(f);
    assert_int_equal(n, 6);
    for (int i = 0; i < 5; i++)
        dose(st, pid[i], site, 1, at(2021, 3, 1 + i, 600));
    dose(st, pid[0], site, 2, at(2021, 3, 6, 600));
    dose(st, pid[1], site, 2, at(2021, 3, 6, 660));
    struct vx_supply_rec sup = {.site_id = site, .week = {2021, 8}, .delivered = 30};
    snprintf(sup.vaccine, sizeof sup.vaccine, "COM");
    ASSERT_OK(st, st->ops->supply_put(st, &sup));
    sup.week.week = 9;
    sup.delivered = 60;
    ASSERT_OK(st, st->ops->supply_put(st, &sup));
    int64_t slot[2];
    for (int i = 0; i < 2; i++) {
        struct vx_slot_rec sl = {.site_id = site,
                                 .day = vx_day_from_ymd(2021, 3, 5),
                                 .start_minute = 600 + 15 * i,
                                 .minutes = 15,
                                 .capacity = 5};
        snprintf(sl.region, sizeof sl.region, "03");
        snprintf(sl.vaccine, sizeof sl.vaccine, "COM");
        ASSERT_OK(st, st->ops->slot_put(st, &sl, &slot[i]));
    }
    for (int i = 0; i < 4; i++) {
        struct vx_booking_rec b = {.person_id = pid[2 + i],
                                   .slot_id = slot[i % 2],
                                   .dose_number = 2,
                                   .status = i == 3 ? VX_BOOKING_CANCELLED : VX_BOOKING_BOOKED,
                                   .created_at = at(2021, 3, 3, 700)};
        snprintf(b.region, sizeof b.region, "03");
        ASSERT_OK(st, st->ops->booking_put(st, &b, NULL));
    }
    return st;
}

static void close_fixture(struct vx_store *st)
{
    vx_store_close(st);
    char p[600];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static void report_of(struct vx_tl_report *r, const char *region, int month, const char *by,
                      vx_time when)
{
    memset(r, 0, sizeof *r);
    snprintf(r->region, sizeof r->region, "%s", region);
    r->month = month;
    snprintf(r->filed_by, sizeof r->filed_by, "%s", by);
    r->filed_at = when;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        r->area[a].color = VX_TL_GREEN;
}

struct got {
    int n;
    struct vx_tl_report r[8];
};

static int collect(void *ctx, const struct vx_tl_report *r)
{
    struct got *g = ctx;
    if (g->n < 8)
        g->r[g->n++] = *r;
    return 0;
}

static void test_file_and_history(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    struct vx_tl_report r, back;
    report_of(&r, "03", 202103, "coord03", at(2021, 3, 8, 600));
    r.area[VX_TL_MUNICIPAL].color = VX_TL_YELLOW;
    snprintf(r.area[VX_TL_MUNICIPAL].reason, VX_TL_REASON_MAX,
             "Hemtjänstlistorna från kommunerna är försenade");
    int64_t id1 = 0, id2 = 0;
    ASSERT_OK(st, st->ops->report->file(st, &r, &id1));
    assert_true(id1 > 0);
    assert_int_equal(st->ops->report->get(st, "03", 202103, &back), VX_OK);
    assert_int_equal(back.id, id1);
    assert_string_equal(back.filed_by, "coord03");
    assert_int_equal(back.filed_at, r.filed_at);
    assert_int_equal(back.superseded_by, 0);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        assert_int_equal(back.area[a].color, r.area[a].color);
        assert_string_equal(back.area[a].reason, r.area[a].reason);
    }
    assert_int_equal(st->ops->report->get(st, "03", 202102, &back), VX_ENOTFOUND);
    assert_int_equal(st->ops->report->get(st, "01", 202103, &back), VX_ENOTFOUND);

    /* a second filing for March supersedes the first, which is kept */
    r.area[VX_TL_MUNICIPAL].color = VX_TL_GREEN;
    r.area[VX_TL_MUNICIPAL].reason[0] = '\0';
    r.filed_at = at(2021, 3, 9, 600);
    ASSERT_OK(st, st->ops->report->file(st, &r, &id2));
    assert_true(id2 > id1);
    assert_int_equal(st->ops->report->get(st, "03", 202103, &back), VX_OK);
    assert_int_equal(back.id, id2);
    assert_int_equal(back.area[VX_TL_MUNICIPAL].color, VX_TL_GREEN);
    struct got g = {0};
    ASSERT_OK(st, st->ops->report->foreach (st, "03", 202103, true, collect, &g));
    assert_int_equal(g.n, 2);
    assert_int_equal(g.r[0].id, id1);
    assert_int_equal(g.r[0].superseded_by, id2);
    assert_int_equal(g.r[0].superseded_at, at(2021, 3, 9, 600));
    assert_int_equal(g.r[0].area[VX_TL_MUNICIPAL].color, VX_TL_YELLOW);
    assert_int_equal(g.r[1].superseded_by, 0);
    memset(&g, 0, sizeof g);
    ASSERT_OK(st, st->ops->report->foreach (st, "", 202103, false, collect, &g));
    assert_int_equal(g.n, 1);

    /* another month and region; filters */
    report_of(&r, "01", 202102, "coord01", at(2021, 2, 26, 600));
    ASSERT_OK(st, st->ops->report->file(st, &r, NULL));
    memset(&g, 0, sizeof g);
    ASSERT_OK(st, st->ops->report->foreach (st, "", 0, true, collect, &g));
    assert_int_equal(g.n, 3);
    assert_int_equal(g.r[0].month, 202102); /* ordered by month */
    memset(&g, 0, sizeof g);
    ASSERT_OK(st, st->ops->report->foreach (st, "01", 0, false, collect, &g));
    assert_int_equal(g.n, 1);

    /* refused: unknown region; nothing is left behind and the current report stays */
    report_of(&r, "99", 202103, "x", 0);
    assert_int_equal(st->ops->report->file(st, &r, NULL), VX_EINVAL);
    assert_true(st->err[0] != '\0');
    memset(&g, 0, sizeof g);
    ASSERT_OK(st, st->ops->report->foreach (st, "", 0, true, collect, &g));
    assert_int_equal(g.n, 3);
    report_of(&r, "03", 202103, "", 0); /* filed_by empty: CHECK */
    assert_int_equal(st->ops->report->file(st, &r, NULL), VX_EINVAL);
    assert_int_equal(st->ops->report->get(st, "03", 202103, &back), VX_OK);
    assert_int_equal(back.id, id2);

    /* inside a caller's transaction: rollback undoes the filing */
    ASSERT_OK(st, vx_store_begin(st));
    report_of(&r, "03", 202104, "coord03", 0);
    ASSERT_OK(st, st->ops->report->file(st, &r, NULL));
    ASSERT_OK(st, vx_store_rollback(st));
    assert_int_equal(st->ops->report->get(st, "03", 202104, &back), VX_ENOTFOUND);
    close_fixture(st);
}

static void test_history_is_kept(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    struct vx_tl_report r;
    report_of(&r, "03", 202103, "coord03", 0);
    ASSERT_OK(st, st->ops->report->file(st, &r, NULL));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    static const char *const refused[] = {
        "DELETE FROM tl_reports",
        "DELETE FROM tl_report_areas",
        "UPDATE tl_reports SET filed_by = 'someone else'",
        "UPDATE tl_report_areas SET color = 'red'",
        /* a second current report of the same month */
        "INSERT INTO tl_reports (region_code, month, filed_by, filed_at) "
        "SELECT region_code, month, 'x', 1 FROM tl_reports",
        "INSERT INTO tl_report_areas (report_id, area, color) SELECT id, 'weather', 'red' "
        "FROM tl_reports",
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(refused); i++) {
        char *msg = NULL;
        int rc = sqlite3_exec(db, refused[i], NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            fail_msg("not refused: %s", refused[i]);
        sqlite3_free(msg);
    }
    sqlite3_close(db);
    close_fixture(st);
}

static void test_figures(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    struct vx_tl_figures f;
    vx_day from = vx_day_from_ymd(2021, 3, 1), asof = vx_day_from_ymd(2021, 3, 8);
    ASSERT_OK(st, st->ops->report->figures(st, "03", from, asof, asof, &f));
    assert_int_equal(f.persons, 6);
    assert_int_equal(f.kommuner, 8); /* Uppsala län */
    assert_int_equal(f.dose1_persons, 5);
    assert_int_equal(f.dose2_persons, 2);
    assert_int_equal(f.doses_period, 7);
    assert_int_equal(f.doses_7d, 6); /* 2..8 March */
    assert_int_equal(f.given_at_sites, 7);
    assert_int_equal(f.delivered_total, 90);  /* weeks 8 and 9 (asof is in week 10) */
    assert_int_equal(f.delivered_period, 60); /* week 9 starts on 1 March */
    assert_int_equal(f.slot_capacity, 10);
    assert_int_equal(f.slot_booked, 3);
    assert_int_equal(f.bookings_made, 4);
    assert_int_equal(f.bookings_cancelled, 1);
    assert_int_equal(f.site_week_capacity, 2 * (540 / 10) * 5);
    /* another region has none of it; the whole country has all of it */
    ASSERT_OK(st, st->ops->report->figures(st, "01", from, asof, asof, &f));
    assert_int_equal(f.persons, 0);
    assert_int_equal(f.doses_period, 0);
    ASSERT_OK(st, st->ops->report->figures(st, "", from, asof, asof, &f));
    assert_int_equal(f.doses_period, 7);
    assert_int_equal(f.kommuner, 290);
    /* as of 3 March: three first doses */
    vx_day d3 = vx_day_from_ymd(2021, 3, 3);
    ASSERT_OK(st, st->ops->report->figures(st, "03", d3, d3, d3, &f));
    assert_int_equal(f.dose1_persons, 3);
    assert_int_equal(f.dose2_persons, 0);
    assert_int_equal(st->ops->report->figures(st, "03", asof, from, asof, &f), VX_EINVAL);
    close_fixture(st);
}

static bool fired_any(const struct vx_tl_suggestion *s, const char *id)
{
    for (int k = 0; k < s->n_rules; k++)
        if (!strcmp(s->rules[k]->id, id))
            return true;
    return false;
}

static void test_gather_and_compile(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    struct vx_tl_indicators in;
    struct vx_err err = {0};
    vx_day asof = vx_day_from_ymd(2021, 3, 8);
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_true(in.known[VX_TLI_STOCK_DAYS]);
    assert_true(in.value[VX_TLI_STOCK_DAYS] > 96.8 && in.value[VX_TLI_STOCK_DAYS] < 96.9);
    assert_non_null(strstr(in.basis[VX_TLI_STOCK_DAYS], "83 doses in stock"));
    assert_true(in.known[VX_TLI_BOOKED_PCT]);
    assert_true(in.value[VX_TLI_BOOKED_PCT] > 29.99 && in.value[VX_TLI_BOOKED_PCT] < 30.01);
    assert_false(in.known[VX_TLI_CANCEL_PCT]); /* fewer than 20 bookings */
    assert_false(in.known[VX_TLI_WASTAGE_PCT]);
    assert_false(in.known[VX_TLI_PHASE_DELAY_DAYS]);
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_BOOKING].color, VX_TL_YELLOW);
    assert_int_equal(s[VX_TL_SUPPLY].color, VX_TL_YELLOW); /* 7 of 60 delivered given */
    assert_int_equal(s[VX_TL_PREMISES].color, VX_TL_GREEN);
    assert_int_equal(s[VX_TL_STAFF].color, VX_TL_UNKNOWN);
    /* care's stock, when given, replaces the estimate and gives wastage */
    struct vx_tl_stock stock = {
        .on_hand = 12, .given_per_day = 6, .wasted_28d = 6, .drawn_28d = 54};
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, &stock, NULL, &in, &err));
    assert_true(in.value[VX_TLI_STOCK_DAYS] == 2.0);
    assert_true(in.value[VX_TLI_WASTAGE_PCT] == 10.0);
    vx_tl_suggest(&in, s);
    assert_true(fired_any(&s[VX_TL_SUPPLY], "supply.stock_days.yellow"));
    assert_int_equal(vx_tl_gather(st, "3", 202103, asof, NULL, NULL, &in, &err), VX_EINVAL);
    assert_int_equal(vx_tl_gather(st, "03", 202113, asof, NULL, NULL, &in, &err), VX_EINVAL);

    struct vx_tl_report r;
    report_of(&r, "03", 202103, "coord03", 0);
    r.area[VX_TL_BOOKING].color = VX_TL_YELLOW;
    snprintf(r.area[VX_TL_BOOKING].reason, VX_TL_REASON_MAX, "Få bokade tider");
    ASSERT_OK(st, st->ops->report->file(st, &r, NULL));
    struct vx_tl_compilation *c = calloc(1, sizeof *c);
    ASSERT_OK(st, vx_tl_compile_store(st, 202103, asof, c, &err));
    assert_int_equal(c->n_regions, 21);
    assert_int_equal(c->n_filed, 1);
    assert_int_equal(c->count[VX_TL_BOOKING][VX_TL_YELLOW], 1);
    assert_int_equal(c->count[VX_TL_BOOKING][VX_TL_UNKNOWN], 20);
    assert_string_equal(c->region[1].code, "03");
    assert_string_equal(c->region[1].name, "Uppsala län");
    assert_true(c->region[1].dose1_pct > 83.3 && c->region[1].dose1_pct < 83.4); /* 5 of 6 */
    assert_true(c->region[0].dose1_pct < 0); /* nobody registered in 01 */
    free(c);
    close_fixture(st);
}

/* ------------------------------------------------------------------ phase delay, register backlog
 */

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1024];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void export_nvr(struct vx_store *st, const char *dir, vx_time now)
{
    struct vx_regx_export_opts o = {.reg = VX_REGX_NVR,
                                    .out_dir = dir,
                                    .day = vx_day_from_ymd(2021, 3, 8),
                                    .now = now,
                                    .no_fsync = true};
    struct vx_regx_export_result res;
    struct vx_err err = {0};
    if (vx_regx_export(st, &o, &res, &err) != VX_OK)
        fail_msg("export: %s", err.msg);
}

/* The fixture's six persons are born 1940-49: phase 2. Five had dose 1 on 1-5 March
 * 2021 (week 9). */
static void test_gather_phase_delay(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    struct vx_tl_phase_targets t;
    struct vx_err err = {0};
    ASSERT_OK(st, vx_tl_phase_targets_load(VX_SOURCE_DIR "/data/phase_targets.json", &t, &err));
    struct vx_tl_indicators in;
    vx_day asof = vx_day_from_ymd(2021, 3, 8);
    /* no population counted yet: unknown, and the text says what to run */
    struct vx_tl_phase_input pin;
    assert_int_equal(vx_tl_phase_gather(st, "03", asof, &pin, &err), VX_ENOTFOUND);
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, &t, &in, &err));
    assert_false(in.known[VX_TLI_PHASE_DELAY_DAYS]);
    assert_non_null(strstr(in.note_en[VX_TLI_PHASE_DELAY_DAYS], "stats refresh"));
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_READINESS].color, VX_TL_UNKNOWN);
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "kör vaxchain stats refresh"));
    /* without targets it stays unknown too */
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_false(in.known[VX_TLI_PHASE_DELAY_DAYS]);

    int64_t persons = 0;
    ASSERT_OK(st, vx_stats_refresh(st, vx_day_from_ymd(2021, 3, 1), &persons));
    assert_int_equal(persons, 6);
    ASSERT_OK(st, vx_tl_phase_gather(st, "03", asof, &pin, &err));
    assert_int_equal(pin.week_end, vx_day_from_ymd(2021, 3, 7)); /* Monday → the Sunday before */
    assert_int_equal(pin.population[0], 0);
    assert_int_equal(pin.population[1], 6);
    assert_int_equal(pin.dose1[1], 5);
    assert_int_equal(pin.week_dose1[1][0], 0); /* week 7 */
    assert_int_equal(pin.week_dose1[1][1], 0); /* week 8 */
    assert_int_equal(pin.week_dose1[1][2], 5); /* week 9 */
    /* a Sunday is its own week's end; the week before has no first dose yet */
    ASSERT_OK(st, vx_tl_phase_gather(st, "03", vx_day_from_ymd(2021, 3, 7), &pin, &err));
    assert_int_equal(pin.week_end, vx_day_from_ymd(2021, 3, 7));
    ASSERT_OK(st, vx_tl_phase_gather(st, "03", vx_day_from_ymd(2021, 3, 6), &pin, &err));
    assert_int_equal(pin.week_end, vx_day_from_ymd(2021, 2, 28));
    assert_int_equal(pin.dose1[1], 0);
    assert_int_equal(pin.population[1], 6); /* nobody vaccinated: the group still counts */
    /* another region has nobody */
    ASSERT_OK(st, vx_tl_phase_gather(st, "01", asof, &pin, &err));
    assert_int_equal(pin.population[1], 0);

    /* shipped targets: 5 of 6 = 83 % >= 80 %, phases 1, 3, 4 empty → every target met */
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, &t, &in, &err));
    assert_true(in.known[VX_TLI_PHASE_DELAY_DAYS]);
    assert_true(in.value[VX_TLI_PHASE_DELAY_DAYS] == 0);
    assert_non_null(strstr(in.basis[VX_TLI_PHASE_DELAY_DAYS], "every phase reached"));
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_READINESS].color, VX_TL_GREEN);

    /* everyone by 1 March: 1 to go at 5/3 a week = 4.2 → 5 days after 7 March → 12 March,
     * 11 days late → yellow, with the numbers in both languages */
    t.phase[1].share = 1.0;
    t.phase[1].date = vx_day_from_ymd(2021, 3, 1);
    t.phase[0].date = vx_day_from_ymd(2021, 2, 1);
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, &t, &in, &err));
    assert_true(in.known[VX_TLI_PHASE_DELAY_DAYS]);
    assert_true(in.value[VX_TLI_PHASE_DELAY_DAYS] == 11);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_READINESS].color, VX_TL_YELLOW);
    assert_non_null(strstr(s[VX_TL_READINESS].text_en, "phase 2: 83.3 % of 6 have dose 1"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_en, "-> 2021-03-12"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "fas 2: 83,3 % av 6 har dos 1"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "11 > 0"));
    close_fixture(st);
}

static void test_gather_register_backlog(void **state)
{
    (void)state;
    struct vx_store *st = open_fixture();
    char dir[600];
    snprintf(dir, sizeof dir, "%s-nvr", dbpath);
    rm_dir(dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    struct vx_tl_indicators in;
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    struct vx_err err = {0};
    vx_day asof = vx_day_from_ymd(2021, 3, 8);
    /* never exported: unknown, and the text says so */
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_false(in.known[VX_TLI_REGISTER_BACKLOG_DAYS]);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_IT].color, VX_TL_UNKNOWN);
    assert_non_null(strstr(s[VX_TL_IT].text_en, "nothing has been exported to NVR yet"));
    assert_non_null(strstr(s[VX_TL_IT].text_sv, "inget har ännu exporterats till NVR"));

    /* exported: nothing waits → green */
    export_nvr(st, dir, at(2021, 3, 3, 1200));
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_true(in.known[VX_TLI_REGISTER_BACKLOG_DAYS]);
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 0);
    assert_non_null(strstr(in.basis[VX_TLI_REGISTER_BACKLOG_DAYS], "last export 2021-03-03"));
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_IT].color, VX_TL_GREEN);

    /* a dose recorded on 4 March that has not gone out: 2 days on the 6th (yellow), 4 on
     * the 8th (red); region 01 is not affected */
    struct vx_dose_rec d;
    memset(&d, 0, sizeof d);
    int64_t pid = 0;
    {
        struct vx_person_rec pr;
        FILE *f = fopen(TESTPNR, "r");
        assert_non_null(f);
        char line[64];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (strlen(line) == 12 && !strncmp(line, "1960", 4))
                break;
        }
        fclose(f);
        memset(&pr, 0, sizeof pr);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        assert_int_equal(vx_pnr_parse(line, &o, &pr.p.pnr, NULL), VX_OK);
        snprintf(pr.p.region, sizeof pr.p.region, "03");
        snprintf(pr.p.kommun, sizeof pr.p.kommun, "0380");
        pr.synthetic = true;
        ASSERT_OK(st, st->ops->person_put(st, &pr, &pid));
    }
    d.person_id = pid;
    snprintf(d.region, sizeof d.region, "03");
    snprintf(d.kommun, sizeof d.kommun, "0380");
    snprintf(d.vaccine, sizeof d.vaccine, "COM");
    snprintf(d.source, sizeof d.source, "recorded");
    d.dose_number = 1;
    d.given_at = d.created_at = at(2021, 3, 4, 600);
    ASSERT_OK(st, st->ops->dose_put(st, &d, NULL));
    ASSERT_OK(st,
              vx_tl_gather(st, "03", 202103, vx_day_from_ymd(2021, 3, 6), NULL, NULL, &in, &err));
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 2);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_IT].color, VX_TL_YELLOW);
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 4);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_IT].color, VX_TL_RED);
    assert_non_null(strstr(s[VX_TL_IT].text_en, "4 > 3"));
    assert_non_null(strstr(s[VX_TL_IT].text_en, "recorded 2021-03-04"));
    assert_non_null(strstr(s[VX_TL_IT].text_sv, "registrerades 2021-03-04"));
    /* the day of recording itself and the day after are still green */
    ASSERT_OK(st,
              vx_tl_gather(st, "03", 202103, vx_day_from_ymd(2021, 3, 5), NULL, NULL, &in, &err));
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 1);
    ASSERT_OK(st, vx_tl_gather(st, "01", 202103, asof, NULL, NULL, &in, &err));
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 0);

    /* after the next export: green again */
    export_nvr(st, dir, at(2021, 3, 8, 1200));
    ASSERT_OK(st, vx_tl_gather(st, "03", 202103, asof, NULL, NULL, &in, &err));
    assert_true(in.value[VX_TLI_REGISTER_BACKLOG_DAYS] == 0);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_IT].color, VX_TL_GREEN);
    close_fixture(st);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_and_history),
        cmocka_unit_test(test_history_is_kept),
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_gather_and_compile),
        cmocka_unit_test(test_gather_phase_delay),
        cmocka_unit_test(test_gather_register_backlog),
    };
    return cmocka_run_group_tests_name("store_report", tests, NULL, NULL);
}
