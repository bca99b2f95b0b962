/*
 * regx.h — register export: every dose change leaves exactly once per register.
 *
 * Three registers take the doses:
 *   nvr   the national vaccination register's daily file (semicolon-separated UTF-8
 *         with a header, a trailer count and SHA-256; src/register/nvr.c);
 *   hl7   one HL7 v2.5.1 VXU^V04 per change, sent through a transport (function
 *         pointer) that returns the ACK (src/register/export_hl7.c);
 *   fhir  FHIR R4 Immunization resources as an NDJSON bulk file (export_fhir.c).
 *
 * The outbox (store_regx.h): one change row per insert, correction and void — inserts
 * are picked up by dose id when a batch is prepared (no INSERT trigger on the recording
 * path), corrections and voids by an UPDATE trigger; each register has a cursor. File registers
 * prepare a batch (seq range + file name) before writing its file atomically (tmp + fsync + rename)
 * and commit "batch done + cursor" together: a crash in between redoes the same
 * batch into the same file, so the register sees every change exactly once. The HL7
 * exporter sends, then commits the outcomes of a chunk; a crash between a send and
 * its commit resends the message with the same control id (MSH-10), which an
 * idempotent receiver drops: at-least-once delivery + dedup = exactly-once effect.
 * Failed sends wait in the retry table with exponential back-off; a later change of
 * the same dose waits behind them, so a register never sees versions out of order.
 *
 * Time is a parameter (opts.now); nothing here reads the clock.
 */
#ifndef VX_REGX_H
#define VX_REGX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/arena.h"
#include "vx/buf.h"
#include "vx/register.h"
#include "vx/store.h"
#include "vx/store_regx.h"

enum vx_regx_register { VX_REGX_NVR = 0, VX_REGX_HL7, VX_REGX_FHIR, VX_REGX_COUNT };

/* "nvr", "hl7", "fhir" (static; "?" when out of range). */
const char *vx_regx_register_code(enum vx_regx_register r);
/* Parse a register code; VX_EINVAL when unknown. */
enum vx_status vx_regx_register_parse(const char *s, enum vx_regx_register *out);
/* "new", "correction", "void" (static). */
const char *vx_regx_action_code(enum vx_regx_action a);

/* ------------------------------------------------------------------ retry policy */

struct vx_regx_policy {
    int base_s;       /* first back-off (0 = 60 s) */
    int max_s;        /* longest back-off (0 = 6 h) */
    int max_attempts; /* give up (state failed) after this many sends (0 = 12) */
    int chunk;        /* HL7: outcomes committed every `chunk` messages (0 = 100) */
};

/*
 * Seconds to wait after the `attempts`-th failed send: base * 2^(attempts-1), at most
 * max (attempts < 1 counts as 1). Pure.
 */
int64_t vx_regx_backoff(const struct vx_regx_policy *p, int attempts);

/* ------------------------------------------------------------------ transport */

/*
 * Deliver one ER7 message `msg[0..len)` and append the receiver's ACK (ER7) to `ack`.
 * Returns VX_OK when an ACK came back (whatever it says), or a negative status when
 * the message could not be delivered (connection refused, timeout...): the item is
 * retried with back-off. `err` says why.
 */
typedef enum vx_status (*vx_regx_send_fn)(void *ctx, const char *control_id, const char *msg,
                                          size_t len, struct vx_buf *ack, struct vx_err *err);

struct vx_regx_transport {
    vx_regx_send_fn send;
    void *ctx; /* borrowed, handed to send */
};

/*
 * The folder transport of the CLI: writes each message atomically to
 * DIR/<control id>.hl7 (same name on a resend, so the folder deduplicates) and
 * answers with an AA ACK of its own. `dir` is borrowed and must exist.
 */
struct vx_regx_dir_transport {
    const char *dir;
    vx_time now; /* MSH-7 of the ACK */
};
enum vx_status vx_regx_dir_send(void *ctx, const char *control_id, const char *msg, size_t len,
                                struct vx_buf *ack, struct vx_err *err);

