/*
 * cmd_stats.c -- `malmoi stats --db FILE [--json]`: what the corpus holds.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "store.h"

static const char usage[] = "malmoi stats --db FILE [--json] [--sites N] [--runs N] [--config FILE]";

/* The newest run shown for each site is the one its warning speaks of. */
static int newest_for_site(const struct store_health *h, size_t i) {
    for (size_t j = 0; j < i; j++)
        if (strcmp(h->sites[j].o.site, h->sites[i].o.site) == 0)
            return 0;
    return 1;
}

static void put_health_json(struct mm_buf *b, const struct store_health *h, long max_age) {
    mm_buf_printf(b, ",\"feed_max_age\":%ld,\"run_sites\":[", max_age);
    for (size_t i = 0; i < h->n_sites; i++) {
        const struct store_health_site *x = &h->sites[i];
        mm_buf_printf(b, "%s{\"run\":%lld,\"site\":", i ? "," : "", (long long)x->run_id);
        mm_buf_json_string(b, x->o.site, strlen(x->o.site));
        mm_buf_printf(b,
                      ",\"pages\":%lld,\"rule\":%lld,\"rule_fallback\":%lld,\"embedded\":%lld,\"generic\":%lld,"
                      "\"empty\":%lld,\"other_pages\":%lld,\"fallback_warning\":%s}",
                      (long long)x->o.pages, (long long)x->o.rule, (long long)x->o.rule_fallback,
                      (long long)x->o.embedded, (long long)x->o.generic, (long long)x->o.empty,
                      (long long)x->o.other_pages, x->fallback_warn && newest_for_site(h, i) ? "true" : "false");
    }
    mm_buf_puts(b, "],\"feeds\":[");
    for (size_t i = 0; i < h->n_feeds; i++) {
        const struct store_health_feed *f = &h->feeds[i];
        mm_buf_puts(b, i ? ",{\"url\":" : "{\"url\":");
        mm_buf_json_string(b, f->url, strlen(f->url));
        mm_buf_puts(b, ",\"site\":");
        mm_buf_json_string(b, f->site, strlen(f->site));
        mm_buf_printf(b, ",\"kind\":\"%s\",\"items\":%lld,\"dated_items\":%lld,\"newest\":", f->kind,
                      (long long)f->items, (long long)f->dated_items);
        if (f->newest >= 0) {
            char iso[32];
            mm_format_utc(f->newest, iso);
            mm_buf_json_string(b, iso, strlen(iso));
        } else {
            mm_buf_puts(b, "null");
        }
        mm_buf_printf(b, ",\"newest_from_pages\":%s,\"stale\":%s}", f->newest_from_pages ? "true" : "false",
                      f->stale ? "true" : "false");
    }
    mm_buf_puts(b, "]");
}

static void print_health(const struct store_health *h, long max_age) {
    if (h->n_sites) {
        printf("\n%-6s %-20s %7s %7s %9s %9s %8s %6s %6s\n", "run", "site", "pages", "rule", "fallback", "embedded",
               "generic", "empty", "other");
        for (size_t i = 0; i < h->n_sites; i++) {
            const struct store_health_site *x = &h->sites[i];
            printf("%-6lld %-20s %7lld %7lld %9lld %9lld %8lld %6lld %6lld\n", (long long)x->run_id, x->o.site,
                   (long long)x->o.pages, (long long)x->o.rule, (long long)x->o.rule_fallback,
                   (long long)x->o.embedded, (long long)x->o.generic, (long long)x->o.empty,
                   (long long)x->o.other_pages);
        }
    }
    if (h->n_feeds) {
        printf("\n%-8s %-20s %6s %6s  %-20s %s\n", "kind", "site", "items", "dated", "newest item", "url");
        for (size_t i = 0; i < h->n_feeds; i++) {
            const struct store_health_feed *f = &h->feeds[i];
            char iso[32] = "-";
            if (f->newest >= 0)
                mm_format_utc(f->newest, iso);
            printf("%-8s %-20s %6lld %6lld  %-20s %s%s\n", f->kind, f->site, (long long)f->items,
                   (long long)f->dated_items, iso, f->url, f->newest_from_pages ? " (date from its articles)" : "");
        }
    }
    int header = 0;
    for (size_t i = 0; i < h->n_sites; i++) {
        const struct store_health_site *x = &h->sites[i];
        if (!x->fallback_warn || !newest_for_site(h, i))
            continue;
        if (!header++)
            printf("\n");
        printf("warning: site %s: its rule found no body on %.0f%% of its article pages in run %lld (%lld of %lld); "
               "the site's markup may have changed\n",
               x->o.site, 100.0 * (double)x->o.rule_fallback / (double)x->o.pages, (long long)x->run_id,
               (long long)x->o.rule_fallback, (long long)x->o.pages);
    }
    for (size_t i = 0; i < h->n_feeds; i++) {
        const struct store_health_feed *f = &h->feeds[i];
        if (!f->stale)
            continue;
        if (!header++)
            printf("\n");
        if (f->newest < 0 || f->items == 0) {
            printf("warning: feed %s (site %s) lists no items\n", f->url, *f->site ? f->site : "-");
        } else {
            char iso[32];
            mm_format_utc(f->newest, iso);
            printf("warning: feed %s (site %s): its newest item is from %s, more than %.1f days ago (feed_max_age "
                   "%ld s); the feed may have moved\n",
                   f->url, *f->site ? f->site : "-", iso, (double)max_age / 86400.0, max_age);
        }
    }
}

