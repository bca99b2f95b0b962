/*
 * muni.c — SQLite implementation of struct vx_store_muni_ops (include/vx/store_muni.h)
 * and its schema migration (version 8).
 *
 * Lists. muni_lists holds one row per uploaded version and never any person data,
 * so it survives the retention purge as the record of what was shared, when, by
 * whom and on which legal basis. muni_list_rows (who is on a version) and
 * muni_list_changes (the diff against the previous version) are the person data:
 * both are keyed (list_id, person_id) WITHOUT ROWID, so reading a list or a care
 * unit is a range scan of the primary key (plus an index by unit), and the purge is
 * one range delete per list. The per-type and per-change counters are columns of
 * muni_lists, written once by the upload, so the list overview never touches rows.
 *
 * Rounds. muni_rounds (plan, decision, hand-over), muni_round_residents (who is on a
 * round and their outcome, with the dose recorded) and muni_records (the nurses'
 * idempotency keys with the stored first result). A CHECK ties a vaccinated
 * outcome to a dose id, and a trigger on doses puts a resident back to "pending"
 * when the care module voids the dose, so "who is left" stays true after a
 * correction.
 *
 * Doses given by municipal nurses carry doses.kommun_code (site_id NULL); the
 * partial index muni_doses_kommun serves the municipal counts (and the compensation
 * ledger that counts the same doses). Every enumeration is a CHECK with an OR chain
 * of the codes of src/muni/codes.c (see migrations.c on why not IN).
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"

const char sq_schema_muni[] =
    "CREATE TABLE muni_lists ("
    "  id INTEGER PRIMARY KEY,"
    "  kommun_code TEXT NOT NULL,"
    "  region_code TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  legal_basis TEXT NOT NULL CHECK (legal_basis = 'pdl_coherent_records'"
    "    OR legal_basis = 'consent'),"
    "  basis_note TEXT NOT NULL DEFAULT '' CHECK (length(basis_note) <= 128),"
    "  uploaded_by TEXT NOT NULL,"
    "  uploaded_at INTEGER NOT NULL,"
    "  valid_until INTEGER NOT NULL," /* YYYYMMDD */
    "  rows INTEGER NOT NULL DEFAULT 0 CHECK (rows >= 0),"
    "  n_special_housing INTEGER NOT NULL DEFAULT 0,"
    "  n_home_care INTEGER NOT NULL DEFAULT 0,"
    "  n_home_health_care INTEGER NOT NULL DEFAULT 0,"
    "  n_lss_home INTEGER NOT NULL DEFAULT 0,"
    "  ch_new INTEGER NOT NULL DEFAULT 0,"
    "  ch_moved INTEGER NOT NULL DEFAULT 0,"
    "  ch_type_changed INTEGER NOT NULL DEFAULT 0,"
    "  ch_deceased INTEGER NOT NULL DEFAULT 0,"
    "  ch_moved_out INTEGER NOT NULL DEFAULT 0,"
    "  ch_removed INTEGER NOT NULL DEFAULT 0,"
    "  previous_id INTEGER REFERENCES muni_lists (id),"
    "  purged_at INTEGER," /* NULL while its rows are stored */
    "  UNIQUE (kommun_code, version),"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX muni_lists_region ON muni_lists (region_code, kommun_code);"

    "CREATE TABLE muni_list_rows ("
    "  list_id INTEGER NOT NULL REFERENCES muni_lists (id),"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  unit_code TEXT NOT NULL CHECK (length(unit_code) BETWEEN 1 AND 32),"
    "  unit_name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(unit_name AS BLOB)) <= 64),"
    "  list_type TEXT NOT NULL CHECK (list_type = 'special_housing' OR list_type = 'home_care'"
    "    OR list_type = 'home_health_care' OR list_type = 'lss_home'),"
    "  consent TEXT NOT NULL DEFAULT 'unknown' CHECK (consent = 'unknown' OR consent = 'given'"
    "    OR consent = 'declined' OR consent = 'representative'),"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'deceased'"
    "    OR status = 'moved_out'),"
    "  notes TEXT NOT NULL DEFAULT '' CHECK (length(CAST(notes AS BLOB)) <= 256),"
    "  line INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (list_id, person_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX muni_list_rows_unit ON muni_list_rows (list_id, unit_code);"
    "CREATE INDEX muni_list_rows_person ON muni_list_rows (person_id);"

    "CREATE TABLE muni_list_changes ("
    "  list_id INTEGER NOT NULL REFERENCES muni_lists (id),"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind = 'new' OR kind = 'moved' OR kind = 'type_changed'"
    "    OR kind = 'deceased' OR kind = 'moved_out' OR kind = 'removed'),"
    "  old_unit TEXT NOT NULL DEFAULT '',"
    "  new_unit TEXT NOT NULL DEFAULT '',"
    "  old_type TEXT NOT NULL,"
    "  new_type TEXT NOT NULL,"
    "  PRIMARY KEY (list_id, person_id)"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE muni_rounds ("
    "  id INTEGER PRIMARY KEY,"
    "  kommun_code TEXT NOT NULL,"
    "  region_code TEXT NOT NULL,"
    "  unit_code TEXT NOT NULL CHECK (length(unit_code) BETWEEN 1 AND 32),"
    "  unit_name TEXT NOT NULL DEFAULT '',"
    "  day INTEGER NOT NULL," /* YYYYMMDD */
    "  vaccine_code TEXT NOT NULL REFERENCES vaccines (code),"
    "  form TEXT NOT NULL CHECK (form = 'vials' OR form = 'syringes'),"
    "  transport_minutes INTEGER NOT NULL CHECK (transport_minutes BETWEEN 0 AND 1440),"
    "  duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 0 AND 1440),"
    "  doses_ordered INTEGER NOT NULL CHECK (doses_ordered >= 0),"
    "  vials_ordered INTEGER NOT NULL CHECK (vials_ordered >= 0),"
    "  status TEXT NOT NULL DEFAULT 'planned' CHECK (status = 'planned' OR status = 'approved'"
    "    OR status = 'rejected' OR status = 'handed_out' OR status = 'done'),"
    "  planned_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  decided_by TEXT NOT NULL DEFAULT '',"
    "  decided_at INTEGER NOT NULL DEFAULT 0,"
    "  decision_note TEXT NOT NULL DEFAULT '',"
    "  lot_number TEXT NOT NULL DEFAULT '',"
    "  doses_handed INTEGER NOT NULL DEFAULT 0 CHECK (doses_handed >= 0),"
    "  vials_handed INTEGER NOT NULL DEFAULT 0 CHECK (vials_handed >= 0),"
    "  handed_by TEXT NOT NULL DEFAULT '',"
    "  handed_at INTEGER NOT NULL DEFAULT 0,"
    "  CHECK ((status <> 'handed_out' AND status <> 'done') OR lot_number <> ''),"
    "  FOREIGN KEY (kommun_code, region_code) REFERENCES municipalities (code, region_code)"
    ") STRICT;"
    "CREATE INDEX muni_rounds_kommun ON muni_rounds (kommun_code, day);"
    "CREATE INDEX muni_rounds_region ON muni_rounds (region_code, day);"

    "CREATE TABLE muni_round_residents ("
    "  round_id INTEGER NOT NULL REFERENCES muni_rounds (id),"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  region_code TEXT NOT NULL,"
    "  consent TEXT NOT NULL CHECK (consent = 'unknown' OR consent = 'given'"
    "    OR consent = 'declined' OR consent = 'representative'),"
    "  outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome = 'pending'"
    "    OR outcome = 'vaccinated' OR outcome = 'declined' OR outcome = 'absent'),"
    "  dose_id INTEGER REFERENCES doses (id),"
    "  recorded_by TEXT NOT NULL DEFAULT '',"
    "  recorded_at INTEGER NOT NULL DEFAULT 0,"
    "  CHECK ((outcome = 'vaccinated') = (dose_id IS NOT NULL)),"
    "  PRIMARY KEY (round_id, person_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX muni_round_residents_dose ON muni_round_residents (dose_id)"
    "  WHERE dose_id IS NOT NULL;"

    "CREATE TABLE muni_records ("
    "  kommun_code TEXT NOT NULL,"
    "  idem_key TEXT NOT NULL CHECK (length(idem_key) BETWEEN 8 AND 64),"
    "  round_id INTEGER NOT NULL,"
    "  person_id INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  dose_id INTEGER NOT NULL DEFAULT 0,"
    "  dose_number INTEGER NOT NULL DEFAULT 0,"
    "  result_outcome TEXT NOT NULL,"
    "  left_count INTEGER NOT NULL DEFAULT 0,"
    "  code TEXT NOT NULL DEFAULT '',"
    "  message TEXT NOT NULL DEFAULT '',"
    "  message_en TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (kommun_code, idem_key)"
    ") STRICT, WITHOUT ROWID;"

    /* a voided dose puts its resident back on the "left" list */
    "CREATE TRIGGER muni_dose_voided AFTER UPDATE OF status ON doses"
    "  WHEN NEW.status = 'voided' AND OLD.status <> 'voided' BEGIN"
    "  UPDATE muni_round_residents SET outcome = 'pending', dose_id = NULL"
    "    WHERE dose_id = NEW.id;"
    "  UPDATE muni_rounds SET status = 'handed_out' WHERE status = 'done' AND id IN"
    "    (SELECT round_id FROM muni_round_residents WHERE person_id = NEW.person_id);"
    "END;"
    "CREATE INDEX muni_doses_kommun ON doses (kommun_code) WHERE kommun_code IS NOT NULL;";

/* ------------------------------------------------------------------ codes */

/* The text codes of the module's enumerations as stored. They mirror the tables of
 * src/muni/codes.c and the CHECK constraints above; the store keeps its own copy so
 * that libvx_store does not depend on libvx_muni (static libraries link in one
 * direction). tests/store/test_store_muni.c round-trips every value through the
 * store against vx_muni_*_code() to keep the copies equal. */
static const char *const c_list_type[] = {"special_housing", "home_care", "home_health_care",
                                          "lss_home"};
static const char *const c_consent[] = {"unknown", "given", "declined", "representative"};
static const char *const c_row_status[] = {"active", "deceased", "moved_out"};
static const char *const c_basis[] = {"pdl_coherent_records", "consent"};
static const char *const c_change[] = {"new",      "moved",     "type_changed",
                                       "deceased", "moved_out", "removed"};
static const char *const c_round_status[] = {"planned", "approved", "rejected", "handed_out",
                                             "done"};
static const char *const c_form[] = {"vials", "syringes"};
static const char *const c_outcome[] = {"pending", "vaccinated", "declined", "absent"};

_Static_assert(VX_ARRAY_LEN(c_list_type) == VX_MUNI_LIST_TYPE_COUNT, "list types");
_Static_assert(VX_ARRAY_LEN(c_consent) == VX_MUNI_CONSENT_COUNT, "consents");
_Static_assert(VX_ARRAY_LEN(c_row_status) == VX_MUNI_ROW_STATUS_COUNT, "row statuses");
_Static_assert(VX_ARRAY_LEN(c_basis) == VX_MUNI_BASIS_COUNT, "bases");
_Static_assert(VX_ARRAY_LEN(c_change) == VX_MUNI_CH_COUNT, "changes");
_Static_assert(VX_ARRAY_LEN(c_round_status) == VX_MUNI_ROUND_STATUS_COUNT, "round statuses");
_Static_assert(VX_ARRAY_LEN(c_form) == VX_MUNI_FORM_COUNT, "forms");
_Static_assert(VX_ARRAY_LEN(c_outcome) == VX_MUNI_OUTCOME_COUNT, "outcomes");

#define CODE(table, v) ((unsigned)(v) < VX_ARRAY_LEN(table) ? table[(v)] : "?")

/* Index of column i's text in `table` (0 when unknown: the CHECKs keep it known). */
static int code_col(sqlite3_stmt *q, int i, const char *const *table, size_t n)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    for (size_t k = 0; s && k < n; k++)
        if (!strcmp(table[k], s))
            return (int)k;
    return 0;
}
#define COL(q, i, table) code_col((q), (i), (table), VX_ARRAY_LEN(table))

