/*
 * tl.c — the vocabulary of the traffic-light report: colours, areas, months, formats,
 * and the check a filed report must pass (include/vx/report.h).
 *
 * Colours and areas are tables: the single source for JSON codes, the Swedish and
 * English names in every rendering, the XLSX sheet names and docs/report.md. The
 * area list follows SKR's questionnaire to the regions (January 2021): an overall
 * assessment, the readiness for the next phase, and seven areas.
 *
 * The check is what the store and the HTTP layer rely on: a filing names its
 * region and month, assesses overall and readiness, and explains every yellow and
 * red; reasons are UTF-8 text without control characters (newlines allowed), so
 * every renderer can show them as they are after escaping.
 */
#include <stdio.h>
#include <string.h>
#include "vx/report.h"

static const struct {
    const char *code, *sv, *en;
} colors[VX_TL_COLOR_COUNT] = {
    [VX_TL_UNKNOWN] = {"unknown", "–", "–"},
    [VX_TL_GREEN] = {"green", "grön", "green"},
    [VX_TL_YELLOW] = {"yellow", "gul", "yellow"},
    [VX_TL_RED] = {"red", "röd", "red"},
};

const char *vx_tl_color_code(enum vx_tl_color c)
{
    return (unsigned)c < VX_TL_COLOR_COUNT ? colors[c].code : "unknown";
}

const char *vx_tl_color_name(enum vx_tl_color c, const char *lang)
{
    if ((unsigned)c >= VX_TL_COLOR_COUNT)
        c = VX_TL_UNKNOWN;
    return lang && !strcmp(lang, "en") ? colors[c].en : colors[c].sv;
}

enum vx_status vx_tl_color_parse(const char *s, enum vx_tl_color *out)
{
    for (int c = 0; s && c < VX_TL_COLOR_COUNT; c++)
        if (!strcmp(s, colors[c].code)) {
            *out = (enum vx_tl_color)c;
            return VX_OK;
        }
    return VX_EINVAL;
}

static const struct vx_tl_area_info areas[VX_TL_AREA_COUNT] = {
    {VX_TL_OVERALL, "overall", "Övergripande bedömning", "Overall assessment"},
    {VX_TL_READINESS, "readiness", "Beredskap för nästa fas", "Readiness for the next phase"},
    {VX_TL_PREMISES, "premises", "Lokaler", "Premises"},
    {VX_TL_STAFF, "staff", "Bemanning", "Staff"},
    {VX_TL_BOOKING, "booking", "Bokning", "Booking"},
    {VX_TL_SUPPLY, "supply_logistics", "Leveranser och logistik", "Supply and logistics"},
    {VX_TL_IT, "it_register", "IT och vaccinationsregister", "IT and register"},
    {VX_TL_COMMUNICATION, "communication", "Kommunikation", "Communication"},
    {VX_TL_MUNICIPAL, "municipal_cooperation", "Samverkan med kommunerna", "Municipal cooperation"},
};

const struct vx_tl_area_info *vx_tl_area_info(enum vx_tl_area a)
{
    return (unsigned)a < VX_TL_AREA_COUNT ? &areas[a] : NULL;
}

enum vx_status vx_tl_area_parse(const char *code, enum vx_tl_area *out)
{
    for (int a = 0; code && a < VX_TL_AREA_COUNT; a++)
        if (!strcmp(code, areas[a].code)) {
            *out = (enum vx_tl_area)a;
            return VX_OK;
        }
    return VX_EINVAL;
}

/* ------------------------------------------------------------------ months */

enum vx_status vx_tl_month_parse(const char *s, int *out)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return VX_EINVAL;
    int y = 0, m = 0;
    for (int i = 0; i < 7; i++) {
        if (i == 4)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return VX_EINVAL;
        if (i < 4)
            y = y * 10 + (s[i] - '0');
        else
            m = m * 10 + (s[i] - '0');
    }
    if (y < 2000 || y > 2999 || m < 1 || m > 12)
        return VX_EINVAL;
    *out = y * 100 + m;
    return VX_OK;
}

