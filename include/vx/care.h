/*
 * care.h — at the point of care: stock, vials, wastage, the standby list and dose
 * recording (issue 6, items 1–3; docs/care.md, HTTP API in docs/api-care.md).
 *
 * Two layers:
 *
 *   pure rules   vx_care_lot_usable_until, vx_care_vial_usable_until,
 *                vx_care_vial_expired, vx_care_check_dose, vx_care_standby_cmp:
 *                no I/O, no clock (times are parameters), no globals; they decide.
 *   actions      vx_care_receive, ..._transfer_*, ..._count, ..._excursion,
 *                ..._vial_open/close, ..._wastage, ..._record_dose, ..._correct_dose,
 *                ..._void_dose, ..._aefi, ..._checkin, ..._day_close,
 *                ..._standby_optin/offers/offer/answer, ..._sweep: each reads what the
 *                rules need from the store, asks the rules, and writes inside ONE
 *                transaction of its own (vx_store_begin/commit): on any refusal or
 *                failure it rolls back, so nothing is half-written. An action must
 *                therefore not be called inside a caller's open transaction.
 *
 * Refusals. Every action fills a `struct vx_care_result` (may be NULL): a reason
 * from one table (code, HTTP-ish status, the request field at fault, a Swedish and
 * an English sentence with the numbers that matter), so the CLI prints it, the HTTP
 * layer maps it to problem+json and tests assert it. The returned status equals
 * result.status (VX_OK on success). A store failure is reason VX_CARE_R_STORE with
 * the store's message.
 *
 * Audit. Actions that touch a person (record, correct, void, AEFI, check-in,
 * standby, offers) write an audit row in the same transaction: actor and role from
 * the env, object "person:<id>", action "dose.record", "dose.correct",
 * "dose.void", "dose.aefi", "booking.checkin", "standby.optin", "standby.offer",
 * "standby.answer"; the detail names the dose and, for corrections and voids, why.
 * Never a personnummer. Scope (may this vaccinator act for this site?) is the
 * caller's business (routes_care.c, the CLI acts as an administrator).
 *
 * Ownership: `struct vx_care_env` and every input struct are borrowed for the call;
 * outputs are caller-owned structs filled by the call.
 */
#ifndef VX_CARE_H
#define VX_CARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/catalog.h"
#include "vx/date.h"
#include "vx/elig.h"
#include "vx/status.h"
#include "vx/store.h"
#include "vx/store_care.h"

/* Seconds before a vial's end at which leftovers are offered to the standby list. */
#define VX_CARE_STANDBY_WINDOW_S (90 * 60)
/* Default time a person has to answer a standby offer. */
#define VX_CARE_OFFER_TIMEOUT_S (10 * 60)
/* Most standby candidates one call returns. */
#define VX_CARE_MAX_CANDIDATES 200
#define VX_CARE_MSG_MAX        320

/* Everything an action needs besides its input. Borrowed. */
struct vx_care_env {
    struct vx_store *st;               /* required; not inside an open transaction */
    const struct vx_catalog *cat;      /* required */
    const struct vx_elig_table *rules; /* required for standby offers, else may be NULL */
    vx_time now;                       /* the clock (pinned by `serve --date`) */
    const char *user;                  /* actor for audit and *_by columns ("cli:anna") */
    const char *role;                  /* role code for the audit ("vaccinator") */
};

/* ------------------------------------------------------------------ reasons */

