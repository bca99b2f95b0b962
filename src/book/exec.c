/*
 * exec.c — one booking request, executed by the writer inside an open transaction.
 *
 * Order of work for BOOK and REBOOK: resolve the person (number, or invitation
 * code), replay a stored outcome for a known Idempotency-Key, then check
 * everything that does not change state (slot exists and lies ahead, product,
 * eligibility at `now`, released cohort, dose history, interval, age on the slot
 * days), then take capacity in memory (slot counters and supply weeks, each change
 * recorded in the undo log), and only then write to the store. A refusal undoes
 * the memory changes of this request (back to its mark in the undo log) and writes
 * nothing but the audit row and, with a key, the stored outcome (a booked series
 * carries its key in its own rows instead, schema version 11). A failed store
 * write returns false: the transaction is doomed, and the writer rolls back the
 * whole batch and undoes the log.
 *
 * The capacity checks happen here, serialised on the one writer thread, so two
 * requests can never both take the last place of a slot. The count of a slot is
 * the number of its active rows in `bookings` (the engine rebuilds its counters
 * from them at start, see inventory.c); the booking transaction does not update
 * the legacy `slots.booked` column (no longer maintained, not read by anything):
 * that update dirtied two more random B-tree pages per booking, about a fifth of
 * the bytes a booking wrote (docs/benchmarks.md). Overbooking is checked after the
 * fact by counting `bookings` per slot (bench_booking's check, the crash test).
 *
 * REBOOK is CANCEL + BOOK in one request: the old series' capacity is released in
 * memory first, so a person may move to another time in the same full slot week;
 * if the new slots are refused the old series stays exactly as it was.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "book_int.h"
#include "vx/buf.h"

static const struct {
    const char *code;
    enum vx_status status;
    const char *sv;
    const char *en;
} reasons[VX_BOOK_R_COUNT] = {
    [VX_BOOK_R_NONE] = {"none", VX_OK, "", ""},
    [VX_BOOK_R_BAD_REQUEST] = {"bad_request", VX_EINVAL, "Ogiltig begäran.", "Invalid request."},
    [VX_BOOK_R_NO_PERSON] = {"no_person", VX_ENOTFOUND, "Personen finns inte i registret.",
                             "The person is not in the register."},
    [VX_BOOK_R_BAD_CODE] = {"bad_code", VX_EDENIED, "Koden är okänd eller har gått ut.",
                            "The code is unknown or has expired."},
    [VX_BOOK_R_CODE_USED] = {"code_used", VX_ECONFLICT, "Koden har redan använts.",
                             "The code has already been used."},
    [VX_BOOK_R_NOT_ELIGIBLE] = {"not_eligible", VX_EDENIED, "Du kan inte boka vaccination ännu.",
                                "You cannot book a vaccination yet."},
    [VX_BOOK_R_COHORT_CLOSED] = {"cohort_closed", VX_EDENIED,
                                 "Bokningen har inte öppnat för din grupp i din region ännu.",
                                 "Booking has not opened for your group in your region yet."},
    [VX_BOOK_R_HAS_SERIES] = {"has_series", VX_ECONFLICT,
                              "Du har redan bokade tider. Omboka eller avboka dem först.",
                              "You already have booked times. Rebook or cancel them first."},
    [VX_BOOK_R_NO_SERIES] = {"no_series", VX_ENOTFOUND, "Det finns ingen aktiv bokning.",
                             "There is no active booking."},
    [VX_BOOK_R_FULLY_VACCINATED] = {"fully_vaccinated", VX_ECONFLICT,
                                    "Du har redan fått alla doser.",
                                    "You have already received all doses."},
    [VX_BOOK_R_AGE] = {"age", VX_EDENIED, "Vaccinet ges inte i din ålder.",
                       "The vaccine is not given at your age."},
    [VX_BOOK_R_INTERVAL] = {"interval", VX_ERANGE,
                            "Tiden för nästa dos ligger utanför det tillåtna intervallet.",
                            "The time of the next dose is outside the allowed interval."},
    [VX_BOOK_R_NO_SLOT] = {"no_slot", VX_ENOTFOUND, "Tiden finns inte eller har passerat.",
                           "The time does not exist or has passed."},
    [VX_BOOK_R_SLOT_FULL] = {"slot_full", VX_ECONFLICT, "Tiden är fullbokad.",
                             "The time is fully booked."},
    [VX_BOOK_R_NO_SUPPLY] = {"no_supply", VX_ECONFLICT,
                             "Tiden är inte öppen för bokning (inga doser ännu).",
                             "The time is not open for booking (no doses yet)."},
    [VX_BOOK_R_KEY_REUSED] = {"key_reused", VX_ECONFLICT,
                              "Nyckeln har redan använts för en annan begäran.",
                              "The key was already used for another request."},
    [VX_BOOK_R_STORE] = {"store", VX_ESTORE, "Bokningen kunde inte sparas. Försök igen.",
                         "The booking could not be saved. Please try again."},
};

const char *vx_book_reason_code(enum vx_book_reason r)
{
    return (unsigned)r < VX_BOOK_R_COUNT ? reasons[r].code : "unknown";
}

/* Copy `src` into dst[len], cutting a long message at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* do not split a multi-byte character */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void bk_result_refuse(struct vx_book_result *res, enum vx_book_reason r, const char *sv,
                      const char *en)
{
    res->status = reasons[r].status;
    res->reason = r;
    copy_text(res->msg_sv, sizeof res->msg_sv, sv && *sv ? sv : reasons[r].sv);
    copy_text(res->msg_en, sizeof res->msg_en, en && *en ? en : reasons[r].en);
}