/* ------------------------------------------------------------------ formats */

/*
 * The VXU^V04 of change `c`: vx_vxu_build() with MSH-10 = control id (see
 * vx_regx_control_id), ORC-3 = dose id, and RXA-21 = A (new), U (correction) or
 * D (void). Appended to `out`; VX_EINVAL (err) when the dose cannot be expressed
 * (e.g. a product without CVX code).
 */
enum vx_status vx_regx_vxu(const struct vx_regx_change_rec *c, vx_time now, struct vx_buf *out,
                           struct vx_err *err);
/* MSH-10 of change `c`: "VX<seq>-<dose id>.<version>" into buf (>= 48 bytes). */
char *vx_regx_control_id(const struct vx_regx_change_rec *c, char *buf, size_t len);

/* The NVR file's column header line (without the line break; static). */
const char *vx_nvr_header(void);
/* Append the NVR record of change `c` (one line ending in "\n") to `out`. Fields with a
 * ';', '"' or line break are quoted RFC 4180 style. */
enum vx_status vx_nvr_row(const struct vx_regx_change_rec *c, struct vx_buf *out);
/* Append the trailer line "#END;<count>;<sha256 hex>\n". */
enum vx_status vx_nvr_trailer(int64_t count, const char *sha256_hex, struct vx_buf *out);
/* The file name of an NVR batch: "NVR_<YYYYMMDD>_<day_no:04>.csv" into buf. */
char *vx_nvr_file_name(vx_day day, int day_no, char *buf, size_t len);

/*
 * The FHIR R4 Immunization of change `c` for the register: id = dose id, meta.versionId
 * = version, status entered-in-error for a void, patient a reference to
 * "Patient/<person id>" with the personnummer as identifier
 * (http://electronichealth.se/identifier/personnummer) when `with_pnr`. Memory from `a`.
 */
enum vx_status vx_regx_fhir_imm(const struct vx_regx_change_rec *c, bool with_pnr,
                                struct vx_arena *a, struct vx_fhir_immunization *out,
                                struct vx_err *err);
/*
 * The register's NDJSON line of change `c`: exactly the bytes of vx_regx_fhir_imm()
 * then vx_fhir_imm_emit(pretty = false), then "\n", appended to `out` — written
 * directly (no cJSON, no arena) for the export path. On failure (VX_EINVAL: unknown
 * product, no administration time; VX_ENOMEM: `out` full) `out` is left as it was and
 * `err` says why (the same words as vx_regx_fhir_imm).
 */
enum vx_status vx_regx_fhir_line(const struct vx_regx_change_rec *c, bool with_pnr,
                                 struct vx_buf *out, struct vx_err *err);
/* The same for a dose read from the store (API answers: no personnummer). */
enum vx_status vx_regx_fhir_from_dose(const struct vx_dose_rec *d, const char *site_code,
                                      struct vx_arena *a, struct vx_fhir_immunization *out,
                                      struct vx_err *err);
/* The FHIR file name of a batch: "FHIR_Immunization_<YYYYMMDD>_<day_no:04>.ndjson". */
char *vx_fhir_file_name(vx_day day, int day_no, char *buf, size_t len);

/* ------------------------------------------------------------------ export */

struct vx_regx_export_opts {
    enum vx_regx_register reg;
    const char *out_dir;                       /* nvr, fhir: folder of the files (must exist) */
    vx_day day;                                /* nvr, fhir: the file's day */
    vx_time now;                               /* the clock (back-off schedule, timestamps) */
    const struct vx_regx_transport *transport; /* hl7 */
    struct vx_regx_policy policy;
    int64_t max_items; /* most changes taken this run (0 = all) */
    bool no_fsync;     /* benchmarks/tests on tmpfs: skip fsync of the file */
};

