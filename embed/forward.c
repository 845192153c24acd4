/*
 * forward.c -- the BERT / RoBERTa encoder forward pass (transformers
 * BertModel, RobertaModel: the same layers, RoBERTa's position ids differ),
 * eval mode, over OpenBLAS sgemm, with its own worker threads.
 *
 * Only real tokens are computed: sequences are sorted by length and packed
 * into micro-batches of about run->batch_tokens rows with no padding. The
 * dense layers run over all packed rows at once; attention runs per
 * sequence, so padding never costs time. Each worker thread takes whole
 * micro-batches and calls single-threaded sgemm, so one thread pool (ours)
 * uses the cores and OpenBLAS's own threads stay idle.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "embed_int.h"

#define EMB_DEFAULT_BATCH_TOKENS 1024
#define EMB_MAX_THREADS 256

struct seq {
    size_t idx;    /* row in the caller's batch */
    size_t len;    /* real tokens */
};

struct mb {
    size_t first, count, tokens; /* range in the sorted seq array */
};

struct job {
    const struct emb_model *m;
    const struct emb_input *in;
    enum emb_pooling pool;
    int normalize;
    const struct seq *seqs;
    const struct mb *mbs;
    size_t n_mb, max_rows, max_len;
    atomic_size_t next;
    atomic_int failed;
    float *out;
};

struct work {
    float *x, *qkv, *ctx, *tmp, *ff, *s, *xc, *cc; /* scratch, see alloc_work */
    int32_t *tok, *pos, *typ;                       /* (rows) packed inputs */
    size_t *off;                                    /* (count+1) row offsets */
};

static void free_work(struct work *w) {
    free(w->x); free(w->qkv); free(w->ctx); free(w->tmp); free(w->ff);
    free(w->s); free(w->xc); free(w->cc);
    free(w->tok); free(w->pos); free(w->typ); free(w->off);
    memset(w, 0, sizeof *w);
}

static int alloc_work(struct work *w, const struct emb_config *c, size_t rows, size_t max_len) {
    size_t H = (size_t)c->hidden, Iw = (size_t)c->inter;
    memset(w, 0, sizeof *w);
    w->x = malloc(rows * H * sizeof(float));
    w->qkv = malloc(rows * 3 * H * sizeof(float));
    w->ctx = malloc(rows * H * sizeof(float));
    w->tmp = malloc(rows * H * sizeof(float));
    w->ff = malloc(rows * Iw * sizeof(float));
    w->s = malloc(max_len * max_len * sizeof(float));
    w->xc = malloc(rows * H * sizeof(float));
    w->cc = malloc(rows * H * sizeof(float));
    w->tok = malloc(rows * sizeof(int32_t));
    w->pos = malloc(rows * sizeof(int32_t));
    w->typ = malloc(rows * sizeof(int32_t));
    w->off = malloc((rows + 1) * sizeof(size_t));
    if (!w->x || !w->qkv || !w->ctx || !w->tmp || !w->ff || !w->s || !w->xc || !w->cc || !w->tok || !w->pos ||
        !w->typ || !w->off) {
        free_work(w);
        return -1;
    }
    return 0;
}

/* y (n,out) = x (n,in) · Wᵀ with W stored (out,in) as nn.Linear keeps it. */
static void linear(const struct emb_blas *blas, const float *x, size_t n, size_t in, const float *w, size_t out, float *y,
                   size_t ldy) {
    blas->sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1.0f, x, (int)in, w, (int)in,
                0.0f, y, (int)ldy);
}

static void add_bias_strided(float *x, size_t ld, const float *bias, size_t n, size_t h) {
    for (size_t r = 0; r < n; r++)
        emb_add_bias(x + r * ld, bias, 1, h);
}

/* The position id of column t holding `id`. BERT: the column. RoBERTa
 * (transformers create_position_ids_from_input_ids): the non-pad ids of
 * the row so far (*count, including this one) after pad_id, and pad_id
 * itself for a pad id -- counted over every column, masked or not, as
 * transformers does. */
static inline int32_t emb_position(const struct emb_config *c, int32_t id, size_t t, int32_t *count) {
    if (c->family != EMB_FAMILY_ROBERTA)
        return (int32_t)t;
    if (id == c->pad_id)
        return c->pad_id;
    return c->pad_id + ++*count;
}

