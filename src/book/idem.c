/*
 * idem.c — which persons may have a stored Idempotency-Key outcome.
 *
 * A request with an Idempotency-Key is first looked up (st->ops->book_request_get:
 * the booking_requests row of the key, else the bookings rows that carry it), so that
 * a retry gets the first answer again. In a cohort opening almost every request is
 * a person's first, and both look-ups miss. This Bloom filter over person ids holds
 * every person with a keyed row (loaded from the store when the engine opens, added
 * to by the writer whenever it writes one); a person not in it has none, and the
 * writer skips the look-ups. A false positive costs the look-ups, nothing else; a
 * person added by a batch that then rolls back stays in it (a false positive too).
 *
 * Only the writer thread uses it after the engine has opened: no lock. The bit
 * array is sized when the engine opens (16 bits per person in the register, at
 * least 2^23, at most 2^31); were it to fill up, more look-ups would run, never
 * fewer. One engine per database: keyed rows written by another process are not
 * seen (neither are its capacity changes, see engine.c).
 */
#include <stdlib.h>
#include "book_int.h"

#define IDEM_BITS_MIN_LOG2 23 /* 1 MiB */
#define IDEM_BITS_MAX_LOG2 31 /* 256 MiB */
#define IDEM_HASHES        4

/* splitmix64's finaliser: a well-mixed 64-bit hash of a person id */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static enum vx_status idem_init(struct vx_book_engine *e, int64_t persons)
{
    int log2 = IDEM_BITS_MIN_LOG2;
    while (log2 < IDEM_BITS_MAX_LOG2 && ((uint64_t)1 << log2) < (uint64_t)persons * 16)
        log2++;
    e->idem_bits = calloc(((size_t)1 << log2) / 64, sizeof *e->idem_bits);
    if (!e->idem_bits)
        return VX_ENOMEM;
    e->idem_mask = ((uint64_t)1 << log2) - 1;
    return VX_OK;
}

void bk_idem_free(struct vx_book_engine *e)
{
    free(e->idem_bits);
    e->idem_bits = NULL;
}

/* Bit i of the k hashes of `id` (double hashing: h1 + i * h2). */
#define IDEM_BIT(h1, h2, i, mask) (((h1) + (uint64_t)(i) * (h2)) & (mask))

void bk_idem_add(struct vx_book_engine *e, int64_t person_id)
{
    uint64_t h = mix((uint64_t)person_id), h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
    for (int i = 0; i < IDEM_HASHES; i++) {
        uint64_t b = IDEM_BIT(h1, h2, i, e->idem_mask);
        e->idem_bits[b / 64] |= (uint64_t)1 << (b % 64);
    }
}

bool bk_idem_maybe(const struct vx_book_engine *e, int64_t person_id)
{
    uint64_t h = mix((uint64_t)person_id), h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
    for (int i = 0; i < IDEM_HASHES; i++) {
        uint64_t b = IDEM_BIT(h1, h2, i, e->idem_mask);
        if (!(e->idem_bits[b / 64] & ((uint64_t)1 << (b % 64))))
            return false;
    }
    return true;
}

static int load_cb(void *ctx, int64_t person_id)
{
    bk_idem_add(ctx, person_id);
    return 0;
}

enum vx_status bk_idem_load(struct vx_book_engine *e)
{
    int64_t persons = e->st->ops->count(e->st, "persons");
    enum vx_status rc = idem_init(e, persons > 0 ? persons : 0);
    if (rc == VX_OK)
        rc = e->st->ops->idem_person_foreach(e->st, load_cb, e);
    return rc;
}
