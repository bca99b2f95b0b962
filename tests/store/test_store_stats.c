/*
 * test_store_stats.c — the coverage cubes of the SQLite store (src/store/sqlite/stats.c)
 * against direct counts over the raw tables.
 *
 * A database with the real regions and municipalities, 400 persons with Skatteverket
 * test numbers spread over 6 municipalities in 3 regions (varied residence, risk, flags,
 * DeSO codes and birth years 1930-2008), and ~800 doses of three products (one of them
 * single-dose) at times that include the summer-time switches and midnights. Every cut
 * (each dimension alone, pairs, weekly and cumulative, filters, each measure) must give
 * the same cells from the cubes as from GROUP BY over persons and doses — after the
 * inserts, after corrections and voids done by plain UPDATEs (as the care module
 * does), after persons move or change, after a dose is deleted, after maintenance was
 * off for a bulk load and switched back on, and after a rebuild. The cubes are kept
 * deferred (docs/stats.md): each change is first checked to be *pending* (noted, the
 * cubes untouched), then applied (vx_stats_apply, also in small chunks) and compared.
 * Apply is all or nothing (a failing step leaves state, cubes and cursor as they
 * were), a rolled-back apply is pending again, and a reused dose id (the newest dose
 * deleted, a new one inserted) is seen. Also: the day table
 * against vx_stockholm_local/vx_isoweek_of, the population cube against the persons,
 * the SQL priority group against vx_stats_group_of, and the official loader.
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
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/stats.h"
#include "vx/store.h"
#include "vx/store_stats.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define NPERSONS 400

static char dbpath[512];
static struct vx_store *st;
static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static vx_time at(int y, int m, int d, int minute)
{
    vx_time t = 0;
    vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), minute, &t, NULL);
    return t;
}

static void exec_sql(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg);
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static long long db_int(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static const char *const kommuner[][2] = {{"01", "0180"}, {"01", "0114"}, {"03", "0380"},
                                          {"03", "0305"}, {"25", "2580"}, {"25", "2584"}};
static const char *const vaccines[] = {"COM", "MOD", "JANSS"};

/* A dose time: mostly daytime, some at the DST switch nights and around midnight. */
static vx_time dose_time(void)
{
    switch (rnd(10)) {
    case 0:
        return at(2021, 3, 28, rnd(2) ? 30 : 1439) + (vx_time)rnd(3) * 0; /* spring switch day */
    case 1:
        return at(2021, 10, 31, rnd(2) ? 10 : 1430);
    case 2:
        return at(2021, 1, 3, 1439) + 59; /* Sunday 23:59:59 local, week 53 of 2020 */
    case 3:
        return at(2021, 1, 4, 0); /* Monday 00:00 local: week 1 */
    default:
        return at(2021, 1 + (int)rnd(11), 1 + (int)rnd(28), 480 + (int)rnd(540));
    }
}

