/*
 * cmd_stats.c — the `vaxchain stats ...` commands: coverage cuts, population refresh,
 * cube rebuild and maintenance switch, FoHM's official series, open-data export.
 *
 * A thin client of include/vx/stats.h: every number comes from vx_stats_cut() (or the
 * export functions), so the CLI shows what the API shows; they fold what was recorded
 * since the last apply into the cubes first (`stats apply` does only that). `--public` applies the
 * small-cell suppression that anything published gets (docs/stats.md); without it the
 * operator at the database sees the counts as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/buf.h"
#include "vx/stats.h"
#include "vx/store.h"
#include "vx/store_stats.h"

static struct vx_store *open_store(struct cli_ctx *ctx)
{
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(cli_db_path(ctx), &st, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return NULL;
    }
    return st;
}

/* --week W, W1..W2, ..W2, W1.. into q->from / q->to. */
static bool parse_weeks(const char *s, struct vx_isoweek *from, struct vx_isoweek *to)
{
    from->year = from->week = to->year = to->week = 0;
    if (!s || !*s)
        return true;
    const char *dots = strstr(s, "..");
    if (!dots)
        return vx_isoweek_parse(s, from) == VX_OK && (*to = *from, true);
    char a[16] = "", b[16] = "";
    size_t la = (size_t)(dots - s), lb = strlen(dots + 2);
    if (la >= sizeof a || lb >= sizeof b)
        return false;
    memcpy(a, s, la);
    memcpy(b, dots + 2, lb + 1);
    if (la && vx_isoweek_parse(a, from) != VX_OK)
        return false;
    if (lb && vx_isoweek_parse(b, to) != VX_OK)
        return false;
    return la || lb;
}

static void print_key(FILE *f, const struct vx_stats_result *r, const struct vx_stats_cell *c,
                      bool csv)
{
    for (int d = 0; d < r->q.nby; d++)
        fprintf(f, csv ? "%s," : "%-12s ", c->key[d]);
}

static void print_json(FILE *f, const struct vx_stats_result *r)
{
    char b[24];
    fprintf(f,
            "{\"measure\":\"%s\",\"cumulative\":%s,\"suppressed\":%s,\"cube\":\"%s\",\"cells\":[",
            vx_stats_measure_code(r->q.measure), r->q.cumulative ? "true" : "false",
            r->suppressed ? "true" : "false", r->cube);
    for (size_t i = 0; i < r->n; i++) {
        const struct vx_stats_cell *c = &r->cells[i];
        fprintf(f, "%s{", i ? "," : "");
        for (int d = 0; d < r->q.nby; d++)
            fprintf(f, "\"%s\":\"%s\",", vx_stats_dim_code(r->q.by[d]), c->key[d]);
        if (c->supp)
            fprintf(f, "\"n\":null,\"display\":\"%s\"", vx_stats_count_text(c->n, c->supp, b));
        else
            fprintf(f, "\"n\":%lld", (long long)c->n);
        if (c->population >= 0)
            fprintf(f, ",\"population\":%lld", (long long)c->population);
        fprintf(f, "}");
    }
    fprintf(f, "],\"total\":");
    if (r->total_supp)
        fprintf(f, "{\"n\":null,\"display\":\"%s\"}}\n",
                vx_stats_count_text(r->total, r->total_supp, b));
    else
        fprintf(f, "{\"n\":%lld}}\n", (long long)r->total);
}

