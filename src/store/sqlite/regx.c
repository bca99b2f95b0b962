/*
 * regx.c — SQLite implementation of struct vx_store_regx_ops (include/vx/store_regx.h)
 * and its schema migration (version 5).
 *
 * The outbox is a change log that the code writing doses never calls, so a change can
 * neither be lost nor be recorded without its dose:
 *  - inserts (dose_put, back-fill, anything) cost the recording path nothing: there is
 *    no INSERT trigger. doses.id is an increasing sequence (SQLite has one writer and
 *    gives max(id) + 1; doses are never deleted), so the doses with id > regx_mark are
 *    exactly those not logged yet. sync() appends their `new` changes in id order with
 *    one INSERT ... SELECT and moves the mark, inside the exporter's transaction;
 *  - corrections and voids (the care module's UPDATE bumping doses.version or changing
 *    doses.status; rare) are logged by the UPDATE trigger in the same transaction. It
 *    first does what sync() does (with the updated row's old state), so a dose's `new`
 *    change always has a smaller seq than its corrections: a register never sees
 *    version 2 before version 1.
 * last_seq() counts the unlogged doses as if logged: they get the next seqs in id order
 * (regx_changes.seq is a rowid, max + 1), so the numbers it promises are the ones sync
 * assigns. A change row is four integers plus a time; writing it in bulk at export time
 * costs a fraction of a trigger per insert (docs/register-export.md §8).
 *
 * Exporters never copy doses into a queue. They read changes after their register's
 * cursor joined with the dose, the person and the site. When a dose was corrected
 * after a change was logged, the UPDATE trigger kept the previous state in
 * regx_dose_history (keyed by dose, version, status), and the change is exported with
 * that state, so each (dose, version) goes out with its own content. Should a dose
 * flip back to a state it had before (void, un-void), the history row is replaced and
 * the older change goes out with the current content of that version (documented).
 *
 * Registers are a fixed list ('nvr', 'hl7', 'fhir'); each has one cursor row made by
 * the migration. Batches (file registers) and retries (hl7) have their own tables.
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"

/* The doses an UPDATE of doses finds unlogged go first (their `new` change precedes the
 * correction or void being logged): the updated row itself with its old state. */
#define RX_CATCH_UP                                                                                \
    "  INSERT INTO regx_changes (dose_id, version, action, at)"                                    \
    "  SELECT d.id, CASE WHEN d.id = old.id THEN old.version ELSE d.version END,"                  \
    "    CASE WHEN (CASE WHEN d.id = old.id THEN old.status ELSE d.status END) = 'voided'"         \
    "    THEN 2 ELSE 0 END, d.created_at"                                                          \
    "  FROM doses d WHERE d.id > (SELECT dose_id FROM regx_mark) ORDER BY d.id;"                   \
    "  UPDATE regx_mark SET dose_id = (SELECT max(id) FROM doses)"                                 \
    "  WHERE dose_id < (SELECT max(id) FROM doses);"

