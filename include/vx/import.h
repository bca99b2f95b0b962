/*
 * import.h — CSV import of persons, sites, premises and reference data.
 *
 * Two layers:
 *
 *  1. A streaming CSV reader (`struct vx_csv_reader`) on top of vx_csv_split():
 *     large fread() buffer, records spanning lines inside quotes, UTF-8 BOM, CRLF,
 *     physical line numbers for messages and a hard maximum record length.
 *
 *  2. Importers, one table entry per kind of file (`enum vx_import_kind`). A run
 *     reads the header row (columns are matched by NAME, in any order), validates
 *     every row and writes the good ones inside ONE store transaction. Unless
 *     `skip_bad` is set, a single bad row makes the run roll back, so nothing is
 *     written; every bad row is still reported (one call of `on_error` per
 *     problem: line, column name, reason). With `skip_bad` the good rows are
 *     committed and the bad ones reported. One audit record is written per run
 *     (counts only, never a personnummer).
 *
 * The library prints nothing; the caller (the CLI) formats the errors as
 * `line N, column X: reason` and draws the progress bar from `on_progress`.
 */
#ifndef VX_IMPORT_H
#define VX_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "vx/csv.h"
#include "vx/date.h"
#include "vx/pnr.h"
#include "vx/status.h"
#include "vx/store.h"

/* ---------------------------------------------------------------- reader */

#define VX_CSV_READER_CHUNK     (1u << 20)  /* bytes per fread() */
#define VX_CSV_MAX_RECORD       (64u << 10) /* default hard maximum of one record */
#define VX_CSV_MAX_RECORD_LIMIT (16u << 20) /* largest max_record accepted */

/*
 * A streaming CSV reader over a caller-owned FILE. Caller-owned handle:
 * vx_csv_reader_init() ... vx_csv_reader_release(). Fields returned by
 * vx_csv_reader_next() point into the reader's buffer and stay valid only until
 * the next call.
 */
struct vx_csv_reader {
    FILE *f;            /* borrowed; never closed by the reader */
    char *buf;          /* owned read buffer */
    size_t cap;         /* usable bytes of buf (one more is allocated for a NUL) */
    size_t len;         /* bytes of buf filled */
    size_t pos;         /* start of the next record in buf */
    size_t max_record;  /* hard maximum bytes of one record */
    long long consumed; /* bytes of the file consumed so far (for progress) */
    long line;          /* physical line number (1-based) where the next record starts */
    long rec_line;      /* physical line where the current record starts */
    long rec_lines;     /* physical lines the current record spans */
    bool eof, started;  /* end of file seen; BOM check done */
    char sep;           /* field separator: ',' (default) or ';' */
    char *fields[VX_CSV_MAX_FIELDS]; /* current record's fields (borrowed from buf) */
    int nfields;
};

/*
 * Initialise `r` to read from `f` (borrowed; must stay open until release).
 * `max_record` 0 means VX_CSV_MAX_RECORD. Returns VX_ENOMEM when the buffer
 * cannot be allocated or max_record > VX_CSV_MAX_RECORD_LIMIT (r is then still
 * safe to release).
 */
enum vx_status vx_csv_reader_init(struct vx_csv_reader *r, FILE *f, size_t max_record);
/* Free the reader's buffer (not the FILE). Safe on a zeroed or failed reader. */
void vx_csv_reader_release(struct vx_csv_reader *r);

/*
 * Read and split the next record. A leading UTF-8 BOM is skipped; "\r\n" and "\n"
 * both end a line; a line break inside a quoted field continues the record. Empty
 * lines are skipped. On VX_OK, *got is true and r->fields[0..r->nfields) hold the
 * record (borrowed, NUL-terminated), r->rec_line its first physical line; *got
 * false means end of file.
 * Errors: VX_EINVAL for a malformed record (bad quoting, > VX_CSV_MAX_FIELDS
 * fields): `err` says which 1-based column, the record is skipped and the caller
 * may go on reading. VX_ENOMEM when a record is longer than max_record, VX_EIO on
 * a read error: both are fatal for the stream.
 */
enum vx_status vx_csv_reader_next(struct vx_csv_reader *r, bool *got, struct vx_err *err);

/* ------------------------------------------------------------- importers */

enum vx_import_kind {
    VX_IMPORT_PERSONS = 0,
    VX_IMPORT_SITES,
    VX_IMPORT_PREMISES,
    VX_IMPORT_REGIONS,        /* shared/data/se/regions.csv */
    VX_IMPORT_MUNICIPALITIES, /* shared/data/se/municipalities.csv */
    VX_IMPORT_KIND_COUNT
};

/* One column of an import file format (the single source for parsing and docs). */
struct vx_import_col {
    const char *name; /* header name, lower case */
    bool required;    /* the header must have it */
    const char *help; /* one line: format and default */
};

/* Plural noun of a kind ("persons", "sites", ...); static storage. */
const char *vx_import_kind_name(enum vx_import_kind k);
/* Column table of a kind: *n is set to its length; static storage. */
const struct vx_import_col *vx_import_columns(enum vx_import_kind k, int *n);

/*
 * One problem found in the input. `line` is the physical line where the record
 * starts (the header is line 1 unless preceded by blank lines); `column` is the
 * column's header name, or NULL when the problem is not about one column.
 * All pointers are borrowed and valid only during the callback.
 */
struct vx_import_error {
    long line;
    const char *column;
    const char *reason; /* English, e.g. "bad check digit: expected 4, got 5" */
};

