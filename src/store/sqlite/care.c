/*
 * care.c — SQLite implementation of struct vx_store_care_ops (include/vx/store_care.h)
 * and its schema migration (version 4).
 *
 * Stock is a ledger: every change of the doses of a lot at a site is one row of
 * stock_moves (receipt, transfer out/in, vial opened, dose without a vial, wastage
 * of unopened doses, count adjustment). A trigger folds each move into `stock`
 * (site, lot) -> doses, whose CHECK (doses >= 0) is the last line of defence against
 * a negative stock: the care library checks first and says why, the CHECK only
 * turns a bug into a failed transaction. Reads of stock are then one row per lot.
 *
 * Vials carry their timer (usable_until) and the counts they were opened with
 * (nominal doses taken from stock, max doses that may be drawn); how many were
 * drawn is not a counter but a count of valid doses with that vial_id (index
 * doses_vial), so a voided dose gives its draw back and nothing can drift.
 *
 * Doses are inserted by the main backend's dose_put; this file only reads them and
 * applies the care module's corrections and voids (dose_update), keeping the old
 * values in dose_history. Like the main backend, no message here quotes a
 * personnummer: persons are named by store id.
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"

const char sq_schema_care[] =
    "ALTER TABLE lots ADD COLUMN thawed_at INTEGER;" /* NULL = not frozen / unknown */
    "ALTER TABLE lots ADD COLUMN usable_until INTEGER NOT NULL DEFAULT 0;"

    "CREATE TABLE stock_moves ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  kind TEXT NOT NULL CHECK (kind = 'receipt' OR kind = 'transfer_out'"
    "    OR kind = 'transfer_in' OR kind = 'vial_open' OR kind = 'dose' OR kind = 'wastage'"
    "    OR kind = 'count'),"
    "  doses INTEGER NOT NULL CHECK (doses <> 0),"
    "  ref_id INTEGER,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT '',"
    "  note TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX stock_moves_site_lot ON stock_moves (site_id, lot_id, at);"

    "CREATE TABLE stock ("
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  doses INTEGER NOT NULL CHECK (doses >= 0),"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, lot_id)"
    ") STRICT, WITHOUT ROWID;"
    /* not an upsert: SQLite checks CHECK before the conflict, so a negative move
     * would fail as an insert even when the row exists */
    "CREATE TRIGGER stock_moves_apply AFTER INSERT ON stock_moves BEGIN"
    "  INSERT OR IGNORE INTO stock (site_id, lot_id, doses, updated_at)"
    "    VALUES (NEW.site_id, NEW.lot_id, 0, NEW.at);"
    "  UPDATE stock SET doses = doses + NEW.doses, updated_at = NEW.at"
    "    WHERE site_id = NEW.site_id AND lot_id = NEW.lot_id;"
    "END;"

    "CREATE TABLE stock_transfers ("
    "  id INTEGER PRIMARY KEY,"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  from_site INTEGER NOT NULL REFERENCES sites (id),"
    "  to_site INTEGER NOT NULL REFERENCES sites (id),"
    "  doses INTEGER NOT NULL CHECK (doses > 0),"
    "  status TEXT NOT NULL DEFAULT 'sent' CHECK (status = 'sent' OR status = 'received'),"
    "  sent_at INTEGER NOT NULL,"
    "  sent_by TEXT NOT NULL DEFAULT '',"
    "  received_at INTEGER,"
    "  received_by TEXT NOT NULL DEFAULT '',"
    "  received_doses INTEGER NOT NULL DEFAULT 0"
    "    CHECK (received_doses >= 0 AND received_doses <= doses),"
    "  note TEXT NOT NULL DEFAULT '',"
    "  CHECK (from_site <> to_site)"
    ") STRICT;"
    "CREATE INDEX stock_transfers_from ON stock_transfers (from_site, sent_at);"
    "CREATE INDEX stock_transfers_to ON stock_transfers (to_site, status, lot_id);"

    "CREATE TABLE stock_counts ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  expected INTEGER NOT NULL CHECK (expected >= 0),"
    "  counted INTEGER NOT NULL CHECK (counted >= 0),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT '',"
    "  followup TEXT NOT NULL DEFAULT 'none' CHECK (followup = 'none' OR followup = 'open'"
    "    OR followup = 'resolved'),"
    "  note TEXT NOT NULL DEFAULT '',"
    "  CHECK ((followup = 'none') = (expected = counted))"
    ") STRICT;"
    "CREATE INDEX stock_counts_site ON stock_counts (site_id, at);"
    "CREATE INDEX stock_counts_open ON stock_counts (site_id) WHERE followup = 'open';"

    "CREATE TABLE cold_chain_excursions ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  from_at INTEGER NOT NULL,"
    "  to_at INTEGER NOT NULL CHECK (to_at >= from_at),"
    "  min_c REAL NOT NULL,"
    "  max_c REAL NOT NULL CHECK (max_c >= min_c),"
    "  decision TEXT NOT NULL CHECK (decision = 'usable' OR decision = 'discard'),"
    "  doses INTEGER NOT NULL DEFAULT 0 CHECK (doses >= 0),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT '',"
    "  note TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX cold_chain_excursions_site ON cold_chain_excursions (site_id, at);"

    "CREATE TABLE vials ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER REFERENCES sites (id)," /* NULL: a municipal nurse's vial */
    "  kommun_code TEXT REFERENCES municipalities (code),"
    "  region_code TEXT NOT NULL,"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  opened_at INTEGER NOT NULL,"
    "  usable_until INTEGER NOT NULL CHECK (usable_until >= opened_at),"
    "  nominal INTEGER NOT NULL CHECK (nominal >= 1),"
    "  max_doses INTEGER NOT NULL CHECK (max_doses >= nominal),"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'closed'"
    "    OR status = 'expired'),"
    "  closed_at INTEGER,"
    "  opened_by TEXT NOT NULL DEFAULT '',"
    "  closed_by TEXT NOT NULL DEFAULT '',"
    "  CHECK (site_id IS NOT NULL OR kommun_code IS NOT NULL)"
    ") STRICT;"
    "CREATE INDEX vials_site ON vials (site_id, opened_at);"
    "CREATE INDEX vials_open ON vials (usable_until) WHERE status = 'open';"
    "CREATE INDEX vials_region ON vials (region_code, opened_at);"

    "CREATE TABLE wastage ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER REFERENCES sites (id),"
    "  kommun_code TEXT REFERENCES municipalities (code),"
    "  region_code TEXT NOT NULL,"
    "  lot_id INTEGER NOT NULL REFERENCES lots (id),"
    "  vial_id INTEGER REFERENCES vials (id),"
    "  excursion_id INTEGER REFERENCES cold_chain_excursions (id),"
    "  doses INTEGER NOT NULL CHECK (doses > 0),"
    "  reason TEXT NOT NULL CHECK (reason = 'expired' OR reason = 'broken'"
    "    OR reason = 'leftover' OR reason = 'cold_chain' OR reason = 'other'),"
    "  note TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX wastage_site ON wastage (site_id, at);"
    "CREATE INDEX wastage_region ON wastage (region_code, at);"
    "CREATE INDEX wastage_vial ON wastage (vial_id) WHERE vial_id IS NOT NULL;"

    "CREATE TABLE standby ("
    "  person_id INTEGER PRIMARY KEY REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  site_id INTEGER REFERENCES sites (id)," /* NULL = any site of the region */
    "  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 240),"
    "  phone INTEGER NOT NULL DEFAULT 0 CHECK (phone BETWEEN 0 AND 1),"
    "  active INTEGER NOT NULL DEFAULT 1 CHECK (active BETWEEN 0 AND 1),"
    "  opted_in_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX standby_region ON standby (region_code, opted_in_at) WHERE active = 1;"

    "CREATE TABLE standby_offers ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  vial_id INTEGER NOT NULL REFERENCES vials (id),"
    "  site_id INTEGER REFERENCES sites (id),"
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  dose_number INTEGER NOT NULL CHECK (dose_number >= 1),"
    "  offered_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL CHECK (expires_at > offered_at),"
    "  status TEXT NOT NULL DEFAULT 'offered' CHECK (status = 'offered' OR status = 'accepted'"
    "    OR status = 'declined' OR status = 'expired' OR status = 'used'),"
    "  answered_at INTEGER,"
    "  offered_by TEXT NOT NULL DEFAULT '',"
    "  dose_id INTEGER REFERENCES doses (id)"
    ") STRICT;"
    "CREATE INDEX standby_offers_vial ON standby_offers (vial_id, status);"
    "CREATE INDEX standby_offers_site ON standby_offers (site_id, status);"
    /* one live offer per person */
    "CREATE UNIQUE INDEX standby_offers_live ON standby_offers (person_id)"
    "  WHERE status = 'offered' OR status = 'accepted';"

    "CREATE TABLE dose_history ("
    "  id INTEGER PRIMARY KEY,"
    "  dose_id INTEGER NOT NULL REFERENCES doses (id),"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  action TEXT NOT NULL CHECK (action = 'correct' OR action = 'void'),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT '',"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  vaccine_code TEXT NOT NULL,"
    "  lot_id INTEGER,"
    "  lot_number TEXT NOT NULL DEFAULT '',"
    "  dose_number INTEGER NOT NULL,"
    "  given_at INTEGER NOT NULL,"
    "  site_id INTEGER,"
    "  kommun_code TEXT,"
    "  vial_id INTEGER,"
    "  injection_site TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL,"
    "  UNIQUE (dose_id, version)"
    ") STRICT;"
    "CREATE TRIGGER dose_history_no_update BEFORE UPDATE ON dose_history"
    "  BEGIN SELECT RAISE(ABORT, 'dose_history is append-only'); END;"
    "CREATE TRIGGER dose_history_no_delete BEFORE DELETE ON dose_history"
    "  BEGIN SELECT RAISE(ABORT, 'dose_history is append-only'); END;"

    "CREATE TABLE aefi_reports ("
    "  id INTEGER PRIMARY KEY,"
    "  dose_id INTEGER NOT NULL REFERENCES doses (id),"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  reporter TEXT NOT NULL DEFAULT '',"
    "  onset_at INTEGER NOT NULL,"
    "  description TEXT NOT NULL CHECK (length(description) > 0),"
    "  serious INTEGER NOT NULL DEFAULT 0 CHECK (serious BETWEEN 0 AND 1),"
    "  seriousness TEXT NOT NULL DEFAULT '',"
    "  code TEXT NOT NULL DEFAULT '',"
    "  reported_at INTEGER NOT NULL,"
    "  reported_by TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX aefi_reports_dose ON aefi_reports (dose_id);"

    "CREATE TABLE checkins ("
    "  booking_id INTEGER PRIMARY KEY REFERENCES bookings (id),"
    "  site_id INTEGER NOT NULL REFERENCES sites (id),"
    "  arrived_at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT ''"
    ") STRICT;";

