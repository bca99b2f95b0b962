/*
 * ledger.h — compensation ledger, resources and council coordination between a
 * region and its municipalities (issue 9, items 3-5).
 *
 * Three parts, all pure (no I/O, no clock, no globals) except the renderers:
 *
 * (vx_comp_load_file and vx_ledger_statement_load, which read a file and the store,
 * live apart in src/muni/ledger_store.c.)
 *
 *  1. Compensation. A tariff table (data/compensation.json, parsed by
 *     vx_comp_parse) holds the state's compensation to the regions per dose and
 *     the agreements between each region and its municipalities, each a list of
 *     periods with an amount per dose in öre. A dose's local (Stockholm) date
 *     decides its period. A statement (vx_ledger_statement) turns dose counts per
 *     (municipality, day) into lines per (municipality, period): doses x tariff =
 *     amount, exact int64 öre, plus the recorded adjustments. Doses on days with
 *     no agreement in force are counted as "uncovered" (the 2024 dispute) and
 *     vx_ledger_uncovered lists them per municipality and month.
 *     Renderers write a statement as CSV, PDF (cairo) and XLSX (libxlsxwriter).
 *
 *  2. Resources. Competence codes of staff pools, and the "accordion" rule for a
 *     site's daily capacity: min(staffed stations x throughput per station,
 *     premises capacity, supply for the day) with the binding constraint named.
 *
 *  3. Coordination and sick travel: the status codes and allowed transitions of
 *     council items and sick-travel requests, as tables.
 *
 * Storage of agreements' adjustments, disputes, premises, staff, assignments,
 * sick travel and council items: include/vx/store_ledger.h. HTTP: ledger_http.h
 * (docs/api-ledger.md). Rules: docs/compensation.md, docs/resources.md.
 */
#ifndef VX_LEDGER_H
#define VX_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/buf.h"
#include "vx/date.h"
#include "vx/status.h"

/* ------------------------------------------------------------ tariffs */

#define VX_DAY_OPEN     INT32_MAX /* `to` of a period without an end */
#define VX_COMP_MAX_PER 16        /* periods per agreement or state schedule */
#define VX_COMP_MAX_AGR 64        /* agreements per table */
#define VX_COMP_MAX_KOM 64        /* municipalities named by one agreement */
#define VX_LEDGER_MAX_ORE                                                                          \
    900000000000000LL /* largest amount in öre (9e14: 9 000 000 000 000 kr)                       \
                       */

/* Who pays: the state pays regions, a region pays its municipalities. */
enum vx_payer {
    VX_PAYER_STATE = 0,  /* state -> region, per dose given in the region */
    VX_PAYER_REGION = 1, /* region -> municipality, per dose given by its nurses */
    VX_PAYER_COUNT
};
/* "state", "region"; parse: VX_EINVAL if unknown. */
const char *vx_payer_code(enum vx_payer p);
enum vx_status vx_payer_parse(const char *s, enum vx_payer *out);

/* One tariff period: [from, to] inclusive, local dates. */
struct vx_tariff_period {
    vx_day from, to;      /* to = VX_DAY_OPEN: no end */
    int64_t ore_per_dose; /* >= 0 */
    bool assumed;         /* amount not from a cited source (docs/compensation.md) */
    char source[160];     /* reference of the amount or of the rule */
};

/* An agreement between a region and some or all of its municipalities. Days that
 * no period covers have NO agreement in force (uncovered), which is not the same
 * as a period with tariff 0. */
struct vx_agreement {
    char id[32]; /* "AC-24-2021" */
    char region[3];
    bool all_kommuner; /* "kommuner": "*" */
    int n_kommuner;
    char kommuner[VX_COMP_MAX_KOM][5];
    char name[128];
    char decided[128]; /* who made it, when */
    int n_periods;
    struct vx_tariff_period periods[VX_COMP_MAX_PER]; /* sorted, not overlapping */
};

struct vx_comp_table {
    char currency[4]; /* "SEK" */
    int n_state;
    struct vx_tariff_period state[VX_COMP_MAX_PER]; /* state -> every region */
    int n_agreements;
    struct vx_agreement agreements[VX_COMP_MAX_AGR];
};

