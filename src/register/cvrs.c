/*
 * cvrs.c — CDC COVID-19 Vaccination Reporting Specification (CVRS) checks on a VXU.
 *
 * The CDC shared a reference validator with its sample messages (CDC_IIS_Open_Tools,
 * extract-validator, commit af21ad5). It converts each HL7 message to a CVRS record
 * (one value per CVRS variable, read from a fixed HL7 location) and checks the record
 * with per-field validators and a list of business rules. This file reproduces that
 * as two tables:
 *
 *  - `rules[]`: one row per CVRS variable, in the specification's order: its HL7
 *    location (the spreadsheet CDC_COVID-19_Vaccination_Reporting_Specification_with_
 *    HL7_Mapping.csv, "V2 Field" column; tests/unit/test_register.c checks every row
 *    against that CSV), how the value is read (a plain location, an alternate, an OBX
 *    picked by its OBX-3 code, a value map), which event types require it or forbid it,
 *    the maximum length and the check (regular expression, value set, date, "must be
 *    Redacted", extract type, PPRL).
 *  - `busrules[]`: the cross-field business rules BUSR001..BUSR012.
 *
 * Event type: a refusal when RXA-20 is RE, else a vaccination. Error codes follow the
 * validator: REQD00n / DNTS00n with n = 1 vaccination, 2 refusal; DATA001 bad date,
 * DATA004 must not be present, DATA005 regular expression, DATA006 must be "Redacted",
 * DATA007 value set, DATA008 too long; BUSRnnn business rules.
 *
 * "Default conversion rules" (validator option -d) fill what a sender may leave out:
 * fields forbidden for the event type are dropped, required coded fields whose value
 * set has UNK become UNK, MSH-8 becomes D (all name/address fields "Redacted") or I,
 * ZIP+4 gets its hyphen. The CDC ran its samples without them, except testdefault.hl7,
 * whose messages are exactly those that leave MSH-8 empty; so the automatic mode
 * applies them iff MSH-8 is empty. BUSR013 (duplicate event ids in one file) needs a
 * batch and is left to the exporter, which never sends an event id twice.
 *
 * Pure: "today" (for the no-time-travel rules) is a parameter.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "register_int.h"

enum chk { C_NONE, C_REGEX, C_EXT, C_PPRL, C_REDACTED, C_DATE, C_DATE_MONTH, C_VS };
enum { EV_VAX = 1u, EV_REF = 2u };

struct map_pair {
    const char *hl7;  /* "" matches anything */
    const char *cvrs; /* value reported */
};

struct cvrs_rule {
    const char *name;
    const char *loc;  /* vx_hl7_loc syntax; for OBX rules the value location "OBX-5" */
    const char *alt;  /* alternate location when loc is empty, or NULL */
    const char *obx3; /* "code^text^system" selecting the OBX, or NULL */
    enum chk chk;
    const char *param; /* regular expression text, value set name, date formats */
    bool (*re)(const char *);
    unsigned required, dnts; /* EV_* bits */
    int maxlen;              /* 0 = 255 */
    const struct map_pair *map;
    size_t nmap;
};

/* --- regular expressions of the validator, as predicates ---------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
static bool re_nonspace(const char *s) /* ^\S+$ */
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (is_ws(*s))
            return false;
    return true;
}
static bool re_starts_nonspace(const char *s) /* ^\S+.*$ ('.' excludes line ends) */
{
    if (!*s || is_ws(*s))
        return false;
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            return false;
    return true;
}
static bool re_pin(const char *s) /* ^([0-9A-Za-z]{0,6})$ */
{
    size_t n = 0;
    for (; *s; s++, n++)
        if (!isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
            return false;
    return n <= 6;
}
static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}
static bool re_zip(const char *s) /* \d{5}(-\d{4})? */
{
    size_t n = strlen(s);
    return (n == 5 && digits(s, 5)) || (n == 10 && digits(s, 5) && s[5] == '-' && digits(s + 6, 4));
}
static bool re_zip_or_empty(const char *s) /* ^(\d{5}(-\d{4})?)?$ */
{
    return !*s || re_zip(s);
}

static const struct map_pair map_refusal[] = {{"RE", "YES"}, {"", "NO"}};
static const struct map_pair map_serology[] = {{"YES", "YES"}, {"NO", "NO"}, {"UNK", "UNK"}};

