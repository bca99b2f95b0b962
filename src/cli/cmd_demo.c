/*
 * cmd_demo.c — `vaxchain demo-data`: build the synthetic population and sites.
 *
 * A thin client of the demo module: read the reference tables, generate into the
 * database (one transaction; `vaxchain init` must have loaded the municipalities) or
 * into import CSV files (--csv FILE: persons in FILE, sites next to it), and print
 * the per-region totals against SCB × scale with the deviation. Exit 1 when a region
 * deviates by more than 0.5 % (only happens at very small scales).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/demo.h"
#include "vx/store.h"

#define MAX_REGION_DEV_PCT 0.5

static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct cli_progress *p = ctx;
    p->total = total;
    cli_progress_update(p, done);
}

/* "x.csv" -> "x-sites.csv", anything else -> "<path>.sites.csv". Caller frees. */
static char *sites_path_for(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 16);
    if (!out)
        return NULL;
    if (n > 4 && !strcmp(path + n - 4, ".csv"))
        snprintf(out, n + 16, "%.*s-sites.csv", (int)(n - 4), path);
    else
        snprintf(out, n + 16, "%s.sites.csv", path);
    return out;
}

/* Print `s` left-aligned in `width` characters (UTF-8 aware: å, ä, ö are one column). */
static void put_padded(FILE *out, const char *s, int width)
{
    int cols = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && cols < width; cols++) {
        int n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
        for (int i = 0; i < n && *p; i++)
            fputc(*p++, out);
    }
    for (; cols < width; cols++)
        fputc(' ', out);
}

static void print_table(FILE *out, const struct vx_demo_opts *o, const struct vx_demo_result *r)
{
    char day[11];
    fprintf(out,
            "Demodata (demo data): %lld personer (persons), %lld platser (sites); skala (scale) "
            "%g, frö (seed) %llu, referensdatum (reference date) %s\n\n",
            (long long)r->persons, (long long)r->sites, o->scale, (unsigned long long)o->seed,
            vx_day_format(o->ref_date, day));
    put_padded(out, "län", 5);
    put_padded(out, "namn (name)", 24);
    fprintf(out, " %10s %13s %10s %9s %8s %10s %8s\n", "SCB", "SCB*skala", "genererat", "avvik. %",
            "platser", "kapac./dag", "80+");
    for (int i = 0; i < r->nregions; i++) {
        const struct vx_demo_region_result *g = &r->regions[i];
        put_padded(out, g->code, 5);
        put_padded(out, g->name, 24);
        fprintf(out, " %10lld %13.2f %10lld %+9.3f %8lld %10lld %8lld\n", (long long)g->scb,
                g->expected, (long long)g->generated, g->dev_pct, (long long)g->sites,
                (long long)g->capacity_per_day, (long long)g->age80plus);
    }
    int64_t cap = 0, a80 = 0;
    for (int i = 0; i < r->nregions; i++) {
        cap += r->regions[i].capacity_per_day;
        a80 += r->regions[i].age80plus;
    }
    put_padded(out, "", 5);
    put_padded(out, "Riket (Sweden)", 24);
    fprintf(out, " %10lld %13.2f %10lld %+9.3f %8lld %10lld %8lld\n", (long long)r->scb_total,
            r->expected, (long long)r->persons, r->dev_pct, (long long)r->sites, (long long)cap,
            (long long)a80);
    fprintf(
        out,
        "\nStörsta avvikelse per län (largest region deviation): %.3f %% (gräns/limit %.1f %%)\n",
        r->max_abs_region_dev_pct, MAX_REGION_DEV_PCT);
}

int cmd_demo_data(struct cli_ctx *ctx)
{
    struct vx_demo_opts o = vx_demo_opts_default();
    long seed;
    if (!cli_get_double(ctx, "scale", 0.01, 1e-6, 2.0, &o.scale) ||
        !cli_get_long(ctx, "seed", 1, 0, LONG_MAX, &seed) ||
        !cli_get_day(ctx, "date", o.ref_date, &o.ref_date))
        return CLI_EXIT_USAGE;
    o.seed = (uint64_t)seed;
    const char *csv = cli_get(ctx, "csv");

    struct vx_err err = {0};
    struct vx_demo_ref *ref = NULL;
    struct vx_demo_result *res = calloc(1, sizeof *res);
    struct vx_store *st = NULL;
    char *sites = NULL;
    int rc = CLI_EXIT_FAILURE;
    if (!res) {
        cli_error(ctx, "out of memory / slut på minne");
        goto out;
    }
    if (vx_demo_ref_load(cli_shared_dir(ctx), cli_data_dir(ctx), &ref, &err) != VX_OK) {
        cli_error(ctx, "kan inte läsa referensdata (cannot read reference data): %s", err.msg);
        goto out;
    }
    struct cli_progress prog;
    cli_progress_start(&prog, ctx, "demo-data", (long long)llround((double)ref->total * o.scale));
    o.progress = on_progress;
    o.progress_ctx = &prog;

    enum vx_status s;
    if (csv) {
        sites = sites_path_for(csv);
        if (!sites) {
            cli_error(ctx, "out of memory / slut på minne");
            goto out;
        }
        s = vx_demo_write_csv(ref, &o, csv, sites, res, &err);
    } else {
        const char *db = cli_db_path(ctx);
        if (vx_store_open_sqlite(db, &st, &err) != VX_OK) {
            cli_error(ctx, "kan inte öppna databasen (cannot open the database) %s: %s", db,
                      err.msg);
            goto out;
        }
        s = vx_demo_to_store(ref, &o, st, res, &err);
    }
    cli_progress_done(&prog, res->persons);
    if (s != VX_OK) {
        cli_error(ctx, "%s%s (inget skrevs / nothing was written)", err.msg,
                  s == VX_ENOTFOUND && !csv ? " — kör `vaxchain init` först" : "");
        goto out;
    }
    if (st && !cli_stats_refresh(ctx, st))
        goto out;
    print_table(ctx->out, &o, res);
    if (csv)
        fprintf(ctx->out, "Skrev (wrote) %s och (and) %s\n", csv, sites);
    rc = CLI_EXIT_OK;
    if (res->max_abs_region_dev_pct > MAX_REGION_DEV_PCT) {
        cli_error(ctx,
                  "ett län avviker mer än %.1f %% från SCB × skala (a region deviates more than "
                  "%.1f %%); skalan är för liten (the scale is too small)",
                  MAX_REGION_DEV_PCT, MAX_REGION_DEV_PCT);
        rc = CLI_EXIT_PROBLEMS;
    }
out:
    vx_store_close(st);
    vx_demo_ref_free(ref);
    free(res);
    free(sites);
    return rc;
}
