/*
 * cmd_stats.c -- `malmoi stats --db FILE [--json]`: what the corpus holds.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"

static const char usage[] = "malmoi stats --db FILE [--json] [--sites N]";

static void print_json(const char *db, const struct store_stats *st) {
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
    mm_buf_puts(&b, "]}\n");
    fputs(b.data, stdout);
    mm_buf_free(&b);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Print what the corpus database holds: documents (and how many the filters\n"
               "rejected), text bytes, sentences (and how many were kept), encoded examples,\n"
               "embeddings, runs, and the largest sites. Read-only; safe while a crawl runs.\n\n"
               "Options:\n"
               "  --db FILE   the corpus database\n"
               "  --json      one JSON object instead of text\n"
               "  --sites N   list at most N sites (default 20)\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'}, {"sites", required_argument, NULL, 's'}, {0}};
    const char *db = NULL;
    int json = 0;
    long max_sites = 20;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 's') {
            if (cli_parse_long("stats", usage, "--sites", optarg, 0, 100000, &max_sites) != 0)
                return CLI_EXIT_USAGE;
        } else
            return cli_bad_option("stats", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("stats", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("stats", usage, "--db FILE is required");
    struct mm_err err;
    mm_err_clear(&err);
    struct store *s;
    struct store_stats st;
    if (store_open(db, STORE_READONLY, "stats", &s, &err) != MM_OK)
        return cli_fail("stats", &err);
    mm_rc rc = store_stats(s, (size_t)max_sites, &st, &err);
    store_close(s);
    if (rc != MM_OK)
        return cli_fail("stats", &err);
    if (json) {
        print_json(db, &st);
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
    }
    store_stats_free(&st);
    return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_stats = {"stats", 90, "print counts of documents, sentences, examples and sites", run};
