/*
 * crawl.c -- the crawl loop: one libcurl multi handle whose transfers the
 * per-host politeness queues of hosts.c feed (robots.txt first, then at
 * most per_host transfers and `delay` between requests), completions
 * written to the SQLite frontier, and batched commits. Retry-After (RFC
 * 9110 10.2.3) on 429/503, exponential back-off on errors (hosts.c parks a
 * host that keeps failing).
 */
#include "crawler.h"
#include "crawler_int.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COMMIT_MS 1000         /* batch window for commits: each costs an fsync */
#define COMMIT_OPS 4096
#define HEADERS_MAX (64u << 10)
#define ROBOTS_MAX (500u << 10)
#define RETRY_AFTER_MAX 3600
#define SEEN_SLOTS (1u << 16)  /* recently enqueued links: 512 KiB, fixed */

struct xfer {
    CURL *easy;
    struct crawl_host *h;
    struct frontier_item it;
    int robots;
    struct mm_buf body, headers; /* body: decoded bytes */
    struct mm_buf wire;          /* gzip/deflate bytes as received: decoded at the end, stored */
    struct crawl_body dec;
    int dec_started, bad_encoding, keep_wire;
    int too_big, not_html;
    double started;
    struct curl_slist *req_headers;
    size_t max_body;
    struct xfer *prev, *next; /* the crawler's list of transfers in flight */
    /* an HTML page between its fetch and its store part: the URL's outcome
     * so far (pointing into etag, lastmod, hash), the page the handler sees,
     * its extraction job */
    struct frontier_result res;
    char etag[512], lastmod[128], hash[33];
    struct crawl_page page;
    struct crawl_job job;
    int waiting; /* on the workers' queue: freed when its store part ran */
};

struct crawler {
    struct store *s;
    const struct crawl_config *cfg;
    const struct crawl_run_opts *o;
    struct frontier *f;
    struct crawl_stats *st;
    CURLM *multi;
    struct curl_slist *resolve;
    struct crawl_warc *warc;
    struct crawl_hosts hosts;
    char **seed_hosts;
    size_t n_seed_hosts;
    int running;
    uint64_t *seen;            /* SEEN_SLOTS hashes of links already in the frontier */
    struct xfer *xfers;
    struct crawl_workers *workers; /* NULL: extraction on the crawl thread */
    size_t max_waiting;            /* pages extracted or waiting for it, at most (memory stays flat) */
    int64_t ops;
    double last_commit;
    struct mm_err *err;
};

static int64_t mono_ms(void) { return (int64_t)(mm_now_monotonic() * 1000.0); }
static int64_t wall_s(void) { return mm_now_unix_ms() / 1000; }

static void host_seen(void *ctx, const char *key) {
    struct crawler *c = ctx;
    (void)crawl_hosts_get(&c->hosts, key);
}

/* ---- scope and enqueueing ------------------------------------------------ */

static int priority_of(enum crawl_kind kind, int depth, int article) {
    if (kind != CRAWL_KIND_PAGE)
        return 100;
    return (article ? 50 : 40) - depth;
}

static int is_article(const struct crawl_site *site, const char *url) {
    return site && site->article && crawl_site_match(site->article, 1, url);
}

/* May `url` (normalised) be crawled at `depth`, found on a page of host
 * `from_host` (NULL for seeds)? */
static int in_scope(struct crawler *c, const char *url, const char *from_host, int depth, enum crawl_kind kind,
                    const struct crawl_site **site_out) {
    char name[256];
    if (crawl_url_host_name(url, name, sizeof name) != 0)
        return 0;
    const struct crawl_site *site = crawl_config_site(c->cfg, name);
    *site_out = site;
    if (from_host == NULL)
        return 1; /* seeds are in scope by definition */
    long max_depth = site && site->max_depth >= 0 ? site->max_depth : c->cfg->max_depth;
    if (kind == CRAWL_KIND_PAGE && depth > max_depth)
        return 0;
    if (site) {
        if ((site->n_deny || site->n_allow) && strlen(url) > CRAWL_PATTERN_URL_MAX)
            return 0; /* too long for the patterns to judge */
        if (site->n_deny && crawl_site_match(site->deny, site->n_deny, url))
            return 0;
        if (site->n_allow && !crawl_site_match(site->allow, site->n_allow, url) && kind == CRAWL_KIND_PAGE)
            return 0;
        return 1;
    }
    if (strcmp(name, from_host) == 0)
        return 1;
    for (size_t i = 0; i < c->n_seed_hosts; i++)
        if (strcmp(c->seed_hosts[i], name) == 0)
            return 1;
    return 0;
}

/* Normalise and add one URL; `from` is the page it was found on (NULL for
 * seeds). Out-of-scope and malformed URLs are dropped silently. */
static mm_rc enqueue(struct crawler *c, const char *base, const char *raw, enum crawl_kind kind, int depth,
                     const struct frontier_item *from, const char *from_host, const char *lastmod) {
    /* Pages repeat the same navigation links: one already in the frontier
     * (same text, same base) needs neither normalising nor an INSERT. */
    uint64_t k = 0;
    if (c->seen && from && kind == CRAWL_KIND_PAGE && (lastmod == NULL || *lastmod == '\0')) {
        int absolute = strncmp(raw, "http://", 7) == 0 || strncmp(raw, "https://", 8) == 0;
        k = mm_hash64(raw, strlen(raw), absolute ? 0 : mm_hash64(base, strlen(base), 0)) | 1;
        if (c->seen[k & (SEEN_SLOTS - 1)] == k)
            return MM_OK;
    }
    char *url;
    if (crawl_url_normalize(base, raw, &url) != MM_OK)
        return MM_OK;
    const struct crawl_site *site = NULL;
    mm_rc rc = MM_OK;
    char key[512];
    if (in_scope(c, url, from_host, depth, kind, &site) && crawl_url_host_key(url, key, sizeof key) == 0) {
        int added = 0;
        rc = frontier_add(c->f, url, key, site ? site->name : NULL, kind, depth,
                          priority_of(kind, depth, is_article(site, url)), from ? from->id : 0, lastmod, &added,
                          c->err);
        c->ops++;
        if (rc == MM_OK && k)
            c->seen[k & (SEEN_SLOTS - 1)] = k;
        if (rc == MM_OK && added) {
            c->st->enqueued++;
            struct crawl_host *h = crawl_hosts_get(&c->hosts, key);
            if (h == NULL)
                rc = mm_err_set(c->err, MM_ENOMEM, "out of memory");
            else
                h->empty_until_ms = 0;
        }
    }
    free(url);
    return rc;
}