const char sq_schema_regx[] =
    /* one row per dose change: inserts logged in bulk by sync (or the UPDATE trigger's
     * catch-up), corrections and voids by the UPDATE trigger */
    "CREATE TABLE regx_changes ("
    "  seq INTEGER PRIMARY KEY,"
    "  dose_id INTEGER NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  action INTEGER NOT NULL CHECK (action BETWEEN 0 AND 2)," /* new, correction, void */
    "  at INTEGER NOT NULL"
    ") STRICT;"

    /* every dose with id <= dose_id has its `new` change in regx_changes */
    "CREATE TABLE regx_mark ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  dose_id INTEGER NOT NULL CHECK (dose_id >= 0)"
    ") STRICT;"
    "INSERT INTO regx_mark (one, dose_id) VALUES (1, 0);"

    /* the state a dose had before a correction or void (same columns as doses) */
    "CREATE TABLE regx_dose_history ("
    "  id INTEGER NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status = 'valid' OR status = 'voided'),"
    "  person_id INTEGER NOT NULL,"
    "  region_code TEXT NOT NULL,"
    "  vaccine_code TEXT NOT NULL,"
    "  lot_id INTEGER,"
    "  lot_number TEXT NOT NULL,"
    "  dose_number INTEGER NOT NULL,"
    "  given_at INTEGER NOT NULL,"
    "  site_id INTEGER,"
    "  kommun_code TEXT,"
    "  vaccinator TEXT NOT NULL,"
    "  booking_id INTEGER,"
    "  source TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  vial_id INTEGER,"
    "  injection_site TEXT NOT NULL,"
    "  void_reason TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (id, version, status)"
    ") STRICT, WITHOUT ROWID;"

    /* no INSERT trigger: recording pays nothing for the outbox */
    "CREATE TRIGGER regx_dose_update AFTER UPDATE OF version, status ON doses"
    "  WHEN new.version <> old.version OR new.status <> old.status BEGIN" RX_CATCH_UP
    "  INSERT OR REPLACE INTO regx_dose_history (id, version, status, person_id, region_code,"
    "    vaccine_code, lot_id, lot_number, dose_number, given_at, site_id, kommun_code,"
    "    vaccinator, booking_id, source, created_at, vial_id, injection_site, void_reason,"
    "    updated_at)"
    "  VALUES (old.id, old.version, old.status, old.person_id, old.region_code,"
    "    old.vaccine_code, old.lot_id, old.lot_number, old.dose_number, old.given_at,"
    "    old.site_id, old.kommun_code, old.vaccinator, old.booking_id, old.source,"
    "    old.created_at, old.vial_id, old.injection_site, old.void_reason, old.updated_at);"
    "  INSERT INTO regx_changes (dose_id, version, action, at)"
    "  VALUES (new.id, new.version, CASE WHEN new.status = 'voided' THEN 2 ELSE 1 END,"
    "          CASE WHEN new.updated_at > 0 THEN new.updated_at ELSE unixepoch() END);"
    "END;"

    "CREATE TABLE regx_cursors ("
    "  register TEXT PRIMARY KEY CHECK (register IN ('nvr', 'hl7', 'fhir')),"
    "  last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),"
    "  sent INTEGER NOT NULL DEFAULT 0 CHECK (sent >= 0),"
    "  updated_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT, WITHOUT ROWID;"
    "INSERT INTO regx_cursors (register) VALUES ('nvr'), ('hl7'), ('fhir');"

    "CREATE TABLE regx_batches ("
    "  id INTEGER PRIMARY KEY,"
    "  register TEXT NOT NULL CHECK (register IN ('nvr', 'hl7', 'fhir')),"
    "  first_seq INTEGER NOT NULL CHECK (first_seq >= 1),"
    "  last_seq INTEGER NOT NULL CHECK (last_seq >= first_seq),"
    "  day INTEGER NOT NULL," /* YYYYMMDD */
    "  day_no INTEGER NOT NULL CHECK (day_no >= 1),"
    "  file TEXT NOT NULL CHECK (length(file) > 0),"
    "  items INTEGER NOT NULL DEFAULT 0 CHECK (items >= 0),"
    "  sha256 TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL CHECK (state IN ('prepared', 'done')),"
    "  created_at INTEGER NOT NULL,"
    "  done_at INTEGER,"
    "  UNIQUE (register, day, day_no)"
    ") STRICT;"
    "CREATE INDEX regx_batches_state ON regx_batches (register, state, id);"

    "CREATE TABLE regx_retries ("
    "  register TEXT NOT NULL CHECK (register IN ('nvr', 'hl7', 'fhir')),"
    "  seq INTEGER NOT NULL,"
    "  dose_id INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('retry', 'rejected', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
    "  next_attempt_at INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (register, seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX regx_retries_due ON regx_retries (register, state, next_attempt_at);"
    "CREATE INDEX regx_retries_dose ON regx_retries (register, dose_id, seq);";

/* ------------------------------------------------------------------ helpers */

static bool reg_ok(const char *reg)
{
    return reg && (!strcmp(reg, "nvr") || !strcmp(reg, "hl7") || !strcmp(reg, "fhir"));
}

static enum vx_status bad_reg(struct vx_store *st, const char *reg)
{
    return sq_set_err(st, VX_EINVAL, "unknown register '%.16s' (nvr, hl7 or fhir)", reg ? reg : "");
}

static int bind_reg(sqlite3_stmt *q, int i, const char *reg)
{
    return sqlite3_bind_text(q, i, reg, -1, SQLITE_STATIC);
}

/* Run a cached read statement that yields one int64 (or none: *found false). */
static enum vx_status one_int(struct vx_store *st, sqlite3_stmt *q, int64_t *out, bool *found,
                              const char *what)
{
    int rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = SQLITE_DONE;
    }
    enum vx_status vs = rc == SQLITE_DONE ? VX_OK : sq_error(st, rc, false, what);
    sqlite3_reset(q);
    return vs;
}

/* ------------------------------------------------------------------ changes */

static enum vx_status rx_last_seq(struct vx_store *st, int64_t *seq)
{
    /* logged changes + the doses not logged yet (they get the next seqs, in id order) */
    static const char sql[] = "SELECT coalesce((SELECT max(seq) FROM regx_changes), 0) + "
                              "(SELECT count(*) FROM doses WHERE id > "
                              "(SELECT dose_id FROM regx_mark))";
    sqlite3_stmt *q;
    *seq = 0;
    enum vx_status vs = sq_prep(st, sql, "change log", &q);
    bool found;
    return vs != VX_OK ? vs : one_int(st, q, seq, &found, "change log");
}

