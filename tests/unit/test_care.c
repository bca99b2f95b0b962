/*
 * test_care.c — the pure rules of the care module (src/care/rules.c), no database.
 *
 * With the real catalogue (data/vaccines.json): lot usable-until from expiry and
 * thaw (Comirnaty 5 days thawed before 2021-05-17, 31 after), vial timers capped by
 * the lot, leftovers never negative, the reason table complete, every refusal of
 * vx_care_check_dose in its order with both languages, the late-dose warning, the
 * Vaxzevria 65+ rule, and the standby order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/arena.h"
#include "vx/care.h"

static struct vx_arena arena;
static const struct vx_catalog *cat;

static int setup(void **state)
{
    FILE *f = fopen(VX_SOURCE_DIR "/data/vaccines.json", "rb");
    if (!f)
        return -1;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vx_arena_init(&arena, 0);
    return vx_catalog_parse(buf, n, &arena, &cat, NULL) == VX_OK ? 0 : -1;
}

static int teardown(void **state)
{
    vx_arena_release(&arena);
    return 0;
}

static vx_time at(int y, int m, int d, int hh, int mm)
{
    vx_time t = 0;
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(y, m, d), hh * 60 + mm, &t, NULL), VX_OK);
    return t;
}

static void test_timers(void **state)
{
    const struct vx_product *com = vx_catalog_find(cat, "COM");
    const struct vx_product *az = vx_catalog_find(cat, "AZ");
    vx_day exp = vx_day_from_ymd(2021, 5, 31);
    /* not thawed: the end of the expiry day (CEST) */
    assert_int_equal(vx_care_lot_usable_until(com, exp, 0), at(2021, 6, 1, 0, 0) - 1);
    /* thawed 2021-03-07 08:00: 5 days; thawed after 2021-05-17: 31 days, capped by expiry */
    assert_int_equal(vx_care_lot_usable_until(com, exp, at(2021, 3, 7, 8, 0)),
                     at(2021, 3, 12, 8, 0));
    assert_int_equal(vx_care_lot_usable_until(com, exp, at(2021, 5, 20, 8, 0)),
                     at(2021, 6, 1, 0, 0) - 1);
    /* vials: 6 h for Comirnaty, 48 h cold for Vaxzevria, capped by the lot */
    vx_time open = at(2021, 3, 8, 10, 0);
    assert_int_equal(vx_care_vial_usable_until(com, open, 0), open + 6 * 3600);
    assert_int_equal(vx_care_vial_usable_until(az, open, 0), open + 48 * 3600);
    assert_int_equal(vx_care_vial_usable_until(com, open, open + 3600), open + 3600);
    struct vx_vial_rec v = {.status = VX_VIAL_OPEN, .usable_until = open + 60, .nominal = 6};
    assert_false(vx_care_vial_expired(&v, open + 59));
    assert_true(vx_care_vial_expired(&v, open + 60));
    v.status = VX_VIAL_CLOSED;
    assert_false(vx_care_vial_expired(&v, open + 600));
    v.drawn = 4;
    v.wasted = 1;
    assert_int_equal(vx_care_vial_leftover(&v), 1);
    v.drawn = 7; /* extra doses: no negative waste */
    assert_int_equal(vx_care_vial_leftover(&v), 0);
}

static void test_reason_table(void **state)
{
    for (int r = 1; r < VX_CARE_R_COUNT; r++) {
        const struct vx_care_reason_info *ri = vx_care_reason_info((enum vx_care_reason)r);
        assert_int_equal(ri->reason, r);
        assert_true(ri->code[0] && ri->sv[0] && ri->en[0]);
        assert_true(ri->status < 0);
        for (int q = 1; q < r; q++)
            assert_string_not_equal(ri->code, vx_care_reason_info((enum vx_care_reason)q)->code);
    }
    assert_string_equal(vx_care_reason_info((enum vx_care_reason)999)->code, "store");
}

/* Facts of a valid first Comirnaty dose on 2021-03-08 at 10:05 from an open vial. */
struct world {
    struct vx_person_rec person;
    struct vx_lot_rec lot;
    struct vx_vial_rec vial;
    struct vx_dose_rec prev[2];
    struct vx_care_dose_facts f;
};

