/*
 * embed.h -- the embed/ stage: a BERT or RoBERTa encoder (Hugging Face
 * BertModel, RobertaModel, XLMRobertaModel) in C over OpenBLAS, giving one
 * vector per sentence (pooled, [CLS], mean, max or mean-sqrt-len).
 *
 * A model is a Hugging Face model folder: config.json plus model.safetensors
 * or pytorch_model.bin; or a sentence-transformers folder (modules.json),
 * whose Transformer module is such a folder and whose Pooling and Normalize
 * modules set the default output. The forward pass takes token ids that a
 * tokenizer already made ([CLS] ... [SEP] or <s> ... </s>, see
 * tokenize/tokenize.h).
 *
 * Ownership: inputs are borrowed; emb_model_open() returns a handle the
 * caller frees with emb_model_close(). Output arrays are caller-owned.
 * The model is read-only after opening: several emb_encode() calls may share
 * it from different threads.
 */
#ifndef MALMOI_EMBED_H
#define MALMOI_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct emb_model;

enum emb_pooling {
    EMB_POOL_DEFAULT = -1, /* the model's own: emb_model_defaults().pool */
    EMB_POOLED = 0, /* tanh(W·h[CLS] + b): BertModel's pooler_output */
    EMB_CLS = 1,    /* last hidden state of the first token */
    EMB_MEAN = 2,   /* mean of the last hidden states over real tokens */
    EMB_MAX = 3,    /* element-wise max over real tokens */
    EMB_MEAN_SQRT_LEN = 4, /* sum over real tokens / sqrt(count) */
};

/* Open the model in folder `dir`: config.json and model.safetensors (taken
 * first) or pytorch_model.bin. model_type bert, roberta or xlm-roberta.
 * Tensor names may carry a `bert.` or `roberta.` prefix and old
 * `gamma`/`beta` LayerNorm names; heads (`cls.*`, `lm_head.*`) are ignored;
 * shapes are checked against config.json. F16/BF16 weights are converted
 * to float32 once. A folder with modules.json is read as a
 * sentence-transformers model: the Transformer module's folder (weights
 * there or at the top), Pooling (cls, mean, max, mean-sqrt-len; one mode)
 * and Normalize; any other module is refused.
 * Returns MM_OK, MM_ENOTFOUND (no config or weights), MM_EMODEL (a missing
 * tensor, wrong shape or dtype, truncated or malformed file, an unsupported
 * module: the message names the file and tensor), MM_EPARSE (bad
 * config.json or module config), MM_ENOMEM.
 * *out is NULL on failure. Tested by: tests/embed/test_embed.c,
 * test_reference.py */
mm_rc emb_model_open(const char *dir, struct emb_model **out, struct mm_err *err);

/* Free a model; NULL allowed. */
void emb_model_close(struct emb_model *m);

/* Output width (hidden_size). */
int emb_model_dim(const struct emb_model *m);
/* Largest number of tokens a sequence may have: max_position_embeddings
 * (BERT), max_position_embeddings - pad_token_id - 1 (RoBERTa: 512 of 514). */
int emb_model_max_positions(const struct emb_model *m);
/* 1 when the checkpoint has pooler weights (EMB_POOLED possible), else 0. */
int emb_model_has_pooler(const struct emb_model *m);
/* The model's name: config.json `_name_or_path` when set, else the folder
 * name. Borrowed, valid until emb_model_close(). */
const char *emb_model_name(const struct emb_model *m);
/* Path of the weights file that was loaded. Borrowed. */
const char *emb_model_weights_path(const struct emb_model *m);
/* SHA-256 of the weights file's bytes (reads the whole mapping: about a
 * second for BERT-base). */
void emb_model_sha256(const struct emb_model *m, char out[65]);

/* What the model folder asks for, so that the default output is what its
 * own library gives (SentenceTransformer(dir).encode() for an ST folder). */
struct emb_model_defaults {
    enum emb_pooling pool; /* ST Pooling's mode; else pooled with pooler weights, else cls */
    int normalize;         /* 1: ST lists a Normalize module (L2-normalise) */
    int max_length;        /* ST max_seq_length (sentence_bert_config.json; without
                              it the model's positions, as ST does); 0 = not ST */
    int strip;             /* 1: strip leading/trailing white space of each text (ST) */
    const char *tokenizer_dir; /* folder of the tokenizer files (ST: the
                                  Transformer module's); borrowed */
};
void emb_model_defaults(const struct emb_model *m, struct emb_model_defaults *out);

