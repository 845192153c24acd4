/*
 * export_int.h -- internals shared by the export stage's files: the random
 * generator, the document chunk, the instance pool, the record encoders and
 * the shard writer.
 */
#ifndef MALMOI_EXPORT_INT_H
#define MALMOI_EXPORT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "export.h"

/* ---- rng.c: xoshiro256** ---------------------------------------------- */
struct export_rng {
    uint64_t s[4];
};
void export_rng_seed(struct export_rng *r, uint64_t seed, uint64_t stream);
uint64_t export_rng_next(struct export_rng *r);
double export_rng_random(struct export_rng *r);            /* [0, 1), 53 bits */
uint64_t export_rng_below(struct export_rng *r, uint64_t n); /* [0, n) */
int64_t export_rng_randint(struct export_rng *r, int64_t a, int64_t b); /* [a, b] */
void export_rng_shuffle_u32(struct export_rng *r, uint32_t *v, size_t n);

/* ---- what the algorithm needs to know about the vocabulary -------------- */
struct export_vocab {
    int32_t size, cls, sep, mask, pad;
    const uint8_t *continuation; /* size entries: 1 = piece continues a word; NULL = none */
};

/* ---- instances.c: documents -> masked instances ----------------------- */
/* A chunk of documents; a segment is one sentence's ids without [CLS]/[SEP]. */
struct export_docs {
    struct mm_buf tok; /* int32_t ids of all segments, back to back */
    struct mm_buf seg; /* uint64_t: start of each segment in tok */
    struct mm_buf doc; /* uint64_t: first segment of each document */
    size_t ntok, nseg, ndoc;
};
void export_docs_init(struct export_docs *d);
void export_docs_reset(struct export_docs *d);
void export_docs_free(struct export_docs *d);
/* Add a segment (n > 0) to the current document, or start a new document
 * with it when `new_doc`. */
mm_rc export_docs_add(struct export_docs *d, int new_doc, const int32_t *ids, size_t n, struct mm_err *err);

/* One training instance as the writers see it. */
struct export_instance {
    const int32_t *ids;    /* [CLS] A [SEP] B [SEP], masked; len entries */
    size_t len, a_len;     /* a_len: tokens of A (segment 1 starts at a_len + 2) */
    const int32_t *mpos;   /* masked positions, ascending; nmask entries */
    const int32_t *mlabel; /* original ids at those positions */
    size_t nmask;
    int random_next;       /* NSP label: 1 = B is a random segment */
};

/* Instances of one chunk, stored compactly until they are shuffled out. */
struct export_pool {
    struct mm_buf recs; /* struct pool_rec (instances.c) */
    struct mm_buf ids;  /* int32_t: ids, positions, labels of every instance */
    size_t n;
    struct mm_buf cand, group, order; /* scratch for masking */
};
void export_pool_init(struct export_pool *p);
void export_pool_reset(struct export_pool *p);
void export_pool_free(struct export_pool *p);
void export_pool_get(const struct export_pool *p, size_t i, struct export_instance *out);

/* Run create_pretraining_data's instance creation over chunk `d` (all
 * dupe_factor passes, documents shuffled first) into `out` (reset first).
 * `order` receives a shuffled permutation of the instances (uint32_t). */
mm_rc export_make_instances(const struct export_docs *d, const struct export_params *p,
                            const struct export_vocab *v, struct export_rng *rng, struct export_pool *out,
                            struct mm_buf *order, struct mm_err *err);

/* Masked-LM quota for an instance of `len` tokens: min(max_pred, max(1,
 * round_half_even(len * prob))), as Python 3's round() gives. */
size_t export_num_to_predict(size_t len, double prob, int max_pred);

/* ---- tfrecord.c / jsonl.c: one instance -> one record ------------------ */
uint32_t export_crc32c(uint32_t crc, const void *p, size_t n);
uint32_t export_masked_crc32c(const void *p, size_t n);
/* Append the framed tf.train.Example of `in` to `out`. */
mm_rc export_tfrecord_encode(const struct export_instance *in, const struct export_params *p,
                             const struct export_vocab *v, struct mm_buf *scratch, struct mm_buf *out);