#define OBX_DOSE     "30973-2^Dose number in series^LN"
#define OBX_SERIES   "59783-1^Status in immunization series^LN"
#define OBX_COMORBID "VXC8^Member of Special Risk Group^PHIN VS"
#define OBX_SEROLOGY "75505-8^Serological Evidence of Immunity^LN"
#define ALL          (EV_VAX | EV_REF)

/* CVRS version 2 (the validator's default); variables ignored in v2 are left out. */
static const struct cvrs_rule rules[] = {
    {"vax_event_id", "ORC-3-1", NULL, NULL, C_REGEX, "^\\S+$", re_nonspace, ALL, 0, 0, NULL, 0},
    {"ext_type", "MSH-8", NULL, NULL, C_EXT, "^(D|P|I)$", NULL, 0, 0, 0, NULL, 0},
    {"pprl_id", "PID-3(1)-1", NULL, NULL, C_PPRL, NULL, NULL, 0, 0, 100, NULL, 0},
    {"recip_id", "PID-3(0)-1", NULL, NULL, C_REGEX, "^\\S+$", re_nonspace, ALL, 0, 0, NULL, 0},
    {"recip_first_name", "PID-5-1", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_middle_name", "PID-5-3", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_last_name", "PID-5-2", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_dob", "PID-7-1", NULL, NULL, C_DATE_MONTH, "yyyy-MM-dd|yyyy-MM", NULL, ALL, 0, 0, NULL,
     0},
    {"recip_sex", "PID-8", NULL, NULL, C_VS, "SEX", NULL, ALL, 0, 0, NULL, 0},
    {"recip_address_street", "PID-11-1", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_address_street_2", "PID-11-2", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_address_city", "PID-11-3", NULL, NULL, C_REDACTED, NULL, NULL, 0, 0, 0, NULL, 0},
    {"recip_address_county", "PID-11-9", NULL, NULL, C_VS, "COUNTY", NULL, 0, 0, 0, NULL, 0},
    {"recip_address_state", "PID-11-4", NULL, NULL, C_VS, "STATE", NULL, 0, 0, 0, NULL, 0},
    {"recip_address_zip", "PID-11-5", NULL, NULL, C_REGEX, "\\d{5}(-\\d{4})?", re_zip, 0, 0, 0,
     NULL, 0},
    {"recip_race_1", "PID-10(0)-1", NULL, NULL, C_VS, "RACEWITHUNK", NULL, ALL, 0, 0, NULL, 0},
    {"recip_race_2", "PID-10(1)-1", NULL, NULL, C_VS, "RACE", NULL, 0, 0, 0, NULL, 0},
    {"recip_race_3", "PID-10(2)-1", NULL, NULL, C_VS, "RACE", NULL, 0, 0, 0, NULL, 0},
    {"recip_race_4", "PID-10(3)-1", NULL, NULL, C_VS, "RACE", NULL, 0, 0, 0, NULL, 0},
    {"recip_race_5", "PID-10(4)-1", NULL, NULL, C_VS, "RACE", NULL, 0, 0, 0, NULL, 0},
    {"recip_race_6", "PID-10(5)-1", NULL, NULL, C_VS, "RACE", NULL, 0, 0, 0, NULL, 0},
    {"recip_ethnicity", "PID-22-1", NULL, NULL, C_VS, "ETHNICITY", NULL, ALL, 0, 0, NULL, 0},
    {"admin_date", "RXA-3-1", NULL, NULL, C_DATE, "yyyy-MM-dd", NULL, ALL, 0, 0, NULL, 0},
    {"cvx", "RXA-5-1", NULL, NULL, C_VS, "CVX", NULL, ALL, 0, 0, NULL, 0},
    {"ndc", "RXA-5-4", NULL, NULL, C_VS, "NDC", NULL, 0, EV_REF, 50, NULL, 0},
    {"mvx", "RXA-17-1", NULL, NULL, C_VS, "MVX", NULL, 0, EV_REF, 3, NULL, 0},
    {"lot_number", "RXA-15", NULL, NULL, C_NONE, NULL, NULL, 0, EV_REF, 0, NULL, 0},
    {"vax_expiration", "RXA-16", NULL, NULL, C_DATE_MONTH, "yyyy-MM-dd|yyyy-MM", NULL, 0, EV_REF, 0,
     NULL, 0},
    {"vax_admin_site", "RXR-2-1", NULL, NULL, C_VS, "SITE", NULL, 0, EV_REF, 0, NULL, 0},
    {"vax_route", "RXR-1-1", NULL, NULL, C_VS, "ROUTE", NULL, 0, EV_REF, 10, NULL, 0},
    {"dose_num", "OBX-5", NULL, OBX_DOSE, C_VS, "DOSE", NULL, EV_VAX, EV_REF, 0, NULL, 0},
    {"vax_series_complete", "OBX-5", NULL, OBX_SERIES, C_VS, "YES_NO_UNK", NULL, EV_VAX, EV_REF, 0,
     NULL, 0},
    {"responsible_org", "MSH-22-1", "MSH-4-1", NULL, C_REGEX, "^\\S+.*$", re_starts_nonspace, ALL,
     0, 0, NULL, 0},
    {"admin_name", "RXA-11-4-1", NULL, NULL, C_REGEX, "^\\S+.*$", re_starts_nonspace, ALL, 0, 0,
     NULL, 0},
    {"vtrcks_prov_pin", "RXA-11-4-2", NULL, NULL, C_REGEX, "^([0-9A-Za-z]{0,6})$", re_pin, 0, 0, 0,
     NULL, 0},
    {"admin_type", "RXA-11-6-1", NULL, NULL, C_VS, "DCHTYPE2", NULL, ALL, 0, 0, NULL, 0},
    {"admin_address_street", "RXA-11-9", NULL, NULL, C_NONE, NULL, NULL, 0, 0, 0, NULL, 0},
    {"admin_address_street_2", "RXA-11-10", NULL, NULL, C_NONE, NULL, NULL, 0, 0, 0, NULL, 0},
    {"admin_address_city", "RXA-11-11", NULL, NULL, C_NONE, NULL, NULL, 0, 0, 0, NULL, 0},
    {"admin_address_county", "RXA-11-16", NULL, NULL, C_VS, "COUNTY", NULL, 0, 0, 0, NULL, 0},
    {"admin_address_state", "RXA-11-12", NULL, NULL, C_VS, "STATE", NULL, 0, 0, 0, NULL, 0},
    {"admin_address_zip", "RXA-11-13", NULL, NULL, C_REGEX, "^(\\d{5}(-\\d{4})?)?$",
     re_zip_or_empty, 0, 0, 0, NULL, 0},
    {"vax_refusal", "RXA-20", NULL, NULL, C_VS, "YES_NO", NULL, ALL, 0, 0, map_refusal,
     VX_ARRAY_LEN(map_refusal)},
    {"cmorbid_status", "OBX-5", NULL, OBX_COMORBID, C_VS, "YES_NO_UNK", NULL, ALL, 0, 0, NULL, 0},
    {"serology", "OBX-5", NULL, OBX_SEROLOGY, C_VS, "YES_NO_UNK", NULL, ALL, 0, 0, map_serology,
     VX_ARRAY_LEN(map_serology)},
};
#define NRULES VX_ARRAY_LEN(rules)

