/*
 * test_import.c — CSV import of persons, sites, premises and reference data.
 *
 * Every test gets a fresh SQLite store under $VX_TEST_TMP loaded with the real 21
 * regions and 290 municipalities from the shared data, writes a small CSV file and
 * checks what was stored and which problems were reported (line and column).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/import.h"
#include "vx/store.h"

struct fx {
    struct vx_store *st;
    char db[1024];
};

static int fx_counter;

static const char *tmp_dir(void)
{
    const char *t = getenv("VX_TEST_TMP");
    return t && *t ? t : "/tmp";
}

static void rm_db(const char *db)
{
    char p[1100];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/test_import_%d_%d.db", tmp_dir(), (int)getpid(),
             ++fx_counter);
    rm_db(f->db);
    struct vx_err err = {0};
    if (vx_store_open_sqlite(f->db, &f->st, &err) != VX_OK) {
        fprintf(stderr, "open %s: %s\n", f->db, err.msg);
        free(f);
        return -1;
    }
    struct vx_import_result res[2];
    if (vx_import_reference(f->st, VX_SHARED_DATA_DIR "/se", NULL, res, &err) != VX_OK) {
        fprintf(stderr, "reference: %s\n", err.msg);
        vx_store_close(f->st);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    vx_store_close(f->st);
    rm_db(f->db);
    free(f);
    return 0;
}

static void write_file(const char *name, const char *text, size_t len, char *path, size_t cap)
{
    snprintf(path, cap, "%s/test_import_%d_%s", tmp_dir(), (int)getpid(), name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Problems collected from on_error. */
struct errs {
    int n;
    struct {
        long line;
        char col[64];
        char reason[256];
    } e[64];
};

static int collect(void *ctx, const struct vx_import_error *e)
{
    struct errs *es = ctx;
    if (es->n < 64) {
        es->e[es->n].line = e->line;
        snprintf(es->e[es->n].col, sizeof es->e[0].col, "%s", e->column ? e->column : "");
        snprintf(es->e[es->n].reason, sizeof es->e[0].reason, "%s", e->reason);
    }
    es->n++;
    return 0;
}

static void dump(const struct errs *es)
{
    for (int i = 0; i < es->n && i < 64; i++)
        print_message("  line %ld, column %s: %s\n", es->e[i].line, es->e[i].col, es->e[i].reason);
}

/* Assert problem i is at `line`, column `col` ("" = none) and its reason contains `part`. */
static void expect(const struct errs *es, int i, long line, const char *col, const char *part)
{
    if (i >= es->n)
        dump(es);
    assert_true(i < es->n);
    if (es->e[i].line != line || strcmp(es->e[i].col, col) || !strstr(es->e[i].reason, part))
        dump(es);
    assert_int_equal(es->e[i].line, line);
    assert_string_equal(es->e[i].col, col);
    assert_non_null(strstr(es->e[i].reason, part));
}

static int resolve(void *ctx, const char *name)
{
    static const struct {
        const char *name;
        int bit;
    } t[] = {{"dialysis", 0}, {"transplant", 1}, {"diabetes", 6}};
    for (size_t i = 0; i < VX_ARRAY_LEN(t); i++)
        if (!strcmp(t[i].name, name))
            return t[i].bit;
    return -1;
}

static vx_day ref_day(void)
{
    return vx_day_from_ymd(2021, 1, 15);
}

static struct vx_import_opts opts(struct errs *es)
{
    struct vx_import_opts o = vx_import_opts_default(ref_day());
    o.on_error = collect;
    o.error_ctx = es;
    o.risk_resolve = resolve;
    o.now = 1610000000;
    o.actor = "test";
    return o;
}

/* A valid 12-digit personnummer born `ymd` ("19800101") with serial `serial`. */
static void mkpnr(char out[13], const char *ymd, int serial)
{
    char nine[10];
    snprintf(nine, sizeof nine, "%.6s%03d", ymd + 2, serial);
    int c = vx_pnr_luhn(nine);
    assert_true(c >= 0);
    snprintf(out, 13, "%.8s%03d%d", ymd, serial, c);
}

/* The same with a wrong check digit; *expected receives the right one. */
static void mkbadpnr(char out[13], const char *ymd, int serial, int *expected)
{
    mkpnr(out, ymd, serial);
    *expected = out[11] - '0';
    out[11] = (char)('0' + (*expected + 1) % 10);
}

