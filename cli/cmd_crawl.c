/*
 * cmd_crawl.c -- `malmoi crawl`: run the crawler (crawler/crawler.h) on a
 * database, with each fetched HTML page going through the extractor
 * (parser/parser.h) into `documents`. Cron-safe: the run lock makes an
 * overlapping run exit 75; SIGINT/SIGTERM stop it cleanly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crawler.h"
#include "parser.h"
#include "store.h"

static const char usage[] =
    "malmoi crawl --db FILE [--config FILE] [--seed URL]... [--max-pages N] [--max-seconds S]\n"
    "             [--delay MS] [--per-host N] [--user-agent S] [--resolve HOST:PORT:ADDR]... [--no-extract]\n"
    "             [--warc DIR]";

#define MAX_LIST 256

struct handler_ctx {
    const struct parse_rules *rules;
};

/* The page handler: extract, store the document, report the links. */
static mm_rc on_page(void *vctx, struct store *s, const struct crawl_page *pg, struct crawl_found *found,
                     struct mm_err *err) {
    struct handler_ctx *ctx = vctx;
    struct parse_result *r = NULL;
    mm_rc rc = parse_extract(ctx->rules, pg->final_url, pg->content_type, pg->body, pg->body_len, &r, err);
    if (rc != MM_OK)
        return rc;
    for (size_t i = 0; i < r->n_links; i++) {
        enum crawl_kind k = r->links[i].kind == PARSE_LINK_FEED      ? CRAWL_KIND_FEED
                            : r->links[i].kind == PARSE_LINK_SITEMAP ? CRAWL_KIND_SITEMAP
                                                                     : CRAWL_KIND_PAGE;
        if ((rc = crawl_found_link(found, r->links[i].url, k, r->links[i].nofollow)) != MM_OK) {
            parse_result_free(r);
            return mm_err_set(err, rc, "out of memory");
        }
    }
    if (r->text[0] != '\0') {
        struct mm_buf authors;
        mm_buf_init(&authors, 0);
        mm_buf_putc(&authors, '[');
        for (size_t i = 0; i < r->n_authors; i++) {
            if (i)
                mm_buf_putc(&authors, ',');
            mm_buf_json_string(&authors, r->authors[i], strlen(r->authors[i]));
        }
        mm_buf_putc(&authors, ']');
        char fetched[32];
        mm_format_utc(mm_now_unix_ms() / 1000, fetched);
        struct store_document d = {
            .url = pg->url,
            .canonical_url = r->canonical_url[0] ? r->canonical_url : NULL,
            .site = pg->site ? pg->site : (r->site[0] ? r->site : NULL),
            .title = r->title[0] ? r->title : NULL,
            .authors_json = authors.data,
            .description = r->description[0] ? r->description : NULL,
            .published = r->published[0] ? r->published : NULL,
            .modified = r->modified[0] ? r->modified : NULL,
            .fetched = fetched,
            .lang = r->lang[0] ? r->lang : NULL,
            .text = r->text,
            .text_len = strlen(r->text),
            .source = "crawl",
            .extract_method = parse_method_name(r->method),
            .replacement_chars = (int64_t)r->replacement_chars,
        };
        int64_t id = 0;
        int inserted = 0;
        rc = store_document_put(s, &d, &id, &inserted, err);
        mm_buf_free(&authors);
        if (rc == MM_OK && id > 0)
            crawl_found_document(found, id);
    }
    parse_result_free(r);
    return rc;
}

static void progress(void *ctx, const struct crawl_stats *st) {
    (void)ctx;
    cli_progress("%lld pages, %lld documents, %lld queued, %d in flight, %lld errors, %.1f MB",
                 (long long)st->pages, (long long)st->documents, (long long)st->queued, st->in_flight,
                 (long long)st->errors, st->bytes / 1e6);
}

static void report_host(void *ctx, const char *host, const char *why) {
    (void)ctx;
    cli_log("crawl: %s: %s", host, why);
}

