/*
 * trie.c -- the byte (or label) trie both tokenizers walk, laid out as a
 * double array (Aoe's base/check scheme, as darts uses): one array access
 * per step, compact enough to stay in cache. Built at load from the sorted
 * keys (the trie's edges then come out in order), read-only after, shared
 * between threads.
 */
#include <stdlib.h>
#include <string.h>

#include "tokenize_int.h"

void tok_trie_free(struct tok_trie *t) {
    if (!t)
        return;
    free(t->da);
    t->da = NULL;
    free(t->vals);
    t->vals = NULL;
    t->da_len = 0;
}

int32_t tok_trie_get(const struct tok_trie *t, const char *key, size_t n) {
    const unsigned char *k = (const unsigned char *)key;
    uint32_t node = 0;
    int32_t v = -1;
    if (!t->da)
        return -1;
    for (size_t i = 0; i < n; i++) {
        node = tok_trie_step(t, node, k[i], &v);
        if (!node)
            return -1;
    }
    return n ? v : -1;
}

static int gedge_cmp(const void *a, const void *b) {
    const struct tok_gedge *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

static mm_rc da_reserve(struct tok_trie *t, uint32_t *cap, uint32_t need) {
    if (need <= *cap)
        return MM_OK;
    uint32_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    struct tok_da *d = realloc(t->da, (size_t)ncap * sizeof *d);
    if (d)
        t->da = d;
    int32_t *v = realloc(t->vals, (size_t)ncap * sizeof *v);
    if (v)
        t->vals = v;
    if (!d || !v)
        return MM_ENOMEM;
    for (uint32_t i = *cap; i < ncap; i++) {
        d[i].base = 0;
        d[i].check = TOK_DA_FREE;
        v[i] = -1;
    }
    *cap = ncap;
    return MM_OK;
}

mm_rc tok_da_build(struct tok_trie *t, struct tok_gedge *edges, uint32_t ne, uint32_t nn,
                   uint32_t max_label) {
    mm_rc rc = MM_ENOMEM;
    uint32_t *first = calloc((size_t)nn + 1, sizeof *first); /* edges of node i: first[i]..first[i+1] */
    uint32_t *unit = malloc((size_t)nn * sizeof *unit);      /* builder node -> DA unit */
    uint32_t *queue = malloc((size_t)nn * sizeof *queue);
    struct tok_gedge *sorted = NULL;
    uint32_t *fill = NULL;
    uint32_t cap = 0;
    if (!first || !unit || !queue)
        goto out;
    /* stable counting sort by parent; labels within a parent are usually
     * in order already (keys were sorted), else that run is sorted */
    for (uint32_t i = 0; i < ne; i++)
        first[edges[i].parent + 1]++;
    for (uint32_t i = 0; i < nn; i++)
        first[i + 1] += first[i];
    sorted = malloc(((size_t)ne + 1) * sizeof *sorted);
    fill = malloc(((size_t)nn + 1) * sizeof *fill);
    if (!sorted || !fill)
        goto out;
    memcpy(fill, first, ((size_t)nn + 1) * sizeof *fill);
    for (uint32_t i = 0; i < ne; i++)
        sorted[fill[edges[i].parent]++] = edges[i];
    for (uint32_t v = 0; v < nn; v++) {
        for (uint32_t i = first[v] + 1; i < first[v + 1]; i++) {
            if (sorted[i - 1].label > sorted[i].label) {
                qsort(sorted + first[v], first[v + 1] - first[v], sizeof *sorted, gedge_cmp);
                break;
            }
        }
    }
    edges = sorted;
    free(t->da);
    t->da = NULL;
    free(t->vals);
    t->vals = NULL;
    if (da_reserve(t, &cap, 512 + max_label) != MM_OK)
        goto out;
    t->da[0].check = TOK_DA_FREE - 1; /* the root is nobody's child */
    uint32_t used = 1;   /* one past the highest unit in use */
    uint32_t scan = 1;   /* below this, units are (nearly) all taken */
    uint32_t qh = 0, qt = 0;
    unit[0] = 0;
    queue[qt++] = 0;
    while (qh < qt) {
        uint32_t node = queue[qh++];
        uint32_t a = first[node], b = first[node + 1];
        if (a == b)
            continue;
        while (scan < used && t->da[scan].check != TOK_DA_FREE)
            scan++;
        uint32_t c0 = edges[a].label;
        /* try each free unit p >= scan for the first child: base = p - c0 */
        uint32_t p = scan > c0 ? scan : c0 + 1;
        uint32_t base, tries = 0;
        for (;;) {
            if (da_reserve(t, &cap, p + max_label + 2) != MM_OK)
                goto out;
            while (t->da[p].check != TOK_DA_FREE)
                p++;
            base = p - c0;
            int ok = 1;
            for (uint32_t e = a + 1; e < b && ok; e++)
                ok = t->da[base + edges[e].label].check == TOK_DA_FREE;
            if (ok)
                break;
            p++;
            tries++;
        }
        /* darts' heuristic: a region that keeps failing is nearly full;
         * give up its last holes rather than rescanning it for every node */
        if (tries > 16 || p - scan > 1024)
            scan = p;
        uint32_t parent = unit[node];
        t->da[parent].base = (int32_t)base;
        for (uint32_t e = a; e < b; e++) {
            uint32_t idx = base + edges[e].label;
            t->da[idx].check = parent;
            t->vals[idx] = edges[e].value;
            unit[edges[e].child] = idx;
            queue[qt++] = edges[e].child;
            if (idx + 1 > used)
                used = idx + 1;
        }
    }
    /* keep max_label + 1 spare units so base + label never reads past the end */
    if (da_reserve(t, &cap, used + max_label + 1) != MM_OK)
        goto out;
    t->da_len = used;
    for (uint32_t i = 1; i < used; i++)
        if (t->da[i].check != TOK_DA_FREE && t->vals[i] >= 0)
            t->da[i].check |= TOK_DA_VALUE;
    struct tok_da *shrunk = realloc(t->da, ((size_t)used + max_label + 1) * sizeof *shrunk);
    if (shrunk)
        t->da = shrunk;
    int32_t *vshrunk = realloc(t->vals, ((size_t)used + max_label + 1) * sizeof *vshrunk);
    if (vshrunk)
        t->vals = vshrunk;
    rc = MM_OK;
out:
    free(first);
    free(unit);
    free(queue);
    free(sorted);
    free(fill);
    return rc;
}

struct seqs {
    const uint32_t *labels, *starts, *lens;
};

static int seq_cmp(const void *a, const void *b, void *ctx) {
    const struct seqs *q = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const uint32_t *x = q->labels + q->starts[i], *y = q->labels + q->starts[j];
    uint32_t n = q->lens[i] < q->lens[j] ? q->lens[i] : q->lens[j];
    for (uint32_t k = 0; k < n; k++)
        if (x[k] != y[k])
            return x[k] < y[k] ? -1 : 1;
    if (q->lens[i] != q->lens[j])
        return q->lens[i] < q->lens[j] ? -1 : 1;
    return i < j ? -1 : i > j; /* equal keys: the first one first */
}

mm_rc tok_trie_build_seqs(struct tok_trie *t, const uint32_t *labels, const uint32_t *starts,
                          const uint32_t *lens, const int32_t *values, uint32_t n,
                          uint32_t max_label) {
    memset(t, 0, sizeof *t);
    mm_rc rc = MM_ENOMEM;
    uint32_t maxlen = 1;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (lens[i] > maxlen)
            maxlen = lens[i];
        total += lens[i];
    }
    if (total >= UINT32_MAX)
        return MM_ENOMEM;
    uint32_t *order = malloc(((size_t)n + 1) * sizeof *order);
    uint32_t *path = malloc((size_t)maxlen * sizeof *path);
    struct tok_gedge *edges = malloc((total + 1) * sizeof *edges);
    if (!order || !path || !edges)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    struct seqs q = {labels, starts, lens};
    qsort_r(order, n, sizeof *order, seq_cmp, &q);
    uint32_t nn = 1, ne = 0, prev = UINT32_MAX;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t i = order[r];
        const uint32_t *x = labels + starts[i];
        uint32_t common = 0;
        if (prev != UINT32_MAX) {
            const uint32_t *y = labels + starts[prev];
            uint32_t m = lens[i] < lens[prev] ? lens[i] : lens[prev];
            while (common < m && x[common] == y[common])
                common++;
        }
        for (uint32_t d = common; d < lens[i]; d++) {
            edges[ne].parent = d == 0 ? 0 : path[d - 1];
            edges[ne].label = x[d];
            edges[ne].child = nn;
            edges[ne].value = -1;
            ne++;
            path[d] = nn++;
        }
        /* node k > 0 was made by edge k - 1 */
        struct tok_gedge *end = &edges[path[lens[i] - 1] - 1];
        if (end->value < 0)
            end->value = values[i];
        prev = i;
    }
    rc = tok_da_build(t, edges, ne, nn, max_label);
