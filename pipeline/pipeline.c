/*
 * pipeline.c -- the steps of `malmoi run` and `malmoi reprocess`.
 */
#include "pipeline.h"
#include "pipeline_int.h"

#include "embed.h"
#include "export.h"

#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#ifndef MALMOI_SOURCE_CONFIG
#define MALMOI_SOURCE_CONFIG "config/malmoi.ini"
#endif

/* Format one message and hand it to `fn` (nothing when fn is NULL). */
static void say(void (*fn)(void *, const char *), void *ctx, const char *fmt, va_list ap) {
    if (fn == NULL)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fn(ctx, msg);
}

void pipeline_say(const struct pipeline_log *log, int progress, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (log)
        say(progress ? log->progress : log->line, log->ctx, fmt, ap);
    va_end(ap);
}

void pipeline_progress_done(const struct pipeline_log *log) {
    if (log && log->progress)
        log->progress(log->ctx, NULL);
}

/* `value` relative to the folder of `config_path` (absolute stays as is). */
static char *resolve(const char *config_path, const char *value) {
    if (value[0] == '/' || config_path == NULL)
        return strdup(value);
    char *copy = strdup(config_path);
    if (copy == NULL)
        return NULL;
    const char *dir = dirname(copy);
    size_t n = strlen(dir) + strlen(value) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", dir, value);
    free(copy);
    return out;
}

/* The config that belongs to the running binary: the source tree's when it
 * is the binary of the build tree (MALMOI_BUILD_DIR), else
 * PREFIX/share/malmoi/config/malmoi.ini for PREFIX/bin/malmoi. NULL when
 * there is none. Found from /proc/self/exe, so a moved prefix still works. */
static char *binary_config(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *bin = dirname(exe);
#ifdef MALMOI_BUILD_DIR
    char build[PATH_MAX];
    if (realpath(MALMOI_BUILD_DIR, build) && strcmp(bin, build) == 0)
        return access(MALMOI_SOURCE_CONFIG, R_OK) == 0 ? strdup(MALMOI_SOURCE_CONFIG) : NULL;
#endif
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/share/malmoi/config/malmoi.ini", dirname(bin));
    return access(path, R_OK) == 0 ? strdup(path) : NULL;
}

