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

static mm_rc add_varint(struct mm_buf *b, uint64_t v) {
    unsigned char tmp[10];
    return mm_buf_append(b, tmp, put_varint(tmp, v));
}

/* Append one map entry {key, Feature{int64_list or float_list {packed}}}
 * whose packed payload is `payload`. `kind` is the Feature field number
 * (2 float_list, 3 int64_list). */
static mm_rc add_feature(struct mm_buf *out, const char *key, int kind, const struct mm_buf *payload) {
    size_t klen = strlen(key);
    size_t list = 1 + varint_len(payload->len) + payload->len; /* value = 1, packed */
    size_t feat = 1 + varint_len(list) + list;
    size_t entry = 1 + varint_len(klen) + klen + 1 + varint_len(feat) + feat;
    mm_rc rc = MM_OK;
    if (rc == MM_OK) rc = mm_buf_putc(out, 0x0a); /* Features.feature = 1 */
    if (rc == MM_OK) rc = add_varint(out, entry);
    if (rc == MM_OK) rc = mm_buf_putc(out, 0x0a); /* entry.key = 1 */
    if (rc == MM_OK) rc = add_varint(out, klen);
    if (rc == MM_OK) rc = mm_buf_append(out, key, klen);
    if (rc == MM_OK) rc = mm_buf_putc(out, 0x12); /* entry.value = 2 */
    if (rc == MM_OK) rc = add_varint(out, feat);
    if (rc == MM_OK) rc = mm_buf_putc(out, (char)(kind << 3 | 2));
    if (rc == MM_OK) rc = add_varint(out, list);
    if (rc == MM_OK) rc = mm_buf_putc(out, 0x0a); /* list.value = 1, packed */
    if (rc == MM_OK) rc = add_varint(out, payload->len);
    if (rc == MM_OK) rc = mm_buf_append(out, payload->data, payload->len);
    return rc;
}

/* Packed int64 values: v[0..n) then `pad` up to `total`. */
static mm_rc ints(struct mm_buf *b, const int32_t *v, size_t n, int64_t pad, size_t total) {
    mm_buf_reset(b);
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < total && rc == MM_OK; i++)
        rc = add_varint(b, (uint64_t)(i < n ? (int64_t)v[i] : pad));
    return rc;
}

mm_rc export_tfrecord_encode(const struct export_instance *in, const struct export_params *p,
                             const struct export_vocab *v, struct mm_buf *scratch, struct mm_buf *out) {
    size_t L = (size_t)p->max_seq_length, P = (size_t)p->max_predictions;
    int64_t pad = v->pad >= 0 ? v->pad : 0;
    struct mm_buf feats, val;
    mm_buf_init(&feats, 0);
    mm_buf_init(&val, 0);
    mm_rc rc = ints(&val, in->ids, in->len, pad, L);
    if (rc == MM_OK) rc = add_feature(&feats, "input_ids", 3, &val);
    mm_buf_reset(&val);
    for (size_t i = 0; i < L && rc == MM_OK; i++)
        rc = mm_buf_putc(&val, i < in->len ? 1 : 0);
    if (rc == MM_OK) rc = add_feature(&feats, "input_mask", 3, &val);
    mm_buf_reset(&val);
    for (size_t i = 0; i < L && rc == MM_OK; i++)
        rc = mm_buf_putc(&val, i < in->len && i >= in->a_len + 2 ? 1 : 0);
    if (rc == MM_OK) rc = add_feature(&feats, "segment_ids", 3, &val);
    if (rc == MM_OK) rc = ints(&val, in->mpos, in->nmask, 0, P);
    if (rc == MM_OK) rc = add_feature(&feats, "masked_lm_positions", 3, &val);
    if (rc == MM_OK) rc = ints(&val, in->mlabel, in->nmask, 0, P);
    if (rc == MM_OK) rc = add_feature(&feats, "masked_lm_ids", 3, &val);
    mm_buf_reset(&val);
    for (size_t i = 0; i < P && rc == MM_OK; i++) {
        /* float 1.0 = 00 00 80 3f, 0.0 = 00 00 00 00 (little-endian IEEE 754) */
        static const unsigned char one[4] = {0, 0, 0x80, 0x3f}, zero[4] = {0, 0, 0, 0};
        rc = mm_buf_append(&val, i < in->nmask ? one : zero, 4);
    }
    if (rc == MM_OK) rc = add_feature(&feats, "masked_lm_weights", 2, &val);
    mm_buf_reset(&val);
    if (rc == MM_OK) rc = add_varint(&val, (uint64_t)in->random_next);
    if (rc == MM_OK) rc = add_feature(&feats, "next_sentence_labels", 3, &val);

    /* Example { features = 1 } */
    mm_buf_reset(scratch);
    if (rc == MM_OK) rc = mm_buf_putc(scratch, 0x0a);
    if (rc == MM_OK) rc = add_varint(scratch, feats.len);
    if (rc == MM_OK) rc = mm_buf_append(scratch, feats.data, feats.len);
    if (rc == MM_OK) {
        unsigned char head[12];
        uint64_t n = scratch->len;
        for (int i = 0; i < 8; i++)
            head[i] = (unsigned char)(n >> (8 * i));
        uint32_t c = export_masked_crc32c(head, 8);
        for (int i = 0; i < 4; i++)
            head[8 + i] = (unsigned char)(c >> (8 * i));
        uint32_t d = export_masked_crc32c(scratch->data, scratch->len);
        unsigned char tail[4] = {(unsigned char)d, (unsigned char)(d >> 8), (unsigned char)(d >> 16),
                                 (unsigned char)(d >> 24)};
        rc = mm_buf_append(out, head, 12);
        if (rc == MM_OK) rc = mm_buf_append(out, scratch->data, scratch->len);
        if (rc == MM_OK) rc = mm_buf_append(out, tail, 4);
    }
    mm_buf_free(&feats);
    mm_buf_free(&val);
    return rc;
}
