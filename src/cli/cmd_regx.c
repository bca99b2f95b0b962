/*
 * cmd_regx.c — the `vaxchain` commands of the regx module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_regx[] = {
    {0}, /* end */
};