/* One micro-batch: packed rows of `count` sequences, results into job->out. */
static void run_mb(struct job *J, struct work *w, const struct mb *mb) {
    const struct emb_model *m = J->m;
    const struct emb_config *c = &m->cfg;
    const struct emb_input *in = J->in;
    size_t H = (size_t)c->hidden, Iw = (size_t)c->inter, nh = (size_t)c->heads, d = H / nh, H3 = 3 * H;
    float scale = 1.0f / sqrtf((float)d);
    size_t B = mb->count;

    /* Pack the real tokens with their positions (emb_position). */
    size_t N = 0;
    for (size_t b = 0; b < B; b++) {
        const struct seq *sq = &J->seqs[mb->first + b];
        w->off[b] = N;
        int32_t count = 0;
        for (size_t t = 0; t < in->T; t++) {
            size_t k = sq->idx * in->T + t;
            int32_t pos = emb_position(c, in->ids[k], t, &count);
            if (in->mask && !in->mask[k])
                continue;
            w->tok[N] = in->ids[k];
            w->typ[N] = in->type_ids ? in->type_ids[k] : 0;
            w->pos[N] = pos;
            N++;
        }
    }
    w->off[B] = N;

    /* Embeddings: word + position + token type, then LayerNorm. */
    for (size_t r = 0; r < N; r++) {
        float *x = w->x + r * H;
        const float *a = m->word + (size_t)w->tok[r] * H, *p = m->pos + (size_t)w->pos[r] * H,
                    *t = m->type + (size_t)w->typ[r] * H;
        for (size_t j = 0; j < H; j++)
            x[j] = a[j] + p[j] + t[j];
    }
    emb_add_layernorm(w->x, NULL, NULL, m->emb_ln_g, m->emb_ln_b, N, H, c->ln_eps);

    int nl = c->layers;
    /* pooled and cls need only the first token of the last layer */
    int short_last = J->pool == EMB_POOLED || J->pool == EMB_CLS;
    for (int l = 0; l < nl; l++) {
        const struct emb_layer *L = &m->layer[l];
        if (l == nl - 1 && short_last)
            break;
        linear(&m->blas, w->x, N, H, L->wqkv, H3, w->qkv, H3);
        emb_add_bias(w->qkv, L->bqkv, N, H3);
        for (size_t b = 0; b < B; b++) {
            size_t o = w->off[b], len = w->off[b + 1] - o;
            const float *q = w->qkv + o * H3;
            for (size_t h = 0; h < nh; h++) {
                m->blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)len, (int)len, (int)d, scale, q + h * d,
                            (int)H3, q + H + h * d, (int)H3, 0.0f, w->s, (int)len);
                emb_softmax_rows(w->s, len, len, len);
                m->blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)len, (int)d, (int)len, 1.0f, w->s,
                            (int)len, q + 2 * H + h * d, (int)H3, 0.0f, w->ctx + o * H + h * d, (int)H);
            }
        }
        linear(&m->blas, w->ctx, N, H, L->wo, H, w->tmp, H);
        emb_add_layernorm(w->x, w->tmp, L->bo, L->ln1_g, L->ln1_b, N, H, c->ln_eps);
        linear(&m->blas, w->x, N, H, L->wi, Iw, w->ff, Iw);
        emb_bias_gelu(w->ff, L->bi, N, Iw, c->act);
        linear(&m->blas, w->ff, N, Iw, L->wf, H, w->tmp, H);
        emb_add_layernorm(w->x, w->tmp, L->bf, L->ln2_g, L->ln2_b, N, H, c->ln_eps);
    }

    const float *xout = w->x; /* row of sequence b: xout + off[b]*H, or xc + b*H */
    if (short_last) {
        /* Last layer for the first token only: keys and values for every
         * row, the query and everything after attention for B rows. */
        const struct emb_layer *L = &m->layer[nl - 1];
        linear(&m->blas, w->x, N, H, L->wqkv + H * H, 2 * H, w->qkv + H, H3);
        add_bias_strided(w->qkv + H, H3, L->bqkv + H, N, 2 * H);
        for (size_t b = 0; b < B; b++)
            memcpy(w->xc + b * H, w->x + w->off[b] * H, H * sizeof(float));
        linear(&m->blas, w->xc, B, H, L->wqkv, H, w->tmp, H);
        emb_add_bias(w->tmp, L->bqkv, B, H);
        for (size_t b = 0; b < B; b++) {
            size_t o = w->off[b], len = w->off[b + 1] - o;
            const float *kv = w->qkv + o * H3;
            for (size_t h = 0; h < nh; h++) {
                m->blas.sgemv(CblasRowMajor, CblasNoTrans, (int)len, (int)d, scale, kv + H + h * d, (int)H3,
                            w->tmp + b * H + h * d, 1, 0.0f, w->s, 1);
                emb_softmax_rows(w->s, 1, len, len);
                m->blas.sgemv(CblasRowMajor, CblasTrans, (int)len, (int)d, 1.0f, kv + 2 * H + h * d, (int)H3, w->s, 1,
                            0.0f, w->cc + b * H + h * d, 1);
            }
        }
        linear(&m->blas, w->cc, B, H, L->wo, H, w->tmp, H);
        emb_add_layernorm(w->xc, w->tmp, L->bo, L->ln1_g, L->ln1_b, B, H, c->ln_eps);
        linear(&m->blas, w->xc, B, H, L->wi, Iw, w->ff, Iw);
        emb_bias_gelu(w->ff, L->bi, B, Iw, c->act);
        linear(&m->blas, w->ff, B, Iw, L->wf, H, w->tmp, H);
        emb_add_layernorm(w->xc, w->tmp, L->bf, L->ln2_g, L->ln2_b, B, H, c->ln_eps);
        xout = w->xc;
    }

    for (size_t b = 0; b < B; b++) {
        const struct seq *sq = &J->seqs[mb->first + b];
        float *o = J->out + sq->idx * H;
        size_t r0 = w->off[b], len = w->off[b + 1] - r0;
        const float *first = short_last ? xout + b * H : xout + r0 * H;
        if (J->pool == EMB_MEAN || J->pool == EMB_MEAN_SQRT_LEN) {
            for (size_t j = 0; j < H; j++)
                o[j] = 0;
            for (size_t r = r0; r < r0 + len; r++)
                for (size_t j = 0; j < H; j++)
                    o[j] += xout[r * H + j];
            float div = J->pool == EMB_MEAN ? (float)len : sqrtf((float)len);
            for (size_t j = 0; j < H; j++)
                o[j] /= div;
        } else if (J->pool == EMB_MAX) {
            memcpy(o, xout + r0 * H, H * sizeof(float));
            for (size_t r = r0 + 1; r < r0 + len; r++)
                for (size_t j = 0; j < H; j++)
                    if (xout[r * H + j] > o[j])
                        o[j] = xout[r * H + j];
        } else if (J->pool == EMB_CLS) {
            memcpy(o, first, H * sizeof(float));
        } else {
            m->blas.sgemv(CblasRowMajor, CblasNoTrans, (int)H, (int)H, 1.0f, m->wp, (int)H, first, 1, 0.0f, o, 1);
            for (size_t j = 0; j < H; j++)
                o[j] = tanhf(o[j] + m->bp[j]);
        }
        if (J->normalize) {
            /* torch.nn.functional.normalize: x / max(||x||, 1e-12) */
            double ss = 0;
            for (size_t j = 0; j < H; j++)
                ss += (double)o[j] * o[j];
            double nrm = sqrt(ss);
            float inv = (float)(1.0 / (nrm > 1e-12 ? nrm : 1e-12));
            for (size_t j = 0; j < H; j++)
                o[j] *= inv;
        }
    }
}

