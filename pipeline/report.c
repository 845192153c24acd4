/*
 * report.c -- `malmoi report`: the corpus as one HTML page with inline SVG
 * charts. Each section is a few GROUP BY queries; the page keeps at most a
 * fixed number of rows of each (REPORT_MAX_*), so memory stays flat however
 * large the corpus is. Text from the web goes through mm_buf_html only.
 */
#include "report.h"
#include "pipeline_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_SITES 40    /* rows of the sites tables */
#define REPORT_MAX_REASONS 40  /* reject reasons listed */
#define REPORT_MAX_GROWTH_SITES 8 /* series of the growth chart (the rest: "other") */
#define REPORT_MAX_HOSTS 25
#define REPORT_MAX_FEEDS 40
#define REPORT_MAX_RUNS 15     /* rows of the runs table (the chart shows 30) */
#define REPORT_UNK_CHARS 20
#define REPORT_UNK_WINDOWS 50  /* stretches of example ids the [UNK] sample is read from */
#define REPORT_CHAR_TABLE 8192 /* distinct characters remembered in the [UNK] sample */
#define REPORT_PAGE_MAX (64u << 20)

#define CHAR_BUCKET 10 /* characters per bucket of the length histogram */
#define CHAR_BUCKETS 31 /* 0-9 ... 290-299, 300+ */
#define TOK_BUCKET 16
#define TOK_BUCKETS 34 /* 0-15 ... 512-527, 528+ */

static const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

/* ---- the page under construction ---------------------------------------- */

struct rep {
    struct store *s;
    const struct report_options *o;
    struct mm_buf *b;
    struct mm_err *err;
    mm_rc rc;           /* first failure; every later step does nothing */
    char key[TOK_KEY_MAX]; /* examples.tokenizer of the configured tokenizer */
    int32_t unk_id;     /* -1: no tokenizer or no [UNK] */
    char now[32];       /* ISO UTC */
    int64_t now_unix;
    const struct store_health *health; /* rule health of the last run and every feed; NULL: none recorded */
    int chart_no;
};

static void put_failed(struct rep *r) {
    r->rc = mm_err_set(r->err, MM_ELIMIT, "the report passed %u MiB; this is a bug", REPORT_PAGE_MAX >> 20);
}

static void put(struct rep *r, const char *s) {
    if (r->rc == MM_OK && mm_buf_puts(r->b, s) != MM_OK)
        put_failed(r);
}

static void putf(struct rep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct rep *r, const char *fmt, ...) {
    if (r->rc != MM_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (mm_buf_vprintf(r->b, fmt, ap) != MM_OK)
        put_failed(r);
    va_end(ap);
}

/* Escaped text; with max_chars > 0 cut after that many code points with "…". */
static void text(struct rep *r, const char *s, size_t max_chars) {
    if (r->rc != MM_OK)
        return;
    if (s == NULL)
        s = "";
    size_t n = strlen(s), cut = n;
    if (max_chars) {
        size_t chars = 0;
        for (size_t i = 0; i < n; i++)
            if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max_chars) {
                cut = i;
                break;
            }
    }
    if (mm_buf_html(r->b, s, cut) != MM_OK)
        r->rc = mm_err_set(r->err, MM_ELIMIT, "the report passed %u MiB; this is a bug", REPORT_PAGE_MAX >> 20);
    if (cut < n)
        put(r, "…");
}

/* 1234567 -> "1,234,567" */
static const char *num(int64_t v, char out[32]) {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
    size_t n = strlen(tmp), j = 0;
    if (v < 0)
        out[j++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = tmp[i];
    }
    out[j] = '\0';
    return out;
}

/* A share as "12.3%" ("–" when the whole is 0). */
static const char *pct(int64_t part, int64_t whole, char out[32]) {
    if (whole <= 0)
        snprintf(out, 32, "–");
    else
        snprintf(out, 32, "%.1f%%", 100.0 * (double)part / (double)whole);
    return out;
}

/* Compact axis numbers: 950, 1.2k, 3.4M. */
static void compact(double v, char out[32]) {
    double a = fabs(v);
    if (a >= 1e6)
        snprintf(out, 32, "%.3gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(out, 32, "%.3gk", v / 1e3);
    else
        snprintf(out, 32, "%.4g", v);
}

/* A table cell carrying its number for tests and scripts: data-v. */
static void cell_num(struct rep *r, const char *key, int64_t v) {
    char n[32];
    putf(r, "<td data-k=\"%s\" data-v=\"%lld\">%s</td>", key, (long long)v, num(v, n));
}

static void cell_pct(struct rep *r, const char *key, int64_t part, int64_t whole) {
    char p[32];
    putf(r, "<td data-k=\"%s\">%s</td>", key, pct(part, whole, p));
}

static void note(struct rep *r, const char *s) {
    put(r, "<p class=\"note\">");
    put(r, s);
    put(r, "</p>\n");
}

/* ---- SQL ------------------------------------------------------------------ */

static sqlite3_stmt *prep(struct rep *r, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (r->rc == MM_OK)
        r->rc = store_prepare(r->s, sql, &st, r->err);
    return r->rc == MM_OK ? st : NULL;
}

/* 1 while rows come; 0 at the end or after a failure (recorded). */
static int step(struct rep *r, sqlite3_stmt *st) {
    if (st == NULL || r->rc != MM_OK)
        return 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE)
        r->rc = store_fail(r->s, "cannot read the report's figures", r->err);
    return 0;
}

