/*
 * instances.c -- documents to masked MLM/NSP instances: google-research/bert
 * create_pretraining_data.py's create_instances_from_document,
 * truncate_seq_pair and create_masked_lm_predictions, over token ids, on one
 * chunk of documents at a time (see ../shared/research/specs-tokenize-embed.md §5).
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "export_int.h"

/* A stored instance: its ids, then positions, then labels in pool->ids. */
struct pool_rec {
    uint64_t off;
    uint32_t len, a_len, nmask, random_next;
};

#define POOL_MAX ((size_t)16 << 30) /* far above any sane chunk; a hard stop */

void export_docs_init(struct export_docs *d) {
    mm_buf_init(&d->tok, POOL_MAX);
    mm_buf_init(&d->seg, 0);
    mm_buf_init(&d->doc, 0);
    d->ntok = d->nseg = d->ndoc = 0;
}

void export_docs_reset(struct export_docs *d) {
    mm_buf_reset(&d->tok);
    mm_buf_reset(&d->seg);
    mm_buf_reset(&d->doc);
    d->ntok = d->nseg = d->ndoc = 0;
}

void export_docs_free(struct export_docs *d) {
    if (d == NULL)
        return;
    mm_buf_free(&d->tok);
    mm_buf_free(&d->seg);
    mm_buf_free(&d->doc);
}

