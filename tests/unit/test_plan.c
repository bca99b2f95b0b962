/*
 * test_plan.c — the planner (src/plan): dose-2 policies, property tests over random delivery
 * streams, GLPK site split and bound, re-planning, replay determinism and projections.
 *
 * Property tests (seeded, so reproducible): for random delivery streams whose actual figures
 * never fall below (1 - safety) x the forecast the forecast-aware policy used, stock never
 * goes negative and no booked dose 2 is ever uncovered; allocations of a basis change still
 * sum exactly to supply; the site split sums exactly to the region's doses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/alloc.h"
#include "vx/buf.h"
#include "vx/plan.h"

static void test_policy_names(void **state)
{
    (void)state;
    struct vx_err err = {0};
    enum vx_plan_policy p;
    for (int i = 0; i < VX_PLAN_N_POLICIES; i++) {
        assert_int_equal(
            vx_plan_policy_parse(vx_plan_policy_name((enum vx_plan_policy)i), &p, &err), VX_OK);
        assert_int_equal(p, i);
    }
    assert_int_equal(vx_plan_policy_parse("lockbox", &p, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "hold-all"));
}

static void test_quota_policies(void **state)
{
    (void)state;
    struct vx_err err = {0};
    long long due2[8] = {100, 0, 0, 50, 0, 0, 0, 0};
    long long sup[8] = {0, 300, 300, 300, 300, 300, 300, 300};
    struct vx_quota_in in = {.stock = 1000,
                             .capacity = 10000,
                             .demand = 100000,
                             .due2 = due2,
                             .supply = sup,
                             .horizon = 8,
                             .interval = 3,
                             .safety = 0.0};
    struct vx_quota_out o;
    assert_int_equal(vx_plan_quota(VX_PLAN_HOLD_NONE, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose2, 100);
    assert_int_equal(o.dose1, 900);
    assert_int_equal(vx_plan_quota(VX_PLAN_HOLD_ALL, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose1, (900 - 50) / 2); /* one dose held per dose 1 */
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_OK);
    /* k<3: q <= 900+...; k=3: 2q <= 900+900-50 = 1750 */
    assert_int_equal(o.dose1, 875);
    in.safety = 0.9; /* rely on 10 % of next week's forecast only */
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_OK);
    /* f_1 = 1 - 0.9 = 0.1, f_k = 0 beyond: k=3: 2q <= 900 + 30 - 50 */
    assert_int_equal(o.dose1, (900 + 30 - 50) / 2);
    assert_int_equal(o.reserve, 900 - o.dose1);
    /* capacity and demand cap dose 1 */
    in.capacity = 300;
    assert_int_equal(vx_plan_quota(VX_PLAN_HOLD_NONE, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose1, 200);
    in.capacity = 10000;
    in.demand = 7;
    assert_int_equal(vx_plan_quota(VX_PLAN_HOLD_NONE, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose1, 7);
    /* bad input */
    in.interval = 8;
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "interval"));
    in.interval = 3;
    in.stock = -1;
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_EINVAL);
    in.stock = 10;
    in.safety = 1.5;
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_EINVAL);
}

/*
 * Property: one stock point, random forecasts F_t published long before, actual A_t drawn in
 * [(1-s) F_t, 1.5 F_t]. The forecast policy decides each week with the forecasts; its dose 1
 * become dose 2 due `L` weeks later. Stock never negative, due dose 2 always covered.
 */
static void test_property_setaside(void **state)
{
    (void)state;
    struct vx_rng rng;
    vx_rng_seed(&rng, 20210118);
    struct vx_err err = {0};
    for (int trial = 0; trial < 300; trial++) {
        enum { N = 60, H = 24 };
        long long F[N + H], A[N + H], owed[N + H];
        double s = 0.05 + 0.4 * vx_rng_uniform(&rng);
        int L = 1 + (int)(vx_rng_uniform(&rng) * 11);
        memset(owed, 0, sizeof owed);
        for (int t = 0; t < N + H; t++) {
            F[t] = vx_rng_uniform(&rng) < 0.2 ? 0 : (long long)(vx_rng_uniform(&rng) * 5000);
            double m = (1 - s) + vx_rng_uniform(&rng) * (0.5 + s);
            A[t] = (long long)((double)F[t] * m) + 1;
        }
        long long stock = 0;
        for (int t = 0; t < N; t++) {
            stock += A[t];
            long long due2[H], sup[H];
            for (int k = 0; k < H; k++) {
                due2[k] = owed[t + k];
                sup[k] = F[t + k];
            }
            struct vx_quota_in in = {.stock = stock,
                                     .capacity = 1000000,
                                     .demand = 1000000,
                                     .due2 = due2,
                                     .supply = sup,
                                     .horizon = H,
                                     .interval = L,
                                     .safety = s};
            struct vx_quota_out o;
            assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_OK);
            assert_int_equal(o.dose2, owed[t]); /* no booked dose 2 uncovered */
            stock -= o.dose2 + o.dose1;
            assert_true(stock >= 0); /* stock never negative */
            owed[t + L] += o.dose1;
        }
    }
}