static enum vx_status rx_sync(struct vx_store *st, int64_t *added)
{
    static const char sql_log[] =
        "INSERT INTO regx_changes (dose_id, version, action, at) "
        "SELECT id, version, CASE WHEN status = 'voided' THEN 2 ELSE 0 END, created_at "
        "FROM doses WHERE id > (SELECT dose_id FROM regx_mark) ORDER BY id";
    static const char sql_mark[] = "UPDATE regx_mark SET dose_id = (SELECT max(id) FROM doses) "
                                   "WHERE dose_id < (SELECT max(id) FROM doses)";
    if (added)
        *added = 0;
    if (!sq_in_tx(st))
        return sq_set_err(st, VX_EINVAL, "change log sync must run inside a transaction");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql_log, "change log", &q);
    if (vs != VX_OK || (vs = sq_finish(st, q, SQLITE_OK, "change log")) != VX_OK)
        return vs;
    int64_t n = sqlite3_changes64(sq_store_db(st));
    if ((vs = sq_write_prep(st, sql_mark, "change log mark", &q)) != VX_OK ||
        (vs = sq_finish(st, q, SQLITE_OK, "change log mark")) != VX_OK)
        return vs;
    if (added)
        *added = n;
    return VX_OK;
}

#define RX_DOSE_COLS_D                                                                             \
    "d.id, d.person_id, d.region_code, d.vaccine_code, d.lot_number, d.dose_number, d.given_at, "  \
    "coalesce(d.site_id, 0), d.vaccinator, d.source, d.created_at, coalesce(d.kommun_code, ''), "  \
    "coalesce(d.booking_id, 0), coalesce(d.lot_id, 0), coalesce(d.vial_id, 0), d.injection_site, " \
    "d.status, d.version, d.updated_at, d.void_reason"

/* Column 20.. of the change query (after the 20 dose columns). */
#define RX_CHANGE_SQL                                                                              \
    "SELECT " RX_DOSE_COLS_D ", c.seq, c.action, c.version, c.at, p.pnr, p.given_name, "           \
    "p.family_name, p.birth_date, p.sex, coalesce(s.code, ''), coalesce(s.name, '') "              \
    "FROM regx_changes c JOIN doses d ON d.id = c.dose_id "                                        \
    "JOIN persons p ON p.id = d.person_id LEFT JOIN sites s ON s.id = d.site_id "

static const char sql_change_range[] = RX_CHANGE_SQL "WHERE c.seq > ?1 AND c.seq <= ?2 "
                                                     "ORDER BY c.seq";
static const char sql_change_one[] = RX_CHANGE_SQL "WHERE c.seq = ?1";

/* Person and site columns for a history row whose person or site differ. */
static enum vx_status fill_person_site(struct vx_store *st, struct vx_regx_change_rec *c)
{
    static const char sqlp[] =
        "SELECT pnr, given_name, family_name, birth_date, sex FROM persons WHERE id = ?1";
    static const char sqls[] = "SELECT code, name FROM sites WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sqlp, "change person", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, c->dose.person_id);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        sq_copy_col(q, 0, c->pnr, sizeof c->pnr);
        sq_copy_col(q, 1, c->given_name, sizeof c->given_name);
        sq_copy_col(q, 2, c->family_name, sizeof c->family_name);
        c->birth_date = sq_day(sqlite3_column_int(q, 3));
        c->sex = sqlite3_column_int(q, 4);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sq_error(st, rc, false, "change person");
    c->site_code[0] = c->site_name[0] = '\0';
    if (!c->dose.site_id)
        return VX_OK;
    if ((vs = sq_prep(st, sqls, "change site", &q)) != VX_OK)
        return vs;
    rc = sqlite3_bind_int64(q, 1, c->dose.site_id);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        sq_copy_col(q, 0, c->site_code, sizeof c->site_code);
        sq_copy_col(q, 1, c->site_name, sizeof c->site_name);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? VX_OK : sq_error(st, rc, false, "change site");
}

/*
 * The dose as of the change: the current row when its version and status are the
 * change's, else the history row of (dose, version, status), else (history replaced
 * by a flip back) the current row labelled with the change's version and status.
 */
