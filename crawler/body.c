/*
 * body.c -- HTTP content decoding (RFC 9110 8.4: gzip, deflate; RFC 7932 br;
 * RFC 8878 zstd) done by the crawler rather than libcurl, so that the body
 * limit holds for decoded bytes (a compression bomb stops at the cap) and a
 * gzip body is kept as it came: its deflate data, re-wrapped as a zlib stream
 * (RFC 1950) with a fresh Adler-32, is what responses.body stores, with no
 * second compression.
 *
 * br and zstd are decoded as they arrive. gzip and deflate bodies are kept
 * whole anyway (for that re-wrap), so they are decoded once at the end
 * (crawl_body_finish): libdeflate, 2-3x faster than zlib, takes the common
 * case of one stream that is exactly the body; anything else (several gzip
 * members, bytes after the end, cut-off or corrupt data, a body cut at the
 * cap) goes through zlib's streaming inflate, whose rules are the reference.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <brotli/decode.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

int crawl_body_encoding(const char *content_encoding) {
    if (content_encoding == NULL)
        return CRAWL_ENC_IDENTITY;
    while (*content_encoding == ' ' || *content_encoding == '\t')
        content_encoding++;
    size_t n = strcspn(content_encoding, " \t\r\n;");
    if (strchr(content_encoding, ',') != NULL)
        return CRAWL_ENC_UNKNOWN; /* stacked codings: not seen in practice; refuse */
#define IS(s) (n == strlen(s) && strncasecmp(content_encoding, s, n) == 0)
    if (n == 0 || IS("identity"))
        return CRAWL_ENC_IDENTITY;
    if (IS("gzip") || IS("x-gzip"))
        return CRAWL_ENC_GZIP;
    if (IS("deflate"))
        return CRAWL_ENC_DEFLATE;
    if (IS("br"))
        return CRAWL_ENC_BR;
    if (IS("zstd"))
        return CRAWL_ENC_ZSTD;
#undef IS
    return CRAWL_ENC_UNKNOWN;
}

void crawl_body_init(struct crawl_body *d, int encoding, size_t max, struct mm_buf *out) {
    memset(d, 0, sizeof *d);
    d->enc = encoding;
    d->max = max;
    d->out = out;
}

void crawl_body_free(struct crawl_body *d) {
    if (d->z_init)
        inflateEnd(&d->z);
    if (d->br)
        BrotliDecoderDestroyInstance(d->br);
    if (d->zs)
        ZSTD_freeDStream(d->zs);
    d->z_init = 0;
    d->br = NULL;
    d->zs = NULL;
}

static int put(struct crawl_body *d, const void *p, size_t n) {
    if (n == 0)
        return 0;
    if (d->out->len + n > d->max) {
        d->too_big = 1;
        return -1;
    }
    return mm_buf_append(d->out, p, n) == MM_OK ? 0 : -1;
}

/* "deflate" should be a zlib stream (RFC 9110 8.4.1.2) but some servers
 * send raw deflate: the first two bytes p[0..1] tell which. */
static int is_raw_deflate(const unsigned char *p) {
    return (p[0] & 0x0f) != 8 || ((p[0] << 8) | p[1]) % 31 != 0;
}

/* zlib's streaming inflate of p[0..n) into d->out: the reference for every
 * gzip and deflate body libdeflate does not take whole. */
