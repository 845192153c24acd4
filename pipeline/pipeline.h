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
    enum emb_pooling embed_pooling; /* pooled (default), cls or mean */
    long batch_documents;        /* documents per transaction */
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
    int64_t empty;          /* pages without article text */
    int64_t rule_fallbacks; /* a site rule found nothing; the generic extractor ran */
    int64_t errors;         /* pages the extractor failed on */
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
    long threads;         /* extraction threads (--threads); 0 = one per core, 1 = on the crawl thread */
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

#endif
