/*
 * cmd_report.c — the `vaxchain` commands of the report module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_report[] = {
    {0}, /* end */
};
