/*
 * hf.c -- Hugging Face tokenizer.json, run as the Rust `tokenizers` library
 * (0.23) runs it: added tokens split off first (leftmost-longest, with
 * lstrip/rstrip/single_word; non-normalized ones on the raw text, normalized
 * ones on each normalized segment), then the normalizer, the pre-tokenizer
 * and the model on each remaining piece; the post-processor builds model
 * inputs. Components follow the Rust sources (tokenizer/added_vocabulary.rs,
 * normalizers/, pre_tokenizers/, models/bpe/word.rs, models/wordpiece,
 * processors/); what the file asks for and we do not support is refused at
 * load with MM_EMODEL naming the component.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <utf8proc.h>

#include "tokenize_int.h"

enum { HM_WORDPIECE = 1, HM_BPE, HM_UNIGRAM };
enum { HN_BERT = 1, HN_NFC, HN_NFD, HN_NFKC, HN_NFKD, HN_LOWER, HN_STRIP_ACCENTS, HN_STRIP,
       HN_REPLACE, HN_PREPEND, HN_PRECOMPILED };
enum { HP_BERT = 1, HP_BYTELEVEL, HP_METASPACE, HP_WHITESPACE, HP_WSSPLIT, HP_PUNCT, HP_DIGITS,
       HP_SPLIT, HP_CHARDELIM };
/* SplitDelimiterBehavior */
enum { B_REMOVED, B_ISOLATED, B_MERGED_PREV, B_MERGED_NEXT, B_CONTIGUOUS };
enum { PREPEND_NEVER, PREPEND_FIRST, PREPEND_ALWAYS };

struct hf_norm {
    int type;
    int clean, chinese, strip_accents, lowercase; /* BertNormalizer */
    int left, right;                              /* Strip */
    char *a, *b;                                  /* Replace pattern/content, Prepend string */
    size_t alen, blen;
    int collapse_spaces; /* Replace of the regex " {2,}" (SentencePiece conversions) */
    pcre2_code *re;      /* Replace with any other regex */
    uint32_t *units;     /* Precompiled: darts-clone units, and the replacements */
    size_t nunits;
    char *repl;
    size_t repl_len;
};

struct hf_pre {
    int type;
    int behavior, invert;          /* Split, Punctuation */
    int add_prefix_space, use_regex; /* ByteLevel */
    int prepend, split;            /* Metaspace */
    int individual;                /* Digits */
    uint32_t rep;                  /* Metaspace replacement, CharDelimiterSplit delimiter */
    char repstr[4];
    size_t replen;
    char *pat;                     /* Split string pattern */
    size_t patlen;
    pcre2_code *re;                /* Split regex pattern */
};

struct hf_added {
    char *content; /* as matched: the content, or its normalized form */
    size_t len;
    int32_t id;
    int special, lstrip, rstrip, single_word, normalized;
};

struct hf_item {
    int seq; /* 0 = special ids, 1 = sequence A, 2 = sequence B */
    int32_t type_id;
    int32_t *ids;
    size_t nids;
};

struct tok_hf {
    int model;
    int bytelevel;     /* a ByteLevel pre-tokenizer: byte-level BPE */
    int32_t nmodel;    /* entries in the model's vocab (where new added ids start) */
    int32_t nids;      /* max id + 1, added tokens included */
    char **piece;      /* id -> string (NULL: no such id) */
    uint32_t *piece_len;
    size_t piece_cap;  /* slots allocated in piece and piece_len */
    struct tok_trie vocab; /* model vocab: string -> id */
    /* WordPiece */
    struct tok_wp wp;
    int fused; /* BertNormalizer + BertPreTokenizer + WordPiece as in wordpiece.c */
    char *wp_prefix;
    size_t wp_prefix_len;
    /* BPE */
    uint64_t *mkey; /* open addressing: (a << 32 | b) + 1, 0 = empty */
    uint32_t *mrank;
    int32_t *mnew;
    size_t mmask;
    char *prefix, *suffix;
    size_t prefix_len, suffix_len;
    int byte_fallback, fuse_unk, ignore_merges;
    int32_t unk;
    int32_t byte_tok[256];
    char byte_utf8[256][2]; /* ByteLevel: each byte as its character, UTF-8 */
    uint8_t byte_utf8_len[256];
    /* Unigram */
    double *score;    /* per id */
    double unk_score; /* min score - 10 */
    uint8_t *special; /* per id: a special added token (never from text in safe mode) */
    /* pipeline */
    struct hf_norm *norm;
    size_t nnorm;
    struct hf_pre *pre;
    size_t npre;
    struct hf_added *added;
    size_t nadded;
    struct tok_trie raw_trie, norm_trie; /* content -> index in added */
    int has_raw, has_norm;
    /* post-processor */
    int has_post;
    struct hf_item *single, *pair;
    size_t nsingle, npair;
    struct tok_specials spec;
};

/* ---- small helpers ---- */

#define BAD(...) mm_err_set(err, MM_EMODEL, __VA_ARGS__)

static char *dupn(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static int get_bool(json_t *o, const char *key, int dflt) {
    json_t *v = json_object_get(o, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    return dflt;
}

/* The GPT-2 byte-to-unicode table (bytes_to_unicode() of the Rust code). */
static uint32_t byte_char(unsigned b) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
        return b;
    unsigned k = 0;
    for (unsigned x = 0; x < b; x++)
        if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174))
            k++;
    return 256 + k;
}

static int utf8_next(const unsigned char *s, size_t n, uint32_t *c) {
    if (s[0] < 0x80) {
        *c = s[0];
        return 1;
    }
    int l = mm_utf8_decode(s, n, c);
    if (l <= 0) {
        *c = 0xFFFD;
        return 1;
    }
    return l;
}

/* Length of the maximal subpart of an ill-formed sequence at s (WHATWG /
 * Unicode "U+FFFD substitution of maximal subparts", as Node's and Python's
 * UTF-8 decoders do). */
static size_t bad_len(const unsigned char *s, size_t n) {
    unsigned b = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    if (b >= 0xC2 && b <= 0xDF)
        need = 1;
    else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else
        return 1;
    size_t i = 1;
    for (; i <= need && i < n; i++) {
        if (s[i] < lo || s[i] > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
    }
    return i;
}

/* ---- loading ---- */

static mm_rc add_piece(struct tok_hf *hf, int32_t id, const char *s, size_t n) {
    if (id < 0 || id >= (1 << 24))
        return MM_EMODEL;
    if (id >= hf->nids) {
        /* grow by doubling: vocabularies arrive one id at a time */
        if ((size_t)id >= hf->piece_cap) {
            size_t ncap = hf->piece_cap ? hf->piece_cap : 1024;
            while (ncap <= (size_t)id)
                ncap *= 2;
            char **p = realloc(hf->piece, ncap * sizeof *p);
            if (!p)
                return MM_ENOMEM;
            hf->piece = p;
            uint32_t *l = realloc(hf->piece_len, ncap * sizeof *l);
            if (!l)
                return MM_ENOMEM;
            hf->piece_len = l;
            hf->piece_cap = ncap;
        }
        for (size_t i = (size_t)hf->nids; i <= (size_t)id; i++) {
            hf->piece[i] = NULL;
            hf->piece_len[i] = 0;
        }
        hf->nids = id + 1;
    }
    if (hf->piece[id])
        return MM_OK; /* two strings for one id: keep the first */
    hf->piece[id] = dupn(s, n);
    if (!hf->piece[id])
        return MM_ENOMEM;
    hf->piece_len[id] = (uint32_t)n;
    return MM_OK;
}

static int32_t vocab_get(const struct tok_hf *hf, const char *s, size_t n) {
    if (n == 0)
        return -1;
    return tok_trie_get(&hf->vocab, s, n);
}

/* model.vocab as an object {token: id}: pieces and the trie. */
static mm_rc load_vocab_object(struct tok_hf *hf, json_t *vocab, const char *path,
                               struct mm_err *err) {
    size_t n = json_object_size(vocab);
    if (n == 0 || n > (1u << 24))
        return BAD("%s: model.vocab has %zu entries; expected 1 to 16777216", path, n);
    const char **keys = malloc(n * sizeof *keys);
    uint32_t *lens = malloc(n * sizeof *lens);
    int32_t *vals = malloc(n * sizeof *vals);
    mm_rc rc = MM_OK;
    if (!keys || !lens || !vals) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(vocab, k, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= (1 << 24)) {
            rc = BAD("%s: model.vocab[\"%.40s\"] is not an id from 0 to 16777215", path, k);
            goto out;
        }
        keys[i] = k;
        lens[i] = (uint32_t)strlen(k);
        vals[i] = (int32_t)json_integer_value(v);
        if ((rc = add_piece(hf, vals[i], k, lens[i]))) {
            rc = mm_err_set(err, rc, "%s: out of memory", path);
            goto out;
        }
        i++;
    }
    hf->nmodel = (int32_t)n;
    if (tok_trie_build_bytes(&hf->vocab, keys, lens, vals, (uint32_t)n))
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
out:
    free(keys);
    free(lens);
    free(vals);
    return rc;
}

/* ---- BPE merges: (a, b) -> (rank, new id) ---- */

static size_t mslot(const struct tok_hf *hf, uint64_t key) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & hf->mmask;
}

static inline int merge_get(const struct tok_hf *hf, int32_t a, int32_t b, uint32_t *rank,
                            int32_t *id) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
    for (size_t i = mslot(hf, key);; i = (i + 1) & hf->mmask) {
        if (hf->mkey[i] == key) {
            *rank = hf->mrank[i];
            *id = hf->mnew[i];
            return 1;
        }
        if (hf->mkey[i] == 0)
            return 0;
    }
}

static void merge_put(struct tok_hf *hf, int32_t a, int32_t b, uint32_t rank, int32_t id) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
    size_t i = mslot(hf, key);
    while (hf->mkey[i] != 0 && hf->mkey[i] != key)
        i = (i + 1) & hf->mmask;
    hf->mkey[i] = key; /* a pair listed twice keeps its last rank, as a HashMap collect does */
    hf->mrank[i] = rank;
    hf->mnew[i] = id;
}

static mm_rc load_merges(struct tok_hf *hf, json_t *merges, const char *path, struct mm_err *err) {
    size_t n = json_array_size(merges);
    size_t cap = 16;
    while (cap < n * 2 + 2)
        cap *= 2;
    hf->mmask = cap - 1;
    hf->mkey = calloc(cap, sizeof *hf->mkey);
    hf->mrank = malloc(cap * sizeof *hf->mrank);
    hf->mnew = malloc(cap * sizeof *hf->mnew);
    if (!hf->mkey || !hf->mrank || !hf->mnew)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    struct mm_buf joined;
    mm_buf_init(&joined, 0);
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(merges, i);
        const char *a, *b;
        size_t alen, blen;
        if (json_is_string(m)) {
            a = json_string_value(m);
            const char *sp = strchr(a, ' ');
            if (!sp) {
                rc = BAD("%s: model.merges[%zu] \"%.40s\" is not two tokens separated by a space",
                         path, i, a);
                break;
            }
            alen = (size_t)(sp - a);
            b = sp + 1;
            blen = strlen(b);
        } else if (json_is_array(m) && json_array_size(m) == 2 &&
                   json_is_string(json_array_get(m, 0)) && json_is_string(json_array_get(m, 1))) {
            a = json_string_value(json_array_get(m, 0));
            b = json_string_value(json_array_get(m, 1));
            alen = json_string_length(json_array_get(m, 0));
            blen = json_string_length(json_array_get(m, 1));
        } else {
            rc = BAD("%s: model.merges[%zu] is neither \"A B\" nor [\"A\", \"B\"]", path, i);
            break;
        }
        int32_t ia = vocab_get(hf, a, alen), ib = vocab_get(hf, b, blen);
        size_t skip = hf->prefix_len <= blen ? hf->prefix_len : blen;
        mm_buf_reset(&joined);
        if (mm_buf_append(&joined, a, alen) || mm_buf_append(&joined, b + skip, blen - skip)) {
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
            break;
        }
        int32_t inew = vocab_get(hf, joined.data, joined.len);
        if (ia < 0 || ib < 0 || inew < 0) {
            const char *bad = ia < 0 ? a : ib < 0 ? b : joined.data;
            int badlen = (int)(ia < 0 ? alen : ib < 0 ? blen : joined.len);
            rc = BAD("%s: model.merges[%zu]: token \"%.*s\" is not in the vocab", path, i,
                     badlen > 40 ? 40 : badlen, bad);
            break;
        }
        merge_put(hf, ia, ib, (uint32_t)i, inew);
    }
    mm_buf_free(&joined);
    return rc;
}

/* Parse a "null or string" option into a fresh string (NULL for null). */
static mm_rc opt_string(json_t *o, const char *key, char **out, size_t *len, const char *path,
                        const char *what, struct mm_err *err) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return MM_OK;
    if (!json_is_string(v))
        return BAD("%s: %s.%s is not a string", path, what, key);
    *len = json_string_length(v);
    *out = dupn(json_string_value(v), *len);
    return *out ? MM_OK : mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
}

