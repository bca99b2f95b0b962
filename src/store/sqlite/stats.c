/*
 * stats.c — SQLite implementation of struct vx_store_stats_ops (include/vx/store_stats.h)
 * and its schema migration (version 6).
 *
 * The coverage cubes are kept by triggers, so every writer of `doses` (the store's
 * dose_put, the care module's corrections and voids, a back-fill import, even the
 * sqlite3 shell) keeps them right without knowing they exist:
 *
 *   doses ──AFTER INSERT/UPDATE/DELETE──► stats_dose_ev ──BEFORE INSERT──► sd_* cubes
 *         └──► recompute the person's levels ► stats_level ──AFTER INSERT/DELETE──► sp_* cubes
 *   persons ──AFTER UPDATE OF its dimensions──► the same, with the old values -1, new +1
 *
 * stats_dose_ev is an "event" table: its BEFORE INSERT trigger adds the row's delta
 * (+1/-1) to the four dose cubes and then RAISE(IGNORE)s the row, so it never holds
 * anything. stats_level is the per-person coverage state: one row per level the
 * person has reached (level N = the N-th valid dose by time given, N <= 9; level 0 =
 * fully vaccinated: the dose that completed the first dose's product's primary
 * series), with the dimensions the person had at the first dose. A new dose that is
 * the person's latest only adds rows (INSERT OR IGNORE leaves the unchanged ones
 * alone, firing nothing); any other change deletes and re-inserts the person's rows,
 * and their triggers move the counts. Counts left at zero stay as rows with n = 0.
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
 * vx_stats_age_band / vx_stats_group_of in src/stats/query.c (the unit tests check
 * they agree on the demo population).
 */
#include <stdio.h>
#include <string.h>
#include "sqlite_int.h"
#include "vx/date.h"

/* ------------------------------------------------------------------ SQL pieces */

/* FoHM age band (lower bound) of age expression `a`. */
#define SQ_BAND(a)                                                                                 \
    "(CASE WHEN " a " < 12 THEN 0 WHEN " a " < 16 THEN 12 WHEN " a " < 18 THEN 16 WHEN " a         \
    " < 30 THEN 18 WHEN " a " >= 90 THEN 90 ELSE " a " / 10 * 10 END)"

/* Priority phase (see vx_stats_group_of): flags 1 care staff, 2 household contact,
 * 4 LSS assistance, 8 health staff; risk bits 0-1 dialysis/transplant, 0-9 any. */
#define SQ_GRP(a, by, res, risk, flags)                                                            \
    "(CASE WHEN " a " >= 18 AND (" res " = 'special_housing' OR " res " = 'home_care' OR " res     \
    " = 'home_health_care' OR (" flags " & 3) <> 0) THEN 1"                                        \
    " WHEN " a " >= 18 AND (" by " <= 1956 OR " res " = 'lss_home' OR (" flags                     \
    " & 12) <> 0 OR (" risk " & 3) <> 0) THEN 2"                                                   \
    " WHEN " a " >= 18 AND ((" by " BETWEEN 1957 AND 1961) OR (" a " <= 59 AND (" risk             \
    " & 1023) <> 0)) THEN 3"                                                                       \
    " WHEN " a " >= 12 THEN 4 ELSE 0 END)"

/* ymd * 1000000 + YYYYWW of the local day holding instant `t`, NULL out of range. */
#define SQ_K(t)                                                                                    \
    "(SELECT ymd * 1000000 + week FROM stats_day WHERE start_utc <= " t                            \
    " ORDER BY start_utc DESC LIMIT 1)"

#define SQ_CUBE(name, cols, pk)                                                                    \
    "CREATE TABLE " name " (" cols ", n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (" pk              \
    ")) STRICT, WITHOUT ROWID;"

#define COLS_KOM                                                                                   \
    "region TEXT NOT NULL, kommun TEXT NOT NULL, vaccine TEXT NOT NULL, dose INTEGER NOT NULL, "   \
    "week INTEGER NOT NULL"
#define PK_KOM "region, kommun, vaccine, dose, week"
#define COLS_REG                                                                                   \
    "region TEXT NOT NULL, age INTEGER NOT NULL, sex INTEGER NOT NULL, grp INTEGER NOT NULL, "     \
    "vaccine TEXT NOT NULL, dose INTEGER NOT NULL, week INTEGER NOT NULL"
#define PK_REG "region, age, sex, grp, vaccine, dose, week"
#define COLS_DESO                                                                                  \
    "region TEXT NOT NULL, kommun TEXT NOT NULL, deso TEXT NOT NULL, dose INTEGER NOT NULL, week " \
    "INTEGER NOT NULL"
#define PK_DESO "region, kommun, deso, dose, week"
#define COLS_FULL                                                                                  \
    "region TEXT NOT NULL, kommun TEXT NOT NULL, age INTEGER NOT NULL, sex INTEGER NOT NULL, grp " \
    "INTEGER NOT NULL, vaccine TEXT NOT NULL, dose INTEGER NOT NULL, week INTEGER NOT NULL"