/* Append v in decimal (jsonl.c; no printf: the ids of every line go through it). */
mm_rc export_json_int(struct mm_buf *b, int64_t v);
/* Append one JSON line (with "\n") for `in` to `out`. */
mm_rc export_jsonl_encode(const struct export_instance *in, const struct export_params *p,
                          const struct export_vocab *v, struct mm_buf *out);

/* ---- shard.c: files of a split ----------------------------------------- */
struct export_shard_info {
    char *file;    /* base name, owned */
    int64_t instances, bytes;
    char sha256[65];
};
struct export_sink; /* opaque */
mm_rc export_sink_new(const char *dir, const char *split, const struct export_params *p,
                      const struct export_vocab *v, struct export_sink **out, struct mm_err *err);
mm_rc export_sink_write(struct export_sink *k, const struct export_instance *in, struct mm_err *err);
/* Append one record already encoded (a JSON line with its "\n"). */
mm_rc export_sink_write_record(struct export_sink *k, const void *rec, size_t n, struct mm_err *err);
/* Finish the last shard. */
mm_rc export_sink_finish(struct export_sink *k, struct mm_err *err);
/* Shards written so far (borrowed). */
const struct export_shard_info *export_sink_shards(const struct export_sink *k, size_t *n);
/* Close and free; an unfinished shard's temporary file is removed. NULL ok. */
void export_sink_free(struct export_sink *k);

/* ---- pack.c: RoBERTa FULL-SENTENCES inputs (objective mlm, JSON Lines) --- */
struct export_packer {
    size_t L;                       /* max_seq_length */
    const struct export_vocab *v;
    struct mm_buf ids;              /* int32_t: the input being filled, cls first */
    struct mm_buf line;             /* scratch for one JSON line */
    int pending_sep;                /* a document ended: sep before the next sentence */
    int64_t inputs, tokens;         /* written so far (tokens: specials included) */
};
void export_packer_init(struct export_packer *k, const struct export_params *p, const struct export_vocab *v);
void export_packer_free(struct export_packer *k);
/* Add one sentence (n > 0 ids without specials); `new_doc` when it starts
 * a document. Full inputs go to `sink`. */
mm_rc export_packer_add(struct export_packer *k, int new_doc, const int32_t *ids, size_t n, struct export_sink *sink,
                        struct mm_err *err);
/* Write the last, partly filled input. */
mm_rc export_packer_finish(struct export_packer *k, struct export_sink *sink, struct mm_err *err);

/* ---- megatron.c: Megatron-LM's indexed dataset (PREFIX.bin + PREFIX.idx) -- */
struct export_megatron;
/* 1 when ids are written as int32 (vocab_size >= 65500), else uint16. */
int export_megatron_wide(int32_t vocab_size);
/* A writer of DIR/SPLIT.bin and DIR/SPLIT.idx (made at finish). */
mm_rc export_megatron_new(const char *dir, const char *split, int32_t vocab_size, struct export_megatron **out,
                          struct mm_err *err);
/* One sequence (a sentence's ids); `new_doc` when it starts a document. */
mm_rc export_megatron_add(struct export_megatron *w, int new_doc, const int32_t *ids, size_t n, struct mm_err *err);
/* Write the index and rename both files into place (none without sequences). */
mm_rc export_megatron_finish(struct export_megatron *w, struct mm_err *err);
/* The two files (.bin, .idx) once finished: sequences, bytes, sha256. */
const struct export_shard_info *export_megatron_files(const struct export_megatron *w, size_t *n);
/* Free; unfinished .part files are removed. NULL ok. */
void export_megatron_free(struct export_megatron *w);

/* ---- source.c: reading and preparing the database ----------------------- */
struct export_reader;
/* Stream the sentences export uses, document by document in id order. */
mm_rc export_reader_open(struct store *s, const char *tok_key, int drop_duplicates, const struct export_vocab *v,
                         struct export_reader **out, struct mm_err *err);
/* Next sentence: *doc_id, its ids without [CLS]/[SEP] (borrowed until the
 * next call). Returns MM_OK with *done = 1 at the end. A sentence without
 * an example sets *missing = 1 and no ids. */
mm_rc export_reader_next(struct export_reader *r, int64_t *doc_id, const int32_t **ids, size_t *n,
                         int *missing, int *done, struct mm_err *err);
void export_reader_free(struct export_reader *r);

#endif
