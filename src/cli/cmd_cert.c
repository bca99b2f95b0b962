/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_cert_testdata(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_cert_keygen(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_cert_verify(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
