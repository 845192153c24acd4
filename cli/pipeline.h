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
};

/* Find and read the configuration: `path` if given, else $MALMOI_CONFIG,
 * else ./config/malmoi.ini, else the installed default, else built-in
 * defaults. Every stage reads its keys; a key nobody knows, or a bad value,
 * fails naming FILE:LINE:KEY. */
mm_rc pipeline_config_load(const char *path, struct pipeline_config *out, struct mm_err *err);
void pipeline_config_free(struct pipeline_config *pc);

/* Counts of one pipeline pass, for the summary line. */
struct pipeline_counts {
    int64_t documents_split, documents_rejected, sentences, examples, embeddings;
};

/* State of the page handler: the site rules, and what it counted. */
struct pipeline_pages {
    const struct parse_rules *rules;
    int64_t documents;      /* documents added or changed */
    int64_t empty;          /* pages without article text */
    int64_t rule_fallbacks; /* a site rule found nothing; the generic extractor ran */
    int64_t errors;         /* pages the extractor failed on */
};

/* Turn one fetched page into a document: parse_extract, then
 * store_document_put (a changed page replaces its text), recording the
 * document and the page's links with the crawler. `ctx` is a
 * `struct pipeline_pages`. Pages with no article text store no document.
 * This is the crawler's page handler (crawl_page_fn) for `malmoi crawl`
 * and `malmoi run`. */
mm_rc pipeline_store_page(void *ctx, struct store *s, const struct crawl_page *page, struct crawl_found *found,
                          struct mm_err *err);

/* Run extraction again over the stored responses (the newest 200 answer
 * of every page URL), without fetching: documents whose text changes are
 * replaced and go through the later steps again. *n_pages counts the pages
 * read. */
mm_rc pipeline_reextract(struct store *s, struct pipeline_pages *pages, volatile int *stop, int64_t *n_pages,
                         struct mm_err *err);

/* Record the start of a run in `runs` with the command line as its args. */
mm_rc pipeline_run_begin(struct store *s, const char *command, int argc, char **argv, int64_t *run_id,
                         struct mm_err *err);

/* Close the run's row (status ok, failed or interrupted; the crawl's counts
 * and errors by kind; `msg` or the error as its message), then report:
 * the error, or "CMD: MSG" as the closing log line. Returns the exit
 * status. `st` and `pages` may be NULL when nothing was crawled. */
int pipeline_run_end(struct store *s, const char *command, int64_t run_id, mm_rc rc, int stopped,
                     const struct crawl_stats *st, const struct pipeline_pages *pages, const char *msg,
                     const struct mm_err *err);

/* ---- crawling (shared by `malmoi crawl` and `malmoi run`) ---- */

#define PIPELINE_MAX_LIST 256
/* Crawl options of the command line; -1 / 0 / NULL = not given. */
struct pipeline_crawl_opts {
    const char *user_agent;
    const char *seeds[PIPELINE_MAX_LIST], *resolve[PIPELINE_MAX_LIST];
    size_t n_seeds, n_resolve;
    long max_pages, delay_ms, per_host;
    double max_seconds;
    const char *warc_dir; /* also write WARC files there */
    int no_extract;       /* keep raw responses only (`malmoi crawl --no-extract`) */
};
#define PIPELINE_CRAWL_OPTS_INIT {.delay_ms = -1, .per_host = -1}
/* getopt_long values of the crawl options, and their table entries. */
enum {
    PIPELINE_OPT_SEED = 1000, PIPELINE_OPT_RESOLVE, PIPELINE_OPT_USER_AGENT, PIPELINE_OPT_MAX_PAGES,
    PIPELINE_OPT_MAX_SECONDS, PIPELINE_OPT_DELAY, PIPELINE_OPT_PER_HOST, PIPELINE_OPT_WARC,
};
#define PIPELINE_CRAWL_LONG_OPTIONS                                                                      \
    {"seed", required_argument, NULL, PIPELINE_OPT_SEED},                                                \
        {"resolve", required_argument, NULL, PIPELINE_OPT_RESOLVE},                                      \
        {"user-agent", required_argument, NULL, PIPELINE_OPT_USER_AGENT},                                \
        {"max-pages", required_argument, NULL, PIPELINE_OPT_MAX_PAGES},                                  \
        {"max-seconds", required_argument, NULL, PIPELINE_OPT_MAX_SECONDS},                              \
        {"delay", required_argument, NULL, PIPELINE_OPT_DELAY},                                          \
        {"per-host", required_argument, NULL, PIPELINE_OPT_PER_HOST},                                    \
        {"warc", required_argument, NULL, PIPELINE_OPT_WARC}
/* The crawl options' help lines. */
#define PIPELINE_CRAWL_HELP                                                                              \
    "  --seed URL           crawl from this URL (repeatable); with seeds, the config's\n"                \
    "                       own seeds, feeds and sitemaps are not added this run\n"                      \
    "  --max-pages N        stop crawling after N responses\n"                                           \
    "  --max-seconds S      stop crawling after S seconds\n"                                             \
    "  --delay MS           milliseconds between requests to one host (default 1000)\n"                  \
    "  --per-host N         connections per host (default 1)\n"                                          \
    "  --user-agent S       the User-Agent header, with a contact ('mybot/1.0 (+https://…)');\n"        \
    "                       needed unless the config sets user_agent and contact\n"                      \
    "  --resolve H:P:A      connect to address A for host H port P (repeatable)\n"                      \
    "  --warc DIR           also write every response to WARC 1.1 files in DIR\n"                        \
    "                       (malmoi-RUN-NNNNN.warc.gz, one gzip member per record)\n"

/* Handle getopt_long value `c` if it is a crawl option: 1 = handled,
 * 0 = not a crawl option, -1 = bad value (a usage error was printed). */
int pipeline_crawl_option(const char *cmd, const char *usage, int c, const char *arg, struct pipeline_crawl_opts *o);
/* Apply the command line to the crawl config; fails when no honest user
 * agent is known (naming the config key to fill in). */
mm_rc pipeline_crawl_prepare(struct pipeline_config *pc, const struct pipeline_crawl_opts *o, struct mm_err *err);
/* Crawl with pipeline_store_page as the page handler (none with
 * no_extract), then log the hosts that are parked or whose robots.txt is
 * unreachable. */
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
mm_rc pipeline_encode(struct store *s, const struct tok_model *tok, volatile int *stop, struct pipeline_counts *counts,
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