/* Hold-none on the same streams does leave dose 2 uncovered sometimes: the property is the
 * policy's, not the stream's. */
static void test_hold_none_can_fail(void **state)
{
    (void)state;
    struct vx_err err = {0};
    long long due2[4] = {0}, sup[4] = {0, 0, 0, 0};
    struct vx_quota_in in = {.stock = 100,
                             .capacity = 1000,
                             .demand = 1000,
                             .due2 = due2,
                             .supply = sup,
                             .horizon = 4,
                             .interval = 2,
                             .safety = 0.1};
    struct vx_quota_out o;
    assert_int_equal(vx_plan_quota(VX_PLAN_HOLD_NONE, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose1, 100); /* nothing kept for the dose 2 in two weeks */
    assert_int_equal(vx_plan_quota(VX_PLAN_FORECAST, &in, &o, &err), VX_OK);
    assert_int_equal(o.dose1, 50);
}

static void test_rng_deterministic(void **state)
{
    (void)state;
    struct vx_rng a, b;
    vx_rng_seed(&a, 42);
    vx_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        assert_true(vx_rng_next(&a) == vx_rng_next(&b));
    vx_rng_seed(&b, 43);
    assert_false(vx_rng_next(&a) == vx_rng_next(&b));
    double sum = 0;
    for (int i = 0; i < 10000; i++)
        sum += vx_rng_normal(&a);
    assert_true(sum / 10000 > -0.05 && sum / 10000 < 0.05);
}

static void test_site_split(void **state)
{
    (void)state;
    struct vx_err err = {0};
    struct vx_site_need s[4] = {
        {.site_id = 1, .capacity = 1200, .booked = 600},
        {.site_id = 2, .capacity = 600, .booked = 600},
        {.site_id = 3, .capacity = 3000, .booked = 0},
        {.site_id = 4, .capacity = 0, .booked = 0},
    };
    assert_int_equal(vx_plan_site_split(2400, 6, s, 4, &err), VX_OK);
    long long sum = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(s[i].doses % 6, 0);
        sum += s[i].doses;
    }
    assert_int_equal(sum, 2400);
    assert_true(s[0].doses >= 600 && s[1].doses >= 600); /* booked demand first */
    assert_int_equal(s[3].doses, 0);                     /* no capacity, nothing */
    /* less than booked: shared in proportion to bookings, still exact */
    assert_int_equal(vx_plan_site_split(600, 6, s, 4, &err), VX_OK);
    assert_int_equal(s[0].doses + s[1].doses + s[2].doses + s[3].doses, 600);
    assert_int_equal(s[2].doses, 0);
    /* errors */
    assert_int_equal(vx_plan_site_split(601, 6, s, 4, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "whole number of packages"));
    assert_int_equal(vx_plan_site_split(600, 6, s, 0, &err), VX_EINVAL);
    s[0].capacity = -1;
    assert_int_equal(vx_plan_site_split(600, 6, s, 4, &err), VX_EINVAL);
}

/* Property: random site sets, the split always sums exactly and respects booked demand when
 * the region has enough. */
