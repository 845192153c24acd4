/*
 * test_body.c -- content decoding (crawler/body.c) against independent
 * encoders: zlib (gzip, zlib, raw deflate), libbrotlienc (br) and libzstd
 * (zstd). Checks: round trips, multi-member gzip, truncated streams, the cap
 * on decoded bytes (compression bombs), and that the stored zlib form of a
 * gzip body (its deflate data re-wrapped) inflates to the same bytes. gzip
 * and deflate take libdeflate when the body is one clean stream and zlib's
 * streaming inflate otherwise (z_init tells which ran): both are checked.
 */
#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "crawler_int.h"
#include "test.h"

static char *sample(size_t *n) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    for (int i = 0; i < 3000; i++)
        mm_buf_printf(&b, "<p>%d번째 문단입니다. 한국어 본문이 이어집니다.</p>\n", i);
    *n = b.len;
    return mm_buf_steal(&b);
}

/* p[0..n) compressed with window bits `wbits` (zlib, raw or 16+ gzip);
 * `h`, for gzip, sets the header's file name and CRC flag. */
static unsigned char *zenc_header(const char *p, size_t n, int wbits, gz_header *h, size_t *out_n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
    if (h)
        deflateSetHeader(&z, h);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *o = malloc(cap);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

static unsigned char *zenc(const char *p, size_t n, int wbits, size_t *out_n) {
    return zenc_header(p, n, wbits, NULL, out_n);
}

/* Feed in chunks of `step` bytes, as libcurl hands them over, then finish as
 * crawl.c does (gzip and deflate are decoded there, from all the bytes):
 * 0 complete, 1 not complete, -1 error. */
static int decode_ex(int enc, const unsigned char *p, size_t n, size_t step, size_t max, int partial,
                     struct mm_buf *out, struct crawl_body *d) {
    crawl_body_init(d, enc, max, out);
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        if (crawl_body_feed(d, p + i, k) != 0)
            return -1;
    }
    if (crawl_body_finish(d, p, n, partial) != 0)
        return -1;
    return crawl_body_complete(d) ? 0 : 1;
}

static int decode(int enc, const unsigned char *p, size_t n, size_t step, size_t max, struct mm_buf *out,
                  struct crawl_body *d) {
    return decode_ex(enc, p, n, step, max, 0, out, d);
}

static void check_roundtrip(const char *name, int enc, const unsigned char *coded, size_t cn, const char *plain,
                            size_t pn) {
    size_t steps[] = {1, 7, 1000, 1 << 20};
    for (size_t s = 0; s < 4; s++) {
        struct mm_buf out;
        mm_buf_init(&out, 0);
        struct crawl_body d;
        int r = decode(enc, coded, cn, steps[s], 1 << 24, &out, &d);
        if (r != 0 || out.len != pn || memcmp(out.data, plain, pn) != 0) {
            fprintf(stderr, "%s, chunks of %zu: r=%d len=%zu want %zu\n", name, steps[s], r, out.len, pn);
            CHECK(0);
        }
        if (s == 2) { /* stored form inflates back to the same bytes */
            unsigned char *z;
            size_t zn;
            CHECK_INT(crawl_body_zlib(&d, coded, cn, &z, &zn), MM_OK);
            uLongf un = (uLongf)pn + 16;
            char *u = malloc(un);
            CHECK_INT(uncompress((Bytef *)u, &un, z, (uLong)zn), Z_OK);
            CHECK(un == pn && memcmp(u, plain, pn) == 0);
            if (enc == CRAWL_ENC_GZIP) /* re-wrapped, not recompressed */
                CHECK_INT(zn, cn - 18 + 6);
            free(u);
            free(z);
        }
        crawl_body_free(&d);
        mm_buf_free(&out);
    }
}

