/*
 * sqlite_store.c — the SQLite backend of struct vx_store.
 *
 * One handle is one SQLite connection opened in WAL mode with
 * synchronous=FULL (a commit is on disk when it returns) and foreign keys on.
 * Opening runs the versioned migrations of migrations.c, so every handle sees
 * the schema this build expects or the open fails.
 *
 * Statements. Every operation's SQL is a fixed string in the `stmt_sql` table;
 * it is prepared once per handle on first use (SQLITE_PREPARE_PERSISTENT) and
 * then only reset and re-bound, with SQLITE_STATIC binds straight from the
 * caller's borrowed structs (the statement is reset before the call returns, so
 * SQLite never reads those pointers later). person_foreach prepares its own
 * statement per call so that a callback may use the handle again, even for a
 * nested foreach. count() accepts only table names from a compile-time list;
 * no caller text is ever spliced into SQL.
 *
 * Transactions. Outside vx_store_begin()/commit() each write is one statement
 * in SQLite's implicit (autocommit) transaction. begin/commit/rollback map to
 * BEGIN IMMEDIATE/COMMIT/ROLLBACK; IMMEDIATE takes the write lock up front so
 * that a transaction never fails half-way with SQLITE_BUSY on its first write.
 * A write that fails inside a transaction dooms it: commit then rolls back and
 * returns VX_ECONFLICT. That is what PostgreSQL does after any error in a
 * transaction, so callers see the same all-or-nothing behaviour on both
 * backends. If SQLite itself had to roll the transaction back (I/O error, out of
 * memory), later writes are refused rather than silently autocommitted.
 *
 * Errors. SQLite result codes become enum vx_status at this boundary:
 * UNIQUE/PRIMARY KEY -> VX_EEXIST, FOREIGN KEY -> VX_EINVAL with a message that
 * names the fields (SQLite's own message does not), CHECK/NOT NULL/type ->
 * VX_EINVAL, BUSY/LOCKED -> VX_EBUSY, NOMEM -> VX_ENOMEM, anything else ->
 * VX_ESTORE; the message (with sqlite3_errmsg) goes to st->err. Messages never
 * contain a personnummer.
 *
 * Threads. A handle is for one thread at a time: it is opened with
 * SQLITE_OPEN_NOMUTEX and keeps per-handle state (statement cache, transaction
 * flags) without locks. It may be handed to another thread between calls (the
 * booking writer thread will own its own handle); concurrent readers open their
 * own handles, which WAL lets run beside the writer.
 *
 * Bulk mode. bulk_mode(true) sets synchronous=NORMAL (in WAL mode: still atomic
 * and never corrupt, only the last commits may be lost on power failure), a
 * 1 GiB page cache and in-memory temp storage; bulk_mode(false) restores FULL
 * and checkpoints the WAL (TRUNCATE) so the bulk data is durable in the main
 * file and the WAL does not stay gigabytes large. Called inside a transaction,
 * the cache changes at once and the rest when the transaction ends (SQLite
 * refuses to change synchronous inside one). A transaction in bulk mode that
 * starts putting persons into an EMPTY persons table drops the table's indexes
 * and builds them at commit (defer_person_indexes() says why and how); then a
 * duplicate number is reported by commit (VX_EEXIST, the load rolled back)
 * rather than by person_put, and person_get inside that transaction scans.
 * Measured on the 2-core development machine, release build: 10.4 million
 * persons in one transaction take about 13 s of person_put calls plus 20 s of
 * commit (index builds, WAL write), against about 50 s when the indexes are
 * maintained row by row.
 *
 * Deferred sync. defer_sync(true) is for a single writer that confirms its commits
 * itself (the booking engine's pipelined group commit): synchronous=NORMAL, so
 * COMMIT returns once the transaction's frames are written to the WAL (atomic and
 * consistent after a crash or power loss; checkpoints still sync the WAL before
 * copying and the main file after), and sync() then forces the WAL to disk with
 * fdatasync on a descriptor of its own: every commit that returned before sync()
 * began is durable when it returns. sync() touches no SQLite state, so another
 * thread may run it while this handle runs the next transaction. The descriptor is
 * opened read-only on "<path>-wal" and never closed while the handle lives (no POSIX
 * lock of SQLite's is on that file; closing it could not release one anyway); a WAL
 * that was unlinked and re-created (st_nlink 0) is opened again.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sqlite_int.h"
#include "vx/store.h"

/*
 * Page size of new database files. A booking writes its rows and index entries at
 * a few places in the tables (its slots, the person's index entries), and each
 * commit logs every page it changed whole: with 2,048-byte pages a booking logs
 * ~8.5 KB instead of ~13 KB with SQLite's default 4,096, and the storm runs ~7 %
 * faster (docs/benchmarks.md, where the dose and statistics benchmarks were
 * measured again with it).
 */
#define PAGE_SIZE_NEW "2048"

#define CACHE_KIB_NORMAL 16384   /* page cache of an ordinary handle */
#define CACHE_KIB_WRITER 131072  /* of vx_store_open_sqlite_writer's (grows as used) */
#define CACHE_KIB_BULK   1048576 /* page cache during bulk loads (1 GiB, allocated lazily) */
#define BUSY_TIMEOUT_MS  5000
#define CACHE_KIB_SORT   65536 /* page cache of a load with deferred indexes, see there */
#define MAX_DEFERRED     8     /* indexes of persons that a bulk load may defer */

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_REGION_PUT,
    ST_KOMMUN_PUT,
    ST_KOMMUN_GET,
    ST_PERSON_PUT,
    ST_PERSON_GET,
    ST_SITE_INSERT,
    ST_SITE_UPDATE,
    ST_SITE_GET,
    ST_PREMISES_INSERT,
    ST_PREMISES_UPDATE,
    ST_VACCINE_PUT,
    ST_AUDIT_APPEND,
    ST_REGION_SUMMARY,
    /* booking (schema version 2) */
    ST_PERSON_GET_ID,
    ST_SUPPLY_PUT,
    ST_SLOT_PUT,
    ST_SLOT_BOOK,
    ST_BOOKING_PUT,
    ST_BOOKING_STATUS,
    ST_DOSE_COUNT,
    ST_DOSE_LAST,
    ST_COHORT_PUT,
    ST_REQUEST_GET,
    ST_REQUEST_GET_BOOKED,
    ST_REQUEST_PUT,
    ST_INVITE_PUT,
    ST_INVITE_GET,
    ST_INVITE_USE,
    /* doses */
    ST_DOSE_PUT,
    ST_DOSE_LIST,
    ST_COUNT
};

/* Column list shared by every person read; person_from_row() follows its order. */
#define PERSON_COLS                                                                                \
    "id, region_code, kommun_code, birth_date, residence, risk, flags, pnr, pnr_kind, sex, "       \
    "birth_unknown, deso, given_name, family_name, synthetic"

#define SITE_COLS                                                                                  \
    "id, code, name, region_code, kommun_code, kind, address, stations, minutes_per_dose, "        \
    "open_minute, close_minute, weekdays"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_REGION_PUT] = "INSERT INTO regions (code, name, short_name) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                      "short_name = excluded.short_name",
    [ST_KOMMUN_PUT] = "INSERT INTO municipalities (code, name, region_code) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                      "region_code = excluded.region_code",
    [ST_KOMMUN_GET] = "SELECT code, name, region_code FROM municipalities WHERE code = ?1",
    [ST_PERSON_PUT] = "INSERT INTO persons (region_code, kommun_code, birth_date, residence, risk, "
                      "flags, pnr, pnr_kind, sex, birth_unknown, deso, given_name, family_name, "
                      "synthetic, created_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_PERSON_GET] = "SELECT " PERSON_COLS " FROM persons WHERE pnr = ?1",
    [ST_SITE_INSERT] = "INSERT INTO sites (code, name, region_code, kommun_code, kind, address, "
                       "stations, minutes_per_dose, open_minute, close_minute, weekdays, "
                       "created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_SITE_UPDATE] = "UPDATE sites SET code = ?1, name = ?2, region_code = ?3, kommun_code = ?4, "
                       "kind = ?5, address = ?6, stations = ?7, minutes_per_dose = ?8, "
                       "open_minute = ?9, close_minute = ?10, weekdays = ?11 WHERE id = ?13",
    [ST_SITE_GET] = "SELECT " SITE_COLS " FROM sites WHERE code = ?1",
    [ST_PREMISES_INSERT] = "INSERT INTO premises (code, region_code, kommun_code, name, address, "
                           "capacity_per_day, accessible, available_from, available_to, "
                           "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_PREMISES_UPDATE] = "UPDATE premises SET code = ?1, region_code = ?2, kommun_code = ?3, "
                           "name = ?4, address = ?5, capacity_per_day = ?6, accessible = ?7, "
                           "available_from = ?8, available_to = ?9 WHERE id = ?11",
    [ST_VACCINE_PUT] =
        "INSERT INTO vaccines (code, name, json, updated_at) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO UPDATE SET "
        "name = excluded.name, json = excluded.json, updated_at = excluded.updated_at",
    [ST_AUDIT_APPEND] = "INSERT INTO audit_log (at, actor, role, action, object, region_code, "
                        "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* ?1/?2: latest birth date of an 18/80-year-old at the reference date (YYYYMMDD);
     * ?3..?7: residence codes; ?8: the care-staff flag bit. */
    [ST_REGION_SUMMARY] =
        "SELECT r.code, r.name, coalesce(p.n, 0), coalesce(p.adults, 0), coalesce(p.a80, 0), "
        "  coalesce(p.r0, 0), coalesce(p.r1, 0), coalesce(p.r2, 0), coalesce(p.r3, 0), "
        "  coalesce(p.r4, 0), coalesce(p.risk, 0), coalesce(p.staff, 0), "
        "  (SELECT count(*) FROM sites s WHERE s.region_code = r.code), "
        "  (SELECT count(*) FROM municipalities m WHERE m.region_code = r.code) "
        "FROM regions r LEFT JOIN ("
        "  SELECT region_code, count(*) AS n, sum(birth_date <= ?1) AS adults, "
        "    sum(birth_date <= ?2) AS a80, sum(residence = ?3) AS r0, sum(residence = ?4) AS r1, "
        "    sum(residence = ?5) AS r2, sum(residence = ?6) AS r3, sum(residence = ?7) AS r4, "
        "    sum(risk <> 0) AS risk, sum((flags & ?8) <> 0) AS staff "
        "  FROM persons GROUP BY region_code) p ON p.region_code = r.code "
        "ORDER BY r.code",
    [ST_PERSON_GET_ID] = "SELECT " PERSON_COLS " FROM persons WHERE id = ?1",
    [ST_SUPPLY_PUT] = "INSERT INTO site_supply (site_id, vaccine_code, iso_week, allocated, "
                      "delivered, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                      "ON CONFLICT (site_id, vaccine_code, iso_week) DO UPDATE SET "
                      "allocated = excluded.allocated, delivered = excluded.delivered, "
                      "updated_at = excluded.updated_at",
    [ST_SLOT_PUT] = "INSERT INTO slots (site_id, region_code, day, start_minute, minutes, "
                    "vaccine_code, capacity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_SLOT_BOOK] = "UPDATE slots SET booked = booked + ?2 WHERE id = ?1",
    [ST_BOOKING_PUT] = "INSERT INTO bookings (person_id, region_code, slot_id, dose_number, "
                       "pair_id, status, channel, agent_id, created_at, updated_at, "
                       "idempotency_key, idem_op) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)",
    [ST_BOOKING_STATUS] = "UPDATE bookings SET status = ?2, updated_at = ?3 WHERE id = ?1",
    /* dose_last: the count first (an index range, no sorter): most callers (every
     * booking of a first dose) stop there; no window function (count(*) OVER () built
     * a temporary B-tree on every call) */
    [ST_DOSE_COUNT] = "SELECT count(*) FROM doses WHERE person_id = ?1 AND status = 'valid'",
    [ST_DOSE_LAST] = "SELECT dose_number, vaccine_code, given_at FROM doses "
                     "WHERE person_id = ?1 AND status = 'valid' "
                     "ORDER BY dose_number DESC, given_at DESC LIMIT 1",
    [ST_COHORT_PUT] = "INSERT INTO cohorts (region_code, label, rule_ids, born_to, release_at, "
                      "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_REQUEST_GET] = "SELECT op, status, reason, booking1, booking2, slot1, slot2, start1, "
                       "start2, site_id, vaccine_code, msg_sv, msg_en, created_at, dose1, dose2 "
                       "FROM booking_requests WHERE person_id = ?1 AND idem_key = ?2",
    /* a successful keyed BOOK/REBOOK: its rows (by the person index, then the key) */
    [ST_REQUEST_GET_BOOKED] = "SELECT b.idem_op, b.id, b.slot_id, b.dose_number, s.site_id, "
                              "s.vaccine_code, s.day, s.start_minute, b.created_at "
                              "FROM bookings b JOIN slots s ON s.id = b.slot_id "
                              "WHERE b.person_id = ?1 AND b.idempotency_key = ?2 "
                              "ORDER BY b.dose_number LIMIT 2",
    [ST_REQUEST_PUT] = "INSERT INTO booking_requests (person_id, idem_key, op, status, reason, "
                       "booking1, booking2, slot1, slot2, start1, start2, site_id, vaccine_code, "
                       "msg_sv, msg_en, created_at, dose1, dose2) VALUES (?1, ?2, ?3, ?4, ?5, "
                       "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [ST_INVITE_PUT] = "INSERT INTO invitation_codes (person_id, region_code, code_hash, "
                      "created_at, expires_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_INVITE_GET] = "SELECT id, person_id, region_code, code_hash, created_at, expires_at, "
                      "coalesce(used_at, 0), created_by FROM invitation_codes "
                      "WHERE code_hash = ?1",
    [ST_INVITE_USE] = "UPDATE invitation_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
    [ST_DOSE_PUT] = "INSERT INTO doses (person_id, region_code, vaccine_code, lot_number, "
                    "dose_number, given_at, site_id, vaccinator, source, created_at, "
                    "kommun_code, booking_id, lot_id, vial_id, injection_site, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                    "?10)",
    [ST_DOSE_LIST] = "SELECT " SQ_DOSE_COLS " FROM doses "
                     "WHERE person_id = ?1 ORDER BY given_at, dose_number, id",
};