/*
 * Parse compensation JSON text[0..len) (borrowed) into *out (caller-owned, about
 * 250 KiB: allocate it). Checks dates, non-negative amounts, periods sorted and not
 * overlapping, region and municipality code lengths, at most one agreement per
 * (region, municipality) with "*" only as a fallback. VX_EPARSE (bad JSON) or
 * VX_EINVAL with `err` naming the field ("agreements[1].periods[0].to").
 */
enum vx_status vx_comp_parse(const char *text, size_t len, struct vx_comp_table *out,
                             struct vx_err *err);

/* The agreement of municipality `kommun` in `region` (an explicit one before a "*"
 * one), or NULL. Borrowed from t. */
const struct vx_agreement *vx_comp_agreement_for(const struct vx_comp_table *t, const char *region,
                                                 const char *kommun);

/*
 * The tariff in force on `day`: for VX_PAYER_STATE the state schedule (kommun
 * ignored), for VX_PAYER_REGION the municipality's agreement. *period (may be
 * NULL) gets the period (borrowed from t). VX_ENOTFOUND when no period is in
 * force (no agreement, or between/after its periods).
 */
enum vx_status vx_comp_tariff(const struct vx_comp_table *t, enum vx_payer payer,
                              const char *region, const char *kommun, vx_day day,
                              const struct vx_tariff_period **period);

/* ------------------------------------------------------------ statements */

/* Input: `doses` valid doses given in municipality `kommun` on local day `day`.
 * The same (kommun, day) may come several times: they add up. */
struct vx_ledger_bucket {
    char kommun[5];
    vx_day day;
    int64_t doses;
};

/* One line: a municipality's doses in one tariff period (clipped to the statement
 * range), or its uncovered doses in one calendar month. */
struct vx_ledger_line {
    char kommun[5];
    char kommun_name[64]; /* filled by the caller (vx_ledger_name_fn), may be "" */
    vx_day from, to;      /* clipped period (covered) or month part (uncovered) */
    bool covered;
    int64_t doses;
    int64_t ore_per_dose; /* 0 when uncovered */
    int64_t amount_ore;   /* doses x ore_per_dose */
    bool assumed;         /* the tariff is an assumed amount */
    char agreement[32];   /* agreement id, "state" or "" (uncovered) */
};

/* A recorded adjustment (credit or debit) to a statement. */
struct vx_ledger_adjust {
    int64_t id;
    char region[3];
    char kommun[5]; /* "" = state statement of the region */
    vx_day period_from, period_to;
    int64_t amount_ore; /* signed */
    char reason[256];
    char decided_by[64];
    vx_time decided_at;
    int64_t dispute_id; /* 0 = none */
};

#define VX_LEDGER_MAX_LINES 2048
#define VX_LEDGER_MAX_ADJ   256

/* A statement: caller-owned; vx_ledger_statement_init / _release. */
struct vx_statement {
    enum vx_payer payer;
    char region[3];
    char region_name[64];
    char kommun[5]; /* "" = every municipality of the region */
    vx_day from, to;
    size_t n_lines, cap_lines;
    struct vx_ledger_line *lines; /* owned; covered lines, then uncovered, each by kommun/date */
    size_t n_adjust;
    struct vx_ledger_adjust adjust[VX_LEDGER_MAX_ADJ];
    int64_t doses_total, doses_covered, doses_uncovered;
    int64_t subtotal_ore; /* sum of the covered lines */
    int64_t adjust_ore;   /* sum of the adjustments */
    int64_t total_ore;    /* subtotal + adjustments */
};

void vx_ledger_statement_init(struct vx_statement *s);
void vx_ledger_statement_release(struct vx_statement *s);

/*
 * Compute statement *s (initialised; previous contents replaced) of `payer` for
 * `region` and `kommun` ("" = all of the region's municipalities; for the state
 * payer every bucket of the region counts, whatever its kommun) over local days
 * [from, to], from buckets b[0..n) (borrowed; buckets outside the range or of
 * another municipality are ignored) and adjustments a[0..na) (borrowed; copied).
 * Covered lines: one per (kommun, tariff period) with doses > 0; uncovered: one per
 * (kommun, calendar month). Exact int64 arithmetic: VX_ERANGE when an amount would
 * pass VX_LEDGER_MAX_ORE; VX_ENOMEM past VX_LEDGER_MAX_LINES lines or
 * VX_LEDGER_MAX_ADJ adjustments; VX_EINVAL for from > to.
 */
