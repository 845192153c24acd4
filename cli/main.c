/*
 * main.c -- `malmoi COMMAND [options]`, git-style dispatch.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MM_COMMAND(name) extern const struct cli_command cli_cmd_##name;
#include "commands.inc"
#undef MM_COMMAND

static const struct cli_command *commands[] = {
#define MM_COMMAND(name) &cli_cmd_##name,
#include "commands.inc"
#undef MM_COMMAND
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static int by_order(const void *a, const void *b) {
    const struct cli_command *x = *(const struct cli_command *const *)a;
    const struct cli_command *y = *(const struct cli_command *const *)b;
    return x->order - y->order;
}

static void print_usage(FILE *out) {
    qsort(commands, n_commands, sizeof commands[0], by_order);
    fprintf(out,
            "usage: malmoi COMMAND [options]\n"
            "\n"
            "malmoi (말모이) turns the Korean web into training data for Korean language models.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
            "\n"
            "Run 'malmoi COMMAND --help' for the options of a command.\n"
            "Exit status: 0 ok, 1 failure, 2 usage error, 75 database locked by another run.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("malmoi %s\n", MM_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < n_commands; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            opterr = 0;
            optind = 1;
            return commands[i]->run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "malmoi: unknown command '%s'\nusage: malmoi COMMAND [options]; 'malmoi --help' lists the commands\n", name);
    return CLI_EXIT_USAGE;
}
