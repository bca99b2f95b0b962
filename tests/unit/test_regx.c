/*
 * test_regx.c — the pure parts of the register export (include/vx/regx.h): register
 * codes, the back-off schedule, the NVR record layout, the VXU of a change (MSH-10,
 * RXA-21 A/U/D), the FHIR Immunization of a change, the direct NDJSON writer (byte for
 * byte the cJSON path on 6,000 generated changes with odd characters), and the
 * back-fill reader (CSV and VXU, including every CDC sample of the share). No database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/regx.h"

#define CDC_DIR VX_SHARED_DATA_DIR "/interop/hl7v2/cdc-cvrs"

static struct vx_regx_change_rec sample(enum vx_regx_action action, int version)
{
    struct vx_regx_change_rec c;
    memset(&c, 0, sizeof c);
    c.seq = 41;
    c.action = action;
    c.dose.id = 7;
    c.dose.person_id = 3;
    c.dose.version = version;
    c.dose.voided = action == VX_REGX_VOID;
    snprintf(c.dose.region, sizeof c.dose.region, "01");
    snprintf(c.dose.vaccine, sizeof c.dose.vaccine, "COM");
    snprintf(c.dose.lot_number, sizeof c.dose.lot_number, "EJ\"67;95");
    c.dose.dose_number = 2;
    c.dose.given_at = 1615195800; /* 2021-03-08T10:30:00+01:00 */
    snprintf(c.dose.vaccinator, sizeof c.dose.vaccinator, "vacc1");
    snprintf(c.dose.source, sizeof c.dose.source, "recorded");
    snprintf(c.dose.void_reason, sizeof c.dose.void_reason, "given twice");
    snprintf(c.dose.injection_site, sizeof c.dose.injection_site, "left_arm");
    snprintf(c.pnr, sizeof c.pnr, "189001059808");
    snprintf(c.family_name, sizeof c.family_name, "Test");
    snprintf(c.given_name, sizeof c.given_name, "Person");
    snprintf(c.site_code, sizeof c.site_code, "01-VC-0001");
    snprintf(c.site_name, sizeof c.site_name, "VC");
    return c;
}

static void test_codes_and_backoff(void **state)
{
    (void)state;
    enum vx_regx_register r;
    assert_int_equal(vx_regx_register_parse("hl7", &r), VX_OK);
    assert_int_equal(r, VX_REGX_HL7);
    assert_int_equal(vx_regx_register_parse("HL7", &r), VX_EINVAL);
    assert_int_equal(vx_regx_register_parse(NULL, &r), VX_EINVAL);
    assert_string_equal(vx_regx_register_code(VX_REGX_FHIR), "fhir");
    assert_string_equal(vx_regx_register_code(VX_REGX_COUNT), "?");
    assert_string_equal(vx_regx_action_code(VX_REGX_VOID), "void");
    struct vx_regx_policy p = {.base_s = 10, .max_s = 100};
    static const int64_t want[] = {10, 10, 20, 40, 80, 100, 100};
    for (int i = 0; i < 7; i++)
        assert_int_equal(vx_regx_backoff(&p, i), want[i]);
    assert_int_equal(vx_regx_backoff(NULL, 2), 120);
}

