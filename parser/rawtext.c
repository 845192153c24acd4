/*
 * rawtext.c -- drops the text of <script> and <style> elements that no
 * extractor reads, before libxml2 parses the page.
 *
 * Half the bytes of a news page are inline JavaScript, and libxml2 copies
 * script text one character at a time into text nodes nobody reads: without
 * it the parse takes about a fifth less time. The scan follows libxml2's own
 * HTML tokenizer in recovery mode (comments, tags, attribute quoting, raw
 * text that ends at "</script" or "</style" in any case) so that the tree
 * differs only in the dropped text; at anything it is not sure of (an
 * unterminated comment or quote, an odd tag start) it stops and leaves the
 * rest of the page as it is.
 *
 * Kept: scripts whose type is not JavaScript (JSON-LD, __NEXT_DATA__,
 * templates), scripts with the id meta.c reads as JSON-LD
 * (PARSE_LD_SCRIPT_ID), and scripts holding a marker embedded.c looks for.
 */
#include <string.h>
#include <strings.h>

#include "parser_int.h"

static int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
/* libxml2's htmlParseHTMLName: a letter, '_', ':' or '.', then also digits and '-' */
static int is_name_start(unsigned char c) { return is_alpha(c) || c == '_' || c == ':' || c == '.'; }
static int is_name_char(unsigned char c) {
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* The first "</script" or "</style" (`tag`) in p[0..n), in any case. */
static const char *find_end_tag(const char *p, size_t n, const char *tag) {
    size_t k = strlen(tag);
    const char *end = p + n;
    while ((size_t)(end - p) >= k) {
        const char *lt = memchr(p, '<', (size_t)(end - p) - k + 1);
        if (!lt) return NULL;
        if (strncasecmp(lt, tag, k) == 0) return lt;
        p = lt + 1;
    }
    return NULL;
}

/* What a start tag says about its element. */
struct tag {
    int self_closing;    /* ended by "/>": no content follows */
    int keep;            /* a script type or id that marks data, not code */
};

/* 1 when a script `type` value names JavaScript (or is empty, which means
 * JavaScript); module scripts are code too. */
static int is_js_type(const char *v, size_t n) {
    static const char *const JS[] = {"text/javascript", "application/javascript", "module",
                                     "text/ecmascript", "application/ecmascript",
                                     "application/x-javascript", "text/jscript", NULL};
    while (n > 0 && is_blank((unsigned char)*v)) v++, n--;
    while (n > 0 && is_blank((unsigned char)v[n - 1])) n--;
    size_t semi = 0;
    while (semi < n && v[semi] != ';') semi++;
    n = semi;
    while (n > 0 && is_blank((unsigned char)v[n - 1])) n--;
    if (n == 0) return 1;
    for (int i = 0; JS[i]; i++)
        if (strlen(JS[i]) == n && strncasecmp(v, JS[i], n) == 0) return 1;
    return 0;
}

/* Scan the attributes of a start tag from p (just past the name) as
 * htmlParseStartTag does; returns the byte after the tag, or NULL when the
 * tag does not end (unterminated quote, end of input). */
static const char *scan_attrs(const char *p, const char *end, int script, struct tag *t) {
    t->self_closing = t->keep = 0;
    for (;;) {
        while (p < end && is_blank((unsigned char)*p)) p++;
        if (p >= end) return NULL;
        if (*p == '>') return p + 1;
        if (*p == '/' && p + 1 < end && p[1] == '>') {
            t->self_closing = 1;
            return p + 2;
        }
        if (!is_name_start((unsigned char)*p)) {
            /* a bogus attribute: libxml2 drops it up to a blank or the tag's end */
            while (p < end && !is_blank((unsigned char)*p) && *p != '>' &&
                   !(*p == '/' && p + 1 < end && p[1] == '>'))
                p++;
            continue;
        }
        const char *name = p;
        while (p < end && is_name_char((unsigned char)*p)) p++;
        size_t name_len = (size_t)(p - name);
        if (name_len > 90) return NULL; /* past libxml2's name buffer: unsure */
        while (p < end && is_blank((unsigned char)*p)) p++;
        if (p >= end || *p != '=') continue;
        p++;
        while (p < end && is_blank((unsigned char)*p)) p++;
        if (p >= end) return NULL;
        const char *v;
        size_t vn;
        if (*p == '"' || *p == '\'') {
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
            if (!q) return NULL;
            v = p + 1;
            vn = (size_t)(q - v);
            p = q + 1;
        } else {
            v = p;
            while (p < end && !is_blank((unsigned char)*p) && *p != '>') p++;
            vn = (size_t)(p - v);
        }
        if (script && name_len == 4 && strncasecmp(name, "type", 4) == 0 && !is_js_type(v, vn)) t->keep = 1;
        if (script && name_len == 2 && strncasecmp(name, "id", 2) == 0 && vn == 13 &&
            memcmp(v, "__NEXT_DATA__", 13) == 0)
            t->keep = 1;
        if (script && name_len == 2 && strncasecmp(name, "id", 2) == 0 &&
            vn == strlen(PARSE_LD_SCRIPT_ID) && memcmp(v, PARSE_LD_SCRIPT_ID, vn) == 0)
            t->keep = 1;
    }
}

/* 1 when script text holds something embedded.c reads, or characters
 * libxml2 leaves out of text (C0 controls, U+FFFE, U+FFFF), which could
 * hide a marker from this byte search but not from embedded.c. */
static int has_marker(const char *p, size_t n) {
    if (memmem(p, n, PARSE_MARK_NEXT_FLIGHT, strlen(PARSE_MARK_NEXT_FLIGHT)) ||
        memmem(p, n, PARSE_MARK_FUSION, strlen(PARSE_MARK_FUSION)))
        return 1;
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) { /* blocks with no candidate byte, fast */
        int any = 0;
        for (int j = 0; j < 32; j++) {
            unsigned char c = u[i + j];
            any |= (c < 0x20 && c != '\t' && c != '\n' && c != '\r') | (c == 0xEF);
        }
        if (any) break;
    }
    for (; i < n; i++)
        if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r') ||
            (u[i] == 0xEF && i + 2 < n && u[i + 1] == 0xBF && (u[i + 2] & 0xFE) == 0xBE))
            return 1;
    return 0;
}