/* ------------------------------------------------------------------ helpers */

static sqlite3_int64 last_id(struct vx_store *st)
{
    return sqlite3_last_insert_rowid(sq_store_db(st));
}

static int bind_str(sqlite3_stmt *q, int i, const char *s)
{
    return sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Step a cached read statement expected to give one row; VX_ENOTFOUND when none. */
static enum vx_status step_one(struct vx_store *st, sqlite3_stmt *q, int rc, const char *what)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return VX_OK;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return sq_set_err(st, VX_ENOTFOUND, "%s: not found", what);
    }
    enum vx_status vs = sq_error(st, rc, false, what);
    sqlite3_reset(q);
    return vs;
}

static void copy_name(sqlite3_stmt *q, int given, int family, char *dst, size_t size)
{
    const char *g = (const char *)sqlite3_column_text(q, given);
    const char *f = (const char *)sqlite3_column_text(q, family);
    snprintf(dst, size, "%s%s%s", g ? g : "", g && *g && f && *f ? " " : "", f ? f : "");
}

/* ------------------------------------------------------------------ lists */

#define LIST_COLS                                                                                  \
    "id, kommun_code, region_code, version, legal_basis, basis_note, uploaded_by, uploaded_at, "   \
    "valid_until, rows, n_special_housing, n_home_care, n_home_health_care, n_lss_home, ch_new, "  \
    "ch_moved, ch_type_changed, ch_deceased, ch_moved_out, ch_removed, coalesce(previous_id, 0), " \
    "coalesce(purged_at, 0)"

