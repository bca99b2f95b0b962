/*
 * plan.h — the supply planner: dose-2 policies and dose-1 quotas, regional -> site split,
 * re-planning with a change list, Monte-Carlo projection and the 2021 replay (src/plan/).
 *
 * Everything here but the last section is pure domain code: no I/O, no clock (weeks and
 * days are parameters),
 * no globals except GLPK's own environment, which src/plan/solve.c guards with one mutex
 * and frees after each solve. Random numbers come from a caller-seeded generator, so every
 * result is deterministic for a seed. Quantities are doses (long long); a "week" index t is
 * a position in a caller's array of ISO weeks.
 *
 * Vocabulary (docs/planning.md):
 *   stock      doses on hand at one stock point (nation, region or site) for one vaccine;
 *   due2[k]    booked dose-2 appointments falling due k weeks from now (k = 0: this week);
 *   supply[k]  deliveries expected k weeks from now (k >= 1), as the policy believes them;
 *   quota      dose-1 appointments the point may give (and book) this week.
 */
#ifndef VX_PLAN_H
#define VX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/date.h"
#include "vx/status.h"

/* ---------------------------------------------------------------- policies */

enum vx_plan_policy {
    VX_PLAN_HOLD_ALL = 0,  /* "lockbox": every dose 1 keeps a dose 2 on the shelf */
    VX_PLAN_HOLD_NONE = 1, /* give everything now; dose 2 from future deliveries */
    VX_PLAN_FORECAST = 2,  /* Shumsky et al. 2021: hold what the discounted forecast
                              cannot cover, i.e. the forecast minus safety stock */
    VX_PLAN_PERFECT = 3,   /* as FORECAST with the true future and no safety stock */
};
#define VX_PLAN_N_POLICIES 4

/* "hold-all", "hold-none", "forecast", "perfect" (static), or "?" */
const char *vx_plan_policy_name(enum vx_plan_policy p);
/* Parse a policy name; VX_EINVAL with a message listing the names. */
enum vx_status vx_plan_policy_parse(const char *s, enum vx_plan_policy *out, struct vx_err *err);

#define VX_PLAN_HORIZON 64 /* weeks a quota decision looks ahead */

/* Input of one week's decision at one stock point for one vaccine (all borrowed). */
struct vx_quota_in {
    long long stock;         /* doses on hand now, including this week's delivery (>= 0) */
    long long capacity;      /* doses the sites can give this week (dose 1 + dose 2), >= 0 */
    long long demand;        /* people still waiting for dose 1, >= 0 */
    const long long *due2;   /* due2[0..horizon): booked dose 2 falling due (due2[0]
                                includes overdue ones); may be NULL = none */
    const long long *supply; /* supply[0..horizon): expected deliveries; supply[0] is
                                ignored (already in stock); may be NULL = none */
    int horizon;             /* 1..VX_PLAN_HORIZON */
    int interval;            /* weeks from dose 1 to its dose 2, 1..horizon-1 */
    double safety;           /* FORECAST: share of expected supply not relied on (0..1) */
};

struct vx_quota_out {
    long long dose2;   /* dose-2 appointments covered this week: min(due2[0], stock, capacity) */
    long long dose1;   /* dose-1 quota this week */
    long long reserve; /* stock set aside at the end of the week for future dose 2 */
};

/*
 * One week's dose-1 quota under `policy`. Dose 2 due now is served first. Then
 *   HOLD_NONE: dose1 = all stock left (capped by capacity and demand);
 *   HOLD_ALL:  every booked or new dose 2 is held physically: 2*dose1 <= stock left
 *              minus every future due2;
 *   FORECAST/PERFECT: the largest dose1 such that for every future week k the stock plus
 *              (1-safety) x expected supply up to k covers the dose 2 due up to k and, from
 *              k >= interval on, the new dose 2 of this dose1 (PERFECT: safety 0).
 * Guarantee: if actual deliveries are never below (1-safety) x the expected figures the
 * policy used, no booked dose 2 is ever left without stock (property-tested).
 * VX_EINVAL on malformed input (message says which field).
 */
