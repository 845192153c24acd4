/*
 * rules.c -- per-site extraction rules from `[site NAME]` config sections:
 * which hosts a site covers, XPath 1.0 expressions for the article container
 * (first that yields text wins) and for parts to drop before reading it.
 * Rules are compiled once and are read-only afterwards.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "parser_int.h"

#define MAX_XP 16

struct parse_site {
    char *name;
    char **hosts;
    size_t n_hosts;
    xmlXPathCompExprPtr body[MAX_XP];
    size_t n_body;
    xmlXPathCompExprPtr drop[MAX_XP];
    size_t n_drop;
    char *title_suffix;
    int embedded; /* body comes from embedded JSON first (JS-rendered site) */
    /* metadata the site shows in its own markup, read before drop_xpath */
    xmlXPathCompExprPtr meta[PARSE_SITE_META_N][MAX_XP];
    size_t n_meta[PARSE_SITE_META_N];
    char *embedded_links; /* dotted path in __NEXT_DATA__ to a list of articles */
};

static const char *const META_KEYS[PARSE_SITE_META_N] = {"title_xpath", "published_xpath",
                                                         "modified_xpath", "author_xpath"};

struct parse_rules {
    struct parse_site *sites;
    size_t n;
    struct mm_strmap *hosts; /* host -> index in sites: a lookup per page, not a scan */
};

static void silent(void *ctx, xmlErrorPtr e) {
    (void)ctx;
    (void)e;
}

static void site_free(struct parse_site *s) {
    free(s->name);
    for (size_t i = 0; i < s->n_hosts; i++) free(s->hosts[i]);
    free(s->hosts);
    for (size_t i = 0; i < s->n_body; i++) xmlXPathFreeCompExpr(s->body[i]);
    for (size_t i = 0; i < s->n_drop; i++) xmlXPathFreeCompExpr(s->drop[i]);
    for (int m = 0; m < PARSE_SITE_META_N; m++)
        for (size_t i = 0; i < s->n_meta[m]; i++) xmlXPathFreeCompExpr(s->meta[m][i]);
    free(s->title_suffix);
    free(s->embedded_links);
}

void parse_rules_free(struct parse_rules *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) site_free(&r->sites[i]);
    free(r->sites);
    mm_strmap_free(r->hosts);
    free(r);
}

size_t parse_rules_count(const struct parse_rules *r) { return r ? r->n : 0; }

static mm_rc compile(xmlXPathContextPtr ctx, struct mm_conf *conf, const char *sec, const char *key,
                     xmlXPathCompExprPtr *arr, size_t *n, struct mm_err *err) {
    const struct mm_conf_entry *e;
    mm_rc rc = MM_OK;
    for (size_t i = 0; (e = mm_conf_get_nth(conf, sec, key, i)) != NULL; i++) {
        if (*n >= MAX_XP) {
            rc = mm_err_set(err, MM_EINVAL, "%s:%d: key '%s': more than %d values in [%s]; merge "
                            "them with '|'", mm_conf_path(conf), e->line, key, MAX_XP, sec);
            break;
        }
        xmlXPathCompExprPtr c = xmlXPathCtxtCompile(ctx, (const xmlChar *)e->value);
        if (!c) {
            rc = mm_err_set(err, MM_EINVAL, "%s:%d: key '%s': XPath '%s' does not compile; fix "
                            "its syntax (XPath 1.0)", mm_conf_path(conf), e->line, key, e->value);
            break;
        }
        arr[(*n)++] = c;
    }
    return rc;
}

