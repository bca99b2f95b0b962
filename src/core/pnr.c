/*
 * pnr.c — personnummer, samordningsnummer and interim numbers.
 *
 * The parser works in three steps on the borrowed input string:
 *  1. shape: from the length (10..13) decide whether a century and a separator are
 *     present, and check that every other character is a digit (the first serial
 *     character may be an interim letter);
 *  2. date: infer the century when absent (relative to the reference date, and 100
 *     years earlier for '+'), then check month and day, with the samordningsnummer
 *     rules (day + 60; day 60 and month 00 mean unknown, as Skatteverket issues them);
 *  3. control: Luhn over the 10-digit form (letters count as 1), serial != 000, and a
 *     birth date not after the reference date.
 * Each failure stops at the first problem and reports a specific reason with the
 * position and the offending value, so the CLI can say "bad check digit: expected 4,
 * got 5" instead of "invalid".
 */
#include <stdio.h>
#include <string.h>
#include "vx/pnr.h"

/* Letters accepted in the first serial position of an interim number. */
static const char interim_letters[] = "TRSUWXJKLMN";

static const char *const reason_texts[] = {
    [VX_PNR_OK] = "ok",
    [VX_PNR_EMPTY] = "empty",
    [VX_PNR_BAD_LENGTH] = "bad length",
    [VX_PNR_BAD_CHAR] = "bad character",
    [VX_PNR_BAD_SEPARATOR] = "bad separator",
    [VX_PNR_BAD_CENTURY] = "bad century",
    [VX_PNR_BAD_MONTH] = "bad date: month",
    [VX_PNR_BAD_DAY] = "bad date: day",
    [VX_PNR_FUTURE_DATE] = "birth date after the reference date",
    [VX_PNR_BAD_CHECK_DIGIT] = "bad check digit",
    [VX_PNR_BAD_SERIAL] = "bad serial number 000 (never issued)",
    [VX_PNR_INTERIM_NOT_ALLOWED] = "interim number not accepted",
    [VX_PNR_SAMORDNING_NOT_ALLOWED] = "samordningsnummer not accepted",
    [VX_PNR_PLUS_WITH_CENTURY] = "'+' separator but the person is under 100",
};

const char *vx_pnr_reason_text(enum vx_pnr_reason r)
{
    if ((unsigned)r >= VX_ARRAY_LEN(reason_texts) || !reason_texts[r])
        return "invalid";
    return reason_texts[r];
}

static const char *const month_names[13] = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};

void vx_pnr_error_text(const struct vx_pnr_error *e, char *buf, size_t len)
{
    const char *t = vx_pnr_reason_text(e->reason);
    switch (e->reason) {
    case VX_PNR_BAD_LENGTH:
        snprintf(buf, len, "bad length: %d characters (expected 10 to 13)", e->got);
        break;
    case VX_PNR_BAD_CHAR:
    case VX_PNR_BAD_SEPARATOR:
        snprintf(buf, len, "%s at position %d", t, e->position + 1);
        break;
    case VX_PNR_BAD_CENTURY:
        snprintf(buf, len, "bad century %02d (expected 18, 19 or 20)", e->got);
        break;
    case VX_PNR_BAD_MONTH:
        snprintf(buf, len, "bad date: month %02d does not exist", e->got);
        break;
    case VX_PNR_BAD_DAY:
        if (e->year > 0 && e->got >= 1 && e->got <= 31 && e->position >= 1 && e->position <= 12)
            snprintf(buf, len, "bad date: day %02d does not exist in %s %d", e->got,
                     month_names[e->position], e->year);
        else
            snprintf(buf, len, "bad date: day %02d does not exist", e->got);
        break;
    case VX_PNR_BAD_CHECK_DIGIT:
        snprintf(buf, len, "bad check digit: expected %d, got %d", e->expected, e->got);
        break;
    default:
        snprintf(buf, len, "%s", t);
        break;
    }
}

int vx_pnr_luhn(const char *nine)
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int d;
        char c = nine[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c && strchr(interim_letters, c))
            d = 1;
        else
            return -1;
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

struct vx_pnr_opts vx_pnr_opts_default(vx_day ref)
{
    return (struct vx_pnr_opts){.ref = ref, .allow_interim = true, .allow_samordning = true};
}

static enum vx_status fail(struct vx_pnr_error *err, enum vx_pnr_reason r, int pos, int got)
{
    if (err) {
        err->reason = r;
        err->position = pos;
        err->got = got;
        err->expected = -1;
        err->year = 0;
    }
    return VX_EINVAL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Birth date of a (checked) date part: unknown month (0) → January, unknown day (0) →
 * the 1st, a day past the month's end (samordningsnummer only) → its last day. */
static vx_day birth_of(int year, int mm, int day)
{
    int m = mm ? mm : 1;
    int d = day ? day : 1;
    if (d > vx_days_in_month(year, m))
        d = vx_days_in_month(year, m);
    return vx_day_from_ymd(year, m, d);
}

enum vx_status vx_pnr_parse(const char *s, const struct vx_pnr_opts *opts, struct vx_pnr *out,
                            struct vx_pnr_error *err)
{
    if (!s || !*s)
        return fail(err, VX_PNR_EMPTY, -1, 0);
    size_t n = strnlen(s, 64);
    if (n < 10 || n > 13)
        return fail(err, VX_PNR_BAD_LENGTH, -1, (int)n);

