/*
 * test_catalog.c — the vaccine catalogue: the real data/vaccines.json (parsed, its DCC
 * codes checked against the EU value sets in ../shared/data/interop/dcc/valuesets),
 * date-dependent answers at their boundaries (Vaxzevria 64 vs 65 before, during and
 * after Sweden's restrictions, dose intervals, doses per vial, storage, the influenza
 * season), and every parse error path with small hand-written catalogues.
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
#include "vx/catalog.h"

#define CATALOG_PATH VX_SOURCE_DIR "/data/vaccines.json"
#define VS_DIR       VX_SHARED_DATA_DIR "/interop/dcc/valuesets"

static vx_day D(const char *s)
{
    vx_day d;
    if (vx_day_parse(s, &d) != VX_OK)
        fail_msg("bad test date %s", s);
    return d;
}

/* The real catalogue, parsed once per test into its own arena. */
struct fixture {
    struct vx_arena arena;
    char *text;
    const struct vx_catalog *cat;
};

static int setup_real(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct vx_err err = {0};
    assert_non_null(fx);
    vx_arena_init(&fx->arena, 0);
    fx->text = slurp(CATALOG_PATH, NULL);
    enum vx_status st = vx_catalog_parse(fx->text, strlen(fx->text), &fx->arena, &fx->cat, &err);
    if (st != VX_OK)
        fail_msg("data/vaccines.json: %s", err.msg);
    *state = fx;
    return 0;
}

static int teardown_real(void **state)
{
    struct fixture *fx = *state;
    vx_arena_release(&fx->arena);
    free(fx->text);
    free(fx);
    return 0;
}

static const struct vx_product *product(void **state, const char *code)
{
    struct fixture *fx = *state;
    const struct vx_product *p = vx_catalog_find(fx->cat, code);
    if (!p)
        fail_msg("no product %s in the catalogue", code);
    return p;
}

/* ---------------------------------------------------------------- the real file */

static void test_real_products(void **state)
{
    struct fixture *fx = *state;
    static const char *const codes[] = {"COM", "MOD", "AZ", "JANSS", "NVX", "FLU_VAXIGRIP"};
    assert_string_equal(fx->cat->country, "SE");
    assert_int_equal(fx->cat->n_products, VX_ARRAY_LEN(codes));
    for (size_t i = 0; i < VX_ARRAY_LEN(codes); i++) {
        const struct vx_product *p = product(state, codes[i]);
        /* Every product cites its static values and its references resolve. */
        assert_non_null(vx_product_source(p, "name"));
        assert_non_null(vx_product_source(p, "doses"));
        assert_non_null(vx_product_source(p, "transport"));
        assert_true(p->n_vials >= 1 && p->n_storage >= 1);
        if (p->dcc.mp)
            assert_non_null(vx_product_source(p, "dcc"));
    }
    assert_null(vx_catalog_find(fx->cat, "com"));
    assert_null(vx_catalog_find(fx->cat, "NOPE"));
    assert_ptr_equal(vx_catalog_find_dcc(fx->cat, "EU/1/21/1529"), product(state, "AZ"));
    assert_null(vx_catalog_find_dcc(fx->cat, "EU/1/99/0001"));
    assert_non_null(vx_catalog_reference(fx->cat, "fohm-leveranser"));
    assert_null(vx_catalog_reference(fx->cat, "nope"));
    /* Names and DCC codes as the value sets spell them. */
    assert_string_equal(product(state, "COM")->dcc.mp, "EU/1/20/1528");
    assert_string_equal(product(state, "COM")->name, "Comirnaty");
    assert_null(product(state, "FLU_VAXIGRIP")->dcc.mp);
    assert_true(product(state, "FLU_VAXIGRIP")->seasonal);
    assert_int_equal(product(state, "JANSS")->doses, 1);
}

static void test_real_dcc_codes(void **state)
{
    struct fixture *fx = *state;
    char *mp = slurp(VS_DIR "/vaccine-medicinal-product.json", NULL);
    char *vp = slurp(VS_DIR "/vaccine-prophylaxis.json", NULL);
    char *ma = slurp(VS_DIR "/vaccine-mah-manf.json", NULL);
    char *enc = slurp(VS_DIR "/vaccine-encoding-instructions.json", NULL);
    struct vx_err err = {0};
    enum vx_status st = vx_catalog_check_dcc(fx->cat, mp, vp, ma, enc, &err);
    if (st != VX_OK)
        fail_msg("DCC codes: %s", err.msg);
    assert_int_equal(vx_catalog_check_dcc(fx->cat, mp, vp, ma, NULL, &err), VX_OK);
    /* Value sets given in the wrong order are recognised by their valueSetId. */
    assert_int_equal(vx_catalog_check_dcc(fx->cat, vp, mp, ma, NULL, &err), VX_EPARSE);
    assert_non_null(strstr(err.msg, "vaccines-covid-19-names"));
    assert_int_equal(vx_catalog_check_dcc(fx->cat, "{", vp, ma, NULL, &err), VX_EPARSE);
    free(mp);
    free(vp);
    free(ma);
    free(enc);
}

static void test_doses_per_vial(void **state)
{
    const struct vx_product *com = product(state, "COM");
    assert_int_equal(vx_product_doses_per_vial(com, D("2020-12-20"), false), 0);
    assert_int_equal(vx_product_doses_per_vial(com, D("2020-12-21"), false), 5);
    assert_int_equal(vx_product_doses_per_vial(com, D("2021-01-31"), false), 5);
    assert_int_equal(vx_product_doses_per_vial(com, D("2021-01-31"), true), 6);
    /* FoHM counts 6 from 2021-W05, whose Monday is 2021-02-01. */
    assert_int_equal(vx_isoweek_monday(2021, 5), D("2021-02-01"));
    assert_int_equal(vx_product_doses_per_vial(com, D("2021-02-01"), false), 6);
    const struct vx_product *az = product(state, "AZ");
    assert_int_equal(vx_product_doses_per_vial(az, D("2021-03-01"), false), 10);
    assert_int_equal(vx_product_doses_per_vial(az, D("2021-03-01"), true), 11);
    assert_int_equal(vx_product_doses_per_vial(product(state, "MOD"), D("2021-06-01"), false), 10);
    assert_int_equal(vx_product_doses_per_vial(product(state, "JANSS"), D("2021-06-01"), false), 5);
    assert_int_equal(vx_product_doses_per_vial(product(state, "NVX"), D("2022-02-01"), false), 10);
    assert_int_equal(
        vx_product_doses_per_vial(product(state, "FLU_VAXIGRIP"), D("2021-11-09"), true), 1);
}

