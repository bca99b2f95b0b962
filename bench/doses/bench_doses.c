/*
 * bench_doses.c — a national year of doses through the store, out to the registers.
 *
 *   bench_doses [--quick] [--doses N] [--persons P] [--batch B] [--dir DIR] [--keep]
 *               [--only-outbox] [--drop PREFIX] [--no-triggers] [--cache-mib M] [--spread]
 *               [--person-order cohort|random|order]
 *
 * Default N = 25,000,000 doses (a national year) for P = 10,400,000 persons (2.4 doses
 * each); --quick = 200,000 doses for 83,200 persons (a smoke run of a few seconds).
 *
 *   setup     DIR/doses.db: the store's schema (all migrations, so every module's
 *             triggers on doses are active), SCB regions and municipalities, four
 *             vaccines, one site per region, and P persons inserted directly with SQL
 *             (setup, not measured): unique synthetic 12-digit numbers with a valid
 *             check digit.
 *   record    N doses through st->ops->dose_put in transactions of B (default
 *             10,000) with synchronous=FULL: the API path, foreign keys, the doses
 *             indexes and every trigger on doses (the outbox has none on INSERT; the
 *             statistics module has none on INSERT either). Dose k of N is given at
 *             k/N of 2021, so the doses arrive in time order as a register receives
 *             them; --spread scatters each transaction over the whole year instead
 *             (a back-fill in random order: the time-keyed indexes take random
 *             inserts). Within each dose number the persons come oldest first, a
 *             birth year after the other, in a random order within each (see
 *             person_of; --person-order random|order for the worst and best case of the
 *             person index).
 *             --only-outbox drops the other modules' triggers,
 *             --drop PREFIX those whose name starts with PREFIX (e.g. stats_), to see
 *             what they cost; --no-triggers drops all and stops after recording.
 *   log       the outbox's sync: the N new doses into the change log (one INSERT ...
 *             SELECT), as the first export of a day does.
 *   export    vx_regx_export(nvr) — one NVR file of N records with trailer count and
 *             SHA-256, fsync + rename; then vx_regx_export(fhir) — N FHIR R4
 *             Immunizations as NDJSON (direct writer). Each register's figure counts
 *             the log step too, as if it were the only register exported.
 *   baselines in the same run: (a) plain SQLite — the same N rows (same values, same
 *             12 columns the API binds) with one prepared INSERT into a table without
 *             triggers, foreign keys or secondary indexes, in DIR/plain.db with the
 *             same pragmas and the same transactions of B; (b) a plain SELECT of the
 *             NVR file's columns (doses ⋈ persons ⋈ sites) written to a file with
 *             fprintf, no change log, no history look-up, no SHA-256.
 *
 * Page cache: both the store's connection and the baseline's get M MiB (default 1024):
 * at national scale the doses indexes (by person, by site and time, ...) are written at
 * random places, and with the store's default 16 MiB per handle every transaction
 * re-reads and re-writes most of their leaf pages (measured: under 10,000 doses/s).
 * A national writer needs its indexes' working set in memory; so does the baseline.
 *
 * Output: one line per phase with doses/s, the ratios to the baselines, and last
 *   record_per_s=N export_nvr_per_s=N export_fhir_per_s=N log_per_s=N
 *   baseline_insert_per_s=N baseline_select_per_s=N
 * Targets (issue 6): recording >= 50,000 doses/s, export >= 200,000 doses/s.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/regx.h"
#include "vx/store.h"
#include "../../src/store/sqlite/sqlite_int.h"

#define N_VACCINES 4
static const char *const vaccines[N_VACCINES] = {"COM", "MOD", "AZ", "JANSS"};
static const vx_time YEAR0 = 1609459200; /* 2021-01-01T00:00:00Z */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_doses: %s: %s\n", what, msg);
    exit(1);
}

/* The synthetic personnummer of person i (0-based) of P: birth dates from 1930-01-01 over
 * 27,000 days in the order of i (so ids follow the personnummer, as an import sorted by
 * it gives them), serial numbers counting within a day. */
