/*
 * hash.c -- content hashes (SHA-256 through nettle) and a fast 64-bit hash
 * (XXH3 through libxxhash) for in-memory tables.
 */
#include "util.h"

#include <nettle/sha2.h>
#include <xxhash.h>

void mm_sha256_hex(const void *p, size_t n, char out[65]) {
    static const char hex[] = "0123456789abcdef";
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, n, p);
    sha256_digest(&ctx, sizeof digest, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

uint64_t mm_hash64(const void *p, size_t n, uint64_t seed) {
    return XXH3_64bits_withSeed(p, n, seed);
}
