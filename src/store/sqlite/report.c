/*
 * report.c — SQLite implementation of struct vx_store_report_ops (include/vx/store_report.h)
 * and its schema migration (version 7).
 *
 * Data model. A filing is one row of tl_reports (who, when, region, month) plus one
 * row per area in tl_report_areas (colour, reason). Filings are never changed or
 * deleted (triggers refuse it) except for the two superseded_* columns: a new filing
 * for the same region and month marks the previous current one as superseded by it,
 * at its time. "Current" = superseded_by IS NULL, unique per (region, month) through
 * a partial index, so a lost race between two coordinators is a constraint error and
 * not two current reports. The supersede is three statements in one transaction:
 * point the old row at itself (leaving the partial index), insert the new row, point
 * the old row at the new one.
 *
 * Figures. The suggestion rules need counts from the shared tables; they are read
 * here with plain aggregate queries over indexed ranges (doses by region and time,
 * slots by region and day, bookings through their slot). The report is monthly and
 * per region, so these run a few times a month per region, not per request of the
 * public dashboard (that reads the stats module's aggregates).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sqlite_int.h"

const char sq_schema_report[] =
    "CREATE TABLE tl_reports ("
    "  id INTEGER PRIMARY KEY,"
    "  region_code TEXT NOT NULL REFERENCES regions (code),"
    "  month INTEGER NOT NULL CHECK (month BETWEEN 200001 AND 299912"
    "    AND month % 100 BETWEEN 1 AND 12),"
    "  filed_by TEXT NOT NULL CHECK (length(filed_by) BETWEEN 1 AND 63),"
    "  filed_at INTEGER NOT NULL,"
    "  superseded_by INTEGER REFERENCES tl_reports (id)," /* NULL = current */
    "  superseded_at INTEGER,"
    "  CHECK ((superseded_by IS NULL) = (superseded_at IS NULL))"
    ") STRICT;"
    "CREATE UNIQUE INDEX tl_reports_current ON tl_reports (region_code, month)"
    "  WHERE superseded_by IS NULL;"
    "CREATE INDEX tl_reports_month ON tl_reports (month, region_code, filed_at);"
    "CREATE TABLE tl_report_areas ("
    "  report_id INTEGER NOT NULL REFERENCES tl_reports (id),"
    "  area TEXT NOT NULL CHECK (area = 'overall' OR area = 'readiness' OR area = 'premises'"
    "    OR area = 'staff' OR area = 'booking' OR area = 'supply_logistics'"
    "    OR area = 'it_register' OR area = 'communication' OR area = 'municipal_cooperation'),"
    "  color TEXT NOT NULL CHECK (color = 'unknown' OR color = 'green' OR color = 'yellow'"
    "    OR color = 'red'),"
    "  reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) < 512),"
    "  PRIMARY KEY (report_id, area)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER tl_reports_keep BEFORE DELETE ON tl_reports"
    "  BEGIN SELECT RAISE(ABORT, 'traffic-light reports are kept'); END;"
    "CREATE TRIGGER tl_reports_fixed BEFORE UPDATE OF region_code, month, filed_by, filed_at"
    "  ON tl_reports BEGIN SELECT RAISE(ABORT, 'a filed report is not changed'); END;"
    "CREATE TRIGGER tl_report_areas_keep BEFORE DELETE ON tl_report_areas"
    "  BEGIN SELECT RAISE(ABORT, 'traffic-light reports are kept'); END;"
    "CREATE TRIGGER tl_report_areas_fixed BEFORE UPDATE ON tl_report_areas"
    "  BEGIN SELECT RAISE(ABORT, 'a filed report is not changed'); END;";

/* ------------------------------------------------------------------ filing */

static const char SQL_CURRENT_ID[] =
    "SELECT id FROM tl_reports WHERE region_code = ?1 AND month = ?2 AND superseded_by IS NULL";
static const char SQL_MARK_SELF[] =
    "UPDATE tl_reports SET superseded_by = id, superseded_at = ?2 WHERE id = ?1";
static const char SQL_MARK_NEW[] = "UPDATE tl_reports SET superseded_by = ?2 WHERE id = ?1";
static const char SQL_INSERT[] =
    "INSERT INTO tl_reports (region_code, month, filed_by, filed_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_INSERT_AREA[] =
    "INSERT INTO tl_report_areas (report_id, area, color, reason) VALUES (?1, ?2, ?3, ?4)";

