/*
 * rng.c — the demo builder's PRNG: xoshiro256** (Blackman & Vigna, public domain
 * reference algorithm) seeded through splitmix64.
 *
 * Not cryptographic and not meant to be: it only has to be fast, well distributed
 * and identical on every platform, so that a seed gives byte-identical demo data.
 * Each municipality draws from its own stream, seeded from (seed, stream id), so the
 * output of one municipality does not depend on how many draws another one made.
 */
#include "demo_int.h"

uint64_t demo_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void demo_rng_seed(struct demo_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
    x = demo_splitmix64(&x) ^ seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = demo_splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1; /* the all-zero state is the one fixed point */
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t demo_rng_next(struct demo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double demo_rng_unit(struct demo_rng *r)
{
    return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}

uint32_t demo_rng_below(struct demo_rng *r, uint32_t n)
{
    return (uint32_t)(((demo_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
