/*
 * test_store_regx.c — the register outbox (src/store/sqlite/regx.c) and the exporter
 * on top of it (src/register/export.c, backfill.c), against a real SQLite file.
 *
 * Fixture: SCB regions and municipalities, three vaccines, one site (01-VC-0001) and
 * four persons with Skatteverket test personnummer (born 1930–1945), region 01.
 * Corrections and voids are made the way the care module makes them: an UPDATE of
 * doses that bumps version and/or sets status 'voided'.
 *
 * Covered: the triggers (one change per insert/correction/void, history of the old
 * state); NVR files checked field by field against the doses, the trailer's count and
 * SHA-256; exactly-once across close/reopen; a crash between "batch prepared" and
 * "done" redone into the same file; resend after correction and void (own content
 * per version); FHIR NDJSON; HL7 with a fake receiver: AA, AE, AR (transient and
 * data error), transport failure, unreadable ACK, back-off schedule with an injected
 * clock, giving up, ordering behind a failing earlier version, and a real crash
 * (fork + _exit between send and commit) with an idempotent receiver; back-fill CSV
 * and VXU with de-duplication, all-or-nothing and --skip-bad; status counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "vx/csv.h"
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/regx.h"
#include "vx/store.h"
#include "../../src/store/sqlite/sqlite_int.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"
#define N_P 4

static char dbpath[512], outdir[512];
static char pnr[N_P][13];
static int64_t pid[N_P], site_id;
static struct vx_store *st;
static const vx_time T0 = 1615190400; /* 2021-03-08T08:00:00Z */

/* ------------------------------------------------------------------ fixture */

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1024];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void open_db(void)
{
    struct vx_err err = {0};
    if (vx_store_open_sqlite(dbpath, &st, &err) != VX_OK)
        fail_msg("open: %s", err.msg);
}

static void close_db(void)
{
    vx_store_close(st);
    st = NULL;
}

static int64_t add_dose(int p, const char *vaccine, int n, vx_time at, const char *lot,
                        bool with_site)
{
    struct vx_dose_rec r;
    memset(&r, 0, sizeof r);
    r.person_id = pid[p];
    snprintf(r.region, sizeof r.region, "01");
    snprintf(r.vaccine, sizeof r.vaccine, "%s", vaccine);
    snprintf(r.lot_number, sizeof r.lot_number, "%s", lot);
    r.dose_number = n;
    r.given_at = at;
    r.site_id = with_site ? site_id : 0;
    if (!with_site)
        snprintf(r.kommun, sizeof r.kommun, "0180");
    snprintf(r.vaccinator, sizeof r.vaccinator, "vacc%d", p + 1);
    snprintf(r.injection_site, sizeof r.injection_site, "left_arm");
    r.created_at = at;
    int64_t id = 0;
    assert_int_equal(st->ops->dose_put(st, &r, &id), VX_OK);
    return id;
}