static void make_db(void)
{
    struct vx_err err = {0};
    unlink(dbpath);
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, &err), VX_OK);
    assert_int_equal(vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err), VX_OK);
    assert_int_equal(st->ops->vaccine_put(st, "COM", "Comirnaty", "{\"schedule\":{\"doses\":2}}"),
                     VX_OK);
    assert_int_equal(st->ops->vaccine_put(st, "MOD", "Spikevax", "{\"schedule\":{\"doses\":2}}"),
                     VX_OK);
    assert_int_equal(st->ops->vaccine_put(st, "JANSS", "Janssen", "{\"schedule\":{\"doses\":1}}"),
                     VX_OK);
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    assert_int_equal(vx_store_begin(st), VX_OK);
    while (n < NPERSONS && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12 || strncmp(line, "1930", 4) < 0 || strncmp(line, "2009", 4) >= 0)
            continue;
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        if (vx_pnr_parse(line, &o, &r.p.pnr, NULL) != VX_OK)
            continue;
        const char *const *k = kommuner[n % 6];
        snprintf(r.p.region, sizeof r.p.region, "%s", k[0]);
        snprintf(r.p.kommun, sizeof r.p.kommun, "%s", k[1]);
        r.p.residence = (enum vx_residence)(rnd(4) == 0 ? rnd(VX_RES_COUNT) : 0);
        r.p.risk = rnd(5) == 0 ? 1u << rnd(10) : 0;
        r.p.flags = rnd(8) == 0 ? 1u << rnd(4) : 0;
        if (rnd(3) == 0)
            snprintf(r.p.deso, sizeof r.p.deso, "%sC10%d0", k[1], (int)rnd(3));
        r.synthetic = true;
        assert_int_equal(st->ops->person_put(st, &r, NULL), VX_OK);
        n++;
    }
    fclose(f);
    assert_int_equal(n, NPERSONS);
    /* doses: 0..3 per person, ids in person order */
    for (int pid = 1; pid <= NPERSONS; pid++) {
        int k = (int)rnd(4);
        for (int j = 0; j < k; j++) {
            struct vx_dose_rec d;
            memset(&d, 0, sizeof d);
            d.person_id = pid;
            snprintf(d.region, sizeof d.region, "%s", kommuner[(pid - 1) % 6][0]);
            snprintf(d.vaccine, sizeof d.vaccine, "%s", vaccines[rnd(10) == 0 ? 2 : rnd(2)]);
            d.dose_number = j + 1;
            d.given_at = dose_time();
            snprintf(d.source, sizeof d.source, "%s", rnd(5) ? "recorded" : "backfill");
            assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
        }
    }
    assert_int_equal(vx_store_commit(st), VX_OK);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(dbpath, sizeof dbpath, "%s/store-stats-%d.db", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    make_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vx_store_close(st);
    st = NULL;
    char p[600];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

/* ------------------------------------------------------------------ comparisons */

static void same_cut(const struct vx_stats_query *q)
{
    struct vx_stats_result a, b;
    vx_stats_result_init(&a);
    vx_stats_result_init(&b);
    enum vx_status s1 = vx_stats_cut(st, q, &a);
    if (s1 != VX_OK)
        fprintf(stderr, "cut: %s\n", st->err);
    assert_int_equal(s1, VX_OK);
    assert_int_equal(vx_stats_cut_direct(st, q, &b), VX_OK);
    bool eq = a.n == b.n && a.total == b.total;
    for (size_t i = 0; eq && i < a.n; i++)
        eq = a.cells[i].n == b.cells[i].n && !strcmp(a.cells[i].key[0], b.cells[i].key[0]) &&
             !strcmp(a.cells[i].key[1], b.cells[i].key[1]);
    if (!eq) {
        fprintf(stderr,
                "measure %d by %s,%s cum %d: cube %s %zu cells total %lld, direct %zu "
                "total %lld\n",
                q->measure, q->nby > 0 ? vx_stats_dim_code(q->by[0]) : "-",
                q->nby > 1 ? vx_stats_dim_code(q->by[1]) : "-", q->cumulative, a.cube, a.n,
                (long long)a.total, b.n, (long long)b.total);
        for (size_t i = 0; i < a.n || i < b.n; i++)
            fprintf(stderr, "  %s/%s %lld | %s/%s %lld\n", i < a.n ? a.cells[i].key[0] : "",
                    i < a.n ? a.cells[i].key[1] : "", i < a.n ? (long long)a.cells[i].n : -1,
                    i < b.n ? b.cells[i].key[0] : "", i < b.n ? b.cells[i].key[1] : "",
                    i < b.n ? (long long)b.cells[i].n : -1);
    }
    assert_true(eq);
    vx_stats_result_release(&a);
    vx_stats_result_release(&b);
}

/* Every single dimension and a set of pairs, for every measure, weekly and cumulative,
 * with and without filters. */
static void all_cuts_agree(void)
{
    static const enum vx_stats_dim pairs[][2] = {
        {VX_SD_REGION, VX_SD_WEEK},   {VX_SD_KOMMUN, VX_SD_AGE}, {VX_SD_AGE, VX_SD_SEX},
        {VX_SD_GROUP, VX_SD_VACCINE}, {VX_SD_DESO, VX_SD_DOSE},  {VX_SD_WEEK, VX_SD_AGE},
        {VX_SD_VACCINE, VX_SD_DOSE}};
    for (int m = 0; m < VX_SM_COUNT; m++) {
        for (int cum = 0; cum < 2; cum++) {
            struct vx_stats_query q;
            vx_stats_query_init(&q);
            q.measure = (enum vx_stats_measure)m;
            q.cumulative = cum;
            same_cut(&q);
            for (int d = 0; d < VX_SD_COUNT; d++) {
                q.nby = 1;
                q.by[0] = (enum vx_stats_dim)d;
                same_cut(&q);
            }
            for (size_t i = 0; i < VX_ARRAY_LEN(pairs); i++) {
                q.nby = 2;
                q.by[0] = pairs[i][0];
                q.by[1] = pairs[i][1];
                same_cut(&q);
            }
            /* filters: one region, a week range, an age band, a vaccine */
            q.nby = 1;
            q.by[0] = VX_SD_WEEK;
            snprintf(q.region, sizeof q.region, "03");
            q.from = (struct vx_isoweek){2021, 10};
            q.to = (struct vx_isoweek){2021, 30};
            same_cut(&q);
            q.by[0] = VX_SD_KOMMUN;
            q.age = 70;
            same_cut(&q);
            vx_stats_query_init(&q);
            q.measure = (enum vx_stats_measure)m;
            q.cumulative = cum;
            q.nby = 1;
            q.by[0] = VX_SD_SEX;
            snprintf(q.vaccine, sizeof q.vaccine, "COM");
            q.dose = m == VX_SM_FULL ? 0 : 2;
            same_cut(&q);
        }
    }
}

/* The cubes' raw total (no apply): what a reader of the tables sees right now. */
static long long cube_doses(void)
{
    return db_int("SELECT coalesce(sum(n), 0) FROM sd_full");
}

static struct vx_stats_meta meta_now(void)
{
    struct vx_stats_meta m;
    assert_int_equal(st->ops->stats->meta(st, &m), VX_OK);
    return m;
}

/* Something is pending and the cubes still hold `before`; apply; nothing pending. */
static struct vx_stats_applied apply_pending(long long before)
{
    struct vx_stats_meta m = meta_now();
    assert_true(m.pending_doses > 0 || m.pending_changes > 0);
    assert_int_equal(cube_doses(), before);
    struct vx_stats_applied a;
    assert_int_equal(vx_stats_apply(st, 0, &a), VX_OK);
    assert_true(a.doses > 0 || a.changes > 0);
    assert_true(a.persons > 0);
    assert_false(a.more);
    m = meta_now();
    assert_int_equal(m.pending_doses, 0);
    assert_int_equal(m.pending_changes, 0);
    assert_int_equal(cube_doses(), db_int("SELECT count(*) FROM doses WHERE status = 'valid'"
                                          " AND given_at >= 946681200"));
    return a;
}

/* ------------------------------------------------------------------ tests */

static void test_cubes_after_inserts(void **state)
{
    (void)state;
    long long ndoses = db_int("SELECT count(*) FROM doses");
    assert_true(ndoses > 300);
    /* recording did no statistics work: every dose is pending, the cubes are empty */
    struct vx_stats_meta m = meta_now();
    assert_true(m.maintained);
    assert_int_equal(m.pending_doses, ndoses);
    assert_int_equal(m.pending_changes, 0);
    assert_int_equal(cube_doses(), 0);
    /* in chunks of 50 dose ids: each chunk a transaction, the last one says no more */
    struct vx_stats_applied a;
    assert_int_equal(vx_stats_apply(st, 50, &a), VX_OK);
    assert_int_equal(a.doses, 50);
    assert_true(a.more);
    assert_int_equal(meta_now().pending_doses, ndoses - 50);
    assert_int_equal(st->ops->stats->apply(st, 30, &a), VX_OK);
    assert_int_equal(a.doses, 30);
    assert_true(a.more);
    int chunks = 0;
    do {
        assert_int_equal(st->ops->stats->apply(st, 100, &a), VX_OK);
        chunks++;
    } while (a.more);
    assert_int_equal(chunks, (int)((ndoses - 80 + 99) / 100));
    assert_int_equal(meta_now().pending_doses, 0);
    /* nothing pending: apply is a no-op */
    assert_int_equal(vx_stats_apply(st, 0, &a), VX_OK);
    assert_int_equal(a.doses + a.changes + a.chunks, 0);
    assert_int_equal(db_int("SELECT coalesce(sum(n), 0) FROM sd_full"),
                     db_int("SELECT count(*) FROM doses WHERE status = 'valid'"));
    assert_int_equal(db_int("SELECT count(*) FROM stats_dose"),
                     db_int("SELECT count(*) FROM doses WHERE status = 'valid'"));
    assert_int_equal(db_int("SELECT coalesce(sum(n), 0) FROM sp_kom WHERE dose = 1"),
                     db_int("SELECT count(DISTINCT person_id) FROM doses"));
    all_cuts_agree();
}

static void test_corrections_voids_moves(void **state)
{
    (void)state;
    /* corrections as the care module makes them */
    long long before = cube_doses();
    exec_sql("UPDATE doses SET given_at = given_at - 86400 * 30, version = version + 1"
             " WHERE id % 7 = 0");
    exec_sql("UPDATE doses SET vaccine_code = 'MOD' WHERE id % 11 = 0");
    exec_sql("UPDATE doses SET dose_number = dose_number + 1 WHERE id % 13 = 0");
    /* an UPDATE that changes nothing counted notes nothing */
    long long notes = db_int("SELECT count(*) FROM stats_pending");
    exec_sql("UPDATE doses SET lot_number = 'X1', given_at = given_at WHERE id % 3 = 0");
    assert_int_equal(db_int("SELECT count(*) FROM stats_pending"), notes);
    apply_pending(before);
    all_cuts_agree();
    /* voids: the dose leaves every count; un-voiding brings it back */
    before = cube_doses();
    exec_sql("UPDATE doses SET status = 'voided', void_reason = 'test' WHERE id % 5 = 0");
    apply_pending(before);
    long long valid = db_int("SELECT count(*) FROM doses WHERE status = 'valid'");
    assert_int_equal(db_int("SELECT sum(n) FROM sd_kom"), valid);
    all_cuts_agree();
    exec_sql("UPDATE doses SET status = 'valid' WHERE id % 10 = 0");
    all_cuts_agree(); /* the cut applies first */
    assert_int_equal(meta_now().pending_changes, 0);
    /* persons move, change DeSO, get a corrected birth date and flags */
    before = cube_doses();
    exec_sql("UPDATE persons SET kommun_code = '0305', region_code = '03' WHERE id % 9 = 0");
    exec_sql("UPDATE persons SET deso = '' WHERE id % 4 = 1");
    exec_sql("UPDATE persons SET birth_date = birth_date - 50000, flags = 1 WHERE id % 17 = 0");
    /* a moved person is counted where they live now, in the dose cubes too */
    long long in03 = db_int("SELECT coalesce(sum(n), 0) FROM sd_kom WHERE kommun = '0305'");
    apply_pending(before);
    assert_true(db_int("SELECT coalesce(sum(n), 0) FROM sd_kom WHERE kommun = '0305'") > in03);
    all_cuts_agree();
    /* a deleted dose (not done by vaxchain, but the cubes follow) */
    before = cube_doses();
    exec_sql("DELETE FROM doses WHERE id IN (SELECT id FROM doses WHERE status = 'valid'"
             " ORDER BY id LIMIT 3)");
    apply_pending(before);
    all_cuts_agree();
    /* the newest dose deleted and its id reused by the next insert: still counted */
    long long top = db_int("SELECT max(id) FROM doses");
    exec_sql("DELETE FROM doses WHERE id = (SELECT max(id) FROM doses)");
    assert_int_equal(db_int("SELECT dose_cursor FROM stats_meta"), top - 1);
    struct vx_dose_rec again;
    memset(&again, 0, sizeof again);
    again.person_id = 7;
    snprintf(again.region, sizeof again.region, "%s", kommuner[6 % 6][0]);
    snprintf(again.vaccine, sizeof again.vaccine, "MOD");
    again.dose_number = 4;
    again.given_at = at(2021, 11, 2, 600);
    int64_t again_id = 0;
    assert_int_equal(st->ops->dose_put(st, &again, &again_id), VX_OK);
    assert_int_equal(again_id, top);
    all_cuts_agree();
    /* a dose given earlier than the person's others: levels shift */
    struct vx_dose_rec d;
    memset(&d, 0, sizeof d);
    d.person_id = db_int("SELECT person_id FROM doses WHERE status = 'valid' GROUP BY person_id"
                         " HAVING count(*) >= 2 LIMIT 1");
    snprintf(d.region, sizeof d.region, "%s", "01");
    snprintf(d.vaccine, sizeof d.vaccine, "JANSS");
    d.dose_number = 1;
    d.given_at = at(2020, 12, 28, 600);
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
    all_cuts_agree();
}

static void test_maintenance_off_on(void **state)
{
    (void)state;
    long long before = db_int("SELECT sum(n) FROM sd_kom");
    assert_int_equal(st->ops->stats->maintain(st, false), VX_OK);
    struct vx_stats_meta m;
    assert_int_equal(st->ops->stats->meta(st, &m), VX_OK);
    assert_false(m.maintained);
    for (int pid = 1; pid <= 40; pid++) {
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid;
        snprintf(d.region, sizeof d.region, "%s", kommuner[(pid - 1) % 6][0]);
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        d.dose_number = 3;
        d.given_at = at(2021, 12, 1 + pid % 20, 600);
        assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
    }
    assert_int_equal(db_int("SELECT sum(n) FROM sd_kom"), before); /* untouched */
    struct vx_stats_applied a;
    assert_int_equal(vx_stats_apply(st, 0, &a), VX_OK); /* off: nothing to do */
    assert_true(a.off);
    assert_int_equal(a.doses, 0);
    assert_int_equal(db_int("SELECT sum(n) FROM sd_kom"), before);
    assert_int_equal(meta_now().pending_doses, 0); /* not counted while off */
    assert_int_equal(st->ops->stats->maintain(st, true), VX_OK);
    assert_int_equal(st->ops->stats->meta(st, &m), VX_OK);
    assert_true(m.maintained);
    assert_int_equal(db_int("SELECT sum(n) FROM sd_kom"), before + 40);
    all_cuts_agree();
    assert_int_equal(vx_stats_rebuild(st), VX_OK);
    all_cuts_agree();
    /* a rebuild inside the caller's transaction, rolled back, leaves things as they were */
    assert_int_equal(vx_store_begin(st), VX_OK);
    assert_int_equal(vx_stats_rebuild(st), VX_OK);
    assert_int_equal(vx_store_rollback(st), VX_OK);
    all_cuts_agree();
}

/* An apply is one transaction: a failing step, or the caller's rollback, leaves the
 * state, the cubes and the cursor as they were, and the work pending. */
static void test_apply_atomic(void **state)
{
    (void)state;
    all_cuts_agree();
    long long cubes = cube_doses(), rows = db_int("SELECT count(*) FROM stats_dose");
    long long cursor = db_int("SELECT dose_cursor FROM stats_meta");
    for (int pid = 41; pid <= 60; pid++) {
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = pid;
        snprintf(d.region, sizeof d.region, "%s", kommuner[(pid - 1) % 6][0]);
        snprintf(d.vaccine, sizeof d.vaccine, "MOD");
        d.dose_number = 4;
        d.given_at = at(2022, 1, 10 + pid % 10, 600);
        assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_OK);
    }
    exec_sql("UPDATE doses SET status = 'voided' WHERE id % 23 = 0 AND status = 'valid'");
    struct vx_stats_meta m = meta_now();
    assert_int_equal(m.pending_doses, 20);
    long long notes = m.pending_changes;
    assert_true(notes > 0);
    /* a step fails half-way (a cube is missing): everything rolled back */
    exec_sql("ALTER TABLE sp_kom RENAME TO sp_kom_away");
    struct vx_stats_applied a;
    assert_int_not_equal(vx_stats_apply(st, 0, &a), VX_OK);
    assert_non_null(strstr(st->err, "stats apply"));
    assert_int_equal(a.doses + a.changes, 0);
    exec_sql("ALTER TABLE sp_kom_away RENAME TO sp_kom");
    assert_int_equal(cube_doses(), cubes);
    assert_int_equal(db_int("SELECT count(*) FROM stats_dose"), rows);
    assert_int_equal(db_int("SELECT dose_cursor FROM stats_meta"), cursor);
    m = meta_now();
    assert_int_equal(m.pending_doses, 20);
    assert_int_equal(m.pending_changes, notes);
    /* inside the caller's transaction, rolled back by the caller: pending again */
    assert_int_equal(vx_store_begin(st), VX_OK);
    assert_int_equal(vx_stats_apply(st, 0, &a), VX_OK);
    assert_int_equal(a.doses, 20);
    assert_int_equal(a.changes, notes);
    assert_int_equal(vx_store_rollback(st), VX_OK);
    assert_int_equal(cube_doses(), cubes);
    assert_int_equal(meta_now().pending_doses, 20);
    /* and for real */
    apply_pending(cubes);
    all_cuts_agree();
}

