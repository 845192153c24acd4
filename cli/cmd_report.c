/*
 * cmd_report.c -- `malmoi report --db FILE --out report.html [--days N]`:
 * the corpus as one self-contained HTML page with charts (pipeline/report.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "report.h"

static const char usage[] = "malmoi report --db FILE --out FILE [--days N] [--config FILE]";

static void help(void) {
    printf("usage: %s\n\n"
           "Write the corpus as one HTML page that opens anywhere, with no network and no\n"
           "script: totals; documents added per day by site; a table of sites (documents,\n"
           "sentences, tokens, reject and duplicate rates, extraction by site rule,\n"
           "embedded data or the generic extractor, and the last run's rule health); why\n"
           "text was rejected, with an example per reason; sentence lengths in characters\n"
           "and in tokens with the 128 and 512 limits; the [UNK] rate per site and the\n"
           "characters that become [UNK]; near-duplicates; and crawl health (runs, errors,\n"
           "HTTP status per host, feeds whose newest item is old). Every figure is an SQL\n"
           "aggregate: memory stays flat however large the corpus. Read-only; safe while a\n"
           "crawl runs. The file is written to a temporary name and renamed, so a browser\n"
           "never sees half a page.\n\n"
           "Options:\n"
           "  --db FILE       the corpus database\n"
           "  --out FILE      the HTML file to write (replaced)\n"
           "  --days N        days shown in the growth chart (default %d)\n"
           "  --config FILE   settings: the tokenizer whose examples are shown, and\n"
           "                  [crawler] feed_max_age (older feeds are marked)\n"
           "                  (default: $MALMOI_CONFIG, else config/malmoi.ini)\n\n"
           "`malmoi run --report FILE` (or [pipeline] report = FILE) rewrites the page at\n"
           "the end of every run.\n",
           usage, REPORT_DAYS_DEFAULT);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"days", required_argument, NULL, 'n'},
                                         {"config", required_argument, NULL, 'c'},
                                         {0}};
    const char *db = NULL, *out = NULL, *config = NULL;
    long days = REPORT_DAYS_DEFAULT;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'o')
            out = optarg;
        else if (c == 'c')
            config = optarg;
        else if (c == 'n') {
            if (cli_parse_long("report", usage, "--days", optarg, 1, REPORT_DAYS_MAX, &days))
                return CLI_EXIT_USAGE;
        } else
            return cli_bad_option("report", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("report", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("report", usage, "--db FILE is required");
    if (out == NULL)
        return cli_usage_error("report", usage, "--out FILE is required");

    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc;
    if (pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK)
        return cli_fail("report", &err);
    struct tok_model *tok = NULL;
    struct store *s = NULL;
    int status = CLI_EXIT_OK;
    double t0 = mm_now_monotonic();
    if (tok_open(pc.tokenizer, &tok, &err) != MM_OK || store_open(db, STORE_READONLY, "report", &s, &err) != MM_OK) {
        status = cli_fail("report", &err);
        goto done;
    }
    struct report_options o = {.days = days, .tok = tok, .db_label = db,
                                  .feed_max_age_s = pc.crawl->feed_max_age_s, .log = &cli_pipeline_log};
    if (report_write(s, &o, out, &err) != MM_OK) {
        status = cli_fail("report", &err);
        goto done;
    }
    cli_log("report: wrote %s in %.1f s", out, mm_now_monotonic() - t0);
done:
    store_close(s);
    tok_close(tok);
    pipeline_config_free(&pc);
    return status;
}

const struct cli_command cli_cmd_report = {"report", 95, "write the corpus as an HTML page with charts", run};