static int inflate_stream(struct crawl_body *d, const unsigned char *p, size_t n) {
    if (!d->z_init) {
        /* gzip: 16 + window bits; deflate: zlib wrapper or raw (above) */
        int wbits = d->enc == CRAWL_ENC_GZIP ? 16 + MAX_WBITS : (d->raw_deflate ? -MAX_WBITS : MAX_WBITS);
        if (inflateInit2(&d->z, wbits) != Z_OK)
            return -1;
        d->z_init = 1;
    }
    if (d->ended && d->enc != CRAWL_ENC_GZIP)
        return 0; /* bytes after a deflate stream are ignored, as browsers do */
    unsigned char out[32768];
    d->z.next_in = (Bytef *)p;
    d->z.avail_in = (uInt)n;
    while (d->z.avail_in > 0) {
        if (d->ended) { /* another gzip member (RFC 1952 2.2) */
            d->trailing = 1;
            if (d->junk || inflateReset(&d->z) != Z_OK)
                return 0;
            d->ended = 0;
        }
        d->z.next_out = out;
        d->z.avail_out = sizeof out;
        int zr = inflate(&d->z, Z_NO_FLUSH);
        if (zr == Z_DATA_ERROR && d->trailing) { /* junk after a complete member: ignored */
            d->ended = 1;
            d->junk = 1;
            return 0;
        }
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return -1;
        if (put(d, out, sizeof out - d->z.avail_out) != 0)
            return -1;
        if (zr == Z_STREAM_END)
            d->ended = 1;
        else if (zr == Z_BUF_ERROR)
            break;
    }
    /* flush what inflate still holds for a full output buffer */
    while (!d->ended && d->z.avail_out == 0) {
        d->z.next_out = out;
        d->z.avail_out = sizeof out;
        int zr = inflate(&d->z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return -1;
        if (put(d, out, sizeof out - d->z.avail_out) != 0)
            return -1;
        if (zr == Z_STREAM_END)
            d->ended = 1;
        if (zr == Z_BUF_ERROR)
            break;
    }
    return 0;
}

static int feed_br(struct crawl_body *d, const unsigned char *p, size_t n) {
    if (d->br == NULL && (d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL)) == NULL)
        return -1;
    size_t avail_in = n;
    const uint8_t *next_in = p;
    for (;;) {
        uint8_t out[32768];
        size_t avail_out = sizeof out;
        uint8_t *next_out = out;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(d->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
        if (put(d, out, sizeof out - avail_out) != 0)
            return -1;
        if (r == BROTLI_DECODER_RESULT_ERROR)
            return -1;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            d->ended = 1;
            return 0;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
            return 0;
    }
}

static int feed_zstd(struct crawl_body *d, const unsigned char *p, size_t n) {
    if (d->zs == NULL) {
        if ((d->zs = ZSTD_createDStream()) == NULL)
            return -1;
        ZSTD_initDStream(d->zs);
        /* a window past 8 MiB is a memory attack, not a web page */
        ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, 23);
    }
    ZSTD_inBuffer in = {p, n, 0};
    while (in.pos < in.size) {
        unsigned char out[32768];
        ZSTD_outBuffer o = {out, sizeof out, 0};
        size_t r = ZSTD_decompressStream(d->zs, &o, &in);
        if (ZSTD_isError(r))
            return -1;
        if (put(d, out, o.pos) != 0)
            return -1;
        d->ended = r == 0;
    }
    return 0;
}

int crawl_body_feed(struct crawl_body *d, const void *p, size_t n) {
    d->fed += n;
    switch (d->enc) {
    case CRAWL_ENC_IDENTITY:
        d->ended = 1;
        return put(d, p, n);
    case CRAWL_ENC_GZIP:
    case CRAWL_ENC_DEFLATE:
        return 0; /* the caller keeps the bytes: crawl_body_finish decodes them */
    case CRAWL_ENC_BR:
        return feed_br(d, p, n);
    case CRAWL_ENC_ZSTD:
        return feed_zstd(d, p, n);
    default:
        return -1;
    }
}

/* One libdeflate call over the whole body into d->out: 0 decoded (one
 * stream, exactly all of p[0..n)), 1 leave it to zlib (d->out as it was). */
static int finish_fast(struct crawl_body *d, const unsigned char *p, size_t n) {
    size_t start = d->out->len, cap;
    int raw = 0;
    if (d->enc == CRAWL_ENC_GZIP) {
        /* FHCRC: zlib checks the header CRC, libdeflate skips it */
        if (n < 18 || (p[3] & 2))
            return 1;
        /* ISIZE, the size mod 2^32, is exact for any web page */
        cap = (size_t)p[n - 4] | (size_t)p[n - 3] << 8 | (size_t)p[n - 2] << 16 | (size_t)p[n - 1] << 24;
    } else {
        raw = d->raw_deflate;
        cap = n < (SIZE_MAX >> 3) ? n << 3 : SIZE_MAX; /* a guess: HTML deflates 5-10x */
    }
    if (cap < 4096)
        cap = 4096;
    if (cap > d->max)
        cap = d->max;
    struct libdeflate_decompressor *ld = libdeflate_alloc_decompressor(); /* ~0.1 us: not worth sharing */
    if (ld == NULL)
        return 1;
    enum libdeflate_result r;
    size_t in_n = 0, out_n = 0;
    for (;;) {
        if (mm_buf_reserve(d->out, cap) != MM_OK) {
            r = LIBDEFLATE_BAD_DATA;
            break;
        }
        void *o = d->out->data + start;
        if (d->enc == CRAWL_ENC_GZIP)
            r = libdeflate_gzip_decompress_ex(ld, p, n, o, cap, &in_n, &out_n);
        else if (raw)
            r = libdeflate_deflate_decompress_ex(ld, p, n, o, cap, &in_n, &out_n);
        else
            r = libdeflate_zlib_decompress_ex(ld, p, n, o, cap, &in_n, &out_n);
        /* past the cap: zlib decides between too big and corrupt, and keeps
         * the prefix that fits (robots.txt) */
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE || cap == d->max)
            break;
        cap = cap > d->max / 2 ? d->max : cap * 2;
    }
    libdeflate_free_decompressor(ld);
    if (r != LIBDEFLATE_SUCCESS || in_n != n)
        return 1;
    d->out->len = start + out_n;
    d->out->data[d->out->len] = '\0';
    d->ended = 1;
    return 0;
}

