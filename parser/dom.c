/*
 * dom.c -- DOM helpers shared by the extractors: which tags are blocks or
 * junk, visible text of a subtree as paragraphs, and the paragraph cleaner
 * that drops Korean news boilerplate (copyright lines, reporter e-mails,
 * promo arrows), as listed in kss clean_news and KoreaNewsCrawler.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

static const char *const BLOCK_TAGS[] = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "caption", "legend", "option", NULL};

static const char *const JUNK_TAGS[] = {"script", "style", "noscript", "template", "iframe",
                                        "svg", "button", "select", "textarea", "input",
                                        "object", "embed", "canvas", "video", "audio", "map",
                                        "head", "title", "meta", "link", "math", NULL};

static int in_list(const xmlNode *n, const char *const *list) {
    if (!n || n->type != XML_ELEMENT_NODE || !n->name) return 0;
    const char *name = (const char *)n->name;
    for (size_t i = 0; list[i]; i++)
        if (name[0] == list[i][0] && strcmp(name, list[i]) == 0) return 1;
    return 0;
}

int parse_is_block(const xmlNode *n) { return in_list(n, BLOCK_TAGS); }
int parse_is_junk_tag(const xmlNode *n) { return in_list(n, JUNK_TAGS); }

int parse_tag_is(const xmlNode *n, const char *name) {
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

const char *parse_attr(const xmlNode *n, const char *name) {
    if (!n || n->type != XML_ELEMENT_NODE) return NULL;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && strcasecmp((const char *)a->name, name) == 0) {
            const xmlNode *c = a->children;
            if (c && (c->type == XML_TEXT_NODE) && c->content) return (const char *)c->content;
            return "";
        }
    }
    return NULL;
}

char *parse_strdup(const char *s) { return parse_strndup(s ? s : "", s ? strlen(s) : 0); }

char *parse_strndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* Length of a white-space character at s (ASCII space, NBSP, ideographic
 * space, zero-width ones), 0 when none. */
static size_t space_len(const unsigned char *s, size_t n) {
    if (n == 0) return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\f' || s[0] == '\v') return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) return 2;                    /* U+00A0 */
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;     /* U+3000 */
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
        (s[2] == 0x8B || s[2] == 0x82 || s[2] == 0x83 || s[2] == 0x89 || s[2] == 0xAF))
        return 3; /* zero-width and thin spaces */
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) return 3;     /* BOM */
    return 0;
}

char *parse_squash(const char *s) {
    if (!s) return parse_strdup("");
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t j = 0;
    int pending = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = space_len(u + i, n - i);
        if (k == 0 && u[i] == '\n') k = 1;
        if (k) {
            pending = j > 0;
            i += k;
            continue;
        }
        if (pending) o[j++] = ' ';
        pending = 0;
        o[j++] = s[i++];
    }
    o[j] = 0;
    return o;
}

struct walk {
    struct mm_buf *b;
    parse_skip_fn skip;
    void *ctx;
};

static mm_rc walk_text(const xmlNode *n, struct walk *w, int depth) {
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content) {
                mm_rc rc = mm_buf_puts(w->b, (const char *)c->content);
                if (rc != MM_OK) return rc;
            }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) continue;
        if (parse_is_junk_tag(c)) continue;
        if (w->skip && w->skip(c, w->ctx)) continue;
        if (parse_tag_is(c, "br")) {
            mm_rc rc = mm_buf_putc(w->b, '\n');
            if (rc != MM_OK) return rc;
            continue;
        }
        int block = parse_is_block(c);
        if (block && mm_buf_putc(w->b, '\n') != MM_OK) return MM_ELIMIT;
        if (c->children && depth < PARSE_MAX_DEPTH) {
            mm_rc rc = walk_text(c->children, w, depth + 1);
            if (rc != MM_OK) return rc;
        }
        if (block && mm_buf_putc(w->b, '\n') != MM_OK) return MM_ELIMIT;
        else if (!block && (parse_tag_is(c, "td") || parse_tag_is(c, "img")) &&
                 mm_buf_putc(w->b, ' ') != MM_OK)
            return MM_ELIMIT;
    }
    return MM_OK;
}

mm_rc parse_node_text(const xmlNode *n, struct mm_buf *b, parse_skip_fn skip, void *ctx) {
    struct walk w = {b, skip, ctx};
    if (!n) return MM_OK;
    if (n->type == XML_ELEMENT_NODE && (parse_is_junk_tag(n) || (skip && skip(n, ctx))))
        return MM_OK;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        return n->content ? mm_buf_puts(b, (const char *)n->content) : MM_OK;
    if (parse_tag_is(n, "br")) return mm_buf_putc(b, '\n');
    mm_rc rc = mm_buf_putc(b, '\n');
    if (rc == MM_OK && n->children) rc = walk_text(n->children, &w, 1);
    if (rc == MM_OK) rc = mm_buf_putc(b, '\n');
    return rc;
}

