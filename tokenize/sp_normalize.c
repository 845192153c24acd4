/*
 * sp_normalize.c -- SentencePiece's normalizer (src/normalizer.cc, v0.1.97):
 * user-defined symbols copied verbatim, else the longest match in the
 * precompiled charsmap (a darts-clone double array over UTF-8 bytes whose
 * values are offsets of replacement strings), else one UTF-8 character
 * (a malformed byte becomes U+FFFD); then add_dummy_prefix,
 * remove_extra_whitespaces and escape_whitespaces ("▁").
 */
#include <string.h>

#include "tokenize_int.h"

#define MAX_TRIE_RESULTS 32 /* sentencepiece's kMaxTrieResultsSize */

static const char SPACE_SYM[] = "\xe2\x96\x81";

/* darts-clone unit fields */
static inline uint32_t u_has_leaf(uint32_t u) { return (u >> 8) & 1; }
static inline uint32_t u_value(uint32_t u) { return u & 0x7fffffffu; }
static inline uint32_t u_label(uint32_t u) { return u & (0x80000000u | 0xffu); }
static inline uint32_t u_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

/* sentencepiece's DecodeUTF8 validity rule; returns the length of a valid
 * character or 0 for a malformed byte. */
static inline size_t utf8_len(const unsigned char *s, size_t n) {
    if (s[0] < 0x80)
        return 1;
    return (size_t)mm_utf8_decode(s, n, NULL);
}

/* Longest charsmap key that prefixes s[0..n): its byte length (0 = none)
 * and the replacement's offset. Only the first 32 matches count, as in
 * sentencepiece. */
static size_t charsmap_match(const struct tok_sp *sp, const unsigned char *s, size_t n,
                             uint32_t *value) {
    const uint32_t *units = sp->units;
    size_t nunits = sp->nunits;
    size_t best = 0;
    int found = 0;
    uint32_t pos = u_offset(units[0]);
    for (size_t i = 0; i < n; i++) {
        pos ^= s[i];
        if (pos >= nunits)
            break;
        uint32_t u = units[pos];
        if (u_label(u) != s[i])
            break;
        pos ^= u_offset(u);
        if (u_has_leaf(u)) {
            if (found++ >= MAX_TRIE_RESULTS)
                continue;
            if (pos >= nunits)
                break;
            best = i + 1;
            *value = u_value(units[pos]);
        }
    }
    return best;
}

size_t tok_charsmap_first(const uint32_t *units, size_t nunits, const unsigned char *s, size_t n,
                          uint32_t *value) {
    if (nunits == 0)
        return 0;
    uint32_t pos = u_offset(units[0]);
    for (size_t i = 0; i < n && s[i]; i++) {
        pos ^= s[i];
        if (pos >= nunits)
            return 0;
        uint32_t u = units[pos];
        if (u_label(u) != s[i])
            return 0;
        pos ^= u_offset(u);
        if (u_has_leaf(u)) {
            if (pos >= nunits)
                return 0;
            *value = u_value(units[pos]);
            return i + 1;
        }
    }
    return 0;
}

/* One step of Normalizer::NormalizePrefix: sets *out and *outlen to the
 * normalized form of the prefix of s[0..n) and returns the bytes consumed. */
static size_t normalize_prefix(const struct tok_sp *sp, const unsigned char *s, size_t n, int safe,
                               const char **out, size_t *outlen) {
    if (sp->has_user) {
        uint32_t node = 0;
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t v;
            node = tok_trie_step(&sp->user, node, s[i], &v);
            if (!node)
                break;
            if (v >= 0 && !(safe && sp->special[v]))
                best = i + 1;
        }
        if (best) {
            *out = (const char *)s;
            *outlen = best;
            return best;
        }
    }
    if (sp->nunits) {
        uint32_t value = 0;
        size_t m = charsmap_match(sp, s, n, &value);
        if (m) {
            if (value >= sp->repl_len) {
                *out = "";
                *outlen = 0;
            } else {
                *out = sp->repl + value;
                *outlen = strlen(sp->repl + value); /* repl is NUL-terminated at its end */
            }
            return m;
        }
    }
    size_t len = utf8_len(s, n);
    if (len == 0) {
        *out = "\xef\xbf\xbd";
        *outlen = 3;
        return 1;
    }
    *out = (const char *)s;
    *outlen = len;
    return len;
}