/* ---- undo log ------------------------------------------------------------ */

void bk_undo_push(struct vx_book_engine *e, const struct bk_undo *u)
{
    /* the log is sized for a full batch when the engine opens (see engine.c) */
    if (e->n_undo < e->cap_undo)
        e->undo[e->n_undo++] = *u;
}

void bk_undo_to(struct vx_book_engine *e, int mark)
{
    while (e->n_undo > mark) {
        const struct bk_undo *u = &e->undo[--e->n_undo];
        switch (u->kind) {
        case BK_U_SLOT:
            atomic_fetch_sub(&e->slots[u->a].booked, u->delta);
            break;
        case BK_U_USED: {
            struct bk_supply *s = e->sites[u->a].supply[u->b];
            atomic_fetch_sub(&s->used[u->c - s->wk0], u->delta);
            break;
        }
        case BK_U_SERIES:
            pthread_rwlock_wrlock(&e->lock);
            e->persons[u->a].s = u->old;
            pthread_rwlock_unlock(&e->lock);
            break;
        }
    }
}

/* Take (delta +1) or give back (-1) one dose of slot `slot`: its counter and its
 * supply week. False when the supply line cannot cover the week (memory). */
static bool take_dose(struct vx_book_engine *e, int slot, int delta)
{
    struct bk_slot *sl = &e->slots[slot];
    int wk = bk_week(sl->day);
    struct bk_supply *line = bk_supply_line(e, sl->site, sl->vac, wk);
    if (!line)
        return false;
    atomic_fetch_add(&sl->booked, delta);
    bk_undo_push(e, &(struct bk_undo){.kind = BK_U_SLOT, .a = slot, .delta = delta});
    atomic_fetch_add(&line->used[wk - line->wk0], delta);
    bk_undo_push(e, &(struct bk_undo){
                        .kind = BK_U_USED, .a = sl->site, .b = sl->vac, .c = wk, .delta = delta});
    return true;
}

static void set_series(struct vx_book_engine *e, int person, const struct bk_series *s)
{
    struct bk_undo u = {.kind = BK_U_SERIES, .a = person, .old = e->persons[person].s};
    bk_undo_push(e, &u);
    pthread_rwlock_wrlock(&e->lock);
    e->persons[person].s = *s;
    pthread_rwlock_unlock(&e->lock);
}

/* ---- the request --------------------------------------------------------- */

