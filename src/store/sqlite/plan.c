/*
 * plan.c — SQLite implementation of struct vx_store_plan_ops (include/vx/store_plan.h)
 * and its schema migration (version 10).
 *
 * Deliveries keep their current figure in `deliveries` (one row per week, vaccine,
 * region, kind: schema v1) and every change in `delivery_revisions` (old -> new, who,
 * when, why). A put reads the current row, writes nothing when the figure is the same, and
 * otherwise upserts the row and appends the change inside one transaction (its own, or the
 * caller's), so the history and the figure cannot disagree. A created figure is recorded
 * as a change from -1. Migration 10 adds `plan_quotas` (dose-1 quota and dose-2 reserve per
 * region/site and week, with the policy that computed them) and the indexes the planner's
 * queries use. Allocations to regions and sites go to the v1 `allocations` table; the
 * site split is also written to site_supply by the caller (st->ops->supply_put).
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"

const char sq_schema_plan[] =
    "CREATE TABLE plan_quotas ("
    "  iso_week TEXT NOT NULL CHECK (length(iso_week) = 8),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  site_id INTEGER NOT NULL DEFAULT 0," /* 0 = the region */
    "  allocated INTEGER NOT NULL CHECK (allocated >= 0),"
    "  dose1 INTEGER NOT NULL CHECK (dose1 >= 0),"
    "  reserve INTEGER NOT NULL CHECK (reserve >= 0),"
    "  policy TEXT NOT NULL CHECK (policy IN ('hold-all', 'hold-none', 'forecast', 'perfect')),"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (iso_week, vaccine_code, region_code, site_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX deliveries_vaccine_week ON deliveries (vaccine_code, iso_week);"
    "CREATE INDEX allocations_week ON allocations (iso_week, vaccine_code);"
    /* the re-planner's reads: slots of a region, vaccine and days; dose-2 rows by pair */
    "CREATE INDEX slots_region_vaccine_day ON slots (region_code, vaccine_code, day);"
    "CREATE INDEX bookings_pair ON bookings (pair_id) WHERE pair_id IS NOT NULL;";

static const char sql_deliv_get[] =
    "SELECT id, doses FROM deliveries WHERE iso_week = ?1 AND vaccine_code = ?2 AND "
    "region_code = ?3 AND kind = ?4";
static const char sql_deliv_ins[] =
    "INSERT INTO deliveries (iso_week, vaccine_code, region_code, kind, doses, revised_at, "
    "revised_by, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_deliv_upd[] =
    "UPDATE deliveries SET doses = ?2, revised_at = ?3, revised_by = ?4, source = ?5 WHERE id = ?1";
static const char sql_rev_ins[] =
    "INSERT INTO delivery_revisions (delivery_id, doses_before, doses_after, revised_at, "
    "revised_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_vaccine_ok[] = "SELECT 1 FROM vaccines WHERE code = ?1";
static const char sql_region_ok[] = "SELECT 1 FROM regions WHERE code = ?1";

static int bind_str(sqlite3_stmt *q, int i, const char *s)
{
    return sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

/* SELECT with one text parameter: VX_OK when a row exists, VX_ENOTFOUND otherwise. */
static enum vx_status exists(struct vx_store *st, const char *sql, const char *what,
                             const char *arg)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, what, &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, arg);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    vs = rc == SQLITE_ROW    ? VX_OK
         : rc == SQLITE_DONE ? VX_ENOTFOUND
                             : sq_error(st, rc, false, what);
    sqlite3_reset(q);
    return vs;
}

