/*
 * generic.c -- the generic article extractor for pages no site rule covers.
 * Content scoring in the manner of Readability (paragraph scores flow up to
 * their ancestors, scaled by link density; class/id hints add or subtract)
 * with trafilatura-style cleaning of the chosen subtree (link lists, hidden
 * and boilerplate containers, captions). Weights count UTF-8 bytes, which
 * gives a Hangul syllable about the weight of three Latin letters.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

/* Per-element numbers, hung on xmlNode._private during one extraction. */
struct nstat {
    double score;      /* content score (candidates only) */
    size_t text;       /* bytes of visible non-space text in the subtree */
    size_t link;       /* of which inside <a> */
    size_t inline_txt; /* text not inside a block descendant */
    size_t inline_link;
    size_t commas;
    int weight;        /* class/id weight: -25, 0, +25 (or +50) */
    int cand;          /* score initialised */
    int unlikely;      /* class/id says boilerplate */
    int hidden;        /* display:none, hidden, aria-hidden */
    int paras, imgs, lis, inputs, embeds, headings;
    int brs;           /* direct <br> children: text split into lines */
};

enum { F_STRIP_UNLIKELY = 1, F_WEIGHT = 2, F_CLEAN = 4 };



static struct nstat *S(const xmlNode *n) { return (struct nstat *)n->_private; }

static const char *const UNLIKELY[] = {
    "-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment", "community", "cover-wrap",
    "disqus", "extra", "footer", "gdpr", "header", "legends", "menu", "related", "remark",
    "replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "supplemental",
    "ad-break", "agegate", "pagination", "pager", "popup", "yom-remote", "share", "sns",
    "newsletter", "subscribe", "cookie", "recommend", "popular", "ranking", "most-read",
    "mostread", "trending", "taboola", "outbrain", "navbar", "masthead", "toolbar", "reply",
    "copyright", "byline", "author-info", "reporter", "journalist", "tag-list", "taglist",
    "caption", "promo", "widget", "modal", "signup", "login", "print", NULL};
static const char *const MAYBE[] = {"and",     "article", "body", "column", "content",
                                    "main",    "shadow",  "story", "entry", "post-text", NULL};
static const char *const NEGATIVE[] = {
    "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr",
    "masthead", "media", "meta", "outbrain", "promo", "related", "scroll", "share", "shoutbox",
    "sidebar", "skyscraper", "sponsor", "shopping", "tags", "widget", "byline", "caption",
    "reporter", "copyright", "recommend", "sns", "photo", "thumb", "relate", "list", NULL};
static const char *const POSITIVE[] = {"article", "body", "content", "entry", "hentry",
                                       "h-entry", "main", "page", "post", "text", "blog",
                                       "story", "news_view", "view_cont", "detail", NULL};

/* The four lists as one table grouped by first byte, so that an element's
 * class and id are matched against all of them in one pass (a strstr per
 * pattern was 5% of a crawl's CPU time). */
enum { H_UNLIKELY = 1, H_MAYBE = 2, H_NEGATIVE = 4, H_POSITIVE = 8 };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define HINTS_MAX (COUNT(UNLIKELY) + COUNT(MAYBE) + COUNT(NEGATIVE) + COUNT(POSITIVE)) /* NULLs included */
struct hints {
    const char *pat[HINTS_MAX];
    unsigned char len[HINTS_MAX], list[HINTS_MAX];
    unsigned short start[257]; /* patterns starting with byte c: [start[c], start[c + 1]) */
};

static void hints_build(struct hints *h) {
    static const struct {
        const char *const *v;
        unsigned char list;
    } L[] = {{UNLIKELY, H_UNLIKELY}, {MAYBE, H_MAYBE}, {NEGATIVE, H_NEGATIVE}, {POSITIVE, H_POSITIVE}};
    unsigned short count[257] = {0};
    for (size_t l = 0; l < 4; l++)
        for (size_t i = 0; L[l].v[i]; i++) count[(unsigned char)L[l].v[i][0] + 1]++;
    h->start[0] = 0;
    for (int c = 0; c < 256; c++) h->start[c + 1] = (unsigned short)(h->start[c] + count[c + 1]);
    unsigned short next[256];
    memcpy(next, h->start, sizeof next);
    for (size_t l = 0; l < 4; l++)
        for (size_t i = 0; L[l].v[i]; i++) {
            unsigned short k = next[(unsigned char)L[l].v[i][0]]++;
            h->pat[k] = L[l].v[i];
            h->len[k] = (unsigned char)strlen(L[l].v[i]);
            h->list[k] = L[l].list;
        }
}

