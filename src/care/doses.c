/*
 * doses.c — recording a dose, correcting and voiding it, adverse events, check-in
 * and the day's no-shows (include/vx/care.h).
 *
 * A dose is recorded in one transaction: the facts (person, product, lot, vial,
 * the person's earlier doses, booking, standby offer) are read inside it and
 * handed to the pure check vx_care_check_dose(); only an OK writes — the dose row
 * (through the main store's dose_put, the one insert path for doses), the
 * booking's attendance, the offer's use, one dose from stock when no vial is
 * involved, and the audit row. Any refusal or failure rolls everything back.
 *
 * Corrections keep history: the dose's values before the change go to
 * dose_history (append-only, with who, when and why), the row gets the new values
 * and version + 1 so that the register exports resend it. The new values pass the
 * same check as a new dose with the dose itself left out (a vial kept from the
 * original is not re-checked for being open: it may have been closed since). A
 * void keeps the row (status voided, reason) so that exports can send a deletion.
 */
#include <stdlib.h>
#include <string.h>
#include "care_int.h"

#define MAX_PREV 32 /* a person's doses read for the checks */

static const char *const injection_sites[] = {"left_arm", "right_arm", "left_thigh", "right_thigh"};

static bool injection_site_ok(const char *s)
{
    if (!s[0])
        return true;
    for (size_t i = 0; i < VX_ARRAY_LEN(injection_sites); i++)
        if (strcmp(s, injection_sites[i]) == 0)
            return true;
    return false;
}

/* Facts common to a new dose and a correction, read inside the transaction. */
struct facts {
    struct vx_person_rec person;
    bool have_person;
    struct vx_lot_rec lot;
    bool have_lot;
    struct vx_vial_rec vial;
    bool have_vial;
    struct vx_dose_rec prev[MAX_PREV];
    int n_prev;
};

static enum vx_status load_facts(const struct vx_care_env *env, int64_t person_id,
                                 const char *vaccine, int64_t lot_id, const char *lot_number,
                                 int64_t vial_id, struct facts *f, struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    enum vx_status vs = st->ops->person_get_id(st, person_id, &f->person);
    if (vs == VX_OK)
        f->have_person = true;
    else if (vs != VX_ENOTFOUND)
        return care_store_fail(res, st, vs);
    if (lot_id)
        vs = st->ops->care->lot_get(st, lot_id, &f->lot);
    else if (lot_number && lot_number[0])
        vs = st->ops->care->lot_find(st, vaccine, lot_number, &f->lot);
    else
        vs = VX_ENOTFOUND;
    if (vs == VX_OK)
        f->have_lot = true;
    else if (vs != VX_ENOTFOUND)
        return care_store_fail(res, st, vs);
    if (vial_id) {
        vs = st->ops->care->vial_get(st, vial_id, &f->vial);
        if (vs == VX_OK)
            f->have_vial = true;
        else if (vs != VX_ENOTFOUND)
            return care_store_fail(res, st, vs);
    }
    if (f->have_person) {
        int n = 0;
        vs = st->ops->dose_list_person(st, person_id, f->prev, MAX_PREV, &n);
        if (vs != VX_OK)
            return care_store_fail(res, st, vs);
        f->n_prev = n < MAX_PREV ? n : MAX_PREV;
    }
    return VX_OK;
}

