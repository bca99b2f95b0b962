/*
 * test_elig.c — eligibility rules: the shipped table (data/eligibility.json) against
 * the table-driven cases of tests/cases/eligibility.csv (every rule, every
 * boundary: opening days, birthdays on the cut-off day, 29 February births, 100+,
 * samordningsnummer, interim numbers), the Swedish and English reasons, regional
 * opening-date overrides, and one parse error per validation rule.
 *
 * The CLI handlers (`person eligibility`, `person show`, `rules list`) run in-process
 * against a scratch SQLite store under $VX_TEST_TMP, checking output, exit codes and
 * that each read of a stored person leaves an audit row without the personnummer.
 *
 * The persons are Skatteverket test personnummer/samordningsnummer (shared/data) and
 * the personnummer/meta interim example; none is a real person.
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
#include <sqlite3.h>
#include <unistd.h>
#include "../../src/cli/cli_int.h"
#include "vx/arena.h"
#include "vx/csv.h"
#include "vx/elig.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define RULES_PATH VX_SOURCE_DIR "/data/eligibility.json"
#define CASES_PATH VX_SOURCE_DIR "/tests/cases/eligibility.csv"

struct fixture {
    struct vx_arena arena;
    struct vx_elig_table t;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    vx_arena_init(&fx->arena, 0);
    size_t len;
    char *json = slurp(RULES_PATH, &len);
    struct vx_err err = {0};
    enum vx_status st = vx_elig_parse(json, len, &fx->arena, &fx->t, &err);
    free(json);
    if (st != VX_OK) {
        fprintf(stderr, "%s: %s\n", RULES_PATH, err.msg);
        vx_arena_release(&fx->arena);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    vx_arena_release(&fx->arena);
    free(fx);
    return 0;
}

static vx_day day(const char *s)
{
    vx_day d = 0;
    if (vx_day_parse(s, &d) != VX_OK)
        fail_msg("bad date in test: %s", s);
    return d;
}

/* Numbers are read as on 2026-11-25 (as the pnr tests do): '+' and the century of a
 * 10-digit number then mean what they mean today; evaluation dates are separate. */
static void make_person(const char *pnr, struct vx_person *p)
{
    memset(p, 0, sizeof *p);
    struct vx_pnr_opts o = vx_pnr_opts_default(day("2026-11-25"));
    struct vx_pnr_error e;
    if (vx_pnr_parse(pnr, &o, &p->pnr, &e) != VX_OK) {
        char why[128];
        vx_pnr_error_text(&e, why, sizeof why);
        fail_msg("test number %s rejected: %s", pnr, why);
    }
}

static void test_shipped_table(void **state)
{
    struct fixture *fx = *state;
    const struct vx_elig_table *t = &fx->t;
    assert_int_equal(t->n_rules, 23);
    assert_int_equal(t->n_risks, 10);
    assert_int_equal(t->min_age, 12);
    for (int i = 1; i < t->n_rules; i++)
        assert_true(t->rules[i - 1].priority < t->rules[i].priority);
    /* every phase 1..4 is present, in order */
    int last_phase = 1;
    for (int i = 0; i < t->n_rules; i++) {
        assert_true(t->rules[i].phase >= last_phase);
        last_phase = t->rules[i].phase;
    }
    assert_int_equal(last_phase, 4);
    const struct vx_elig_rule *r = vx_elig_rule_find(t, "p2-80plus");
    assert_non_null(r);
    assert_string_equal(r->step, "2a");
    assert_int_equal(r->born_to, 1941);
    assert_int_equal(r->opens, day("2021-03-08"));
    r = vx_elig_rule_find(t, "p2-lss");
    assert_non_null(r);
    assert_int_equal(r->match, VX_ELIG_MATCH_ANY);
    assert_int_equal(r->residences, 1u << VX_RES_LSS_HOME);
    assert_int_equal(r->flags_any, VX_PF_LSS_ASSISTANCE);
    assert_null(vx_elig_rule_find(t, "p9-nobody"));
    const struct vx_elig_risk *k = vx_elig_risk_find(t, "dialysis");
    assert_non_null(k);
    assert_int_equal(k->bit, 0);
    assert_ptr_equal(vx_elig_risk_by_bit(t, 6), vx_elig_risk_find(t, "diabetes"));
    assert_null(vx_elig_risk_by_bit(t, 31));
    assert_null(vx_elig_risk_find(t, "gout"));
}