static mm_rc load_model(struct tok_hf *hf, json_t *model, const char *path, struct mm_err *err) {
    if (!json_is_object(model))
        return BAD("%s: no \"model\" object; not a tokenizer.json", path);
    const char *type = json_string_value(json_object_get(model, "type"));
    json_t *vocab = json_object_get(model, "vocab");
    if (!type) { /* older files: the model type is implied by its fields */
        if (json_object_get(model, "merges"))
            type = "BPE";
        else if (json_is_array(vocab))
            type = "Unigram";
        else if (json_object_get(model, "continuing_subword_prefix") ||
                 json_object_get(model, "max_input_chars_per_word"))
            type = "WordPiece";
        else
            type = "WordLevel";
    }
    hf->unk = -1;
    for (int i = 0; i < 256; i++)
        hf->byte_tok[i] = -1;
    mm_rc rc;
    if (strcmp(type, "WordPiece") == 0 || strcmp(type, "BPE") == 0) {
        if (!json_is_object(vocab))
            return BAD("%s: model.vocab is not an object {token: id}", path);
        if ((rc = load_vocab_object(hf, vocab, path, err)))
            return rc;
        char *unk;
        size_t unk_len;
        if ((rc = opt_string(model, "unk_token", &unk, &unk_len, path, "model", err)))
            return rc;
        if (unk) {
            hf->unk = vocab_get(hf, unk, unk_len);
            if (hf->unk < 0) {
                rc = BAD("%s: model.unk_token \"%.40s\" is not in the vocab", path, unk);
                free(unk);
                return rc;
            }
            free(unk);
        }
    }
    if (strcmp(type, "WordPiece") == 0) {
        hf->model = HM_WORDPIECE;
        if (hf->unk < 0)
            return BAD("%s: WordPiece model without an unk_token in its vocab", path);
        json_t *pre = json_object_get(model, "continuing_subword_prefix");
        const char *prefix = json_is_string(pre) ? json_string_value(pre) : "##";
        hf->wp_prefix_len = strlen(prefix);
        hf->wp_prefix = dupn(prefix, hf->wp_prefix_len);
        json_t *mx = json_object_get(model, "max_input_chars_per_word");
        hf->wp.max_chars = json_is_integer(mx) && json_integer_value(mx) >= 0
                               ? (uint32_t)json_integer_value(mx) : 100;
        hf->wp.unk = hf->unk;
        /* tries: all tokens, and the prefixed ones without their prefix */
        int32_t n = hf->nids;
        const char **keys = malloc((size_t)n * sizeof *keys);
        uint32_t *lens = malloc((size_t)n * sizeof *lens);
        int32_t *vals = malloc((size_t)n * sizeof *vals);
        rc = (keys && lens && vals && hf->wp_prefix) ? MM_OK : MM_ENOMEM;
        uint32_t k = 0;
        for (int32_t i = 0; i < n && rc == MM_OK; i++) {
            const char *s = hf->piece[i];
            if (!s || hf->piece_len[i] <= hf->wp_prefix_len ||
                memcmp(s, hf->wp_prefix, hf->wp_prefix_len) != 0)
                continue;
            keys[k] = s + hf->wp_prefix_len;
            lens[k] = hf->piece_len[i] - (uint32_t)hf->wp_prefix_len;
            vals[k++] = i;
        }
        if (rc == MM_OK)
            rc = tok_trie_build_bytes(&hf->wp.cont, keys, lens, vals, k);
        k = 0;
        for (int32_t i = 0; i < n && rc == MM_OK; i++) {
            if (!hf->piece[i])
                continue;
            keys[k] = hf->piece[i];
            lens[k] = hf->piece_len[i];
            vals[k++] = i;
        }
        if (rc == MM_OK)
            rc = tok_trie_build_bytes(&hf->wp.first, keys, lens, vals, k);
        free(keys);
        free(lens);
        free(vals);
        if (rc)
            return mm_err_set(err, rc, "%s: out of memory", path);
        return MM_OK;
    }
    if (strcmp(type, "BPE") == 0) {
        hf->model = HM_BPE;
        json_t *d = json_object_get(model, "dropout");
        if (d && !json_is_null(d) && !(json_is_number(d) && json_number_value(d) == 0.0))
            return BAD("%s: BPE dropout %g is not supported (it makes the output random); set "
                       "\"dropout\": null", path, json_number_value(d));
        if ((rc = opt_string(model, "continuing_subword_prefix", &hf->prefix, &hf->prefix_len,
                             path, "model", err)) ||
            (rc = opt_string(model, "end_of_word_suffix", &hf->suffix, &hf->suffix_len, path,
                             "model", err)))
            return rc;
        hf->fuse_unk = get_bool(model, "fuse_unk", 0);
        hf->byte_fallback = get_bool(model, "byte_fallback", 0);
        hf->ignore_merges = get_bool(model, "ignore_merges", 0);
        for (int b = 0; b < 256; b++) {
            char name[8];
            snprintf(name, sizeof name, "<0x%02X>", b);
            hf->byte_tok[b] = vocab_get(hf, name, 6);
        }
        json_t *merges = json_object_get(model, "merges");
        if (!json_is_array(merges))
            return BAD("%s: BPE model without a \"merges\" list", path);
        return load_merges(hf, merges, path, err);
    }
    if (strcmp(type, "Unigram") == 0) {
        hf->model = HM_UNIGRAM;
        if (!json_is_array(vocab) || json_array_size(vocab) == 0 ||
            json_array_size(vocab) > (1u << 24))
            return BAD("%s: Unigram model.vocab is not a list of [piece, score]", path);
        size_t n = json_array_size(vocab);
        const char **keys = malloc(n * sizeof *keys);
        uint32_t *lens = malloc(n * sizeof *lens);
        int32_t *vals = malloc(n * sizeof *vals);
        hf->score = malloc(n * sizeof *hf->score);
        rc = keys && lens && vals && hf->score ? MM_OK : mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        double min_score = 1e300;
        uint32_t k = 0;
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            json_t *e = json_array_get(vocab, i);
            json_t *ps = json_array_get(e, 0), *sc = json_array_get(e, 1);
            if (!json_is_string(ps) || !json_is_number(sc)) {
                rc = BAD("%s: Unigram model.vocab[%zu] is not [piece, score]", path, i);
                break;
            }
            hf->score[i] = json_number_value(sc);
            if (hf->score[i] < min_score)
                min_score = hf->score[i];
            if ((rc = add_piece(hf, (int32_t)i, json_string_value(ps), json_string_length(ps))))
                rc = mm_err_set(err, rc, "%s: out of memory", path);
            if (json_string_length(ps) == 0)
                continue;
            keys[k] = json_string_value(ps);
            lens[k] = (uint32_t)json_string_length(ps);
            vals[k++] = (int32_t)i;
        }
        if (rc == MM_OK && tok_trie_build_bytes(&hf->vocab, keys, lens, vals, k))
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        free(keys);
        free(lens);
        free(vals);
        if (rc)
            return rc;
        hf->nmodel = (int32_t)n;
        hf->unk_score = min_score - 10.0;
        json_t *u = json_object_get(model, "unk_id");
        if (json_is_integer(u)) {
            if (json_integer_value(u) < 0 || (size_t)json_integer_value(u) >= n)
                return BAD("%s: Unigram unk_id %lld is out of the vocab", path,
                           (long long)json_integer_value(u));
            hf->unk = (int32_t)json_integer_value(u);
        }
        hf->byte_fallback = get_bool(model, "byte_fallback", 0);
        for (int b = 0; b < 256; b++) {
            char name[8];
            snprintf(name, sizeof name, "<0x%02X>", b);
            hf->byte_tok[b] = vocab_get(hf, name, 6);
        }
        return MM_OK;
    }
    return BAD("%s: model type \"%s\" is not supported (WordPiece and BPE are)", path, type);
}

static int behavior_of(const char *s) {
    if (!s) return -1;
    if (strcmp(s, "Removed") == 0) return B_REMOVED;
    if (strcmp(s, "Isolated") == 0) return B_ISOLATED;
    if (strcmp(s, "MergedWithPrevious") == 0) return B_MERGED_PREV;
    if (strcmp(s, "MergedWithNext") == 0) return B_MERGED_NEXT;
    if (strcmp(s, "Contiguous") == 0) return B_CONTIGUOUS;
    return -1;
}

static unsigned char *base64_decode(const char *s, size_t *out_len) {
    size_t n = strlen(s);
    unsigned char *o = malloc(n / 4 * 3 + 3);
    if (!o)
        return NULL;
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') break;
        else {
            free(o);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
        }
    }
    *out_len = k;
    return o;
}

/* Compile a regex of the file (Oniguruma syntax in the Rust library; PCRE2
 * with Unicode properties reads the patterns tokenizers use the same way). */
static int is_category_name(const char *s, size_t n) {
    static const char *const cats[] = {
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "L&", "LC", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl",
        "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z",
        "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn", "Any"};
    if (n && s[0] == '^') {
        s++;
        n--;
    }
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        if (strlen(cats[i]) == n && memcmp(cats[i], s, n) == 0)
            return 1;
    return n == 0 || memchr(s, ':', n) != NULL || memchr(s, '=', n) != NULL;
}

static mm_rc compile_re(const char *pat, size_t n, pcre2_code **out, const char *path,
                        const char *what, struct mm_err *err) {
    int ec;
    PCRE2_SIZE eo;
    /* Oniguruma's \p{Han} is the Script property; PCRE2's plain \p{Han} is
     * Script_Extensions (which adds CJK punctuation), so name it sc: */
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        if (pat[i] == '\\' && i + 2 < n && (pat[i + 1] == 'p' || pat[i + 1] == 'P') &&
            pat[i + 2] == '{') {
            const char *e = memchr(pat + i + 3, '}', n - i - 3);
            if (e && !is_category_name(pat + i + 3, (size_t)(e - pat - i - 3))) {
                int neg = pat[i + 3] == '^';
                rc = mm_buf_append(&b, pat + i, 3);
                if (rc == MM_OK && neg)
                    rc = mm_buf_putc(&b, '^');
                if (rc == MM_OK)
                    rc = mm_buf_append(&b, "sc:", 3);
                if (rc == MM_OK)
                    rc = mm_buf_append(&b, pat + i + 3 + neg, (size_t)(e - pat - i - 3 - neg) + 1);
                i = (size_t)(e - pat);
                continue;
            }
        }
        if (pat[i] == '\\' && i + 1 < n) {
            rc = mm_buf_append(&b, pat + i, 2);
            i++;
            continue;
        }
        rc = mm_buf_putc(&b, pat[i]);
    }
    if (rc) {
        mm_buf_free(&b);
        return mm_err_set(err, rc, "%s: out of memory", path);
    }
    *out = pcre2_compile((PCRE2_SPTR)(b.data ? b.data : ""), b.len,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &ec, &eo, NULL);
    mm_buf_free(&b);
    if (!*out) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return BAD("%s: %s regex \"%.60s\" is not supported (at offset %zu: %s)", path, what, pat,
                   (size_t)eo, (const char *)msg);
    }
    return MM_OK;
}

