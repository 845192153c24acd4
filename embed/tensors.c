/*
 * tensors.c -- the raw tensor table both weight loaders fill: names,
 * dtypes, shapes and views into a read-only memory mapping of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embed_int.h"

size_t emb_dtype_size(enum emb_dtype d) {
    switch (d) {
    case EMB_F32: case EMB_I32: return 4;
    case EMB_F16: case EMB_BF16: return 2;
    case EMB_I64: case EMB_F64: return 8;
    default: return 0;
    }
}

const char *emb_dtype_name(enum emb_dtype d) {
    switch (d) {
    case EMB_F32: return "F32";
    case EMB_F16: return "F16";
    case EMB_BF16: return "BF16";
    case EMB_I64: return "I64";
    case EMB_I32: return "I32";
    case EMB_F64: return "F64";
    default: return "unsupported";
    }
}

mm_rc emb_tensors_add(struct emb_tensors *ts, const char *name, size_t name_len, enum emb_dtype dt,
                      int ndim, const int64_t *shape, const unsigned char *data, size_t nbytes,
                      struct mm_err *err) {
    if (ndim < 0 || ndim > EMB_MAX_DIMS)
        return mm_err_set(err, MM_EMODEL, "%s: tensor %.*s has %d dimensions (at most %d are supported); use a BERT checkpoint",
                          ts->path, (int)name_len, name, ndim, EMB_MAX_DIMS);
    if (ts->n == ts->cap) {
        if (ts->cap >= EMB_MAX_TENSORS)
            return mm_err_set(err, MM_ELIMIT, "%s: more than %d tensors; this is not a BERT checkpoint",
                              ts->path, EMB_MAX_TENSORS);
        size_t nc = ts->cap ? ts->cap * 2 : 256;
        struct emb_tensor *t = realloc(ts->t, nc * sizeof *t);
        if (!t)
            return mm_err_set(err, MM_ENOMEM, "%s: out of memory reading the tensor table", ts->path);
        ts->t = t;
        ts->cap = nc;
    }
    struct emb_tensor *t = &ts->t[ts->n];
    memset(t, 0, sizeof *t);
    t->name = strndup(name, name_len);
    if (!t->name)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory reading the tensor table", ts->path);
    t->dtype = dt;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = data;
    t->nbytes = nbytes;
    ts->n++;
    return MM_OK;
}

const struct emb_tensor *emb_tensors_find(const struct emb_tensors *ts, const char *name) {
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->t[i].name, name) == 0)
            return &ts->t[i];
    return NULL;
}

mm_rc emb_tensors_map(struct emb_tensors *ts, const char *path, struct mm_err *err) {
    ts->path = strdup(path);
    if (!ts->path)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s: cannot open: %s", path,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mm_err_set(err, MM_EIO, "%s: not a regular file; give the weights file of a model folder", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return mm_err_set(err, MM_EMODEL, "%s: empty file; download the weights again", path);
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return mm_err_set(err, MM_EIO, "%s: cannot map: %s", path, strerror(e));
    ts->map = p;
    ts->map_len = (size_t)st.st_size;
    return MM_OK;
}

void emb_tensors_free(struct emb_tensors *ts) {
    if (!ts)
        return;
    for (size_t i = 0; i < ts->n; i++)
        free(ts->t[i].name);
    free(ts->t);
    if (ts->map)
        munmap(ts->map, ts->map_len);
    free(ts->path);
    memset(ts, 0, sizeof *ts);
}
