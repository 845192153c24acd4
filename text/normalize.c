/*
 * normalize.c -- the normalisation training text needs and nothing more:
 * Unicode NFC (utf8proc), zero-width and control characters removed (and
 * counted), whitespace runs collapsed to one space, lines trimmed, empty
 * lines dropped. Paragraphs stay separated by "\n".
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text_int.h"

/* Invisible format characters that carry no text: zero-width space and
 * joiners, direction marks, word joiner, BOM, soft hyphen, variation
 * selectors are kept (they belong to emoji). */
static int is_invisible(uint32_t c) {
    return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
           (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF || c == 0x00AD || c == 0x180E || c == 0x034F;
}

static int is_control(uint32_t c) {
    return (c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != '\f' && c != '\v') || c == 0x7F ||
           (c >= 0x80 && c < 0xA0 && c != 0x85);
}

mm_rc text_normalize(const char *text, size_t len, struct mm_buf *out, struct text_norm_stats *st,
                     struct mm_err *err) {
    struct text_norm_stats s = {0};
    mm_buf_reset(out);
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
                                      UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (n < 0)
        return mm_err_set(err, n == UTF8PROC_ERROR_NOMEM ? MM_ENOMEM : MM_ECHARSET,
                          "normalise: %s; decode the text to valid UTF-8 first", utf8proc_errmsg(n));
    s.nfc_changed = (size_t)n != len || memcmp(nfc, text, len) != 0;
    mm_rc rc = mm_buf_reserve(out, (size_t)n + 1);
    if (rc != MM_OK) {
        free(nfc);
        return mm_err_set(err, rc, "normalise: a %zu-byte document is over the buffer limit", len);
    }
    int pending_space = 0; /* a space is due before the next visible char */
    int line_has_text = 0;
    for (utf8proc_ssize_t b = 0; b < n;) {
        uint32_t c;
        int k = mm_utf8_decode(nfc + b, (size_t)(n - b), &c);
        if (k == 0) { /* utf8proc returned valid UTF-8; be safe anyway */
            b++;
            continue;
        }
        const char *p = (const char *)nfc + b;
        b += k;
        if (c == '\n' || c == 0x2029 || c == 0x2028 || c == 0x85 || c == '\r') {
            if (c == '\r' && b < n && nfc[b] == '\n')
                continue; /* CRLF: the LF ends the line */
            if (line_has_text) {
                mm_buf_putc(out, '\n');
                s.paragraphs++;
            }
            line_has_text = 0;
            pending_space = 0;
            continue;
        }
        if (is_invisible(c)) {
            s.invisible++;
            continue;
        }
        if (is_control(c)) {
            s.control++;
            continue;
        }
        if (c == 0xFFFD)
            s.replacement++;
        if (text_is_space(c)) {
            if (c != ' ')
                s.spaces_changed++;
            if (line_has_text)
                pending_space = 1;
            continue;
        }
        if (pending_space)
            mm_buf_putc(out, ' ');
        pending_space = 0;
        line_has_text = 1;
        mm_buf_append(out, p, (size_t)k);
    }
    if (line_has_text)
        s.paragraphs++;
    else if (out->len && out->data[out->len - 1] == '\n')
        out->data[--out->len] = '\0';
    free(nfc);
    if (st)
        *st = s;
    return MM_OK;
}
