/*
 * model.c -- opens a Hugging Face BERT or RoBERTa model folder (or the
 * Transformer module of a sentence-transformers folder, st.c): reads
 * config.json, loads model.safetensors or pytorch_model.bin, and binds the
 * BertModel / RobertaModel tensors (the same names in transformers, with or
 * without a `bert.` / `roberta.` prefix, old LayerNorm gamma/beta names)
 * after checking their shapes.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed_int.h"

static float half_to_float(uint16_t h) {
    uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, f = h & 0x3ff, u;
    if (e == 0) {
        if (f == 0) {
            u = s;
        } else { /* subnormal: normalise */
            e = 127 - 15 + 1;
            while (!(f & 0x400)) {
                f <<= 1;
                e--;
            }
            u = s | e << 23 | (f & 0x3ff) << 13;
        }
    } else if (e == 31) {
        u = s | 0x7f800000u | f << 13;
    } else {
        u = s | (e + 127 - 15) << 23 | f << 13;
    }
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static mm_rc own(struct emb_model *m, size_t n, float **out, struct mm_err *err) {
    if (m->n_owned == m->cap_owned) {
        size_t nc = m->cap_owned ? m->cap_owned * 2 : 64;
        float **p = realloc(m->owned, nc * sizeof *p);
        if (!p)
            return mm_err_set(err, MM_ENOMEM, "%s: out of memory converting weights", m->weights_path);
        m->owned = p;
        m->cap_owned = nc;
    }
    float *f = malloc((n ? n : 1) * sizeof *f);
    if (!f)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory converting weights (%zu floats)", m->weights_path, n);
    m->owned[m->n_owned++] = f;
    *out = f;
    return MM_OK;
}

/* Find `name` (prefix tried first, then gamma/beta spellings), check its
 * shape is (d0) or (d0,d1), and give float32 data (converted when needed).
 * *out is NULL and MM_OK is returned when absent and `optional`. */
static mm_rc get_w(struct emb_model *m, const char *prefix, const char *name, int64_t d0, int64_t d1,
                   int optional, const float **out, struct mm_err *err) {
    char full[256], alt[256];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    const struct emb_tensor *t = emb_tensors_find(&m->ts, full);
    if (!t) {
        const char *lw = strstr(full, "LayerNorm.weight"), *lb = strstr(full, "LayerNorm.bias");
        if (lw)
            snprintf(alt, sizeof alt, "%.*sLayerNorm.gamma", (int)(lw - full), full);
        else if (lb)
            snprintf(alt, sizeof alt, "%.*sLayerNorm.beta", (int)(lb - full), full);
        if (lw || lb)
            t = emb_tensors_find(&m->ts, alt);
    }
    *out = NULL;
    if (!t) {
        if (optional)
            return MM_OK;
        return mm_err_set(err, MM_EMODEL, "%s: tensor %s is missing; the checkpoint is not a complete encoder for %s/config.json",
                          m->weights_path, full, m->encoder_dir);
    }
    int nd = d1 ? 2 : 1;
    if (t->ndim != nd || t->shape[0] != d0 || (nd == 2 && t->shape[1] != d1)) {
        char got[96] = "", *g = got;
        for (int i = 0; i < t->ndim; i++)
            g += snprintf(g, sizeof got - (size_t)(g - got), "%s%lld", i ? "," : "", (long long)t->shape[i]);
        if (nd == 2)
            return mm_err_set(err, MM_EMODEL, "%s: tensor %s has shape [%s], config.json wants [%lld,%lld]; the weights do not match config.json",
                              m->weights_path, t->name, got, (long long)d0, (long long)d1);
        return mm_err_set(err, MM_EMODEL, "%s: tensor %s has shape [%s], config.json wants [%lld]; the weights do not match config.json",
                          m->weights_path, t->name, got, (long long)d0);
    }
    size_t n = (size_t)d0 * (size_t)(d1 ? d1 : 1);
    if (t->dtype == EMB_F32 && ((uintptr_t)t->data & 3) == 0) {
        *out = (const float *)(const void *)t->data;
        return MM_OK;
    }
    if (t->dtype != EMB_F32 && t->dtype != EMB_F16 && t->dtype != EMB_BF16)
        return mm_err_set(err, MM_EMODEL, "%s: tensor %s has dtype %s; only F32, F16 and BF16 weights are supported",
                          m->weights_path, t->name, emb_dtype_name(t->dtype));
    float *f;
    mm_rc rc = own(m, n, &f, err);
    if (rc)
        return rc;
    const unsigned char *p = t->data;
    for (size_t i = 0; i < n; i++) {
        if (t->dtype == EMB_F32) {
            memcpy(&f[i], p + 4 * i, 4);
        } else {
            uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
            if (t->dtype == EMB_F16) {
                f[i] = half_to_float(h);
            } else {
                uint32_t u = (uint32_t)h << 16;
                memcpy(&f[i], &u, 4);
            }
        }
    }
    *out = f;
    return MM_OK;
}

