/*
 * test_store_care.c — the care actions (include/vx/care.h) on the SQLite store.
 *
 * Each test gets a fresh migrated database under $VX_TEST_TMP with the real 21
 * regions and 290 municipalities (VX_SHARED_DATA_DIR/se), every product of the real
 * catalogue (data/vaccines.json) and the real eligibility rules
 * (data/eligibility.json), two sites in Stockholm and one in Uppsala, and persons
 * whose numbers are Skatteverket test personnummer born 1930–1945.
 * The clock is 2021-03-08 10:00 Stockholm time (Comirnaty: 6 doses per vial,
 * 6 hours after dilution).
 *
 * Covered: receipts and the lot rules, transfers confirmed by both ends (in transit
 * in nobody's stock, shortfall flagged), counts and their follow-up, cold-chain
 * discard, vial yields up to the catalogue's maximum, close and sweep as wastage,
 * every refusal of the dose check with nothing written, correction and void with
 * history and audit, AEFI, check-in and no-shows, the standby list's order and
 * offer flow, and the region figures for the traffic-light report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/care.h"
#include "vx/csv.h"
#include "vx/store.h"
#include "../../src/store/sqlite/sqlite_int.h"

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

#define ASSERT_OK(st, e)                                                                           \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s (%s)", #e, vx_strerror(rc_), (st)->err);                              \
    } while (0)

#define ASSERT_CARE_OK(e)                                                                          \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s / %s", #e, res.code, res.msg_en);                                     \
    } while (0)

#define ASSERT_REFUSED(e, reason_code)                                                             \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ == VX_OK || strcmp(res.code, (reason_code)) != 0)                                  \
            fail_msg("%s: expected %s, got %s (%s)", #e, (reason_code), res.code, res.msg_en);     \
        assert_true(res.msg_sv[0] && res.msg_en[0]);                                               \
    } while (0)

struct fx {
    struct vx_store *st;
    struct vx_arena arena;
    const struct vx_catalog *cat;
    struct vx_elig_table rules;
    struct vx_care_env env;
    int64_t site, site2, site_uppsala;
    int64_t person[4];
    char *cat_text, *rules_text;
};

static int fx_counter;

static void each_row(const char *path, int want, void (*row)(void *ctx, char **f), void *ctx)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (lineno++ == 0)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *fields[8];
        int n = 0;
        struct vx_err err = {0};
        assert_int_equal(vx_csv_split(line, strlen(line), ',', fields, 8, &n, &err), VX_OK);
        assert_true(n >= want);
        row(ctx, fields);
    }
    fclose(f);
}

static void region_row(void *ctx, char **f)
{
    struct vx_store *st = ctx;
    struct vx_region_rec r = {0};
    COPY(r.code, f[0]);
    COPY(r.name, f[1]);
    COPY(r.short_name, f[2]);
    ASSERT_OK(st, st->ops->region_put(st, &r));
}

static void kommun_row(void *ctx, char **f)
{
    struct vx_store *st = ctx;
    struct vx_kommun_rec k = {0};
    COPY(k.code, f[0]);
    COPY(k.name, f[1]);
    COPY(k.region, f[2]);
    ASSERT_OK(st, st->ops->kommun_put(st, &k));
}

struct pick {
    char norm[4][13];
    int n;
};

static void pick_row(void *ctx, char **f)
{
    struct pick *p = ctx;
    int year = 0;
    if (strlen(f[0]) != 12 || sscanf(f[0], "%4d", &year) != 1)
        return;
    if (p->n < 4 && year >= 1930 && year <= 1940)
        COPY(p->norm[p->n++], f[0]);
}

static int64_t put_person(struct vx_store *st, const char *norm, enum vx_residence res)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    COPY(r.p.pnr.norm, norm);
    r.p.pnr.kind = VX_PNR_PERSONNUMMER;
    int y = 0, m = 0, d = 0;
    assert_int_equal(sscanf(norm, "%4d%2d%2d", &y, &m, &d), 3);
    r.p.pnr.birth = vx_day_from_ymd(y, m, d);
    COPY(r.p.kommun, "0180");
    COPY(r.p.region, "01");
    r.p.residence = res;
    COPY(r.given_name, "Test");
    COPY(r.family_name, norm + 8);
    r.synthetic = true;
    int64_t id = 0;
    ASSERT_OK(st, st->ops->person_put(st, &r, &id));
    return id;
}

static int64_t put_site(struct vx_store *st, const char *code, const char *region,
                        const char *kommun)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    COPY(s.code, code);
    COPY(s.name, code);
    COPY(s.region, region);
    COPY(s.kommun, kommun);
    s.kind = VX_SITE_HEALTH_CENTRE;
    s.stations = 2;
    s.minutes_per_dose = 10;
    s.open_minute = 480;
    s.close_minute = 1020;
    s.weekdays = 0x1f;
    int64_t id = 0;
    ASSERT_OK(st, st->ops->site_put(st, &s, &id));
    return id;
}

static vx_time at_local(int y, int m, int d, int hh, int mm)
{
    vx_time t = 0;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), hh * 60 + mm, &t, NULL), VX_OK);
    return t;
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *dir = getenv("VX_TEST_TMP");
    char path[512], side[600];
    snprintf(path, sizeof path, "%s/store_care_%d_%d.db", dir && *dir ? dir : "/tmp", (int)getpid(),
             ++fx_counter);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &fx->st, &err) != VX_OK) {
        print_error("open %s: %s\n", path, err.msg);
        free(fx);
        return -1;
    }
    vx_arena_init(&fx->arena, 0);
    size_t len = 0;
    fx->cat_text = slurp(VX_SOURCE_DIR "/data/vaccines.json", &len);
    assert_int_equal(vx_catalog_parse(fx->cat_text, len, &fx->arena, &fx->cat, &err), VX_OK);
    fx->rules_text = slurp(VX_SOURCE_DIR "/data/eligibility.json", &len);
    assert_int_equal(vx_elig_parse(fx->rules_text, len, &fx->arena, &fx->rules, &err), VX_OK);
    struct vx_store *st = fx->st;
    ASSERT_OK(st, vx_store_begin(st));
    each_row(VX_SHARED_DATA_DIR "/se/regions.csv", 3, region_row, st);
    each_row(VX_SHARED_DATA_DIR "/se/municipalities.csv", 3, kommun_row, st);
    for (size_t i = 0; i < fx->cat->n_products; i++)
        ASSERT_OK(st, st->ops->vaccine_put(st, fx->cat->products[i].code, fx->cat->products[i].name,
                                           "{}"));
    fx->site = put_site(st, "01-VC-0001", "01", "0180");
    fx->site2 = put_site(st, "01-VC-0002", "01", "0180");
    fx->site_uppsala = put_site(st, "03-VC-0001", "03", "0380");
    struct pick p = {0};
    each_row(VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/"
                                "testpersonnummer-sample5000.csv",
             1, pick_row, &p);
    assert_int_equal(p.n, 4);
    for (int i = 0; i < 4; i++)
        fx->person[i] =
            put_person(st, p.norm[i], i == 3 ? VX_RES_SPECIAL_HOUSING : VX_RES_OWN_HOME);
    ASSERT_OK(st, vx_store_commit(st));
    fx->env = (struct vx_care_env){.st = st,
                                   .cat = fx->cat,
                                   .rules = &fx->rules,
                                   .now = at_local(2021, 3, 8, 10, 0),
                                   .user = "vacc1",
                                   .role = "vaccinator"};
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;
    vx_store_close(fx->st);
    vx_arena_release(&fx->arena);
    free(fx->cat_text);
    free(fx->rules_text);
    free(fx);
    return 0;
}

/* Rows of `table` (the store's count() knows only the core tables). */
static int64_t count(struct fx *fx, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(sq_store_db(fx->st), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static int stock(struct fx *fx, int64_t site, int64_t lot)
{
    int n = -1;
    ASSERT_OK(fx->st, fx->st->ops->care->stock_get(fx->st, site, lot, &n));
    return n;
}

/* Receive `doses` of COM lot `number` at `site`. */
static int64_t receive(struct fx *fx, int64_t site, const char *vaccine, const char *number,
                       int doses)
{
    struct vx_care_result res;
    struct vx_care_receipt r = {
        .site_id = site, .expiry = vx_day_from_ymd(2021, 5, 31), .doses = doses};
    COPY(r.vaccine, vaccine);
    COPY(r.lot_number, number);
    COPY(r.ref, "alloc 2021-W10");
    int64_t lot = 0;
    ASSERT_CARE_OK(vx_care_receive(&fx->env, &r, &lot, &res));
    return lot;
}

static struct vx_care_dose_in dose_in(int64_t person, int64_t site, int64_t lot, int64_t vial)
{
    struct vx_care_dose_in in;
    memset(&in, 0, sizeof in);
    in.person_id = person;
    COPY(in.vaccine, "COM");
    in.lot_id = lot;
    in.vial_id = vial;
    in.site_id = site;
    COPY(in.injection_site, "left_arm");
    return in;
}

/* ------------------------------------------------------------------ stock */

static void test_receipt_and_lot_rules(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 1170);
    assert_int_equal(stock(fx, fx->site, lot), 1170);
    /* the same lot again: same id, stock adds up */
    assert_int_equal(receive(fx, fx->site, "COM", "EJ6795", 30), lot);
    assert_int_equal(stock(fx, fx->site, lot), 1200);
    /* vials x nominal doses (6 for Comirnaty in March 2021) */
    struct vx_care_receipt r = {
        .site_id = fx->site, .expiry = vx_day_from_ymd(2021, 5, 31), .vials = 10};
    COPY(r.vaccine, "COM");
    COPY(r.lot_number, "EJ6795");
    ASSERT_CARE_OK(vx_care_receive(&fx->env, &r, NULL, &res));
    assert_int_equal(stock(fx, fx->site, lot), 1260);
    /* refusals write nothing */
    int64_t moves = count(fx, "stock_moves");
    r.expiry = vx_day_from_ymd(2021, 6, 30);
    ASSERT_REFUSED(vx_care_receive(&fx->env, &r, NULL, &res), "state");
    assert_string_equal(res.field, "expiry");
    r.expiry = vx_day_from_ymd(2021, 3, 1);
    COPY(r.lot_number, "EK0001");
    ASSERT_REFUSED(vx_care_receive(&fx->env, &r, NULL, &res), "lot_expired");
    COPY(r.vaccine, "NOPE");
    r.expiry = vx_day_from_ymd(2021, 5, 31);
    ASSERT_REFUSED(vx_care_receive(&fx->env, &r, NULL, &res), "vaccine_unknown");
    COPY(r.vaccine, "COM");
    r.site_id = 999;
    ASSERT_REFUSED(vx_care_receive(&fx->env, &r, NULL, &res), "site_unknown");
    r.site_id = fx->site;
    r.doses = 5; /* both doses and vials */
    ASSERT_REFUSED(vx_care_receive(&fx->env, &r, NULL, &res), "bad_input");
    assert_int_equal(count(fx, "stock_moves"), moves);

    /* thawed: usable-until = thaw + 5 days (Comirnaty before 2021-05-17) */
    struct vx_care_receipt t = {.site_id = fx->site,
                                .expiry = vx_day_from_ymd(2021, 6, 30),
                                .doses = 60,
                                .thawed_at = at_local(2021, 3, 7, 8, 0)};
    COPY(t.vaccine, "COM");
    COPY(t.lot_number, "EP2163");
    int64_t lot2 = 0;
    ASSERT_CARE_OK(vx_care_receive(&fx->env, &t, &lot2, &res));
    struct vx_lot_rec l;
    ASSERT_OK(fx->st, fx->st->ops->care->lot_get(fx->st, lot2, &l));
    assert_int_equal(l.usable_until, at_local(2021, 3, 12, 8, 0));
}

struct rows {
    struct vx_stock_row r[8];
    int n;
};

static int stock_cb(void *ctx, const struct vx_stock_row *r)
{
    struct rows *s = ctx;
    if (s->n < 8)
        s->r[s->n++] = *r;
    return 0;
}

static void test_transfer_both_ends(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 120);
    int64_t tid = 0;
    ASSERT_REFUSED(vx_care_transfer_send(&fx->env, lot, fx->site, fx->site2, 121, "", &tid, &res),
                   "stock");
    ASSERT_REFUSED(vx_care_transfer_send(&fx->env, lot, fx->site, fx->site, 10, "", &tid, &res),
                   "bad_input");
    ASSERT_CARE_OK(
        vx_care_transfer_send(&fx->env, lot, fx->site, fx->site2, 60, "to VC2", &tid, &res));
    /* in transit: in neither site's stock */
    assert_int_equal(stock(fx, fx->site, lot), 60);
    assert_int_equal(stock(fx, fx->site2, lot), 0);
    struct rows s = {0};
    ASSERT_OK(fx->st, fx->st->ops->care->stock_foreach(fx->st, fx->site2, "", stock_cb, &s));
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].in_transit, 60);
    assert_int_equal(s.r[0].doses, 0);
    /* more than sent is refused; a shortfall is received and flagged */
    ASSERT_REFUSED(vx_care_transfer_receive(&fx->env, tid, 61, &res), "bad_input");
    ASSERT_CARE_OK(vx_care_transfer_receive(&fx->env, tid, 54, &res));
    assert_int_equal(stock(fx, fx->site2, lot), 54);
    ASSERT_REFUSED(vx_care_transfer_receive(&fx->env, tid, -1, &res), "state");
    ASSERT_REFUSED(vx_care_transfer_receive(&fx->env, 9999, -1, &res), "not_found");
    struct vx_transfer_rec t;
    ASSERT_OK(fx->st, fx->st->ops->care->transfer_get(fx->st, tid, &t));
    assert_int_equal(t.status, VX_TRANSFER_RECEIVED);
    assert_int_equal(t.received_doses, 54);
    assert_int_equal(count(fx, "stock_counts"), 1);
}