static void test_nvr_row(void **state)
{
    (void)state;
    struct vx_buf b;
    vx_buf_init(&b, 1u << 16);
    struct vx_regx_change_rec c = sample(VX_REGX_VOID, 3);
    assert_int_equal(vx_nvr_row(&c, &b), VX_OK);
    assert_string_equal(b.data, "41;void;7;3;189001059808;COM;\"EJ\"\"67;95\";2;"
                                "2021-03-08T10:30:00+01:00;01-VC-0001;01;;vacc1;recorded;"
                                "given twice\n");
    vx_buf_clear(&b);
    c = sample(VX_REGX_NEW, 1);
    assert_int_equal(vx_nvr_row(&c, &b), VX_OK);
    assert_non_null(strstr(b.data, ";recorded;\n")); /* no void reason for a new record */
    vx_buf_clear(&b);
    assert_int_equal(vx_nvr_trailer(2, "ab", &b), VX_OK);
    assert_string_equal(b.data, "#END;2;ab\n");
    vx_buf_release(&b);
    /* a full buffer leaves nothing half-written */
    struct vx_buf small;
    vx_buf_init(&small, 20);
    assert_int_not_equal(vx_nvr_row(&c, &small), VX_OK);
    assert_int_equal(small.len, 0);
    vx_buf_release(&small);
    char name[64];
    assert_string_equal(vx_nvr_file_name(vx_day_from_ymd(2021, 3, 8), 2, name, sizeof name),
                        "NVR_20210308_0002.csv");
    assert_string_equal(vx_fhir_file_name(vx_day_from_ymd(2021, 3, 8), 1, name, sizeof name),
                        "FHIR_Immunization_20210308_0001.ndjson");
    assert_non_null(strstr(vx_nvr_header(), "personnummer;vaccine;lot;dose_number"));
}

/* RXA-21 and MSH-10 of the VXU of change `c`. */
static void vxu_fields(const struct vx_regx_change_rec *c, char *rxa21, char *msh10)
{
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    struct vx_err err = {0};
    assert_int_equal(vx_regx_vxu(c, 1615195800, &b, &err), VX_OK);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    assert_int_equal(vx_hl7_parse(b.data, b.len, &a, &m, NULL), VX_OK);
    struct vx_hl7_loc loc;
    assert_int_equal(vx_hl7_loc_parse("RXA-21", &loc), VX_OK);
    snprintf(rxa21, 8, "%s", vx_hl7_get(&m, &loc, &a));
    assert_int_equal(vx_hl7_loc_parse("MSH-10", &loc), VX_OK);
    snprintf(msh10, 48, "%s", vx_hl7_get(&m, &loc, &a));
    assert_int_equal(vx_hl7_loc_parse("ORC-3-1", &loc), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &loc, &a), "7");
    assert_int_equal(vx_hl7_loc_parse("PID-3-1", &loc), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &loc, &a), "189001059808");
    vx_arena_release(&a);
    vx_buf_release(&b);
}

static void test_vxu_actions(void **state)
{
    (void)state;
    char rxa21[8], ctrl[48];
    struct vx_regx_change_rec c = sample(VX_REGX_NEW, 1);
    vxu_fields(&c, rxa21, ctrl);
    assert_string_equal(rxa21, "A");
    assert_string_equal(ctrl, "VX41-7.1");
    c = sample(VX_REGX_CORRECTION, 2);
    vxu_fields(&c, rxa21, ctrl);
    assert_string_equal(rxa21, "U");
    assert_string_equal(ctrl, "VX41-7.2");
    c = sample(VX_REGX_VOID, 3);
    vxu_fields(&c, rxa21, ctrl);
    assert_string_equal(rxa21, "D");
    /* a product without CVX code cannot be sent; nothing is appended */
    snprintf(c.dose.vaccine, sizeof c.dose.vaccine, "XYZ");
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    struct vx_err err = {0};
    assert_int_equal(vx_regx_vxu(&c, 0, &b, &err), VX_EINVAL);
    assert_int_equal(b.len, 0);
    vx_buf_release(&b);
}

static void test_fhir_of_change(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_regx_change_rec c = sample(VX_REGX_VOID, 3);
    struct vx_fhir_immunization imm;
    struct vx_err err = {0};
    assert_int_equal(vx_regx_fhir_imm(&c, true, &a, &imm, &err), VX_OK);
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    assert_int_equal(vx_fhir_imm_emit(&imm, false, &b), VX_OK);
    assert_non_null(strstr(b.data, "\"status\":\"entered-in-error\""));
    assert_non_null(strstr(b.data, "\"versionId\":\"3\""));
    assert_non_null(strstr(b.data, "\"value\":\"189001059808\""));
    assert_non_null(strstr(b.data, "\"reference\":\"Patient/3\""));
    /* it parses back */
    struct vx_fhir_immunization back;
    assert_int_equal(vx_fhir_imm_parse(b.data, b.len, &a, &back, &err), VX_OK);
    assert_string_equal(back.id, "7");
    vx_buf_clear(&b);
    /* the API form carries no personnummer */
    assert_int_equal(vx_regx_fhir_imm(&c, false, &a, &imm, &err), VX_OK);
    assert_int_equal(vx_fhir_imm_emit(&imm, false, &b), VX_OK);
    assert_null(strstr(b.data, "189001059808"));
    vx_buf_release(&b);
    vx_arena_release(&a);
}