static int64_t count(struct fx *f, const char *table)
{
    return f->st->ops->count(f->st, table);
}

/* ------------------------------------------------------------------ tests */

static void test_reference_loaders(void **state)
{
    struct fx *f = *state;
    assert_int_equal(count(f, "regions"), 21);
    assert_int_equal(count(f, "municipalities"), 290);
    struct vx_kommun_rec k;
    assert_int_equal(f->st->ops->kommun_get(f->st, "2023", &k), VX_OK);
    assert_string_equal(k.region, "20");
    assert_string_equal(k.name, "Malung-Sälen");
    /* running init again keeps everything as it is */
    struct vx_import_result res[2];
    struct vx_err err = {0};
    assert_int_equal(vx_import_reference(f->st, VX_SHARED_DATA_DIR "/se", NULL, res, &err), VX_OK);
    assert_int_equal(res[0].rows, 21);
    assert_int_equal(res[1].rows, 290);
    assert_int_equal(res[1].imported, 290);
    assert_int_equal(count(f, "regions"), 21);
    assert_int_equal(count(f, "municipalities"), 290);
    /* a missing folder fails with nothing written */
    assert_int_equal(vx_import_reference(f->st, "/nonexistent", NULL, res, &err), VX_ENOTFOUND);
}

static void test_reference_bad_rows(void **state)
{
    struct fx *f = *state;
    (void)f;
    /* validate only (no store): a municipality in the wrong region is reported */
    char path[1200];
    const char *csv = "kommun_code,name,lan_code\n0180,Stockholm,01\n0380,Uppsala,01\n";
    write_file("kommun.csv", csv, strlen(csv), path, sizeof path);
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    struct vx_import_result res;
    struct vx_err err = {0};
    assert_int_equal(vx_import_file(NULL, VX_IMPORT_MUNICIPALITIES, path, &o, &res, &err),
                     VX_EINVAL);
    assert_int_equal(es.n, 1);
    expect(&es, 0, 3, "lan_code", "cannot be in region 01");
    unlink(path);
}

static void test_persons_good(void **state)
{
    struct fx *f = *state;
    char p1[13], p2[13], p3[13], p4[13], csv[2048], path[1200];
    mkpnr(p1, "19450315", 123);
    mkpnr(p2, "19300101", 456);
    mkpnr(p3, "19881224", 789);
    mkpnr(p4, "20050606", 321);
    /* BOM, CRLF, columns in another order, quoted fields, a blank line, a 10-digit
     * number with a separator, no newline after the last row */
    int n = snprintf(csv, sizeof csv,
                     "\xEF\xBB\xBF"
                     "family_name,pnr,given_name,kommun_code,residence,risk,care_staff,deso,"
                     "household_contact\r\n"
                     "Andersson,%s,\"Anna, Maria\",0180,,diabetes|dialysis,ja,0180C1010,0\r\n"
                     "Berg,%s,Bo,1280,special_housing,,0,,1\r\n"
                     "\"Cederström\",%s,Cecilia,0114,home_care,\" dialysis ; diabetes \",true,,\r\n"
                     "\r\n"
                     "Dahl,%.6s-%.4s,David,0380,,,nej,,",
                     p1, p2, p3, p4 + 2, p4 + 8);
    write_file("persons_good.csv", csv, (size_t)n, path, sizeof path);
    int64_t audits = count(f, "audit_log");
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    struct vx_import_result res;
    struct vx_err err = {0};
    enum vx_status s = vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, &err);
    if (s != VX_OK) {
        print_message("%s\n", err.msg);
        dump(&es);
    }
    assert_int_equal(s, VX_OK);
    assert_int_equal(es.n, 0);
    assert_int_equal(res.rows, 4);
    assert_int_equal(res.imported, 4);
    assert_int_equal(res.rejected, 0);
    assert_true(res.committed);
    assert_int_equal(count(f, "persons"), 4);
    assert_int_equal(count(f, "audit_log"), audits + 1);

    struct vx_person_rec r;
    assert_int_equal(f->st->ops->person_get(f->st, p1, &r), VX_OK);
    assert_string_equal(r.given_name, "Anna, Maria");
    assert_string_equal(r.family_name, "Andersson");
    assert_string_equal(r.p.kommun, "0180");
    assert_string_equal(r.p.region, "01");
    assert_int_equal(r.p.residence, VX_RES_OWN_HOME);
    assert_int_equal(r.p.risk, (1u << 6) | (1u << 0));
    assert_int_equal(r.p.flags, VX_PF_CARE_STAFF);
    assert_string_equal(r.p.deso, "0180C1010");
    assert_int_equal(f->st->ops->person_get(f->st, p2, &r), VX_OK);
    assert_string_equal(r.p.region, "12");
    assert_int_equal(r.p.residence, VX_RES_SPECIAL_HOUSING);
    assert_int_equal(r.p.flags, VX_PF_HOUSEHOLD_CONTACT);
    assert_int_equal(f->st->ops->person_get(f->st, p3, &r), VX_OK);
    assert_string_equal(r.family_name, "Cederström");
    assert_int_equal(r.p.risk, (1u << 6) | (1u << 0));
    assert_int_equal(f->st->ops->person_get(f->st, p4, &r), VX_OK);
    assert_string_equal(r.p.region, "03");
    assert_int_equal(r.p.flags, 0);
    unlink(path);
}