static enum vx_status put_body(struct vx_store *st, const struct vx_delivery_rec *r,
                               const char *reason, bool *changed, int64_t *id)
{
    char wk[16];
    vx_isoweek_format(r->week, wk);
    const char *kind = r->actual ? "actual" : "forecast";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_deliv_get, "delivery", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, wk);
    rc |= sq_bind_text(q, 2, r->vaccine, sizeof r->vaccine);
    rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
    rc |= bind_str(q, 4, kind);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    int64_t did = 0;
    long long before = -1;
    if (rc == SQLITE_ROW) {
        did = sqlite3_column_int64(q, 0);
        before = sqlite3_column_int64(q, 1);
    } else if (rc != SQLITE_DONE) {
        vs = sq_error(st, rc, false, "delivery");
        sqlite3_reset(q);
        return vs;
    }
    sqlite3_reset(q);
    if (before == r->doses) {
        if (id)
            *id = did;
        return VX_OK;
    }
    if (did == 0) {
        if ((vs = sq_write_prep(st, sql_deliv_ins, "delivery", &q)) != VX_OK)
            return vs;
        rc = bind_str(q, 1, wk);
        rc |= sq_bind_text(q, 2, r->vaccine, sizeof r->vaccine);
        rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
        rc |= bind_str(q, 4, kind);
        rc |= sqlite3_bind_int64(q, 5, r->doses);
        rc |= sqlite3_bind_int64(q, 6, r->revised_at);
        rc |= sq_bind_text(q, 7, r->revised_by, sizeof r->revised_by);
        rc |= sq_bind_text(q, 8, r->source, sizeof r->source);
        if ((vs = sq_finish(st, q, rc, "delivery")) != VX_OK)
            return vs;
        did = sqlite3_last_insert_rowid(sqlite3_db_handle(q));
    } else {
        if ((vs = sq_write_prep(st, sql_deliv_upd, "delivery", &q)) != VX_OK)
            return vs;
        rc = sqlite3_bind_int64(q, 1, did);
        rc |= sqlite3_bind_int64(q, 2, r->doses);
        rc |= sqlite3_bind_int64(q, 3, r->revised_at);
        rc |= sq_bind_text(q, 4, r->revised_by, sizeof r->revised_by);
        rc |= sq_bind_text(q, 5, r->source, sizeof r->source);
        if ((vs = sq_finish(st, q, rc, "delivery")) != VX_OK)
            return vs;
    }
    if ((vs = sq_write_prep(st, sql_rev_ins, "delivery revision", &q)) != VX_OK)
        return vs;
    rc = sqlite3_bind_int64(q, 1, did);
    rc |= sqlite3_bind_int64(q, 2, before);
    rc |= sqlite3_bind_int64(q, 3, r->doses);
    rc |= sqlite3_bind_int64(q, 4, r->revised_at);
    rc |= sq_bind_text(q, 5, r->revised_by, sizeof r->revised_by);
    rc |= bind_str(q, 6, reason);
    if ((vs = sq_finish(st, q, rc, "delivery revision")) != VX_OK)
        return vs;
    if (changed)
        *changed = true;
    if (id)
        *id = did;
    return VX_OK;
}

static enum vx_status plan_delivery_put(struct vx_store *st, const struct vx_delivery_rec *r,
                                        const char *reason, bool *changed, int64_t *id)
{
    if (changed)
        *changed = false;
    if (r->doses < 0)
        return sq_set_err(st, VX_EINVAL, "delivery: negative doses %lld", r->doses);
    enum vx_status vs = exists(st, sql_vaccine_ok, "vaccine", r->vaccine);
    if (vs == VX_ENOTFOUND)
        return sq_set_err(st, VX_EINVAL, "delivery: unknown vaccine '%.16s'", r->vaccine);
    if (vs == VX_OK && r->region[0] != '\0') {
        char reg[3];
        snprintf(reg, sizeof reg, "%.2s", r->region);
        if ((vs = exists(st, sql_region_ok, "region", reg)) == VX_ENOTFOUND)
            return sq_set_err(st, VX_EINVAL, "delivery: unknown region '%s'", reg);
    }
    if (vs != VX_OK)
        return vs;
    bool own = !sq_in_tx(st);
    if (own && (vs = vx_store_begin(st)) != VX_OK)
        return vs;
    vs = put_body(st, r, reason, changed, id);
    if (own) {
        if (vs == VX_OK)
            vs = vx_store_commit(st);
        else
            vx_store_rollback(st);
    }
    if (vs != VX_OK && changed)
        *changed = false;
    return vs;
}

static void week_col(sqlite3_stmt *q, int i, struct vx_isoweek *w)
{
    char wk[16];
    sq_copy_col(q, i, wk, sizeof wk);
    if (vx_isoweek_parse(wk, w) != VX_OK)
        memset(w, 0, sizeof *w);
}

struct each_ctx {
    const char *vaccine;
    vx_delivery_cb dcb;
    vx_delivery_change_cb ccb;
    vx_quota_cb qcb;
    const struct vx_isoweek *week;
    void *ctx;
};

static int bind_vaccine(void *arg, sqlite3_stmt *q)
{
    struct each_ctx *e = arg;
    return bind_str(q, 1, e->vaccine);
}