/* Parse a pooling name ("pooled", "cls", "mean", "max", "mean-sqrt-len");
 * -1 if unknown. */
int emb_pooling_parse(const char *name);
/* The name of p; EMB_POOL_DEFAULT gives "default". */
const char *emb_pooling_name(enum emb_pooling p);

/* A batch of n sequences padded to T tokens, row-major (n,T). */
struct emb_input {
    size_t n, T;
    const int32_t *ids;      /* (n,T) token ids < vocab_size */
    const int32_t *type_ids; /* (n,T) token types, or NULL for all 0 */
    const int32_t *mask;     /* (n,T) 1 = real token, 0 = padding; NULL = all real */
};

/* How to run: threads and batching. Zero fields take the defaults. */
struct emb_run {
    int threads;         /* worker threads (default 1); each runs whole
                            micro-batches with single-threaded BLAS calls */
    size_t batch_tokens; /* real tokens per micro-batch (default 1024; smaller
                            when a batch has fewer tokens than threads x that) */
    int normalize;       /* 1: divide each output by its L2 norm (at least
                            1e-12), as sentence-transformers' Normalize */
};

/* Embed every sequence of `in` into out[i*dim .. (i+1)*dim).
 * Only real tokens (mask 1) are computed: sequences are sorted by length and
 * packed into micro-batches without padding, which gives the same result as
 * BertModel with that attention mask (positions stay the column index;
 * RoBERTa's count the non-pad ids of the row, as transformers does).
 * `pool` EMB_POOL_DEFAULT takes the model's default.
 * Runs `run->threads` threads of its own; OpenBLAS was set to one thread
 * (openblas_set_num_threads(1)) when the model was opened, so that only
 * one thread pool uses the cores. The BLAS is the library emb_model_open loaded (MALMOI_BLAS, else
 * libopenblas.so.0; embed/README.md). Returns MM_OK, MM_EINVAL (an id, type or position out of range, a
 * sequence without real tokens or whose first token is padding, EMB_POOLED
 * on a checkpoint without pooler), MM_ENOMEM. Tested by: test_embed.c,
 * test_reference.py */
mm_rc emb_encode(const struct emb_model *m, const struct emb_input *in, enum emb_pooling pool,
                 const struct emb_run *run, float *out, struct mm_err *err);

/* Write a (rows,cols) float32 matrix as a NumPy .npy file (atomically).
 * Returns MM_OK, MM_EIO, MM_ENOMEM. Tested by: test_cli.sh */
mm_rc emb_npy_write_f32(const char *path, const float *data, size_t rows, size_t cols, struct mm_err *err);
/* Read a 2-D C-order int32 or int64 .npy file into a malloc'd int32 array
 * (*out, free() it). Returns MM_OK, MM_EIO, MM_ENOTFOUND, MM_EPARSE,
 * MM_ENOMEM. Tested by: test_reference.py (through emb_tool) */
mm_rc emb_npy_read_i32(const char *path, int32_t **out, size_t *rows, size_t *cols, struct mm_err *err);

/* ---- examples in the SQLite store -> embeddings (db.c) ---- */
struct sqlite3; /* sqlite3.h's handle; pass store_db(store) */

struct emb_db_opts {
    enum emb_pooling pool; /* EMB_POOL_DEFAULT: the model's */
    struct emb_run run;
    size_t batch;          /* examples per chunk and transaction (default 256) */
    size_t max_length;     /* longer examples keep their head and last [SEP] (default 128) */
    const char *tokenizer; /* take only examples with this examples.tokenizer
                              ("kobert-spm:17dc4710"); NULL = all */
    volatile int *stop;    /* set to non-zero to stop between chunks; NULL ok */
    void (*progress)(void *ctx, int64_t done); /* after each chunk; NULL ok */
    void *progress_ctx;
};

/* Embed every example that has no `embeddings` row yet for this model
 * (emb_model_name), weights checksum and pooling (its name, with
 * "+normalize" appended when o->run.normalize), in chunks of o->batch,
 * one transaction per chunk (a row from an older checksum is replaced).
 * *n_done counts the vectors written. Returns MM_OK, MM_EDB, MM_EBUSY,
 * MM_EPARSE (an example's ids are not a JSON array), MM_EINTR (stopped),
 * and emb_encode's codes. Tested by: tests/embed/test_cli.sh */
mm_rc emb_db_embed(struct sqlite3 *db, const struct emb_model *m, const struct emb_db_opts *o, int64_t *n_done,
                   struct mm_err *err);

#endif