static void test_day_table(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT ymd, week FROM stats_day WHERE start_utc <= ?"
                                        " ORDER BY start_utc DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    /* every 37 minutes and 13 s through 2020-2022, and the switch instants +-1 s */
    vx_time t0 = at(2020, 1, 1, 0), t1 = at(2023, 1, 1, 0);
    int checked = 0;
    for (vx_time t = t0; t < t1; t += 37 * 60 + 13) {
        vx_day day;
        int minute;
        vx_stockholm_local(t, &day, &minute);
        struct vx_ymd y = vx_ymd_from_day(day);
        struct vx_isoweek w = vx_isoweek_of(day);
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, t);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), y.year * 10000 + y.month * 100 + y.day);
        assert_int_equal(sqlite3_column_int(q, 1), w.year * 100 + w.week);
        checked++;
    }
    assert_true(checked > 40000);
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* 2020-W53 exists; 2021-01-04 starts 2021-W01 */
    assert_int_equal(db_int("SELECT week FROM stats_day WHERE ymd = 20210103"), 202053);
    assert_int_equal(db_int("SELECT week FROM stats_day WHERE ymd = 20210104"), 202101);
}

struct grp_count {
    int64_t by_group[5];
    int64_t total;
    vx_day ref;
};

static int count_person(void *ctx, const struct vx_person_rec *r)
{
    struct grp_count *g = ctx;
    if (r->p.flags & VX_PF_DECEASED)
        return 0;
    int age = vx_age_at(r->p.pnr.birth, g->ref);
    int by = vx_ymd_from_day(r->p.pnr.birth).year;
    g->by_group[vx_stats_group_of(age, by, (int)r->p.residence, r->p.risk, r->p.flags)]++;
    g->total++;
    return 0;
}