/* Issue to a municipality (a municipal round's hand-over): inside the caller's
 * transaction, refusals write nothing, the stock is still the sum of its moves. */
static void test_issue_to_kommun(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 30);
    struct vx_care_issue iss = {.site_id = fx->site,
                                .vaccine = "COM",
                                .lot_number = "EJ6795",
                                .doses = 31,
                                .kommun = "0180",
                                .region = "01",
                                .ref = "muni_round:7"};
    int64_t lot_id = 0;
    int left = -1;
    int64_t moves = count(fx, "stock_moves");
    ASSERT_OK(fx->st, vx_store_begin(fx->st));
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "stock");
    assert_non_null(strstr(res.msg_en, "30 doses in stock, 31 needed"));
    iss.doses = 0;
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "bad_input");
    iss.doses = 12;
    iss.kommun = "18";
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "bad_input");
    iss.kommun = "0180";
    iss.lot_number = "NOPE1";
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "lot_unknown");
    iss.lot_number = "EJ6795";
    iss.vaccine = "SPI"; /* the lot is of another product */
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "lot_unknown");
    iss.vaccine = "COM";
    iss.site_id = fx->site_uppsala; /* not a site of region 01 */
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "place");
    iss.site_id = 9999;
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "site_unknown");
    iss.site_id = fx->site;
    assert_int_equal(count(fx, "stock_moves"), moves); /* nothing written so far */
    ASSERT_CARE_OK(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res));
    ASSERT_OK(fx->st, vx_store_commit(fx->st)); /* the refusals left the transaction usable */
    assert_int_equal(lot_id, lot);
    assert_int_equal(left, 18);
    assert_int_equal(stock(fx, fx->site, lot), 18);
    assert_int_equal(count(fx, "stock_moves"), moves + 1);
    /* the move: who, when, what; stock = sum of moves */
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(sq_store_db(fx->st),
                                        "SELECT kind, doses, actor, note, at, (SELECT sum(doses) "
                                        "FROM stock_moves WHERE site_id = m.site_id AND lot_id = "
                                        "m.lot_id) FROM stock_moves m ORDER BY id DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "transfer_out");
    assert_int_equal(sqlite3_column_int(q, 1), -12);
    assert_string_equal((const char *)sqlite3_column_text(q, 2), "vacc1");
    assert_string_equal((const char *)sqlite3_column_text(q, 3),
                        "issue to kommun 0180: muni_round:7");
    assert_int_equal(sqlite3_column_int64(q, 4), fx->env.now);
    assert_int_equal(sqlite3_column_int(q, 5), 18);
    sqlite3_finalize(q);
    /* a rolled-back caller transaction takes the issue back */
    ASSERT_OK(fx->st, vx_store_begin(fx->st));
    ASSERT_CARE_OK(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res));
    assert_int_equal(left, 6);
    ASSERT_OK(fx->st, vx_store_rollback(fx->st));
    assert_int_equal(stock(fx, fx->site, lot), 18);
    /* an expired lot is refused */
    fx->env.now = at_local(2021, 6, 1, 10, 0);
    ASSERT_OK(fx->st, vx_store_begin(fx->st));
    ASSERT_REFUSED(vx_care_issue_in_tx(&fx->env, &iss, &lot_id, &left, &res), "lot_expired");
    ASSERT_OK(fx->st, vx_store_rollback(fx->st));
}