#define PK_FULL "region, kommun, age, sex, grp, vaccine, dose, week"

/* Add delta D (an SQL expression) for the dimensions in NEW.* / OLD.* (R = "NEW"/"OLD",
 * DOSE = the column holding the dose number or level) to the four cubes of prefix P. */
#define SQ_UPSERTS(P, R, DOSE, D)                                                                  \
    "INSERT INTO " P "_kom (region, kommun, vaccine, dose, week, n) VALUES (" R ".region, " R      \
    ".kommun, " R ".vaccine, " R "." DOSE ", " R ".week, " D                                       \
    ") ON CONFLICT DO UPDATE SET n = n + excluded.n;"                                              \
    "INSERT INTO " P "_reg (region, age, sex, grp, vaccine, dose, week, n) VALUES (" R             \
    ".region, " R ".age, " R ".sex, " R ".grp, " R ".vaccine, " R "." DOSE ", " R ".week, " D      \
    ") ON CONFLICT DO UPDATE SET n = n + excluded.n;"                                              \
    "INSERT INTO " P "_full (region, kommun, age, sex, grp, vaccine, dose, week, n) VALUES (" R    \
    ".region, " R ".kommun, " R ".age, " R ".sex, " R ".grp, " R ".vaccine, " R "." DOSE ", " R    \
    ".week, " D ") ON CONFLICT DO UPDATE SET n = n + excluded.n;"                                  \
    "INSERT INTO " P "_deso (region, kommun, deso, dose, week, n) SELECT " R ".region, " R         \
    ".kommun, " R ".deso, " R "." DOSE ", " R ".week, " D " WHERE " R                              \
    ".deso <> '' ON CONFLICT DO UPDATE SET n = n + excluded.n;"

/*
 * Dose events of the doses DOSES (a SELECT of vaccine_code, dose_number, k) of the
 * person row PERSON (a SELECT of region_code, kommun_code, deso, sex, birth_date,
 * residence, risk, flags), each with delta D.
 */
#define SQ_DOSE_EV(PERSON, DOSES, D)                                                               \
    "INSERT INTO stats_dose_ev (region, kommun, deso, age, sex, grp, vaccine, dose, week, d)"      \
    " SELECT region_code, kommun_code, deso, " SQ_BAND("a") ", sex, " SQ_GRP(                      \
        "a", "birth_date / 10000", "residence", "risk",                                            \
        "flags") ", vaccine_code, dose_number, k % 1000000, " D                                    \
                 " FROM (SELECT pp.region_code, pp.kommun_code, pp.deso, pp.sex, pp.birth_date,"   \
                 " pp.residence, pp.risk, pp.flags, dd.vaccine_code, dd.dose_number, dd.k,"        \
                 " (dd.k / 1000000 - pp.birth_date) / 10000 AS a FROM (" PERSON ") pp, (" DOSES    \
                 ") dd"                                                                            \
                 " WHERE dd.k IS NOT NULL);"

#define SQ_PERSON_ID(X)                                                                            \
    "SELECT region_code, kommun_code, deso, sex, birth_date, residence, risk, flags FROM persons " \
    "WHERE id = " X
#define SQ_PERSON_ROW(R)                                                                           \
    "SELECT " R ".region_code AS region_code, " R ".kommun_code AS kommun_code, " R                \
    ".deso AS deso, " R ".sex AS sex, " R ".birth_date AS birth_date, " R                          \
    ".residence AS residence, " R ".risk AS risk, " R ".flags AS flags"
#define SQ_ONE_DOSE(R)                                                                             \
    "SELECT " R ".vaccine_code AS vaccine_code, " R                                                \
    ".dose_number AS dose_number, " SQ_K(R ".given_at") " AS k"
#define SQ_PERSON_DOSES(X)                                                                         \
    "SELECT vaccine_code, dose_number, " SQ_K("given_at") " AS k FROM doses WHERE person_id = " X  \
                                                          " AND status = 'valid'"

/*
 * Levels (person_id, level, week, vaccine, region, kommun, deso, age, sex, grp) of the
 * valid doses selected by WHERE, ranked per person by PARTITION. Level 0 is the dose
 * that completed the primary series of the first dose's product (stats_vaccine.series,
 * default 2). Dimensions at the first dose.
 */