struct vx_regx_export_result {
    int64_t items;      /* changes taken from the change log this run */
    int64_t sent;       /* delivered (file records written, ACK AA) */
    int64_t retried;    /* sent again from the retry table */
    int64_t deferred;   /* now waiting for a retry (transport failure, AR) */
    int64_t rejected;   /* refused by the register (AE, AR with a data error) */
    int64_t failed;     /* given up after the most attempts */
    int64_t duplicates; /* the register said it had the message already */
    int files;          /* files written */
    char file[160];     /* the last file written (name only) */
};

/*
 * Export everything pending for register o->reg: for nvr/fhir first redo an
 * unfinished batch, then write one new file with every change after the cursor
 * (none when there is nothing new); for hl7 send the due retries, then every new
 * change. Safe to run again at any time and after a crash. The store handle must not
 * be inside a transaction. Errors: VX_EINVAL (options), VX_EIO (files; err names the
 * path), store errors. A transport failure is not an error of the run.
 */
enum vx_status vx_regx_export(struct vx_store *st, const struct vx_regx_export_opts *o,
                              struct vx_regx_export_result *res, struct vx_err *err);

/* ------------------------------------------------------------------ back-fill */

/* One historical dose read from a back-fill file (strings borrowed from the arena). */
struct vx_backfill_row {
    long line;           /* 1-based line of the record (VXU: the RXA segment) */
    const char *pnr;     /* as written (normalised on import) */
    const char *vaccine; /* catalogue code */
    const char *lot;     /* "" when unknown */
    int dose_number;     /* >= 1 */
    vx_time given_at;    /* the instant (date-only values: 12:00 local) */
    const char *site;    /* site code or "" */
    const char *kommun;  /* municipality code or "" */
    const char *vaccinator;
};

/* Called per row; a non-zero return stops the reader. */
typedef int (*vx_backfill_row_cb)(void *ctx, const struct vx_backfill_row *r);
/* Called per bad record: "line N: reason" (borrowed); non-zero stops. */
typedef int (*vx_backfill_bad_cb)(void *ctx, long line, const char *reason);

/*
 * Read a back-fill file (pure: no I/O). VXU when the text starts with "MSH" (one or
 * more messages, each starting at an MSH segment; each RXA of a message is one row),
 * else CSV with the header
 *   personnummer;vaccine;lot;dose_number;given_at;site;kommun;vaccinator
 * (';' or ','; given_at "YYYY-MM-DD" or RFC 3339). Rows go to `row`, malformed
 * records to `bad` (reason without the "line N: " prefix). Returns VX_OK when the
 * whole text was read (even with bad records), VX_EPARSE (err) when it cannot be read
 * at all (no header, binary data), or the callbacks' stop.
 */
enum vx_status vx_backfill_parse(const char *text, size_t len, struct vx_arena *a,
                                 vx_backfill_row_cb row, vx_backfill_bad_cb bad, void *ctx,
                                 struct vx_err *err);

struct vx_backfill_opts {
    bool skip_bad;     /* import the good rows of a file with bad ones */
    vx_day ref;        /* reference date for personnummer checks */
    vx_time now;       /* created_at of the doses */
    const char *actor; /* for the audit row ("cli:<user>") */
};
struct vx_backfill_result {
    long rows;       /* records read */
    long imported;   /* doses written (source 'backfill') */
    long duplicates; /* same person, vaccine, day and dose number already there */
    long bad;        /* refused records */
};

/*
 * Import one file's text: every row is resolved (person by personnummer, vaccine,
 * site, municipality) and de-duplicated against the doses table and the rows before
 * it, then written in one transaction. Without skip_bad the first bad row rolls back
 * the file and returns VX_EINVAL with err "line N: reason"; with it, bad rows are
 * counted and reported to `bad` (may be NULL). One audit row per file.
 */
enum vx_status vx_backfill_import(struct vx_store *st, const char *text, size_t len,
                                  const struct vx_backfill_opts *o, vx_backfill_bad_cb bad,
                                  void *bad_ctx, struct vx_backfill_result *res,
                                  struct vx_err *err);

#endif
