/*
 * frontier.c -- the crawl frontier in SQLite (tables urls, hosts, responses
 * of store/schema.sql): prepared statements on the store's connection. A
 * URL's state changes in the same transaction as its response, so a killed
 * run loses nothing and fetches nothing twice that was committed.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
    Q_ADD,
    Q_ADD_HOST,
    Q_LASTMOD,
    Q_TAKE,
    Q_CLAIM,
    Q_FINISH,
    Q_RESPONSE,
    Q_HOST_GET,
    Q_HOST_ROBOTS,
    Q_HOST_STATE,
    Q_HOST_NEXT,
    Q_HOSTS,
    Q_NEXT_DUE,
    Q_COUNT_DUE,
    Q_N
};

static const char *const sql[Q_N] = {
    [Q_ADD] = "INSERT OR IGNORE INTO urls(url, host, site, kind, depth, priority, found_from, first_seen, lastmod)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_ADD_HOST] = "INSERT OR IGNORE INTO hosts(host) VALUES (?1)",
    /* A sitemap or feed says the page changed: fetch it again. */
    [Q_LASTMOD] = "UPDATE urls SET lastmod = ?2,"
                  " state = CASE WHEN lastmod IS NOT NULL AND state = 'done' THEN 'queued' ELSE state END,"
                  " next_fetch = CASE WHEN lastmod IS NOT NULL AND state = 'done' THEN 0 ELSE next_fetch END"
                  " WHERE url = ?1 AND (lastmod IS NULL OR lastmod <> ?2)",
    [Q_TAKE] = "SELECT id, url, site, kind, depth, etag, last_modified, content_hash FROM urls"
               " WHERE host = ?1 AND state = 'queued' AND next_fetch <= ?2 ORDER BY priority DESC LIMIT ?3",
    [Q_CLAIM] = "UPDATE urls SET state = 'claimed', claimed_by = ?2 WHERE id = ?1",
    [Q_FINISH] = "UPDATE urls SET state = ?2, last_fetched = ?3, last_status = ?4, last_error = ?5,"
                 " etag = coalesce(?6, etag), last_modified = coalesce(?7, last_modified),"
                 " content_hash = coalesce(?8, content_hash), attempts = ?9, next_fetch = ?10,"
                 " document_id = coalesce(?11, document_id), claimed_by = NULL WHERE id = ?1",
    [Q_RESPONSE] = "INSERT INTO responses(url_id, run_id, final_url, status, headers, content_type, body,"
                   " body_size, fetched, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_HOST_GET] = "SELECT robots_status, robots_txt, robots_fetched, failures, parked_until, next_allowed FROM hosts"
                   " WHERE host = ?1",
    [Q_HOST_ROBOTS] = "UPDATE hosts SET robots_status = ?2, robots_txt = ?3, robots_fetched = ?4,"
                      " crawl_delay_ms = ?5 WHERE host = ?1",
    [Q_HOST_STATE] = "UPDATE hosts SET failures = ?2, parked_until = ?3, parked_reason = ?4 WHERE host = ?1",
    [Q_HOST_NEXT] = "UPDATE hosts SET next_allowed = ?2 WHERE host = ?1",
    [Q_HOSTS] = "SELECT host FROM hosts",
    [Q_NEXT_DUE] = "SELECT min(next_fetch) FROM urls WHERE state = 'queued' AND next_fetch > ?1",
    [Q_COUNT_DUE] = "SELECT count(*) FROM urls WHERE state = 'queued' AND next_fetch <= ?1",
};

struct frontier {
    struct store *s;
    int64_t run_id;
    sqlite3_stmt *q[Q_N];
    int in_txn;
};

void frontier_item_clear(struct frontier_item *it) {
    free(it->url);
    free(it->site);
    free(it->etag);
    free(it->last_modified);
    free(it->content_hash);
    memset(it, 0, sizeof *it);
}

void frontier_host_clear(struct frontier_host *h) {
    free(h->robots_txt);
    memset(h, 0, sizeof *h);
}

