/*
 * service.c — the muni module's actions on the store: list uploads, the retention
 * purge, rounds (plan, decision, hand-over, records) and the municipal coverage.
 *
 * Each action checks its input, reads what it needs, and writes inside one store
 * transaction (vx_store_begin/commit; any failure rolls back), so an upload, a plan
 * or a purge is all or nothing. The one exception is a nurse's vaccination record:
 * the dose goes through the care module's vx_care_record_dose, which runs its own
 * transaction and must not be nested in ours. The record therefore happens in two
 * steps — (1) the care module records the dose, (2) our transaction marks the
 * resident, stores the idempotency key with the result, and audits — and step 2 is
 * made safe to repeat: when a resend finds no key but the care module refuses the
 * dose as a duplicate (same person, day and vaccine), the dose recorded by step 1
 * is adopted. The HTTP layer serialises the records of one server (a mutex), so two
 * copies of the same queued record cannot both pass step 1.
 *
 * Audit. Every action writes its audit rows itself through st->ops->audit_append in
 * the same transaction as its writes, with the actor and role of the request, the
 * time given (no clock here), object "person:<id>" for each person touched
 * (never a personnummer) or "muni_list:<id>" / "muni_round:<id>", and a detail that
 * starts "muni <kommun>:" so that the municipality's access log can find them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/care.h"
#include "vx/catalog.h"
#include "vx/muni.h"
#include "vx/store.h"
#include "vx/store_muni.h"

/* ------------------------------------------------------------------ helpers */

static enum vx_status audit(struct vx_store *st, const char *actor, const char *role, vx_time at,
                            const char *action, const char *object, const char *region,
                            const char *kommun, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static enum vx_status audit(struct vx_store *st, const char *actor, const char *role, vx_time at,
                            const char *action, const char *object, const char *region,
                            const char *kommun, const char *fmt, ...)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = at;
    snprintf(a.actor, sizeof a.actor, "%s", actor && *actor ? actor : "system");
    snprintf(a.role, sizeof a.role, "%s", role ? role : "");
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.object, sizeof a.object, "%s", object);
    snprintf(a.region, sizeof a.region, "%s", region ? region : "");
    int n = snprintf(a.detail, sizeof a.detail, "muni %.4s: ", kommun ? kommun : "");
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof a.detail)
        vsnprintf(a.detail + n, sizeof a.detail - (size_t)n, fmt, ap);
    va_end(ap);
    return st->ops->audit_append(st, &a);
}

static enum vx_status audit_person(struct vx_store *st, const char *actor, const char *role,
                                   vx_time at, const char *action, int64_t person,
                                   const char *region, const char *kommun, const char *what)
{
    char obj[40];
    snprintf(obj, sizeof obj, "person:%lld", (long long)person);
    return audit(st, actor, role, at, action, obj, region, kommun, "%s", what);
}

/* Fail with the store's message, rolling back an open transaction. */
static enum vx_status store_fail(struct vx_store *st, enum vx_status rc, bool in_tx,
                                 struct vx_err *err, const char *what)
{
    char msg[sizeof st->err];
    snprintf(msg, sizeof msg, "%s", st->err);
    if (in_tx)
        vx_store_rollback(st);
    return vx_err_set(err, rc == VX_OK ? VX_ESTORE : rc, "%s: %s", what, msg);
}

static bool clean_short(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* A growable array of rows (the previous version's rows, a unit's residents). */
struct rows {
    struct vx_muni_row *v;
    int n, cap;
    bool oom;
};

static int rows_push(void *p, const struct vx_muni_row *r)
{
    struct rows *a = p;
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 64;
        struct vx_muni_row *v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v) {
            a->oom = true;
            return 1;
        }
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = *r;
    return 0;
}

/* The municipality's current list: the newest version, unpurged, valid on `today`. */
static enum vx_status current_list(struct vx_store *st, const char *kommun, vx_day today,
                                   struct vx_muni_list *out, struct vx_err *err)
{
    enum vx_status rc = st->ops->muni->list_latest(st, kommun, out);
    if (rc == VX_ENOTFOUND)
        return vx_err_set(err, VX_ENOTFOUND, "municipality %s has shared no resident list", kommun);
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "current list");
    if (out->purged_at || out->valid_until < today)
        return vx_err_set(err, VX_ENOTFOUND,
                          "the resident list of %s (version %d) has expired: upload a new one",
                          kommun, out->version);
    return VX_OK;
}

/* ------------------------------------------------------------------ upload */

struct diff_ctx {
    struct vx_store *st;
    const struct vx_muni_upload_req *req;
    int64_t list_id;
    const struct vx_muni_row *old, *cur; /* to find a change's region */
    int n_old, n_cur;
    int counts[VX_MUNI_CH_COUNT];
    enum vx_status rc;
};

