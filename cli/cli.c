/*
 * cli.c -- shared helpers of the command line: usage errors, failure
 * reporting, option parsing, logging and terminal progress.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "malmoi %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n", usage);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *cmd, const struct mm_err *err) {
    cli_progress_done();
    fprintf(stderr, "malmoi %s: %s\n", cmd, err->msg[0] ? err->msg : mm_strerror(err->code));
    return err->code == MM_EBUSY ? CLI_EXIT_LOCKED : CLI_EXIT_FAIL;
}

int cli_bad_option(const char *cmd, const char *usage, int opt, char **argv) {
    const char *arg = argv[optind - 1];
    if (opt == ':')
        return cli_usage_error(cmd, usage, "option %s needs a value", arg);
    if (optopt && optopt != '?')
        return cli_usage_error(cmd, usage, "unknown option -%c", optopt);
    return cli_usage_error(cmd, usage, "unknown option %s", arg);
}

int cli_parse_long(const char *cmd, const char *usage, const char *opt, const char *val,
                   long min, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end != '\0' || v < min || v > max) {
        cli_usage_error(cmd, usage, "%s wants an integer from %ld to %ld, not '%s'", opt, min, max, val);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *usage, const char *opt, const char *val,
                     double min, double max, double *out) {
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end != '\0' || !isfinite(v) || v < min || v > max) {
        cli_usage_error(cmd, usage, "%s wants a number from %g to %g, not '%s'", opt, min, max, val);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

static int progress_shown; /* a progress line is on screen (cli-only state) */

void cli_log(const char *fmt, ...) {
    char stamp[16];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    cli_progress_done();
    va_list ap;
    fprintf(stderr, "[%s] ", stamp);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_progress(const char *fmt, ...) {
    if (!isatty(STDERR_FILENO))
        return;
    va_list ap;
    fputs("\r\033[K", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
    progress_shown = 1;
}

void cli_progress_done(void) {
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
}

static volatile int *stop_flag;

static void on_stop(int sig) {
    if (stop_flag && *stop_flag) {
        /* Second signal: the user insists. SQLite's journal keeps the database whole. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (stop_flag)
        *stop_flag = 1;
}

void cli_install_stop(volatile int *flag) {
    stop_flag = flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