mm_rc frontier_open(struct store *s, int64_t run_id, struct frontier **out, struct mm_err *err) {
    *out = NULL;
    struct frontier *f = calloc(1, sizeof *f);
    if (f == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    f->s = s;
    f->run_id = run_id;
    for (int i = 0; i < Q_N; i++) {
        mm_rc rc = store_prepare(s, sql[i], &f->q[i], err);
        if (rc != MM_OK) {
            frontier_close(f);
            return rc;
        }
    }
    *out = f;
    return MM_OK;
}

void frontier_close(struct frontier *f) {
    if (f == NULL)
        return;
    if (f->in_txn)
        store_rollback(f->s);
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(f->q[i]);
    free(f);
}

mm_rc frontier_write(struct frontier *f, struct mm_err *err) {
    if (f->in_txn)
        return MM_OK;
    mm_rc rc = store_begin(f->s, err);
    if (rc == MM_OK)
        f->in_txn = 1;
    return rc;
}

mm_rc frontier_commit(struct frontier *f, struct mm_err *err) {
    if (!f->in_txn)
        return MM_OK;
    f->in_txn = 0;
    mm_rc rc = store_commit(f->s, err);
    if (rc != MM_OK)
        store_rollback(f->s);
    return rc;
}

int frontier_in_txn(const struct frontier *f) { return f->in_txn; }

static mm_rc step_done(struct frontier *f, sqlite3_stmt *st, const char *what, struct mm_err *err) {
    int r = sqlite3_step(st);
    mm_rc rc = (r == SQLITE_DONE || r == SQLITE_ROW) ? MM_OK : store_fail(f->s, what, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static mm_rc exec(struct frontier *f, const char *text, int64_t a, int64_t b, const char *what, struct mm_err *err) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(f->s, text, &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail(f->s, what, err);
    sqlite3_finalize(st);
    return rc;
}

mm_rc frontier_recover(struct frontier *f, int64_t now_s, struct mm_err *err) {
    /* We hold the run lock, so a claim by any other run is a dead run's. */
    mm_rc rc = exec(f, "UPDATE urls SET state = 'queued', claimed_by = NULL WHERE state = 'claimed' AND ?1 = ?1"
                       " AND ?2 = ?2",
                    0, 0, "cannot requeue URLs of an interrupted run", err);
    if (rc == MM_OK)
        rc = frontier_requeue_due(f, now_s, err);
    return rc;
}

mm_rc frontier_requeue_due(struct frontier *f, int64_t now_s, struct mm_err *err) {
    return exec(f,
                "UPDATE urls SET state = 'queued' WHERE state = 'done' AND next_fetch > 0 AND next_fetch <= ?1"
                " AND ?2 = ?2",
                now_s, 0, "cannot queue revisits", err);
}

mm_rc frontier_release(struct frontier *f, struct mm_err *err) {
    return exec(f, "UPDATE urls SET state = 'queued', claimed_by = NULL WHERE state = 'claimed' AND claimed_by = ?1"
                   " AND ?2 = ?2",
                f->run_id, 0, "cannot release claimed URLs", err);
}

mm_rc frontier_add(struct frontier *f, const char *url, const char *host, const char *site, enum crawl_kind kind,
                   int depth, int priority, int64_t found_from, const char *lastmod, int *added, struct mm_err *err) {
    char now[32];
    mm_format_utc(mm_now_unix_ms() / 1000, now);
    sqlite3_stmt *st = f->q[Q_ADD];
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, crawl_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, depth);
    sqlite3_bind_int(st, 6, priority);
    if (found_from > 0)
        sqlite3_bind_int64(st, 7, found_from);
    sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
    if (lastmod && *lastmod)
        sqlite3_bind_text(st, 9, lastmod, -1, SQLITE_STATIC);
    mm_rc rc = step_done(f, st, "cannot add a URL to the frontier", err);
    if (rc != MM_OK)
        return rc;
    *added = sqlite3_changes(store_db(f->s)) > 0;
    if (*added) {
        sqlite3_bind_text(f->q[Q_ADD_HOST], 1, host, -1, SQLITE_STATIC);
        return step_done(f, f->q[Q_ADD_HOST], "cannot add a host", err);
    }
    if (lastmod && *lastmod) {
        sqlite3_bind_text(f->q[Q_LASTMOD], 1, url, -1, SQLITE_STATIC);
        sqlite3_bind_text(f->q[Q_LASTMOD], 2, lastmod, -1, SQLITE_STATIC);
        return step_done(f, f->q[Q_LASTMOD], "cannot update lastmod", err);
    }
    return MM_OK;
}

mm_rc frontier_each_host(struct frontier *f, void (*fn)(void *ctx, const char *host), void *ctx,
                         struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_HOSTS];
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0));
    mm_rc rc = r == SQLITE_DONE ? MM_OK : store_fail(f->s, "cannot list hosts", err);
    sqlite3_reset(st);
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

