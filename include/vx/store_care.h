/*
 * store_care.h — storage of the care module: lots and stock at sites, transfers,
 * counts, cold-chain excursions, vials, wastage, the standby list and its offers,
 * dose corrections (dose_history), adverse events and check-ins (schema v4).
 *
 * Reached as st->ops->care. Every operation follows the conventions of
 * include/vx/store.h: VX_OK or a negative status with st->err set; argument
 * structs borrowed for the call; a failed write inside vx_store_begin()/commit()
 * dooms the transaction. These are plain storage operations with no rules: the
 * checks (expiry, yields, intervals, scope) live in src/care (include/vx/care.h),
 * which is the one writer of these tables and the only module that updates doses.
 *
 * Stock accounting (docs/care.md): stock of a lot at a site is the sum of its
 * stock moves in doses — receipt (+), transfer_out (-, when sent), transfer_in (+,
 * when received), vial_open (- the vial's nominal doses), dose (-1: a dose recorded
 * without a vial, e.g. a pre-filled syringe), wastage (- unopened doses lost) and
 * count (± the reconciliation adjustment). In-transit doses are in no site's stock.
 */
#ifndef VX_STORE_CARE_H
#define VX_STORE_CARE_H

#include <stdbool.h>
#include <stdint.h>
#include "vx/date.h"
#include "vx/store.h"

#define VX_CARE_TEXT_MAX 256 /* bytes of a free-text note or reason incl. NUL */
#define VX_CARE_USER_MAX 64  /* bytes of a staff user id incl. NUL */

/* A lot (batch) of one product; `lots` table (v1 + v4 columns). */
struct vx_lot_rec {
    int64_t id; /* 0 on insert */
    char vaccine[VX_VACCINE_CODE_MAX];
    char lot_number[VX_LOT_NUMBER_MAX];
    vx_day expiry; /* manufacturer's expiry date (last usable day) */
    char manufacturer[64];
    vx_time received_at;  /* first receipt, 0 = unknown */
    vx_time thawed_at;    /* taken out of the freezer; 0 = not frozen / unknown (v4) */
    vx_time usable_until; /* end of the expiry day or thaw limit, whichever first (v4) */
};

enum vx_stock_move_kind {
    VX_MOVE_RECEIPT = 0,
    VX_MOVE_TRANSFER_OUT,
    VX_MOVE_TRANSFER_IN,
    VX_MOVE_VIAL_OPEN,
    VX_MOVE_DOSE,
    VX_MOVE_WASTAGE,
    VX_MOVE_COUNT,
    VX_MOVE_KIND_COUNT
};
/* "receipt", "transfer_out", "transfer_in", "vial_open", "dose", "wastage", "count" */
const char *vx_stock_move_code(enum vx_stock_move_kind k);

struct vx_stock_move_rec {
    int64_t site_id;
    int64_t lot_id;
    enum vx_stock_move_kind kind;
    int doses;      /* signed change */
    int64_t ref_id; /* transfer, vial, wastage or count id; 0 = none */
    vx_time at;
    char by[VX_CARE_USER_MAX];
    char note[VX_CARE_TEXT_MAX]; /* receipts: allocation/delivery reference */
};

/* Stock of one lot at one site (on read). */
struct vx_stock_row {
    int64_t site_id;
    char site_code[32];
    struct vx_lot_rec lot;
    int doses;       /* on hand (sum of moves) */
    int in_transit;  /* sent to this site, not yet received */
    int open_vials;  /* vials of the lot open at the site */
    vx_time last_at; /* latest move */
};

enum vx_transfer_status { VX_TRANSFER_SENT = 0, VX_TRANSFER_RECEIVED, VX_TRANSFER_STATUS_COUNT };
/* "sent", "received" */
const char *vx_transfer_status_code(enum vx_transfer_status s);

