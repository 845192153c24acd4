/*
 * bench_extract.c -- times parse_extract() over the pages of a manifest
 * (lines "ID<TAB>URL<TAB>PATH<TAB>SET") and writes one JSON line per page
 * (id, set, text) for scoring. Pages are read into memory first, so the
 * time is extraction only (decode + parse + metadata + links + body).
 *   bench_extract MANIFEST OUT.jsonl [CONFIG] [REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

struct page {
    char *id, *url, *set;
    struct mm_buf html;
};

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_extract MANIFEST OUT.jsonl [CONFIG] [REPEAT]\n");
        return 2;
    }
    FILE *mf = fopen(argv[1], "r");
    if (!mf) {
        perror(argv[1]);
        return 1;
    }
    struct mm_err err = {0};
    struct parse_rules *rules = NULL;
    struct mm_conf *conf = NULL;
    if (argc > 3 && argv[3][0]) {
        if (mm_conf_load(argv[3], &conf, &err) != MM_OK || parse_rules_load(conf, &rules, &err) != MM_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    int repeat = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 1;
    if (repeat < 1) repeat = 1;
    struct page *pages = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    char line[8192];
    while (fgets(line, sizeof line, mf)) {
        line[strcspn(line, "\r\n")] = 0;
        char *f[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4 && f[k - 1]; k++) {
            char *tab = strchr(f[k - 1], '\t');
            if (tab) *tab = 0, f[k] = tab + 1;
        }
        char *id = f[0], *url = f[1], *path = f[2], *set = f[3];
        if (!id || !url || !path || !set) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            pages = realloc(pages, cap * sizeof *pages);
            if (!pages) return 1;
        }
        struct page *p = &pages[n];
        p->id = strdup(id);
        p->url = strdup(url);
        p->set = strdup(set);
        mm_buf_init(&p->html, 0);
        if (mm_read_file(path, 0, &p->html, &err) != MM_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        bytes += p->html.len;
        n++;
    }
    fclose(mf);
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    double t0 = mm_now_monotonic();
    for (int rep = 0; rep < repeat; rep++) {
        for (size_t i = 0; i < n; i++) {
            struct parse_result *r = NULL;
            mm_err_clear(&err);
            if (parse_extract(rules, pages[i].url, NULL, pages[i].html.data, pages[i].html.len, &r,
                              &err) != MM_OK) {
                fprintf(stderr, "%s: %s\n", pages[i].id, err.msg);
                continue;
            }
            if (rep == 0) {
                struct mm_buf j;
                mm_buf_init(&j, 0);
                mm_buf_puts(&j, "{\"id\":");
                mm_buf_json_string(&j, pages[i].id, strlen(pages[i].id));
                mm_buf_puts(&j, ",\"set\":");
                mm_buf_json_string(&j, pages[i].set, strlen(pages[i].set));
                mm_buf_printf(&j, ",\"method\":\"%s\",\"text\":", parse_method_name(r->method));
                mm_buf_json_string(&j, r->text, strlen(r->text));
                mm_buf_puts(&j, "}\n");
                fwrite(j.data, 1, j.len, out);
                mm_buf_free(&j);
            }
            parse_result_free(r);
        }
    }
    double dt = mm_now_monotonic() - t0;
    fclose(out);
    printf("malmoi\t%zu pages x %d\t%.3f s\t%.1f pages/s\t%.1f MB/s\n", n, repeat, dt,
           (double)n * repeat / dt, (double)bytes * repeat / dt / 1e6);
    for (size_t i = 0; i < n; i++) {
        free(pages[i].id);
        free(pages[i].url);
        free(pages[i].set);
        mm_buf_free(&pages[i].html);
    }
    free(pages);
    parse_rules_free(rules);
    mm_conf_free(conf);
    return 0;
}