_Static_assert(VX_RES_COUNT == 5, "region summary SQL has one column per residence type");

/* count(): the only table names accepted, each with its fixed SQL. */
#define COUNT_ENTRY(t)                                                                             \
    {                                                                                              \
#t, "SELECT count(*) FROM " #t                                                             \
    }
static const struct {
    const char *table;
    const char *sql;
} count_sql[] = {
    COUNT_ENTRY(regions),     COUNT_ENTRY(municipalities), COUNT_ENTRY(persons),
    COUNT_ENTRY(sites),       COUNT_ENTRY(premises),       COUNT_ENTRY(vaccines),
    COUNT_ENTRY(lots),        COUNT_ENTRY(deliveries),     COUNT_ENTRY(delivery_revisions),
    COUNT_ENTRY(allocations), COUNT_ENTRY(slots),          COUNT_ENTRY(bookings),
    COUNT_ENTRY(doses),       COUNT_ENTRY(audit_log),      COUNT_ENTRY(schema_migrations),
    COUNT_ENTRY(site_supply), COUNT_ENTRY(cohorts),        COUNT_ENTRY(invitation_codes),
};

struct sq_store {
    struct vx_store base; /* first, so the public handle is this allocation */
    sqlite3 *db;
    int cache_kib;                /* page cache outside bulk loads: CACHE_KIB_NORMAL or _WRITER */
    _Atomic int log_pages;        /* pages in the log after the last commit (count_log) */
    sqlite3_stmt *stmt[ST_COUNT]; /* prepared on first use, finalized at close */
    bool in_tx;                   /* an explicit begin() is open */
    bool doomed;                  /* a write failed inside the open transaction */
    signed char bulk_pending;     /* bulk_mode() called inside a transaction: -1 none,
                                     else the mode to finish applying when it ends */
    bool bulk;                    /* bulk mode requested */
    bool idx_checked;             /* this transaction decided whether to defer persons indexes */
    int n_deferred;               /* persons indexes dropped in this transaction ... */
    char *deferred_sql[MAX_DEFERRED]; /* ... and their CREATE statements, run at commit */
    struct sq_extra *extra;           /* sub-backends' statements, see sq_prep() */
    int nextra, capextra;
    char *wal_path;         /* "<path>-wal" once defer_sync(true) was called, else NULL */
    int wal_fd;             /* its descriptor for sync(), -1 until opened */
    pthread_mutex_t wal_mu; /* guards wal_fd (sync() runs on another thread) */
};

/* A statement of a sub-backend, cached under the address of its SQL text. */
struct sq_extra {
    const char *sql;
    sqlite3_stmt *q;
};

static const struct vx_store_ops sqlite_ops;

static struct sq_store *sq(struct vx_store *st)
{
    return st->impl;
}

static void set_cache(struct sq_store *s, int kib)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
    sqlite3_exec(s->db, sql, NULL, NULL, NULL); /* a hint: failure only costs speed */
}

/* Forget the CREATE statements of deferred indexes (see defer_person_indexes). */
static void free_deferred(struct sq_store *s)
{
    for (int i = 0; i < s->n_deferred; i++)
        sqlite3_free(s->deferred_sql[i]);
    s->n_deferred = 0;
}

static void set_err(struct sq_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct sq_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->base.err, sizeof s->base.err, fmt, ap);
    va_end(ap);
}

/*
 * Convert the SQLite failure `rc` (extended code) of operation `what` into a
 * status and a message. `fk_fmt` (may be NULL) describes a foreign-key failure
 * in terms of the caller's fields. A failed write inside a transaction dooms it.
 */
static enum vx_status sq_fail(struct sq_store *s, int rc, bool write, const char *what,
                              const char *fk_fmt, ...) __attribute__((format(printf, 5, 6)));
static enum vx_status sq_fail(struct sq_store *s, int rc, bool write, const char *what,
                              const char *fk_fmt, ...)
{
    enum vx_status st;
    const char *m = sqlite3_errmsg(s->db);
    if (write && s->in_tx)
        s->doomed = true;
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        set_err(s, "%s: already exists (%s)", what, m);
        return VX_EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        if (fk_fmt) {
            char buf[256];
            va_list ap;
            va_start(ap, fk_fmt);
            vsnprintf(buf, sizeof buf, fk_fmt, ap);
            va_end(ap);
            set_err(s, "%s: %s", what, buf);
        } else {
            set_err(s, "%s: refers to a row that does not exist (%s)", what, m);
        }
        return VX_EINVAL;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        st = VX_EINVAL;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        st = VX_EBUSY;
        break;
    case SQLITE_NOMEM:
        st = VX_ENOMEM;
        break;
    default:
        st = VX_ESTORE;
        break;
    }
    set_err(s, "%s: %s", what, m);
    return st;
}

/* The cached statement `id`, reset and ready for binding, in *q. */
static enum vx_status stmt(struct sq_store *s, enum stmt_id id, const char *what, sqlite3_stmt **q)
{
    if (!s->stmt[id]) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            *q = NULL;
            return sq_fail(s, rc, false, what, NULL);
        }
    }
    *q = s->stmt[id];
    return VX_OK;
}

/*
 * Refuse a write when SQLite has already rolled back the caller's explicit
 * transaction behind its back (I/O error, out of memory): without this check
 * the write would autocommit and break all-or-nothing.
 */
static enum vx_status write_check(struct sq_store *s, const char *what)
{
    if (s->in_tx && sqlite3_get_autocommit(s->db)) {
        s->doomed = true;
        set_err(s, "%s: the transaction was rolled back by the database; roll back and retry",
                what);
        return VX_ECONFLICT;
    }
    return VX_OK;
}

/* Step a write statement (it returns no rows); SQLITE_OK when it is done. */
static int step_done(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else if (rc == SQLITE_ROW)
        rc = SQLITE_MISUSE; /* a write statement never returns rows */
    return rc;
}

/* The cached statement `id` for a write (see write_check). */
static enum vx_status write_stmt(struct sq_store *s, enum stmt_id id, const char *what,
                                 sqlite3_stmt **q)
{
    enum vx_status vs = write_check(s, what);
    return vs != VX_OK ? vs : stmt(s, id, what, q);
}

/* Step the write `q` whose binds gave `rc`, convert a failure, reset it. */
static enum vx_status finish_write(struct sq_store *s, sqlite3_stmt *q, int rc, const char *what)
{
    if (rc == SQLITE_OK)
        rc = step_done(q);
    enum vx_status vs = rc == SQLITE_OK ? VX_OK : sq_fail(s, rc, true, what, NULL);
    sqlite3_reset(q);
    return vs;
}

/* Bind a fixed-size char array that may fill its whole size without a NUL. */
static int bind_text(sqlite3_stmt *q, int i, const char *s, size_t size)
{
    return sqlite3_bind_text(q, i, s, (int)strnlen(s, size), SQLITE_STATIC);
}

/* Copy column i into dst[size] (always NUL-terminated, truncated if too long). */
static void copy_col(sqlite3_stmt *q, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(q, i) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static int ymd_int(vx_day d)
{
    struct vx_ymd t = vx_ymd_from_day(d);
    return t.year * 10000 + t.month * 100 + t.day;
}

static vx_day day_of_ymd_int(int v)
{
    int y = v / 10000, m = v / 100 % 100, d = v % 100;
    return vx_ymd_valid(y, m, d) ? vx_day_from_ymd(y, m, d) : 0;
}

/* ---- life cycle and transactions ---------------------------------------- */

static void sq_close(struct vx_store *st)
{
    struct sq_store *s = sq(st);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    for (int i = 0; i < s->nextra; i++)
        sqlite3_finalize(s->extra[i].q);
    free(s->extra);
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); /* uncommitted work is discarded */
    sqlite3_close(s->db);
    free_deferred(s);
    if (s->wal_fd >= 0)
        close(s->wal_fd);
    free(s->wal_path);
    pthread_mutex_destroy(&s->wal_mu);
    free(s);
}

