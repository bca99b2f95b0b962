/*
 * cmd_ledger.c — the `vaxchain` commands of the ledger module. PLACEHOLDER: being written.
 */
#include "cli_int.h"

const struct cli_command cli_cmds_ledger[] = {
    {0}, /* end */
};
