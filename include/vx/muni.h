/*
 * muni.h — municipalities and regions together: shared resident lists and municipal
 * vaccination rounds (docs/municipal.md, API in docs/api-muni.md).
 *
 * Resident lists. A municipal coordinator uploads (CSV or JSON) the people its
 * municipality is responsible for in special housing (SÄBO), home care, home health
 * care and LSS homes: personnummer, care unit, list type, consent status, notes. One
 * upload is one *list version* of the municipality, with its legal basis and a
 * valid-until date. An upload is all or nothing: every line is checked (format,
 * known person registered in the municipality, no duplicates) and every problem is
 * reported as `line N, column X: reason`; one problem stores nothing. A stored
 * upload is compared with the municipality's previous version: new, moved (another
 * unit), type changed, deceased / moved out (reported in the file) and removed
 * (absent) residents are recorded as changes and shown.
 *
 * Who sees what is one table (vx_muni_access): municipal roles only their own
 * municipality, a regional coordinator only municipalities of its region and only
 * the minimum fields (who, which unit, which type — never consent notes). Every read
 * of a list row is audited, one audit row per person.
 *
 * Retention (vx_muni_purge): a list's rows and changes are deleted when its
 * valid-until day has passed, or when a newer version of the same municipality has
 * existed for VX_MUNI_KEEP_SUPERSEDED_DAYS; the list's metadata row (counts, legal
 * basis, who uploaded) stays, marked purged.
 *
 * Rounds. A municipal nurse plans a round for one care unit: day, residents (with
 * their consent), vaccine, doses and vials ordered from the region, transport form
 * and minutes. The plan is checked against the catalogue's transport constraints
 * (vx_muni_transport_check). The regional coordinator approves (or rejects) it and
 * records the hand-over (lot, doses, vials). The nurse then records each resident's
 * outcome; a vaccination goes through the care module's dose recording with
 * site 0 and the municipality's code. Each record carries an idempotency key that
 * the server keeps with the first outcome, so a tablet that resends a queued record
 * after a lost connection gets the first answer back and no second dose.
 *
 * Purity: the parsers, the diff, the transport check and the access table do no I/O
 * and read no clock (src/muni/lists.c, diff.c, transport.c, access.c); the
 * functions that take a `struct vx_store *` (src/muni/service.c) orchestrate the
 * store and take the time as a parameter.
 */
#ifndef VX_MUNI_H
#define VX_MUNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/auth.h"
#include "vx/care.h"
#include "vx/date.h"
#include "vx/status.h"

struct vx_store;
struct vx_product;
struct vx_catalog;
struct cJSON;

#define VX_MUNI_MAX_ROWS             50000 /* rows of one upload */
#define VX_MUNI_MAX_PROBLEMS         200   /* problems kept (all are counted) */
#define VX_MUNI_MAX_CSV_BYTES        (16u * 1024u * 1024u)
#define VX_MUNI_KEEP_SUPERSEDED_DAYS 30  /* a replaced list's rows are kept this long */
#define VX_MUNI_MAX_VALID_DAYS       366 /* valid_until at most this far after the upload */
#define VX_MUNI_UNIT_CODE_MAX        33  /* bytes incl. NUL */
#define VX_MUNI_UNIT_NAME_MAX        65
#define VX_MUNI_NOTES_MAX            257
#define VX_MUNI_KEY_MAX              65 /* idempotency key incl. NUL (8..64 characters) */

/* ------------------------------------------------------------------ enumerations */

/* The list a resident is on; codes equal the persons.residence codes. */
enum vx_muni_list_type {
    VX_MUNI_SPECIAL_HOUSING = 0, /* "special_housing": särskilt boende (SÄBO) */
    VX_MUNI_HOME_CARE = 1,       /* "home_care": hemtjänst */
    VX_MUNI_HOME_HEALTH = 2,     /* "home_health_care": hemsjukvård */
    VX_MUNI_LSS_HOME = 3,        /* "lss_home": bostad med särskild service (LSS) */
    VX_MUNI_LIST_TYPE_COUNT
};

