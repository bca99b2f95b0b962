/*
 * stock.c — lots, stock at sites, transfers, counts, cold-chain excursions, vials
 * and wastage: the actions of include/vx/care.h that move doses.
 *
 * Accounting (docs/care.md). Stock is counted in doses per (site, lot) as the sum
 * of stock moves (store_care.h). Opening a vial takes its NOMINAL doses from stock
 * (the unit deliveries are counted in); doses drawn from it are tallied by the
 * doses recorded with its vial id, up to the catalogue's usual count (a sixth
 * Comirnaty dose from a 5-dose vial is "extra", not negative wastage). Closing a
 * vial wastes nominal - drawn - already wasted (never below 0). Unopened doses
 * leave stock as wastage (broken, cold chain, expired) or transfers; a count sets
 * stock to what was counted and flags the difference for follow-up.
 *
 * Every action is one transaction (care_begin/care_end): facts are read inside it,
 * the rules decide, and only then is anything written. A refusal rolls back, so a
 * half-done receipt or close can never be seen.
 */
#include <stdlib.h>
#include <string.h>
#include "care_int.h"

/* ------------------------------------------------------------------ shared helpers */

enum vx_status care_store_fail(struct vx_care_result *res, struct vx_store *st, enum vx_status vs)
{
    if (vs == VX_OK)
        vs = VX_ESTORE;
    care_set(res, VX_CARE_R_STORE, NULL, "%s", "%s", st->err);
    if (res)
        res->status = vs;
    return vs;
}

enum vx_status care_begin(const struct vx_care_env *env, struct vx_care_result *res)
{
    care_ok(res);
    if (!env || !env->st || !env->cat)
        return care_set(res, VX_CARE_R_BAD_INPUT, "", "(ingen databas eller katalog)",
                        "(no store or catalogue)");
    enum vx_status vs = vx_store_begin(env->st);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

enum vx_status care_end(const struct vx_care_env *env, enum vx_status rc,
                        struct vx_care_result *res)
{
    if (rc == VX_OK) {
        enum vx_status vs = vx_store_commit(env->st);
        if (vs == VX_OK)
            return VX_OK;
        care_store_fail(res, env->st, vs);
        vx_store_rollback(env->st);
        return vs;
    }
    vx_store_rollback(env->st);
    return rc;
}

enum vx_status care_audit(const struct vx_care_env *env, const char *action, int64_t person_id,
                          const char *region, const char *detail)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = env->now;
    care_copy(a.actor, sizeof a.actor, env->user);
    care_copy(a.role, sizeof a.role, env->role);
    care_copy(a.action, sizeof a.action, action);
    snprintf(a.object, sizeof a.object, "person:%lld", (long long)person_id);
    care_copy(a.region, sizeof a.region, region);
    care_copy(a.detail, sizeof a.detail, detail);
    return env->st->ops->audit_append(env->st, &a);
}

/* Store status vs -> refusal (ENOTFOUND -> `nf` reason), for reads of facts. */
enum vx_status care_read_fail(const struct vx_care_env *env, enum vx_status vs,
                              enum vx_care_reason nf, struct vx_care_result *res)
{
    if (vs == VX_ENOTFOUND)
        return care_set(res, nf, NULL, NULL, NULL);
    return care_store_fail(res, env->st, vs);
}

