/*
 * cmd_pnr.c — `vaxchain pnr check`: validate numbers read one per line from stdin.
 *
 * Output is one line per input line, tab-separated, so it can be piped into other
 * tools: `<input>\t<ok|invalid>\t<normalised 12-character form | reason>`. The input
 * is echoed as read (without the line break). Exit status 1 when any line is invalid.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/pnr.h"

#define PNR_MAX_LINE 4096

int cmd_pnr_check(struct cli_ctx *ctx)
{
    vx_day ref;
    if (!cli_get_day(ctx, "date", cli_today(), &ref))
        return CLI_EXIT_USAGE;
    struct vx_pnr_opts opts = vx_pnr_opts_default(ref);
    opts.allow_interim = !cli_flag(ctx, "no-interim");
    opts.allow_samordning = !cli_flag(ctx, "no-samordning");

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long ok = 0, bad = 0;
    while ((n = getline(&line, &cap, stdin)) != -1) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > PNR_MAX_LINE) {
            line[PNR_MAX_LINE] = '\0';
            n = PNR_MAX_LINE;
        }
        struct vx_pnr p;
        struct vx_pnr_error e;
        if (memchr(line, '\0', (size_t)n)) {
            fprintf(ctx->out, "%s\tinvalid\tbad character (NUL byte)\n", line);
            bad++;
        } else if (vx_pnr_parse(line, &opts, &p, &e) == VX_OK) {
            fprintf(ctx->out, "%s\tok\t%s\n", line, p.norm);
            ok++;
        } else {
            char why[160];
            vx_pnr_error_text(&e, why, sizeof why);
            fprintf(ctx->out, "%s\tinvalid\t%s\n", line, why);
            bad++;
        }
    }
    free(line);
    if (ferror(stdin)) {
        cli_error(ctx, "error reading standard input");
        return CLI_EXIT_FAILURE;
    }
    return bad ? CLI_EXIT_PROBLEMS : CLI_EXIT_OK;
}
