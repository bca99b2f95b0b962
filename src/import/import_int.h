/*
 * import_int.h — private interface of the import module.
 *
 * run.c owns the generic part of an import run (header mapping, the transaction,
 * error reporting, audit, progress); each kind of file is one `struct import_kind`
 * table entry defined next to its row validator (persons.c, sites.c, reference.c).
 * A row validator reads the current row's cells with run_val(), reports each
 * problem with run_problem() and, when the row is good and a store is attached,
 * writes it.
 */
#ifndef VX_IMPORT_INT_H
#define VX_IMPORT_INT_H

#include "vx/arena.h"
#include "vx/import.h"

struct import_run;

struct import_kind {
    enum vx_import_kind kind;
    const char *name;   /* "persons" */
    const char *action; /* audit action, "person.import" */
    const char *table;  /* store table the rows go to (for count()) */
    const struct vx_import_col *cols;
    int ncols;
    /* Validate (and write) the current row. Returns VX_OK, VX_EINVAL when the row is
     * bad (problems already reported), or a fatal status with r->err set. */
    enum vx_status (*row)(struct import_run *r);
};

extern const struct import_kind import_kind_persons;
extern const struct import_kind import_kind_sites;
extern const struct import_kind import_kind_premises;
extern const struct import_kind import_kind_regions;
extern const struct import_kind import_kind_municipalities;

/* Set of 64-bit keys with a line number each (duplicate personnummer in a file). */
struct key_set {
    uint64_t *slots; /* owned; 0 = empty, else (key + 1) << 31 | line */
    size_t cap;      /* power of two */
    size_t n;
};

/* Set of short strings with a line number each (duplicate codes in a file). */
struct str_set {
    struct str_slot {
        const char *s; /* in `arena` */
        long line;
    } * slots;
    size_t cap, n;
    struct vx_arena arena;
};

/* Municipality cache states (indexed by the 4-digit code). */
enum { KOMMUN_UNSEEN = 0, KOMMUN_KNOWN = 1, KOMMUN_ABSENT = 2 };

struct import_run {
    struct vx_store *st; /* borrowed, may be NULL (validate only) */
    const struct vx_import_opts *o;
    const struct import_kind *kind;
    struct vx_err *err;
    struct vx_csv_reader rd;
    int nheader;                         /* fields in the header row */
    int field_col[VX_CSV_MAX_FIELDS];    /* header field -> column index */
    const char *vals[VX_CSV_MAX_FIELDS]; /* column index -> cell ("" when absent) */
    bool present[VX_CSV_MAX_FIELDS];     /* column index -> in the header */
    long line;                           /* line of the current row */
    bool row_bad;                        /* a problem was reported for the current row */
    bool stop;                           /* on_error asked to stop */
    bool doomed;      /* the store refused a write: the transaction cannot commit */
    int64_t existing; /* rows already in the kind's table when the run began (0 if no store) */
    struct vx_import_result res;
    char first[160]; /* the first problem, for err->msg */
    /* municipality code -> state and region */
    unsigned char kstate[10000];
    char kregion[10000][3];
    struct key_set pnrs;
    struct str_set codes;
    const bool *regions_known; /* [100] regions loaded earlier in the same call, or NULL */
    bool *regions_seen;        /* [100] filled by the regions importer, or NULL */
};

/* Cell of column `col` of the current row (never NULL; "" when the column is absent). */
static inline const char *run_val(const struct import_run *r, int col)
{
    return r->vals[col];
}

/* Report a problem with column `col` (-1: the whole row) of the current row. */
void run_problem(struct import_run *r, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A fatal store failure while writing the current row: sets r->err, returns `s`. */
enum vx_status run_store_fail(struct import_run *r, enum vx_status s, const char *what);

/*
 * Outcome of a store write `s` for the current row. A refused write (VX_EEXIST,
 * VX_EINVAL) is reported against `col` and returns VX_EINVAL; since the store dooms
 * a transaction in which a write failed, the run then writes nothing more and
 * cannot commit (importers check for duplicates first so that this stays rare).
 * Other failures are fatal.
 */
enum vx_status run_put_result(struct import_run *r, enum vx_status s, int col, const char *what);

/* Region of municipality code `s` (4 digits) into region[3]; reports the problem
 * against column `col` and returns VX_EINVAL when unknown or malformed; fatal
 * store errors are returned as they are. */
enum vx_status run_kommun(struct import_run *r, int col, const char *s, char region[3]);

/* Copy a required or optional text cell into dst[cap] after checking UTF-8, control
 * characters and length. Reports problems against `col`. */
bool run_text(struct import_run *r, int col, const char *s, char *dst, size_t cap, bool required);
/* Strict integer in [lo, hi]. */
bool run_int(struct import_run *r, int col, const char *s, long lo, long hi, int *out);
/* A code of 1..cap-1 characters from [A-Za-z0-9._-]; reports the problem. */
bool run_code(struct import_run *r, int col, const char *s, char *dst, size_t cap);
/* `n` ASCII digits exactly. */
bool run_digits(const char *s, size_t n);
/* Note `s` (code) as seen on this line; reports a duplicate against `col`. */
bool run_unique(struct import_run *r, int col, const char *s);

/* Key sets. */
void key_set_release(struct key_set *ks);
/* Insert `key` (< 2^33) seen on `line`. Returns 0 if new, the earlier line (>0) if
 * present (LONG_MAX-ish lines are saturated), -1 on OOM. */
long key_set_insert(struct key_set *ks, uint64_t key, long line);

void str_set_init(struct str_set *ss);
void str_set_release(struct str_set *ss);
/* 0 if new, the earlier line if present, -1 on OOM. */
long str_set_insert(struct str_set *ss, const char *s, long line);

#endif