static int sum_rows(void *ctx, const char key[][VX_STATS_KEY_MAX], int64_t n)
{
    int64_t *by = ctx;
    by[strtol(key[0], NULL, 10)] += n;
    return 0;
}

static void test_population(void **state)
{
    (void)state;
    vx_day ref = vx_day_from_ymd(2021, 3, 8);
    exec_sql("UPDATE persons SET flags = flags | 16 WHERE id = 5"); /* deceased: not counted */
    int64_t n = 0;
    assert_int_equal(vx_stats_refresh(st, ref, &n), VX_OK);
    assert_int_equal(n, db_int("SELECT count(*) FROM persons WHERE (flags & 16) = 0"));
    /* the SQL group rule agrees with vx_stats_group_of person by person (in sum) */
    struct grp_count g = {.ref = ref};
    assert_int_equal(st->ops->person_foreach(st, "", count_person, &g), VX_OK);
    int64_t by_group[5] = {0};
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    enum vx_stats_dim dim = VX_SD_GROUP;
    assert_int_equal(st->ops->stats->population(st, &q, &dim, 1, sum_rows, by_group), VX_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(by_group[i], g.by_group[i]);
    assert_int_equal(g.total, n);
    /* denominators in a cut: by region, each cell's population is the region's */
    q.measure = VX_SM_PERSONS;
    q.nby = 1;
    q.by[0] = VX_SD_REGION;
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    assert_int_equal(vx_stats_cut(st, &q, &r), VX_OK);
    assert_true(r.n > 0);
    for (size_t i = 0; i < r.n; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM persons WHERE region_code = '%s' AND (flags & 16) = 0",
                 r.cells[i].key[0]);
        assert_int_equal(r.cells[i].population, db_int(sql));
    }
    assert_int_equal(r.total_population, n);
    assert_false(r.population_stale);
    assert_int_equal(r.population_ref, ref);
    vx_stats_result_release(&r);
    /* a new person makes the cube stale */
    struct vx_person_rec p;
    memset(&p, 0, sizeof p);
    struct vx_pnr_opts o = vx_pnr_opts_default(ref);
    assert_int_equal(vx_pnr_parse("189001059808", &o, &p.p.pnr, NULL), VX_OK);
    snprintf(p.p.region, sizeof p.p.region, "01");
    snprintf(p.p.kommun, sizeof p.p.kommun, "0180");
    assert_int_equal(st->ops->person_put(st, &p, NULL), VX_OK);
    struct vx_stats_meta m;
    assert_int_equal(st->ops->stats->meta(st, &m), VX_OK);
    assert_true(m.population_stale);
    assert_int_equal(vx_stats_refresh(st, ref, NULL), VX_OK);
    assert_int_equal(st->ops->stats->meta(st, &m), VX_OK);
    assert_false(m.population_stale);
}