/* The place: an existing site, or (site 0) an existing municipality. */
static enum vx_status check_place(const struct vx_care_env *env, int64_t site_id,
                                  const char *kommun, struct vx_care_result *res)
{
    if (site_id) {
        struct vx_site_rec s;
        return care_get_site(env, site_id, &s, "site", res);
    }
    if (!kommun || !kommun[0])
        return care_set(res, VX_CARE_R_PLACE, NULL, NULL, NULL);
    struct vx_kommun_rec k;
    enum vx_status vs = env->st->ops->kommun_get(env->st, kommun, &k);
    if (vs == VX_ENOTFOUND)
        return care_set(res, VX_CARE_R_PLACE, "kommun", "Kommunen %s finns inte.",
                        "Municipality %s does not exist.", kommun);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

/* ------------------------------------------------------------------ record */

static enum vx_status record_in(const struct vx_care_env *env, const struct vx_care_dose_in *in,
                                int64_t *dose_id, struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    const struct vx_store_care_ops *ops = st->ops->care;
    const struct vx_product *p = vx_catalog_find(env->cat, in->vaccine);
    enum vx_status rc = check_place(env, in->site_id, in->kommun, res);
    if (rc != VX_OK)
        return rc;
    struct facts *f = calloc(1, sizeof *f);
    if (!f)
        return care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
    rc = load_facts(env, in->person_id, in->vaccine, in->lot_id, in->lot_number, in->vial_id, f,
                    res);
    if (rc != VX_OK)
        goto out;
    vx_time given_at = in->given_at ? in->given_at : env->now;
    struct vx_care_dose_facts df = {
        .vaccine = in->vaccine,
        .product = p,
        .person = f->have_person ? &f->person : NULL,
        .given_at = given_at,
        .now = env->now,
        .dose_number = in->dose_number,
        .site_id = in->site_id,
        .kommun = in->site_id ? "" : in->kommun,
        .lot_id = in->lot_id,
        .lot = f->have_lot ? &f->lot : NULL,
        .vial_id = in->vial_id,
        .vial = f->have_vial ? &f->vial : NULL,
        .prev = f->prev,
        .n_prev = f->n_prev,
    };
    int dose = 0;
    if ((rc = vx_care_check_dose(&df, res, &dose)) != VX_OK)
        goto out;

    /* the booking fulfilled */
    if (in->booking_id) {
        struct vx_care_booking b;
        enum vx_status vs = ops->booking_get(st, in->booking_id, &b);
        if (vs != VX_OK && vs != VX_ENOTFOUND) {
            rc = care_store_fail(res, st, vs);
            goto out;
        }
        if (vs == VX_ENOTFOUND || b.b.person_id != in->person_id || b.site_id != in->site_id ||
            b.day != care_local_day(given_at) || b.b.status != VX_BOOKING_BOOKED ||
            strcmp(b.vaccine, p->code) != 0) {
            rc = care_set(res, VX_CARE_R_BOOKING, NULL,
                          "Bokning %lld gäller inte denna person, plats, dag och vaccin, eller är "
                          "inte aktiv.",
                          "Booking %lld is not for this person, place, day and vaccine, or is not "
                          "active.",
                          (long long)in->booking_id);
            goto out;
        }
    }
    /* the standby offer fulfilled */
    struct vx_offer_rec offer;
    if (in->offer_id) {
        enum vx_status vs = ops->offer_get(st, in->offer_id, &offer);
        if (vs != VX_OK) {
            rc = care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
            if (res && vs == VX_ENOTFOUND)
                res->field = "offer";
            goto out;
        }
        if (offer.person_id != in->person_id || offer.status != VX_OFFER_ACCEPTED ||
            (in->vial_id && offer.vial_id != in->vial_id)) {
            rc = care_set(res, VX_CARE_R_STATE, "offer",
                          "Erbjudandet är inte accepterat av denna person för denna flaska.",
                          "The offer is not accepted by this person for this vial.");
            goto out;
        }
    }
    if (!injection_site_ok(in->injection_site)) {
        rc = care_set(res, VX_CARE_R_BAD_INPUT, "injection_site", "(%s)", "(%s)",
                      in->injection_site);
        goto out;
    }
    /* a dose without a vial at a site takes one dose of the lot from stock */
    if (!in->vial_id && in->site_id &&
        (rc = care_need_stock(env, in->site_id, f->lot.id, 1, "lot", res)) != VX_OK)
        goto out;

    struct vx_dose_rec d = {
        .person_id = in->person_id,
        .dose_number = dose,
        .given_at = given_at,
        .site_id = in->site_id,
        .created_at = env->now,
        .booking_id = in->booking_id,
        .lot_id = f->lot.id,
        .vial_id = in->vial_id,
    };
    care_copy(d.region, sizeof d.region, f->person.p.region);
    care_copy(d.vaccine, sizeof d.vaccine, p->code);
    care_copy(d.lot_number, sizeof d.lot_number, f->lot.lot_number);
    care_copy(d.vaccinator, sizeof d.vaccinator, env->user);
    care_copy(d.source, sizeof d.source, "recorded");
    if (!in->site_id)
        care_copy(d.kommun, sizeof d.kommun, in->kommun);
    care_copy(d.injection_site, sizeof d.injection_site, in->injection_site);
    int64_t id = 0;
    enum vx_status vs = st->ops->dose_put(st, &d, &id);
    if (vs != VX_OK) {
        rc = care_store_fail(res, st, vs);
        goto out;
    }
    if (in->booking_id) {
        if ((vs = ops->checkin_put(st, in->booking_id, in->site_id, given_at, env->user)) !=
                VX_OK ||
            (vs = st->ops->booking_set_status(st, in->booking_id, VX_BOOKING_ATTENDED, env->now)) !=
                VX_OK) {
            rc = care_store_fail(res, st, vs);
            goto out;
        }
    }
    if (in->offer_id) {
        struct vx_standby_rec sb;
        vs = ops->offer_set(st, in->offer_id, VX_OFFER_ACCEPTED, VX_OFFER_USED, env->now, id);
        if (vs == VX_OK && (vs = ops->standby_get(st, in->person_id, &sb)) == VX_OK) {
            sb.active = false;
            vs = ops->standby_put(st, &sb);
        }
        if (vs != VX_OK && vs != VX_ENOTFOUND) {
            rc = care_store_fail(res, st, vs);
            goto out;
        }
    }
    if (!in->vial_id && in->site_id &&
        (rc = care_move(env, in->site_id, f->lot.id, VX_MOVE_DOSE, -1, id, "", res)) != VX_OK)
        goto out;
    char detail[128];
    snprintf(detail, sizeof detail, "dose:%lld %s dose %d lot %s", (long long)id, p->code, dose,
             f->lot.lot_number);
    if ((vs = care_audit(env, "dose.record", in->person_id, f->person.p.region, detail)) != VX_OK) {
        rc = care_store_fail(res, st, vs);
        goto out;
    }
    if (dose_id)
        *dose_id = id;
    rc = VX_OK;
out:
    free(f);
    return rc;
}

enum vx_status vx_care_record_dose(const struct vx_care_env *env, const struct vx_care_dose_in *in,
                                   int64_t *dose_id, struct vx_care_result *res)
{
    if (dose_id)
        *dose_id = 0;
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    char warn_sv[VX_CARE_MSG_MAX] = "", warn_en[VX_CARE_MSG_MAX] = "";
    rc = care_end(env, record_in(env, in, dose_id, res), res);
    if (rc == VX_OK && res) { /* keep the warning of the check across care_end */
        care_copy(warn_sv, sizeof warn_sv, res->warn_sv);
        care_copy(warn_en, sizeof warn_en, res->warn_en);
        care_ok(res);
        care_copy(res->warn_sv, sizeof res->warn_sv, warn_sv);
        care_copy(res->warn_en, sizeof res->warn_en, warn_en);
    }
    return rc;
}

/* ------------------------------------------------------------------ correct, void */

static enum vx_status history(const struct vx_care_env *env, const struct vx_dose_rec *old,
                              const char *action, const char *reason, struct vx_care_result *res)
{
    struct vx_dose_history_rec h = {.dose_id = old->id, .version = old->version, .at = env->now};
    care_copy(h.action, sizeof h.action, action);
    care_copy(h.by, sizeof h.by, env->user);
    care_copy(h.reason, sizeof h.reason, reason);
    h.old = *old;
    enum vx_status vs = env->st->ops->care->history_put(env->st, &h);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

static enum vx_status correct_in(const struct vx_care_env *env, int64_t dose_id,
                                 const struct vx_care_correction *c, const char *reason,
                                 struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    struct vx_dose_rec old;
    enum vx_status vs = st->ops->care->dose_get(st, dose_id, &old);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (old.voided)
        return care_set(res, VX_CARE_R_STATE, NULL, "Dosen är makulerad.", "The dose is voided.");
    struct vx_dose_rec d = old;
    if (c->vaccine[0])
        care_copy(d.vaccine, sizeof d.vaccine, c->vaccine);
    bool lot_changed = c->lot_id || c->lot_number[0];
    if (c->vial_id)
        d.vial_id = c->vial_id;
    if (c->dose_number)
        d.dose_number = c->dose_number;
    if (c->given_at)
        d.given_at = c->given_at;
    if (c->injection_site[0])
        care_copy(d.injection_site, sizeof d.injection_site, c->injection_site);
    if (!injection_site_ok(d.injection_site))
        return care_set(res, VX_CARE_R_BAD_INPUT, "injection_site", "(%s)", "(%s)",
                        d.injection_site);
    struct facts *f = calloc(1, sizeof *f);
    if (!f)
        return care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
    enum vx_status rc = load_facts(env, d.person_id, d.vaccine, lot_changed ? c->lot_id : d.lot_id,
                                   lot_changed ? c->lot_number : d.lot_number, d.vial_id, f, res);
    if (rc != VX_OK)
        goto out;
    struct vx_care_dose_facts df = {
        .vaccine = d.vaccine,
        .product = vx_catalog_find(env->cat, d.vaccine),
        .person = f->have_person ? &f->person : NULL,
        .given_at = d.given_at,
        .now = env->now,
        .dose_number = d.dose_number,
        .site_id = d.site_id,
        .kommun = d.kommun,
        .lot_id = lot_changed ? c->lot_id : d.lot_id,
        .lot = f->have_lot ? &f->lot : NULL,
        .vial_id = d.vial_id,
        .vial = f->have_vial ? &f->vial : NULL,
        .vial_unchanged = d.vial_id == old.vial_id,
        .prev = f->prev,
        .n_prev = f->n_prev,
        .ignore_dose_id = dose_id,
    };
    if ((rc = vx_care_check_dose(&df, res, NULL)) != VX_OK)
        goto out;
    if (f->have_lot) {
        d.lot_id = f->lot.id;
        care_copy(d.lot_number, sizeof d.lot_number, f->lot.lot_number);
    }
    if (strcmp(d.vaccine, old.vaccine) == 0 && d.lot_id == old.lot_id && d.vial_id == old.vial_id &&
        d.dose_number == old.dose_number && d.given_at == old.given_at &&
        strcmp(d.injection_site, old.injection_site) == 0) {
        rc =
            care_set(res, VX_CARE_R_BAD_INPUT, "reason", "Inget att rätta.", "Nothing to correct.");
        goto out;
    }
    if ((rc = history(env, &old, "correct", reason, res)) != VX_OK)
        goto out;
    d.version = old.version + 1;
    d.updated_at = env->now;
    if ((vs = st->ops->care->dose_update(st, &d)) != VX_OK) {
        rc = care_store_fail(res, st, vs);
        goto out;
    }
    char detail[256];
    snprintf(detail, sizeof detail, "dose:%lld v%d: %.180s", (long long)dose_id, d.version, reason);
    if ((vs = care_audit(env, "dose.correct", d.person_id, d.region, detail)) != VX_OK)
        rc = care_store_fail(res, st, vs);
out:
    free(f);
    return rc;
}

enum vx_status vx_care_correct_dose(const struct vx_care_env *env, int64_t dose_id,
                                    const struct vx_care_correction *c, const char *reason,
                                    struct vx_care_result *res)
{
    care_ok(res);
    if (!reason || !reason[0])
        return care_set(res, VX_CARE_R_BAD_INPUT, "reason", "Ange varför dosen rättas.",
                        "Say why the dose is corrected.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, correct_in(env, dose_id, c, reason, res), res);
}

static enum vx_status void_in(const struct vx_care_env *env, int64_t dose_id, const char *reason,
                              struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    struct vx_dose_rec d;
    enum vx_status vs = st->ops->care->dose_get(st, dose_id, &d);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (d.voided)
        return care_set(res, VX_CARE_R_STATE, NULL, "Dosen är redan makulerad.",
                        "The dose is already voided.");
    enum vx_status rc = history(env, &d, "void", reason, res);
    if (rc != VX_OK)
        return rc;
    d.voided = true;
    care_copy(d.void_reason, sizeof d.void_reason, reason);
    d.version++;
    d.updated_at = env->now;
    if ((vs = st->ops->care->dose_update(st, &d)) != VX_OK)
        return care_store_fail(res, st, vs);
    char detail[256];
    snprintf(detail, sizeof detail, "dose:%lld v%d: %.180s", (long long)dose_id, d.version, reason);
    if ((vs = care_audit(env, "dose.void", d.person_id, d.region, detail)) != VX_OK)
        return care_store_fail(res, st, vs);
    return VX_OK;
}

enum vx_status vx_care_void_dose(const struct vx_care_env *env, int64_t dose_id, const char *reason,
                                 struct vx_care_result *res)
{
    care_ok(res);
    if (!reason || !reason[0])
        return care_set(res, VX_CARE_R_BAD_INPUT, "reason", "Ange varför dosen makuleras.",
                        "Say why the dose is voided.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, void_in(env, dose_id, reason, res), res);
}

/* ------------------------------------------------------------------ AEFI */

static enum vx_status aefi_in(const struct vx_care_env *env, const struct vx_aefi_rec *in,
                              int64_t *id, struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    struct vx_dose_rec d;
    enum vx_status vs = st->ops->care->dose_get(st, in->dose_id, &d);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (in->onset_at < d.given_at || in->onset_at > env->now)
        return care_set(res, VX_CARE_R_BAD_INPUT, "onset_at",
                        "Debuten måste ligga mellan dosen och nu.",
                        "The onset must lie between the dose and now.");
    struct vx_aefi_rec a = *in;
    a.person_id = d.person_id;
    care_copy(a.region, sizeof a.region, d.region);
    a.reported_at = env->now;
    care_copy(a.reported_by, sizeof a.reported_by, env->user);
    if (!a.reporter[0])
        care_copy(a.reporter, sizeof a.reporter, env->user);
    if ((vs = st->ops->care->aefi_put(st, &a, id)) != VX_OK)
        return care_store_fail(res, st, vs);
    char detail[128];
    snprintf(detail, sizeof detail, "dose:%lld aefi%s %s", (long long)d.id,
             a.serious ? " serious" : "", a.code);
    if ((vs = care_audit(env, "dose.aefi", d.person_id, d.region, detail)) != VX_OK)
        return care_store_fail(res, st, vs);
    return VX_OK;
}

enum vx_status vx_care_aefi(const struct vx_care_env *env, const struct vx_aefi_rec *a, int64_t *id,
                            struct vx_care_result *res)
{
    care_ok(res);
    if (!a->description[0])
        return care_set(res, VX_CARE_R_BAD_INPUT, "description", "Beskrivning saknas.",
                        "The description is missing.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, aefi_in(env, a, id, res), res);
}

/* ------------------------------------------------------------------ check-in */

static enum vx_status checkin_in(const struct vx_care_env *env, int64_t booking_id, int64_t site_id,
                                 struct vx_care_result *res)
{
    struct vx_store *st = env->st;
    struct vx_care_booking b;
    enum vx_status vs = st->ops->care->booking_get(st, booking_id, &b);
    if (vs != VX_OK) {
        enum vx_status rc = care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
        if (res && vs == VX_ENOTFOUND)
            res->field = "booking";
        return rc;
    }
    if (b.site_id != site_id || b.day != care_local_day(env->now) ||
        b.b.status != VX_BOOKING_BOOKED)
        return care_set(res, VX_CARE_R_BOOKING, NULL,
                        "Bokningen gäller inte denna mottagning i dag, eller är inte aktiv.",
                        "The booking is not for this site today, or is not active.");
    if ((vs = st->ops->care->checkin_put(st, booking_id, site_id, env->now, env->user)) != VX_OK)
        return care_store_fail(res, st, vs);
    char detail[64];
    snprintf(detail, sizeof detail, "booking:%lld", (long long)booking_id);
    if ((vs = care_audit(env, "booking.checkin", b.b.person_id, b.b.region, detail)) != VX_OK)
        return care_store_fail(res, st, vs);
    return VX_OK;
}

enum vx_status vx_care_checkin(const struct vx_care_env *env, int64_t booking_id, int64_t site_id,
                               struct vx_care_result *res)
{
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, checkin_in(env, booking_id, site_id, res), res);
}

struct noshow_ctx {
    int64_t ids[4096];
    int n;
};

static int noshow_cb(void *ctx, const struct vx_care_booking *b)
{
    struct noshow_ctx *c = ctx;
    if (b->b.status == VX_BOOKING_BOOKED && c->n < (int)VX_ARRAY_LEN(c->ids))
        c->ids[c->n++] = b->b.id;
    return 0;
}

static enum vx_status day_close_in(const struct vx_care_env *env, int64_t site_id, vx_day day,
                                   int *n, struct vx_care_result *res)
{
    struct vx_site_rec s;
    enum vx_status rc = care_get_site(env, site_id, &s, "site", res);
    if (rc != VX_OK)
        return rc;
    struct noshow_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
    enum vx_status vs =
        env->st->ops->care->booking_day_foreach(env->st, site_id, day, noshow_cb, c);
    for (int i = 0; vs == VX_OK && i < c->n; i++)
        vs = env->st->ops->booking_set_status(env->st, c->ids[i], VX_BOOKING_NO_SHOW, env->now);
    if (vs != VX_OK)
        rc = care_store_fail(res, env->st, vs);
    else if (n)
        *n = c->n;
    free(c);
    return rc;
}

enum vx_status vx_care_day_close(const struct vx_care_env *env, int64_t site_id, vx_day day, int *n,
                                 struct vx_care_result *res)
{
    if (n)
        *n = 0;
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, day_close_in(env, site_id, day, n, res), res);
}
