/*
 * cmd_import.c -- `malmoi import --db FILE --format bert-text|jsonl|warc|wet
 * FILE...`: store each file (one transaction each), then run the steps after
 * extraction once (pipeline_process), so the database ends as `malmoi run`
 * leaves it: split and filtered, encoded, embedded when a model is set.
 */
#include <string.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "store.h"

static const char usage[] =
    "malmoi import --db FILE --format bert-text|jsonl|warc|wet [--config FILE] [--threads N] [--no-process] FILE...";

static void help(void) {
    printf("usage: %s\n\n"
           "Bring an existing corpus into the database, then process it as 'malmoi run'\n"
           "does: split into sentences and filtered, encoded with the configured tokenizer\n"
           "(KoBERT by default), and embedded when [pipeline] embed_model names a model.\n\n"
           "Formats:\n"
           "  bert-text   one sentence a line, a blank line between documents (the input of\n"
           "              BERT's create_pretraining_data.py); each line is kept as one\n"
           "              sentence exactly as given: no re-splitting, no filters\n"
           "  jsonl       one JSON object a line with at least \"text\"; also read: url, title,\n"
           "              site, published, modified, authors (array or string), lang,\n"
           "              description; the text is split and filtered like a crawled page\n"
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
           "Each FILE ('-' for standard input) is stored in one transaction: a bad line\n"
           "(invalid UTF-8, broken JSON) stops that file with an error naming FILE:LINE, and\n"
           "nothing of it is kept; the other files go on. A document whose text is already\n"
           "in the database is skipped, so importing the same file twice adds nothing.\n"
           "A line may hold at most 16 MiB (the line limit of every malmoi command that\n"
           "reads lines); a bad byte is reported by its offset in the line, counted from 0.\n"
           "Processing runs once, after the last file, over every document not yet\n"
           "processed (also those of an earlier 'import --no-process').\n"
           "A WARC or WET file cut short or damaged fails naming the file and the byte\n"
           "offset, and nothing of it is kept. warc and wet record a run (the 'runs' table)\n"
           "whose message has the counts of the summary line.\n\n"
           "Options:\n"
           "  --db FILE        the corpus database (created if missing)\n"
           "  --format FORMAT  bert-text, jsonl, warc or wet\n"
           "  --config FILE    settings (default: $MALMOI_CONFIG, else ./config/malmoi.ini, else\n"
           "                   the config installed with malmoi; the log names the file used)\n"
           "  --threads N      threads for embeddings (default 1)\n"
           "  --no-process     only store the documents; 'malmoi run --no-crawl' processes\n"
           "                   them later\n\n"
           "Exit status: 0 every file imported and processed, 1 a file failed (the others\n"
           "are kept) or processing failed, 2 usage error, 75 another run holds the database.\n",
           usage);
}

/* Store one file; logs its counts. Returns CLI_EXIT_OK or the failure's status. */
static int import_file(struct store *s, const char *path, enum store_import_format fmt, int64_t *added,
                       int64_t *present) {
    struct store_import_counts n;
    struct mm_err err;
    mm_err_clear(&err);
    if (store_import_file(s, path, fmt, &n, &err) != MM_OK)
        return cli_fail("import", &err);
    cli_log("%s: %lld documents added, %lld already present (%lld lines)", path, (long long)n.added,
            (long long)n.present, (long long)n.lines);
    *added += n.added;
    *present += n.present;
    return CLI_EXIT_OK;
}

/* warc and wet: one archive file through the crawl's extraction; its counts
 * logged and added to *sum. Returns CLI_EXIT_OK or the failure's status. */
