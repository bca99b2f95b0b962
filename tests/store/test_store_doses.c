/*
 * test_store_doses.c — the dose operations of the store (dose_put, dose_list_person).
 *
 * Runs on the SQLite backend through `struct vx_store *` only, so a second backend
 * can run the same cases. Each test gets a fresh migrated database under
 * $VX_TEST_TMP with the real 21 regions and 290 municipalities (VX_SHARED_DATA_DIR/se),
 * the Comirnaty catalogue row, one site and persons whose numbers are Skatteverket test
 * personnummer (VX_SHARED_DATA_DIR/interop/personnummer/skatteverket).
 *
 * Covered: round trip of every field, the order of a person's doses (given_at, then
 * dose number, then id) whatever the insert order, the count beyond `cap`, a person
 * without doses, refused rows (unknown person / vaccine / site, dose number 0, an
 * unknown source) storing nothing, all-or-nothing inside a transaction, and agreement
 * with dose_last (which the booking engine uses).
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
#include "vx/csv.h"
#include "vx/store.h"

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

#define ASSERT_OK(st, e)                                                                           \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s (%s)", #e, vx_strerror(rc_), (st)->err);                              \
    } while (0)

struct fx {
    struct vx_store *st;
    int64_t site;
    int64_t person[2];
};

static int fx_counter;

/* Every data row of a small shared CSV as fields (first `want` columns). */
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

/* The first two Skatteverket test numbers of people born 1930..1945 (elderly). */
struct pick {
    char norm[2][13];
    int n;
};

static void pick_row(void *ctx, char **f)
{
    struct pick *p = ctx;
    int year =
        (f[0][0] - '0') * 1000 + (f[0][1] - '0') * 100 + (f[0][2] - '0') * 10 + (f[0][3] - '0');
    if (p->n < 2 && strlen(f[0]) == 12 && year >= 1930 && year <= 1945)
        COPY(p->norm[p->n++], f[0]);
}

static int64_t put_person(struct vx_store *st, const char *norm, const char *given,
                          const char *family)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    COPY(r.p.pnr.norm, norm);
    r.p.pnr.kind = VX_PNR_PERSONNUMMER;
    r.p.pnr.sex = (norm[10] - '0') % 2 ? VX_SEX_MALE : VX_SEX_FEMALE;
    int y = 0, m = 0, d = 0;
    assert_int_equal(sscanf(norm, "%4d%2d%2d", &y, &m, &d), 3);
    r.p.pnr.birth = vx_day_from_ymd(y, m, d);
    COPY(r.p.kommun, "0180");
    COPY(r.p.region, "01");
    r.p.residence = VX_RES_SPECIAL_HOUSING;
    COPY(r.given_name, given);
    COPY(r.family_name, family);
    r.synthetic = true;
    int64_t id = 0;
    ASSERT_OK(st, st->ops->person_put(st, &r, &id));
    return id;
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *dir = getenv("VX_TEST_TMP");
    char path[512], side[600];
    snprintf(path, sizeof path, "%s/store_doses_%d.db", dir && *dir ? dir : "/tmp", ++fx_counter);
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
    struct vx_store *st = fx->st;
    ASSERT_OK(st, vx_store_begin(st));
    each_row(VX_SHARED_DATA_DIR "/se/regions.csv", 3, region_row, st);
    each_row(VX_SHARED_DATA_DIR "/se/municipalities.csv", 3, kommun_row, st);
    ASSERT_OK(st, st->ops->vaccine_put(st, "COM", "Comirnaty", "{\"doses\":2}"));
    ASSERT_OK(st, st->ops->vaccine_put(st, "SPI", "Spikevax", "{\"doses\":2}"));
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    COPY(s.code, "01-VC-0001");
    COPY(s.name, "Vårdcentralen Test");
    COPY(s.region, "01");
    COPY(s.kommun, "0180");
    s.kind = VX_SITE_HEALTH_CENTRE;
    s.stations = 2;
    s.minutes_per_dose = 10;
    s.open_minute = 480;
    s.close_minute = 1020;
    s.weekdays = 0x1f;
    ASSERT_OK(st, st->ops->site_put(st, &s, &fx->site));
    struct pick p = {0};
    each_row(VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/"
                                "testpersonnummer-sample5000.csv",
             1, pick_row, &p);
    assert_int_equal(p.n, 2);
    fx->person[0] = put_person(st, p.norm[0], "Åsa", "Öberg-Ärlig");
    fx->person[1] = put_person(st, p.norm[1], "Sven", "Ek");
    ASSERT_OK(st, vx_store_commit(st));
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;
    vx_store_close(fx->st);
    free(fx);
    return 0;
}

