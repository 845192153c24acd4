/*
 * fuzz_tok_hf.c -- libFuzzer target for the tokenizer.json reader (hf.c):
 * any bytes must give MM_OK or an error, never a crash, leak or hang; a
 * file that loads is then used to encode a few texts, plain and safe, and
 * to build post-processed inputs (seeds: seeds/tok_hf, small hand-made
 * files of each model kind and component).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tok_hf *hf = NULL;
    struct mm_err err;
    mm_err_clear(&err);
    if (tok_hf_load((const char *)data, size, "fuzz.json", &hf, &err) == MM_OK) {
        static const char *const texts[] = {"", " ", "한국어 모델을 공유합니다.",
                                            "ＡＢＣ ㅋㅋ 😀 [CLS] <s>\t\xff\xc3", "a  b   c", "x'sy 12,345"};
        struct tok_state *st = tok_state_new();
        if (!st)
            abort();
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            for (int safe = 0; safe < 2; safe++)
                if (tok_hf_encode(hf, st, texts[i], strlen(texts[i]), safe) == MM_OK) {
                    size_t n = st->ids_len, len;
                    for (size_t k = 0; k < n; k++)
                        (void)tok_hf_token(hf, st, k, &len);
                    size_t room = 2 * n + tok_hf_added_count(hf, 1) + 1;
                    int32_t *out = malloc(room * sizeof *out), *types = malloc(room * sizeof *types);
                    if (!out || !types)
                        abort();
                    (void)tok_hf_post(hf, st->ids, n, st->ids, n, out, types);
                    free(out);
                    free(types);
                }
        tok_state_free(st);
        tok_hf_free(hf);
    }
    return 0;
}