enum vx_status vx_plan_quota(enum vx_plan_policy policy, const struct vx_quota_in *in,
                             struct vx_quota_out *out, struct vx_err *err);

/* ---------------------------------------------------------------- site split */

struct vx_site_need {
    int64_t site_id;
    long long capacity; /* doses the site can give in the week, >= 0 */
    long long booked;   /* doses already booked there in the week (dose 1 + dose 2), >= 0 */
    long long doses;    /* out: doses allocated (a multiple of the package) */
};

/*
 * Split a region's `doses` (a multiple of `package`) among n sites in whole packages with
 * GLPK (MIP): booked demand first (a shortfall costs most), then the rest in proportion to
 * spare capacity (capacity - booked); more than a site's capacity only when the region has
 * more than all sites can give. Sum of out doses == doses exactly.
 * VX_EINVAL on bad input; VX_EINTERNAL when the solver fails (message from GLPK's code).
 */
enum vx_status vx_plan_site_split(long long doses, long long package, struct vx_site_need *sites,
                                  size_t n, struct vx_err *err);

/* ---------------------------------------------------------------- bound (LP) */

/*
 * Perfect-information bound for one stock point (a region): the most dose 1 over weeks
 * [0, first) given the actual deliveries supply[v][0..n) of n_vac vaccines, every dose 2
 * exactly interval[v] weeks after its dose 1 and never without stock (a dose 2 falling
 * after week n-1 must be covered by the total), a weekly capacity cap[0..n) shared by the
 * vaccines (NULL = none) and `demand` people. An LP solved with GLPK's simplex (later
 * weeks get a small weight so the plan is complete). *out = the optimum over [0, first).
 * VX_EINVAL bad input, VX_EINTERNAL solver failure.
 */
enum vx_status vx_plan_bound(size_t n_vac, const long long *const *supply, const int *interval,
                             const long long *cap, size_t n, long long demand, size_t first,
                             double *out, struct vx_err *err);

/* ---------------------------------------------------------------- re-planning */

/* One week of a point's booking book (aggregated), input and output of re-planning. */
struct vx_replan_week {
    long long supply;      /* in: doses delivered (new figure) in the week */
    long long open1;       /* in: unbooked (released) dose-1 slot places in the week */
    long long unreleased1; /* in: dose-1 slot places not yet released to booking */
    long long booked1;     /* in: booked dose-1 appointments; out: after the plan */
    long long booked2;     /* in: booked dose-2 appointments (never cancelled) */
    /* out: */
    long long close_unreleased; /* unreleased places to close */
    long long close_open;       /* released but unbooked places to close */
    long long cancel1;          /* booked dose-1 to cancel (moved to `moved_to`) */
    int moved_to;               /* week index the cancelled bookings are proposed in, -1 none */
    long long short2;           /* booked dose 2 the stock cannot cover (0 unless the cut
                                   exceeds everything; then reported, never cancelled) */
};

struct vx_replan_result {
    long long closed_slots; /* places closed (unreleased + open) */
    long long cancelled;    /* booked dose-1 cancelled */
    long long moved;        /* of those, with a new proposal inside the horizon */
    long long uncovered2;   /* booked dose 2 without stock (0 in any feasible plan) */
};

/*
 * Re-plan a point after a delivery change. w[0..n) are consecutive weeks (n <= horizon)
 * starting with the current one; `stock` is on hand before week 0's delivery; `interval`
 * weeks from dose 1 to dose 2. Every booked dose 2 is kept. Walks the weeks keeping the
 * cumulative stock non-negative with every booked dose (and the dose 2 of every booked
 * dose 1) covered: it closes unreleased places first, then released unbooked ones, and
 * cancels booked dose 1 only when that is not enough; each cancelled booking is proposed
 * in the first later week with room. Fills the out fields of w and *res.
 */
enum vx_status vx_plan_replan(long long stock, int interval, struct vx_replan_week *w, size_t n,
                              struct vx_replan_result *res, struct vx_err *err);

/* ---------------------------------------------------------------- random numbers */

