/*
 * routes_book.c — the booking API (docs/api-booking.md) on the booking engine.
 *
 * One module, `vx_book_http_module`: its start hook opens the booking engine on
 * the server's database (the engine owns the one writer connection; handlers read
 * person records through the server's read pool), and builds three small pieces
 * of read-side state that the engine does not offer by key:
 *
 *   sites   every site, sorted by id, with its public JSON made once (sites are
 *           only loaded when the engine opens, so this copy is exact);
 *   slots   an index slot id → site, day, start, length, vaccine, so a booking
 *           can be checked before it reaches the writer (unknown or past slot,
 *           dose 2 outside the product's interval) and each problem names its
 *           field; slots are never deleted, and the only way new ones reach the
 *           engine while serving is POST /sites/{id}/slots, which re-indexes;
 *   cache   availability per (site, day, vaccine) as ready JSON text, rebuilt at
 *           most once per `avail_cache_ms` (1 s): a direct-mapped table of 8192
 *           entries under 64 striped mutexes. The engine's reads are in memory
 *           already; the cache saves the walk and the formatting when thousands of
 *           people look at the same day during a cohort opening (docs/api-booking.md
 *           has the measurement). A rebuild holds the stripe, so a storm rebuilds
 *           each day once per second, not once per request.
 *
 * Writes. Bookings, rebookings and cancellations are asynchronous: the handler
 * checks what it can synchronously (roles and scope, input, slots, queue token),
 * suspends the request and submits it to the engine; the engine's completion
 * callback (writer thread, after the COMMIT) answers 201/200 or a problem. The
 * administrative writes (supply, slots, cohorts, invitations) wait for their own
 * commit on the handler thread; they are rare.
 *
 * Access. Every route lists its roles (deny by default, checked by the
 * framework); handlers add the scope: citizens act only for themselves; call-centre
 * agents and regional coordinators only for persons and sites of their region;
 * site coordinators only for their site. Every read of a person's data is audited
 * here (vx_audit_person); the engine audits every booking request it runs.
 *
 * Time. With `serve --date D` the server's clock is pinned to day D at the
 * current wall-clock time of day ("now" for bookings, cohorts and slot checks);
 * without it the real clock is used. Waiting-room tokens always use the real clock.
 */
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vx/book.h"
#include "vx/book_http.h"
#include "vx/buf.h"
#include "vx/metrics.h"
#include "vx/pnr.h"
#include "vx/waitroom.h"

#define CACHE_SIZE      8192
#define CACHE_STRIPES   64
#define CACHE_ENTRY_MAX (1u << 20) /* bytes of one day's JSON */
#define MAX_RANGE_DAYS  62         /* availability: from..to at most this many days */
#define MAX_DOSE2_SLOTS 400
#define QUEUE_TOKEN_HDR "X-Queue-Token"
#define IDEM_HDR        "Idempotency-Key"
#define DEFAULT_RANGE   14
#define INVITE_DAYS     30

static struct vx_book_http_opts g_opts;

void vx_book_http_configure(const struct vx_book_http_opts *o)
{
    if (o)
        g_opts = *o;
    else
        memset(&g_opts, 0, sizeof g_opts);
}

/* ------------------------------------------------------------------ state */

struct bh_site {
    struct vx_site_rec rec;
    char *json; /* {"id","code","name","kind","address","kommun","region"} (owned) */
};

struct bh_slot {
    int64_t id;
    int32_t site; /* index into bh.sites */
    vx_day day;
    vx_time start;
    int16_t minute, minutes;
    int16_t vac; /* index into the catalogue */
};

struct cache_ent {
    int64_t site;
    vx_day day;
    int vac; /* -1 = every vaccine */
    bool valid;
    int64_t built_ms;
    struct vx_buf json; /* "" when the day has no slots */
};

struct bh {
    struct vx_http_server *srv; /* registered in g_engines while started */
    struct vx_book_engine *eng;
    const struct vx_catalog *cat;
    const struct vx_elig_table *rules;
    vx_day fixed_today; /* serve --date, 0 = the clock */
    struct vx_book_http_opts opts;
    struct vx_waitroom *wr;

    struct bh_site *sites; /* sorted by rec.id, immutable after start */
    int n_sites;
    int *listing; /* indices into sites by kommun, then code (the site list's order) */

    pthread_rwlock_t slot_lock;
    struct bh_slot *slots; /* sorted by id */
    int n_slots, cap_slots;

    pthread_mutex_t stripe[CACHE_STRIPES];
    struct cache_ent *cache; /* CACHE_SIZE entries, NULL when the cache is off */
    int cache_ms;

    struct vx_counter cache_hit, cache_miss, wr_refused;
};

/* ------------------------------------------------------------------ time */

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "now" for bookings: the pinned day at the current time of day, or the clock. */
static vx_time bh_now(const struct bh *bh)
{
    vx_time t = (vx_time)time(NULL);
    if (!bh->fixed_today)
        return t;
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    vx_time out;
    if (vx_stockholm_to_utc(bh->fixed_today, minute, &out, NULL) != VX_OK &&
        vx_stockholm_to_utc(bh->fixed_today, minute + 60, &out, NULL) != VX_OK)
        out = t; /* cannot happen outside the spring-forward hour */
    return out + t % 60;
}

static vx_day bh_today(const struct bh *bh)
{
    if (bh->fixed_today)
        return bh->fixed_today;
    vx_day d;
    int minute;
    vx_stockholm_local((vx_time)time(NULL), &d, &minute);
    return d;
}

/* ------------------------------------------------------------------ sites */

static int cmp_site(const void *a, const void *b)
{
    int64_t x = ((const struct bh_site *)a)->rec.id, y = ((const struct bh_site *)b)->rec.id;
    return (x > y) - (x < y);
}

static int cmp_listing(const void *a, const void *b, void *ctx)
{
    const struct bh_site *s = ctx;
    const struct vx_site_rec *x = &s[*(const int *)a].rec, *y = &s[*(const int *)b].rec;
    int c = strcmp(x->kommun, y->kommun);
    return c ? c : strcmp(x->code, y->code);
}

static int site_index(const struct bh *bh, int64_t id)
{
    int lo = 0, hi = bh->n_sites - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (bh->sites[mid].rec.id == id)
            return mid;
        if (bh->sites[mid].rec.id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The municipality's name, or "" (a lookup failure only costs the label). */
static void kommun_name(struct vx_store *st, const char *code, char *out, size_t len)
{
    struct vx_kommun_rec k;
    out[0] = '\0';
    if (st && st->ops->kommun_get(st, code, &k) == VX_OK)
        snprintf(out, len, "%s", k.name);
}

static cJSON *site_obj(const struct vx_site_rec *s, const char *kommun_label)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddStringToObject(o, "code", s->code);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "kind", vx_site_kind_code(s->kind));
    cJSON_AddStringToObject(o, "address", s->address);
    cJSON_AddStringToObject(o, "kommun", s->kommun);
    cJSON_AddStringToObject(o, "kommun_name", kommun_label);
    cJSON_AddStringToObject(o, "region", s->region);
    return o;
}

static enum vx_status load_sites(struct bh *bh, const char *db_path)
{
    int n = 0;
    enum vx_status rc = vx_book_sites(bh->eng, "", "", NULL, 0, &n);
    if (rc != VX_OK)
        return rc;
    struct vx_site_rec *recs = calloc((size_t)(n ? n : 1), sizeof *recs);
    bh->sites = calloc((size_t)(n ? n : 1), sizeof *bh->sites);
    if (!recs || !bh->sites) {
        free(recs);
        return VX_ENOMEM;
    }
    int got = 0;
    rc = vx_book_sites(bh->eng, "", "", recs, n, &got);
    struct vx_store *names = NULL; /* municipality names for the site list, read once */
    struct vx_err nerr;
    if (vx_store_open_sqlite(db_path, &names, &nerr) != VX_OK)
        names = NULL;
    for (int i = 0; rc == VX_OK && i < got && i < n; i++) {
        bh->sites[i].rec = recs[i];
        char kname[64];
        kommun_name(names, recs[i].kommun, kname, sizeof kname);
        cJSON *o = site_obj(&recs[i], kname);
        bh->sites[i].json = o ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        bh->n_sites = i + 1;
        if (!bh->sites[i].json)
            rc = VX_ENOMEM;
    }
    vx_store_close(names);
    free(recs);
    qsort(bh->sites, (size_t)bh->n_sites, sizeof *bh->sites, cmp_site);
    if (rc == VX_OK && !(bh->listing = malloc((size_t)(n ? n : 1) * sizeof *bh->listing)))
        rc = VX_ENOMEM;
    for (int i = 0; rc == VX_OK && i < bh->n_sites; i++)
        bh->listing[i] = i;
    if (rc == VX_OK)
        qsort_r(bh->listing, (size_t)bh->n_sites, sizeof *bh->listing, cmp_listing, bh->sites);
    return rc;
}

/* May session `s` see (and, for staff that may write, manage) site `si`? Citizens
 * and aggregate roles see every site (public information); region roles their
 * region's, site roles their own, municipal roles their region's. */
static bool site_in_scope(const struct vx_session *s, const struct vx_site_rec *si)
{
    const struct vx_role_info *ri = vx_role_info(s->role);
    switch (ri ? ri->scope : VX_SCOPE_NONE) {
    case VX_SCOPE_REGION:
    case VX_SCOPE_KOMMUN:
        return !strcmp(s->region, si->region);
    case VX_SCOPE_SITE:
        return !strcmp(s->site, si->code);
    case VX_SCOPE_SELF:
    case VX_SCOPE_NONE:
        break;
    }
    return true;
}

/* The site of path parameter {id} in the caller's scope, or a problem. */
static enum vx_status path_site(struct vx_http_req *req, struct bh *bh, int *out)
{
    const char *p = vx_http_req_param(req, "id");
    long long id = p ? strtoll(p, NULL, 10) : 0;
    int i = site_index(bh, id);
    if (i < 0)
        return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such site");
    if (!site_in_scope(vx_http_req_session(req), &bh->sites[i].rec))
        return vx_http_problem_field(req, VX_EDENIED, "id", "site outside your scope");
    *out = i;
    return VX_OK;
}

/* ------------------------------------------------------------------ slot index */

static int cmp_slot(const void *a, const void *b)
{
    int64_t x = ((const struct bh_slot *)a)->id, y = ((const struct bh_slot *)b)->id;
    return (x > y) - (x < y);
}

/* Slot `id` among the first n (sorted) entries. */
static const struct bh_slot *slot_find_in(const struct bh *bh, int n, int64_t id)
{
    struct bh_slot key = {.id = id};
    if (n <= 0)
        return NULL;
    return bsearch(&key, bh->slots, (size_t)n, sizeof *bh->slots, cmp_slot);
}

static const struct bh_slot *slot_find_locked(const struct bh *bh, int64_t id)
{
    return slot_find_in(bh, bh->n_slots, id);
}

