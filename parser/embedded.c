/*
 * embedded.c -- article text that JavaScript-rendered pages carry as JSON:
 * Next.js `<script id="__NEXT_DATA__">` and Arc XP / Fusion
 * `Fusion.globalContent = {...}` (content_elements of type text/header/list,
 * as in the ANS schema). JSON-LD articleBody is read in meta.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/uri.h>

#include "parser_int.h"

/* Captions inside embedded bodies are not article text. */
static int frag_skip(const xmlNode *n, void *ctx) {
    (void)ctx;
    if (parse_tag_is(n, "figcaption") || parse_tag_is(n, "figure")) return 1;
    const char *c = parse_attr(n, "class");
    return c && (strstr(c, "caption") || strstr(c, "photo_desc"));
}

char *parse_fragment_text(const char *html, size_t len) {
    if (len > PARSE_MAX_TEXT * 2) len = PARSE_MAX_TEXT * 2;
    htmlDocPtr d = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (!d) return parse_strdup("");
    struct mm_buf b;
    mm_buf_init(&b, PARSE_MAX_TEXT * 2);
    xmlNode *root = xmlDocGetRootElement(d);
    if (root) parse_node_text(root, &b, frag_skip, NULL);
    char *t = parse_clean_paragraphs(b.data ? b.data : "", b.len);
    mm_buf_free(&b);
    xmlFreeDoc(d);
    return t;
}

/* A text element that is one link and nothing else: a "read more" or
 * related-article item placed in the body. */
static int lone_link(const char *c) {
    while (*c == ' ') c++;
    if (strncasecmp(c, "<a ", 3) != 0) return 0;
    const char *end = strstr(c, "</a>");
    if (!end || strstr(c + 3, "<a ")) return 0;
    for (end += 4; *end; end++)
        if (*end != ' ' && *end != '\n') return 0;
    return 1;
}

static const char *fusion_text(json_t *e) {
    const char *type = json_string_value(json_object_get(e, "type"));
    if (!type || (strcmp(type, "text") && strcmp(type, "header"))) return NULL;
    return json_string_value(json_object_get(e, "content"));
}

/* Fusion content_elements -> HTML paragraphs in `b`. */
static void fusion_elements(json_t *els, struct mm_buf *b, int depth) {
    size_t i;
    json_t *e;
    if (depth > 4 || !json_is_array(els)) return;
    json_array_foreach(els, i, e) {
        const char *type = json_string_value(json_object_get(e, "type"));
        if (!type) continue;
        const char *c = fusion_text(e);
        if (c) {
            if (lone_link(c)) continue;
            /* a short lead-in to lone links ("You may also like...") */
            const char *next = fusion_text(json_array_get(els, i + 1));
            if (strlen(c) < 60 && next && lone_link(next)) continue;
            mm_buf_puts(b, "<p>");
            mm_buf_puts(b, c);
            mm_buf_puts(b, "</p>\n");
        } else if (!strcmp(type, "list")) {
            fusion_elements(json_object_get(e, "items"), b, depth + 1);
        } else if (!strcmp(type, "quote")) {
            fusion_elements(json_object_get(e, "content_elements"), b, depth + 1);
        }
    }
}

/* Body-like keys in Next.js page props, best first. */
static const char *const BODY_KEYS[] = {"articleBody", "article_body", "bodyHtml", "body_html",
                                        "contentHtml", "content_html", "body", "content",
                                        "html", "text", NULL};

static void next_walk(json_t *v, int depth, const char **best, size_t *best_len, int *best_rank) {
    if (depth > 24) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) next_walk(e, depth + 1, best, best_len, best_rank);
        return;
    }
    if (!json_is_object(v)) return;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e) {
        if (json_is_string(e)) {
            for (int r = 0; BODY_KEYS[r]; r++) {
                if (strcmp(k, BODY_KEYS[r])) continue;
                size_t n = json_string_length(e);
                if (n >= 200 && (n > *best_len * 2 || (r < *best_rank && n * 2 > *best_len))) {
                    *best = json_string_value(e);
                    *best_len = n;
                    *best_rank = r;
                }
            }
        } else {
            next_walk(e, depth + 1, best, best_len, best_rank);
        }
    }
}

