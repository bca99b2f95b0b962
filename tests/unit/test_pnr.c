/*
 * test_pnr.c — personnummer parser against every public test vector in
 * ../shared/data/interop/personnummer (personnummer/meta list, structured, interim and
 * organisation-number files; Skatteverket's test personnummer and samordningsnummer
 * samples), plus a table of specific failure reasons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/pnr.h"

#define PNR_DIR VX_SHARED_DATA_DIR "/interop/personnummer"

/* The vectors were written in 2023; any later reference date gives the same answers. */
static vx_day ref_day(void)
{
    return vx_day_from_ymd(2026, 11, 25);
}

static void check_valid(const char *s, bool want, const char *want_norm, int want_sex)
{
    struct vx_pnr_opts o = vx_pnr_opts_default(ref_day());
    struct vx_pnr p;
    struct vx_pnr_error e;
    enum vx_status st = vx_pnr_parse(s, &o, &p, &e);
    if ((st == VX_OK) != want) {
        char why[128];
        vx_pnr_error_text(&e, why, sizeof why);
        fail_msg("%s: expected %s, got %s (%s)", s, want ? "valid" : "invalid",
                 st == VX_OK ? "valid" : "invalid", st == VX_OK ? p.norm : why);
    }
    if (st == VX_OK && want_norm)
        assert_string_equal(p.norm, want_norm);
    if (st == VX_OK && want_sex)
        assert_int_equal(p.sex, want_sex);
}

static void test_meta_list(void **state)
{
    (void)state;
    char *text = slurp(PNR_DIR "/personnummer-meta/testdata/list.json", NULL);
    cJSON *arr = cJSON_Parse(text);
    assert_non_null(arr);
    int n = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        bool valid = cJSON_IsTrue(cJSON_GetObjectItem(it, "valid"));
        const char *lng = cJSON_GetObjectItem(it, "long_format")->valuestring;
        int sex = cJSON_IsTrue(cJSON_GetObjectItem(it, "isMale")) ? VX_SEX_MALE : VX_SEX_FEMALE;
        /* forms that carry the century (or the '+') must give the same normalised form */
        check_valid(lng, valid, lng, sex);
        check_valid(cJSON_GetObjectItem(it, "separated_long")->valuestring, valid, lng, sex);
        check_valid(cJSON_GetObjectItem(it, "separated_format")->valuestring, valid, lng, sex);
        /* the short form has no century: valid, century inferred from the reference date */
        check_valid(cJSON_GetObjectItem(it, "short_format")->valuestring, valid, NULL, sex);
        n++;
    }
    assert_int_equal(n, 14);
    cJSON_Delete(arr);
    free(text);
}

static void test_meta_structured(void **state)
{
    (void)state;
    char *text = slurp(PNR_DIR "/personnummer-meta/testdata/structured.json", NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    int n = 0;
    cJSON *type;
    cJSON_ArrayForEach(type, root)
    {
        cJSON *strings = cJSON_GetObjectItem(type, "string");
        cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(strings, "valid"))
        {
            check_valid(v->valuestring, true, NULL, 0);
            n++;
        }
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(strings, "invalid"))
        {
            check_valid(v->valuestring, false, NULL, 0);
            n++;
        }
    }
    assert_true(n >= 50);
    cJSON_Delete(root);
    free(text);
}

static void test_meta_interim(void **state)
{
    (void)state;
    char *text = slurp(PNR_DIR "/personnummer-meta/testdata/interim.json", NULL);
    cJSON *arr = cJSON_Parse(text);
    assert_non_null(arr);
    cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, arr)
    {
        bool valid = cJSON_IsTrue(cJSON_GetObjectItem(it, "valid"));
        const char *forms[] = {"long_format", "short_format", "separated_format", "separated_long"};
        for (size_t i = 0; i < 4; i++) {
            const char *s = cJSON_GetObjectItem(it, forms[i])->valuestring;
            struct vx_pnr_opts o = vx_pnr_opts_default(ref_day());
            struct vx_pnr p;
            struct vx_pnr_error e;
            assert_int_equal(vx_pnr_parse(s, &o, &p, &e) == VX_OK, valid);
            if (valid) {
                assert_int_equal(p.kind, VX_PNR_INTERIM);
                assert_int_equal(p.sex, cJSON_IsTrue(cJSON_GetObjectItem(it, "isMale"))
                                            ? VX_SEX_MALE
                                            : VX_SEX_FEMALE);
                /* refused when interim numbers are switched off */
                o.allow_interim = false;
                assert_int_equal(vx_pnr_parse(s, &o, &p, &e), VX_EINVAL);
                assert_int_equal(e.reason, VX_PNR_INTERIM_NOT_ALLOWED);
            }
            n++;
        }
    }
    assert_true(n > 0);
    cJSON_Delete(arr);
    free(text);
}