mm_rc pipeline_config_load(const char *path, const struct pipeline_log *log, struct pipeline_config *pc,
                           struct mm_err *err) {
    memset(pc, 0, sizeof *pc);
    if (log)
        pc->log = *log;
    pc->embed_max_length = 128;
    pc->batch_documents = 100;
    text_config_default(&pc->text);
    /* --config and $MALMOI_CONFIG must exist (--config '': no config);
     * ./config/malmoi.ini and the binary's own are used when they exist. */
    const char *env = getenv("MALMOI_CONFIG");
    const char *chosen = NULL, *why = NULL;
    char *own = NULL;
    if (path)
        chosen = path, why = "--config";
    else if (env && *env)
        chosen = env, why = "$MALMOI_CONFIG";
    else if (access("config/malmoi.ini", R_OK) == 0)
        chosen = "config/malmoi.ini", why = "in the current directory";
    else if ((own = binary_config()) != NULL)
        chosen = own, why = "belonging to the binary";
    if (chosen && *chosen == '\0')
        chosen = NULL;
    mm_rc rc = chosen ? mm_conf_load(chosen, &pc->conf, err) : mm_conf_parse("(built-in defaults)", "", &pc->conf, err);
    if (rc == MM_OK && chosen)
        pipeline_say(&pc->log, 0, "config: %s (%s)", chosen, why);
    else if (rc == MM_OK && why) /* --config '' */
        pipeline_say(&pc->log, 0, "no config (%s is empty): site rules and default sites are off", why);
    else if (rc == MM_OK)
        pipeline_say(&pc->log, 0, "no config: site rules and default sites are off");
    if (rc == MM_OK && chosen && (pc->config_path = strdup(chosen)) == NULL)
        rc = mm_err_set(err, MM_ENOMEM, "out of memory reading the configuration");
    free(own);
    chosen = pc->config_path;
    if (rc != MM_OK)
        goto fail;
    if ((rc = crawl_config_load(pc->conf, &pc->crawl, &pc->ua_placeholder, err)) != MM_OK ||
        (rc = parse_rules_load(pc->conf, &pc->rules, err)) != MM_OK ||
        (rc = text_config_load(pc->conf, &pc->text, err)) != MM_OK)
        goto fail;
    const char *tok = mm_conf_get(pc->conf, "pipeline", "tokenizer");
    const char *model = mm_conf_get(pc->conf, "pipeline", "embed_model");
    const char *pooling = mm_conf_get(pc->conf, "pipeline", "embed_pooling");
    const char *report = mm_conf_get(pc->conf, "pipeline", "report");
    if (tok && *tok)
        pc->tokenizer = resolve(chosen, tok);
    else /* the shipped KoBERT model: next to the config, or in the source tree */
        pc->tokenizer = resolve(chosen ? chosen : MALMOI_SOURCE_CONFIG, "models/kobert/spiece.model");
    pc->embed_model = model && *model ? resolve(chosen, model) : NULL;
    pc->report = report && *report ? resolve(chosen, report) : NULL;
    if (pc->tokenizer == NULL || (model && *model && !pc->embed_model) || (report && *report && !pc->report))
        goto oom;
    if ((rc = mm_conf_get_long(pc->conf, "pipeline", "embed_max_length", 8, 4096, &pc->embed_max_length, err)) != MM_OK ||
        (rc = mm_conf_get_long(pc->conf, "pipeline", "batch_documents", 1, 100000, &pc->batch_documents, err)) != MM_OK)
        goto fail;
    /* Not set: the model's own (sentence-transformers' Pooling, else pooled
     * when the checkpoint has pooler weights, else cls). */
    int pool = pooling && *pooling ? emb_pooling_parse(pooling) : EMB_POOL_DEFAULT;
    if (pool < EMB_POOL_DEFAULT) {
        const struct mm_conf_entry *e = mm_conf_get_nth(pc->conf, "pipeline", "embed_pooling", 0);
        rc = mm_err_set(err, MM_EINVAL,
                        "%s:%d: key 'embed_pooling' in [pipeline] wants pooled, cls, mean, max or mean-sqrt-len, not '%s'",
                        chosen, e ? e->line : 0, pooling);
        goto fail;
    }
    pc->embed_pooling = (enum emb_pooling)pool;
    const char *search = mm_conf_get(pc->conf, "store", "search");
    int kind = search ? store_search_parse(search) : STORE_SEARCH_WORDS;
    if (kind < 0) {
        const struct mm_conf_entry *e = mm_conf_get_nth(pc->conf, "store", "search", 0);
        rc = mm_err_set(err, MM_EINVAL, "%s:%d: key 'search' in [store] wants words or trigram, not '%s'", chosen,
                        e ? e->line : 0, search);
        goto fail;
    }
    pc->search = (enum store_search)kind;
    if ((rc = mm_conf_check_unused(pc->conf, err)) != MM_OK)
        goto fail;
    return MM_OK;
oom:
    rc = mm_err_set(err, MM_ENOMEM, "out of memory reading the configuration");
fail:
    pipeline_config_free(pc);
    return rc;
}

mm_rc pipeline_store_search(struct store *s, const struct pipeline_config *pc, struct mm_err *err) {
    double t0 = mm_now_monotonic();
    const char *was;
    int64_t n;
    mm_rc rc = store_search_set(s, pc->search, &was, &n, err);
    if (rc == MM_OK && n >= 0)
        pipeline_say(&pc->log, 0, "search index: %s (was %s), %lld documents indexed in %.1f s",
                 store_search_name(pc->search), was, (long long)n, mm_now_monotonic() - t0);
    return rc;
}

void pipeline_config_free(struct pipeline_config *pc) {
    mm_conf_free(pc->conf);
    crawl_config_free(pc->crawl);
    parse_rules_free(pc->rules);
    free(pc->config_path);
    free(pc->tokenizer);
    free(pc->embed_model);
    free(pc->report);
    memset(pc, 0, sizeof *pc);
}

/* Append "[a,b,c]" to `b`: the ids, or `fill` n times when use_fill. */
static mm_rc json_ids(struct mm_buf *b, const int32_t *v, size_t n, int32_t fill, int use_fill) {
    mm_buf_reset(b);
    mm_rc rc = mm_buf_putc(b, '[');
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        rc = mm_buf_printf(b, i ? ",%d" : "%d", use_fill ? fill : v[i]);
    if (rc == MM_OK)
        rc = mm_buf_putc(b, ']');
    return rc;
}

#define ENCODE_BATCH 512 /* sentences per transaction */

