/*
 * cmd_import.c -- `malmoi import --db FILE --format bert-text|jsonl FILE...`
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "store.h"

static const char usage[] = "malmoi import --db FILE --format bert-text|jsonl|warc|wet [--config FILE] FILE...";

/* warc and wet: web archives through the crawl's extraction, with a run
 * record; one transaction per file. */
static int import_archives(const char *db, const char *config, enum pipeline_archive_format fmt, int argc,
                           char **argv, int first) {
    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc;
    if (pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK)
        return cli_fail("import", &err);
    struct store *s;
    if (store_open(db, STORE_CREATE | STORE_LOCK, "import", &s, &err) != MM_OK) {
        pipeline_config_free(&pc);
        return cli_fail("import", &err);
    }
    int64_t run_id = 0;
    if (pipeline_run_begin(s, "import", argc, argv, &run_id, &err) != MM_OK) {
        store_close(s);
        pipeline_config_free(&pc);
        return cli_fail("import", &err);
    }
    volatile int stop = 0;
    cli_install_stop(&stop);
    struct pipeline_archive_counts sum = {0};
    int failed = 0, imported = 0, status = CLI_EXIT_OK;
    for (int i = first; i < argc && !stop; i++) {
        struct pipeline_archive_counts n;
        struct mm_err ferr;
        mm_err_clear(&ferr);
        if (pipeline_import_archive(s, &pc, argv[i], fmt, &stop, &n, &ferr) != MM_OK) {
            int st = cli_fail("import", &ferr);
            if (status == CLI_EXIT_OK)
                status = st; /* the first failure decides the exit status */
            failed++;
            continue;
        }
        imported++;
        cli_log("%s: %lld records, %lld %s: %lld documents added, %lld already present; not stored: %lld not 200, "
                "%lld not HTML, %lld not Korean, %lld without text, %lld errors",
                argv[i], (long long)n.records, (long long)n.responses,
                fmt == PIPELINE_ARCHIVE_WET ? "conversions" : "responses", (long long)n.documents,
                (long long)n.present, (long long)n.not_200, (long long)n.not_html, (long long)n.not_korean,
                (long long)n.empty, (long long)n.errors);
        sum.records += n.records;
        sum.responses += n.responses;
        sum.documents += n.documents;
        sum.present += n.present;
        sum.not_200 += n.not_200;
        sum.not_html += n.not_html;
        sum.not_korean += n.not_korean;
        sum.empty += n.empty;
        sum.oversize += n.oversize;
        sum.errors += n.errors;
        sum.rule_fallbacks += n.rule_fallbacks;
    }
    char summary[512], errors[160];
    snprintf(summary, sizeof summary,
             "imported %d of %d files: %lld records, %lld %s, %lld documents added, %lld already present; "
             "not stored: %lld not 200, %lld not HTML, %lld not Korean, %lld without text, %lld oversize, %lld errors",
             imported, argc - first, (long long)sum.records,
             (long long)sum.responses, fmt == PIPELINE_ARCHIVE_WET ? "conversions" : "responses",
             (long long)sum.documents, (long long)sum.present, (long long)sum.not_200, (long long)sum.not_html,
             (long long)sum.not_korean, (long long)sum.empty, (long long)sum.oversize, (long long)sum.errors);
    snprintf(errors, sizeof errors, "{\"extract\":%lld,\"file\":%d}", (long long)sum.errors, failed);
    struct store_run_counts counts = {.pages = sum.responses, .documents = sum.documents, .errors_json = errors};
    struct mm_err rerr;
    mm_err_clear(&rerr);
    if (store_run_end(s, run_id, stop ? "interrupted" : failed ? "failed" : "ok", &counts, summary, &rerr) != MM_OK &&
        status == CLI_EXIT_OK)
        status = cli_fail("import", &rerr);
    if (sum.rule_fallbacks)
        cli_log("extract: %lld pages matched a site rule that found no body (generic extractor used); the site's "
                "markup may have changed", (long long)sum.rule_fallbacks);
    store_close(s);
    pipeline_config_free(&pc);
    fprintf(stderr, "malmoi import: %s\n", summary);
    return status;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Bring an existing corpus into the database.\n\n"
               "Formats:\n"
               "  bert-text   one sentence a line, a blank line between documents (the input of\n"
               "              BERT's create_pretraining_data.py); sentences are kept exactly as given\n"
               "  jsonl       one JSON object a line with at least \"text\"; also read: url, title,\n"
               "              site, published, modified, authors (array or string), lang, description\n"
               "  warc        WARC 1.0/1.1 files as Common Crawl or 'malmoi crawl --warc' write them\n"
               "              (plain, a gzip member per record, or one gzip stream): every response\n"
               "              record with HTTP 200 and an HTML payload is extracted as a crawled page\n"
               "              would be (charset from the HTTP header, then the page; site rules by\n"
               "              WARC-Target-URI). url = WARC-Target-URI, fetched = WARC-Date, source =\n"
               "              import:warc, source_ref = FILE:OFFSET of the record (for gzip files the\n"
               "              offset of its gzip member). Pages that are not 200, not HTML, not Korean\n"
               "              or without article text are counted, not stored\n"
               "  wet         Common Crawl WET files: the conversion records' text, Korean only\n"
               "              (source import:wet)\n\n"
               "Each FILE ('-' for standard input) is imported in one transaction: a bad line\n"
               "(invalid UTF-8, broken JSON) stops that file with an error naming FILE:LINE, and\n"
               "nothing of it is kept. A document whose text is already in the database is skipped,\n"
               "so importing the same file twice adds nothing.\n\n"
               "Options:\n"
               "  --db FILE        the corpus database (created if missing)\n"
               "  --format FORMAT  bert-text, jsonl, warc or wet\n"
               "  --config FILE    settings for warc and wet (site rules, [text] min_hangul_ratio;\n"
               "                   default: $MALMOI_CONFIG, else config/malmoi.ini)\n\n"
               "A WARC or WET file cut short or damaged fails with its name and the byte offset;\n"
               "the other files are still imported and the exit status is 1. These two formats\n"
               "record a run (the 'runs' table) whose message has the counts above.\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'}, {0}};
    const char *db = NULL, *format = NULL, *config = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'f')
            format = optarg;
        else if (c == 'c')
            config = optarg;
        else
            return cli_bad_option("import", usage, c, argv);
    }
    if (db == NULL)
        return cli_usage_error("import", usage, "--db FILE is required");
    if (format == NULL)
        return cli_usage_error("import", usage, "--format is required");
    enum store_import_format fmt;
    if (strcmp(format, "bert-text") == 0)
        fmt = STORE_IMPORT_BERT_TEXT;
    else if (strcmp(format, "jsonl") == 0)
        fmt = STORE_IMPORT_JSONL;
    else if (strcmp(format, "warc") != 0 && strcmp(format, "wet") != 0)
        return cli_usage_error("import", usage, "unknown format '%s' (use bert-text, jsonl, warc or wet)", format);
    if (optind == argc)
        return cli_usage_error("import", usage, "name at least one FILE to import");
    if (strcmp(format, "warc") == 0)
        return import_archives(db, config, PIPELINE_ARCHIVE_WARC, argc, argv, optind);
    if (strcmp(format, "wet") == 0)
        return import_archives(db, config, PIPELINE_ARCHIVE_WET, argc, argv, optind);

    struct mm_err err;
    mm_err_clear(&err);
    struct store *s;
    if (store_open(db, STORE_CREATE | STORE_LOCK, "import", &s, &err) != MM_OK)
        return cli_fail("import", &err);
    int64_t added = 0, present = 0;
    int failed = 0, status = CLI_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        struct store_import_counts n;
        struct mm_err ferr;
        mm_err_clear(&ferr);
        if (store_import_file(s, argv[i], fmt, &n, &ferr) != MM_OK) {
            int st = cli_fail("import", &ferr);
            if (status == CLI_EXIT_OK)
                status = st; /* the first failure decides the exit status */
            failed++;
            continue;
        }
        cli_log("%s: %lld documents added, %lld already present (%lld lines)", argv[i], (long long)n.added,
                (long long)n.present, (long long)n.lines);
        added += n.added;
        present += n.present;
    }
    char summary[256];
    snprintf(summary, sizeof summary, "imported %d of %d files: %lld documents added, %lld already present",
             argc - optind - failed, argc - optind, (long long)added, (long long)present);
    store_close(s);
    fprintf(stderr, "malmoi import: %s\n", summary);
    return status;
}

const struct cli_command cli_cmd_import = {"import", 12, "import a corpus: BERT text, JSON Lines, WARC or WET files", run};
