/*
 * alloc.h — vaccine deliveries with revisions, and national -> regional allocation in
 * whole packages (pure core: no I/O, no clock, no globals).
 *
 * Deliveries: a `struct vx_delivery_log` holds every published figure for an ISO week
 * and vaccine as a revision (forecast or actual, the date it became known, its source).
 * Nothing is overwritten: "what was known about week W at date D" is the latest revision
 * known on or before D. Parsers read FoHM's snapshot file (deliveries_se_week.csv) and the
 * reconstructed weekly series (deliveries_se_week_reconstructed.csv) from memory.
 *
 * Allocation: `struct vx_alloc` shares a national weekly supply among regions pro rata to
 * integer weights (population of the basis), in whole packages. Each week the cumulative
 * supply is rounded down to whole packages (the rest is carried nationally) and the new
 * packages are handed out one at a time by the Balinski-Young quota method (Jefferson
 * priority restricted to regions below their upper quota). This keeps every region's
 * CUMULATIVE allocation within one package of its exact cumulative share
 * floor(h*w/W) <= A <= ceil(h*w/W), and weekly allocations are never negative.
 */
#ifndef VX_ALLOC_H
#define VX_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include "vx/date.h"
#include "vx/status.h"

enum vx_delivery_kind { VX_DELIVERY_FORECAST = 0, VX_DELIVERY_ACTUAL = 1 };

struct vx_delivery_rev {
    struct vx_isoweek week;
    char vaccine[12]; /* COM, MOD, AZ, JANSS, NVX, COM_PAED */
    enum vx_delivery_kind kind;
    vx_day known;    /* revision date: when the figure was published */
    long long doses; /* >= 0 */
    char source[24]; /* snapshot id ("S1".."S6") or "R:observed" / "R:interpolated" */
};

/* Growable list of revisions. Zero-initialise; release with vx_delivery_log_free. */
struct vx_delivery_log {
    struct vx_delivery_rev *revs; /* owned */
    size_t n, cap;
};

void vx_delivery_log_free(struct vx_delivery_log *log);

/*
 * Parse FoHM's snapshot file (header snapshot,as_of,source_url,lan_code,region,vaccine,
 * week_from,week_to,status,doses) from text[0..len) (borrowed) and append national
 * (lan_code 00) single-week rows: delivered -> actual, planned/estimated/prognosis ->
 * forecast. Ranges, county rows, distributed_to_region and final totals are validated but
 * not kept. A snapshot with only "ALL" national rows (S1, before other vaccines arrived)
 * is attributed to COM. Revision date: the as_of date, or the Sunday of an as_of week.
 * Errors (VX_EPARSE) name the line and column: bad week, negative doses, unknown vaccine or
 * status. On error the log keeps what it had before the call.
 */
enum vx_status vx_delivery_parse_snapshots(struct vx_delivery_log *log, const char *text,
                                           size_t len, struct vx_err *err);

/*
 * Parse the reconstructed series (iso_week,vaccine,doses,method,forecast_doses): doses
 * become an actual known on the Sunday of the week; forecast_doses becomes a forecast known
 * on the Monday of the week before, unless the log already has a forecast for that week and
 * vaccine (parse the snapshots first). Same validation and error rules as above.
 */
enum vx_status vx_delivery_parse_reconstructed(struct vx_delivery_log *log, const char *text,
                                               size_t len, struct vx_err *err);

/* Sort by (week, vaccine, known, kind, source): each week x vaccine's revisions in order. */
void vx_delivery_log_sort(struct vx_delivery_log *log);

/*
 * What was known about `week` x `vaccine` on day `as_of`: the revision with the latest
 * `known` <= as_of (an actual wins over a forecast known the same day; then the later one in
 * the log). Returns VX_OK with *out (borrowed from the log), or VX_ENOTFOUND.
 */
enum vx_status vx_delivery_known(const struct vx_delivery_log *log, struct vx_isoweek week,
                                 const char *vaccine, vx_day as_of,
                                 const struct vx_delivery_rev **out);

/* True for a vaccine code the delivery files may use (incl. "ALL"). */
bool vx_delivery_vaccine_known(const char *code);

/* Compare ISO weeks: <0, 0, >0. */
int vx_isoweek_cmp(struct vx_isoweek a, struct vx_isoweek b);

/*
 * Allocation basis: "adult" (18+), "age:LO-" or "age:LO-HI" (inclusive years).
 * Sets *lo, *hi (hi = 200 for open). VX_EINVAL with a message when malformed.
 */
enum vx_status vx_alloc_basis_parse(const char *spec, int *lo, int *hi, struct vx_err *err);

/*
 * Sum SCB population (population_municipality_age.csv: kommun_code,year,age_group,sex,
 * population) for `year` and ages lo..hi into by_lan[0..100) (indexed by the county code,
 * the kommun code's first two digits; caller-owned, zeroed here). Age bands that straddle
 * lo or hi count pro rata to the years inside (uniform within the band; "90+" is 90-104).
 * VX_EPARSE with line and column on malformed rows; VX_ENOTFOUND when no row has `year`.
 */
enum vx_status vx_population_by_lan(const char *text, size_t len, int year, int lo, int hi,
                                    long long by_lan[100], struct vx_err *err);

#define VX_ALLOC_MAX_REGIONS 64

/* Allocation state for one vaccine; plain data, copyable. */
struct vx_alloc {
    size_t n;                               /* regions */
    long long weight[VX_ALLOC_MAX_REGIONS]; /* basis per region, >= 0 */
    long long total_weight;                 /* > 0, <= 1e9 */
    long long package;                      /* doses per package, >= 1 */
    long long cum_supply;                   /* doses delivered so far */
    long long cum_packages;                 /* packages handed out so far (h) */
    long long cum[VX_ALLOC_MAX_REGIONS];    /* packages per region so far (A_r) */
};

/* Start an allocation: weights copied. VX_EINVAL when n is 0 or too large, a weight is
 * negative, the total is 0 or above 1e9, or package < 1. */
enum vx_status vx_alloc_init(struct vx_alloc *a, size_t n, const long long *weight,
                             long long package, struct vx_err *err);

/*
 * Add a week's national delivery (doses >= 0) and hand out the new whole packages.
 * week_packages[0..n) (caller-owned, may be NULL) receives this week's packages per region.
 * Afterwards sum(cum) == cum_packages == floor(cum_supply / package) and every region is
 * within its quota; VX_EINTERNAL if that ever failed (a bug), VX_ERANGE on overflow limits.
 */
enum vx_status vx_alloc_week(struct vx_alloc *a, long long doses, long long *week_packages,
                             struct vx_err *err);

/*
 * Change the basis (e.g. from population 70+ to the population in the next active phase):
 * weights copied (same rules as vx_alloc_init), the cumulative target restarts from here, so
 * the one-package guarantee holds within each basis period; the national carry (doses short
 * of a package) is kept. On error *a is unchanged.
 */
enum vx_status vx_alloc_rebase(struct vx_alloc *a, const long long *weight, struct vx_err *err);

/* Exact cumulative share of region r in packages: cum_packages * w_r / W. */
double vx_alloc_exact(const struct vx_alloc *a, size_t r);

/* Doses carried nationally (delivered but not yet a whole package). */
long long vx_alloc_carry(const struct vx_alloc *a);

/* True when every region satisfies floor(h*w/W) <= A_r <= ceil(h*w/W), i.e. its cumulative
 * allocation is strictly within one package of exact, and sum(A) == h. */
bool vx_alloc_within_quota(const struct vx_alloc *a);

#endif