mm_rc pipeline_encode(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok, volatile int *stop, struct pipeline_counts *counts,
                      struct mm_err *err) {
    char key[128];
    tok_key(tok, key, sizeof key);
    struct tok_specials sp = tok_specials(tok);
    if (sp.cls < 0 || sp.sep < 0)
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no [CLS]/[SEP]; examples need a BERT vocabulary", key);
    sqlite3_stmt *find = NULL, *ins = NULL, *done = NULL;
    struct tok_state *st = tok_state_new();
    struct mm_buf texts, ids, types, mask;
    int64_t sids[ENCODE_BATCH];
    size_t offs[ENCODE_BATCH + 1];
    mm_buf_init(&texts, 0);
    mm_buf_init(&ids, 0);
    mm_buf_init(&types, 0);
    mm_buf_init(&mask, 0);
    int32_t *enc = malloc((EXPORT_MAX_SENTENCE_IDS + 2) * sizeof *enc);
    mm_rc rc = st && enc ? MM_OK : mm_err_set(err, MM_ENOMEM, "out of memory");
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "SELECT s.id, s.text FROM sentences s JOIN documents d ON d.id = s.document_id"
                           " WHERE s.id > ?1 AND " EXPORT_USED_SENTENCE
                           " AND NOT EXISTS (SELECT 1 FROM examples e WHERE e.sentence_id = s.id"
                           " AND e.tokenizer = ?2) ORDER BY s.id LIMIT ?3",
                           &find, err);
    if (rc == MM_OK)
        rc = store_prepare(s,
                           "INSERT OR IGNORE INTO examples (sentence_id, tokenizer, input_ids, token_type_ids,"
                           " attention_mask, length, truncated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           &ins, err);
    if (rc == MM_OK)
        rc = store_prepare(s, "UPDATE documents SET stage = 'encoded', updated = ?1 WHERE stage = 'split'", &done, err);
    int64_t last = 0;
    while (rc == MM_OK) {
        size_t n = 0;
        mm_buf_reset(&texts);
        sqlite3_bind_int64(find, 1, last);
        sqlite3_bind_text(find, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_int(find, 3, ENCODE_BATCH);
        int r;
        while ((r = sqlite3_step(find)) == SQLITE_ROW) {
            sids[n] = sqlite3_column_int64(find, 0);
            offs[n] = texts.len;
            if (mm_buf_append(&texts, sqlite3_column_text(find, 1), (size_t)sqlite3_column_bytes(find, 1)) != MM_OK) {
                rc = mm_err_set(err, MM_ENOMEM, "out of memory reading sentences");
                break;
            }
            n++;
        }
        offs[n] = texts.len;
        sqlite3_reset(find);
        if (rc != MM_OK)
            break;
        if (r != SQLITE_DONE && r != SQLITE_ROW) {
            rc = store_fail(s, "cannot list sentences to encode", err);
            break;
        }
        if (n == 0 || (stop && *stop) || (rc = store_begin(s, err)) != MM_OK)
            break;
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            const int32_t *pieces;
            size_t np;
            rc = tok_encode(tok, st, texts.data + offs[i], offs[i + 1] - offs[i], TOK_SAFE, &pieces, &np, err);
            if (rc != MM_OK)
                break;
            int truncated = np > EXPORT_MAX_SENTENCE_IDS;
            if (truncated)
                np = EXPORT_MAX_SENTENCE_IDS;
            enc[0] = sp.cls;
            memcpy(enc + 1, pieces, np * sizeof *enc);
            enc[np + 1] = sp.sep;
            size_t len = np + 2;
            if (json_ids(&ids, enc, len, 0, 0) != MM_OK || json_ids(&types, enc, len, 0, 1) != MM_OK ||
                json_ids(&mask, enc, len, 1, 1) != MM_OK) {
                rc = mm_err_set(err, MM_ENOMEM, "out of memory");
                break;
            }
            sqlite3_bind_int64(ins, 1, sids[i]);
            sqlite3_bind_text(ins, 2, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, ids.data, (int)ids.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, types.data, (int)types.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, mask.data, (int)mask.len, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 6, (int64_t)len);
            sqlite3_bind_int(ins, 7, truncated);
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = store_fail(s, "cannot store an example", err);
            sqlite3_reset(ins);
            counts->examples++;
        }
        if (rc == MM_OK)
            rc = store_commit(s, err);
        else
            store_rollback(s);
        last = sids[n - 1];
        pipeline_say(&pc->log, 1, "encoded %lld sentences", (long long)counts->examples);
    }
    pipeline_progress_done(&pc->log);
    /* Every used sentence now has an example: the split documents are encoded. */
    if (rc == MM_OK && !(stop && *stop)) {
        char now[32];
        mm_format_utc(mm_now_unix_ms() / 1000, now);
        sqlite3_bind_text(done, 1, now, -1, SQLITE_STATIC);
        if (sqlite3_step(done) != SQLITE_DONE)
            rc = store_fail(s, "cannot mark documents encoded", err);
    }
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    sqlite3_finalize(done);
    tok_state_free(st);
    free(enc);
    mm_buf_free(&texts);
    mm_buf_free(&ids);
    mm_buf_free(&types);
    mm_buf_free(&mask);
    return rc;
}

