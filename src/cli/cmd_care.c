/*
 * cmd_care.c — the `vaxchain` commands of the care module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_care[] = {
    {0}, /* end */
};