char *vx_tl_month_format(int month, char buf[8])
{
    unsigned m = (unsigned)month;
    snprintf(buf, 8, "%04u-%02u", (m / 100u) % 10000u, m % 100u);
    return buf;
}

static bool month_ok(int month)
{
    return month >= 200001 && month <= 299912 && month % 100 >= 1 && month % 100 <= 12;
}

vx_day vx_tl_month_first(int month)
{
    return vx_day_from_ymd(month / 100, month % 100, 1);
}

vx_day vx_tl_month_last(int month)
{
    return vx_day_from_ymd(month / 100, month % 100, vx_days_in_month(month / 100, month % 100));
}

int vx_tl_month_of(vx_day d)
{
    struct vx_ymd y = vx_ymd_from_day(d);
    return y.year * 100 + y.month;
}

/* ------------------------------------------------------------------ formats */

static const struct {
    const char *code, *mime;
} formats[VX_TL_FMT_COUNT] = {
    [VX_TL_FMT_HTML] = {"html", "text/html; charset=utf-8"},
    [VX_TL_FMT_PDF] = {"pdf", "application/pdf"},
    [VX_TL_FMT_XLSX] = {"xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
};

const char *vx_tl_format_code(enum vx_tl_format f)
{
    return (unsigned)f < VX_TL_FMT_COUNT ? formats[f].code : "html";
}

const char *vx_tl_format_mime(enum vx_tl_format f)
{
    return (unsigned)f < VX_TL_FMT_COUNT ? formats[f].mime : "application/octet-stream";
}

enum vx_status vx_tl_format_parse(const char *s, enum vx_tl_format *out)
{
    for (int f = 0; s && f < VX_TL_FMT_COUNT; f++)
        if (!strcmp(s, formats[f].code)) {
            *out = (enum vx_tl_format)f;
            return VX_OK;
        }
    return VX_EINVAL;
}

/* ------------------------------------------------------------------ check */

/* Valid UTF-8 (no overlongs, no surrogates) without control characters except \n \t. */
static bool text_ok(const char *s, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strnlen(s, cap);
    if (len == cap)
        return false;
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        int n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
        if (n < 0 || c > 0xf4 || i + (size_t)n >= len + 1)
            return false;
        unsigned cp = c & (0x3f >> n);
        for (int k = 1; k <= n; k++) {
            if (i + (size_t)k >= len || (p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0x80 && cp < 0xa0))
            return false;
        i += (size_t)n + 1;
    }
    return true;
}

enum vx_status vx_tl_report_check(const struct vx_tl_report *r, const char **field,
                                  struct vx_err *err)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = NULL;
    if (!(r->region[0] >= '0' && r->region[0] <= '9' && r->region[1] >= '0' &&
          r->region[1] <= '9' && r->region[2] == '\0')) {
        *field = "region";
        return vx_err_set(err, VX_EINVAL, "region: two digits expected");
    }
    if (!month_ok(r->month)) {
        *field = "month";
        return vx_err_set(err, VX_EINVAL, "month: YYYY-MM expected");
    }
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        const struct vx_tl_entry *e = &r->area[a];
        if ((unsigned)e->color >= VX_TL_COLOR_COUNT) {
            *field = areas[a].code;
            return vx_err_set(err, VX_EINVAL, "%s: unknown colour", areas[a].code);
        }
        if ((a == VX_TL_OVERALL || a == VX_TL_READINESS) && e->color == VX_TL_UNKNOWN) {
            *field = areas[a].code;
            return vx_err_set(err, VX_EINVAL, "%s: must be green, yellow or red", areas[a].code);
        }
        if (!text_ok(e->reason, sizeof e->reason)) {
            *field = areas[a].code;
            return vx_err_set(err, VX_EINVAL,
                              "%s: the reason must be UTF-8 text without control characters",
                              areas[a].code);
        }
        if (e->color >= VX_TL_YELLOW) {
            const char *p = e->reason;
            while (*p == ' ' || *p == '\n' || *p == '\t')
                p++;
            if (!*p) {
                *field = areas[a].code;
                return vx_err_set(err, VX_EINVAL, "%s: a %s needs a reason", areas[a].code,
                                  colors[e->color].code);
            }
        }
    }
    return VX_OK;
}
