/*
 * standby.c — the standby list: opt-in, candidates for an open vial's leftovers,
 * offers and their answers (include/vx/care.h).
 *
 * Who is a candidate for vial V at time T (site S, region R, product P):
 *   - opted in and active, for S or for any site of R;
 *   - eligible on T's date by the eligibility rules (vx_elig_eval) — this also
 *     excludes the deceased — and allowed P by its age rules on that date;
 *   - due the next dose of their schedule: valid doses + 1, within P's schedule (or
 *     a booster rule of the catalogue), and not too early after the previous dose;
 *   - not holding a booking for that dose (they will come anyway) and without a
 *     live offer (one person, one offer at a time);
 *   - able to arrive in time: T + their minutes <= V's usable-until.
 * Candidates are ranked by vx_care_standby_cmp: the deciding rule's priority (the
 * FoHM phase/step order), then oldest first, then who opted in first.
 *
 * An offer is made by staff for one candidate, lives `timeout` seconds (10 min by
 * default) and at most as many live offers as the vial has doses left may exist.
 * The person (or staff on the phone) accepts or declines; an unanswered offer is
 * expired by vx_care_sweep; an accepted one is used when the dose is recorded with
 * its offer id, which also takes the person off the list.
 */
#include <stdlib.h>
#include <string.h>
#include "care_int.h"

#define MAX_STANDBY 5000 /* opt-ins examined per call */
#define MAX_PREV    32

