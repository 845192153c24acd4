/*
 * fuzz_emb_load.c -- libFuzzer target for the embed/ weight loaders: any
 * bytes as model.safetensors (first byte even) or pytorch_model.bin (odd:
 * the zip reader and the restricted pickle machine) next to a fixed tiny
 * config.json. A model that opens is run on a short sequence.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed.h"

static char dir[64];

static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void cleanup(void) {
    char p[128];
    static const char *const names[] = {"config.json", "model.safetensors", "pytorch_model.bin"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char st[128], bin[128];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_emb_load.%d", (int)getpid());
        char cfg[128];
        snprintf(cfg, sizeof cfg, "mkdir -p %s", dir);
        if (system(cfg) != 0)
            abort();
        snprintf(cfg, sizeof cfg, "%s/config.json", dir);
        const char *c = "{\"model_type\":\"bert\",\"vocab_size\":50,\"hidden_size\":16,\"num_hidden_layers\":1,"
                        "\"num_attention_heads\":2,\"intermediate_size\":32,\"max_position_embeddings\":16,"
                        "\"type_vocab_size\":2}";
        if (write_file(cfg, c, strlen(c)))
            abort();
        atexit(cleanup);
    }
    if (size < 1)
        return 0;
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    snprintf(bin, sizeof bin, "%s/pytorch_model.bin", dir);
    unlink(st);
    unlink(bin);
    if (write_file(data[0] & 1 ? bin : st, data + 1, size - 1))
        return 0;
    struct emb_model *m = NULL;
    struct mm_err err = {0};
    if (emb_model_open(dir, &m, &err) == MM_OK) {
        int32_t ids[4] = {2, 7, 9, 3};
        float out[16];
        struct emb_input in = {1, 4, ids, NULL, NULL};
        emb_encode(m, &in, emb_model_has_pooler(m) ? EMB_POOLED : EMB_MEAN, NULL, out, &err);
        char sha[65];
        emb_model_sha256(m, sha);
    }
    emb_model_close(m);
    return 0;
}
