/*
 * cert.h — EU Digital COVID Certificates (DCC): issue, sign, verify, QR and PDF.
 *
 * A DCC travels as text "HC1:" + base45(zlib(COSE_Sign1(CWT))). The CWT is a CBOR map
 * with the claims iss (1), exp (4), iat (6) and hcert (-260: {1: DCC}), the DCC being
 * the JSON-shaped payload of the EU schema (nam, dob, v/t/r). This module does both
 * directions:
 *
 *   issue:   dose records -> DCC (cJSON) -> CWT -> COSE_Sign1 (ES256) -> zlib -> base45
 *            -> "HC1:" -> QR code (PNG, SVG) and a bilingual (sv/en) PDF;
 *   verify:  the same chain backwards, every step reported on its own (prefix, base45,
 *            zlib, COSE structure, CWT payload, signature, expiry, schema, key usage)
 *            so that a verifier page or the conformance runner can say *where* a
 *            certificate failed.
 *
 * Objects: a trust list (`struct vx_cert_trust`, the document signer certificates a
 * verifier accepts, matched by kid = first 8 bytes of SHA-256 over the DER), a schema
 * (`struct vx_cert_schema`, the DCC JSON schema plus value sets, read from the shared
 * data files) and a signer (`struct vx_cert_signer`, the newest document signer key of
 * a key folder made by vx_cert_keygen()). All three are opaque, created by a _load or
 * _new function and freed by the matching _free; once built they are read-only, so one
 * object may serve many threads (the signer serialises its own use).
 *
 * Nothing here reads the clock: issue and verify take the time as a parameter. Private
 * keys never leave the signer; no function prints or returns them.
 *
 * Library errors (OpenSSL, libcbor, zlib, cairo) are converted into `enum vx_status`
 * plus a message in `struct vx_err` at this boundary.
 */
#ifndef VX_CERT_H
#define VX_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/date.h"
#include "vx/status.h"

struct cJSON;

#define VX_CERT_KID_LEN  8              /* bytes of SHA-256 over the DSC used as kid */
#define VX_CERT_MAX_TEXT (64u * 1024u)  /* longest HC1 text accepted */
#define VX_CERT_MAX_COSE (256u * 1024u) /* largest inflated COSE accepted */
#define VX_CERT_PREFIX   "HC1:"
#define VX_CERT_NAME_MAX 81 /* transliterated name buffer (80 + NUL) */
#define VX_CERT_UVCI_MAX 81 /* UVCI buffer (80 + NUL) */

/* --------------------------------------------------------------------- base45 */

/*
 * Base45 (RFC 9285): every 2 bytes become 3 characters of the QR alphanumeric set,
 * a trailing byte 2 characters. Appends the text to `out` (caller-owned, initialised).
 * VX_ENOMEM when `out`'s maximum is reached.
 */
enum vx_status vx_base45_encode(const uint8_t *in, size_t n, struct vx_buf *out);

/*
 * Decode base45 text in[0..n) and append the bytes to `out`. VX_EINVAL (with `err`, may
 * be NULL, naming the offset) for a character outside the alphabet, a length of 1 mod 3
 * or a triple/pair whose value does not fit (over 65535 / 255). On failure `out` may
 * hold a partial result, which the caller discards.
 */
enum vx_status vx_base45_decode(const char *in, size_t n, struct vx_buf *out, struct vx_err *err);

/* ------------------------------------------------------------ names and UVCI */

enum vx_translit {
    VX_TRANSLIT_ICAO = 0, /* ICAO 9303 part 3 recommended: Å->AA, Ä->AE, Ö->OE, Ü->UE, ß->SS */
    VX_TRANSLIT_PLAIN = 1 /* diacritics dropped: Å->A, Ä->A, Ö->O, Ü->U (the ICAO option) */
};

/*
 * Standardise a UTF-8 name for `fnt`/`gnt` (ICAO 9303 part 3): upper case A-Z, letters
 * with diacritics transliterated by `mode`, spaces, hyphens and apostrophes become "<"
 * (runs collapsed; apostrophes dropped), other characters dropped. Writes a
 * NUL-terminated string of at most 80 characters into out[0..cap). VX_EINVAL when the
 * input is not UTF-8 or gives nothing, VX_ERANGE when the result exceeds 80 characters
 * or `cap`.
 */