/* ------------------------------------------------------------------ codes */

static const char *const move_codes[VX_MOVE_KIND_COUNT] = {
    "receipt", "transfer_out", "transfer_in", "vial_open", "dose", "wastage", "count"};
static const char *const transfer_codes[VX_TRANSFER_STATUS_COUNT] = {"sent", "received"};
static const char *const followup_codes[] = {"none", "open", "resolved"};
static const char *const decision_codes[] = {"usable", "discard"};
static const char *const vial_codes[VX_VIAL_STATUS_COUNT] = {"open", "closed", "expired"};
static const char *const waste_codes[VX_WASTE_REASON_COUNT] = {"expired", "broken", "leftover",
                                                               "cold_chain", "other"};
static const char *const offer_codes[VX_OFFER_STATUS_COUNT] = {"offered", "accepted", "declined",
                                                               "expired", "used"};

static const char *code_of(const char *const *t, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? t[i] : "unknown";
}

static int index_of(const char *const *t, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(t[i], s) == 0)
            return (int)i;
    return -1;
}

const char *vx_stock_move_code(enum vx_stock_move_kind k)
{
    return code_of(move_codes, VX_ARRAY_LEN(move_codes), (int)k);
}
const char *vx_transfer_status_code(enum vx_transfer_status s)
{
    return code_of(transfer_codes, VX_ARRAY_LEN(transfer_codes), (int)s);
}
const char *vx_followup_code(enum vx_followup f)
{
    return code_of(followup_codes, VX_ARRAY_LEN(followup_codes), (int)f);
}
const char *vx_excursion_decision_code(enum vx_excursion_decision d)
{
    return code_of(decision_codes, VX_ARRAY_LEN(decision_codes), (int)d);
}
const char *vx_vial_status_code(enum vx_vial_status s)
{
    return code_of(vial_codes, VX_ARRAY_LEN(vial_codes), (int)s);
}
const char *vx_waste_reason_code(enum vx_waste_reason r)
{
    return code_of(waste_codes, VX_ARRAY_LEN(waste_codes), (int)r);
}
enum vx_status vx_waste_reason_parse(const char *s, enum vx_waste_reason *out)
{
    int i = index_of(waste_codes, VX_ARRAY_LEN(waste_codes), s);
    if (i < 0)
        return VX_EINVAL;
    *out = (enum vx_waste_reason)i;
    return VX_OK;
}
const char *vx_offer_status_code(enum vx_offer_status s)
{
    return code_of(offer_codes, VX_ARRAY_LEN(offer_codes), (int)s);
}

/* ------------------------------------------------------------------ helpers */

static int bind_opt_id(sqlite3_stmt *q, int i, int64_t id)
{
    return id ? sqlite3_bind_int64(q, i, id) : sqlite3_bind_null(q, i);
}

static int bind_opt_text(sqlite3_stmt *q, int i, const char *s, size_t size)
{
    return s[0] ? sq_bind_text(q, i, s, size) : sqlite3_bind_null(q, i);
}

static int bind_str(sqlite3_stmt *q, int i, const char *s)
{
    return sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Insert with a cached statement, *id (may be NULL) gets the rowid. */
static enum vx_status insert_done(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what,
                                  int64_t *id)
{
    enum vx_status vs = sq_finish(st, q, rc, what);
    if (vs == VX_OK && id)
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(q));
    return vs;
}

/* An UPDATE guarded by a state condition: VX_ECONFLICT when no row changed. */
static enum vx_status update_done(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what)
{
    enum vx_status vs = sq_finish(st, q, rc, what);
    if (vs == VX_OK && sqlite3_changes(sqlite3_db_handle(q)) == 0)
        vs = sq_set_err(st, VX_ECONFLICT, "%s: not found or not in the expected state", what);
    return vs;
}

/* A generic foreach: up to 4 integer and 1 text parameters, a row converter into a
 * record buffer and the caller's callback. */
struct each {
    int64_t a[4];
    int na;
    const char *text;
    int text_at; /* parameter index of the text (0 = none) */
    union {      /* the caller's callback, called through its own type */
        vx_stock_cb stock;
        vx_transfer_cb transfer;
        vx_count_cb count;
        vx_vial_cb vial;
        vx_wastage_cb wastage;
        vx_standby_cb standby;
        vx_offer_cb offer;
        vx_history_cb history;
        vx_aefi_cb aefi;
        vx_care_booking_cb booking;
    } cb;
    void *ctx;
};

static int each_bind(void *ctx, sqlite3_stmt *q)
{
    struct each *e = ctx;
    int rc = SQLITE_OK;
    for (int i = 0; i < e->na && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_int64(q, i + 1, e->a[i]);
    if (rc == SQLITE_OK && e->text_at)
        rc = bind_str(q, e->text_at, e->text);
    return rc;
}

/* One row function per record type: fill a record, call the typed callback. */
#define EACH_ROW(kind, type, fill)                                                                 \
    static int kind##_each_row(void *ctx, sqlite3_stmt *q)                                         \
    {                                                                                              \
        struct each *e = ctx;                                                                      \
        type rec;                                                                                  \
        fill(q, &rec);                                                                             \
        return e->cb.kind(e->ctx, &rec);                                                           \
    }

/* ------------------------------------------------------------------ sites */

static const char sql_site_get[] =
    "SELECT id, code, name, region_code, kommun_code, kind, address, stations, "
    "minutes_per_dose, open_minute, close_minute, weekdays FROM sites WHERE id = ?1";

static void site_row(sqlite3_stmt *q, void *out)
{
    struct vx_site_rec *s = out;
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, s->code, sizeof s->code);
    sq_copy_col(q, 2, s->name, sizeof s->name);
    sq_copy_col(q, 3, s->region, sizeof s->region);
    sq_copy_col(q, 4, s->kommun, sizeof s->kommun);
    if (vx_site_kind_parse((const char *)sqlite3_column_text(q, 5), &s->kind) != VX_OK)
        s->kind = VX_SITE_HEALTH_CENTRE;
    sq_copy_col(q, 6, s->address, sizeof s->address);
    s->stations = sqlite3_column_int(q, 7);
    s->minutes_per_dose = sqlite3_column_int(q, 8);
    s->open_minute = sqlite3_column_int(q, 9);
    s->close_minute = sqlite3_column_int(q, 10);
    s->weekdays = (uint8_t)sqlite3_column_int(q, 11);
}