/* xoshiro256** seeded with splitmix64; plain data, copyable. */
struct vx_rng {
    uint64_t s[4];
};
void vx_rng_seed(struct vx_rng *r, uint64_t seed);
uint64_t vx_rng_next(struct vx_rng *r);
double vx_rng_uniform(struct vx_rng *r); /* [0, 1) */
double vx_rng_normal(struct vx_rng *r);  /* standard normal (Box-Muller) */

/* ---------------------------------------------------------------- replay / projection */

#define VX_PLAN_MAX_WEEKS    96
#define VX_PLAN_MAX_VACCINES 6
#define VX_PLAN_MAX_REGIONS  32
#define VX_PLAN_GROUPS       3 /* priority groups: 0 = 80+, 1 = 65-79, 2 = 18-64 */

/* One vaccine of a scenario. */
struct vx_plan_vaccine {
    char code[12];
    int interval_weeks;                  /* recommended dose-1 -> dose-2 interval, >= 1 */
    int max_interval_weeks;              /* later than this is "late" (>= interval_weeks) */
    int vial_doses;                      /* doses drawn per vial (package of the regional split) */
    long long actual[VX_PLAN_MAX_WEEKS]; /* national deliveries per week */
    long long forecast[VX_PLAN_MAX_WEEKS]; /* published forecast per week, -1 = none */
    int forecast_lead[VX_PLAN_MAX_WEEKS];  /* weeks before the week it was known (>= 1) */
};

struct vx_plan_region {
    char code[3];
    long long people[VX_PLAN_GROUPS];            /* adults per priority group (already scaled) */
    long long weight_by_week[VX_PLAN_MAX_WEEKS]; /* allocation basis per week (>= 0) */
};

/* A replay or projection scenario (plain data; the CLI and HTTP layers fill it). */
struct vx_plan_scenario {
    struct vx_isoweek week0; /* first week */
    int n_weeks;             /* 1..VX_PLAN_MAX_WEEKS */
    int eval_weeks;          /* weeks of the dose-1 throughput comparison (26) */
    size_t n_vaccines, n_regions;
    struct vx_plan_vaccine vaccines[VX_PLAN_MAX_VACCINES];
    struct vx_plan_region regions[VX_PLAN_MAX_REGIONS];
    double capacity_per_1000; /* doses per week per 1000 adults a region can give */
    double uptake;            /* share of adults who want the vaccine (0..1] */
    double no_show;           /* share of appointments missed and rebooked a week later */
    double yield_factor;      /* doses actually drawn / doses counted (<= 1 is waste) */
    double standby_fill;      /* share of a vial's leftover doses given from standby lists */
    long long site_day_doses; /* doses one site gives on one day (vial rounding), >= 1 */
    double safety;            /* FORECAST policy's safety stock share */
    int run_rate_weeks;       /* FORECAST: weeks without a published forecast are expected
                                 at the minimum of the last run_rate_weeks actual weeks */
};

/* Fill defaults (documented in docs/replay.md) in *s; the caller adds weeks and data. */
void vx_plan_scenario_defaults(struct vx_plan_scenario *s);

struct vx_delivery_log;
struct vx_product;
/*
 * Add vaccine `code` to s (s->week0 and s->n_weeks set): actual[t] = scale x the actual
 * national delivery of week t known in `log` (borrowed; the latest actual revision, 0 when
 * none), forecast[t] = the latest forecast known before the Monday of week t (-1 = none)
 * with its lead in weeks. Interval and vial from the catalogue product `p` (borrowed): the
 * dose-2 rule in force on `on` (recommended days / 7, rounded; max_days / 7 when given, else
 * recommended + late_after weeks), doses per vial usually drawn on `on`.
 * VX_EINVAL when p has no dose-2 rule (single-dose vaccines are not planned here), VX_ENOMEM
 * when the scenario is full.
 */
enum vx_status vx_plan_scenario_add_vaccine(struct vx_plan_scenario *s, const char *code,
                                            const struct vx_delivery_log *log,
                                            const struct vx_product *p, vx_day on, int late_after,
                                            double scale, struct vx_err *err);