enum vx_status vx_cert_transliterate(const char *utf8, enum vx_translit mode, char *out,
                                     size_t cap);

/*
 * Luhn mod N check character of uvci[0..n) over the 38-character UVCI set
 * "A-Z0-9/:" (eHealth Network guidelines, Annex 2; computed over the whole string
 * including "URN:UVCI:"). Returns 0 when a character is outside the set.
 */
char vx_uvci_checksum(const char *uvci, size_t n);

/*
 * Build "URN:UVCI:01:<country>:<issuer>/<opaque>#<check>" into out[0..cap). `country`
 * two letters, `issuer` and `opaque` upper-case A-Z0-9 (issuer may be NULL or "").
 * VX_EINVAL for a character outside the set, VX_ERANGE when longer than 80 or `cap`.
 */
enum vx_status vx_uvci_make(const char *country, const char *issuer, const char *opaque, char *out,
                            size_t cap);

/* True when `uvci` ends in "#C" and C is its Luhn mod N check character. */
bool vx_uvci_valid(const char *uvci);

/* ------------------------------------------------------------------- schema */

struct vx_cert_schema;

/*
 * Read the DCC JSON schema (DCC.combined-schema.json) and, when `valueset_dir` is not
 * NULL, the value-set files it names by "valueset-uri" (only the file name is used;
 * a file that does not exist leaves that value set unchecked). The validator
 * implements the schema keywords used there: type, required, properties, items,
 * min/maxItems, minimum, maxLength, pattern, format date/date-time, oneOf, anyOf,
 * allOf, enum, const, additionalProperties and $ref to #/$defs. *out is owned by the
 * caller (vx_cert_schema_free). VX_EIO, VX_EPARSE or VX_ENOMEM with `err`.
 */
enum vx_status vx_cert_schema_load(const char *schema_path, const char *valueset_dir,
                                   struct vx_cert_schema **out, struct vx_err *err);
/* The same from a schema text (borrowed, NUL-terminated); no value sets. */
enum vx_status vx_cert_schema_parse(const char *text, struct vx_cert_schema **out,
                                    struct vx_err *err);
void vx_cert_schema_free(struct vx_cert_schema *s);

/*
 * Validate a DCC (borrowed) against the schema and require exactly one of v/t/r.
 * VX_OK, or VX_EINVAL with `err` naming the first failing path, e.g.
 * "/v/0/dn: 0 is below the minimum 1". Thread-safe.
 */
enum vx_status vx_cert_schema_validate(const struct vx_cert_schema *s, const struct cJSON *dcc,
                                       struct vx_err *err);

/* --------------------------------------------------------------- trust list */

struct vx_cert_trust;

enum vx_status vx_cert_trust_new(struct vx_cert_trust **out);
/*
 * Add the certificate(s) in data[0..len): one or more PEM blocks, or one DER
 * certificate. Certificates of a CA (basicConstraints CA:TRUE) are skipped — the list
 * holds document signers. VX_EPARSE when nothing could be read, VX_ENOMEM.
 */
enum vx_status vx_cert_trust_add(struct vx_cert_trust *t, const uint8_t *data, size_t len,
                                 struct vx_err *err);
/* Add a file (PEM or DER), or every *.pem, *.crt, *.der file of a folder. */
enum vx_status vx_cert_trust_load(struct vx_cert_trust *t, const char *path, struct vx_err *err);
size_t vx_cert_trust_count(const struct vx_cert_trust *t);
/* kid of entry i (< count), VX_CERT_KID_LEN bytes, borrowed. */
const uint8_t *vx_cert_trust_kid(const struct vx_cert_trust *t, size_t i);
void vx_cert_trust_free(struct vx_cert_trust *t);

/* ------------------------------------------------------------------ signer */

struct vx_cert_signer;

/*
 * Load the newest document signer of a key folder made by vx_cert_keygen(): among the
 * "dsc-*.pem" certificates that have a matching "dsc-*.key", the one with the latest
 * notBefore (key rotation: a new key signs, old ones stay in the trust list so their
 * certificates still verify). ES256 for an EC P-256 key, PS256 for RSA.
 * VX_ENOTFOUND (no signer), VX_EIO, VX_EPARSE. *out owned by the caller.
 */
