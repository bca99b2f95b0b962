/*
 * stats.c — SQLite implementation of struct vx_store_stats_ops (include/vx/store_stats.h)
 * and its schema migration (version 6).
 *
 * The coverage cubes are kept incrementally, but deferred, so that recording a dose
 * costs nothing extra (issue 6: >= 50,000 doses/s through dose_put with every
 * module's triggers active):
 *
 *   doses INSERT ─────────────────── (nothing: new doses are the ids above
 *                                     stats_meta.dose_cursor)
 *   doses UPDATE of counted columns ─┐
 *   doses DELETE ────────────────────┼─► stats_pending (seq, person_id)
 *   persons UPDATE of dimensions ────┘
 *
 *   apply(): persons of (cursor, hi] ∪ stats_pending ─► temp.stats_batch
 *            their stats_dose rows (-1) + their recomputed rows (+1) ─► temp.stats_delta
 *            sum(delta) GROUP BY each cube's key ─► upsert into the 8 cubes
 *            cursor = hi, pending notes deleted — all in one transaction.
 *
 * stats_dose is the per-person coverage state: one row per valid dose inside the day
 * table, with the person's rank of that dose (by time given, then dose number, then
 * id), the dimensions the dose is counted under in the dose cubes (age and group at
 * the dose) and those the person is counted under in the person cubes (age and group
 * at the first dose), its level (1..9 for "at least N doses", 0 = not counted) and
 * whether it completed the primary series of the first dose's product (the "full"
 * measure, stored as level 0 in the person cubes). The cubes are exactly the sums of
 * this table; apply() recomputes the state of the affected persons set-based (one
 * window query over their doses) and adds only the difference. Counts that drop to
 * zero stay as rows with n = 0.
 *
 * Why the cursor is safe: `doses.id` is an INTEGER PRIMARY KEY without AUTOINCREMENT,
 * so SQLite gives each new row max(id) + 1, and apply() runs under the write lock
 * (BEGIN IMMEDIATE), so no row below the cursor can appear later — except when the
 * row with the highest id is deleted and its id reused: the DELETE trigger then
 * lowers the cursor to the remaining max(id). A row inserted with an explicit id at
 * or below the cursor (never done by vaxchain) is not seen until a rebuild.
 *
 * Cube shapes (the same for doses "sd_" and persons "sp_"; `dose` is the level for
 * persons), smallest first — the scan picks the first that has every dimension the
 * cut needs:
 *   *_kom   region, kommun, vaccine, dose, week
 *   *_reg   region, age, sex, grp, vaccine, dose, week
 *   *_deso  region, kommun, deso, dose, week          (persons with a DeSO code only)
 *   *_full  region, kommun, age, sex, grp, vaccine, dose, week
 * and the population: pop_kom (region, kommun, age, sex, grp), pop_deso (+ deso).
 *
 * Time: stats_day maps each Stockholm local day 2000-01-01 .. 2069-12-31 to the UTC
 * instant of its midnight, its YYYYMMDD and its ISO week as YYYYWW (EU summer time:
 * last Sunday of March to last Sunday of October, computed in the migration). A dose's
 * day is the row with the greatest start <= given_at. Doses outside those years are
 * not counted. Weeks are integers YYYYWW inside the database, "YYYY-Www" outside.
 *
 * Age band and priority group are SQL expressions (SQ_BAND, SQ_GRP) equal to
 * vx_stats_age_band / vx_stats_group_of in src/stats/query.c (the tests check they
 * agree). The direct scans (vx_stats_cut_direct) compute the same counts from the raw
 * tables with their own SQL, independent of stats_dose: the tests' reference.
 *
 * The SQL is kept as plain strings between clang-format off/on, one clause per line.
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"
#include "vx/date.h"

/* clang-format off */

/* ------------------------------------------------------------------ SQL pieces */

/* FoHM age band (its lower bound) of the age expression A, in completed years. */
#define SQ_BAND(A)                                                            \
    "(CASE WHEN " A " < 12 THEN 0"                                            \
    " WHEN " A " < 16 THEN 12"                                                \
    " WHEN " A " < 18 THEN 16"                                                \
    " WHEN " A " < 30 THEN 18"                                                \
    " WHEN " A " >= 90 THEN 90"                                               \
    " ELSE " A " / 10 * 10 END)"

/*
 * Priority phase (see vx_stats_group_of) at age A of the person whose columns
 * birth_date, residence, risk and flags are in scope. Flags: 1 care staff,
 * 2 household contact, 4 LSS assistance, 8 health staff; risk bits 0-1 dialysis or
 * transplant, 0-9 any risk condition.
 */
#define SQ_GRP(A)                                                             \
    "(CASE"                                                                   \
    " WHEN " A " >= 18 AND (residence IN ('special_housing', 'home_care',"    \
    "                                     'home_health_care')"                \
    "                       OR (flags & 3) <> 0) THEN 1"                      \
    " WHEN " A " >= 18 AND (birth_date / 10000 <= 1956"                       \
    "                       OR residence = 'lss_home'"                        \
    "                       OR (flags & 12) <> 0"                             \
    "                       OR (risk & 3) <> 0) THEN 2"                       \
    " WHEN " A " >= 18 AND (birth_date / 10000 BETWEEN 1957 AND 1961"         \
    "                       OR (" A " <= 59 AND (risk & 1023) <> 0)) THEN 3"  \
    " WHEN " A " >= 12 THEN 4"                                                \
    " ELSE 0 END)"

/* ymd * 1000000 + YYYYWW of the local day holding instant T; NULL out of range. */
#define SQ_K(T)                                                               \
    "(SELECT ymd * 1000000 + week FROM stats_day"                             \
    " WHERE start_utc <= " T " ORDER BY start_utc DESC LIMIT 1)"

/* YYYYMMDD of the local day holding instant T; NULL out of range. */
#define SQ_YMD(T)                                                             \
    "(SELECT ymd FROM stats_day"                                              \
    " WHERE start_utc <= " T " ORDER BY start_utc DESC LIMIT 1)"

#define SQ_CUBE(NAME, COLS, KEY)                                              \
    "CREATE TABLE " NAME " ("                                                 \
    COLS ","                                                                  \
    "  n INTEGER NOT NULL DEFAULT 0,"                                         \
    "  PRIMARY KEY (" KEY ")"                                                 \
    ") STRICT, WITHOUT ROWID;"

#define COLS_KOM                                                              \
    "  region TEXT NOT NULL,"                                                 \
    "  kommun TEXT NOT NULL,"                                                 \
    "  vaccine TEXT NOT NULL,"                                                \
    "  dose INTEGER NOT NULL,"                                                \
    "  week INTEGER NOT NULL"
#define KEY_KOM "region, kommun, vaccine, dose, week"

#define COLS_REG                                                              \
    "  region TEXT NOT NULL,"                                                 \
    "  age INTEGER NOT NULL,"                                                 \
    "  sex INTEGER NOT NULL,"                                                 \
    "  grp INTEGER NOT NULL,"                                                 \
    "  vaccine TEXT NOT NULL,"                                                \
    "  dose INTEGER NOT NULL,"                                                \
    "  week INTEGER NOT NULL"
#define KEY_REG "region, age, sex, grp, vaccine, dose, week"

#define COLS_DESO                                                             \
    "  region TEXT NOT NULL,"                                                 \
    "  kommun TEXT NOT NULL,"                                                 \
    "  deso TEXT NOT NULL,"                                                   \
    "  dose INTEGER NOT NULL,"                                                \
    "  week INTEGER NOT NULL"
#define KEY_DESO "region, kommun, deso, dose, week"

#define COLS_FULL                                                             \
    "  region TEXT NOT NULL,"                                                 \
    "  kommun TEXT NOT NULL,"                                                 \
    "  age INTEGER NOT NULL,"                                                 \
    "  sex INTEGER NOT NULL,"                                                 \
    "  grp INTEGER NOT NULL,"                                                 \
    "  vaccine TEXT NOT NULL,"                                                \
    "  dose INTEGER NOT NULL,"                                                \
    "  week INTEGER NOT NULL"
#define KEY_FULL "region, kommun, age, sex, grp, vaccine, dose, week"

/* The columns of stats_dose after person_id and nth (also those of temp.stats_delta). */
#define SQ_STATE_COLS                                                         \
    "dnum, vaccine, week, region, kommun, deso, sex, age, grp, age1, grp1, lvl, fully"