static int why_from_code(const char *s)
{
    for (int w = VX_ELIG_OPEN; w <= VX_ELIG_NOT_BORN; w++)
        if (!strcmp(s, vx_elig_why_code((enum vx_elig_why)w)))
            return w;
    fail_msg("unknown why code in cases: %s", s);
    return -1;
}

static uint32_t parse_flags(const char *s)
{
    uint32_t m = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, "|", &save); tok;
         tok = strtok_r(NULL, "|", &save)) {
        uint32_t f;
        if (vx_elig_flag_parse(tok, &f) != VX_OK)
            fail_msg("unknown flag in cases: %s", tok);
        m |= f;
    }
    return m;
}

static void test_cases(void **state)
{
    struct fixture *fx = *state;
    const struct vx_elig_table *t = &fx->t;
    size_t len;
    char *text = slurp(CASES_PATH, &len);
    bool covered[VX_ELIG_MAX_RULES] = {false};
    bool why_seen[VX_ELIG_NOT_BORN + 1] = {false};
    int rows = 0, line = 0;
    char *save = NULL;
    for (char *rec = strtok_r(text, "\n", &save); rec; rec = strtok_r(NULL, "\n", &save)) {
        line++;
        char *f[VX_CSV_MAX_FIELDS];
        int n;
        struct vx_err err = {0};
        if (vx_csv_split(rec, strlen(rec), ',', f, VX_CSV_MAX_FIELDS, &n, &err) != VX_OK)
            fail_msg("%s line %d: %s", CASES_PATH, line, err.msg);
        assert_int_equal(n, 10);
        if (line == 1) {
            assert_string_equal(f[0], "pnr");
            continue;
        }
        struct vx_person p;
        make_person(f[0], &p);
        if (vx_residence_parse(f[1], &p.residence) != VX_OK)
            fail_msg("line %d: bad residence %s", line, f[1]);
        if (vx_elig_risk_parse_list(t, f[2], &p.risk, &err) != VX_OK)
            fail_msg("line %d: %s", line, err.msg);
        p.flags = parse_flags(f[3]);
        struct vx_elig_result res;
        assert_int_equal(vx_elig_eval(t, NULL, &p, day(f[4]), &res), VX_OK);
        const char *got_rule = res.rule ? res.rule->id : "-";
        bool want_eligible = !strcmp(f[5], "1");
        int want_why = why_from_code(f[7]);
        int want_min = *f[8] ? (int)strtol(f[8], NULL, 10) : 0;
        if (res.eligible != want_eligible || strcmp(got_rule, f[6]) || (int)res.why != want_why ||
            res.min_age != want_min)
            fail_msg("line %d (%s at %s, %s): got eligible=%d rule=%s why=%s min_age=%d; "
                     "want %s %s %s %d\n  reason: %s",
                     line, f[0], f[4], f[9], res.eligible, got_rule, vx_elig_why_code(res.why),
                     res.min_age, f[5], f[6], f[7], want_min, res.reason_en);
        assert_true(res.reason_sv[0] && res.reason_en[0]);
        if (res.rule)
            covered[res.rule - t->rules] = true;
        why_seen[res.why] = true;
        rows++;
    }
    free(text);
    assert_true(rows >= 40);
    for (int i = 0; i < t->n_rules; i++)
        if (!covered[i])
            fail_msg("rule %s is not covered by %s", t->rules[i].id, CASES_PATH);
    assert_true(why_seen[VX_ELIG_OPEN] && why_seen[VX_ELIG_NOT_OPEN] &&
                why_seen[VX_ELIG_UNDER_AGE] && why_seen[VX_ELIG_DECEASED] &&
                why_seen[VX_ELIG_NOT_BORN]);
}

