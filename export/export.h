/*
 * export.h -- the export stage: BERT pretraining shards (MLM + NSP) from the
 * corpus database, as TFRecord files that google-research/bert's
 * run_pretraining.py reads or as JSON Lines that Hugging Face's
 * BertForPreTraining takes as is.
 *
 * The algorithm is create_pretraining_data.py's (segments filled up to the
 * target length, short sequences with short_seq_prob, a random next segment
 * half the time, truncate_seq_pair, 15% masking split 80/10/10, whole-word
 * masking optional), run per chunk of documents so memory stays bounded;
 * the random numbers come from our own seeded generator, so the same
 * database, tokenizer, seed and parameters give byte-identical shards.
 *
 * Ownership: inputs are borrowed. Tested by: tests/export/test_export.c,
 * tests/export/test_export_reader.py.
 */
#ifndef MALMOI_EXPORT_H
#define MALMOI_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "tokenize.h"
#include "util.h"

enum export_format {
    EXPORT_TFRECORD = 1, /* tf.train.Example records, length + masked CRC32C framing */
    EXPORT_JSONL = 2,    /* one JSON object a line, Hugging Face field names */
};

/* Hard limits. */
#define EXPORT_MAX_SEQ_LENGTH 4096         /* --max-seq-length */
#define EXPORT_MAX_SENTENCE_IDS 4096       /* ids per stored sentence example (longer: cut, truncated = 1) */
#define EXPORT_MAX_DOCUMENT_TOKENS (1u << 20) /* a longer document continues as a new one */

/* Which sentences are training data, as an SQL condition over `sentences s`
 * joined with `documents d`: every sentence of a BERT-text document (taken
 * as the user gave it); kept sentences of the other documents that were not
 * rejected. Export reads them; the pipeline encodes them. */
#define EXPORT_USED_SENTENCE \
    "(d.source = 'import:bert-text' OR (d.stage != 'rejected' AND s.reject_reason IS NULL))"

struct export_params {
    enum export_format format;
    uint64_t seed;              /* default 12345 (BERT's) */
    int max_seq_length;         /* default 128; >= 5 */
    int max_predictions;        /* masked_lm positions per instance, default 20 */
    double masked_lm_prob;      /* default 0.15 */
    double short_seq_prob;      /* default 0.1 */
    int dupe_factor;            /* passes over each document, default 10 */
    int whole_word_mask;        /* 0/1, default 0 */
    long shard_size;            /* instances per shard file, default 100000 */
    double validation_fraction; /* share of documents in the validation split, default 0 */
    int drop_duplicates;        /* skip sentences marked duplicate_of (default keep) */
    long chunk_tokens;          /* documents are processed in chunks of about this many
                                   tokens (NSP partners come from the same chunk);
                                   default 2^20; bounds memory */
};

/* Fill `p` with the defaults above (format TFRecord). */
void export_params_default(struct export_params *p);


/* Counts of one split (train or validation). */
struct export_split_counts {
    int64_t documents, sentences, tokens; /* input used */
    int64_t instances, masked, random_next, shards;
};
struct export_counts {
    struct export_split_counts train, validation;
    int64_t skipped_sentences; /* sentences without an example (not encoded yet: run `malmoi run` or pipeline_encode first) */
};

/* Write the shards of the database held by `s` into folder `out_dir`
 * (created when missing; it must hold nothing but files of an earlier
 * export, which are replaced): "train-00000.tfrecord" ... (or ".jsonl"),
 * "validation-00000..." when validation_fraction > 0, and manifest.json
 * (counts, parameters, seed, tokenizer name and sha256, source database,
 * each shard's instances, bytes and sha256). Sentences are those with an
 * example for `tok` (pipeline_encode in pipeline/pipeline.c makes them): kept sentences of
 * non-rejected documents, and every sentence of BERT-text documents;
 * validation documents are picked by a hash of the seed and document id.
 * Reads in one transaction, so a concurrent writer does not change the
 * result. `stop` (NULL allowed) is polled; when it becomes non-zero the call returns MM_EINTR. `counts` (NULL allowed) receives
 * the totals. Returns MM_OK, MM_EINVAL (bad parameter), MM_EIO (the folder
 * or a file cannot be written; message names it), MM_EDB, MM_EPARSE (a
 * stored example is not a JSON id array), MM_ENOMEM, MM_ELIMIT, MM_EINTR. */
mm_rc export_run(struct store *s, const struct tok_model *tok, const char *out_dir,
                 const struct export_params *p, const volatile int *stop, struct export_counts *counts,
                 struct mm_err *err);

#endif