static enum vx_status file_steps(struct vx_store *st, const struct vx_tl_report *r, vx_time at,
                                 int64_t *new_id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, SQL_CURRENT_ID, "traffic-light report", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, r->region, sizeof r->region);
    rc |= sqlite3_bind_int(q, 2, r->month);
    int64_t old = 0;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            old = sqlite3_column_int64(q, 0);
            rc = SQLITE_DONE;
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sq_error(st, rc, false, "traffic-light report");
    if (old) {
        if ((vs = sq_write_prep(st, SQL_MARK_SELF, "traffic-light report", &q)) != VX_OK)
            return vs;
        rc = sqlite3_bind_int64(q, 1, old) | sqlite3_bind_int64(q, 2, at);
        if ((vs = sq_finish(st, q, rc, "traffic-light report")) != VX_OK)
            return vs;
    }
    if ((vs = sq_write_prep(st, SQL_INSERT, "traffic-light report", &q)) != VX_OK)
        return vs;
    rc = sq_bind_text(q, 1, r->region, sizeof r->region);
    rc |= sqlite3_bind_int(q, 2, r->month);
    rc |= sq_bind_text(q, 3, r->filed_by, sizeof r->filed_by);
    rc |= sqlite3_bind_int64(q, 4, at);
    if ((vs = sq_finish(st, q, rc, "traffic-light report")) != VX_OK)
        return vs;
    *new_id = sqlite3_last_insert_rowid(sq_store_db(st));
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        if ((vs = sq_write_prep(st, SQL_INSERT_AREA, "traffic-light report area", &q)) != VX_OK)
            return vs;
        rc = sqlite3_bind_int64(q, 1, *new_id);
        rc |= sqlite3_bind_text(q, 2, vx_tl_area_info((enum vx_tl_area)a)->code, -1, SQLITE_STATIC);
        rc |= sqlite3_bind_text(q, 3, vx_tl_color_code(r->area[a].color), -1, SQLITE_STATIC);
        rc |= sq_bind_text(q, 4, r->area[a].reason, sizeof r->area[a].reason);
        if ((vs = sq_finish(st, q, rc, "traffic-light report area")) != VX_OK)
            return vs;
    }
    if (old) {
        if ((vs = sq_write_prep(st, SQL_MARK_NEW, "traffic-light report", &q)) != VX_OK)
            return vs;
        rc = sqlite3_bind_int64(q, 1, old) | sqlite3_bind_int64(q, 2, *new_id);
        if ((vs = sq_finish(st, q, rc, "traffic-light report")) != VX_OK)
            return vs;
    }
    return VX_OK;
}

static enum vx_status rp_file(struct vx_store *st, const struct vx_tl_report *r, int64_t *id)
{
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        if ((unsigned)r->area[a].color >= VX_TL_COLOR_COUNT)
            return sq_set_err(st, VX_EINVAL, "traffic-light report: bad colour");
    vx_time at = r->filed_at ? r->filed_at : (vx_time)time(NULL);
    bool own = !sq_in_tx(st);
    enum vx_status vs = own ? vx_store_begin(st) : VX_OK;
    if (vs != VX_OK)
        return vs;
    int64_t new_id = 0;
    vs = file_steps(st, r, at, &new_id);
    if (own) {
        if (vs == VX_OK)
            vs = vx_store_commit(st);
        else {
            char keep[sizeof st->err];
            snprintf(keep, sizeof keep, "%s", st->err);
            vx_store_rollback(st);
            snprintf(st->err, sizeof st->err, "%s", keep);
        }
    }
    if (vs == VX_OK && id)
        *id = new_id;
    return vs;
}

/* ------------------------------------------------------------------ reading */

#define REPORT_COLS                                                                                \
    "r.id, r.region_code, r.month, r.filed_by, r.filed_at, coalesce(r.superseded_by, 0), "         \
    "coalesce(r.superseded_at, 0), a.area, a.color, a.reason"

/* Rows come ordered by report then area; consecutive rows of one report are folded. */
struct fold {
    struct vx_tl_report cur;
    bool have;
    vx_tl_report_cb cb;
    void *ctx;
    int stop;
    /* bind values */
    const char *region;
    int month;
    bool history;
};

static int fold_flush(struct fold *f)
{
    if (!f->have)
        return 0;
    f->have = false;
    f->stop = f->cb(f->ctx, &f->cur);
    return f->stop;
}

