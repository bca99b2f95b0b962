/*
 * export_ndjson.c — the FHIR register's NDJSON line of a dose change, written directly.
 *
 * The API path builds a struct vx_fhir_immunization (vx_regx_fhir_imm, export_fmt.c)
 * and prints it with cJSON (vx_fhir_imm_emit): some forty small allocations, a JSON
 * parse of the meta member and a print per resource, which holds the bulk export to
 * about 120,000 resources/s. The register export writes one fixed shape, so this file
 * writes that shape straight into a stack buffer and appends it to the output once:
 * no allocation, no cJSON.
 *
 * The contract is byte equality with the cJSON path: members in the order of
 * vx_fhir_imm_emit (the StructureDefinition's), absent members left out the same way,
 * strings escaped as cJSON 1.7 escapes them (\" \\ \b \f \n \r \t, other bytes below
 * 0x20 as \u00xx in lower-case hex, everything else verbatim), integers in decimal.
 * tests/unit/test_regx.c compares both paths on many changes, odd characters included.
 * Should fhir.c's builder change shape, that test fails: change both together.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "vx/regx.h"

#define PNR_SYSTEM   "http://electronichealth.se/identifier/personnummer"
#define LINE_MAX_LEN 16384 /* every input string is bounded (struct sizes): ~8 KiB worst case */

/* Constant members, rendered once here (none needs escaping). */
#define ACT_SITE(code, display)                                                                    \
    ",\"site\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActSite\","     \
    "\"code\":\"" code "\",\"display\":\"" display "\"}]}"

/* The injection sites of vaxchain's dose record as FHIR v3-ActSite codings (fhir.c). */
static const struct {
    const char *name, *json;
} act_sites[] = {
    {"left_arm", ACT_SITE("LA", "left arm")},
    {"right_arm", ACT_SITE("RA", "right arm")},
    {"left_deltoid", ACT_SITE("LD", "left deltoid")},
    {"right_deltoid", ACT_SITE("RD", "right deltoid")},
    {"left_thigh", ACT_SITE("LT", "left thigh")},
    {"right_thigh", ACT_SITE("RT", "right thigh")},
};

/* every product of the catalogue is intramuscular (export_fmt.c) */
static const char route_im[] =
    ",\"route\":{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration\",\"code\":\"IM\","
    "\"display\":\"Injection, intramuscular\"}]}";

static const char performer_head[] =
    ",\"performer\":[{\"function\":{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/v2-0443\",\"code\":\"AP\","
    "\"display\":\"Administering Provider\"}]},\"actor\":{\"reference\":\"Practitioner/";

/* A bounded writer over a stack buffer; `over` once anything did not fit. */
struct w {
    char *p, *end;
    bool over;
};

static void put(struct w *w, const char *s, size_t n)
{
    if ((size_t)(w->end - w->p) < n) {
        w->over = true;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

#define LIT(w, s) put((w), "" s, sizeof(s) - 1)

static void put_int(struct w *w, long long v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(e - p));
}

/* Whether any of the 8 bytes in x is below 0x20, '"' or '\\' (word-at-a-time test). */
static bool word_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t lt = (x - 0x20 * ones) & ~x & high; /* a byte < 0x20 */
    uint64_t q = x ^ (0x22 * ones), b = x ^ (0x5c * ones);
    uint64_t eq = ((q - ones) & ~q) | ((b - ones) & ~b);
    return ((lt | eq) & high) != 0;
}

/* The string body (no quotes) escaped as cJSON's print_string_ptr does. */
static void put_esc(struct w *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(s), i = 0, run = 0;
    while (i < len) {
        if (i + 8 <= len) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!word_special(x)) {
                i += 8;
                continue;
            }
        }
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            i++;
            continue;
        }
        put(w, s + run, i - run);
        run = ++i;
        char e[6] = {'\\', 0};
        size_t n = 2;
        switch (ch) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\f':
            e[1] = 'f';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        default:
            memcpy(e + 1, "u00", 3);
            e[4] = hex[ch >> 4];
            e[5] = hex[ch & 15];
            n = 6;
            break;
        }
        put(w, e, n);
    }
    put(w, s + run, len - run);
}

/* "s" quoted and escaped. */
static void put_str(struct w *w, const char *s)
{
    LIT(w, "\"");
    put_esc(w, s);
    LIT(w, "\"");
}