static enum vx_status change_from_row(struct vx_store *st, sqlite3_stmt *q,
                                      struct vx_regx_change_rec *c)
{
    static const char sqlh[] = "SELECT " SQ_DOSE_COLS " FROM regx_dose_history "
                               "WHERE id = ?1 AND version = ?2 AND status = ?3";
    sq_dose_from_row(q, &c->dose);
    c->seq = sqlite3_column_int64(q, 20);
    c->action = (enum vx_regx_action)sqlite3_column_int(q, 21);
    int version = sqlite3_column_int(q, 22);
    c->at = sqlite3_column_int64(q, 23);
    sq_copy_col(q, 24, c->pnr, sizeof c->pnr);
    sq_copy_col(q, 25, c->given_name, sizeof c->given_name);
    sq_copy_col(q, 26, c->family_name, sizeof c->family_name);
    c->birth_date = sq_day(sqlite3_column_int(q, 27));
    c->sex = sqlite3_column_int(q, 28);
    sq_copy_col(q, 29, c->site_code, sizeof c->site_code);
    sq_copy_col(q, 30, c->site_name, sizeof c->site_name);
    bool voided = c->action == VX_REGX_VOID;
    if (c->dose.version == version && c->dose.voided == voided)
        return VX_OK;
    sqlite3_stmt *h;
    enum vx_status vs = sq_prep(st, sqlh, "dose history", &h);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(h, 1, c->dose.id);
    rc |= sqlite3_bind_int(h, 2, version);
    rc |= sqlite3_bind_text(h, 3, voided ? "voided" : "valid", -1, SQLITE_STATIC);
    int64_t person = c->dose.person_id, site = c->dose.site_id;
    if (rc == SQLITE_OK && (rc = sqlite3_step(h)) == SQLITE_ROW) {
        sq_dose_from_row(h, &c->dose);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(h);
    if (rc != SQLITE_DONE)
        return sq_error(st, rc, false, "dose history");
    c->dose.version = version;
    c->dose.voided = voided;
    if (c->dose.person_id != person || c->dose.site_id != site)
        return fill_person_site(st, c);
    return VX_OK;
}

struct each_ctx {
    struct vx_store *st;
    int64_t after, upto;
    vx_regx_change_cb cb;
    void *ctx;
    enum vx_status vs;
    struct vx_regx_change_rec rec;
};

static int each_bind(void *ctx, sqlite3_stmt *q)
{
    struct each_ctx *e = ctx;
    int rc = sqlite3_bind_int64(q, 1, e->after);
    return rc | sqlite3_bind_int64(q, 2, e->upto);
}

static int each_row(void *ctx, sqlite3_stmt *q)
{
    struct each_ctx *e = ctx;
    if ((e->vs = change_from_row(e->st, q, &e->rec)) != VX_OK)
        return 1;
    return e->cb(e->ctx, &e->rec);
}

static enum vx_status rx_change_foreach(struct vx_store *st, int64_t after, int64_t upto,
                                        vx_regx_change_cb cb, void *ctx)
{
    struct each_ctx e = {.st = st, .after = after, .upto = upto, .cb = cb, .ctx = ctx};
    enum vx_status vs = sq_each(st, sql_change_range, "change log", each_bind, each_row, &e);
    return vs != VX_OK ? vs : e.vs;
}

static enum vx_status rx_change_get(struct vx_store *st, int64_t seq,
                                    struct vx_regx_change_rec *out)
{
    sqlite3_stmt *q;
    memset(out, 0, sizeof *out);
    enum vx_status vs = sq_prep(st, sql_change_one, "change", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        vs = change_from_row(st, q, out);
    } else if (rc == SQLITE_DONE) {
        vs = sq_set_err(st, VX_ENOTFOUND, "no change %lld", (long long)seq);
    } else {
        vs = sq_error(st, rc, false, "change");
    }
    sqlite3_reset(q);
    return vs;
}

/* ------------------------------------------------------------------ cursors */

static enum vx_status rx_cursor_get(struct vx_store *st, const char *reg,
                                    struct vx_regx_cursor_rec *out)
{
    static const char sql[] =
        "SELECT last_seq, sent, updated_at FROM regx_cursors WHERE register = ?1";
    memset(out, 0, sizeof *out);
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "register cursor", &q);
    if (vs != VX_OK)
        return vs;
    snprintf(out->reg, sizeof out->reg, "%s", reg);
    int rc = bind_reg(q, 1, reg);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->last_seq = sqlite3_column_int64(q, 0);
        out->sent = sqlite3_column_int64(q, 1);
        out->updated_at = sqlite3_column_int64(q, 2);
        vs = VX_OK;
    } else {
        vs = rc == SQLITE_DONE ? sq_set_err(st, VX_ESTORE, "register cursor %s missing", reg)
                               : sq_error(st, rc, false, "register cursor");
    }
    sqlite3_reset(q);
    return vs;
}