static int fold_row(void *ctx, sqlite3_stmt *q)
{
    struct fold *f = ctx;
    int64_t id = sqlite3_column_int64(q, 0);
    if (f->have && f->cur.id != id && fold_flush(f))
        return 1;
    if (!f->have) {
        memset(&f->cur, 0, sizeof f->cur);
        f->cur.id = id;
        sq_copy_col(q, 1, f->cur.region, sizeof f->cur.region);
        f->cur.month = sqlite3_column_int(q, 2);
        sq_copy_col(q, 3, f->cur.filed_by, sizeof f->cur.filed_by);
        f->cur.filed_at = sqlite3_column_int64(q, 4);
        f->cur.superseded_by = sqlite3_column_int64(q, 5);
        f->cur.superseded_at = sqlite3_column_int64(q, 6);
        f->have = true;
    }
    enum vx_tl_area a;
    enum vx_tl_color c;
    if (vx_tl_area_parse((const char *)sqlite3_column_text(q, 7), &a) == VX_OK &&
        vx_tl_color_parse((const char *)sqlite3_column_text(q, 8), &c) == VX_OK) {
        f->cur.area[a].color = c;
        sq_copy_col(q, 9, f->cur.area[a].reason, sizeof f->cur.area[a].reason);
    }
    return 0;
}

static int fold_bind(void *ctx, sqlite3_stmt *q)
{
    struct fold *f = ctx;
    int rc = sqlite3_bind_text(q, 1, f->region, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_int(q, 2, f->month);
    rc |= sqlite3_bind_int(q, 3, f->history);
    return rc;
}

static const char SQL_FOREACH[] =
    "SELECT " REPORT_COLS " FROM tl_reports r JOIN tl_report_areas a ON a.report_id = r.id"
    " WHERE (?1 = '' OR r.region_code = ?1) AND (?2 = 0 OR r.month = ?2)"
    "   AND (?3 OR r.superseded_by IS NULL)"
    " ORDER BY r.month, r.region_code, r.filed_at, r.id";

static enum vx_status rp_foreach(struct vx_store *st, const char *region, int month, bool history,
                                 vx_tl_report_cb cb, void *ctx)
{
    struct fold f = {
        .cb = cb, .ctx = ctx, .region = region ? region : "", .month = month, .history = history};
    enum vx_status vs = sq_each(st, SQL_FOREACH, "traffic-light reports", fold_bind, fold_row, &f);
    if (vs == VX_OK && !f.stop)
        fold_flush(&f);
    return vs;
}

static int copy_one(void *ctx, const struct vx_tl_report *r)
{
    struct vx_tl_report *out = ctx;
    *out = *r;
    return 1;
}

static enum vx_status rp_get(struct vx_store *st, const char *region, int month,
                             struct vx_tl_report *out)
{
    memset(out, 0, sizeof *out);
    if (!region || !region[0] || !month)
        return sq_set_err(st, VX_EINVAL, "traffic-light report: region and month needed");
    enum vx_status vs = rp_foreach(st, region, month, false, copy_one, out);
    if (vs == VX_OK && !out->id)
        return sq_set_err(st, VX_ENOTFOUND, "no traffic-light report of region %.2s for %d", region,
                          month);
    return vs;
}

/* ------------------------------------------------------------------ figures */

/* Stockholm local midnight at the start of day d as Unix seconds. */
static vx_time day_start(vx_day d)
{
    vx_time t = 0;
    if (vx_stockholm_to_utc(d, 0, &t, NULL) != VX_OK)
        t = (vx_time)d * 86400 - 3600;
    return t;
}

struct fig_q {
    const char *sql;
    int64_t *dst[2];
};

/* One aggregate query with the common parameters:
 *  ?1 region ('' = all), ?2 from instant, ?3 end instant (exclusive) of `to`,
 *  ?4 end instant of asof, ?5 start instant of asof - 6, ?6 from YYYYMMDD, ?7 to YYYYMMDD,
 *  ?8 first ISO week of the period, ?9 last ISO week, ?10 asof's ISO week. */
struct fig_bind {
    const char *region;
    vx_time from, to_end, asof_end, week_start;
    int from_ymd, to_ymd;
    char w1[9], w2[9], wa[9];
    int64_t *dst[2];
};

static int fig_bind(void *ctx, sqlite3_stmt *q)
{
    struct fig_bind *b = ctx;
    int n = sqlite3_bind_parameter_count(q), rc = SQLITE_OK;
    for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
        switch (i) {
        case 1:
            rc = sqlite3_bind_text(q, 1, b->region, -1, SQLITE_TRANSIENT);
            break;
        case 2:
            rc = sqlite3_bind_int64(q, 2, b->from);
            break;
        case 3:
            rc = sqlite3_bind_int64(q, 3, b->to_end);
            break;
        case 4:
            rc = sqlite3_bind_int64(q, 4, b->asof_end);
            break;
        case 5:
            rc = sqlite3_bind_int64(q, 5, b->week_start);
            break;
        case 6:
            rc = sqlite3_bind_int(q, 6, b->from_ymd);
            break;
        case 7:
            rc = sqlite3_bind_int(q, 7, b->to_ymd);
            break;
        case 8:
            rc = sqlite3_bind_text(q, 8, b->w1, -1, SQLITE_TRANSIENT);
            break;
        case 9:
            rc = sqlite3_bind_text(q, 9, b->w2, -1, SQLITE_TRANSIENT);
            break;
        case 10:
            rc = sqlite3_bind_text(q, 10, b->wa, -1, SQLITE_TRANSIENT);
            break;
        }
    }
    return rc;
}