/* 1 when `p` is a regular file (links followed), 0 when nothing is there;
 * otherwise -1 and `err` says what is there instead (a FIFO, a device, a
 * folder, a broken link), so it is not reported as missing. */
static int weights_file(const char *p, struct mm_err *err) {
    struct stat st;
    if (stat(p, &st) == 0) {
        if (S_ISREG(st.st_mode))
            return 1;
        const char *what = S_ISFIFO(st.st_mode)  ? "a FIFO (named pipe)"
                           : S_ISCHR(st.st_mode) ? "a character device"
                           : S_ISBLK(st.st_mode) ? "a block device"
                           : S_ISDIR(st.st_mode) ? "a folder"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "not a regular file";
        struct stat lst;
        int link = lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode);
        mm_err_set(err, MM_EMODEL, "%s is %s%s, not a weights file; put the model's weights file there", p,
                   link ? "a symbolic link to " : "", what);
        return -1;
    }
    struct stat lst;
    if (errno == ENOENT && lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        mm_err_set(err, MM_EMODEL, "%s is a symbolic link to a file that does not exist; fix the link", p);
        return -1;
    }
    return 0;
}

static mm_rc bind(struct emb_model *m, struct mm_err *err) {
    const struct emb_config *c = &m->cfg;
    /* BertFor* / RobertaFor* checkpoints keep the encoder under a prefix. */
    const char *pre = emb_tensors_find(&m->ts, "bert.embeddings.word_embeddings.weight")      ? "bert."
                      : emb_tensors_find(&m->ts, "roberta.embeddings.word_embeddings.weight") ? "roberta."
                                                                                               : "";
    int64_t H = c->hidden, I = c->inter;
    mm_rc rc;
    if ((rc = get_w(m, pre, "embeddings.word_embeddings.weight", c->vocab, H, 0, &m->word, err)) ||
        (rc = get_w(m, pre, "embeddings.position_embeddings.weight", c->max_pos, H, 0, &m->pos, err)) ||
        (rc = get_w(m, pre, "embeddings.token_type_embeddings.weight", c->type_vocab, H, 0, &m->type, err)) ||
        (rc = get_w(m, pre, "embeddings.LayerNorm.weight", H, 0, 0, &m->emb_ln_g, err)) ||
        (rc = get_w(m, pre, "embeddings.LayerNorm.bias", H, 0, 0, &m->emb_ln_b, err)))
        return rc;
    m->layer = calloc((size_t)c->layers, sizeof *m->layer);
    if (!m->layer)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", m->weights_path);
    for (int l = 0; l < c->layers; l++) {
        struct emb_layer *L = &m->layer[l];
        char n[128];
        const float *w[3], *b[3];
        static const char *qkv[3] = {"query", "key", "value"};
        for (int k = 0; k < 3; k++) {
            snprintf(n, sizeof n, "encoder.layer.%d.attention.self.%s.weight", l, qkv[k]);
            if ((rc = get_w(m, pre, n, H, H, 0, &w[k], err)))
                return rc;
            snprintf(n, sizeof n, "encoder.layer.%d.attention.self.%s.bias", l, qkv[k]);
            if ((rc = get_w(m, pre, n, H, 0, 0, &b[k], err)))
                return rc;
        }
        /* One fused (3H,H) weight: a single GEMM gives Q, K and V. */
        float *wqkv, *bqkv;
        if ((rc = own(m, (size_t)(3 * H * H), &wqkv, err)) || (rc = own(m, (size_t)(3 * H), &bqkv, err)))
            return rc;
        for (int k = 0; k < 3; k++) {
            memcpy(wqkv + (size_t)(k * H * H), w[k], (size_t)(H * H) * sizeof(float));
            memcpy(bqkv + (size_t)(k * H), b[k], (size_t)H * sizeof(float));
        }
        L->wqkv = wqkv;
        L->bqkv = bqkv;
#define W(field, fmt, d0, d1)                                          \
    snprintf(n, sizeof n, "encoder.layer.%d." fmt, l);                 \
    if ((rc = get_w(m, pre, n, d0, d1, 0, &L->field, err)))            \
        return rc;
        W(wo, "attention.output.dense.weight", H, H)
        W(bo, "attention.output.dense.bias", H, 0)
        W(ln1_g, "attention.output.LayerNorm.weight", H, 0)
        W(ln1_b, "attention.output.LayerNorm.bias", H, 0)
        W(wi, "intermediate.dense.weight", I, H)
        W(bi, "intermediate.dense.bias", I, 0)
        W(wf, "output.dense.weight", H, I)
        W(bf, "output.dense.bias", H, 0)
        W(ln2_g, "output.LayerNorm.weight", H, 0)
        W(ln2_b, "output.LayerNorm.bias", H, 0)
#undef W
    }
    if ((rc = get_w(m, pre, "pooler.dense.weight", H, H, 1, &m->wp, err)) ||
        (rc = get_w(m, pre, "pooler.dense.bias", H, 0, 1, &m->bp, err)))
        return rc;
    if (!m->wp != !m->bp)
        return mm_err_set(err, MM_EMODEL, "%s: tensor %spooler.dense.%s is missing while the other pooler tensor is there; the checkpoint is damaged",
                          m->weights_path, pre, m->wp ? "bias" : "weight");
    /* The stacked QKV copies hold the data now; converted single tensors
     * stay in m->owned. Nothing else keeps pointers to w[]/b[]. */
    return MM_OK;
}