static enum vx_status care_site_get_id(struct vx_store *st, int64_t id, struct vx_site_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_site_get, "site", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "site", site_row, out);
}

/* ------------------------------------------------------------------ lots */

#define LOT_COLS                                                                                   \
    "id, vaccine_code, lot_number, expiry, manufacturer, coalesce(received_at, 0), "               \
    "coalesce(thawed_at, 0), usable_until"

static void lot_fill(sqlite3_stmt *q, int c, struct vx_lot_rec *l)
{
    memset(l, 0, sizeof *l);
    l->id = sqlite3_column_int64(q, c);
    sq_copy_col(q, c + 1, l->vaccine, sizeof l->vaccine);
    sq_copy_col(q, c + 2, l->lot_number, sizeof l->lot_number);
    l->expiry = sq_day(sqlite3_column_int(q, c + 3));
    sq_copy_col(q, c + 4, l->manufacturer, sizeof l->manufacturer);
    l->received_at = sqlite3_column_int64(q, c + 5);
    l->thawed_at = sqlite3_column_int64(q, c + 6);
    l->usable_until = sqlite3_column_int64(q, c + 7);
}

static void lot_row(sqlite3_stmt *q, void *out)
{
    lot_fill(q, 0, out);
}

static const char sql_lot_get[] = "SELECT " LOT_COLS " FROM lots WHERE id = ?1";
static const char sql_lot_find[] =
    "SELECT " LOT_COLS " FROM lots WHERE vaccine_code = ?1 AND lot_number = ?2";
static const char sql_lot_ins[] =
    "INSERT INTO lots (vaccine_code, lot_number, expiry, manufacturer, received_at, thawed_at, "
    "usable_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_lot_thaw[] =
    "UPDATE lots SET thawed_at = ?2, usable_until = ?3 WHERE id = ?1 AND thawed_at IS NULL";

static enum vx_status care_lot_get(struct vx_store *st, int64_t id, struct vx_lot_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_lot_get, "lot", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "lot", lot_row, out);
}

static enum vx_status care_lot_find(struct vx_store *st, const char *vaccine,
                                    const char *lot_number, struct vx_lot_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_lot_find, "lot", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, vaccine);
    rc |= bind_str(q, 2, lot_number);
    return sq_one_row(st, q, rc, "lot", lot_row, out);
}

static enum vx_status care_lot_put(struct vx_store *st, const struct vx_lot_rec *l, int64_t *id,
                                   bool *created)
{
    struct vx_lot_rec old;
    if (created)
        *created = false;
    enum vx_status vs = care_lot_find(st, l->vaccine, l->lot_number, &old);
    if (vs == VX_OK) {
        if (old.expiry != l->expiry)
            return sq_set_err(st, VX_ECONFLICT,
                              "lot %.32s of %.16s is on record with another expiry date",
                              l->lot_number, l->vaccine);
        if (l->thawed_at && !old.thawed_at) {
            sqlite3_stmt *q;
            vs = sq_write_prep(st, sql_lot_thaw, "lot", &q);
            if (vs != VX_OK)
                return vs;
            int rc = sqlite3_bind_int64(q, 1, old.id);
            rc |= sqlite3_bind_int64(q, 2, l->thawed_at);
            rc |= sqlite3_bind_int64(q, 3, l->usable_until);
            if ((vs = sq_finish(st, q, rc, "lot")) != VX_OK)
                return vs;
        }
        if (id)
            *id = old.id;
        return VX_OK;
    }
    if (vs != VX_ENOTFOUND)
        return vs;
    sqlite3_stmt *q;
    if ((vs = sq_write_prep(st, sql_lot_ins, "lot", &q)) != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, l->vaccine, sizeof l->vaccine);
    rc |= sq_bind_text(q, 2, l->lot_number, sizeof l->lot_number);
    rc |= sqlite3_bind_int(q, 3, sq_ymd(l->expiry));
    rc |= sq_bind_text(q, 4, l->manufacturer, sizeof l->manufacturer);
    rc |= bind_opt_id(q, 5, l->received_at);
    rc |= bind_opt_id(q, 6, l->thawed_at);
    rc |= sqlite3_bind_int64(q, 7, l->usable_until);
    vs = insert_done(st, q, rc, "lot", id);
    if (vs == VX_OK && created)
        *created = true;
    return vs;
}

/* ------------------------------------------------------------------ stock */

static const char sql_move_ins[] =
    "INSERT INTO stock_moves (site_id, lot_id, kind, doses, ref_id, at, actor, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static enum vx_status care_move_put(struct vx_store *st, const struct vx_stock_move_rec *m)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_move_ins, "stock move", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, m->site_id);
    rc |= sqlite3_bind_int64(q, 2, m->lot_id);
    rc |= bind_str(q, 3, vx_stock_move_code(m->kind));
    rc |= sqlite3_bind_int(q, 4, m->doses);
    rc |= bind_opt_id(q, 5, m->ref_id);
    rc |= sqlite3_bind_int64(q, 6, m->at);
    rc |= sq_bind_text(q, 7, m->by, sizeof m->by);
    rc |= sq_bind_text(q, 8, m->note, sizeof m->note);
    return sq_finish(st, q, rc, "stock move");
}

static const char sql_stock_get[] = "SELECT doses FROM stock WHERE site_id = ?1 AND lot_id = ?2";

static void int_row(sqlite3_stmt *q, void *out)
{
    *(int *)out = sqlite3_column_int(q, 0);
}

static enum vx_status care_stock_get(struct vx_store *st, int64_t site_id, int64_t lot_id,
                                     int *doses)
{
    sqlite3_stmt *q;
    *doses = 0;
    enum vx_status vs = sq_prep(st, sql_stock_get, "stock", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, site_id);
    rc |= sqlite3_bind_int64(q, 2, lot_id);
    vs = sq_one_row(st, q, rc, "stock", int_row, doses);
    return vs == VX_ENOTFOUND ? VX_OK : vs;
}

static const char sql_stock_each[] =
    "SELECT * FROM (SELECT s.site_id, t.code, l.id, l.vaccine_code, l.lot_number, l.expiry, "
    "l.manufacturer, coalesce(l.received_at, 0), coalesce(l.thawed_at, 0), l.usable_until, "
    "s.doses, (SELECT coalesce(sum(x.doses), 0) FROM stock_transfers x WHERE x.to_site = "
    "s.site_id AND x.lot_id = s.lot_id AND x.status = 'sent') AS transit, "
    "(SELECT count(*) FROM vials v WHERE v.site_id = s.site_id AND v.lot_id = s.lot_id AND "
    "v.status = 'open') AS open_vials, s.updated_at "
    "FROM stock s JOIN lots l ON l.id = s.lot_id JOIN sites t ON t.id = s.site_id "
    "WHERE (?1 = 0 OR s.site_id = ?1) AND (?2 = '' OR t.region_code = ?2)) "
    "WHERE doses > 0 OR transit > 0 OR open_vials > 0 "
    "ORDER BY 2, 4, 6, 5";

static void stock_row(sqlite3_stmt *q, void *out)
{
    struct vx_stock_row *r = out;
    memset(r, 0, sizeof *r);
    r->site_id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, r->site_code, sizeof r->site_code);
    lot_fill(q, 2, &r->lot);
    r->doses = sqlite3_column_int(q, 10);
    r->in_transit = sqlite3_column_int(q, 11);
    r->open_vials = sqlite3_column_int(q, 12);
    r->last_at = sqlite3_column_int64(q, 13);
}

EACH_ROW(stock, struct vx_stock_row, stock_row)

