/*
 * source.c -- the database side of export: giving BERT-text documents their
 * sentence rows (one per line, exactly as imported), encoding sentences
 * that have no example for the tokenizer yet, and streaming the sentences
 * to export document by document (store/schema.sql: documents, sentences,
 * examples).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export_int.h"
#include "text.h"

#define BATCH 512 /* rows per transaction while preparing */

void export_tokenizer_key(const struct tok_model *tok, char *out, size_t n) {
    snprintf(out, n, "%s:%.8s", tok_name(tok), tok_sha256(tok));
}

/* Which sentences export uses: every sentence of a BERT-text document;
 * kept sentences of other documents that were not rejected. */
#define USED_SENTENCE                                                                              \
    "(d.source = 'import:bert-text' OR (d.stage != 'rejected' AND s.reject_reason IS NULL))"

static mm_rc check_stop(const volatile int *stop, struct mm_err *err) {
    if (stop && *stop)
        return mm_err_set(err, MM_EINTR, "export: stopped by a signal; run it again to continue");
    return MM_OK;
}

/* Step 1 of prepare: sentence rows for BERT-text documents that have none. */
static mm_rc split_bert_text(struct store *s, const volatile int *stop, struct export_prepare_counts *c,
                             struct mm_err *err) {
    sqlite3_stmt *find = NULL, *text = NULL, *ins = NULL, *upd = NULL, *dup = NULL;
    int64_t *ids = malloc(BATCH * sizeof *ids);
    mm_rc rc = ids ? MM_OK : mm_err_set(err, MM_ENOMEM, "export: out of memory");
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "SELECT id FROM documents d WHERE source = 'import:bert-text' AND id > ?1"
                           " AND NOT EXISTS (SELECT 1 FROM sentences s WHERE s.document_id = d.id)"
                           " ORDER BY id LIMIT ?2",
                           &find, err);
    if (rc == MM_OK)
        rc = store_prepare(s, "SELECT text FROM documents WHERE id = ?1", &text, err);
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "INSERT INTO sentences (document_id, position, paragraph, text, hash, duplicate_of)"
                           " VALUES (?1, ?2, 0, ?3, ?4, ?5)",
                           &ins, err);
    /* Exact duplicates are marked as the text stage marks them: the first
     * sentence with the same normalised hash in another document. */
    if (rc == MM_OK)
        rc = store_prepare(s, "SELECT min(id) FROM sentences WHERE hash = ?1 AND document_id <> ?2", &dup, err);
    if (rc == MM_OK)
        rc = store_prepare(s, "UPDATE documents SET stage = 'split' WHERE id = ?1 AND stage = 'extracted'", &upd,
                           err);
    int64_t last = 0;
    while (rc == MM_OK) {
        size_t n = 0;
        sqlite3_bind_int64(find, 1, last);
        sqlite3_bind_int(find, 2, BATCH);
        int r;
        while ((r = sqlite3_step(find)) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(find, 0);
        sqlite3_reset(find);
        if (r != SQLITE_DONE) {
            rc = store_fail(s, "cannot list BERT-text documents", err);
            break;
        }
        if (n == 0 || (rc = check_stop(stop, err)) != MM_OK || (rc = store_begin(s, err)) != MM_OK)
            break;
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            sqlite3_bind_int64(text, 1, ids[i]);
            if (sqlite3_step(text) != SQLITE_ROW) {
                rc = store_fail(s, "cannot read a BERT-text document", err);
                sqlite3_reset(text);
                break;
            }
            const char *t = (const char *)sqlite3_column_text(text, 0);
            size_t len = (size_t)sqlite3_column_bytes(text, 0);
            int64_t pos = 0;
            /* One sentence per line, exactly as imported (the importer keeps
             * non-blank lines and joins them with "\n"). */
            for (size_t a = 0; a < len && rc == MM_OK;) {
                const char *nl = memchr(t + a, '\n', len - a);
                size_t b = nl ? (size_t)(nl - t) : len;
                if (b > a) {
                    char hex[33];
                    text_sentence_hash(t + a, b - a, hex);
                    sqlite3_bind_text(dup, 1, hex, -1, SQLITE_TRANSIENT);
                    sqlite3_bind_int64(dup, 2, ids[i]);
                    int64_t first = 0;
                    if (sqlite3_step(dup) == SQLITE_ROW)
                        first = sqlite3_column_int64(dup, 0);
                    sqlite3_reset(dup);
                    sqlite3_bind_int64(ins, 1, ids[i]);
                    sqlite3_bind_int64(ins, 2, pos++);
                    sqlite3_bind_text(ins, 3, t + a, (int)(b - a), SQLITE_TRANSIENT);
                    sqlite3_bind_text(ins, 4, hex, -1, SQLITE_TRANSIENT);
                    if (first > 0)
                        sqlite3_bind_int64(ins, 5, first);
                    else
                        sqlite3_bind_null(ins, 5);
                    if (sqlite3_step(ins) != SQLITE_DONE)
                        rc = store_fail(s, "cannot add a sentence", err);
                    sqlite3_reset(ins);
                    c->sentences_added++;
                }
                a = b + 1;
            }
            sqlite3_reset(text);
            sqlite3_bind_int64(upd, 1, ids[i]);
            if (rc == MM_OK && sqlite3_step(upd) != SQLITE_DONE)
                rc = store_fail(s, "cannot update a document's stage", err);
            sqlite3_reset(upd);
            c->documents_split++;
        }
        if (rc == MM_OK)
            rc = store_commit(s, err);
        else
            store_rollback(s);
        last = ids[n - 1];
    }
    sqlite3_finalize(find);
    sqlite3_finalize(text);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(dup);
    free(ids);
    return rc;
}

