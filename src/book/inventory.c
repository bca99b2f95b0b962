/*
 * inventory.c — the booking engine's in-memory state and its reads.
 *
 * What is held: every site (for the site list and slot generation), every slot
 * with an atomic `booked` counter, per site and vaccine a "supply line" of weeks
 * (doses allocated + delivered per week, and doses used per week as atomics), the
 * active booking series of each person who ever booked (by store id and by
 * number, two open-addressing hash tables of indices), and the released cohorts.
 * Everything is rebuilt from the store at open (bk_load): the slot counts come
 * from the bookings table, not from a cached column, so a restart always starts
 * from what is durable.
 *
 * Supply rule. The doses a site can count on in week W are the sum of
 * allocated + delivered of weeks <= W; the doses it has promised by week W are the
 * bookings (dose 1 and the reserved dose 2) at its slots in weeks <= W. A dose may
 * be booked in week W only if, for every week W' >= W, promised(W') stays within
 * supply(W'): a later week's delivery never pays for an earlier week's dose, and a
 * dose 2 reserved for week 8 keeps its dose even if week 5 is booked out. That
 * minimum is bk_supply_left(). Slots exist whether or not supply covers them; a
 * slot is "released" when it has room and bk_supply_left() > 0.
 *
 * Concurrency (see book_int.h): readers hold `lock` shared; counters are atomics
 * that the writer changes without the lock; arrays grow, and series change, only
 * under the exclusive lock, which the writer takes for a few instructions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "book_int.h"

/* ---- small helpers ------------------------------------------------------ */

static enum vx_status grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return VX_OK;
    int n = *cap ? *cap : 16;
    while (n < need) {
        if (n > (1 << 28))
            return VX_ENOMEM;
        n *= 2;
    }
    void *q = realloc(*p, (size_t)n * size);
    if (!q)
        return VX_ENOMEM;
    memset((char *)q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *p = q;
    *cap = n;
    return VX_OK;
}

int bk_vaccine_index(const struct vx_book_engine *e, const char *code)
{
    const struct vx_product *p = vx_catalog_find(e->cat, code);
    return p ? (int)(p - e->cat->products) : -1;
}