mm_rc frontier_take(struct frontier *f, const char *host, int64_t now_s, int limit, struct frontier_item *items,
                    int *n, struct mm_err *err) {
    *n = 0;
    sqlite3_stmt *st = f->q[Q_TAKE];
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_s);
    sqlite3_bind_int(st, 3, limit);
    int r;
    mm_rc rc = MM_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        struct frontier_item *it = &items[*n];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->url = col_dup(st, 1);
        it->site = col_dup(st, 2);
        const char *k = (const char *)sqlite3_column_text(st, 3);
        it->kind = k && strcmp(k, "feed") == 0      ? CRAWL_KIND_FEED
                   : k && strcmp(k, "sitemap") == 0 ? CRAWL_KIND_SITEMAP
                                                    : CRAWL_KIND_PAGE;
        it->depth = sqlite3_column_int(st, 4);
        it->etag = col_dup(st, 5);
        it->last_modified = col_dup(st, 6);
        it->content_hash = col_dup(st, 7);
        (*n)++;
        if (it->url == NULL) {
            rc = mm_err_set(err, MM_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == MM_OK && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = store_fail(f->s, "cannot read the frontier", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; rc == MM_OK && i < *n; i++) {
        sqlite3_bind_int64(f->q[Q_CLAIM], 1, items[i].id);
        sqlite3_bind_int64(f->q[Q_CLAIM], 2, f->run_id);
        rc = step_done(f, f->q[Q_CLAIM], "cannot claim a URL", err);
    }
    if (rc != MM_OK) {
        for (int i = 0; i < *n; i++)
            frontier_item_clear(&items[i]);
        *n = 0;
    }
    return rc;
}

mm_rc frontier_next_due(struct frontier *f, int64_t now_s, int64_t *when_s, struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_NEXT_DUE];
    sqlite3_bind_int64(st, 1, now_s);
    int r = sqlite3_step(st);
    *when_s = INT64_MAX;
    if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *when_s = sqlite3_column_int64(st, 0);
    mm_rc rc = r == SQLITE_ROW ? MM_OK : store_fail(f->s, "cannot read the frontier", err);
    sqlite3_reset(st);
    return rc;
}

mm_rc frontier_count_due(struct frontier *f, int64_t now_s, int64_t *n, struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_COUNT_DUE];
    sqlite3_bind_int64(st, 1, now_s);
    int r = sqlite3_step(st);
    *n = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    mm_rc rc = r == SQLITE_ROW ? MM_OK : store_fail(f->s, "cannot count the frontier", err);
    sqlite3_reset(st);
    return rc;
}

mm_rc frontier_finish(struct frontier *f, int64_t url_id, const struct frontier_result *r, struct mm_err *err) {
    char now[32];
    mm_format_utc(mm_now_unix_ms() / 1000, now);
    sqlite3_stmt *st = f->q[Q_FINISH];
    sqlite3_bind_int64(st, 1, url_id);
    sqlite3_bind_text(st, 2, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    if (r->status > 0)
        sqlite3_bind_int64(st, 4, r->status);
    sqlite3_bind_text(st, 5, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->last_modified, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->content_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, r->attempts);
    sqlite3_bind_int64(st, 10, r->next_fetch);
    if (r->document_id > 0)
        sqlite3_bind_int64(st, 11, r->document_id);
    return step_done(f, st, "cannot update a URL", err);
}

mm_rc frontier_response(struct frontier *f, int64_t url_id, const char *final_url, long status,
                        const char *headers, const char *content_type, const unsigned char *zbody, size_t zlen,
                        size_t body_size, int64_t duration_ms, struct mm_err *err) {
    char now[32];
    mm_format_utc(mm_now_unix_ms() / 1000, now);
    sqlite3_stmt *st = f->q[Q_RESPONSE];
    sqlite3_bind_int64(st, 1, url_id);
    sqlite3_bind_int64(st, 2, f->run_id);
    sqlite3_bind_text(st, 3, final_url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, status);
    sqlite3_bind_text(st, 5, headers ? headers : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, content_type, -1, SQLITE_STATIC);
    if (zbody)
        sqlite3_bind_blob(st, 7, zbody, (int)zlen, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (int64_t)body_size);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, duration_ms);
    return step_done(f, st, "cannot store a response", err);
}