/* Business rules: value of field `a` <op> field `b`. */
enum busop { B_COUNTY_IN_STATE, B_ZIP_IN_STATE, B_NOT_AFTER, B_IMPLIES, B_BEFORE_TOMORROW };
struct busrule {
    const char *code;
    const char *msg; /* {1} a's name, {2} a's value, {3} b's name, {4} b's value */
    const char *a, *b;
    enum busop op;
    enum vx_cvrs_level level;
};
static const struct busrule busrules[] = {
    {"BUSR001", "{1} ({2}) does not match {3} ({4}) for Recipient", "recip_address_county",
     "recip_address_state", B_COUNTY_IN_STATE, VX_CVRS_ERROR},
    {"BUSR002", "{1} ({2}) does not match {3} ({4}) for Vaccine Administrator",
     "admin_address_county", "admin_address_state", B_COUNTY_IN_STATE, VX_CVRS_ERROR},
    {"BUSR003", "{1} ({2}) does not match {3} ({4}) for Recipient", "recip_address_zip",
     "recip_address_state", B_ZIP_IN_STATE, VX_CVRS_ERROR},
    {"BUSR004", "{1} ({2}) does not match {3} ({4}) for Vaccine Administrator", "admin_address_zip",
     "admin_address_state", B_ZIP_IN_STATE, VX_CVRS_ERROR},
    {"BUSR005", "{1} ({2}) is after {3} ({4})", "recip_dob", "admin_date", B_NOT_AFTER,
     VX_CVRS_ERROR},
    {"BUSR007", "If {1} ({2}) is present, {3} ({4}) should be present for Recipient",
     "recip_address_zip", "recip_address_state", B_IMPLIES, VX_CVRS_WARN},
    {"BUSR008", "If {1} ({2}) is present, {3} ({4}) should be present for Vaccine Administrator",
     "admin_address_zip", "admin_address_state", B_IMPLIES, VX_CVRS_WARN},
    {"BUSR009", "If {1} ({2}) is present, {3} ({4}) should be present for Recipient",
     "recip_address_zip", "recip_address_county", B_IMPLIES, VX_CVRS_WARN},
    {"BUSR010", "If {1} ({2}) is present, {3} ({4}) should be present for Vaccine Administrator",
     "admin_address_zip", "admin_address_county", B_IMPLIES, VX_CVRS_WARN},
    {"BUSR011", "If {1} ({2}) is present it should be less than {3} ({4})", "recip_dob", NULL,
     B_BEFORE_TOMORROW, VX_CVRS_ERROR},
    {"BUSR012", "If {1} ({2}) is present it should less than {3} ({4})", "admin_date", NULL,
     B_BEFORE_TOMORROW, VX_CVRS_ERROR},
};