mm_rc crawl_found_link(struct crawl_found *f, const char *url, enum crawl_kind kind, int nofollow) {
    if (nofollow && !f->follow_nofollow)
        return MM_OK;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        struct crawl_found_link *v = realloc(f->v, cap * sizeof *v);
        if (v == NULL)
            return MM_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    if ((f->v[f->n].url = strdup(url)) == NULL)
        return MM_ENOMEM;
    f->v[f->n++].kind = kind;
    return MM_OK;
}

void crawl_found_document(struct crawl_found *f, int64_t document_id) { f->document_id = document_id; }

static void found_free(struct crawl_found *f) {
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].url);
    free(f->v);
}

/* ---- transfers ------------------------------------------------------------ */

static int html_type(const char *ct) {
    if (ct == NULL)
        return -1; /* unknown: sniff */
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, "text/html", 9) == 0 || strncasecmp(ct, "application/xhtml+xml", 21) == 0;
}

static int sniff_html(const char *p, size_t n) {
    size_t i = 0;
    if (n >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= n || p[i] != '<')
        return 0;
    size_t m = n - i < 512 ? n - i : 512;
    static const char *const tags[] = {"<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<!--"};
    for (size_t t = 0; t < sizeof tags / sizeof *tags; t++) {
        size_t tl = strlen(tags[t]);
        if (m >= tl && strncasecmp(p + i, tags[t], tl) == 0)
            return 1;
    }
    return 0;
}

static int header_value(const char *block, const char *name, char *out, size_t n);

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    struct xfer *x = ud;
    size_t len = size * n;
    if (!x->dec_started) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (!x->robots && x->it.kind == CRAWL_KIND_PAGE && (code < 300 || code > 399)) {
            char *ct = NULL;
            curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
            if (html_type(ct) == 0) {
                x->not_html = 1;
                return 0; /* abort: non-HTML bodies are recorded, not downloaded */
            }
        }
        /* the header block of this (final) response is complete now */
        char ce[64];
        int enc = header_value(x->headers.data ? x->headers.data : "", "Content-Encoding", ce, sizeof ce)
                      ? crawl_body_encoding(ce)
                      : CRAWL_ENC_IDENTITY;
        crawl_body_init(&x->dec, enc, x->max_body, &x->body);
        x->dec_started = 1;
        if (enc == CRAWL_ENC_UNKNOWN) {
            x->bad_encoding = 1;
            return 0;
        }
    }
    if (x->dec.enc == CRAWL_ENC_GZIP || x->dec.enc == CRAWL_ENC_DEFLATE ||
        (x->keep_wire && x->dec.enc != CRAWL_ENC_IDENTITY)) {
        if (x->wire.len + len > x->max_body) {
            x->too_big = 1;
            return 0;
        }
        if (mm_buf_append(&x->wire, p, len) != MM_OK)
            return 0;
    }
    if (crawl_body_feed(&x->dec, p, len) != 0) {
        if (x->dec.too_big)
            x->too_big = 1; /* robots.txt keeps what fit: RFC 9309 2.5 reads the first 500 KiB */
        else
            x->bad_encoding = 1;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    struct xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        mm_buf_reset(&x->headers); /* keep the last response's block (after redirects) */
    if (mm_buf_append(&x->headers, p, len) != MM_OK)
        return len; /* headers past 64 KiB are dropped, not fatal */
    return len;
}

/* A header value from the kept block ("" terminated copy into out). */
static int header_value(const char *block, const char *name, char *out, size_t n) {
    size_t nl = strlen(name);
    const char *p = block;
    while (p && *p) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t l = strcspn(v, "\r\n");
            if (l >= n)
                l = n - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 1;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return 0;
}