static int deliv_row(void *arg, sqlite3_stmt *q)
{
    struct each_ctx *e = arg;
    struct vx_delivery_rec r;
    memset(&r, 0, sizeof r);
    r.id = sqlite3_column_int64(q, 0);
    week_col(q, 1, &r.week);
    sq_copy_col(q, 2, r.vaccine, sizeof r.vaccine);
    sq_copy_col(q, 3, r.region, sizeof r.region);
    r.actual = strcmp((const char *)sqlite3_column_text(q, 4), "actual") == 0;
    r.doses = sqlite3_column_int64(q, 5);
    r.revised_at = sqlite3_column_int64(q, 6);
    sq_copy_col(q, 7, r.revised_by, sizeof r.revised_by);
    sq_copy_col(q, 8, r.source, sizeof r.source);
    return e->dcb(e->ctx, &r);
}

static enum vx_status plan_delivery_foreach(struct vx_store *st, const char *vaccine,
                                            vx_delivery_cb cb, void *ctx)
{
    struct each_ctx e = {.vaccine = vaccine ? vaccine : "", .dcb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT id, iso_week, vaccine_code, region_code, kind, doses, revised_at, "
                   "revised_by, source FROM deliveries WHERE ?1 = '' OR vaccine_code = ?1 "
                   "ORDER BY iso_week, vaccine_code, region_code, kind",
                   "deliveries", bind_vaccine, deliv_row, &e);
}

static int change_row(void *arg, sqlite3_stmt *q)
{
    struct each_ctx *e = arg;
    struct vx_delivery_change c;
    memset(&c, 0, sizeof c);
    c.delivery_id = sqlite3_column_int64(q, 0);
    week_col(q, 1, &c.week);
    sq_copy_col(q, 2, c.vaccine, sizeof c.vaccine);
    sq_copy_col(q, 3, c.region, sizeof c.region);
    c.actual = strcmp((const char *)sqlite3_column_text(q, 4), "actual") == 0;
    c.doses_before = sqlite3_column_int64(q, 5);
    c.doses_after = sqlite3_column_int64(q, 6);
    c.revised_at = sqlite3_column_int64(q, 7);
    sq_copy_col(q, 8, c.revised_by, sizeof c.revised_by);
    sq_copy_col(q, 9, c.reason, sizeof c.reason);
    return e->ccb(e->ctx, &c);
}

static enum vx_status plan_delivery_changes(struct vx_store *st, const char *vaccine,
                                            vx_delivery_change_cb cb, void *ctx)
{
    struct each_ctx e = {.vaccine = vaccine ? vaccine : "", .ccb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT d.id, d.iso_week, d.vaccine_code, d.region_code, d.kind, "
                   "r.doses_before, r.doses_after, r.revised_at, r.revised_by, r.reason "
                   "FROM delivery_revisions r JOIN deliveries d ON d.id = r.delivery_id "
                   "WHERE ?1 = '' OR d.vaccine_code = ?1 "
                   "ORDER BY d.iso_week, d.vaccine_code, d.region_code, d.kind, r.revised_at, r.id",
                   "delivery changes", bind_vaccine, change_row, &e);
}

static const char sql_alloc_region[] =
    "INSERT INTO allocations (iso_week, vaccine_code, region_code, site_id, doses, created_at) "
    "VALUES (?1, ?2, ?3, NULL, ?4, ?5) ON CONFLICT (iso_week, vaccine_code, region_code) "
    "WHERE site_id IS NULL DO UPDATE SET doses = excluded.doses, created_at = excluded.created_at";
static const char sql_alloc_site[] =
    "INSERT INTO allocations (iso_week, vaccine_code, region_code, site_id, doses, created_at) "
    "VALUES (?1, ?2, ?3, ?6, ?4, ?5) ON CONFLICT (site_id, iso_week, vaccine_code) "
    "WHERE site_id IS NOT NULL DO UPDATE SET doses = excluded.doses, "
    "created_at = excluded.created_at";

static enum vx_status plan_allocation_put(struct vx_store *st, struct vx_isoweek week,
                                          const char *vaccine, const char *region, int64_t site_id,
                                          long long doses, vx_time at)
{
    if (doses < 0)
        return sq_set_err(st, VX_EINVAL, "allocation: negative doses %lld", doses);
    char wk[16];
    vx_isoweek_format(week, wk);
    sqlite3_stmt *q;
    enum vx_status vs =
        sq_write_prep(st, site_id ? sql_alloc_site : sql_alloc_region, "allocation", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, wk);
    rc |= bind_str(q, 2, vaccine);
    rc |= bind_str(q, 3, region);
    rc |= sqlite3_bind_int64(q, 4, doses);
    rc |= sqlite3_bind_int64(q, 5, at);
    if (site_id)
        rc |= sqlite3_bind_int64(q, 6, site_id);
    return sq_finish(st, q, rc, "allocation");
}

