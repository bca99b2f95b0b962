/*
 * catalog.h — the vaccine catalogue: products, vials, schedules, storage, restrictions.
 *
 * The catalogue is data, not code: data/vaccines.json (format "vaxchain-vaccines/1",
 * described field by field in docs/catalog.md) is read by the caller (CLI, server) and
 * handed to vx_catalog_parse() as text. The parser is pure (no I/O, no clock, no
 * globals): it validates every field, copies everything into a caller-owned arena and
 * returns an immutable `struct vx_catalog`. After parsing nothing is ever written, so a
 * catalogue may be shared by any number of threads for reading.
 *
 * Values that change over time are lists of periods, each valid from a date
 * (`from`) until the next entry of the same list starts: doses per vial (Comirnaty 5
 * then 6), dose intervals (Sweden's 3 -> 6 -> 7 weeks), storage limits (Comirnaty's 5
 * then 31 days thawed). Age rules carry an explicit date range, because national
 * recommendations start and stop (Vaxzevria 65+ in Sweden from 2021-03-25, paused
 * 2021-03-16..24). Every value cites its source: dated entries carry `source`, the
 * product's static values are cited in its `sources` object, and every citation names
 * an entry of the top-level `references` (or is marked "ASSUMED:").
 *
 * Ownership: every pointer inside a parsed catalogue (strings, arrays, the catalogue
 * itself) is owned by the arena passed to vx_catalog_parse() and lives until
 * vx_arena_release(). Query functions return pointers borrowed from the catalogue.
 */
#ifndef VX_CATALOG_H
#define VX_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/arena.h"
#include "vx/date.h"
#include "vx/status.h"

#define VX_CATALOG_FORMAT    "vaxchain-vaccines/1"
#define VX_CATALOG_MAX_BYTES (4u * 1024u * 1024u) /* largest catalogue text accepted */
#define VX_CATALOG_NO_DATE   ((vx_day)INT32_MIN)  /* "no date given" */
#define VX_CATALOG_OPEN_END  ((vx_day)INT32_MAX)  /* open-ended range */
#define VX_PRODUCT_CODE_MAX  16                   /* bytes, without the NUL */

/* Transport and handling constraints, as bits of `struct vx_product.transport`. */
enum vx_transport_flag {
    VX_TRANSPORT_SHAKE_SENSITIVE = 1u << 0, /* do not shake (mRNA, vector vaccines) */
    VX_TRANSPORT_FROZEN = 1u << 1,          /* shipped and stored frozen */
    VX_TRANSPORT_DO_NOT_FREEZE = 1u << 2,   /* freezing destroys it */
    VX_TRANSPORT_LIGHT_SENSITIVE = 1u << 3, /* keep in the carton */
    VX_TRANSPORT_NEEDS_DILUTION = 1u << 4   /* diluted on site before use */
};

/* Doses one vial (or syringe) gives from `from` on. */
struct vx_vial_period {
    vx_day from;
    int nominal;        /* doses per vial by the SmPC / national counting */
    int usual;          /* doses usually drawn in practice (>= nominal) */
    const char *source; /* citation */
};

/* Interval before dose `dose` (2..doses) for a previous dose given from `from` on. */
struct vx_interval_rule {
    vx_day from;
    int dose;     /* the dose being given: 2 = interval between dose 1 and dose 2 */
    int min_days; /* earliest: previous dose + min_days */
    int rec_days; /* recommended (booking default) */
    int max_days; /* latest; 0 = no upper limit */
    const char *source;
};

/* Storage and open-vial limits from `from` on. 0 means "not applicable". */
struct vx_storage {
    vx_day from;
    bool frozen;         /* stored frozen between frozen_min_c and frozen_max_c */
    int frozen_min_c;    /* e.g. -90 */
    int frozen_max_c;    /* e.g. -60 */
    int frozen_months;   /* shelf life frozen */
    int shelf_months;    /* shelf life unopened at 2-8 C (products not frozen) */
    int thawed_days;     /* days at 2-8 C after thawing (frozen products) */
    int open_hours_cold; /* hours at 2-8 C after first puncture / dilution */
    int open_hours_room; /* hours at room temperature after first puncture / dilution */
    int open_room_max_c; /* the "room temperature" upper limit for open_hours_room */
    const char *source;
};

enum vx_age_basis {
    VX_AGE_COMPLETED_YEARS = 0, /* age in completed years (birthday passed) */
    VX_AGE_BIRTH_YEAR = 1       /* calendar year minus birth year ("born 1956 or earlier") */
};