/* Copy slot `id` into *out; false when unknown. */
static bool slot_get(struct bh *bh, int64_t id, struct bh_slot *out)
{
    pthread_rwlock_rdlock(&bh->slot_lock);
    const struct bh_slot *s = slot_find_locked(bh, id);
    if (s)
        *out = *s;
    pthread_rwlock_unlock(&bh->slot_lock);
    return s != NULL;
}

static int vac_index(const struct bh *bh, const char *code)
{
    const struct vx_product *p = vx_catalog_find(bh->cat, code);
    return p ? (int)(p - bh->cat->products) : -1;
}

/*
 * Append the slots of site index `si` that are not among the first `sorted`
 * entries (write lock held). The index is unsorted until slots_sort_locked(): at
 * start-up every site is appended and the whole index sorted once (sorting it again
 * after each site took 18 of the 23 s a national-scale server needed to start).
 */
static enum vx_status index_site_locked(struct bh *bh, int si, int sorted)
{
    int n = 0;
    int64_t id = bh->sites[si].rec.id;
    enum vx_status rc = vx_book_availability(bh->eng, id, 0, INT32_MAX, NULL, 0, &n);
    if (rc != VX_OK || n == 0)
        return rc;
    struct vx_book_slot_info *info = malloc((size_t)n * sizeof *info);
    if (!info)
        return VX_ENOMEM;
    int got = 0;
    rc = vx_book_availability(bh->eng, id, 0, INT32_MAX, info, n, &got);
    if (got > n)
        got = n;
    for (int k = 0; rc == VX_OK && k < got; k++) {
        if (slot_find_in(bh, sorted, info[k].slot_id))
            continue;
        if (bh->n_slots == bh->cap_slots) {
            int cap = bh->cap_slots ? bh->cap_slots * 2 : 4096;
            struct bh_slot *p = realloc(bh->slots, (size_t)cap * sizeof *p);
            if (!p) {
                rc = VX_ENOMEM;
                break;
            }
            bh->slots = p;
            bh->cap_slots = cap;
        }
        bh->slots[bh->n_slots++] = (struct bh_slot){
            .id = info[k].slot_id,
            .site = si,
            .day = info[k].day,
            .start = info[k].start,
            .minute = (int16_t)info[k].start_minute,
            .minutes = (int16_t)info[k].minutes,
            .vac = (int16_t)vac_index(bh, info[k].vaccine),
        };
    }
    free(info);
    return rc;
}

/* Sort the entries from `from` on into the sorted ones before it (write lock held;
 * lookups resume only after it is released). New slots have the highest ids (the
 * engine is the only one that makes them), so sorting the new ones is enough; should
 * they ever not, the whole index is sorted again. */
static void slots_sort_locked(struct bh *bh, int from)
{
    int n = bh->n_slots;
    if (n - from <= 0)
        return;
    qsort(bh->slots + from, (size_t)(n - from), sizeof *bh->slots, cmp_slot);
    if (from > 0 && bh->slots[from - 1].id > bh->slots[from].id)
        qsort(bh->slots, (size_t)n, sizeof *bh->slots, cmp_slot);
}

static enum vx_status index_site(struct bh *bh, int si)
{
    pthread_rwlock_wrlock(&bh->slot_lock);
    int from = bh->n_slots;
    enum vx_status rc = index_site_locked(bh, si, from);
    slots_sort_locked(bh, from); /* what was appended, even on failure */
    pthread_rwlock_unlock(&bh->slot_lock);
    return rc;
}

/* ------------------------------------------------------------------ availability */

static void add_time(struct vx_buf *b, const char *key, vx_time t)
{
    char buf[32];
    vx_buf_printf(b, "\"%s\":\"%s\"", key, vx_time_format_local(t, buf));
}

/* Append the JSON object of one day of site `site_id` (vaccine index `vac`, -1 = all)
 * to b, or nothing when the day has no such slots. */
static enum vx_status build_day(struct bh *bh, int64_t site_id, vx_day day, int vac,
                                struct vx_buf *b)
{
    struct vx_book_slot_info stack[256], *info = stack;
    int n = 0;
    enum vx_status rc = vx_book_availability(bh->eng, site_id, day, day, info, 256, &n);
    if (rc == VX_OK && n > 256) {
        if (!(info = malloc((size_t)n * sizeof *info)))
            return VX_ENOMEM;
        int cap = n;
        rc = vx_book_availability(bh->eng, site_id, day, day, info, cap, &n);
        if (n > cap)
            n = cap;
    }
    int capacity = 0, booked = 0, released = 0, nslots = 0;
    bool seen[64] = {false};
    for (int k = 0; rc == VX_OK && k < n; k++) {
        int v = vac_index(bh, info[k].vaccine);
        if (vac >= 0 && v != vac)
            continue;
        nslots++;
        capacity += info[k].capacity;
        booked += info[k].booked;
        if (v >= 0 && v < 64 && !seen[v]) {
            seen[v] = true;
            /* released places of this vaccine: free places, bounded by supply */
            int free_v = 0;
            for (int j = k; j < n; j++)
                if (!strcmp(info[j].vaccine, info[k].vaccine))
                    free_v += info[j].capacity - info[j].booked;
            int left = vx_book_supply_left(bh->eng, site_id, info[k].vaccine, day);
            released += free_v < left ? free_v : (left > 0 ? left : 0);
        }
    }
    if (rc == VX_OK && nslots > 0) {
        char d[11];
        vx_buf_printf(b,
                      "{\"date\":\"%s\",\"capacity\":%d,\"booked\":%d,\"free\":%d,"
                      "\"released\":%d,\"slots\":[",
                      vx_day_format(day, d), capacity, booked, capacity - booked, released);
        bool first = true;
        for (int k = 0; k < n; k++) {
            if (vac >= 0 && vac_index(bh, info[k].vaccine) != vac)
                continue;
            const struct vx_book_slot_info *s = &info[k];
            vx_buf_printf(b, "%s{\"id\":%lld,", first ? "" : ",", (long long)s->slot_id);
            add_time(b, "start", s->start);
            vx_buf_puts(b, ",");
            add_time(b, "end", s->start + (vx_time)s->minutes * 60);
            rc = vx_buf_printf(b,
                               ",\"vaccine\":\"%s\",\"capacity\":%d,\"booked\":%d,\"free\":%d,"
                               "\"released\":%s}",
                               s->vaccine, s->capacity, s->booked, s->capacity - s->booked,
                               s->released ? "true" : "false");
            first = false;
        }
        if (rc == VX_OK)
            rc = vx_buf_puts(b, "]}");
    }
    if (info != stack)
        free(info);
    return rc;
}

static size_t cache_slot(int64_t site, vx_day day, int vac)
{
    uint64_t h = (uint64_t)site * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)(uint32_t)day + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
    h ^= (uint64_t)(vac + 2) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    return (size_t)(h % CACHE_SIZE);
}

/* Append one day (see build_day), from the cache when fresh. */
static enum vx_status get_day(struct bh *bh, int64_t site_id, vx_day day, int vac,
                              struct vx_buf *out)
{
    if (!bh->cache)
        return build_day(bh, site_id, day, vac, out);
    size_t i = cache_slot(site_id, day, vac);
    struct cache_ent *e = &bh->cache[i];
    pthread_mutex_t *mu = &bh->stripe[i % CACHE_STRIPES];
    int64_t now = clock_ms(CLOCK_MONOTONIC);
    enum vx_status rc = VX_OK;
    pthread_mutex_lock(mu);
    if (e->valid && e->site == site_id && e->day == day && e->vac == vac &&
        now - e->built_ms < bh->cache_ms) {
        vx_counter_inc(&bh->cache_hit);
    } else {
        vx_counter_inc(&bh->cache_miss);
        vx_buf_clear(&e->json);
        e->valid = false;
        rc = build_day(bh, site_id, day, vac, &e->json);
        if (rc == VX_OK) {
            e->site = site_id;
            e->day = day;
            e->vac = vac;
            e->built_ms = now;
            e->valid = true;
        }
    }
    if (rc == VX_OK && e->json.len)
        rc = vx_buf_append(out, e->json.data, e->json.len);
    pthread_mutex_unlock(mu);
    return rc;
}

/* Parse a date query/body value; a problem naming `field` when malformed. */
static enum vx_status day_arg(struct vx_http_req *req, const char *field, const char *text,
                              vx_day def, vx_day *out)
{
    if (!text || !*text) {
        *out = def;
        return VX_OK;
    }
    if (vx_day_parse(text, out) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, field, "expected a date YYYY-MM-DD");
    return VX_OK;
}

static int h_availability(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    int si;
    enum vx_status rc = path_site(req, bh, &si);
    if (rc != VX_OK)
        return rc;
    vx_day from, to;
    if ((rc = day_arg(req, "from", vx_http_req_query(req, "from"), bh_today(bh), &from)) != VX_OK ||
        (rc = day_arg(req, "to", vx_http_req_query(req, "to"), from + DEFAULT_RANGE - 1, &to)) !=
            VX_OK)
        return rc;
    if (to < from)
        return vx_http_problem_field(req, VX_ERANGE, "to", "must not be before from");
    if (to - from >= MAX_RANGE_DAYS)
        return vx_http_problem_field(req, VX_ERANGE, "to", "at most 62 days from `from`");
    const char *vq = vx_http_req_query(req, "vaccine");
    int vac = -1;
    if (vq && *vq && (vac = vac_index(bh, vq)) < 0)
        return vx_http_problem_field(req, VX_EINVAL, "vaccine", "no such vaccine");
    struct vx_buf b;
    vx_buf_init(&b, 16u << 20);
    char d1[11], d2[11];
    vx_buf_printf(&b, "{\"site\":%s,\"from\":\"%s\",\"to\":\"%s\",\"max_age_ms\":%d,\"days\":[",
                  bh->sites[si].json, vx_day_format(from, d1), vx_day_format(to, d2),
                  bh->cache ? bh->cache_ms : 0);
    bool any = false;
    for (vx_day d = from; rc == VX_OK && d <= to; d++) {
        size_t mark = b.len;
        if (any)
            vx_buf_puts(&b, ",");
        size_t before = b.len;
        rc = get_day(bh, bh->sites[si].rec.id, d, vac, &b);
        if (b.len == before)
            b.len = mark; /* no slots that day: drop the comma */
        else
            any = true;
    }
    if (rc == VX_OK)
        rc = vx_buf_puts(&b, "]}");
    if (rc == VX_OK)
        rc = vx_http_reply_text(req, 200, "application/json", b.data, b.len);
    vx_buf_release(&b);
    return rc == VX_OK ? VX_OK : vx_http_problem(req, rc, "cannot read availability");
}