enum vx_status vx_cert_signer_load(const char *dir, struct vx_cert_signer **out,
                                   struct vx_err *err);
/* A signer from a PEM private key and its PEM certificate (both borrowed). VX_EINVAL
 * when they do not belong together. */
enum vx_status vx_cert_signer_from_pem(const char *key_pem, size_t key_len, const char *cert_pem,
                                       size_t cert_len, struct vx_cert_signer **out,
                                       struct vx_err *err);
/* kid (VX_CERT_KID_LEN bytes, borrowed) and validity (notAfter) of the signer. */
const uint8_t *vx_cert_signer_kid(const struct vx_cert_signer *s);
vx_time vx_cert_signer_not_after(const struct vx_cert_signer *s);
void vx_cert_signer_free(struct vx_cert_signer *s);

struct vx_cert_keygen_opts {
    const char *dir;     /* created (0700) when missing */
    const char *country; /* "SE" */
    vx_time now;         /* notBefore of what is made */
    int csca_days;       /* CSCA validity (default 3650 when 0) */
    int dsc_days;        /* document signer validity (default 730 when 0) */
};

/*
 * Make a demo CSCA (reused when dir/csca.pem and dir/csca.key exist) and a new document
 * signer certificate with the DCC extended key usages (test, vaccination, recovery),
 * signed by the CSCA; files csca.pem, csca.key, dsc-<kid hex>.pem, dsc-<kid hex>.key.
 * Key files are written 0600, each to a temporary name then renamed, so nothing is
 * half-written. kid_hex (17 bytes) gets the new signer's kid. No key material is
 * printed or returned.
 */
enum vx_status vx_cert_keygen(const struct vx_cert_keygen_opts *o, char kid_hex[17],
                              struct vx_err *err);

/* ------------------------------------------------------------------- issue */

/* One dose record as the caller knows it (all borrowed). */
struct vx_cert_dose {
    const char *family_name;          /* "Öberg-Ärlig" (UTF-8), may be NULL if given set */
    const char *given_name;           /* "Åsa", may be NULL if family set */
    const char *dob;                  /* "YYYY-MM-DD" (or "YYYY", "YYYY-MM") */
    const struct vx_product *product; /* from the catalogue; needs DCC codes */
    int dose_number;                  /* n of ... */
    int total_doses;                  /* ... m */
    vx_day date;                      /* day given */
};

struct vx_cert_issue_opts {
    const char *country;     /* "SE" (co and UVCI country) */
    const char *issuer;      /* "is", e.g. "Folkhälsomyndigheten (demo)" */
    const char *uvci_issuer; /* UVCI issuing-entity part, e.g. "VXC" (may be NULL) */
    const char *uvci_opaque; /* unique part [A-Z0-9]+, e.g. from the dose id */
    const char *version;     /* schema "ver", default "1.3.0" */
    enum vx_translit translit;
};

/*
 * Build the DCC for the most recent of n dose records (the DCC holds exactly one
 * vaccination entry: the latest dose, by date then dose number). Every record must
 * name the same person (family, given, dob). *out (caller frees with cJSON_Delete).
 * VX_EINVAL with `err` for a product without DCC codes, dn/sd out of range, names that
 * do not transliterate, records of different persons.
 */
enum vx_status vx_cert_dcc_build(const struct vx_cert_dose *doses, size_t n,
                                 const struct vx_cert_issue_opts *o, struct cJSON **out,
                                 struct vx_err *err);

/*
 * Sign a DCC (borrowed) into an HC1 text appended to `hc1`: CBOR CWT {1: iss, 4: exp,
 * 6: iat, -260: {1: dcc}} -> COSE_Sign1 (tag 18, protected {1: alg, 4: kid}) -> zlib ->
 * base45 -> "HC1:". `exp` is capped at the signer's notAfter. When `schema` is not NULL
 * the DCC is validated first (VX_EINVAL). Thread-safe.
 */
enum vx_status vx_cert_sign(struct vx_cert_signer *s, const struct cJSON *dcc,
                            const struct vx_cert_schema *schema, const char *iss, vx_time iat,
                            vx_time exp, struct vx_buf *hc1, struct vx_err *err);

/* COSE_Sign1 over payload[0..n) (bytes appended to `cose`): the primitive under
 * vx_cert_sign, exposed for the benchmark and tests. */