static void test_property_site_split(void **state)
{
    (void)state;
    struct vx_rng rng;
    vx_rng_seed(&rng, 7);
    struct vx_err err = {0};
    for (int trial = 0; trial < 40; trial++) {
        struct vx_site_need s[12];
        size_t n = 1 + (size_t)(vx_rng_uniform(&rng) * 12);
        long long booked = 0;
        for (size_t i = 0; i < n; i++) {
            s[i].site_id = (int64_t)i + 1;
            s[i].capacity = (long long)(vx_rng_uniform(&rng) * 2000);
            s[i].booked = (long long)(vx_rng_uniform(&rng) * (double)s[i].capacity);
            booked += s[i].booked;
        }
        long long pkg = 1 + (long long)(vx_rng_uniform(&rng) * 10);
        long long doses = pkg * (long long)(vx_rng_uniform(&rng) * 3000);
        enum vx_status st = vx_plan_site_split(doses, pkg, s, n, &err);
        if (st != VX_OK)
            fail_msg("%s", err.msg);
        long long sum = 0;
        for (size_t i = 0; i < n; i++) {
            assert_true(s[i].doses >= 0 && s[i].doses % pkg == 0);
            if (doses >= booked + (long long)n * pkg)
                assert_true(s[i].doses >= s[i].booked);
            sum += s[i].doses;
        }
        assert_int_equal(sum, doses);
    }
}

static void test_bound_lp(void **state)
{
    (void)state;
    struct vx_err err = {0};
    /* 100 doses a week for 6 weeks, interval 2: the most dose 1 in the first 3 weeks is
     * 300 minus what weeks 2..5 need for dose 2 of weeks 0..3 and must hold overall */
    long long sup[6] = {100, 100, 100, 100, 100, 100};
    const long long *sp[1] = {sup};
    int iv[1] = {2};
    double b = 0;
    assert_int_equal(vx_plan_bound(1, sp, iv, NULL, 6, 1000000, 3, &b, &err), VX_OK);
    /* earliest first (area under the curve): x0 = x1 = 100, then week 2 has none left */
    assert_true(b > 199.9 && b < 200.1);
    /* demand binds */
    assert_int_equal(vx_plan_bound(1, sp, iv, NULL, 6, 50, 3, &b, &err), VX_OK);
    assert_true(b > 49.9 && b < 50.1);
    assert_int_equal(vx_plan_bound(0, sp, iv, NULL, 6, 50, 3, &b, &err), VX_EINVAL);
}

static void test_replan(void **state)
{
    (void)state;
    struct vx_err err = {0};
    struct vx_replan_result res;
    /* 4 weeks, interval 2; a cut in week 0 from 300 to 100 */
    struct vx_replan_week w[4] = {
        {.supply = 100, .open1 = 50, .unreleased1 = 50, .booked1 = 100, .booked2 = 20},
        {.supply = 300, .open1 = 0, .unreleased1 = 100, .booked1 = 50, .booked2 = 0},
        {.supply = 300, .open1 = 0, .unreleased1 = 0, .booked1 = 0, .booked2 = 0},
        {.supply = 300, .open1 = 0, .unreleased1 = 0, .booked1 = 0, .booked2 = 0},
    };
    assert_int_equal(vx_plan_replan(0, 2, w, 4, &res, &err), VX_OK);
    /* week 0 uses 20 + 200 > 100: close 50 unreleased, 50 open, cancel 20 booked */
    assert_int_equal(w[0].close_unreleased, 50);
    assert_int_equal(w[0].close_open, 50);
    assert_int_equal(w[0].cancel1, 20);
    assert_int_equal(res.cancelled, 20);
    assert_int_equal(res.uncovered2, 0);
    assert_true(w[0].moved_to >= 1);
    assert_int_equal(res.moved, 20);
    /* the new plan never goes negative */
    long long c = 0;
    for (int k = 0; k < 4; k++) {
        c += w[k].supply - w[k].booked2 - w[k].booked1 - w[k].open1 - w[k].unreleased1;
        if (k >= 2)
            c -= w[k - 2].booked1 + w[k - 2].open1 + w[k - 2].unreleased1;
        assert_true(c >= 0);
    }
    /* a cut below the booked dose 2: reported, dose 2 never cancelled */
    struct vx_replan_week x[1] = {{.supply = 10, .booked2 = 30}};
    assert_int_equal(vx_plan_replan(0, 2, x, 1, &res, &err), VX_OK);
    assert_int_equal(res.uncovered2, 20);
    assert_int_equal(res.cancelled, 0);
    assert_int_equal(vx_plan_replan(-1, 2, x, 1, &res, &err), VX_EINVAL);
}