/* The bad-rows file shared by the all-or-nothing and --skip-bad tests. */
static void bad_persons_file(struct fx *f, char *path, size_t cap, char good[2][13], int *expected)
{
    char p1[13], bad[13], p3[13], p4[13], p5[13], p6[13], p7[13], p8[13], p9[13];
    mkpnr(p1, "19500101", 101);
    mkbadpnr(bad, "19500101", 102, expected);
    mkpnr(p3, "19500101", 103);
    mkpnr(p4, "19500101", 104);
    mkpnr(p5, "19500101", 105);
    mkpnr(p6, "19500101", 106);
    mkpnr(p7, "19500101", 107);
    mkpnr(p8, "19500101", 108);
    mkpnr(p9, "19500101", 109);
    /* p9 is already stored */
    struct vx_person_rec pre;
    memset(&pre, 0, sizeof pre);
    struct vx_pnr_opts po = vx_pnr_opts_default(ref_day());
    assert_int_equal(vx_pnr_parse(p9, &po, &pre.p.pnr, NULL), VX_OK);
    memcpy(pre.p.kommun, "0180", 5);
    memcpy(pre.p.region, "01", 3);
    snprintf(pre.given_name, sizeof pre.given_name, "Pre");
    snprintf(pre.family_name, sizeof pre.family_name, "Stored");
    assert_int_equal(f->st->ops->person_put(f->st, &pre, NULL), VX_OK);
    char csv[2048];
    int n = snprintf(csv, sizeof csv,
                     "pnr,given_name,family_name,kommun_code,residence\n" /* 1 */
                     "%s,Anna,Andersson,0180,\n"                          /* 2 good */
                     "%s,Bo,Berg,0180,\n"                                 /* 3 check digit */
                     "%s,Cia,Ceder,0000,\n"                               /* 4 municipality */
                     "%s,Dan,Dahl,0180,castle\n"                          /* 5 residence */
                     "%s,Eva,Ek,0180,\n"                                  /* 6 dup of 2 */
                     "%s,Fia,Fors,0180,\n"                                /* 7 dup of store */
                     "%s,\"Gun\nnar\",Gran,0180,\n"                       /* 8-9 newline */
                     "%s,Hans,\"Holm, Jr\",0180,\n"                       /* 10 good */
                     "%s,Ida,Ito,0180,home_care,extra\n"                  /* 11 columns */
                     "%s,Jan,\"Jo\"hansson,0180,\n",                      /* 12 quote */
                     p1, bad, p3, p4, p1, p9, p5, p6, p7, p8);
    write_file("persons_bad.csv", csv, (size_t)n, path, cap);
    memcpy(good[0], p1, 13);
    memcpy(good[1], p6, 13);
}

static void check_bad_persons_errors(const struct errs *es, int expected)
{
    char why[64];
    snprintf(why, sizeof why, "bad check digit: expected %d, got %d", expected,
             (expected + 1) % 10);
    assert_int_equal(es->n, 8);
    expect(es, 0, 3, "pnr", why);
    expect(es, 1, 4, "kommun_code", "unknown municipality 0000");
    expect(es, 2, 5, "residence", "unknown residence 'castle'");
    expect(es, 3, 6, "pnr", "duplicate: the same person as line 2");
    expect(es, 4, 7, "pnr", "already in the database");
    expect(es, 5, 8, "given_name", "control character");
    expect(es, 6, 11, "", "the row has 6 columns, the header 5");
    expect(es, 7, 12, "family_name", "after closing quote");
}