enum outcome { DONE = 0, REFUSED = 1, DB_FAILED = -1 };

struct job {
    struct vx_book_engine *e;
    const struct vx_book_req *req;
    struct vx_book_result *res;
    struct vx_person_rec person;
    vx_time now;
    vx_day today;
    bool via_code;
    enum vx_book_channel channel;
};

static enum outcome refuse(struct job *j, enum vx_book_reason r, const char *sv, const char *en)
{
    bk_result_refuse(j->res, r, sv, en);
    return REFUSED;
}

/* Mark the bookings of series `s` cancelled in the store (the places go back in memory). */
static enum outcome db_cancel(struct job *j, const struct bk_series *s)
{
    struct vx_store *st = j->e->st;
    for (int k = 0; k < s->n; k++) {
        if (st->ops->booking_set_status(st, s->booking[k], VX_BOOKING_CANCELLED, j->now) != VX_OK)
            return DB_FAILED;
    }
    return DONE;
}

static enum outcome check_interval(struct job *j, const struct vx_product *p, int dose, vx_day prev,
                                   vx_day at)
{
    struct vx_interval_answer ia;
    enum vx_interval_verdict v = vx_product_interval_check(p, dose, prev, at, &ia);
    if (v == VX_INTERVAL_OK)
        return DONE;
    char a[11], b[11], sv[256], en[256];
    vx_day_format(ia.earliest, a);
    if (ia.latest == VX_CATALOG_OPEN_END || v == VX_INTERVAL_NO_RULE) {
        snprintf(sv, sizeof sv, "Dos %d av %s kan ges tidigast %s.", dose, p->name, a);
        snprintf(en, sizeof en, "Dose %d of %s can be given on %s at the earliest.", dose, p->name,
                 a);
    } else {
        vx_day_format(ia.latest, b);
        snprintf(sv, sizeof sv, "Dos %d av %s ska ges mellan %s och %s.", dose, p->name, a, b);
        snprintf(en, sizeof en, "Dose %d of %s must be given between %s and %s.", dose, p->name, a,
                 b);
    }
    return refuse(j, VX_BOOK_R_INTERVAL, sv, en);
}

static enum outcome check_age(struct job *j, const struct vx_product *p, vx_day on)
{
    struct vx_age_answer aa;
    if (vx_product_age_allowed(p, j->person.p.pnr.birth, on, &aa) == VX_AGE_OK)
        return DONE;
    return refuse(j, VX_BOOK_R_AGE, vx_age_reason(&aa, "sv"), vx_age_reason(&aa, "en"));
}

static enum outcome do_book(struct job *j)
{
    struct vx_book_engine *e = j->e;
    const struct vx_book_req *req = j->req;
    struct vx_book_result *res = j->res;
    struct vx_store *st = e->st;
    const struct vx_person *p = &j->person.p;
    int pi = bk_person_get(e, p->id, p->pnr.norm, false);
    struct bk_series old = {0};
    if (pi >= 0)
        old = e->persons[pi].s;
    if (req->op == VX_BOOK_OP_BOOK && old.n > 0)
        return refuse(j, VX_BOOK_R_HAS_SERIES, NULL, NULL);
    if (req->op == VX_BOOK_OP_REBOOK && old.n == 0)
        return refuse(j, VX_BOOK_R_NO_SERIES, NULL, NULL);

    int slot[2] = {bk_slot_index(e, req->slot_id[0]), -1};
    if (slot[0] < 0 || e->slots[slot[0]].start <= j->now)
        return refuse(j, VX_BOOK_R_NO_SLOT, NULL, NULL);
    const struct bk_slot *s1 = &e->slots[slot[0]];
    const struct vx_product *prod = &e->cat->products[s1->vac];

    struct vx_elig_result er;
    if (vx_elig_eval(e->rules, NULL, p, j->today, &er) != VX_OK || !er.eligible)
        return refuse(j, VX_BOOK_R_NOT_ELIGIBLE, er.reason_sv, er.reason_en);
    if (!bk_cohort_open_locked(e, p, j->now))
        return refuse(j, VX_BOOK_R_COHORT_CLOSED, NULL, NULL);

