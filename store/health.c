/*
 * health.c -- rule health: per run and per site, how pages were extracted
 * (table run_sites), and per feed, when its newest entry was published
 * (table feeds). `malmoi stats` reads both back with the warnings.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

int store_fallback_warns(int64_t rule_fallback, int64_t pages) { return pages > 0 && rule_fallback * 5 > pages; }

mm_rc store_run_site_add(struct store *s, int64_t run_id, const struct store_site_outcomes *o, struct mm_err *err) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare_cached(
        s,
        "INSERT INTO run_sites(run_id, site, pages, rule, rule_fallback, embedded, generic, empty, other_pages)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(run_id, site) DO UPDATE SET"
        " pages = pages + excluded.pages, rule = rule + excluded.rule,"
        " rule_fallback = rule_fallback + excluded.rule_fallback, embedded = embedded + excluded.embedded,"
        " generic = generic + excluded.generic, empty = empty + excluded.empty,"
        " other_pages = other_pages + excluded.other_pages",
        &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, o->site, -1, SQLITE_STATIC);
    const int64_t v[] = {o->pages, o->rule, o->rule_fallback, o->embedded, o->generic, o->empty, o->other_pages};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_int64(st, 3 + i, v[i]);
    int r = sqlite3_step(st);
    store_release(st);
    return r == SQLITE_DONE ? MM_OK : store_fail(s, "cannot record the run's extraction counts", err);
}

mm_rc store_feed_seen(struct store *s, const char *url, const char *site, const char *kind, int64_t run_id,
                      int64_t fetched, int64_t items, int64_t dated_items, int64_t newest_item, struct mm_err *err) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare_cached(s,
                                    "INSERT OR REPLACE INTO feeds(url, site, kind, run_id, fetched, items, dated_items,"
                                    " newest_item) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                    &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    if (site)
        sqlite3_bind_text(st, 2, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    if (run_id > 0)
        sqlite3_bind_int64(st, 4, run_id);
    sqlite3_bind_int64(st, 5, fetched);
    sqlite3_bind_int64(st, 6, items);
    sqlite3_bind_int64(st, 7, dated_items);
    if (newest_item >= 0)
        sqlite3_bind_int64(st, 8, newest_item);
    int r = sqlite3_step(st);
    store_release(st);
    return r == SQLITE_DONE ? MM_OK : store_fail(s, "cannot record a feed's item dates", err);
}

void store_health_free(struct store_health *h) {
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->n_sites; i++) {
        free(h->sites[i].started);
        free((char *)h->sites[i].o.site);
    }
    for (size_t i = 0; i < h->n_feeds; i++) {
        free(h->feeds[i].url);
        free(h->feeds[i].site);
        free(h->feeds[i].kind);
    }
    free(h->sites);
    free(h->feeds);
    memset(h, 0, sizeof *h);
}

static char *dup_col(sqlite3_stmt *st, int i) {
    const char *v = (const char *)sqlite3_column_text(st, i);
    return strdup(v ? v : "");
}

/* Room for element n of an array of `size`-byte elements (zeroed); NULL on
 * out of memory. */
static void *grow(void **arr, size_t size, size_t n, size_t *cap) {
    if (n == *cap) {
        size_t c = *cap ? 2 * *cap : 32;
        void *p = realloc(*arr, c * size);
        if (p == NULL)
            return NULL;
        *arr = p;
        *cap = c;
    }
    char *x = (char *)*arr + n * size;
    memset(x, 0, size);
    return x;
}

static mm_rc read_sites(struct store *s, size_t last_runs, struct store_health *h, struct mm_err *err) {
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(s,
                             "SELECT r.id, r.started, x.site, x.pages, x.rule, x.rule_fallback, x.embedded, x.generic,"
                             " x.empty, x.other_pages FROM run_sites x JOIN runs r ON r.id = x.run_id"
                             " WHERE x.run_id IN (SELECT DISTINCT run_id FROM run_sites ORDER BY run_id DESC LIMIT ?1)"
                             " ORDER BY r.id DESC, x.site",
                             &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)last_runs);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_health_site *x = grow((void **)&h->sites, sizeof *h->sites, h->n_sites, &cap);
        if (x == NULL) {
            sqlite3_finalize(st);
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        }
        x->run_id = sqlite3_column_int64(st, 0);
        x->started = dup_col(st, 1);
        x->o.site = dup_col(st, 2);
        h->n_sites++;
        if (x->started == NULL || x->o.site == NULL) {
            sqlite3_finalize(st);
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        }
        int64_t *v[] = {&x->o.pages, &x->o.rule, &x->o.rule_fallback, &x->o.embedded, &x->o.generic, &x->o.empty,
                        &x->o.other_pages};
        for (int i = 0; i < 7; i++)
            *v[i] = sqlite3_column_int64(st, 3 + i);
        x->fallback_warn = store_fallback_warns(x->o.rule_fallback, x->o.pages);
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MM_OK : store_fail(s, "cannot read run_sites", err);
}

static mm_rc read_feeds(struct store *s, int64_t max_age_s, int64_t now, struct store_health *h, struct mm_err *err) {
    /* Entries without dates (Hankyoreh's feed): the newest published date
     * of the documents fetched from the feed's links stands in. */
    sqlite3_stmt *st;
    mm_rc rc = store_prepare(
        s,
        "SELECT f.url, f.site, f.kind, f.fetched, f.items, f.dated_items, f.newest_item,"
        " CASE WHEN f.dated_items < f.items THEN (SELECT max(unixepoch(d.published)) FROM urls fu"
        "  JOIN urls u ON u.found_from = fu.id JOIN documents d ON d.url = u.url"
        "  WHERE fu.url = f.url AND d.published IS NOT NULL) END"
        " FROM feeds f ORDER BY f.url",
        &st, err);
    if (rc != MM_OK)
        return rc;
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_health_feed *x = grow((void **)&h->feeds, sizeof *h->feeds, h->n_feeds, &cap);
        if (x == NULL) {
            sqlite3_finalize(st);
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        }
        x->url = dup_col(st, 0);
        x->site = dup_col(st, 1);
        x->kind = dup_col(st, 2);
        h->n_feeds++;
        if (x->url == NULL || x->site == NULL || x->kind == NULL) {
            sqlite3_finalize(st);
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        }
        x->fetched = sqlite3_column_int64(st, 3);
        x->items = sqlite3_column_int64(st, 4);
        x->dated_items = sqlite3_column_int64(st, 5);
        x->newest = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
        if (sqlite3_column_type(st, 7) != SQLITE_NULL && sqlite3_column_int64(st, 7) > x->newest) {
            x->newest = sqlite3_column_int64(st, 7);
            x->newest_from_pages = 1;
        }
        /* a feed no longer fetched (dropped from the config) stops warning
         * once its last fetch is older than max_age itself */
        x->stale = max_age_s > 0 && strcmp(x->kind, "feed") == 0 && now - x->fetched <= max_age_s &&
                   (x->items == 0 || (x->newest >= 0 && now - x->newest > max_age_s));
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MM_OK : store_fail(s, "cannot read feeds", err);
}

mm_rc store_health_read(struct store *s, size_t last_runs, int64_t max_age_s, int64_t now, struct store_health *out,
                        struct mm_err *err) {
    memset(out, 0, sizeof *out);
    mm_rc rc = read_sites(s, last_runs, out, err);
    if (rc == MM_OK)
        rc = read_feeds(s, max_age_s, now, out, err);
    if (rc != MM_OK)
        store_health_free(out);
    return rc;
}

int store_has_table(struct store *s, const char *name) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}
