/*
 * file.c -- whole-file reads and crash-safe (atomic) whole-file writes.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mm_rc mm_read_file(const char *path, size_t max, struct mm_buf *out, struct mm_err *err) {
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO,
                          "%s: cannot open: %s", path, strerror(errno));
    mm_rc rc = MM_OK;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (max && out->len + n > max) {
            rc = mm_err_set(err, MM_ELIMIT, "%s: larger than the %zu-byte limit", path, max);
            break;
        }
        if ((rc = mm_buf_append(out, chunk, n)) != MM_OK) {
            mm_err_set(err, rc, "%s: %s while reading", path, mm_strerror(rc));
            break;
        }
    }
    if (rc == MM_OK && ferror(f))
        rc = mm_err_set(err, MM_EIO, "%s: read failed: %s", path, strerror(errno));
    if (!is_stdin)
        fclose(f);
    return rc;
}

mm_rc mm_read_line(FILE *f, struct mm_buf *line) {
    line->max = MM_LINE_MAX;
    mm_buf_reset(line);
    mm_rc rc = MM_OK;
    flockfile(f);
    for (;;) {
        if (line->len == MM_LINE_MAX) { /* at the cap: only the end of the input may follow */
            int c = getc_unlocked(f);
            if (c != EOF) {
                ungetc(c, f);
                rc = MM_ELIMIT;
            }
            break;
        }
        if (line->len + 1 >= line->cap) { /* full: grow by doubling, never past the cap */
            size_t extra = line->len ? line->len : 4096;
            if (extra > MM_LINE_MAX - line->len)
                extra = MM_LINE_MAX - line->len;
            if ((rc = mm_buf_reserve(line, extra)) != MM_OK)
                break;
        }
        char *p = line->data + line->len, *end = line->data + line->cap - 1;
        if ((size_t)(end - p) > MM_LINE_MAX - line->len)
            end = p + (MM_LINE_MAX - line->len);
        int c = 0;
        while (p < end && (c = getc_unlocked(f)) != EOF) {
            *p++ = (char)c;
            if (c == '\n')
                break;
        }
        line->len = (size_t)(p - line->data);
        line->data[line->len] = '\0';
        if (c == EOF || c == '\n')
            break;
    }
    if (rc == MM_OK && ferror(f))
        rc = MM_EIO;
    funlockfile(f);
    return rc;
}

mm_rc mm_write_file_atomic(const char *path, const void *p, size_t n, struct mm_err *err) {
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (tmp == NULL)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        mm_err_set(err, MM_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(tmp);
        return MM_EIO;
    }
    /* mkstemp makes the file 0600; the file it replaces is meant to be read
     * like any other output (reports, manifests, vectors) */
    if (fchmod(fd, 0644) != 0) {
        mm_err_set(err, MM_EIO, "%s: cannot set the mode of the temporary file: %s", path, strerror(errno));
        goto fail;
    }
    const char *q = p;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, q, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            mm_err_set(err, MM_EIO, "%s: write failed: %s (is the disk full?)", path, strerror(errno));
            goto fail;
        }
        q += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        mm_err_set(err, MM_EIO, "%s: fsync failed: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        mm_err_set(err, MM_EIO, "%s: close failed: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        mm_err_set(err, MM_EIO, "%s: rename failed: %s", path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return MM_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return MM_EIO;
}
