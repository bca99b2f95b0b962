/*
 * vxu.c — VXU^V04 builder, ACK parser and the vaccine code table (catalogue -> CVX).
 *
 * The message is written from a template: one line per segment in the order of the
 * CDC IIS HL7 v2.5.1 implementation guide (release 1.5, 2018 update), with literal
 * delimiters and {name} placeholders. A placeholder is replaced by the escaped value
 * of that name; a line whose `need` variable is empty is left out (RXR without route
 * and site, the CVRS-only observations). Afterwards empty trailing components and
 * fields are trimmed, as the guide asks ("do not send trailing delimiters"). So the
 * segment layout is data that can be read next to the guide, and docs/register.md
 * prints the same table.
 *
 * The ACK parser reads MSA (acknowledgment code, control id) and every ERR (location,
 * HL7 error code, severity, user message) through the generic HL7 tree. An exporter
 * uses `accepted` / `retry` to send each dose exactly once: AA/CA = done, AR/CR =
 * send the same message again later (back-off), AE/CE = the content was refused.
 */
#include <stdio.h>
#include <string.h>
#include "register_int.h"

/* Sources: [cvx] CDC CVX table https://www2a.cdc.gov/vaccines/iis/iisstandards/vaccines.asp?rpt=cvx
 * [mvx] CDC MVX table ...?rpt=tradename / rpt=mvx; [dcc] EU DCC value sets (vp) in
 * ../shared/data/interop/dcc/valuesets; [atc] WHO ATC/DDD index 2022 (J07BN covid-19
 * vaccines, J07BB02 influenza inactivated split virus or surface antigen). */
static const struct vx_reg_vaccine_code vaccine_codes[] = {
    {"COM", "0.3", "208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", "PFR", "Pfizer, Inc",
     "1119349007", "SARS-CoV-2 mRNA vaccine", "J07BN01",
     "[cvx] 208 Pfizer-BioNTech (Comirnaty); [mvx] PFR; [dcc] vp Comirnaty; [atc] J07BN01"},
    {"MOD", "0.5", "207", "COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5 mL dose", "MOD",
     "Moderna US, Inc.", "1119349007", "SARS-CoV-2 mRNA vaccine", "J07BN01",
     "[cvx] 207 Moderna (Spikevax); [mvx] MOD; [dcc] vp Spikevax; [atc] J07BN01"},
    {"AZ", "0.5", "210", "COVID-19 vaccine, vector-nr, rS-ChAdOx1, PF, 0.5 mL", "ASZ",
     "AstraZeneca", "29061000087103", "COVID-19 non-replicating viral vector vaccine", "J07BN02",
     "[cvx] 210 AstraZeneca (Vaxzevria); [mvx] ASZ; [dcc] vp Vaxzevria; [atc] J07BN02"},
    {"JANSS", "0.5", "212", "COVID-19 vaccine, vector-nr, rS-Ad26, PF, 0.5 mL", "JSN", "Janssen",
     "29061000087103", "COVID-19 non-replicating viral vector vaccine", "J07BN02",
     "[cvx] 212 Janssen (Jcovden); [mvx] JSN; [dcc] vp Jcovden; [atc] J07BN02"},
    {"NVX", "0.5", "211", "COVID-19, subunit, rS-nanoparticle+Matrix-M1 Adjuvant, PF, 0.5 mL",
     "NVX", "Novavax, Inc.", "1162643001", "SARS-CoV-2 recombinant spike protein antigen vaccine",
     "J07BN04", "[cvx] 211 Novavax (Nuvaxovid); [mvx] NVX; [dcc] vp Nuvaxovid; [atc] J07BN04"},
    {"FLU_VAXIGRIP", "0.5", "150", "Influenza, injectable, quadrivalent, preservative free", "PMC",
     "Sanofi Pasteur", NULL, NULL, "J07BB02",
     "[cvx] 150 (IIV4, preservative free: Vaxigrip Tetra pre-filled syringe); [mvx] PMC; "
     "[atc] J07BB02"},
};

const struct vx_reg_vaccine_code *vx_reg_vaccine_lookup(const char *product)
{
    for (size_t i = 0; product && i < VX_ARRAY_LEN(vaccine_codes); i++)
        if (strcmp(vaccine_codes[i].product, product) == 0)
            return &vaccine_codes[i];
    return NULL;
}