static void test_persons_bad_all_or_nothing(void **state)
{
    struct fx *f = *state;
    char path[1200], good[2][13];
    int expected;
    bad_persons_file(f, path, sizeof path, good, &expected);
    int64_t audits = count(f, "audit_log");
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    struct vx_import_result res;
    struct vx_err err = {0};
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, &err), VX_EINVAL);
    check_bad_persons_errors(&es, expected);
    assert_int_equal(res.rows, 10);
    assert_int_equal(res.rejected, 8);
    assert_int_equal(res.imported, 0);
    assert_false(res.committed);
    assert_non_null(strstr(err.msg, "nothing written"));
    assert_non_null(strstr(err.msg, "first: line 3, column pnr: bad check digit"));
    assert_int_equal(count(f, "persons"), 1); /* only the one stored before */
    struct vx_person_rec r;
    assert_int_equal(f->st->ops->person_get(f->st, good[0], &r), VX_ENOTFOUND);
    /* the rejected run is audited too */
    assert_int_equal(count(f, "audit_log"), audits + 1);
    unlink(path);
}

static void test_persons_skip_bad(void **state)
{
    struct fx *f = *state;
    char path[1200], good[2][13];
    int expected;
    bad_persons_file(f, path, sizeof path, good, &expected);
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    o.skip_bad = true;
    o.bulk = 1; /* exercise bulk mode on a small file */
    struct vx_import_result res;
    struct vx_err err = {0};
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, &err), VX_EINVAL);
    check_bad_persons_errors(&es, expected);
    assert_int_equal(res.imported, 2);
    assert_int_equal(res.rejected, 8);
    assert_true(res.committed);
    assert_int_equal(count(f, "persons"), 3);
    struct vx_person_rec r;
    assert_int_equal(f->st->ops->person_get(f->st, good[0], &r), VX_OK);
    assert_int_equal(f->st->ops->person_get(f->st, good[1], &r), VX_OK);
    assert_string_equal(r.family_name, "Holm, Jr");
    unlink(path);
}

/* Run a persons import of `csv` into the store; returns the status. */
static enum vx_status import_text(struct fx *f, enum vx_import_kind kind, const char *csv,
                                  size_t len, struct errs *es, struct vx_import_result *res,
                                  size_t max_record)
{
    char path[1200];
    write_file("case.csv", csv, len, path, sizeof path);
    struct vx_import_opts o = opts(es);
    o.max_record = max_record;
    struct vx_err err = {0};
    enum vx_status s = vx_import_file(f ? f->st : NULL, kind, path, &o, res, &err);
    unlink(path);
    return s;
}

static void test_header_errors(void **state)
{
    struct fx *f = *state;
    struct errs es = {0};
    struct vx_import_result res;
    char p1[13], csv[512];
    mkpnr(p1, "19600101", 11);

    /* required columns missing: each is named */
    int n = snprintf(csv, sizeof csv, "pnr,given_name,residence\n%s,Anna,\n", p1);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_EPARSE);
    assert_int_equal(es.n, 2);
    expect(&es, 0, 1, "family_name", "required column is missing");
    expect(&es, 1, 1, "kommun_code", "required column is missing");

    /* unknown and repeated columns */
    memset(&es, 0, sizeof es);
    n = snprintf(csv, sizeof csv,
                 "pnr,given_name,family_name,kommun_code,shoe_size,pnr\n%s,A,B,0180,42,x\n", p1);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_EPARSE);
    assert_int_equal(es.n, 2);
    expect(&es, 0, 1, "shoe_size", "unknown column");
    expect(&es, 1, 1, "pnr", "appears twice");

    /* empty file, and a file of blank lines */
    memset(&es, 0, sizeof es);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, "", 0, &es, &res, 0), VX_EPARSE);
    expect(&es, 0, 1, "", "empty file");
    memset(&es, 0, sizeof es);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, "\xEF\xBB\xBF\r\n\n", 6, &es, &res, 0),
                     VX_EPARSE);
    expect(&es, 0, 1, "", "empty file");

    /* header only: nothing to do, fine */
    memset(&es, 0, sizeof es);
    n = snprintf(csv, sizeof csv, " PNR , Given_Name,FAMILY_NAME,kommun_code\n");
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_OK);
    assert_int_equal(res.rows, 0);
    assert_int_equal(es.n, 0);
    assert_int_equal(count(f, "persons"), 0);
}

