/*
 * test_url.c -- URL normalisation and resolution: RFC 3986 section 5.4
 * reference-resolution examples and 6.2.2 normalisation, plus the crawler's
 * own rules (fragments and tracking parameters dropped, http/https only).
 */
#include <stdlib.h>
#include <string.h>

#include "crawler.h"
#include "test.h"

struct ucase {
    const char *base, *ref, *want; /* want NULL: rejected */
};

static const struct ucase cases[] = {
    /* RFC 3986 5.4.1 normal examples (base http://a/b/c/d;p?q) */
    {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
    {"http://a/b/c/d;p?q", "/g", "http://a/g"},
    {"http://a/b/c/d;p?q", "//g", "http://g/"},
    {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
    {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
    {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", "g#s", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "..", "http://a/b/"},
    {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
    {"http://a/b/c/d;p?q", "../..", "http://a/"},
    {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
    /* 5.4.2 abnormal */
    {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "/./g", "http://a/g"},
    {"http://a/b/c/d;p?q", "/../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "g.", "http://a/b/c/g."},
    {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
    /* 6.2.2: case, percent-encoding, dot segments; default ports */
    {NULL, "HTTP://Example.COM:80/a/./b/../c", "http://example.com/a/c"},
    {NULL, "https://example.com:443", "https://example.com/"},
    {NULL, "https://example.com:8443/x", "https://example.com:8443/x"},
    {NULL, "http://example.com/%7efoo/%2f/%e3%83%84", "http://example.com/~foo/%2F/%E3%83%84"},
    {NULL, "http://ko.wikipedia.org/wiki/대한민국", "http://ko.wikipedia.org/wiki/%EB%8C%80%ED%95%9C%EB%AF%BC%EA%B5%AD"},
    {NULL, "  http://example.com/a b\n", "http://example.com/a%20b"},
    {NULL, "http://example.com./x", "http://example.com/x"},
    /* %00 stays encoded in the path as in the query, never a NUL that cuts it */
    {"http://a/b/c", "/secret%00.html", "http://a/secret%00.html"},
    {"http://a/b/c", "a%00b?q=%00", "http://a/b/a%00b?q=%00"},
    {NULL, "http://a/100%", "http://a/100%25"},
    /* tracking parameters go, order of the rest is kept */
    {NULL, "http://n.com/a?utm_source=x&b=2&a=1&fbclid=z", "http://n.com/a?b=2&a=1"},
    {NULL, "http://n.com/a?utm_medium=x", "http://n.com/a"},
    {NULL, "http://n.com/view.php?idxno=12&gclid=q#top", "http://n.com/view.php?idxno=12"},
    /* only http and https */
    {NULL, "mailto:a@b.com", NULL},
    {NULL, "javascript:void(0)", NULL},
    {NULL, "ftp://example.com/x", NULL},
    {NULL, "data:text/html,hi", NULL},
    {NULL, "/relative/without/base", NULL},
    {"http://a/b", "javascript:alert(1)", NULL},
};

static void test_cases(void) {
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = NULL;
        mm_rc rc = crawl_url_normalize(cases[i].base, cases[i].ref, &out);
        int ok = cases[i].want ? rc == MM_OK && out && strcmp(out, cases[i].want) == 0 : rc != MM_OK;
        if (!ok) {
            fprintf(stderr, "base %s ref '%s' -> %s (rc %d), want %s\n", cases[i].base ? cases[i].base : "-",
                    cases[i].ref, out ? out : "(none)", rc, cases[i].want ? cases[i].want : "(rejected)");
            bad++;
        }
        free(out);
    }
    CHECK_INT(bad, 0);
}

static void test_host_key(void) {
    char k[128];
    CHECK_INT(crawl_url_host_key("http://example.com/a", k, sizeof k), 0);
    CHECK_STR(k, "http://example.com:80");
    CHECK_INT(crawl_url_host_key("https://example.com:8443/a?b", k, sizeof k), 0);
    CHECK_STR(k, "https://example.com:8443");
    CHECK_INT(crawl_url_host_key("https://n.co.kr?x", k, sizeof k), 0);
    CHECK_STR(k, "https://n.co.kr:443");
    CHECK_INT(crawl_url_host_key("https://example.com/a", k, 8), -1);
}

static void test_idempotent(void) {
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (!cases[i].want)
            continue;
        char *out = NULL;
        CHECK_INT(crawl_url_normalize(NULL, cases[i].want, &out), MM_OK);
        if (out)
            CHECK_STR(out, cases[i].want);
        free(out);
    }
}

int main(void) {
    RUN(test_cases);
    RUN(test_host_key);
    RUN(test_idempotent);
    return test_summary();
}
