/*
 * register.h — register formats: HL7 v2.5.1 (ER7) messages, VXU^V04 builder, ACK
 * parsing, CDC CVRS conformance checks, FHIR R4 Immunization and searchset Bundles.
 *
 * Three layers, all pure (no I/O, no clock, no globals; time is a parameter):
 *
 *  1. A generic HL7 v2 tree: message -> segments -> fields -> repetitions ->
 *     components -> subcomponents. Leaves keep the *raw* (still escaped) text, so
 *     vx_hl7_serialize() reproduces valid input byte for byte (segment separators
 *     normalised to "\r", one "\r" after every segment). Values are decoded with
 *     vx_hl7_unescape() and encoded with vx_hl7_escape().
 *  2. Formats built on the tree: the VXU^V04 builder (CDC IIS implementation guide,
 *     release 1.5 / 2018 update: MSH, PID, ORC, RXA, RXR, OBX), ACK parsing
 *     (MSA, ERR) and the CDC COVID-19 Vaccination Reporting Specification (CVRS)
 *     checker, which reproduces the CDC extract-validator's field rules as a table.
 *  3. FHIR R4 Immunization: a struct with the resource's elements, a parser and
 *     emitter (cJSON) that keep unknown elements verbatim, a builder from the same
 *     dose record the VXU builder takes, and a searchset Bundle builder.
 *
 * Ownership: every parse or build function takes a caller-owned arena; all strings
 * and arrays it returns live in that arena until vx_arena_release(). Text outputs are
 * appended to a caller-owned `struct vx_buf`. Nothing here keeps state between calls.
 */
#ifndef VX_REGISTER_H
#define VX_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include "vx/arena.h"
#include "vx/buf.h"
#include "vx/date.h"
#include "vx/status.h"

/* ------------------------------------------------------------------------------------ */
/* HL7 v2 tree                                                                           */
/* ------------------------------------------------------------------------------------ */

#define VX_HL7_MAX_BYTES    (1u << 20) /* largest message accepted (1 MiB) */
#define VX_HL7_MAX_SEGMENTS 1000
#define VX_HL7_MAX_FIELDS   256 /* per segment */

/* Delimiters from MSH-1 and MSH-2. */
struct vx_hl7_enc {
    char field; /* '|' */
    char comp;  /* '^' */
    char rep;   /* '~' */
    char esc;   /* '\\' */
    char sub;   /* '&' */
};

/* A span of raw (escaped) message text, not NUL-terminated; borrowed from the arena. */
struct vx_hl7_str {
    const char *p;
    size_t len;
};

struct vx_hl7_comp {
    size_t nsub; /* >= 1 */
    struct vx_hl7_str *sub;
};
struct vx_hl7_rep {
    size_t ncomp; /* >= 1 */
    struct vx_hl7_comp *comp;
};
struct vx_hl7_field {
    size_t nrep; /* >= 1 */
    struct vx_hl7_rep *rep;
};

/*
 * One segment. field[i] is HL7 field i (1-based); field[0] is unused. For MSH,
 * field[1] holds the field separator and field[2] the encoding characters, each as a
 * single unsplit leaf, so that MSH-n means the same as in the standard.
 */
struct vx_hl7_seg {
    char name[4];
    size_t nfield; /* highest field number present (0 = name only) */
    struct vx_hl7_field *field;
};

struct vx_hl7_msg {
    struct vx_hl7_enc enc;
    size_t nseg;
    struct vx_hl7_seg *seg;
};

/*
 * Where a parse error is: 1-based segment number and name, HL7 field number (0 =
 * the segment as a whole) and byte offset in the input. Filled by vx_hl7_parse.
 */
struct vx_hl7_error {
    size_t segment;
    char seg_name[4];
    int field;
    size_t offset;
    char msg[200]; /* "MSH-2: bad encoding characters ..." */
};