static mm_rc load_normalizer(struct tok_hf *hf, json_t *n, const char *path, struct mm_err *err) {
    if (!n || json_is_null(n))
        return MM_OK;
    const char *type = json_string_value(json_object_get(n, "type"));
    if (!type)
        return BAD("%s: normalizer without a \"type\"", path);
    if (strcmp(type, "Sequence") == 0) {
        json_t *list = json_object_get(n, "normalizers");
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x) {
            mm_rc rc = load_normalizer(hf, x, path, err);
            if (rc)
                return rc;
        }
        return MM_OK;
    }
    struct hf_norm *p = realloc(hf->norm, (hf->nnorm + 1) * sizeof *p);
    if (!p)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    hf->norm = p;
    struct hf_norm *q = &p[hf->nnorm];
    memset(q, 0, sizeof *q);
    if (strcmp(type, "BertNormalizer") == 0) {
        q->type = HN_BERT;
        q->clean = get_bool(n, "clean_text", 1);
        q->chinese = get_bool(n, "handle_chinese_chars", 1);
        q->lowercase = get_bool(n, "lowercase", 1);
        q->strip_accents = get_bool(n, "strip_accents", q->lowercase);
    } else if (strcmp(type, "NFC") == 0) q->type = HN_NFC;
    else if (strcmp(type, "NFD") == 0) q->type = HN_NFD;
    else if (strcmp(type, "NFKC") == 0) q->type = HN_NFKC;
    else if (strcmp(type, "NFKD") == 0) q->type = HN_NFKD;
    else if (strcmp(type, "Lowercase") == 0) q->type = HN_LOWER;
    else if (strcmp(type, "StripAccents") == 0) q->type = HN_STRIP_ACCENTS;
    else if (strcmp(type, "Strip") == 0) {
        q->type = HN_STRIP;
        q->left = get_bool(n, "strip_left", 1);
        q->right = get_bool(n, "strip_right", 1);
    } else if (strcmp(type, "Prepend") == 0) {
        q->type = HN_PREPEND;
        json_t *v = json_object_get(n, "prepend");
        if (!json_is_string(v))
            return BAD("%s: Prepend normalizer without a \"prepend\" string", path);
        q->alen = json_string_length(v);
        q->a = dupn(json_string_value(v), q->alen);
    } else if (strcmp(type, "Replace") == 0) {
        q->type = HN_REPLACE;
        json_t *pat = json_object_get(n, "pattern"), *c = json_object_get(n, "content");
        json_t *s = json_object_get(pat, "String");
        const char *re = json_string_value(json_object_get(pat, "Regex"));
        if (re && strcmp(re, " {2,}") == 0 && json_is_string(c)) {
            /* what transformers' SentencePiece converters write, by hand */
            q->collapse_spaces = 1;
            s = c;
        } else if (re && json_is_string(c)) {
            hf->nnorm++; /* freed with the others from here on */
            mm_rc rc = compile_re(re, strlen(re), &q->re, path, "Replace normalizer", err);
            if (rc)
                return rc;
            q->blen = json_string_length(c);
            q->b = dupn(json_string_value(c), q->blen);
            return q->b ? MM_OK : mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        } else if (!json_is_string(s))
            return BAD("%s: Replace normalizer without a String or Regex pattern", path);
        if (!json_is_string(c))
            return BAD("%s: Replace normalizer without a \"content\" string", path);
        q->alen = json_string_length(s);
        q->a = dupn(json_string_value(s), q->alen);
        q->blen = json_string_length(c);
        q->b = dupn(json_string_value(c), q->blen);
    } else if (strcmp(type, "Precompiled") == 0) {
        q->type = HN_PRECOMPILED;
        hf->nnorm++; /* freed with the others from here on */
        const char *b64 = json_string_value(json_object_get(n, "precompiled_charsmap"));
        if (!b64)
            return BAD("%s: Precompiled normalizer without a precompiled_charsmap", path);
        size_t bn;
        unsigned char *bin = base64_decode(b64, &bn);
        if (!bin)
            return BAD("%s: Precompiled precompiled_charsmap is not valid base64", path);
        uint32_t tsize = bn >= 4 ? (uint32_t)bin[0] | (uint32_t)bin[1] << 8 |
                                       (uint32_t)bin[2] << 16 | (uint32_t)bin[3] << 24 : 0;
        if (bn < 4 || (uint64_t)tsize + 4 > bn || tsize % 4 != 0 || tsize == 0) {
            free(bin);
            return BAD("%s: Precompiled charsmap is corrupt (trie size %u in %zu bytes)", path,
                       tsize, bn);
        }
        q->nunits = tsize / 4;
        q->units = malloc(tsize);
        q->repl_len = bn - 4 - tsize;
        q->repl = malloc(q->repl_len + 1);
        if (!q->units || !q->repl) {
            free(bin);
            return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        }
        for (size_t i = 0; i < q->nunits; i++)
            q->units[i] = (uint32_t)bin[4 + 4 * i] | (uint32_t)bin[5 + 4 * i] << 8 |
                          (uint32_t)bin[6 + 4 * i] << 16 | (uint32_t)bin[7 + 4 * i] << 24;
        memcpy(q->repl, bin + 4 + tsize, q->repl_len);
        q->repl[q->repl_len] = 0;
        free(bin);
        return MM_OK;
    } else
        return BAD("%s: normalizer \"%s\" is not supported", path, type);
    hf->nnorm++;
    if ((q->type == HN_PREPEND || q->type == HN_REPLACE) && (!q->a || (q->type == HN_REPLACE && !q->b)))
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    return MM_OK;
}

static mm_rc load_pretok(struct tok_hf *hf, json_t *n, const char *path, struct mm_err *err) {
    if (!n || json_is_null(n))
        return MM_OK;
    const char *type = json_string_value(json_object_get(n, "type"));
    if (!type)
        return BAD("%s: pre_tokenizer without a \"type\"", path);
    if (strcmp(type, "Sequence") == 0) {
        json_t *list = json_object_get(n, "pretokenizers");
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x) {
            mm_rc rc = load_pretok(hf, x, path, err);
            if (rc)
                return rc;
        }
        return MM_OK;
    }
    struct hf_pre *p = realloc(hf->pre, (hf->npre + 1) * sizeof *p);
    if (!p)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    hf->pre = p;
    struct hf_pre *q = &p[hf->npre];
    memset(q, 0, sizeof *q);
    if (strcmp(type, "BertPreTokenizer") == 0) q->type = HP_BERT;
    else if (strcmp(type, "Whitespace") == 0) q->type = HP_WHITESPACE;
    else if (strcmp(type, "WhitespaceSplit") == 0) q->type = HP_WSSPLIT;
    else if (strcmp(type, "ByteLevel") == 0) {
        q->type = HP_BYTELEVEL;
        q->add_prefix_space = get_bool(n, "add_prefix_space", 1);
        q->use_regex = get_bool(n, "use_regex", 1);
        hf->bytelevel = 1;
    } else if (strcmp(type, "Metaspace") == 0) {
        q->type = HP_METASPACE;
        json_t *r = json_object_get(n, "replacement");
        const char *rs = json_is_string(r) ? json_string_value(r) : "\xe2\x96\x81";
        int l = mm_utf8_decode((const unsigned char *)rs, strlen(rs), &q->rep);
        if (l <= 0 || (size_t)l != strlen(rs))
            return BAD("%s: Metaspace replacement \"%s\" is not one character", path, rs);
        memcpy(q->repstr, rs, (size_t)l);
        q->replen = (size_t)l;
        const char *ps = json_string_value(json_object_get(n, "prepend_scheme"));
        if (ps) {
            if (strcmp(ps, "always") == 0) q->prepend = PREPEND_ALWAYS;
            else if (strcmp(ps, "first") == 0) q->prepend = PREPEND_FIRST;
            else if (strcmp(ps, "never") == 0) q->prepend = PREPEND_NEVER;
            else return BAD("%s: Metaspace prepend_scheme \"%s\" is unknown", path, ps);
        } else
            q->prepend = get_bool(n, "add_prefix_space", 1) ? PREPEND_ALWAYS : PREPEND_NEVER;
        q->split = get_bool(n, "split", 1);
    } else if (strcmp(type, "Punctuation") == 0) {
        q->type = HP_PUNCT;
        json_t *b = json_object_get(n, "behavior");
        q->behavior = b ? behavior_of(json_string_value(b)) : B_ISOLATED;
        if (q->behavior < 0)
            return BAD("%s: Punctuation behavior is unknown", path);
    } else if (strcmp(type, "Digits") == 0) {
        q->type = HP_DIGITS;
        q->individual = get_bool(n, "individual_digits", 0);
    } else if (strcmp(type, "CharDelimiterSplit") == 0) {
        q->type = HP_CHARDELIM;
        const char *d = json_string_value(json_object_get(n, "delimiter"));
        if (!d || mm_utf8_decode((const unsigned char *)d, strlen(d), &q->rep) != (int)strlen(d))
            return BAD("%s: CharDelimiterSplit delimiter is not one character", path);
    } else if (strcmp(type, "Split") == 0) {
        q->type = HP_SPLIT;
        q->behavior = behavior_of(json_string_value(json_object_get(n, "behavior")));
        if (q->behavior < 0)
            return BAD("%s: Split behavior is missing or unknown", path);
        q->invert = get_bool(n, "invert", 0);
        json_t *pat = json_object_get(n, "pattern");
        json_t *s = json_object_get(pat, "String");
        json_t *re = json_object_get(pat, "Regex");
        if (json_is_string(re)) {
            hf->npre++; /* freed with the others from here on */
            mm_rc rc = compile_re(json_string_value(re), json_string_length(re), &q->re, path,
                                  "Split pre-tokenizer", err);
            hf->npre--;
            if (rc)
                return rc;
        } else if (json_is_string(s)) {
            q->patlen = json_string_length(s);
            q->pat = dupn(json_string_value(s), q->patlen);
            if (!q->pat)
                return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        } else
            return BAD("%s: Split pre-tokenizer without a String or Regex pattern", path);
    } else
        return BAD("%s: pre_tokenizer \"%s\" is not supported", path, type);
    hf->npre++;
    return MM_OK;
}

/* ids of a special token of the post-processor: [name, id] */
static mm_rc pair_id(json_t *v, int32_t *id) {
    json_t *i = json_array_get(v, 1);
    if (!json_is_array(v) || !json_is_integer(i) || json_integer_value(i) < 0)
        return MM_EMODEL;
    *id = (int32_t)json_integer_value(i);
    return MM_OK;
}

static mm_rc item_add(struct hf_item **list, size_t *n, int seq, int32_t type_id,
                      const int32_t *ids, size_t nids) {
    struct hf_item *p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p)
        return MM_ENOMEM;
    *list = p;
    p[*n].seq = seq;
    p[*n].type_id = type_id;
    p[*n].nids = nids;
    p[*n].ids = NULL;
    if (nids) {
        p[*n].ids = malloc(nids * sizeof(int32_t));
        if (!p[*n].ids)
            return MM_ENOMEM;
        memcpy(p[*n].ids, ids, nids * sizeof(int32_t));
    }
    (*n)++;
    return MM_OK;
}

static mm_rc load_template(struct tok_hf *hf, json_t *list, json_t *specials, int pair,
                           const char *path, struct mm_err *err) {
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        json_t *sp = json_object_get(x, "SpecialToken"), *sq = json_object_get(x, "Sequence");
        json_t *o = sp ? sp : sq;
        json_t *tid = json_object_get(o, "type_id");
        const char *name = json_string_value(json_object_get(o, "id"));
        if (!o || !name || !json_is_integer(tid))
            return BAD("%s: TemplateProcessing item %zu is not a SpecialToken or Sequence", path, i);
        int32_t type_id = (int32_t)json_integer_value(tid);
        mm_rc rc;
        struct hf_item **l = pair ? &hf->pair : &hf->single;
        size_t *ln = pair ? &hf->npair : &hf->nsingle;
        if (sq) {
            rc = item_add(l, ln, strcmp(name, "B") == 0 ? 2 : 1, type_id, NULL, 0);
        } else {
            json_t *ids = json_object_get(json_object_get(specials, name), "ids");
            if (!json_is_array(ids))
                return BAD("%s: TemplateProcessing special token \"%s\" has no ids", path, name);
            size_t k = json_array_size(ids);
            int32_t *v = malloc((k + 1) * sizeof *v);
            if (!v)
                return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
            for (size_t j = 0; j < k; j++)
                v[j] = (int32_t)json_integer_value(json_array_get(ids, j));
            rc = item_add(l, ln, 0, type_id, v, k);
            free(v);
        }
        if (rc)
            return mm_err_set(err, rc, "%s: out of memory", path);
    }
    return MM_OK;
}

static mm_rc load_post(struct tok_hf *hf, json_t *n, const char *path, struct mm_err *err) {
    if (!n || json_is_null(n))
        return MM_OK;
    const char *type = json_string_value(json_object_get(n, "type"));
    if (!type)
        return BAD("%s: post_processor without a \"type\"", path);
    if (strcmp(type, "ByteLevel") == 0)
        return MM_OK; /* offsets only */
    if (strcmp(type, "Sequence") == 0) {
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(n, "processors"), i, x) {
            mm_rc rc = load_post(hf, x, path, err);
            if (rc)
                return rc;
        }
        return MM_OK;
    }
    if (hf->has_post)
        return BAD("%s: post_processor Sequence adds special tokens twice; not supported", path);
    hf->has_post = 1;
    mm_rc rc = MM_OK;
    if (strcmp(type, "TemplateProcessing") == 0) {
        json_t *sp = json_object_get(n, "special_tokens");
        if ((rc = load_template(hf, json_object_get(n, "single"), sp, 0, path, err)) ||
            (rc = load_template(hf, json_object_get(n, "pair"), sp, 1, path, err)))
            return rc;
        return MM_OK;
    }
    int roberta = strcmp(type, "RobertaProcessing") == 0;
    if (roberta || strcmp(type, "BertProcessing") == 0) {
        int32_t cls, sep;
        if (pair_id(json_object_get(n, "cls"), &cls) || pair_id(json_object_get(n, "sep"), &sep))
            return BAD("%s: %s without [\"token\", id] cls and sep", path, type);
        int32_t b1 = roberta ? 0 : 1;
        if (item_add(&hf->single, &hf->nsingle, 0, 0, &cls, 1) ||
            item_add(&hf->single, &hf->nsingle, 1, 0, NULL, 0) ||
            item_add(&hf->single, &hf->nsingle, 0, 0, &sep, 1) ||
            item_add(&hf->pair, &hf->npair, 0, 0, &cls, 1) ||
            item_add(&hf->pair, &hf->npair, 1, 0, NULL, 0) ||
            item_add(&hf->pair, &hf->npair, 0, 0, &sep, 1) ||
            (roberta && item_add(&hf->pair, &hf->npair, 0, 0, &sep, 1)) ||
            item_add(&hf->pair, &hf->npair, 2, b1, NULL, 0) ||
            item_add(&hf->pair, &hf->npair, 0, b1, &sep, 1))
            return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        return MM_OK;
    }
    return BAD("%s: post_processor \"%s\" is not supported", path, type);
}