#define SQ_LEVELS(WHERE, PARTITION)                                                                                                       \
    "SELECT s.person_id AS person_id, CASE WHEN f.fl THEN 0 ELSE s.lv END AS level, " SQ_K(                                               \
        "s.given_at") " % 1000000 AS week, s.vaccine_code AS vaccine, s.region_code AS region,"                                           \
                      " s.kommun_code AS kommun, s.deso AS deso, " SQ_BAND(                                                               \
                          "s.a") " AS age, s.sex AS sex, " SQ_GRP("s.a", "s.birth_date / 10000",                                          \
                                                                  "s.residence", "s.risk",                                                \
                                                                  "s.flags") " AS grp"                                                    \
                                                                             " FROM (SELECT r.*, "                                        \
                                                                             "p.region_code, "                                            \
                                                                             "p.kommun_code, "                                            \
                                                                             "p.deso, p.sex, "                                            \
                                                                             "p.birth_date, "                                             \
                                                                             "p.residence,"                                               \
                                                                             " p.risk, p.flags, "                                         \
                                                                             "(" SQ_K(                                                    \
                                                                                 "r.at1") " / "                                           \
                                                                                          "100000"                                        \
                                                                                          "0 - "                                          \
                                                                                          "p."                                            \
                                                                                          "birth_"                                        \
                                                                                          "date) "                                        \
                                                                                          "/ "                                            \
                                                                                          "10000 "                                        \
                                                                                          "AS a "                                         \
                                                                                          "FROM"                                          \
                                                                                          " ("                                            \
                                                                                          "SELECT"                                        \
                                                                                          " perso"                                        \
                                                                                          "n_id, "                                        \
                                                                                          "given_"                                        \
                                                                                          "at, "                                          \
                                                                                          "vaccin"                                        \
                                                                                          "e_"                                            \
                                                                                          "code, "                                        \
                                                                                          "row_"                                          \
                                                                                          "number"                                        \
                                                                                          "() "                                           \
                                                                                          "OVER "                                         \
                                                                                          "w AS "                                         \
                                                                                          "lv,"                                           \
                                                                                          " first"                                        \
                                                                                          "_value"                                        \
                                                                                          "(given"                                        \
                                                                                          "_at) "                                         \
                                                                                          "OVER "                                         \
                                                                                          "w AS "                                         \
                                                                                          "at1, "                                         \
                                                                                          "first_"                                        \
                                                                                          "value("                                        \
                                                                                          "vaccin"                                        \
                                                                                          "e_"                                            \
                                                                                          "code) "                                        \
                                                                                          "OVER "                                         \
                                                                                          "w AS "                                         \
                                                                                          "v1 "                                           \
                                                                                          "FROM "                                         \
                                                                                          "doses"                                         \
                                                                                          " WHERE"                                        \
                                                                                          " " WHERE                                       \
                                                                                          " AND "                                         \
                                                                                          "status"                                        \
                                                                                          " = "                                           \
                                                                                          "'valid"                                        \
                                                                                          "' "                                            \
                                                                                          "WINDOW"                                        \
                                                                                          " w AS "                                        \
                                                                                          "(" PARTITION                                   \
                                                                                          " ORDER"                                        \
                                                                                          " BY "                                          \
                                                                                          "given_"                                        \
                                                                                          "at, "                                          \
                                                                                          "dose_"                                         \
                                                                                          "number"                                        \
                                                                                          ", "                                            \
                                                                                          "id)) "                                         \
                                                                                          "r "                                            \
                                                                                          "JOIN "                                         \
                                                                                          "person"                                        \
                                                                                          "s p "                                          \
                                                                                          "ON "                                           \
                                                                                          "p.id "                                         \
                                                                                          "= "                                            \
                                                                                          "r."                                            \
                                                                                          "person"                                        \
                                                                                          "_id) "                                         \
                                                                                          "s,"                                            \
                                                                                          " ("                                            \
                                                                                          "SELECT"                                        \
                                                                                          " 0 AS "                                        \
                                                                                          "fl "                                           \
                                                                                          "UNION "                                        \
                                                                                          "ALL "                                          \
                                                                                          "SELECT"                                        \
                                                                                          " 1) f"                                         \
                                                                                          " WHERE"                                        \
                                                                                          " s.a "                                         \
                                                                                          "IS "                                           \
                                                                                          "NOT "                                          \
                                                                                          "NULL "                                         \
                                                                                          "AND"                                           \
                                                                                          " " SQ_K(                                       \
                                                                                              "s."                                        \
                                                                                              "gi"                                        \
                                                                                              "ve"                                        \
                                                                                              "n_"                                        \
                                                                                              "a"                                         \
                                                                                              "t") " IS NOT NULL AND CASE WHEN f.fl THEN" \
                                                                                                   " s.lv = coalesce((SELECT series FROM stats_vaccine WHERE code = s.v1), 2) ELSE s.lv <= 9 END"

#define SQ_LEVEL_COLS "person_id, level, week, vaccine, region, kommun, deso, age, sex, grp"

/* Recompute the levels of person X (assumes its rows were deleted or are a prefix). */
#define SQ_RELEVEL(X)                                                                              \
    "INSERT OR IGNORE INTO stats_level (" SQ_LEVEL_COLS ") " SQ_LEVELS("person_id = " X, "") ";"

/* A later valid dose of the person than NEW (the new dose is not the latest). */
#define SQ_LATER                                                                                   \
    "EXISTS (SELECT 1 FROM doses o WHERE o.person_id = NEW.person_id AND o.status = 'valid'"       \
    " AND o.id <> NEW.id AND (o.given_at, o.dose_number, o.id) > (NEW.given_at, NEW.dose_number,"  \
    " NEW.id))"

