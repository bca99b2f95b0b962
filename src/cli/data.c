/*
 * data.c — loading vaxchain's own data files for the command handlers.
 *
 * The catalogue (vaccines.json) and the rule table (eligibility.json) live in the
 * data folder (cli_data_dir). Every command that needs one reads and parses it here,
 * so the size limits, paths and messages are the same everywhere.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/catalog.h"
#include "vx/elig.h"

/* Read <data-dir>/<name> into *text (owned by the caller). Prints why on failure. */
static bool read_data(struct cli_ctx *ctx, const char *name, size_t max, bool quiet, char *path,
                      size_t pathlen, char **text, size_t *len)
{
    *text = NULL;
    if ((size_t)snprintf(path, pathlen, "%s/%s", cli_data_dir(ctx), name) >= pathlen) {
        if (!quiet)
            cli_error(ctx, "data folder path too long");
        return false;
    }
    enum vx_status st = cli_read_file(path, text, len, max);
    if (st != VX_OK) {
        if (!quiet)
            cli_error(ctx, "cannot read %s: %s", path,
                      st == VX_ENOMEM ? "larger than the file size limit" : vx_strerror(st));
        return false;
    }
    return true;
}

bool cli_load_rules(struct cli_ctx *ctx, struct vx_arena *a, struct vx_elig_table *t, bool quiet)
{
    memset(t, 0, sizeof *t);
    char path[4096];
    char *text;
    size_t len = 0;
    if (!read_data(ctx, "eligibility.json", VX_ELIG_MAX_INPUT, quiet, path, sizeof path, &text,
                   &len))
        return false;
    struct vx_err err = {0};
    enum vx_status st = vx_elig_parse(text, len, a, t, &err);
    free(text);
    if (st != VX_OK) {
        if (!quiet)
            cli_error(ctx, "%s: %s", path, err.msg);
        return false;
    }
    return true;
}

bool cli_load_catalog(struct cli_ctx *ctx, struct vx_arena *a, const struct vx_catalog **cat,
                      char **text, size_t *len)
{
    char path[4096];
    char *buf;
    size_t n = 0;
    *cat = NULL;
    if (!read_data(ctx, "vaccines.json", VX_CATALOG_MAX_BYTES, false, path, sizeof path, &buf, &n))
        return false;
    struct vx_err err = {0};
    if (vx_catalog_parse(buf, n, a, cat, &err) != VX_OK) {
        cli_error(ctx, "%s: %s", path, err.msg);
        free(buf);
        return false;
    }
    if (text) {
        *text = buf;
        *len = n;
    } else {
        free(buf);
    }
    return true;
}
