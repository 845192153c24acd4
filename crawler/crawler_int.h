/*
 * crawler_int.h -- internals shared by the crawler's files: URL parts, site
 * pattern matching and the SQLite frontier (frontier.c).
 */
#ifndef MALMOI_CRAWLER_INT_H
#define MALMOI_CRAWLER_INT_H

#include <stdint.h>
#include <zlib.h>

#include "crawler.h"

/* url.c */
/* Value of a hex digit, -1 for anything else (url.c; robots.c compares
 * percent-encodings with it too). */
int crawl_hexval(int c);
const char *crawl_url_path(const char *url);

/* body.c: content decoding with a cap on decoded bytes */
enum {
    CRAWL_ENC_IDENTITY = 0,
    CRAWL_ENC_GZIP = 1,
    CRAWL_ENC_DEFLATE = 2,
    CRAWL_ENC_BR = 3,
    CRAWL_ENC_ZSTD = 4,
    CRAWL_ENC_UNKNOWN = 5,
};
struct crawl_body {
    int enc;
    size_t max;            /* cap on decoded bytes */
    size_t fed;            /* encoded bytes seen */
    struct mm_buf *out;    /* decoded bytes (borrowed) */
    int ended;             /* the coded stream ended properly */
    int trailing, junk;    /* more gzip members / junk after the end */
    int raw_deflate;       /* "deflate" without the zlib wrapper */
    int too_big;
    int z_init;
    z_stream z;
    void *br, *zs;         /* BrotliDecoderState, ZSTD_DStream */
};
/* The CRAWL_ENC_ value of a Content-Encoding header (NULL = identity). */
int crawl_body_encoding(const char *content_encoding);
void crawl_body_init(struct crawl_body *d, int encoding, size_t max, struct mm_buf *out);
/* Decode n more bytes; 0 ok, -1 corrupt data or past the cap (too_big).
 * gzip and deflate bytes are only counted here: the caller keeps them and
 * hands them all to crawl_body_finish. */
int crawl_body_feed(struct crawl_body *d, const void *p, size_t n);
/* Decode a gzip or deflate body once its transfer ended (other codings: a
 * no-op): wire[0..n) is every byte fed, partial says the transfer stopped
 * early (decoding then keeps what the bytes give, as robots.txt needs). 0 ok,
 * -1 corrupt data or past the cap (too_big), as crawl_body_feed. Call once. */
int crawl_body_finish(struct crawl_body *d, const unsigned char *wire, size_t n, int partial);
/* 1 when the coded stream ended (a truncated gzip body gives 0). */
int crawl_body_complete(const struct crawl_body *d);
void crawl_body_free(struct crawl_body *d);
/* The body as a zlib stream for responses.body: a gzip body's own deflate
 * data re-wrapped, a zlib "deflate" body as is, anything else compressed at
 * level 1. *out is NULL for an empty body; free() it. */
mm_rc crawl_body_zlib(const struct crawl_body *d, const unsigned char *wire, size_t wire_len, unsigned char **out,
                      size_t *out_len);

/* warc.c: WARC 1.1 files, one gzip member per record */
struct crawl_warc;
/* Start DIR/malmoi-RUN-00001.warc.gz with its warcinfo record. */
mm_rc crawl_warc_open(const char *dir, int64_t run_id, struct crawl_warc **out, struct mm_err *err);
/* A response record: the HTTP header block as received and the body bytes
 * as they came over the wire (still gzip/br/zstd when so encoded). */
mm_rc crawl_warc_response(struct crawl_warc *w, const char *uri, const char *headers, const void *body, size_t n,
                          struct mm_err *err);
void crawl_warc_close(struct crawl_warc *w);

/* config.c: 1 when any of the n compiled regexes in `res` matches url; 0
 * for a URL longer than CRAWL_PATTERN_URL_MAX, which no pattern sees (the
 * scope check treats it as out of scope on a site with patterns). */
