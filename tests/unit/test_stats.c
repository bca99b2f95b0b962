/*
 * test_stats.c — the pure parts of src/stats: codes, FoHM age bands, the priority
 * group rule against the eligibility table, filter parsing, the small-cell
 * suppression rule, and the parser of FoHM's official files (the real shared files).
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
#include "vx/arena.h"
#include "vx/elig.h"
#include "vx/stats.h"

static void test_codes(void **state)
{
    (void)state;
    for (int d = 0; d < VX_SD_COUNT; d++) {
        enum vx_stats_dim x;
        assert_int_equal(vx_stats_dim_parse(vx_stats_dim_code((enum vx_stats_dim)d), &x), VX_OK);
        assert_int_equal(x, d);
    }
    enum vx_stats_dim x;
    assert_int_equal(vx_stats_dim_parse("län", &x), VX_EINVAL);
    enum vx_stats_measure m;
    assert_int_equal(vx_stats_measure_parse("full", &m), VX_OK);
    assert_int_equal(m, VX_SM_FULL);
    assert_int_equal(vx_stats_measure_parse("", &m), VX_EINVAL);
    enum vx_stats_dataset ds;
    assert_int_equal(vx_stats_dataset_parse("kommun_age", &ds), VX_OK);
    assert_string_equal(vx_stats_dataset_file(ds), "fohm_vaccinated_municipality_age_snapshot.csv");
}

static void test_age_bands(void **state)
{
    (void)state;
    static const struct {
        int age, lo;
        const char *label;
    } cases[] = {{-1, 0, "0-11"},   {0, 0, "0-11"},    {11, 0, "0-11"},   {12, 12, "12-15"},
                 {15, 12, "12-15"}, {16, 16, "16-17"}, {17, 16, "16-17"}, {18, 18, "18-29"},
                 {29, 18, "18-29"}, {30, 30, "30-39"}, {64, 60, "60-69"}, {89, 80, "80-89"},
                 {90, 90, "90+"},   {104, 90, "90+"}};
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        assert_int_equal(vx_stats_age_band(cases[i].age), cases[i].lo);
        assert_string_equal(vx_stats_age_label(cases[i].lo), cases[i].label);
        int lo = -1;
        assert_int_equal(vx_stats_age_parse(cases[i].label, &lo), VX_OK);
        assert_int_equal(lo, cases[i].lo);
    }
    assert_null(vx_stats_age_label(25));
    int lo;
    assert_int_equal(vx_stats_age_parse("18-30", &lo), VX_EINVAL);
    assert_int_equal(vx_stats_age_parse("80", &lo), VX_OK);
    assert_int_equal(lo, 80);
}

/* The group rule equals "the lowest phase among the rules the person matches" of
 * data/eligibility.json, for every combination of attributes at ages 5..100. */
static void test_group_matches_rules(void **state)
{
    (void)state;
    size_t len;
    char *json = slurp(VX_SOURCE_DIR "/data/eligibility.json", &len);
    struct vx_arena a;
    vx_arena_init(&a, 1u << 20);
    struct vx_elig_table t;
    struct vx_err err = {0};
    assert_int_equal(vx_elig_parse(json, len, &a, &t, &err), VX_OK);
    vx_day at = vx_day_from_ymd(2021, 6, 1);
    int checked = 0;
    for (int age = 5; age <= 100; age += 1) {
        for (int res = 0; res < VX_RES_COUNT; res++) {
            for (int fl = 0; fl < 5; fl++) {
                for (int rk = -1; rk < 10; rk++) {
                    struct vx_person p;
                    memset(&p, 0, sizeof p);
                    /* born on 2 June: age at `at` is age, birth year is 2021-age-1 */
                    p.pnr.birth = vx_day_from_ymd(2021 - age - 1, 6, 2);
                    p.residence = (enum vx_residence)res;
                    p.flags = fl ? 1u << (fl - 1) : 0;
                    p.risk = rk >= 0 ? 1u << rk : 0;
                    int want = 0;
                    for (int i = 0; i < t.n_rules; i++)
                        if (vx_elig_rule_matches(&t.rules[i], &p, at) &&
                            (!want || t.rules[i].phase < want))
                            want = t.rules[i].phase;
                    int got = vx_stats_group_of(vx_age_at(p.pnr.birth, at), 2021 - age - 1, res,
                                                p.risk, p.flags);
                    if (got != want)
                        fprintf(stderr, "age %d res %d flags %u risk %u: group %d, rules %d\n", age,
                                res, p.flags, p.risk, got, want);
                    assert_int_equal(got, want);
                    checked++;
                }
            }
        }
    }
    assert_true(checked > 20000);
    vx_arena_release(&a);
    free(json);
}

