/*
 * crawler.h -- the crawler/ stage: a polite, resumable web crawler on one
 * libcurl multi handle, with its frontier in the corpus database (tables
 * urls, hosts, responses; store/schema.sql). It fetches seeds, RSS 2.0 /
 * Atom feeds and sitemaps, obeys robots.txt (RFC 9309), and hands every
 * fetched HTML page to a caller-supplied handler (extraction lives in parser/).
 *
 * Ownership: inputs are borrowed; the crawler copies what it keeps. A
 * returned `char *` belongs to the caller (free()).
 */
#ifndef MALMOI_CRAWLER_H
#define MALMOI_CRAWLER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* ---- URLs (url.c) -------------------------------------------------------- */

/* Resolve `ref` against `base` (NULL: `ref` must be absolute) and normalise:
 * lower-case scheme and host, default port dropped, dot segments removed,
 * percent-encoding upper-cased (unreserved characters decoded, spaces and
 * non-ASCII bytes encoded), fragment dropped, tracking parameters (utm_*,
 * fbclid, gclid, ...) removed, query order kept, empty path -> "/".
 * Only http and https are accepted.
 * Returns MM_OK with *out (free()), or MM_EINVAL for anything else.
 * Tested by: tests/crawler/test_url.c */
mm_rc crawl_url_normalize(const char *base, const char *ref, char **out);
/* The politeness key "scheme://host:port" of a normalised URL into `out`
 * (size n). Returns 0 on success, -1 if it does not fit or does not parse. */
int crawl_url_host_key(const char *url, char *out, size_t n);
/* The partition (0..n-1) of a politeness key ("https://news.kbs.co.kr:443")
 * among n: a 64-bit hash of the key, mod n, the same on every machine. */
int crawl_partition_of(const char *host_key, int n);
/* The bare host name of a normalised URL ("news.kbs.co.kr") into `out`
 * (size n): 0, or -1 when it does not fit or does not parse. */
int crawl_url_host_name(const char *url, char *out, size_t n);

/* ---- robots.txt (robots.c, RFC 9309) -------------------------------------- */

struct crawl_robots;
/* Parse robots.txt text for the agent whose product token is `agent`
 * (e.g. "malmoi"; matched case-insensitively). Only the first 500 KiB are
 * read (RFC 9309 2.5). Never fails on bad lines (they are ignored); returns
 * MM_ENOMEM only. *out is owned by the caller (crawl_robots_free). */
mm_rc crawl_robots_parse(const char *text, size_t len, const char *agent, struct crawl_robots **out);
/* A rule set that allows everything (4xx) or nothing (5xx, unreachable). */
mm_rc crawl_robots_all(int allow, struct crawl_robots **out);
void crawl_robots_free(struct crawl_robots *r);
/* 1 if `path_query` (the URL's path plus "?query", as sent) may be fetched.
 * Longest match wins, allow wins a tie, "*" and "$" are wildcards, and
 * percent-encoding is compared per RFC 9309 2.2.2. /robots.txt is always allowed.
 * Tested by: tests/crawler/test_robots.c (RFC 9309 case table) */
int crawl_robots_allowed(const struct crawl_robots *r, const char *path_query);
/* Crawl-delay for the matched group in milliseconds (-1 when none). */
long crawl_robots_delay_ms(const struct crawl_robots *r);
/* Sitemap: URLs (the i-th, NULL past the end). */
const char *crawl_robots_sitemap(const struct crawl_robots *r, size_t i);

/* ---- Feeds and sitemaps (feed.c) ----------------------------------------- */

enum crawl_kind {
    CRAWL_KIND_PAGE = 0,
    CRAWL_KIND_FEED = 1,    /* RSS 2.0, Atom */
    CRAWL_KIND_SITEMAP = 2, /* sitemap, sitemap index, Google News sitemap */
};
/* "page", "feed", "sitemap". */
const char *crawl_kind_name(enum crawl_kind k);

struct crawl_entry {
    char *url;             /* as found (absolute; not yet normalised) */
    enum crawl_kind kind;  /* PAGE for articles, SITEMAP for index children */
    char lastmod[40];      /* lastmod / news:publication_date / pubDate / updated, as written; "" */
};
struct crawl_entries {
    struct crawl_entry *v;
    size_t n, cap;
};
/* Read the URLs listed in an RSS 2.0 / Atom feed, a sitemap <urlset>, a
 * sitemap index or a Google News sitemap (kind decided by the root element).
 * A gzip body (sitemap.xml.gz) is inflated first, up to `max_bytes`.
 * `name` names the input in messages. Entries are appended to `out`
 * (crawl_entries_free). Returns MM_OK, MM_EPARSE (not XML / unknown root),
 * MM_ELIMIT (inflated size or more than 50,000 entries), MM_ENOMEM.
 * Tested by: tests/crawler/test_feed.c */
