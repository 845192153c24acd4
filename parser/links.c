/*
 * links.c -- the links a crawler follows: every <a href> resolved against
 * <base href> (RFC 3986 section 5 via libxml2's xmlBuildURI, escapes kept as
 * written), with rel=nofollow,
 * plus RSS/Atom feeds and sitemaps announced with <link>. Fragments are cut
 * and duplicates dropped; only http(s) URLs are kept.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/uri.h>

#include "parser_int.h"

struct lk {
    struct parse_result *r;
    const char *base;
    uint64_t *seen;
    size_t seen_cap;
    size_t cap;
    mm_rc rc;
};

static void find_base(const xmlNode *n, const char **base, int depth) {
    for (const xmlNode *c = n; c && !*base; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (parse_tag_is(c, "base") && parse_attr(c, "href")) {
            *base = parse_attr(c, "href");
            return;
        }
        if (parse_tag_is(c, "body")) return;
        if (c->children && depth < 4) find_base(c->children, base, depth + 1);
    }
}

static int seen_add(struct lk *L, const char *u) {
    uint64_t h = mm_hash64(u, strlen(u), 0) | 1;
    size_t i = (size_t)h & (L->seen_cap - 1);
    while (L->seen[i]) {
        if (L->seen[i] == h) return 0;
        i = (i + 1) & (L->seen_cap - 1);
    }
    L->seen[i] = h;
    return 1;
}

/* xmlBuildURI percent-decodes the path and escapes it again, so "%00"
 * became a NUL that cut the URL ("/secret%00.html" -> "/secret") and
 * "%2F" became a '/'. Every '%' goes in as "%25" (which it decodes back to
 * a '%' and escapes again) and comes out as '%': the escapes of the page
 * reach the crawler as written. */
static xmlChar *resolve(const char *ref, const char *base) {
    xmlChar *r = NULL;
    char *esc[2] = {NULL, NULL};
    const char *in[2] = {ref, base};
    for (int k = 0; k < 2; k++) {
        size_t n = strlen(in[k]), pct = 0;
        for (size_t i = 0; i < n; i++)
            pct += in[k][i] == '%';
        if ((esc[k] = malloc(n + 2 * pct + 1)) == NULL)
            goto done;
        char *o = esc[k];
        for (size_t i = 0; i < n; i++) {
            *o++ = in[k][i];
            if (in[k][i] == '%') {
                *o++ = '2';
                *o++ = '5';
            }
        }
        *o = '\0';
    }
    r = xmlBuildURI((const xmlChar *)esc[0], (const xmlChar *)esc[1]);
    if (r) {
        char *w = (char *)r;
        for (const char *p = (const char *)r; *p; p++) {
            *w++ = *p;
            if (p[0] == '%' && p[1] == '2' && p[2] == '5')
                p += 2;
        }
        *w = '\0';
    }
done:
    free(esc[0]);
    free(esc[1]);
    return r;
}

static void add(struct lk *L, const char *href, enum parse_link_kind kind, int nofollow) {
    if (L->rc != MM_OK || L->r->n_links >= PARSE_MAX_LINKS || !href) return;
    while (*href == ' ' || *href == '\n' || *href == '\t' || *href == '\r') href++;
    if (!*href || *href == '#' || !strncasecmp(href, "javascript:", 11) ||
        !strncasecmp(href, "mailto:", 7) || !strncasecmp(href, "tel:", 4) ||
        !strncasecmp(href, "data:", 5))
        return;
    xmlChar *abs = resolve(href, L->base ? L->base : "");
    if (!abs) return;
    char *u = (char *)abs;
    char *hash = strchr(u, '#');
    if (hash) *hash = 0;
    size_t n = strlen(u);
    while (n && (u[n - 1] == ' ' || u[n - 1] == '\n')) u[--n] = 0;
    if ((strncasecmp(u, "http://", 7) && strncasecmp(u, "https://", 8)) || !seen_add(L, u)) {
        xmlFree(abs);
        return;
    }
    if (L->r->n_links == L->cap) {
        size_t nc = L->cap ? L->cap * 2 : 64;
        struct parse_link *nl = realloc(L->r->links, nc * sizeof *nl);
        if (!nl) {
            xmlFree(abs);
            L->rc = MM_ENOMEM;
            return;
        }
        L->r->links = nl;
        L->cap = nc;
    }
    struct parse_link *l = &L->r->links[L->r->n_links];
    l->url = parse_strdup(u);
    xmlFree(abs);
    if (!l->url) {
        L->rc = MM_ENOMEM;
        return;
    }
    l->kind = kind;
    l->nofollow = nofollow;
    L->r->n_links++;
}

static void walk(struct lk *L, const xmlNode *n, int depth) {
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (parse_tag_is(c, "a") || parse_tag_is(c, "area")) {
            const char *rel = parse_attr(c, "rel");
            int nf = rel && (strcasestr(rel, "nofollow") || strcasestr(rel, "ugc") ||
                             strcasestr(rel, "sponsored"));
            add(L, parse_attr(c, "href"), PARSE_LINK_A, nf);
        } else if (parse_tag_is(c, "link")) {
            const char *rel = parse_attr(c, "rel"), *ty = parse_attr(c, "type");
            if (rel && strcasestr(rel, "alternate") && ty &&
                (strcasestr(ty, "rss") || strcasestr(ty, "atom")))
                add(L, parse_attr(c, "href"), PARSE_LINK_FEED, 0);
            else if (rel && strcasestr(rel, "sitemap"))
                add(L, parse_attr(c, "href"), PARSE_LINK_SITEMAP, 0);
        }
        if (c->children && depth < PARSE_MAX_DEPTH) walk(L, c->children, depth + 1);
    }
}

mm_rc parse_links(xmlDoc *doc, const char *url, struct parse_result *r, struct mm_err *err) {
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) return MM_OK;
    struct lk L = {.r = r, .base = url && *url ? url : NULL};
    const char *b = NULL;
    find_base(root, &b, 0);
    xmlChar *based = NULL;
    if (b && *b) {
        based = resolve(b, url ? url : "");
        if (based) L.base = (const char *)based;
    }
    L.seen_cap = 1u << 16; /* > 2 * PARSE_MAX_LINKS */
    L.seen = calloc(L.seen_cap, sizeof *L.seen);
    if (!L.seen) {
        xmlFree(based);
        return mm_err_set(err, MM_ENOMEM, "out of memory collecting links");
    }
    walk(&L, root, 0);
    free(L.seen);
    xmlFree(based);
    if (L.rc != MM_OK) return mm_err_set(err, L.rc, "out of memory collecting links");
    return MM_OK;
}