/*
 * INSERT into TARGET the coverage state (stats_dose rows) of the persons whose doses
 * SOURCE yields (FROM items naming the doses table `d` and the person `p`, joined
 * per person before the doses when the caller can): each valid dose inside the
 * day table, ranked among all the person's valid doses by time given, dose number,
 * id. The person is counted (levels, fully) only when the first dose is inside the
 * day table; the series length is that of the first dose's product (default 2). The
 * day of each dose is looked up once (x is materialized), the window ranks, the
 * outer levels compute ages, bands and groups with plain arithmetic.
 */
#define SQ_STATE_INSERT(TARGET, SOURCE)                                       \
    "INSERT INTO " TARGET " (person_id, nth, " SQ_STATE_COLS ")"              \
    " WITH x AS MATERIALIZED ("                                               \
    "   SELECT d.person_id, d.dose_number, d.vaccine_code, d.given_at, d.id," \
    "          " SQ_K("d.given_at") " AS k,"                                  \
    "          p.region_code, p.kommun_code, p.deso, p.sex, p.birth_date,"    \
    "          p.residence, p.risk, p.flags"                                  \
    "   FROM " SOURCE                                                         \
    "   WHERE d.status = 'valid')"                                            \
    " SELECT person_id, nth, dose_number, vaccine_code, k % 1000000,"         \
    "        region_code, kommun_code, deso, sex,"                            \
    "        " SQ_BAND("a") ","                                               \
    "        " SQ_GRP("a") ","                                                \
    "        CASE WHEN a1 IS NULL THEN -1 ELSE " SQ_BAND("a1") " END,"        \
    "        CASE WHEN a1 IS NULL THEN -1 ELSE " SQ_GRP("a1") " END,"         \
    "        CASE WHEN a1 IS NOT NULL AND nth <= 9 THEN nth ELSE 0 END,"      \
    "        a1 IS NOT NULL AND nth = coalesce((SELECT series"                \
    "                                           FROM stats_vaccine"           \
    "                                           WHERE code = v1), 2)"         \
    " FROM (SELECT *,"                                                        \
    "              (k / 1000000 - birth_date) / 10000 AS a,"                  \
    "              (k1 / 1000000 - birth_date) / 10000 AS a1"                 \
    "       FROM (SELECT *,"                                                  \
    "                    row_number() OVER w AS nth,"                         \
    "                    first_value(k) OVER w AS k1,"                        \
    "                    first_value(vaccine_code) OVER w AS v1"              \
    "             FROM x"                                                     \
    "             WINDOW w AS (PARTITION BY person_id"                        \
    "                          ORDER BY given_at, dose_number, id))"          \
    "       WHERE k IS NOT NULL)"

/* Row A of a state table has the same content as row B (same person and rank). */
#define SQ_SAME(A, B)                                                         \
    A ".person_id = " B ".person_id AND " A ".nth = " B ".nth"                \
    " AND " A ".dnum = " B ".dnum AND " A ".vaccine = " B ".vaccine"          \
    " AND " A ".week = " B ".week AND " A ".region = " B ".region"            \
    " AND " A ".kommun = " B ".kommun AND " A ".deso = " B ".deso"            \
    " AND " A ".sex = " B ".sex AND " A ".age = " B ".age"                    \
    " AND " A ".grp = " B ".grp AND " A ".age1 = " B ".age1"                  \
    " AND " A ".grp1 = " B ".grp1 AND " A ".lvl = " B ".lvl"                  \
    " AND " A ".fully = " B ".fully"

/*
 * The person-cube rows of state table T with weight D: one per counted level
 * (dose = 1..9) and one for the dose that completed the primary series (dose = 0).
 */
#define SQ_LEVELS_OF(T, D)                                                    \
    "(SELECT region, kommun, deso, sex, age1, grp1, vaccine, week,"           \
    "        lvl AS lv, " D " AS d FROM " T " WHERE lvl > 0"                  \
    " UNION ALL"                                                              \
    " SELECT region, kommun, deso, sex, age1, grp1, vaccine, week,"           \
    "        0, " D " FROM " T " WHERE fully = 1)"

/* Add the weights d of source SRC to the finest cubes and the DeSO cubes. */
#define SQ_ADD_SD_FULL(SRC)                                                   \
    "INSERT INTO sd_full (region, kommun, age, sex, grp, vaccine, dose, week, n)" \
    " SELECT region, kommun, age, sex, grp, vaccine, dnum, week, sum(d)"      \
    " FROM " SRC                                                              \
    " WHERE true"                                                             \
    " GROUP BY region, kommun, age, sex, grp, vaccine, dnum, week"            \
    " HAVING sum(d) <> 0"                                                     \
    " ON CONFLICT DO UPDATE SET n = n + excluded.n"
#define SQ_ADD_SD_DESO(SRC)                                                   \
    "INSERT INTO sd_deso (region, kommun, deso, dose, week, n)"               \
    " SELECT region, kommun, deso, dnum, week, sum(d)"                        \
    " FROM " SRC                                                              \
    " WHERE deso <> ''"                                                       \
    " GROUP BY region, kommun, deso, dnum, week"                              \
    " HAVING sum(d) <> 0"                                                     \
    " ON CONFLICT DO UPDATE SET n = n + excluded.n"
#define SQ_ADD_SP_FULL(SRC)                                                   \
    "INSERT INTO sp_full (region, kommun, age, sex, grp, vaccine, dose, week, n)" \
    " SELECT region, kommun, age1, sex, grp1, vaccine, lv, week, sum(d)"      \
    " FROM " SRC                                                              \
    " WHERE true"                                                             \
    " GROUP BY region, kommun, age1, sex, grp1, vaccine, lv, week"            \
    " HAVING sum(d) <> 0"                                                     \
    " ON CONFLICT DO UPDATE SET n = n + excluded.n"
#define SQ_ADD_SP_DESO(SRC)                                                   \
    "INSERT INTO sp_deso (region, kommun, deso, dose, week, n)"               \
    " SELECT region, kommun, deso, lv, week, sum(d)"                          \
    " FROM " SRC                                                              \
    " WHERE deso <> ''"                                                       \
    " GROUP BY region, kommun, deso, lv, week"                                \
    " HAVING sum(d) <> 0"                                                     \
    " ON CONFLICT DO UPDATE SET n = n + excluded.n"

/* ------------------------------------------------------------------ triggers */

/*
 * Only the rare writes note anything: a correction or void (an UPDATE of a counted
 * column that changes it), a deletion, a change of a person's dimensions. Inserts
 * have no trigger at all.
 */
#define SQ_TRIGGERS                                                           \
    "CREATE TRIGGER stats_doses_au"                                           \
    " AFTER UPDATE OF person_id, vaccine_code, dose_number, given_at, status" \
    " ON doses"                                                               \
    " WHEN OLD.person_id IS NOT NEW.person_id"                                \
    "   OR OLD.vaccine_code IS NOT NEW.vaccine_code"                          \
    "   OR OLD.dose_number IS NOT NEW.dose_number"                            \
    "   OR OLD.given_at IS NOT NEW.given_at"                                  \
    "   OR OLD.status IS NOT NEW.status"                                      \
    " BEGIN"                                                                  \
    "   INSERT INTO stats_pending (person_id) VALUES (OLD.person_id);"        \
    "   INSERT INTO stats_pending (person_id)"                                \
    "     SELECT NEW.person_id WHERE NEW.person_id <> OLD.person_id;"         \
    " END;"                                                                   \
    "CREATE TRIGGER stats_doses_ad AFTER DELETE ON doses"                     \
    " BEGIN"                                                                  \
    "   INSERT INTO stats_pending (person_id) VALUES (OLD.person_id);"        \
    "   UPDATE stats_meta"                                                    \
    "     SET dose_cursor = (SELECT coalesce(max(id), 0) FROM doses)"         \
    "     WHERE id = 1 AND dose_cursor >= OLD.id"                             \
    "       AND NOT EXISTS (SELECT 1 FROM doses WHERE id > OLD.id);"          \
    " END;"                                                                   \
    "CREATE TRIGGER stats_persons_au"                                         \
    " AFTER UPDATE OF region_code, kommun_code, birth_date, sex, deso,"       \
    "                 residence, risk, flags"                                 \
    " ON persons"                                                             \
    " WHEN (OLD.region_code IS NOT NEW.region_code"                           \
    "       OR OLD.kommun_code IS NOT NEW.kommun_code"                        \
    "       OR OLD.birth_date IS NOT NEW.birth_date"                          \
    "       OR OLD.sex IS NOT NEW.sex"                                        \
    "       OR OLD.deso IS NOT NEW.deso"                                      \
    "       OR OLD.residence IS NOT NEW.residence"                            \
    "       OR OLD.risk IS NOT NEW.risk"                                      \
    "       OR OLD.flags IS NOT NEW.flags)"                                   \
    "   AND EXISTS (SELECT 1 FROM doses WHERE person_id = NEW.id)"            \
    " BEGIN"                                                                  \
    "   INSERT INTO stats_pending (person_id) VALUES (NEW.id);"               \
    " END;"

