/*
 * test_register.c — HL7 v2 parser/serializer, CVRS conformance, VXU builder, ACK
 * parsing, FHIR Immunization parse/emit/build and Bundle.
 *
 * Data-driven where the data is public: every CDC CVRS sample in
 * ../shared/data/interop/hl7v2/cdc-cvrs (valid and error) must agree with the CDC
 * validator's expected results and round-trip byte for byte; the Z22 sample parses
 * and round-trips; the embedded value sets equal the shared reference files; the
 * rule table's HL7 locations equal the CDC mapping spreadsheet; the five FHIR R4
 * Immunization examples round-trip. Person ids are Skatteverket test numbers.
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
#include "vx/csv.h"
#include "vx/register.h"

#define CVRS_DIR VX_SHARED_DATA_DIR "/interop/hl7v2/cdc-cvrs"
#define Z22_FILE VX_SHARED_DATA_DIR "/interop/hl7v2/cdc-z22/Adult z22 New Covid vaccine.hl7"
#define FHIR_DIR VX_SHARED_DATA_DIR "/interop/fhir/examples"
#define TEST_PNR "189001059808" /* Skatteverket test personnummer */

static struct vx_cvrs_opts opts_at(int y, int m, int d)
{
    struct vx_cvrs_opts o = {vx_day_from_ymd(y, m, d), VX_CVRS_DEFAULTS_AUTO};
    return o;
}

/* Parse text, serialise, compare with `want` (NULL: with the input). */
static void round_trip(const char *text, size_t len, const char *want, struct vx_arena *a,
                       struct vx_hl7_msg *m)
{
    struct vx_hl7_error e;
    if (vx_hl7_parse(text, len, a, m, &e) != VX_OK)
        fail_msg("parse: %s", e.msg);
    struct vx_buf b;
    vx_buf_init(&b, 1u << 22);
    assert_int_equal(vx_hl7_serialize(m, &b), VX_OK);
    if (!want)
        assert_memory_equal(b.data, text, len);
    else
        assert_string_equal(b.data, want);
    assert_int_equal(b.len, want ? strlen(want) : len);
    vx_buf_release(&b);
}

/* Split a CSV text into records (quoted line breaks allowed); calls fn per record. */
static void each_record(char *text, void (*fn)(char **f, int n, void *u), void *u)
{
    char *p = text;
    while (*p) {
        char *start = p, *nl;
        do {
            nl = strchr(p, '\n');
            p = nl ? nl + 1 : p + strlen(p);
        } while (nl && vx_csv_needs_more(start, (size_t)(p - start)));
        size_t len = (size_t)(p - start);
        char save = start[len];
        start[len] = '\0';
        char *fields[VX_CSV_MAX_FIELDS];
        int n = 0;
        struct vx_err err;
        if (vx_csv_split(start, len, ',', fields, VX_CSV_MAX_FIELDS, &n, &err) == VX_OK)
            fn(fields, n, u);
        start[len] = save;
        if (!nl)
            break;
    }
}

/* --- CDC samples --------------------------------------------------------------------- */

struct sample_stats {
    int valid, errors, rows;
};

static void check_sample(char **f, int n, void *u)
{
    struct sample_stats *s = u;
    if (n < 11 || strcmp(f[0], "file") == 0)
        return;
    s->rows++;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CVRS_DIR, f[0]);
    size_t len;
    char *text = slurp(path, &len);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    round_trip(text, len, NULL, &a, &m);
    struct vx_cvrs_opts o = opts_at(2026, 1, 1);
    struct vx_cvrs_result res;
    assert_int_equal(vx_cvrs_check(&m, &o, &a, &res), VX_OK);
    struct vx_cvrs_expected x, xl;
    struct vx_err err;
    assert_int_equal(vx_cvrs_expected_parse_list(f[10], &a, &xl, &err), VX_OK);
    if (strcmp(f[3], "error") == 0) {
        char rpt[1024];
        snprintf(rpt, sizeof rpt, "%s/%.*s.expected.txt", CVRS_DIR, (int)(strlen(f[0]) - 4), f[0]);
        size_t rl;
        char *rtext = slurp(rpt, &rl);
        if (vx_cvrs_expected_parse_report(rtext, rl, &a, &x, &err) != VX_OK)
            fail_msg("%s: %s", rpt, err.msg);
        free(rtext);
        assert_int_equal(x.n, xl.n); /* the two expectations agree with each other */
        assert_true(res.nerrors > 0);
        s->errors++;
    } else {
        x = xl;
        assert_int_equal(res.nerrors, 0);
        s->valid++;
    }
    if (!vx_cvrs_agrees(&res, &x)) {
        for (size_t i = 0; i < res.n; i++)
            print_message("got %s %s %s\n", res.issue[i].field, res.issue[i].code,
                          res.issue[i].message);
        fail_msg("%s disagrees with the CDC validator", f[0]);
    }
    vx_arena_release(&a);
    free(text);
}

static void test_cdc_samples(void **state)
{
    (void)state;
    char *idx = slurp(CVRS_DIR "/index.csv", NULL);
    struct sample_stats s = {0};
    each_record(idx, check_sample, &s);
    free(idx);
    assert_int_equal(s.rows, 46);
    assert_int_equal(s.valid, 28);
    assert_int_equal(s.errors, 18);
}