static mm_rc start(struct crawler *c, struct crawl_host *h, struct frontier_item *it, int robots) {
    struct xfer *x = calloc(1, sizeof *x);
    if (x == NULL)
        return mm_err_set(c->err, MM_ENOMEM, "out of memory");
    x->h = h;
    x->it = *it;
    memset(it, 0, sizeof *it);
    x->robots = robots;
    x->keep_wire = c->warc != NULL;
    x->max_body = robots ? ROBOTS_MAX : (size_t)c->cfg->max_body;
    mm_buf_init(&x->body, 0);
    mm_buf_init(&x->wire, 0);
    mm_buf_init(&x->headers, HEADERS_MAX);
    x->started = mm_now_monotonic();
    CURL *e = x->easy = curl_easy_init();
    if (e == NULL) {
        frontier_item_clear(&x->it);
        free(x);
        return mm_err_set(c->err, MM_ENOMEM, "cannot create a transfer");
    }
    const struct crawl_config *cfg = c->cfg;
    curl_easy_setopt(e, CURLOPT_URL, x->it.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* robots.txt: libcurl follows up to 5 redirects (RFC 9309 2.3.1.2).
     * Everything else: a redirect target becomes a frontier URL of its own,
     * so its host's robots.txt, politeness and de-duplication apply. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, robots ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    /* ask for every encoding libcurl knows (gzip, deflate, br, zstd) but
     * decode here (body.c): the cap then holds for decoded bytes and a gzip
     * body is stored without compressing it again */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, cfg->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, cfg->timeout_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, cfg->low_speed_s);
    if (!robots) /* robots.txt past 500 KiB is cut, not refused */
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    if (c->resolve)
        curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);
    if (cfg->ca_file) /* verification stays on: this only adds trusted roots */
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
    if (!robots) {
        char line[1200];
        if (x->it.etag) {
            snprintf(line, sizeof line, "If-None-Match: %s", x->it.etag);
            x->req_headers = curl_slist_append(x->req_headers, line);
        }
        if (x->it.last_modified) {
            snprintf(line, sizeof line, "If-Modified-Since: %s", x->it.last_modified);
            x->req_headers = curl_slist_append(x->req_headers, line);
        }
        x->req_headers = curl_slist_append(x->req_headers, "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5");
        x->req_headers = curl_slist_append(x->req_headers, "Accept-Language: ko,en;q=0.5");
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->req_headers);
    }
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        curl_slist_free_all(x->req_headers);
        frontier_item_clear(&x->it);
        free(x);
        return mm_err_set(c->err, MM_ENOMEM, "cannot start a transfer");
    }
    x->next = c->xfers;
    if (c->xfers)
        c->xfers->prev = x;
    c->xfers = x;
    crawl_host_started(h, mono_ms());
    c->running++;
    c->st->in_flight = c->running;
    return MM_OK;
}

/* Take a finished transfer off the in-flight list and the multi handle; its
 * easy handle keeps the final URL and content type the page points to. */
static void xfer_detach(struct crawler *c, struct xfer *x) {
    if (x->prev)
        x->prev->next = x->next;
    else if (c->xfers == x)
        c->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    curl_multi_remove_handle(c->multi, x->easy);
}

static void xfer_free(struct crawler *c, struct xfer *x) {
    xfer_detach(c, x);
    if (x->job.result && c->o->handler && c->o->handler->result_free)
        c->o->handler->result_free(x->job.result);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->req_headers);
    crawl_body_free(&x->dec);
    mm_buf_free(&x->body);
    mm_buf_free(&x->wire);
    mm_buf_free(&x->headers);
    frontier_item_clear(&x->it);
    free(x);
}

/* ---- completions ---------------------------------------------------------- */

static void count_error(struct crawl_stats *st, const char *kind) {
    st->errors++;
    if (strcmp(kind, "http") == 0)
        st->err_http++;
    else if (strcmp(kind, "timeout") == 0)
        st->err_timeout++;
    else if (strcmp(kind, "limit") == 0)
        st->err_limit++;
    else if (strcmp(kind, "robots") == 0)
        st->err_robots++;
    else if (strcmp(kind, "extract") == 0)
        st->err_extract++;
    else if (strcmp(kind, "encoding") == 0)
        st->err_encoding++;
    else
        st->err_net++;
}

char *crawl_stats_errors_json(const struct crawl_stats *st) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_printf(&b, "{\"http\":%lld,\"net\":%lld,\"timeout\":%lld,\"limit\":%lld,\"encoding\":%lld,"
                      "\"robots\":%lld,\"extract\":%lld,\"robots_denied\":%lld,\"not_html\":%lld,"
                      "\"parked_hosts\":%lld}",
                  (long long)st->err_http, (long long)st->err_net, (long long)st->err_timeout,
                  (long long)st->err_limit, (long long)st->err_encoding, (long long)st->err_robots,
                  (long long)st->err_extract,
                  (long long)st->robots_denied, (long long)st->err_type, (long long)st->parked_hosts);
    return mm_buf_steal(&b);
}

static long revisit_for(struct crawler *c, const struct crawl_site *site, enum crawl_kind kind, int depth,
                        int article) {
    const struct crawl_config *cfg = c->cfg;
    if (kind != CRAWL_KIND_PAGE || depth == 0)
        return site && site->revisit_feed_s >= 0 ? site->revisit_feed_s : cfg->revisit_feed_s;
    if (article)
        return site && site->revisit_article_s >= 0 ? site->revisit_article_s : cfg->revisit_article_s;
    return site && site->revisit_page_s >= 0 ? site->revisit_page_s : cfg->revisit_page_s;
}

static int64_t retry_after_s(const char *headers) {
    char v[128];
    if (!header_value(headers, "Retry-After", v, sizeof v))
        return -1;
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0' && secs >= 0)
        return secs > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : secs;
    time_t t = curl_getdate(v, NULL); /* an HTTP-date */
    if (t < 0)
        return -1;
    int64_t d = (int64_t)t - wall_s();
    return d < 0 ? 0 : d > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : d;
}

/* A failed fetch: back off the URL and the host; park a host that keeps failing. */
static mm_rc fail(struct crawler *c, struct xfer *x, long status, const char *kind, int retry, int64_t wait_s,
                  int attempts) {
    count_error(c->st, kind);
    struct frontier_result r = {.status = status, .error = kind, .attempts = attempts};
    if (!retry) {
        r.state = "failed";
        return frontier_finish(c->f, x->it.id, &r, c->err);
    }
    int64_t nows = wall_s(), nowm = mono_ms();
    int shift = attempts > 1 ? (attempts - 1 > 10 ? 10 : attempts - 1) : 0;
    r.state = "queued";
    r.next_fetch = nows + (wait_s >= 0 ? wait_s : (int64_t)c->cfg->retry_base_s << shift);
    int parked = 0;
    mm_rc rc = crawl_host_backoff(x->h, c->f, c->cfg, kind, wait_s, nowm, nows, &parked, c->err);
    c->st->parked_hosts += parked;
    if (rc != MM_OK)
        return rc;
    return frontier_finish(c->f, x->it.id, &r, c->err);
}

