/*
 * cmd_init.c -- `malmoi init --db FILE`: create or upgrade the schema.
 */
#include "cli.h"
#include "store.h"

static const char usage[] = "malmoi init --db FILE";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Create the corpus database FILE, or upgrade its schema to this version of malmoi.\n"
               "Running it again on an up-to-date database changes nothing.\n\n"
               "Options:\n"
               "  --db FILE   the SQLite database (created if missing)\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'}, {0}};
    const char *db = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else
            return cli_bad_option("init", usage, c, argv);
    }
    if (optind < argc)
        return cli_usage_error("init", usage, "unexpected argument '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("init", usage, "--db FILE is required");
    struct mm_err err;
    mm_err_clear(&err);
    struct store *s;
    if (store_open(db, STORE_CREATE | STORE_LOCK, "init", &s, &err) != MM_OK)
        return cli_fail("init", &err);
    store_close(s);
    fprintf(stderr, "malmoi init: %s is ready (schema version %d)\n", db, store_schema_version());
    return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_init = {"init", 10, "create or upgrade a corpus database", run};