#define CRAWL_PATTERN_URL_MAX 2048
int crawl_site_match(const void *const *res, size_t n, const char *url);

/* Links reported by the page handler. */
struct crawl_found_link {
    char *url;
    enum crawl_kind kind;
};
struct crawl_found {
    struct crawl_found_link *v;
    size_t n, cap;
    int follow_nofollow;
    int64_t document_id; /* 0 = none */
};

/* ---- frontier.c: the frontier tables (urls, hosts, responses) ---------- */

struct frontier;

/* A URL taken from the frontier for fetching. */
struct frontier_item {
    int64_t id;
    char *url;
    char *site;         /* NULL when none */
    enum crawl_kind kind;
    int depth;
    char *etag, *last_modified, *content_hash; /* validators of the last fetch; NULL */
};
void frontier_item_clear(struct frontier_item *it);

/* Per-host row (robots cache, politeness state). */
struct frontier_host {
    int robots_status;      /* -1 never fetched; 0 unreachable; else HTTP status */
    char *robots_txt;       /* owned; NULL */
    size_t robots_len;
    int64_t robots_fetched; /* Unix s */
    int failures;
    int64_t parked_until;   /* Unix s */
    int64_t next_allowed_ms; /* Unix ms: the previous run's politeness deadline */
};

mm_rc frontier_open(struct store *s, int64_t run_id, struct frontier **out, struct mm_err *err);
void frontier_close(struct frontier *f);
/* Transactions are batched: frontier_write() opens one when none is open;
 * frontier_commit() commits if one is open. */
mm_rc frontier_write(struct frontier *f, struct mm_err *err);
mm_rc frontier_commit(struct frontier *f, struct mm_err *err);
int frontier_in_txn(const struct frontier *f);
/* Requeue URLs claimed by dead runs and revisits that are due. */
mm_rc frontier_recover(struct frontier *f, int64_t now_s, struct mm_err *err);
mm_rc frontier_requeue_due(struct frontier *f, int64_t now_s, struct mm_err *err);
/* Give back what this run claimed but did not finish. */
mm_rc frontier_release(struct frontier *f, struct mm_err *err);
/* Insert a URL unless known (then *added = 0). A known URL whose stored
 * lastmod differs from a new non-empty one is queued again. */
mm_rc frontier_add(struct frontier *f, const char *url, const char *host, const char *site, enum crawl_kind kind,
                   int depth, int priority, int64_t found_from, const char *lastmod, int *added, struct mm_err *err);
/* Every host key in the hosts table: calls fn for each. */
mm_rc frontier_each_host(struct frontier *f, void (*fn)(void *ctx, const char *host), void *ctx,
                         struct mm_err *err);
/* Claim up to `limit` due URLs of `host`, best priority first. */
mm_rc frontier_take(struct frontier *f, const char *host, int64_t now_s, int limit, struct frontier_item *items,
                    int *n, struct mm_err *err);
/* The earliest next_fetch after now_s of a queued URL (INT64_MAX when none). */
mm_rc frontier_next_due(struct frontier *f, int64_t now_s, int64_t *when_s, struct mm_err *err);
/* Count of queued URLs due now. */
mm_rc frontier_count_due(struct frontier *f, int64_t now_s, int64_t *n, struct mm_err *err);

/* The outcome of a fetch, written to urls. */
struct frontier_result {
    const char *state;        /* queued | done | failed | skipped */
    long status;              /* HTTP status or 0 */
    const char *error;        /* error kind or NULL */
    const char *etag, *last_modified, *content_hash; /* NULL keeps the stored value */
    int attempts;
    int64_t next_fetch;       /* Unix s; 0 = never again (done) / now (queued) */
    int64_t document_id;      /* 0 keeps the stored value */
};
mm_rc frontier_finish(struct frontier *f, int64_t url_id, const struct frontier_result *r, struct mm_err *err);
/* Keep a raw response: zbody is the body as a zlib stream (NULL: none),
 * body_size its decoded length. */