    /* dose history: the next dose number, and the interval from the last dose */
    int next = 1;
    if (!prod->seasonal) {
        struct vx_dose_last dl;
        if (st->ops->dose_last(st, p->id, &dl) != VX_OK)
            return refuse(j, VX_BOOK_R_STORE, NULL, NULL);
        if (dl.count > 0) {
            const struct vx_product *given = vx_catalog_find(e->cat, dl.vaccine);
            if (dl.dose_number >= (given ? given->doses : 2))
                return refuse(j, VX_BOOK_R_FULLY_VACCINATED, NULL, NULL);
            if (given != prod)
                return refuse(j, VX_BOOK_R_NO_SLOT, "Nästa dos ska vara samma vaccin som förra.",
                              "The next dose must be the same vaccine as the last one.");
            next = dl.dose_number + 1;
            enum outcome o = check_interval(j, prod, next, dl.day, s1->day);
            if (o != DONE)
                return o;
        }
    }
    if (!vx_product_in_season(prod, s1->day, NULL))
        return refuse(j, VX_BOOK_R_NO_SLOT, NULL, NULL);
    int n = prod->doses - next + 1 >= 2 ? 2 : 1;
    if (n == 2 && !req->slot_id[1])
        return refuse(j, VX_BOOK_R_BAD_REQUEST, "Välj också en tid för nästa dos.",
                      "Choose a time for the next dose too.");
    if (n == 1 && req->slot_id[1])
        return refuse(j, VX_BOOK_R_BAD_REQUEST, "Bara en dos återstår; välj en tid.",
                      "Only one dose is left; choose one time.");
    if (n == 2) {
        slot[1] = bk_slot_index(e, req->slot_id[1]);
        if (slot[1] < 0 || e->slots[slot[1]].vac != s1->vac)
            return refuse(j, VX_BOOK_R_NO_SLOT, NULL, NULL);
        enum outcome o = check_interval(j, prod, next + 1, s1->day, e->slots[slot[1]].day);
        if (o != DONE)
            return o;
    }
    for (int k = 0; k < n; k++) {
        enum outcome o = check_age(j, prod, e->slots[slot[k]].day);
        if (o != DONE)
            return o;
    }

    /* capacity, in memory: the old series first gives its places back */
    for (int k = 0; k < old.n && req->op == VX_BOOK_OP_REBOOK; k++)
        if (!take_dose(e, old.slot[k], -1))
            return DB_FAILED;
    for (int k = 0; k < n; k++) {
        const struct bk_slot *sl = &e->slots[slot[k]];
        if (atomic_load(&sl->booked) >= sl->capacity)
            return refuse(j, VX_BOOK_R_SLOT_FULL, NULL, NULL);
        if (!take_dose(e, slot[k], +1))
            return refuse(j, VX_BOOK_R_NO_SUPPLY, NULL, NULL);
    }
    for (int k = 0; k < n; k++) {
        const struct bk_slot *sl = &e->slots[slot[k]];
        if (bk_supply_left(e, sl->site, sl->vac, bk_week(sl->day)) < 0)
            return refuse(j, VX_BOOK_R_NO_SUPPLY, NULL, NULL);
    }