/* added_tokens, as TokenizerImpl's deserializer adds them one by one: the
 * id is the vocab's when the content is in it, else the next new id; the
 * file's "id" is not used (KoGPT2 v1's list disagrees with its vocab). */
static mm_rc load_added(struct tok_hf *hf, json_t *list, const char *path, struct mm_err *err) {
    size_t n = json_array_size(list);
    if (n == 0)
        return MM_OK;
    hf->added = calloc(n, sizeof *hf->added);
    if (!hf->added)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    int32_t max_added = -1;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(list, i);
        json_t *c = json_object_get(t, "content");
        if (!json_is_string(c))
            return BAD("%s: added_tokens[%zu] has no \"content\" string", path, i);
        size_t len = json_string_length(c);
        const char *s = json_string_value(c);
        if (len == 0)
            continue;
        int dup = 0;
        for (size_t k = 0; k < hf->nadded && !dup; k++)
            dup = hf->added[k].len == len && memcmp(hf->added[k].content, s, len) == 0;
        struct hf_added a = {0};
        a.special = get_bool(t, "special", 0);
        a.lstrip = get_bool(t, "lstrip", 0);
        a.rstrip = get_bool(t, "rstrip", 0);
        a.single_word = get_bool(t, "single_word", 0);
        a.normalized = get_bool(t, "normalized", !a.special);
        if (dup)
            continue; /* already added: the first one's settings stay */
        int32_t id = -1;
        for (size_t k = 0; k < hf->nadded && id < 0; k++)
            if (hf->added[k].len == len && memcmp(hf->added[k].content, s, len) == 0)
                id = hf->added[k].id;
        if (id < 0)
            id = vocab_get(hf, s, len);
        if (id < 0)
            id = max_added < 0 ? hf->nmodel
                 : (max_added >= hf->nmodel || hf->nmodel == 0) ? max_added + 1 : hf->nmodel;
        if (id > max_added)
            max_added = id;
        a.id = id;
        a.len = len;
        a.content = dupn(s, len);
        if (!a.content)
            return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        hf->added[hf->nadded++] = a;
        mm_rc rc = add_piece(hf, id, s, len);
        if (rc)
            return mm_err_set(err, rc, "%s: added token id out of range", path);
    }
    return MM_OK;
}

/* Normalize text[0..n) into st->hf_n[which]; sets *out and *out_len. */
static mm_rc normalize(const struct tok_hf *hf, struct tok_state *st, const char *text, size_t n,
                       const char **out, size_t *out_len);

/* Tries over the added tokens (value = index in hf->added): non-normalized
 * contents, and normalized ones after the normalizer (first one wins on
 * equal strings, as the Aho-Corasick automaton's pattern order). */
static mm_rc build_added_tries(struct tok_hf *hf, const char *path, struct mm_err *err) {
    size_t n = hf->nadded;
    if (n == 0)
        return MM_OK;
    const char **keys = malloc(n * sizeof *keys);
    uint32_t *lens = malloc(n * sizeof *lens);
    int32_t *vals = malloc(n * sizeof *vals);
    char **norms = calloc(n, sizeof *norms);
    struct tok_state *st = tok_state_new();
    mm_rc rc = keys && lens && vals && norms && st ? MM_OK : MM_ENOMEM;
    for (int pass = 0; pass < 2 && rc == MM_OK; pass++) {
        uint32_t k = 0;
        /* special tokens come first in the Rust automaton */
        for (int special = 1; special >= 0; special--)
            for (size_t i = 0; i < n && rc == MM_OK; i++) {
                struct hf_added *a = &hf->added[i];
                if (a->special != special || a->normalized != pass)
                    continue;
                keys[k] = a->content;
                lens[k] = (uint32_t)a->len;
                if (pass) {
                    const char *o;
                    size_t ol;
                    rc = normalize(hf, st, a->content, a->len, &o, &ol);
                    if (rc)
                        break;
                    norms[i] = dupn(o, ol);
                    if (!norms[i]) {
                        rc = MM_ENOMEM;
                        break;
                    }
                    keys[k] = norms[i];
                    lens[k] = (uint32_t)ol;
                }
                vals[k++] = (int32_t)i;
            }
        if (rc == MM_OK && k) {
            rc = tok_trie_build_bytes(pass ? &hf->norm_trie : &hf->raw_trie, keys, lens, vals, k);
            if (pass)
                hf->has_norm = rc == MM_OK;
            else
                hf->has_raw = rc == MM_OK;
        }
    }
    for (size_t i = 0; norms && i < n; i++)
        free(norms[i]);
    free(norms);
    free(keys);
    free(lens);
    free(vals);
    tok_state_free(st);
    return rc ? mm_err_set(err, rc, "%s: %s building the added-token tables", path,
                           mm_strerror(rc)) : MM_OK;
}

static int32_t find_token(const struct tok_hf *hf, const char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < hf->nadded; i++)
        if (hf->added[i].len == n && memcmp(hf->added[i].content, s, n) == 0)
            return hf->added[i].id;
    return vocab_get(hf, s, n);
}

mm_rc tok_hf_load(const char *data, size_t n, const char *path, struct tok_hf **out,
                  struct mm_err *err) {
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(data, n, 0, &je);
    if (!root)
        return BAD("%s:%d: not valid JSON (%s); expected a Hugging Face tokenizer.json", path,
                   je.line, je.text);
    struct tok_hf *hf = calloc(1, sizeof *hf);
    mm_rc rc = hf ? MM_OK : mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    if (rc == MM_OK && !json_is_object(root))
        rc = BAD("%s: not a JSON object; expected a Hugging Face tokenizer.json", path);
    if (rc == MM_OK && !json_object_get(root, "model"))
        rc = BAD("%s: no \"model\"; not a Hugging Face tokenizer.json", path);
    if (rc == MM_OK)
        rc = load_model(hf, json_object_get(root, "model"), path, err);
    if (rc == MM_OK)
        rc = load_normalizer(hf, json_object_get(root, "normalizer"), path, err);
    if (rc == MM_OK)
        rc = load_pretok(hf, json_object_get(root, "pre_tokenizer"), path, err);
    if (rc == MM_OK)
        rc = load_post(hf, json_object_get(root, "post_processor"), path, err);
    if (rc == MM_OK)
        rc = load_added(hf, json_object_get(root, "added_tokens"), path, err);
    if (rc == MM_OK)
        rc = build_added_tries(hf, path, err);
    if (rc == MM_OK && hf->nids > 0) {
        hf->special = calloc((size_t)hf->nids, 1);
        if (!hf->special)
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
        for (size_t i = 0; rc == MM_OK && i < hf->nadded; i++)
            if (hf->added[i].special)
                hf->special[hf->added[i].id] = 1;
    }
    if (rc == MM_OK && hf->model == HM_WORDPIECE && hf->nnorm == 1 && hf->npre == 1 &&
        hf->norm[0].type == HN_BERT && hf->norm[0].clean && hf->norm[0].chinese &&
        hf->norm[0].strip_accents == hf->norm[0].lowercase && hf->pre[0].type == HP_BERT &&
        !hf->has_norm) {
        hf->fused = 1;
        hf->wp.lowercase = hf->norm[0].lowercase;
    }
    for (unsigned b = 0; b < 256; b++) {
        char u[4];
        int l = mm_utf8_encode(byte_char(b), u);
        memcpy(hf->byte_utf8[b], u, 2);
        hf->byte_utf8_len[b] = (uint8_t)l;
    }
    if (rc == MM_OK && hf->bytelevel && hf->model != HM_BPE)
        rc = BAD("%s: a ByteLevel pre-tokenizer with a non-BPE model is not supported", path);
    if (rc == MM_OK) {
        struct tok_specials *s = &hf->spec;
        s->unk = hf->unk;
        if (s->unk < 0)
            s->unk = find_token(hf, "<unk>");
        s->cls = s->sep = -1;
        if (hf->has_post) {
            /* cls: the first special of the single template; sep: the last */
            for (size_t i = 0; i < hf->nsingle; i++)
                if (hf->single[i].seq == 0 && hf->single[i].nids) {
                    if (s->cls < 0 && i == 0)
                        s->cls = hf->single[i].ids[0];
                    s->sep = hf->single[i].ids[hf->single[i].nids - 1];
                }
        }
        if (s->cls < 0)
            s->cls = find_token(hf, "[CLS]") >= 0 ? find_token(hf, "[CLS]") : find_token(hf, "<s>");
        if (s->sep < 0)
            s->sep = find_token(hf, "[SEP]") >= 0 ? find_token(hf, "[SEP]") : find_token(hf, "</s>");
        json_t *pad = json_object_get(json_object_get(root, "padding"), "pad_id");
        s->pad = json_is_integer(pad) ? (int32_t)json_integer_value(pad) : -1;
        if (s->pad < 0)
            s->pad = find_token(hf, "[PAD]") >= 0 ? find_token(hf, "[PAD]") : find_token(hf, "<pad>");
        s->mask = find_token(hf, "[MASK]") >= 0 ? find_token(hf, "[MASK]") : find_token(hf, "<mask>");
    }
    json_decref(root);
    if (rc) {
        tok_hf_free(hf);
        return rc;
    }
    *out = hf;
    return MM_OK;
}

void tok_hf_free(struct tok_hf *hf) {
    if (!hf)
        return;
    for (int32_t i = 0; i < hf->nids; i++)
        free(hf->piece[i]);
    free(hf->piece);
    free(hf->piece_len);
    tok_trie_free(&hf->vocab);
    tok_trie_free(&hf->wp.first);
    tok_trie_free(&hf->wp.cont);
    free(hf->wp_prefix);
    free(hf->mkey);
    free(hf->mrank);
    free(hf->mnew);
    free(hf->prefix);
    free(hf->suffix);
    for (size_t i = 0; i < hf->nnorm; i++) {
        free(hf->norm[i].a);
        free(hf->norm[i].b);
        free(hf->norm[i].units);
        free(hf->norm[i].repl);
        pcre2_code_free(hf->norm[i].re);
    }
    free(hf->score);
    free(hf->special);
    free(hf->norm);
    for (size_t i = 0; i < hf->npre; i++) {
        free(hf->pre[i].pat);
        pcre2_code_free(hf->pre[i].re);
    }
    free(hf->pre);
    for (size_t i = 0; i < hf->nadded; i++)
        free(hf->added[i].content);
    free(hf->added);
    tok_trie_free(&hf->raw_trie);
    tok_trie_free(&hf->norm_trie);
    for (size_t i = 0; i < hf->nsingle; i++)
        free(hf->single[i].ids);
    for (size_t i = 0; i < hf->npair; i++)
        free(hf->pair[i].ids);
    free(hf->single);
    free(hf->pair);
    free(hf);
}

/* Matches of one word: (start, end, is_match), covering the word. */
struct match {
    uint32_t a, b;
    int m;
};

struct mlist {
    struct match *v;
    size_t n, cap;
};

static mm_rc ml_add(struct mlist *ml, size_t a, size_t b, int m) {
    if (ml->n == ml->cap) {
        size_t nc = ml->cap ? ml->cap * 2 : 64;
        struct match *p = realloc(ml->v, nc * sizeof *p);
        if (!p)
            return MM_ENOMEM;
        ml->v = p;
        ml->cap = nc;
    }
    ml->v[ml->n].a = (uint32_t)a;
    ml->v[ml->n].b = (uint32_t)b;
    ml->v[ml->n].m = m;
    ml->n++;
    return MM_OK;
}

/* The matches of re in s[0..n) with the gaps between them, as the Rust
 * library's find_iter gives them (an empty match right after the previous
 * match is skipped by one character). */