static enum vx_status rx_cursor_advance(struct vx_store *st, const char *reg, int64_t seq,
                                        int64_t sent, vx_time at)
{
    static const char sql[] = "UPDATE regx_cursors SET last_seq = ?2, sent = sent + ?3, "
                              "updated_at = ?4 WHERE register = ?1 AND last_seq <= ?2";
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    if (seq < 0 || sent < 0)
        return sq_set_err(st, VX_EINVAL, "register cursor: negative sequence or count");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "register cursor", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    rc |= sqlite3_bind_int64(q, 2, seq);
    rc |= sqlite3_bind_int64(q, 3, sent);
    rc |= sqlite3_bind_int64(q, 4, at);
    if ((vs = sq_finish(st, q, rc, "register cursor")) != VX_OK)
        return vs;
    if (sqlite3_changes(sq_store_db(st)) == 0)
        return sq_set_err(st, VX_ECONFLICT,
                          "register %s: cursor is already past %lld (another export ran)", reg,
                          (long long)seq);
    return VX_OK;
}

/* ------------------------------------------------------------------ batches */

#define RX_BATCH_COLS                                                                              \
    "id, register, first_seq, last_seq, day, day_no, file, items, sha256, state, created_at, "     \
    "coalesce(done_at, 0)"

static void batch_from_row(sqlite3_stmt *q, struct vx_regx_batch_rec *b)
{
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, b->reg, sizeof b->reg);
    b->first_seq = sqlite3_column_int64(q, 2);
    b->last_seq = sqlite3_column_int64(q, 3);
    b->day = sq_day(sqlite3_column_int(q, 4));
    b->day_no = sqlite3_column_int(q, 5);
    sq_copy_col(q, 6, b->file, sizeof b->file);
    b->items = sqlite3_column_int64(q, 7);
    sq_copy_col(q, 8, b->sha256, sizeof b->sha256);
    const unsigned char *s = sqlite3_column_text(q, 9);
    b->state = s && !strcmp((const char *)s, "done") ? VX_REGX_BATCH_DONE : VX_REGX_BATCH_PREPARED;
    b->created_at = sqlite3_column_int64(q, 10);
    b->done_at = sqlite3_column_int64(q, 11);
}

static void batch_row(sqlite3_stmt *q, void *out)
{
    batch_from_row(q, out);
}

static enum vx_status rx_batch_prepare(struct vx_store *st, const struct vx_regx_batch_rec *b,
                                       int64_t *id)
{
    static const char sql[] =
        "INSERT INTO regx_batches (register, first_seq, last_seq, day, day_no, file, state, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'prepared', ?7)";
    if (!reg_ok(b->reg))
        return bad_reg(st, b->reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "register batch", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, b->reg);
    rc |= sqlite3_bind_int64(q, 2, b->first_seq);
    rc |= sqlite3_bind_int64(q, 3, b->last_seq);
    rc |= sqlite3_bind_int(q, 4, sq_ymd(b->day));
    rc |= sqlite3_bind_int(q, 5, b->day_no);
    rc |= sq_bind_text(q, 6, b->file, sizeof b->file);
    rc |= sqlite3_bind_int64(q, 7, b->created_at);
    if ((vs = sq_finish(st, q, rc, "register batch")) == VX_OK && id)
        *id = sqlite3_last_insert_rowid(sq_store_db(st));
    return vs;
}

static enum vx_status rx_batch_pending(struct vx_store *st, const char *reg,
                                       struct vx_regx_batch_rec *out)
{
    static const char sql[] = "SELECT " RX_BATCH_COLS " FROM regx_batches "
                              "WHERE register = ?1 AND state = 'prepared' ORDER BY id LIMIT 1";
    memset(out, 0, sizeof *out);
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "register batch", &q);
    if (vs != VX_OK)
        return vs;
    vs = sq_one_row(st, q, bind_reg(q, 1, reg), "register batch", batch_row, out);
    if (vs == VX_ENOTFOUND)
        sq_set_err(st, VX_ENOTFOUND, "no unfinished %s batch", reg);
    return vs;
}

static enum vx_status rx_batch_done(struct vx_store *st, int64_t id, int64_t items,
                                    const char *sha256, vx_time at)
{
    static const char sql[] = "UPDATE regx_batches SET state = 'done', items = ?2, sha256 = ?3, "
                              "done_at = ?4 WHERE id = ?1 AND state = 'prepared'";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "register batch", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, id);
    rc |= sqlite3_bind_int64(q, 2, items);
    rc |= sqlite3_bind_text(q, 3, sha256 ? sha256 : "", -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(q, 4, at);
    if ((vs = sq_finish(st, q, rc, "register batch")) != VX_OK)
        return vs;
    if (sqlite3_changes(sq_store_db(st)) == 0)
        return sq_set_err(st, VX_ECONFLICT, "batch %lld is not an unfinished batch", (long long)id);
    return VX_OK;
}

