/*
 * test_alloc.c — deliveries with revisions and whole-package regional allocation.
 *
 * Uses the real FoHM files from the shared data: the as-of queries around the 2021-W03
 * Comirnaty cut, and the quota invariant (every region's cumulative allocation within one
 * package of its exact share; regional sum == national delivered in whole packages) over the
 * whole reconstructed 2020-W52..2021-W47 series for every vaccine and several bases.
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
#include "vx/alloc.h"

#define SE_DIR VX_SHARED_DATA_DIR "/se"

static vx_day day(const char *s)
{
    vx_day d = 0;
    assert_int_equal(vx_day_parse(s, &d), VX_OK);
    return d;
}

static struct vx_isoweek wk(const char *s)
{
    struct vx_isoweek w;
    assert_int_equal(vx_isoweek_parse(s, &w), VX_OK);
    return w;
}

static void load_log(struct vx_delivery_log *log)
{
    struct vx_err err = {0};
    size_t len;
    char *t = slurp(SE_DIR "/deliveries_se_week.csv", &len);
    assert_int_equal(vx_delivery_parse_snapshots(log, t, len, &err), VX_OK);
    free(t);
    t = slurp(SE_DIR "/deliveries_se_week_reconstructed.csv", &len);
    assert_int_equal(vx_delivery_parse_reconstructed(log, t, len, &err), VX_OK);
    free(t);
    vx_delivery_log_sort(log);
}

static void test_asof_w03_cut(void **state)
{
    (void)state;
    struct vx_delivery_log log = {0};
    load_log(&log);
    const struct vx_delivery_rev *r = NULL;
    struct vx_isoweek w03 = wk("2021-W03");
    /* Before S1 (as of 2021-W02, known on its Sunday 2021-01-17) nothing was published. */
    assert_int_equal(vx_delivery_known(&log, w03, "COM", day("2021-01-16"), &r), VX_ENOTFOUND);
    assert_int_equal(vx_delivery_known(&log, w03, "COM", day("2021-01-17"), &r), VX_OK);
    assert_int_equal(r->kind, VX_DELIVERY_FORECAST);
    assert_int_equal(r->doses, 87750);
    assert_string_equal(r->source, "S1");
    /* Mid-week the forecast still stands; after the week the (cut) actual. */
    assert_int_equal(vx_delivery_known(&log, w03, "COM", day("2021-01-20"), &r), VX_OK);
    assert_int_equal(r->doses, 87750);
    assert_int_equal(vx_delivery_known(&log, w03, "COM", day("2021-01-24"), &r), VX_OK);
    assert_int_equal(r->kind, VX_DELIVERY_ACTUAL);
    assert_int_equal(r->doses, 58967);
    assert_true(r->doses < 87750);
    /* W09 Comirnaty: planned 126,360 in S2 (2021-W08). */
    assert_int_equal(vx_delivery_known(&log, wk("2021-W09"), "COM", day("2021-02-28"), &r), VX_OK);
    assert_int_equal(r->doses, 126360);
    assert_int_equal(r->kind, VX_DELIVERY_FORECAST);
    /* Janssen W16: 31,200 planned in S3, never delivered in the series. */
    assert_int_equal(vx_delivery_known(&log, wk("2021-W16"), "JANSS", day("2021-04-18"), &r),
                     VX_OK);
    assert_int_equal(r->doses, 31200);
    /* S1's "ALL" rows are Comirnaty; no "ALL" is left in the log. */
    for (size_t i = 0; i < log.n; i++)
        assert_string_not_equal(log.revs[i].vaccine, "ALL");
    vx_delivery_log_free(&log);
}

static void expect_error(bool snapshots, const char *text, const char *needle)
{
    struct vx_delivery_log log = {0};
    struct vx_err err = {0};
    enum vx_status st = snapshots ? vx_delivery_parse_snapshots(&log, text, strlen(text), &err)
                                  : vx_delivery_parse_reconstructed(&log, text, strlen(text), &err);
    assert_int_equal(st, VX_EPARSE);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    assert_int_equal(log.n, 0);
    vx_delivery_log_free(&log);
}

#define SNAP_HDR                                                                                   \
    "snapshot,as_of,source_url,lan_code,region,vaccine,week_from,week_to,status,doses\n"
