/*
 * test_config.c -- the crawler's configuration: the shipped
 * config/malmoi.ini loads, refuses to crawl with the placeholder contact,
 * gives every news site a seed, feed or sitemap, and its article patterns
 * match the real article URLs of tests/data/crawler/pages/index.json (and
 * the corpus URLs below, copied from /work/shared/corpus index.json). Bad
 * values are reported as FILE:LINE with the key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawler.h"
#include "test.h"

/* in crawler_int.h; declared here to keep the test on one public header */
int crawl_site_match(const void *const *res, size_t n, const char *url);

static const char *const article_urls[][2] = {
    {"kbs", "https://news.kbs.co.kr/news/view.do?ncd=7645555"},
    {"mbn", "http://www.mbn.co.kr/news/economy/4917667"},
    {"mbc", "https://imnews.imbc.com/news/2023/econo/article/6470709_36140.html"},
    {"sbs", "https://news.sbs.co.kr/news/endPage.do?news_id=N1007160910"},
    {"ytn", "https://www.ytn.co.kr/_ln/0101_202304100959425950"},
    {"chosun", "https://www.chosun.com/entertainments/enter_general/2023/04/07/C4TYKH2D5HO4L5KW7TNCOEGBFI/"},
    {"tvchosun", "http://news.tvchosun.com/site/data/html_dir/2023/04/05/2023040590004.html"},
    {"yonhapnewstv", "http://www.yonhapnewstv.co.kr/news/MYH20230420001700032"},
    {"kowiki", "https://ko.wikipedia.org/wiki/%EB%8C%80%ED%95%9C%EB%AF%BC%EA%B5%AD"},
    /* fundus (corpus news/fundus/kr): Maeil Business and Hankook Ilbo's old and new URLs */
    {"mk", "https://www.mk.co.kr/news/politics/11333783"},
    {"hankookilbo", "https://www.hankookilbo.com/News/Read/A2025051516330004328"},
    {"hankookilbo", "https://www.hankookilbo.com/news/article/A2026071220290000630"},
};

static void test_shipped(void) {
    const char *src = getenv("MALMOI_SOURCE");
    char path[4096];
    snprintf(path, sizeof path, "%s/config/malmoi.ini", src ? src : ".");
    struct mm_conf *conf = NULL;
    struct mm_err err = {0};
    CHECK_INT(mm_conf_load(path, &conf, &err), MM_OK);
    struct crawl_config *c = NULL;
    const char *ph = NULL;
    CHECK_INT(crawl_config_load(conf, &c, &ph, &err), MM_OK);
    if (c == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        mm_conf_free(conf);
        return;
    }
    CHECK(c->user_agent == NULL); /* the placeholder contact blocks crawling */
    CHECK_STR(ph, "contact");
    CHECK_INT(c->delay_ms, 1000);
    CHECK_INT(c->per_host, 1);
    size_t with_sources = 0;
    for (size_t i = 0; i < c->n_sites; i++) {
        const struct crawl_site *s = &c->sites[i];
        CHECK(s->n_hosts > 0);
        if (s->n_seeds + s->n_feeds + s->n_sitemaps > 0)
            with_sources++;
        else if (strcmp(s->name, "naver") != 0 && strcmp(s->name, "daum") != 0) {
            fprintf(stderr, "site %s has no seed, feed or sitemap\n", s->name);
            CHECK(0);
        }
    }
    CHECK(with_sources >= 15);
    for (size_t i = 0; i < sizeof article_urls / sizeof *article_urls; i++) {
        char host[256];
        const char *p = strstr(article_urls[i][1], "://") + 3;
        size_t n = strcspn(p, "/?");
        memcpy(host, p, n);
        host[n] = '\0';
        const struct crawl_site *s = crawl_config_site(c, host);
        CHECK(s != NULL);
        if (s == NULL)
            continue;
        CHECK_STR(s->name, article_urls[i][0]);
        int m = s->article && crawl_site_match(s->article, 1, article_urls[i][1]);
        if (!m)
            fprintf(stderr, "article_pattern of %s misses %s\n", s->name, article_urls[i][1]);
        CHECK(m);
    }
    crawl_config_free(c);
    mm_conf_free(conf);
}