/* What the care module does for a correction (version + 1) or a void. */
static void correct(int64_t dose, const char *lot)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE doses SET version = version + 1, lot_number = '%s', updated_at = %lld "
             "WHERE id = %lld",
             lot, (long long)T0 + 100, (long long)dose);
    assert_int_equal(sqlite3_exec(sq_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
}

static void void_dose(int64_t dose, bool bump)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE doses SET status = 'voided', void_reason = 'recorded twice; really', "
             "version = version + %d, updated_at = %lld WHERE id = %lld",
             bump ? 1 : 0, (long long)T0 + 200, (long long)dose);
    assert_int_equal(sqlite3_exec(sq_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Log the doses inserted since the last sync, as an exporter does; returns how many. */
static int64_t sync_log(void)
{
    int64_t added = -1;
    assert_int_equal(vx_store_begin(st), VX_OK);
    assert_int_equal(st->ops->regx->sync(st, &added), VX_OK);
    assert_int_equal(vx_store_commit(st), VX_OK);
    return added;
}

static int64_t sql_int(const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(sq_store_db(st), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Rows in the change log itself (last_seq also counts the doses not logged yet). */
static int64_t logged(void)
{
    return sql_int("SELECT count(*) FROM regx_changes");
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("VX_TEST_TMP");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(dbpath, sizeof dbpath, "%s/regx-%d.db", tmp, (int)getpid());
    snprintf(outdir, sizeof outdir, "%s/regx-out-%d", tmp, (int)getpid());
    char p[600];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    rm_dir(outdir);
    if (mkdir(outdir, 0700) != 0)
        return -1;
    open_db();
    struct vx_err err = {0};
    if (vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK)
        fail_msg("reference: %s", err.msg);
    static const char *const vaccines[] = {"COM", "MOD", "JANSS"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(st->ops->vaccine_put(st, vaccines[i], vaccines[i], "{}"), VX_OK);
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "01-VC-0001");
    snprintf(s.name, sizeof s.name, "Vårdcentralen; Söder");
    snprintf(s.region, sizeof s.region, "01");
    snprintf(s.kommun, sizeof s.kommun, "0180");
    s.kind = VX_SITE_HEALTH_CENTRE;
    s.stations = 2;
    s.minutes_per_dose = 5;
    s.open_minute = 480;
    s.close_minute = 1020;
    s.weekdays = 0x1f;
    assert_int_equal(st->ops->site_put(st, &s, &site_id), VX_OK);
    size_t len;
    char *csv = slurp(TESTPNR, &len);
    assert_non_null(csv);
    int n = 0;
    for (char *line = strtok(csv, "\r\n"); line && n < N_P; line = strtok(NULL, "\r\n"))
        if (strlen(line) == 12 && strncmp(line, "1930", 4) >= 0 && strncmp(line, "1945", 4) <= 0)
            memcpy(pnr[n++], line, 13);
    free(csv);
    assert_int_equal(n, N_P);
    for (int i = 0; i < N_P; i++) {
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
        assert_int_equal(vx_pnr_parse(pnr[i], &o, &r.p.pnr, NULL), VX_OK);
        snprintf(r.p.region, sizeof r.p.region, "01");
        snprintf(r.p.kommun, sizeof r.p.kommun, "0180");
        snprintf(r.given_name, sizeof r.given_name, "Test%d", i);
        snprintf(r.family_name, sizeof r.family_name, "Persson");
        r.synthetic = true;
        assert_int_equal(st->ops->person_put(st, &r, &pid[i]), VX_OK);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_db();
    char p[600];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    rm_dir(outdir);
    return 0;
}

static struct vx_regx_export_opts file_opts(enum vx_regx_register reg, vx_time now)
{
    return (struct vx_regx_export_opts){.reg = reg,
                                        .out_dir = outdir,
                                        .day = vx_day_from_ymd(2021, 3, 8),
                                        .now = now,
                                        .no_fsync = true};
}

static struct vx_regx_export_result run_export(const struct vx_regx_export_opts *o)
{
    struct vx_regx_export_result res;
    struct vx_err err = {0};
    if (vx_regx_export(st, o, &res, &err) != VX_OK)
        fail_msg("export: %s", err.msg);
    return res;
}

/* ------------------------------------------------------------------ NVR file */

/* Split an NVR file into lines (in place); returns the line count. */
static int lines_of(char *text, char **lines, int cap)
{
    int n = 0;
    for (char *p = text; *p && n < cap;) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends with \n */
        *nl = '\0';
        lines[n++] = p;
        p = nl + 1;
    }
    return n;
}

static void sha256_hex(const char *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Read NVR file `name`, check header, trailer count and SHA-256; fields[i][..] per record. */
static int read_nvr(const char *name, char *fields[][16], char **text_out)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    size_t len;
    char *text = slurp(path, &len);
    assert_non_null(text);
    char *trailer = strstr(text, "#END;");
    assert_non_null(trailer);
    char sha[65];
    sha256_hex(text, (size_t)(trailer - text), sha);
    char *lines[64];
    int n = lines_of(text, lines, 64);
    assert_true(n >= 2);
    assert_string_equal(lines[0], vx_nvr_header());
    char expect[128];
    snprintf(expect, sizeof expect, "#END;%d;%s", n - 2, sha);
    assert_string_equal(lines[n - 1], expect);
    for (int i = 1; i < n - 1; i++) {
        int nf = 0;
        struct vx_err err = {0};
        assert_int_equal(
            vx_csv_split(lines[i], strlen(lines[i]), ';', fields[i - 1], 16, &nf, &err), VX_OK);
        assert_int_equal(nf, 15);
    }
    *text_out = text;
    return n - 2;
}

static void check_record(char **f, const char *action, int64_t dose, int version)
{
    struct vx_dose_rec d;
    assert_int_equal(st->ops->regx->dose_get(st, dose, &d), VX_OK);
    char buf[32];
    assert_string_equal(f[1], action);
    snprintf(buf, sizeof buf, "%lld", (long long)dose);
    assert_string_equal(f[2], buf);
    snprintf(buf, sizeof buf, "%d", version);
    assert_string_equal(f[3], buf);
    int p = 0;
    while (p < N_P && pid[p] != d.person_id)
        p++;
    assert_true(p < N_P);
    assert_string_equal(f[4], pnr[p]);
    assert_string_equal(f[5], d.vaccine);
    if (version == d.version)
        assert_string_equal(f[6], d.lot_number);
    snprintf(buf, sizeof buf, "%d", d.dose_number);
    assert_string_equal(f[7], buf);
    char when[32];
    assert_string_equal(f[8], vx_time_format_local(d.given_at, when));
    assert_string_equal(f[9], d.site_id ? "01-VC-0001" : "");
    assert_string_equal(f[10], "01");
    assert_string_equal(f[11], d.kommun);
    assert_string_equal(f[12], d.vaccinator);
    assert_string_equal(f[13], "recorded");
    assert_string_equal(f[14], !strcmp(action, "void") ? d.void_reason : "");
}

static void test_triggers_and_history(void **state)
{
    (void)state;
    int64_t before = 0, after = 0;
    /* no INSERT trigger of this module on doses: recording pays nothing for the outbox */
    assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                             "tbl_name = 'doses' AND name LIKE 'regx%' AND sql LIKE '%INSERT ON%'"),
                     0);
    assert_int_equal(st->ops->regx->last_seq(st, &before), VX_OK);
    int64_t d = add_dose(0, "COM", 1, T0, "EJ6795", true);
    assert_int_equal(st->ops->regx->last_seq(st, &after), VX_OK);
    assert_int_equal(after, before + 1); /* promised: the next seq, once logged */
    assert_int_equal(logged(), 0);       /* but not written on the recording path */
    correct(d, "EJ6796"); /* the UPDATE trigger logs the insert first, then the correction */
    assert_int_equal(logged(), 2);
    void_dose(d, false);
    /* an UPDATE that changes neither version nor status logs nothing */
    assert_int_equal(sqlite3_exec(sq_store_db(st),
                                  "UPDATE doses SET vaccinator = 'x' WHERE id = 1 AND 0", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    int64_t last = 0;
    assert_int_equal(st->ops->regx->last_seq(st, &last), VX_OK);
    assert_int_equal(last, before + 3);
    struct vx_regx_change_rec c;
    assert_int_equal(st->ops->regx->change_get(st, before + 1, &c), VX_OK);
    assert_int_equal(c.action, VX_REGX_NEW);
    assert_int_equal(c.dose.version, 1);
    assert_string_equal(c.dose.lot_number, "EJ6795"); /* from the history */
    assert_false(c.dose.voided);
    assert_string_equal(c.pnr, pnr[0]);
    assert_string_equal(c.site_code, "01-VC-0001");
    assert_int_equal(st->ops->regx->change_get(st, before + 2, &c), VX_OK);
    assert_int_equal(c.action, VX_REGX_CORRECTION);
    assert_int_equal(c.dose.version, 2);
    assert_string_equal(c.dose.lot_number, "EJ6796");
    assert_false(c.dose.voided);
    assert_int_equal(st->ops->regx->change_get(st, before + 3, &c), VX_OK);
    assert_int_equal(c.action, VX_REGX_VOID);
    assert_int_equal(c.dose.version, 2);
    assert_true(c.dose.voided);
    assert_int_equal(st->ops->regx->change_get(st, before + 99, &c), VX_ENOTFOUND);
    struct vx_regx_cursor_rec cur;
    assert_int_equal(st->ops->regx->cursor_get(st, "xml", &cur), VX_EINVAL);
    /* the cursor never moves back */
    assert_int_equal(st->ops->regx->cursor_advance(st, "fhir", 2, 0, T0), VX_OK);
    assert_int_equal(st->ops->regx->cursor_advance(st, "fhir", 1, 0, T0), VX_ECONFLICT);
    assert_int_equal(st->ops->regx->cursor_advance(st, "fhir", 0, 0, T0), VX_ECONFLICT);
    assert_int_equal(sqlite3_exec(sq_store_db(st),
                                  "UPDATE regx_cursors SET last_seq = 0 WHERE register = 'fhir'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

static void test_nvr_exactly_once(void **state)
{
    (void)state;
    int64_t d1 = add_dose(1, "COM", 1, T0 + 3600, "EJ6795", true);
    int64_t d2 = add_dose(2, "MOD", 1, T0 + 7200, "3002;\"B\"", false); /* needs quoting */
    struct vx_regx_export_opts o = file_opts(VX_REGX_NVR, T0 + 86400);
    struct vx_regx_export_result r = run_export(&o);
    assert_int_equal(r.files, 1);
    assert_string_equal(r.file, "NVR_20210308_0001.csv");
    char *f[64][16], *text;
    int n = read_nvr(r.file, f, &text);
    assert_int_equal(n, 5); /* 3 changes of test 1 + 2 inserts */
    assert_int_equal(r.sent, 5);
    check_record(f[3], "new", d1, 1);
    check_record(f[4], "new", d2, 1);
    assert_string_equal(f[4][6], "3002;\"B\"");
    assert_string_equal(f[0][1], "new");
    assert_string_equal(f[0][6], "EJ6795"); /* version 1 kept its own lot */
    assert_string_equal(f[1][1], "correction");
    assert_string_equal(f[1][6], "EJ6796");
    assert_string_equal(f[2][1], "void");
    assert_string_equal(f[2][14], "recorded twice; really");
    free(text);
    /* restart: nothing new */
    close_db();
    open_db();
    r = run_export(&o);
    assert_int_equal(r.files, 0);
    assert_int_equal(r.items, 0);
    assert_int_equal(count_files(outdir), 1);
    /* a new dose goes into the day's second file, alone */
    int64_t d3 = add_dose(3, "JANSS", 1, T0 + 9000, "XD955", true);
    r = run_export(&o);
    assert_string_equal(r.file, "NVR_20210308_0002.csv");
    n = read_nvr(r.file, f, &text);
    assert_int_equal(n, 1);
    check_record(f[0], "new", d3, 1);
    free(text);
    struct vx_regx_status_rec s;
    assert_int_equal(st->ops->regx->status(st, "nvr", &s), VX_OK);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.sent, 6);
    assert_int_equal(s.batches, 2);
}

static void test_nvr_resend_after_correction_and_void(void **state)
{
    (void)state;
    struct vx_regx_export_opts o = file_opts(VX_REGX_NVR, T0 + 86400);
    int64_t d = add_dose(0, "COM", 2, T0 + 21 * 86400, "EK1", true);
    correct(d, "EK2"); /* two corrections before the export: each goes with its own lot */
    correct(d, "EK3");
    void_dose(d, true);
    o.day = vx_day_from_ymd(2021, 3, 9);
    struct vx_regx_export_result r = run_export(&o);
    assert_string_equal(r.file, "NVR_20210309_0001.csv");
    char *f[64][16], *text;
    int n = read_nvr(r.file, f, &text);
    assert_int_equal(n, 4);
    static const char *const lots[] = {"EK1", "EK2", "EK3", "EK3"};
    static const char *const act[] = {"new", "correction", "correction", "void"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(f[i][1], act[i]);
        assert_string_equal(f[i][6], lots[i]);
        assert_int_equal(strtol(f[i][3], NULL, 10), i + 1);
    }
    check_record(f[3], "void", d, 4);
    free(text);
}

static void test_nvr_crash_redo(void **state)
{
    (void)state;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    add_dose(1, "COM", 2, T0 + 22 * 86400, "EK4", true);
    add_dose(2, "MOD", 2, T0 + 28 * 86400, "3003", false);
    /* an export that failed to write its file (folder gone) leaves a prepared batch */
    struct vx_regx_export_opts bad = file_opts(VX_REGX_NVR, T0 + 2 * 86400);
    bad.out_dir = "/nonexistent/regx";
    bad.day = vx_day_from_ymd(2021, 3, 10);
    struct vx_regx_export_result res;
    struct vx_err err = {0};
    assert_int_equal(vx_regx_export(st, &bad, &res, &err), VX_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/regx"));
    struct vx_regx_batch_rec b;
    assert_int_equal(rx->batch_pending(st, "nvr", &b), VX_OK);
    assert_string_equal(b.file, "NVR_20210310_0001.csv");
    assert_int_equal(b.last_seq - b.first_seq, 1);
    struct vx_regx_cursor_rec cur;
    assert_int_equal(rx->cursor_get(st, "nvr", &cur), VX_OK);
    assert_int_equal(cur.last_seq, b.first_seq - 1); /* not moved */
    /* more doses arrive; the "crashed" process also left a stale file of that name */
    add_dose(3, "COM", 2, T0 + 23 * 86400, "EK5", true);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", outdir, b.file);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("half a fi", fp);
    fclose(fp);
    /* the next run (any day) finishes exactly that batch, same name, same range */
    struct vx_regx_export_opts o = file_opts(VX_REGX_NVR, T0 + 3 * 86400);
    o.day = vx_day_from_ymd(2021, 3, 11);
    struct vx_regx_export_result r = run_export(&o);
    assert_string_equal(r.file, "NVR_20210310_0001.csv");
    char *f[64][16], *text;
    assert_int_equal(read_nvr(r.file, f, &text), 2);
    free(text);
    assert_int_equal(rx->batch_pending(st, "nvr", &b), VX_ENOTFOUND);
    /* and the run after that takes the rest */
    r = run_export(&o);
    assert_string_equal(r.file, "NVR_20210311_0001.csv");
    assert_int_equal(read_nvr(r.file, f, &text), 1);
    free(text);
    r = run_export(&o);
    assert_int_equal(r.files, 0);
    /* no temporary file stayed behind */
    DIR *dd = opendir(outdir);
    struct dirent *de;
    while ((de = readdir(dd)) != NULL)
        assert_null(strstr(de->d_name, ".tmp"));
    closedir(dd);
}

/* ------------------------------------------------------------------ FHIR */

static void test_fhir_ndjson(void **state)
{
    (void)state;
    struct vx_regx_export_opts o = file_opts(VX_REGX_FHIR, T0 + 86400);
    struct vx_regx_export_result r = run_export(&o);
    assert_string_equal(r.file, "FHIR_Immunization_20210308_0001.ndjson");
    int64_t last = 0;
    assert_int_equal(st->ops->regx->last_seq(st, &last), VX_OK);
    assert_int_equal(r.sent, last); /* every change since the start */
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", outdir, r.file);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    int lines = 0, voided = 0;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_buf want;
    vx_buf_init(&want, 1u << 20);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        struct vx_fhir_immunization imm;
        struct vx_err err = {0};
        /* the direct writer's line is the cJSON path's resource, byte for byte */
        struct vx_regx_change_rec c;
        assert_int_equal(st->ops->regx->change_get(st, lines + 1, &c), VX_OK);
        assert_int_equal(vx_regx_fhir_imm(&c, true, &a, &imm, &err), VX_OK);
        vx_buf_clear(&want);
        assert_int_equal(vx_fhir_imm_emit(&imm, false, &want), VX_OK);
        assert_string_equal(line, want.data);
        if (vx_fhir_imm_parse(line, strlen(line), &a, &imm, &err) != VX_OK)
            fail_msg("line %d: %s", lines + 1, err.msg);
        lines++;
        voided += !strcmp(imm.status, "entered-in-error");
        assert_non_null(imm.patient.identifier);
        assert_int_equal(strlen(imm.patient.identifier->value), 12);
        assert_non_null(strstr(imm.extra, "versionId"));
        assert_non_null(imm.id);
    }
    vx_arena_release(&a);
    vx_buf_release(&want);
    free(text);
    assert_int_equal(lines, last);
    assert_int_equal(voided, 2); /* the two voids */
    r = run_export(&o);
    assert_int_equal(r.files, 0);
}

/* ------------------------------------------------------------------ inserts by id */

static void test_inserts_logged_by_id(void **state)
{
    (void)state;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    struct vx_regx_export_opts o = file_opts(VX_REGX_NVR, T0 + 200 * 86400);
    o.day = vx_day_from_ymd(2021, 9, 1);
    run_export(&o); /* the NVR register is up to date */
    int64_t log0 = logged(), seq0 = 0, seq = 0, added = 7;
    assert_int_equal(rx->last_seq(st, &seq0), VX_OK);
    assert_int_equal(sql_int("SELECT dose_id FROM regx_mark"),
                     sql_int("SELECT max(id) FROM doses"));
    /* sync outside a transaction is refused and writes nothing */
    assert_int_equal(rx->sync(st, &added), VX_EINVAL);
    assert_int_equal(added, 0);
    assert_non_null(strstr(st->err, "transaction"));
    /* three inserts: counted, not logged */
    int64_t id[3];
    static const char *const lot1[] = {"LA1", "LB1", "LC1"};
    for (int i = 0; i < 3; i++)
        id[i] = add_dose(i, "COM", 3, T0 + (200 + i) * 86400, lot1[i], true);
    assert_int_equal(logged(), log0);
    assert_int_equal(rx->last_seq(st, &seq), VX_OK);
    assert_int_equal(seq, seq0 + 3);
    /* a rolled-back insert and correction leave neither log rows nor a moved mark */
    assert_int_equal(vx_store_begin(st), VX_OK);
    int64_t gone = add_dose(3, "MOD", 3, T0 + 210 * 86400, "LX", true);
    correct(gone, "LX2");
    correct(id[0], "LA9");
    assert_int_equal(vx_store_rollback(st), VX_OK);
    assert_int_equal(logged(), log0);
    assert_int_equal(rx->last_seq(st, &seq), VX_OK);
    assert_int_equal(seq, seq0 + 3);
    /* one UPDATE statement correcting all three: the three `new` changes come first
     * (each with its inserted content), then the corrections */
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE doses SET version = version + 1, lot_number = lot_number || 'x', "
             "updated_at = %lld WHERE id IN (%lld, %lld, %lld)",
             (long long)T0 + 300 * 86400, (long long)id[0], (long long)id[1], (long long)id[2]);
    assert_int_equal(sqlite3_exec(sq_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(logged(), log0 + 6);
    assert_int_equal(rx->last_seq(st, &seq), VX_OK);
    assert_int_equal(seq, seq0 + 6);
    for (int i = 0; i < 6; i++) {
        struct vx_regx_change_rec c;
        assert_int_equal(rx->change_get(st, seq0 + 1 + i, &c), VX_OK);
        assert_int_equal(c.dose.id, id[i % 3]);
        assert_int_equal(c.action, i < 3 ? VX_REGX_NEW : VX_REGX_CORRECTION);
        assert_int_equal(c.dose.version, i < 3 ? 1 : 2);
        char lot[16];
        snprintf(lot, sizeof lot, "%s%s", lot1[i % 3], i < 3 ? "" : "x");
        assert_string_equal(c.dose.lot_number, lot);
    }
    assert_int_equal(sync_log(), 0); /* the trigger caught up already */
    /* a later insert is logged by the next sync, after them */
    int64_t d4 = add_dose(3, "JANSS", 1, T0 + 220 * 86400, "LD1", false);
    assert_int_equal(sync_log(), 1);
    struct vx_regx_change_rec c;
    assert_int_equal(rx->change_get(st, seq0 + 7, &c), VX_OK);
    assert_int_equal(c.dose.id, d4);
    assert_int_equal(c.action, VX_REGX_NEW);
    /* and the register gets them in that order, once */
    o.day = vx_day_from_ymd(2021, 9, 2);
    struct vx_regx_export_result r = run_export(&o);
    char *f[64][16], *text;
    assert_int_equal(read_nvr(r.file, f, &text), 7);
    for (int i = 0; i < 7; i++) {
        char want[24];
        snprintf(want, sizeof want, "%lld", (long long)(seq0 + 1 + i));
        assert_string_equal(f[i][0], want);
        assert_string_equal(f[i][1], i < 3 || i == 6 ? "new" : "correction");
    }
    check_record(f[6], "new", d4, 1);
    free(text);
    r = run_export(&o);
    assert_int_equal(r.files, 0);
    /* the status counts the doses not logged yet as pending */
    add_dose(0, "MOD", 4, T0 + 230 * 86400, "LE1", true);
    struct vx_regx_status_rec s;
    assert_int_equal(rx->status(st, "nvr", &s), VX_OK);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.max_seq, seq0 + 8);
}

/* ------------------------------------------------------------------ HL7 */

/* A fake receiver: answers by script, remembers what it got, deduplicates by MSH-10. */
struct rx {
    const char *script; /* one letter per call: A AA, E AE, R AR, D AR+101, T transport
                           failure, G garbage ACK, W AA for the wrong id; past the end: A */
    int calls;
    char got[64][48]; /* control ids in arrival order */
    char rxa21[64];   /* RXA-21 of each */
    int ngot;
    int unique;
    FILE *log;     /* the crash test's receiver log */
    int die_after; /* crash test: _exit after this many deliveries (0 = never) */
};

static enum vx_status fake_send(void *ctx, const char *ctrl, const char *msg, size_t len,
                                struct vx_buf *ack, struct vx_err *err)
{
    struct rx *r = ctx;
    char k = r->script && r->script[r->calls] ? r->script[r->calls] : 'A';
    r->calls++;
    if (k == 'T')
        return vx_err_set(err, VX_EIO, "connection refused");
    /* RXA-21: the last field of the RXA segment */
    const char *rxa = strstr(msg, "\rRXA|");
    assert_non_null(rxa);
    const char *end = memchr(rxa + 1, '\r', len - (size_t)(rxa + 1 - msg));
    assert_non_null(end);
    char action = end[-1];
    if (k == 'A' || k == 'W') {
        bool dup = false;
        for (int i = 0; i < r->ngot; i++)
            dup |= !strcmp(r->got[i], ctrl);
        r->unique += !dup;
        if (r->ngot < 64) {
            snprintf(r->got[r->ngot], sizeof r->got[0], "%s", ctrl);
            r->rxa21[r->ngot] = action;
            r->ngot++;
        }
        if (r->log) {
            fprintf(r->log, "%s\n", ctrl);
            fflush(r->log);
        }
        if (r->die_after && r->ngot >= r->die_after)
            _exit(0); /* crash after delivery, before the exporter commits */
    }
    if (k == 'G')
        return vx_buf_puts(ack, "this is no ACK");
    const char *code = k == 'E' ? "AE" : k == 'R' || k == 'D' ? "AR" : "AA";
    enum vx_status rc = vx_buf_printf(ack,
                                      "MSH|^~\\&|NVR|FOHM|VAXCHAIN||20210308||ACK^V04^ACK|"
                                      "K%d|P|2.5.1\rMSA|%s|%s\r",
                                      r->calls, code, k == 'W' ? "VX0-0.0" : ctrl);
    if (rc == VX_OK && k == 'E')
        rc = vx_buf_puts(ack, "ERR||RXA^1^15^1^1|103^Table value not found^HL70357|E||||"
                              "lot number unknown\r");
    if (rc == VX_OK && k == 'D')
        rc = vx_buf_puts(ack, "ERR||PID^1^3|101^Required field missing^HL70357|E\r");
    return rc;
}

static struct vx_regx_export_opts hl7_opts(struct vx_regx_transport *t, vx_time now)
{
    return (struct vx_regx_export_opts){
        .reg = VX_REGX_HL7, .now = now, .transport = t, .policy = {.chunk = 3}};
}

static void test_hl7_exactly_once_and_actions(void **state)
{
    (void)state;
    struct rx recv = {0};
    struct vx_regx_transport t = {fake_send, &recv};
    struct vx_regx_export_opts o = hl7_opts(&t, T0 + 86400);
    struct vx_regx_export_result r = run_export(&o);
    int64_t last = 0;
    assert_int_equal(st->ops->regx->last_seq(st, &last), VX_OK);
    assert_int_equal(r.items, last);
    assert_int_equal(r.sent, last);
    assert_int_equal(recv.unique, last);
    /* actions: new A, correction U, void D (the first dose of test 1) */
    assert_int_equal(recv.rxa21[0], 'A');
    assert_int_equal(recv.rxa21[1], 'U');
    assert_int_equal(recv.rxa21[2], 'D');
    /* restart: nothing */
    close_db();
    open_db();
    r = run_export(&o);
    assert_int_equal(r.items, 0);
    assert_int_equal(recv.calls, (int)last);
    /* a correction is sent again, as U; a change of a voided dose stays a void (D) */
    correct(2, "EJ6797");
    correct(1, "EJ6797");
    r = run_export(&o);
    assert_int_equal(r.sent, 2);
    assert_int_equal(recv.rxa21[recv.ngot - 2], 'U');
    assert_non_null(strstr(recv.got[recv.ngot - 2], "-2.2")); /* dose 2, version 2 */
    assert_int_equal(recv.rxa21[recv.ngot - 1], 'D');
    assert_non_null(strstr(recv.got[recv.ngot - 1], "-1.3"));
}

static void test_hl7_ack_outcomes_and_backoff(void **state)
{
    (void)state;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    int64_t a = add_dose(0, "JANSS", 1, T0 + 40 * 86400, "XA1", true); /* AE */
    int64_t b = add_dose(1, "JANSS", 1, T0 + 40 * 86400, "XB1", true); /* AR transient */
    int64_t c = add_dose(2, "JANSS", 1, T0 + 40 * 86400, "XC1", true); /* AR data error */
    int64_t d = add_dose(3, "JANSS", 1, T0 + 40 * 86400, "XD1", true); /* garbage ACK */
    (void)a;
    (void)c;
    struct rx recv = {.script = "ERDG"};
    struct vx_regx_transport t = {fake_send, &recv};
    vx_time now = T0 + 50 * 86400;
    struct vx_regx_export_opts o = hl7_opts(&t, now);
    struct vx_regx_export_result r = run_export(&o);
    assert_int_equal(r.items, 4);
    assert_int_equal(r.rejected, 2);
    assert_int_equal(r.deferred, 2);
    struct vx_regx_status_rec s;
    assert_int_equal(rx->status(st, "hl7", &s), VX_OK);
    assert_int_equal(s.rejected, 2);
    assert_int_equal(s.retrying, 2);
    assert_int_equal(s.pending, 2);
    /* the rejection is recorded with the receiver's error */
    struct vx_regx_retry_rec due[8];
    int n = 0;
    assert_int_equal(rx->retry_due(st, "hl7", now + 59, due, 8, &n), VX_OK);
    assert_int_equal(n, 0); /* first back-off: 60 s */
    assert_int_equal(rx->retry_due(st, "hl7", now + 60, due, 8, &n), VX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(due[0].dose_id, b);
    assert_int_equal(due[1].dose_id, d);
    assert_non_null(strstr(due[1].last_error, "unreadable ACK"));
    /* nothing is sent before it is due */
    o.now = now + 30;
    r = run_export(&o);
    assert_int_equal(r.retried, 0);
    /* the schedule: 60, 120, 240 ... up to the most attempts, then failed */
    o.policy.max_attempts = 4;
    recv.script = NULL;
    recv.calls = 0;
    struct rx fail = {.script = "RRRRRRRR"};
    t.ctx = &fail;
    vx_time at = now + 60;
    int64_t expect_wait[] = {120, 240};
    for (int i = 0; i < 2; i++) {
        o.now = at;
        r = run_export(&o);
        assert_int_equal(r.retried, 2);
        assert_int_equal(rx->retry_due(st, "hl7", at + expect_wait[i] - 1, due, 8, &n), VX_OK);
        assert_int_equal(n, 0);
        assert_int_equal(rx->retry_due(st, "hl7", at + expect_wait[i], due, 8, &n), VX_OK);
        assert_int_equal(n, 2);
        assert_int_equal(due[0].attempts, i + 2);
        at += expect_wait[i];
    }
    o.now = at;
    r = run_export(&o); /* 4th attempt: give up */
    assert_int_equal(r.failed, 2);
    assert_int_equal(rx->status(st, "hl7", &s), VX_OK);
    assert_int_equal(s.failed, 2);
    assert_int_equal(s.retrying, 0);
    assert_int_equal(s.pending, 0);
    /* rejected and failed items are not sent again */
    o.now = at + 365 * 86400;
    r = run_export(&o);
    assert_int_equal(r.retried + r.items, 0);
    /* a correction of a rejected dose is a new change and goes out */
    correct(a, "XA2");
    t.ctx = &recv;
    r = run_export(&o);
    assert_int_equal(r.sent, 1);
    assert_int_equal(vx_regx_backoff(&(struct vx_regx_policy){0}, 1), 60);
    assert_int_equal(vx_regx_backoff(&(struct vx_regx_policy){0}, 3), 240);
    assert_int_equal(vx_regx_backoff(&(struct vx_regx_policy){0}, 30), 6 * 3600);
}

static void test_hl7_transport_down_and_order(void **state)
{
    (void)state;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    int64_t a = add_dose(0, "MOD", 1, T0 + 60 * 86400, "M1", true);
    int64_t b = add_dose(1, "MOD", 1, T0 + 60 * 86400, "M2", true);
    /* the transport is down: the first send fails and the run stops there */
    struct rx down = {.script = "T"};
    struct vx_regx_transport t = {fake_send, &down};
    vx_time now = T0 + 70 * 86400;
    struct vx_regx_export_opts o = hl7_opts(&t, now);
    struct vx_regx_export_result r = run_export(&o);
    assert_int_equal(down.calls, 1);
    assert_int_equal(r.deferred, 1);
    struct vx_regx_status_rec s;
    assert_int_equal(rx->status(st, "hl7", &s), VX_OK);
    assert_int_equal(s.pending, 2); /* a (retry) and b (after the cursor) */
    /* a is corrected before its retry is due: the correction must wait behind it */
    correct(a, "M1b");
    struct rx up = {0};
    t.ctx = &up;
    o.now = now + 10;
    r = run_export(&o);
    assert_int_equal(r.sent, 1); /* b only */
    assert_int_equal(up.ngot, 1);
    assert_non_null(strstr(up.got[0], "-"));
    char want[32];
    snprintf(want, sizeof want, "-%lld.1", (long long)b);
    assert_non_null(strstr(up.got[0], want));
    /* when due: version 1 first, then version 2 */
    o.now = now + 60;
    r = run_export(&o);
    assert_int_equal(up.ngot, 3);
    snprintf(want, sizeof want, "-%lld.1", (long long)a);
    assert_non_null(strstr(up.got[1], want));
    snprintf(want, sizeof want, "-%lld.2", (long long)a);
    assert_non_null(strstr(up.got[2], want));
    assert_int_equal(up.rxa21[2], 'U');
    assert_int_equal(rx->status(st, "hl7", &s), VX_OK);
    assert_int_equal(s.pending, 0);
}

static void test_hl7_crash_between_send_and_commit(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        add_dose(i % N_P, "COM", 3, T0 + (80 + i) * 86400, "C3", true);
    int64_t last = 0;
    struct vx_regx_cursor_rec cur;
    assert_int_equal(st->ops->regx->last_seq(st, &last), VX_OK);
    assert_int_equal(st->ops->regx->cursor_get(st, "hl7", &cur), VX_OK);
    assert_int_equal(last - cur.last_seq, 5);
    char logpath[600];
    snprintf(logpath, sizeof logpath, "%s/receiver.log", outdir);
    close_db();
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { /* the exporter that dies after the 4th delivery (chunk of 3) */
        open_db();
        struct rx r = {.die_after = 4};
        r.log = fopen(logpath, "w");
        struct vx_regx_transport t = {fake_send, &r};
        struct vx_regx_export_opts o = hl7_opts(&t, T0 + 90 * 86400);
        struct vx_regx_export_result res;
        struct vx_err err = {0};
        vx_regx_export(st, &o, &res, &err);
        _exit(3); /* not reached */
    }
    int ws = 0;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    open_db();
    assert_int_equal(st->ops->regx->cursor_get(st, "hl7", &cur), VX_OK);
    assert_int_equal(last - cur.last_seq, 2); /* the first chunk (3) was committed */
    /* the restarted exporter resends the 4th (same MSH-10); the receiver drops it */
    char *log = slurp(logpath, NULL);
    assert_non_null(log);
    struct rx r = {0};
    for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n")) {
        snprintf(r.got[r.ngot++], sizeof r.got[0], "%s", l);
        r.unique++;
    }
    free(log);
    assert_int_equal(r.ngot, 4);
    struct vx_regx_transport t = {fake_send, &r};
    struct vx_regx_export_opts o = hl7_opts(&t, T0 + 91 * 86400);
    struct vx_regx_export_result res = run_export(&o);
    assert_int_equal(res.items, 2);
    assert_int_equal(r.ngot, 6);   /* deliveries: 4 + 2 (one of them a resend) */
    assert_int_equal(r.unique, 5); /* exactly-once effect at the receiver */
    assert_string_equal(r.got[3], r.got[4]);
    res = run_export(&o);
    assert_int_equal(res.items, 0);
}

/* ------------------------------------------------------------------ back-fill */

struct bad_log {
    int n;
    char first[300];
};

static int on_bad(void *ctx, long line, const char *reason)
{
    struct bad_log *b = ctx;
    if (b->n++ == 0)
        snprintf(b->first, sizeof b->first, "line %ld: %s", line, reason);
    return 0;
}

static int64_t count_doses(void)
{
    return st->ops->count(st, "doses");
}

static void test_backfill_csv(void **state)
{
    (void)state;
    char csv[2048];
    snprintf(csv, sizeof csv,
             "personnummer;vaccine;lot;dose_number;given_at;site;kommun;vaccinator\n"
             "%s;COM;EJ1;1;2021-01-05;01-VC-0001;;old1\n"
             "%.6s-%s;MOD;;1;2021-01-06T10:00:00+01:00;;0180;\n"
             "%s;COM;EJ1;1;2021-01-05;;;dup-in-file\n",
             pnr[0], pnr[1] + 2, pnr[1] + 8, pnr[0]);
    struct vx_backfill_opts o = {.ref = vx_day_from_ymd(2021, 6, 1), .now = T0 + 90 * 86400};
    struct vx_backfill_result res;
    struct vx_err err = {0};
    int64_t before = count_doses(), seq0 = 0, seq1 = 0;
    sync_log();
    st->ops->regx->last_seq(st, &seq0);
    if (vx_backfill_import(st, csv, strlen(csv), &o, NULL, NULL, &res, &err) != VX_OK)
        fail_msg("backfill: %s", err.msg);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.imported, 2);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(count_doses(), before + 2);
    st->ops->regx->last_seq(st, &seq1);
    assert_int_equal(seq1, seq0 + 2); /* back-filled doses enter the outbox */
    assert_int_equal(sync_log(), 2);
    struct vx_regx_change_rec c;
    assert_int_equal(st->ops->regx->change_get(st, seq0 + 1, &c), VX_OK);
    assert_string_equal(c.dose.source, "backfill");
    assert_string_equal(c.site_code, "01-VC-0001");
    assert_string_equal(c.dose.vaccinator, "old1");
    /* the same file again: all duplicates */
    assert_int_equal(vx_backfill_import(st, csv, strlen(csv), &o, NULL, NULL, &res, &err), VX_OK);
    assert_int_equal(res.imported, 0);
    assert_int_equal(res.duplicates, 3);
    /* all or nothing: a bad row in line 4 rolls the file back */
    char bad[2048];
    snprintf(bad, sizeof bad,
             "personnummer,vaccine,dose_number,given_at\n"
             "%s,COM,2,2021-01-26\n"
             "%s,COM,2,2021-01-27\n"
             "191212121212,COM,1,2021-01-27\n"
             "%s,XYZ,1,2021-01-27\n"
             "%s,COM,0,2021-01-27\n"
             "%s,COM,1,27/01/2021\n"
             "%s,COM,1,2021-01-27,extra\n",
             pnr[0], pnr[1], pnr[2], pnr[2], pnr[2], pnr[2]);
    before = count_doses();
    assert_int_equal(vx_backfill_import(st, bad, strlen(bad), &o, NULL, NULL, &res, &err),
                     VX_EINVAL);
    assert_int_equal(count_doses(), before);
    assert_non_null(strstr(err.msg, "line 6: dose_number")); /* reader problems come first */
    /* --skip-bad: the good rows go in, each bad one is reported */
    o.skip_bad = true;
    struct bad_log bl = {0};
    assert_int_equal(vx_backfill_import(st, bad, strlen(bad), &o, on_bad, &bl, &res, &err), VX_OK);
    assert_int_equal(res.imported, 2);
    assert_int_equal(res.bad, 5);
    assert_int_equal(bl.n, 5);
    assert_string_equal(bl.first, "line 6: dose_number: '0' is not a number from 1 to 99");
    assert_int_equal(count_doses(), before + 2);
    /* a store-side problem without --skip-bad names its line too */
    o.skip_bad = false;
    char one[256];
    snprintf(one, sizeof one, "personnummer;vaccine;dose_number;given_at\n%s;XYZ;1;2021-01-27\n",
             pnr[2]);
    assert_int_equal(vx_backfill_import(st, one, strlen(one), &o, NULL, NULL, &res, &err),
                     VX_EINVAL);
    assert_string_equal(err.msg, "line 2: vaccine: unknown product 'XYZ'");
    snprintf(one, sizeof one, "personnummer;vaccine;dose_number;given_at\n%s;COM;1;2030-01-27\n",
             pnr[2]);
    assert_int_equal(vx_backfill_import(st, one, strlen(one), &o, NULL, NULL, &res, &err),
                     VX_EINVAL);
    assert_string_equal(err.msg, "line 2: given_at: in the future");
    /* a file that is not a back-fill file at all */
    const char *junk = "name;age\nx;1\n";
    assert_int_equal(vx_backfill_import(st, junk, strlen(junk), &o, NULL, NULL, &res, &err),
                     VX_EPARSE);
    assert_non_null(strstr(err.msg, "unknown column 'name'"));
}

static void test_backfill_vxu(void **state)
{
    (void)state;
    /* a VXU as an old system would have sent it: our builder, person 3, 2021-01-10 */
    struct vx_regx_change_rec c;
    memset(&c, 0, sizeof c);
    c.seq = 1;
    c.action = VX_REGX_NEW;
    c.dose.id = 999;
    c.dose.version = 1;
    snprintf(c.dose.vaccine, sizeof c.dose.vaccine, "COM");
    snprintf(c.dose.lot_number, sizeof c.dose.lot_number, "EL0140");
    c.dose.dose_number = 1;
    assert_int_equal(
        vx_stockholm_to_utc(vx_day_from_ymd(2021, 1, 10), 9 * 60 + 30, &c.dose.given_at, NULL),
        VX_OK);
    snprintf(c.dose.region, sizeof c.dose.region, "01");
    snprintf(c.dose.vaccinator, sizeof c.dose.vaccinator, "ssk7");
    snprintf(c.pnr, sizeof c.pnr, "%s", pnr[3]);
    snprintf(c.site_code, sizeof c.site_code, "01-VC-0001");
    snprintf(c.site_name, sizeof c.site_name, "VC");
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    struct vx_err err = {0};
    assert_int_equal(vx_regx_vxu(&c, T0, &b, &err), VX_OK);
    c.seq = 2;
    c.dose.dose_number = 2;
    c.dose.given_at += 21 * 86400;
    assert_int_equal(vx_regx_vxu(&c, T0, &b, &err), VX_OK); /* two messages in one file */
    struct vx_backfill_opts o = {.ref = vx_day_from_ymd(2021, 6, 1), .now = T0 + 90 * 86400};
    struct vx_backfill_result res;
    int64_t before = count_doses();
    assert_int_equal(vx_backfill_import(st, b.data, b.len, &o, NULL, NULL, &res, &err), VX_OK);
    assert_int_equal(res.imported, 2);
    assert_int_equal(count_doses(), before + 2);
    struct vx_dose_rec d[16];
    int n = 0;
    assert_int_equal(st->ops->dose_list_person(st, pid[3], d, 16, &n), VX_OK);
    bool found = false;
    for (int i = 0; i < n && i < 16; i++)
        if (!strcmp(d[i].lot_number, "EL0140") && d[i].dose_number == 1) {
            found = true;
            assert_int_equal(d[i].given_at, c.dose.given_at - 21 * 86400);
            assert_string_equal(d[i].vaccinator, "ssk7");
            assert_int_equal(d[i].site_id, site_id);
            assert_string_equal(d[i].source, "backfill");
        }
    assert_true(found);
    assert_int_equal(vx_backfill_import(st, b.data, b.len, &o, NULL, NULL, &res, &err), VX_OK);
    assert_int_equal(res.duplicates, 2);
    vx_buf_release(&b);
    /* a CDC sample: parses, but its person and CVX code are not ours */
    size_t len;
    char *cdc = slurp(VX_SHARED_DATA_DIR "/interop/hl7v2/cdc-cvrs/valid/testdefault-001.hl7", &len);
    assert_non_null(cdc);
    assert_int_equal(vx_backfill_import(st, cdc, len, &o, NULL, NULL, &res, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "line 4: RXA-5: CVX code '902'"));
    free(cdc);
}

/* ------------------------------------------------------------------ backlog (report) */

/* oldest_pending: what the traffic-light report's register backlog reads. */
static void test_oldest_pending(void **state)
{
    (void)state;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    vx_time at = -1;
    assert_int_equal(rx->oldest_pending(st, "xyz", "01", &at), VX_EINVAL);
    assert_int_equal(at, 0);
    /* everything out: nothing pending in any region */
    struct vx_regx_export_opts o = file_opts(VX_REGX_NVR, T0 + 300 * 86400);
    run_export(&o);
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, 0);
    /* a dose not logged yet counts from its created_at; another region sees nothing */
    vx_time t1 = T0 + 301 * 86400, t2 = T0 + 302 * 86400;
    int64_t d2 = add_dose(1, "COM", 1, t2, "PEND2", true);
    int64_t d1 = add_dose(0, "COM", 1, t1, "PEND1", true);
    (void)d2;
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, t1); /* the oldest, not the first inserted */
    assert_int_equal(rx->oldest_pending(st, "nvr", "03", &at), VX_OK);
    assert_int_equal(at, 0);
    /* logged but after the cursor: still pending */
    assert_int_equal(sync_log(), 2);
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, t1);
    /* exported: nothing; but a parked item of the register (any state) is pending */
    o.now = T0 + 303 * 86400;
    run_export(&o);
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, 0);
    int64_t seq = sql_int("SELECT max(seq) FROM regx_changes WHERE action = 0");
    int64_t dose_of = sql_int("SELECT dose_id FROM regx_changes WHERE seq = "
                              "(SELECT max(seq) FROM regx_changes WHERE action = 0)");
    assert_true(dose_of == d1 || dose_of == d2);
    struct vx_regx_retry_rec r = {.seq = seq,
                                  .dose_id = dose_of,
                                  .state = VX_REGX_REJECTED,
                                  .next_attempt_at = o.now,
                                  .updated_at = o.now};
    snprintf(r.reg, sizeof r.reg, "nvr");
    assert_int_equal(rx->retry_put(st, &r), VX_OK);
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, dose_of == d1 ? t1 : t2);
    assert_int_equal(rx->retry_delete(st, "nvr", seq), VX_OK);
    assert_int_equal(rx->oldest_pending(st, "nvr", "01", &at), VX_OK);
    assert_int_equal(at, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triggers_and_history),
        cmocka_unit_test(test_nvr_exactly_once),
        cmocka_unit_test(test_nvr_resend_after_correction_and_void),
        cmocka_unit_test(test_nvr_crash_redo),
        cmocka_unit_test(test_fhir_ndjson),
        cmocka_unit_test(test_hl7_exactly_once_and_actions),
        cmocka_unit_test(test_hl7_ack_outcomes_and_backoff),
        cmocka_unit_test(test_hl7_transport_down_and_order),
        cmocka_unit_test(test_hl7_crash_between_send_and_commit),
        cmocka_unit_test(test_backfill_csv),
        cmocka_unit_test(test_backfill_vxu),
        cmocka_unit_test(test_inserts_logged_by_id),
        cmocka_unit_test(test_oldest_pending),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
