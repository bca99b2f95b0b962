/*
 * ledger.c — SQLite implementation of struct vx_store_ledger_ops
 * (include/vx/store_ledger.h) and its schema migration (version 9).
 *
 * Tables (docs/compensation.md, docs/resources.md):
 *   ledger_adjustments   append-only credits/debits to a statement, with who decided
 *                        and why (triggers refuse UPDATE and DELETE: a correction is
 *                        another adjustment); kommun_code NULL = the state statement
 *   ledger_disputes      a claim about a period; leaves 'open' once
 *   staff_pool           staff and volunteers offered by a municipality (or the
 *                        region's own pool: kommun_code NULL) with competence
 *   resource_assignments a staff member or premises at a site on one day; UNIQUE per
 *                        resource and day, and a trigger refuses days outside the
 *                        resource's availability
 *   sick_travel          sjukresa requests (person data, region_code shard key)
 *   council_items        the region-municipality council's actions and decisions
 * and premises gains status (offered/accepted/declined) and note.
 *
 * The tariffs are not here: they are data (data/compensation.json). The statement
 * reads dose counts through dose_buckets: valid doses grouped by municipality and
 * by hour (given_at / 3600). Stockholm's offset from UTC is always a whole number
 * of hours, so every hour lies within one local day: the hour is turned into the
 * local date here, in C, without asking SQLite about time zones. A day comes as up
 * to 24 buckets, which the statement adds up. The partial index
 * doses_municipal (region_code, kommun_code, given_at) WHERE kommun_code IS NOT NULL
 * serves the municipal nurses' doses; all doses of a region use doses_region_time.
 */
#include <string.h>
#include <time.h>
#include "sqlite_int.h"

