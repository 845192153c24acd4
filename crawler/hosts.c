/*
 * hosts.c -- the per-host politeness queues of a crawl: robots.txt first
 * (from the hosts table's cache, else fetched), then at most per_host
 * transfers with `delay` between requests, a small buffer of URLs claimed
 * from the SQLite frontier, back-off and parking on failures. The transfers
 * themselves (libcurl) live in crawl.c, which asks these queues what to
 * fetch next and tells them how each fetch ended.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crawl_host *crawl_hosts_find(const struct crawl_hosts *t, const char *key) {
    uint64_t h = mm_hash64(key, strlen(key), 0);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i]->hash == h && strcmp(t->v[i]->key, key) == 0)
            return t->v[i];
    return NULL;
}

struct crawl_host *crawl_hosts_get(struct crawl_hosts *t, const char *key) {
    struct crawl_host *h = crawl_hosts_find(t, key);
    if (h)
        return h;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        struct crawl_host **nh = realloc(t->v, cap * sizeof *nh);
        if (nh == NULL)
            return NULL;
        t->v = nh;
        t->cap = cap;
    }
    h = calloc(1, sizeof *h);
    if (h == NULL || (h->key = strdup(key)) == NULL) {
        free(h);
        return NULL;
    }
    h->hash = mm_hash64(key, strlen(key), 0);
    if (crawl_url_host_name(key, h->name, sizeof h->name) != 0)
        h->name[0] = '\0';
    h->site = crawl_config_site(t->cfg, h->name);
    h->per_host = (int)(h->site && h->site->per_host > 0 ? h->site->per_host : t->cfg->per_host);
    h->delay_ms = h->site && h->site->delay_ms >= 0 ? h->site->delay_ms : t->cfg->delay_ms;
    t->v[t->n++] = h;
    return h;
}

void crawl_hosts_free(struct crawl_hosts *t) {
    for (size_t i = 0; i < t->n; i++) {
        struct crawl_host *h = t->v[i];
        for (int j = h->ibuf; j < h->nbuf; j++)
            frontier_item_clear(&h->buf[j]);
        crawl_robots_free(h->robots);
        free(h->key);
        free(h);
    }
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

int crawl_host_may_start(const struct crawl_host *h, int64_t nowm, int64_t nows) {
    return h->inflight < h->per_host && nowm >= h->next_allowed_ms && h->parked_until_s <= nows;
}

mm_rc crawl_host_refill(struct crawl_host *h, struct frontier *f, int64_t nowm, int64_t nows, int64_t *ops,
                        int *have, struct mm_err *err) {
    *have = h->ibuf < h->nbuf;
    if (*have)
        return MM_OK;
    if (nowm < h->empty_until_ms)
        return MM_OK;
    if (h->robots_state == CRAWL_ROBOTS_BLOCKED && nows < h->robots_until_s)
        return MM_OK;
    mm_rc rc;
    if ((rc = frontier_write(f, err)) != MM_OK)
        return rc;
    int n = 0;
    if ((rc = frontier_take(f, h->key, nows, CRAWL_HOST_BUF, h->buf, &n, err)) != MM_OK)
        return rc;
    *ops += n;
    h->ibuf = 0;
    h->nbuf = n;
    if (n == 0)
        h->empty_until_ms = nowm + 1000;
    *have = n > 0;
    return MM_OK;
}

mm_rc crawl_host_robots_check(struct crawl_host *h, struct frontier *f, const struct crawl_config *cfg, int64_t nowm,
                              int64_t nows, enum crawl_host_next *what, struct mm_err *err) {
    *what = CRAWL_HOST_WAIT;
    int due = h->robots_state == CRAWL_ROBOTS_UNKNOWN ||
              ((h->robots_state == CRAWL_ROBOTS_READY || h->robots_state == CRAWL_ROBOTS_BLOCKED) &&
               nows >= h->robots_until_s);
    if (due) {
        struct frontier_host fh;
        mm_rc rc;
        if ((rc = frontier_host_get(f, h->key, &fh, err)) != MM_OK)
            return rc;
        if (fh.parked_until > nows) {
            h->parked_until_s = fh.parked_until;
            h->failures = fh.failures;
        }
        int64_t left = fh.next_allowed_ms - mm_now_unix_ms(); /* a run just before this one */
        if (h->robots_state == CRAWL_ROBOTS_UNKNOWN && left > 0 && nowm + left > h->next_allowed_ms) {
            h->next_allowed_ms = nowm + (left > 600000 ? 600000 : left);
            if (nowm < h->next_allowed_ms) {
                frontier_host_clear(&fh);
                return MM_OK;
            }
        }
        int fresh = fh.robots_status >= 0 && nows - fh.robots_fetched < cfg->robots_ttl_s;
        if (fresh && fh.robots_status >= 200 && fh.robots_status < 500 && h->robots_state == CRAWL_ROBOTS_UNKNOWN) {
            crawl_robots_free(h->robots);
            h->robots = NULL;
            rc = fh.robots_status < 300 ? crawl_robots_parse(fh.robots_txt ? fh.robots_txt : "", fh.robots_len,
                                                             cfg->robots_agent, &h->robots)
                                        : crawl_robots_all(1, &h->robots);
            frontier_host_clear(&fh);
            if (rc != MM_OK)
                return mm_err_set(err, rc, "out of memory");
            long cd = crawl_robots_delay_ms(h->robots);
            if (cd > h->delay_ms)
                h->delay_ms = cd;
            h->robots_state = CRAWL_ROBOTS_READY;
            h->robots_until_s = fh.robots_fetched + cfg->robots_ttl_s;
        } else if (fh.robots_status >= 0 && (fh.robots_status == 0 || fh.robots_status >= 500) &&
                   nows - fh.robots_fetched < cfg->robots_retry_s) {
            frontier_host_clear(&fh);
            h->robots_state = CRAWL_ROBOTS_BLOCKED;
            h->robots_until_s = fh.robots_fetched + cfg->robots_retry_s;
            return MM_OK;
        } else {
            frontier_host_clear(&fh);
            h->robots_state = CRAWL_ROBOTS_FETCHING;
            *what = CRAWL_HOST_FETCH_ROBOTS;
            return MM_OK;
        }
    }
    if (h->robots_state == CRAWL_ROBOTS_READY)
        *what = CRAWL_HOST_FETCH_PAGE;
    return MM_OK;
}