static int count_cb(void *ctx, const struct vx_count_rec *c)
{
    *(struct vx_count_rec *)ctx = *c;
    return 1;
}

static void test_count_discrepancy_and_excursion(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 120);
    struct vx_count_rec c;
    ASSERT_CARE_OK(vx_care_count(&fx->env, fx->site, lot, 120, "", &c, &res));
    assert_int_equal(c.followup, VX_FOLLOWUP_NONE);
    ASSERT_CARE_OK(vx_care_count(&fx->env, fx->site, lot, 114, "one vial missing", &c, &res));
    assert_int_equal(c.expected, 120);
    assert_int_equal(c.followup, VX_FOLLOWUP_OPEN);
    assert_int_equal(stock(fx, fx->site, lot), 114);
    struct vx_count_rec open = {0};
    ASSERT_OK(fx->st, fx->st->ops->care->count_foreach(fx->st, fx->site, true, count_cb, &open));
    assert_int_equal(open.counted, 114);
    ASSERT_REFUSED(vx_care_count(&fx->env, fx->site, lot, -1, "", NULL, &res), "bad_input");
    ASSERT_REFUSED(vx_care_count(&fx->env, fx->site, 777, 1, "", NULL, &res), "lot_unknown");

    struct vx_excursion_rec e = {.site_id = fx->site,
                                 .lot_id = lot,
                                 .from_at = at_local(2021, 3, 7, 22, 0),
                                 .to_at = at_local(2021, 3, 8, 6, 0),
                                 .min_c = 4.0,
                                 .max_c = 14.5,
                                 .decision = VX_EXCURSION_USABLE};
    ASSERT_CARE_OK(vx_care_excursion(&fx->env, &e, NULL, &res));
    assert_int_equal(stock(fx, fx->site, lot), 114);
    e.decision = VX_EXCURSION_DISCARD;
    e.max_c = 2.0; /* below min */
    ASSERT_REFUSED(vx_care_excursion(&fx->env, &e, NULL, &res), "bad_input");
    e.max_c = 25.0;
    ASSERT_CARE_OK(vx_care_excursion(&fx->env, &e, NULL, &res));
    assert_int_equal(stock(fx, fx->site, lot), 0);
    assert_int_equal(count(fx, "wastage"), 1);
}