mm_rc parse_rules_load(struct mm_conf *conf, struct parse_rules **out, struct mm_err *err) {
    *out = NULL;
    struct parse_rules *r = calloc(1, sizeof *r);
    if (!r) return mm_err_set(err, MM_ENOMEM, "out of memory loading site rules");
    const char *sec;
    size_t cap = 0;
    mm_rc rc = mm_strmap_new(&r->hosts);
    /* one XPath context compiles every rule */
    xmlXPathContextPtr ctx = rc == MM_OK ? xmlXPathNewContext(NULL) : NULL;
    if (!ctx) rc = MM_ENOMEM;
    else ctx->error = silent;
    for (size_t i = 0; rc == MM_OK && (sec = mm_conf_section(conf, i)) != NULL; i++) {
        if (strncmp(sec, "site ", 5) != 0) continue;
        if (r->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct parse_site *ns = realloc(r->sites, cap * sizeof *ns);
            if (!ns) {
                rc = mm_err_set(err, MM_ENOMEM, "out of memory loading site rules");
                break;
            }
            r->sites = ns;
        }
        struct parse_site *s = &r->sites[r->n++];
        memset(s, 0, sizeof *s);
        s->name = parse_strdup(sec + 5);
        const char *hosts = mm_conf_get(conf, sec, "hosts");
        for (const char *p = hosts; p && *p;) {
            while (*p == ' ' || *p == ',') p++;
            const char *e = p;
            while (*e && *e != ',' && *e != ' ') e++;
            if (e > p) {
                char **nh = realloc(s->hosts, (s->n_hosts + 1) * sizeof *nh);
                if (!nh) {
                    rc = MM_ENOMEM;
                    break;
                }
                s->hosts = nh;
                s->hosts[s->n_hosts] = parse_strndup(p, (size_t)(e - p));
                if (!s->hosts[s->n_hosts]) {
                    rc = MM_ENOMEM;
                    break;
                }
                for (char *q = s->hosts[s->n_hosts]; *q; q++) *q = (char)tolower((unsigned char)*q);
                if (mm_strmap_add(r->hosts, s->hosts[s->n_hosts], strlen(s->hosts[s->n_hosts]), r->n - 1) != MM_OK) {
                    free(s->hosts[s->n_hosts]);
                    rc = MM_ENOMEM;
                    break;
                }
                s->n_hosts++;
            }
            p = e;
        }
        const char *suf = mm_conf_get(conf, sec, "title_suffix");
        if (suf) s->title_suffix = parse_strdup(suf);
        if (rc == MM_OK) rc = mm_conf_get_bool(conf, sec, "embedded", &s->embedded, err);
        if (rc == MM_OK) rc = compile(ctx, conf, sec, "body_xpath", s->body, &s->n_body, err);
        if (rc == MM_OK) rc = compile(ctx, conf, sec, "drop_xpath", s->drop, &s->n_drop, err);
        for (int m = 0; rc == MM_OK && m < PARSE_SITE_META_N; m++)
            rc = compile(ctx, conf, sec, META_KEYS[m], s->meta[m], &s->n_meta[m], err);
        const char *el = mm_conf_get(conf, sec, "embedded_links");
        if (rc == MM_OK && el && *el && !(s->embedded_links = parse_strdup(el))) rc = MM_ENOMEM;
    }
    xmlXPathFreeContext(ctx);
    if (rc != MM_OK) {
        if (rc == MM_ENOMEM) mm_err_set(err, rc, "out of memory loading site rules");
        parse_rules_free(r);
        return rc;
    }
    *out = r;
    return MM_OK;
}

mm_rc parse_rules_parse(const char *name, const char *ini_text, struct parse_rules **out,
                        struct mm_err *err) {
    struct mm_conf *c = NULL;
    mm_rc rc = mm_conf_parse(name, ini_text, &c, err);
    if (rc == MM_OK) rc = parse_rules_load(c, out, err);
    mm_conf_free(c);
    return rc;
}

/* Host of an absolute URL, lower-cased, into buf; 0 when there is none. */
static int url_host(const char *url, char *buf, size_t cap) {
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p) return 0;
    p += 3;
    const char *at = NULL;
    for (const char *q = p; *q && !strchr("/?#", *q); q++)
        if (*q == '@') at = q;
    if (at) p = at + 1;
    size_t j = 0;
    for (; *p && !strchr("/:?#", *p) && j + 1 < cap; p++) buf[j++] = (char)tolower((unsigned char)*p);
    buf[j] = 0;
    return j > 0;
}

const struct parse_site *parse_rules_match(const struct parse_rules *r, const char *url) {
    char host[256];
    if (!r || !url_host(url, host, sizeof host)) return NULL;
    /* the first site whose host is `host` or a domain above it */
    size_t i = mm_strmap_get_domain(r->hosts, host);
    return i < r->n ? &r->sites[i] : NULL;
}

const char *parse_site_name(const struct parse_site *s) { return s ? s->name : ""; }
const char *parse_site_title_suffix(const struct parse_site *s) {
    return s ? s->title_suffix : NULL;
}
int parse_site_prefers_embedded(const struct parse_site *s) { return s && s->embedded; }
int parse_site_has_body(const struct parse_site *s) { return s && s->n_body > 0; }
const char *parse_site_embedded_links(const struct parse_site *s) {
    return s ? s->embedded_links : NULL;
}