enum vx_status care_move(const struct vx_care_env *env, int64_t site, int64_t lot,
                         enum vx_stock_move_kind kind, int doses, int64_t ref, const char *note,
                         struct vx_care_result *res)
{
    struct vx_stock_move_rec m = {.site_id = site,
                                  .lot_id = lot,
                                  .kind = kind,
                                  .doses = doses,
                                  .ref_id = ref,
                                  .at = env->now};
    care_copy(m.by, sizeof m.by, env->user);
    care_copy(m.note, sizeof m.note, note);
    enum vx_status vs = env->st->ops->care->move_put(env->st, &m);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

/* Doses of `lot` on hand at `site` must be >= need. */
enum vx_status care_need_stock(const struct vx_care_env *env, int64_t site, int64_t lot, int need,
                               const char *field, struct vx_care_result *res)
{
    int have = 0;
    enum vx_status vs = env->st->ops->care->stock_get(env->st, site, lot, &have);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (have < need)
        return care_set(res, VX_CARE_R_STOCK, field, "%d doser i lager, %d behövs.",
                        "%d doses in stock, %d needed.", have, need);
    return VX_OK;
}

enum vx_status care_get_site(const struct vx_care_env *env, int64_t id, struct vx_site_rec *s,
                             const char *field, struct vx_care_result *res)
{
    enum vx_status vs = env->st->ops->care->site_get_id(env->st, id, s);
    if (vs == VX_ENOTFOUND)
        return care_set(res, VX_CARE_R_SITE_UNKNOWN, field, "(%lld)", "(%lld)", (long long)id);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

enum vx_status care_get_lot(const struct vx_care_env *env, int64_t id, struct vx_lot_rec *l,
                            struct vx_care_result *res)
{
    enum vx_status vs = env->st->ops->care->lot_get(env->st, id, l);
    return vs == VX_OK ? VX_OK : care_read_fail(env, vs, VX_CARE_R_LOT_UNKNOWN, res);
}

/* ------------------------------------------------------------------ receipts */

static enum vx_status receive_in(const struct vx_care_env *env, const struct vx_care_receipt *r,
                                 int64_t *lot_id, struct vx_care_result *res)
{
    struct vx_site_rec site;
    enum vx_status rc = care_get_site(env, r->site_id, &site, "site", res);
    if (rc != VX_OK)
        return rc;
    const struct vx_product *p = vx_catalog_find(env->cat, r->vaccine);
    if (!p)
        return care_set(res, VX_CARE_R_VACCINE_UNKNOWN, NULL, "(%s)", "(%s)", r->vaccine);
    int nominal, max;
    care_vial_counts(p, care_local_day(env->now), &nominal, &max);
    int doses = r->doses > 0 ? r->doses : r->vials * nominal;
    struct vx_lot_rec lot = {0};
    care_copy(lot.vaccine, sizeof lot.vaccine, p->code);
    care_copy(lot.lot_number, sizeof lot.lot_number, r->lot_number);
    care_copy(lot.manufacturer, sizeof lot.manufacturer, p->manufacturer);
    lot.expiry = r->expiry;
    lot.received_at = env->now;
    lot.thawed_at = r->thawed_at;
    lot.usable_until = vx_care_lot_usable_until(p, r->expiry, r->thawed_at);
    if (lot.usable_until <= env->now)
        return care_set(res, VX_CARE_R_LOT_EXPIRED, NULL, NULL, NULL);
    int64_t id = 0;
    bool created = false;
    enum vx_status vs = env->st->ops->care->lot_put(env->st, &lot, &id, &created);
    if (vs == VX_ECONFLICT)
        return care_set(res, VX_CARE_R_STATE, "expiry",
                        "Batch %s finns redan med ett annat utgångsdatum.",
                        "Lot %s is on record with another expiry date.", r->lot_number);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if ((rc = care_move(env, site.id, id, VX_MOVE_RECEIPT, doses, 0, r->ref, res)) != VX_OK)
        return rc;
    if (lot_id)
        *lot_id = id;
    return VX_OK;
}

enum vx_status vx_care_receive(const struct vx_care_env *env, const struct vx_care_receipt *r,
                               int64_t *lot_id, struct vx_care_result *res)
{
    char d[11];
    care_ok(res);
    if (r->doses < 0 || r->vials < 0 || (r->doses > 0) == (r->vials > 0) || r->doses > 1000000 ||
        r->vials > 100000)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", "Ange antingen doser eller flaskor.",
                        "Give either doses or vials.");
    if (!r->lot_number[0])
        return care_set(res, VX_CARE_R_BAD_INPUT, "lot_number", "Batchnummer saknas.",
                        "The lot number is missing.");
    if (r->expiry <= 0)
        return care_set(res, VX_CARE_R_BAD_INPUT, "expiry", "Utgångsdatum saknas (%s).",
                        "The expiry date is missing (%s).", vx_day_format(r->expiry, d));
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, receive_in(env, r, lot_id, res), res);
}

