/*
 * bench_split.c -- throughput of the text stage on one core: the sentence
 * splitter alone (MB/s, sentences/s) and the whole per-document step
 * (normalise, boilerplate, split, filters, hashes, MinHash). Input: one
 * paragraph a line; documents are runs of `--doc-lines` lines. Prints a hash
 * of the sentence boundaries so a fast wrong answer shows.
 *
 * usage: bench_text_split FILE [--repeat N] [--doc-lines N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [--repeat N] [--doc-lines N]\n", argv[0]);
        return 2;
    }
    int repeat = 3, doc_lines = 8;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--doc-lines") == 0)
            doc_lines = atoi(argv[i + 1]);
    }
    struct mm_buf b;
    mm_buf_init(&b, 0);
    struct mm_err err;
    mm_err_clear(&err);
    if (mm_read_file(argv[1], 0, &b, &err) != MM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct text_splitter *sp;
    text_splitter_new(&sp, &err);
    double best = 1e30;
    size_t sentences = 0;
    uint64_t check = 0;
    for (int r = 0; r < repeat; r++) {
        double t0 = mm_now_monotonic();
        size_t ns_total = 0;
        uint64_t h = 0;
        for (size_t pos = 0; pos < b.len;) {
            const char *nl = memchr(b.data + pos, '\n', b.len - pos);
            size_t end = nl ? (size_t)(nl - b.data) : b.len;
            const struct text_span *v;
            size_t ns;
            if (text_split(sp, b.data + pos, end - pos, &v, &ns, &err) != MM_OK) {
                fprintf(stderr, "line at byte %zu: %s\n", pos, err.msg);
                return 1;
            }
            for (size_t i = 0; i < ns; i++)
                h = h * 1000003u + pos + v[i].start + v[i].len;
            ns_total += ns;
            pos = end + 1;
        }
        double t = mm_now_monotonic() - t0;
        if (t < best)
            best = t;
        sentences = ns_total;
        check = h;
    }
    double mb = (double)b.len / 1e6;
    printf("malmoi split\tbytes %zu\tsentences %zu\tseconds %.3f\tMB/s %.1f\tsentences/s %.0f\tcheck %016llx\n", b.len,
           sentences, best, mb / best, (double)sentences / best, (unsigned long long)check);

    /* the whole per-document step */
    struct text_config cfg;
    text_config_default(&cfg);
    struct text_doc d;
    text_doc_init(&d);
    double t0 = mm_now_monotonic();
    size_t docs = 0, kept = 0, sents = 0;
    int64_t keys[14];
    for (size_t pos = 0; pos < b.len;) {
        size_t end = pos;
        for (int k = 0; k < doc_lines && end < b.len; k++) {
            const char *nl = memchr(b.data + end, '\n', b.len - end);
            end = nl ? (size_t)(nl - b.data) + 1 : b.len;
        }
        if (text_doc_process(&d, &cfg, b.data + pos, end - pos, 0, NULL, NULL, &err) != MM_OK) {
            fprintf(stderr, "document at byte %zu: %s\n", pos, err.msg);
            return 1;
        }
        text_minhash_bands(d.text.data ? d.text.data : "", d.text.len, 5, 14, 8, keys);
        docs++;
        kept += d.reject == NULL;
        sents += d.n_sentences;
        pos = end;
    }
    double t = mm_now_monotonic() - t0;
    printf("malmoi document step\tdocuments %zu\tkept %zu\tsentences %zu\tseconds %.3f\tMB/s %.1f\tdocuments/s %.0f\n",
           docs, kept, sents, t, mb / t, (double)docs / t);
    text_doc_free(&d);
    text_splitter_free(sp);
    mm_buf_free(&b);
    return 0;
}