/* Case-insensitive substring test. */
static int has(const char *s, const char *needle) { return strcasestr(s, needle) != NULL; }

/* A line made of an e-mail address plus a few words (a reporter footer). */
static int has_email(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s) return 0;
    const char *dot = strchr(at, '.');
    return dot && dot > at + 1 && isalnum((unsigned char)at[-1]) && isalnum((unsigned char)at[1]);
}

/* 1 for lines that are boilerplate and never article text. */
static int boilerplate_line(const char *s, size_t n) {
    if (n < 200 && (has(s, "무단전재") || has(s, "무단 전재") || has(s, "재배포 금지") ||
                    has(s, "재배포금지") || has(s, "저작권자") || has(s, "all rights reserved") ||
                    has(s, "copyright") || has(s, "Ⓒ") || has(s, "ⓒ") || has(s, "©")))
        return 1;
    if (n < 120 && has_email(s)) return 1;
    if (n < 160 && (strncmp(s, "▶", 3) == 0 || strncmp(s, "☞", 3) == 0 ||
                    strncmp(s, "▷", 3) == 0)) {
        /* "▶ 인터뷰 : 김영호 / 대리" labels a speaker in a broadcast
         * transcript; other arrow lines are promotions. */
        const char *colon = strchr(s, ':');
        if (!colon || colon - s > 24) return 1;
    }
    if (!strncmp(s, "<!--", 4) || (n >= 3 && !strcmp(s + n - 3, "-->")))
        return 1; /* debris of a malformed HTML comment */
    if (n < 60 && (!strncmp(s, "사진=", 7) || !strncmp(s, "사진 =", 8) || !strncmp(s, "(사진=", 8)))
        return 1; /* photo credit */
    if (n < 60 && (has(s, "기사제보") || has(s, "제보하기") || has(s, "구독하기") ||
                   has(s, "좋아요") || has(s, "공유하기") || has(s, "북마크") ||
                   strcmp(s, "광고") == 0))
        return 1;
    return 0;
}

char *parse_clean_paragraphs(const char *text, size_t len) {
    struct mm_buf out;
    mm_buf_init(&out, PARSE_MAX_TEXT);
    if (mm_buf_reserve(&out, len < PARSE_MAX_TEXT ? len + 1 : PARSE_MAX_TEXT) != MM_OK) return NULL;
    out.data[0] = 0; /* reserve leaves the buffer unterminated */
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        char *line = parse_strndup(text + i, e - i);
        char *sq = line ? parse_squash(line) : NULL;
        free(line);
        if (!sq) break;
        size_t n = strlen(sq);
        if (n && !boilerplate_line(sq, n)) {
            if (out.len) mm_buf_putc(&out, '\n');
            if (mm_buf_append(&out, sq, n) != MM_OK) {
                free(sq);
                break; /* PARSE_MAX_TEXT reached: keep what fits */
            }
        }
        free(sq);
        i = e + 1;
    }
    return mm_buf_steal(&out);
}

void parse_unescape(char *s) {
    if (!s || !strchr(s, '&')) return;
    static const struct {
        const char *name;
        const char *text;
    } ENT[] = {{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"},
               {"nbsp;", " "}, {"middot;", "\xC2\xB7"}, {"hellip;", "\xE2\x80\xA6"}};
    char *w = s;
    for (const char *r = s; *r;) {
        if (*r != '&') {
            *w++ = *r++;
            continue;
        }
        int done = 0;
        if (r[1] == '#') {
            const char *p = r + 2;
            int hex = *p == 'x' || *p == 'X';
            if (hex) p++;
            char *end;
            unsigned long cp = strtoul(p, &end, hex ? 16 : 10);
            if (end > p && *end == ';' && cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                char buf[4];
                int k = mm_utf8_encode((uint32_t)cp, buf);
                if ((size_t)k <= (size_t)(end + 1 - r)) {
                    memcpy(w, buf, (size_t)k);
                    w += k;
                    r = end + 1;
                    done = 1;
                }
            }
        } else {
            for (size_t i = 0; i < sizeof ENT / sizeof ENT[0] && !done; i++) {
                size_t n = strlen(ENT[i].name), m = strlen(ENT[i].text);
                if (!strncmp(r + 1, ENT[i].name, n) && m <= n + 1) {
                    memcpy(w, ENT[i].text, m);
                    w += m;
                    r += n + 1;
                    done = 1;
                }
            }
        }
        if (!done) *w++ = *r++;
    }
    *w = 0;
}