mm_rc export_docs_add(struct export_docs *d, int new_doc, const int32_t *ids, size_t n, struct mm_err *err) {
    if (n == 0)
        return MM_OK; /* BERT drops empty token lists */
    uint64_t segstart = d->ntok, first = d->nseg;
    if (new_doc || d->ndoc == 0) {
        if (mm_buf_append(&d->doc, &first, sizeof first) != MM_OK)
            return mm_err_set(err, MM_ENOMEM, "export: out of memory collecting documents");
        d->ndoc++;
    }
    if (mm_buf_append(&d->seg, &segstart, sizeof segstart) != MM_OK ||
        mm_buf_append(&d->tok, ids, n * sizeof *ids) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory collecting documents; lower the chunk size");
    d->nseg++;
    d->ntok += n;
    return MM_OK;
}

void export_pool_init(struct export_pool *p) {
    mm_buf_init(&p->recs, POOL_MAX);
    mm_buf_init(&p->ids, POOL_MAX);
    mm_buf_init(&p->cand, 0);
    mm_buf_init(&p->group, 0);
    mm_buf_init(&p->order, 0);
    p->n = 0;
}

void export_pool_reset(struct export_pool *p) {
    mm_buf_reset(&p->recs);
    mm_buf_reset(&p->ids);
    p->n = 0;
}

void export_pool_free(struct export_pool *p) {
    if (p == NULL)
        return;
    mm_buf_free(&p->recs);
    mm_buf_free(&p->ids);
    mm_buf_free(&p->cand);
    mm_buf_free(&p->group);
    mm_buf_free(&p->order);
}

void export_pool_get(const struct export_pool *p, size_t i, struct export_instance *out) {
    const struct pool_rec *r = (const struct pool_rec *)p->recs.data + i;
    const int32_t *base = (const int32_t *)p->ids.data + r->off;
    out->ids = base;
    out->len = r->len;
    out->a_len = r->a_len;
    out->mpos = base + r->len;
    out->mlabel = base + r->len + r->nmask;
    out->nmask = r->nmask;
    out->random_next = (int)r->random_next;
}

size_t export_num_to_predict(size_t len, double prob, int max_pred) {
    /* nearbyint() rounds half to even in the default rounding mode, as
     * Python 3's round() does (C's round() would give 30*0.15 -> 5, not 4). */
    double r = nearbyint((double)len * prob);
    size_t k = r < 1 ? 1 : (size_t)r;
    return k > (size_t)max_pred ? (size_t)max_pred : k;
}

/* Segment j of chunk d: [start, end) in d->tok. */
static inline uint64_t seg_start(const struct export_docs *d, size_t j) {
    return ((const uint64_t *)d->seg.data)[j];
}
static inline uint64_t seg_end(const struct export_docs *d, size_t j) {
    return j + 1 < d->nseg ? seg_start(d, j + 1) : d->ntok;
}
static inline size_t doc_first(const struct export_docs *d, size_t k) {
    return (size_t)((const uint64_t *)d->doc.data)[k];
}
static inline size_t doc_end(const struct export_docs *d, size_t k) {
    return k + 1 < d->ndoc ? doc_first(d, k + 1) : d->nseg;
}

/* A token range [lo, hi) of d->tok. */
struct span {
    uint64_t lo, hi;
};

/* truncate_seq_pair: cut the longer side (B on ties) at its front or back
 * with equal chance until the pair fits. */
static void truncate_pair(struct span *a, struct span *b, size_t max_tokens, struct export_rng *rng) {
    for (;;) {
        size_t la = a->hi - a->lo, lb = b->hi - b->lo;
        if (la + lb <= max_tokens)
            return;
        struct span *t = la > lb ? a : b;
        assert(t->hi > t->lo);
        if (export_rng_random(rng) < 0.5)
            t->lo++;
        else
            t->hi--;
    }
}

/* Append one instance built from spans a and b, masked, to the pool. */
static mm_rc add_instance(struct export_pool *out, const struct export_docs *d, struct span a, struct span b,
                          int random_next, const struct export_params *p, const struct export_vocab *v,
                          struct export_rng *rng, struct mm_err *err) {
    const int32_t *tok = (const int32_t *)d->tok.data;
    size_t la = a.hi - a.lo, lb = b.hi - b.lo, len = la + lb + 3;
    size_t quota = export_num_to_predict(len, p->masked_lm_prob, p->max_predictions);
    struct pool_rec rec = {out->ids.len / sizeof(int32_t), (uint32_t)len, (uint32_t)la, 0, (uint32_t)random_next};
    if (mm_buf_reserve(&out->ids, (len + 2 * quota) * sizeof(int32_t)) != MM_OK ||
        mm_buf_reserve(&out->cand, len * sizeof(uint32_t)) != MM_OK ||
        mm_buf_reserve(&out->group, (len + 1) * sizeof(uint32_t)) != MM_OK ||
        mm_buf_reserve(&out->order, len * sizeof(uint32_t)) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory building instances; lower the chunk size");
    int32_t *ids = (int32_t *)(out->ids.data + out->ids.len);
    size_t k = 0;
    ids[k++] = v->cls;
    memcpy(ids + k, tok + a.lo, la * sizeof *ids);
    k += la;
    ids[k++] = v->sep;
    memcpy(ids + k, tok + b.lo, lb * sizeof *ids);
    k += lb;
    ids[k++] = v->sep;

    /* Candidate groups: every position but [CLS]/[SEP]; with whole-word
     * masking a continuation piece joins the word right before it (never
     * across a [SEP], unlike the reference's string check). */
    uint32_t *cand = (uint32_t *)out->cand.data, *group = (uint32_t *)out->group.data;
    size_t ncand = 0, ngroup = 0;
    for (size_t i = 1; i < len - 1; i++) {
        if (i == la + 1)
            continue;
        int joins = v->continuation && p->whole_word_mask && ncand > 0 && cand[ncand - 1] == i - 1 &&
                    ids[i] >= 0 && ids[i] < v->size && v->continuation[ids[i]];
        if (!joins)
            group[ngroup++] = (uint32_t)ncand;
        cand[ncand++] = (uint32_t)i;
    }
    group[ngroup] = (uint32_t)ncand;
    uint32_t *order = (uint32_t *)out->order.data;
    for (size_t g = 0; g < ngroup; g++)
        order[g] = (uint32_t)g;
    export_rng_shuffle_u32(rng, order, ngroup);

    /* Positions and labels go after the ids; collect, then sort. */
    int32_t *mpos = ids + len;
    size_t nmask = 0;
    for (size_t gi = 0; gi < ngroup && nmask < quota; gi++) {
        uint32_t g = order[gi];
        size_t gn = group[g + 1] - group[g];
        if (nmask + gn > quota)
            continue;
        for (size_t c = group[g]; c < group[g + 1]; c++)
            mpos[nmask++] = (int32_t)cand[c];
    }
    /* Insertion sort: at most max_predictions entries. */
    for (size_t i = 1; i < nmask; i++) {
        int32_t x = mpos[i];
        size_t j = i;
        while (j > 0 && mpos[j - 1] > x) {
            mpos[j] = mpos[j - 1];
            j--;
        }
        mpos[j] = x;
    }
    /* Draw the replacements in ascending position order (the reference
     * draws them in group order; either is a fair 80/10/10 split). */
    int32_t *mlabel = mpos + nmask;
    for (size_t m = 0; m < nmask; m++) {
        int32_t pos = mpos[m];
        mlabel[m] = ids[pos];
        if (export_rng_random(rng) < 0.8)
            ids[pos] = v->mask;
        else if (export_rng_random(rng) < 0.5)
            ; /* keep the original */
        else
            ids[pos] = (int32_t)export_rng_randint(rng, 0, v->size - 1);
    }
    rec.nmask = (uint32_t)nmask;
    out->ids.len += (len + 2 * nmask) * sizeof(int32_t);
    out->ids.data[out->ids.len] = '\0';
    if (mm_buf_append(&out->recs, &rec, sizeof rec) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory building instances; lower the chunk size");
    out->n++;
    return MM_OK;
}

/* create_instances_from_document for document `di` (index into `docs`,
 * the shuffled document order). */
static mm_rc from_document(const struct export_docs *d, const uint32_t *docs, size_t di,
                           const struct export_params *p, const struct export_vocab *v, struct export_rng *rng,
                           struct export_pool *out, struct mm_err *err) {
    size_t doc = docs[di], first = doc_first(d, doc), end = doc_end(d, doc);
    size_t max_tokens = (size_t)p->max_seq_length - 3;
    size_t target = max_tokens;
    if (export_rng_random(rng) < p->short_seq_prob)
        target = (size_t)export_rng_randint(rng, 2, (int64_t)max_tokens);
    size_t chunk_first = first, chunk_n = 0, cur_len = 0;
    for (size_t i = first; i < end; i++) {
        if (chunk_n == 0)
            chunk_first = i;
        chunk_n++;
        cur_len += seg_end(d, i) - seg_start(d, i);
        if (i != end - 1 && cur_len < target)
            continue;
        size_t a_end = 1;
        if (chunk_n >= 2)
            a_end = (size_t)export_rng_randint(rng, 1, (int64_t)chunk_n - 1);
        struct span a = {seg_start(d, chunk_first), seg_end(d, chunk_first + a_end - 1)}, b;
        int random_next = 0;
        if (chunk_n == 1 || export_rng_random(rng) < 0.5) {
            random_next = 1;
            size_t la = a.hi - a.lo;
            size_t target_b = target > la ? target - la : 0;
            size_t rdoc = docs[di];
            for (int t = 0; t < 10; t++) {
                size_t rj = (size_t)export_rng_below(rng, d->ndoc);
                rdoc = docs[rj];
                if (rj != di)
                    break;
            }
            size_t rfirst = doc_first(d, rdoc), rend = doc_end(d, rdoc);
            size_t rstart = rfirst + (size_t)export_rng_below(rng, rend - rfirst);
            b.lo = seg_start(d, rstart);
            b.hi = b.lo;
            for (size_t j = rstart; j < rend; j++) {
                b.hi = seg_end(d, j);
                if (b.hi - b.lo >= target_b)
                    break;
            }
            /* The segments of the chunk that B did not use go back. */
            i -= chunk_n - a_end;
        } else {
            b.lo = seg_start(d, chunk_first + a_end);
            b.hi = seg_end(d, chunk_first + chunk_n - 1);
        }
        truncate_pair(&a, &b, max_tokens, rng);
        mm_rc rc = add_instance(out, d, a, b, random_next, p, v, rng, err);
        if (rc != MM_OK)
            return rc;
        chunk_n = 0;
        cur_len = 0;
    }
    return MM_OK;
}

mm_rc export_make_instances(const struct export_docs *d, const struct export_params *p,
                            const struct export_vocab *v, struct export_rng *rng, struct export_pool *out,
                            struct mm_buf *order, struct mm_err *err) {
    export_pool_reset(out);
    mm_buf_reset(order);
    if (d->ndoc == 0)
        return MM_OK;
    if (d->ndoc > UINT32_MAX)
        return mm_err_set(err, MM_ELIMIT, "export: more than 2^32 documents in one chunk; lower the chunk size");
    if (mm_buf_reserve(order, d->ndoc * sizeof(uint32_t)) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    uint32_t *docs = (uint32_t *)order->data;
    for (size_t k = 0; k < d->ndoc; k++)
        docs[k] = (uint32_t)k;
    export_rng_shuffle_u32(rng, docs, d->ndoc);
    for (int pass = 0; pass < p->dupe_factor; pass++)
        for (size_t di = 0; di < d->ndoc; di++) {
            mm_rc rc = from_document(d, docs, di, p, v, rng, out, err);
            if (rc != MM_OK)
                return rc;
        }
    if (out->n > UINT32_MAX)
        return mm_err_set(err, MM_ELIMIT, "export: more than 2^32 instances in one chunk; lower the chunk size");
    /* Reuse `order` for the shuffled instance order. */
    mm_buf_reset(order);
    if (mm_buf_reserve(order, out->n * sizeof(uint32_t)) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    uint32_t *perm = (uint32_t *)order->data;
    for (size_t k = 0; k < out->n; k++)
        perm[k] = (uint32_t)k;
    order->len = out->n * sizeof(uint32_t);
    export_rng_shuffle_u32(rng, perm, out->n);
    return MM_OK;
}
