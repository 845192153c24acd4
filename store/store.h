/*
 * store.h -- the SQLite corpus database: opening with the run lock, schema
 * migrations, runs, documents and counts. The schema itself is
 * store/schema.sql (compiled in) and is documented in store/README.md.
 *
 * Ownership: a struct store owns its sqlite3 connection; stages that keep
 * their own tables (frontier, de-duplication, embeddings) use store_db()
 * with prepared statements and never close it.
 */
#ifndef MALMOI_STORE_H
#define MALMOI_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "util.h"

struct store;

/* The newest schema version this binary knows (PRAGMA user_version). */
int store_schema_version(void);

enum store_open_flags {
    STORE_READONLY = 1, /* query only: no migration, no lock */
    STORE_LOCK = 2,     /* take the run lock (a flock on FILE itself); busy -> MM_EBUSY */
    STORE_CREATE = 4,   /* create the file if it does not exist */
};

/* Open `path`, migrate its schema to the newest version (unless READONLY),
 * and with STORE_LOCK take the exclusive run lock held until store_close()
 * (also released by the kernel when the process dies, SIGKILL included).
 * The lock belongs to the file, not its name: a hard or symbolic link to a
 * locked database is busy too. Symbolic links are resolved before SQLite
 * opens the file, so all names share one -wal.
 * `command` names the holder in FILE.lock ("crawl pid 123 since ...").
 * MM_EBUSY when another process holds the lock; its message names it.
 * MM_ENOTFOUND when the file does not exist and STORE_CREATE is not set. */
mm_rc store_open(const char *path, int flags, const char *command, struct store **out, struct mm_err *err);
/* Close the connection and release the lock. NULL allowed. */
void store_close(struct store *s);
/* The connection, owned by the store. */
sqlite3 *store_db(struct store *s);
const char *store_path(const struct store *s);
/* Fill `err` from the connection's last error: "FILE: what: sqlite message". */
mm_rc store_fail(struct store *s, const char *what, struct mm_err *err);

/* Transactions (BEGIN IMMEDIATE, so writers never deadlock on upgrade).
 * store_commit first indexes the documents queued for search. */
mm_rc store_begin(struct store *s, struct mm_err *err);
mm_rc store_commit(struct store *s, struct mm_err *err);
/* Index the documents waiting in documents_fts_queue, in one batch. */
mm_rc store_fts_flush(struct store *s, struct mm_err *err);

/* The search index over documents (documents_fts, FTS5), [store] search:
 * WORDS (unicode61: whole words and word prefixes, `경제*` finds 경제가,
 * 경제는...) or TRIGRAM (any substring of 3+ characters, no 1-2 character
 * queries; about 5x the indexing CPU and 4x the index size). */
enum store_search { STORE_SEARCH_WORDS, STORE_SEARCH_TRIGRAM };
const char *store_search_name(enum store_search kind);
/* "words" or "trigram" to its kind; -1 for anything else. */
int store_search_parse(const char *name);
/* Give documents_fts the kind asked for, outside a transaction. Another
 * kind, or a missing table, is built again from every document in one
 * transaction. *was: the kind before ("words", "trigram", or "none": no
 * table; static text); *reindexed: the documents indexed, -1 when the
 * kind was already right. */
mm_rc store_search_set(struct store *s, enum store_search kind, const char **was, int64_t *reindexed,
                       struct mm_err *err);
void store_rollback(struct store *s);

/* Prepare `sql` on the store's connection; failure names the statement. */
mm_rc store_prepare(struct store *s, const char *sql, sqlite3_stmt **out, struct mm_err *err);
/* The same for statements run once per page: prepared at the first call and
 * kept until store_close. `sql` must be a string literal (its address is
 * the key); give the statement back with store_release, never finalize it. */
mm_rc store_prepare_cached(struct store *s, const char *sql, sqlite3_stmt **out, struct mm_err *err);
/* Reset a cached statement and clear its bindings. */
void store_release(sqlite3_stmt *st);

/* Runs: a row per command that changes the database. Call with the run
 * lock held (STORE_LOCK): starting a run also marks rows left 'running' by
 * a process that died as 'killed'. */
struct store_run_counts {
    int64_t pages, bytes, documents;
    const char *errors_json; /* JSON object kind -> count; NULL = "{}" */
};
mm_rc store_run_begin(struct store *s, const char *command, const char *args, int64_t *run_id, struct mm_err *err);
/* `status` is ok | failed | interrupted; `message` the summary line. */
mm_rc store_run_end(struct store *s, int64_t run_id, const char *status, const struct store_run_counts *counts,
                    const char *message, struct mm_err *err);

