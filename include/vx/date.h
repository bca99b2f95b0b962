/*
 * date.h — civil dates, ISO 8601 weeks, ages, and Europe/Stockholm local time.
 *
 * Pure functions: no clock is read and no TZ database or global state is used; "now"
 * is always a parameter. Dates are counted as days since 1970-01-01 (proleptic
 * Gregorian, `vx_day`), instants as seconds since the Unix epoch UTC (`vx_time`).
 * Sweden's rules are fixed in code as the EU summer-time directive (2000/84/EC):
 * CEST (UTC+2) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October, CET (UTC+1) otherwise.
 */
#ifndef VX_DATE_H
#define VX_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include "vx/status.h"

typedef int32_t vx_day;  /* days since 1970-01-01 */
typedef int64_t vx_time; /* seconds since 1970-01-01T00:00:00Z */

struct vx_ymd {
    int year;  /* e.g. 2021 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
};

struct vx_isoweek {
    int year; /* ISO week-numbering year (may differ from the calendar year) */
    int week; /* 1..53 */
};

bool vx_is_leap(int year);
/* Days in `month` of `year`; 0 for a month outside 1..12. */
int vx_days_in_month(int year, int month);
/* True when y-m-d is a real calendar date (year 1..9999). */
bool vx_ymd_valid(int year, int month, int day);
/* Day number of a valid date (caller checks vx_ymd_valid first). */
vx_day vx_day_from_ymd(int year, int month, int day);
struct vx_ymd vx_ymd_from_day(vx_day d);
/* ISO weekday of a day: 1 = Monday .. 7 = Sunday. */
int vx_weekday(vx_day d);

/* Parse "YYYY-MM-DD" exactly (10 characters, real date). VX_EINVAL otherwise. */
enum vx_status vx_day_parse(const char *s, vx_day *out);
/* Format as "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *vx_day_format(vx_day d, char *buf);

/* ISO 8601 week of a day. */
struct vx_isoweek vx_isoweek_of(vx_day d);
/* Number of ISO weeks in an ISO year (52 or 53). */
int vx_isoweeks_in_year(int year);
/* Monday of ISO week w of ISO year y (caller ensures 1 <= w <= weeks in y). */
vx_day vx_isoweek_monday(int year, int week);
/* Parse "YYYY-Www" (e.g. "2020-W53"); rejects a week the year does not have. */
enum vx_status vx_isoweek_parse(const char *s, struct vx_isoweek *out);
/* Format as "YYYY-Www" into buf (at least 9 bytes). Returns buf. */
char *vx_isoweek_format(struct vx_isoweek w, char *buf);

/* Age in completed years at day `at` for someone born on `birth`. A person born on
 * 29 February has a birthday on 1 March in common years (Swedish practice,
 * e.g. for age limits). Negative if `at` is before `birth`. */
int vx_age_at(vx_day birth, vx_day at);

/* UTC offset in seconds (3600 or 7200) in Europe/Stockholm at instant t. */
int vx_stockholm_offset(vx_time t);
/* Local Stockholm wall-clock date and minute-of-day of instant t. */
void vx_stockholm_local(vx_time t, vx_day *day, int *minute_of_day);
/*
 * Instant of local wall-clock time (day, minute_of_day) in Stockholm.
 * In the spring-forward gap (02:00–02:59 on the last Sunday of March) the time does
 * not exist: returns VX_ERANGE. In the autumn overlap (02:00–02:59 twice) the first
 * (summer-time, earlier) instant is returned and `*ambiguous` (may be NULL) set.
 */
enum vx_status vx_stockholm_to_utc(vx_day day, int minute_of_day, vx_time *out, bool *ambiguous);
/* Parse RFC 3339 / ISO 8601 "YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)" to an instant. */
enum vx_status vx_time_parse(const char *s, vx_time *out);
/* Format an instant as Stockholm local time "YYYY-MM-DDTHH:MM:SS+01:00" (buf: 26 bytes). */
char *vx_time_format_local(vx_time t, char *buf);

#endif