struct off_find {
    const char *measure, *region, *kommun, *age;
    int year, week;
    int64_t value;
    int64_t population;
    int hits;
};

static int off_find_row(void *ctx, const struct vx_stats_official *r)
{
    struct off_find *f = ctx;
    if (!strcmp(r->measure, f->measure) && !strcmp(r->region, f->region) &&
        !strcmp(r->kommun, f->kommun) && !strcmp(r->age_group, f->age) && r->week.year == f->year &&
        r->week.week == f->week) {
        f->value = r->value;
        f->population = r->population;
        f->hits++;
    }
    return 0;
}

static int64_t official_value(int ds, const char *measure, const char *region, const char *kommun,
                              const char *age, int year, int week, int64_t *pop)
{
    struct vx_stats_official_filter flt;
    memset(&flt, 0, sizeof flt);
    flt.dataset = ds;
    snprintf(flt.region, sizeof flt.region, "%s", region);
    struct off_find f = {measure, region, kommun, age, year, week, -1, -1, 0};
    assert_int_equal(st->ops->stats->official_foreach(st, &flt, off_find_row, &f), VX_OK);
    assert_int_equal(f.hits, 1);
    if (pop)
        *pop = f.population;
    return f.value;
}

static void test_official(void **state)
{
    (void)state;
    struct vx_err err = {0};
    int64_t rows = 0;
    assert_int_equal(vx_stats_load_official(st, VX_SHARED_DATA_DIR "/se", &rows, &err), VX_OK);
    assert_true(rows > 20000);
    assert_int_equal(db_int("SELECT count(*) FROM stats_official"), rows);
    /* 2,156 region-week rows, each with doses and persons dose 1 and 2 */
    assert_int_equal(db_int("SELECT count(*) FROM stats_official WHERE dataset = 'region_week'"
                            " AND measure = 'persons_dose1_cum'"),
                     2156);
    assert_int_equal(db_int("SELECT count(*) FROM stats_official WHERE dataset = 'region_age'"),
                     db_int("SELECT 1496 - 0")); /* one value per row of the snapshot file */
    /* known values of the files */
    assert_int_equal(
        official_value(VX_OD_REGION_WEEK, "persons_dose1_cum", "00", "", "", 2021, 22, NULL),
        3963468);
    assert_int_equal(
        official_value(VX_OD_REGION_WEEK, "doses_administered_cum", "01", "", "", 2021, 22, NULL),
        1214359);
    assert_int_equal(
        official_value(VX_OD_REGION_WEEK, "persons_dose1_cum", "00", "", "", 2020, 52, NULL), 1639);
    assert_int_equal(
        official_value(VX_OD_REGION_AGE, "at_least_1_dose", "00", "", "18-29", 2021, 22, NULL),
        159996);
    int64_t pop = 0;
    assert_int_equal(
        official_value(VX_OD_KOMMUN_AGE, "at_least_1_dose", "01", "0114", "18-29", 2021, 22, &pop),
        470);
    assert_int_equal(pop, 6526);
    /* loading again replaces, it does not add */
    assert_int_equal(vx_stats_load_official(st, VX_SHARED_DATA_DIR "/se", &rows, &err), VX_OK);
    assert_int_equal(db_int("SELECT count(*) FROM stats_official"), rows);
    /* a folder without the files changes nothing and says which file */
    assert_int_equal(vx_stats_load_official(st, "/nonexistent-vx", NULL, &err), VX_EIO);
    assert_non_null(strstr(err.msg, "fohm_"));
    assert_int_equal(db_int("SELECT count(*) FROM stats_official"), rows);
}

