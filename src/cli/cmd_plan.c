/*
 * cmd_plan.c — `vaxchain plan deliveries` and `vaxchain plan allocate`.
 *
 * Both read FoHM's published delivery snapshots and the reconstructed 2021 weekly series
 * from the shared data folder (se/deliveries_se_week*.csv) into a revision log (core
 * alloc.h), so no database is needed. `plan deliveries` lists, per ISO week and vaccine,
 * what was known on --as-of (latest revision by then) and the chain of revisions up to that
 * day (old -> new). `plan allocate` replays the actual national deliveries of one vaccine
 * from the first week up to --week through the whole-package quota allocation, with the
 * regions weighted by SCB population (2020) of the chosen basis, and prints the regional
 * allocation of that week: exact cumulative share, doses and packages allocated, and the
 * cumulative deviation in packages (always strictly between -1 and 1). The package is
 * --package vials (default per vaccine: a Comirnaty tray of 195 vials, else 10) times the
 * doses per vial the catalogue (data/vaccines.json) gives for that vaccine in --week.
 * Text is Swedish unless --lang en; --csv prints machine-readable CSV (English headers).
 */
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/alloc.h"
#include "vx/arena.h"
#include "vx/catalog.h"

#define DELIVERY_FILE_MAX (4u << 20)
#define POP_FILE_MAX      (8u << 20)

static const struct {
    const char *vaccine;
    long vials;
} default_package[] = {{"COM", 195}, {"MOD", 10}, {"AZ", 10}, {"JANSS", 10}, {"NVX", 10}};

struct words {
    const char *week, *vaccine, *known, *kind_fc, *kind_act, *source, *revisions, *region, *exact,
        *doses, *packages, *deviation, *total, *carry, *none, *basis, *vials;
};
static const struct words words_sv = {"Vecka",
                                      "Vaccin",
                                      "Känt",
                                      "prognos",
                                      "levererat",
                                      "Källa",
                                      "Revisioner",
                                      "Region",
                                      "Exakt andel (förp.)",
                                      "Doser",
                                      "Förp.",
                                      "Kum. avvikelse (förp.)",
                                      "Totalt",
                                      "Överfört nationellt",
                                      "inga uppgifter",
                                      "fördelningsgrund",
                                      "flaskor"};
static const struct words words_en = {"Week",
                                      "Vaccine",
                                      "Known",
                                      "forecast",
                                      "delivered",
                                      "Source",
                                      "Revisions",
                                      "Region",
                                      "Exact share (pkg)",
                                      "Doses",
                                      "Pkg",
                                      "Cum. deviation (pkg)",
                                      "Total",
                                      "Carried nationally",
                                      "no figures",
                                      "basis",
                                      "vials"};

static const struct words *lang_words(struct cli_ctx *ctx)
{
    const char *l = cli_get(ctx, "lang");
    return l && strcmp(l, "en") == 0 ? &words_en : &words_sv;
}

/* Read <shared>/se/<name> and parse it into log with `parse`. Prints why on failure. */
static bool load_file(struct cli_ctx *ctx, const char *name, size_t max, char **text, size_t *len)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/se/%s", cli_shared_dir(ctx), name) >= sizeof path) {
        cli_error(ctx, "shared data path too long");
        return false;
    }
    enum vx_status st = cli_read_file(path, text, len, max);
    if (st != VX_OK) {
        cli_error(ctx, "cannot read %s: %s", path, vx_strerror(st));
        return false;
    }
    return true;
}

static bool load_log(struct cli_ctx *ctx, struct vx_delivery_log *log)
{
    static const char *const files[] = {"deliveries_se_week.csv",
                                        "deliveries_se_week_reconstructed.csv"};
    for (size_t i = 0; i < VX_ARRAY_LEN(files); i++) {
        char *text;
        size_t len;
        if (!load_file(ctx, files[i], DELIVERY_FILE_MAX, &text, &len))
            return false;
        struct vx_err err = {0};
        enum vx_status st = i == 0 ? vx_delivery_parse_snapshots(log, text, len, &err)
                                   : vx_delivery_parse_reconstructed(log, text, len, &err);
        free(text);
        if (st != VX_OK) {
            cli_error(ctx, "%s: %s", files[i], err.msg);
            return false;
        }
    }
    vx_delivery_log_sort(log);
    return true;
}