/* The weights in `d`: model.safetensors (taken first) or pytorch_model.bin. */
static mm_rc load_weights(struct emb_model *m, const char *d, struct mm_err *err) {
    size_t n = strlen(d) + 32;
    char *st = malloc(n), *bin = malloc(n);
    if (!st || !bin) {
        free(st);
        free(bin);
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", d);
    }
    snprintf(st, n, "%s/model.safetensors", d);
    snprintf(bin, n, "%s/pytorch_model.bin", d);
    mm_rc rc = MM_ENOTFOUND;
    int have_st = weights_file(st, err), have_bin = have_st == 0 ? weights_file(bin, err) : 0;
    if (have_st < 0 || have_bin < 0) {
        rc = MM_EMODEL;
    } else if (have_st) {
        m->weights_path = st;
        st = NULL;
        rc = emb_load_safetensors(m->weights_path, &m->ts, err);
    } else if (have_bin) {
        m->weights_path = bin;
        bin = NULL;
        rc = emb_load_torchbin(m->weights_path, &m->ts, err);
    }
    free(st);
    free(bin);
    return rc;
}

mm_rc emb_model_open(const char *dir, struct emb_model **out, struct mm_err *err) {
    *out = NULL;
    struct emb_model *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", dir);
    mm_rc rc;
    char *cfgp = NULL;
    if (!(m->dir = strdup(dir))) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", dir);
        goto fail;
    }
    /* A sentence-transformers folder names its Transformer module's folder. */
    if ((rc = emb_st_read(m, dir, err)))
        goto fail;
    if (!m->encoder_dir && !(m->encoder_dir = strdup(dir))) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", dir);
        goto fail;
    }
    size_t cl = strlen(m->encoder_dir) + 16;
    if (!(cfgp = malloc(cl))) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", dir);
        goto fail;
    }
    snprintf(cfgp, cl, "%s/config.json", m->encoder_dir);
    if ((rc = emb_config_read(cfgp, &m->cfg, err)))
        goto fail;
    if (!m->cfg.name[0] || m->st) {
        char *tmp = strdup(dir);
        if (!tmp) {
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", dir);
            goto fail;
        }
        while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
            tmp[strlen(tmp) - 1] = 0;
        snprintf(m->cfg.name, sizeof m->cfg.name, "%s", basename(tmp));
        free(tmp);
    }
    rc = load_weights(m, m->encoder_dir, err);
    /* sentence-transformers may keep the weights at the top of the folder */
    if (rc == MM_ENOTFOUND && m->st && strcmp(m->encoder_dir, dir) != 0)
        rc = load_weights(m, dir, err);
    if (rc == MM_ENOTFOUND)
        rc = mm_err_set(err, MM_ENOTFOUND, "%s: no model.safetensors or pytorch_model.bin; download the model's weights into the folder",
                        m->encoder_dir);
    if (rc || (rc = bind(m, err)) || (rc = emb_st_read_pooling(m, err)))
        goto fail;
    if (!m->st)
        m->default_pool = m->wp ? EMB_POOLED : EMB_CLS;
    if ((rc = emb_blas_open(&m->blas, err)))
        goto fail;
    free(cfgp);
    *out = m;
    return MM_OK;
