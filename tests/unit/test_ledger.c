/*
 * test_ledger.c — the pure half of the ledger module (include/vx/ledger.h).
 *
 * Compensation arithmetic against hand-computed statements across tariff periods
 * (a dose on the last day of a period and one on the first day of the next), the
 * 2024 case (no agreement in force: uncovered, per month), an explicit agreement
 * beside a region-wide "*" one, adjustments changing the total, overflow refused,
 * parse errors naming the field, the real data/compensation.json, amount
 * formatting, the renderers (CSV text, PDF and XLSX signatures), the accordion
 * capacity rule and the status tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <cairo.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/ledger.h"

static vx_day day(const char *s)
{
    vx_day d = 0;
    assert_int_equal(vx_day_parse(s, &d), VX_OK);
    return d;
}

/* Region 24: Umeå (2480) has its own agreement, the rest of the county a "*" one. */
static const char table_json[] =
    "{\"currency\":\"SEK\","
    " \"state\":[{\"from\":\"2020-12-27\",\"to\":\"2021-12-31\",\"ore_per_dose\":10000},"
    "            {\"from\":\"2022-01-01\",\"to\":\"2023-12-31\",\"ore_per_dose\":7500},"
    "            {\"from\":\"2024-01-01\",\"to\":null,\"ore_per_dose\":0}],"
    " \"agreements\":["
    "  {\"id\":\"UME\",\"region\":\"24\",\"kommuner\":[\"2480\"],"
    "   \"periods\":[{\"from\":\"2021-01-01\",\"to\":\"2021-12-31\",\"ore_per_dose\":12500,"
    "                 \"assumed\":true},"
    "                {\"from\":\"2022-01-01\",\"to\":\"2023-12-31\",\"ore_per_dose\":9000}]},"
    "  {\"id\":\"AC-24\",\"region\":\"24\",\"kommuner\":\"*\","
    "   \"periods\":[{\"from\":\"2021-01-01\",\"to\":\"2021-12-31\",\"ore_per_dose\":10000}]}]}";

static struct vx_comp_table *load(const char *json)
{
    struct vx_comp_table *t = malloc(sizeof *t);
    assert_non_null(t);
    struct vx_err err = {0};
    enum vx_status rc = vx_comp_parse(json, strlen(json), t, &err);
    if (rc != VX_OK)
        fprintf(stderr, "parse: %s\n", err.msg);
    assert_int_equal(rc, VX_OK);
    return t;
}

static void test_tariff_lookup(void **state)
{
    (void)state;
    struct vx_comp_table *t = load(table_json);
    const struct vx_tariff_period *p = NULL;
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2021-12-31"), &p),
                     VX_OK);
    assert_int_equal(p->ore_per_dose, 12500);
    assert_true(p->assumed);
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2022-01-01"), &p),
                     VX_OK);
    assert_int_equal(p->ore_per_dose, 9000);
    /* explicit agreement wins; the "*" one covers the others of the region only */
    assert_string_equal(vx_comp_agreement_for(t, "24", "2480")->id, "UME");
    assert_string_equal(vx_comp_agreement_for(t, "24", "2482")->id, "AC-24");
    assert_null(vx_comp_agreement_for(t, "01", "0180"));
    assert_null(vx_comp_agreement_for(t, "24", "0180"));
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2482", day("2022-01-01"), &p),
                     VX_ENOTFOUND);
    assert_null(p);
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2024-01-01"), NULL),
                     VX_ENOTFOUND);
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2020-12-31"), NULL),
                     VX_ENOTFOUND);
    /* the state pays nothing from 2024, which is a tariff of 0, not "no agreement" */
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_STATE, "24", "", day("2030-06-01"), &p), VX_OK);
    assert_int_equal(p->ore_per_dose, 0);
    free(t);
}

