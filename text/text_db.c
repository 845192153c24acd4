/*
 * text_db.c -- the text step against the corpus database: per-site learned
 * boilerplate lines (text_site_lines), MinHash LSH near-duplicate lookup
 * and insert (minhash_bands), exact sentence duplicates (sentences.hash),
 * and writing sentences and the document's stage (store/schema.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "text_int.h"

enum {
    Q_READ,
    Q_DEL_SENTENCES,
    Q_INS_SENTENCE,
    Q_DUP_SENTENCE,
    Q_DOC_KEPT,
    Q_DOC_REJECTED,
    Q_SITE_COUNT,
    Q_SITE_INSERT,
    Q_BAND_FIND,
    Q_BAND_INSERT,
    Q_BAND_DELETE,
    Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_READ] = "SELECT text, site, source FROM documents WHERE id = ?1",
    [Q_DEL_SENTENCES] = "DELETE FROM sentences WHERE document_id = ?1",
    [Q_INS_SENTENCE] = "INSERT INTO sentences (document_id, position, paragraph, text, hash, reject_reason,"
                       " duplicate_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_DUP_SENTENCE] = "SELECT id FROM sentences WHERE hash = ?1 AND document_id <> ?2 ORDER BY id LIMIT 1",
    [Q_DOC_KEPT] = "UPDATE documents SET stage = 'split', reject_reason = NULL, duplicate_of = NULL,"
                   " updated = ?2 WHERE id = ?1",
    [Q_DOC_REJECTED] = "UPDATE documents SET stage = 'rejected', reject_reason = ?2, duplicate_of = ?3,"
                       " updated = ?4 WHERE id = ?1",
    [Q_SITE_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM text_site_lines WHERE site = ?1 AND hash = ?2"
                     " AND document_id <> ?3 LIMIT ?4)",
    [Q_SITE_INSERT] = "INSERT OR IGNORE INTO text_site_lines (site, hash, document_id) VALUES (?1, ?2, ?3)",
    [Q_BAND_FIND] = "SELECT document_id FROM minhash_bands WHERE band = ?1 AND hash = ?2 AND document_id <> ?3"
                    " ORDER BY document_id LIMIT 1",
    [Q_BAND_INSERT] = "INSERT OR IGNORE INTO minhash_bands (band, hash, document_id) VALUES (?1, ?2, ?3)",
    [Q_BAND_DELETE] = "DELETE FROM minhash_bands WHERE document_id = ?1",
};

struct text_db {
    struct store *s;
    struct text_config cfg;
    sqlite3_stmt *q[Q_COUNT];
    struct text_doc doc;
    /* the document being processed, for the site-line callback */
    const char *site;
    int64_t id;
    int64_t boilerplate_lines;
    mm_rc cb_rc;
    struct mm_err *cb_err;
};

mm_rc text_db_open(struct store *s, const struct text_config *cfg, struct text_db **out, struct mm_err *err) {
    *out = NULL;
    struct text_db *h = calloc(1, sizeof *h);
    if (h == NULL)
        return mm_err_set(err, MM_ENOMEM, "text: out of memory");
    h->s = s;
    h->cfg = *cfg;
    text_doc_init(&h->doc);
    for (int i = 0; i < Q_COUNT; i++) {
        mm_rc rc = store_prepare(s, sql[i], &h->q[i], err);
        if (rc != MM_OK) {
            text_db_close(h);
            return rc;
        }
    }
    *out = h;
    return MM_OK;
}

void text_db_close(struct text_db *h) {
    if (h == NULL)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(h->q[i]);
    text_doc_free(&h->doc);
    free(h);
}

static sqlite3_stmt *q(struct text_db *h, int i) {
    sqlite3_reset(h->q[i]);
    sqlite3_clear_bindings(h->q[i]);
    return h->q[i];
}

static mm_rc fail(struct text_db *h, const char *what, int64_t id, struct mm_err *err) {
    char buf[160];
    snprintf(buf, sizeof buf, "text step for document %lld: %s", (long long)id, what);
    return store_fail(h->s, buf, err);
}