/* The triggers, dropped and recreated by maintain() and rebuild(). */
#define SQ_LEVEL_TRIGGERS                                                                          \
    "CREATE TRIGGER stats_level_ai AFTER INSERT ON stats_level BEGIN " SQ_UPSERTS(                 \
        "sp", "NEW", "level",                                                                      \
        "1") " END;"                                                                               \
             "CREATE TRIGGER stats_level_ad AFTER DELETE ON stats_level BEGIN " SQ_UPSERTS(        \
                 "sp", "OLD", "level", "-1") " END;"

#define SQ_DOSE_TRIGGERS                                                                                                                                                                                                                         \
    "CREATE TRIGGER stats_doses_ai AFTER INSERT ON doses WHEN NEW.status = 'valid' "                                                                                                                                                             \
    "BEGIN " SQ_DOSE_EV(                                                                                                                                                                                                                         \
        SQ_PERSON_ID("NEW.person_id"), SQ_ONE_DOSE("NEW"),                                                                                                                                                                                       \
        "1") "DELETE FROM stats_level WHERE person_id = NEW.person_id AND " SQ_LATER                                                                                                                                                             \
             ";" SQ_RELEVEL(                                                                                                                                                                                                                     \
                 "NEW.person_id") " END;"                                                                                                                                                                                                        \
                                  "CREATE TRIGGER stats_doses_au AFTER UPDATE OF person_id, "                                                                                                                                                    \
                                  "vaccine_code, dose_number,"                                                                                                                                                                                   \
                                  " given_at, status ON doses BEGIN " SQ_DOSE_EV(                                                                                                                                                                \
                                      SQ_PERSON_ID("OLD.person_id"),                                                                                                                                                                             \
                                      SQ_ONE_DOSE("OLD") " WHERE OLD.status = 'valid'", "-1")                                                                                                                                                    \
                                      SQ_DOSE_EV(                                                                                                                                                                                                \
                                          SQ_PERSON_ID("NEW.person_id"),                                                                                                                                                                         \
                                          SQ_ONE_DOSE("NEW") " WHERE NEW.status = 'valid'",                                                                                                                                                      \
                                          "1") "DELETE FROM stats_level WHERE person_id = "                                                                                                                                                      \
                                               "OLD.person_id OR person_id = "                                                                                                                                                                   \
                                               "NEW.person_id;" SQ_RELEVEL("OLD.person_id") SQ_RELEVEL(                                                                                                                                          \
                                                   "NEW.person_id") " END;"                                                                                                                                                                      \
                                                                    "CREATE TRIGGER "                                                                                                                                                            \
                                                                    "stats_doses_ad "                                                                                                                                                            \
                                                                    "AFTER DELETE ON "                                                                                                                                                           \
                                                                    "doses "                                                                                                                                                                     \
                                                                    "BEGIN"                                                                                                                                                                      \
                                                                    " " SQ_DOSE_EV(SQ_PERSON_ID("OLD.person_id"), SQ_ONE_DOSE("OLD") " WHERE OLD.status = 'valid'", "-1") "DELETE FROM stats_level WHERE person_id = OLD.person_id;" SQ_RELEVEL( \
                                                                        "OLD.person_"                                                                                                                                                            \
                                                                        "id") " END;"                                                                                                                                                            \
                                                                              "CREATE "                                                                                                                                                          \
                                                                              "TRIGGER"                                                                                                                                                          \
                                                                              " stats_"                                                                                                                                                          \
                                                                              "persons"                                                                                                                                                          \
                                                                              "_au "                                                                                                                                                             \
                                                                              "AFTER "                                                                                                                                                           \
                                                                              "UPDATE "                                                                                                                                                          \
                                                                              "OF "                                                                                                                                                              \
                                                                              "region_"                                                                                                                                                          \
                                                                              "code, "                                                                                                                                                           \
                                                                              "kommun_"                                                                                                                                                          \
                                                                              "code, "                                                                                                                                                           \
                                                                              "birth_"                                                                                                                                                           \
                                                                              "date, "                                                                                                                                                           \
                                                                              "sex,"                                                                                                                                                             \
                                                                              " deso, "                                                                                                                                                          \
                                                                              "residen"                                                                                                                                                          \
                                                                              "ce, "                                                                                                                                                             \
                                                                              "risk, "                                                                                                                                                           \
                                                                              "flags "                                                                                                                                                           \
                                                                              "ON "                                                                                                                                                              \
                                                                              "persons"                                                                                                                                                          \
                                                                              " WHEN "                                                                                                                                                           \
                                                                              "(OLD."                                                                                                                                                            \
                                                                              "region_"                                                                                                                                                          \
                                                                              "code "                                                                                                                                                            \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "region_"                                                                                                                                                          \
                                                                              "code"                                                                                                                                                             \
                                                                              " OR "                                                                                                                                                             \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "kommun_"                                                                                                                                                          \
                                                                              "code "                                                                                                                                                            \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "kommun_"                                                                                                                                                          \
                                                                              "code "                                                                                                                                                            \
                                                                              "OR "                                                                                                                                                              \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "birth_"                                                                                                                                                           \
                                                                              "date "                                                                                                                                                            \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "birth_"                                                                                                                                                           \
                                                                              "date"                                                                                                                                                             \
                                                                              " OR "                                                                                                                                                             \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "sex IS "                                                                                                                                                          \
                                                                              "NOT "                                                                                                                                                             \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "sex OR "                                                                                                                                                          \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "deso "                                                                                                                                                            \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "deso "                                                                                                                                                            \
                                                                              "OR "                                                                                                                                                              \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "residen"                                                                                                                                                          \
                                                                              "ce IS "                                                                                                                                                           \
                                                                              "NOT"                                                                                                                                                              \
                                                                              " NEW."                                                                                                                                                            \
                                                                              "residen"                                                                                                                                                          \
                                                                              "ce OR "                                                                                                                                                           \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "risk "                                                                                                                                                            \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "risk "                                                                                                                                                            \
                                                                              "OR "                                                                                                                                                              \
                                                                              "OLD."                                                                                                                                                             \
                                                                              "flags "                                                                                                                                                           \
                                                                              "IS NOT "                                                                                                                                                          \
                                                                              "NEW."                                                                                                                                                             \
                                                                              "flags)"                                                                                                                                                           \
                                                                              " AND "                                                                                                                                                            \
                                                                              "EXISTS "                                                                                                                                                          \
                                                                              "(SELECT"                                                                                                                                                          \
                                                                              " 1 "                                                                                                                                                              \
                                                                              "FROM "                                                                                                                                                            \
                                                                              "doses "                                                                                                                                                           \
                                                                              "WHERE "                                                                                                                                                           \
                                                                              "person_"                                                                                                                                                          \
                                                                              "id = "                                                                                                                                                            \
                                                                              "NEW.id)"                                                                                                                                                          \
                                                                              " BEGIN"                                                                                                                                                           \
                                                                              " " SQ_DOSE_EV(                                                                                                                                                    \
                                                                                  SQ_PERSON_ROW(                                                                                                                                                 \
                                                                                      "OLD"),                                                                                                                                                    \
                                                                                  SQ_PERSON_DOSES(                                                                                                                                               \
                                                                                      "OLD.id"),                                                                                                                                                 \
                                                                                  "-1")                                                                                                                                                          \
                                                                                  SQ_DOSE_EV(                                                                                                                                                    \
                                                                                      SQ_PERSON_ROW(                                                                                                                                             \
                                                                                          "NEW"),                                                                                                                                                \
                                                                                      SQ_PERSON_DOSES(                                                                                                                                           \
                                                                                          "NEW."                                                                                                                                                 \
                                                                                          "id"),                                                                                                                                                 \
                                                                                      "1") "DELET"                                                                                                                                               \
                                                                                           "E "                                                                                                                                                  \
                                                                                           "FROM "                                                                                                                                               \
                                                                                           "stats"                                                                                                                                               \
                                                                                           "_leve"                                                                                                                                               \
                                                                                           "l "                                                                                                                                                  \
                                                                                           "WHERE"                                                                                                                                               \
                                                                                           " pers"                                                                                                                                               \
                                                                                           "on_"                                                                                                                                                 \
                                                                                           "id = "                                                                                                                                               \
                                                                                           "NEW."                                                                                                                                                \
                                                                                           "id"                                                                                                                                                  \
                                                                                           ";" SQ_RELEVEL("NEW.id") " END;"