/* ------------------------------------------------------------------ transfers */

static enum vx_status send_in(const struct vx_care_env *env, int64_t lot_id, int64_t from,
                              int64_t to, int doses, const char *note, int64_t *id,
                              struct vx_care_result *res)
{
    struct vx_site_rec a, b;
    struct vx_lot_rec lot;
    enum vx_status rc = care_get_site(env, from, &a, "from_site", res);
    if (rc == VX_OK)
        rc = care_get_site(env, to, &b, "to_site", res);
    if (rc == VX_OK)
        rc = care_get_lot(env, lot_id, &lot, res);
    if (rc == VX_OK)
        rc = care_need_stock(env, from, lot_id, doses, "doses", res);
    if (rc != VX_OK)
        return rc;
    struct vx_transfer_rec t = {
        .lot_id = lot_id, .from_site = from, .to_site = to, .doses = doses, .sent_at = env->now};
    care_copy(t.sent_by, sizeof t.sent_by, env->user);
    care_copy(t.note, sizeof t.note, note);
    int64_t tid = 0;
    enum vx_status vs = env->st->ops->care->transfer_put(env->st, &t, &tid);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if ((rc = care_move(env, from, lot_id, VX_MOVE_TRANSFER_OUT, -doses, tid, note, res)) != VX_OK)
        return rc;
    if (id)
        *id = tid;
    return VX_OK;
}

