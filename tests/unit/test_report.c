/*
 * test_report.c — the traffic-light report's pure parts: vocabulary and checks, the
 * suggestion rule table at its thresholds, the national compilation (counts and
 * grouped reasons, SKR's January 2021 example), JSON both ways, and the three
 * renderings (HTML counts, PDF pages, XLSX sheets read back out of the zip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "vx/cert.h"
#include "vx/report.h"

/* ------------------------------------------------------------------ vocabulary */

static void test_vocabulary(void **state)
{
    (void)state;
    int m = 0;
    assert_int_equal(vx_tl_month_parse("2021-03", &m), VX_OK);
    assert_int_equal(m, 202103);
    char b[8];
    assert_string_equal(vx_tl_month_format(202112, b), "2021-12");
    static const char *const bad[] = {"2021-13", "2021-00", "21-03",   "2021-3",
                                      "2021/03", "",        "2021-03x"};
    for (size_t i = 0; i < VX_ARRAY_LEN(bad); i++)
        assert_int_equal(vx_tl_month_parse(bad[i], &m), VX_EINVAL);
    assert_int_equal(vx_tl_month_first(202102), vx_day_from_ymd(2021, 2, 1));
    assert_int_equal(vx_tl_month_last(202102), vx_day_from_ymd(2021, 2, 28));
    assert_int_equal(vx_tl_month_of(vx_day_from_ymd(2021, 3, 31)), 202103);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        enum vx_tl_area back;
        assert_int_equal(vx_tl_area_parse(vx_tl_area_info((enum vx_tl_area)a)->code, &back), VX_OK);
        assert_int_equal(back, a);
    }
    enum vx_tl_area ar;
    assert_int_equal(vx_tl_area_parse("weather", &ar), VX_EINVAL);
    enum vx_tl_color c;
    assert_int_equal(vx_tl_color_parse("yellow", &c), VX_OK);
    assert_int_equal(c, VX_TL_YELLOW);
    assert_int_equal(vx_tl_color_parse("amber", &c), VX_EINVAL);
    assert_string_equal(vx_tl_color_name(VX_TL_RED, "sv"), "röd");
    assert_string_equal(vx_tl_color_name(VX_TL_RED, "en"), "red");
}

static void fill_green(struct vx_tl_report *r, const char *region)
{
    memset(r, 0, sizeof *r);
    snprintf(r->region, sizeof r->region, "%s", region);
    r->month = 202101;
    snprintf(r->filed_by, sizeof r->filed_by, "coord-%s", region);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        r->area[a].color = VX_TL_GREEN;
}

static void test_check(void **state)
{
    (void)state;
    struct vx_tl_report r;
    struct vx_err err = {0};
    const char *field = NULL;
    fill_green(&r, "03");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_OK);

    r.area[VX_TL_SUPPLY].color = VX_TL_YELLOW;
    snprintf(r.area[VX_TL_SUPPLY].reason, sizeof r.area[0].reason, "  \n ");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    assert_string_equal(field, "supply_logistics");
    assert_non_null(strstr(err.msg, "needs a reason"));
    snprintf(r.area[VX_TL_SUPPLY].reason, sizeof r.area[0].reason, "Leveransen halverades");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_OK);

    r.area[VX_TL_READINESS].color = VX_TL_UNKNOWN;
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    assert_string_equal(field, "readiness");
    r.area[VX_TL_READINESS].color = VX_TL_GREEN;

    r.area[VX_TL_STAFF].color = VX_TL_UNKNOWN; /* other areas may be left unassessed */
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_OK);
    r.area[VX_TL_STAFF].color = (enum vx_tl_color)7;
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    assert_string_equal(field, "staff");
    r.area[VX_TL_STAFF].color = VX_TL_GREEN;

    snprintf(r.area[VX_TL_STAFF].reason, sizeof r.area[0].reason, "bad \xc3 utf-8");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    snprintf(r.area[VX_TL_STAFF].reason, sizeof r.area[0].reason, "bell \x07");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    snprintf(r.area[VX_TL_STAFF].reason, sizeof r.area[0].reason, "Sjuksköterskor\tår 2021");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_OK);

    snprintf(r.region, sizeof r.region, "3");
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    assert_string_equal(field, "region");
    snprintf(r.region, sizeof r.region, "03");
    r.month = 202113;
    assert_int_equal(vx_tl_report_check(&r, &field, &err), VX_EINVAL);
    assert_string_equal(field, "month");
}

/* ------------------------------------------------------------------ rules */