int bk_site_index(const struct vx_book_engine *e, int64_t site_id)
{
    int lo = 0, hi = e->n_sites - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int64_t id = e->sites[e->site_by_id[mid]].rec.id;
        if (id == site_id)
            return e->site_by_id[mid];
        if (id < site_id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int bk_slot_index(const struct vx_book_engine *e, int64_t slot_id)
{
    int lo = 0, hi = e->n_slots - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (e->slots[mid].id == slot_id)
            return mid;
        if (e->slots[mid].id < slot_id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* ---- sites --------------------------------------------------------------- */

static int cmp_site_id(const void *a, const void *b, void *ctx)
{
    const struct vx_book_engine *e = ctx;
    int64_t x = e->sites[*(const int *)a].rec.id;
    int64_t y = e->sites[*(const int *)b].rec.id;
    return (x > y) - (x < y);
}

/* Add or update a site (caller holds the write lock or runs before the writer). */
enum vx_status bk_site_upsert(struct vx_book_engine *e, const struct vx_site_rec *r)
{
    int i = bk_site_index(e, r->id);
    if (i >= 0) {
        e->sites[i].rec = *r;
        return VX_OK;
    }
    int cap = e->cap_sites;
    if (grow((void **)&e->sites, &e->cap_sites, e->n_sites + 1, sizeof *e->sites) != VX_OK)
        return VX_ENOMEM;
    if (cap != e->cap_sites) {
        int *p = realloc(e->site_by_id, (size_t)e->cap_sites * sizeof *p);
        if (!p)
            return VX_ENOMEM;
        e->site_by_id = p;
    }
    struct bk_site *s = &e->sites[e->n_sites];
    memset(s, 0, sizeof *s);
    s->supply = calloc(e->cat->n_products ? e->cat->n_products : 1, sizeof *s->supply);
    if (!s->supply)
        return VX_ENOMEM;
    s->rec = *r;
    e->site_by_id[e->n_sites] = e->n_sites;
    e->n_sites++;
    /* ids arrive in order from the store; sort only when one does not */
    if (e->n_sites > 1 && e->sites[e->site_by_id[e->n_sites - 2]].rec.id > r->id) {
        qsort_r(e->site_by_id, (size_t)e->n_sites, sizeof *e->site_by_id, cmp_site_id, e);
    }
    return VX_OK;
}

static int site_load_cb(void *ctx, const struct vx_site_rec *r)
{
    return bk_site_upsert(ctx, r) != VX_OK;
}

enum vx_status vx_book_sites(struct vx_book_engine *e, const char *region, const char *kommun,
                             struct vx_site_rec *out, int cap, int *n)
{
    *n = 0;
    pthread_rwlock_rdlock(&e->lock);
    for (int k = 0; k < e->n_sites; k++) {
        const struct vx_site_rec *r = &e->sites[e->site_by_id[k]].rec;
        if (region && *region && strcmp(region, r->region) != 0)
            continue;
        if (kommun && *kommun && strcmp(kommun, r->kommun) != 0)
            continue;
        if (*n < cap)
            out[*n] = *r;
        (*n)++;
    }
    pthread_rwlock_unlock(&e->lock);
    int m = *n < cap ? *n : cap;
    /* by kommun, then code (the order of the store's site list) */
    for (int i = 1; i < m; i++) {
        struct vx_site_rec t = out[i];
        int j = i - 1;
        while (j >= 0 && (strcmp(out[j].kommun, t.kommun) > 0 ||
                          (!strcmp(out[j].kommun, t.kommun) && strcmp(out[j].code, t.code) > 0))) {
            out[j + 1] = out[j];
            j--;
        }
        out[j + 1] = t;
    }
    return VX_OK;
}

/* ---- supply -------------------------------------------------------------- */

int bk_supply_left(const struct vx_book_engine *e, int site, int vac, int wk)
{
    const struct bk_supply *s = site >= 0 && vac >= 0 ? e->sites[site].supply[vac] : NULL;
    if (!s)
        return 0;
    int64_t cum = 0, best = INT64_MAX;
    if (wk < s->wk0)
        best = 0; /* weeks before the first supply: nothing to count on */
    for (int i = 0; i < s->nwk; i++) {
        cum += s->add[i] - atomic_load_explicit(&s->used[i], memory_order_relaxed);
        if (s->wk0 + i >= wk && cum < best)
            best = cum;
    }
    if (cum < best)
        best = cum; /* weeks after the last one keep the final balance */
    return best > INT32_MAX ? INT32_MAX : (int)best;
}

struct bk_supply *bk_supply_line(struct vx_book_engine *e, int site, int vac, int wk)
{
    struct bk_supply *s = e->sites[site].supply[vac];
    if (s && wk >= s->wk0 && wk < s->wk0 + s->nwk)
        return s;
    int lo = s ? (wk < s->wk0 ? wk : s->wk0) : wk;
    int hi = s ? (wk >= s->wk0 + s->nwk ? wk + 1 : s->wk0 + s->nwk) : wk + 1;
    if (hi - lo > BK_MAX_WEEKS)
        return NULL;
    int32_t *add = calloc((size_t)(hi - lo), sizeof *add);
    _Atomic int32_t *used = calloc((size_t)(hi - lo), sizeof *used);
    struct bk_supply *n = s ? s : calloc(1, sizeof *n);
    if (!add || !used || !n) {
        free(add);
        free((void *)used);
        if (!s)
            free(n);
        return NULL;
    }
    pthread_rwlock_wrlock(&e->lock);
    if (s) {
        for (int i = 0; i < s->nwk; i++) {
            add[s->wk0 - lo + i] = s->add[i];
            atomic_store(&used[s->wk0 - lo + i], atomic_load(&s->used[i]));
        }
        free(s->add);
        free((void *)s->used);
    }
    n->wk0 = lo;
    n->nwk = hi - lo;
    n->add = add;
    n->used = used;
    e->sites[site].supply[vac] = n;
    pthread_rwlock_unlock(&e->lock);
    return n;
}

enum vx_status bk_supply_apply(struct vx_book_engine *e, const struct vx_supply_rec *r)
{
    int site = bk_site_index(e, r->site_id);
    int vac = bk_vaccine_index(e, r->vaccine);
    if (site < 0 || vac < 0)
        return VX_ENOTFOUND;
    int wk = bk_week(vx_isoweek_monday(r->week.year, r->week.week));
    struct bk_supply *s = bk_supply_line(e, site, vac, wk);
    if (!s)
        return VX_ENOMEM;
    pthread_rwlock_wrlock(&e->lock);
    s->add[wk - s->wk0] = r->allocated + r->delivered;
    pthread_rwlock_unlock(&e->lock);
    return VX_OK;
}

static int supply_load_cb(void *ctx, const struct vx_supply_rec *r)
{
    enum vx_status st = bk_supply_apply(ctx, r);
    return st != VX_OK && st != VX_ENOTFOUND; /* supply of an unknown product is ignored */
}

int vx_book_supply_left(struct vx_book_engine *e, int64_t site_id, const char *vaccine, vx_day day)
{
    pthread_rwlock_rdlock(&e->lock);
    int left =
        bk_supply_left(e, bk_site_index(e, site_id), bk_vaccine_index(e, vaccine), bk_week(day));
    pthread_rwlock_unlock(&e->lock);
    return left;
}

/* ---- slots --------------------------------------------------------------- */

enum vx_status bk_slot_add(struct vx_book_engine *e, const struct vx_slot_rec *r)
{
    int site = bk_site_index(e, r->site_id);
    int vac = bk_vaccine_index(e, r->vaccine);
    if (site < 0 || vac < 0)
        return VX_OK; /* a slot of a product not in this catalogue cannot be booked */
    if (e->n_slots && e->slots[e->n_slots - 1].id >= r->id)
        return VX_EINTERNAL; /* ids come in increasing order */
    struct bk_site *s = &e->sites[site];
    if (grow((void **)&e->slots, &e->cap_slots, e->n_slots + 1, sizeof *e->slots) != VX_OK ||
        grow((void **)&s->slots, &s->cap_slots, s->n_slots + 1, sizeof *s->slots) != VX_OK)
        return VX_ENOMEM;
    struct bk_slot *sl = &e->slots[e->n_slots];
    sl->id = r->id;
    sl->site = site;
    sl->vac = vac;
    sl->day = r->day;
    sl->minute = r->start_minute;
    sl->minutes = r->minutes;
    sl->capacity = r->capacity;
    if (vx_stockholm_to_utc(r->day, r->start_minute, &sl->start, NULL) != VX_OK)
        sl->start = (vx_time)r->day * 86400 + r->start_minute * 60; /* not generated by us */
    atomic_store(&sl->booked, r->booked);
    s->slots[s->n_slots++] = e->n_slots;
    e->n_slots++;
    if (r->booked) {
        int wk = bk_week(r->day);
        struct bk_supply *line = bk_supply_line(e, site, vac, wk);
        if (!line)
            return VX_ENOMEM;
        atomic_fetch_add(&line->used[wk - line->wk0], r->booked);
    }
    return VX_OK;
}

static int cmp_slot_pos(const void *a, const void *b, void *ctx)
{
    const struct vx_book_engine *e = ctx;
    const struct bk_slot *x = &e->slots[*(const int *)a];
    const struct bk_slot *y = &e->slots[*(const int *)b];
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->minute != y->minute)
        return x->minute < y->minute ? -1 : 1;
    return x->vac - y->vac;
}

void bk_site_sort_slots(struct vx_book_engine *e, int site)
{
    if (e->sites[site].n_slots > 1)
        qsort_r(e->sites[site].slots, (size_t)e->sites[site].n_slots, sizeof(int), cmp_slot_pos, e);
}

static int slot_load_cb(void *ctx, const struct vx_slot_rec *r)
{
    return bk_slot_add(ctx, r) != VX_OK;
}

static void slot_info(const struct vx_book_engine *e, const struct bk_slot *sl,
                      struct vx_book_slot_info *o, int left)
{
    o->slot_id = sl->id;
    o->site_id = e->sites[sl->site].rec.id;
    o->day = sl->day;
    o->start_minute = sl->minute;
    o->minutes = sl->minutes;
    o->start = sl->start;
    snprintf(o->vaccine, sizeof o->vaccine, "%s", e->cat->products[sl->vac].code);
    o->capacity = sl->capacity;
    o->booked = atomic_load_explicit(&sl->booked, memory_order_relaxed);
    o->released = o->booked < o->capacity && left > 0;
}

/* Walk the slots of a site in from..to: fn(ctx, slot, supply left of its week). */
static enum vx_status walk_site(struct vx_book_engine *e, int64_t site_id, vx_day from, vx_day to,
                                void (*fn)(void *ctx, const struct vx_book_engine *e,
                                           const struct bk_slot *sl, int left),
                                void *ctx)
{
    pthread_rwlock_rdlock(&e->lock);
    int site = bk_site_index(e, site_id);
    if (site < 0) {
        pthread_rwlock_unlock(&e->lock);
        return VX_ENOTFOUND;
    }
    const struct bk_site *s = &e->sites[site];
    int last_vac = -1, last_wk = 0, left = 0;
    for (int k = 0; k < s->n_slots; k++) {
        const struct bk_slot *sl = &e->slots[s->slots[k]];
        if (sl->day < from || sl->day > to)
            continue;
        int wk = bk_week(sl->day);
        if (sl->vac != last_vac || wk != last_wk) {
            left = bk_supply_left(e, site, sl->vac, wk);
            last_vac = sl->vac;
            last_wk = wk;
        }
        fn(ctx, e, sl, left);
    }
    pthread_rwlock_unlock(&e->lock);
    return VX_OK;
}

struct avail_ctx {
    struct vx_book_slot_info *out;
    int cap, n;
};

static void avail_slot(void *ctx, const struct vx_book_engine *e, const struct bk_slot *sl,
                       int left)
{
    struct avail_ctx *a = ctx;
    if (a->n < a->cap)
        slot_info(e, sl, &a->out[a->n], left);
    a->n++;
}

enum vx_status vx_book_availability(struct vx_book_engine *e, int64_t site_id, vx_day from,
                                    vx_day to, struct vx_book_slot_info *out, int cap, int *n)
{
    struct avail_ctx a = {out, cap, 0};
    enum vx_status st = walk_site(e, site_id, from, to, avail_slot, &a);
    *n = a.n;
    return st;
}

struct days_ctx {
    struct vx_book_day_info *out;
    int cap, n;
    int last_vac;
    int left; /* supply left in the current entry's week */
};

static void days_slot(void *ctx, const struct vx_book_engine *e, const struct bk_slot *sl, int left)
{
    struct days_ctx *d = ctx;
    const char *code = e->cat->products[sl->vac].code;
    struct vx_book_day_info *o = NULL;
    /* the site's slots are sorted by day, minute, vaccine: look back within the day */
    for (int i = (d->n < d->cap ? d->n : d->cap) - 1; i >= 0 && d->out[i].day == sl->day; i--)
        if (!strcmp(d->out[i].vaccine, code))
            o = &d->out[i];
    if (!o) {
        if (d->n >= d->cap) {
            d->n++;
            return;
        }
        o = &d->out[d->n++];
        memset(o, 0, sizeof *o);
        o->day = sl->day;
        snprintf(o->vaccine, sizeof o->vaccine, "%s", code);
        o->released = -left; /* stash: finished below */
    }
    int booked = atomic_load_explicit(&sl->booked, memory_order_relaxed);
    o->slots++;
    o->capacity += sl->capacity;
    o->booked += booked;
}

enum vx_status vx_book_availability_days(struct vx_book_engine *e, int64_t site_id, vx_day from,
                                         vx_day to, struct vx_book_day_info *out, int cap, int *n)
{
    struct days_ctx d = {out, cap, 0, -1, 0};
    enum vx_status st = walk_site(e, site_id, from, to, days_slot, &d);
    *n = d.n;
    for (int i = 0; i < (d.n < cap ? d.n : cap); i++) {
        int left = -out[i].released;
        int free_ = out[i].capacity - out[i].booked;
        if (left < 0)
            left = 0;
        out[i].released = free_ < left ? free_ : left;
        if (out[i].released < 0)
            out[i].released = 0;
    }
    return st;
}

/* ---- persons ------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t hash_pnr(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return mix64(h);
}

static int find_id(const struct vx_book_engine *e, int64_t id)
{
    if (!e->h_cap)
        return -1;
    for (size_t i = mix64((uint64_t)id) & (e->h_cap - 1);; i = (i + 1) & (e->h_cap - 1)) {
        int32_t v = e->h_id[i];
        if (!v)
            return -1;
        if (e->persons[v - 1].id == id)
            return v - 1;
    }
}

int bk_person_find_pnr(const struct vx_book_engine *e, const char *pnr)
{
    if (!e->h_cap)
        return -1;
    for (size_t i = hash_pnr(pnr) & (e->h_cap - 1);; i = (i + 1) & (e->h_cap - 1)) {
        int32_t v = e->h_pnr[i];
        if (!v)
            return -1;
        if (!strcmp(e->persons[v - 1].pnr, pnr))
            return v - 1;
    }
}

static void h_insert(int32_t *t, size_t cap, uint64_t h, int32_t v)
{
    size_t i = h & (cap - 1);
    while (t[i])
        i = (i + 1) & (cap - 1);
    t[i] = v;
}

/* Rehash into tables of `cap` slots (caller holds the write lock). */
static enum vx_status rehash(struct vx_book_engine *e, size_t cap)
{
    int32_t *a = calloc(cap, sizeof *a), *b = calloc(cap, sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return VX_ENOMEM;
    }
    for (int i = 0; i < e->n_persons; i++) {
        h_insert(a, cap, mix64((uint64_t)e->persons[i].id), i + 1);
        h_insert(b, cap, hash_pnr(e->persons[i].pnr), i + 1);
    }
    free(e->h_id);
    free(e->h_pnr);
    e->h_id = a;
    e->h_pnr = b;
    e->h_cap = cap;
    return VX_OK;
}

int bk_person_get(struct vx_book_engine *e, int64_t id, const char *pnr, bool create)
{
    int i = find_id(e, id);
    if (i >= 0 || !create)
        return i;
    int r = -1;
    pthread_rwlock_wrlock(&e->lock);
    if ((size_t)(e->n_persons + 1) * 2 > e->h_cap &&
        rehash(e, e->h_cap ? e->h_cap * 2 : 1024) != VX_OK)
        goto out;
    if (grow((void **)&e->persons, &e->cap_persons, e->n_persons + 1, sizeof *e->persons) != VX_OK)
        goto out;
    r = e->n_persons++;
    struct bk_person *p = &e->persons[r];
    memset(p, 0, sizeof *p);
    p->id = id;
    snprintf(p->pnr, sizeof p->pnr, "%s", pnr);
    h_insert(e->h_id, e->h_cap, mix64((uint64_t)id), r + 1);
    h_insert(e->h_pnr, e->h_cap, hash_pnr(p->pnr), r + 1);
out:
    pthread_rwlock_unlock(&e->lock);
    return r;
}

static int booking_load_cb(void *ctx, const struct vx_booking_rec *b)
{
    struct vx_book_engine *e = ctx;
    int slot = bk_slot_index(e, b->slot_id);
    int i = bk_person_get(e, b->person_id, b->person_pnr, true);
    if (i < 0)
        return 1;
    struct bk_series *s = &e->persons[i].s;
    if (slot < 0 || s->n >= 2)
        return 0; /* a slot of an unknown product, or more rows than a series has: skip */
    s->booking[s->n] = b->id;
    s->slot[s->n] = slot;
    s->dose[s->n] = b->dose_number;
    s->channel = b->channel;
    snprintf(s->agent, sizeof s->agent, "%s", b->agent_id);
    s->n++;
    return 0;
}

enum vx_status vx_book_list_person(struct vx_book_engine *e, const char *pnr, int64_t person_id,
                                   struct vx_book_booking_info *out, int cap, int *n)
{
    *n = 0;
    pthread_rwlock_rdlock(&e->lock);
    int i = pnr ? bk_person_find_pnr(e, pnr) : find_id(e, person_id);
    if (i >= 0) {
        const struct bk_series *s = &e->persons[i].s;
        for (int k = 0; k < s->n; k++, (*n)++) {
            if (*n >= cap)
                continue;
            const struct bk_slot *sl = &e->slots[s->slot[k]];
            struct vx_book_booking_info *o = &out[*n];
            memset(o, 0, sizeof *o);
            o->booking_id = s->booking[k];
            o->slot_id = sl->id;
            o->site_id = e->sites[sl->site].rec.id;
            o->dose_number = s->dose[k];
            o->day = sl->day;
            o->start_minute = sl->minute;
            o->start = sl->start;
            snprintf(o->vaccine, sizeof o->vaccine, "%s", e->cat->products[sl->vac].code);
            o->channel = s->channel;
            snprintf(o->agent_id, sizeof o->agent_id, "%s", s->agent);
        }
    }
    pthread_rwlock_unlock(&e->lock);
    return VX_OK;
}

/* ---- cohorts ------------------------------------------------------------- */

enum vx_status bk_cohort_add(struct vx_book_engine *e, const struct vx_cohort_rec *c,
                             struct vx_err *err, bool apply)
{
    struct bk_cohort k;
    memset(&k, 0, sizeof k);
    k.rec = *c;
    char ids[sizeof c->rule_ids];
    snprintf(ids, sizeof ids, "%s", c->rule_ids);
    char *save = NULL;
    for (char *t = strtok_r(ids, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        const struct vx_elig_rule *r = vx_elig_rule_find(e->rules, t);
        if (!r)
            return vx_err_set(err, VX_EINVAL, "cohort: unknown eligibility rule '%s'", t);
        if (k.n_rules == BK_COHORT_RULES)
            return vx_err_set(err, VX_ERANGE, "cohort: more than %d rules", BK_COHORT_RULES);
        k.rules[k.n_rules++] = r;
    }
    if (!k.n_rules && c->born_to <= 0)
        return vx_err_set(err, VX_EINVAL, "cohort: give eligibility rules or a birth-year bound");
    if (!apply)
        return VX_OK;
    pthread_rwlock_wrlock(&e->lock);
    enum vx_status st =
        grow((void **)&e->cohorts, &e->cap_cohorts, e->n_cohorts + 1, sizeof *e->cohorts);
    if (st == VX_OK)
        e->cohorts[e->n_cohorts++] = k;
    pthread_rwlock_unlock(&e->lock);
    return st;
}

static int cohort_load_cb(void *ctx, const struct vx_cohort_rec *c)
{
    struct vx_err err;
    /* a cohort naming a rule that a newer rule file dropped is skipped, not fatal */
    enum vx_status st = bk_cohort_add(ctx, c, &err, true);
    return st == VX_ENOMEM;
}

bool bk_cohort_open_locked(const struct vx_book_engine *e, const struct vx_person *p, vx_time now)
{
    vx_day today;
    int minute;
    vx_stockholm_local(now, &today, &minute);
    int birth_year = vx_ymd_from_day(p->pnr.birth).year;
    for (int i = 0; i < e->n_cohorts; i++) {
        const struct bk_cohort *c = &e->cohorts[i];
        if (c->rec.release_at > now || (c->rec.region[0] && strcmp(c->rec.region, p->region)))
            continue;
        if (c->rec.born_to > 0 && birth_year > c->rec.born_to)
            continue;
        bool match = c->n_rules == 0;
        for (int k = 0; k < c->n_rules && !match; k++)
            match = vx_elig_rule_matches(c->rules[k], p, today);
        if (match)
            return true;
    }
    return false;
}

bool vx_book_cohort_open(struct vx_book_engine *e, const struct vx_person *p, vx_time now)
{
    pthread_rwlock_rdlock(&e->lock);
    bool open = bk_cohort_open_locked(e, p, now);
    pthread_rwlock_unlock(&e->lock);
    return open;
}

/* ---- load and free ------------------------------------------------------- */

enum vx_status bk_load(struct vx_book_engine *e, struct vx_err *err)
{
    struct vx_store *st = e->st;
    enum vx_status rc = st->ops->site_foreach(st, "", "", site_load_cb, e);
    if (rc == VX_OK)
        rc = st->ops->supply_foreach(st, supply_load_cb, e);
    if (rc == VX_OK)
        rc = st->ops->slot_foreach(st, slot_load_cb, e);
    for (int i = 0; rc == VX_OK && i < e->n_sites; i++)
        bk_site_sort_slots(e, i);
    if (rc == VX_OK)
        rc = st->ops->booking_foreach_active(st, booking_load_cb, e);
    if (rc == VX_OK)
        rc = st->ops->cohort_foreach(st, cohort_load_cb, e);
    if (rc == VX_OK)
        rc = bk_idem_load(e);
    if (rc != VX_OK)
        return vx_err_set(err, rc, "booking engine: loading the inventory: %s",
                          st->err[0] ? st->err : vx_strerror(rc));
    return VX_OK;
}

void bk_free_inventory(struct vx_book_engine *e)
{
    for (int i = 0; i < e->n_sites; i++) {
        struct bk_site *s = &e->sites[i];
        for (size_t v = 0; s->supply && v < e->cat->n_products; v++) {
            if (!s->supply[v])
                continue;
            free(s->supply[v]->add);
            free((void *)s->supply[v]->used);
            free(s->supply[v]);
        }
        free(s->supply);
        free(s->slots);
    }
    free(e->sites);
    free(e->site_by_id);
    free(e->slots);
    free(e->persons);
    free(e->h_id);
    free(e->h_pnr);
    free(e->cohorts);
}