static mm_rc attempts_bump(struct crawler *c, int64_t id, int *attempts) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(c->s, "UPDATE urls SET attempts = attempts + 1 WHERE id = ?1 RETURNING attempts", &st,
                             c->err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    *attempts = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
    sqlite3_finalize(st);
    return MM_OK;
}

static mm_rc retry_or_fail(struct crawler *c, struct xfer *x, long status, const char *kind, int64_t wait_s) {
    int attempts;
    mm_rc rc = attempts_bump(c, x->it.id, &attempts);
    if (rc != MM_OK)
        return rc;
    return fail(c, x, status, kind, attempts < c->cfg->max_attempts, wait_s, attempts);
}

static mm_rc robots_done(struct crawler *c, struct xfer *x, CURLcode res, long status) {
    struct crawl_host *h = x->h;
    int64_t now = wall_s();
    mm_rc rc;
    if (status > 0)
        c->st->robots_answered++; /* the host was reached, whatever it said */
    struct crawl_robots *robots = NULL;
    if (res == CURLE_OK || (res == CURLE_WRITE_ERROR && x->too_big) || res == CURLE_FILESIZE_EXCEEDED) {
        if (status >= 200 && status < 300) {
            if ((rc = crawl_robots_parse(x->body.data ? x->body.data : "", x->body.len, c->cfg->robots_agent,
                                         &robots)) != MM_OK)
                return mm_err_set(c->err, rc, "out of memory");
        } else if (status >= 400 && status < 500) {
            if ((rc = crawl_robots_all(1, &robots)) != MM_OK) /* RFC 9309 2.3.1.3: unavailable */
                return mm_err_set(c->err, rc, "out of memory");
        }
    }
    if (robots == NULL) { /* 5xx, 3xx past 5 hops or unreachable: disallow all for now (2.3.1.4) */
        crawl_host_robots_blocked(h, c->cfg, now);
        count_error(c->st, "robots");
        return frontier_host_robots(c->f, h->key, res == CURLE_OK ? (int)status : 0, NULL, 0, now, -1, c->err);
    }
    long cd = crawl_robots_delay_ms(robots);
    crawl_host_robots_ready(h, robots, c->cfg, mono_ms(), now);
    int keep = status >= 200 && status < 300;
    rc = frontier_host_robots(c->f, h->key, (int)status, keep ? x->body.data : NULL, keep ? x->body.len : 0, now, cd,
                              c->err);
    const char *sm;
    for (size_t i = 0; rc == MM_OK && (sm = crawl_robots_sitemap(h->robots, i)) != NULL; i++)
        rc = enqueue(c, NULL, sm, CRAWL_KIND_SITEMAP, 0, NULL, h->name, NULL);
    return rc;
}

/* The store part of an HTML page, on the crawl thread once its extract part
 * ended (job.state CRAWL_JOB_DONE): the handler's store, the links found,
 * the URL finished. */
static mm_rc page_store(struct crawler *c, struct xfer *x) {
    const struct crawl_page_handler *hd = c->o->handler;
    struct frontier_result *r = &x->res;
    mm_rc rc = frontier_write(c->f, c->err);
    if (rc != MM_OK)
        return rc;
    c->ops++;
    struct crawl_found found = {.follow_nofollow = c->cfg->follow_nofollow};
    struct mm_err herr = x->job.err;
    mm_rc hr = x->job.rc;
    if (hr == MM_OK)
        hr = hd->store(c->o->ctx, c->s, &x->page, x->job.result, &found, &herr);
    if (x->job.result && hd->result_free)
        hd->result_free(x->job.result);
    x->job.result = NULL;
    if (hr == MM_EDB || hr == MM_ENOMEM) {
        found_free(&found);
        *c->err = herr;
        return hr;
    }
    if (hr != MM_OK) {
        count_error(c->st, "extract");
        r->error = "extract";
    }
    if (found.document_id > 0) {
        r->document_id = found.document_id;
        c->st->documents++;
    }
    for (size_t i = 0; rc == MM_OK && i < found.n; i++)
        rc = enqueue(c, x->page.final_url, found.v[i].url, found.v[i].kind, x->it.depth + 1, &x->it, x->h->name,
                     NULL);
    found_free(&found);
    if (rc != MM_OK)
        return rc;
    return frontier_finish(c->f, x->it.id, r, c->err);
}

/* Store the pages whose extraction ended, in the order they were fetched
 * (wait = 1: all of them, waiting for the workers). */
static mm_rc pages_store(struct crawler *c, int wait) {
    mm_rc rc = MM_OK;
    struct crawl_job *j;
    while (c->workers && rc == MM_OK && (j = crawl_workers_take(c->workers, wait)) != NULL) {
        struct xfer *x = (struct xfer *)((char *)j - offsetof(struct xfer, job));
        rc = page_store(c, x);
        xfer_free(c, x);
    }
    return rc;
}