static void test_errors(void) {
    struct mm_conf *conf = NULL;
    struct mm_err err = {0};
    struct crawl_config *c = NULL;
    const char *ph;
    CHECK_INT(mm_conf_parse("bad.ini", "[crawler]\ndelay = soon\n", &conf, &err), MM_OK);
    CHECK_INT(crawl_config_load(conf, &c, &ph, &err), MM_EINVAL);
    CHECK(strstr(err.msg, "bad.ini:2") != NULL && strstr(err.msg, "delay") != NULL);
    mm_conf_free(conf);
    mm_err_clear(&err);
    CHECK_INT(mm_conf_parse("re.ini", "[site x]\nhosts = x.kr\n\narticle_pattern = ([\n", &conf, &err), MM_OK);
    CHECK_INT(crawl_config_load(conf, &c, &ph, &err), MM_EINVAL);
    CHECK(strstr(err.msg, "re.ini:4") != NULL && strstr(err.msg, "article_pattern") != NULL);
    mm_conf_free(conf);
    mm_err_clear(&err);
    CHECK_INT(mm_conf_parse("ok.ini", "[crawler]\nuser_agent = bot/1\ncontact = mailto:me@example.org\n", &conf, &err),
              MM_OK);
    CHECK_INT(crawl_config_load(conf, &c, &ph, &err), MM_OK);
    if (c) {
        CHECK_STR(c->user_agent, "bot/1 (+mailto:me@example.org)");
        CHECK_STR(c->robots_agent, "bot");
        CHECK(ph == NULL);
    }
    crawl_config_free(c);
    mm_conf_free(conf);
}

/* Parse INI text and load the crawler's settings from it; returns what
 * crawl_config_load returned. *conf and *c are the caller's to free. */
static mm_rc load_text(const char *name, const char *ini, struct mm_conf **conf, struct crawl_config **c,
                       struct mm_err *err) {
    const char *ph;
    *conf = NULL;
    *c = NULL;
    mm_rc rc = mm_conf_parse(name, ini, conf, err);
    return rc == MM_OK ? crawl_config_load(*conf, c, &ph, err) : rc;
}

/* Refused settings: `ini` fails to load with a message holding both
 * `where` (FILE:LINE) and `what`; `what` NULL: it loads. */
static const struct {
    const char *ini, *where, *what;
} refused[] = {
    /* back-references match in exponential time in glibc (the issue's
     * pattern held a crawl for ten minutes); '\1' inside brackets or after
     * an escaped backslash is no back-reference */
    {"[site x]\nhosts = x.kr\ndeny = (b*)(b*)(b*)\\3\\2\\1z\n", "r.ini:3", "back-reference"},
    {"[site x]\nhosts = x.kr\nallow = ^https://x\\.kr/\n\nallow = (a)\\1\n", "r.ini:5", "back-reference"},
    {"[site x]\nhosts = x.kr\narticle_pattern = /(news)/\\1/\n", "r.ini:3", "back-reference"},
    {"[site x]\nhosts = x.kr\ndeny = [\\1]x\nallow = a\\\\1\narticle_pattern = [[:digit:]\\2]\n", NULL, NULL},
    /* accepted silently before: a one-value key given twice, an empty
     * "hosts =", a ca_file that does not exist, a second article_pattern */
    {"[crawler]\ndelay = 5\n\ndelay = 6\n", "r.ini:4", "given again (first at line 2)"},
    {"[site x]\nhosts =\n", "r.ini:2", "'hosts' in [site x] is empty"},
    {"[site x]\nhosts = , ,\n", "r.ini:2", "is empty"},
    {"[crawler]\nca_file = /nonexistent/ca.pem\n", "r.ini:2", "ca_file"},
    {"[site x]\nhosts = x.kr\narticle_pattern = /a/\narticle_pattern = /b/\n", "r.ini:4", "given again"},
    {"[site x]\nhosts = a.kr\nhosts = b.kr\n", "r.ini:3", "'hosts' in [site x] is given again (first at line 2)"},
};

static void test_refused(void) {
    struct mm_conf *conf;
    struct crawl_config *c;
    struct mm_err err;
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        mm_err_clear(&err);
        mm_rc rc = load_text("r.ini", refused[i].ini, &conf, &c, &err);
        int ok = refused[i].where ? rc == MM_EINVAL && strstr(err.msg, refused[i].where) &&
                                        strstr(err.msg, refused[i].what)
                                  : rc == MM_OK;
        if (!ok)
            fprintf(stderr, "case %zu: %s\n", i, err.msg);
        CHECK(ok);
        crawl_config_free(c);
        mm_conf_free(conf);
    }
    /* user_agent twice: read with mm_conf_get, reported by the unused-key check */
    mm_err_clear(&err);
    CHECK_INT(load_text("r.ini", "[crawler]\nuser_agent = a/1\nuser_agent = b/1\n", &conf, &c, &err), MM_OK);
    CHECK_INT(mm_conf_check_unused(conf, &err), MM_EINVAL);
    CHECK(strstr(err.msg, "r.ini:3") && strstr(err.msg, "'user_agent' in [crawler] is given again"));
    crawl_config_free(c);
    mm_conf_free(conf);
    /* a later block of the same name overrides: no error, the last value wins */
    mm_err_clear(&err);
    CHECK_INT(load_text("r.ini", "[site x]\nhosts = x.kr\nmax_depth = 2\n[crawler]\n[site x]\nmax_depth = 1\n", &conf,
                        &c, &err),
              MM_OK);
    CHECK_INT(mm_conf_check_unused(conf, &err), MM_OK);
    if (c && c->n_sites == 1)
        CHECK_INT(c->sites[0].max_depth, 1);
    crawl_config_free(c);
    mm_conf_free(conf);
}