#define SQ_DROP_TRIGGERS                                                                           \
    "DROP TRIGGER IF EXISTS stats_doses_ai; DROP TRIGGER IF EXISTS stats_doses_au;"                \
    "DROP TRIGGER IF EXISTS stats_doses_ad; DROP TRIGGER IF EXISTS stats_persons_au;"              \
    "DROP TRIGGER IF EXISTS stats_level_ai; DROP TRIGGER IF EXISTS stats_level_ad;"

/* Dose cubes, person levels and person cubes from the raw tables (triggers dropped). */
#define SQ_REBUILD_BODY                                                                            \
    "DELETE FROM sd_kom; DELETE FROM sd_reg; DELETE FROM sd_deso; DELETE FROM sd_full;"            \
    "DELETE FROM sp_kom; DELETE FROM sp_reg; DELETE FROM sp_deso; DELETE FROM sp_full;"            \
    "DELETE FROM stats_level;"                                                                     \
    "INSERT INTO sd_full (region, kommun, age, sex, grp, vaccine, dose, week, n)"                  \
    " SELECT region_code, kommun_code, " SQ_BAND("a") ", sex, " SQ_GRP(                            \
        "a", "birth_date / 10000", "residence", "risk",                                            \
        "flags") ", vaccine_code, dose_number, k % 1000000, count(*) FROM (SELECT p.region_code,"  \
                 " p.kommun_code, p.sex, p.birth_date, p.residence, p.risk, p.flags, "             \
                 "d.vaccine_code,"                                                                 \
                 " d.dose_number, d.k, (d.k / 1000000 - p.birth_date) / 10000 AS a FROM (SELECT "  \
                 "person_id,"                                                                      \
                 " vaccine_code, dose_number, " SQ_K(                                              \
                     "given_at") " AS k FROM doses WHERE status = 'valid') d"                      \
                                 " JOIN persons p ON p.id = d.person_id WHERE d.k IS NOT NULL) "   \
                                 "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;"                                \
                                 "INSERT INTO sd_reg SELECT region, age, sex, grp, vaccine, "      \
                                 "dose, week, sum(n) FROM sd_full"                                 \
                                 " GROUP BY 1, 2, 3, 4, 5, 6, 7;"                                  \
                                 "INSERT INTO sd_kom SELECT region, kommun, vaccine, dose, week, " \
                                 "sum(n) FROM sd_full"                                             \
                                 " GROUP BY 1, 2, 3, 4, 5;"                                        \
                                 "INSERT INTO sd_deso (region, kommun, deso, dose, week, n) "      \
                                 "SELECT p.region_code,"                                           \
                                 " p.kommun_code, p.deso, d.dose_number, d.k % 1000000, count(*) " \
                                 "FROM (SELECT person_id,"                                         \
                                 " dose_number, " SQ_K(                                            \
                                     "given_at") " AS k FROM doses WHERE status = 'valid') d "     \
                                                 "JOIN persons p"                                  \
                                                 " ON p.id = d.person_id WHERE p.deso <> '' AND "  \
                                                 "d.k IS NOT NULL GROUP BY 1, 2, 3, 4, 5;"         \
                                                 "INSERT INTO stats_level (" SQ_LEVEL_COLS         \
                                                 ") " SQ_LEVELS(                                   \
                                                     "1",                                          \
                                                     "PARTITION BY person_id") ";"                 \
                                                                               "INSERT INTO "      \
                                                                               "sp_full SELECT "   \
                                                                               "region, kommun, "  \
                                                                               "age, sex, grp, "   \
                                                                               "vaccine, level, "  \
                                                                               "week, count(*)"    \
                                                                               " FROM "            \
                                                                               "stats_level "      \
                                                                               "GROUP BY 1, 2, "   \
                                                                               "3, 4, 5, 6, 7, 8;" \
                                                                               "INSERT INTO "      \
                                                                               "sp_reg SELECT "    \
                                                                               "region, age, "     \
                                                                               "sex, grp, "        \
                                                                               "vaccine, dose, "   \
                                                                               "week, sum(n) "     \
                                                                               "FROM sp_full"      \
                                                                               " GROUP BY 1, 2, "  \
                                                                               "3, 4, 5, 6, 7;"    \
                                                                               "INSERT INTO "      \
                                                                               "sp_kom SELECT "    \
                                                                               "region, kommun, "  \
                                                                               "vaccine, dose, "   \
                                                                               "week, sum(n) "     \
                                                                               "FROM sp_full"      \
                                                                               " GROUP BY 1, 2, "  \
                                                                               "3, 4, 5;"          \
                                                                               "INSERT INTO "      \
                                                                               "sp_deso SELECT "   \
                                                                               "region, kommun, "  \
                                                                               "deso, level, "     \
                                                                               "week, count(*) "   \
                                                                               "FROM stats_level"  \
                                                                               " WHERE deso <> "   \
                                                                               "'' GROUP BY 1, "   \
                                                                               "2, 3, 4, 5;"

