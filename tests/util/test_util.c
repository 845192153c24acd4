/* test_util.c -- util/: buffers with caps, UTF-8 checks, hashes, errors. */
#include "test.h"
#include "util.h"

static void test_buf_cap(void) {
    struct mm_buf b;
    mm_buf_init(&b, 8);
    CHECK_INT(mm_buf_puts(&b, "12345678"), MM_OK);
    CHECK_INT(mm_buf_putc(&b, '9'), MM_ELIMIT);
    CHECK_INT(b.len, 8);
    CHECK_STR(b.data, "12345678");
    mm_buf_free(&b);
}

static void test_buf_json(void) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    const char s[] = "a\"b\\c\nd\x01한";
    CHECK_INT(mm_buf_json_string(&b, s, sizeof s - 1), MM_OK);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\u0001한\"");
    mm_buf_free(&b);
}

static void test_utf8(void) {
    size_t bad = 0;
    CHECK(mm_utf8_valid("한국어 text", strlen("한국어 text"), NULL));
    CHECK(!mm_utf8_valid("ab\xc0\x80", 4, &bad)); /* overlong NUL */
    CHECK_INT(bad, 2);
    CHECK(!mm_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
    CHECK(!mm_utf8_valid("\xe1\x84", 2, &bad));     /* truncated */
    char out[4];
    uint32_t cp;
    CHECK_INT(mm_utf8_encode(0xD55C, out), 3);
    CHECK_INT(mm_utf8_decode((unsigned char *)out, 3, &cp), 3);
    CHECK_INT(cp, 0xD55C);
}

static void test_sha256(void) {
    char hex[65];
    mm_sha256_hex("abc", 3, hex); /* FIPS 180-2 test vector */
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_hash128(void) {
    char hex[33];
    mm_hash128_hex("", 0, hex); /* xxh128sum of an empty file */
    CHECK_STR(hex, "99aa06d3014798d86001c324468d497f");
    char other[33];
    mm_hash128_hex("abc", 3, other);
    CHECK(strlen(other) == 32 && strcmp(hex, other) != 0);
}

static void test_err_first_wins(void) {
    struct mm_err e;
    mm_err_clear(&e);
    CHECK_INT(mm_err_set(&e, MM_EIO, "first %d\nline", 1), MM_EIO);
    mm_err_set(&e, MM_EDB, "second");
    CHECK_INT(e.code, MM_EIO);
    CHECK_STR(e.msg, "first 1 line");
}

/* The string table behind config sections and site hosts: first value of a
 * key wins, many keys survive growth, and a host finds the first site
 * (smallest index) among itself and its parent domains, as the scan over
 * sites in file order did. */
static void test_strmap(void) {
    struct mm_strmap *m;
    CHECK_INT(mm_strmap_new(&m), MM_OK);
    static char keys[20000][16];
    for (size_t i = 0; i < 20000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%zu.kr", i);
        CHECK_INT(mm_strmap_add(m, keys[i], strlen(keys[i]), i), MM_OK);
    }
    CHECK_INT(mm_strmap_add(m, "k7.kr", 5, 99), MM_OK); /* present: keeps 7 */
    int bad = 0;
    for (size_t i = 0; i < 20000; i++)
        bad += mm_strmap_get(m, keys[i], strlen(keys[i])) != i;
    CHECK_INT(bad, 0);
    CHECK(mm_strmap_get(m, "k7.kr", 4) == SIZE_MAX); /* "k7.k": the length counts */
    CHECK(mm_strmap_get(m, "nothing", 7) == SIZE_MAX);
    mm_strmap_free(m);

    CHECK_INT(mm_strmap_new(&m), MM_OK);
    mm_strmap_add(m, "news.example.kr", 15, 1);
    mm_strmap_add(m, "example.kr", 10, 2);
    mm_strmap_add(m, "other.kr", 8, 0);
    CHECK_INT(mm_strmap_get_domain(m, "www.news.example.kr"), 1);
    CHECK_INT(mm_strmap_get_domain(m, "news.example.kr"), 1);
    CHECK_INT(mm_strmap_get_domain(m, "blog.example.kr"), 2);
    CHECK_INT(mm_strmap_get_domain(m, "a.other.kr"), 0);
    CHECK(mm_strmap_get_domain(m, "notexample.kr") == SIZE_MAX); /* a label boundary, not a suffix */
    CHECK(mm_strmap_get_domain(m, "kr") == SIZE_MAX);
    mm_strmap_free(m);
}

int main(void) {
    RUN(test_strmap);
    RUN(test_buf_cap);
    RUN(test_buf_json);
    RUN(test_utf8);
    RUN(test_sha256);
    RUN(test_hash128);
    RUN(test_err_first_wins);
    return test_summary();
}