/* A Comirnaty dose at 10:00 UTC on y-m-d. */
static struct vx_dose_rec mk_dose(const struct fx *fx, int64_t person, int n, int y, int m, int d,
                                  const char *lot)
{
    struct vx_dose_rec r;
    memset(&r, 0, sizeof r);
    r.person_id = person;
    COPY(r.region, "01");
    COPY(r.vaccine, "COM");
    COPY(r.lot_number, lot);
    r.dose_number = n;
    r.given_at = (vx_time)vx_day_from_ymd(y, m, d) * 86400 + 36000;
    r.site_id = fx->site;
    COPY(r.vaccinator, "nurse7");
    COPY(r.source, "recorded");
    r.created_at = 1700000000;
    return r;
}

static void test_roundtrip_and_order(void **state)
{
    struct fx *fx = *state;
    struct vx_store *st = fx->st;
    /* inserted out of order: dose 2 first, then a same-day pair, then dose 1 */
    struct vx_dose_rec d2 = mk_dose(fx, fx->person[0], 2, 2021, 1, 19, "EK9788");
    struct vx_dose_rec d1 = mk_dose(fx, fx->person[0], 1, 2020, 12, 28, "EJ6795");
    struct vx_dose_rec d3 = mk_dose(fx, fx->person[0], 3, 2021, 9, 1, "FE4721");
    d3.site_id = 0; /* at home */
    COPY(d3.source, "backfill");
    COPY(d3.vaccinator, "");
    int64_t id2 = 0, id1 = 0, id3 = 0;
    ASSERT_OK(st, st->ops->dose_put(st, &d2, &id2));
    ASSERT_OK(st, st->ops->dose_put(st, &d3, &id3));
    ASSERT_OK(st, st->ops->dose_put(st, &d1, &id1));
    assert_true(id1 > 0 && id2 > 0 && id3 > 0);
    assert_true(id1 != id2 && id2 != id3);
    /* the other person's dose must not show up */
    struct vx_dose_rec other = mk_dose(fx, fx->person[1], 1, 2021, 1, 5, "EL1484");
    ASSERT_OK(st, st->ops->dose_put(st, &other, NULL));

    struct vx_dose_rec got[4];
    int n = -1;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[0], got, 4, &n));
    assert_int_equal(n, 3);
    assert_int_equal(got[0].id, id1);
    assert_int_equal(got[1].id, id2);
    assert_int_equal(got[2].id, id3);
    assert_int_equal(got[0].person_id, fx->person[0]);
    assert_string_equal(got[0].region, "01");
    assert_string_equal(got[0].vaccine, "COM");
    assert_string_equal(got[0].lot_number, "EJ6795");
    assert_int_equal(got[0].dose_number, 1);
    assert_int_equal(got[0].given_at, d1.given_at);
    assert_int_equal(got[0].site_id, fx->site);
    assert_string_equal(got[0].vaccinator, "nurse7");
    assert_string_equal(got[0].source, "recorded");
    assert_int_equal(got[0].created_at, 1700000000);
    assert_int_equal(got[2].site_id, 0);
    assert_string_equal(got[2].source, "backfill");
    assert_string_equal(got[2].vaccinator, "");

    /* cap below the count: the first cap rows, the full count */
    struct vx_dose_rec one;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[0], &one, 1, &n));
    assert_int_equal(n, 3);
    assert_int_equal(one.id, id1);
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[0], NULL, 0, &n));
    assert_int_equal(n, 3);

    /* dose_last (the booking engine's view) agrees */
    struct vx_dose_last last;
    ASSERT_OK(st, st->ops->dose_last(st, fx->person[0], &last));
    assert_int_equal(last.count, 3);
    assert_int_equal(last.dose_number, 3);
    assert_string_equal(last.vaccine, "COM");
    assert_int_equal(last.day, vx_day_from_ymd(2021, 9, 1));
    assert_int_equal(st->ops->count(st, "doses"), 4);
}

static void test_same_time_by_dose_number(void **state)
{
    struct fx *fx = *state;
    struct vx_store *st = fx->st;
    struct vx_dose_rec b = mk_dose(fx, fx->person[1], 2, 2021, 2, 1, "L2");
    struct vx_dose_rec a = mk_dose(fx, fx->person[1], 1, 2021, 2, 1, "L1");
    ASSERT_OK(st, st->ops->dose_put(st, &b, NULL));
    ASSERT_OK(st, st->ops->dose_put(st, &a, NULL));
    struct vx_dose_rec got[2];
    int n = 0;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[1], got, 2, &n));
    assert_int_equal(n, 2);
    assert_int_equal(got[0].dose_number, 1);
    assert_int_equal(got[1].dose_number, 2);
}