mm_rc crawl_feed_parse(const char *name, const char *body, size_t len, size_t max_bytes,
                       struct crawl_entries *out, struct mm_err *err);
void crawl_entries_free(struct crawl_entries *e);
/* An entry date as feeds and sitemaps write it (RFC 822 "Tue, 18 Nov 2026
 * 07:41:00 +0900"; ISO 8601 / W3C-DTF "2026-11-18T07:41:00+09:00" as in
 * dc:date, lastmod, Atom) to Unix seconds; no zone = Korea time (UTC+9).
 * Returns 1, or 0 when `s` is no such date.
 * Tested by: tests/crawler/test_feed.c */
int crawl_feed_date(const char *s, int64_t *out);
/* How many entries carry a readable date, and the newest (-1: none). */
void crawl_entries_newest(const struct crawl_entries *e, int64_t *dated, int64_t *newest);

/* ---- Configuration (config.c) -------------------------------------------- */

/* One `[site NAME]` section's crawl keys (see config/README.md). */
struct crawl_site {
    char *name;
    char **hosts;      /* exact host names (lower case); n_hosts */
    size_t n_hosts;
    char **seeds, **feeds, **sitemaps;
    size_t n_seeds, n_feeds, n_sitemaps;
    const void **allow, **deny; /* compiled patterns (internal; owned by the config's pattern table) */
    size_t n_allow, n_deny;
    const void **article;       /* one compiled pattern, or NULL */
    long max_depth;     /* link hops from a seed/feed/sitemap; -1 = crawler default */
    long revisit_page_s, revisit_article_s, revisit_feed_s; /* -1 = default; 0 = never */
    long delay_ms, per_host; /* -1 = crawler default */
    long host_fail_park;     /* -1 = crawler default */
};

struct crawl_config {
    char *user_agent;       /* full User-Agent header; required */
    char *robots_agent;     /* product token matched in robots.txt */
    long delay_ms;          /* per-host delay between requests (default 1000) */
    long per_host;          /* connections per host (default 1) */
    long max_connections;   /* all hosts together (default 64) */
    long connect_timeout_s; /* default 10 */
    long timeout_s;         /* whole transfer, default 60 */
    long low_speed_bytes, low_speed_s; /* abort below this rate (default 100 B/s for 20 s) */
    long max_body;          /* bytes after decompression (default 10 MiB) */
    long max_redirects;     /* default 10 */
    long max_depth;         /* default 3 */
    long max_attempts;      /* fetch errors before a URL fails (default 4) */
    long host_fail_park;    /* consecutive host failures before parking (default 8) */
    long park_s;            /* how long a parked host rests (default 3600) */
    long retry_base_s;      /* first back-off step (default 60; doubles) */
    long robots_ttl_s;      /* robots.txt cache (default 86400, at most 24 h) */
    long robots_retry_s;    /* after 5xx / unreachable (default 600) */
    long revisit_page_s, revisit_article_s, revisit_feed_s; /* 0 = never */
    long idle_wait_s;       /* wait this long for work due soon before ending (default 30) */
    long feed_max_age_s;    /* a feed whose newest item is older is reported stale (default 3 days; 0 = never) */
    int follow_nofollow;    /* follow rel=nofollow links (default 0) */
    int http2;              /* offer HTTP/2 (default 1) */
    char *ca_file;          /* extra CA bundle (PEM) for TLS verification; NULL = system */
    struct crawl_site *sites;
    size_t n_sites;
    struct mm_strmap *site_hosts; /* host -> index in sites (internal; crawl_config_site) */
    /* Every distinct allow/deny/article_pattern compiled once (internal):
     * generated configs repeat the same patterns for thousands of sites. */
    struct mm_strmap *pattern_index; /* source text -> index in patterns */
    struct crawl_pattern **patterns; /* each allocated alone (config.c) */
    size_t n_patterns, cap_patterns;
};

/* Defaults (no file). The user agent stays NULL. */
mm_rc crawl_config_default(struct crawl_config **out, struct mm_err *err);
/* Read `[crawler]` and the crawl keys of every `[site NAME]` in `conf` on
 * top of the defaults. A bad value names FILE:LINE:KEY. A user_agent or
 * contact that still holds the shipped placeholder leaves user_agent NULL
 * and sets *placeholder_key (static) to the key to fill in. */
