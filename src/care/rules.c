/*
 * rules.c — the pure decisions of the care module: lot and vial timers, what a
 * closed vial wastes, whether a dose may be recorded, how standby candidates rank.
 *
 * Nothing here does I/O or reads the clock: every time is a parameter, every fact
 * comes in a struct, so the rules are deterministic and tested without a database
 * (tests/unit/test_care.c). The actions (stock.c, doses.c, standby.c) gather the
 * facts from the store inside their transaction, ask these functions, and write
 * only when the answer is OK.
 *
 * Refusals come from one table (`reasons`): a stable code, the status that the
 * HTTP layer maps to a reply, the request field at fault, and a Swedish and an
 * English sentence; care_set() appends the numbers that matter (dates, days,
 * doses) in both languages. The dose check runs in a fixed order so that the first
 * refusal is always the same for the same facts: input, vaccine, person, place,
 * time, lot, vial, duplicate, dose number, schedule, interval, age, season.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "care_int.h"

static const struct vx_care_reason_info reasons[VX_CARE_R_COUNT] = {
    [VX_CARE_R_OK] = {VX_CARE_R_OK, "", VX_OK, "", "", ""},
    [VX_CARE_R_BAD_INPUT] = {VX_CARE_R_BAD_INPUT, "bad_input", VX_EINVAL, "", "Ogiltig uppgift.",
                             "Invalid input."},
    [VX_CARE_R_PERSON_UNKNOWN] = {VX_CARE_R_PERSON_UNKNOWN, "person_unknown", VX_ENOTFOUND,
                                  "person", "Personen finns inte.", "No such person."},
    [VX_CARE_R_DECEASED] = {VX_CARE_R_DECEASED, "deceased", VX_ECONFLICT, "person",
                            "Personen är avliden.", "The person is deceased."},
    [VX_CARE_R_VACCINE_UNKNOWN] = {VX_CARE_R_VACCINE_UNKNOWN, "vaccine_unknown", VX_EINVAL,
                                   "vaccine", "Vaccinet finns inte i katalogen.",
                                   "The vaccine is not in the catalogue."},
    [VX_CARE_R_SITE_UNKNOWN] = {VX_CARE_R_SITE_UNKNOWN, "site_unknown", VX_ENOTFOUND, "site",
                                "Mottagningen finns inte.", "No such site."},
    [VX_CARE_R_PLACE] = {VX_CARE_R_PLACE, "place", VX_EINVAL, "site",
                         "Ange mottagning, eller kommun för kommunal sjuksköterska.",
                         "Give a site, or a municipality for a municipal nurse."},
    [VX_CARE_R_LOT_UNKNOWN] = {VX_CARE_R_LOT_UNKNOWN, "lot_unknown", VX_ENOTFOUND, "lot",
                               "Batchen finns inte.", "No such lot."},
    [VX_CARE_R_LOT_VACCINE] = {VX_CARE_R_LOT_VACCINE, "lot_vaccine", VX_EINVAL, "lot",
                               "Batchen är av ett annat vaccin.", "The lot is of another vaccine."},
    [VX_CARE_R_LOT_EXPIRED] = {VX_CARE_R_LOT_EXPIRED, "lot_expired", VX_ECONFLICT, "lot",
                               "Batchen är inte längre användbar.", "The lot is no longer usable."},
    [VX_CARE_R_VIAL_UNKNOWN] = {VX_CARE_R_VIAL_UNKNOWN, "vial_unknown", VX_ENOTFOUND, "vial",
                                "Flaskan finns inte.", "No such vial."},
    [VX_CARE_R_VIAL_CLOSED] = {VX_CARE_R_VIAL_CLOSED, "vial_closed", VX_ECONFLICT, "vial",
                               "Flaskan är stängd.", "The vial is closed."},
    [VX_CARE_R_VIAL_EXPIRED] = {VX_CARE_R_VIAL_EXPIRED, "vial_expired", VX_ECONFLICT, "vial",
                                "Flaskans hållbarhet efter öppning har gått ut.",
                                "The vial's time after opening has run out."},
    [VX_CARE_R_VIAL_LOT] = {VX_CARE_R_VIAL_LOT, "vial_lot", VX_EINVAL, "vial",
                            "Flaskan hör till en annan batch.", "The vial belongs to another lot."},
    [VX_CARE_R_VIAL_SITE] = {VX_CARE_R_VIAL_SITE, "vial_site", VX_EINVAL, "vial",
                             "Flaskan är öppnad på en annan plats.",
                             "The vial was opened at another place."},
    [VX_CARE_R_VIAL_EMPTY] = {VX_CARE_R_VIAL_EMPTY, "vial_empty", VX_ECONFLICT, "vial",
                              "Flaskan är tom.", "The vial is empty."},
    [VX_CARE_R_VIAL_TIME] = {VX_CARE_R_VIAL_TIME, "vial_time", VX_EINVAL, "given_at",
                             "Dosen är registrerad före flaskans öppning.",
                             "The dose is timed before the vial was opened."},
    [VX_CARE_R_DOSE_NUMBER] = {VX_CARE_R_DOSE_NUMBER, "dose_number", VX_EINVAL, "dose_number",
                               "Fel dosnummer.", "Wrong dose number."},
    [VX_CARE_R_NO_SCHEDULE] = {VX_CARE_R_NO_SCHEDULE, "no_schedule", VX_EINVAL, "dose_number",
                               "Dosen ingår inte i vaccinets schema.",
                               "The dose is not in the vaccine's schedule."},
    [VX_CARE_R_INTERVAL] = {VX_CARE_R_INTERVAL, "interval", VX_ERANGE, "given_at",
                            "För tidigt efter föregående dos.",
                            "Too early after the previous dose."},
    [VX_CARE_R_AGE] = {VX_CARE_R_AGE, "age", VX_EDENIED, "person",
                       "Vaccinet får inte ges till personen detta datum.",
                       "The vaccine may not be given to this person on this date."},
    [VX_CARE_R_SEASON] = {VX_CARE_R_SEASON, "season", VX_EINVAL, "vaccine",
                          "Vaccinet ges inte under denna period.", "The vaccine is out of season."},
    [VX_CARE_R_DUPLICATE] = {VX_CARE_R_DUPLICATE, "duplicate", VX_ECONFLICT, "person",
                             "En dos av samma vaccin är redan registrerad samma dag.",
                             "A dose of the same vaccine is already recorded that day."},
    [VX_CARE_R_FUTURE] = {VX_CARE_R_FUTURE, "future", VX_EINVAL, "given_at",
                          "Tidpunkten ligger i framtiden.", "The time is in the future."},
    [VX_CARE_R_BOOKING] = {VX_CARE_R_BOOKING, "booking", VX_ECONFLICT, "booking",
                           "Bokningen passar inte.", "The booking does not match."},
    [VX_CARE_R_STOCK] = {VX_CARE_R_STOCK, "stock", VX_ECONFLICT, "doses",
                         "Det finns inte tillräckligt i lager.", "Not enough in stock."},
    [VX_CARE_R_NOT_FOUND] = {VX_CARE_R_NOT_FOUND, "not_found", VX_ENOTFOUND, "id", "Finns inte.",
                             "Not found."},
    [VX_CARE_R_STATE] = {VX_CARE_R_STATE, "state", VX_ECONFLICT, "id",
                         "Inte möjligt i nuvarande läge.", "Not possible in the current state."},
    [VX_CARE_R_NOT_ELIGIBLE] = {VX_CARE_R_NOT_ELIGIBLE, "not_eligible", VX_ECONFLICT, "person",
                                "Personen kan inte erbjudas dosen.",
                                "The person cannot be offered the dose."},
    [VX_CARE_R_STORE] = {VX_CARE_R_STORE, "store", VX_ESTORE, "", "Lagringsfel.",
                         "Storage failure."},
};

const struct vx_care_reason_info *vx_care_reason_info(enum vx_care_reason r)
{
    if ((int)r < 0 || r >= VX_CARE_R_COUNT)
        r = VX_CARE_R_STORE;
    return &reasons[r];
}

const char *vx_care_msg(const struct vx_care_result *r, const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? r->msg_en : r->msg_sv;
}

void care_ok(struct vx_care_result *res)
{
    if (!res)
        return;
    memset(res, 0, sizeof *res);
    res->code = "";
    res->field = "";
}

void care_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void compose(char *dst, size_t size, const char *sentence, const char *fmt, va_list ap)
{
    char detail[VX_CARE_MSG_MAX] = "";
    if (fmt && fmt[0])
        vsnprintf(detail, sizeof detail, fmt, ap);
    snprintf(dst, size, "%s%s%s", sentence, detail[0] ? " " : "", detail);
}

enum vx_status care_set(struct vx_care_result *res, enum vx_care_reason reason, const char *field,
                        const char *fmt_sv, const char *fmt_en, ...)
{
    const struct vx_care_reason_info *ri = vx_care_reason_info(reason);
    if (!res)
        return ri->status;
    care_ok(res);
    res->reason = ri->reason;
    res->status = ri->status;
    res->code = ri->code;
    res->field = field ? field : ri->field;
    va_list ap, ap2;
    va_start(ap, fmt_en);
    va_copy(ap2, ap);
    compose(res->msg_sv, sizeof res->msg_sv, ri->sv, fmt_sv, ap);
    compose(res->msg_en, sizeof res->msg_en, ri->en, fmt_en, ap2);
    va_end(ap2);
    va_end(ap);
    return ri->status;
}

vx_day care_local_day(vx_time t)
{
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    return d;
}

/* ------------------------------------------------------------------ timers */