enum vx_status vx_care_transfer_send(const struct vx_care_env *env, int64_t lot_id,
                                     int64_t from_site, int64_t to_site, int doses,
                                     const char *note, int64_t *id, struct vx_care_result *res)
{
    care_ok(res);
    if (doses < 1)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", "Minst 1 dos.", "At least 1 dose.");
    if (from_site == to_site)
        return care_set(res, VX_CARE_R_BAD_INPUT, "to_site", "Avsändare och mottagare är samma.",
                        "Sender and receiver are the same site.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, send_in(env, lot_id, from_site, to_site, doses, note, id, res), res);
}

/* ------------------------------------------------------------------ issue to a municipality */

static bool kommun_code_ok(const char *k)
{
    if (!k || strlen(k) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (k[i] < '0' || k[i] > '9')
            return false;
    return true;
}

enum vx_status vx_care_issue_in_tx(const struct vx_care_env *env, const struct vx_care_issue *r,
                                   int64_t *lot_id, int *left, struct vx_care_result *res)
{
    care_ok(res);
    if (!env || !env->st || !r)
        return care_set(res, VX_CARE_R_BAD_INPUT, "", "(ingen databas)", "(no store)");
    if (r->doses < 1 || r->doses > 100000)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", "1 till 100 000 doser.",
                        "1 to 100,000 doses.");
    if (!kommun_code_ok(r->kommun))
        return care_set(res, VX_CARE_R_BAD_INPUT, "kommun", "Kommunkod med fyra siffror.",
                        "A four-digit municipality code.");
    if (!r->vaccine || !r->lot_number || !r->lot_number[0])
        return care_set(res, VX_CARE_R_BAD_INPUT, "lot_number", "Batchnummer saknas.",
                        "The lot number is missing.");
    struct vx_site_rec site;
    enum vx_status rc = care_get_site(env, r->site_id, &site, "site", res);
    if (rc != VX_OK)
        return rc;
    if (r->region && strcmp(site.region, r->region) != 0)
        return care_set(res, VX_CARE_R_PLACE, "site", "Mottagningen %s hör inte till region %s.",
                        "Site %s is not one of region %s's sites.", site.code, r->region);
    struct vx_lot_rec lot;
    enum vx_status vs = env->st->ops->care->lot_find(env->st, r->vaccine, r->lot_number, &lot);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_LOT_UNKNOWN, res);
    if (care_local_day(env->now) > lot.expiry || (lot.usable_until && env->now >= lot.usable_until))
        return care_set(res, VX_CARE_R_LOT_EXPIRED, NULL, NULL, NULL);
    if ((rc = care_need_stock(env, site.id, lot.id, r->doses, "doses", res)) != VX_OK)
        return rc;
    char note[VX_CARE_TEXT_MAX];
    snprintf(note, sizeof note, "issue to kommun %s: %.200s", r->kommun, r->ref ? r->ref : "");
    if ((rc = care_move(env, site.id, lot.id, VX_MOVE_TRANSFER_OUT, -r->doses, 0, note, res)) !=
        VX_OK)
        return rc;
    if (left && (vs = env->st->ops->care->stock_get(env->st, site.id, lot.id, left)) != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (lot_id)
        *lot_id = lot.id;
    return VX_OK;
}

static enum vx_status receive_transfer_in(const struct vx_care_env *env, int64_t id, int doses,
                                          struct vx_care_result *res)
{
    struct vx_transfer_rec t;
    enum vx_status vs = env->st->ops->care->transfer_get(env->st, id, &t);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (t.status != VX_TRANSFER_SENT)
        return care_set(res, VX_CARE_R_STATE, NULL, "Leveransen är redan mottagen.",
                        "The transfer was already received.");
    if (doses < 0)
        doses = t.doses;
    if (doses > t.doses)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", "%d doser mottagna men %d skickade.",
                        "%d doses received but %d sent.", doses, t.doses);
    vs = env->st->ops->care->transfer_receive(env->st, id, doses, env->now, env->user);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    enum vx_status rc = VX_OK;
    if (doses > 0)
        rc = care_move(env, t.to_site, t.lot_id, VX_MOVE_TRANSFER_IN, doses, id, t.note, res);
    if (rc == VX_OK && doses < t.doses) { /* shortfall: flag it like a count */
        struct vx_count_rec c = {.site_id = t.to_site,
                                 .lot_id = t.lot_id,
                                 .expected = t.doses,
                                 .counted = doses,
                                 .at = env->now,
                                 .followup = VX_FOLLOWUP_OPEN};
        care_copy(c.by, sizeof c.by, env->user);
        snprintf(c.note, sizeof c.note, "transfer %lld: %d of %d doses arrived", (long long)id,
                 doses, t.doses);
        vs = env->st->ops->care->count_put(env->st, &c, NULL);
        if (vs != VX_OK)
            rc = care_store_fail(res, env->st, vs);
    }
    return rc;
}

enum vx_status vx_care_transfer_receive(const struct vx_care_env *env, int64_t transfer_id,
                                        int doses, struct vx_care_result *res)
{
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, receive_transfer_in(env, transfer_id, doses, res), res);
}

/* ------------------------------------------------------------------ counts */

static enum vx_status count_in(const struct vx_care_env *env, int64_t site_id, int64_t lot_id,
                               int counted, const char *note, struct vx_count_rec *out,
                               struct vx_care_result *res)
{
    struct vx_site_rec site;
    struct vx_lot_rec lot;
    enum vx_status rc = care_get_site(env, site_id, &site, "site", res);
    if (rc == VX_OK)
        rc = care_get_lot(env, lot_id, &lot, res);
    if (rc != VX_OK)
        return rc;
    int have = 0;
    enum vx_status vs = env->st->ops->care->stock_get(env->st, site_id, lot_id, &have);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    struct vx_count_rec c = {.site_id = site_id,
                             .lot_id = lot_id,
                             .expected = have,
                             .counted = counted,
                             .at = env->now,
                             .followup = counted == have ? VX_FOLLOWUP_NONE : VX_FOLLOWUP_OPEN};
    care_copy(c.by, sizeof c.by, env->user);
    care_copy(c.note, sizeof c.note, note);
    if ((vs = env->st->ops->care->count_put(env->st, &c, &c.id)) != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (counted != have && (rc = care_move(env, site_id, lot_id, VX_MOVE_COUNT, counted - have,
                                           c.id, note, res)) != VX_OK)
        return rc;
    if (out)
        *out = c;
    return VX_OK;
}

enum vx_status vx_care_count(const struct vx_care_env *env, int64_t site_id, int64_t lot_id,
                             int counted, const char *note, struct vx_count_rec *out,
                             struct vx_care_result *res)
{
    care_ok(res);
    if (counted < 0)
        return care_set(res, VX_CARE_R_BAD_INPUT, "counted", "Antalet kan inte vara negativt.",
                        "The count cannot be negative.");
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, count_in(env, site_id, lot_id, counted, note, out, res), res);
}