/* Strings an XPath yields: each node's text (attributes included), or the
 * string result of a function such as normalize-space(). */
static mm_rc xpath_values(xmlXPathCompExprPtr x, xmlXPathContextPtr ctx, parse_value_fn fn,
                          void *fn_ctx) {
    xmlXPathObjectPtr o = xmlXPathCompiledEval(x, ctx);
    mm_rc rc = MM_OK;
    if (o && o->type == XPATH_STRING && o->stringval) {
        rc = fn(fn_ctx, (const char *)o->stringval);
    } else if (o && o->nodesetval) {
        for (int k = 0; rc == MM_OK && k < o->nodesetval->nodeNr && k < 64; k++) {
            xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[k]);
            if (v) rc = fn(fn_ctx, (const char *)v);
            xmlFree(v);
        }
    }
    xmlXPathFreeObject(o);
    return rc;
}

mm_rc parse_site_meta(const struct parse_site *s, xmlDoc *doc, enum parse_site_meta field,
                      parse_value_fn fn, void *fn_ctx, struct mm_err *err) {
    if (!s || !s->n_meta[field]) return MM_OK;
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx) return mm_err_set(err, MM_ENOMEM, "out of memory evaluating site rule");
    ctx->error = silent;
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < s->n_meta[field]; i++)
        rc = xpath_values(s->meta[field][i], ctx, fn, fn_ctx);
    xmlXPathFreeContext(ctx);
    if (rc != MM_OK) return mm_err_set(err, rc, "out of memory reading site rule '%s'", s->name);
    return MM_OK;
}

/* Inside a rule's container, captions and hidden parts are never body text. */
static int rule_skip(const xmlNode *n, void *ctx) {
    (void)ctx;
    if (parse_tag_is(n, "figcaption") || parse_tag_is(n, "figure")) return 1;
    const char *st = parse_attr(n, "style");
    return st && (strstr(st, "display:none") || strstr(st, "display: none"));
}

mm_rc parse_site_apply(const struct parse_site *s, xmlDoc *doc, char **out, struct mm_err *err) {
    *out = NULL;
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx) return mm_err_set(err, MM_ENOMEM, "out of memory evaluating site rule");
    ctx->error = silent;
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < s->n_drop; i++) {
        xmlXPathObjectPtr o = xmlXPathCompiledEval(s->drop[i], ctx);
        if (o && o->nodesetval) {
            xmlNodeSetPtr ns = o->nodesetval;
            /* Unlink every node first: a node set may hold a node and its
             * ancestor, and freeing the ancestor first would free both. */
            for (int k = 0; k < ns->nodeNr; k++)
                if (ns->nodeTab[k]->type == XML_ELEMENT_NODE) xmlUnlinkNode(ns->nodeTab[k]);
            for (int k = 0; k < ns->nodeNr; k++)
                if (ns->nodeTab[k]->type == XML_ELEMENT_NODE) {
                    xmlFreeNode(ns->nodeTab[k]);
                    ns->nodeTab[k] = NULL;
                }
            ns->nodeNr = 0;
        }
        xmlXPathFreeObject(o);
    }
    for (size_t i = 0; i < s->n_body && !*out; i++) {
        xmlXPathObjectPtr o = xmlXPathCompiledEval(s->body[i], ctx);
        if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
            struct mm_buf b;
            mm_buf_init(&b, PARSE_MAX_TEXT * 2);
            xmlNodeSetPtr ns = o->nodesetval;
            for (int k = 0; k < ns->nodeNr && rc == MM_OK; k++) {
                /* a node inside another matched node is already read */
                int nested = 0;
                for (xmlNode *a = ns->nodeTab[k]->parent; a && !nested && k < 256; a = a->parent)
                    for (int j = 0; j < ns->nodeNr && j < 256 && !nested; j++)
                        nested = ns->nodeTab[j] == a;
                if (nested) continue;
                rc = parse_node_text(ns->nodeTab[k], &b, rule_skip, NULL);
                if (rc == MM_ELIMIT) rc = MM_OK;
            }
            char *t = parse_clean_paragraphs(b.data ? b.data : "", b.len);
            mm_buf_free(&b);
            if (!t) rc = MM_ENOMEM;
            else if (*t) *out = t;
            else free(t);
        }
        xmlXPathFreeObject(o);
    }
    xmlXPathFreeContext(ctx);
    if (rc != MM_OK) return mm_err_set(err, rc, "out of memory applying site rule '%s'", s->name);
    return MM_OK;
}