#define REC_HDR "iso_week,vaccine,doses,method,forecast_doses\n"

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error(true, SNAP_HDR "S1,2021-W02,u,00,Sverige,COM,2021-W54,2021-W54,planned,10\n",
                 "line 2, column 7 (week_from)");
    expect_error(true, SNAP_HDR "S1,2021-W02,u,00,Sverige,COM,2021-W03,2021-W03,planned,-5\n",
                 "line 2, column 10 (doses): negative doses");
    expect_error(true,
                 SNAP_HDR "S1,2021-W02,u,00,Sverige,COM,2021-W03,2021-W03,planned,5\n"
                          "S1,2021-W02,u,00,Sverige,PFZ,2021-W03,2021-W03,planned,5\n",
                 "line 3, column 6 (vaccine): unknown vaccine code");
    expect_error(true, SNAP_HDR "S1,2021-W02,u,00,Sverige,COM,2021-W03,2021-W03,guessed,5\n",
                 "line 2, column 9 (status)");
    expect_error(true, SNAP_HDR "S1,2021-W02,u,00,Sverige,COM,2021-W03\n", "line 2: 7 columns");
    expect_error(true, "snapshot,when\n", "line 1, column 2");
    expect_error(false, REC_HDR "2021-W3,COM,5,observed,\n", "line 2, column 1 (iso_week)");
    expect_error(false, REC_HDR "2021-W03,COM,-1,observed,\n", "column 3 (doses): negative");
    expect_error(false, REC_HDR "2021-W03,XYZ,1,observed,\n", "column 2 (vaccine)");
    expect_error(false, REC_HDR "2021-W03,COM,1,guessed,\n", "column 4 (method)");
    expect_error(false, REC_HDR "2021-W03,COM,1,observed,1.5\n", "column 5 (forecast_doses)");
}

static void test_basis_parse(void **state)
{
    (void)state;
    int lo, hi;
    assert_int_equal(vx_alloc_basis_parse("adult", &lo, &hi, NULL), VX_OK);
    assert_int_equal(lo, 18);
    assert_int_equal(vx_alloc_basis_parse("age:65-", &lo, &hi, NULL), VX_OK);
    assert_int_equal(lo, 65);
    assert_int_equal(hi, 200);
    assert_int_equal(vx_alloc_basis_parse("age:18-64", &lo, &hi, NULL), VX_OK);
    assert_int_equal(hi, 64);
    assert_int_equal(vx_alloc_basis_parse("age:70", &lo, &hi, NULL), VX_EINVAL);
    assert_int_equal(vx_alloc_basis_parse("age:70-60", &lo, &hi, NULL), VX_EINVAL);
    assert_int_equal(vx_alloc_basis_parse("kids", &lo, &hi, NULL), VX_EINVAL);
}