static enum vx_status care_stock_foreach(struct vx_store *st, int64_t site_id, const char *region,
                                         vx_stock_cb cb, void *ctx)
{
    struct each e = {.a = {site_id},
                     .na = 1,
                     .text = region ? region : "",
                     .text_at = 2,
                     .cb.stock = cb,
                     .ctx = ctx};
    return sq_each(st, sql_stock_each, "stock", each_bind, stock_each_row, &e);
}

/* ------------------------------------------------------------------ transfers */

#define TRANSFER_COLS                                                                              \
    "id, lot_id, from_site, to_site, doses, status, sent_at, sent_by, coalesce(received_at, 0), "  \
    "received_by, received_doses, note"

static void transfer_row(sqlite3_stmt *q, void *out)
{
    struct vx_transfer_rec *t = out;
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(q, 0);
    t->lot_id = sqlite3_column_int64(q, 1);
    t->from_site = sqlite3_column_int64(q, 2);
    t->to_site = sqlite3_column_int64(q, 3);
    t->doses = sqlite3_column_int(q, 4);
    int s = index_of(transfer_codes, VX_ARRAY_LEN(transfer_codes),
                     (const char *)sqlite3_column_text(q, 5));
    t->status = s < 0 ? VX_TRANSFER_SENT : (enum vx_transfer_status)s;
    t->sent_at = sqlite3_column_int64(q, 6);
    sq_copy_col(q, 7, t->sent_by, sizeof t->sent_by);
    t->received_at = sqlite3_column_int64(q, 8);
    sq_copy_col(q, 9, t->received_by, sizeof t->received_by);
    t->received_doses = sqlite3_column_int(q, 10);
    sq_copy_col(q, 11, t->note, sizeof t->note);
}

EACH_ROW(transfer, struct vx_transfer_rec, transfer_row)

static const char sql_transfer_ins[] =
    "INSERT INTO stock_transfers (lot_id, from_site, to_site, doses, status, sent_at, sent_by, "
    "note) VALUES (?1, ?2, ?3, ?4, 'sent', ?5, ?6, ?7)";
static const char sql_transfer_stock0[] =
    "INSERT OR IGNORE INTO stock (site_id, lot_id, doses, updated_at) VALUES (?1, ?2, 0, ?3)";
static const char sql_transfer_get[] =
    "SELECT " TRANSFER_COLS " FROM stock_transfers WHERE id = ?1";
static const char sql_transfer_recv[] =
    "UPDATE stock_transfers SET status = 'received', received_at = ?2, received_by = ?3, "
    "received_doses = ?4 WHERE id = ?1 AND status = 'sent'";
static const char sql_transfer_each[] =
    "SELECT " TRANSFER_COLS " FROM stock_transfers WHERE from_site = ?1 OR to_site = ?1 "
    "ORDER BY sent_at DESC, id DESC LIMIT 500";

static enum vx_status care_transfer_put(struct vx_store *st, const struct vx_transfer_rec *t,
                                        int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_transfer_ins, "transfer", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, t->lot_id);
    rc |= sqlite3_bind_int64(q, 2, t->from_site);
    rc |= sqlite3_bind_int64(q, 3, t->to_site);
    rc |= sqlite3_bind_int(q, 4, t->doses);
    rc |= sqlite3_bind_int64(q, 5, t->sent_at);
    rc |= sq_bind_text(q, 6, t->sent_by, sizeof t->sent_by);
    rc |= sq_bind_text(q, 7, t->note, sizeof t->note);
    if ((vs = insert_done(st, q, rc, "transfer", id)) != VX_OK)
        return vs;
    /* the receiver gets a stock row at once, so its in-transit doses are listed */
    if ((vs = sq_write_prep(st, sql_transfer_stock0, "transfer", &q)) != VX_OK)
        return vs;
    rc = sqlite3_bind_int64(q, 1, t->to_site);
    rc |= sqlite3_bind_int64(q, 2, t->lot_id);
    rc |= sqlite3_bind_int64(q, 3, t->sent_at);
    return sq_finish(st, q, rc, "transfer");
}

static enum vx_status care_transfer_get(struct vx_store *st, int64_t id,
                                        struct vx_transfer_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_transfer_get, "transfer", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "transfer", transfer_row, out);
}

static enum vx_status care_transfer_receive(struct vx_store *st, int64_t id, int doses, vx_time at,
                                            const char *by)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_transfer_recv, "transfer", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_int64(q, 2, at);
    rc |= bind_str(q, 3, by);
    rc |= sqlite3_bind_int(q, 4, doses);
    return update_done(st, q, rc, "transfer");
}

static enum vx_status care_transfer_foreach(struct vx_store *st, int64_t site_id, vx_transfer_cb cb,
                                            void *ctx)
{
    struct each e = {.a = {site_id}, .na = 1, .cb.transfer = cb, .ctx = ctx};
    return sq_each(st, sql_transfer_each, "transfers", each_bind, transfer_each_row, &e);
}

/* ------------------------------------------------------------------ counts, excursions */

static const char sql_count_ins[] =
    "INSERT INTO stock_counts (site_id, lot_id, expected, counted, at, actor, followup, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_count_each[] =
    "SELECT id, site_id, lot_id, expected, counted, at, actor, followup, note FROM stock_counts "
    "WHERE site_id = ?1 AND (?2 = 0 OR followup = 'open') ORDER BY at DESC, id DESC LIMIT 500";

static enum vx_status care_count_put(struct vx_store *st, const struct vx_count_rec *c, int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_count_ins, "stock count", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, c->site_id);
    rc |= sqlite3_bind_int64(q, 2, c->lot_id);
    rc |= sqlite3_bind_int(q, 3, c->expected);
    rc |= sqlite3_bind_int(q, 4, c->counted);
    rc |= sqlite3_bind_int64(q, 5, c->at);
    rc |= sq_bind_text(q, 6, c->by, sizeof c->by);
    rc |= bind_str(q, 7, vx_followup_code(c->followup));
    rc |= sq_bind_text(q, 8, c->note, sizeof c->note);
    return insert_done(st, q, rc, "stock count", id);
}

static void count_row(sqlite3_stmt *q, void *out)
{
    struct vx_count_rec *c = out;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    c->site_id = sqlite3_column_int64(q, 1);
    c->lot_id = sqlite3_column_int64(q, 2);
    c->expected = sqlite3_column_int(q, 3);
    c->counted = sqlite3_column_int(q, 4);
    c->at = sqlite3_column_int64(q, 5);
    sq_copy_col(q, 6, c->by, sizeof c->by);
    int f = index_of(followup_codes, VX_ARRAY_LEN(followup_codes),
                     (const char *)sqlite3_column_text(q, 7));
    c->followup = f < 0 ? VX_FOLLOWUP_NONE : (enum vx_followup)f;
    sq_copy_col(q, 8, c->note, sizeof c->note);
}

EACH_ROW(count, struct vx_count_rec, count_row)

static enum vx_status care_count_foreach(struct vx_store *st, int64_t site_id, bool open_only,
                                         vx_count_cb cb, void *ctx)
{
    struct each e = {.a = {site_id, open_only}, .na = 2, .cb.count = cb, .ctx = ctx};
    return sq_each(st, sql_count_each, "stock counts", each_bind, count_each_row, &e);
}

static const char sql_exc_ins[] =
    "INSERT INTO cold_chain_excursions (site_id, lot_id, from_at, to_at, min_c, max_c, "
    "decision, doses, at, actor, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

static enum vx_status care_excursion_put(struct vx_store *st, const struct vx_excursion_rec *e,
                                         int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_exc_ins, "excursion", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, e->site_id);
    rc |= sqlite3_bind_int64(q, 2, e->lot_id);
    rc |= sqlite3_bind_int64(q, 3, e->from_at);
    rc |= sqlite3_bind_int64(q, 4, e->to_at);
    rc |= sqlite3_bind_double(q, 5, e->min_c);
    rc |= sqlite3_bind_double(q, 6, e->max_c);
    rc |= bind_str(q, 7, vx_excursion_decision_code(e->decision));
    rc |= sqlite3_bind_int(q, 8, e->doses);
    rc |= sqlite3_bind_int64(q, 9, e->at);
    rc |= sq_bind_text(q, 10, e->by, sizeof e->by);
    rc |= sq_bind_text(q, 11, e->note, sizeof e->note);
    return insert_done(st, q, rc, "excursion", id);
}