static bool fired(const struct vx_tl_suggestion *s, const char *id)
{
    for (int k = 0; k < s->n_rules; k++)
        if (!strcmp(s->rules[k]->id, id))
            return true;
    return false;
}

/* Each rule, alone: at its threshold and a hair to the side it must or must not fire. */
static void test_rules_thresholds(void **state)
{
    (void)state;
    int n;
    const struct vx_tl_rule *t = vx_tl_rules(&n);
    assert_true(n >= 10);
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    for (int i = 0; i < n; i++) {
        const struct vx_tl_rule *r = &t[i];
        double eps = 0.01;
        /* (value, must fire) pairs: the threshold itself, just inside, just outside */
        double at = r->threshold;
        bool at_fires = r->cmp == VX_TL_LE || r->cmp == VX_TL_GE;
        double beyond = r->cmp == VX_TL_LT || r->cmp == VX_TL_LE ? at - eps : at + eps;
        double within = r->cmp == VX_TL_LT || r->cmp == VX_TL_LE ? at + eps : at - eps;
        const double v[3] = {at, beyond, within};
        const bool want[3] = {at_fires, true, false};
        for (int k = 0; k < 3; k++) {
            struct vx_tl_indicators in;
            memset(&in, 0, sizeof in);
            vx_tl_ind_set(&in, r->ind, v[k], "test %g", v[k]);
            vx_tl_suggest(&in, s);
            bool got = fired(&s[r->area], r->id);
            /* a yellow rule is shadowed by the red rule of the same indicator when both
             * hold; then the area is at least as bad */
            if (want[k] && !got) {
                assert_true(s[r->area].color >= r->color);
                continue;
            }
            if (got != want[k])
                fail_msg("rule %s at %g: fired=%d, expected %d", r->id, v[k], got, want[k]);
            if (got) {
                assert_true(s[r->area].color >= r->color);
                assert_non_null(strstr(s[r->area].text_en, r->id));
                assert_non_null(strstr(s[r->area].text_sv, r->id));
                assert_true(s[VX_TL_OVERALL].color >= r->color); /* overall = worst */
            }
        }
    }
}

static void test_rules_examples(void **state)
{
    (void)state;
    struct vx_tl_indicators in;
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    memset(&in, 0, sizeof in);
    vx_tl_suggest(&in, s);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        assert_int_equal(s[a].color, VX_TL_UNKNOWN);
    assert_non_null(strstr(s[VX_TL_STAFF].text_en, "no data"));

    /* the examples: 15 days late → red; stock 2.4 days → yellow; wastage 5 % is
     * not above 5 % → green; 14 days late → yellow only */
    vx_tl_ind_set(&in, VX_TLI_PHASE_DELAY_DAYS, 15, "plan");
    vx_tl_ind_set(&in, VX_TLI_STOCK_DAYS, 2.4, "1200 doses / 500 a day");
    vx_tl_ind_set(&in, VX_TLI_WASTAGE_PCT, 5.0, NULL);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_READINESS].color, VX_TL_RED);
    assert_int_equal(s[VX_TL_READINESS].n_rules, 1); /* red shadows the yellow */
    assert_string_equal(s[VX_TL_READINESS].rules[0]->id, "readiness.phase_delay.red");
    assert_int_equal(s[VX_TL_SUPPLY].color, VX_TL_YELLOW);
    assert_true(fired(&s[VX_TL_SUPPLY], "supply.stock_days.yellow"));
    assert_false(fired(&s[VX_TL_SUPPLY], "supply.wastage.yellow"));
    assert_non_null(strstr(s[VX_TL_SUPPLY].text_en, "2.4 < 3"));
    assert_non_null(strstr(s[VX_TL_SUPPLY].text_sv, "2,4 < 3"));
    assert_non_null(strstr(s[VX_TL_SUPPLY].text_en, "1200 doses / 500 a day"));
    assert_int_equal(s[VX_TL_OVERALL].color, VX_TL_RED);
    assert_int_equal(s[VX_TL_BOOKING].color, VX_TL_UNKNOWN);

    vx_tl_ind_set(&in, VX_TLI_PHASE_DELAY_DAYS, 14, "plan");
    vx_tl_ind_set(&in, VX_TLI_STOCK_DAYS, 3, NULL);
    vx_tl_suggest(&in, s);
    assert_int_equal(s[VX_TL_READINESS].color, VX_TL_YELLOW);
    assert_int_equal(s[VX_TL_SUPPLY].color, VX_TL_GREEN);
    assert_non_null(strstr(s[VX_TL_SUPPLY].text_en, "within limits"));
    assert_int_equal(s[VX_TL_OVERALL].color, VX_TL_YELLOW);
}