/*
 * Parse one ER7 message of `len` bytes (segments separated by "\r", "\n" or "\r\n";
 * empty lines skipped). Checks: starts with MSH; MSH-1/MSH-2 give five distinct
 * non-alphanumeric delimiters; segment names are three upper-case letters or digits;
 * every escape sequence is closed and known (\F\ \S\ \T\ \R\ \E\ \Xhh..\ \H\ \N\
 * \Z..\ \.xx\ \Cxxyy\ \Mxxyyzz\); size limits above. On success *out is filled
 * (memory from `a`). On failure returns VX_EPARSE (or VX_ENOMEM) and fills `err`
 * (may be NULL) with the segment and field.
 */
enum vx_status vx_hl7_parse(const char *text, size_t len, struct vx_arena *a,
                            struct vx_hl7_msg *out, struct vx_hl7_error *err);

/* Append the message in ER7 form to `out`: "\r" after every segment. */
enum vx_status vx_hl7_serialize(const struct vx_hl7_msg *m, struct vx_buf *out);

/*
 * Append the canonical ER7 form of `text` to `out`: every "\r\n", "\n" or "\r" ends a
 * segment, blank lines are dropped, and every segment ends with "\r". A message that
 * vx_hl7_parse() accepts serialises to exactly this.
 */
enum vx_status vx_hl7_normalize(const char *text, size_t len, struct vx_buf *out);

/*
 * Decode the raw escaped text `raw` into `out` (appended): \F\ \S\ \T\ \R\ \E\ become
 * the delimiters, \Xhh..\ the bytes, \.br\ a newline; highlighting and other
 * formatting sequences are dropped.
 */
enum vx_status vx_hl7_unescape(const struct vx_hl7_enc *enc, const char *raw, size_t len,
                               struct vx_buf *out);
/* Encode plain text `s` for a leaf: delimiters and the escape character are escaped;
 * CR/LF become \X0D\ / \X0A\. */
enum vx_status vx_hl7_escape(const struct vx_hl7_enc *enc, const char *s, size_t len,
                             struct vx_buf *out);

/*
 * A location "SEG-f", "SEG-f-c", "SEG-f-c-s" with optional repetition, written
 * "PID-3[2]-1" (1-based, as in the CDC mapping spreadsheet) or "PID-3(1)-1"
 * (0-based, HAPI terser style). Omitted parts mean "first".
 */
struct vx_hl7_loc {
    char seg[4];
    int field; /* >= 1 */
    int rep;   /* 0-based */
    int comp;  /* 1-based */
    int sub;   /* 1-based */
};
/* Parse a location; VX_EINVAL when malformed. */
enum vx_status vx_hl7_loc_parse(const char *s, struct vx_hl7_loc *out);

/* Raw text at `loc` in segment `seg` (empty span when absent). */
struct vx_hl7_str vx_hl7_seg_get(const struct vx_hl7_seg *seg, const struct vx_hl7_loc *loc);
/* First segment named `name` at or after index *from (NULL when none); *from is set to
 * its index. Pass from = NULL to search from the start. */
const struct vx_hl7_seg *vx_hl7_find(const struct vx_hl7_msg *m, const char *name, size_t *from);
/*
 * Decoded value at `loc` (first segment of that name) as a NUL-terminated string
 * owned by `a`; "" when absent; NULL only on allocation failure.
 */
char *vx_hl7_get(const struct vx_hl7_msg *m, const struct vx_hl7_loc *loc, struct vx_arena *a);

/* ------------------------------------------------------------------------------------ */
/* Dose record (the input of the VXU and FHIR builders)                                  */
/* ------------------------------------------------------------------------------------ */

/* Vaccine codes known for a catalogue product code (see docs/register.md for sources). */
struct vx_reg_vaccine_code {
    const char *product;  /* catalogue code: "COM", "MOD", "AZ", "JANSS", "NVX", ... */
    const char *dose_ml;  /* volume of one dose in mL (RXA-6), e.g. "0.3" */
    const char *cvx;      /* CDC CVX code, e.g. "208" */
    const char *cvx_text; /* CVX short description */
    const char *mvx;      /* CDC MVX manufacturer code, e.g. "PFR" */
    const char *mvx_text; /* manufacturer name */
    const char *snomed;   /* SNOMED CT vaccine product concept (EU DCC vp), or NULL */
    const char *snomed_text;
    const char *atc;    /* WHO ATC code, or NULL */
    const char *source; /* citation for the row */
};
/* Row for a catalogue product code (case-sensitive), or NULL when unknown. Static. */
const struct vx_reg_vaccine_code *vx_reg_vaccine_lookup(const char *product);
/* All rows (static table); *n receives the count. */
const struct vx_reg_vaccine_code *vx_reg_vaccine_table(size_t *n);