mm_rc frontier_response(struct frontier *f, int64_t url_id, const char *final_url, long status,
                        const char *headers, const char *content_type, const unsigned char *zbody, size_t zlen,
                        size_t body_size, int64_t duration_ms, struct mm_err *err);
mm_rc frontier_host_get(struct frontier *f, const char *host, struct frontier_host *out, struct mm_err *err);
void frontier_host_clear(struct frontier_host *h);
mm_rc frontier_host_robots(struct frontier *f, const char *host, int status, const char *txt, size_t len,
                           int64_t fetched_s, long delay_ms, struct mm_err *err);
/* Keep a host's politeness deadline (Unix ms) for the next run. */
mm_rc frontier_host_next(struct frontier *f, const char *host, int64_t next_allowed_ms, struct mm_err *err);
mm_rc frontier_host_state(struct frontier *f, const char *host, int failures, int64_t parked_until,
                          const char *reason, struct mm_err *err);

/* ---- hosts.c: the per-host politeness queues ----------------------------- */

#define CRAWL_HOST_BUF 16 /* claimed URLs kept in memory per host */

enum crawl_robots_state {
    CRAWL_ROBOTS_UNKNOWN = 0,  /* not looked at yet */
    CRAWL_ROBOTS_FETCHING = 1, /* robots.txt in flight */
    CRAWL_ROBOTS_READY = 2,    /* rules known (until robots_until_s) */
    CRAWL_ROBOTS_BLOCKED = 3,  /* unreachable or 5xx: nothing allowed until robots_until_s */
};

/* One host's queue: "scheme://host:port", its politeness state and up to
 * CRAWL_HOST_BUF URLs claimed from the frontier. */
struct crawl_host {
    char *key;       /* scheme://host:port */
    char name[256];  /* host name */
    uint64_t hash;
    const struct crawl_site *site;
    int inflight, per_host;
    long delay_ms;
    int64_t next_allowed_ms; /* monotonic ms */
    enum crawl_robots_state robots_state;
    int64_t robots_until_s;  /* READY: refresh after; BLOCKED: retry after (wall s) */
    struct crawl_robots *robots;
    int failures;
    int64_t parked_until_s;
    int64_t empty_until_ms;  /* no due URLs: do not ask again before */
    struct frontier_item buf[CRAWL_HOST_BUF];
    int nbuf, ibuf;
    int foreign;             /* another partition's host (--partition): its URLs are kept, never fetched */
};

/* Every host of a crawl (a plain list: crawls have tens of hosts). */
struct crawl_hosts {
    struct crawl_host **v;
    size_t n, cap;
    const struct crawl_config *cfg; /* per_host, delay and site of new hosts */
    int part_k, part_n;             /* crawl only hosts of partition k of n (n <= 1: all) */
};
struct crawl_host *crawl_hosts_find(const struct crawl_hosts *t, const char *key);
/* The host of `key`, added when new; NULL when out of memory. */
struct crawl_host *crawl_hosts_get(struct crawl_hosts *t, const char *key);
void crawl_hosts_free(struct crawl_hosts *t);

/* 1 when politeness lets the host start a transfer now (connections,
 * delay, parking). */
int crawl_host_may_start(const struct crawl_host *h, int64_t nowm, int64_t nows);
/* *have = 1 when a claimed URL is buffered; an empty buffer is refilled
 * from the frontier (at most once a second when nothing is due). */
mm_rc crawl_host_refill(struct crawl_host *h, struct frontier *f, int64_t nowm, int64_t nows, int64_t *ops,
                        int *have, struct mm_err *err);
