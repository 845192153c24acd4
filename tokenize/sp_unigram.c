/*
 * sp_unigram.c -- SentencePiece unigram encoding (src/unigram_model.cc
 * EncodeOptimized and sentencepiece_processor.cc PopulateSentencePieceText,
 * v0.1.97): one left-to-right Viterbi pass over the whole normalized
 * string, byte positions, best path per end position.
 *
 * Scores follow sentencepiece's C++ types exactly, because near-ties are
 * common in long Korean lines: path scores are stored as float; a piece
 * candidate is computed and compared in double (the user-defined bonus
 * `length * max_score - 0.1` uses a double literal, which makes the whole
 * conditional expression double); the unknown candidate is pure float.
 * Ties keep the earlier candidate (strictly-greater replaces), i.e. the
 * piece that starts earliest among equal scores -- the rule of 0.1.97.
 */
#include <string.h>

#include "tokenize_int.h"

/* sentencepiece's OneCharLen: from the lead byte only */
static const unsigned char CHAR_LEN[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};

/* Character labels and offsets of st->norm[0..n); returns the character
 * count, or -1 when the text is not valid UTF-8 (then the byte path runs). */
static long decode_labels(const struct tok_sp *sp, struct tok_state *st, size_t n) {
    if (tok_state_reserve((void **)&st->coff, &st->coff_cap, n + 1, sizeof *st->coff) ||
        tok_state_reserve((void **)&st->clab, &st->clab_cap, n + 1, sizeof *st->clab))
        return -2;
    const unsigned char *s = (const unsigned char *)st->norm;
    uint32_t *coff = st->coff;
    uint16_t *clab = st->clab;
    size_t i = 0, nc = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (s[i] < 0x80) {
            cp = s[i];
            len = 1;
        } else if ((s[i] & 0xf0) == 0xe0 && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 &&
                   (s[i + 2] & 0xc0) == 0x80) {
            /* three bytes (all Hangul): overlong and surrogate forms excluded */
            cp = (uint32_t)(s[i] & 0x0f) << 12 | (uint32_t)(s[i + 1] & 0x3f) << 6 |
                 (uint32_t)(s[i + 2] & 0x3f);
            if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
                return -1;
            len = 3;
        } else {
            int l = mm_utf8_decode(s + i, n - i, &cp);
            if (l == 0)
                return -1;
            len = (size_t)l;
        }
        uint16_t pg = sp->cp_page[cp >> 8];
        clab[nc] = pg ? sp->cp_labels[(size_t)pg * 256 + (cp & 255)] : 0;
        coff[nc++] = (uint32_t)i;
        i += len;
    }
    coff[nc] = (uint32_t)n;
    return (long)nc;
}

/* The same Viterbi over characters (see decode_labels). */
static mm_rc viterbi_chars(const struct tok_sp *sp, struct tok_state *st, size_t nc, int safe) {
    if (tok_state_reserve((void **)&st->best, &st->best_cap, nc + 1, sizeof(struct tok_vnode)))
        return MM_ENOMEM;
    struct tok_vnode *best = st->best;
    for (size_t i = 0; i <= nc; i++)
        best[i].start = -1;
    best[0].score = 0.0f;
    best[0].start = 0;
    best[0].id = -1;
    const float unk_score = sp->min_score - 10.0f;
    const int32_t unk_id = sp->unk_id;
    const double *vscore = sp->vscore;
    const uint8_t *special = sp->special;
    const struct tok_trie *trie = &sp->chars;
    const uint16_t *clab = st->clab;
    for (size_t at = 0; at < nc; at++) {
        const float here = best[at].score;
        int single = 0;
        uint32_t node = 0;
        for (size_t k = at; k < nc; k++) {
            int32_t id;
            if (!clab[k])
                break;
            node = tok_trie_step(trie, node, clab[k], &id);
            if (!node)
                break;
            if (id < 0 || (safe && special[id]))
                continue;
            struct tok_vnode *t = &best[k + 1];
            double cand = vscore[id] + (double)here;
            if (t->start < 0 || cand > (double)t->score) {
                t->score = (float)cand;
                t->start = (int32_t)at;
                t->id = id;
            }
            if (k == at)
                single = 1;
        }
        if (!single) {
            struct tok_vnode *t = &best[at + 1];
            float cand = unk_score + here;
            if (t->start < 0 || cand > t->score) {
                t->score = cand;
                t->start = (int32_t)at;
                t->id = unk_id;
            }
        }
    }
    return MM_OK;
}