static void test_reasons(void **state)
{
    struct fixture *fx = *state;
    struct vx_person p;
    struct vx_elig_result r;

    make_person("194112128154", &p);
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-03-10"), &r), VX_OK);
    assert_true(r.eligible);
    assert_int_equal(r.age, 79);
    assert_string_equal(r.reason_sv, "Du tillhör fas 2, steg 2a: 80 år och äldre (födda 1941 "
                                     "eller tidigare). Steget öppnade 2021-03-08 och du kan "
                                     "vaccineras nu.");
    assert_string_equal(r.reason_en, "You belong to phase 2, step 2a: aged 80 and over (born "
                                     "1941 or earlier). The step opened on 2021-03-08 and you "
                                     "can be vaccinated now.");

    make_person("195202262357", &p);
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-03-10"), &r), VX_OK);
    assert_false(r.eligible);
    assert_int_equal(r.opens, day("2021-04-15"));
    assert_string_equal(r.reason_sv, "Du tillhör fas 2, steg 2d: 65–69 år (födda 1952–1956). "
                                     "Steget öppnar 2021-04-15; du kan inte vaccineras ännu.");

    make_person("200508102381", &p);
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-08-09"), &r), VX_OK);
    assert_string_equal(r.reason_sv, "Du är under 16 år och kan inte vaccineras ännu. Din grupp, "
                                     "fas 4 steg 4j (12–15 år), öppnar 2021-11-01.");
    assert_string_equal(r.reason_en, "You are under 16 and cannot be vaccinated yet. Your group, "
                                     "phase 4 step 4j (aged 12–15), opens on 2021-11-01.");

    make_person("201201012380", &p);
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-12-01"), &r), VX_OK);
    assert_null(r.rule);
    assert_int_equal(r.min_age, 12);
    assert_string_equal(r.reason_en, "You are under 12 and cannot be vaccinated; no group of the "
                                     "priority order covers you.");

    make_person("194101298265", &p);
    p.flags = VX_PF_DECEASED | VX_PF_CARE_STAFF;
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-06-01"), &r), VX_OK);
    assert_false(r.eligible);
    assert_int_equal(r.why, VX_ELIG_DECEASED);
    assert_null(r.rule);
    assert_string_equal(r.reason_sv, "Personen är registrerad som avliden och kan inte "
                                     "vaccineras.");
}

static void test_region_override(void **state)
{
    struct fixture *fx = *state;
    struct vx_elig_openings o;
    struct vx_err err = {0};
    vx_elig_openings_init(&fx->t, &o);
    assert_int_equal(o.n_rules, fx->t.n_rules);
    assert_int_equal(vx_elig_openings_set(&fx->t, &o, "p2-80plus", day("2021-02-15"), &err), VX_OK);
    assert_int_equal(vx_elig_openings_set(&fx->t, &o, "p9-none", day("2021-02-15"), &err),
                     VX_ENOTFOUND);
    assert_non_null(strstr(err.msg, "p9-none"));

    struct vx_person p;
    struct vx_elig_result r;
    make_person("192002169239", &p);
    /* national: not open on 2021-02-20; the region opened 2a on 2021-02-15 */
    assert_int_equal(vx_elig_eval(&fx->t, NULL, &p, day("2021-02-20"), &r), VX_OK);
    assert_false(r.eligible);
    assert_false(r.opens_overridden);
    assert_int_equal(vx_elig_eval(&fx->t, &o, &p, day("2021-02-20"), &r), VX_OK);
    assert_true(r.eligible);
    assert_true(r.opens_overridden);
    assert_int_equal(r.opens, day("2021-02-15"));
    assert_non_null(strstr(r.reason_sv, "öppnade 2021-02-15"));
    /* the table itself is untouched */
    assert_int_equal(vx_elig_rule_find(&fx->t, "p2-80plus")->opens, day("2021-03-08"));

    /* a later regional date delays the step */
    assert_int_equal(vx_elig_openings_set(&fx->t, &o, "p4-18plus", day("2021-07-20"), &err), VX_OK);
    make_person("199201028769", &p);
    assert_int_equal(vx_elig_eval(&fx->t, &o, &p, day("2021-07-10"), &r), VX_OK);
    assert_false(r.eligible);
    assert_int_equal(r.opens, day("2021-07-20"));

    /* openings made for another table are refused */
    struct vx_elig_openings bad = o;
    bad.n_rules = 3;
    assert_int_equal(vx_elig_eval(&fx->t, &bad, &p, day("2021-07-10"), &r), VX_EINVAL);
}

