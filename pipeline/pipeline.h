/*
 * pipeline.h -- the steps of `malmoi run` and `malmoi reprocess`, joining
 * the stages through the database: page -> document (parser/), document ->
 * sentences (text/), sentences -> examples (tokenize/), examples ->
 * embeddings (embed/). Each step picks the documents whose `stage` says
 * they are due, works in short transactions, and so resumes after a kill.
 */
#ifndef MALMOI_PIPELINE_H
#define MALMOI_PIPELINE_H

#include <stdint.h>

#include "crawler.h"
#include "embed.h"
#include "parser.h"
#include "store.h"
#include "text.h"
#include "tokenize.h"
#include "util.h"

/* Where the pipeline's words go. The pipeline never prints: cli/ passes
 * callbacks that print (or not, under cron). Either may be NULL. */
struct pipeline_log {
    void (*line)(void *ctx, const char *msg);     /* one log line */
    void (*progress)(void *ctx, const char *msg); /* the status line; msg NULL ends it */
    void *ctx;
};

/* The whole configuration, read once: every stage's settings plus the
 * [pipeline] section (paths resolved against the config file's folder). */
struct pipeline_config {
    char *config_path;           /* the file read; NULL: built-in defaults */
    struct mm_conf *conf;        /* the file's entries */
    struct crawl_config *crawl;  /* [crawler] and the sites' crawl keys */
    const char *ua_placeholder;  /* the [crawler] key still holding the shipped placeholder, or NULL */
    struct parse_rules *rules;   /* the sites' extraction rules */
    struct text_config text;     /* [text] */
    char *tokenizer;             /* .model, vocab.txt or model folder */
    long embed_max_length;       /* ids per sentence embedded (longer: cut) */
    char *embed_model;           /* model folder, or NULL for no embeddings */
    enum emb_pooling embed_pooling; /* EMB_POOL_DEFAULT (the model's) unless set */
    long batch_documents;        /* documents per transaction */
    char *report;                /* [pipeline] report: the HTML page `malmoi run` rewrites, or NULL */
    enum store_search search;    /* [store] search: the documents_fts kind (words by default) */
    struct pipeline_log log;     /* where log lines and progress go */
};

/* Find and read the configuration: `path` if given ("": none), else
 * $MALMOI_CONFIG, else ./config/malmoi.ini, else the config belonging to
 * the binary (PREFIX/share/malmoi/config/malmoi.ini, or the source tree's
 * for the build tree's binary), else built-in defaults; logs the file used,
 * or that there is none. `log` (may be NULL: silent) is kept in out->log for the
 * steps that take the config. Every stage reads its keys; a key nobody knows, or a bad value,
 * fails naming FILE:LINE:KEY. */
mm_rc pipeline_config_load(const char *path, const struct pipeline_log *log, struct pipeline_config *out,
                           struct mm_err *err);
void pipeline_config_free(struct pipeline_config *pc);

/* Give the database's search index the kind the config asks for
 * ([store] search); a change rebuilds it from every document, logged with
 * its cost. Commands that write documents call it after opening the store. */
mm_rc pipeline_store_search(struct store *s, const struct pipeline_config *pc, struct mm_err *err);

/* Counts of one pipeline pass, for the summary line. */
struct pipeline_counts {
    int64_t documents_split, documents_rejected, sentences, examples, embeddings;
};

/* State of the page handler: the site rules, and what it counted. */
struct pipeline_pages {
    const struct parse_rules *rules;
    const struct pipeline_log *log; /* set by pipeline_crawl; may be NULL */
    const struct crawl_config *crawl; /* the sites' article_pattern (set by pipeline_crawl; NULL: every page
                                         counts as an article) */
    int64_t documents;      /* documents added or changed */
    int64_t present;        /* pages whose text was already stored */
    int64_t empty;          /* pages without article text */
    int64_t rule_fallbacks; /* a site rule found nothing; the generic extractor ran */
    int64_t errors;         /* pages the extractor failed on */
    /* Imports set these per page (NULL: a crawl's "crawl", no reference,
     * the time now). */
    const char *source, *source_ref, *fetched;
    /* When set, a page whose text is not Korean (text_is_korean) is
     * counted in not_korean and not stored. */
    const struct text_config *korean_only;
    int64_t not_korean;
    /* Rule health: outcomes per site (site names owned), written to
     * run_sites by pipeline_run_end. Free with pipeline_pages_free. */
    struct store_site_outcomes *sites;
    size_t n_sites, cap_sites;
};
void pipeline_pages_free(struct pipeline_pages *pages);