enum vx_care_reason {
    VX_CARE_R_OK = 0,
    VX_CARE_R_BAD_INPUT,       /* a field is missing or malformed (field says which) */
    VX_CARE_R_PERSON_UNKNOWN,  /* no such person */
    VX_CARE_R_DECEASED,        /* person marked deceased */
    VX_CARE_R_VACCINE_UNKNOWN, /* product not in the catalogue */
    VX_CARE_R_SITE_UNKNOWN,    /* no such site */
    VX_CARE_R_PLACE,           /* neither a site nor a municipality (nurse) given */
    VX_CARE_R_LOT_UNKNOWN,
    VX_CARE_R_LOT_VACCINE, /* the lot is of another product */
    VX_CARE_R_LOT_EXPIRED, /* past its expiry date or its thawed limit */
    VX_CARE_R_VIAL_UNKNOWN,
    VX_CARE_R_VIAL_CLOSED,  /* closed or expired status */
    VX_CARE_R_VIAL_EXPIRED, /* open but past usable_until at the dose time */
    VX_CARE_R_VIAL_LOT,     /* vial of another lot */
    VX_CARE_R_VIAL_SITE,    /* vial at another site */
    VX_CARE_R_VIAL_EMPTY,   /* max doses of the vial already drawn */
    VX_CARE_R_VIAL_TIME,    /* dose time before the vial was opened */
    VX_CARE_R_DOSE_NUMBER,  /* not previous valid doses + 1 */
    VX_CARE_R_NO_SCHEDULE,  /* dose beyond the schedule and no booster rule */
    VX_CARE_R_INTERVAL,     /* too early after the previous dose */
    VX_CARE_R_AGE,          /* age restriction on that date (incl. paused/not authorised) */
    VX_CARE_R_SEASON,       /* seasonal product out of season */
    VX_CARE_R_DUPLICATE,    /* same person, same day, same vaccine */
    VX_CARE_R_FUTURE,       /* time after now */
    VX_CARE_R_BOOKING,      /* booking unknown, not this person/site/day, or cancelled */
    VX_CARE_R_STOCK,        /* not enough doses of the lot at the site */
    VX_CARE_R_NOT_FOUND,    /* dose, transfer, offer... unknown */
    VX_CARE_R_STATE,        /* wrong state: voided dose, received transfer, closed vial */
    VX_CARE_R_NOT_ELIGIBLE, /* standby: not eligible / offer expired */
    VX_CARE_R_STORE,        /* storage failure */
    VX_CARE_R_COUNT
};

/* One row of the reason table (static storage). */
struct vx_care_reason_info {
    enum vx_care_reason reason;
    const char *code;      /* "interval" — stable, in JSON and docs */
    enum vx_status status; /* VX_EINVAL, VX_ENOTFOUND, VX_ECONFLICT, VX_ERANGE, ... */
    const char *field;     /* default request field at fault ("lot", "vial", ...) */
    const char *sv, *en;   /* the general sentence */
};
/* Row of `r` (never NULL: out of range gives the VX_CARE_R_STORE row). */
const struct vx_care_reason_info *vx_care_reason_info(enum vx_care_reason r);

struct vx_care_result {
    enum vx_care_reason reason;
    enum vx_status status; /* VX_OK when reason is OK */
    const char *code;      /* static, "" when OK */
    const char *field;     /* static, "" when OK */
    char msg_sv[VX_CARE_MSG_MAX];
    char msg_en[VX_CARE_MSG_MAX];
    /* warnings that do not refuse (e.g. dose 2 later than the maximum interval) */
    char warn_sv[VX_CARE_MSG_MAX];
    char warn_en[VX_CARE_MSG_MAX];
};
/* The message in `lang` ("en" -> English, else Swedish). Borrowed from r. */
const char *vx_care_msg(const struct vx_care_result *r, const char *lang);

/* ------------------------------------------------------------------ pure rules */

/* Usable-until of a lot: the end (23:59:59 Stockholm) of `expiry`, or, when it was
 * thawed (thawed_at != 0) and the storage rules in force on the thaw day give
 * thawed_days, thawed_at + thawed_days — whichever comes first. `p` may be NULL
 * (then only the expiry date counts). */
vx_time vx_care_lot_usable_until(const struct vx_product *p, vx_day expiry, vx_time thawed_at);

