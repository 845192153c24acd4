/*
 * cmd_run.c -- `malmoi run`: the job users run from cron. Crawl (bounded),
 * extract, split and filter, encode with the configured tokenizer, and
 * embed when a model is configured. Every step keeps its state in the
 * database, so a killed run resumes and a second run only does new work.
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "report.h"

static const char usage[] =
    "malmoi run --db FILE [--config FILE] [--no-crawl] [--threads N] [--report FILE] [--seed URL]...\n"
    "           [--max-pages N] [--max-seconds S] [--max-depth N] [--delay MS] [--per-host N] [--user-agent S]\n"
    "           [--resolve HOST:PORT:ADDR]... [--warc DIR]";

static void help(void) {
    printf("usage: %s\n\n"
           "Run the whole pipeline once: crawl the configured sites (politely, bounded by\n"
           "--max-pages/--max-seconds), extract the article text of new and changed pages,\n"
           "split it into sentences with the quality filters and de-duplication, encode the\n"
           "kept sentences with the configured tokenizer (KoBERT by default) into examples,\n"
           "and compute embeddings when [pipeline] embed_model names a model folder.\n"
           "Each step picks up where the last run stopped; a second run only does new work.\n"
           "SIGINT/SIGTERM stop it cleanly; an overlapping run exits 75 (cron-safe).\n\n"
           "Options:\n"
           "  --db FILE            the corpus database (created if missing)\n"
           "  --config FILE        settings (default: $MALMOI_CONFIG, else ./config/malmoi.ini, else\n"
           "                       the config installed with malmoi; the log names the file used)\n"
           "  --no-crawl           only process what is already in the database\n"
           "  --threads N          threads for extraction (default: one per core, at most the\n"
           "                       number of cores or 2) and for embeddings (default 1)\n"
           "  --report FILE        at the end, rewrite this HTML report of the corpus (as\n"
           "                       `malmoi report`; default: [pipeline] report, else none)\n"
           CLI_CRAWL_HELP
           "\nExit status: 0 done (also when stopped by a limit or a signal, and when some\n"
           "hosts failed: the summary counts the errors), 1 failure (also when the crawl\n"
           "reached no host at all), 2 usage error, 75 another run holds the database.\n",
           usage);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"no-crawl", no_argument, NULL, 'n'},
                                         {"report", required_argument, NULL, 'R'},
                                         CLI_CRAWL_LONG_OPTIONS,
                                         {0}};
    const char *db = NULL, *config = NULL, *report = NULL;
    int no_crawl = 0;
    struct pipeline_crawl_opts co = PIPELINE_CRAWL_OPTS_INIT;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int handled = cli_crawl_option("run", usage, c, optarg, &co);
        if (handled < 0)
            return CLI_EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'd')
            db = optarg;
        else if (c == 'c')
            config = optarg;
        else if (c == 'n')
            no_crawl = 1;
        else if (c == 'R')
            report = optarg;
        else
            return cli_bad_option("run", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("run", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("run", usage, "--db FILE is required");

    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc = {0};
    struct tok_model *tok = NULL;
    struct store *s = NULL;
    int status = CLI_EXIT_OK;
    /* The lock first: an overlapping cron run exits 75 with one line. */
    if (store_open(db, STORE_CREATE | STORE_LOCK, "run", &s, &err) != MM_OK ||
        pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK ||
        (!no_crawl && pipeline_crawl_prepare(&pc, &co, &err) != MM_OK) || tok_open(pc.tokenizer, &tok, &err) != MM_OK ||
        pipeline_store_search(s, &pc, &err) != MM_OK) {
        status = cli_fail("run", &err);
        goto out;
    }
    int64_t run_id = 0;
    mm_rc rc = pipeline_run_begin(s, "run", argc, argv, &run_id, &err);
    if (rc != MM_OK) {
        status = cli_fail("run", &err);
        goto out;
    }
    static volatile int stop;
    cli_install_stop(&stop);
    double t0 = mm_now_monotonic();
    struct crawl_stats st;
    memset(&st, 0, sizeof st);
    struct pipeline_pages pages = {0};
    struct pipeline_counts counts = {0};
    if (!no_crawl) {
        rc = pipeline_crawl(s, &pc, &co, run_id, &stop, &pages, &st, &err);
        if (rc == MM_OK)
            cli_log("crawl: %lld pages (%lld HTML, %lld not modified), %lld documents added or changed, "
                    "%lld errors, %.1f MB",
                    (long long)st.pages, (long long)st.html, (long long)st.not_modified, (long long)pages.documents,
                    (long long)st.errors, st.bytes / 1e6);
    }
    if (rc == MM_OK)
        rc = pipeline_process(s, &pc, tok, co.threads > 0 ? (int)co.threads : 1, &stop, &counts, &err);
    char msg[512];
    snprintf(msg, sizeof msg,
             "%lld pages fetched (%lld fetch errors), %lld documents added or changed, %lld split (%lld rejected), "
             "%lld sentences, %lld examples, %lld embeddings in %.1f s%s",
             (long long)st.pages, (long long)st.errors, (long long)pages.documents, (long long)counts.documents_split,
             (long long)counts.documents_rejected, (long long)counts.sentences, (long long)counts.examples,
             (long long)counts.embeddings, mm_now_monotonic() - t0, stop ? " (stopped by a signal)" : "");
    status = cli_run_end(s, "run", run_id, rc, stop, &st, &pages, msg, &err);
    pipeline_pages_free(&pages);
    if (report == NULL)
        report = pc.report;
    if (status == CLI_EXIT_OK && report && !stop) {
        /* After the run's row is closed, so the page shows this run too. */
        struct report_options ro = {.days = REPORT_DAYS_DEFAULT, .tok = tok, .db_label = db,
                                  .feed_max_age_s = pc.crawl->feed_max_age_s, .log = &cli_pipeline_log};
        mm_err_clear(&err);
        if (report_write(s, &ro, report, &err) != MM_OK) /* quiet when it works: the summary stays last */
            status = cli_fail("run", &err);
    }
out:
    store_close(s);
    tok_close(tok);
    pipeline_config_free(&pc);
    return status;
}

const struct cli_command cli_cmd_run = {"run", 5, "the cron job: crawl, extract, split, encode (and embed) new pages", run};