/* ------------------------------------------------------------------ vials */

static void test_vial_yield_close_and_sweep(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 12);
    struct vx_vial_rec v;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v, &res));
    assert_int_equal(v.nominal, 6);
    assert_int_equal(v.max_doses, 6);
    assert_int_equal(v.usable_until, fx->env.now + 6 * 3600);
    assert_int_equal(stock(fx, fx->site, lot), 6);
    /* persons 0..3 get a dose each; the vial counts them */
    for (int i = 0; i < 4; i++) {
        struct vx_care_dose_in in = dose_in(fx->person[i], fx->site, lot, v.id);
        ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, NULL, &res));
    }
    struct vx_vial_rec now;
    ASSERT_OK(fx->st, fx->st->ops->care->vial_get(fx->st, v.id, &now));
    assert_int_equal(now.drawn, 4);
    assert_int_equal(vx_care_vial_leftover(&now), 2);
    int wasted = -1;
    ASSERT_CARE_OK(vx_care_vial_close(&fx->env, v.id, VX_WASTE_LEFTOVER, &wasted, &res));
    assert_int_equal(wasted, 2);
    ASSERT_REFUSED(vx_care_vial_close(&fx->env, v.id, VX_WASTE_LEFTOVER, &wasted, &res), "state");
    /* a closed vial takes no dose */
    struct vx_care_dose_in late = dose_in(fx->person[0], fx->site, lot, v.id);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &late, NULL, &res), "vial_closed");

    /* the second vial expires: the sweep wastes all 6 as 'expired' */
    struct vx_vial_rec v2;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v2, &res));
    ASSERT_REFUSED(vx_care_vial_open(&fx->env, fx->site, "", lot, NULL, &res), "stock");
    struct vx_care_env later = fx->env;
    later.now += 6 * 3600 - 1;
    int vials = -1, offers = -1;
    ASSERT_CARE_OK(vx_care_sweep(&later, &vials, &offers, &res));
    assert_int_equal(vials, 0);
    later.now += 1;
    ASSERT_CARE_OK(vx_care_sweep(&later, &vials, &offers, &res));
    assert_int_equal(vials, 1);
    ASSERT_OK(fx->st, fx->st->ops->care->vial_get(fx->st, v2.id, &now));
    assert_int_equal(now.status, VX_VIAL_EXPIRED);
    assert_int_equal(now.wasted, 6);
    assert_int_equal(count(fx, "wastage"), 2);
}