/* A document to insert (borrowed strings; NULL = unknown). */
struct store_document {
    const char *url, *canonical_url, *site, *title;
    const char *authors_json; /* JSON array text; NULL = "[]" */
    const char *description, *published, *modified, *fetched, *lang;
    const char *text;         /* required, valid UTF-8 */
    size_t text_len;
    const char *source;       /* crawl | import:bert-text | import:jsonl | import:warc | import:wet */
    const char *source_ref;
    const char *extract_method;
    int64_t replacement_chars;
};
/* Insert `d` unless a document with the same text (content hash) exists.
 * *id is the new or existing row, *inserted 1 when a row was added. A crawl
 * document whose URL already exists with other text replaces that text
 * (and its sentences), counted as inserted. */
mm_rc store_document_put(struct store *s, const struct store_document *d, int64_t *id, int *inserted,
                         struct mm_err *err);

/* Import one file in one transaction: on any error (invalid UTF-8, broken
 * JSON, a line over MM_LINE_MAX = 16 MiB, a full disk) the message names FILE:LINE and
 * nothing of the file stays in the database. Documents whose text is
 * already there are counted as present, not added. Path "-" is stdin. */
enum store_import_format {
    STORE_IMPORT_BERT_TEXT, /* one sentence a line, blank line between documents */
    STORE_IMPORT_JSONL,     /* {"text": ..., "url", "title", "site", "published", "authors", ...} */
};
struct store_import_counts {
    int64_t lines, added, present;
};
mm_rc store_import_file(struct store *s, const char *path, enum store_import_format format,
                        struct store_import_counts *counts, struct mm_err *err);

/* Counts for `malmoi stats`. */
struct store_site_count {
    char *site;
    int64_t documents, sentences;
};
struct store_stats {
    int64_t documents, rejected_documents, sentences, kept_sentences, examples, embeddings, runs;
    int64_t text_bytes;
    struct store_site_count *sites; /* largest first; owned, store_stats_free() */
    size_t n_sites;
};
mm_rc store_stats(struct store *s, size_t max_sites, struct store_stats *out, struct mm_err *err);
void store_stats_free(struct store_stats *st);

/* ---- Rule health (health.c; tables run_sites and feeds) ---- */

/* 1 when the database has a table of that name (an older schema may not). */
int store_has_table(struct store *s, const char *name);

/* How one site's pages were extracted in one run (a run_sites row). */
struct store_site_outcomes {
    const char *site;
    int64_t pages, rule, rule_fallback, embedded, generic, empty, other_pages;
};
/* Add `o` to the run's row for o->site (created when missing). */
mm_rc store_run_site_add(struct store *s, int64_t run_id, const struct store_site_outcomes *o, struct mm_err *err);
/* 1 when a site's rule fell back on more than a fifth of its article pages. */
int store_fallback_warns(int64_t rule_fallback, int64_t pages);

/* A feed or sitemap read in a run: its entries and the newest entry date
 * (-1: none dated). Replaces the feed's row. */
mm_rc store_feed_seen(struct store *s, const char *url, const char *site, const char *kind, int64_t run_id,
                      int64_t fetched, int64_t items, int64_t dated_items, int64_t newest_item, struct mm_err *err);

struct store_health_site {
    int64_t run_id;
    char *started;               /* runs.started */
    struct store_site_outcomes o; /* o.site owned */
    int fallback_warn;           /* store_fallback_warns() */
};
struct store_health_feed {
    char *url, *site, *kind;
    int64_t fetched, items, dated_items;
    int64_t newest;      /* newest entry, or for undated entries the newest published date of the
                            documents fetched from them; -1 when unknown */
    int newest_from_pages; /* newest came from the articles' own dates */
    int stale;           /* kind feed, fetched within max_age, and empty or its newest entry older than max_age */
};
struct store_health {
    struct store_health_site *sites; /* the last runs with rows, newest run first, then site */
    size_t n_sites;
    struct store_health_feed *feeds; /* every recorded feed and sitemap, by URL */
    size_t n_feeds;
};
/* Site outcomes of the `last_runs` newest runs that have any, and every
 * feed, stale when older than `max_age_s` at `now` (0: never stale). */
mm_rc store_health_read(struct store *s, size_t last_runs, int64_t max_age_s, int64_t now, struct store_health *out,
                        struct mm_err *err);
void store_health_free(struct store_health *h);

#endif