const char sq_schema_ledger[] =
    "ALTER TABLE premises ADD COLUMN status TEXT NOT NULL DEFAULT 'offered'"
    "  CHECK (status = 'offered' OR status = 'accepted' OR status = 'declined');"
    "ALTER TABLE premises ADD COLUMN note TEXT NOT NULL DEFAULT '';"

    "CREATE INDEX doses_municipal ON doses (region_code, kommun_code, given_at)"
    "  WHERE kommun_code IS NOT NULL;"

    "CREATE TABLE ledger_disputes ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL,"
    "  kommun_code TEXT NOT NULL,"
    "  period_from INTEGER NOT NULL,"
    "  period_to INTEGER NOT NULL CHECK (period_to >= period_from),"
    "  subject TEXT NOT NULL CHECK (length(subject) > 0),"
    "  claimed_ore INTEGER NOT NULL DEFAULT 0"
    "    CHECK (claimed_ore BETWEEN -900000000000000 AND 900000000000000),"
    "  status TEXT NOT NULL DEFAULT 'open'"
    "    CHECK (status = 'open' OR status = 'accepted' OR status = 'rejected'),"
    "  raised_by TEXT NOT NULL CHECK (length(raised_by) > 0),"
    "  raised_at INTEGER NOT NULL,"
    "  resolution TEXT NOT NULL DEFAULT '',"
    "  decided_by TEXT NOT NULL DEFAULT '',"
    "  decided_at INTEGER,"
    "  CHECK (status = 'open' OR (length(decided_by) > 0 AND decided_at IS NOT NULL)),"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX ledger_disputes_region ON ledger_disputes (region_code, kommun_code);"

    "CREATE TABLE ledger_adjustments ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  kommun_code TEXT," /* NULL = the state's statement to the region */
    "  period_from INTEGER NOT NULL,"
    "  period_to INTEGER NOT NULL CHECK (period_to >= period_from),"
    "  amount_ore INTEGER NOT NULL"
    "    CHECK (amount_ore BETWEEN -900000000000000 AND 900000000000000),"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  decided_by TEXT NOT NULL CHECK (length(decided_by) > 0),"
    "  decided_at INTEGER NOT NULL,"
    "  dispute_id INTEGER REFERENCES ledger_disputes (id),"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX ledger_adjustments_region ON ledger_adjustments"
    "  (region_code, kommun_code, period_from);"
    "CREATE TRIGGER ledger_adjustments_no_update BEFORE UPDATE ON ledger_adjustments"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_adjustments is append-only'); END;"
    "CREATE TRIGGER ledger_adjustments_no_delete BEFORE DELETE ON ledger_adjustments"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_adjustments is append-only'); END;"

    "CREATE TABLE staff_pool ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  kommun_code TEXT," /* NULL = the region's own pool */
    "  name TEXT NOT NULL CHECK (length(name) > 0),"
    "  competence TEXT NOT NULL CHECK (competence = 'vaccinator' OR competence = 'registration'"
    "    OR competence = 'host'),"
    "  volunteer INTEGER NOT NULL DEFAULT 0 CHECK (volunteer BETWEEN 0 AND 1),"
    "  available_from INTEGER NOT NULL,"
    "  available_to INTEGER NOT NULL CHECK (available_to >= available_from),"
    "  contact TEXT NOT NULL DEFAULT '',"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX staff_pool_region ON staff_pool (region_code, kommun_code);"

    "CREATE TABLE resource_assignments ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind = 'staff' OR kind = 'premises'),"
    "  staff_id INTEGER REFERENCES staff_pool (id),"
    "  premises_id INTEGER REFERENCES premises (id),"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  day INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  CHECK ((kind = 'staff' AND staff_id IS NOT NULL AND premises_id IS NULL)"
    "    OR (kind = 'premises' AND premises_id IS NOT NULL AND staff_id IS NULL)),"
    "  UNIQUE (staff_id, day),"
    "  UNIQUE (premises_id, day)"
    ") STRICT;"
    "CREATE INDEX resource_assignments_site ON resource_assignments (site_id, day);"
    "CREATE TRIGGER resource_assignments_available BEFORE INSERT ON resource_assignments"
    "  WHEN (NEW.kind = 'staff' AND NOT EXISTS (SELECT 1 FROM staff_pool WHERE id = NEW.staff_id"
    "        AND NEW.day BETWEEN available_from AND available_to))"
    "    OR (NEW.kind = 'premises' AND NOT EXISTS (SELECT 1 FROM premises"
    "        WHERE id = NEW.premises_id AND status <> 'declined'"
    "        AND NEW.day BETWEEN available_from AND available_to))"
    "  BEGIN SELECT RAISE(ABORT, 'resource not available that day'); END;"

    "CREATE TABLE sick_travel ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL," /* the person's region (shard key) */
    "  kommun_code TEXT NOT NULL,"
    "  booking_id INTEGER REFERENCES bookings (id),"
    "  appointment_at INTEGER,"
    "  pickup_address TEXT NOT NULL CHECK (length(pickup_address) > 0),"
    "  wheelchair INTEGER NOT NULL DEFAULT 0 CHECK (wheelchair BETWEEN 0 AND 1),"
    "  companion INTEGER NOT NULL DEFAULT 0 CHECK (companion BETWEEN 0 AND 1),"
    "  status TEXT NOT NULL DEFAULT 'requested' CHECK (status = 'requested'"
    "    OR status = 'ordered' OR status = 'done' OR status = 'cancelled'),"
    "  note TEXT NOT NULL DEFAULT '',"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX sick_travel_region ON sick_travel (region_code, kommun_code, created_at);"
    "CREATE INDEX sick_travel_person ON sick_travel (person_id);"

    "CREATE TABLE council_items ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  kommun_code TEXT," /* NULL = concerns the whole region */
    "  kind TEXT NOT NULL CHECK (kind = 'action' OR kind = 'decision'),"
    "  title TEXT NOT NULL CHECK (length(title) > 0),"
    "  body TEXT NOT NULL DEFAULT '',"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  due INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'open'"
    "    CHECK (status = 'open' OR status = 'doing' OR status = 'done'),"
    "  decided_on INTEGER,"
    "  decided_by TEXT NOT NULL DEFAULT '',"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  CHECK (kind = 'action' OR (decided_on IS NOT NULL AND length(decided_by) > 0)),"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX council_items_region ON council_items (region_code, status, due);";

/* ------------------------------------------------------------ helpers */

/*
 * Text codes of the enumerations, as in the CHECK constraints above. They repeat
 * the tables of src/muni/coord.c on purpose: the store library sits below the
 * modules and must not link against them (include/vx/ledger.h is used for the
 * types only). test_store_ledger proves both agree by round-tripping every value.
 */
static const char *const competence_codes[] = {"vaccinator", "registration", "host"};
static const char *const premises_codes[] = {"offered", "accepted", "declined"};
static const char *const travel_codes[] = {"requested", "ordered", "done", "cancelled"};
static const char *const kind_codes[] = {"action", "decision"};
static const char *const council_codes[] = {"open", "doing", "done"};
static const char *const dispute_codes[] = {"open", "accepted", "rejected"};
_Static_assert(VX_ARRAY_LEN(competence_codes) == VX_COMPETENCE_COUNT, "competence codes");
_Static_assert(VX_ARRAY_LEN(premises_codes) == VX_PREMISES_STATUS_COUNT, "premises codes");
_Static_assert(VX_ARRAY_LEN(travel_codes) == VX_TRAVEL_STATUS_COUNT, "travel codes");
_Static_assert(VX_ARRAY_LEN(kind_codes) == VX_COUNCIL_KIND_COUNT, "council kinds");
_Static_assert(VX_ARRAY_LEN(council_codes) == VX_COUNCIL_STATUS_COUNT, "council codes");
_Static_assert(VX_ARRAY_LEN(dispute_codes) == VX_DISPUTE_STATUS_COUNT, "dispute codes");

#define CODE(tab, v) ((unsigned)(v) < VX_ARRAY_LEN(tab) ? (tab)[v] : "")

/* Index of column i's text in tab (0 when unknown: the CHECKs make that impossible). */
static int col_code(sqlite3_stmt *q, int i, const char *const *tab, int n)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    for (int k = 0; s && k < n; k++)
        if (!strcmp(s, tab[k]))
            return k;
    return 0;
}
#define COL_CODE(q, i, tab) col_code((q), (i), (tab), (int)VX_ARRAY_LEN(tab))

static sqlite3 *db_of(struct vx_store *st)
{
    return sq_store_db(st);
}

/* Bind text or NULL when empty. */
static int bind_opt(sqlite3_stmt *q, int i, const char *s, size_t size)
{
    return s && s[0] ? sq_bind_text(q, i, s, size) : sqlite3_bind_null(q, i);
}

static int bind_day_opt(sqlite3_stmt *q, int i, vx_day d)
{
    return d ? sqlite3_bind_int(q, i, sq_ymd(d)) : sqlite3_bind_null(q, i);
}

static vx_day col_day(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sq_day(sqlite3_column_int(q, i));
}

/* Generic foreach: ?1 ?2 are text filters (NULL -> ''), ?3.. integers, bound only
 * when the statement has them. */
struct each {
    const char *t[2];
    int64_t i[4];
    int (*conv)(struct each *e, sqlite3_stmt *q); /* row -> user callback */
    void *cb, *ctx;
};

static int each_bind(void *ctx, sqlite3_stmt *q)
{
    struct each *e = ctx;
    int n = sqlite3_bind_parameter_count(q), rc = SQLITE_OK;
    for (int k = 0; k < 2 && k < n && rc == SQLITE_OK; k++)
        rc = sqlite3_bind_text(q, k + 1, e->t[k] ? e->t[k] : "", -1, SQLITE_STATIC);
    for (int k = 0; k < 4 && k + 2 < n && rc == SQLITE_OK; k++)
        rc = sqlite3_bind_int64(q, k + 3, e->i[k]);
    return rc;
}