/*
 * An age restriction valid on the days from..to (inclusive). Either `paused` (nobody
 * may get the product), or a minimum and/or maximum age. Reasons are shown to the
 * person refused (sv) or staff (sv/en).
 */
struct vx_age_rule {
    vx_day from;
    vx_day to; /* VX_CATALOG_OPEN_END when open */
    bool paused;
    int min_months; /* minimum age in completed months; -1 = none (min_age 65 -> 780) */
    int max_years;  /* maximum age in years, inclusive; -1 = none */
    enum vx_age_basis basis;
    const char *reason_sv;
    const char *reason_en;
    const char *source;
};

/* A season window for seasonal products (influenza), from..to inclusive. */
struct vx_season {
    const char *label; /* "2021/2022" */
    vx_day from;
    vx_day to;
    const char *source;
};

/* EU DCC codes (value sets vaccines-covid-19-names / sct-vaccines-covid-19 /
 * vaccines-covid-19-auth-holders); all NULL for products outside the DCC. */
struct vx_dcc_codes {
    const char *mp; /* medicinal product, e.g. "EU/1/20/1528" */
    const char *vp; /* vaccine/prophylaxis SNOMED CT, e.g. "1119349007" */
    const char *ma; /* marketing authorisation holder, e.g. "ORG-100030215" */
};

/* A citation of one static product field ("name" -> "[ref] SmPC section 1"). */
struct vx_field_source {
    const char *field;
    const char *source;
};

struct vx_product {
    const char *code;         /* "COM", unique, [A-Z][A-Z0-9_]{0,15} */
    const char *name;         /* "Comirnaty" */
    const char *manufacturer; /* "Pfizer/BioNTech" */
    vx_day authorised;        /* marketing authorisation, or VX_CATALOG_NO_DATE */
    bool seasonal;
    int doses;                     /* doses in the primary schedule (1..10) */
    unsigned transport;            /* enum vx_transport_flag bits */
    const char *transport_note_sv; /* may be NULL */
    const char *transport_note_en; /* may be NULL */
    const char *note;              /* free text, may be NULL */
    struct vx_dcc_codes dcc;
    const struct vx_vial_period *vials; /* sorted by from, n_vials >= 1 */
    size_t n_vials;
    const struct vx_interval_rule *intervals; /* sorted by (dose, from) */
    size_t n_intervals;
    const struct vx_storage *storage; /* sorted by from, n_storage >= 1 */
    size_t n_storage;
    const struct vx_age_rule *age_rules; /* file order */
    size_t n_age_rules;
    const struct vx_season *seasons; /* sorted, not overlapping; only when seasonal */
    size_t n_seasons;
    const struct vx_field_source *sources;
    size_t n_sources;
};

/* An entry of the top-level "references" object: a document cited by id. */
struct vx_reference {
    const char *id; /* "smpc-com-2020-12-21" */
    const char *title;
    const char *url;
    vx_day date; /* date of the document (publication or version) */
};

struct vx_catalog {
    const char *country; /* "SE" */
    vx_day updated;      /* date of this revision of the file */
    const struct vx_product *products;
    size_t n_products;
    const struct vx_reference *references;
    size_t n_references;
};

/*
 * Parse the catalogue text json[0..len) (need not be NUL-terminated; at most
 * VX_CATALOG_MAX_BYTES). On success *out points to a catalogue allocated in `arena`
 * (caller-owned; release the arena to free it) and VX_OK is returned. On failure *out
 * is NULL, `err` (may be NULL) names the product and field at fault, e.g.
 * "product 'COM', field 'doses_per_vial[1].nominal': must be an integer in 1..100
 * (got -1)", and the status is VX_EPARSE (not JSON, or an unknown/mistyped field),
 * VX_EINVAL (a value of the wrong kind or format, a missing citation), VX_ERANGE (a
 * number out of range, min > max, dates out of order) or VX_ENOMEM (arena limit).
 * Memory already taken from the arena on failure stays there until it is released.
 */
enum vx_status vx_catalog_parse(const char *json, size_t len, struct vx_arena *arena,
                                const struct vx_catalog **out, struct vx_err *err);

/*
 * Check every product's DCC codes against the EU value-set files, given as
 * NUL-terminated JSON texts (borrowed): vaccine-medicinal-product.json,
 * vaccine-prophylaxis.json, vaccine-mah-manf.json and, optionally (NULL to skip),
 * vaccine-encoding-instructions.json, which also ties each product to its holder and
 * allowed SNOMED codes. Each code must exist and be active. Returns VX_OK, VX_ENOTFOUND
 * (a code missing or inactive, `err` names product and code), VX_EINVAL (a product's
 * codes do not belong together per the encoding instructions) or VX_EPARSE (a value-set
 * text is not a value set of the expected id). Allocates only transiently.
 */