static const struct vx_muni_row *find_row(const struct vx_muni_row *v, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (v[i].person_id == id)
            return &v[i];
    return NULL;
}

static int store_change(void *p, const struct vx_muni_change *c0)
{
    struct diff_ctx *d = p;
    struct vx_muni_change c = *c0;
    const struct vx_muni_row *r = find_row(d->cur, d->n_cur, c.person_id);
    if (!r)
        r = find_row(d->old, d->n_old, c.person_id);
    if (r)
        memcpy(c.region, r->region, sizeof c.region);
    if (c.kind == VX_MUNI_CH_REMOVED) {
        /* the register knows of a death the file did not report */
        struct vx_person_rec pr;
        if (d->st->ops->person_get_id(d->st, c.person_id, &pr) == VX_OK &&
            (pr.p.flags & VX_PF_DECEASED))
            c.kind = VX_MUNI_CH_DECEASED;
    }
    d->counts[c.kind]++;
    d->rc = d->st->ops->muni->list_change_put(d->st, d->list_id, &c);
    return d->rc != VX_OK;
}

/* Match each row's number to a person of the municipality; problems per line. */
static enum vx_status match_persons(struct vx_store *st, const char *kommun,
                                    struct vx_muni_upload *up, struct vx_err *err)
{
    for (int i = 0; i < up->n_rows; i++) {
        struct vx_muni_row *r = &up->rows[i];
        struct vx_person_rec pr;
        enum vx_status rc = st->ops->person_get(st, r->pnr, &pr);
        if (rc == VX_ENOTFOUND) {
            vx_muni_upload_problem(up, r->line, "personnummer", "no such person in the register");
            continue;
        }
        if (rc != VX_OK)
            return store_fail(st, rc, false, err, "person look-up");
        if (r->status == VX_MUNI_ROW_ACTIVE && strcmp(pr.p.kommun, kommun)) {
            vx_muni_upload_problem(up, r->line, "personnummer",
                                   "not registered in this municipality");
            continue;
        }
        r->person_id = pr.p.id;
        memcpy(r->region, pr.p.region, sizeof r->region);
    }
    return up->total_problems ? VX_EINVAL : VX_OK;
}

enum vx_status vx_muni_list_upload(struct vx_store *st, const struct vx_muni_upload_req *req,
                                   struct vx_muni_upload *up, struct vx_muni_list *out,
                                   struct vx_err *err)
{
    struct vx_kommun_rec k;
    enum vx_status rc;
    memset(out, 0, sizeof *out);
    if (!req->kommun || st->ops->kommun_get(st, req->kommun, &k) != VX_OK)
        return vx_err_set(err, VX_ENOTFOUND, "no such municipality '%.8s'",
                          req->kommun ? req->kommun : "");
    if ((unsigned)req->basis >= VX_MUNI_BASIS_COUNT)
        return vx_err_set(err, VX_EINVAL, "legal_basis: unknown");
    if (!clean_short(req->basis_note, 128))
        return vx_err_set(err, VX_EINVAL, "basis_note: at most 128 characters, no control ones");
    if (req->valid_until < req->today || req->valid_until > req->today + VX_MUNI_MAX_VALID_DAYS)
        return vx_err_set(err, VX_EINVAL, "valid_until: must be from today to %d days ahead",
                          VX_MUNI_MAX_VALID_DAYS);
    if (up->total_problems)
        return vx_err_set(err, VX_EINVAL, "the upload has %d problems", up->total_problems);
    if (up->n_rows == 0)
        return vx_err_set(err, VX_EINVAL, "rows: the list is empty");
    if ((rc = match_persons(st, req->kommun, up, err)) != VX_OK)
        return rc == VX_EINVAL
                   ? vx_err_set(err, VX_EINVAL, "the upload has %d problems", up->total_problems)
                   : rc;