enum vx_muni_consent {
    VX_MUNI_CONSENT_UNKNOWN = 0,   /* "unknown": not yet asked */
    VX_MUNI_CONSENT_GIVEN = 1,     /* "given" by the resident */
    VX_MUNI_CONSENT_DECLINED = 2,  /* "declined" */
    VX_MUNI_CONSENT_REPRESENT = 3, /* "representative": given by a legal representative */
    VX_MUNI_CONSENT_COUNT
};

/* Status of a row in an upload: active residents, or a departure the file reports. */
enum vx_muni_row_status {
    VX_MUNI_ROW_ACTIVE = 0,    /* "active" (default) */
    VX_MUNI_ROW_DECEASED = 1,  /* "deceased" since the previous list */
    VX_MUNI_ROW_MOVED_OUT = 2, /* "moved_out": left the municipality's care */
    VX_MUNI_ROW_STATUS_COUNT
};

/* Legal basis of a shared list (recorded per list; docs/municipal.md cites each). */
enum vx_muni_basis {
    VX_MUNI_BASIS_PDL_COHERENT = 0, /* "pdl_coherent_records": patientdatalagen 6 kap.,
                                       sammanhållen vård- och omsorgsdokumentation */
    VX_MUNI_BASIS_CONSENT = 1,      /* "consent": the residents' (or representatives') consent */
    VX_MUNI_BASIS_COUNT
};

/* What changed for one person between two versions of a municipality's list. */
enum vx_muni_change_kind {
    VX_MUNI_CH_NEW = 0,       /* "new": on the new list, not on the previous */
    VX_MUNI_CH_MOVED = 1,     /* "moved": another care unit */
    VX_MUNI_CH_TYPE = 2,      /* "type_changed": another list type, same unit */
    VX_MUNI_CH_DECEASED = 3,  /* "deceased": reported deceased */
    VX_MUNI_CH_MOVED_OUT = 4, /* "moved_out": reported as having left */
    VX_MUNI_CH_REMOVED = 5,   /* "removed": on the previous list, absent now */
    VX_MUNI_CH_COUNT
};

enum vx_muni_round_status {
    VX_MUNI_ROUND_PLANNED = 0,  /* "planned" by the nurse, waiting for the region */
    VX_MUNI_ROUND_APPROVED = 1, /* "approved" by the regional coordinator */
    VX_MUNI_ROUND_REJECTED = 2, /* "rejected" by the regional coordinator */
    VX_MUNI_ROUND_HANDED = 3,   /* "handed_out": vaccine handed over (lot recorded) */
    VX_MUNI_ROUND_DONE = 4,     /* "done": nobody left (set when the last record lands) */
    VX_MUNI_ROUND_STATUS_COUNT
};

/* How the vaccine travels from the region to the care unit. */
enum vx_muni_form {
    VX_MUNI_FORM_VIALS = 0,    /* "vials": sealed vials, diluted/drawn on site */
    VX_MUNI_FORM_SYRINGES = 1, /* "syringes": doses drawn up by the region before transport */
    VX_MUNI_FORM_COUNT
};

/* A resident's outcome in a round. */
enum vx_muni_outcome {
    VX_MUNI_PENDING = 0,    /* "pending": still left */
    VX_MUNI_VACCINATED = 1, /* "vaccinated": a dose was recorded */
    VX_MUNI_DECLINED = 2,   /* "declined" on the day */
    VX_MUNI_ABSENT = 3,     /* "absent" (in hospital, away) */
    VX_MUNI_OUTCOME_COUNT
};

/* Stable codes of the enums above (static storage; "?" out of range), and their
 * parsers (VX_EINVAL for an unknown code; *out untouched then). */