enum vx_status vx_care_standby_optin(const struct vx_care_env *env, int64_t person_id,
                                     int64_t site_id, int minutes, bool phone, bool active,
                                     struct vx_care_result *res)
{
    care_ok(res);
    if (minutes < 1 || minutes > 240)
        return care_set(res, VX_CARE_R_BAD_INPUT, "minutes", "1–240 minuter.", "1–240 minutes.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    struct vx_person_rec p;
    enum vx_status vs = env->st->ops->person_get_id(env->st, person_id, &p);
    if (vs != VX_OK) {
        rc = care_read_fail(env, vs, VX_CARE_R_PERSON_UNKNOWN, res);
        return care_end(env, rc, res);
    }
    if (site_id) {
        struct vx_site_rec s;
        if ((rc = care_get_site(env, site_id, &s, "site", res)) != VX_OK)
            return care_end(env, rc, res);
        if (strcmp(s.region, p.p.region) != 0)
            return care_end(env,
                            care_set(res, VX_CARE_R_BAD_INPUT, "site",
                                     "Mottagningen ligger i en annan region.",
                                     "The site is in another region."),
                            res);
    }
    struct vx_standby_rec sb = {.person_id = person_id,
                                .site_id = site_id,
                                .minutes = minutes,
                                .phone = phone,
                                .active = active,
                                .opted_in_at = env->now};
    care_copy(sb.region, sizeof sb.region, p.p.region);
    if ((vs = env->st->ops->care->standby_put(env->st, &sb)) != VX_OK)
        rc = care_store_fail(res, env->st, vs);
    else if ((vs = care_audit(env, "standby.optin", person_id, p.p.region,
                              active ? "opt-in" : "opt-out")) != VX_OK)
        rc = care_store_fail(res, env->st, vs);
    return care_end(env, rc, res);
}

/* ------------------------------------------------------------------ candidates */

struct sb_list {
    struct vx_standby_rec *recs;
    int n;
};

static int sb_collect(void *ctx, const struct vx_standby_rec *r)
{
    struct sb_list *l = ctx;
    if (l->n < MAX_STANDBY)
        l->recs[l->n++] = *r;
    return l->n >= MAX_STANDBY;
}

static int has_offer_cb(void *ctx, const struct vx_offer_rec *o)
{
    *(bool *)ctx = true;
    return 1;
}

struct live_ctx {
    int64_t vial;
    int n;
};

static int live_cb(void *ctx, const struct vx_offer_rec *o)
{
    struct live_ctx *c = ctx;
    if (o->vial_id == c->vial)
        c->n++;
    return 0;
}

/* Doses still to be drawn from an open vial. */
static int draws_left(const struct vx_vial_rec *v)
{
    int left = v->max_doses - v->drawn - v->wasted;
    return left > 0 ? left : 0;
}

/* Is person `sb` a candidate for vial v of product p at env->now? Fills *c. */
static enum vx_status judge(const struct vx_care_env *env, const struct vx_vial_rec *v,
                            const struct vx_product *p, const struct vx_standby_rec *sb,
                            struct vx_dose_rec *prev, struct vx_care_candidate *c, bool *ok)
{
    struct vx_store *st = env->st;
    *ok = false;
    vx_time arrive_by = env->now + (vx_time)sb->minutes * 60;
    if (arrive_by > v->usable_until)
        return VX_OK;
    struct vx_person_rec pr;
    enum vx_status vs = st->ops->person_get_id(st, sb->person_id, &pr);
    if (vs == VX_ENOTFOUND)
        return VX_OK;
    if (vs != VX_OK)
        return vs;
    vx_day day = care_local_day(env->now);
    struct vx_elig_result er;
    memset(&er, 0, sizeof er);
    if (env->rules) {
        if (vx_elig_eval(env->rules, NULL, &pr.p, day, &er) != VX_OK || !er.eligible)
            return VX_OK;
    } else if (pr.p.flags & VX_PF_DECEASED) {
        return VX_OK;
    }
    struct vx_age_answer aa;
    if (vx_product_age_allowed(p, pr.p.pnr.birth, day, &aa) != VX_AGE_OK)
        return VX_OK;
    int n = 0;
    if ((vs = st->ops->dose_list_person(st, sb->person_id, prev, MAX_PREV, &n)) != VX_OK)
        return vs;
    if (n > MAX_PREV)
        n = MAX_PREV;
    int valid = 0;
    const struct vx_dose_rec *last = NULL;
    for (int i = 0; i < n; i++) {
        if (prev[i].voided)
            continue;
        valid++;
        last = &prev[i];
        if (care_local_day(prev[i].given_at) == day)
            return VX_OK; /* vaccinated today */
    }
    int dose = valid + 1;
    if (last) {
        struct vx_interval_answer ia;
        enum vx_interval_verdict iv =
            vx_product_interval_check(p, dose, care_local_day(last->given_at), day, &ia);
        if (iv == VX_INTERVAL_TOO_EARLY || (iv == VX_INTERVAL_NO_RULE && dose > p->doses))
            return VX_OK;
    } else if (dose > p->doses) {
        return VX_OK;
    }
    bool booked = false;
    if ((vs = st->ops->care->booking_active(st, sb->person_id, dose, &booked)) != VX_OK)
        return vs;
    if (booked)
        return VX_OK;
    bool offered = false;
    if ((vs = st->ops->care->offer_foreach(st, 0, sb->person_id, has_offer_cb, &offered)) != VX_OK)
        return vs;
    if (offered)
        return VX_OK;
    memset(c, 0, sizeof *c);
    c->person_id = sb->person_id;
    care_copy(c->region, sizeof c->region, pr.p.region);
    care_copy(c->given_name, sizeof c->given_name, pr.given_name);
    care_copy(c->family_name, sizeof c->family_name, pr.family_name);
    c->birth = pr.p.pnr.birth;
    c->age = vx_age_at(pr.p.pnr.birth, day);
    c->priority = er.rule ? er.rule->priority : 0;
    c->phase = er.rule ? er.rule->phase : 0;
    care_copy(c->step, sizeof c->step, er.rule ? er.rule->step : "");
    c->dose_number = dose;
    c->minutes = sb->minutes;
    c->phone = sb->phone;
    c->opted_in_at = sb->opted_in_at;
    c->arrive_by = arrive_by;
    *ok = true;
    return VX_OK;
}

/* Candidates for vial v (read by the caller) into out[0..*n); inside a transaction. */
static enum vx_status candidates_in(const struct vx_care_env *env, const struct vx_vial_rec *v,
                                    struct vx_care_candidate *out, int cap, int *n,
                                    struct vx_care_result *res)
{
    *n = 0;
    if (v->status != VX_VIAL_OPEN || env->now >= v->usable_until || draws_left(v) == 0)
        return care_set(res, VX_CARE_R_STATE, "vial", "Flaskan är stängd eller tom.",
                        "The vial is closed or empty.");
    if (!v->site_id)
        return care_set(res, VX_CARE_R_BAD_INPUT, "vial",
                        "Reservlistan gäller flaskor på mottagningar.",
                        "The standby list is for vials at sites.");
    const struct vx_product *p = vx_catalog_find(env->cat, v->vaccine);
    if (!p)
        return care_set(res, VX_CARE_R_VACCINE_UNKNOWN, NULL, "(%s)", "(%s)", v->vaccine);
    struct vx_site_rec site;
    enum vx_status rc = care_get_site(env, v->site_id, &site, "vial", res);
    if (rc != VX_OK)
        return rc;
    struct sb_list l = {calloc(MAX_STANDBY, sizeof *l.recs), 0};
    struct vx_dose_rec *prev = calloc(MAX_PREV, sizeof *prev);
    struct vx_care_candidate *all = calloc(MAX_STANDBY, sizeof *all);
    int m = 0;
    enum vx_status vs = VX_OK;
    if (!l.recs || !prev || !all) {
        rc = care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
        goto out;
    }
    vs = env->st->ops->care->standby_foreach(env->st, site.region, site.id, sb_collect, &l);
    for (int i = 0; vs == VX_OK && i < l.n; i++) {
        bool ok = false;
        vs = judge(env, v, p, &l.recs[i], prev, &all[m], &ok);
        if (ok)
            m++;
    }
    if (vs != VX_OK) {
        rc = care_store_fail(res, env->st, vs);
        goto out;
    }
    qsort(all, (size_t)m, sizeof *all, vx_care_standby_cmp);
    *n = m < cap ? m : cap;
    if (*n > 0)
        memcpy(out, all, (size_t)*n * sizeof *out);
out:
    free(l.recs);
    free(prev);
    free(all);
    return rc;
}

static enum vx_status get_vial(const struct vx_care_env *env, int64_t id, struct vx_vial_rec *v,
                               struct vx_care_result *res)
{
    enum vx_status vs = env->st->ops->care->vial_get(env->st, id, v);
    if (vs == VX_OK)
        return VX_OK;
    enum vx_status rc = care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (res && vs == VX_ENOTFOUND)
        res->field = "vial";
    return rc;
}

enum vx_status vx_care_standby_candidates(const struct vx_care_env *env, int64_t vial_id,
                                          struct vx_care_candidate *out, int cap, int *n,
                                          struct vx_care_result *res)
{
    *n = 0;
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    struct vx_vial_rec v;
    rc = get_vial(env, vial_id, &v, res);
    if (rc == VX_OK)
        rc = candidates_in(env, &v, out, cap, n, res);
    /* read only: roll back either way */
    vx_store_rollback(env->st);
    return rc;
}

/* ------------------------------------------------------------------ offers */

static enum vx_status offer_in(const struct vx_care_env *env, int64_t vial_id, int64_t person_id,
                               int timeout_s, struct vx_offer_rec *out, struct vx_care_result *res)
{
    struct vx_vial_rec v;
    enum vx_status rc = get_vial(env, vial_id, &v, res);
    if (rc != VX_OK)
        return rc;
    struct vx_care_candidate *c = calloc(VX_CARE_MAX_CANDIDATES, sizeof *c);
    if (!c)
        return care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
    int n = 0;
    if ((rc = candidates_in(env, &v, c, VX_CARE_MAX_CANDIDATES, &n, res)) != VX_OK)
        goto out;
    int k = 0;
    while (k < n && c[k].person_id != person_id)
        k++;
    if (k == n) {
        rc = care_set(res, VX_CARE_R_NOT_ELIGIBLE, "person_id", NULL, NULL);
        goto out;
    }
    struct live_ctx live = {vial_id, 0};
    enum vx_status vs = env->st->ops->care->offer_foreach(env->st, v.site_id, 0, live_cb, &live);
    if (vs != VX_OK) {
        rc = care_store_fail(res, env->st, vs);
        goto out;
    }
    if (live.n >= draws_left(&v)) {
        rc = care_set(res, VX_CARE_R_STATE, "vial", "Alla doser i flaskan är redan erbjudna.",
                      "Every dose of the vial is already offered.");
        goto out;
    }
    struct vx_offer_rec o = {.person_id = person_id,
                             .vial_id = vial_id,
                             .site_id = v.site_id,
                             .dose_number = c[k].dose_number,
                             .offered_at = env->now,
                             .expires_at =
                                 env->now + (timeout_s > 0 ? timeout_s : VX_CARE_OFFER_TIMEOUT_S),
                             .status = VX_OFFER_OPEN};
    care_copy(o.region, sizeof o.region, c[k].region);
    care_copy(o.vaccine, sizeof o.vaccine, v.vaccine);
    care_copy(o.offered_by, sizeof o.offered_by, env->user);
    if ((vs = env->st->ops->care->offer_put(env->st, &o, &o.id)) != VX_OK) {
        rc = care_store_fail(res, env->st, vs);
        goto out;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "offer:%lld vial:%lld", (long long)o.id, (long long)vial_id);
    if ((vs = care_audit(env, "standby.offer", person_id, o.region, detail)) != VX_OK) {
        rc = care_store_fail(res, env->st, vs);
        goto out;
    }
    if (out)
        *out = o;
out:
    free(c);
    return rc;
}

enum vx_status vx_care_offer(const struct vx_care_env *env, int64_t vial_id, int64_t person_id,
                             int timeout_s, struct vx_offer_rec *out, struct vx_care_result *res)
{
    care_ok(res);
    if (timeout_s < 0 || timeout_s > 4 * 3600)
        return care_set(res, VX_CARE_R_BAD_INPUT, "timeout_min", NULL, NULL);
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, offer_in(env, vial_id, person_id, timeout_s, out, res), res);
}

