/*
 * fuzz_tok_model.c -- libFuzzer target for the SentencePiece .model reader
 * (protobuf wire format, charsmap, piece tables): any bytes must give
 * MM_OK or an error, never a crash, leak or hang; a model that loads is
 * then used to normalize and encode a few texts (seeds: seeds/tok_model).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tok_sp sp;
    struct mm_err err;
    mm_err_clear(&err);
    if (tok_sp_load(&sp, data, size, "fuzz.model", &err) == MM_OK) {
        static const char *const texts[] = {"", " ", "한국어 모델을 공유합니다.",
                                            "ＡＢＣ ㅋㅋ 😀 [CLS]\t\xff\xc3", "a  b   c"};
        struct tok_state *st = tok_state_new();
        if (!st)
            abort();
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            size_t n = 0;
            for (int safe = 0; safe < 2; safe++)
                if (tok_sp_normalize(&sp, st, texts[i], strlen(texts[i]), safe, &n) == MM_OK)
                    (void)tok_sp_viterbi(&sp, st, n, safe);
        }
        tok_state_free(st);
    }
    tok_sp_free(&sp);
    return 0;
}
