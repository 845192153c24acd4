/*
 * cli_pipeline.h -- what the commands share around pipeline/: the crawl
 * options of `crawl` and `run`, the log callbacks that print the
 * pipeline's lines, and closing a run with its summary and exit status.
 */
#ifndef MALMOI_CLI_PIPELINE_H
#define MALMOI_CLI_PIPELINE_H

#include "cli.h"
#include "pipeline.h"

/* Log lines and progress of the pipeline, printed by cli_log/cli_progress. */
extern const struct pipeline_log cli_pipeline_log;

/* getopt_long values of the crawl options, and their table entries. */
enum {
    CLI_OPT_SEED = 1000, CLI_OPT_RESOLVE, CLI_OPT_USER_AGENT, CLI_OPT_MAX_PAGES,
    CLI_OPT_MAX_SECONDS, CLI_OPT_DELAY, CLI_OPT_PER_HOST, CLI_OPT_WARC, CLI_OPT_THREADS, CLI_OPT_MAX_DEPTH,
};
#define CLI_CRAWL_LONG_OPTIONS                                                                           \
    {"seed", required_argument, NULL, CLI_OPT_SEED},                                                     \
        {"resolve", required_argument, NULL, CLI_OPT_RESOLVE},                                           \
        {"user-agent", required_argument, NULL, CLI_OPT_USER_AGENT},                                     \
        {"max-pages", required_argument, NULL, CLI_OPT_MAX_PAGES},                                       \
        {"max-seconds", required_argument, NULL, CLI_OPT_MAX_SECONDS},                                   \
        {"delay", required_argument, NULL, CLI_OPT_DELAY},                                               \
        {"per-host", required_argument, NULL, CLI_OPT_PER_HOST},                                         \
        {"warc", required_argument, NULL, CLI_OPT_WARC},                                                 \
        {"threads", required_argument, NULL, CLI_OPT_THREADS},                                           \
        {"max-depth", required_argument, NULL, CLI_OPT_MAX_DEPTH}
/* The crawl options' help lines. */
#define CLI_CRAWL_HELP                                                                              \
    "  --seed URL           crawl from this URL (repeatable); with seeds, the config's\n"                \
    "                       own seeds, feeds and sitemaps are not added this run\n"                      \
    "  --max-pages N        stop crawling after N responses\n"                                           \
    "  --max-seconds S      stop crawling after S seconds\n"                                             \
    "  --max-depth N        follow links at most N hops from a seed, feed or sitemap (0: the\n"          \
    "                       seeds only; wget's -l); default: the config's max_depth, which is\n"         \
    "                       3 in [crawler] and 1 or 2 for most shipped news sites\n"                     \
    "  --delay MS           milliseconds between requests to one host (default 1000)\n"                  \
    "  --per-host N         connections per host (default 1)\n"                                          \
    "  --user-agent S       the User-Agent header, with a contact ('mybot/1.0 (+https://…)');\n"        \
    "                       needed unless the config sets user_agent and contact\n"                      \
    "  --resolve H:P:A      connect to address A for host H port P (repeatable)\n"                      \
    "  --warc DIR           also write every response to WARC 1.1 files in DIR\n"                        \
    "                       (malmoi-RUN-NNNNN.warc.gz, one gzip member per record)\n"

/* Handle getopt_long value `c` if it is a crawl option: 1 = handled,
 * 0 = not a crawl option, -1 = bad value (a usage error was printed). */
int cli_crawl_option(const char *cmd, const char *usage, int c, const char *arg, struct pipeline_crawl_opts *o);

/* Close the run's row (pipeline_run_end), then report: the error, or
 * "CMD: MSG" as the closing log line. Returns the exit status. */
int cli_run_end(struct store *s, const char *command, int64_t run_id, mm_rc rc, int stopped,
                const struct crawl_stats *st, const struct pipeline_pages *pages, const char *msg,
                const struct mm_err *err);

#endif
