/*
 * cmd_import.c — `vaxchain import persons|sites|premises FILE.csv`.
 *
 * A thin client of the import library (include/vx/import.h): it opens the store,
 * builds the options (reference date, --skip-bad, the risk-code resolver from the
 * rule table), prints each problem the library reports as `line N, column X:
 * reason` on stderr, draws the progress bar on a terminal and ends with one summary
 * line on stdout. Exit status: 0 all rows imported, 1 bad rows or a bad file, 2
 * usage, 3 runtime failure (file cannot be read, storage error).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/elig.h"
#include "vx/import.h"
#include "vx/store.h"

struct import_ui {
    struct cli_ctx *ctx;
    struct cli_progress bar;
    bool bar_on;    /* a bar is being drawn */
    bool bar_drawn; /* something was drawn since the last newline */
};

static int print_problem(void *p, const struct vx_import_error *e)
{
    struct import_ui *ui = p;
    FILE *out = ui->ctx->err;
    if (ui->bar_drawn) {
        fputs("\r\033[K", out); /* clear the bar line; it is redrawn on the next update */
        ui->bar_drawn = false;
    }
    if (e->column)
        fprintf(out, "line %ld, column %s: %s\n", e->line, e->column, e->reason);
    else
        fprintf(out, "line %ld: %s\n", e->line, e->reason);
    return 0;
}

static void show_progress(void *p, long long bytes, long long total, long long rows)
{
    struct import_ui *ui = p;
    if (!ui->bar_on)
        return;
    cli_progress_update(&ui->bar, bytes);
    ui->bar_drawn = true;
}

/* Risk codes come from the rule table (data/eligibility.json). */
struct risk_table {
    struct vx_arena arena;
    struct vx_elig_table t;
    bool loaded;
};

static int resolve_risk(void *p, const char *name)
{
    const struct risk_table *rt = p;
    const struct vx_elig_risk *k = rt->loaded ? vx_elig_risk_find(&rt->t, name) : NULL;
    return k ? k->bit : -1;
}

static bool load_risks(struct cli_ctx *ctx, struct risk_table *rt)
{
    rt->loaded = cli_load_rules(ctx, &rt->arena, &rt->t, false);
    if (!rt->loaded)
        cli_error(ctx, "warning: risk codes cannot be checked");
    return rt->loaded;
}

static const char *actor(void)
{
    static char buf[64];
    const char *u = getenv("USER");
    snprintf(buf, sizeof buf, "cli:%s", u && *u ? u : "unknown");
    return buf;
}

static int run_import(struct cli_ctx *ctx, enum vx_import_kind kind)
{
    const char *path = ctx->argv[0];
    vx_day ref = 0;
    if (cli_get(ctx, "date") && !cli_get_day(ctx, "date", 0, &ref))
        return CLI_EXIT_USAGE;
    if (!cli_get(ctx, "date"))
        ref = cli_today();

    struct import_ui ui = {.ctx = ctx};
    struct vx_import_opts o = vx_import_opts_default(ref);
    o.skip_bad = cli_flag(ctx, "skip-bad");
    o.on_error = print_problem;
    o.error_ctx = &ui;
    o.on_progress = show_progress;
    o.progress_ctx = &ui;
    o.actor = actor();

    struct risk_table rt;
    memset(&rt, 0, sizeof rt);
    vx_arena_init(&rt.arena, 0);
    int rc = CLI_EXIT_FAILURE;
    struct vx_store *st = NULL;
    /* Without a rule table the import still runs; a row naming a risk code is then
     * reported as bad (see persons.c). */
    if (kind == VX_IMPORT_PERSONS && load_risks(ctx, &rt)) {
        o.risk_resolve = resolve_risk;
        o.risk_ctx = &rt;
    }

    struct vx_err err = {0};
    if (vx_store_open_sqlite(cli_db_path(ctx), &st, &err) != VX_OK) {
        cli_error(ctx, "%s: %s", cli_db_path(ctx), err.msg);
        goto out;
    }

    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(ctx, "%s: cannot open (kan inte öppna): %s", path, strerror(errno));
        goto out;
    }
    long long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        size = ftell(f);
        rewind(f);
    }
    ui.bar_on = ctx->tty && !cli_flag(ctx, "quiet");
    if (ui.bar_on)
        cli_progress_start(&ui.bar, ctx, vx_import_kind_name(kind), size);

    struct vx_import_result res;
    enum vx_status s = vx_import_stream(st, kind, f, path, size, &o, &res, &err);
    fclose(f);
    if (ui.bar_on) {
        if (!ui.bar_drawn)
            cli_progress_update(&ui.bar, 0);
        cli_progress_done(&ui.bar, size >= 0 ? size : 0);
    }

    const char *what = vx_import_kind_name(kind);
    switch (s) {
    case VX_OK:
        fprintf(ctx->out, "imported %lld %s, 0 rejected\n", res.imported, what);
        rc = CLI_EXIT_OK;
        break;
    case VX_EINVAL:
        fprintf(ctx->out, "imported %lld %s, %lld rejected\n", res.imported, what, res.rejected);
        if (!res.committed)
            fprintf(ctx->err,
                    "nothing was written (ingenting sparades): %lld of %lld rows are bad; fix "
                    "them or use --skip-bad\n",
                    res.rejected, res.rows);
        rc = CLI_EXIT_PROBLEMS;
        break;
    case VX_EPARSE:
        cli_error(ctx, "%s: %s; nothing was written (ingenting sparades)", path, err.msg);
        fprintf(ctx->out, "imported 0 %s, %lld rejected\n", what, res.rejected);
        rc = CLI_EXIT_PROBLEMS;
        break;
    default:
        cli_error(ctx, "%s: %s: %s; nothing was written (ingenting sparades)", path, vx_strerror(s),
                  err.msg);
        rc = CLI_EXIT_FAILURE;
        break;
    }
    if (res.committed && res.imported > 0 && kind == VX_IMPORT_PERSONS &&
        !cli_stats_refresh(ctx, st))
        rc = CLI_EXIT_FAILURE;
out:
    vx_store_close(st);
    vx_arena_release(&rt.arena);
    return rc;
}

int cmd_import_persons(struct cli_ctx *ctx)
{
    return run_import(ctx, VX_IMPORT_PERSONS);
}

int cmd_import_sites(struct cli_ctx *ctx)
{
    return run_import(ctx, VX_IMPORT_SITES);
}

int cmd_import_premises(struct cli_ctx *ctx)
{
    return run_import(ctx, VX_IMPORT_PREMISES);
}
