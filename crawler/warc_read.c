/*
 * warc_read.c -- reading WARC 1.0/1.1 files (ISO 28500) as Common Crawl and
 * `malmoi crawl --warc` write them: plain, one gzip member per record, or a
 * whole-file gzip; every record type, in any order. Records are read one at
 * a time through a window that holds at most one record (up to the caller's
 * cap), so memory does not grow with the file.
 *
 * Also here: the HTTP response inside a `response` record (status, header
 * block, and the payload with its transfer and content codings undone).
 */
#include "crawler.h"
#include "crawler_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define WARC_HEAD_MAX (64u << 10)  /* a record's header block */
#define WARC_WINDOW_MIN (1u << 20) /* the window's first size */
#define WARC_READ_CHUNK (1u << 16)
#define WARC_MEMBERS 256           /* gzip member starts remembered for offsets */

struct crawl_warc_reader {
    char *path;
    int fd;
    size_t max_block;
    int gz;             /* the file is gzip (one member per record, or one for the file) */
    /* compressed side */
    unsigned char in[WARC_READ_CHUNK];
    uint64_t in_total;  /* bytes read from the file */
    int in_eof;
    z_stream z;
    int z_init, member_open;
    uint64_t member_coff; /* file offset of the member being inflated */
    /* uncompressed window: win[beg..end) not yet consumed; win[0] is at
     * uncompressed offset win_base */
    unsigned char *win;
    size_t cap, beg, end;
    uint64_t win_base;
    /* where gzip members start: uncompressed offset -> file offset */
    struct {
        uint64_t uoff, coff;
    } members[WARC_MEMBERS];
    size_t n_members;
    /* the current record's header fields */
    char type[32], date[40], content_type[256], payload_type[256], record_id[128];
    struct mm_buf uri;
};

static uint64_t comp_pos(const struct crawl_warc_reader *r) {
    return r->in_total - r->z.avail_in;
}

mm_rc crawl_warc_reader_open(const char *path, size_t max_block, struct crawl_warc_reader **out, struct mm_err *err) {
    *out = NULL;
    struct crawl_warc_reader *r = calloc(1, sizeof *r);
    if (r == NULL || (r->path = strdup(path)) == NULL) {
        free(r);
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    }
    mm_buf_init(&r->uri, 1u << 16);
    r->max_block = max_block;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        mm_rc rc = mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s: cannot open: %s", path,
                              strerror(errno));
        crawl_warc_reader_close(r);
        return rc;
    }
    unsigned char magic[2];
    ssize_t n = pread(r->fd, magic, 2, 0);
    r->gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (r->gz) {
        if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK) {
            crawl_warc_reader_close(r);
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        }
        r->z_init = 1;
    }
    *out = r;
    return MM_OK;
}

void crawl_warc_reader_close(struct crawl_warc_reader *r) {
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->z_init)
        inflateEnd(&r->z);
    mm_buf_free(&r->uri);
    free(r->win);
    free(r->path);
    free(r);
}

/* read(2) of the file, again after a signal; -1 on an error, named with
 * the file offset `at`. */
static ssize_t read_file(struct crawl_warc_reader *r, void *p, size_t n, uint64_t at, struct mm_err *err) {
    ssize_t got;
    do
        got = read(r->fd, p, n);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        mm_err_set(err, MM_EIO, "%s: read failed at byte %llu: %s", r->path, (unsigned long long)at, strerror(errno));
    return got;
}

/* Read more compressed bytes when the input is used up. -1 on a read error. */
static int read_in(struct crawl_warc_reader *r, struct mm_err *err) {
    if (r->z.avail_in > 0 || r->in_eof)
        return 0;
    ssize_t n = read_file(r, r->in, sizeof r->in, r->in_total, err);
    if (n < 0)
        return -1;
    if (n == 0)
        r->in_eof = 1;
    r->z.next_in = r->in;
    r->z.avail_in = (uInt)n;
    r->in_total += (uint64_t)n;
    return 0;
}