enum vx_status vx_catalog_check_dcc(const struct vx_catalog *cat, const char *mp_json,
                                    const char *vp_json, const char *ma_json,
                                    const char *encoding_json, struct vx_err *err);

/* Product with `code` (exact, case-sensitive), or NULL. Borrowed from `cat`. */
const struct vx_product *vx_catalog_find(const struct vx_catalog *cat, const char *code);
/* Product whose DCC medicinal-product code is `mp`, or NULL. Borrowed from `cat`. */
const struct vx_product *vx_catalog_find_dcc(const struct vx_catalog *cat, const char *mp);
/* Reference with `id`, or NULL. Borrowed from `cat`. */
const struct vx_reference *vx_catalog_reference(const struct vx_catalog *cat, const char *id);

/* Doses per vial on day `on`: the usual count when `usual`, else the nominal one.
 * 0 when `on` is before the product's first vial period. */
int vx_product_doses_per_vial(const struct vx_product *p, vx_day on, bool usual);

/* Storage limits in force on day `on` (borrowed), or NULL before the first period. */
const struct vx_storage *vx_product_storage(const struct vx_product *p, vx_day on);

/* Citation of static field `field` ("name", "dcc", ...) or NULL. Borrowed. */
const char *vx_product_source(const struct vx_product *p, const char *field);

/* True when the product is in season on `on`. Non-seasonal products are always in
 * season (and *which is set to NULL); otherwise *which (may be NULL) gets the season. */
bool vx_product_in_season(const struct vx_product *p, vx_day on, const struct vx_season **which);

enum vx_age_verdict {
    VX_AGE_OK = 0,
    VX_AGE_NOT_AUTHORISED, /* before the product's authorisation date */
    VX_AGE_PAUSED,         /* a rule in force pauses the product for everyone */
    VX_AGE_TOO_YOUNG,
    VX_AGE_TOO_OLD
};

struct vx_age_answer {
    enum vx_age_verdict verdict;
    const struct vx_age_rule *rule; /* the rule that refused, or NULL (borrowed) */
    const char *reason_sv;          /* "" when allowed; borrowed or static */
    const char *reason_en;
};

/*
 * May a person born on `birth` get product `p` on day `on`? Applies the product's
 * authorisation date and every age rule whose range contains `on`: paused rules first,
 * then minimum/maximum ages in file order, each with its own basis (completed years or
 * birth year). Fills *out (required) and returns its verdict.
 */
enum vx_age_verdict vx_product_age_allowed(const struct vx_product *p, vx_day birth, vx_day on,
                                           struct vx_age_answer *out);

/* The same for a caller that only knows an age in completed years: the age is used as
 * is for either basis (so a birth-year rule may differ by one around birthdays). */
enum vx_age_verdict vx_product_age_allowed_years(const struct vx_product *p, int age_years,
                                                 vx_day on, struct vx_age_answer *out);

/* The reason of an answer in `lang` ("en" -> English, anything else Swedish). Static or
 * borrowed from the catalogue; "" when allowed. */
const char *vx_age_reason(const struct vx_age_answer *a, const char *lang);

enum vx_interval_verdict {
    VX_INTERVAL_OK = 0,
    VX_INTERVAL_TOO_EARLY, /* fewer than min_days after the previous dose */
    VX_INTERVAL_TOO_LATE,  /* more than max_days (the dose still counts; report it) */
    VX_INTERVAL_NO_RULE    /* no such dose in the schedule, or no rule in force */
};

struct vx_interval_answer {
    enum vx_interval_verdict verdict;
    int days;                         /* at - prev */
    int min_days, rec_days, max_days; /* from the rule (max 0 = none) */
    vx_day earliest, recommended;
    vx_day latest;                       /* VX_CATALOG_OPEN_END when there is no maximum */
    const struct vx_interval_rule *rule; /* borrowed, NULL with NO_RULE */
};

/*
 * Is giving dose `dose` (2..p->doses) on day `at` fine when the previous dose was given
 * on `prev`? The rule used is the one in force on `prev` (the day dose n-1 was given
 * decides the booking of dose n). Fills *out (required) and returns its verdict.
 */
enum vx_interval_verdict vx_product_interval_check(const struct vx_product *p, int dose,
                                                   vx_day prev, vx_day at,
                                                   struct vx_interval_answer *out);

/* Name of one transport flag ("shake_sensitive", ...) as used in the file; NULL if
 * `flag` is not exactly one known bit. Static storage. */
const char *vx_transport_flag_name(unsigned flag);

#endif
