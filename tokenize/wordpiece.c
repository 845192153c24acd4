/*
 * wordpiece.c -- BERT WordPiece as Hugging Face's Rust `tokenizers` runs it
 * (normalizers/bert.rs BertNormalizer, pre_tokenizers/bert.rs
 * BertPreTokenizer, models/wordpiece): clean text (drop NUL, U+FFFD and
 * categories Cc Cf Co Cs except \t\n\r; White_Space -> ' '), isolate CJK ideographs,
 * optionally strip accents (NFD, drop Mn) and lowercase, split on
 * whitespace and punctuation (ASCII punctuation or category P*), then
 * greedy longest-match-first with "##" continuations; a word with an
 * unmatched part, or longer than 100 characters, is one [UNK].
 * We follow the Rust code, not Google's or transformers' Python one (those
 * delete only Cc/Cf, start a CJK block at U+2B820 and, in recent
 * transformers, apply NFC). Measured against the Rust code: unassigned
 * code points (Cn) are kept as word characters, not deleted.
 */
#include <string.h>
#include <utf8proc.h>

#include "tokenize_int.h"

static int is_whitespace(uint32_t c) {
    switch (c) {
    case 0x09: case 0x0a: case 0x0d: case 0x20: case 0xa0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
    case 0x0b: case 0x0c: case 0x85:
        return 1;
    default:
        return c >= 0x2000 && c <= 0x200a;
    }
}

static int is_other(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r')
        return 0;
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
        return 1;
    default:
        return 0;
    }
}

static int is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int is_punct(uint32_t c) {
    if (c < 128)
        return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
               (c >= 123 && c <= 126);
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return 1;
    default:
        return 0;
    }
}

/* Character classes. */
enum { C_WORD = 0, C_SPACE = 1, C_DROP = 2, C_PUNCT = 3,
       C_OLD_MN = 4 /* a word character that was Mn in the old tables */ };

/* The Rust tokenizer takes categories from the `unicode_categories` crate,
 * whose tables predate Unicode 15 (utf8proc 2.8): code points assigned since
 * then are ordinary word characters there, and two changed category. This
 * list is the difference, found by running both over every code point
 * (tests/tokenize/wordpiece_parity.sh repeats that check). */