static mm_rc regex_matches(const pcre2_code *re, const char *s, size_t n, struct mlist *ml) {
    if (n == 0)
        return ml_add(ml, 0, 0, 0);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        return MM_ENOMEM;
    mm_rc rc = MM_OK;
    size_t prev = 0, at = 0, last_match = (size_t)-1;
    while (at <= n && rc == MM_OK) {
        int r = pcre2_match(re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, NULL);
        if (r < 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t a = ov[0], b = ov[1];
        if (a == b && last_match == b) {
            at = b + 1;
            while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
                at++;
            continue;
        }
        if (prev != a)
            rc = ml_add(ml, prev, a, 0);
        if (rc == MM_OK)
            rc = ml_add(ml, a, b, 1);
        prev = b;
        at = b;
        last_match = b;
    }
    if (rc == MM_OK && prev != n)
        rc = ml_add(ml, prev, n, 0);
    pcre2_match_data_free(md);
    return rc;
}

/* ---- normalizers ---- */

struct obuf {
    char **p;
    size_t *cap;
    size_t len;
};

static inline mm_rc ob_reserve(struct obuf *o, size_t extra) {
    return tok_state_reserve((void **)o->p, o->cap, o->len + extra + 1, 1);
}

static inline mm_rc ob_put(struct obuf *o, const char *s, size_t n) {
    if (ob_reserve(o, n))
        return MM_ENOMEM;
    memcpy(*o->p + o->len, s, n);
    o->len += n;
    return MM_OK;
}

static inline mm_rc ob_cp(struct obuf *o, uint32_t c) {
    if (ob_reserve(o, 4))
        return MM_ENOMEM;
    o->len += (size_t)mm_utf8_encode(c, *o->p + o->len);
    return MM_OK;
}

static int is_ascii(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Rust's char::to_lowercase: utf8proc's simple mapping, except U+0130. */
static mm_rc put_lower(struct obuf *o, uint32_t c) {
    if (c == 0x130)
        return ob_put(o, "i\xcc\x87", 3);
    return ob_cp(o, (uint32_t)utf8proc_tolower((utf8proc_int32_t)c));
}

/* Code points that the Rust library's normalization tables (older than
 * utf8proc's Unicode 15) leave unchanged but utf8proc decomposes: found by
 * running both over every code point. NFC differs nowhere; 0x11938 only in
 * the decomposing forms. */
static const uint32_t OLD_COMPAT[][2] = {
    {0x32FF, 0x32FF}, {0xA7F2, 0xA7F4}, {0xAB69, 0xAB69}, {0x10781, 0x10785},
    {0x10787, 0x107B0}, {0x107B2, 0x107BA}, {0x11938, 0x11938}, {0x1E030, 0x1E06D},
    {0x1F16C, 0x1F16C}, {0x1FBF0, 0x1FBF9},
};

static int old_unchanged(int type, uint32_t c) {
    if (c < 0x32FF || type == HN_NFC)
        return 0;
    if (c == 0x11938)
        return type == HN_NFD || type == HN_NFKD;
    if (type == HN_NFD)
        return 0;
    for (size_t i = 0; i < sizeof OLD_COMPAT / sizeof OLD_COMPAT[0]; i++)
        if (c >= OLD_COMPAT[i][0] && c <= OLD_COMPAT[i][1])
            return 1;
    return 0;
}

static mm_rc nf_map(int type, const char *s, size_t n, struct obuf *o) {
    int opt = UTF8PROC_STABLE;
    if (type == HN_NFC || type == HN_NFKC)
        opt |= UTF8PROC_COMPOSE;
    else
        opt |= UTF8PROC_DECOMPOSE;
    if (type == HN_NFKC || type == HN_NFKD)
        opt |= UTF8PROC_COMPAT;
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
                                      (utf8proc_option_t)opt);
    if (r < 0)
        return r == UTF8PROC_ERROR_NOMEM ? MM_ENOMEM : MM_EINVAL;
    mm_rc rc = ob_put(o, (const char *)dst, (size_t)r);
    free(dst);
    return rc;
}

static mm_rc norm_step(const struct hf_norm *nm, const char *s, size_t n, struct obuf *o) {
    const unsigned char *u = (const unsigned char *)s;
    mm_rc rc = MM_OK;
    switch (nm->type) {
    case HN_NFC: case HN_NFD: case HN_NFKC: case HN_NFKD: {
        if (is_ascii(s, n))
            return ob_put(o, s, n);
        /* the characters the old tables do not know stay as they are */
        size_t start = 0;
        for (size_t i = 0; i < n && rc == MM_OK;) {
            uint32_t c;
            int l = utf8_next(u + i, n - i, &c);
            if (old_unchanged(nm->type, c)) {
                if (start < i)
                    rc = nf_map(nm->type, s + start, i - start, o);
                if (rc == MM_OK)
                    rc = ob_put(o, s + i, (size_t)l);
                start = i + (size_t)l;
            }
            i += (size_t)l;
        }
        if (rc == MM_OK && start < n)
            rc = nf_map(nm->type, s + start, n - start, o);
        return rc;
    }
    default:
        break;
    }
    if (nm->type == HN_PRECOMPILED) {
        /* per extended grapheme cluster: a cluster under 6 bytes whose
         * bytes start with a charsmap key becomes that key's replacement;
         * else each character on its own (normalizers/precompiled.rs) */
        utf8proc_int32_t state = 0;
        uint32_t prev = 0;
        size_t gs = 0;
        for (size_t i = 0; i <= n && rc == MM_OK;) {
            uint32_t c = 0;
            int l = 1;
            if (i < n)
                l = utf8_next(u + i, n - i, &c);
            if (i == n || (i > gs && utf8proc_grapheme_break_stateful(
                                         (utf8proc_int32_t)prev, (utf8proc_int32_t)c, &state))) {
                uint32_t v;
                if (i - gs < 6 && tok_charsmap_first(nm->units, nm->nunits, u + gs, i - gs, &v)) {
                    rc = v < nm->repl_len ? ob_put(o, nm->repl + v, strlen(nm->repl + v)) : MM_OK;
                } else {
                    for (size_t j = gs; j < i && rc == MM_OK;) {
                        uint32_t cc;
                        int cl = utf8_next(u + j, i - j, &cc);
                        if (tok_charsmap_first(nm->units, nm->nunits, u + j, (size_t)cl, &v))
                            rc = v < nm->repl_len ? ob_put(o, nm->repl + v, strlen(nm->repl + v))
                                                  : MM_OK;
                        else
                            rc = ob_put(o, s + j, (size_t)cl);
                        j += (size_t)cl;
                    }
                }
                gs = i;
            }
            if (i == n)
                break;
            prev = c;
            i += (size_t)l;
        }
        return rc;
    }
    if (nm->type == HN_REPLACE && nm->re) {
        struct mlist ml = {0};
        rc = regex_matches(nm->re, s, n, &ml);
        for (size_t i = 0; i < ml.n && rc == MM_OK; i++)
            rc = ml.v[i].m ? ob_put(o, nm->b, nm->blen)
                           : ob_put(o, s + ml.v[i].a, ml.v[i].b - ml.v[i].a);
        free(ml.v);
        return rc;
    }
    if (nm->type == HN_REPLACE && nm->collapse_spaces) { /* " {2,}" -> content */
        for (size_t i = 0; i < n && rc == MM_OK;) {
            size_t j = i;
            while (j < n && s[j] == ' ')
                j++;
            if (j - i >= 2) {
                rc = ob_put(o, nm->b, nm->blen);
                i = j;
            } else {
                rc = ob_put(o, s + i, 1);
                i++;
            }
        }
        return rc;
    }
    if (nm->type == HN_REPLACE) {
        for (size_t i = 0; i < n && rc == MM_OK;) {
            if (nm->alen && n - i >= nm->alen && memcmp(s + i, nm->a, nm->alen) == 0) {
                rc = ob_put(o, nm->b, nm->blen);
                i += nm->alen;
            } else {
                rc = ob_put(o, s + i, 1);
                i++;
            }
        }
        return rc;
    }
    if (nm->type == HN_PREPEND) {
        if (n && (rc = ob_put(o, nm->a, nm->alen)))
            return rc;
        return ob_put(o, s, n);
    }
    if (nm->type == HN_STRIP) {
        size_t a = 0, b = n;
        uint32_t c;
        if (nm->left)
            while (a < b) {
                int l = utf8_next(u + a, b - a, &c);
                if (!tok_bert_is_ws(c))
                    break;
                a += (size_t)l;
            }
        if (nm->right)
            while (b > a) {
                size_t k = b - 1;
                while (k > a && (u[k] & 0xC0) == 0x80)
                    k--;
                utf8_next(u + k, b - k, &c);
                if (!tok_bert_is_ws(c))
                    break;
                b = k;
            }
        return ob_put(o, s + a, b - a);
    }
    /* per character: BertNormalizer, Lowercase, StripAccents */
    for (size_t i = 0; i < n && rc == MM_OK;) {
        uint32_t c;
        int l = utf8_next(u + i, n - i, &c);
        i += (size_t)l;
        if (nm->type == HN_LOWER) {
            rc = put_lower(o, c);
            continue;
        }
        if (nm->type == HN_STRIP_ACCENTS) {
            int cat = utf8proc_category((utf8proc_int32_t)c);
            if (cat != UTF8PROC_CATEGORY_MN && cat != UTF8PROC_CATEGORY_MC &&
                cat != UTF8PROC_CATEGORY_ME)
                rc = ob_cp(o, c);
            continue;
        }
        /* BertNormalizer: clean, pad CJK, strip accents (NFD, drop Mn), lowercase */
        if (nm->clean) {
            if (tok_bert_is_drop(c))
                continue;
            if (tok_bert_is_ws(c))
                c = ' ';
        }
        int cjk = nm->chinese && tok_bert_is_cjk(c);
        if (cjk && (rc = ob_put(o, " ", 1)))
            break;
        if (nm->strip_accents) {
            utf8proc_int32_t d[8];
            int last = 0;
            utf8proc_ssize_t m =
                utf8proc_decompose_char((utf8proc_int32_t)c, d, 8, UTF8PROC_DECOMPOSE, &last);
            if (m <= 0 || m > 8) {
                d[0] = (utf8proc_int32_t)c;
                m = 1;
            }
            for (utf8proc_ssize_t k = 0; k < m && rc == MM_OK; k++) {
                if (tok_bert_is_mn((uint32_t)d[k]))
                    continue;
                rc = nm->lowercase ? put_lower(o, (uint32_t)d[k]) : ob_cp(o, (uint32_t)d[k]);
            }
        } else {
            rc = nm->lowercase ? put_lower(o, c) : ob_cp(o, c);
        }
        if (cjk && rc == MM_OK)
            rc = ob_put(o, " ", 1);
    }
    return rc;
}

static mm_rc normalize(const struct tok_hf *hf, struct tok_state *st, const char *text, size_t n,
                       const char **out, size_t *out_len) {
    const char *cur = text;
    size_t len = n;
    int w = 0;
    for (size_t k = 0; k < hf->nnorm; k++) {
        struct obuf o = {&st->hf_n[w], &st->hf_n_cap[w], 0};
        mm_rc rc = ob_reserve(&o, len);
        if (rc == MM_OK)
            rc = norm_step(&hf->norm[k], cur, len, &o);
        if (rc)
            return rc;
        if (o.len > (size_t)TOK_MAX_TEXT_BYTES * 4)
            return MM_ELIMIT;
        cur = st->hf_n[w];
        len = o.len;
        w ^= 1;
    }
    *out = cur;
    *out_len = len;
    return MM_OK;
}

/* ---- pre-tokenizers ---- */

struct wlist {
    int k; /* which st->hf_w / hf_words buffer */
    size_t n;
    size_t tlen;
};

static mm_rc wl_emit(struct tok_state *st, struct wlist *wl, const char *s, size_t n,
                     uint32_t first) {
    if (n == 0)
        return MM_OK;
    int k = wl->k;
    if (tok_state_reserve((void **)&st->hf_w[k], &st->hf_w_cap[k], wl->tlen + n + 1, 1) ||
        tok_state_reserve((void **)&st->hf_words[k], &st->hf_words_cap[k], wl->n + 1,
                          sizeof(struct tok_hf_word)))
        return MM_ENOMEM;
    memcpy(st->hf_w[k] + wl->tlen, s, n);
    st->hf_words[k][wl->n].off = (uint32_t)wl->tlen;
    st->hf_words[k][wl->n].len = (uint32_t)n;
    st->hf_words[k][wl->n].first = first;
    wl->tlen += n;
    wl->n++;
    return MM_OK;
}

/* NormalizedString::split: apply `behavior` to the matches of word w and
 * emit the pieces (empty ones dropped). */
static mm_rc split_emit(struct tok_state *st, struct wlist *out, const char *w, uint32_t first,
                        struct mlist *ml, int behavior, int invert) {
    if (invert)
        for (size_t i = 0; i < ml->n; i++)
            ml->v[i].m = !ml->v[i].m;
    /* fold into (a, b, remove) */
    size_t k = 0;
    struct match *v = ml->v;
    if (behavior == B_ISOLATED || behavior == B_REMOVED) {
        for (size_t i = 0; i < ml->n; i++) {
            v[i].m = behavior == B_REMOVED && v[i].m;
        }
        k = ml->n;
    } else if (behavior == B_CONTIGUOUS) {
        int prev = 0;
        for (size_t i = 0; i < ml->n; i++) {
            int m = v[i].m;
            if (k > 0 && m == prev)
                v[k - 1].b = v[i].b;
            else
                v[k++] = (struct match){v[i].a, v[i].b, 0};
            prev = m;
        }
        for (size_t i = 0; i < k; i++)
            v[i].m = 0;
    } else if (behavior == B_MERGED_PREV) {
        int prev = 0;
        for (size_t i = 0; i < ml->n; i++) {
            int m = v[i].m;
            if (m && !prev && k > 0)
                v[k - 1].b = v[i].b;
            else
                v[k++] = (struct match){v[i].a, v[i].b, 0};
            prev = m;
        }
    } else { /* merged with next: fold from the right */
        int prev = 0;
        size_t top = ml->n; /* write from the end */
        for (size_t i = ml->n; i-- > 0;) {
            int m = v[i].m;
            if (m && !prev && top < ml->n)
                v[top].a = v[i].a;
            else
                v[--top] = (struct match){v[i].a, v[i].b, 0};
            prev = m;
        }
        memmove(v, v + top, (ml->n - top) * sizeof *v);
        k = ml->n - top;
        for (size_t i = 0; i < k; i++)
            v[i].m = 0;
    }
    for (size_t i = 0; i < k; i++) {
        if (v[i].m)
            continue;
        mm_rc rc = wl_emit(st, out, w + v[i].a, v[i].b - v[i].a, first && v[i].a == 0);
        if (rc)
            return rc;
    }
    return MM_OK;
}

static int is_numeric_char(uint32_t c) {
    int cat = utf8proc_category((utf8proc_int32_t)c);
    return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL ||
           cat == UTF8PROC_CATEGORY_NO;
}

/* the regex crate's Unicode \w */
static int is_word_char(uint32_t c) {
    if (c < 128)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    if (c == 0x200C || c == 0x200D || (c >= 0x24B6 && c <= 0x24E9) ||
        (c >= 0x1F130 && c <= 0x1F149) || (c >= 0x1F150 && c <= 0x1F169) ||
        (c >= 0x1F170 && c <= 0x1F189))
        return 1;
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_PC:
        return 1;
    default:
        return 0;
    }
}

