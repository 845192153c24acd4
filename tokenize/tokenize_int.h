/*
 * tokenize_int.h -- internals shared by the files of tokenize/: the byte
 * trie, the SentencePiece model, its normalizer and Viterbi encoder, the
 * WordPiece model and the per-thread scratch state. Not for other stages.
 */
#ifndef MALMOI_TOKENIZE_INT_H
#define MALMOI_TOKENIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "util.h"

/* ---- trie.c: a trie over bytes or labels, as a double array ----
 * Built once from sorted keys at load; read-only afterwards (threads share
 * it). Unit 0 is the root. */
struct tok_da {
    int32_t base;   /* children of this unit are at base + label */
    uint32_t check; /* parent unit | TOK_DA_VALUE when a key ends here;
                       TOK_DA_FREE = unused */
};
#define TOK_DA_VALUE 0x80000000u
#define TOK_DA_FREE 0x7fffffffu
struct tok_trie {
    struct tok_da *da;
    int32_t *vals; /* da_len values, read only when TOK_DA_VALUE is set */
    uint32_t da_len;
};

void tok_trie_free(struct tok_trie *t);
/* Build from byte strings keys[i][0..lens[i]) -> values[i]; empty keys
 * are skipped; for equal keys the first one wins. MM_OK or MM_ENOMEM. */
mm_rc tok_trie_build_bytes(struct tok_trie *t, const char *const *keys, const uint32_t *lens,
                           const int32_t *values, uint32_t n);
/* Build over label sequences: key i is labels[starts[i] .. starts[i] +
 * lens[i]) (labels 1..max_label, lens >= 1) with value values[i]; for
 * equal keys the first one wins. */
mm_rc tok_trie_build_seqs(struct tok_trie *t, const uint32_t *labels, const uint32_t *starts,
                          const uint32_t *lens, const int32_t *values, uint32_t n,
                          uint32_t max_label);
/* Lower level: lay out the edges of a trie with nodes 0..nn-1 (0 = root)
 * and labels 0..max_label as a double array (edges are not modified). */
struct tok_gedge {
    uint32_t parent, label, child;
    int32_t value; /* value of the key ending at child, -1 = none */
};
mm_rc tok_da_build(struct tok_trie *t, struct tok_gedge *edges, uint32_t ne, uint32_t nn,
                   uint32_t max_label);
/* The longest key that prefixes s[0..n): its length (0 and *id = -1 when
 * none) and value. */
size_t tok_trie_longest(const struct tok_trie *t, const unsigned char *s, size_t n, int32_t *id);
/* Exact lookup; -1 when absent. */
int32_t tok_trie_get(const struct tok_trie *t, const char *key, size_t n);

/* One transition: from unit `node` (0 = root) by byte (or label) `c`. Returns the
 * child unit (> 0) and sets *value, or 0 when there is no such edge. */
static inline uint32_t tok_trie_step(const struct tok_trie *t, uint32_t node, uint32_t c,
                                     int32_t *value) {
    uint32_t idx = (uint32_t)t->da[node].base + c;
    if (idx < t->da_len) {
        uint32_t ck = t->da[idx].check;
        if ((ck & ~TOK_DA_VALUE) == node) {
            *value = (ck & TOK_DA_VALUE) ? t->vals[idx] : -1;
            return idx;
        }
    }
    return 0;
}

/* ---- the SentencePiece model (sp_model.c, sp_normalize.c, sp_unigram.c) ---- */
enum {
    SP_NORMAL = 1,
    SP_UNKNOWN = 2,
    SP_CONTROL = 3,
    SP_USER_DEFINED = 4,
    SP_UNUSED = 5,
    SP_BYTE = 6,
};

struct tok_sp {
    uint32_t npieces;
    char *strs;        /* all piece strings, each NUL-terminated */
    uint32_t *str_off; /* npieces: offset of piece i in strs */
    uint32_t *str_len; /* npieces: byte length of piece i */
    float *score;      /* npieces */
    double *vscore;    /* npieces: the score Viterbi adds (user-defined bonus applied) */
    uint8_t *type;     /* npieces: SP_* */
    uint8_t *special;  /* npieces: 1 when safe mode must not match it from text */
    int32_t unk_id;
    int32_t bos_id, eos_id, pad_id; /* from trainer_spec, -1 = none */
    float min_score, max_score;
    int model_type; /* 1 = unigram */
    int byte_fallback;
    int treat_ws_suffix;
    int add_dummy_prefix, remove_extra_ws, escape_ws;
    char norm_name[32];
    int32_t byte_id[256];

    /* precompiled charsmap: darts-clone units plus the replacement strings */
    uint32_t *units;
    size_t nunits;
    char *repl;      /* replacement strings, NUL-terminated, copy of the blob */
    size_t repl_len;

