/*
 * test_rawtext.c -- parse_drop_script_text() against libxml2 itself: for
 * every saved page under tests/data (Korean news, Korean Wikipedia, the
 * crawler's pages, legacy encodings) and for hand-made tricky inputs, the
 * tree built after dropping script text must equal the tree built from the
 * page as it is, JavaScript and CSS text aside (tree_diff.h). Extra page
 * paths may be given as arguments (gzip or plain).
 *   test_rawtext [FILE...]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test.h"
#include "tree_diff.h"

static int pages_checked;
static size_t bytes_before, bytes_after;

/* The file as UTF-8, decoded as parse_extract decodes it (NULL if unreadable). */
static char *read_page(const char *path, size_t *len) {
    gzFile g = gzopen(path, "rb");
    if (!g) return NULL;
    struct mm_buf raw;
    mm_buf_init(&raw, 0);
    char tmp[65536];
    int k;
    while ((k = gzread(g, tmp, sizeof tmp)) > 0) mm_buf_append(&raw, tmp, (size_t)k);
    gzclose(g);
    char *html = NULL, cs[32];
    size_t repl = 0;
    if (parse_decode(raw.data ? raw.data : "", raw.len, NULL, &html, len, cs, &repl, NULL) != MM_OK) html = NULL;
    mm_buf_free(&raw);
    return html;
}

static void check_file(const char *path) {
    size_t len = 0;
    char *html = read_page(path, &len);
    CHECK(html != NULL);
    if (!html) return;
    char why[256] = "";
    int ok = td_check(html, len, why, sizeof why);
    if (!ok) fprintf(stderr, "%s: trees differ: %s\n", path, why);
    CHECK(ok);
    char *copy = strdup(html);
    bytes_before += len;
    bytes_after += parse_drop_script_text(copy, len);
    free(copy);
    free(html);
    pages_checked++;
}

static void walk(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) {
            walk(path);
        } else if (strstr(e->d_name, ".html") || strstr(e->d_name, ".htm")) {
            check_file(path);
        }
    }
    closedir(d);
}

static void test_saved_pages(void) {
    walk(MM_SOURCE_DIR "/tests/data");
    CHECK(pages_checked >= 60);
    /* real news pages are mostly script: the scan must find it */
    CHECK(bytes_after < bytes_before * 8 / 10);
    printf("rawtext: %d pages, %zu -> %zu bytes\n", pages_checked, bytes_before, bytes_after);
}

/* Tricky inputs: libxml2 must build the same tree with and without the
 * script text (td_check), and `gone`/`kept` say what the scan must do. */