/* Backtrack from best[end] into st->spans (positions through `off`, the
 * character offsets, or bytes when off is NULL), merging unknown runs. */
static mm_rc backtrack(const struct tok_sp *sp, struct tok_state *st, size_t end,
                       const uint32_t *off) {
    const struct tok_vnode *best = st->best;
    size_t count = 0;
    for (size_t e = end; e > 0; e = (size_t)best[e].start)
        count++;
    if (tok_state_reserve((void **)&st->spans, &st->spans_cap, count, sizeof(struct tok_span)))
        return MM_ENOMEM;
    size_t i = count;
    for (size_t e = end; e > 0; e = (size_t)best[e].start) {
        i--;
        size_t b = (size_t)best[e].start;
        st->spans[i].start = off ? off[b] : (uint32_t)b;
        st->spans[i].end = off ? off[e] : (uint32_t)e;
        st->spans[i].id = best[e].id;
    }
    /* Without byte fallback, runs of unknown pieces merge into one. */
    if (!sp->byte_fallback) {
        const int32_t unk_id = sp->unk_id;
        size_t w = 0;
        for (size_t r = 0; r < count; r++) {
            if (w > 0 && st->spans[r].id == unk_id && st->spans[w - 1].id == unk_id) {
                st->spans[w - 1].end = st->spans[r].end;
                continue;
            }
            st->spans[w++] = st->spans[r];
        }
        count = w;
    }
    st->spans_len = count;
    return MM_OK;
}

mm_rc tok_sp_viterbi(const struct tok_sp *sp, struct tok_state *st, size_t n, int safe) {
    st->spans_len = 0;
    if (n == 0)
        return MM_OK;
    if (sp->nlabels) {
        long nc = decode_labels(sp, st, n);
        if (nc == -2)
            return MM_ENOMEM;
        if (nc >= 0) {
            mm_rc rc = viterbi_chars(sp, st, (size_t)nc, safe);
            return rc ? rc : backtrack(sp, st, (size_t)nc, st->coff);
        }
    }
    if (tok_state_reserve((void **)&st->best, &st->best_cap, n + 1, sizeof(struct tok_vnode)))
        return MM_ENOMEM;
    struct tok_vnode *best = st->best;
    for (size_t i = 0; i <= n; i++)
        best[i].start = -1;
    best[0].score = 0.0f;
    best[0].start = 0;
    best[0].id = -1;

    const unsigned char *s = (const unsigned char *)st->norm;
    const float unk_score = sp->min_score - 10.0f;
    const int32_t unk_id = sp->unk_id;
    const double *vscore = sp->vscore;
    const uint8_t *special = sp->special;
    const struct tok_trie *trie = &sp->pieces;

    size_t at = 0;
    while (at < n) {
        const float here = best[at].score;
        size_t mblen = CHAR_LEN[s[at] >> 4];
        if (mblen > n - at)
            mblen = n - at;
        int single = 0;
        uint32_t node = 0;
        for (size_t k = at; k < n; k++) {
            int32_t id;
            node = tok_trie_step(trie, node, s[k], &id);
            if (!node)
                break;
            if (id < 0 || (safe && special[id]))
                continue;
            struct tok_vnode *t = &best[k + 1];
            double cand = vscore[id] + (double)here;
            if (t->start < 0 || cand > (double)t->score) {
                t->score = (float)cand;
                t->start = (int32_t)at;
                t->id = id;
            }
            if (k + 1 - at == mblen)
                single = 1;
        }
        if (!single) {
            struct tok_vnode *t = &best[at + mblen];
            float cand = unk_score + here;
            if (t->start < 0 || cand > t->score) {
                t->score = cand;
                t->start = (int32_t)at;
                t->id = unk_id;
            }
        }
        at += mblen;
    }

    return backtrack(sp, st, n, NULL);
}
