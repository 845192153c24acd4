/*
 * warc.c -- WARC 1.1 output (ISO 28500:2017), the format of web archives and
 * Common Crawl: a `warcinfo` record, then one `response` record per fetched
 * response, each record its own gzip member (so readers can seek to any
 * record). Files are DIR/malmoi-RUN-NNNNN.warc.gz, a new one past 1 GiB.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

#define WARC_FILE_MAX (1ull << 30)

struct crawl_warc {
    char *dir;
    int64_t run_id;
    int seq;
    int fd;
    uint64_t written;
    char info_id[64];
    char path[4096];
};

static void uuid(char out[64]) {
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        int64_t t = mm_now_unix_ms();
        uint64_t a = mm_hash64(&t, sizeof t, (uint64_t)(uintptr_t)out);
        uint64_t b = mm_hash64(&a, sizeof a, (uint64_t)getpid());
        memcpy(r, &a, 8);
        memcpy(r + 8, &b, 8);
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 64, "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* gzip `rec` as one member and append it to the current file. */
static mm_rc put_record(struct crawl_warc *w, const struct mm_buf *rec, struct mm_err *err) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return mm_err_set(err, MM_ENOMEM, "out of memory writing WARC");
    size_t cap = deflateBound(&z, (uLong)rec->len);
    unsigned char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&z);
        return mm_err_set(err, MM_ENOMEM, "out of memory writing WARC");
    }
    z.next_in = (Bytef *)rec->data;
    z.avail_in = (uInt)rec->len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(w->fd, out + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(out);
            return mm_err_set(err, MM_EIO, "%s: cannot write: %s", w->path, strerror(errno));
        }
        off += (size_t)k;
    }
    free(out);
    w->written += n;
    return MM_OK;
}

static mm_rc head(struct mm_buf *b, const char *type, const char *id, const char *uri, const char *info_id,
                  const char *ctype, size_t len) {
    char date[32];
    mm_format_utc(mm_now_unix_ms() / 1000, date);
    mm_rc rc = mm_buf_printf(b, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\nWARC-Date: %s\r\n", type, id, date);
    if (rc == MM_OK && uri)
        rc = mm_buf_printf(b, "WARC-Target-URI: %s\r\n", uri);
    if (rc == MM_OK && info_id)
        rc = mm_buf_printf(b, "WARC-Warcinfo-ID: %s\r\n", info_id);
    if (rc == MM_OK)
        rc = mm_buf_printf(b, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", ctype, len);
    return rc;
}

static mm_rc open_file(struct crawl_warc *w, struct mm_err *err) {
    if (w->fd >= 0)
        close(w->fd);
    w->seq++;
    snprintf(w->path, sizeof w->path, "%s/malmoi-%lld-%05d.warc.gz", w->dir, (long long)w->run_id, w->seq);
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return mm_err_set(err, MM_EIO, "%s: cannot create: %s; does the --warc folder exist?", w->path,
                          strerror(errno));
    w->written = 0;
    uuid(w->info_id);
    char fields[512];
    int n = snprintf(fields, sizeof fields,
                     "software: malmoi/%s\r\nformat: WARC File Format 1.1\r\n"
                     "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
                     "description: malmoi crawl run %lld\r\n",
                     MM_VERSION, (long long)w->run_id);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    const char *name = strrchr(w->path, '/') + 1;
    mm_rc rc = head(&b, "warcinfo", w->info_id, NULL, NULL, "application/warc-fields", (size_t)n);
    if (rc == MM_OK) {
        /* WARC-Filename goes in the header block, before the blank line */
        char fn[300];
        snprintf(fn, sizeof fn, "WARC-Filename: %s\r\n", name);
        char *blank = strstr(b.data, "\r\n\r\n");
        size_t at = (size_t)(blank - b.data) + 2;
        struct mm_buf c;
        mm_buf_init(&c, 0);
        rc = mm_buf_append(&c, b.data, at);
        if (rc == MM_OK)
            rc = mm_buf_puts(&c, fn);
        if (rc == MM_OK)
            rc = mm_buf_append(&c, b.data + at, b.len - at);
        if (rc == MM_OK)
            rc = mm_buf_append(&c, fields, (size_t)n);
        if (rc == MM_OK)
            rc = mm_buf_puts(&c, "\r\n\r\n");
        if (rc == MM_OK)
            rc = put_record(w, &c, err);
        else
            mm_err_set(err, rc, "out of memory writing WARC");
        mm_buf_free(&c);
    }
    mm_buf_free(&b);
    return rc;
}

mm_rc crawl_warc_open(const char *dir, int64_t run_id, struct crawl_warc **out, struct mm_err *err) {
    *out = NULL;
    struct crawl_warc *w = calloc(1, sizeof *w);
    if (w == NULL || (w->dir = strdup(dir)) == NULL) {
        free(w);
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    }
    w->fd = -1;
    w->run_id = run_id;
    mm_rc rc = open_file(w, err);
    if (rc != MM_OK) {
        crawl_warc_close(w);
        return rc;
    }
    *out = w;
    return MM_OK;
}

void crawl_warc_close(struct crawl_warc *w) {
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->dir);
    free(w);
}

mm_rc crawl_warc_response(struct crawl_warc *w, const char *uri, const char *headers, const void *body, size_t n,
                          struct mm_err *err) {
    if (w->written > WARC_FILE_MAX) {
        mm_rc rc = open_file(w, err);
        if (rc != MM_OK)
            return rc;
    }
    /* The HTTP header block as received, less what no longer describes the
     * bytes kept: libcurl removed the chunked framing, so Transfer-Encoding
     * goes and Content-Length is the payload's own length. */
    struct mm_buf http;
    mm_buf_init(&http, 0);
    mm_rc rc = MM_OK;
    const char *p = headers ? headers : "";
    while (*p && rc == MM_OK) {
        size_t len = strcspn(p, "\n");
        const char *line = p;
        p += len + (p[len] == '\n');
        size_t l = len;
        if (l > 0 && line[l - 1] == '\r')
            l--;
        if (l == 0)
            continue; /* the blank line: written below */
        if ((l >= 18 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) ||
            (l >= 15 && strncasecmp(line, "Content-Length:", 15) == 0))
            continue;
        rc = mm_buf_append(&http, line, l);
        if (rc == MM_OK)
            rc = mm_buf_puts(&http, "\r\n");
    }
    if (rc == MM_OK)
        rc = mm_buf_printf(&http, "Content-Length: %zu\r\n\r\n", n);
    struct mm_buf rec;
    mm_buf_init(&rec, 0);
    char id[64];
    uuid(id);
    if (rc == MM_OK)
        rc = head(&rec, "response", id, uri, w->info_id, "application/http;msgtype=response", http.len + n);
    if (rc == MM_OK)
        rc = mm_buf_append(&rec, http.data, http.len);
    if (rc == MM_OK && n)
        rc = mm_buf_append(&rec, body, n);
    if (rc == MM_OK)
        rc = mm_buf_puts(&rec, "\r\n\r\n");
    if (rc == MM_OK)
        rc = put_record(w, &rec, err);
    else
        mm_err_set(err, rc, "out of memory writing WARC");
    mm_buf_free(&http);
    mm_buf_free(&rec);
    return rc;
}