static int h_sites(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const struct vx_session *s = vx_http_req_session(req);
    const char *kommun = vx_http_req_query(req, "municipality");
    const char *region = vx_http_req_query(req, "region");
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return VX_ENOMEM;
    for (int k = 0; k < bh->n_sites; k++) {
        int i = bh->listing[k];
        const struct vx_site_rec *r = &bh->sites[i].rec;
        if ((kommun && *kommun && strcmp(kommun, r->kommun)) ||
            (region && *region && strcmp(region, r->region)) || !site_in_scope(s, r))
            continue;
        cJSON_AddItemToArray(arr, cJSON_CreateRaw(bh->sites[i].json));
    }
    return vx_http_reply_json(req, 200, arr);
}

/* ------------------------------------------------------------------ persons */

static const char *str_field(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t int_field(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static enum vx_status parse_pnr(struct vx_http_req *req, const char *field, const char *text,
                                struct vx_pnr *out)
{
    struct vx_pnr_error pe;
    struct vx_pnr_opts po = vx_pnr_opts_default(vx_http_req_today(req));
    if (!text)
        return vx_http_problem_field(req, VX_EINVAL, field, "required");
    if (vx_pnr_parse(text, &po, out, &pe) != VX_OK) {
        char why[128];
        vx_pnr_error_text(&pe, why, sizeof why);
        return vx_http_problem_field(req, VX_EINVAL, field, why);
    }
    return VX_OK;
}

/*
 * The person a request is about: the citizen themself, or for staff the person
 * with the number in body field `field` — which must lie in the caller's scope.
 * A refused look-up is audited as "person.denied" (the row was read to learn its
 * region, nothing is shown). *st gets the request's read handle.
 */
static enum vx_status subject(struct vx_http_req *req, const char *field, struct vx_store **st,
                              struct vx_person_rec *rec)
{
    const struct vx_session *s = vx_http_req_session(req);
    enum vx_status rc = vx_http_req_store(req, st);
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "database unavailable");
    if (s->role == VX_ROLE_CITIZEN) {
        if (str_field(vx_http_req_body(req), field))
            return vx_http_problem_field(req, VX_EDENIED, field, "citizens act for themselves");
        rc = vx_auth_own_person(*st, s, rec);
        if (rc == VX_ENOTFOUND)
            return vx_http_problem(req, VX_ENOTFOUND, "person no longer registered");
        return rc == VX_OK ? VX_OK : vx_http_problem(req, VX_ESTORE, "cannot read the person");
    }
    struct vx_pnr p;
    if ((rc = parse_pnr(req, field, str_field(vx_http_req_body(req), field), &p)) != VX_OK)
        return rc;
    rc = (*st)->ops->person_get(*st, p.norm, rec);
    if (rc == VX_ENOTFOUND)
        return vx_http_problem_field(req, VX_ENOTFOUND, field, "no such person");
    if (rc != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot read the person");
    if (!vx_auth_scope_allows(s, rec->p.id, rec->p.region, rec->p.kommun, NULL)) {
        vx_audit_person(*st, s, "person.denied", rec->p.id, rec->p.region, vx_http_req_path(req));
        return vx_http_problem_field(req, VX_EDENIED, field, "person outside your region");
    }
    return VX_OK;
}

/* Audit a read of `rec` by the caller ("person.read", `detail` names the route); a
 * failed audit write is answered as a storage problem and nothing is shown. */
static enum vx_status audit_read(struct vx_http_req *req, struct vx_store *st,
                                 const struct vx_person_rec *rec, const char *detail)
{
    if (vx_audit_person(st, vx_http_req_session(req), "person.read", rec->p.id, rec->p.region,
                        detail) != VX_OK)
        return vx_http_problem(req, VX_ESTORE, "cannot write the audit log");
    return VX_OK;
}

/* Every dose of the last product's schedule given? (*last gets the dose history.) */
static bool fully_vaccinated(struct bh *bh, struct vx_store *st, const struct vx_person *p,
                             struct vx_dose_last *last)
{
    memset(last, 0, sizeof *last);
    if (!st || st->ops->dose_last(st, p->id, last) != VX_OK || last->count == 0)
        return false;
    const struct vx_product *given = bh->cat ? vx_catalog_find(bh->cat, last->vaccine) : NULL;
    return given && !given->seasonal && last->dose_number >= given->doses;
}

static cJSON *elig_json(struct bh *bh, struct vx_store *st, const struct vx_person *p, vx_day at,
                        const char *lang)
{
    struct vx_elig_result er;
    if (!bh->rules || vx_elig_eval(bh->rules, NULL, p, at, &er) != VX_OK)
        return NULL;
    bool released = er.eligible && vx_book_cohort_open(bh->eng, p, bh_now(bh));
    struct vx_dose_last last;
    bool done = fully_vaccinated(bh, st, p, &last);
    if (done) {
        /* eligible by the rules, but the schedule is complete: say so instead of
         * letting the booking be refused at the last step */
        char d[11];
        vx_day_format(last.day, d);
        snprintf(er.reason_sv, sizeof er.reason_sv,
                 "Du har redan fått alla doser (senaste dos %d, %s). Du behöver inte boka.",
                 last.dose_number, d);
        snprintf(er.reason_en, sizeof er.reason_en,
                 "You have already had every dose (last dose %d, %s). No booking is needed.",
                 last.dose_number, d);
    }
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char d[11];
    cJSON_AddStringToObject(o, "date", vx_day_format(at, d));
    cJSON_AddBoolToObject(o, "eligible", er.eligible);
    cJSON_AddStringToObject(o, "why", vx_elig_why_code(er.why));
    cJSON_AddNumberToObject(o, "age", er.age);
    if (er.rule) {
        cJSON *r = cJSON_AddObjectToObject(o, "rule");
        cJSON_AddStringToObject(r, "id", er.rule->id);
        cJSON_AddNumberToObject(r, "phase", er.rule->phase);
        cJSON_AddStringToObject(r, "step", er.rule->step);
        cJSON_AddStringToObject(r, "label_sv", er.rule->label_sv);
        cJSON_AddStringToObject(r, "label_en", er.rule->label_en);
        cJSON_AddStringToObject(o, "opens", vx_day_format(er.opens, d));
    } else {
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddNullToObject(o, "opens");
    }
    cJSON_AddStringToObject(o, "reason_sv", er.reason_sv);
    cJSON_AddStringToObject(o, "reason_en", er.reason_en);
    cJSON_AddStringToObject(o, "reason", strcmp(lang, "en") ? er.reason_sv : er.reason_en);
    cJSON_AddBoolToObject(o, "cohort_released", released);
    cJSON_AddBoolToObject(o, "fully_vaccinated", done);
    cJSON_AddBoolToObject(o, "can_book", er.eligible && released && !done);
    return o;
}

static cJSON *person_json(struct vx_store *st, const struct vx_person_rec *r, vx_day today)
{
    char kname[64];
    kommun_name(st, r->p.kommun, kname, sizeof kname);
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return NULL;
    cJSON_AddNumberToObject(p, "id", (double)r->p.id);
    cJSON_AddStringToObject(p, "given_name", r->given_name);
    cJSON_AddStringToObject(p, "family_name", r->family_name);
    cJSON_AddNumberToObject(p, "birth_year", vx_ymd_from_day(r->p.pnr.birth).year);
    cJSON_AddNumberToObject(p, "age", vx_age_at(r->p.pnr.birth, today));
    cJSON_AddStringToObject(p, "region", r->p.region);
    cJSON_AddStringToObject(p, "kommun", r->p.kommun);
    cJSON_AddStringToObject(p, "kommun_name", kname);
    cJSON_AddStringToObject(p, "residence", vx_residence_code(r->p.residence));
    return p;
}

/* One booking as the API shows it (slot times from the index, site from the table). */
/*
 * Members of the booking answers, which every booking builds: the keys are string
 * literals, added without a copy (cJSON_AddItemToObjectCS), and put_ref's values
 * live as long as the server (literals, the catalogue, the sites' JSON), so neither
 * is copied and freed again per answer.
 */
static void put_str(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObjectCS(o, key, cJSON_CreateString(v));
}

static void put_ref(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObjectCS(o, key, cJSON_CreateStringReference(v));
}

static void put_num(cJSON *o, const char *key, double v)
{
    cJSON_AddItemToObjectCS(o, key, cJSON_CreateNumber(v));
}

/* JSON text `json` as the value of `key`, by reference (cJSON's Raw type). */
static void put_raw_ref(cJSON *o, const char *key, const char *json)
{
    cJSON *r = cJSON_CreateStringReference(json);
    if (r)
        r->type = cJSON_Raw | cJSON_IsReference;
    cJSON_AddItemToObjectCS(o, key, r);
}

static cJSON *booking_obj(struct bh *bh, int64_t id, int dose, int64_t slot_id, vx_time start,
                          int64_t site_id, const char *vaccine)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char buf[32];
    struct bh_slot sl;
    int minutes = slot_get(bh, slot_id, &sl) ? sl.minutes : VX_BOOK_DEFAULT_SLOT;
    put_num(o, "id", (double)id);
    put_num(o, "dose", dose);
    put_num(o, "slot", (double)slot_id);
    vx_day day;
    int minute;
    vx_stockholm_local(start, &day, &minute);
    put_str(o, "date", vx_day_format(day, buf));
    put_str(o, "start", vx_time_format_local(start, buf));
    put_str(o, "end", vx_time_format_local(start + minutes * 60, buf));
    int si = site_index(bh, site_id);
    if (si >= 0)
        put_raw_ref(o, "site", bh->sites[si].json);
    put_str(o, "vaccine", vaccine);
    const struct vx_product *p = vx_catalog_find(bh->cat, vaccine);
    if (p)
        put_ref(o, "vaccine_name", p->name);
    else
        put_str(o, "vaccine_name", vaccine);
    return o;
}

/* The active bookings of `rec` as a JSON array; `staff` adds the agent ids. */
static cJSON *bookings_json(struct bh *bh, const struct vx_person_rec *rec, bool staff)
{
    struct vx_book_booking_info b[4];
    int n = 0;
    if (vx_book_list_person(bh->eng, rec->p.pnr.norm, rec->p.id, b, 4, &n) != VX_OK)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n && i < 4; i++) {
        cJSON *o = booking_obj(bh, b[i].booking_id, b[i].dose_number, b[i].slot_id, b[i].start,
                               b[i].site_id, b[i].vaccine);
        if (!o)
            continue;
        put_ref(o, "status", "booked");
        put_ref(o, "channel", vx_book_channel_code(b[i].channel));
        if (staff)
            put_str(o, "agent", b[i].agent_id);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static int h_my_eligibility(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_store *st;
    struct vx_person_rec rec;
    enum vx_status rc = subject(req, "person", &st, &rec);
    if (rc != VX_OK)
        return rc;
    vx_day at;
    if ((rc = day_arg(req, "date", vx_http_req_query(req, "date"), bh_today(bh), &at)) != VX_OK)
        return rc;
    if ((rc = audit_read(req, st, &rec, "GET /api/v1/me/eligibility")) != VX_OK)
        return rc;
    cJSON *o = elig_json(bh, st, &rec.p, at, vx_http_req_lang(req));
    return o ? vx_http_reply_json(req, 200, o)
             : vx_http_problem(req, VX_EINTERNAL, "no eligibility rules loaded");
}

static int h_my_bookings(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_store *st;
    struct vx_person_rec rec;
    enum vx_status rc = subject(req, "person", &st, &rec);
    if (rc != VX_OK)
        return rc;
    if ((rc = audit_read(req, st, &rec, "GET /api/v1/me/bookings")) != VX_OK)
        return rc;
    cJSON *arr = bookings_json(bh, &rec, false);
    cJSON *o = cJSON_CreateObject();
    if (!arr || !o) {
        cJSON_Delete(arr);
        cJSON_Delete(o);
        return VX_ENOMEM;
    }
    cJSON_AddItemToObject(o, "bookings", arr);
    return vx_http_reply_json(req, 200, o);
}

static int h_lookup(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_store *st;
    struct vx_person_rec rec;
    enum vx_status rc = subject(req, "pnr", &st, &rec);
    if (rc != VX_OK)
        return rc;
    if ((rc = audit_read(req, st, &rec, "POST /api/v1/callcentre/lookup")) != VX_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return VX_ENOMEM;
    cJSON_AddItemToObject(o, "person", person_json(st, &rec, bh_today(bh)));
    cJSON *e = elig_json(bh, st, &rec.p, bh_today(bh), vx_http_req_lang(req));
    cJSON_AddItemToObject(o, "eligibility", e ? e : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "bookings", bookings_json(bh, &rec, true));
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ booking */

/* Which body field a refusal of the engine is about. */
static const char *const reason_field[VX_BOOK_R_COUNT] = {
    [VX_BOOK_R_BAD_REQUEST] = "slot2",       [VX_BOOK_R_NO_PERSON] = "person",
    [VX_BOOK_R_BAD_CODE] = "code",           [VX_BOOK_R_CODE_USED] = "code",
    [VX_BOOK_R_NOT_ELIGIBLE] = "person",     [VX_BOOK_R_COHORT_CLOSED] = "person",
    [VX_BOOK_R_HAS_SERIES] = "person",       [VX_BOOK_R_NO_SERIES] = "id",
    [VX_BOOK_R_FULLY_VACCINATED] = "person", [VX_BOOK_R_AGE] = "slot1",
    [VX_BOOK_R_INTERVAL] = "slot2",          [VX_BOOK_R_NO_SLOT] = "slot1",
    [VX_BOOK_R_SLOT_FULL] = "slot1",         [VX_BOOK_R_NO_SUPPLY] = "slot1",
    [VX_BOOK_R_KEY_REUSED] = IDEM_HDR,
};

/* A request waiting for the writer; after a success also the context of its reply. */
struct call {
    struct vx_http_req *req;
    struct bh *bh;
    bool en;
    const char *slot_field[2]; /* body names of slot_id[0], [1] for refusals */
    struct vx_book_result res; /* the outcome, set by on_done */
};

/* The reply to a successful request, built on the connection's thread (see on_done). */
static cJSON *done_json(void *ctx)
{
    const struct call *c = ctx;
    const struct vx_book_result *res = &c->res;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_CreateArray();
    if (!o || !arr) {
        cJSON_Delete(o);
        cJSON_Delete(arr);
        return NULL;
    }
    put_ref(o, "op",
            res->op == VX_BOOK_OP_CANCEL   ? "cancel"
            : res->op == VX_BOOK_OP_REBOOK ? "rebook"
                                           : "book");
    put_num(o, "series", (double)res->booking_id[0]);
    cJSON_AddItemToObjectCS(o, "replayed", cJSON_CreateBool(res->replayed));
    for (int k = 0; k < 2; k++) {
        if (!res->dose_number[k])
            continue;
        cJSON *b = booking_obj(c->bh, res->booking_id[k], res->dose_number[k], res->slot_id[k],
                               res->start[k], res->site_id, res->vaccine);
        if (b) {
            put_ref(b, "status", res->op == VX_BOOK_OP_CANCEL ? "cancelled" : "booked");
            cJSON_AddItemToArray(arr, b);
        }
    }
    cJSON_AddItemToObjectCS(o, "bookings", arr);
    return o;
}

/* Runs on the engine's thread that answers a whole batch: it only stores the
 * outcome and wakes the connection; the reply's JSON is built on the connection's
 * own thread (vx_http_complete_later), which also frees it (no allocations passed
 * between threads, which cost glibc malloc its per-thread caches). */
static void on_done(void *ctx, const struct vx_book_result *res)
{
    struct call *c = ctx;
    if (res->status != VX_OK) {
        const char *field = (unsigned)res->reason < VX_BOOK_R_COUNT && reason_field[res->reason]
                                ? reason_field[res->reason]
                                : "booking";
        if (!strcmp(field, "slot1"))
            field = c->slot_field[0];
        else if (!strcmp(field, "slot2"))
            field = c->slot_field[1];
        const char *msg = c->en ? res->msg_en : res->msg_sv;
        char text[320];
        snprintf(text, sizeof text, "%s: %s", vx_book_reason_code(res->reason),
                 *msg ? msg : vx_strerror(res->status));
        vx_http_complete_problem(c->req, res->status, field, text);
        free(c);
        return;
    }
    c->res = *res;
    vx_http_complete_later(c->req, res->op == VX_BOOK_OP_BOOK ? 201 : 200, done_json, c);
}

/* Idempotency-Key: 1..64 visible ASCII characters. */
static enum vx_status idem_key(struct vx_http_req *req, bool required, char *out)
{
    const char *k = vx_http_req_header(req, IDEM_HDR);
    out[0] = '\0';
    if (!k || !*k)
        return required ? vx_http_problem_field(req, VX_EINVAL, IDEM_HDR,
                                                "required: a unique key per booking attempt")
                        : VX_OK;
    size_t n = strlen(k);
    bool ok = n <= VX_BOOK_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] > 0x20 && k[i] < 0x7f;
    if (!ok)
        return vx_http_problem_field(req, VX_EINVAL, IDEM_HDR, "1 to 64 visible ASCII characters");
    memcpy(out, k, n + 1);
    return VX_OK;
}

/* Whom a waiting-room token is issued to: the signed-in user, so that a token handed
 * on to someone else does not admit them ("" before signing in). */
static const char *queue_holder(const struct vx_http_req *req)
{
    const struct vx_session *s = vx_http_req_session(req);
    return s ? s->user : "";
}

/* While the waiting room is on, an admitted token is required. */
static enum vx_status queue_gate(struct vx_http_req *req, struct bh *bh)
{
    if (!vx_waitroom_active(bh->wr))
        return VX_OK;
    struct vx_waitroom_ticket t;
    const char *tok = vx_http_req_header(req, QUEUE_TOKEN_HDR);
    if (!tok || !*tok) {
        vx_counter_inc(&bh->wr_refused);
        return vx_http_problem_field(req, VX_EDENIED, QUEUE_TOKEN_HDR,
                                     "required: get one from POST /api/v1/queue");
    }
    enum vx_status rc =
        vx_waitroom_check(bh->wr, tok, queue_holder(req), clock_ms(CLOCK_REALTIME), &t);
    if (rc != VX_OK) {
        vx_counter_inc(&bh->wr_refused);
        return vx_http_problem_field(req, VX_EDENIED, QUEUE_TOKEN_HDR,
                                     rc == VX_ERANGE ? "expired: get a new one from POST "
                                                       "/api/v1/queue"
                                                     : "not a valid token for this user");
    }
    if (!t.admitted) {
        vx_counter_inc(&bh->wr_refused);
        char why[96];
        snprintf(why, sizeof why, "not admitted yet: position %llu, about %.0f s",
                 (unsigned long long)t.position, t.wait_s + 0.5);
        return vx_http_problem_field(req, VX_ECONFLICT, QUEUE_TOKEN_HDR, why);
    }
    return VX_OK;
}

/*
 * Check the slot pair before it reaches the writer: each slot exists and has not
 * started, dose 2 is the same vaccine and inside the product's interval after
 * dose 1. The engine checks all of it again (and capacity, eligibility, history).
 */
static enum vx_status check_slots(struct vx_http_req *req, struct bh *bh, const int64_t id[2],
                                  const char *const field[2], vx_time now, const char *region)
{
    struct bh_slot s[2];
    for (int k = 0; k < 2; k++) {
        if (!id[k])
            continue;
        if (!slot_get(bh, id[k], &s[k]))
            return vx_http_problem_field(req, VX_ENOTFOUND, field[k], "no such slot");
        /* a region vaccinates its own residents from its own inventory: a person (or
         * a region's call centre) books only at sites of that region */
        if (region && *region && strcmp(bh->sites[s[k].site].rec.region, region))
            return vx_http_problem_field(req, VX_EDENIED, field[k],
                                         "the site is in another region than the person's");
        if (s[k].start <= now)
            return vx_http_problem_field(req, VX_ERANGE, field[k], "the time has passed");
    }
    if (!id[0] || !id[1])
        return VX_OK;
    const struct vx_product *p = s[0].vac >= 0 ? &bh->cat->products[s[0].vac] : NULL;
    if (s[1].vac != s[0].vac || !p)
        return vx_http_problem_field(req, VX_EINVAL, field[1], "must be the same vaccine");
    if (p->doses < 2)
        return vx_http_problem_field(req, VX_EINVAL, field[1], "the vaccine has one dose");
    struct vx_interval_answer ia;
    enum vx_interval_verdict v = vx_product_interval_check(p, 2, s[0].day, s[1].day, &ia);
    if (v == VX_INTERVAL_TOO_EARLY || v == VX_INTERVAL_TOO_LATE) {
        char a[11], b[11], why[128];
        if (ia.latest == VX_CATALOG_OPEN_END)
            snprintf(why, sizeof why, "outside the interval: from %s",
                     vx_day_format(ia.earliest, a));
        else
            snprintf(why, sizeof why, "outside the interval: %s to %s",
                     vx_day_format(ia.earliest, a), vx_day_format(ia.latest, b));
        return vx_http_problem_field(req, VX_ERANGE, field[1], why);
    }
    return VX_OK;
}

/* Fill the parts of a request every write shares: who, for whom, how. */
static void req_common(struct vx_http_req *req, struct bh *bh, const struct vx_person_rec *rec,
                       struct vx_book_req *r)
{
    const struct vx_session *s = vx_http_req_session(req);
    if (rec) {
        memcpy(r->pnr, rec->p.pnr.norm, sizeof r->pnr);
        r->person = *rec; /* read for the scope check: the writer need not read it again */
        r->has_person = true;
    }
    r->channel = s->role == VX_ROLE_CALLCENTRE ? VX_CHANNEL_CALL_CENTRE : VX_CHANNEL_WEB;
    if (s->role == VX_ROLE_CALLCENTRE)
        snprintf(r->agent_id, sizeof r->agent_id, "%s", s->user);
    snprintf(r->actor, sizeof r->actor, "%s", s->user);
    snprintf(r->role, sizeof r->role, "%s", vx_role_code(s->role));
    r->now = bh_now(bh);
}

/* Suspend `req` and hand `r` to the writer; the reply comes from on_done. */
static int submit(struct vx_http_req *req, struct bh *bh, const struct vx_book_req *r,
                  const char *f1, const char *f2)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return VX_ENOMEM;
    c->req = req;
    c->bh = bh;
    c->en = !strcmp(vx_http_req_lang(req), "en");
    c->slot_field[0] = f1;
    c->slot_field[1] = f2;
    vx_http_suspend(req);
    enum vx_status rc = vx_book_submit(bh->eng, r, on_done, c);
    if (rc != VX_OK) {
        free(c);
        vx_http_complete_problem(req, rc == VX_EBUSY ? VX_EBUSY : VX_ECONFLICT, NULL,
                                 rc == VX_EBUSY ? "booking queue full, retry shortly"
                                                : "the server is stopping");
    }
    return VX_HTTP_ASYNC;
}

static int h_book(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *body = vx_http_req_body(req);
    struct vx_book_req r;
    memset(&r, 0, sizeof r);
    enum vx_status rc = queue_gate(req, bh);
    if (rc == VX_OK)
        rc = idem_key(req, true, r.idem_key);
    if (rc != VX_OK)
        return rc;
    r.op = VX_BOOK_OP_BOOK;
    r.slot_id[0] = int_field(body, "slot1");
    r.slot_id[1] = int_field(body, "slot2");
    const char *code = str_field(body, "code");
    struct vx_person_rec rec;
    struct vx_store *st;
    if (code) {
        char norm[13];
        if (s->role != VX_ROLE_CALLCENTRE)
            return vx_http_problem_field(req, VX_EDENIED, "code", "for call-centre agents");
        if (str_field(body, "person"))
            return vx_http_problem_field(req, VX_EINVAL, "code", "give person or code, not both");
        if (!vx_book_code_normalise(code, norm))
            return vx_http_problem_field(req, VX_EINVAL, "code", "not an invitation code");
        snprintf(r.code, sizeof r.code, "%s", code);
        req_common(req, bh, NULL, &r);
    } else {
        if ((rc = subject(req, "person", &st, &rec)) != VX_OK)
            return rc;
        req_common(req, bh, &rec, &r);
    }
    /* after the scope checks: a caller learns nothing about slots they may not book */
    static const char *const fields[2] = {"slot1", "slot2"};
    if ((rc = check_slots(req, bh, r.slot_id, fields, r.now, code ? s->region : rec.p.region)) !=
        VX_OK)
        return rc;
    return submit(req, bh, &r, "slot1", "slot2");
}

/* The caller's active series and the position of booking {id} in it. */
static enum vx_status series_of(struct vx_http_req *req, struct bh *bh,
                                const struct vx_person_rec *rec, struct vx_book_booking_info *b,
                                int *n, int *at)
{
    const char *p = vx_http_req_param(req, "id");
    long long id = p ? strtoll(p, NULL, 10) : 0;
    if (vx_book_list_person(bh->eng, rec->p.pnr.norm, rec->p.id, b, 2, n) != VX_OK)
        return vx_http_problem(req, VX_EINTERNAL, "cannot read bookings");
    if (*n > 2)
        *n = 2;
    for (int i = 0; i < *n; i++) {
        if (b[i].booking_id == id) {
            *at = i;
            return VX_OK;
        }
    }
    return vx_http_problem_field(req, VX_ENOTFOUND, "id", "no such active booking of the person");
}

/* What rebook and cancel share: the optional Idempotency-Key, the person (self or,
 * for agents, "person" in the body, scope-checked) and their active series with the
 * position of booking {id} in it. */
static enum vx_status series_request(struct vx_http_req *req, struct bh *bh, struct vx_book_req *r,
                                     struct vx_person_rec *rec, struct vx_book_booking_info b[2],
                                     int *n, int *at)
{
    struct vx_store *st;
    memset(r, 0, sizeof *r);
    *n = 0;
    *at = 0;
    enum vx_status rc = idem_key(req, false, r->idem_key);
    if (rc == VX_OK)
        rc = subject(req, "person", &st, rec);
    if (rc == VX_OK)
        rc = series_of(req, bh, rec, b, n, at);
    return rc;
}

static int h_rebook(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const cJSON *body = vx_http_req_body(req);
    struct vx_book_req r;
    struct vx_person_rec rec;
    struct vx_book_booking_info b[2];
    int n, at;
    enum vx_status rc = series_request(req, bh, &r, &rec, b, &n, &at);
    if (rc != VX_OK)
        return rc;
    int64_t slot = int_field(body, "slot"), slot2 = int_field(body, "slot2");
    const char *f[2] = {"slot", "slot2"};
    r.op = VX_BOOK_OP_REBOOK;
    if (n == 2 && at == 0) { /* move dose 1; dose 2 stays unless slot2 moves it too */
        r.slot_id[0] = slot;
        r.slot_id[1] = slot2 ? slot2 : b[1].slot_id;
        f[1] = slot2 ? "slot2" : "slot";
    } else {
        if (slot2)
            return vx_http_problem_field(req, VX_EINVAL, "slot2", "only when moving dose 1");
        if (n == 2) { /* move dose 2 after the booked dose 1 */
            r.slot_id[0] = b[0].slot_id;
            r.slot_id[1] = slot;
            f[0] = "id";
            f[1] = "slot";
        } else {
            r.slot_id[0] = slot;
        }
    }
    vx_time now = bh_now(bh);
    if ((rc = check_slots(req, bh, r.slot_id, f, now, rec.p.region)) != VX_OK)
        return rc;
    req_common(req, bh, &rec, &r);
    return submit(req, bh, &r, f[0], f[1]);
}

static int h_cancel(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_book_req r;
    struct vx_person_rec rec;
    struct vx_book_booking_info b[2];
    int n, at;
    enum vx_status rc = series_request(req, bh, &r, &rec, b, &n, &at);
    if (rc != VX_OK)
        return rc;
    r.op = VX_BOOK_OP_CANCEL;
    req_common(req, bh, &rec, &r);
    return submit(req, bh, &r, "id", "id");
}

/* ------------------------------------------------------------------ dose 2 */

static int h_dose2(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    int si;
    enum vx_status rc = path_site(req, bh, &si);
    if (rc != VX_OK)
        return rc;
    const char *q = vx_http_req_query(req, "slot");
    struct bh_slot s1;
    if (!q || !slot_get(bh, strtoll(q, NULL, 10), &s1) || s1.site != si)
        return vx_http_problem_field(req, VX_ENOTFOUND, "slot", "no such slot at this site");
    const struct vx_product *p = s1.vac >= 0 ? &bh->cat->products[s1.vac] : NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o || !p) {
        cJSON_Delete(o);
        return vx_http_problem(req, VX_EINTERNAL, "slot without a known vaccine");
    }
    char buf[32];
    cJSON *d1 = cJSON_AddObjectToObject(o, "dose1");
    cJSON_AddNumberToObject(d1, "slot", (double)s1.id);
    cJSON_AddStringToObject(d1, "start", vx_time_format_local(s1.start, buf));
    cJSON_AddStringToObject(o, "vaccine", p->code);
    cJSON_AddNumberToObject(o, "doses", p->doses);
    cJSON *arr = cJSON_AddArrayToObject(o, "slots");
    struct vx_interval_answer ia;
    if (p->doses < 2 ||
        vx_product_interval_check(p, 2, s1.day, s1.day, &ia) == VX_INTERVAL_NO_RULE) {
        cJSON_AddNullToObject(o, "recommended_slot");
        return vx_http_reply_json(req, 200, o);
    }
    vx_day last = ia.latest == VX_CATALOG_OPEN_END || ia.latest - ia.earliest >= MAX_RANGE_DAYS
                      ? ia.earliest + MAX_RANGE_DAYS - 1
                      : ia.latest;
    cJSON_AddStringToObject(o, "min_date", vx_day_format(ia.earliest, buf));
    cJSON_AddStringToObject(o, "recommended_date", vx_day_format(ia.recommended, buf));
    if (ia.latest == VX_CATALOG_OPEN_END)
        cJSON_AddNullToObject(o, "max_date");
    else
        cJSON_AddStringToObject(o, "max_date", vx_day_format(ia.latest, buf));
    int n = 0;
    struct vx_book_slot_info *info = NULL;
    rc = vx_book_availability(bh->eng, bh->sites[si].rec.id, ia.earliest, last, NULL, 0, &n);
    if (rc == VX_OK && n > 0 && !(info = malloc((size_t)n * sizeof *info)))
        rc = VX_ENOMEM;
    int got = 0;
    if (rc == VX_OK && n > 0)
        rc = vx_book_availability(bh->eng, bh->sites[si].rec.id, ia.earliest, last, info, n, &got);
    if (got > n)
        got = n;
    int64_t best = 0;
    int best_score = INT_MAX, shown = 0;
    for (int k = 0; rc == VX_OK && k < got && shown < MAX_DOSE2_SLOTS; k++) {
        const struct vx_book_slot_info *s = &info[k];
        if (strcmp(s->vaccine, p->code) || !s->released)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)s->slot_id);
        cJSON_AddStringToObject(e, "date", vx_day_format(s->day, buf));
        cJSON_AddStringToObject(e, "start", vx_time_format_local(s->start, buf));
        cJSON_AddStringToObject(e, "end", vx_time_format_local(s->start + s->minutes * 60, buf));
        cJSON_AddNumberToObject(e, "free", s->capacity - s->booked);
        cJSON_AddItemToArray(arr, e);
        shown++;
        /* closest to the recommended day, then to dose 1's time of day */
        int dd = s->day - ia.recommended, dm = s->start_minute - s1.minute;
        int score = (dd < 0 ? -dd : dd) * 2000 + (dm < 0 ? -dm : dm);
        if (score < best_score) {
            best_score = score;
            best = s->slot_id;
        }
    }
    free(info);
    if (rc != VX_OK) {
        cJSON_Delete(o);
        return vx_http_problem(req, rc, "cannot read availability");
    }
    if (best)
        cJSON_AddNumberToObject(o, "recommended_slot", (double)best);
    else
        cJSON_AddNullToObject(o, "recommended_slot");
    return vx_http_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ administration */