out:
    free(order);
    free(path);
    free(edges);
    return rc;
}

mm_rc tok_trie_build_bytes(struct tok_trie *t, const char *const *keys, const uint32_t *lens,
                           const int32_t *values, uint32_t n) {
    memset(t, 0, sizeof *t);
    size_t total = 0;
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (lens[i]) {
            total += lens[i];
            m++;
        }
    if (total >= UINT32_MAX)
        return MM_ENOMEM;
    uint32_t *labels = malloc((total + 1) * sizeof *labels);
    uint32_t *starts = malloc(((size_t)m + 1) * sizeof *starts);
    uint32_t *ls = malloc(((size_t)m + 1) * sizeof *ls);
    int32_t *vs = malloc(((size_t)m + 1) * sizeof *vs);
    mm_rc rc = MM_ENOMEM;
    if (labels && starts && ls && vs) {
        uint32_t pos = 0, k = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!lens[i])
                continue; /* the empty key is never matched */
            starts[k] = pos;
            ls[k] = lens[i];
            vs[k++] = values[i];
            for (uint32_t j = 0; j < lens[i]; j++)
                labels[pos++] = (unsigned char)keys[i][j];
        }
        rc = tok_trie_build_seqs(t, labels, starts, ls, vs, m, 255);
    }
    free(labels);
    free(starts);
    free(ls);
    free(vs);
    return rc;
}

size_t tok_trie_longest(const struct tok_trie *t, const unsigned char *s, size_t n, int32_t *id) {
    uint32_t node = 0;
    size_t len = 0;
    *id = -1;
    for (size_t k = 0; k < n; k++) {
        int32_t v;
        node = tok_trie_step(t, node, s[k], &v);
        if (!node)
            break;
        if (v >= 0) {
            len = k + 1;
            *id = v;
        }
    }
    return len;
}