static void test_vial_max_yield(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    /* Vaxzevria: nominal 10, usual 11 per vial: the 12th draw is refused */
    int64_t lot = receive(fx, fx->site, "AZ", "ABV5300", 10);
    struct vx_vial_rec v;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v, &res));
    assert_int_equal(v.nominal, 10);
    assert_int_equal(v.max_doses, 11);
    assert_int_equal(v.usable_until, fx->env.now + 48 * 3600);
    /* pretend 11 draws through the store (the persons of the fixture are only four) */
    for (int i = 0; i < 11; i++) {
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = fx->person[i % 4];
        COPY(d.region, "01");
        COPY(d.vaccine, "AZ");
        d.dose_number = 1 + i / 4;
        d.given_at = fx->env.now - 86400 * 40 * (i / 4) - i;
        d.site_id = fx->site;
        d.lot_id = lot;
        d.vial_id = v.id;
        COPY(d.source, "recorded");
        ASSERT_OK(fx->st, fx->st->ops->dose_put(fx->st, &d, NULL));
    }
    ASSERT_OK(fx->st, fx->st->ops->care->vial_get(fx->st, v.id, &v));
    assert_int_equal(v.drawn, 11);
    assert_int_equal(vx_care_vial_leftover(&v), 0); /* extra doses are not negative waste */
    struct vx_care_dose_in in = dose_in(fx->person[0], fx->site, lot, v.id);
    COPY(in.vaccine, "AZ");
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "vial_empty");
}

/* ------------------------------------------------------------------ doses */

static void test_dose_refusals_write_nothing(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 12);
    int64_t lot_az = receive(fx, fx->site, "AZ", "ABV5300", 20);
    struct vx_vial_rec v, v2;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v, &res));
    ASSERT_CARE_OK(
        vx_care_vial_open(&fx->env, fx->site2 == 0 ? 0 : fx->site, "", lot_az, &v2, &res));
    int64_t doses = count(fx, "doses"), audit = count(fx, "audit_log");
    struct vx_care_dose_in in = dose_in(fx->person[0], fx->site, lot, v.id);

    in.person_id = 987654;
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "person_unknown");
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    COPY(in.vaccine, "XYZ");
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "vaccine_unknown");
    in = dose_in(fx->person[0], fx->site, 4242, v.id);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "lot_unknown");
    in = dose_in(fx->person[0], fx->site, lot_az, v.id);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "lot_vaccine");
    in = dose_in(fx->person[0], fx->site2, lot, v.id);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "vial_site");
    in = dose_in(fx->person[0], fx->site, lot, 5555);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "vial_unknown");
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    in.given_at = fx->env.now + 3600;
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "future");
    in.given_at = fx->env.now - 3600;
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "vial_time");
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    in.dose_number = 2;
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "dose_number");
    assert_string_equal(res.field, "dose_number");
    in = dose_in(fx->person[0], 0, lot, 0);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "place");
    COPY(in.kommun, "9999");
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "place");
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    COPY(in.injection_site, "nose");
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "bad_input");
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    in.booking_id = 31337;
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "booking");
    assert_int_equal(count(fx, "doses"), doses);
    assert_int_equal(count(fx, "audit_log"), audit);

    /* OK, then duplicate and interval */
    in = dose_in(fx->person[0], fx->site, lot, v.id);
    int64_t id = 0;
    ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, &id, &res));
    assert_true(id > 0);
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "duplicate");
    struct vx_care_env tomorrow = fx->env;
    tomorrow.now += 86400;
    in.given_at = 0;
    ASSERT_REFUSED(vx_care_record_dose(&tomorrow, &in, NULL, &res), "vial_expired");
    in.vial_id = 0; /* without a vial: one dose from stock */
    ASSERT_REFUSED(vx_care_record_dose(&tomorrow, &in, NULL, &res), "interval");
    assert_non_null(strstr(res.msg_en, "21 days"));
    assert_non_null(strstr(res.msg_sv, "2021-03-29"));
    struct vx_care_env day21 = fx->env;
    day21.now += 21 * 86400;
    int before = stock(fx, fx->site, lot);
    ASSERT_CARE_OK(vx_care_record_dose(&day21, &in, NULL, &res));
    assert_int_equal(stock(fx, fx->site, lot), before - 1);
    struct vx_dose_last last;
    ASSERT_OK(fx->st, fx->st->ops->dose_last(fx->st, fx->person[0], &last));
    assert_int_equal(last.dose_number, 2);
    /* a third dose: Comirnaty has 2 and no booster rule */
    struct vx_care_env day80 = fx->env;
    day80.now += 80 * 86400;
    ASSERT_REFUSED(vx_care_record_dose(&day80, &in, NULL, &res), "no_schedule");

    /* Vaxzevria was paused 2021-03-16..24 */
    struct vx_care_env paused = fx->env;
    paused.now = at_local(2021, 3, 18, 10, 0);
    struct vx_care_dose_in az = dose_in(fx->person[1], fx->site, lot_az, 0);
    COPY(az.vaccine, "AZ");
    ASSERT_REFUSED(vx_care_record_dose(&paused, &az, NULL, &res), "age");
    assert_string_equal(res.field, "person");
}