/* Onig's \p{L} and \p{N} (GPT-2 pattern) */
static int is_letter(uint32_t c) {
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return 1;
    default:
        return 0;
    }
}

static int is_number(uint32_t c) {
    if (c < 128)
        return c >= '0' && c <= '9';
    return is_numeric_char(c);
}

/* Character class for the GPT-2 pattern: 0 other, 1 letter, 2 number, 3 space */
static int gpt2_class(uint32_t c) {
    if (tok_bert_is_ws(c))
        return 3;
    if (is_letter(c))
        return 1;
    if (is_number(c))
        return 2;
    return 0;
}

/* The GPT-2 split pattern, by hand:
 * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * Returns the length of the match at s[0..n) (n > 0). */
static size_t gpt2_match(const unsigned char *s, size_t n) {
    if (s[0] == '\'' && n >= 2) {
        unsigned c = s[1];
        if (c == 's' || c == 't' || c == 'm' || c == 'd')
            return 2;
        if (n >= 3 && ((c == 'r' && s[2] == 'e') || (c == 'v' && s[2] == 'e') ||
                       (c == 'l' && s[2] == 'l')))
            return 3;
    }
    size_t i = 0;
    uint32_t c;
    int l;
    if (s[0] == ' ' && n >= 2) {
        l = utf8_next(s + 1, n - 1, &c);
        int k = gpt2_class(c);
        if (k != 3)
            i = 1;
    }
    l = utf8_next(s + i, n - i, &c);
    int k = gpt2_class(c);
    if (k != 3) {
        size_t j = i + (size_t)l;
        while (j < n) {
            l = utf8_next(s + j, n - j, &c);
            if (gpt2_class(c) != k)
                break;
            j += (size_t)l;
        }
        return j;
    }
    /* whitespace run */
    size_t j = 0, last = 0;
    size_t count = 0;
    while (j < n) {
        l = utf8_next(s + j, n - j, &c);
        if (!tok_bert_is_ws(c))
            break;
        last = j;
        j += (size_t)l;
        count++;
    }
    if (j == n || count == 1)
        return j;
    return last; /* leave the last space to the next word */
}

static mm_rc pre_step(const struct tok_hf *hf, const struct hf_pre *p, struct tok_state *st,
                      const struct wlist *in, struct wlist *out, struct mlist *ml) {
    mm_rc rc = MM_OK;
    struct mm_buf tmp;
    mm_buf_init(&tmp, 0);
    for (size_t wi = 0; wi < in->n && rc == MM_OK; wi++) {
        const struct tok_hf_word *wd = &st->hf_words[in->k][wi];
        const char *w = st->hf_w[in->k] + wd->off;
        size_t n = wd->len;
        const unsigned char *u = (const unsigned char *)w;
        ml->n = 0;
        switch (p->type) {
        case HP_BERT: /* whitespace removed, punctuation isolated */
        case HP_WSSPLIT:
        case HP_PUNCT:
        case HP_DIGITS:
        case HP_CHARDELIM: {
            size_t start = 0;
            for (size_t i = 0; i < n && rc == MM_OK;) {
                uint32_t c;
                int l = utf8_next(u + i, n - i, &c);
                int m = 0;
                if (p->type == HP_BERT) {
                    if (tok_bert_is_ws(c)) {
                        rc = wl_emit(st, out, w + start, i - start, wd->first && start == 0);
                        start = i + (size_t)l;
                    } else if (tok_bert_is_punct(c)) {
                        if ((rc = wl_emit(st, out, w + start, i - start, wd->first && start == 0)))
                            break;
                        rc = wl_emit(st, out, w + i, (size_t)l, wd->first && i == 0);
                        start = i + (size_t)l;
                    }
                    i += (size_t)l;
                    continue;
                }
                if (p->type == HP_WSSPLIT) m = tok_bert_is_ws(c);
                else if (p->type == HP_PUNCT) m = tok_bert_is_punct(c);
                else if (p->type == HP_DIGITS) m = is_numeric_char(c);
                else m = c == p->rep;
                if (m) {
                    if (start < i && (rc = ml_add(ml, start, i, 0)))
                        break;
                    rc = ml_add(ml, i, i + (size_t)l, 1);
                    start = i + (size_t)l;
                }
                i += (size_t)l;
            }
            if (rc)
                break;
            if (p->type == HP_BERT) {
                rc = wl_emit(st, out, w + start, n - start, wd->first && start == 0);
                break;
            }
            if (start < n)
                rc = ml_add(ml, start, n, 0);
            int beh = p->type == HP_WSSPLIT || p->type == HP_CHARDELIM ? B_REMOVED
                      : p->type == HP_PUNCT ? p->behavior
                      : p->individual ? B_ISOLATED : B_CONTIGUOUS;
            if (rc == MM_OK)
                rc = split_emit(st, out, w, wd->first, ml, beh, 0);
            break;
        }
        case HP_WHITESPACE: { /* \w+|[^\w\s]+ kept, whitespace removed */
            size_t i = 0;
            while (i < n && rc == MM_OK) {
                uint32_t c;
                int l = utf8_next(u + i, n - i, &c);
                if (tok_bert_is_ws(c)) {
                    i += (size_t)l;
                    continue;
                }
                int word = is_word_char(c);
                size_t j = i + (size_t)l;
                while (j < n) {
                    l = utf8_next(u + j, n - j, &c);
                    if (tok_bert_is_ws(c) || is_word_char(c) != word)
                        break;
                    j += (size_t)l;
                }
                rc = wl_emit(st, out, w + i, j - i, wd->first && i == 0);
                i = j;
            }
            break;
        }
        case HP_SPLIT: {
            size_t start = 0;
            if (p->re) {
                rc = regex_matches(p->re, w, n, ml);
            } else if (p->patlen == 0 || n == 0) {
                rc = ml_add(ml, 0, n, 0);
            } else {
                for (size_t i = 0; i + p->patlen <= n && rc == MM_OK;) {
                    if (memcmp(w + i, p->pat, p->patlen) == 0) {
                        if (start < i)
                            rc = ml_add(ml, start, i, 0);
                        if (rc == MM_OK)
                            rc = ml_add(ml, i, i + p->patlen, 1);
                        i += p->patlen;
                        start = i;
                    } else {
                        i++;
                    }
                }
                if (rc == MM_OK && start < n)
                    rc = ml_add(ml, start, n, 0);
            }
            if (rc == MM_OK)
                rc = split_emit(st, out, w, wd->first, ml, p->behavior, p->invert);
            break;
        }
        case HP_METASPACE: {
            mm_buf_reset(&tmp);
            int pre = (p->prepend == PREPEND_ALWAYS || (p->prepend == PREPEND_FIRST && wd->first)) &&
                      !(n && w[0] == ' ') &&
                      !(n >= p->replen && memcmp(w, p->repstr, p->replen) == 0);
            if (pre)
                rc = mm_buf_append(&tmp, p->repstr, p->replen);
            for (size_t i = 0; i < n && rc == MM_OK; i++)
                rc = w[i] == ' ' ? mm_buf_append(&tmp, p->repstr, p->replen)
                                 : mm_buf_putc(&tmp, w[i]);
            if (rc)
                break;
            const char *t = tmp.data ? tmp.data : "";
            size_t tn = tmp.len;
            if (!p->split) {
                rc = wl_emit(st, out, t, tn, wd->first);
                break;
            }
            /* split on the replacement, merged with the next piece */
            size_t start = 0;
            for (size_t i = 0; i < tn && rc == MM_OK;) {
                if (tn - i >= p->replen && memcmp(t + i, p->repstr, p->replen) == 0) {
                    if (i > start)
                        rc = wl_emit(st, out, t + start, i - start, wd->first && start == 0);
                    start = i;
                    i += p->replen;
                } else {
                    i++;
                }
            }
            if (rc == MM_OK)
                rc = wl_emit(st, out, t + start, tn - start, wd->first && start == 0);
            break;
        }
        case HP_BYTELEVEL: {
            mm_buf_reset(&tmp);
            if (p->add_prefix_space && !(n && w[0] == ' '))
                rc = mm_buf_putc(&tmp, ' ');
            if (rc == MM_OK)
                rc = mm_buf_append(&tmp, w, n);
            if (rc)
                break;
            const unsigned char *t = (const unsigned char *)(tmp.data ? tmp.data : "");
            size_t tn = tmp.len;
            for (size_t i = 0; i < tn && rc == MM_OK;) {
                size_t m = p->use_regex ? gpt2_match(t + i, tn - i) : tn - i;
                if (m == 0)
                    m = 1;
                /* map each byte to its character */
                int k = out->k;
                size_t need = m * 2;
                if (tok_state_reserve((void **)&st->hf_w[k], &st->hf_w_cap[k], out->tlen + need + 1,
                                      1) ||
                    tok_state_reserve((void **)&st->hf_words[k], &st->hf_words_cap[k], out->n + 1,
                                      sizeof(struct tok_hf_word))) {
                    rc = MM_ENOMEM;
                    break;
                }
                char *o = st->hf_w[k] + out->tlen;
                size_t ol = 0;
                for (size_t j = 0; j < m; j++) {
                    unsigned b = t[i + j];
                    o[ol] = hf->byte_utf8[b][0];
                    o[ol + 1] = hf->byte_utf8[b][1];
                    ol += hf->byte_utf8_len[b];
                }
                st->hf_words[k][out->n].off = (uint32_t)out->tlen;
                st->hf_words[k][out->n].len = (uint32_t)ol;
                st->hf_words[k][out->n].first = wd->first && i == 0;
                out->tlen += ol;
                out->n++;
                i += m;
            }
            break;
        }
        }
    }
    mm_buf_free(&tmp);
    return rc;
}

/* ---- models ---- */

static mm_rc heap_push(struct tok_state *st, size_t *hn, uint32_t rank, uint32_t pos, int32_t id) {
    if (tok_state_reserve((void **)&st->hf_heap, &st->hf_heap_cap, *hn + 1,
                          sizeof(struct tok_hf_merge)))
        return MM_ENOMEM;
    struct tok_hf_merge *h = st->hf_heap;
    size_t i = (*hn)++;
    struct tok_hf_merge x = {rank, pos, id};
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (h[par].rank < x.rank || (h[par].rank == x.rank && h[par].pos <= x.pos))
            break;
        h[i] = h[par];
        i = par;
    }
    h[i] = x;
    return MM_OK;
}

static struct tok_hf_merge heap_pop(struct tok_state *st, size_t *hn) {
    struct tok_hf_merge *h = st->hf_heap;
    struct tok_hf_merge top = h[0];
    struct tok_hf_merge x = h[--(*hn)];
    size_t n = *hn, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && (h[c + 1].rank < h[c].rank ||
                          (h[c + 1].rank == h[c].rank && h[c + 1].pos < h[c].pos)))
            c++;
        if (x.rank < h[c].rank || (x.rank == h[c].rank && x.pos <= h[c].pos))
            break;
        h[i] = h[c];
        i = c;
    }
    if (n)
        h[i] = x;
    return top;
}

