/*
 * migrations.c — the versioned schema of the SQLite store.
 *
 * The schema is a list of steps (version, name, SQL). A database records the
 * steps it has in `schema_migrations`; opening it applies the missing ones in
 * order, each inside its own BEGIN IMMEDIATE transaction together with the row
 * that records it, so a step is either fully there or not at all. A database
 * that records a version this build does not know was written by a newer
 * vaxchain and is refused rather than guessed at. Steps are never edited once
 * released: a change to the schema is a new step at the end of the table (and
 * VX_SCHEMA_VERSION in include/vx/store.h moves with it).
 *
 * Conventions of every table (docs/schema.md has the full description):
 *  - calendar dates are INTEGER YYYYMMDD (sortable, readable, and an age is
 *    (ref - birth) / 10000 in plain SQL); instants are INTEGER Unix seconds UTC;
 *    ISO weeks are TEXT 'YYYY-Www'; times of day are minutes after midnight;
 *  - enumerations are stored as their stable text codes with a CHECK written
 *    as an OR chain, not an IN list: SQLite builds an ephemeral table for an IN
 *    list every time a one-row INSERT runs, which made a person insert twice
 *    as slow;
 *  - every person-owned row carries region_code, the shard key of a scaled-out
 *    store; "" stands for "no region" where a row may have none;
 *  - tables are STRICT so that a wrong type is an error, not a silent affinity.
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"

static const char schema_v1[] =
    /* ---- reference data -------------------------------------------------- */
    "CREATE TABLE regions ("
    "  code TEXT PRIMARY KEY CHECK (length(code) = 2),"
    "  name TEXT NOT NULL,"
    "  short_name TEXT NOT NULL DEFAULT ''"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE municipalities ("
    "  code TEXT PRIMARY KEY CHECK (length(code) = 4),"
    "  name TEXT NOT NULL,"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  UNIQUE (code, region_code)" /* parent key of the (kommun, region) FKs */
    ") STRICT, WITHOUT ROWID;"

    /* ---- persons: the big table; keep inserts lean ---------------------- */
    "CREATE TABLE persons ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL,"
    "  kommun_code TEXT NOT NULL,"
    "  birth_date INTEGER NOT NULL," /* YYYYMMDD */
    "  residence TEXT NOT NULL DEFAULT 'own_home' CHECK (residence = 'own_home'"
    "    OR residence = 'special_housing' OR residence = 'home_care'"
    "    OR residence = 'home_health_care' OR residence = 'lss_home'),"
    "  risk INTEGER NOT NULL DEFAULT 0,"            /* bit set of risk codes */
    "  flags INTEGER NOT NULL DEFAULT 0,"           /* VX_PF_* bit set (bit 0 = care staff) */
    "  pnr TEXT NOT NULL CHECK (length(pnr) = 12)," /* unique: index persons_pnr */
    "  pnr_kind INTEGER NOT NULL DEFAULT 0 CHECK (pnr_kind BETWEEN 0 AND 2),"
    "  sex INTEGER NOT NULL DEFAULT 0 CHECK (sex BETWEEN 0 AND 2),"
    "  birth_unknown INTEGER NOT NULL DEFAULT 0," /* bit 0 day, bit 1 month */
    "  deso TEXT NOT NULL DEFAULT '',"
    "  given_name TEXT NOT NULL DEFAULT '',"
    "  family_name TEXT NOT NULL DEFAULT '',"
    "  synthetic INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    /* A named index rather than a UNIQUE column constraint, so that a bulk load
     * into an empty table can drop it and build it once at commit (sqlite_store.c). */
    "CREATE UNIQUE INDEX persons_pnr ON persons (pnr);"
    "CREATE INDEX persons_region ON persons (region_code, kommun_code);"

    /* ---- where vaccination happens -------------------------------------- */
    "CREATE TABLE sites ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  region_code TEXT NOT NULL,"
    "  kommun_code TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind = 'health_centre' OR kind = 'mass_centre'"
    "    OR kind = 'mobile' OR kind = 'pharmacy' OR kind = 'care_home'),"
    "  address TEXT NOT NULL DEFAULT '',"
    "  stations INTEGER NOT NULL DEFAULT 1 CHECK (stations >= 0),"
    "  minutes_per_dose INTEGER NOT NULL DEFAULT 5 CHECK (minutes_per_dose >= 0),"
    "  open_minute INTEGER NOT NULL DEFAULT 480 CHECK (open_minute BETWEEN 0 AND 1440),"
    "  close_minute INTEGER NOT NULL DEFAULT 1020 CHECK (close_minute BETWEEN 0 AND 1440),"
    "  weekdays INTEGER NOT NULL DEFAULT 31 CHECK (weekdays BETWEEN 0 AND 127),"
    "  created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX sites_region ON sites (region_code, kommun_code);"

    "CREATE TABLE premises ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  region_code TEXT NOT NULL,"
    "  kommun_code TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  address TEXT NOT NULL DEFAULT '',"
    "  capacity_per_day INTEGER NOT NULL DEFAULT 0 CHECK (capacity_per_day >= 0),"
    "  accessible INTEGER NOT NULL DEFAULT 0 CHECK (accessible BETWEEN 0 AND 1),"
    "  available_from INTEGER NOT NULL," /* YYYYMMDD */
    "  available_to INTEGER NOT NULL CHECK (available_to >= available_from),"
    "  created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX premises_region ON premises (region_code, kommun_code);"

    /* ---- supply --------------------------------------------------------- */
    "CREATE TABLE vaccines ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  json TEXT NOT NULL CHECK (json_valid(json)),"
    "  updated_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE lots ("
    "  id INTEGER PRIMARY KEY,"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  lot_number TEXT NOT NULL,"
    "  expiry INTEGER NOT NULL," /* YYYYMMDD */
    "  manufacturer TEXT NOT NULL DEFAULT '',"
    "  received_at INTEGER,"
    "  UNIQUE (vaccine_code, lot_number)"
    ") STRICT;"

    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  iso_week TEXT NOT NULL CHECK (length(iso_week) = 8),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  region_code TEXT NOT NULL DEFAULT ''," /* '' = national delivery */
    "  kind TEXT NOT NULL CHECK (kind = 'forecast' OR kind = 'actual'),"
    "  doses INTEGER NOT NULL CHECK (doses >= 0),"
    "  revised_at INTEGER NOT NULL,"
    "  revised_by TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (iso_week, vaccine_code, region_code, kind)"
    ") STRICT;"

    "CREATE TABLE delivery_revisions ("
    "  id INTEGER PRIMARY KEY,"
    "  delivery_id INTEGER NOT NULL REFERENCES deliveries (id),"
    "  doses_before INTEGER NOT NULL,"
    "  doses_after INTEGER NOT NULL,"
    "  revised_at INTEGER NOT NULL,"
    "  revised_by TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX delivery_revisions_delivery ON delivery_revisions (delivery_id, revised_at);"

    "CREATE TABLE allocations ("
    "  id INTEGER PRIMARY KEY,"
    "  iso_week TEXT NOT NULL CHECK (length(iso_week) = 8),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  site_id INTEGER REFERENCES sites (id)," /* NULL = the region's share */
    "  doses INTEGER NOT NULL CHECK (doses >= 0),"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX allocations_region ON allocations (iso_week, vaccine_code, region_code)"
    "  WHERE site_id IS NULL;"
    "CREATE UNIQUE INDEX allocations_site ON allocations (site_id, iso_week, vaccine_code)"
    "  WHERE site_id IS NOT NULL;"

    /* ---- booking -------------------------------------------------------- */
    "CREATE TABLE slots ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  day INTEGER NOT NULL," /* YYYYMMDD */
    "  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),"
    "  minutes INTEGER NOT NULL DEFAULT 15 CHECK (minutes > 0),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  capacity INTEGER NOT NULL CHECK (capacity >= 0),"
    "  booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),"
    "  UNIQUE (site_id, day, start_minute, vaccine_code)"
    ") STRICT;"
    "CREATE INDEX slots_region_day ON slots (region_code, day);"

    "CREATE TABLE bookings ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL," /* the person's region (shard key) */
    "  slot_id INTEGER NOT NULL REFERENCES slots (id),"
    "  dose_number INTEGER NOT NULL CHECK (dose_number >= 1),"
    "  pair_id INTEGER REFERENCES bookings (id)," /* dose-2 row -> its dose-1 row */
    "  status TEXT NOT NULL DEFAULT 'booked' CHECK (status = 'booked'"
    "    OR status = 'cancelled' OR status = 'attended' OR status = 'no_show'),"
    "  channel TEXT NOT NULL DEFAULT 'web' CHECK (channel = 'web'"
    "    OR channel = 'call_centre' OR channel = 'invitation' OR channel = 'municipal'"
    "    OR channel = 'standby'),"
    "  agent_id TEXT NOT NULL DEFAULT ''," /* call-centre agent or nurse, '' = citizen */
    "  idempotency_key TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX bookings_person ON bookings (person_id);"
    "CREATE INDEX bookings_slot ON bookings (slot_id, status);"
    "CREATE UNIQUE INDEX bookings_idempotency ON bookings (idempotency_key)"
    "  WHERE idempotency_key IS NOT NULL;"
    "CREATE UNIQUE INDEX bookings_active ON bookings (person_id, dose_number)"
    "  WHERE status = 'booked';"

    /* ---- care and register ---------------------------------------------- */
    "CREATE TABLE doses ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL," /* the person's region (shard key) */
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  lot_id INTEGER REFERENCES lots (id),"
    "  lot_number TEXT NOT NULL DEFAULT ''," /* as recorded (back-filled doses may lack a lot row)
                                              */
    "  dose_number INTEGER NOT NULL CHECK (dose_number >= 1),"
    "  given_at INTEGER NOT NULL,"
    "  site_id INTEGER REFERENCES sites (id),"
    "  kommun_code TEXT REFERENCES municipalities (code)," /* given by municipal nurses */
    "  vaccinator TEXT NOT NULL DEFAULT '',"
    "  booking_id INTEGER REFERENCES bookings (id),"
    "  source TEXT NOT NULL DEFAULT 'recorded'"
    "    CHECK (source = 'recorded' OR source = 'backfill'),"
    "  reported_at INTEGER," /* NULL until sent to the national register */
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX doses_person ON doses (person_id, dose_number);"
    "CREATE INDEX doses_region_time ON doses (region_code, given_at);"
    "CREATE INDEX doses_site_time ON doses (site_id, given_at);"
    "CREATE INDEX doses_lot ON doses (lot_id);"
    "CREATE INDEX doses_unreported ON doses (id) WHERE reported_at IS NULL;"

    /* ---- audit ---------------------------------------------------------- */
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  role TEXT NOT NULL DEFAULT '',"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL DEFAULT ''," /* table:id, never a personnummer */
    "  region_code TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX audit_log_at ON audit_log (at);"
    "CREATE INDEX audit_log_region ON audit_log (region_code, at);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;";

/*
 * Version 2: what the booking engine (src/book) needs besides the slots and
 * bookings tables of version 1 — supply per site, cohort releases, stored
 * outcomes of idempotent requests and invitation-letter codes.
 */
static const char schema_v2[] =
    /* doses a site can count on per vaccine and ISO week (until the planner fills it) */
    "CREATE TABLE site_supply ("
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  iso_week TEXT NOT NULL CHECK (length(iso_week) = 8),"
    "  allocated INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0),"
    "  delivered INTEGER NOT NULL DEFAULT 0 CHECK (delivered >= 0),"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, vaccine_code, iso_week)"
    ") STRICT, WITHOUT ROWID;"

    /* a regional coordinator's release of a cohort at a set time */
    "CREATE TABLE cohorts ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL DEFAULT ''," /* '' = every region */
    "  label TEXT NOT NULL DEFAULT '',"
    "  rule_ids TEXT NOT NULL DEFAULT '',"  /* eligibility rule ids, comma-separated */
    "  born_to INTEGER NOT NULL DEFAULT 0," /* born this year or earlier; 0 = none */
    "  release_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"

    /* outcome of each request that carried an Idempotency-Key, replayed on retry */
    "CREATE TABLE booking_requests ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  idem_key TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 64),"
    "  op INTEGER NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  reason INTEGER NOT NULL DEFAULT 0,"
    "  booking1 INTEGER NOT NULL DEFAULT 0,"
    "  booking2 INTEGER NOT NULL DEFAULT 0,"
    "  slot1 INTEGER NOT NULL DEFAULT 0,"
    "  slot2 INTEGER NOT NULL DEFAULT 0,"
    "  dose1 INTEGER NOT NULL DEFAULT 0,"
    "  dose2 INTEGER NOT NULL DEFAULT 0,"
    "  start1 INTEGER NOT NULL DEFAULT 0,"
    "  start2 INTEGER NOT NULL DEFAULT 0,"
    "  site_id INTEGER NOT NULL DEFAULT 0,"
    "  vaccine_code TEXT NOT NULL DEFAULT '',"
    "  msg_sv TEXT NOT NULL DEFAULT '',"
    "  msg_en TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (person_id, idem_key)"
    ") STRICT, WITHOUT ROWID;"

    /* one-time codes of invitation letters; only the SHA-256 of a code is kept */
    "CREATE TABLE invitation_codes ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  code_hash TEXT NOT NULL UNIQUE CHECK (length(code_hash) = 64),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER," /* NULL until redeemed */
    "  created_by TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX invitation_codes_person ON invitation_codes (person_id);";

