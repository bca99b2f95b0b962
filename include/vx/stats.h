/*
 * stats.h — coverage statistics (lägesbild): cuts of the coverage cubes, small-cell
 * suppression, FoHM's official series, open-data exports.
 *
 * Where the numbers come from (docs/stats.md has the full description):
 *  - Compact count cubes are kept up to date incrementally as doses are recorded,
 *    corrected and voided (a voided dose leaves every count): recording costs
 *    nothing extra, and vx_stats_apply() folds what changed since the last time into
 *    the cubes (every cut runs it first; the server also runs it every second). Two
 *    measures are kept:
 *      doses    valid doses administered, keyed by the dose row's own dose number;
 *      persons  persons who have reached "at least N valid doses" (N = 1..9, ranked
 *               by the time given) in the week of their N-th dose, and persons who
 *               are fully vaccinated (primary series done: 2 doses, or 1 dose of a
 *               single-dose product such as Janssen) in the week that completed it.
 *    Each cube row is keyed by region, municipality, FoHM age band, sex, priority
 *    group, vaccine, dose (number or level), ISO week (Stockholm time); a DeSO cube
 *    keeps the same for persons with a DeSO code.
 *  - A population cube (persons by region, municipality, age band, sex, group, DeSO at
 *    a reference date) gives the denominators; it is rebuilt by vx_stats_refresh()
 *    (`vaxchain stats refresh`), because persons change rarely.
 *  - Any cut (one or two dimensions, filters, weekly or cumulative) is answered from
 *    the smallest cube that holds every dimension it needs.
 *
 * Suppression (vx_stats_suppress): a count 1..4 is hidden ("<5", primary); then, in
 * every line of cells that add up to a published margin (the cells of one week; with
 * two dimensions also each row and each column of that week), a line holding exactly
 * one hidden non-zero cell gets its smallest other non-zero cell hidden too
 * ("secondary"), repeated until no line changes. Shares of hidden cells are hidden.
 * Region staff asking about their own region see the counts unsuppressed; everything
 * public, exported as open data or shown to national roles is suppressed.
 *
 * Memory: a result owns its cells (vx_stats_result_release). Functions here do no I/O
 * except through the store handle they are given.
 */
#ifndef VX_STATS_H
#define VX_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/buf.h"
#include "vx/date.h"
#include "vx/status.h"

struct vx_store;

/* Dimensions of a cut. The codes ("region", ...) are used in CLI, HTTP and CSV. */
enum vx_stats_dim {
    VX_SD_REGION = 0, /* län code "01" */
    VX_SD_KOMMUN,     /* municipality code "0180" */
    VX_SD_AGE,        /* FoHM age band, label "80-89" (stored as its lower bound) */
    VX_SD_SEX,        /* "1" male, "2" female, "0" unknown */
    VX_SD_GROUP,      /* priority phase "1".."4", "0" = none (under 12) */
    VX_SD_DESO,       /* DeSO code "0180C1010" ("" = none) */
    VX_SD_VACCINE,    /* product code "COM" */
    VX_SD_DOSE,       /* doses: the recorded dose number; persons: the level N */
    VX_SD_WEEK,       /* ISO week "2021-W05" */
    VX_SD_COUNT
};
#define VX_SD_BIT(d) (1u << (unsigned)(d))

/* "region", "kommun", "age", "sex", "group", "deso", "vaccine", "dose", "week". */
const char *vx_stats_dim_code(enum vx_stats_dim d);
/* Parse a dimension code; VX_EINVAL if unknown. */
enum vx_status vx_stats_dim_parse(const char *s, enum vx_stats_dim *out);

/* What is counted. */
enum vx_stats_measure {
    VX_SM_DOSES = 0, /* valid doses administered */
    VX_SM_PERSONS,   /* persons with at least N valid doses (N = dose filter, default 1) */
    VX_SM_FULL,      /* persons fully vaccinated (primary series completed) */
    VX_SM_COUNT
};
/* "doses", "persons", "full". */
const char *vx_stats_measure_code(enum vx_stats_measure m);
enum vx_status vx_stats_measure_parse(const char *s, enum vx_stats_measure *out);