/* Usable-until of a vial opened at `opened_at`: + the catalogue's open_hours_cold
 * (or open_hours_room when cold is 0; a product without open hours, e.g. a
 * pre-filled syringe, gets 1 hour), never after `lot_until`. */
vx_time vx_care_vial_usable_until(const struct vx_product *p, vx_time opened_at, vx_time lot_until);

/* True when an open vial must be closed as wastage 'expired' at `now`. */
bool vx_care_vial_expired(const struct vx_vial_rec *v, vx_time now);

/* Doses of a vial that go to wastage when it is closed: nominal - drawn - already
 * wasted, never below 0 (doses drawn beyond nominal are extra, not negative waste). */
int vx_care_vial_leftover(const struct vx_vial_rec *v);

/* What vx_care_check_dose decides from. All pointers borrowed; NULL = not found. */
struct vx_care_dose_facts {
    const char *vaccine;              /* as asked */
    const struct vx_product *product; /* from the catalogue, or NULL */
    const struct vx_person_rec *person;
    vx_time given_at, now;
    int dose_number;                /* as asked; 0 = next (previous valid + 1) */
    int64_t site_id;                /* 0 = municipal nurse (then kommun must be set) */
    const char *kommun;             /* "" when at a site */
    int64_t lot_id;                 /* as asked (0 = none given) */
    const struct vx_lot_rec *lot;   /* NULL when lot_id unknown */
    int64_t vial_id;                /* as asked; 0 = no vial (syringe, nurse) */
    const struct vx_vial_rec *vial; /* NULL when vial_id unknown */
    bool vial_unchanged;            /* correction keeping the dose's vial: skip its state */
    const struct vx_dose_rec *prev; /* the person's doses (any status), by time */
    int n_prev;
    int64_t ignore_dose_id; /* corrections: the dose being corrected */
};
/* Check a dose before it is recorded (or a correction before it is applied), in a
 * fixed order: input, person, vaccine, place, lot, vial, time, duplicate, dose
 * number, schedule, interval, age, season. Fills *out (required) with the first
 * refusal, or OK (plus a warning for a late dose) and the dose number it resolved
 * into *dose_number (may be NULL). Pure. */
enum vx_status vx_care_check_dose(const struct vx_care_dose_facts *f, struct vx_care_result *out,
                                  int *dose_number);

/* A standby candidate, ranked by vx_care_standby_cmp. */
struct vx_care_candidate {
    int64_t person_id;
    char region[3];
    char given_name[64], family_name[64];
    vx_day birth;
    int age;
    int priority; /* the deciding eligibility rule's priority (lower first) */
    int phase;
    char step[8];
    int dose_number; /* the dose they would get */
    int minutes;     /* minutes they need to arrive */
    bool phone;
    vx_time opted_in_at;
    vx_time arrive_by; /* now + minutes */
};
/* Order: eligibility priority (phase/step order), then age (oldest first = earlier
 * birth), then opt-in time, then person id. qsort-compatible. */
int vx_care_standby_cmp(const void *a, const void *b);

/* ------------------------------------------------------------------ actions: stock */

struct vx_care_receipt {
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    char lot_number[VX_LOT_NUMBER_MAX];
    vx_day expiry;
    vx_time thawed_at;          /* 0 = not frozen or unknown */
    int doses;                  /* either doses ... */
    int vials;                  /* ... or vials (x the catalogue's nominal doses per vial) */
    char ref[VX_CARE_TEXT_MAX]; /* allocation/delivery reference, e.g. "alloc 2021-W10" */
};
/* Receive doses of a lot at a site (creating the lot if new). *lot_id (may be NULL)
 * gets the lot. Refusals: bad_input (doses/vials, lot number, expiry), site_unknown,
 * vaccine_unknown, lot_expired (already past usable-until), state (same lot number
 * with another expiry). */
enum vx_status vx_care_receive(const struct vx_care_env *env, const struct vx_care_receipt *r,
                               int64_t *lot_id, struct vx_care_result *res);