#define SQ_DROP_TRIGGERS                                                      \
    "DROP TRIGGER IF EXISTS stats_doses_au;"                                  \
    "DROP TRIGGER IF EXISTS stats_doses_ad;"                                  \
    "DROP TRIGGER IF EXISTS stats_persons_au;"

/* ------------------------------------------------------------------ rebuild */

/* Every cube and the state from the raw tables; nothing pending afterwards. */
#define SQ_REBUILD_BODY                                                       \
    "DELETE FROM sd_kom;"                                                     \
    "DELETE FROM sd_reg;"                                                     \
    "DELETE FROM sd_deso;"                                                    \
    "DELETE FROM sd_full;"                                                    \
    "DELETE FROM sp_kom;"                                                     \
    "DELETE FROM sp_reg;"                                                     \
    "DELETE FROM sp_deso;"                                                    \
    "DELETE FROM sp_full;"                                                    \
    "DELETE FROM stats_dose;"                                                 \
    "DELETE FROM stats_pending;"                                              \
    SQ_STATE_INSERT("stats_dose",                                             \
                    "doses d JOIN persons p ON p.id = d.person_id") ";"       \
    SQ_ADD_SD_FULL("(SELECT *, 1 AS d FROM stats_dose)") ";"                  \
    SQ_ADD_SD_DESO("(SELECT *, 1 AS d FROM stats_dose)") ";"                  \
    SQ_ADD_SP_FULL(SQ_LEVELS_OF("stats_dose", "1")) ";"                       \
    SQ_ADD_SP_DESO(SQ_LEVELS_OF("stats_dose", "1")) ";"                       \
    "INSERT INTO sd_reg (region, age, sex, grp, vaccine, dose, week, n)"      \
    " SELECT region, age, sex, grp, vaccine, dose, week, sum(n) FROM sd_full" \
    " GROUP BY region, age, sex, grp, vaccine, dose, week;"                   \
    "INSERT INTO sd_kom (region, kommun, vaccine, dose, week, n)"             \
    " SELECT region, kommun, vaccine, dose, week, sum(n) FROM sd_full"        \
    " GROUP BY region, kommun, vaccine, dose, week;"                          \
    "INSERT INTO sp_reg (region, age, sex, grp, vaccine, dose, week, n)"      \
    " SELECT region, age, sex, grp, vaccine, dose, week, sum(n) FROM sp_full" \
    " GROUP BY region, age, sex, grp, vaccine, dose, week;"                   \
    "INSERT INTO sp_kom (region, kommun, vaccine, dose, week, n)"             \
    " SELECT region, kommun, vaccine, dose, week, sum(n) FROM sp_full"        \
    " GROUP BY region, kommun, vaccine, dose, week;"                          \
    "UPDATE stats_meta"                                                       \
    " SET dose_cursor = (SELECT coalesce(max(id), 0) FROM doses),"            \
    "     maintained = 1"                                                     \
    " WHERE id = 1;"

/* ------------------------------------------------------------------ migration */

const char sq_schema_stats[] =
    /* Stockholm local days: midnight in UTC, YYYYMMDD, ISO week YYYYWW. */
    "CREATE TABLE stats_day ("
    "  start_utc INTEGER PRIMARY KEY,"
    "  ymd INTEGER NOT NULL,"
    "  week INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO stats_day (start_utc, ymd, week)"
    " WITH RECURSIVE d(x) AS ("
    "   SELECT '2000-01-01'"
    "   UNION ALL"
    "   SELECT date(x, '+1 day') FROM d WHERE x < '2069-12-31')"
    " SELECT unixepoch(x)"
    "        - CASE WHEN x > date(substr(x, 1, 4) || '-03-31', '-6 days', 'weekday 0')"
    "                AND x <= date(substr(x, 1, 4) || '-10-31', '-6 days', 'weekday 0')"
    "          THEN 7200 ELSE 3600 END,"
    "        CAST(strftime('%Y%m%d', x) AS INTEGER),"
    "        CAST(strftime('%Y', t) AS INTEGER) * 100"
    "          + (CAST(strftime('%j', t) AS INTEGER) - 1) / 7 + 1"
    " FROM (SELECT x,"
    "              date(x, '-' || ((CAST(strftime('%w', x) AS INTEGER) + 6) % 7) || ' days',"
    "                   '+3 days') AS t" /* the Thursday of x's ISO week */
    "       FROM d);"

    /* Primary-series length per product, kept from vaccines.json by triggers (an
     * upsert, not INSERT OR REPLACE: the outer vaccine_put upsert would override it). */
    "CREATE TABLE stats_vaccine ("
    "  code TEXT PRIMARY KEY,"
    "  series INTEGER NOT NULL CHECK (series >= 1)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT INTO stats_vaccine"
    " SELECT code, coalesce(json_extract(json, '$.schedule.doses'), 2) FROM vaccines;"
    "CREATE TRIGGER stats_vaccines_ai AFTER INSERT ON vaccines"
    " BEGIN"
    "   INSERT INTO stats_vaccine"
    "     VALUES (NEW.code, coalesce(json_extract(NEW.json, '$.schedule.doses'), 2))"
    "     ON CONFLICT (code) DO UPDATE SET series = excluded.series;"
    " END;"
    "CREATE TRIGGER stats_vaccines_au AFTER UPDATE ON vaccines"
    " BEGIN"
    "   INSERT INTO stats_vaccine"
    "     VALUES (NEW.code, coalesce(json_extract(NEW.json, '$.schedule.doses'), 2))"
    "     ON CONFLICT (code) DO UPDATE SET series = excluded.series;"
    " END;"

    /* the cubes */
    SQ_CUBE("sd_kom", COLS_KOM, KEY_KOM)
    SQ_CUBE("sd_reg", COLS_REG, KEY_REG)
    SQ_CUBE("sd_deso", COLS_DESO, KEY_DESO)
    SQ_CUBE("sd_full", COLS_FULL, KEY_FULL)
    SQ_CUBE("sp_kom", COLS_KOM, KEY_KOM)
    SQ_CUBE("sp_reg", COLS_REG, KEY_REG)
    SQ_CUBE("sp_deso", COLS_DESO, KEY_DESO)
    SQ_CUBE("sp_full", COLS_FULL, KEY_FULL)

    /* the population (denominators), rebuilt on demand */
    "CREATE TABLE pop_kom ("
    "  region TEXT NOT NULL,"
    "  kommun TEXT NOT NULL,"
    "  age INTEGER NOT NULL,"
    "  sex INTEGER NOT NULL,"
    "  grp INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (region, kommun, age, sex, grp)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE pop_deso ("
    "  region TEXT NOT NULL,"
    "  kommun TEXT NOT NULL,"
    "  deso TEXT NOT NULL,"
    "  age INTEGER NOT NULL,"
    "  sex INTEGER NOT NULL,"
    "  grp INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (region, kommun, deso, age, sex, grp)"
    ") STRICT, WITHOUT ROWID;"

    /* per-person coverage state: one row per counted valid dose */
    "CREATE TABLE stats_dose ("
    "  person_id INTEGER NOT NULL,"
    "  nth INTEGER NOT NULL CHECK (nth >= 1),"  /* rank among the person's valid doses */
    "  dnum INTEGER NOT NULL,"                  /* the dose number as recorded */
    "  vaccine TEXT NOT NULL,"
    "  week INTEGER NOT NULL,"                  /* YYYYWW of the dose */
    "  region TEXT NOT NULL,"
    "  kommun TEXT NOT NULL,"
    "  deso TEXT NOT NULL,"
    "  sex INTEGER NOT NULL,"
    "  age INTEGER NOT NULL,"                   /* band at this dose (dose cubes) */
    "  grp INTEGER NOT NULL,"                   /* phase at this dose (dose cubes) */
    "  age1 INTEGER NOT NULL,"                  /* band at the first dose, -1 = none */
    "  grp1 INTEGER NOT NULL,"                  /* phase at the first dose (person cubes) */
    "  lvl INTEGER NOT NULL CHECK (lvl BETWEEN 0 AND 9)," /* "at least N doses", 0 = none */
    "  fully INTEGER NOT NULL CHECK (fully IN (0, 1)),"   /* completed the primary series */
    "  PRIMARY KEY (person_id, nth),"
    "  CHECK ((lvl = 0 AND fully = 0) OR age1 >= 0)"
    ") STRICT, WITHOUT ROWID;"

    /* persons whose state must be recomputed (corrections, voids, deletions, moves) */
    "CREATE TABLE stats_pending ("
    "  seq INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE stats_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  pop_ref INTEGER NOT NULL DEFAULT 0,"      /* YYYYMMDD, 0 = never built */
    "  pop_built INTEGER NOT NULL DEFAULT 0,"    /* unix s */
    "  pop_persons INTEGER NOT NULL DEFAULT 0,"  /* persons counted */
    "  pop_max_id INTEGER NOT NULL DEFAULT 0,"   /* max(persons.id) then: staleness */
    "  maintained INTEGER NOT NULL DEFAULT 1 CHECK (maintained IN (0, 1)),"
    "  dose_cursor INTEGER NOT NULL DEFAULT 0 CHECK (dose_cursor >= 0)" /* doses.id applied */
    ") STRICT;"
    "INSERT INTO stats_meta (id) VALUES (1);"

    /* FoHM's published series, long format */
    "CREATE TABLE stats_official ("
    "  dataset TEXT NOT NULL"
    "    CHECK (dataset IN ('region_week', 'region_age', 'kommun_age')),"
    "  week INTEGER NOT NULL," /* YYYYWW: the week or the data-through week */
    "  region TEXT NOT NULL CHECK (length(region) = 2),"
    "  kommun TEXT NOT NULL DEFAULT '',"
    "  age_group TEXT NOT NULL DEFAULT '',"
    "  measure TEXT NOT NULL,"
    "  value INTEGER NOT NULL,"
    "  share REAL,"
    "  population INTEGER,"
    "  PRIMARY KEY (dataset, week, region, kommun, age_group, measure)"
    ") STRICT, WITHOUT ROWID;"

    /* the state and cubes of what is already there, then keep them */
    SQ_REBUILD_BODY
    SQ_TRIGGERS;