/* ------------------------------------------------------------------ phase delay */

static void targets_fixture(struct vx_tl_phase_targets *t)
{
    static const int ymd[VX_TL_PHASES][3] = {
        {2021, 2, 28}, {2021, 4, 30}, {2021, 6, 30}, {2021, 8, 15}};
    for (int k = 0; k < VX_TL_PHASES; k++)
        t->phase[k] = (struct vx_tl_phase_target){
            .phase = k + 1, .share = 0.8, .date = vx_day_from_ymd(ymd[k][0], ymd[k][1], ymd[k][2])};
}

/* Region in phase 2 on Sunday 2021-03-07: phase 1 done (900 of 1000), phase 2 has
 * 10 000 persons (target 8 000 by 2021-04-30) and a pace of 700 a week = 100 a day. */
static void input_fixture(struct vx_tl_phase_input *in, int64_t dose1_phase2)
{
    memset(in, 0, sizeof *in);
    in->week_end = vx_day_from_ymd(2021, 3, 7);
    in->population[0] = 1000;
    in->dose1[0] = 900;
    in->population[1] = 10000;
    in->dose1[1] = dose1_phase2;
    for (int w = 0; w < VX_TL_PACE_WEEKS; w++)
        in->week_dose1[1][w] = 700;
    in->population[2] = 5000;
    in->population[3] = 20000;
}

/* The phase result through the indicators and the rule table. */
static enum vx_tl_color readiness_of(const struct vx_tl_phase_result *r,
                                     struct vx_tl_suggestion s[VX_TL_AREA_COUNT])
{
    struct vx_tl_indicators in;
    memset(&in, 0, sizeof in);
    vx_tl_phase_to_indicator(r, &in);
    vx_tl_suggest(&in, s);
    return s[VX_TL_READINESS].color;
}

static void test_phase_delay(void **state)
{
    (void)state;
    struct vx_tl_phase_targets t;
    targets_fixture(&t);
    struct vx_tl_phase_input in;
    struct vx_tl_phase_result r;
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];

    /* ahead: 4 000 to go at 100 a day = 40 days → 2021-04-16, 14 days early */
    input_fixture(&in, 4000);
    vx_tl_phase_delay(&t, &in, &r);
    assert_true(r.known);
    assert_int_equal(r.method, VX_TL_PHASE_PACE);
    assert_int_equal(r.phase, 2);
    assert_int_equal(r.remaining, 4000);
    assert_true(r.pace == 700.0);
    assert_int_equal(r.finish, vx_day_from_ymd(2021, 4, 16));
    assert_int_equal(r.delay_days, -14);
    assert_int_equal(readiness_of(&r, s), VX_TL_GREEN);
    assert_non_null(strstr(r.basis_en, "phase 2: 40.0 % of 10000 have dose 1"));
    assert_non_null(strstr(r.basis_sv, "fas 2: 40,0 % av 10000 har dos 1"));
    assert_non_null(strstr(r.basis_en, "2021-04-16"));

    /* on time: 5 400 to go → 54 days → exactly 2021-04-30 */
    input_fixture(&in, 2600);
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.delay_days, 0);
    assert_int_equal(readiness_of(&r, s), VX_TL_GREEN);

    /* 8 days late → yellow */
    input_fixture(&in, 1800);
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.delay_days, 8);
    assert_int_equal(readiness_of(&r, s), VX_TL_YELLOW);
    assert_string_equal(s[VX_TL_READINESS].rules[0]->id, "readiness.phase_delay.yellow");

    /* 15 days late → red; the texts carry the numbers in both languages */
    input_fixture(&in, 1100);
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.delay_days, 15);
    assert_int_equal(r.finish, vx_day_from_ymd(2021, 5, 15));
    assert_int_equal(readiness_of(&r, s), VX_TL_RED);
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "15 > 14"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "fas 2: 11,0 % av 10000"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "700,0 i veckan"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_en, "phase 2: 11.0 % of 10000"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_en, "-> 2021-05-15"));

    /* a remaining share is rounded up: 80 % of 5 is 4 persons */
    input_fixture(&in, 1100);
    in.population[1] = 5;
    in.dose1[1] = 3;
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.remaining, 1);

    /* no pace → unknown, and the text says why */
    input_fixture(&in, 1100);
    memset(in.week_dose1[1], 0, sizeof in.week_dose1[1]);
    vx_tl_phase_delay(&t, &in, &r);
    assert_false(r.known);
    assert_int_equal(r.method, VX_TL_PHASE_UNKNOWN);
    assert_int_equal(r.phase, 2);
    assert_non_null(strstr(r.basis_en, "no first dose in the 3 weeks to 2021-03-07"));
    assert_int_equal(readiness_of(&r, s), VX_TL_UNKNOWN);
    assert_non_null(strstr(s[VX_TL_READINESS].text_sv, "ingen första dos"));
    assert_non_null(strstr(s[VX_TL_READINESS].text_en, "no first dose"));

    /* the planner's P50 wins over the pace */
    input_fixture(&in, 1100);
    in.plan_finish[1] = vx_day_from_ymd(2021, 5, 3);
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.method, VX_TL_PHASE_PLAN);
    assert_int_equal(r.delay_days, 3);
    assert_non_null(strstr(r.basis_en, "planner P50 -> 2021-05-03"));

    /* a phase without persons is skipped: phase 1 empty, phase 2 is current */
    input_fixture(&in, 1100);
    in.population[0] = in.dose1[0] = 0;
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.phase, 2);

    /* phase 1 not met (799 < 800) is the current phase even while phase 2 runs */
    input_fixture(&in, 4000);
    in.dose1[0] = 799;
    vx_tl_phase_delay(&t, &in, &r);
    assert_int_equal(r.phase, 1);
    assert_false(r.known); /* no phase-1 first doses in the pace weeks */

    /* every target met → known, 0 */
    input_fixture(&in, 8000);
    in.dose1[2] = 4000;
    in.dose1[3] = 16000;
    vx_tl_phase_delay(&t, &in, &r);
    assert_true(r.known);
    assert_int_equal(r.method, VX_TL_PHASE_ALL_MET);
    assert_int_equal(r.phase, 0);
    assert_int_equal(r.delay_days, 0);
    assert_int_equal(readiness_of(&r, s), VX_TL_GREEN);

    /* nobody in any group → unknown */
    memset(&in, 0, sizeof in);
    vx_tl_phase_delay(&t, &in, &r);
    assert_false(r.known);
    assert_non_null(strstr(r.basis_en, "no persons"));
}