static void pnr_of(int64_t i, int64_t persons, char out[13])
{
    int64_t day = i * 27000 / persons;
    int64_t first = (day * persons + 26999) / 27000; /* the day's first person */
    vx_day d = vx_day_from_ymd(1930, 1, 1) + (vx_day)day;
    struct vx_ymd y = vx_ymd_from_day(d);
    int serial = 1 + (int)(i - first);
    char nine[24];
    snprintf(nine, sizeof nine, "%02d%02d%02d%03d", y.year % 100, y.month, y.day, serial);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d%.7s%d", y.year % 10000, nine + 2, vx_pnr_luhn(nine) % 10);
    memcpy(out, buf, 12);
    out[12] = '\0';
}

/* How the doses' times follow k: in the order they are given (a register records a
 * dose when it is given: dose k of N at k/N of the year), or --spread: each transaction
 * scattered over the whole year (k * 1259 s modulo a year), the worst case for the
 * time-keyed indexes, as a back-fill of a year's paper records in random order would be. */
static bool spread_times;

/* Who gets dose k within its dose number (--person-order MODE):
 *   cohort  (default) the oldest first, as the FoHM phases go, a birth year (~100,000
 *           persons) after the other, and within a cohort in a random order (a fixed
 *           permutation): a day's doses go to persons all over their cohort;
 *   random  a random order over all persons (a permutation): `doses_person` takes
 *           inserts all over the id space, the worst case;
 *   order   the persons in id order: that index grows at its end, the best case.
 * Ids follow birth dates (pnr_of), so "oldest first" is "low ids first". */
enum person_order { PO_COHORT, PO_RANDOM, PO_ORDER };
static enum person_order person_order;
#define COHORT 100000

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A permutation of [0, n): i -> (i * m + c) mod n with m coprime to n. */
static int64_t permute(int64_t i, int64_t n)
{
    int64_t m = 2654435761LL % n; /* Knuth's multiplicative constant, made coprime */
    while (n > 1 && (m < 2 || gcd64(m, n) != 1))
        m = m + 1 < n ? m + 1 : 1;
    return n > 1 ? (int64_t)(((__int128)i * m + 12345) % n) : 0;
}

static int64_t person_of(int64_t i, int64_t persons)
{
    switch (person_order) {
    case PO_ORDER:
        return i;
    case PO_RANDOM:
        return permute(i, persons);
    case PO_COHORT:
    default: {
        int64_t start = i / COHORT * COHORT,
                n = persons - start < COHORT ? persons - start : COHORT;
        return start + permute(i - start, n);
    }
    }
}

/* Dose k of n: person k % P, dose number k / P + 1, a time in 2021. */
static void dose_of(int64_t k, int64_t n, int64_t persons, const int64_t *site_ids,
                    const char (*site_region)[3], struct vx_dose_rec *d)
{
    memset(d, 0, sizeof *d);
    int64_t p = person_of(k % persons, persons);
    int reg = (int)(p % 21);
    d->person_id = p + 1;
    memcpy(d->region, site_region[reg], 3);
    snprintf(d->vaccine, sizeof d->vaccine, "%s", vaccines[p % N_VACCINES]);
    snprintf(d->lot_number, sizeof d->lot_number, "L%05lld", (long long)(k % 99991));
    d->dose_number = (int)(k / persons) + 1;
    const int64_t year = 365 * 86400;
    d->given_at = YEAR0 + (spread_times ? (k * 1259) % year : (vx_time)((double)k * year / n));
    d->site_id = site_ids[reg];
    snprintf(d->vaccinator, sizeof d->vaccinator, "vacc%03d", (int)(k % 997));
    snprintf(d->source, sizeof d->source, "recorded");
    snprintf(d->injection_site, sizeof d->injection_site, "left_arm");
    d->created_at = d->given_at + 60;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg ? msg : sqlite3_errmsg(db));
}

