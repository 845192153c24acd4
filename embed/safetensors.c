/*
 * safetensors.c -- reader for Hugging Face safetensors files: an 8-byte
 * little-endian header length, a JSON header {name: {dtype, shape,
 * data_offsets}}, then the tensor bytes (huggingface/safetensors "Format").
 * The file is memory-mapped; tensors are views into the mapping.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "embed_int.h"

#define ST_MAX_HEADER 100000000u /* the format's own limit */

static enum emb_dtype parse_dtype(const char *s) {
    if (strcmp(s, "F32") == 0) return EMB_F32;
    if (strcmp(s, "F16") == 0) return EMB_F16;
    if (strcmp(s, "BF16") == 0) return EMB_BF16;
    if (strcmp(s, "I64") == 0) return EMB_I64;
    if (strcmp(s, "I32") == 0) return EMB_I32;
    if (strcmp(s, "F64") == 0) return EMB_F64;
    return EMB_OTHER;
}

struct st_span {
    uint64_t begin, end;
    const char *name;
};

static int span_cmp(const void *a, const void *b) {
    const struct st_span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The tensors must tile the data exactly, as the format's own loader
 * (huggingface/safetensors `validate`) requires: sorted by offset, each
 * starts where the one before ended, the first at 0, the last at the end
 * of the file. Overlapping tensors would alias one weight onto another. */
static mm_rc check_tiling(const char *path, struct st_span *v, size_t n, size_t data_len, struct mm_err *err) {
    qsort(v, n, sizeof *v, span_cmp);
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].begin < at)
            return mm_err_set(err, MM_EMODEL,
                              "%s: tensor %s (bytes %llu to %llu) overlaps tensor %s (to byte %llu); the file is "
                              "damaged or not written by safetensors",
                              path, v[i].name, (unsigned long long)v[i].begin, (unsigned long long)v[i].end,
                              v[i - 1].name, (unsigned long long)at);
        if (v[i].begin > at)
            return mm_err_set(err, MM_EMODEL,
                              "%s: %llu unused bytes before tensor %s (data_offsets start at %llu, not %llu); the "
                              "file is damaged or not written by safetensors",
                              path, (unsigned long long)(v[i].begin - at), v[i].name,
                              (unsigned long long)v[i].begin, (unsigned long long)at);
        at = v[i].end;
    }
    if (at != data_len)
        return mm_err_set(err, MM_EMODEL,
                          "%s: %llu bytes after the last tensor; the file is damaged or not written by safetensors",
                          path, (unsigned long long)(data_len - at));
    return MM_OK;
}

mm_rc emb_load_safetensors(const char *path, struct emb_tensors *ts, struct mm_err *err) {
    mm_rc rc = emb_tensors_map(ts, path, err);
    if (rc)
        return rc;
    const unsigned char *p = ts->map;
    if (ts->map_len < 8)
        return mm_err_set(err, MM_EMODEL, "%s: truncated (%zu bytes, no header); download the file again", path,
                          ts->map_len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | p[i];
    if (hlen > ST_MAX_HEADER || hlen > ts->map_len - 8)
        return mm_err_set(err, MM_EMODEL, "%s: header length %llu exceeds the file (%zu bytes); the file is truncated or not safetensors",
                          path, (unsigned long long)hlen, ts->map_len);
    if (hlen == 0 || p[8] != '{')
        return mm_err_set(err, MM_EMODEL, "%s: header does not start with '{'; not a safetensors file", path);
    const unsigned char *base = p + 8 + hlen;
    size_t data_len = ts->map_len - 8 - (size_t)hlen;

    json_error_t je;
    json_t *root = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return mm_err_set(err, MM_EMODEL, "%s: bad JSON header at byte %d: %s", path, je.position + 8, je.text);
    }
    const char *key;
    json_t *v;
    rc = MM_OK;
    struct st_span *spans = calloc(json_object_size(root) + 1, sizeof *spans);
    size_t n_spans = 0;
    if (spans == NULL) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory reading the header", path);
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"),
               *jo = json_object_get(v, "data_offsets");
        if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2 ||
            !json_is_integer(json_array_get(jo, 0)) || !json_is_integer(json_array_get(jo, 1))) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s: header entry lacks dtype, shape or data_offsets", path, key);
            break;
        }
        size_t nd = json_array_size(js);
        int64_t shape[EMB_MAX_DIMS];
        if (nd > EMB_MAX_DIMS) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s has %zu dimensions; not a BERT weight", path, key, nd);
            break;
        }
        uint64_t numel = 1;
        for (size_t i = 0; i < nd; i++) {
            json_t *d = json_array_get(js, i);
            if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > (1ll << 40)) {
                rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s: bad shape", path, key);
                break;
            }
            shape[i] = json_integer_value(d);
            numel *= (uint64_t)shape[i];
            if (numel > (1ull << 40)) {
                rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s: shape too large", path, key);
                break;
            }
        }
        if (rc)
            break;
        enum emb_dtype dt = parse_dtype(json_string_value(jd));
        json_int_t b = json_integer_value(json_array_get(jo, 0)), e = json_integer_value(json_array_get(jo, 1));
        if (b < 0 || e < b || (uint64_t)e > data_len) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s: data_offsets [%lld, %lld] outside the %zu data bytes; the file is truncated",
                            path, key, (long long)b, (long long)e, data_len);
            break;
        }
        if (dt != EMB_OTHER && (uint64_t)(e - b) != numel * emb_dtype_size(dt)) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %s: %lld bytes for %llu elements of %s", path, key,
                            (long long)(e - b), (unsigned long long)numel, emb_dtype_name(dt));
            break;
        }
        spans[n_spans++] = (struct st_span){(uint64_t)b, (uint64_t)e, key};
        rc = emb_tensors_add(ts, key, strlen(key), dt, (int)nd, shape, base + b, (size_t)(e - b), err);
        if (rc)
            break;
    }
    if (rc == MM_OK)
        rc = check_tiling(path, spans, n_spans, data_len, err);
    free(spans);
    json_decref(root);
    return rc;
}
