/*
 * test_parser.c -- unit tests of parser/: decoding against Python's codecs
 * (reference UTF-8 files made by tests/data/parser/make_fixtures.py), dates
 * against hand-written expectations, site rules, embedded JSON, links, and
 * bad input (empty, binary, deep nesting, huge pages, broken JSON-LD).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parser.h"
#include "test.h"

static char *slurp(const char *rel, size_t *n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/parser/%s", test_data_dir(), rel);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    struct mm_err err = {0};
    if (mm_read_file(path, 0, &b, &err) != MM_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
        *n = 0;
        return NULL;
    }
    *n = b.len;
    return mm_buf_steal(&b);
}

static char *gunzip_file(const char *rel, size_t *n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/parser/%s", test_data_dir(), rel);
    gzFile g = gzopen(path, "rb");
    struct mm_buf b;
    mm_buf_init(&b, 0);
    char tmp[65536];
    int k;
    while (g && (k = gzread(g, tmp, sizeof tmp)) > 0) mm_buf_append(&b, tmp, (size_t)k);
    if (g) gzclose(g);
    *n = b.len;
    return mm_buf_steal(&b);
}

/* Decode a fixture and compare with the reference decoding byte for byte. */
static void check_decode(const char *name, const char *ct, const char *want_cs) {
    char rel[256], ref[256];
    snprintf(rel, sizeof rel, "encodings/%s", name);
    snprintf(ref, sizeof ref, "encodings/%s.utf8", name);
    size_t n, rn;
    char *in = slurp(rel, &n), *want = slurp(ref, &rn);
    char *out = NULL, cs[32] = "";
    size_t on = 0, repl = 99;
    struct mm_err err = {0};
    CHECK(in && want);
    if (!in || !want) goto done;
    CHECK_INT(parse_decode(in, n, ct, &out, &on, cs, &repl, &err), MM_OK);
    CHECK_STR(cs, want_cs);
    CHECK_INT(repl, 0);
    CHECK_INT(on, rn);
    if (out && on == rn && memcmp(out, want, rn) != 0) {
        fprintf(stderr, "%s: decoded text differs from the reference\n", name);
        CHECK(0);
    }
done:
    free(in);
    free(want);
    free(out);
}

static void test_decode_legacy(void) {
    check_decode("euckr-meta.html", NULL, "CP949");
    check_decode("euckr-nolabel.html", NULL, "CP949");          /* no label: sniffed */
    check_decode("euckr-feed.xml", NULL, "CP949");              /* <?xml encoding="EUC-KR"?> */
    check_decode("cp949-labelled-euckr.xml", NULL, "CP949");    /* UHC-only syllables */
    check_decode("apache-bind-euckr.html", NULL, "CP949");      /* http-equiv */
    check_decode("iso2022kr.txt", NULL, "ISO-2022-KR");          /* sniffed from ESC $ ) C */
    check_decode("johab.txt", "text/plain; charset=johab", "JOHAB");
}