mm_rc crawl_config_load(struct mm_conf *conf, struct crawl_config **out, const char **placeholder_key,
                        struct mm_err *err);
void crawl_config_free(struct crawl_config *c);
/* Replace the user agent (copied). */
mm_rc crawl_config_set_agent(struct crawl_config *c, const char *user_agent, struct mm_err *err);
/* The site whose hosts contain `host` (or a parent domain of it), or NULL. */
const struct crawl_site *crawl_config_site(const struct crawl_config *c, const char *host);
/* Is `url` an article of its site? 1: it matches the site's article_pattern;
 * 0: it does not; -1: no site or no pattern (unknown). */
int crawl_config_article(const struct crawl_config *c, const char *url);
/* `tmpl` with {YYYY}, {MM} and {DD} replaced by the date of `unix_s` in
 * Korea time (UTC+9), into out (size cap). 0, or -1 when it does not fit. */
int crawl_url_expand_date(const char *tmpl, int64_t unix_s, char *out, size_t cap);

/* ---- The crawl (crawl.c) -------------------------------------------------- */

/* A fetched HTML page, as the page handler sees it (all borrowed). */
struct crawl_page {
    int64_t url_id;
    const char *url;          /* the frontier URL */
    const char *final_url;    /* after redirects */
    const char *site;         /* config site name or NULL */
    long status;
    const char *headers;      /* response header block */
    const char *content_type; /* NULL when absent */
    const char *body;         /* decompressed bytes */
    size_t body_len;
    int depth;
    int article;              /* 1 when the URL matches the site's article_pattern */
};

/* What the handler reports back: links to enqueue, the document stored. */
struct crawl_found;
/* Add a link found on the page (absolute URL). nofollow links are dropped
 * unless follow_nofollow is set. Returns MM_ENOMEM only. */
mm_rc crawl_found_link(struct crawl_found *f, const char *url, enum crawl_kind kind, int nofollow);
/* Record the documents.id the handler stored for this page. */
void crawl_found_document(struct crawl_found *f, int64_t document_id);

/* What the crawler does with each fetched HTML page, in two parts.
 * extract: turn the page into a result (*result, freed with result_free);
 * it may run on a worker thread at the same time as other pages, so it must
 * not touch the store or any shared mutable state. store: on the crawl
 * thread, inside the transaction that finishes the page's URL, in the order
 * the transfers ended: write the result, report links (crawl_found_link)
 * and the document (crawl_found_document). A non-OK return of either is
 * counted as an "extract" error for the URL (store is then not called after
 * a failed extract); MM_EDB or MM_ENOMEM from store ends the crawl. */
struct crawl_page_handler {
    mm_rc (*extract)(void *ctx, const struct crawl_page *page, void **result, struct mm_err *err);
    mm_rc (*store)(void *ctx, struct store *s, const struct crawl_page *page, void *result, struct crawl_found *found,
                   struct mm_err *err);
    void (*result_free)(void *result);
};

struct crawl_stats {
    int64_t pages;        /* HTTP responses received (all kinds) */
    int64_t html;         /* HTML pages handed to the handler */
    int64_t bytes;        /* bytes transferred (compressed) */
    int64_t documents;    /* documents recorded by the handler */
    int64_t not_modified; /* 304 answers */
    int64_t enqueued;     /* new URLs added to the frontier */
    int64_t robots_denied, skipped, errors, parked_hosts;
    int64_t robots_answered; /* robots.txt requests that got an HTTP answer (any status) */
    int64_t err_http, err_net, err_timeout, err_limit, err_type, err_extract, err_robots, err_encoding;
    int in_flight;
    int64_t queued;       /* URLs due now (refreshed now and then) */
};

struct crawl_run_opts {
    int64_t run_id;           /* runs.id of this run (claimed_by) */
    const char **seeds;       /* extra seed URLs (CLI); n_seeds */
    size_t n_seeds;
    int config_seeds;         /* also enqueue every site's seeds, feeds and sitemaps */
    const char **resolve;     /* "HOST:PORT:ADDR" entries for libcurl; n_resolve */
    size_t n_resolve;
    int64_t max_pages;        /* stop after this many responses (0 = no limit) */
    double max_seconds;       /* stop after this long (0 = no limit) */
    volatile int *stop;       /* set to 1 by a signal: stop new fetches */
    const struct crawl_page_handler *handler; /* NULL: store responses only */
    void *ctx;                /* the handler's and progress's */
    int threads;              /* worker threads for handler->extract; 0 or 1: on the crawl thread */
    const char *warc_dir;     /* also write WARC 1.1 files there (NULL: none) */
    /* Partition k of n (n <= 1: none): only hosts whose politeness key
     * crawl_partition_of() puts in k are fetched; URLs of other hosts are
     * still recorded in the frontier (queued), for their own partition's
     * run or a `malmoi merge`. */
    int partition_k, partition_n;
    /* Called about once a second with the running counts (NULL allowed). */
    void (*progress)(void *ctx, const struct crawl_stats *st);
};