/* documents.authors: a JSON array of the names. */
static mm_rc authors_json(const struct parse_result *r, struct mm_buf *b) {
    mm_rc rc = mm_buf_putc(b, '[');
    for (size_t i = 0; rc == MM_OK && i < r->n_authors; i++) {
        if (i)
            rc = mm_buf_putc(b, ',');
        if (rc == MM_OK)
            rc = mm_buf_json_string(b, r->authors[i], strlen(r->authors[i]));
    }
    if (rc == MM_OK)
        rc = mm_buf_putc(b, ']');
    return rc;
}

static const char *or_null(const char *s) { return s && *s ? s : NULL; }

void pipeline_pages_free(struct pipeline_pages *pages) {
    if (pages == NULL)
        return;
    for (size_t i = 0; i < pages->n_sites; i++)
        free((char *)pages->sites[i].site);
    free(pages->sites);
    pages->sites = NULL;
    pages->n_sites = pages->cap_sites = 0;
}

/* The outcome counters of `site`, added when new; NULL on out of memory. */
static struct store_site_outcomes *site_outcomes(struct pipeline_pages *pages, const char *site) {
    for (size_t i = 0; i < pages->n_sites; i++)
        if (strcmp(pages->sites[i].site, site) == 0)
            return &pages->sites[i];
    if (pages->n_sites == pages->cap_sites) {
        size_t cap = pages->cap_sites ? 2 * pages->cap_sites : 16;
        struct store_site_outcomes *n = realloc(pages->sites, cap * sizeof *n);
        if (n == NULL)
            return NULL;
        pages->sites = n;
        pages->cap_sites = cap;
    }
    struct store_site_outcomes *o = &pages->sites[pages->n_sites];
    memset(o, 0, sizeof *o);
    if ((o->site = strdup(site)) == NULL)
        return NULL;
    pages->n_sites++;
    return o;
}

/* Rule health: count how the page was extracted, under its site. Pages
 * outside the site's article_pattern (front pages, lists) count apart: a
 * rule is not meant to find a body there. */
static mm_rc count_outcome(struct pipeline_pages *pages, const struct crawl_page *page, const struct parse_result *r,
                           const char *host) {
    const char *site = page->site ? page->site : *r->rule ? r->rule : host;
    struct store_site_outcomes *o = site_outcomes(pages, *site ? site : "(none)");
    if (o == NULL)
        return MM_ENOMEM;
    int article = page->article ? 1 : pages->crawl ? crawl_config_article(pages->crawl, page->url) : -1;
    if (article == 0) {
        o->other_pages++;
        return MM_OK;
    }
    o->pages++;
    if (r->rule_fallback)
        o->rule_fallback++;
    else if (r->method == PARSE_METHOD_RULE)
        o->rule++;
    else if (r->method == PARSE_METHOD_EMBEDDED)
        o->embedded++;
    else if (r->method == PARSE_METHOD_GENERIC)
        o->generic++;
    else
        o->empty++;
    return MM_OK;
}

mm_rc pipeline_extract_page(const struct parse_rules *rules, const struct crawl_page *page, struct parse_result **out,
                            struct mm_err *err) {
    return parse_extract(rules, page->final_url, page->content_type, page->body, page->body_len, out, err);
}

