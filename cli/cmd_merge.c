/*
 * cmd_merge.c -- `malmoi merge --db TARGET SHARD.db...`: join shard
 * databases (Slurm array tasks, partitioned crawls) into one.
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"

static const char usage[] = "malmoi merge --db TARGET SHARD.db...";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Copy the documents of shard databases into TARGET (created if missing), with\n"
               "their sentences, examples, embeddings and reject reasons, and the shards'\n"
               "crawl frontier (URLs, hosts, raw responses). Shards are merged in the order\n"
               "given, each in one transaction, and de-duplicated against everything already in\n"
               "TARGET as one process importing their inputs in that order would:\n"
               "  - a document whose text TARGET already has is skipped, so merging a shard\n"
               "    twice adds nothing, and a merge killed at any point can simply be run again;\n"
               "  - a kept document whose MinHash bands meet a document in TARGET becomes its\n"
               "    near duplicate (stage 'rejected', reject_reason 'near_duplicate');\n"
               "  - of two texts of one page (URL), the one fetched later stays;\n"
               "  - a URL TARGET has queued but a shard fetched takes the shard's state, and\n"
               "    URLs a partitioned crawl left for other partitions join TARGET's queue.\n"
               "A shard of an older schema is upgraded first; one of a newer malmoi is refused.\n"
               "A shard still locked by a running import or crawl is refused (exit 75).\n"
               "A failing shard is reported and the others are still merged (exit 1).\n\n"
               "Options:\n"
               "  --db TARGET      the database to merge into\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'}, {0}};
    const char *db = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else
            return cli_bad_option("merge", usage, c, argv);
    }
    if (db == NULL)
        return cli_usage_error("merge", usage, "--db TARGET is required");
    if (optind == argc)
        return cli_usage_error("merge", usage, "name at least one SHARD.db to merge");

    struct mm_err err;
    mm_err_clear(&err);
    struct store *s;
    if (store_open(db, STORE_CREATE | STORE_LOCK, "merge", &s, &err) != MM_OK)
        return cli_fail("merge", &err);
    int64_t run_id = 0;
    if (pipeline_run_begin(s, "merge", argc, argv, &run_id, &err) != MM_OK) {
        store_close(s);
        return cli_fail("merge", &err);
    }
    volatile int stop = 0;
    cli_install_stop(&stop);
    struct pipeline_merge_counts sum = {0};
    int failed = 0, merged = 0, status = CLI_EXIT_OK;
    for (int i = optind; i < argc && !stop; i++) {
        struct pipeline_merge_counts n;
        struct mm_err ferr;
        mm_err_clear(&ferr);
        if (pipeline_merge_shard(s, argv[i], &cli_pipeline_log, &stop, &n, &ferr) != MM_OK) {
            int st = cli_fail("merge", &ferr);
            if (status == CLI_EXIT_OK)
                status = st;
            failed++;
            continue;
        }
        merged++;
        cli_log("%s: %lld documents added (%lld near duplicates, %lld replacing an older text of their URL), %lld "
                "already there, %lld older than the target's; %lld sentences, %lld examples, %lld embeddings, "
                "%lld new URLs",
                argv[i], (long long)n.documents, (long long)n.near_duplicates, (long long)n.replaced,
                (long long)n.present, (long long)n.outdated, (long long)n.sentences, (long long)n.examples, (long long)n.embeddings,
                (long long)n.urls);
        sum.documents += n.documents;
        sum.present += n.present;
        sum.near_duplicates += n.near_duplicates;
        sum.sentences += n.sentences;
        sum.examples += n.examples;
        sum.embeddings += n.embeddings;
        sum.urls += n.urls;
    }
    char summary[400], errors[64];
    snprintf(summary, sizeof summary,
             "merged %d of %d shards: %lld documents added (%lld near duplicates), %lld already there; %lld "
             "sentences, %lld examples, %lld embeddings, %lld new URLs",
             merged, argc - optind, (long long)sum.documents, (long long)sum.near_duplicates, (long long)sum.present,
             (long long)sum.sentences, (long long)sum.examples, (long long)sum.embeddings, (long long)sum.urls);
    snprintf(errors, sizeof errors, "{\"shard\":%d}", failed);
    struct store_run_counts counts = {.documents = sum.documents, .errors_json = failed ? errors : NULL};
    struct mm_err rerr;
    mm_err_clear(&rerr);
    if (store_run_end(s, run_id, stop ? "interrupted" : failed ? "failed" : "ok", &counts, summary, &rerr) != MM_OK &&
        status == CLI_EXIT_OK)
        status = cli_fail("merge", &rerr);
    store_close(s);
    fprintf(stderr, "malmoi merge: %s\n", summary);
    return stop && status == CLI_EXIT_OK ? CLI_EXIT_FAIL : status;
}

const struct cli_command cli_cmd_merge = {"merge", 13, "join shard databases (Slurm tasks, partitioned crawls) into one",
                                          run};