/* A fetched page becomes a document in two parts, so that extraction can
 * run on worker threads while one connection writes in order:
 *
 * pipeline_extract_page: the extract part, pure: the page in, a
 * parse_result out (parse_result_free), no store access and no shared
 * mutable state, so it may run on any thread once parse_global_init() ran.
 *
 * pipeline_store_result: the store part, on the thread that owns `s`,
 * inside the caller's transaction: store_document_put (a changed page
 * replaces its text; pages with no article text store nothing), the
 * page's links and the document recorded in `found` (NULL: not crawling),
 * the counts of `pages` updated. Callers feeding pages from elsewhere
 * (stored responses, WARC files) call the two parts the same way.
 *
 * pipeline_store_page: both parts in one call (ctx: struct
 * pipeline_pages); pipeline_page_handler: the two parts as the crawler's
 * page handler (ctx: struct pipeline_pages), for `malmoi crawl` and
 * `malmoi run`. */
mm_rc pipeline_extract_page(const struct parse_rules *rules, const struct crawl_page *page, struct parse_result **out,
                            struct mm_err *err);
mm_rc pipeline_store_result(struct pipeline_pages *pages, struct store *s, const struct crawl_page *page,
                            const struct parse_result *r, struct crawl_found *found, struct mm_err *err);
mm_rc pipeline_store_page(void *ctx, struct store *s, const struct crawl_page *page, struct crawl_found *found,
                          struct mm_err *err);
extern const struct crawl_page_handler pipeline_page_handler;

/* Run extraction again over the stored responses (the newest 200 answer
 * of every page URL), without fetching: documents whose text changes are
 * replaced and go through the later steps again. *n_pages counts the pages
 * read. */
mm_rc pipeline_reextract(struct store *s, struct pipeline_pages *pages, volatile int *stop, int64_t *n_pages,
                         struct mm_err *err);

/* Record the start of a run in `runs` with the command line as its args. */
mm_rc pipeline_run_begin(struct store *s, const char *command, int argc, char **argv, int64_t *run_id,
                         struct mm_err *err);

/* Close the run's row: status ok, failed (`run_rc` != MM_OK, with
 * `run_err`'s message) or interrupted; the crawl's counts and errors by
 * kind; `msg` as its message. Writes the per-site outcomes (run_sites) and
 * logs one warning line per site whose rule fell back on more than a fifth
 * of its article pages.
 * `st` and `pages` may be NULL when nothing was crawled. Returns the
 * result of writing the row. */
mm_rc pipeline_run_end(struct store *s, int64_t run_id, mm_rc run_rc, int stopped, const struct crawl_stats *st,
                       const struct pipeline_pages *pages, const char *msg, const struct mm_err *run_err,
                       struct mm_err *err);

/* ---- crawling (shared by `malmoi crawl` and `malmoi run`) ---- */

#define PIPELINE_MAX_LIST 256
/* Crawl options of the command line (cli/cli_pipeline.c parses them);
 * -1 / 0 / NULL = not given. */
struct pipeline_crawl_opts {
    const char *user_agent;
    const char *seeds[PIPELINE_MAX_LIST], *resolve[PIPELINE_MAX_LIST];
    size_t n_seeds, n_resolve;
    long max_pages, delay_ms, per_host, max_depth;
    double max_seconds;
    const char *warc_dir; /* also write WARC files there */
    int no_extract;       /* keep raw responses only (`malmoi crawl --no-extract`) */
    long threads;         /* extraction threads (--threads); 0 = one per core, 1 = on the crawl thread;
                           * at most max(cores, 2) are started */
    int partition_k, partition_n; /* --partition K/N (N = 0: none) */
};
#define PIPELINE_CRAWL_OPTS_INIT {.delay_ms = -1, .per_host = -1, .max_depth = -1}
/* Apply the command line to the crawl config; fails when no honest user
 * agent is known (naming the config key to fill in). */
mm_rc pipeline_crawl_prepare(struct pipeline_config *pc, const struct pipeline_crawl_opts *o, struct mm_err *err);
/* Crawl with pipeline_page_handler (none with no_extract), extraction
 * on o->threads worker threads, then log the hosts that are parked or whose robots.txt is
 * unreachable. Fails with MM_ENET when fetches were tried and no host
 * answered at all (robots.txt included); some hosts failing is MM_OK, with
 * the failures counted in `st`. */
mm_rc pipeline_crawl(struct store *s, struct pipeline_config *pc, const struct pipeline_crawl_opts *o, int64_t run_id,
                     volatile int *stop, struct pipeline_pages *pages, struct crawl_stats *st, struct mm_err *err);