enum vx_reg_sex { VX_REG_SEX_UNKNOWN = 0, VX_REG_SEX_FEMALE, VX_REG_SEX_MALE };

/* Where the dose went: HL7 table 0163 codes and FHIR v3-ActSite use the same codes. */
enum vx_reg_site {
    VX_REG_SITE_NONE = 0,
    VX_REG_SITE_LA, /* left arm */
    VX_REG_SITE_RA, /* right arm */
    VX_REG_SITE_LD, /* left deltoid */
    VX_REG_SITE_RD, /* right deltoid */
    VX_REG_SITE_LT, /* left thigh */
    VX_REG_SITE_RT  /* right thigh */
};
enum vx_reg_route {
    VX_REG_ROUTE_NONE = 0,
    VX_REG_ROUTE_IM,
    VX_REG_ROUTE_SC,
    VX_REG_ROUTE_ID,
    VX_REG_ROUTE_NS,
    VX_REG_ROUTE_PO
};

/*
 * One administered dose with what the registers need about the person. All strings
 * are borrowed (UTF-8, NUL-terminated); NULL or "" = not known.
 */
struct vx_reg_dose {
    /* person */
    const char *person_id;    /* PID-3.1 / Patient id: pnr (12 digits) or a pseudonym */
    const char *id_authority; /* PID-3.4 assigning authority, e.g. "SKV" (Skatteverket) */
    const char *id_type;      /* PID-3.5 identifier type, e.g. "NNSWE" or "PI" */
    const char *family_name;
    const char *given_name;
    vx_day birth_date; /* 0 = unknown */
    enum vx_reg_sex sex;
    const char *street, *city, *postal_code, *country; /* address, all optional */
    /* dose */
    const char *dose_id; /* our dose id: ORC-3 filler order number, FHIR id */
    const char *product; /* catalogue code, mapped through vx_reg_vaccine_lookup */
    const char *lot;     /* RXA-15 */
    vx_day expiry;       /* RXA-16; 0 = unknown */
    int dose_number;     /* 1.. (OBX 30973-2, protocolApplied.doseNumber) */
    int series_doses;    /* doses in the series; 0 = unknown */
    vx_time given_at;    /* RXA-3 (UTC instant, written in Stockholm local time) */
    enum vx_reg_site site;
    enum vx_reg_route route;
    const char *performer_id; /* RXA-10 / performer.actor */
    const char *performer_family, *performer_given;
    const char *facility_id; /* RXA-11.4 */
    const char *facility_name;
    bool refused; /* RXA-20 = RE (no lot/site/route sent) */
};

/* ------------------------------------------------------------------------------------ */
/* VXU^V04 builder and ACK                                                                */
/* ------------------------------------------------------------------------------------ */

struct vx_vxu_opts {
    const char *sending_app;        /* MSH-3, default "VAXCHAIN" */
    const char *sending_facility;   /* MSH-4 */
    const char *receiving_app;      /* MSH-5 */
    const char *receiving_facility; /* MSH-6 */
    const char *control_id;         /* MSH-10; required, unique per message (exactly-once key) */
    vx_time now;                    /* MSH-7 */
    char processing_id;             /* MSH-11: 'P' production (default), 'T' test, 'D' debug */
    bool cvrs;                      /* add the CVRS-profile fields (MSH-8 D, MSH-22, race,
                                       ethnicity, VXC8 and 75505-8 observations) */
};

/*
 * Build a VXU^V04 for `d` per the CDC IIS implementation guide and append it to `out`
 * (ER7, "\r" after each segment). Fails with VX_EINVAL (message in err) when a
 * required value is missing (person id, product, control id, given_at) or the product
 * code has no CVX mapping. `out` is left unchanged on failure.
 */