static mm_rc page_done(struct crawler *c, struct xfer *x, long status) {
    struct crawl_host *h = x->h;
    const struct crawl_config *cfg = c->cfg;
    char *final = NULL, *ct = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &final);
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (final == NULL)
        final = x->it.url;
    int64_t dur = (int64_t)((mm_now_monotonic() - x->started) * 1000);
    const struct crawl_site *site = h->site;
    int article = is_article(site, x->it.url);
    int64_t now = wall_s();
    long revisit = revisit_for(c, site, x->it.kind, x->it.depth, article);
    struct frontier_result *r = &x->res;
    *r = (struct frontier_result){.state = "done", .status = status};
    r->next_fetch = revisit > 0 ? now + revisit : 0;
    if (header_value(x->headers.data ? x->headers.data : "", "ETag", x->etag, sizeof x->etag))
        r->etag = x->etag;
    if (header_value(x->headers.data ? x->headers.data : "", "Last-Modified", x->lastmod, sizeof x->lastmod))
        r->last_modified = x->lastmod;
    h->failures = 0;
    if (status == 304) {
        c->st->not_modified++;
        return frontier_finish(c->f, x->it.id, r, c->err);
    }
    /* change detection only: a SHA-256 stored by an older version never matches */
    mm_hash128_hex(x->body.data ? x->body.data : "", x->body.len, x->hash);
    r->content_hash = x->hash;
    int unchanged = x->it.content_hash && strcmp(x->it.content_hash, x->hash) == 0;
    int html = x->it.kind == CRAWL_KIND_PAGE ? html_type(ct) : 0;
    if (html < 0)
        html = sniff_html(x->body.data ? x->body.data : "", x->body.len);
    mm_rc rc;
    if (x->it.kind == CRAWL_KIND_PAGE && !html) {
        c->st->err_type++;
        c->st->skipped++;
        r->state = "skipped";
        r->error = "not_html";
        rc = frontier_response(c->f, x->it.id, final, status, x->headers.data, ct, NULL, 0, 0, dur, c->err);
        return rc == MM_OK ? frontier_finish(c->f, x->it.id, r, c->err) : rc;
    }
    if (unchanged)
        return frontier_finish(c->f, x->it.id, r, c->err);
    unsigned char *z = NULL;
    size_t zlen = 0;
    if (x->dec_started && crawl_body_zlib(&x->dec, (const unsigned char *)x->wire.data, x->wire.len, &z, &zlen) != MM_OK)
        return mm_err_set(c->err, MM_ENOMEM, "out of memory storing %s", final);
    rc = frontier_response(c->f, x->it.id, final, status, x->headers.data, ct, z, zlen, x->body.len, dur, c->err);
    free(z);
    if (rc == MM_OK && c->warc) {
        int coded = x->dec_started && x->dec.enc != CRAWL_ENC_IDENTITY;
        rc = crawl_warc_response(c->warc, final, x->headers.data, coded ? x->wire.data : x->body.data,
                                 coded ? x->wire.len : x->body.len, c->err);
    }
    if (rc != MM_OK)
        return rc;
    if (x->it.kind != CRAWL_KIND_PAGE) {
        struct crawl_entries en = {0};
        struct mm_err perr;
        mm_err_clear(&perr);
        if (crawl_feed_parse(final, x->body.data ? x->body.data : "", x->body.len, (size_t)cfg->max_body, &en,
                             &perr) != MM_OK) {
            count_error(c->st, "extract");
            r->error = "feed";
        } else { /* feed age, for the stale-feed warning of `malmoi stats` */
            int64_t dated, newest;
            crawl_entries_newest(&en, &dated, &newest);
            rc = store_feed_seen(c->s, x->it.url, site ? site->name : NULL, crawl_kind_name(x->it.kind), c->o->run_id,
                                 now, (int64_t)en.n, dated, newest, c->err);
        }
        for (size_t i = 0; rc == MM_OK && i < en.n; i++)
            rc = enqueue(c, final, en.v[i].url, en.v[i].kind,
                         en.v[i].kind == CRAWL_KIND_SITEMAP ? x->it.depth : x->it.depth + 1, &x->it, h->name,
                         en.v[i].lastmod);
        crawl_entries_free(&en);
        return rc == MM_OK ? frontier_finish(c->f, x->it.id, r, c->err) : rc;
    }
    c->st->html++;
    if (c->o->handler == NULL)
        return frontier_finish(c->f, x->it.id, r, c->err);
    x->page = (struct crawl_page){.url_id = x->it.id,
                                  .url = x->it.url,
                                  .final_url = final,
                                  .site = site ? site->name : NULL,
                                  .status = status,
                                  .headers = x->headers.data ? x->headers.data : "",
                                  .content_type = ct,
                                  .body = x->body.data ? x->body.data : "",
                                  .body_len = x->body.len,
                                  .depth = x->it.depth,
                                  .article = article};
    x->job.page = &x->page;
    if (c->workers) {
        /* extracted on a worker; stored by pages_store, in this order */
        x->waiting = 1;
        crawl_workers_submit(c->workers, &x->job);
        return MM_OK;
    }
    mm_err_clear(&x->job.err);
    x->job.result = NULL;
    x->job.rc = c->o->handler->extract(c->o->ctx, &x->page, &x->job.result, &x->job.err);
    x->job.state = CRAWL_JOB_DONE;
    return page_store(c, x);
}

/* Redirects in a row that led to URL `id` (its found_from chain of 3xx). */
static mm_rc redirect_hops(struct crawler *c, int64_t id, int *hops) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(c->s,
                             "WITH RECURSIVE ch(id, n) AS (SELECT ?1, 0 UNION ALL"
                             " SELECT u.found_from, ch.n + 1 FROM urls u JOIN ch ON u.id = ch.id"
                             " JOIN urls p ON p.id = u.found_from"
                             " WHERE ch.n < 64 AND p.last_status BETWEEN 300 AND 399 AND p.last_status <> 304)"
                             " SELECT max(n) FROM ch",
                             &st, c->err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    *hops = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return MM_OK;
}

/* A 3xx: the URL is done; its target is queued as a URL of its own (same
 * kind and depth), at most max_redirects hops from the URL first found. */
