/*
 * date.c — civil dates, ISO 8601 weeks, ages and Stockholm local time.
 *
 * Day numbers use the proleptic Gregorian calendar with the well-known
 * days-from-civil/civil-from-days conversions (eras of 400 years), so every function
 * is O(1) and needs no tables or time-zone files. Stockholm's offsets follow Swedish
 * law as applied since 1980: summer time from the last Sunday of March 01:00 UTC (in
 * 1980 the first Sunday of April, 6 April) to the
 * last Sunday of September (1980–1995) or October (1996 onwards, EU directive
 * 2000/84/EC and its predecessors) 01:00 UTC; before 1980 CET all year (the single
 * 1916 summer is ignored). The test-suite checks this against the system tzdata.
 */
#include <stdio.h>
#include <string.h>
#include "vx/date.h"

bool vx_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int vx_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && vx_is_leap(y) ? 29 : dim[m - 1];
}

bool vx_ymd_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= vx_days_in_month(y, m);
}

vx_day vx_day_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (vx_day)(era * 146097 + doe - 719468);
}

struct vx_ymd vx_ymd_from_day(vx_day z)
{
    int64_t zz = (int64_t)z + 719468;
    int64_t era = (zz >= 0 ? zz : zz - 146096) / 146097;
    int doe = (int)(zz - era * 146097);
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = (int)(yoe + era * 400);
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp < 10 ? mp + 3 : mp - 9;
    return (struct vx_ymd){y + (m <= 2), m, d};
}

int vx_weekday(vx_day d)
{
    int r = (int)(((int64_t)d % 7 + 7 + 3) % 7);
    return r + 1;
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

enum vx_status vx_day_parse(const char *s, vx_day *out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || parse_digits(s, 4, &y) ||
        parse_digits(s + 5, 2, &m) || parse_digits(s + 8, 2, &d) || !vx_ymd_valid(y, m, d))
        return VX_EINVAL;
    *out = vx_day_from_ymd(y, m, d);
    return VX_OK;
}

/* Digits of 0 <= v < 10^n at p[0..n) (the fixed-width fields of ISO 8601: snprintf
 * was most of the cost of formatting a time, and API answers carry several). */
static void put_digits(char *p, int v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "YYYY-MM-DD" at p[0..10) for a year in 0..9999 (else snprintf, as ever). */
static void put_date(char *p, struct vx_ymd t)
{
    if (t.year < 0 || t.year > 9999) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", t.year % 10000, t.month, t.day);
        memcpy(p, tmp, 10);
        return;
    }
    put_digits(p, t.year, 4);
    p[4] = '-';
    put_digits(p + 5, t.month, 2);
    p[7] = '-';
    put_digits(p + 8, t.day, 2);
}

char *vx_day_format(vx_day d, char *buf)
{
    put_date(buf, vx_ymd_from_day(d));
    buf[10] = '\0';
    return buf;
}

struct vx_isoweek vx_isoweek_of(vx_day d)
{
    vx_day thursday = d - (vx_weekday(d) - 1) + 3;
    int y = vx_ymd_from_day(thursday).year;
    int w = (thursday - vx_day_from_ymd(y, 1, 1)) / 7 + 1;
    return (struct vx_isoweek){y, w};
}

int vx_isoweeks_in_year(int y)
{
    return vx_isoweek_of(vx_day_from_ymd(y, 12, 28)).week;
}

vx_day vx_isoweek_monday(int y, int w)
{
    vx_day jan4 = vx_day_from_ymd(y, 1, 4);
    return jan4 - (vx_weekday(jan4) - 1) + (w - 1) * 7;
}

enum vx_status vx_isoweek_parse(const char *s, struct vx_isoweek *out)
{
    int y, w;
    if (!s || strlen(s) != 8 || s[4] != '-' || s[5] != 'W' || parse_digits(s, 4, &y) ||
        parse_digits(s + 6, 2, &w) || y < 1 || w < 1 || w > vx_isoweeks_in_year(y))
        return VX_EINVAL;
    *out = (struct vx_isoweek){y, w};
    return VX_OK;
}