/* Send `doses` of `lot_id` from one site to another: leaves the sender's stock at
 * once and is in no site's stock until received. *id gets the transfer. Refusals:
 * bad_input (same site, doses < 1), site_unknown, lot_unknown, stock. */
enum vx_status vx_care_transfer_send(const struct vx_care_env *env, int64_t lot_id,
                                     int64_t from_site, int64_t to_site, int doses,
                                     const char *note, int64_t *id, struct vx_care_result *res);
/* Confirm arrival at the receiving site with the doses counted (`doses` < 0: as
 * sent). A shortfall is received as counted and a count with an open follow-up is
 * written for the receiving site. Refusals: not_found, state (already received),
 * bad_input (more than sent). */
enum vx_status vx_care_transfer_receive(const struct vx_care_env *env, int64_t transfer_id,
                                        int doses, struct vx_care_result *res);

/* An issue of doses from a site's stock to a municipality: the region hands out
 * vaccine for a municipal nurses' round (docs/care.md "Issue to a municipality").
 * Strings borrowed. */
struct vx_care_issue {
    int64_t site_id;        /* the region's site whose stock the doses leave */
    const char *vaccine;    /* product code the lot must be of */
    const char *lot_number; /* lot of that product */
    int doses;              /* 1..100000 */
    const char *kommun;     /* receiving municipality, 4 digits */
    const char *region;     /* the issuing region: the site must be one of its sites
                               (NULL = not checked) */
    const char *ref;        /* what it is for, e.g. "muni_round:12" (into the move's note) */
};
/* Issue `doses` of a lot from a site to a municipality at env->now, INSIDE THE
 * CALLER'S OPEN TRANSACTION (env->st: vx_store_begin done by the caller, who commits
 * together with its own record, e.g. the round's hand-over). One stock move
 * `transfer_out` (ref 0, actor env->user, note "issue to kommun K: REF") so the
 * site's stock is still the sum of its moves; the doses are in no site's stock
 * afterwards (a nurse's dose moves no stock). Everything is checked before anything
 * is written: a refusal writes nothing and leaves the transaction usable. *lot_id
 * and *left (both may be NULL) get the lot and the doses the site has left.
 * Refusals: bad_input (doses, kommun, lot number), site_unknown, place (site not of
 * `region`), lot_unknown, lot_expired, stock (more than the site has). */
enum vx_status vx_care_issue_in_tx(const struct vx_care_env *env, const struct vx_care_issue *r,
                                   int64_t *lot_id, int *left, struct vx_care_result *res);

/* Count of one lot at a site: expected = stock on hand; a discrepancy adjusts the
 * stock to the count and opens a follow-up. *out (may be NULL) gets the record. */
enum vx_status vx_care_count(const struct vx_care_env *env, int64_t site_id, int64_t lot_id,
                             int counted, const char *note, struct vx_count_rec *out,
                             struct vx_care_result *res);

/* Record a cold-chain excursion (e->site_id, lot_id, from/to, min/max, decision,
 * doses, note; e->at and e->by are set by the call). decision discard: `doses`
 * (0 = all on hand) become wastage 'cold_chain'. *id gets the excursion. */
enum vx_status vx_care_excursion(const struct vx_care_env *env, const struct vx_excursion_rec *e,
                                 int64_t *id, struct vx_care_result *res);

/* Wastage outside a vial close: vial_id != 0 counts doses of that open vial (e.g.
 * a broken syringe draw; never more than its remaining nominal doses); vial_id 0
 * takes unopened doses out of the site's stock. reason and note as given. */
enum vx_status vx_care_wastage(const struct vx_care_env *env, const struct vx_wastage_rec *w,
                               int64_t *id, struct vx_care_result *res);

/* ------------------------------------------------------------------ actions: vials */

/* Open a vial of `lot_id` at `site_id` (or site 0 + kommun for a nurse) at env->now:
 * its nominal doses leave the stock, its timer comes from the catalogue, capped by
 * the lot. Refusals: site_unknown, lot_unknown, lot_expired, stock. *out (may be
 * NULL) gets the vial. */