static const char *col(sqlite3_stmt *st, int i) {
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int64_t one_int(struct rep *r, const char *sql) {
    sqlite3_stmt *st = prep(r, sql);
    int64_t v = step(r, st) ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return v;
}

/* malmoi_id_count(input_ids, id): how often `id` is in a JSON array of
 * ints, e.g. the [UNK] ids of an example. The same as
 *   (SELECT count(*) FROM json_each(input_ids) WHERE value = id)
 * in the shell, at a fifth of the cost (no JSON values are built). */
static void sql_id_count(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const unsigned char *p = sqlite3_value_text(argv[0]);
    int64_t want = sqlite3_value_int64(argv[1]), n = 0;
    if (p == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    while (*p) {
        if ((*p >= '0' && *p <= '9') || *p == '-') {
            int neg = *p == '-';
            int64_t v = 0;
            if (neg)
                p++;
            while (*p >= '0' && *p <= '9' && v < INT64_MAX / 10)
                v = v * 10 + (*p++ - '0');
            n += (neg ? -v : v) == want;
            continue;
        }
        p++;
    }
    sqlite3_result_int64(ctx, n);
}

#define UNK_SQL "malmoi_id_count(e.input_ids, ?2)"

/* ---- charts ----------------------------------------------------------------- */

#define CHART_W 900

/* A round step near range/5: 1, 2 or 5 times a power of ten. */
static double nice_step(double max, int counts) {
    if (max <= 0)
        return 1;
    double raw = max / 5, p = pow(10, floor(log10(raw))), f = raw / p;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    return counts && step < 1 ? 1 : step; /* no 0.2 ticks on an axis of counts */
}

static void chart_title(struct rep *r, const char *title, double y) {
    put(r, "<text class=\"ct\" x=\"0\" y=\"");
    putf(r, "%.0f\">", y);
    text(r, title, 0);
    put(r, "</text>");
}

static void legend(struct rep *r, const char *const *names, size_t n, double x0, double y) {
    double x = x0;
    for (size_t s = 0; s < n; s++) {
        putf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, y - 9, palette[s % PALETTE_N]);
        putf(r, "<text x=\"%.1f\" y=\"%.1f\">", x + 14, y);
        text(r, names[s], 24);
        put(r, "</text>");
        size_t len = strlen(names[s]);
        x += 30 + 7.6 * (double)(len > 24 ? 24 : len);
    }
}

/* The <svg> element with its title (also as a tooltip) and, for several
 * series, the legend starting at x0. */
static void chart_open(struct rep *r, const char *id, const char *title, double W, double H,
                       const char *const *names, size_t n_s, double x0) {
    putf(r, "<svg class=\"chart\" id=\"%s\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\"><title>", id, W, H, W, H);
    text(r, title, 0);
    put(r, "</title>");
    chart_title(r, title, 16);
    if (n_s > 1)
        legend(r, names, n_s, x0, 38);
}

/* Vertical bars, stacked when there are several series: histograms, growth,
 * pages per run. v holds n_x rows of n_s values. Marks are dashed vertical
 * lines at a position in bar units (8.0 = the left edge of bar 8). */
struct vbars {
    const char *id, *title, *x_title, *y_title;
    size_t n_x, n_s;
    const char *const *x_labels;
    const char *const *s_names;
    const double *v;
    size_t n_marks;
    double mark_at[4];
    const char *mark_label[4];
};

static void chart_vbars(struct rep *r, const struct vbars *c) {
    double W = CHART_W, H = 300, ml = 64, mr = 16, mt = c->n_s > 1 ? 56 : 36, mb = 58;
    double pw = W - ml - mr, ph = H - mt - mb, max = 0;
    for (size_t x = 0; x < c->n_x; x++) {
        double sum = 0;
        for (size_t s = 0; s < c->n_s; s++)
            sum += c->v[x * c->n_s + s];
        if (sum > max)
            max = sum;
    }
    double stepv = nice_step(max, 1), top = max > 0 ? ceil(max / stepv) * stepv : 5;
    chart_open(r, c->id, c->title, W, H, c->s_names, c->n_s, ml);
    for (double t = 0; t <= top + stepv / 2; t += stepv) { /* grid and y ticks */
        double y = mt + ph - t / top * ph;
        char lab[32];
        compact(t, lab);
        putf(r, "<line class=\"grid\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>", ml, ml + pw, y, y);
        putf(r, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", ml - 6, y + 4, lab);
    }
    double bw = c->n_x ? pw / (double)c->n_x : pw, bar = bw * 0.8 > 48 ? 48 : bw * 0.8;
    size_t every = c->n_x > 12 ? (c->n_x + 11) / 12 : 1;
    for (size_t x = 0; x < c->n_x; x++) {
        double y = mt + ph;
        for (size_t s = 0; s < c->n_s; s++) {
            double v = c->v[x * c->n_s + s], h = v / top * ph;
            if (v <= 0)
                continue;
            y -= h;
            putf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-x=\"%zu\" data-s=\"%zu\" "
                    "data-v=\"%.0f\"><title>",
                 ml + x * bw + (bw - bar) / 2, y, bar, h, palette[s % PALETTE_N], x, s, v);
            text(r, c->x_labels[x], 0);
            if (c->n_s > 1) {
                put(r, " · ");
                text(r, c->s_names[s], 0);
            }
            char n[32];
            putf(r, ": %s</title></rect>", num((int64_t)llround(v), n));
        }
        if (x % every == 0) {
            putf(r, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", ml + (x + 0.5) * bw, mt + ph + 16);
            text(r, c->x_labels[x], 12);
            put(r, "</text>");
        }
    }
    putf(r, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>", ml, ml + pw, mt + ph, mt + ph);
    putf(r, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>", ml, ml, mt, mt + ph);
    for (size_t m = 0; m < c->n_marks; m++) {
        double x = ml + c->mark_at[m] * bw;
        putf(r, "<line class=\"mark\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x, x, mt - 4, mt + ph);
        putf(r, "<text class=\"markl\" x=\"%.1f\" y=\"%.1f\">", x + 4, mt + 8);
        text(r, c->mark_label[m], 0);
        put(r, "</text>");
    }
    putf(r, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", ml + pw / 2, H - 14);
    text(r, c->x_title, 0);
    putf(r, "</text><text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">", mt + ph / 2,
         mt + ph / 2);
    text(r, c->y_title, 0);
    put(r, "</text></svg>\n");
}

/* Horizontal bars, one row per label: reject reasons, shares per site.
 * Several series are stacked (shares of a whole) or, with `grouped`, drawn
 * as thin bars side by side (independent rates). With `percent` the values
 * are fractions and the axis runs 0-100% (stacked) or 0-max (grouped). */
struct hbars {
    const char *id, *title;
    size_t n_rows, n_s;
    const char *const *labels;
    const char *const *s_names;
    const double *v;
    int percent, grouped;
};

static void chart_hbars(struct rep *r, const struct hbars *c) {
    if (c->n_rows == 0)
        return;
    double row = c->grouped && c->n_s > 1 ? 10.0 * (double)c->n_s + 8 : 20;
    double W = CHART_W, ml = 180, mr = 70, mt = c->n_s > 1 ? 56 : 36, mb = 26;
    double pw = W - ml - mr, H = mt + row * (double)c->n_rows + mb, max = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        double sum = 0;
        for (size_t s = 0; s < c->n_s; s++) {
            double v = c->v[i * c->n_s + s];
            sum = c->grouped ? (v > sum ? v : sum) : sum + v;
        }
        if (sum > max)
            max = sum;
    }
    double top;
    if (c->percent && !c->grouped)
        top = 1;
    else {
        double stepv = nice_step(max, !c->percent);
        top = max > 0 ? ceil(max / stepv) * stepv : 1;
    }
    chart_open(r, c->id, c->title, W, H, c->s_names, c->n_s, ml);
    double stepv = c->percent && !c->grouped ? 0.25 : nice_step(top, !c->percent);
    for (double t = 0; t <= top + stepv / 2; t += stepv) {
        double x = ml + t / top * pw;
        char lab[32];
        if (c->percent)
            snprintf(lab, sizeof lab, "%.3g%%", t * 100);
        else
            compact(t, lab);
        putf(r, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.1f\"/>", x, x, mt - 4,
             mt + row * (double)c->n_rows);
        putf(r, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", x, mt + row * (double)c->n_rows + 16, lab);
    }
    for (size_t i = 0; i < c->n_rows; i++) {
        double y = mt + row * (double)i, x = ml, total = 0;
        putf(r, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", ml - 6, y + row / 2 + 4);
        text(r, c->labels[i], 26);
        put(r, "</text>");
        for (size_t s = 0; s < c->n_s; s++) {
            double v = c->v[i * c->n_s + s], w = v / top * pw;
            double by = c->grouped ? y + 4 + 10.0 * (double)s : y + 3, bh = c->grouped ? 9 : row - 6;
            double bx = c->grouped ? ml : x;
            total = c->grouped ? (v > total ? v : total) : total + v;
            if (v > 0) {
                putf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-v=\"%.6g\"><title>",
                     bx, by, w < 0.5 ? 0.5 : w, bh, palette[s % PALETTE_N], v);
                text(r, c->labels[i], 0);
                if (c->n_s > 1) {
                    put(r, " · ");
                    text(r, c->s_names[s], 0);
                }
                if (c->percent)
                    putf(r, ": %.2f%%</title></rect>", v * 100);
                else {
                    char n[32];
                    putf(r, ": %s</title></rect>", num((int64_t)llround(v), n));
                }
            }
            if (!c->grouped)
                x += w;
        }
        if (!(c->percent && !c->grouped)) { /* the value at the bar's end */
            char lab[32];
            if (c->percent)
                snprintf(lab, sizeof lab, "%.2f%%", total * 100);
            else
                num((int64_t)llround(total), lab);
            putf(r, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\">%s</text>", ml + total / top * pw + 4, y + row / 2 + 4, lab);
        }
    }
    putf(r, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.1f\"/>", ml, ml, mt - 4,
         mt + row * (double)c->n_rows);
    put(r, "</svg>\n");
}

static void next_id(struct rep *r, char out[32], const char *stem) {
    snprintf(out, 32, "chart-%s-%d", stem, ++r->chart_no);
}

/* ---- sections -------------------------------------------------------------- */

static void section_open(struct rep *r, const char *id, const char *title) {
    putf(r, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
}

static void card(struct rep *r, const char *key, const char *label, int64_t v, const char *sub) {
    char n[32];
    putf(r, "<div class=\"card\"><b data-k=\"%s\" data-v=\"%lld\">%s</b><span>%s</span>", key, (long long)v, num(v, n),
         label);
    if (sub)
        putf(r, "<i>%s</i>", sub);
    put(r, "</div>\n");
}

/* Figures over the whole corpus; the sentence and example ones are summed
 * from the per-site passes (load_sites), so each big table is read once. */
struct totals {
    int64_t docs, docs_rejected, kept, rejected, examples, tok_examples, pieces, unk, unk_sentences, embeddings,
        bytes, runs, urls;
    int64_t over128, over512, min_example_id, max_example_id;
    double char_hist[CHAR_BUCKETS], tok_hist[TOK_BUCKETS];
};

static void section_totals(struct rep *r, struct totals *t) {
    pipeline_say(r->o->log, 1, "report: totals");
    sqlite3_stmt *st = prep(r, "SELECT count(*), coalesce(sum(stage = 'rejected'), 0),"
                               " coalesce(sum(length(CAST(text AS BLOB))), 0), min(fetched), max(fetched),"
                               " min(added), max(added) FROM documents");
    char first[40] = "", last[40] = "", added0[40] = "", added1[40] = "";
    if (step(r, st)) {
        t->docs = sqlite3_column_int64(st, 0);
        t->docs_rejected = sqlite3_column_int64(st, 1);
        t->bytes = sqlite3_column_int64(st, 2);
        snprintf(first, sizeof first, "%s", col(st, 3));
        snprintf(last, sizeof last, "%s", col(st, 4));
        snprintf(added0, sizeof added0, "%s", col(st, 5));
        snprintf(added1, sizeof added1, "%s", col(st, 6));
    }
    sqlite3_finalize(st);
    t->examples = one_int(r, "SELECT count(*) FROM examples");
    t->embeddings = one_int(r, "SELECT count(*) FROM embeddings");
    t->runs = one_int(r, "SELECT count(*) FROM runs");
    t->urls = one_int(r, "SELECT count(*) FROM urls");
    char sub[160], p[32];
    section_open(r, "totals", "Totals");
    put(r, "<div class=\"cards\">\n");
    snprintf(sub, sizeof sub, "%s rejected by the filters", pct(t->docs_rejected, t->docs, p));
    card(r, "documents", "documents", t->docs, sub);
    card(r, "documents_rejected", "documents rejected", t->docs_rejected, NULL);
    card(r, "sentences_kept", "sentences kept", t->kept, NULL);
    snprintf(sub, sizeof sub, "%s of all sentences", pct(t->rejected, t->kept + t->rejected, p));
    card(r, "sentences_rejected", "sentences rejected", t->rejected, sub);
    card(r, "examples", "examples (all tokenizers)", t->examples, NULL);
    card(r, "tokens", "tokens of the configured tokenizer", t->pieces, "pieces, without [CLS]/[SEP]");
    card(r, "embeddings", "embeddings", t->embeddings, NULL);
    snprintf(sub, sizeof sub, "%.1f MB of UTF-8", (double)t->bytes / 1e6);
    card(r, "text_bytes", "bytes of document text", t->bytes, sub);
    put(r, "</div>\n<p class=\"note\">Pages fetched from <b>");
    text(r, first[0] ? first : "–", 0);
    put(r, "</b> to <b>");
    text(r, last[0] ? last : "–", 0);
    put(r, "</b>; documents added from ");
    text(r, added0[0] ? added0 : "–", 0);
    put(r, " to ");
    text(r, added1[0] ? added1 : "–", 0);
    putf(r, ". %lld run%s recorded.</p>\n</section>\n", (long long)t->runs, t->runs == 1 ? "" : "s");
}

static void section_growth(struct rep *r) {
    pipeline_say(r->o->log, 1, "report: growth");
    long days = r->o->days;
    int64_t start_day = r->now_unix / 86400 - (days - 1);
    char start[32];
    mm_format_utc(start_day * 86400, start);
    start[10] = '\0';
    /* The sites that added most in the window get a colour each; the rest are "other". */
    char names[REPORT_MAX_GROWTH_SITES + 1][64];
    const char *name_ptr[REPORT_MAX_GROWTH_SITES + 1];
    size_t n_sites = 0;
    sqlite3_stmt *st = prep(r, "SELECT coalesce(site, '(none)') AS site_key, count(*) FROM documents WHERE added >= ?1"
                               " GROUP BY site_key ORDER BY count(*) DESC, site_key LIMIT ?2");
    if (st) {
        sqlite3_bind_text(st, 1, start, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, REPORT_MAX_GROWTH_SITES);
    }
    while (step(r, st)) {
        snprintf(names[n_sites], sizeof names[0], "%s", col(st, 0));
        name_ptr[n_sites] = names[n_sites];
        n_sites++;
    }
    sqlite3_finalize(st);
    snprintf(names[n_sites], sizeof names[0], "other sites");
    name_ptr[n_sites] = names[n_sites];
    size_t n_s = n_sites + 1;
    double *v = calloc((size_t)days * n_s, sizeof *v);
    char (*labels)[8] = calloc((size_t)days, sizeof *labels);
    const char **label_ptr = calloc((size_t)days, sizeof *label_ptr);
    if ((v == NULL || labels == NULL || label_ptr == NULL) && r->rc == MM_OK)
        r->rc = mm_err_set(r->err, MM_ENOMEM, "out of memory for the growth chart");
    st = prep(r, "SELECT CAST(julianday(substr(added, 1, 10)) - julianday(?1) AS INTEGER) AS day,"
                 " coalesce(site, '(none)') AS site_key, count(*) FROM documents WHERE added >= ?1 GROUP BY day, site_key");
    if (st)
        sqlite3_bind_text(st, 1, start, -1, SQLITE_STATIC);
    int64_t total = 0;
    while (v && step(r, st)) {
        int64_t day = sqlite3_column_int64(st, 0);
        if (day < 0 || day >= days)
            continue; /* added in the future by a wrong clock */
        const char *site = col(st, 1);
        size_t s = n_sites;
        for (size_t i = 0; i < n_sites; i++)
            if (strcmp(names[i], site) == 0)
                s = i;
        v[(size_t)day * n_s + s] += (double)sqlite3_column_int64(st, 2);
        total += sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    section_open(r, "growth", "Growth");
    if (r->rc == MM_OK) {
        for (long d = 0; d < days; d++) {
            char iso[32];
            mm_format_utc((start_day + d) * 86400, iso);
            snprintf(labels[d], sizeof labels[d], "%.5s", iso + 5); /* MM-DD */
            label_ptr[d] = labels[d];
        }
        char id[32], title[128];
        next_id(r, id, "growth");
        snprintf(title, sizeof title, "Documents added per day, last %ld days (UTC), by site", days);
        struct vbars c = {.id = id, .title = title, .x_title = "day added", .y_title = "documents",
                          .n_x = (size_t)days, .n_s = n_s, .x_labels = label_ptr, .s_names = name_ptr, .v = v};
        chart_vbars(r, &c);
        char n[32];
        putf(r, "<p class=\"note\"><span data-k=\"growth_total\" data-v=\"%lld\">%s</span> documents added since %s "
                "(documents.added). Hover a bar for its numbers.</p>\n",
             (long long)total, num(total, n), start);
    }
    put(r, "</section>\n");
    free(v);
    free(labels);
    free(label_ptr);
}

struct site_row {
    char name[96];
    int64_t docs, rejected, near_dup, rule, embedded, generic, imported;
    int64_t sentences, kept, kept_chars, dup_sentences;
    int64_t examples, pieces, unk;
};

struct sites {
    struct site_row row[REPORT_MAX_SITES];
    size_t n;
    int64_t more; /* sites not shown */
};

static struct site_row *find_site(struct sites *ss, const char *name) {
    for (size_t i = 0; i < ss->n; i++)
        if (strncmp(ss->row[i].name, name, sizeof ss->row[i].name - 1) == 0)
            return &ss->row[i];
    return NULL;
}

static void load_sites(struct rep *r, struct sites *ss, struct totals *t) {
    pipeline_say(r->o->log, 1, "report: sites");
    sqlite3_stmt *st = prep(r, "SELECT coalesce(site, '(none)') AS site_key, count(*), sum(stage = 'rejected'),"
                               " sum(reject_reason = 'near_duplicate'), sum(extract_method = 'rule'),"
                               " sum(extract_method = 'embedded'), sum(extract_method = 'generic'),"
                               " sum(extract_method = 'import' OR source LIKE 'import%')"
                               " FROM documents GROUP BY site_key ORDER BY count(*) DESC, site_key");
    while (step(r, st)) {
        if (ss->n == REPORT_MAX_SITES) {
            ss->more++;
            continue;
        }
        struct site_row *x = &ss->row[ss->n++];
        memset(x, 0, sizeof *x);
        snprintf(x->name, sizeof x->name, "%s", col(st, 0));
        x->docs = sqlite3_column_int64(st, 1);
        x->rejected = sqlite3_column_int64(st, 2);
        x->near_dup = sqlite3_column_int64(st, 3);
        x->rule = sqlite3_column_int64(st, 4);
        x->embedded = sqlite3_column_int64(st, 5);
        x->generic = sqlite3_column_int64(st, 6);
        x->imported = sqlite3_column_int64(st, 7);
    }
    sqlite3_finalize(st);
    /* One pass over the sentences: per site and length bucket (-1: rejected). */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(d.site, '(none)') AS site_key,"
             " CASE WHEN s.reject_reason IS NULL THEN min(length(s.text) / %d, %d) ELSE -1 END AS bucket, count(*),"
             " sum(CASE WHEN s.reject_reason IS NULL THEN length(s.text) ELSE 0 END), sum(s.duplicate_of IS NOT NULL)"
             " FROM sentences s JOIN documents d ON d.id = s.document_id GROUP BY site_key, bucket",
             CHAR_BUCKET, CHAR_BUCKETS - 1);
    st = prep(r, sql);
    while (step(r, st)) {
        int bucket = sqlite3_column_int(st, 1);
        int64_t n = sqlite3_column_int64(st, 2);
        if (bucket >= 0 && bucket < CHAR_BUCKETS) {
            t->char_hist[bucket] += (double)n;
            t->kept += n;
        } else {
            t->rejected += n;
        }
        struct site_row *x = find_site(ss, col(st, 0));
        if (x == NULL)
            continue;
        x->sentences += n;
        x->kept += bucket >= 0 ? n : 0;
        x->kept_chars += sqlite3_column_int64(st, 3);
        x->dup_sentences += sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (r->unk_id < 0)
        return;
    /* One pass over the examples: per site and length bucket. */
    snprintf(sql, sizeof sql,
             "SELECT site_key, bucket, count(*), sum(e_len - 2), sum(unk), sum(unk > 0), sum(e_len > 128),"
             " sum(e_len > 512), min(e_id), max(e_id) FROM"
             " (SELECT coalesce(d.site, '(none)') AS site_key, min(e.length / %d, %d) AS bucket, e.length AS e_len,"
             "  e.id AS e_id, " UNK_SQL " AS unk"
             "  FROM examples e JOIN sentences x ON x.id = e.sentence_id JOIN documents d ON d.id = x.document_id"
             "  WHERE e.tokenizer = ?1) GROUP BY site_key, bucket",
             TOK_BUCKET, TOK_BUCKETS - 1);
    st = prep(r, sql);
    if (st) {
        sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, r->unk_id);
    }
    while (step(r, st)) {
        int bucket = sqlite3_column_int(st, 1);
        int64_t n = sqlite3_column_int64(st, 2), lo = sqlite3_column_int64(st, 8), hi = sqlite3_column_int64(st, 9);
        if (bucket >= 0 && bucket < TOK_BUCKETS)
            t->tok_hist[bucket] += (double)n;
        t->tok_examples += n;
        t->pieces += sqlite3_column_int64(st, 3);
        t->unk += sqlite3_column_int64(st, 4);
        t->unk_sentences += sqlite3_column_int64(st, 5);
        t->over128 += sqlite3_column_int64(st, 6);
        t->over512 += sqlite3_column_int64(st, 7);
        if (t->min_example_id == 0 || lo < t->min_example_id)
            t->min_example_id = lo;
        if (hi > t->max_example_id)
            t->max_example_id = hi;
        struct site_row *x = find_site(ss, col(st, 0));
        if (x == NULL)
            continue;
        x->examples += n;
        x->pieces += sqlite3_column_int64(st, 3);
        x->unk += sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
}

/* A table row of one site: <tr data-site="NAME"> and the name cell. */
static void site_row_open(struct rep *r, const struct site_row *x) {
    put(r, "<tr data-site=\"");
    text(r, x->name, 0);
    put(r, "\"><td class=\"t\">");
    text(r, x->name, 40);
    put(r, "</td>");
}

/* A site whose rule falls back: from run_sites of the last run when it has
 * the site (store_fallback_warns), else both rule and generic pages. */
static int site_warns(struct rep *r, const struct site_row *x) {
    for (size_t i = 0; r->health && i < r->health->n_sites; i++)
        if (strcmp(r->health->sites[i].o.site, x->name) == 0)
            return r->health->sites[i].fallback_warn;
    return x->rule > 0 && x->generic > 0;
}

/* How each site's pages were extracted in the last run (table run_sites). */
static void rule_health(struct rep *r) {
    const struct store_health *h = r->health;
    if (h == NULL || h->n_sites == 0)
        return;
    putf(r, "<h3>Rule health in run %lld</h3>\n<div class=\"wide\"><table class=\"num\" data-table=\"rule-health\">"
            "<thead><tr><th class=\"t\">site</th><th>article pages</th><th>rule</th><th>rule fell back</th>"
            "<th>embedded</th><th>generic</th><th>empty</th><th>other pages</th></tr></thead><tbody>\n",
         (long long)h->sites[0].run_id);
    for (size_t i = 0; i < h->n_sites && i < REPORT_MAX_SITES; i++) {
        const struct store_site_outcomes *o = &h->sites[i].o;
        put(r, "<tr data-site=\"");
        text(r, o->site, 0);
        put(r, "\"><td class=\"t\">");
        text(r, o->site, 40);
        put(r, "</td>");
        cell_num(r, "pages", o->pages);
        cell_num(r, "rule", o->rule);
        if (h->sites[i].fallback_warn) {
            char n[32];
            putf(r, "<td class=\"warn\" data-k=\"rule_fallback\" data-v=\"%lld\">⚠ %s</td>", (long long)o->rule_fallback,
                 num(o->rule_fallback, n));
        } else {
            cell_num(r, "rule_fallback", o->rule_fallback);
        }
        cell_num(r, "embedded", o->embedded);
        cell_num(r, "generic", o->generic);
        cell_num(r, "empty", o->empty);
        cell_num(r, "other_pages", o->other_pages);
        put(r, "</tr>\n");
    }
    put(r, "</tbody></table></div>\n<p class=\"note\">From run_sites (store/README.md): “rule fell back” counts "
           "article pages of a site with body_xpath where it found nothing; more than a fifth of its pages is "
           "marked.</p>\n");
}

static void section_sites(struct rep *r, struct sites *ss) {
    section_open(r, "sites", "Sites");
    if (ss->n == 0) {
        note(r, "No documents yet.");
        put(r, "</section>\n");
        return;
    }
    put(r, "<div class=\"wide\"><table class=\"num\"><thead><tr><th class=\"t\">site</th><th>documents</th><th>sentences kept</th><th>tokens</th>"
           "<th>mean sentence (chars)</th><th>documents rejected</th><th>sentences rejected</th>"
           "<th>near-duplicate documents</th><th>rule</th><th>embedded</th><th>generic</th><th>import</th>"
           "</tr></thead><tbody>\n");
    int fallbacks = 0;
    for (size_t i = 0; i < ss->n; i++) {
        const struct site_row *x = &ss->row[i];
        site_row_open(r, x);
        cell_num(r, "documents", x->docs);
        cell_num(r, "kept", x->kept);
        cell_num(r, "tokens", x->pieces);
        if (x->kept)
            putf(r, "<td data-k=\"mean_chars\">%.1f</td>", (double)x->kept_chars / (double)x->kept);
        else
            put(r, "<td>–</td>");
        cell_pct(r, "docs_rejected", x->rejected, x->docs);
        cell_pct(r, "sentences_rejected", x->sentences - x->kept, x->sentences);
        cell_pct(r, "near_dup", x->near_dup, x->docs);
        cell_num(r, "rule", x->rule);
        cell_num(r, "embedded", x->embedded);
        if (site_warns(r, x)) {
            char n[32];
            putf(r, "<td data-k=\"generic\" data-v=\"%lld\" class=\"warn\" title=\"the site rule found no body on "
                    "its pages; see rule health\">⚠ %s</td>",
                 (long long)x->generic, num(x->generic, n));
            fallbacks++;
        } else {
            cell_num(r, "generic", x->generic);
        }
        cell_num(r, "import", x->imported);
        put(r, "</tr>\n");
    }
    put(r, "</tbody></table></div>\n");
    if (ss->more)
        putf(r, "<p class=\"note\">%lld smaller sites are not listed.</p>\n", (long long)ss->more);
    note(r, "Tokens are pieces of the configured tokenizer without [CLS]/[SEP]. Rule / embedded / generic count the "
            "pages by the extractor that produced their text (documents.extract_method): a site rule, data embedded in "
            "the page (JSON-LD, __NEXT_DATA__), or the generic content scorer.");
    if (fallbacks)
        put(r, "<p class=\"warn\">⚠ marks sites whose site rule found no body on more than a fifth of their article "
               "pages in the last run (or, with no rule health recorded, on pages where it worked before): the "
               "site's markup may have changed.</p>\n");
    rule_health(r);
    /* The shares as a chart. */
    const char *labels[REPORT_MAX_SITES];
    double v[REPORT_MAX_SITES * 4];
    static const char *const methods[] = {"rule", "embedded", "generic", "import"};
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++) {
        const struct site_row *x = &ss->row[i];
        if (x->docs == 0)
            continue;
        labels[n] = x->name;
        v[n * 4 + 0] = (double)x->rule / (double)x->docs;
        v[n * 4 + 1] = (double)x->embedded / (double)x->docs;
        v[n * 4 + 2] = (double)x->generic / (double)x->docs;
        v[n * 4 + 3] = (double)x->imported / (double)x->docs;
        n++;
    }
    char id[32];
    next_id(r, id, "methods");
    struct hbars c = {.id = id, .title = "Share of documents by extraction method", .n_rows = n, .n_s = 4,
                      .labels = labels, .s_names = methods, .v = v, .percent = 1};
    chart_hbars(r, &c);
    put(r, "</section>\n");
}

/* One table and chart of reasons: documents or sentences. */
static void reasons(struct rep *r, const char *what, const char *list_sql, const char *example_sql, const char *stem) {
    struct {
        char reason[64];
        int64_t n, example;
    } rows[REPORT_MAX_REASONS];
    size_t n = 0;
    int64_t more = 0;
    sqlite3_stmt *st = prep(r, list_sql);
    while (step(r, st)) {
        if (n == REPORT_MAX_REASONS) {
            more++;
            continue;
        }
        snprintf(rows[n].reason, sizeof rows[n].reason, "%s", col(st, 0));
        rows[n].n = sqlite3_column_int64(st, 1);
        rows[n].example = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    putf(r, "<h3>%s</h3>\n", what);
    if (n == 0) {
        putf(r, "<p class=\"note\">No %s were rejected.</p>\n", what);
        return;
    }
    const char *labels[REPORT_MAX_REASONS];
    double v[REPORT_MAX_REASONS];
    for (size_t i = 0; i < n; i++) {
        labels[i] = rows[i].reason;
        v[i] = (double)rows[i].n;
    }
    char id[32], title[96];
    next_id(r, id, stem);
    snprintf(title, sizeof title, "Rejected %s by reason", what);
    struct hbars c = {.id = id, .title = title, .n_rows = n, .n_s = 1, .labels = labels, .v = v};
    chart_hbars(r, &c);
    putf(r, "<table class=\"reasons\" data-table=\"%s\"><thead><tr><th class=\"t\">reason</th><th>count</th><th class=\"t\">example</th></tr>"
            "</thead><tbody>\n", stem);
    sqlite3_stmt *ex = prep(r, example_sql);
    for (size_t i = 0; i < n && r->rc == MM_OK; i++) {
        put(r, "<tr data-reason=\"");
        text(r, rows[i].reason, 0);
        put(r, "\"><td class=\"t\"><code>");
        text(r, rows[i].reason, 0);
        put(r, "</code></td>");
        cell_num(r, "count", rows[i].n);
        put(r, "<td class=\"t ex\">");
        sqlite3_reset(ex);
        sqlite3_bind_int64(ex, 1, rows[i].example);
        if (step(r, ex))
            text(r, col(ex, 0), 160);
        put(r, "</td></tr>\n");
    }
    sqlite3_finalize(ex);
    put(r, "</tbody></table>\n");
    if (more)
        putf(r, "<p class=\"note\">%lld rarer reasons are not listed.</p>\n", (long long)more);
}

static void section_rejects(struct rep *r) {
    pipeline_say(r->o->log, 1, "report: reject reasons");
    section_open(r, "rejects", "Why text was rejected");
    note(r, "The filters' reason codes (config/README.md, “Text keys”), with the first example of each, shortened. "
            "A rejected document keeps no sentences; its example is its title and the start of its text.");
    reasons(r, "documents",
            "SELECT reject_reason, count(*), min(id) FROM documents WHERE stage = 'rejected'"
            " GROUP BY reject_reason ORDER BY count(*) DESC, reject_reason",
            "SELECT coalesce(title || ' — ', '') || substr(text, 1, 300) FROM documents WHERE id = ?1", "doc-reasons");
    reasons(r, "sentences",
            "SELECT reject_reason, count(*), min(id) FROM sentences WHERE reject_reason IS NOT NULL"
            " GROUP BY reject_reason ORDER BY count(*) DESC, reject_reason",
            "SELECT substr(text, 1, 300) FROM sentences WHERE id = ?1", "sentence-reasons");
    put(r, "</section>\n");
}

static void section_lengths(struct rep *r, const struct totals *t) {
    pipeline_say(r->o->log, 1, "report: lengths");
    section_open(r, "lengths", "Sentence lengths");
    char cl[CHAR_BUCKETS][16], tl[TOK_BUCKETS][16];
    const char *clp[CHAR_BUCKETS], *tlp[TOK_BUCKETS];
    for (int i = 0; i < CHAR_BUCKETS; i++) {
        if (i == CHAR_BUCKETS - 1)
            snprintf(cl[i], sizeof cl[i], "%d+", i * CHAR_BUCKET);
        else
            snprintf(cl[i], sizeof cl[i], "%d–%d", i * CHAR_BUCKET, (i + 1) * CHAR_BUCKET - 1);
        clp[i] = cl[i];
    }
    for (int i = 0; i < TOK_BUCKETS; i++) {
        if (i == TOK_BUCKETS - 1)
            snprintf(tl[i], sizeof tl[i], "%d+", i * TOK_BUCKET);
        else
            snprintf(tl[i], sizeof tl[i], "%d–%d", i * TOK_BUCKET, (i + 1) * TOK_BUCKET - 1);
        tlp[i] = tl[i];
    }
    int64_t n_chars = t->kept;
    char id[32];
    next_id(r, id, "chars");
    struct vbars c = {.id = id, .title = "Kept sentences by length in characters (code points)",
                      .x_title = "characters", .y_title = "sentences", .n_x = CHAR_BUCKETS, .n_s = 1,
                      .x_labels = clp, .v = t->char_hist};
    chart_vbars(r, &c);
    if (r->unk_id < 0) {
        note(r, "No tokenizer is configured, so there is no token-length histogram.");
        put(r, "</section>\n");
        return;
    }
    int64_t n_tok = t->tok_examples, over128 = t->over128, over512 = t->over512;
    char title[160];
    snprintf(title, sizeof title, "Examples by length in tokens of %s ([CLS] and [SEP] included)", r->key);
    next_id(r, id, "tokens");
    struct vbars tc = {.id = id, .title = title, .x_title = "tokens", .y_title = "examples", .n_x = TOK_BUCKETS,
                      .n_s = 1, .x_labels = tlp, .v = t->tok_hist, .n_marks = 2,
                      .mark_at = {128.0 / TOK_BUCKET, 512.0 / TOK_BUCKET}, .mark_label = {"128", "512"}};
    chart_vbars(r, &tc);
    char p1[32], p2[32], a[32], b[32], n[32];
    putf(r, "<table class=\"num narrow\"><thead><tr><th class=\"t\">limit (max_seq_length)</th><th>examples longer</th>"
            "<th>share truncated</th></tr></thead><tbody>\n"
            "<tr><td>128</td><td data-k=\"over128\" data-v=\"%lld\">%s</td><td>%s</td></tr>\n"
            "<tr><td>512</td><td data-k=\"over512\" data-v=\"%lld\">%s</td><td>%s</td></tr>\n</tbody></table>\n",
         (long long)over128, num(over128, a), pct(over128, n_tok, p1), (long long)over512, num(over512, b),
         pct(over512, n_tok, p2));
    putf(r, "<p class=\"note\">%s kept sentences; %s examples of %s. A sentence longer than the limit loses its tail "
            "when it is fed to a model of that length on its own.</p>\n",
         num(n_chars, a), num(n_tok, n), r->key);
    put(r, "</section>\n");
}

/* ---- which characters become [UNK] ---------------------------------------- */

struct char_slot {
    uint32_t cp; /* 0 = empty */
    int8_t unk;  /* -1 not yet known, 0, 1 */
    int64_t count;
};

static const char *char_class(uint32_t cp) {
    if (cp >= 0xAC00 && cp <= 0xD7A3)
        return "Hangul syllable";
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0xA960 && cp <= 0xA97F) ||
        (cp >= 0xD7B0 && cp <= 0xD7FF))
        return "Hangul jamo";
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x20000 && cp <= 0x3FFFF))
        return "hanja (CJK ideograph)";
    if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) || cp == 0xFE0F || cp == 0x200D)
        return "emoji or pictograph";
    if (cp >= 0x3040 && cp <= 0x30FF)
        return "kana";
    if (cp < 0x250)
        return "Latin or ASCII";
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF))
        return "symbol or punctuation";
    if (cp >= 0x370 && cp <= 0x3FF)
        return "Greek";
    if (cp >= 0x400 && cp <= 0x4FF)
        return "Cyrillic";
    return "other";
}