/* ------------------------------------------------------------------ migration */

const char sq_schema_stats[] =
    /* Stockholm local days: midnight in UTC, YYYYMMDD, ISO week YYYYWW. */
    "CREATE TABLE stats_day ("
    "  start_utc INTEGER PRIMARY KEY,"
    "  ymd INTEGER NOT NULL,"
    "  week INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO stats_day (start_utc, ymd, week)"
    " WITH RECURSIVE d(x) AS (SELECT '2000-01-01' UNION ALL SELECT date(x, '+1 day') FROM d"
    "   WHERE x < '2069-12-31')"
    " SELECT unixepoch(x) - CASE WHEN x > date(substr(x, 1, 4) || '-03-31', '-6 days',"
    "   'weekday 0') AND x <= date(substr(x, 1, 4) || '-10-31', '-6 days', 'weekday 0')"
    "   THEN 7200 ELSE 3600 END,"
    "  CAST(strftime('%Y%m%d', x) AS INTEGER),"
    "  CAST(strftime('%Y', t) AS INTEGER) * 100 + (CAST(strftime('%j', t) AS INTEGER) - 1) / 7 + 1"
    " FROM (SELECT x, date(x, '-' || ((CAST(strftime('%w', x) AS INTEGER) + 6) % 7) || ' days',"
    "   '+3 days') AS t FROM d);"

    /* primary-series length per product, kept from vaccines.json by triggers (an upsert,
     * not INSERT OR REPLACE: the outer vaccine_put upsert would override OR REPLACE) */
    "CREATE TABLE stats_vaccine ("
    "  code TEXT PRIMARY KEY,"
    "  series INTEGER NOT NULL CHECK (series >= 1)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT INTO stats_vaccine SELECT code, coalesce(json_extract(json, '$.schedule.doses'), 2)"
    "  FROM vaccines;"
    "CREATE TRIGGER stats_vaccines_ai AFTER INSERT ON vaccines BEGIN"
    "  INSERT INTO stats_vaccine VALUES (NEW.code,"
    "    coalesce(json_extract(NEW.json, '$.schedule.doses'), 2))"
    "  ON CONFLICT (code) DO UPDATE SET series = excluded.series; END;"
    "CREATE TRIGGER stats_vaccines_au AFTER UPDATE ON vaccines BEGIN"
    "  INSERT INTO stats_vaccine VALUES (NEW.code,"
    "    coalesce(json_extract(NEW.json, '$.schedule.doses'), 2))"
    "  ON CONFLICT (code) DO UPDATE SET series = excluded.series; END;"

    /* the cubes */
    SQ_CUBE("sd_kom", COLS_KOM, PK_KOM) SQ_CUBE("sd_reg", COLS_REG, PK_REG) SQ_CUBE(
        "sd_deso", COLS_DESO, PK_DESO) SQ_CUBE("sd_full", COLS_FULL,
                                               PK_FULL) SQ_CUBE("sp_kom", COLS_KOM, PK_KOM)
        SQ_CUBE("sp_reg", COLS_REG, PK_REG) SQ_CUBE("sp_deso", COLS_DESO, PK_DESO) SQ_CUBE(
            "sp_full", COLS_FULL,
            PK_FULL) "CREATE TABLE pop_kom (region TEXT NOT NULL, kommun TEXT NOT NULL, age "
                     "INTEGER NOT NULL,"
                     "  sex INTEGER NOT NULL, grp INTEGER NOT NULL, n INTEGER NOT NULL,"
                     "  PRIMARY KEY (region, kommun, age, sex, grp)) STRICT, WITHOUT ROWID;"
                     "CREATE TABLE pop_deso (region TEXT NOT NULL, kommun TEXT NOT NULL, deso TEXT "
                     "NOT NULL,"
                     "  age INTEGER NOT NULL, sex INTEGER NOT NULL, grp INTEGER NOT NULL, n "
                     "INTEGER NOT NULL,"
                     "  PRIMARY KEY (region, kommun, deso, age, sex, grp)) STRICT, WITHOUT ROWID;"

                     /* per-person coverage state */
                     "CREATE TABLE stats_level ("
                     "  person_id INTEGER NOT NULL,"
                     "  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 9)," /* 0 = fully
                                                                                  vaccinated */
                     "  week INTEGER NOT NULL,"
                     "  vaccine TEXT NOT NULL,"
                     "  region TEXT NOT NULL,"
                     "  kommun TEXT NOT NULL,"
                     "  deso TEXT NOT NULL,"
                     "  age INTEGER NOT NULL,"
                     "  sex INTEGER NOT NULL,"
                     "  grp INTEGER NOT NULL,"
                     "  PRIMARY KEY (person_id, level)"
                     ") STRICT, WITHOUT ROWID;"

                     /* event table: never holds a row */
                     "CREATE TABLE stats_dose_ev ("
                     "  region TEXT NOT NULL, kommun TEXT NOT NULL, deso TEXT NOT NULL, age "
                     "INTEGER NOT NULL,"
                     "  sex INTEGER NOT NULL, grp INTEGER NOT NULL, vaccine TEXT NOT NULL, dose "
                     "INTEGER NOT NULL,"
                     "  week INTEGER NOT NULL, d INTEGER NOT NULL"
                     ") STRICT;"
                     "CREATE TRIGGER stats_dose_ev_bi BEFORE INSERT ON stats_dose_ev "
                     "BEGIN " SQ_UPSERTS(
                         "sd", "NEW", "dose",
                         "NEW.d") " SELECT RAISE(IGNORE); END;"

                                  "CREATE TABLE stats_meta ("
                                  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
                                  "  pop_ref INTEGER NOT NULL DEFAULT 0,"     /* YYYYMMDD, 0 = never
                                                                                 built */
                                  "  pop_built INTEGER NOT NULL DEFAULT 0,"   /* unix s */
                                  "  pop_persons INTEGER NOT NULL DEFAULT 0," /* persons counted */
                                  "  pop_max_id INTEGER NOT NULL DEFAULT 0,"  /* max(persons.id)
                                                                                 then: staleness
                                                                                 check */
                                  "  maintained INTEGER NOT NULL DEFAULT 1 CHECK (maintained "
                                  "BETWEEN 0 AND 1)"
                                  ") STRICT;"
                                  "INSERT INTO stats_meta (id) VALUES (1);"

                                  /* FoHM's published series, long format */
                                  "CREATE TABLE stats_official ("
                                  "  dataset TEXT NOT NULL CHECK (dataset = 'region_week' OR "
                                  "dataset = 'region_age'"
                                  "    OR dataset = 'kommun_age'),"
                                  "  week INTEGER NOT NULL," /* YYYYWW: the week or data-through
                                                                week */
                                  "  region TEXT NOT NULL CHECK (length(region) = 2),"
                                  "  kommun TEXT NOT NULL DEFAULT '',"
                                  "  age_group TEXT NOT NULL DEFAULT '',"
                                  "  measure TEXT NOT NULL,"
                                  "  value INTEGER NOT NULL,"
                                  "  share REAL,"
                                  "  population INTEGER,"
                                  "  PRIMARY KEY (dataset, week, region, kommun, age_group, "
                                  "measure)"
                                  ") STRICT, WITHOUT ROWID;"

    /* cubes of what is already there, then keep them */
    SQ_REBUILD_BODY SQ_LEVEL_TRIGGERS SQ_DOSE_TRIGGERS;