static const char sql_rebuild[] =
    SQ_DROP_TRIGGERS
    SQ_REBUILD_BODY
    SQ_TRIGGERS;

static const char sql_maintain_off[] =
    SQ_DROP_TRIGGERS
    "UPDATE stats_meta SET maintained = 0 WHERE id = 1;";

/* ------------------------------------------------------------------ apply */

/* Is anything pending? (read only: apply() takes the write lock only when so) */
static const char sql_apply_check[] =
    "SELECT maintained,"
    "       (SELECT coalesce(max(id), 0) FROM doses) > dose_cursor"
    "       OR EXISTS (SELECT 1 FROM stats_pending)"
    " FROM stats_meta WHERE id = 1";

static const char sql_apply_bounds[] =
    "SELECT dose_cursor, maintained,"
    "       (SELECT coalesce(max(id), 0) FROM doses),"
    "       (SELECT coalesce(min(seq), 0) FROM stats_pending),"
    "       (SELECT coalesce(max(seq), 0) FROM stats_pending)"
    " FROM stats_meta WHERE id = 1";

/* Per-connection scratch tables, emptied at the start of every apply. */
static const char sql_apply_scratch[] =
    "CREATE TEMP TABLE IF NOT EXISTS stats_batch ("
    "  person_id INTEGER PRIMARY KEY"
    ");"
    "CREATE TEMP TABLE IF NOT EXISTS stats_new ("
    "  person_id INTEGER, nth INTEGER,"
    "  dnum INTEGER, vaccine TEXT, week INTEGER, region TEXT, kommun TEXT, deso TEXT,"
    "  sex INTEGER, age INTEGER, grp INTEGER, age1 INTEGER, grp1 INTEGER, lvl INTEGER,"
    "  fully INTEGER,"
    "  PRIMARY KEY (person_id, nth)"
    ");"
    "CREATE TEMP TABLE IF NOT EXISTS stats_delta ("
    "  dnum INTEGER, vaccine TEXT, week INTEGER, region TEXT, kommun TEXT, deso TEXT,"
    "  sex INTEGER, age INTEGER, grp INTEGER, age1 INTEGER, grp1 INTEGER, lvl INTEGER,"
    "  fully INTEGER, d INTEGER"
    ");"
    "DELETE FROM temp.stats_batch;"
    "DELETE FROM temp.stats_new;"
    "DELETE FROM temp.stats_delta;";

/* What the bound parameters of an apply step are. */
enum apply_bind {
    AB_NONE,
    AB_RANGE,   /* ?1 = cursor, ?2 = hi: the new dose ids */
    AB_PENDING, /* ?1 = the last pending note taken */
    AB_HI,      /* ?1 = hi: the new cursor */
};

struct apply_step {
    const char *sql;
    enum apply_bind bind;
};

#define SQ_BATCH_PERSONS "(SELECT person_id FROM temp.stats_batch)"

/* The steps of one apply, in order (each a cached statement). */
static const struct apply_step apply_steps[] = {
    /* 1. the persons to recompute */
    {"INSERT OR IGNORE INTO temp.stats_batch (person_id)"
     " SELECT person_id FROM doses WHERE id > ?1 AND id <= ?2", AB_RANGE},
    {"INSERT OR IGNORE INTO temp.stats_batch (person_id)"
     " SELECT person_id FROM stats_pending WHERE seq <= ?1", AB_PENDING},
    /* 2. their state recomputed */
    {SQ_STATE_INSERT("temp.stats_new",
                     "temp.stats_batch b"
                     " CROSS JOIN persons p ON p.id = b.person_id"
                     " CROSS JOIN doses d ON d.person_id = b.person_id"),
     AB_NONE},
    /* 3. the rows that changed: old ones out (-1), new ones in (+1) */
    {"INSERT INTO temp.stats_delta (" SQ_STATE_COLS ", d)"
     " SELECT " SQ_STATE_COLS ", -1"
     " FROM temp.stats_batch b CROSS JOIN stats_dose o ON o.person_id = b.person_id"
     " WHERE NOT EXISTS (SELECT 1 FROM temp.stats_new n WHERE " SQ_SAME("n", "o") ")",
     AB_NONE},
    {"INSERT INTO temp.stats_delta (" SQ_STATE_COLS ", d)"
     " SELECT " SQ_STATE_COLS ", 1"
     " FROM temp.stats_new n"
     " WHERE NOT EXISTS (SELECT 1 FROM stats_dose o WHERE " SQ_SAME("o", "n") ")",
     AB_NONE},
    {"DELETE FROM stats_dose"
     " WHERE person_id IN " SQ_BATCH_PERSONS
     "   AND NOT EXISTS (SELECT 1 FROM temp.stats_new n"
     "                   WHERE " SQ_SAME("n", "stats_dose") ")",
     AB_NONE},
    {"INSERT INTO stats_dose (person_id, nth, " SQ_STATE_COLS ")"
     " SELECT person_id, nth, " SQ_STATE_COLS
     " FROM temp.stats_new n"
     " WHERE NOT EXISTS (SELECT 1 FROM stats_dose o"
     "                   WHERE o.person_id = n.person_id AND o.nth = n.nth)",
     AB_NONE},
    /* 4. the difference into the cubes */
    {SQ_ADD_SD_FULL("temp.stats_delta"), AB_NONE},
    {SQ_ADD_SD_DESO("temp.stats_delta"), AB_NONE},
    {"INSERT INTO sd_reg (region, age, sex, grp, vaccine, dose, week, n)"
     " SELECT region, age, sex, grp, vaccine, dnum, week, sum(d) FROM temp.stats_delta"
     " WHERE true"
     " GROUP BY region, age, sex, grp, vaccine, dnum, week"
     " HAVING sum(d) <> 0"
     " ON CONFLICT DO UPDATE SET n = n + excluded.n", AB_NONE},
    {"INSERT INTO sd_kom (region, kommun, vaccine, dose, week, n)"
     " SELECT region, kommun, vaccine, dnum, week, sum(d) FROM temp.stats_delta"
     " WHERE true"
     " GROUP BY region, kommun, vaccine, dnum, week"
     " HAVING sum(d) <> 0"
     " ON CONFLICT DO UPDATE SET n = n + excluded.n", AB_NONE},
    {SQ_ADD_SP_FULL(SQ_LEVELS_OF("temp.stats_delta", "d")), AB_NONE},
    {SQ_ADD_SP_DESO(SQ_LEVELS_OF("temp.stats_delta", "d")), AB_NONE},
    {"INSERT INTO sp_reg (region, age, sex, grp, vaccine, dose, week, n)"
     " SELECT region, age1, sex, grp1, vaccine, lv, week, sum(d)"
     " FROM " SQ_LEVELS_OF("temp.stats_delta", "d")
     " WHERE true"
     " GROUP BY region, age1, sex, grp1, vaccine, lv, week"
     " HAVING sum(d) <> 0"
     " ON CONFLICT DO UPDATE SET n = n + excluded.n", AB_NONE},
    {"INSERT INTO sp_kom (region, kommun, vaccine, dose, week, n)"
     " SELECT region, kommun, vaccine, lv, week, sum(d)"
     " FROM " SQ_LEVELS_OF("temp.stats_delta", "d")
     " WHERE true"
     " GROUP BY region, kommun, vaccine, lv, week"
     " HAVING sum(d) <> 0"
     " ON CONFLICT DO UPDATE SET n = n + excluded.n", AB_NONE},
    /* 5. done: notes consumed, cursor moved */
    {"DELETE FROM stats_pending WHERE seq <= ?1", AB_PENDING},
    {"UPDATE stats_meta SET dose_cursor = ?1 WHERE id = 1", AB_HI},
};