/* ------------------------------------------------------------------ excursions, wastage */

enum vx_status care_waste_put(const struct vx_care_env *env, struct vx_wastage_rec *w, int64_t *id,
                              struct vx_care_result *res)
{
    w->at = env->now;
    care_copy(w->by, sizeof w->by, env->user);
    enum vx_status vs = env->st->ops->care->wastage_put(env->st, w, id);
    return vs == VX_OK ? VX_OK : care_store_fail(res, env->st, vs);
}

static enum vx_status excursion_in(const struct vx_care_env *env, const struct vx_excursion_rec *in,
                                   int64_t *id, struct vx_care_result *res)
{
    struct vx_site_rec site;
    struct vx_lot_rec lot;
    enum vx_status rc = care_get_site(env, in->site_id, &site, "site", res);
    if (rc == VX_OK)
        rc = care_get_lot(env, in->lot_id, &lot, res);
    if (rc != VX_OK)
        return rc;
    struct vx_excursion_rec e = *in;
    e.at = env->now;
    care_copy(e.by, sizeof e.by, env->user);
    e.doses = 0;
    if (e.decision == VX_EXCURSION_DISCARD) {
        int have = 0;
        enum vx_status vs = env->st->ops->care->stock_get(env->st, e.site_id, e.lot_id, &have);
        if (vs != VX_OK)
            return care_store_fail(res, env->st, vs);
        e.doses = in->doses > 0 ? in->doses : have;
        if ((rc = care_need_stock(env, e.site_id, e.lot_id, e.doses, "doses", res)) != VX_OK)
            return rc;
    }
    int64_t eid = 0;
    enum vx_status vs = env->st->ops->care->excursion_put(env->st, &e, &eid);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (e.doses > 0) {
        struct vx_wastage_rec w = {.site_id = e.site_id,
                                   .lot_id = e.lot_id,
                                   .excursion_id = eid,
                                   .doses = e.doses,
                                   .reason = VX_WASTE_COLD_CHAIN};
        care_copy(w.note, sizeof w.note, e.note);
        int64_t wid = 0;
        if ((rc = care_waste_put(env, &w, &wid, res)) != VX_OK ||
            (rc = care_move(env, e.site_id, e.lot_id, VX_MOVE_WASTAGE, -e.doses, wid, "cold chain",
                            res)) != VX_OK)
            return rc;
    }
    if (id)
        *id = eid;
    return VX_OK;
}

enum vx_status vx_care_excursion(const struct vx_care_env *env, const struct vx_excursion_rec *e,
                                 int64_t *id, struct vx_care_result *res)
{
    care_ok(res);
    if (e->to_at < e->from_at || e->from_at <= 0)
        return care_set(res, VX_CARE_R_BAD_INPUT, "to", "Perioden är ogiltig.",
                        "The period is invalid.");
    if (e->max_c < e->min_c)
        return care_set(res, VX_CARE_R_BAD_INPUT, "max_c", "Högsta temperatur under lägsta.",
                        "The highest temperature is below the lowest.");
    if (e->doses < 0)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", NULL, NULL);
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, excursion_in(env, e, id, res), res);
}