static void test_meta_orgnumbers(void **state)
{
    (void)state;
    char *text = slurp(PNR_DIR "/personnummer-meta/testdata/orgnumber.json", NULL);
    cJSON *arr = cJSON_Parse(text);
    cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        check_valid(cJSON_GetObjectItem(it, "short_format")->valuestring, false, NULL, 0);
        check_valid(cJSON_GetObjectItem(it, "separated_format")->valuestring, false, NULL, 0);
    }
    cJSON_Delete(arr);
    free(text);
}

static void check_csv(const char *path, enum vx_pnr_kind kind, int want_rows)
{
    char *text = slurp(path, NULL);
    char *save = NULL;
    int n = 0, month00 = 0, day60 = 0;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (line[0] < '0' || line[0] > '9')
            continue; /* header */
        struct vx_pnr_opts o = vx_pnr_opts_default(ref_day());
        struct vx_pnr p;
        struct vx_pnr_error e;
        if (vx_pnr_parse(line, &o, &p, &e) != VX_OK) {
            char why[128];
            vx_pnr_error_text(&e, why, sizeof why);
            fail_msg("%s: %s", line, why);
        }
        assert_string_equal(p.norm, line);
        assert_int_equal(p.kind, kind);
        month00 += p.birth_month_unknown;
        day60 += p.birth_day_unknown;
        /* the short display form parses back to the same number */
        char shortf[12];
        vx_pnr_format_short(&p, ref_day(), shortf);
        struct vx_pnr q;
        assert_int_equal(vx_pnr_parse(shortf, &o, &q, &e), VX_OK);
        assert_string_equal(q.norm, p.norm);
        n++;
    }
    assert_int_equal(n, want_rows);
    if (kind == VX_PNR_SAMORDNING)
        assert_true(month00 > 0 && day60 > 0); /* the sample has both unknown forms */
    free(text);
}

static void test_skatteverket_personnummer(void **state)
{
    (void)state;
    check_csv(PNR_DIR "/skatteverket/testpersonnummer-sample5000.csv", VX_PNR_PERSONNUMMER, 5000);
}

static void test_skatteverket_samordning(void **state)
{
    (void)state;
    check_csv(PNR_DIR "/skatteverket/testsamordningsnummer-sample.csv", VX_PNR_SAMORDNING, 755);
}

struct reason_case {
    const char *in;
    const char *ref; /* reference date */
    enum vx_pnr_reason reason;
    const char *text; /* expected vx_pnr_error_text, or NULL */
};

static const struct reason_case reason_cases[] = {
    {"", "2026-01-01", VX_PNR_EMPTY, "empty"},
    {"123456789", "2026-01-01", VX_PNR_BAD_LENGTH, "bad length: 9 characters (expected 10 to 13)"},
    {"19640823323", "2026-01-01", VX_PNR_BAD_SEPARATOR, NULL},
    {"640823 3234", "2026-01-01", VX_PNR_BAD_SEPARATOR, "bad separator at position 7"},
    {"64O823-3234", "2026-01-01", VX_PNR_BAD_CHAR, "bad character at position 3"},
    {"640823-32A4", "2026-01-01", VX_PNR_BAD_CHAR, NULL},
    {"216408233234", "2026-01-01", VX_PNR_BAD_CENTURY, "bad century 21 (expected 18, 19 or 20)"},
    {"641323-3234", "2026-01-01", VX_PNR_BAD_MONTH, "bad date: month 13 does not exist"},
    {"640023-3234", "2026-01-01", VX_PNR_BAD_MONTH, NULL},
    {"19900230-1234", "2026-01-01", VX_PNR_BAD_DAY,
     "bad date: day 30 does not exist in February 1990"},
    {"19010229-1234", "2026-01-01", VX_PNR_BAD_DAY, NULL}, /* 1901 is no leap year */
    {"640845-3234", "2026-01-01", VX_PNR_BAD_DAY, NULL},   /* neither a day nor day+60 */
    {"640823-3235", "2026-01-01", VX_PNR_BAD_CHECK_DIGIT, "bad check digit: expected 4, got 5"},
    {"20300101-1232", "2026-01-01", VX_PNR_FUTURE_DATE, NULL},
    {"19800101+0019", "2026-01-01", VX_PNR_PLUS_WITH_CENTURY, NULL},
    {"640823-0008", "2026-01-01", VX_PNR_BAD_SERIAL, NULL},
};