/* Two decimal digits. */
static void put2(struct w *w, int v)
{
    char d[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
    put(w, d, 2);
}

/* "YYYY-MM-DDTHH:MM:SS+0H:00", quoted: vx_time_format_local without snprintf. */
static void put_local_time(struct w *w, vx_time t)
{
    int off = vx_stockholm_offset(t);
    vx_time l = t + off;
    vx_time d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    int secs = (int)(l - d * 86400);
    struct vx_ymd c = vx_ymd_from_day((vx_day)d);
    if (c.year < 0 || c.year > 9999 || off < 0 || off >= 36000) { /* not the fast shape */
        char when[32];
        vx_time_format_local(t, when);
        put_str(w, when);
        return;
    }
    LIT(w, "\"");
    put2(w, c.year / 100);
    put2(w, c.year % 100);
    LIT(w, "-");
    put2(w, c.month);
    LIT(w, "-");
    put2(w, c.day);
    LIT(w, "T");
    put2(w, secs / 3600);
    LIT(w, ":");
    put2(w, secs / 60 % 60);
    LIT(w, ":");
    put2(w, secs % 60);
    LIT(w, "+");
    put2(w, off / 3600);
    LIT(w, ":00\"");
}

/* One coding object {"system":..,"code":..[,"display":..]}; NULL members left out. */
static void put_coding(struct w *w, const char *system, const char *code, const char *display)
{
    LIT(w, "{\"system\":");
    put_str(w, system);
    if (code) {
        LIT(w, ",\"code\":");
        put_str(w, code);
    }
    if (display) {
        LIT(w, ",\"display\":");
        put_str(w, display);
    }
    LIT(w, "}");
}

enum vx_status vx_regx_fhir_line(const struct vx_regx_change_rec *c, bool with_pnr,
                                 struct vx_buf *out, struct vx_err *err)
{
    const struct vx_dose_rec *d = &c->dose;
    const struct vx_reg_vaccine_code *vc = vx_reg_vaccine_lookup(d->vaccine);
    if (!vc)
        return vx_err_set(err, VX_EINVAL, "vaccineCode: unknown product '%s'", d->vaccine);
    if (d->given_at == 0)
        return vx_err_set(err, VX_EINVAL, "occurrenceDateTime: administration time missing");
    char buf[LINE_MAX_LEN];
    struct w w = {buf, buf + sizeof buf, false};

    LIT(&w, "{\"resourceType\":\"Immunization\",\"id\":\"");
    put_int(&w, d->id);
    LIT(&w, "\",\"meta\":{\"versionId\":\"");
    put_int(&w, d->version);
    LIT(&w, "\"}");
    if (d->voided)
        LIT(&w, ",\"status\":\"entered-in-error\"");
    else
        LIT(&w, ",\"status\":\"completed\"");

    LIT(&w, ",\"vaccineCode\":{\"coding\":[");
    put_coding(&w, VX_FHIR_VACCINE_SYSTEM, vc->product, NULL);
    if (vc->snomed) {
        LIT(&w, ",");
        put_coding(&w, "http://snomed.info/sct", vc->snomed, vc->snomed_text);
    }
    if (vc->atc) {
        LIT(&w, ",");
        put_coding(&w, "http://www.whocc.no/atc", vc->atc, NULL);
    }
    LIT(&w, ",");
    put_coding(&w, "http://hl7.org/fhir/sid/cvx", vc->cvx, vc->cvx_text);
    LIT(&w, "]}");

    LIT(&w, ",\"patient\":{\"reference\":\"Patient/");
    put_int(&w, d->person_id);
    LIT(&w, "\"");
    if (with_pnr && c->pnr[0]) {
        LIT(&w, ",\"identifier\":{\"system\":\"" PNR_SYSTEM "\",\"value\":");
        put_str(&w, c->pnr);
        LIT(&w, "}");
    }
    LIT(&w, "}");

    LIT(&w, ",\"occurrenceDateTime\":");
    put_local_time(&w, d->given_at);
    LIT(&w, ",\"primarySource\":true");

    const char *facility = c->site_code[0] ? c->site_code : d->kommun;
    if (*facility) {
        LIT(&w, ",\"location\":{\"reference\":\"Location/");
        put_esc(&w, facility);
        LIT(&w, "\"");
        if (c->site_name[0]) {
            LIT(&w, ",\"display\":");
            put_str(&w, c->site_name);
        }
        LIT(&w, "}");
    }
    if (d->lot_number[0]) {
        LIT(&w, ",\"lotNumber\":");
        put_str(&w, d->lot_number);
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(act_sites); i++)
        if (!strcmp(d->injection_site, act_sites[i].name)) {
            put(&w, act_sites[i].json, strlen(act_sites[i].json));
            break;
        }
    put(&w, route_im, sizeof route_im - 1);
    if (d->vaccinator[0]) {
        put(&w, performer_head, sizeof performer_head - 1);
        put_esc(&w, d->vaccinator);
        LIT(&w, "\"}}]");
    }
    if (d->dose_number > 0) {
        LIT(&w, ",\"protocolApplied\":[{\"doseNumberPositiveInt\":");
        put_int(&w, d->dose_number);
        LIT(&w, "}]");
    }
    LIT(&w, "}\n");
    if (w.over)
        return vx_err_set(err, VX_ENOMEM, "FHIR record of dose %lld too long", (long long)d->id);
    enum vx_status rc = vx_buf_append(out, buf, (size_t)(w.p - buf));
    return rc == VX_OK ? VX_OK : vx_err_set(err, rc, "FHIR file buffer full");
}