static int h_cohort(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const struct vx_session *s = vx_http_req_session(req);
    const cJSON *body = vx_http_req_body(req);
    struct vx_cohort_rec c;
    memset(&c, 0, sizeof c);
    snprintf(c.region, sizeof c.region, "%s", s->region);
    snprintf(c.label, sizeof c.label, "%s", str_field(body, "label"));
    snprintf(c.created_by, sizeof c.created_by, "%s", s->user);
    c.born_to = (int)int_field(body, "born_to");
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(body, "rules"), *it;
    size_t used = 0;
    cJSON_ArrayForEach(it, rules)
    {
        if (!cJSON_IsString(it) || !bh->rules || !vx_elig_rule_find(bh->rules, it->valuestring))
            return vx_http_problem_field(req, VX_EINVAL, "rules", "unknown eligibility rule id");
        int k = snprintf(c.rule_ids + used, sizeof c.rule_ids - used, "%s%s", used ? "," : "",
                         it->valuestring);
        if (k < 0 || (size_t)k >= sizeof c.rule_ids - used)
            return vx_http_problem_field(req, VX_EINVAL, "rules", "too many rules");
        used += (size_t)k;
    }
    if (!used && !c.born_to)
        return vx_http_problem_field(req, VX_EINVAL, "rules", "give rules, born_to or both");
    const char *at = str_field(body, "release_at");
    c.release_at = bh_now(bh);
    if (at && vx_time_parse(at, &c.release_at) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "release_at", "expected RFC 3339 time");
    int64_t id = 0;
    struct vx_err err = {0};
    enum vx_status rc = vx_book_cohort_release(bh->eng, &c, &id, &err);
    if (rc != VX_OK)
        return rc == VX_EINVAL ? vx_http_problem_field(req, rc, "rules", err.msg)
                               : vx_http_problem(req, rc, "%s", err.msg);
    struct vx_store *st;
    char obj[32], detail[300];
    snprintf(obj, sizeof obj, "cohort:%lld", (long long)id);
    snprintf(detail, sizeof detail, "region=%s rules=%s born_to=%d", c.region, c.rule_ids,
             c.born_to);
    if (vx_http_req_store(req, &st) == VX_OK)
        vx_audit_event(st, s, "cohort.release", obj, detail);
    cJSON *o = cJSON_CreateObject();
    char buf[32];
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "region", c.region);
    cJSON_AddStringToObject(o, "label", c.label);
    cJSON_AddItemToObject(o, "rules", rules ? cJSON_Duplicate(rules, 1) : cJSON_CreateArray());
    if (c.born_to)
        cJSON_AddNumberToObject(o, "born_to", c.born_to);
    cJSON_AddStringToObject(o, "release_at", vx_time_format_local(c.release_at, buf));
    return vx_http_reply_json(req, 201, o);
}