    struct rows old = {0};
    struct vx_muni_list prev;
    bool have_prev = st->ops->muni->list_latest(st, req->kommun, &prev) == VX_OK;
    if ((rc = vx_store_begin(st)) != VX_OK)
        return store_fail(st, rc, false, err, "begin");
    if (have_prev && !prev.purged_at) {
        rc = st->ops->muni->list_row_foreach(st, prev.id, NULL, true, rows_push, &old);
        if (old.oom)
            rc = VX_ENOMEM;
        if (rc != VX_OK) {
            free(old.v);
            vx_store_rollback(st);
            return vx_err_set(err, rc, "previous list: %s",
                              rc == VX_ENOMEM ? "out of memory" : st->err);
        }
    }
    struct vx_muni_list l;
    memset(&l, 0, sizeof l);
    memcpy(l.kommun, k.code, sizeof l.kommun);
    memcpy(l.region, k.region, sizeof l.region);
    l.basis = req->basis;
    snprintf(l.basis_note, sizeof l.basis_note, "%s", req->basis_note ? req->basis_note : "");
    snprintf(l.uploaded_by, sizeof l.uploaded_by, "%s", req->actor ? req->actor : "");
    l.uploaded_at = req->now;
    l.valid_until = req->valid_until;
    l.previous_id = have_prev ? prev.id : 0;
    for (int i = 0; i < up->n_rows; i++)
        if (up->rows[i].status == VX_MUNI_ROW_ACTIVE) {
            l.rows++;
            l.by_type[up->rows[i].type]++;
        }
    if ((rc = st->ops->muni->list_put(st, &l)) != VX_OK)
        goto fail;
    for (int i = 0; i < up->n_rows && rc == VX_OK; i++) {
        const struct vx_muni_row *r = &up->rows[i];
        rc = st->ops->muni->list_row_put(st, l.id, r);
        if (rc == VX_OK)
            rc = audit_person(st, req->actor, req->role, req->now, "muni.list.upload", r->person_id,
                              r->region, l.kommun, "list upload");
    }
    if (rc != VX_OK)
        goto fail;
    struct diff_ctx d = {.st = st,
                         .req = req,
                         .list_id = l.id,
                         .old = old.v,
                         .n_old = old.n,
                         .cur = up->rows,
                         .n_cur = up->n_rows};
    rc = vx_muni_diff(old.v, old.n, up->rows, up->n_rows, store_change, &d, NULL);
    if (rc != VX_OK) {
        if (d.rc != VX_OK)
            rc = d.rc;
        goto fail;
    }
    memcpy(l.changes, d.counts, sizeof l.changes);
    if ((rc = st->ops->muni->list_set_counts(st, &l)) != VX_OK)
        goto fail;
    char obj[40];
    snprintf(obj, sizeof obj, "muni_list:%lld", (long long)l.id);
    if ((rc = audit(st, req->actor, req->role, req->now, "muni.list.upload", obj, l.region,
                    l.kommun, "version %d, %d rows, basis %s", l.version, l.rows,
                    vx_muni_basis_code(l.basis))) != VX_OK)
        goto fail;
    if ((rc = vx_store_commit(st)) != VX_OK)
        goto fail;
    free(old.v);
    *out = l;
    return VX_OK;
fail:
    free(old.v);
    return store_fail(st, rc, true, err, "list upload");
}

/* ------------------------------------------------------------------ purge */

struct ids {
    int64_t *v;
    int n, cap;
    bool oom;
};

static int ids_push(void *p, const struct vx_muni_list *l)
{
    struct ids *a = p;
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        int64_t *v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v) {
            a->oom = true;
            return 1;
        }
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = l->id;
    return 0;
}

enum vx_status vx_muni_purge(struct vx_store *st, vx_day today, vx_time now, const char *actor,
                             int *lists, int64_t *rows, struct vx_err *err)
{
    struct ids due = {0};
    int64_t total = 0;
    if (lists)
        *lists = 0;
    if (rows)
        *rows = 0;
    enum vx_status rc = vx_store_begin(st);
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "begin");
    rc = st->ops->muni->list_due_foreach(st, today, VX_MUNI_KEEP_SUPERSEDED_DAYS, ids_push, &due);
    if (due.oom)
        rc = VX_ENOMEM;
    for (int i = 0; i < due.n && rc == VX_OK; i++) {
        struct vx_muni_list l;
        int64_t n = 0;
        rc = st->ops->muni->list_get(st, due.v[i], &l);
        if (rc == VX_OK)
            rc = st->ops->muni->list_purge(st, l.id, now, &n);
        if (rc == VX_OK) {
            char obj[40];
            snprintf(obj, sizeof obj, "muni_list:%lld", (long long)l.id);
            rc = audit(st, actor, "system", now, "muni.list.purge", obj, l.region, l.kommun,
                       "version %d purged, %lld rows deleted (%s)", l.version, (long long)n,
                       l.valid_until < today ? "expired" : "superseded");
        }
        total += n;
    }
    free(due.v);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "purge");
    if (lists)
        *lists = due.n;
    if (rows)
        *rows = total;
    return VX_OK;
}

/* ------------------------------------------------------------------ rounds */

static bool consenting(enum vx_muni_consent c)
{
    return c != VX_MUNI_CONSENT_DECLINED;
}