char *vx_isoweek_format(struct vx_isoweek w, char *buf)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d-W%02d", w.year % 10000, w.week % 100);
    memcpy(buf, tmp, 9);
    return buf;
}

int vx_age_at(vx_day birth, vx_day at)
{
    struct vx_ymd b = vx_ymd_from_day(birth), a = vx_ymd_from_day(at);
    int bm = b.month, bd = b.day;
    if (bm == 2 && bd == 29 && !vx_is_leap(a.year)) {
        bm = 3; /* a leapling turns a year older on 1 March in common years */
        bd = 1;
    }
    int age = a.year - b.year;
    if (a.month < bm || (a.month == bm && a.day < bd))
        age--;
    return age;
}

static vx_day last_sunday(int y, int m)
{
    vx_day last = vx_day_from_ymd(y, m, vx_days_in_month(y, m));
    return last - (vx_weekday(last) % 7);
}

int vx_stockholm_offset(vx_time t)
{
    vx_day d = (vx_day)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    int y = vx_ymd_from_day(d).year;
    if (y < 1980)
        return 3600;
    /* 1980, Sweden's first year of summer time, began on the first Sunday of April */
    vx_day first = y == 1980 ? vx_day_from_ymd(1980, 4, 6) : last_sunday(y, 3);
    vx_time start = (vx_time)first * 86400 + 3600;
    vx_time end = (vx_time)last_sunday(y, y <= 1995 ? 9 : 10) * 86400 + 3600;
    return t >= start && t < end ? 7200 : 3600;
}

void vx_stockholm_local(vx_time t, vx_day *day, int *minute_of_day)
{
    vx_time l = t + vx_stockholm_offset(t);
    vx_time d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    *day = (vx_day)d;
    *minute_of_day = (int)((l - d * 86400) / 60);
}

enum vx_status vx_stockholm_to_utc(vx_day day, int minute_of_day, vx_time *out, bool *ambiguous)
{
    if (minute_of_day < 0 || minute_of_day >= 24 * 60)
        return VX_ERANGE;
    vx_time local = (vx_time)day * 86400 + (vx_time)minute_of_day * 60;
    vx_time summer = local - 7200, winter = local - 3600;
    bool s_ok = vx_stockholm_offset(summer) == 7200;
    bool w_ok = vx_stockholm_offset(winter) == 3600;
    if (ambiguous)
        *ambiguous = s_ok && w_ok;
    if (s_ok) {
        *out = summer;
        return VX_OK;
    }
    if (w_ok) {
        *out = winter;
        return VX_OK;
    }
    return VX_ERANGE; /* spring-forward gap */
}

enum vx_status vx_time_parse(const char *s, vx_time *out)
{
    int y, mo, d, h, mi, sec = 0;
    if (!s || strlen(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &mo) ||
        parse_digits(s + 8, 2, &d) || parse_digits(s + 11, 2, &h) || parse_digits(s + 14, 2, &mi) ||
        !vx_ymd_valid(y, mo, d) || h > 23 || mi > 59)
        return VX_EINVAL;
    const char *p = s + 16;
    if (*p == ':') {
        if (parse_digits(p + 1, 2, &sec) || sec > 60)
            return VX_EINVAL;
        p += 3;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return VX_EINVAL;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (parse_digits(p + 1, 2, &oh) || p[3] != ':' || parse_digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return VX_EINVAL;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return VX_EINVAL;
    }
    if (*p)
        return VX_EINVAL;
    *out = (vx_time)vx_day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return VX_OK;
}

char *vx_time_format_local(vx_time t, char *buf)
{
    int off = vx_stockholm_offset(t);
    vx_time l = t + off;
    vx_time d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    int secs = (int)(l - d * 86400);
    put_date(buf, vx_ymd_from_day((vx_day)d)); /* "YYYY-MM-DDThh:mm:ss+hh:00" */
    buf[10] = 'T';
    put_digits(buf + 11, secs / 3600, 2);
    buf[13] = ':';
    put_digits(buf + 14, secs / 60 % 60, 2);
    buf[16] = ':';
    put_digits(buf + 17, secs % 60, 2);
    buf[19] = '+';
    put_digits(buf + 20, off / 3600, 2);
    memcpy(buf + 22, ":00", 4);
    return buf;
}