static const char sql_rebuild[] =
    SQ_DROP_TRIGGERS SQ_REBUILD_BODY SQ_LEVEL_TRIGGERS SQ_DOSE_TRIGGERS
    "UPDATE stats_meta SET maintained = 1;";
static const char sql_maintain_off[] = SQ_DROP_TRIGGERS "UPDATE stats_meta SET maintained = 0;";

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

/* ------------------------------------------------------------------ population */

static const char sql_pop[] =
    "DELETE FROM pop_kom; DELETE FROM pop_deso;"
    "INSERT INTO pop_deso SELECT region_code, kommun_code, deso, " SQ_BAND("a") ", sex, " SQ_GRP(
        "a", "birth_date / 10000", "residence", "risk",
        "flags") ", count(*)"
                 " FROM (SELECT region_code, kommun_code, deso, sex, birth_date, residence, risk, "
                 "flags,"
                 " (?1 - birth_date) / 10000 AS a FROM persons WHERE (flags & 16) = 0 AND "
                 "birth_date <= ?1)"
                 " GROUP BY 1, 2, 3, 4, 5, 6;"
                 "INSERT INTO pop_kom SELECT region, kommun, age, sex, grp, sum(n) FROM pop_deso"
                 " GROUP BY 1, 2, 3, 4, 5;"
                 "UPDATE stats_meta SET pop_ref = ?1, pop_built = unixepoch(),"
                 " pop_persons = (SELECT coalesce(sum(n), 0) FROM pop_kom),"
                 " pop_max_id = (SELECT coalesce(max(id), 0) FROM persons);";