static enum vx_status exec_stmt(struct sq_store *s, enum stmt_id id, const char *what)
{
    sqlite3_stmt *q;
    enum vx_status vs = stmt(s, id, what, &q);
    if (vs != VX_OK)
        return vs;
    int rc = step_done(q);
    enum vx_status st = rc == SQLITE_OK ? VX_OK : sq_fail(s, rc, false, what, NULL);
    sqlite3_reset(q);
    return st;
}

/*
 * Apply bulk mode `on`. Inside a transaction SQLite refuses to change
 * synchronous and temp_store, so then only the cache size changes at once and
 * the rest (and the checkpoint) waits for the end of the transaction.
 */
static enum vx_status apply_bulk(struct sq_store *s, bool on)
{
    char sql[200];
    int len =
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", on ? CACHE_KIB_BULK : s->cache_kib);
    s->bulk = on;
    if (s->in_tx) {
        s->bulk_pending = on;
    } else {
        snprintf(sql + len, sizeof sql - (size_t)len,
                 "; PRAGMA synchronous = %s; PRAGMA temp_store = %s", on ? "NORMAL" : "FULL",
                 on ? "MEMORY" : "DEFAULT");
        s->bulk_pending = -1;
    }
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        set_err(s, "bulk mode: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return VX_ESTORE;
    }
    /* Leaving bulk mode: a TRUNCATE checkpoint copies the WAL into the main file
     * with synchronous=FULL, so the bulk data is durable, and empties the WAL.
     * Best effort: SQLITE_BUSY (a reader holds an old snapshot) leaves the WAL
     * for a later checkpoint; the data is committed either way. */
    if (!on && !s->in_tx)
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return VX_OK;
}

/*
 * The explicit transaction is over (committed or rolled back). Finishing a
 * pending bulk_mode() change only sets pragmas; its failure (st->err says why)
 * does not change the outcome of the transaction, so callers ignore it.
 */
static void tx_ended(struct sq_store *s)
{
    s->in_tx = false;
    s->doomed = false;
    if (s->idx_checked) { /* undo the small cache of a load with deferred indexes */
        free_deferred(s);
        set_cache(s, s->bulk ? CACHE_KIB_BULK : s->cache_kib);
        s->idx_checked = false;
    }
    if (s->bulk_pending >= 0)
        apply_bulk(s, s->bulk_pending);
}

static enum vx_status sq_begin(struct vx_store *st)
{
    struct sq_store *s = sq(st);
    if (s->in_tx) {
        set_err(s, "begin: a transaction is already open");
        return VX_ECONFLICT;
    }
    enum vx_status rc = exec_stmt(s, ST_BEGIN, "begin");
    if (rc == VX_OK) {
        s->in_tx = true;
        s->doomed = false;
    }
    return rc;
}

static enum vx_status sq_rollback(struct vx_store *st)
{
    struct sq_store *s = sq(st);
    enum vx_status rc = VX_OK;
    if (!s->in_tx)
        return VX_OK; /* nothing open: rollback is a harmless no-op for cleanup paths */
    if (!sqlite3_get_autocommit(s->db))
        rc = exec_stmt(s, ST_ROLLBACK, "rollback");
    tx_ended(s);
    return rc;
}

/*
 * Bulk loads into an empty persons table. Keeping the indexes of persons up to
 * date row by row costs a random-order B-tree insert into the unique pnr index
 * per person, and a statement journal per insert because more than one B-tree
 * changes; for a 10-million-person import that is most of the time. Building
 * each index once from a sort at the end is about twice as fast overall. So the
 * first person_put of a transaction in bulk mode, if persons is empty, notes the
 * CREATE statement of every index on persons (from sqlite_master, so indexes
 * added by later migrations are covered too) and drops them; commit creates
 * them again, the unique one first, before COMMIT. Both happen inside the
 * transaction: a duplicate number makes the build fail and the whole load is
 * rolled back, and a crash in between leaves the old state, indexes included.
 * Until commit, lookups of persons inside that transaction scan the table.
 */
static enum vx_status defer_person_indexes(struct sq_store *s)
{
    sqlite3_stmt *q = NULL;
    char *names[MAX_DEFERRED];
    int n = 0;
    s->idx_checked = true;
    int rc = sqlite3_prepare_v2(s->db, "SELECT EXISTS (SELECT 1 FROM persons)", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    bool empty = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sq_fail(s, rc, true, "person bulk load", NULL);
    if (!empty)
        return VX_OK; /* maintaining the indexes beats rebuilding large ones */

    /* unique indexes first, so a duplicate fails the commit before other work */
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = 'persons' AND sql IS NOT NULL "
                            "ORDER BY sql NOT LIKE 'CREATE UNIQUE%', name",
                            -1, &q, NULL);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        if (n == MAX_DEFERRED)
            continue; /* the rest stay and are maintained row by row */
        names[n] = sqlite3_mprintf("DROP INDEX \"%w\"", (const char *)sqlite3_column_text(q, 0));
        s->deferred_sql[n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 1));
        if (!names[n] || !s->deferred_sql[n]) {
            sqlite3_free(names[n]);
            sqlite3_free(s->deferred_sql[n]);
            rc = SQLITE_NOMEM;
            break;
        }
        n++;
    }
    sqlite3_finalize(q);
    enum vx_status vs = VX_OK;
    if (rc != SQLITE_DONE)
        vs = sq_fail(s, rc, true, "person bulk load", NULL);
    /* Drop in the same order; a drop that fails dooms the transaction, whose
     * rollback brings every index back. */
    for (int i = 0; i < n; i++) {
        if (vs == VX_OK) {
            rc = sqlite3_exec(s->db, names[i], NULL, NULL, NULL);
            if (rc != SQLITE_OK)
                vs = sq_fail(s, rc, true, "person bulk load", NULL);
            else
                s->n_deferred = i + 1;
        }
        sqlite3_free(names[i]);
    }
    for (int i = s->n_deferred; i < n; i++) {
        sqlite3_free(s->deferred_sql[i]);
        s->deferred_sql[i] = NULL;
    }
    /* With no index to keep hot, the load only appends to the table, and the
     * index builds at commit run faster with a small cache: SQLite sizes its
     * sorter's in-memory runs by it, and one 10-million-key run sorted as a
     * linked list misses the CPU caches on every step. tx_ended() restores it. */
    if (vs == VX_OK && s->n_deferred)
        set_cache(s, CACHE_KIB_SORT);
    return vs;
}

/* Recreate the deferred indexes (inside the transaction, before COMMIT). */
static enum vx_status build_deferred_indexes(struct sq_store *s)
{
    for (int i = 0; i < s->n_deferred; i++) {
        int rc = sqlite3_exec(s->db, s->deferred_sql[i], NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            continue;
        if (rc != SQLITE_CONSTRAINT_UNIQUE || !strstr(sqlite3_errmsg(s->db), "persons.pnr"))
            return sq_fail(s, rc, true, "person bulk load", NULL);
        /* Name the puts, not the number: ids count the puts of this load from 1. */
        sqlite3_stmt *q = NULL;
        long long a = 0, b = 0;
        if (sqlite3_prepare_v2(s->db,
                               "SELECT min(id), max(id) FROM persons GROUP BY pnr "
                               "HAVING count(*) > 1 LIMIT 1",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW) {
            a = sqlite3_column_int64(q, 0);
            b = sqlite3_column_int64(q, 1);
        }
        sqlite3_finalize(q);
        s->doomed = true;
        set_err(s,
                "person: already exists (the same personnummer was put twice in this bulk "
                "load: puts %lld and %lld); nothing was stored",
                a, b);
        return VX_EEXIST;
    }
    free_deferred(s);
    return VX_OK;
}

static enum vx_status sq_commit(struct vx_store *st)
{
    struct sq_store *s = sq(st);
    if (!s->in_tx) {
        set_err(s, "commit: no transaction is open");
        return VX_ECONFLICT;
    }
    if (s->doomed || sqlite3_get_autocommit(s->db)) {
        sq_rollback(st);
        set_err(s, "commit: transaction rolled back because a write in it failed");
        return VX_ECONFLICT;
    }
    if (s->n_deferred) {
        enum vx_status rc = build_deferred_indexes(s);
        if (rc != VX_OK) {
            char msg[sizeof s->base.err];
            memcpy(msg, s->base.err, sizeof msg);
            sq_rollback(st);
            memcpy(s->base.err, msg, sizeof msg);
            return rc;
        }
    }
    enum vx_status rc = exec_stmt(s, ST_COMMIT, "commit");
    if (rc == VX_OK) {
        tx_ended(s);
        return VX_OK;
    }
    if (sqlite3_get_autocommit(s->db))
        tx_ended(s); /* SQLite rolled it back: it is over, the commit error stands */
    return rc;
}

static int sq_schema_version_op(struct vx_store *st)
{
    return sq_schema_version(sq(st)->db);
}

static enum vx_status sq_bulk_mode(struct vx_store *st, bool on)
{
    return apply_bulk(sq(st), on);
}

static enum vx_status sq_defer_sync(struct vx_store *st, bool on)
{
    struct sq_store *s = sq(st);
    if (s->in_tx) {
        set_err(s, "defer_sync: inside a transaction");
        return VX_EINVAL;
    }
    const char *db_path = sqlite3_db_filename(s->db, "main");
    if (on && !s->wal_path && db_path && *db_path) {
        size_t n = strlen(db_path) + 5;
        if (!(s->wal_path = malloc(n))) {
            set_err(s, "defer_sync: out of memory");
            return VX_ENOMEM;
        }
        snprintf(s->wal_path, n, "%s-wal", db_path);
    }
    char *msg = NULL;
    if (sqlite3_exec(s->db, on ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL,
                     NULL, &msg) != SQLITE_OK) {
        set_err(s, "defer_sync: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return VX_ESTORE;
    }
    if (!on) /* commits from now on are synced by COMMIT; the earlier ones by this call */
        return st->ops->sync(st);
    return VX_OK;
}

/* The WAL hook of checkpoint_every(0) handles: count, never copy. */
static int count_log(void *ctx, sqlite3 *db, const char *schema, int pages)
{
    (void)db;
    (void)schema;
    atomic_store_explicit((_Atomic int *)ctx, pages, memory_order_relaxed);
    return SQLITE_OK;
}

static enum vx_status sq_checkpoint_every(struct vx_store *st, int pages)
{
    struct sq_store *s = sq(st);
    if (pages < 0) {
        set_err(s, "checkpoint_every: %d pages", pages);
        return VX_EINVAL;
    }
    if (pages > 0)
        sqlite3_wal_autocheckpoint(s->db, pages); /* also replaces a counting hook */
    else
        sqlite3_wal_hook(s->db, count_log, &s->log_pages);
    return VX_OK;
}

static int sq_log_pages(struct vx_store *st)
{
    return atomic_load_explicit(&sq(st)->log_pages, memory_order_relaxed);
}

static enum vx_status sq_checkpoint(struct vx_store *st, int *log, int *copied)
{
    struct sq_store *s = sq(st);
    int nlog = 0, ncopied = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
    if (log)
        *log = nlog;
    if (copied)
        *copied = ncopied;
    if (rc == SQLITE_BUSY) /* another checkpoint runs: not an error */
        return VX_OK;
    if (rc == SQLITE_OK && ncopied > 0 && ncopied < nlog &&
        !getenv("VX_NOPSYNC")) { /* EXPERIMENT */
        /* SQLite forces the main file to disk only when a checkpoint copied the whole
         * log; after a partial one (a writer kept adding) the copied pages are still
         * dirty and the final checkpoint, on the writer, would wait for all of them.
         * Force them out here, on the caller's thread. */
        sqlite3_file *f = NULL;
        rc = sqlite3_file_control(s->db, "main", SQLITE_FCNTL_FILE_POINTER, &f);
        if (rc == SQLITE_OK && f && f->pMethods)
            rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY);
    }
    return rc == SQLITE_OK ? VX_OK : sq_fail(s, rc, false, "checkpoint", NULL);
}

static enum vx_status sq_foreign_keys(struct vx_store *st, bool on)
{
    struct sq_store *s = sq(st);
    if (!sqlite3_get_autocommit(s->db)) { /* the pragma is a no-op inside a transaction */
        set_err(s, "foreign_keys: inside a transaction");
        return VX_ECONFLICT;
    }
    if (sqlite3_exec(s->db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", NULL,
                     NULL, NULL) != SQLITE_OK) {
        set_err(s, "foreign_keys: %s", sqlite3_errmsg(s->db));
        return VX_ESTORE;
    }
    return VX_OK;
}

static enum vx_status sq_sync(struct vx_store *st)
{
    struct sq_store *s = sq(st);
    if (!s->wal_path)
        return VX_OK; /* an in-memory database, or deferred sync never turned on */
    pthread_mutex_lock(&s->wal_mu);
    struct stat sb;
    if (s->wal_fd >= 0 && (fstat(s->wal_fd, &sb) != 0 || sb.st_nlink == 0)) {
        close(s->wal_fd); /* unlinked since (the last other connection closed it) */
        s->wal_fd = -1;
    }
    if (s->wal_fd < 0)
        s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
    /* no WAL file: nothing was committed into one since it was checkpointed away */
    int rc = s->wal_fd < 0 ? (errno == ENOENT ? 0 : -1) : fdatasync(s->wal_fd);
    int e = errno;
    pthread_mutex_unlock(&s->wal_mu);
    /* no set_err: sync() may run beside the owning thread, which owns st->err */
    return rc == 0 ? VX_OK : (e == EIO || e == ENOSPC ? VX_EIO : VX_ESTORE);
}

/*
 * Run the cached one-row lookup `id` by the text `key` (borrowed); on a row,
 * fill(q, out). VX_ENOTFOUND without a row; the message names the key only
 * when `echo_key` (never for a personnummer).
 */
static enum vx_status get_one(struct sq_store *s, enum stmt_id id, const char *what,
                              const char *key, bool echo_key,
                              void (*fill)(sqlite3_stmt *q, void *out), void *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = stmt(s, id, what, &q);
    if (vs != VX_OK)
        return vs;
    vs = sq_one_row(&s->base, q, sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC), what, fill, out);
    if (vs == VX_ENOTFOUND && echo_key)
        set_err(s, "%s '%s' not found", what, key);
    return vs;
}

/* ---- reference data ------------------------------------------------------ */

static enum vx_status sq_region_put(struct vx_store *st, const struct vx_region_rec *r)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_REGION_PUT, "region", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, r->code, sizeof r->code);
    rc |= bind_text(q, 2, r->name, sizeof r->name);
    rc |= bind_text(q, 3, r->short_name, sizeof r->short_name);
    return finish_write(s, q, rc, "region");
}

