/*
 * export_fmt.c — a dose change in the registers' message formats: the VXU^V04 of a
 * change (RXA-21 A/U/D) and the FHIR R4 Immunization of a change or of a stored dose.
 *
 * Both go through the existing builders (vxu.c, fhir.c) from one `struct vx_reg_dose`
 * made here, so the three registers describe a dose the same way. What the change
 * adds on top of the builders:
 *   - HL7: MSH-10 is the change's control id "VX<seq>-<dose>.<version>" (stable across
 *     resends: the receiver's de-duplication key) and RXA-21 carries the action code of
 *     the CDC guide: A add, U update (a correction), D delete (a void). The builder
 *     writes A; it is the last field of RXA, which is patched in place.
 *   - FHIR: id = dose id, meta.versionId = version, status entered-in-error for a
 *     void; for the register the patient reference carries the personnummer as an
 *     identifier (system http://electronichealth.se/identifier/personnummer), for API
 *     answers it does not.
 */
#include <stdio.h>
#include <string.h>
#include "vx/regx.h"

#define PNR_SYSTEM "http://electronichealth.se/identifier/personnummer"

static const struct {
    const char *code;
    enum vx_reg_site site;
} injection_sites[] = {
    {"left_arm", VX_REG_SITE_LA},     {"right_arm", VX_REG_SITE_RA},
    {"left_deltoid", VX_REG_SITE_LD}, {"right_deltoid", VX_REG_SITE_RD},
    {"left_thigh", VX_REG_SITE_LT},   {"right_thigh", VX_REG_SITE_RT},
};

static enum vx_reg_site site_of(const char *code)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(injection_sites); i++)
        if (!strcmp(code, injection_sites[i].code))
            return injection_sites[i].site;
    return VX_REG_SITE_NONE;
}

/* The builders' input for dose `d` (strings borrowed from d, ids and from `idbuf`). */
static void reg_dose(const struct vx_dose_rec *d, const char *site_code, const char *site_name,
                     char idbuf[24], struct vx_reg_dose *out)
{
    memset(out, 0, sizeof *out);
    snprintf(idbuf, 24, "%lld", (long long)d->id);
    out->dose_id = idbuf;
    out->product = d->vaccine;
    out->lot = d->lot_number;
    out->dose_number = d->dose_number;
    out->given_at = d->given_at;
    out->site = site_of(d->injection_site);
    out->route = VX_REG_ROUTE_IM; /* every product of the catalogue is intramuscular */
    out->performer_id = d->vaccinator;
    out->facility_id = site_code && *site_code ? site_code : d->kommun;
    out->facility_name = site_name;
}

char *vx_regx_control_id(const struct vx_regx_change_rec *c, char *buf, size_t len)
{
    snprintf(buf, len, "VX%lld-%lld.%d", (long long)c->seq, (long long)c->dose.id, c->dose.version);
    return buf;
}

