/*
 * quality.c -- document quality filters on normalised text, as in
 * datatrove's Gopher quality and repetition filters and FineWeb's quality
 * filter, with FineWeb-2's kor_Hang thresholds (struct text_config):
 * Hangul share, word count, mean word length, words with a letter,
 * duplicated lines, top 2-4-gram and duplicated 5-10-gram character shares,
 * lines ending in punctuation, newlines per word. Words are whitespace
 * separated (eojeol); lengths are code points.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text_int.h"

struct word {
    uint64_t h;  /* hash of the word's bytes */
    size_t cps;  /* code points */
};

/* A tiny open-addressing map from 64-bit keys to counts. */
struct hmap {
    uint64_t *key;
    uint32_t *val;
    size_t cap; /* power of two */
};

static int hmap_init(struct hmap *m, size_t n) {
    m->cap = 16;
    while (m->cap < n * 2)
        m->cap *= 2;
    m->key = calloc(m->cap, sizeof *m->key);
    m->val = calloc(m->cap, sizeof *m->val);
    return m->key && m->val;
}

static void hmap_free(struct hmap *m) {
    free(m->key);
    free(m->val);
}

/* Add 1 to key's count (key 0 is remapped); returns the new count. */
static uint32_t hmap_inc(struct hmap *m, uint64_t k) {
    if (k == 0)
        k = 1;
    size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull >> 7) & (m->cap - 1);
    while (m->key[i] != 0 && m->key[i] != k)
        i = (i + 1) & (m->cap - 1);
    m->key[i] = k;
    return ++m->val[i];
}

static uint64_t mix(uint64_t a, uint64_t b) {
    a ^= b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2);
    a *= 0xBF58476D1CE4E5B9ull;
    return a ^ (a >> 31);
}

static uint64_t ngram_hash(const struct word *w, size_t i, size_t n) {
    uint64_t h = n;
    for (size_t k = 0; k < n; k++)
        h = mix(h, w[i + k].h);
    return h;
}