static void test_decode_rules(void) {
    struct mm_err err = {0};
    char *out = NULL, cs[32];
    size_t n, repl;
    /* BOM beats the header */
    CHECK_INT(parse_decode("\xEF\xBB\xBF\xEA\xB0\x80", 6, "text/html; charset=euc-kr", &out, &n, cs,
                           &repl, &err), MM_OK);
    CHECK_STR(out, "\xEA\xB0\x80");
    CHECK_STR(cs, "UTF-8");
    free(out);
    /* header beats <meta>: "가" in EUC-KR is B0 A1 */
    const char *page = "<meta charset=\"iso-8859-1\"><p>\xB0\xA1</p>";
    CHECK_INT(parse_decode(page, strlen(page), "text/html; charset=\"EUC-KR\"", &out, &n, cs, &repl,
                           &err), MM_OK);
    CHECK(strstr(out, "\xEA\xB0\x80") != NULL);
    CHECK_STR(cs, "CP949");
    free(out);
    /* <meta http-equiv> when the header has no charset */
    const char *page2 = "<META http-equiv=Content-Type content='text/html; charset=ks_c_5601-1987'>\xB0\xA1";
    CHECK_INT(parse_decode(page2, strlen(page2), "text/html", &out, &n, cs, &repl, &err), MM_OK);
    CHECK_STR(cs, "CP949");
    CHECK(strstr(out, "\xEA\xB0\x80") != NULL);
    free(out);
    /* a truncated multibyte sequence at the end becomes one U+FFFD */
    CHECK_INT(parse_decode("\xEA\xB0\x80" "ab\xEA\xB0", 7, NULL, &out, &n, cs, &repl, &err), MM_OK);
    CHECK_INT(repl, 1);
    CHECK_STR(out, "\xEA\xB0\x80" "ab\xEF\xBF\xBD");
    CHECK_STR(cs, "UTF-8");
    CHECK(mm_utf8_valid(out, n, NULL));
    free(out);
    CHECK_INT(parse_decode("\xB0\xA1\xB0", 3, "text/html;charset=euc-kr", &out, &n, cs, &repl, &err),
              MM_OK);
    CHECK_STR(out, "\xEA\xB0\x80\xEF\xBF\xBD");
    CHECK_INT(repl, 1);
    free(out);
    /* an unknown label falls back to sniffing */
    CHECK_INT(parse_decode("\xEA\xB0\x80", 3, "text/html; charset=x-bogus-42", &out, &n, cs, &repl,
                           &err), MM_OK);
    CHECK_STR(out, "\xEA\xB0\x80");
    free(out);
}

/* A page labelled gb2312 whose bytes are UTF-8 (fundus cn fixture). */
static void test_decode_wrong_label(void) {
    size_t n;
    char *in = gunzip_file("encodings/gb2312-labelled-utf8.html.gz", &n);
    CHECK(in && strcasestr(in, "charset=gb2312"));
    struct parse_result *r = NULL;
    struct mm_err err = {0};
    CHECK_INT(parse_extract(NULL, "http://paper.people.com.cn/x", NULL, in, n, &r, &err), MM_OK);
    if (r) {
        CHECK_STR(r->charset, "UTF-8");
        CHECK_INT(r->replacement_chars, 0);
        CHECK(strlen(r->text) > 300);
        /* libxml2 must not re-decode by the stale <meta>: fundus truth text */
        CHECK(strstr(r->text, "新华社北京4月24日电") != NULL);
    }
    parse_result_free(r);
    free(in);
}

