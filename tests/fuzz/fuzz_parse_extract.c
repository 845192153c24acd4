/*
 * fuzz_parse_extract.c -- libFuzzer target for parser/: decoding and the
 * whole extraction (metadata, links, site rules, embedded JSON, generic
 * scorer). The first input byte picks the Content-Type and URL, so charset
 * labels and rule matching are fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

static const char RULES[] =
    "[site a]\nhosts = a.example\nbody_xpath = //div[@class='body']\n"
    "drop_xpath = //figure\ndrop_xpath = //div[@class='body']//div\n"
    "[site b]\nhosts = b.example\nembedded = yes\nbody_xpath = //article\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const CT[] = {NULL, "text/html; charset=euc-kr", "text/html; charset=utf-8",
                                     "text/html; charset=iso-2022-kr", "text/html; charset=johab",
                                     "text/html; charset=\"x-unknown\"", "text/html; charset=gb2312",
                                     "text/html"};
    static const char *const URL[] = {NULL, "https://a.example/n/1", "https://b.example/x?y#z",
                                      "http://c.example/"};
    if (size == 0) return 0;
    const char *ct = CT[data[0] & 7];
    const char *url = URL[(data[0] >> 3) & 3];
    const char *bytes = (const char *)data + 1;
    size_t n = size - 1;

    char *out = NULL, cs[32];
    size_t on = 0, repl = 0;
    if (parse_decode(bytes, n, ct, &out, &on, cs, &repl, NULL) == MM_OK) {
        if (!mm_utf8_valid(out, on, NULL)) abort(); /* the output is always UTF-8 */
        free(out);
    }
    struct parse_rules *rules = NULL;
    if (parse_rules_parse("fuzz.ini", RULES, &rules, NULL) != MM_OK) abort();
    struct parse_result *r = NULL;
    struct mm_err err = {0};
    if (parse_extract(rules, url, ct, bytes, n, &r, &err) == MM_OK) {
        if (!mm_utf8_valid(r->text, strlen(r->text), NULL)) abort();
        if (!mm_utf8_valid(r->title, strlen(r->title), NULL)) abort();
        parse_result_free(r);
    }
    parse_rules_free(rules);
    char iso[32];
    parse_date_iso(out ? "" : bytes, iso);
    return 0;
}