static int char_is_unk(struct rep *r, struct tok_state *ts, uint32_t cp) {
    char u[4];
    int n = mm_utf8_encode(cp, u);
    const int32_t *ids;
    size_t n_ids;
    struct mm_err e;
    mm_err_clear(&e);
    if (tok_encode(r->o->tok, ts, u, (size_t)n, TOK_SAFE, &ids, &n_ids, &e) != MM_OK)
        return 0;
    for (size_t i = 0; i < n_ids; i++)
        if (ids[i] == r->unk_id)
            return 1;
    return 0;
}

/* Count the characters of `text` whose own encoding is [UNK] into the
 * open-addressing table `slots` (REPORT_CHAR_TABLE entries, *used taken). */
static void count_unk_chars(struct rep *r, struct tok_state *ts, struct char_slot *slots, size_t *used,
                            const char *text, int64_t *unk_chars, int64_t *untracked) {
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int k = mm_utf8_decode(s + i, len - i, &cp);
        if (k == 0) {
            i++;
            continue;
        }
        i += (size_t)k;
        if (cp == ' ' || cp == '\t' || cp == '\n')
            continue;
        size_t h = (size_t)(cp * 2654435761u) % REPORT_CHAR_TABLE;
        while (slots[h].cp && slots[h].cp != cp)
            h = (h + 1) % REPORT_CHAR_TABLE;
        if (slots[h].cp == 0) {
            if (*used + 1 >= REPORT_CHAR_TABLE) { /* full: keep a free slot so the probe always stops */
                (*untracked)++;
                continue;
            }
            slots[h].cp = cp;
            slots[h].unk = (int8_t)char_is_unk(r, ts, cp);
            (*used)++;
        }
        if (slots[h].unk) {
            slots[h].count++;
            (*unk_chars)++;
        }
    }
}

