/*
 * report.h — the regions' monthly traffic-light (green/yellow/red) report, the colours
 * vaxchain suggests from data, and the national compilation in SKR's style.
 *
 * Each month every region's coordinator files one report: a colour and a reason for
 * the overall work, the readiness for the next phase and seven areas (premises, staff,
 * booking, supply & logistics, IT & register, communication, municipal cooperation).
 * A later filing for the same region and month supersedes the earlier one, which is
 * kept with who filed it and when (store_report.h). The national compilation counts
 * the colours per area ("19 regions green, 2 yellow") and groups identical or similar
 * reasons with the regions that gave them; it renders as HTML, PDF (cairo, with bar
 * charts) and XLSX (libxlsxwriter, one sheet per area plus a chart).
 *
 * Suggestions are a pure function of a struct of indicators (no I/O, no clock): one
 * row of a rule table per condition (area, colour, indicator, comparison, threshold),
 * each the single source for the check, its explanation and docs/report.md. An
 * indicator the data cannot give is "unknown" and its rules do not fire.
 *
 * Months are integers YYYYMM (202103 = March 2021) everywhere.
 */
#ifndef VX_REPORT_H
#define VX_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "vx/buf.h"
#include "vx/date.h"
#include "vx/status.h"

/* ------------------------------------------------------------------ colours, areas */

enum vx_tl_color {
    VX_TL_UNKNOWN = 0, /* not assessed / no data */
    VX_TL_GREEN = 1,
    VX_TL_YELLOW = 2,
    VX_TL_RED = 3,
    VX_TL_COLOR_COUNT
};

/* "unknown", "green", "yellow", "red"; parse: VX_EINVAL when unknown text. */
const char *vx_tl_color_code(enum vx_tl_color c);
/* "–"/"grön"/"gul"/"röd" or "–"/"green"/"yellow"/"red" (lang "en" = English). */
const char *vx_tl_color_name(enum vx_tl_color c, const char *lang);
enum vx_status vx_tl_color_parse(const char *s, enum vx_tl_color *out);

enum vx_tl_area {
    VX_TL_OVERALL = 0,   /* övergripande bedömning */
    VX_TL_READINESS,     /* readiness for the next phase */
    VX_TL_PREMISES,      /* lokaler */
    VX_TL_STAFF,         /* bemanning */
    VX_TL_BOOKING,       /* bokning */
    VX_TL_SUPPLY,        /* supply & logistics */
    VX_TL_IT,            /* IT & register */
    VX_TL_COMMUNICATION, /* kommunikation */
    VX_TL_MUNICIPAL,     /* samverkan med kommunerna */
    VX_TL_AREA_COUNT
};

/* One row of the area table (static storage). */
struct vx_tl_area_info {
    enum vx_tl_area area;
    const char *code;    /* "supply_logistics": JSON keys, CLI options, XLSX sheets */
    const char *name_sv; /* "Leveranser och logistik" */
    const char *name_en; /* "Supply and logistics" */
};
/* The row of `a`, or NULL when out of range. */
const struct vx_tl_area_info *vx_tl_area_info(enum vx_tl_area a);
/* Area by code; VX_EINVAL when unknown. */
enum vx_status vx_tl_area_parse(const char *code, enum vx_tl_area *out);

/* Months: YYYYMM. Parse "2021-03" (VX_EINVAL otherwise); format into buf[8] → "2021-03". */
enum vx_status vx_tl_month_parse(const char *s, int *out);
char *vx_tl_month_format(int month, char buf[8]);
/* First and last day of a month; the month containing `d`. */
vx_day vx_tl_month_first(int month);
vx_day vx_tl_month_last(int month);
int vx_tl_month_of(vx_day d);

/* ------------------------------------------------------------------ a filed report */

#define VX_TL_REASON_MAX 512 /* bytes of one reason incl. NUL */

struct vx_tl_entry {
    enum vx_tl_color color;
    char reason[VX_TL_REASON_MAX]; /* free text, UTF-8; may be "" for green */
};

