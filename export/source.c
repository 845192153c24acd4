/*
 * source.c -- the database side of export: streaming the encoded sentences
 * to export document by document (store/schema.sql: documents, sentences,
 * examples).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export_int.h"

/* ---- the reader ---------------------------------------------------------- */

struct export_reader {
    struct store *s;
    sqlite3_stmt *st;
    int32_t vocab_size, cls, sep;
    struct mm_buf ids; /* int32_t */
};

mm_rc export_reader_open(struct store *s, const char *tok_key, int drop_duplicates, const struct export_vocab *v,
                         struct export_reader **out, struct mm_err *err) {
    *out = NULL;
    struct export_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    r->s = s;
    r->vocab_size = v->size;
    r->cls = v->cls;
    r->sep = v->sep;
    mm_buf_init(&r->ids, (EXPORT_MAX_SENTENCE_IDS + 2) * sizeof(int32_t) * 4);
    /* Sentences in (document, position) order straight from the
     * sentences(document_id, position) index, so nothing is sorted. */
    mm_rc rc = store_prepare(s,
                             "SELECT s.document_id, s.id, e.input_ids FROM sentences s"
                             " JOIN documents d ON d.id = s.document_id"
                             " LEFT JOIN examples e ON e.sentence_id = s.id AND e.tokenizer = ?1"
                             " WHERE " EXPORT_USED_SENTENCE
                             " AND (?2 = 0 OR d.source = 'import:bert-text' OR s.duplicate_of IS NULL)"
                             " ORDER BY s.document_id, s.position",
                             &r->st, err);
    if (rc != MM_OK) {
        export_reader_free(r);
        return rc;
    }
    sqlite3_bind_text(r->st, 1, tok_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(r->st, 2, drop_duplicates ? 1 : 0);
    *out = r;
    return MM_OK;
}

mm_rc export_reader_next(struct export_reader *r, int64_t *doc_id, const int32_t **ids, size_t *n,
                         int *missing, int *done, struct mm_err *err) {
    *done = 0;
    *missing = 0;
    *ids = NULL;
    *n = 0;
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_DONE) {
        *done = 1;
        return MM_OK;
    }
    if (rc != SQLITE_ROW)
        return store_fail(r->s, "cannot read sentences", err);
    *doc_id = sqlite3_column_int64(r->st, 0);
    int64_t sid = sqlite3_column_int64(r->st, 1);
    if (sqlite3_column_type(r->st, 2) == SQLITE_NULL) {
        *missing = 1;
        return MM_OK;
    }
    const char *p = (const char *)sqlite3_column_text(r->st, 2);
    const char *e = p + sqlite3_column_bytes(r->st, 2);
    mm_buf_reset(&r->ids);
    /* A JSON array of ints, written by us or by the pipeline; anything else
     * is a damaged row. */
    while (p < e && (*p == ' ' || *p == '\n'))
        p++;
    if (p == e || *p++ != '[')
        goto bad;
    for (;;) {
        while (p < e && *p == ' ')
            p++;
        if (p < e && *p == ']' && r->ids.len == 0)
            break;
        if (p == e || *p < '0' || *p > '9')
            goto bad;
        long v = 0;
        while (p < e && *p >= '0' && *p <= '9' && v <= r->vocab_size)
            v = v * 10 + (*p++ - '0');
        if (v >= r->vocab_size)
            goto bad;
        int32_t x = (int32_t)v;
        if (mm_buf_append(&r->ids, &x, sizeof x) != MM_OK)
            return mm_err_set(err, MM_ELIMIT, "sentence %lld: example of more than %d ids; re-encode it",
                              (long long)sid, EXPORT_MAX_SENTENCE_IDS);
        while (p < e && *p == ' ')
            p++;
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == ']')
            break;
        goto bad;
    }
    size_t k = r->ids.len / sizeof(int32_t);
    const int32_t *v = (const int32_t *)r->ids.data;
    /* Stored as [CLS] pieces [SEP]: the segment is what is in between. */
    if (k < 2 || v[0] != r->cls || v[k - 1] != r->sep)
        goto bad;
    *ids = v + 1;
    *n = k - 2;
    return MM_OK;
bad:
    return mm_err_set(err, MM_EPARSE,
                      "%s: examples row of sentence %lld is not a [CLS] ... [SEP] id array for this tokenizer;"
                      " delete it and run export again to re-encode",
                      store_path(r->s), (long long)sid);
}

void export_reader_free(struct export_reader *r) {
    if (r == NULL)
        return;
    sqlite3_finalize(r->st);
    mm_buf_free(&r->ids);
    free(r);
}
