/*
 * cmd_stats.c — the `vaxchain` commands of the stats module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_stats[] = {
    {0}, /* end */
};
