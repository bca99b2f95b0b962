/*
 * bench_stats.c — coverage cuts from the statistics cubes at national scale, against
 * the plain SQL GROUP BY over the raw persons and doses tables in the same run.
 *
 *   bench_stats [--quick] [--scale F] [--dir DIR] [--baseline-all|--baseline-few] [--keep]
 *
 * Steps (monotonic clock):
 *   1. a fresh store (schema, regions, municipalities, four products), incremental
 *      maintenance switched off, then persons and doses generated with SQL straight
 *      into the tables: scale 1.0 = 10,400,000 persons spread over the 290
 *      municipalities (uniformly: regions weigh by their number of municipalities),
 *      birth years 1920-2019, a DeSO code each (about 20 per municipality); doses
 *      by a deterministic hash of the person: dose 1 for 95 % of those born 2009 or
 *      earlier, dose 2 for 92 %, dose 3 for 60 %, dose 4 for 40 % of those born 1956
 *      or earlier — about 25 million doses — in weeks that follow age like the 2021
 *      campaign (oldest first), products COM 75 %, MOD 15 %, AZ 9 %, JANSS 1 %;
 *      --quick = scale 0.01;
 *   2. `maintain on`: the cubes built from the raw tables (the rebuild time), and the
 *      population cube at 2021-12-31;
 *   3. incremental cost: K doses recorded through the store (one transaction) with
 *      maintenance on, against K with it off (no statistics trigger at all), on the
 *      same database (K = 200,000 at full scale, 20,000 with --quick) — recording
 *      does no statistics work either way (the cubes are kept deferred); then the
 *      applier: vx_stats_apply folding those K doses into the cubes (time, doses/s),
 *      C corrections (UPDATEs of given_at and status as the care module makes them,
 *      C = K / 10) applied, and a cut that first has to apply K / 10 new doses;
 *   4. every cut: each of the 9 dimensions, national and for region 01, weekly and
 *      cumulative, for doses and for persons with at least one dose (72 cuts), from
 *      the cubes; and for the weekly national and regional cuts of each dimension and
 *      measure (36) the same cut computed with GROUP BY over persons and doses
 *      (vx_stats_cut_direct; cumulative needs the same scan plus a running sum). Each
 *      baseline answer must equal the cube's, cell by cell.
 * Prints one line per cut and the summary line
 *   slowest_cut_ms=N baseline_slowest_ms=N cuts=N
 * Target: every cut < 1000 ms at scale 1.0. The baseline runs every weekly cut below
 * scale 0.05 (or with --baseline-all); at larger scales (or with --baseline-few) only
 * the 9 national weekly dose cuts and persons by region, because a GROUP BY over the
 * raw tables takes minutes there (persons need a window over every dose).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/import.h"
#include "vx/stats.h"
#include "vx/store.h"
#include "vx/store_stats.h"

#define FULL_PERSONS 10400000.0
#define TARGET_MS    1000.0

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void remove_db(const char *path)
{
    char side[1100];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
}

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_stats: %s: %s\n", what, msg);
    return 1;
}

/* Persons and doses by SQL (parameter 1 = persons). */
static const char *const gen_sql[] = {
    "CREATE TEMP TABLE km AS SELECT row_number() OVER (ORDER BY code) - 1 AS rn, code,"
    " region_code FROM municipalities",
    "INSERT INTO persons (id, region_code, kommun_code, birth_date, residence, risk, flags, pnr,"
    " sex, deso, synthetic, created_at)"
    " WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?1)"
    " SELECT i, km.region_code, km.code,"
    " (1920 + (i * 1103515245 + 12345) % 100) * 10000 + (1 + (i * 40503) % 12) * 100 + 1 + (i * "
    "7919) % 28,"
    " CASE WHEN (i * 31) % 100 < 2 THEN 'special_housing' WHEN (i * 31) % 100 < 5 THEN"
    " 'home_care' ELSE 'own_home' END, CASE WHEN (i * 17) % 10 = 0 THEN 4 ELSE 0 END,"
    " CASE WHEN (i * 13) % 50 = 0 THEN 1 ELSE 0 END, printf('%012d', i), 1 + i % 2,"
    " km.code || 'C' || printf('%04d', (i * 101) % 20), 1, 0"
    " FROM s JOIN km ON km.rn = (i * 48271) % 290",
    /* dose n of person i: h = hash in 0..999; week offset of dose 1 follows age */
    "INSERT INTO doses (person_id, region_code, vaccine_code, dose_number, given_at, source,"
    " created_at)"
    " SELECT p.id, p.region_code, CASE WHEN h < 750 THEN 'COM' WHEN h < 900 THEN 'MOD'"
    " WHEN h < 990 THEN 'AZ' ELSE 'JANSS' END, n.d,"
    " 1609059600 + 86400 * (max(0, (p.birth_date / 10000 - 1920) * 3) + h % 60"
    "   + CASE n.d WHEN 1 THEN 0 WHEN 2 THEN 21 + h % 60 WHEN 3 THEN 200 + h % 100"
    "   ELSE 330 + h % 60 END) + (h * 37) % 28800, 'recorded', 0"
    " FROM (SELECT id, region_code, birth_date, (id * 2654435761) % 1000 AS h FROM persons"
    "       WHERE birth_date < 20100101) p"
    " JOIN (SELECT 1 AS d UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) n"
    " WHERE (n.d = 1 AND p.h < 950) OR (n.d = 2 AND p.h < 920)"
    "   OR (n.d = 3 AND p.h < 600) OR (n.d = 4 AND p.h < 400 AND p.birth_date < 19570101)",
    "DROP TABLE km",
};

