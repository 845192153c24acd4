/*
 * extract_main.c -- `parse_extract_cli`: the `malmoi extract` command built on
 * its own (cli/cmd_extract.c + cli/cli.c), so parser tests and the bench can
 * run while other stages are half-built. Same options and output.
 */
#include "cli.h"

extern const struct cli_command cli_cmd_extract;

int main(int argc, char **argv) {
    opterr = 0;
    return cli_cmd_extract.run(argc, argv);
}