static const struct {
    uint32_t lo, hi;
    int cls;
} OLD_UNICODE[] = {
    {0x61D, 0x61D, C_WORD},
    {0x7FD, 0x7FD, C_WORD},
    {0x890, 0x891, C_WORD},
    {0x898, 0x89F, C_WORD},
    {0x8CA, 0x8E2, C_WORD},
    {0x9FD, 0x9FE, C_WORD},
    {0xA76, 0xA76, C_WORD},
    {0xAFA, 0xAFF, C_WORD},
    {0xB55, 0xB55, C_WORD},
    {0xC04, 0xC04, C_WORD},
    {0xC3C, 0xC3C, C_WORD},
    {0xC77, 0xC77, C_WORD},
    {0xC84, 0xC84, C_WORD},
    {0xD00, 0xD00, C_WORD},
    {0xD3B, 0xD3C, C_WORD},
    {0xD81, 0xD81, C_WORD},
    {0xEBA, 0xEBA, C_WORD},
    {0xECE, 0xECE, C_WORD},
    {0x166D, 0x166D, C_PUNCT},
    {0x1734, 0x1734, C_OLD_MN},
    {0x180F, 0x180F, C_WORD},
    {0x1885, 0x1886, C_WORD},
    {0x1ABF, 0x1ACE, C_WORD},
    {0x1B7D, 0x1B7E, C_WORD},
    {0x1DF6, 0x1DFB, C_WORD},
    {0x2E43, 0x2E4F, C_WORD},
    {0x2E52, 0x2E5D, C_WORD},
    {0xA82C, 0xA82C, C_WORD},
    {0xA8C5, 0xA8C5, C_WORD},
    {0xA8FF, 0xA8FF, C_WORD},
    {0xA9BD, 0xA9BD, C_WORD},
    {0x10D24, 0x10D27, C_WORD},
    {0x10EAB, 0x10EAD, C_WORD},
    {0x10EFD, 0x10EFF, C_WORD},
    {0x10F46, 0x10F50, C_WORD},
    {0x10F55, 0x10F59, C_WORD},
    {0x10F82, 0x10F89, C_WORD},
    {0x11070, 0x11070, C_WORD},
    {0x11073, 0x11074, C_WORD},
    {0x110C2, 0x110C2, C_WORD},
    {0x110CD, 0x110CD, C_WORD},
    {0x111C9, 0x111C9, C_PUNCT},
    {0x111CF, 0x111CF, C_WORD},
    {0x1123E, 0x1123E, C_WORD},
    {0x11241, 0x11241, C_WORD},
    {0x1133B, 0x1133B, C_WORD},
    {0x11438, 0x1143F, C_WORD},
    {0x11442, 0x11444, C_WORD},
    {0x11446, 0x11446, C_WORD},
    {0x1144B, 0x1144F, C_WORD},
    {0x1145A, 0x1145B, C_WORD},
    {0x1145D, 0x1145E, C_WORD},
    {0x11660, 0x1166C, C_WORD},
    {0x116B9, 0x116B9, C_WORD},
    {0x1182F, 0x11837, C_WORD},
    {0x11839, 0x1183B, C_WORD},
    {0x1193B, 0x1193C, C_WORD},
    {0x1193E, 0x1193E, C_WORD},
    {0x11943, 0x11946, C_WORD},
    {0x119D4, 0x119D7, C_WORD},
    {0x119DA, 0x119DB, C_WORD},
    {0x119E0, 0x119E0, C_WORD},
    {0x119E2, 0x119E2, C_WORD},
    {0x11A01, 0x11A0A, C_WORD},
    {0x11A33, 0x11A38, C_WORD},
    {0x11A3B, 0x11A47, C_WORD},
    {0x11A51, 0x11A56, C_WORD},
    {0x11A59, 0x11A5B, C_WORD},
    {0x11A8A, 0x11A96, C_WORD},
    {0x11A98, 0x11A9C, C_WORD},
    {0x11A9E, 0x11AA2, C_WORD},
    {0x11B00, 0x11B09, C_WORD},
    {0x11C30, 0x11C36, C_WORD},
    {0x11C38, 0x11C3D, C_WORD},
    {0x11C3F, 0x11C3F, C_WORD},
    {0x11C41, 0x11C45, C_WORD},
    {0x11C70, 0x11C71, C_WORD},
    {0x11C92, 0x11CA7, C_WORD},
    {0x11CAA, 0x11CB0, C_WORD},
    {0x11CB2, 0x11CB3, C_WORD},
    {0x11CB5, 0x11CB6, C_WORD},
    {0x11D31, 0x11D36, C_WORD},
    {0x11D3A, 0x11D3A, C_WORD},
    {0x11D3C, 0x11D3D, C_WORD},
    {0x11D3F, 0x11D45, C_WORD},
    {0x11D47, 0x11D47, C_WORD},
    {0x11D90, 0x11D91, C_WORD},
    {0x11D95, 0x11D95, C_WORD},
    {0x11D97, 0x11D97, C_WORD},
    {0x11EF3, 0x11EF4, C_WORD},
    {0x11EF7, 0x11EF8, C_WORD},
    {0x11F00, 0x11F01, C_WORD},
    {0x11F36, 0x11F3A, C_WORD},
    {0x11F40, 0x11F40, C_WORD},
    {0x11F42, 0x11F4F, C_WORD},
    {0x11FFF, 0x11FFF, C_WORD},
    {0x12FF1, 0x12FF2, C_WORD},
    {0x13430, 0x13440, C_WORD},
    {0x13447, 0x13455, C_WORD},
    {0x16E97, 0x16E9A, C_WORD},
    {0x16F4F, 0x16F4F, C_WORD},
    {0x16FE2, 0x16FE2, C_WORD},
    {0x16FE4, 0x16FE4, C_WORD},
    {0x1CF00, 0x1CF2D, C_WORD},
    {0x1CF30, 0x1CF46, C_WORD},
    {0x1E000, 0x1E006, C_WORD},
    {0x1E008, 0x1E018, C_WORD},
    {0x1E01B, 0x1E021, C_WORD},
    {0x1E023, 0x1E024, C_WORD},
    {0x1E026, 0x1E02A, C_WORD},
    {0x1E08F, 0x1E08F, C_WORD},
    {0x1E130, 0x1E136, C_WORD},
    {0x1E2AE, 0x1E2AE, C_WORD},
    {0x1E2EC, 0x1E2EF, C_WORD},
    {0x1E4EC, 0x1E4EF, C_WORD},
    {0x1E944, 0x1E94A, C_WORD},
    {0x1E95E, 0x1E95F, C_WORD},
};

