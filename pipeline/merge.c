/*
 * merge.c -- `malmoi merge`: shard databases (one per Slurm task or
 * machine) joined into one target, each shard in one transaction of the
 * target. Documents come with their sentences, examples, embeddings and
 * reject reasons; exact duplicates (content hash) and near duplicates
 * (MinHash LSH bands, the rule of text_db_process) are decided against
 * everything already in the target, in shard order, as one process
 * importing the shards' inputs one after another would. The frontier
 * (urls, hosts, responses) comes too, so links a partitioned crawl
 * recorded for other partitions reach the target's queue.
 */
#include "pipeline.h"
#include "pipeline_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    M_SHARD_DOCS,   /* the shard's documents, in order */
    M_BY_HASH,      /* a target document with that text */
    M_BY_URL,       /* a target document with that URL */
    M_DELETE_DOC,   /* a changed page's older text goes */
    M_INSERT_DOC,   /* copy one document */
    M_MAP_DOC,      /* remember old -> new */
    M_DOC_MAPPED,   /* the new id of an old one */
    M_BANDS,        /* does any band of the shard document match a target document? */
    M_SET_NEARDUP,  /* mark it a near duplicate */
    M_COPY_BANDS,
    M_COPY_SENTENCES,
    M_MAP_SENTENCES,
    M_SET_DUP_OF,   /* a rejected document's duplicate_of, mapped */
    M_COUNT
};

static const char *const msql[M_COUNT] = {
    [M_SHARD_DOCS] = "SELECT id, content_hash, url, stage, fetched, duplicate_of FROM shard.documents"
                     " ORDER BY id",
    [M_BY_HASH] = "SELECT id FROM main.documents WHERE content_hash = ?1",
    /* a target page of that URL fetched earlier than the shard's (NULL dates: earlier) */
    [M_BY_URL] = "SELECT id, coalesce(fetched, '') >= coalesce(?2, '') AND ?2 IS NOT NULL AND fetched IS NOT NULL"
                 " FROM main.documents WHERE url = ?1",
    [M_DELETE_DOC] = "DELETE FROM main.documents WHERE id = ?1",
    [M_INSERT_DOC] = "INSERT INTO main.documents (url, canonical_url, site, title, authors, description, published,"
                     " modified, fetched, lang, text, content_hash, source, source_ref, extract_method,"
                     " replacement_chars, stage, reject_reason, added, updated)"
                     " SELECT url, canonical_url, site, title, authors, description, published, modified, fetched,"
                     " lang, text, content_hash, source, source_ref, extract_method, replacement_chars, stage,"
                     " reject_reason, added, updated FROM shard.documents WHERE id = ?1",
    [M_MAP_DOC] = "INSERT OR REPLACE INTO temp.merge_docs (old, new, copied) VALUES (?1, ?2, ?3)",
    [M_DOC_MAPPED] = "SELECT new FROM temp.merge_docs WHERE old = ?1",
    [M_BANDS] = "SELECT min(t.document_id) FROM shard.minhash_bands s JOIN main.minhash_bands t"
                " ON t.band = s.band AND t.hash = s.hash WHERE s.document_id = ?1",
    [M_SET_NEARDUP] = "UPDATE main.documents SET stage = 'rejected', reject_reason = 'near_duplicate',"
                      " duplicate_of = ?2 WHERE id = ?1",
    [M_COPY_BANDS] = "INSERT OR IGNORE INTO main.minhash_bands (band, hash, document_id)"
                     " SELECT band, hash, ?2 FROM shard.minhash_bands WHERE document_id = ?1",
    /* duplicate_of as text_db_process sets it: the first sentence with the
     * same hash in another document of the target */
    [M_COPY_SENTENCES] = "INSERT INTO main.sentences (document_id, position, paragraph, text, hash, reject_reason,"
                         " duplicate_of) SELECT ?2, s.position, s.paragraph, s.text, s.hash, s.reject_reason,"
                         " (SELECT t.id FROM main.sentences t WHERE t.hash = s.hash AND t.document_id <> ?2"
                         " ORDER BY t.id LIMIT 1) FROM shard.sentences s WHERE s.document_id = ?1 ORDER BY s.position",
    [M_MAP_SENTENCES] = "INSERT INTO temp.merge_sentences (old, new) SELECT s.id, t.id FROM shard.sentences s"
                        " JOIN main.sentences t ON t.document_id = ?2 AND t.position = s.position"
                        " WHERE s.document_id = ?1",
    [M_SET_DUP_OF] = "UPDATE main.documents SET duplicate_of = ?2 WHERE id = ?1",
};

