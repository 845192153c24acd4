/*
 * test_feed.c -- URL lists from RSS 2.0, Atom, sitemaps, sitemap indexes,
 * Google News sitemaps and gzip sitemaps (sitemaps.org 0.9, RFC 4287,
 * RSS 2.0 spec). Inputs are small hand-written documents whose answers are
 * known; gzip inputs are made with zlib here.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crawler.h"
#include "test.h"

static const char rss[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\n"
    "<title>연합뉴스</title><link>https://www.yna.co.kr/</link>\n"
    "<atom:link href=\"https://www.yna.co.kr/rss/news.xml\" rel=\"self\"/>\n"
    "<item><title>기사 1</title><link> https://www.yna.co.kr/view/AKR1 </link>"
    "<pubDate>Fri, 07 Apr 2023 10:11:02 +0900</pubDate></item>\n"
    "<item><title>기사 2</title><guid isPermaLink=\"true\">https://www.yna.co.kr/view/AKR2</guid></item>\n"
    "<item><title>no link</title><guid isPermaLink=\"false\">abc-123</guid></item>\n"
    "</channel></rss>\n";

static const char atom[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>\n"
    "<link href=\"https://blog.example.kr/\" rel=\"alternate\"/>\n"
    "<entry><title>a</title><link rel=\"edit\" href=\"https://blog.example.kr/edit/1\"/>"
    "<link href=\"https://blog.example.kr/1\"/><updated>2024-01-02T03:04:05Z</updated></entry>\n"
    "<entry><title>b</title><link rel=\"alternate\" type=\"text/html\" href=\"/2\"/></entry>\n"
    "</feed>\n";

static const char urlset[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
    " xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"\n"
    " xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n"
    "<url><loc>https://www.hani.co.kr/arti/1.html</loc><lastmod>2024-05-01</lastmod>"
    "<image:image><image:loc>https://img.hani.co.kr/1.jpg</image:loc></image:image></url>\n"
    "<url><image:image><image:loc>https://img.hani.co.kr/2.jpg</image:loc></image:image>"
    "<loc>https://www.hani.co.kr/arti/2.html</loc></url>\n"
    "<url><loc>https://www.hani.co.kr/arti/3.html</loc><news:news><news:publication>"
    "<news:name>한겨레</news:name><news:language>ko</news:language></news:publication>"
    "<news:publication_date>2024-05-02T09:00:00+09:00</news:publication_date>"
    "<news:title>제목</news:title></news:news></url>\n"
    "</urlset>\n";

static const char index_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
    "<sitemap><loc>https://n.kr/sitemap-1.xml.gz</loc><lastmod>2024-05-01T00:00:00Z</lastmod></sitemap>\n"
    "<sitemap><loc>https://n.kr/sitemap-2.xml</loc></sitemap>\n"
    "</sitemapindex>\n";

/* Kyunghyang's section feeds (2026): dc:date, no pubDate; and an item
 * without any date (Hankyoreh). */
