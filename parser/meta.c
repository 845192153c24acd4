/*
 * meta.c -- article metadata. Sources in order of trust: JSON-LD
 * (schema.org Article types), OpenGraph and other <meta> tags, <time>, then
 * visible text ("입력 2023.04.12. 오후 3:05", "홍길동 기자"). Field names follow
 * schema.org/NewsArticle and the Open Graph protocol.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

#define MAX_LD 16
#define MAX_AUTHORS 16

struct meta {
    const char *html_lang;
    char *title_tag;
    char *canonical;
    char *time_dt, *time_pub_dt, *time_mod_dt;
    char *text_pub, *text_mod;
    char *ld[MAX_LD];
    size_t n_ld;
    /* <meta> values by key; first wins */
    char *og_title, *tw_title, *og_site, *og_url, *og_desc, *desc, *pub, *mod, *lang_meta,
        *og_locale, *app_name;
    char *author_meta[MAX_AUTHORS];
    size_t n_author_meta;
};

static void set1(char **slot, const char *v) {
    if (!*slot && v && *v) *slot = parse_squash(v);
}

static int keyis(const char *k, const char *const *list) {
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp(k, list[i]) == 0) return 1;
    return 0;
}

static const char *const PUB_KEYS[] = {
    "article:published_time", "og:published_time", "article:published", "published_time",
    "pubdate", "publishdate", "publish-date", "date", "dc.date", "dc.date.issued",
    "dcterms.created", "og:regdate", "datepublished", "sailthru.date", "parsely-pub-date",
    "article.published", "originalpublicationdate", "cxenseparse:recs:publishtime",
    "nv:news:date", "dable:published_time", NULL};
static const char *const MOD_KEYS[] = {"article:modified_time", "og:updated_time",
                                       "article:modified", "modified_time", "lastmod",
                                       "last-modified", "datemodified", "dcterms.modified",
                                       "og:updatedate", "dable:modified_time", NULL};
static const char *const AUTHOR_KEYS[] = {"author", "article:author", "dable:author", "byl",
                                          "dc.creator", "sailthru.author", "parsely-author",
                                          "og:article:author", NULL};

static void on_meta(struct meta *m, const xmlNode *n) {
    const char *k = parse_attr(n, "property");
    if (!k) k = parse_attr(n, "name");
    if (!k) k = parse_attr(n, "itemprop");
    const char *he = parse_attr(n, "http-equiv");
    const char *v = parse_attr(n, "content");
    if (!v) return;
    if (he && strcasecmp(he, "content-language") == 0) set1(&m->lang_meta, v);
    if (!k) return;
    if (!strcasecmp(k, "og:title")) set1(&m->og_title, v);
    else if (!strcasecmp(k, "twitter:title")) set1(&m->tw_title, v);
    else if (!strcasecmp(k, "og:site_name")) set1(&m->og_site, v);
    else if (!strcasecmp(k, "application-name")) set1(&m->app_name, v);
    else if (!strcasecmp(k, "og:url")) set1(&m->og_url, v);
    else if (!strcasecmp(k, "og:description")) set1(&m->og_desc, v);
    else if (!strcasecmp(k, "description")) set1(&m->desc, v);
    else if (!strcasecmp(k, "og:locale")) set1(&m->og_locale, v);
    else if (keyis(k, PUB_KEYS)) set1(&m->pub, v);
    else if (keyis(k, MOD_KEYS)) set1(&m->mod, v);
    else if (keyis(k, AUTHOR_KEYS) && m->n_author_meta < MAX_AUTHORS && strncmp(v, "http", 4))
        m->author_meta[m->n_author_meta++] = parse_squash(v);
}

/* Text of an element, bounded to avoid megabyte reads. */
static char *node_text_short(const xmlNode *n, size_t max) {
    struct mm_buf b;
    mm_buf_init(&b, max);
    parse_node_text(n, &b, NULL, NULL);
    char *s = parse_squash(b.data ? b.data : "");
    mm_buf_free(&b);
    return s;
}