static void list_from_row(sqlite3_stmt *q, struct vx_muni_list *l)
{
    memset(l, 0, sizeof *l);
    l->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, l->kommun, sizeof l->kommun);
    sq_copy_col(q, 2, l->region, sizeof l->region);
    l->version = sqlite3_column_int(q, 3);
    l->basis = (enum vx_muni_basis)COL(q, 4, c_basis);
    sq_copy_col(q, 5, l->basis_note, sizeof l->basis_note);
    sq_copy_col(q, 6, l->uploaded_by, sizeof l->uploaded_by);
    l->uploaded_at = sqlite3_column_int64(q, 7);
    l->valid_until = sq_day(sqlite3_column_int(q, 8));
    l->rows = sqlite3_column_int(q, 9);
    for (int i = 0; i < VX_MUNI_LIST_TYPE_COUNT; i++)
        l->by_type[i] = sqlite3_column_int(q, 10 + i);
    for (int i = 0; i < VX_MUNI_CH_COUNT; i++)
        l->changes[i] = sqlite3_column_int(q, 14 + i);
    l->previous_id = sqlite3_column_int64(q, 20);
    l->purged_at = sqlite3_column_int64(q, 21);
}

static int bind_counts(sqlite3_stmt *q, int first, const struct vx_muni_list *l)
{
    int rc = sqlite3_bind_int(q, first, l->rows);
    for (int i = 0; i < VX_MUNI_LIST_TYPE_COUNT; i++)
        rc |= sqlite3_bind_int(q, first + 1 + i, l->by_type[i]);
    for (int i = 0; i < VX_MUNI_CH_COUNT; i++)
        rc |= sqlite3_bind_int(q, first + 5 + i, l->changes[i]);
    rc |= l->previous_id ? sqlite3_bind_int64(q, first + 11, l->previous_id)
                         : sqlite3_bind_null(q, first + 11);
    return rc;
}

static enum vx_status m_list_put(struct vx_store *st, struct vx_muni_list *l)
{
    static const char sql[] =
        "INSERT INTO muni_lists (kommun_code, region_code, version, legal_basis, basis_note,"
        " uploaded_by, uploaded_at, valid_until, rows, n_special_housing, n_home_care,"
        " n_home_health_care, n_lss_home, ch_new, ch_moved, ch_type_changed, ch_deceased,"
        " ch_moved_out, ch_removed, previous_id)"
        " SELECT ?1, ?2, coalesce(max(version), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19 FROM muni_lists WHERE kommun_code = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal list", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, l->kommun, sizeof l->kommun);
    rc |= sq_bind_text(q, 2, l->region, sizeof l->region);
    rc |= bind_str(q, 3, CODE(c_basis, l->basis));
    rc |= sq_bind_text(q, 4, l->basis_note, sizeof l->basis_note);
    rc |= sq_bind_text(q, 5, l->uploaded_by, sizeof l->uploaded_by);
    rc |= sqlite3_bind_int64(q, 6, l->uploaded_at);
    rc |= sqlite3_bind_int(q, 7, sq_ymd(l->valid_until));
    rc |= bind_counts(q, 8, l);
    vs = sq_finish(st, q, rc, "municipal list");
    if (vs != VX_OK)
        return vs;
    l->id = last_id(st);
    static const char ver[] = "SELECT version FROM muni_lists WHERE id = ?1";
    if ((vs = sq_prep(st, ver, "municipal list version", &q)) != VX_OK)
        return vs;
    vs = step_one(st, q, sqlite3_bind_int64(q, 1, l->id), "municipal list version");
    if (vs == VX_OK) {
        l->version = sqlite3_column_int(q, 0);
        sqlite3_reset(q);
    }
    return vs;
}

static enum vx_status m_list_set_counts(struct vx_store *st, const struct vx_muni_list *l)
{
    static const char sql[] =
        "UPDATE muni_lists SET rows = ?2, n_special_housing = ?3, n_home_care = ?4,"
        " n_home_health_care = ?5, n_lss_home = ?6, ch_new = ?7, ch_moved = ?8,"
        " ch_type_changed = ?9, ch_deceased = ?10, ch_moved_out = ?11, ch_removed = ?12,"
        " previous_id = ?13 WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal list counts", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, l->id);
    rc |= bind_counts(q, 2, l);
    return sq_finish(st, q, rc, "municipal list counts");
}