struct vx_transfer_rec {
    int64_t id; /* 0 on insert */
    int64_t lot_id;
    int64_t from_site, to_site;
    int doses; /* sent */
    enum vx_transfer_status status;
    vx_time sent_at;
    char sent_by[VX_CARE_USER_MAX];
    vx_time received_at; /* 0 until received */
    char received_by[VX_CARE_USER_MAX];
    int received_doses; /* counted at arrival (a shortfall is flagged like a count) */
    char note[VX_CARE_TEXT_MAX];
};

enum vx_followup { VX_FOLLOWUP_NONE = 0, VX_FOLLOWUP_OPEN, VX_FOLLOWUP_RESOLVED };
/* "none", "open", "resolved" */
const char *vx_followup_code(enum vx_followup f);

/* A stock count of one lot at a site: expected (from the moves) vs counted. */
struct vx_count_rec {
    int64_t id; /* 0 on insert */
    int64_t site_id;
    int64_t lot_id;
    int expected, counted; /* discrepancy = counted - expected */
    vx_time at;
    char by[VX_CARE_USER_MAX];
    enum vx_followup followup; /* OPEN when counted != expected */
    char note[VX_CARE_TEXT_MAX];
};

enum vx_excursion_decision { VX_EXCURSION_USABLE = 0, VX_EXCURSION_DISCARD };
/* "usable", "discard" */
const char *vx_excursion_decision_code(enum vx_excursion_decision d);

struct vx_excursion_rec {
    int64_t id; /* 0 on insert */
    int64_t site_id;
    int64_t lot_id;
    vx_time from_at, to_at;
    double min_c, max_c; /* lowest and highest temperature measured */
    enum vx_excursion_decision decision;
    int doses; /* discarded (decision discard), else 0 */
    vx_time at;
    char by[VX_CARE_USER_MAX];
    char note[VX_CARE_TEXT_MAX];
};

enum vx_vial_status { VX_VIAL_OPEN = 0, VX_VIAL_CLOSED, VX_VIAL_EXPIRED, VX_VIAL_STATUS_COUNT };
/* "open", "closed", "expired" */
const char *vx_vial_status_code(enum vx_vial_status s);

struct vx_vial_rec {
    int64_t id;      /* 0 on insert */
    int64_t site_id; /* 0 = opened by a municipal nurse (then kommun is set) */
    char kommun[5];
    int64_t lot_id;
    char vaccine[VX_VACCINE_CODE_MAX]; /* on read: the lot's product */
    char lot_number[VX_LOT_NUMBER_MAX];
    vx_time opened_at;
    vx_time usable_until; /* opened_at + catalogue open hours, capped by the lot */
    int nominal;          /* doses per vial taken from stock (catalogue nominal) */
    int max_doses;        /* most doses that may be drawn (catalogue usual) */
    enum vx_vial_status status;
    vx_time closed_at;
    char opened_by[VX_CARE_USER_MAX];
    char closed_by[VX_CARE_USER_MAX];
    int drawn;  /* on read: valid doses recorded with this vial */
    int wasted; /* on read: doses of this vial recorded as wastage */
};

enum vx_waste_reason {
    VX_WASTE_EXPIRED = 0,
    VX_WASTE_BROKEN,
    VX_WASTE_LEFTOVER,
    VX_WASTE_COLD_CHAIN,
    VX_WASTE_OTHER,
    VX_WASTE_REASON_COUNT
};
/* "expired", "broken", "leftover", "cold_chain", "other"; parse: VX_EINVAL if unknown */
const char *vx_waste_reason_code(enum vx_waste_reason r);
enum vx_status vx_waste_reason_parse(const char *s, enum vx_waste_reason *out);

struct vx_wastage_rec {
    int64_t id;      /* 0 on insert */
    int64_t site_id; /* 0 = a municipal nurse's vial (then kommun) */
    char kommun[5];
    int64_t lot_id;
    int64_t vial_id; /* 0 = unopened stock */
    int64_t excursion_id;
    int doses;
    enum vx_waste_reason reason;
    vx_time at;
    char by[VX_CARE_USER_MAX];
    char note[VX_CARE_TEXT_MAX];
    char vaccine[VX_VACCINE_CODE_MAX];  /* on read */
    char lot_number[VX_LOT_NUMBER_MAX]; /* on read */
};