/* What a run gives, nationally and per week. */
struct vx_plan_outcome {
    enum vx_plan_policy policy;
    int n_weeks;
    long long dose1[VX_PLAN_MAX_WEEKS];                       /* people, cumulative */
    long long full[VX_PLAN_MAX_WEEKS];                        /* fully vaccinated, cumulative */
    long long dose1_group[VX_PLAN_GROUPS][VX_PLAN_MAX_WEEKS]; /* cumulative per group */
    long long dose1_eval;              /* dose-1 over the first eval_weeks weeks */
    long long dose2_given, dose2_late; /* dose 2 given in total; given (or still owed at the
                                          end) beyond max interval */
    long long dose2_late_owed;         /* of dose2_late: never given by the end */
    long long cancelled;               /* booked dose-1 appointments cancelled */
    long long given, wasted;           /* doses given, doses wasted */
    long long min_stock;               /* lowest stock seen at any point (never negative) */
    long long uncovered2;              /* booked dose 2 found without stock when due */
    double bound_eval;                 /* PERFECT run only: the LP bound over eval_weeks (GLPK) */
};

/* late dose 2 in %, wastage in % of doses used (given + wasted). */
double vx_plan_late_pct(const struct vx_plan_outcome *o);
double vx_plan_waste_pct(const struct vx_plan_outcome *o);

/*
 * Run the scenario (borrowed) once under `policy`: each week, deliveries are allocated to
 * regions in whole vials by the quota method with the week's basis (a basis change starts a
 * new cumulative target, carry kept); each region decides its dose-1 quota a week ahead from
 * what it knows then (forecast, run rate, or with PERFECT the truth), books it, and when the
 * actual delivery arrives re-plans: cancels dose-1 bookings it can no longer cover, serves
 * dose 2 first. People go through the groups oldest first. With PERFECT the LP bound of
 * every region and vaccine is added up into out->bound_eval. Deterministic.
 */
enum vx_status vx_plan_replay(const struct vx_plan_scenario *s, enum vx_plan_policy policy,
                              struct vx_plan_outcome *out, struct vx_err *err);

/* Monte-Carlo projection: P10/P50/P90 of cumulative dose-1 and fully vaccinated per week. */
struct vx_plan_projection {
    int n_weeks, runs;
    double dose1[3][VX_PLAN_MAX_WEEKS]; /* [0] P10, [1] P50, [2] P90 */
    double full[3][VX_PLAN_MAX_WEEKS];
    double group_p50[VX_PLAN_GROUPS][VX_PLAN_MAX_WEEKS]; /* share of group with dose 1 */
    long long group_people[VX_PLAN_GROUPS];
};

/*
 * `runs` (1..1000) replays under `policy` where every week's delivery from week `from` on
 * is drawn as actual x lognormal(0, cv) (cv = coefficient of variation, 0..2), seeded with
 * `seed`: the same seed gives the same bands. out gets the 10th, 50th and 90th percentile.
 */
enum vx_status vx_plan_project(const struct vx_plan_scenario *s, enum vx_plan_policy policy,
                               int from, double cv, int runs, uint64_t seed,
                               struct vx_plan_projection *out, struct vx_err *err);

/*
 * Coverage chart as SVG: the share of `population` with dose 1 (solid) and fully vaccinated
 * (dashed) per week for each outcome runs[0..n_runs) (borrowed), beside an observed series
 * obs_dose1/obs_full[0..s->n_weeks) (shares 0..1, negative = none; either may be NULL),
 * with a title (borrowed, escaped here). Appended to `out` (caller-owned). VX_ENOMEM when
 * the buffer's maximum is reached.
 */
struct vx_buf;
enum vx_status vx_plan_chart_svg(const struct vx_plan_scenario *s,
                                 const struct vx_plan_outcome *const *runs, size_t n_runs,
                                 const double *obs_dose1, const double *obs_full,
                                 long long population, const char *title, struct vx_buf *out);