static void test_semicolons_and_limits(void **state)
{
    struct fx *f = *state;
    struct errs es = {0};
    struct vx_import_result res;
    char p1[13], p2[13], csv[512];
    mkpnr(p1, "19700101", 21);
    mkpnr(p2, "19700101", 22);

    /* a Swedish-Excel file separated by ';' */
    int n = snprintf(csv, sizeof csv,
                     "pnr;given_name;family_name;kommun_code;risk\n%s;Anna;Ås;0180;\"diabetes;"
                     "dialysis\"\n",
                     p1);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_OK);
    assert_int_equal(res.imported, 1);

    /* a record longer than the limit stops the run: nothing written */
    memset(&es, 0, sizeof es);
    n = snprintf(csv, sizeof csv,
                 "pnr,given_name,family_name,kommun_code\n%s,Bertil,Bertilssonssonssonssonsson"
                 "ssonssonssonsson,0180\n",
                 p2);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 64), VX_EPARSE);
    assert_int_equal(es.n, 1);
    expect(&es, 0, 2, "", "longer than 64 bytes");
    assert_int_equal(count(f, "persons"), 1);

    /* an unterminated quote runs to the end of the file */
    memset(&es, 0, sizeof es);
    n = snprintf(csv, sizeof csv, "pnr,given_name,family_name,kommun_code\n%s,\"Bo,B,0180\n", p2);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_EINVAL);
    assert_int_equal(es.n, 1);
    expect(&es, 0, 2, "given_name", "unterminated");

    /* too few columns names the first missing one; unknown risk code */
    memset(&es, 0, sizeof es);
    n = snprintf(csv, sizeof csv,
                 "pnr,given_name,family_name,kommun_code,risk\n%s,Bo,B\n"
                 "%s,Bo,B,0180,gout\n",
                 p2, p2);
    assert_int_equal(import_text(f, VX_IMPORT_PERSONS, csv, (size_t)n, &es, &res, 0), VX_EINVAL);
    assert_int_equal(es.n, 2);
    expect(&es, 0, 2, "kommun_code", "the row has 3 columns, the header 5");
    expect(&es, 1, 3, "risk", "unknown risk code 'gout'");
    assert_int_equal(count(f, "persons"), 1);
}

static void test_validate_only(void **state)
{
    (void)state;
    static const struct vx_import_kommun ks[] = {{"0180", "01"}, {"1280", "12"}};
    char p1[13], p2[13], csv[512], path[1200];
    mkpnr(p1, "19800101", 31);
    mkpnr(p2, "19800101", 32);
    int n = snprintf(csv, sizeof csv,
                     "pnr,given_name,family_name,kommun_code,deso\n%s,A,B,0180,0180C1010\n"
                     "%s,A,B,0114,\n%s,C,D,1280,0180C1010\n",
                     p1, p2, p2);
    write_file("validate.csv", csv, (size_t)n, path, sizeof path);
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    o.kommuner = ks;
    o.n_kommuner = 2;
    struct vx_import_result res;
    assert_int_equal(vx_import_file(NULL, VX_IMPORT_PERSONS, path, &o, &res, NULL), VX_EINVAL);
    assert_int_equal(es.n, 3);
    expect(&es, 0, 3, "kommun_code", "unknown municipality 0114");
    expect(&es, 1, 4, "deso", "not in municipality 1280");
    expect(&es, 2, 4, "pnr", "duplicate: the same person as line 3");
    assert_int_equal(res.imported, 1);
    unlink(path);
}

static int stop_at_first(void *ctx, const struct vx_import_error *e)
{
    (*(int *)ctx)++;
    return 1;
}

static void test_stop_from_callback(void **state)
{
    struct fx *f = *state;
    char p1[13], csv[512], path[1200];
    mkpnr(p1, "19900101", 41);
    int n = snprintf(csv, sizeof csv,
                     "pnr,given_name,family_name,kommun_code\n%s,A,B,0180\nx,A,B,0180\n"
                     "y,A,B,0180\n",
                     p1);
    write_file("stop.csv", csv, (size_t)n, path, sizeof path);
    int calls = 0;
    struct vx_import_opts o = vx_import_opts_default(ref_day());
    o.on_error = stop_at_first;
    o.error_ctx = &calls;
    o.skip_bad = true;
    struct vx_import_result res;
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, NULL), VX_ECONFLICT);
    assert_int_equal(calls, 1);
    assert_int_equal(count(f, "persons"), 0);
    unlink(path);
}