/* A person's opt-in to the standby list (one row per person). */
struct vx_standby_rec {
    int64_t person_id;
    char region[3];  /* the person's region */
    int64_t site_id; /* 0 = any site of the region */
    int minutes;     /* minutes the person needs to arrive */
    bool phone;      /* may be phoned */
    bool active;     /* false after opting out or being vaccinated through it */
    vx_time opted_in_at;
};

enum vx_offer_status {
    VX_OFFER_OPEN = 0,
    VX_OFFER_ACCEPTED,
    VX_OFFER_DECLINED,
    VX_OFFER_EXPIRED,
    VX_OFFER_USED, /* the dose was recorded */
    VX_OFFER_STATUS_COUNT
};
/* "offered", "accepted", "declined", "expired", "used" */
const char *vx_offer_status_code(enum vx_offer_status s);

struct vx_offer_rec {
    int64_t id; /* 0 on insert */
    int64_t person_id;
    char region[3];
    int64_t vial_id;
    int64_t site_id;
    char vaccine[VX_VACCINE_CODE_MAX];
    int dose_number;
    vx_time offered_at;
    vx_time expires_at; /* answer by then, else expired */
    enum vx_offer_status status;
    vx_time answered_at;
    char offered_by[VX_CARE_USER_MAX];
    int64_t dose_id; /* status used */
};

/* One change of a dose (dose_history): the values BEFORE the change. */
struct vx_dose_history_rec {
    int64_t id;
    int64_t dose_id;
    int version;     /* the dose's version before the change */
    char action[12]; /* "correct" or "void" */
    vx_time at;
    char by[VX_CARE_USER_MAX];
    char reason[VX_CARE_TEXT_MAX];
    struct vx_dose_rec old; /* the dose as it was */
};

/* An adverse event following immunisation, linked to a dose. */
struct vx_aefi_rec {
    int64_t id; /* 0 on insert */
    int64_t dose_id;
    int64_t person_id;
    char region[3];
    char reporter[VX_CARE_USER_MAX]; /* who reports (staff user id, or "person") */
    vx_time onset_at;
    char description[1024];
    bool serious;
    char seriousness[32]; /* "", "death", "life_threatening", "hospitalisation", ... */
    char code[32];        /* MedDRA-like free code, e.g. "10037087" */
    vx_time reported_at;
    char reported_by[VX_CARE_USER_MAX];
};

/* A booking with its slot, for check-in and the day list. */
struct vx_care_booking {
    struct vx_booking_rec b;
    int64_t site_id;
    vx_day day;
    int start_minute, minutes;
    char vaccine[VX_VACCINE_CODE_MAX];
    vx_time arrived_at; /* checked in, 0 = not yet */
    int64_t dose_id;    /* a valid dose recorded for this booking, 0 = none */
    char given_name[64], family_name[64];
    vx_day birth;
};

/* Figures of one region (vx_care_region_stock). */
struct vx_care_region_figures {
    int64_t on_hand; /* doses in stock at the region's sites now */
    int64_t given;   /* valid doses given in [given_from, to) */
    int64_t wasted;  /* doses wasted in [waste_from, to) */
    int64_t drawn;   /* valid doses given in [waste_from, to), with or without a vial
                      * (a back-filled or municipal dose has none); the region is the
                      * person's */
    int64_t vials_opened;
};

typedef int (*vx_stock_cb)(void *ctx, const struct vx_stock_row *r);
typedef int (*vx_vial_cb)(void *ctx, const struct vx_vial_rec *r);
typedef int (*vx_wastage_cb)(void *ctx, const struct vx_wastage_rec *r);
typedef int (*vx_transfer_cb)(void *ctx, const struct vx_transfer_rec *r);
typedef int (*vx_count_cb)(void *ctx, const struct vx_count_rec *r);
typedef int (*vx_standby_cb)(void *ctx, const struct vx_standby_rec *r);
typedef int (*vx_offer_cb)(void *ctx, const struct vx_offer_rec *r);
typedef int (*vx_history_cb)(void *ctx, const struct vx_dose_history_rec *r);
typedef int (*vx_aefi_cb)(void *ctx, const struct vx_aefi_rec *r);
typedef int (*vx_care_booking_cb)(void *ctx, const struct vx_care_booking *r);

