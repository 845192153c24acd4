/*
 * embed_int.h -- internals of the embed/ stage shared by its .c files:
 * the raw tensor table that both weight loaders fill (safetensors.c,
 * torchbin.c), the config reader, the BERT weight set and the kernels.
 * Nothing outside embed/ includes this header.
 */
#ifndef MALMOI_EMBED_INT_H
#define MALMOI_EMBED_INT_H

#include <stddef.h>
#include <stdint.h>

/* cblas.h without <complex.h>, whose macro I would clash with our names */
#define FORCE_OPENBLAS_COMPLEX_STRUCT
#include <cblas.h>

#include "embed.h"
#include "util.h"

#define EMB_MAX_DIMS 4
#define EMB_MAX_TENSORS 100000 /* a state dict with more names is refused */

enum emb_dtype { EMB_F32, EMB_F16, EMB_BF16, EMB_I64, EMB_I32, EMB_F64, EMB_OTHER };

/* One tensor as found in a weights file: a view into the mapped file. */
struct emb_tensor {
    char *name;                     /* owned, as stored in the file */
    enum emb_dtype dtype;
    int ndim;
    int64_t shape[EMB_MAX_DIMS];
    const unsigned char *data;      /* borrowed from the mapping; row-major, LE */
    size_t nbytes;
};

/* The tensors of one weights file plus the mapping they point into. */
struct emb_tensors {
    struct emb_tensor *t;  /* owned array */
    size_t n, cap;
    void *map;             /* mmap of the whole file */
    size_t map_len;
    char *path;            /* owned copy, for messages */
};

size_t emb_dtype_size(enum emb_dtype d);
const char *emb_dtype_name(enum emb_dtype d);
/* Append a tensor (name is copied). */
mm_rc emb_tensors_add(struct emb_tensors *ts, const char *name, size_t name_len, enum emb_dtype dt,
                      int ndim, const int64_t *shape, const unsigned char *data, size_t nbytes,
                      struct mm_err *err);
const struct emb_tensor *emb_tensors_find(const struct emb_tensors *ts, const char *name);
/* Map `path` read-only into ts->map. */
mm_rc emb_tensors_map(struct emb_tensors *ts, const char *path, struct mm_err *err);
void emb_tensors_free(struct emb_tensors *ts);

/* safetensors.c: read `path` (memory-mapped). Tested by: test_embed.c */
mm_rc emb_load_safetensors(const char *path, struct emb_tensors *ts, struct mm_err *err);
/* torchbin.c: read a torch.save zip archive (pytorch_model.bin) with a
 * restricted pickle reader. Tested by: test_embed.c */
mm_rc emb_load_torchbin(const char *path, struct emb_tensors *ts, struct mm_err *err);

/* config.c: the fields of a Hugging Face BertConfig / RobertaConfig the
 * forward pass uses. */
enum emb_act { EMB_GELU_ERF, EMB_GELU_TANH };
enum emb_family {
    EMB_FAMILY_BERT,    /* positions are the column index */
    EMB_FAMILY_ROBERTA, /* roberta / xlm-roberta: positions count the non-pad
                           ids from pad_id + 1; a pad id keeps pad_id */
};
struct emb_config {
    int vocab, hidden, layers, heads, inter, max_pos, type_vocab;
    int pad_id;      /* pad_token_id (BERT 0, RoBERTa 1 when not given) */
    float ln_eps;
    enum emb_act act;
    enum emb_family family;
    char name[256];  /* _name_or_path or the folder name */
};
mm_rc emb_config_read(const char *path, struct emb_config *cfg, struct mm_err *err);
/* Load the JSON file `path` (duplicate keys refused): MM_ENOTFOUND when it
 * cannot be opened ("PATH: cannot read: WHY" + hint), MM_EPARSE when it is
 * not JSON ("PATH:LINE: bad JSON: ..."). The caller json_decref()s *out. */
struct json_t;
mm_rc emb_json_load(const char *path, const char *hint, struct json_t **out, struct mm_err *err);

/* The weights of one encoder layer; Linear weights are [out,in]. */
struct emb_layer {
    const float *wqkv, *bqkv;   /* (3H,H), (3H): query, key, value stacked */
    const float *wo, *bo;       /* (H,H), (H) */
    const float *ln1_g, *ln1_b; /* (H) */
    const float *wi, *bi;       /* (I,H), (I) */
    const float *wf, *bf;       /* (H,I), (H) */
    const float *ln2_g, *ln2_b; /* (H) */
};

/* blas.c: the CBLAS functions the encoder calls, from the library
 * emb_blas_open loads (dlopen; MALMOI_BLAS, else libopenblas.so.0). */
typedef __typeof__(cblas_sgemm) emb_sgemm_fn;
typedef __typeof__(cblas_sgemv) emb_sgemv_fn;
struct emb_blas {
    void *lib; /* dlopen handle */
    emb_sgemm_fn *sgemm;
    emb_sgemv_fn *sgemv;
};
mm_rc emb_blas_open(struct emb_blas *b, struct mm_err *err);
void emb_blas_close(struct emb_blas *b);

struct emb_model {
    struct emb_blas blas;
    struct emb_config cfg;
    struct emb_tensors ts;
    const float *word, *pos, *type; /* (V,H), (P,H), (T,H) */
    const float *emb_ln_g, *emb_ln_b;
    struct emb_layer *layer;        /* owned array of cfg.layers */
    const float *wp, *bp;           /* pooler (H,H), (H); NULL when absent */
    float **owned;                  /* converted or stacked copies */
    size_t n_owned, cap_owned;
    char *dir, *weights_path;       /* owned */
    char *encoder_dir;              /* folder of config.json and the tokenizer
                                       (a sentence-transformers Transformer
                                       module's path, else dir); owned */
    enum emb_pooling default_pool;  /* ST Pooling config, else pooled / cls */
    int normalize;                  /* ST lists a Normalize module */
    int st;                         /* a sentence-transformers folder */
    int st_max_seq_length;          /* sentence_bert_config.json, 0 = none */
    char *st_pool_dir;              /* the Pooling module's folder; owned */
};

/* st.c: read a sentence-transformers folder's modules.json and
 * sentence_bert_config.json into m (st, encoder_dir, st_pool_dir,
 * normalize, st_max_seq_length). MM_OK with m->st = 0 when `dir` has no
 * modules.json. Tested by: test_reference.py */
mm_rc emb_st_read(struct emb_model *m, const char *dir, struct mm_err *err);
/* After the config is read: the Pooling module's mode into
 * m->default_pool (checked against hidden_size). No-op unless m->st. */
mm_rc emb_st_read_pooling(struct emb_model *m, struct mm_err *err);

/* kernels.c: the non-GEMM parts, vectorised where the CPU allows. */
/* x[r] = LN(x[r] + y[r] + bias) over n rows of width h; y, bias may be NULL. */
void emb_add_layernorm(float *x, const float *y, const float *bias, const float *g, const float *b,
                       size_t n, size_t h, float eps);
/* x[r] += bias over n rows of width h. */
void emb_add_bias(float *x, const float *bias, size_t n, size_t h);
/* x[r] = gelu(x[r] + bias) over n rows of width h. */
void emb_bias_gelu(float *x, const float *bias, size_t n, size_t h, enum emb_act act);
/* Row-wise softmax of an (n,m) matrix with row stride ld, in place. */
void emb_softmax_rows(float *s, size_t n, size_t m, size_t ld);

#endif