static const char *const event_names[] = {"Vaccination", "Refusal"};

/* --- value sets ---------------------------------------------------------------------- */

static const struct cvrs_valueset *vs_find(const char *name)
{
    for (size_t i = 0; i < cvrs_nvaluesets; i++)
        if (strcmp(cvrs_valuesets[i].name, name) == 0)
            return &cvrs_valuesets[i];
    return NULL;
}

const char *const *vx_cvrs_valueset(const char *name, size_t *n)
{
    const struct cvrs_valueset *vs = vs_find(name);
    *n = vs ? vs->n : 0;
    return vs ? vs->codes : NULL;
}

/* The validator trims and compares case-insensitively. */
static bool vs_contains(const struct cvrs_valueset *vs, const char *v)
{
    while (is_ws(*v))
        v++;
    size_t n = strlen(v);
    while (n && is_ws(v[n - 1]))
        n--;
    for (size_t i = 0; i < vs->n; i++)
        if (strlen(vs->codes[i]) == n && strncasecmp(vs->codes[i], v, n) == 0)
            return true;
    return false;
}

/* "[a, b ... y, z]" as the validator quotes a value set (first two, last two). */
static void vs_examples(const struct cvrs_valueset *vs, struct vx_buf *b)
{
    if (vs->n <= 4) {
        vx_buf_puts(b, "[");
        for (size_t i = 0; i < vs->n; i++)
            vx_buf_printf(b, "%s%s", i ? ", " : "", vs->codes[i]);
        vx_buf_puts(b, "]");
    } else {
        vx_buf_printf(b, "[%s, %s ... %s, %s]", vs->codes[0], vs->codes[1], vs->codes[vs->n - 2],
                      vs->codes[vs->n - 1]);
    }
}

/* --- record -------------------------------------------------------------------------- */

struct record {
    const char *v[NRULES]; /* arena strings, never NULL */
};

static size_t rule_index(const char *name)
{
    for (size_t i = 0; i < NRULES; i++)
        if (strcmp(rules[i].name, name) == 0)
            return i;
    return NRULES; /* not reached for names of our own tables */
}

/* Convert an HL7 date/time to the CVRS form: YYYY[-MM[-DD]], time dropped. */
static char *to_cvrs_date(struct vx_arena *a, const char *v)
{
    size_t n = strlen(v);
    char buf[16];
    size_t k = 0;
    if (n > 0) {
        memcpy(buf, v, n < 4 ? n : 4);
        k = n < 4 ? n : 4;
        if (n > 4) {
            size_t m = n - 4 < 2 ? n - 4 : 2;
            buf[k++] = '-';
            memcpy(buf + k, v + 4, m);
            k += m;
            if (n > 6) {
                m = n - 6 < 2 ? n - 6 : 2;
                buf[k++] = '-';
                memcpy(buf + k, v + 6, m);
                k += m;
            }
        }
    }
    return vx_arena_strndup(a, buf, k);
}