/* foreach ops stop early when the callback returns non-zero. */
struct vx_store_care_ops {
    const char *name; /* backend name */

    /* Site by store id (VX_ENOTFOUND if none). */
    enum vx_status (*site_get_id)(struct vx_store *st, int64_t id, struct vx_site_rec *out);

    /* ---- lots ---- */
    /* Insert a lot, or find the existing (vaccine, lot_number): *id gets its id and
     * *created whether it was new. An existing lot with another expiry: VX_ECONFLICT.
     * A thaw time given for an existing lot without one is stored (with usable_until). */
    enum vx_status (*lot_put)(struct vx_store *st, const struct vx_lot_rec *l, int64_t *id,
                              bool *created);
    enum vx_status (*lot_get)(struct vx_store *st, int64_t id, struct vx_lot_rec *out);
    enum vx_status (*lot_find)(struct vx_store *st, const char *vaccine, const char *lot_number,
                               struct vx_lot_rec *out);

    /* ---- stock ---- */
    enum vx_status (*move_put)(struct vx_store *st, const struct vx_stock_move_rec *m);
    /* Doses of lot at site on hand (0 when never moved). */
    enum vx_status (*stock_get)(struct vx_store *st, int64_t site_id, int64_t lot_id, int *doses);
    /* Stock rows of one site (site_id != 0) or of every site of `region` ("" = all),
     * by site, vaccine, expiry; rows with nothing on hand, in transit or open are left out. */
    enum vx_status (*stock_foreach)(struct vx_store *st, int64_t site_id, const char *region,
                                    vx_stock_cb cb, void *ctx);

    /* ---- transfers, counts, excursions ---- */
    enum vx_status (*transfer_put)(struct vx_store *st, const struct vx_transfer_rec *t,
                                   int64_t *id);
    enum vx_status (*transfer_get)(struct vx_store *st, int64_t id, struct vx_transfer_rec *out);
    /* Mark received; VX_ECONFLICT when it is not in status sent. */
    enum vx_status (*transfer_receive)(struct vx_store *st, int64_t id, int doses, vx_time at,
                                       const char *by);
    /* Transfers from or to a site (newest first). */
    enum vx_status (*transfer_foreach)(struct vx_store *st, int64_t site_id, vx_transfer_cb cb,
                                       void *ctx);
    enum vx_status (*count_put)(struct vx_store *st, const struct vx_count_rec *c, int64_t *id);
    /* Counts of a site (newest first); open_only: only open follow-ups. */
    enum vx_status (*count_foreach)(struct vx_store *st, int64_t site_id, bool open_only,
                                    vx_count_cb cb, void *ctx);
    enum vx_status (*excursion_put)(struct vx_store *st, const struct vx_excursion_rec *e,
                                    int64_t *id);

    /* ---- vials ---- */
    enum vx_status (*vial_put)(struct vx_store *st, const struct vx_vial_rec *v, int64_t *id);
    /* Vial with drawn/wasted counted. */
    enum vx_status (*vial_get)(struct vx_store *st, int64_t id, struct vx_vial_rec *out);
    /* Close an open vial; VX_ECONFLICT when it is not open. */
    enum vx_status (*vial_close)(struct vx_store *st, int64_t id, enum vx_vial_status status,
                                 vx_time at, const char *by);
    /* Vials of a site (site_id 0: every site) opened in [from, to), or with open_only
     * every open one regardless of time; by opened_at. */
    enum vx_status (*vial_foreach)(struct vx_store *st, int64_t site_id, bool open_only,
                                   vx_time from, vx_time to, vx_vial_cb cb, void *ctx);

