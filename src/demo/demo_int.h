/*
 * demo_int.h — private parts of the demo builder: the PRNG and the assumption tables.
 *
 * All tables live in tables.c so that docs/demo-data.md has one place to match.
 */
#ifndef VX_DEMO_INT_H
#define VX_DEMO_INT_H

#include <stdint.h>
#include "vx/demo.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 (not cryptographic). ---- */
struct demo_rng {
    uint64_t s[4];
};

uint64_t demo_splitmix64(uint64_t *x);
/* Seed a stream from (seed, stream id): independent streams per municipality. */
void demo_rng_seed(struct demo_rng *r, uint64_t seed, uint64_t stream);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform double in [0, 1). */
double demo_rng_unit(struct demo_rng *r);
/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-32 for our n). */
uint32_t demo_rng_below(struct demo_rng *r, uint32_t n);

/* ---- Care parameters read from care_population_parameters.csv ---- */
enum demo_param {
    DP_SAEBO_65PLUS = 0,     /* persons_65plus_special_housing */
    DP_HOME_CARE_65PLUS,     /* persons_65plus_home_care_ordinary_housing */
    DP_SHARE_80_SAEBO,       /* share_80plus_in_special_housing */
    DP_SHARE_80_HC_OR_SAEBO, /* share_80plus_home_care_or_special_housing */
    DP_HOME_CARE_UNDER65,    /* persons_under65_home_care_ordinary_housing */
    DP_SAEBO_UNDER65,        /* persons_0_64_special_housing */
    DP_LSS_SUPPORT,          /* persons_with_lss_support */
    DP_LSS_HOUSING_ADULTS,   /* persons_lss_housing_adults */
    DP_LSS_PERSONAL_ASSIST,  /* persons_lss_personal_assistance */
    DP_LSS_TOTAL_2021,       /* persons_lss_total_2021 */
    DP_COUNT
};
extern const char *const demo_param_names[DP_COUNT];

/* ---- Profile bands: the age resolution of all share/prevalence tables ---- */
enum { DEMO_BANDS = 7 }; /* 0-17, 18-49, 50-64, 65-69, 70-79, 80-89, 90+ */
int demo_band_of_age(int age);

/* Male share per SCB age group, per mille (approximation of SCB 2020, see docs). */
extern const int demo_male_permille[VX_DEMO_AGE_GROUPS];
/* Relative weight of single ages 90..VX_DEMO_MAX_AGE within the 90+ group. */
double demo_weight_90plus(int age);

/*
 * A measure (a residence type or a flag) whose national count comes from a
 * Socialstyrelsen figure or a documented assumption, spread over ages [age_from,
 * age_to] by relative band weights and over sex by male_share (-1 = sex-neutral).
 */
enum demo_target {
    DT_RES_SAEBO,
    DT_RES_HOME_CARE,
    DT_RES_HOME_HEALTH,
    DT_RES_LSS_HOME,
    DT_FLAG_LSS_ASSIST,
    DT_FLAG_CARE_STAFF,
    DT_FLAG_HEALTH_STAFF,
    DT_TARGET_COUNT
};

/* How a measure's national count is computed (a, b, c: enum demo_param, -1 = 0). */
enum demo_count_kind {
    DC_PARAM,           /* a */
    DC_PARAM_MINUS,     /* a − b */
    DC_SHARE_80,        /* (a − b) × population 80+ */
    DC_PARAM_MINUS_S80, /* a − (b − c) × population 80+ */
    DC_ASSUMED          /* the assumed count */
};

struct demo_measure {
    enum demo_target target;
    enum demo_count_kind kind;
    int a, b, c;    /* enum demo_param or -1 */
    double assumed; /* persons, for DC_ASSUMED */
    int age_from, age_to;
    double weight[DEMO_BANDS];
    double male_share; /* share of the count that is male; -1 = as the population */
    const char *why;   /* short reason, mirrored in docs */
};
extern const struct demo_measure demo_measures[];
extern const int demo_measure_count;

/* Share of household contacts among own-home adults = this × home(-health) care share
 * at the same age (a partner of about the same age). */
extern const double demo_household_factor;

/* Risk prevalence per 100,000 by profile band, by risk code name. */
struct demo_risk {
    const char *code;
    int per100k[DEMO_BANDS];
};
extern const struct demo_risk demo_risks[];
extern const int demo_risk_count;
/* Default bit order when data/eligibility.json is absent. */
extern const char *const demo_default_risk_order[];
extern const int demo_default_risk_count;

/* Names: [sex 0 = male, 1 = female][era 0 = born < 1950, 1 = 1950-1984, 2 = 1985+]. */
enum { DEMO_NAMES_PER_ERA = 24, DEMO_FAMILY_NAMES = 60 };
extern const char *const demo_given_names[2][3][DEMO_NAMES_PER_ERA];
extern const char *const demo_family_names[DEMO_FAMILY_NAMES];
extern const char *const demo_streets[];
extern const int demo_street_count;

/* ---- Sites ---- */
struct demo_site_kind {
    enum vx_site_kind kind;
    const char *tag;          /* code infix: "VC", "MC", "MB" */
    const char *name_prefix;  /* Swedish name */
    int64_t persons_per_site; /* inhabitants served per site at scale 1 */
    int stations;             /* stations at scale 1 for persons_per_site */
    int minutes_per_dose;
    int open_minute, close_minute;
    uint8_t weekdays;
};
extern const struct demo_site_kind demo_site_kinds[3];
/* Municipalities with at least this many inhabitants (scale 1) get mass centres. */
extern const int64_t demo_mass_min_pop;

/* Sites generation (sites.c). */
enum vx_status demo_gen_sites(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                              const struct vx_demo_sink *sink, struct vx_demo_result *res,
                              struct vx_err *err);

#endif