/*
 * Version 3: doses can be corrected and voided (both audited by the care
 * module), carry the vial they were drawn from and the injection site, and a
 * version that each correction bumps so that register exports resend it.
 */
static const char schema_v3[] =
    "ALTER TABLE doses ADD COLUMN status TEXT NOT NULL DEFAULT 'valid'"
    "  CHECK (status = 'valid' OR status = 'voided');"
    "ALTER TABLE doses ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);"
    "ALTER TABLE doses ADD COLUMN vial_id INTEGER;" /* vials (version 4); NULL = unknown */
    "ALTER TABLE doses ADD COLUMN injection_site TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE doses ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE doses ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE doses SET updated_at = created_at;"
    "CREATE INDEX doses_vial ON doses (vial_id) WHERE vial_id IS NOT NULL;"
    "CREATE INDEX doses_booking ON doses (booking_id) WHERE booking_id IS NOT NULL;";

/*
 * Version 11: fewer B-tree pages written per booking (docs/benchmarks.md). A
 * booking pair wrote five leaf pages at random places: two person indexes on
 * `bookings`, the slot index (twice) and the `booking_requests` row of its
 * Idempotency-Key. Now one unique index by person serves both person look-ups
 * and the "one active booking per person and dose" rule (a cancelled row's third
 * column is its own id, an active row's 0), and a successful BOOK/REBOOK keeps its
 * key in its own two rows (`idempotency_key`, `idem_op`): `booking_requests` then
 * holds only refusals and cancellations. The global unique index on the key goes
 * (keys are per person, as `booking_requests`' primary key already had them), and
 * so does `doses_unreported` (`reported_at` is from version 1 and unused: the
 * register exports keep their own change log since version 5).
 */
