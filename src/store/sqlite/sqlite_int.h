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

/* The connection behind a store opened by vx_store_open_sqlite (borrowed; for
 * the backend's own tests, e.g. to read PRAGMAs). NULL for another backend. */
sqlite3 *sq_store_db(struct vx_store *st);

#endif