/* Append "[a,b,c]" to b. */
static mm_rc json_ids(struct mm_buf *b, const int32_t *v, size_t n, int32_t fill, int use_fill) {
    mm_rc rc = mm_buf_putc(b, '[');
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        rc = mm_buf_printf(b, i ? ",%d" : "%d", use_fill ? fill : v[i]);
    if (rc == MM_OK)
        rc = mm_buf_putc(b, ']');
    return rc;
}

/* Step 2 of prepare: examples for sentences that have none for `tok`. */
static mm_rc encode_missing(struct store *s, const struct tok_model *tok, const volatile int *stop,
                            struct export_prepare_counts *c, struct mm_err *err) {
    char key[128];
    export_tokenizer_key(tok, key, sizeof key);
    struct tok_specials sp = tok_specials(tok);
    if (sp.cls < 0 || sp.sep < 0)
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no [CLS]/[SEP]; export needs a BERT vocabulary", key);
    sqlite3_stmt *find = NULL, *ins = NULL;
    struct tok_state *st = tok_state_new();
    struct mm_buf texts, ids, types, mask;
    int64_t sids[BATCH];
    size_t offs[BATCH + 1];
    mm_buf_init(&texts, 0);
    mm_buf_init(&ids, 0);
    mm_buf_init(&types, 0);
    mm_buf_init(&mask, 0);
    int32_t *enc = malloc((EXPORT_MAX_SENTENCE_IDS + 2) * sizeof *enc);
    mm_rc rc = st && enc ? MM_OK : mm_err_set(err, MM_ENOMEM, "export: out of memory");
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "SELECT s.id, s.text FROM sentences s JOIN documents d ON d.id = s.document_id"
                           " WHERE s.id > ?1 AND " USED_SENTENCE
                           " AND NOT EXISTS (SELECT 1 FROM examples e WHERE e.sentence_id = s.id"
                           " AND e.tokenizer = ?2) ORDER BY s.id LIMIT ?3",
                           &find, err);
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "INSERT OR IGNORE INTO examples (sentence_id, tokenizer, input_ids, token_type_ids,"
                           " attention_mask, length, truncated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           &ins, err);
    int64_t last = 0;
    while (rc == MM_OK) {
        size_t n = 0;
        mm_buf_reset(&texts);
        sqlite3_bind_int64(find, 1, last);
        sqlite3_bind_text(find, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_int(find, 3, BATCH);
        int r;
        while ((r = sqlite3_step(find)) == SQLITE_ROW) {
            sids[n] = sqlite3_column_int64(find, 0);
            offs[n] = texts.len;
            if (mm_buf_append(&texts, sqlite3_column_text(find, 1), (size_t)sqlite3_column_bytes(find, 1)) !=
                MM_OK) {
                rc = mm_err_set(err, MM_ENOMEM, "export: out of memory reading sentences");
                break;
            }
            n++;
        }
        offs[n] = texts.len;
        sqlite3_reset(find);
        if (rc != MM_OK)
            break;
        if (r != SQLITE_DONE && r != SQLITE_ROW) {
            rc = store_fail(s, "cannot list sentences to encode", err);
            break;
        }
        if (n == 0 || (rc = check_stop(stop, err)) != MM_OK || (rc = store_begin(s, err)) != MM_OK)
            break;
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            const int32_t *pieces;
            size_t np;
            rc = tok_encode(tok, st, texts.data + offs[i], offs[i + 1] - offs[i], TOK_SAFE, &pieces, &np, err);
            if (rc != MM_OK)
                break;
            int truncated = np > EXPORT_MAX_SENTENCE_IDS;
            if (truncated)
                np = EXPORT_MAX_SENTENCE_IDS;
            enc[0] = sp.cls;
            memcpy(enc + 1, pieces, np * sizeof *enc);
            enc[np + 1] = sp.sep;
            size_t len = np + 2;
            mm_buf_reset(&ids);
            mm_buf_reset(&types);
            mm_buf_reset(&mask);
            if (json_ids(&ids, enc, len, 0, 0) != MM_OK || json_ids(&types, enc, len, 0, 1) != MM_OK ||
                json_ids(&mask, enc, len, 1, 1) != MM_OK) {
                rc = mm_err_set(err, MM_ENOMEM, "export: out of memory");
                break;
            }
            sqlite3_bind_int64(ins, 1, sids[i]);
            sqlite3_bind_text(ins, 2, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, ids.data, (int)ids.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, types.data, (int)types.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, mask.data, (int)mask.len, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 6, (int64_t)len);
            sqlite3_bind_int(ins, 7, truncated);
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = store_fail(s, "cannot add an example", err);
            sqlite3_reset(ins);
            c->sentences_encoded++;
        }
        if (rc == MM_OK)
            rc = store_commit(s, err);
        else
            store_rollback(s);
        last = sids[n - 1];
    }
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    tok_state_free(st);
    free(enc);
    mm_buf_free(&texts);
    mm_buf_free(&ids);
    mm_buf_free(&types);
    mm_buf_free(&mask);
    return rc;
}

mm_rc export_prepare(struct store *s, const struct tok_model *tok, const volatile int *stop,
                     struct export_prepare_counts *counts, struct mm_err *err) {
    struct export_prepare_counts c = {0, 0, 0};
    mm_rc rc = split_bert_text(s, stop, &c, err);
    if (rc == MM_OK)
        rc = encode_missing(s, tok, stop, &c, err);
    if (counts)
        *counts = c;
    return rc;
}

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
                             " WHERE " USED_SENTENCE
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