static void test_lists(void **state)
{
    struct fixture *fx = *state;
    uint32_t m = 0;
    struct vx_err err = {0};
    assert_int_equal(vx_elig_risk_parse_list(&fx->t, "diabetes, dialysis;down_syndrome|", &m, &err),
                     VX_OK);
    assert_int_equal(m, (1u << 6) | (1u << 0) | (1u << 8));
    char buf[128];
    assert_int_equal(vx_elig_risk_format_list(&fx->t, m | (1u << 30), buf, sizeof buf), VX_OK);
    assert_string_equal(buf, "dialysis,diabetes,down_syndrome,bit30");
    assert_int_equal(vx_elig_risk_format_list(&fx->t, m, buf, 10), VX_ENOMEM);
    assert_int_equal(vx_elig_risk_parse_list(&fx->t, "", &m, &err), VX_OK);
    assert_int_equal(m, 0);
    assert_int_equal(vx_elig_risk_parse_list(&fx->t, "diabetes,gout", &m, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "'gout'"));
    assert_int_equal(vx_elig_risk_parse_list(
                         &fx->t, "a_very_long_code_that_is_not_in_the_table_at_all", &m, &err),
                     VX_EINVAL);

    uint32_t f;
    assert_int_equal(vx_elig_flag_parse("care_staff", &f), VX_OK);
    assert_int_equal(f, VX_PF_CARE_STAFF);
    assert_int_equal(vx_elig_flag_parse("deceased", &f), VX_OK);
    assert_int_equal(f, VX_PF_DECEASED);
    assert_int_equal(vx_elig_flag_parse("vip", &f), VX_EINVAL);
    assert_string_equal(vx_elig_flag_code(VX_PF_HEALTH_STAFF), "health_staff");
    assert_string_equal(vx_elig_flag_code(1u << 20), "unknown");
    assert_string_equal(vx_elig_why_code(VX_ELIG_UNDER_AGE), "under_age");
    assert_string_equal(vx_elig_why_code((enum vx_elig_why)99), "unknown");
}

/* ---- parser ------------------------------------------------------------------- */

#define RISKS "\"risk_codes\":[{\"code\":\"diabetes\",\"bit\":6,\"sv\":\"D\",\"en\":\"D\"}]"
#define LABEL "\"label\":{\"sv\":\"x\",\"en\":\"x\"}"
#define RULE(id, prio, when)                                                                       \
    "{\"id\":\"" id "\",\"phase\":2,\"step\":\"2a\",\"priority\":" #prio ",\"when\":{" when        \
    "},\"opens\":\"2021-03-08\"," LABEL "}"
#define TABLE(rules) "{\"version\":1," RISKS ",\"rules\":[" rules "]}"

static enum vx_status parse(const char *json, struct vx_err *err, struct vx_elig_table *t,
                            struct vx_arena *a)
{
    vx_arena_init(a, 0);
    return vx_elig_parse(json, strlen(json), a, t, err);
}

static void test_parse_ok(void **state)
{
    (void)state;
    struct vx_arena a;
    struct vx_elig_table t;
    struct vx_err err = {0};
    /* out of priority order, comments, match any, both age and year bounds */
    const char *json =
        "{\"_comment\":\"x\",\"version\":1," RISKS ",\"rules\":["
        "{\"id\":\"late\",\"phase\":4,\"step\":\"4a\",\"priority\":9,\"opens\":\"2021-07-09\","
        "\"when\":{\"age_min\":18}," LABEL "},"
        "{\"id\":\"early\",\"phase\":1,\"step\":\"1a\",\"priority\":1,\"opens\":\"2020-12-27\","
        "\"_note\":\"y\",\"when\":{\"residence\":[\"special_housing\"],\"risk_any\":"
        "[\"diabetes\"],\"match\":\"any\",\"age_min\":16,\"born_from\":1900,\"born_to\":2010},"
        "\"source\":\"s\"," LABEL "}]}";
    assert_int_equal(parse(json, &err, &t, &a), VX_OK);
    assert_int_equal(t.n_rules, 2);
    assert_string_equal(t.rules[0].id, "early");
    assert_string_equal(t.rules[1].id, "late");
    assert_int_equal(t.min_age, 16);
    assert_string_equal(t.name, "");

    struct vx_person p;
    make_person("199101132380", &p);
    p.risk = 1u << 6; /* diabetes only: "any" matches without special housing */
    assert_true(vx_elig_rule_matches(&t.rules[0], &p, day("2021-01-01")));
    p.risk = 0;
    assert_false(vx_elig_rule_matches(&t.rules[0], &p, day("2021-01-01")));
    p.residence = VX_RES_SPECIAL_HOUSING;
    assert_true(vx_elig_rule_matches(&t.rules[0], &p, day("2021-01-01")));
    vx_arena_release(&a);

    /* match "all": both the residence and the risk are needed */
    json = TABLE(RULE("r", 1, "\"residence\":[\"home_care\"],\"risk_any\":[\"diabetes\"]"));
    assert_int_equal(parse(json, &err, &t, &a), VX_OK);
    p.residence = VX_RES_HOME_CARE;
    assert_false(vx_elig_rule_matches(&t.rules[0], &p, day("2021-01-01")));
    p.risk = 1u << 6;
    assert_true(vx_elig_rule_matches(&t.rules[0], &p, day("2021-01-01")));
    vx_arena_release(&a);

    /* a table whose only rule does not match: "no rule" */
    json = TABLE(RULE("r", 1, "\"residence\":[\"lss_home\"]"));
    assert_int_equal(parse(json, &err, &t, &a), VX_OK);
    struct vx_elig_result r;
    p.residence = VX_RES_OWN_HOME;
    assert_int_equal(vx_elig_eval(&t, NULL, &p, day("2021-06-01"), &r), VX_OK);
    assert_int_equal(r.why, VX_ELIG_NO_RULE);
    assert_string_equal(r.reason_en, "No group of the priority order covers you on this date.");
    vx_arena_release(&a);
}