/* ---- the direct NDJSON writer against the cJSON path ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11) % n;
}

/* A string of random fragments, odd characters included, that fits dst[size]. */
static void odd_string(char *dst, size_t size)
{
    static const char *const frag[] = {"A",
                                       "z9",
                                       "EJ6795",
                                       " ",
                                       "\"",
                                       "\\",
                                       "/",
                                       "\b",
                                       "\f",
                                       "\n",
                                       "\r",
                                       "\t",
                                       "\x01",
                                       "\x1f",
                                       "\x7f",
                                       "å",
                                       "Ä",
                                       "ö",
                                       "€",
                                       "\xf0\x9f\x98\x80",
                                       ";",
                                       "<&>'",
                                       "\xe2\x80\xa8",
                                       "\xff",
                                       "%s",
                                       "{}",
                                       "[\"x\"]",
                                       "\\u0041",
                                       "-",
                                       "Ø"};
    size_t n = 0, parts = rnd(6);
    dst[0] = '\0';
    for (size_t i = 0; i < parts; i++) {
        const char *f = frag[rnd(VX_ARRAY_LEN(frag))];
        size_t k = strlen(f);
        if (n + k + 1 > size)
            break;
        memcpy(dst + n, f, k + 1);
        n += k;
    }
}

static void test_fhir_line_equals_cjson(void **state)
{
    (void)state;
    size_t nvac = 0;
    const struct vx_reg_vaccine_code *vac = vx_reg_vaccine_table(&nvac);
    assert_true(nvac >= 4);
    static const char *const sites[] = {
        "left_arm",    "right_arm", "left_deltoid", "right_deltoid", "left_thigh",
        "right_thigh", "",          "nose"};
    static const vx_time times[] = {1615195800, 1616893199, 1616893200, 1635641999,
                                    1635642000, 1,          4102444800, 1609459199};
    struct vx_buf want, got;
    vx_buf_init(&want, 1u << 20);
    vx_buf_init(&got, 1u << 20);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    int escaped = 0;
    for (int i = 0; i < 6000; i++) {
        struct vx_regx_change_rec c = sample((enum vx_regx_action)rnd(3), 1 + (int)rnd(5));
        c.dose.id = rnd(2) ? (int64_t)rnd(1000000) + 1 : INT64_MAX - rnd(10);
        c.dose.person_id = rnd(4) ? (int64_t)rnd(100000) + 1 : INT64_MAX;
        c.dose.voided = rnd(2);
        snprintf(c.dose.vaccine, sizeof c.dose.vaccine, "%s", vac[i % nvac].product);
        c.dose.dose_number = (int)rnd(4);
        c.dose.given_at = times[rnd(VX_ARRAY_LEN(times))] + rnd(1000);
        snprintf(c.dose.injection_site, sizeof c.dose.injection_site, "%s",
                 sites[rnd(VX_ARRAY_LEN(sites))]);
        odd_string(c.dose.lot_number, sizeof c.dose.lot_number);
        odd_string(c.dose.vaccinator, sizeof c.dose.vaccinator);
        odd_string(c.site_name, sizeof c.site_name);
        if (rnd(3) == 0)
            c.site_code[0] = '\0';
        else if (rnd(2))
            odd_string(c.site_code, sizeof c.site_code);
        snprintf(c.dose.kommun, sizeof c.dose.kommun, "%s", rnd(2) ? "0180" : "");
        if (rnd(5) == 0)
            c.pnr[0] = '\0';
        bool with_pnr = rnd(4) != 0;
        struct vx_fhir_immunization imm;
        struct vx_err e1 = {0}, e2 = {0};
        vx_buf_clear(&want);
        vx_buf_clear(&got);
        assert_int_equal(vx_regx_fhir_imm(&c, with_pnr, &a, &imm, &e1), VX_OK);
        assert_int_equal(vx_fhir_imm_emit(&imm, false, &want), VX_OK);
        assert_int_equal(vx_buf_append(&want, "\n", 1), VX_OK);
        if (vx_regx_fhir_line(&c, with_pnr, &got, &e2) != VX_OK)
            fail_msg("case %d: %s", i, e2.msg);
        if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
            fail_msg("case %d differs:\n cJSON: %s\n direct: %s", i, want.data, got.data);
        escaped += strstr(want.data, "\\u00") != NULL;
        if (i % 500 == 499) {
            vx_arena_release(&a);
            vx_arena_init(&a, 0);
        }
    }
    assert_true(escaped > 100); /* control characters were in play */
    /* the same refusals, and nothing written */
    struct vx_regx_change_rec c = sample(VX_REGX_NEW, 1);
    struct vx_err e1 = {0}, e2 = {0};
    struct vx_fhir_immunization imm;
    vx_buf_clear(&got);
    assert_int_equal(vx_buf_append(&got, "keep", 4), VX_OK);
    snprintf(c.dose.vaccine, sizeof c.dose.vaccine, "XYZ");
    assert_int_equal(vx_regx_fhir_imm(&c, true, &a, &imm, &e1), VX_EINVAL);
    assert_int_equal(vx_regx_fhir_line(&c, true, &got, &e2), VX_EINVAL);
    assert_string_equal(e1.msg, e2.msg);
    assert_int_equal(got.len, 4);
    c = sample(VX_REGX_NEW, 1);
    c.dose.given_at = 0;
    assert_int_equal(vx_regx_fhir_imm(&c, true, &a, &imm, &e1), VX_EINVAL);
    assert_int_equal(vx_regx_fhir_line(&c, true, &got, &e2), VX_EINVAL);
    assert_string_equal(e1.msg, e2.msg);
    assert_int_equal(got.len, 4);
    /* an output buffer that is full: VX_ENOMEM, nothing half-written */
    struct vx_buf small;
    vx_buf_init(&small, 64);
    c = sample(VX_REGX_NEW, 1);
    assert_int_equal(vx_regx_fhir_line(&c, true, &small, &e2), VX_ENOMEM);
    assert_int_equal(small.len, 0);
    assert_non_null(strstr(e2.msg, "buffer full"));
    vx_buf_release(&small);
    vx_buf_release(&want);
    vx_buf_release(&got);
    vx_arena_release(&a);
}