static enum vx_status sq_kommun_put(struct vx_store *st, const struct vx_kommun_rec *k)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_KOMMUN_PUT, "municipality", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, k->code, sizeof k->code);
    rc |= bind_text(q, 2, k->name, sizeof k->name);
    rc |= bind_text(q, 3, k->region, sizeof k->region);
    if (rc == SQLITE_OK)
        rc = step_done(q);
    vs = rc == SQLITE_OK ? VX_OK
                         : sq_fail(s, rc, true, "municipality",
                                   "region '%.*s' does not exist, or rows still refer to the "
                                   "municipality under another region (field region)",
                                   (int)strnlen(k->region, sizeof k->region), k->region);
    sqlite3_reset(q);
    return vs;
}

static void kommun_from_row(sqlite3_stmt *q, void *dst)
{
    struct vx_kommun_rec *out = dst;
    memset(out, 0, sizeof *out);
    copy_col(q, 0, out->code, sizeof out->code);
    copy_col(q, 1, out->name, sizeof out->name);
    copy_col(q, 2, out->region, sizeof out->region);
}

static enum vx_status sq_kommun_get(struct vx_store *st, const char *code,
                                    struct vx_kommun_rec *out)
{
    return get_one(sq(st), ST_KOMMUN_GET, "municipality", code, true, kommun_from_row, out);
}

static enum vx_status sq_vaccine_put(struct vx_store *st, const char *code, const char *name,
                                     const char *json)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_VACCINE_PUT, "vaccine", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(q, 3, json ? json : "{}", -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(q, 4, (sqlite3_int64)time(NULL));
    return finish_write(s, q, rc, "vaccine");
}

/* ---- persons ------------------------------------------------------------- */

/* A fixed-size char array and its size, for helpers that must not run past it. */
#define FIELD(f) (f), sizeof(f)

/* A failed write to a table whose (kommun, region) pair refers to municipalities. */
static enum vx_status fail_place(struct sq_store *s, int rc, const char *what, const char *kommun,
                                 size_t ksize, const char *region, size_t rsize)
{
    return sq_fail(s, rc, true, what,
                   "municipality '%.*s' of region '%.*s' does not exist (fields kommun, region)",
                   (int)strnlen(kommun, ksize), kommun, (int)strnlen(region, rsize), region);
}

static enum vx_status sq_person_put(struct vx_store *st, const struct vx_person_rec *rec,
                                    int64_t *id)
{
    struct sq_store *s = sq(st);
    const struct vx_person *p = &rec->p;
    sqlite3_stmt *q;
    enum vx_status vs = write_check(s, "person");
    if (vs == VX_OK && s->bulk && s->in_tx && !s->idx_checked)
        vs = defer_person_indexes(s);
    if (vs == VX_OK)
        vs = stmt(s, ST_PERSON_PUT, "person", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, p->region, sizeof p->region);
    rc |= bind_text(q, 2, p->kommun, sizeof p->kommun);
    rc |= sqlite3_bind_int(q, 3, ymd_int(p->pnr.birth));
    rc |= sqlite3_bind_text(q, 4, vx_residence_code(p->residence), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(q, 5, p->risk);
    rc |= sqlite3_bind_int64(q, 6, p->flags);
    rc |= bind_text(q, 7, p->pnr.norm, sizeof p->pnr.norm);
    rc |= sqlite3_bind_int(q, 8, (int)p->pnr.kind);
    rc |= sqlite3_bind_int(q, 9, (int)p->pnr.sex);
    rc |= sqlite3_bind_int(
        q, 10, (p->pnr.birth_day_unknown ? 1 : 0) | (p->pnr.birth_month_unknown ? 2 : 0));
    rc |= bind_text(q, 11, p->deso, sizeof p->deso);
    rc |= bind_text(q, 12, rec->given_name, sizeof rec->given_name);
    rc |= bind_text(q, 13, rec->family_name, sizeof rec->family_name);
    rc |= sqlite3_bind_int(q, 14, rec->synthetic ? 1 : 0);
    rc |= sqlite3_bind_int64(q, 15, (sqlite3_int64)time(NULL));
    if (rc == SQLITE_OK)
        rc = step_done(q);
    if (rc == SQLITE_OK) {
        vs = VX_OK;
        if (id)
            *id = sqlite3_last_insert_rowid(s->db);
    } else {
        vs = fail_place(s, rc, "person", FIELD(p->kommun), FIELD(p->region));
    }
    sqlite3_reset(q);
    return vs;
}

/* Fill `out` from a row of PERSON_COLS. */
static void person_from_row(sqlite3_stmt *q, void *dst)
{
    struct vx_person_rec *out = dst;
    struct vx_person *p = &out->p;
    memset(out, 0, sizeof *out);
    p->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, p->region, sizeof p->region);
    copy_col(q, 2, p->kommun, sizeof p->kommun);
    p->pnr.birth = day_of_ymd_int(sqlite3_column_int(q, 3));
    const char *res = (const char *)sqlite3_column_text(q, 4);
    if (!res || vx_residence_parse(res, &p->residence) != VX_OK)
        p->residence = VX_RES_OWN_HOME; /* unreachable: the schema CHECKs the code */
    p->risk = (uint32_t)sqlite3_column_int64(q, 5);
    p->flags = (uint32_t)sqlite3_column_int64(q, 6);
    copy_col(q, 7, p->pnr.norm, sizeof p->pnr.norm);
    p->pnr.kind = (enum vx_pnr_kind)sqlite3_column_int(q, 8);
    p->pnr.sex = (enum vx_sex)sqlite3_column_int(q, 9);
    int unknown = sqlite3_column_int(q, 10);
    p->pnr.birth_day_unknown = unknown & 1;
    p->pnr.birth_month_unknown = (unknown & 2) != 0;
    copy_col(q, 11, p->deso, sizeof p->deso);
    copy_col(q, 12, out->given_name, sizeof out->given_name);
    copy_col(q, 13, out->family_name, sizeof out->family_name);
    out->synthetic = sqlite3_column_int(q, 14) != 0;
}

static enum vx_status sq_person_get(struct vx_store *st, const char *norm,
                                    struct vx_person_rec *out)
{
    /* never echo the number in a message */
    return get_one(sq(st), ST_PERSON_GET, "person", norm, false, person_from_row, out);
}

static enum vx_status sq_person_foreach(struct vx_store *st, const char *region, vx_person_cb cb,
                                        void *ctx)
{
    struct sq_store *s = sq(st);
    bool all = !region || !*region;
    /* Own statement per call: the callback may use the handle, even recursively. */
    const char *sql = all ? "SELECT " PERSON_COLS " FROM persons ORDER BY id"
                          : "SELECT " PERSON_COLS " FROM persons WHERE region_code = ?1 "
                            "ORDER BY kommun_code, id";
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && !all)
        rc = sqlite3_bind_text(q, 1, region, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        enum vx_status vs = sq_fail(s, rc, false, "person list", NULL);
        sqlite3_finalize(q);
        return vs;
    }
    struct vx_person_rec rec;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        person_from_row(q, &rec);
        if (cb(ctx, &rec) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    enum vx_status vs = rc == SQLITE_DONE ? VX_OK : sq_fail(s, rc, false, "person list", NULL);
    sqlite3_finalize(q);
    return vs;
}

/* ---- sites and premises -------------------------------------------------- */