enum vx_status vx_cert_cose_sign(struct vx_cert_signer *s, const uint8_t *payload, size_t n,
                                 struct vx_buf *cose, struct vx_err *err);

/* ------------------------------------------------------------------ render */

/* QR code of `text` (error correction Q) as PNG (`scale` pixels a module, 4 modules of
 * quiet zone) or SVG, appended to `out`. */
enum vx_status vx_cert_qr_png(const char *text, int scale, struct vx_buf *out, struct vx_err *err);
enum vx_status vx_cert_qr_svg(const char *text, struct vx_buf *out, struct vx_err *err);

/* Display texts the PDF may use instead of codes (all borrowed, may be NULL). */
struct vx_cert_pdf_text {
    const char *product;      /* "Comirnaty" */
    const char *manufacturer; /* "BioNTech Manufacturing GmbH" */
};

/*
 * A one-page A4 PDF certificate in Swedish and English: holder, date of birth, the
 * vaccination entry, the certificate identifier and the QR code of `hc1`. Appended to
 * `out`. VX_EINVAL when `dcc` holds no vaccination entry.
 */
enum vx_status vx_cert_pdf(const struct cJSON *dcc, const char *hc1,
                           const struct vx_cert_pdf_text *text, struct vx_buf *out,
                           struct vx_err *err);

/* Free cairo's and fontconfig's process-wide caches (font lookups of vx_cert_pdf), so
 * that leak checkers see a clean exit. Call once at process exit, when no thread
 * renders any more (it is not thread-safe). */
void vx_cert_render_cleanup(void);

/* True when this build can read QR codes from images (zbar). */
bool vx_cert_qr_can_decode(void);
/*
 * Read the QR code in a PNG image and append its text to `out`. VX_ENOTFOUND when no
 * code can be read, VX_EPARSE for a broken PNG, VX_ECONFLICT when this build has no
 * QR decoder.
 */
enum vx_status vx_cert_qr_decode_png(const uint8_t *png, size_t n, struct vx_buf *out,
                                     struct vx_err *err);

/* ------------------------------------------------------------------ verify */

enum vx_cert_step {
    VX_CERT_STEP_PREFIX = 0, /* "HC1:" context identifier */
    VX_CERT_STEP_BASE45,     /* base45 decoding */
    VX_CERT_STEP_ZLIB,       /* zlib inflate */
    VX_CERT_STEP_COSE,       /* COSE_Sign1 structure (tags 61/18, headers, alg, kid) */
    VX_CERT_STEP_PAYLOAD,    /* CWT claims and hcert -> DCC */
    VX_CERT_STEP_SIGNATURE,  /* kid in the trust list and signature (ES256/PS256) */
    VX_CERT_STEP_EXPIRY,     /* DSC notBefore <= iat <= clock <= exp <= DSC notAfter */
    VX_CERT_STEP_SCHEMA,     /* DCC JSON schema, exactly one of v/t/r */
    VX_CERT_STEP_KEYUSAGE,   /* DSC extended key usage allows the certificate type */
    VX_CERT_STEP_COUNT
};

enum vx_cert_outcome {
    VX_CERT_NOT_RUN = 0, /* an earlier step failed, or nothing to check with */
    VX_CERT_PASS = 1,
    VX_CERT_FAIL = 2
};

enum vx_cert_alg { VX_CERT_ALG_NONE = 0, VX_CERT_ALG_ES256 = -7, VX_CERT_ALG_PS256 = -37 };

struct vx_cert_result {
    enum vx_cert_outcome outcome[VX_CERT_STEP_COUNT];
    char why[VX_CERT_STEP_COUNT][160]; /* "" on pass */
    bool valid;                        /* every step passed */
    enum vx_cert_step first_failed;    /* meaningful when !valid */
    /* what was decoded (zero when not reached) */
    int alg;         /* enum vx_cert_alg, or another COSE alg number */
    uint8_t kid[16]; /* as found (protected, else unprotected) */
    size_t kid_len;
    bool kid_protected;
    char iss[16];     /* CWT issuer country */
    vx_time iat, exp; /* 0 when absent */
    bool has_iat, has_exp;
    char type;         /* 'v', 't', 'r' or 0 */
    struct cJSON *dcc; /* owned; NULL when not decoded */
    char signer[128];  /* subject CN of the DSC that verified, or "" */
};