struct vx_tl_report {
    int64_t id;     /* 0 on insert: assigned by the store */
    char region[3]; /* "01" */
    int month;      /* YYYYMM */
    struct vx_tl_entry area[VX_TL_AREA_COUNT];
    char filed_by[64]; /* user id of the coordinator */
    vx_time filed_at;
    /* read-only (set when a later filing of the same region and month arrives): */
    int64_t superseded_by; /* 0 = the current report */
    vx_time superseded_at;
};

/*
 * Check a report before it is stored: region 2 digits, a valid month, every colour
 * in range, overall and readiness assessed (not unknown), a reason for every yellow
 * or red, every reason valid UTF-8 without control characters. Returns VX_OK or
 * VX_EINVAL with err->msg naming the area ("supply_logistics: a yellow needs a
 * reason"). `field` (may be NULL) gets the offending area's code or "region"/"month".
 */
enum vx_status vx_tl_report_check(const struct vx_tl_report *r, const char **field,
                                  struct vx_err *err);

/* ------------------------------------------------------------------ suggestions */

/* Indicators the rules look at. Each is known or not (vx_tl_indicators.known). */
enum vx_tl_ind {
    VX_TLI_PHASE_DELAY_DAYS = 0,  /* projected finish of the current phase − target (days) */
    VX_TLI_STOCK_DAYS,            /* doses in stock / doses given per day (last 7 days) */
    VX_TLI_WASTAGE_PCT,           /* wasted / (given + wasted) this month, % */
    VX_TLI_DELIVERY_USE_PCT,      /* doses given / doses delivered this month, % */
    VX_TLI_BOOKED_PCT,            /* booked / released slot capacity, month's slots, % */
    VX_TLI_CANCEL_PCT,            /* cancelled / bookings made this month, % */
    VX_TLI_CAPACITY_USE_PCT,      /* doses given per open site-day / site capacity, % */
    VX_TLI_REGISTER_BACKLOG_DAYS, /* age of the oldest dose not yet sent to the register */
    VX_TLI_MUNI_LISTS_PCT,        /* municipalities that shared their resident lists, % */
    VX_TLI_COUNT
};

/* One row of the indicator table (static storage). */
struct vx_tl_ind_info {
    enum vx_tl_ind ind;
    const char *code; /* "stock_days" */
    const char *unit; /* "days", "%" */
    const char *name_sv, *name_en;
};
const struct vx_tl_ind_info *vx_tl_ind_info(enum vx_tl_ind i);

#define VX_TL_BASIS_MAX 160

/* The inputs of the rules for one region and month. Plain data; zero = all unknown. */
struct vx_tl_indicators {
    char region[3];
    int month;
    vx_day asof; /* the day the figures describe */
    bool known[VX_TLI_COUNT];
    double value[VX_TLI_COUNT];
    /* how each value was obtained, e.g. "1 234 doses in stock / 411 a day (last 7 days)";
     * English, shown after the rule's text */
    char basis[VX_TLI_COUNT][VX_TL_BASIS_MAX];
    /* the same in Swedish ("" = none: the Swedish text then shows only the numbers) */
    char basis_sv[VX_TLI_COUNT][VX_TL_BASIS_MAX];
    /* why an unknown indicator is unknown ("" = no data), sv and en; shown in the text of
     * an area that stays unknown, e.g. "NVR has never been exported to" */
    char note_sv[VX_TLI_COUNT][VX_TL_BASIS_MAX];
    char note_en[VX_TLI_COUNT][VX_TL_BASIS_MAX];
};