static void test_tricky(void) {
    static const struct {
        const char *html, *gone, *kept;
    } T[] = {
        {"<p>a < b <script>var gone=1;</script> c</p>", "gone", "a < b"},
        {"<!-- <script> --> <p>kept</p><script>gone()</script>", "gone", "kept"},
        {"<div title=\"<script>\">kept</div><script>gone()</script>", "gone", "kept"},
        {"<div title='a>b'>kept</div><style>p{gone:1}</style>", "gone", "kept"},
        {"<SCRIPT>gone()</ScRiPt ><p>after</p>", "gone", "after"},
        {"<script>document.write(\"<script></scr\" + \"ipt>\"); gone();</script><p>kept</p>", "gone", "kept"},
        {"<script src=x/>gone()</script><p>kept</p>", "gone", "kept"},
        {"<script/><p>kept after a self-closed script</p>", NULL, "kept after"},
        {"<script type=\"application/ld+json\">{\"articleBody\":\"kept\"}</script>", NULL, "kept"},
        {"<script type=module>import gone</script>", "gone", NULL},
        {"<script type=\"text/javascript; charset=utf-8\">gone()</script>", "gone", NULL},
        {"<script type=\"text/x-template\"><p>kept</p></script>", NULL, "kept"},
        {"<script id=\"__NEXT_DATA__\">{\"kept\":1}</script>", NULL, "kept"},
        {"<script>self.__next_f.push([1,\"kept\"])</script>", NULL, "kept"},
        {"<script>Fusion.globalContent={\"kept\":1};</script>", NULL, "kept"},
        {"<p>kept</p><script>gone(); never ends", "gone", "kept"},
        {"<!--> <script>x</script> --> <p>kept</p>", NULL, "kept"},
        {"<!---> <script>x</script> --> <p>kept</p>", NULL, "kept"},
        {"<p>kept</p><!-- a --!> <script>y</script> -->", NULL, "kept"},
        {"<_x a=\"<script>\">kept</_x><script>y</script>", NULL, "kept"},
        {"<script @click=\"a > b\">gone()</script><p>kept</p>", NULL, "kept"},
        {"<a href=\"x\" \"bogus\" <script>z</script><p>kept</p>", NULL, "kept"},
        {"</ script><script>gone()</script><p>kept</p>", "gone", "kept"},
        {"</_<style>kept", NULL, "kept"},
        {"<!<s e=\"><script>kept", NULL, "kept"},
        {"<![if !IE]><script>gone()</script><p>kept</p><![endif]>", "gone", "kept"},
        {"<!DOCTYPE html><script>gone()</script><p>kept</p>", "gone", "kept"},
        {"<?xml version=\"1.0\"?><script>gone()</script><p>kept</p>", "gone", "kept"},
        {"<?<s e=\"><script>kept", NULL, "kept"},
        {"<textarea><script>gone()</script></textarea><p>kept</p>", "gone", "kept"},
        {"<script>a</scriptx>b</script><p>kept</p>", NULL, "kept"},
        {"<p title=\"unterminated><script>x</script><p>kept</p>", NULL, "kept"},
        {"<scripts>kept</scripts><script-x>kept too</script-x>", NULL, "kept too"},
        {"<svg><style>.gone{}</style></svg><p>kept</p>", "gone", "kept"},
        {"<html><head><script></head>kept</script><p>x</p>", NULL, "kept"},
        {"<p><script></p>kept</script>c</p>", NULL, "kept"},
        {"<script></script><p>kept</p><script>gone()</script>", "gone", "kept"},
        {"<script>a</scriptx><!--</script><p>kept</p>-->", NULL, "kept"},
        {"<script>gone()</script foo><p>kept</p>", "gone", "kept"},
        {"<style><body>kept", NULL, "kept"},
        {"<v:style><p>kept</p></v:style><style>.gone{}</style>", "gone", "kept"},
        {"<style><body", NULL, "<body"},
        {"<script><!--\ngone()\n//--></script><p>kept</p>", "gone", "kept"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        char why[256] = "";
        size_t n = strlen(T[i].html);
        int ok = td_check(T[i].html, n, why, sizeof why);
        if (!ok) fprintf(stderr, "case %zu (%s): trees differ: %s\n", i, T[i].html, why);
        CHECK(ok);
        char *s = strdup(T[i].html);
        parse_drop_script_text(s, n);
        if (T[i].gone && strstr(s, T[i].gone)) fprintf(stderr, "case %zu: \"%s\" kept in %s\n", i, T[i].gone, s);
        if (T[i].kept && !strstr(s, T[i].kept)) fprintf(stderr, "case %zu: \"%s\" lost in %s\n", i, T[i].kept, s);
        CHECK(!T[i].gone || !strstr(s, T[i].gone));
        CHECK(!T[i].kept || strstr(s, T[i].kept));
        free(s);
    }
}

static char **extra_files;
static int n_extra;
static void test_extra_files(void) {
    for (int i = 0; i < n_extra; i++) check_file(extra_files[i]);
}

int main(int argc, char **argv) {
    extra_files = argv + 1;
    n_extra = argc - 1;
    if (n_extra) {
        RUN(test_extra_files);
    } else {
        RUN(test_tricky);
        RUN(test_saved_pages);
    }
    return test_summary();
}