static void test_phase_targets(void **state)
{
    (void)state;
    struct vx_tl_phase_targets t;
    struct vx_err err = {0};
    /* the shipped file */
    assert_int_equal(vx_tl_phase_targets_load(VX_SOURCE_DIR "/data/phase_targets.json", &t, &err),
                     VX_OK);
    for (int k = 0; k < VX_TL_PHASES; k++) {
        assert_int_equal(t.phase[k].phase, k + 1);
        assert_true(t.phase[k].share > 0 && t.phase[k].share <= 1);
        assert_true(t.phase[k].date >= vx_day_from_ymd(2021, 1, 1));
        assert_true(t.phase[k].date <= vx_day_from_ymd(2021, 12, 31));
    }
    assert_int_equal(t.phase[3].date, vx_day_from_ymd(2021, 8, 15));

    static const char ok[] = "{\"version\": 1, \"phases\": ["
                             "{\"phase\": 2, \"share\": 0.8, \"date\": \"2021-04-30\"},"
                             "{\"phase\": 1, \"share\": 1, \"date\": \"2021-02-28\", "
                             "\"assumed\": true},"
                             "{\"phase\": 3, \"share\": 0.75, \"date\": \"2021-06-30\"},"
                             "{\"phase\": 4, \"share\": 0.7, \"date\": \"2021-06-30\"}]}";
    assert_int_equal(vx_tl_phase_targets_parse(ok, strlen(ok), &t, &err), VX_OK);
    assert_true(t.phase[0].assumed);
    assert_false(t.phase[1].assumed);
    assert_true(t.phase[0].share == 1.0);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"{", "not valid JSON"},
        {"{\"version\": 2, \"phases\": []}", "version"},
        {"{\"version\": 1}", "phases: an array"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 5, \"share\": 0.8, \"date\": \"2021-04-30\"}]}",
         "phases[0].phase"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 0, \"date\": \"2021-04-30\"}]}",
         "phases[0].share"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 1.5, \"date\": "
         "\"2021-04-30\"}]}",
         "phases[0].share"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-02-30\"}]}",
         "phases[0].date"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-02-28\", "
         "\"assumed\": \"yes\"}]}",
         "phases[0].assumed"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-02-28\"},"
         "{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-02-28\"}]}",
         "phase 1 twice"},
        {"{\"version\": 1, \"phases\": [{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-02-28\"}]}",
         "phase 2 missing"},
        {"{\"version\": 1, \"phases\": ["
         "{\"phase\": 1, \"share\": 0.8, \"date\": \"2021-05-28\"},"
         "{\"phase\": 2, \"share\": 0.8, \"date\": \"2021-04-30\"},"
         "{\"phase\": 3, \"share\": 0.8, \"date\": \"2021-06-30\"},"
         "{\"phase\": 4, \"share\": 0.8, \"date\": \"2021-08-15\"}]}",
         "phase 2's date is before phase 1's"},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(bad); i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(vx_tl_phase_targets_parse(bad[i].text, strlen(bad[i].text), &t, &err),
                         VX_EINVAL);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        assert_int_equal(t.phase[0].phase, 0); /* nothing half-filled */
    }
    assert_int_equal(vx_tl_phase_targets_load("/nonexistent/phase_targets.json", &t, &err), VX_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/phase_targets.json"));
}

