/*
 * cmd_extract.c -- `malmoi extract`: article text and metadata of one saved
 * page, for checking site rules and the extractor by hand (parser/parser.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "parser.h"

static const char USAGE[] =
    "malmoi extract [--url URL] [--content-type CT] [--format text|json]\n"
    "                      [--config FILE] FILE|-";

static const char HELP[] =
    "Extract the article text and metadata of one saved HTML page.\n"
    "\n"
    "Options:\n"
    "  --url URL            the page's URL: picks the site rule, resolves links\n"
    "  --content-type CT    the HTTP Content-Type header (its charset wins over <meta>)\n"
    "  --format text|json   text (default): the paragraphs, one per line;\n"
    "                       json: url, canonical_url, title, published, modified,\n"
    "                       authors, site, lang, description, text, method, rule,\n"
    "                       rule_fallback, embedded, charset, replacement_chars, links\n"
    "  --config FILE        config with [site NAME] rules (default: $MALMOI_CONFIG,\n"
    "                       else config/malmoi.ini when it exists; none: no site rules)\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 ok, 1 the page could not be read or parsed, 2 usage error.\n";

static void put_str(struct mm_buf *b, const char *key, const char *v, int comma) {
    mm_buf_printf(b, "\"%s\":", key);
    mm_buf_json_string(b, v ? v : "", v ? strlen(v) : 0);
    if (comma) mm_buf_putc(b, ',');
}

static int print_json(const struct parse_result *r) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_putc(&b, '{');
    put_str(&b, "url", r->url, 1);
    put_str(&b, "canonical_url", r->canonical_url, 1);
    put_str(&b, "title", r->title, 1);
    put_str(&b, "published", r->published, 1);
    put_str(&b, "modified", r->modified, 1);
    mm_buf_puts(&b, "\"authors\":[");
    for (size_t i = 0; i < r->n_authors; i++) {
        if (i) mm_buf_putc(&b, ',');
        mm_buf_json_string(&b, r->authors[i], strlen(r->authors[i]));
    }
    mm_buf_puts(&b, "],");
    put_str(&b, "site", r->site, 1);
    put_str(&b, "lang", r->lang, 1);
    put_str(&b, "description", r->description, 1);
    put_str(&b, "text", r->text, 1);
    put_str(&b, "method", parse_method_name(r->method), 1);
    put_str(&b, "rule", r->rule, 1);
    mm_buf_printf(&b, "\"rule_fallback\":%s,", r->rule_fallback ? "true" : "false");
    put_str(&b, "embedded", r->embedded_kind, 1);
    put_str(&b, "charset", r->charset, 1);
    mm_buf_printf(&b, "\"replacement_chars\":%zu,\"links\":[", r->replacement_chars);
    static const char *const KIND[] = {"a", "feed", "sitemap"};
    for (size_t i = 0; i < r->n_links; i++) {
        if (i) mm_buf_putc(&b, ',');
        mm_buf_puts(&b, "{\"url\":");
        mm_buf_json_string(&b, r->links[i].url, strlen(r->links[i].url));
        mm_buf_printf(&b, ",\"kind\":\"%s\",\"nofollow\":%s}", KIND[r->links[i].kind],
                      r->links[i].nofollow ? "true" : "false");
    }
    mm_buf_puts(&b, "]}\n");
    int ok = b.data && fwrite(b.data, 1, b.len, stdout) == b.len;
    mm_buf_free(&b);
    return ok;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n%s", USAGE, HELP);
        return CLI_EXIT_OK;
    }
    static const struct option LONG[] = {{"url", required_argument, NULL, 'u'},
                                         {"content-type", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"config", required_argument, NULL, 'C'},
                                         {NULL, 0, NULL, 0}};
    const char *url = NULL, *ct = NULL, *config = NULL;
    int json = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":", LONG, NULL)) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'c': ct = optarg; break;
        case 'C': config = optarg; break;
        case 'f':
            if (!strcmp(optarg, "json")) json = 1;
            else if (!strcmp(optarg, "text")) json = 0;
            else return cli_usage_error("extract", USAGE, "--format must be text or json, not '%s'", optarg);
            break;
        default: return cli_bad_option("extract", USAGE, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("extract", USAGE, "expected one FILE (or - for standard input)");
    const char *path = argv[optind];
    struct mm_err err = {0};
    parse_global_init();
    struct parse_rules *rules = NULL;
    struct mm_conf *conf = NULL;
    if (!config) config = getenv("MALMOI_CONFIG");
    if (!config && access("config/malmoi.ini", R_OK) == 0) config = "config/malmoi.ini";
    if (config && *config) {
        if (mm_conf_load(config, &conf, &err) != MM_OK || parse_rules_load(conf, &rules, &err) != MM_OK) {
            mm_conf_free(conf);
            return cli_fail("extract", &err);
        }
    }
    struct mm_buf in;
    mm_buf_init(&in, 0);
    struct parse_result *r = NULL;
    int status = CLI_EXIT_OK;
    if (mm_read_file(path, PARSE_MAX_INPUT, &in, &err) != MM_OK ||
        parse_extract(rules, url, ct, in.data ? in.data : "", in.len, &r, &err) != MM_OK) {
        status = cli_fail("extract", &err);
    } else if (json) {
        if (!print_json(r)) status = CLI_EXIT_FAIL;
    } else if (*r->text) {
        if (fputs(r->text, stdout) == EOF || putchar('\n') == EOF) status = CLI_EXIT_FAIL;
    }
    parse_result_free(r);
    mm_buf_free(&in);
    parse_rules_free(rules);
    mm_conf_free(conf);
    return status;
}

const struct cli_command cli_cmd_extract = {"extract", 20, "extract article text and metadata from a saved page", run};