struct pop_arg {
    int ymd;
};

/* sql_pop holds several statements with a parameter: step through them one by one. */
static enum vx_status do_pop(struct vx_store *st, void *arg)
{
    struct pop_arg *a = arg;
    sqlite3 *db = sq_store_db(st);
    const char *tail = sql_pop;
    while (tail && *tail) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db, tail, -1, &q, &tail);
        if (rc != SQLITE_OK)
            return sq_error(st, rc, true, "population cube");
        if (!q)
            break;
        if (sqlite3_bind_parameter_count(q) > 0)
            sqlite3_bind_int(q, 1, a->ymd);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return sq_error(st, rc, true, "population cube");
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
    struct pop_arg a = {sq_ymd(ref)};
    enum vx_status vs = in_tx(st, do_pop, &a);
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

/* Direct sources: the same columns computed from the raw tables. */
static const char direct_doses[] =
    "(SELECT region_code AS region, kommun_code AS kommun, deso, " SQ_BAND(
        "a") " AS age, sex, " SQ_GRP("a", "birth_date / 10000", "residence", "risk",
                                     "flags") " AS grp, vaccine_code AS"
                                              " vaccine, dose_number AS dose, k % 1000000 AS week, "
                                              "1 AS n FROM (SELECT p.region_code,"
                                              " p.kommun_code, p.deso, p.sex, p.birth_date, "
                                              "p.residence, p.risk, p.flags, d.vaccine_code,"
                                              " d.dose_number, d.k, (d.k / 1000000 - p.birth_date) "
                                              "/ 10000 AS a FROM (SELECT person_id,"
                                              " vaccine_code, dose_number, " SQ_K(
                                                  "given_at") " AS k FROM doses WHERE status = "
                                                              "'valid') d"
                                                              " JOIN persons p ON p.id = "
                                                              "d.person_id WHERE d.k IS NOT NULL))";
static const char direct_persons[] =
    "(SELECT region, kommun, deso, age, sex, grp, vaccine, level AS dose, week, 1 AS n FROM "
    "(" SQ_LEVELS("1", "PARTITION BY person_id") "))";

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
                   " (SELECT count(*) FROM stats_official) FROM stats_meta WHERE id = 1",
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
    .maintain = sq_stats_maintain,
    .meta = sq_stats_meta,
    .regions = sq_stats_regions,
    .official_clear = sq_stats_official_clear,
    .official_put = sq_stats_official_put,
    .official_foreach = sq_stats_official_foreach,
};