/*
 * Step `q`, the insert (row_id 0) or update (of row_id) of a site or premises
 * row, whose binds gave `rc`; reset it. *id (may be NULL) gets the row's id.
 */
static enum vx_status finish_place_put(struct sq_store *s, sqlite3_stmt *q, int rc,
                                       const char *what, int64_t row_id, int64_t *id,
                                       const char *kommun, size_t ksize, const char *region,
                                       size_t rsize)
{
    enum vx_status vs = VX_OK;
    if (rc == SQLITE_OK)
        rc = step_done(q);
    if (rc != SQLITE_OK) {
        vs = fail_place(s, rc, what, kommun, ksize, region, rsize);
    } else if (row_id && sqlite3_changes(s->db) == 0) {
        set_err(s, "%s id %lld not found", what, (long long)row_id);
        vs = VX_ENOTFOUND;
    } else if (id) {
        *id = row_id ? row_id : sqlite3_last_insert_rowid(s->db);
    }
    sqlite3_reset(q);
    return vs;
}

static enum vx_status sq_site_put(struct vx_store *st, const struct vx_site_rec *r, int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    bool insert = r->id == 0;
    enum vx_status vs = write_stmt(s, insert ? ST_SITE_INSERT : ST_SITE_UPDATE, "site", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, r->code, sizeof r->code);
    rc |= bind_text(q, 2, r->name, sizeof r->name);
    rc |= bind_text(q, 3, r->region, sizeof r->region);
    rc |= bind_text(q, 4, r->kommun, sizeof r->kommun);
    rc |= sqlite3_bind_text(q, 5, vx_site_kind_code(r->kind), -1, SQLITE_STATIC);
    rc |= bind_text(q, 6, r->address, sizeof r->address);
    rc |= sqlite3_bind_int(q, 7, r->stations);
    rc |= sqlite3_bind_int(q, 8, r->minutes_per_dose);
    rc |= sqlite3_bind_int(q, 9, r->open_minute);
    rc |= sqlite3_bind_int(q, 10, r->close_minute);
    rc |= sqlite3_bind_int(q, 11, r->weekdays);
    if (insert)
        rc |= sqlite3_bind_int64(q, 12, (sqlite3_int64)time(NULL));
    else
        rc |= sqlite3_bind_int64(q, 13, r->id);
    return finish_place_put(s, q, rc, "site", r->id, id, FIELD(r->kommun), FIELD(r->region));
}

static void site_from_row(sqlite3_stmt *q, void *dst)
{
    struct vx_site_rec *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, out->code, sizeof out->code);
    copy_col(q, 2, out->name, sizeof out->name);
    copy_col(q, 3, out->region, sizeof out->region);
    copy_col(q, 4, out->kommun, sizeof out->kommun);
    const char *kind = (const char *)sqlite3_column_text(q, 5);
    if (!kind || vx_site_kind_parse(kind, &out->kind) != VX_OK)
        out->kind = VX_SITE_HEALTH_CENTRE; /* unreachable: the schema CHECKs the code */
    copy_col(q, 6, out->address, sizeof out->address);
    out->stations = sqlite3_column_int(q, 7);
    out->minutes_per_dose = sqlite3_column_int(q, 8);
    out->open_minute = sqlite3_column_int(q, 9);
    out->close_minute = sqlite3_column_int(q, 10);
    out->weekdays = (uint8_t)sqlite3_column_int(q, 11);
}

static enum vx_status sq_site_get(struct vx_store *st, const char *code, struct vx_site_rec *out)
{
    return get_one(sq(st), ST_SITE_GET, "site", code, true, site_from_row, out);
}

static enum vx_status sq_premises_put(struct vx_store *st, const struct vx_premises_rec *r,
                                      int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    bool insert = r->id == 0;
    enum vx_status vs =
        write_stmt(s, insert ? ST_PREMISES_INSERT : ST_PREMISES_UPDATE, "premises", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, r->code, sizeof r->code);
    rc |= bind_text(q, 2, r->region, sizeof r->region);
    rc |= bind_text(q, 3, r->kommun, sizeof r->kommun);
    rc |= bind_text(q, 4, r->name, sizeof r->name);
    rc |= bind_text(q, 5, r->address, sizeof r->address);
    rc |= sqlite3_bind_int(q, 6, r->capacity_per_day);
    rc |= sqlite3_bind_int(q, 7, r->accessible ? 1 : 0);
    rc |= sqlite3_bind_int(q, 8, ymd_int(r->available_from));
    rc |= sqlite3_bind_int(q, 9, ymd_int(r->available_to));
    if (insert)
        rc |= sqlite3_bind_int64(q, 10, (sqlite3_int64)time(NULL));
    else
        rc |= sqlite3_bind_int64(q, 11, r->id);
    return finish_place_put(s, q, rc, "premises", r->id, id, FIELD(r->kommun), FIELD(r->region));
}

/* ---- audit, counts, summaries -------------------------------------------- */

static enum vx_status sq_audit_append(struct vx_store *st, const struct vx_audit_rec *a)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_AUDIT_APPEND, "audit", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, a->at ? a->at : (sqlite3_int64)time(NULL));
    rc |= bind_text(q, 2, a->actor, sizeof a->actor);
    rc |= bind_text(q, 3, a->role, sizeof a->role);
    rc |= bind_text(q, 4, a->action, sizeof a->action);
    rc |= bind_text(q, 5, a->object, sizeof a->object);
    rc |= bind_text(q, 6, a->region, sizeof a->region);
    rc |= bind_text(q, 7, a->detail, sizeof a->detail);
    return finish_write(s, q, rc, "audit");
}

static int64_t sq_count(struct vx_store *st, const char *table)
{
    struct sq_store *s = sq(st);
    for (size_t i = 0; table && i < VX_ARRAY_LEN(count_sql); i++) {
        if (strcmp(table, count_sql[i].table) != 0)
            continue;
        sqlite3_stmt *q = NULL;
        int64_t n;
        int rc = sqlite3_prepare_v2(s->db, count_sql[i].sql, -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        else
            n = sq_fail(s, rc, false, "count", NULL);
        sqlite3_finalize(q);
        return n;
    }
    set_err(s, "count: unknown table '%s'", table ? table : "(null)");
    return VX_EINVAL;
}

static enum vx_status sq_region_summary(struct vx_store *st, vx_day ref,
                                        struct vx_region_summary *out, int cap, int *n)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    *n = 0;
    enum vx_status vs = stmt(s, ST_REGION_SUMMARY, "region summary", &q);
    if (vs != VX_OK)
        return vs;
    /* Age in completed years is (ref - birth) / 10000 on YYYYMMDD integers (a 29
     * February birthday falls on 1 March in common years, as vx_age_at says), so
     * "at least A years old" is birth_date <= ref - A * 10000. */
    int r = ymd_int(ref);
    int rc = sqlite3_bind_int(q, 1, r - 180000);
    rc |= sqlite3_bind_int(q, 2, r - 800000);
    for (int i = 0; i < VX_RES_COUNT; i++)
        rc |=
            sqlite3_bind_text(q, 3 + i, vx_residence_code((enum vx_residence)i), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(q, 8, VX_PF_CARE_STAFF);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        if (*n >= cap) {
            set_err(s, "region summary: more than %d regions", cap);
            vs = VX_ERANGE;
            break;
        }
        struct vx_region_summary *o = &out[(*n)++];
        memset(o, 0, sizeof *o);
        copy_col(q, 0, o->code, sizeof o->code);
        copy_col(q, 1, o->name, sizeof o->name);
        o->persons = sqlite3_column_int64(q, 2);
        o->adults = sqlite3_column_int64(q, 3);
        o->age80plus = sqlite3_column_int64(q, 4);
        for (int i = 0; i < VX_RES_COUNT; i++)
            o->by_residence[i] = sqlite3_column_int64(q, 5 + i);
        o->with_risk = sqlite3_column_int64(q, 10);
        o->care_staff = sqlite3_column_int64(q, 11);
        o->sites = sqlite3_column_int64(q, 12);
        o->kommuner = sqlite3_column_int64(q, 13);
    }
    if (vs == VX_OK && rc != SQLITE_DONE)
        vs = sq_fail(s, rc, false, "region summary", NULL);
    sqlite3_reset(q);
    return vs;
}

/* ---- booking (schema version 2) ------------------------------------------ */

/*
 * Run the read `sql` (prepared per call, so a callback may use the handle) with
 * up to two text binds (NULL = none) and hand each row to row(ctx, q) until it
 * returns non-zero.
 */