enum vx_status vx_care_vial_open(const struct vx_care_env *env, int64_t site_id, const char *kommun,
                                 int64_t lot_id, struct vx_vial_rec *out,
                                 struct vx_care_result *res);
/* Close an open vial: its leftover (vx_care_vial_leftover) becomes wastage with
 * `reason` (leftover, or expired/broken). *wasted (may be NULL) gets the doses.
 * Refusals: not_found, state (not open). */
enum vx_status vx_care_vial_close(const struct vx_care_env *env, int64_t vial_id,
                                  enum vx_waste_reason reason, int *wasted,
                                  struct vx_care_result *res);
/* Close every open vial past its usable-until as wastage 'expired' and expire every
 * standby offer past its answer time, at env->now. Counts into *vials / *offers
 * (may be NULL). One transaction. */
enum vx_status vx_care_sweep(const struct vx_care_env *env, int *vials, int *offers,
                             struct vx_care_result *res);

/* ------------------------------------------------------------------ actions: doses */

struct vx_care_dose_in {
    int64_t person_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    int64_t lot_id;                     /* or ... */
    char lot_number[VX_LOT_NUMBER_MAX]; /* ... the lot number (of that vaccine) */
    int64_t vial_id; /* 0 = no vial (syringe, or a nurse without vial tracking) */
    int dose_number; /* 0 = next */
    int64_t site_id; /* 0 = municipal nurse: then kommun */
    char kommun[5];
    int64_t booking_id;      /* the booking fulfilled (checked: person, site, day); 0 = none */
    int64_t offer_id;        /* an accepted standby offer fulfilled; 0 = none */
    vx_time given_at;        /* 0 = env->now */
    char injection_site[16]; /* "left_arm", "right_arm", "left_thigh", "right_thigh", "" */
};
/* Record a dose after every check of vx_care_check_dose (+ booking, offer). On
 * success *dose_id (may be NULL) gets the id; the booking becomes attended, the
 * offer used; a dose without a vial at a site takes 1 dose from the lot's stock.
 * Audited "dose.record". res carries a warning for a late dose. */
enum vx_status vx_care_record_dose(const struct vx_care_env *env, const struct vx_care_dose_in *in,
                                   int64_t *dose_id, struct vx_care_result *res);

/* A correction: fields set here replace the dose's values (0/"" = keep). */
struct vx_care_correction {
    char vaccine[VX_VACCINE_CODE_MAX];
    int64_t lot_id;
    char lot_number[VX_LOT_NUMBER_MAX];
    int64_t vial_id;
    int dose_number;
    vx_time given_at;
    char injection_site[16];
};
/* Correct a valid dose: the new values are checked like a new dose (the dose itself
 * ignored), the old values go to dose_history, version + 1. `reason` required.
 * Refusals: not_found, state (voided), bad_input (no reason / nothing changed), and
 * every dose check. Audited "dose.correct". */
enum vx_status vx_care_correct_dose(const struct vx_care_env *env, int64_t dose_id,
                                    const struct vx_care_correction *c, const char *reason,
                                    struct vx_care_result *res);
/* Void a valid dose (given in error, recorded twice): status voided, reason kept,
 * version + 1, old values in dose_history. Audited "dose.void". */
enum vx_status vx_care_void_dose(const struct vx_care_env *env, int64_t dose_id, const char *reason,
                                 struct vx_care_result *res);
/* Report an adverse event for a dose (a->dose_id, reporter, onset_at, description,
 * serious, seriousness, code; person and region are taken from the dose). Refusals:
 * not_found, bad_input (no description, onset before the dose or after now).
 * Audited "dose.aefi". */
enum vx_status vx_care_aefi(const struct vx_care_env *env, const struct vx_aefi_rec *a, int64_t *id,
                            struct vx_care_result *res);