static bool vaccine_opt(struct cli_ctx *ctx, const char **out)
{
    *out = cli_get(ctx, "vaccine");
    if (*out == NULL)
        return true;
    if (!vx_delivery_vaccine_known(*out) || strcmp(*out, "ALL") == 0) {
        cli_error(ctx, "unknown vaccine '%s' (COM, MOD, AZ, JANSS, NVX, COM_PAED)", *out);
        return false;
    }
    return true;
}

static int cmd_plan_deliveries(struct cli_ctx *ctx)
{
    const struct words *w = lang_words(ctx);
    vx_day as_of;
    const char *vaccine;
    if (!cli_get_day(ctx, "as-of", cli_today(), &as_of) || !vaccine_opt(ctx, &vaccine))
        return CLI_EXIT_USAGE;
    bool csv = cli_flag(ctx, "csv");
    struct vx_delivery_log log = {0};
    if (!load_log(ctx, &log)) {
        vx_delivery_log_free(&log);
        return CLI_EXIT_FAILURE;
    }
    if (csv)
        fprintf(ctx->out, "iso_week,vaccine,revision,known,kind,doses,source,current\n");
    else
        fprintf(ctx->out, "%-9s %-8s %10s %-10s %-9s %-15s %s\n", w->week, w->vaccine, w->doses,
                w->known, "", w->source, w->revisions);
    for (size_t i = 0; i < log.n;) {
        size_t j = i;
        while (j < log.n && vx_isoweek_cmp(log.revs[j].week, log.revs[i].week) == 0 &&
               strcmp(log.revs[j].vaccine, log.revs[i].vaccine) == 0)
            j++;
        const struct vx_delivery_rev *cur = NULL;
        if ((vaccine == NULL || strcmp(vaccine, log.revs[i].vaccine) == 0) &&
            vx_delivery_known(&log, log.revs[i].week, log.revs[i].vaccine, as_of, &cur) == VX_OK) {
            char wk[16], d[16];
            vx_isoweek_format(cur->week, wk);
            if (csv) {
                int k = 0;
                for (size_t r = i; r < j; r++) {
                    const struct vx_delivery_rev *rv = &log.revs[r];
                    if (rv->known > as_of)
                        continue;
                    fprintf(ctx->out, "%s,%s,%d,%s,%s,%lld,%s,%d\n", wk, rv->vaccine, ++k,
                            vx_day_format(rv->known, d),
                            rv->kind == VX_DELIVERY_ACTUAL ? "actual" : "forecast", rv->doses,
                            rv->source, rv == cur);
                }
            } else {
                fprintf(ctx->out, "%-9s %-8s %10lld %-10s %-9s %-15s", wk, cur->vaccine, cur->doses,
                        vx_day_format(cur->known, d),
                        cur->kind == VX_DELIVERY_ACTUAL ? w->kind_act : w->kind_fc, cur->source);
                long long prev = -1;
                for (size_t r = i; r < j; r++) {
                    const struct vx_delivery_rev *rv = &log.revs[r];
                    if (rv->known > as_of || rv->doses == prev)
                        continue;
                    fprintf(ctx->out, "%s%lld (%s %s)", prev < 0 ? " " : " -> ", rv->doses,
                            rv->source, vx_day_format(rv->known, d));
                    prev = rv->doses;
                }
                fputc('\n', ctx->out);
            }
        }
        i = j;
    }
    vx_delivery_log_free(&log);
    return CLI_EXIT_OK;
}

