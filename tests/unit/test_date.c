/*
 * test_date.c — civil dates, ISO weeks, ages and Stockholm local time.
 *
 * The Stockholm offsets are cross-checked hour by hour against the system tzdata
 * (glibc localtime_r with TZ=Europe/Stockholm) for 1980–2040; the pure code must agree
 * everywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/date.h"

static void test_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(vx_day_from_ymd(1970, 1, 1), 0);
    assert_int_equal(vx_day_from_ymd(2000, 3, 1), 11017);
    for (vx_day d = vx_day_from_ymd(1800, 1, 1); d < vx_day_from_ymd(2200, 1, 1); d++) {
        struct vx_ymd t = vx_ymd_from_day(d);
        assert_true(vx_ymd_valid(t.year, t.month, t.day));
        assert_int_equal(vx_day_from_ymd(t.year, t.month, t.day), d);
    }
    assert_int_equal(vx_weekday(0), 4);                             /* Thursday */
    assert_int_equal(vx_weekday(vx_day_from_ymd(2021, 1, 4)), 1);   /* Monday */
    assert_int_equal(vx_weekday(vx_day_from_ymd(1969, 12, 28)), 7); /* Sunday */
}

static void test_parse_format(void **state)
{
    (void)state;
    vx_day d;
    char buf[32];
    assert_int_equal(vx_day_parse("2020-02-29", &d), VX_OK);
    assert_string_equal(vx_day_format(d, buf), "2020-02-29");
    const char *bad[] = {"2021-02-29", "2021-13-01", "2021-1-01",  "20210101",  "2021-01-01x",
                         "",           "abcd-ef-gh", "2021-04-31", "0000-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vx_day_parse(bad[i], &d), VX_EINVAL);
}

static void test_isoweeks(void **state)
{
    (void)state;
    struct {
        int y, m, d, wy, ww;
    } cases[] = {
        {2020, 12, 31, 2020, 53}, {2021, 1, 3, 2020, 53},  {2021, 1, 4, 2021, 1},
        {2021, 1, 1, 2020, 53},   {2019, 12, 30, 2020, 1}, {2024, 12, 30, 2025, 1},
        {2026, 11, 25, 2026, 48}, {2021, 6, 10, 2021, 23}, {2015, 12, 31, 2015, 53},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vx_isoweek w = vx_isoweek_of(vx_day_from_ymd(cases[i].y, cases[i].m, cases[i].d));
        assert_int_equal(w.year, cases[i].wy);
        assert_int_equal(w.week, cases[i].ww);
    }
    assert_int_equal(vx_isoweeks_in_year(2020), 53);
    assert_int_equal(vx_isoweeks_in_year(2021), 52);
    assert_int_equal(vx_isoweeks_in_year(2026), 53);
    struct vx_isoweek w;
    char buf[16];
    assert_int_equal(vx_isoweek_parse("2020-W53", &w), VX_OK);
    assert_int_equal(vx_isoweek_monday(w.year, w.week), vx_day_from_ymd(2020, 12, 28));
    assert_string_equal(vx_isoweek_format(w, buf), "2020-W53");
    assert_int_equal(vx_isoweek_parse("2021-W53", &w), VX_EINVAL); /* 2021 has 52 weeks */
    assert_int_equal(vx_isoweek_parse("2021-W00", &w), VX_EINVAL);
    assert_int_equal(vx_isoweek_parse("2021-05", &w), VX_EINVAL);
    /* every day maps into the week whose Monday..Sunday contains it */
    for (vx_day d = vx_day_from_ymd(2015, 1, 1); d < vx_day_from_ymd(2030, 1, 1); d++) {
        struct vx_isoweek x = vx_isoweek_of(d);
        vx_day mon = vx_isoweek_monday(x.year, x.week);
        assert_true(d >= mon && d < mon + 7);
    }
}

static void test_age(void **state)
{
    (void)state;
    vx_day b = vx_day_from_ymd(1956, 3, 15);
    assert_int_equal(vx_age_at(b, vx_day_from_ymd(2021, 3, 14)), 64);
    assert_int_equal(vx_age_at(b, vx_day_from_ymd(2021, 3, 15)), 65);
    vx_day leap = vx_day_from_ymd(2000, 2, 29);
    assert_int_equal(vx_age_at(leap, vx_day_from_ymd(2018, 2, 28)), 17);
    assert_int_equal(vx_age_at(leap, vx_day_from_ymd(2018, 3, 1)), 18);
    assert_int_equal(vx_age_at(leap, vx_day_from_ymd(2020, 2, 29)), 20);
    assert_int_equal(vx_age_at(leap, vx_day_from_ymd(2020, 2, 28)), 19);
    assert_int_equal(vx_age_at(vx_day_from_ymd(1920, 6, 1), vx_day_from_ymd(2021, 6, 1)), 101);
    assert_int_equal(vx_age_at(b, vx_day_from_ymd(1956, 3, 14)), -1);
}

static void test_stockholm_vs_tzdata(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();
    time_t from = (time_t)vx_day_from_ymd(1980, 1, 1) * 86400;
    time_t to = (time_t)vx_day_from_ymd(2040, 1, 1) * 86400;
    for (time_t t = from; t < to; t += 1800) {
        struct tm tm;
        localtime_r(&t, &tm);
        if (vx_stockholm_offset((vx_time)t) != tm.tm_gmtoff)
            fail_msg("offset differs at %lld: ours %d, tzdata %ld", (long long)t,
                     vx_stockholm_offset((vx_time)t), tm.tm_gmtoff);
        vx_day d;
        int minute;
        vx_stockholm_local((vx_time)t, &d, &minute);
        assert_int_equal(d, vx_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
        assert_int_equal(minute, tm.tm_hour * 60 + tm.tm_min);
    }
}

static void test_stockholm_to_utc(void **state)
{
    (void)state;
    vx_time t;
    bool amb;
    /* spring forward 2021-03-28: 02:30 does not exist */
    vx_day spring = vx_day_from_ymd(2021, 3, 28);
    assert_int_equal(vx_stockholm_to_utc(spring, 2 * 60 + 30, &t, &amb), VX_ERANGE);
    assert_int_equal(vx_stockholm_to_utc(spring, 3 * 60, &t, &amb), VX_OK);
    assert_int_equal(t, (vx_time)spring * 86400 + 3600); /* 03:00 CEST = 01:00 UTC */
    assert_false(amb);
    /* fall back 2021-10-31: 02:30 happens twice; we take the first (CEST) */
    vx_day autumn = vx_day_from_ymd(2021, 10, 31);
    assert_int_equal(vx_stockholm_to_utc(autumn, 2 * 60 + 30, &t, &amb), VX_OK);
    assert_true(amb);
    assert_int_equal(t, (vx_time)autumn * 86400 + 30 * 60); /* 00:30 UTC */
    /* a normal winter and summer slot */
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(2021, 1, 18), 8 * 60, &t, &amb), VX_OK);
    char buf[32];
    assert_string_equal(vx_time_format_local(t, buf), "2021-01-18T08:00:00+01:00");
    assert_int_equal(vx_stockholm_to_utc(vx_day_from_ymd(2021, 6, 18), 8 * 60, &t, &amb), VX_OK);
    assert_string_equal(vx_time_format_local(t, buf), "2021-06-18T08:00:00+02:00");
    /* every field, both sides of the spring change (01:00 UTC, 28 March 2021) */
    vx_time change = (vx_time)vx_day_from_ymd(2021, 3, 28) * 86400 + 3600;
    assert_string_equal(vx_time_format_local(change - 1, buf), "2021-03-28T01:59:59+01:00");
    assert_string_equal(vx_time_format_local(change, buf), "2021-03-28T03:00:00+02:00");
    assert_string_equal(vx_time_format_local(change + 3599 + 14 * 60, buf),
                        "2021-03-28T04:13:59+02:00");
    assert_string_equal(vx_day_format(vx_day_from_ymd(1, 1, 1), buf), "0001-01-01");
    assert_string_equal(vx_day_format(vx_day_from_ymd(9999, 12, 31), buf), "9999-12-31");
    assert_int_equal(vx_stockholm_to_utc(0, 24 * 60, &t, &amb), VX_ERANGE);
}

static void test_time_parse(void **state)
{
    (void)state;
    vx_time t;
    assert_int_equal(vx_time_parse("2021-01-18T08:00:00+01:00", &t), VX_OK);
    assert_int_equal(t, (vx_time)vx_day_from_ymd(2021, 1, 18) * 86400 + 7 * 3600);
    assert_int_equal(vx_time_parse("2021-01-18T07:00Z", &t), VX_OK);
    assert_int_equal(t, (vx_time)vx_day_from_ymd(2021, 1, 18) * 86400 + 7 * 3600);
    assert_int_equal(vx_time_parse("2021-01-18T07:00:00.123Z", &t), VX_OK);
    const char *bad[] = {"2021-01-18",        "2021-01-18T25:00Z",     "2021-01-18T07:00",
                         "2021-02-30T07:00Z", "2021-01-18T07:00+1:00", "2021-01-18T07:00Zjunk"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vx_time_parse(bad[i], &t), VX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_isoweeks),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_stockholm_vs_tzdata),
        cmocka_unit_test(test_stockholm_to_utc),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