/* Vaxzevria: 18+ from authorisation; under 65 only 2021-02-02..03-03; paused
 * 2021-03-16..24; from 2021-03-25 only people turning 65 or more in the year. */
static void test_vaxzevria_age_boundaries(void **state)
{
    const struct vx_product *az = product(state, "AZ");
    struct vx_age_answer a;

    /* Before authorisation. */
    assert_int_equal(vx_product_age_allowed_years(az, 70, D("2021-01-28"), &a),
                     VX_AGE_NOT_AUTHORISED);
    assert_true(strlen(vx_age_reason(&a, "sv")) > 0);

    /* Under-65 recommendation, completed years: 64 yes, 65 no, up to and incl. 03-03. */
    assert_int_equal(vx_product_age_allowed_years(az, 64, D("2021-02-10"), &a), VX_AGE_OK);
    assert_string_equal(vx_age_reason(&a, "sv"), "");
    assert_int_equal(vx_product_age_allowed_years(az, 65, D("2021-02-10"), &a), VX_AGE_TOO_OLD);
    assert_non_null(strstr(vx_age_reason(&a, "sv"), "under 65"));
    assert_non_null(strstr(vx_age_reason(&a, "en"), "under 65"));
    assert_int_equal(vx_product_age_allowed_years(az, 65, D("2021-03-03"), &a), VX_AGE_TOO_OLD);
    /* A person born 1956-02-11 turns 65 on 2021-02-11: allowed the day before. */
    assert_int_equal(vx_product_age_allowed(az, D("1956-02-11"), D("2021-02-10"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed(az, D("1956-02-11"), D("2021-02-11"), &a),
                     VX_AGE_TOO_OLD);

    /* 2021-03-04..15: everybody 18+. */
    assert_int_equal(vx_product_age_allowed_years(az, 64, D("2021-03-04"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(az, 65, D("2021-03-04"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(az, 64, D("2021-03-15"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(az, 17, D("2021-03-15"), &a), VX_AGE_TOO_YOUNG);
    assert_non_null(strstr(vx_age_reason(&a, "en"), "18"));

    /* Paused 16-24 March for everybody. */
    assert_int_equal(vx_product_age_allowed_years(az, 80, D("2021-03-16"), &a), VX_AGE_PAUSED);
    assert_non_null(a.rule);
    assert_true(a.rule->paused);
    assert_int_equal(vx_product_age_allowed_years(az, 64, D("2021-03-24"), &a), VX_AGE_PAUSED);

    /* From 25 March: 65+ by birth year (born 1956 or earlier in 2021). */
    assert_int_equal(vx_product_age_allowed_years(az, 65, D("2021-03-25"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(az, 64, D("2021-03-25"), &a), VX_AGE_TOO_YOUNG);
    assert_non_null(strstr(vx_age_reason(&a, "sv"), "1956"));
    assert_non_null(strstr(vx_age_reason(&a, "en"), "1956"));
    /* Born 1956-12-31: 64 in completed years on 2021-04-01 but 65 by birth year. */
    assert_int_equal(vx_age_at(D("1956-12-31"), D("2021-04-01")), 64);
    assert_int_equal(vx_product_age_allowed(az, D("1956-12-31"), D("2021-04-01"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed(az, D("1957-01-01"), D("2021-04-01"), &a),
                     VX_AGE_TOO_YOUNG);
    /* In 2022 the 1957 cohort is 65 by birth year. */
    assert_int_equal(vx_product_age_allowed(az, D("1957-12-31"), D("2022-01-03"), &a), VX_AGE_OK);
}

static void test_other_age_rules(void **state)
{
    struct vx_age_answer a;
    const struct vx_product *com = product(state, "COM");
    /* 16+ until 2021-05-30, 12+ from 2021-05-31; birthday counts from the day itself. */
    assert_int_equal(vx_product_age_allowed(com, D("2005-03-01"), D("2021-03-01"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed(com, D("2005-03-02"), D("2021-03-01"), &a),
                     VX_AGE_TOO_YOUNG);
    assert_int_equal(vx_product_age_allowed_years(com, 12, D("2021-05-30"), &a), VX_AGE_TOO_YOUNG);
    assert_int_equal(vx_product_age_allowed_years(com, 12, D("2021-05-31"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(com, 11, D("2021-05-31"), &a), VX_AGE_TOO_YOUNG);
    /* Born before the date it is asked about. */
    assert_int_equal(vx_product_age_allowed(com, D("2030-01-01"), D("2021-06-01"), &a),
                     VX_AGE_TOO_YOUNG);

    /* Spikevax paused for people born 1991 or later from 2021-10-06. */
    const struct vx_product *mod = product(state, "MOD");
    assert_int_equal(vx_product_age_allowed(mod, D("1991-01-01"), D("2021-10-05"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed(mod, D("1991-01-01"), D("2021-10-06"), &a),
                     VX_AGE_TOO_YOUNG);
    assert_non_null(strstr(vx_age_reason(&a, "sv"), "1991"));
    assert_int_equal(vx_product_age_allowed(mod, D("1990-12-31"), D("2021-10-06"), &a), VX_AGE_OK);

    /* Janssen: paused for everybody from 2021-04-14 (the pause wins over the age rule). */
    const struct vx_product *jan = product(state, "JANSS");
    assert_int_equal(vx_product_age_allowed_years(jan, 70, D("2021-04-13"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(jan, 70, D("2021-05-01"), &a), VX_AGE_PAUSED);
    assert_int_equal(vx_product_age_allowed_years(jan, 30, D("2021-05-01"), &a), VX_AGE_PAUSED);

    /* Influenza from 6 completed months (born 31 May: 6 months on 1 December). */
    const struct vx_product *flu = product(state, "FLU_VAXIGRIP");
    assert_int_equal(vx_product_age_allowed(flu, D("2021-05-31"), D("2021-11-30"), &a),
                     VX_AGE_TOO_YOUNG);
    assert_int_equal(vx_product_age_allowed(flu, D("2021-05-31"), D("2021-12-01"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed(flu, D("2021-06-15"), D("2021-12-15"), &a), VX_AGE_OK);
    assert_int_equal(vx_product_age_allowed_years(flu, 0, D("2021-12-15"), &a), VX_AGE_TOO_YOUNG);
    assert_int_equal(vx_product_age_allowed_years(flu, 1, D("2021-12-15"), &a), VX_AGE_OK);
}

static void test_intervals(void **state)
{
    struct vx_interval_answer a;
    const struct vx_product *com = product(state, "COM");
    vx_day prev = D("2021-01-10");
    assert_int_equal(vx_product_interval_check(com, 2, prev, prev + 20, &a), VX_INTERVAL_TOO_EARLY);
    assert_int_equal(a.days, 20);
    assert_int_equal(a.min_days, 21);
    assert_int_equal(a.earliest, prev + 21);
    assert_int_equal(a.latest, VX_CATALOG_OPEN_END);
    assert_int_equal(vx_product_interval_check(com, 2, prev, prev + 21, &a), VX_INTERVAL_OK);
    assert_int_equal(a.rec_days, 21);
    assert_int_equal(vx_product_interval_check(com, 2, prev, prev + 400, &a), VX_INTERVAL_OK);
    /* The rule in force on the day of dose 1 decides: 6 weeks, then 7 from 2021-05-24. */
    assert_int_equal(vx_product_interval_check(com, 2, D("2021-05-23"), D("2021-07-04"), &a),
                     VX_INTERVAL_OK);
    assert_int_equal(a.rec_days, 42);
    assert_int_equal(vx_product_interval_check(com, 2, D("2021-05-24"), D("2021-07-12"), &a),
                     VX_INTERVAL_OK);
    assert_int_equal(a.rec_days, 49);
    assert_int_equal(a.recommended, D("2021-07-12"));
    /* No such dose, or before any rule. */
    assert_int_equal(vx_product_interval_check(com, 3, prev, prev + 30, &a), VX_INTERVAL_NO_RULE);
    assert_int_equal(vx_product_interval_check(com, 1, prev, prev + 30, &a), VX_INTERVAL_NO_RULE);
    assert_int_equal(vx_product_interval_check(com, 2, D("2020-12-01"), D("2021-01-01"), &a),
                     VX_INTERVAL_NO_RULE);
    assert_null(a.rule);
    assert_int_equal(vx_product_interval_check(product(state, "JANSS"), 2, prev, prev + 60, &a),
                     VX_INTERVAL_NO_RULE);

    /* Vaxzevria 28..84 days. */
    const struct vx_product *az = product(state, "AZ");
    prev = D("2021-02-15");
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev + 27, &a), VX_INTERVAL_TOO_EARLY);
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev + 28, &a), VX_INTERVAL_OK);
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev + 84, &a), VX_INTERVAL_OK);
    assert_int_equal(a.latest, prev + 84);
    assert_int_equal(a.max_days, 84);
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev + 85, &a), VX_INTERVAL_TOO_LATE);
    assert_true(a.min_days <= a.rec_days && a.rec_days <= a.max_days);
    /* Same day and a date before the previous dose are "too early". */
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev, &a), VX_INTERVAL_TOO_EARLY);
    assert_int_equal(vx_product_interval_check(az, 2, prev, prev - 5, &a), VX_INTERVAL_TOO_EARLY);
}

static void test_season_window(void **state)
{
    const struct vx_product *flu = product(state, "FLU_VAXIGRIP");
    const struct vx_season *s = NULL;
    assert_false(vx_product_in_season(flu, D("2021-11-08"), &s));
    assert_null(s);
    assert_true(vx_product_in_season(flu, D("2021-11-09"), &s));
    assert_non_null(s);
    assert_string_equal(s->label, "2021/2022");
    assert_true(vx_product_in_season(flu, D("2022-06-30"), NULL));
    assert_false(vx_product_in_season(flu, D("2022-07-01"), &s));
    /* Non-seasonal products are always in season. */
    s = (const struct vx_season *)flu; /* any non-NULL value */
    assert_true(vx_product_in_season(product(state, "COM"), D("2030-01-01"), &s));
    assert_null(s);
}

static void test_storage_and_transport(void **state)
{
    const struct vx_product *com = product(state, "COM");
    assert_null(vx_product_storage(com, D("2020-12-20")));
    const struct vx_storage *s = vx_product_storage(com, D("2021-05-16"));
    assert_non_null(s);
    assert_true(s->frozen);
    assert_int_equal(s->frozen_min_c, -90);
    assert_int_equal(s->frozen_max_c, -60);
    assert_int_equal(s->thawed_days, 5);
    assert_int_equal(s->open_hours_room, 6);
    assert_int_equal(vx_product_storage(com, D("2021-05-17"))->thawed_days, 31);
    assert_true(com->transport & VX_TRANSPORT_SHAKE_SENSITIVE);
    assert_true(com->transport & VX_TRANSPORT_FROZEN);
    assert_true(com->transport & VX_TRANSPORT_NEEDS_DILUTION);
    assert_non_null(com->transport_note_sv);

    const struct vx_product *az = product(state, "AZ");
    s = vx_product_storage(az, D("2021-03-01"));
    assert_false(s->frozen);
    assert_int_equal(s->open_hours_cold, 48);
    assert_int_equal(s->open_hours_room, 6);
    assert_true(az->transport & VX_TRANSPORT_DO_NOT_FREEZE);
    assert_false(az->transport & VX_TRANSPORT_FROZEN);
    assert_int_equal(vx_product_storage(product(state, "MOD"), D("2021-06-01"))->thawed_days, 30);

    assert_string_equal(vx_transport_flag_name(VX_TRANSPORT_SHAKE_SENSITIVE), "shake_sensitive");
    assert_string_equal(vx_transport_flag_name(VX_TRANSPORT_NEEDS_DILUTION), "needs_dilution");
    assert_null(vx_transport_flag_name(VX_TRANSPORT_FROZEN | VX_TRANSPORT_DO_NOT_FREEZE));
    assert_null(vx_transport_flag_name(0));
}

/* The arena limit is honoured: a tiny arena fails cleanly with VX_ENOMEM. */
static void test_arena_limit(void **state)
{
    struct fixture *fx = *state;
    struct vx_arena small;
    const struct vx_catalog *cat = (const struct vx_catalog *)fx;
    struct vx_err err = {0};
    vx_arena_init(&small, 4096);
    assert_int_equal(vx_catalog_parse(fx->text, strlen(fx->text), &small, &cat, &err), VX_ENOMEM);
    assert_null(cat);
    vx_arena_release(&small);
}

/* ---------------------------------------------------------------- small catalogues */

#define HEAD_(fmt, country)                                                                        \
    "{\"format\":\"" fmt "\",\"country\":\"" country "\",\"updated\":\"2021-01-01\","              \
    "\"references\":{\"r\":{\"title\":\"t\",\"url\":\"https://x\",\"date\":\"2021-01-01\"}},"      \
    "\"products\":["
#define HEAD HEAD_("vaxchain-vaccines/1", "SE")
#define TAIL "]}"

#define P_CODE             "\"code\":\"AZ\",\"name\":\"Vaxzevria\",\"manufacturer\":\"AZ\","
#define P_DCC_(mp, vp, ma) "\"dcc\":{\"mp\":\"" mp "\",\"vp\":\"" vp "\",\"ma\":\"" ma "\"},"
#define P_DCC              P_DCC_("EU/1/21/1529", "29061000087103", "ORG-100001699")
#define P_IVAL_(body)                                                                              \
    "\"schedule\":{\"doses\":2,\"intervals\":[{\"dose\":2,\"from\":\"2021-01-29\"," body           \
    ",\"source\":\"[r]\"}]},"
#define P_IVAL        P_IVAL_("\"min_days\":28,\"max_days\":84")
#define P_VIAL_(body) "\"doses_per_vial\":[{\"from\":\"2021-01-29\"," body ",\"source\":\"[r]\"}],"
#define P_VIAL        P_VIAL_("\"nominal\":10,\"usual\":11")
#define P_STOR_(body) "\"storage\":[{\"from\":\"2021-01-29\"," body ",\"source\":\"[r]\"}],"
#define P_STOR        P_STOR_("\"shelf_months\":6")
#define P_TRAN        "\"transport\":{\"do_not_freeze\":true},"
#define P_AGE_(body)                                                                               \
    "\"age_rules\":[{\"from\":\"2021-01-29\"," body                                                \
    ",\"reason_sv\":\"s\",\"reason_en\":\"e\",\"source\":\"[r]\"}],"
#define P_AGE P_AGE_("\"min_age\":18")
#define P_SRC_(extra)                                                                              \
    "\"sources\":{\"name\":\"[r]\",\"manufacturer\":\"[r]\",\"doses\":\"[r]\","                    \
    "\"transport\":\"[r]\"" extra "}"
#define P_SRC P_SRC_(",\"dcc\":\"[r] x\"")
#define PROD(code, dcc, ival, vial, stor, tran, age, src)                                          \
    "{" code dcc ival vial stor tran age src "}"
#define GOOD     PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)
#define CAT(...) HEAD __VA_ARGS__ TAIL

/* A seasonal product without DCC codes. */
#define FLU_(seasonal, seasons)                                                                    \
    "{\"code\":\"FLU\",\"name\":\"Flu\",\"manufacturer\":\"M\"," seasonal                          \
    "\"schedule\":{\"doses\":1},"                                                                  \
    "\"doses_per_vial\":[{\"from\":\"2020-01-01\",\"nominal\":1,\"source\":\"[r]\"}],"             \
    "\"storage\":[{\"from\":\"2020-01-01\",\"shelf_months\":12,\"source\":\"[r]\"}],"              \
    "\"transport\":{}," seasons                                                                    \
    "\"sources\":{\"name\":\"[r]\",\"manufacturer\":\"[r]\",\"doses\":\"[r]\","                    \
    "\"transport\":\"ASSUMED: x\",\"seasonal\":\"[r]\"}}"
#define FLU_SEASONS_(a, b)                                                                         \
    "\"seasons\":[{\"label\":\"21\",\"from\":\"2021-11-09\",\"to\":\"" a "\","                     \
    "\"source\":\"[r]\"},{\"label\":\"22\",\"from\":\"" b "\",\"to\":\"2023-06-30\","              \
    "\"source\":\"[r]\"}],"
#define FLU FLU_("\"seasonal\":true,", FLU_SEASONS_("2022-06-30", "2022-11-08"))

static void test_small_good(void **state)
{
    (void)state;
    static const char *const good[] = {
        CAT(GOOD),
        CAT(GOOD "," FLU),
        /* Optional parts left out: no dcc, no age rules, no usual, rec defaults to min. */
        CAT(PROD(P_CODE, "", P_IVAL_("\"min_days\":21"), P_VIAL_("\"nominal\":6"), P_STOR, P_TRAN,
                 "", P_SRC_(""))),
        /* A temporary DCC name and an ASSUMED citation. */
        CAT(PROD(P_CODE, P_DCC_("Sputnik-V", "1119305005", "Gamaleya-Research-Institute"), P_IVAL,
                 P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC_(",\"dcc\":\"ASSUMED: test\""))),
        /* Frozen storage with every field; paused rule; max age. */
        CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL,
                 P_STOR_("\"frozen_min_c\":-90,\"frozen_max_c\":-60,\"frozen_months\":6,"
                         "\"thawed_days\":31,\"open_hours_cold\":6,\"open_hours_room\":6,"
                         "\"open_room_max_c\":30"),
                 "\"transport\":{\"frozen\":true,\"shake_sensitive\":true,\"note_sv\":\"x\"},",
                 P_AGE_("\"to\":\"2021-03-01\",\"paused\":true"), P_SRC)),
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(good); i++) {
        struct vx_arena a;
        struct vx_err err = {0};
        const struct vx_catalog *cat;
        vx_arena_init(&a, 0);
        if (vx_catalog_parse(good[i], strlen(good[i]), &a, &cat, &err) != VX_OK)
            fail_msg("good[%zu]: %s", i, err.msg);
        assert_non_null(cat->products[0].code);
        vx_arena_release(&a);
    }
}

struct bad_case {
    const char *name;
    const char *json;
    enum vx_status status;
    const char *needle; /* must occur in the error message */
};

static const struct bad_case bad_cases[] = {
    /* Whole-file problems. */
    {"not json", "{\"format\":", VX_EPARSE, "not valid JSON at line 1"},
    {"trailing text", CAT(GOOD) " x", VX_EPARSE, "after the JSON value"},
    {"not an object", "[1,2]", VX_EINVAL, "JSON object"},
    {"wrong format", HEAD_("vaxchain-vaccines/2", "SE") GOOD TAIL, VX_EINVAL,
     "field 'format': must be \"vaxchain-vaccines/1\""},
    {"bad country", HEAD_("vaxchain-vaccines/1", "Sweden") GOOD TAIL, VX_EINVAL, "'country'"},
    {"unknown top key", "{\"formats\":1}", VX_EPARSE, "field 'formats': unknown field"},
    {"no references",
     "{\"format\":\"vaxchain-vaccines/1\",\"country\":\"SE\",\"updated\":\"2021-01-01\","
     "\"products\":[]}",
     VX_EINVAL, "field 'references': missing"},
    {"reference url",
     "{\"format\":\"vaxchain-vaccines/1\",\"country\":\"SE\",\"updated\":\"2021-01-01\","
     "\"references\":{\"r\":{\"title\":\"t\",\"url\":\"ftp://x\",\"date\":\"2021-01-01\"}},"
     "\"products\":[]}",
     VX_EINVAL, "references.r.url"},
    {"duplicate reference",
     "{\"format\":\"vaxchain-vaccines/1\",\"country\":\"SE\",\"updated\":\"2021-01-01\","
     "\"references\":{\"r\":{\"title\":\"t\",\"url\":\"https://x\",\"date\":\"2021-01-01\"},"
     "\"r\":{\"title\":\"t\",\"url\":\"https://x\",\"date\":\"2021-01-01\"}},\"products\":[]}",
     VX_EPARSE, "duplicate reference id"},
    {"bad reference id",
     "{\"format\":\"vaxchain-vaccines/1\",\"country\":\"SE\",\"updated\":\"2021-01-01\","
     "\"references\":{\"a b\":{\"title\":\"t\",\"url\":\"https://x\",\"date\":\"2021-01-01\"}},"
     "\"products\":[]}",
     VX_EINVAL, "reference ids"},
    {"no products", CAT(""), VX_EINVAL, "field 'products': needs at least one entry"},
    {"product not object", CAT("1"), VX_EINVAL, "product '#0'"},
    /* Product identity. */
    {"bad code", CAT("{\"code\":\"az\"}"), VX_EINVAL, "'az' is not a product code"},
    {"empty name",
     CAT(PROD("\"code\":\"AZ\",\"name\":\"\",\"manufacturer\":\"AZ\",", P_DCC, P_IVAL, P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "product 'AZ', field 'name': must not be empty"},
    {"unknown product key", CAT("{\"code\":\"AZ\",\"doses_per_viall\":[]}"), VX_EPARSE,
     "product 'AZ', field 'doses_per_viall': unknown field"},
    {"duplicate product key", CAT("{\"code\":\"AZ\",\"name\":\"a\",\"name\":\"b\"}"), VX_EPARSE,
     "product 'AZ', field 'name': duplicate field"},
    {"duplicate code", CAT(GOOD "," GOOD), VX_EINVAL, "duplicate product code"},
    {"duplicate mp",
     CAT(GOOD "," PROD("\"code\":\"AZ2\",\"name\":\"V\",\"manufacturer\":\"AZ\",", P_DCC, P_IVAL,
                       P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "also used by product 'AZ'"},
    {"bad authorised date",
     CAT(PROD(P_CODE "\"authorised\":\"2021-02-30\",", P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE,
              P_SRC)),
     VX_EINVAL, "field 'authorised': must be a date"},
    {"seasonal not bool",
     CAT(PROD(P_CODE "\"seasonal\":1,", P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'seasonal': must be true or false"},
    /* Doses per vial. */
    {"negative doses per vial",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL_("\"nominal\":-1"), P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE,
     "product 'AZ', field 'doses_per_vial[0].nominal': must be an integer in 1..100 "
     "(got -1)"},
    {"fractional doses",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL_("\"nominal\":5.5"), P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "doses_per_vial[0].nominal': must be an integer"},
    {"doses as string",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL_("\"nominal\":\"10\""), P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "doses_per_vial[0].nominal': must be an integer"},
    {"usual below nominal",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL_("\"nominal\":10,\"usual\":9"), P_STOR, P_TRAN, P_AGE,
              P_SRC)),
     VX_ERANGE, "usual (9) must not be below nominal (10)"},
    {"vials out of order",
     CAT(PROD(P_CODE, P_DCC, P_IVAL,
              "\"doses_per_vial\":[{\"from\":\"2021-02-01\",\"nominal\":6,\"source\":\"[r]\"},"
              "{\"from\":\"2021-01-01\",\"nominal\":5,\"source\":\"[r]\"}],",
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "doses_per_vial[1].from': periods must be in increasing date order"},
    {"vials missing", CAT(PROD(P_CODE, P_DCC, P_IVAL, "", P_STOR, P_TRAN, P_AGE, P_SRC)), VX_EINVAL,
     "field 'doses_per_vial': missing"},
    {"vials empty",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, "\"doses_per_vial\":[],", P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "needs at least one entry"},
    {"vials not array",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, "\"doses_per_vial\":{},", P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "must be an array"},
    {"vial entry key",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL_("\"nominal\":10,\"extra\":1"), P_STOR, P_TRAN, P_AGE,
              P_SRC)),
     VX_EPARSE, "doses_per_vial[0].extra': unknown field"},
    /* Schedule. */
    {"schedule missing", CAT(PROD(P_CODE, P_DCC, "", P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'schedule': missing"},
    {"zero doses",
     CAT(PROD(P_CODE, P_DCC, "\"schedule\":{\"doses\":0},", P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "schedule.doses': must be an integer in 1..10 (got 0)"},
    {"min above max",
     CAT(PROD(P_CODE, P_DCC, P_IVAL_("\"min_days\":90,\"rec_days\":90,\"max_days\":84"), P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "schedule.intervals[0].min_days': minimum interval (90) is above the maximum (84)"},
    {"rec above max",
     CAT(PROD(P_CODE, P_DCC, P_IVAL_("\"min_days\":28,\"rec_days\":90,\"max_days\":84"), P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "recommended interval (90) is above the maximum (84)"},
    {"rec below min",
     CAT(PROD(P_CODE, P_DCC, P_IVAL_("\"min_days\":28,\"rec_days\":20"), P_VIAL, P_STOR, P_TRAN,
              P_AGE, P_SRC)),
     VX_ERANGE, "recommended interval (20) is below the minimum (28)"},
    {"max zero",
     CAT(PROD(P_CODE, P_DCC, P_IVAL_("\"min_days\":28,\"max_days\":0"), P_VIAL, P_STOR, P_TRAN,
              P_AGE, P_SRC)),
     VX_ERANGE, "max_days': must be an integer in 1..3650"},
    {"negative min",
     CAT(PROD(P_CODE, P_DCC, P_IVAL_("\"min_days\":-1"), P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "min_days': must be an integer in 0..3650"},
    {"dose beyond schedule",
     CAT(PROD(P_CODE, P_DCC,
              "\"schedule\":{\"doses\":2,\"intervals\":[{\"dose\":3,\"from\":\"2021-01-29\","
              "\"min_days\":28,\"source\":\"[r]\"}]},",
              P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "dose 3 is beyond the schedule's 2 doses"},
    {"interval missing",
     CAT(PROD(P_CODE, P_DCC, "\"schedule\":{\"doses\":2,\"intervals\":[]},", P_VIAL, P_STOR, P_TRAN,
              P_AGE, P_SRC)),
     VX_EINVAL, "no interval rule for dose 2"},
    {"intervals out of order",
     CAT(PROD(P_CODE, P_DCC,
              "\"schedule\":{\"doses\":2,\"intervals\":["
              "{\"dose\":2,\"from\":\"2021-05-01\",\"min_days\":28,\"source\":\"[r]\"},"
              "{\"dose\":2,\"from\":\"2021-05-01\",\"min_days\":28,\"source\":\"[r]\"}]},",
              P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "ordered by dose"},
    /* DCC codes. */
    {"mp format",
     CAT(PROD(P_CODE, P_DCC_("1529", "29061000087103", "ORG-100001699"), P_IVAL, P_VIAL, P_STOR,
              P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "product 'AZ', field 'dcc.mp': '1529' is not a valid DCC code"},
    {"mp EU format",
     CAT(PROD(P_CODE, P_DCC_("EU/1/21/15x9", "29061000087103", "ORG-100001699"), P_IVAL, P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'dcc.mp'"},
    {"vp check digit",
     CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "29061000087104", "ORG-100001699"), P_IVAL, P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'dcc.vp': '29061000087104' is not a valid DCC code"},
    {"vp ATC",
     CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "J07BX03", "ORG-100001699"), P_IVAL, P_VIAL, P_STOR,
              P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'dcc.vp'"},
    {"ma format",
     CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "29061000087103", "ORG-1234"), P_IVAL, P_VIAL, P_STOR,
              P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'dcc.ma': 'ORG-1234' is not a valid DCC code"},
    {"dcc missing ma",
     CAT(PROD(P_CODE, "\"dcc\":{\"mp\":\"EU/1/21/1529\",\"vp\":\"29061000087103\"},", P_IVAL,
              P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'dcc.ma': missing"},
    {"dcc unknown key",
     CAT(PROD(P_CODE, "\"dcc\":{\"mp\":\"EU/1/21/1529\",\"tg\":\"840539006\"},", P_IVAL, P_VIAL,
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EPARSE, "field 'dcc.tg': unknown field"},
    /* Storage. */
    {"storage missing", CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, "", P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "field 'storage': missing"},
    {"frozen half given",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"frozen_min_c\":-90"), P_TRAN, P_AGE,
              P_SRC)),
     VX_EINVAL, "frozen_min_c and frozen_max_c go together"},
    {"frozen min above max",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"frozen_min_c\":-15,\"frozen_max_c\":-25"),
              P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "storage[0].frozen_min_c': minimum temperature (-15) is above the maximum (-25)"},
    {"frozen too warm",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"frozen_min_c\":-20,\"frozen_max_c\":8"),
              P_TRAN, P_AGE, P_SRC)),
     VX_ERANGE, "frozen_max_c': must be an integer in -100..0"},
    {"thawed without frozen",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"thawed_days\":5"), P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "thawed_days and frozen_months need"},
    {"open room without limit",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"open_hours_room\":6"), P_TRAN, P_AGE,
              P_SRC)),
     VX_EINVAL, "open_room_max_c': needed"},
    {"open hours negative",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR_("\"open_hours_cold\":-6"), P_TRAN, P_AGE,
              P_SRC)),
     VX_ERANGE, "storage[0].open_hours_cold': must be an integer in 0..720 (got -6)"},
    /* Transport. */
    {"transport missing", CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, "", P_AGE, P_SRC)),
     VX_EINVAL, "field 'transport': missing"},
    {"transport flag type",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, "\"transport\":{\"frozen\":\"yes\"},", P_AGE,
              P_SRC)),
     VX_EINVAL, "transport.frozen': must be true or false"},
    {"transport contradiction",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR,
              "\"transport\":{\"frozen\":true,\"do_not_freeze\":true},", P_AGE, P_SRC)),
     VX_EINVAL, "contradicts frozen"},
    {"transport unknown flag",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, "\"transport\":{\"shaken\":true},", P_AGE,
              P_SRC)),
     VX_EPARSE, "transport.shaken': unknown field"},
    /* Age rules. */
    {"age rule without limits",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE_("\"basis\":\"birth_year\""),
              P_SRC)),
     VX_EINVAL, "age_rules[0]': needs min_age"},
    {"paused with limit",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"paused\":true,\"min_age\":65"), P_SRC)),
     VX_EINVAL, "a paused rule cannot also have age limits"},
    {"rule ends before start",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"to\":\"2021-01-28\",\"min_age\":65"), P_SRC)),
     VX_ERANGE, "age_rules[0].to': ends before it starts"},
    {"bad basis",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"min_age\":65,\"basis\":\"year\""), P_SRC)),
     VX_EINVAL, "basis': must be \"completed_years\" or \"birth_year\" (got \"year\")"},
    {"min age twice",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"min_age\":1,\"min_age_months\":6"), P_SRC)),
     VX_EINVAL, "give min_age or min_age_months, not both"},
    {"months by birth year",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"min_age_months\":6,\"basis\":\"birth_year\""), P_SRC)),
     VX_EINVAL, "months make no sense"},
    {"min above max age",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              P_AGE_("\"min_age\":65,\"max_age\":64"), P_SRC)),
     VX_ERANGE, "minimum age is above the maximum age"},
    {"negative age",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE_("\"min_age\":-1"), P_SRC)),
     VX_ERANGE, "age_rules[0].min_age': must be an integer in 0..130 (got -1)"},
    {"reason missing",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              "\"age_rules\":[{\"from\":\"2021-01-29\",\"min_age\":18,\"reason_sv\":\"s\","
              "\"source\":\"[r]\"}],",
              P_SRC)),
     VX_EINVAL, "age_rules[0].reason_en': missing"},
    {"rule date",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN,
              "\"age_rules\":[{\"from\":\"2021-13-01\",\"min_age\":18,\"reason_sv\":\"s\","
              "\"reason_en\":\"e\",\"source\":\"[r]\"}],",
              P_SRC)),
     VX_EINVAL, "age_rules[0].from': must be a date YYYY-MM-DD"},
    /* Citations. */
    {"source missing",
     CAT(PROD(P_CODE, P_DCC, P_IVAL,
              "\"doses_per_vial\":[{\"from\":\"2021-01-29\",\"nominal\":10}],", P_STOR, P_TRAN,
              P_AGE, P_SRC)),
     VX_EINVAL, "doses_per_vial[0].source': missing"},
    {"source unknown ref",
     CAT(PROD(P_CODE, P_DCC, P_IVAL,
              "\"doses_per_vial\":[{\"from\":\"2021-01-29\",\"nominal\":10,"
              "\"source\":\"[r] and [nope]\"}],",
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "cites unknown reference 'nope'"},
    {"source uncited",
     CAT(PROD(P_CODE, P_DCC, P_IVAL,
              "\"doses_per_vial\":[{\"from\":\"2021-01-29\",\"nominal\":10,"
              "\"source\":\"the SmPC\"}],",
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "must name a [reference] or start with 'ASSUMED:'"},
    {"source unterminated",
     CAT(PROD(P_CODE, P_DCC, P_IVAL,
              "\"doses_per_vial\":[{\"from\":\"2021-01-29\",\"nominal\":10,"
              "\"source\":\"[r\"}],",
              P_STOR, P_TRAN, P_AGE, P_SRC)),
     VX_EINVAL, "unterminated '['"},
    {"sources missing",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, "\"note\":\"x\"")), VX_EINVAL,
     "field 'sources': missing"},
    {"sources lack dcc",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC_(""))), VX_EINVAL,
     "product 'AZ', field 'sources.dcc': missing"},
    {"sources unknown field",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE,
              P_SRC_(",\"dcc\":\"[r]\",\"colour\":\"[r]\""))),
     VX_EPARSE, "sources.colour': unknown field"},
    {"sources bad citation",
     CAT(PROD(P_CODE, P_DCC, P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC_(",\"dcc\":\"EMA\""))),
     VX_EINVAL, "sources.dcc': a citation must name"},
    /* Seasons. */
    {"seasonal without seasons", CAT(FLU_("\"seasonal\":true,", "")), VX_EINVAL,
     "product 'FLU', field 'seasons': a seasonal product needs at least one season"},
    {"seasons on non-seasonal", CAT(FLU_("", FLU_SEASONS_("2022-06-30", "2022-11-08"))), VX_EINVAL,
     "only seasonal products have seasons"},
    {"seasons overlap", CAT(FLU_("\"seasonal\":true,", FLU_SEASONS_("2022-11-08", "2022-11-08"))),
     VX_ERANGE, "seasons[1].from': seasons must be in date order and not overlap"},
    {"season ends before start",
     CAT(FLU_("\"seasonal\":true,", FLU_SEASONS_("2021-11-01", "2022-11-08"))), VX_ERANGE,
     "seasons[0].to': ends before it starts"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < VX_ARRAY_LEN(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct vx_arena a;
        struct vx_err err = {0};
        const struct vx_catalog *cat = (const struct vx_catalog *)bc;
        vx_arena_init(&a, 0);
        enum vx_status st = vx_catalog_parse(bc->json, strlen(bc->json), &a, &cat, &err);
        if (st != bc->status)
            fail_msg("%s: status %d (%s), want %d; message: %s", bc->name, st, vx_strerror(st),
                     bc->status, st == VX_OK ? "" : err.msg);
        assert_null(cat);
        assert_int_equal(err.status, bc->status);
        if (!strstr(err.msg, bc->needle))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bc->name, err.msg, bc->needle);
        vx_arena_release(&a);
    }
}

