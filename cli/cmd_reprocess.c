/*
 * cmd_reprocess.c -- `malmoi reprocess` and `malmoi reextract`: redo the
 * later steps after an upgrade (a better extractor, new filters, another
 * tokenizer) from what the database already holds, without fetching.
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"

static const char usage[] = "malmoi reprocess --db FILE [--config FILE] [--from extract|split|encode] [--threads N]";

static void help(void) {
    printf("usage: %s\n\n"
           "Redo the pipeline from a step onwards, without fetching anything:\n"
           "  extract  run the extractor again over the stored raw responses (documents\n"
           "           whose text changes are replaced), then split and encode everything\n"
           "  split    normalise, filter, split and de-duplicate every document again\n"
           "           (its sentences, examples and embeddings are rebuilt), then encode\n"
           "  encode   encode every kept sentence again with the configured tokenizer\n"
           "Embeddings follow when [pipeline] embed_model is set.\n\n"
           "Options:\n"
           "  --db FILE        the corpus database\n"
           "  --config FILE    settings (default: $MALMOI_CONFIG, else ./config/malmoi.ini, else the\n"
           "                   config installed with malmoi; the log names the file used)\n"
           "  --from STEP      extract (default), split or encode\n"
           "  --threads N      threads for embeddings (default 1)\n\n"
           "'malmoi reextract' is 'malmoi reprocess --from extract'.\n",
           usage);
}

/* Put documents back so the later steps redo them. */
static mm_rc rewind_to(struct store *s, const char *step, const char *tok_id, struct mm_err *err) {
    const char *sql = strcmp(step, "encode") == 0
                          ? "DELETE FROM examples WHERE tokenizer = ?1;"
                            " UPDATE documents SET stage = 'split' WHERE stage = 'encoded'"
                          : "UPDATE documents SET stage = 'extracted' WHERE stage <> 'extracted'";
    mm_rc rc = store_begin(s, err);
    const char *tail = sql;
    while (rc == MM_OK && tail && *tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(s), tail, -1, &st, &tail) != SQLITE_OK) {
            rc = store_fail(s, "cannot prepare the reset", err);
            break;
        }
        if (st == NULL)
            break;
        if (sqlite3_bind_parameter_count(st) > 0)
            sqlite3_bind_text(st, 1, tok_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = store_fail(s, "cannot reset the documents' stage", err);
        sqlite3_finalize(st);
    }
    if (rc == MM_OK)
        rc = store_commit(s, err);
    if (rc != MM_OK)
        store_rollback(s);
    return rc;
}

static int reprocess(const char *cmd, const char *from, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"threads", required_argument, NULL, 'T'},
                                         {0}};
    const char *db = NULL, *config = NULL;
    long threads = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'c')
            config = optarg;
        else if (c == 'f' && strcmp(cmd, "reprocess") == 0)
            from = optarg;
        else if (c == 'T') {
            if (cli_parse_long(cmd, usage, "--threads", optarg, 1, 256, &threads))
                return CLI_EXIT_USAGE;
        } else
            return cli_bad_option(cmd, usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error(cmd, usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error(cmd, usage, "--db FILE is required");
    if (strcmp(from, "extract") && strcmp(from, "split") && strcmp(from, "encode"))
        return cli_usage_error(cmd, usage, "--from wants extract, split or encode, not '%s'", from);

    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc;
    if (pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK)
        return cli_fail(cmd, &err);
    struct tok_model *tok = NULL;
    struct store *s = NULL;
    int status = CLI_EXIT_OK;
    if (tok_open(pc.tokenizer, &tok, &err) != MM_OK || store_open(db, STORE_LOCK, cmd, &s, &err) != MM_OK ||
        pipeline_store_search(s, &pc, &err) != MM_OK) {
        status = cli_fail(cmd, &err);
        goto out;
    }
    static volatile int stop;
    cli_install_stop(&stop);
    double t0 = mm_now_monotonic();
    char tok_id[128];
    tok_key(tok, tok_id, sizeof tok_id);
    struct pipeline_pages pages = {.rules = pc.rules, .log = &pc.log};
    struct pipeline_counts counts = {0};
    int64_t n_pages = 0;
    mm_rc rc = MM_OK;
    if (strcmp(from, "extract") == 0) {
        rc = pipeline_reextract(s, &pages, &stop, &n_pages, &err);
        if (rc == MM_OK)
            cli_log("extract: %lld stored pages, %lld documents changed, %lld without article text, %lld errors",
                    (long long)n_pages, (long long)pages.documents, (long long)pages.empty, (long long)pages.errors);
    }
    pipeline_pages_free(&pages);
    if (rc == MM_OK && !stop)
        rc = rewind_to(s, strcmp(from, "encode") == 0 ? "encode" : "split", tok_id, &err);
    if (rc == MM_OK)
        rc = pipeline_process(s, &pc, tok, (int)threads, &stop, &counts, &err);
    if (rc != MM_OK)
        status = cli_fail(cmd, &err);
    else
        cli_log("%s: %lld pages re-extracted, %lld documents split (%lld rejected), %lld sentences, %lld examples, "
                "%lld embeddings in %.1f s%s",
                cmd, (long long)n_pages, (long long)counts.documents_split, (long long)counts.documents_rejected,
                (long long)counts.sentences, (long long)counts.examples, (long long)counts.embeddings,
                mm_now_monotonic() - t0, stop ? " (stopped by a signal; run it again to finish)" : "");
out:
    store_close(s);
    tok_close(tok);
    pipeline_config_free(&pc);
    return status;
}

static int run_reprocess(int argc, char **argv) { return reprocess("reprocess", "extract", argc, argv); }
int cli_reprocess_reextract(int argc, char **argv);
int cli_reprocess_reextract(int argc, char **argv) { return reprocess("reextract", "extract", argc, argv); }

const struct cli_command cli_cmd_reprocess = {"reprocess", 50, "redo extraction, splitting or encoding without fetching",
                                              run_reprocess};