static const char schema_v11[] =
    "DROP INDEX bookings_active;"
    "DROP INDEX bookings_person;"
    "DROP INDEX bookings_idempotency;"
    "ALTER TABLE bookings ADD COLUMN idem_op INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX bookings_person ON bookings (person_id, dose_number,"
    "  CASE WHEN status = 'booked' THEN 0 ELSE id END);"
    "DROP INDEX doses_unreported;";

/* Versions 4..10 belong to the modules' sub-backends (their own files here). */
static const struct sq_migration migrations[] = {
    {1, "initial schema", schema_v1},
    {2, "booking: supply, cohorts, idempotent requests, invitation codes", schema_v2},
    {3, "doses: status, version, vial, injection site", schema_v3},
    {4, "care: stock, lots at sites, vials, wastage, standby, adverse events", sq_schema_care},
    {5, "register export: outbox per register, attempts, back-fill keys", sq_schema_regx},
    {6, "statistics: coverage aggregates, official series", sq_schema_stats},
    {7, "traffic-light reports", sq_schema_report},
    {8, "municipalities: resident lists, vaccination rounds", sq_schema_muni},
    {9, "compensation, resources, sick travel, coordination", sq_schema_ledger},
    {10, "planner: delivery plans, allocations per site, quotas", sq_schema_plan},
    {11, "bookings: one person index, idempotency keys in the rows", schema_v11},
};