/* Has the site shown this line on site_line_min_docs pages (this one
 * included)? Records the page while the line is below the count. */
static int site_line(void *ctx, const char *line, size_t len) {
    struct text_db *h = ctx;
    if (h->cb_rc != MM_OK)
        return 0;
    int64_t hash = (int64_t)(mm_hash64(line, len, 0x73697465ull) & 0x7FFFFFFFFFFFFFFFull);
    long need = h->cfg.site_line_min_docs;
    sqlite3_stmt *st = q(h, Q_SITE_COUNT);
    sqlite3_bind_text(st, 1, h->site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, hash);
    sqlite3_bind_int64(st, 3, h->id);
    sqlite3_bind_int64(st, 4, need);
    if (sqlite3_step(st) != SQLITE_ROW) {
        h->cb_rc = fail(h, "counting the site's lines", h->id, h->cb_err);
        return 0;
    }
    long others = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (others + 1 >= need) {
        h->boilerplate_lines++;
        return 1;
    }
    st = q(h, Q_SITE_INSERT);
    sqlite3_bind_text(st, 1, h->site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, hash);
    sqlite3_bind_int64(st, 3, h->id);
    if (sqlite3_step(st) != SQLITE_DONE)
        h->cb_rc = fail(h, "recording the site's lines", h->id, h->cb_err);
    sqlite3_reset(st);
    return 0;
}

static mm_rc set_rejected(struct text_db *h, int64_t id, const char *why, int64_t dup, const char *now,
                          struct mm_err *err) {
    sqlite3_stmt *st = q(h, Q_DOC_REJECTED);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, why, -1, SQLITE_TRANSIENT);
    if (dup)
        sqlite3_bind_int64(st, 3, dup);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    mm_rc rc = sqlite3_step(st) == SQLITE_DONE ? MM_OK : fail(h, "marking it rejected", id, err);
    sqlite3_reset(st);
    return rc;
}