const char *vx_muni_list_type_code(enum vx_muni_list_type t);
enum vx_status vx_muni_list_type_parse(const char *s, enum vx_muni_list_type *out);
const char *vx_muni_consent_code(enum vx_muni_consent c);
enum vx_status vx_muni_consent_parse(const char *s, enum vx_muni_consent *out);
const char *vx_muni_row_status_code(enum vx_muni_row_status s);
enum vx_status vx_muni_row_status_parse(const char *s, enum vx_muni_row_status *out);
const char *vx_muni_basis_code(enum vx_muni_basis b);
enum vx_status vx_muni_basis_parse(const char *s, enum vx_muni_basis *out);
/* Human text of a legal basis ("sv" or anything else = English). Static storage. */
const char *vx_muni_basis_text(enum vx_muni_basis b, const char *lang);
const char *vx_muni_change_code(enum vx_muni_change_kind k);
const char *vx_muni_round_status_code(enum vx_muni_round_status s);
enum vx_status vx_muni_round_status_parse(const char *s, enum vx_muni_round_status *out);
const char *vx_muni_form_code(enum vx_muni_form f);
enum vx_status vx_muni_form_parse(const char *s, enum vx_muni_form *out);
const char *vx_muni_outcome_code(enum vx_muni_outcome o);
enum vx_status vx_muni_outcome_parse(const char *s, enum vx_muni_outcome *out);

/* ------------------------------------------------------------------ access */

enum vx_muni_action {
    VX_MUNI_LIST_UPLOAD = 0, /* upload a new list version */
    VX_MUNI_LIST_META,       /* list versions, counts, legal basis (no person data) */
    VX_MUNI_LIST_READ,       /* read list rows (full or minimum view, see below) */
    VX_MUNI_LIST_DIFF,       /* read the changes between versions */
    VX_MUNI_ROUND_PLAN,      /* plan a round */
    VX_MUNI_ROUND_READ,      /* read rounds and their residents */
    VX_MUNI_ROUND_DECIDE,    /* approve / reject, record the hand-over */
    VX_MUNI_ROUND_RECORD,    /* record residents' outcomes and doses */
    VX_MUNI_COVERAGE,        /* the municipal coverage view (aggregates) */
    VX_MUNI_ACCESS_LOG,      /* who read the municipality's residents (audit extract) */
    VX_MUNI_ACTION_COUNT
};

/* How much of a list row a role may see. */
enum vx_muni_view {
    VX_MUNI_VIEW_NONE = 0,
    VX_MUNI_VIEW_MIN = 1,  /* who (number, name), unit, type: the region's view */
    VX_MUNI_VIEW_FULL = 2, /* also consent, status and notes: the municipality's view */
};

/*
 * May session `s` (borrowed, may be NULL) do `a` for municipality `kommun` (code)
 * that belongs to region `kommun_region`? Municipal roles: only their own kommun;
 * regional coordinators: only municipalities of their region; others per the table
 * (docs/municipal.md). Returns VX_OK, VX_EDENIED (role or scope), VX_ENOTFOUND (no
 * session). *view (may be NULL) gets the row view the role has for `a`. Pure.
 */
enum vx_status vx_muni_access(const struct vx_session *s, enum vx_muni_action a, const char *kommun,
                              const char *kommun_region, enum vx_muni_view *view);
/* Role bit set allowed to do `a` at all (for route tables and docs). */
uint32_t vx_muni_action_roles(enum vx_muni_action a);

/* ------------------------------------------------------------------ lists */

/* One row of a list: parsed from an upload, or read back from the store. */
struct vx_muni_row {
    char pnr[13];      /* normalised 12-digit personnummer */
    int64_t person_id; /* store id (set when matched / on reads) */
    char region[3];    /* the person's region (on match / reads) */
    char unit_code[VX_MUNI_UNIT_CODE_MAX];
    char unit_name[VX_MUNI_UNIT_NAME_MAX];
    enum vx_muni_list_type type;
    enum vx_muni_consent consent;
    enum vx_muni_row_status status;
    char notes[VX_MUNI_NOTES_MAX];
    int line;       /* 1-based line of the CSV file / 1-based index of the JSON row */
    char name[130]; /* "Given Family" (reads only) */
};

/* One problem of an upload: "line N, column X: reason". */
struct vx_muni_problem {
    int line;        /* 1-based; 0 = the whole upload */
    char column[24]; /* CSV column name / JSON field name; "" = the line */
    char reason[160];
};

