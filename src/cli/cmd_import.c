/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_import_persons(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_import_sites(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_import_premises(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
