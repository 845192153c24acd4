/*
 * fuzz_rawtext.c -- libFuzzer target for parser/rawtext.c: for any page,
 * decoded to UTF-8 as parse_extract decodes it, libxml2 must build the same
 * tree with the script text dropped as without, JavaScript and CSS text
 * aside (tests/parser/tree_diff.h). A difference aborts with the reason.
 */
#include <stdint.h>

#include "../parser/tree_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *html = NULL, cs[32], why[256];
    size_t len = 0, repl = 0;
    if (parse_decode((const char *)data, size, NULL, &html, &len, cs, &repl, NULL) != MM_OK) return 0;
    if (!td_check(html, len, why, sizeof why)) {
        fprintf(stderr, "rawtext: trees differ: %s\n", why);
        abort();
    }
    free(html);
    return 0;
}
