/*
 * cli_pipeline.c -- the crawl options, the pipeline's log callbacks and
 * the closing of a run, shared by the commands.
 */
#include "cli_pipeline.h"

static void print_line(void *ctx, const char *msg) {
    (void)ctx;
    cli_log("%s", msg);
}

static void print_progress(void *ctx, const char *msg) {
    (void)ctx;
    if (msg)
        cli_progress("%s", msg);
    else
        cli_progress_done();
}

const struct pipeline_log cli_pipeline_log = {.line = print_line, .progress = print_progress, .ctx = NULL};

int cli_crawl_option(const char *cmd, const char *usage, int c, const char *arg, struct pipeline_crawl_opts *o) {
    switch (c) {
    case CLI_OPT_SEED:
        if (o->n_seeds == PIPELINE_MAX_LIST) {
            cli_usage_error(cmd, usage, "at most %d --seed options", PIPELINE_MAX_LIST);
            return -1;
        }
        o->seeds[o->n_seeds++] = arg;
        return 1;
    case CLI_OPT_RESOLVE:
        if (o->n_resolve == PIPELINE_MAX_LIST) {
            cli_usage_error(cmd, usage, "at most %d --resolve options", PIPELINE_MAX_LIST);
            return -1;
        }
        o->resolve[o->n_resolve++] = arg;
        return 1;
    case CLI_OPT_USER_AGENT:
        if (*arg == '\0') {
            cli_usage_error(cmd, usage, "--user-agent must not be empty");
            return -1;
        }
        o->user_agent = arg;
        return 1;
    case CLI_OPT_MAX_PAGES:
        return cli_parse_long(cmd, usage, "--max-pages", arg, 1, 1000000000L, &o->max_pages) ? -1 : 1;
    case CLI_OPT_MAX_DEPTH:
        return cli_parse_long(cmd, usage, "--max-depth", arg, 0, 1000, &o->max_depth) ? -1 : 1;
    case CLI_OPT_MAX_SECONDS:
        return cli_parse_double(cmd, usage, "--max-seconds", arg, 0.001, 1e9, &o->max_seconds) ? -1 : 1;
    case CLI_OPT_DELAY:
        return cli_parse_long(cmd, usage, "--delay", arg, 0, 600000, &o->delay_ms) ? -1 : 1;
    case CLI_OPT_PER_HOST:
        return cli_parse_long(cmd, usage, "--per-host", arg, 1, 64, &o->per_host) ? -1 : 1;
    case CLI_OPT_WARC:
        o->warc_dir = arg;
        return 1;
    case CLI_OPT_THREADS:
        return cli_parse_long(cmd, usage, "--threads", arg, 1, 256, &o->threads) ? -1 : 1;
    }
    return 0;
}

int cli_run_end(struct store *s, const char *command, int64_t run_id, mm_rc rc, int stopped,
                const struct crawl_stats *st, const struct pipeline_pages *pages, const char *msg,
                const struct mm_err *err) {
    struct mm_err end_err;
    mm_err_clear(&end_err);
    pipeline_run_end(s, run_id, rc, stopped, st, pages, msg, err, &end_err);
    if (rc != MM_OK)
        return cli_fail(command, err);
    if (end_err.code != MM_OK)
        return cli_fail(command, &end_err);
    cli_log("%s: %s", command, msg);
    return CLI_EXIT_OK;
}