    /* the store */
    if (req->op == VX_BOOK_OP_REBOOK && db_cancel(j, &old) != DONE)
        return DB_FAILED;
    struct bk_series ns = {.n = n, .channel = j->channel};
    snprintf(ns.agent, sizeof ns.agent, "%s", req->agent_id);
    for (int k = 0; k < n; k++) {
        const struct bk_slot *sl = &e->slots[slot[k]];
        struct vx_booking_rec b = {
            .person_id = p->id,
            .slot_id = sl->id,
            .dose_number = next + k,
            .pair_id = k ? ns.booking[0] : 0,
            .status = VX_BOOKING_BOOKED,
            .channel = j->channel,
            .created_at = j->now,
        };
        memcpy(b.region, p->region, sizeof b.region);
        memcpy(b.agent_id, ns.agent, sizeof b.agent_id);
        snprintf(b.idem_key, sizeof b.idem_key, "%s", req->idem_key); /* the stored outcome */
        b.idem_op = (int)req->op;
        if (st->ops->booking_put(st, &b, &ns.booking[k]) != VX_OK)
            return DB_FAILED;
        if (b.idem_key[0])
            bk_idem_add(e, p->id);
        ns.slot[k] = slot[k];
        ns.dose[k] = next + k;
        res->booking_id[k] = ns.booking[k];
        res->slot_id[k] = sl->id;
        res->start[k] = sl->start;
        res->dose_number[k] = next + k;
    }
    if (pi < 0 && (pi = bk_person_get(e, p->id, p->pnr.norm, true)) < 0)
        return DB_FAILED; /* out of memory: fail the batch rather than lose track */
    set_series(e, pi, &ns);
    res->site_id = e->sites[s1->site].rec.id;
    snprintf(res->vaccine, sizeof res->vaccine, "%s", prod->code);
    atomic_fetch_add(&e->st_bookings, (uint64_t)n);
    if (req->op == VX_BOOK_OP_REBOOK)
        atomic_fetch_add(&e->st_cancels, (uint64_t)old.n);
    return DONE;
}

static enum outcome do_cancel(struct job *j)
{
    struct vx_book_engine *e = j->e;
    int pi = bk_person_get(e, j->person.p.id, j->person.p.pnr.norm, false);
    if (pi < 0 || e->persons[pi].s.n == 0)
        return refuse(j, VX_BOOK_R_NO_SERIES, NULL, NULL);
    struct bk_series old = e->persons[pi].s;
    for (int k = 0; k < old.n; k++) {
        if (!take_dose(e, old.slot[k], -1))
            return DB_FAILED;
        const struct bk_slot *sl = &e->slots[old.slot[k]];
        j->res->booking_id[k] = old.booking[k];
        j->res->slot_id[k] = sl->id;
        j->res->start[k] = sl->start;
        j->res->dose_number[k] = old.dose[k];
        j->res->site_id = e->sites[sl->site].rec.id;
        snprintf(j->res->vaccine, sizeof j->res->vaccine, "%s", e->cat->products[sl->vac].code);
    }
    if (db_cancel(j, &old) != DONE)
        return DB_FAILED;
    set_series(e, pi, &(struct bk_series){0});
    atomic_fetch_add(&e->st_cancels, (uint64_t)old.n);
    return DONE;
}

static const char *action_of(const struct vx_book_result *res)
{
    if (res->replayed)
        return "booking.replay";
    if (res->status != VX_OK)
        return "booking.refused";
    return res->op == VX_BOOK_OP_CANCEL   ? "booking.cancel"
           : res->op == VX_BOOK_OP_REBOOK ? "booking.rebook"
                                          : "booking.book";
}

/* A bounded string builder for the audit row: the writer writes one per request,
 * and snprintf was a tenth of the row's cost. `end` leaves room for the NUL. */
struct sb {
    char *p, *end;
};

static void sb_str(struct sb *b, const char *s)
{
    while (*s && b->p < b->end)
        *b->p++ = *s++;
}

static void sb_i64(struct sb *b, int64_t v)
{
    char t[21];
    sb_str(b, vx_i64_text(v, t));
}

static struct sb sb_on(char *buf, size_t len)
{
    return (struct sb){buf, buf + len - 1};
}

static void sb_end(struct sb *b)
{
    *b->p = '\0';
}