static const char sql_quota_put[] =
    "INSERT INTO plan_quotas (iso_week, vaccine_code, region_code, site_id, allocated, dose1, "
    "reserve, policy, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (iso_week, vaccine_code, region_code, site_id) DO UPDATE SET "
    "allocated = excluded.allocated, dose1 = excluded.dose1, reserve = excluded.reserve, "
    "policy = excluded.policy, created_at = excluded.created_at";

static enum vx_status plan_quota_put(struct vx_store *st, const struct vx_quota_rec *r)
{
    char wk[16];
    vx_isoweek_format(r->week, wk);
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_quota_put, "quota", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, wk);
    rc |= sq_bind_text(q, 2, r->vaccine, sizeof r->vaccine);
    rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
    rc |= sqlite3_bind_int64(q, 4, r->site_id);
    rc |= sqlite3_bind_int64(q, 5, r->allocated);
    rc |= sqlite3_bind_int64(q, 6, r->dose1);
    rc |= sqlite3_bind_int64(q, 7, r->reserve);
    rc |= sq_bind_text(q, 8, r->policy, sizeof r->policy);
    rc |= sqlite3_bind_int64(q, 9, r->created_at);
    return sq_finish(st, q, rc, "quota");
}

static int bind_week(void *arg, sqlite3_stmt *q)
{
    struct each_ctx *e = arg;
    char wk[16] = "";
    if (e->week)
        vx_isoweek_format(*e->week, wk);
    return bind_str(q, 1, wk);
}

static int quota_row(void *arg, sqlite3_stmt *q)
{
    struct each_ctx *e = arg;
    struct vx_quota_rec r;
    memset(&r, 0, sizeof r);
    week_col(q, 0, &r.week);
    sq_copy_col(q, 1, r.vaccine, sizeof r.vaccine);
    sq_copy_col(q, 2, r.region, sizeof r.region);
    r.site_id = sqlite3_column_int64(q, 3);
    r.allocated = sqlite3_column_int64(q, 4);
    r.dose1 = sqlite3_column_int64(q, 5);
    r.reserve = sqlite3_column_int64(q, 6);
    sq_copy_col(q, 7, r.policy, sizeof r.policy);
    r.created_at = sqlite3_column_int64(q, 8);
    return e->qcb(e->ctx, &r);
}

static enum vx_status plan_quota_foreach(struct vx_store *st, const struct vx_isoweek *week,
                                         vx_quota_cb cb, void *ctx)
{
    struct each_ctx e = {.week = week, .qcb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT iso_week, vaccine_code, region_code, site_id, allocated, dose1, "
                   "reserve, policy, created_at FROM plan_quotas WHERE ?1 = '' OR iso_week = ?1 "
                   "ORDER BY iso_week, vaccine_code, region_code, site_id",
                   "quotas", bind_week, quota_row, &e);
}

/* ---- allocations read back ------------------------------------------------- */

struct alloc_each {
    const struct vx_isoweek *week;
    const char *vaccine;
    vx_alloc_rec_cb cb;
    void *ctx;
};

static int bind_week_vaccine(void *arg, sqlite3_stmt *q)
{
    struct alloc_each *e = arg;
    char wk[16] = "";
    if (e->week)
        vx_isoweek_format(*e->week, wk);
    return bind_str(q, 1, wk) | bind_str(q, 2, e->vaccine);
}

static int alloc_row(void *arg, sqlite3_stmt *q)
{
    struct alloc_each *e = arg;
    struct vx_alloc_rec r;
    memset(&r, 0, sizeof r);
    week_col(q, 0, &r.week);
    sq_copy_col(q, 1, r.vaccine, sizeof r.vaccine);
    sq_copy_col(q, 2, r.region, sizeof r.region);
    r.site_id = sqlite3_column_int64(q, 3);
    r.doses = sqlite3_column_int64(q, 4);
    r.created_at = sqlite3_column_int64(q, 5);
    return e->cb(e->ctx, &r);
}