/* Check in a booking at its site (arrival); the booking must be for `site_id` on the
 * local day of env->now and in status booked. Audited "booking.checkin". */
enum vx_status vx_care_checkin(const struct vx_care_env *env, int64_t booking_id, int64_t site_id,
                               struct vx_care_result *res);
/* End of day: every booking of the site on `day` still in status booked becomes
 * no_show. *n (may be NULL) gets how many. */
enum vx_status vx_care_day_close(const struct vx_care_env *env, int64_t site_id, vx_day day, int *n,
                                 struct vx_care_result *res);

/* ------------------------------------------------------------------ actions: standby */

/* Opt the person in (or update): site 0 = any site of the person's region; minutes
 * 1..240. active false opts out. Audited "standby.optin". */
enum vx_status vx_care_standby_optin(const struct vx_care_env *env, int64_t person_id,
                                     int64_t site_id, int minutes, bool phone, bool active,
                                     struct vx_care_result *res);
/* Candidates for the leftovers of open vial `vial_id` at env->now: opted in for its
 * site (or any site of its region), eligible on that day (rules and the product's age
 * rules), due the next dose of a schedule that this product may continue (interval
 * respected), not booked for that dose, without an open offer, and able to arrive
 * before the vial's end. Sorted by vx_care_standby_cmp into out[0..*n) (*n <= cap).
 * Reads person data: the caller audits what it shows. Refusals: not_found,
 * state (vial not open or no doses left). */
enum vx_status vx_care_standby_candidates(const struct vx_care_env *env, int64_t vial_id,
                                          struct vx_care_candidate *out, int cap, int *n,
                                          struct vx_care_result *res);
/* Offer a leftover dose of vial `vial_id` to `person_id` (must be a candidate now),
 * answer within timeout_s (0 = VX_CARE_OFFER_TIMEOUT_S). At most as many open or
 * accepted offers per vial as it has doses left. *out (may be NULL) gets the offer. */
enum vx_status vx_care_offer(const struct vx_care_env *env, int64_t vial_id, int64_t person_id,
                             int timeout_s, struct vx_offer_rec *out, struct vx_care_result *res);
/* Accept (true) or decline an open offer; past expires_at it becomes expired and
 * the answer is refused (not_eligible). */
enum vx_status vx_care_offer_answer(const struct vx_care_env *env, int64_t offer_id, bool accept,
                                    struct vx_care_result *res);

/* ------------------------------------------------------------------ other modules */

/* Stock figures of a region ("" = whole country) on `day` (the 7 days before `day`
 * for the dose rate, the 28 days before for wastage; env-free, reads only). */
struct vx_care_region_stock {
    int64_t on_hand;      /* doses in stock at the region's sites */
    double given_per_day; /* valid doses given per day, average of the last 7 days */
    int64_t wasted_28d;   /* doses wasted in the last 28 days */
    int64_t drawn_28d;    /* valid doses given in the last 28 days (used = drawn + wasted) */
    double cover_days;    /* on_hand / given_per_day (-1 when nothing was given) */
    double waste_pct;     /* 100 * wasted / (wasted + drawn) (0 when both 0) */
};
enum vx_status vx_care_region_stock(struct vx_store *st, const char *region, vx_day day,
                                    struct vx_care_region_stock *out);

/* Demo hook (demo-setup): at each demo site with supply (site_supply rows up to
 * `today`'s week) receive lots with real-looking lot numbers ("EJ6795"), open and
 * close a few vials in the past days with leftovers as wastage, and leave one vial
 * open on `today` at the first sites. Deterministic for a given `seed`. `cat` is
 * the catalogue (borrowed). *lots / *vials (may be NULL) get counts. Uses its own
 * transactions. */
enum vx_status vx_care_demo_seed(struct vx_store *st, const struct vx_catalog *cat, vx_day today,
                                 uint64_t seed, int *lots, int *vials, struct vx_err *err);

#endif
