/*
 * warc_import.c -- Common Crawl (and `malmoi crawl --warc`) archives in:
 * response records of WARC files through the crawl's own page handler, and
 * conversion records of WET files as text. One transaction per file.
 */
#include "pipeline.h"
#include "pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The site of a page: the config's site name for its host, else NULL
 * (pipeline_store_page then records the host); `host` gets the host name
 * ("" when the URI has none). */
static const char *site_of(const struct pipeline_config *pc, const char *uri, char host[256]) {
    char *norm = NULL;
    const struct crawl_site *site = NULL;
    host[0] = '\0';
    if (crawl_url_normalize(NULL, uri, &norm) == MM_OK && crawl_url_host_name(norm, host, 256) == 0)
        site = crawl_config_site(pc->crawl, host);
    else
        host[0] = '\0';
    free(norm);
    return site ? site->name : NULL;
}

static int is_html(const char *ct) {
    size_t n = strcspn(ct, ";");
    return (n == 9 && strncasecmp(ct, "text/html", 9) == 0) ||
           (n == 21 && strncasecmp(ct, "application/xhtml+xml", 21) == 0);
}

/* 0 when page[0..n) cannot hold a Hangul syllable (U+AC00..U+D7A3): valid
 * UTF-8 (which parse_decode reads as UTF-8 whatever the labels say) with no
 * syllable and no numeric character reference to one. Such a page can
 * never pass text_is_korean, and most of Common Crawl is such pages:
 * skipping their extraction is most of an import's speed. */
static int may_hold_hangul(const char *page, size_t n) {
    size_t bad;
    if (!mm_utf8_valid(page, n, &bad))
        return 1; /* EUC-KR, CP949, ...: decode and see */
    const unsigned char *p = (const unsigned char *)page;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c < 0x26 || (c > 0x26 && c < 0xEA) || c > 0xED)
            continue;
        if (c == 0xEB || c == 0xEC)
            return 1;
        if (c == 0xEA && i + 1 < n && p[i + 1] >= 0xB0)
            return 1;
        if (c == 0xED && i + 2 < n && (p[i + 1] < 0x9E || (p[i + 1] == 0x9E && p[i + 2] <= 0xA3)))
            return 1;
        if (c == '&' && i + 2 < n && p[i + 1] == '#') { /* &#44032; &#xAC00; */
            size_t j = i + 2;
            int hex = j < n && (p[j] == 'x' || p[j] == 'X');
            j += (size_t)hex;
            unsigned long v = 0;
            size_t digits = 0;
            while (j < n && digits < 8) {
                int d = p[j] >= '0' && p[j] <= '9'               ? p[j] - '0'
                        : hex && p[j] >= 'a' && p[j] <= 'f'      ? p[j] - 'a' + 10
                        : hex && p[j] >= 'A' && p[j] <= 'F'      ? p[j] - 'A' + 10
                                                                 : -1;
                if (d < 0)
                    break;
                v = v * (hex ? 16u : 10u) + (unsigned long)d;
                j++, digits++;
            }
            if (v >= 0xAC00 && v <= 0xD7A3)
                return 1;
        }
    }
    return 0;
}

/* A response record: HTTP parsed, then the crawl's page handler. */
static mm_rc import_response(struct store *s, const struct pipeline_config *pc, struct pipeline_pages *pages,
                             const struct crawl_warc_record *rec, struct mm_buf *headers, struct mm_buf *body,
                             struct pipeline_archive_counts *c, struct mm_err *err) {
    if (strncasecmp(rec->content_type, "application/http", 16) != 0)
        return MM_OK; /* a response of another protocol (dns:, ftp) */
    c->responses++;
    struct crawl_http_response http;
    struct mm_err perr;
    mm_err_clear(&perr);
    const char *ct;
    /* the status line and headers first: most pages are skipped on them */
    int status = crawl_http_status(rec->block, rec->block_len);
    if (status < 0) {
        c->errors++;
        return MM_OK;
    }
    if (status != 200) {
        c->not_200++;
        return MM_OK;
    }
    mm_rc rc = crawl_http_response_parse(rec->block, rec->block_len, (size_t)pc->crawl->max_body, &http, headers,
                                         body, &perr);
    if (rc == MM_ENOMEM)
        return mm_err_set(err, rc, "%s", perr.msg);
    if (rc != MM_OK) {
        c->errors++;
        return MM_OK;
    }
    ct = http.content_type[0] ? http.content_type : rec->payload_type;
    if (!is_html(ct)) {
        c->not_html++;
        return MM_OK;
    }
    if (!may_hold_hangul(body->data, body->len)) {
        c->not_korean++;
        return MM_OK;
    }
    struct crawl_page page = {0};
    page.url = rec->target_uri;
    page.final_url = rec->target_uri;
    char host[256];
    page.site = site_of(pc, rec->target_uri, host);
    page.status = status;
    page.headers = headers->data;
    page.content_type = http.content_type[0] ? http.content_type : NULL;
    page.body = body->data;
    page.body_len = body->len;
    pages->fetched = rec->date[0] ? rec->date : NULL;
    int64_t empty = pages->empty;
    rc = pipeline_store_page(pages, s, &page, NULL, &perr);
    if (rc != MM_OK) {
        if (perr.code == MM_EDB || perr.code == MM_EIO || perr.code == MM_ENOMEM)
            return mm_err_set(err, perr.code, "%s", perr.msg);
        c->errors++; /* one bad page does not stop the rest */
    }
    c->empty += pages->empty - empty;
    return MM_OK;
}