static bool audit(struct job *j)
{
    const struct vx_book_req *req = j->req;
    const struct vx_book_result *res = j->res;
    struct vx_audit_rec a;
    a.at = j->now;
    copy_text(a.actor, sizeof a.actor,
              req->actor[0]      ? req->actor
              : req->agent_id[0] ? req->agent_id
                                 : "person");
    copy_text(a.role, sizeof a.role, req->role);
    copy_text(a.action, sizeof a.action, action_of(res));
    struct sb b = sb_on(a.object, sizeof a.object);
    sb_str(&b, "person:");
    sb_i64(&b, j->person.p.id);
    sb_end(&b);
    memcpy(a.region, j->person.p.region, sizeof a.region);
    /* "bookings=B1,B2 slots=S1,S2 channel=C agent=A reason=R" */
    b = sb_on(a.detail, sizeof a.detail);
    sb_str(&b, "bookings=");
    sb_i64(&b, res->booking_id[0]);
    sb_str(&b, ",");
    sb_i64(&b, res->booking_id[1]);
    sb_str(&b, " slots=");
    sb_i64(&b, res->slot_id[0]);
    sb_str(&b, ",");
    sb_i64(&b, res->slot_id[1]);
    sb_str(&b, " channel=");
    sb_str(&b, vx_book_channel_code(j->channel));
    sb_str(&b, " agent=");
    sb_str(&b, req->agent_id);
    sb_str(&b, " reason=");
    sb_str(&b, vx_book_reason_code(res->reason));
    sb_end(&b);
    return j->e->st->ops->audit_append(j->e->st, &a) == VX_OK;
}

static void from_stored(struct vx_book_result *res, const struct vx_book_request_rec *r)
{
    res->status = (enum vx_status)r->status;
    res->reason = (enum vx_book_reason)r->reason;
    res->replayed = true;
    for (int k = 0; k < 2; k++) {
        res->booking_id[k] = r->booking_id[k];
        res->slot_id[k] = r->slot_id[k];
        res->start[k] = r->start[k];
        res->dose_number[k] = r->dose_number[k];
    }
    res->site_id = r->site_id;
    memcpy(res->vaccine, r->vaccine, sizeof res->vaccine);
    memcpy(res->msg_sv, r->msg_sv, sizeof res->msg_sv);
    memcpy(res->msg_en, r->msg_en, sizeof res->msg_en);
}

static bool store_outcome(struct job *j)
{
    const struct vx_book_result *res = j->res;
    struct vx_book_request_rec r = {.person_id = j->person.p.id,
                                    .op = (int)j->req->op,
                                    .status = (int)res->status,
                                    .reason = (int)res->reason,
                                    .site_id = res->site_id,
                                    .created_at = j->now};
    snprintf(r.key, sizeof r.key, "%s", j->req->idem_key);
    for (int k = 0; k < 2; k++) {
        r.booking_id[k] = res->booking_id[k];
        r.slot_id[k] = res->slot_id[k];
        r.start[k] = res->start[k];
        r.dose_number[k] = res->dose_number[k];
    }
    memcpy(r.vaccine, res->vaccine, sizeof r.vaccine);
    memcpy(r.msg_sv, res->msg_sv, sizeof r.msg_sv);
    memcpy(r.msg_en, res->msg_en, sizeof r.msg_en);
    bk_idem_add(j->e, r.person_id);
    return j->e->st->ops->book_request_put(j->e->st, &r) == VX_OK;
}

/* Resolve the person of the request; REFUSED with res filled when that fails. */
static enum outcome resolve_person(struct job *j, struct vx_invite_rec *inv)
{
    struct vx_store *st = j->e->st;
    enum vx_status rc;
    if (j->via_code) {
        char norm[13], hex[65];
        if (!vx_book_code_normalise(j->req->code, norm))
            return refuse(j, VX_BOOK_R_BAD_CODE, NULL, NULL);
        bk_code_hash(norm, hex);
        rc = st->ops->invite_get(st, hex, inv);
        if (rc == VX_ENOTFOUND || (rc == VX_OK && inv->expires_at < j->now))
            return refuse(j, VX_BOOK_R_BAD_CODE, NULL, NULL);
        if (rc == VX_OK)
            rc = st->ops->person_get_id(st, inv->person_id, &j->person);
    } else {
        if (strnlen(j->req->pnr, sizeof j->req->pnr) != 12)
            return refuse(j, VX_BOOK_R_BAD_REQUEST, NULL, NULL);
        if (j->req->has_person && !strcmp(j->req->person.p.pnr.norm, j->req->pnr)) {
            j->person = j->req->person; /* the caller's fresh read (e.g. the HTTP route's) */
            return DONE;
        }
        rc = st->ops->person_get(st, j->req->pnr, &j->person);
    }
    if (rc == VX_ENOTFOUND)
        return refuse(j, VX_BOOK_R_NO_PERSON, NULL, NULL);
    if (rc != VX_OK)
        return refuse(j, VX_BOOK_R_STORE, NULL, NULL);
    return DONE;
}