static const char sql_apply_counts[] =
    "SELECT (SELECT count(*) FROM doses WHERE id > ?1 AND id <= ?2),"
    "       (SELECT count(*) FROM stats_pending WHERE seq <= ?3),"
    "       (SELECT count(*) FROM temp.stats_batch)";

/* ------------------------------------------------------------------ population */

/* Living persons born on or before ?1 (YYYYMMDD) by area, age band, sex and group at ?1. */
static const char *const sql_pop[] = {
    "DELETE FROM pop_kom",
    "DELETE FROM pop_deso",
    "INSERT INTO pop_deso (region, kommun, deso, age, sex, grp, n)"
    " SELECT region_code, kommun_code, deso, " SQ_BAND("a") ", sex, " SQ_GRP("a") ", count(*)"
    " FROM (SELECT region_code, kommun_code, deso, sex, birth_date, residence, risk, flags,"
    "              (?1 - birth_date) / 10000 AS a"
    "       FROM persons"
    "       WHERE (flags & 16) = 0 AND birth_date <= ?1)"
    " GROUP BY 1, 2, 3, 4, 5, 6",
    "INSERT INTO pop_kom (region, kommun, age, sex, grp, n)"
    " SELECT region, kommun, age, sex, grp, sum(n) FROM pop_deso"
    " GROUP BY region, kommun, age, sex, grp",
    "UPDATE stats_meta"
    " SET pop_ref = ?1,"
    "     pop_built = unixepoch(),"
    "     pop_persons = (SELECT coalesce(sum(n), 0) FROM pop_kom),"
    "     pop_max_id = (SELECT coalesce(max(id), 0) FROM persons)"
    " WHERE id = 1",
};

/* ------------------------------------------------------------------ direct scans */

/* Valid doses with their cube dimensions, straight from the raw tables. */
static const char direct_doses[] =
    "(SELECT region_code AS region, kommun_code AS kommun, deso,"
    "        " SQ_BAND("a") " AS age, sex, " SQ_GRP("a") " AS grp,"
    "        vaccine_code AS vaccine, dose_number AS dose, k % 1000000 AS week, 1 AS n"
    " FROM (SELECT p.region_code, p.kommun_code, p.deso, p.sex, p.birth_date,"
    "              p.residence, p.risk, p.flags, d.vaccine_code, d.dose_number, d.k,"
    "              (d.k / 1000000 - p.birth_date) / 10000 AS a"
    "       FROM (SELECT person_id, vaccine_code, dose_number, " SQ_K("given_at") " AS k"
    "             FROM doses WHERE status = 'valid') d"
    "       JOIN persons p ON p.id = d.person_id"
    "       WHERE d.k IS NOT NULL))";

/*
 * Person levels straight from the raw tables, written independently of stats_dose:
 * each valid dose ranked per person (level N = the N-th dose, N <= 9), crossed with
 * {0, 1} so that the dose completing the first product's series also gives level 0;
 * dimensions at the first dose, week of the level's own dose.
 */
static const char direct_persons[] =
    "(SELECT region, kommun, deso, age, sex, grp, vaccine, level AS dose, week, 1 AS n"
    " FROM (SELECT CASE WHEN f.fl THEN 0 ELSE s.lv END AS level,"
    "              " SQ_K("s.given_at") " % 1000000 AS week,"
    "              s.vaccine_code AS vaccine, s.region_code AS region,"
    "              s.kommun_code AS kommun, s.deso AS deso, s.sex AS sex,"
    "              " SQ_BAND("s.a") " AS age,"
    "              " SQ_GRP("s.a") " AS grp"
    "       FROM (SELECT r.*, p.region_code, p.kommun_code, p.deso, p.sex, p.birth_date,"
    "                    p.residence, p.risk, p.flags,"
    "                    (" SQ_K("r.at1") " / 1000000 - p.birth_date) / 10000 AS a"
    "             FROM (SELECT person_id, given_at, vaccine_code,"
    "                          row_number() OVER w AS lv,"
    "                          first_value(given_at) OVER w AS at1,"
    "                          first_value(vaccine_code) OVER w AS v1"
    "                   FROM doses"
    "                   WHERE status = 'valid'"
    "                   WINDOW w AS (PARTITION BY person_id"
    "                                ORDER BY given_at, dose_number, id)) r"
    "             JOIN persons p ON p.id = r.person_id) s,"
    "            (SELECT 0 AS fl UNION ALL SELECT 1) f"
    "       WHERE s.a IS NOT NULL"
    "         AND " SQ_K("s.given_at") " IS NOT NULL"
    "         AND CASE WHEN f.fl"
    "                  THEN s.lv = coalesce((SELECT series FROM stats_vaccine"
    "                                        WHERE code = s.v1), 2)"
    "                  ELSE s.lv <= 9 END))";

/* clang-format on */

/* ------------------------------------------------------------------ helpers */

/* Run `fn` inside the caller's transaction or a new one of its own. */
static enum vx_status in_tx(struct vx_store *st, enum vx_status (*fn)(struct vx_store *, void *),
                            void *arg)
{
    if (sq_in_tx(st))
        return fn(st, arg);
    enum vx_status vs = vx_store_begin(st);
    if (vs != VX_OK)
        return vs;
    vs = fn(st, arg);
    if (vs != VX_OK) {
        char msg[sizeof st->err];
        memcpy(msg, st->err, sizeof msg);
        vx_store_rollback(st);
        memcpy(st->err, msg, sizeof msg);
        return vs;
    }
    return vx_store_commit(st);
}

static enum vx_status do_rebuild(struct vx_store *st, void *arg)
{
    (void)arg;
    return sq_exec_write(st, sql_rebuild, "stats rebuild");
}

static enum vx_status sq_stats_rebuild(struct vx_store *st)
{
    return in_tx(st, do_rebuild, NULL);
}

static enum vx_status do_maintain_off(struct vx_store *st, void *arg)
{
    (void)arg;
    return sq_exec_write(st, sql_maintain_off, "stats maintenance off");
}

static enum vx_status sq_stats_maintain(struct vx_store *st, bool on)
{
    return in_tx(st, on ? do_rebuild : do_maintain_off, NULL);
}

/* ------------------------------------------------------------------ apply */

struct bounds {
    int64_t cursor, max_id, pmin, pmax;
    bool maintained;
};

static int bounds_row(void *ctx, sqlite3_stmt *q)
{
    struct bounds *b = ctx;
    b->cursor = sqlite3_column_int64(q, 0);
    b->maintained = sqlite3_column_int(q, 1) != 0;
    b->max_id = sqlite3_column_int64(q, 2);
    b->pmin = sqlite3_column_int64(q, 3);
    b->pmax = sqlite3_column_int64(q, 4);
    return 1;
}

struct check {
    bool maintained, work;
};

static int check_row(void *ctx, sqlite3_stmt *q)
{
    struct check *c = ctx;
    c->maintained = sqlite3_column_int(q, 0) != 0;
    c->work = sqlite3_column_int(q, 1) != 0;
    return 1;
}

struct apply_arg {
    int64_t max;
    struct vx_stats_applied *out;
    int64_t binds[3]; /* cursor, hi, last pending note */
};