struct scripts {
    const xmlNode *next;   /* <script id="__NEXT_DATA__"> */
    const xmlNode *fusion; /* script holding Fusion.globalContent */
    struct mm_buf rsc;     /* Next.js App Router flight data, concatenated */
};

/* self.__next_f.push([1,"..."]): the string is a JSON string literal. */
static void rsc_add(struct scripts *s, const char *js) {
    const char *p = js;
    while ((p = strstr(p, PARSE_MARK_NEXT_FLIGHT)) != NULL) {
        p += strlen(PARSE_MARK_NEXT_FLIGHT);
        if (*p != '"') continue;
        json_error_t je;
        json_t *j = json_loads(p, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
        if (json_is_string(j))
            mm_buf_append(&s->rsc, json_string_value(j), json_string_length(j));
        json_decref(j);
    }
}

/* The longest "ID:T<hex len>,<html>" text row holding paragraphs. */
static char *rsc_body(struct mm_buf *b) {
    const char *best = NULL;
    size_t best_len = 0;
    const char *d = b->data;
    for (size_t i = 0; d && i + 3 < b->len; i++) {
        if (d[i] != ':' || d[i + 1] != 'T') continue;
        size_t j = i + 2, n = 0;
        while (j < b->len && j < i + 12 && strchr("0123456789abcdef", d[j]) && d[j]) {
            n = n * 16 + (size_t)(d[j] <= '9' ? d[j] - '0' : d[j] - 'a' + 10);
            j++;
        }
        if (j >= b->len || d[j] != ',' || n == 0) continue;
        j++;
        if (n > b->len - j) n = b->len - j;
        if (n > best_len && memmem(d + j, n, "<p", 2)) {
            best = d + j;
            best_len = n;
        }
        i = j + n - 1;
    }
    if (!best) return NULL;
    /* drop ad placeholders such as $$ARTICLEAD$$ */
    struct mm_buf o;
    mm_buf_init(&o, 0);
    for (size_t i = 0; i < best_len; i++) {
        if (best[i] == '$' && i + 1 < best_len && best[i + 1] == '$') {
            const char *e = memmem(best + i + 2, best_len - i - 2, "$$", 2);
            if (e && e - (best + i) < 40) {
                i = (size_t)(e - best) + 1;
                continue;
            }
        }
        mm_buf_putc(&o, best[i]);
    }
    char *t = parse_fragment_text(o.data ? o.data : "", o.len);
    mm_buf_free(&o);
    return t;
}

static void find_scripts(const xmlNode *n, struct scripts *s, int depth) {
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (parse_tag_is(c, "script")) {
            const char *id = parse_attr(c, "id");
            const char *js = c->children && c->children->content
                                 ? (const char *)c->children->content : NULL;
            if (id && !strcmp(id, "__NEXT_DATA__")) s->next = c;
            else if (js && strstr(js, PARSE_MARK_NEXT_FLIGHT)) rsc_add(s, js);
            else if (!s->fusion && c->children && c->children->content &&
                     strstr((const char *)c->children->content, PARSE_MARK_FUSION))
                s->fusion = c;
            continue;
        }
        if (c->children && depth < PARSE_MAX_DEPTH) find_scripts(c->children, s, depth + 1);
    }
}

