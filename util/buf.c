/*
 * buf.c -- growable byte buffers with a hard cap (the curl dynbuf idea):
 * hostile input can make a buffer fail with MM_ELIMIT, never grow unbounded.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_buf_init(struct mm_buf *b, size_t max) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX - 1;
}

mm_rc mm_buf_reserve(struct mm_buf *b, size_t extra) {
    if (extra > b->max - b->len)
        return MM_ELIMIT;
    size_t need = b->len + extra + 1; /* +1 for the NUL */
    if (need <= b->cap)
        return MM_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return MM_ENOMEM;
    b->data = p;
    b->cap = cap;
    return MM_OK;
}

mm_rc mm_buf_append(struct mm_buf *b, const void *p, size_t n) {
    mm_rc rc = mm_buf_reserve(b, n);
    if (rc != MM_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MM_OK;
}

mm_rc mm_buf_puts(struct mm_buf *b, const char *s) { return mm_buf_append(b, s, strlen(s)); }

mm_rc mm_buf_putc(struct mm_buf *b, char c) { return mm_buf_append(b, &c, 1); }

mm_rc mm_buf_vprintf(struct mm_buf *b, const char *fmt, va_list ap) {
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        return MM_EINVAL;
    mm_rc rc = mm_buf_reserve(b, (size_t)n);
    if (rc != MM_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return MM_OK;
}

mm_rc mm_buf_printf(struct mm_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mm_rc rc = mm_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

mm_rc mm_buf_json_string(struct mm_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    mm_rc rc = mm_buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        rc = mm_buf_append(b, s + run, i - run);
        run = i + 1;
        if (rc != MM_OK)
            break;
        switch (c) {
        case '"': rc = mm_buf_puts(b, "\\\""); break;
        case '\\': rc = mm_buf_puts(b, "\\\\"); break;
        case '\n': rc = mm_buf_puts(b, "\\n"); break;
        case '\r': rc = mm_buf_puts(b, "\\r"); break;
        case '\t': rc = mm_buf_puts(b, "\\t"); break;
        default: {
            char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            rc = mm_buf_puts(b, esc);
        }
        }
    }
    if (rc == MM_OK)
        rc = mm_buf_append(b, s + run, n - run);
    if (rc == MM_OK)
        rc = mm_buf_putc(b, '"');
    return rc;
}

mm_rc mm_buf_html(struct mm_buf *b, const char *s, size_t n) {
    mm_rc rc = MM_OK;
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; rc == MM_OK && i < n;) {
        unsigned char c = (unsigned char)s[i];
        const char *ent = NULL;
        size_t len = 1;
        if (c >= 0x80) {
            len = (size_t)mm_utf8_decode((const unsigned char *)s + i, n - i, NULL);
            if (len == 0) {
                ent = "\xef\xbf\xbd"; /* U+FFFD */
                len = 1;
            }
        } else if (c == '&') {
            ent = "&amp;";
        } else if (c == '<') {
            ent = "&lt;";
        } else if (c == '>') {
            ent = "&gt;";
        } else if (c == '"') {
            ent = "&quot;";
        } else if (c == '\'') {
            ent = "&#39;";
        } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
            ent = "\xef\xbf\xbd";
        }
        if (ent) {
            rc = mm_buf_append(b, s + run, i - run);
            if (rc == MM_OK)
                rc = mm_buf_puts(b, ent);
            run = i + len;
        }
        i += len;
    }
    if (rc == MM_OK)
        rc = mm_buf_append(b, s + run, n - run);
    return rc;
}

void mm_buf_reset(struct mm_buf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *mm_buf_steal(struct mm_buf *b) {
    char *p = b->data;
    if (p == NULL)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void mm_buf_free(struct mm_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