static int hist_cb(void *ctx, const struct vx_dose_history_rec *h)
{
    struct vx_dose_history_rec *out = ctx;
    out[h->version - 1] = *h;
    return 0;
}

static void test_correct_and_void_audited(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 12);
    int64_t lot2 = receive(fx, fx->site, "COM", "EK9788", 12);
    struct vx_vial_rec v;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v, &res));
    struct vx_care_dose_in in = dose_in(fx->person[2], fx->site, lot, v.id);
    int64_t id = 0;
    ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, &id, &res));
    int64_t audit = count(fx, "audit_log");

    struct vx_care_correction c;
    memset(&c, 0, sizeof c);
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, id, &c, "", &res), "bad_input");
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, id, &c, "nothing", &res), "bad_input");
    COPY(c.injection_site, "right_arm");
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, 99999, &c, "typo", &res), "not_found");
    c.given_at = fx->env.now + 60;
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, id, &c, "typo", &res), "future");
    c.given_at = 0;
    ASSERT_CARE_OK(vx_care_correct_dose(&fx->env, id, &c, "wrong arm", &res));
    /* a new lot: the vial belongs to the old lot, so the vial must change too */
    memset(&c, 0, sizeof c);
    c.lot_id = lot2;
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, id, &c, "wrong lot", &res), "vial_lot");
    struct vx_dose_rec d;
    ASSERT_OK(fx->st, fx->st->ops->care->dose_get(fx->st, id, &d));
    assert_int_equal(d.version, 2);
    assert_string_equal(d.injection_site, "right_arm");
    assert_int_equal(d.lot_id, lot);

    ASSERT_REFUSED(vx_care_void_dose(&fx->env, id, "", &res), "bad_input");
    ASSERT_CARE_OK(vx_care_void_dose(&fx->env, id, "recorded twice", &res));
    ASSERT_REFUSED(vx_care_void_dose(&fx->env, id, "again", &res), "state");
    ASSERT_REFUSED(vx_care_correct_dose(&fx->env, id, &c, "x", &res), "state");
    ASSERT_OK(fx->st, fx->st->ops->care->dose_get(fx->st, id, &d));
    assert_true(d.voided);
    assert_int_equal(d.version, 3);
    assert_string_equal(d.void_reason, "recorded twice");
    struct vx_dose_history_rec h[3];
    memset(h, 0, sizeof h);
    ASSERT_OK(fx->st, fx->st->ops->care->history_foreach(fx->st, id, hist_cb, h));
    assert_string_equal(h[0].action, "correct");
    assert_string_equal(h[0].reason, "wrong arm");
    assert_string_equal(h[0].old.injection_site, "left_arm");
    assert_string_equal(h[0].by, "vacc1");
    assert_string_equal(h[1].action, "void");
    assert_string_equal(h[1].old.injection_site, "right_arm");
    assert_int_equal(count(fx, "audit_log"), audit + 2);
    /* the voided dose gives its draw back; the person may get dose 1 again */
    ASSERT_OK(fx->st, fx->st->ops->care->vial_get(fx->st, v.id, &v));
    assert_int_equal(v.drawn, 0);
    ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, NULL, &res));

    /* AEFI */
    struct vx_aefi_rec a;
    memset(&a, 0, sizeof a);
    a.dose_id = id;
    a.onset_at = fx->env.now;
    ASSERT_REFUSED(vx_care_aefi(&fx->env, &a, NULL, &res), "bad_input");
    COPY(a.description, "Feber 39 °C");
    a.onset_at = d.given_at - 60;
    ASSERT_REFUSED(vx_care_aefi(&fx->env, &a, NULL, &res), "bad_input");
    a.onset_at = fx->env.now;
    COPY(a.code, "10037660");
    int64_t aid = 0;
    ASSERT_CARE_OK(vx_care_aefi(&fx->env, &a, &aid, &res));
    assert_true(aid > 0);
}