    /* 1. shape */
    bool has_century = n == 12 || n == 13;
    bool has_sep = n == 11 || n == 13;
    int date_len = has_century ? 8 : 6;
    char sep = has_sep ? s[date_len] : 0;
    for (int i = 0; i < date_len; i++)
        if (!is_digit(s[i]))
            return fail(err, VX_PNR_BAD_CHAR, i, -1);
    if (has_sep && sep != '-' && sep != '+')
        return fail(err, VX_PNR_BAD_SEPARATOR, date_len, -1);
    const char *tail = s + date_len + (has_sep ? 1 : 0); /* NNNC */
    int tail_pos = (int)(tail - s);
    bool interim = !is_digit(tail[0]) && strchr(interim_letters, tail[0]) && tail[0];
    if (!is_digit(tail[0]) && !interim)
        return fail(err, VX_PNR_BAD_CHAR, tail_pos, -1);
    for (int i = 1; i < 4; i++)
        if (!is_digit(tail[i]))
            return fail(err, VX_PNR_BAD_CHAR, tail_pos + i, -1);

    /* 2. date */
    const char *ymd = s + (has_century ? 2 : 0); /* YYMMDD */
    int yy = num2(ymd), mm = num2(ymd + 2), dd = num2(ymd + 4);
    struct vx_ymd ref = vx_ymd_from_day(opts->ref);
    bool samordning = dd >= 60;
    int day = samordning ? dd - 60 : dd;
    int year;
    if (has_century) {
        int cc = num2(s);
        if (cc < 18 || cc > 20)
            return fail(err, VX_PNR_BAD_CENTURY, 0, cc);
        year = cc * 100 + yy;
    } else {
        int base = sep == '+' ? ref.year - 100 : ref.year;
        year = base - (((base - yy) % 100) + 100) % 100;
        if (year < 1800) /* no living person was born before 1800 */
            return fail(err, VX_PNR_BAD_CENTURY, date_len, year / 100);
    }
    if (mm > 12 || (mm == 0 && !samordning))
        return fail(err, VX_PNR_BAD_MONTH, date_len - 4, mm);
    bool day_unknown = samordning && day == 0;
    bool month_unknown = mm == 0;
    /* Skatteverket's own test samordningsnummer include 31 April, 30 February and the
     * like: a coordination number's date is the date the person stated, so only day
     * <= 31 is required of it; its birth date is clamped to the end of the month. */
    int max_day = month_unknown || samordning ? 31 : vx_days_in_month(year, mm);
    if ((day == 0 && !samordning) || day > max_day || (dd > 31 && dd < 60) || dd > 91) {
        fail(err, VX_PNR_BAD_DAY, mm, day);
        if (err) {
            err->position = mm; /* month for the message */
            err->year = year;
        }
        return VX_EINVAL;
    }
    vx_day birth = birth_of(year, mm, day);
    if (!has_century && birth > opts->ref) {
        /* the same YYMMDD a century earlier ('-' means under 100, so this only
         * happens for a date later this year than the reference date) */
        year -= 100;
        if (!samordning && day > vx_days_in_month(year, mm)) {
            fail(err, VX_PNR_BAD_DAY, mm, day);
            if (err) {
                err->position = mm;
                err->year = year;
            }
            return VX_EINVAL;
        }
        birth = birth_of(year, mm, day);
    }

    /* 3. control */
    char ten[10];
    memcpy(ten, ymd, 6);
    memcpy(ten + 6, tail, 4);
    int expected = vx_pnr_luhn(ten);
    int got = tail[3] - '0';
    if (expected != got) {
        fail(err, VX_PNR_BAD_CHECK_DIGIT, (int)n - 1, got);
        if (err)
            err->expected = expected;
        return VX_EINVAL;
    }
    if (!interim && tail[0] == '0' && tail[1] == '0' && tail[2] == '0')
        return fail(err, VX_PNR_BAD_SERIAL, tail_pos, 0);
    if (birth > opts->ref)
        return fail(err, VX_PNR_FUTURE_DATE, 0, -1);
    if (has_century && sep == '+' && ref.year - year < 100)
        return fail(err, VX_PNR_PLUS_WITH_CENTURY, date_len, -1);
    if (interim && !opts->allow_interim)
        return fail(err, VX_PNR_INTERIM_NOT_ALLOWED, tail_pos, -1);
    if (samordning && !opts->allow_samordning)
        return fail(err, VX_PNR_SAMORDNING_NOT_ALLOWED, date_len - 2, dd);

    if (out) {
        memset(out, 0, sizeof *out);
        char cent[8];
        snprintf(cent, sizeof cent, "%02d", (year / 100) % 100);
        memcpy(out->norm, cent, 2);
        memcpy(out->norm + 2, ten, 10);
        out->norm[12] = '\0';
        out->kind = interim ? VX_PNR_INTERIM : samordning ? VX_PNR_SAMORDNING : VX_PNR_PERSONNUMMER;
        out->sex = (tail[2] - '0') % 2 ? VX_SEX_MALE : VX_SEX_FEMALE;
        out->birth = birth;
        out->birth_day_unknown = day_unknown;
        out->birth_month_unknown = month_unknown;
    }
    if (err) {
        err->reason = VX_PNR_OK;
        err->expected = -1;
        err->position = -1;
        err->got = -1;
        err->year = 0;
    }
    return VX_OK;
}

char *vx_pnr_format_short(const struct vx_pnr *p, vx_day ref, char *buf)
{
    int year = (p->norm[0] - '0') * 1000 + (p->norm[1] - '0') * 100 + num2(p->norm + 2);
    char sep = vx_ymd_from_day(ref).year - year >= 100 ? '+' : '-';
    memcpy(buf, p->norm + 2, 6);
    buf[6] = sep;
    memcpy(buf + 7, p->norm + 8, 4);
    buf[11] = '\0';
    return buf;
}