enum vx_status vx_muni_round_plan(struct vx_store *st, const struct vx_catalog *cat,
                                  const struct vx_muni_plan_req *req, struct vx_muni_round *out,
                                  struct vx_muni_transport_verdict *verdict, struct vx_err *err)
{
    struct vx_muni_transport_verdict vbuf;
    struct vx_muni_transport_verdict *v = verdict ? verdict : &vbuf;
    memset(v, 0, sizeof *v);
    memset(out, 0, sizeof *out);
    struct vx_kommun_rec k;
    if (!req->kommun || st->ops->kommun_get(st, req->kommun, &k) != VX_OK)
        return vx_err_set(err, VX_ENOTFOUND, "no such municipality");
    const struct vx_product *p = req->vaccine ? vx_catalog_find(cat, req->vaccine) : NULL;
    if (!p)
        return vx_err_set(err, VX_EINVAL, "vaccine: not in the catalogue");
    if (req->day < req->today)
        return vx_err_set(err, VX_EINVAL, "date: the round cannot be in the past");
    if (req->doses_ordered < 0 || req->doses_ordered > 10000)
        return vx_err_set(err, VX_EINVAL, "doses: 0..10000");
    if (req->vials_ordered < 0 || req->vials_ordered > 10000)
        return vx_err_set(err, VX_EINVAL, "vials: 0..10000");
    if (!req->unit_code || !*req->unit_code || strlen(req->unit_code) >= VX_MUNI_UNIT_CODE_MAX)
        return vx_err_set(err, VX_EINVAL, "unit_code: required");
    enum vx_status rc = vx_muni_transport_check(p, req->day, &req->transport, v);
    if (rc == VX_EINVAL)
        return vx_err_set(err, VX_EINVAL, "transport_minutes: 0..1440 (and duration_minutes)");
    if (rc == VX_ERANGE)
        return vx_err_set(err, VX_ERANGE,
                          "transport: the catalogue's constraints refuse this plan");
    struct vx_muni_list l;
    if ((rc = current_list(st, req->kommun, req->today, &l, err)) != VX_OK)
        return rc;
    struct rows unit = {0};
    rc = st->ops->muni->list_row_foreach(st, l.id, req->unit_code, true, rows_push, &unit);
    if (unit.oom)
        rc = VX_ENOMEM;
    if (rc != VX_OK) {
        free(unit.v);
        return store_fail(st, rc, false, err, "unit residents");
    }
    if (unit.n == 0) {
        free(unit.v);
        return vx_err_set(err, VX_ENOTFOUND,
                          "unit_code: no residents of unit %s on the current list", req->unit_code);
    }
    /* the residents of the round: those asked for, or everyone who has not declined */
    bool *take = calloc((size_t)unit.n, sizeof *take);
    if (!take) {
        free(unit.v);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    int n_take = 0;
    if (req->persons) {
        for (int i = 0; i < req->n_persons; i++) {
            int j = 0;
            while (j < unit.n && unit.v[j].person_id != req->persons[i])
                j++;
            if (j == unit.n) {
                free(take);
                free(unit.v);
                return vx_err_set(err, VX_EINVAL,
                                  "persons[%d]: not a resident of unit %s on the current list", i,
                                  req->unit_code);
            }
            if (!take[j])
                n_take++;
            take[j] = true;
        }
    } else {
        for (int j = 0; j < unit.n; j++)
            if (consenting(unit.v[j].consent)) {
                take[j] = true;
                n_take++;
            }
    }
    if (n_take == 0) {
        free(take);
        free(unit.v);
        return vx_err_set(err, VX_EINVAL, "persons: nobody to vaccinate (all declined?)");
    }
    int doses = req->doses_ordered ? req->doses_ordered : n_take;
    int need = vx_muni_vials_needed(p, req->day, doses);
    int vials = req->vials_ordered ? req->vials_ordered : need;
    if (vials < need) {
        free(take);
        free(unit.v);
        return vx_err_set(err, VX_EINVAL, "vials: %d doses of %s need at least %d vials", doses,
                          p->name, need);
    }
    struct vx_muni_round r;
    memset(&r, 0, sizeof r);
    memcpy(r.kommun, k.code, sizeof r.kommun);
    memcpy(r.region, k.region, sizeof r.region);
    snprintf(r.unit_code, sizeof r.unit_code, "%s", req->unit_code);
    memcpy(r.unit_name, unit.v[0].unit_name, sizeof r.unit_name);
    r.day = req->day;
    snprintf(r.vaccine, sizeof r.vaccine, "%s", p->code);
    r.transport = req->transport;
    r.doses_ordered = doses;
    r.vials_ordered = vials;
    r.status = VX_MUNI_ROUND_PLANNED;
    snprintf(r.planned_by, sizeof r.planned_by, "%s", req->actor ? req->actor : "");
    r.created_at = req->now;
    if ((rc = vx_store_begin(st)) != VX_OK) {
        free(take);
        free(unit.v);
        return store_fail(st, rc, false, err, "begin");
    }
    rc = st->ops->muni->round_put(st, &r);
    for (int j = 0; j < unit.n && rc == VX_OK; j++) {
        if (!take[j])
            continue;
        struct vx_muni_round_resident rr;
        memset(&rr, 0, sizeof rr);
        rr.round_id = r.id;
        rr.person_id = unit.v[j].person_id;
        memcpy(rr.region, unit.v[j].region, sizeof rr.region);
        rr.consent = unit.v[j].consent;
        rr.outcome = VX_MUNI_PENDING;
        rc = st->ops->muni->resident_put(st, &rr);
        if (rc == VX_OK) {
            char what[64];
            snprintf(what, sizeof what, "round %lld planned", (long long)r.id);
            rc = audit_person(st, req->actor, req->role, req->now, "muni.round.plan", rr.person_id,
                              rr.region, r.kommun, what);
        }
    }
    free(take);
    free(unit.v);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "round plan");
    if ((rc = st->ops->muni->round_get(st, r.id, out)) != VX_OK)
        return store_fail(st, rc, false, err, "round");
    return VX_OK;
}

