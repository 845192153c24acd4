/*
 * test_robots.c -- robots.txt matching against RFC 9309: the examples of
 * sections 2.2.2 (percent-encoding) and 5.1/5.2 (simple and longest match),
 * plus group selection, wildcards, ties, Crawl-delay, Sitemap and the 500 KiB
 * parse limit. Expected answers are the RFC's (human ground truth).
 */
#include <stdlib.h>
#include <string.h>

#include "crawler.h"
#include "test.h"

struct rcase {
    const char *name, *agent, *path;
    int allowed;
};

/* RFC 9309 section 5.1. */
static const char rfc_5_1[] = "User-Agent: *\n"
                              "Disallow: *.gif$\n"
                              "Disallow: /example/\n"
                              "Allow: /publications/\n"
                              "\n"
                              "User-Agent: foobot\n"
                              "Disallow:/\n"
                              "Allow:/example/page.html\n"
                              "Allow:/example/allowed.gif\n"
                              "\n"
                              "User-Agent: barbot\n"
                              "User-Agent: bazbot\n"
                              "Disallow: /example/page.html\n"
                              "\n"
                              "User-Agent: quxbot\n"
                              "\n"
                              "EOF\n";

static const struct rcase cases_5_1[] = {
    {"foobot page", "foobot", "/example/page.html", 1},
    {"foobot gif", "foobot", "/example/allowed.gif", 1},
    {"foobot other", "foobot", "/example/other.html", 0},
    {"foobot root", "foobot", "/", 0},
    {"FooBot case-insensitive", "FooBot", "/x", 0},
    {"barbot page", "barbot", "/example/page.html", 0},
    {"barbot other", "barbot", "/example/other.html", 1},
    {"bazbot page", "bazbot", "/example/page.html", 0},
    {"quxbot empty group", "quxbot", "/example/page.html", 1},
    {"* gif$", "malmoi", "/a/b.gif", 0},
    {"* gif$ not at end", "malmoi", "/a/b.gif?x=1", 1},
    {"* example", "malmoi", "/example/x", 0},
    {"* publications", "malmoi", "/publications/x", 1},
    {"* other", "malmoi", "/other", 1},
    {"robots.txt always", "foobot", "/robots.txt", 1},
};

/* RFC 9309 section 5.2: the longest match wins. */
static const char rfc_5_2[] = "User-Agent: foobot\n"
                              "Allow: /example/page/\n"
                              "Disallow: /example/page/disallowed.gif\n";
static const struct rcase cases_5_2[] = {
    {"5.2 allow", "foobot", "/example/page/", 1},
    {"5.2 allow deeper", "foobot", "/example/page/x.html", 1},
    {"5.2 disallow longer", "foobot", "/example/page/disallowed.gif", 0},
    {"5.2 other agent", "malmoi", "/example/page/disallowed.gif", 1},
};

/* Section 2.2.2: percent-encoding; UTF-8 in rules is compared encoded. */
static const char rfc_2_2_2[] = "user-agent: *\n"
                                "disallow: /foo/bar?baz=quz\n"
                                "disallow: /foo/bar/\xe3\x83\x84\n"
                                "disallow: /enc/%E3%83%84\n"
                                "disallow: /dec/%62%61%7A\n"
                                "disallow: /위키/특수\n";
static const struct rcase cases_2_2_2[] = {
    {"query", "malmoi", "/foo/bar?baz=quz", 0},
    {"utf8 rule vs encoded path", "malmoi", "/foo/bar/%E3%83%84", 0},
    {"encoded rule vs encoded path", "malmoi", "/enc/%E3%83%84", 0},
    {"encoded rule vs lower-case path", "malmoi", "/enc/%e3%83%84", 0},
    {"unreserved %xx decoded", "malmoi", "/dec/baz", 0},
    {"korean rule", "malmoi", "/%EC%9C%84%ED%82%A4/%ED%8A%B9%EC%88%98:x", 0},
    {"korean other", "malmoi", "/%EC%9C%84%ED%82%A4/x", 1},
};

/* Wildcards, ties, merged groups, comments, odd spacing. */
static const char misc[] = "\xef\xbb\xbf# comment\n"
                           "User-agent: malmoi # our group\n"
                           "Disallow: /*.php$\n"
                           "Disallow: /tie\n"
                           "Allow: /tie\n"
                           "Disallow: /\n"
                           "Allow: /$\n"
                           "Allow: /news/*/article\n"
                           "Crawl-delay: 2.5\n"
                           "\n"
                           "User-agent: malmoi-bot\n"
                           "Allow: /x\n"
                           "\n"
                           "User-agent: other\n"
                           "Disallow: /\n"
                           "\n"
                           "Sitemap: https://example.com/sitemap.xml\n"
                           "User-agent: MALMOI\n"
                           "Allow: /merged/\n"
                           "Sitemap: https://example.com/news.xml\n";
static const struct rcase cases_misc[] = {
    {"root $ allowed", "malmoi", "/", 1},
    {"disallow all else", "malmoi", "/x", 0},
    {"allow wins tie", "malmoi", "/tie/x", 1},
    {"wildcard middle", "malmoi", "/news/2024/01/article/1", 1},
    {"longer allow beats php$", "malmoi", "/news/a/article/x.php", 1},
    {"php$ beats the tie", "malmoi", "/tie.php", 0},
    {"php not at end", "malmoi", "/tie.php?a", 1},
    {"merged group", "malmoi", "/merged/page", 1},
    {"agent malmoi-bot is not malmoi", "malmoi", "/x", 0},
};