struct gen {
    struct nstat *st;
    size_t n, cap;
    int flags;
    struct hints hints;
};

/* The H_ lists with a pattern occurring in s. */
static unsigned hints_match(const struct hints *h, const char *s) {
    unsigned m = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        for (unsigned k = h->start[c]; k < h->start[c + 1]; k++)
            if (!(m & h->list[k]) && strncmp(p, h->pat[k], h->len[k]) == 0) m |= h->list[k];
    }
    return m;
}

/* class + " " + id, lower-cased, into buf. */
static void class_id(const xmlNode *n, char *buf, size_t cap) {
    const char *c = parse_attr(n, "class"), *i = parse_attr(n, "id");
    size_t j = 0;
    for (int k = 0; k < 2; k++) {
        const char *s = k ? i : c;
        if (!s) continue;
        for (; *s && j + 2 < cap; s++) buf[j++] = (char)tolower((unsigned char)*s);
        if (j + 2 < cap) buf[j++] = ' ';
    }
    buf[j] = 0;
}

static int is_hidden(const xmlNode *n) {
    const char *st = parse_attr(n, "style");
    if (st && (strstr(st, "display:none") || strstr(st, "display: none") ||
               strstr(st, "visibility:hidden") || strstr(st, "visibility: hidden")))
        return 1;
    if (parse_attr(n, "hidden")) return 1;
    /* class tokens that hide an element (print copies, screen-reader text) */
    const char *cl = parse_attr(n, "class");
    if (cl) {
        static const char *const HIDE[] = {"hide", "hidden", "blind", "sr-only", "visually-hidden",
                                           "screen-reader-text", "d-none", "invisible", NULL};
        for (const char *p = cl; *p;) {
            while (*p == ' ') p++;
            const char *e = p;
            while (*e && *e != ' ') e++;
            for (size_t i = 0; HIDE[i] && e > p; i++)
                if (strlen(HIDE[i]) == (size_t)(e - p) && !strncasecmp(p, HIDE[i], (size_t)(e - p)))
                    return 1;
            p = e;
        }
    }
    const char *ah = parse_attr(n, "aria-hidden");
    return ah && strcmp(ah, "true") == 0 && !parse_tag_is(n, "div");
}

/* Tags that never hold article text in the generic path. */
static int boiler_tag(const xmlNode *n) {
    static const char *const T[] = {"nav", "aside", "footer", "figcaption", "figure",
                                    "header", "menu", "dialog", "label", "h1", NULL};
    for (size_t i = 0; T[i]; i++)
        if (parse_tag_is(n, T[i])) return 1;
    return 0;
}

static size_t text_bytes(const char *s, size_t *commas) {
    size_t w = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if (*u == ' ' || *u == '\n' || *u == '\t' || *u == '\r') continue;
        if (*u == ',') (*commas)++;
        w++;
    }
    return w;
}

/* First pass: allocate stats and compute text/link sizes bottom-up. */
static int stat_node(struct gen *g, xmlNode *n, int depth) {
    if (g->n == g->cap) {
        return -1;
    }
    struct nstat *s = &g->st[g->n++];
    memset(s, 0, sizeof *s);
    n->_private = s;
    char ci[256];
    class_id(n, ci, sizeof ci);
    s->hidden = is_hidden(n);
    unsigned hint = ci[0] ? hints_match(&g->hints, ci) : 0;
    if ((hint & H_UNLIKELY) && !(hint & H_MAYBE) && !parse_tag_is(n, "body") && !parse_tag_is(n, "html") &&
        !parse_tag_is(n, "article") && !parse_tag_is(n, "main") && !parse_tag_is(n, "a"))
        s->unlikely = 1;
    if (hint & H_NEGATIVE) s->weight -= 25;
    if (hint & H_POSITIVE) s->weight += 25;
    const char *ip = parse_attr(n, "itemprop");
    if (ip && strstr(ip, "articleBody")) s->weight += 50;
    int is_a = parse_tag_is(n, "a");
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (!c->content) continue;
            size_t t = text_bytes((const char *)c->content, &s->commas);
            s->text += t;
            s->inline_txt += t;
            if (is_a) s->link += t, s->inline_link += t;
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || parse_is_junk_tag(c)) continue;
        if (parse_tag_is(c, "br")) s->brs++;
        if (depth >= PARSE_MAX_DEPTH) continue;
        if (stat_node(g, c, depth + 1) < 0) return -1;
        struct nstat *cs = S(c);
        if (cs->hidden) continue;
        if ((g->flags & F_STRIP_UNLIKELY) && cs->unlikely) continue;
        s->text += cs->text;
        s->link += is_a ? cs->text : cs->link;
        if (!parse_is_block(c)) {
            s->inline_txt += cs->inline_txt;
            s->inline_link += is_a ? cs->inline_txt : cs->inline_link;
            s->commas += cs->commas;
        }
        s->paras += cs->paras + parse_tag_is(c, "p");
        s->imgs += cs->imgs + parse_tag_is(c, "img");
        s->lis += cs->lis + parse_tag_is(c, "li");
        s->inputs += cs->inputs + parse_tag_is(c, "input");
        s->embeds += cs->embeds + (parse_tag_is(c, "embed") || parse_tag_is(c, "object") ||
                                   parse_tag_is(c, "iframe"));
        s->headings += cs->headings + (c->name && c->name[0] == 'h' && c->name[1] >= '1' &&
                                       c->name[1] <= '6' && !c->name[2]);
    }
    return 0;
}

