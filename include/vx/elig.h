/*
 * elig.h — vaccination eligibility: the priority order as a data table.
 *
 * Folkhälsomyndigheten's priority phases 1–4 and their sub-steps are rules read from
 * a JSON file (data/eligibility.json, format in docs/eligibility.md), never code.
 * Each rule has an id, a phase, a step ("2a"), a priority, conditions (age range at
 * the evaluation date, birth-year range, residence types, risk codes, person flags),
 * the date the step opened and a label in Swedish and English. The same file lists
 * the risk codes, each mapped to a fixed bit of `struct vx_person.risk`.
 *
 * Evaluation of a person at a date:
 *   - a deceased person (VX_PF_DECEASED) is never eligible;
 *   - the person is eligible when at least one rule they match has opened; the
 *     deciding rule is then the highest-priority open rule they match;
 *   - otherwise the deciding rule is the matching rule that opens first (ties: the
 *     higher priority), so the answer says when the person can book;
 *   - a person younger than the lowest age limit open on the date gets an
 *     "under 18/16/12" reason; one matching no rule at all gets "under 12" (the
 *     lowest age limit of the table) or "no rule".
 * Ages are completed years at the evaluation date (vx_age_at: exact birthdays,
 * 29 February births turn a year older on 1 March in common years); birth-year
 * bounds compare the calendar year of birth, as FoHM's "born 1956 or earlier".
 *
 * A parsed table is immutable and may be shared between threads. Regional opening
 * dates are a separate small value (`struct vx_elig_openings`) made from the table
 * and adjusted per region, so one table serves every region.
 *
 * Pure: no I/O, no clock, no globals. The caller reads the file and passes the
 * text; all memory of a table comes from the caller's arena.
 */
#ifndef VX_ELIG_H
#define VX_ELIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/arena.h"
#include "vx/date.h"
#include "vx/person.h"
#include "vx/status.h"

#define VX_ELIG_MAX_RULES  64         /* rules in one table */
#define VX_ELIG_STEP_MAX   8          /* bytes of a step name incl. NUL ("2a") */
#define VX_ELIG_LABEL_MAX  200        /* bytes of a rule label */
#define VX_ELIG_REASON_MAX 512        /* bytes of a composed reason */
#define VX_ELIG_NO_AGE     (-1)       /* age_min/age_max: no bound */
#define VX_ELIG_NO_YEAR    0          /* born_from/born_to: no bound */
#define VX_ELIG_MAX_INPUT  (1u << 20) /* largest rules file accepted (1 MiB) */

/* One risk condition: a stable code, its bit in vx_person.risk and display names. */
struct vx_elig_risk {
    const char *code; /* "diabetes" ([a-z0-9_], at most 31 characters) */
    int bit;          /* 0..VX_RISK_MAX-1 */
    const char *name_sv;
    const char *name_en;
};

/* How the residence, risk and flag conditions of a rule combine. Age and birth-year
 * bounds always apply in addition. */
enum vx_elig_match {
    VX_ELIG_MATCH_ALL = 0, /* every given kind must hold (default) */
    VX_ELIG_MATCH_ANY = 1  /* at least one given kind must hold */
};

struct vx_elig_rule {
    const char *id;              /* unique, e.g. "p2-80plus" */
    int phase;                   /* 1..4 */
    char step[VX_ELIG_STEP_MAX]; /* "2a"; several rules may share a step */
    int priority;                /* unique; lower = earlier; the table is sorted by it */
    int age_min, age_max;        /* completed years at the evaluation date, or VX_ELIG_NO_AGE */
    int born_from, born_to;      /* birth-year bounds, inclusive, or VX_ELIG_NO_YEAR */
    uint32_t residences;         /* bit (1u << enum vx_residence) per allowed value; 0 = any */
    uint32_t risk_any;           /* needs one of these risk bits; 0 = no risk condition */
    uint32_t flags_any;          /* needs one of these VX_PF_* flags; 0 = no flag condition */
    enum vx_elig_match match;
    vx_day opens; /* national (reference) opening date of the step */
    const char *label_sv;
    const char *label_en;
    const char *source; /* where the rule and its date come from, or "" */
};

/* A parsed rule table. Every pointer is owned by the arena given to vx_elig_parse. */
struct vx_elig_table {
    const char *name;           /* "" when absent */
    const char *source;         /* "" when absent */
    struct vx_elig_rule *rules; /* n_rules, sorted by priority */
    int n_rules;
    struct vx_elig_risk *risks; /* n_risks, in file order */
    int n_risks;
    int min_age; /* lowest age_min of any rule (12 in the FoHM table), or 0 */
};

/* Opening dates in force in one region: a copy of the table's dates, index by index,
 * that a region may override (the store keeps the overrides). Caller-owned value. */
struct vx_elig_openings {
    vx_day opens[VX_ELIG_MAX_RULES];
    bool overridden[VX_ELIG_MAX_RULES];
    int n_rules;
};

