/*
 * parser.h -- the parser/ stage: bytes of a fetched page in, article text and
 * metadata out. Decoding follows the WHATWG order (BOM, HTTP charset, <meta>,
 * detection); extraction tries site rules, then embedded JSON (JSON-LD,
 * __NEXT_DATA__, Fusion.globalContent), then a generic content scorer.
 *
 * Ownership: inputs are borrowed. A struct parse_result belongs to the caller
 * and is released with parse_result_free(); all its strings live inside it.
 */
#ifndef MALMOI_PARSER_H
#define MALMOI_PARSER_H

#include <stddef.h>

#include "util.h"

/* Hard limits that bound time and memory on hostile input. */
#define PARSE_MAX_INPUT (64u << 20)  /* bytes of raw page accepted */
#define PARSE_MAX_HTML (16u << 20)   /* decoded bytes parsed into a tree; the
                                        rest of a longer page is ignored */
#define PARSE_MAX_TEXT (8u << 20)    /* bytes of extracted text kept */
#define PARSE_MAX_LINKS 20000        /* links reported per page */
#define PARSE_MAX_DEPTH 2000         /* element nesting we walk into */

/* ---- Setup ------------------------------------------------------------ */

/* Initialise libxml2 once, from main, before threads start. Afterwards
 * parse_decode/parse_extract may run in several threads at once (each call
 * builds its own tree; rules are read-only). Safe to call more than once. */
void parse_global_init(void);

/* ---- Decoding --------------------------------------------------------- */

/* Decode `bytes` to UTF-8. The charset is chosen from, in order: a BOM; the
 * charset parameter of `content_type` (the HTTP header, NULL allowed); a
 * <meta charset> / http-equiv / <?xml encoding?> in the first 4 KiB; detection.
 * Bytes that are valid UTF-8 are read as UTF-8 whatever the labels say
 * (re-saved pages often carry a stale label). "EUC-KR" and its aliases decode
 * as CP949 (UHC), as browsers do; ISO-2022-KR and Johab are supported.
 * Undecodable bytes become U+FFFD; their count goes to *replacements.
 *   out:      receives a NUL-terminated UTF-8 string (free() it); *out_len its length
 *   charset:  receives the name of the charset used ("UTF-8", "CP949", ...)
 * Returns MM_OK, MM_ELIMIT (input over PARSE_MAX_INPUT), MM_ENOMEM.
 * Tested by: tests/parser/test_decode.c */
mm_rc parse_decode(const char *bytes, size_t len, const char *content_type, char **out,
                   size_t *out_len, char charset[32], size_t *replacements, struct mm_err *err);

/* ---- Site rules -------------------------------------------------------- */

/* Site rules read from `[site NAME]` sections of the config (keys: hosts,
 * body_xpath, drop_xpath, title_suffix, embedded; see config/README.md).
 * Opaque; immutable once loaded, so one set can serve many threads. */
struct parse_rules;

/* Read every `[site NAME]` section of `conf`. A section without body_xpath
 * (one the crawler alone uses) still applies its drop_xpath/title_suffix, and
 * a page of it never counts as a rule fallback. An XPath that does not
 * compile is an MM_EINVAL naming FILE:LINE. *out is owned by the caller
 * (parse_rules_free). A config with no site sections gives an empty set.
 * Tested by: tests/parser/test_extract.c */
mm_rc parse_rules_load(struct mm_conf *conf, struct parse_rules **out, struct mm_err *err);
/* Parse rules from INI text (for tests and tools); `name` is used in messages. */
mm_rc parse_rules_parse(const char *name, const char *ini_text, struct parse_rules **out,
                        struct mm_err *err);
void parse_rules_free(struct parse_rules *rules);
/* Number of sites with rules (for logs). */
size_t parse_rules_count(const struct parse_rules *rules);

/* ---- Extraction -------------------------------------------------------- */

enum parse_method {
    PARSE_METHOD_NONE = 0,     /* no body found (empty page, binary data) */
    PARSE_METHOD_RULE = 1,     /* a site rule's body_xpath */
    PARSE_METHOD_EMBEDDED = 2, /* JSON-LD articleBody, __NEXT_DATA__, Fusion */
    PARSE_METHOD_GENERIC = 3,  /* the content scorer */
};
/* "none", "rule", "embedded", "generic". */
const char *parse_method_name(enum parse_method m);

enum parse_link_kind {
    PARSE_LINK_A = 0,       /* <a href> */
    PARSE_LINK_FEED = 1,    /* <link rel=alternate type=rss/atom> */
    PARSE_LINK_SITEMAP = 2, /* <link rel=sitemap> */
};

struct parse_link {
    char *url;                 /* absolute, resolved against <base href>; no fragment */
    enum parse_link_kind kind;
    int nofollow;              /* rel contains "nofollow" (or ugc/sponsored) */
};

struct parse_result {
    char *url;           /* as passed in ("" when none) */
    char *canonical_url; /* <link rel=canonical>, og:url or JSON-LD url; "" when none */
    char *title;         /* without the site's suffix; "" when none */
    char *published;     /* ISO 8601 with offset ("2023-04-12T15:05:00+09:00"); "" */
    char *modified;      /* same form; "" when none */
    char **authors;      /* n_authors names */
    size_t n_authors;
    char *site;          /* site name (og:site_name, JSON-LD publisher, rule name); "" */
    char *lang;          /* "ko", "en", ... from <html lang> or meta; "" */
    char *description;   /* meta/og description; "" */
    char *text;          /* article paragraphs separated by "\n"; "" when none */
    enum parse_method method;
    const char *embedded_kind; /* "json-ld", "next-data", "fusion" or "" (static) */
    char *rule;          /* the matching site rule's name, "" when none */
    int rule_fallback;   /* a rule matched the host but found no body: count it */
    size_t replacement_chars; /* U+FFFD inserted while decoding */
    char charset[32];    /* charset used to decode */
    struct parse_link *links;
    size_t n_links;
};

/* Decode and extract one page.
 *   rules:        site rules (NULL: none, generic and embedded only)
 *   url:          the page URL (NULL allowed); picks the site rule (by host;
 *                 without a URL, by the page's canonical URL) and resolves links
 *   content_type: the HTTP Content-Type header (NULL allowed)
 * A page with no article text is not an error: text is "" and method NONE
 * (empty input, binary data, markup libxml2 cannot build a tree from).
 * Returns MM_OK, MM_ELIMIT (page over PARSE_MAX_INPUT) or MM_ENOMEM; both
 * concern this page only. *out is set only on MM_OK.
 * Tested by: tests/parser/test_extract.c, tests/parser/gate_korean.py */
mm_rc parse_extract(const struct parse_rules *rules, const char *url, const char *content_type,
                    const char *bytes, size_t len, struct parse_result **out, struct mm_err *err);
void parse_result_free(struct parse_result *r);

/* Normalise a date as found in pages (ISO 8601, "2023.04.12. 오후 3:05",
 * "2023년 4월 12일 15시 5분", "20230412150500", RFC 822, ...) to ISO 8601 with
 * an offset; times without a zone are taken as Korea time (+09:00).
 * Returns 1 and fills out, or 0 when `s` holds no date.
 * Tested by: tests/parser/test_extract.c */
int parse_date_iso(const char *s, char out[32]);

#endif