/* Statements run once per shard, after the documents, in this order. */
static const char *const tail_sql[] = {
    /* examples and embeddings of the copied sentences */
    "INSERT INTO temp.merge_examples (old, new_sentence, tokenizer) SELECT e.id, m.new, e.tokenizer"
    " FROM shard.examples e JOIN temp.merge_sentences m ON m.old = e.sentence_id",
    "INSERT INTO main.examples (sentence_id, tokenizer, input_ids, token_type_ids, attention_mask, length, truncated)"
    " SELECT m.new, e.tokenizer, e.input_ids, e.token_type_ids, e.attention_mask, e.length, e.truncated"
    " FROM shard.examples e JOIN temp.merge_sentences m ON m.old = e.sentence_id ORDER BY e.id",
    "INSERT INTO main.embeddings (example_id, model, model_sha256, pooling, dim, vector, added)"
    " SELECT t.id, b.model, b.model_sha256, b.pooling, b.dim, b.vector, b.added FROM shard.embeddings b"
    " JOIN temp.merge_examples x ON x.old = b.example_id"
    " JOIN main.examples t ON t.sentence_id = x.new_sentence AND t.tokenizer = x.tokenizer ORDER BY b.id",
    /* what the sites repeat: the learning goes on in the target */
    "INSERT OR IGNORE INTO main.text_site_lines (site, hash, document_id) SELECT l.site, l.hash, m.new"
    " FROM shard.text_site_lines l JOIN temp.merge_docs m ON m.old = l.document_id AND m.copied",
    /* the frontier: new URLs as they are; a URL the target has queued but
     * the shard fetched takes the shard's state */
    "INSERT OR IGNORE INTO main.hosts SELECT * FROM shard.hosts",
    /* a host another partition only recorded: the state of the one that fetched it */
    "UPDATE main.hosts AS t SET robots_status = h.robots_status, robots_txt = h.robots_txt,"
    " robots_fetched = h.robots_fetched, crawl_delay_ms = h.crawl_delay_ms,"
    " next_allowed = max(t.next_allowed, h.next_allowed), failures = h.failures, parked_until = h.parked_until,"
    " parked_reason = h.parked_reason FROM shard.hosts h"
    " WHERE h.host = t.host AND coalesce(h.robots_fetched, -1) > coalesce(t.robots_fetched, -1)",
    "INSERT OR IGNORE INTO main.urls (url, host, site, kind, state, depth, priority, next_fetch, attempts, first_seen,"
    " last_fetched, last_status, last_error, etag, last_modified, content_hash, lastmod, document_id)"
    " SELECT u.url, u.host, u.site, u.kind, CASE u.state WHEN 'claimed' THEN 'queued' ELSE u.state END, u.depth,"
    " u.priority, u.next_fetch, u.attempts, u.first_seen, u.last_fetched, u.last_status, u.last_error, u.etag,"
    " u.last_modified, u.content_hash, u.lastmod, (SELECT m.new FROM temp.merge_docs m WHERE m.old = u.document_id)"
    " FROM shard.urls u ORDER BY u.id",
    "UPDATE main.urls AS t SET state = u.state, next_fetch = u.next_fetch, attempts = u.attempts,"
    " last_fetched = u.last_fetched, last_status = u.last_status, last_error = u.last_error, etag = u.etag,"
    " last_modified = u.last_modified, content_hash = u.content_hash, lastmod = u.lastmod,"
    " document_id = coalesce((SELECT m.new FROM temp.merge_docs m WHERE m.old = u.document_id), t.document_id)"
    " FROM shard.urls u WHERE u.url = t.url AND t.state = 'queued' AND u.state IN ('done', 'failed', 'skipped')",
    /* raw responses of the shard's URLs, each once */
    "INSERT INTO main.responses (url_id, run_id, final_url, status, headers, content_type, body, body_size, fetched,"
    " duration_ms) SELECT t.id, NULL, r.final_url, r.status, r.headers, r.content_type, r.body, r.body_size,"
    " r.fetched, r.duration_ms FROM shard.responses r JOIN shard.urls u ON u.id = r.url_id"
    " JOIN main.urls t ON t.url = u.url WHERE NOT EXISTS (SELECT 1 FROM main.responses x WHERE x.url_id = t.id"
    " AND x.fetched = r.fetched AND x.final_url = r.final_url AND x.status = r.status) ORDER BY r.id",
};