static void test_no_doses(void **state)
{
    struct fx *fx = *state;
    struct vx_store *st = fx->st;
    struct vx_dose_rec got[2];
    int n = -1;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[1], got, 2, &n));
    assert_int_equal(n, 0);
    ASSERT_OK(st, st->ops->dose_list_person(st, 987654321, got, 2, &n));
    assert_int_equal(n, 0);
    struct vx_dose_last last;
    ASSERT_OK(st, st->ops->dose_last(st, fx->person[1], &last));
    assert_int_equal(last.count, 0);
}

static void test_refused(void **state)
{
    struct fx *fx = *state;
    struct vx_store *st = fx->st;
    struct vx_dose_rec d = mk_dose(fx, 987654321, 1, 2021, 1, 5, "EL1484");
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_EINVAL); /* no such person */
    assert_non_null(strstr(st->err, "dose"));
    d = mk_dose(fx, fx->person[0], 1, 2021, 1, 5, "EL1484");
    COPY(d.vaccine, "NOPE");
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_EINVAL); /* no such vaccine */
    d = mk_dose(fx, fx->person[0], 1, 2021, 1, 5, "EL1484");
    d.site_id = 424242;
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_EINVAL); /* no such site */
    d = mk_dose(fx, fx->person[0], 0, 2021, 1, 5, "EL1484");
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_EINVAL); /* dose number 0 */
    d = mk_dose(fx, fx->person[0], 1, 2021, 1, 5, "EL1484");
    COPY(d.source, "guess");
    assert_int_equal(st->ops->dose_put(st, &d, NULL), VX_EINVAL); /* unknown source */
    assert_int_equal(st->ops->count(st, "doses"), 0);
    /* an empty source means "recorded" */
    d = mk_dose(fx, fx->person[0], 1, 2021, 1, 5, "EL1484");
    d.source[0] = '\0';
    d.created_at = 0; /* now */
    ASSERT_OK(st, st->ops->dose_put(st, &d, NULL));
    struct vx_dose_rec got;
    int n = 0;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[0], &got, 1, &n));
    assert_int_equal(n, 1);
    assert_string_equal(got.source, "recorded");
    assert_true(got.created_at > 1600000000);
}

static void test_transaction(void **state)
{
    struct fx *fx = *state;
    struct vx_store *st = fx->st;
    /* rolled back: nothing stays */
    ASSERT_OK(st, vx_store_begin(st));
    struct vx_dose_rec d1 = mk_dose(fx, fx->person[0], 1, 2020, 12, 28, "EJ6795");
    struct vx_dose_rec d2 = mk_dose(fx, fx->person[0], 2, 2021, 1, 19, "EK9788");
    ASSERT_OK(st, st->ops->dose_put(st, &d1, NULL));
    ASSERT_OK(st, st->ops->dose_put(st, &d2, NULL));
    ASSERT_OK(st, vx_store_rollback(st));
    assert_int_equal(st->ops->count(st, "doses"), 0);
    /* a failed write dooms the transaction: commit stores nothing */
    ASSERT_OK(st, vx_store_begin(st));
    ASSERT_OK(st, st->ops->dose_put(st, &d1, NULL));
    struct vx_dose_rec bad = mk_dose(fx, 987654321, 1, 2021, 1, 5, "X");
    assert_int_equal(st->ops->dose_put(st, &bad, NULL), VX_EINVAL);
    assert_int_equal(vx_store_commit(st), VX_ECONFLICT);
    assert_int_equal(st->ops->count(st, "doses"), 0);
    /* committed: both visible, in order */
    ASSERT_OK(st, vx_store_begin(st));
    ASSERT_OK(st, st->ops->dose_put(st, &d2, NULL));
    ASSERT_OK(st, st->ops->dose_put(st, &d1, NULL));
    ASSERT_OK(st, vx_store_commit(st));
    struct vx_dose_rec got[2];
    int n = 0;
    ASSERT_OK(st, st->ops->dose_list_person(st, fx->person[0], got, 2, &n));
    assert_int_equal(n, 2);
    assert_string_equal(got[0].lot_number, "EJ6795");
    assert_string_equal(got[1].lot_number, "EK9788");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_roundtrip_and_order),
        T(test_same_time_by_dose_number),
        T(test_no_doses),
        T(test_refused),
        T(test_transaction),
    };
    return cmocka_run_group_tests_name("store_doses", tests, NULL, NULL);
}