/* Load round `id`, change it with `fn` when its status is `want`, store, audit. */
static enum vx_status round_change(struct vx_store *st, int64_t id, enum vx_muni_round_status want,
                                   const char *actor, const char *role, vx_time now,
                                   const char *action, const char *what, struct vx_muni_round *r,
                                   struct vx_err *err)
{
    enum vx_status rc = vx_store_begin(st);
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "begin");
    struct vx_muni_round cur;
    rc = st->ops->muni->round_get(st, id, &cur);
    if (rc == VX_ENOTFOUND) {
        vx_store_rollback(st);
        return vx_err_set(err, VX_ENOTFOUND, "no round %lld", (long long)id);
    }
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "round");
    if (cur.status != want) {
        vx_store_rollback(st);
        return vx_err_set(err, VX_ECONFLICT, "round %lld is %s, not %s", (long long)id,
                          vx_muni_round_status_code(cur.status), vx_muni_round_status_code(want));
    }
    /* copy what the caller set onto the stored round */
    r->id = id;
    memcpy(r->kommun, cur.kommun, sizeof r->kommun);
    memcpy(r->region, cur.region, sizeof r->region);
    if (!r->decided_by[0]) {
        memcpy(r->decided_by, cur.decided_by, sizeof r->decided_by);
        r->decided_at = cur.decided_at;
        memcpy(r->decision_note, cur.decision_note, sizeof r->decision_note);
    }
    rc = st->ops->muni->round_update(st, r);
    char obj[40];
    snprintf(obj, sizeof obj, "muni_round:%lld", (long long)id);
    if (rc == VX_OK)
        rc = audit(st, actor, role, now, action, obj, cur.region, cur.kommun, "%s", what);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, action);
    return VX_OK;
}

enum vx_status vx_muni_round_decide(struct vx_store *st, int64_t round_id, bool approve,
                                    const char *note, const char *actor, const char *role,
                                    vx_time now, struct vx_err *err)
{
    if (!clean_short(note, 128))
        return vx_err_set(err, VX_EINVAL, "note: at most 128 characters, no control ones");
    struct vx_muni_round r;
    memset(&r, 0, sizeof r);
    r.status = approve ? VX_MUNI_ROUND_APPROVED : VX_MUNI_ROUND_REJECTED;
    snprintf(r.decided_by, sizeof r.decided_by, "%s", actor ? actor : "");
    r.decided_at = now;
    snprintf(r.decision_note, sizeof r.decision_note, "%s", note ? note : "");
    return round_change(st, round_id, VX_MUNI_ROUND_PLANNED, actor, role, now, "muni.round.decide",
                        approve ? "approved" : "rejected", &r, err);
}