static mm_rc redirect_done(struct crawler *c, struct xfer *x, long status) {
    char loc[4096];
    const char *hdrs = x->headers.data ? x->headers.data : "";
    char *target = NULL;
    if (!header_value(hdrs, "Location", loc, sizeof loc) || crawl_url_normalize(x->it.url, loc, &target) != MM_OK)
        return fail(c, x, status, "http", 0, -1, 0); /* no Location, or not http(s): it will not heal */
    struct crawl_host *h = x->h;
    h->failures = 0;
    int hops = 0;
    mm_rc rc = redirect_hops(c, x->it.id, &hops);
    int64_t dur = (int64_t)((mm_now_monotonic() - x->started) * 1000);
    if (rc == MM_OK)
        rc = frontier_response(c->f, x->it.id, x->it.url, status, hdrs, NULL, NULL, 0, 0, dur, c->err);
    long revisit = revisit_for(c, h->site, x->it.kind, x->it.depth, is_article(h->site, x->it.url));
    struct frontier_result r = {.state = "done", .status = status};
    r.next_fetch = revisit > 0 ? wall_s() + revisit : 0;
    if (rc == MM_OK && hops + 1 > c->cfg->max_redirects) {
        r.error = "redirects";
        count_error(c->st, "http");
    }
    if (rc == MM_OK)
        rc = frontier_finish(c->f, x->it.id, &r, c->err);
    if (rc == MM_OK && r.error == NULL)
        rc = enqueue(c, NULL, target, x->it.kind, x->it.depth, &x->it, h->name, NULL);
    free(target);
    return rc;
}

static const char *curl_kind(CURLcode res) {
    switch (res) {
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_FILESIZE_EXCEEDED:
        return "limit";
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "http";
    default:
        return "net";
    }
}

static mm_rc finished(struct crawler *c, CURLMsg *m) {
    struct xfer *x = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    CURLcode res = m->data.result;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    /* gzip and deflate bodies are decoded now, whole (body.c); a failure
     * reads as on_body's refusal of the bytes did when they were streamed */
    if (x->dec_started && !x->bad_encoding &&
        crawl_body_finish(&x->dec, (const unsigned char *)x->wire.data, x->wire.len, res != CURLE_OK) != 0) {
        if (x->dec.too_big) {
            x->too_big = 1; /* robots.txt keeps what fit, as in on_body */
        } else {
            x->bad_encoding = 1;
            x->too_big = 0; /* the bad bytes came before the cut at the cap, if any */
        }
        res = CURLE_WRITE_ERROR;
    }
    curl_off_t down = 0;
    long hsize = 0;
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &hsize);
    c->st->bytes += (int64_t)down + hsize;
    struct crawl_host *h = x->h;
    crawl_host_finished(h, mono_ms());
    c->running--;
    c->st->in_flight = c->running;
    mm_rc rc = frontier_write(c->f, c->err);
    if (rc != MM_OK)
        goto out;
    c->ops++;
    if (x->robots) {
        rc = robots_done(c, x, res, status);
        goto out;
    }
    if (status > 0)
        c->st->pages++;
    if (res == CURLE_WRITE_ERROR && x->not_html) {
        char *ct = NULL, *final = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &final);
        c->st->err_type++;
        c->st->skipped++;
        h->failures = 0;
        struct frontier_result r = {.state = "skipped", .status = status, .error = "not_html"};
        rc = frontier_response(c->f, x->it.id, final ? final : x->it.url, status, x->headers.data, ct, NULL, 0, 0, 0,
                               c->err);
        if (rc == MM_OK)
            rc = frontier_finish(c->f, x->it.id, &r, c->err);
        goto out;
    }
    if ((res == CURLE_WRITE_ERROR && x->too_big) || res == CURLE_FILESIZE_EXCEEDED) {
        rc = fail(c, x, status, "limit", 0, -1, 0);
        goto out;
    }
    if ((res == CURLE_WRITE_ERROR && x->bad_encoding) ||
        (res == CURLE_OK && x->dec_started && !crawl_body_complete(&x->dec))) {
        /* corrupt or cut-off gzip/br/zstd data: try again later */
        rc = retry_or_fail(c, x, status, "encoding", -1);
        goto out;
    }
    if (res == CURLE_TOO_MANY_REDIRECTS || res == CURLE_UNSUPPORTED_PROTOCOL) {
        rc = fail(c, x, status, "http", 0, -1, 0); /* a loop or an ftp: redirect does not heal */
        goto out;
    }
    if (res != CURLE_OK) {
        rc = retry_or_fail(c, x, status, curl_kind(res), -1);
        goto out;
    }
    if (status == 429 || status == 503) {
        rc = retry_or_fail(c, x, status, "http", retry_after_s(x->headers.data ? x->headers.data : ""));
    } else if (status >= 500) {
        rc = retry_or_fail(c, x, status, "http", -1);
    } else if (status >= 300 && status < 400 && status != 304) {
        rc = redirect_done(c, x, status);
    } else if (status == 304 || (status >= 200 && status < 300)) {
        rc = page_done(c, x, status);
    } else {
        h->failures = 0; /* a 404 is the page's fault, not the host's */
        rc = fail(c, x, status, "http", 0, -1, 0);
    }
out:
    if (x->waiting)
        xfer_detach(c, x); /* its page is on the workers' queue */
    else
        xfer_free(c, x);
    return rc;
}

/* ---- scheduling ----------------------------------------------------------- */

/* Decide what this host does next; starts at most what politeness allows. */
static mm_rc host_step(struct crawler *c, struct crawl_host *h, int64_t nowm, int64_t nows) {
    if (!crawl_host_may_start(h, nowm, nows) || c->running >= c->cfg->max_connections)
        return MM_OK;
    if (c->workers && crawl_workers_pending(c->workers) >= c->max_waiting)
        return MM_OK; /* extraction is behind: fetch no more until it catches up */
    int have = 0;
    mm_rc rc = crawl_host_refill(h, c->f, nowm, nows, &c->ops, &have, c->err);
    if (rc != MM_OK || !have)
        return rc;
    enum crawl_host_next what;
    if ((rc = crawl_host_robots_check(h, c->f, c->cfg, nowm, nows, &what, c->err)) != MM_OK)
        return rc;
    struct frontier_item it = {0};
    if (what == CRAWL_HOST_FETCH_ROBOTS) {
        char url[600];
        snprintf(url, sizeof url, "%s/robots.txt", h->key);
        if ((it.url = strdup(url)) == NULL)
            return mm_err_set(c->err, MM_ENOMEM, "out of memory");
        return start(c, h, &it, 1);
    }
    if (what != CRAWL_HOST_FETCH_PAGE)
        return MM_OK;
    int got = 0;
    if ((rc = crawl_host_take(h, c->f, &it, &got, &c->st->robots_denied, &c->ops, c->err)) != MM_OK || !got)
        return rc;
    return start(c, h, &it, 0);
}

