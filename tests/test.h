/*
 * test.h -- a tiny unit-test harness for ctest: each test executable runs
 * its cases, prints one line per failure and a closing "N passed, N failed"
 * line, and exits non-zero when anything failed.
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(test_something); return test_summary(); }
 */
#ifndef MALMOI_TEST_H
#define MALMOI_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_checks;
static int test_cases_passed, test_cases_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failed_checks++;                                                \
        }                                                                        \
    } while (0)

#define CHECK_INT(a, b)                                                          \
    do {                                                                         \
        long long va_ = (long long)(a), vb_ = (long long)(b);                    \
        if (va_ != vb_) {                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, va_, vb_); \
            test_failed_checks++;                                                \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *sa_ = (a), *sb_ = (b);                                       \
        if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {               \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                 \
            test_failed_checks++;                                                \
        }                                                                        \
    } while (0)

#define RUN(fn)                                                                  \
    do {                                                                         \
        int before_ = test_failed_checks;                                        \
        fn();                                                                    \
        if (test_failed_checks == before_) {                                     \
            test_cases_passed++;                                                 \
        } else {                                                                 \
            test_cases_failed++;                                                 \
            fprintf(stderr, "FAIL %s\n", #fn);                                   \
        }                                                                        \
    } while (0)

static inline int test_summary(void) {
    printf("%d passed, %d failed\n", test_cases_passed, test_cases_failed);
    return test_cases_failed ? 1 : 0;
}

/* Directory of test data: the MALMOI_TEST_DATA environment variable, set by
 * ctest to tests/data. */
static inline const char *test_data_dir(void) {
    const char *d = getenv("MALMOI_TEST_DATA");
    return d ? d : "tests/data";
}

#endif