mm_rc frontier_host_get(struct frontier *f, const char *host, struct frontier_host *out, struct mm_err *err) {
    memset(out, 0, sizeof *out);
    out->robots_status = -1;
    sqlite3_stmt *st = f->q[Q_HOST_GET];
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    mm_rc rc = MM_OK;
    if (r == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            out->robots_status = sqlite3_column_int(st, 0);
        const void *t = sqlite3_column_text(st, 1);
        out->robots_len = (size_t)sqlite3_column_bytes(st, 1);
        if (t && (out->robots_txt = malloc(out->robots_len + 1)) != NULL) {
            memcpy(out->robots_txt, t, out->robots_len);
            out->robots_txt[out->robots_len] = '\0';
        }
        out->robots_fetched = sqlite3_column_int64(st, 2);
        out->failures = sqlite3_column_int(st, 3);
        out->parked_until = sqlite3_column_int64(st, 4);
        out->next_allowed_ms = sqlite3_column_int64(st, 5);
    } else if (r != SQLITE_DONE) {
        rc = store_fail(f->s, "cannot read a host", err);
    }
    sqlite3_reset(st);
    return rc;
}

mm_rc frontier_host_robots(struct frontier *f, const char *host, int status, const char *txt, size_t len,
                           int64_t fetched_s, long delay_ms, struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_HOST_ROBOTS];
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, status);
    if (txt)
        sqlite3_bind_text(st, 3, txt, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, fetched_s);
    if (delay_ms >= 0)
        sqlite3_bind_int64(st, 5, delay_ms);
    return step_done(f, st, "cannot store robots.txt", err);
}

mm_rc frontier_host_next(struct frontier *f, const char *host, int64_t next_allowed_ms, struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_HOST_NEXT];
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, next_allowed_ms);
    return step_done(f, st, "cannot update a host", err);
}

mm_rc frontier_host_state(struct frontier *f, const char *host, int failures, int64_t parked_until,
                          const char *reason, struct mm_err *err) {
    sqlite3_stmt *st = f->q[Q_HOST_STATE];
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, failures);
    sqlite3_bind_int64(st, 3, parked_until);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    return step_done(f, st, "cannot update a host", err);
}

mm_rc crawl_blocked_hosts(struct store *s, void (*fn)(void *ctx, const char *host, const char *why), void *ctx,
                          struct mm_err *err) {
    sqlite3_stmt *st;
    int64_t now = mm_now_unix_ms() / 1000;
    mm_rc rc = store_prepare(s,
                             "SELECT host, parked_until, parked_reason, robots_status, robots_fetched FROM hosts"
                             " WHERE parked_until > ?1 OR (robots_status IS NOT NULL AND (robots_status = 0 OR"
                             " robots_status >= 500)) ORDER BY host",
                             &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *host = (const char *)sqlite3_column_text(st, 0);
        char why[300], when[32];
        int64_t parked = sqlite3_column_int64(st, 1);
        if (parked > now) {
            mm_format_utc(parked, when);
            const char *reason = (const char *)sqlite3_column_text(st, 2);
            snprintf(why, sizeof why, "parked until %s (%s)", when, reason ? reason : "failures");
        } else {
            int status = sqlite3_column_int(st, 3);
            if (status == 0)
                snprintf(why, sizeof why, "robots.txt unreachable: nothing fetched from it until it answers");
            else
                snprintf(why, sizeof why, "robots.txt answered %d: nothing fetched from it until it answers", status);
        }
        fn(ctx, host, why);
    }
    if (r != SQLITE_DONE)
        rc = store_fail(s, "cannot list blocked hosts", err);
    sqlite3_finalize(st);
    return rc;
}
