/*
 * parser_int.h -- internals shared by the parser/ files: the text builder,
 * the DOM helpers, metadata, embedded-JSON and generic-extractor entry points.
 */
#ifndef MALMOI_PARSER_INT_H
#define MALMOI_PARSER_INT_H

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "parser.h"

/* ---- dom.c: element tests and text collection ------------------------- */
/* 1 for tags that start a new paragraph (p, div, li, h1..h6, tr, ...). */
int parse_is_block(const xmlNode *n);
/* 1 for elements never holding article text (script, style, nav, form...). */
int parse_is_junk_tag(const xmlNode *n);
/* Attribute value or NULL (borrowed from the tree). */
const char *parse_attr(const xmlNode *n, const char *name);
/* 1 when the element's tag name is `name` (lower-case). */
int parse_tag_is(const xmlNode *n, const char *name);
/* Append the visible text of `n` to `b` as paragraphs (one per line); `skip`
 * (may be NULL) is asked for every element and can veto its subtree. */
typedef int (*parse_skip_fn)(const xmlNode *n, void *ctx);
mm_rc parse_node_text(const xmlNode *n, struct mm_buf *b, parse_skip_fn skip, void *ctx);
/* Collapse whitespace, drop empty lines and boilerplate lines (copyright,
 * reporter e-mail, promo arrows); returns a new string (free()). */
char *parse_clean_paragraphs(const char *text, size_t len);

/* ---- meta.c: metadata from JSON-LD, OpenGraph, <time>, visible text --- */
mm_rc parse_meta(xmlDoc *doc, struct parse_result *r, char **jsonld_body, struct mm_err *err);
/* Add one author (cleaned: "홍길동 기자 a@b.kr" -> "홍길동"; duplicates and
 * empty names are skipped). */
mm_rc parse_meta_add_author(struct parse_result *r, const char *a);
/* Fill authors from "홍길동 기자" bylines in `text` when none was found. */
mm_rc parse_meta_from_text(struct parse_result *r, const char *text);
/* Strip the site suffix (" | 연합뉴스", " - SBS 뉴스") from a title in place. */
void parse_title_strip(char *title, const char *site, const char *suffix);

/* ---- embedded.c ------------------------------------------------------- */
/* Article text from __NEXT_DATA__ or Fusion.globalContent scripts; *out is
 * NULL when none; *kind names the source. */
mm_rc parse_embedded(xmlDoc *doc, char **out, const char **kind, struct mm_err *err);
/* Script text embedded.c reads: Next.js App Router flight data and Arc XP
 * Fusion state (rawtext.c keeps scripts holding them). */
#define PARSE_MARK_NEXT_FLIGHT "__next_f.push([1,"
#define PARSE_MARK_FUSION "Fusion.globalContent"
/* A script read as JSON-LD by its id whatever its type (JTBC since 2026). */
#define PARSE_LD_SCRIPT_ID "article-structured-data"
/* Article links listed in __NEXT_DATA__ at the dotted `path` (a list page
 * rendered in the browser): each item's url/link/href field, resolved
 * against `base`, is appended to r->links. */
mm_rc parse_embedded_links(xmlDoc *doc, const char *path, const char *base, struct parse_result *r,
                           struct mm_err *err);
/* Text of an HTML fragment (embedded bodies often hold markup). */
char *parse_fragment_text(const char *html, size_t len);

/* ---- rawtext.c ------------------------------------------------------- */
/* Drop, in place, the text of <script> and <style> elements no extractor
 * reads (JavaScript and CSS), keeping the tags; html[len] must be writable.
 * Returns the new length (html is NUL-terminated there). The tree libxml2
 * builds from the result differs only in that text. */
size_t parse_drop_script_text(char *html, size_t len);

/* ---- generic.c -------------------------------------------------------- */
/* The content scorer: article text of `doc` (NULL when nothing qualifies). */
mm_rc parse_generic(xmlDoc *doc, char **out, struct mm_err *err);

/* ---- rules.c ---------------------------------------------------------- */
struct parse_site;
const struct parse_site *parse_rules_match(const struct parse_rules *rules, const char *url);
const char *parse_site_name(const struct parse_site *s);
const char *parse_site_title_suffix(const struct parse_site *s);
int parse_site_prefers_embedded(const struct parse_site *s);
/* 1 when the site has body_xpath rules (a miss is then a rule fallback). */
int parse_site_has_body(const struct parse_site *s);
/* Metadata a site rule reads from its own markup (title_xpath, ...). */
enum parse_site_meta {
    PARSE_SITE_TITLE = 0,
    PARSE_SITE_PUBLISHED = 1,
    PARSE_SITE_MODIFIED = 2,
    PARSE_SITE_AUTHOR = 3,
    PARSE_SITE_META_N = 4
};
/* fn is called with every string the field's XPaths yield, in order; a
 * non-OK return stops the walk and is returned. */
typedef mm_rc (*parse_value_fn)(void *ctx, const char *value);
mm_rc parse_site_meta(const struct parse_site *s, xmlDoc *doc, enum parse_site_meta field,
                      parse_value_fn fn, void *fn_ctx, struct mm_err *err);
/* The site's embedded_links path ("props.pageProps.list"), or NULL. */
const char *parse_site_embedded_links(const struct parse_site *s);
/* Remove drop_xpath nodes, then collect the body_xpath text (NULL when the
 * rule found nothing). */
mm_rc parse_site_apply(const struct parse_site *s, xmlDoc *doc, char **out, struct mm_err *err);

/* ---- links.c ---------------------------------------------------------- */
mm_rc parse_links(xmlDoc *doc, const char *url, struct parse_result *r, struct mm_err *err);

/* Small string helpers (dom.c). */
char *parse_strdup(const char *s);
char *parse_strndup(const char *s, size_t n);
/* Decode character references left in metadata by double escaping
 * ("&#34;", "&quot;") in place; the result is never longer. */
void parse_unescape(char *s);
/* Duplicate with whitespace collapsed and trimmed. */
char *parse_squash(const char *s);

#endif