static const char *apply_map(const struct cvrs_rule *r, const char *v)
{
    for (size_t i = 0; i < r->nmap; i++)
        if (!*r->map[i].hl7 || strcasecmp(r->map[i].hl7, v) == 0)
            return r->map[i].cvrs;
    return "";
}

static bool span_ieq(struct vx_hl7_str s, const char *t)
{
    size_t n = strlen(t);
    return s.len == n && strncasecmp(s.p, t, n) == 0;
}

/* The OBX after the first ORC whose OBX-3 matches `obx3` ("code^text^system"). */
static const struct vx_hl7_seg *find_obx(const struct vx_hl7_msg *m, const char *obx3)
{
    char code[32], sys[32];
    const char *c1 = strchr(obx3, '^'), *c2 = c1 ? strchr(c1 + 1, '^') : NULL;
    size_t cl = c1 ? (size_t)(c1 - obx3) : strlen(obx3);
    snprintf(code, sizeof code, "%.*s", (int)cl, obx3);
    snprintf(sys, sizeof sys, "%s", c2 ? c2 + 1 : "");
    size_t i = 0;
    if (!vx_hl7_find(m, "ORC", &i))
        i = 0;
    struct vx_hl7_loc l_code = {"OBX", 3, 0, 1, 1}, l_sys = {"OBX", 3, 0, 3, 1};
    for (; i < m->nseg; i++) {
        const struct vx_hl7_seg *s = &m->seg[i];
        if (memcmp(s->name, "OBX", 3) != 0)
            continue;
        if (!span_ieq(vx_hl7_seg_get(s, &l_code), code))
            continue;
        if (c2 && !span_ieq(vx_hl7_seg_get(s, &l_sys), sys))
            continue;
        return s;
    }
    return NULL;
}

static enum vx_status extract(const struct vx_hl7_msg *m, struct vx_arena *a, struct record *rec)
{
    for (size_t i = 0; i < NRULES; i++) {
        const struct cvrs_rule *r = &rules[i];
        struct vx_hl7_loc loc;
        if (vx_hl7_loc_parse(r->loc, &loc) != VX_OK)
            return VX_EINTERNAL;
        char *v;
        if (r->obx3) {
            const struct vx_hl7_seg *obx = find_obx(m, r->obx3);
            v = obx ? reg_decode(&m->enc, vx_hl7_seg_get(obx, &loc), a) : vx_arena_strdup(a, "");
        } else {
            v = vx_hl7_get(m, &loc, a);
            if (v && !*v && r->alt) {
                struct vx_hl7_loc alt;
                if (vx_hl7_loc_parse(r->alt, &alt) != VX_OK)
                    return VX_EINTERNAL;
                v = vx_hl7_get(m, &alt, a);
            }
        }
        if (!v)
            return VX_ENOMEM;
        if (r->chk == C_DATE || r->chk == C_DATE_MONTH)
            v = to_cvrs_date(a, v);
        else if (r->map)
            v = (char *)apply_map(r, v);
        if (!v)
            return VX_ENOMEM;
        rec->v[i] = v;
    }
    return VX_OK;
}

static bool is_redacted(const struct record *rec)
{
    for (size_t i = 0; i < NRULES; i++)
        if (rules[i].chk == C_REDACTED && strcasecmp(rec->v[i], "Redacted") != 0)
            return false;
    return true;
}

static unsigned event_of(const struct record *rec)
{
    return strcasecmp(rec->v[rule_index("vax_refusal")], "YES") == 0 ? EV_REF : EV_VAX;
}

/* Extract type: 'D', 'P', 'I', or 0 when MSH-8 holds something else. */
static char extract_type(const struct record *rec)
{
    const char *e = rec->v[rule_index("ext_type")];
    if (*e) {
        if (strlen(e) == 1 && strchr("DPIdpi", e[0]))
            return (char)toupper((unsigned char)e[0]);
        return 0;
    }
    if (is_redacted(rec))
        return *rec->v[rule_index("pprl_id")] ? 'P' : 'D';
    return 'I';
}

