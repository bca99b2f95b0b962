/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_init(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_summary(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
