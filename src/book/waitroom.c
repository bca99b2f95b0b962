/*
 * waitroom.c — ordered admission tokens signed with HMAC-SHA256 (see vx/waitroom.h).
 *
 * State is two numbers under a mutex: `issued` (the last sequence number handed
 * out) and `admitted` (a real number that grows by rate × elapsed seconds, capped
 * at issued + burst so idle time does not bank admissions). Everything a token
 * needs to be judged later travels inside it, signed: sequence number, issue time
 * and expiry. Checking a token is parsing, one HMAC and a comparison in constant
 * time — no lookup, no memory per waiting person.
 *
 * The expiry is the estimated admission time plus the ttl, so a person far back
 * in a long queue is not thrown out before their turn; a client that refreshes its
 * token (GET /api/v1/queue/{token}) sees the same token judged against the moving
 * admitted counter.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/waitroom.h"

#define KEY_LEN 32
#define MAC_B64 43 /* base64url of 32 bytes, no padding */

struct vx_waitroom {
    pthread_mutex_t mu;
    double rate, burst;
    int64_t ttl_ms;
    unsigned char key[KEY_LEN];
    uint64_t issued;
    double admitted;
    int64_t last_ms;
};

enum vx_status vx_waitroom_new(const struct vx_waitroom_opts *o, int64_t now_ms,
                               struct vx_waitroom **out)
{
    *out = NULL;
    if (isnan(o->rate) || isnan(o->burst) || o->burst < 0 || o->ttl_s < 0)
        return VX_EINVAL;
    struct vx_waitroom *w = calloc(1, sizeof *w);
    if (!w)
        return VX_ENOMEM;
    w->rate = o->rate > 0 ? o->rate : 0;
    w->burst = o->burst > 0 ? o->burst : (w->rate > 1 ? w->rate : 1);
    w->ttl_ms = (int64_t)(o->ttl_s ? o->ttl_s : VX_WAITROOM_TTL_S) * 1000;
    if (o->key) {
        memcpy(w->key, o->key, KEY_LEN);
    } else if (RAND_bytes(w->key, KEY_LEN) != 1) {
        free(w);
        return VX_EINTERNAL;
    }
    w->admitted = w->burst; /* the first arrivals walk straight in */
    w->last_ms = now_ms;
    pthread_mutex_init(&w->mu, NULL);
    *out = w;
    return VX_OK;
}

void vx_waitroom_free(struct vx_waitroom *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->mu);
    OPENSSL_cleanse(w->key, sizeof w->key);
    free(w);
}

bool vx_waitroom_active(const struct vx_waitroom *w)
{
    return w && w->rate > 0;
}