mm_rc pipeline_store_result(struct pipeline_pages *pages, struct store *s, const struct crawl_page *page,
                            const struct parse_result *r, struct crawl_found *found, struct mm_err *err) {
    mm_rc rc = MM_OK;
    for (size_t i = 0; found && rc == MM_OK && i < r->n_links; i++) {
        enum crawl_kind kind = r->links[i].kind == PARSE_LINK_FEED      ? CRAWL_KIND_FEED
                               : r->links[i].kind == PARSE_LINK_SITEMAP ? CRAWL_KIND_SITEMAP
                                                                        : CRAWL_KIND_PAGE;
        rc = crawl_found_link(found, r->links[i].url, kind, r->links[i].nofollow);
    }
    if (rc != MM_OK)
        return mm_err_set(err, rc, "%s: out of memory recording links", page->url);
    pages->rule_fallbacks += r->rule_fallback != 0;
    char host[256] = "", fetched[48];
    if (page->site == NULL && crawl_url_host_key(page->final_url, host, sizeof host) == 0) {
        char *p = strstr(host, "://"); /* documents.site wants the bare host */
        if (p)
            memmove(host, p + 3, strlen(p + 3) + 1);
        char *colon = strrchr(host, ':');
        if (colon && colon > host)
            *colon = '\0';
    }
    if (count_outcome(pages, page, r, host) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", page->url);
    if (r->text[0] == '\0') {
        pages->empty++;
        return MM_OK; /* an index or media page: links only */
    }
    if (pages->korean_only && !text_is_korean(pages->korean_only, r->text, strlen(r->text))) {
        pages->not_korean++;
        return MM_OK;
    }
    struct mm_buf authors;
    mm_buf_init(&authors, 0);
    if (pages->fetched)
        snprintf(fetched, sizeof fetched, "%s", pages->fetched);
    else
        mm_format_utc(mm_now_unix_ms() / 1000, fetched);
    rc = authors_json(r, &authors);
    if (rc == MM_OK) {
        struct store_document d = {0};
        d.url = page->url;
        d.canonical_url = or_null(r->canonical_url);
        d.site = page->site ? page->site : or_null(host);
        d.title = or_null(r->title);
        d.authors_json = authors.data;
        d.description = or_null(r->description);
        d.published = or_null(r->published);
        d.modified = or_null(r->modified);
        d.fetched = fetched;
        d.lang = or_null(r->lang);
        d.text = r->text;
        d.text_len = strlen(r->text);
        d.source = pages->source ? pages->source : "crawl";
        d.source_ref = pages->source_ref;
        d.extract_method = parse_method_name(r->method);
        d.replacement_chars = (int64_t)r->replacement_chars;
        int64_t id;
        int inserted;
        rc = store_document_put(s, &d, &id, &inserted, err);
        if (rc == MM_OK && found)
            crawl_found_document(found, id);
        if (rc == MM_OK) {
            pages->documents += inserted;
            pages->present += !inserted;
        }
    } else {
        mm_err_set(err, rc, "%s: out of memory", page->url);
    }
    mm_buf_free(&authors);
    return rc;
}

mm_rc pipeline_store_page(void *ctx, struct store *s, const struct crawl_page *page, struct crawl_found *found,
                          struct mm_err *err) {
    struct pipeline_pages *pages = ctx;
    struct parse_result *r = NULL;
    mm_rc rc = pipeline_extract_page(pages->rules, page, &r, err);
    if (rc != MM_OK)
        return rc;
    rc = pipeline_store_result(pages, s, page, r, found, err);
    parse_result_free(r);
    return rc;
}

/* The crawler's page handler in its two parts (ctx: struct pipeline_pages). */
static mm_rc handler_extract(void *ctx, const struct crawl_page *page, void **result, struct mm_err *err) {
    const struct pipeline_pages *pages = ctx;
    struct parse_result *r = NULL;
    mm_rc rc = pipeline_extract_page(pages->rules, page, &r, err);
    *result = r;
    return rc;
}

static mm_rc handler_store(void *ctx, struct store *s, const struct crawl_page *page, void *result,
                           struct crawl_found *found, struct mm_err *err) {
    return pipeline_store_result(ctx, s, page, result, found, err);
}

static void handler_free(void *result) { parse_result_free(result); }

const struct crawl_page_handler pipeline_page_handler = {
    .extract = handler_extract, .store = handler_store, .result_free = handler_free};

/* Inflate a zlib-compressed response body (responses.body) of `size`
 * bytes into `out`. */
static mm_rc inflate_body(const void *z, size_t zlen, size_t size, struct mm_buf *out, struct mm_err *err) {
    if (zlen == 0 || size == 0)
        return MM_OK;
    mm_rc rc = mm_buf_reserve(out, size);
    if (rc != MM_OK)
        return mm_err_set(err, rc, "a stored response of %zu bytes does not fit in memory", size);
    uLongf n = (uLongf)size;
    int zr = uncompress((Bytef *)out->data + out->len, &n, z, (uLong)zlen);
    if (zr != Z_OK || n != size)
        return mm_err_set(err, MM_EDB, "a stored response body is damaged (zlib %d); fetch the page again", zr);
    out->len += n;
    out->data[out->len] = '\0';
    return MM_OK;
}

mm_rc pipeline_reextract(struct store *s, struct pipeline_pages *pages, volatile int *stop, int64_t *n_pages,
                         struct mm_err *err) {
    /* The newest successful HTML response of every URL, oldest URL first. */
    sqlite3_stmt *sel = NULL;
    mm_rc rc = store_prepare(s,
                             "SELECT u.id, u.url, r.final_url, u.site, r.status, r.headers, r.content_type, r.body,"
                             " r.body_size, u.depth FROM urls u JOIN responses r ON r.id ="
                             " (SELECT max(id) FROM responses WHERE url_id = u.id AND status = 200)"
                             " WHERE u.kind = 'page' AND u.id > ?1 ORDER BY u.id LIMIT 200",
                             &sel, err);
    int64_t last = 0;
    struct mm_buf body;
    mm_buf_init(&body, 0);
    while (rc == MM_OK && !(stop && *stop)) {
        int rows = 0;
        if ((rc = store_begin(s, err)) != MM_OK)
            break;
        sqlite3_reset(sel);
        sqlite3_bind_int64(sel, 1, last);
        int r;
        while (rc == MM_OK && (r = sqlite3_step(sel)) == SQLITE_ROW) {
            rows++;
            last = sqlite3_column_int64(sel, 0);
            const char *ct = (const char *)sqlite3_column_text(sel, 6);
            if (ct && !strstr(ct, "html"))
                continue;
            mm_buf_reset(&body);
            rc = inflate_body(sqlite3_column_blob(sel, 7), (size_t)sqlite3_column_bytes(sel, 7),
                                  (size_t)sqlite3_column_int64(sel, 8), &body, err);
            if (rc != MM_OK)
                break;
            struct crawl_page page = {0};
            page.url_id = last;
            page.url = (const char *)sqlite3_column_text(sel, 1);
            page.final_url = (const char *)sqlite3_column_text(sel, 2);
            page.site = (const char *)sqlite3_column_text(sel, 3);
            page.status = sqlite3_column_int(sel, 4);
            page.headers = (const char *)sqlite3_column_text(sel, 5);
            page.content_type = ct;
            page.body = body.data ? body.data : "";
            page.body_len = body.len;
            page.depth = sqlite3_column_int(sel, 9);
            struct mm_err perr;
            mm_err_clear(&perr);
            if (pipeline_store_page(pages, s, &page, NULL, &perr) != MM_OK) {
                if (perr.code == MM_EDB || perr.code == MM_EIO) {
                    rc = mm_err_set(err, perr.code, "%s", perr.msg);
                    break;
                }
                pages->errors++; /* one bad page does not stop the rest */
            }
            (*n_pages)++;
        }
        if (rc == MM_OK && r != SQLITE_DONE && r != SQLITE_ROW)
            rc = store_fail(s, "cannot read stored responses", err);
        sqlite3_reset(sel);
        if (rc == MM_OK)
            rc = store_commit(s, err);
        if (rc != MM_OK)
            store_rollback(s);
        if (rows == 0)
            break;
    }
    mm_buf_free(&body);
    sqlite3_finalize(sel);
    return rc;
}


/* The extraction threads of a crawl: one per core when not given, and never
 * more than max(cores, 2): more threads than cores extract no faster, and
 * each keeps its allocator's memory for the largest page it parsed, so the
 * cap keeps a crawl's memory flat whatever --threads asks for. */
static int extract_threads(long wanted) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    long cap = cores > 2 ? cores : 2;
    if (wanted <= 0)
        wanted = cores;
    return (int)(wanted < cap ? wanted : cap);
}

