/*
 * emb_tool.c -- test driver: runs emb_encode on token ids given as .npy
 * files, so Python tests can compare it with their own numpy reference.
 *   emb_tool MODEL_DIR IDS.npy TYPES.npy|- MASK.npy|- POOLING THREADS BATCH_TOKENS OUT.npy
 * Exit 0 on success; on failure prints the error code name and message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: emb_tool MODEL_DIR IDS.npy TYPES.npy|- MASK.npy|- POOLING THREADS BATCH_TOKENS OUT.npy\n");
        return 2;
    }
    struct mm_err err = {0};
    struct emb_model *m = NULL;
    int32_t *ids = NULL, *types = NULL, *mask = NULL;
    float *out = NULL;
    size_t n = 0, T = 0, n2, T2;
    mm_rc rc = emb_model_open(argv[1], &m, &err);
    if (!rc)
        rc = emb_npy_read_i32(argv[2], &ids, &n, &T, &err);
    if (!rc && strcmp(argv[3], "-") != 0 && !(rc = emb_npy_read_i32(argv[3], &types, &n2, &T2, &err)) &&
        (n2 != n || T2 != T))
        rc = mm_err_set(&err, MM_EINVAL, "types shape differs");
    if (!rc && strcmp(argv[4], "-") != 0 && !(rc = emb_npy_read_i32(argv[4], &mask, &n2, &T2, &err)) &&
        (n2 != n || T2 != T))
        rc = mm_err_set(&err, MM_EINVAL, "mask shape differs");
    if (!rc) {
        int pool = emb_pooling_parse(argv[5]);
        struct emb_run run = {atoi(argv[6]), (size_t)atol(argv[7])};
        struct emb_input in = {n, T, ids, types, mask};
        out = malloc((n ? n : 1) * (size_t)emb_model_dim(m) * sizeof(float));
        if (pool < 0 || !out)
            rc = mm_err_set(&err, MM_EINVAL, "bad pooling %s", argv[5]);
        if (!rc)
            rc = emb_encode(m, &in, (enum emb_pooling)pool, &run, out, &err);
        if (!rc)
            rc = emb_npy_write_f32(argv[8], out, n, (size_t)emb_model_dim(m), &err);
    }
    if (rc)
        fprintf(stderr, "%s: %s\n", mm_strerror(rc), err.msg);
    else if (m)
        printf("dim %d pooler %d name %s\n", emb_model_dim(m), emb_model_has_pooler(m), emb_model_name(m));
    free(ids);
    free(types);
    free(mask);
    free(out);
    emb_model_close(m);
    return rc ? 1 : 0;
}