/* Look up prefix + s[0..n) + suffix in the vocab without building it. */
static int32_t vocab_get3(const struct tok_hf *hf, const char *a, size_t an, const char *s,
                          size_t n, const char *b, size_t bn) {
    const struct tok_trie *t = &hf->vocab;
    uint32_t node = 0;
    int32_t v = -1;
    const char *parts[3] = {a, s, b};
    size_t lens[3] = {an, n, bn};
    size_t total = an + n + bn;
    if (total == 0)
        return -1;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < lens[p]; i++) {
            node = tok_trie_step(t, node, (unsigned char)parts[p][i], &v);
            if (!node)
                return -1;
        }
    return v;
}

static mm_rc bpe_merge_word(const struct tok_hf *hf, struct tok_state *st, const char *w,
                            size_t n);

/* BPE through a per-state cache of words (the result depends on the word
 * alone); a word longer than 256 bytes is not cached. */
static mm_rc bpe_word(const struct tok_hf *hf, struct tok_state *st, const char *w, size_t n) {
    if (n == 0)
        return MM_OK;
    if (n > 256)
        return bpe_merge_word(hf, st, w, n);
    if (st->hf_cache_owner != hf || st->hf_cache_used >= TOK_HF_CACHE / 2 ||
        st->hf_ckeys_len > (64u << 20) || st->hf_cids_len > (16u << 20)) {
        if (!st->hf_cache) {
            st->hf_cache = calloc(TOK_HF_CACHE, sizeof *st->hf_cache);
            if (!st->hf_cache)
                return bpe_merge_word(hf, st, w, n);
        } else {
            memset(st->hf_cache, 0, TOK_HF_CACHE * sizeof *st->hf_cache);
        }
        st->hf_cache_owner = hf;
        st->hf_cache_used = st->hf_ckeys_len = st->hf_cids_len = 0;
    }
    uint64_t h = mm_hash64(w, n, 0x6866) | 1;
    size_t i = (size_t)h & (TOK_HF_CACHE - 1);
    for (; st->hf_cache[i].hash; i = (i + 1) & (TOK_HF_CACHE - 1)) {
        struct tok_hf_centry *e = &st->hf_cache[i];
        if (e->hash == h && e->klen == n && memcmp(st->hf_ckeys + e->key, w, n) == 0) {
            if (tok_state_reserve((void **)&st->ids, &st->ids_cap, st->ids_len + e->nids,
                                  sizeof(int32_t)))
                return MM_ENOMEM;
            memcpy(st->ids + st->ids_len, st->hf_cids + e->ids, e->nids * sizeof(int32_t));
            st->ids_len += e->nids;
            return MM_OK;
        }
    }
    size_t from = st->ids_len;
    mm_rc rc = bpe_merge_word(hf, st, w, n);
    size_t k = st->ids_len - from;
    if (rc || tok_state_reserve((void **)&st->hf_ckeys, &st->hf_ckeys_cap, st->hf_ckeys_len + n, 1) ||
        tok_state_reserve((void **)&st->hf_cids, &st->hf_cids_cap, st->hf_cids_len + k + 1,
                          sizeof(int32_t)))
        return rc;
    struct tok_hf_centry *e = &st->hf_cache[i];
    e->hash = h;
    e->key = (uint32_t)st->hf_ckeys_len;
    e->klen = (uint32_t)n;
    e->ids = (uint32_t)st->hf_cids_len;
    e->nids = (uint32_t)k;
    memcpy(st->hf_ckeys + st->hf_ckeys_len, w, n);
    st->hf_ckeys_len += n;
    memcpy(st->hf_cids + st->hf_cids_len, st->ids + from, k * sizeof(int32_t));
    st->hf_cids_len += k;
    st->hf_cache_used++;
    return MM_OK;
}

static mm_rc bpe_merge_word(const struct tok_hf *hf, struct tok_state *st, const char *w,
                            size_t n) {
    if (hf->ignore_merges) {
        int32_t id = vocab_get(hf, w, n);
        if (id >= 0)
            return tok_push_id(st, id);
    }
    size_t cap = n * (1 + hf->prefix_len + hf->suffix_len) + 1;
    if (tok_state_reserve((void **)&st->hf_syms, &st->hf_syms_cap, cap, sizeof(struct tok_hf_sym)))
        return MM_ENOMEM;
    struct tok_hf_sym *sy = st->hf_syms;
    size_t ns = 0;
    int32_t unk_id = -1;
    uint32_t unk_len = 0;
    const unsigned char *u = (const unsigned char *)w;
#define ADD(ID, LEN)                                                                               \
    do {                                                                                           \
        if (ns)                                                                                    \
            sy[ns - 1].next = (int32_t)ns;                                                         \
        sy[ns].id = (ID);                                                                          \
        sy[ns].prev = (int32_t)ns - 1;                                                             \
        sy[ns].next = -1;                                                                          \
        sy[ns].len = (LEN);                                                                        \
        ns++;                                                                                      \
    } while (0)
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = (size_t)utf8_next(u + i, n - i, &c);
        int is_first = i == 0, is_last = i + l == n;
        const char *pa = !is_first && hf->prefix ? hf->prefix : "";
        size_t pal = !is_first && hf->prefix ? hf->prefix_len : 0;
        const char *sb = is_last && hf->suffix ? hf->suffix : "";
        size_t sbl = is_last && hf->suffix ? hf->suffix_len : 0;
        int32_t id = vocab_get3(hf, pa, pal, w + i, l, sb, sbl);
        if (id >= 0) {
            if (unk_id >= 0) {
                ADD(unk_id, unk_len);
                unk_id = -1;
            }
            ADD(id, (uint32_t)l);
        } else {
            int done = 0;
            if (hf->byte_fallback) {
                int ok = 1;
                const char *parts[3] = {pa, w + i, sb};
                size_t lens[3] = {pal, l, sbl};
                for (int p = 0; p < 3 && ok; p++)
                    for (size_t j = 0; j < lens[p] && ok; j++)
                        ok = hf->byte_tok[(unsigned char)parts[p][j]] >= 0;
                if (ok) {
                    for (int p = 0; p < 3; p++)
                        for (size_t j = 0; j < lens[p]; j++)
                            ADD(hf->byte_tok[(unsigned char)parts[p][j]], 1);
                    done = 1;
                }
            }
            if (!done && hf->unk >= 0) {
                if (unk_id >= 0 && hf->fuse_unk) {
                    unk_len += (uint32_t)l;
                } else {
                    if (unk_id >= 0)
                        ADD(unk_id, unk_len);
                    unk_id = hf->unk;
                    unk_len = (uint32_t)l;
                }
            }
        }
        i += l;
    }
    if (unk_id >= 0)
        ADD(unk_id, unk_len);
#undef ADD
    /* Word::merge_all: a min-heap on (rank, position) */
    size_t hn = 0;
    for (size_t i = 0; i + 1 < ns; i++) {
        uint32_t rank;
        int32_t nid;
        if (merge_get(hf, sy[i].id, sy[i + 1].id, &rank, &nid) &&
            heap_push(st, &hn, rank, (uint32_t)i, nid))
            return MM_ENOMEM;
    }
    while (hn) {
        struct tok_hf_merge top = heap_pop(st, &hn);
        sy = st->hf_syms;
        struct tok_hf_sym *cur = &sy[top.pos];
        if (cur->len == 0 || cur->next < 0)
            continue;
        struct tok_hf_sym right = sy[cur->next];
        uint32_t rank;
        int32_t nid;
        if (!merge_get(hf, cur->id, right.id, &rank, &nid) || nid != top.id)
            continue;
        size_t next_pos = (size_t)cur->next;
        cur->id = top.id;
        cur->len += right.len;
        cur->next = right.next;
        sy[next_pos].len = 0;
        if (right.next >= 0 && (size_t)right.next < ns)
            sy[right.next].prev = (int32_t)top.pos;
        if (cur->prev >= 0) {
            int32_t pv = cur->prev;
            if (merge_get(hf, sy[pv].id, cur->id, &rank, &nid) &&
                heap_push(st, &hn, rank, (uint32_t)pv, nid))
                return MM_ENOMEM;
            sy = st->hf_syms;
            cur = &sy[top.pos];
        }
        if (cur->next >= 0 && (size_t)cur->next < ns) {
            if (merge_get(hf, cur->id, sy[cur->next].id, &rank, &nid) &&
                heap_push(st, &hn, rank, top.pos, nid))
                return MM_ENOMEM;
        }
    }
    sy = st->hf_syms;
    for (size_t i = 0; i < ns; i++)
        if (sy[i].len && tok_push_id(st, sy[i].id))
            return MM_ENOMEM;
    return MM_OK;
}

static mm_rc push_with_string(struct tok_state *st, int32_t id, const char *s, size_t n);

/* Unigram::encode_optimized + tokenize: Viterbi over the bytes of w with
 * one unknown candidate per character that no piece covers exactly,
 * unknown runs fused, then each piece string looked up again (byte
 * fallback or unk_id for the unknown ones). */
static mm_rc unigram_word(const struct tok_hf *hf, struct tok_state *st, const char *w, size_t n,
                          int safe) {
    if (n == 0)
        return MM_OK;
    if (tok_state_reserve((void **)&st->hf_uni, &st->hf_uni_cap, n + 1,
                          sizeof(struct tok_hf_node)))
        return MM_ENOMEM;
    struct tok_hf_node *nd = st->hf_uni;
    for (size_t i = 0; i <= n; i++) {
        nd[i].score = 0;
        nd[i].start = -1;
        nd[i].id = 0;
    }
    const unsigned char *u = (const unsigned char *)w;
    for (size_t at = 0; at < n;) {
        double base = nd[at].score;
        uint32_t c;
        size_t mblen = (size_t)utf8_next(u + at, n - at, &c);
        int single = 0;
        uint32_t node = 0;
        for (size_t j = at; j < n; j++) {
            int32_t v;
            node = tok_trie_step(&hf->vocab, node, u[j], &v);
            if (!node)
                break;
            if (v < 0 || (safe && hf->special && hf->special[v]))
                continue;
            size_t kp = j + 1;
            double cand = hf->score[v] + base;
            if (nd[kp].start < 0 || cand > nd[kp].score) {
                nd[kp].score = cand;
                nd[kp].start = (int32_t)at;
                nd[kp].id = v;
            }
            if (kp - at == mblen)
                single = 1;
        }
        if (!single) {
            if (hf->unk < 0)
                return MM_EMODEL; /* the reference fails too: "unk_id is missing" */
            size_t kp = at + mblen;
            double cand = hf->unk_score + base;
            if (nd[kp].start < 0 || cand > nd[kp].score) {
                nd[kp].score = cand;
                nd[kp].start = (int32_t)at;
                nd[kp].id = hf->unk;
            }
        }
        at += mblen;
    }
    /* backtrack into (start, end, id) */
    size_t count = 0;
    for (size_t e = n; e > 0; e = (size_t)nd[e].start)
        count++;
    if (tok_state_reserve((void **)&st->hf_useg, &st->hf_useg_cap, count + 1,
                          sizeof(struct tok_hf_seg)))
        return MM_ENOMEM;
    struct tok_hf_seg *sg = st->hf_useg;
    size_t k = count;
    for (size_t e = n; e > 0; e = (size_t)nd[e].start) {
        k--;
        sg[k].start = (uint32_t)nd[e].start;
        sg[k].end = (uint32_t)e;
        sg[k].id = nd[e].id;
    }
    for (size_t i = 0; i < count;) {
        size_t a = sg[i].start, b = sg[i].end;
        size_t j = i + 1;
        if (hf->unk >= 0 && sg[i].id == hf->unk)
            while (j < count && sg[j].id == hf->unk)
                b = sg[j++].end;
        i = j;
        int32_t id = vocab_get(hf, w + a, b - a);
        if (id >= 0) {
            if (tok_push_id(st, id))
                return MM_ENOMEM;
            continue;
        }
        if (hf->byte_fallback) {
            int ok = 1;
            for (size_t x = a; x < b && ok; x++)
                ok = hf->byte_tok[u[x]] >= 0;
            if (ok) {
                for (size_t x = a; x < b; x++)
                    if (tok_push_id(st, hf->byte_tok[u[x]]))
                        return MM_ENOMEM;
                continue;
            }
        }
        if (hf->unk < 0)
            return MM_EMODEL;
        if (push_with_string(st, hf->unk, w + a, b - a))
            return MM_ENOMEM;
    }
    return MM_OK;
}

