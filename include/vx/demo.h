/*
 * demo.h — the synthetic Swedish demo population and demo vaccination sites.
 *
 * The demo builder reads SCB's population per municipality × age group (2020-12-31)
 * and Socialstyrelsen's care-population figures from the shared data folder, and
 * generates a population whose municipality × age-group counts are SCB × scale
 * (largest-remainder rounding, so region and national totals are within one person
 * of SCB × scale), with sex, single-year age, residence (special housing, home care,
 * home health care, LSS group home), care-staff/household/LSS flags, risk conditions
 * and Swedish names drawn from one seeded PRNG. Sites (health centres,
 * mass-vaccination centres, mobile units) are generated per municipality and region
 * with capacities that follow the scale. Every shared figure and every assumption is
 * listed in docs/demo-data.md.
 *
 * Persons get interim-format numbers (YYYYMMDD, a letter, two digits, a Luhn check
 * digit): the national register only issues digits, so a demo person can never be a
 * real person. The same seed, scale and reference date give byte-identical output.
 *
 * Usage: vx_demo_ref_load() once, then vx_demo_generate() with a sink, or one of the
 * ready sinks vx_demo_to_store() / vx_demo_write_csv(); vx_demo_ref_free() at the end.
 */
#ifndef VX_DEMO_H
#define VX_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "vx/date.h"
#include "vx/person.h"
#include "vx/status.h"
#include "vx/store.h"

#define VX_DEMO_MAX_REGIONS  32
#define VX_DEMO_MAX_KOMMUNER 320
#define VX_DEMO_AGE_GROUPS   9   /* SCB groups 0-17, 18-29, ..., 80-89, 90+ */
#define VX_DEMO_MAX_AGE      105 /* oldest single-year age generated */

/* SCB age groups, index = VX_DEMO_AGE_GROUPS order: "0-17", "18-29", ..., "90+". */
extern const char *const vx_demo_age_group_names[VX_DEMO_AGE_GROUPS];
/* Age group index (0..8) of an age in completed years (negative ages give 0). */
int vx_demo_age_group(int age);

struct vx_demo_region {
    char code[3];        /* "01" */
    char name[64];       /* "Stockholms län" */
    char short_name[32]; /* "Stockholm" */
    int64_t pop;         /* SCB population 2020-12-31 */
};

struct vx_demo_kommun {
    char code[5];  /* "0180" */
    char name[64]; /* "Stockholm" */
    int region;    /* index into vx_demo_ref.regions */
    int64_t pop[VX_DEMO_AGE_GROUPS];
    int64_t total;
};

/* Reference tables; read-only once loaded, may be shared by several generations. */
struct vx_demo_ref {
    int nregions;
    struct vx_demo_region regions[VX_DEMO_MAX_REGIONS]; /* sorted by code */
    int nkommuner;
    struct vx_demo_kommun kommuner[VX_DEMO_MAX_KOMMUNER]; /* sorted by code */
    int64_t total;                                        /* national SCB population */
    /* Socialstyrelsen figures from care_population_parameters.csv (see docs). */
    double care_param[16];
    /* Risk code names by bit (bit i of person.risk = risk_codes[i]; "" = no code).
     * From data/eligibility.json when present, else the documented default order. */
    int nrisk; /* highest bit + 1 */
    char risk_codes[32][32];
    bool risk_from_rules; /* true when the order came from eligibility.json */
};

/*
 * Load regions.csv, municipalities.csv, population_municipality_age.csv and
 * care_population_parameters.csv from `shared_dir`/se (borrowed path), and the risk
 * codes from `data_dir`/eligibility.json when `data_dir` is non-NULL and the file
 * exists. On success *out is owned by the caller (vx_demo_ref_free). Fails with
 * VX_ENOTFOUND/VX_EIO for a missing file and VX_EPARSE (message "file:line: ...") for
 * malformed data.
 */
enum vx_status vx_demo_ref_load(const char *shared_dir, const char *data_dir,
                                struct vx_demo_ref **out, struct vx_err *err);
void vx_demo_ref_free(struct vx_demo_ref *ref);