/* Crawl until nothing is due, a limit is reached or *stop is set. URLs
 * claimed by a run that died are claimed again first. Every response is
 * committed with its URL's new state, so a kill at any moment loses at most
 * the last second of uncommitted work (commits are batched: each is an fsync), which the next run
 * fetches again. Returns MM_OK (also when stopped: stats say why),
 * MM_EINVAL (no user agent, bad seed or resolve entry), MM_EDB, MM_ENOMEM.
 * Tested by: tests/crawler/crawl_*.py */
mm_rc crawl_run(struct store *s, const struct crawl_config *cfg, const struct crawl_run_opts *opts,
                struct crawl_stats *stats, struct mm_err *err);

/* Report hosts that are parked (kept failing) or whose robots.txt is
 * unreachable (everything disallowed until a retry): fn(ctx, host, why) per
 * host, `why` a one-line reason. Returns MM_OK or MM_EDB. */
mm_rc crawl_blocked_hosts(struct store *s, void (*fn)(void *ctx, const char *host, const char *why), void *ctx,
                          struct mm_err *err);

/* The errors of `st` as a JSON object ("{\"http\":3,...}") for runs.errors;
 * free() it. NULL on out of memory. */
char *crawl_stats_errors_json(const struct crawl_stats *st);

/* ---- Reading WARC files (warc_read.c) -------------------------------------- */

/* A WARC 1.0/1.1 file read record by record: plain, one gzip member per
 * record (Common Crawl), or one gzip stream for the whole file; every
 * record type in any order. Memory holds one record at most. */
struct crawl_warc_reader;
/* One record; every pointer is valid until the next call. */
struct crawl_warc_record {
    const char *type;          /* WARC-Type: warcinfo, request, response, metadata, revisit, resource, conversion */
    const char *target_uri;    /* WARC-Target-URI ("" when none; <> of WARC 1.0 removed) */
    const char *date;          /* WARC-Date as written ("" when none) */
    const char *content_type;  /* the record's Content-Type ("application/http; msgtype=response") */
    const char *payload_type;  /* WARC-Identified-Payload-Type ("" when none) */
    const char *record_id;     /* WARC-Record-ID */
    int64_t content_length;
    /* Where the record starts in the file: the first byte of its gzip member
     * when it opens one (Common Crawl's offset: `tail -c +$((OFFSET+1)) FILE |
     * zcat` starts with it), else its first byte in the uncompressed stream
     * (plain files: the file offset). */
    uint64_t offset;
    const char *block;         /* the record's block; NULL when oversize */
    size_t block_len;
    int oversize;              /* the block is larger than max_block and was skipped */
};
/* Open `path`. Blocks larger than `max_block` are skipped, not held. */
mm_rc crawl_warc_reader_open(const char *path, size_t max_block, struct crawl_warc_reader **out, struct mm_err *err);
/* The next record: *more = 1 and *rec filled, or *more = 0 at the clean end
 * of the file. A file cut short or damaged gives MM_EPARSE with a message
 * naming the file and the byte offset; reading cannot go on after that. */
mm_rc crawl_warc_reader_next(struct crawl_warc_reader *r, struct crawl_warc_record *rec, int *more,
                             struct mm_err *err);
void crawl_warc_reader_close(struct crawl_warc_reader *r);

/* The HTTP response inside a `response` record's block. */
struct crawl_http_response {
    int status;
    char content_type[256]; /* the Content-Type header ("" when none) */
};
/* The status of the HTTP response block[0..len) ("HTTP/1.1 200 OK"), or
 * -1 when it does not start with a status line. */
int crawl_http_status(const char *block, size_t len);
/* Parse the status line and headers of block[0..len) into *out, the header
 * block (status line included) into `headers`, and the payload into `body`
 * with chunked transfer coding and gzip/deflate/br/zstd content coding
 * undone, at most `max_body` decoded bytes. MM_EPARSE (no status line, a
 * damaged or unknown coding), MM_ELIMIT (past max_body), MM_ENOMEM. */
mm_rc crawl_http_response_parse(const char *block, size_t len, size_t max_body, struct crawl_http_response *out,
                                struct mm_buf *headers, struct mm_buf *body, struct mm_err *err);

#endif