enum vx_status vx_muni_round_handover(struct vx_store *st, const struct vx_muni_handover_req *req,
                                      struct vx_muni_handover_out *out, struct vx_err *err)
{
    struct vx_muni_handover_out tmp;
    if (!out)
        out = &tmp;
    memset(out, 0, sizeof *out);
    const char *lot_number = req->lot_number;
    size_t n = lot_number ? strlen(lot_number) : 0;
    if (n == 0 || n >= VX_LOT_NUMBER_MAX || !clean_short(lot_number, VX_LOT_NUMBER_MAX - 1))
        return vx_err_set(err, VX_EINVAL, "lot_number: 1 to %d characters", VX_LOT_NUMBER_MAX - 1);
    if (req->doses < 1 || req->doses > 10000)
        return vx_err_set(err, VX_EINVAL, "doses: 1..10000");
    if (req->vials < 1 || req->vials > 10000)
        return vx_err_set(err, VX_EINVAL, "vials: 1..10000");
    if (req->site_id < 1)
        return vx_err_set(err, VX_EINVAL, "site: the site whose stock the doses leave");
    enum vx_status rc = vx_store_begin(st);
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "begin");
    struct vx_muni_round cur;
    rc = st->ops->muni->round_get(st, req->round_id, &cur);
    if (rc == VX_ENOTFOUND) {
        vx_store_rollback(st);
        return vx_err_set(err, VX_ENOTFOUND, "no round %lld", (long long)req->round_id);
    }
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "round");
    if (cur.status != VX_MUNI_ROUND_APPROVED) {
        vx_store_rollback(st);
        return vx_err_set(err, VX_ECONFLICT, "round %lld is %s, not approved",
                          (long long)req->round_id, vx_muni_round_status_code(cur.status));
    }
    /* the doses leave the site's stock (care module, same transaction) */
    char ref[40];
    snprintf(ref, sizeof ref, "muni_round:%lld", (long long)cur.id);
    struct vx_care_env env = {.st = st, .now = req->now, .user = req->actor, .role = req->role};
    struct vx_care_issue iss = {.site_id = req->site_id,
                                .vaccine = cur.vaccine,
                                .lot_number = lot_number,
                                .doses = req->doses,
                                .kommun = cur.kommun,
                                .region = cur.region,
                                .ref = ref};
    struct vx_care_result cr;
    memset(&cr, 0, sizeof cr);
    rc = vx_care_issue_in_tx(&env, &iss, &out->lot_id, &out->stock_left, &cr);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        if (cr.reason == VX_CARE_R_STORE)
            return vx_err_set(err, VX_ESTORE, "stock: %s", cr.msg_en);
        snprintf(out->refusal_sv, sizeof out->refusal_sv, "%.200s", cr.msg_sv);
        const char *field = cr.reason == VX_CARE_R_LOT_UNKNOWN || cr.reason == VX_CARE_R_LOT_EXPIRED
                                ? "lot_number"
                            : cr.reason == VX_CARE_R_STOCK ? "doses"
                                                           : "site";
        /* an unknown site or lot is a bad field of the request (422), not a missing path */
        enum vx_status es = rc == VX_ENOTFOUND || cr.reason == VX_CARE_R_PLACE ? VX_EINVAL : rc;
        if (cr.reason == VX_CARE_R_LOT_UNKNOWN) {
            snprintf(out->refusal_sv, sizeof out->refusal_sv,
                     "Ingen batch %s av %s har tagits emot.", lot_number, cur.vaccine);
            return vx_err_set(err, es,
                              "lot_number: no lot %s of %s has been received in the region",
                              lot_number, cur.vaccine);
        }
        return vx_err_set(err, es, "%s: %s", field, cr.msg_en);
    }
    struct vx_site_rec site;
    if ((rc = st->ops->care->site_get_id(st, req->site_id, &site)) != VX_OK)
        return store_fail(st, rc, true, err, "site");
    snprintf(out->site_code, sizeof out->site_code, "%s", site.code);
    struct vx_muni_round r = cur;
    r.status = VX_MUNI_ROUND_HANDED;
    snprintf(r.lot_number, sizeof r.lot_number, "%s", lot_number);
    r.doses_handed = req->doses;
    r.vials_handed = req->vials;
    snprintf(r.handed_by, sizeof r.handed_by, "%s", req->actor ? req->actor : "");
    r.handed_at = req->now;
    rc = st->ops->muni->round_update(st, &r);
    char obj[40];
    snprintf(obj, sizeof obj, "muni_round:%lld", (long long)cur.id);
    if (rc == VX_OK)
        rc = audit(st, req->actor, req->role, req->now, "muni.round.handover", obj, cur.region,
                   cur.kommun, "handed out lot %.32s from site %.31s: %d doses, %d vials (%d left)",
                   lot_number, site.code, req->doses, req->vials, out->stock_left);
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "muni.round.handover");
    return VX_OK;
}

/* ------------------------------------------------------------------ records */

static bool key_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n < 8 || n >= VX_MUNI_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

static void refuse(struct vx_muni_record_result *out, enum vx_status st, const char *code,
                   const char *sv, const char *en)
{
    out->status = st;
    snprintf(out->code, sizeof out->code, "%s", code);
    snprintf(out->message, sizeof out->message, "%s", sv);
    snprintf(out->message_en, sizeof out->message_en, "%s", en);
}

/* The dose a crashed earlier attempt recorded: valid, same vaccine, same local day,
 * given by this municipality's nurses. 0 when there is none. */
static int64_t adopt_dose(struct vx_store *st, int64_t person, const char *vaccine,
                          const char *kommun, vx_time given_at, int *dose_number)
{
    struct vx_dose_rec d[16];
    int n = 0;
    if (st->ops->dose_list_person(st, person, d, 16, &n) != VX_OK)
        return 0;
    vx_day want, day;
    int minute;
    vx_stockholm_local(given_at, &want, &minute);
    for (int i = (n < 16 ? n : 16) - 1; i >= 0; i--) {
        vx_stockholm_local(d[i].given_at, &day, &minute);
        if (!d[i].voided && day == want && !strcmp(d[i].vaccine, vaccine) &&
            !strcmp(d[i].kommun, kommun)) {
            *dose_number = d[i].dose_number;
            return d[i].id;
        }
    }
    return 0;
}