static const struct {
    const char *json;
    enum vx_status status;
    const char *msg; /* expected part of the message */
} bad[] = {
    {"{\"version\":1,", VX_EPARSE, "malformed JSON near line 1"},
    {"{\n\"version\":1,\n\"rules\":[x]}", VX_EPARSE, "line 3"},
    {"[]", VX_EPARSE, "expected a JSON object"},
    {"{\"version\":2,\"rules\":[]}", VX_EINVAL, "field 'version': 2 is outside 1..1"},
    {"{\"version\":1}", VX_EPARSE, "field 'rules' is missing"},
    {"{\"version\":1,\"rules\":[]}", VX_EPARSE, "non-empty array"},
    {"{\"version\":1,\"rulez\":[]}", VX_EPARSE, "unknown field 'rulez'"},
    {"{\"version\":1,\"version\":1}", VX_EPARSE, "field 'version' given twice"},
    {TABLE(RULE("a", 1, "") "," RULE("a", 2, "")), VX_EINVAL, "rules[1] 'a': duplicate rule id"},
    {TABLE(RULE("a", 1, "") "," RULE("b", 1, "")), VX_EINVAL,
     "rules[1] 'b': priority 1 is already used by rule 'a'"},
    {TABLE(RULE("a", 1, "\"residence\":[\"castle\"]")), VX_EINVAL,
     "rules[0] 'a' when: field 'residence': unknown residence 'castle'"},
    {TABLE(RULE("a", 1, "\"residence\":[]")), VX_EINVAL, "empty list"},
    {TABLE(RULE("a", 1, "\"residence\":\"home_care\"")), VX_EPARSE, "array of strings"},
    {TABLE(RULE("a", 1, "\"flags_any\":[\"vip\"]")), VX_EINVAL, "unknown flag 'vip'"},
    {TABLE(RULE("a", 1, "\"flags_any\":[\"deceased\"]")), VX_EINVAL,
     "flag 'deceased' cannot be a condition"},
    {TABLE(RULE("a", 1, "\"risk_any\":[\"gout\"]")), VX_EINVAL, "unknown risk code 'gout'"},
    {TABLE(RULE("a", 1, "\"age_min\":60,\"age_max\":59")), VX_EINVAL,
     "age_min 60 is above age_max 59"},
    {TABLE(RULE("a", 1, "\"born_from\":1960,\"born_to\":1950")), VX_EINVAL,
     "born_from 1960 is after born_to 1950"},
    {TABLE(RULE("a", 1, "\"age_min\":-1")), VX_EINVAL, "'age_min': -1 is outside 0..150"},
    {TABLE(RULE("a", 1, "\"age_min\":18.5")), VX_EPARSE, "'age_min' must be an integer"},
    {TABLE(RULE("a", 1, "\"age_min\":1e300")), VX_EINVAL, "'age_min': 1e+300 is outside 0..150"},
    {TABLE(RULE("a", 1, "\"age_min\":\"18\"")), VX_EPARSE, "'age_min' must be an integer"},
    {TABLE(RULE("a", 1, "\"age_minimum\":18")), VX_EPARSE,
     "rules[0] 'a' when: unknown field 'age_minimum'"},
    {TABLE(RULE("a", 1, "\"match\":\"some\"")), VX_EINVAL, "'match': 'some' is not"},
    {TABLE(
         "{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-02-30\"," LABEL
         "}"),
     VX_EINVAL, "rules[0] 'a': field 'opens': '2021-02-30' is not a date"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":20210301," LABEL
           "}"),
     VX_EINVAL, "field 'opens': value is not a date"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1," LABEL "}"), VX_EPARSE,
     "field 'opens' is missing"},
    {TABLE(
         "{\"id\":\"a\",\"phase\":5,\"step\":\"5a\",\"priority\":1,\"opens\":\"2021-03-08\"," LABEL
         "}"),
     VX_EINVAL, "field 'phase': 5 is outside 1..4"},
    {TABLE(
         "{\"id\":\"a\",\"phase\":2,\"step\":\"3a\",\"priority\":1,\"opens\":\"2021-03-08\"," LABEL
         "}"),
     VX_EINVAL, "'step': '3a' must start with the phase digit 2"},
    {TABLE("{\"id\":\"A "
           "b\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\"," LABEL "}"),
     VX_EINVAL, "field 'id': 'A b' is not"},
    {TABLE("{\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\"," LABEL "}"),
     VX_EPARSE, "rules[0]: field 'id' is missing"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\","
           "\"label\":{\"sv\":\"x\"}}"),
     VX_EPARSE, "rules[0] 'a' label: field 'en' is missing"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\","
           "\"label\":{\"sv\":\"\",\"en\":\"x\"}}"),
     VX_EINVAL, "field 'sv' is empty"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\","
           "\"label\":{\"sv\":\"x\",\"en\":\"x\",\"de\":\"x\"}}"),
     VX_EPARSE, "unknown field 'de'"},
    {TABLE("{\"id\":\"a\",\"phase\":2,\"step\":\"2a\",\"priority\":1,\"opens\":\"2021-03-08\"}"),
     VX_EPARSE, "field 'label' is missing"},
    {"{\"version\":1,\"risk_codes\":[{\"code\":\"a\",\"bit\":1,\"sv\":\"x\",\"en\":\"x\"},"
     "{\"code\":\"a\",\"bit\":2,\"sv\":\"x\",\"en\":\"x\"}],\"rules\":[" RULE("r", 1, "") "]}",
     VX_EINVAL, "risk_codes[1] 'a': duplicate risk code 'a'"},
    {"{\"version\":1,\"risk_codes\":[{\"code\":\"a\",\"bit\":1,\"sv\":\"x\",\"en\":\"x\"},"
     "{\"code\":\"b\",\"bit\":1,\"sv\":\"x\",\"en\":\"x\"}],\"rules\":[" RULE("r", 1, "") "]}",
     VX_EINVAL, "bit 1 is already used by risk code 'a'"},
    {"{\"version\":1,\"risk_codes\":[{\"code\":\"a\",\"bit\":32,\"sv\":\"x\",\"en\":\"x\"}],"
     "\"rules\":[" RULE("r", 1, "") "]}",
     VX_EINVAL, "field 'bit': 32 is outside 0..31"},
    {"{\"version\":1,\"risk_codes\":[{\"code\":\"Bad Code\",\"bit\":3,\"sv\":\"x\",\"en\":\"x\"}],"
     "\"rules\":[" RULE("r", 1, "") "]}",
     VX_EINVAL, "is not [a-z0-9_]"},
    {"{\"version\":1,\"risk_codes\":{},\"rules\":[" RULE("r", 1, "") "]}", VX_EPARSE,
     "'risk_codes' must be an array"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vx_arena a;
        struct vx_elig_table t;
        struct vx_err err = {0};
        enum vx_status st = parse(bad[i].json, &err, &t, &a);
        if (st != bad[i].status || !strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, st, err.msg, bad[i].status,
                     bad[i].msg);
        assert_int_equal(t.n_rules, 0);
        assert_null(t.rules);
        vx_arena_release(&a);
    }
}