void tok_sp_build_pass(struct tok_sp *sp) {
    memset(sp->pass, 0, sizeof sp->pass);
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        if (cp == ' ' || (cp >= 0xd800 && cp <= 0xdfff))
            continue;
        char u[4];
        int len = mm_utf8_encode(cp, u);
        const unsigned char *b = (const unsigned char *)u;
        int32_t v;
        if (sp->has_user && tok_trie_step(&sp->user, 0, b[0], &v))
            continue; /* some user symbol starts with this byte */
        if (sp->nunits) {
            /* any charsmap key that starts with this character? */
            uint32_t pos = u_offset(sp->units[0]);
            int alive = 1;
            for (int i = 0; i < len && alive; i++) {
                pos ^= b[i];
                if (pos >= sp->nunits || u_label(sp->units[pos]) != b[i]) {
                    alive = 0;
                    break;
                }
                uint32_t u2 = sp->units[pos];
                pos ^= u_offset(u2);
                if (u_has_leaf(u2))
                    break; /* a key ends inside or at this character */
            }
            if (alive)
                continue;
        }
        sp->pass[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
}

static inline int passes(const struct tok_sp *sp, uint32_t cp) {
    return (sp->pass[cp >> 3] >> (cp & 7)) & 1;
}

mm_rc tok_sp_normalize(const struct tok_sp *sp, struct tok_state *st, const char *text, size_t n,
                       int safe, size_t *out_len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0, len = 0;
    const char *p;
    size_t plen;
    *out_len = 0;
    if (sp->remove_extra_ws) {
        while (pos < n) {
            size_t c = normalize_prefix(sp, s + pos, n - pos, safe, &p, &plen);
            if (!(plen == 1 && p[0] == ' '))
                break;
            pos += c;
        }
    }
    if (pos >= n)
        return MM_OK;
    /* Most text normalizes to at most 3x its bytes plus the dummy prefix;
     * a longer replacement grows the buffer below. */
    size_t want = (n - pos) * 3 + 8;
    if (tok_state_reserve((void **)&st->norm, &st->norm_cap, want, 1))
        return MM_ENOMEM;
    char *o = st->norm;
    size_t cap = st->norm_cap;
    const int esc = sp->escape_ws;
    if (!sp->treat_ws_suffix && sp->add_dummy_prefix) {
        if (esc) { memcpy(o, SPACE_SYM, 3); len = 3; }
        else { o[0] = ' '; len = 1; }
    }
    int prev_space = sp->remove_extra_ws;
    while (pos < n) {
        /* fast path: characters that normalize to themselves */
        if (s[pos] < 0x80) {
            if (passes(sp, s[pos])) {
                if (len + 8 > cap)
                    goto slow;
                o[len++] = (char)s[pos++];
                prev_space = 0;
                continue;
            }
        } else if ((s[pos] & 0xf0) == 0xe0 && pos + 2 < n && (s[pos + 1] & 0xc0) == 0x80 &&
                   (s[pos + 2] & 0xc0) == 0x80) {
            uint32_t cp = (uint32_t)(s[pos] & 0x0f) << 12 | (uint32_t)(s[pos + 1] & 0x3f) << 6 |
                          (uint32_t)(s[pos + 2] & 0x3f);
            if (cp >= 0x800 && passes(sp, cp)) {
                if (len + 10 > cap)
                    goto slow;
                memcpy(o + len, s + pos, 3);
                len += 3;
                pos += 3;
                prev_space = 0;
                continue;
            }
        }
    slow:;
        size_t c = normalize_prefix(sp, s + pos, n - pos, safe, &p, &plen);
        if (prev_space)
            while (plen && *p == ' ') { p++; plen--; }
        if (plen) {
            if (len + plen * 3 + 8 > cap) {
                /* a hostile charsmap could expand text without bound */
                if (len + plen * 3 > (size_t)64 * n + 4096)
                    return MM_ELIMIT;
                if (tok_state_reserve((void **)&st->norm, &st->norm_cap,
                                      len + plen * 3 + (n - pos) * 3 + 8, 1))
                    return MM_ENOMEM;
                o = st->norm;
                cap = st->norm_cap;
            }
            if (plen == 1 && p[0] != ' ') {
                o[len++] = p[0];
            } else {
                for (size_t k = 0; k < plen; k++) {
                    if (p[k] == ' ' && esc) {
                        memcpy(o + len, SPACE_SYM, 3);
                        len += 3;
                    } else {
                        o[len++] = p[k];
                    }
                }
            }
            prev_space = p[plen - 1] == ' ';
        }
        pos += c;
        if (!sp->remove_extra_ws)
            prev_space = 0;
    }
    if (sp->remove_extra_ws) {
        if (esc) {
            while (len >= 3 && memcmp(o + len - 3, SPACE_SYM, 3) == 0)
                len -= 3;
        } else {
            while (len >= 1 && o[len - 1] == ' ')
                len--;
        }
    }
    if (sp->treat_ws_suffix && sp->add_dummy_prefix) {
        if (esc) { memcpy(o + len, SPACE_SYM, 3); len += 3; }
        else o[len++] = ' ';
    }
    o[len] = 0;
    *out_len = len;
    return MM_OK;
}
