/*
 * cmd_extract.c -- `malmoi extract`: article text and metadata of saved
 * pages, for checking site rules and the extractor by hand and for
 * re-extracting a folder of pages in one process (parser/parser.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "parser.h"

static const char USAGE[] =
    "malmoi extract [--url URL] [--content-type CT] [--format text|json]\n"
    "                      [--config FILE] [--files-from LIST] FILE...|-";

static const char HELP[] =
    "Extract the article text and metadata of saved HTML pages ('-': one page on\n"
    "standard input). Many pages go through one process: with --format json each\n"
    "FILE gives one JSON line, in the order given.\n"
    "\n"
    "Options:\n"
    "  --url URL            the page's URL: picks the site rule, resolves links\n"
    "  --content-type CT    the HTTP Content-Type header (its charset wins over <meta>)\n"
    "  --format text|json   text (default, one FILE): the paragraphs, one per line;\n"
    "                       json: one object a line with file, url, canonical_url,\n"
    "                       title, published, modified, authors, site, lang,\n"
    "                       description, text, method, rule, rule_fallback, embedded,\n"
    "                       charset, replacement_chars, links; a file that cannot be\n"
    "                       read or parsed gives {\"file\":…,\"error\":…} and the rest go on\n"
    "  --files-from LIST    also extract the files named in LIST ('-': standard input),\n"
    "                       one a line, each optionally followed by a TAB and its URL\n"
    "                       (needs --format json)\n"
    "  --config FILE        config with [site NAME] rules (default: $MALMOI_CONFIG, else\n"
    "                       ./config/malmoi.ini, else the config installed with malmoi;\n"
    "                       --config '': none, so no site rules)\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 every page extracted, 1 a page could not be read or parsed (with\n"
    "--format json the others are still extracted), 2 usage error.\n";

static void put_str(struct mm_buf *b, const char *key, const char *v, int comma) {
    mm_buf_printf(b, "\"%s\":", key);
    mm_buf_json_string(b, v ? v : "", v ? strlen(v) : 0);
    if (comma) mm_buf_putc(b, ',');
}

/* One JSON line: {"file":FILE, then the result's members}. */
static int print_json(const char *file, const struct parse_result *r) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_putc(&b, '{');
    put_str(&b, "file", file, 1);
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

/* {"file":FILE,"error":MESSAGE}: a page that failed, in its place in the output. */
static int print_json_error(const char *file, const char *msg) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_putc(&b, '{');
    put_str(&b, "file", file, 1);
    put_str(&b, "error", msg, 0);
    mm_buf_puts(&b, "}\n");
    int ok = b.data && fwrite(b.data, 1, b.len, stdout) == b.len;
    mm_buf_free(&b);
    return ok;
}

struct extract_job {
    const struct parse_rules *rules;
    const char *content_type;
    int json;
    struct mm_buf page; /* reused from page to page */
};

/* Extract one page and print it. Returns CLI_EXIT_OK or CLI_EXIT_FAIL
 * (the error printed: on stderr, and as a JSON line with --format json). */
static int extract_file(struct extract_job *job, const char *path, const char *url) {
    struct mm_err err;
    mm_err_clear(&err);
    struct parse_result *r = NULL;
    mm_buf_reset(&job->page);
    int status = CLI_EXIT_OK;
    if (mm_read_file(path, PARSE_MAX_INPUT, &job->page, &err) != MM_OK ||
        parse_extract(job->rules, url, job->content_type, job->page.data ? job->page.data : "", job->page.len, &r,
                      &err) != MM_OK) {
        status = cli_fail("extract", &err);
        if (job->json && !print_json_error(path, err.msg[0] ? err.msg : mm_strerror(err.code)))
            status = CLI_EXIT_FAIL;
    } else if (job->json) {
        if (!print_json(path, r))
            status = CLI_EXIT_FAIL;
    } else if (*r->text) {
        if (fputs(r->text, stdout) == EOF || putchar('\n') == EOF)
            status = CLI_EXIT_FAIL;
    }
    parse_result_free(r);
    return status;
}

/* The files named in `list` ("PATH" or "PATH<TAB>URL" a line), in order;
 * `url` is the default for lines without one. The first failure decides
 * the exit status. */
static int extract_list(struct extract_job *job, const char *list, const char *url, int status) {
    FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
    if (f == NULL) {
        struct mm_err err;
        mm_err_set(&err, MM_EIO, "--files-from %s: cannot open: %s", list, strerror(errno));
        return cli_fail("extract", &err);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        int st = extract_file(job, line, tab && tab[1] ? tab + 1 : url);
        if (status == CLI_EXIT_OK)
            status = st;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
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
                                         {"files-from", required_argument, NULL, 'L'},
                                         {NULL, 0, NULL, 0}};
    const char *url = NULL, *config = NULL, *list = NULL;
    struct extract_job job = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, ":", LONG, NULL)) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'c': job.content_type = optarg; break;
        case 'C': config = optarg; break;
        case 'L': list = optarg; break;
        case 'f':
            if (!strcmp(optarg, "json")) job.json = 1;
            else if (!strcmp(optarg, "text")) job.json = 0;
            else return cli_usage_error("extract", USAGE, "--format must be text or json, not '%s'", optarg);
            break;
        default: return cli_bad_option("extract", USAGE, opt, argv);
        }
    }
    int n_files = argc - optind;
    if (n_files == 0 && list == NULL)
        return cli_usage_error("extract", USAGE, "name a FILE (or - for standard input)");
    if (!job.json && (n_files > 1 || list))
        return cli_usage_error("extract", USAGE,
                               "several pages need --format json (one JSON line each, with its \"file\")");
    if (list && strcmp(list, "-") == 0) {
        for (int i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") == 0)
                return cli_usage_error("extract", USAGE, "standard input cannot be both a page and --files-from -");
    }
    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc;
    if (pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK)
        return cli_fail("extract", &err);
    parse_global_init();
    job.rules = pc.rules;
    mm_buf_init(&job.page, 0);
    int status = CLI_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        int st = extract_file(&job, argv[i], url);
        if (status == CLI_EXIT_OK)
            status = st; /* the first failure decides the exit status */
    }
    if (list)
        status = extract_list(&job, list, url, status);
    if (fflush(stdout) != 0 && status == CLI_EXIT_OK)
        status = CLI_EXIT_FAIL;
    mm_buf_free(&job.page);
    pipeline_config_free(&pc);
    return status;
}

const struct cli_command cli_cmd_extract = {"extract", 20, "extract article text and metadata from saved pages", run};