struct merger {
    struct store *s;
    const char *shard;
    sqlite3_stmt *q[M_COUNT];
    struct pipeline_merge_counts *c;
    struct mm_err *err;
};

static sqlite3_stmt *q(struct merger *m, int i) {
    sqlite3_reset(m->q[i]);
    sqlite3_clear_bindings(m->q[i]);
    return m->q[i];
}

static mm_rc fail(struct merger *m, const char *what) {
    char buf[256];
    snprintf(buf, sizeof buf, "merging %s: %s", m->shard, what);
    return store_fail(m->s, buf, m->err);
}

/* Run a statement that returns nothing, or one optional integer in *out. */
static mm_rc step(struct merger *m, sqlite3_stmt *st, int64_t *out, const char *what) {
    int r = sqlite3_step(st);
    if (out)
        *out = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        return fail(m, what);
    sqlite3_reset(st);
    return MM_OK;
}

static mm_rc exec(struct merger *m, const char *sql, const char *what) {
    if (sqlite3_exec(store_db(m->s), sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(m, what);
    return MM_OK;
}

/* Run statement `i` with integer parameters ?1..?n (n <= 3); *out (may
 * be NULL) gets the first column of a returned row, else 0. */
static mm_rc run_ints(struct merger *m, int i, int n, int64_t a, int64_t b, int64_t c, int64_t *out, const char *what) {
    sqlite3_stmt *st = q(m, i);
    int64_t v[3] = {a, b, c};
    for (int k = 0; k < n; k++)
        sqlite3_bind_int64(st, k + 1, v[k]);
    return step(m, st, out, what);
}

/* One shard document into the target. */
static mm_rc merge_document(struct merger *m, int64_t old, const char *hash, const char *url, const char *stage,
                            const char *fetched, int64_t old_dup_of, int *mapped_later) {
    int64_t have = 0, new_id = 0, match = 0;
    sqlite3_stmt *st = q(m, M_BY_HASH);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    mm_rc rc = step(m, st, &have, "looking up a content hash");
    if (rc != MM_OK)
        return rc;
    if (have) { /* the same text is there: nothing to copy */
        m->c->present++;
        return run_ints(m, M_MAP_DOC, 3, old, have, 0, NULL, "mapping a document");
    }
    if (url) { /* the same page with other text: the later fetch wins */
        int64_t same_url = 0, target_newer = 0;
        st = q(m, M_BY_URL);
        sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, fetched, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            same_url = sqlite3_column_int64(st, 0);
            target_newer = sqlite3_column_int64(st, 1);
        } else if (r != SQLITE_DONE) {
            return fail(m, "looking up a URL");
        }
        sqlite3_reset(st);
        if (same_url && target_newer) { /* the target's text is the newer one: keep it */
            m->c->outdated++;
            return run_ints(m, M_MAP_DOC, 3, old, same_url, 0, NULL, "mapping a document");
        }
        if (same_url) {
            if ((rc = run_ints(m, M_DELETE_DOC, 1, same_url, 0, 0, NULL, "replacing a changed page")) != MM_OK)
                return rc;
            m->c->replaced++;
        }
    }
    if ((rc = run_ints(m, M_INSERT_DOC, 1, old, 0, 0, NULL, "copying a document")) != MM_OK)
        return rc;
    new_id = sqlite3_last_insert_rowid(store_db(m->s));
    m->c->documents++;
    if ((rc = run_ints(m, M_MAP_DOC, 3, old, new_id, 1, NULL, "mapping a document")) != MM_OK)
        return rc;
    if (strcmp(stage, "rejected") == 0) {
        if (old_dup_of)
            *mapped_later = 1; /* its duplicate_of is mapped once every document is in */
        return MM_OK;
    }
    if (strcmp(stage, "extracted") == 0)
        return MM_OK; /* not split yet: the target's next run does it */
    if ((rc = run_ints(m, M_BANDS, 1, old, 0, 0, &match, "looking up MinHash bands")) != MM_OK)
        return rc;
    if (match) { /* a near duplicate of a document already in the target */
        m->c->near_duplicates++;
        return run_ints(m, M_SET_NEARDUP, 2, new_id, match, 0, NULL, "marking a near duplicate");
    }
    if ((rc = run_ints(m, M_COPY_BANDS, 2, old, new_id, 0, NULL, "copying MinHash bands")) != MM_OK ||
        (rc = run_ints(m, M_COPY_SENTENCES, 2, old, new_id, 0, NULL, "copying sentences")) != MM_OK)
        return rc;
    m->c->sentences += sqlite3_changes(store_db(m->s));
    return run_ints(m, M_MAP_SENTENCES, 2, old, new_id, 0, NULL, "mapping sentences");
}

/* The shard's file must exist, differ from the target, and have the schema
 * this malmoi writes: an older one is upgraded in place (store_open), a
 * newer one refused. The shard stays open (its run lock held) while it is
 * read, so a shard still being written is not merged half-done. */
static mm_rc open_shard(struct store *target, const char *path, struct store **out, struct mm_err *err) {
    struct stat a, b;
    if (stat(path, &a) != 0)
        return mm_err_set(err, MM_ENOTFOUND, "%s: no such shard database; check the path", path);
    if (stat(store_path(target), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return mm_err_set(err, MM_EINVAL, "%s is the target database itself; name the shards only", path);
    return store_open(path, STORE_LOCK, "merge (reading the shard)", out, err);
}

mm_rc pipeline_merge_shard(struct store *s, const char *shard, const struct pipeline_log *log, volatile int *stop,
                           struct pipeline_merge_counts *c, struct mm_err *err) {
    memset(c, 0, sizeof *c);
    struct store *sh = NULL;
    mm_rc rc = open_shard(s, shard, &sh, err);
    if (rc != MM_OK)
        return rc;
    struct merger m = {.s = s, .shard = shard, .c = c, .err = err};
    sqlite3 *db = store_db(s);
    sqlite3_stmt *att = NULL;
    int attached = 0;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS shard", -1, &att, NULL) != SQLITE_OK) {
        rc = fail(&m, "cannot attach it");
        goto done;
    }
    sqlite3_bind_text(att, 1, shard, -1, SQLITE_STATIC);
    int r = sqlite3_step(att);
    sqlite3_finalize(att);
    if (r != SQLITE_DONE) {
        rc = fail(&m, "cannot attach it");
        goto done;
    }
    attached = 1;
    if ((rc = exec(&m,
                   "CREATE TEMP TABLE IF NOT EXISTS merge_docs (old INTEGER PRIMARY KEY, new INTEGER NOT NULL,"
                   " copied INTEGER NOT NULL DEFAULT 0);"
                   "CREATE TEMP TABLE IF NOT EXISTS merge_sentences (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
                   "CREATE TEMP TABLE IF NOT EXISTS merge_examples (old INTEGER PRIMARY KEY,"
                   " new_sentence INTEGER NOT NULL, tokenizer TEXT NOT NULL);"
                   "DELETE FROM temp.merge_docs; DELETE FROM temp.merge_sentences; DELETE FROM temp.merge_examples;",
                   "cannot make the id maps")) != MM_OK)
        goto done;
    for (int i = 0; i < M_COUNT; i++)
        if (sqlite3_prepare_v2(db, msql[i], -1, &m.q[i], NULL) != SQLITE_OK) {
            rc = fail(&m, "cannot prepare a statement (is it a malmoi database?)");
            goto done;
        }
    if ((rc = store_begin(s, err)) != MM_OK)
        goto done;
    struct pending {
        int64_t old, dup_of;
    } *later = NULL;
    size_t n_later = 0, cap_later = 0;
    sqlite3_stmt *docs = q(&m, M_SHARD_DOCS);
    while (rc == MM_OK && (r = sqlite3_step(docs)) == SQLITE_ROW) {
        if (stop && *stop) {
            rc = mm_err_set(err, MM_EINTR, "%s: stopped by a signal; nothing of the shard was merged", shard);
            break;
        }
        int64_t old = sqlite3_column_int64(docs, 0);
        const char *hash = (const char *)sqlite3_column_text(docs, 1);
        const char *url = (const char *)sqlite3_column_text(docs, 2);
        const char *stage = (const char *)sqlite3_column_text(docs, 3);
        const char *fetched = (const char *)sqlite3_column_text(docs, 4);
        int64_t dup_of = sqlite3_column_int64(docs, 5);
        int map_later = 0;
        rc = merge_document(&m, old, hash ? hash : "", url, stage ? stage : "extracted", fetched, dup_of, &map_later);
        if (rc == MM_OK && map_later) {
            if (n_later == cap_later) {
                cap_later = cap_later ? 2 * cap_later : 64;
                struct pending *p = realloc(later, cap_later * sizeof *p);
                if (p == NULL) {
                    rc = mm_err_set(err, MM_ENOMEM, "out of memory");
                    break;
                }
                later = p;
            }
            later[n_later].old = old;
            later[n_later].dup_of = dup_of;
            n_later++;
        }
        if (rc == MM_OK && (c->documents + c->present) % 256 == 0)
            pipeline_say(log, 1, "%s: %lld documents merged, %lld already there", shard, (long long)c->documents,
                         (long long)c->present);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = fail(&m, "cannot read its documents");
    sqlite3_reset(docs);
    /* rejected near duplicates point at the document they duplicate, mapped */
    for (size_t i = 0; rc == MM_OK && i < n_later; i++) {
        int64_t new_id = 0, target = 0;
        if ((rc = run_ints(&m, M_DOC_MAPPED, 1, later[i].old, 0, 0, &new_id, "mapping ids")) != MM_OK ||
            (rc = run_ints(&m, M_DOC_MAPPED, 1, later[i].dup_of, 0, 0, &target, "mapping ids")) != MM_OK)
            break;
        sqlite3_stmt *st = q(&m, M_SET_DUP_OF);
        sqlite3_bind_int64(st, 1, new_id);
        if (target)
            sqlite3_bind_int64(st, 2, target);
        rc = step(&m, st, NULL, "mapping duplicate_of");
    }
    free(later);
    for (size_t i = 0; rc == MM_OK && i < sizeof tail_sql / sizeof tail_sql[0]; i++) {
        rc = exec(&m, tail_sql[i], "copying examples, embeddings and the frontier");
        if (rc == MM_OK && i == 1)
            c->examples = sqlite3_changes(db);
        if (rc == MM_OK && i == 2)
            c->embeddings = sqlite3_changes(db);
        if (rc == MM_OK && i == 6)
            c->urls = sqlite3_changes(db);
    }
    if (rc == MM_OK)
        rc = store_commit(s, err);
    if (rc != MM_OK) {
        store_rollback(s);
        c->documents = c->present = c->near_duplicates = c->replaced = c->outdated = c->sentences = c->examples = c->embeddings =
            c->urls = 0;
    }
done:
    for (int i = 0; i < M_COUNT; i++)
        sqlite3_finalize(m.q[i]);
    if (attached && sqlite3_exec(db, "DETACH DATABASE shard", NULL, NULL, NULL) != SQLITE_OK && rc == MM_OK)
        rc = fail(&m, "cannot detach it");
    store_close(sh);
    pipeline_progress_done(log);
    return rc;
}