static mm_rc maybe_commit(struct crawler *c, int force) {
    double now = mm_now_monotonic();
    if (!frontier_in_txn(c->f))
        return MM_OK;
    if (!force && c->ops < COMMIT_OPS && (now - c->last_commit) * 1000 < COMMIT_MS)
        return MM_OK;
    c->ops = 0;
    c->last_commit = now;
    return frontier_commit(c->f, c->err);
}

static mm_rc seed(struct crawler *c) {
    mm_rc rc = frontier_write(c->f, c->err);
    for (size_t i = 0; rc == MM_OK && i < c->o->n_seeds; i++) {
        char *u;
        if (crawl_url_normalize(NULL, c->o->seeds[i], &u) != MM_OK)
            return mm_err_set(c->err, MM_EINVAL, "seed '%s' is not an http or https URL", c->o->seeds[i]);
        char name[256];
        if (crawl_url_host_name(u, name, sizeof name) == 0) {
            char **v = realloc(c->seed_hosts, (c->n_seed_hosts + 1) * sizeof *v);
            if (v == NULL || (v[c->n_seed_hosts] = strdup(name)) == NULL) {
                free(u);
                if (v)
                    c->seed_hosts = v;
                return mm_err_set(c->err, MM_ENOMEM, "out of memory");
            }
            c->seed_hosts = v;
            c->n_seed_hosts++;
        }
        free(u);
        rc = enqueue(c, NULL, c->o->seeds[i], CRAWL_KIND_PAGE, 0, NULL, NULL, NULL);
    }
    if (c->o->config_seeds) {
        for (size_t i = 0; rc == MM_OK && i < c->cfg->n_sites; i++) {
            const struct crawl_site *s = &c->cfg->sites[i];
            for (size_t j = 0; rc == MM_OK && j < s->n_seeds; j++)
                rc = enqueue(c, NULL, s->seeds[j], CRAWL_KIND_PAGE, 0, NULL, NULL, NULL);
            for (size_t j = 0; rc == MM_OK && j < s->n_feeds; j++)
                rc = enqueue(c, NULL, s->feeds[j], CRAWL_KIND_FEED, 0, NULL, NULL, NULL);
            for (size_t j = 0; rc == MM_OK && j < s->n_sitemaps; j++)
                rc = enqueue(c, NULL, s->sitemaps[j], CRAWL_KIND_SITEMAP, 0, NULL, NULL, NULL);
        }
    }
    if (rc == MM_OK)
        rc = frontier_commit(c->f, c->err);
    return rc;
}

/* A worker finished a page: end the loop's wait in curl_multi_poll. */
static void wake_loop(void *multi) { curl_multi_wakeup(multi); }

