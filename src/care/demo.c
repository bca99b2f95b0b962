/*
 * demo.c — stock for the demo (vx_care_demo_seed), called by `vaxchain demo-setup`.
 *
 * For every (site, vaccine) with supply delivered in weeks up to `today`'s week the
 * site receives one lot three days before `today`: as many doses as the latest
 * week's delivery (at least ten vials), a lot number shaped like the real ones
 * ("EJ6795" for Comirnaty, "3002183" for Spikevax, "ABV5300" for Vaxzevria), an
 * expiry two months on and, for frozen products, a thaw time the day before the
 * receipt, so usable-until follows the catalogue's thawed days. At every tenth site
 * a broken vial is written off two days before (a small wastage history), and at
 * the first sites one vial is opened at 08:00 on `today`, so the vaccinator's page
 * has an open vial with a countdown.
 *
 * Everything goes through the care actions (one transaction each), so the demo's
 * stock obeys the same accounting as real use. Deterministic for a seed.
 */
#include <stdlib.h>
#include <string.h>
#include "care_int.h"

#define OPEN_VIAL_SITES 5
#define MAX_SEED_ROWS   100000

struct supply_row {
    int64_t site;
    char vaccine[VX_VACCINE_CODE_MAX];
    int year_week; /* year * 100 + week */
    int delivered;
};

struct supply_list {
    struct supply_row *rows;
    int n, cap;
    int max_week;
    bool oom;
};

static int supply_cb(void *ctx, const struct vx_supply_rec *r)
{
    struct supply_list *l = ctx;
    int yw = r->week.year * 100 + r->week.week;
    if (r->delivered <= 0 || yw > l->max_week)
        return 0;
    for (int i = 0; i < l->n; i++) { /* keep the latest week per (site, vaccine) */
        struct supply_row *s = &l->rows[i];
        if (s->site == r->site_id && strcmp(s->vaccine, r->vaccine) == 0) {
            if (yw > s->year_week) {
                s->year_week = yw;
                s->delivered = r->delivered;
            }
            return 0;
        }
    }
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 256;
        if (cap > MAX_SEED_ROWS)
            return 1;
        struct supply_row *p = realloc(l->rows, (size_t)cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return 1;
        }
        l->rows = p;
        l->cap = cap;
    }
    struct supply_row *s = &l->rows[l->n++];
    s->site = r->site_id;
    care_copy(s->vaccine, sizeof s->vaccine, r->vaccine);
    s->year_week = yw;
    s->delivered = r->delivered;
    return 0;
}

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void lot_number(const char *vaccine, uint64_t *rng, char *out, size_t len)
{
    unsigned r = (unsigned)(next(rng) >> 33);
    if (strcmp(vaccine, "COM") == 0)
        snprintf(out, len, "E%c%04u", 'J' + (int)(r % 12), (r / 12) % 10000);
    else if (strcmp(vaccine, "MOD") == 0)
        snprintf(out, len, "300%04u", r % 10000);
    else if (strcmp(vaccine, "AZ") == 0)
        snprintf(out, len, "ABV%04u", r % 10000);
    else
        snprintf(out, len, "L%05u", r % 100000);
}

static int cmp_supply(const void *a, const void *b)
{
    const struct supply_row *x = a, *y = b;
    if (x->site != y->site)
        return x->site < y->site ? -1 : 1;
    return strcmp(x->vaccine, y->vaccine);
}

enum vx_status vx_care_demo_seed(struct vx_store *st, const struct vx_catalog *cat, vx_day today,
                                 uint64_t seed, int *lots, int *vials, struct vx_err *err)
{
    if (lots)
        *lots = 0;
    if (vials)
        *vials = 0;
    struct vx_isoweek w = vx_isoweek_of(today);
    struct supply_list l = {.max_week = w.year * 100 + w.week};
    enum vx_status vs = st->ops->supply_foreach(st, supply_cb, &l);
    if (vs == VX_OK && l.oom)
        vs = VX_ENOMEM;
    if (vs != VX_OK) {
        free(l.rows);
        return vx_err_set(err, vs, "demo stock: cannot read the supply: %s", st->err);
    }
    qsort(l.rows, (size_t)l.n, sizeof *l.rows, cmp_supply);
    uint64_t rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    struct vx_care_env env = {.st = st, .cat = cat, .user = "demo", .role = "system"};
    struct vx_care_result res;
    vx_time t0 = 0;
    int n_lots = 0, n_vials = 0, sites_seen = 0;
    int64_t last_site = 0;
    enum vx_status rc = VX_OK;
    for (int i = 0; i < l.n && rc == VX_OK; i++) {
        const struct supply_row *s = &l.rows[i];
        const struct vx_product *p = vx_catalog_find(cat, s->vaccine);
        if (!p)
            continue;
        bool new_site = s->site != last_site;
        if (new_site)
            sites_seen++;
        last_site = s->site;
        int nominal, max;
        care_vial_counts(p, today, &nominal, &max);
        struct vx_care_receipt r = {.site_id = s->site, .expiry = today + 60};
        care_copy(r.vaccine, sizeof r.vaccine, p->code);
        lot_number(p->code, &rng, r.lot_number, sizeof r.lot_number);
        r.doses = s->delivered > 10 * nominal ? s->delivered : 10 * nominal;
        snprintf(r.ref, sizeof r.ref, "demo supply %d-W%02d", s->year_week / 100,
                 s->year_week % 100);
        if (vx_stockholm_to_utc(today - 3, 7 * 60, &env.now, NULL) != VX_OK ||
            vx_stockholm_to_utc(today - 4, 8 * 60, &t0, NULL) != VX_OK)
            return vx_err_set(err, VX_EINVAL, "demo stock: bad date");
        const struct vx_storage *sto = vx_product_storage(p, today);
        r.thawed_at = sto && sto->frozen_months > 0 ? t0 : 0;
        int64_t lot_id = 0;
        rc = vx_care_receive(&env, &r, &lot_id, &res);
        if (rc == VX_ECONFLICT && res.reason == VX_CARE_R_STATE) { /* lot number taken */
            rc = VX_OK;
            continue;
        }
        if (rc != VX_OK)
            break;
        n_lots++;
        if (new_site && sites_seen % 10 == 1) { /* a broken vial two days ago */
            vx_stockholm_to_utc(today - 2, 11 * 60, &env.now, NULL);
            struct vx_wastage_rec wr = {
                .site_id = s->site, .lot_id = lot_id, .doses = nominal, .reason = VX_WASTE_BROKEN};
            care_copy(wr.note, sizeof wr.note, "demo: vial dropped");
            rc = vx_care_wastage(&env, &wr, NULL, &res);
        }
        if (rc == VX_OK && new_site && sites_seen <= OPEN_VIAL_SITES) {
            vx_stockholm_to_utc(today, 8 * 60, &env.now, NULL);
            rc = vx_care_vial_open(&env, s->site, "", lot_id, NULL, &res);
            if (rc == VX_OK)
                n_vials++;
        }
    }
    free(l.rows);
    if (rc != VX_OK)
        return vx_err_set(err, rc, "demo stock: %s", res.msg_en);
    if (lots)
        *lots = n_lots;
    if (vials)
        *vials = n_vials;
    return VX_OK;
}