/* Advance the admitted counter to now (caller holds mu). */
static void advance(struct vx_waitroom *w, int64_t now_ms)
{
    if (now_ms > w->last_ms) {
        w->admitted += w->rate * (double)(now_ms - w->last_ms) / 1000.0;
        w->last_ms = now_ms;
    }
    double cap = (double)w->issued + w->burst;
    if (w->admitted > cap)
        w->admitted = cap;
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tab[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

/* MAC of text[0..len) + NUL + holder as base64url into mac (MAC_B64 + 1 bytes). The
 * holder is signed but not carried in the token: a token only checks for its holder. */
static bool sign(const struct vx_waitroom *w, const char *text, size_t len, const char *holder,
                 char *mac)
{
    unsigned char in[VX_WAITROOM_TOKEN_MAX + VX_WAITROOM_HOLDER_MAX + 1];
    size_t hl = holder ? strnlen(holder, VX_WAITROOM_HOLDER_MAX) : 0;
    if (len > VX_WAITROOM_TOKEN_MAX)
        return false;
    memcpy(in, text, len);
    in[len] = '\0';
    if (hl)
        memcpy(in + len + 1, holder, hl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!HMAC(EVP_sha256(), w->key, KEY_LEN, in, len + 1 + hl, md, &mdlen) || mdlen != 32)
        return false;
    b64url(md, mdlen, mac);
    return true;
}

/* Fill position/wait/admitted of t against the counter (caller holds mu). */
static void judge(const struct vx_waitroom *w, struct vx_waitroom_ticket *t)
{
    uint64_t adm = (uint64_t)floor(w->admitted);
    t->admitted = w->rate <= 0 || t->seq <= adm;
    t->position = t->admitted ? 0 : t->seq - adm;
    t->wait_s = t->admitted ? 0 : (double)t->position / w->rate;
}

enum vx_status vx_waitroom_issue(struct vx_waitroom *w, const char *holder, int64_t now_ms,
                                 struct vx_waitroom_ticket *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&w->mu);
    advance(w, now_ms);
    out->seq = ++w->issued;
    judge(w, out);
    pthread_mutex_unlock(&w->mu);
    out->issued_ms = now_ms;
    out->expires_ms = now_ms + (int64_t)ceil(out->wait_s * 1000.0) + w->ttl_ms;
    int n =
        snprintf(out->token, sizeof out->token, "1.%llu.%lld.%lld.", (unsigned long long)out->seq,
                 (long long)out->issued_ms, (long long)out->expires_ms);
    if (n < 0 || (size_t)n + MAC_B64 + 1 > sizeof out->token ||
        !sign(w, out->token, (size_t)n, holder, out->token + n)) {
        memset(out->token, 0, sizeof out->token);
        return VX_EINTERNAL;
    }
    return VX_OK;
}

/* Parse an unsigned decimal of 1..19 digits ending at '.'; advances *p past the dot. */
static bool number(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9' && n < 19) {
        x = x * 10 + (uint64_t)(*s - '0');
        s++;
        n++;
    }
    if (n == 0 || *s != '.' || (n > 1 && **p == '0'))
        return false;
    *v = x;
    *p = s + 1;
    return true;
}

enum vx_status vx_waitroom_check(struct vx_waitroom *w, const char *token, const char *holder,
                                 int64_t now_ms, struct vx_waitroom_ticket *out)
{
    memset(out, 0, sizeof *out);
    if (!token)
        return VX_EINVAL;
    size_t len = strnlen(token, VX_WAITROOM_TOKEN_MAX);
    if (len >= VX_WAITROOM_TOKEN_MAX || strncmp(token, "1.", 2))
        return VX_EINVAL;
    const char *p = token + 2;
    uint64_t seq, issued, expires;
    if (!number(&p, &seq) || !number(&p, &issued) || !number(&p, &expires))
        return VX_EINVAL;
    size_t signed_len = (size_t)(p - token);
    if (len - signed_len != MAC_B64)
        return VX_EINVAL;
    char mac[MAC_B64 + 1];
    if (!sign(w, token, signed_len, holder, mac))
        return VX_EINTERNAL;
    if (CRYPTO_memcmp(mac, p, MAC_B64) != 0)
        return VX_EINVAL;
    memcpy(out->token, token, len + 1);
    out->seq = seq;
    out->issued_ms = (int64_t)issued;
    out->expires_ms = (int64_t)expires;
    if (now_ms > out->expires_ms)
        return VX_ERANGE;
    pthread_mutex_lock(&w->mu);
    advance(w, now_ms);
    judge(w, out);
    pthread_mutex_unlock(&w->mu);
    return VX_OK;
}

void vx_waitroom_stats(struct vx_waitroom *w, int64_t now_ms, struct vx_waitroom_stats *out)
{
    pthread_mutex_lock(&w->mu);
    advance(w, now_ms);
    out->issued = w->issued;
    out->admitted = (uint64_t)floor(w->admitted);
    out->waiting = out->issued > out->admitted ? out->issued - out->admitted : 0;
    out->rate = w->rate;
    pthread_mutex_unlock(&w->mu);
}