static void test_reasons(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof reason_cases / sizeof reason_cases[0]; i++) {
        const struct reason_case *c = &reason_cases[i];
        vx_day ref;
        assert_int_equal(vx_day_parse(c->ref, &ref), VX_OK);
        struct vx_pnr_opts o = vx_pnr_opts_default(ref);
        struct vx_pnr p;
        struct vx_pnr_error e;
        enum vx_status st = vx_pnr_parse(c->in, &o, &p, &e);
        if (st != VX_EINVAL || e.reason != c->reason)
            fail_msg("case %zu '%s': want reason %d (%s), got status %d reason %d", i, c->in,
                     c->reason, vx_pnr_reason_text(c->reason), st, e.reason);
        if (c->text) {
            char buf[128];
            vx_pnr_error_text(&e, buf, sizeof buf);
            assert_string_equal(buf, c->text);
        }
    }
}

static void test_century_inference(void **state)
{
    (void)state;
    vx_day ref = vx_day_from_ymd(2026, 6, 15);
    struct vx_pnr_opts o = vx_pnr_opts_default(ref);
    struct vx_pnr p;
    struct vx_pnr_error e;
    /* 640823-3234: '-' → 1964 */
    assert_int_equal(vx_pnr_parse("640823-3234", &o, &p, &e), VX_OK);
    assert_string_equal(p.norm, "196408233234");
    assert_int_equal(p.sex, VX_SEX_MALE);
    /* '+' → 100 years earlier */
    assert_int_equal(vx_pnr_parse("640823+3234", &o, &p, &e), VX_OK);
    assert_string_equal(p.norm, "186408233234");
    /* same YYMMDD as the reference year but later in the year → previous century */
    char nine[10] = "260701123";
    char num[12];
    snprintf(num, sizeof num, "260701-123%d", vx_pnr_luhn(nine));
    assert_int_equal(vx_pnr_parse(num, &o, &p, &e), VX_OK);
    assert_memory_equal(p.norm, "1926", 4);
    /* earlier in the reference year → this century */
    memcpy(nine, "260101123", 9);
    snprintf(num, sizeof num, "260101-123%d", vx_pnr_luhn(nine));
    assert_int_equal(vx_pnr_parse(num, &o, &p, &e), VX_OK);
    assert_memory_equal(p.norm, "2026", 4);
    /* 100th birthday year: the short form switches to '+' */
    memcpy(nine, "261231123", 9);
    char longf[16], want[16];
    snprintf(longf, sizeof longf, "19261231123%d", vx_pnr_luhn(nine));
    snprintf(want, sizeof want, "261231+123%d", vx_pnr_luhn(nine));
    assert_int_equal(vx_pnr_parse(longf, &o, &p, &e), VX_OK);
    char shortf[12];
    assert_string_equal(vx_pnr_format_short(&p, ref, shortf), want);
    /* and the '+' short form parses back to the same person */
    assert_int_equal(vx_pnr_parse(want, &o, &p, &e), VX_OK);
    assert_string_equal(p.norm, longf);
    /* samordningsnummer switched off */
    o.allow_samordning = false;
    assert_int_equal(vx_pnr_parse("197302889931", &o, &p, &e), VX_EINVAL);
    assert_int_equal(e.reason, VX_PNR_SAMORDNING_NOT_ALLOWED);
}

static void test_luhn(void **state)
{
    (void)state;
    assert_int_equal(vx_pnr_luhn("640823323"), 4); /* Skatteverket's worked example */
    assert_int_equal(vx_pnr_luhn("000101T22"), vx_pnr_luhn("000101122"));
    assert_int_equal(vx_pnr_luhn("64082332"), -1);
    assert_int_equal(vx_pnr_luhn("6408233?3"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_list),
        cmocka_unit_test(test_meta_structured),
        cmocka_unit_test(test_meta_interim),
        cmocka_unit_test(test_meta_orgnumbers),
        cmocka_unit_test(test_skatteverket_personnummer),
        cmocka_unit_test(test_skatteverket_samordning),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_century_inference),
        cmocka_unit_test(test_luhn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