static void test_parse_limits(void **state)
{
    (void)state;
    struct vx_arena a;
    struct vx_elig_table t;
    struct vx_err err = {0};

    /* 65 rules: one more than the table holds */
    char *json = malloc(65 * 200 + 256);
    assert_non_null(json);
    size_t used = (size_t)snprintf(json, 256, "{\"version\":1,\"rules\":[");
    for (int i = 0; i < 65; i++)
        used += (size_t)snprintf(json + used, 200,
                                 "%s{\"id\":\"r%d\",\"phase\":4,\"step\":\"4a\",\"priority\":%d,"
                                 "\"opens\":\"2021-07-09\"," LABEL "}",
                                 i ? "," : "", i, i);
    snprintf(json + used, 8, "]}");
    assert_int_equal(parse(json, &err, &t, &a), VX_EINVAL);
    assert_non_null(strstr(err.msg, "65 rules"));
    vx_arena_release(&a);
    free(json);

    /* an arena too small for the shipped table: VX_ENOMEM, nothing half-built */
    size_t len;
    char *text = slurp(RULES_PATH, &len);
    vx_arena_init(&a, 1024);
    assert_int_equal(vx_elig_parse(text, len, &a, &t, &err), VX_ENOMEM);
    assert_int_equal(t.n_rules, 0);
    vx_arena_release(&a);
    /* larger than the input limit */
    vx_arena_init(&a, 0);
    assert_int_equal(vx_elig_parse(text, VX_ELIG_MAX_INPUT + 1, &a, &t, &err), VX_ENOMEM);
    vx_arena_release(&a);
    free(text);
}