static int import_archive(struct store *s, const struct pipeline_config *pc, const char *path,
                          enum pipeline_archive_format fmt, volatile int *stop, struct pipeline_archive_counts *sum) {
    struct pipeline_archive_counts n;
    struct mm_err err;
    mm_err_clear(&err);
    if (pipeline_import_archive(s, pc, path, fmt, stop, &n, &err) != MM_OK)
        return cli_fail("import", &err);
    cli_log("%s: %lld records, %lld %s: %lld documents added, %lld already present; not stored: %lld not 200, "
            "%lld not HTML, %lld not Korean, %lld without text, %lld errors",
            path, (long long)n.records, (long long)n.responses, fmt == PIPELINE_ARCHIVE_WET ? "conversions" : "responses",
            (long long)n.documents, (long long)n.present, (long long)n.not_200, (long long)n.not_html,
            (long long)n.not_korean, (long long)n.empty, (long long)n.errors);
    sum->records += n.records;
    sum->responses += n.responses;
    sum->documents += n.documents;
    sum->present += n.present;
    sum->not_200 += n.not_200;
    sum->not_html += n.not_html;
    sum->not_korean += n.not_korean;
    sum->empty += n.empty;
    sum->oversize += n.oversize;
    sum->errors += n.errors;
    sum->rule_fallbacks += n.rule_fallbacks;
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"threads", required_argument, NULL, 'T'},
                                         {"no-process", no_argument, NULL, 'n'},
                                         {0}};
    const char *db = NULL, *format = NULL, *config = NULL;
    int no_process = 0;
    long threads = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'f')
            format = optarg;
        else if (c == 'c')
            config = optarg;
        else if (c == 'n')
            no_process = 1;
        else if (c == 'T') {
            if (cli_parse_long("import", usage, "--threads", optarg, 1, 256, &threads))
                return CLI_EXIT_USAGE;
        } else
            return cli_bad_option("import", usage, c, argv);
    }
    if (db == NULL)
        return cli_usage_error("import", usage, "--db FILE is required");
    if (format == NULL)
        return cli_usage_error("import", usage, "--format is required");
    enum store_import_format fmt = STORE_IMPORT_BERT_TEXT;
    int archive = -1; /* enum pipeline_archive_format, or -1 for a text format */
    if (strcmp(format, "bert-text") == 0)
        fmt = STORE_IMPORT_BERT_TEXT;
    else if (strcmp(format, "jsonl") == 0)
        fmt = STORE_IMPORT_JSONL;
    else if (strcmp(format, "warc") == 0)
        archive = PIPELINE_ARCHIVE_WARC;
    else if (strcmp(format, "wet") == 0)
        archive = PIPELINE_ARCHIVE_WET;
    else
        return cli_usage_error("import", usage, "unknown format '%s' (use bert-text, jsonl, warc or wet)", format);
    if (optind == argc)
        return cli_usage_error("import", usage, "name at least one FILE to import");

    struct mm_err err;
    mm_err_clear(&err);
    struct pipeline_config pc = {0};
    struct tok_model *tok = NULL;
    struct store *s = NULL;
    int status = CLI_EXIT_OK;
    /* The config and tokenizer first: a bad one fails before anything is
     * stored. Archives need the config (site rules, [text]) in any case. */
    int64_t run_id = 0;
    if (((!no_process || archive >= 0) && pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK) ||
        (!no_process && tok_open(pc.tokenizer, &tok, &err) != MM_OK) ||
        store_open(db, STORE_CREATE | STORE_LOCK, "import", &s, &err) != MM_OK ||
        (pc.conf && pipeline_store_search(s, &pc, &err) != MM_OK) ||
        (archive >= 0 && pipeline_run_begin(s, "import", argc, argv, &run_id, &err) != MM_OK)) {
        status = cli_fail("import", &err);
        goto out;
    }
    static volatile int stop;
    cli_install_stop(&stop);
    int64_t added = 0, present = 0;
    struct pipeline_archive_counts sum = {0};
    int failed = 0;
    for (int i = optind; i < argc && !stop; i++) {
        int st = archive >= 0 ? import_archive(s, &pc, argv[i], (enum pipeline_archive_format)archive, &stop, &sum)
                              : import_file(s, argv[i], fmt, &added, &present);
        if (st != CLI_EXIT_OK) {
            if (status == CLI_EXIT_OK)
                status = st; /* the first failure decides the exit status */
            failed++;
        }
    }
    char summary[768];
    int len;
    if (archive >= 0)
        len = snprintf(summary, sizeof summary,
                       "imported %d of %d files: %lld records, %lld %s, %lld documents added, %lld already present; "
                       "not stored: %lld not 200, %lld not HTML, %lld not Korean, %lld without text, %lld oversize, "
                       "%lld errors",
                       argc - optind - failed, argc - optind, (long long)sum.records, (long long)sum.responses,
                       archive == PIPELINE_ARCHIVE_WET ? "conversions" : "responses", (long long)sum.documents,
                       (long long)sum.present, (long long)sum.not_200, (long long)sum.not_html,
                       (long long)sum.not_korean, (long long)sum.empty, (long long)sum.oversize, (long long)sum.errors);
    else
        len = snprintf(summary, sizeof summary, "imported %d of %d files: %lld documents added, %lld already present",
                       argc - optind - failed, argc - optind, (long long)added, (long long)present);
    if (archive >= 0 && sum.rule_fallbacks)
        cli_log("extract: %lld pages matched a site rule that found no body (generic extractor used); the site's "
                "markup may have changed", (long long)sum.rule_fallbacks);
    if (!no_process && !stop) {
        struct pipeline_counts counts = {0};
        if (pipeline_process(s, &pc, tok, (int)threads, &stop, &counts, &err) != MM_OK) {
            int st = cli_fail("import", &err);
            if (status == CLI_EXIT_OK)
                status = st;
        }
        snprintf(summary + len, sizeof summary - (size_t)len,
                 "; %lld documents split (%lld rejected), %lld sentences, %lld examples, %lld embeddings%s",
                 (long long)counts.documents_split, (long long)counts.documents_rejected, (long long)counts.sentences,
                 (long long)counts.examples, (long long)counts.embeddings, stop ? " (stopped by a signal)" : "");
    }
    if (archive >= 0) { /* the run record: the summary and the counts */
        char errors[96];
        snprintf(errors, sizeof errors, "{\"extract\":%lld,\"file\":%d}", (long long)sum.errors, failed);
        struct store_run_counts rc = {.pages = sum.responses, .documents = sum.documents, .errors_json = errors};
        struct mm_err rerr;
        mm_err_clear(&rerr);
        if (store_run_end(s, run_id, stop ? "interrupted" : status != CLI_EXIT_OK ? "failed" : "ok", &rc, summary,
                          &rerr) != MM_OK &&
            status == CLI_EXIT_OK)
            status = cli_fail("import", &rerr);
    }
    fprintf(stderr, "malmoi import: %s\n", summary);
out:
    store_close(s);
    tok_close(tok);
    pipeline_config_free(&pc);
    return status;
}

const struct cli_command cli_cmd_import = {"import", 12, "import a corpus (BERT text, JSON Lines, WARC, WET) and process it like run", run};