    uint8_t pass[8192]; /* bit per BMP code point: normalizes to itself (no
                           user symbol or charsmap key starts with it) */
    struct tok_trie pieces;  /* NORMAL, USER_DEFINED (UNUSED skipped) -> id */
    struct tok_trie user;    /* USER_DEFINED strings -> id (normalizer prefix) */
    int has_user;

    /* The same pieces over characters: each code point used by a piece has
     * a label 1..nlabels, and `chars` walks one label per character (a third
     * of the steps for Hangul). Used whenever the normalized text is valid
     * UTF-8, i.e. always unless the model itself holds invalid UTF-8. */
    uint16_t cp_page[0x1100]; /* page of code point >> 8 in cp_labels; 0 = none */
    uint16_t *cp_labels;      /* 256 labels per page; page 0 is all zero */
    uint32_t nlabels;         /* 0 = character path unavailable */
    struct tok_trie chars;
};

mm_rc tok_sp_load(struct tok_sp *sp, const unsigned char *p, size_t n, const char *path,
                  struct mm_err *err);
void tok_sp_free(struct tok_sp *sp);

/* Per-call scratch; grows, never shrinks, reused across calls. */
struct tok_vnode {
    float score;
    int32_t start; /* -1 = unset */
    int32_t id;
};
struct tok_span {
    uint32_t start, end; /* byte range in the normalized text */
    int32_t id;          /* model (SentencePiece) id */
};

struct tok_state {
    char *norm;          /* normalized text */
    size_t norm_cap;
    struct tok_vnode *best;
    size_t best_cap;
    struct tok_span *spans;
    size_t spans_len, spans_cap;
    int32_t *ids;        /* output ids */
    size_t ids_len, ids_cap;
    uint32_t *coff;      /* byte offset of each character of norm, plus the end */
    size_t coff_cap;
    uint16_t *clab;      /* label of each character of norm (0 = in no piece) */
    size_t clab_cap;
    char *wbuf;          /* WordPiece: normalized text */
    size_t wbuf_cap;
    /* tokenizer.json pipeline (hf.c) */
    char *hf_text;       /* the input as valid UTF-8 */
    size_t hf_text_cap;
    char *hf_n[2];       /* normalizer ping-pong buffers */
    size_t hf_n_cap[2];
    char *hf_w[2];       /* pre-token text ping-pong buffers */
    size_t hf_w_cap[2];
    struct tok_hf_word *hf_words[2];
    size_t hf_words_cap[2];
    struct tok_hf_seg *hf_segs; /* added-token split */
    size_t hf_segs_cap;
    struct tok_hf_seg *hf_nsegs; /* split of one normalized segment */
    size_t hf_nsegs_cap;
    int64_t *hf_vals;    /* per output id: offset of its string in hf_vbuf, -1 = vocab piece */
    size_t hf_vals_len, hf_vals_cap;
    struct tok_hf_node *hf_uni; /* Unigram lattice of one word */
    size_t hf_uni_cap;
    struct tok_hf_seg *hf_useg; /* Unigram best path */
    size_t hf_useg_cap;
    /* BPE word cache (as the Rust BPE's): word -> ids, for one model */
    const void *hf_cache_owner;
    struct tok_hf_centry *hf_cache; /* TOK_HF_CACHE slots */
    size_t hf_cache_used;
    char *hf_ckeys;      /* the cached words */
    size_t hf_ckeys_len, hf_ckeys_cap;
    int32_t *hf_cids;    /* the cached ids */
    size_t hf_cids_len, hf_cids_cap;
    char *hf_vbuf;       /* strings of matched added tokens */
    size_t hf_vbuf_len, hf_vbuf_cap;
    struct tok_hf_sym *hf_syms; /* BPE symbols of one word */
    size_t hf_syms_cap;
    struct tok_hf_merge *hf_heap;
    size_t hf_heap_cap;
};
struct tok_hf_word {
    uint32_t off, len; /* in the current pre-token text buffer */
    uint32_t first;    /* 1 when the word starts the text (Metaspace "first") */
};
struct tok_hf_seg {
    uint32_t start, end;
    int32_t id; /* added token id, -1 = text */
};
struct tok_hf_sym {
    int32_t id, prev, next;
    uint32_t len; /* 0 = merged away */
};
#define TOK_HF_CACHE 65536 /* slots; cleared when half full */
struct tok_hf_centry {
    uint64_t hash; /* 0 = empty */
    uint32_t key, klen, ids, nids;
};
struct tok_hf_node {
    double score;
    int32_t start; /* -1 = not reached */
    int32_t id;
};
struct tok_hf_merge {
    uint32_t rank, pos;
    int32_t id;
};

mm_rc tok_state_reserve(void **p, size_t *cap, size_t need, size_t elem);
mm_rc tok_push_id(struct tok_state *st, int32_t id);