/* Encode every training sentence (export's rule: the kept sentences of
 * documents that were not rejected, every line of a BERT-text import) that
 * has no example for `tok` yet, as [CLS] pieces [SEP] (at most
 * EXPORT_MAX_SENTENCE_IDS pieces; longer ones are cut and marked
 * truncated), in safe corpus mode: text like "[MASK]" never yields special
 * ids. Then documents at stage 'split' move to 'encoded'. The key in
 * examples.tokenizer is tok_key(): "kobert-spm:17dc4710".
 * Stops between batches when *stop becomes non-zero. */
mm_rc pipeline_encode(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok, volatile int *stop, struct pipeline_counts *counts,
                      struct mm_err *err);

/* The text step: documents at stage 'extracted' are normalised, filtered,
 * split and de-duplicated (text_db_process), moving to 'split' or
 * 'rejected'; one transaction per batch of documents. */
mm_rc pipeline_split(struct store *s, const struct pipeline_config *pc, volatile int *stop,
                     struct pipeline_counts *counts, struct mm_err *err);

/* Embeddings for the examples of `tok` that have none for the configured
 * model (nothing when no embed_model is configured). */
mm_rc pipeline_embed(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok, int threads,
                     volatile int *stop, struct pipeline_counts *counts, struct mm_err *err);

/* The steps after extraction, each skipped once *stop is set: split,
 * encode, and (when `embed_threads` > 0) embed. */
mm_rc pipeline_process(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok,
                       int embed_threads, volatile int *stop, struct pipeline_counts *counts, struct mm_err *err);

/* ---- web archives in (warc_import.c) ---- */

enum pipeline_archive_format {
    PIPELINE_ARCHIVE_WARC, /* response records: HTML through the crawl's extraction */
    PIPELINE_ARCHIVE_WET,  /* conversion records: text already extracted (Common Crawl WET) */
};
/* What one archive file gave. */
struct pipeline_archive_counts {
    int64_t records;    /* WARC records read, every type */
    int64_t responses;  /* response (WARC) or conversion (WET) records */
    int64_t documents;  /* documents added or changed */
    int64_t present;    /* pages whose text was already stored */
    int64_t not_200, not_html, not_korean, empty; /* counted, not stored */
    int64_t oversize;   /* records past the size cap, skipped */
    int64_t errors;     /* pages the HTTP parser or the extractor failed on */
    int64_t rule_fallbacks;
};
/* Import one WARC or WET file in one transaction. WARC: every `response`
 * record whose HTTP status is 200 and whose Content-Type is HTML goes
 * through pipeline_store_page as a crawled page would (charset from the
 * HTTP header, then the page; site rules by WARC-Target-URI). Documents get
 * url = WARC-Target-URI, fetched = WARC-Date, source = "import:warc" (or
 * "import:wet") and source_ref = "PATH:OFFSET" of the record. Pages that
 * are not 200, not HTML, not Korean or without text are counted, not
 * stored. A file cut short or damaged fails with MM_EPARSE naming PATH and
 * the byte offset, and nothing of it is kept; so does a stop (*stop set:
 * MM_EINTR). Memory holds one record at a time. */
mm_rc pipeline_import_archive(struct store *s, const struct pipeline_config *pc, const char *path,
                              enum pipeline_archive_format format, volatile int *stop,
                              struct pipeline_archive_counts *counts, struct mm_err *err);

/* ---- shards joined (merge.c) ---- */

/* What merging one shard did. */
struct pipeline_merge_counts {
    int64_t documents;       /* documents copied */
    int64_t present;         /* documents whose text the target already had */
    int64_t replaced;        /* target documents of the same URL whose text the shard's (fetched later) replaced */
    int64_t outdated;        /* shard documents of a URL whose target text was fetched at the same time or later */
    int64_t near_duplicates; /* copied documents that near-duplicate one already in the target */
    int64_t sentences, examples, embeddings; /* rows copied */
    int64_t urls;            /* frontier URLs new to the target */
};
/* Merge the shard database `shard` into `s` in one transaction of `s`:
 * documents (in the shard's order) with their sentences, examples,
 * embeddings, MinHash bands and reject reasons, and the frontier (urls,
 * hosts, responses). A document whose text the target has is skipped (so a
 * shard merged twice adds nothing); a kept document whose MinHash bands
 * meet a target document's becomes a near duplicate of it, as
 * text_db_process decides; sentences get duplicate_of from the target. Of
 * two texts of one URL the one fetched later stays (so the order of the
 * shards does not matter for it).
 * A URL the target has queued but the shard fetched takes the shard's
 * state. The shard is opened with its run lock (an older schema is
 * upgraded, a newer one refused: MM_EDB naming it). On any error or a stop
 * (MM_EINTR) nothing of the shard stays. */
mm_rc pipeline_merge_shard(struct store *s, const char *shard, const struct pipeline_log *log, volatile int *stop,
                           struct pipeline_merge_counts *counts, struct mm_err *err);

#endif