static enum vx_status rx_batch_next_day_no(struct vx_store *st, const char *reg, vx_day day,
                                           int *no)
{
    static const char sql[] =
        "SELECT coalesce(max(day_no), 0) + 1 FROM regx_batches WHERE register = ?1 AND day = ?2";
    *no = 1;
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "register batch", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    rc |= sqlite3_bind_int(q, 2, sq_ymd(day));
    if (rc != SQLITE_OK) {
        sqlite3_reset(q);
        return sq_error(st, rc, false, "register batch");
    }
    int64_t v = 1;
    bool found;
    vs = one_int(st, q, &v, &found, "register batch");
    *no = (int)v;
    return vs;
}

static enum vx_status rx_batch_list(struct vx_store *st, const char *reg,
                                    struct vx_regx_batch_rec *out, int cap, int *n)
{
    static const char sql[] =
        "SELECT " RX_BATCH_COLS " FROM regx_batches WHERE register = ?1 ORDER BY id DESC";
    *n = 0;
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "register batches", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n < cap)
            batch_from_row(q, &out[*n]);
        (*n)++;
        rc = SQLITE_OK;
    }
    vs = rc == SQLITE_DONE ? VX_OK : sq_error(st, rc, false, "register batches");
    sqlite3_reset(q);
    return vs;
}

/* ------------------------------------------------------------------ retries */

static const char *const retry_codes[] = {"retry", "rejected", "failed"};

#define RX_RETRY_COLS                                                                              \
    "register, seq, dose_id, state, attempts, next_attempt_at, last_error, updated_at"

static void retry_from_row(sqlite3_stmt *q, struct vx_regx_retry_rec *r)
{
    memset(r, 0, sizeof *r);
    sq_copy_col(q, 0, r->reg, sizeof r->reg);
    r->seq = sqlite3_column_int64(q, 1);
    r->dose_id = sqlite3_column_int64(q, 2);
    const char *s = (const char *)sqlite3_column_text(q, 3);
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, retry_codes[i]))
            r->state = (enum vx_regx_retry_state)i;
    r->attempts = sqlite3_column_int(q, 4);
    r->next_attempt_at = sqlite3_column_int64(q, 5);
    sq_copy_col(q, 6, r->last_error, sizeof r->last_error);
    r->updated_at = sqlite3_column_int64(q, 7);
}

static enum vx_status rx_retry_put(struct vx_store *st, const struct vx_regx_retry_rec *r)
{
    static const char sql[] = "INSERT OR REPLACE INTO regx_retries (" RX_RETRY_COLS ") "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    if (!reg_ok(r->reg))
        return bad_reg(st, r->reg);
    if ((unsigned)r->state > VX_REGX_FAILED || r->attempts < 0)
        return sq_set_err(st, VX_EINVAL, "retry item: bad state or attempts");
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "retry item", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, r->reg);
    rc |= sqlite3_bind_int64(q, 2, r->seq);
    rc |= sqlite3_bind_int64(q, 3, r->dose_id);
    rc |= sqlite3_bind_text(q, 4, retry_codes[r->state], -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(q, 5, r->attempts);
    rc |= sqlite3_bind_int64(q, 6, r->next_attempt_at);
    rc |= sq_bind_text(q, 7, r->last_error, sizeof r->last_error);
    rc |= sqlite3_bind_int64(q, 8, r->updated_at);
    return sq_finish(st, q, rc, "retry item");
}

static enum vx_status rx_retry_delete(struct vx_store *st, const char *reg, int64_t seq)
{
    static const char sql[] = "DELETE FROM regx_retries WHERE register = ?1 AND seq = ?2";
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "retry item", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    rc |= sqlite3_bind_int64(q, 2, seq);
    if ((vs = sq_finish(st, q, rc, "retry item")) != VX_OK)
        return vs;
    return sqlite3_changes(sq_store_db(st))
               ? VX_OK
               : sq_set_err(st, VX_ENOTFOUND, "no retry item %s/%lld", reg, (long long)seq);
}