static int old_unicode_class(uint32_t c) {
    size_t lo = 0, hi = sizeof OLD_UNICODE / sizeof OLD_UNICODE[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < OLD_UNICODE[mid].lo)
            hi = mid;
        else if (c > OLD_UNICODE[mid].hi)
            lo = mid + 1;
        else
            return OLD_UNICODE[mid].cls;
    }
    return -1;
}

static int classify(uint32_t c) {
    if (c == 0 || c == 0xFFFD)
        return C_DROP;
    if (c < 128) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            return C_SPACE;
        if (c < 32 || c == 127)
            return C_DROP;
        return is_punct(c) ? C_PUNCT : C_WORD;
    }
    if (c >= 0x61D && c <= 0x1E95F) {
        int k = old_unicode_class(c);
        if (k >= 0)
            return k == C_OLD_MN ? C_WORD : k;
    }
    if (is_other(c))
        return C_DROP;
    if (is_whitespace(c))
        return C_SPACE;
    if (is_cjk(c) || is_punct(c))
        return C_PUNCT;
    return C_WORD;
}

/* Mn as the Rust code sees it (what strip_accents removes). */
static int is_mn(uint32_t c) {
    if (c >= 0x61D) {
        int k = old_unicode_class(c);
        if (k >= 0)
            return k == C_OLD_MN;
    }
    return utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_MN;
}

/* Character tests as the Rust code's tables see them (for the tokenizer.json
 * pipeline in hf.c). */
int tok_bert_is_ws(uint32_t c) { return is_whitespace(c); }
int tok_bert_is_cjk(uint32_t c) { return is_cjk(c); }
int tok_bert_is_punct(uint32_t c) {
    if (c >= 0x61D && c <= 0x1E95F) {
        int k = old_unicode_class(c);
        if (k >= 0)
            return k == C_PUNCT;
    }
    return is_punct(c);
}

int tok_bert_is_mn(uint32_t c) { return is_mn(c); }
int tok_bert_is_drop(uint32_t c) { return classify(c) == C_DROP; }

/* Run WordPiece on one word (valid UTF-8 in w[0..n), nchars characters)
 * and append its ids to st->ids. */
static mm_rc wordpiece(const struct tok_wp *wp, struct tok_state *st, const char *w, size_t n,
                       size_t nchars) {
    if (n == 0)
        return MM_OK;
    if (nchars > wp->max_chars)
        return tok_push_id(st, wp->unk);
    size_t mark = st->ids_len;
    const unsigned char *s = (const unsigned char *)w;
    size_t start = 0;
    while (start < n) {
        const struct tok_trie *t = start == 0 ? &wp->first : &wp->cont;
        int32_t id;
        size_t end = start + tok_trie_longest(t, s + start, n - start, &id);
        if (id < 0) {
            st->ids_len = mark;
            return tok_push_id(st, wp->unk);
        }
        if (tok_push_id(st, id))
            return MM_ENOMEM;
        start = end;
    }
    return MM_OK;
}

mm_rc tok_wp_word(const struct tok_wp *wp, struct tok_state *st, const char *w, size_t n,
                  size_t nchars) {
    return wordpiece(wp, st, w, n, nchars);
}

/* Append code point c to the current word. */
static mm_rc word_add(struct tok_state *st, size_t *wlen, uint32_t c) {
    if (*wlen + 4 >= st->wbuf_cap &&
        tok_state_reserve((void **)&st->wbuf, &st->wbuf_cap, *wlen + 64, 1))
        return MM_ENOMEM;
    *wlen += (size_t)mm_utf8_encode(c, st->wbuf + *wlen);
    return MM_OK;
}