static int check_table(const char *text, const struct rcase *cs, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct crawl_robots *r;
        CHECK_INT(crawl_robots_parse(text, strlen(text), cs[i].agent, &r), MM_OK);
        int got = crawl_robots_allowed(r, cs[i].path);
        if (got != cs[i].allowed) {
            fprintf(stderr, "case '%s': %s %s -> %d, RFC says %d\n", cs[i].name, cs[i].agent, cs[i].path, got,
                    cs[i].allowed);
            bad++;
        }
        crawl_robots_free(r);
    }
    CHECK_INT(bad, 0);
    return bad;
}

static void test_rfc_5_1(void) { check_table(rfc_5_1, cases_5_1, sizeof cases_5_1 / sizeof *cases_5_1); }
static void test_rfc_5_2(void) { check_table(rfc_5_2, cases_5_2, sizeof cases_5_2 / sizeof *cases_5_2); }
static void test_rfc_2_2_2(void) { check_table(rfc_2_2_2, cases_2_2_2, sizeof cases_2_2_2 / sizeof *cases_2_2_2); }
static void test_misc(void) { check_table(misc, cases_misc, sizeof cases_misc / sizeof *cases_misc); }

static void test_delay_and_sitemaps(void) {
    struct crawl_robots *r;
    CHECK_INT(crawl_robots_parse(misc, strlen(misc), "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_delay_ms(r), 2500);
    CHECK_STR(crawl_robots_sitemap(r, 0), "https://example.com/sitemap.xml");
    CHECK_STR(crawl_robots_sitemap(r, 1), "https://example.com/news.xml");
    CHECK(crawl_robots_sitemap(r, 2) == NULL);
    crawl_robots_free(r);
    const char *big = "User-agent: *\nCrawl-delay: 100\n";
    CHECK_INT(crawl_robots_parse(big, strlen(big), "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_delay_ms(r), 30000); /* capped at 30 s */
    crawl_robots_free(r);
    const char *none = "User-agent: *\nDisallow: /x\n";
    CHECK_INT(crawl_robots_parse(none, strlen(none), "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_delay_ms(r), -1);
    crawl_robots_free(r);
}

static void test_all(void) {
    struct crawl_robots *r;
    CHECK_INT(crawl_robots_all(1, &r), MM_OK);
    CHECK_INT(crawl_robots_allowed(r, "/anything"), 1);
    crawl_robots_free(r);
    CHECK_INT(crawl_robots_all(0, &r), MM_OK);
    CHECK_INT(crawl_robots_allowed(r, "/anything"), 0);
    CHECK_INT(crawl_robots_allowed(r, "/robots.txt"), 1);
    crawl_robots_free(r);
    /* An empty or junk file allows everything. */
    CHECK_INT(crawl_robots_parse("", 0, "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_allowed(r, "/x"), 1);
    crawl_robots_free(r);
    const char *junk = "<html><body>not robots</body></html>\n";
    CHECK_INT(crawl_robots_parse(junk, strlen(junk), "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_allowed(r, "/x"), 1);
    crawl_robots_free(r);
}

/* RFC 9309 2.5: at least 500 KiB are parsed; rules after that are ignored. */
static void test_parse_limit(void) {
    size_t pad = 500 * 1024;
    const char *head = "User-agent: *\nDisallow: /early\n";
    const char *tail = "\nDisallow: /late\n";
    size_t n = strlen(head) + pad + strlen(tail);
    char *t = malloc(n + 1);
    memcpy(t, head, strlen(head));
    memset(t + strlen(head), '#', pad);
    t[strlen(head)] = '\n';
    memcpy(t + strlen(head) + pad, tail, strlen(tail) + 1);
    struct crawl_robots *r;
    CHECK_INT(crawl_robots_parse(t, n, "malmoi", &r), MM_OK);
    CHECK_INT(crawl_robots_allowed(r, "/early"), 0);
    CHECK_INT(crawl_robots_allowed(r, "/late"), 1);
    crawl_robots_free(r);
    free(t);
}

/* Pathological wildcards stay fast and correct. */
static void test_wildcard_backtracking(void) {
    const char *t = "User-agent: *\nDisallow: /*a*a*a*a*a*a*a*b$\n";
    struct crawl_robots *r;
    CHECK_INT(crawl_robots_parse(t, strlen(t), "malmoi", &r), MM_OK);
    char path[2100] = "/";
    memset(path + 1, 'a', 2000);
    path[2001] = '\0';
    CHECK_INT(crawl_robots_allowed(r, path), 1);
    path[2000] = 'b';
    CHECK_INT(crawl_robots_allowed(r, path), 0);
    crawl_robots_free(r);
}

int main(void) {
    RUN(test_rfc_5_1);
    RUN(test_rfc_5_2);
    RUN(test_rfc_2_2_2);
    RUN(test_misc);
    RUN(test_delay_and_sitemaps);
    RUN(test_all);
    RUN(test_parse_limit);
    RUN(test_wildcard_backtracking);
    return test_summary();
}