enum vx_elig_why {
    VX_ELIG_OPEN = 0,  /* eligible: a matching rule has opened */
    VX_ELIG_NOT_OPEN,  /* belongs to a rule that has not opened yet */
    VX_ELIG_UNDER_AGE, /* younger than the age limit open on the date */
    VX_ELIG_NO_RULE,   /* matches no rule */
    VX_ELIG_DECEASED,  /* VX_PF_DECEASED */
    VX_ELIG_NOT_BORN   /* the evaluation date is before the birth date */
};

struct vx_elig_result {
    bool eligible;
    enum vx_elig_why why;
    const struct vx_elig_rule *rule; /* deciding rule, borrowed from the table; or NULL */
    vx_day opens;                    /* opening date of `rule` in force (0 when no rule) */
    bool opens_overridden;           /* that date is a regional override */
    int age;                         /* completed years at the evaluation date */
    int min_age;                     /* VX_ELIG_UNDER_AGE: the limit not reached; else 0 */
    char reason_sv[VX_ELIG_REASON_MAX];
    char reason_en[VX_ELIG_REASON_MAX];
};

/*
 * Parse the rules JSON `json` (borrowed, `len` bytes, need not be NUL-terminated)
 * into `out`. Everything `out` points to is allocated from `arena` (borrowed; the
 * table lives until the arena is released). Rejects, with VX_EPARSE or VX_EINVAL and
 * a message in `err` (may be NULL) naming the rule and field: malformed JSON,
 * unknown keys (keys starting with '_' are comments), unknown residence, flag or
 * risk codes, duplicate rule ids, priorities, risk codes or bits, bad dates, empty
 * or over-long labels, inverted ranges, more than VX_ELIG_MAX_RULES rules.
 * VX_ENOMEM when the arena is exhausted. On failure `out` is zeroed.
 */
enum vx_status vx_elig_parse(const char *json, size_t len, struct vx_arena *arena,
                             struct vx_elig_table *out, struct vx_err *err);

/* Rule with id `id` (borrowed), or NULL. The result is borrowed from `t`. */
const struct vx_elig_rule *vx_elig_rule_find(const struct vx_elig_table *t, const char *id);

/* Risk definition with code `code`, or NULL. Borrowed from `t`. */
const struct vx_elig_risk *vx_elig_risk_find(const struct vx_elig_table *t, const char *code);
/* Risk definition of bit `bit`, or NULL when the table defines none. */
const struct vx_elig_risk *vx_elig_risk_by_bit(const struct vx_elig_table *t, int bit);

/*
 * Parse a list of risk codes separated by ',', ';', '|' or spaces ("" = none) into
 * a bit set. VX_EINVAL with the unknown code named in `err` (may be NULL).
 */
enum vx_status vx_elig_risk_parse_list(const struct vx_elig_table *t, const char *list,
                                       uint32_t *mask, struct vx_err *err);
/* Write the codes of `mask` joined by ',' into buf (len bytes, always NUL-terminated);
 * bits the table does not define are written as "bitN". VX_ENOMEM if buf is short. */
enum vx_status vx_elig_risk_format_list(const struct vx_elig_table *t, uint32_t mask, char *buf,
                                        size_t len);

/* Text code of one person flag ("care_staff", "household_contact", "lss_assistance",
 * "health_staff", "deceased"); "unknown" for anything else. Static storage. */
const char *vx_elig_flag_code(uint32_t flag);
/* Parse one flag code into its VX_PF_* bit; VX_EINVAL if unknown. */
enum vx_status vx_elig_flag_parse(const char *code, uint32_t *flag);

/* Copy the table's national opening dates into `o` (no overrides). */
void vx_elig_openings_init(const struct vx_elig_table *t, struct vx_elig_openings *o);
/*
 * Override the opening date of rule `rule_id` (borrowed) in `o` with `opens`.
 * VX_ENOTFOUND (message in err, may be NULL) when the table has no such rule.
 * Overriding every rule of a step keeps the step consistent; that is the caller's
 * choice (a region may open 2a early for one group only).
 */
enum vx_status vx_elig_openings_set(const struct vx_elig_table *t, struct vx_elig_openings *o,
                                    const char *rule_id, vx_day opens, struct vx_err *err);

/*
 * Evaluate person `p` (borrowed) at day `at` against table `t` with the opening dates
 * of `o` (NULL = the national dates). Fills `out` (caller-owned) including both
 * reasons. Returns VX_OK, or VX_EINVAL when `o` was not made from `t`.
 */
enum vx_status vx_elig_eval(const struct vx_elig_table *t, const struct vx_elig_openings *o,
                            const struct vx_person *p, vx_day at, struct vx_elig_result *out);

/* Stable text code of a result kind ("open", "not_open", "under_age", "no_rule",
 * "deceased", "not_born"). Static storage. */
const char *vx_elig_why_code(enum vx_elig_why why);

/* True when person `p` satisfies every condition of `r` at day `at` (the opening date
 * is not considered). */
bool vx_elig_rule_matches(const struct vx_elig_rule *r, const struct vx_person *p, vx_day at);

#endif
