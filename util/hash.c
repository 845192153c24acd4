/*
 * hash.c -- content hashes (SHA-256 through nettle) and fast XXH3 hashes
 * (libxxhash): 128-bit for change detection, 64-bit for in-memory tables.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- string -> index tables ---------------------------------------------- */

struct mm_strmap {
    struct strmap_slot {
        const char *key; /* borrowed; NULL = empty */
        size_t len;
        uint64_t hash;
        size_t value;
    } *slots;
    size_t cap, n; /* cap: a power of two, at most half full */
};

mm_rc mm_strmap_new(struct mm_strmap **out) {
    struct mm_strmap *m = calloc(1, sizeof *m);
    if (m == NULL || (m->slots = calloc(16, sizeof *m->slots)) == NULL) {
        free(m);
        *out = NULL;
        return MM_ENOMEM;
    }
    m->cap = 16;
    *out = m;
    return MM_OK;
}

void mm_strmap_free(struct mm_strmap *m) {
    if (m == NULL)
        return;
    free(m->slots);
    free(m);
}

static struct strmap_slot *strmap_find(const struct mm_strmap *m, const char *key, size_t len, uint64_t h) {
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct strmap_slot *s = &m->slots[i];
        if (s->key == NULL || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

mm_rc mm_strmap_add(struct mm_strmap *m, const char *key, size_t len, size_t value) {
    if (2 * (m->n + 1) > m->cap) {
        struct mm_strmap bigger = {calloc(2 * m->cap, sizeof *m->slots), 2 * m->cap, 0};
        if (bigger.slots == NULL)
            return MM_ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                *strmap_find(&bigger, m->slots[i].key, m->slots[i].len, m->slots[i].hash) = m->slots[i];
        free(m->slots);
        m->slots = bigger.slots;
        m->cap = bigger.cap;
    }
    uint64_t h = mm_hash64(key, len, 0);
    struct strmap_slot *s = strmap_find(m, key, len, h);
    if (s->key == NULL) { /* the first value of a key stays */
        *s = (struct strmap_slot){key, len, h, value};
        m->n++;
    }
    return MM_OK;
}

size_t mm_strmap_get(const struct mm_strmap *m, const char *key, size_t len) {
    const struct strmap_slot *s = strmap_find(m, key, len, mm_hash64(key, len, 0));
    return s->key ? s->value : SIZE_MAX;
}

size_t mm_strmap_get_domain(const struct mm_strmap *m, const char *host) {
    size_t best = SIZE_MAX, hl = strlen(host);
    for (const char *p = host; p; p = strchr(p, '.'), p = p ? p + 1 : NULL) {
        size_t v = mm_strmap_get(m, p, hl - (size_t)(p - host));
        if (v < best)
            best = v;
    }
    return best;
}