/* ======================================================== store-backed planning
 *
 * src/plan/plandb.c: the same planner over a database. Unlike everything above these
 * functions do I/O, but only through `struct vx_store` (st->ops and st->ops->plan) and
 * still read no clock (o->now is a parameter). The CLI (`vaxchain plan import|allocate|
 * replan --db`) and the HTTP routes (src/http/routes_plan.c) are thin clients of them.
 * Every write happens inside one transaction: all of it is stored or none (a dry run is
 * the same transaction rolled back, so a preview is exactly what apply would do). The one
 * exception is a sink (struct vx_plan_sink, below): the booking side's writes then follow
 * the commit, each atomic on its own, and the result's `sync` reports them.
 */
struct vx_store;
struct vx_catalog;
struct vx_supply_rec;
struct vx_plan_cancel;
struct vx_plan_db_opts;

/*
 * Where allocate and replan send their writes to the booking side (site supply and
 * cancelled bookings) when something other than the database keeps them: a running
 * server's booking engine holds supply and booking series in memory and must see
 * the change at once (src/http/routes_plan.c passes one that writes through the
 * engine's writer). NULL in the options = write them directly into the store, in
 * the planner's own transaction (the CLI: no engine runs).
 *
 * With a sink the planner's transaction writes only the planner's own rows
 * (deliveries and their revisions, allocations, quotas) and commits; then every
 * site supply that changed goes to supply_set, and after them every cancellation to
 * cancel, one by one. Each call is atomic on its own (one writer transaction per
 * supply row, per booking series); the whole is not: see struct vx_plan_sync.
 */
struct vx_plan_sink {
    /* Set (upsert) one site's supply of a vaccine and week (r borrowed). VX_OK or an
     * error with err set; the planner goes on with the next. */
    enum vx_status (*supply_set)(void *ctx, const struct vx_supply_rec *r, struct vx_err *err);
    /* Cancel the active series holding dose-1 booking c->booking_id (and its dose 2
     * c->pair_id) of person c->person_id, by `o->who` / `o->role` at `o->now` (all
     * borrowed), audited on the person. VX_OK cancelled; VX_ENOTFOUND when that booking
     * is no longer active (the person cancelled or rebooked since: nothing done); any
     * other status is a failure (err says why). */
    enum vx_status (*cancel)(void *ctx, const struct vx_plan_cancel *c,
                             const struct vx_plan_db_opts *o, struct vx_err *err);
    void *ctx; /* borrowed, handed to both */
};

/* What reached the booking side through a sink (all zero without one). */
struct vx_plan_sync {
    bool via_sink;         /* the writes went through o->sink */
    bool complete;         /* every write went through (true without a sink) */
    long long supply_set;  /* site supply rows written */
    long long supply_same; /* unchanged rows, not written */
    long long supply_failed;
    long long cancelled;      /* booking series cancelled */
    long long cancel_skipped; /* no longer active when their turn came */
    long long cancel_failed;
    char error[200]; /* the first failure, "" when none */
};

/* Store every revision of `log` (borrowed, sorted) as national deliveries through
 * st->ops->plan->delivery_put, in the order they became known: revised_at = the `known`
 * day at 00:00 Stockholm time, by `who`,
 * source = the revision's source, reason "import". For a (week, vaccine, kind) already in
 * the store only revisions known after the stored figure's revised_at are applied, so a
 * second import writes nothing and a manual revision is not undone. Vaccines that are not
 * in the catalogue `cat` (e.g. "ALL") are skipped and counted. One transaction.
 * *stored (may be NULL) gets the changes written, *skipped the revisions not stored. */
enum vx_status vx_plan_import_log(struct vx_store *st, const struct vx_catalog *cat,
                                  const struct vx_delivery_log *log, const char *who,
                                  long long *stored, long long *skipped, struct vx_err *err);

