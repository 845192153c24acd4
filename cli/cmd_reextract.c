/*
 * cmd_reextract.c -- `malmoi reextract`: `malmoi reprocess --from extract`
 * under the name the crawler's users look for.
 */
#include "cli.h"

int cli_reprocess_reextract(int argc, char **argv);

const struct cli_command cli_cmd_reextract = {"reextract", 51, "run the extractor again over stored pages (no fetching)",
                                              cli_reprocess_reextract};
