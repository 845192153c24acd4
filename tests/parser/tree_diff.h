/*
 * tree_diff.h -- test helper shared by test_rawtext.c and the rawtext fuzz
 * target: parse a page as parse_extract does, once as it is and once after
 * parse_drop_script_text(), and check that libxml2 builds the same tree
 * except for the text of JavaScript and CSS elements. Data scripts (a
 * non-JavaScript type, __NEXT_DATA__, the embedded.c markers) must keep
 * their text exactly.
 */
#ifndef MALMOI_TREE_DIFF_H
#define MALMOI_TREE_DIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser_int.h"

static htmlDocPtr td_parse(const char *html, size_t len) {
    return htmlReadMemory(html, (int)len, NULL, "UTF-8",
                          HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                              HTML_PARSE_COMPACT);
}

static int td_streq(const xmlChar *a, const xmlChar *b) {
    return (!a && !b) || (a && b && strcmp((const char *)a, (const char *)b) == 0);
}

/* 1 when the original script element `n` carries data that must survive. */
static int td_data_script(const xmlNode *n) {
    if (!parse_tag_is(n, "script")) return 0;
    const char *type = parse_attr(n, "type");
    if (type) {
        char t[64];
        size_t k = 0;
        for (const char *p = type; *p && *p != ';' && k + 1 < sizeof t; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') t[k++] = *p;
        t[k] = 0;
        static const char *const JS[] = {"", "text/javascript", "application/javascript", "module",
                                         "text/ecmascript", "application/ecmascript",
                                         "application/x-javascript", "text/jscript", NULL};
        int js = 0;
        for (int i = 0; JS[i]; i++) js |= strcasecmp(t, JS[i]) == 0;
        if (!js) return 1;
    }
    const char *id = parse_attr(n, "id");
    if (id && !strcmp(id, "__NEXT_DATA__")) return 1;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->content && (strstr((const char *)c->content, PARSE_MARK_NEXT_FLIGHT) ||
                           strstr((const char *)c->content, PARSE_MARK_FUSION)))
            return 1;
    return 0;
}

static int td_same_list(const xmlNode *a, const xmlNode *b, char *why, size_t n, int depth);

static int td_same_node(const xmlNode *a, const xmlNode *b, char *why, size_t n, int depth) {
    if (a->type != b->type || !td_streq(a->name, b->name)) {
        snprintf(why, n, "depth %d: <%s> type %d vs <%s> type %d", depth, a->name ? (const char *)a->name : "",
                 a->type, b->name ? (const char *)b->name : "", b->type);
        return 0;
    }
    if (a->type != XML_ELEMENT_NODE) {
        if (!td_streq(a->content, b->content)) {
            snprintf(why, n, "depth %d: text \"%.60s\" vs \"%.60s\"", depth,
                     a->content ? (const char *)a->content : "", b->content ? (const char *)b->content : "");
            return 0;
        }
        return 1;
    }
    const xmlAttr *x = a->properties, *y = b->properties;
    for (; x && y; x = x->next, y = y->next) {
        const xmlChar *vx = x->children ? x->children->content : NULL;
        const xmlChar *vy = y->children ? y->children->content : NULL;
        if (!td_streq(x->name, y->name) || !td_streq(vx, vy)) {
            snprintf(why, n, "depth %d: <%s> attribute %s=\"%.40s\" vs %s=\"%.40s\"", depth, a->name,
                     x->name, vx ? (const char *)vx : "", y->name, vy ? (const char *)vy : "");
            return 0;
        }
    }
    if (x || y) {
        snprintf(why, n, "depth %d: <%s> attribute count differs", depth, a->name);
        return 0;
    }
    if ((parse_tag_is(a, "script") || parse_tag_is(a, "style")) && !td_data_script(a)) {
        /* JavaScript and CSS text may go; elements (<v:style><p>, where
         * libxml2 reads markup) must stay */
        int elements = 0;
        for (const xmlNode *c = a->children; c; c = c->next) elements |= c->type == XML_ELEMENT_NODE;
        for (const xmlNode *c = b->children; c; c = c->next) elements |= c->type == XML_ELEMENT_NODE;
        if (!elements) return 1;
    }
    return td_same_list(a->children, b->children, why, n, depth + 1);
}

static int td_same_list(const xmlNode *a, const xmlNode *b, char *why, size_t n, int depth) {
    for (; a && b; a = a->next, b = b->next)
        if (!td_same_node(a, b, why, n, depth)) return 0;
    if (a || b) {
        snprintf(why, n, "depth %d: <%s> has %s siblings", depth, a ? (const char *)a->name : (const char *)b->name,
                 a ? "fewer" : "more");
        return 0;
    }
    return 1;
}

/* 1 when stripping `html` keeps libxml2's tree (why explains a 0). */
static int td_check(const char *html, size_t len, char *why, size_t n) {
    char *a = malloc(len + 1), *b = malloc(len + 1);
    if (!a || !b) abort();
    memcpy(a, html, len);
    a[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (!a[i]) a[i] = ' '; /* as parse_extract does */
    memcpy(b, a, len + 1);
    size_t blen = parse_drop_script_text(b, len);
    int ok = blen <= len && b[blen] == 0;
    if (!ok) snprintf(why, n, "length %zu -> %zu", len, blen);
    htmlDocPtr da = td_parse(a, len), db = td_parse(b, blen);
    if (ok && (!da) != (!db)) {
        snprintf(why, n, "one side did not parse");
        ok = 0;
    }
    if (ok && da) ok = td_same_list(da->children, db->children, why, n, 0);
    xmlFreeDoc(da);
    xmlFreeDoc(db);
    free(a);
    free(b);
    return ok;
}

#endif