/* Options of allocate and replan (plain data; zero = defaults where noted). */
struct vx_plan_db_opts {
    struct vx_isoweek week;
    char vaccine[17];
    char region[3];             /* replan: "" = a national figure changes; else that region's */
    char basis[24];             /* "adult" (default), "age80" or "age:LO-[HI]" of the DB persons */
    enum vx_plan_policy policy; /* dose-2 policy of the quotas (0 = hold-all) */
    double safety;              /* FORECAST safety share; < 0 = 0.30 */
    long long package;          /* doses per regional package; 0 = catalogue (COM tray of 195
                                   vials, else 10 vials) */
    double scale;               /* factor on national figures (demo databases); 0 = auto: the
                                   DB adults / VX_PLAN_SE_ADULTS_2020, at most 1 */
    vx_day ref;                 /* reference day of ages; 0 = the Monday of `week` */
    vx_time now;                /* time written to rows (required) */
    char who[64];               /* user id for revisions and audit rows */
    char role[32];              /* role for audit rows */
    bool dry_run;               /* compute everything, write nothing */
    bool actual;                /* replan: the new figure is an actual (else a forecast) */
    const struct vx_plan_sink *sink; /* booking-side writes; NULL = the store, in the
                                        planner's transaction (borrowed) */
};

/* Fill defaults: basis adult, policy forecast, safety 0.30, scale 0 (auto). */
void vx_plan_db_opts_init(struct vx_plan_db_opts *o);

struct vx_plan_region_alloc {
    char region[3];
    long long weight; /* basis persons */
    double exact;     /* exact cumulative share in packages */
    long long cum_packages;
    long long doses;    /* allocated this week */
    long long capacity; /* slot places of the week at its sites */
    long long booked;   /* bookings of the week at its sites */
    long long stock;    /* doses on hand at the start of the week incl. this allocation */
    long long dose1, dose2, reserve; /* quota under the policy */
    long long sites_sum;             /* sum of the site split (== doses rounded down to vials) */
};

struct vx_plan_site_alloc {
    int64_t site_id;
    char region[3];
    char code[32];
    char name[128];
    long long capacity, booked;
    long long doses;          /* site split (whole vials) */
    long long dose1, reserve; /* the region's quota shared in proportion to doses */
    enum vx_status synced;    /* with a sink: the supply write's outcome (VX_OK also when
                                 unchanged); VX_OK without */
};

struct vx_plan_alloc_result {
    struct vx_isoweek week;
    char vaccine[17];
    long long national;      /* the week's national figure (scaled) */
    double scale;            /* the factor used */
    bool forecast;           /* no actual stored: the latest forecast was allocated */
    long long package, vial; /* doses per regional package and per vial */
    long long carry;         /* doses carried nationally (less than a package) */
    enum vx_plan_policy policy;
    size_t n_regions;
    struct vx_plan_region_alloc regions[VX_PLAN_MAX_REGIONS];
    size_t n_sites;
    struct vx_plan_site_alloc *sites; /* owned: vx_plan_alloc_result_free */
    struct vx_plan_sync sync;         /* supply writes through o->sink */
};

void vx_plan_alloc_result_free(struct vx_plan_alloc_result *r);

/*
 * Allocate o->week's national delivery of o->vaccine: replays the stored national figures
 * (the actual, else the latest forecast) of every week from the first stored one through
 * the whole-package quota method with the regions weighted by the DB persons of the basis,
 * splits each region's doses among its sites (vx_plan_site_split: slot places and bookings
 * of the week) in whole vials and computes dose-1 quotas per region (vx_plan_quota with the
 * stock, capacity, waiting people, booked dose 2 and future figures from the store) and
 * per site. Unless o->dry_run it writes, in one transaction: allocations (regions and
 * sites), site_supply.allocated (delivered kept) and plan_quotas. *out (caller-owned,
 * zeroed here) gets everything. VX_ENOTFOUND when no figure is stored for the week,
 * VX_EINVAL for a bad option (err names it), store errors as they come.
 * With o->sink the transaction holds allocations and quotas only; after its commit each
 * site whose allocation changed goes to sink->supply_set. VX_OK then means the plan is
 * stored; out->sync says whether every supply write went through (a failed one keeps
 * the site's old supply: allocating again repeats exactly the missing writes).
 */