_Static_assert(VX_ARRAY_LEN(migrations) == VX_SCHEMA_VERSION,
               "VX_SCHEMA_VERSION must be the number of migrations");

const struct sq_migration *sq_migrations(int *n)
{
    *n = (int)VX_ARRAY_LEN(migrations);
    return migrations;
}

int sq_schema_version(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int v = VX_ESTORE;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Apply step `m` unless the database already has it; the caller holds nothing. */
static enum vx_status apply_step(sqlite3 *db, const struct sq_migration *m, struct vx_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    int have = sq_schema_version(db); /* another process may have been first */
    if (have < 0) {
        msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        goto fail;
    }
    if (have >= m->version) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return VX_OK;
    }
    if (have != m->version - 1) {
        msg = sqlite3_mprintf("database at version %d cannot take migration %d", have, m->version);
        goto fail;
    }
    if (sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    char *ins = sqlite3_mprintf("INSERT INTO schema_migrations (version, name, applied_at) "
                                "VALUES (%d, %Q, unixepoch())",
                                m->version, m->name);
    if (!ins) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return vx_err_set(err, VX_ENOMEM, "schema migration %d: out of memory", m->version);
    }
    int rc = sqlite3_exec(db, ins, NULL, NULL, &msg);
    sqlite3_free(ins);
    if (rc != SQLITE_OK || sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    return VX_OK;
fail:
    vx_err_set(err, VX_ESTORE, "schema migration %d (%s) failed: %s", m->version, m->name,
               msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return VX_ESTORE;
}

enum vx_status sq_migrate(sqlite3 *db, const struct sq_migration *m, int n, int *version,
                          struct vx_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "  version INTEGER PRIMARY KEY,"
                     "  name TEXT NOT NULL,"
                     "  applied_at INTEGER NOT NULL"
                     ") STRICT",
                     NULL, NULL, &msg) != SQLITE_OK) {
        vx_err_set(err, VX_ESTORE, "cannot create schema_migrations: %s",
                   msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return VX_ESTORE;
    }
    int latest = n > 0 ? m[n - 1].version : 0;
    int have = sq_schema_version(db);
    if (have < 0)
        return vx_err_set(err, VX_ESTORE, "cannot read the schema version: %s", sqlite3_errmsg(db));
    if (have > latest)
        return vx_err_set(err, VX_ESTORE,
                          "database schema version %d is newer than this program knows (%d); "
                          "use a newer vaxchain",
                          have, latest);
    for (int i = 0; i < n; i++) {
        if (m[i].version <= have)
            continue;
        enum vx_status rc = apply_step(db, &m[i], err);
        if (rc != VX_OK)
            return rc;
    }
    have = sq_schema_version(db);
    if (version)
        *version = have;
    return have < 0 ? vx_err_set(err, VX_ESTORE, "cannot read the schema version: %s",
                                 sqlite3_errmsg(db))
                    : VX_OK;
}