/* Every rule id is documented in docs/report.md. */
static void test_rules_documented(void **state)
{
    (void)state;
    FILE *f = fopen(VX_SOURCE_DIR "/docs/report.md", "rb");
    assert_non_null(f);
    static char doc[1 << 17];
    size_t len = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[len] = '\0';
    int n;
    const struct vx_tl_rule *t = vx_tl_rules(&n);
    for (int i = 0; i < n; i++)
        if (!strstr(doc, t[i].id))
            fail_msg("rule %s is not in docs/report.md", t[i].id);
}

/* ------------------------------------------------------------------ compilation */

static const char codes21[21][3] = {"01", "03", "04", "05", "06", "07", "08",
                                    "09", "10", "12", "13", "14", "17", "18",
                                    "19", "20", "21", "22", "23", "24", "25"};

/* SKR, 20 January 2021: 19 regions green, 2 yellow because sharing the home-care lists
 * with the municipalities was delayed. Region 25 does not report. */
static struct vx_tl_compilation *skr_example(void)
{
    static struct vx_tl_report r[21];
    for (int i = 0; i < 20; i++)
        fill_green(&r[i], codes21[i]);
    r[3].area[VX_TL_OVERALL].color = VX_TL_YELLOW;
    snprintf(r[3].area[VX_TL_OVERALL].reason, VX_TL_REASON_MAX,
             "Delning av personuppgifter om hemtjänst med kommunerna har försenats.");
    r[7].area[VX_TL_OVERALL].color = VX_TL_YELLOW;
    snprintf(r[7].area[VX_TL_OVERALL].reason, VX_TL_REASON_MAX,
             "delning av PERSONUPPGIFTER om hemtjänst med kommunerna har försenats!!");
    r[9].area[VX_TL_SUPPLY].color = VX_TL_RED;
    snprintf(r[9].area[VX_TL_SUPPLY].reason, VX_TL_REASON_MAX, "Pfizer <halved> & late");
    r[10].area[VX_TL_SUPPLY].color = VX_TL_YELLOW;
    snprintf(r[10].area[VX_TL_SUPPLY].reason, VX_TL_REASON_MAX,
             "Leveranserna från Pfizer minskade");
    r[11].area[VX_TL_SUPPLY].color = VX_TL_YELLOW;
    snprintf(r[11].area[VX_TL_SUPPLY].reason, VX_TL_REASON_MAX,
             "Skakkänsligt vaccin försvårar transporter till hemmen");
    const char *names[21];
    for (int i = 0; i < 21; i++)
        names[i] = i == 3 ? "Östergötland" : codes21[i];
    struct vx_tl_compilation *c = calloc(1, sizeof *c);
    assert_non_null(c);
    struct vx_err err = {0};
    assert_int_equal(vx_tl_compile(202101, r, 20, codes21, names, 21, c, &err), VX_OK);
    return c;
}