static void world(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->person.p.id = 7;
    w->person.p.pnr.birth = vx_day_from_ymd(1938, 4, 2);
    w->lot = (struct vx_lot_rec){.id = 3, .expiry = vx_day_from_ymd(2021, 5, 31)};
    snprintf(w->lot.vaccine, sizeof w->lot.vaccine, "COM");
    snprintf(w->lot.lot_number, sizeof w->lot.lot_number, "EJ6795");
    w->vial = (struct vx_vial_rec){.id = 11,
                                   .site_id = 5,
                                   .lot_id = 3,
                                   .opened_at = at(2021, 3, 8, 9, 0),
                                   .usable_until = at(2021, 3, 8, 15, 0),
                                   .nominal = 6,
                                   .max_doses = 6,
                                   .status = VX_VIAL_OPEN};
    w->f = (struct vx_care_dose_facts){.vaccine = "COM",
                                       .product = vx_catalog_find(cat, "COM"),
                                       .person = &w->person,
                                       .given_at = at(2021, 3, 8, 10, 5),
                                       .now = at(2021, 3, 8, 10, 6),
                                       .site_id = 5,
                                       .kommun = "",
                                       .lot_id = 3,
                                       .lot = &w->lot,
                                       .vial_id = 11,
                                       .vial = &w->vial,
                                       .prev = w->prev,
                                       .n_prev = 0};
}

static const char *check(struct world *w, int *dose)
{
    static struct vx_care_result res;
    enum vx_status st = vx_care_check_dose(&w->f, &res, dose);
    assert_int_equal(st, res.status);
    if (st != VX_OK) {
        assert_true(res.msg_sv[0] && res.msg_en[0] && res.field[0]);
        assert_string_not_equal(res.msg_sv, res.msg_en);
    }
    return st == VX_OK ? "ok" : res.code;
}

static void test_dose_checks(void **state)
{
    struct world w;
    int dose = 0;
    world(&w);
    assert_string_equal(check(&w, &dose), "ok");
    assert_int_equal(dose, 1);

    world(&w), w.f.product = NULL;
    assert_string_equal(check(&w, NULL), "vaccine_unknown");
    world(&w), w.f.person = NULL;
    assert_string_equal(check(&w, NULL), "person_unknown");
    world(&w), w.person.p.flags = VX_PF_DECEASED;
    assert_string_equal(check(&w, NULL), "deceased");
    world(&w), w.f.site_id = 0;
    assert_string_equal(check(&w, NULL), "place");
    world(&w), w.f.given_at = w.f.now + 1;
    assert_string_equal(check(&w, NULL), "future");
    world(&w), w.f.lot = NULL;
    assert_string_equal(check(&w, NULL), "lot_unknown");
    world(&w), snprintf(w.lot.vaccine, sizeof w.lot.vaccine, "MOD");
    assert_string_equal(check(&w, NULL), "lot_vaccine");
    world(&w), w.lot.expiry = vx_day_from_ymd(2021, 3, 7);
    assert_string_equal(check(&w, NULL), "lot_expired");
    world(&w), w.lot.usable_until = w.f.given_at - 1;
    assert_string_equal(check(&w, NULL), "lot_expired");
    world(&w), w.f.vial = NULL;
    assert_string_equal(check(&w, NULL), "vial_unknown");
    world(&w), w.vial.lot_id = 4;
    assert_string_equal(check(&w, NULL), "vial_lot");
    world(&w), w.vial.site_id = 6;
    assert_string_equal(check(&w, NULL), "vial_site");
    world(&w), w.f.given_at = w.vial.opened_at - 1;
    assert_string_equal(check(&w, NULL), "vial_time");
    world(&w), w.vial.status = VX_VIAL_CLOSED;
    assert_string_equal(check(&w, NULL), "vial_closed");
    w.f.vial_unchanged = true; /* a correction keeping the vial */
    assert_string_equal(check(&w, NULL), "ok");
    world(&w), w.vial.usable_until = w.f.given_at;
    assert_string_equal(check(&w, NULL), "vial_expired");
    world(&w), w.vial.drawn = 6;
    assert_string_equal(check(&w, NULL), "vial_empty");
    world(&w), w.f.dose_number = 2;
    assert_string_equal(check(&w, NULL), "dose_number");
    world(&w), w.f.dose_number = -1;
    assert_string_equal(check(&w, NULL), "bad_input");

    /* a first dose 2021-02-20: dose 2 on 03-08 is 16 days later (< 21) */
    world(&w);
    w.prev[0] = (struct vx_dose_rec){.id = 1, .dose_number = 1, .given_at = at(2021, 2, 20, 9, 0)};
    snprintf(w.prev[0].vaccine, sizeof w.prev[0].vaccine, "COM");
    w.f.n_prev = 1;
    assert_string_equal(check(&w, NULL), "interval");
    w.prev[0].given_at = at(2021, 2, 1, 9, 0); /* 35 days: fine, dose 2 */
    assert_string_equal(check(&w, &dose), "ok");
    assert_int_equal(dose, 2);
    w.prev[0].voided = true; /* a voided dose does not count */
    assert_string_equal(check(&w, &dose), "ok");
    assert_int_equal(dose, 1);
    w.prev[0].voided = false;
    w.prev[0].given_at = at(2021, 3, 8, 8, 0); /* same day, same vaccine */
    assert_string_equal(check(&w, NULL), "duplicate");
    w.f.ignore_dose_id = 1; /* ... unless it is the dose being corrected */
    assert_string_equal(check(&w, NULL), "ok");
    /* dose 3 of Comirnaty: no booster rule in the catalogue */
    world(&w);
    w.prev[0] = (struct vx_dose_rec){.id = 1, .dose_number = 1, .given_at = at(2021, 1, 1, 9, 0)};
    w.prev[1] = (struct vx_dose_rec){.id = 2, .dose_number = 2, .given_at = at(2021, 1, 25, 9, 0)};
    snprintf(w.prev[0].vaccine, sizeof w.prev[0].vaccine, "COM");
    snprintf(w.prev[1].vaccine, sizeof w.prev[1].vaccine, "COM");
    w.f.n_prev = 2;
    assert_string_equal(check(&w, NULL), "no_schedule");
}