static void apply_defaults(struct record *rec)
{
    unsigned ev = event_of(rec);
    for (size_t i = 0; i < NRULES; i++) {
        const struct cvrs_rule *r = &rules[i];
        if (r->dnts & ev) {
            rec->v[i] = "";
            continue;
        }
        if (r->chk != C_VS || *rec->v[i] || !(r->required & ev))
            continue;
        const struct cvrs_valueset *vs = vs_find(r->param);
        if (vs && vs_contains(vs, "UNK"))
            rec->v[i] = "UNK";
    }
    bool red = is_redacted(rec);
    rec->v[rule_index("ext_type")] = red ? "D" : "I";
    if (!red) {
        const char *fill[] = {"recip_middle_name", "recip_address_street_2"};
        for (size_t k = 0; k < VX_ARRAY_LEN(fill); k++)
            if (!*rec->v[rule_index(fill[k])])
                rec->v[rule_index(fill[k])] = " ";
    }
}

static enum vx_status fix_zip(struct record *rec, const char *name, struct vx_arena *a)
{
    size_t i = rule_index(name);
    const char *z = rec->v[i];
    size_t n = strlen(z);
    if (n <= 5 || strchr(z, '-'))
        return VX_OK;
    char *s = vx_arena_alloc(a, n + 2);
    if (!s)
        return VX_ENOMEM;
    memcpy(s, z, 5);
    s[5] = '-';
    memcpy(s + 6, z + 5, n - 5);
    rec->v[i] = s;
    return VX_OK;
}

/* --- issues -------------------------------------------------------------------------- */

struct ctx {
    struct vx_arena *a;
    struct vx_cvrs_result *res;
    size_t cap;
    enum vx_status st;
};

/* Fill "{1}".."{4}" in `tmpl` with args. */
static void fill(struct vx_buf *b, const char *tmpl, const char *const args[4])
{
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
            vx_buf_puts(b, args[p[1] - '1'] ? args[p[1] - '1'] : "");
            p += 2;
        } else {
            vx_buf_append(b, p, 1);
        }
    }
}

static void add(struct ctx *c, enum vx_cvrs_level lvl, const struct cvrs_rule *r, const char *code,
                const char *tmpl, const char *const args[4])
{
    if (c->st != VX_OK)
        return;
    struct vx_cvrs_result *res = c->res;
    if (res->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        struct vx_cvrs_issue *ni = vx_arena_alloc(c->a, ncap * sizeof *ni);
        if (!ni) {
            c->st = VX_ENOMEM;
            return;
        }
        if (res->n)
            memcpy(ni, res->issue, res->n * sizeof *ni);
        res->issue = ni;
        c->cap = ncap;
    }
    struct vx_cvrs_issue *is = &res->issue[res->n];
    memset(is, 0, sizeof *is);
    is->level = lvl;
    is->field = r->name;
    is->location = r->loc;
    if (r->obx3) { /* "OBX-5 where OBX-3=30973-2" */
        const char *caret = strchr(r->obx3, '^');
        char loc[64];
        snprintf(loc, sizeof loc, "%s where OBX-3=%.*s", r->loc,
                 (int)(caret ? (size_t)(caret - r->obx3) : strlen(r->obx3)), r->obx3);
        if (!(is->location = vx_arena_strdup(c->a, loc))) {
            c->st = VX_ENOMEM;
            return;
        }
    }
    snprintf(is->code, sizeof is->code, "%s", code);
    struct vx_buf b;
    vx_buf_init(&b, 4096);
    fill(&b, tmpl, args);
    is->message = vx_arena_strndup(c->a, b.data ? b.data : "", b.len);
    vx_buf_release(&b);
    if (!is->message) {
        c->st = VX_ENOMEM;
        return;
    }
    res->n++;
    if (lvl == VX_CVRS_ERROR)
        res->nerrors++;
    else
        res->nwarnings++;
}

static bool date_ok(const char *v, bool allow_month)
{
    size_t n = strlen(v);
    int y, m, d = 1;
    if (n == 10 && digits(v, 4) && v[4] == '-' && digits(v + 5, 2) && v[7] == '-' &&
        digits(v + 8, 2)) {
        y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
        m = (v[5] - '0') * 10 + (v[6] - '0');
        d = (v[8] - '0') * 10 + (v[9] - '0');
        return vx_ymd_valid(y, m, d);
    }
    if (allow_month && n == 7 && digits(v, 4) && v[4] == '-' && digits(v + 5, 2)) {
        y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
        m = (v[5] - '0') * 10 + (v[6] - '0');
        return vx_ymd_valid(y, m, 1);
    }
    return false;
}