/* ------------------------------------------------------------------ vials */

#define VIAL_COLS                                                                                  \
    "v.id, coalesce(v.site_id, 0), coalesce(v.kommun_code, ''), v.lot_id, l.vaccine_code, "        \
    "l.lot_number, v.opened_at, v.usable_until, v.nominal, v.max_doses, v.status, "                \
    "coalesce(v.closed_at, 0), v.opened_by, v.closed_by, "                                         \
    "(SELECT count(*) FROM doses d WHERE d.vial_id = v.id AND d.status = 'valid'), "               \
    "(SELECT coalesce(sum(w.doses), 0) FROM wastage w WHERE w.vial_id = v.id)"

static void vial_row(sqlite3_stmt *q, void *out)
{
    struct vx_vial_rec *v = out;
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(q, 0);
    v->site_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, v->kommun, sizeof v->kommun);
    v->lot_id = sqlite3_column_int64(q, 3);
    sq_copy_col(q, 4, v->vaccine, sizeof v->vaccine);
    sq_copy_col(q, 5, v->lot_number, sizeof v->lot_number);
    v->opened_at = sqlite3_column_int64(q, 6);
    v->usable_until = sqlite3_column_int64(q, 7);
    v->nominal = sqlite3_column_int(q, 8);
    v->max_doses = sqlite3_column_int(q, 9);
    int s =
        index_of(vial_codes, VX_ARRAY_LEN(vial_codes), (const char *)sqlite3_column_text(q, 10));
    v->status = s < 0 ? VX_VIAL_CLOSED : (enum vx_vial_status)s;
    v->closed_at = sqlite3_column_int64(q, 11);
    sq_copy_col(q, 12, v->opened_by, sizeof v->opened_by);
    sq_copy_col(q, 13, v->closed_by, sizeof v->closed_by);
    v->drawn = sqlite3_column_int(q, 14);
    v->wasted = sqlite3_column_int(q, 15);
}

EACH_ROW(vial, struct vx_vial_rec, vial_row)

static const char sql_vial_ins[] =
    "INSERT INTO vials (site_id, kommun_code, region_code, lot_id, opened_at, usable_until, "
    "nominal, max_doses, opened_by) VALUES (?1, ?2, coalesce((SELECT region_code FROM sites "
    "WHERE id = ?1), (SELECT region_code FROM municipalities WHERE code = ?2), ''), ?3, ?4, ?5, "
    "?6, ?7, ?8)";
static const char sql_vial_get[] =
    "SELECT " VIAL_COLS " FROM vials v JOIN lots l ON l.id = v.lot_id WHERE v.id = ?1";
static const char sql_vial_close[] =
    "UPDATE vials SET status = ?2, closed_at = ?3, closed_by = ?4 WHERE id = ?1 AND "
    "status = 'open'";
static const char sql_vial_each[] =
    "SELECT " VIAL_COLS " FROM vials v JOIN lots l ON l.id = v.lot_id "
    "WHERE (?1 = 0 OR v.site_id = ?1) AND (CASE WHEN ?2 THEN v.status = 'open' "
    "ELSE v.opened_at >= ?3 AND v.opened_at < ?4 END) ORDER BY v.opened_at, v.id";

static enum vx_status care_vial_put(struct vx_store *st, const struct vx_vial_rec *v, int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_vial_ins, "vial", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_opt_id(q, 1, v->site_id);
    rc |= bind_opt_text(q, 2, v->kommun, sizeof v->kommun);
    rc |= sqlite3_bind_int64(q, 3, v->lot_id);
    rc |= sqlite3_bind_int64(q, 4, v->opened_at);
    rc |= sqlite3_bind_int64(q, 5, v->usable_until);
    rc |= sqlite3_bind_int(q, 6, v->nominal);
    rc |= sqlite3_bind_int(q, 7, v->max_doses);
    rc |= sq_bind_text(q, 8, v->opened_by, sizeof v->opened_by);
    return insert_done(st, q, rc, "vial", id);
}

static enum vx_status care_vial_get(struct vx_store *st, int64_t id, struct vx_vial_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_vial_get, "vial", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "vial", vial_row, out);
}

static enum vx_status care_vial_close(struct vx_store *st, int64_t id, enum vx_vial_status status,
                                      vx_time at, const char *by)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_vial_close, "vial", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= bind_str(q, 2, vx_vial_status_code(status));
    rc |= sqlite3_bind_int64(q, 3, at);
    rc |= bind_str(q, 4, by);
    return update_done(st, q, rc, "vial");
}

static enum vx_status care_vial_foreach(struct vx_store *st, int64_t site_id, bool open_only,
                                        vx_time from, vx_time to, vx_vial_cb cb, void *ctx)
{
    struct each e = {.a = {site_id, open_only, from, to}, .na = 4, .cb.vial = cb, .ctx = ctx};
    return sq_each(st, sql_vial_each, "vials", each_bind, vial_each_row, &e);
}

/* ------------------------------------------------------------------ wastage */

static const char sql_waste_ins[] =
    "INSERT INTO wastage (site_id, kommun_code, region_code, lot_id, vial_id, excursion_id, "
    "doses, reason, note, at, actor) VALUES (?1, ?2, coalesce((SELECT region_code FROM sites "
    "WHERE id = ?1), (SELECT region_code FROM municipalities WHERE code = ?2), ''), ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10)";
static const char sql_waste_each[] =
    "SELECT w.id, coalesce(w.site_id, 0), coalesce(w.kommun_code, ''), w.lot_id, "
    "coalesce(w.vial_id, 0), coalesce(w.excursion_id, 0), w.doses, w.reason, w.at, w.actor, "
    "w.note, l.vaccine_code, l.lot_number FROM wastage w JOIN lots l ON l.id = w.lot_id "
    "WHERE w.site_id = ?1 AND w.at >= ?2 AND w.at < ?3 ORDER BY w.at DESC, w.id DESC";

static enum vx_status care_wastage_put(struct vx_store *st, const struct vx_wastage_rec *w,
                                       int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_waste_ins, "wastage", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_opt_id(q, 1, w->site_id);
    rc |= bind_opt_text(q, 2, w->kommun, sizeof w->kommun);
    rc |= sqlite3_bind_int64(q, 3, w->lot_id);
    rc |= bind_opt_id(q, 4, w->vial_id);
    rc |= bind_opt_id(q, 5, w->excursion_id);
    rc |= sqlite3_bind_int(q, 6, w->doses);
    rc |= bind_str(q, 7, vx_waste_reason_code(w->reason));
    rc |= sq_bind_text(q, 8, w->note, sizeof w->note);
    rc |= sqlite3_bind_int64(q, 9, w->at);
    rc |= sq_bind_text(q, 10, w->by, sizeof w->by);
    return insert_done(st, q, rc, "wastage", id);
}

static void waste_row(sqlite3_stmt *q, void *out)
{
    struct vx_wastage_rec *w = out;
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(q, 0);
    w->site_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, w->kommun, sizeof w->kommun);
    w->lot_id = sqlite3_column_int64(q, 3);
    w->vial_id = sqlite3_column_int64(q, 4);
    w->excursion_id = sqlite3_column_int64(q, 5);
    w->doses = sqlite3_column_int(q, 6);
    if (vx_waste_reason_parse((const char *)sqlite3_column_text(q, 7), &w->reason) != VX_OK)
        w->reason = VX_WASTE_OTHER;
    w->at = sqlite3_column_int64(q, 8);
    sq_copy_col(q, 9, w->by, sizeof w->by);
    sq_copy_col(q, 10, w->note, sizeof w->note);
    sq_copy_col(q, 11, w->vaccine, sizeof w->vaccine);
    sq_copy_col(q, 12, w->lot_number, sizeof w->lot_number);
}

EACH_ROW(wastage, struct vx_wastage_rec, waste_row)

static enum vx_status care_wastage_foreach(struct vx_store *st, int64_t site_id, vx_time from,
                                           vx_time to, vx_wastage_cb cb, void *ctx)
{
    struct each e = {.a = {site_id, from, to}, .na = 3, .cb.wastage = cb, .ctx = ctx};
    return sq_each(st, sql_waste_each, "wastage", each_bind, wastage_each_row, &e);
}