static enum vx_status plan_allocation_foreach(struct vx_store *st, const struct vx_isoweek *week,
                                              const char *vaccine, vx_alloc_rec_cb cb, void *ctx)
{
    struct alloc_each e = {.week = week, .vaccine = vaccine ? vaccine : "", .cb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT iso_week, vaccine_code, region_code, coalesce(site_id, 0), doses, "
                   "created_at FROM allocations WHERE (?1 = '' OR iso_week = ?1) AND "
                   "(?2 = '' OR vaccine_code = ?2) "
                   "ORDER BY iso_week, vaccine_code, region_code, coalesce(site_id, 0)",
                   "allocations", bind_week_vaccine, alloc_row, &e);
}

/* ---- booking load, dose-1 bookings, dose counts, ages --------------------------- */

struct load_each {
    const char *region, *vaccine;
    int64_t site_id;
    int from, to; /* YYYYMMDD */
    vx_plan_load_cb lcb;
    vx_plan_booking_cb bcb;
    vx_plan_age_cb acb;
    void *ctx;
};

static int bind_load(void *arg, sqlite3_stmt *q)
{
    struct load_each *e = arg;
    return bind_str(q, 1, e->region) | bind_str(q, 2, e->vaccine) |
           sqlite3_bind_int(q, 3, e->from) | sqlite3_bind_int(q, 4, e->to) |
           sqlite3_bind_int64(q, 5, e->site_id);
}

static int load_row(void *arg, sqlite3_stmt *q)
{
    struct load_each *e = arg;
    struct vx_plan_load_rec r = {
        .site_id = sqlite3_column_int64(q, 0),
        .day = sq_day(sqlite3_column_int(q, 1)),
        .capacity = sqlite3_column_int64(q, 2),
        .booked1 = sqlite3_column_int64(q, 3),
        .booked2 = sqlite3_column_int64(q, 4),
        .linked2 = sqlite3_column_int64(q, 5),
        .attended = sqlite3_column_int64(q, 6),
    };
    return e->lcb(e->ctx, &r);
}

/* Per slot: its bookings by kind (index bookings_slot), then summed per site and day. */
static const char sql_load[] =
    "SELECT sl.site_id, sl.day, sum(sl.capacity), sum(b.b1), sum(b.b2), sum(b.l2), sum(b.att) "
    "FROM slots sl LEFT JOIN ("
    "  SELECT bk.slot_id,"
    "    sum(bk.status = 'booked' AND bk.dose_number = 1) AS b1,"
    "    sum(bk.status = 'booked' AND bk.dose_number >= 2 AND coalesce(p.status, '') <> "
    "'booked') AS b2,"
    "    sum(bk.status = 'booked' AND bk.dose_number >= 2 AND coalesce(p.status, '') = "
    "'booked') AS l2,"
    "    sum(bk.status = 'attended') AS att"
    "  FROM bookings bk LEFT JOIN bookings p ON p.id = bk.pair_id"
    "  WHERE bk.slot_id IN (SELECT id FROM slots WHERE (?1 = '' OR region_code = ?1) AND "
    "vaccine_code = ?2 AND day BETWEEN ?3 AND ?4)"
    "  GROUP BY bk.slot_id) b ON b.slot_id = sl.id "
    "WHERE (?1 = '' OR sl.region_code = ?1) AND sl.vaccine_code = ?2 AND sl.day BETWEEN ?3 AND ?4 "
    "AND (?5 = 0 OR sl.site_id = ?5) "
    "GROUP BY sl.site_id, sl.day ORDER BY sl.site_id, sl.day";

static enum vx_status plan_load_foreach(struct vx_store *st, const char *region,
                                        const char *vaccine, vx_day from, vx_day to,
                                        vx_plan_load_cb cb, void *ctx)
{
    struct load_each e = {.region = region ? region : "",
                          .vaccine = vaccine ? vaccine : "",
                          .from = sq_ymd(from),
                          .to = sq_ymd(to),
                          .lcb = cb,
                          .ctx = ctx};
    return sq_each(st, sql_load, "booking load", bind_load, load_row, &e);
}

static int booking_row(void *arg, sqlite3_stmt *q)
{
    struct load_each *e = arg;
    struct vx_plan_booking_rec r;
    memset(&r, 0, sizeof r);
    r.booking_id = sqlite3_column_int64(q, 0);
    r.person_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, r.region, sizeof r.region);
    r.pair_id = sqlite3_column_int64(q, 3);
    r.site_id = sqlite3_column_int64(q, 4);
    r.slot_id = sqlite3_column_int64(q, 5);
    r.day = sq_day(sqlite3_column_int(q, 6));
    r.created_at = sqlite3_column_int64(q, 7);
    return e->bcb(e->ctx, &r);
}

