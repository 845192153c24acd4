/*
 * config.c -- the [text] section of config/malmoi.ini into struct
 * text_config. Defaults are FineWeb-2's kor_Hang thresholds
 * (huggingface/fineweb-2 configs/kor_Hang.yml) and datatrove's MinHash
 * 14 bands x 8 rows over 5-grams.
 */
#include <stdio.h>
#include <string.h>

#include "text_int.h"

void text_config_default(struct text_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->min_hangul_ratio = 0.5;
    cfg->min_words = 50;
    cfg->max_words = 100000;
    cfg->min_avg_word_length = 1;
    cfg->max_avg_word_length = 6;
    cfg->min_alpha_words = 0.791;
    cfg->min_line_punct = 0.062;
    cfg->max_newline_ratio = 0.196;
    cfg->max_dup_line_frac = 0.374;
    cfg->top_ngram[0] = 0.282;
    cfg->top_ngram[1] = 0.228;
    cfg->top_ngram[2] = 0.185;
    static const double dup[6] = {0.201, 0.184, 0.168, 0.154, 0.14, 0.127};
    memcpy(cfg->dup_ngram, dup, sizeof dup);
    cfg->min_sentence_chars = 2;
    cfg->site_line_min_docs = 5;
    cfg->site_line_max_chars = 200;
    cfg->minhash_bands = 14;
    cfg->minhash_rows = 8;
    cfg->minhash_ngram = 5;
    cfg->filters = 1;
}

mm_rc text_config_load(struct mm_conf *c, struct text_config *cfg, struct mm_err *err) {
    const char *s = "text";
    mm_rc rc = MM_OK;
#define D(key, field, lo, hi)                                                                                    \
    if (rc == MM_OK)                                                                                             \
    rc = mm_conf_get_double(c, s, key, lo, hi, &cfg->field, err)
#define L(key, field, lo, hi)                                                                                    \
    if (rc == MM_OK)                                                                                             \
    rc = mm_conf_get_long(c, s, key, lo, hi, &cfg->field, err)
    D("min_hangul_ratio", min_hangul_ratio, 0, 1);
    L("min_words", min_words, 0, 100000000);
    L("max_words", max_words, 1, 1000000000);
    D("min_avg_word_length", min_avg_word_length, 0, 1000);
    D("max_avg_word_length", max_avg_word_length, 0, 1000);
    D("min_alpha_words", min_alpha_words, 0, 1);
    D("min_line_punct", min_line_punct, 0, 1);
    D("max_newline_ratio", max_newline_ratio, 0, 1000);
    D("max_dup_line_frac", max_dup_line_frac, 0, 1);
    D("top_2gram", top_ngram[0], 0, 1);
    D("top_3gram", top_ngram[1], 0, 1);
    D("top_4gram", top_ngram[2], 0, 1);
    D("dup_5gram", dup_ngram[0], 0, 1);
    D("dup_6gram", dup_ngram[1], 0, 1);
    D("dup_7gram", dup_ngram[2], 0, 1);
    D("dup_8gram", dup_ngram[3], 0, 1);
    D("dup_9gram", dup_ngram[4], 0, 1);
    D("dup_10gram", dup_ngram[5], 0, 1);
    L("min_sentence_chars", min_sentence_chars, 0, 10000);
    L("site_line_min_docs", site_line_min_docs, 2, 1000000);
    L("site_line_max_chars", site_line_max_chars, 0, 100000);
    L("minhash_bands", minhash_bands, 1, 64);
    L("minhash_rows", minhash_rows, 1, 64);
    L("minhash_ngram", minhash_ngram, 1, 64);
    if (rc == MM_OK)
        rc = mm_conf_get_bool(c, s, "filters", &cfg->filters, err);
#undef D
#undef L
    if (rc == MM_OK && cfg->min_words > cfg->max_words)
        rc = mm_err_set(err, MM_EINVAL, "%s: [text] min_words %ld is above max_words %ld; fix one of them",
                        mm_conf_path(c), cfg->min_words, cfg->max_words);
    if (rc == MM_OK && cfg->minhash_bands * cfg->minhash_rows > 1024)
        rc = mm_err_set(err, MM_EINVAL, "%s: [text] minhash_bands x minhash_rows is over 1024; use fewer",
                        mm_conf_path(c));
    return rc;
}