/* ------------------------------------------------------------------ standby */

static const char sql_sb_put[] =
    "INSERT INTO standby (person_id, region_code, site_id, minutes, phone, active, opted_in_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (person_id) DO UPDATE SET "
    "region_code = excluded.region_code, site_id = excluded.site_id, minutes = "
    "excluded.minutes, phone = excluded.phone, active = excluded.active, opted_in_at = CASE "
    "WHEN standby.active = 1 AND excluded.active = 1 THEN standby.opted_in_at ELSE "
    "excluded.opted_in_at END, updated_at = excluded.updated_at";
#define SB_COLS "person_id, region_code, coalesce(site_id, 0), minutes, phone, active, opted_in_at"
static const char sql_sb_get[] = "SELECT " SB_COLS " FROM standby WHERE person_id = ?1";
static const char sql_sb_each[] = "SELECT " SB_COLS " FROM standby WHERE region_code = ?2 AND "
                                  "active = 1 AND (site_id IS NULL OR site_id = ?1) "
                                  "ORDER BY opted_in_at, person_id";

static enum vx_status care_standby_put(struct vx_store *st, const struct vx_standby_rec *s)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_sb_put, "standby", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, s->person_id);
    rc |= sq_bind_text(q, 2, s->region, sizeof s->region);
    rc |= bind_opt_id(q, 3, s->site_id);
    rc |= sqlite3_bind_int(q, 4, s->minutes);
    rc |= sqlite3_bind_int(q, 5, s->phone);
    rc |= sqlite3_bind_int(q, 6, s->active);
    rc |= sqlite3_bind_int64(q, 7, s->opted_in_at);
    return sq_finish(st, q, rc, "standby");
}

static void sb_row(sqlite3_stmt *q, void *out)
{
    struct vx_standby_rec *s = out;
    memset(s, 0, sizeof *s);
    s->person_id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, s->region, sizeof s->region);
    s->site_id = sqlite3_column_int64(q, 2);
    s->minutes = sqlite3_column_int(q, 3);
    s->phone = sqlite3_column_int(q, 4) != 0;
    s->active = sqlite3_column_int(q, 5) != 0;
    s->opted_in_at = sqlite3_column_int64(q, 6);
}

EACH_ROW(standby, struct vx_standby_rec, sb_row)

static enum vx_status care_standby_get(struct vx_store *st, int64_t person_id,
                                       struct vx_standby_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_sb_get, "standby", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, person_id), "standby", sb_row, out);
}

static enum vx_status care_standby_foreach(struct vx_store *st, const char *region, int64_t site_id,
                                           vx_standby_cb cb, void *ctx)
{
    struct each e = {.a = {site_id},
                     .na = 1,
                     .text = region ? region : "",
                     .text_at = 2,
                     .cb.standby = cb,
                     .ctx = ctx};
    return sq_each(st, sql_sb_each, "standby", each_bind, standby_each_row, &e);
}

#define OFFER_COLS                                                                                 \
    "id, person_id, region_code, vial_id, coalesce(site_id, 0), vaccine_code, dose_number, "       \
    "offered_at, expires_at, status, coalesce(answered_at, 0), offered_by, coalesce(dose_id, 0)"

static const char sql_offer_ins[] =
    "INSERT INTO standby_offers (person_id, region_code, vial_id, site_id, vaccine_code, "
    "dose_number, offered_at, expires_at, offered_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_offer_get[] = "SELECT " OFFER_COLS " FROM standby_offers WHERE id = ?1";
static const char sql_offer_set[] =
    "UPDATE standby_offers SET status = ?3, answered_at = CASE WHEN ?3 = 'used' THEN "
    "answered_at ELSE ?4 END, dose_id = coalesce(?5, dose_id) WHERE id = ?1 AND status = ?2";
static const char sql_offer_each[] =
    "SELECT " OFFER_COLS " FROM standby_offers WHERE (status = 'offered' OR status = 'accepted') "
    "AND (?1 = 0 OR site_id = ?1) AND (?2 = 0 OR person_id = ?2) ORDER BY offered_at, id";

static enum vx_status care_offer_put(struct vx_store *st, const struct vx_offer_rec *o, int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_offer_ins, "standby offer", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, o->person_id);
    rc |= sq_bind_text(q, 2, o->region, sizeof o->region);
    rc |= sqlite3_bind_int64(q, 3, o->vial_id);
    rc |= bind_opt_id(q, 4, o->site_id);
    rc |= sq_bind_text(q, 5, o->vaccine, sizeof o->vaccine);
    rc |= sqlite3_bind_int(q, 6, o->dose_number);
    rc |= sqlite3_bind_int64(q, 7, o->offered_at);
    rc |= sqlite3_bind_int64(q, 8, o->expires_at);
    rc |= sq_bind_text(q, 9, o->offered_by, sizeof o->offered_by);
    return insert_done(st, q, rc, "standby offer", id);
}

static void offer_row(sqlite3_stmt *q, void *out)
{
    struct vx_offer_rec *o = out;
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(q, 0);
    o->person_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, o->region, sizeof o->region);
    o->vial_id = sqlite3_column_int64(q, 3);
    o->site_id = sqlite3_column_int64(q, 4);
    sq_copy_col(q, 5, o->vaccine, sizeof o->vaccine);
    o->dose_number = sqlite3_column_int(q, 6);
    o->offered_at = sqlite3_column_int64(q, 7);
    o->expires_at = sqlite3_column_int64(q, 8);
    int s =
        index_of(offer_codes, VX_ARRAY_LEN(offer_codes), (const char *)sqlite3_column_text(q, 9));
    o->status = s < 0 ? VX_OFFER_EXPIRED : (enum vx_offer_status)s;
    o->answered_at = sqlite3_column_int64(q, 10);
    sq_copy_col(q, 11, o->offered_by, sizeof o->offered_by);
    o->dose_id = sqlite3_column_int64(q, 12);
}

EACH_ROW(offer, struct vx_offer_rec, offer_row)

static enum vx_status care_offer_get(struct vx_store *st, int64_t id, struct vx_offer_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_offer_get, "standby offer", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "standby offer", offer_row, out);
}

static enum vx_status care_offer_set(struct vx_store *st, int64_t id, enum vx_offer_status from,
                                     enum vx_offer_status to, vx_time at, int64_t dose_id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_offer_set, "standby offer", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= bind_str(q, 2, vx_offer_status_code(from));
    rc |= bind_str(q, 3, vx_offer_status_code(to));
    rc |= sqlite3_bind_int64(q, 4, at);
    rc |= bind_opt_id(q, 5, dose_id);
    return update_done(st, q, rc, "standby offer");
}

static enum vx_status care_offer_foreach(struct vx_store *st, int64_t site_id, int64_t person_id,
                                         vx_offer_cb cb, void *ctx)
{
    struct each e = {.a = {site_id, person_id}, .na = 2, .cb.offer = cb, .ctx = ctx};
    return sq_each(st, sql_offer_each, "standby offers", each_bind, offer_each_row, &e);
}

/* ------------------------------------------------------------------ doses */

static const char sql_dose_get[] = "SELECT " SQ_DOSE_COLS " FROM doses WHERE id = ?1";
static const char sql_dose_upd[] =
    "UPDATE doses SET vaccine_code = ?2, lot_id = ?3, lot_number = ?4, dose_number = ?5, "
    "given_at = ?6, site_id = ?7, kommun_code = ?8, vial_id = ?9, injection_site = ?10, "
    "status = ?11, void_reason = ?12, version = ?13, updated_at = ?14 WHERE id = ?1";

static void dose_row(sqlite3_stmt *q, void *out)
{
    sq_dose_from_row(q, out);
}

static enum vx_status care_dose_get(struct vx_store *st, int64_t id, struct vx_dose_rec *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_dose_get, "dose", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "dose", dose_row, out);
}