static void help(void) {
    printf("usage: %s\n\n"
           "Crawl the sites of the config (seeds, RSS/Atom feeds, sitemaps) or the given\n"
           "seeds, politely: robots.txt (RFC 9309) and Crawl-delay obeyed, one connection\n"
           "and one second between requests per host by default, Retry-After honoured,\n"
           "failing hosts parked. The frontier lives in the database, so a crawl killed at\n"
           "any moment resumes where it stopped; fetched HTML is extracted into documents\n"
           "and kept raw in responses. Feeds and sitemaps are revisited on their interval.\n\n"
           "Options:\n"
           "  --db FILE            the corpus database (created if missing)\n"
           "  --config FILE        crawler and site settings (default: $MALMOI_CONFIG, else\n"
           "                       config/malmoi.ini when it exists)\n"
           "  --seed URL           crawl from this URL (repeatable); with seeds, the config's\n"
           "                       own seeds, feeds and sitemaps are not added this run\n"
           "  --max-pages N        stop after N responses\n"
           "  --max-seconds S      stop after S seconds\n"
           "  --delay MS           milliseconds between requests to one host (default 1000)\n"
           "  --per-host N         connections per host (default 1)\n"
           "  --user-agent S       the User-Agent header; needed unless the config sets\n"
           "                       user_agent and contact in [crawler]\n"
           "  --resolve H:P:A      connect to address A for host H port P (repeatable)\n"
           "  --warc DIR           also write every response to WARC 1.1 files in DIR\n"
           "                       (malmoi-RUN-NNNNN.warc.gz, one gzip member per record)\n"
           "  --no-extract         keep raw responses only (run 'malmoi reextract' later); links\n"
           "                       in pages are then not followed, feeds and sitemaps still are\n\n"
           "Exit status: 0 done (or stopped by a limit or a signal), 1 failure, 2 usage\n"
           "error, 75 another run holds the database.\n",
           usage);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"max-pages", required_argument, NULL, 'p'},
                                         {"max-seconds", required_argument, NULL, 't'},
                                         {"delay", required_argument, NULL, 'D'},
                                         {"per-host", required_argument, NULL, 'P'},
                                         {"user-agent", required_argument, NULL, 'u'},
                                         {"resolve", required_argument, NULL, 'r'},
                                         {"no-extract", no_argument, NULL, 'x'},
                                         {"warc", required_argument, NULL, 'w'},
                                         {0}};
    const char *db = NULL, *config = NULL, *ua = NULL, *warc = NULL;
    const char *seeds[MAX_LIST], *resolve[MAX_LIST];
    size_t n_seeds = 0, n_resolve = 0;
    long max_pages = 0, delay = -1, per_host = -1;
    double max_seconds = 0;
    int no_extract = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config = optarg; break;
        case 'u': ua = optarg; break;
        case 'x': no_extract = 1; break;
        case 'w': warc = optarg; break;
        case 's':
            if (n_seeds == MAX_LIST)
                return cli_usage_error("crawl", usage, "at most %d --seed options", MAX_LIST);
            seeds[n_seeds++] = optarg;
            break;
        case 'r':
            if (n_resolve == MAX_LIST)
                return cli_usage_error("crawl", usage, "at most %d --resolve options", MAX_LIST);
            resolve[n_resolve++] = optarg;
            break;
        case 'p':
            if (cli_parse_long("crawl", usage, "--max-pages", optarg, 1, 1000000000L, &max_pages))
                return CLI_EXIT_USAGE;
            break;
        case 't':
            if (cli_parse_double("crawl", usage, "--max-seconds", optarg, 0.001, 1e9, &max_seconds))
                return CLI_EXIT_USAGE;
            break;
        case 'D':
            if (cli_parse_long("crawl", usage, "--delay", optarg, 0, 600000, &delay))
                return CLI_EXIT_USAGE;
            break;
        case 'P':
            if (cli_parse_long("crawl", usage, "--per-host", optarg, 1, 64, &per_host))
                return CLI_EXIT_USAGE;
            break;
        default: return cli_bad_option("crawl", usage, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("crawl", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("crawl", usage, "--db FILE is required");
    if (ua && *ua == '\0')
        return cli_usage_error("crawl", usage, "--user-agent must not be empty");

    struct mm_err err;
    mm_err_clear(&err);
    if (!config)
        config = getenv("MALMOI_CONFIG");
    if (!config && access("config/malmoi.ini", R_OK) == 0)
        config = "config/malmoi.ini";
    struct mm_conf *conf = NULL;
    struct crawl_config *cfg = NULL;
    struct parse_rules *rules = NULL;
    const char *placeholder = NULL;
    int status = CLI_EXIT_OK;
    if (config && *config) {
        if (mm_conf_load(config, &conf, &err) != MM_OK || crawl_config_load(conf, &cfg, &placeholder, &err) != MM_OK ||
            parse_rules_load(conf, &rules, &err) != MM_OK) {
            status = cli_fail("crawl", &err);
            goto out;
        }
    } else if (crawl_config_default(&cfg, &err) != MM_OK) {
        status = cli_fail("crawl", &err);
        goto out;
    }
    if (ua) {
        if (crawl_config_set_agent(cfg, ua, &err) != MM_OK) {
            status = cli_fail("crawl", &err);
            goto out;
        }
    } else if (cfg->user_agent == NULL) {
        if (placeholder)
            mm_err_set(&err, MM_EINVAL,
                       "%s: set '%s' in [crawler] to a real value (a URL or e-mail where site owners can reach "
                       "you), or pass --user-agent 'NAME/VERSION (+CONTACT)'",
                       config, placeholder);
        else
            mm_err_set(&err, MM_EINVAL,
                       "no user agent: pass --user-agent 'NAME/VERSION (+CONTACT)' or give a config with "
                       "user_agent and contact in [crawler]");
        status = cli_fail("crawl", &err);
        goto out;
    }
    if (delay >= 0)
        cfg->delay_ms = delay;
    if (per_host > 0)
        cfg->per_host = per_host;
    for (size_t i = 0; delay >= 0 && i < cfg->n_sites; i++)
        cfg->sites[i].delay_ms = -1; /* the command line wins over the site too */
    for (size_t i = 0; per_host > 0 && i < cfg->n_sites; i++)
        cfg->sites[i].per_host = -1;

    struct store *s = NULL;
    if (store_open(db, STORE_CREATE | STORE_LOCK, "crawl", &s, &err) != MM_OK) {
        status = cli_fail("crawl", &err);
        goto out;
    }
    struct mm_buf args;
    mm_buf_init(&args, 1 << 16);
    for (int i = 1; i < argc; i++)
        mm_buf_printf(&args, "%s%s", i > 1 ? " " : "", argv[i]);
    int64_t run_id = 0;
    if (store_run_begin(s, "crawl", args.data ? args.data : "", &run_id, &err) != MM_OK) {
        mm_buf_free(&args);
        store_close(s);
        status = cli_fail("crawl", &err);
        goto out;
    }
    mm_buf_free(&args);
    static volatile int stop;
    cli_install_stop(&stop);
    struct handler_ctx hctx = {.rules = rules};
    struct crawl_run_opts o = {.run_id = run_id,
                               .seeds = seeds,
                               .n_seeds = n_seeds,
                               .config_seeds = n_seeds == 0,
                               .resolve = resolve,
                               .n_resolve = n_resolve,
                               .max_pages = max_pages,
                               .max_seconds = max_seconds,
                               .stop = &stop,
                               .on_page = no_extract ? NULL : on_page,
                               .warc_dir = warc,
                               .ctx = &hctx,
                               .progress = progress};
    struct crawl_stats st;
    double t0 = mm_now_monotonic();
    mm_rc rc = crawl_run(s, cfg, &o, &st, &err);
    double secs = mm_now_monotonic() - t0;
    cli_progress_done();
    char msg[512];
    snprintf(msg, sizeof msg,
             "%lld pages (%lld HTML, %lld not modified), %lld documents, %lld new URLs, %lld errors, "
             "%lld robots-denied, %lld hosts parked, %.1f MB in %.1f s%s",
             (long long)st.pages, (long long)st.html, (long long)st.not_modified, (long long)st.documents,
             (long long)st.enqueued, (long long)st.errors, (long long)st.robots_denied,
             (long long)st.parked_hosts, st.bytes / 1e6, secs, stop ? " (stopped by signal)" : "");
    char *errors = crawl_stats_errors_json(&st);
    struct store_run_counts counts = {.pages = st.pages, .bytes = st.bytes, .documents = st.documents,
                                      .errors_json = errors};
    struct mm_err e2;
    mm_err_clear(&e2);
    store_run_end(s, run_id, rc != MM_OK ? "failed" : stop ? "interrupted" : "ok", &counts,
                  rc != MM_OK ? err.msg : msg, &e2);
    free(errors);
    if (rc != MM_OK) {
        status = cli_fail("crawl", &err);
    } else {
        cli_log("crawl: %s", msg);
        if (e2.code != MM_OK)
            status = cli_fail("crawl", &e2);
        struct mm_err e3;
        mm_err_clear(&e3);
        crawl_blocked_hosts(s, report_host, NULL, &e3); /* a report only: its failure is not the run's */
    }
    store_close(s);
out:
    parse_rules_free(rules);
    crawl_config_free(cfg);
    mm_conf_free(conf);
    return status;
}

const struct cli_command cli_cmd_crawl = {"crawl", 40, "crawl the configured news sites and wikis politely", run};