static void test_codings(void) {
    size_t pn, cn;
    char *plain = sample(&pn);
    unsigned char *c = zenc(plain, pn, 16 + MAX_WBITS, &cn);
    check_roundtrip("gzip", CRAWL_ENC_GZIP, c, cn, plain, pn);
    free(c);
    c = zenc(plain, pn, MAX_WBITS, &cn);
    check_roundtrip("deflate (zlib)", CRAWL_ENC_DEFLATE, c, cn, plain, pn);
    free(c);
    c = zenc(plain, pn, -MAX_WBITS, &cn);
    check_roundtrip("deflate (raw)", CRAWL_ENC_DEFLATE, c, cn, plain, pn);
    free(c);
    size_t bn = BrotliEncoderMaxCompressedSize(pn);
    c = malloc(bn);
    CHECK(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, pn, (const uint8_t *)plain, &bn, c));
    check_roundtrip("br", CRAWL_ENC_BR, c, bn, plain, pn);
    free(c);
    size_t zb = ZSTD_compressBound(pn);
    c = malloc(zb);
    zb = ZSTD_compress(c, zb, plain, pn, 3);
    CHECK(!ZSTD_isError(zb));
    check_roundtrip("zstd", CRAWL_ENC_ZSTD, c, zb, plain, pn);
    free(c);
    check_roundtrip("identity", CRAWL_ENC_IDENTITY, (const unsigned char *)plain, pn, plain, pn);
    free(plain);
}

static void test_multi_member_and_truncation(void) {
    size_t pn, n1, n2;
    char *plain = sample(&pn);
    unsigned char *a = zenc(plain, pn / 2, 16 + MAX_WBITS, &n1);
    unsigned char *b = zenc(plain + pn / 2, pn - pn / 2, 16 + MAX_WBITS, &n2);
    unsigned char *both = malloc(n1 + n2);
    memcpy(both, a, n1);
    memcpy(both + n1, b, n2);
    struct mm_buf out;
    mm_buf_init(&out, 0);
    struct crawl_body d;
    CHECK_INT(decode(CRAWL_ENC_GZIP, both, n1 + n2, 999, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0);
    CHECK(d.z_init && d.trailing); /* two members: zlib's streaming inflate */
    unsigned char *z;
    size_t zn;
    CHECK_INT(crawl_body_zlib(&d, both, n1 + n2, &z, &zn), MM_OK); /* recompressed: two members */
    uLongf un = (uLongf)pn;
    char *u = malloc(un);
    CHECK_INT(uncompress((Bytef *)u, &un, z, (uLong)zn), Z_OK);
    CHECK(un == pn && memcmp(u, plain, pn) == 0);
    free(u);
    free(z);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    /* cut in the middle: not complete */
    CHECK_INT(decode(CRAWL_ENC_GZIP, a, n1 / 2, 512, 1 << 24, &out, &d), 1);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    /* cut inside the trailer (the last bytes then are no ISIZE): not complete */
    CHECK_INT(decode(CRAWL_ENC_GZIP, a, n1 - 3, 4096, 1 << 24, &out, &d), 1);
    CHECK(out.len == pn / 2 && memcmp(out.data, plain, pn / 2) == 0);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    /* a bad CRC-32 or ISIZE: an error, from either decoder */
    a[n1 - 5] ^= 1;
    CHECK_INT(decode(CRAWL_ENC_GZIP, a, n1, 4096, 1 << 24, &out, &d), -1);
    CHECK(!d.too_big);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    a[n1 - 5] ^= 1;
    a[n1 - 4] ^= 1;
    CHECK_INT(decode(CRAWL_ENC_GZIP, a, n1, 4096, 1 << 24, &out, &d), -1);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    a[n1 - 4] ^= 1;
    /* garbage */
    unsigned char junk[64];
    memset(junk, 'x', sizeof junk);
    CHECK_INT(decode(CRAWL_ENC_GZIP, junk, sizeof junk, 64, 1 << 24, &out, &d), -1);
    crawl_body_free(&d);
    mm_buf_free(&out);
    free(a);
    free(b);
    free(both);
    free(plain);
}

static void test_bombs(void) {
    size_t big = 32u << 20, cn;
    char *zeros = calloc(1, big);
    unsigned char *c = zenc(zeros, big, 16 + MAX_WBITS, &cn);
    struct mm_buf out;
    mm_buf_init(&out, 0);
    struct crawl_body d;
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 20, &out, &d), -1);
    CHECK(d.too_big);
    CHECK(out.len <= (1u << 20) && out.len > 0 && out.data[0] == 0); /* the prefix that fit */
    CHECK(out.cap <= (2u << 20)); /* never sized by the bomb: at most the cap, rounded up */
    crawl_body_free(&d);
    mm_buf_free(&out);
    mm_buf_init(&out, 0);
    free(c);
    for (int wbits = MAX_WBITS; wbits >= -MAX_WBITS; wbits -= 2 * MAX_WBITS) { /* deflate: zlib, raw */
        c = zenc(zeros, big, wbits, &cn);
        CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, cn, 16384, 1 << 20, &out, &d), -1);
        CHECK(d.too_big && out.len <= (1u << 20) && out.cap <= (2u << 20));
        crawl_body_free(&d);
        mm_buf_free(&out);
        mm_buf_init(&out, 0);
        free(c);
    }
    size_t zb = ZSTD_compressBound(big);
    c = malloc(zb);
    zb = ZSTD_compress(c, zb, zeros, big, 1);
    CHECK_INT(decode(CRAWL_ENC_ZSTD, c, zb, 16384, 1 << 20, &out, &d), -1);
    CHECK(d.too_big && out.len <= (1u << 20));
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);
    size_t bn = BrotliEncoderMaxCompressedSize(big);
    c = malloc(bn);
    CHECK(BrotliEncoderCompress(1, 22, BROTLI_MODE_GENERIC, big, (const uint8_t *)zeros, &bn, c));
    CHECK_INT(decode(CRAWL_ENC_BR, c, bn, 16384, 1 << 20, &out, &d), -1);
    CHECK(d.too_big && out.len <= (1u << 20));
    crawl_body_free(&d);
    mm_buf_free(&out);
    free(c);
    free(zeros);
}

