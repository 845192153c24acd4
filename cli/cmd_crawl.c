/*
 * cmd_crawl.c -- `malmoi crawl`: run the crawler (crawler/crawler.h) on a
 * database, with each fetched HTML page going through the extractor
 * (parser/parser.h) into `documents` -- the crawl step of `malmoi run`
 * alone. Cron-safe: the run lock makes an overlapping run exit 75;
 * SIGINT/SIGTERM stop it cleanly.
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"

static const char usage[] =
    "malmoi crawl --db FILE [--config FILE] [--seed URL]... [--max-pages N] [--max-seconds S]\n"
    "             [--max-depth N] [--delay MS] [--per-host N] [--user-agent S]\n"
    "             [--resolve HOST:PORT:ADDR]... [--warc DIR] [--threads N] [--no-extract]";

static void help(void) {
    printf("usage: %s\n\n"
           "Crawl the sites of the config (seeds, RSS/Atom feeds, sitemaps) or the given\n"
           "seeds, politely: robots.txt (RFC 9309) and Crawl-delay obeyed, one connection\n"
           "and one second between requests per host by default, Retry-After honoured,\n"
           "failing hosts parked. The frontier lives in the database, so a crawl killed at\n"
           "any moment resumes where it stopped; fetched HTML is extracted into documents\n"
           "and kept raw in responses. Feeds and sitemaps are revisited on their interval.\n"
           "'malmoi run' does this and then splits, encodes and embeds.\n\n"
           "Options:\n"
           "  --db FILE            the corpus database (created if missing)\n"
           "  --config FILE        settings (default: $MALMOI_CONFIG, else ./config/malmoi.ini, else\n"
           "                       the config installed with malmoi; the log names the file used)\n"
           CLI_CRAWL_HELP
           "  --threads N          threads extracting pages while one fetches and stores\n"
           "                       (default: one per core; 1: all on one thread; at most\n"
           "                       the number of cores, or 2, are started)\n"
           "  --no-extract         keep raw responses only (run 'malmoi reextract' later); links\n"
           "                       in pages are then not followed, feeds and sitemaps still are\n\n"
           "Exit status: 0 done (also when stopped by a limit or a signal, and when some\n"
           "hosts failed: the summary counts the errors), 1 failure (also when no host\n"
           "could be reached at all), 2 usage error, 75 another run holds the database.\n",
           usage);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"no-extract", no_argument, NULL, 'x'},
                                         CLI_CRAWL_LONG_OPTIONS,
                                         {0}};
    const char *db = NULL, *config = NULL;
    struct pipeline_crawl_opts co = PIPELINE_CRAWL_OPTS_INIT;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int handled = cli_crawl_option("crawl", usage, c, optarg, &co);
        if (handled < 0)
            return CLI_EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'd')
            db = optarg;
        else if (c == 'c')
            config = optarg;
        else if (c == 'x')
            co.no_extract = 1;
        else
            return cli_bad_option("crawl", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("crawl", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("crawl", usage, "--db FILE is required");

    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc = {0};
    struct store *s = NULL;
    int64_t run_id = 0;
    int status = CLI_EXIT_OK;
    /* The lock first: an overlapping cron run exits 75 with one line. */
    if (store_open(db, STORE_CREATE | STORE_LOCK, "crawl", &s, &err) != MM_OK ||
        pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK ||
        pipeline_crawl_prepare(&pc, &co, &err) != MM_OK || pipeline_store_search(s, &pc, &err) != MM_OK ||
        pipeline_run_begin(s, "crawl", argc, argv, &run_id, &err) != MM_OK) {
        status = cli_fail("crawl", &err);
        goto out;
    }
    static volatile int stop;
    cli_install_stop(&stop);
    struct pipeline_pages pages = {0};
    struct crawl_stats st;
    double t0 = mm_now_monotonic();
    mm_rc rc = pipeline_crawl(s, &pc, &co, run_id, &stop, &pages, &st, &err);
    char msg[512];
    snprintf(msg, sizeof msg,
             "%lld pages (%lld HTML, %lld not modified), %lld documents added or changed, %lld new URLs, "
             "%lld errors, %lld robots-denied, %lld hosts parked, %.1f MB in %.1f s%s",
             (long long)st.pages, (long long)st.html, (long long)st.not_modified, (long long)pages.documents,
             (long long)st.enqueued, (long long)st.errors, (long long)st.robots_denied, (long long)st.parked_hosts,
             st.bytes / 1e6, mm_now_monotonic() - t0, stop ? " (stopped by signal)" : "");
    status = cli_run_end(s, "crawl", run_id, rc, stop, &st, &pages, msg, &err);
    pipeline_pages_free(&pages);
out:
    store_close(s);
    pipeline_config_free(&pc);
    return status;
}

const struct cli_command cli_cmd_crawl = {"crawl", 40, "crawl the configured news sites and wikis politely", run};