static void print_json(const char *db, const struct store_stats *st, const struct store_health *h, long max_age) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_puts(&b, "{\"database\":");
    mm_buf_json_string(&b, db, strlen(db));
    mm_buf_printf(&b,
                  ",\"documents\":%lld,\"rejected_documents\":%lld,\"text_bytes\":%lld,\"sentences\":%lld,"
                  "\"kept_sentences\":%lld,\"examples\":%lld,\"embeddings\":%lld,\"runs\":%lld,\"sites\":[",
                  (long long)st->documents, (long long)st->rejected_documents, (long long)st->text_bytes,
                  (long long)st->sentences, (long long)st->kept_sentences, (long long)st->examples,
                  (long long)st->embeddings, (long long)st->runs);
    for (size_t i = 0; i < st->n_sites; i++) {
        mm_buf_puts(&b, i ? ",{\"site\":" : "{\"site\":");
        mm_buf_json_string(&b, st->sites[i].site, strlen(st->sites[i].site));
        mm_buf_printf(&b, ",\"documents\":%lld,\"sentences\":%lld}", (long long)st->sites[i].documents,
                      (long long)st->sites[i].sentences);
    }
    mm_buf_puts(&b, "]");
    put_health_json(&b, h, max_age);
    mm_buf_puts(&b, "}\n");
    fputs(b.data, stdout);
    mm_buf_free(&b);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Print what the corpus database holds: documents (and how many the filters\n"
               "rejected), text bytes, sentences (and how many were kept), encoded examples,\n"
               "embeddings, runs, and the largest sites. Read-only; safe while a crawl runs.\n\n"
               "Rule health: for the last runs, each site's article pages by how they were\n"
               "extracted (its rule, its rule missed and another way was used, embedded data,\n"
               "the generic extractor on a site without a rule, no text), and every feed and\n"
               "sitemap with its newest item. A warning line names each site whose rule\n"
               "missed on more than a fifth of its article pages in its newest run, and each\n"
               "feed whose newest item is older than feed_max_age ([crawler], default 3 days).\n\n"
               "Options:\n"
               "  --db FILE       the corpus database\n"
               "  --json          one JSON object instead of text\n"
               "  --sites N       list at most N sites (default 20)\n"
               "  --runs N        rule health of the last N runs that extracted pages (default 3)\n"
               "  --config FILE   where feed_max_age is read (default: the usual config search)\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},   {"json", no_argument, NULL, 'j'},
        {"sites", required_argument, NULL, 's'}, {"runs", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'}, {0}};
    const char *db = NULL, *config = NULL;
    int json = 0;
    long max_sites = 20, runs = 3;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 's') {
            if (cli_parse_long("stats", usage, "--sites", optarg, 0, 100000, &max_sites) != 0)
                return CLI_EXIT_USAGE;
        } else if (c == 'r') {
            if (cli_parse_long("stats", usage, "--runs", optarg, 1, 1000, &runs) != 0)
                return CLI_EXIT_USAGE;
        } else if (c == 'c') {
            config = optarg;
        } else
            return cli_bad_option("stats", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("stats", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("stats", usage, "--db FILE is required");
    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc;
    if (pipeline_config_load(config, NULL, &pc, &err) != MM_OK)
        return cli_fail("stats", &err);
    long max_age = pc.crawl->feed_max_age_s;
    pipeline_config_free(&pc);
    struct store *s;
    struct store_stats st;
    struct store_health h;
    memset(&h, 0, sizeof h);
    if (store_open(db, STORE_READONLY, "stats", &s, &err) != MM_OK)
        return cli_fail("stats", &err);
    mm_rc rc = store_stats(s, (size_t)max_sites, &st, &err);
    /* a database from before schema version 4 has no health tables yet */
    if (rc == MM_OK && store_has_table(s, "run_sites"))
        rc = store_health_read(s, (size_t)runs, max_age, mm_now_unix_ms() / 1000, &h, &err);
    store_close(s);
    if (rc != MM_OK) {
        if (st.sites)
            store_stats_free(&st);
        return cli_fail("stats", &err);
    }
    if (json) {
        print_json(db, &st, &h, max_age);
    } else {
        printf("database    %s\n", db);
        printf("documents   %lld (%lld rejected by the filters)\n", (long long)st.documents, (long long)st.rejected_documents);
        printf("text        %.1f MB\n", (double)st.text_bytes / 1e6);
        printf("sentences   %lld (%lld kept)\n", (long long)st.sentences, (long long)st.kept_sentences);
        printf("examples    %lld\n", (long long)st.examples);
        printf("embeddings  %lld\n", (long long)st.embeddings);
        printf("runs        %lld\n", (long long)st.runs);
        if (st.n_sites) {
            printf("\n%-32s %10s %10s\n", "site", "documents", "sentences");
            for (size_t i = 0; i < st.n_sites; i++)
                printf("%-32s %10lld %10lld\n", st.sites[i].site, (long long)st.sites[i].documents,
                       (long long)st.sites[i].sentences);
        }
        print_health(&h, max_age);
    }
    store_health_free(&h);
    store_stats_free(&st);
    return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_stats = {"stats", 90, "print counts of documents, sentences, examples and sites", run};
