/*
 * extract.c -- parse_extract(): decode, build the tree with libxml2's
 * recovering HTML parser, read metadata and links, then take the body from
 * the best source available: a site rule, embedded JSON, the generic scorer.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

void parse_global_init(void) { xmlInitParser(); }

const char *parse_method_name(enum parse_method m) {
    switch (m) {
    case PARSE_METHOD_RULE: return "rule";
    case PARSE_METHOD_EMBEDDED: return "embedded";
    case PARSE_METHOD_GENERIC: return "generic";
    default: return "none";
    }
}

void parse_result_free(struct parse_result *r) {
    if (!r) return;
    free(r->url); free(r->canonical_url); free(r->title); free(r->published);
    free(r->modified); free(r->site); free(r->lang); free(r->description);
    free(r->text); free(r->rule);
    for (size_t i = 0; i < r->n_authors; i++) free(r->authors[i]);
    free(r->authors);
    for (size_t i = 0; i < r->n_links; i++) free(r->links[i].url);
    free(r->links);
    free(r);
}

/* Fill every string field that is still NULL with "". */
static int fill_empty(struct parse_result *r) {
    char **f[] = {&r->url, &r->canonical_url, &r->title, &r->published, &r->modified,
                  &r->site, &r->lang, &r->description, &r->text, &r->rule};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!*f[i] && !(*f[i] = parse_strdup(""))) return 0;
    return 1;
}

/* Raw bytes with many control bytes (NUL, ESC aside) are not a text page;
 * UTF-16 is excluded (its BOM was seen by the decoder). */
static int looks_binary(const char *s, size_t n, const char *charset) {
    if (!strncmp(charset, "UTF-16", 6)) return 0;
    size_t ctl = 0, i = 0;
    size_t probe = n < 65536 ? n : 65536;
    for (; i < probe; i++) {
        if (i % 8 == 0 && i + 8 <= probe) { /* skip words without a byte below 0x20 */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL)) {
                i += 7;
                continue;
            }
        }
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b) ctl++;
    }
    return probe > 0 && ctl * 20 > probe;
}

/* A line that ends like a sentence (Latin or Korean). */
static int sentence_end(const char *s, size_t n) {
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')'))
        n--;
    if (n && strchr(".!?:", s[n - 1])) return 1;
    return n >= 3 && (!memcmp(s + n - 3, "다", 3) || !memcmp(s + n - 3, "요", 3) ||
                      !memcmp(s + n - 3, "”", 3) || !memcmp(s + n - 3, "’", 3));
}

/* Generic output often starts with the page's header: category, title,
 * date, font-size buttons. Drop short non-sentence lines before the first
 * real paragraph, and lines repeating the title. */
static void trim_head(char *text, const char *title) {
    size_t n = strlen(text), i = 0, cut = 0;
    while (i < n) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        size_t len = e - i;
        int is_title = title && *title && len == strlen(title) && !memcmp(text + i, title, len);
        if (!is_title && (len >= 50 || sentence_end(text + i, len))) break;
        i = e + 1;
        cut = i < n ? i : n;
    }
    if (cut && cut * 3 < n) memmove(text, text + cut, n - cut + 1);
    /* and the headings of lists removed after the article ("인기영상") */
    n = strlen(text);
    while (n > 0) {
        char *nl = memrchr(text, '\n', n);
        size_t start = nl ? (size_t)(nl - text) + 1 : 0;
        size_t len = n - start;
        if (!nl || len >= 15 || sentence_end(text + start, len)) break;
        n = start - 1;
        text[n] = 0;
    }
}

/* "ko" when Hangul makes up most letters of the text (pages without a lang
 * attribute); NULL otherwise. */
static const char *guess_lang(const char *t) {
    size_t hangul = 0, letters = 0;
    const unsigned char *u = (const unsigned char *)t;
    size_t n = strlen(t);
    for (size_t i = 0; i < n && letters < 20000;) {
        uint32_t cp = u[i];
        int k = u[i] < 0x80 ? 1 : mm_utf8_decode(u + i, n - i, &cp);
        if (k <= 0) k = 1;
        if (cp >= 0xAC00 && cp <= 0xD7A3) hangul++, letters++;
        else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0x3040 && cp <= 0x9FFF))
            letters++;
        i += (size_t)k;
    }
    /* a syllable carries about three Latin letters of content */
    return letters > 20 && hangul * 3 > (letters - hangul) ? "ko" : NULL;
}

/* A date in the URL path ("/2023/04/07/", "/20230407/", "/2023-04-07"),
 * the last resort for the published date (as htmldate does): date only. */