const struct vx_reg_vaccine_code *vx_reg_vaccine_table(size_t *n)
{
    *n = VX_ARRAY_LEN(vaccine_codes);
    return vaccine_codes;
}

/* Site and route code tables: HL7 0163 / NCIT and their texts. */
static const struct {
    const char *code, *text;
} site_codes[] = {
    [VX_REG_SITE_NONE] = {"", ""},
    [VX_REG_SITE_LA] = {"LA", "Left Arm"},
    [VX_REG_SITE_RA] = {"RA", "Right Arm"},
    [VX_REG_SITE_LD] = {"LD", "Left Deltoid"},
    [VX_REG_SITE_RD] = {"RD", "Right Deltoid"},
    [VX_REG_SITE_LT] = {"LT", "Left Thigh"},
    [VX_REG_SITE_RT] = {"RT", "Right Thigh"},
};
static const struct {
    const char *ncit, *text;
} route_codes[] = {
    [VX_REG_ROUTE_NONE] = {"", ""},
    [VX_REG_ROUTE_IM] = {"C28161", "Intramuscular"},
    [VX_REG_ROUTE_SC] = {"C38299", "Subcutaneous"},
    [VX_REG_ROUTE_ID] = {"C38238", "Intradermal"},
    [VX_REG_ROUTE_NS] = {"C38284", "Nasal"},
    [VX_REG_ROUTE_PO] = {"C38288", "Oral"},
};

/* One segment line: literal delimiters, {var} placeholders; skipped if `need` is "". */
struct seg_tmpl {
    const char *need;
    const char *line;
};

static const struct seg_tmpl vxu_tmpl[] = {
    {NULL, "MSH|^~\\&|{sapp}|{sfac}|{rapp}|{rfac}|{now}|{security}|VXU^V04^VXU_V04|{ctrl}|{proc}|"
           "2.5.1|||ER|AL|||||Z22^CDCPHINVS|{org}"},
    {NULL,
     "PID|1||{pid}^^^{auth}^{idtype}||{family}^{givenname}^{middle}^^^^L||{dob}|{sex}||{race}|"
     "{street}^{street2}^{city}^^{zip}^{country}^L|||||||||||{ethnicity}"},
    {NULL, "ORC|RE||{doseid}^VAXCHAIN|||||||||{perfid}^{perffamily}^{perfgiven}"},
    {NULL, "RXA|0|1|{givenat}||{cvx}^{cvxtext}^CVX|{amount}|{unit}^{unit}^{unitsys}||{info}^{"
           "infotext}^NIP001|{perfid}^{perffamily}^"
           "{perfgiven}|^^^{facname}&{facid}^^{admintype}||||{lot}|{expiry}|{mvx}^{mvxtext}^MVX|"
           "||{completion}|A"},
    {"rxr", "RXR|{route}^{routetext}^NCIT|{site}^{sitetext}^HL70163"},
    {"fund", "OBX|{#}|CE|64994-7^Vaccine funding program eligibility category^LN|1|V01^Not VFC "
             "eligible^HL70064||||||F|||{obsdate}|||VXC40^Eligibility captured at the "
             "immunization level^CDCPHINVS"},
    {"dosenum", "OBX|{#}|CE|30973-2^Dose number in series^LN|1|{dosenum}^^DCHDOSE||||||F|||"
                "{obsdate}"},
    {"series", "OBX|{#}|CE|59783-1^Status in immunization series^LN|1|{series}||||||F|||"
               "{obsdate}"},
    {"cvrs", "OBX|{#}|CE|VXC8^Member of Special Risk Group^PHIN VS|1|UNK||||||F"},
    {"cvrs", "OBX|{#}|CE|75505-8^Serological Evidence of Immunity^LN|1|UNK^Unknown^NullFlavor"
             "||||||F"},
};

struct var {
    const char *name;
    const char *value; /* plain text, escaped when written; NULL = "" */
};

static const char *var_get(const struct var *v, size_t n, const char *name, size_t nl)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].name) == nl && memcmp(v[i].name, name, nl) == 0)
            return v[i].value ? v[i].value : "";
    return NULL;
}

