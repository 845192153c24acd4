/*
 * shard.c -- the files of one split: instances are encoded into a buffer,
 * written to "SPLIT-NNNNN.EXT.part" and renamed into place when the shard
 * is full, each with its instance count, size and SHA-256 for the manifest.
 */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"

#define FLUSH_BYTES (1u << 20)

struct export_sink {
    char *dir, *split;
    const struct export_params *p;
    const struct export_vocab *v;
    FILE *f;                      /* the shard being written, or NULL */
    char *part, *final;           /* its temporary and final paths */
    struct sha256_ctx sha;
    int64_t count, bytes;
    struct mm_buf rec, scratch;   /* encoded records not yet written */
    struct export_shard_info *shards;
    size_t n, cap;
};

static const char *ext(const struct export_params *p) { return p->format == EXPORT_JSONL ? "jsonl" : "tfrecord"; }

mm_rc export_sink_new(const char *dir, const char *split, const struct export_params *p,
                      const struct export_vocab *v, struct export_sink **out, struct mm_err *err) {
    *out = NULL;
    struct export_sink *k = calloc(1, sizeof *k);
    if (k == NULL || (k->dir = strdup(dir)) == NULL || (k->split = strdup(split)) == NULL) {
        export_sink_free(k);
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    }
    k->p = p;
    k->v = v;
    mm_buf_init(&k->rec, 0);
    mm_buf_init(&k->scratch, 0);
    *out = k;
    return MM_OK;
}

static mm_rc flush(struct export_sink *k, struct mm_err *err) {
    if (k->rec.len == 0)
        return MM_OK;
    if (fwrite(k->rec.data, 1, k->rec.len, k->f) != k->rec.len)
        return mm_err_set(err, MM_EIO, "%s: cannot write: %s; check free disk space", k->part, strerror(errno));
    sha256_update(&k->sha, k->rec.len, (const uint8_t *)k->rec.data);
    k->bytes += (int64_t)k->rec.len;
    mm_buf_reset(&k->rec);
    return MM_OK;
}

static mm_rc open_shard(struct export_sink *k, struct mm_err *err) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    if (mm_buf_printf(&b, "%s-%05zu.%s", k->split, k->n, ext(k->p)) != MM_OK)
        goto oom;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        struct export_shard_info *s = realloc(k->shards, cap * sizeof *s);
        if (s == NULL)
            goto oom;
        k->shards = s;
        k->cap = cap;
    }
    memset(&k->shards[k->n], 0, sizeof k->shards[k->n]);
    k->shards[k->n].file = mm_buf_steal(&b);
    if (k->shards[k->n].file == NULL)
        goto oom;
    free(k->final);
    free(k->part);
    k->part = NULL;
    size_t flen = strlen(k->dir) + strlen(k->shards[k->n].file) + 2;
    if ((k->final = malloc(flen)) == NULL || (k->part = malloc(flen + 5)) == NULL)
        goto oom_file;
    snprintf(k->final, flen, "%s/%s", k->dir, k->shards[k->n].file);
    snprintf(k->part, flen + 5, "%s.part", k->final);
    k->f = fopen(k->part, "wb");
    if (k->f == NULL) {
        mm_err_set(err, MM_EIO, "%s: cannot create: %s", k->part, strerror(errno));
        free(k->shards[k->n].file);
        return MM_EIO;
    }
    sha256_init(&k->sha);
    k->count = k->bytes = 0;
    k->n++;
    return MM_OK;
oom_file:
    free(k->shards[k->n].file);
oom:
    mm_buf_free(&b);
    return mm_err_set(err, MM_ENOMEM, "export: out of memory");
}

static mm_rc close_shard(struct export_sink *k, struct mm_err *err) {
    mm_rc rc = flush(k, err);
    if (rc != MM_OK)
        return rc;
    int bad = fflush(k->f) != 0 || fsync(fileno(k->f)) != 0;
    bad |= fclose(k->f) != 0;
    k->f = NULL;
    if (bad)
        return mm_err_set(err, MM_EIO, "%s: cannot write: %s; check free disk space", k->part, strerror(errno));
    if (rename(k->part, k->final) != 0)
        return mm_err_set(err, MM_EIO, "%s: cannot rename to %s: %s", k->part, k->final, strerror(errno));
    struct export_shard_info *s = &k->shards[k->n - 1];
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&k->sha, sizeof digest, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(s->sha256 + 2 * i, 3, "%02x", digest[i]);
    s->instances = k->count;
    s->bytes = k->bytes;
    return MM_OK;
}

/* A record was appended to k->rec: count it, write out a full buffer,
 * close a full shard. */
static mm_rc record_added(struct export_sink *k, struct mm_err *err) {
    mm_rc rc;
    k->count++;
    if (k->rec.len >= FLUSH_BYTES && (rc = flush(k, err)) != MM_OK)
        return rc;
    if (k->count >= k->p->shard_size)
        return close_shard(k, err);
    return MM_OK;
}

mm_rc export_sink_write(struct export_sink *k, const struct export_instance *in, struct mm_err *err) {
    mm_rc rc;
    if (k->f == NULL && (rc = open_shard(k, err)) != MM_OK)
        return rc;
    rc = k->p->format == EXPORT_JSONL ? export_jsonl_encode(in, k->p, k->v, &k->rec)
                                      : export_tfrecord_encode(in, k->p, k->v, &k->scratch, &k->rec);
    if (rc != MM_OK)
        return mm_err_set(err, rc, "export: out of memory encoding a record");
    return record_added(k, err);
}

mm_rc export_sink_write_record(struct export_sink *k, const void *rec, size_t n, struct mm_err *err) {
    mm_rc rc;
    if (k->f == NULL && (rc = open_shard(k, err)) != MM_OK)
        return rc;
    if (mm_buf_append(&k->rec, rec, n) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory encoding a record");
    return record_added(k, err);
}

mm_rc export_sink_finish(struct export_sink *k, struct mm_err *err) {
    return k->f ? close_shard(k, err) : MM_OK;
}

const struct export_shard_info *export_sink_shards(const struct export_sink *k, size_t *n) {
    *n = k->n;
    return k->shards;
}

void export_sink_free(struct export_sink *k) {
    if (k == NULL)
        return;
    if (k->f) {
        fclose(k->f);
        unlink(k->part);
    }
    for (size_t i = 0; i < k->n; i++)
        free(k->shards[i].file);
    free(k->shards);
    free(k->part);
    free(k->final);
    free(k->dir);
    free(k->split);
    mm_buf_free(&k->rec);
    mm_buf_free(&k->scratch);
    free(k);
}