/* FoHM's age bands: 0-11, 12-15, 16-17, 18-29, 30-39, ..., 80-89, 90+. */
#define VX_STATS_AGE_BANDS 11
/* Lower bound of the band holding `age` (completed years; negative → 0). */
int vx_stats_age_band(int age);
/* Label of the band whose lower bound is `lo` ("80-89", "90+"), or NULL if `lo`
 * is not a band's lower bound. Static storage. */
const char *vx_stats_age_label(int lo);
/* Parse "80-89" / "90+" / "80" into the lower bound; VX_EINVAL if not a band. */
enum vx_status vx_stats_age_parse(const char *s, int *lo);

/* Priority phase (1..4, 0 = none) from a person's attributes at age `age`,
 * mirroring FoHM's phases as written in data/eligibility.json (documented in
 * docs/stats.md; the triggers use the same rule in SQL). `birth_year` is the
 * calendar year of birth. Pure. */
int vx_stats_group_of(int age, int birth_year, int residence, uint32_t risk, uint32_t flags);

#define VX_STATS_KEY_MAX 17 /* bytes of one key value incl. NUL (vaccine codes are the longest) */

/* A cut: which measure, which dimensions, which filters. */
struct vx_stats_query {
    enum vx_stats_measure measure;
    enum vx_stats_dim by[2];    /* dimensions of the result cells */
    int nby;                    /* 0, 1 or 2 (0 = one total) */
    bool cumulative;            /* week values are totals through the week */
    struct vx_isoweek from, to; /* week range, inclusive; year 0 = open end */
    /* filters: "" / -1 = any */
    char region[3];
    char kommun[5];
    char deso[10];
    char vaccine[VX_STATS_KEY_MAX];
    int age;   /* band lower bound, -1 = any */
    int sex;   /* 0..2, -1 = any */
    int group; /* 0..4, -1 = any */
    int dose;  /* dose number (doses) / level N (persons), 0 = any (persons: 1) */
};
/* Set *q to "doses, no dimension, no filter". */
void vx_stats_query_init(struct vx_stats_query *q);
/*
 * Parse a filter list "age:80-89,sex:2,vaccine:COM,dose:1,group:2,kommun:0180,
 * deso:0180C1010,region:01" into q (other fields untouched). VX_EINVAL with the
 * offending item in err.
 */
enum vx_status vx_stats_filter_parse(struct vx_stats_query *q, const char *list,
                                     struct vx_err *err);

/* How a cell's count may be shown. */
enum vx_stats_supp {
    VX_SUPP_NONE = 0,
    VX_SUPP_PRIMARY,   /* 1..4: shown as "<5" */
    VX_SUPP_SECONDARY, /* hidden so that a primary cell cannot be recovered: ".." */
};

struct vx_stats_cell {
    char key[2][VX_STATS_KEY_MAX]; /* values of by[0], by[1] (text codes, age as label) */
    int64_t n;                     /* count (always filled; callers must honour supp) */
    int64_t population;            /* denominator for the cell, -1 = not applicable */
    enum vx_stats_supp supp;
};

struct vx_stats_result {
    struct vx_stats_query q;     /* the query answered (normalised) */
    struct vx_stats_cell *cells; /* owned; ordered by key[0], key[1] */
    size_t n, cap;
    int64_t total;            /* sum of every cell (or the one total) */
    int64_t total_population; /* -1 = not applicable */
    enum vx_stats_supp total_supp;
    bool suppressed;       /* vx_stats_suppress ran */
    vx_day population_ref; /* reference date of the population cube, 0 = never built */
    bool population_stale; /* persons were added since the population cube was built */
    const char *cube;      /* name of the cube that answered (static) */
};
void vx_stats_result_init(struct vx_stats_result *r);
/* Free the cells; r can be reused after vx_stats_result_init. */
void vx_stats_result_release(struct vx_stats_result *r);