enum vx_status vx_plan_db_allocate(struct vx_store *st, const struct vx_catalog *cat,
                                   const struct vx_plan_db_opts *o,
                                   struct vx_plan_alloc_result *out, struct vx_err *err);

/* One site and week of a re-plan's change list (only weeks with a change). */
struct vx_plan_change {
    int64_t site_id;
    char region[3];
    struct vx_isoweek week;
    long long supply_before, supply_after;
    long long close_unreleased, close_open, cancel1, short2;
    struct vx_isoweek moved_to; /* valid when moved */
    bool moved;
};

/* One cancelled dose-1 booking (and its dose 2) with the week proposed instead. */
struct vx_plan_cancel {
    int64_t booking_id, pair_id;
    int64_t person_id; /* for the audit row and the notice; never printed by the CLI */
    int64_t site_id;
    vx_day day;
    bool proposed;
    struct vx_isoweek proposed_week;
    enum vx_status synced; /* with a sink: VX_OK cancelled, VX_ENOTFOUND skipped (no longer
                              active), else failed; VX_OK without a sink */
};

struct vx_plan_replan_db_result {
    long long doses_before, doses_after; /* the changed figure (-1 = none before) */
    struct vx_replan_result totals;
    size_t n_changes;
    struct vx_plan_change *changes; /* owned */
    size_t n_cancels;
    struct vx_plan_cancel *cancels;    /* owned */
    struct vx_plan_alloc_result alloc; /* the week's allocation after the change */
    struct vx_plan_sync sync;          /* supply (as alloc.sync) and cancellations */
};

void vx_plan_replan_db_result_free(struct vx_plan_replan_db_result *r);

/*
 * Apply a delivery change: o->week x o->vaccine is now `doses` (national unless o->region
 * is set, then that region's allocation; actual or forecast by o->actual). In one
 * transaction: the figure is revised (delivery_put: who, when, old -> new, `reason`),
 * the week is re-allocated (vx_plan_db_allocate: regions, sites, site_supply, quotas),
 * and every site of the affected regions is re-planned (vx_plan_replan over the weeks
 * from o->week: places no longer covered are closed first — site supply is lowered so
 * the booking engine stops releasing them — then booked dose 1 are cancelled, newest
 * first, with their dose-2 booking, each audited as "booking.cancel" on the person).
 * Booked dose 2 are never cancelled. With o->dry_run the transaction is rolled back, so
 * the preview is exactly what applying would do. *out (caller-owned) gets the change list.
 * With o->sink the transaction holds the planner's rows only (revision, allocations,
 * quotas) and commits; then the changed site supply goes to sink->supply_set (first, so
 * the engine stops releasing what the cut no longer covers) and every cancellation to
 * sink->cancel, which cancels through the booking engine (its counters, the person's
 * series and the audit row). VX_OK means the plan is stored; out->sync and each
 * cancel's `synced` say what reached the booking side.
 */
enum vx_status vx_plan_db_replan(struct vx_store *st, const struct vx_catalog *cat,
                                 const struct vx_plan_db_opts *o, long long doses,
                                 const char *reason, struct vx_plan_replan_db_result *out,
                                 struct vx_err *err);

/* Weeks of a re-plan (from o->week) and the quota horizon. */
#define VX_PLAN_DB_WEEKS 12

/* Adults of Sweden (18+, SCB 2020: population_municipality_age.csv), the default
 * denominator when a demo database is scaled (checked by tests/unit/test_plan.c). */
#define VX_PLAN_SE_ADULTS_2020 8189892LL

/*
 * A projection scenario from the store: the stored national figures of COM, MOD and AZ
 * (actual, else forecast) from their first week, scaled by `scale`, the DB persons of
 * `region` ("" = every region, each its own region) in the priority groups at `ref`, and
 * the defaults of vx_plan_scenario_defaults. *s is caller-owned (large: allocate it).
 * VX_ENOTFOUND when nothing is stored.
 */
enum vx_status vx_plan_db_scenario(struct vx_store *st, const struct vx_catalog *cat,
                                   const char *region, vx_day ref, double scale,
                                   struct vx_plan_scenario *s, struct vx_err *err);

#endif