static mm_rc model_word(const struct tok_hf *hf, struct tok_state *st, const char *w, size_t n,
                        int safe) {
    if (hf->model == HM_BPE)
        return bpe_word(hf, st, w, n);
    if (hf->model == HM_UNIGRAM)
        return unigram_word(hf, st, w, n, safe);
    size_t nchars = 0;
    for (size_t i = 0; i < n; i++)
        nchars += ((unsigned char)w[i] & 0xC0) != 0x80;
    return tok_wp_word(&hf->wp, st, w, n, nchars);
}

/* ---- added tokens ---- */

static int word_char_before(const unsigned char *s, size_t at) {
    if (at == 0)
        return 0;
    size_t k = at - 1;
    while (k > 0 && (s[k] & 0xC0) == 0x80)
        k--;
    uint32_t c;
    utf8_next(s + k, at - k, &c);
    return is_word_char(c);
}

/* find_matches of added_vocabulary.rs over s[0..n): segments into st->hf_segs
 * (norm = 0) or st->hf_nsegs (norm = 1); *nseg gets the count. */
static mm_rc find_added(const struct tok_hf *hf, struct tok_state *st, const char *text, size_t n,
                        int norm, int safe, size_t *nseg) {
    const struct tok_trie *t = norm ? &hf->norm_trie : &hf->raw_trie;
    int has = norm ? hf->has_norm : hf->has_raw;
    struct tok_hf_seg **segs = norm ? &st->hf_nsegs : &st->hf_segs;
    size_t *cap = norm ? &st->hf_nsegs_cap : &st->hf_segs_cap;
    const unsigned char *s = (const unsigned char *)text;
    size_t k = 0, start_offset = 0;
#define SEG(A, B, ID)                                                                              \
    do {                                                                                           \
        if (tok_state_reserve((void **)segs, cap, k + 1, sizeof(struct tok_hf_seg)))               \
            return MM_ENOMEM;                                                                      \
        (*segs)[k].start = (uint32_t)(A);                                                          \
        (*segs)[k].end = (uint32_t)(B);                                                            \
        (*segs)[k].id = (ID);                                                                      \
        k++;                                                                                       \
    } while (0)
    for (size_t i = 0; has && i < n;) {
        int32_t best;
        size_t mlen = tok_trie_longest(t, s + i, n - i, &best);
        if (best < 0) {
            i++;
            continue;
        }
        const struct hf_added *a = &hf->added[best];
        size_t start = i, stop = i + mlen;
        i = stop;
        if (safe && a->special)
            continue;
        if (a->single_word) {
            int start_space = start == 0 || !word_char_before(s, start);
            uint32_t c = 0;
            if (stop < n)
                utf8_next(s + stop, n - stop, &c);
            int stop_space = stop == n || !is_word_char(c);
            if (!start_space || !stop_space)
                continue;
        }
        if (a->lstrip) {
            size_t ns = start;
            while (ns > 0) {
                size_t q = ns - 1;
                while (q > 0 && (s[q] & 0xC0) == 0x80)
                    q--;
                uint32_t c;
                utf8_next(s + q, ns - q, &c);
                if (!tok_bert_is_ws(c))
                    break;
                ns = q;
            }
            start = ns > start_offset ? ns : start_offset;
        }
        if (a->rstrip) {
            while (stop < n) {
                uint32_t c;
                int l = utf8_next(s + stop, n - stop, &c);
                if (!tok_bert_is_ws(c))
                    break;
                stop += (size_t)l;
            }
        }
        if (start_offset < start)
            SEG(start_offset, start, -1);
        SEG(start, stop, (int32_t)best);
        start_offset = stop;
        if (i < stop)
            i = stop;
    }
    if (start_offset != n)
        SEG(start_offset, n, -1);
#undef SEG
    *nseg = k;
    return MM_OK;
}

/* mark the ids pushed since the last call as vocab pieces */
static mm_rc mark_vals(struct tok_state *st) {
    if (tok_state_reserve((void **)&st->hf_vals, &st->hf_vals_cap, st->ids_len + 1,
                          sizeof(int64_t)))
        return MM_ENOMEM;
    for (size_t i = st->hf_vals_len; i < st->ids_len; i++)
        st->hf_vals[i] = -1;
    st->hf_vals_len = st->ids_len;
    return MM_OK;
}

/* Push `id` whose token string is s[0..n) (not its vocab piece). */
static mm_rc push_with_string(struct tok_state *st, int32_t id, const char *s, size_t n) {
    if (mark_vals(st) || tok_push_id(st, id) || mark_vals(st))
        return MM_ENOMEM;
    if (tok_state_reserve((void **)&st->hf_vbuf, &st->hf_vbuf_cap, st->hf_vbuf_len + n + 1, 1))
        return MM_ENOMEM;
    memcpy(st->hf_vbuf + st->hf_vbuf_len, s, n);
    st->hf_vals[st->ids_len - 1] = (int64_t)st->hf_vbuf_len << 20 | (int64_t)n;
    st->hf_vbuf_len += n;
    return MM_OK;
}

static mm_rc push_added(const struct tok_hf *hf, struct tok_state *st, int32_t idx,
                        const char *s, size_t n) {
    int32_t id = hf->added[idx].id;
    /* the token's string is the matched text (with any stripped spaces) */
    if (hf->piece[id] && hf->piece_len[id] == n && memcmp(hf->piece[id], s, n) == 0) {
        if (tok_push_id(st, id))
            return MM_ENOMEM;
        return mark_vals(st);
    }
    return push_with_string(st, id, s, n);
}

/* Pre-tokenize and run the model over normalized text t[0..n). */
static mm_rc encode_text(const struct tok_hf *hf, struct tok_state *st, const char *t, size_t n,
                         int first, int safe, struct mlist *ml) {
    mm_rc rc = MM_OK;
    if (hf->npre == 0) {
        rc = model_word(hf, st, t, n, safe);
    } else {
        struct wlist a = {0, 0, 0};
        rc = wl_emit(st, &a, t, n, (uint32_t)first);
        for (size_t k = 0; k < hf->npre && rc == MM_OK; k++) {
            struct wlist b = {a.k ^ 1, 0, 0};
            rc = pre_step(hf, &hf->pre[k], st, &a, &b, ml);
            a = b;
        }
        for (size_t i = 0; i < a.n && rc == MM_OK; i++) {
            const struct tok_hf_word *wd = &st->hf_words[a.k][i];
            rc = model_word(hf, st, st->hf_w[a.k] + wd->off, wd->len, safe);
        }
    }
    if (rc == MM_OK)
        rc = mark_vals(st);
    return rc;
}

mm_rc tok_hf_encode(const struct tok_hf *hf, struct tok_state *st, const char *text, size_t n,
                    int safe) {
    st->ids_len = 0;
    st->hf_vbuf_len = 0;
    st->hf_vals_len = 0;
    /* the text as valid UTF-8, as the binding's string decoding makes it */
    size_t bad;
    if (!mm_utf8_valid(text, n, &bad)) {
        struct obuf o = {&st->hf_text, &st->hf_text_cap, 0};
        const unsigned char *u = (const unsigned char *)text;
        for (size_t i = 0; i < n;) {
            uint32_t c;
            int l = u[i] < 0x80 ? 1 : mm_utf8_decode(u + i, n - i, &c);
            if (l > 0) {
                if (ob_put(&o, text + i, (size_t)l))
                    return MM_ENOMEM;
                i += (size_t)l;
            } else {
                if (ob_put(&o, "\xef\xbf\xbd", 3))
                    return MM_ENOMEM;
                i += bad_len(u + i, n - i);
            }
        }
        text = st->hf_text;
        n = o.len;
    }
    struct mlist ml = {0};
    size_t nseg;
    mm_rc rc = find_added(hf, st, text, n, 0, safe, &nseg);
    for (size_t si = 0; si < nseg && rc == MM_OK; si++) {
        struct tok_hf_seg sg = st->hf_segs[si];
        if (sg.id >= 0) {
            rc = push_added(hf, st, sg.id, text + sg.start, sg.end - sg.start);
            continue;
        }
        if (sg.end == sg.start)
            continue;
        if (hf->fused) {
            rc = tok_wp_segment(&hf->wp, st, (const unsigned char *)text + sg.start,
                                sg.end - sg.start);
            if (rc == MM_OK)
                rc = mark_vals(st);
            continue;
        }
        const char *t;
        size_t tn;
        rc = normalize(hf, st, text + sg.start, sg.end - sg.start, &t, &tn);
        if (rc || tn == 0)
            continue;
        /* the normalized text lives in st->hf_n, which the next segment
         * reuses; copy it aside when normalized added tokens split it */
        if (!hf->has_norm) {
            rc = encode_text(hf, st, t, tn, sg.start == 0, safe, &ml);
            continue;
        }
        char *copy = dupn(t, tn);
        if (!copy) {
            rc = MM_ENOMEM;
            break;
        }
        size_t nn;
        rc = find_added(hf, st, copy, tn, 1, safe, &nn);
        for (size_t j = 0; j < nn && rc == MM_OK; j++) {
            struct tok_hf_seg s2 = st->hf_nsegs[j];
            if (s2.id >= 0)
                rc = push_added(hf, st, s2.id, copy + s2.start, s2.end - s2.start);
            else if (s2.end > s2.start)
                rc = encode_text(hf, st, copy + s2.start, s2.end - s2.start,
                                 sg.start == 0 && s2.start == 0, safe, &ml);
        }
        free(copy);
    }
    free(ml.v);
    return rc;
}

const char *tok_hf_token(const struct tok_hf *hf, const struct tok_state *st, size_t k,
                         size_t *len) {
    int64_t v = st->hf_vals[k];
    if (v >= 0) {
        *len = (size_t)(v & ((1 << 20) - 1));
        return st->hf_vbuf + (v >> 20);
    }
    int32_t id = st->ids[k];
    if (id < 0 || id >= hf->nids || !hf->piece[id]) {
        *len = 0;
        return "";
    }
    *len = hf->piece_len[id];
    return hf->piece[id];
}

int32_t tok_hf_vocab_size(const struct tok_hf *hf) { return hf->nids; }

const char *tok_hf_piece(const struct tok_hf *hf, int32_t id) {
    if (id < 0 || id >= hf->nids)
        return NULL;
    return hf->piece[id];
}

struct tok_specials tok_hf_specials(const struct tok_hf *hf) { return hf->spec; }

const char *tok_hf_kind_name(const struct tok_hf *hf) {
    if (hf->model == HM_WORDPIECE)
        return "hf-wordpiece";
    if (hf->model == HM_UNIGRAM)
        return "hf-unigram";
    return hf->bytelevel ? "hf-bytelevel-bpe" : "hf-bpe";
}

int tok_hf_is_continuation(const struct tok_hf *hf, int32_t id) {
    const char *p = tok_hf_piece(hf, id);
    if (!p)
        return 0;
    for (size_t i = 0; i < hf->nadded; i++)
        if (hf->added[i].id == id)
            return 0;
    if (hf->model == HM_WORDPIECE)
        return strncmp(p, hf->wp_prefix, hf->wp_prefix_len) == 0;
    if (hf->bytelevel)
        return strncmp(p, "\xc4\xa0", 2) != 0; /* "Ġ" = a space */
    for (size_t i = 0; i < hf->npre; i++)
        if (hf->pre[i].type == HP_METASPACE)
            return strncmp(p, hf->pre[i].repstr, hf->pre[i].replen) != 0;
    if (hf->prefix)
        return strncmp(p, hf->prefix, hf->prefix_len) == 0;
    return 0;
}

/* ---- post-processor ---- */

size_t tok_hf_added_count(const struct tok_hf *hf, int pair) {
    if (!hf->has_post)
        return 0;
    const struct hf_item *it = pair ? hf->pair : hf->single;
    size_t n = pair ? hf->npair : hf->nsingle, k = 0;
    for (size_t i = 0; i < n; i++)
        k += it[i].nids;
    return k;
}

size_t tok_hf_post(const struct tok_hf *hf, const int32_t *a, size_t na, const int32_t *b,
                   size_t nb, int32_t *out, int32_t *types) {
    size_t k = 0;
    if (!hf->has_post) {
        memcpy(out, a, na * sizeof *a);
        for (size_t i = 0; i < na; i++)
            types[k++] = 0;
        if (b) {
            memcpy(out + k, b, nb * sizeof *b);
            for (size_t i = 0; i < nb; i++)
                types[k++] = 1;
        }
        return k;
    }
    const struct hf_item *it = b ? hf->pair : hf->single;
    size_t n = b ? hf->npair : hf->nsingle;
    for (size_t i = 0; i < n; i++) {
        const int32_t *src = it[i].seq == 0 ? it[i].ids : it[i].seq == 1 ? a : b;
        size_t m = it[i].seq == 0 ? it[i].nids : it[i].seq == 1 ? na : nb;
        if (!src)
            continue;
        memcpy(out + k, src, m * sizeof *src);
        for (size_t j = 0; j < m; j++)
            types[k++] = it[i].type_id;
    }
    return k;
}