static int counts_bind(void *ctx, sqlite3_stmt *q)
{
    const struct apply_arg *a = ctx;
    int rc = sqlite3_bind_int64(q, 1, a->binds[0]);
    rc |= sqlite3_bind_int64(q, 2, a->binds[1]);
    rc |= sqlite3_bind_int64(q, 3, a->binds[2]);
    return rc;
}

static int counts_row(void *ctx, sqlite3_stmt *q)
{
    struct vx_stats_applied *o = ((struct apply_arg *)ctx)->out;
    o->doses = sqlite3_column_int64(q, 0);
    o->changes = sqlite3_column_int64(q, 1);
    o->persons = sqlite3_column_int64(q, 2);
    return 1;
}

static enum vx_status run_step(struct vx_store *st, const struct apply_step *s,
                               const struct apply_arg *a)
{
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st, s->sql, "stats apply", &q);
    if (vs != VX_OK)
        return vs;
    int rc = SQLITE_OK;
    switch (s->bind) {
    case AB_NONE:
        break;
    case AB_RANGE:
        rc = sqlite3_bind_int64(q, 1, a->binds[0]);
        rc |= sqlite3_bind_int64(q, 2, a->binds[1]);
        break;
    case AB_PENDING:
        rc = sqlite3_bind_int64(q, 1, a->binds[2]);
        break;
    case AB_HI:
        rc = sqlite3_bind_int64(q, 1, a->binds[1]);
        break;
    }
    return sq_finish(st, q, rc, "stats apply");
}

static enum vx_status do_apply(struct vx_store *st, void *arg)
{
    struct apply_arg *a = arg;
    struct bounds b = {0};
    enum vx_status vs = sq_each(st, sql_apply_bounds, "stats apply", NULL, bounds_row, &b);
    if (vs != VX_OK)
        return vs;
    if (!b.maintained) {
        a->out->off = true;
        return VX_OK;
    }
    int64_t hi = b.max_id, plast = b.pmax;
    if (hi < b.cursor)
        hi = b.cursor; /* the newest doses were deleted: nothing new */
    if (a->max > 0 && hi - b.cursor > a->max)
        hi = b.cursor + a->max;
    if (a->max > 0 && b.pmax && plast - b.pmin >= a->max)
        plast = b.pmin + a->max - 1;
    a->out->more = hi < b.max_id || plast < b.pmax;
    if (hi == b.cursor && !b.pmax)
        return VX_OK;
    a->binds[0] = b.cursor;
    a->binds[1] = hi;
    a->binds[2] = plast;
    if ((vs = sq_exec_write(st, sql_apply_scratch, "stats apply")) != VX_OK)
        return vs;
    for (size_t i = 0; i < VX_ARRAY_LEN(apply_steps) && vs == VX_OK; i++) {
        vs = run_step(st, &apply_steps[i], a);
        if (i == 1 && vs == VX_OK) /* the batch is known: count what it holds */
            vs = sq_each(st, sql_apply_counts, "stats apply", counts_bind, counts_row, a);
    }
    return vs;
}

static enum vx_status sq_stats_apply(struct vx_store *st, int64_t max, struct vx_stats_applied *out)
{
    struct vx_stats_applied dummy;
    if (!out)
        out = &dummy;
    memset(out, 0, sizeof *out);
    if (!sq_in_tx(st)) { /* the write lock only when there is work */
        struct check c = {false, false};
        enum vx_status vs = sq_each(st, sql_apply_check, "stats apply", NULL, check_row, &c);
        out->off = !c.maintained;
        if (vs != VX_OK || !c.maintained || !c.work)
            return vs;
    }
    struct apply_arg a = {.max = max, .out = out};
    enum vx_status vs = in_tx(st, do_apply, &a);
    if (vs != VX_OK) {
        bool off = out->off;
        memset(out, 0, sizeof *out);
        out->off = off;
    }
    return vs;
}

/* ------------------------------------------------------------------ population */

/* The statements of sql_pop one by one, with the reference date bound where used. */
static enum vx_status do_pop(struct vx_store *st, void *arg)
{
    int ymd = *(const int *)arg;
    for (size_t i = 0; i < VX_ARRAY_LEN(sql_pop); i++) {
        sqlite3_stmt *q;
        enum vx_status vs = sq_write_prep(st, sql_pop[i], "population cube", &q);
        if (vs != VX_OK)
            return vs;
        int rc = sqlite3_bind_parameter_count(q) > 0 ? sqlite3_bind_int(q, 1, ymd) : SQLITE_OK;
        if ((vs = sq_finish(st, q, rc, "population cube")) != VX_OK)
            return vs;
    }
    return VX_OK;
}

static int count_row(void *ctx, sqlite3_stmt *q)
{
    *(int64_t *)ctx = sqlite3_column_int64(q, 0);
    return 1;
}

static enum vx_status sq_stats_refresh_population(struct vx_store *st, vx_day ref, int64_t *persons)
{
    int ymd = sq_ymd(ref);
    enum vx_status vs = in_tx(st, do_pop, &ymd);
    if (vs == VX_OK && persons) {
        *persons = 0;
        vs = sq_each(st, "SELECT pop_persons FROM stats_meta WHERE id = 1", "stats meta", NULL,
                     count_row, persons);
    }
    return vs;
}

/* ------------------------------------------------------------------ scans */

/* Column of each dimension in the cubes (and in the direct queries). */
static const char *const dim_col[VX_SD_COUNT] = {
    [VX_SD_REGION] = "region",   [VX_SD_KOMMUN] = "kommun", [VX_SD_AGE] = "age",
    [VX_SD_SEX] = "sex",         [VX_SD_GROUP] = "grp",     [VX_SD_DESO] = "deso",
    [VX_SD_VACCINE] = "vaccine", [VX_SD_DOSE] = "dose",     [VX_SD_WEEK] = "week",
};

#define B(d) VX_SD_BIT(VX_SD_##d)
struct cube {
    const char *table;
    uint32_t dims;
};
/* Smallest first; the first cube holding every needed dimension answers. */
static const struct cube dose_cubes[] = {
    {"sd_kom", B(REGION) | B(KOMMUN) | B(VACCINE) | B(DOSE) | B(WEEK)},
    {"sd_reg", B(REGION) | B(AGE) | B(SEX) | B(GROUP) | B(VACCINE) | B(DOSE) | B(WEEK)},
    {"sd_deso", B(REGION) | B(KOMMUN) | B(DESO) | B(DOSE) | B(WEEK)},
    {"sd_full",
     B(REGION) | B(KOMMUN) | B(AGE) | B(SEX) | B(GROUP) | B(VACCINE) | B(DOSE) | B(WEEK)},
};
static const struct cube person_cubes[] = {
    {"sp_kom", B(REGION) | B(KOMMUN) | B(VACCINE) | B(DOSE) | B(WEEK)},
    {"sp_reg", B(REGION) | B(AGE) | B(SEX) | B(GROUP) | B(VACCINE) | B(DOSE) | B(WEEK)},
    {"sp_deso", B(REGION) | B(KOMMUN) | B(DESO) | B(DOSE) | B(WEEK)},
    {"sp_full",
     B(REGION) | B(KOMMUN) | B(AGE) | B(SEX) | B(GROUP) | B(VACCINE) | B(DOSE) | B(WEEK)},
};
static const struct cube pop_cubes[] = {
    {"pop_kom", B(REGION) | B(KOMMUN) | B(AGE) | B(SEX) | B(GROUP)},
    {"pop_deso", B(REGION) | B(KOMMUN) | B(DESO) | B(AGE) | B(SEX) | B(GROUP)},
};

/* Filters a query puts on the scan, as a bit set of dimensions. */
static uint32_t filter_dims(const struct vx_stats_query *q)
{
    uint32_t m = 0;
    if (q->region[0])
        m |= B(REGION);
    if (q->kommun[0])
        m |= B(KOMMUN);
    if (q->deso[0])
        m |= B(DESO);
    if (q->vaccine[0])
        m |= B(VACCINE);
    if (q->age >= 0)
        m |= B(AGE);
    if (q->sex >= 0)
        m |= B(SEX);
    if (q->group >= 0)
        m |= B(GROUP);
    if (q->dose > 0 || q->measure != VX_SM_DOSES)
        m |= B(DOSE);
    if (q->from.year || q->to.year)
        m |= B(WEEK);
    return m;
}

static int week_int(struct vx_isoweek w)
{
    return w.year * 100 + w.week;
}