/* ---- CLI, in-process -------------------------------------------------------------- */

struct run {
    int rc;
    char out[65536];
    char err[2048];
};

static void read_all(FILE *f, char *buf, size_t len)
{
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run the handler of `words` with positional `arg` (may be NULL) and options given
 * as "name=value" / "name" strings, NULL-terminated. */
static void run_cmd(struct run *r, const char *words, const char *arg, const char *const *opts)
{
    const struct cli_command *cmd = cli_find(words);
    assert_non_null(cmd);
    struct cli_ctx ctx = {.cmd = cmd};
    char *argv[2] = {(char *)arg, NULL};
    ctx.argc = arg ? 1 : 0;
    ctx.argv = argv;
    static char vals[CLI_MAX_OPTS][256];
    for (const char *const *o = opts; o && *o; o++) {
        const char *eq = strchr(*o, '=');
        size_t n = eq ? (size_t)(eq - *o) : strlen(*o);
        int idx = -1;
        for (int i = 0; i < CLI_MAX_OPTS && cmd->opts[i].name; i++)
            if (strlen(cmd->opts[i].name) == n && !strncmp(cmd->opts[i].name, *o, n))
                idx = i;
        if (idx < 0)
            fail_msg("%s has no option %s", words, *o);
        snprintf(vals[idx], sizeof vals[idx], "%s", eq ? eq + 1 : "1");
        ctx.values[idx] = vals[idx];
    }
    ctx.out = tmpfile();
    ctx.err = tmpfile();
    assert_non_null(ctx.out);
    assert_non_null(ctx.err);
    r->rc = cmd->run(&ctx);
    read_all(ctx.out, r->out, sizeof r->out);
    read_all(ctx.err, r->err, sizeof r->err);
}

static void db_path(char *buf, size_t len)
{
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(buf, len, "%s/test_elig_cli.db", tmp && *tmp ? tmp : ".");
}

static void make_store(const char *path)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK)
        fail_msg("open %s: %s", path, err.msg);
    struct vx_region_rec reg = {.code = "01", .name = "Stockholms län", .short_name = "Stockholm"};
    struct vx_kommun_rec k = {.code = "0180", .name = "Stockholm", .region = "01"};
    assert_int_equal(st->ops->region_put(st, &reg), VX_OK);
    assert_int_equal(st->ops->kommun_put(st, &k), VX_OK);
    struct vx_person_rec rec;
    memset(&rec, 0, sizeof rec);
    make_person("194101298265", &rec.p);
    memcpy(rec.p.region, "01", 3);
    memcpy(rec.p.kommun, "0180", 5);
    rec.p.residence = VX_RES_SPECIAL_HOUSING;
    rec.p.risk = (1u << 6) | (1u << 2);
    snprintf(rec.given_name, sizeof rec.given_name, "Test");
    snprintf(rec.family_name, sizeof rec.family_name, "Testsson");
    rec.synthetic = true;
    int64_t id = 0;
    if (st->ops->person_put(st, &rec, &id) != VX_OK)
        fail_msg("person_put: %s", st->err);
    vx_store_close(st);
}

