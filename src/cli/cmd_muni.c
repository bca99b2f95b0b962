/*
 * cmd_muni.c — the `vaxchain` commands of the muni module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_muni[] = {
    {0}, /* end */
};