/* Binds of a scan, in the order add_filters wrote them. */
struct scan {
    const struct vx_stats_query *q;
    int ndims;
    const enum vx_stats_dim *dims;
    vx_stats_row_cb cb;
    void *ctx;
    int nbind;
    struct {
        bool is_text;
        const char *text;
        size_t size;
        int64_t i;
    } binds[16];
};

static void bind_text_arg(struct scan *s, const char *t, size_t size)
{
    s->binds[s->nbind].is_text = true;
    s->binds[s->nbind].text = t;
    s->binds[s->nbind].size = size;
    s->nbind++;
}

static void bind_int_arg(struct scan *s, int64_t v)
{
    s->binds[s->nbind].is_text = false;
    s->binds[s->nbind].i = v;
    s->nbind++;
}

/* Append " AND col = ?" clauses (only for dimensions in `have`). */
static void add_filters(struct scan *s, char *sql, size_t cap, bool pop)
{
    const struct vx_stats_query *q = s->q;
    size_t len = strlen(sql);
#define ADD(txt) (len += (size_t)snprintf(sql + len, len < cap ? cap - len : 0, "%s", txt))
    if (q->region[0]) {
        ADD(" AND region = ?");
        bind_text_arg(s, q->region, sizeof q->region);
    }
    if (q->kommun[0]) {
        ADD(" AND kommun = ?");
        bind_text_arg(s, q->kommun, sizeof q->kommun);
    }
    if (q->deso[0]) {
        ADD(" AND deso = ?");
        bind_text_arg(s, q->deso, sizeof q->deso);
    }
    for (int i = 0; i < s->ndims; i++)
        if (s->dims[i] == VX_SD_DESO)
            ADD(" AND deso <> ''"); /* by DeSO: persons with a code (the cubes hold no others) */
    if (q->age >= 0) {
        ADD(" AND age = ?");
        bind_int_arg(s, q->age);
    }
    if (q->sex >= 0) {
        ADD(" AND sex = ?");
        bind_int_arg(s, q->sex);
    }
    if (q->group >= 0) {
        ADD(" AND grp = ?");
        bind_int_arg(s, q->group);
    }
    if (pop)
        return;
    if (q->vaccine[0]) {
        ADD(" AND vaccine = ?");
        bind_text_arg(s, q->vaccine, sizeof q->vaccine);
    }
    bool by_dose = false;
    for (int i = 0; i < s->ndims; i++)
        by_dose |= s->dims[i] == VX_SD_DOSE;
    if (q->measure == VX_SM_FULL) {
        ADD(" AND dose = 0");
    } else if (q->measure == VX_SM_PERSONS) {
        if (q->dose > 0 || !by_dose) {
            ADD(" AND dose = ?");
            bind_int_arg(s, q->dose > 0 ? q->dose : 1);
        } else {
            ADD(" AND dose >= 1");
        }
    } else if (q->dose > 0) {
        ADD(" AND dose = ?");
        bind_int_arg(s, q->dose);
    }
    if (q->from.year) {
        ADD(" AND week >= ?");
        bind_int_arg(s, week_int(q->from));
    }
    if (q->to.year) {
        ADD(" AND week <= ?");
        bind_int_arg(s, week_int(q->to));
    }
#undef ADD
}

static int scan_bind(void *ctx, sqlite3_stmt *q)
{
    struct scan *s = ctx;
    int rc = SQLITE_OK;
    for (int i = 0; i < s->nbind && rc == SQLITE_OK; i++)
        rc = s->binds[i].is_text ? sq_bind_text(q, i + 1, s->binds[i].text, s->binds[i].size)
                                 : sqlite3_bind_int64(q, i + 1, s->binds[i].i);
    return rc;
}

static int scan_row(void *ctx, sqlite3_stmt *q)
{
    struct scan *s = ctx;
    char key[VX_STATS_SCAN_DIMS][VX_STATS_KEY_MAX];
    for (int i = 0; i < s->ndims; i++) {
        if (s->dims[i] == VX_SD_WEEK) {
            int w = sqlite3_column_int(q, i);
            struct vx_isoweek iw = {w / 100, w % 100};
            vx_isoweek_format(iw, key[i]);
        } else {
            sq_copy_col(q, i, key[i], sizeof key[i]);
        }
    }
    return s->cb(s->ctx, (const char(*)[VX_STATS_KEY_MAX])key, sqlite3_column_int64(q, s->ndims));
}

static enum vx_status check_dims(struct vx_store *st, const enum vx_stats_dim *dims, int ndims)
{
    if (ndims < 0 || ndims > VX_STATS_SCAN_DIMS)
        return sq_set_err(st, VX_EINVAL, "stats scan: %d dimensions (at most %d)", ndims,
                          VX_STATS_SCAN_DIMS);
    for (int i = 0; i < ndims; i++) {
        if ((unsigned)dims[i] >= VX_SD_COUNT)
            return sq_set_err(st, VX_EINVAL, "stats scan: unknown dimension %d", (int)dims[i]);
        for (int j = 0; j < i; j++)
            if (dims[i] == dims[j])
                return sq_set_err(st, VX_EINVAL, "stats scan: dimension %s twice",
                                  dim_col[dims[i]]);
    }
    return VX_OK;
}

/* SELECT dims, sum(n) FROM src WHERE 1 <filters> GROUP BY dims ORDER BY dims */
static enum vx_status run_scan(struct vx_store *st, struct scan *s, const char *src, bool pop,
                               const char *what)
{
    char cols[160] = "";
    size_t cl = 0;
    for (int i = 0; i < s->ndims; i++)
        cl += (size_t)snprintf(cols + cl, sizeof cols - cl, "%s%s", i ? ", " : "",
                               dim_col[s->dims[i]]);
    size_t cap = strlen(src) + 1024;
    char *sql = sqlite3_malloc64(cap);
    if (!sql)
        return sq_set_err(st, VX_ENOMEM, "%s: out of memory", what);
    snprintf(sql, cap, "SELECT %s%ssum(n) FROM %s WHERE 1", cols, s->ndims ? ", " : "", src);
    add_filters(s, sql, cap, pop);
    size_t len = strlen(sql);
    if (s->ndims)
        snprintf(sql + len, cap - len, " GROUP BY %s HAVING sum(n) <> 0 ORDER BY %s", cols, cols);
    else
        snprintf(sql + len, cap - len, " HAVING sum(n) <> 0");
    enum vx_status vs = sq_each(st, sql, what, scan_bind, scan_row, s);
    sqlite3_free(sql);
    return vs;
}

static enum vx_status sq_stats_scan(struct vx_store *st, const struct vx_stats_query *q,
                                    const enum vx_stats_dim *dims, int ndims, bool direct,
                                    vx_stats_row_cb cb, void *ctx, const char **cube)
{
    enum vx_status vs = check_dims(st, dims, ndims);
    if (vs != VX_OK)
        return vs;
    if ((unsigned)q->measure >= VX_SM_COUNT)
        return sq_set_err(st, VX_EINVAL, "stats scan: unknown measure %d", (int)q->measure);
    struct scan s = {.q = q, .ndims = ndims, .dims = dims, .cb = cb, .ctx = ctx};
    if (direct) {
        if (cube)
            *cube = "direct";
        return run_scan(st, &s, q->measure == VX_SM_DOSES ? direct_doses : direct_persons, false,
                        "stats direct scan");
    }
    uint32_t need = filter_dims(q);
    for (int i = 0; i < ndims; i++)
        need |= VX_SD_BIT(dims[i]);
    const struct cube *c = q->measure == VX_SM_DOSES ? dose_cubes : person_cubes;
    for (size_t i = 0; i < VX_ARRAY_LEN(dose_cubes); i++) {
        if ((c[i].dims & need) == need) {
            if (cube)
                *cube = c[i].table;
            return run_scan(st, &s, c[i].table, false, "stats scan");
        }
    }
    return sq_set_err(st, VX_EINVAL, "stats scan: no cube has these dimensions together");
}

static enum vx_status sq_stats_population(struct vx_store *st, const struct vx_stats_query *q,
                                          const enum vx_stats_dim *dims, int ndims,
                                          vx_stats_row_cb cb, void *ctx)
{
    enum vx_status vs = check_dims(st, dims, ndims);
    if (vs != VX_OK)
        return vs;
    struct vx_stats_query pq = *q;
    pq.vaccine[0] = '\0';
    pq.dose = 0;
    pq.from.year = pq.to.year = 0;
    pq.measure = VX_SM_DOSES;
    uint32_t need = filter_dims(&pq);
    for (int i = 0; i < ndims; i++)
        need |= VX_SD_BIT(dims[i]);
    for (size_t i = 0; i < VX_ARRAY_LEN(pop_cubes); i++) {
        if ((pop_cubes[i].dims & need) == need) {
            struct scan s = {.q = &pq, .ndims = ndims, .dims = dims, .cb = cb, .ctx = ctx};
            return run_scan(st, &s, pop_cubes[i].table, true, "stats population");
        }
    }
    return sq_set_err(st, VX_EINVAL, "stats population: no population by these dimensions");
}

