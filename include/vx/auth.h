/*
 * auth.h — roles, sessions, central authorisation and the person-data audit.
 *
 * Roles. Every user acts in exactly one role (`enum vx_role`) with a scope: a
 * citizen sees only their own person, a call-centre agent or regional coordinator
 * one region, a site coordinator or vaccinator one site, a municipal role one
 * municipality, national oversight everything in aggregate and an auditor only the
 * audit log. The table behind vx_role_info() is the single source for role codes,
 * names (sv/en), scopes and docs/auth.md.
 *
 * Authorisation is deny-by-default: every HTTP route lists the roles that may call
 * it as a bit set (`VX_ROLE_BIT(r)`, or the special VX_ROLES_PUBLIC for routes that
 * need no session), and vx_auth_route_allows() is checked centrally by the HTTP
 * layer before the handler runs. Scope checks inside a handler (is this person in
 * my region?) use vx_auth_scope_allows().
 *
 * Sessions live in memory (`struct vx_session_store`: a hash table under one mutex)
 * with an idle timeout and an absolute lifetime. Ids are 256 random bits from
 * OpenSSL's RAND_bytes, as 64 hex characters; they travel in the `vx_session`
 * cookie only. Lookups hand out copies, so a session deleted by another thread
 * never leaves a dangling pointer behind. Functions that need the time take it as a
 * parameter (tests drive expiry without sleeping).
 *
 * Audit. Every read or write of a person's data by a handler goes through
 * vx_audit_person(): one audit row naming the actor, the role, the action and
 * "person:<store id>" — never a personnummer.
 */
#ifndef VX_AUTH_H
#define VX_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/date.h"
#include "vx/status.h"

struct vx_store;
struct vx_person_rec;

/* ------------------------------------------------------------------ roles */

enum vx_role {
    VX_ROLE_NONE = 0,     /* no session */
    VX_ROLE_CITIZEN,      /* a person acting for themself */
    VX_ROLE_CALLCENTRE,   /* call-centre agent booking on behalf of a caller */
    VX_ROLE_VACCINATOR,   /* regional vaccinator at one site */
    VX_ROLE_SITE_COORD,   /* site coordinator */
    VX_ROLE_REGION_COORD, /* regional coordinator */
    VX_ROLE_MUNI_NURSE,   /* municipal nurse (SÄBO, home care, LSS) */
    VX_ROLE_MUNI_COORD,   /* municipal coordinator */
    VX_ROLE_NATIONAL,     /* national oversight: aggregates only */
    VX_ROLE_AUDITOR,      /* reads the audit log */
    VX_ROLE_COUNT
};

/* What part of the world a role's session is bound to. */
enum vx_scope {
    VX_SCOPE_NONE = 0, /* no person data at all (national, auditor) */
    VX_SCOPE_SELF,     /* the session's own person */
    VX_SCOPE_REGION,   /* persons and sites of session.region */
    VX_SCOPE_SITE,     /* session.site (and its region for look-ups) */
    VX_SCOPE_KOMMUN    /* residents of session.kommun */
};

#define VX_ROLE_BIT(r) (1u << (unsigned)(r))
/* Special bit: the route needs no session at all (health, metrics, login). */
#define VX_ROLES_PUBLIC (1u << 31)
/* Every signed-in role. */
#define VX_ROLES_ANY (((1u << VX_ROLE_COUNT) - 1u) & ~1u)
/* Every role except citizen. */
#define VX_ROLES_STAFF (VX_ROLES_ANY & ~VX_ROLE_BIT(VX_ROLE_CITIZEN))

/* One row of the role table (static storage). */
struct vx_role_info {
    enum vx_role role;
    const char *code;    /* "callcentre" — used in JSON, cookies of tests, docs */
    const char *name_sv; /* "Samtalsagent (vårdupplysning)" */
    const char *name_en; /* "Call-centre agent" */
    enum vx_scope scope; /* what the session is bound to */
    bool person_data;    /* may read individual person data (always audited) */
};

/* The row of `r`, or NULL for VX_ROLE_NONE / out of range. Static storage. */
const struct vx_role_info *vx_role_info(enum vx_role r);
/* Role code ("citizen", ...) or "none". Static storage, never NULL. */
const char *vx_role_code(enum vx_role r);
/* Parse a role code; VX_EINVAL when unknown (and for "none"). */
enum vx_status vx_role_parse(const char *code, enum vx_role *out);
/* "citizen, callcentre" style list of the roles in `mask` into buf (always
 * NUL-terminated; "public" for VX_ROLES_PUBLIC). Returns buf. */
char *vx_roles_format(uint32_t mask, char *buf, size_t len);

/* --------------------------------------------------------------- sessions */

#define VX_SESSION_ID_LEN  64 /* hex characters (256 bits) */
#define VX_SESSION_COOKIE  "vx_session"
#define VX_SESSION_IDLE_S  (30 * 60)      /* default idle timeout */
#define VX_SESSION_MAX_S   (12 * 60 * 60) /* default absolute lifetime */
#define VX_SESSION_MAX_NUM 100000         /* default most live sessions */

/*
 * A signed-in user. Plain data: copied in and out of the store. `person_norm`
 * (citizens only) is the normalised personnummer used to load the person; it is
 * kept in memory only and must never be logged, audited or sent to a client.
 */