static int is_letter(uint32_t c) {
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (text_is_hangul(c))
        return 1;
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

int text_is_korean(const struct text_config *cfg, const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t letters = 0, hangul = 0;
    for (size_t b = 0; b < len;) {
        uint32_t c;
        int k = mm_utf8_decode(s + b, len - b, &c);
        if (k == 0) {
            b++;
            continue;
        }
        b += (size_t)k;
        if (is_letter(c)) {
            letters++;
            hangul += text_is_hangul(c);
        }
    }
    return letters > 0 && (double)hangul / (double)letters >= cfg->min_hangul_ratio;
}

static int ends_in_punct(uint32_t c) {
    return c == '.' || c == '!' || c == '?' || c == '"' || c == '\'' || c == 0x201D || c == 0x2019 ||
           c == 0x2026 || c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

const char *text_quality(const struct text_config *cfg, const char *text, size_t len, char buf[32]) {
    const unsigned char *s = (const unsigned char *)text;
    size_t cap = len / 2 + 2;
    struct word *w = malloc(cap * sizeof *w);
    uint64_t *lines = malloc((len / 2 + 2) * sizeof *lines);
    if (!w || !lines) {
        free(w);
        free(lines);
        return NULL; /* out of memory: do not reject on that */
    }
    size_t nw = 0, nl = 0, total_cps = 0, word_cps = 0, alpha = 0, hangul = 0, letters = 0, newlines = 0;
    size_t punct_lines = 0;
    size_t ws = 0, wcps = 0, ls = 0;
    int in_word = 0, wl = 0;
    uint32_t last = 0;
    for (size_t b = 0; b <= len;) {
        uint32_t c = '\n';
        int k = 1;
        if (b < len) {
            k = mm_utf8_decode(s + b, len - b, &c);
            if (k == 0) {
                c = 0xFFFD;
                k = 1;
            }
            total_cps++;
        }
        int sp = text_is_space(c);
        if (!sp) {
            if (!in_word) {
                ws = b;
                wcps = 0;
                wl = 0;
                in_word = 1;
            }
            wcps++;
            if (is_letter(c)) {
                wl = 1;
                letters++;
                hangul += text_is_hangul(c);
            }
            last = c;
        } else if (in_word) {
            w[nw].h = mm_hash64(s + ws, b - ws, 0);
            w[nw].cps = wcps;
            word_cps += wcps;
            alpha += (size_t)wl;
            nw++;
            in_word = 0;
        }
        if (c == '\n') {
            if (b > ls) {
                lines[nl++] = mm_hash64(s + ls, b - ls, 1);
                punct_lines += ends_in_punct(last) ? 1 : 0;
            }
            if (b < len)
                newlines++;
            ls = b + 1;
            last = 0;
        }
        b += (size_t)k;
    }
    const char *why = NULL;
    struct hmap m = {0};
    if (nw == 0) {
        why = TEXT_R_EMPTY;
        goto done;
    }
    if (letters == 0 || (double)hangul / (double)letters < cfg->min_hangul_ratio) {
        why = TEXT_R_LOW_HANGUL;
        goto done;
    }
    if ((long)nw < cfg->min_words) {
        why = TEXT_R_FEW_WORDS;
        goto done;
    }
    if ((long)nw > cfg->max_words) {
        why = TEXT_R_MANY_WORDS;
        goto done;
    }
    double avg = (double)word_cps / (double)nw;
    if (avg < cfg->min_avg_word_length || avg > cfg->max_avg_word_length) {
        why = TEXT_R_AVG_WORD;
        goto done;
    }
    if ((double)alpha / (double)nw < cfg->min_alpha_words) {
        why = TEXT_R_ALPHA;
        goto done;
    }
    /* duplicated lines (Gopher: elements seen before / all) */
    if (!hmap_init(&m, nl + nw))
        goto done;
    size_t dup_lines = 0;
    for (size_t i = 0; i < nl; i++)
        dup_lines += hmap_inc(&m, lines[i]) > 1;
    if (nl && (double)dup_lines / (double)nl > cfg->max_dup_line_frac) {
        why = TEXT_R_DUP_LINES;
        goto done;
    }
    /* the most frequent 2/3/4-gram: its characters (with the spaces
     * between words) times its count over the text length */
    for (size_t n = 2; n <= 4 && !why; n++) {
        if (nw < n)
            break;
        memset(m.key, 0, m.cap * sizeof *m.key);
        memset(m.val, 0, m.cap * sizeof *m.val);
        double best = 0;
        for (size_t i = 0; i + n <= nw; i++) {
            uint32_t cnt = hmap_inc(&m, ngram_hash(w, i, n));
            if (cnt < 2)
                continue;
            size_t chars = n - 1;
            for (size_t k = 0; k < n; k++)
                chars += w[i + k].cps;
            double share = (double)chars * cnt / (double)total_cps;
            if (share > best)
                best = share;
        }
        if (best > cfg->top_ngram[n - 2]) {
            snprintf(buf, 32, "top_%zugram", n);
            why = buf;
        }
    }
    /* duplicated 5..10-grams: characters of n-grams seen before, skipping
     * past each repeat (datatrove find_all_duplicate) */
    for (size_t n = 5; n <= 10 && !why; n++) {
        if (nw < n)
            break;
        memset(m.key, 0, m.cap * sizeof *m.key);
        memset(m.val, 0, m.cap * sizeof *m.val);
        size_t rep = 0;
        for (size_t i = 0; i + n <= nw;) {
            uint64_t h = ngram_hash(w, i, n);
            if (hmap_inc(&m, h) > 1) {
                for (size_t k = 0; k < n; k++)
                    rep += w[i + k].cps;
                i += n;
            } else {
                i++;
            }
        }
        if ((double)rep / (double)total_cps > cfg->dup_ngram[n - 5]) {
            snprintf(buf, 32, "dup_%zugram", n);
            why = buf;
        }
    }
    /* one or two lines give no line statistics (and scrapers that lose the
     * line breaks make one line of a whole article) */
    if (!why && nl >= 3 && (double)punct_lines / (double)nl < cfg->min_line_punct)
        why = TEXT_R_LINE_PUNCT;
    if (!why && (double)newlines / (double)nw > cfg->max_newline_ratio)
        why = TEXT_R_NEWLINES;
done:
    hmap_free(&m);
    free(w);
    free(lines);
    return why;
}

void text_sentence_hash(const char *s, size_t len, char out[33]) {
    /* whitespace removed and ASCII lowercased, hashed in chunks */
    char tmp[256];
    size_t t = 0;
    uint64_t h1 = 0x6D616C6D6F69ull, h2 = 0x73656E74656E6365ull;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        tmp[t++] = (char)c;
        if (t == sizeof tmp) {
            h1 = mm_hash64(tmp, t, h1);
            h2 = mm_hash64(tmp, t, h2 ^ 0xA5A5A5A5ull);
            t = 0;
        }
    }
    h1 = mm_hash64(tmp, t, h1);
    h2 = mm_hash64(tmp, t, h2 ^ 0xA5A5A5A5ull);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}