static void crawl_progress(void *ctx, const struct crawl_stats *st) {
    const struct pipeline_pages *pages = ctx;
    pipeline_say(pages->log, 1, "%lld pages, %lld documents, %lld queued, %d in flight, %lld errors, %.1f MB",
                 (long long)st->pages, (long long)st->documents, (long long)st->queued, st->in_flight,
                 (long long)st->errors, st->bytes / 1e6);
}

static void report_host(void *ctx, const char *host, const char *why) {
    pipeline_say(ctx, 0, "crawl: %s: %s", host, why);
}

mm_rc pipeline_crawl_prepare(struct pipeline_config *pc, const struct pipeline_crawl_opts *o, struct mm_err *err) {
    struct crawl_config *cfg = pc->crawl;
    if (o->user_agent) {
        mm_rc rc = crawl_config_set_agent(cfg, o->user_agent, err);
        if (rc != MM_OK)
            return rc;
    } else if (cfg->user_agent == NULL) {
        if (pc->ua_placeholder)
            return mm_err_set(err, MM_EINVAL,
                              "%s: set '%s' in [crawler] to a real value (a URL or e-mail where site owners can "
                              "reach you), or pass --user-agent 'NAME/VERSION (+CONTACT)'",
                              pc->config_path ? pc->config_path : "config", pc->ua_placeholder);
        return mm_err_set(err, MM_EINVAL,
                          "no user agent: pass --user-agent 'NAME/VERSION (+CONTACT)' or set user_agent and "
                          "contact in [crawler] of the config");
    }
    /* The command line wins over the config, site sections included. */
    if (o->delay_ms >= 0)
        cfg->delay_ms = o->delay_ms;
    if (o->per_host > 0)
        cfg->per_host = o->per_host;
    if (o->max_depth >= 0)
        cfg->max_depth = o->max_depth;
    for (size_t i = 0; i < cfg->n_sites; i++) {
        if (o->delay_ms >= 0)
            cfg->sites[i].delay_ms = -1;
        if (o->per_host > 0)
            cfg->sites[i].per_host = -1;
        if (o->max_depth >= 0)
            cfg->sites[i].max_depth = -1;
    }
    return MM_OK;
}