/* A WET conversion record: the text as Common Crawl extracted it. */
static mm_rc import_conversion(struct store *s, const struct pipeline_config *pc, struct pipeline_pages *pages,
                               const struct crawl_warc_record *rec, struct pipeline_archive_counts *c,
                               struct mm_err *err) {
    c->responses++;
    size_t bad;
    if (!mm_utf8_valid(rec->block, rec->block_len, &bad) || memchr(rec->block, '\0', rec->block_len)) {
        c->errors++;
        return MM_OK;
    }
    size_t len = rec->block_len;
    while (len && (rec->block[len - 1] == '\n' || rec->block[len - 1] == '\r' || rec->block[len - 1] == ' '))
        len--;
    if (len == 0) {
        c->empty++;
        return MM_OK;
    }
    if (!text_is_korean(&pc->text, rec->block, len)) {
        c->not_korean++;
        return MM_OK;
    }
    char host[256];
    const char *site = site_of(pc, rec->target_uri, host);
    if (site == NULL && host[0])
        site = host;
    struct store_document d = {0}; /* the text is the block itself: the store reads text_len bytes */
    d.url = rec->target_uri[0] ? rec->target_uri : NULL;
    d.site = site;
    d.fetched = rec->date[0] ? rec->date : NULL;
    d.text = rec->block;
    d.text_len = len;
    d.source = pages->source;
    d.source_ref = pages->source_ref;
    d.extract_method = "import";
    int64_t id;
    int inserted;
    mm_rc rc = store_document_put(s, &d, &id, &inserted, err);
    if (rc == MM_OK) {
        c->documents += inserted;
        c->present += !inserted;
    }
    return rc;
}

mm_rc pipeline_import_archive(struct store *s, const struct pipeline_config *pc, const char *path,
                              enum pipeline_archive_format format, volatile int *stop,
                              struct pipeline_archive_counts *c, struct mm_err *err) {
    memset(c, 0, sizeof *c);
    struct crawl_warc_reader *r = NULL;
    mm_rc rc = crawl_warc_reader_open(path, PARSE_MAX_INPUT, &r, err);
    if (rc != MM_OK)
        return rc;
    struct pipeline_pages pages = {0};
    pages.rules = pc->rules;
    pages.log = &pc->log;
    pages.source = format == PIPELINE_ARCHIVE_WET ? "import:wet" : "import:warc";
    pages.korean_only = &pc->text;
    const char *want = format == PIPELINE_ARCHIVE_WET ? "conversion" : "response";
    struct mm_buf ref, headers, body;
    mm_buf_init(&ref, 0);
    mm_buf_init(&headers, 0);
    mm_buf_init(&body, 0);
    rc = store_begin(s, err);
    int more = 1;
    while (rc == MM_OK && more) {
        if (stop && *stop) {
            rc = mm_err_set(err, MM_EINTR, "%s: stopped by a signal; nothing of the file was kept", path);
            break;
        }
        struct crawl_warc_record rec;
        if ((rc = crawl_warc_reader_next(r, &rec, &more, err)) != MM_OK || !more)
            break;
        c->records++;
        if (strcmp(rec.type, want) != 0)
            continue; /* warcinfo, request, metadata, revisit, resource */
        if (rec.oversize) {
            c->oversize++;
            continue;
        }
        mm_buf_reset(&ref);
        if (mm_buf_printf(&ref, "%s:%llu", path, (unsigned long long)rec.offset) != MM_OK) {
            rc = mm_err_set(err, MM_ENOMEM, "out of memory");
            break;
        }
        pages.source_ref = ref.data;
        rc = format == PIPELINE_ARCHIVE_WET ? import_conversion(s, pc, &pages, &rec, c, err)
                                            : import_response(s, pc, &pages, &rec, &headers, &body, c, err);
        if ((c->records & 255) == 0)
            pipeline_say(&pc->log, 1, "%s: %lld records, %lld documents", path, (long long)c->records,
                         (long long)(c->documents + pages.documents));
    }
    if (rc == MM_OK)
        rc = store_commit(s, err);
    if (rc != MM_OK) {
        store_rollback(s);
        pages.documents = pages.present = pages.rule_fallbacks = c->documents = c->present = 0;
    }
    c->documents += pages.documents;
    c->present += pages.present;
    c->not_korean += pages.not_korean;
    c->rule_fallbacks = pages.rule_fallbacks;
    pipeline_progress_done(&pc->log);
    pipeline_pages_free(&pages);
    mm_buf_free(&ref);
    mm_buf_free(&headers);
    mm_buf_free(&body);
    crawl_warc_reader_close(r);
    return rc;
}