/* Remove trailing component/subcomponent delimiters of the field ending at b->len, then
 * trailing empty fields of the segment starting at `seg_start`. */
static void trim_field(struct vx_buf *b, size_t field_start, const struct vx_hl7_enc *enc)
{
    while (b->len > field_start &&
           (b->data[b->len - 1] == enc->comp || b->data[b->len - 1] == enc->sub))
        b->len--;
    b->data[b->len] = '\0';
}

static enum vx_status render(const struct seg_tmpl *t, size_t nt, const struct var *vars,
                             size_t nvars, const struct vx_hl7_enc *enc, struct vx_buf *out,
                             struct vx_err *err)
{
    int count = 0, *obx_count = &count;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].need) {
            const char *nv = var_get(vars, nvars, t[i].need, strlen(t[i].need));
            if (!nv || !*nv)
                continue;
        }
        size_t seg_start = out->len;
        const char *p = t[i].line;
        bool msh = strncmp(p, "MSH", 3) == 0;
        if (strncmp(p, "OBX", 3) == 0)
            ++*obx_count;
        int fieldno = 0;
        size_t field_start = out->len;
        for (; *p; p++) {
            if (*p == '|') {
                if (!(msh && fieldno < 2))
                    trim_field(out, field_start, enc);
                fieldno++;
                if (vx_buf_append(out, "|", 1) != VX_OK)
                    return VX_ENOMEM;
                field_start = out->len;
                continue;
            }
            if (*p == '{') {
                const char *e = strchr(p, '}');
                if (!e)
                    return vx_err_set(err, VX_EINTERNAL, "template: unclosed placeholder");
                if (e == p + 2 && p[1] == '#') {
                    if (vx_buf_printf(out, "%d", *obx_count) != VX_OK)
                        return VX_ENOMEM;
                    p = e;
                    continue;
                }
                const char *v = var_get(vars, nvars, p + 1, (size_t)(e - p - 1));
                if (!v)
                    return vx_err_set(err, VX_EINTERNAL, "template: unknown variable %.*s",
                                      (int)(e - p - 1), p + 1);
                if (vx_hl7_escape(enc, v, strlen(v), out) != VX_OK)
                    return VX_ENOMEM;
                p = e;
                continue;
            }
            if (vx_buf_append(out, p, 1) != VX_OK)
                return VX_ENOMEM;
        }
        trim_field(out, field_start, enc);
        while (out->len > seg_start + 3 && out->data[out->len - 1] == '|')
            out->len--;
        out->data[out->len] = '\0';
        if (vx_buf_append(out, "\r", 1) != VX_OK)
            return VX_ENOMEM;
    }
    return VX_OK;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

/* CVRS reads RXA-11.4.2 as the 6-character VTrckS PIN. */
static bool pin_ok(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++, n++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
            return false;
    return n <= 6;
}

enum vx_status vx_vxu_build(const struct vx_reg_dose *d, const struct vx_vxu_opts *o,
                            struct vx_buf *out, struct vx_err *err)
{
    if (empty(d->person_id))
        return vx_err_set(err, VX_EINVAL, "PID-3: person id missing");
    if (empty(o->control_id))
        return vx_err_set(err, VX_EINVAL, "MSH-10: message control id missing");
    if (d->given_at == 0)
        return vx_err_set(err, VX_EINVAL, "RXA-3: administration time missing");
    const struct vx_reg_vaccine_code *vc = vx_reg_vaccine_lookup(d->product);
    if (!vc)
        return vx_err_set(err, VX_EINVAL, "RXA-5: no CVX code for product '%s'",
                          d->product ? d->product : "");
    if ((unsigned)d->site >= VX_ARRAY_LEN(site_codes) ||
        (unsigned)d->route >= VX_ARRAY_LEN(route_codes))
        return vx_err_set(err, VX_EINVAL, "RXR: unknown site or route");
    if (d->dose_number < 0 || d->dose_number > 99)
        return vx_err_set(err, VX_EINVAL, "OBX 30973-2: dose number %d out of range",
                          d->dose_number);