    /* ---- wastage ---- */
    enum vx_status (*wastage_put)(struct vx_store *st, const struct vx_wastage_rec *w, int64_t *id);
    /* Wastage of a site in [from, to), newest first. */
    enum vx_status (*wastage_foreach)(struct vx_store *st, int64_t site_id, vx_time from,
                                      vx_time to, vx_wastage_cb cb, void *ctx);

    /* ---- standby ---- */
    /* Upsert the person's opt-in. */
    enum vx_status (*standby_put)(struct vx_store *st, const struct vx_standby_rec *s);
    enum vx_status (*standby_get)(struct vx_store *st, int64_t person_id,
                                  struct vx_standby_rec *out);
    /* Active opt-ins of `region` for `site_id` (those with site 0 too), in opt-in
     * order. */
    enum vx_status (*standby_foreach)(struct vx_store *st, const char *region, int64_t site_id,
                                      vx_standby_cb cb, void *ctx);
    enum vx_status (*offer_put)(struct vx_store *st, const struct vx_offer_rec *o, int64_t *id);
    enum vx_status (*offer_get)(struct vx_store *st, int64_t id, struct vx_offer_rec *out);
    /* Set status (and dose_id when != 0); VX_ECONFLICT when the offer is not in
     * status `from`. */
    enum vx_status (*offer_set)(struct vx_store *st, int64_t id, enum vx_offer_status from,
                                enum vx_offer_status to, vx_time at, int64_t dose_id);
    /* Offers of a site (site_id 0: every site) or of one person (person_id != 0) with
     * status open or accepted, oldest first. */
    enum vx_status (*offer_foreach)(struct vx_store *st, int64_t site_id, int64_t person_id,
                                    vx_offer_cb cb, void *ctx);

    /* ---- doses: reads, corrections, history, adverse events ---- */
    enum vx_status (*dose_get)(struct vx_store *st, int64_t id, struct vx_dose_rec *out);
    /* Overwrite the mutable columns of dose d->id (vaccine, lot, dose number, time,
     * site, kommun, vial, injection site, status, void reason, version, updated_at). */
    enum vx_status (*dose_update)(struct vx_store *st, const struct vx_dose_rec *d);
    enum vx_status (*history_put)(struct vx_store *st, const struct vx_dose_history_rec *h);
    enum vx_status (*history_foreach)(struct vx_store *st, int64_t dose_id, vx_history_cb cb,
                                      void *ctx);
    enum vx_status (*aefi_put)(struct vx_store *st, const struct vx_aefi_rec *a, int64_t *id);
    enum vx_status (*aefi_foreach)(struct vx_store *st, int64_t dose_id, vx_aefi_cb cb, void *ctx);

    /* ---- check-in ---- */
    /* A booking with its slot; VX_ENOTFOUND if none. */
    enum vx_status (*booking_get)(struct vx_store *st, int64_t id, struct vx_care_booking *out);
    /* Bookings (every status but cancelled) in slots of site on day, by start time. */
    enum vx_status (*booking_day_foreach)(struct vx_store *st, int64_t site_id, vx_day day,
                                          vx_care_booking_cb cb, void *ctx);
    /* Record arrival (idempotent: a second check-in keeps the first time). */
    enum vx_status (*checkin_put)(struct vx_store *st, int64_t booking_id, int64_t site_id,
                                  vx_time at, const char *by);
    /* Does the person hold a booking in status booked for dose `dose`? */
    enum vx_status (*booking_active)(struct vx_store *st, int64_t person_id, int dose, bool *yes);

    /* ---- figures ---- */
    /* Region ("" = all) figures: on hand now, valid doses given in [given_from, to),
     * wasted and drawn from vials in [waste_from, to). */
    enum vx_status (*region_figures)(struct vx_store *st, const char *region, vx_time given_from,
                                     vx_time waste_from, vx_time to,
                                     struct vx_care_region_figures *out);
};

#endif
