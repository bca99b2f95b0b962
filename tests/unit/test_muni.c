/*
 * test_muni.c — the pure parts of the muni module (include/vx/muni.h): codes, the
 * region ↔ municipality access table, the CSV and JSON list parsers with their
 * "line N, column X: reason" problems, the diff between two list versions and the
 * transport check against the real catalogue (data/vaccines.json).
 *
 * Personnummer are Skatteverket test numbers (shared data, interop/personnummer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/muni.h"

/* Skatteverket test personnummer (testpersonnummer-sample5000.csv) */
#define P1 "189001059808"
#define P2 "189001079806"
#define P3 "19121212-1212"

static vx_day today(void)
{
    return vx_day_from_ymd(2021, 3, 8);
}

static bool has_problem(const struct vx_muni_upload *up, const char *text)
{
    char buf[320];
    for (int i = 0; i < up->n_problems; i++)
        if (strstr(vx_muni_problem_format(&up->problems[i], buf, sizeof buf), text))
            return true;
    return false;
}

static void dump(const struct vx_muni_upload *up)
{
    char buf[320];
    for (int i = 0; i < up->n_problems; i++)
        fprintf(stderr, "  %s\n", vx_muni_problem_format(&up->problems[i], buf, sizeof buf));
}

#define ASSERT_PROBLEM(up, text)                                                                   \
    do {                                                                                           \
        if (!has_problem((up), (text))) {                                                          \
            dump(up);                                                                              \
            fail_msg("no problem '%s'", (text));                                                   \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------------ codes */

static void test_codes(void **state)
{
    (void)state;
    enum vx_muni_list_type t;
    for (int i = 0; i < VX_MUNI_LIST_TYPE_COUNT; i++) {
        assert_int_equal(vx_muni_list_type_parse(vx_muni_list_type_code(i), &t), VX_OK);
        assert_int_equal(t, i);
    }
    assert_int_equal(vx_muni_list_type_parse("own_home", &t), VX_EINVAL);
    assert_int_equal(vx_muni_list_type_parse(NULL, &t), VX_EINVAL);
    assert_string_equal(vx_muni_list_type_code(VX_MUNI_LIST_TYPE_COUNT), "?");
    enum vx_muni_basis b;
    assert_int_equal(vx_muni_basis_parse("consent", &b), VX_OK);
    assert_int_equal(b, VX_MUNI_BASIS_CONSENT);
    assert_non_null(strstr(vx_muni_basis_text(VX_MUNI_BASIS_PDL_COHERENT, "sv"), "6 kap."));
    assert_non_null(strstr(vx_muni_basis_text(VX_MUNI_BASIS_PDL_COHERENT, "en"), "chapter 6"));
    enum vx_muni_outcome o;
    assert_int_equal(vx_muni_outcome_parse("vaccinated", &o), VX_OK);
    assert_int_equal(o, VX_MUNI_VACCINATED);
    enum vx_muni_form f;
    assert_int_equal(vx_muni_form_parse("syringes", &f), VX_OK);
    assert_int_equal(vx_muni_form_parse("bag", &f), VX_EINVAL);
    assert_string_equal(vx_muni_change_code(VX_MUNI_CH_REMOVED), "removed");
    assert_string_equal(vx_muni_round_status_code(VX_MUNI_ROUND_HANDED), "handed_out");
}

/* ------------------------------------------------------------------ access */

static struct vx_session sess(enum vx_role r, const char *region, const char *kommun)
{
    struct vx_session s;
    memset(&s, 0, sizeof s);
    s.role = r;
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    snprintf(s.user, sizeof s.user, "u");
    return s;
}

static void test_access(void **state)
{
    (void)state;
    struct vx_session mc = sess(VX_ROLE_MUNI_COORD, "01", "0180");
    struct vx_session mn = sess(VX_ROLE_MUNI_NURSE, "01", "0180");
    struct vx_session other = sess(VX_ROLE_MUNI_COORD, "01", "0114"); /* Upplands Väsby */
    struct vx_session rc = sess(VX_ROLE_REGION_COORD, "01", "");
    struct vx_session rc12 = sess(VX_ROLE_REGION_COORD, "12", "");
    struct vx_session cc = sess(VX_ROLE_CALLCENTRE, "01", "");
    struct vx_session nat = sess(VX_ROLE_NATIONAL, "", "");
    struct vx_session au = sess(VX_ROLE_AUDITOR, "", "");
    enum vx_muni_view v;

    /* a municipality sees its own residents in full, never another's */
    assert_int_equal(vx_muni_access(&mc, VX_MUNI_LIST_READ, "0180", "01", &v), VX_OK);
    assert_int_equal(v, VX_MUNI_VIEW_FULL);
    assert_int_equal(vx_muni_access(&other, VX_MUNI_LIST_READ, "0180", "01", &v), VX_EDENIED);
    assert_int_equal(v, VX_MUNI_VIEW_NONE);
    assert_int_equal(vx_muni_access(&mn, VX_MUNI_LIST_READ, "0180", "01", &v), VX_OK);
    assert_int_equal(vx_muni_access(&mn, VX_MUNI_LIST_READ, "0114", "01", &v), VX_EDENIED);
    /* the region: its own municipalities only, and only the minimum fields */
    assert_int_equal(vx_muni_access(&rc, VX_MUNI_LIST_READ, "0180", "01", &v), VX_OK);
    assert_int_equal(v, VX_MUNI_VIEW_MIN);
    assert_int_equal(vx_muni_access(&rc12, VX_MUNI_LIST_READ, "0180", "01", &v), VX_EDENIED);
    assert_int_equal(vx_muni_access(&rc12, VX_MUNI_LIST_READ, "1280", "12", &v), VX_OK);
    /* uploads: only the municipal coordinator; decisions: only the region */
    assert_int_equal(vx_muni_access(&mc, VX_MUNI_LIST_UPLOAD, "0180", "01", NULL), VX_OK);
    assert_int_equal(vx_muni_access(&mn, VX_MUNI_LIST_UPLOAD, "0180", "01", NULL), VX_EDENIED);
    assert_int_equal(vx_muni_access(&rc, VX_MUNI_LIST_UPLOAD, "0180", "01", NULL), VX_EDENIED);
    assert_int_equal(vx_muni_access(&rc, VX_MUNI_ROUND_DECIDE, "0180", "01", NULL), VX_OK);
    assert_int_equal(vx_muni_access(&mc, VX_MUNI_ROUND_DECIDE, "0180", "01", NULL), VX_EDENIED);
    assert_int_equal(vx_muni_access(&mn, VX_MUNI_ROUND_RECORD, "0180", "01", NULL), VX_OK);
    assert_int_equal(vx_muni_access(&mc, VX_MUNI_ROUND_RECORD, "0180", "01", NULL), VX_EDENIED);
    /* roles without a part in it */
    for (int a = 0; a < VX_MUNI_ACTION_COUNT; a++) {
        assert_int_equal(vx_muni_access(&cc, a, "0180", "01", NULL), VX_EDENIED);
        assert_int_equal(vx_muni_access(&nat, a, "0180", "01", NULL), VX_EDENIED);
        assert_int_equal(vx_muni_access(NULL, a, "0180", "01", NULL), VX_ENOTFOUND);
        assert_int_equal(vx_muni_access(&au, a, "0180", "01", NULL),
                         a == VX_MUNI_ACCESS_LOG ? VX_OK : VX_EDENIED);
    }
    /* an empty kommun never matches an empty session kommun */
    struct vx_session blank = sess(VX_ROLE_MUNI_COORD, "01", "");
    assert_int_equal(vx_muni_access(&blank, VX_MUNI_LIST_READ, "", "01", NULL), VX_EDENIED);
    assert_int_equal(vx_muni_access(&mc, VX_MUNI_ACTION_COUNT, "0180", "01", NULL), VX_EDENIED);
    /* role sets */
    assert_int_equal(vx_muni_action_roles(VX_MUNI_LIST_UPLOAD), VX_ROLE_BIT(VX_ROLE_MUNI_COORD));
    assert_int_equal(vx_muni_action_roles(VX_MUNI_ROUND_RECORD), VX_ROLE_BIT(VX_ROLE_MUNI_NURSE));
    assert_int_equal(vx_muni_action_roles(VX_MUNI_ACTION_COUNT), 0);
}

/* ------------------------------------------------------------------ CSV */

static void test_csv_ok(void **state)
{
    (void)state;
    const char *csv = "\xef\xbb\xbfpersonnummer;unit_code;list_type;unit_name;consent;notes\r\n" P1
                      ";SOL;special_housing;Solgården;given;\"tolk; arabiska\"\r\n"
                      "\r\n" P2 ";HT-1;home_care;Hemtjänst Norr;;\"två\nrader? nej\"\r\n";
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    enum vx_status rc = vx_muni_parse_csv(csv, strlen(csv), today(), &up);
    /* a line break inside a quoted note is a control character: refused */
    assert_int_equal(rc, VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 4, column notes: not UTF-8 text, or contains control characters");
    vx_muni_upload_release(&up);

    const char *good = "personnummer,unit_code,list_type,unit_name,consent,status,notes\n" P1
                       ",SOL,special_housing,Solgården,given,,\"tolk, arabiska\"\n"
                       " " P3 " ,HT-1,home_care,Hemtjänst Norr,, deceased ,\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(good, strlen(good), today(), &up), VX_OK);
    assert_int_equal(up.n_rows, 2);
    assert_string_equal(up.rows[0].pnr, P1);
    assert_string_equal(up.rows[0].unit_code, "SOL");
    assert_string_equal(up.rows[0].unit_name, "Solgården");
    assert_int_equal(up.rows[0].type, VX_MUNI_SPECIAL_HOUSING);
    assert_int_equal(up.rows[0].consent, VX_MUNI_CONSENT_GIVEN);
    assert_string_equal(up.rows[0].notes, "tolk, arabiska");
    assert_int_equal(up.rows[0].line, 2);
    assert_string_equal(up.rows[1].pnr, "191212121212");
    assert_int_equal(up.rows[1].consent, VX_MUNI_CONSENT_UNKNOWN);
    assert_int_equal(up.rows[1].status, VX_MUNI_ROW_DECEASED);
    assert_int_equal(up.rows[1].line, 3);
    vx_muni_upload_release(&up);
}

static void test_csv_problems(void **state)
{
    (void)state;
    const char *csv = "personnummer,unit_code,list_type,consent\n"
                      "189001059807,SOL,special_housing,given\n" /* check digit */
        P2 ",SOL,hotel,given\n"                                  /* list type */
        P2 ",S O L,home_care,maybe\n"                            /* unit code, consent, dup */
        P1 ",SOL,lss_home\n"                                     /* column count */
                      ",SOL,lss_home,given\n";                   /* required */
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(csv, strlen(csv), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 2, column personnummer: bad check digit");
    ASSERT_PROBLEM(&up, "line 3, column list_type: unknown list type 'hotel'");
    ASSERT_PROBLEM(&up, "line 4, column unit_code: only letters");
    ASSERT_PROBLEM(&up, "line 4, column consent: unknown consent 'maybe'");
    ASSERT_PROBLEM(&up, "line 4, column personnummer: the same person is already on line 3");
    ASSERT_PROBLEM(&up, "line 5: 3 columns, the header has 4");
    ASSERT_PROBLEM(&up, "line 6, column personnummer: required");
    assert_int_equal(up.total_problems, 7);
    vx_muni_upload_release(&up);

    /* header problems stop the parse */
    const char *bad_header = "personnummer,unit,list_type\n" P1 ",SOL,lss_home\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(bad_header, strlen(bad_header), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 1: column 2: unknown column 'unit'");
    ASSERT_PROBLEM(&up, "line 1, column unit_code: required column missing from the header");
    assert_int_equal(up.n_rows, 0);
    vx_muni_upload_release(&up);

    const char *twice = "personnummer,unit_code,list_type,unit_code\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(twice, strlen(twice), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 1, column unit_code: named twice");
    vx_muni_upload_release(&up);

    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv("", 0, today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "the file is empty");
    vx_muni_upload_release(&up);

    const char *hdr = "personnummer,unit_code,list_type\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(hdr, strlen(hdr), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "no rows after the header");
    vx_muni_upload_release(&up);

    const char *quote = "personnummer,unit_code,list_type\n" P1 ",\"SOL\"x,lss_home\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(quote, strlen(quote), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 2: column 2: unexpected character after closing quote");
    vx_muni_upload_release(&up);

    const char *nul = "personnummer,unit_code,list_type\n" P1 ",S\0L,lss_home\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(nul, 33 + 26, today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 2: contains a NUL byte");
    vx_muni_upload_release(&up);

    /* a future birth date is a personnummer problem, not a crash */
    const char *future = "personnummer,unit_code,list_type\n20990101-0000,SOL,lss_home\n";
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(future, strlen(future), today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "line 2, column personnummer:");
    vx_muni_upload_release(&up);
}