/* Visible "입력 2023.04.12 15:05" / "수정 ..." labels. */
static void scan_label(struct meta *m, const xmlNode *t) {
    const char *s = (const char *)t->content;
    if (!s || strlen(s) > 400) return;
    int pub = strstr(s, "입력") || strstr(s, "등록") || strstr(s, "발행") || strstr(s, "송고");
    int mod = strstr(s, "수정") || strstr(s, "업데이트");
    if (!pub && !mod) return;
    char iso[32];
    const char *src = s;
    char *wide = NULL;
    if (!parse_date_iso(s, iso) && t->parent) {
        wide = node_text_short(t->parent, 400);
        src = wide;
        if (!wide || !parse_date_iso(wide, iso)) {
            free(wide);
            return;
        }
    }
    /* A label holding both ("입력 ... 수정 ...") gives the first date to the
     * first label. */
    const char *pi = strstr(src, "입력");
    if (!pi) pi = strstr(src, "등록");
    const char *mi = strstr(src, "수정");
    if (pi && mi && mi > pi) {
        char iso2[32];
        if (!m->text_pub) m->text_pub = parse_strdup(iso);
        if (!m->text_mod && parse_date_iso(mi, iso2)) m->text_mod = parse_strdup(iso2);
    } else if (pub && !m->text_pub) {
        m->text_pub = parse_strdup(iso);
    } else if (mod && !m->text_mod) {
        m->text_mod = parse_strdup(iso);
    }
    free(wide);
}

static void walk(struct meta *m, const xmlNode *n, int depth, int in_body) {
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            if (in_body && (!m->text_pub || !m->text_mod)) scan_label(m, c);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) continue;
        const char *t = (const char *)c->name;
        if (!strcmp(t, "html")) {
            const char *l = parse_attr(c, "lang");
            if (!l) l = parse_attr(c, "xml:lang");
            if (l && *l && !m->html_lang) m->html_lang = l;
        } else if (!strcmp(t, "meta")) {
            on_meta(m, c);
        } else if (!strcmp(t, "title") && !m->title_tag && !in_body) {
            xmlChar *tt = xmlNodeGetContent(c); /* <title> is a junk tag for body text */
            m->title_tag = parse_squash(tt ? (const char *)tt : "");
            xmlFree(tt);
        } else if (!strcmp(t, "link")) {
            const char *rel = parse_attr(c, "rel");
            if (rel && strcasecmp(rel, "canonical") == 0) set1(&m->canonical, parse_attr(c, "href"));
        } else if (!strcmp(t, "script")) {
            const char *ty = parse_attr(c, "type");
            const char *id = parse_attr(c, "id");
            /* JTBC (2026) names its JSON-LD script by id */
            if (((ty && strcasestr(ty, "ld+json")) || (id && !strcmp(id, PARSE_LD_SCRIPT_ID))) &&
                m->n_ld < MAX_LD) {
                xmlChar *s = xmlNodeGetContent(c);
                if (s) {
                    m->ld[m->n_ld++] = parse_strdup((const char *)s);
                    xmlFree(s);
                }
            }
            continue;
        } else if (!strcmp(t, "time")) {
            const char *dt = parse_attr(c, "datetime");
            const char *ip = parse_attr(c, "itemprop");
            if (dt && ip && strstr(ip, "datePublished")) set1(&m->time_pub_dt, dt);
            else if (dt && ip && strstr(ip, "dateModified")) set1(&m->time_mod_dt, dt);
            else if (dt) set1(&m->time_dt, dt);
        } else if (parse_is_junk_tag(c) && strcmp(t, "head")) {
            continue;
        }
        if (c->children && depth < PARSE_MAX_DEPTH)
            walk(m, c->children, depth + 1, in_body || !strcmp(t, "body"));
    }
}

/* ---- JSON-LD --------------------------------------------------------- */