static int cmp_slot(const void *a, const void *b) {
    const struct char_slot *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

static void section_tokenizer(struct rep *r, const struct totals *t, struct sites *ss) {
    pipeline_say(r->o->log, 1, "report: tokenizer fit");
    section_open(r, "tokenizer", "Tokenizer fit");
    if (r->unk_id < 0 || t->tok_examples == 0) {
        put(r, "<p class=\"note\">");
        if (r->unk_id < 0)
            put(r, "No tokenizer with an [UNK] token is configured.");
        else {
            put(r, "No examples of ");
            text(r, r->key, 0);
            put(r, " yet (run <code>malmoi run</code> or <code>malmoi reprocess --from encode</code>).");
            sqlite3_stmt *st = prep(r, "SELECT tokenizer, count(*) FROM examples GROUP BY tokenizer LIMIT 10");
            for (int i = 0; step(r, st); i++) {
                put(r, i ? ", <code>" : " The database has examples of <code>");
                text(r, col(st, 0), 60);
                putf(r, "</code> (%lld)", (long long)sqlite3_column_int64(st, 1));
            }
            sqlite3_finalize(st);
        }
        put(r, "</p>\n</section>\n");
        return;
    }
    char a[32], b[32], p[32];
    putf(r, "<p>Overall <b data-k=\"unk_rate\" data-unk=\"%lld\" data-pieces=\"%lld\">%s</b> of the %s pieces of ",
         (long long)t->unk, (long long)t->pieces, pct(t->unk, t->pieces, p), num(t->pieces, a));
    text(r, r->key, 0);
    putf(r, " are [UNK] (%s [UNK] in %s of %s examples).</p>\n", num(t->unk, b), num(t->unk_sentences, a),
         num(t->tok_examples, p));
    const char *labels[REPORT_MAX_SITES];
    double v[REPORT_MAX_SITES];
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->row[i].pieces > 0) {
            labels[n] = ss->row[i].name;
            v[n++] = (double)ss->row[i].unk / (double)ss->row[i].pieces;
        }
    char id[32];
    next_id(r, id, "unk");
    struct hbars c = {.id = id, .title = "[UNK] share of tokens per site", .n_rows = n, .n_s = 1, .labels = labels,
                      .v = v, .percent = 1, .grouped = 1};
    chart_hbars(r, &c);
    put(r, "<table class=\"num narrow\" data-table=\"unk-sites\"><thead><tr><th class=\"t\">site</th><th>examples</th>"
           "<th>tokens</th><th>[UNK]</th><th>[UNK] share</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < ss->n; i++) {
        const struct site_row *x = &ss->row[i];
        if (x->examples == 0)
            continue;
        site_row_open(r, x);
        cell_num(r, "examples", x->examples);
        cell_num(r, "tokens", x->pieces);
        cell_num(r, "unk", x->unk);
        cell_pct(r, "unk_share", x->unk, x->pieces);
        put(r, "</tr>\n");
    }
    put(r, "</tbody></table>\n");

    /* The characters behind [UNK]: examples with an [UNK], all of them when
     * there are at most REPORT_UNK_SAMPLE, else the first ones of evenly
     * spaced stretches of example ids (reading only those stretches, so the
     * cost does not grow with the corpus); each character is tested once. */
    if (t->unk_sentences == 0 || r->o->tok == NULL) {
        put(r, "</section>\n");
        return;
    }
    int windows = t->unk_sentences <= REPORT_UNK_SAMPLE ? 1 : REPORT_UNK_WINDOWS;
    int64_t span = t->max_example_id - t->min_example_id + 1;
    struct char_slot *slots = calloc(REPORT_CHAR_TABLE, sizeof *slots);
    struct tok_state *ts = tok_state_new();
    if ((slots == NULL || ts == NULL) && r->rc == MM_OK)
        r->rc = mm_err_set(r->err, MM_ENOMEM, "out of memory for the [UNK] sample");
    sqlite3_stmt *st = prep(r, "SELECT x.text FROM examples e JOIN sentences x ON x.id = e.sentence_id"
                               " WHERE e.id >= ?3 AND e.id < ?4 AND e.tokenizer = ?1 AND " UNK_SQL " > 0"
                               " ORDER BY e.id LIMIT ?5");
    int64_t sampled = 0, unk_chars = 0, untracked = 0;
    size_t used = 0;
    for (int w = 0; w < windows && st && slots && ts; w++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, r->unk_id);
        sqlite3_bind_int64(st, 3, t->min_example_id + span * w / windows);
        sqlite3_bind_int64(st, 4, t->min_example_id + span * (w + 1) / windows);
        sqlite3_bind_int(st, 5, REPORT_UNK_SAMPLE / windows);
        while (step(r, st)) {
            sampled++;
            count_unk_chars(r, ts, slots, &used, col(st, 0), &unk_chars, &untracked);
        }
    }
    sqlite3_finalize(st);
    if (slots && r->rc == MM_OK) {
        size_t m = 0;
        for (size_t i = 0; i < REPORT_CHAR_TABLE; i++)
            if (slots[i].cp && slots[i].unk)
                slots[m++] = slots[i];
        qsort(slots, m, sizeof *slots, cmp_slot);
        char how[160] = "all of them";
        if (windows > 1)
            snprintf(how, sizeof how, "the first %d of each of %d evenly spaced stretches of example ids",
                     REPORT_UNK_SAMPLE / windows, windows);
        putf(r, "<h3>The %d characters most often mapped to [UNK]</h3>\n", REPORT_UNK_CHARS);
        putf(r, "<p class=\"note\" data-k=\"unk_sample\" data-v=\"%lld\">From %s of the %s "
                "examples that contain [UNK] (%s): each character of their sentences is encoded alone, and those "
                "whose own encoding is [UNK] are counted.%s</p>\n",
             (long long)sampled, num(sampled, a), num(t->unk_sentences, b), how, untracked ? " Some rare characters were past the table's size." : "");
        put(r, "<table class=\"unk\" data-table=\"unk-chars\"><thead><tr><th class=\"t\">character</th><th class=\"t\">code point</th>"
               "<th class=\"t\">kind</th><th>count in the sample</th><th>share of [UNK] characters</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < m && i < REPORT_UNK_CHARS; i++) {
            char u[5] = {0};
            mm_utf8_encode(slots[i].cp, u);
            putf(r, "<tr data-cp=\"%u\"><td class=\"glyph\">", slots[i].cp);
            text(r, u, 0);
            putf(r, "</td><td class=\"t\"><code>U+%04X</code></td><td class=\"t\">%s</td>", slots[i].cp, char_class(slots[i].cp));
            cell_num(r, "count", slots[i].count);
            cell_pct(r, "share", slots[i].count, unk_chars);
            put(r, "</tr>\n");
        }
        put(r, "</tbody></table>\n");
    }
    free(slots);
    tok_state_free(ts);
    put(r, "</section>\n");
}