static void test_csv_many_problems(void **state)
{
    (void)state;
    /* 300 bad lines: every one counted, the first 200 kept */
    size_t cap = 64 + 300 * 40;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t n = (size_t)snprintf(csv, cap, "personnummer,unit_code,list_type\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(csv + n, cap - n, "%s,U%d,nowhere\n", i % 2 ? P1 : P2, i);
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv(csv, n, today(), &up), VX_EINVAL);
    assert_int_equal(up.n_problems, VX_MUNI_MAX_PROBLEMS);
    assert_int_equal(up.total_problems, 300 + 298); /* + duplicates of P1 and P2 */
    assert_int_equal(up.n_rows, 300);
    vx_muni_upload_release(&up);
    free(csv);

    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_csv("x", VX_MUNI_MAX_CSV_BYTES + 1u, today(), &up), VX_ERANGE);
    ASSERT_PROBLEM(&up, "larger than");
    vx_muni_upload_release(&up);
}

/* ------------------------------------------------------------------ JSON */

static void test_json(void **state)
{
    (void)state;
    cJSON *rows = cJSON_Parse("[{\"personnummer\":\"" P1 "\",\"unit_code\":\"SOL\","
                              "\"list_type\":\"special_housing\",\"consent\":\"representative\","
                              "\"notes\":null},"
                              "{\"personnummer\":\"" P2 "\",\"unit_code\":\"SOL\","
                              "\"list_type\":\"home_care\",\"colour\":\"red\",\"consent\":3},"
                              "{\"unit_code\":\"X\",\"list_type\":\"lss_home\"},"
                              "17]");
    assert_non_null(rows);
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    assert_int_equal(vx_muni_parse_json(rows, today(), &up), VX_EINVAL);
    assert_int_equal(up.rows[0].consent, VX_MUNI_CONSENT_REPRESENT);
    ASSERT_PROBLEM(&up, "line 2, column colour: unknown field");
    ASSERT_PROBLEM(&up, "line 2, column consent: must be a string");
    ASSERT_PROBLEM(&up, "line 3, column personnummer: required");
    ASSERT_PROBLEM(&up, "line 4: must be an object");
    assert_int_equal(up.total_problems, 4);
    vx_muni_upload_release(&up);
    cJSON_Delete(rows);

    vx_muni_upload_init(&up);
    cJSON *obj = cJSON_Parse("{}");
    assert_int_equal(vx_muni_parse_json(obj, today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "must be an array");
    vx_muni_upload_release(&up);
    cJSON_Delete(obj);

    vx_muni_upload_init(&up);
    cJSON *empty = cJSON_Parse("[]");
    assert_int_equal(vx_muni_parse_json(empty, today(), &up), VX_EINVAL);
    ASSERT_PROBLEM(&up, "the list is empty");
    vx_muni_upload_release(&up);
    cJSON_Delete(empty);
}

/* ------------------------------------------------------------------ diff */

static struct vx_muni_row row(int64_t id, const char *unit, enum vx_muni_list_type t,
                              enum vx_muni_row_status s)
{
    struct vx_muni_row r;
    memset(&r, 0, sizeof r);
    r.person_id = id;
    snprintf(r.unit_code, sizeof r.unit_code, "%s", unit);
    r.type = t;
    r.status = s;
    return r;
}

struct seen {
    struct vx_muni_change c[16];
    int n;
};

static int collect(void *p, const struct vx_muni_change *c)
{
    struct seen *s = p;
    s->c[s->n++] = *c;
    return 0;
}

static int stop_at_two(void *p, const struct vx_muni_change *c)
{
    struct seen *s = p;
    s->c[s->n++] = *c;
    return s->n == 2 ? VX_ECONFLICT : 0;
}

static void test_diff(void **state)
{
    (void)state;
    struct vx_muni_row old[] = {
        row(5, "SOL", VX_MUNI_SPECIAL_HOUSING, 0), /* unchanged */
        row(1, "SOL", VX_MUNI_SPECIAL_HOUSING, 0), /* moved to EK */
        row(2, "HT1", VX_MUNI_HOME_CARE, 0),       /* type changed */
        row(3, "SOL", VX_MUNI_SPECIAL_HOUSING, 0), /* deceased */
        row(4, "HT1", VX_MUNI_HOME_CARE, 0),       /* removed */
        row(6, "LSS", VX_MUNI_LSS_HOME, 0),        /* moved out */
    };
    struct vx_muni_row cur[] = {
        row(9, "EK", VX_MUNI_SPECIAL_HOUSING, 0), /* new */
        row(6, "LSS", VX_MUNI_LSS_HOME, VX_MUNI_ROW_MOVED_OUT),
        row(3, "SOL", VX_MUNI_SPECIAL_HOUSING, VX_MUNI_ROW_DECEASED),
        row(2, "HT1", VX_MUNI_HOME_HEALTH, 0),
        row(1, "EK", VX_MUNI_SPECIAL_HOUSING, 0),
        row(5, "SOL", VX_MUNI_SPECIAL_HOUSING, 0),
        row(7, "X", VX_MUNI_HOME_CARE, VX_MUNI_ROW_DECEASED), /* never listed: nothing */
    };
    struct seen s = {0};
    int counts[VX_MUNI_CH_COUNT];
    assert_int_equal(vx_muni_diff(old, 6, cur, 7, collect, &s, counts), VX_OK);
    assert_int_equal(s.n, 6);
    /* person-id order */
    assert_int_equal(s.c[0].person_id, 1);
    assert_int_equal(s.c[0].kind, VX_MUNI_CH_MOVED);
    assert_string_equal(s.c[0].old_unit, "SOL");
    assert_string_equal(s.c[0].new_unit, "EK");
    assert_int_equal(s.c[1].kind, VX_MUNI_CH_TYPE);
    assert_int_equal(s.c[1].old_type, VX_MUNI_HOME_CARE);
    assert_int_equal(s.c[1].new_type, VX_MUNI_HOME_HEALTH);
    assert_int_equal(s.c[2].kind, VX_MUNI_CH_DECEASED);
    assert_string_equal(s.c[2].new_unit, "");
    assert_int_equal(s.c[3].kind, VX_MUNI_CH_REMOVED);
    assert_int_equal(s.c[3].person_id, 4);
    assert_string_equal(s.c[3].old_unit, "HT1");
    assert_int_equal(s.c[4].kind, VX_MUNI_CH_MOVED_OUT);
    assert_int_equal(s.c[5].kind, VX_MUNI_CH_NEW);
    assert_int_equal(s.c[5].person_id, 9);
    int want[VX_MUNI_CH_COUNT] = {1, 1, 1, 1, 1, 1};
    assert_memory_equal(counts, want, sizeof want);

    /* first version: everything new; nothing to nothing: no change */
    memset(&s, 0, sizeof s);
    assert_int_equal(vx_muni_diff(NULL, 0, cur, 2, collect, &s, counts), VX_OK);
    assert_int_equal(s.n, 1); /* 9 new; 6 moved out but never listed */
    assert_int_equal(vx_muni_diff(NULL, 0, NULL, 0, collect, &s, NULL), VX_OK);
    /* the callback stops it */
    memset(&s, 0, sizeof s);
    assert_int_equal(vx_muni_diff(old, 6, cur, 7, stop_at_two, &s, NULL), VX_ECONFLICT);
    assert_int_equal(s.n, 2);
}

/* ------------------------------------------------------------------ transport */

static const struct vx_catalog *load_catalog(struct vx_arena *a)
{
    FILE *f = fopen(VX_SOURCE_DIR "/data/vaccines.json", "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const struct vx_catalog *cat = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_catalog_parse(buf, n, a, &cat, &err), VX_OK);
    return cat;
}

static const struct vx_muni_transport_rule *rule(const struct vx_muni_transport_verdict *v,
                                                 const char *code)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->rules[i].code, code))
            return &v->rules[i];
    return NULL;
}