vx_time vx_care_lot_usable_until(const struct vx_product *p, vx_day expiry, vx_time thawed_at)
{
    vx_time end;
    if (vx_stockholm_to_utc(expiry + 1, 0, &end, NULL) != VX_OK)
        end = (vx_time)(expiry + 1) * 86400; /* unreachable: midnight always exists */
    end -= 1;
    if (p && thawed_at > 0) {
        const struct vx_storage *s = vx_product_storage(p, care_local_day(thawed_at));
        if (s && s->thawed_days > 0) {
            vx_time t = thawed_at + (vx_time)s->thawed_days * 86400;
            if (t < end)
                end = t;
        }
    }
    return end;
}

vx_time vx_care_vial_usable_until(const struct vx_product *p, vx_time opened_at, vx_time lot_until)
{
    int hours = 0;
    const struct vx_storage *s = p ? vx_product_storage(p, care_local_day(opened_at)) : NULL;
    if (s)
        hours = s->open_hours_cold > 0 ? s->open_hours_cold : s->open_hours_room;
    if (hours <= 0)
        hours = 1; /* pre-filled syringes: no open time in the catalogue */
    vx_time end = opened_at + (vx_time)hours * 3600;
    if (lot_until > 0 && lot_until < end)
        end = lot_until;
    return end < opened_at ? opened_at : end;
}