/*
 * Answer `q` (borrowed) from the cubes of `st` (borrowed) into `out` (initialised
 * by the caller, released by the caller also on failure). Persons measures get
 * population denominators for cells whose dimensions the population cube has
 * (not vaccine, dose or week: then population is the whole filtered population).
 * Cumulative cuts by week sum all weeks up to each week (from the first recorded
 * week), then keep the requested range. Nothing is suppressed here.
 * Errors: VX_EINVAL (bad query: more than 2 dimensions, the same one twice, doses by
 * DeSO with other person dimensions...), store errors (st->err says why).
 */
enum vx_status vx_stats_cut(struct vx_store *st, const struct vx_stats_query *q,
                            struct vx_stats_result *out);

/*
 * The same cut computed directly with GROUP BY over the raw persons and doses
 * tables (no cubes): the baseline of bench/stats and the cross-check of the tests.
 * Same contract as vx_stats_cut, but population is left at -1.
 */
enum vx_status vx_stats_cut_direct(struct vx_store *st, const struct vx_stats_query *q,
                                   struct vx_stats_result *out);

/*
 * Apply small-cell suppression (rule above) to `r` in place: sets each cell's supp
 * and total_supp, and r->suppressed. Pure; idempotent.
 */
void vx_stats_suppress(struct vx_stats_result *r);

/* Display text of a cell count under its suppression: "1234", "<5" or "..";
 * buf must hold 24 bytes; returns buf. */
char *vx_stats_count_text(int64_t n, enum vx_stats_supp s, char *buf);

/*
 * Rebuild the population cube from the persons table at reference date `ref`
 * (ages and groups at that date). One transaction; returns how many persons were
 * counted in *persons (may be NULL).
 */
enum vx_status vx_stats_refresh(struct vx_store *st, vx_day ref, int64_t *persons);

/*
 * Recompute every dose and person cube from the raw doses table (after a bulk load
 * with maintenance off, or to repair). One transaction.
 */
enum vx_status vx_stats_rebuild(struct vx_store *st);

/* What one vx_stats_apply() did. */
struct vx_stats_applied {
    int64_t doses;   /* newly recorded doses folded in */
    int64_t changes; /* pending notes (corrections, voids, deletions, person changes) */
    int64_t persons; /* distinct persons recomputed */
    int chunks;      /* transactions used */
    bool more;       /* something is still pending (only when stopped by `max`) */
    bool off;        /* maintenance is off: nothing applied (cubes as at `maintain off`) */
};

#define VX_STATS_APPLY_CHUNK 50000 /* dose ids / notes per transaction in vx_stats_apply */

/*
 * Bring the cubes of `st` (borrowed) up to date: fold the doses recorded since the
 * last apply and the pending corrections, voids and person changes into them
 * (docs/stats.md, "How the cubes stay current"). Works in transactions of at most
 * VX_STATS_APPLY_CHUNK doses and notes each (inside the caller's transaction if it
 * holds one), until nothing is pending or, with max > 0, after about `max` doses
 * and notes. Cheap when nothing is pending (one read). vx_stats_cut, the exports and
 * the Prometheus gauges call it first, so they never answer from stale cubes. *out
 * may be NULL. Errors: store errors (st->err says why); chunks committed before a
 * failure stay applied.
 */
enum vx_status vx_stats_apply(struct vx_store *st, int64_t max, struct vx_stats_applied *out);

/* ---- official series (FoHM) ------------------------------------------------------ */

/* Datasets of the official series: the shared files of ../shared/data/se. */
enum vx_stats_dataset {
    VX_OD_REGION_WEEK = 0, /* fohm_vaccinations_region_week.csv: cumulative per län and week */
    VX_OD_REGION_AGE,      /* fohm_vaccinated_region_age_snapshot.csv */
    VX_OD_KOMMUN_AGE,      /* fohm_vaccinated_municipality_age_snapshot.csv */
    VX_OD_COUNT
};
/* "region_week", "region_age", "kommun_age"; parse VX_EINVAL if unknown. */
const char *vx_stats_dataset_code(enum vx_stats_dataset d);
enum vx_status vx_stats_dataset_parse(const char *s, enum vx_stats_dataset *out);
/* File name of the dataset inside the se/ data folder. */
const char *vx_stats_dataset_file(enum vx_stats_dataset d);