    char now[40], given[40], dob[12] = "", expiry[12] = "", obsdate[12], dosenum[16] = "";
    reg_hl7_dtm(o->now, now);
    reg_hl7_dtm(d->given_at, given);
    memcpy(obsdate, given, 8);
    obsdate[8] = '\0';
    if (d->birth_date)
        reg_hl7_dt(d->birth_date, dob);
    bool refused = d->refused;
    if (d->expiry && !refused)
        reg_hl7_dt(d->expiry, expiry);
    if (d->dose_number > 0 && !refused)
        snprintf(dosenum, sizeof dosenum, "%d", d->dose_number);
    const char *series = "";
    if (!refused && d->dose_number > 0)
        series = d->series_doses <= 0 ? "UNK" : d->dose_number >= d->series_doses ? "YES" : "NO";
    const char *sex = d->sex == VX_REG_SEX_FEMALE ? "F" : d->sex == VX_REG_SEX_MALE ? "M" : "U";
    bool cvrs = o->cvrs;
    const char *redacted = cvrs ? "Redacted" : NULL;
    char proc[2] = {o->processing_id ? o->processing_id : 'P', 0};
    const struct vx_hl7_enc enc = {'|', '^', '~', '\\', '&'};

    const struct var vars[] = {
        {"sapp", empty(o->sending_app) ? "VAXCHAIN" : o->sending_app},
        {"sfac", o->sending_facility},
        {"rapp", o->receiving_app},
        {"rfac", o->receiving_facility},
        {"now", now},
        {"security", cvrs ? "D" : ""},
        {"ctrl", o->control_id},
        {"proc", proc},
        {"org", o->sending_facility},
        {"pid", d->person_id},
        {"auth", d->id_authority},
        {"idtype", empty(d->id_type) ? (empty(d->id_authority) ? "" : "PI") : d->id_type},
        {"family", redacted ? redacted : d->family_name},
        {"givenname", redacted ? redacted : d->given_name},
        {"middle", redacted},
        {"dob", dob},
        {"sex", sex},
        {"race", cvrs ? "UNK" : ""},
        {"ethnicity", cvrs ? "UNK" : ""},
        {"street", redacted ? redacted : d->street},
        {"street2", redacted},
        {"city", redacted ? redacted : d->city},
        {"zip", cvrs ? "" : d->postal_code}, /* a CVRS ZIP needs a US state and county */
        {"country", cvrs ? "" : d->country},
        {"doseid", d->dose_id},
        {"perfid", d->performer_id},
        {"perffamily", d->performer_family},
        {"perfgiven", d->performer_given},
        {"givenat", given},
        {"cvx", vc->cvx},
        {"cvxtext", vc->cvx_text},
        {"amount", refused ? "999" : vc->dose_ml},
        {"unit", refused ? "" : "mL"},
        {"unitsys", refused ? "" : "UCUM"},
        {"info", "00"},
        {"infotext", "New immunization record"},
        {"facname", empty(d->facility_name) ? d->facility_id : d->facility_name},
        {"facid", cvrs && !pin_ok(d->facility_id) ? "" : d->facility_id},
        {"admintype", cvrs ? "UNK" : ""},
        {"lot", refused ? "" : d->lot},
        {"expiry", expiry},
        {"mvx", refused ? "" : vc->mvx},
        {"mvxtext", refused ? "" : vc->mvx_text},
        {"completion", refused ? "RE" : "CP"},
        {"rxr", !refused && (d->route || d->site) ? "1" : ""},
        {"route", route_codes[d->route].ncit},
        {"routetext", route_codes[d->route].text},
        {"site", site_codes[d->site].code},
        {"sitetext", site_codes[d->site].text},
        {"fund", refused ? "" : "1"},
        {"dosenum", dosenum},
        {"series", series},
        {"obsdate", obsdate},
        {"cvrs", cvrs ? "1" : ""},
    };
    size_t mark = out->len;
    enum vx_status st =
        render(vxu_tmpl, VX_ARRAY_LEN(vxu_tmpl), vars, VX_ARRAY_LEN(vars), &enc, out, err);
    if (st != VX_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
        if (st == VX_ENOMEM)
            vx_err_set(err, st, "VXU larger than the output buffer allows");
    }
    return st;
}

