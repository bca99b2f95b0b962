/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_register_check_vxu(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_register_check_fhir(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
