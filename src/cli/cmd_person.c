/* placeholder until the owning change lands */
#include "cli_int.h"
int cmd_person_eligibility(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_person_show(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
int cmd_rules_list(struct cli_ctx *ctx)
{
    cli_error(ctx, "not implemented yet");
    return CLI_EXIT_FAILURE;
}