/* ------------------------------------------------------------------ meta */

/* ------------------------------------------------------------------ meta */

static int meta_row(void *ctx, sqlite3_stmt *q)
{
    struct vx_stats_meta *m = ctx;
    int ref = sqlite3_column_int(q, 0);
    m->population_ref = ref ? sq_day(ref) : 0;
    m->population_built = sqlite3_column_int64(q, 1);
    m->population_persons = sqlite3_column_int64(q, 2);
    m->population_stale = ref && sqlite3_column_int64(q, 3) != sqlite3_column_int64(q, 4);
    m->maintained = sqlite3_column_int(q, 5) != 0;
    int first = sqlite3_column_int(q, 6), last = sqlite3_column_int(q, 7);
    if (first) {
        vx_isoweek_format((struct vx_isoweek){first / 100, first % 100}, m->first_week);
        vx_isoweek_format((struct vx_isoweek){last / 100, last % 100}, m->last_week);
    }
    m->official_rows = sqlite3_column_int64(q, 8);
    m->pending_doses = m->maintained ? sqlite3_column_int64(q, 9) : 0;
    m->pending_changes = sqlite3_column_int64(q, 10);
    return 1;
}

static enum vx_status sq_stats_meta(struct vx_store *st, struct vx_stats_meta *out)
{
    memset(out, 0, sizeof *out);
    return sq_each(st,
                   "SELECT pop_ref, pop_built, pop_persons, pop_max_id,"
                   " (SELECT coalesce(max(id), 0) FROM persons), maintained,"
                   " (SELECT coalesce(min(week), 0) FROM sd_kom WHERE n > 0),"
                   " (SELECT coalesce(max(week), 0) FROM sd_kom WHERE n > 0),"
                   " (SELECT count(*) FROM stats_official),"
                   " max(0, (SELECT coalesce(max(id), 0) FROM doses) - dose_cursor),"
                   " (SELECT count(*) FROM stats_pending)"
                   " FROM stats_meta WHERE id = 1",
                   "stats meta", NULL, meta_row, out);
}

struct region_scan {
    int (*cb)(void *ctx, const char *code, const char *short_name);
    void *ctx;
};

static int region_row(void *ctx, sqlite3_stmt *q)
{
    struct region_scan *s = ctx;
    const char *code = (const char *)sqlite3_column_text(q, 0);
    const char *name = (const char *)sqlite3_column_text(q, 1);
    return s->cb(s->ctx, code ? code : "", name ? name : "");
}

static enum vx_status
sq_stats_regions(struct vx_store *st,
                 int (*cb)(void *ctx, const char *code, const char *short_name), void *ctx)
{
    struct region_scan s = {cb, ctx};
    return sq_each(st,
                   "SELECT code, CASE WHEN short_name <> '' THEN short_name ELSE name END"
                   " FROM regions ORDER BY code",
                   "regions", NULL, region_row, &s);
}

/* ------------------------------------------------------------------ official */

static const char *const dataset_codes[VX_OD_COUNT] = {"region_week", "region_age", "kommun_age"};

static enum vx_status sq_stats_official_clear(struct vx_store *st)
{
    return sq_exec_write(st, "DELETE FROM stats_official", "official series");
}

static enum vx_status sq_stats_official_put(struct vx_store *st, const struct vx_stats_official *r)
{
    if ((unsigned)r->dataset >= VX_OD_COUNT)
        return sq_set_err(st, VX_EINVAL, "official series: unknown dataset %d", (int)r->dataset);
    sqlite3_stmt *q;
    enum vx_status vs = sq_write_prep(st,
                                      "INSERT INTO stats_official (dataset, week, region, kommun,"
                                      " age_group, measure, value, share, population)"
                                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                      "official series", &q);
    if (vs != VX_OK)
        return vs;
    int rc = sqlite3_bind_text(q, 1, dataset_codes[r->dataset], -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(q, 2, week_int(r->week));
    rc |= sq_bind_text(q, 3, r->region, sizeof r->region);
    rc |= sq_bind_text(q, 4, r->kommun, sizeof r->kommun);
    rc |= sq_bind_text(q, 5, r->age_group, sizeof r->age_group);
    rc |= sq_bind_text(q, 6, r->measure, sizeof r->measure);
    rc |= sqlite3_bind_int64(q, 7, r->value);
    rc |= r->share >= 0 ? sqlite3_bind_double(q, 8, r->share) : sqlite3_bind_null(q, 8);
    rc |= r->population >= 0 ? sqlite3_bind_int64(q, 9, r->population) : sqlite3_bind_null(q, 9);
    return sq_finish(st, q, rc, "official series");
}

struct off_scan {
    const struct vx_stats_official_filter *f;
    vx_stats_official_cb cb;
    void *ctx;
};

static int off_bind(void *ctx, sqlite3_stmt *q)
{
    const struct vx_stats_official_filter *f = ((struct off_scan *)ctx)->f;
    int rc = sqlite3_bind_text(
        q, 1, f->dataset >= 0 && f->dataset < VX_OD_COUNT ? dataset_codes[f->dataset] : "", -1,
        SQLITE_STATIC);
    rc |= sq_bind_text(q, 2, f->region, sizeof f->region);
    rc |= sq_bind_text(q, 3, f->kommun, sizeof f->kommun);
    rc |= sq_bind_text(q, 4, f->measure, sizeof f->measure);
    rc |= sq_bind_text(q, 5, f->age_group, sizeof f->age_group);
    rc |= sqlite3_bind_int(q, 6, f->from.year ? week_int(f->from) : 0);
    rc |= sqlite3_bind_int(q, 7, f->to.year ? week_int(f->to) : 999999);
    return rc;
}

static int off_row(void *ctx, sqlite3_stmt *q)
{
    struct off_scan *s = ctx;
    struct vx_stats_official r;
    memset(&r, 0, sizeof r);
    const char *ds = (const char *)sqlite3_column_text(q, 0);
    for (int i = 0; i < VX_OD_COUNT; i++)
        if (ds && !strcmp(ds, dataset_codes[i]))
            r.dataset = (enum vx_stats_dataset)i;
    int w = sqlite3_column_int(q, 1);
    r.week = (struct vx_isoweek){w / 100, w % 100};
    sq_copy_col(q, 2, r.region, sizeof r.region);
    sq_copy_col(q, 3, r.kommun, sizeof r.kommun);
    sq_copy_col(q, 4, r.age_group, sizeof r.age_group);
    sq_copy_col(q, 5, r.measure, sizeof r.measure);
    r.value = sqlite3_column_int64(q, 6);
    r.share = sqlite3_column_type(q, 7) == SQLITE_NULL ? -1 : sqlite3_column_double(q, 7);
    r.population = sqlite3_column_type(q, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 8);
    return s->cb(s->ctx, &r);
}

static enum vx_status sq_stats_official_foreach(struct vx_store *st,
                                                const struct vx_stats_official_filter *f,
                                                vx_stats_official_cb cb, void *ctx)
{
    struct off_scan s = {f, cb, ctx};
    return sq_each(st,
                   "SELECT dataset, week, region, kommun, age_group, measure, value, share,"
                   " population FROM stats_official WHERE (?1 = '' OR dataset = ?1)"
                   " AND (?2 = '' OR region = ?2) AND (?3 = '' OR kommun = ?3)"
                   " AND (?4 = '' OR measure = ?4) AND (?5 = '' OR age_group = ?5)"
                   " AND week BETWEEN ?6 AND ?7"
                   " ORDER BY dataset, week, region, kommun, age_group, measure",
                   "official series", off_bind, off_row, &s);
}

const struct vx_store_stats_ops sq_stats_ops = {
    .name = "sqlite",
    .scan = sq_stats_scan,
    .population = sq_stats_population,
    .refresh_population = sq_stats_refresh_population,
    .rebuild = sq_stats_rebuild,
    .apply = sq_stats_apply,
    .maintain = sq_stats_maintain,
    .meta = sq_stats_meta,
    .regions = sq_stats_regions,
    .official_clear = sq_stats_official_clear,
    .official_put = sq_stats_official_put,
    .official_foreach = sq_stats_official_foreach,
};