static enum vx_status rx_retry_due(struct vx_store *st, const char *reg, vx_time now,
                                   struct vx_regx_retry_rec *out, int cap, int *n)
{
    static const char sql[] = "SELECT " RX_RETRY_COLS " FROM regx_retries WHERE register = ?1 "
                              "AND state = 'retry' AND next_attempt_at <= ?2 ORDER BY seq";
    *n = 0;
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "due retries", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    rc |= sqlite3_bind_int64(q, 2, now);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n < cap)
            retry_from_row(q, &out[*n]);
        (*n)++;
        rc = SQLITE_OK;
    }
    vs = rc == SQLITE_DONE ? VX_OK : sq_error(st, rc, false, "due retries");
    sqlite3_reset(q);
    return vs;
}

static enum vx_status rx_retry_blocker(struct vx_store *st, const char *reg, int64_t dose_id,
                                       int64_t before, struct vx_regx_retry_rec *out, bool *found)
{
    static const char sql[] = "SELECT " RX_RETRY_COLS " FROM regx_retries WHERE register = ?1 "
                              "AND dose_id = ?2 AND seq < ?3 AND state = 'retry' "
                              "ORDER BY seq LIMIT 1";
    *found = false;
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "retry blocker", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    rc |= sqlite3_bind_int64(q, 2, dose_id);
    rc |= sqlite3_bind_int64(q, 3, before);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        retry_from_row(q, out);
        *found = true;
        rc = SQLITE_DONE;
    }
    vs = rc == SQLITE_DONE ? VX_OK : sq_error(st, rc, false, "retry blocker");
    sqlite3_reset(q);
    return vs;
}

struct retry_each {
    const char *reg;
    vx_regx_retry_cb cb;
    void *ctx;
};

static int retry_each_bind(void *ctx, sqlite3_stmt *q)
{
    struct retry_each *e = ctx;
    return sqlite3_bind_text(q, 1, e->reg, -1, SQLITE_STATIC);
}

static int retry_each_row(void *ctx, sqlite3_stmt *q)
{
    struct retry_each *e = ctx;
    struct vx_regx_retry_rec r;
    retry_from_row(q, &r);
    return e->cb(e->ctx, &r);
}

static enum vx_status rx_retry_foreach(struct vx_store *st, const char *reg, vx_regx_retry_cb cb,
                                       void *ctx)
{
    static const char sql[] = "SELECT " RX_RETRY_COLS " FROM regx_retries "
                              "WHERE ?1 = '' OR register = ?1 ORDER BY register, seq";
    if (!reg)
        reg = "";
    if (*reg && !reg_ok(reg))
        return bad_reg(st, reg);
    struct retry_each e = {reg, cb, ctx};
    return sq_each(st, sql, "retry items", retry_each_bind, retry_each_row, &e);
}

/* ------------------------------------------------------------------ status */