static int each_row(void *ctx, sqlite3_stmt *q)
{
    struct each *e = ctx;
    return e->conv(e, q);
}

static enum vx_status run_each(struct vx_store *st, const char *sql, const char *what,
                               struct each *e)
{
    return sq_each(st, sql, what, each_bind, each_row, e);
}

/* Step a one-row read; VX_ENOTFOUND with "<what> <id>: not found". */
static enum vx_status get_one(struct vx_store *st, const char *sql, const char *what, int64_t id,
                              void (*conv)(sqlite3_stmt *q, void *out), void *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, what, &q);
    if (vs != VX_OK)
        return vs;
    vs = sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), what, conv, out);
    if (vs == VX_ENOTFOUND)
        sq_set_err(st, VX_ENOTFOUND, "%s %lld: not found", what, (long long)id);
    return vs;
}

/* After an UPDATE by id: VX_ENOTFOUND when nothing changed. */
static enum vx_status changed(struct vx_store *st, const char *what, int64_t id)
{
    return sqlite3_changes(db_of(st))
               ? VX_OK
               : sq_set_err(st, VX_ENOTFOUND, "%s %lld: not found", what, (long long)id);
}

static vx_time now_s(void)
{
    /* created_at stamps only; never part of a computation. The store is the I/O
     * layer, so it may read the clock like the main backend does for created_at. */
    return (vx_time)time(NULL);
}

/* ------------------------------------------------------------ dose buckets */

struct bucket_ctx {
    vx_ledger_bucket_cb cb;
    void *ctx;
};

static int bucket_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_ledger_bucket b;
    memset(&b, 0, sizeof b);
    sq_copy_col(q, 0, b.kommun, sizeof b.kommun);
    int minute;
    vx_stockholm_local((vx_time)sqlite3_column_int64(q, 1) * 3600, &b.day, &minute);
    b.doses = sqlite3_column_int64(q, 2);
    return ((vx_ledger_bucket_cb)e->cb)(e->ctx, &b);
}

static enum vx_status lg_dose_buckets(struct vx_store *st, const char *region, const char *kommun,
                                      bool municipal_only, vx_time from, vx_time to,
                                      vx_ledger_bucket_cb cb, void *ctx)
{
    static const char sql_muni[] =
        "SELECT kommun_code, given_at / 3600, count(*) FROM doses"
        " WHERE region_code = ?1 AND kommun_code IS NOT NULL AND (?2 = '' OR kommun_code = ?2)"
        "   AND given_at >= ?3 AND given_at < ?4 AND status = 'valid'"
        " GROUP BY 1, 2 ORDER BY 1, 2";
    static const char sql_all[] =
        "SELECT coalesce(d.kommun_code, s.kommun_code, ''), d.given_at / 3600, count(*)"
        " FROM doses d LEFT JOIN sites s ON s.id = d.site_id"
        " WHERE d.region_code = ?1 AND d.given_at >= ?3 AND d.given_at < ?4"
        "   AND d.status = 'valid'"
        "   AND (?2 = '' OR coalesce(d.kommun_code, s.kommun_code, '') = ?2)"
        " GROUP BY 1, 2 ORDER BY 1, 2";
    if (from < 0 || to < from)
        return sq_set_err(st, VX_EINVAL, "dose buckets: bad time range");
    struct each e = {
        .t = {region, kommun}, .i = {from, to}, .conv = bucket_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, municipal_only ? sql_muni : sql_all, "dose buckets", &e);
}

/* ------------------------------------------------------------ adjustments */

static enum vx_status lg_adjust_put(struct vx_store *st, const struct vx_ledger_adjust *a,
                                    int64_t *id)
{
    static const char sql[] =
        "INSERT INTO ledger_adjustments (region_code, kommun_code, period_from, period_to,"
        " amount_ore, reason, decided_by, decided_at, dispute_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "adjustment", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, a->region, sizeof a->region);
    rc |= bind_opt(q, 2, a->kommun, sizeof a->kommun);
    rc |= sqlite3_bind_int(q, 3, sq_ymd(a->period_from));
    rc |= sqlite3_bind_int(q, 4, sq_ymd(a->period_to));
    rc |= sqlite3_bind_int64(q, 5, a->amount_ore);
    rc |= sq_bind_text(q, 6, a->reason, sizeof a->reason);
    rc |= sq_bind_text(q, 7, a->decided_by, sizeof a->decided_by);
    rc |= sqlite3_bind_int64(q, 8, a->decided_at ? a->decided_at : now_s());
    rc |= a->dispute_id ? sqlite3_bind_int64(q, 9, a->dispute_id) : sqlite3_bind_null(q, 9);
    if ((vs = sq_finish(st, q, rc, "adjustment")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return vs;
}

static int adjust_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_ledger_adjust a;
    memset(&a, 0, sizeof a);
    a.id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, a.region, sizeof a.region);
    sq_copy_col(q, 2, a.kommun, sizeof a.kommun);
    a.period_from = col_day(q, 3);
    a.period_to = col_day(q, 4);
    a.amount_ore = sqlite3_column_int64(q, 5);
    sq_copy_col(q, 6, a.reason, sizeof a.reason);
    sq_copy_col(q, 7, a.decided_by, sizeof a.decided_by);
    a.decided_at = sqlite3_column_int64(q, 8);
    a.dispute_id = sqlite3_column_int64(q, 9);
    return ((vx_adjust_cb)e->cb)(e->ctx, &a);
}