enum vx_status vx_regx_vxu(const struct vx_regx_change_rec *c, vx_time now, struct vx_buf *out,
                           struct vx_err *err)
{
    char idbuf[24], ctrl[48], fac[8];
    struct vx_reg_dose d;
    reg_dose(&c->dose, c->site_code, c->site_name, idbuf, &d);
    d.person_id = c->pnr;
    d.id_authority = "SKV";
    d.id_type = "NNSWE";
    d.family_name = c->family_name;
    d.given_name = c->given_name;
    d.birth_date = c->birth_date;
    d.sex = c->sex == VX_SEX_MALE     ? VX_REG_SEX_MALE
            : c->sex == VX_SEX_FEMALE ? VX_REG_SEX_FEMALE
                                      : VX_REG_SEX_UNKNOWN;
    d.country = "SWE";
    snprintf(fac, sizeof fac, "SE%.2s", c->dose.region);
    struct vx_vxu_opts o = {
        .sending_facility = fac,
        .receiving_app = "NVR",
        .receiving_facility = "FOHM",
        .control_id = vx_regx_control_id(c, ctrl, sizeof ctrl),
        .now = now,
        .processing_id = 'P',
    };
    size_t mark = out->len;
    enum vx_status rc = vx_vxu_build(&d, &o, out, err);
    if (rc != VX_OK || c->action == VX_REGX_NEW)
        return rc;
    /* RXA-21 is the last field of RXA: "...|A\r" → "...|U\r" or "...|D\r" */
    char *rxa = NULL;
    for (size_t i = mark; i + 4 <= out->len; i++)
        if ((i == mark || out->data[i - 1] == '\r') && !memcmp(out->data + i, "RXA|", 4)) {
            rxa = out->data + i;
            break;
        }
    char *end = rxa ? memchr(rxa, '\r', (size_t)(out->data + out->len - rxa)) : NULL;
    if (!end || end - rxa < 2 || end[-1] != 'A' || end[-2] != '|') {
        out->len = mark;
        return vx_err_set(err, VX_EINTERNAL, "RXA-21: the VXU builder wrote no action code");
    }
    end[-1] = c->action == VX_REGX_VOID ? 'D' : 'U';
    return VX_OK;
}

/* A JSON string body (no quotes) safe for the characters an id or number can hold. */
static const char *meta_extra(struct vx_arena *a, int version)
{
    char buf[64];
    snprintf(buf, sizeof buf, "{\"meta\":{\"versionId\":\"%d\"}}", version);
    return vx_arena_strdup(a, buf);
}

static enum vx_status fhir_of(const struct vx_dose_rec *d, const char *site_code,
                              const char *site_name, const char *pnr, struct vx_arena *a,
                              struct vx_fhir_immunization *out, struct vx_err *err)
{
    char idbuf[24], patient[24];
    struct vx_reg_dose rd;
    reg_dose(d, site_code, site_name, idbuf, &rd);
    snprintf(patient, sizeof patient, "%lld", (long long)d->person_id);
    enum vx_status rc = vx_fhir_imm_from_dose(&rd, patient, a, out, err);
    if (rc != VX_OK)
        return rc;
    if (!(out->id = vx_arena_strdup(a, idbuf)) || !(out->extra = meta_extra(a, d->version)))
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    if (d->voided)
        out->status = "entered-in-error";
    if (pnr && *pnr) {
        struct vx_fhir_identifier *id = vx_arena_alloc(a, sizeof *id);
        if (!id || !(id->value = vx_arena_strdup(a, pnr)))
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        id->use = NULL;
        id->extra = NULL;
        id->system = PNR_SYSTEM;
        out->patient.identifier = id;
    }
    /* strings borrowed from the dose record must outlive it: copy them */
    if (out->lot_number && !(out->lot_number = vx_arena_strdup(a, out->lot_number)))
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    if (out->location && out->location->display &&
        !(out->location->display = vx_arena_strdup(a, out->location->display)))
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    return VX_OK;
}

enum vx_status vx_regx_fhir_imm(const struct vx_regx_change_rec *c, bool with_pnr,
                                struct vx_arena *a, struct vx_fhir_immunization *out,
                                struct vx_err *err)
{
    return fhir_of(&c->dose, c->site_code, c->site_name, with_pnr ? c->pnr : NULL, a, out, err);
}

enum vx_status vx_regx_fhir_from_dose(const struct vx_dose_rec *d, const char *site_code,
                                      struct vx_arena *a, struct vx_fhir_immunization *out,
                                      struct vx_err *err)
{
    return fhir_of(d, site_code, NULL, NULL, a, out, err);
}

char *vx_fhir_file_name(vx_day day, int day_no, char *buf, size_t len)
{
    struct vx_ymd y = vx_ymd_from_day(day);
    snprintf(buf, len, "FHIR_Immunization_%04d%02d%02d_%04d.ndjson", y.year, y.month, y.day,
             day_no);
    return buf;
}
