/*
 * test_export.c -- unit tests of the export stage's pieces against
 * independent references: CRC-32C check values from RFC 3720 B.4, Python 3
 * round() results for the masking quota, and the invariants of BERT's
 * create_pretraining_data on hand-made documents (each instance rebuilt
 * from the source documents by brute force).
 */
#include "export_int.h"
#include "test.h"

static void test_crc32c(void) {
    /* RFC 3720 appendix B.4 and the common "123456789" check value. */
    CHECK_INT(export_crc32c(0, "123456789", 9), 0xE3069283u);
    unsigned char z[32] = {0}, f[32], inc[32];
    for (int i = 0; i < 32; i++) {
        f[i] = 0xff;
        inc[i] = (unsigned char)i;
    }
    CHECK_INT(export_crc32c(0, z, 32), 0x8A9136AAu);
    CHECK_INT(export_crc32c(0, f, 32), 0x62A8AB43u);
    CHECK_INT(export_crc32c(0, inc, 32), 0x46DD794Eu);
    /* Incremental use gives the same value. */
    CHECK_INT(export_crc32c(export_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    /* Masking: ((crc >> 15) | (crc << 17)) + 0xa282ead8, by hand for 0xE3069283. */
    uint32_t c = 0xE3069283u;
    CHECK_INT(export_masked_crc32c("123456789", 9), (uint32_t)(((c >> 15) | (c << 17)) + 0xa282ead8u));
}

static void test_quota(void) {
    /* Values of Python 3: min(20, max(1, round(n * 0.15))). */
    static const struct {
        size_t n;
        size_t want;
    } cases[] = {{3, 1}, {5, 1}, {10, 2}, {30, 4}, {50, 8}, {70, 10}, {90, 14}, {110, 16}, {128, 19}, {140, 20}, {512, 20}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_INT(export_num_to_predict(cases[i].n, 0.15, 20), cases[i].want);
    CHECK_INT(export_num_to_predict(100, 0.5, 100), 50);
}

static void test_rng(void) {
    struct export_rng a, b;
    export_rng_seed(&a, 1, 0);
    export_rng_seed(&b, 1, 0);
    int same = 1, inrange = 1;
    for (int i = 0; i < 1000; i++) {
        if (export_rng_next(&a) != export_rng_next(&b))
            same = 0;
        int64_t x = export_rng_randint(&a, 2, 7);
        export_rng_randint(&b, 2, 7);
        if (x < 2 || x > 7)
            inrange = 0;
    }
    CHECK(same);
    CHECK(inrange);
    export_rng_seed(&b, 1, 1);
    CHECK(export_rng_next(&a) != export_rng_next(&b));
    /* A shuffle is a permutation. */
    uint32_t v[50], seen[50] = {0};
    for (uint32_t i = 0; i < 50; i++)
        v[i] = i;
    export_rng_shuffle_u32(&a, v, 50);
    for (int i = 0; i < 50; i++)
        seen[v[i]]++;
    int perm = 1;
    for (int i = 0; i < 50; i++)
        perm &= seen[i] == 1;
    CHECK(perm);
}

/* Hand-made corpus: document d, sentence s, token t has id
 * 100 + d*1000 + s*20 + t, so every id says where it came from. Ids below
 * 100 are specials and "continuation" ids are the odd ones. */
#define V 70000
static uint8_t cont[V];

static int32_t idv(int d, int s, int t) { return 100 + d * 1000 + s * 20 + t; }

static void build(struct export_docs *docs, int ndoc) {
    for (int d = 0; d < ndoc; d++)
        for (int s = 0; s < 3 + d % 5; s++) {
            int32_t ids[20];
            int n = 2 + (d * 7 + s * 3) % 17;
            for (int t = 0; t < n; t++)
                ids[t] = idv(d, s, t);
            CHECK(export_docs_add(docs, s == 0, ids, (size_t)n, NULL) == MM_OK);
        }
}

/* Next id after x in the stream of its document, or -1. */
static int follows(int32_t x, int32_t y, int ndoc) {
    int d = (x - 100) / 1000, s = (x - 100) % 1000 / 20, t = (x - 100) % 20;
    int n = 2 + (d * 7 + s * 3) % 17;
    if (d >= ndoc)
        return 0;
    if (t + 1 < n)
        return y == idv(d, s, t + 1);
    return y == idv(d, s + 1, 0);
}

static void check_instances(const struct export_params *p, int ndoc) {
    struct export_docs docs;
    export_docs_init(&docs);
    build(&docs, ndoc);
    struct export_vocab v = {V, 2, 3, 4, 1, cont};
    for (int i = 0; i < V; i++)
        cont[i] = i >= 100 && (i % 2);
    struct export_pool pool;
    struct mm_buf order;
    export_pool_init(&pool);
    mm_buf_init(&order, 0);
    struct export_rng rng;
    export_rng_seed(&rng, 42, 0);
    CHECK(export_make_instances(&docs, p, &v, &rng, &pool, &order, NULL) == MM_OK);
    CHECK(pool.n > 0);
    size_t nrandom = 0, nmasked = 0, nmask_tok = 0, nkept = 0;
    int ok_struct = 1, ok_quota = 1, ok_contig = 1, ok_sorted = 1, ok_wwm = 1;
    for (size_t i = 0; i < pool.n; i++) {
        struct export_instance in;
        export_pool_get(&pool, ((const uint32_t *)order.data)[i], &in);
        int32_t orig[4096];
        for (size_t k = 0; k < in.len; k++)
            orig[k] = in.ids[k];
        for (size_t m = 0; m < in.nmask; m++) {
            if (m && in.mpos[m] <= in.mpos[m - 1])
                ok_sorted = 0;
            orig[in.mpos[m]] = in.mlabel[m];
            nmasked++;
            nmask_tok += in.ids[in.mpos[m]] == 4;
            nkept += in.ids[in.mpos[m]] == in.mlabel[m];
        }
        size_t la = in.a_len, lb = in.len - la - 3;
        if (in.len > (size_t)p->max_seq_length || la < 1 || lb < 1 || orig[0] != 2 || orig[la + 1] != 3 ||
            orig[in.len - 1] != 3)
            ok_struct = 0;
        if (!p->whole_word_mask && in.nmask != export_num_to_predict(in.len, p->masked_lm_prob, p->max_predictions))
            ok_quota = 0;
        if (in.nmask > export_num_to_predict(in.len, p->masked_lm_prob, p->max_predictions))
            ok_quota = 0;
        /* Within A and within B, tokens follow each other in the source
         * (the generator numbers them so). */
        for (size_t k = 2; k < la + 1; k++)
            if (!follows(orig[k - 1], orig[k], ndoc))
                ok_contig = 0;
        for (size_t k = la + 3; k < in.len - 1; k++)
            if (!follows(orig[k - 1], orig[k], ndoc))
                ok_contig = 0;
        /* Actual next: B continues A in the same document. */
        if (!in.random_next) {
            int32_t alast = orig[la], bfirst = orig[la + 2];
            if ((alast - 100) / 1000 != (bfirst - 100) / 1000 || bfirst <= alast)
                ok_contig = 0;
        }
        nrandom += (size_t)in.random_next;
        /* Whole words: a masked continuation's predecessor in its segment
         * is masked too, and so is a masked word start's continuation. */
        if (p->whole_word_mask) {
            uint8_t masked[4096] = {0};
            for (size_t m = 0; m < in.nmask; m++)
                masked[in.mpos[m]] = 1;
            for (size_t k = 1; k + 1 < in.len; k++) {
                if (k == la + 1)
                    continue;
                int prev_same = k - 1 >= 1 && k - 1 != la + 1;
                if (masked[k] && cont[orig[k]] && prev_same && !masked[k - 1])
                    ok_wwm = 0;
                if (masked[k] && k + 1 < in.len - 1 && k + 1 != la + 1 && cont[orig[k + 1]] && !masked[k + 1])
                    ok_wwm = 0;
            }
        }
    }
    CHECK(ok_struct);
    CHECK(ok_quota);
    CHECK(ok_contig);
    CHECK(ok_sorted);
    CHECK(ok_wwm);
    double fr = (double)nrandom / (double)pool.n, fm = (double)nmask_tok / (double)nmasked,
           fk = (double)nkept / (double)nmasked;
    CHECK(fr > 0.45 && fr < 0.8);
    CHECK(fm > 0.75 && fm < 0.85);
    CHECK(fk > 0.07 && fk < 0.13);
    export_pool_free(&pool);
    mm_buf_free(&order);
    export_docs_free(&docs);
}

static void test_instances(void) {
    struct export_params p;
    export_params_default(&p);
    p.max_seq_length = 32;
    p.max_predictions = 5;
    check_instances(&p, 60);
}

static void test_instances_wwm(void) {
    struct export_params p;
    export_params_default(&p);
    p.max_seq_length = 48;
    p.max_predictions = 7;
    p.whole_word_mask = 1;
    check_instances(&p, 60);
}

static void test_instances_one_doc(void) {
    /* One document: the random next segment must come from itself. */
    struct export_params p;
    export_params_default(&p);
    p.max_seq_length = 16;
    p.dupe_factor = 200;
    check_instances(&p, 1);
}

int main(void) {
    RUN(test_crc32c);
    RUN(test_quota);
    RUN(test_rng);
    RUN(test_instances);
    RUN(test_instances_wwm);
    RUN(test_instances_one_doc);
    return test_summary();
}
