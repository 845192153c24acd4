/*
 * import.c -- bringing an existing corpus in: BERT's text format (one
 * sentence a line, a blank line between documents) and JSON Lines
 * ({"url", "title", "text", ...} a line). Each file is one transaction, so
 * a bad line leaves nothing of that file behind.
 */
#include "store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_DOC MM_LINE_MAX /* one BERT-text document, its sentences joined */

struct importer {
    struct store *s;
    const char *path;
    struct store_import_counts *counts;
    struct mm_err *err;
};

static mm_rc put(struct importer *im, struct store_document *d) {
    int64_t id;
    int inserted;
    mm_rc rc = store_document_put(im->s, d, &id, &inserted, im->err);
    if (rc == MM_OK) {
        if (inserted)
            im->counts->added++;
        else
            im->counts->present++;
    }
    return rc;
}

/* BERT text: flush the document gathered in `doc` (sentences joined by
 * "\n"), which started at line `first`. */
static mm_rc flush_bert_doc(struct importer *im, struct mm_buf *doc, long first) {
    if (doc->len == 0)
        return MM_OK;
    char ref[64];
    snprintf(ref, sizeof ref, ":%ld", first);
    struct mm_buf r;
    mm_buf_init(&r, 0);
    mm_rc rc = mm_buf_puts(&r, im->path);
    if (rc == MM_OK)
        rc = mm_buf_puts(&r, ref);
    if (rc == MM_OK) {
        struct store_document d = {0};
        d.text = doc->data;
        d.text_len = doc->len;
        d.source = "import:bert-text";
        d.source_ref = r.data;
        d.extract_method = "import";
        rc = put(im, &d);
    } else {
        mm_err_set(im->err, rc, "%s: out of memory", im->path);
    }
    mm_buf_free(&r);
    mm_buf_reset(doc);
    return rc;
}

static mm_rc import_bert_line(struct importer *im, struct mm_buf *doc, long *first, char *line, size_t n, long lineno) {
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    size_t blank = 0;
    while (blank < n && (line[blank] == ' ' || line[blank] == '\t'))
        blank++;
    if (blank == n) /* a blank line ends the document */
        return flush_bert_doc(im, doc, *first);
    if (doc->len == 0)
        *first = lineno;
    mm_rc rc = doc->len ? mm_buf_putc(doc, '\n') : MM_OK;
    if (rc == MM_OK)
        rc = mm_buf_append(doc, line, n);
    if (rc == MM_ENOMEM)
        return mm_err_set(im->err, MM_ENOMEM, "%s:%ld: out of memory gathering the document", im->path, lineno);
    if (rc != MM_OK)
        return mm_err_set(im->err, MM_ELIMIT, "%s:%ld: document larger than %zu bytes; split it with blank lines",
                          im->path, lineno, doc->max);
    return MM_OK;
}

static const char *opt_string(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static mm_rc import_json_line(struct importer *im, const char *line, size_t n, long lineno) {
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
        i++;
    if (i == n)
        return MM_OK; /* blank lines are allowed */
    json_error_t je;
    json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (obj == NULL)
        return mm_err_set(im->err, MM_EPARSE, "%s:%ld: broken JSON at column %d: %s; fix or remove the line",
                          im->path, lineno, je.column, je.text);
    mm_rc rc = MM_OK;
    json_t *text = json_object_get(obj, "text");
    if (!json_is_object(obj) || !json_is_string(text) || json_string_length(text) == 0) {
        rc = mm_err_set(im->err, MM_EPARSE, "%s:%ld: each line must be an object with a non-empty \"text\" string",
                        im->path, lineno);
        goto done;
    }
    char *authors = NULL;
    json_t *a = json_object_get(obj, "authors");
    if (json_is_array(a))
        authors = json_dumps(a, JSON_COMPACT);
    else if (json_is_string(a)) {
        json_t *arr = json_pack("[O]", a);
        authors = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
        json_decref(arr);
    }
    char ref[32];
    snprintf(ref, sizeof ref, ":%ld", lineno);
    struct mm_buf r;
    mm_buf_init(&r, 0);
    mm_buf_puts(&r, im->path);
    mm_buf_puts(&r, ref);
    struct store_document d = {0};
    d.url = opt_string(obj, "url");
    d.canonical_url = opt_string(obj, "canonical_url");
    d.site = opt_string(obj, "site");
    d.title = opt_string(obj, "title");
    d.authors_json = authors;
    d.description = opt_string(obj, "description");
    d.published = opt_string(obj, "published");
    d.modified = opt_string(obj, "modified");
    d.lang = opt_string(obj, "lang");
    d.text = json_string_value(text);
    d.text_len = json_string_length(text);
    if (memchr(d.text, '\0', d.text_len)) {
        rc = mm_err_set(im->err, MM_EPARSE, "%s:%ld: \"text\" contains a NUL character", im->path, lineno);
    } else {
        d.source = "import:jsonl";
        d.source_ref = r.data;
        d.extract_method = "import";
        rc = put(im, &d);
    }
    free(authors);
    mm_buf_free(&r);
done:
    json_decref(obj);
    return rc;
}

mm_rc store_import_file(struct store *s, const char *path, enum store_import_format format,
                        struct store_import_counts *counts, struct mm_err *err) {
    memset(counts, 0, sizeof *counts);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct importer im = {s, path, counts, err};
    struct mm_buf doc;
    mm_buf_init(&doc, IMPORT_MAX_DOC);
    struct mm_buf lb;
    mm_buf_init(&lb, MM_LINE_MAX);
    long lineno = 0, first = 0;
    mm_rc rc = store_begin(s, err);
    while (rc == MM_OK) {
        mm_rc rr = mm_read_line(f, &lb);
        if (rr == MM_OK && lb.len == 0)
            break; /* end of input */
        lineno++;
        char *line = lb.data;
        size_t n = lb.len, bad;
        if (rr == MM_ELIMIT) {
            rc = mm_err_set(err, MM_ELIMIT, "%s:%ld: line longer than %zu bytes (the line limit); split it", path,
                            lineno, MM_LINE_MAX);
        } else if (rr == MM_ENOMEM) {
            rc = mm_err_set(err, MM_ENOMEM, "%s:%ld: out of memory reading the line", path, lineno);
        } else if (rr != MM_OK) {
            rc = mm_err_set(err, MM_EIO, "%s: read failed at line %ld: %s", path, lineno, strerror(errno));
        } else if (!mm_utf8_valid(line, n, &bad)) {
            rc = mm_err_set(err, MM_EPARSE,
                            "%s:%ld: invalid UTF-8 at byte offset %zu of the line; convert the file to UTF-8", path,
                            lineno, bad);
        } else if (memchr(line, '\0', (size_t)n)) {
            rc = mm_err_set(err, MM_EPARSE, "%s:%ld: the line contains a NUL byte; is this a text file?", path, lineno);
        } else if (format == STORE_IMPORT_BERT_TEXT) {
            rc = import_bert_line(&im, &doc, &first, line, n, lineno);
        } else {
            rc = import_json_line(&im, line, n, lineno);
        }
        counts->lines = lineno;
    }
    if (rc == MM_OK && format == STORE_IMPORT_BERT_TEXT)
        rc = flush_bert_doc(&im, &doc, first);
    if (rc == MM_OK)
        rc = store_commit(s, err);
    if (rc != MM_OK) {
        store_rollback(s);
        counts->added = counts->present = 0;
    }
    mm_buf_free(&lb);
    mm_buf_free(&doc);
    if (f != stdin)
        fclose(f);
    return rc;
}