mm_rc pipeline_crawl(struct store *s, struct pipeline_config *pc, const struct pipeline_crawl_opts *o, int64_t run_id,
                     volatile int *stop, struct pipeline_pages *pages, struct crawl_stats *st, struct mm_err *err) {
    pages->rules = pc->rules;
    pages->log = &pc->log;
    parse_global_init(); /* libxml2 set up here, before extraction threads start */
    pages->crawl = pc->crawl;
    struct crawl_run_opts ro = {.run_id = run_id,
                                .seeds = (const char **)o->seeds,
                                .n_seeds = o->n_seeds,
                                .config_seeds = o->n_seeds == 0,
                                .resolve = (const char **)o->resolve,
                                .n_resolve = o->n_resolve,
                                .max_pages = o->max_pages,
                                .max_seconds = o->max_seconds,
                                .stop = stop,
                                .handler = o->no_extract ? NULL : &pipeline_page_handler,
                                .threads = extract_threads(o->threads),
                                .warc_dir = o->warc_dir,
                                .partition_k = o->partition_k,
                                .partition_n = o->partition_n,
                                .ctx = pages,
                                .progress = crawl_progress};
    mm_rc rc = crawl_run(s, pc->crawl, &ro, st, err);
    pipeline_progress_done(&pc->log);
    if (rc == MM_OK) {
        struct mm_err report_err; /* a report only: its failure is not the crawl's */
        mm_err_clear(&report_err);
        crawl_blocked_hosts(s, report_host, &pc->log, &report_err);
    }
    /* Fetches were tried and not one host answered (robots.txt included):
     * the network, DNS or every seed is wrong, which cron must see. */
    if (rc == MM_OK && st->errors > 0 && st->pages == 0 && st->robots_answered == 0 && !(stop && *stop))
        rc = mm_err_set(err, MM_ENET,
                        "no host could be reached: %lld fetches failed (%lld network, %lld timeouts, %lld robots.txt); "
                        "check the network, DNS and the seed URLs",
                        (long long)st->errors, (long long)st->err_net, (long long)st->err_timeout,
                        (long long)st->err_robots);
    return rc;
}

mm_rc pipeline_run_end(struct store *s, int64_t run_id, mm_rc run_rc, int stopped, const struct crawl_stats *st,
                       const struct pipeline_pages *pages, const char *msg, const struct mm_err *run_err,
                       struct mm_err *err) {
    /* The run's rule health first: closing the row is what readers wait for. */
    mm_rc hrc = MM_OK;
    for (size_t i = 0; pages && hrc == MM_OK && i < pages->n_sites; i++)
        hrc = store_run_site_add(s, run_id, &pages->sites[i], err);
    char *errors = st ? crawl_stats_errors_json(st) : NULL;
    struct store_run_counts counts = {.pages = st ? st->pages : 0,
                                      .bytes = st ? st->bytes : 0,
                                      .documents = pages ? pages->documents : 0,
                                      .errors_json = errors};
    mm_rc rc = store_run_end(s, run_id, run_rc != MM_OK ? "failed" : stopped ? "interrupted" : "ok", &counts,
                             run_rc != MM_OK ? run_err->msg : msg, err);
    free(errors);
    for (size_t i = 0; pages && i < pages->n_sites; i++) {
        const struct store_site_outcomes *o = &pages->sites[i];
        if (store_fallback_warns(o->rule_fallback, o->pages))
            pipeline_say(pages->log, 0,
                     "warning: site %s: its rule found no body on %.0f%% of its article pages (%lld of %lld); "
                     "the site's markup may have changed",
                     o->site, 100.0 * (double)o->rule_fallback / (double)o->pages, (long long)o->rule_fallback,
                     (long long)o->pages);
    }
    return hrc != MM_OK ? hrc : rc;
}