enum vx_status vx_ledger_statement(const struct vx_comp_table *t, enum vx_payer payer,
                                   const char *region, const char *kommun, vx_day from, vx_day to,
                                   const struct vx_ledger_bucket *b, size_t n,
                                   const struct vx_ledger_adjust *a, size_t na,
                                   struct vx_statement *s, struct vx_err *err);

/* Name look-up for renderers: copy the name of municipality `kommun` into
 * out[cap] ("" when unknown). */
typedef void (*vx_ledger_name_fn)(void *ctx, const char *kommun, char *out, size_t cap);
/* Fill lines[i].kommun_name of s with fn. */
void vx_ledger_statement_names(struct vx_statement *s, vx_ledger_name_fn fn, void *ctx);

/* "123 456,78" (sv, NBSP-free: a plain space) or "123,456.78" (en) for öre `ore`
 * into out[cap]; returns out. */
char *vx_ledger_format_ore(int64_t ore, const char *lang, char *out, size_t cap);

/* ------------------------------------------------------------ with the store */

struct vx_store;
/*
 * Load the tariff file at `path` into a new table (*out, owned by the caller:
 * free()). VX_EIO when unreadable, else as vx_comp_parse; err names the file.
 */
enum vx_status vx_comp_load_file(const char *path, struct vx_comp_table **out, struct vx_err *err);
/*
 * Compute statement *s (initialised) from store `st` (borrowed): dose buckets of
 * local days [from, to] (municipal nurses' doses for VX_PAYER_REGION, every dose of
 * the region for VX_PAYER_STATE) and the recorded adjustments, with municipality
 * names filled. Not audited: a statement holds no person data. Errors as
 * vx_ledger_statement, or the store's status with err saying what failed.
 */
enum vx_status vx_ledger_statement_load(struct vx_store *st, const struct vx_comp_table *t,
                                        enum vx_payer payer, const char *region, const char *kommun,
                                        vx_day from, vx_day to, struct vx_statement *s,
                                        struct vx_err *err);

/* ------------------------------------------------------------ renderers */

/* Statement as CSV (header row in `lang` "sv"/"en"; amounts as integer öre and
 * kronor with two decimals, '.' decimal separator) appended to out. */
enum vx_status vx_ledger_statement_csv(const struct vx_statement *s, const char *lang,
                                       struct vx_buf *out);
/* Statement/invoice as a PDF (A4, one or more pages) appended to out. `invoice_no`
 * (may be NULL) printed in the heading. VX_EIO/VX_ENOMEM with err on failure. */
enum vx_status vx_ledger_statement_pdf(const struct vx_statement *s, const char *lang,
                                       const char *invoice_no, struct vx_buf *out,
                                       struct vx_err *err);
/* Statement as an XLSX workbook (sheet "Statement"/"Underlag": lines, adjustments,
 * totals as numbers with an öre and a kronor column) appended to out. Written
 * through a temporary file in $TMPDIR (libxlsxwriter writes files). */
enum vx_status vx_ledger_statement_xlsx(const struct vx_statement *s, const char *lang,
                                        struct vx_buf *out, struct vx_err *err);

/* Free cairo's and fontconfig's process-wide caches (at exit of a program that
 * rendered PDFs, so that LeakSanitizer sees only its own memory). No PDF may be
 * rendering at the time. */
void vx_ledger_render_cleanup(void);

/* ------------------------------------------------------------ resources */

enum vx_competence {
    VX_COMP_VACCINATOR = 0, /* may vaccinate (licensed nurse etc.) */
    VX_COMP_REGISTRATION,   /* registration / check-in desk */
    VX_COMP_HOST,           /* host: queue, guidance, after-care watch */
    VX_COMPETENCE_COUNT
};
/* "vaccinator", "registration", "host"; parse: VX_EINVAL if unknown. */
const char *vx_competence_code(enum vx_competence c);
enum vx_status vx_competence_parse(const char *s, enum vx_competence *out);

