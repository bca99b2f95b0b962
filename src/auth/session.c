/*
 * session.c — the in-memory session store.
 *
 * A chained hash table (fixed power-of-two bucket count, FNV-1a over the id)
 * under one mutex. Sessions are small plain structs; lookups copy them out, so
 * callers never hold a pointer into the table and a concurrent logout or sweep
 * cannot pull memory from under a request. Contention is low: the critical
 * sections are a hash, a short chain walk and a memcpy.
 *
 * Expiry has two clocks: the idle timeout (reset by every lookup) and the absolute
 * lifetime from creation. An expired session found by a lookup is removed on the
 * spot; vx_session_sweep() removes the rest and runs when the store is full before
 * a new session is refused. The time is always a parameter.
 *
 * Ids are 256 bits from RAND_bytes as lower-case hex; a presented id that is not
 * exactly 64 hex characters is rejected before hashing. Id comparison uses
 * CRYPTO_memcmp so the time taken does not depend on how much of an id matched.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "vx/auth.h"

#define NBUCKETS 4096u

struct entry {
    struct entry *next;
    struct vx_session s;
};

struct vx_session_store {
    pthread_mutex_t mu;
    struct entry *buckets[NBUCKETS];
    int count;
    int idle_s, max_s, max_sessions;
};

struct vx_session_store *vx_session_store_new(const struct vx_session_opts *opts)
{
    struct vx_session_store *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    pthread_mutex_init(&ss->mu, NULL);
    ss->idle_s = opts && opts->idle_s > 0 ? opts->idle_s : VX_SESSION_IDLE_S;
    ss->max_s = opts && opts->max_s > 0 ? opts->max_s : VX_SESSION_MAX_S;
    ss->max_sessions = opts && opts->max_sessions > 0 ? opts->max_sessions : VX_SESSION_MAX_NUM;
    return ss;
}

void vx_session_store_free(struct vx_session_store *ss)
{
    if (!ss)
        return;
    for (unsigned i = 0; i < NBUCKETS; i++) {
        struct entry *e = ss->buckets[i];
        while (e) {
            struct entry *next = e->next;
            OPENSSL_cleanse(e, sizeof *e);
            free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&ss->mu);
    free(ss);
}

int vx_session_max_age(const struct vx_session_store *ss)
{
    return ss->max_s;
}

enum vx_status vx_auth_random_hex(char *out, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[VX_SESSION_ID_LEN / 2];
    if (len < VX_SESSION_ID_LEN + 1)
        return VX_EINVAL;
    if (RAND_bytes(raw, (int)sizeof raw) != 1)
        return VX_EINTERNAL;
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[VX_SESSION_ID_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return VX_OK;
}

static bool valid_id(const char *id)
{
    if (!id)
        return false;
    for (int i = 0; i < VX_SESSION_ID_LEN; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return id[VX_SESSION_ID_LEN] == '\0';
}

static unsigned bucket_of(const char *id)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < VX_SESSION_ID_LEN; i++)
        h = (h ^ (unsigned char)id[i]) * 16777619u;
    return h & (NBUCKETS - 1);
}

static bool expired(const struct vx_session_store *ss, const struct vx_session *s, vx_time now)
{
    return now - s->last_seen >= ss->idle_s || now - s->created >= ss->max_s || now < s->created;
}

/* Unlink and free *pp; caller holds the mutex. */
static void drop(struct vx_session_store *ss, struct entry **pp)
{
    struct entry *e = *pp;
    *pp = e->next;
    OPENSSL_cleanse(e, sizeof *e);
    free(e);
    ss->count--;
}

static int sweep_locked(struct vx_session_store *ss, vx_time now)
{
    int removed = 0;
    for (unsigned i = 0; i < NBUCKETS; i++) {
        struct entry **pp = &ss->buckets[i];
        while (*pp) {
            if (expired(ss, &(*pp)->s, now)) {
                drop(ss, pp);
                removed++;
            } else {
                pp = &(*pp)->next;
            }
        }
    }
    return removed;
}

enum vx_status vx_session_create(struct vx_session_store *ss, const struct vx_session *tmpl,
                                 vx_time now, struct vx_session *out)
{
    if (!tmpl || !vx_role_info(tmpl->role))
        return VX_EINVAL;
    struct entry *e = calloc(1, sizeof *e);
    if (!e)
        return VX_ENOMEM;
    e->s = *tmpl;
    e->s.created = e->s.last_seen = now;
    if (vx_auth_random_hex(e->s.id, sizeof e->s.id) != VX_OK) {
        free(e);
        return VX_EINTERNAL;
    }
    pthread_mutex_lock(&ss->mu);
    if (ss->count >= ss->max_sessions && sweep_locked(ss, now) == 0) {
        pthread_mutex_unlock(&ss->mu);
        OPENSSL_cleanse(e, sizeof *e);
        free(e);
        return VX_EBUSY;
    }
    unsigned b = bucket_of(e->s.id);
    e->next = ss->buckets[b];
    ss->buckets[b] = e;
    ss->count++;
    *out = e->s;
    pthread_mutex_unlock(&ss->mu);
    return VX_OK;
}

/* Find the entry slot of `id`; caller holds the mutex. */
static struct entry **find(struct vx_session_store *ss, const char *id)
{
    struct entry **pp = &ss->buckets[bucket_of(id)];
    for (; *pp; pp = &(*pp)->next)
        if (!CRYPTO_memcmp((*pp)->s.id, id, VX_SESSION_ID_LEN))
            return pp;
    return NULL;
}

enum vx_status vx_session_lookup(struct vx_session_store *ss, const char *id, vx_time now,
                                 struct vx_session *out)
{
    if (!valid_id(id))
        return VX_ENOTFOUND;
    enum vx_status st = VX_ENOTFOUND;
    pthread_mutex_lock(&ss->mu);
    struct entry **pp = find(ss, id);
    if (pp && expired(ss, &(*pp)->s, now)) {
        drop(ss, pp);
    } else if (pp) {
        (*pp)->s.last_seen = now;
        *out = (*pp)->s;
        st = VX_OK;
    }
    pthread_mutex_unlock(&ss->mu);
    return st;
}

enum vx_status vx_session_delete(struct vx_session_store *ss, const char *id)
{
    if (!valid_id(id))
        return VX_ENOTFOUND;
    enum vx_status st = VX_ENOTFOUND;
    pthread_mutex_lock(&ss->mu);
    struct entry **pp = find(ss, id);
    if (pp) {
        drop(ss, pp);
        st = VX_OK;
    }
    pthread_mutex_unlock(&ss->mu);
    return st;
}

int vx_session_sweep(struct vx_session_store *ss, vx_time now)
{
    pthread_mutex_lock(&ss->mu);
    int n = sweep_locked(ss, now);
    pthread_mutex_unlock(&ss->mu);
    return n;
}

int vx_session_count(struct vx_session_store *ss)
{
    pthread_mutex_lock(&ss->mu);
    int n = ss->count;
    pthread_mutex_unlock(&ss->mu);
    return n;
}