fail:
    free(cfgp);
    emb_model_close(m);
    return rc;
}

void emb_model_close(struct emb_model *m) {
    if (!m)
        return;
    for (size_t i = 0; i < m->n_owned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->layer);
    emb_tensors_free(&m->ts);
    emb_blas_close(&m->blas);
    free(m->dir);
    free(m->encoder_dir);
    free(m->st_pool_dir);
    free(m->weights_path);
    free(m);
}

int emb_model_dim(const struct emb_model *m) { return m->cfg.hidden; }
int emb_model_max_positions(const struct emb_model *m) {
    return m->cfg.family == EMB_FAMILY_ROBERTA ? m->cfg.max_pos - m->cfg.pad_id - 1 : m->cfg.max_pos;
}

void emb_model_defaults(const struct emb_model *m, struct emb_model_defaults *out) {
    out->pool = m->default_pool;
    out->normalize = m->normalize;
    /* ST without max_seq_length takes min(max_position_embeddings, the
     * tokenizer's model_max_length): the positions the model has. */
    out->max_length = m->st_max_seq_length ? m->st_max_seq_length : m->st ? emb_model_max_positions(m) : 0;
    out->strip = m->st;
    out->tokenizer_dir = m->encoder_dir;
}
int emb_model_has_pooler(const struct emb_model *m) { return m->wp != NULL; }
const char *emb_model_name(const struct emb_model *m) { return m->cfg.name; }
const char *emb_model_weights_path(const struct emb_model *m) { return m->weights_path; }

void emb_model_sha256(const struct emb_model *m, char out[65]) {
    mm_sha256_hex(m->ts.map, m->ts.map_len, out);
}

static const char *const pool_names[] = {"pooled", "cls", "mean", "max", "mean-sqrt-len"};

int emb_pooling_parse(const char *name) {
    for (int i = 0; i < (int)(sizeof pool_names / sizeof pool_names[0]); i++)
        if (strcmp(name, pool_names[i]) == 0)
            return i;
    return -1;
}

const char *emb_pooling_name(enum emb_pooling p) {
    if (p >= 0 && (size_t)p < sizeof pool_names / sizeof pool_names[0])
        return pool_names[p];
    return "default";
}
