/*
 * minhash.c -- MinHash signatures over character n-grams and their LSH band
 * keys, as in datatrove's MinhashDedup (5-grams, 14 bands x 8 rows): two
 * documents whose shingle sets have Jaccard similarity s share at least one
 * band with probability 1 - (1 - s^8)^14 (0.5 near s = 0.72).
 */
#include <stdlib.h>
#include <string.h>

#include "text_int.h"

#define MAX_HASHES 1024

/* splitmix64: a cheap, well-mixed permutation of 64-bit values; hash
 * it derives the per-function constants. */
static uint64_t splitmix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int text_minhash_bands(const char *text, size_t len, long ngram, long bands, long rows, int64_t *out) {
    size_t nh = (size_t)(bands * rows);
    if (nh == 0 || nh > MAX_HASHES || ngram < 1 || ngram > 64) {
        memset(out, 0, (size_t)bands * sizeof *out);
        return 0;
    }
    /* hash function i: a_i * h + b_i (mod 2^64) with odd a_i, applied to
     * the well-mixed XXH3 value h of the shingle -- one multiply per
     * function instead of a full mixer */
    uint64_t sig[MAX_HASHES], mul[MAX_HASHES], add[MAX_HASHES];
    for (size_t i = 0; i < nh; i++) {
        sig[i] = UINT64_MAX;
        mul[i] = splitmix(0x6D696E68617368ull + 2 * i) | 1;
        add[i] = splitmix(0x6D696E68617368ull + 2 * i + 1);
    }
    /* byte offsets of the last `ngram` non-space code points (a ring) */
    const unsigned char *s = (const unsigned char *)text;
    size_t ring[64];
    size_t seen = 0, shingles = 0;
    char tmp[64 * 4];
    for (size_t b = 0; b < len;) {
        uint32_t c;
        int k = mm_utf8_decode(s + b, len - b, &c);
        if (k == 0)
            k = 1, c = 0xFFFD;
        if (!text_is_space(c)) {
            ring[seen % (size_t)ngram] = b | ((size_t)k << 56);
            seen++;
            if (seen >= (size_t)ngram) {
                size_t t = 0;
                for (size_t j = seen - (size_t)ngram; j < seen; j++) {
                    size_t e = ring[j % (size_t)ngram];
                    size_t off = e & ((1ull << 56) - 1), kk = e >> 56;
                    memcpy(tmp + t, s + off, kk);
                    t += kk;
                }
                uint64_t h = mm_hash64(tmp, t, 0);
                for (size_t i = 0; i < nh; i++) {
                    uint64_t v = mul[i] * h + add[i];
                    sig[i] = v < sig[i] ? v : sig[i];
                }
                shingles++;
            }
        }
        b += (size_t)k;
    }
    if (shingles == 0) {
        memset(out, 0, (size_t)bands * sizeof *out);
        return 0;
    }
    for (long bd = 0; bd < bands; bd++) {
        uint64_t key = mm_hash64(sig + bd * rows, (size_t)rows * sizeof *sig, (uint64_t)bd);
        out[bd] = (int64_t)(key & 0x7FFFFFFFFFFFFFFFull); /* SQLite INTEGER, non-negative */
    }
    return 1;
}
