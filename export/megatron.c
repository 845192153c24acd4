/*
 * megatron.c -- the indexed dataset Megatron-LM, NeMo and fairseq train from
 * (megatron/core/datasets/indexed_dataset.py, "MMIDIDX"): PREFIX.bin holds
 * the token ids of every sequence back to back (uint16 when the vocabulary
 * has fewer than 65,500 ids, else int32, little-endian); PREFIX.idx holds
 *   "MMIDIDX\0\0", u64 version 1, u8 dtype code (uint16 = 8, int32 = 4),
 *   u64 sequence count, u64 document-index count,
 *   int32 sequence lengths, int64 byte pointers into .bin,
 *   int64 document indices (0, then the sequence count at each document's end).
 * One sequence per sentence, as preprocess_data.py --split-sentences writes.
 * Both files are written as .part and renamed at the end.
 */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"

#define FLUSH_BYTES (1u << 20)

struct export_megatron {
    char *bin, *bin_part, *idx, *idx_part; /* paths */
    char *bin_name, *idx_name;             /* base names for the manifest */
    FILE *f;
    int wide;                              /* int32 ids, else uint16 */
    struct sha256_ctx sha;
    struct mm_buf data;                    /* ids not yet written */
    struct mm_buf lengths;                 /* int32 per sequence */
    struct mm_buf docs;                    /* int64 document indices */
    int64_t nseq, bytes;
    struct export_shard_info info[2];
    size_t ninfo;
};

int export_megatron_wide(int32_t vocab_size) { return vocab_size >= 65500; }

static char *join(const char *dir, const char *split, const char *ext) {
    size_t n = strlen(dir) + strlen(split) + strlen(ext) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", dir, split, ext);
    return p;
}

mm_rc export_megatron_new(const char *dir, const char *split, int32_t vocab_size, struct export_megatron **out,
                          struct mm_err *err) {
    *out = NULL;
    struct export_megatron *w = calloc(1, sizeof *w);
    if (!w)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    w->wide = export_megatron_wide(vocab_size);
    mm_buf_init(&w->data, 0);
    mm_buf_init(&w->lengths, 0);
    mm_buf_init(&w->docs, 0);
    int64_t zero = 0;
    w->bin = join(dir, split, ".bin");
    w->bin_part = join(dir, split, ".bin.part");
    w->idx = join(dir, split, ".idx");
    w->idx_part = join(dir, split, ".idx.part");
    w->bin_name = join(".", split, ".bin");
    w->idx_name = join(".", split, ".idx");
    if (!w->bin || !w->bin_part || !w->idx || !w->idx_part || !w->bin_name || !w->idx_name ||
        mm_buf_append(&w->docs, &zero, sizeof zero) != MM_OK) {
        export_megatron_free(w);
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    }
    sha256_init(&w->sha);
    *out = w;
    return MM_OK;
}

static mm_rc flush(struct export_megatron *w, struct mm_err *err) {
    if (w->data.len == 0)
        return MM_OK;
    if (fwrite(w->data.data, 1, w->data.len, w->f) != w->data.len)
        return mm_err_set(err, MM_EIO, "%s: cannot write: %s; check free disk space", w->bin_part, strerror(errno));
    sha256_update(&w->sha, w->data.len, (const uint8_t *)w->data.data);
    mm_buf_reset(&w->data);
    return MM_OK;
}

mm_rc export_megatron_add(struct export_megatron *w, int new_doc, const int32_t *ids, size_t n, struct mm_err *err) {
    if (w->f == NULL) {
        w->f = fopen(w->bin_part, "wb");
        if (w->f == NULL)
            return mm_err_set(err, MM_EIO, "%s: cannot create: %s", w->bin_part, strerror(errno));
    }
    /* A new document closes the one before (its end index). */
    if (new_doc && w->nseq > 0 && mm_buf_append(&w->docs, &w->nseq, sizeof w->nseq) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    if (n > INT32_MAX)
        return mm_err_set(err, MM_ELIMIT, "export: a sentence of %zu ids does not fit Megatron's int32 lengths", n);
    int32_t len = (int32_t)n;
    if (mm_buf_append(&w->lengths, &len, sizeof len) != MM_OK || mm_buf_reserve(&w->data, n * 4) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    unsigned char *p = (unsigned char *)w->data.data + w->data.len;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)ids[i];
        *p++ = (unsigned char)v;
        *p++ = (unsigned char)(v >> 8);
        if (w->wide) {
            *p++ = (unsigned char)(v >> 16);
            *p++ = (unsigned char)(v >> 24);
        }
    }
    w->data.len = (size_t)(p - (unsigned char *)w->data.data);
    w->nseq++;
    w->bytes += (int64_t)n * (w->wide ? 4 : 2);
    return w->data.len >= FLUSH_BYTES ? flush(w, err) : MM_OK;
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Close a file written through `f` and fsync it. */
static mm_rc close_file(FILE *f, const char *path, struct mm_err *err) {
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad)
        return mm_err_set(err, MM_EIO, "%s: cannot write: %s; check free disk space", path, strerror(errno));
    return MM_OK;
}