enum vx_status vx_vxu_build(const struct vx_reg_dose *d, const struct vx_vxu_opts *o,
                            struct vx_buf *out, struct vx_err *err);

enum vx_ack_code {
    VX_ACK_UNKNOWN = 0,
    VX_ACK_AA,
    VX_ACK_AE,
    VX_ACK_AR,
    VX_ACK_CA,
    VX_ACK_CE,
    VX_ACK_CR
};

struct vx_ack_error {
    const char *location; /* ERR-2 as text, e.g. "RXA^1^5^1^1" (arena) */
    const char *code;     /* ERR-3.1 HL7 table 0357, e.g. "101" */
    const char *code_text;
    char severity;       /* ERR-4: 'E' error, 'W' warning, 'I' information, 0 = absent */
    const char *message; /* ERR-8 user message, else ERR-3.2 */
};

/*
 * A parsed ACK. `accepted`: the receiver took the message (AA/CA, possibly with
 * warnings). `retry`: a transient rejection (AR/CR) — send the same message again
 * later with back-off. Neither: AE/CE, the content was refused — correct the dose and
 * send a new message.
 */
struct vx_ack {
    enum vx_ack_code code;
    const char *control_id; /* MSA-2: the MSH-10 being acknowledged */
    const char *text;       /* MSA-3 (deprecated in 2.5.1 but still sent), may be "" */
    bool accepted;
    bool retry;
    size_t nerr;
    struct vx_ack_error *err;
};
/* Parse an ACK message (MSH, MSA, ERR*). VX_EPARSE with err set when it is not one. */
enum vx_status vx_ack_parse(const char *text, size_t len, struct vx_arena *a, struct vx_ack *out,
                            struct vx_err *err);

/* ------------------------------------------------------------------------------------ */
/* CDC CVRS conformance                                                                  */
/* ------------------------------------------------------------------------------------ */

enum vx_cvrs_defaults {
    VX_CVRS_DEFAULTS_AUTO = 0, /* apply default conversion rules iff MSH-8 is empty */
    VX_CVRS_DEFAULTS_ON,       /* extract-validator -d */
    VX_CVRS_DEFAULTS_OFF       /* extract-validator -D (its default) */
};

struct vx_cvrs_opts {
    vx_day today; /* for BUSR011/BUSR012 ("before tomorrow") */
    enum vx_cvrs_defaults defaults;
};

enum vx_cvrs_level { VX_CVRS_ERROR = 0, VX_CVRS_WARN };

struct vx_cvrs_issue {
    enum vx_cvrs_level level;
    const char *field;    /* CVRS variable name, e.g. "admin_date" (static) */
    const char *location; /* HL7 location, e.g. "RXA-3-1", "OBX-5 where OBX-3=30973-2" */
    char code[8];         /* "REQD001", "DATA007", "BUSR005", ... */
    const char *message;  /* validator-style message (arena) */
};

struct vx_cvrs_result {
    bool refusal;  /* RXA-20 = RE */
    bool defaults; /* default conversion rules were applied */
    size_t nerrors, nwarnings;
    size_t n;
    struct vx_cvrs_issue *issue; /* in rule-table order, then business rules */
};

/*
 * Check one parsed VXU against the CVRS (version 2) field rules and business rules.
 * Issues are allocated from `a`. Returns VX_OK even when issues were found (see
 * res->nerrors); VX_ENOMEM on allocation failure.
 */
enum vx_status vx_cvrs_check(const struct vx_hl7_msg *m, const struct vx_cvrs_opts *o,
                             struct vx_arena *a, struct vx_cvrs_result *res);

/* Expected results of the CDC samples (errors/<name>.expected.txt, index.csv). */
struct vx_cvrs_expected_issue {
    enum vx_cvrs_level level;
    const char *field; /* arena */
    char code[8];
};
struct vx_cvrs_expected {
    size_t n;
    struct vx_cvrs_expected_issue *issue;
};
/*
 * Parse an extract-validator report: a header line naming the columns (Level, Field,
 * Error are located by the header's column positions) and one line per issue.
 * Memory from `a`. VX_EPARSE (err set) when the header or a row is malformed.
 */