static void remember_member(struct crawl_warc_reader *r, uint64_t uoff, uint64_t coff) {
    if (r->n_members == WARC_MEMBERS) { /* only offsets are lost: drop the oldest */
        memmove(r->members, r->members + 1, (WARC_MEMBERS - 1) * sizeof r->members[0]);
        r->n_members--;
    }
    r->members[r->n_members].uoff = uoff;
    r->members[r->n_members].coff = coff;
    r->n_members++;
}

/* Append uncompressed bytes to the window (it has room). Returns the number
 * added, 0 at the end of the file, -1 on an error (err set). */
static long fill(struct crawl_warc_reader *r, struct mm_err *err) {
    size_t room = r->cap - r->end;
    if (!r->gz) {
        ssize_t n = read_file(r, r->win + r->end, room, r->win_base + r->end, err);
        if (n < 0)
            return -1;
        r->end += (size_t)n;
        return (long)n;
    }
    for (;;) {
        if (read_in(r, err) != 0)
            return -1;
        if (!r->member_open) {
            if (r->z.avail_in == 0)
                return 0; /* the file ends between members: a clean end */
            if (r->z.avail_in < 2 && !r->in_eof) { /* the magic may straddle a read */
                memmove(r->in, r->z.next_in, r->z.avail_in);
                ssize_t n = read_file(r, r->in + r->z.avail_in, sizeof r->in - r->z.avail_in, r->in_total, err);
                if (n < 0)
                    return -1;
                if (n > 0) {
                    r->z.avail_in += (uInt)n;
                    r->in_total += (uint64_t)n;
                } else {
                    r->in_eof = 1;
                }
                r->z.next_in = r->in;
            }
            uint64_t at = comp_pos(r);
            if (r->z.avail_in < 2 || r->z.next_in[0] != 0x1f || r->z.next_in[1] != 0x8b) {
                mm_err_set(err, MM_EPARSE,
                           "%s: byte %llu: not a gzip member (the file is damaged after the previous record, "
                           "or has junk appended); download it again",
                           r->path, (unsigned long long)at);
                return -1;
            }
            inflateReset(&r->z);
            r->member_open = 1;
            r->member_coff = at;
            remember_member(r, r->win_base + r->end, at);
        }
        r->z.next_out = r->win + r->end;
        r->z.avail_out = (uInt)room;
        int zr = inflate(&r->z, Z_NO_FLUSH);
        size_t got = room - r->z.avail_out;
        r->end += got;
        if (zr == Z_STREAM_END) {
            r->member_open = 0;
        } else if (zr == Z_BUF_ERROR && r->in_eof && r->z.avail_in == 0) {
            mm_err_set(err, MM_EPARSE,
                       "%s: cut off at byte %llu: the file ends inside the gzip member that starts at byte %llu "
                       "(an interrupted download?); download it again",
                       r->path, (unsigned long long)r->in_total, (unsigned long long)r->member_coff);
            return -1;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            mm_err_set(err, MM_EPARSE, "%s: byte %llu: damaged gzip data (%s) in the member that starts at byte %llu; "
                       "download the file again",
                       r->path, (unsigned long long)comp_pos(r), r->z.msg ? r->z.msg : "inflate error",
                       (unsigned long long)r->member_coff);
            return -1;
        }
        if (got > 0)
            return (long)got;
    }
}

/* Make at least `n` unconsumed bytes available in the window. Returns 1,
 * 0 when the file ends first, -1 on an error. */
static int ensure(struct crawl_warc_reader *r, size_t n, struct mm_err *err) {
    while (r->end - r->beg < n) {
        if (r->cap - r->end < WARC_READ_CHUNK || r->cap - r->beg < n) {
            if (r->beg > 0) { /* drop what was consumed */
                memmove(r->win, r->win + r->beg, r->end - r->beg);
                r->win_base += r->beg;
                r->end -= r->beg;
                r->beg = 0;
            }
            size_t want = n + WARC_READ_CHUNK;
            if (want < WARC_WINDOW_MIN)
                want = WARC_WINDOW_MIN;
            if (r->cap < want) {
                unsigned char *w = realloc(r->win, want);
                if (w == NULL) {
                    mm_err_set(err, MM_ENOMEM, "%s: out of memory reading a record of %zu bytes", r->path, n);
                    return -1;
                }
                r->win = w;
                r->cap = want;
            }
        }
        long got = fill(r, err);
        if (got < 0)
            return -1;
        if (got == 0)
            return 0;
    }
    return 1;
}