size_t parse_drop_script_text(char *html, size_t len) {
    const char *end = html + len;
    const char *r = html; /* read position */
    char *w = html;       /* write position: w <= r */
    const char *copied = html; /* r-side start of what is not yet written */
#define FLUSH(upto)                                               \
    do {                                                          \
        size_t n_ = (size_t)((upto) - copied);                    \
        if (w != copied) memmove(w, copied, n_);                  \
        w += n_;                                                  \
        copied = (upto);                                          \
    } while (0)
    while (r < end) {
        const char *lt = memchr(r, '<', (size_t)(end - r));
        if (!lt || lt + 1 >= end) break;
        unsigned char c = (unsigned char)lt[1];
        if (c == '!') {
            if (lt + 3 < end && lt[2] == '-' && lt[3] == '-') {
                /* "<!-->" and "<!--->" end early in some libxml2 versions
                 * and "--!>" in others: unsure, stop */
                if (lt + 4 < end && (lt[4] == '>' || (lt[4] == '-' && lt + 5 < end && lt[5] == '>'))) break;
                const char *e = memmem(lt + 4, (size_t)(end - lt - 4), "-->", 3);
                if (!e) break;
                if (memmem(lt + 4, (size_t)(e - lt - 4), "--!>", 4)) break;
                r = e + 3;
            } else if (end - lt >= 9 && strncasecmp(lt + 2, "doctype", 7) == 0) {
                const char *gt = memchr(lt, '>', (size_t)(end - lt));
                if (!gt) break;
                r = gt + 1;
            } else {
                r = lt + 1; /* "<!" and anything else is text to libxml2 */
            }
            continue;
        }
        if (c == '?') { /* a processing instruction ends at '>' */
            if (lt + 2 >= end || !is_name_start((unsigned char)lt[2])) break; /* no name: unsure */
            const char *gt = memchr(lt, '>', (size_t)(end - lt));
            if (!gt) break;
            r = gt + 1;
            continue;
        }
        if (c == '/') { /* an end tag: to its '>' (recovery mode) */
            if (lt + 2 < end && is_name_start((unsigned char)lt[2])) {
                const char *gt = memchr(lt, '>', (size_t)(end - lt));
                if (!gt) break;
                r = gt + 1;
            } else {
                r = lt + 2;
            }
            continue;
        }
        if (!is_alpha(c)) {
            if (c == '_' || c == ':' || c == '.') break; /* a tag to some libxml2 versions: unsure */
            r = lt + 1;                                   /* "a < b": text */
            continue;
        }
        const char *name = lt + 1;
        const char *p = name;
        while (p < end && is_name_char((unsigned char)*p)) p++;
        size_t name_len = (size_t)(p - name);
        int script = name_len == 6 && strncasecmp(name, "script", 6) == 0;
        int style = name_len == 5 && strncasecmp(name, "style", 5) == 0;
        struct tag t;
        const char *after = scan_attrs(p, end, script, &t);
        if (!after) break;
        r = after;
        if ((!script && !style) || t.self_closing) continue;
        /* raw text up to "</script" or "</style", as libxml2 ends it */
        const char *tag = script ? "</script" : "</style";
        size_t tag_len = script ? 8 : 7;
        const char *close = find_end_tag(after, (size_t)(end - after), tag);
        /* "</scriptx" also ends the text but closes nothing; and where the
         * text starts with "</" or a tag name, libxml2 reads an end tag or
         * may close the element before reading any text: unsure, stop */
        if (close && close + tag_len < end && is_name_char((unsigned char)close[tag_len])) break;
        if (close != after && end - after >= 2 && after[0] == '<' &&
            (after[1] == '/' || is_alpha((unsigned char)after[1]) || after[1] == '_' || after[1] == ':'))
            break;
        const char *text_end = close ? close : end;
        if (!t.keep && !(script && has_marker(after, (size_t)(text_end - after)))) {
            FLUSH(after);
            copied = text_end;
        }
        if (!close) break;
        r = close; /* the end tag itself is scanned as one */
    }
    FLUSH(end);
#undef FLUSH
    *w = 0;
    return (size_t)(w - html);
}