static enum vx_status m_list_row_put(struct vx_store *st, int64_t list_id,
                                     const struct vx_muni_row *r)
{
    static const char sql[] =
        "INSERT INTO muni_list_rows (list_id, person_id, region_code, unit_code, unit_name,"
        " list_type, consent, status, notes, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal list row", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, list_id);
    rc |= sqlite3_bind_int64(q, 2, r->person_id);
    rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
    rc |= sq_bind_text(q, 4, r->unit_code, sizeof r->unit_code);
    rc |= sq_bind_text(q, 5, r->unit_name, sizeof r->unit_name);
    rc |= bind_str(q, 6, CODE(c_list_type, r->type));
    rc |= bind_str(q, 7, CODE(c_consent, r->consent));
    rc |= bind_str(q, 8, CODE(c_row_status, r->status));
    rc |= sq_bind_text(q, 9, r->notes, sizeof r->notes);
    rc |= sqlite3_bind_int(q, 10, r->line);
    return sq_finish(st, q, rc, "municipal list row");
}

static enum vx_status m_list_change_put(struct vx_store *st, int64_t list_id,
                                        const struct vx_muni_change *c)
{
    static const char sql[] =
        "INSERT INTO muni_list_changes (list_id, person_id, region_code, kind, old_unit, new_unit,"
        " old_type, new_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal list change", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, list_id);
    rc |= sqlite3_bind_int64(q, 2, c->person_id);
    rc |= sq_bind_text(q, 3, c->region, sizeof c->region);
    rc |= bind_str(q, 4, CODE(c_change, c->kind));
    rc |= sq_bind_text(q, 5, c->old_unit, sizeof c->old_unit);
    rc |= sq_bind_text(q, 6, c->new_unit, sizeof c->new_unit);
    rc |= bind_str(q, 7, CODE(c_list_type, c->old_type));
    rc |= bind_str(q, 8, CODE(c_list_type, c->new_type));
    return sq_finish(st, q, rc, "municipal list change");
}

static enum vx_status m_list_get(struct vx_store *st, int64_t id, struct vx_muni_list *out)
{
    static const char sql[] = "SELECT " LIST_COLS " FROM muni_lists WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "municipal list", &q);
    if (vs != VX_OK)
        return vs;
    if ((vs = step_one(st, q, sqlite3_bind_int64(q, 1, id), "municipal list")) == VX_OK) {
        list_from_row(q, out);
        sqlite3_reset(q);
    }
    return vs;
}

static enum vx_status m_list_latest(struct vx_store *st, const char *kommun,
                                    struct vx_muni_list *out)
{
    static const char sql[] = "SELECT " LIST_COLS " FROM muni_lists WHERE kommun_code = ?1"
                              " ORDER BY version DESC LIMIT 1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "latest municipal list", &q);
    if (vs != VX_OK)
        return vs;
    if ((vs = step_one(st, q, bind_str(q, 1, kommun), "latest municipal list")) == VX_OK) {
        list_from_row(q, out);
        sqlite3_reset(q);
    }
    return vs;
}

struct each_ctx {
    const char *s1, *s2;
    int64_t i1, i2;
    void *cb;
    void *ctx;
};

static int bind_s1_s2(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    return bind_str(q, 1, e->s1) | bind_str(q, 2, e->s2);
}

static int list_row_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_list l;
    list_from_row(q, &l);
    return ((vx_muni_list_cb)e->cb)(e->ctx, &l);
}

static enum vx_status m_list_foreach(struct vx_store *st, const char *kommun, const char *region,
                                     vx_muni_list_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " LIST_COLS " FROM muni_lists"
        " WHERE (?1 = '' OR kommun_code = ?1) AND (?2 = '' OR region_code = ?2)"
        " ORDER BY kommun_code, version DESC";
    struct each_ctx e = {.s1 = kommun, .s2 = region, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal lists", bind_s1_s2, list_row_cb, &e);
}

#define ROW_COLS                                                                                   \
    "r.person_id, r.region_code, r.unit_code, r.unit_name, r.list_type, r.consent, r.status, "     \
    "r.notes, r.line, p.pnr, p.given_name, p.family_name"

static void row_from_row(sqlite3_stmt *q, struct vx_muni_row *r)
{
    memset(r, 0, sizeof *r);
    r->person_id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, r->region, sizeof r->region);
    sq_copy_col(q, 2, r->unit_code, sizeof r->unit_code);
    sq_copy_col(q, 3, r->unit_name, sizeof r->unit_name);
    r->type = (enum vx_muni_list_type)COL(q, 4, c_list_type);
    r->consent = (enum vx_muni_consent)COL(q, 5, c_consent);
    r->status = (enum vx_muni_row_status)COL(q, 6, c_row_status);
    sq_copy_col(q, 7, r->notes, sizeof r->notes);
    r->line = sqlite3_column_int(q, 8);
    sq_copy_col(q, 9, r->pnr, sizeof r->pnr);
    copy_name(q, 10, 11, r->name, sizeof r->name);
}

static int bind_rows(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    return sqlite3_bind_int64(q, 1, e->i1) | bind_str(q, 2, e->s1) |
           sqlite3_bind_int64(q, 3, e->i2);
}

static int rows_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_row r;
    row_from_row(q, &r);
    return ((vx_muni_row_cb)e->cb)(e->ctx, &r);
}

static enum vx_status m_list_row_foreach(struct vx_store *st, int64_t list_id, const char *unit,
                                         bool active_only, vx_muni_row_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " ROW_COLS " FROM muni_list_rows r JOIN persons p ON p.id = r.person_id"
        " WHERE r.list_id = ?1 AND (?2 = '' OR r.unit_code = ?2)"
        " AND (?3 = 0 OR r.status = 'active')"
        " ORDER BY r.unit_code, p.family_name, p.given_name, r.person_id";
    struct each_ctx e = {
        .i1 = list_id, .s1 = unit, .i2 = active_only, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal list rows", bind_rows, rows_cb, &e);
}

static enum vx_status m_list_row_get(struct vx_store *st, int64_t list_id, int64_t person_id,
                                     struct vx_muni_row *out)
{
    static const char sql[] =
        "SELECT " ROW_COLS " FROM muni_list_rows r JOIN persons p ON p.id = r.person_id"
        " WHERE r.list_id = ?1 AND r.person_id = ?2";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "municipal list row", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, list_id) | sqlite3_bind_int64(q, 2, person_id);
    if ((vs = step_one(st, q, rc, "municipal list row")) == VX_OK) {
        row_from_row(q, out);
        sqlite3_reset(q);
    }
    return vs;
}