static void digest_hex(struct sha256_ctx *c, char out[65]) {
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(c, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

mm_rc export_megatron_finish(struct export_megatron *w, struct mm_err *err) {
    if (w->nseq == 0)
        return MM_OK; /* nothing in this split: no files */
    mm_rc rc = flush(w, err);
    if (rc != MM_OK)
        return rc;
    FILE *bf = w->f;
    w->f = NULL;
    if ((rc = close_file(bf, w->bin_part, err)) != MM_OK)
        return rc;
    if (mm_buf_append(&w->docs, &w->nseq, sizeof w->nseq) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    struct export_shard_info *bi = &w->info[0], *ii = &w->info[1];
    bi->file = strdup(w->bin_name + 2);
    ii->file = strdup(w->idx_name + 2);
    w->ninfo = 2;
    if (!bi->file || !ii->file)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    bi->instances = ii->instances = w->nseq;
    bi->bytes = w->bytes;
    digest_hex(&w->sha, bi->sha256);

    /* The index: header, lengths, pointers, document indices. */
    FILE *f = fopen(w->idx_part, "wb");
    if (f == NULL)
        return mm_err_set(err, MM_EIO, "%s: cannot create: %s", w->idx_part, strerror(errno));
    struct sha256_ctx sha;
    sha256_init(&sha);
    unsigned char head[34];
    memcpy(head, "MMIDIDX\0\0", 9);
    put_u64(head + 9, 1);
    head[17] = w->wide ? 4 : 8;
    size_t ndocs = w->docs.len / sizeof(int64_t);
    put_u64(head + 18, (uint64_t)w->nseq);
    put_u64(head + 26, (uint64_t)ndocs);
    int ok = fwrite(head, 1, sizeof head, f) == sizeof head;
    sha256_update(&sha, sizeof head, head);
    /* lengths and document indices are kept little-endian in memory on
     * the little-endian hosts malmoi builds for (x86-64, arm64) */
    ok = ok && fwrite(w->lengths.data, 1, w->lengths.len, f) == w->lengths.len;
    sha256_update(&sha, w->lengths.len, (const uint8_t *)w->lengths.data);
    const int32_t *len = (const int32_t *)w->lengths.data;
    int64_t ptr = 0;
    unsigned char pb[8 * 512];
    size_t k = 0;
    for (int64_t i = 0; i < w->nseq && ok; i++) {
        put_u64(pb + 8 * k++, (uint64_t)ptr);
        ptr += (int64_t)len[i] * (w->wide ? 4 : 2);
        if (k == 512 || i == w->nseq - 1) {
            ok = fwrite(pb, 8, k, f) == k;
            sha256_update(&sha, 8 * k, pb);
            k = 0;
        }
    }
    ok = ok && fwrite(w->docs.data, 1, w->docs.len, f) == w->docs.len;
    sha256_update(&sha, w->docs.len, (const uint8_t *)w->docs.data);
    if (!ok) {
        fclose(f);
        return mm_err_set(err, MM_EIO, "%s: cannot write: %s; check free disk space", w->idx_part, strerror(errno));
    }
    if ((rc = close_file(f, w->idx_part, err)) != MM_OK)
        return rc;
    ii->bytes = (int64_t)(sizeof head + w->lengths.len + 8 * (size_t)w->nseq + w->docs.len);
    digest_hex(&sha, ii->sha256);
    if (rename(w->bin_part, w->bin) != 0)
        return mm_err_set(err, MM_EIO, "%s: cannot rename to %s: %s", w->bin_part, w->bin, strerror(errno));
    if (rename(w->idx_part, w->idx) != 0)
        return mm_err_set(err, MM_EIO, "%s: cannot rename to %s: %s", w->idx_part, w->idx, strerror(errno));
    return MM_OK;
}

const struct export_shard_info *export_megatron_files(const struct export_megatron *w, size_t *n) {
    *n = w->ninfo;
    return w->info;
}

void export_megatron_free(struct export_megatron *w) {
    if (w == NULL)
        return;
    if (w->f)
        fclose(w->f);
    /* .part files are left only by a failed or unfinished export */
    unlink(w->bin_part);
    unlink(w->idx_part);
    for (size_t i = 0; i < 2; i++)
        free(w->info[i].file);
    free(w->bin);
    free(w->bin_part);
    free(w->idx);
    free(w->idx_part);
    free(w->bin_name);
    free(w->idx_name);
    mm_buf_free(&w->data);
    mm_buf_free(&w->lengths);
    mm_buf_free(&w->docs);
    free(w);
}