/* Normalize, pre-tokenize and WordPiece one segment (no special tokens). */
mm_rc tok_wp_segment(const struct tok_wp *wp, struct tok_state *st, const unsigned char *s,
                            size_t n) {
    size_t wlen = 0, wchars = 0;
    size_t i = 0;
    mm_rc rc;
    while (i < n) {
        uint32_t c;
        size_t len;
        if (s[i] < 0x80) {
            c = s[i];
            len = 1;
        } else {
            int l = mm_utf8_decode(s + i, n - i, &c);
            if (l == 0) {
                c = 0xFFFD; /* as a UTF-8 decoder would give the binding */
                l = 1;
            }
            len = (size_t)l;
        }
        i += len;
        uint32_t buf[8];
        int nc = 1;
        buf[0] = c;
        int cls = classify(c);
        int cjk = cls == C_PUNCT && c >= 0x3400 && is_cjk(c);
        if (cjk) {
            /* padded with spaces by the normalizer: a word of its own */
            if ((rc = wordpiece(wp, st, st->wbuf, wlen, wchars)))
                return rc;
            wlen = wchars = 0;
            cls = C_WORD;
        }
        int recls = 0; /* classify each transformed character again */
        if (wp->lowercase && (cls == C_WORD || cls == C_PUNCT)) {
            /* strip accents (NFD, drop Mn), then lowercase; characters the
             * Rust tables do not know are not Mn there and stay whole */
            recls = !cjk;
            utf8proc_int32_t d[8];
            int last = 0;
            utf8proc_ssize_t m =
                utf8proc_decompose_char((utf8proc_int32_t)c, d, 8, UTF8PROC_DECOMPOSE, &last);
            nc = 0;
            if (m <= 0 || m > 8) {
                if (!is_mn(c))
                    buf[nc++] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
            } else {
                for (utf8proc_ssize_t k = 0; k < m; k++)
                    if (!is_mn((uint32_t)d[k]))
                        buf[nc++] = (uint32_t)utf8proc_tolower(d[k]);
            }
        }
        for (int k = 0; k < nc; k++) {
            uint32_t x = buf[k];
            int cl = cls;
            if (recls) {
                int k2 = x >= 0x61D ? old_unicode_class(x) : -1;
                cl = k2 == C_OLD_MN ? C_WORD : k2 >= 0 ? k2 : is_punct(x) ? C_PUNCT : C_WORD;
            }
            if (cl == C_DROP)
                continue;
            if (cl == C_WORD) {
                if ((rc = word_add(st, &wlen, x)))
                    return rc;
                wchars++;
                continue;
            }
            if ((rc = wordpiece(wp, st, st->wbuf, wlen, wchars)))
                return rc;
            wlen = wchars = 0;
            if (cl == C_PUNCT) {
                if ((rc = word_add(st, &wlen, x)))
                    return rc;
                if ((rc = wordpiece(wp, st, st->wbuf, wlen, 1)))
                    return rc;
                wlen = 0;
            }
        }
        if (cjk) {
            if ((rc = wordpiece(wp, st, st->wbuf, wlen, wchars)))
                return rc;
            wlen = wchars = 0;
        }
    }
    return wordpiece(wp, st, st->wbuf, wlen, wchars);
}

mm_rc tok_wp_encode(const struct tok_wp *wp, struct tok_state *st, const char *text, size_t n,
                    int safe) {
    const unsigned char *s = (const unsigned char *)text;
    st->ids_len = 0;
    if (safe || wp->nspecial == 0)
        return tok_wp_segment(wp, st, s, n);
    /* Split off the special tokens first (HF added tokens, matched on the
     * raw text, leftmost then longest). */
    size_t seg = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '[')
            continue;
        int best = -1;
        size_t blen = 0;
        for (int k = 0; k < wp->nspecial; k++) {
            size_t l = wp->specials[k].n;
            if (l > blen && l <= n - i && memcmp(s + i, wp->specials[k].s, l) == 0) {
                best = k;
                blen = l;
            }
        }
        if (best < 0)
            continue;
        mm_rc rc = tok_wp_segment(wp, st, s + seg, i - seg);
        if (rc == MM_OK)
            rc = tok_push_id(st, wp->specials[best].id);
        if (rc)
            return rc;
        i += blen - 1;
        seg = i + 1;
    }
    return tok_wp_segment(wp, st, s + seg, n - seg);
}
