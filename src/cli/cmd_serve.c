/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_serve(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