static void section_duplicates(struct rep *r, const struct sites *ss) {
    pipeline_say(r->o->log, 1, "report: duplicates");
    section_open(r, "duplicates", "Duplicates");
    note(r, "Exact duplicate documents are stored once (same text, same content hash), so they never appear here. "
            "Near-duplicate documents share a MinHash band with an earlier one and are rejected "
            "(reject_reason near_duplicate); duplicate sentences repeat a sentence of another document "
            "(sentences.duplicate_of).");
    const char *labels[REPORT_MAX_SITES];
    double v[REPORT_MAX_SITES * 2];
    static const char *const series[] = {"near-duplicate documents", "duplicate sentences"};
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++) {
        const struct site_row *x = &ss->row[i];
        if (x->docs == 0)
            continue;
        labels[n] = x->name;
        v[n * 2] = (double)x->near_dup / (double)x->docs;
        v[n * 2 + 1] = x->sentences ? (double)x->dup_sentences / (double)x->sentences : 0;
        n++;
    }
    char id[32];
    next_id(r, id, "dups");
    struct hbars c = {.id = id, .title = "Duplicate shares per site", .n_rows = n, .n_s = 2, .labels = labels,
                      .s_names = series, .v = v, .percent = 1, .grouped = 1};
    chart_hbars(r, &c);
    put(r, "<table class=\"num narrow\" data-table=\"dup-sites\"><thead><tr><th class=\"t\">site</th><th>near-duplicate "
           "documents</th><th>share</th><th>duplicate sentences</th><th>share</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < ss->n; i++) {
        const struct site_row *x = &ss->row[i];
        site_row_open(r, x);
        cell_num(r, "near_dup", x->near_dup);
        cell_pct(r, "near_dup_share", x->near_dup, x->docs);
        cell_num(r, "dup_sentences", x->dup_sentences);
        cell_pct(r, "dup_sentences_share", x->dup_sentences, x->sentences);
        put(r, "</tr>\n");
    }
    put(r, "</tbody></table>\n");
    sqlite3_stmt *st = prep(r, "SELECT g.duplicate_of, g.n, d.site, d.title, substr(d.text, 1, 200) FROM"
                               " (SELECT duplicate_of, count(*) AS n FROM documents WHERE duplicate_of IS NOT NULL"
                               " GROUP BY duplicate_of ORDER BY n DESC, duplicate_of LIMIT 10) g"
                               " JOIN documents d ON d.id = g.duplicate_of ORDER BY g.n DESC, g.duplicate_of");
    int any = 0;
    while (step(r, st)) {
        if (!any++)
            put(r, "<h3>Largest near-duplicate clusters</h3>\n<table data-table=\"clusters\"><thead><tr><th>document"
                   "</th><th>near-duplicates</th><th class=\"t\">site</th><th class=\"t\">title</th></tr></thead><tbody>\n");
        putf(r, "<tr><td>%lld</td>", (long long)sqlite3_column_int64(st, 0));
        cell_num(r, "copies", sqlite3_column_int64(st, 1));
        put(r, "<td class=\"t\">");
        text(r, col(st, 2), 40);
        put(r, "</td><td class=\"t\">");
        text(r, sqlite3_column_type(st, 3) == SQLITE_NULL ? col(st, 4) : col(st, 3), 120);
        put(r, "</td></tr>\n");
    }
    sqlite3_finalize(st);
    if (any)
        put(r, "</tbody></table>\n");
    st = prep(r, "SELECT g.n, s.text FROM (SELECT duplicate_of, count(*) AS n FROM sentences"
                 " WHERE duplicate_of IS NOT NULL GROUP BY duplicate_of ORDER BY n DESC, duplicate_of LIMIT 10) g"
                 " JOIN sentences s ON s.id = g.duplicate_of ORDER BY g.n DESC, g.duplicate_of");
    any = 0;
    while (step(r, st)) {
        if (!any++)
            put(r, "<h3>Most repeated sentences</h3>\n<table data-table=\"dup-sentences\"><thead><tr><th>other "
                   "documents</th><th class=\"t\">sentence</th></tr></thead><tbody>\n");
        put(r, "<tr>");
        cell_num(r, "copies", sqlite3_column_int64(st, 0));
        put(r, "<td class=\"t\">");
        text(r, col(st, 1), 160);
        put(r, "</td></tr>\n");
    }
    sqlite3_finalize(st);
    if (any)
        put(r, "</tbody></table>\n");
    put(r, "</section>\n");
}