static int bind_i1(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    return sqlite3_bind_int64(q, 1, e->i1);
}

static int change_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_change c;
    memset(&c, 0, sizeof c);
    c.person_id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, c.region, sizeof c.region);
    c.kind = (enum vx_muni_change_kind)COL(q, 2, c_change);
    sq_copy_col(q, 3, c.old_unit, sizeof c.old_unit);
    sq_copy_col(q, 4, c.new_unit, sizeof c.new_unit);
    c.old_type = (enum vx_muni_list_type)COL(q, 5, c_list_type);
    c.new_type = (enum vx_muni_list_type)COL(q, 6, c_list_type);
    sq_copy_col(q, 7, c.pnr, sizeof c.pnr);
    copy_name(q, 8, 9, c.name, sizeof c.name);
    return ((vx_muni_change_cb)e->cb)(e->ctx, &c);
}

static enum vx_status m_list_change_foreach(struct vx_store *st, int64_t list_id,
                                            vx_muni_change_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT c.person_id, c.region_code, c.kind, c.old_unit, c.new_unit, c.old_type,"
        " c.new_type, p.pnr, p.given_name, p.family_name"
        " FROM muni_list_changes c JOIN persons p ON p.id = c.person_id WHERE c.list_id = ?1"
        " ORDER BY c.kind, p.family_name, c.person_id";
    struct each_ctx e = {.i1 = list_id, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal list changes", bind_i1, change_cb, &e);
}

static int bind_due(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    return sqlite3_bind_int(q, 1, sq_ymd((vx_day)e->i1)) | sqlite3_bind_int64(q, 2, e->i1) |
           sqlite3_bind_int64(q, 3, e->i2);
}

static enum vx_status m_list_due_foreach(struct vx_store *st, vx_day today, int keep_days,
                                         vx_muni_list_cb cb, void *ctx)
{
    /* superseded: a newer version whose upload day (UTC) + keep_days is before today */
    static const char sql[] =
        "SELECT " LIST_COLS " FROM muni_lists l WHERE purged_at IS NULL AND (valid_until < ?1"
        " OR EXISTS (SELECT 1 FROM muni_lists n WHERE n.kommun_code = l.kommun_code"
        "   AND n.version > l.version AND n.uploaded_at / 86400 + ?3 < ?2))"
        " ORDER BY id";
    struct each_ctx e = {.i1 = today, .i2 = keep_days, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal lists due for purging", bind_due, list_row_cb, &e);
}

static enum vx_status m_list_purge(struct vx_store *st, int64_t id, vx_time now, int64_t *rows)
{
    static const char del_rows[] = "DELETE FROM muni_list_rows WHERE list_id = ?1";
    static const char del_changes[] = "DELETE FROM muni_list_changes WHERE list_id = ?1";
    static const char mark[] = "UPDATE muni_lists SET purged_at = ?2 WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, del_rows, "purge list rows", &q);
    if (vs != VX_OK || (vs = sq_finish(st, q, sqlite3_bind_int64(q, 1, id), "purge list rows")))
        return vs;
    if (rows)
        *rows = sqlite3_changes64(sq_store_db(st));
    if ((vs = sq_write_prep(st, del_changes, "purge list changes", &q)) != VX_OK ||
        (vs = sq_finish(st, q, sqlite3_bind_int64(q, 1, id), "purge list changes")) != VX_OK)
        return vs;
    if ((vs = sq_write_prep(st, mark, "mark list purged", &q)) != VX_OK)
        return vs;
    return sq_finish(st, q, sqlite3_bind_int64(q, 1, id) | sqlite3_bind_int64(q, 2, now),
                     "mark list purged");
}

/* ------------------------------------------------------------------ rounds */

#define ROUND_COLS                                                                                 \
    "r.id, r.kommun_code, r.region_code, r.unit_code, r.unit_name, r.day, r.vaccine_code, "        \
    "r.form, "                                                                                     \
    "r.transport_minutes, r.duration_minutes, r.doses_ordered, r.vials_ordered, r.status, "        \
    "r.planned_by, r.created_at, r.decided_by, r.decided_at, r.decision_note, r.lot_number, "      \
    "r.doses_handed, r.vials_handed, r.handed_by, r.handed_at, "                                   \
    "(SELECT count(*) FROM muni_round_residents x WHERE x.round_id = r.id), "                      \
    "(SELECT count(*) FROM muni_round_residents x WHERE x.round_id = r.id AND x.outcome = "        \
    "'pending'), "                                                                                 \
    "(SELECT count(*) FROM muni_round_residents x WHERE x.round_id = r.id AND x.outcome = "        \
    "'vaccinated'), "                                                                              \
    "(SELECT count(*) FROM muni_round_residents x WHERE x.round_id = r.id AND x.outcome = "        \
    "'declined'), "                                                                                \
    "(SELECT count(*) FROM muni_round_residents x WHERE x.round_id = r.id AND x.outcome = "        \
    "'absent')"

static void round_from_row(sqlite3_stmt *q, struct vx_muni_round *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, r->kommun, sizeof r->kommun);
    sq_copy_col(q, 2, r->region, sizeof r->region);
    sq_copy_col(q, 3, r->unit_code, sizeof r->unit_code);
    sq_copy_col(q, 4, r->unit_name, sizeof r->unit_name);
    r->day = sq_day(sqlite3_column_int(q, 5));
    sq_copy_col(q, 6, r->vaccine, sizeof r->vaccine);
    r->transport.form = (enum vx_muni_form)COL(q, 7, c_form);
    r->transport.transport_minutes = sqlite3_column_int(q, 8);
    r->transport.duration_minutes = sqlite3_column_int(q, 9);
    r->doses_ordered = sqlite3_column_int(q, 10);
    r->vials_ordered = sqlite3_column_int(q, 11);
    r->status = (enum vx_muni_round_status)COL(q, 12, c_round_status);
    sq_copy_col(q, 13, r->planned_by, sizeof r->planned_by);
    r->created_at = sqlite3_column_int64(q, 14);
    sq_copy_col(q, 15, r->decided_by, sizeof r->decided_by);
    r->decided_at = sqlite3_column_int64(q, 16);
    sq_copy_col(q, 17, r->decision_note, sizeof r->decision_note);
    sq_copy_col(q, 18, r->lot_number, sizeof r->lot_number);
    r->doses_handed = sqlite3_column_int(q, 19);
    r->vials_handed = sqlite3_column_int(q, 20);
    sq_copy_col(q, 21, r->handed_by, sizeof r->handed_by);
    r->handed_at = sqlite3_column_int64(q, 22);
    r->residents = sqlite3_column_int(q, 23);
    for (int i = 0; i < VX_MUNI_OUTCOME_COUNT; i++)
        r->by_outcome[i] = sqlite3_column_int(q, 24 + i);
}

static enum vx_status m_round_put(struct vx_store *st, struct vx_muni_round *r)
{
    static const char sql[] =
        "INSERT INTO muni_rounds (kommun_code, region_code, unit_code, unit_name, day,"
        " vaccine_code, form, transport_minutes, duration_minutes, doses_ordered, vials_ordered,"
        " status, planned_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?12, ?13, ?14)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal round", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, r->kommun, sizeof r->kommun);
    rc |= sq_bind_text(q, 2, r->region, sizeof r->region);
    rc |= sq_bind_text(q, 3, r->unit_code, sizeof r->unit_code);
    rc |= sq_bind_text(q, 4, r->unit_name, sizeof r->unit_name);
    rc |= sqlite3_bind_int(q, 5, sq_ymd(r->day));
    rc |= sq_bind_text(q, 6, r->vaccine, sizeof r->vaccine);
    rc |= bind_str(q, 7, CODE(c_form, r->transport.form));
    rc |= sqlite3_bind_int(q, 8, r->transport.transport_minutes);
    rc |= sqlite3_bind_int(q, 9, r->transport.duration_minutes);
    rc |= sqlite3_bind_int(q, 10, r->doses_ordered);
    rc |= sqlite3_bind_int(q, 11, r->vials_ordered);
    rc |= bind_str(q, 12, CODE(c_round_status, r->status));
    rc |= sq_bind_text(q, 13, r->planned_by, sizeof r->planned_by);
    rc |= sqlite3_bind_int64(q, 14, r->created_at);
    if ((vs = sq_finish(st, q, rc, "municipal round")) == VX_OK)
        r->id = last_id(st);
    return vs;
}

