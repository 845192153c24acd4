/*
 * emb_tool.c -- test driver: runs emb_encode on token ids given as .npy
 * files, so Python tests can compare it with their own numpy reference.
 *   emb_tool MODEL_DIR IDS.npy TYPES.npy|- MASK.npy|- POOLING THREADS BATCH_TOKENS OUT.npy
 * POOLING is a name emb_pooling_parse knows, or "default" (the model's),
 * optionally followed by "+normalize" (or "+default": the model's
 * normalisation). Exit 0 on success; on failure prints the error code name
 * and message.
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
        char name[64];
        snprintf(name, sizeof name, "%s", argv[5]);
        char *plus = strchr(name, '+');
        struct emb_model_defaults md;
        emb_model_defaults(m, &md);
        int normalize = plus && strcmp(plus, "+normalize") == 0 ? 1 : plus && strcmp(plus, "+default") == 0 ? md.normalize : 0;
        if (plus)
            *plus = 0;
        int pool = strcmp(name, "default") == 0 ? EMB_POOL_DEFAULT : emb_pooling_parse(name);
        struct emb_run run = {atoi(argv[6]), (size_t)atol(argv[7]), normalize};
        struct emb_input in = {n, T, ids, types, mask};
        out = malloc((n ? n : 1) * (size_t)emb_model_dim(m) * sizeof(float));
        if (pool < EMB_POOL_DEFAULT || !out)
            rc = mm_err_set(&err, MM_EINVAL, "bad pooling %s", argv[5]);
        if (!rc)
            rc = emb_encode(m, &in, (enum emb_pooling)pool, &run, out, &err);
        if (!rc)
            rc = emb_npy_write_f32(argv[8], out, n, (size_t)emb_model_dim(m), &err);
    }
    if (rc)
        fprintf(stderr, "%s: %s\n", mm_strerror(rc), err.msg);
    else if (m)
    {
        struct emb_model_defaults md;
        emb_model_defaults(m, &md);
        printf("dim %d pooler %d name %s default %s normalize %d max_length %d positions %d\n", emb_model_dim(m),
               emb_model_has_pooler(m), emb_model_name(m), emb_pooling_name(md.pool), md.normalize, md.max_length,
               emb_model_max_positions(m));
    }
    free(ids);
    free(types);
    free(mask);
    free(out);
    emb_model_close(m);
    return rc ? 1 : 0;
}