static const struct vx_ledger_bucket buckets[] = {
    {"2480", 0, 1}, /* days set in the test */
    {"2480", 0, 2}, {"2480", 0, 5}, {"2480", 0, 2},  {"2480", 0, 1},
    {"2480", 0, 4}, {"2482", 0, 7}, {"0180", 0, 99}, {"2480", 0, 50},
};
static const char *const bucket_days[] = {
    "2021-12-31", "2021-12-31", "2022-01-01", "2024-01-01", "2024-01-15",
    "2024-02-01", "2021-06-01", "2021-06-01", "2020-12-31", /* before the statement */
};

static void make_buckets(struct vx_ledger_bucket *b)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(buckets); i++) {
        b[i] = buckets[i];
        b[i].day = day(bucket_days[i]);
    }
}

static void test_statement_periods(void **state)
{
    (void)state;
    struct vx_comp_table *t = load(table_json);
    struct vx_ledger_bucket b[VX_ARRAY_LEN(buckets)];
    make_buckets(b);
    struct vx_ledger_adjust adj[3] = {
        {.id = 1, .region = "24", .kommun = "2480", .amount_ore = -12500, .reason = "dubbel"},
        {.id = 2, .region = "24", .kommun = "2482", .amount_ore = 5000, .reason = "other"},
        {.id = 3, .region = "24", .kommun = "2480", .amount_ore = 777, .reason = "outside"},
    };
    adj[0].period_from = day("2021-01-01");
    adj[0].period_to = day("2021-12-31");
    adj[1].period_from = day("2021-01-01");
    adj[1].period_to = day("2021-12-31");
    adj[2].period_from = day("2019-01-01");
    adj[2].period_to = day("2019-12-31");
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    struct vx_err err = {0};
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2024-02-29"), b, VX_ARRAY_LEN(b), adj, 3, &s, &err),
                     VX_OK);
    /* by hand:
     *   2480 2021-01-01..2021-12-31  3 x 125,00 =  375,00
     *   2480 2022-01-01..2023-12-31  5 x  90,00 =  450,00
     *   2480 2024-01 (no agreement)  3
     *   2480 2024-02 (no agreement)  4
     *   2482 2021-01-01..2021-12-31  7 x 100,00 =  700,00  ("*" agreement)
     *   subtotal 1525,00; adjustments -125,00 + 50,00 = -75,00; total 1450,00 */
    assert_int_equal(s.n_lines, 5);
    assert_string_equal(s.lines[0].kommun, "2480");
    assert_true(s.lines[0].covered);
    assert_int_equal(s.lines[0].from, day("2021-01-01"));
    assert_int_equal(s.lines[0].to, day("2021-12-31"));
    assert_int_equal(s.lines[0].doses, 3);
    assert_int_equal(s.lines[0].amount_ore, 37500);
    assert_string_equal(s.lines[0].agreement, "UME");
    assert_true(s.lines[0].assumed);
    assert_int_equal(s.lines[1].doses, 5);
    assert_int_equal(s.lines[1].ore_per_dose, 9000);
    assert_int_equal(s.lines[1].amount_ore, 45000);
    assert_int_equal(s.lines[1].to, day("2023-12-31"));
    assert_false(s.lines[2].covered);
    assert_int_equal(s.lines[2].from, day("2024-01-01"));
    assert_int_equal(s.lines[2].to, day("2024-01-31"));
    assert_int_equal(s.lines[2].doses, 3);
    assert_int_equal(s.lines[2].amount_ore, 0);
    assert_false(s.lines[3].covered);
    assert_int_equal(s.lines[3].doses, 4);
    assert_int_equal(s.lines[3].to, day("2024-02-29")); /* clipped month */
    assert_string_equal(s.lines[4].kommun, "2482");
    assert_string_equal(s.lines[4].agreement, "AC-24");
    assert_int_equal(s.lines[4].amount_ore, 70000);
    assert_int_equal(s.doses_total, 22);
    assert_int_equal(s.doses_covered, 15);
    assert_int_equal(s.doses_uncovered, 7);
    assert_int_equal(s.subtotal_ore, 152500);
    assert_int_equal(s.n_adjust, 2);
    assert_int_equal(s.adjust_ore, -7500);
    assert_int_equal(s.total_ore, 145000);

    /* one municipality: only its lines and adjustments */
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "2480", day("2021-01-01"),
                                         day("2024-02-29"), b, VX_ARRAY_LEN(b), adj, 3, &s, &err),
                     VX_OK);
    assert_int_equal(s.n_lines, 4);
    assert_int_equal(s.subtotal_ore, 82500);
    assert_int_equal(s.total_ore, 70000);

    /* a statement ending on the last day of a period leaves the next day out */
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "2480", day("2021-01-01"),
                                         day("2021-12-31"), b, VX_ARRAY_LEN(b), NULL, 0, &s, &err),
                     VX_OK);
    assert_int_equal(s.n_lines, 1);
    assert_int_equal(s.total_ore, 37500);

    /* the state to the region: every municipality, one line per period */
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_STATE, "24", "", day("2021-01-01"),
                                         day("2024-02-29"), b, VX_ARRAY_LEN(b), adj, 3, &s, &err),
                     VX_OK);
    /* 2021: 3 + 7 + 99 (0180's bucket: the state counts what it is given) = 109 x 100,00;
     * 2022-23: 5 x 75,00; 2024: 7 x 0 */
    assert_int_equal(s.n_lines, 3);
    assert_int_equal(s.lines[0].doses, 109);
    assert_int_equal(s.lines[0].amount_ore, 1090000);
    assert_string_equal(s.lines[0].agreement, "state");
    assert_int_equal(s.lines[1].amount_ore, 37500);
    assert_true(s.lines[2].covered);
    assert_int_equal(s.lines[2].amount_ore, 0);
    assert_int_equal(s.n_adjust, 0); /* municipal adjustments are not the state's */
    assert_int_equal(s.total_ore, 1127500);
    vx_ledger_statement_release(&s);
    free(t);
}