static enum vx_status m_round_get(struct vx_store *st, int64_t id, struct vx_muni_round *out)
{
    static const char sql[] = "SELECT " ROUND_COLS " FROM muni_rounds r WHERE r.id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "municipal round", &q);
    if (vs != VX_OK)
        return vs;
    if ((vs = step_one(st, q, sqlite3_bind_int64(q, 1, id), "municipal round")) == VX_OK) {
        round_from_row(q, out);
        sqlite3_reset(q);
    }
    return vs;
}

static enum vx_status m_round_update(struct vx_store *st, const struct vx_muni_round *r)
{
    static const char sql[] =
        "UPDATE muni_rounds SET status = ?2, decided_by = ?3, decided_at = ?4, decision_note = ?5,"
        " lot_number = ?6, doses_handed = ?7, vials_handed = ?8, handed_by = ?9, handed_at = ?10"
        " WHERE id = ?1";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal round update", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->id);
    rc |= bind_str(q, 2, CODE(c_round_status, r->status));
    rc |= sq_bind_text(q, 3, r->decided_by, sizeof r->decided_by);
    rc |= sqlite3_bind_int64(q, 4, r->decided_at);
    rc |= sq_bind_text(q, 5, r->decision_note, sizeof r->decision_note);
    rc |= sq_bind_text(q, 6, r->lot_number, sizeof r->lot_number);
    rc |= sqlite3_bind_int(q, 7, r->doses_handed);
    rc |= sqlite3_bind_int(q, 8, r->vials_handed);
    rc |= sq_bind_text(q, 9, r->handed_by, sizeof r->handed_by);
    rc |= sqlite3_bind_int64(q, 10, r->handed_at);
    if ((vs = sq_finish(st, q, rc, "municipal round update")) != VX_OK)
        return vs;
    if (sqlite3_changes(sq_store_db(st)) == 0)
        return sq_set_err(st, VX_ENOTFOUND, "municipal round %lld: not found", (long long)r->id);
    return VX_OK;
}

static int round_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_round r;
    round_from_row(q, &r);
    return ((vx_muni_round_cb)e->cb)(e->ctx, &r);
}