struct ld {
    const char *headline, *pub, *mod, *body, *desc, *lang, *url, *publisher;
    const char *authors[MAX_AUTHORS];
    size_t n_authors;
    int article; /* an Article-type object supplied the fields */
};

static int type_is_article(json_t *o) {
    json_t *t = json_object_get(o, "@type");
    const char *s;
    if (json_is_string(t)) {
        s = json_string_value(t);
        return strstr(s, "Article") || strstr(s, "BlogPosting") || strstr(s, "Report") ||
               strstr(s, "NewsArticle") || !strcmp(s, "Posting");
    }
    if (json_is_array(t)) {
        size_t i;
        json_t *e;
        json_array_foreach(t, i, e) {
            if (json_is_string(e) && (strstr(json_string_value(e), "Article") ||
                                      strstr(json_string_value(e), "BlogPosting")))
                return 1;
        }
    }
    return 0;
}

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v)) {
        json_t *id = json_object_get(v, "@id");
        if (json_is_string(id)) return json_string_value(id);
        json_t *nm = json_object_get(v, "name");
        if (json_is_string(nm)) return json_string_value(nm);
    }
    if (json_is_array(v) && json_array_size(v) > 0 && json_is_string(json_array_get(v, 0)))
        return json_string_value(json_array_get(v, 0));
    return NULL;
}

static void ld_authors(struct ld *L, json_t *a) {
    if (json_is_string(a)) {
        if (L->n_authors < MAX_AUTHORS) L->authors[L->n_authors++] = json_string_value(a);
    } else if (json_is_object(a)) {
        json_t *nm = json_object_get(a, "name");
        if (json_is_string(nm) && L->n_authors < MAX_AUTHORS)
            L->authors[L->n_authors++] = json_string_value(nm);
        else if (json_is_array(nm)) ld_authors(L, nm);
    } else if (json_is_array(a)) {
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e) ld_authors(L, e);
    }
}

static void ld_visit(struct ld *L, json_t *v, int depth) {
    if (depth > 8) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) ld_visit(L, e, depth + 1);
        return;
    }
    if (!json_is_object(v)) return;
    json_t *g = json_object_get(v, "@graph");
    if (g) ld_visit(L, g, depth + 1);
    int art = type_is_article(v);
    if (art && !L->article) {
        L->article = 1;
        L->headline = jstr(v, "headline");
        if (!L->headline) L->headline = jstr(v, "name");
        L->pub = jstr(v, "datePublished");
        L->mod = jstr(v, "dateModified");
        L->body = jstr(v, "articleBody");
        L->desc = jstr(v, "description");
        L->lang = jstr(v, "inLanguage");
        L->url = jstr(v, "url");
        if (!L->url) L->url = jstr(v, "mainEntityOfPage");
        json_t *p = json_object_get(v, "publisher");
        if (json_is_object(p)) L->publisher = jstr(p, "name");
        ld_authors(L, json_object_get(v, "author"));
    }
    if (!L->publisher) {
        json_t *t = json_object_get(v, "@type");
        if (json_is_string(t) && (!strcmp(json_string_value(t), "Organization") ||
                                  !strcmp(json_string_value(t), "NewsMediaOrganization") ||
                                  !strcmp(json_string_value(t), "WebSite")))
            L->publisher = jstr(v, "name");
    }
}

/* Parse JSON-LD leniently: raw control characters inside strings are a
 * common fault of Korean CMSs, so they become spaces first. */