static void *worker(void *arg) {
    struct job *J = arg;
    struct work w;
    if (alloc_work(&w, &J->m->cfg, J->max_rows, J->max_len)) {
        atomic_store(&J->failed, 1);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&J->next, 1);
        if (i >= J->n_mb || atomic_load(&J->failed))
            break;
        run_mb(J, &w, &J->mbs[i]);
    }
    free_work(&w);
    return NULL;
}

static int by_len_desc(const void *a, const void *b) {
    const struct seq *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? 1 : -1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

mm_rc emb_encode(const struct emb_model *m, const struct emb_input *in, enum emb_pooling pool,
                 const struct emb_run *run, float *out, struct mm_err *err) {
    const struct emb_config *c = &m->cfg;
    if (pool == EMB_POOL_DEFAULT)
        pool = m->default_pool;
    if (pool == EMB_POOLED && !m->wp)
        return mm_err_set(err, MM_EINVAL, "%s: the checkpoint has no pooler weights (pooler.dense.*), so there is no pooled output; use --pooling cls, mean, max or mean-sqrt-len",
                          m->weights_path);
    if (pool < EMB_POOLED || pool > EMB_MEAN_SQRT_LEN)
        return mm_err_set(err, MM_EINVAL, "unknown pooling %d", (int)pool);
    if (in->n == 0)
        return MM_OK;
    if (!in->ids || in->T == 0)
        return mm_err_set(err, MM_EINVAL, "empty input batch (T = 0)");
    int threads = run && run->threads > 0 ? run->threads : 1;
    if (threads > EMB_MAX_THREADS)
        threads = EMB_MAX_THREADS;
    size_t budget = run && run->batch_tokens ? run->batch_tokens : EMB_DEFAULT_BATCH_TOKENS;

    struct seq *seqs = malloc(in->n * sizeof *seqs);
    struct mb *mbs = malloc(in->n * sizeof *mbs);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    mm_rc rc = MM_OK;
    if (!seqs || !mbs || !tid) {
        rc = mm_err_set(err, MM_ENOMEM, "out of memory for a batch of %zu sequences", in->n);
        goto out;
    }
    size_t max_len = 0;
    for (size_t i = 0; i < in->n; i++) {
        size_t len = 0;
        int32_t count = 0;
        for (size_t t = 0; t < in->T; t++) {
            size_t k = i * in->T + t;
            int32_t pos = emb_position(c, in->ids[k], t, &count);
            if (in->mask && !in->mask[k])
                continue;
            if (in->ids[k] < 0 || in->ids[k] >= c->vocab) {
                rc = mm_err_set(err, MM_EINVAL, "sequence %zu, token %zu: id %d outside the vocabulary [0, %d) of %s; the tokenizer does not match the model",
                                i, t, (int)in->ids[k], c->vocab, m->dir);
                goto out;
            }
            int ty = in->type_ids ? in->type_ids[k] : 0;
            if (ty < 0 || ty >= c->type_vocab) {
                rc = mm_err_set(err, MM_EINVAL, "sequence %zu, token %zu: token type %d outside [0, %d)", i, t, ty,
                                c->type_vocab);
                goto out;
            }
            if (pos >= c->max_pos) {
                rc = mm_err_set(err, MM_EINVAL, "sequence %zu: token %zu is past max_position_embeddings %d; truncate to --max-length %d",
                                i, t, c->max_pos, emb_model_max_positions(m));
                goto out;
            }
            len++;
        }
        if (len == 0 || (in->mask && !in->mask[i * in->T])) {
            rc = mm_err_set(err, MM_EINVAL, "sequence %zu: %s; every sequence needs its [CLS] token first", i,
                            len ? "the first token is padding" : "no real tokens");
            goto out;
        }
        seqs[i].idx = i;
        seqs[i].len = len;
        if (len > max_len)
            max_len = len;
    }
    qsort(seqs, in->n, sizeof *seqs, by_len_desc);
    /* Every thread should get work: a small batch is split evenly. */
    size_t total = 0;
    for (size_t i = 0; i < in->n; i++)
        total += seqs[i].len;
    if (threads > 1 && budget > (total + (size_t)threads - 1) / (size_t)threads)
        budget = (total + (size_t)threads - 1) / (size_t)threads;
    size_t n_mb = 0, max_rows = 0;
    for (size_t i = 0; i < in->n;) {
        struct mb *b = &mbs[n_mb++];
        b->first = i;
        b->count = 0;
        b->tokens = 0;
        while (i < in->n && (b->count == 0 || b->tokens + seqs[i].len <= budget)) {
            b->tokens += seqs[i].len;
            b->count++;
            i++;
        }
        if (b->tokens > max_rows)
            max_rows = b->tokens;
    }
    if ((size_t)threads > n_mb)
        threads = (int)n_mb;

    /* One pool: ours. OpenBLAS runs each call in the calling thread (set
     * once, when emb_model_open loaded it: emb_blas_open). */
    struct job J = {.m = m, .in = in, .pool = pool, .normalize = run && run->normalize, .seqs = seqs, .mbs = mbs, .n_mb = n_mb,
                    .max_rows = max_rows, .max_len = max_len, .out = out};
    atomic_init(&J.next, 0);
    atomic_init(&J.failed, 0);
    int started = 0;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, worker, &J) != 0)
            break;
        started++;
    }
    worker(&J);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    if (atomic_load(&J.failed))
        rc = mm_err_set(err, MM_ENOMEM, "out of memory for the work buffers of %zu rows; lower --batch", max_rows);
out:
    free(seqs);
    free(mbs);
    free(tid);
    return rc;
}