/* A small synthetic scenario: 3 regions, 2 vaccines, 30 weeks. */
static void small_scenario(struct vx_plan_scenario *s)
{
    vx_plan_scenario_defaults(s);
    s->week0.year = 2021;
    s->week0.week = 1;
    s->n_weeks = 30;
    s->eval_weeks = 20;
    s->n_regions = 3;
    s->n_vaccines = 2;
    long long people[3] = {40000, 25000, 10000};
    for (size_t g = 0; g < 3; g++) {
        snprintf(s->regions[g].code, sizeof s->regions[g].code, "0%zu", g + 1);
        s->regions[g].people[0] = people[g] / 10;
        s->regions[g].people[1] = people[g] / 5;
        s->regions[g].people[2] = people[g] - people[g] / 10 - people[g] / 5;
        for (int t = 0; t < s->n_weeks; t++)
            s->regions[g].weight_by_week[t] = t < 10 ? people[g] / 10 : people[g];
    }
    for (size_t v = 0; v < 2; v++) {
        struct vx_plan_vaccine *vc = &s->vaccines[v];
        snprintf(vc->code, sizeof vc->code, v ? "MOD" : "COM");
        vc->interval_weeks = v ? 4 : 3;
        vc->max_interval_weeks = vc->interval_weeks + 3;
        vc->vial_doses = v ? 10 : 6;
        for (int t = 0; t < s->n_weeks; t++) {
            vc->actual[t] = 1000 + 150 * t + (t % 4 == 2 ? -600 : 0);
            vc->forecast[t] = t % 3 ? 1000 + 150 * t : -1;
            vc->forecast_lead[t] = 1;
        }
    }
}

static void test_replay_small(void **state)
{
    (void)state;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_outcome *o = calloc(5, sizeof *o);
    assert_non_null(s);
    assert_non_null(o);
    small_scenario(s);
    struct vx_err err = {0};
    for (int p = 0; p < VX_PLAN_N_POLICIES; p++) {
        assert_int_equal(vx_plan_replay(s, (enum vx_plan_policy)p, &o[p], &err), VX_OK);
        assert_true(o[p].min_stock >= 0);
        for (int t = 1; t < s->n_weeks; t++) {
            assert_true(o[p].dose1[t] >= o[p].dose1[t - 1]);
            assert_true(o[p].full[t] <= o[p].dose1[t]);
        }
    }
    /* deterministic */
    assert_int_equal(vx_plan_replay(s, VX_PLAN_FORECAST, &o[4], &err), VX_OK);
    assert_memory_equal(&o[4], &o[VX_PLAN_FORECAST], sizeof o[4]);
    /* hold-all gives fewer first doses early than perfect; perfect never cancels */
    assert_true(o[VX_PLAN_HOLD_ALL].dose1_eval < o[VX_PLAN_PERFECT].dose1_eval);
    assert_int_equal(o[VX_PLAN_PERFECT].cancelled, 0);
    assert_true(o[VX_PLAN_PERFECT].bound_eval >= (double)o[VX_PLAN_PERFECT].dose1_eval * 0.99);
    assert_true(vx_plan_waste_pct(&o[VX_PLAN_FORECAST]) < 2.0);
    /* errors */
    s->n_weeks = 0;
    assert_int_equal(vx_plan_replay(s, VX_PLAN_FORECAST, &o[0], &err), VX_EINVAL);
    small_scenario(s);
    s->uptake = 0;
    assert_int_equal(vx_plan_replay(s, VX_PLAN_FORECAST, &o[0], &err), VX_EINVAL);
    small_scenario(s);
    s->vaccines[1].actual[3] = -5;
    assert_int_equal(vx_plan_replay(s, VX_PLAN_FORECAST, &o[0], &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "negative delivery"));
    free(s);
    free(o);
}

static void test_projection_seed(void **state)
{
    (void)state;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_projection *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(s);
    assert_non_null(a);
    assert_non_null(b);
    small_scenario(s);
    struct vx_err err = {0};
    assert_int_equal(vx_plan_project(s, VX_PLAN_FORECAST, 5, 0.3, 40, 99, a, &err), VX_OK);
    assert_int_equal(vx_plan_project(s, VX_PLAN_FORECAST, 5, 0.3, 40, 99, b, &err), VX_OK);
    assert_memory_equal(a, b, sizeof *a);
    for (int t = 0; t < s->n_weeks; t++) {
        assert_true(a->dose1[0][t] <= a->dose1[1][t] && a->dose1[1][t] <= a->dose1[2][t]);
        assert_true(a->full[0][t] <= a->full[2][t]);
    }
    assert_true(a->dose1[0][12] < a->dose1[2][12]); /* a band */
    assert_int_equal(vx_plan_project(s, VX_PLAN_FORECAST, 5, 0.3, 40, 100, b, &err), VX_OK);
    assert_true(memcmp(a, b, sizeof *a) != 0);
    assert_int_equal(vx_plan_project(s, VX_PLAN_FORECAST, 5, 3.0, 40, 1, b, &err), VX_EINVAL);
    assert_int_equal(vx_plan_project(s, VX_PLAN_FORECAST, 5, 0.3, 0, 1, b, &err), VX_EINVAL);
    free(s);
    free(a);
    free(b);
}