/* Set indicator i to v with a printf-style basis text (may be NULL). */
void vx_tl_ind_set(struct vx_tl_indicators *in, enum vx_tl_ind i, double v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Set the Swedish basis of indicator i (printf-style; call after vx_tl_ind_set, which
 * clears it). */
void vx_tl_ind_basis_sv(struct vx_tl_indicators *in, enum vx_tl_ind i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Mark indicator i unknown with the reason why in Swedish and English (borrowed, copied;
 * either may be NULL). */
void vx_tl_ind_note(struct vx_tl_indicators *in, enum vx_tl_ind i, const char *sv, const char *en);

enum vx_tl_cmp { VX_TL_LT = 0, VX_TL_LE, VX_TL_GT, VX_TL_GE };

/* One rule: `area` gets at least `color` when value(ind) <cmp> threshold. */
struct vx_tl_rule {
    const char *id; /* "supply.stock_days.yellow" */
    enum vx_tl_area area;
    enum vx_tl_color color;
    enum vx_tl_ind ind;
    enum vx_tl_cmp cmp;
    double threshold;
    const char *text_sv, *text_en; /* what it means, e.g. "lagret räcker färre än 3 dagar" */
};

/* The rule table (static storage) and its length. */
const struct vx_tl_rule *vx_tl_rules(int *n);
/* "<", "≤", ">", "≥" (UTF-8). */
const char *vx_tl_cmp_text(enum vx_tl_cmp c);

#define VX_TL_SUGGEST_TEXT_MAX 768
#define VX_TL_SUGGEST_RULES    8

/* The suggested colour of one area and why. */
struct vx_tl_suggestion {
    enum vx_tl_color color; /* VX_TL_UNKNOWN: no indicator of the area is known */
    int n_rules;            /* rules that fired (most VX_TL_SUGGEST_RULES) */
    const struct vx_tl_rule *rules[VX_TL_SUGGEST_RULES]; /* borrowed from the table */
    char text_sv[VX_TL_SUGGEST_TEXT_MAX]; /* "Gul: lagret räcker färre än 3 dagar (2,4 < 3; ...)" */
    char text_en[VX_TL_SUGGEST_TEXT_MAX];
};

/*
 * Suggest a colour per area from `in` (borrowed): every rule whose indicator is known
 * and whose comparison holds fires; an area takes the worst colour of its fired
 * rules, green when none fires but one of its indicators is known, unknown
 * otherwise. Overall takes the worst colour of all other areas (rule "overall.worst").
 * The texts name each fired rule with the value and threshold, then the basis. Pure.
 */
void vx_tl_suggest(const struct vx_tl_indicators *in,
                   struct vx_tl_suggestion out[VX_TL_AREA_COUNT]);

/* ------------------------------------------------------------------ phase delay */

/*
 * Phase targets (data/phase_targets.json, docs/report.md "Phase delay"): for each FoHM
 * priority phase 1..4 the share of the phase's population (the statistics' priority
 * group, stats.h VX_SD_GROUP) that should have at least one dose, and by when.
 */
#define VX_TL_PHASES     4
#define VX_TL_PACE_WEEKS 3 /* complete ISO weeks whose mean dose-1 pace is extrapolated */

struct vx_tl_phase_target {
    int phase;    /* 1..4 */
    double share; /* (0, 1]: persons of the phase with >= 1 dose / persons of the phase */
    vx_day date;  /* the day by which `share` should be reached */
    bool assumed; /* vaxchain's reading of the plans, not a target stated in a document */
};

struct vx_tl_phase_targets {
    struct vx_tl_phase_target phase[VX_TL_PHASES]; /* [p - 1] = phase p, every one present */
};

/*
 * Parse the phase target file's text `text[0..len)` (borrowed) into *out:
 * {"version": 1, "phases": [{"phase": 1, "share": 0.8, "date": "2021-02-28",
 *   "assumed": true, ...}, ...]} with phases 1..4 each exactly once, share in (0, 1],
 * dates not decreasing with the phase. Other members (labels, sources) are ignored.
 * VX_EINVAL with err naming the item ("phases[2].share: ..."). Pure.
 */
enum vx_status vx_tl_phase_targets_parse(const char *text, size_t len,
                                         struct vx_tl_phase_targets *out, struct vx_err *err);
/* Read and parse the file at `path` (borrowed). VX_EIO when it cannot be read (err says
 * which file), else as vx_tl_phase_targets_parse. */
enum vx_status vx_tl_phase_targets_load(const char *path, struct vx_tl_phase_targets *out,
                                        struct vx_err *err);

/* The figures of one region that the phase delay needs (plain data, filled by
 * vx_tl_gather from the statistics cubes, or by a test). Index p - 1 = phase p. */
struct vx_tl_phase_input {
    vx_day week_end; /* Sunday of the last complete ISO week on or before the day asked
                        about: every count below runs through it */
    int64_t population[VX_TL_PHASES]; /* persons of the phase in the region */
    int64_t dose1[VX_TL_PHASES];      /* of those, persons with >= 1 dose */
    /* persons of the phase who got their first dose in each of the VX_TL_PACE_WEEKS
     * weeks ending week_end, oldest first */
    int64_t week_dose1[VX_TL_PHASES][VX_TL_PACE_WEEKS];
    /* the planner's P50 day on which the phase reaches its target share, when a region
     * projection by phase is available; 0 = none (then the pace is extrapolated) */
    vx_day plan_finish[VX_TL_PHASES];
};

enum vx_tl_phase_method {
    VX_TL_PHASE_UNKNOWN = 0, /* no population, or no pace: delay unknown */
    VX_TL_PHASE_ALL_MET,     /* every phase reached its target share: delay 0 */
    VX_TL_PHASE_PACE,        /* extrapolated from the last weeks' pace */
    VX_TL_PHASE_PLAN         /* the planner's P50 */
};

struct vx_tl_phase_result {
    bool known;
    enum vx_tl_phase_method method;
    int phase;           /* the current phase: lowest whose target is not met (0 = none) */
    double share;        /* its share with >= 1 dose (0..1) */
    double target_share; /* its target */
    vx_day target;       /* its target date */
    int64_t remaining;   /* persons still to vaccinate to reach the target share */
    double pace;         /* dose-1 persons a week (mean of the pace weeks) */
    vx_day finish;       /* projected day the target share is reached */
    int delay_days;      /* finish - target; negative = ahead of the target */
    char basis_en[VX_TL_BASIS_MAX]; /* the numbers, e.g. "phase 2: 41.3 % of 12345 ..." */
    char basis_sv[VX_TL_BASIS_MAX];
};

/*
 * The region's delay against its current phase's target (docs/report.md "Phase delay"):
 * the current phase is the lowest phase with persons whose share with >= 1 dose is below
 * its target share. Its projected finish is the planner's P50 day when given, else
 * week_end + remaining / pace weeks (pace = mean of the pace weeks, rounded up to whole
 * days); delay = finish - target date. Unknown (with the reason in the basis texts) when
 * no phase has persons or the current phase had no first dose in the pace weeks. Every
 * target met: known, delay 0. `t`, `in` borrowed; *out overwritten. Pure.
 */
void vx_tl_phase_delay(const struct vx_tl_phase_targets *t, const struct vx_tl_phase_input *in,
                       struct vx_tl_phase_result *out);

/* Put a phase result into indicator VX_TLI_PHASE_DELAY_DAYS of `ind` (value and basis
 * texts when known, the reason as a note otherwise). */
void vx_tl_phase_to_indicator(const struct vx_tl_phase_result *r, struct vx_tl_indicators *ind);

/* ------------------------------------------------------------------ national compilation */

#define VX_TL_MAX_REGIONS 32

/* Regions that gave (nearly) the same reason with the same colour in one area. */
struct vx_tl_group {
    enum vx_tl_color color;
    char reason[VX_TL_REASON_MAX]; /* the first region's wording ("" = none given) */
    int n;                         /* regions in the group */
    char regions[VX_TL_MAX_REGIONS][3];
};

/* A region as the compilation shows it. */
struct vx_tl_region_line {
    char code[3];
    char name[64];
    bool filed;
    enum vx_tl_color color[VX_TL_AREA_COUNT];        /* unknown when not filed */
    char reason[VX_TL_AREA_COUNT][VX_TL_REASON_MAX]; /* the region's own words */
    /* coverage for the chart (filled by the caller; <0 = not known) */
    double dose1_pct, dose2_pct;
};

struct vx_tl_compilation {
    int month;
    int n_regions; /* regions listed (all known regions) */
    int n_filed;   /* of those, how many filed a report for the month */
    struct vx_tl_region_line region[VX_TL_MAX_REGIONS]; /* sorted by code */
    int count[VX_TL_AREA_COUNT][VX_TL_COLOR_COUNT];     /* [area][colour]; unknown = not filed */
    int n_groups[VX_TL_AREA_COUNT];
    struct vx_tl_group group[VX_TL_AREA_COUNT][VX_TL_MAX_REGIONS]; /* worst colour first */
};

/*
 * Compile the national picture of `month` from the current reports `r[0..n)`
 * (borrowed; others' months are ignored; at most one per region is expected — a
 * second one for a region is VX_EINVAL) and the regions `codes[0..n_regions)` /
 * `names` (borrowed, names may be NULL). *out (caller-owned, about 350 KB: allocate
 * it) is overwritten. Reasons are grouped per area and colour when they are equal
 * after normalising (case, punctuation, white space) or share at least 60 % of their
 * words (Jaccard over words of 3+ letters). Returns VX_OK, VX_EINVAL (bad month,
 * too many regions, a report of an unlisted region) with `err`. Pure.
 */
enum vx_status vx_tl_compile(int month, const struct vx_tl_report *r, int n, const char (*codes)[3],
                             const char *const *names, int n_regions, struct vx_tl_compilation *out,
                             struct vx_err *err);

/* True when the two reasons would be grouped (the rule above). Exposed for tests. */
bool vx_tl_reason_similar(const char *a, const char *b);

/*
 * One-sentence summary of an area in SKR's words into `out`, e.g.
 * "19 regioner grön, 2 gul, 0 röd; 0 har inte rapporterat." (lang "sv"/"en").
 */
enum vx_status vx_tl_area_sentence(const struct vx_tl_compilation *c, enum vx_tl_area a,
                                   const char *lang, struct vx_buf *out);

/* ------------------------------------------------------------------ renderers */

enum vx_tl_format { VX_TL_FMT_HTML = 0, VX_TL_FMT_PDF, VX_TL_FMT_XLSX, VX_TL_FMT_COUNT };
/* "html", "pdf", "xlsx"; parse VX_EINVAL otherwise. Content type of a format. */
const char *vx_tl_format_code(enum vx_tl_format f);
enum vx_status vx_tl_format_parse(const char *s, enum vx_tl_format *out);
const char *vx_tl_format_mime(enum vx_tl_format f);

/*
 * Render the compilation `c` (borrowed) in `lang` ("sv" or "en") and format `f`,
 * appending the bytes to `out` (caller-owned, initialised; its max bounds the size).
 * HTML: one self-contained page (inline CSS, inline SVG bar chart). PDF: A4 pages
 * (cairo) — summary table and colour chart per area, coverage chart per region, one
 * section per area with the grouped reasons. XLSX: a summary sheet with a stacked
 * bar chart (workbook_add_chart), one sheet per area (region, colour, reason) and a
 * sheet of the grouped reasons; written through a temporary file under `tmpdir`
 * (NULL = $TMPDIR or /tmp) that is removed again. Returns VX_OK, VX_ENOMEM (the
 * buffer's max), VX_EIO (cairo / libxlsxwriter / temporary file) with `err`.
 */
enum vx_status vx_tl_render(const struct vx_tl_compilation *c, enum vx_tl_format f,
                            const char *lang, const char *tmpdir, struct vx_buf *out,
                            struct vx_err *err);

/* ------------------------------------------------------------------ JSON (HTTP API, CLI --json) */

/*
 * {"id", "region", "month": "2021-03", "filed_by", "filed_at": RFC 3339,
 *  "superseded_by": id|null, "superseded_at": RFC 3339|null,
 *  "areas": {"overall": {"color": "green", "reason": "..."}, ...}}. Owned by the caller;
 * NULL when out of memory.
 */
cJSON *vx_tl_report_json(const struct vx_tl_report *r);
/*
 * Read {"month": "2021-03", "areas": {"<area code>": {"color": "...", "reason": "..."}}}
 * (`o` borrowed) into *r (zeroed first; region, filed_by left empty for the caller).
 * Areas left out stay unknown. VX_EINVAL with *field ("month", "areas.<code>.color",
 * "areas.<unknown>") and err. Does not run vx_tl_report_check.
 */
enum vx_status vx_tl_report_from_json(const cJSON *o, struct vx_tl_report *r, const char **field,
                                      struct vx_err *err);
/* {"region", "month", "asof", "indicators": [{"code", "unit", "name": {sv, en}, "known",
 *  "value", "basis", "basis_sv", "note"?: {sv, en} (why an unknown one is unknown)}],
 *  "suggestions": {"<area>": {"color", "rules": [ids], "text": {"sv", "en"}}}}. */
cJSON *vx_tl_suggest_json(const struct vx_tl_indicators *in,
                          const struct vx_tl_suggestion s[VX_TL_AREA_COUNT]);
/* {"month", "regions_total", "regions_filed", "areas": [{"area", "name": {sv, en},
 *  "counts": {green, yellow, red, unknown}, "sentence": {sv, en}, "groups": [{"color",
 *  "reason", "regions": [codes]}]}], "regions": [{"code", "name", "filed", "colors":
 *  {"<area>": colour}, "dose1_pct", "dose2_pct"}]}. */
cJSON *vx_tl_compilation_json(const struct vx_tl_compilation *c);

/* ------------------------------------------------------------------ data gathering */

struct vx_store;

/* Stock figures of a region from the care module (vx_care_region_stock in care.h),
 * handed in by the caller so that this module does not link the care module. */
struct vx_tl_stock {
    int64_t on_hand;      /* doses in stock at the region's sites */
    double given_per_day; /* valid doses a day, last 7 days */
    int64_t wasted_28d;   /* doses wasted, last 28 days */
    int64_t drawn_28d;    /* doses drawn from vials, last 28 days */
};

/*
 * Fill `in` for `region` and `month` as of day `asof` (cut to the month's last day)
 * from the store: doses, bookings, slots, sites, site supply, municipal resident
 * lists, `stock` (borrowed, may be NULL: then stock days are estimated from
 * site_supply and wastage stays unknown), the phase delay from the statistics cubes
 * against `targets` (borrowed, may be NULL: then the phase delay stays unknown) and the
 * register backlog from the register-export outbox (NVR). See docs/report.md "Where
 * each indicator comes from". Figures the data cannot give stay unknown. Returns the
 * store's status with `err`.
 */
enum vx_status vx_tl_gather(struct vx_store *st, const char *region, int month, vx_day asof,
                            const struct vx_tl_stock *stock,
                            const struct vx_tl_phase_targets *targets, struct vx_tl_indicators *in,
                            struct vx_err *err);

/*
 * The figures of vx_tl_phase_delay for `region` as of `asof` from the statistics cubes
 * (vx_stats_cut: persons with dose 1 by priority group and week; the population cube for
 * the denominators) into *out (overwritten; plan_finish left 0). VX_ENOTFOUND (err says
 * "run vaxchain stats refresh") when the population cube was never built; store errors.
 */
enum vx_status vx_tl_phase_gather(struct vx_store *st, const char *region, vx_day asof,
                                  struct vx_tl_phase_input *out, struct vx_err *err);

/* File name of the phase targets in vaxchain's data folder (--data-dir). */
#define VX_TL_PHASE_TARGETS_FILE "phase_targets.json"

/*
 * Build the compilation of `month` from the store: every region, its current report,
 * coverage (persons with dose 1 / dose 2 of the region's population) as of `asof`.
 * *out as for vx_tl_compile.
 */
enum vx_status vx_tl_compile_store(struct vx_store *st, int month, vx_day asof,
                                   struct vx_tl_compilation *out, struct vx_err *err);

#endif