struct vx_session {
    char id[VX_SESSION_ID_LEN + 1];
    enum vx_role role;
    char user[64];     /* staff user id ("agent1"); citizens: "person:<id>" */
    char region[3];    /* region of the scope ("" for national/auditor) */
    char site[32];     /* site code for site-scoped roles, else "" */
    char kommun[5];    /* municipality for municipal roles, else "" */
    int64_t person_id; /* citizens: the store id of their person, else 0 */
    char person_norm[13];
    char display_name[130]; /* "Given Family" or the staff user id */
    vx_time created, last_seen;
};

struct vx_session_store;

struct vx_session_opts {
    int idle_s;       /* 0 = VX_SESSION_IDLE_S */
    int max_s;        /* 0 = VX_SESSION_MAX_S */
    int max_sessions; /* 0 = VX_SESSION_MAX_NUM; creating one more evicts expired ones
                         first and fails with VX_EBUSY if none are */
};

/* A new, empty session store owned by the caller (free with vx_session_store_free);
 * `opts` may be NULL for defaults. NULL on allocation failure. */
struct vx_session_store *vx_session_store_new(const struct vx_session_opts *opts);
/* Free the store and every session in it. NULL is fine. */
void vx_session_store_free(struct vx_session_store *ss);

/*
 * Create a session from the template `tmpl` (borrowed; its id and times are
 * ignored) at time `now`. A fresh random id is drawn; the full session is copied to
 * *out. Returns VX_OK, VX_EINVAL for a template without a role, VX_EBUSY when the
 * store is full of live sessions, VX_EINTERNAL when the random generator fails.
 * Thread-safe.
 */
enum vx_status vx_session_create(struct vx_session_store *ss, const struct vx_session *tmpl,
                                 vx_time now, struct vx_session *out);
/*
 * Find the live session with id `id` (borrowed, may be NULL or malformed) at time
 * `now`: copies it to *out and refreshes its idle timer. An expired session is
 * removed. Returns VX_OK or VX_ENOTFOUND. Thread-safe.
 */
enum vx_status vx_session_lookup(struct vx_session_store *ss, const char *id, vx_time now,
                                 struct vx_session *out);
/* Remove the session `id`; VX_ENOTFOUND if there is none. Thread-safe. */
enum vx_status vx_session_delete(struct vx_session_store *ss, const char *id);
/* Remove every expired session; returns how many were removed. Thread-safe. */
int vx_session_sweep(struct vx_session_store *ss, vx_time now);
/* Number of sessions held (live or not yet swept). Thread-safe. */
int vx_session_count(struct vx_session_store *ss);
/* Seconds a session lives at most (for the cookie's Max-Age). */
int vx_session_max_age(const struct vx_session_store *ss);

/*
 * Fill `out` (at least VX_SESSION_ID_LEN + 1 bytes) with 64 hex characters of
 * cryptographically random data. VX_EINTERNAL when RAND_bytes fails.
 */
enum vx_status vx_auth_random_hex(char *out, size_t len);

/* ----------------------------------------------------------- authorisation */

/*
 * The central check: may session `s` (NULL = not signed in) call a route whose role
 * set is `roles`? Returns VX_OK, VX_ENOTFOUND when a session is needed but there is
 * none (HTTP 401), VX_EDENIED when the session's role is not in the set (HTTP 403).
 * A route with an empty set is closed to everybody (deny by default).
 */
enum vx_status vx_auth_route_allows(uint32_t roles, const struct vx_session *s);

/*
 * Scope check for handlers: may `s` see data of a person or site in `region` /
 * `kommun` / `site` (each may be NULL or "" when unknown)? Citizens need
 * `person_id` to be their own; region roles need the region to match; site roles
 * the site (or, when no site is given, the region); municipal roles the
 * municipality; roles without person data never. Returns true when allowed.
 */
bool vx_auth_scope_allows(const struct vx_session *s, int64_t person_id, const char *region,
                          const char *kommun, const char *site);

/*
 * The signed-in citizen's own person record into `out`: read by the session's
 * `person_id` (a row that no longer carries `person_norm` does not count) or else
 * by `person_norm`. VX_ENOTFOUND when the person is no longer registered (or `s`
 * is no citizen's session), another store status on failure. Does not audit:
 * the caller does, for what it shows.
 */
enum vx_status vx_auth_own_person(struct vx_store *st, const struct vx_session *s,
                                  struct vx_person_rec *out);

/* ------------------------------------------------------------------ audit */

/*
 * Write one audit row for an access to person `person_id` (store id) living in
 * `region` (may be NULL or ""), by session `s` (NULL = anonymous/system), with
 * `action` like "person.read" or "booking.create" and a short `detail` (may be
 * NULL; never a personnummer). The time is the current clock. Returns the store's
 * status; callers must not show the data when it fails.
 */
enum vx_status vx_audit_person(struct vx_store *st, const struct vx_session *s, const char *action,
                               int64_t person_id, const char *region, const char *detail);
/* An audit row about no particular person (login, logout): object is `object`. */
enum vx_status vx_audit_event(struct vx_store *st, const struct vx_session *s, const char *action,
                              const char *object, const char *detail);

#endif
