/*
 * document.c -- the per-document text step without the database: normalise,
 * mark boilerplate paragraphs (pattern rules and the caller's per-site
 * learned lines), split into sentences, mark short and Hangul-free
 * sentences, hash each sentence, and run the document quality filters on
 * the text that is left.
 */
#include <stdlib.h>
#include <string.h>

#include "text_int.h"

void text_doc_init(struct text_doc *d) {
    memset(d, 0, sizeof *d);
    mm_buf_init(&d->text, 0);
}

void text_doc_free(struct text_doc *d) {
    if (d == NULL)
        return;
    mm_buf_free(&d->text);
    free(d->sentences);
    text_splitter_free(d->sp);
    memset(d, 0, sizeof *d);
}

static mm_rc add_sentence(struct text_doc *d, size_t start, size_t len, int para, const char *reject,
                          struct mm_err *err) {
    if (d->n_sentences == d->cap_sentences) {
        size_t cap = d->cap_sentences ? d->cap_sentences * 2 : 64;
        struct text_sentence *v = realloc(d->sentences, cap * sizeof *v);
        if (v == NULL)
            return mm_err_set(err, MM_ENOMEM, "text: out of memory for sentences");
        d->sentences = v;
        d->cap_sentences = cap;
    }
    struct text_sentence *s = &d->sentences[d->n_sentences++];
    s->start = start;
    s->len = len;
    s->paragraph = para;
    s->reject = reject;
    text_sentence_hash(d->text.data + start, len, s->hash);
    return MM_OK;
}

/* Code points and Hangul syllables of s[0..n). */
static void count(const char *s, size_t n, size_t *cps, size_t *hangul) {
    *cps = *hangul = 0;
    for (size_t b = 0; b < n;) {
        uint32_t c;
        int k = mm_utf8_decode((const unsigned char *)s + b, n - b, &c);
        if (k == 0)
            k = 1, c = 0;
        (*cps)++;
        *hangul += text_is_hangul(c);
        b += (size_t)k;
    }
}

mm_rc text_doc_process(struct text_doc *d, const struct text_config *cfg, const char *text, size_t len,
                       int presplit, int (*site_line)(void *ctx, const char *line, size_t len), void *ctx,
                       struct mm_err *err) {
    d->n_sentences = 0;
    d->reject = NULL;
    d->reject_buf[0] = '\0';
    mm_rc rc;
    if (d->sp == NULL && (rc = text_splitter_new(&d->sp, err)) != MM_OK)
        return rc;
    if (presplit) {
        /* the user's own sentences: kept byte for byte, not normalised */
        size_t bad;
        memset(&d->norm, 0, sizeof d->norm);
        if (!mm_utf8_valid(text, len, &bad))
            return mm_err_set(err, MM_ECHARSET, "text: invalid UTF-8 at byte %zu; decode the text first", bad);
        mm_buf_reset(&d->text);
        if ((rc = mm_buf_append(&d->text, text, len)) != MM_OK)
            return mm_err_set(err, rc, "text: a %zu-byte document is over the buffer limit", len);
    } else if ((rc = text_normalize(text, len, &d->text, &d->norm, err)) != MM_OK) {
        return rc;
    }
    const char *t = d->text.data ? d->text.data : "";
    size_t n = d->text.len;
    /* text kept for the quality filters: paragraphs that are not boilerplate */
    struct mm_buf kept;
    mm_buf_init(&kept, 0);
    int para = 0;
    for (size_t pos = 0; pos < n; para++) {
        const char *nl = memchr(t + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - t) : n;
        const char *line = t + pos;
        size_t ll = end - pos;
        if (presplit) {
            int blank = 1;
            for (size_t k = 0; k < ll && blank; k++)
                blank = line[k] == ' ' || line[k] == '\t' || line[k] == '\r';
            if (blank)
                para--; /* not a line of the document */
            else
                rc = add_sentence(d, pos, ll, para, NULL, err);
        } else {
            const char *why = cfg->filters ? text_boilerplate(line, ll) : NULL;
            if (!why && cfg->filters && site_line) {
                size_t cps, h;
                count(line, ll, &cps, &h);
                if ((long)cps <= cfg->site_line_max_chars && site_line(ctx, line, ll))
                    why = TEXT_R_SITE_LINE;
            }
            if (!why) {
                if (kept.len)
                    mm_buf_putc(&kept, '\n');
                mm_buf_append(&kept, line, ll);
            }
            /* a byline opening the paragraph is a sentence of its own */
            size_t bp = cfg->filters && !why ? text_byline_prefix(line, ll) : 0;
            if (bp) {
                size_t e = bp;
                while (e > 0 && line[e - 1] == ' ')
                    e--;
                rc = add_sentence(d, pos, e, para, TEXT_R_BYLINE, err);
                while (bp < ll && line[bp] == ' ')
                    bp++;
            }
            const struct text_span *sv;
            size_t ns = 0;
            if (rc == MM_OK)
                rc = text_split(d->sp, line + bp, ll - bp, &sv, &ns, err);
            for (size_t i = 0; rc == MM_OK && i < ns; i++) {
                const char *sw = why;
                if (!sw && cfg->filters) {
                    sw = text_boilerplate(line + bp + sv[i].start, sv[i].len);
                    if (!sw) {
                        size_t cps, h;
                        count(line + bp + sv[i].start, sv[i].len, &cps, &h);
                        if ((long)cps < cfg->min_sentence_chars)
                            sw = TEXT_R_SHORT;
                        else if (h == 0)
                            sw = TEXT_R_NO_HANGUL;
                    }
                }
                rc = add_sentence(d, pos + bp + sv[i].start, sv[i].len, para, sw, err);
            }
        }
        if (rc != MM_OK) {
            mm_buf_free(&kept);
            return rc;
        }
        pos = end + 1;
    }
    if (!presplit && cfg->filters) {
        /* suffixed codes (top_2gram) are written to reject_buf */
        d->reject = text_quality(cfg, kept.data ? kept.data : "", kept.len, d->reject_buf);
    } else if (d->n_sentences == 0) {
        d->reject = TEXT_R_EMPTY;
    }
    mm_buf_free(&kept);
    return MM_OK;
}