static enum vx_status m_round_foreach(struct vx_store *st, const char *kommun, const char *region,
                                      vx_muni_round_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " ROUND_COLS " FROM muni_rounds r"
                              " WHERE (?1 = '' OR r.kommun_code = ?1)"
                              " AND (?2 = '' OR r.region_code = ?2)"
                              " ORDER BY r.day DESC, r.id DESC";
    struct each_ctx e = {.s1 = kommun, .s2 = region, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal rounds", bind_s1_s2, round_cb, &e);
}

static enum vx_status m_resident_put(struct vx_store *st, const struct vx_muni_round_resident *r)
{
    static const char sql[] =
        "INSERT INTO muni_round_residents (round_id, person_id, region_code, consent, outcome,"
        " dose_id, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "round resident", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->round_id);
    rc |= sqlite3_bind_int64(q, 2, r->person_id);
    rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
    rc |= bind_str(q, 4, CODE(c_consent, r->consent));
    rc |= bind_str(q, 5, CODE(c_outcome, r->outcome));
    rc |= r->dose_id ? sqlite3_bind_int64(q, 6, r->dose_id) : sqlite3_bind_null(q, 6);
    rc |= sq_bind_text(q, 7, r->recorded_by, sizeof r->recorded_by);
    rc |= sqlite3_bind_int64(q, 8, r->recorded_at);
    return sq_finish(st, q, rc, "round resident");
}

#define RES_COLS                                                                                   \
    "x.round_id, x.person_id, x.region_code, x.consent, x.outcome, coalesce(x.dose_id, 0), "       \
    "coalesce(d.dose_number, 0), x.recorded_by, x.recorded_at, p.pnr, p.given_name, "              \
    "p.family_name, coalesce(d.lot_number, ''), coalesce(d.given_at, 0) "                          \
    "FROM muni_round_residents x JOIN persons p ON p.id = x.person_id "                            \
    "LEFT JOIN doses d ON d.id = x.dose_id "

static void resident_from_row(sqlite3_stmt *q, struct vx_muni_round_resident *r)
{
    memset(r, 0, sizeof *r);
    r->round_id = sqlite3_column_int64(q, 0);
    r->person_id = sqlite3_column_int64(q, 1);
    sq_copy_col(q, 2, r->region, sizeof r->region);
    r->consent = (enum vx_muni_consent)COL(q, 3, c_consent);
    r->outcome = (enum vx_muni_outcome)COL(q, 4, c_outcome);
    r->dose_id = sqlite3_column_int64(q, 5);
    r->dose_number = sqlite3_column_int(q, 6);
    sq_copy_col(q, 7, r->recorded_by, sizeof r->recorded_by);
    r->recorded_at = sqlite3_column_int64(q, 8);
    sq_copy_col(q, 9, r->pnr, sizeof r->pnr);
    copy_name(q, 10, 11, r->name, sizeof r->name);
    sq_copy_col(q, 12, r->lot_number, sizeof r->lot_number);
    r->given_at = sqlite3_column_int64(q, 13);
}

static enum vx_status m_resident_get(struct vx_store *st, int64_t round_id, int64_t person_id,
                                     struct vx_muni_round_resident *out)
{
    static const char sql[] = "SELECT " RES_COLS "WHERE x.round_id = ?1 AND x.person_id = ?2";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "round resident", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, round_id) | sqlite3_bind_int64(q, 2, person_id);
    if ((vs = step_one(st, q, rc, "round resident")) == VX_OK) {
        resident_from_row(q, out);
        sqlite3_reset(q);
    }
    return vs;
}

static int resident_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_round_resident r;
    resident_from_row(q, &r);
    return ((vx_muni_resident_cb)e->cb)(e->ctx, &r);
}

static enum vx_status m_resident_foreach(struct vx_store *st, int64_t round_id,
                                         vx_muni_resident_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " RES_COLS "WHERE x.round_id = ?1"
                              " ORDER BY x.outcome <> 'pending', p.family_name, p.given_name,"
                              " x.person_id";
    struct each_ctx e = {.i1 = round_id, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "round residents", bind_i1, resident_cb, &e);
}

static enum vx_status m_resident_set(struct vx_store *st, const struct vx_muni_round_resident *r)
{
    static const char sql[] =
        "UPDATE muni_round_residents SET outcome = ?3, dose_id = ?4, recorded_by = ?5,"
        " recorded_at = ?6 WHERE round_id = ?1 AND person_id = ?2";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "round resident outcome", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_int64(q, 1, r->round_id);
    rc |= sqlite3_bind_int64(q, 2, r->person_id);
    rc |= bind_str(q, 3, CODE(c_outcome, r->outcome));
    rc |= r->dose_id ? sqlite3_bind_int64(q, 4, r->dose_id) : sqlite3_bind_null(q, 4);
    rc |= sq_bind_text(q, 5, r->recorded_by, sizeof r->recorded_by);
    rc |= sqlite3_bind_int64(q, 6, r->recorded_at);
    if ((vs = sq_finish(st, q, rc, "round resident outcome")) != VX_OK)
        return vs;
    if (sqlite3_changes(sq_store_db(st)) == 0)
        return sq_set_err(st, VX_ENOTFOUND, "person %lld is not on round %lld",
                          (long long)r->person_id, (long long)r->round_id);
    return VX_OK;
}

/* ------------------------------------------------------------------ records */

static enum vx_status m_record_get(struct vx_store *st, const char *kommun, const char *key,
                                   struct vx_muni_record_rec *out)
{
    static const char sql[] =
        "SELECT round_id, person_id, outcome, status, dose_id, dose_number, result_outcome,"
        " left_count, code, message, message_en, created_at FROM muni_records"
        " WHERE kommun_code = ?1 AND idem_key = ?2";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "municipal record", &q);
    if (vs != VX_OK)
        return vs;
    int rc = bind_str(q, 1, kommun) | bind_str(q, 2, key);
    if ((vs = step_one(st, q, rc, "municipal record")) != VX_OK)
        return vs;
    memset(out, 0, sizeof *out);
    snprintf(out->kommun, sizeof out->kommun, "%s", kommun);
    snprintf(out->key, sizeof out->key, "%s", key);
    out->round_id = sqlite3_column_int64(q, 0);
    out->person_id = sqlite3_column_int64(q, 1);
    out->outcome = (enum vx_muni_outcome)COL(q, 2, c_outcome);
    out->result.status = (enum vx_status)sqlite3_column_int(q, 3);
    out->result.dose_id = sqlite3_column_int64(q, 4);
    out->result.dose_number = sqlite3_column_int(q, 5);
    out->result.outcome = (enum vx_muni_outcome)COL(q, 6, c_outcome);
    out->result.left = sqlite3_column_int(q, 7);
    sq_copy_col(q, 8, out->result.code, sizeof out->result.code);
    sq_copy_col(q, 9, out->result.message, sizeof out->result.message);
    sq_copy_col(q, 10, out->result.message_en, sizeof out->result.message_en);
    out->created_at = sqlite3_column_int64(q, 11);
    sqlite3_reset(q);
    return VX_OK;
}

