/*
 * sqlite_int.h — private parts of the SQLite backend of struct vx_store.
 *
 * Shared by the backend (sqlite_store.c), its migrations (migrations.c) and the
 * SQLite-specific half of tests/store/test_store_sqlite.c. Nothing here is part
 * of the public storage interface: modules use include/vx/store.h only.
 */
#ifndef VX_STORE_SQLITE_INT_H
#define VX_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include "vx/status.h"
#include "vx/store.h"
#include "vx/store_care.h"
#include "vx/store_ledger.h"
#include "vx/store_muni.h"
#include "vx/store_plan.h"
#include "vx/store_regx.h"
#include "vx/store_report.h"
#include "vx/store_stats.h"

/* One schema step: applied once, in order, inside its own transaction. */
struct sq_migration {
    int version;      /* 1, 2, 3, ... without gaps */
    const char *name; /* short description, stored in schema_migrations */
    const char *sql;  /* one or more statements (SQLite dialect) */
};

/* The migrations of this build (static storage); *n gets their count. */
const struct sq_migration *sq_migrations(int *n);

/*
 * Bring the database `db` (borrowed) up to the last entry of `m[0..n)`:
 * creates schema_migrations if needed, fails with VX_ESTORE when the database
 * records a version newer than m[n-1].version ("written by a newer vaxchain"),
 * otherwise applies each missing step in its own BEGIN IMMEDIATE transaction
 * (re-checking the version inside it, so two processes opening the same new
 * file at once do not both apply a step). A failing step is rolled back and
 * leaves the database at the previous version. *version (may be NULL) gets the
 * version the database is at afterwards. The public open path passes
 * sq_migrations(); tests pass their own tables.
 */
enum vx_status sq_migrate(sqlite3 *db, const struct sq_migration *m, int n, int *version,
                          struct vx_err *err);

/* Highest version recorded in schema_migrations of `db`; 0 for an empty
 * database, negative VX_ESTORE when it cannot be read. */
int sq_schema_version(sqlite3 *db);

/* Name of the registered VFS that gathers WAL writes (walbuf.c); NULL if it could
 * not be registered (then the default VFS is used). */
const char *sq_walbuf_vfs(void);

/* The connection behind a store opened by vx_store_open_sqlite (borrowed; for
 * the backend's own tests, e.g. to read PRAGMAs). NULL for another backend. */
sqlite3 *sq_store_db(struct vx_store *st);

/* ---- toolkit of the sub-backends ----------------------------------------------
 *
 * Each module's storage (struct vx_store_<module>_ops, include/vx/store_<module>.h)
 * is implemented by its own file here (care.c, regx.c, stats.c, report.c, muni.c,
 * ledger.c, plan.c) with these helpers, so that it keeps the main backend's
 * rules: cached statements, error mapping, a failed write dooming the open
 * transaction, and no SQLite message containing a personnummer.
 */

/* The cached statement for `sql` (a string with static storage: it is cached
 * under its address), reset and ready for binding, in *q (borrowed). */
enum vx_status sq_prep(struct vx_store *st, const char *sql, const char *what, sqlite3_stmt **q);
/* sq_prep for a write: refuses (VX_ECONFLICT) when SQLite rolled the caller's
 * transaction back behind its back. */
enum vx_status sq_write_prep(struct vx_store *st, const char *sql, const char *what,
                             sqlite3_stmt **q);
/* Step the write `q` whose binds gave `rc` (SQLITE_OK when they all worked),
 * convert a failure into a status and st->err, reset q. */
enum vx_status sq_finish(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what);
/* Convert SQLite failure `rc` of `what` into a status (and st->err); a failed
 * write inside a transaction dooms it. */
enum vx_status sq_error(struct vx_store *st, int rc, bool write, const char *what);
/* Step the prepared one-row read `q` whose binds gave `rc` (SQLITE_OK when they all
 * worked): on a row fill(q, out) and VX_OK; without one VX_ENOTFOUND with "<what> not
 * found" in st->err (callers may set a more specific message); reset q. */
enum vx_status sq_one_row(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what,
                          void (*fill)(sqlite3_stmt *q, void *out), void *out);
/* Set st->err from the format and return `status`. */
enum vx_status sq_set_err(struct vx_store *st, enum vx_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Run write SQL without parameters (sqlite3_exec) under the write rules above. */
enum vx_status sq_exec_write(struct vx_store *st, const char *sql, const char *what);
/* Prepare `sql` afresh (so `row` may use the handle again), call bind(ctx, q)
 * when non-NULL (returns an SQLite code), then row(ctx, q) per row until it
 * returns non-zero. */
enum vx_status sq_each(struct vx_store *st, const char *sql, const char *what,
                       int (*bind)(void *ctx, sqlite3_stmt *q),
                       int (*row)(void *ctx, sqlite3_stmt *q), void *ctx);
/* Bind a fixed-size char array that may fill its whole size without a NUL. */
int sq_bind_text(sqlite3_stmt *q, int i, const char *text, size_t size);
/* Copy column i into dst[size] (always NUL-terminated, truncated if too long). */
void sq_copy_col(sqlite3_stmt *q, int i, char *dst, size_t size);
/* Dates are stored as integers YYYYMMDD. */
int sq_ymd(vx_day d);
vx_day sq_day(int ymd); /* 0 for an invalid value */
/* True inside an explicit begin()/commit(). */
bool sq_in_tx(struct vx_store *st);

/* Every dose read selects these columns, in this order, for sq_dose_from_row(). */
#define SQ_DOSE_COLS                                                                               \
    "id, person_id, region_code, vaccine_code, lot_number, dose_number, given_at, "                \
    "coalesce(site_id, 0), vaccinator, source, created_at, coalesce(kommun_code, ''), "            \
    "coalesce(booking_id, 0), coalesce(lot_id, 0), coalesce(vial_id, 0), injection_site, status, " \
    "version, updated_at, void_reason"
void sq_dose_from_row(sqlite3_stmt *q, struct vx_dose_rec *d);

/* The sub-backends (one file each) and their migrations (migrations.c). */
extern const struct vx_store_care_ops sq_care_ops;
extern const struct vx_store_regx_ops sq_regx_ops;
extern const struct vx_store_stats_ops sq_stats_ops;
extern const struct vx_store_report_ops sq_report_ops;
extern const struct vx_store_muni_ops sq_muni_ops;
extern const struct vx_store_ledger_ops sq_ledger_ops;
extern const struct vx_store_plan_ops sq_plan_ops;
extern const char sq_schema_care[], sq_schema_regx[], sq_schema_stats[], sq_schema_report[],
    sq_schema_muni[], sq_schema_ledger[], sq_schema_plan[];

#endif