int crawl_body_finish(struct crawl_body *d, const unsigned char *wire, size_t n, int partial) {
    if ((d->enc != CRAWL_ENC_GZIP && d->enc != CRAWL_ENC_DEFLATE) || n == 0)
        return 0;
    if (d->enc == CRAWL_ENC_DEFLATE) {
        if (n < 2)
            return 0; /* too short to tell which: never complete */
        d->raw_deflate = is_raw_deflate(wire);
    }
    if (!partial && finish_fast(d, wire, n) == 0)
        return 0;
    if (d->out->data)
        d->out->data[d->out->len] = '\0'; /* finish_fast may have written past len */
    return inflate_stream(d, wire, n);
}

int crawl_body_complete(const struct crawl_body *d) {
    return d->enc == CRAWL_ENC_IDENTITY || d->ended || d->fed == 0;
}

/* Length of a gzip member header at p[0..n) (RFC 1952 2.3), 0 if malformed. */
static size_t gzip_header(const unsigned char *p, size_t n) {
    if (n < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
        return 0;
    int flg = p[3];
    size_t i = 10;
    if (flg & 4) { /* FEXTRA */
        if (i + 2 > n)
            return 0;
        i += 2 + (size_t)(p[i] | p[i + 1] << 8);
    }
    if (flg & 8) { /* FNAME */
        while (i < n && p[i])
            i++;
        i++;
    }
    if (flg & 16) { /* FCOMMENT */
        while (i < n && p[i])
            i++;
        i++;
    }
    if (flg & 2) /* FHCRC */
        i += 2;
    return i < n ? i : 0;
}

mm_rc crawl_body_zlib(const struct crawl_body *d, const unsigned char *wire, size_t wire_len, unsigned char **out,
                      size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    const char *plain = d->out->data ? d->out->data : "";
    size_t pn = d->out->len;
    if (pn == 0)
        return MM_OK;
    size_t h;
    if (d->enc == CRAWL_ENC_GZIP && d->ended && !d->trailing && wire && (h = gzip_header(wire, wire_len)) > 0 &&
        wire_len >= h + 8) {
        /* gzip member = header, raw deflate, CRC-32, ISIZE: keep the deflate
         * data and wrap it as zlib (RFC 1950: CMF/FLG, data, Adler-32) */
        size_t dn = wire_len - h - 8;
        unsigned char *z = malloc(dn + 6);
        if (z == NULL)
            return MM_ENOMEM;
        z[0] = 0x78; /* deflate, 32 KiB window */
        z[1] = 0x01; /* FCHECK: 0x7801 % 31 == 0 */
        memcpy(z + 2, wire + h, dn);
        uint32_t a = libdeflate_adler32(1, plain, pn);
        z[dn + 2] = (unsigned char)(a >> 24);
        z[dn + 3] = (unsigned char)(a >> 16);
        z[dn + 4] = (unsigned char)(a >> 8);
        z[dn + 5] = (unsigned char)a;
        *out = z;
        *out_len = dn + 6;
        return MM_OK;
    }
    if (d->enc == CRAWL_ENC_DEFLATE && d->ended && !d->raw_deflate && wire && wire_len > 0) {
        unsigned char *z = malloc(wire_len); /* already a zlib stream */
        if (z == NULL)
            return MM_ENOMEM;
        memcpy(z, wire, wire_len);
        *out = z;
        *out_len = wire_len;
        return MM_OK;
    }
    uLongf zl = compressBound((uLong)pn);
    unsigned char *z = malloc(zl);
    if (z == NULL)
        return MM_ENOMEM;
    /* level 1: raw pages are kept for re-extraction, not archived */
    if (compress2(z, &zl, (const Bytef *)plain, (uLong)pn, 1) != Z_OK) {
        free(z);
        return MM_ENOMEM;
    }
    *out = z;
    *out_len = zl;
    return MM_OK;
}