static int h_supply(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const cJSON *body = vx_http_req_body(req);
    int si;
    enum vx_status rc = path_site(req, bh, &si);
    if (rc != VX_OK)
        return rc;
    struct vx_supply_rec r;
    memset(&r, 0, sizeof r);
    r.site_id = bh->sites[si].rec.id;
    const char *vac = str_field(body, "vaccine");
    if (vac_index(bh, vac) < 0)
        return vx_http_problem_field(req, VX_EINVAL, "vaccine", "no such vaccine");
    snprintf(r.vaccine, sizeof r.vaccine, "%s", vac);
    if (vx_isoweek_parse(str_field(body, "week"), &r.week) != VX_OK)
        return vx_http_problem_field(req, VX_EINVAL, "week", "expected an ISO week like 2021-W10");
    r.allocated = (int)int_field(body, "allocated");
    r.delivered = (int)int_field(body, "delivered");
    struct vx_err err = {0};
    if ((rc = vx_book_supply_set(bh->eng, &r, &err)) != VX_OK)
        return vx_http_problem(req, rc, "%s", err.msg);
    struct vx_store *st;
    char obj[48], detail[96], wk[9];
    snprintf(obj, sizeof obj, "site:%lld", (long long)r.site_id);
    snprintf(detail, sizeof detail, "%s %s allocated=%d delivered=%d", r.vaccine,
             vx_isoweek_format(r.week, wk), r.allocated, r.delivered);
    if (vx_http_req_store(req, &st) == VX_OK)
        vx_audit_event(st, vx_http_req_session(req), "supply.set", obj, detail);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "site", (double)r.site_id);
    cJSON_AddStringToObject(o, "vaccine", r.vaccine);
    cJSON_AddStringToObject(o, "week", wk);
    cJSON_AddNumberToObject(o, "allocated", r.allocated);
    cJSON_AddNumberToObject(o, "delivered", r.delivered);
    cJSON_AddNumberToObject(o, "supply_left",
                            vx_book_supply_left(bh->eng, r.site_id, r.vaccine,
                                                vx_isoweek_monday(r.week.year, r.week.week)));
    return vx_http_reply_json(req, 200, o);
}