static void test_parse_limits(void **state)
{
    (void)state;
    struct vx_arena a;
    struct vx_err err = {0};
    const struct vx_catalog *cat;
    vx_arena_init(&a, 0);
    assert_int_equal(vx_catalog_parse(NULL, 0, &a, &cat, &err), VX_EINVAL);
    /* The size check happens before anything is read. */
    assert_int_equal(vx_catalog_parse("{}", (size_t)VX_CATALOG_MAX_BYTES + 1, &a, &cat, &err),
                     VX_ERANGE);
    /* Not NUL-terminated: only len bytes are read. */
    static const char good[] = CAT(GOOD);
    char *copy = malloc(sizeof good - 1);
    assert_non_null(copy);
    memcpy(copy, good, sizeof good - 1);
    assert_int_equal(vx_catalog_parse(copy, sizeof good - 1, &a, &cat, &err), VX_OK);
    free(copy);
    /* Multi-line error position. */
    assert_int_equal(vx_catalog_parse("{\n\n  \"a\": ]", 11, &a, &cat, &err), VX_EPARSE);
    assert_non_null(strstr(err.msg, "line 3"));
    /* A string over the length limit. */
    size_t n = 2000;
    char *name = malloc(n + 1);
    assert_non_null(name);
    memset(name, 'x', n);
    name[n] = '\0';
    size_t cap = sizeof good + n + 64;
    char *big = malloc(cap);
    assert_non_null(big);
    snprintf(big, cap,
             HEAD "{\"code\":\"AZ\",\"name\":\"%s\",\"manufacturer\":\"AZ\"," P_DCC P_IVAL P_VIAL
                 P_STOR P_TRAN P_AGE P_SRC "}" TAIL,
             name);
    assert_int_equal(vx_catalog_parse(big, strlen(big), &a, &cat, &err), VX_ERANGE);
    assert_non_null(strstr(err.msg, "field 'name': longer than"));
    free(big);
    free(name);
    vx_arena_release(&a);
}

