/*
 * tfrecord.c -- one instance as a TFRecord: a tf.train.Example protobuf
 * (tensorflow/core/example/{example,feature}.proto) with the features
 * google-research/bert's run_pretraining.py reads, framed as
 * uint64 length, masked CRC32C of the length, data, masked CRC32C of data.
 */
#include <string.h>

#include "export_int.h"

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table built by the
 * compiler so there is no run-time initialisation. */
#define CRC_P 0x82F63B78u
#define C1(c) (((c)&1u) ? (CRC_P ^ ((c) >> 1)) : ((c) >> 1))
#define C2(c) C1(C1(c))
#define C8(c) C2(C2(C2(C2(c))))
#define T1(n) C8((uint32_t)(n))
#define T4(n) T1(n), T1((n) + 1), T1((n) + 2), T1((n) + 3)
#define T16(n) T4(n), T4((n) + 4), T4((n) + 8), T4((n) + 12)
#define T64(n) T16(n), T16((n) + 16), T16((n) + 32), T16((n) + 48)
static const uint32_t crc_table[256] = {T64(0), T64(64), T64(128), T64(192)};

uint32_t export_crc32c(uint32_t crc, const void *p, size_t n) {
    const unsigned char *s = p;
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *s++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t export_masked_crc32c(const void *p, size_t n) {
    uint32_t crc = export_crc32c(0, p, n);
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(unsigned char *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (unsigned char)v;
    return n;
}

/* Write one map entry {key, Feature{kind: {packed payload}}} at `o`;
 * `kind` is the Feature field number (2 float_list, 3 int64_list).
 * Returns the bytes written. */
static size_t put_feature(unsigned char *o, const char *key, int kind, const unsigned char *payload, size_t plen) {
    size_t klen = strlen(key);
    size_t list = 1 + varint_len(plen) + plen; /* list.value = 1, packed */
    size_t feat = 1 + varint_len(list) + list;
    size_t entry = 1 + varint_len(klen) + klen + 1 + varint_len(feat) + feat;
    size_t n = 0;
    o[n++] = 0x0a; /* Features.feature = 1 */
    n += put_varint(o + n, entry);
    o[n++] = 0x0a; /* entry.key = 1 */
    n += put_varint(o + n, klen);
    memcpy(o + n, key, klen);
    n += klen;
    o[n++] = 0x12; /* entry.value = 2 */
    n += put_varint(o + n, feat);
    o[n++] = (unsigned char)(kind << 3 | 2);
    n += put_varint(o + n, list);
    o[n++] = 0x0a;
    n += put_varint(o + n, plen);
    memcpy(o + n, payload, plen);
    return n + plen;
}

/* Packed int64 values v[0..n), then `pad` up to `total`. */
static size_t put_ints(unsigned char *o, const int32_t *v, size_t n, int64_t pad, size_t total) {
    size_t k = 0;
    for (size_t i = 0; i < total; i++)
        k += put_varint(o + k, (uint64_t)(i < n ? (int64_t)v[i] : pad));
    return k;
}

mm_rc export_tfrecord_encode(const struct export_instance *in, const struct export_params *p,
                             const struct export_vocab *v, struct mm_buf *scratch, struct mm_buf *out) {
    size_t L = (size_t)p->max_seq_length, P = (size_t)p->max_predictions;
    int64_t pad = v->pad >= 0 ? v->pad : 0;
    /* Bounds: a varint is at most 10 bytes; a feature adds < 64 bytes of
     * key and headers. The scratch holds one payload, then the features. */
    size_t pmax = 10 * (L > P ? L : P) + 16, fmax = 3 * (10 * L + 64) + 3 * (10 * P + 64) + (4 * P + 64) + 64;
    mm_buf_reset(scratch);
    if (mm_buf_reserve(scratch, pmax + fmax) != MM_OK || mm_buf_reserve(out, fmax + 32) != MM_OK)
        return MM_ENOMEM;
    unsigned char *val = (unsigned char *)scratch->data, *feats = val + pmax;
    size_t f = 0, n;
    n = put_ints(val, in->ids, in->len, pad, L);
    f += put_feature(feats + f, "input_ids", 3, val, n);
    for (size_t i = 0; i < L; i++)
        val[i] = i < in->len;
    f += put_feature(feats + f, "input_mask", 3, val, L);
    for (size_t i = 0; i < L; i++)
        val[i] = i < in->len && i >= in->a_len + 2;
    f += put_feature(feats + f, "segment_ids", 3, val, L);
    n = put_ints(val, in->mpos, in->nmask, 0, P);
    f += put_feature(feats + f, "masked_lm_positions", 3, val, n);
    n = put_ints(val, in->mlabel, in->nmask, 0, P);
    f += put_feature(feats + f, "masked_lm_ids", 3, val, n);
    for (size_t i = 0; i < P; i++) {
        /* float 1.0 = 00 00 80 3f, 0.0 = 00 00 00 00 (little-endian IEEE 754) */
        val[4 * i] = val[4 * i + 1] = 0;
        val[4 * i + 2] = i < in->nmask ? 0x80 : 0;
        val[4 * i + 3] = i < in->nmask ? 0x3f : 0;
    }
    f += put_feature(feats + f, "masked_lm_weights", 2, val, 4 * P);
    n = put_varint(val, (uint64_t)in->random_next);
    f += put_feature(feats + f, "next_sentence_labels", 3, val, n);

    /* The record: length, its masked CRC, Example { features = 1 }, CRC. */
    unsigned char *o = (unsigned char *)out->data + out->len;
    size_t hdr = 1 + varint_len(f);
    uint64_t len = hdr + f;
    for (int i = 0; i < 8; i++)
        o[i] = (unsigned char)(len >> (8 * i));
    uint32_t c = export_masked_crc32c(o, 8);
    for (int i = 0; i < 4; i++)
        o[8 + i] = (unsigned char)(c >> (8 * i));
    unsigned char *d = o + 12;
    d[0] = 0x0a;
    put_varint(d + 1, f);
    memcpy(d + hdr, feats, f);
    c = export_masked_crc32c(d, len);
    for (int i = 0; i < 4; i++)
        d[len + i] = (unsigned char)(c >> (8 * i));
    out->len += 12 + len + 4;
    out->data[out->len] = '\0';
    return MM_OK;
}