mm_rc pipeline_run_begin(struct store *s, const char *command, int argc, char **argv, int64_t *run_id,
                         struct mm_err *err) {
    struct mm_buf args;
    mm_buf_init(&args, 1 << 16);
    for (int i = 1; i < argc; i++)
        if (mm_buf_printf(&args, "%s%s", i > 1 ? " " : "", argv[i]) != MM_OK)
            break; /* a very long command line is recorded cut */
    mm_rc rc = store_run_begin(s, command, args.data ? args.data : "", run_id, err);
    mm_buf_free(&args);
    return rc;
}

mm_rc pipeline_split(struct store *s, const struct pipeline_config *pc, volatile int *stop,
                     struct pipeline_counts *counts, struct mm_err *err) {
    struct text_db *tdb = NULL;
    sqlite3_stmt *docs = NULL;
    int64_t *ids = malloc((size_t)pc->batch_documents * sizeof *ids);
    mm_rc rc = ids ? MM_OK : mm_err_set(err, MM_ENOMEM, "out of memory");
    if (rc == MM_OK)
        rc = text_db_open(s, &pc->text, &tdb, err);
    if (rc == MM_OK)
        rc = store_prepare(s, "SELECT id FROM documents WHERE stage = 'extracted' ORDER BY id LIMIT ?1", &docs, err);
    while (rc == MM_OK && !(stop && *stop)) {
        size_t n = 0;
        sqlite3_reset(docs);
        sqlite3_bind_int64(docs, 1, pc->batch_documents);
        while (sqlite3_step(docs) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(docs, 0);
        sqlite3_reset(docs);
        if (n == 0)
            break;
        if ((rc = store_begin(s, err)) != MM_OK)
            break;
        for (size_t i = 0; rc == MM_OK && i < n; i++) {
            struct text_result res;
            rc = text_db_process(tdb, ids[i], &res, err);
            if (rc == MM_OK) {
                if (res.reject[0])
                    counts->documents_rejected++;
                else
                    counts->documents_split++;
                counts->sentences += (int64_t)(res.sentences - res.rejected);
            }
        }
        if (rc == MM_OK)
            rc = store_commit(s, err);
        if (rc != MM_OK)
            store_rollback(s);
        pipeline_say(&pc->log, 1, "split %lld documents (%lld rejected), %lld sentences", (long long)counts->documents_split,
                     (long long)counts->documents_rejected, (long long)counts->sentences);
    }
    pipeline_progress_done(&pc->log);
    sqlite3_finalize(docs);
    text_db_close(tdb);
    free(ids);
    return rc;
}

static void embed_progress(void *ctx, int64_t done) {
    pipeline_say(ctx, 1, "embedded %lld examples", (long long)done);
}

mm_rc pipeline_embed(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok, int threads,
                     volatile int *stop, struct pipeline_counts *counts, struct mm_err *err) {
    if (pc->embed_model == NULL)
        return MM_OK;
    struct emb_model *m = NULL;
    mm_rc rc = emb_model_open(pc->embed_model, &m, err);
    if (rc != MM_OK)
        return rc;
    char tok_id[128];
    tok_key(tok, tok_id, sizeof tok_id);
    struct emb_db_opts o = {0};
    struct emb_model_defaults md;
    emb_model_defaults(m, &md);
    o.pool = pc->embed_pooling;
    o.run.threads = threads > 0 ? threads : 1;
    o.run.normalize = md.normalize;
    o.max_length = (size_t)pc->embed_max_length;
    o.tokenizer = tok_id;
    o.stop = stop;
    o.progress = embed_progress;
    o.progress_ctx = (void *)&pc->log;
    int64_t done = 0;
    rc = emb_db_embed(store_db(s), m, &o, &done, err);
    if (rc == MM_EINTR)
        rc = MM_OK; /* stopped by a signal between chunks: what is done is committed */
    pipeline_progress_done(&pc->log);
    counts->embeddings += done;
    emb_model_close(m);
    return rc;
}

mm_rc pipeline_process(struct store *s, const struct pipeline_config *pc, const struct tok_model *tok,
                       int embed_threads, volatile int *stop, struct pipeline_counts *counts, struct mm_err *err) {
    mm_rc rc = MM_OK;
    if (!*stop)
        rc = pipeline_split(s, pc, stop, counts, err);
    if (rc == MM_OK && !*stop)
        rc = pipeline_encode(s, pc, tok, stop, counts, err);
    if (rc == MM_OK && !*stop && embed_threads > 0)
        rc = pipeline_embed(s, pc, tok, embed_threads, stop, counts, err);
    return rc;
}