bool bk_exec_request(struct vx_book_engine *e, const struct vx_book_req *req,
                     struct vx_book_result *res)
{
    memset(res, 0, sizeof *res);
    res->op = req->op;
    struct job j = {.e = e, .req = req, .res = res, .now = req->now ? req->now : time(NULL)};
    int minute;
    vx_stockholm_local(j.now, &j.today, &minute);
    j.via_code = req->code[0] != '\0';
    j.channel = j.via_code ? VX_CHANNEL_INVITATION : req->channel;
    if ((unsigned)j.channel >= VX_CHANNEL_COUNT ||
        (req->op != VX_BOOK_OP_BOOK && req->op != VX_BOOK_OP_REBOOK &&
         req->op != VX_BOOK_OP_CANCEL) ||
        strnlen(req->idem_key, sizeof req->idem_key) > VX_BOOK_KEY_MAX) {
        bk_result_refuse(res, VX_BOOK_R_BAD_REQUEST, NULL, NULL);
        return true;
    }
    struct vx_invite_rec inv = {0};
    if (resolve_person(&j, &inv) != DONE)
        return true; /* no person, nothing to audit or store */
    res->person_id = j.person.p.id;

    /* a retry? (the filter says when this person has no keyed outcome at all, idem.c) */
    if (req->idem_key[0] && bk_idem_maybe(e, res->person_id)) {
        struct vx_book_request_rec stored;
        enum vx_status rc =
            e->st->ops->book_request_get(e->st, res->person_id, req->idem_key, &stored);
        if (rc == VX_OK && stored.op != (int)req->op) {
            bk_result_refuse(res, VX_BOOK_R_KEY_REUSED, NULL, NULL);
            return audit(&j);
        }
        if (rc == VX_OK) {
            from_stored(res, &stored);
            atomic_fetch_add(&e->st_replayed, 1);
            return audit(&j);
        }
        if (rc != VX_ENOTFOUND) {
            bk_result_refuse(res, VX_BOOK_R_STORE, NULL, NULL);
            return true;
        }
    }

    int mark = e->n_undo;
    enum outcome o;
    if (j.via_code && inv.used_at)
        o = refuse(&j, VX_BOOK_R_CODE_USED, NULL, NULL);
    else if (j.via_code && req->op != VX_BOOK_OP_BOOK)
        o = refuse(&j, VX_BOOK_R_BAD_REQUEST, NULL, NULL); /* a code books, once */
    else
        o = req->op == VX_BOOK_OP_CANCEL ? do_cancel(&j) : do_book(&j);
    if (o == DB_FAILED)
        return false;
    if (o == REFUSED) {
        bk_undo_to(e, mark);
        memset(res->booking_id, 0, sizeof res->booking_id);
        memset(res->slot_id, 0, sizeof res->slot_id);
        memset(res->start, 0, sizeof res->start);
        memset(res->dose_number, 0, sizeof res->dose_number);
        if (res->reason == VX_BOOK_R_STORE)
            return true; /* a failed read: nothing to record */
    }
    if (o == DONE && j.via_code && e->st->ops->invite_use(e->st, inv.id, j.now) != VX_OK)
        return false;
    /* a booked series keeps its key in its own rows (booking_put above): a separate
     * booking_requests row is written only for refusals and cancellations */
    bool in_rows = o == DONE && req->op != VX_BOOK_OP_CANCEL;
    if (req->idem_key[0] && !in_rows && !store_outcome(&j))
        return false;
    return audit(&j);
}