static enum vx_status m_record_put(struct vx_store *st, const struct vx_muni_record_rec *r)
{
    static const char sql[] =
        "INSERT INTO muni_records (kommun_code, idem_key, round_id, person_id, outcome, status,"
        " dose_id, dose_number, result_outcome, left_count, code, message, message_en,"
        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, sql, "municipal record", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sq_bind_text(q, 1, r->kommun, sizeof r->kommun);
    rc |= sq_bind_text(q, 2, r->key, sizeof r->key);
    rc |= sqlite3_bind_int64(q, 3, r->round_id);
    rc |= sqlite3_bind_int64(q, 4, r->person_id);
    rc |= bind_str(q, 5, CODE(c_outcome, r->outcome));
    rc |= sqlite3_bind_int(q, 6, r->result.status);
    rc |= sqlite3_bind_int64(q, 7, r->result.dose_id);
    rc |= sqlite3_bind_int(q, 8, r->result.dose_number);
    rc |= bind_str(q, 9, CODE(c_outcome, r->result.outcome));
    rc |= sqlite3_bind_int(q, 10, r->result.left);
    rc |= sq_bind_text(q, 11, r->result.code, sizeof r->result.code);
    rc |= sq_bind_text(q, 12, r->result.message, sizeof r->result.message);
    rc |= sq_bind_text(q, 13, r->result.message_en, sizeof r->result.message_en);
    rc |= sqlite3_bind_int64(q, 14, r->created_at);
    return sq_finish(st, q, rc, "municipal record");
}

/* ------------------------------------------------------------------ coverage */

static int cov_cb(void *p, sqlite3_stmt *q)
{
    struct each_ctx *e = p;
    struct vx_muni_cov_row r;
    memset(&r, 0, sizeof r);
    r.person_id = sqlite3_column_int64(q, 0);
    r.type = (enum vx_muni_list_type)COL(q, 1, c_list_type);
    r.valid_doses = sqlite3_column_int(q, 2);
    r.max_dose_number = sqlite3_column_int(q, 3);
    sq_copy_col(q, 4, r.last_vaccine, sizeof r.last_vaccine);
    return ((vx_muni_cov_cb)e->cb)(e->ctx, &r);
}

static enum vx_status m_coverage_foreach(struct vx_store *st, int64_t list_id, vx_muni_cov_cb cb,
                                         void *ctx)
{
    static const char sql[] =
        "SELECT r.person_id, r.list_type, count(d.id), coalesce(max(d.dose_number), 0),"
        " coalesce((SELECT d2.vaccine_code FROM doses d2 WHERE d2.person_id = r.person_id"
        "   AND d2.status = 'valid' ORDER BY d2.dose_number DESC, d2.given_at DESC LIMIT 1), '')"
        " FROM muni_list_rows r LEFT JOIN doses d ON d.person_id = r.person_id"
        "   AND d.status = 'valid'"
        " WHERE r.list_id = ?1 AND r.status = 'active' GROUP BY r.person_id, r.list_type";
    struct each_ctx e = {.i1 = list_id, .cb = (void *)cb, .ctx = ctx};
    return sq_each(st, sql, "municipal coverage", bind_i1, cov_cb, &e);
}

static enum vx_status m_nurse_dose_count(struct vx_store *st, const char *kommun, int64_t *n)
{
    static const char sql[] =
        "SELECT count(*) FROM doses WHERE kommun_code = ?1 AND status = 'valid'";
    sqlite3_stmt *q;
    enum vx_status vs = sq_prep(st, sql, "municipal dose count", &q);
    if (vs != VX_OK)
        return vs;
    if ((vs = step_one(st, q, bind_str(q, 1, kommun), "municipal dose count")) == VX_OK) {
        *n = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    }
    return vs;
}

struct log_ctx {
    const char *kommun;
    char prefix[16];
    int limit;
    int (*cb)(void *ctx, const struct vx_audit_rec *a);
    void *ctx;
};

static int bind_log(void *p, sqlite3_stmt *q)
{
    struct log_ctx *l = p;
    return bind_str(q, 1, l->kommun) | bind_str(q, 2, l->prefix) | sqlite3_bind_int(q, 3, l->limit);
}

static int log_cb(void *p, sqlite3_stmt *q)
{
    struct log_ctx *l = p;
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = sqlite3_column_int64(q, 0);
    sq_copy_col(q, 1, a.actor, sizeof a.actor);
    sq_copy_col(q, 2, a.role, sizeof a.role);
    sq_copy_col(q, 3, a.action, sizeof a.action);
    sq_copy_col(q, 4, a.object, sizeof a.object);
    sq_copy_col(q, 5, a.region, sizeof a.region);
    sq_copy_col(q, 6, a.detail, sizeof a.detail);
    return l->cb(l->ctx, &a);
}

static enum vx_status m_access_log(struct vx_store *st, const char *kommun, int limit,
                                   int (*cb)(void *ctx, const struct vx_audit_rec *a), void *ctx)
{
    /* audit rows of the municipality's residents carry its region and a detail that
     * starts "muni <kommun>:" (src/muni/service.c, src/http/routes_muni.c) */
    static const char sql[] =
        "SELECT at, actor, role, action, object, region_code, detail FROM audit_log"
        " WHERE region_code = (SELECT region_code FROM municipalities WHERE code = ?1)"
        " AND substr(detail, 1, length(?2)) = ?2 ORDER BY id DESC LIMIT ?3";
    struct log_ctx l = {.kommun = kommun, .limit = limit, .cb = cb, .ctx = ctx};
    snprintf(l.prefix, sizeof l.prefix, "muni %.4s:", kommun ? kommun : "");
    return sq_each(st, sql, "municipal access log", bind_log, log_cb, &l);
}

const struct vx_store_muni_ops sq_muni_ops = {
    .name = "sqlite",
    .list_put = m_list_put,
    .list_set_counts = m_list_set_counts,
    .list_row_put = m_list_row_put,
    .list_change_put = m_list_change_put,
    .list_get = m_list_get,
    .list_latest = m_list_latest,
    .list_foreach = m_list_foreach,
    .list_row_foreach = m_list_row_foreach,
    .list_row_get = m_list_row_get,
    .list_change_foreach = m_list_change_foreach,
    .list_due_foreach = m_list_due_foreach,
    .list_purge = m_list_purge,
    .round_put = m_round_put,
    .round_get = m_round_get,
    .round_update = m_round_update,
    .round_foreach = m_round_foreach,
    .resident_put = m_resident_put,
    .resident_get = m_resident_get,
    .resident_foreach = m_resident_foreach,
    .resident_set = m_resident_set,
    .record_get = m_record_get,
    .record_put = m_record_put,
    .coverage_foreach = m_coverage_foreach,
    .nurse_dose_count = m_nurse_dose_count,
    .access_log = m_access_log,
};