static void test_sites(void **state)
{
    struct fx *f = *state;
    static const char good[] =
        "code,name,kommun_code,kind,address,stations,minutes_per_dose,open,close,weekdays\n"
        "01-VC-0001,Vårdcentral Solna,0184,health_centre,\"Storgatan 1, Solna\",4,10,08:00,"
        "17:00,mon-fri\n"
        "01-MC-0001,Stockholmsmässan,0180,mass_centre,,40,6,07:30,24:00,\"mon,wed,sat\"\n"
        "12-MO-0001,Bussen,1280,mobile,,2,10,10:00,15:00,1-5\n"
        "12-VC-0002,Vårdcentral Lund,1281,health_centre,,3,12,08:00,16:00,mån-fre\n";
    struct errs es = {0};
    struct vx_import_result res;
    assert_int_equal(import_text(f, VX_IMPORT_SITES, good, sizeof good - 1, &es, &res, 0), VX_OK);
    assert_int_equal(res.imported, 4);
    assert_int_equal(count(f, "sites"), 4);
    struct vx_site_rec s;
    assert_int_equal(f->st->ops->site_get(f->st, "01-MC-0001", &s), VX_OK);
    assert_string_equal(s.region, "01");
    assert_int_equal(s.kind, VX_SITE_MASS_CENTRE);
    assert_int_equal(s.open_minute, 450);
    assert_int_equal(s.close_minute, 1440);
    assert_int_equal(s.weekdays, 0x01 | 0x04 | 0x20);
    assert_int_equal(f->st->ops->site_get(f->st, "01-VC-0001", &s), VX_OK);
    assert_string_equal(s.address, "Storgatan 1, Solna");
    assert_int_equal(s.weekdays, 0x1f);
    assert_int_equal(s.stations, 4);

    static const char bad[] =
        "kind,code,name,kommun_code,stations,minutes_per_dose,open,close,weekdays\n"
        "mobile,13-MO-0001,Buss,1380,2,10,08:00,16:00,mon-fri\n"   /* 2 good */
        "hospital,13-XX-0001,Sjukhus,1380,2,10,08:00,16:00,1-5\n"  /* 3 kind */
        "mobile,13-MO-0001,Buss 2,1380,2,10,08:00,16:00,1-5\n"     /* 4 dup in file */
        "mobile,01-VC-0001,Dup,0180,2,10,08:00,16:00,1-5\n"        /* 5 dup in store */
        "mobile,13-MO-0003,Buss 3,9999,0,10,8:00,07:00,fri-mon\n"; /* 6 several */
    memset(&es, 0, sizeof es);
    assert_int_equal(import_text(f, VX_IMPORT_SITES, bad, sizeof bad - 1, &es, &res, 0), VX_EINVAL);
    assert_int_equal(es.n, 7);
    expect(&es, 0, 3, "kind", "unknown kind");
    expect(&es, 1, 4, "code", "same code as line 2");
    expect(&es, 2, 5, "code", "already in the database");
    expect(&es, 3, 6, "kommun_code", "unknown municipality 9999");
    expect(&es, 4, 6, "stations", "0 is outside 1..500");
    expect(&es, 5, 6, "open", "not a time");
    expect(&es, 6, 6, "weekdays", "not a set of weekdays");
    assert_int_equal(count(f, "sites"), 4);
}