static int h_slots(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const cJSON *body = vx_http_req_body(req);
    int si;
    enum vx_status rc = path_site(req, bh, &si);
    if (rc != VX_OK)
        return rc;
    vx_day from, to;
    if ((rc = day_arg(req, "from", str_field(body, "from"), 0, &from)) != VX_OK ||
        (rc = day_arg(req, "to", str_field(body, "to"), 0, &to)) != VX_OK)
        return rc;
    if (from < bh_today(bh))
        return vx_http_problem_field(req, VX_ERANGE, "from", "in the past");
    if (to < from || to - from > 366)
        return vx_http_problem_field(req, VX_ERANGE, "to", "1 to 367 days from `from`");
    const char *vac = str_field(body, "vaccine");
    if (vac_index(bh, vac) < 0)
        return vx_http_problem_field(req, VX_EINVAL, "vaccine", "no such vaccine");
    int created = 0;
    struct vx_err err = {0};
    int64_t site_id = bh->sites[si].rec.id;
    if ((rc = vx_book_slots_generate(bh->eng, site_id, vac, from, to, &created, &err)) != VX_OK)
        return vx_http_problem(req, rc, "%s", err.msg);
    if ((rc = index_site(bh, si)) != VX_OK)
        return vx_http_problem(req, rc, "cannot index the new slots");
    struct vx_store *st;
    char obj[48], detail[96], a[11], b[11];
    snprintf(obj, sizeof obj, "site:%lld", (long long)site_id);
    snprintf(detail, sizeof detail, "%s %s..%s created=%d", vac, vx_day_format(from, a),
             vx_day_format(to, b), created);
    if (vx_http_req_store(req, &st) == VX_OK)
        vx_audit_event(st, vx_http_req_session(req), "slots.generate", obj, detail);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "site", (double)site_id);
    cJSON_AddStringToObject(o, "vaccine", vac);
    cJSON_AddStringToObject(o, "from", a);
    cJSON_AddStringToObject(o, "to", b);
    cJSON_AddNumberToObject(o, "created", created);
    return vx_http_reply_json(req, 201, o);
}

static int h_invite(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    const cJSON *body = vx_http_req_body(req);
    struct vx_store *st;
    struct vx_person_rec rec;
    enum vx_status rc = subject(req, "pnr", &st, &rec);
    if (rc != VX_OK)
        return rc;
    int days = (int)int_field(body, "valid_days");
    vx_time now = bh_now(bh);
    vx_time expires = now + (vx_time)(days ? days : INVITE_DAYS) * 86400;
    char code[VX_BOOK_CODE_LEN + 1];
    struct vx_err err = {0};
    const struct vx_session *s = vx_http_req_session(req);
    if ((rc = vx_book_invite_create(bh->eng, rec.p.pnr.norm, expires, s->user, code, &err)) !=
        VX_OK)
        return vx_http_problem(req, rc, "%s", err.msg);
    if ((rc = audit_read(req, st, &rec, "POST /api/v1/invitations (letter)")) != VX_OK)
        return rc;
    char name[130], region[64];
    struct vx_kommun_rec kr;
    snprintf(name, sizeof name, "%s %s", rec.given_name, rec.family_name);
    if (st->ops->kommun_get(st, rec.p.kommun, &kr) == VX_OK)
        snprintf(region, sizeof region, "%s", kr.name);
    else
        snprintf(region, sizeof region, "Region %s", rec.p.region);
    vx_day exp_day;
    int minute;
    vx_stockholm_local(expires, &exp_day, &minute);
    struct vx_book_letter l = {
        .name = name,
        .region_name = region,
        .code = code,
        .expires = exp_day,
        .web = "http://127.0.0.1:8080/",
        .phone = "1177",
    };
    struct vx_buf pdf;
    vx_buf_init(&pdf, 8u << 20);
    rc = vx_book_letter_pdf(&l, &pdf);
    memset(code, 0, sizeof code);
    if (rc == VX_OK)
        rc = vx_http_reply_text(req, 201, "application/pdf", pdf.data, pdf.len);
    vx_buf_release(&pdf);
    return rc == VX_OK ? VX_OK : vx_http_problem(req, rc, "cannot make the letter");
}

/* ------------------------------------------------------------------ waiting room */

static cJSON *ticket_json(const struct bh *bh, const struct vx_waitroom_ticket *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char buf[32];
    cJSON_AddStringToObject(o, "token", t->token);
    cJSON_AddBoolToObject(o, "active", vx_waitroom_active(bh->wr));
    cJSON_AddBoolToObject(o, "admitted", t->admitted);
    cJSON_AddNumberToObject(o, "position", (double)t->position);
    cJSON_AddNumberToObject(o, "estimated_wait_s", (double)(int64_t)(t->wait_s + 0.999));
    cJSON_AddNumberToObject(o, "sequence", (double)t->seq);
    cJSON_AddStringToObject(o, "expires_at", vx_time_format_local(t->expires_ms / 1000, buf));
    cJSON_AddNumberToObject(o, "refresh_s", t->admitted ? 0 : (t->wait_s > 10 ? 5 : 1));
    return o;
}

static int h_queue(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_waitroom_ticket t;
    if (vx_waitroom_issue(bh->wr, queue_holder(req), clock_ms(CLOCK_REALTIME), &t) != VX_OK)
        return vx_http_problem(req, VX_EINTERNAL, "cannot sign a token");
    cJSON *o = ticket_json(bh, &t);
    return o ? vx_http_reply_json(req, 201, o) : VX_ENOMEM;
}

static int h_queue_get(struct vx_http_req *req)
{
    struct bh *bh = vx_http_req_udata(req);
    struct vx_waitroom_ticket t;
    enum vx_status rc = vx_waitroom_check(bh->wr, vx_http_req_param(req, "token"),
                                          queue_holder(req), clock_ms(CLOCK_REALTIME), &t);
    if (rc == VX_ERANGE)
        return vx_http_problem_field(req, VX_EDENIED, "token",
                                     "expired: get a new one from POST /api/v1/queue");
    if (rc != VX_OK)
        return vx_http_problem_field(req, VX_EDENIED, "token", "not a valid token");
    cJSON *o = ticket_json(bh, &t);
    return o ? vx_http_reply_json(req, 200, o) : VX_ENOMEM;
}

/* ------------------------------------------------------------------ metrics */

