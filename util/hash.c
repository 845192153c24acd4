/*
 * hash.c -- content hashes (SHA-256 through nettle) and fast XXH3 hashes
 * (libxxhash): 128-bit for change detection, 64-bit for in-memory tables.
 */
#include "util.h"

#include <nettle/sha2.h>
#include <xxhash.h>

/* n bytes as 2n lowercase hex digits plus NUL. */
static void to_hex(const uint8_t *d, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void mm_sha256_hex(const void *p, size_t n, char out[65]) {
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, n, p);
    sha256_digest(&ctx, sizeof digest, digest);
    to_hex(digest, sizeof digest, out);
}

void mm_hash128_hex(const void *p, size_t n, char out[33]) {
    XXH128_canonical_t c; /* big-endian: the hex reads as XXH128's own */
    XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
    to_hex(c.digest, sizeof c.digest, out);
}

uint64_t mm_hash64(const void *p, size_t n, uint64_t seed) {
    return XXH3_64bits_withSeed(p, n, seed);
}