/* gzip through deflateSetHeader (file name, header CRC). */
static unsigned char *gzenc_header(const char *p, size_t n, int hcrc, size_t *out_n) {
    gz_header h;
    memset(&h, 0, sizeof h);
    h.name = (Bytef *)"index.html";
    h.hcrc = hcrc;
    return zenc_header(p, n, 16 + MAX_WBITS, &h, out_n);
}

/* Which decoder ran, and that both agree with the encoder. */
static void test_fast_and_fallback(void) {
    size_t pn, cn, cn2;
    char *plain = sample(&pn);
    struct mm_buf out;
    mm_buf_init(&out, 0);
    struct crawl_body d;

    /* one clean gzip member: libdeflate, zlib never started */
    unsigned char *c = zenc(plain, pn, 16 + MAX_WBITS, &cn);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && out.data[pn] == '\0');
    CHECK(!d.z_init && d.ended && !d.trailing);
    crawl_body_free(&d);
    mm_buf_reset(&out);

    /* exactly at the cap fits; one byte under it is too big, and the prefix
     * that fit is kept (robots.txt reads its first 500 KiB) */
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, pn, &out, &d), 0);
    CHECK(out.len == pn && !d.z_init);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, pn - 1, &out, &d), -1);
    CHECK(d.too_big && out.len > 0 && out.len < pn && memcmp(out.data, plain, out.len) == 0);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 100000, &out, &d), -1);
    CHECK(d.too_big && out.len > 50000 && out.len <= 100000 && memcmp(out.data, plain, out.len) == 0);
    crawl_body_free(&d);
    mm_buf_reset(&out);

    /* a transfer that stopped early (robots.txt cut at its cap): what the
     * bytes give is kept, and the body is not complete */
    CHECK_INT(decode_ex(CRAWL_ENC_GZIP, c, cn / 2, 16384, 1 << 24, 1, &out, &d), 1);
    CHECK(out.len > pn / 4 && out.len < pn && memcmp(out.data, plain, out.len) == 0);
    crawl_body_free(&d);
    mm_buf_reset(&out);

    /* junk after a complete member is ignored, as before */
    unsigned char *j = malloc(cn + 64);
    memcpy(j, c, cn);
    memset(j + cn, 'x', 64);
    CHECK_INT(decode(CRAWL_ENC_GZIP, j, cn + 64, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0);
    CHECK(d.z_init && d.trailing && d.junk);
    unsigned char *z;
    size_t zn;
    CHECK_INT(crawl_body_zlib(&d, j, cn + 64, &z, &zn), MM_OK); /* recompressed, junk left out */
    uLongf un = (uLongf)pn;
    char *u = malloc(un);
    CHECK_INT(uncompress((Bytef *)u, &un, z, (uLong)zn), Z_OK);
    CHECK(un == pn && memcmp(u, plain, pn) == 0);
    free(z);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(j);
    free(c);

    /* gzip header fields: a file name is fine for libdeflate; a header CRC
     * is left to zlib, which checks it */
    c = gzenc_header(plain, pn, 0, &cn);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && !d.z_init);
    CHECK_INT(crawl_body_zlib(&d, c, cn, &z, &zn), MM_OK); /* re-wrapped past the name */
    un = (uLongf)pn;
    CHECK_INT(uncompress((Bytef *)u, &un, z, (uLong)zn), Z_OK);
    CHECK(un == pn && memcmp(u, plain, pn) == 0);
    free(z);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);
    c = gzenc_header(plain, pn, 1, &cn);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && d.z_init);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    c[10 + sizeof "index.html"] ^= 1; /* the header CRC */
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 24, &out, &d), -1);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);

    /* deflate, zlib-wrapped and raw: libdeflate; a stored zlib body is the wire */
    c = zenc(plain, pn, MAX_WBITS, &cn);
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && !d.z_init && !d.raw_deflate);
    CHECK_INT(crawl_body_zlib(&d, c, cn, &z, &zn), MM_OK);
    CHECK(zn == cn && memcmp(z, c, cn) == 0);
    free(z);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    /* junk after the zlib stream: zlib's rules, ignored */
    j = malloc(cn + 64);
    memcpy(j, c, cn);
    memset(j + cn, 'x', 64);
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, j, cn + 64, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && d.z_init && d.junk);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(j);
    /* cut: not complete */
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, cn - 2, 16384, 1 << 24, &out, &d), 1);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);
    c = zenc(plain, pn, -MAX_WBITS, &cn);
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && !d.z_init && d.raw_deflate);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, 1, 1, 1 << 24, &out, &d), 1); /* one byte: cannot tell */
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);

    /* deflate has no size in it: the guessed buffer doubles until it fits */
    size_t rn = 4u << 20;
    char *rep = malloc(rn);
    for (size_t i = 0; i < rn; i++)
        rep[i] = "abcabcabd"[i % 9];
    c = zenc(rep, rn, MAX_WBITS, &cn);
    CHECK(cn * 8 < rn);
    CHECK_INT(decode(CRAWL_ENC_DEFLATE, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == rn && memcmp(out.data, rep, rn) == 0 && !d.z_init);
    crawl_body_free(&d);
    mm_buf_reset(&out);
    free(c);
    free(rep);

    /* empty bodies */
    c = zenc("", 0, 16 + MAX_WBITS, &cn);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, cn, 16384, 1 << 24, &out, &d), 0);
    CHECK(out.len == 0 && !d.z_init);
    crawl_body_free(&d);
    CHECK_INT(decode(CRAWL_ENC_GZIP, c, 0, 16384, 1 << 24, &out, &d), 0); /* no bytes at all */
    crawl_body_free(&d);
    free(c);

    /* two members decode the same whatever the split */
    c = zenc(plain, 1000, 16 + MAX_WBITS, &cn);
    unsigned char *c2 = zenc(plain + 1000, pn - 1000, 16 + MAX_WBITS, &cn2);
    j = malloc(cn + cn2);
    memcpy(j, c, cn);
    memcpy(j + cn, c2, cn2);
    CHECK_INT(decode(CRAWL_ENC_GZIP, j, cn + cn2, 1 << 20, 1 << 24, &out, &d), 0);
    CHECK(out.len == pn && memcmp(out.data, plain, pn) == 0 && d.z_init);
    crawl_body_free(&d);
    free(j);
    free(c2);
    free(c);

    free(u);
    mm_buf_free(&out);
    free(plain);
}

static void test_encoding_names(void) {
    CHECK_INT(crawl_body_encoding(NULL), CRAWL_ENC_IDENTITY);
    CHECK_INT(crawl_body_encoding("gzip"), CRAWL_ENC_GZIP);
    CHECK_INT(crawl_body_encoding(" X-GZIP"), CRAWL_ENC_GZIP);
    CHECK_INT(crawl_body_encoding("deflate"), CRAWL_ENC_DEFLATE);
    CHECK_INT(crawl_body_encoding("br"), CRAWL_ENC_BR);
    CHECK_INT(crawl_body_encoding("zstd"), CRAWL_ENC_ZSTD);
    CHECK_INT(crawl_body_encoding("identity"), CRAWL_ENC_IDENTITY);
    CHECK_INT(crawl_body_encoding("compress"), CRAWL_ENC_UNKNOWN);
    CHECK_INT(crawl_body_encoding("gzip, br"), CRAWL_ENC_UNKNOWN);
}

int main(void) {
    RUN(test_codings);
    RUN(test_multi_member_and_truncation);
    RUN(test_bombs);
    RUN(test_fast_and_fallback);
    RUN(test_encoding_names);
    return test_summary();
}