static enum vx_status rx_status(struct vx_store *st, const char *reg,
                                struct vx_regx_status_rec *out)
{
    static const char sqlr[] =
        "SELECT state, count(*) FROM regx_retries WHERE register = ?1 GROUP BY state";
    static const char sqlb[] = "SELECT count(*), coalesce(max(done_at), 0) FROM regx_batches "
                               "WHERE register = ?1 AND state = 'done'";
    memset(out, 0, sizeof *out);
    struct vx_regx_cursor_rec cur;
    enum vx_status vs = rx_cursor_get(st, reg, &cur);
    if (vs != VX_OK || (vs = rx_last_seq(st, &out->max_seq)) != VX_OK)
        return vs;
    snprintf(out->reg, sizeof out->reg, "%s", reg);
    out->last_seq = cur.last_seq;
    out->sent = cur.sent;
    out->last_export_at = cur.updated_at;
    sqlite3_stmt *q;
    if ((vs = sq_prep(st, sqlr, "register status", &q)) != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(q, 0);
        int64_t k = sqlite3_column_int64(q, 1);
        if (s && !strcmp(s, "retry"))
            out->retrying = k;
        else if (s && !strcmp(s, "rejected"))
            out->rejected = k;
        else
            out->failed = k;
        rc = SQLITE_OK;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sq_error(st, rc, false, "register status");
    if ((vs = sq_prep(st, sqlb, "register status", &q)) != VX_OK)
        return vs;
    rc = bind_reg(q, 1, reg);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        out->batches = sqlite3_column_int64(q, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sq_error(st, rc, false, "register status");
    out->pending = (out->max_seq - out->last_seq) + out->retrying;
    return VX_OK;
}

/* ------------------------------------------------------------------ doses */

static void dose_row(sqlite3_stmt *q, void *out)
{
    sq_dose_from_row(q, out);
}

static enum vx_status rx_dose_get(struct vx_store *st, int64_t id, struct vx_dose_rec *out)
{
    static const char sql[] = "SELECT " SQ_DOSE_COLS " FROM doses WHERE id = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "dose", &q);
    if (vs != VX_OK)
        return vs;
    vs = sq_one_row(st, q, sqlite3_bind_int64(q, 1, id), "dose", dose_row, out);
    if (vs == VX_ENOTFOUND)
        sq_set_err(st, VX_ENOTFOUND, "no dose %lld", (long long)id);
    return vs;
}

static enum vx_status rx_dose_find(struct vx_store *st, int64_t person_id, const char *vaccine,
                                   int dose_number, vx_time from, vx_time to, int64_t *id)
{
    static const char sql[] = "SELECT id FROM doses WHERE person_id = ?1 AND dose_number = ?2 "
                              "AND vaccine_code = ?3 AND given_at >= ?4 AND given_at < ?5 "
                              "AND status = 'valid' ORDER BY id LIMIT 1";
    *id = 0;
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "dose look-up", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, person_id);
    rc |= sqlite3_bind_int(q, 2, dose_number);
    rc |= sqlite3_bind_text(q, 3, vaccine ? vaccine : "", -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(q, 4, from);
    rc |= sqlite3_bind_int64(q, 5, to);
    if (rc != SQLITE_OK) {
        sqlite3_reset(q);
        return sq_error(st, rc, false, "dose look-up");
    }
    bool found;
    if ((vs = one_int(st, q, id, &found, "dose look-up")) != VX_OK)
        return vs;
    return found ? VX_OK : sq_set_err(st, VX_ENOTFOUND, "no such dose");
}

static enum vx_status rx_vaccine_exists(struct vx_store *st, const char *code, bool *out)
{
    static const char sql[] = "SELECT 1 FROM vaccines WHERE code = ?1";
    *out = false;
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "vaccine look-up", &q);
    if (vs != VX_OK)
        return vs;
    if (sqlite3_bind_text(q, 1, code ? code : "", -1, SQLITE_STATIC) != SQLITE_OK) {
        sqlite3_reset(q);
        return sq_error(st, SQLITE_ERROR, false, "vaccine look-up");
    }
    int64_t one;
    return one_int(st, q, &one, out, "vaccine look-up");
}

/* ------------------------------------------------------------------ backlog */

static enum vx_status rx_oldest_pending(struct vx_store *st, const char *reg, const char *region,
                                        vx_time *at)
{
    /* three ranges, each small when the register keeps up: the doses above the mark and
     * the changes above the cursor (primary-key ranges) and the register's retry items.
     * The unary + keeps SQLite off the doses (region_code, ...) index, which would scan
     * every dose of the region instead of the range. */
    static const char sql[] =
        "SELECT min(t) FROM ("
        " SELECT min(d.created_at) AS t FROM doses d"
        "  WHERE d.id > (SELECT dose_id FROM regx_mark) AND +d.region_code = ?2"
        " UNION ALL"
        " SELECT min(c.at) FROM regx_changes c JOIN doses d ON d.id = c.dose_id"
        "  WHERE c.seq > (SELECT last_seq FROM regx_cursors WHERE register = ?1)"
        "    AND +d.region_code = ?2"
        " UNION ALL"
        " SELECT min(c.at) FROM regx_retries r JOIN regx_changes c ON c.seq = r.seq"
        "  JOIN doses d ON d.id = r.dose_id WHERE r.register = ?1 AND +d.region_code = ?2)";
    *at = 0;
    if (!reg_ok(reg))
        return bad_reg(st, reg);
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "register backlog", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_reg(q, 1, reg);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(q, 2, region ? region : "", -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        sqlite3_reset(q);
        return sq_error(st, rc, false, "register backlog");
    }
    bool found;
    return one_int(st, q, at, &found, "register backlog"); /* NULL min reads as 0 */
}

const struct vx_store_regx_ops sq_regx_ops = {
    .name = "sqlite",
    .last_seq = rx_last_seq,
    .sync = rx_sync,
    .cursor_get = rx_cursor_get,
    .cursor_advance = rx_cursor_advance,
    .change_foreach = rx_change_foreach,
    .change_get = rx_change_get,
    .batch_prepare = rx_batch_prepare,
    .batch_pending = rx_batch_pending,
    .batch_done = rx_batch_done,
    .batch_next_day_no = rx_batch_next_day_no,
    .batch_list = rx_batch_list,
    .retry_put = rx_retry_put,
    .retry_delete = rx_retry_delete,
    .retry_due = rx_retry_due,
    .retry_blocker = rx_retry_blocker,
    .retry_foreach = rx_retry_foreach,
    .status = rx_status,
    .dose_get = rx_dose_get,
    .dose_find = rx_dose_find,
    .vaccine_exists = rx_vaccine_exists,
    .oldest_pending = rx_oldest_pending,
};