/* Called for each problem; return non-zero to stop the run (it then fails with
 * VX_ECONFLICT and writes nothing). */
typedef int (*vx_import_error_cb)(void *ctx, const struct vx_import_error *e);
/* Called now and then with the bytes consumed, the file size (-1 if unknown) and
 * the data rows read so far, and once at the end. */
typedef void (*vx_import_progress_cb)(void *ctx, long long bytes, long long total, long long rows);
/* Resolve a risk code name (borrowed, trimmed) to its bit 0..VX_RISK_MAX-1, or
 * return -1 when unknown. */
typedef int (*vx_risk_resolve_cb)(void *ctx, const char *name);

/* A municipality known to the importer (caller-given table; see opts). */
struct vx_import_kommun {
    char code[5];
    char region[3];
};

struct vx_import_opts {
    bool skip_bad;  /* commit the good rows even if some are bad */
    bool caller_tx; /* the caller holds an open transaction: no begin/commit/rollback,
                       no bulk mode; on a bad row the run returns its error and the
                       caller must roll back */
    int bulk;       /* store bulk mode: 0 = when the file is 1 MiB or larger, 1 = on, -1 = off */
    bool synthetic; /* mark imported persons as synthetic (demo data) */
    struct vx_pnr_opts pnr;          /* personnummer options (reference date for the century) */
    vx_risk_resolve_cb risk_resolve; /* NULL: any non-empty risk value is an error */
    void *risk_ctx;
    vx_import_error_cb on_error; /* NULL: problems are only counted */
    void *error_ctx;
    vx_import_progress_cb on_progress; /* may be NULL */
    void *progress_ctx;
    /* Municipalities to validate against (borrowed for the run). NULL: each code
     * is looked up once in the store and remembered (never one query per row). */
    const struct vx_import_kommun *kommuner;
    int n_kommuner;
    const char *actor; /* audit actor, e.g. "cli:alice"; NULL = "import" */
    vx_time now;       /* audit timestamp; 0 = the current time */
    size_t max_record; /* 0 = VX_CSV_MAX_RECORD */
};

/* Defaults: all-or-nothing, bulk auto, pnr options for `ref`. */
struct vx_import_opts vx_import_opts_default(vx_day ref);

struct vx_import_result {
    long long rows;     /* data records read */
    long long imported; /* rows written (0 when the run rolled back) */
    long long rejected; /* bad rows */
    long long problems; /* problems reported (a row may have several) */
    bool committed;     /* the transaction was committed */
};

/*
 * Import the CSV file `path` (borrowed) of kind `kind` into `st` (borrowed), with
 * the options `opts` (borrowed, required: start from vx_import_opts_default()).
 * `st` may be NULL to validate only (then municipality codes need opts->kommuner
 * and nothing is checked against stored data). `res` (may be NULL) receives the
 * counts. Returns:
 *   VX_OK       every row was good and all were written (or validated);
 *   VX_EINVAL   some rows were bad: reported through on_error; nothing was written
 *               unless opts->skip_bad, in which case the good rows were committed;
 *   VX_EPARSE   the file is unusable (empty, bad header, over-long record):
 *               reported through on_error too; nothing written;
 *   VX_ENOTFOUND / VX_EIO  the file cannot be opened / read; nothing written;
 *   VX_ESTORE, VX_ENOMEM   storage or memory failure; nothing written;
 *   VX_ECONFLICT  on_error asked to stop; nothing written.
 * `err` (may be NULL) gets a one-line summary of a failure (for VX_EINVAL and
 * VX_EPARSE it includes the first problem, for callers without on_error).
 */
enum vx_status vx_import_file(struct vx_store *st, enum vx_import_kind kind, const char *path,
                              const struct vx_import_opts *opts, struct vx_import_result *res,
                              struct vx_err *err);

/*
 * As vx_import_file() on an open stream `f` (borrowed, not closed). `name`
 * (borrowed, may be NULL) names the source in the audit record; `size` is the
 * stream length for progress and bulk mode, or -1 when unknown.
 */
enum vx_status vx_import_stream(struct vx_store *st, enum vx_import_kind kind, FILE *f,
                                const char *name, long long size, const struct vx_import_opts *opts,
                                struct vx_import_result *res, struct vx_err *err);

/*
 * Load the reference data used by `vaxchain init`: `dir`/regions.csv (21 rows)
 * and `dir`/municipalities.csv (290 rows), both in one transaction (or in the
 * caller's, with opts->caller_tx). All or nothing: skip_bad is ignored. `opts`
 * may be NULL for defaults; `res` (may be NULL) gets two results, regions first.
 */
enum vx_status vx_import_reference(struct vx_store *st, const char *dir,
                                   const struct vx_import_opts *opts,
                                   struct vx_import_result res[2], struct vx_err *err);

/* ------------------------------------------------- value parsers (pure) */

/* Boolean cell: "" (-> `def`), 0/1, true/false, ja/nej, yes/no (any case). */
enum vx_status vx_import_parse_bool(const char *s, bool def, bool *out);
/* "HH:MM" (00:00..24:00) to minutes after midnight. */
enum vx_status vx_import_parse_hhmm(const char *s, int *minute);
/* Weekday set: "mon-fri", "1-5", "mon,wed,sat", Swedish "mån-fre"; bit 0 = Monday. */
enum vx_status vx_import_parse_weekdays(const char *s, uint8_t *mask);

#endif