enum vx_status vx_cvrs_expected_parse_report(const char *text, size_t len, struct vx_arena *a,
                                             struct vx_cvrs_expected *out, struct vx_err *err);
/* Parse an index.csv "issues" cell: "ERROR:admin_name:REQD001; WARN:...". "" = none. */
enum vx_status vx_cvrs_expected_parse_list(const char *cell, struct vx_arena *a,
                                           struct vx_cvrs_expected *out, struct vx_err *err);
/* True when `res` holds exactly the expected (level, field, code) issues, in any order. */
bool vx_cvrs_agrees(const struct vx_cvrs_result *res, const struct vx_cvrs_expected *exp);

/* One row of the rule table (static), for docs and tests. */
struct vx_cvrs_field_info {
    const char *name;     /* CVRS variable */
    const char *location; /* HL7 location in vx_hl7_loc syntax, or an OBX-3 selector */
    const char *obx3;     /* OBX-3 "code^text^system" the value is read from, or NULL */
    const char *check;    /* "value set CVX", "regex ^\\S+$", "date", "redacted", ... */
};
/* Copy up to `cap` rows of the rule table into `out` (may be NULL when cap is 0);
 * returns the number of rows. */
size_t vx_cvrs_fields(struct vx_cvrs_field_info *out, size_t cap);
/* Codes of a CVRS value set by name ("CVX", "STATE", ...), or NULL; *n gets the count. */
const char *const *vx_cvrs_valueset(const char *name, size_t *n);

/* ------------------------------------------------------------------------------------ */
/* FHIR R4 Immunization                                                                  */
/* ------------------------------------------------------------------------------------ */

/*
 * Datatypes. Every struct has `extra`: the JSON text of members this code does not
 * model (e.g. "extension", "id"), an object like {"extension":[...]}, or NULL. They are
 * written back verbatim, so nothing is lost in a round trip.
 */
struct vx_fhir_coding {
    const char *system, *version, *code, *display;
    int user_selected; /* -1 absent, 0 false, 1 true */
    const char *extra;
};
struct vx_fhir_cc { /* CodeableConcept */
    size_t ncoding;
    struct vx_fhir_coding *coding;
    const char *text;
    const char *extra;
};
struct vx_fhir_identifier {
    const char *use, *system, *value;
    const char *extra;
};
struct vx_fhir_ref { /* Reference */
    const char *reference, *type, *display;
    struct vx_fhir_identifier *identifier; /* NULL when absent */
    const char *extra;
};
struct vx_fhir_quantity {
    bool has_value;
    double value;
    const char *comparator, *unit, *system, *code;
    const char *extra;
};
struct vx_fhir_performer {
    struct vx_fhir_cc *function; /* NULL when absent */
    struct vx_fhir_ref actor;
    const char *extra;
};
struct vx_fhir_annotation {
    const char *text, *author_string, *time;
    struct vx_fhir_ref *author_reference;
    const char *extra;
};
struct vx_fhir_education {
    const char *document_type, *reference, *publication_date, *presentation_date;
    const char *extra;
};
struct vx_fhir_reaction {
    const char *date;
    struct vx_fhir_ref *detail;
    int reported; /* -1 absent */
    const char *extra;
};
struct vx_fhir_protocol {
    const char *series;
    struct vx_fhir_ref *authority;
    size_t ntarget;
    struct vx_fhir_cc *target_disease;
    int dose_number;           /* doseNumberPositiveInt; 0 absent */
    const char *dose_number_s; /* doseNumberString */
    int series_doses;          /* seriesDosesPositiveInt; 0 absent */
    const char *series_doses_s;
    const char *extra;
};
struct vx_fhir_narrative {
    const char *status, *div;
    const char *extra;
};