mm_rc crawl_host_take(struct crawl_host *h, struct frontier *f, struct frontier_item *out, int *got, int64_t *denied,
                      int64_t *ops, struct mm_err *err) {
    *got = 0;
    while (h->ibuf < h->nbuf) {
        struct frontier_item *it = &h->buf[h->ibuf++];
        if (!crawl_robots_allowed(h->robots, crawl_url_path(it->url))) {
            (*denied)++;
            struct frontier_result r = {.state = "skipped", .error = "robots"};
            mm_rc rc;
            if ((rc = frontier_write(f, err)) != MM_OK || (rc = frontier_finish(f, it->id, &r, err)) != MM_OK)
                return rc;
            (*ops)++;
            frontier_item_clear(it);
            continue;
        }
        *out = *it;
        memset(it, 0, sizeof *it);
        *got = 1;
        return MM_OK;
    }
    return MM_OK;
}

void crawl_host_started(struct crawl_host *h, int64_t nowm) {
    h->inflight++;
    h->next_allowed_ms = nowm + h->delay_ms;
}

void crawl_host_finished(struct crawl_host *h, int64_t nowm) {
    h->inflight--;
    if (nowm + h->delay_ms > h->next_allowed_ms)
        h->next_allowed_ms = nowm + h->delay_ms;
}

mm_rc crawl_host_backoff(struct crawl_host *h, struct frontier *f, const struct crawl_config *cfg, const char *kind,
                         int64_t wait_s, int64_t nowm, int64_t nows, int *parked, struct mm_err *err) {
    *parked = 0;
    if (wait_s >= 0) {
        /* Retry-After: the server said when; the whole host waits that long */
        if (nowm + wait_s * 1000 > h->next_allowed_ms)
            h->next_allowed_ms = nowm + wait_s * 1000;
        return MM_OK;
    }
    /* errors slow the host down: its delay doubles per consecutive failure */
    h->failures++;
    int64_t base = h->delay_ms > 500 ? h->delay_ms : 500;
    int64_t pause = base << (h->failures - 1 > 10 ? 10 : h->failures - 1);
    if (pause > 60000)
        pause = 60000;
    if (nowm + pause > h->next_allowed_ms)
        h->next_allowed_ms = nowm + pause;
    long park = h->site && h->site->host_fail_park > 0 ? h->site->host_fail_park : cfg->host_fail_park;
    if (h->failures >= park && h->parked_until_s <= nows) {
        h->parked_until_s = nows + cfg->park_s;
        *parked = 1;
        char reason[128];
        snprintf(reason, sizeof reason, "%d consecutive failures, last: %s", h->failures, kind);
        return frontier_host_state(f, h->key, h->failures, h->parked_until_s, reason, err);
    }
    return MM_OK;
}

void crawl_host_robots_ready(struct crawl_host *h, struct crawl_robots *robots, const struct crawl_config *cfg,
                             int64_t nowm, int64_t nows) {
    crawl_robots_free(h->robots);
    h->robots = robots;
    long cd = crawl_robots_delay_ms(h->robots);
    if (cd > h->delay_ms)
        h->delay_ms = cd;
    if (nowm + h->delay_ms > h->next_allowed_ms) /* the delay holds after robots.txt too */
        h->next_allowed_ms = nowm + h->delay_ms;
    h->robots_state = CRAWL_ROBOTS_READY;
    h->robots_until_s = nows + cfg->robots_ttl_s;
}

void crawl_host_robots_blocked(struct crawl_host *h, const struct crawl_config *cfg, int64_t nows) {
    crawl_robots_free(h->robots);
    h->robots = NULL;
    h->robots_state = CRAWL_ROBOTS_BLOCKED;
    h->robots_until_s = nows + cfg->robots_retry_s;
}

void crawl_host_idle(const struct crawl_host *h, int64_t nowm, int64_t nows, long idle_wait_s, int *ready,
                     int *all_empty) {
    int blocked = h->parked_until_s > nows || (h->robots_state == CRAWL_ROBOTS_BLOCKED && nows < h->robots_until_s) ||
                  h->next_allowed_ms > nowm + idle_wait_s * 1000;
    if (blocked)
        return;
    if (h->ibuf < h->nbuf)
        *ready = 1;
    else if (h->empty_until_ms <= nowm)
        *all_empty = 0;
}