enum crawl_host_next {
    CRAWL_HOST_WAIT = 0,         /* nothing may start now */
    CRAWL_HOST_FETCH_ROBOTS = 1, /* fetch robots.txt first (state is FETCHING now) */
    CRAWL_HOST_FETCH_PAGE = 2,   /* rules known: take a URL */
};
/* What the host may fetch now as far as robots.txt goes: the cached
 * rules of the hosts table are used while fresh, a host the previous run
 * left waiting keeps waiting. */
mm_rc crawl_host_robots_check(struct crawl_host *h, struct frontier *f, const struct crawl_config *cfg, int64_t nowm,
                              int64_t nows, enum crawl_host_next *what, struct mm_err *err);
/* The next buffered URL robots.txt allows into *out (*got = 1; owned by
 * the caller); disallowed ones are finished as skipped and counted in *denied. */
mm_rc crawl_host_take(struct crawl_host *h, struct frontier *f, struct frontier_item *out, int *got, int64_t *denied,
                      int64_t *ops, struct mm_err *err);
/* A transfer of the host started / ended at monotonic ms nowm. */
void crawl_host_started(struct crawl_host *h, int64_t nowm);
void crawl_host_finished(struct crawl_host *h, int64_t nowm);
/* A failed fetch slows the host: wait_s >= 0 (Retry-After) pauses it that
 * long; otherwise its pause doubles per consecutive failure and after
 * host_fail_park failures it is parked (*parked = 1, written to hosts). */
mm_rc crawl_host_backoff(struct crawl_host *h, struct frontier *f, const struct crawl_config *cfg, const char *kind,
                         int64_t wait_s, int64_t nowm, int64_t nows, int *parked, struct mm_err *err);
/* robots.txt was read (`robots` is taken over) / could not be read. */
void crawl_host_robots_ready(struct crawl_host *h, struct crawl_robots *robots, const struct crawl_config *cfg,
                             int64_t nowm, int64_t nows);
void crawl_host_robots_blocked(struct crawl_host *h, const struct crawl_config *cfg, int64_t nows);
/* For the idle check of a crawl with nothing in flight: sets *ready when the
 * host has a URL to fetch, clears *all_empty when it may still find one. */
void crawl_host_idle(const struct crawl_host *h, int64_t nowm, int64_t nows, long idle_wait_s, int *ready,
                     int *all_empty);

/* ---- workers.c: the page handler's extract part on worker threads -------- */

enum { CRAWL_JOB_WAITING = 0, CRAWL_JOB_RUNNING = 1, CRAWL_JOB_DONE = 2 };
/* One page for handler->extract. */
struct crawl_job {
    const struct crawl_page *page; /* borrowed until the job is taken back */
    void *result;                  /* extract's result (handler->result_free) */
    mm_rc rc;                      /* extract's return */
    struct mm_err err;             /* extract's error */
    int state;                     /* CRAWL_JOB_DONE: result, rc and err are set */
    struct crawl_job *next;        /* the pool's queue */
};
struct crawl_workers;
/* Start `threads` threads running handler->extract(ctx, ...) on submitted
 * jobs; wake(wake_ctx) is called (from a worker) after each job ends. */
mm_rc crawl_workers_start(int threads, const struct crawl_page_handler *handler, void *ctx, void (*wake)(void *),
                          void *wake_ctx, struct crawl_workers **out, struct mm_err *err);
/* Queue a job (its page stays borrowed until the job is taken back). */
void crawl_workers_submit(struct crawl_workers *w, struct crawl_job *j);
/* Jobs submitted and not yet taken back. */
size_t crawl_workers_pending(struct crawl_workers *w);
/* The oldest job when it is done (wait = 1: wait for it), else NULL: jobs
 * come back in submission order. After crawl_workers_stop, jobs left come
 * back not done (state CRAWL_JOB_WAITING). */
struct crawl_job *crawl_workers_take(struct crawl_workers *w, int wait);
/* Let running jobs end and the threads exit; waiting jobs stay queued. */
void crawl_workers_stop(struct crawl_workers *w);
void crawl_workers_free(struct crawl_workers *w);

#endif