static int audit_rows(const char *path, const char *action, bool *leak)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT object, actor || role || action || object || "
                                        "region_code || detail FROM audit_log WHERE action = ?1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        n++;
        assert_string_equal((const char *)sqlite3_column_text(q, 0), "person:1");
        const char *all = (const char *)sqlite3_column_text(q, 1);
        if (strstr(all, "194101298265") || strstr(all, "410129"))
            *leak = true;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void test_cli(void **state)
{
    (void)state;
    char db[512], dbopt[600];
    db_path(db, sizeof db);
    snprintf(dbopt, sizeof dbopt, "db=%s", db);
    make_store(db);
    static struct run r;

    /* stored person: attributes come from the store, the read is audited */
    run_cmd(&r, "person eligibility", "194101298265",
            (const char *const[]){dbopt, "date=2020-12-28", "json", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "\"source\":\t\"store\""));
    assert_non_null(strstr(r.out, "\"id\":\t\"p1-care-recipient\""));
    assert_null(strstr(r.out, "194101298265"));
    /* options are ignored (with a notice) for a stored person */
    run_cmd(&r, "person eligibility", "194101298265",
            (const char *const[]){dbopt, "date=2020-12-28", "lang=en", "residence=own_home", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "Eligible    yes"));
    assert_non_null(strstr(r.err, "ignored"));

    /* not stored: evaluated from the number and the options */
    run_cmd(&r, "person eligibility", "199101132380",
            (const char *const[]){dbopt, "date=2020-12-28", "json", NULL});
    assert_int_equal(r.rc, CLI_EXIT_PROBLEMS);
    assert_non_null(strstr(r.out, "\"source\":\t\"options\""));
    run_cmd(&r, "person eligibility", "199101132380",
            (const char *const[]){dbopt, "date=2020-12-28", "care-staff", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "Berättigad  ja"));
    assert_non_null(strstr(r.out, "p1-care-staff (fas 1, steg 1c), öppnade 2020-12-27"));

    /* person show: record and audit */
    run_cmd(&r, "person show", "19410129-8265",
            (const char *const[]){dbopt, "actor=nurse-7", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "Test Testsson"));
    assert_non_null(strstr(r.out, "cardiovascular,diabetes"));
    assert_non_null(strstr(r.out, "special_housing"));
    run_cmd(&r, "person show", "194101298265", (const char *const[]){dbopt, "json", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "\"family_name\":\t\"Testsson\""));
    run_cmd(&r, "person show", "199101132380", (const char *const[]){dbopt, NULL});
    assert_int_equal(r.rc, CLI_EXIT_PROBLEMS);

    bool leak = false;
    assert_int_equal(audit_rows(db, "person.eligibility", &leak), 2);
    assert_int_equal(audit_rows(db, "person.read", &leak), 2);
    assert_false(leak);

    /* usage errors and failures */
    run_cmd(&r, "person eligibility", "199101132381", (const char *const[]){dbopt, NULL});
    assert_int_equal(r.rc, CLI_EXIT_USAGE);
    assert_non_null(strstr(r.err, "check digit"));
    run_cmd(&r, "person eligibility", "199101132380", (const char *const[]){"lang=de", NULL});
    assert_int_equal(r.rc, CLI_EXIT_USAGE);
    run_cmd(&r, "person eligibility", "199101132380", (const char *const[]){"risk=gout", NULL});
    assert_int_equal(r.rc, CLI_EXIT_USAGE);
    run_cmd(&r, "person eligibility", "199101132380",
            (const char *const[]){"data-dir=/nonexistent", NULL});
    assert_int_equal(r.rc, CLI_EXIT_FAILURE);
    run_cmd(&r, "person show", "199101132380", (const char *const[]){"db=/nonexistent/x.db", NULL});
    assert_int_equal(r.rc, CLI_EXIT_FAILURE);

    /* rules list, both languages and JSON */
    run_cmd(&r, "rules list", NULL, (const char *const[]){NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "4j  p4-12-15"));
    assert_non_null(strstr(r.out, "ålder 12-15"));
    run_cmd(&r, "rules list", NULL, (const char *const[]){"lang=en", NULL});
    assert_non_null(strstr(r.out, "any of (residence lss_home; flags lss_assistance)"));
    run_cmd(&r, "rules list", NULL, (const char *const[]){"json", NULL});
    assert_int_equal(r.rc, CLI_EXIT_OK);
    assert_non_null(strstr(r.out, "\"code\":\t\"follow_advice_difficulty\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shipped_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