static enum vx_status care_dose_update(struct vx_store *st, const struct vx_dose_rec *d)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_dose_upd, "dose", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, d->id);
    rc |= sq_bind_text(q, 2, d->vaccine, sizeof d->vaccine);
    rc |= bind_opt_id(q, 3, d->lot_id);
    rc |= sq_bind_text(q, 4, d->lot_number, sizeof d->lot_number);
    rc |= sqlite3_bind_int(q, 5, d->dose_number);
    rc |= sqlite3_bind_int64(q, 6, d->given_at);
    rc |= bind_opt_id(q, 7, d->site_id);
    rc |= bind_opt_text(q, 8, d->kommun, sizeof d->kommun);
    rc |= bind_opt_id(q, 9, d->vial_id);
    rc |= sq_bind_text(q, 10, d->injection_site, sizeof d->injection_site);
    rc |= bind_str(q, 11, d->voided ? "voided" : "valid");
    rc |= sq_bind_text(q, 12, d->void_reason, sizeof d->void_reason);
    rc |= sqlite3_bind_int(q, 13, d->version);
    rc |= sqlite3_bind_int64(q, 14, d->updated_at);
    return update_done(st, q, rc, "dose");
}

static const char sql_hist_ins[] =
    "INSERT INTO dose_history (dose_id, version, action, at, actor, reason, vaccine_code, "
    "lot_id, lot_number, dose_number, given_at, site_id, kommun_code, vial_id, injection_site, "
    "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char sql_hist_each[] =
    "SELECT id, dose_id, version, action, at, actor, reason, vaccine_code, coalesce(lot_id, 0), "
    "lot_number, dose_number, given_at, coalesce(site_id, 0), coalesce(kommun_code, ''), "
    "coalesce(vial_id, 0), injection_site, status FROM dose_history WHERE dose_id = ?1 "
    "ORDER BY version";

static enum vx_status care_history_put(struct vx_store *st, const struct vx_dose_history_rec *h)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_hist_ins, "dose history", &q);
    if (vs != VX_OK)
        return vs;
    const struct vx_dose_rec *d = &h->old;
    int rc = sqlite3_bind_int64(q, 1, h->dose_id);
    rc |= sqlite3_bind_int(q, 2, h->version);
    rc |= sq_bind_text(q, 3, h->action, sizeof h->action);
    rc |= sqlite3_bind_int64(q, 4, h->at);
    rc |= sq_bind_text(q, 5, h->by, sizeof h->by);
    rc |= sq_bind_text(q, 6, h->reason, sizeof h->reason);
    rc |= sq_bind_text(q, 7, d->vaccine, sizeof d->vaccine);
    rc |= bind_opt_id(q, 8, d->lot_id);
    rc |= sq_bind_text(q, 9, d->lot_number, sizeof d->lot_number);
    rc |= sqlite3_bind_int(q, 10, d->dose_number);
    rc |= sqlite3_bind_int64(q, 11, d->given_at);
    rc |= bind_opt_id(q, 12, d->site_id);
    rc |= bind_opt_text(q, 13, d->kommun, sizeof d->kommun);
    rc |= bind_opt_id(q, 14, d->vial_id);
    rc |= sq_bind_text(q, 15, d->injection_site, sizeof d->injection_site);
    rc |= bind_str(q, 16, d->voided ? "voided" : "valid");
    return sq_finish(st, q, rc, "dose history");
}

static void hist_row(sqlite3_stmt *q, void *out)
{
    struct vx_dose_history_rec *h = out;
    memset(h, 0, sizeof *h);
    h->id = sqlite3_column_int64(q, 0);
    h->dose_id = sqlite3_column_int64(q, 1);
    h->version = sqlite3_column_int(q, 2);
    sq_copy_col(q, 3, h->action, sizeof h->action);
    h->at = sqlite3_column_int64(q, 4);
    sq_copy_col(q, 5, h->by, sizeof h->by);
    sq_copy_col(q, 6, h->reason, sizeof h->reason);
    struct vx_dose_rec *d = &h->old;
    d->id = h->dose_id;
    d->version = h->version;
    sq_copy_col(q, 7, d->vaccine, sizeof d->vaccine);
    d->lot_id = sqlite3_column_int64(q, 8);
    sq_copy_col(q, 9, d->lot_number, sizeof d->lot_number);
    d->dose_number = sqlite3_column_int(q, 10);
    d->given_at = sqlite3_column_int64(q, 11);
    d->site_id = sqlite3_column_int64(q, 12);
    sq_copy_col(q, 13, d->kommun, sizeof d->kommun);
    d->vial_id = sqlite3_column_int64(q, 14);
    sq_copy_col(q, 15, d->injection_site, sizeof d->injection_site);
    const unsigned char *s = sqlite3_column_text(q, 16);
    d->voided = s && strcmp((const char *)s, "voided") == 0;
}

EACH_ROW(history, struct vx_dose_history_rec, hist_row)

static enum vx_status care_history_foreach(struct vx_store *st, int64_t dose_id, vx_history_cb cb,
                                           void *ctx)
{
    struct each e = {.a = {dose_id}, .na = 1, .cb.history = cb, .ctx = ctx};
    return sq_each(st, sql_hist_each, "dose history", each_bind, history_each_row, &e);
}

static const char sql_aefi_ins[] =
    "INSERT INTO aefi_reports (dose_id, person_id, region_code, reporter, onset_at, "
    "description, serious, seriousness, code, reported_at, reported_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_aefi_each[] =
    "SELECT id, dose_id, person_id, region_code, reporter, onset_at, description, serious, "
    "seriousness, code, reported_at, reported_by FROM aefi_reports WHERE dose_id = ?1 ORDER BY id";

static enum vx_status care_aefi_put(struct vx_store *st, const struct vx_aefi_rec *a, int64_t *id)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_aefi_ins, "adverse event", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, a->dose_id);
    rc |= sqlite3_bind_int64(q, 2, a->person_id);
    rc |= sq_bind_text(q, 3, a->region, sizeof a->region);
    rc |= sq_bind_text(q, 4, a->reporter, sizeof a->reporter);
    rc |= sqlite3_bind_int64(q, 5, a->onset_at);
    rc |= sq_bind_text(q, 6, a->description, sizeof a->description);
    rc |= sqlite3_bind_int(q, 7, a->serious);
    rc |= sq_bind_text(q, 8, a->seriousness, sizeof a->seriousness);
    rc |= sq_bind_text(q, 9, a->code, sizeof a->code);
    rc |= sqlite3_bind_int64(q, 10, a->reported_at);
    rc |= sq_bind_text(q, 11, a->reported_by, sizeof a->reported_by);
    return insert_done(st, q, rc, "adverse event", id);
}

static void aefi_row(sqlite3_stmt *q, void *out)
{
    struct vx_aefi_rec *a = out;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(q, 0);
    a->dose_id = sqlite3_column_int64(q, 1);
    a->person_id = sqlite3_column_int64(q, 2);
    sq_copy_col(q, 3, a->region, sizeof a->region);
    sq_copy_col(q, 4, a->reporter, sizeof a->reporter);
    a->onset_at = sqlite3_column_int64(q, 5);
    sq_copy_col(q, 6, a->description, sizeof a->description);
    a->serious = sqlite3_column_int(q, 7) != 0;
    sq_copy_col(q, 8, a->seriousness, sizeof a->seriousness);
    sq_copy_col(q, 9, a->code, sizeof a->code);
    a->reported_at = sqlite3_column_int64(q, 10);
    sq_copy_col(q, 11, a->reported_by, sizeof a->reported_by);
}

EACH_ROW(aefi, struct vx_aefi_rec, aefi_row)

static enum vx_status care_aefi_foreach(struct vx_store *st, int64_t dose_id, vx_aefi_cb cb,
                                        void *ctx)
{
    struct each e = {.a = {dose_id}, .na = 1, .cb.aefi = cb, .ctx = ctx};
    return sq_each(st, sql_aefi_each, "adverse events", each_bind, aefi_each_row, &e);
}

/* ------------------------------------------------------------------ check-in */

#define CB_COLS                                                                                    \
    "b.id, b.person_id, b.region_code, b.slot_id, b.dose_number, coalesce(b.pair_id, 0), "         \
    "b.status, b.channel, b.agent_id, b.created_at, s.site_id, s.day, s.start_minute, "            \
    "s.minutes, s.vaccine_code, coalesce(c.arrived_at, 0), "                                       \
    "coalesce((SELECT d.id FROM doses d WHERE d.booking_id = b.id AND d.status = 'valid' "         \
    "LIMIT 1), 0), p.given_name, p.family_name, p.birth_date"