static void init_cand(struct gen *g, xmlNode *n) {
    struct nstat *s = S(n);
    if (s->cand) return;
    s->cand = 1;
    const char *t = (const char *)n->name;
    double b = 0;
    if (!strcmp(t, "div") || !strcmp(t, "article") || !strcmp(t, "section") || !strcmp(t, "main"))
        b = 5;
    else if (!strcmp(t, "pre") || !strcmp(t, "td") || !strcmp(t, "blockquote"))
        b = 3;
    else if (!strcmp(t, "address") || !strcmp(t, "ol") || !strcmp(t, "ul") || !strcmp(t, "dl") ||
             !strcmp(t, "dd") || !strcmp(t, "dt") || !strcmp(t, "li") || !strcmp(t, "form"))
        b = -3;
    else if ((t[0] == 'h' && t[1] >= '1' && t[1] <= '6') || !strcmp(t, "th"))
        b = -5;
    if (g->flags & F_WEIGHT) b += s->weight;
    s->score = b;
}

static int skip_subtree(const xmlNode *c, int flags) {
    struct nstat *cs = S(c);
    if (!cs) return 1;
    return cs->hidden || ((flags & F_STRIP_UNLIKELY) && cs->unlikely);
}

/* Second pass: paragraph scores flow to ancestors. */
static void score_paras(struct gen *g, xmlNode *n, int depth) {
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || parse_is_junk_tag(c) || !c->_private) continue;
        if (skip_subtree(c, g->flags)) continue;
        if (depth < PARSE_MAX_DEPTH) score_paras(g, c, depth + 1);
        struct nstat *cs = S(c);
        if (!parse_is_block(c) || cs->inline_txt < 25 || boiler_tag(c)) continue;
        if (parse_tag_is(c, "li") || parse_tag_is(c, "dd") || parse_tag_is(c, "dt")) {
            if (cs->inline_link * 3 > cs->inline_txt) continue;
        }
        double ld = cs->inline_txt ? (double)cs->inline_link / (double)cs->inline_txt : 0;
        /* Text split by <br><br> counts as that many paragraphs, as
         * Readability turns such runs into <p> elements. */
        double segs = cs->brs >= 2 ? (double)cs->brs / 2.0 + 1.0 : 1.0;
        double len = (double)cs->inline_txt / 100.0 / segs;
        double sc = (segs * (1.0 + (len < 3 ? len : 3)) + (double)cs->commas) * (1.0 - ld);
        /* Inline text mixed with block children: Readability wraps such
         * runs in <p> elements inside the container, so the container
         * itself is their parent and gets the full score. */
        int mixed = cs->text > cs->inline_txt &&
                    (parse_tag_is(c, "div") || parse_tag_is(c, "section") ||
                     parse_tag_is(c, "article") || parse_tag_is(c, "td") || parse_tag_is(c, "main"));
        xmlNode *a = mixed ? c : c->parent;
        for (int level = 0; a && a->type == XML_ELEMENT_NODE && a->_private && level < 5;
             level++, a = a->parent) {
            init_cand(g, a);
            double div = level == 0 ? 1 : level == 1 ? 2 : level * 3;
            S(a)->score += sc / div;
        }
    }
}

static double final_score(const xmlNode *n) {
    struct nstat *s = S(n);
    double ld = s->text ? (double)s->link / (double)s->text : 0;
    return s->score * (1 - ld);
}

#define NTOP 5