/* ------------------------------------------------------------------ standby */

static void test_standby_order_and_offer_flow(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 12);
    struct vx_vial_rec v;
    struct vx_care_env opened = fx->env;
    opened.now -= 3 * 3600; /* opened at 07:00: usable until 13:00 */
    ASSERT_CARE_OK(vx_care_vial_open(&opened, fx->site, "", lot, &v, &res));
    /* person 0 and 1 opt in (own home, 80+), then 3 (special housing: phase 1) */
    struct vx_care_env e = fx->env;
    e.now -= 3600;
    ASSERT_CARE_OK(vx_care_standby_optin(&e, fx->person[0], fx->site, 20, true, true, &res));
    e.now += 60;
    ASSERT_CARE_OK(vx_care_standby_optin(&e, fx->person[1], 0, 30, false, true, &res));
    e.now += 60;
    ASSERT_CARE_OK(vx_care_standby_optin(&e, fx->person[3], fx->site, 15, true, true, &res));
    /* person 2 needs 4 hours: cannot arrive before the vial ends */
    ASSERT_CARE_OK(vx_care_standby_optin(&e, fx->person[2], fx->site, 240, true, true, &res));
    ASSERT_REFUSED(vx_care_standby_optin(&e, fx->person[2], fx->site_uppsala, 20, true, true, &res),
                   "bad_input");
    ASSERT_REFUSED(vx_care_standby_optin(&e, fx->person[2], fx->site, 0, true, true, &res),
                   "bad_input");

    struct vx_care_candidate c[8];
    int n = 0;
    ASSERT_CARE_OK(vx_care_standby_candidates(&fx->env, v.id, c, 8, &n, &res));
    assert_int_equal(n, 3);
    assert_int_equal(c[0].person_id, fx->person[3]); /* phase 1 first */
    assert_int_equal(c[0].phase, 1);
    /* then the 80+ by age, oldest first */
    const struct vx_care_candidate *older = c[1].birth <= c[2].birth ? &c[1] : &c[2];
    assert_ptr_equal(older, &c[1]);
    assert_int_equal(c[1].dose_number, 1);

    /* offer -> decline; offer -> accept -> dose with the offer */
    struct vx_offer_rec o;
    ASSERT_REFUSED(vx_care_offer(&fx->env, v.id, fx->person[2], 0, &o, &res), "not_eligible");
    ASSERT_CARE_OK(vx_care_offer(&fx->env, v.id, fx->person[3], 0, &o, &res));
    assert_int_equal(o.expires_at, fx->env.now + VX_CARE_OFFER_TIMEOUT_S);
    /* an offered person is no longer a candidate */
    ASSERT_CARE_OK(vx_care_standby_candidates(&fx->env, v.id, c, 8, &n, &res));
    assert_int_equal(n, 2);
    ASSERT_CARE_OK(vx_care_offer_answer(&fx->env, o.id, false, &res));
    ASSERT_REFUSED(vx_care_offer_answer(&fx->env, o.id, true, &res), "state");
    ASSERT_CARE_OK(vx_care_offer(&fx->env, v.id, fx->person[3], 0, &o, &res));
    struct vx_care_env late = fx->env;
    late.now = o.expires_at;
    ASSERT_REFUSED(vx_care_offer_answer(&late, o.id, true, &res), "not_eligible");
    ASSERT_CARE_OK(vx_care_offer_answer(&fx->env, o.id, true, &res));
    struct vx_care_dose_in in = dose_in(fx->person[3], fx->site, lot, v.id);
    in.offer_id = o.id;
    ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, NULL, &res));
    ASSERT_OK(fx->st, fx->st->ops->care->offer_get(fx->st, o.id, &o));
    assert_int_equal(o.status, VX_OFFER_USED);
    struct vx_standby_rec sb;
    ASSERT_OK(fx->st, fx->st->ops->care->standby_get(fx->st, fx->person[3], &sb));
    assert_false(sb.active);
    /* an unanswered offer expires in the sweep */
    ASSERT_CARE_OK(vx_care_offer(&fx->env, v.id, fx->person[0], 60, &o, &res));
    late.now = fx->env.now + 61;
    int vials = 0, offers = 0;
    ASSERT_CARE_OK(vx_care_sweep(&late, &vials, &offers, &res));
    assert_int_equal(offers, 1);
    ASSERT_OK(fx->st, fx->st->ops->care->offer_get(fx->st, o.id, &o));
    assert_int_equal(o.status, VX_OFFER_EXPIRED);
}

/* ------------------------------------------------------------------ check-in */

