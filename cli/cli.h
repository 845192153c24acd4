/*
 * cli.h -- the `malmoi` command line: the command table, exit codes and the
 * small helpers every cmd_*.c uses. Only cli/ prints to the terminal or exits.
 *
 * A command lives in cli/cmd_NAME.c and defines
 *     const struct cli_command cli_cmd_NAME = { "NAME", order, "summary", run };
 * CMake finds cmd_*.c files and builds the table, so adding a command touches
 * no other file.
 */
#ifndef MALMOI_CLI_H
#define MALMOI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "util.h"

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,    /* runtime failure; the message names the input */
    CLI_EXIT_USAGE = 2,   /* unknown command or option, bad option value */
    CLI_EXIT_LOCKED = 75, /* EX_TEMPFAIL: another run holds the database lock */
};

struct cli_command {
    const char *name;    /* as typed: "init" */
    int order;           /* position in `malmoi --help` (pipeline order) */
    const char *summary; /* one line for `malmoi --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* Print "malmoi CMD: MESSAGE" and the command's usage line to stderr;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report a runtime failure: "malmoi CMD: MESSAGE" on stderr. Returns
 * CLI_EXIT_LOCKED for MM_EBUSY, CLI_EXIT_FAIL otherwise. */
int cli_fail(const char *cmd, const struct mm_err *err);

/* Handle getopt_long's result for the cases every command shares:
 * '?' (unknown option or missing value) and ':' give a usage error.
 * Call with opterr = 0 and an optstring starting with ':'. */
int cli_bad_option(const char *cmd, const char *usage, int opt, char **argv);

/* Parse an integer option value in [min, max]; on failure prints a usage
 * error naming the option and returns -1, else 0. */
int cli_parse_long(const char *cmd, const char *usage, const char *opt, const char *val,
                   long min, long max, long *out);
int cli_parse_double(const char *cmd, const char *usage, const char *opt, const char *val,
                     double min, double max, double *out);

/* 1 when `-h`/`--help` is among argv[1..]; commands then print their help. */
int cli_wants_help(int argc, char **argv);

/* Logging to stderr, one line each, with a time stamp: "[12:00:01] msg". */
void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress on a terminal only: redraws one status line on stderr when it
 * is a TTY and does nothing under cron. cli_progress_done() ends the line. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);

/* Signal handling for long-running commands: after cli_install_stop(),
 * SIGINT/SIGTERM set *flag to 1 (a second signal exits at once). */
void cli_install_stop(volatile int *flag);

#endif