/* The file offset to name for a record that starts at uncompressed offset
 * `u`: its gzip member's first byte when it opens one, else `u`. */
static uint64_t record_offset(struct crawl_warc_reader *r, uint64_t u) {
    size_t keep = 0;
    uint64_t off = u;
    for (size_t i = 0; i < r->n_members; i++) {
        if (r->members[i].uoff == u)
            off = r->members[i].coff;
        if (r->members[i].uoff >= u)
            r->members[keep++] = r->members[i];
    }
    r->n_members = keep;
    return off;
}

/* Copy header value [v, v+n) into out (size cap), trimmed. */
static void copy_value(char *out, size_t cap, const char *v, size_t n) {
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

mm_rc crawl_warc_reader_next(struct crawl_warc_reader *r, struct crawl_warc_record *rec, int *more,
                             struct mm_err *err) {
    memset(rec, 0, sizeof *rec);
    *more = 0;
    /* records are separated by CRLF CRLF; be lenient about extra blank lines */
    for (;;) {
        int e = ensure(r, 1, err);
        if (e < 0)
            return err->code;
        if (e == 0)
            return MM_OK; /* the end of the file */
        if (r->win[r->beg] != '\r' && r->win[r->beg] != '\n')
            break;
        r->beg++;
    }
    uint64_t u = r->win_base + r->beg;
    uint64_t off = record_offset(r, u);
    rec->offset = off;
    /* the header block ends at the first empty line */
    size_t head = 0, scanned = 0;
    for (;;) {
        unsigned char *p = r->win + r->beg;
        size_t avail = r->end - r->beg;
        for (size_t i = scanned; i + 1 < avail && head == 0; i++) {
            if (p[i] == '\n' && p[i + 1] == '\n')
                head = i + 2;
            else if (p[i] == '\n' && p[i + 1] == '\r' && i + 2 < avail && p[i + 2] == '\n')
                head = i + 3;
        }
        if (head)
            break;
        scanned = avail > 2 ? avail - 2 : 0;
        if (avail >= 5 && memcmp(p, "WARC/", 5) != 0)
            return mm_err_set(err, MM_EPARSE, "%s: byte %llu: not a WARC record (it does not start with 'WARC/'); "
                              "is this a WARC file?", r->path, (unsigned long long)off);
        if (avail > WARC_HEAD_MAX)
            return mm_err_set(err, MM_EPARSE, "%s: byte %llu: a WARC header longer than %u bytes; the file is damaged",
                              r->path, (unsigned long long)off, WARC_HEAD_MAX);
        int e = ensure(r, avail + 1, err);
        if (e < 0)
            return err->code;
        if (e == 0)
            return mm_err_set(err, MM_EPARSE, "%s: cut off at byte %llu: the file ends inside the header of the "
                              "record at byte %llu; download it again",
                              r->path, (unsigned long long)(r->win_base + r->end), (unsigned long long)off);
    }
    const char *h = (const char *)r->win + r->beg;
    if (head < 5 || memcmp(h, "WARC/", 5) != 0)
        return mm_err_set(err, MM_EPARSE, "%s: byte %llu: not a WARC record (it does not start with 'WARC/'); "
                          "is this a WARC file?", r->path, (unsigned long long)off);
    int64_t clen = -1;
    r->type[0] = r->date[0] = r->content_type[0] = r->payload_type[0] = r->record_id[0] = '\0';
    mm_buf_reset(&r->uri);
    const char *line = memchr(h, '\n', head) + 1; /* after the version line */
    while (line < h + head) {
        const char *eol = memchr(line, '\n', (size_t)(h + head - line));
        size_t len = (size_t)(eol - line);
        const char *colon = memchr(line, ':', len);
        if (colon) {
            size_t k = (size_t)(colon - line), vn = len - k - 1;
            const char *v = colon + 1;
#define KEY(s) (k == sizeof(s) - 1 && strncasecmp(line, s, k) == 0)
            if (KEY("WARC-Type"))
                copy_value(r->type, sizeof r->type, v, vn);
            else if (KEY("WARC-Date"))
                copy_value(r->date, sizeof r->date, v, vn);
            else if (KEY("Content-Type"))
                copy_value(r->content_type, sizeof r->content_type, v, vn);
            else if (KEY("WARC-Identified-Payload-Type"))
                copy_value(r->payload_type, sizeof r->payload_type, v, vn);
            else if (KEY("WARC-Record-ID"))
                copy_value(r->record_id, sizeof r->record_id, v, vn);
            else if (KEY("Content-Length")) {
                char num[32];
                copy_value(num, sizeof num, v, vn);
                char *endp;
                errno = 0;
                long long x = strtoll(num, &endp, 10);
                if (num[0] && *endp == '\0' && errno == 0 && x >= 0)
                    clen = x;
            } else if (KEY("WARC-Target-URI")) {
                char tmp[8192];
                copy_value(tmp, sizeof tmp, v, vn);
                char *t = tmp;
                size_t tn = strlen(t);
                if (tn >= 2 && t[0] == '<' && t[tn - 1] == '>') { /* WARC 1.0 wrote <uri> */
                    t++;
                    tn -= 2;
                }
                if (mm_buf_append(&r->uri, t, tn) != MM_OK)
                    return mm_err_set(err, MM_ENOMEM, "%s: out of memory", r->path);
            }
#undef KEY
        }
        line = eol + 1;
    }
    if (clen < 0)
        return mm_err_set(err, MM_EPARSE, "%s: byte %llu: the WARC record has no valid Content-Length; the file is "
                          "damaged", r->path, (unsigned long long)off);
    r->beg += head;
    rec->type = r->type;
    rec->date = r->date;
    rec->content_type = r->content_type;
    rec->payload_type = r->payload_type;
    rec->record_id = r->record_id;
    rec->target_uri = r->uri.len ? r->uri.data : "";
    rec->content_length = clen;
    if ((uint64_t)clen > r->max_block) { /* skip it without holding it */
        uint64_t left = (uint64_t)clen;
        while (left > 0) {
            size_t avail = r->end - r->beg;
            if (avail == 0) {
                int e = ensure(r, 1, err);
                if (e < 0)
                    return err->code;
                if (e == 0)
                    return mm_err_set(err, MM_EPARSE, "%s: cut off: the record at byte %llu (Content-Length %lld) "
                                      "ends early; download the file again",
                                      r->path, (unsigned long long)off, (long long)clen);
                continue;
            }
            size_t take = avail < left ? avail : (size_t)left;
            r->beg += take;
            left -= take;
        }
        rec->oversize = 1;
        *more = 1;
        return MM_OK;
    }
    int e = ensure(r, (size_t)clen, err);
    if (e < 0)
        return err->code;
    if (e == 0)
        return mm_err_set(err, MM_EPARSE, "%s: cut off: the record at byte %llu has Content-Length %lld but the file "
                          "ends after %zu bytes of it; download the file again",
                          r->path, (unsigned long long)off, (long long)clen, r->end - r->beg);
    rec->block = (const char *)r->win + r->beg;
    rec->block_len = (size_t)clen;
    r->beg += (size_t)clen;
    *more = 1;
    return MM_OK;
}

/* ---- the HTTP response in a response record -------------------------------- */

/* Undo chunked transfer coding (RFC 9112 7.1) of p[0..n) into out. -1 when
 * the framing is broken. */
static int dechunk(const char *p, size_t n, struct mm_buf *out) {
    size_t i = 0;
    while (i < n) {
        /* the size in hex (p is not NUL-terminated: no strtoull) */
        uint64_t size = 0;
        size_t d = i;
        while (d < n && d - i < 16 && crawl_hexval((unsigned char)p[d]) >= 0)
            size = size * 16 + (uint64_t)crawl_hexval((unsigned char)p[d++]);
        if (d == i)
            return -1;
        const char *eol = memchr(p + d, '\n', n - d);
        if (eol == NULL)
            return -1;
        i = (size_t)(eol - p) + 1;
        if (size == 0)
            return 0;
        if (size > n - i)
            return -1;
        if (mm_buf_append(out, p + i, (size_t)size) != MM_OK)
            return -1;
        i += (size_t)size;
        while (i < n && (p[i] == '\r' || p[i] == '\n'))
            i++;
    }
    return 0; /* the last chunk is missing: keep what came */
}

int crawl_http_status(const char *block, size_t len) {
    /* "HTTP/1.1 200 OK", "HTTP/2 200" */
    if (len < 8 || memcmp(block, "HTTP/", 5) != 0)
        return -1;
    size_t i = 5;
    while (i < len && block[i] != ' ' && block[i] != '\r' && block[i] != '\n')
        i++;
    while (i < len && block[i] == ' ')
        i++;
    if (i + 3 > len || (i + 3 < len && block[i + 3] >= '0' && block[i + 3] <= '9'))
        return -1;
    int status = 0;
    for (size_t k = i; k < i + 3; k++) {
        if (block[k] < '0' || block[k] > '9')
            return -1;
        status = status * 10 + (block[k] - '0');
    }
    return status >= 100 ? status : -1;
}

mm_rc crawl_http_response_parse(const char *block, size_t len, size_t max_body, struct crawl_http_response *out,
                                struct mm_buf *headers, struct mm_buf *body, struct mm_err *err) {
    memset(out, 0, sizeof *out);
    mm_buf_reset(headers);
    mm_buf_reset(body);
    int status = crawl_http_status(block, len);
    if (status < 0)
        return mm_err_set(err, MM_EPARSE, "no HTTP status line");
    out->status = status;
    const char *end = NULL;
    for (size_t i = 0; i + 1 < len; i++) {
        if (block[i] == '\n' && block[i + 1] == '\n') {
            end = block + i + 2;
            break;
        }
        if (block[i] == '\n' && block[i + 1] == '\r' && i + 2 < len && block[i + 2] == '\n') {
            end = block + i + 3;
            break;
        }
    }
    if (end == NULL)
        end = block + len; /* headers only */
    if (mm_buf_append(headers, block, (size_t)(end - block)) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    char te[64] = "", ce[64] = "";
    const char *line = memchr(block, '\n', (size_t)(end - block));
    line = line ? line + 1 : end;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        size_t ln = (size_t)(eol - line);
        const char *colon = memchr(line, ':', ln);
        if (colon) {
            size_t k = (size_t)(colon - line), vn = ln - k - 1;
            if (k == 12 && strncasecmp(line, "Content-Type", 12) == 0)
                copy_value(out->content_type, sizeof out->content_type, colon + 1, vn);
            else if (k == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)
                copy_value(te, sizeof te, colon + 1, vn);
            else if (k == 16 && strncasecmp(line, "Content-Encoding", 16) == 0)
                copy_value(ce, sizeof ce, colon + 1, vn);
        }
        line = eol + 1;
    }
    const char *payload = end;
    size_t plen = (size_t)(block + len - end);
    struct mm_buf plain;
    mm_buf_init(&plain, 0);
    if (strncasecmp(te, "chunked", 7) == 0) {
        if (dechunk(payload, plen, &plain) == 0) {
            payload = plain.data ? plain.data : "";
            plen = plain.len;
        } /* broken framing: the bytes are taken as they are */
    }
    mm_rc rc = MM_OK;
    int enc = crawl_body_encoding(ce[0] ? ce : NULL);
    if (enc == CRAWL_ENC_UNKNOWN) {
        rc = mm_err_set(err, MM_EPARSE, "unknown Content-Encoding '%s'", ce);
    } else {
        struct crawl_body d;
        crawl_body_init(&d, enc, max_body, body);
        int bad = crawl_body_feed(&d, payload, plen) != 0 ||
                  crawl_body_finish(&d, (const unsigned char *)payload, plen, 0) != 0;
        if (bad)
            rc = mm_err_set(err, d.too_big ? MM_ELIMIT : MM_EPARSE, "%s body (Content-Encoding %s)",
                            d.too_big ? "an oversized" : "a damaged", ce[0] ? ce : "identity");
        crawl_body_free(&d);
    }
    mm_buf_free(&plain);
    if (rc == MM_OK && mm_buf_reserve(body, 1) != MM_OK)
        rc = mm_err_set(err, MM_ENOMEM, "out of memory");
    if (rc == MM_OK)
        body->data[body->len] = '\0';
    return rc;
}