static enum vx_status foreach_rows(struct sq_store *s, const char *sql, const char *what,
                                   const char *b1, const char *b2,
                                   int (*row)(void *ctx, sqlite3_stmt *q), void *ctx)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && b1)
        rc = sqlite3_bind_text(q, 1, b1, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && b2)
        rc = sqlite3_bind_text(q, 2, b2, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        if (row(ctx, q) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    enum vx_status vs = rc == SQLITE_DONE ? VX_OK : sq_fail(s, rc, false, what, NULL);
    sqlite3_finalize(q);
    return vs;
}

struct row_cb {
    void *cb; /* the typed callback, called by the op's row function */
    void *ctx;
};

static int region_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_region_rec rec;
    copy_col(q, 0, rec.code, sizeof rec.code);
    copy_col(q, 1, rec.name, sizeof rec.name);
    copy_col(q, 2, rec.short_name, sizeof rec.short_name);
    return ((vx_region_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_region_foreach(struct vx_store *st, vx_region_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st), "SELECT code, name, short_name FROM regions ORDER BY code",
                        "region list", NULL, NULL, region_row, &r);
}

static int site_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_site_rec rec;
    site_from_row(q, &rec);
    return ((vx_site_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_site_foreach(struct vx_store *st, const char *region, const char *kommun,
                                      vx_site_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT " SITE_COLS " FROM sites WHERE (?1 = '' OR region_code = ?1) "
                        "AND (?2 = '' OR kommun_code = ?2) ORDER BY kommun_code, code",
                        "site list", region ? region : "", kommun ? kommun : "", site_row, &r);
}

/* The statement `id` with int64 ?1 = key stepped once: fill(out) from a row, or
 * VX_ENOTFOUND naming `what`. */
static enum vx_status get_one_id(struct sq_store *s, enum stmt_id id, const char *what, int64_t key,
                                 void (*fill)(sqlite3_stmt *q, void *out), void *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = stmt(s, id, what, &q);
    if (vs != VX_OK)
        return vs;
    vs = sq_one_row(&s->base, q, sqlite3_bind_int64(q, 1, key), what, fill, out);
    if (vs == VX_ENOTFOUND)
        set_err(s, "%s %lld not found", what, (long long)key);
    return vs;
}

static enum vx_status sq_person_get_id(struct vx_store *st, int64_t id, struct vx_person_rec *out)
{
    return get_one_id(sq(st), ST_PERSON_GET_ID, "person", id, person_from_row, out);
}

static enum vx_status sq_supply_put(struct vx_store *st, const struct vx_supply_rec *r)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    char week[16];
    enum vx_status vs = write_stmt(s, ST_SUPPLY_PUT, "supply", &q);
    if (vs != VX_OK)
        return vs;
    vx_isoweek_format(r->week, week);
    int rc = sqlite3_bind_int64(q, 1, r->site_id);
    rc |= bind_text(q, 2, r->vaccine, sizeof r->vaccine);
    rc |= sqlite3_bind_text(q, 3, week, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(q, 4, r->allocated);
    rc |= sqlite3_bind_int(q, 5, r->delivered);
    rc |= sqlite3_bind_int64(q, 6, (sqlite3_int64)time(NULL));
    return finish_write(s, q, rc, "supply");
}

static int supply_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_supply_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.site_id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, rec.vaccine, sizeof rec.vaccine);
    const char *w = (const char *)sqlite3_column_text(q, 2);
    if (!w || vx_isoweek_parse(w, &rec.week) != VX_OK)
        return 0; /* unreachable: the schema CHECKs the length and supply_put formats it */
    rec.allocated = sqlite3_column_int(q, 3);
    rec.delivered = sqlite3_column_int(q, 4);
    return ((vx_supply_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_supply_foreach(struct vx_store *st, vx_supply_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT site_id, vaccine_code, iso_week, allocated, delivered "
                        "FROM site_supply ORDER BY site_id, vaccine_code, iso_week",
                        "supply list", NULL, NULL, supply_row, &r);
}

static enum vx_status sq_slot_put(struct vx_store *st, const struct vx_slot_rec *r, int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_SLOT_PUT, "slot", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->site_id);
    rc |= bind_text(q, 2, r->region, sizeof r->region);
    rc |= sqlite3_bind_int(q, 3, ymd_int(r->day));
    rc |= sqlite3_bind_int(q, 4, r->start_minute);
    rc |= sqlite3_bind_int(q, 5, r->minutes);
    rc |= bind_text(q, 6, r->vaccine, sizeof r->vaccine);
    rc |= sqlite3_bind_int(q, 7, r->capacity);
    vs = finish_write(s, q, rc, "slot");
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return vs;
}

static int slot_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_slot_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.id = sqlite3_column_int64(q, 0);
    rec.site_id = sqlite3_column_int64(q, 1);
    copy_col(q, 2, rec.region, sizeof rec.region);
    rec.day = day_of_ymd_int(sqlite3_column_int(q, 3));
    rec.start_minute = sqlite3_column_int(q, 4);
    rec.minutes = sqlite3_column_int(q, 5);
    copy_col(q, 6, rec.vaccine, sizeof rec.vaccine);
    rec.capacity = sqlite3_column_int(q, 7);
    rec.booked = sqlite3_column_int(q, 8);
    return ((vx_slot_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_slot_foreach(struct vx_store *st, vx_slot_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT s.id, s.site_id, s.region_code, s.day, s.start_minute, s.minutes, "
                        "s.vaccine_code, s.capacity, coalesce(b.n, 0) FROM slots s LEFT JOIN ("
                        "  SELECT slot_id, count(*) AS n FROM bookings "
                        "  WHERE status = 'booked' OR status = 'attended' GROUP BY slot_id) b "
                        "ON b.slot_id = s.id ORDER BY s.id",
                        "slot list", NULL, NULL, slot_row, &r);
}

/* Run the cached write `id` with int64 ?1 and ?2; VX_ENOTFOUND naming `what` when
 * it changed no row. */
static enum vx_status update_by_id(struct sq_store *s, enum stmt_id id, const char *what,
                                   int64_t row, int64_t v2, const char *v2text, int64_t v3)
{
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, id, what, &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, row);
    if (v2text)
        rc |= sqlite3_bind_text(q, 2, v2text, -1, SQLITE_STATIC);
    else
        rc |= sqlite3_bind_int64(q, 2, v2);
    if (sqlite3_bind_parameter_count(q) >= 3)
        rc |= sqlite3_bind_int64(q, 3, v3);
    vs = finish_write(s, q, rc, what);
    if (vs == VX_OK && sqlite3_changes(s->db) == 0) {
        set_err(s, "%s %lld not found", what, (long long)row);
        vs = VX_ENOTFOUND;
    }
    return vs;
}

static enum vx_status sq_slot_book(struct vx_store *st, int64_t slot_id, int delta)
{
    return update_by_id(sq(st), ST_SLOT_BOOK, "slot", slot_id, delta, NULL, 0);
}

static enum vx_status sq_booking_put(struct vx_store *st, const struct vx_booking_rec *b,
                                     int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_BOOKING_PUT, "booking", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, b->person_id);
    rc |= bind_text(q, 2, b->region, sizeof b->region);
    rc |= sqlite3_bind_int64(q, 3, b->slot_id);
    rc |= sqlite3_bind_int(q, 4, b->dose_number);
    rc |= b->pair_id ? sqlite3_bind_int64(q, 5, b->pair_id) : sqlite3_bind_null(q, 5);
    rc |= sqlite3_bind_text(q, 6, vx_booking_status_code(b->status), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(q, 7, vx_book_channel_code(b->channel), -1, SQLITE_STATIC);
    rc |= bind_text(q, 8, b->agent_id, sizeof b->agent_id);
    rc |= sqlite3_bind_int64(q, 9, b->created_at ? b->created_at : (sqlite3_int64)time(NULL));
    rc |= b->idem_key[0] ? bind_text(q, 10, b->idem_key, sizeof b->idem_key)
                         : sqlite3_bind_null(q, 10);
    rc |= sqlite3_bind_int(q, 11, b->idem_key[0] ? b->idem_op : 0);
    vs = finish_write(s, q, rc, "booking");
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return vs;
}

static enum vx_status sq_booking_set_status(struct vx_store *st, int64_t id,
                                            enum vx_booking_status status, vx_time at)
{
    return update_by_id(sq(st), ST_BOOKING_STATUS, "booking", id, 0, vx_booking_status_code(status),
                        at ? at : (int64_t)time(NULL));
}

static int booking_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_booking_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.id = sqlite3_column_int64(q, 0);
    rec.person_id = sqlite3_column_int64(q, 1);
    copy_col(q, 2, rec.region, sizeof rec.region);
    rec.slot_id = sqlite3_column_int64(q, 3);
    rec.dose_number = sqlite3_column_int(q, 4);
    rec.pair_id = sqlite3_column_int64(q, 5);
    rec.status = VX_BOOKING_BOOKED;
    const char *ch = (const char *)sqlite3_column_text(q, 6);
    if (!ch || vx_book_channel_parse(ch, &rec.channel) != VX_OK)
        rec.channel = VX_CHANNEL_WEB; /* unreachable: the schema CHECKs the code */
    copy_col(q, 7, rec.agent_id, sizeof rec.agent_id);
    rec.created_at = sqlite3_column_int64(q, 8);
    copy_col(q, 9, rec.person_pnr, sizeof rec.person_pnr);
    return ((vx_booking_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_booking_foreach_active(struct vx_store *st, vx_booking_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT b.id, b.person_id, b.region_code, b.slot_id, b.dose_number, "
                        "coalesce(b.pair_id, 0), b.channel, b.agent_id, b.created_at, p.pnr "
                        "FROM bookings b JOIN persons p ON p.id = b.person_id "
                        "WHERE b.status = 'booked' ORDER BY b.person_id, b.dose_number",
                        "booking list", NULL, NULL, booking_row, &r);
}

static int idem_person_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    return ((int (*)(void *, int64_t))r->cb)(r->ctx, sqlite3_column_int64(q, 0));
}

static enum vx_status sq_idem_person_foreach(struct vx_store *st,
                                             int (*cb)(void *ctx, int64_t person_id), void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT person_id FROM booking_requests UNION ALL "
                        "SELECT person_id FROM bookings WHERE idempotency_key IS NOT NULL",
                        "keyed outcomes", NULL, NULL, idem_person_row, &r);
}

static void dose_last_from_row(sqlite3_stmt *q, void *dst)
{
    struct vx_dose_last *out = dst;
    int minute;
    out->dose_number = sqlite3_column_int(q, 0);
    copy_col(q, 1, out->vaccine, sizeof out->vaccine);
    vx_stockholm_local(sqlite3_column_int64(q, 2), &out->day, &minute);
}

static enum vx_status sq_dose_last(struct vx_store *st, int64_t person_id, struct vx_dose_last *out)
{
    struct sq_store *s = sq(st);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    enum vx_status vs = stmt(s, ST_DOSE_COUNT, "doses of person", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, person_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        out->count = sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    if (rc != SQLITE_ROW)
        return sq_fail(s, rc, false, "doses of person", NULL);
    if (out->count == 0)
        return VX_OK;
    vs = get_one_id(s, ST_DOSE_LAST, "doses of person", person_id, dose_last_from_row, out);
    return vs == VX_ENOTFOUND ? VX_OK : vs;
}

static enum vx_status sq_cohort_put(struct vx_store *st, const struct vx_cohort_rec *c, int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_COHORT_PUT, "cohort", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_text(q, 1, c->region, sizeof c->region);
    rc |= bind_text(q, 2, c->label, sizeof c->label);
    rc |= bind_text(q, 3, c->rule_ids, sizeof c->rule_ids);
    rc |= sqlite3_bind_int(q, 4, c->born_to);
    rc |= sqlite3_bind_int64(q, 5, c->release_at);
    rc |= bind_text(q, 6, c->created_by, sizeof c->created_by);
    rc |= sqlite3_bind_int64(q, 7, (sqlite3_int64)time(NULL));
    vs = finish_write(s, q, rc, "cohort");
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return vs;
}

static int cohort_row(void *ctx, sqlite3_stmt *q)
{
    struct row_cb *r = ctx;
    struct vx_cohort_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, rec.region, sizeof rec.region);
    copy_col(q, 2, rec.label, sizeof rec.label);
    copy_col(q, 3, rec.rule_ids, sizeof rec.rule_ids);
    rec.born_to = sqlite3_column_int(q, 4);
    rec.release_at = sqlite3_column_int64(q, 5);
    copy_col(q, 6, rec.created_by, sizeof rec.created_by);
    return ((vx_cohort_cb)r->cb)(r->ctx, &rec);
}

static enum vx_status sq_cohort_foreach(struct vx_store *st, vx_cohort_cb cb, void *ctx)
{
    struct row_cb r = {(void *)cb, ctx};
    return foreach_rows(sq(st),
                        "SELECT id, region_code, label, rule_ids, born_to, release_at, "
                        "created_by FROM cohorts ORDER BY id",
                        "cohort list", NULL, NULL, cohort_row, &r);
}

/* Statement `id` with ?1 = person id and ?2 = key (borrowed until the reset); *bind_rc
 * is the binds' SQLite result. */
static enum vx_status person_key_stmt(struct sq_store *s, enum stmt_id id, int64_t person_id,
                                      const char *key, sqlite3_stmt **q, int *bind_rc)
{
    enum vx_status vs = stmt(s, id, "booking request", q);
    if (vs == VX_OK) {
        *bind_rc = sqlite3_bind_int64(*q, 1, person_id);
        *bind_rc |= sqlite3_bind_text(*q, 2, key, -1, SQLITE_STATIC);
    }
    return vs;
}