mm_rc crawl_run(struct store *s, const struct crawl_config *cfg, const struct crawl_run_opts *o,
                struct crawl_stats *stats, struct mm_err *err) {
    memset(stats, 0, sizeof *stats);
    if (cfg->user_agent == NULL || *cfg->user_agent == '\0')
        return mm_err_set(err, MM_EINVAL, "no user agent: set user_agent and contact in [crawler] or pass --user-agent");
    struct crawler c = {.s = s,
                        .cfg = cfg,
                        .o = o,
                        .st = stats,
                        .err = err,
                        .hosts = {.cfg = cfg, .part_k = o->partition_k, .part_n = o->partition_n}};
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < o->n_resolve; i++) {
        const char *r = o->resolve[i];
        const char *c1 = strchr(r, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 == NULL || c2 == NULL || c2[1] == '\0') {
            rc = mm_err_set(err, MM_EINVAL, "--resolve '%s': want HOST:PORT:ADDRESS", r);
            goto done;
        }
        struct curl_slist *n = curl_slist_append(c.resolve, r);
        if (n == NULL) {
            rc = mm_err_set(err, MM_ENOMEM, "out of memory");
            goto done;
        }
        c.resolve = n;
    }
    if (o->warc_dir && (rc = crawl_warc_open(o->warc_dir, o->run_id, &c.warc, err)) != MM_OK)
        goto done;
    if ((c.seen = calloc(SEEN_SLOTS, sizeof *c.seen)) == NULL) {
        rc = mm_err_set(err, MM_ENOMEM, "out of memory");
        goto done;
    }
    if ((c.multi = curl_multi_init()) == NULL) {
        rc = mm_err_set(err, MM_ENOMEM, "cannot start libcurl");
        goto done;
    }
    curl_multi_setopt(c.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(c.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, cfg->max_connections);
    if (o->handler && o->threads > 1) {
        if ((rc = crawl_workers_start(o->threads, o->handler, o->ctx, wake_loop, c.multi, &c.workers, err)) != MM_OK)
            goto done;
        /* at least 32 pages (2 MB of bodies on news pages): the workers
         * keep going through a commit's search-index flush on the crawl
         * thread (5% less wall time on 2 cores than 8 pages) */
        c.max_waiting = 4 * (size_t)o->threads < 32 ? 32 : 4 * (size_t)o->threads;
    }
    if ((rc = frontier_open(s, o->run_id, &c.f, err)) != MM_OK)
        goto done;
    if ((rc = frontier_recover(c.f, wall_s(), err)) != MM_OK || (rc = seed(&c)) != MM_OK)
        goto done;
    if ((rc = frontier_each_host(c.f, host_seen, &c, err)) != MM_OK)
        goto done;
    double t0 = mm_now_monotonic(), last_progress = 0, last_requeue = t0, idle_since = -1, stop_at = -1;
    c.last_commit = t0;
    for (;;) {
        double now = mm_now_monotonic();
        int stopping = (o->stop && *o->stop) || (o->max_pages > 0 && stats->pages >= o->max_pages) ||
                       (o->max_seconds > 0 && now - t0 >= o->max_seconds);
        if (stopping && stop_at < 0)
            stop_at = now;
        if (!stopping) {
            int64_t nowm = (int64_t)(now * 1000), nows = wall_s();
            if (now - last_requeue >= 5) {
                last_requeue = now;
                if ((rc = frontier_write(c.f, err)) != MM_OK || (rc = frontier_requeue_due(c.f, nows, err)) != MM_OK)
                    break;
                for (size_t i = 0; i < c.hosts.n; i++)
                    c.hosts.v[i]->empty_until_ms = 0;
            }
            for (size_t i = 0; i < c.hosts.n && rc == MM_OK; i++) {
                /* start as many as the host allows now, not one per turn */
                for (int k = 0; k < c.hosts.v[i]->per_host && rc == MM_OK; k++) {
                    if (o->max_pages > 0 && stats->pages + c.running >= o->max_pages)
                        break;
                    int before = c.running;
                    rc = host_step(&c, c.hosts.v[i], nowm, nows);
                    if (c.running == before)
                        break;
                }
            }
            if (rc != MM_OK)
                break;
        }
        int waiting = c.workers && crawl_workers_pending(c.workers) > 0;
        if (c.running == 0 && !waiting) {
            if (stopping)
                break;
            /* Nothing in flight: end when nothing is due within idle_wait. */
            /* Nothing in flight: wait only for work that is due soon on a host
             * that may be fetched; a parked or robots-blocked host ends the run. */
            int64_t nows = wall_s(), nowm = (int64_t)(now * 1000);
            int ready = 0, all_empty = 1;
            for (size_t i = 0; i < c.hosts.n; i++)
                crawl_host_idle(c.hosts.v[i], nowm, nows, cfg->idle_wait_s, &ready, &all_empty);
            if (idle_since < 0)
                idle_since = now;
            if (!ready && all_empty) {
                int64_t due;
                if ((rc = frontier_next_due(c.f, nows, &due, err)) != MM_OK)
                    break;
                if (due == INT64_MAX || due - nows > cfg->idle_wait_s)
                    break;
            }
            if (now - idle_since > cfg->idle_wait_s + 1.0)
                break;
        } else {
            idle_since = -1;
        }
        if (stopping && now - stop_at > 1.0)
            break; /* in-flight transfers are abandoned; their URLs are released below */
        int numfds;
        curl_multi_poll(c.multi, NULL, 0, c.running ? 50 : 100, &numfds);
        int still;
        curl_multi_perform(c.multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(c.multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE && (rc = finished(&c, m)) != MM_OK)
                break;
            /* One page's work can be slow: the stop flag and the deadline are
             * looked at between pages too, not only once all are handled. */
            if ((o->stop && *o->stop) || (o->max_seconds > 0 && mm_now_monotonic() - t0 >= o->max_seconds))
                break;
        }
        if (rc != MM_OK || (rc = pages_store(&c, 0)) != MM_OK)
            break;
        if ((rc = maybe_commit(&c, 0)) != MM_OK)
            break;
        if (o->progress && now - last_progress >= 1.0) {
            last_progress = now;
            if (frontier_count_due(c.f, wall_s(), &stats->queued, err) != MM_OK)
                mm_err_clear(err);
            o->progress(o->ctx, stats);
        }
    }
done:
    /* Pages fetched are stored (after an error: dropped, their URLs are
     * released below); what is still in flight is abandoned, its URLs go
     * back to the queue. */
    if (c.workers) {
        if (rc == MM_OK)
            rc = pages_store(&c, 1);
        crawl_workers_stop(c.workers);
        struct crawl_job *j;
        while ((j = crawl_workers_take(c.workers, 0)) != NULL)
            xfer_free(&c, (struct xfer *)((char *)j - offsetof(struct xfer, job)));
        crawl_workers_free(c.workers);
        c.workers = NULL;
    }
    if (c.multi) {
        while (c.xfers) {
            c.xfers->h->inflight--;
            xfer_free(&c, c.xfers);
        }
    }
    if (c.f) {
        struct mm_err e2;
        mm_err_clear(&e2);
        /* the next run (cron) keeps each host's delay */
        int64_t nowm_end = mono_ms(), nowu = mm_now_unix_ms();
        if (frontier_write(c.f, &e2) == MM_OK)
            for (size_t i = 0; i < c.hosts.n && e2.code == MM_OK; i++)
                if (c.hosts.v[i]->next_allowed_ms > nowm_end)
                    frontier_host_next(c.f, c.hosts.v[i]->key, nowu + (c.hosts.v[i]->next_allowed_ms - nowm_end), &e2);
        if (rc == MM_OK) {
            rc = maybe_commit(&c, 1);
        } else if (frontier_in_txn(c.f)) {
            frontier_commit(c.f, &e2);
        }
        if (frontier_write(c.f, &e2) == MM_OK && frontier_release(c.f, &e2) == MM_OK)
            frontier_commit(c.f, &e2);
        if (rc == MM_OK && e2.code != MM_OK)
            rc = mm_err_set(err, e2.code, "%s", e2.msg);
    }
    stats->in_flight = 0;
    crawl_hosts_free(&c.hosts);
    free(c.seen);
    crawl_warc_close(c.warc);
    for (size_t i = 0; i < c.n_seed_hosts; i++)
        free(c.seed_hosts[i]);
    free(c.seed_hosts);
    frontier_close(c.f);
    if (c.multi)
        curl_multi_cleanup(c.multi);
    curl_slist_free_all(c.resolve);
    return rc;
}
