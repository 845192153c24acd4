/*
 * cmd_import.c -- `malmoi import --db FILE --format bert-text|jsonl FILE...`
 */
#include <string.h>

#include "cli.h"
#include "store.h"

static const char usage[] = "malmoi import --db FILE --format bert-text|jsonl FILE...";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Bring an existing corpus into the database.\n\n"
               "Formats:\n"
               "  bert-text   one sentence a line, a blank line between documents (the input of\n"
               "              BERT's create_pretraining_data.py); sentences are kept exactly as given\n"
               "  jsonl       one JSON object a line with at least \"text\"; also read: url, title,\n"
               "              site, published, modified, authors (array or string), lang, description\n\n"
               "Each FILE ('-' for standard input) is imported in one transaction: a bad line\n"
               "(invalid UTF-8, broken JSON) stops that file with an error naming FILE:LINE, and\n"
               "nothing of it is kept. A document whose text is already in the database is skipped,\n"
               "so importing the same file twice adds nothing. A line may hold at most 16 MiB (the\n"
               "line limit of every malmoi command that reads lines); a bad byte is reported by its\n"
               "offset in the line, counted from 0.\n\n"
               "Options:\n"
               "  --db FILE        the corpus database (created if missing)\n"
               "  --format FORMAT  bert-text or jsonl\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'}, {0}};
    const char *db = NULL, *format = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'f')
            format = optarg;
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
    else
        return cli_usage_error("import", usage, "unknown format '%s' (use bert-text or jsonl)", format);
    if (optind == argc)
        return cli_usage_error("import", usage, "name at least one FILE to import");

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

const struct cli_command cli_cmd_import = {"import", 12, "import a corpus in BERT text or JSON Lines format", run};