bool vx_care_vial_expired(const struct vx_vial_rec *v, vx_time now)
{
    return v->status == VX_VIAL_OPEN && now >= v->usable_until;
}

int vx_care_vial_leftover(const struct vx_vial_rec *v)
{
    int left = v->nominal - v->drawn - v->wasted;
    return left > 0 ? left : 0;
}

void care_vial_counts(const struct vx_product *p, vx_day day, int *nominal, int *max)
{
    int n = vx_product_doses_per_vial(p, day, false);
    int u = vx_product_doses_per_vial(p, day, true);
    if (n < 1) /* before the first vial period: the first one */
        n = p->n_vials ? p->vials[0].nominal : 1;
    if (u < n)
        u = p->n_vials && p->vials[0].usual >= n ? p->vials[0].usual : n;
    *nominal = n;
    *max = u;
}

/* ------------------------------------------------------------------ the dose check */

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

enum vx_status vx_care_check_dose(const struct vx_care_dose_facts *f, struct vx_care_result *out,
                                  int *dose_number)
{
    char d1[11], d2[11];
    const struct vx_product *p = f->product;
    care_ok(out);
    if (dose_number)
        *dose_number = 0;
    if (f->dose_number < 0 || f->dose_number > 20)
        return care_set(out, VX_CARE_R_BAD_INPUT, "dose_number", "Dosnummer %d.", "Dose number %d.",
                        f->dose_number);
    if (!p)
        return care_set(out, VX_CARE_R_VACCINE_UNKNOWN, NULL, "(%s)", "(%s)",
                        f->vaccine ? f->vaccine : "");
    if (!f->person)
        return care_set(out, VX_CARE_R_PERSON_UNKNOWN, NULL, NULL, NULL);
    if (f->person->p.flags & VX_PF_DECEASED)
        return care_set(out, VX_CARE_R_DECEASED, NULL, NULL, NULL);
    if (f->site_id == 0 && !(f->kommun && f->kommun[0]))
        return care_set(out, VX_CARE_R_PLACE, NULL, NULL, NULL);
    if (f->given_at > f->now)
        return care_set(out, VX_CARE_R_FUTURE, NULL, NULL, NULL);
    vx_day day = care_local_day(f->given_at);

    /* lot */
    if (!f->lot)
        return care_set(out, VX_CARE_R_LOT_UNKNOWN, NULL, NULL, NULL);
    if (!same_str(f->lot->vaccine, p->code))
        return care_set(out, VX_CARE_R_LOT_VACCINE, NULL, "Batch %s är %s, inte %s.",
                        "Lot %s is %s, not %s.", f->lot->lot_number, f->lot->vaccine, p->code);
    if (day > f->lot->expiry || (f->lot->usable_until && f->given_at > f->lot->usable_until))
        return care_set(out, VX_CARE_R_LOT_EXPIRED, NULL, "Batch %s: utgångsdatum %s.",
                        "Lot %s: expiry %s.", f->lot->lot_number,
                        vx_day_format(f->lot->expiry, d1));

    /* vial */
    if (f->vial_id) {
        const struct vx_vial_rec *v = f->vial;
        if (!v)
            return care_set(out, VX_CARE_R_VIAL_UNKNOWN, NULL, NULL, NULL);
        if (v->lot_id != f->lot->id)
            return care_set(out, VX_CARE_R_VIAL_LOT, NULL, "Flaskan är av batch %s.",
                            "The vial is of lot %s.", v->lot_number);
        if (v->site_id != f->site_id || (f->site_id == 0 && !same_str(v->kommun, f->kommun)))
            return care_set(out, VX_CARE_R_VIAL_SITE, NULL, NULL, NULL);
        if (f->given_at < v->opened_at)
            return care_set(out, VX_CARE_R_VIAL_TIME, NULL, NULL, NULL);
        if (!f->vial_unchanged) {
            if (v->status != VX_VIAL_OPEN)
                return care_set(out, VX_CARE_R_VIAL_CLOSED, NULL, NULL, NULL);
            if (f->given_at >= v->usable_until)
                return care_set(out, VX_CARE_R_VIAL_EXPIRED, NULL, NULL, NULL);
            if (v->drawn >= v->max_doses)
                return care_set(out, VX_CARE_R_VIAL_EMPTY, NULL, "%d av %d doser är uttagna.",
                                "%d of %d doses are drawn.", v->drawn, v->max_doses);
        }
    }

    /* the person's valid doses before this one */
    int before = 0;
    const struct vx_dose_rec *prev = NULL;
    for (int i = 0; i < f->n_prev; i++) {
        const struct vx_dose_rec *d = &f->prev[i];
        if (d->voided || d->id == f->ignore_dose_id)
            continue;
        if (same_str(d->vaccine, p->code) && care_local_day(d->given_at) == day)
            return care_set(out, VX_CARE_R_DUPLICATE, NULL, "(dos %d, %s)", "(dose %d, %s)",
                            d->dose_number, vx_day_format(day, d1));
        if (d->given_at <= f->given_at) {
            before++;
            if (!prev || d->given_at >= prev->given_at)
                prev = d;
        }
    }
    int dose = f->dose_number ? f->dose_number : before + 1;
    if (dose != before + 1)
        return care_set(out, VX_CARE_R_DOSE_NUMBER, NULL,
                        "Personen har %d giltiga doser, nästa är dos %d (angivet %d).",
                        "The person has %d valid doses; the next is dose %d (given %d).", before,
                        before + 1, dose);

    if (dose >= 2 && prev) {
        struct vx_interval_answer ia;
        vx_day pday = care_local_day(prev->given_at);
        enum vx_interval_verdict iv = vx_product_interval_check(p, dose, pday, day, &ia);
        if (iv == VX_INTERVAL_NO_RULE && dose > p->doses)
            return care_set(out, VX_CARE_R_NO_SCHEDULE, NULL,
                            "%s har %d doser och ingen regel för dos %d.",
                            "%s has %d doses and no rule for dose %d.", p->name, p->doses, dose);
        if (iv == VX_INTERVAL_TOO_EARLY)
            return care_set(out, VX_CARE_R_INTERVAL, NULL,
                            "Minst %d dagar efter dos %d (%s); tidigast %s.",
                            "At least %d days after dose %d (%s); earliest %s.", ia.min_days,
                            dose - 1, vx_day_format(pday, d1), vx_day_format(ia.earliest, d2));
        if (iv == VX_INTERVAL_TOO_LATE && out) {
            snprintf(out->warn_sv, sizeof out->warn_sv,
                     "Dos %d ges senare än %d dagar efter föregående dos.", dose, ia.max_days);
            snprintf(out->warn_en, sizeof out->warn_en,
                     "Dose %d is given later than %d days after the previous dose.", dose,
                     ia.max_days);
        }
    } else if (dose > p->doses) {
        return care_set(out, VX_CARE_R_NO_SCHEDULE, NULL, "%s har %d doser.", "%s has %d doses.",
                        p->name, p->doses);
    }

    struct vx_age_answer aa;
    if (vx_product_age_allowed(p, f->person->p.pnr.birth, day, &aa) != VX_AGE_OK)
        return care_set(out, VX_CARE_R_AGE, NULL, "%s%.0s", "%.0s%s", vx_age_reason(&aa, "sv"),
                        vx_age_reason(&aa, "en"));
    if (!vx_product_in_season(p, day, NULL))
        return care_set(out, VX_CARE_R_SEASON, NULL, "(%s)", "(%s)", vx_day_format(day, d1));
    if (dose_number)
        *dose_number = dose;
    return VX_OK;
}

/* ------------------------------------------------------------------ standby order */

int vx_care_standby_cmp(const void *a, const void *b)
{
    const struct vx_care_candidate *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if (x->birth != y->birth)
        return x->birth < y->birth ? -1 : 1;
    if (x->opted_in_at != y->opted_in_at)
        return x->opted_in_at < y->opted_in_at ? -1 : 1;
    return (x->person_id > y->person_id) - (x->person_id < y->person_id);
}