static void fam(struct vx_buf *b, const char *name, const char *type, const char *help)
{
    vx_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static enum vx_status collect(void *ctx, struct vx_buf *b)
{
    struct bh *bh = ctx;
    struct vx_book_stats s;
    vx_book_stats_get(bh->eng, &s);
    static const struct {
        const char *name, *help;
        size_t off;
    } counters[] = {
        {"vx_bookings_total", "Dose bookings committed (a pair counts 2)",
         offsetof(struct vx_book_stats, bookings)},
        {"vx_book_cancellations_total", "Dose bookings cancelled (rebookings included)",
         offsetof(struct vx_book_stats, cancellations)},
        {"vx_book_requests_submitted_total", "Booking requests queued for the writer",
         offsetof(struct vx_book_stats, submitted)},
        {"vx_book_requests_completed_total", "Booking requests answered after their commit",
         offsetof(struct vx_book_stats, completed)},
        {"vx_book_requests_refused_total", "Booking requests refused by a rule",
         offsetof(struct vx_book_stats, refused)},
        {"vx_book_requests_failed_total", "Booking requests failed by the store",
         offsetof(struct vx_book_stats, failed)},
        {"vx_book_requests_replayed_total", "Answers replayed for an Idempotency-Key",
         offsetof(struct vx_book_stats, replayed)},
        {"vx_book_commits_total", "Transactions committed by the booking writer",
         offsetof(struct vx_book_stats, batches)},
        {"vx_book_syncs_total", "Forced writes of the log by the booking sync thread",
         offsetof(struct vx_book_stats, syncs)},
        {"vx_book_checkpoints_total", "Copy cycles of the log into the database file",
         offsetof(struct vx_book_stats, ckpt_cycles)},
        {"vx_book_checkpoint_passes_total", "Copy passes of the booking checkpointer",
         offsetof(struct vx_book_stats, ckpt_passes)},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(counters); i++) {
        fam(b, counters[i].name, "counter", counters[i].help);
        vx_buf_printf(b, "%s %llu\n", counters[i].name,
                      (unsigned long long)*(const uint64_t *)((const char *)&s + counters[i].off));
    }
    /* seconds, from nanosecond counters: two families with labels */
    static const struct {
        const char *family, *labels;
        size_t off;
    } secs[] = {
        {"vx_book_thread_seconds_total", "thread=\"writer\",state=\"busy\"",
         offsetof(struct vx_book_stats, writer_busy_ns)},
        {"vx_book_thread_seconds_total", "thread=\"writer\",state=\"idle\"",
         offsetof(struct vx_book_stats, writer_idle_ns)},
        {"vx_book_thread_seconds_total", "thread=\"writer\",state=\"disk\"",
         offsetof(struct vx_book_stats, writer_disk_ns)},
        {"vx_book_thread_seconds_total", "thread=\"sync\",state=\"sync\"",
         offsetof(struct vx_book_stats, sync_ns)},
        {"vx_book_thread_seconds_total", "thread=\"sync\",state=\"deliver\"",
         offsetof(struct vx_book_stats, deliver_ns)},
        {"vx_book_thread_seconds_total", "thread=\"writer\",state=\"checkpoint\"",
         offsetof(struct vx_book_stats, writer_ckpt_ns)},
        {"vx_book_thread_seconds_total", "thread=\"checkpoint\",state=\"copy\"",
         offsetof(struct vx_book_stats, ckpt_copy_ns)},
        {"vx_book_request_stage_seconds_total", "stage=\"queue\"",
         offsetof(struct vx_book_stats, req_queue_ns)},
        {"vx_book_request_stage_seconds_total", "stage=\"batch\"",
         offsetof(struct vx_book_stats, req_batch_ns)},
        {"vx_book_request_stage_seconds_total", "stage=\"sync\"",
         offsetof(struct vx_book_stats, req_sync_ns)},
    };
    static const struct {
        const char *family, *help;
    } sec_help[] = {
        {"vx_book_thread_seconds_total",
         "Time of the booking writer (busy: batches, idle: no requests, disk: every buffer "
         "waits for the disk, checkpoint: its part of a log copy), the sync thread (sync: "
         "forcing the log, deliver: answers) and the checkpointer (copy)"},
        {"vx_book_request_stage_seconds_total",
         "Sum over answered booking requests of the time spent waiting for the writer "
         "(queue), in the batch until its commit (batch), from the commit until the disk "
         "had it (sync); divide by vx_book_requests_completed_total for the mean"},
    };
    for (size_t f = 0; f < VX_ARRAY_LEN(sec_help); f++) {
        fam(b, sec_help[f].family, "counter", sec_help[f].help);
        for (size_t i = 0; i < VX_ARRAY_LEN(secs); i++)
            if (!strcmp(secs[i].family, sec_help[f].family))
                vx_buf_printf(b, "%s{%s} %.3f\n", secs[i].family, secs[i].labels,
                              (double)*(const uint64_t *)((const char *)&s + secs[i].off) / 1e9);
    }
    fam(b, "vx_book_commit_batch_size", "histogram",
        "Requests per group commit (_sum: requests completed)");
    uint64_t cum = 0;
    for (int i = 0; i < VX_BOOK_HIST_BUCKETS - 1; i++) {
        cum += s.batch_hist[i];
        vx_buf_printf(b, "vx_book_commit_batch_size_bucket{le=\"%d\"} %llu\n", (2 << i) - 1,
                      (unsigned long long)cum);
    }
    cum += s.batch_hist[VX_BOOK_HIST_BUCKETS - 1];
    vx_buf_printf(b, "vx_book_commit_batch_size_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)cum);
    vx_buf_printf(b, "vx_book_commit_batch_size_sum %llu\nvx_book_commit_batch_size_count %llu\n",
                  (unsigned long long)s.completed, (unsigned long long)cum);
    fam(b, "vx_book_queue_length", "gauge", "Requests waiting for the booking writer");
    vx_buf_printf(b, "vx_book_queue_length %d\n", s.queue_len);
    fam(b, "vx_book_queue_capacity", "gauge", "Capacity of the booking writer's queue");
    vx_buf_printf(b, "vx_book_queue_capacity %d\n", s.queue_cap);
    struct vx_waitroom_stats w;
    vx_waitroom_stats(bh->wr, clock_ms(CLOCK_REALTIME), &w);
    fam(b, "vx_waitroom_active", "gauge", "1 while the waiting room is on");
    vx_buf_printf(b, "vx_waitroom_active %d\n", w.rate > 0);
    fam(b, "vx_waitroom_rate", "gauge", "Admissions per second");
    vx_buf_printf(b, "vx_waitroom_rate %g\n", w.rate);
    fam(b, "vx_waitroom_issued_total", "counter", "Waiting-room tokens issued");
    vx_buf_printf(b, "vx_waitroom_issued_total %llu\n", (unsigned long long)w.issued);
    fam(b, "vx_waitroom_waiting", "gauge", "Tokens issued and not yet admitted");
    return vx_buf_printf(b, "vx_waitroom_waiting %llu\n", (unsigned long long)w.waiting);
}

/* ------------------------------------------------------------------ engines by server */

/* Which engine each running server's booking module opened, for vx_book_http_engine (the
 * planner's routes write supply and cancellations through it). A table because a module's
 * udata is private to its routes and its start hook gets only the server; a process
 * normally runs one server, tests a few. */
#define MAX_SERVERS 32
static pthread_mutex_t g_engines_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bh *g_engines[MAX_SERVERS];

static bool engine_register(struct bh *bh)
{
    bool ok = false;
    pthread_mutex_lock(&g_engines_mu);
    for (int i = 0; i < MAX_SERVERS && !ok; i++)
        if (g_engines[i] == NULL) {
            g_engines[i] = bh;
            ok = true;
        }
    pthread_mutex_unlock(&g_engines_mu);
    return ok;
}

static void engine_unregister(struct bh *bh)
{
    pthread_mutex_lock(&g_engines_mu);
    for (int i = 0; i < MAX_SERVERS; i++)
        if (g_engines[i] == bh)
            g_engines[i] = NULL;
    pthread_mutex_unlock(&g_engines_mu);
}

struct vx_book_engine *vx_book_http_engine(struct vx_http_server *srv)
{
    struct vx_book_engine *eng = NULL;
    pthread_mutex_lock(&g_engines_mu);
    for (int i = 0; i < MAX_SERVERS && eng == NULL; i++)
        if (g_engines[i] && g_engines[i]->srv == srv)
            eng = g_engines[i]->eng;
    pthread_mutex_unlock(&g_engines_mu);
    return eng;
}

/* ------------------------------------------------------------------ life cycle */

static void bh_free(struct bh *bh)
{
    if (!bh)
        return;
    engine_unregister(bh);
    vx_book_engine_close(bh->eng); /* completes every queued request */
    vx_waitroom_free(bh->wr);
    for (int i = 0; i < bh->n_sites; i++)
        cJSON_free(bh->sites[i].json);
    free(bh->sites);
    free(bh->listing);
    free(bh->slots);
    if (bh->cache) {
        for (int i = 0; i < CACHE_SIZE; i++)
            vx_buf_release(&bh->cache[i].json);
        free(bh->cache);
    }
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_destroy(&bh->stripe[i]);
    pthread_rwlock_destroy(&bh->slot_lock);
    free(bh);
}

static void book_stop(void *udata)
{
    bh_free(udata);
}

static enum vx_status book_start(struct vx_http_server *srv, void **udata, struct vx_err *err)
{
    const struct vx_http_config *cfg = vx_http_server_config(srv);
    if (!cfg->catalog || !cfg->rules)
        return vx_err_set(err, VX_EINVAL, "booking needs the vaccine catalogue and the rules");
    struct bh *bh = calloc(1, sizeof *bh);
    if (!bh)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    pthread_rwlock_init(&bh->slot_lock, NULL);
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&bh->stripe[i], NULL);
    bh->opts = g_opts;
    bh->srv = srv;
    bh->cat = cfg->catalog;
    bh->rules = cfg->rules;
    bh->fixed_today = cfg->today;
    bh->cache_ms = bh->opts.avail_cache_ms ? bh->opts.avail_cache_ms : 1000;
    struct vx_book_opts eo = {
        .queue_cap = bh->opts.engine_queue,
        .batch_max = bh->opts.engine_batch,
        .commit_each = bh->opts.commit_each,
        .sync_inline = bh->opts.sync_inline,
        .submit_nowait = true,
    };
    enum vx_status rc =
        vx_book_engine_open(cfg->db_path, cfg->catalog, cfg->rules, &eo, &bh->eng, err);
    if (rc != VX_OK)
        goto fail;
    if (!engine_register(bh)) {
        rc = vx_err_set(err, VX_ENOMEM, "more than %d servers with a booking module", MAX_SERVERS);
        goto fail;
    }
    struct vx_waitroom_opts wo = {.rate = bh->opts.admit_rate, .ttl_s = bh->opts.queue_ttl_s};
    if ((rc = vx_waitroom_new(&wo, clock_ms(CLOCK_REALTIME), &bh->wr)) != VX_OK) {
        vx_err_set(err, rc, "waiting room: bad options");
        goto fail;
    }
    if ((rc = load_sites(bh, cfg->db_path)) != VX_OK) {
        vx_err_set(err, rc, "cannot load the sites");
        goto fail;
    }
    for (int i = 0; i < bh->n_sites && rc == VX_OK; i++)
        rc = index_site_locked(bh, i, 0);
    slots_sort_locked(bh, 0);
    if (rc != VX_OK) {
        vx_err_set(err, rc, "cannot index the slots");
        goto fail;
    }
    if (bh->cache_ms > 0) {
        bh->cache = calloc(CACHE_SIZE, sizeof *bh->cache);
        if (!bh->cache) {
            rc = vx_err_set(err, VX_ENOMEM, "out of memory");
            goto fail;
        }
        for (int i = 0; i < CACHE_SIZE; i++)
            vx_buf_init(&bh->cache[i].json, CACHE_ENTRY_MAX);
    }
    struct vx_metrics *m = vx_http_server_metrics(srv);
    if ((rc = vx_metrics_collector(m, collect, bh)) != VX_OK ||
        (rc = vx_metrics_counter(m, "vx_availability_cache_total", "result=\"hit\"",
                                 "Availability days served from the cache or rebuilt",
                                 &bh->cache_hit)) != VX_OK ||
        (rc = vx_metrics_counter(m, "vx_availability_cache_total", "result=\"miss\"",
                                 "Availability days served from the cache or rebuilt",
                                 &bh->cache_miss)) != VX_OK ||
        (rc = vx_metrics_counter(m, "vx_waitroom_refused_total", NULL,
                                 "Bookings refused for a missing, bad or waiting queue token",
                                 &bh->wr_refused)) != VX_OK) {
        vx_err_set(err, rc, "cannot register the booking metrics");
        goto fail;
    }
    *udata = bh;
    return VX_OK;
fail:
    bh_free(bh);
    return rc;
}

/* ------------------------------------------------------------------ routes */

#define CITIZEN    VX_ROLE_BIT(VX_ROLE_CITIZEN)
#define CALLCENTRE VX_ROLE_BIT(VX_ROLE_CALLCENTRE)
#define SITE_COORD VX_ROLE_BIT(VX_ROLE_SITE_COORD)
#define REGION     VX_ROLE_BIT(VX_ROLE_REGION_COORD)

#define ID_PARAM(what)                                                                             \
    {                                                                                              \
        {                                                                                          \
            "id", VX_JSON_INTEGER, .min = 1, .max = 9e15, .desc = what                             \
        }                                                                                          \
    }
#define PNR_FIELD(name, what)                                                                      \
    {                                                                                              \
        name, VX_JSON_STRING, .max_len = 13, .desc = what, .example = "\"194002029108\""           \
    }

static const struct vx_route book_routes[] = {
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/eligibility",
        .handler = h_my_eligibility,
        .roles = CITIZEN,
        .tag = "booking",
        .summary = "May I book? Eligibility with its reason and whether my cohort is released",
        .description = "Audited read of the caller's person record.",
        .query = {{"date", VX_JSON_STRING, .max_len = 10,
                   .desc = "evaluation date (default today)"}},
        .response = "{eligible, why, age, rule:{id,phase,step,label_sv,label_en}, opens, "
                    "reason_sv, reason_en, reason, cohort_released, can_book}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/sites",
        .handler = h_sites,
        .roles = VX_ROLES_ANY,
        .tag = "booking",
        .summary = "Vaccination sites (staff: only those in their scope)",
        .query = {{"municipality", VX_JSON_STRING, .max_len = 4, .desc = "kommun code",
                   .example = "\"0180\""},
                  {"region", VX_JSON_STRING, .max_len = 2, .desc = "region code"}},
        .response = "[{id, code, name, kind, address, kommun, region}]",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/sites/{id}/availability",
        .handler = h_availability,
        .roles = VX_ROLES_ANY,
        .tag = "booking",
        .summary = "Free and released slots per day (from a cache at most 1 s old)",
        .params = ID_PARAM("site id"),
        .query = {{"from", VX_JSON_STRING, .max_len = 10, .desc = "first day (default today)"},
                  {"to", VX_JSON_STRING, .max_len = 10, .desc = "last day (default from + 13)"},
                  {"vaccine", VX_JSON_STRING, .max_len = 16, .desc = "product code"}},
        .response = "{site, from, to, max_age_ms, days:[{date, capacity, booked, free, released, "
                    "slots:[{id, start, end, vaccine, capacity, booked, free, released}]}]}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/sites/{id}/dose2",
        .handler = h_dose2,
        .roles = VX_ROLES_ANY,
        .tag = "booking",
        .summary = "Dose-2 proposals at the site inside the vaccine's interval",
        .params = ID_PARAM("site id"),
        .query = {{"slot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15,
                   .desc = "the dose-1 slot"}},
        .response = "{dose1, vaccine, doses, min_date, recommended_date, max_date, "
                    "recommended_slot, slots:[{id, date, start, end, free}]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/bookings",
        .handler = h_book,
        .roles = CITIZEN | CALLCENTRE,
        .tag = "booking",
        .summary = "Book dose 1 and dose 2 as one series (answered after the commit)",
        .description = "Header Idempotency-Key (required); X-Queue-Token while the waiting room "
                       "is on. Call-centre agents give `person` (or an invitation `code`).",
        .body = {{"slot1", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15,
                  .desc = "slot of the first dose to book"},
                 {"slot2", VX_JSON_INTEGER, .min = 1, .max = 9e15,
                  .desc = "slot of the next dose (when the product has one)"},
                 PNR_FIELD("person", "call centre: the caller's personnummer"),
                 {"code", VX_JSON_STRING, .max_len = 20,
                  .desc = "call centre: the one-time code of an invitation letter"}},
        .success = 201,
        .response = "{op, series, replayed, bookings:[{id, dose, slot, date, start, end, site, "
                    "vaccine, vaccine_name, status}]}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/me/bookings",
        .handler = h_my_bookings,
        .roles = CITIZEN,
        .tag = "booking",
        .summary = "My active bookings (audited)",
        .response = "{bookings:[...]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/callcentre/lookup",
        .handler = h_lookup,
        .roles = CALLCENTRE,
        .tag = "booking",
        .summary = "A caller's person summary, eligibility and bookings (audited)",
        .body = {PNR_FIELD("pnr", "the caller's personnummer")},
        .response = "{person, eligibility, bookings}",
    },
    {
        .method = VX_HTTP_PATCH,
        .path = "/api/v1/bookings/{id}",
        .handler = h_rebook,
        .roles = CITIZEN | CALLCENTRE,
        .tag = "booking",
        .summary = "Move a booking to another slot (the series is replaced atomically)",
        .params = ID_PARAM("booking id"),
        .body = {{"slot", VX_JSON_INTEGER, .required = true, .min = 1, .max = 9e15,
                  .desc = "new slot for this booking"},
                 {"slot2", VX_JSON_INTEGER, .min = 1, .max = 9e15,
                  .desc = "moving dose 1: a new slot for dose 2 as well"},
                 PNR_FIELD("person", "call centre: the caller's personnummer")},
        .response = "as POST /api/v1/bookings",
    },
    {
        .method = VX_HTTP_DELETE,
        .path = "/api/v1/bookings/{id}",
        .handler = h_cancel,
        .roles = CITIZEN | CALLCENTRE,
        .tag = "booking",
        .summary = "Cancel the series the booking belongs to (capacity returns at once)",
        .params = ID_PARAM("booking id"),
        .body = {PNR_FIELD("person", "call centre: the caller's personnummer")},
        .response = "{op:\"cancel\", bookings:[...status cancelled]}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/cohorts",
        .handler = h_cohort,
        .roles = REGION,
        .tag = "booking",
        .summary = "Release a cohort in the coordinator's region",
        .body = {{"label", VX_JSON_STRING, .required = true, .max_len = 127},
                 {"rules", VX_JSON_ARRAY, .max_len = 16, .desc = "eligibility rule ids",
                  .example = "[\"p2-80plus\"]"},
                 {"born_to", VX_JSON_INTEGER, .min = 1880, .max = 2100,
                  .desc = "born this year or earlier"},
                 {"release_at", VX_JSON_STRING, .max_len = 32, .desc = "RFC 3339 (default now)"}},
        .success = 201,
        .response = "{id, region, label, rules, born_to, release_at}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/sites/{id}/supply",
        .handler = h_supply,
        .roles = SITE_COORD | REGION,
        .tag = "booking",
        .summary = "Set a site's supply of one vaccine for one ISO week",
        .params = ID_PARAM("site id"),
        .body = {{"vaccine", VX_JSON_STRING, .required = true, .max_len = 16},
                 {"week", VX_JSON_STRING, .required = true, .max_len = 8,
                  .example = "\"2021-W10\""},
                 {"allocated", VX_JSON_INTEGER, .min = 0, .max = 10000000},
                 {"delivered", VX_JSON_INTEGER, .min = 0, .max = 10000000}},
        .response = "{site, vaccine, week, allocated, delivered, supply_left}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/sites/{id}/slots",
        .handler = h_slots,
        .roles = SITE_COORD | REGION,
        .tag = "booking",
        .summary = "Generate slots from the site's opening hours",
        .params = ID_PARAM("site id"),
        .body = {{"from", VX_JSON_STRING, .required = true, .max_len = 10},
                 {"to", VX_JSON_STRING, .required = true, .max_len = 10},
                 {"vaccine", VX_JSON_STRING, .required = true, .max_len = 16}},
        .success = 201,
        .response = "{site, vaccine, from, to, created}",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/invitations",
        .handler = h_invite,
        .roles = REGION,
        .tag = "booking",
        .summary = "An invitation letter (PDF) with a one-time booking code",
        .body = {PNR_FIELD("pnr", "the person to invite"),
                 {"valid_days", VX_JSON_INTEGER, .min = 1, .max = 365}},
        .success = 201,
        .response = "application/pdf",
    },
    {
        .method = VX_HTTP_POST,
        .path = "/api/v1/queue",
        .handler = h_queue,
        .roles = VX_ROLES_PUBLIC,
        .tag = "booking",
        .summary = "Waiting room: take a place in the queue",
        .success = 201,
        .response = "{token, active, admitted, position, estimated_wait_s, sequence, expires_at, "
                    "refresh_s}",
    },
    {
        .method = VX_HTTP_GET,
        .path = "/api/v1/queue/{token}",
        .handler = h_queue_get,
        .roles = VX_ROLES_PUBLIC,
        .tag = "booking",
        .summary = "Waiting room: my position now",
        .params = {{"token", VX_JSON_STRING, .max_len = 127, .desc = "the token"}},
        .response = "as POST /api/v1/queue",
    },
};

const struct vx_http_module vx_book_http_module = {
    .name = "book",
    .routes = book_routes,
    .n_routes = VX_ARRAY_LEN(book_routes),
    .start = book_start,
    .stop = book_stop,
};