/* Codes that are well-formed but not in the value sets, or do not belong together. */
static void test_dcc_mismatches(void **state)
{
    (void)state;
    struct {
        const char *json;
        enum vx_status with_enc, without_enc;
        const char *needle;
    } cases[] = {
        {CAT(PROD(P_CODE, P_DCC_("EU/1/20/9999", "29061000087103", "ORG-100001699"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_ENOTFOUND, VX_ENOTFOUND, "dcc.mp': 'EU/1/20/9999' is not in value set"},
        {CAT(PROD(P_CODE, P_DCC_("NVX-CoV2373", "1162643001", "ORG-100032020"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_ENOTFOUND, VX_ENOTFOUND, "is inactive"},
        {CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "1119349007", "ORG-100001699"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_EINVAL, VX_OK, "dcc.vp': '1119349007' is not a SNOMED code allowed"},
        {CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "29061000087103", "ORG-100030215"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_EINVAL, VX_OK, "dcc.ma': 'ORG-100030215' is not the holder"},
        {CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "29061000087103", "ORG-100000000"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_ENOTFOUND, VX_ENOTFOUND, "dcc.ma'"},
        {CAT(PROD(P_CODE, P_DCC_("EU/1/21/1529", "840539006", "ORG-100001699"), P_IVAL, P_VIAL,
                  P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_ENOTFOUND, VX_ENOTFOUND, "dcc.vp'"},
        {CAT(PROD(P_CODE, P_DCC_("Sputnik-V", "29061000087103", "Gamaleya-Research-Institute"),
                  P_IVAL, P_VIAL, P_STOR, P_TRAN, P_AGE, P_SRC)),
         VX_OK, VX_OK, NULL},
    };
    char *mp = slurp(VS_DIR "/vaccine-medicinal-product.json", NULL);
    char *vp = slurp(VS_DIR "/vaccine-prophylaxis.json", NULL);
    char *ma = slurp(VS_DIR "/vaccine-mah-manf.json", NULL);
    char *enc = slurp(VS_DIR "/vaccine-encoding-instructions.json", NULL);
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        struct vx_arena a;
        struct vx_err err = {0};
        const struct vx_catalog *cat;
        vx_arena_init(&a, 0);
        if (vx_catalog_parse(cases[i].json, strlen(cases[i].json), &a, &cat, &err) != VX_OK)
            fail_msg("case %zu does not parse: %s", i, err.msg);
        enum vx_status st = vx_catalog_check_dcc(cat, mp, vp, ma, enc, &err);
        if (st != cases[i].with_enc)
            fail_msg("case %zu: status %d, want %d (%s)", i, st, cases[i].with_enc, err.msg);
        if (cases[i].needle && !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].needle);
        if (cases[i].needle)
            assert_non_null(strstr(err.msg, "product 'AZ'"));
        assert_int_equal(vx_catalog_check_dcc(cat, mp, vp, ma, NULL, &err), cases[i].without_enc);
        vx_arena_release(&a);
    }
    free(mp);
    free(vp);
    free(ma);
    free(enc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_products, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_dcc_codes, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_doses_per_vial, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_vaxzevria_age_boundaries, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_other_age_rules, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_intervals, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_season_window, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_storage_and_transport, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_arena_limit, setup_real, teardown_real),
        cmocka_unit_test(test_small_good),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_dcc_mismatches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