/* Basis change mid-series: cumulative allocations still sum exactly to whole packages. */
static void test_alloc_rebase(void **state)
{
    (void)state;
    struct vx_err err = {0};
    struct vx_alloc a;
    long long w1[3] = {5, 3, 2}, w2[3] = {1, 1, 8}, wp[3];
    assert_int_equal(vx_alloc_init(&a, 3, w1, 6, &err), VX_OK);
    long long given = 0, sum_regions = 0;
    for (int t = 0; t < 20; t++) {
        if (t == 10)
            assert_int_equal(vx_alloc_rebase(&a, w2, &err), VX_OK);
        long long d = 97 + 13 * t;
        given += d;
        assert_int_equal(vx_alloc_week(&a, d, wp, &err), VX_OK);
        for (int r = 0; r < 3; r++) {
            assert_true(wp[r] >= 0);
            sum_regions += wp[r] * 6;
        }
        assert_true(vx_alloc_within_quota(&a));
        assert_int_equal(sum_regions + vx_alloc_carry(&a), given); /* exact */
    }
    long long bad[3] = {0, 0, 0};
    assert_int_equal(vx_alloc_rebase(&a, bad, &err), VX_EINVAL);
}

static void test_chart_svg(void **state)
{
    (void)state;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_outcome *o = calloc(1, sizeof *o);
    assert_non_null(s);
    assert_non_null(o);
    small_scenario(s);
    struct vx_err err = {0};
    assert_int_equal(vx_plan_replay(s, VX_PLAN_FORECAST, o, &err), VX_OK);
    double obs[VX_PLAN_MAX_WEEKS];
    for (int t = 0; t < s->n_weeks; t++)
        obs[t] = t < 5 ? -1 : 0.01 * t;
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    const struct vx_plan_outcome *runs[1] = {o};
    assert_int_equal(vx_plan_chart_svg(s, runs, 1, obs, NULL, 75000, "A <test> & chart", &b),
                     VX_OK);
    assert_non_null(strstr(b.data, "<svg"));
    assert_non_null(strstr(b.data, "A &lt;test&gt; &amp; chart"));
    assert_non_null(strstr(b.data, "forecast"));
    assert_non_null(strstr(b.data, "</svg>"));
    vx_buf_release(&b);
    vx_buf_init(&b, 64); /* too small: an error, not a truncated file */
    assert_int_equal(vx_plan_chart_svg(s, runs, 1, obs, NULL, 75000, "x", &b), VX_ENOMEM);
    vx_buf_release(&b);
    free(s);
    free(o);
}

/* The default scale of demo databases divides by Sweden's adults in 2020: the constant
 * must be what SCB's table in the shared data says. */
static void test_se_adults_constant(void **state)
{
    (void)state;
    FILE *f = fopen(VX_SHARED_DATA_DIR "/se/population_municipality_age.csv", "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    long long by_lan[100];
    struct vx_err err = {0};
    assert_int_equal(vx_population_by_lan(text, (size_t)n, 2020, 18, 200, by_lan, &err), VX_OK);
    free(text);
    long long sum = 0;
    for (int i = 0; i < 100; i++)
        sum += by_lan[i];
    assert_int_equal(sum, VX_PLAN_SE_ADULTS_2020);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test(test_quota_policies),
        cmocka_unit_test(test_property_setaside),
        cmocka_unit_test(test_hold_none_can_fail),
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_site_split),
        cmocka_unit_test(test_property_site_split),
        cmocka_unit_test(test_bound_lp),
        cmocka_unit_test(test_replan),
        cmocka_unit_test(test_replay_small),
        cmocka_unit_test(test_projection_seed),
        cmocka_unit_test(test_alloc_rebase),
        cmocka_unit_test(test_chart_svg),
        cmocka_unit_test(test_se_adults_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