static void test_z22(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(Z22_FILE, &len);
    assert_non_null(strstr(text, "\r\n")); /* CRLF upstream */
    struct vx_buf norm;
    vx_buf_init(&norm, 1u << 20);
    assert_int_equal(vx_hl7_normalize(text, len, &norm), VX_OK);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    round_trip(text, len, norm.data, &a, &m);
    assert_string_equal(m.seg[0].name, "MSH");
    struct vx_hl7_loc l;
    assert_int_equal(vx_hl7_loc_parse("PID-3[2]-1", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "987633");
    assert_int_equal(vx_hl7_loc_parse("PID-3(1)-4", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "MYIIS");
    assert_int_equal(vx_hl7_loc_parse("RXA-11-4-2", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "2.16.840.1.113883.6.59");
    assert_int_equal(vx_hl7_loc_parse("MSH-21-1", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "Z22");
    assert_int_equal(vx_hl7_loc_parse("MSH-2", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "^~\\&"); /* MSH-2 stays raw */
    assert_int_equal(vx_hl7_loc_parse("MSH-1", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "|");
    vx_buf_release(&norm);
    vx_arena_release(&a);
    free(text);
}

/* --- parser details ------------------------------------------------------------------ */

static void test_escapes(void **state)
{
    (void)state;
    const char *msg = "MSH|^~\\&|APP\\F\\X|FAC||||||||2.5.1\r"
                      "NTE|1||a\\S\\b\\T\\c\\R\\d\\E\\e\\X414243\\\\.br\\f\\H\\g\\N\\|x~y^z&w|\r";
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    round_trip(msg, strlen(msg), NULL, &a, &m);
    struct vx_hl7_loc l;
    assert_int_equal(vx_hl7_loc_parse("MSH-3", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "APP|X");
    assert_int_equal(vx_hl7_loc_parse("NTE-3", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "a^b&c~d\\eABC\nfg");
    assert_int_equal(vx_hl7_loc_parse("NTE-4[2]-2-2", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "w");
    assert_int_equal(vx_hl7_loc_parse("NTE-4(1)-1", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "y");
    assert_int_equal(m.seg[1].nfield, 5); /* trailing empty field kept */
    assert_int_equal(vx_hl7_loc_parse("NTE-9-9-9", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "");

    /* escape() then unescape() gives the text back */
    const char *plain = "x|y^z~w\\v&u\r\nend";
    struct vx_buf e, d;
    vx_buf_init(&e, 4096);
    vx_buf_init(&d, 4096);
    assert_int_equal(vx_hl7_escape(&m.enc, plain, strlen(plain), &e), VX_OK);
    assert_string_equal(e.data, "x\\F\\y\\S\\z\\R\\w\\E\\v\\T\\u\\X0D\\\\X0A\\end");
    assert_int_equal(vx_hl7_unescape(&m.enc, e.data, e.len, &d), VX_OK);
    assert_string_equal(d.data, plain);
    vx_buf_release(&e);
    vx_buf_release(&d);

    /* other delimiters, LF and CRLF separators, blank lines */
    const char *alt = "MSH#:*!$#A:B\nPID#1##x*y:z$w!F!\r\n\r\nZZ1\n";
    round_trip(alt, strlen(alt), "MSH#:*!$#A:B\rPID#1##x*y:z$w!F!\rZZ1\r", &a, &m);
    assert_int_equal(m.enc.comp, ':');
    assert_int_equal(vx_hl7_loc_parse("PID-3[2]-2-2", &l), VX_OK);
    assert_string_equal(vx_hl7_get(&m, &l, &a), "w#");
    vx_arena_release(&a);
}

static void test_locations(void **state)
{
    (void)state;
    static const char *const bad[] = {"",       "PID",     "pid-3",    "PID-0",  "PID-3[0]",
                                      "PID-3-", "PID-3-0", "PID-3(x)", "PID-3x", "PID-1000"};
    struct vx_hl7_loc l;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (vx_hl7_loc_parse(bad[i], &l) != VX_EINVAL)
            fail_msg("location '%s' accepted", bad[i]);
    assert_int_equal(vx_hl7_loc_parse("RXA-11-4-2", &l), VX_OK);
    assert_int_equal(l.field, 11);
    assert_int_equal(l.comp, 4);
    assert_int_equal(l.sub, 2);
    assert_int_equal(l.rep, 0);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t segment;
        int field;
        const char *says;
    } cases[] = {
        {"", 0, 0, "no MSH"},
        {"\r\n\r\n", 0, 0, "no MSH"},
        {"PID|1||x\r", 1, 0, "does not start with an MSH"},
        {"MSH|^~\\\r", 1, 2, "truncated"},
        {"MSH|^\r", 1, 2, "truncated"},
        {"MSH|^~|&|\r", 1, 2, "bad encoding characters"},
        {"MSH|^^\\&|\r", 1, 2, "used twice"},
        {"MSH|A~\\&|\r", 1, 2, "not a printable non-alphanumeric"},
        {"MSH|^~\\&|x\rpid|1\r", 2, 0, "bad segment name"},
        {"MSH|^~\\&|x\rPI\r", 2, 0, "bad segment name"},
        {"MSH|^~\\&|x\rPIDX|1\r", 2, 0, "field separator"},
        {"MSH|^~\\&|x\rPID|1||a\\Q\\b\r", 2, 3, "unknown escape"},
        {"MSH|^~\\&|x\rPID|1||ab\\F\r", 2, 3, "not closed"},
        {"MSH|^~\\&|x\rPID|1||a\\X4\\b\r", 2, 3, "unknown escape"},
        {"MSH|^~\\&|x\rPID|1||a\\\\b\r", 2, 3, "empty escape"},
        {"MSH|^~\\&|x|\\F\r", 1, 4, "not closed"},
        {"MSH|^~\\&|x\rMSH|^~\\&|y\r", 2, 0, "second MSH"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vx_arena a;
        vx_arena_init(&a, 0);
        struct vx_hl7_msg m;
        struct vx_hl7_error e;
        enum vx_status st = vx_hl7_parse(cases[i].text, strlen(cases[i].text), &a, &m, &e);
        if (st != VX_EPARSE)
            fail_msg("case %zu accepted", i);
        if (e.segment != cases[i].segment || e.field != cases[i].field ||
            !strstr(e.msg, cases[i].says))
            fail_msg("case %zu: segment %zu field %d '%s'", i, e.segment, e.field, e.msg);
        vx_arena_release(&a);
    }
    /* a message over the size limit */
    size_t big = VX_HL7_MAX_BYTES + 1;
    char *t = malloc(big);
    assert_non_null(t);
    memset(t, 'A', big);
    memcpy(t, "MSH|^~\\&|", 9);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    struct vx_hl7_error e;
    assert_int_equal(vx_hl7_parse(t, big, &a, &m, &e), VX_EPARSE);
    assert_non_null(strstr(e.msg, "larger"));
    free(t);
    vx_arena_release(&a);
}

/* --- CVRS unit cases ----------------------------------------------------------------- */

static const char *base_vxu =
    "MSH|^~\\&|||||20201103190809.124-0500|D|VXU^V04^VXU_V04|1|P|2.5.1||||||||||Org\r"
    "PID|||1||Redacted^Redacted^Redacted||20150826|F||UNK^^CDCREC|Redacted^Redacted^Redacted^MI^"
    "48877^^^^26001|||||||||||UNK^^CDCREC\r"
    "ORC|||ev1\r"
    "RXA|||20201004||900^^CVX||||||^^^Clinic&999999^^1^^^1 Road^^City^MI^49504^^^26081||||"
    "M9|20210101|AAA^^MVX|||CP\r"
    "RXR|C28161^^NCIT|LA^^HL70163\r"
    "OBX||CE|VXC8^Member of Special Risk Group^PHIN VS||NO\r"
    "OBX||CE|59783-1^Status in immunization series^LN||NO\r"
    "OBX||CE|30973-2^Dose number in series^LN||1^^DCHDOSE\r"
    "OBX||CE|75505-8^Serological Evidence of Immunity^LN||UNK^Unknown^NullFlavor\r";

static struct vx_cvrs_result check_text(const char *text, struct vx_arena *a, int defaults)
{
    struct vx_hl7_msg m;
    struct vx_hl7_error e;
    if (vx_hl7_parse(text, strlen(text), a, &m, &e) != VX_OK)
        fail_msg("parse: %s", e.msg);
    struct vx_cvrs_opts o = opts_at(2026, 1, 1);
    o.defaults = (enum vx_cvrs_defaults)defaults;
    struct vx_cvrs_result r;
    assert_int_equal(vx_cvrs_check(&m, &o, a, &r), VX_OK);
    return r;
}

static bool has(const struct vx_cvrs_result *r, const char *field, const char *code)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->issue[i].field, field) == 0 && strcmp(r->issue[i].code, code) == 0)
            return true;
    return false;
}

/* Replace the first `from` in base_vxu by `to`. */
static char *variant(const char *from, const char *to)
{
    const char *p = strstr(base_vxu, from);
    assert_non_null(p);
    size_t n = strlen(base_vxu) + strlen(to) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)(p - base_vxu), base_vxu, to, p + strlen(from));
    return s;
}

static void test_cvrs_rules(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_cvrs_result r = check_text(base_vxu, &a, VX_CVRS_DEFAULTS_AUTO);
    for (size_t i = 0; i < r.n; i++)
        print_message("%s %s %s\n", r.issue[i].field, r.issue[i].code, r.issue[i].message);
    assert_int_equal(r.n, 0);
    static const struct {
        const char *from, *to, *field, *code;
    } cases[] = {
        {"20150826", "2015-08-26", "recip_dob", "DATA001"},
        {"20150826", "20150230", "recip_dob", "DATA001"},
        {"20201004", "202010", "admin_date", "DATA001"},
        {"20201004", "20141004", "recip_dob", "BUSR005"},
        {"|F|", "|X|", "recip_sex", "DATA007"},
        {"^MI^48877", "^XX^48877", "recip_address_state", "DATA007"},
        {"^MI^48877", "^MI^12345", "recip_address_zip", "BUSR003"},
        {"48877", "4887", "recip_address_zip", "DATA005"},
        {"Clinic&999999", "Clinic&9999999", "vtrcks_prov_pin", "DATA005"},
        {"|1||Redacted", "|1~P1||Redacted", "pprl_id", "DATA004"},
        {"AAA^^MVX", "AAAA^^MVX", "mvx", "DATA008"},
        {"ORC|||ev1", "ORC|||ev 1", "vax_event_id", "DATA005"},
        {"|Org\r", "|\r", "responsible_org", "REQD001"},
        {"|CP\r", "|RE\r", "lot_number", "DNTS002"},
        {"^^^Clinic&999999^^1^", "^^^&999999^^1^", "admin_name", "REQD001"},
        {"30973-2", "30973-X", "dose_num", "REQD001"},
        {"||NO\rOBX||CE|59783-1", "||MAYBE\rOBX||CE|59783-1", "cmorbid_status", "DATA007"},
        {"UNK^Unknown^NullFlavor", "POS", "serology", "REQD001"},
        {"20201004||900", "20991004||900", "admin_date", "BUSR012"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = variant(cases[i].from, cases[i].to);
        struct vx_cvrs_result v = check_text(t, &a, VX_CVRS_DEFAULTS_AUTO);
        if (!has(&v, cases[i].field, cases[i].code)) {
            for (size_t k = 0; k < v.n; k++)
                print_message("  %s %s %s\n", v.issue[k].field, v.issue[k].code,
                              v.issue[k].message);
            fail_msg("case %zu: no %s %s", i, cases[i].field, cases[i].code);
        }
        free(t);
    }
    /* defaults: empty MSH-8 -> defaults on: refusal clears forbidden fields, UNK fills */
    char *t = variant("|D|VXU", "||VXU");
    char *t2 = NULL;
    {
        const char *p = strstr(t, "|CP\r");
        size_t n = strlen(t) + 1;
        t2 = malloc(n);
        snprintf(t2, n, "%.*s|RE\r%s", (int)(p - t), t, p + 4);
    }
    struct vx_cvrs_result d = check_text(t2, &a, VX_CVRS_DEFAULTS_AUTO);
    assert_true(d.defaults);
    assert_true(d.refusal);
    assert_int_equal(d.nerrors, 0);
    struct vx_cvrs_result off = check_text(t2, &a, VX_CVRS_DEFAULTS_OFF);
    assert_true(has(&off, "ext_type", "DATA005"));
    assert_true(has(&off, "lot_number", "DNTS002"));
    free(t);
    free(t2);
    vx_arena_release(&a);
}

static void test_valuesets_match_reference(void **state)
{
    (void)state;
    static const char *const names[] = {"CVX",      "MVX",    "DOSE",      "ROUTE",
                                        "SITE",     "SEX",    "RACE",      "ETHNICITY",
                                        "DCHTYPE2", "YES_NO", "YES_NO_UNK"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/reference/valueset-%s.txt", CVRS_DIR, names[i]);
        char *text = slurp(path, NULL);
        size_t n;
        const char *const *codes = vx_cvrs_valueset(names[i], &n);
        assert_non_null(codes);
        size_t k = 0;
        for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
            char code[64];
            if (sscanf(line, "%63s", code) != 1)
                continue;
            if (k >= n || strcmp(codes[k], code) != 0)
                fail_msg("%s: entry %zu is '%s' in the reference", names[i], k, code);
            k++;
        }
        assert_int_equal(k, n);
        free(text);
    }
    size_t n;
    assert_null(vx_cvrs_valueset("NOPE", &n));
    assert_non_null(vx_cvrs_valueset("COUNTY", &n));
    assert_true(n > 3000);
}

/* Every rule's location equals the CDC mapping spreadsheet's "V2 Field", except where
 * the spreadsheet disagrees with the CDC validator that produced the expected results. */
struct map_ctx {
    struct vx_cvrs_field_info info[64];
    size_t n, checked;
};

static void check_mapping_row(char **f, int n, void *u)
{
    struct map_ctx *c = u;
    if (n < 10 || !*f[2] || strcmp(f[2], "Variable Name") == 0)
        return;
    static const char *const exceptions[] = {
        "ndc",          /* spreadsheet RXA-5[2]-1; validator and samples: RXA-5-4 */
        "recip_race_2", /* spreadsheet gives PID-10[1]-1 for all six races; */
        "recip_race_3", /* the validator reads repetitions 1..6 */
        "recip_race_4", "recip_race_5", "recip_race_6"};
    const struct vx_cvrs_field_info *fi = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->info[i].name, f[2]) == 0)
            fi = &c->info[i];
    if (!fi)
        fail_msg("CVRS variable %s has no rule", f[2]);
    c->checked++;
    for (size_t i = 0; i < sizeof exceptions / sizeof exceptions[0]; i++)
        if (strcmp(exceptions[i], f[2]) == 0)
            return;
    char v2[128];
    size_t k = 0;
    for (const char *p = f[9]; *p && *p != '\n' && *p != ' ' && k + 1 < sizeof v2; p++)
        v2[k++] = *p;
    v2[k] = '\0';
    struct vx_hl7_loc want, got;
    if (vx_hl7_loc_parse(v2, &want) != VX_OK)
        fail_msg("%s: spreadsheet location '%s' unreadable", f[2], v2);
    assert_int_equal(vx_hl7_loc_parse(fi->location, &got), VX_OK);
    if (memcmp(&want, &got, sizeof want) != 0)
        fail_msg("%s: spreadsheet %s, rule %s", f[2], v2, fi->location);
    if (fi->obx3) { /* the OBX-3 code is named in the spreadsheet's text */
        char code[16];
        snprintf(code, sizeof code, "%.*s", (int)strcspn(fi->obx3, "^"), fi->obx3);
        if (!strstr(f[9], code))
            fail_msg("%s: OBX-3 %s not in the spreadsheet", f[2], code);
    }
}

static void test_mapping_csv(void **state)
{
    (void)state;
    struct map_ctx c = {0};
    c.n = vx_cvrs_fields(c.info, 64);
    assert_int_equal(c.n, 45);
    char *text = slurp(CVRS_DIR "/reference/CDC_COVID-19_Vaccination_Reporting_Specification_with_"
                                "HL7_Mapping.csv",
                       NULL);
    each_record(text, check_mapping_row, &c);
    assert_int_equal(c.checked, 45);
    free(text);
}

/* --- VXU builder and ACK ------------------------------------------------------------- */

static struct vx_reg_dose sample_dose(void)
{
    struct vx_reg_dose d = {0};
    d.person_id = TEST_PNR;
    d.id_authority = "SKV";
    d.id_type = "NNSWE";
    d.family_name = "Testsson";
    d.given_name = "Test|Pipe^Hat";
    d.birth_date = vx_day_from_ymd(1890, 1, 5);
    d.sex = VX_REG_SEX_MALE;
    d.street = "Storgatan 1";
    d.city = "Västerås";
    d.postal_code = "722 15";
    d.country = "SWE";
    d.dose_id = "dose-42";
    d.product = "COM";
    d.lot = "FE1234";
    d.expiry = vx_day_from_ymd(2021, 6, 30);
    d.dose_number = 2;
    d.series_doses = 2;
    vx_time t;
    assert_int_equal(vx_time_parse("2021-03-01T09:30:00+01:00", &t), VX_OK);
    d.given_at = t;
    d.site = VX_REG_SITE_LD;
    d.route = VX_REG_ROUTE_IM;
    d.performer_id = "N123";
    d.performer_family = "Nurse";
    d.performer_given = "Nina";
    d.facility_id = "S0001";
    d.facility_name = "Vaccinationscentralen";
    return d;
}

static const char *get(const struct vx_hl7_msg *m, const char *loc, struct vx_arena *a)
{
    struct vx_hl7_loc l;
    assert_int_equal(vx_hl7_loc_parse(loc, &l), VX_OK);
    return vx_hl7_get(m, &l, a);
}

static void test_vxu_builder(void **state)
{
    (void)state;
    struct vx_reg_dose d = sample_dose();
    struct vx_vxu_opts o = {.sending_facility = "Region Västmanland", .control_id = "MSG0001"};
    assert_int_equal(vx_time_parse("2021-03-01T10:00:00Z", &o.now), VX_OK);
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    struct vx_err err;
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_OK);
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m;
    round_trip(b.data, b.len, NULL, &a, &m);
    static const char *const order[] = {"MSH", "PID", "ORC", "RXA", "RXR", "OBX", "OBX", "OBX"};
    assert_int_equal(m.nseg, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < m.nseg; i++)
        assert_memory_equal(m.seg[i].name, order[i], 3);
    assert_string_equal(get(&m, "MSH-9-3", &a), "VXU_V04");
    assert_string_equal(get(&m, "MSH-10", &a), "MSG0001");
    assert_string_equal(get(&m, "MSH-7", &a), "20210301110000+0100");
    assert_string_equal(get(&m, "PID-3-1", &a), TEST_PNR);
    assert_string_equal(get(&m, "PID-3-4", &a), "SKV");
    assert_string_equal(get(&m, "PID-5-2", &a), "Test|Pipe^Hat"); /* escaped and back */
    assert_string_equal(get(&m, "PID-7", &a), "18900105");
    assert_string_equal(get(&m, "PID-11-3", &a), "Västerås");
    assert_string_equal(get(&m, "ORC-3-1", &a), "dose-42");
    assert_string_equal(get(&m, "RXA-3", &a), "20210301093000+0100");
    assert_string_equal(get(&m, "RXA-5-1", &a), "208");
    assert_string_equal(get(&m, "RXA-5-3", &a), "CVX");
    assert_string_equal(get(&m, "RXA-6", &a), "0.3");
    assert_string_equal(get(&m, "RXA-10-1", &a), "N123");
    assert_string_equal(get(&m, "RXA-11-4-2", &a), "S0001");
    assert_string_equal(get(&m, "RXA-15", &a), "FE1234");
    assert_string_equal(get(&m, "RXA-16", &a), "20210630");
    assert_string_equal(get(&m, "RXA-17-1", &a), "PFR");
    assert_string_equal(get(&m, "RXA-20", &a), "CP");
    assert_string_equal(get(&m, "RXR-1-1", &a), "C28161");
    assert_string_equal(get(&m, "RXR-2-1", &a), "LD");
    assert_non_null(strstr(b.data, "OBX|2|CE|30973-2^Dose number in series^LN|1|2^^DCHDOSE"));
    assert_non_null(strstr(b.data, "OBX|3|CE|59783-1^Status in immunization series^LN|1|YES"));
    assert_null(strstr(b.data, "|\r")); /* no trailing empty fields */
    assert_null(strstr(b.data, "^|"));  /* no trailing empty components */

    /* CVRS profile: a clean record for Comirnaty (CVX 208 and MVX PFR are in the CDC's
     * 2021 value sets); Vaxzevria's codes came later and are flagged. */
    vx_buf_clear(&b);
    o.cvrs = true;
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_OK);
    assert_int_equal(vx_hl7_parse(b.data, b.len, &a, &m, NULL), VX_OK);
    struct vx_cvrs_opts co = opts_at(2026, 1, 1);
    struct vx_cvrs_result r;
    assert_int_equal(vx_cvrs_check(&m, &co, &a, &r), VX_OK);
    for (size_t i = 0; i < r.n; i++)
        print_message("cvrs: %s %s %s\n", r.issue[i].field, r.issue[i].code, r.issue[i].message);
    assert_int_equal(r.n, 0);
    assert_string_equal(get(&m, "PID-5-1", &a), "Redacted");
    vx_buf_clear(&b);
    d.product = "AZ";
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_OK);
    assert_int_equal(vx_hl7_parse(b.data, b.len, &a, &m, NULL), VX_OK);
    assert_int_equal(vx_cvrs_check(&m, &co, &a, &r), VX_OK);
    assert_int_equal(r.n, 2);
    assert_true(has(&r, "cvx", "DATA007") && has(&r, "mvx", "DATA007"));
    d.product = "COM";

    /* a refusal: no lot, expiry, RXR, dose number; RXA-20 RE */
    vx_buf_clear(&b);
    o.cvrs = false;
    d.refused = true;
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_OK);
    assert_int_equal(vx_hl7_parse(b.data, b.len, &a, &m, NULL), VX_OK);
    assert_string_equal(get(&m, "RXA-20", &a), "RE");
    assert_string_equal(get(&m, "RXA-15", &a), "");
    assert_null(vx_hl7_find(&m, "RXR", NULL));
    assert_null(vx_hl7_find(&m, "OBX", NULL));

    /* errors leave the buffer unchanged */
    vx_buf_clear(&b);
    d.product = "NOPE";
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "RXA-5"));
    d.product = "COM";
    o.control_id = NULL;
    assert_int_equal(vx_vxu_build(&d, &o, &b, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "MSH-10"));
    assert_int_equal(b.len, 0);

    size_t n;
    const struct vx_reg_vaccine_code *t = vx_reg_vaccine_table(&n);
    static const char *const want[][2] = {
        {"COM", "208"}, {"MOD", "207"}, {"AZ", "210"}, {"JANSS", "212"}, {"NVX", "211"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(vx_reg_vaccine_lookup(want[i][0])->cvx, want[i][1]);
    for (size_t i = 0; i < n; i++)
        assert_non_null(t[i].source);
    vx_buf_release(&b);
    vx_arena_release(&a);
}

static void test_ack(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_ack ack;
    struct vx_err err;
    const char *aa = "MSH|^~\\&|IIS||VAXCHAIN||20210301||ACK^V04^ACK|A1|P|2.5.1\r"
                     "MSA|AA|MSG0001\r";
    assert_int_equal(vx_ack_parse(aa, strlen(aa), &a, &ack, &err), VX_OK);
    assert_int_equal(ack.code, VX_ACK_AA);
    assert_true(ack.accepted);
    assert_false(ack.retry);
    assert_string_equal(ack.control_id, "MSG0001");
    assert_int_equal(ack.nerr, 0);

    const char *ae = "MSH|^~\\&|IIS||VAXCHAIN||20210301||ACK^V04^ACK|A2|P|2.5.1\n"
                     "MSA|AE|MSG0002\n"
                     "ERR||RXA^1^5^1^1|103^Table value not found^HL70357|E||||CVX code 999 "
                     "unknown\n"
                     "ERR||PID^1^7|102^Data type error^HL70357|W\n";
    assert_int_equal(vx_ack_parse(ae, strlen(ae), &a, &ack, &err), VX_OK);
    assert_int_equal(ack.code, VX_ACK_AE);
    assert_false(ack.accepted);
    assert_false(ack.retry);
    assert_int_equal(ack.nerr, 2);
    assert_string_equal(ack.err[0].location, "RXA^1^5^1^1");
    assert_string_equal(ack.err[0].code, "103");
    assert_int_equal(ack.err[0].severity, 'E');
    assert_string_equal(ack.err[0].message, "CVX code 999 unknown");
    assert_string_equal(ack.err[1].message, "Data type error");
    assert_int_equal(ack.err[1].severity, 'W');

    const char *ar = "MSH|^~\\&|IIS||||||ACK|A3|P|2.5.1\rMSA|AR|MSG0003|busy\r";
    assert_int_equal(vx_ack_parse(ar, strlen(ar), &a, &ack, &err), VX_OK);
    assert_true(ack.retry);
    assert_string_equal(ack.text, "busy");

    const char *aa_err = "MSH|^~\\&|IIS||||||ACK|A4|P|2.5.1\rMSA|AA|M4\rERR||||E\r";
    assert_int_equal(vx_ack_parse(aa_err, strlen(aa_err), &a, &ack, &err), VX_OK);
    assert_false(ack.accepted);

    const char *nomsa = "MSH|^~\\&|IIS||||||ACK|A5|P|2.5.1\r";
    assert_int_equal(vx_ack_parse(nomsa, strlen(nomsa), &a, &ack, &err), VX_EPARSE);
    assert_non_null(strstr(err.msg, "MSA"));
    const char *badcode = "MSH|^~\\&|IIS||||||ACK|A6|P|2.5.1\rMSA|XX|M\r";
    assert_int_equal(vx_ack_parse(badcode, strlen(badcode), &a, &ack, &err), VX_EPARSE);
    assert_non_null(strstr(err.msg, "MSA-1"));
    assert_int_equal(vx_ack_parse("garbage", 7, &a, &ack, &err), VX_EPARSE);
    assert_non_null(strstr(err.msg, "MSH"));
    vx_arena_release(&a);
}

/* --- FHIR ---------------------------------------------------------------------------- */

static void fhir_round_trip(const char *text, size_t len, struct vx_arena *a,
                            struct vx_fhir_immunization *imm)
{
    struct vx_err err;
    if (vx_fhir_imm_parse(text, len, a, imm, &err) != VX_OK)
        fail_msg("parse: %s", err.msg);
    for (int pretty = 0; pretty < 2; pretty++) {
        struct vx_buf b;
        vx_buf_init(&b, 1u << 24);
        assert_int_equal(vx_fhir_imm_emit(imm, pretty, &b), VX_OK);
        if (vx_fhir_json_equal(text, len, b.data, b.len, &err) != VX_OK)
            fail_msg("round trip differs: %s", err.msg);
        vx_buf_release(&b);
    }
}

static void test_fhir_examples(void **state)
{
    (void)state;
    static const char *const names[] = {"example", "historical", "notGiven", "protocol",
                                        "subpotent"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/Immunization-%s.json", FHIR_DIR, names[i]);
        size_t len;
        char *text = slurp(path, &len);
        struct vx_arena a;
        vx_arena_init(&a, 0);
        struct vx_fhir_immunization imm;
        fhir_round_trip(text, len, &a, &imm);
        assert_null(imm.extra); /* every top-level element of the examples is modelled */
        assert_string_equal(imm.id, names[i]);
        vx_arena_release(&a);
        free(text);
    }
}

static void test_fhir_passthrough_and_errors(void **state)
{
    (void)state;
    const char *j =
        "{\"resourceType\":\"Immunization\",\"id\":\"x\",\"meta\":{\"versionId\":\"2\"},"
        "\"extension\":[{\"url\":\"http://e/x\",\"valueString\":\"v\"}],"
        "\"status\":\"completed\",\"vaccineCode\":{\"coding\":[{\"system\":\"s\","
        "\"code\":\"c\",\"extension\":[{\"url\":\"u\",\"valueBoolean\":true}]}]},"
        "\"patient\":{\"reference\":\"Patient/p\"},\"occurrenceDateTime\":\"2021\","
        "\"doseQuantity\":{\"value\":0.30,\"unit\":\"mL\"},"
        "\"protocolApplied\":[{\"doseNumberString\":\"booster\",\"_series\":{}}]}";
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_fhir_immunization imm;
    fhir_round_trip(j, strlen(j), &a, &imm);
    assert_non_null(imm.extra);
    assert_non_null(strstr(imm.extra, "versionId"));
    assert_non_null(imm.vaccine_code.coding[0].extra);
    assert_string_equal(imm.protocol_applied[0].dose_number_s, "booster");

    static const struct {
        const char *json, *says;
    } bad[] = {
        {"[1]", "expected an object"},
        {"{", "not valid JSON"},
        {"{\"resourceType\":\"Patient\"}", "resourceType"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"done\"}", "status"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\"}", "vaccineCode"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{},"
         "\"patient\":{}}",
         "occurrence[x]"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{"
         "\"coding\":[{\"code\":1}]},\"patient\":{},\"occurrenceString\":\"x\"}",
         "Immunization.vaccineCode.coding[0].code: expected a string"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"status\":\"completed\"}",
         "duplicate"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{},"
         "\"patient\":{},\"occurrenceString\":\"x\",\"protocolApplied\":[{}]}",
         "doseNumber"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{},"
         "\"patient\":{},\"occurrenceString\":\"x\",\"note\":[]}",
         "empty array"},
        {"{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"vaccineCode\":{},"
         "\"patient\":{},\"occurrenceString\":\"x\",\"protocolApplied\":[{"
         "\"doseNumberPositiveInt\":0}]}",
         "positive integer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vx_err err;
        if (vx_fhir_imm_parse(bad[i].json, strlen(bad[i].json), &a, &imm, &err) != VX_EPARSE)
            fail_msg("case %zu accepted", i);
        if (!strstr(err.msg, bad[i].says))
            fail_msg("case %zu: '%s'", i, err.msg);
    }
    struct vx_err err;
    assert_int_equal(vx_fhir_json_equal("{\"a\":[1,2]}", 11, "{\"a\":[1,3]}", 11, &err), VX_ERANGE);
    assert_non_null(strstr(err.msg, "$.a[1]"));
    assert_int_equal(vx_fhir_json_equal("{\"a\":1,\"b\":2}", 13, "{\"b\":2,\"a\":1.0}", 15, &err),
                     VX_OK);
    vx_arena_release(&a);
}

static void test_fhir_builder_and_bundle(void **state)
{
    (void)state;
    struct vx_reg_dose d = sample_dose();
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_fhir_immunization imm[2];
    struct vx_err err;
    assert_int_equal(vx_fhir_imm_from_dose(&d, "pseudo-7", &a, &imm[0], &err), VX_OK);
    d.dose_id = "dose-43";
    d.product = "NVX";
    d.refused = true;
    assert_int_equal(vx_fhir_imm_from_dose(&d, "pseudo-7", &a, &imm[1], &err), VX_OK);
    struct vx_buf b;
    vx_buf_init(&b, 1u << 20);
    assert_int_equal(vx_fhir_imm_emit(&imm[0], false, &b), VX_OK);
    struct vx_fhir_immunization back;
    fhir_round_trip(b.data, b.len, &a, &back);
    assert_string_equal(back.status, "completed");
    assert_string_equal(back.patient.reference, "Patient/pseudo-7");
    assert_null(strstr(b.data, TEST_PNR)); /* never the personnummer */
    assert_string_equal(back.occurrence_date_time, "2021-03-01T09:30:00+01:00");
    assert_string_equal(back.lot_number, "FE1234");
    assert_string_equal(back.expiration_date, "2021-06-30");
    assert_string_equal(back.site->coding[0].code, "LD");
    assert_string_equal(back.route->coding[0].code, "IM");
    assert_string_equal(back.performer[0].actor.reference, "Practitioner/N123");
    assert_int_equal(back.protocol_applied[0].dose_number, 2);
    assert_int_equal(back.vaccine_code.ncoding, 4);
    assert_string_equal(back.vaccine_code.coding[0].code, "COM");
    assert_string_equal(back.vaccine_code.coding[1].code, "1119349007");
    assert_string_equal(back.vaccine_code.coding[2].code, "J07BN01");
    assert_string_equal(back.vaccine_code.coding[3].code, "208");

    vx_buf_clear(&b);
    assert_int_equal(
        vx_fhir_bundle_searchset(imm, 2, "https://vx.example/fhir",
                                 "https://vx.example/fhir/Immunization?patient=pseudo-7", true, &b),
        VX_OK);
    cJSON *bundle = cJSON_Parse(b.data);
    assert_non_null(bundle);
    assert_string_equal(cJSON_GetObjectItem(bundle, "type")->valuestring, "searchset");
    assert_int_equal(cJSON_GetObjectItem(bundle, "total")->valueint, 2);
    cJSON *entries = cJSON_GetObjectItem(bundle, "entry");
    assert_int_equal(cJSON_GetArraySize(entries), 2);
    cJSON *e1 = cJSON_GetArrayItem(entries, 1);
    assert_string_equal(cJSON_GetObjectItem(e1, "fullUrl")->valuestring,
                        "https://vx.example/fhir/Immunization/dose-43");
    char *res = cJSON_PrintUnformatted(cJSON_GetObjectItem(e1, "resource"));
    struct vx_fhir_immunization r1;
    assert_int_equal(vx_fhir_imm_parse(res, strlen(res), &a, &r1, &err), VX_OK);
    assert_string_equal(r1.status, "not-done");
    assert_non_null(r1.status_reason);
    assert_null(r1.lot_number);
    cJSON_free(res);
    cJSON_Delete(bundle);

    d.product = "NOPE";
    assert_int_equal(vx_fhir_imm_from_dose(&d, "p", &a, &imm[0], &err), VX_EINVAL);
    d.product = "COM";
    assert_int_equal(vx_fhir_imm_from_dose(&d, "", &a, &imm[0], &err), VX_EINVAL);
    vx_buf_release(&b);
    vx_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdc_samples),
        cmocka_unit_test(test_z22),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_locations),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_cvrs_rules),
        cmocka_unit_test(test_valuesets_match_reference),
        cmocka_unit_test(test_mapping_csv),
        cmocka_unit_test(test_vxu_builder),
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_fhir_examples),
        cmocka_unit_test(test_fhir_passthrough_and_errors),
        cmocka_unit_test(test_fhir_builder_and_bundle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