static void test_az_late_and_age(void **state)
{
    struct world w;
    struct vx_care_result res;
    world(&w);
    w.f.vaccine = "AZ";
    w.f.product = vx_catalog_find(cat, "AZ");
    snprintf(w.lot.vaccine, sizeof w.lot.vaccine, "AZ");
    w.f.vial_id = 0;
    w.f.vial = NULL;
    /* born 1938: 82 years old; Vaxzevria paused 2021-03-16..24 */
    w.f.given_at = at(2021, 3, 18, 10, 0);
    w.f.now = w.f.given_at;
    assert_int_equal(vx_care_check_dose(&w.f, &res, NULL), VX_EDENIED);
    assert_string_equal(res.code, "age");
    assert_string_equal(res.field, "person");
    /* from 2021-03-25: 65+ only (born 1956 or earlier) */
    w.f.given_at = at(2021, 4, 1, 10, 0);
    w.f.now = w.f.given_at;
    assert_int_equal(vx_care_check_dose(&w.f, &res, NULL), VX_OK);
    w.person.p.pnr.birth = vx_day_from_ymd(1970, 1, 1);
    assert_int_equal(vx_care_check_dose(&w.f, &res, NULL), VX_EDENIED);
    assert_true(strlen(res.msg_sv) > strlen(vx_care_reason_info(VX_CARE_R_AGE)->sv));
    /* dose 2 more than 84 days after dose 1: recorded, with a warning */
    w.person.p.pnr.birth = vx_day_from_ymd(1950, 1, 1);
    w.prev[0] = (struct vx_dose_rec){.id = 1, .dose_number = 1, .given_at = at(2021, 1, 30, 9, 0)};
    snprintf(w.prev[0].vaccine, sizeof w.prev[0].vaccine, "AZ");
    w.f.given_at = at(2021, 5, 1, 10, 0); /* 91 days */
    w.f.now = w.f.given_at;
    w.f.n_prev = 1;
    int dose = 0;
    assert_int_equal(vx_care_check_dose(&w.f, &res, &dose), VX_OK);
    assert_int_equal(dose, 2);
    assert_non_null(strstr(res.warn_en, "84 days"));
    assert_true(res.warn_sv[0]);
}

static void test_standby_order(void **state)
{
    struct vx_care_candidate c[5] = {
        {.person_id = 1, .priority = 200, .birth = 100, .opted_in_at = 10},
        {.person_id = 2, .priority = 100, .birth = 900, .opted_in_at = 50},
        {.person_id = 3, .priority = 200, .birth = 50, .opted_in_at = 90},
        {.person_id = 4, .priority = 200, .birth = 100, .opted_in_at = 5},
        {.person_id = 5, .priority = 200, .birth = 100, .opted_in_at = 5},
    };
    qsort(c, 5, sizeof c[0], vx_care_standby_cmp);
    const int64_t want[5] = {2, 3, 4, 5, 1}; /* phase order, oldest, opt-in, id */
    for (int i = 0; i < 5; i++)
        assert_int_equal(c[i].person_id, want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers),        cmocka_unit_test(test_reason_table),
        cmocka_unit_test(test_dose_checks),   cmocka_unit_test(test_az_late_and_age),
        cmocka_unit_test(test_standby_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