enum vx_status vx_muni_record(struct vx_store *st, const struct vx_catalog *cat,
                              const struct vx_muni_record_req *req,
                              struct vx_muni_record_result *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if (!key_ok(req->key))
        return vx_err_set(err, VX_EINVAL, "key: 8 to 64 characters of A-Z a-z 0-9 . _ : -");
    if (req->outcome == VX_MUNI_PENDING || (unsigned)req->outcome >= VX_MUNI_OUTCOME_COUNT)
        return vx_err_set(err, VX_EINVAL, "outcome: vaccinated, declined or absent");
    if (!req->kommun || !*req->kommun)
        return vx_err_set(err, VX_EINVAL, "kommun: required");

    /* 1. a resend: the stored first outcome */
    struct vx_muni_record_rec rec;
    enum vx_status rc = st->ops->muni->record_get(st, req->kommun, req->key, &rec);
    if (rc == VX_OK) {
        if (rec.round_id != req->round_id || rec.person_id != req->person_id ||
            rec.outcome != req->outcome)
            return vx_err_set(err, VX_ECONFLICT,
                              "key: already used for another record (round %lld)",
                              (long long)rec.round_id);
        *out = rec.result;
        out->replayed = true;
        return VX_OK;
    }
    if (rc != VX_ENOTFOUND)
        return store_fail(st, rc, false, err, "record look-up");

    /* 2. the round and the resident as they are now */
    struct vx_muni_round r;
    rc = st->ops->muni->round_get(st, req->round_id, &r);
    if (rc == VX_ENOTFOUND || (rc == VX_OK && strcmp(r.kommun, req->kommun)))
        return vx_err_set(err, VX_ENOTFOUND, "no round %lld in municipality %s",
                          (long long)req->round_id, req->kommun);
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "round");
    struct vx_muni_round_resident rr;
    rc = st->ops->muni->resident_get(st, r.id, req->person_id, &rr);
    if (rc == VX_ENOTFOUND) {
        refuse(out, VX_ENOTFOUND, "not_on_round", "Personen finns inte med i rundan.",
               "The person is not on this round.");
        return VX_OK;
    }
    if (rc != VX_OK)
        return store_fail(st, rc, false, err, "round resident");
    if (r.status != VX_MUNI_ROUND_HANDED && r.status != VX_MUNI_ROUND_DONE) {
        refuse(out, VX_ECONFLICT, "not_handed_out",
               "Vaccinet är inte överlämnat för rundan ännu (regionen godkänner och lämnar ut).",
               "The vaccine has not been handed out for this round yet (the region approves "
               "and hands out).");
        return VX_OK;
    }
    vx_time given_at = req->given_at ? req->given_at : req->now;
    int64_t dose_id = 0;
    int dose_number = 0;
    if (rr.outcome != VX_MUNI_PENDING) {
        refuse(out, VX_ECONFLICT, "already_recorded",
               "Ett utfall är redan registrerat för personen i rundan.",
               "An outcome is already recorded for this person on this round.");
        return VX_OK;
    }
    if (req->outcome == VX_MUNI_VACCINATED) {
        if (r.by_outcome[VX_MUNI_VACCINATED] >= r.doses_handed) {
            char sv[200], en[200];
            snprintf(sv, sizeof sv, "Alla %d överlämnade doser är använda.", r.doses_handed);
            snprintf(en, sizeof en, "All %d doses handed out are used.", r.doses_handed);
            refuse(out, VX_ERANGE, "no_doses_left", sv, en);
            return VX_OK;
        }
        struct vx_care_env env = {
            .st = st, .cat = cat, .now = req->now, .user = req->actor, .role = req->role};
        struct vx_care_dose_in in;
        memset(&in, 0, sizeof in);
        in.person_id = req->person_id;
        snprintf(in.vaccine, sizeof in.vaccine, "%s", r.vaccine);
        snprintf(in.lot_number, sizeof in.lot_number, "%s", r.lot_number);
        snprintf(in.kommun, sizeof in.kommun, "%s", r.kommun);
        in.given_at = given_at;
        if (req->injection_site)
            snprintf(in.injection_site, sizeof in.injection_site, "%s", req->injection_site);
        struct vx_care_result cr;
        memset(&cr, 0, sizeof cr);
        rc = vx_care_record_dose(&env, &in, &dose_id, &cr);
        if (rc != VX_OK && cr.reason == VX_CARE_R_DUPLICATE)
            dose_id = adopt_dose(st, req->person_id, r.vaccine, r.kommun, given_at, &dose_number);
        else if (rc == VX_OK) {
            struct vx_dose_rec d[32];
            int n = 0;
            if (st->ops->dose_list_person(st, req->person_id, d, 32, &n) == VX_OK)
                for (int i = 0; i < n && i < 32; i++)
                    if (d[i].id == dose_id)
                        dose_number = d[i].dose_number;
        }
        if (!dose_id) {
            if (cr.reason == VX_CARE_R_STORE)
                return vx_err_set(err, VX_ESTORE, "dose: %s", cr.msg_en);
            refuse(out, rc != VX_OK ? rc : VX_EINTERNAL, cr.code ? cr.code : "care", cr.msg_sv,
                   cr.msg_en);
            return VX_OK;
        }
    }

    /* 3. mark the resident, store the key with the result, audit: one transaction */
    if ((rc = vx_store_begin(st)) != VX_OK)
        return store_fail(st, rc, false, err, "begin");
    rr.outcome = req->outcome;
    rr.dose_id = dose_id;
    snprintf(rr.recorded_by, sizeof rr.recorded_by, "%s", req->actor ? req->actor : "");
    rr.recorded_at = req->now;
    rc = st->ops->muni->resident_set(st, &rr);
    struct vx_muni_round now_r;
    if (rc == VX_OK)
        rc = st->ops->muni->round_get(st, r.id, &now_r);
    if (rc == VX_OK && now_r.by_outcome[VX_MUNI_PENDING] == 0 &&
        now_r.status == VX_MUNI_ROUND_HANDED) {
        now_r.status = VX_MUNI_ROUND_DONE;
        rc = st->ops->muni->round_update(st, &now_r);
    }
    memset(&rec, 0, sizeof rec);
    snprintf(rec.kommun, sizeof rec.kommun, "%s", req->kommun);
    snprintf(rec.key, sizeof rec.key, "%s", req->key);
    rec.round_id = r.id;
    rec.person_id = req->person_id;
    rec.outcome = req->outcome;
    rec.result.status = VX_OK;
    rec.result.dose_id = dose_id;
    rec.result.dose_number = dose_number;
    rec.result.outcome = req->outcome;
    rec.result.left = rc == VX_OK ? now_r.by_outcome[VX_MUNI_PENDING] : 0;
    rec.created_at = req->now;
    if (rc == VX_OK)
        rc = st->ops->muni->record_put(st, &rec);
    if (rc == VX_OK) {
        char what[96];
        snprintf(what, sizeof what, "round %lld: %s%s%lld", (long long)r.id,
                 vx_muni_outcome_code(req->outcome), dose_id ? ", dose " : "", (long long)dose_id);
        if (!dose_id)
            snprintf(what, sizeof what, "round %lld: %s", (long long)r.id,
                     vx_muni_outcome_code(req->outcome));
        rc = audit_person(st, req->actor, req->role, req->now, "muni.round.record", req->person_id,
                          rr.region, r.kommun, what);
    }
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK)
        return store_fail(st, rc, true, err, "record");
    *out = rec.result;
    return VX_OK;
}

