/*
 * documents.c -- inserting documents (exact de-duplication by content hash,
 * re-fetched pages replacing their old text) and the counts behind
 * `malmoi stats`.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

static int64_t lookup_id(sqlite3_stmt *st, const char *key, int *err_step) {
    int64_t id = 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        *err_step = 1;
    return id;
}

/* Bind the document's fields to ?1..?17 in the column order shared by the
 * INSERT and the UPDATE below. */
static void bind_document(sqlite3_stmt *st, const struct store_document *d, const char *hash, const char *now) {
    sqlite3_bind_text(st, 1, d->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->canonical_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->authors_json ? d->authors_json : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->description, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, d->published, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, d->modified, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, d->fetched, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, d->lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, d->text, (int)d->text_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, d->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, d->source_ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, d->extract_method, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 16, d->replacement_chars);
    sqlite3_bind_text(st, 17, now, -1, SQLITE_STATIC);
}

mm_rc store_document_put(struct store *s, const struct store_document *d, int64_t *id, int *inserted,
                         struct mm_err *err) {
    char hash[65], now[32];
    mm_sha256_hex(d->text, d->text_len, hash);
    mm_format_utc(mm_now_unix_ms() / 1000, now);
    *inserted = 0;
    *id = 0;

    sqlite3_stmt *st = NULL;
    int bad = 0;
    mm_rc rc = store_prepare_cached(s, "SELECT id FROM documents WHERE content_hash = ?1", &st, err);
    if (rc != MM_OK)
        return rc;
    *id = lookup_id(st, hash, &bad);
    store_release(st);
    if (bad)
        return store_fail(s, "cannot look up a content hash", err);
    if (*id)
        return MM_OK; /* the same text is already there */

    int64_t same_url = 0;
    if (d->url) {
        if ((rc = store_prepare_cached(s, "SELECT id FROM documents WHERE url = ?1", &st, err)) != MM_OK)
            return rc;
        same_url = lookup_id(st, d->url, &bad);
        store_release(st);
        if (bad)
            return store_fail(s, "cannot look up a URL", err);
    }
    if (same_url) {
        /* The page changed: new text, and its old sentences go (examples
         * and embeddings follow by ON DELETE CASCADE). */
        if ((rc = store_prepare_cached(s, "DELETE FROM sentences WHERE document_id = ?1", &st, err)) != MM_OK)
            return rc;
        sqlite3_bind_int64(st, 1, same_url);
        int r = sqlite3_step(st);
        store_release(st);
        if (r != SQLITE_DONE)
            return store_fail(s, "cannot remove the old sentences of a changed page", err);
        rc = store_prepare_cached(s,
                           "UPDATE documents SET url = ?1, canonical_url = ?2, site = ?3, title = ?4, authors = ?5,"
                           " description = ?6, published = ?7, modified = ?8, fetched = ?9, lang = ?10, text = ?11,"
                           " content_hash = ?12, source = ?13, source_ref = ?14, extract_method = ?15,"
                           " replacement_chars = ?16, updated = ?17, stage = 'extracted', reject_reason = NULL,"
                           " duplicate_of = NULL WHERE id = ?18",
                           &st, err);
        if (rc != MM_OK)
            return rc;
        bind_document(st, d, hash, now);
        sqlite3_bind_int64(st, 18, same_url);
        *id = same_url;
    } else {
        rc = store_prepare_cached(s,
                           "INSERT INTO documents(url, canonical_url, site, title, authors, description, published,"
                           " modified, fetched, lang, text, content_hash, source, source_ref, extract_method,"
                           " replacement_chars, added, updated)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
                           &st, err);
        if (rc != MM_OK)
            return rc;
        bind_document(st, d, hash, now);
    }
    int r = sqlite3_step(st);
    store_release(st);
    if (r != SQLITE_DONE)
        return store_fail(s, "cannot store a document", err);
    if (!same_url)
        *id = sqlite3_last_insert_rowid(store_db(s));
    *inserted = 1;
    /* in a transaction the search index is updated at store_commit */
    return sqlite3_get_autocommit(store_db(s)) ? store_fts_flush(s, err) : MM_OK;
}

static mm_rc count(struct store *s, const char *sql, int64_t *out, struct mm_err *err) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(s, sql, &st, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = store_fail(s, "cannot count rows", err);
    sqlite3_finalize(st);
    return rc;
}

mm_rc store_stats(struct store *s, size_t max_sites, struct store_stats *out, struct mm_err *err) {
    memset(out, 0, sizeof *out);
    mm_rc rc = MM_OK;
    struct {
        const char *sql;
        int64_t *dst;
    } counts[] = {
        {"SELECT count(*) FROM documents", &out->documents},
        {"SELECT count(*) FROM documents WHERE stage = 'rejected'", &out->rejected_documents},
        {"SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM documents", &out->text_bytes},
        {"SELECT count(*) FROM sentences", &out->sentences},
        {"SELECT count(*) FROM sentences WHERE reject_reason IS NULL", &out->kept_sentences},
        {"SELECT count(*) FROM examples", &out->examples},
        {"SELECT count(*) FROM embeddings", &out->embeddings},
        {"SELECT count(*) FROM runs", &out->runs},
    };
    for (size_t i = 0; rc == MM_OK && i < sizeof counts / sizeof counts[0]; i++)
        rc = count(s, counts[i].sql, counts[i].dst, err);
    if (rc != MM_OK)
        return rc;

    sqlite3_stmt *st;
    rc = store_prepare(s,
                       "SELECT coalesce(d.site, '(none)'), count(*),"
                       " (SELECT count(*) FROM sentences x JOIN documents y ON x.document_id = y.id"
                       "  WHERE y.site IS d.site)"
                       " FROM documents d GROUP BY d.site ORDER BY count(*) DESC, d.site LIMIT ?1",
                       &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)max_sites);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_site_count *ns = realloc(out->sites, (out->n_sites + 1) * sizeof *ns);
        if (ns == NULL) {
            rc = mm_err_set(err, MM_ENOMEM, "out of memory");
            break;
        }
        out->sites = ns;
        struct store_site_count *sc = &out->sites[out->n_sites];
        sc->site = strdup((const char *)sqlite3_column_text(st, 0));
        sc->documents = sqlite3_column_int64(st, 1);
        sc->sentences = sqlite3_column_int64(st, 2);
        if (sc->site == NULL) {
            rc = mm_err_set(err, MM_ENOMEM, "out of memory");
            break;
        }
        out->n_sites++;
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = store_fail(s, "cannot count documents per site", err);
    sqlite3_finalize(st);
    if (rc != MM_OK)
        store_stats_free(out);
    return rc;
}

void store_stats_free(struct store_stats *st) {
    for (size_t i = 0; i < st->n_sites; i++)
        free(st->sites[i].site);
    free(st->sites);
    st->sites = NULL;
    st->n_sites = 0;
}