struct vx_fhir_immunization {
    const char *id;
    struct vx_fhir_narrative *text;
    size_t nidentifier;
    struct vx_fhir_identifier *identifier;
    const char *status; /* completed | entered-in-error | not-done (required) */
    struct vx_fhir_cc *status_reason;
    struct vx_fhir_cc vaccine_code; /* required */
    struct vx_fhir_ref patient;     /* required */
    struct vx_fhir_ref *encounter;
    const char *occurrence_date_time; /* exactly one of these two */
    const char *occurrence_string;
    const char *recorded;
    int primary_source; /* -1 absent */
    struct vx_fhir_cc *report_origin;
    struct vx_fhir_ref *location, *manufacturer;
    const char *lot_number, *expiration_date;
    struct vx_fhir_cc *site, *route;
    struct vx_fhir_quantity *dose_quantity;
    size_t nperformer;
    struct vx_fhir_performer *performer;
    size_t nnote;
    struct vx_fhir_annotation *note;
    size_t nreason_code;
    struct vx_fhir_cc *reason_code;
    size_t nreason_reference;
    struct vx_fhir_ref *reason_reference;
    int is_subpotent; /* -1 absent */
    size_t nsubpotent_reason;
    struct vx_fhir_cc *subpotent_reason;
    size_t neducation;
    struct vx_fhir_education *education;
    size_t nprogram_eligibility;
    struct vx_fhir_cc *program_eligibility;
    struct vx_fhir_cc *funding_source;
    size_t nreaction;
    struct vx_fhir_reaction *reaction;
    size_t nprotocol;
    struct vx_fhir_protocol *protocol_applied;
    const char *extra; /* meta, extension, contained, ... kept verbatim */
};

#define VX_FHIR_MAX_BYTES (4u << 20)

/*
 * Parse an Immunization resource (JSON text, `len` bytes). Checks resourceType,
 * the required elements (status with a value from the R4 value set, vaccineCode,
 * patient, one occurrence[x]) and the JSON type of every modelled element;
 * unmodelled members go to `extra`. Memory from `a`. VX_EPARSE with err set (naming
 * the element path) on failure.
 */
enum vx_status vx_fhir_imm_parse(const char *json, size_t len, struct vx_arena *a,
                                 struct vx_fhir_immunization *out, struct vx_err *err);

/* Append the resource as JSON (pretty when `pretty`) to `out`. Members come in the
 * StructureDefinition's element order. */
enum vx_status vx_fhir_imm_emit(const struct vx_fhir_immunization *imm, bool pretty,
                                struct vx_buf *out);

/*
 * Compare two JSON texts semantically (objects as unordered maps, arrays in order,
 * numbers by value). Returns VX_OK when equal, VX_ERANGE when different (first
 * difference's JSON path in err), VX_EPARSE when one is not JSON.
 */
enum vx_status vx_fhir_json_equal(const char *a, size_t alen, const char *b, size_t blen,
                                  struct vx_err *err);

/*
 * Fill `out` from a dose record: status completed (not-done when refused),
 * vaccineCode with our catalogue code, SNOMED CT, ATC and CVX codings, patient
 * reference "Patient/<patient_ref>", occurrenceDateTime (Stockholm local time),
 * lotNumber, expirationDate, site, route, performer (function AP), protocolApplied
 * doseNumberPositiveInt. `patient_ref` is the opaque patient id to use (never the
 * pnr: callers pass a pseudonym). Strings are borrowed from `d` or allocated in `a`.
 */
enum vx_status vx_fhir_imm_from_dose(const struct vx_reg_dose *d, const char *patient_ref,
                                     struct vx_arena *a, struct vx_fhir_immunization *out,
                                     struct vx_err *err);

/* Code system URI of our catalogue product codes in vaccineCode. */
#define VX_FHIR_VACCINE_SYSTEM "https://vaxchain.se/fhir/CodeSystem/vaccine-product"

/*
 * Append a Bundle of type searchset holding `n` Immunizations (entry.fullUrl =
 * base_url + "/Immunization/" + id, search.mode match, total n) to `out`; `self_url`
 * is the link with relation "self". base_url and self_url are borrowed.
 */
enum vx_status vx_fhir_bundle_searchset(const struct vx_fhir_immunization *items, size_t n,
                                        const char *base_url, const char *self_url, bool pretty,
                                        struct vx_buf *out);

#endif