static void test_premises(void **state)
{
    struct fx *f = *state;
    static const char good[] =
        "code,kommun_code,name,address,capacity_per_day,accessible,available_from,available_to\n"
        "0180-P-1,0180,Idrottshallen,\"Sporthallsvägen 1\n(entré B)\",800,ja,2021-02-01,"
        "2021-12-31\n"
        "0180-P-2,0180,Folkets hus,,300,0,2021-03-01,2021-06-30\n";
    struct errs es = {0};
    struct vx_import_result res;
    /* the address with a line break is refused (control character), line 2 */
    assert_int_equal(import_text(f, VX_IMPORT_PREMISES, good, sizeof good - 1, &es, &res, 0),
                     VX_EINVAL);
    expect(&es, 0, 2, "address", "control character");
    assert_int_equal(count(f, "premises"), 0);

    static const char good2[] =
        "code,kommun_code,name,address,capacity_per_day,accessible,available_from,available_to\n"
        "0180-P-1,0180,Idrottshallen,Sporthallsvägen 1,800,ja,2021-02-01,2021-12-31\n"
        "0180-P-2,0180,Folkets hus,,300,0,2021-03-01,2021-06-30\n";
    memset(&es, 0, sizeof es);
    assert_int_equal(import_text(f, VX_IMPORT_PREMISES, good2, sizeof good2 - 1, &es, &res, 0),
                     VX_OK);
    assert_int_equal(count(f, "premises"), 2);

    static const char bad[] =
        "code,kommun_code,name,capacity_per_day,available_from,available_to,accessible\n"
        "1480-P-1,1480,Lokal,100,2021-02-01,2021-01-31,kanske\n" /* 2 dates, bool */
        "1480-P-2,1480,Lokal,many,2021-02-30,2021-03-01,\n"      /* 3 capacity, date */
        "1480-P-3,1480,Lokal,100,2021-02-01,2021-03-01,1\n";     /* 4 good */
    memset(&es, 0, sizeof es);
    assert_int_equal(import_text(f, VX_IMPORT_PREMISES, bad, sizeof bad - 1, &es, &res, 0),
                     VX_EINVAL);
    assert_int_equal(es.n, 4);
    expect(&es, 0, 2, "accessible", "not a yes/no value");
    expect(&es, 1, 2, "available_to", "before available_from");
    expect(&es, 2, 3, "capacity_per_day", "'many' is not an integer");
    expect(&es, 3, 3, "available_from", "not a date");
    assert_int_equal(count(f, "premises"), 2);

    /* a code already stored: found by the insert, so even --skip-bad writes nothing */
    static const char dup[] = "code,kommun_code,name,capacity_per_day,available_from,available_to\n"
                              "1480-P-9,1480,Ny,100,2021-02-01,2021-03-01\n"
                              "0180-P-1,0180,Dubblett,100,2021-02-01,2021-03-01\n";
    char path[1200];
    write_file("dup.csv", dup, sizeof dup - 1, path, sizeof path);
    memset(&es, 0, sizeof es);
    struct vx_import_opts o = opts(&es);
    o.skip_bad = true;
    struct vx_err err = {0};
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PREMISES, path, &o, &res, &err), VX_EINVAL);
    expect(&es, 0, 3, "code", "already in the database");
    assert_false(res.committed);
    assert_int_equal(count(f, "premises"), 2);
    unlink(path);
}

static void test_value_parsers(void **state)
{
    (void)state;
    bool b;
    assert_int_equal(vx_import_parse_bool("JA", false, &b), VX_OK);
    assert_true(b);
    assert_int_equal(vx_import_parse_bool("", true, &b), VX_OK);
    assert_true(b);
    assert_int_equal(vx_import_parse_bool("False", true, &b), VX_OK);
    assert_false(b);
    assert_int_equal(vx_import_parse_bool("2", true, &b), VX_EINVAL);
    int m;
    assert_int_equal(vx_import_parse_hhmm("00:00", &m), VX_OK);
    assert_int_equal(m, 0);
    assert_int_equal(vx_import_parse_hhmm("23:59", &m), VX_OK);
    assert_int_equal(m, 23 * 60 + 59);
    assert_int_equal(vx_import_parse_hhmm("24:00", &m), VX_OK);
    assert_int_equal(vx_import_parse_hhmm("24:01", &m), VX_EINVAL);
    assert_int_equal(vx_import_parse_hhmm("12:60", &m), VX_EINVAL);
    assert_int_equal(vx_import_parse_hhmm("8:00", &m), VX_EINVAL);
    uint8_t w;
    assert_int_equal(vx_import_parse_weekdays("mon-fri", &w), VX_OK);
    assert_int_equal(w, 0x1f);
    assert_int_equal(vx_import_parse_weekdays("6-7", &w), VX_OK);
    assert_int_equal(w, 0x60);
    assert_int_equal(vx_import_parse_weekdays("Mon, Wed ,sat", &w), VX_OK);
    assert_int_equal(w, 0x25);
    assert_int_equal(vx_import_parse_weekdays("mån-fre|sön", &w), VX_OK);
    assert_int_equal(w, 0x5f);
    assert_int_equal(vx_import_parse_weekdays("", &w), VX_EINVAL);
    assert_int_equal(vx_import_parse_weekdays("fri-mon", &w), VX_EINVAL);
    assert_int_equal(vx_import_parse_weekdays("mon,", &w), VX_EINVAL);
    assert_int_equal(vx_import_parse_weekdays("8", &w), VX_EINVAL);
    int n;
    const struct vx_import_col *c = vx_import_columns(VX_IMPORT_PERSONS, &n);
    assert_true(n >= 7);
    assert_string_equal(c[0].name, "pnr");
    assert_string_equal(vx_import_kind_name(VX_IMPORT_PREMISES), "premises");
}

