/*
 * fuzz_warc_read.c -- libFuzzer target for crawler/warc_read.c: any bytes,
 * read as a WARC file (plain or gzip), give records or one error with a
 * message naming the file, never a crash, a read past a buffer or a loop;
 * the HTTP response of every response record is parsed too (chunked and
 * content codings undone under a cap). The input goes through a memfd,
 * since the reader opens a path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crawler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int fd = memfd_create("warc", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct mm_err err;
    mm_err_clear(&err);
    struct crawl_warc_reader *r = NULL;
    if (crawl_warc_reader_open(path, 1u << 20, &r, &err) == MM_OK) {
        struct mm_buf headers, body;
        mm_buf_init(&headers, 0);
        mm_buf_init(&body, 0);
        int more = 1;
        for (int n = 0; more && n < 10000; n++) {
            struct crawl_warc_record rec;
            if (crawl_warc_reader_next(r, &rec, &more, &err) != MM_OK) {
                if (strstr(err.msg, path) == NULL) {
                    fprintf(stderr, "error without the file's name: %s\n", err.msg);
                    abort();
                }
                break;
            }
            if (more && rec.block && strcmp(rec.type, "response") == 0) {
                struct crawl_http_response http;
                struct mm_err herr;
                mm_err_clear(&herr);
                (void)crawl_http_status(rec.block, rec.block_len);
                if (crawl_http_response_parse(rec.block, rec.block_len, 1u << 20, &http, &headers, &body, &herr) ==
                        MM_OK &&
                    body.len > (1u << 20))
                    abort();
            }
        }
        mm_buf_free(&headers);
        mm_buf_free(&body);
        crawl_warc_reader_close(r);
    }
    close(fd);
    return 0;
}