static int generate(const char *path, long persons)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return die("open", sqlite3_errmsg(db));
    sqlite3_exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < sizeof gen_sql / sizeof gen_sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, gen_sql[i], -1, &q, NULL) != SQLITE_OK) {
            int rc = die("prepare", sqlite3_errmsg(db));
            sqlite3_close(db);
            return rc;
        }
        if (sqlite3_bind_parameter_count(q))
            sqlite3_bind_int64(q, 1, persons);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE) {
            rc = die("generate", sqlite3_errmsg(db));
            sqlite3_close(db);
            return rc;
        }
    }
    if (sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = die("commit", sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_close(db);
    return 0;
}

/* K doses through the store in one transaction: dose 5 of persons first..first+K-1. */
static double record_doses(struct vx_store *st, int k, int first_person)
{
    double t0 = now_ms();
    if (vx_store_begin(st) != VX_OK)
        return -1;
    for (int i = 0; i < k; i++) {
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = first_person + i;
        snprintf(d.vaccine, sizeof d.vaccine, "COM");
        d.dose_number = 5;
        d.given_at = 1664000000 + i;
        snprintf(d.source, sizeof d.source, "recorded");
        /* the person's region: persons of the bench are spread by a hash, so ask */
        snprintf(d.region, sizeof d.region, "01");
        if (st->ops->dose_put(st, &d, NULL) != VX_OK) {
            vx_store_rollback(st);
            return -1;
        }
    }
    if (vx_store_commit(st) != VX_OK)
        return -1;
    return now_ms() - t0;
}

static bool same(const struct vx_stats_result *a, const struct vx_stats_result *b)
{
    if (a->n != b->n || a->total != b->total)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->cells[i].n != b->cells[i].n || strcmp(a->cells[i].key[0], b->cells[i].key[0]))
            return false;
    return true;
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    const char *dir = NULL;
    bool baseline_all = false, baseline_set = false, keep = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            scale = 0.01;
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
            scale = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--baseline-all"))
            baseline_all = baseline_set = true;
        else if (!strcmp(argv[i], "--baseline-few"))
            baseline_set = true;
        else if (!strcmp(argv[i], "--keep"))
            keep = true;
        else {
            fprintf(stderr, "usage: bench_stats [--quick] [--scale F] [--dir DIR] "
                            "[--baseline-all|--baseline-few] [--keep]\n");
            return 2;
        }
    }
    if (!(scale > 0 && scale <= 2))
        return die("--scale", "must be in (0, 2]");
    if (!dir)
        dir = getenv("VX_TEST_TMP") ? getenv("VX_TEST_TMP") : "/tmp";
    char path[1024];
    snprintf(path, sizeof path, "%s/bench-stats.db", dir);
    remove_db(path);
    long persons = (long)(FULL_PERSONS * scale + 0.5);
    if (!baseline_set)
        baseline_all = scale < 0.05;

    /* 1. schema, reference data, products; maintenance off; persons and doses */
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK)
        return die("open", err.msg);
    if (vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK)
        return die("reference data", err.msg);
    static const char *const prods[][2] = {{"COM", "2"}, {"MOD", "2"}, {"AZ", "2"}, {"JANSS", "1"}};
    for (size_t i = 0; i < 4; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"schedule\":{\"doses\":%s}}", prods[i][1]);
        if (st->ops->vaccine_put(st, prods[i][0], prods[i][0], json) != VX_OK)
            return die("vaccine", st->err);
    }
    if (st->ops->stats->maintain(st, false) != VX_OK)
        return die("maintain off", st->err);
    vx_store_close(st);
    double t0 = now_ms();
    if (generate(path, persons))
        return 1;
    double t_gen = now_ms() - t0;
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK)
        return die("open", err.msg);
    int64_t n_persons = st->ops->count(st, "persons"), n_doses = st->ops->count(st, "doses");
    printf("bench_stats: scale %.3f: %lld persons, %lld doses generated in %.1f s\n", scale,
           (long long)n_persons, (long long)n_doses, t_gen / 1e3);

    /* 3a. K doses without triggers (maintenance is still off) */
    int k = scale >= 0.5 ? 200000 : 20000;
    if (k > n_persons / 4)
        k = (int)(n_persons / 4);
    double t_plain = record_doses(st, k, 1);
    if (t_plain < 0)
        return die("doses without triggers", st->err);

    /* 2. cubes from the raw tables, population */
    t0 = now_ms();
    if (st->ops->stats->maintain(st, true) != VX_OK)
        return die("maintain on", st->err);
    double t_rebuild = now_ms() - t0;
    t0 = now_ms();
    if (vx_stats_refresh(st, vx_day_from_ymd(2021, 12, 31), NULL) != VX_OK)
        return die("refresh", st->err);
    double t_pop = now_ms() - t0;
    printf("cubes built from the raw tables in %.1f s; population cube in %.1f s\n",
           t_rebuild / 1e3, t_pop / 1e3);

    /* 3b. K doses with maintenance on, then the applier */
    double t_trig = record_doses(st, k, 1 + k);
    if (t_trig < 0)
        return die("doses with maintenance on", st->err);
    printf("recording %d doses in one transaction: %.0f doses/s with maintenance on, "
           "%.0f doses/s with it off (x%.2f)\n",
           k, k / (t_trig / 1e3), k / (t_plain / 1e3), t_trig / t_plain);
    struct vx_stats_applied ap;
    t0 = now_ms();
    if (vx_stats_apply(st, 0, &ap) != VX_OK)
        return die("apply", st->err);
    double t_apply = now_ms() - t0;
    printf("apply: %lld doses of %lld persons folded into the cubes in %.0f ms (%d "
           "transactions): %.0f doses/s\n",
           (long long)ap.doses, (long long)ap.persons, t_apply, ap.chunks,
           (double)ap.doses / (t_apply / 1e3));
    /* 3c. corrections and voids as the care module makes them, then applied */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE doses SET given_at = given_at + 3600, version = version + 1"
             " WHERE id %% 20 = 0 AND id <= %lld;"
             "UPDATE doses SET status = 'voided', version = version + 1"
             " WHERE id %% 20 = 10 AND id <= %lld",
             (long long)k * 20, (long long)k * 20);
    sqlite3 *raw = NULL;
    if (sqlite3_open(path, &raw) != SQLITE_OK)
        return die("open", sqlite3_errmsg(raw));
    sqlite3_busy_timeout(raw, 5000);
    t0 = now_ms();
    if (sqlite3_exec(raw, sql, NULL, NULL, NULL) != SQLITE_OK)
        return die("corrections", sqlite3_errmsg(raw));
    double t_corr = now_ms() - t0;
    sqlite3_close(raw);
    t0 = now_ms();
    if (vx_stats_apply(st, 0, &ap) != VX_OK)
        return die("apply corrections", st->err);
    t_apply = now_ms() - t0;
    printf("corrections: %lld corrections and voids of %lld persons written in %.0f ms, "
           "applied in %.0f ms\n",
           (long long)ap.changes, (long long)ap.persons, t_corr, t_apply);
    /* 3d. a cut that has to apply K / 10 new doses first */
    if (record_doses(st, k / 10, 1 + 2 * k) < 0)
        return die("doses", st->err);
    {
        struct vx_stats_query q;
        vx_stats_query_init(&q);
        q.measure = VX_SM_PERSONS;
        q.nby = 1;
        q.by[0] = VX_SD_REGION;
        struct vx_stats_result r;
        vx_stats_result_init(&r);
        t0 = now_ms();
        if (vx_stats_cut(st, &q, &r) != VX_OK)
            return die("cut", st->err);
        printf("persons by region with %d doses pending (applied by the cut): %.0f ms\n", k / 10,
               now_ms() - t0);
        vx_stats_result_release(&r);
    }

    /* 4. the cuts */
    double slowest = 0, base_slowest = 0;
    const char *slowest_name = "", *base_slowest_name = "";
    static char names[80][64];
    int cuts = 0, mismatches = 0;
    printf("%-34s %10s %12s %8s %7s\n", "cut", "cube ms", "baseline ms", "ratio", "cells");
    for (int m = 0; m < 2; m++) {
        for (int d = 0; d < VX_SD_COUNT; d++) {
            for (int scope = 0; scope < 2; scope++) {
                for (int cum = 0; cum < 2; cum++) {
                    struct vx_stats_query q;
                    vx_stats_query_init(&q);
                    q.measure = m ? VX_SM_PERSONS : VX_SM_DOSES;
                    q.nby = 1;
                    q.by[0] = (enum vx_stats_dim)d;
                    q.cumulative = cum;
                    if (scope)
                        snprintf(q.region, sizeof q.region, "01");
                    struct vx_stats_result r;
                    vx_stats_result_init(&r);
                    t0 = now_ms();
                    if (vx_stats_cut(st, &q, &r) != VX_OK)
                        return die("cut", st->err);
                    double ms = now_ms() - t0;
                    char *name = names[cuts % 80];
                    snprintf(name, 64, "%s by %s %s %s", vx_stats_measure_code(q.measure),
                             vx_stats_dim_code(q.by[0]), scope ? "region 01" : "national",
                             cum ? "cum" : "weekly");
                    cuts++;
                    if (ms > slowest) {
                        slowest = ms;
                        slowest_name = name;
                    }
                    double bms = -1;
                    /* the baseline: every weekly cut, or (large scales) the national
                     * weekly dose cuts and persons by region */
                    bool few = !scope && (m == 0 || d == VX_SD_REGION);
                    if (!cum && (baseline_all || few)) {
                        struct vx_stats_result b;
                        vx_stats_result_init(&b);
                        t0 = now_ms();
                        if (vx_stats_cut_direct(st, &q, &b) != VX_OK)
                            return die("baseline", st->err);
                        bms = now_ms() - t0;
                        if (!same(&r, &b)) {
                            mismatches++;
                            fprintf(stderr, "MISMATCH: %s (cube %zu cells, baseline %zu)\n", name,
                                    r.n, b.n);
                        }
                        vx_stats_result_release(&b);
                        if (bms > base_slowest) {
                            base_slowest = bms;
                            base_slowest_name = name;
                        }
                    }
                    if (bms >= 0)
                        printf("%-34s %10.2f %12.1f %8.0f %7zu\n", name, ms, bms,
                               bms / (ms > 0.001 ? ms : 0.001), r.n);
                    else
                        printf("%-34s %10.2f %12s %8s %7zu\n", name, ms, "-", "-", r.n);
                    vx_stats_result_release(&r);
                }
            }
        }
    }
    printf("slowest cut: %s, %.1f ms (target < %.0f ms: %s); slowest baseline: %s, %.0f ms\n",
           slowest_name, slowest, TARGET_MS, slowest < TARGET_MS ? "PASS" : "MISS",
           base_slowest_name, base_slowest);
    printf("slowest_cut_ms=%.0f baseline_slowest_ms=%.0f cuts=%d\n", slowest, base_slowest, cuts);
    vx_store_close(st);
    if (!keep)
        remove_db(path);
    return mismatches ? 1 : 0;
}