/* The reader on its own: records across buffer refills and quoted line breaks. */
static void test_reader_big(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/test_import_%d_big.csv", tmp_dir(), (int)getpid());
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    const int rows = 60000; /* ~2.5 MB: several refills of the 1 MiB buffer */
    for (int i = 0; i < rows; i++)
        fprintf(fp, i % 1000 == 7 ? "%d,\"two\nlines, %d\",x\r\n" : "%d,field %d,x\r\n", i, i);
    assert_int_equal(fclose(fp), 0);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    struct vx_csv_reader rd;
    assert_int_equal(vx_csv_reader_init(&rd, fp, 0), VX_OK);
    long expect_line = 1;
    int i = 0;
    for (;; i++) {
        bool got;
        struct vx_err err = {0};
        assert_int_equal(vx_csv_reader_next(&rd, &got, &err), VX_OK);
        if (!got)
            break;
        assert_int_equal(rd.nfields, 3);
        assert_int_equal(rd.rec_line, expect_line);
        assert_int_equal(strtol(rd.fields[0], NULL, 10), i);
        assert_string_equal(rd.fields[2], "x");
        expect_line += i % 1000 == 7 ? 2 : 1;
    }
    assert_int_equal(i, rows);
    vx_csv_reader_release(&rd);
    fclose(fp);
    unlink(path);
}

/* The data-driven files in tests/cases/import: the bad file's problems, formatted as
 * the CLI prints them, must equal the .expected file line for line. */
static void test_case_files(void **state)
{
    struct fx *f = *state;
    struct errs es = {0};
    struct vx_import_opts o = opts(&es);
    struct vx_import_result res;
    struct vx_err err = {0};
    const char *dir = VX_SOURCE_DIR "/tests/cases/import";
    char path[1200];

    snprintf(path, sizeof path, "%s/persons_bad.csv", dir);
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, &err), VX_EINVAL);
    char got[4096];
    size_t w = 0;
    for (int i = 0; i < es.n && i < 64; i++)
        w += (size_t)snprintf(got + w, sizeof got - w, "line %ld, column %s: %s\n", es.e[i].line,
                              es.e[i].col, es.e[i].reason);
    snprintf(path, sizeof path, "%s/persons_bad.expected", dir);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char want[4096];
    size_t n = fread(want, 1, sizeof want - 1, fp);
    fclose(fp);
    want[n] = '\0';
    assert_string_equal(got, want);
    assert_int_equal(count(f, "persons"), 0);

    static const struct {
        enum vx_import_kind kind;
        const char *file, *table;
        int rows;
    } good[] = {{VX_IMPORT_PERSONS, "persons_good.csv", "persons", 5},
                {VX_IMPORT_SITES, "sites.csv", "sites", 4},
                {VX_IMPORT_PREMISES, "premises.csv", "premises", 3}};
    for (size_t i = 0; i < VX_ARRAY_LEN(good); i++) {
        memset(&es, 0, sizeof es);
        snprintf(path, sizeof path, "%s/%s", dir, good[i].file);
        enum vx_status s = vx_import_file(f->st, good[i].kind, path, &o, &res, &err);
        if (s != VX_OK)
            dump(&es);
        assert_int_equal(s, VX_OK);
        assert_int_equal(res.imported, good[i].rows);
        assert_int_equal(count(f, good[i].table), good[i].rows);
    }
    /* importing the same persons again: every row is already stored */
    memset(&es, 0, sizeof es);
    snprintf(path, sizeof path, "%s/persons_good.csv", dir);
    assert_int_equal(vx_import_file(f->st, VX_IMPORT_PERSONS, path, &o, &res, &err), VX_EINVAL);
    assert_int_equal(es.n, 5);
    expect(&es, 4, 6, "pnr", "already in the database");
    assert_int_equal(count(f, "persons"), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reference_loaders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persons_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persons_bad_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persons_skip_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semicolons_and_limits, setup, teardown),
        cmocka_unit_test(test_validate_only),
        cmocka_unit_test_setup_teardown(test_stop_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_premises, setup, teardown),
        cmocka_unit_test(test_value_parsers),
        cmocka_unit_test(test_reader_big),
        cmocka_unit_test_setup_teardown(test_case_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