static void test_checkin_and_no_show(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    struct vx_store *st = fx->st;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 12);
    struct vx_slot_rec s;
    memset(&s, 0, sizeof s);
    s.site_id = fx->site;
    COPY(s.region, "01");
    s.day = vx_day_from_ymd(2021, 3, 8);
    s.start_minute = 9 * 60;
    s.minutes = 15;
    COPY(s.vaccine, "COM");
    s.capacity = 4;
    int64_t slot = 0, b[2];
    ASSERT_OK(st, st->ops->slot_put(st, &s, &slot));
    for (int i = 0; i < 2; i++) {
        struct vx_booking_rec r;
        memset(&r, 0, sizeof r);
        r.person_id = fx->person[i];
        COPY(r.region, "01");
        r.slot_id = slot;
        r.dose_number = 1;
        r.created_at = fx->env.now - 86400;
        ASSERT_OK(st, st->ops->booking_put(st, &r, &b[i]));
    }
    ASSERT_REFUSED(vx_care_checkin(&fx->env, b[0], fx->site2, &res), "booking");
    ASSERT_REFUSED(vx_care_checkin(&fx->env, 4711, fx->site, &res), "not_found");
    ASSERT_CARE_OK(vx_care_checkin(&fx->env, b[0], fx->site, &res));
    ASSERT_CARE_OK(vx_care_checkin(&fx->env, b[0], fx->site, &res)); /* idempotent */
    struct vx_care_dose_in in = dose_in(fx->person[0], fx->site, lot, 0);
    in.booking_id = b[1]; /* someone else's booking */
    ASSERT_REFUSED(vx_care_record_dose(&fx->env, &in, NULL, &res), "booking");
    in.booking_id = b[0];
    ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, NULL, &res));
    struct vx_care_booking cb;
    ASSERT_OK(st, st->ops->care->booking_get(st, b[0], &cb));
    assert_int_equal(cb.b.status, VX_BOOKING_ATTENDED);
    assert_true(cb.arrived_at > 0);
    assert_true(cb.dose_id > 0);
    int n = -1;
    ASSERT_CARE_OK(vx_care_day_close(&fx->env, fx->site, s.day, &n, &res));
    assert_int_equal(n, 1);
    ASSERT_OK(st, st->ops->care->booking_get(st, b[1], &cb));
    assert_int_equal(cb.b.status, VX_BOOKING_NO_SHOW);
}

static void test_region_figures(void **state)
{
    struct fx *fx = *state;
    struct vx_care_result res;
    int64_t lot = receive(fx, fx->site, "COM", "EJ6795", 60);
    struct vx_vial_rec v;
    ASSERT_CARE_OK(vx_care_vial_open(&fx->env, fx->site, "", lot, &v, &res));
    for (int i = 0; i < 3; i++) {
        struct vx_care_dose_in in = dose_in(fx->person[i], fx->site, lot, v.id);
        ASSERT_CARE_OK(vx_care_record_dose(&fx->env, &in, NULL, &res));
    }
    ASSERT_CARE_OK(vx_care_vial_close(&fx->env, v.id, VX_WASTE_LEFTOVER, NULL, &res));
    struct vx_care_region_stock r;
    ASSERT_OK(fx->st, vx_care_region_stock(fx->st, "01", vx_day_from_ymd(2021, 3, 9), &r));
    assert_int_equal(r.on_hand, 54);
    assert_true(r.given_per_day > 0.42 && r.given_per_day < 0.43); /* 3 / 7 */
    assert_int_equal(r.wasted_28d, 3);
    assert_int_equal(r.drawn_28d, 3);
    assert_true(r.waste_pct > 49.9 && r.waste_pct < 50.1);
    assert_true(r.cover_days > 125.9 && r.cover_days < 126.1);
    ASSERT_OK(fx->st, vx_care_region_stock(fx->st, "03", vx_day_from_ymd(2021, 3, 9), &r));
    assert_int_equal(r.on_hand, 0);
    assert_true(r.cover_days < 0);
}

static void test_demo_seed(void **state)
{
    struct fx *fx = *state;
    struct vx_supply_rec r = {.site_id = fx->site, .week = {2021, 10}, .delivered = 300};
    COPY(r.vaccine, "COM");
    ASSERT_OK(fx->st, fx->st->ops->supply_put(fx->st, &r));
    r.site_id = fx->site2;
    COPY(r.vaccine, "MOD");
    ASSERT_OK(fx->st, fx->st->ops->supply_put(fx->st, &r));
    r.week.week = 12; /* a later week: not delivered yet on 2021-03-08 */
    r.site_id = fx->site_uppsala;
    ASSERT_OK(fx->st, fx->st->ops->supply_put(fx->st, &r));
    int lots = 0, vials = 0;
    struct vx_err err = {0};
    assert_int_equal(
        vx_care_demo_seed(fx->st, fx->cat, vx_day_from_ymd(2021, 3, 8), 42, &lots, &vials, &err),
        VX_OK);
    assert_int_equal(lots, 2);
    assert_int_equal(vials, 2);
    struct rows s = {0};
    ASSERT_OK(fx->st, fx->st->ops->care->stock_foreach(fx->st, 0, "01", stock_cb, &s));
    assert_int_equal(s.n, 2);
    for (int i = 0; i < s.n; i++) {
        assert_int_equal(strlen(s.r[i].lot.lot_number) >= 6, 1);
        assert_int_equal(s.r[i].open_vials, 1);
    }
    assert_int_equal(count(fx, "wastage"), 1); /* the broken vial at the first site */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_receipt_and_lot_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_transfer_both_ends, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_issue_to_kommun, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_count_discrepancy_and_excursion, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_vial_yield_close_and_sweep, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_vial_max_yield, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_dose_refusals_write_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_correct_and_void_audited, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_standby_order_and_offer_flow, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_checkin_and_no_show, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_region_figures, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