/* Patterns see URLs of at most 2048 bytes; a longer one matches none. */
static void test_pattern_url_cap(void) {
    struct mm_conf *conf;
    struct crawl_config *c;
    struct mm_err err = {0};
    CHECK_INT(load_text("p.ini", "[site x]\nhosts = x.kr\ndeny = c$\n", &conf, &c, &err), MM_OK);
    if (c && c->n_sites == 1) {
        char url[4000];
        CHECK_INT(crawl_site_match(c->sites[0].deny, 1, "https://x.kr/abc"), 1);
        memset(url, 'b', sizeof url - 1);
        memcpy(url, "https://x.kr/", 13);
        url[2047] = 'c';
        url[2048] = '\0';
        CHECK_INT(crawl_site_match(c->sites[0].deny, 1, url), 1);
        url[2048] = 'c';
        url[2049] = '\0';
        CHECK_INT(crawl_site_match(c->sites[0].deny, 1, url), 0);
    }
    crawl_config_free(c);
    mm_conf_free(conf);
}

/* Sitemaps per day: {YYYY}{MM}{DD} in Korea time; the expected dates were
 * worked out by hand (15:30 UTC on 2 December is 00:30 on 3 December in
 * Seoul). A dated URL in the config stands for today's and yesterday's. */
static void test_dated_urls(void) {
    char out[256];
    CHECK_INT(crawl_url_expand_date("https://j.kr/sitemap/articles/{YYYY}/{YYYY}{MM}{DD}", 1796225400, out, sizeof out),
              0);
    CHECK_STR(out, "https://j.kr/sitemap/articles/2026/20261203");
    CHECK_INT(crawl_url_expand_date("https://h.kr/daily/{YYYY}", 1796225400 - 86400, out, sizeof out), 0);
    CHECK_STR(out, "https://h.kr/daily/2026");
    CHECK_INT(crawl_url_expand_date("https://h.kr/{YYYY}{MM}{DD}", 0, out, 10), -1);
    struct mm_conf *conf = NULL;
    struct mm_err err = {0};
    struct crawl_config *c = NULL;
    const char *ph;
    CHECK_INT(mm_conf_parse("d.ini",
                            "[crawler]\nfeed_max_age = 3600\n[site j]\nhosts = j.kr\n"
                            "sitemap = https://j.kr/s/{YYYY}{MM}{DD}\nsitemap = https://j.kr/latest\n",
                            &conf, &err),
              MM_OK);
    CHECK_INT(crawl_config_load(conf, &c, &ph, &err), MM_OK);
    if (c && c->n_sites == 1) {
        CHECK_INT(c->feed_max_age_s, 3600);
        CHECK_INT(c->sites[0].n_sitemaps, 3);
        char today[64], yesterday[64];
        int64_t now = (int64_t)time(NULL);
        crawl_url_expand_date("https://j.kr/s/{YYYY}{MM}{DD}", now, today, sizeof today);
        crawl_url_expand_date("https://j.kr/s/{YYYY}{MM}{DD}", now - 86400, yesterday, sizeof yesterday);
        if (c->sites[0].n_sitemaps == 3) {
            CHECK_STR(c->sites[0].sitemaps[0], today);
            CHECK_STR(c->sites[0].sitemaps[1], yesterday);
            CHECK_STR(c->sites[0].sitemaps[2], "https://j.kr/latest");
        }
        CHECK_INT(crawl_config_article(c, "https://j.kr/a/1"), -1); /* no article_pattern */
    }
    crawl_config_free(c);
    mm_conf_free(conf);
    CHECK_INT(crawl_config_default(&c, &err), MM_OK);
    if (c)
        CHECK_INT(c->feed_max_age_s, 259200);
    crawl_config_free(c);
}

int main(void) {
    RUN(test_shipped);
    RUN(test_refused);
    RUN(test_pattern_url_cap);
    RUN(test_dated_urls);
    RUN(test_errors);
    return test_summary();
}