static int cmd_stats_coverage(struct cli_ctx *ctx)
{
    struct vx_stats_query q;
    vx_stats_query_init(&q);
    struct vx_err err = {0};
    const char *by = cli_get(ctx, "by");
    if (by && *by) {
        char buf[64];
        if (strlen(by) >= sizeof buf) {
            cli_error(ctx, "--by: too long");
            return CLI_EXIT_USAGE;
        }
        memcpy(buf, by, strlen(by) + 1);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (q.nby == 2) {
                cli_error(ctx, "--by: at most two dimensions");
                return CLI_EXIT_USAGE;
            }
            if (vx_stats_dim_parse(t, &q.by[q.nby]) != VX_OK) {
                cli_error(ctx,
                          "--by: unknown dimension '%s' (region, kommun, age, sex, group, "
                          "deso, vaccine, dose, week)",
                          t);
                return CLI_EXIT_USAGE;
            }
            q.nby++;
        }
    }
    const char *m = cli_get(ctx, "measure");
    if (m && vx_stats_measure_parse(m, &q.measure) != VX_OK) {
        cli_error(ctx, "--measure: doses, persons or full");
        return CLI_EXIT_USAGE;
    }
    q.cumulative = cli_flag(ctx, "cumulative");
    if (!parse_weeks(cli_get(ctx, "week"), &q.from, &q.to)) {
        cli_error(ctx, "--week: YYYY-Www, YYYY-Www..YYYY-Www, ..YYYY-Www or YYYY-Www..");
        return CLI_EXIT_USAGE;
    }
    const char *region = cli_get(ctx, "region");
    if (region) {
        char f[16];
        snprintf(f, sizeof f, "region:%.8s", region);
        if (vx_stats_filter_parse(&q, f, &err) != VX_OK) {
            cli_error(ctx, "--region: %s", err.msg);
            return CLI_EXIT_USAGE;
        }
    }
    if (vx_stats_filter_parse(&q, cli_get(ctx, "filter"), &err) != VX_OK) {
        cli_error(ctx, "--filter: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    bool csv = cli_flag(ctx, "csv"), json = cli_flag(ctx, "json");
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_stats_result r;
    vx_stats_result_init(&r);
    enum vx_status vs = vx_stats_cut(st, &q, &r);
    if (vs != VX_OK) {
        cli_error(ctx, "%s", st->err);
        vx_stats_result_release(&r);
        vx_store_close(st);
        return vs == VX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    if (cli_flag(ctx, "public"))
        vx_stats_suppress(&r);
    char b[24];
    if (json) {
        print_json(ctx->out, &r);
    } else {
        if (csv) {
            for (int d = 0; d < r.q.nby; d++)
                fprintf(ctx->out, "%s,", vx_stats_dim_code(r.q.by[d]));
            fprintf(ctx->out, "n,population,share\n");
        }
        for (size_t i = 0; i < r.n; i++) {
            const struct vx_stats_cell *c = &r.cells[i];
            print_key(ctx->out, &r, c, csv);
            const char *n = vx_stats_count_text(c->n, c->supp, b);
            if (csv) {
                fprintf(ctx->out, "%s,", n);
                if (c->population >= 0)
                    fprintf(ctx->out, "%lld,", (long long)c->population);
                else
                    fprintf(ctx->out, ",");
                if (c->population > 0 && !c->supp)
                    fprintf(ctx->out, "%.6f\n", (double)c->n / (double)c->population);
                else
                    fprintf(ctx->out, "\n");
            } else {
                fprintf(ctx->out, "%10s", n);
                if (c->population > 0 && !c->supp)
                    fprintf(ctx->out, " %10lld %6.2f %%", (long long)c->population,
                            100.0 * (double)c->n / (double)c->population);
                fprintf(ctx->out, "\n");
            }
        }
        if (!csv)
            fprintf(ctx->out, "%s %s (%s%s)\n", "total",
                    vx_stats_count_text(r.total, r.total_supp, b), r.cube,
                    r.population_stale ? ", population stale: run stats refresh" : "");
    }
    vx_stats_result_release(&r);
    vx_store_close(st);
    return CLI_EXIT_OK;
}

static int cmd_stats_refresh(struct cli_ctx *ctx)
{
    vx_day ref;
    if (!cli_get_day(ctx, "date", cli_today(), &ref))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    int64_t n = 0;
    enum vx_status vs = vx_stats_refresh(st, ref, &n);
    if (vs == VX_OK && cli_flag(ctx, "rebuild"))
        vs = vx_stats_rebuild(st);
    if (vs != VX_OK) {
        cli_error(ctx, "%s", st->err);
        vx_store_close(st);
        return CLI_EXIT_FAILURE;
    }
    char d[16];
    fprintf(ctx->out, "population cube: %lld persons at %s%s\n", (long long)n,
            vx_day_format(ref, d),
            cli_flag(ctx, "rebuild") ? "; dose and person cubes rebuilt" : "");
    vx_store_close(st);
    return CLI_EXIT_OK;
}

static int cmd_stats_apply(struct cli_ctx *ctx)
{
    const char *m = cli_get(ctx, "max");
    int64_t max = 0;
    if (m) {
        char *end = NULL;
        long long v = strtoll(m, &end, 10);
        if (!*m || *end || v < 1) {
            cli_error(ctx, "--max: a positive number of doses");
            return CLI_EXIT_USAGE;
        }
        max = v;
    }
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_stats_applied a;
    enum vx_status vs = vx_stats_apply(st, max, &a);
    if (vs != VX_OK)
        cli_error(ctx, "%s", st->err);
    else if (a.off)
        fprintf(ctx->out, "incremental maintenance is off: nothing applied"
                          " (stats maintain on rebuilds the cubes)\n");
    else
        fprintf(ctx->out,
                "applied %lld new doses and %lld corrections of %lld persons in %d "
                "transactions%s\n",
                (long long)a.doses, (long long)a.changes, (long long)a.persons, a.chunks,
                a.more ? "; more is pending" : "");
    vx_store_close(st);
    return vs == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int cmd_stats_maintain(struct cli_ctx *ctx)
{
    const char *a = ctx->argv[0];
    bool on = !strcmp(a, "on");
    if (!on && strcmp(a, "off")) {
        cli_error(ctx, "say on or off");
        return CLI_EXIT_USAGE;
    }
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    enum vx_status vs = st->ops->stats->maintain(st, on);
    if (vs != VX_OK)
        cli_error(ctx, "%s", st->err);
    else
        fprintf(ctx->out, "incremental maintenance %s\n", on ? "on (cubes rebuilt)" : "off");
    vx_store_close(st);
    return vs == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int cmd_stats_load_official(struct cli_ctx *ctx)
{
    char dir[4096];
    const char *from = cli_get(ctx, "from");
    if (from)
        snprintf(dir, sizeof dir, "%s", from);
    else
        snprintf(dir, sizeof dir, "%s/se", cli_shared_dir(ctx));
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_err err = {0};
    int64_t rows = 0;
    enum vx_status vs = vx_stats_load_official(st, dir, &rows, &err);
    if (vs != VX_OK)
        cli_error(ctx, "%s", err.msg);
    else
        fprintf(ctx->out, "official series: %lld values from %s\n", (long long)rows, dir);
    vx_store_close(st);
    return vs == VX_OK ? CLI_EXIT_OK : vs == VX_EPARSE ? CLI_EXIT_PROBLEMS : CLI_EXIT_FAILURE;
}

static int cmd_stats_export(struct cli_ctx *ctx)
{
    const char *format = cli_get(ctx, "format"), *out = cli_get(ctx, "out");
    const char *layout = cli_get(ctx, "layout");
    if (!format)
        format = "csv";
    bool xlsx = !strcmp(format, "xlsx");
    if (!xlsx && strcmp(format, "csv")) {
        cli_error(ctx, "--format: csv or xlsx");
        return CLI_EXIT_USAGE;
    }
    if (!out) {
        cli_error(ctx, "--out FILE is required");
        return CLI_EXIT_USAGE;
    }
    enum vx_stats_layout lay = VX_OL_REGION_WEEK;
    if (layout && !strcmp(layout, "region_age"))
        lay = VX_OL_REGION_AGE;
    else if (layout && strcmp(layout, "region_week")) {
        cli_error(ctx, "--layout: region_week or region_age");
        return CLI_EXIT_USAGE;
    }
    struct vx_stats_export_opts o;
    memset(&o, 0, sizeof o);
    const char *w = cli_get(ctx, "week");
    if (w && vx_isoweek_parse(w, &o.through) != VX_OK) {
        cli_error(ctx, "--week: YYYY-Www");
        return CLI_EXIT_USAGE;
    }
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_err err = {0};
    enum vx_status vs;
    if (xlsx) {
        vs = vx_stats_export_xlsx(st, &o, out, &err);
    } else {
        struct vx_buf b;
        vx_buf_init(&b, 512u * 1024u * 1024u);
        vs = vx_stats_export_csv(st, lay, &o, &b);
        if (vs != VX_OK) {
            vx_err_set(&err, vs, "%s", st->err);
        } else {
            FILE *f = fopen(out, "wb");
            if (!f || fwrite(b.data ? b.data : "", 1, b.len, f) != b.len) {
                vs = vx_err_set(&err, VX_EIO, "cannot write %s", out);
            }
            if (f && fclose(f) != 0 && vs == VX_OK)
                vs = vx_err_set(&err, VX_EIO, "cannot write %s", out);
        }
        vx_buf_release(&b);
    }
    if (vs != VX_OK)
        cli_error(ctx, "%s", err.msg);
    else
        fprintf(ctx->out, "wrote %s\n", out);
    vx_store_close(st);
    return vs == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

const struct cli_command cli_cmds_stats[] = {
    {
        .words = "stats coverage",
        .summary = "coverage cut from the statistics cubes (by region, age, week, ...)",
        .details = "Counts valid doses (--measure doses), persons with at least N doses\n"
                   "(persons, N = filter dose:N, default 1) or fully vaccinated persons (full),\n"
                   "grouped by up to two of region, kommun, age, sex, group, deso, vaccine,\n"
                   "dose, week. --public hides counts 1-4 and what would reveal them\n"
                   "(docs/stats.md). Filters: --filter age:80-89,sex:2,vaccine:COM,dose:2.",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"by", "DIMS", "one or two dimensions, e.g. region or region,week"},
                 {"measure", "M", "doses (default), persons or full"},
                 {"region", "CODE", "only this region (län code)"},
                 {"week", "W[..W]", "one week or a range (YYYY-Www..YYYY-Www)"},
                 {"filter", "LIST", "dim:value,... (kommun, age, sex, group, deso, vaccine, dose)"},
                 {"cumulative", NULL, "week values are totals through the week"},
                 {"public", NULL, "apply small-cell suppression (as published)"},
                 {"csv", NULL, "print CSV"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_stats_coverage,
    },
    {
        .words = "stats refresh",
        .summary = "rebuild the population cube (denominators) from the persons table",
        .details = "Ages and priority groups at --date. Run after importing persons.\n"
                   "--rebuild also recomputes the dose and person cubes from the doses table.",
        .max_args = 0,
        .opts = {OPT_DB, OPT_DATE, {"rebuild", NULL, "also rebuild the dose and person cubes"}},
        .run = cmd_stats_refresh,
    },
    {
        .words = "stats apply",
        .summary = "fold the doses and corrections recorded since the last apply into the cubes",
        .details = "Recording a dose does no statistics work; the cubes catch up here (the\n"
                   "server does it every second, and every cut does it first). In transactions\n"
                   "of at most 50,000 doses; --max stops after about N.",
        .max_args = 0,
        .opts = {OPT_DB, {"max", "N", "at most about N doses and corrections"}},
        .run = cmd_stats_apply,
    },
    {
        .words = "stats maintain",
        .synopsis = "on|off",
        .summary = "switch incremental maintenance off (nothing applied) or on (rebuilds)",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB},
        .run = cmd_stats_maintain,
    },
    {
        .words = "stats load-official",
        .summary = "load Folkhälsomyndigheten's published series (region/week, region/age, "
                   "kommun/age)",
        .details =
            "Reads fohm_vaccinations_region_week.csv, fohm_vaccinated_region_age_snapshot.csv\n"
            "and fohm_vaccinated_municipality_age_snapshot.csv from the shared se/ folder\n"
            "(or --from DIR) and replaces the stored official series, all or nothing.",
        .max_args = 0,
        .opts = {OPT_DB, {"from", "DIR", "folder with the FoHM files (default: shared se/)"}},
        .run = cmd_stats_load_official,
    },
    {
        .words = "stats export",
        .summary = "open data in FoHM's column layout (CSV or XLSX), suppressed",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"format", "csv|xlsx", "file format (default csv)"},
                 {"layout", "L", "csv: region_week (default) or region_age"},
                 {"week", "YYYY-Www", "last week included (default: latest)"},
                 {"out", "FILE", "output file (required)"}},
        .run = cmd_stats_export,
    },
    {0}, /* end */
};