static void test_compile_counts_groups(void **state)
{
    (void)state;
    struct vx_tl_compilation *c = skr_example();
    assert_int_equal(c->n_regions, 21);
    assert_int_equal(c->n_filed, 20);
    assert_int_equal(c->count[VX_TL_OVERALL][VX_TL_GREEN], 18);
    assert_int_equal(c->count[VX_TL_OVERALL][VX_TL_YELLOW], 2);
    assert_int_equal(c->count[VX_TL_OVERALL][VX_TL_RED], 0);
    assert_int_equal(c->count[VX_TL_OVERALL][VX_TL_UNKNOWN], 1);
    /* yellow first, both regions in one group with the first region's words */
    const struct vx_tl_group *g = &c->group[VX_TL_OVERALL][0];
    assert_int_equal(g->color, VX_TL_YELLOW);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->regions[0], "05");
    assert_string_equal(g->regions[1], "09");
    assert_non_null(strstr(g->reason, "Delning av personuppgifter"));
    assert_int_equal(c->group[VX_TL_OVERALL][1].color, VX_TL_GREEN);
    assert_int_equal(c->group[VX_TL_OVERALL][1].n, 18);
    assert_int_equal(c->n_groups[VX_TL_OVERALL], 2);
    /* supply: red first, then two different yellow reasons */
    assert_int_equal(c->n_groups[VX_TL_SUPPLY], 4);
    assert_int_equal(c->group[VX_TL_SUPPLY][0].color, VX_TL_RED);
    assert_int_equal(c->group[VX_TL_SUPPLY][1].color, VX_TL_YELLOW);
    assert_int_equal(c->group[VX_TL_SUPPLY][1].n, 1);
    assert_false(c->region[20].filed);
    assert_string_equal(c->region[3].name, "Östergötland");

    struct vx_buf b;
    vx_buf_init(&b, 4096);
    assert_int_equal(vx_tl_area_sentence(c, VX_TL_OVERALL, "sv", &b), VX_OK);
    assert_string_equal(b.data,
                        "18 regioner grön, 2 gul, 0 röd; 1 har inte rapporterat eller bedömt.");
    vx_buf_clear(&b);
    assert_int_equal(vx_tl_area_sentence(c, VX_TL_OVERALL, "en", &b), VX_OK);
    assert_non_null(strstr(b.data, "18 regions green, 2 yellow"));
    vx_buf_release(&b);
    free(c);
}

static void test_compile_errors(void **state)
{
    (void)state;
    struct vx_tl_report r[2];
    fill_green(&r[0], "01");
    fill_green(&r[1], "01");
    struct vx_tl_compilation *c = calloc(1, sizeof *c);
    struct vx_err err = {0};
    assert_int_equal(vx_tl_compile(202101, r, 2, codes21, NULL, 21, c, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "two reports"));
    fill_green(&r[1], "99");
    assert_int_equal(vx_tl_compile(202101, r, 2, codes21, NULL, 21, c, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "unknown region"));
    assert_int_equal(vx_tl_compile(202113, r, 1, codes21, NULL, 21, c, &err), VX_EINVAL);
    assert_int_equal(vx_tl_compile(202101, r, 1, codes21, NULL, 40, c, &err), VX_EINVAL);
    /* another month's report is ignored */
    r[1].month = 202102;
    assert_int_equal(vx_tl_compile(202101, r, 2, codes21, NULL, 21, c, &err), VX_OK);
    assert_int_equal(c->n_filed, 1);
    free(c);
}

static void test_similar(void **state)
{
    (void)state;
    assert_true(vx_tl_reason_similar("Delayed sharing of home-care lists",
                                     "sharing of home care lists delayed"));
    assert_true(vx_tl_reason_similar("ÅTGÄRD: lokaler saknas.", "åtgärd lokaler saknas"));
    assert_false(vx_tl_reason_similar("Leveranserna från Pfizer minskade",
                                      "Skakkänsligt vaccin försvårar transporter"));
    assert_false(vx_tl_reason_similar("", "något"));
    assert_true(vx_tl_reason_similar("", ""));
}

/* ------------------------------------------------------------------ JSON */