/* Fill sp->pass (call once the tries and the charsmap are loaded). */
void tok_sp_build_pass(struct tok_sp *sp);
/* Normalize text[0..n) into st->norm; sets *out_len. `safe` skips
 * user-defined symbols flagged special. MM_ELIMIT past 64 bytes of output
 * per input byte (only a corrupt charsmap gets near), MM_ENOMEM. */
mm_rc tok_sp_normalize(const struct tok_sp *sp, struct tok_state *st, const char *text, size_t n,
                       int safe, size_t *out_len);
/* The shortest key of a precompiled charsmap (darts-clone units) that
 * prefixes s[0..n) (a NUL byte ends the key): its length, 0 when none;
 * *value gets the offset of its replacement. (Hugging Face's Precompiled
 * normalizer takes the first match, SentencePiece the longest.) */
size_t tok_charsmap_first(const uint32_t *units, size_t nunits, const unsigned char *s, size_t n,
                          uint32_t *value);
/* Viterbi over st->norm[0..len): fills st->spans (unknown runs merged unless
 * byte fallback). */
mm_rc tok_sp_viterbi(const struct tok_sp *sp, struct tok_state *st, size_t len, int safe);

/* ---- WordPiece (wordpiece.c) ---- */
struct tok_wp {
    struct tok_trie first; /* word-initial pieces -> id */
    struct tok_trie cont;  /* "##" pieces, stored without "##" -> id */
    int lowercase;         /* lowercase + strip accents (uncased models) */
    uint32_t max_chars;    /* max_input_chars_per_word (100, as HF) */
    int32_t unk;
    /* special strings split off before normalization (HF added tokens) */
    int nspecial;
    struct {
        const char *s;
        size_t n;
        int32_t id;
    } specials[8];
};

mm_rc tok_wp_encode(const struct tok_wp *wp, struct tok_state *st, const char *text, size_t n,
                    int safe);
/* BertNormalizer(clean_text, handle_chinese_chars, strip_accents = lowercase)
 * + BertPreTokenizer + WordPiece over text[0..n) (no added tokens),
 * appending to st->ids. */
mm_rc tok_wp_segment(const struct tok_wp *wp, struct tok_state *st, const unsigned char *s,
                     size_t n);
/* WordPiece of one pre-tokenized word (valid UTF-8, nchars characters),
 * appended to st->ids. */
mm_rc tok_wp_word(const struct tok_wp *wp, struct tok_state *st, const char *w, size_t n,
                  size_t nchars);
/* Character classes as Hugging Face's Rust code sees them (its Unicode
 * tables are older than utf8proc's). */
int tok_bert_is_ws(uint32_t c);    /* White_Space (char::is_whitespace) */
int tok_bert_is_cjk(uint32_t c);   /* the CJK blocks BertNormalizer pads */
int tok_bert_is_punct(uint32_t c); /* ASCII punctuation or category P* */
int tok_bert_is_mn(uint32_t c);    /* category Mn */
int tok_bert_is_drop(uint32_t c);  /* removed by clean_text: NUL, U+FFFD, controls */

/* ---- Hugging Face tokenizer.json (hf.c) ---- */
struct tok_hf;
/* Load a tokenizer.json held in data[0..n) (`path` names it in errors). */
mm_rc tok_hf_load(const char *data, size_t n, const char *path, struct tok_hf **out,
                  struct mm_err *err);
void tok_hf_free(struct tok_hf *hf);
/* Encode without the post-processor: ids into st->ids; the token strings
 * of added tokens into st->hf_vals (see tok_hf_token). */
mm_rc tok_hf_encode(const struct tok_hf *hf, struct tok_state *st, const char *text, size_t n,
                    int safe);
/* The string of output token k of the last tok_hf_encode (its match in the
 * text for added tokens, else the vocab piece); sets *len. */
const char *tok_hf_token(const struct tok_hf *hf, const struct tok_state *st, size_t k,
                         size_t *len);
int32_t tok_hf_vocab_size(const struct tok_hf *hf);
const char *tok_hf_piece(const struct tok_hf *hf, int32_t id);
/* unk, pad, cls, sep, mask as this file defines them */
struct tok_specials tok_hf_specials(const struct tok_hf *hf);
/* "hf-wordpiece", "hf-bpe", "hf-bytelevel-bpe", "hf-unigram" */
const char *tok_hf_kind_name(const struct tok_hf *hf);
/* 1 when `id` continues the word before it */
int tok_hf_is_continuation(const struct tok_hf *hf, int32_t id);
/* The post-processor: how many ids it adds for one text (pair = 0) or a
 * pair (pair = 1), and the assembly of a and b (b NULL for one text) into
 * out/types (room for na + nb + added). */
size_t tok_hf_added_count(const struct tok_hf *hf, int pair);
size_t tok_hf_post(const struct tok_hf *hf, const int32_t *a, size_t na, const int32_t *b,
                   size_t nb, int32_t *out, int32_t *types);

#endif