/* One value of an official series (long format). */
struct vx_stats_official {
    enum vx_stats_dataset dataset;
    struct vx_isoweek week; /* the week (region_week) or data_through_week (snapshots) */
    char region[3];         /* "00" = Sverige */
    char kommun[5];         /* "" unless kommun_age */
    char age_group[12];     /* "" for region_week; "18-29", "90+", "total_18+", ... */
    char measure[32];       /* "persons_dose1_cum", "at_least_1_dose", ... */
    int64_t value;          /* persons or doses */
    double share;           /* -1 = not given */
    int64_t population;     /* -1 = not given */
};

/*
 * Parse the CSV text of dataset `ds` (borrowed, `len` bytes, whole file with its
 * header) and call cb(ctx, row) for each value; a non-zero cb return stops with
 * that value. Empty cells (not yet reported) give no row. Errors: VX_EPARSE with
 * line and column in err (wrong header, bad number, bad week, bad code). Pure.
 */
enum vx_status vx_stats_official_parse(enum vx_stats_dataset ds, const char *text, size_t len,
                                       int (*cb)(void *ctx, const struct vx_stats_official *row),
                                       void *ctx, struct vx_err *err);

/*
 * Read the three dataset files from folder `se_dir` (borrowed path, e.g.
 * ../shared/data/se) and replace the stored official series with them, in one
 * transaction (all or nothing). *rows (may be NULL) gets the number of values.
 */
enum vx_status vx_stats_load_official(struct vx_store *st, const char *se_dir, int64_t *rows,
                                      struct vx_err *err);

/* ---- open data -------------------------------------------------------------------- */

/* Layouts of the open-data files: FoHM's column layouts of the shared files. */
enum vx_stats_layout {
    VX_OL_REGION_WEEK = 0, /* iso_week,iso_year,week,lan_code,region,doses_administered_cum,
                              persons_dose1_cum,share_dose1,...,persons_dose5_cum,share_dose5 */
    VX_OL_REGION_AGE,      /* data_through_week,published,lan_code,region,age_group,status,
                              persons,share */
    VX_OL_COUNT
};

/* Options of an export. */
struct vx_stats_export_opts {
    struct vx_isoweek through; /* last week included (year 0 = the latest recorded week) */
    vx_day published;          /* the "published" column of region_age (0 = population ref) */
    bool unsuppressed;         /* only for a region's own staff; open data never sets it */
    char region[3];            /* "" = every region and Sverige ("00") */
};

/*
 * Write the open-data CSV of `layout` into `out` (appended; caller owns it) from the
 * cubes, suppressed unless opts->unsuppressed. The header equals the shared FoHM
 * file's header. Errors: store errors, VX_ENOMEM from the buffer.
 */
enum vx_status vx_stats_export_csv(struct vx_store *st, enum vx_stats_layout layout,
                                   const struct vx_stats_export_opts *opts, struct vx_buf *out);

/*
 * Write both layouts as sheets "region_week" and "region_age" of an XLSX workbook at
 * `path` (borrowed; created or replaced). Same content as the CSVs.
 */
enum vx_status vx_stats_export_xlsx(struct vx_store *st, const struct vx_stats_export_opts *opts,
                                    const char *path, struct vx_err *err);

/*
 * Prometheus text exposition (format 0.0.4) of the headline figures, appended to
 * `out`: vaxchain_stats_doses_total, vaxchain_stats_persons{region,dose="1"|"2"|"3"},
 * vaxchain_stats_persons_full{region}, vaxchain_stats_population{region}. Counts per
 * region are suppressed like open data (a suppressed value is left out).
 */
enum vx_status vx_stats_prometheus(struct vx_store *st, struct vx_buf *out);

#endif