static void section_crawl(struct rep *r, const struct totals *t) {
    pipeline_say(r->o->log, 1, "report: crawl health");
    section_open(r, "crawl", "Crawl health");
    if (t->runs == 0 && t->urls == 0) {
        note(r, "No crawl runs in this database.");
        put(r, "</section>\n");
        return;
    }
    /* Pages and errors of the last 30 runs, oldest first. */
#define ERRORS_SQL                                                                                                    \
    "(CASE WHEN json_valid(errors) THEN (SELECT total(value) FROM json_each(errors) WHERE key NOT IN "               \
    "('robots_denied', 'not_html', 'parked_hosts')) ELSE 0 END)"
    sqlite3_stmt *st = prep(r, "SELECT id, pages, " ERRORS_SQL " FROM (SELECT * FROM runs ORDER BY id DESC LIMIT 30)"
                               " ORDER BY id");
    double v[60] = {0};
    char labels[30][24];
    const char *lp[30];
    size_t n = 0;
    while (step(r, st) && n < 30) {
        snprintf(labels[n], sizeof labels[n], "run %lld", (long long)sqlite3_column_int64(st, 0));
        lp[n] = labels[n];
        v[n * 2] = (double)sqlite3_column_int64(st, 1);
        v[n * 2 + 1] = sqlite3_column_double(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    static const char *const series[] = {"pages fetched", "errors"};
    char id[32];
    if (n) {
        next_id(r, id, "runs");
        struct vbars c = {.id = id, .title = "Pages and errors of the last runs", .x_title = "run",
                          .y_title = "count", .n_x = n, .n_s = 2, .x_labels = lp, .s_names = series, .v = v};
        chart_vbars(r, &c);
    }
    st = prep(r, "SELECT id, command, started, coalesce(ended, ''), status, pages, bytes, documents,"
                 " " ERRORS_SQL ","
                 " CASE WHEN json_valid(errors) THEN coalesce(json_extract(errors, '$.robots_denied'), 0) ELSE 0 END,"
                 " CASE WHEN json_valid(errors) THEN (SELECT group_concat(key || ' ' || value, ', ') FROM"
                 " json_each(errors) WHERE value > 0 AND key NOT IN ('robots_denied')) ELSE errors END,"
                 " CASE WHEN ended IS NULL THEN NULL ELSE (julianday(ended) - julianday(started)) * 86400 END"
                 " FROM runs ORDER BY id DESC LIMIT ?1");
    if (st)
        sqlite3_bind_int(st, 1, REPORT_MAX_RUNS);
    put(r, "<h3>Last runs</h3>\n<div class=\"wide\"><table class=\"num\" data-table=\"runs\"><thead><tr><th>run</th><th class=\"t\">command</th>"
           "<th class=\"t\">started</th><th class=\"t\">status</th><th>seconds</th><th>pages</th><th>MB</th><th>documents</th><th>errors</th>"
           "<th>robots denials</th><th class=\"t\">errors by kind</th></tr></thead><tbody>\n");
    while (step(r, st)) {
        putf(r, "<tr data-run=\"%lld\"><td>%lld</td><td class=\"t\">", (long long)sqlite3_column_int64(st, 0),
             (long long)sqlite3_column_int64(st, 0));
        text(r, col(st, 1), 20);
        put(r, "</td><td class=\"t\">");
        text(r, col(st, 2), 24);
        const char *status = col(st, 4);
        putf(r, "</td><td class=\"t%s\">", strcmp(status, "ok") == 0 ? "" : " warn");
        text(r, status, 20);
        put(r, "</td>");
        if (sqlite3_column_type(st, 11) == SQLITE_NULL)
            put(r, "<td>–</td>");
        else
            putf(r, "<td>%.0f</td>", sqlite3_column_double(st, 11));
        cell_num(r, "pages", sqlite3_column_int64(st, 5));
        putf(r, "<td>%.1f</td>", (double)sqlite3_column_int64(st, 6) / 1e6);
        cell_num(r, "documents", sqlite3_column_int64(st, 7));
        cell_num(r, "errors", (int64_t)sqlite3_column_double(st, 8));
        cell_num(r, "robots_denied", sqlite3_column_int64(st, 9));
        put(r, "<td class=\"t small\">");
        text(r, col(st, 10), 200);
        put(r, "</td></tr>\n");
    }
    sqlite3_finalize(st);
    put(r, "</tbody></table></div>\n");

    /* The frontier, and why URLs failed or were skipped. */
    st = prep(r, "SELECT state, count(*) FROM urls GROUP BY state ORDER BY count(*) DESC");
    put(r, "<p>Frontier: ");
    int first = 1;
    while (step(r, st)) {
        char a[32];
        put(r, first ? "<span data-k=\"urls_" : ", <span data-k=\"urls_");
        text(r, col(st, 0), 20);
        putf(r, "\" data-v=\"%lld\">%s</span> ", (long long)sqlite3_column_int64(st, 1),
             num(sqlite3_column_int64(st, 1), a));
        text(r, col(st, 0), 20);
        first = 0;
    }
    sqlite3_finalize(st);
    put(r, first ? "no URLs.</p>\n" : ".</p>\n");
    st = prep(r, "SELECT coalesce(last_error, '(none)'), state, count(*) FROM urls WHERE state IN ('failed', 'skipped')"
                 " GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 20");
    first = 1;
    while (step(r, st)) {
        if (first)
            put(r, "<table class=\"num narrow\" data-table=\"url-errors\"><thead><tr><th class=\"t\">error kind</th><th class=\"t\">state</th>"
                   "<th>URLs</th></tr></thead><tbody>\n");
        first = 0;
        put(r, "<tr><td class=\"t\">");
        text(r, col(st, 0), 30);
        put(r, "</td><td class=\"t\">");
        text(r, col(st, 1), 20);
        put(r, "</td>");
        cell_num(r, "urls", sqlite3_column_int64(st, 2));
        put(r, "</tr>\n");
    }
    sqlite3_finalize(st);
    if (!first)
        put(r, "</tbody></table>\n");

    /* HTTP status of each URL's last fetch, per host, with the stored responses' bytes and time. */
    st = prep(r, "SELECT u.host, count(u.last_status) AS n, sum(u.last_status BETWEEN 200 AND 299),"
                 " sum(u.last_status = 304), sum(u.last_status BETWEEN 300 AND 399 AND u.last_status != 304),"
                 " sum(u.last_status BETWEEN 400 AND 499), sum(u.last_status >= 500), sum(u.last_status < 200),"
                 " sum(g.bytes), sum(g.ms) / max(sum(g.n), 1) FROM urls u LEFT JOIN"
                 " (SELECT url_id, count(*) AS n, sum(body_size) AS bytes, total(duration_ms) AS ms FROM responses"
                 "  GROUP BY url_id) g ON g.url_id = u.id"
                 " GROUP BY u.host HAVING n > 0 ORDER BY n DESC, u.host LIMIT ?1");
    if (st)
        sqlite3_bind_int(st, 1, REPORT_MAX_HOSTS);
    first = 1;
    while (step(r, st)) {
        if (first)
            put(r, "<h3>HTTP status per host</h3>\n<table class=\"num\" data-table=\"hosts\"><thead><tr><th class=\"t\">"
                   "host</th><th>URLs fetched</th><th>2xx</th><th>304</th><th>other 3xx</th><th>4xx</th><th>5xx</th>"
                   "<th>other</th><th>MB stored</th><th>mean ms</th></tr></thead><tbody>\n");
        first = 0;
        put(r, "<tr data-host=\"");
        text(r, col(st, 0), 0);
        put(r, "\"><td class=\"t\">");
        text(r, col(st, 0), 60);
        put(r, "</td>");
        static const char *const keys[] = {"urls", "2xx", "304", "3xx", "4xx", "5xx", "other"};
        for (int k = 0; k < 7; k++)
            cell_num(r, keys[k], sqlite3_column_int64(st, 1 + k));
        putf(r, "<td>%.1f</td><td>%.0f</td></tr>\n", (double)sqlite3_column_int64(st, 8) / 1e6,
             sqlite3_column_double(st, 9));
    }
    sqlite3_finalize(st);
    if (!first)
        put(r, "</tbody></table>\n<p class=\"note\">The status of each URL's last fetch (urls.last_status); bytes "
               "and time of the responses stored for them.</p>\n");

    /* Feeds: their age as the crawler recorded it (table feeds, store_health_read). */
    const struct store_health *h = r->health;
    size_t n_feeds = 0, stale = 0;
    for (size_t i = 0; h && i < h->n_feeds; i++)
        if (strcmp(h->feeds[i].kind, "feed") == 0) {
            n_feeds++;
            stale += h->feeds[i].stale != 0;
        }
    if (n_feeds)
        put(r, "<h3>Feeds</h3>\n<table data-table=\"feeds\"><thead><tr><th class=\"t\">feed</th><th class=\"t\">site"
               "</th><th class=\"t\">last read (UTC)</th><th>items</th><th>dated</th><th class=\"t\">newest item (UTC)"
               "</th><th>age (days)</th></tr></thead><tbody>\n");
    /* The stale ones first, then the rest, each in the store's order (URL). */
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; h && i < h->n_feeds && shown < REPORT_MAX_FEEDS; i++) {
            const struct store_health_feed *f = &h->feeds[i];
            if (strcmp(f->kind, "feed") != 0 || (f->stale != 0) != (pass == 0))
                continue;
            shown++;
            char when[32], newest[32];
            mm_format_utc(f->fetched, when);
            putf(r, "<tr%s><td class=\"t\">", f->stale ? " class=\"stale\"" : "");
            text(r, f->url, 80);
            put(r, "</td><td class=\"t\">");
            text(r, f->site ? f->site : "", 30);
            put(r, "</td><td class=\"t\">");
            text(r, when, 0);
            put(r, "</td>");
            cell_num(r, "items", f->items);
            cell_num(r, "dated", f->dated_items);
            if (f->newest >= 0) {
                mm_format_utc(f->newest, newest);
                putf(r, "<td class=\"t\">%s%s</td><td%s>%.1f</td></tr>\n", newest,
                     f->newest_from_pages ? " (from its pages)" : "", f->stale ? " class=\"warn\"" : "",
                     (double)(r->now_unix - f->newest) / 86400.0);
            } else {
                putf(r, "<td class=\"t\">no dated item</td><td%s>–</td></tr>\n", f->stale ? " class=\"warn\"" : "");
            }
        }
    if (n_feeds) {
        put(r, "</tbody></table>\n");
        if (n_feeds > shown)
            putf(r, "<p class=\"note\">%zu more feeds are not listed.</p>\n", n_feeds - shown);
        putf(r, "<p class=\"note\">%zu feed%s marked: read within feed_max_age ([crawler], %.1f days) but empty, or "
                "with a newest item older than that; the feed may have moved or stopped. Dates are the feeds' own "
                "(pubDate, updated, lastmod), else the newest publication date of the pages found through them.</p>\n",
             stale, stale == 1 ? " is" : "s are", (double)r->o->feed_max_age_s / 86400.0);
    }
    put(r, "</section>\n");
}

/* ---- the page ---------------------------------------------------------------- */

static const char css[] =
    ":root{--fg:#1d2330;--muted:#5b6577;--line:#d9dee7;--head:#f2f4f8;--warn:#b3261e}\n"
    "*{box-sizing:border-box}\n"
    "body{font:14px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans KR','Noto Sans CJK KR','Apple SD Gothic Neo',"
    "'Malgun Gothic',NanumGothic,sans-serif;color:var(--fg);background:#fff;max-width:1080px;margin:0 auto;"
    "padding:24px 28px}\n"
    "header{border-bottom:3px solid var(--fg);padding-bottom:8px;margin-bottom:8px}\n"
    "h1{font-size:26px;margin:0}h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;"
    "border-bottom:1px solid var(--line)}h3{font-size:15px;margin:20px 0 6px}\n"
    ".meta{color:var(--muted);margin:4px 0 0}.meta code{color:var(--fg)}\n"
    "nav{margin:10px 0 0;font-size:13px}nav a{margin-right:14px;color:#2f5f98;text-decoration:none}\n"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:#fafbfd}\n"
    ".card b{display:block;font-size:21px;font-variant-numeric:tabular-nums}.card span{display:block;"
    "color:var(--muted);font-size:12px}.card i{display:block;font-style:normal;font-size:12px;color:var(--fg)}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;margin:8px 0 4px;font-variant-numeric:tabular-nums}\n"
    "table.narrow{width:auto;min-width:50%}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}\n"
    "th{background:var(--head);font-weight:600;font-size:12px}\n"
    "th.t,td.t{text-align:left}td.t{overflow-wrap:anywhere}td.ex{max-width:520px}\n"
    "td.t:first-child{min-width:7em;overflow-wrap:normal}th{vertical-align:bottom}\n"
    "td.small{font-size:11px;color:var(--muted)}td.glyph{font-size:20px;text-align:center}\n"
    "tr.stale td:first-child{border-left:3px solid var(--warn)}\n"
    ".warn{color:var(--warn);font-weight:600}.note{color:var(--muted);font-size:12.5px}\n"
    "svg.chart{display:block;max-width:100%;height:auto;margin:12px 0 4px}\n"
    "svg.chart text{font-size:12px;fill:var(--fg)}svg.chart text.ct{font-size:14px;font-weight:600}\n"
    "svg.chart .grid{stroke:#e6e9ef;stroke-width:1}svg.chart .axis{stroke:#6b7280;stroke-width:1}\n"
    "svg.chart .mark{stroke:var(--warn);stroke-width:1.5;stroke-dasharray:5 3}\n"
    "svg.chart text.markl{fill:var(--warn);font-weight:600}svg.chart text.val{fill:var(--muted)}\n"
    "footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}\n"
    "@media (max-width:760px){.cards{grid-template-columns:repeat(2,1fr)}}\n"
    ".wide{overflow-x:auto}\n"
    "@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10.5px}nav{display:none}"
    ".cards{grid-template-columns:repeat(4,1fr)}.card b{font-size:16px}table{font-size:9.5px}"
    "th,td{padding:2px 4px}th{font-size:9px}td.t:first-child{min-width:0}.wide{overflow:visible}"
    "h2{break-after:avoid}svg.chart,table,.cards{break-inside:avoid}tr{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

mm_rc report_html(struct store *s, const struct report_options *o, struct mm_buf *out, struct mm_err *err) {
    struct rep r = {.s = s, .o = o, .b = out, .err = err, .unk_id = -1};
    if (o->days < 1 || o->days > REPORT_DAYS_MAX)
        return mm_err_set(err, MM_EINVAL, "the report's window must be 1 to %d days, not %ld", REPORT_DAYS_MAX, o->days);
    if (o->tok) {
        tok_key(o->tok, r.key, sizeof r.key);
        r.unk_id = tok_specials(o->tok).unk;
    }
    r.now_unix = o->now_unix ? o->now_unix : mm_now_unix_ms() / 1000;
    mm_format_utc(r.now_unix, r.now);
    sqlite3 *db = store_db(s);
    if (sqlite3_create_function_v2(db, "malmoi_id_count", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_id_count,
                                   NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "cannot add the report's date function", err);
    /* One snapshot for the whole page (a crawl may be writing meanwhile). */
    int own_txn = sqlite3_get_autocommit(db);
    if (own_txn && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(s, "cannot start reading", err);
    struct totals t = {0};
    struct sites *ss = calloc(1, sizeof *ss);
    if (ss == NULL)
        r.rc = mm_err_set(err, MM_ENOMEM, "out of memory");
    struct store_health health = {0};
    if (r.rc == MM_OK && store_has_table(s, "run_sites")) {
        r.rc = store_health_read(s, 1, o->feed_max_age_s, r.now_unix, &health, err);
        r.health = &health;
    }
    int version = (int)one_int(&r, "PRAGMA user_version");
    put(&r, "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"malmoi " MM_VERSION "\">\n<title>malmoi corpus report: ");
    text(&r, o->db_label ? o->db_label : store_path(s), 0);
    put(&r, "</title>\n<style>\n");
    put(&r, css);
    put(&r, "</style>\n</head>\n<body>\n<header><h1>malmoi corpus report</h1>\n<p class=\"meta\">Database <code>");
    text(&r, o->db_label ? o->db_label : store_path(s), 0);
    putf(&r, "</code> (schema %d) · generated %s · tokenizer <code>", version, r.now);
    text(&r, o->tok ? r.key : "none", 0);
    put(&r, "</code></p>\n<nav><a href=\"#totals\">Totals</a><a href=\"#growth\">Growth</a><a href=\"#sites\">Sites"
            "</a><a href=\"#rejects\">Rejections</a><a href=\"#lengths\">Lengths</a><a href=\"#tokenizer\">Tokenizer "
            "fit</a><a href=\"#duplicates\">Duplicates</a><a href=\"#crawl\">Crawl health</a></nav></header>\n<main>\n");
    if (ss) {
        load_sites(&r, ss, &t);
        section_totals(&r, &t);
        section_growth(&r);
        section_sites(&r, ss);
        section_rejects(&r);
        section_lengths(&r, &t);
        section_tokenizer(&r, &t, ss);
        section_duplicates(&r, ss);
        section_crawl(&r, &t);
    }
    put(&r, "</main>\n<footer>Made by <code>malmoi report</code> from SQL aggregates over the database (every table "
            "and column: store/README.md); the page needs no network and no script.</footer>\n</body>\n</html>\n");
    free(ss);
    if (r.health)
        store_health_free(&health);
    if (own_txn)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    pipeline_progress_done(o->log);
    return r.rc;
}

mm_rc report_write(struct store *s, const struct report_options *o, const char *path, struct mm_err *err) {
    struct mm_buf b;
    mm_buf_init(&b, REPORT_PAGE_MAX);
    mm_rc rc = report_html(s, o, &b, err);
    if (rc == MM_OK)
        rc = mm_write_file_atomic(path, b.data, b.len, err);
    mm_buf_free(&b);
    return rc;
}