static enum vx_status lg_adjust_foreach(struct vx_store *st, const char *region, const char *kommun,
                                        vx_day from, vx_day to, vx_adjust_cb cb, void *ctx)
{
    /* ?5: 1 = any kommun (NULL filter), else exact ('' = the state's) */
    static const char sql[] =
        "SELECT id, region_code, coalesce(kommun_code, ''), period_from, period_to, amount_ore,"
        " reason, decided_by, decided_at, coalesce(dispute_id, 0) FROM ledger_adjustments"
        " WHERE (?1 = '' OR region_code = ?1) AND (?5 = 1 OR coalesce(kommun_code, '') = ?2)"
        "   AND period_from <= ?4 AND period_to >= ?3"
        " ORDER BY decided_at, id";
    struct each e = {.t = {region, kommun},
                     .i = {sq_ymd(from), sq_ymd(to), kommun == NULL},
                     .conv = adjust_row,
                     .cb = (void *)cb,
                     .ctx = ctx};
    return run_each(st, sql, "adjustments", &e);
}

/* ------------------------------------------------------------ disputes */

#define DISPUTE_COLS                                                                               \
    "id, region_code, kommun_code, period_from, period_to, subject, claimed_ore, status, "         \
    "raised_by, raised_at, resolution, decided_by, coalesce(decided_at, 0)"

static void dispute_from_row(sqlite3_stmt *q, void *out)
{
    struct vx_dispute_rec *d = out;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, d->region, sizeof d->region);
    sq_copy_col(q, 2, d->kommun, sizeof d->kommun);
    d->period_from = col_day(q, 3);
    d->period_to = col_day(q, 4);
    sq_copy_col(q, 5, d->subject, sizeof d->subject);
    d->claimed_ore = sqlite3_column_int64(q, 6);
    d->status = (enum vx_dispute_status)COL_CODE(q, 7, dispute_codes);
    sq_copy_col(q, 8, d->raised_by, sizeof d->raised_by);
    d->raised_at = sqlite3_column_int64(q, 9);
    sq_copy_col(q, 10, d->resolution, sizeof d->resolution);
    sq_copy_col(q, 11, d->decided_by, sizeof d->decided_by);
    d->decided_at = sqlite3_column_int64(q, 12);
}