mm_rc parse_embedded(xmlDoc *doc, char **out, const char **kind, struct mm_err *err) {
    *out = NULL;
    *kind = "";
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) return MM_OK;
    struct scripts sc = {0};
    mm_buf_init(&sc.rsc, PARSE_MAX_TEXT * 2);
    find_scripts(root, &sc, 0);
    if (sc.rsc.len) {
        *out = rsc_body(&sc.rsc);
        mm_buf_free(&sc.rsc);
        if (*out && strlen(*out) >= 200) {
            *kind = "next-rsc";
            return MM_OK;
        }
        free(*out);
        *out = NULL;
    }
    json_error_t je;
    if (sc.fusion) {
        const char *s = (const char *)sc.fusion->children->content;
        const char *p = strstr(s, PARSE_MARK_FUSION);
        p = p ? strchr(p, '{') : NULL;
        json_t *j = p ? json_loads(p, JSON_DISABLE_EOF_CHECK, &je) : NULL;
        if (j) {
            struct mm_buf b;
            mm_buf_init(&b, PARSE_MAX_TEXT * 2);
            fusion_elements(json_object_get(j, "content_elements"), &b, 0);
            json_decref(j);
            if (b.len) {
                *out = parse_fragment_text(b.data, b.len);
                *kind = "fusion";
            }
            mm_buf_free(&b);
            if (*out && **out) return MM_OK;
            free(*out);
            *out = NULL;
        }
    }
    if (sc.next && sc.next->children && sc.next->children->content) {
        json_t *j = json_loads((const char *)sc.next->children->content, JSON_DISABLE_EOF_CHECK, &je);
        if (j) {
            const char *best = NULL;
            size_t best_len = 0;
            int rank = 99;
            next_walk(j, 0, &best, &best_len, &rank);
            if (best) {
                *out = parse_fragment_text(best, best_len);
                *kind = "next-data";
            }
            json_decref(j);
            if (*out && !**out) {
                free(*out);
                *out = NULL;
                *kind = "";
            }
        }
    }
    (void)err;
    return MM_OK;
}

/* ---- article lists in __NEXT_DATA__ (list pages rendered in the browser) ---- */

static const xmlNode *find_next_data(const xmlNode *n, int depth) {
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (parse_tag_is(c, "script")) {
            const char *id = parse_attr(c, "id");
            if (id && !strcmp(id, "__NEXT_DATA__")) return c;
            continue;
        }
        if (c->children && depth < PARSE_MAX_DEPTH) {
            const xmlNode *f = find_next_data(c->children, depth + 1);
            if (f) return f;
        }
    }
    return NULL;
}

/* Fields of a list item that hold its page's address, best first. */
static const char *const LINK_KEYS[] = {"url", "link", "href", "articleUrl", "article_url",
                                        "shareUrl", "share_url", "path", NULL};

static mm_rc add_link(struct parse_result *r, const char *href, const char *base) {
    if (!href || !*href || r->n_links >= PARSE_MAX_LINKS) return MM_OK;
    xmlChar *abs = xmlBuildURI((const xmlChar *)href, (const xmlChar *)(base ? base : ""));
    if (!abs) return MM_OK;
    char *u = (char *)abs;
    char *hash = strchr(u, '#');
    if (hash) *hash = 0;
    int keep = !strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8);
    for (size_t i = 0; keep && i < r->n_links; i++)
        if (!strcmp(r->links[i].url, u)) keep = 0;
    mm_rc rc = MM_OK;
    if (keep) {
        struct parse_link *nl = realloc(r->links, (r->n_links + 1) * sizeof *nl);
        char *copy = parse_strdup(u);
        if (nl) r->links = nl;
        if (!nl || !copy) {
            free(copy);
            rc = MM_ENOMEM;
        } else {
            r->links[r->n_links++] = (struct parse_link){.url = copy, .kind = PARSE_LINK_A};
        }
    }
    xmlFree(abs);
    return rc;
}

mm_rc parse_embedded_links(xmlDoc *doc, const char *path, const char *base, struct parse_result *r,
                           struct mm_err *err) {
    xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *nd = root && path ? find_next_data(root, 0) : NULL;
    if (!nd || !nd->children || !nd->children->content) return MM_OK;
    json_error_t je;
    json_t *j = json_loads((const char *)nd->children->content, JSON_DISABLE_EOF_CHECK, &je);
    json_t *v = j;
    /* follow "a.b.c" */
    for (const char *p = path; v && *p;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[128];
        if (n == 0 || n >= sizeof key) {
            v = NULL;
            break;
        }
        memcpy(key, p, n);
        key[n] = 0;
        v = json_object_get(v, key);
        p += n + (dot ? 1 : 0);
    }
    mm_rc rc = MM_OK;
    size_t i;
    json_t *item;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            if (rc != MM_OK) break;
            const char *href = json_string_value(item);
            for (int k = 0; !href && LINK_KEYS[k]; k++)
                href = json_string_value(json_object_get(item, LINK_KEYS[k]));
            rc = add_link(r, href, base);
        }
    }
    json_decref(j);
    if (rc != MM_OK) return mm_err_set(err, rc, "out of memory reading the page's article list");
    return MM_OK;
}