/* Bit of a risk code in `ref`, or -1 when the rule table has no such code. */
int vx_demo_risk_bit(const struct vx_demo_ref *ref, const char *code);

/*
 * Planned counts per municipality × age group at `scale`: counts[k * 9 + g] for
 * municipality k and age group g (caller-owned array of nkommuner × 9). Largest-
 * remainder rounding: nation = round(total × scale), each region's share of it by
 * largest remainder, then each region's cells by largest remainder; ties go to the
 * lower index. Pure and deterministic.
 */
void vx_demo_plan_counts(const struct vx_demo_ref *ref, double scale, int64_t *counts);

/* Progress: called about every 65,536 persons and once at the end. */
typedef void (*vx_demo_progress_fn)(void *ctx, int64_t done, int64_t total);

struct vx_demo_opts {
    double scale;    /* fraction of SCB population, (0, 2]; 1.0 = 10.4 M */
    uint64_t seed;   /* PRNG seed */
    vx_day ref_date; /* ages are reached at this date (default 2020-12-31) */
    bool sites;      /* also generate sites (default true via vx_demo_opts_default) */
    vx_demo_progress_fn progress;
    void *progress_ctx;
};

/* Defaults: scale 0.01, seed 1, reference date 2020-12-31, sites on, no progress. */
struct vx_demo_opts vx_demo_opts_default(void);

/* Per-region outcome (generated vs SCB × scale). */
struct vx_demo_region_result {
    char code[3];
    char name[64];
    int64_t scb;       /* SCB population */
    double expected;   /* scb × scale */
    int64_t generated; /* persons generated */
    double dev_pct;    /* 100 × (generated − expected) / expected */
    int64_t by_residence[VX_RES_COUNT];
    int64_t age80plus;
    int64_t with_risk;
    int64_t care_staff;
    int64_t sites;
    int64_t capacity_per_day; /* sum over sites on a Monday..Friday day */
};

struct vx_demo_result {
    int nregions;
    struct vx_demo_region_result regions[VX_DEMO_MAX_REGIONS];
    int64_t persons;
    int64_t sites;
    int64_t scb_total;
    double expected; /* scb_total × scale */
    double dev_pct;
    double max_abs_region_dev_pct;
};

/* Where generated rows go. Records are borrowed for the call only. A non-VX_OK
 * return stops the generation and is passed through (with `err` as the callee set). */
struct vx_demo_sink {
    enum vx_status (*person)(void *ctx, const struct vx_person_rec *rec, struct vx_err *err);
    enum vx_status (*site)(void *ctx, const struct vx_site_rec *rec, struct vx_err *err);
    void *ctx;
};

/*
 * Generate the population (municipalities in code order, age groups in order), then
 * the sites, into `sink` (borrowed; either callback may be NULL). Fills `res`
 * (caller-owned, may be NULL). Fails with VX_EINVAL for a bad scale/date and
 * VX_ERANGE when a birth date runs out of interim numbers (500 per sex per day).
 */
enum vx_status vx_demo_generate(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                const struct vx_demo_sink *sink, struct vx_demo_result *res,
                                struct vx_err *err);

/*
 * Generate into a store: checks that `vaxchain init` loaded the municipalities
 * (VX_ENOTFOUND with a message otherwise), then writes every person and site inside
 * one transaction in bulk mode; on any failure everything is rolled back. A store that
 * already holds demo persons fails with VX_EEXIST. `st` is borrowed.
 */
enum vx_status vx_demo_to_store(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                struct vx_store *st, struct vx_demo_result *res,
                                struct vx_err *err);

/*
 * Write the persons as an import CSV (docs/import.md) to `persons_path`, and the sites
 * to `sites_path` when non-NULL (docs/demo-data.md). Files are written to "<path>.tmp"
 * and renamed at the end, so a failure leaves no half-written file.
 */
enum vx_status vx_demo_write_csv(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                 const char *persons_path, const char *sites_path,
                                 struct vx_demo_result *res, struct vx_err *err);

/* Header line (no newline) of the persons CSV written by vx_demo_write_csv. */
extern const char vx_demo_csv_header[];

#endif