static enum vx_status answer_in(const struct vx_care_env *env, int64_t id, bool accept,
                                struct vx_care_result *res)
{
    struct vx_offer_rec o;
    enum vx_status vs = env->st->ops->care->offer_get(env->st, id, &o);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (o.status != VX_OFFER_OPEN)
        return care_set(res, VX_CARE_R_STATE, NULL, "Erbjudandet är redan besvarat (%s).",
                        "The offer was already answered (%s).", vx_offer_status_code(o.status));
    if (env->now >= o.expires_at)
        return care_set(res, VX_CARE_R_NOT_ELIGIBLE, "id", "Erbjudandet har gått ut.",
                        "The offer has expired.");
    vs = env->st->ops->care->offer_set(env->st, id, VX_OFFER_OPEN,
                                       accept ? VX_OFFER_ACCEPTED : VX_OFFER_DECLINED, env->now, 0);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    char detail[64];
    snprintf(detail, sizeof detail, "offer:%lld %s", (long long)id, accept ? "accept" : "decline");
    if ((vs = care_audit(env, "standby.answer", o.person_id, o.region, detail)) != VX_OK)
        return care_store_fail(res, env->st, vs);
    return VX_OK;
}

enum vx_status vx_care_offer_answer(const struct vx_care_env *env, int64_t offer_id, bool accept,
                                    struct vx_care_result *res)
{
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, answer_in(env, offer_id, accept, res), res);
}
