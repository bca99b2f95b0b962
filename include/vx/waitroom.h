/*
 * waitroom.h — the waiting room: ordered, signed admission tokens at a fixed rate.
 *
 * When a cohort opens, far more people arrive in the first minute than the booking
 * writer should see at once. The waiting room turns the arrival storm into a steady
 * stream: every arrival draws a token with the next sequence number, and an
 * "admitted" counter advances at the configured rate (admissions per second). A
 * token is admitted once its sequence number is at most that counter; booking
 * requires an admitted token. Position = sequence − admitted; the estimated wait
 * is position ÷ rate.
 *
 * So that a quiet server does not make anybody wait, the counter may run ahead of
 * the tokens issued by at most `burst` (default: one second's worth): outside a
 * storm a new token is admitted at once, and after an idle hour the next storm
 * still meets only the configured rate.
 *
 * Tokens are stateless: "1.<seq>.<issued_ms>.<expires_ms>.<mac>" where mac is the
 * base64url HMAC-SHA256 of the text before it under a key drawn at random when the
 * waiting room is created (a server restart invalidates every token). Nothing is
 * stored per token, so the room costs the same for a million arrivals as for ten.
 * A token expires at its expiry time (issue + estimated wait + ttl).
 *
 * Thread-safe (one mutex around two counters). Time is a parameter (milliseconds
 * since the epoch) so tests drive it without sleeping.
 */
#ifndef VX_WAITROOM_H
#define VX_WAITROOM_H

#include <stdbool.h>
#include <stdint.h>
#include "vx/status.h"

#define VX_WAITROOM_TOKEN_MAX  128 /* bytes of a token including the NUL */
#define VX_WAITROOM_HOLDER_MAX 64  /* bytes of a holder id that count */
#define VX_WAITROOM_TTL_S      1800

struct vx_waitroom;

struct vx_waitroom_opts {
    double rate;              /* admissions per second; <= 0: the room is off */
    int ttl_s;                /* lifetime of a token after its estimated admission; 0 = 1800 */
    double burst;             /* admissions the counter may run ahead; 0 = max(1, rate) */
    const unsigned char *key; /* 32-byte HMAC key (tests); NULL = random (OpenSSL) */
};

/* A token and what it says, as handed to a client. */
struct vx_waitroom_ticket {
    char token[VX_WAITROOM_TOKEN_MAX];
    uint64_t seq;
    int64_t issued_ms, expires_ms;
    uint64_t position; /* tokens ahead of this one still waiting (0 when admitted) */
    double wait_s;     /* estimated seconds until admission (0 when admitted) */
    bool admitted;
};

struct vx_waitroom_stats {
    uint64_t issued;   /* tokens handed out */
    uint64_t admitted; /* the admitted counter (may exceed issued by the burst) */
    uint64_t waiting;  /* issued tokens not yet admitted */
    double rate;
};

/*
 * Create a waiting room (owned by the caller, vx_waitroom_free) from `o` (borrowed;
 * the key is copied) at time `now_ms`. Returns VX_OK, VX_EINVAL for a NaN/negative
 * burst or ttl, VX_EINTERNAL when the random generator fails, VX_ENOMEM.
 */
enum vx_status vx_waitroom_new(const struct vx_waitroom_opts *o, int64_t now_ms,
                               struct vx_waitroom **out);
/* Free the room. NULL is fine. */
void vx_waitroom_free(struct vx_waitroom *w);
/* True when the room is on (rate > 0). */
bool vx_waitroom_active(const struct vx_waitroom *w);

/* Issue the next token at `now_ms` into *out (caller-owned) for `holder` (borrowed; the
 * session's user, "" or NULL for none): the holder is signed into the MAC, not carried
 * in the token, so a token passed to someone else does not check. VX_OK or
 * VX_EINTERNAL (HMAC failure). */
enum vx_status vx_waitroom_issue(struct vx_waitroom *w, const char *holder, int64_t now_ms,
                                 struct vx_waitroom_ticket *out);

/*
 * Check `token` (borrowed, untrusted) held by `holder` at `now_ms`: on VX_OK *out
 * describes it (admitted or position and wait). VX_EINVAL: malformed or the
 * signature does not match (another server, a forged or edited token, or another
 * holder than the one it was issued to); VX_ERANGE: expired. *out is filled as far
 * as the token could be read.
 */
enum vx_status vx_waitroom_check(struct vx_waitroom *w, const char *token, const char *holder,
                                 int64_t now_ms, struct vx_waitroom_ticket *out);

/* Counters at `now_ms` (advances the admitted counter first). */
void vx_waitroom_stats(struct vx_waitroom *w, int64_t now_ms, struct vx_waitroom_stats *out);

#endif