static const char sql_cb_get[] =
    "SELECT " CB_COLS " FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN persons p ON "
    "p.id = b.person_id LEFT JOIN checkins c ON c.booking_id = b.id WHERE b.id = ?1";
static const char sql_cb_day[] =
    "SELECT " CB_COLS " FROM slots s JOIN bookings b ON b.slot_id = s.id JOIN persons p ON "
    "p.id = b.person_id LEFT JOIN checkins c ON c.booking_id = b.id WHERE s.site_id = ?1 AND "
    "s.day = ?2 AND b.status <> 'cancelled' ORDER BY s.start_minute, b.id";
static const char sql_checkin[] =
    "INSERT INTO checkins (booking_id, site_id, arrived_at, actor) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (booking_id) DO NOTHING";
static const char sql_booking_active[] =
    "SELECT 1 FROM bookings WHERE person_id = ?1 AND dose_number = ?2 AND status = 'booked'";

static const char *const booking_codes[] = {"booked", "cancelled", "attended", "no_show"};
static const char *const channel_codes[] = {"web", "call_centre", "invitation", "municipal",
                                            "standby"};

static void cb_row(sqlite3_stmt *q, void *out)
{
    struct vx_care_booking *r = out;
    memset(r, 0, sizeof *r);
    struct vx_booking_rec *b = &r->b;
    b->id = sqlite3_column_int64(q, 0);
    b->person_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, b->region, sizeof b->region);
    b->slot_id = sqlite3_column_int64(q, 3);
    b->dose_number = sqlite3_column_int(q, 4);
    b->pair_id = sqlite3_column_int64(q, 5);
    int s = index_of(booking_codes, VX_ARRAY_LEN(booking_codes),
                     (const char *)sqlite3_column_text(q, 6));
    b->status = s < 0 ? VX_BOOKING_CANCELLED : (enum vx_booking_status)s;
    int c = index_of(channel_codes, VX_ARRAY_LEN(channel_codes),
                     (const char *)sqlite3_column_text(q, 7));
    b->channel = c < 0 ? VX_CHANNEL_WEB : (enum vx_book_channel)c;
    sq_copy_col(q, 8, b->agent_id, sizeof b->agent_id);
    b->created_at = sqlite3_column_int64(q, 9);
    r->site_id = sqlite3_column_int64(q, 10);
    r->day = sq_day(sqlite3_column_int(q, 11));
    r->start_minute = sqlite3_column_int(q, 12);
    r->minutes = sqlite3_column_int(q, 13);
    sq_copy_col(q, 14, r->vaccine, sizeof r->vaccine);
    r->arrived_at = sqlite3_column_int64(q, 15);
    r->dose_id = sqlite3_column_int64(q, 16);
    sq_copy_col(q, 17, r->given_name, sizeof r->given_name);
    sq_copy_col(q, 18, r->family_name, sizeof r->family_name);
    r->birth = sq_day(sqlite3_column_int(q, 19));
}

EACH_ROW(booking, struct vx_care_booking, cb_row)

static enum vx_status care_booking_get(struct vx_store *st, int64_t id, struct vx_care_booking *out)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql_cb_get, "booking", &q);
    if (vs != VX_OK)
        return vs;
    return sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "booking", cb_row, out);
}

static enum vx_status care_booking_day_foreach(struct vx_store *st, int64_t site_id, vx_day day,
                                               vx_care_booking_cb cb, void *ctx)
{
    struct each e = {.a = {site_id, sq_ymd(day)}, .na = 2, .cb.booking = cb, .ctx = ctx};
    return sq_each(st, sql_cb_day, "bookings of the day", each_bind, booking_each_row, &e);
}

static enum vx_status care_checkin_put(struct vx_store *st, int64_t booking_id, int64_t site_id,
                                       vx_time at, const char *by)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_checkin, "check-in", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, booking_id);
    rc |= sqlite3_bind_int64(q, 2, site_id);
    rc |= sqlite3_bind_int64(q, 3, at);
    rc |= bind_str(q, 4, by);
    return sq_finish(st, q, rc, "check-in");
}

static enum vx_status care_booking_active(struct vx_store *st, int64_t person_id, int dose,
                                          bool *yes)
{
    sqlite3_stmt *q;
    int one = 0;
    *yes = false;
    enum vx_status vs = sq_prep(st, sql_booking_active, "booking", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, person_id);
    rc |= sqlite3_bind_int(q, 2, dose);
    vs = sq_one_row(st, q, rc, "booking", int_row, &one);
    if (vs == VX_ENOTFOUND)
        return VX_OK;
    *yes = vs == VX_OK;
    return vs;
}

/* ------------------------------------------------------------------ figures */

static const char sql_fig[] =
    "SELECT (SELECT coalesce(sum(s.doses), 0) FROM stock s JOIN sites t ON t.id = s.site_id "
    "WHERE ?1 = '' OR t.region_code = ?1), "
    "(SELECT count(*) FROM doses WHERE (?1 = '' OR region_code = ?1) AND given_at >= ?2 AND "
    "given_at < ?4 AND status = 'valid'), "
    "(SELECT coalesce(sum(doses), 0) FROM wastage WHERE (?1 = '' OR region_code = ?1) AND "
    "at >= ?3 AND at < ?4), "
    "(SELECT count(*) FROM doses WHERE (?1 = '' OR region_code = ?1) AND given_at >= ?3 AND "
    "given_at < ?4 AND status = 'valid'), "
    "(SELECT count(*) FROM vials WHERE (?1 = '' OR region_code = ?1) AND opened_at >= ?3 AND "
    "opened_at < ?4)";

static void fig_row(sqlite3_stmt *q, void *out)
{
    struct vx_care_region_figures *f = out;
    f->on_hand = sqlite3_column_int64(q, 0);
    f->given = sqlite3_column_int64(q, 1);
    f->wasted = sqlite3_column_int64(q, 2);
    f->drawn = sqlite3_column_int64(q, 3);
    f->vials_opened = sqlite3_column_int64(q, 4);
}

static enum vx_status care_region_figures(struct vx_store *st, const char *region,
                                          vx_time given_from, vx_time waste_from, vx_time to,
                                          struct vx_care_region_figures *out)
{
    sqlite3_stmt *q;
    memset(out, 0, sizeof *out);
    enum vx_status vs = sq_prep(st, sql_fig, "stock figures", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, region);
    rc |= sqlite3_bind_int64(q, 2, given_from);
    rc |= sqlite3_bind_int64(q, 3, waste_from);
    rc |= sqlite3_bind_int64(q, 4, to);
    return sq_one_row(st, q, rc, "stock figures", fig_row, out);
}

const struct vx_store_care_ops sq_care_ops = {
    .name = "sqlite",
    .site_get_id = care_site_get_id,
    .lot_put = care_lot_put,
    .lot_get = care_lot_get,
    .lot_find = care_lot_find,
    .move_put = care_move_put,
    .stock_get = care_stock_get,
    .stock_foreach = care_stock_foreach,
    .transfer_put = care_transfer_put,
    .transfer_get = care_transfer_get,
    .transfer_receive = care_transfer_receive,
    .transfer_foreach = care_transfer_foreach,
    .count_put = care_count_put,
    .count_foreach = care_count_foreach,
    .excursion_put = care_excursion_put,
    .vial_put = care_vial_put,
    .vial_get = care_vial_get,
    .vial_close = care_vial_close,
    .vial_foreach = care_vial_foreach,
    .wastage_put = care_wastage_put,
    .wastage_foreach = care_wastage_foreach,
    .standby_put = care_standby_put,
    .standby_get = care_standby_get,
    .standby_foreach = care_standby_foreach,
    .offer_put = care_offer_put,
    .offer_get = care_offer_get,
    .offer_set = care_offer_set,
    .offer_foreach = care_offer_foreach,
    .dose_get = care_dose_get,
    .dose_update = care_dose_update,
    .history_put = care_history_put,
    .history_foreach = care_history_foreach,
    .aefi_put = care_aefi_put,
    .aefi_foreach = care_aefi_foreach,
    .booking_get = care_booking_get,
    .booking_day_foreach = care_booking_day_foreach,
    .checkin_put = care_checkin_put,
    .booking_active = care_booking_active,
    .region_figures = care_region_figures,
};