static int64_t file_size(const char *dir, const char *name)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_rf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int64_t n = 25000000, persons = 0, batch = 10000, cache_mib = 1024;
    const char *dir = "/tmp/bench_doses";
    bool keep = false, only_outbox = false, no_triggers = false;
    const char *drop[8];
    int ndrop = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            n = 200000;
        else if (!strcmp(argv[i], "--doses") && i + 1 < argc)
            n = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--persons") && i + 1 < argc)
            persons = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--keep"))
            keep = true;
        else if (!strcmp(argv[i], "--only-outbox"))
            only_outbox = true;
        else if (!strcmp(argv[i], "--no-triggers"))
            no_triggers = only_outbox = true;
        else if (!strcmp(argv[i], "--cache-mib") && i + 1 < argc)
            cache_mib = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--spread"))
            spread_times = true;
        else if (!strcmp(argv[i], "--person-order") && i + 1 < argc) {
            const char *m = argv[++i];
            if (!strcmp(m, "cohort"))
                person_order = PO_COHORT;
            else if (!strcmp(m, "random"))
                person_order = PO_RANDOM;
            else if (!strcmp(m, "order"))
                person_order = PO_ORDER;
            else
                die("--person-order", "cohort, random or order");
        } else if (!strcmp(argv[i], "--drop") && i + 1 < argc && ndrop < 8)
            drop[ndrop++] = argv[++i];
        else {
            fprintf(stderr, "usage: bench_doses [--quick] [--doses N] [--persons P] "
                            "[--batch B] [--dir DIR] [--keep] [--only-outbox] [--drop PREFIX] "
                            "[--no-triggers] [--cache-mib M] [--spread] [--person-order "
                            "cohort|random|order]\n");
            return 2;
        }
    }
    if (persons <= 0)
        persons = (int64_t)((double)n / 2.4 + 0.5);
    if (n < 1 || persons < 21 || persons > 27000LL * 998 || batch < 1 || cache_mib < 1 ||
        cache_mib > 65536)
        die("arguments", "need --doses >= 1, 21 <= --persons <= 26,946,000, --batch >= 1, "
                         "1 <= --cache-mib <= 65536");
    char cache_sql[64];
    snprintf(cache_sql, sizeof cache_sql, "PRAGMA cache_size = -%lld", (long long)cache_mib * 1024);
    rm_rf(dir);
    char out[1200], dbpath[1200], plainpath[1200];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(dbpath, sizeof dbpath, "%s/doses.db", dir);
    snprintf(plainpath, sizeof plainpath, "%s/plain.db", dir);
    if (mkdir(dir, 0755) != 0 || mkdir(out, 0755) != 0)
        die(dir, "cannot create the folder");
    printf("bench_doses: %lld doses, %lld persons, transactions of %lld, page cache %lld MiB, "
           "times %s, persons %s, in %s\n",
           (long long)n, (long long)persons, (long long)batch, (long long)cache_mib,
           spread_times ? "spread over the year in every transaction (--spread)" : "in order given",
           person_order == PO_ORDER    ? "in id order (--person-order order)"
           : person_order == PO_RANDOM ? "in a random order (--person-order random)"
                                       : "oldest first, random within each birth year",
           dir);

    /* ---- setup ---- */
    double t = now_s();
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(dbpath, &st, &err) != VX_OK)
        die(dbpath, err.msg);
    if (vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK)
        die("reference data", err.msg);
    for (int i = 0; i < N_VACCINES; i++)
        if (st->ops->vaccine_put(st, vaccines[i], vaccines[i], "{}") != VX_OK)
            die("vaccine", st->err);
    int64_t site_ids[21];
    char site_region[21][3];
    sqlite3 *db = sq_store_db(st);
    exec(db, cache_sql);
    {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db,
                               "SELECT min(code), region_code FROM municipalities "
                               "GROUP BY region_code ORDER BY region_code",
                               -1, &q, NULL) != SQLITE_OK)
            die("municipalities", sqlite3_errmsg(db));
        int r = 0;
        while (r < 21 && sqlite3_step(q) == SQLITE_ROW) {
            struct vx_site_rec s;
            memset(&s, 0, sizeof s);
            snprintf(s.kommun, sizeof s.kommun, "%s", (const char *)sqlite3_column_text(q, 0));
            snprintf(s.region, sizeof s.region, "%s", (const char *)sqlite3_column_text(q, 1));
            snprintf(s.code, sizeof s.code, "%s-MC-0001", s.region);
            snprintf(s.name, sizeof s.name, "Massvaccination %s", s.region);
            s.kind = VX_SITE_MASS_CENTRE;
            s.stations = 10;
            s.minutes_per_dose = 5;
            s.open_minute = 480;
            s.close_minute = 1200;
            s.weekdays = 0x7f;
            if (st->ops->site_put(st, &s, &site_ids[r]) != VX_OK)
                die("site", st->err);
            memcpy(site_region[r], s.region, 3);
            r++;
        }
        sqlite3_finalize(q);
        if (r != 21)
            die("municipalities", "expected 21 regions");
        /* persons straight into the table (setup, not measured) */
        exec(db, "BEGIN");
        if (sqlite3_prepare_v2(db,
                               "INSERT INTO persons (id, region_code, kommun_code, birth_date, "
                               "pnr, sex, synthetic, created_at) VALUES (?1, ?2, "
                               "(SELECT min(code) FROM municipalities WHERE region_code = ?2), "
                               "?3, ?4, ?5, 1, 0)",
                               -1, &q, NULL) != SQLITE_OK)
            die("persons", sqlite3_errmsg(db));
        for (int64_t i = 0; i < persons; i++) {
            char pnr[13];
            pnr_of(i, persons, pnr);
            sqlite3_bind_int64(q, 1, i + 1);
            sqlite3_bind_text(q, 2, site_region[i % 21], 2, SQLITE_STATIC);
            sqlite3_bind_int(q, 3,
                             (int)strtol((char[9]){pnr[0], pnr[1], pnr[2], pnr[3], pnr[4], pnr[5],
                                                   pnr[6], pnr[7], 0},
                                         NULL, 10));
            sqlite3_bind_text(q, 4, pnr, 12, SQLITE_TRANSIENT);
            sqlite3_bind_int(q, 5, (pnr[10] - '0') % 2 ? 1 : 2);
            if (sqlite3_step(q) != SQLITE_DONE)
                die("person", sqlite3_errmsg(db));
            sqlite3_reset(q);
            if ((i + 1) % 500000 == 0) {
                exec(db, "COMMIT");
                exec(db, "BEGIN");
            }
        }
        sqlite3_finalize(q);
        exec(db, "COMMIT");
    }
    /* the triggers on doses (other modules add their own: they cost the recording path) */
    {
        sqlite3_stmt *q;
        char names[1024] = "";
        size_t used = 0;
        if (sqlite3_prepare_v2(db,
                               "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                               "tbl_name = 'doses' ORDER BY name",
                               -1, &q, NULL) != SQLITE_OK)
            die("triggers", sqlite3_errmsg(db));
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *nm = (const char *)sqlite3_column_text(q, 0);
            bool ours = !strncmp(nm, "regx_", 5), dropped = false;
            for (int k = 0; k < ndrop; k++)
                dropped |= !strncmp(nm, drop[k], strlen(drop[k]));
            if ((only_outbox && !ours) || no_triggers || dropped) {
                char sql[200];
                snprintf(sql, sizeof sql, "DROP TRIGGER \"%s\"", nm);
                sqlite3_stmt *keepq = q; /* dropping while iterating is fine in SQLite */
                exec(db, sql);
                q = keepq;
                continue;
            }
            int k = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", nm);
            if (k > 0 && (size_t)k < sizeof names - used)
                used += (size_t)k;
        }
        sqlite3_finalize(q);
        printf("triggers on doses during the recording: %s%s%s\n", names,
               only_outbox ? " (--only-outbox: the other modules' triggers dropped)" : "",
               ndrop ? " (--drop: some dropped)" : "");
    }
    printf("setup         %8.1f s (%lld persons)\n", now_s() - t, (long long)persons);
    fflush(stdout);

    /* ---- record through the store API ---- */
    struct vx_dose_rec d;
    t = now_s();
    for (int64_t k = 0; k < n; k += batch) {
        if (vx_store_begin(st) != VX_OK)
            die("begin", st->err);
        for (int64_t j = k; j < n && j < k + batch; j++) {
            dose_of(j, n, persons, site_ids, site_region, &d);
            if (st->ops->dose_put(st, &d, NULL) != VX_OK)
                die("dose_put", st->err);
        }
        if (vx_store_commit(st) != VX_OK)
            die("commit", st->err);
    }
    double t_record = now_s() - t;
    int64_t changes = 0;
    st->ops->regx->last_seq(st, &changes);
    if (no_triggers) { /* diagnostic: the recording cost without any trigger, then stop */
        printf("record (no triggers) %8.1f s  %10.0f doses/s\n", t_record, (double)n / t_record);
        vx_store_close(st);
        if (!keep)
            rm_rf(dir);
        return 0;
    }
    if (changes != n)
        die("outbox", "the outbox does not count one change per dose");
    printf("record        %8.1f s  %10.0f doses/s  (store API, FKs, indexes, triggers above)\n",
           t_record, (double)n / t_record);
    fflush(stdout);
    /* ---- the outbox logs the new doses (what the first export of a day does) ---- */
    t = now_s();
    int64_t added = 0;
    if (vx_store_begin(st) != VX_OK || st->ops->regx->sync(st, &added) != VX_OK ||
        vx_store_commit(st) != VX_OK)
        die("sync", st->err);
    double t_sync = now_s() - t;
    if (added != n)
        die("sync", "the change log did not get one row per dose");
    printf("log           %8.1f s  %10.0f doses/s  (outbox sync: new doses into the change log)\n",
           t_sync, (double)n / t_sync);
    fflush(stdout);

    /* ---- baseline: plain INSERT loop ---- */
    sqlite3 *pdb = NULL;
    if (sqlite3_open(plainpath, &pdb) != SQLITE_OK)
        die(plainpath, sqlite3_errmsg(pdb));
    exec(pdb, cache_sql);
    exec(pdb, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
              "CREATE TABLE plain (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL, "
              "region_code TEXT NOT NULL, vaccine_code TEXT NOT NULL, lot_number TEXT NOT NULL, "
              "dose_number INTEGER NOT NULL, given_at INTEGER NOT NULL, site_id INTEGER, "
              "vaccinator TEXT NOT NULL, source TEXT NOT NULL, created_at INTEGER NOT NULL, "
              "injection_site TEXT NOT NULL) STRICT");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(pdb,
                           "INSERT INTO plain (person_id, region_code, vaccine_code, lot_number, "
                           "dose_number, given_at, site_id, vaccinator, source, created_at, "
                           "injection_site) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &ins, NULL) != SQLITE_OK)
        die("plain insert", sqlite3_errmsg(pdb));
    t = now_s();
    for (int64_t k = 0; k < n; k += batch) {
        exec(pdb, "BEGIN");
        for (int64_t j = k; j < n && j < k + batch; j++) {
            dose_of(j, n, persons, site_ids, site_region, &d);
            sqlite3_bind_int64(ins, 1, d.person_id);
            sqlite3_bind_text(ins, 2, d.region, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, d.vaccine, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, d.lot_number, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 5, d.dose_number);
            sqlite3_bind_int64(ins, 6, d.given_at);
            sqlite3_bind_int64(ins, 7, d.site_id);
            sqlite3_bind_text(ins, 8, d.vaccinator, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 9, d.source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 10, d.created_at);
            sqlite3_bind_text(ins, 11, d.injection_site, -1, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die("plain insert", sqlite3_errmsg(pdb));
            sqlite3_reset(ins);
        }
        exec(pdb, "COMMIT");
    }
    double t_plain = now_s() - t;
    sqlite3_finalize(ins);
    sqlite3_close(pdb);
    printf("baseline ins  %8.1f s  %10.0f doses/s  (plain prepared INSERT, no triggers)\n", t_plain,
           (double)n / t_plain);
    fflush(stdout);

    /* ---- export: NVR file, FHIR NDJSON ---- */
    struct vx_regx_export_opts o = {
        .out_dir = out, .day = vx_day_from_ymd(2022, 1, 1), .now = YEAR0 + 366 * 86400};
    struct vx_regx_export_result res;
    double t_reg[2];
    enum vx_regx_register regs[2] = {VX_REGX_NVR, VX_REGX_FHIR};
    for (int i = 0; i < 2; i++) {
        o.reg = regs[i];
        t = now_s();
        if (vx_regx_export(st, &o, &res, &err) != VX_OK)
            die("export", err.msg);
        t_reg[i] = now_s() - t;
        if (res.sent != n)
            die("export", "not every dose was exported");
        printf("export %-5s  %8.1f s  %10.0f doses/s  with the log step %10.0f/s  (%s, %.1f MB)\n",
               vx_regx_register_code(regs[i]), t_reg[i], (double)n / t_reg[i],
               (double)n / (t_reg[i] + t_sync), res.file, (double)file_size(out, res.file) / 1e6);
        fflush(stdout);
    }

    /* ---- baseline: plain SELECT dump of the NVR columns ---- */
    char dump[1300];
    snprintf(dump, sizeof dump, "%s/plain_select.csv", out);
    t = now_s();
    FILE *f = fopen(dump, "w");
    sqlite3_stmt *sel;
    if (!f || sqlite3_prepare_v2(db,
                                 "SELECT d.id, d.version, p.pnr, d.vaccine_code, d.lot_number, "
                                 "d.dose_number, d.given_at, coalesce(s.code, ''), d.region_code, "
                                 "coalesce(d.kommun_code, ''), d.vaccinator, d.source "
                                 "FROM doses d JOIN persons p ON p.id = d.person_id "
                                 "LEFT JOIN sites s ON s.id = d.site_id ORDER BY d.id",
                                 -1, &sel, NULL) != SQLITE_OK)
        die("plain select", sqlite3_errmsg(db));
    int64_t rows = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        fprintf(f, "%lld;%d;%s;%s;%s;%d;%lld;%s;%s;%s;%s;%s\n",
                (long long)sqlite3_column_int64(sel, 0), sqlite3_column_int(sel, 1),
                sqlite3_column_text(sel, 2), sqlite3_column_text(sel, 3),
                sqlite3_column_text(sel, 4), sqlite3_column_int(sel, 5),
                (long long)sqlite3_column_int64(sel, 6), sqlite3_column_text(sel, 7),
                sqlite3_column_text(sel, 8), sqlite3_column_text(sel, 9),
                sqlite3_column_text(sel, 10), sqlite3_column_text(sel, 11));
        rows++;
    }
    sqlite3_finalize(sel);
    if (fclose(f) != 0 || rows != n)
        die("plain select", "short dump");
    double t_sel = now_s() - t;
    printf("baseline sel  %8.1f s  %10.0f doses/s  (plain SELECT of the same columns to a file)\n",
           t_sel, (double)n / t_sel);
    vx_store_close(st);

    double rec = (double)n / t_record, nvr = (double)n / (t_reg[0] + t_sync),
           fhir = (double)n / (t_reg[1] + t_sync), logps = (double)n / t_sync;
    double bins = (double)n / t_plain, bsel = (double)n / t_sel;
    printf("ratios: record/baseline_insert=%.2f export_nvr/baseline_select=%.2f "
           "export_fhir/baseline_select=%.2f\n",
           rec / bins, nvr / bsel, fhir / bsel);
    printf("targets: record >= 50000/s %s, export >= 200000/s nvr %s fhir %s\n",
           rec >= 50000 ? "met" : "MISSED", nvr >= 200000 ? "met" : "MISSED",
           fhir >= 200000 ? "met" : "MISSED");
    printf("record_per_s=%.0f export_nvr_per_s=%.0f export_fhir_per_s=%.0f log_per_s=%.0f "
           "baseline_insert_per_s=%.0f baseline_select_per_s=%.0f\n",
           rec, nvr, fhir, logps, bins, bsel);
    if (!keep)
        rm_rf(dir);
    return 0;
}