struct vx_cert_verify_opts {
    const struct vx_cert_trust *trust;   /* required for SIGNATURE */
    const struct vx_cert_schema *schema; /* NULL: SCHEMA not run */
    vx_time clock;                       /* validation time */
};

/*
 * Verify an HC1 text[0..len). Every step is run that its inputs allow and recorded in
 * *r (caller-owned; release with vx_cert_result_release). Returns VX_OK when the
 * verification ran (look at r->valid), VX_ENOMEM when it could not.
 */
enum vx_status vx_cert_verify(const char *text, size_t len, const struct vx_cert_verify_opts *o,
                              struct vx_cert_result *r);
/* The same starting from COSE bytes (steps PREFIX..ZLIB are NOT_RUN). */
enum vx_status vx_cert_verify_cose(const uint8_t *cose, size_t len,
                                   const struct vx_cert_verify_opts *o, struct vx_cert_result *r);
void vx_cert_result_release(struct vx_cert_result *r);

/* Step name ("prefix", "base45", ...), static. */
const char *vx_cert_step_name(enum vx_cert_step step);
/* Step name for a person in `lang` ("sv" default, "en"), static. */
const char *vx_cert_step_label(enum vx_cert_step step, const char *lang);

/* Single steps, for callers that start in the middle of the chain (the runner). */
/* Strip "HC1:"; *rest points into text. VX_EINVAL for another or no prefix. */
enum vx_status vx_cert_unprefix(const char *text, size_t len, const char **rest, size_t *rest_len,
                                struct vx_err *err);
/* zlib-inflate in[0..n) appending to `out` (at most VX_CERT_MAX_COSE). VX_EINVAL when
 * not a complete zlib stream. */
enum vx_status vx_cert_inflate(const uint8_t *in, size_t n, struct vx_buf *out, struct vx_err *err);
/*
 * Decode DCC bytes that are either the DCC map itself or a whole CWT claims map (then
 * hcert -260 -> 1 is taken). *out is the DCC as cJSON (caller frees). VX_EPARSE.
 */
enum vx_status vx_cert_cbor_to_dcc(const uint8_t *cbor, size_t n, struct cJSON **out,
                                   struct vx_err *err);
/* Encode a DCC (borrowed) as CBOR appended to `out` (definite lengths, shortest ints). */
enum vx_status vx_cert_dcc_to_cbor(const struct cJSON *dcc, struct vx_buf *out, struct vx_err *err);
/*
 * Semantic comparison of two DCCs: same keys and values, map order ignored, numbers by
 * value, date-times by instant ("...Z" = "...+00:00" = "....000Z"). On a difference
 * `where` (may be NULL) gets its path.
 */
bool vx_cert_dcc_equal(const struct cJSON *a, const struct cJSON *b, char *where, size_t cap);

/* ------------------------------------------------------ conformance runner */

struct vx_cert_testdata_stats {
    int cases;   /* test JSON files read */
    int passed;  /* cases whose every checked flag agreed */
    int failed;  /* cases with at least one disagreement (or unreadable) */
    int checks;  /* flags evaluated */
    int skipped; /* flags present but not checkable (fields absent, no QR decoder) */
};

/* One report line: `flag` NULL for a whole-file problem; `agree` false = disagreement,
 * true = an agreement (only reported when `verbose`). */
typedef void (*vx_cert_testdata_cb)(void *ctx, const char *file, const char *flag, bool agree,
                                    const char *detail);

/*
 * Walk every *.json below `dir` (dgc-testdata layout; files in sorted order), evaluate
 * every EXPECTED* flag present against what this module finds (semantics in
 * docs/cert.md) and call `cb` per disagreement (and per agreement or skip when
 * `verbose`). `schema` (required) validates SCHEMAVALIDATION / VALIDOBJECT. Fills
 * *stats. VX_EIO when `dir` cannot be read.
 */
enum vx_status vx_cert_testdata_run(const char *dir, const struct vx_cert_schema *schema,
                                    bool verbose, vx_cert_testdata_cb cb, void *ctx,
                                    struct vx_cert_testdata_stats *stats, struct vx_err *err);

#endif