static enum vx_status plan_dose1_bookings(struct vx_store *st, int64_t site_id, const char *vaccine,
                                          vx_day from, vx_day to, vx_plan_booking_cb cb, void *ctx)
{
    struct load_each e = {.region = "",
                          .vaccine = vaccine ? vaccine : "",
                          .site_id = site_id,
                          .from = sq_ymd(from),
                          .to = sq_ymd(to),
                          .bcb = cb,
                          .ctx = ctx};
    return sq_each(st,
                   "SELECT b.id, b.person_id, b.region_code, coalesce((SELECT d.id FROM bookings d "
                   "WHERE d.pair_id = b.id AND d.status = 'booked' LIMIT 1), 0), sl.site_id, "
                   "sl.id, sl.day, b.created_at FROM slots sl JOIN bookings b ON b.slot_id = sl.id "
                   "WHERE ?1 = ?1 AND sl.vaccine_code = ?2 AND sl.day BETWEEN ?3 AND ?4 AND "
                   "sl.site_id = ?5 AND b.status = 'booked' AND b.dose_number = 1 "
                   "ORDER BY b.created_at DESC, b.id DESC",
                   "dose-1 bookings", bind_load, booking_row, &e);
}

static const char sql_doses_count[] =
    "SELECT (SELECT count(*) FROM doses WHERE status = 'valid' AND given_at < ?4 AND "
    "(?1 = '' OR region_code = ?1) AND (?2 = 0 OR site_id = ?2) AND "
    "(?3 = '' OR vaccine_code = ?3)), "
    "(SELECT count(DISTINCT person_id) FROM doses WHERE status = 'valid' AND dose_number = 1 "
    "AND given_at < ?4 AND (?1 = '' OR region_code = ?1))";

static enum vx_status plan_doses_count(struct vx_store *st, const char *region, int64_t site_id,
                                       const char *vaccine, vx_time before, long long *given,
                                       long long *dose1)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_doses_count, "dose counts", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, region);
    rc |= sqlite3_bind_int64(q, 2, site_id);
    rc |= bind_str(q, 3, vaccine);
    rc |= sqlite3_bind_int64(q, 4, before);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        if (given)
            *given = sqlite3_column_int64(q, 0);
        if (dose1)
            *dose1 = sqlite3_column_int64(q, 1);
        vs = VX_OK;
    } else {
        vs = sq_error(st, rc, false, "dose counts");
    }
    sqlite3_reset(q);
    return vs;
}

static int bind_ref(void *arg, sqlite3_stmt *q)
{
    struct load_each *e = arg;
    return sqlite3_bind_int(q, 1, e->from);
}

static int age_row(void *arg, sqlite3_stmt *q)
{
    struct load_each *e = arg;
    struct vx_plan_age_rec r;
    memset(&r, 0, sizeof r);
    sq_copy_col(q, 0, r.region, sizeof r.region);
    r.age = sqlite3_column_int(q, 1);
    r.persons = sqlite3_column_int64(q, 2);
    return e->acb(e->ctx, &r);
}

/* Age in whole years from YYYYMMDD integers: (ref - birth) / 10000 is exact (the month
 * and day digits decide whether the birthday has come). */
static enum vx_status plan_age_foreach(struct vx_store *st, vx_day ref, vx_plan_age_cb cb,
                                       void *ctx)
{
    struct load_each e = {.from = sq_ymd(ref), .acb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT region_code, (?1 - birth_date) / 10000 AS age, count(*) FROM persons "
                   "WHERE birth_date <= ?1 AND (?1 - birth_date) / 10000 <= 130 "
                   "GROUP BY region_code, age ORDER BY region_code, age",
                   "ages", bind_ref, age_row, &e);
}

const struct vx_store_plan_ops sq_plan_ops = {
    .name = "sqlite",
    .delivery_put = plan_delivery_put,
    .delivery_foreach = plan_delivery_foreach,
    .delivery_changes = plan_delivery_changes,
    .allocation_put = plan_allocation_put,
    .quota_put = plan_quota_put,
    .quota_foreach = plan_quota_foreach,
    .allocation_foreach = plan_allocation_foreach,
    .load_foreach = plan_load_foreach,
    .dose1_bookings = plan_dose1_bookings,
    .doses_count = plan_doses_count,
    .age_foreach = plan_age_foreach,
};
