/*
 * rng.c -- the export stage's seeded random numbers: xoshiro256** seeded
 * through splitmix64 (Blackman & Vigna, "Scrambled linear pseudorandom
 * number generators", 2018). Every chunk of documents gets its own stream,
 * so shards depend only on the database, the seed and the parameters.
 */
#include "export_int.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void export_rng_seed(struct export_rng *r, uint64_t seed, uint64_t stream) {
    /* Mix the stream number in with a second splitmix64 pass so nearby
     * (seed, stream) pairs give unrelated states. */
    uint64_t x = seed;
    uint64_t y = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ull + 0x2545f4914f6cdd1dull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&y);
}

uint64_t export_rng_next(struct export_rng *r) {
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

double export_rng_random(struct export_rng *r) {
    /* 53 random bits, like Python's random(): uniform on [0, 1). */
    return (double)(export_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t export_rng_below(struct export_rng *r, uint64_t n) {
    /* Rejection sampling keeps the result exactly uniform. */
    if (n <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = export_rng_next(r);
    while (x >= limit);
    return x % n;
}

int64_t export_rng_randint(struct export_rng *r, int64_t a, int64_t b) {
    return a + (int64_t)export_rng_below(r, (uint64_t)(b - a) + 1);
}

void export_rng_shuffle_u32(struct export_rng *r, uint32_t *v, size_t n) {
    /* Fisher-Yates from the end, as Python's shuffle() does. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)export_rng_below(r, i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