static enum vx_status wastage_in(const struct vx_care_env *env, const struct vx_wastage_rec *in,
                                 int64_t *id, struct vx_care_result *res)
{
    struct vx_wastage_rec w = *in;
    enum vx_status rc;
    if (w.vial_id) {
        struct vx_vial_rec v;
        enum vx_status vs = env->st->ops->care->vial_get(env->st, w.vial_id, &v);
        if (vs != VX_OK)
            return care_read_fail(env, vs, VX_CARE_R_VIAL_UNKNOWN, res);
        if (v.status != VX_VIAL_OPEN)
            return care_set(res, VX_CARE_R_VIAL_CLOSED, NULL, NULL, NULL);
        if (w.site_id && v.site_id != w.site_id)
            return care_set(res, VX_CARE_R_VIAL_SITE, NULL, NULL, NULL);
        int left = vx_care_vial_leftover(&v);
        if (w.doses > left)
            return care_set(res, VX_CARE_R_STOCK, "doses", "Flaskan har %d doser kvar.",
                            "The vial has %d doses left.", left);
        w.site_id = v.site_id;
        care_copy(w.kommun, sizeof w.kommun, v.kommun);
        w.lot_id = v.lot_id;
        return care_waste_put(env, &w, id, res);
    }
    struct vx_site_rec site;
    struct vx_lot_rec lot;
    if ((rc = care_get_site(env, w.site_id, &site, "site", res)) != VX_OK ||
        (rc = care_get_lot(env, w.lot_id, &lot, res)) != VX_OK ||
        (rc = care_need_stock(env, w.site_id, w.lot_id, w.doses, "doses", res)) != VX_OK)
        return rc;
    int64_t wid = 0;
    if ((rc = care_waste_put(env, &w, &wid, res)) != VX_OK)
        return rc;
    if ((rc = care_move(env, w.site_id, w.lot_id, VX_MOVE_WASTAGE, -w.doses, wid,
                        vx_waste_reason_code(w.reason), res)) != VX_OK)
        return rc;
    if (id)
        *id = wid;
    return VX_OK;
}

enum vx_status vx_care_wastage(const struct vx_care_env *env, const struct vx_wastage_rec *w,
                               int64_t *id, struct vx_care_result *res)
{
    care_ok(res);
    if (w->doses < 1 || w->doses > 100000)
        return care_set(res, VX_CARE_R_BAD_INPUT, "doses", "Minst 1 dos.", "At least 1 dose.");
    if ((int)w->reason < 0 || w->reason >= VX_WASTE_REASON_COUNT)
        return care_set(res, VX_CARE_R_BAD_INPUT, "reason", NULL, NULL);
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, wastage_in(env, w, id, res), res);
}

/* ------------------------------------------------------------------ vials */

static enum vx_status open_in(const struct vx_care_env *env, int64_t site_id, const char *kommun,
                              int64_t lot_id, struct vx_vial_rec *out, struct vx_care_result *res)
{
    struct vx_site_rec site;
    struct vx_lot_rec lot;
    enum vx_status rc = VX_OK;
    if (site_id)
        rc = care_get_site(env, site_id, &site, "site", res);
    else if (!kommun || !kommun[0])
        return care_set(res, VX_CARE_R_PLACE, NULL, NULL, NULL);
    if (rc == VX_OK)
        rc = care_get_lot(env, lot_id, &lot, res);
    if (rc != VX_OK)
        return rc;
    const struct vx_product *p = vx_catalog_find(env->cat, lot.vaccine);
    if (!p)
        return care_set(res, VX_CARE_R_VACCINE_UNKNOWN, NULL, "(%s)", "(%s)", lot.vaccine);
    if (lot.usable_until && env->now >= lot.usable_until)
        return care_set(res, VX_CARE_R_LOT_EXPIRED, NULL, NULL, NULL);
    struct vx_vial_rec v = {.site_id = site_id, .lot_id = lot_id, .opened_at = env->now};
    care_vial_counts(p, care_local_day(env->now), &v.nominal, &v.max_doses);
    v.usable_until = vx_care_vial_usable_until(p, env->now, lot.usable_until);
    if (!site_id)
        care_copy(v.kommun, sizeof v.kommun, kommun);
    care_copy(v.opened_by, sizeof v.opened_by, env->user);
    if (site_id && (rc = care_need_stock(env, site_id, lot_id, v.nominal, "lot", res)) != VX_OK)
        return rc;
    enum vx_status vs = env->st->ops->care->vial_put(env->st, &v, &v.id);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (site_id && (rc = care_move(env, site_id, lot_id, VX_MOVE_VIAL_OPEN, -v.nominal, v.id, "",
                                   res)) != VX_OK)
        return rc;
    if (out) {
        vs = env->st->ops->care->vial_get(env->st, v.id, out);
        if (vs != VX_OK)
            return care_store_fail(res, env->st, vs);
    }
    return VX_OK;
}