static void test_statement_errors(void **state)
{
    (void)state;
    struct vx_comp_table *t = load(table_json);
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    struct vx_err err = {0};
    struct vx_ledger_bucket big = {"2480", day("2021-05-05"), INT64_MAX / 1000};
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2021-12-31"), &big, 1, NULL, 0, &s, &err),
                     VX_ERANGE);
    assert_non_null(strstr(err.msg, "too large"));
    assert_int_equal(s.n_lines, 0);
    assert_null(s.lines);
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-12-31"),
                                         day("2021-01-01"), NULL, 0, NULL, 0, &s, &err),
                     VX_EINVAL);
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "0180", day("2021-01-01"),
                                         day("2021-12-31"), NULL, 0, NULL, 0, &s, &err),
                     VX_EINVAL);
    assert_non_null(strstr(err.msg, "kommun"));
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "2", "", day("2021-01-01"),
                                         day("2021-12-31"), NULL, 0, NULL, 0, &s, &err),
                     VX_EINVAL);
    struct vx_ledger_adjust huge = {
        .region = "24", .kommun = "2480", .amount_ore = VX_LEDGER_MAX_ORE + 1};
    huge.period_from = day("2021-01-01");
    huge.period_to = day("2021-01-01");
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2021-12-31"), NULL, 0, &huge, 1, &s, &err),
                     VX_ERANGE);
    /* empty statement */
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2021-12-31"), NULL, 0, NULL, 0, &s, &err),
                     VX_OK);
    assert_int_equal(s.total_ore, 0);
    vx_ledger_statement_release(&s);
    free(t);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *json, *needle;
        enum vx_status rc;
    } cases[] = {
        {"{", "JSON", VX_EPARSE},
        {"{\"currency\":\"SEK\",\"state\":[],\"agreements\":{}}", "agreements", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[{\"from\":\"2021-02-30\",\"ore_per_dose\":1}],"
         "\"agreements\":[]}",
         "state[0].from", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[{\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
         "\"ore_per_dose\":1},{\"from\":\"2021-12-31\",\"ore_per_dose\":2}],\"agreements\":[]}",
         "state[1].from: overlaps", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[{\"from\":\"2021-01-01\",\"ore_per_dose\":-1}],"
         "\"agreements\":[]}",
         "ore_per_dose", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[{\"from\":\"2021-01-01\",\"ore_per_dose\":1.5}],"
         "\"agreements\":[]}",
         "ore_per_dose", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[],\"agreements\":[{\"id\":\"A\",\"region\":\"24\","
         "\"kommuner\":[\"0180\"],\"periods\":[]}]}",
         "agreements[0].kommuner[0]", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[],\"agreements\":["
         "{\"id\":\"A\",\"region\":\"24\",\"kommuner\":\"*\",\"periods\":[]},"
         "{\"id\":\"B\",\"region\":\"24\",\"kommuner\":\"*\",\"periods\":[]}]}",
         "two \"*\"", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[],\"agreements\":["
         "{\"id\":\"A\",\"region\":\"24\",\"kommuner\":[\"2480\"],\"periods\":[]},"
         "{\"id\":\"B\",\"region\":\"24\",\"kommuner\":[\"2480\"],\"periods\":[]}]}",
         "already in agreement A", VX_EINVAL},
        {"{\"currency\":\"SEK\",\"state\":[],\"agreements\":[{\"id\":\"A\",\"region\":\"X\","
         "\"kommuner\":\"*\",\"periods\":[]}]}",
         "agreements[0].region", VX_EINVAL},
        {"{\"state\":[],\"agreements\":[]}", "currency", VX_EINVAL},
    };
    struct vx_comp_table *t = malloc(sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        struct vx_err err = {0};
        enum vx_status rc = vx_comp_parse(cases[i].json, strlen(cases[i].json), t, &err);
        if (rc != cases[i].rc || !strstr(err.msg, cases[i].needle))
            fprintf(stderr, "case %zu: %d %s\n", i, rc, err.msg);
        assert_int_equal(rc, cases[i].rc);
        assert_non_null(strstr(err.msg, cases[i].needle));
        assert_int_equal(t->n_agreements, 0); /* nothing half-parsed */
    }
    free(t);
}

static void test_real_data(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(VX_SOURCE_DIR "/data/compensation.json", &len);
    struct vx_comp_table *t = malloc(sizeof *t);
    assert_non_null(t);
    struct vx_err err = {0};
    assert_int_equal(vx_comp_parse(text, len, t, &err), VX_OK);
    free(text);
    const struct vx_tariff_period *p;
    /* Västerbotten: an agreement until 2023, none in force from 2024 */
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2023-12-31"), &p),
                     VX_OK);
    assert_true(p->ore_per_dose > 0);
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_REGION, "24", "2480", day("2024-01-01"), &p),
                     VX_ENOTFOUND);
    /* the state: nothing from 2024, from a cited source (not assumed) */
    assert_int_equal(vx_comp_tariff(t, VX_PAYER_STATE, "24", "", day("2024-01-01"), &p), VX_OK);
    assert_int_equal(p->ore_per_dose, 0);
    assert_false(p->assumed);
    assert_non_null(strstr(p->source, "VB-LSG-2024"));
    free(t);
}

static void test_format(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(vx_ledger_format_ore(123456789, "sv", b, sizeof b), "1 234 567,89");
    assert_string_equal(vx_ledger_format_ore(123456789, "en", b, sizeof b), "1,234,567.89");
    assert_string_equal(vx_ledger_format_ore(-5, "sv", b, sizeof b), "-0,05");
    assert_string_equal(vx_ledger_format_ore(100000, "sv", b, sizeof b), "1 000,00");
    assert_string_equal(vx_ledger_format_ore(0, "en", b, sizeof b), "0.00");
    assert_string_equal(vx_ledger_format_ore(VX_LEDGER_MAX_ORE, "en", b, sizeof b),
                        "9,000,000,000,000.00");
}

static void name_fn(void *ctx, const char *kommun, char *out, size_t cap)
{
    (*(int *)ctx)++;
    snprintf(out, cap, "%s", !strcmp(kommun, "2480") ? "Umeå" : "Skellefteå");
}

static void test_render(void **state)
{
    (void)state;
    struct vx_comp_table *t = load(table_json);
    struct vx_ledger_bucket b[VX_ARRAY_LEN(buckets)];
    make_buckets(b);
    struct vx_ledger_adjust adj = {.id = 1,
                                   .region = "24",
                                   .kommun = "2480",
                                   .amount_ore = -12500,
                                   .reason = "Dubbelregistrerad, \"fel\"",
                                   .decided_by = "rk1",
                                   .decided_at = 1700000000};
    adj.period_from = day("2021-01-01");
    adj.period_to = day("2021-12-31");
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    struct vx_err err = {0};
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2024-02-29"), b, VX_ARRAY_LEN(b), &adj, 1, &s, &err),
                     VX_OK);
    snprintf(s.region_name, sizeof s.region_name, "Västerbottens län");
    int calls = 0;
    vx_ledger_statement_names(&s, name_fn, &calls);
    assert_int_equal(calls, 2); /* once per municipality */
    assert_string_equal(s.lines[3].kommun_name, "Umeå");
    assert_string_equal(s.lines[4].kommun_name, "Skellefteå");

    struct vx_buf out;
    vx_buf_init(&out, 8u << 20);
    assert_int_equal(vx_ledger_statement_csv(&s, "en", &out), VX_OK);
    assert_non_null(strstr(out.data, "line,24,2480,Umeå,2021-01-01,2021-12-31,1,UME,3,12500,37500,"
                                     "375.00,,\r\n"));
    assert_non_null(strstr(out.data, "\"Dubbelregistrerad, \"\"fel\"\"\",rk1\r\n"));
    assert_non_null(strstr(out.data, "total,24,,,2021-01-01,2024-02-29,,,22,,140000,1400.00"));
    vx_buf_clear(&out);
    assert_int_equal(vx_ledger_statement_pdf(&s, "sv", "24-2480-2021", &out, &err), VX_OK);
    assert_true(out.len > 1000);
    assert_memory_equal(out.data, "%PDF", 4);
    vx_buf_clear(&out);
    assert_int_equal(vx_ledger_statement_xlsx(&s, "en", &out, &err), VX_OK);
    assert_true(out.len > 1000);
    assert_memory_equal(out.data, "PK\x03\x04", 4); /* a zip container */
    vx_buf_release(&out);

    /* a buffer too small: the PDF fails cleanly */
    vx_buf_init(&out, 100);
    assert_int_not_equal(vx_ledger_statement_pdf(&s, "sv", NULL, &out, &err), VX_OK);
    assert_int_equal(out.len, 0);
    vx_buf_release(&out);
    vx_ledger_statement_release(&s);
    free(t);
}

static void test_accordion(void **state)
{
    (void)state;
    static const struct {
        struct vx_accordion_in in;
        int staffed, by_staff, capacity;
        enum vx_cap_limit limit;
    } cases[] = {
        /* 6 stations, 4 vaccinators, 8 h at 5 min: 4 x 96 = 384 */
        {{6, 4, 480, 5, -1, -1}, 4, 384, 384, VX_CAP_STAFF},
        {{6, 9, 480, 5, -1, -1}, 6, 576, 576, VX_CAP_STAFF},
        {{6, 9, 480, 5, 300, -1}, 6, 576, 300, VX_CAP_PREMISES},
        {{6, 9, 480, 5, 300, 120}, 6, 576, 120, VX_CAP_SUPPLY},
        {{6, 9, 480, 5, 576, 576}, 6, 576, 576, VX_CAP_STAFF}, /* ties name staff */
        {{6, 0, 480, 5, 300, 120}, 0, 0, 0, VX_CAP_STAFF},
        {{2, 2, 479, 10, -1, 0}, 2, 94, 0, VX_CAP_SUPPLY}, /* 47 whole doses a station */
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        struct vx_accordion_out o;
        assert_int_equal(vx_accordion(&cases[i].in, &o), VX_OK);
        assert_int_equal(o.staffed_stations, cases[i].staffed);
        assert_int_equal(o.by_staff, cases[i].by_staff);
        assert_int_equal(o.capacity, cases[i].capacity);
        assert_int_equal(o.limit, cases[i].limit);
    }
    struct vx_accordion_out o;
    struct vx_accordion_in bad = {6, 4, 480, 0, -1, -1};
    assert_int_equal(vx_accordion(&bad, &o), VX_EINVAL);
    bad.minutes_per_dose = 5;
    bad.vaccinators = -1;
    assert_int_equal(vx_accordion(&bad, &o), VX_EINVAL);
    assert_string_equal(vx_cap_limit_code(VX_CAP_PREMISES), "premises");
}

static void test_codes(void **state)
{
    (void)state;
    enum vx_travel_status ts;
    assert_int_equal(vx_travel_status_parse("ordered", &ts), VX_OK);
    assert_int_equal(ts, VX_TRAVEL_ORDERED);
    assert_int_equal(vx_travel_status_parse("lost", &ts), VX_EINVAL);
    assert_int_equal(vx_travel_status_parse(NULL, &ts), VX_EINVAL);
    assert_true(vx_travel_transition_ok(VX_TRAVEL_REQUESTED, VX_TRAVEL_ORDERED));
    assert_true(vx_travel_transition_ok(VX_TRAVEL_REQUESTED, VX_TRAVEL_CANCELLED));
    assert_true(vx_travel_transition_ok(VX_TRAVEL_ORDERED, VX_TRAVEL_DONE));
    assert_false(vx_travel_transition_ok(VX_TRAVEL_REQUESTED, VX_TRAVEL_DONE));
    assert_false(vx_travel_transition_ok(VX_TRAVEL_DONE, VX_TRAVEL_CANCELLED));
    assert_false(vx_travel_transition_ok(VX_TRAVEL_CANCELLED, VX_TRAVEL_REQUESTED));
    assert_false(vx_travel_transition_ok(VX_TRAVEL_STATUS_COUNT, VX_TRAVEL_DONE));
    enum vx_competence c;
    assert_int_equal(vx_competence_parse("host", &c), VX_OK);
    assert_int_equal(c, VX_COMP_HOST);
    assert_string_equal(vx_competence_code(VX_COMP_REGISTRATION), "registration");
    enum vx_council_status cs;
    assert_int_equal(vx_council_status_parse("doing", &cs), VX_OK);
    assert_string_equal(vx_council_kind_code(VX_COUNCIL_DECISION), "decision");
    enum vx_dispute_status ds;
    assert_int_equal(vx_dispute_status_parse("rejected", &ds), VX_OK);
    enum vx_premises_status ps;
    assert_int_equal(vx_premises_status_parse("accepted", &ps), VX_OK);
    enum vx_payer pay;
    assert_int_equal(vx_payer_parse("state", &pay), VX_OK);
    assert_int_equal(pay, VX_PAYER_STATE);
    assert_int_equal(vx_payer_parse("kommun", &pay), VX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tariff_lookup),
        cmocka_unit_test(test_statement_periods),
        cmocka_unit_test(test_statement_errors),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_real_data),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_accordion),
        cmocka_unit_test(test_codes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    /* cairo and fontconfig keep process-wide caches; free them so LeakSanitizer
     * sees only our memory (fontconfig is reached through cairo, hence dlsym) */
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
    return rc;
}
