/*
 * npy.c -- NumPy .npy files (format version 1.0, numpy/lib/format.py):
 * magic "\x93NUMPY", version, a little-endian u16 header length, a Python
 * dict literal {'descr', 'fortran_order', 'shape'} padded to a multiple of
 * 64 bytes, then the raw array. Written for float32 matrices; read for
 * integer matrices of token ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"

mm_rc emb_npy_write_f32(const char *path, const float *data, size_t rows, size_t cols, struct mm_err *err) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    char hdr[128];
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, cols);
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    mm_rc rc = mm_buf_reserve(&b, total + pad + rows * cols * 4);
    if (rc)
        return mm_err_set(err, rc, "%s: out of memory for %zu x %zu floats", path, rows, cols);
    uint16_t len = (uint16_t)(hl + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xff), (unsigned char)(len >> 8)};
    mm_buf_append(&b, pre, 10);
    mm_buf_append(&b, hdr, (size_t)hl);
    for (size_t i = 0; i < pad; i++)
        mm_buf_putc(&b, ' ');
    mm_buf_putc(&b, '\n');
    mm_buf_append(&b, data, rows * cols * sizeof(float)); /* x86-64 and arm64 are little-endian */
    rc = mm_write_file_atomic(path, b.data, b.len, err);
    mm_buf_free(&b);
    return rc;
}

mm_rc emb_npy_read_i32(const char *path, int32_t **out, size_t *rows, size_t *cols, struct mm_err *err) {
    *out = NULL;
    struct mm_buf b;
    mm_buf_init(&b, (size_t)1 << 32);
    mm_rc rc = mm_read_file(path, 0, &b, err);
    if (rc) {
        mm_buf_free(&b);
        return rc;
    }
    const unsigned char *p = (const unsigned char *)b.data;
    if (b.len < 10 || memcmp(p, "\x93NUMPY", 6) != 0 || p[6] != 1) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EPARSE, "%s: not a version 1 .npy file", path);
    }
    size_t hl = (size_t)p[8] | (size_t)p[9] << 8;
    if (10 + hl > b.len) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EPARSE, "%s: truncated .npy header", path);
    }
    char hdr[512];
    snprintf(hdr, sizeof hdr, "%.*s", (int)(hl < sizeof hdr - 1 ? hl : sizeof hdr - 1), (const char *)p + 10);
    int is64 = strstr(hdr, "'<i8'") != NULL, is32 = strstr(hdr, "'<i4'") != NULL;
    const char *sh = strstr(hdr, "'shape': (");
    unsigned long long r = 0, c = 0;
    if ((!is64 && !is32) || strstr(hdr, "'fortran_order': True") || !sh ||
        sscanf(sh + 10, "%llu, %llu)", &r, &c) != 2) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EPARSE, "%s: want a C-order 2-D int32 or int64 array; header %s", path, hdr);
    }
    size_t es = is64 ? 8 : 4;
    if (r && c && (b.len - 10 - hl) / es / c < r) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EPARSE, "%s: truncated .npy data", path);
    }
    int32_t *v = malloc((r * c != 0 ? r * c : 1) * sizeof *v);
    if (!v) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    }
    const unsigned char *d = p + 10 + hl;
    for (size_t i = 0; i < r * c; i++) {
        int64_t x;
        if (is64) {
            memcpy(&x, d + 8 * i, 8);
        } else {
            int32_t y;
            memcpy(&y, d + 4 * i, 4);
            x = y;
        }
        v[i] = x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : (int32_t)x;
    }
    mm_buf_free(&b);
    *out = v;
    *rows = (size_t)r;
    *cols = (size_t)c;
    return MM_OK;
}