static void check_field(struct ctx *c, const struct cvrs_rule *r, const char *v, unsigned ev,
                        char xt)
{
    const char *ename = event_names[ev == EV_REF ? 1 : 0];
    char code[8];
    int evno = ev == EV_REF ? 2 : 1;
    if (!*v && (r->required & ev)) {
        snprintf(code, sizeof code, "REQD%03d", evno);
        const char *args[4] = {r->name, ename};
        add(c, VX_CVRS_ERROR, r, code, "{1} is required for {2} events", args);
    }
    if (*v && (r->dnts & ev)) {
        snprintf(code, sizeof code, "DNTS%03d", evno);
        const char *args[4] = {r->name, v, ename};
        add(c, VX_CVRS_ERROR, r, code, "{1} ({2}) should not be present for {3} events", args);
    }
    int maxlen = r->maxlen ? r->maxlen : 255;
    if (r->chk != C_NONE && strlen(v) > (size_t)maxlen) {
        char ml[16];
        snprintf(ml, sizeof ml, "%d", maxlen);
        const char *args[4] = {r->name, v, ml};
        add(c, VX_CVRS_ERROR, r, "DATA008", "{1} ({2}) exceeds maximum length {3}", args);
    }
    const char *args[4] = {r->name, r->param, v};
    switch (r->chk) {
    case C_NONE:
        break;
    case C_REGEX:
        if (*v && !r->re(v))
            add(c, VX_CVRS_ERROR, r, "DATA005",
                "{1} ({3}) does not match the regular expression {2}", args);
        break;
    case C_EXT:
        if (!(xt && strlen(v) == 1 && toupper((unsigned char)v[0]) == xt))
            add(c, VX_CVRS_ERROR, r, "DATA005",
                "{1} ({3}) does not match the regular expression {2}", args);
        break;
    case C_PPRL:
        if ((xt == 'P') != (*v != '\0')) {
            const char *a2[4] = {r->name, v};
            add(c, VX_CVRS_ERROR, r, "DATA004", "{1} ({2}) should not be present", a2);
        }
        break;
    case C_REDACTED:
        if (xt != 'I' && strcasecmp(v, "Redacted") != 0) {
            const char *a2[4] = {r->name, "Redacted", v};
            add(c, VX_CVRS_ERROR, r, "DATA006", "{1} ({3}) should contain value {2}", a2);
        }
        break;
    case C_DATE:
    case C_DATE_MONTH:
        if (*v && !date_ok(v, r->chk == C_DATE_MONTH)) {
            const char *a2[4] = {r->name, v, r->param};
            add(c, VX_CVRS_ERROR, r, "DATA001",
                "{1} ({2}) contains an invalid date, should match {3}", a2);
        }
        break;
    case C_VS: {
        const struct cvrs_valueset *vs = vs_find(r->param);
        if (*v && vs && !vs_contains(vs, v)) {
            struct vx_buf ex;
            vx_buf_init(&ex, 1024);
            vs_examples(vs, &ex);
            const char *a2[4] = {r->name, r->param, ex.data ? ex.data : "", v};
            add(c, VX_CVRS_ERROR, r, "DATA007", "{1} ({4}) is not in value set {2}{3}", a2);
            vx_buf_release(&ex);
        }
        break;
    }
    }
}

static const struct cvrs_state *state_find(const char *code)
{
    for (size_t i = 0; i < cvrs_nstates; i++)
        if (strcasecmp(cvrs_states[i].code, code) == 0)
            return &cvrs_states[i];
    return NULL;
}

static bool starts_with(const char *s, const char *p, size_t pn)
{
    return strncmp(s, p, pn) == 0;
}