/* What limited a day's capacity. */
enum vx_cap_limit {
    VX_CAP_STAFF = 0, /* staffed stations x throughput */
    VX_CAP_PREMISES,  /* premises capacity per day */
    VX_CAP_SUPPLY,    /* doses available for the day */
    VX_CAP_LIMIT_COUNT
};
/* "staff", "premises", "supply". */
const char *vx_cap_limit_code(enum vx_cap_limit l);

struct vx_accordion_in {
    int stations;          /* the site's stations */
    int vaccinators;       /* vaccinators assigned for the day (one per station) */
    int open_minutes;      /* opening minutes of the day */
    int minutes_per_dose;  /* per station */
    int premises_capacity; /* doses/day of the premises; < 0 = no premises limit */
    int supply;            /* doses available for the day; < 0 = unknown (no limit) */
};
struct vx_accordion_out {
    int staffed_stations; /* min(stations, vaccinators) */
    int by_staff;         /* staffed_stations x (open_minutes / minutes_per_dose) */
    int capacity;         /* min of the three */
    enum vx_cap_limit limit;
};
/* The accordion rule (docs/resources.md). VX_EINVAL for negative stations,
 * vaccinators or opening minutes, or minutes_per_dose < 1. Ties name the first of
 * staff, premises, supply. */
enum vx_status vx_accordion(const struct vx_accordion_in *in, struct vx_accordion_out *out);

/* ------------------------------------------------------------ status tables */

enum vx_travel_status {
    VX_TRAVEL_REQUESTED = 0, /* asked for, not yet ordered */
    VX_TRAVEL_ORDERED,       /* ordered from the transport operator */
    VX_TRAVEL_DONE,          /* the trip took place */
    VX_TRAVEL_CANCELLED,
    VX_TRAVEL_STATUS_COUNT
};
/* "requested", "ordered", "done", "cancelled"; parse: VX_EINVAL if unknown. */
const char *vx_travel_status_code(enum vx_travel_status s);
enum vx_status vx_travel_status_parse(const char *s, enum vx_travel_status *out);
/* May a request go from `from` to `to`? (requested->ordered|cancelled,
 * ordered->done|cancelled; done and cancelled are final.) */
bool vx_travel_transition_ok(enum vx_travel_status from, enum vx_travel_status to);

enum vx_council_kind {
    VX_COUNCIL_ACTION = 0, /* something someone will do */
    VX_COUNCIL_DECISION,   /* something the council decided */
    VX_COUNCIL_KIND_COUNT
};
/* "action", "decision". */
const char *vx_council_kind_code(enum vx_council_kind k);
enum vx_status vx_council_kind_parse(const char *s, enum vx_council_kind *out);

enum vx_council_status {
    VX_COUNCIL_OPEN = 0,
    VX_COUNCIL_DOING,
    VX_COUNCIL_DONE,
    VX_COUNCIL_STATUS_COUNT
};
/* "open", "doing", "done"; any status may follow any (an item can be reopened). */
const char *vx_council_status_code(enum vx_council_status s);
enum vx_status vx_council_status_parse(const char *s, enum vx_council_status *out);

enum vx_dispute_status {
    VX_DISPUTE_OPEN = 0,
    VX_DISPUTE_ACCEPTED, /* resolved in the claimant's favour (usually with an adjustment) */
    VX_DISPUTE_REJECTED,
    VX_DISPUTE_STATUS_COUNT
};
/* "open", "accepted", "rejected"; only open -> accepted|rejected. */
const char *vx_dispute_status_code(enum vx_dispute_status s);
enum vx_status vx_dispute_status_parse(const char *s, enum vx_dispute_status *out);

enum vx_premises_status {
    VX_PREMISES_OFFERED = 0, /* offered by the municipality */
    VX_PREMISES_ACCEPTED,    /* taken by the region */
    VX_PREMISES_DECLINED,
    VX_PREMISES_STATUS_COUNT
};
/* "offered", "accepted", "declined". */
const char *vx_premises_status_code(enum vx_premises_status s);
enum vx_status vx_premises_status_parse(const char *s, enum vx_premises_status *out);

#endif