/* ------------------------------------------------------------------ coverage */

struct cov_ctx {
    const struct vx_catalog *cat;
    struct vx_muni_coverage *out;
};

static int cov_row(void *p, const struct vx_muni_cov_row *r)
{
    struct cov_ctx *c = p;
    if ((unsigned)r->type >= VX_MUNI_LIST_TYPE_COUNT)
        return 0;
    c->out->residents[r->type]++;
    if (r->valid_doses > 0)
        c->out->dose1[r->type]++;
    const struct vx_product *p2 =
        r->last_vaccine[0] ? vx_catalog_find(c->cat, r->last_vaccine) : NULL;
    if (p2 && r->max_dose_number >= p2->doses)
        c->out->complete[r->type]++;
    return 0;
}

enum vx_status vx_muni_coverage_count(struct vx_store *st, const struct vx_catalog *cat,
                                      const char *kommun, vx_day today,
                                      struct vx_muni_coverage *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    struct vx_muni_list l;
    struct vx_err e2 = {0};
    enum vx_status rc = current_list(st, kommun, today, &l, &e2);
    if (rc == VX_OK) {
        out->list_id = l.id;
        struct cov_ctx c = {.cat = cat, .out = out};
        if ((rc = st->ops->muni->coverage_foreach(st, l.id, cov_row, &c)) != VX_OK)
            return store_fail(st, rc, false, err, "coverage");
    } else if (rc != VX_ENOTFOUND) {
        return vx_err_set(err, rc, "%s", e2.msg);
    }
    if ((rc = st->ops->muni->nurse_dose_count(st, kommun, &out->nurse_doses)) != VX_OK)
        return store_fail(st, rc, false, err, "nurse doses");
    return VX_OK;
}