/* The NTOP best candidates by final score, best first. */
static void best(xmlNode *n, xmlNode **top, double *sc, int depth) {
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->_private) continue;
        if (S(c)->cand) {
            double f = final_score(c);
            for (int i = 0; i < NTOP; i++) {
                if (!top[i] || f > sc[i]) {
                    memmove(top + i + 1, top + i, (NTOP - 1 - (size_t)i) * sizeof *top);
                    memmove(sc + i + 1, sc + i, (NTOP - 1 - (size_t)i) * sizeof *sc);
                    top[i] = c;
                    sc[i] = f;
                    break;
                }
            }
        }
        if (c->children && depth < PARSE_MAX_DEPTH) best(c->children, top, sc, depth + 1);
    }
}

static int is_ancestor(const xmlNode *a, const xmlNode *n) {
    for (const xmlNode *p = n->parent; p; p = p->parent)
        if (p == a) return 1;
    return 0;
}

static int is_root_like(const xmlNode *n) {
    return !n || n->type != XML_ELEMENT_NODE || parse_tag_is(n, "body") || parse_tag_is(n, "html");
}

/* Readability's refinements of the top candidate: a common ancestor of
 * several near-best candidates (an article split into chunks), a parent that
 * scores higher, and a parent of an only child. */
static xmlNode *refine_top(xmlNode **top, double *sc) {
    xmlNode *t = top[0];
    int alts = 0;
    xmlNode *alt[NTOP];
    for (int i = 1; i < NTOP && top[i]; i++)
        if (sc[0] > 0 && sc[i] / sc[0] >= 0.75) alt[alts++] = top[i];
    if (alts >= 3) {
        for (xmlNode *p = t->parent; !is_root_like(p); p = p->parent) {
            int k = 0;
            for (int i = 0; i < alts; i++) k += is_ancestor(p, alt[i]);
            if (k >= 3) {
                t = p;
                break;
            }
        }
    }
    if (!S(t)->cand) S(t)->cand = 1;
    double last = final_score(t), thr = last / 3;
    for (xmlNode *p = t->parent; !is_root_like(p); p = p->parent) {
        if (!p->_private || !S(p)->cand) continue;
        double ps = final_score(p);
        if (ps < thr) break;
        if (ps > last) {
            t = p;
            break;
        }
        last = ps;
    }
    for (;;) {
        xmlNode *p = t->parent;
        if (is_root_like(p) || !p->_private) break;
        int elems = 0;
        for (xmlNode *c = p->children; c; c = c->next) elems += c->type == XML_ELEMENT_NODE;
        if (elems != 1) break;
        t = p;
    }
    return t;
}

struct clean_ctx {
    int flags;
};

/* Conditional cleaning of the chosen subtree, after Readability's
 * _cleanConditionally, plus tags and classes that mark boilerplate. */
static int skip_fn(const xmlNode *n, void *vctx) {
    struct clean_ctx *cx = vctx;
    struct nstat *s = S(n);
    if (!s) return 0;
    if (s->hidden) return 1;
    if ((cx->flags & F_STRIP_UNLIKELY) && s->unlikely) return 1;
    if (boiler_tag(n)) return 1;
    if (!(cx->flags & F_CLEAN)) return 0;
    const char *t = (const char *)n->name;
    double ld = s->text ? (double)s->link / (double)s->text : 0;
    int weight = (cx->flags & F_WEIGHT) ? s->weight : 0;
    if (!strcmp(t, "p") || !strcmp(t, "li") || !strcmp(t, "dd")) {
        /* link paragraphs: "Read more: ...", related lists */
        if (s->text > 0 && ld > 0.6) return 1;
        return 0;
    }
    if (strcmp(t, "div") && strcmp(t, "section") && strcmp(t, "ul") && strcmp(t, "ol") &&
        strcmp(t, "table") && strcmp(t, "dl") && strcmp(t, "form") && strcmp(t, "span"))
        return 0;
    if (weight < 0 && s->text < 2000) return 1;
    if (s->commas >= 10) return 0;
    int is_list = !strcmp(t, "ul") || !strcmp(t, "ol");
    if (s->text == 0) return s->imgs == 0 && s->embeds == 0 ? 0 : 1;
    if (!is_list && s->lis > s->paras + 3 && ld > 0.3) return 1;
    if (s->inputs > s->paras / 3 + 1) return 1;
    if (weight < 25 && ld > 0.35 && s->text < 1500) return 1;
    if (weight >= 25 && ld > 0.5) return 1;
    if (is_list && ld > 0.3) return 1;
    if (s->embeds > 0 && s->text < 75) return 1;
    return 0;
}