/* The outcome of a successful keyed BOOK/REBOOK, from the rows it wrote (schema 11). */
static enum vx_status request_from_bookings(struct sq_store *s, int64_t person_id, const char *key,
                                            struct vx_book_request_rec *out)
{
    sqlite3_stmt *q;
    int rc;
    enum vx_status vs = person_key_stmt(s, ST_REQUEST_GET_BOOKED, person_id, key, &q, &rc);
    if (vs != VX_OK)
        return vs;
    int n = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == 0) {
            memset(out, 0, sizeof *out);
            out->person_id = person_id;
            snprintf(out->key, sizeof out->key, "%s", key);
            out->op = sqlite3_column_int(q, 0);
            out->status = VX_OK;
            out->site_id = sqlite3_column_int64(q, 4);
            copy_col(q, 5, out->vaccine, sizeof out->vaccine);
            out->created_at = sqlite3_column_int64(q, 8);
        }
        out->booking_id[n] = sqlite3_column_int64(q, 1);
        out->slot_id[n] = sqlite3_column_int64(q, 2);
        out->dose_number[n] = sqlite3_column_int(q, 3);
        vx_day day = day_of_ymd_int(sqlite3_column_int(q, 6));
        int minute = sqlite3_column_int(q, 7);
        if (vx_stockholm_to_utc(day, minute, &out->start[n], NULL) != VX_OK)
            out->start[n] = (vx_time)day * 86400 + minute * 60; /* as the engine does */
        n++;
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE && n > 0)
        vs = VX_OK;
    else if (rc == SQLITE_DONE) {
        set_err(s, "booking request not found");
        vs = VX_ENOTFOUND;
    } else
        vs = sq_fail(s, rc, false, "booking request", NULL);
    sqlite3_reset(q);
    return vs;
}

static enum vx_status sq_book_request_get(struct vx_store *st, int64_t person_id, const char *key,
                                          struct vx_book_request_rec *out)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    int rc;
    enum vx_status vs = person_key_stmt(s, ST_REQUEST_GET, person_id, key, &q, &rc);
    if (vs != VX_OK)
        return vs;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->person_id = person_id;
        snprintf(out->key, sizeof out->key, "%s", key);
        out->op = sqlite3_column_int(q, 0);
        out->status = sqlite3_column_int(q, 1);
        out->reason = sqlite3_column_int(q, 2);
        for (int i = 0; i < 2; i++) {
            out->booking_id[i] = sqlite3_column_int64(q, 3 + i);
            out->slot_id[i] = sqlite3_column_int64(q, 5 + i);
            out->start[i] = sqlite3_column_int64(q, 7 + i);
        }
        out->site_id = sqlite3_column_int64(q, 9);
        copy_col(q, 10, out->vaccine, sizeof out->vaccine);
        copy_col(q, 11, out->msg_sv, sizeof out->msg_sv);
        copy_col(q, 12, out->msg_en, sizeof out->msg_en);
        out->created_at = sqlite3_column_int64(q, 13);
        out->dose_number[0] = sqlite3_column_int(q, 14);
        out->dose_number[1] = sqlite3_column_int(q, 15);
    } else if (rc == SQLITE_DONE) {
        vs = VX_ENOTFOUND;
    } else {
        vs = sq_fail(s, rc, false, "booking request", NULL);
    }
    sqlite3_reset(q);
    if (vs == VX_ENOTFOUND)
        vs = request_from_bookings(s, person_id, key, out);
    return vs;
}

static enum vx_status sq_book_request_put(struct vx_store *st, const struct vx_book_request_rec *r)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_REQUEST_PUT, "booking request", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->person_id);
    rc |= bind_text(q, 2, r->key, sizeof r->key);
    rc |= sqlite3_bind_int(q, 3, r->op);
    rc |= sqlite3_bind_int(q, 4, r->status);
    rc |= sqlite3_bind_int(q, 5, r->reason);
    for (int i = 0; i < 2; i++) {
        rc |= sqlite3_bind_int64(q, 6 + i, r->booking_id[i]);
        rc |= sqlite3_bind_int64(q, 8 + i, r->slot_id[i]);
        rc |= sqlite3_bind_int64(q, 10 + i, r->start[i]);
    }
    rc |= sqlite3_bind_int64(q, 12, r->site_id);
    rc |= bind_text(q, 13, r->vaccine, sizeof r->vaccine);
    rc |= bind_text(q, 14, r->msg_sv, sizeof r->msg_sv);
    rc |= bind_text(q, 15, r->msg_en, sizeof r->msg_en);
    rc |= sqlite3_bind_int64(q, 16, r->created_at ? r->created_at : (sqlite3_int64)time(NULL));
    rc |= sqlite3_bind_int(q, 17, r->dose_number[0]);
    rc |= sqlite3_bind_int(q, 18, r->dose_number[1]);
    return finish_write(s, q, rc, "booking request");
}

static enum vx_status sq_invite_put(struct vx_store *st, const struct vx_invite_rec *r, int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_INVITE_PUT, "invitation", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->person_id);
    rc |= bind_text(q, 2, r->region, sizeof r->region);
    rc |= bind_text(q, 3, r->code_hash, sizeof r->code_hash);
    rc |= sqlite3_bind_int64(q, 4, r->created_at ? r->created_at : (sqlite3_int64)time(NULL));
    rc |= sqlite3_bind_int64(q, 5, r->expires_at);
    rc |= bind_text(q, 6, r->created_by, sizeof r->created_by);
    vs = finish_write(s, q, rc, "invitation");
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return vs;
}

static void invite_from_row(sqlite3_stmt *q, void *dst)
{
    struct vx_invite_rec *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    out->person_id = sqlite3_column_int64(q, 1);
    copy_col(q, 2, out->region, sizeof out->region);
    copy_col(q, 3, out->code_hash, sizeof out->code_hash);
    out->created_at = sqlite3_column_int64(q, 4);
    out->expires_at = sqlite3_column_int64(q, 5);
    out->used_at = sqlite3_column_int64(q, 6);
    copy_col(q, 7, out->created_by, sizeof out->created_by);
}

static enum vx_status sq_invite_get(struct vx_store *st, const char *code_hash,
                                    struct vx_invite_rec *out)
{
    return get_one(sq(st), ST_INVITE_GET, "invitation", code_hash, false, invite_from_row, out);
}

static enum vx_status sq_invite_use(struct vx_store *st, int64_t id, vx_time at)
{
    enum vx_status vs = update_by_id(sq(st), ST_INVITE_USE, "invitation", id, at, NULL, 0);
    if (vs == VX_ENOTFOUND) {
        set_err(sq(st), "invitation %lld: not found or already used", (long long)id);
        vs = VX_ECONFLICT;
    }
    return vs;
}

/* ---- doses ----------------------------------------------------------------- */

void sq_dose_from_row(sqlite3_stmt *q, struct vx_dose_rec *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(q, 0);
    d->person_id = sqlite3_column_int64(q, 1);
    copy_col(q, 2, d->region, sizeof d->region);
    copy_col(q, 3, d->vaccine, sizeof d->vaccine);
    copy_col(q, 4, d->lot_number, sizeof d->lot_number);
    d->dose_number = sqlite3_column_int(q, 5);
    d->given_at = sqlite3_column_int64(q, 6);
    d->site_id = sqlite3_column_int64(q, 7);
    copy_col(q, 8, d->vaccinator, sizeof d->vaccinator);
    copy_col(q, 9, d->source, sizeof d->source);
    d->created_at = sqlite3_column_int64(q, 10);
    copy_col(q, 11, d->kommun, sizeof d->kommun);
    d->booking_id = sqlite3_column_int64(q, 12);
    d->lot_id = sqlite3_column_int64(q, 13);
    d->vial_id = sqlite3_column_int64(q, 14);
    copy_col(q, 15, d->injection_site, sizeof d->injection_site);
    char status[8];
    copy_col(q, 16, status, sizeof status);
    d->voided = strcmp(status, "voided") == 0;
    d->version = sqlite3_column_int(q, 17);
    d->updated_at = sqlite3_column_int64(q, 18);
    copy_col(q, 19, d->void_reason, sizeof d->void_reason);
}

static enum vx_status sq_dose_put(struct vx_store *st, const struct vx_dose_rec *d, int64_t *id)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    enum vx_status vs = write_stmt(s, ST_DOSE_PUT, "dose", &q);
    if (vs != VX_OK)
        return vs;
    const char *source = d->source[0] ? d->source : "recorded";
    int rc = sqlite3_bind_int64(q, 1, d->person_id);
    rc |= bind_text(q, 2, d->region, sizeof d->region);
    rc |= bind_text(q, 3, d->vaccine, sizeof d->vaccine);
    rc |= bind_text(q, 4, d->lot_number, sizeof d->lot_number);
    rc |= sqlite3_bind_int(q, 5, d->dose_number);
    rc |= sqlite3_bind_int64(q, 6, d->given_at);
    rc |= d->site_id ? sqlite3_bind_int64(q, 7, d->site_id) : sqlite3_bind_null(q, 7);
    rc |= bind_text(q, 8, d->vaccinator, sizeof d->vaccinator);
    rc |= sqlite3_bind_text(q, 9, source, (int)strnlen(source, sizeof d->source), SQLITE_STATIC);
    rc |= sqlite3_bind_int64(q, 10, d->created_at ? d->created_at : (sqlite3_int64)time(NULL));
    rc |= d->kommun[0] ? bind_text(q, 11, d->kommun, sizeof d->kommun) : sqlite3_bind_null(q, 11);
    rc |= d->booking_id ? sqlite3_bind_int64(q, 12, d->booking_id) : sqlite3_bind_null(q, 12);
    rc |= d->lot_id ? sqlite3_bind_int64(q, 13, d->lot_id) : sqlite3_bind_null(q, 13);
    rc |= d->vial_id ? sqlite3_bind_int64(q, 14, d->vial_id) : sqlite3_bind_null(q, 14);
    rc |= bind_text(q, 15, d->injection_site, sizeof d->injection_site);
    if (rc == SQLITE_OK)
        rc = step_done(q);
    vs = rc == SQLITE_OK
             ? VX_OK
             : sq_fail(s, rc, true, "dose",
                       "no such person %lld, vaccine %.16s, site %lld, municipality %.4s, "
                       "booking %lld or lot %lld",
                       (long long)d->person_id, d->vaccine, (long long)d->site_id, d->kommun,
                       (long long)d->booking_id, (long long)d->lot_id);
    sqlite3_reset(q);
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return vs;
}

static enum vx_status sq_dose_list_person(struct vx_store *st, int64_t person_id,
                                          struct vx_dose_rec *out, int cap, int *n)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q;
    *n = 0;
    enum vx_status vs = stmt(s, ST_DOSE_LIST, "doses of person", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, person_id);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        if (*n < cap)
            sq_dose_from_row(q, &out[*n]);
        (*n)++;
    }
    vs = rc == SQLITE_DONE ? VX_OK : sq_fail(s, rc, false, "doses of person", NULL);
    sqlite3_reset(q);
    return vs;
}

