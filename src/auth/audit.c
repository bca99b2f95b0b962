/*
 * audit.c — the one way handlers record who touched a person's data.
 *
 * An audit row names the actor (staff user id, or "person:<id>" for a citizen),
 * the role, the action and the object "person:<store id>". A personnummer never
 * appears: the session's person_norm is deliberately not used here. The row is
 * written through the store's audit_append, so it lands in the same database as
 * the data; handlers must refuse to answer when the audit write fails.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "vx/auth.h"
#include "vx/store.h"

static void fill_actor(struct vx_audit_rec *a, const struct vx_session *s)
{
    if (!s) {
        snprintf(a->actor, sizeof a->actor, "anonymous");
        snprintf(a->role, sizeof a->role, "none");
        return;
    }
    snprintf(a->actor, sizeof a->actor, "%s", s->user);
    snprintf(a->role, sizeof a->role, "%s", vx_role_code(s->role));
}

enum vx_status vx_audit_event(struct vx_store *st, const struct vx_session *s, const char *action,
                              const char *object, const char *detail)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = (vx_time)time(NULL);
    fill_actor(&a, s);
    snprintf(a.action, sizeof a.action, "%s", action ? action : "");
    snprintf(a.object, sizeof a.object, "%s", object ? object : "");
    snprintf(a.region, sizeof a.region, "%s", s ? s->region : "");
    snprintf(a.detail, sizeof a.detail, "%s", detail ? detail : "");
    return st->ops->audit_append(st, &a);
}

enum vx_status vx_audit_person(struct vx_store *st, const struct vx_session *s, const char *action,
                               int64_t person_id, const char *region, const char *detail)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = (vx_time)time(NULL);
    fill_actor(&a, s);
    snprintf(a.action, sizeof a.action, "%s", action ? action : "");
    snprintf(a.object, sizeof a.object, "person:%lld", (long long)person_id);
    snprintf(a.region, sizeof a.region, "%s", region ? region : "");
    snprintf(a.detail, sizeof a.detail, "%s", detail ? detail : "");
    return st->ops->audit_append(st, &a);
}