mm_rc text_db_process(struct text_db *h, int64_t id, struct text_result *res, struct mm_err *err) {
    struct text_result r = {0};
    char now[32];
    mm_format_utc(mm_now_unix_ms() / 1000, now);
    sqlite3_stmt *st = q(h, Q_READ);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        return mm_err_set(err, MM_ENOTFOUND, "text step: no document with id %lld; check the id", (long long)id);
    }
    if (step != SQLITE_ROW)
        return fail(h, "reading it", id, err);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    const char *site = (const char *)sqlite3_column_text(st, 1);
    const char *source = (const char *)sqlite3_column_text(st, 2);
    int presplit = source && strcmp(source, "import:bert-text") == 0;
    /* copies: the row's memory goes away at the next step/reset */
    char *site_copy = site ? strdup(site) : NULL;
    h->site = site_copy;
    h->id = id;
    h->boilerplate_lines = 0;
    h->cb_rc = MM_OK;
    h->cb_err = err;
    mm_rc rc = text_doc_process(&h->doc, &h->cfg, text ? text : "", len, presplit,
                                (site_copy && !presplit) ? site_line : NULL, h, err);
    sqlite3_reset(st);
    if (rc == MM_OK)
        rc = h->cb_rc;
    if (rc != MM_OK) {
        if (rc == MM_ECHARSET)
            rc = mm_err_set(err, rc, "document %lld: %s", (long long)id, err ? err->msg : "bad text");
        goto done;
    }
    struct text_doc *d = &h->doc;
    r.invisible = d->norm.invisible;
    r.control = d->norm.control;
    r.replacement = d->norm.replacement;
    for (size_t i = 0; i < d->n_sentences; i++)
        if (d->sentences[i].reject && strncmp(d->sentences[i].reject, "boilerplate:", 12) == 0 &&
            (i == 0 || d->sentences[i - 1].paragraph != d->sentences[i].paragraph))
            r.boilerplate_lines++;
    /* re-processing replaces the old rows */
    st = q(h, Q_DEL_SENTENCES);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(h, "deleting old sentences", id, err);
        goto done;
    }
    st = q(h, Q_BAND_DELETE);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(h, "deleting old MinHash bands", id, err);
        goto done;
    }
    if (d->reject) {
        snprintf(r.reject, sizeof r.reject, "%s", d->reject);
        rc = set_rejected(h, id, d->reject, 0, now, err);
        goto done;
    }
    if (!presplit && h->cfg.filters) {
        /* MinHash over the kept sentences */
        struct mm_buf kept;
        mm_buf_init(&kept, 0);
        for (size_t i = 0; i < d->n_sentences; i++) {
            if (d->sentences[i].reject)
                continue;
            mm_buf_append(&kept, d->text.data + d->sentences[i].start, d->sentences[i].len);
            mm_buf_putc(&kept, '\n');
        }
        int64_t keys[64];
        long nb = h->cfg.minhash_bands > 64 ? 64 : h->cfg.minhash_bands;
        int have = text_minhash_bands(kept.data ? kept.data : "", kept.len, h->cfg.minhash_ngram, nb,
                                      h->cfg.minhash_rows, keys);
        mm_buf_free(&kept);
        int64_t dup = 0;
        for (long b = 0; have && b < nb && rc == MM_OK; b++) {
            st = q(h, Q_BAND_FIND);
            sqlite3_bind_int64(st, 1, b);
            sqlite3_bind_int64(st, 2, keys[b]);
            sqlite3_bind_int64(st, 3, id);
            step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                int64_t other = sqlite3_column_int64(st, 0);
                if (dup == 0 || other < dup)
                    dup = other;
            } else if (step != SQLITE_DONE) {
                rc = fail(h, "looking up MinHash bands", id, err);
            }
            sqlite3_reset(st);
        }
        if (rc != MM_OK)
            goto done;
        if (dup) {
            snprintf(r.reject, sizeof r.reject, "%s", TEXT_R_NEAR_DUP);
            r.duplicate_of = dup;
            rc = set_rejected(h, id, TEXT_R_NEAR_DUP, dup, now, err);
            goto done;
        }
        for (long b = 0; have && b < nb; b++) {
            st = q(h, Q_BAND_INSERT);
            sqlite3_bind_int64(st, 1, b);
            sqlite3_bind_int64(st, 2, keys[b]);
            sqlite3_bind_int64(st, 3, id);
            if (sqlite3_step(st) != SQLITE_DONE) {
                rc = fail(h, "recording MinHash bands", id, err);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < d->n_sentences; i++) {
        const struct text_sentence *s = &d->sentences[i];
        int64_t dup = 0;
        st = q(h, Q_DUP_SENTENCE);
        sqlite3_bind_text(st, 1, s->hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            dup = sqlite3_column_int64(st, 0);
        else if (step != SQLITE_DONE) {
            rc = fail(h, "looking up sentence hashes", id, err);
            goto done;
        }
        st = q(h, Q_INS_SENTENCE);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int64(st, 3, s->paragraph);
        sqlite3_bind_text(st, 4, d->text.data + s->start, (int)s->len, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, s->hash, -1, SQLITE_STATIC);
        if (s->reject)
            sqlite3_bind_text(st, 6, s->reject, -1, SQLITE_STATIC);
        if (dup)
            sqlite3_bind_int64(st, 7, dup);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(h, "writing sentences", id, err);
            goto done;
        }
        r.sentences++;
        r.rejected += s->reject != NULL;
        r.duplicates += dup != 0;
    }
    st = q(h, Q_DOC_KEPT);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = fail(h, "marking it split", id, err);
done:
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_reset(h->q[i]);
    free(site_copy);
    h->site = NULL;
    if (res)
        *res = r;
    return rc;
}

mm_rc text_process_document(struct store *s, int64_t id, const struct text_config *cfg, struct text_result *res,
                            struct mm_err *err) {
    struct text_db *h;
    mm_rc rc = text_db_open(s, cfg, &h, err);
    if (rc != MM_OK)
        return rc;
    rc = text_db_process(h, id, res, err);
    text_db_close(h);
    return rc;
}