static json_t *ld_load(char *s) {
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    /* strip an HTML comment or CDATA wrapper */
    char *b = s;
    while (*b == ' ') b++;
    if (!strncmp(b, "<!--", 4)) b += 4;
    else if (!strncmp(b, "//<![CDATA[", 11)) b += 11;
    json_error_t je;
    return json_loads(b, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
}

/* ---- authors ---------------------------------------------------------- */

static int is_hangul_syllable(const unsigned char *p) {
    uint32_t cp;
    return mm_utf8_decode(p, 3, &cp) == 3 && cp >= 0xAC00 && cp <= 0xD7A3;
}

/* "홍길동 기자 hong@x.com" -> "홍길동"; NULL for empty results. */
static char *clean_author(const char *a) {
    char *s = parse_squash(a);
    if (!s) return NULL;
    parse_unescape(s);
    char *at = strchr(s, '@');
    if (at) { /* cut the e-mail word */
        while (at > s && at[-1] != ' ') at--;
        *at = 0;
    }
    static const char *const SUFFIX[] = {" 기자", " 특파원", " 논설위원", " 선임기자",
                                         " 기자 =", "기자", NULL};
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '=' || s[n - 1] == ',')) s[--n] = 0;
    for (size_t i = 0; SUFFIX[i]; i++) {
        size_t k = strlen(SUFFIX[i]);
        if (n > k && !strcmp(s + n - k, SUFFIX[i])) {
            s[n - k] = 0;
            n -= k;
            break;
        }
    }
    while (n && s[n - 1] == ' ') s[--n] = 0;
    if (!n || n > 100) {
        free(s);
        return NULL;
    }
    return s;
}

mm_rc parse_meta_add_author(struct parse_result *r, const char *a) {
    if (r->n_authors >= MAX_AUTHORS) return MM_OK;
    char *c = clean_author(a);
    if (!c) return MM_OK;
    for (size_t i = 0; i < r->n_authors; i++)
        if (!strcmp(r->authors[i], c)) {
            free(c);
            return MM_OK;
        }
    char **na = realloc(r->authors, (r->n_authors + 1) * sizeof *na);
    if (!na) {
        free(c);
        return MM_ENOMEM;
    }
    r->authors = na;
    r->authors[r->n_authors++] = c;
    return MM_OK;
}

mm_rc parse_meta_from_text(struct parse_result *r, const char *text) {
    if (r->n_authors || !text) return MM_OK;
    /* "홍길동 기자" near the start or end of the article (dateline / sign-off) */
    size_t n = strlen(text);
    const char *p = text;
    while ((p = strstr(p, " 기자")) != NULL) {
        size_t off = (size_t)(p - text);
        if (off < 300 || n - off < 300) {
            const char *s = p;
            int k = 0;
            while (s - 3 >= text && k < 4 && is_hangul_syllable((const unsigned char *)(s - 3))) {
                s -= 3;
                k++;
            }
            if (k >= 2 && k <= 4 && (s == text || s[-1] == ' ' || s[-1] == '(' ||
                                     s[-1] == '\n' || s[-1] == '[' || s[-1] == '/')) {
                char *name = parse_strndup(s, (size_t)(p - s));
                if (!name) return MM_ENOMEM;
                mm_rc rc = parse_meta_add_author(r, name);
                free(name);
                if (rc != MM_OK) return rc;
            }
        }
        p += 1;
    }
    return MM_OK;
}

/* ---- title ------------------------------------------------------------ */

void parse_title_strip(char *t, const char *site, const char *suffix) {
    if (!t) return;
    size_t n = strlen(t);
    if (suffix && *suffix) {
        size_t k = strlen(suffix);
        if (n > k && !strcmp(t + n - k, suffix)) {
            t[n - k] = 0;
            n -= k;
        }
    }
    /* " · " and " : " are common inside Korean headlines: not separators. */
    static const char *const SEPS[] = {" | ", " - ", " :: ", " – ", " — ", " < ", NULL};
    for (size_t i = 0; SEPS[i]; i++) {
        char *last = NULL, *p = t;
        while ((p = strstr(p, SEPS[i])) != NULL) last = p++;
        if (!last || last == t) continue;
        const char *tail = last + strlen(SEPS[i]);
        size_t head_len = (size_t)(last - t), tail_len = strlen(tail);
        int is_site = site && *site && (strstr(tail, site) || strstr(site, tail));
        /* A short tail after a long head is the site name. */
        if (is_site || (tail_len * 3 < head_len && tail_len < 40)) {
            *last = 0;
            n = head_len;
            break;
        }
    }
    while (n && t[n - 1] == ' ') t[--n] = 0;
}