static int url_date(const char *url, char out[32]) {
    const char *p = url ? strstr(url, "://") : NULL;
    p = p ? strchr(p + 3, '/') : NULL;
    for (; p && *p; p++) {
        if (*p != '/' && *p != '-' && *p != '_') continue;
        int y, m, d, n = 0;
        if (sscanf(p + 1, "%4d/%2d/%2d%n", &y, &m, &d, &n) == 3 ||
            sscanf(p + 1, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 ||
            (sscanf(p + 1, "%4d%2d%2d%n", &y, &m, &d, &n) == 3 && n == 8)) {
            char c = p[1 + n];
            if ((c == '/' || c == '.' || c == '-' || c == '_' || c == 0 || c == '?') && y >= 1995 &&
                y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
                snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
                return 1;
            }
        }
    }
    return 0;
}

/* JSON-LD articleBody as paragraphs: HTML as such; plain text keeps its
 * line breaks (an HTML reading would join the lines into one). */
static char *ld_text(const char *body) {
    if (strchr(body, '<')) return parse_fragment_text(body, strlen(body));
    struct mm_buf b;
    mm_buf_init(&b, 0);
    if (mm_buf_append(&b, body, strlen(body)) != MM_OK) return NULL;
    char *t = parse_clean_paragraphs(b.data, b.len);
    mm_buf_free(&b);
    return t;
}

/* A site rule's title/published/modified/author XPaths win over what the
 * page's <meta> tags say (read before drop_xpath removes anything). */
struct site_meta_ctx {
    struct parse_result *r;
    char **slot;  /* title, published or modified */
    int is_date;
    int authors;  /* authors found so far */
};

static mm_rc take_value(void *ctx, const char *v) {
    struct site_meta_ctx *m = ctx;
    char iso[32];
    if (!m->slot) { /* authors: the first one replaces the meta authors */
        if (!m->authors++) {
            for (size_t i = 0; i < m->r->n_authors; i++) free(m->r->authors[i]);
            m->r->n_authors = 0;
        }
        return parse_meta_add_author(m->r, v);
    }
    if (m->authors) return MM_OK; /* the first usable value wins */
    char *s = NULL;
    if (m->is_date) {
        if (!parse_date_iso(v, iso)) return MM_OK;
        s = parse_strdup(iso);
    } else {
        s = parse_squash(v);
        if (s && !*s) {
            free(s);
            return MM_OK;
        }
    }
    if (!s) return MM_ENOMEM;
    free(*m->slot);
    *m->slot = s;
    m->authors = 1;
    return MM_OK;
}

static mm_rc site_meta(const struct parse_site *site, xmlDoc *doc, struct parse_result *r,
                       struct mm_err *err) {
    char **slots[] = {&r->title, &r->published, &r->modified, NULL};
    mm_rc rc = MM_OK;
    for (int f = 0; rc == MM_OK && f < PARSE_SITE_META_N; f++) {
        struct site_meta_ctx m = {.r = r, .slot = slots[f], .is_date = f == PARSE_SITE_PUBLISHED ||
                                                                       f == PARSE_SITE_MODIFIED};
        rc = parse_site_meta(site, doc, (enum parse_site_meta)f, take_value, &m, err);
    }
    return rc;
}

mm_rc parse_extract(const struct parse_rules *rules, const char *url, const char *content_type,
                    const char *bytes, size_t len, struct parse_result **out, struct mm_err *err) {
    *out = NULL;
    const char *name = url && *url ? url : "page";
    if (len > PARSE_MAX_INPUT)
        return mm_err_set(err, MM_ELIMIT, "%s: %zu bytes is over the %u-byte page limit; skip it",
                          name, len, PARSE_MAX_INPUT);
    struct parse_result *r = calloc(1, sizeof *r);
    if (!r) return mm_err_set(err, MM_ENOMEM, "%s: out of memory", name);
    r->embedded_kind = "";
    r->url = parse_strdup(url ? url : "");
    char *html = NULL;
    size_t hlen = 0;
    mm_rc rc = parse_decode(bytes ? bytes : "", len, content_type, &html, &hlen, r->charset,
                            &r->replacement_chars, err);
    if (rc != MM_OK) goto fail;
    if (hlen == 0 || looks_binary(bytes, len, r->charset)) {
        free(html);
        if (!fill_empty(r)) goto oom;
        *out = r;
        return MM_OK;
    }
    for (char *z = memchr(html, 0, hlen); z; z = memchr(z, 0, hlen - (size_t)(z - html)))
        *z = ' '; /* NULs would end libxml2's input early */
    hlen = parse_drop_script_text(html, hlen);
    if (hlen > PARSE_MAX_HTML) { /* bound the tree's memory: cut at a character start */
        hlen = PARSE_MAX_HTML;
        while (hlen > 0 && ((unsigned char)html[hlen] & 0xC0) == 0x80) hlen--;
        html[hlen] = 0;
    }
    htmlDocPtr doc = htmlReadMemory(html, (int)hlen, url && *url ? url : NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                        HTML_PARSE_COMPACT);
    free(html);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc) xmlFreeDoc(doc);
        if (!fill_empty(r)) goto oom;
        *out = r;
        return MM_OK;
    }
    char *ld_body = NULL;
    rc = parse_meta(doc, r, &ld_body, err);
    if (rc == MM_OK) rc = parse_links(doc, url, r, err);
    const struct parse_site *site = NULL;
    if (rc == MM_OK) {
        site = parse_rules_match(rules, url);
        /* Without a URL, the page's own canonical URL picks the rule. */
        if (!site && !(url && *url) && r->canonical_url)
            site = parse_rules_match(rules, r->canonical_url);
    }
    char *emb = NULL;
    const char *emb_kind = "";
    if (rc == MM_OK && site) {
        r->rule = parse_strdup(parse_site_name(site));
        rc = site_meta(site, doc, r, err);
        if (rc == MM_OK && parse_site_embedded_links(site))
            rc = parse_embedded_links(doc, parse_site_embedded_links(site), url && *url ? url : r->canonical_url,
                                      r, err);
        if (rc == MM_OK && parse_site_prefers_embedded(site)) {
            rc = parse_embedded(doc, &emb, &emb_kind, err);
            if (rc == MM_OK && emb) {
                r->text = emb;
                emb = NULL;
                r->method = PARSE_METHOD_EMBEDDED;
                r->embedded_kind = emb_kind;
            } else if (rc == MM_OK && ld_body && strlen(ld_body) >= 200) {
                /* a JS-rendered site whose only copy of the body is JSON-LD */
                r->text = ld_text(ld_body);
                if (!r->text) goto oom_doc;
                if (*r->text) {
                    r->method = PARSE_METHOD_EMBEDDED;
                    r->embedded_kind = "json-ld";
                } else {
                    free(r->text);
                    r->text = NULL;
                }
            }
        }
        if (rc == MM_OK && !r->text) {
            rc = parse_site_apply(site, doc, &r->text, err);
            if (rc == MM_OK && r->text) r->method = PARSE_METHOD_RULE;
            else if (rc == MM_OK && parse_site_has_body(site)) r->rule_fallback = 1;
        }
    }
    if (rc == MM_OK && !r->text) {
        char *gen = NULL;
        rc = parse_embedded(doc, &emb, &emb_kind, err);
        if (rc == MM_OK) rc = parse_generic(doc, &gen, err);
        char *ld = NULL;
        if (rc == MM_OK && ld_body && strlen(ld_body) >= 200)
            ld = ld_text(ld_body);
        size_t glen = gen ? strlen(gen) : 0;
        /* Embedded text wins unless it is a teaser of what the page shows. */
        if (emb && strlen(emb) * 2 >= glen) {
            r->text = emb, emb = NULL;
            r->method = PARSE_METHOD_EMBEDDED;
            r->embedded_kind = emb_kind;
        } else if (ld && glen * 10 < strlen(ld) * 6) {
            /* JSON-LD articleBody only when the page does not show the
             * body itself (rendered by JavaScript): on server-rendered
             * pages the DOM keeps paragraph breaks the JSON string lost. */
            r->text = ld, ld = NULL;
            r->method = PARSE_METHOD_EMBEDDED;
            r->embedded_kind = "json-ld";
        } else if (gen && *gen) {
            r->text = gen, gen = NULL;
            r->method = PARSE_METHOD_GENERIC;
        }
        free(gen);
        free(ld);
    }
    if (0) {
    oom_doc:
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", name);
    }
    free(emb);
    free(ld_body);
    xmlFreeDoc(doc);
    if (rc != MM_OK) goto fail;
    if (!r->site || !*r->site) {
        free(r->site);
        r->site = parse_strdup(site ? parse_site_name(site) : "");
    }
    parse_title_strip(r->title, r->site, parse_site_title_suffix(site));
    if (r->lang && !*r->lang && r->text && guess_lang(r->text)) {
        free(r->lang);
        r->lang = parse_strdup("ko");
    }
    char ud[32];
    if (r->published && !*r->published && url_date(url && *url ? url : r->canonical_url, ud)) {
        free(r->published);
        r->published = parse_strdup(ud);
    }
    if (r->method == PARSE_METHOD_GENERIC && r->text) trim_head(r->text, r->title);
    if (!fill_empty(r)) goto oom;
    /* An "author" that is the publisher itself (JSON-LD Organization, meta
     * author = site name) is no byline: drop it so the text's 기자 line counts. */
    for (size_t i = 0; i < r->n_authors;) {
        /* "헤럴드경제 | 네이버" (outlet | portal) is no byline either */
        if ((*r->site && (!strcmp(r->authors[i], r->site) || strstr(r->site, r->authors[i]))) ||
            strstr(r->authors[i], " | ")) {
            free(r->authors[i]);
            memmove(r->authors + i, r->authors + i + 1, (r->n_authors - i - 1) * sizeof *r->authors);
            r->n_authors--;
        } else {
            i++;
        }
    }
    rc = parse_meta_from_text(r, r->text);
    if (rc != MM_OK) goto oom;
    *out = r;
    return MM_OK;
oom:
    rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", name);
fail:
    parse_result_free(r);
    return rc;
}