/* --- ACK ----------------------------------------------------------------------------- */

static const struct {
    const char *code;
    enum vx_ack_code ack;
    bool accepted, retry;
} ack_codes[] = {
    {"AA", VX_ACK_AA, true, false}, {"AE", VX_ACK_AE, false, false}, {"AR", VX_ACK_AR, false, true},
    {"CA", VX_ACK_CA, true, false}, {"CE", VX_ACK_CE, false, false}, {"CR", VX_ACK_CR, false, true},
};

static char *get_at(const struct vx_hl7_msg *m, const struct vx_hl7_seg *s, const char *loc,
                    struct vx_arena *a)
{
    struct vx_hl7_loc l;
    if (vx_hl7_loc_parse(loc, &l) != VX_OK)
        return NULL;
    return reg_decode(&m->enc, vx_hl7_seg_get(s, &l), a);
}

enum vx_status vx_ack_parse(const char *text, size_t len, struct vx_arena *a, struct vx_ack *out,
                            struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    struct vx_hl7_msg m;
    struct vx_hl7_error pe;
    enum vx_status st = vx_hl7_parse(text, len, a, &m, &pe);
    if (st != VX_OK)
        return vx_err_set(err, st, "ACK: %s", st == VX_EPARSE ? pe.msg : vx_strerror(st));
    const struct vx_hl7_seg *msa = vx_hl7_find(&m, "MSA", NULL);
    if (!msa)
        return vx_err_set(err, VX_EPARSE, "ACK: no MSA segment");
    char *code = get_at(&m, msa, "MSA-1", a);
    out->control_id = get_at(&m, msa, "MSA-2", a);
    out->text = get_at(&m, msa, "MSA-3", a);
    if (!code || !out->control_id || !out->text)
        return vx_err_set(err, VX_ENOMEM, "ACK: out of memory");
    for (size_t i = 0; i < VX_ARRAY_LEN(ack_codes); i++)
        if (strcmp(code, ack_codes[i].code) == 0) {
            out->code = ack_codes[i].ack;
            out->accepted = ack_codes[i].accepted;
            out->retry = ack_codes[i].retry;
        }
    if (out->code == VX_ACK_UNKNOWN)
        return vx_err_set(err, VX_EPARSE, "MSA-1: unknown acknowledgment code '%s'", code);
    size_t nerr = 0;
    for (size_t i = 0; i < m.nseg; i++)
        nerr += memcmp(m.seg[i].name, "ERR", 3) == 0;
    out->err = nerr ? vx_arena_alloc(a, nerr * sizeof *out->err) : NULL;
    if (nerr && !out->err)
        return vx_err_set(err, VX_ENOMEM, "ACK: out of memory");
    for (size_t i = 0; i < m.nseg; i++) {
        const struct vx_hl7_seg *s = &m.seg[i];
        if (memcmp(s->name, "ERR", 3) != 0)
            continue;
        struct vx_ack_error *e = &out->err[out->nerr++];
        /* ERR-2 (ERL): segment^sequence^field^repetition^component^subcomponent. */
        struct vx_buf loc;
        vx_buf_init(&loc, 256);
        for (int c = 1; c <= 6; c++) {
            char l[24];
            snprintf(l, sizeof l, "ERR-2-%d", c);
            char *v = get_at(&m, s, l, a);
            if (v && *v)
                vx_buf_printf(&loc, "%s%s", loc.len ? "^" : "", v);
        }
        e->location = vx_arena_strdup(a, loc.data ? loc.data : "");
        vx_buf_release(&loc);
        e->code = get_at(&m, s, "ERR-3-1", a);
        e->code_text = get_at(&m, s, "ERR-3-2", a);
        char *sev = get_at(&m, s, "ERR-4", a);
        char *um = get_at(&m, s, "ERR-8", a);
        if (!e->location || !e->code || !e->code_text || !sev || !um)
            return vx_err_set(err, VX_ENOMEM, "ACK: out of memory");
        e->severity = sev[0];
        e->message = *um ? um : e->code_text;
        /* An AA with ERR of severity E is contradictory; trust the error. */
        if (e->severity == 'E' && out->code == VX_ACK_AA)
            out->accepted = false;
    }
    return VX_OK;
}