/* The validator's isZipInState, including its leniency for single prefixes. */
static bool zip_in_state(const char *zip, const char *state)
{
    if (!*zip || !*state)
        return true;
    const struct cvrs_state *st = state_find(state);
    if (!st || !st->zips)
        return false;
    for (const char *r = st->zips; *r;) {
        const char *end = strchr(r, ',');
        size_t rl = end ? (size_t)(end - r) : strlen(r);
        const char *dash = memchr(r, '-', rl);
        if (!dash)
            return true; /* upstream: startsWith("") of the empty upper bound */
        size_t ll = (size_t)(dash - r), hl = rl - ll - 1;
        char low[16], high[16];
        snprintf(low, sizeof low, "%.*s", (int)ll, r);
        snprintf(high, sizeof high, "%.*s", (int)hl, dash + 1);
        if (starts_with(zip, low, ll) || starts_with(zip, high, hl) ||
            (strcmp(zip, low) > 0 && strcmp(zip, high) < 0))
            return true;
        r += rl + (end ? 1 : 0);
    }
    return false;
}

static bool county_in_state(const char *county, const char *state)
{
    if (!*county || !*state)
        return true;
    const struct cvrs_state *st = state_find(state);
    if (!st || !*st->fips)
        return true;
    return starts_with(county, st->fips, strlen(st->fips));
}

static void check_business(struct ctx *c, const struct record *rec, vx_day today)
{
    char tomorrow[16];
    vx_day_format(today + 1, tomorrow);
    for (size_t i = 0; i < VX_ARRAY_LEN(busrules); i++) {
        const struct busrule *b = &busrules[i];
        size_t ia = rule_index(b->a);
        const char *va = rec->v[ia];
        const char *bname = b->b ? b->b : "tomorrow";
        const char *vb = b->b ? rec->v[rule_index(b->b)] : tomorrow;
        bool ok = true;
        switch (b->op) {
        case B_COUNTY_IN_STATE:
            ok = county_in_state(va, vb);
            break;
        case B_ZIP_IN_STATE:
            ok = zip_in_state(va, vb);
            break;
        case B_NOT_AFTER: /* upstream: fails when either is empty */
            ok = *va && *vb && strcmp(va, vb) <= 0;
            break;
        case B_IMPLIES:
            ok = !*va || *vb;
            break;
        case B_BEFORE_TOMORROW:
            ok = !*va || strcmp(va, vb) < 0;
            break;
        }
        if (!ok) {
            const char *args[4] = {b->a, va, bname, vb};
            add(c, b->level, &rules[ia], b->code, b->msg, args);
        }
    }
}

enum vx_status vx_cvrs_check(const struct vx_hl7_msg *m, const struct vx_cvrs_opts *o,
                             struct vx_arena *a, struct vx_cvrs_result *res)
{
    memset(res, 0, sizeof *res);
    struct record rec;
    enum vx_status st = extract(m, a, &rec);
    if (st != VX_OK)
        return st;
    bool defaults = o->defaults == VX_CVRS_DEFAULTS_ON ||
                    (o->defaults == VX_CVRS_DEFAULTS_AUTO && !*rec.v[rule_index("ext_type")]);
    if (defaults) {
        apply_defaults(&rec);
        if ((st = fix_zip(&rec, "recip_address_zip", a)) != VX_OK ||
            (st = fix_zip(&rec, "admin_address_zip", a)) != VX_OK)
            return st;
    }
    res->defaults = defaults;
    unsigned ev = event_of(&rec);
    res->refusal = ev == EV_REF;
    char xt = extract_type(&rec);
    struct ctx c = {a, res, 0, VX_OK};
    for (size_t i = 0; i < NRULES; i++)
        check_field(&c, &rules[i], rec.v[i], ev, xt);
    check_business(&c, &rec, o->today);
    return c.st;
}

size_t vx_cvrs_fields(struct vx_cvrs_field_info *out, size_t cap)
{
    static const char *const kinds[] = {
        [C_NONE] = "none",         [C_REGEX] = "regular expression",
        [C_EXT] = "extract type",  [C_PPRL] = "PPRL id only when MSH-8 is P",
        [C_REDACTED] = "Redacted", [C_DATE] = "date",
        [C_DATE_MONTH] = "date",   [C_VS] = "value set",
    };
    for (size_t i = 0; i < NRULES && i < cap; i++) {
        out[i].name = rules[i].name;
        out[i].location = rules[i].loc;
        out[i].obx3 = rules[i].obx3;
        out[i].check = rules[i].param ? rules[i].param : kinds[rules[i].chk];
    }
    return NRULES;
}