/* Region names from <shared>/se/regions.csv (lan_code,name,short_name) into names[100]. */
static bool load_region_names(struct cli_ctx *ctx, char names[100][32])
{
    char *text;
    size_t len;
    if (!load_file(ctx, "regions.csv", 1u << 20, &text, &len))
        return false;
    memset(names, 0, 100 * 32);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (c2 == NULL || line[0] < '0' || line[0] > '9' || line[1] < '0' || line[1] > '9')
            continue;
        char *end = c2 + 1 + strcspn(c2 + 1, "\r");
        *end = '\0';
        snprintf(names[(line[0] - '0') * 10 + line[1] - '0'], 32, "%s", c2 + 1);
    }
    free(text);
    return true;
}

static int cmd_plan_allocate(struct cli_ctx *ctx)
{
    const struct words *w = lang_words(ctx);
    struct vx_isoweek week;
    const char *wk_s = cli_get(ctx, "week");
    if (wk_s == NULL || vx_isoweek_parse(wk_s, &week) != VX_OK) {
        cli_error(ctx, "--week YYYY-Www is required (e.g. 2021-W10)");
        return CLI_EXIT_USAGE;
    }
    const char *vaccine;
    if (!vaccine_opt(ctx, &vaccine))
        return CLI_EXIT_USAGE;
    if (vaccine == NULL)
        vaccine = "COM";
    const char *basis = cli_get(ctx, "basis");
    if (basis == NULL)
        basis = "adult";
    int lo, hi;
    struct vx_err err = {0};
    if (vx_alloc_basis_parse(basis, &lo, &hi, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    long vials_def = 10;
    for (size_t i = 0; i < VX_ARRAY_LEN(default_package); i++)
        if (strcmp(default_package[i].vaccine, vaccine) == 0)
            vials_def = default_package[i].vials;
    long vials;
    if (!cli_get_long(ctx, "package", vials_def, 1, 100000, &vials))
        return CLI_EXIT_USAGE;
    bool csv = cli_flag(ctx, "csv");

    int rc = CLI_EXIT_FAILURE;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_delivery_log log = {0};
    char *pop = NULL;
    size_t pop_len;
    const struct vx_catalog *cat;
    static char names[100][32];
    long long by_lan[100], weight[VX_ALLOC_MAX_REGIONS], wp[VX_ALLOC_MAX_REGIONS];
    int lan_of[VX_ALLOC_MAX_REGIONS];
    struct vx_alloc a;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL) || !load_log(ctx, &log) ||
        !load_region_names(ctx, names) ||
        !load_file(ctx, "population_municipality_age.csv", POP_FILE_MAX, &pop, &pop_len))
        goto out;
    const struct vx_product *prod = vx_catalog_find(cat, vaccine);
    if (prod == NULL) {
        cli_error(ctx, "vaccine %s is not in the catalogue", vaccine);
        goto out;
    }
    vx_day monday = vx_isoweek_monday(week.year, week.week);
    long long package = (long long)vials * vx_product_doses_per_vial(prod, monday, true);
    if (vx_population_by_lan(pop, pop_len, 2020, lo, hi, by_lan, &err) != VX_OK) {
        cli_error(ctx, "population_municipality_age.csv: %s", err.msg);
        goto out;
    }
    size_t n = 0;
    for (int l = 0; l < 100 && n < VX_ALLOC_MAX_REGIONS; l++)
        if (by_lan[l] > 0) {
            lan_of[n] = l;
            weight[n++] = by_lan[l];
        }
    if (vx_alloc_init(&a, n, weight, package, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        goto out;
    }
    /* Replay the actual series (reconstructed rows) up to and including --week. */
    bool found = false;
    long long delivered = 0;
    memset(wp, 0, sizeof wp);
    for (size_t i = 0; i < log.n; i++) {
        const struct vx_delivery_rev *r = &log.revs[i];
        if (r->kind != VX_DELIVERY_ACTUAL || strncmp(r->source, "R:", 2) != 0 ||
            strcmp(r->vaccine, vaccine) != 0 || vx_isoweek_cmp(r->week, week) > 0)
            continue;
        if (vx_alloc_week(&a, r->doses, wp, &err) != VX_OK) {
            cli_error(ctx, "%s", err.msg);
            goto out;
        }
        if (vx_isoweek_cmp(r->week, week) == 0) {
            found = true;
            delivered = r->doses;
        }
    }
    if (!found) {
        cli_error(ctx, "no delivery of %s in %s in the series (2020-W52..2021-W47)", vaccine, wk_s);
        rc = CLI_EXIT_PROBLEMS;
        goto out;
    }
    if (csv)
        fprintf(ctx->out, "lan_code,region,weight,exact_cum_packages,doses,packages,cum_packages,"
                          "cum_deviation_packages\n");
    else
        fprintf(ctx->out,
                "%s %s, %s, %s %s, %lld %s/%s (%ld %s); %s: %lld\n%-18s %20s %9s %6s %22s\n",
                w->week, wk_s, vaccine, w->basis, basis, package, w->doses, w->packages, vials,
                w->vials, w->kind_act, delivered, w->region, w->exact, w->doses, w->packages,
                w->deviation);
    long long tot_pkg = 0;
    for (size_t r = 0; r < n; r++) {
        double exact = vx_alloc_exact(&a, r);
        const char *name = names[lan_of[r]][0] ? names[lan_of[r]] : "?";
        tot_pkg += wp[r];
        if (csv)
            fprintf(ctx->out, "%02d,%s,%lld,%.4f,%lld,%lld,%lld,%.4f\n", lan_of[r], name, weight[r],
                    exact, wp[r] * package, wp[r], a.cum[r], (double)a.cum[r] - exact);
        else
            fprintf(ctx->out, "%-18s %20.3f %9lld %6lld %+22.3f\n", name, exact, wp[r] * package,
                    wp[r], (double)a.cum[r] - exact);
    }
    if (!csv)
        fprintf(ctx->out, "%-18s %20lld %9lld %6lld\n%s: %lld\n", w->total, a.cum_packages,
                tot_pkg * package, tot_pkg, w->carry, vx_alloc_carry(&a));
    rc = CLI_EXIT_OK;
out:
    free(pop);
    vx_delivery_log_free(&log);
    vx_arena_release(&arena);
    return rc;
}

const struct cli_command cli_cmds_plan[] = {
    {
        .words = "plan deliveries",
        .summary = "list national deliveries per ISO week and vaccine with every revision",
        .details = "Reads FoHM's published snapshots and the reconstructed 2021 series from the\n"
                   "shared data (se/deliveries_se_week*.csv). Per week and vaccine: the figure\n"
                   "known on --as-of (latest revision by then) and its revisions old -> new.",
        .max_args = 0,
        .opts = {{"as-of", "YYYY-MM-DD", "what was known on this day (default: today)"},
                 {"vaccine", "CODE", "only this vaccine (COM, MOD, AZ, JANSS, NVX)"},
                 {"csv", NULL, "print CSV, one row per revision"},
                 {"lang", "sv|en", "language of the table (default sv)"}},
        .run = cmd_plan_deliveries,
    },
    {
        .words = "plan allocate",
        .summary = "national -> regional allocation of a week's delivery in whole packages",
        .details = "Replays the national deliveries of one vaccine up to --week, pro rata to\n"
                   "SCB population 2020 of the basis, in whole packages, remainders carried:\n"
                   "each region's cumulative allocation stays within one package of exact.\n"
                   "Basis: adult (18+), age:LO- or age:LO-HI (e.g. age:65-, age:70-).",
        .max_args = 0,
        .opts = {OPT_DATA,
                 {"week", "YYYY-Www", "the week to show (required), e.g. 2021-W10"},
                 {"vaccine", "CODE", "COM (default), MOD or AZ"},
                 {"basis", "BASIS", "adult (default), age:65-, age:70-, age:LO-HI"},
                 {"package", "N", "vials per package (default: COM 195, others 10)"},
                 {"csv", NULL, "print CSV"},
                 {"lang", "sv|en", "language of the table (default sv)"}},
        .run = cmd_plan_allocate,
    },
    {0}, /* end */
};