static void test_dates(void) {
    static const struct {
        const char *in, *want;
    } T[] = {
        {"입력 2023.04.12. 오후 3:05", "2023-04-12T15:05:00+09:00"},
        {"입력 2023.04.12. 오전 12:30", "2023-04-12T00:30:00+09:00"},
        {"2023-04-12 15:05", "2023-04-12T15:05:00+09:00"},
        {"기사입력 : 2023-04-12 15:05:31", "2023-04-12T15:05:31+09:00"},
        {"2023년 4월 12일 15시 5분", "2023-04-12T15:05:00+09:00"},
        {"2023년 04월 12일(수) 오후 3:05", "2023-04-12T15:05:00+09:00"},
        {"2023-04-07T10:11:02.613Z", "2023-04-07T10:11:02+00:00"},
        {"2025-06-04T02:37:08+09:00", "2025-06-04T02:37:08+09:00"},
        {"2019-11-18T12:00:00-0500", "2019-11-18T12:00:00-05:00"},
        {"20230412150500", "2023-04-12T15:05:00+09:00"},
        {"Wed, 12 Apr 2023 15:05:00 +0900", "2023-04-12T15:05:00+09:00"},
        {"2023.04.21", "2023-04-21"},
        {"등록 2023.04.05 06:57", "2023-04-05T06:57:00+09:00"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        char out[32] = "";
        CHECK(parse_date_iso(T[i].in, out));
        CHECK_STR(out, T[i].want);
    }
    char out[32];
    CHECK(!parse_date_iso("no date here 12:30", out));
    CHECK(!parse_date_iso("2023-13-45", out));
    CHECK(!parse_date_iso("", out));
}

static struct parse_result *run(const struct parse_rules *rules, const char *url, const char *html) {
    struct parse_result *r = NULL;
    struct mm_err err = {0};
    mm_rc rc = parse_extract(rules, url, NULL, html, strlen(html), &r, &err);
    if (rc != MM_OK) fprintf(stderr, "parse_extract: %s\n", err.msg);
    CHECK_INT(rc, MM_OK);
    return r;
}

static const char ARTICLE[] =
    "<html lang='ko-KR'><head><title>테스트 기사 제목 | 가상일보</title>"
    "<meta property='og:site_name' content='가상일보'>"
    "<meta property='article:published_time' content='2023-04-12T15:05:00+09:00'>"
    "<link rel='canonical' href='https://news.example.kr/a/1'>"
    "<link rel='alternate' type='application/rss+xml' href='/rss.xml'></head><body>"
    "<nav><a href='/'>홈</a> <a href='/politics'>정치</a></nav>"
    "<div id='main'><div class='info'><span>입력 2023.04.12. 오후 3:05</span> "
    "<span>수정 2023.04.12. 오후 4:10</span></div><div class='article_body'>"
    "<p>첫째 문단은 기사의 본문으로, 충분히 긴 문장이 여러 개 들어 있어 추출기가 본문으로 고를 수 있다.</p>"
    "<figure><img src='a.jpg'><figcaption>사진 설명은 본문이 아니다</figcaption></figure>"
    "<p>둘째 문단에도 본문이 계속되며, 쉼표와 마침표가 있는 평범한 기사 문장이 이어진다.</p>"
    "<p>셋째 문단은 마지막 본문 문단이다. 홍길동 기자가 정리했다.</p>"
    "<p>홍길동 기자 hong@example.kr</p>"
    "<p>ⓒ 가상일보, 무단전재 및 재배포 금지</p>"
    "</div><ul class='related'><li><a href='/b'>관련 기사 하나</a></li><li><a href='/c'>관련 기사 둘</a></li></ul>"
    "</div><footer>회사 소개 | 개인정보처리방침</footer>"
    "<a href='https://other.example.com/x#frag' rel='nofollow'>외부</a>"
    "<a href='javascript:void(0)'>x</a></body></html>";

static void test_generic_and_meta(void) {
    struct parse_result *r = run(NULL, "https://news.example.kr/a/1?x=1", ARTICLE);
    if (!r) return;
    CHECK_STR(parse_method_name(r->method), "generic");
    CHECK(strstr(r->text, "첫째 문단은") == r->text);
    CHECK(strstr(r->text, "셋째 문단은 마지막 본문 문단이다.") != NULL);
    CHECK(strstr(r->text, "사진 설명") == NULL);
    CHECK(strstr(r->text, "hong@example.kr") == NULL);
    CHECK(strstr(r->text, "무단전재") == NULL);
    CHECK(strstr(r->text, "관련 기사") == NULL);
    CHECK(strstr(r->text, "회사 소개") == NULL);
    CHECK_STR(r->title, "테스트 기사 제목");
    CHECK_STR(r->site, "가상일보");
    CHECK_STR(r->lang, "ko");
    CHECK_STR(r->published, "2023-04-12T15:05:00+09:00");
    CHECK_STR(r->modified, "2023-04-12T16:10:00+09:00"); /* from the visible 수정 label */
    CHECK(strstr(r->text, "수정") == NULL);
    CHECK_STR(r->canonical_url, "https://news.example.kr/a/1");
    CHECK_INT(r->n_authors, 1);
    if (r->n_authors) CHECK_STR(r->authors[0], "홍길동");
    int feed = 0, nofollow = 0, js = 0;
    for (size_t i = 0; i < r->n_links; i++) {
        if (r->links[i].kind == PARSE_LINK_FEED && !strcmp(r->links[i].url, "https://news.example.kr/rss.xml")) feed = 1;
        if (!strcmp(r->links[i].url, "https://other.example.com/x") && r->links[i].nofollow) nofollow = 1;
        if (strstr(r->links[i].url, "javascript")) js = 1;
    }
    CHECK(feed && nofollow && !js);
    parse_result_free(r);
}

static void test_base_href(void) {
    struct parse_result *r = run(NULL, "https://a.example/dir/page.html",
                                 "<html><head><base href='https://cdn.example/root/'></head><body>"
                                 "<a href='x/y.html'>1</a><a href='../z'>2</a><a href='x/y.html'>dup</a>"
                                 "</body></html>");
    if (!r) return;
    CHECK_INT(r->n_links, 2);
    if (r->n_links == 2) {
        CHECK_STR(r->links[0].url, "https://cdn.example/root/x/y.html");
        CHECK_STR(r->links[1].url, "https://cdn.example/z");
    }
    parse_result_free(r);
}

/* Escapes reach the crawler as written: "%00" is never decoded into the C
 * string (it cut "/secret%00.html" to "/secret"), nor "%2F" into '/'. */
static void test_link_escapes(void) {
    struct parse_result *r = run(NULL, "https://a.example/d%00x/page.html",
                                 "<html><body><a href='/secret%00.html'>1</a><a href='a%00b'>2</a>"
                                 "<a href='/p%2Fq?x=%00&amp;y=%25'>3</a><a href='/100%'>4</a>"
                                 "<a href='/%ED%95%9C'>5</a></body></html>");
    if (!r) return;
    CHECK_INT(r->n_links, 5);
    if (r->n_links == 5) {
        CHECK_STR(r->links[0].url, "https://a.example/secret%00.html");
        CHECK_STR(r->links[1].url, "https://a.example/d%00x/a%00b");
        CHECK_STR(r->links[2].url, "https://a.example/p%2Fq?x=%00&y=%25");
        CHECK_STR(r->links[3].url, "https://a.example/100%");
        CHECK_STR(r->links[4].url, "https://a.example/%ED%95%9C");
    }
    parse_result_free(r);
}

static const char RULES[] =
    "[site test]\n"
    "hosts = news.example.kr\n"
    "body_xpath = //div[@class='article_body']\n"
    "drop_xpath = //p[contains(., '둘째')]\n"
    "title_suffix = | 가상일보\n"
    "[site gone]\n"
    "hosts = gone.example.kr\n"
    "body_xpath = //div[@id='no-such-container']\n"
    "[site crawlonly]\n"
    "hosts = crawl.example.kr\n"
    "drop_xpath = //p[contains(., '셋째')]\n";

static void test_rules(void) {
    struct parse_rules *rules = NULL;
    struct mm_err err = {0};
    CHECK_INT(parse_rules_parse("rules.ini", RULES, &rules, &err), MM_OK);
    CHECK_INT(parse_rules_count(rules), 3);
    struct parse_result *r = run(rules, "https://m.news.example.kr/a/1", ARTICLE);
    if (r) {
        CHECK_STR(parse_method_name(r->method), "rule");
        CHECK_STR(r->rule, "test");
        CHECK(!r->rule_fallback);
        CHECK(strstr(r->text, "첫째 문단은") == r->text);
        CHECK(strstr(r->text, "둘째") == NULL); /* dropped by drop_xpath */
        CHECK(strstr(r->text, "사진 설명") == NULL);
    }
    parse_result_free(r);
    /* a rule that finds nothing falls back to the generic extractor, counted */
    r = run(rules, "https://gone.example.kr/a/1", ARTICLE);
    if (r) {
        CHECK_STR(parse_method_name(r->method), "generic");
        CHECK_STR(r->rule, "gone");
        CHECK(r->rule_fallback);
        CHECK(strstr(r->text, "첫째 문단은") != NULL);
    }
    parse_result_free(r);
    /* a site section without body_xpath: drops apply, no fallback counted */
    r = run(rules, "https://crawl.example.kr/a/1", ARTICLE);
    if (r) {
        CHECK_STR(parse_method_name(r->method), "generic");
        CHECK(!r->rule_fallback);
        CHECK(strstr(r->text, "셋째") == NULL);
    }
    parse_result_free(r);
    /* the host must match on a label boundary */
    r = run(rules, "https://evilnews.example.kr.attacker.test/a", ARTICLE);
    if (r) CHECK_STR(r->rule, "");
    parse_result_free(r);
    parse_rules_free(rules);
    /* a broken XPath names file and line */
    rules = NULL;
    mm_err_clear(&err);
    CHECK_INT(parse_rules_parse("bad.ini", "[site x]\nhosts = x.kr\n\nbody_xpath = //div[\n", &rules, &err),
              MM_EINVAL);
    CHECK(strstr(err.msg, "bad.ini:4") != NULL);
    CHECK(rules == NULL);
    parse_rules_free(NULL);
}

static void test_embedded(void) {
    /* JSON-LD with raw newlines in strings (invalid JSON, common in Korea) */
    struct parse_result *r = run(NULL, NULL,
        "<html><head><script type='application/ld+json'>{\"@context\":\"https://schema.org\","
        "\"@type\":\"NewsArticle\",\"headline\":\"제이슨 제목\",\"datePublished\":\"2023-04-12 15:05\","
        "\"author\":[{\"@type\":\"Person\",\"name\":\"김기자 기자\"}],"
        "\"articleBody\":\"자바스크립트로 그리는 페이지의 본문은 JSON-LD 안에만 있다. 이 문장은 충분히 길어서\n"
        "임베디드 본문으로 쓰일 수 있다. 두 번째 문장도 본문의 일부로 남아야 하며 길이를 채운다. "
        "세 번째 문장까지 더해 이백 바이트를 넘긴다.\"}</script></head><body><div id='app'></div></body></html>");
    if (r) {
        CHECK_STR(parse_method_name(r->method), "embedded");
        CHECK_STR(r->embedded_kind, "json-ld");
        CHECK(strstr(r->text, "자바스크립트로 그리는") != NULL);
        CHECK_STR(r->title, "제이슨 제목");
        CHECK_STR(r->published, "2023-04-12T15:05:00+09:00");
        CHECK_INT(r->n_authors, 1);
        if (r->n_authors) CHECK_STR(r->authors[0], "김기자");
    }
    parse_result_free(r);
    /* __NEXT_DATA__ */
    r = run(NULL, NULL,
        "<html><body><div id='__next'></div><script id='__NEXT_DATA__' type='application/json'>"
        "{\"props\":{\"pageProps\":{\"article\":{\"title\":\"t\",\"content\":\"<p>넥스트 페이지의 본문 "
        "첫 문단이다. 본문은 HTML 조각으로 들어 있고 태그를 벗겨 내야 한다.</p><p>둘째 문단도 "
        "있으며 충분한 길이를 갖도록 문장을 조금 더 길게 써 둔다. 끝.</p>\"}}}}</script></body></html>");
    if (r) {
        CHECK_STR(r->embedded_kind, "next-data");
        CHECK(strstr(r->text, "넥스트 페이지의 본문 첫 문단이다.") == r->text);
        CHECK(strstr(r->text, "\n둘째 문단도") != NULL);
        CHECK(strstr(r->text, "<p>") == NULL);
    }
    parse_result_free(r);
    /* no date in the page: the URL's date, date only; no lang: from the text */
    r = run(NULL, "https://www.example.kr/news/2023/04/07/ABC/",
            "<p>본문은 한국어로 쓰였고 lang 속성이 없어도 한국어로 알아본다. Latin words too.</p>");
    if (r) CHECK_STR(r->published, "2023-04-07");
    if (r) CHECK_STR(r->lang, "ko");
    parse_result_free(r);
    r = run(NULL, "https://www.example.kr/news/A2026012914320005196", "<p>본문</p>");
    if (r) CHECK_STR(r->published, "");
    parse_result_free(r);
    /* Arc/Fusion: text elements kept, lone related links and their lead-in dropped */
    r = run(NULL, NULL,
        "<html><body><div id='fusion-app'></div><script>window.Fusion=window.Fusion||{};"
        "Fusion.globalContent={\"content_elements\":[{\"type\":\"text\",\"content\":\"퓨전 본문의 "
        "첫 문단은 <b>굵은 글씨</b>를 품고 있고, 충분히 길어서 본문으로 뽑힌다.\"},{\"type\":\"image\","
        "\"caption\":\"사진 설명\"},{\"type\":\"header\",\"content\":\"소제목\"},{\"type\":\"text\","
        "\"content\":\"둘째 문단도 본문이다. 이 문장은 길이를 채우려고 조금 더 길게 썼다.\"},"
        "{\"type\":\"text\",\"content\":\"함께 볼 기사\"},{\"type\":\"text\",\"content\":"
        "\"<a href=\\\"/x\\\">다른 기사 제목</a>\"}]};Fusion.spa=true;</script></body></html>");
    if (r) {
        CHECK_STR(r->embedded_kind, "fusion");
        CHECK_STR(r->text, "퓨전 본문의 첫 문단은 굵은 글씨를 품고 있고, 충분히 길어서 본문으로 뽑힌다.\n"
                           "소제목\n둘째 문단도 본문이다. 이 문장은 길이를 채우려고 조금 더 길게 썼다.");
    }
    parse_result_free(r);
    /* broken JSON-LD is ignored, not fatal */
    r = run(NULL, NULL, "<html><head><script type='application/ld+json'>{\"@type\":\"NewsArticle\","
                        "\"headline\":</script><title>제목</title></head><body><p>짧은 본문</p></body></html>");
    if (r) CHECK_STR(r->title, "제목");
    parse_result_free(r);
}

/* MediaWiki markup (hand-written in the shape MediaWiki 1.39 renders). */
/* JTBC (2026): a JS-rendered page whose body is only JSON-LD, in a script
 * named by id with no type; a rule XPath that still compiles must not turn
 * the page into a rule fallback. Also the site metadata XPaths. */
static void test_ld_by_id_and_site_meta(void) {
    struct parse_rules *rules = NULL;
    struct mm_err err = {0};
    CHECK_INT(parse_rules_parse("ld.ini",
                                "[site tv]\nhosts = tv.example.kr\nembedded = yes\n"
                                "body_xpath = //div[@id='ijam_content']\n"
                                "published_xpath = //span[@class='d']/@data-date-time\n"
                                "author_xpath = //em[@class='who']\n"
                                "title_xpath = normalize-space(//h3[@class='t'])\n",
                                &rules, &err),
              MM_OK);
    static const char page[] =
        "<html><head><title>메타 제목</title><meta name='author' content='가상방송 | 포털'>"
        "<script id='article-structured-data'>{\"@type\":\"NewsArticle\",\"headline\":\"h\","
        "\"articleBody\":\"첫 문단은 자바스크립트로만 그려지는 기사의 본문이며 구조화 데이터에만 들어 있다. "
        "문장을 길게 이어서 이백 바이트를 넘긴다.\\n둘째 문단도 같은 스크립트 안에 있다. 줄바꿈이 문단을 나눈다.\"}"
        "</script></head><body><h3 class='t'>  화면의   제목 </h3><span class='d' data-date-time='2023-09-07 12:22:02'>"
        "2023.09.07.</span><em class='who'>김하늘 기자</em><div id='app'></div></body></html>";
    struct parse_result *r = run(rules, "https://tv.example.kr/article/1", page);
    if (r) {
        CHECK_STR(parse_method_name(r->method), "embedded");
        CHECK_STR(r->embedded_kind, "json-ld");
        CHECK(!r->rule_fallback);
        CHECK(strncmp(r->text, "첫 문단은", strlen("첫 문단은")) == 0);
        CHECK(strstr(r->text, "\n둘째 문단도") != NULL);
        CHECK_STR(r->title, "화면의 제목");
        CHECK_STR(r->published, "2023-09-07T12:22:02+09:00");
        CHECK_INT(r->n_authors, 1);
        if (r->n_authors == 1) CHECK_STR(r->authors[0], "김하늘");
    }
    parse_result_free(r);
    parse_rules_free(rules);
}

static void test_kowiki_rule(void) {
    size_t n;
    /* the real site rule from the project config */
    struct mm_conf *conf = NULL;
    struct mm_err cerr = {0};
    CHECK_INT(mm_conf_load(MM_SOURCE_DIR "/config/malmoi.ini", &conf, &cerr), MM_OK);
    char *ini = NULL;
    char *page = slurp("kowiki/page.html", &n);
    char *want = slurp("kowiki/page.expected.txt", &n);
    struct parse_rules *rules = NULL;
    struct mm_err err = {0};
    CHECK(conf && page && want);
    if (!conf || !page || !want) goto done;
    CHECK_INT(parse_rules_load(conf, &rules, &err), MM_OK);
    struct parse_result *r = run(rules, "https://ko.wikipedia.org/wiki/%EB%A7%90%EB%AA%A8%EC%9D%B4", page);
    if (r) {
        CHECK_STR(parse_method_name(r->method), "rule");
        while (n && want[n - 1] == '\n') want[--n] = 0;
        CHECK_STR(r->text, want);
        CHECK_STR(r->title, "말모이");
    }
    parse_result_free(r);
done:
    parse_rules_free(rules);
    mm_conf_free(conf);
    free(ini);
    free(page);
    free(want);
}

static void test_bad_input(void) {
    struct parse_result *r = NULL;
    struct mm_err err = {0};
    /* empty */
    CHECK_INT(parse_extract(NULL, NULL, NULL, "", 0, &r, &err), MM_OK);
    if (r) CHECK_STR(r->text, "");
    parse_result_free(r);
    /* binary labelled text/html */
    char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (char)((i * 7919u) >> 3);
    r = NULL;
    CHECK_INT(parse_extract(NULL, NULL, "text/html", bin, sizeof bin, &r, &err), MM_OK);
    if (r) CHECK_STR(parse_method_name(r->method), "none");
    parse_result_free(r);
    /* 100,000 nested tags */
    struct mm_buf b;
    mm_buf_init(&b, 0);
    for (int i = 0; i < 100000; i++) mm_buf_puts(&b, "<div>");
    mm_buf_puts(&b, "깊은 곳의 글");
    r = NULL;
    CHECK_INT(parse_extract(NULL, NULL, NULL, b.data, b.len, &r, &err), MM_OK);
    parse_result_free(r);
    mm_buf_reset(&b);
    /* a 50 MB page */
    while (b.len < (50u << 20))
        mm_buf_puts(&b, "<p>아주 큰 페이지의 문단이다, 같은 문장이 계속 되풀이된다.</p><div><a href='/x'>링크</a></div>\n");
    r = NULL;
    CHECK_INT(parse_extract(NULL, "https://big.example/", NULL, b.data, b.len, &r, &err), MM_OK);
    if (!r) fprintf(stderr, "50 MB page: %s\n", err.msg);
    if (r) CHECK(strlen(r->text) <= PARSE_MAX_TEXT);
    parse_result_free(r);
    /* over the input limit: a clear error */
    r = NULL;
    mm_err_clear(&err);
    CHECK_INT(parse_extract(NULL, "https://big.example/", NULL, b.data, (size_t)PARSE_MAX_INPUT + 1, &r, &err),
              MM_ELIMIT);
    CHECK(r == NULL && strstr(err.msg, "big.example") != NULL);
    mm_buf_free(&b);
    /* NUL bytes and a truncated sequence inside a page */
    static const char nul[] = "<p>앞\0뒤 \xEA\xB0</p>";
    r = NULL;
    CHECK_INT(parse_extract(NULL, NULL, NULL, nul, sizeof nul - 1, &r, &err), MM_OK);
    if (r) CHECK(mm_utf8_valid(r->text, strlen(r->text), NULL));
    parse_result_free(r);
}

int main(void) {
    RUN(test_decode_legacy);
    RUN(test_decode_rules);
    RUN(test_decode_wrong_label);
    RUN(test_dates);
    RUN(test_link_escapes);
    RUN(test_generic_and_meta);
    RUN(test_base_href);
    RUN(test_rules);
    RUN(test_embedded);
    RUN(test_ld_by_id_and_site_meta);
    RUN(test_kowiki_rule);
    RUN(test_bad_input);
    return test_summary();
}
