/*
 * report.h -- `malmoi report`: the corpus as one self-contained HTML page
 * (inline CSS and SVG charts, no script, nothing from the network): totals,
 * growth by site, the sites, why text was rejected, sentence lengths in
 * characters and tokens, tokenizer fit ([UNK]), duplicates, crawl health.
 *
 * Every figure comes from SQL aggregates over the database, read in one
 * snapshot; memory does not grow with the corpus (the page has fixed caps
 * on rows: the largest sites, hosts, feeds, runs). The one part that needs
 * the tokenizer itself, which characters map to [UNK], looks at a bounded,
 * evenly spread sample of the sentences with [UNK] and says so on the page.
 */
#ifndef MALMOI_REPORT_H
#define MALMOI_REPORT_H

#include "pipeline.h"

#define REPORT_DAYS_DEFAULT 30
#define REPORT_DAYS_MAX 3660
#define REPORT_UNK_SAMPLE 5000 /* sentences with [UNK] read for the character list */

struct report_options {
    long days;                   /* the growth chart's window in days (1..REPORT_DAYS_MAX) */
    const struct tok_model *tok; /* the configured tokenizer (its examples and [UNK]); may be NULL */
    const char *db_label;        /* shown in the heading (the database path); may be NULL */
    int64_t now_unix;            /* "today" for the growth window and feed ages; 0 = the clock */
    long feed_max_age_s;         /* a feed whose newest item is older is marked ([crawler] feed_max_age) */
    const struct pipeline_log *log; /* progress per section; may be NULL */
};

/* Append the page to `out`. Reads only (one read transaction, so a crawl
 * writing at the same time never shows half its work). */
mm_rc report_html(struct store *s, const struct report_options *o, struct mm_buf *out, struct mm_err *err);

/* Write the page to `path` through a temporary file renamed into place, so
 * a browser never sees half a page; the file is readable by all (0644). */
mm_rc report_write(struct store *s, const struct report_options *o, const char *path, struct mm_err *err);

#endif