static void test_filters(void **state)
{
    (void)state;
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    struct vx_err err = {0};
    assert_int_equal(vx_stats_filter_parse(&q,
                                           "age:80-89,sex:2,group:2,vaccine:COM,dose:2,"
                                           "kommun:0180,region:01,deso:0180C1010",
                                           &err),
                     VX_OK);
    assert_int_equal(q.age, 80);
    assert_int_equal(q.sex, 2);
    assert_int_equal(q.group, 2);
    assert_string_equal(q.vaccine, "COM");
    assert_int_equal(q.dose, 2);
    assert_string_equal(q.kommun, "0180");
    assert_string_equal(q.region, "01");
    assert_string_equal(q.deso, "0180C1010");
    static const char *const bad[] = {"age:81-89", "sex:3",        "group:5",       "dose:0",
                                      "region:1",  "kommun:01800", "week:2021-W01", "foo:1",
                                      "age",       "vaccine:CO M", "deso:'; DROP"};
    for (size_t i = 0; i < VX_ARRAY_LEN(bad); i++) {
        vx_stats_query_init(&q);
        err.msg[0] = '\0';
        assert_int_equal(vx_stats_filter_parse(&q, bad[i], &err), VX_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(vx_stats_filter_parse(&q, NULL, &err), VX_OK);
}

/* ------------------------------------------------------------------ suppression */

static void one_dim(struct vx_stats_result *r, const int64_t *n, size_t k)
{
    vx_stats_result_init(r);
    r->q.nby = 1;
    r->q.by[0] = VX_SD_REGION;
    r->cells = calloc(k, sizeof *r->cells);
    assert_non_null(r->cells);
    r->n = r->cap = k;
    for (size_t i = 0; i < k; i++) {
        snprintf(r->cells[i].key[0], VX_STATS_KEY_MAX, "%02d", (int)(i % 100) + 1);
        r->cells[i].n = n[i];
        r->total += n[i];
    }
}

static void test_suppress_primary_and_secondary(void **state)
{
    (void)state;
    struct vx_stats_result r;
    /* one small cell: the smallest other non-zero cell goes too */
    static const int64_t a[] = {100, 3, 40, 0, 7};
    one_dim(&r, a, 5);
    vx_stats_suppress(&r);
    assert_true(r.suppressed);
    assert_int_equal(r.cells[1].supp, VX_SUPP_PRIMARY);
    assert_int_equal(r.cells[4].supp, VX_SUPP_SECONDARY); /* 7 is the smallest visible */
    assert_int_equal(r.cells[0].supp, VX_SUPP_NONE);
    assert_int_equal(r.cells[2].supp, VX_SUPP_NONE);
    assert_int_equal(r.cells[3].supp, VX_SUPP_NONE); /* zero is shown */
    assert_int_equal(r.total_supp, VX_SUPP_NONE);
    char b[24];
    assert_string_equal(vx_stats_count_text(3, VX_SUPP_PRIMARY, b), "<5");
    assert_string_equal(vx_stats_count_text(7, VX_SUPP_SECONDARY, b), "..");
    assert_string_equal(vx_stats_count_text(100, VX_SUPP_NONE, b), "100");
    vx_stats_suppress(&r); /* idempotent */
    assert_int_equal(r.cells[0].supp, VX_SUPP_NONE);
    vx_stats_result_release(&r);

    /* two small cells hide each other: nothing more */
    static const int64_t b2[] = {100, 3, 40, 2};
    one_dim(&r, b2, 4);
    vx_stats_suppress(&r);
    assert_int_equal(r.cells[0].supp + r.cells[2].supp, 0);
    vx_stats_result_release(&r);

    /* the only non-zero cell is small: the total is small too */
    static const int64_t c[] = {0, 4};
    one_dim(&r, c, 2);
    vx_stats_suppress(&r);
    assert_int_equal(r.cells[1].supp, VX_SUPP_PRIMARY);
    assert_int_equal(r.total_supp, VX_SUPP_PRIMARY);
    vx_stats_result_release(&r);

    /* nothing small: nothing hidden */
    static const int64_t d[] = {5, 6, 1000};
    one_dim(&r, d, 3);
    vx_stats_suppress(&r);
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(r.cells[i].supp, VX_SUPP_NONE);
    vx_stats_result_release(&r);
}

/* In a two-dimensional table no hidden cell is alone in its row or its column. */
static void test_suppress_two_dims(void **state)
{
    (void)state;
    static const int64_t grid[4][3] = {{50, 2, 30}, {60, 70, 80}, {9, 40, 1}, {20, 25, 35}};
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    r.q.nby = 2;
    r.q.by[0] = VX_SD_REGION;
    r.q.by[1] = VX_SD_SEX;
    r.cells = calloc(12, sizeof *r.cells);
    r.n = r.cap = 12;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            struct vx_stats_cell *c = &r.cells[i * 3 + j];
            snprintf(c->key[0], VX_STATS_KEY_MAX, "0%d", (i % 9) + 1);
            snprintf(c->key[1], VX_STATS_KEY_MAX, "%d", j);
            c->n = grid[i][j];
            r.total += c->n;
        }
    vx_stats_suppress(&r);
    assert_int_equal(r.cells[1].supp, VX_SUPP_PRIMARY);
    assert_int_equal(r.cells[8].supp, VX_SUPP_PRIMARY);
    for (int i = 0; i < 4; i++) {
        int h = 0;
        for (int j = 0; j < 3; j++)
            h += r.cells[i * 3 + j].supp != VX_SUPP_NONE;
        assert_true(h == 0 || h >= 2);
    }
    for (int j = 0; j < 3; j++) {
        int h = 0;
        for (int i = 0; i < 4; i++)
            h += r.cells[i * 3 + j].supp != VX_SUPP_NONE;
        assert_true(h == 0 || h >= 2);
    }
    vx_stats_result_release(&r);

    /* cumulative by week: the week lines are not margins, only primary applies there */
    vx_stats_result_init(&r);
    r.q.nby = 1;
    r.q.by[0] = VX_SD_WEEK;
    r.q.cumulative = true;
    r.cells = calloc(3, sizeof *r.cells);
    r.n = r.cap = 3;
    static const int64_t cum[] = {2, 10, 30};
    for (int i = 0; i < 3; i++) {
        snprintf(r.cells[i].key[0], VX_STATS_KEY_MAX, "2021-W0%d", (i % 9) + 1);
        r.cells[i].n = cum[i];
    }
    r.total = 30;
    vx_stats_suppress(&r);
    assert_int_equal(r.cells[0].supp, VX_SUPP_PRIMARY);
    assert_int_equal(r.cells[1].supp, VX_SUPP_NONE);
    assert_int_equal(r.cells[2].supp, VX_SUPP_NONE);
    vx_stats_result_release(&r);
}

/* ------------------------------------------------------------------ official files */

struct counter {
    int rows;
    int64_t sverige_w22_dose1;
    int64_t pop_0114;
    int measures[8];
};

static int count_rows(void *ctx, const struct vx_stats_official *r)
{
    struct counter *c = ctx;
    c->rows++;
    if (r->dataset == VX_OD_REGION_WEEK && !strcmp(r->region, "00") && r->week.year == 2021 &&
        r->week.week == 22 && !strcmp(r->measure, "persons_dose1_cum"))
        c->sverige_w22_dose1 = r->value;
    if (r->dataset == VX_OD_KOMMUN_AGE && !strcmp(r->kommun, "0114") &&
        !strcmp(r->age_group, "18-29") && r->week.year == 2021)
        c->pop_0114 = r->population;
    return 0;
}

static void test_official_parse(void **state)
{
    (void)state;
    static const char *const files[VX_OD_COUNT] = {
        VX_SHARED_DATA_DIR "/se/fohm_vaccinations_region_week.csv",
        VX_SHARED_DATA_DIR "/se/fohm_vaccinated_region_age_snapshot.csv",
        VX_SHARED_DATA_DIR "/se/fohm_vaccinated_municipality_age_snapshot.csv"};
    struct counter c[VX_OD_COUNT];
    memset(c, 0, sizeof c);
    for (int d = 0; d < VX_OD_COUNT; d++) {
        size_t len;
        char *text = slurp(files[d], &len);
        struct vx_err err = {0};
        enum vx_status s =
            vx_stats_official_parse((enum vx_stats_dataset)d, text, len, count_rows, &c[d], &err);
        if (s != VX_OK)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(s, VX_OK);
        /* the wrong layout is refused at the header */
        s = vx_stats_official_parse((enum vx_stats_dataset)((d + 1) % VX_OD_COUNT), text, len,
                                    count_rows, &c[d], &err);
        assert_int_equal(s, VX_EPARSE);
        assert_non_null(strstr(err.msg, "line 1"));
        free(text);
    }
    assert_int_equal(c[VX_OD_REGION_AGE].rows, 1496);
    assert_int_equal(c[VX_OD_REGION_WEEK].sverige_w22_dose1, 3963468);
    assert_int_equal(c[VX_OD_KOMMUN_AGE].pop_0114, 6526);
    assert_true(c[VX_OD_REGION_WEEK].rows > 2156 * 3);
}

static void test_official_errors(void **state)
{
    (void)state;
    static const char hdr[] = "data_through_week,published,lan_code,region,age_group,status,"
                              "persons,share\n";
    static const struct {
        const char *body;
        const char *why;
    } cases[] = {
        {"2021-W99,2021-06-10,00,Sverige,18-29,at_least_1_dose,5,0.1\n", "ISO week"},
        {"2021-W22,2021-06-10,0,Sverige,18-29,at_least_1_dose,5,0.1\n", "län code"},
        {"2021-W22,2021-06-10,00,Sverige,18-29,at_least_1_dose,-5,0.1\n", "count"},
        {"2021-W22,2021-06-10,00,Sverige,18-29,at_least_1_dose,5,abc\n", "share"},
        {"2021-W22,2021-06-10,00,Sverige,18-29,at_least_1_dose,5\n", "columns"},
        {"2021-W22,2021-06-10,00,Sverige,18-29,,5,0.1\n", "status"},
        {"2021-W22,2021-06-10,00,\"Sverige,18-29,x,5,0.1\n", "line 2"},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", hdr, cases[i].body);
        struct counter c = {0};
        struct vx_err err = {0};
        assert_int_equal(
            vx_stats_official_parse(VX_OD_REGION_AGE, text, strlen(text), count_rows, &c, &err),
            VX_EPARSE);
        if (!strstr(err.msg, cases[i].why))
            fprintf(stderr, "case %zu: %s\n", i, err.msg);
        assert_non_null(strstr(err.msg, cases[i].why));
    }
    /* empty values are "not reported": no row, no error; CRLF and a BOM are fine */
    char text[512];
    snprintf(text, sizeof text, "\xEF\xBB\xBF%s%s", hdr,
             "2021-W22,2021-06-10,00,Sverige,18-29,at_least_1_dose,,\r\n");
    struct counter c = {0};
    struct vx_err err = {0};
    assert_int_equal(
        vx_stats_official_parse(VX_OD_REGION_AGE, text, strlen(text), count_rows, &c, &err), VX_OK);
    assert_int_equal(c.rows, 0);
    assert_int_equal(vx_stats_official_parse(VX_OD_REGION_AGE, "", 0, count_rows, &c, &err),
                     VX_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_age_bands),
        cmocka_unit_test(test_group_matches_rules),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_suppress_primary_and_secondary),
        cmocka_unit_test(test_suppress_two_dims),
        cmocka_unit_test(test_official_parse),
        cmocka_unit_test(test_official_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
