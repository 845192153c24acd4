/*
 * test_embed.c -- the embed/ forward pass against transformers itself:
 * tests/data/embed/tiny_expected.golden holds ids and the pooled, [CLS] and
 * mean outputs that BertModel computed for bert-tiny-random (64 Korean
 * sentences, 8 pairs with token types). Both weight files (safetensors and
 * pytorch_model.bin) must give them within 1e-4, with 1 and 2 threads and
 * with small and default micro-batches. Also: open errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "test.h"

#define TOL 1e-4

struct arr {
    char name[33];
    unsigned dtype, ndim, shape[4];
    void *data;
};

static struct arr golden[16];
static unsigned n_golden;

static int load_golden(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/embed/tiny_expected.golden", test_data_dir());
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char magic[8];
    unsigned hdr[2];
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "MMEMBGLD", 8) || fread(hdr, 4, 2, f) != 2 || hdr[0] != 1 ||
        hdr[1] > 16) {
        fprintf(stderr, "%s: bad header or version; HINT: regenerate with tests/data/embed/make_golden.py\n", path);
        fclose(f);
        return -1;
    }
    for (unsigned i = 0; i < hdr[1]; i++) {
        struct arr *a = &golden[i];
        unsigned meta[6];
        if (fread(a->name, 1, 32, f) != 32 || fread(meta, 4, 6, f) != 6) {
            fclose(f);
            return -1;
        }
        a->dtype = meta[0];
        a->ndim = meta[1];
        size_t n = 1;
        for (unsigned k = 0; k < a->ndim; k++)
            n *= (a->shape[k] = meta[2 + k]);
        a->data = malloc(n * 4);
        if (!a->data || fread(a->data, 4, n, f) != n) {
            fclose(f);
            return -1;
        }
    }
    n_golden = hdr[1];
    fclose(f);
    return 0;
}

static const struct arr *get(const char *name) {
    for (unsigned i = 0; i < n_golden; i++)
        if (strcmp(golden[i].name, name) == 0)
            return &golden[i];
    fprintf(stderr, "golden array %s missing\n", name);
    exit(1);
}

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m))
            m = d; /* NaN counts as a failure */
    }
    return m;
}

static void check_model(const char *sub, int threads, size_t batch_tokens) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/embed/bert-tiny-random/%s", test_data_dir(), sub);
    struct emb_model *m = NULL;
    struct mm_err err = {0};
    mm_rc rc = emb_model_open(dir, &m, &err);
    CHECK_INT(rc, MM_OK);
    if (rc) {
        fprintf(stderr, "open: %s\n", err.msg);
        return;
    }
    CHECK_INT(emb_model_dim(m), 64);
    CHECK(emb_model_has_pooler(m));
    const struct arr *ids = get("input_ids"), *mask = get("attention_mask"), *tt = get("token_type_ids");
    struct emb_input in = {ids->shape[0], ids->shape[1], ids->data, tt->data, mask->data};
    struct emb_run run = {threads, batch_tokens, 0};
    static const char *outs[3] = {"pooled", "cls", "mean"};
    float *out = calloc(in.n * 64, sizeof(float));
    for (int p = 0; p < 3; p++) {
        memset(out, 0xff, in.n * 64 * sizeof(float)); /* NaN: unwritten rows fail */
        rc = emb_encode(m, &in, (enum emb_pooling)p, &run, out, &err);
        CHECK_INT(rc, MM_OK);
        double d = max_diff(out, get(outs[p])->data, in.n * 64);
        printf("%s threads=%d batch_tokens=%zu %s: max |diff| %.3g\n", sub, threads, batch_tokens, outs[p], d);
        CHECK(d < TOL);
    }
    const struct arr *pid = get("pair_input_ids"), *pm = get("pair_attention_mask"), *pt = get("pair_token_type_ids");
    struct emb_input pin = {pid->shape[0], pid->shape[1], pid->data, pt->data, pm->data};
    rc = emb_encode(m, &pin, EMB_POOLED, &run, out, &err);
    CHECK_INT(rc, MM_OK);
    double d = max_diff(out, get("pair_pooled")->data, pin.n * 64);
    printf("%s pairs pooled: max |diff| %.3g\n", sub, d);
    CHECK(d < TOL);
    free(out);
    emb_model_close(m);
}

static void test_safetensors(void) {
    check_model("safetensors", 1, 0);
    check_model("safetensors", 2, 64);
}

static void test_torchbin(void) {
    check_model("bin", 1, 0);
    check_model("bin", 2, 200);
}

static void test_same_result_any_batching(void) {
    /* One sentence alone gives the same vector as inside a batch. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/embed/bert-tiny-random/safetensors", test_data_dir());
    struct emb_model *m = NULL;
    struct mm_err err = {0};
    if (emb_model_open(dir, &m, &err) != MM_OK) {
        CHECK(0);
        return;
    }
    const struct arr *ids = get("input_ids"), *mask = get("attention_mask");
    const int32_t *row = (const int32_t *)ids->data + 5 * ids->shape[1];
    const int32_t *mrow = (const int32_t *)mask->data + 5 * ids->shape[1];
    struct emb_input in = {1, ids->shape[1], row, NULL, mrow};
    float out[64];
    CHECK_INT(emb_encode(m, &in, EMB_MEAN, NULL, out, &err), MM_OK);
    CHECK(max_diff(out, (const float *)get("mean")->data + 5 * 64, 64) < TOL);
    /* bad input: an id past the vocabulary */
    int32_t bad[3] = {2, 9000, 3};
    struct emb_input bi = {1, 3, bad, NULL, NULL};
    mm_err_clear(&err);
    CHECK_INT(emb_encode(m, &bi, EMB_CLS, NULL, out, &err), MM_EINVAL);
    CHECK(strstr(err.msg, "9000") != NULL);
    /* the first token is padding */
    int32_t ok[3] = {2, 10, 3}, msk[3] = {0, 1, 1};
    struct emb_input pi = {1, 3, ok, NULL, msk};
    mm_err_clear(&err);
    CHECK_INT(emb_encode(m, &pi, EMB_CLS, NULL, out, &err), MM_EINVAL);
    emb_model_close(m);
}

static void test_open_errors(void) {
    struct emb_model *m = (struct emb_model *)1;
    struct mm_err err = {0};
    CHECK_INT(emb_model_open("/nonexistent/model", &m, &err), MM_ENOTFOUND);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, "/nonexistent/model") != NULL);
    emb_model_close(NULL);
}

int main(void) {
    if (load_golden() != 0)
        return 1;
    RUN(test_safetensors);
    RUN(test_torchbin);
    RUN(test_same_result_any_batching);
    RUN(test_open_errors);
    for (unsigned i = 0; i < n_golden; i++)
        free(golden[i].data);
    return test_summary();
}