/* A parsed upload: rows plus problems. Init/release life cycle (caller-owned). */
struct vx_muni_upload {
    struct vx_muni_row *rows; /* owned */
    int n_rows, cap_rows;
    struct vx_muni_problem problems[VX_MUNI_MAX_PROBLEMS];
    int n_problems;     /* kept in problems[] (<= VX_MUNI_MAX_PROBLEMS) */
    int total_problems; /* all found */
};
void vx_muni_upload_init(struct vx_muni_upload *up);
void vx_muni_upload_release(struct vx_muni_upload *up);
/* Add a problem (printf-style reason); counts it even when the array is full. */
void vx_muni_upload_problem(struct vx_muni_upload *up, int line, const char *column,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "line 3, column personnummer: bad check digit" of problem `i` into buf. Returns buf. */
char *vx_muni_problem_format(const struct vx_muni_problem *p, char *buf, size_t len);

/*
 * Parse a CSV upload text[0..len) (UTF-8, optional BOM; ',' or ';' separated, the
 * separator taken from the header line). The header names the columns, in any
 * order: personnummer (required), unit_code (required), list_type (required),
 * unit_name, consent, status, notes. Personnummer are checked (format, date, Luhn)
 * against `today` and stored normalised; a number twice is a problem. Rows go to
 * up->rows, every problem to up->problems. Pure.
 * Returns VX_OK (no problems), VX_EINVAL (problems listed), VX_ERANGE (more than
 * VX_MUNI_MAX_ROWS rows or VX_MUNI_MAX_CSV_BYTES bytes; a problem says so),
 * VX_ENOMEM.
 */
enum vx_status vx_muni_parse_csv(const char *text, size_t len, vx_day today,
                                 struct vx_muni_upload *up);

/*
 * The same for a JSON array of row objects {"personnummer", "unit_code",
 * "list_type", "unit_name", "consent", "status", "notes"} (borrowed); problems name
 * line = index + 1 and the field. Pure.
 */
enum vx_status vx_muni_parse_json(const struct cJSON *rows, vx_day today,
                                  struct vx_muni_upload *up);

/* Metadata of one list version (no person data). */
struct vx_muni_list {
    int64_t id;
    char kommun[5];
    char region[3]; /* the municipality's region */
    int version;    /* 1, 2, ... per municipality */
    enum vx_muni_basis basis;
    char basis_note[129]; /* reference (agreement, decision), may be "" */
    char uploaded_by[64];
    vx_time uploaded_at;
    vx_day valid_until; /* last day the list may be used */
    int rows;           /* active rows */
    int by_type[VX_MUNI_LIST_TYPE_COUNT];
    int changes[VX_MUNI_CH_COUNT];
    int64_t previous_id; /* the version it was compared with; 0 = first */
    vx_time purged_at;   /* 0 = rows still stored */
};

/* One change between two versions (store row of muni_list_changes). */
struct vx_muni_change {
    int64_t person_id;
    enum vx_muni_change_kind kind;
    char old_unit[VX_MUNI_UNIT_CODE_MAX]; /* "" for new */
    char new_unit[VX_MUNI_UNIT_CODE_MAX]; /* "" for removed */
    enum vx_muni_list_type old_type, new_type;
    /* reads only */
    char region[3];
    char pnr[13];
    char name[130];
};

/*
 * Compare the previous version's active rows `old[0..n_old)` with the new upload's
 * rows `cur[0..n_cur)` (both borrowed, matched by person_id; neither needs to be
 * sorted) and call `emit(ctx, change)` for each change in person-id order; unchanged
 * residents emit nothing. Rows of `cur` with a departure status become deceased /
 * moved_out changes (or nothing when the person was not on the old list either).
 * `counts` (may be NULL) gets the number per kind. Returns VX_OK, VX_ENOMEM, or the
 * first non-zero value `emit` returns (as a status). Pure.
 */
enum vx_status vx_muni_diff(const struct vx_muni_row *old, int n_old, const struct vx_muni_row *cur,
                            int n_cur, int (*emit)(void *ctx, const struct vx_muni_change *c),
                            void *ctx, int counts[VX_MUNI_CH_COUNT]);

/* What an upload asks for besides its rows. Strings borrowed. */
struct vx_muni_upload_req {
    const char *kommun;
    enum vx_muni_basis basis;
    const char *basis_note; /* may be NULL */
    vx_day valid_until;     /* today .. today + VX_MUNI_MAX_VALID_DAYS */
    const char *actor;      /* user id, recorded as uploaded_by and in the audit log */
    const char *role;       /* role code for the audit log */
    vx_day today;
    vx_time now;
};

/*
 * Store an upload as the municipality's next list version, all or nothing, in one
 * transaction of `st` (borrowed; no transaction may be open). Matches every row's
 * number to a person (unknown → "line N, column personnummer: no such person in the
 * register"; registered in another municipality → a problem too), computes the
 * changes against the previous version, stores rows and changes, and writes one
 * audit row ("muni.list.upload", object "muni_list:<id>"). On problems nothing is
 * stored, they are added to `up` and VX_EINVAL is returned. *out gets the stored
 * metadata (with change counts). Errors: VX_EINVAL (problems, bad request fields;
 * `err` says which), VX_ENOTFOUND (no such municipality), VX_ESTORE.
 */
enum vx_status vx_muni_list_upload(struct vx_store *st, const struct vx_muni_upload_req *req,
                                   struct vx_muni_upload *up, struct vx_muni_list *out,
                                   struct vx_err *err);

/*
 * Retention: delete the rows and changes of every list whose valid_until is before
 * `today`, or that a newer version of its municipality has replaced for more than
 * VX_MUNI_KEEP_SUPERSEDED_DAYS days (by the newer one's upload day), marking the
 * list purged at `now`. One transaction; one audit row per purged list
 * ("muni.list.purge", actor `actor`). *lists / *rows (may be NULL) get the counts.
 */
enum vx_status vx_muni_purge(struct vx_store *st, vx_day today, vx_time now, const char *actor,
                             int *lists, int64_t *rows, struct vx_err *err);

/* ------------------------------------------------------------------ transport */

/* A round's transport plan as the check sees it. */
struct vx_muni_transport {
    enum vx_muni_form form;
    int transport_minutes; /* from the region's pick-up point to the care unit */
    int duration_minutes;  /* planned time on site, first to last dose */
};

/* One rule's outcome. Texts are static storage or borrowed from the catalogue. */
struct vx_muni_transport_rule {
    const char *code;  /* "shake_sensitive_form", "drawn_up_time", "open_vial_time",
                          "frozen", "light", "note" */
    bool ok;           /* false: the plan is refused */
    int limit_minutes; /* the limit applied (0 = none) */
    char text_sv[320];
    char text_en[320];
};

#define VX_MUNI_TRANSPORT_MAX_RULES 8

struct vx_muni_transport_verdict {
    bool ok; /* every rule passed */
    int n;
    struct vx_muni_transport_rule rules[VX_MUNI_TRANSPORT_MAX_RULES];
};

/*
 * Check plan `t` for product `p` (borrowed) on day `day` against the catalogue's
 * transport flags and storage limits (docs/municipal.md "Transport rules"):
 * a shake-sensitive product travels only as drawn-up syringes; drawn-up doses must
 * be given within the product's hours after first puncture / dilution
 * (open_hours_room, else open_hours_cold), so transport + time on site must fit;
 * sealed vials opened on site must be used within the open-vial hours, so the time
 * on site must fit; frozen and light-sensitive products and the catalogue's note
 * are shown as information. Fills *out (required). Returns VX_OK when allowed,
 * VX_ERANGE when a rule refuses it, VX_EINVAL for negative minutes. Pure.
 */
enum vx_status vx_muni_transport_check(const struct vx_product *p, vx_day day,
                                       const struct vx_muni_transport *t,
                                       struct vx_muni_transport_verdict *out);

/* Vials needed for `doses` doses of `p` on `day` (nominal doses per vial). 0 when
 * the product has no vial period on that day. Pure. */
int vx_muni_vials_needed(const struct vx_product *p, vx_day day, int doses);

/* ------------------------------------------------------------------ rounds */

struct vx_muni_round {
    int64_t id; /* 0 on insert */
    char kommun[5];
    char region[3];
    char unit_code[VX_MUNI_UNIT_CODE_MAX];
    char unit_name[VX_MUNI_UNIT_NAME_MAX];
    vx_day day;
    char vaccine[17];
    struct vx_muni_transport transport;
    int doses_ordered;
    int vials_ordered;
    enum vx_muni_round_status status;
    char planned_by[64];
    vx_time created_at;
    char decided_by[64]; /* regional coordinator who approved / rejected */
    vx_time decided_at;
    char decision_note[129];
    char lot_number[33]; /* hand-over */
    int doses_handed;
    int vials_handed;
    char handed_by[64];
    vx_time handed_at;
    /* reads only: residents per outcome */
    int residents;
    int by_outcome[VX_MUNI_OUTCOME_COUNT];
};

/* A resident of a round. */
struct vx_muni_round_resident {
    int64_t round_id;
    int64_t person_id;
    char region[3];
    enum vx_muni_consent consent;
    enum vx_muni_outcome outcome;
    int64_t dose_id; /* the dose recorded (0 = none) */
    int dose_number; /* of that dose (reads only) */
    char recorded_by[64];
    vx_time recorded_at;
    /* reads only */
    char pnr[13];
    char name[130];
    char lot_number[33]; /* of the dose recorded */
    vx_time given_at;    /* of the dose recorded */
};

/* A plan request. Strings borrowed. */
struct vx_muni_plan_req {
    const char *kommun;
    const char *unit_code;
    vx_day day;
    const char *vaccine;
    struct vx_muni_transport transport;
    int doses_ordered;      /* 0 = one per resident with consent given/representative */
    int vials_ordered;      /* 0 = vx_muni_vials_needed(doses_ordered) */
    const int64_t *persons; /* residents to include; NULL = every active resident of
                               the unit on the current list except those who declined */
    int n_persons;
    const char *actor, *role;
    vx_day today;
    vx_time now;
};

/*
 * Plan a round: checks the unit on the municipality's current (unexpired, unpurged)
 * list, each person on it in that unit, the vaccine in the catalogue `cat`
 * (borrowed), the day (today or later), the transport check and the order (at least
 * the vials the doses need). Stores the round and its residents in one transaction
 * and audits one row per resident ("muni.round.plan"). *out gets the round,
 * *verdict (may be NULL) the transport verdict. Errors: VX_EINVAL (field; `err`
 * names it first as "field: reason"), VX_ERANGE (transport refused; see verdict),
 * VX_ENOTFOUND (no current list / unit), VX_ESTORE.
 */
enum vx_status vx_muni_round_plan(struct vx_store *st, const struct vx_catalog *cat,
                                  const struct vx_muni_plan_req *req, struct vx_muni_round *out,
                                  struct vx_muni_transport_verdict *verdict, struct vx_err *err);

/*
 * The regional coordinator's decision on a planned round: approve or reject with a
 * note (both strings borrowed). VX_ECONFLICT when the round is not planned.
 */
enum vx_status vx_muni_round_decide(struct vx_store *st, int64_t round_id, bool approve,
                                    const char *note, const char *actor, const char *role,
                                    vx_time now, struct vx_err *err);

/* A hand-over request: the regional coordinator hands out vaccine for an approved
 * round from one of the region's sites. Strings borrowed. */
struct vx_muni_handover_req {
    int64_t round_id;
    int64_t site_id;        /* the region's site whose stock the doses leave */
    const char *lot_number; /* 1..32 characters, a lot of the round's vaccine */
    int doses;              /* 1..10000 */
    int vials;              /* 1..10000 (what the nurse carries; not a stock unit) */
    const char *actor, *role;
    vx_time now;
};

/* What a hand-over did (caller-owned). */
struct vx_muni_handover_out {
    int64_t lot_id;
    int stock_left;       /* doses of the lot left at the site */
    char site_code[32];   /* the site the doses left */
    char refusal_sv[256]; /* the care module's Swedish text when it refused, else "" */
};

/*
 * Record the hand-over of an approved round and move the doses out of the site's
 * stock in ONE transaction: the care module's vx_care_issue_in_tx (a transfer_out
 * stock move "issue to kommun K: muni_round:N"), the round's lot/doses/vials/by/at,
 * status handed_out, and the audit row "muni.round.handover" (object muni_round:N,
 * detail naming the site, lot and doses). Any refusal writes nothing. Errors:
 * VX_EINVAL ("field: reason": lot_number, doses, vials, site), VX_ENOTFOUND (round,
 * site or lot: "site: ..." / "lot_number: ..."), VX_ECONFLICT (round not approved;
 * "doses: N doses in stock, M needed." when the site has fewer; lot expired),
 * the site must be one of the round's region's (else VX_EINVAL "site: ..."); the
 * caller checks the coordinator's scope. `out` may be NULL.
 */
enum vx_status vx_muni_round_handover(struct vx_store *st, const struct vx_muni_handover_req *req,
                                      struct vx_muni_handover_out *out, struct vx_err *err);

/* One resident record sent by the nurse's tablet. Strings borrowed. */
struct vx_muni_record_req {
    int64_t round_id;
    int64_t person_id;
    const char *key;              /* idempotency key, 8..64 of [A-Za-z0-9._:-] */
    enum vx_muni_outcome outcome; /* vaccinated / declined / absent */
    vx_time given_at;             /* 0 = now */
    const char *injection_site;   /* may be NULL */
    const char *actor, *role;     /* the nurse */
    const char *kommun;           /* the nurse's municipality (must be the round's) */
    vx_time now;
};

/* The outcome of a record: what the first request answered (replayed on resends). */
struct vx_muni_record_result {
    enum vx_status status; /* VX_OK, or the refusal of the first request */
    bool replayed;         /* this answer is the stored outcome of an earlier request */
    int64_t dose_id;       /* 0 unless vaccinated */
    int dose_number;
    enum vx_muni_outcome outcome;
    int left;      /* residents still pending after this record */
    char code[24]; /* refusal code ("interval", "not_handed_out", ...), "" when OK */
    char message[VX_CARE_MSG_MAX];    /* why refused, Swedish (no person data) */
    char message_en[VX_CARE_MSG_MAX]; /* the same in English */
};

/*
 * Record a resident's outcome idempotently. When (kommun, key) is already stored the
 * stored result is returned with replayed = true (VX_ECONFLICT when the key was used
 * for another round, person or outcome). Otherwise, in one transaction: the round
 * must be handed out (or done) and the person on it and pending; a vaccination is
 * recorded through the care module (vx_care_record_dose: site 0, kommun set, lot
 * from the hand-over, dose number = the person's valid doses + 1, every dose check)
 * and counted against the doses handed out; then, in one transaction, the outcome,
 * the result and the key are stored with one audit row. Only accepted records are
 * stored under the key; a refusal (out->status < 0 with code and messages) is
 * checked afresh on a resend. Crash-safe: when the dose was recorded but the key
 * was not (a crash between the two transactions), the resend finds the care
 * module's duplicate refusal, adopts the dose already recorded for that person,
 * day, vaccine and municipality, and stores the key. The caller serialises records
 * of one municipality (routes_muni.c holds a mutex). Returns VX_OK when *out is
 * filled, else a failure with `err` (VX_EINVAL for a malformed key).
 */
enum vx_status vx_muni_record(struct vx_store *st, const struct vx_catalog *cat,
                              const struct vx_muni_record_req *req,
                              struct vx_muni_record_result *out, struct vx_err *err);

/* ------------------------------------------------------------------ coverage */

/* The municipal view of coverage of its own residents on the current list. */
struct vx_muni_coverage {
    int64_t list_id; /* 0 when the municipality has no current list */
    int residents[VX_MUNI_LIST_TYPE_COUNT];
    int dose1[VX_MUNI_LIST_TYPE_COUNT];    /* at least one valid dose */
    int complete[VX_MUNI_LIST_TYPE_COUNT]; /* primary series completed (catalogue doses) */
    int64_t nurse_doses;                   /* valid doses given by the municipality's nurses */
};

/*
 * Count coverage for `kommun` from the doses table (valid doses only) and the
 * catalogue `cat` (borrowed). No person data leaves; the caller audits the access as
 * an event. Pure of the clock.
 */
enum vx_status vx_muni_coverage_count(struct vx_store *st, const struct vx_catalog *cat,
                                      const char *kommun, vx_day today,
                                      struct vx_muni_coverage *out, struct vx_err *err);

#endif