static int fig_row(void *ctx, sqlite3_stmt *q)
{
    struct fig_bind *b = ctx;
    for (int k = 0; k < 2; k++)
        if (b->dst[k])
            *b->dst[k] = sqlite3_column_int64(q, k);
    return 1;
}

#define REGION_OK(col) "(?1 = '' OR " col " = ?1)"

enum fig_sql {
    F_PERSONS,
    F_COVER,
    F_DOSES,
    F_AT_SITES,
    F_DELIVERED,
    F_SLOTS,
    F_SLOT_BOOKED,
    F_BOOKINGS,
    F_CAPACITY,
    F_COUNT
};

static const char *const fig_sql[F_COUNT] = {
    [F_PERSONS] = "SELECT count(*), (SELECT count(*) FROM municipalities WHERE " REGION_OK(
        "region_code") ") FROM persons WHERE " REGION_OK("region_code"),
    /* persons with dose 1, persons with dose 2+, up to the end of asof */
    [F_COVER] =
        "SELECT count(DISTINCT CASE WHEN dose_number = 1 THEN person_id END),"
        " count(DISTINCT CASE WHEN dose_number >= 2 THEN person_id END)"
        " FROM doses WHERE " REGION_OK("region_code") " AND status = 'valid'"
                                                      " AND given_at >= 0 AND given_at < ?4 ",
    /* doses in the period, doses in the 7 days ending on asof */
    [F_DOSES] = "SELECT coalesce(sum(given_at >= ?2 AND given_at < ?3), 0),"
                " coalesce(sum(given_at >= ?5 AND given_at < ?4), 0)"
                " FROM doses WHERE " REGION_OK(
                    "region_code") " AND status = 'valid'"
                                   " AND given_at >= min(?2, ?5) AND given_at < max(?3, ?4)",
    [F_AT_SITES] = "SELECT count(*), 0 FROM doses d JOIN sites s ON s.id = d.site_id"
                   " WHERE " REGION_OK("s.region_code") " AND d.status = 'valid'"
                                                        " AND d.given_at < ?4 ",
    [F_DELIVERED] = "SELECT coalesce(sum(CASE WHEN ss.iso_week <= ?10 THEN ss.delivered END), 0),"
                    " coalesce(sum(CASE WHEN ss.iso_week BETWEEN ?8 AND ?9 THEN ss.delivered"
                    " END), 0) FROM site_supply ss JOIN sites s ON s.id = ss.site_id"
                    " WHERE " REGION_OK("s.region_code") "",
    [F_SLOTS] = "SELECT coalesce(sum(capacity), 0), 0 FROM slots WHERE " REGION_OK(
        "region_code") ""
                       " AND day BETWEEN ?6 AND ?7",
    [F_SLOT_BOOKED] =
        "SELECT count(*), 0 FROM slots s JOIN bookings b ON b.slot_id = s.id"
        " WHERE " REGION_OK("s.region_code") " AND s.day BETWEEN ?6 AND ?7"
                                             " AND (b.status = 'booked' OR b.status = 'attended')",
    [F_BOOKINGS] = "SELECT count(*), coalesce(sum(status = 'cancelled'), 0) FROM bookings"
                   " WHERE " REGION_OK("region_code") " AND created_at >= ?2 AND created_at < ?3",
    /* doses a week: stations × doses per station per day × open weekdays */
    [F_CAPACITY] = "SELECT coalesce(sum(stations * ((close_minute - open_minute)"
                   " / max(minutes_per_dose, 1)) * ((weekdays & 1) + (weekdays >> 1 & 1)"
                   " + (weekdays >> 2 & 1) + (weekdays >> 3 & 1) + (weekdays >> 4 & 1)"
                   " + (weekdays >> 5 & 1) + (weekdays >> 6 & 1))), 0), 0 FROM sites"
                   " WHERE " REGION_OK("region_code") " AND close_minute > open_minute",
};