static enum vx_status lg_dispute_put(struct vx_store *st, const struct vx_dispute_rec *d,
                                     int64_t *id)
{
    static const char sql[] = "INSERT INTO ledger_disputes (region_code, kommun_code, period_from,"
                              " period_to, subject, claimed_ore, raised_by, raised_at)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "dispute", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, d->region, sizeof d->region);
    rc |= sq_bind_text(q, 2, d->kommun, sizeof d->kommun);
    rc |= sqlite3_bind_int(q, 3, sq_ymd(d->period_from));
    rc |= sqlite3_bind_int(q, 4, sq_ymd(d->period_to));
    rc |= sq_bind_text(q, 5, d->subject, sizeof d->subject);
    rc |= sqlite3_bind_int64(q, 6, d->claimed_ore);
    rc |= sq_bind_text(q, 7, d->raised_by, sizeof d->raised_by);
    rc |= sqlite3_bind_int64(q, 8, d->raised_at ? d->raised_at : now_s());
    if ((vs = sq_finish(st, q, rc, "dispute")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return vs;
}

static enum vx_status lg_dispute_get(struct vx_store *st, int64_t id, struct vx_dispute_rec *out)
{
    static const char sql[] = "SELECT " DISPUTE_COLS " FROM ledger_disputes WHERE id = ?1";
    return get_one(st, sql, "dispute", id, dispute_from_row, out);
}

static enum vx_status lg_dispute_decide(struct vx_store *st, int64_t id,
                                        enum vx_dispute_status status, const char *resolution,
                                        const char *decided_by, vx_time at)
{
    static const char sql[] = "UPDATE ledger_disputes SET status = ?2, resolution = ?3,"
                              " decided_by = ?4, decided_at = ?5 WHERE id = ?1 AND status = 'open'";
    if (status == VX_DISPUTE_OPEN || (unsigned)status >= VX_DISPUTE_STATUS_COUNT)
        return sq_set_err(st, VX_EINVAL, "dispute decision: accepted or rejected");
    if (!decided_by || !decided_by[0])
        return sq_set_err(st, VX_EINVAL, "dispute decision: who decided is required");
    struct vx_dispute_rec cur;
    enum vx_status vs = lg_dispute_get(st, id, &cur);
    if (vs != VX_OK)
        return vs;
    if (cur.status != VX_DISPUTE_OPEN)
        return sq_set_err(st, VX_ECONFLICT, "dispute %lld is already %s", (long long)id,
                          CODE(dispute_codes, cur.status));
    sqlite3_stmt *q;
    if ((vs = sq_write_prep(st, sql, "dispute decision", &q)) != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_text(q, 2, CODE(dispute_codes, status), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(q, 3, resolution ? resolution : "", -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(q, 4, decided_by, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_int64(q, 5, at ? at : now_s());
    if ((vs = sq_finish(st, q, rc, "dispute decision")) != VX_OK)
        return vs;
    return sqlite3_changes(db_of(st))
               ? VX_OK
               : sq_set_err(st, VX_ECONFLICT, "dispute %lld is no longer open", (long long)id);
}

static int dispute_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_dispute_rec d;
    dispute_from_row(q, &d);
    return ((vx_dispute_cb)e->cb)(e->ctx, &d);
}

static enum vx_status lg_dispute_foreach(struct vx_store *st, const char *region,
                                         const char *kommun, vx_dispute_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " DISPUTE_COLS " FROM ledger_disputes"
                              " WHERE (?1 = '' OR region_code = ?1)"
                              "   AND (?2 = '' OR kommun_code = ?2)"
                              " ORDER BY status <> 'open', raised_at DESC, id DESC";
    struct each e = {.t = {region, kommun}, .conv = dispute_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, sql, "disputes", &e);
}

/* ------------------------------------------------------------ premises */

#define PREMISES_COLS                                                                              \
    "id, code, kommun_code, region_code, name, address, capacity_per_day, accessible, "            \
    "available_from, available_to, status, note"

static void premises_from_row(sqlite3_stmt *q, void *out)
{
    struct vx_premises_ext *p = out;
    memset(p, 0, sizeof *p);
    p->p.id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, p->p.code, sizeof p->p.code);
    sq_copy_col(q, 2, p->p.kommun, sizeof p->p.kommun);
    sq_copy_col(q, 3, p->p.region, sizeof p->p.region);
    sq_copy_col(q, 4, p->p.name, sizeof p->p.name);
    sq_copy_col(q, 5, p->p.address, sizeof p->p.address);
    p->p.capacity_per_day = sqlite3_column_int(q, 6);
    p->p.accessible = sqlite3_column_int(q, 7) != 0;
    p->p.available_from = col_day(q, 8);
    p->p.available_to = col_day(q, 9);
    p->status = (enum vx_premises_status)COL_CODE(q, 10, premises_codes);
    sq_copy_col(q, 11, p->note, sizeof p->note);
}

static int premises_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_premises_ext p;
    premises_from_row(q, &p);
    return ((vx_premises_ext_cb)e->cb)(e->ctx, &p);
}

static enum vx_status lg_premises_foreach(struct vx_store *st, const char *region,
                                          const char *kommun, vx_premises_ext_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " PREMISES_COLS " FROM premises"
                              " WHERE (?1 = '' OR region_code = ?1)"
                              "   AND (?2 = '' OR kommun_code = ?2) ORDER BY kommun_code, code";
    struct each e = {.t = {region, kommun}, .conv = premises_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, sql, "premises", &e);
}

static enum vx_status lg_premises_get(struct vx_store *st, int64_t id, struct vx_premises_ext *out)
{
    static const char sql[] = "SELECT " PREMISES_COLS " FROM premises WHERE id = ?1";
    return get_one(st, sql, "premises", id, premises_from_row, out);
}

static enum vx_status lg_premises_set_status(struct vx_store *st, int64_t id,
                                             enum vx_premises_status status, const char *note)
{
    static const char sql[] = "UPDATE premises SET status = ?2, note = ?3 WHERE id = ?1";
    if ((unsigned)status >= VX_PREMISES_STATUS_COUNT)
        return sq_set_err(st, VX_EINVAL, "premises status: unknown");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "premises status", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_text(q, 2, CODE(premises_codes, status), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(q, 3, note ? note : "", -1, SQLITE_TRANSIENT);
    if ((vs = sq_finish(st, q, rc, "premises status")) != VX_OK)
        return vs;
    return changed(st, "premises", id);
}

/* ------------------------------------------------------------ staff */

#define STAFF_COLS                                                                                 \
    "id, region_code, coalesce(kommun_code, ''), name, competence, volunteer, available_from, "    \
    "available_to, contact, created_by, created_at"

static void staff_from_row(sqlite3_stmt *q, void *out)
{
    struct vx_staff_rec *s = out;
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, s->region, sizeof s->region);
    sq_copy_col(q, 2, s->kommun, sizeof s->kommun);
    sq_copy_col(q, 3, s->name, sizeof s->name);
    s->competence = (enum vx_competence)COL_CODE(q, 4, competence_codes);
    s->volunteer = sqlite3_column_int(q, 5) != 0;
    s->available_from = col_day(q, 6);
    s->available_to = col_day(q, 7);
    sq_copy_col(q, 8, s->contact, sizeof s->contact);
    sq_copy_col(q, 9, s->created_by, sizeof s->created_by);
    s->created_at = sqlite3_column_int64(q, 10);
}

static enum vx_status lg_staff_put(struct vx_store *st, const struct vx_staff_rec *s, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO staff_pool (region_code, kommun_code, name, competence, volunteer,"
        " available_from, available_to, contact, created_by, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    if ((unsigned)s->competence >= VX_COMPETENCE_COUNT)
        return sq_set_err(st, VX_EINVAL, "staff: unknown competence");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "staff", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, s->region, sizeof s->region);
    rc |= bind_opt(q, 2, s->kommun, sizeof s->kommun);
    rc |= sq_bind_text(q, 3, s->name, sizeof s->name);
    rc |= sqlite3_bind_text(q, 4, CODE(competence_codes, s->competence), -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(q, 5, s->volunteer);
    rc |= sqlite3_bind_int(q, 6, sq_ymd(s->available_from));
    rc |= sqlite3_bind_int(q, 7, sq_ymd(s->available_to));
    rc |= sq_bind_text(q, 8, s->contact, sizeof s->contact);
    rc |= sq_bind_text(q, 9, s->created_by, sizeof s->created_by);
    rc |= sqlite3_bind_int64(q, 10, s->created_at ? s->created_at : now_s());
    if ((vs = sq_finish(st, q, rc, "staff")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return vs;
}

static enum vx_status lg_staff_get(struct vx_store *st, int64_t id, struct vx_staff_rec *out)
{
    static const char sql[] = "SELECT " STAFF_COLS " FROM staff_pool WHERE id = ?1";
    return get_one(st, sql, "staff", id, staff_from_row, out);
}

static int staff_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_staff_rec s;
    staff_from_row(q, &s);
    return ((vx_staff_cb)e->cb)(e->ctx, &s);
}

static enum vx_status lg_staff_foreach(struct vx_store *st, const char *region, const char *kommun,
                                       vx_staff_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " STAFF_COLS " FROM staff_pool"
                              " WHERE (?1 = '' OR region_code = ?1)"
                              "   AND (?2 = '' OR kommun_code = ?2)"
                              " ORDER BY coalesce(kommun_code, ''), competence, name, id";
    struct each e = {.t = {region, kommun}, .conv = staff_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, sql, "staff", &e);
}

/* ------------------------------------------------------------ assignments */

static enum vx_status lg_assign_put(struct vx_store *st, const struct vx_assign_rec *a, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO resource_assignments (kind, staff_id, premises_id, site_id, day,"
        " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    bool staff = a->kind == VX_ASSIGN_STAFF;
    if (a->kind != VX_ASSIGN_STAFF && a->kind != VX_ASSIGN_PREMISES)
        return sq_set_err(st, VX_EINVAL, "assignment: kind staff or premises");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "assignment", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_text(q, 1, staff ? "staff" : "premises", -1, SQLITE_STATIC);
    rc |= staff ? sqlite3_bind_int64(q, 2, a->resource_id) : sqlite3_bind_null(q, 2);
    rc |= staff ? sqlite3_bind_null(q, 3) : sqlite3_bind_int64(q, 3, a->resource_id);
    rc |= sqlite3_bind_int64(q, 4, a->site_id);
    rc |= sqlite3_bind_int(q, 5, sq_ymd(a->day));
    rc |= sq_bind_text(q, 6, a->created_by, sizeof a->created_by);
    rc |= sqlite3_bind_int64(q, 7, now_s());
    if ((vs = sq_finish(st, q, rc, "assignment")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return vs;
}

static enum vx_status lg_assign_delete(struct vx_store *st, int64_t id)
{
    static const char sql[] = "DELETE FROM resource_assignments WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "assignment", &q);
    if (vs != VX_OK)
        return vs;
    if ((vs = sq_finish(st, q, sqlite3_bind_int64(q, 1, id), "assignment")) != VX_OK)
        return vs;
    return changed(st, "assignment", id);
}

static int assign_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_assign_rec a;
    memset(&a, 0, sizeof a);
    a.id = sqlite3_column_int64(q, 0);
    a.kind = strcmp((const char *)sqlite3_column_text(q, 1), "staff") ? VX_ASSIGN_PREMISES
                                                                      : VX_ASSIGN_STAFF;
    a.resource_id = sqlite3_column_int64(q, 2);
    a.site_id = sqlite3_column_int64(q, 3);
    a.day = col_day(q, 4);
    sq_copy_col(q, 5, a.created_by, sizeof a.created_by);
    sq_copy_col(q, 6, a.site_code, sizeof a.site_code);
    sq_copy_col(q, 7, a.resource_name, sizeof a.resource_name);
    if (a.kind == VX_ASSIGN_STAFF)
        a.competence = (enum vx_competence)COL_CODE(q, 8, competence_codes);
    a.capacity_per_day = sqlite3_column_int(q, 9);
    return ((vx_assign_cb)e->cb)(e->ctx, &a);
}

static enum vx_status lg_assign_foreach(struct vx_store *st, const char *region, int64_t site_id,
                                        vx_day from, vx_day to, vx_assign_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT a.id, a.kind, coalesce(a.staff_id, a.premises_id), a.site_id, a.day,"
        " a.created_by, s.code, coalesce(sp.name, p.name, ''), coalesce(sp.competence, ''),"
        " coalesce(p.capacity_per_day, 0)"
        " FROM resource_assignments a JOIN sites s ON s.id = a.site_id"
        " LEFT JOIN staff_pool sp ON sp.id = a.staff_id"
        " LEFT JOIN premises p ON p.id = a.premises_id"
        " WHERE (?1 = '' OR s.region_code = ?1) AND (?3 = 0 OR a.site_id = ?3)"
        "   AND a.day BETWEEN ?4 AND ?5"
        " ORDER BY a.day, s.code, a.kind DESC, a.id";
    struct each e = {.t = {region, ""},
                     .i = {site_id, sq_ymd(from), sq_ymd(to)},
                     .conv = assign_row,
                     .cb = (void *)cb,
                     .ctx = ctx};
    return run_each(st, sql, "assignments", &e);
}

static enum vx_status lg_site_day(struct vx_store *st, int64_t site_id, vx_day day,
                                  struct vx_site_day *out)
{
    static const char sql[] =
        "SELECT coalesce(sum(sp.competence = 'vaccinator'), 0),"
        " coalesce(sum(sp.competence <> 'vaccinator'), 0), count(p.id),"
        " coalesce(sum(p.capacity_per_day), 0)"
        " FROM resource_assignments a LEFT JOIN staff_pool sp ON sp.id = a.staff_id"
        " LEFT JOIN premises p ON p.id = a.premises_id"
        " WHERE a.site_id = ?1 AND a.day = ?2";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "site day", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, site_id);
    rc |= sqlite3_bind_int(q, 2, sq_ymd(day));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->vaccinators = sqlite3_column_int(q, 0);
        out->other_staff = sqlite3_column_int(q, 1);
        out->premises = sqlite3_column_int(q, 2);
        out->premises_capacity = sqlite3_column_int(q, 3);
        vs = VX_OK;
    } else {
        vs = sq_error(st, rc, false, "site day");
    }
    sqlite3_reset(q);
    return vs;
}

/* ------------------------------------------------------------ sick travel */

#define TRAVEL_COLS                                                                                \
    "t.id, t.person_id, t.region_code, t.kommun_code, coalesce(t.booking_id, 0), "                 \
    "coalesce(t.appointment_at, 0), t.pickup_address, t.wheelchair, t.companion, t.status, "       \
    "t.note, t.created_by, t.created_at, t.updated_at, p.given_name, p.family_name"

static void travel_from_row(sqlite3_stmt *q, void *out)
{
    struct vx_travel_rec *t = out;
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(q, 0);
    t->person_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, t->region, sizeof t->region);
    sq_copy_col(q, 3, t->kommun, sizeof t->kommun);
    t->booking_id = sqlite3_column_int64(q, 4);
    t->appointment_at = sqlite3_column_int64(q, 5);
    sq_copy_col(q, 6, t->pickup_address, sizeof t->pickup_address);
    t->wheelchair = sqlite3_column_int(q, 7) != 0;
    t->companion = sqlite3_column_int(q, 8) != 0;
    t->status = (enum vx_travel_status)COL_CODE(q, 9, travel_codes);
    sq_copy_col(q, 10, t->note, sizeof t->note);
    sq_copy_col(q, 11, t->created_by, sizeof t->created_by);
    t->created_at = sqlite3_column_int64(q, 12);
    t->updated_at = sqlite3_column_int64(q, 13);
    sq_copy_col(q, 14, t->given_name, sizeof t->given_name);
    sq_copy_col(q, 15, t->family_name, sizeof t->family_name);
}

static enum vx_status lg_travel_put(struct vx_store *st, const struct vx_travel_rec *t, int64_t *id)
{
    /* region and municipality are the person's, copied in SQL so they cannot
     * disagree with the persons row */
    static const char sql[] =
        "INSERT INTO sick_travel (person_id, region_code, kommun_code, booking_id,"
        " appointment_at, pickup_address, wheelchair, companion, status, note, created_by,"
        " created_at, updated_at)"
        " SELECT id, region_code, kommun_code, ?2, ?3, ?4, ?5, ?6, 'requested', ?7, ?8, ?9, ?9"
        " FROM persons WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "sick travel", &q);
    if (vs != VX_OK)
        return vs;
    vx_time now = t->created_at ? t->created_at : now_s();
    int rc = sqlite3_bind_int64(q, 1, t->person_id);
    rc |= t->booking_id ? sqlite3_bind_int64(q, 2, t->booking_id) : sqlite3_bind_null(q, 2);
    rc |= t->appointment_at ? sqlite3_bind_int64(q, 3, t->appointment_at) : sqlite3_bind_null(q, 3);
    rc |= sq_bind_text(q, 4, t->pickup_address, sizeof t->pickup_address);
    rc |= sqlite3_bind_int(q, 5, t->wheelchair);
    rc |= sqlite3_bind_int(q, 6, t->companion);
    rc |= sq_bind_text(q, 7, t->note, sizeof t->note);
    rc |= sq_bind_text(q, 8, t->created_by, sizeof t->created_by);
    rc |= sqlite3_bind_int64(q, 9, now);
    if ((vs = sq_finish(st, q, rc, "sick travel")) != VX_OK)
        return vs;
    if (!sqlite3_changes(db_of(st)))
        return sq_set_err(st, VX_EINVAL, "sick travel: no person %lld", (long long)t->person_id);
    if (id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return VX_OK;
}

static enum vx_status lg_travel_get(struct vx_store *st, int64_t id, struct vx_travel_rec *out)
{
    static const char sql[] =
        "SELECT " TRAVEL_COLS " FROM sick_travel t JOIN persons p ON p.id = t.person_id"
        " WHERE t.id = ?1";
    return get_one(st, sql, "sick travel", id, travel_from_row, out);
}

static enum vx_status lg_travel_set_status(struct vx_store *st, int64_t id,
                                           enum vx_travel_status from, enum vx_travel_status to,
                                           const char *note, vx_time at)
{
    static const char sql[] = "UPDATE sick_travel SET status = ?2, note = coalesce(?3, note),"
                              " updated_at = ?4 WHERE id = ?1 AND status = ?5";
    if ((unsigned)from >= VX_TRAVEL_STATUS_COUNT || (unsigned)to >= VX_TRAVEL_STATUS_COUNT)
        return sq_set_err(st, VX_EINVAL, "sick travel: unknown status");
    struct vx_travel_rec cur;
    enum vx_status vs = lg_travel_get(st, id, &cur);
    if (vs != VX_OK)
        return vs;
    if (cur.status != from)
        return sq_set_err(st, VX_ECONFLICT, "sick travel %lld is %s, not %s", (long long)id,
                          CODE(travel_codes, cur.status), CODE(travel_codes, from));
    sqlite3_stmt *q;
    if ((vs = sq_write_prep(st, sql, "sick travel status", &q)) != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_text(q, 2, CODE(travel_codes, to), -1, SQLITE_STATIC);
    rc |= note ? sqlite3_bind_text(q, 3, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q, 3);
    rc |= sqlite3_bind_int64(q, 4, at ? at : now_s());
    rc |= sqlite3_bind_text(q, 5, CODE(travel_codes, from), -1, SQLITE_STATIC);
    if ((vs = sq_finish(st, q, rc, "sick travel status")) != VX_OK)
        return vs;
    return sqlite3_changes(db_of(st))
               ? VX_OK
               : sq_set_err(st, VX_ECONFLICT, "sick travel %lld changed meanwhile", (long long)id);
}

static int travel_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_travel_rec t;
    travel_from_row(q, &t);
    return ((vx_travel_cb)e->cb)(e->ctx, &t);
}

static enum vx_status lg_travel_foreach(struct vx_store *st, const char *region, const char *kommun,
                                        vx_travel_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " TRAVEL_COLS " FROM sick_travel t JOIN persons p ON p.id = t.person_id"
        " WHERE (?1 = '' OR t.region_code = ?1)"
        "   AND (?2 = '' OR t.kommun_code = ?2)"
        " ORDER BY t.created_at DESC, t.id DESC";
    struct each e = {.t = {region, kommun}, .conv = travel_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, sql, "sick travel", &e);
}

/* ------------------------------------------------------------ council */

#define COUNCIL_COLS                                                                               \
    "id, region_code, coalesce(kommun_code, ''), kind, title, body, owner, due, status, "          \
    "decided_on, decided_by, created_by, created_at, updated_at"

static void council_from_row(sqlite3_stmt *q, void *out)
{
    struct vx_council_rec *c = out;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, c->region, sizeof c->region);
    sq_copy_col(q, 2, c->kommun, sizeof c->kommun);
    c->kind = (enum vx_council_kind)COL_CODE(q, 3, kind_codes);
    sq_copy_col(q, 4, c->title, sizeof c->title);
    sq_copy_col(q, 5, c->body, sizeof c->body);
    sq_copy_col(q, 6, c->owner, sizeof c->owner);
    c->due = col_day(q, 7);
    c->status = (enum vx_council_status)COL_CODE(q, 8, council_codes);
    c->decided_on = col_day(q, 9);
    sq_copy_col(q, 10, c->decided_by, sizeof c->decided_by);
    sq_copy_col(q, 11, c->created_by, sizeof c->created_by);
    c->created_at = sqlite3_column_int64(q, 12);
    c->updated_at = sqlite3_column_int64(q, 13);
}

static enum vx_status lg_council_put(struct vx_store *st, const struct vx_council_rec *c,
                                     int64_t *id)
{
    static const char sql[] =
        "INSERT INTO council_items (region_code, kommun_code, kind, title, body, owner, due,"
        " status, decided_on, decided_by, created_by, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
    if ((unsigned)c->kind >= VX_COUNCIL_KIND_COUNT ||
        (unsigned)c->status >= VX_COUNCIL_STATUS_COUNT)
        return sq_set_err(st, VX_EINVAL, "council item: unknown kind or status");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "council item", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, c->region, sizeof c->region);
    rc |= bind_opt(q, 2, c->kommun, sizeof c->kommun);
    rc |= sqlite3_bind_text(q, 3, CODE(kind_codes, c->kind), -1, SQLITE_STATIC);
    rc |= sq_bind_text(q, 4, c->title, sizeof c->title);
    rc |= sq_bind_text(q, 5, c->body, sizeof c->body);
    rc |= sq_bind_text(q, 6, c->owner, sizeof c->owner);
    rc |= bind_day_opt(q, 7, c->due);
    rc |= sqlite3_bind_text(q, 8, CODE(council_codes, c->status), -1, SQLITE_STATIC);
    rc |= bind_day_opt(q, 9, c->decided_on);
    rc |= sq_bind_text(q, 10, c->decided_by, sizeof c->decided_by);
    rc |= sq_bind_text(q, 11, c->created_by, sizeof c->created_by);
    rc |= sqlite3_bind_int64(q, 12, c->created_at ? c->created_at : now_s());
    if ((vs = sq_finish(st, q, rc, "council item")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(db_of(st));
    return vs;
}

static enum vx_status lg_council_get(struct vx_store *st, int64_t id, struct vx_council_rec *out)
{
    static const char sql[] = "SELECT " COUNCIL_COLS " FROM council_items WHERE id = ?1";
    return get_one(st, sql, "council item", id, council_from_row, out);
}

static enum vx_status lg_council_update(struct vx_store *st, int64_t id,
                                        enum vx_council_status status, const char *owner,
                                        vx_day due, vx_time at)
{
    static const char sql[] = "UPDATE council_items SET status = ?2, owner = coalesce(?3, owner),"
                              " due = coalesce(?4, due), updated_at = ?5 WHERE id = ?1";
    if ((unsigned)status >= VX_COUNCIL_STATUS_COUNT)
        return sq_set_err(st, VX_EINVAL, "council item: unknown status");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "council item", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_text(q, 2, CODE(council_codes, status), -1, SQLITE_STATIC);
    rc |= owner ? sqlite3_bind_text(q, 3, owner, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q, 3);
    rc |= bind_day_opt(q, 4, due);
    rc |= sqlite3_bind_int64(q, 5, at ? at : now_s());
    if ((vs = sq_finish(st, q, rc, "council item")) != VX_OK)
        return vs;
    return changed(st, "council item", id);
}

static int council_row(struct each *e, sqlite3_stmt *q)
{
    struct vx_council_rec c;
    council_from_row(q, &c);
    return ((vx_council_cb)e->cb)(e->ctx, &c);
}

static enum vx_status lg_council_foreach(struct vx_store *st, const char *region,
                                         const char *kommun, vx_council_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " COUNCIL_COLS " FROM council_items"
        " WHERE region_code = ?1 AND (?2 = '' OR kommun_code IS NULL OR kommun_code = ?2)"
        " ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'doing' THEN 1 ELSE 2 END,"
        "   due IS NULL, due, id";
    struct each e = {.t = {region, kommun}, .conv = council_row, .cb = (void *)cb, .ctx = ctx};
    return run_each(st, sql, "council items", &e);
}

const struct vx_store_ledger_ops sq_ledger_ops = {
    .name = "sqlite",
    .dose_buckets = lg_dose_buckets,
    .adjust_put = lg_adjust_put,
    .adjust_foreach = lg_adjust_foreach,
    .dispute_put = lg_dispute_put,
    .dispute_get = lg_dispute_get,
    .dispute_decide = lg_dispute_decide,
    .dispute_foreach = lg_dispute_foreach,
    .premises_foreach = lg_premises_foreach,
    .premises_get = lg_premises_get,
    .premises_set_status = lg_premises_set_status,
    .staff_put = lg_staff_put,
    .staff_get = lg_staff_get,
    .staff_foreach = lg_staff_foreach,
    .assign_put = lg_assign_put,
    .assign_delete = lg_assign_delete,
    .assign_foreach = lg_assign_foreach,
    .site_day = lg_site_day,
    .travel_put = lg_travel_put,
    .travel_get = lg_travel_get,
    .travel_set_status = lg_travel_set_status,
    .travel_foreach = lg_travel_foreach,
    .council_put = lg_council_put,
    .council_get = lg_council_get,
    .council_update = lg_council_update,
    .council_foreach = lg_council_foreach,
};