struct got {
    int rows, bad;
    struct vx_backfill_row last;
    char first_bad[300];
};

static int on_row(void *ctx, const struct vx_backfill_row *r)
{
    struct got *g = ctx;
    g->rows++;
    g->last = *r;
    return 0;
}

static int on_bad(void *ctx, long line, const char *reason)
{
    struct got *g = ctx;
    if (g->bad++ == 0)
        snprintf(g->first_bad, sizeof g->first_bad, "line %ld: %s", line, reason);
    return 0;
}

static enum vx_status parse(const char *text, struct got *g, struct vx_arena *a, struct vx_err *err)
{
    memset(g, 0, sizeof *g);
    return vx_backfill_parse(text, strlen(text), a, on_row, on_bad, g, err);
}

static void test_backfill_reader(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct got g;
    struct vx_err err = {0};
    /* CSV: comma, column order from the header, BOM, RFC 3339 time, blank lines */
    assert_int_equal(parse("\xEF\xBB\xBFgiven_at,vaccine,personnummer,dose_number\r\n"
                           "\r\n2021-03-08T10:30:00+01:00,MOD,189001059808,2\r\n",
                           &g, &a, &err),
                     VX_OK);
    assert_int_equal(g.rows, 1);
    assert_int_equal(g.last.line, 3);
    assert_int_equal(g.last.given_at, 1615195800);
    assert_string_equal(g.last.vaccine, "MOD");
    assert_string_equal(g.last.lot, "");
    assert_int_equal(g.last.dose_number, 2);
    /* row problems with their line */
    assert_int_equal(parse("personnummer;vaccine;dose_number;given_at\n"
                           ";COM;1;2021-01-01\n"
                           "189001059808;COM;1;2021-02-30\n"
                           "189001059808;COM;x;2021-01-01\n"
                           "189001059808;COM;1;2021-01-01\n",
                           &g, &a, &err),
                     VX_OK);
    assert_int_equal(g.rows, 1);
    assert_int_equal(g.bad, 3);
    assert_string_equal(g.first_bad, "line 2: personnummer: missing");
    /* header problems: the file cannot be read at all */
    assert_int_equal(parse("personnummer;vaccine;dose_number\n1;2;3\n", &g, &a, &err), VX_EPARSE);
    assert_string_equal(err.msg, "line 1: header: column 'given_at' missing");
    assert_int_equal(parse("", &g, &a, &err), VX_EPARSE);
    assert_int_equal(vx_backfill_parse("a\0b", 3, &a, on_row, on_bad, &g, &err), VX_EPARSE);
    /* VXU: offset, no offset (Stockholm), date only (noon); OBX dose number */
    const char *vxu = "MSH|^~\\&|OLD||||20210308||VXU^V04^VXU_V04|1|P|2.5.1\r"
                      "PID|1||189001059808^^^SKV^NNSWE\r"
                      "RXA|0|1|20210308103000+0100||208^COVID^CVX|0.3|||||^^^VC&01-VC-0001|||"
                      "|EJ1||PFR^Pfizer^MVX|||CP|A\r"
                      "OBX|1|CE|30973-2^Dose number^LN|1|2^^DCHDOSE\r"
                      "RXA|0|1|202103081030||207^COVID^CVX\r"
                      "OBX|1|CE|30973-2^Dose number^LN|1|1\r"
                      "RXA|0|1|20210308||207^COVID^CVX\r"
                      "OBX|1|CE|30973-2^Dose number^LN|1|3\r"
                      "RXA|0|1|2021030||207^COVID^CVX\r"
                      "RXA|0|1|20210308||207^COVID^CVX||||||||||||RE\r"
                      "RXA|0|1|20210308||999^X^CVX\r";
    assert_int_equal(parse(vxu, &g, &a, &err), VX_OK);
    assert_int_equal(g.rows, 3);
    assert_int_equal(g.bad, 3);
    assert_string_equal(g.first_bad, "line 9: RXA-3: bad administration time '2021030'");
    assert_int_equal(vx_backfill_parse(vxu, strlen(vxu), &a, on_row, on_bad, &g, &err), VX_OK);
    /* every CDC sample is read without a crash: valid ones give a row or say why not */
    const char *sub[] = {"valid", "errors"};
    int files = 0;
    for (int s = 0; s < 2; s++) {
        char dirp[600];
        snprintf(dirp, sizeof dirp, "%s/%s", CDC_DIR, sub[s]);
        DIR *d = opendir(dirp);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strstr(de->d_name, ".hl7"))
                continue;
            char p[1200];
            snprintf(p, sizeof p, "%s/%s", dirp, de->d_name);
            FILE *f = fopen(p, "rb");
            assert_non_null(f);
            char buf[65536];
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            memset(&g, 0, sizeof g);
            assert_int_equal(vx_backfill_parse(buf, n, &a, on_row, on_bad, &g, &err), VX_OK);
            assert_true(g.rows + g.bad >= 1);
            files++;
        }
        closedir(d);
    }
    assert_int_equal(files, 46);
    vx_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_and_backoff), cmocka_unit_test(test_nvr_row),
        cmocka_unit_test(test_vxu_actions),       cmocka_unit_test(test_fhir_of_change),
        cmocka_unit_test(test_backfill_reader),   cmocka_unit_test(test_fhir_line_equals_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