static void test_transport(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 8u << 20);
    const struct vx_catalog *cat = load_catalog(&a);
    const struct vx_product *com = vx_catalog_find(cat, "COM");
    const struct vx_product *flu = vx_catalog_find(cat, "FLU_VAXIGRIP");
    assert_non_null(com);
    assert_non_null(flu);
    struct vx_muni_transport_verdict v;

    /* Comirnaty in vials: refused (shake-sensitive), with both texts */
    struct vx_muni_transport t = {VX_MUNI_FORM_VIALS, 30, 120};
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_ERANGE);
    assert_false(v.ok);
    const struct vx_muni_transport_rule *r = rule(&v, "shake_sensitive_form");
    assert_non_null(r);
    assert_false(r->ok);
    assert_non_null(strstr(r->text_sv, "skakningskänsligt"));
    assert_non_null(strstr(r->text_en, "shake-sensitive"));
    assert_non_null(rule(&v, "open_vial_time"));
    assert_non_null(rule(&v, "dilution"));

    /* drawn-up syringes: transport + time on site within the 6 h of the catalogue */
    t = (struct vx_muni_transport){VX_MUNI_FORM_SYRINGES, 30, 120};
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_OK);
    assert_true(v.ok);
    r = rule(&v, "drawn_up_time");
    assert_non_null(r);
    assert_true(r->ok);
    assert_int_equal(r->limit_minutes, 360);
    assert_non_null(rule(&v, "frozen"));
    assert_non_null(rule(&v, "light"));
    assert_non_null(rule(&v, "note"));
    assert_null(rule(&v, "dilution"));
    t.transport_minutes = 240;
    t.duration_minutes = 121; /* 361 > 360 */
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_ERANGE);
    r = rule(&v, "drawn_up_time");
    assert_false(r->ok);
    assert_non_null(strstr(r->text_en, "361 min (limit 360 min)"));
    t.duration_minutes = 120; /* exactly 360: allowed */
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_OK);

    /* influenza in syringes or vials: no shake rule, no time limit */
    t = (struct vx_muni_transport){VX_MUNI_FORM_VIALS, 600, 600};
    assert_int_equal(vx_muni_transport_check(flu, today(), &t, &v), VX_OK);
    assert_null(rule(&v, "shake_sensitive_form"));
    t.form = VX_MUNI_FORM_SYRINGES;
    assert_int_equal(vx_muni_transport_check(flu, today(), &t, &v), VX_OK);
    assert_true(rule(&v, "drawn_up_time")->ok);
    assert_int_equal(rule(&v, "drawn_up_time")->limit_minutes, 0);

    /* bad input */
    t.transport_minutes = -1;
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_EINVAL);
    t.transport_minutes = 1441;
    assert_int_equal(vx_muni_transport_check(com, today(), &t, &v), VX_EINVAL);
    assert_int_equal(vx_muni_transport_check(NULL, today(), &t, &v), VX_EINVAL);

    /* vials for doses: Comirnaty 5 per vial before 2021-02-01, 6 after */
    assert_int_equal(vx_muni_vials_needed(com, vx_day_from_ymd(2021, 1, 10), 11), 3);
    assert_int_equal(vx_muni_vials_needed(com, today(), 12), 2);
    assert_int_equal(vx_muni_vials_needed(com, today(), 13), 3);
    assert_int_equal(vx_muni_vials_needed(com, today(), 0), 0);
    assert_int_equal(vx_muni_vials_needed(com, vx_day_from_ymd(2020, 1, 1), 5), 0);
    vx_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_csv_ok),
        cmocka_unit_test(test_csv_problems),
        cmocka_unit_test(test_csv_many_problems),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_transport),
    };
    return cmocka_run_group_tests_name("muni", tests, NULL, NULL);
}