enum vx_status vx_care_vial_open(const struct vx_care_env *env, int64_t site_id, const char *kommun,
                                 int64_t lot_id, struct vx_vial_rec *out,
                                 struct vx_care_result *res)
{
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, open_in(env, site_id, kommun, lot_id, out, res), res);
}

/* Close vial v (read inside the transaction) with `reason`; *wasted gets the doses. */
static enum vx_status close_one(const struct vx_care_env *env, const struct vx_vial_rec *v,
                                enum vx_waste_reason reason, int *wasted,
                                struct vx_care_result *res)
{
    int left = vx_care_vial_leftover(v);
    enum vx_vial_status status = reason == VX_WASTE_EXPIRED ? VX_VIAL_EXPIRED : VX_VIAL_CLOSED;
    enum vx_status vs = env->st->ops->care->vial_close(env->st, v->id, status, env->now, env->user);
    if (vs == VX_ECONFLICT)
        return care_set(res, VX_CARE_R_STATE, "id", "Flaskan är redan stängd.",
                        "The vial is already closed.");
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (left > 0) {
        struct vx_wastage_rec w = {.site_id = v->site_id,
                                   .lot_id = v->lot_id,
                                   .vial_id = v->id,
                                   .doses = left,
                                   .reason = reason};
        care_copy(w.kommun, sizeof w.kommun, v->kommun);
        snprintf(w.note, sizeof w.note, "vial %lld: %d of %d drawn", (long long)v->id, v->drawn,
                 v->nominal);
        enum vx_status rc = care_waste_put(env, &w, NULL, res);
        if (rc != VX_OK)
            return rc;
    }
    if (wasted)
        *wasted = left;
    return VX_OK;
}

static enum vx_status close_in(const struct vx_care_env *env, int64_t id,
                               enum vx_waste_reason reason, int *wasted, struct vx_care_result *res)
{
    struct vx_vial_rec v;
    enum vx_status vs = env->st->ops->care->vial_get(env->st, id, &v);
    if (vs != VX_OK)
        return care_read_fail(env, vs, VX_CARE_R_NOT_FOUND, res);
    if (v.status != VX_VIAL_OPEN)
        return care_set(res, VX_CARE_R_STATE, "id", "Flaskan är redan stängd.",
                        "The vial is already closed.");
    /* a vial past its time is wasted as expired whatever the caller said */
    if (vx_care_vial_expired(&v, env->now))
        reason = VX_WASTE_EXPIRED;
    return close_one(env, &v, reason, wasted, res);
}

enum vx_status vx_care_vial_close(const struct vx_care_env *env, int64_t vial_id,
                                  enum vx_waste_reason reason, int *wasted,
                                  struct vx_care_result *res)
{
    care_ok(res);
    if (wasted)
        *wasted = 0;
    if ((int)reason < 0 || reason >= VX_WASTE_REASON_COUNT)
        return care_set(res, VX_CARE_R_BAD_INPUT, "reason", NULL, NULL);
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    return care_end(env, close_in(env, vial_id, reason, wasted, res), res);
}

/* ------------------------------------------------------------------ sweep */

struct idlist {
    int64_t *ids;
    int n, cap;
    bool oom;
};

static void idlist_add(struct idlist *l, int64_t id)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        int64_t *p = realloc(l->ids, (size_t)cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return;
        }
        l->ids = p;
        l->cap = cap;
    }
    l->ids[l->n++] = id;
}