static void test_pro_rata_exact(void **state)
{
    (void)state;
    struct vx_alloc a;
    long long w[] = {1, 2, 3, 4}, wp[4];
    assert_int_equal(vx_alloc_init(&a, 4, w, 1, NULL), VX_OK);
    assert_int_equal(vx_alloc_week(&a, 10, wp, NULL), VX_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(a.cum[i], w[i]);
    assert_int_equal(vx_alloc_week(&a, 20, wp, NULL), VX_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(wp[i], 2 * w[i]);
        assert_int_equal(a.cum[i], 3 * w[i]);
    }
    assert_true(vx_alloc_exact(&a, 3) == 12.0);
    /* Bad inputs. */
    long long bad[] = {1, -1};
    assert_int_equal(vx_alloc_init(&a, 2, bad, 1, NULL), VX_EINVAL);
    long long zero[] = {0, 0};
    assert_int_equal(vx_alloc_init(&a, 2, zero, 1, NULL), VX_EINVAL);
    assert_int_equal(vx_alloc_init(&a, 2, w, 0, NULL), VX_EINVAL);
    assert_int_equal(vx_alloc_init(&a, 2, w, 1, NULL), VX_OK);
    assert_int_equal(vx_alloc_week(&a, -1, NULL, NULL), VX_EINVAL);
}

static void test_package_rounding(void **state)
{
    (void)state;
    struct vx_alloc a;
    long long w[] = {1, 1, 1}, wp[3];
    assert_int_equal(vx_alloc_init(&a, 3, w, 1170, NULL), VX_OK);
    assert_int_equal(vx_alloc_week(&a, 1170 * 2 + 500, wp, NULL), VX_OK);
    assert_int_equal(a.cum_packages, 2);
    assert_int_equal(vx_alloc_carry(&a), 500);
    assert_int_equal(wp[0] + wp[1] + wp[2], 2);
    assert_true(vx_alloc_within_quota(&a));
    /* The carried 500 doses plus 670 make one more package. */
    assert_int_equal(vx_alloc_week(&a, 670, wp, NULL), VX_OK);
    assert_int_equal(a.cum_packages, 3);
    assert_int_equal(vx_alloc_carry(&a), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(a.cum[i], 1);
    /* A week with less than a package hands out nothing. */
    assert_int_equal(vx_alloc_week(&a, 100, wp, NULL), VX_OK);
    assert_int_equal(wp[0] + wp[1] + wp[2], 0);
    assert_int_equal(vx_alloc_carry(&a), 100);
}

/* Many small steps with awkward weights: quota and monotonicity at every house size. */
static void test_quota_every_step(void **state)
{
    (void)state;
    struct vx_alloc a;
    long long w[] = {5, 31, 7, 101, 2, 59, 13}, wp[7];
    assert_int_equal(vx_alloc_init(&a, 7, w, 1, NULL), VX_OK);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(vx_alloc_week(&a, (i * 7) % 5, wp, NULL), VX_OK);
        for (int r = 0; r < 7; r++)
            assert_true(wp[r] >= 0);
        assert_true(vx_alloc_within_quota(&a));
    }
}

static const struct {
    const char *vaccine;
    long long package;
} vaccines[] = {{"COM", 1170}, {"MOD", 100}, {"AZ", 100}};

static void test_invariant_real_series(void **state)
{
    (void)state;
    struct vx_delivery_log log = {0};
    load_log(&log);
    size_t len;
    char *pop = slurp(SE_DIR "/population_municipality_age.csv", &len);
    static const char *const bases[] = {"adult", "age:65-", "age:70-", "age:18-64"};
    for (size_t b = 0; b < VX_ARRAY_LEN(bases); b++) {
        int lo, hi;
        long long by_lan[100], w[VX_ALLOC_MAX_REGIONS];
        assert_int_equal(vx_alloc_basis_parse(bases[b], &lo, &hi, NULL), VX_OK);
        struct vx_err err = {0};
        assert_int_equal(vx_population_by_lan(pop, len, 2020, lo, hi, by_lan, &err), VX_OK);
        size_t n = 0;
        for (int l = 0; l < 100; l++)
            if (by_lan[l] > 0)
                w[n++] = by_lan[l];
        assert_int_equal(n, 21);
        for (size_t v = 0; v < VX_ARRAY_LEN(vaccines); v++) {
            struct vx_alloc a;
            long long wp[VX_ALLOC_MAX_REGIONS], total = 0;
            int weeks = 0;
            assert_int_equal(vx_alloc_init(&a, n, w, vaccines[v].package, &err), VX_OK);
            for (size_t i = 0; i < log.n; i++) {
                const struct vx_delivery_rev *r = &log.revs[i];
                if (r->kind != VX_DELIVERY_ACTUAL || (strcmp(r->source, "R:observed") != 0 &&
                                                      strcmp(r->source, "R:interpolated") != 0))
                    continue;
                if (strcmp(r->vaccine, vaccines[v].vaccine) != 0)
                    continue;
                long long before = a.cum_packages;
                assert_int_equal(vx_alloc_week(&a, r->doses, wp, &err), VX_OK);
                long long sum = 0;
                for (size_t k = 0; k < n; k++) {
                    assert_true(wp[k] >= 0);
                    sum += wp[k];
                    /* within one package of the exact cumulative share */
                    double dev = (double)a.cum[k] - vx_alloc_exact(&a, k);
                    assert_true(dev > -1.0 && dev < 1.0);
                }
                assert_int_equal(sum, a.cum_packages - before);
                total += r->doses;
                assert_int_equal(a.cum_packages, total / vaccines[v].package);
                assert_int_equal(vx_alloc_carry(&a), total % vaccines[v].package);
                assert_true(vx_alloc_within_quota(&a));
                weeks++;
            }
            assert_int_equal(weeks, 49); /* 2020-W52 .. 2021-W47 */
        }
    }
    /* The published 2021-W47 totals (README). */
    long long com = 0;
    for (size_t i = 0; i < log.n; i++)
        if (log.revs[i].kind == VX_DELIVERY_ACTUAL && strncmp(log.revs[i].source, "R:", 2) == 0 &&
            strcmp(log.revs[i].vaccine, "COM") == 0)
            com += log.revs[i].doses;
    assert_int_equal(com, 14069055);
    free(pop);
    vx_delivery_log_free(&log);
}

static void test_population(void **state)
{
    (void)state;
    size_t len;
    char *pop = slurp(SE_DIR "/population_municipality_age.csv", &len);
    long long by_lan[100];
    struct vx_err err = {0};
    assert_int_equal(vx_population_by_lan(pop, len, 2020, 18, 200, by_lan, &err), VX_OK);
    assert_true(by_lan[1] > 1500000 && by_lan[1] < 2000000); /* Stockholm 18+ */
    assert_int_equal(by_lan[2], 0);
    assert_int_equal(vx_population_by_lan(pop, len, 1999, 18, 200, by_lan, &err), VX_ENOTFOUND);
    free(pop);
    const char *bad = "kommun_code,year,age_group,sex,population\n0114,2020,18-,all,5\n";
    assert_int_equal(vx_population_by_lan(bad, strlen(bad), 2020, 18, 200, by_lan, &err),
                     VX_EPARSE);
    assert_non_null(strstr(err.msg, "line 2, column 3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asof_w03_cut),          cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_basis_parse),           cmocka_unit_test(test_pro_rata_exact),
        cmocka_unit_test(test_package_rounding),      cmocka_unit_test(test_quota_every_step),
        cmocka_unit_test(test_invariant_real_series), cmocka_unit_test(test_population),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
