/*
 * fuzz_text.c -- libFuzzer entry for text/: the sentence splitter on
 * arbitrary bytes (invalid UTF-8 must be an error, never a crash) with the
 * no-lost-character property checked, then the whole per-document step
 * (normalise, boilerplate, split, filters, MinHash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    struct mm_err err;
    mm_err_clear(&err);
    struct text_splitter *sp;
    if (text_splitter_new(&sp, &err) != MM_OK)
        return 0;
    const struct text_span *v;
    size_t n;
    if (text_split(sp, s, size, &v, &n, &err) == MM_OK) {
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i].len == 0 || v[i].start < at || v[i].start + v[i].len > size)
                abort();
            for (size_t k = at; k < v[i].start; k++) /* gaps hold whitespace only */
                if (!(s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r' || s[k] == '\f' ||
                      s[k] == '\v' || (unsigned char)s[k] >= 0x80))
                    abort();
            at = v[i].start + v[i].len;
        }
    }
    text_splitter_free(sp);
    struct text_config cfg;
    text_config_default(&cfg);
    cfg.min_words = 1;
    struct text_doc d;
    text_doc_init(&d);
    mm_err_clear(&err);
    if (text_doc_process(&d, &cfg, s, size, size % 2, NULL, NULL, &err) == MM_OK) {
        for (size_t i = 0; i < d.n_sentences; i++)
            if (d.sentences[i].start + d.sentences[i].len > d.text.len)
                abort();
    }
    int64_t keys[14];
    text_minhash_bands(s, size, 5, 14, 8, keys);
    text_doc_free(&d);
    return 0;
}