struct sweep_ctx {
    vx_time now;
    struct idlist vials, offers;
};

static int sweep_vial(void *ctx, const struct vx_vial_rec *v)
{
    struct sweep_ctx *s = ctx;
    if (vx_care_vial_expired(v, s->now))
        idlist_add(&s->vials, v->id);
    return s->vials.oom;
}

static int sweep_offer(void *ctx, const struct vx_offer_rec *o)
{
    struct sweep_ctx *s = ctx;
    if (o->status == VX_OFFER_OPEN && s->now >= o->expires_at)
        idlist_add(&s->offers, o->id);
    return s->offers.oom;
}

static enum vx_status sweep_in(const struct vx_care_env *env, struct sweep_ctx *s, int *vials,
                               int *offers, struct vx_care_result *res)
{
    const struct vx_store_care_ops *ops = env->st->ops->care;
    enum vx_status vs = ops->vial_foreach(env->st, 0, true, 0, 0, sweep_vial, s);
    if (vs == VX_OK)
        vs = ops->offer_foreach(env->st, 0, 0, sweep_offer, s);
    if (vs != VX_OK)
        return care_store_fail(res, env->st, vs);
    if (s->vials.oom || s->offers.oom)
        return care_set(res, VX_CARE_R_STORE, "", "(slut på minne)", "(out of memory)");
    for (int i = 0; i < s->vials.n; i++) {
        struct vx_vial_rec v;
        if ((vs = ops->vial_get(env->st, s->vials.ids[i], &v)) != VX_OK)
            return care_store_fail(res, env->st, vs);
        enum vx_status rc = close_one(env, &v, VX_WASTE_EXPIRED, NULL, res);
        if (rc != VX_OK)
            return rc;
    }
    for (int i = 0; i < s->offers.n; i++)
        if ((vs = ops->offer_set(env->st, s->offers.ids[i], VX_OFFER_OPEN, VX_OFFER_EXPIRED,
                                 env->now, 0)) != VX_OK)
            return care_store_fail(res, env->st, vs);
    if (vials)
        *vials = s->vials.n;
    if (offers)
        *offers = s->offers.n;
    return VX_OK;
}

enum vx_status vx_care_sweep(const struct vx_care_env *env, int *vials, int *offers,
                             struct vx_care_result *res)
{
    if (vials)
        *vials = 0;
    if (offers)
        *offers = 0;
    enum vx_status rc = care_begin(env, res);
    if (rc != VX_OK)
        return rc;
    struct sweep_ctx s = {.now = env->now};
    rc = care_end(env, sweep_in(env, &s, vials, offers, res), res);
    free(s.vials.ids);
    free(s.offers.ids);
    return rc;
}

/* ------------------------------------------------------------------ figures */

enum vx_status vx_care_region_stock(struct vx_store *st, const char *region, vx_day day,
                                    struct vx_care_region_stock *out)
{
    memset(out, 0, sizeof *out);
    vx_time to, from7, from28;
    if (vx_stockholm_to_utc(day, 0, &to, NULL) != VX_OK ||
        vx_stockholm_to_utc(day - 7, 0, &from7, NULL) != VX_OK ||
        vx_stockholm_to_utc(day - 28, 0, &from28, NULL) != VX_OK)
        return vx_err_set(NULL, VX_EINVAL, "bad day");
    struct vx_care_region_figures f;
    enum vx_status vs =
        st->ops->care->region_figures(st, region ? region : "", from7, from28, to, &f);
    if (vs != VX_OK)
        return vs;
    out->on_hand = f.on_hand;
    out->given_per_day = (double)f.given / 7.0;
    out->wasted_28d = f.wasted;
    out->drawn_28d = f.drawn;
    out->cover_days = out->given_per_day > 0 ? (double)f.on_hand / out->given_per_day : -1.0;
    out->waste_pct =
        f.wasted + f.drawn > 0 ? 100.0 * (double)f.wasted / (double)(f.wasted + f.drawn) : 0.0;
    return VX_OK;
}