static enum vx_status rp_figures(struct vx_store *st, const char *region, vx_day from, vx_day to,
                                 vx_day asof, struct vx_tl_figures *out)
{
    memset(out, 0, sizeof *out);
    if (to < from)
        return sq_set_err(st, VX_EINVAL, "figures: the period ends before it starts");
    struct fig_bind b = {.region = region ? region : "",
                         .from = day_start(from),
                         .to_end = day_start(to + 1),
                         .asof_end = day_start(asof + 1),
                         .week_start = day_start(asof - 6),
                         .from_ymd = sq_ymd(from),
                         .to_ymd = sq_ymd(to)};
    /* weeks whose Monday lies in [from, to] */
    int wd = vx_weekday(from);
    vx_day first_monday = wd == 1 ? from : from + (8 - wd);
    vx_isoweek_format(vx_isoweek_of(first_monday), b.w1);
    vx_isoweek_format(vx_isoweek_of(to), b.w2);
    if (first_monday > to)
        snprintf(b.w2, sizeof b.w2, "%s", "0000-W00"); /* empty range */
    vx_isoweek_format(vx_isoweek_of(asof), b.wa);
    int64_t *dst[F_COUNT][2] = {
        [F_PERSONS] = {&out->persons, &out->kommuner},
        [F_COVER] = {&out->dose1_persons, &out->dose2_persons},
        [F_DOSES] = {&out->doses_period, &out->doses_7d},
        [F_AT_SITES] = {&out->given_at_sites, NULL},
        [F_DELIVERED] = {&out->delivered_total, &out->delivered_period},
        [F_SLOTS] = {&out->slot_capacity, NULL},
        [F_SLOT_BOOKED] = {&out->slot_booked, NULL},
        [F_BOOKINGS] = {&out->bookings_made, &out->bookings_cancelled},
        [F_CAPACITY] = {&out->site_week_capacity, NULL},
    };
    for (int i = 0; i < F_COUNT; i++) {
        b.dst[0] = dst[i][0];
        b.dst[1] = dst[i][1];
        enum vx_status vs = sq_each(st, fig_sql[i], "report figures", fig_bind, fig_row, &b);
        if (vs != VX_OK)
            return vs;
    }
    return VX_OK;
}

struct kommun_ctx {
    const char *region;
    vx_tl_kommun_cb cb;
    void *ctx;
};

static int kommun_bind(void *ctx, sqlite3_stmt *q)
{
    return sqlite3_bind_text(q, 1, ((struct kommun_ctx *)ctx)->region, -1, SQLITE_TRANSIENT);
}

static int kommun_row(void *ctx, sqlite3_stmt *q)
{
    struct kommun_ctx *k = ctx;
    struct vx_kommun_rec r;
    memset(&r, 0, sizeof r);
    sq_copy_col(q, 0, r.code, sizeof r.code);
    sq_copy_col(q, 1, r.name, sizeof r.name);
    sq_copy_col(q, 2, r.region, sizeof r.region);
    return k->cb(k->ctx, &r);
}

static enum vx_status rp_kommun_foreach(struct vx_store *st, const char *region, vx_tl_kommun_cb cb,
                                        void *ctx)
{
    struct kommun_ctx k = {.region = region ? region : "", .cb = cb, .ctx = ctx};
    return sq_each(st,
                   "SELECT code, name, region_code FROM municipalities"
                   " WHERE " REGION_OK("region_code") " ORDER BY code",
                   "municipalities", kommun_bind, kommun_row, &k);
}

const struct vx_store_report_ops sq_report_ops = {
    .name = "sqlite",
    .file = rp_file,
    .get = rp_get,
    .foreach = rp_foreach,
    .figures = rp_figures,
    .kommun_foreach = rp_kommun_foreach,
};