static const char dc_rss[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>경향신문</title>\n"
    "<item><title>가</title><link>https://www.khan.co.kr/article/202612021705001</link>"
    "<dc:date>2026-12-02T17:05:33.250+09:00</dc:date></item>\n"
    "<item><title>나</title><link>https://www.khan.co.kr/article/202611180741001</link>"
    "<dc:date>2026-11-18T07:41:00+09:00</dc:date></item>\n"
    "<item><title>다</title><link>https://www.khan.co.kr/article/202612020000001</link></item>\n"
    "</channel></rss>\n";

static void test_dc_date(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("dc", dc_rss, strlen(dc_rss), 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 3);
    if (e.n == 3) {
        CHECK_STR(e.v[0].lastmod, "2026-12-02T17:05:33.250+09:00");
        CHECK_STR(e.v[2].lastmod, "");
    }
    int64_t dated = 0, newest = 0;
    crawl_entries_newest(&e, &dated, &newest);
    CHECK_INT(dated, 2);
    CHECK_INT(newest, 1796198733); /* Python: datetime.fromisoformat(...).timestamp() */
    crawl_entries_free(&e);
}

/* Expected values from Python's email.utils.parsedate_to_datetime and
 * datetime.fromisoformat. */
static void test_feed_dates(void) {
    int64_t t = 0;
    CHECK(crawl_feed_date("Fri, 07 Apr 2023 10:11:02 +0900", &t));
    CHECK_INT(t, 1680829862);
    CHECK(crawl_feed_date("Thu, 31 Oct 2024 22:30:00 GMT", &t));
    CHECK_INT(t, 1730413800);
    CHECK(crawl_feed_date("2026-11-18T07:41:00+09:00", &t));
    CHECK_INT(t, 1794955260);
    CHECK(crawl_feed_date("2024-01-02T03:04:05Z", &t));
    CHECK_INT(t, 1704164645);
    CHECK(crawl_feed_date("2024-05-01", &t)); /* no zone: Korea time */
    CHECK_INT(t, 1714489200);
    CHECK(!crawl_feed_date("", &t));
    CHECK(!crawl_feed_date("yesterday", &t));
    CHECK(!crawl_feed_date("2024-13-01", &t));
}

static void test_rss(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("rss", rss, strlen(rss), 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 2);
    if (e.n == 2) {
        CHECK_STR(e.v[0].url, "https://www.yna.co.kr/view/AKR1");
        CHECK_STR(e.v[0].lastmod, "Fri, 07 Apr 2023 10:11:02 +0900");
        CHECK_INT(e.v[0].kind, CRAWL_KIND_PAGE);
        CHECK_STR(e.v[1].url, "https://www.yna.co.kr/view/AKR2");
    }
    crawl_entries_free(&e);
}

static void test_atom(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("atom", atom, strlen(atom), 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 2);
    if (e.n == 2) {
        CHECK_STR(e.v[0].url, "https://blog.example.kr/1");
        CHECK_STR(e.v[0].lastmod, "2024-01-02T03:04:05Z");
        CHECK_STR(e.v[1].url, "/2"); /* resolved by the caller against the feed URL */
    }
    crawl_entries_free(&e);
}

static void test_urlset(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("urlset", urlset, strlen(urlset), 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 3);
    if (e.n == 3) {
        CHECK_STR(e.v[0].url, "https://www.hani.co.kr/arti/1.html");
        CHECK_STR(e.v[0].lastmod, "2024-05-01");
        CHECK_STR(e.v[1].url, "https://www.hani.co.kr/arti/2.html");
        CHECK_STR(e.v[2].url, "https://www.hani.co.kr/arti/3.html");
        CHECK_STR(e.v[2].lastmod, "2024-05-02T09:00:00+09:00");
    }
    crawl_entries_free(&e);
}

static void test_index(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("index", index_xml, strlen(index_xml), 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 2);
    if (e.n == 2) {
        CHECK_INT(e.v[0].kind, CRAWL_KIND_SITEMAP);
        CHECK_STR(e.v[0].url, "https://n.kr/sitemap-1.xml.gz");
        CHECK_STR(e.v[0].lastmod, "2024-05-01T00:00:00Z");
        CHECK_INT(e.v[1].kind, CRAWL_KIND_SITEMAP);
    }
    crawl_entries_free(&e);
}

static char *gz(const char *p, size_t n, size_t *out_n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    char *o = malloc(cap);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

static void test_gzip(void) {
    size_t n;
    char *g = gz(urlset, strlen(urlset), &n);
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    CHECK_INT(crawl_feed_parse("urlset.gz", g, n, 1 << 20, &e, &err), MM_OK);
    CHECK_INT(e.n, 3);
    crawl_entries_free(&e);
    /* truncated gzip: an error, not a hang or a crash */
    mm_err_clear(&err);
    CHECK_INT(crawl_feed_parse("cut.gz", g, n / 2, 1 << 20, &e, &err), MM_EPARSE);
    crawl_entries_free(&e);
    free(g);
    /* a compression bomb stops at the cap */
    size_t big = 64u << 20;
    char *zeros = calloc(1, big);
    g = gz(zeros, big, &n);
    free(zeros);
    mm_err_clear(&err);
    CHECK_INT(crawl_feed_parse("bomb.gz", g, n, 1 << 20, &e, &err), MM_ELIMIT);
    CHECK(strstr(err.msg, "bomb.gz") != NULL);
    crawl_entries_free(&e);
    free(g);
}

static void test_not_a_feed(void) {
    struct crawl_entries e = {0};
    struct mm_err err = {0};
    const char *html = "<html><body>x</body></html>";
    CHECK_INT(crawl_feed_parse("page", html, strlen(html), 1 << 20, &e, &err), MM_EPARSE);
    CHECK(strstr(err.msg, "page") != NULL);
    mm_err_clear(&err);
    CHECK_INT(crawl_feed_parse("empty", "", 0, 1 << 20, &e, &err), MM_EPARSE);
    CHECK_INT(e.n, 0);
    crawl_entries_free(&e);
}

int main(void) {
    RUN(test_rss);
    RUN(test_dc_date);
    RUN(test_feed_dates);
    RUN(test_atom);
    RUN(test_urlset);
    RUN(test_index);
    RUN(test_gzip);
    RUN(test_not_a_feed);
    return test_summary();
}