static const struct vx_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .schema_version = sq_schema_version_op,
    .region_put = sq_region_put,
    .kommun_put = sq_kommun_put,
    .kommun_get = sq_kommun_get,
    .region_foreach = sq_region_foreach,
    .count = sq_count,
    .person_put = sq_person_put,
    .person_get = sq_person_get,
    .person_foreach = sq_person_foreach,
    .site_put = sq_site_put,
    .site_get = sq_site_get,
    .premises_put = sq_premises_put,
    .vaccine_put = sq_vaccine_put,
    .audit_append = sq_audit_append,
    .region_summary = sq_region_summary,
    .bulk_mode = sq_bulk_mode,
    .defer_sync = sq_defer_sync,
    .checkpoint_every = sq_checkpoint_every,
    .sync = sq_sync,
    .log_pages = sq_log_pages,
    .checkpoint = sq_checkpoint,
    .foreign_keys = sq_foreign_keys,
    .site_foreach = sq_site_foreach,
    .person_get_id = sq_person_get_id,
    .supply_put = sq_supply_put,
    .supply_foreach = sq_supply_foreach,
    .slot_put = sq_slot_put,
    .slot_foreach = sq_slot_foreach,
    .slot_book = sq_slot_book,
    .booking_put = sq_booking_put,
    .booking_set_status = sq_booking_set_status,
    .booking_foreach_active = sq_booking_foreach_active,
    .dose_last = sq_dose_last,
    .cohort_put = sq_cohort_put,
    .cohort_foreach = sq_cohort_foreach,
    .book_request_get = sq_book_request_get,
    .idem_person_foreach = sq_idem_person_foreach,
    .book_request_put = sq_book_request_put,
    .invite_put = sq_invite_put,
    .invite_get = sq_invite_get,
    .invite_use = sq_invite_use,
    .dose_put = sq_dose_put,
    .dose_list_person = sq_dose_list_person,
    .care = &sq_care_ops,
    .regx = &sq_regx_ops,
    .stats = &sq_stats_ops,
    .report = &sq_report_ops,
    .muni = &sq_muni_ops,
    .ledger = &sq_ledger_ops,
    .plan = &sq_plan_ops,
};

sqlite3 *sq_store_db(struct vx_store *st)
{
    return st && st->ops == &sqlite_ops ? sq(st)->db : NULL;
}

/* ---- the toolkit of the sub-backends (sqlite_int.h) ------------------------ */

enum vx_status sq_prep(struct vx_store *st, const char *sql, const char *what, sqlite3_stmt **q)
{
    struct sq_store *s = sq(st);
    *q = NULL;
    for (int i = 0; i < s->nextra; i++) {
        if (s->extra[i].sql == sql) {
            *q = s->extra[i].q;
            return VX_OK;
        }
    }
    if (s->nextra == s->capextra) {
        int cap = s->capextra ? s->capextra * 2 : 32;
        struct sq_extra *e = realloc(s->extra, (size_t)cap * sizeof *e);
        if (!e) {
            set_err(s, "%s: out of memory", what);
            return VX_ENOMEM;
        }
        s->extra = e;
        s->capextra = cap;
    }
    sqlite3_stmt *p = NULL;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &p, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(s, rc, false, what, NULL);
    s->extra[s->nextra++] = (struct sq_extra){sql, p};
    *q = p;
    return VX_OK;
}

enum vx_status sq_write_prep(struct vx_store *st, const char *sql, const char *what,
                             sqlite3_stmt **q)
{
    enum vx_status vs = write_check(sq(st), what);
    if (vs != VX_OK) {
        *q = NULL;
        return vs;
    }
    return sq_prep(st, sql, what, q);
}

enum vx_status sq_finish(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what)
{
    return finish_write(sq(st), q, rc, what);
}

enum vx_status sq_error(struct vx_store *st, int rc, bool write, const char *what)
{
    return sq_fail(sq(st), rc, write, what, NULL);
}

enum vx_status sq_one_row(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what,
                          void (*fill)(sqlite3_stmt *q, void *out), void *out)
{
    enum vx_status vs;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        fill(q, out);
        vs = VX_OK;
    } else if (rc == SQLITE_DONE) {
        vs = sq_set_err(st, VX_ENOTFOUND, "%s not found", what);
    } else {
        vs = sq_fail(sq(st), rc, false, what, NULL);
    }
    sqlite3_reset(q);
    return vs;
}

enum vx_status sq_set_err(struct vx_store *st, enum vx_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return status;
}

enum vx_status sq_exec_write(struct vx_store *st, const char *sql, const char *what)
{
    struct sq_store *s = sq(st);
    enum vx_status vs = write_check(s, what);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? VX_OK : sq_fail(s, rc, true, what, NULL);
}

enum vx_status sq_each(struct vx_store *st, const char *sql, const char *what,
                       int (*bind)(void *ctx, sqlite3_stmt *q),
                       int (*row)(void *ctx, sqlite3_stmt *q), void *ctx)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && bind)
        rc = bind(ctx, q);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        if (row(ctx, q) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    enum vx_status vs = rc == SQLITE_DONE ? VX_OK : sq_fail(s, rc, false, what, NULL);
    sqlite3_finalize(q);
    return vs;
}

int sq_bind_text(sqlite3_stmt *q, int i, const char *text, size_t size)
{
    return bind_text(q, i, text, size);
}

void sq_copy_col(sqlite3_stmt *q, int i, char *dst, size_t size)
{
    copy_col(q, i, dst, size);
}

int sq_ymd(vx_day d)
{
    return ymd_int(d);
}

vx_day sq_day(int ymd)
{
    return day_of_ymd_int(ymd);
}

bool sq_in_tx(struct vx_store *st)
{
    return sq(st)->in_tx;
}

/* ---- open ---------------------------------------------------------------- */

/* Read a one-value PRAGMA as text into buf; false on failure. */
static bool pragma_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *q = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(buf, size, "%s", t ? (const char *)t : "");
        ok = true;
    }
    sqlite3_finalize(q);
    return ok;
}

/* Connection settings every handle needs; VX_OK or VX_ESTORE with err set. */
/*
 * Busy handler: retry a locked database every 100 us for the first 10 ms, then
 * every millisecond, for BUSY_TIMEOUT_MS in all. SQLite's own (busy_timeout) sleeps
 * 1, 2, 5, 10, ... ms: against the booking writer, which holds the write lock for
 * most of each millisecond in a storm and takes it again at once, a handle that had
 * to write (an HTTP thread's audit row at a login) slept tens of milliseconds, and
 * with it every connection of that HTTP worker.
 */
static int busy_wait(void *ctx, int count)
{
    (void)ctx;
    int64_t waited_us = count < 100 ? (int64_t)count * 100 : 10000 + (int64_t)(count - 100) * 1000;
    if (waited_us >= (int64_t)BUSY_TIMEOUT_MS * 1000)
        return 0;
    struct timespec ts = {0, count < 100 ? 100000 : 1000000};
    nanosleep(&ts, NULL);
    return 1;
}

static enum vx_status configure(sqlite3 *db, const char *path, bool memory, struct vx_err *err)
{
    char mode[16];
    char *msg = NULL;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, busy_wait, NULL);
    /* only a new, empty file takes it (before WAL mode); an existing one keeps its own */
    if (sqlite3_exec(db, "PRAGMA page_size = " PAGE_SIZE_NEW, NULL, NULL, &msg) != SQLITE_OK) {
        vx_err_set(err, VX_ESTORE, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return VX_ESTORE;
    }
    if (!pragma_text(db, "PRAGMA journal_mode = WAL", mode, sizeof mode))
        return vx_err_set(err, VX_ESTORE, "%s: %s", path, sqlite3_errmsg(db));
    if (strcmp(mode, memory ? "memory" : "wal") != 0)
        return vx_err_set(err, VX_ESTORE, "%s: cannot use WAL journal mode (got '%s')", path, mode);
    char sql[128];
    snprintf(sql, sizeof sql,
             "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d",
             CACHE_KIB_NORMAL);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vx_err_set(err, VX_ESTORE, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return VX_ESTORE;
    }
    if (!pragma_text(db, "PRAGMA foreign_keys", mode, sizeof mode) || strcmp(mode, "1") != 0)
        return vx_err_set(err, VX_ESTORE, "%s: this SQLite cannot enforce foreign keys", path);
    return VX_OK;
}

/*
 * Process-wide SQLite settings, before the library initialises. Memory statistics
 * off: with them on (the default), every sqlite3_malloc and sqlite3_free takes a
 * global mutex, shared by all connections of all threads; nothing here reads them
 * (sqlite3_memory_used, sqlite3_status). Too late when something else in the
 * process initialised SQLite first: then the default stays (SQLITE_MISUSE ignored).
 */
static void sqlite_global_init(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* `writer`: the handle of a process's one busy writer (vx_store_open_sqlite_writer). */
static enum vx_status open_store(const char *path, bool writer, struct vx_store **out,
                                 struct vx_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_global_init);
    *out = NULL;
    if (!path || !*path)
        return vx_err_set(err, VX_EINVAL, "database path is empty");
    bool memory = !strcmp(path, ":memory:");
    if (!memory) {
        /* Create a new file readable by its owner only: it will hold personal data.
         * SQLite gives its -wal and -shm files the same permissions. O_EXCL matters:
         * closing ANY descriptor of a file drops every POSIX lock this process holds
         * on it, SQLite's included, so an existing database must never be opened and
         * closed here while other handles of this process use it (another process
         * would then think it is alone and delete the WAL under us). */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST)
            return vx_err_set(err, VX_EIO, "cannot open database %s: %s", path, strerror(errno));
    }
    struct sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return vx_err_set(err, VX_ENOMEM, "out of memory opening %s", path);
    s->base.ops = &sqlite_ops;
    s->base.impl = s;
    s->bulk_pending = -1;
    s->wal_fd = -1;
    s->cache_kib = writer ? CACHE_KIB_WRITER : CACHE_KIB_NORMAL;
    const char *vfs = writer && !memory ? sq_walbuf_vfs() : NULL; /* NULL: the default */
    pthread_mutex_init(&s->wal_mu, NULL);
    enum vx_status rc;
    int src = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
    if (src != SQLITE_OK) {
        rc = vx_err_set(err, src == SQLITE_NOMEM ? VX_ENOMEM : VX_ESTORE,
                        "cannot open database %s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src));
        goto fail;
    }
    rc = configure(s->db, path, memory, err);
    if (rc != VX_OK)
        goto fail;
    if (s->cache_kib != CACHE_KIB_NORMAL)
        set_cache(s, s->cache_kib);
    int n;
    const struct sq_migration *m = sq_migrations(&n);
    rc = sq_migrate(s->db, m, n, NULL, err);
    if (rc != VX_OK)
        goto fail;
    *out = &s->base;
    return VX_OK;
fail:
    sq_close(&s->base);
    return rc;
}

enum vx_status vx_store_open_sqlite(const char *path, struct vx_store **out, struct vx_err *err)
{
    return open_store(path, false, out, err);
}

enum vx_status vx_store_open_sqlite_writer(const char *path, struct vx_store **out,
                                           struct vx_err *err)
{
    return open_store(path, true, out, err);
}
