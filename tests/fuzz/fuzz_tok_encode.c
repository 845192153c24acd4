/*
 * fuzz_tok_encode.c -- libFuzzer target for the encoders: the input is one
 * text (a tab splits it into a pair) encoded with KoBERT's spiece.model, a
 * byte-fallback model with user-defined symbols, and mBERT's WordPiece
 * vocab (cased and lowercased), in parity and safe mode, as ids, as
 * reference-format lines and as BERT inputs with a length limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

/* Paths relative to this source file (absolute in CMake builds). */
static void rel(char *out, size_t cap, const char *tail) {
    const char *slash = strrchr(__FILE__, '/');
    int dir = slash ? (int)(slash - __FILE__) : 1;
    snprintf(out, cap, "%.*s/%s", dir, slash ? __FILE__ : ".", tail);
}

static struct tok_model *models[4];
static struct tok_state *st;

static void load(void) {
    static const char *const paths[4] = {"../../config/models/kobert/spiece.model",
                                         "seeds/tok_model/identity-bytefallback.model",
                                         "../data/tokenize/mbert/vocab.txt",
                                         "../data/tokenize/mbert/vocab.txt"};
    for (int i = 0; i < 4; i++) {
        char p[4096];
        rel(p, sizeof p, paths[i]);
        struct mm_err err;
        mm_err_clear(&err);
        mm_rc rc = i < 2 ? tok_open_sp(p, NULL, &models[i], &err)
                         : tok_open_wordpiece(p, i == 3, &models[i], &err);
        if (rc != MM_OK) {
            fprintf(stderr, "fuzz_tok_encode: %s\n", err.msg);
            abort();
        }
    }
    st = tok_state_new();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!st)
        load();
    const char *text = (const char *)data;
    const char *tab = memchr(text, '\t', size);
    struct mm_buf out;
    mm_buf_init(&out, 0);
    struct tok_encoding enc;
    tok_encoding_init(&enc);
    for (int i = 0; i < 4; i++) {
        for (unsigned flags = 0; flags <= TOK_SAFE; flags++) {
            const int32_t *ids;
            size_t n;
            if (tok_encode(models[i], st, text, size, flags, &ids, &n, NULL) == MM_OK)
                for (size_t k = 0; k < n; k++)
                    if (ids[k] < 0 || ids[k] >= tok_vocab_size(models[i]))
                        abort();
            mm_buf_reset(&out);
            (void)tok_encode_line(models[i], st, text, size, flags, 0, &out, NULL);
            mm_buf_reset(&out);
            (void)tok_encode_line(models[i], st, text, size, flags, 1, &out, NULL);
            if (tab)
                (void)tok_encode_bert(models[i], st, text, (size_t)(tab - text), tab + 1,
                                      size - (size_t)(tab - text) - 1, 16, 1, flags, &enc, NULL);
            else
                (void)tok_encode_bert(models[i], st, text, size, NULL, 0, 8, 1, flags, &enc, NULL);
        }
    }
    mm_buf_free(&out);
    tok_encoding_free(&enc);
    return 0;
}