static void test_bad_scans(void **state)
{
    (void)state;
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    q.nby = 2;
    q.by[0] = q.by[1] = VX_SD_AGE;
    assert_int_equal(vx_stats_cut(st, &q, &r), VX_EINVAL);
    assert_non_null(strstr(st->err, "twice"));
    q.nby = 3;
    assert_int_equal(vx_stats_cut(st, &q, &r), VX_EINVAL);
    /* DeSO with age: no cube holds both */
    q.nby = 2;
    q.by[0] = VX_SD_DESO;
    q.by[1] = VX_SD_AGE;
    assert_int_equal(vx_stats_cut(st, &q, &r), VX_EINVAL);
    assert_non_null(strstr(st->err, "no cube"));
    q.nby = 1;
    q.by[0] = VX_SD_AGE;
    q.from = (struct vx_isoweek){2021, 10};
    q.to = (struct vx_isoweek){2021, 5};
    assert_int_equal(vx_stats_cut(st, &q, &r), VX_EINVAL);
    /* population by vaccine does not exist */
    enum vx_stats_dim d = VX_SD_VACCINE;
    int64_t by[5] = {0};
    assert_int_equal(st->ops->stats->population(st, &q, &d, 1, sum_rows, by), VX_EINVAL);
    vx_stats_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cubes_after_inserts),
        cmocka_unit_test(test_corrections_voids_moves),
        cmocka_unit_test(test_maintenance_off_on),
        cmocka_unit_test(test_apply_atomic),
        cmocka_unit_test(test_day_table),
        cmocka_unit_test(test_population),
        cmocka_unit_test(test_official),
        cmocka_unit_test(test_bad_scans),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