static mm_rc collect(xmlNode *top, int flags, struct mm_buf *b) {
    struct clean_ctx cx = {flags};
    struct nstat *ts = S(top);
    double thr = ts->score * 0.2;
    if (thr < 10) thr = 10;
    xmlNode *parent = top->parent;
    if (!parent || parent->type != XML_ELEMENT_NODE)
        return parse_node_text(top, b, skip_fn, &cx);
    const char *tcls = parse_attr(top, "class");
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->_private || parse_is_junk_tag(c)) continue;
        int take = c == top;
        if (!take && !skip_fn(c, &cx)) {
            struct nstat *cs = S(c);
            double bonus = 0;
            const char *cc = parse_attr(c, "class");
            if (tcls && cc && tcls[0] && strcmp(tcls, cc) == 0) bonus = ts->score * 0.2;
            if (cs->cand && final_score(c) + bonus >= thr) take = 1;
            else if (parse_tag_is(c, "p") || (parse_is_block(c) == 0 && cs->text > 0)) {
                double ld = cs->text ? (double)cs->link / (double)cs->text : 0;
                if (cs->text > 80 && ld < 0.25) take = 1;
                else if (cs->text > 0 && cs->text <= 80 && ld == 0) take = 1;
            }
        }
        if (take) {
            mm_rc rc = parse_node_text(c, b, skip_fn, &cx);
            if (rc != MM_OK) return rc;
        }
    }
    return MM_OK;
}

static void clear_private(xmlNode *n, int depth) {
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        c->_private = NULL;
        if (c->children && depth < PARSE_MAX_DEPTH + 1) clear_private(c->children, depth + 1);
    }
}

static size_t count_elems(xmlNode *n, int depth) {
    size_t k = 0;
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        k++;
        if (c->children && depth < PARSE_MAX_DEPTH + 1) k += count_elems(c->children, depth + 1);
    }
    return k;
}

/* One attempt with the given flags; *out gets the cleaned text or NULL. */
static mm_rc attempt(xmlDoc *doc, xmlNode *root, struct gen *g, char **out) {
    *out = NULL;
    clear_private(root, 0);
    g->n = 0;
    if (stat_node(g, root, 0) < 0) return MM_ELIMIT;
    score_paras(g, root, 0);
    xmlNode *tops[NTOP] = {0};
    double scs[NTOP] = {0};
    best(root, tops, scs, 0);
    xmlNode *top = tops[0] ? refine_top(tops, scs) : NULL;
    if (!top) {
        xmlNode *body = root;
        for (xmlNode *c = root->children; c; c = c->next)
            if (parse_tag_is(c, "body")) body = c;
        top = body;
        init_cand(g, top);
    }
    struct mm_buf b;
    mm_buf_init(&b, PARSE_MAX_TEXT * 2);
    mm_rc rc = collect(top, g->flags, &b);
    if (rc == MM_ELIMIT) rc = MM_OK;
    if (rc == MM_OK) {
        *out = parse_clean_paragraphs(b.data ? b.data : "", b.len);
        if (!*out) rc = MM_ENOMEM;
    }
    mm_buf_free(&b);
    (void)doc;
    return rc;
}

mm_rc parse_generic(xmlDoc *doc, char **out, struct mm_err *err) {
    *out = NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) return MM_OK;
    struct gen g = {0};
    g.cap = count_elems(root, 0) + 1;
    g.st = calloc(g.cap, sizeof *g.st);
    if (!g.st) return mm_err_set(err, MM_ENOMEM, "out of memory scoring a page");
    hints_build(&g.hints);
    static const int tries[] = {F_STRIP_UNLIKELY | F_WEIGHT | F_CLEAN, F_WEIGHT | F_CLEAN,
                                F_CLEAN, 0};
    char *bestt = NULL;
    size_t best_len = 0;
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        g.flags = tries[i];
        char *t = NULL;
        rc = attempt(doc, root, &g, &t);
        if (rc != MM_OK) break;
        size_t len = t ? strlen(t) : 0;
        if (len > best_len) {
            free(bestt);
            bestt = t;
            best_len = len;
        } else {
            free(t);
        }
        /* Retry with fewer filters only for near-empty results (trafilatura's
         * MIN_EXTRACTED_SIZE, in bytes); Readability's 500 pulls in comments. */
        if (best_len >= 350) break;
    }
    clear_private(root, 0);
    free(g.st);
    if (rc != MM_OK) {
        free(bestt);
        return mm_err_set(err, rc, "out of memory extracting page text");
    }
    *out = bestt;
    return MM_OK;
}