/* ---- assembly --------------------------------------------------------- */

static char *pick(const char *a, const char *b, const char *c, const char *d) {
    const char *v = a && *a ? a : b && *b ? b : c && *c ? c : d && *d ? d : "";
    char *s = parse_squash(v);
    parse_unescape(s);
    return s;
}

static char *iso_of(const char *const *cands, size_t n) {
    char iso[32];
    for (size_t i = 0; i < n; i++)
        if (cands[i] && *cands[i] && parse_date_iso(cands[i], iso)) return parse_strdup(iso);
    return parse_strdup("");
}

static char *lang_of(const char *s) {
    char out[16];
    size_t j = 0;
    if (!s) return NULL;
    while (*s == ' ') s++;
    for (; *s && j < 15 && isalpha((unsigned char)*s); s++) out[j++] = (char)tolower((unsigned char)*s);
    out[j] = 0;
    return j >= 2 && j <= 3 ? parse_strdup(out) : NULL;
}

mm_rc parse_meta(xmlDoc *doc, struct parse_result *r, char **jsonld_body, struct mm_err *err) {
    struct meta m;
    memset(&m, 0, sizeof m);
    *jsonld_body = NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root) walk(&m, root, 0, 0);
    struct ld L;
    memset(&L, 0, sizeof L);
    json_t *docs[MAX_LD] = {0};
    for (size_t i = 0; i < m.n_ld; i++) {
        docs[i] = ld_load(m.ld[i]);
        if (docs[i]) ld_visit(&L, docs[i], 0);
    }
    mm_rc rc = MM_OK;
    r->title = pick(L.headline, m.og_title, m.tw_title, m.title_tag);
    r->site = pick(m.og_site, L.publisher, m.app_name, NULL);
    r->canonical_url = pick(m.canonical, m.og_url, L.url && !strncmp(L.url, "http", 4) ? L.url : NULL, NULL);
    r->description = pick(L.desc, m.desc, m.og_desc, NULL);
    const char *pubs[] = {L.pub, m.pub, m.time_pub_dt, m.time_dt, m.text_pub};
    const char *mods[] = {L.mod, m.mod, m.time_mod_dt, m.text_mod};
    r->published = iso_of(pubs, 5);
    r->modified = iso_of(mods, 4);
    r->lang = lang_of(m.html_lang);
    if (!r->lang) r->lang = lang_of(m.lang_meta);
    if (!r->lang) r->lang = lang_of(L.lang);
    if (!r->lang) r->lang = lang_of(m.og_locale);
    if (!r->lang) r->lang = parse_strdup("");
    for (size_t i = 0; rc == MM_OK && i < L.n_authors; i++) rc = parse_meta_add_author(r, L.authors[i]);
    if (!L.n_authors)
        for (size_t i = 0; rc == MM_OK && i < m.n_author_meta; i++) rc = parse_meta_add_author(r, m.author_meta[i]);
    if (L.body && *L.body) *jsonld_body = parse_strdup(L.body);
    if (!r->title || !r->site || !r->canonical_url || !r->description || !r->published ||
        !r->modified || !r->lang)
        rc = MM_ENOMEM;
    for (size_t i = 0; i < m.n_ld; i++) {
        if (docs[i]) json_decref(docs[i]);
        free(m.ld[i]);
    }
    for (size_t i = 0; i < m.n_author_meta; i++) free(m.author_meta[i]);
    free(m.title_tag); free(m.canonical); free(m.time_dt); free(m.time_pub_dt);
    free(m.time_mod_dt); free(m.text_pub); free(m.text_mod); free(m.og_title);
    free(m.tw_title); free(m.og_site); free(m.og_url); free(m.og_desc); free(m.desc);
    free(m.pub); free(m.mod); free(m.lang_meta); free(m.og_locale); free(m.app_name);
    if (rc != MM_OK) return mm_err_set(err, rc, "out of memory reading page metadata");
    return MM_OK;
}