static void test_json(void **state)
{
    (void)state;
    const char *text = "{\"month\":\"2021-03\",\"areas\":{\"overall\":{\"color\":\"green\"},"
                       "\"readiness\":{\"color\":\"yellow\",\"reason\":\"Få lokaler\"}}}";
    cJSON *j = cJSON_Parse(text);
    struct vx_tl_report r;
    const char *field = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_tl_report_from_json(j, &r, &field, &err), VX_OK);
    assert_int_equal(r.month, 202103);
    assert_int_equal(r.area[VX_TL_READINESS].color, VX_TL_YELLOW);
    assert_string_equal(r.area[VX_TL_READINESS].reason, "Få lokaler");
    assert_int_equal(r.area[VX_TL_STAFF].color, VX_TL_UNKNOWN);
    cJSON_Delete(j);
    static const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"areas\":{}}", "month"},
        {"{\"month\":\"2021-03\"}", "areas"},
        {"{\"month\":\"2021-03\",\"areas\":{\"weather\":{\"color\":\"red\"}}}", "areas.weather"},
        {"{\"month\":\"2021-03\",\"areas\":{\"staff\":{\"color\":\"amber\"}}}",
         "areas.staff.color"},
        {"{\"month\":\"2021-03\",\"areas\":{\"staff\":{\"color\":\"red\",\"reason\":5}}}",
         "areas.staff.reason"},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(bad); i++) {
        j = cJSON_Parse(bad[i].json);
        assert_int_equal(vx_tl_report_from_json(j, &r, &field, &err), VX_EINVAL);
        assert_string_equal(field, bad[i].field);
        cJSON_Delete(j);
    }
    fill_green(&r, "01");
    r.id = 7;
    j = vx_tl_report_json(&r);
    assert_non_null(j);
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(j, "areas");
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(areas, "municipal_cooperation"), "color")),
        "green");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "superseded_by")));
    cJSON_Delete(j);

    struct vx_tl_compilation *c = skr_example();
    j = vx_tl_compilation_json(c);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "regions_filed")->valueint, 20);
    const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "areas"), 0);
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a0, "counts"), "yellow")
            ->valueint,
        2);
    cJSON_Delete(j);
    free(c);

    struct vx_tl_indicators in;
    memset(&in, 0, sizeof in);
    in.month = 202103;
    vx_tl_ind_set(&in, VX_TLI_STOCK_DAYS, 2.345, "x");
    struct vx_tl_suggestion s[VX_TL_AREA_COUNT];
    vx_tl_suggest(&in, s);
    j = vx_tl_suggest_json(&in, s);
    assert_non_null(j);
    const cJSON *sup = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "suggestions"), "supply_logistics");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sup, "color")),
                        "yellow");
    cJSON_Delete(j);
}

/* ------------------------------------------------------------------ renderings */

static int count(const char *hay, size_t len, const char *needle)
{
    int n = 0;
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (!memcmp(hay + i, needle, nl))
            n++;
    return n;
}

static void test_render_html(void **state)
{
    (void)state;
    struct vx_tl_compilation *c = skr_example();
    struct vx_buf b;
    vx_buf_init(&b, 1 << 22);
    struct vx_err err = {0};
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_HTML, "sv", NULL, &b, &err), VX_OK);
    assert_non_null(strstr(b.data, "<html lang=\"sv\">"));
    assert_non_null(strstr(b.data, "<strong id=\"filed\">20</strong> / 21"));
    assert_non_null(strstr(b.data, "<tr data-area=\"overall\"><th scope=\"row\">Övergripande "
                                   "bedömning</th><td class=\"n green-n\">18</td><td class=\"n "
                                   "yellow-n\">2</td><td class=\"n red-n\">0</td>"));
    assert_non_null(strstr(b.data, "gul, 2 regioner</strong> (Östergötland, 09)"));
    assert_non_null(strstr(b.data, "Pfizer &lt;halved&gt; &amp; late")); /* escaped */
    assert_null(strstr(b.data, "<halved>"));
    assert_non_null(strstr(b.data, "<title id=\"chart-t\">"));
    vx_buf_clear(&b);
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_HTML, "en", NULL, &b, &err), VX_OK);
    assert_non_null(strstr(b.data, "yellow, 2 regions</strong>"));
    /* a buffer too small: VX_ENOMEM and a message */
    struct vx_buf small;
    vx_buf_init(&small, 100);
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_HTML, "sv", NULL, &small, &err), VX_ENOMEM);
    assert_true(err.msg[0] != '\0');
    vx_buf_release(&small);
    vx_buf_release(&b);
    free(c);
}

static void test_render_pdf(void **state)
{
    (void)state;
    struct vx_tl_compilation *c = skr_example();
    for (int i = 0; i < c->n_regions; i++) {
        c->region[i].dose1_pct = 10 + i;
        c->region[i].dose2_pct = 5 + i / 2.0;
    }
    struct vx_buf b;
    vx_buf_init(&b, 1 << 24);
    struct vx_err err = {0};
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_PDF, "sv", NULL, &b, &err), VX_OK);
    assert_true(b.len > 2000);
    assert_memory_equal(b.data, "%PDF-", 5);
    /* summary + chart, coverage, reasons: at least three pages */
    int pages = count(b.data, b.len, "/Type /Page") - count(b.data, b.len, "/Type /Pages");
    assert_true(pages >= 3);
    struct vx_buf small;
    vx_buf_init(&small, 1000);
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_PDF, "en", NULL, &small, &err), VX_ENOMEM);
    assert_int_equal(small.len, 0);
    vx_buf_release(&small);
    vx_buf_release(&b);
    free(c);
}

/* The member `name` of zip `z` inflated into a new string (NULL if absent). */
static char *zip_member(const unsigned char *z, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 30 + nl <= len; i++) {
        if (memcmp(z + i, "PK\3\4", 4))
            continue;
        unsigned method = z[i + 8] | z[i + 9] << 8;
        size_t csize =
            z[i + 18] | z[i + 19] << 8 | (size_t)z[i + 20] << 16 | (size_t)z[i + 21] << 24;
        size_t fnl = z[i + 26] | z[i + 27] << 8, xl = z[i + 28] | z[i + 29] << 8;
        if (fnl != nl || memcmp(z + i + 30, name, nl))
            continue;
        const unsigned char *data = z + i + 30 + fnl + xl;
        unsigned flags = z[i + 6] | z[i + 7] << 8;
        if (flags & 8) /* sizes in a data descriptor: inflate until the stream ends */
            csize = len - (size_t)(data - z);
        size_t cap = 1 << 20;
        char *out = calloc(1, cap + 1);
        if (method == 0) {
            memcpy(out, data, csize < cap ? csize : cap);
            return out;
        }
        z_stream s;
        memset(&s, 0, sizeof s);
        inflateInit2(&s, -MAX_WBITS);
        s.next_in = (unsigned char *)data;
        s.avail_in = (uInt)csize;
        s.next_out = (unsigned char *)out;
        s.avail_out = (uInt)cap;
        int rc = inflate(&s, Z_FINISH);
        inflateEnd(&s);
        if (rc != Z_STREAM_END) {
            free(out);
            return NULL;
        }
        return out;
    }
    return NULL;
}

static void test_render_xlsx(void **state)
{
    (void)state;
    struct vx_tl_compilation *c = skr_example();
    struct vx_buf b;
    vx_buf_init(&b, 1 << 24);
    struct vx_err err = {0};
    const char *tmp = getenv("VX_TEST_TMP");
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_XLSX, "sv", tmp, &b, &err), VX_OK);
    assert_memory_equal(b.data, "PK\3\4", 4);
    char *wb = zip_member((unsigned char *)b.data, b.len, "xl/workbook.xml");
    assert_non_null(wb);
    assert_non_null(strstr(wb, "name=\"Sammanfattning\""));
    assert_non_null(strstr(wb, "name=\"Täckning\""));
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        char want[128];
        snprintf(want, sizeof want, "name=\"%s\"", vx_tl_area_info((enum vx_tl_area)a)->name_sv);
        if (!strstr(wb, want))
            fail_msg("sheet %s missing", want);
    }
    assert_non_null(strstr(wb, "name=\"Motiveringar\""));
    free(wb);
    char *chart = zip_member((unsigned char *)b.data, b.len, "xl/charts/chart1.xml");
    assert_non_null(chart);
    assert_non_null(strstr(chart, "<c:barChart>"));
    free(chart);
    char *ss = zip_member((unsigned char *)b.data, b.len, "xl/sharedStrings.xml");
    assert_non_null(ss);
    assert_non_null(strstr(ss, "Delning av personuppgifter om hemtjänst"));
    free(ss);
    /* an unusable temporary folder is an I/O error with a message */
    vx_buf_clear(&b);
    assert_int_equal(vx_tl_render(c, VX_TL_FMT_XLSX, "sv", "/nonexistent-dir", &b, &err), VX_EIO);
    assert_non_null(strstr(err.msg, "temporary"));
    assert_int_equal(b.len, 0);
    vx_buf_release(&b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_rules_thresholds),
        cmocka_unit_test(test_rules_examples),
        cmocka_unit_test(test_rules_documented),
        cmocka_unit_test(test_phase_delay),
        cmocka_unit_test(test_phase_targets),
        cmocka_unit_test(test_compile_counts_groups),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_similar),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_render_html),
        cmocka_unit_test(test_render_pdf),
        cmocka_unit_test(test_render_xlsx),
    };
    int rc = cmocka_run_group_tests_name("report", tests, NULL, NULL);
    vx_cert_render_cleanup(); /* cairo's and fontconfig's caches (PDF text) */
    return rc;
}
