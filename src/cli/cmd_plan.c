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
#include "vx/buf.h"
#include "vx/catalog.h"
#include "vx/plan.h"
#include "vx/store.h"
#include <math.h>
#include <time.h>
#include <unistd.h>

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

static int cmd_plan_allocate_db(struct cli_ctx *ctx);

static int cmd_plan_allocate(struct cli_ctx *ctx)
{
    if (cli_get(ctx, "db"))
        return cmd_plan_allocate_db(ctx);
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

/* ---- scenario of the 2021 replay (plan replay, plan project) ---- */

/* FoHM's allocation basis over 2021 (docs/planning.md): population in the active phases. */
static const struct {
    const char *until; /* last ISO week of the basis; NULL = the rest */
    const char *basis;
} phase_basis[] = {
    {"2021-W09", "age:70-"},   {"2021-W17", "age:65-"}, {"2021-W19", "adult"},
    {"2021-W29", "age:18-64"}, {NULL, "adult"},
};

/* Priority groups of the simulation (plan.h VX_PLAN_GROUPS): oldest first. */
static const struct {
    int lo, hi;
} group_ages[VX_PLAN_GROUPS] = {{80, 200}, {65, 79}, {18, 64}};

static const char *const replay_vaccines[] = {"COM", "MOD", "AZ"};

struct scen_opts {
    double scale;
    long weeks, eval_weeks, late_after;
    const char *basis; /* "phases" or a basis spec */
};

static bool scenario_opts(struct cli_ctx *ctx, struct vx_plan_scenario *s, struct scen_opts *o)
{
    vx_plan_scenario_defaults(s);
    double cap, up, ns, yf, sb, sf;
    long sdd, rr;
    if (!cli_get_double(ctx, "scale", 1.0, 1e-4, 1.0, &o->scale) ||
        !cli_get_long(ctx, "weeks", 48, 1, VX_PLAN_MAX_WEEKS, &o->weeks) ||
        !cli_get_long(ctx, "eval-weeks", 26, 1, VX_PLAN_MAX_WEEKS, &o->eval_weeks) ||
        !cli_get_long(ctx, "late-after", 3, 0, 52, &o->late_after) ||
        !cli_get_double(ctx, "capacity", s->capacity_per_1000, 0, 1000, &cap) ||
        !cli_get_double(ctx, "uptake", s->uptake, 0.01, 1, &up) ||
        !cli_get_double(ctx, "no-show", s->no_show, 0, 0.9, &ns) ||
        !cli_get_double(ctx, "yield", s->yield_factor, 0.5, 1, &yf) ||
        !cli_get_double(ctx, "standby", s->standby_fill, 0, 1, &sb) ||
        !cli_get_double(ctx, "safety", s->safety, 0, 1, &sf) ||
        !cli_get_long(ctx, "site-day", (long)s->site_day_doses, 1, 100000, &sdd) ||
        !cli_get_long(ctx, "run-rate", s->run_rate_weeks, 1, 26, &rr))
        return false;
    if (o->eval_weeks > o->weeks) {
        cli_error(ctx, "--eval-weeks %ld is more than --weeks %ld", o->eval_weeks, o->weeks);
        return false;
    }
    o->basis = cli_get(ctx, "basis");
    if (o->basis == NULL)
        o->basis = "phases";
    if (strcmp(o->basis, "phases") != 0) {
        int lo, hi;
        struct vx_err err = {0};
        if (vx_alloc_basis_parse(o->basis, &lo, &hi, &err) != VX_OK) {
            cli_error(ctx, "%s (or phases)", err.msg);
            return false;
        }
    }
    s->capacity_per_1000 = cap;
    s->uptake = up;
    s->no_show = ns;
    s->yield_factor = yf;
    s->standby_fill = sb;
    s->safety = sf;
    s->site_day_doses = sdd;
    s->run_rate_weeks = (int)rr;
    s->n_weeks = (int)o->weeks;
    s->eval_weeks = (int)o->eval_weeks;
    return true;
}

/* Population of one basis per county into by_lan (scaled later). */
static bool basis_pop(struct cli_ctx *ctx, const char *pop, size_t len, const char *basis,
                      long long by_lan[100])
{
    int lo, hi;
    struct vx_err err = {0};
    if (vx_alloc_basis_parse(basis, &lo, &hi, &err) != VX_OK ||
        vx_population_by_lan(pop, len, 2020, lo, hi, by_lan, &err) != VX_OK) {
        cli_error(ctx, "basis %s: %s", basis, err.msg);
        return false;
    }
    return true;
}

/* Build the 2021 scenario from the shared data: deliveries, SCB population, catalogue. */
static bool build_scenario(struct cli_ctx *ctx, struct vx_plan_scenario *s,
                           const struct scen_opts *o, struct vx_delivery_log *log,
                           long long *adults_out)
{
    bool ok = false;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    char *pop = NULL;
    size_t pop_len;
    const struct vx_catalog *cat;
    long long by_lan[100], grp[VX_PLAN_GROUPS][100], adults[100];
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL) || !load_log(ctx, log) ||
        !load_file(ctx, "population_municipality_age.csv", POP_FILE_MAX, &pop, &pop_len) ||
        !basis_pop(ctx, pop, pop_len, "adult", adults))
        goto out;
    for (int k = 0; k < VX_PLAN_GROUPS; k++) {
        char spec[32];
        if (group_ages[k].hi >= 200)
            snprintf(spec, sizeof spec, "age:%d-", group_ages[k].lo);
        else
            snprintf(spec, sizeof spec, "age:%d-%d", group_ages[k].lo, group_ages[k].hi);
        if (!basis_pop(ctx, pop, pop_len, spec, grp[k]))
            goto out;
    }
    vx_isoweek_parse("2020-W52", &s->week0);
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    *adults_out = 0;
    for (int l = 0; l < 100; l++) {
        if (adults[l] <= 0)
            continue;
        if (s->n_regions >= VX_PLAN_MAX_REGIONS) {
            cli_error(ctx, "more than %d regions", VX_PLAN_MAX_REGIONS);
            goto out;
        }
        struct vx_plan_region *r = &s->regions[s->n_regions++];
        r->code[0] = (char)('0' + l / 10);
        r->code[1] = (char)('0' + l % 10);
        r->code[2] = '\0';
        for (int k = 0; k < VX_PLAN_GROUPS; k++) {
            r->people[k] = llround((double)grp[k][l] * o->scale);
            *adults_out += r->people[k];
        }
    }
    /* allocation basis per week */
    for (int t = 0; t < s->n_weeks; t++) {
        struct vx_isoweek w = vx_isoweek_of(monday0 + 7 * t);
        const char *basis = o->basis;
        if (strcmp(basis, "phases") == 0) {
            for (size_t i = 0; i < VX_ARRAY_LEN(phase_basis); i++) {
                struct vx_isoweek until;
                if (phase_basis[i].until == NULL ||
                    (vx_isoweek_parse(phase_basis[i].until, &until) == VX_OK &&
                     vx_isoweek_cmp(w, until) <= 0)) {
                    basis = phase_basis[i].basis;
                    break;
                }
            }
        }
        static char last_basis[32];
        if (t == 0 || strcmp(last_basis, basis) != 0) {
            if (!basis_pop(ctx, pop, pop_len, basis, by_lan))
                goto out;
            snprintf(last_basis, sizeof last_basis, "%s", basis);
        }
        size_t g = 0;
        for (int l = 0; l < 100; l++)
            if (adults[l] > 0)
                s->regions[g++].weight_by_week[t] = by_lan[l];
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(replay_vaccines); i++) {
        const struct vx_product *p = vx_catalog_find(cat, replay_vaccines[i]);
        if (p == NULL) {
            cli_error(ctx, "vaccine %s is not in the catalogue", replay_vaccines[i]);
            goto out;
        }
        /* the interval and vial in force when the vaccine first arrived */
        vx_day on = monday0;
        if (p->authorised != VX_CATALOG_NO_DATE && p->authorised > on)
            on = p->authorised;
        struct vx_err err = {0};
        if (vx_plan_scenario_add_vaccine(s, replay_vaccines[i], log, p, on, (int)o->late_after,
                                         o->scale, &err) != VX_OK) {
            cli_error(ctx, "%s", err.msg);
            goto out;
        }
    }
    ok = true;
out:
    free(pop);
    vx_arena_release(&arena);
    return ok;
}

/* FoHM's national curve (fohm_vaccinations_region_week.csv, lan_code 00) as shares of
 * `adults` per scenario week; -1 where the file has no value. */
static void load_observed(struct cli_ctx *ctx, const struct vx_plan_scenario *s, long long adults,
                          double *d1, double *full)
{
    for (int t = 0; t < s->n_weeks; t++)
        d1[t] = full[t] = -1;
    char *text;
    size_t len;
    if (!load_file(ctx, "fohm_vaccinations_region_week.csv", 4u << 20, &text, &len))
        return;
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        int nf = 0;
        for (char *p = line; nf < 8;) {
            f[nf++] = p;
            char *c = strchr(p, ',');
            if (c == NULL)
                break;
            *c = '\0';
            p = c + 1;
        }
        struct vx_isoweek w;
        if (nf < 8 || strcmp(f[3], "00") != 0 || vx_isoweek_parse(f[0], &w) != VX_OK)
            continue;
        long t = (vx_isoweek_monday(w.year, w.week) - monday0) / 7;
        if (t < 0 || t >= s->n_weeks || adults <= 0)
            continue;
        char *end;
        double a = strtod(f[6], &end);
        if (end != f[6])
            d1[t] = a / (double)adults;
        char *f8 = f[7] + strlen(f[7]) + 1; /* persons_dose2_cum: the 9th column */
        double b = strtod(f8, &end);
        if (end != f8)
            full[t] = b / (double)adults;
    }
    free(text);
}

static int cmd_plan_replay(struct cli_ctx *ctx)
{
    struct scen_opts o;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_outcome *out = calloc(VX_PLAN_N_POLICIES, sizeof *out);
    struct vx_delivery_log log = {0};
    int rc = CLI_EXIT_FAILURE;
    if (s == NULL || out == NULL) {
        cli_error(ctx, "out of memory");
        goto done;
    }
    if (!scenario_opts(ctx, s, &o)) {
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    long long adults = 0;
    if (!build_scenario(ctx, s, &o, &log, &adults))
        goto done;
    static const enum vx_plan_policy order[] = {VX_PLAN_HOLD_ALL, VX_PLAN_HOLD_NONE,
                                                VX_PLAN_FORECAST, VX_PLAN_PERFECT};
    for (size_t i = 0; i < VX_ARRAY_LEN(order); i++) {
        struct vx_err err = {0};
        if (vx_plan_replay(s, order[i], &out[order[i]], &err) != VX_OK) {
            cli_error(ctx, "%s: %s", vx_plan_policy_name(order[i]), err.msg);
            goto done;
        }
    }
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    fprintf(ctx->out, "# replay %d weeks from 2020-W52, scale %g, %lld adults, basis %s\n",
            s->n_weeks, o.scale, adults, o.basis);
    fprintf(ctx->out, "%-9s", "week");
    for (size_t i = 0; i < VX_ARRAY_LEN(order); i++)
        fprintf(ctx->out, " %10s:d1 %10s:fv", vx_plan_policy_name(order[i]),
                vx_plan_policy_name(order[i]));
    fputc('\n', ctx->out);
    for (int t = 0; t < s->n_weeks; t++) {
        char wk[16];
        vx_isoweek_format(vx_isoweek_of(monday0 + 7 * t), wk);
        fprintf(ctx->out, "%-9s", wk);
        for (size_t i = 0; i < VX_ARRAY_LEN(order); i++)
            fprintf(ctx->out, " %13lld %13lld", out[order[i]].dose1[t], out[order[i]].full[t]);
        fputc('\n', ctx->out);
    }
    const struct vx_plan_outcome *perfect = &out[VX_PLAN_PERFECT];
    double bound = (double)perfect->dose1_eval;
    for (size_t i = 0; i < VX_ARRAY_LEN(order); i++) {
        const struct vx_plan_outcome *r = &out[order[i]];
        fprintf(ctx->out,
                "summary policy=%s dose1_%dw=%lld full_%dw=%lld ratio_to_bound=%.4f "
                "ratio_to_lp=%.4f late_dose2_pct=%.3f wastage_pct=%.3f cancelled=%lld "
                "uncovered_dose2=%lld min_stock=%lld\n",
                vx_plan_policy_name(r->policy), s->eval_weeks, r->dose1_eval, s->eval_weeks,
                r->full[s->eval_weeks - 1], bound > 0 ? (double)r->dose1_eval / bound : 0.0,
                perfect->bound_eval > 0 ? (double)r->dose1_eval / perfect->bound_eval : 0.0,
                vx_plan_late_pct(r), vx_plan_waste_pct(r), r->cancelled, r->uncovered2,
                r->min_stock);
    }
    fprintf(ctx->out, "bound: perfect information dose1_%dw=%lld; LP relaxation (GLPK) %.0f\n",
            s->eval_weeks, perfect->dose1_eval, perfect->bound_eval);
    const char *svg = cli_get(ctx, "svg");
    if (svg) {
        double *obs1 = calloc((size_t)s->n_weeks, sizeof *obs1);
        double *obs2 = calloc((size_t)s->n_weeks, sizeof *obs2);
        struct vx_buf b;
        vx_buf_init(&b, 4u << 20);
        const struct vx_plan_outcome *runs[] = {&out[VX_PLAN_HOLD_ALL], &out[VX_PLAN_FORECAST],
                                                &out[VX_PLAN_PERFECT]};
        bool ok = obs1 && obs2;
        if (ok) {
            load_observed(ctx, s, llround((double)adults / o.scale), obs1, obs2);
            ok =
                vx_plan_chart_svg(s, runs, VX_ARRAY_LEN(runs), obs1, obs2, adults,
                                  "Sweden 2021: simulated coverage of adults vs FoHM", &b) == VX_OK;
        }
        FILE *f = ok ? fopen(svg, "w") : NULL;
        if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len) {
            cli_error(ctx, "cannot write %s", svg);
            ok = false;
        }
        if (f && fclose(f) != 0)
            ok = false;
        vx_buf_release(&b);
        free(obs1);
        free(obs2);
        if (!ok)
            goto done;
    }
    const struct vx_plan_outcome *fc = &out[VX_PLAN_FORECAST];
    fprintf(ctx->out,
            "policy=forecast dose1_ratio_to_bound=%.4f late_dose2_pct=%.3f wastage_pct=%.3f "
            "cancelled=%lld\n",
            bound > 0 ? (double)fc->dose1_eval / bound : 0.0, vx_plan_late_pct(fc),
            vx_plan_waste_pct(fc), fc->cancelled);
    rc = CLI_EXIT_OK;
done:
    vx_delivery_log_free(&log);
    free(s);
    free(out);
    return rc;
}

static int cmd_plan_project(struct cli_ctx *ctx)
{
    struct scen_opts o;
    struct vx_plan_scenario *s = calloc(1, sizeof *s);
    struct vx_plan_projection *pr = calloc(1, sizeof *pr);
    struct vx_delivery_log log = {0};
    int rc = CLI_EXIT_FAILURE;
    long runs, seed, from;
    double cv;
    enum vx_plan_policy pol = VX_PLAN_FORECAST;
    struct vx_err err = {0};
    if (s == NULL || pr == NULL) {
        cli_error(ctx, "out of memory");
        goto done;
    }
    if (!scenario_opts(ctx, s, &o) || !cli_get_long(ctx, "runs", 200, 1, 1000, &runs) ||
        !cli_get_long(ctx, "seed", 1, 0, 2147483647L, &seed) ||
        !cli_get_long(ctx, "from", 0, 0, VX_PLAN_MAX_WEEKS, &from) ||
        !cli_get_double(ctx, "cv", 0.25, 0, 2, &cv)) {
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    if (cli_get(ctx, "policy") && vx_plan_policy_parse(cli_get(ctx, "policy"), &pol, &err)) {
        cli_error(ctx, "%s", err.msg);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    long long adults = 0;
    if (!build_scenario(ctx, s, &o, &log, &adults))
        goto done;
    if (vx_plan_project(s, pol, (int)from, cv, (int)runs, (uint64_t)seed, pr, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        goto done;
    }
    vx_day monday0 = vx_isoweek_monday(s->week0.year, s->week0.week);
    fprintf(ctx->out, "iso_week,dose1_p10,dose1_p50,dose1_p90,full_p10,full_p50,full_p90,"
                      "share80_p50,share65_79_p50,share18_64_p50\n");
    for (int t = 0; t < pr->n_weeks; t++) {
        char wk[16];
        vx_isoweek_format(vx_isoweek_of(monday0 + 7 * t), wk);
        fprintf(ctx->out, "%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.4f,%.4f,%.4f\n", wk, pr->dose1[0][t],
                pr->dose1[1][t], pr->dose1[2][t], pr->full[0][t], pr->full[1][t], pr->full[2][t],
                pr->group_p50[0][t], pr->group_p50[1][t], pr->group_p50[2][t]);
    }
    rc = CLI_EXIT_OK;
done:
    vx_delivery_log_free(&log);
    free(s);
    free(pr);
    return rc;
}

/* ---- database-backed planning: plan import / allocate --db / replan ---- */

/* Open the existing database of --db (never creates one: a typo must not make a file). */
static bool open_db(struct cli_ctx *ctx, struct vx_store **st)
{
    const char *db = cli_db_path(ctx);
    if (access(db, F_OK) != 0) {
        cli_error(ctx, "no database %s (create it with `vaxchain init`)", db);
        return false;
    }
    struct vx_err err = {0};
    if (vx_store_open_sqlite(db, st, &err) != VX_OK) {
        cli_error(ctx, "%s: %s", db, err.msg);
        return false;
    }
    return true;
}

/* Parse one delivery file by its header: FoHM snapshots or the reconstructed series. */
static bool parse_delivery_file(struct cli_ctx *ctx, const char *path, struct vx_delivery_log *log)
{
    char *text;
    size_t len;
    enum vx_status st = cli_read_file(path, &text, &len, DELIVERY_FILE_MAX);
    if (st != VX_OK) {
        cli_error(ctx, "cannot read %s: %s", path, vx_strerror(st));
        return false;
    }
    struct vx_err err = {0};
    if (len >= 9 && strncmp(text, "snapshot,", 9) == 0)
        st = vx_delivery_parse_snapshots(log, text, len, &err);
    else if (len >= 9 && strncmp(text, "iso_week,", 9) == 0)
        st = vx_delivery_parse_reconstructed(log, text, len, &err);
    else
        st = vx_err_set(&err, VX_EPARSE,
                        "line 1: expected FoHM's snapshot header (snapshot,as_of,...) or the "
                        "reconstructed series header (iso_week,vaccine,...)");
    free(text);
    if (st != VX_OK) {
        cli_error(ctx, "%s: %s", path, err.msg);
        return false;
    }
    return true;
}

static int cmd_plan_import(struct cli_ctx *ctx)
{
    struct vx_delivery_log log = {0};
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    const struct vx_catalog *cat;
    struct vx_store *st = NULL;
    int rc = CLI_EXIT_FAILURE;
    const char *file = cli_get(ctx, "file");
    bool ok = file ? parse_delivery_file(ctx, file, &log) : load_log(ctx, &log);
    if (!ok) {
        rc = CLI_EXIT_PROBLEMS;
        goto out;
    }
    vx_delivery_log_sort(&log);
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL) || !open_db(ctx, &st))
        goto out;
    long long stored = 0, skipped = 0;
    struct vx_err err = {0};
    char who[64];
    snprintf(who, sizeof who, "cli:%s", getenv("USER") ? getenv("USER") : "import");
    if (vx_plan_import_log(st, cat, &log, who, &stored, &skipped, &err) != VX_OK) {
        cli_error(ctx, "%s (nothing stored)", err.msg);
        goto out;
    }
    fprintf(ctx->out,
            "plan import: %zu revisions read, %lld changes stored, %lld skipped (known already "
            "or not in the catalogue)\n",
            log.n, stored, skipped);
    rc = CLI_EXIT_OK;
out:
    vx_store_close(st);
    vx_delivery_log_free(&log);
    vx_arena_release(&arena);
    return rc;
}

/* Options shared by allocate --db and replan into *o. */
static bool db_opts(struct cli_ctx *ctx, const struct vx_catalog *cat, struct vx_plan_db_opts *o)
{
    vx_plan_db_opts_init(o);
    const char *wk = cli_get(ctx, "week");
    if (wk == NULL || vx_isoweek_parse(wk, &o->week) != VX_OK) {
        cli_error(ctx, "--week YYYY-Www is required (e.g. 2021-W10)");
        return false;
    }
    const char *vaccine;
    if (!vaccine_opt(ctx, &vaccine))
        return false;
    snprintf(o->vaccine, sizeof o->vaccine, "%s", vaccine ? vaccine : "COM");
    const struct vx_product *p = vx_catalog_find(cat, o->vaccine);
    if (p == NULL) {
        cli_error(ctx, "vaccine %s is not in the catalogue", o->vaccine);
        return false;
    }
    const char *basis = cli_get(ctx, "basis");
    if (basis) {
        int lo, hi;
        struct vx_err err = {0};
        if (strcmp(basis, "age80") != 0 && vx_alloc_basis_parse(basis, &lo, &hi, &err) != VX_OK) {
            cli_error(ctx, "%s (or age80)", err.msg);
            return false;
        }
        snprintf(o->basis, sizeof o->basis, "%s", basis);
    }
    struct vx_err err = {0};
    if (cli_get(ctx, "policy") && vx_plan_policy_parse(cli_get(ctx, "policy"), &o->policy, &err)) {
        cli_error(ctx, "%s", err.msg);
        return false;
    }
    long vials = 0;
    if (!cli_get_double(ctx, "safety", 0.30, 0, 1, &o->safety) ||
        !cli_get_double(ctx, "scale", 0, 0, 1000, &o->scale) ||
        !cli_get_long(ctx, "package", 0, 0, 100000, &vials))
        return false;
    vx_day monday = vx_isoweek_monday(o->week.year, o->week.week);
    o->package = vials * vx_product_doses_per_vial(p, monday, true);
    const char *region = cli_get(ctx, "region");
    if (region) {
        if (strlen(region) != 2 || region[0] < '0' || region[0] > '9' || region[1] < '0' ||
            region[1] > '9') {
            cli_error(ctx, "--region: expected a county code like 01");
            return false;
        }
        snprintf(o->region, sizeof o->region, "%s", region);
    }
    o->dry_run = cli_flag(ctx, "dry-run");
    o->now = (vx_time)time(NULL);
    snprintf(o->who, sizeof o->who, "cli:%s", getenv("USER") ? getenv("USER") : "plan");
    snprintf(o->role, sizeof o->role, "cli");
    return true;
}

static void print_alloc(struct cli_ctx *ctx, const struct vx_plan_alloc_result *r,
                        const char *only_region, bool csv, bool sites)
{
    const struct words *w = lang_words(ctx);
    char wk[16];
    vx_isoweek_format(r->week, wk);
    if (csv) {
        fprintf(ctx->out, "level,region,site_id,site_code,weight,doses,capacity,booked,stock,"
                          "dose1,dose2,reserve,sites_sum\n");
    } else {
        fprintf(ctx->out, "%s %s, %s: %lld %s (%s, x%.6g), %s %lld, %s %lld; %s: %lld; policy %s\n",
                w->week, wk, r->vaccine, r->national, w->doses,
                r->forecast ? w->kind_fc : w->kind_act, r->scale, w->packages, r->package, w->vials,
                r->vial, w->carry, r->carry, vx_plan_policy_name(r->policy));
        fprintf(ctx->out, "%-6s %10s %9s %9s %8s %9s %8s %8s %8s %9s\n", w->region, "weight",
                w->doses, "capacity", "booked", "stock", "dose1", "dose2", "reserve", "sites");
    }
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct vx_plan_region_alloc *a = &r->regions[i];
        if (only_region && only_region[0] && strcmp(only_region, a->region) != 0)
            continue;
        if (csv)
            fprintf(ctx->out, "region,%s,,,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n",
                    a->region, a->weight, a->doses, a->capacity, a->booked, a->stock, a->dose1,
                    a->dose2, a->reserve, a->sites_sum);
        else
            fprintf(ctx->out, "%-6s %10lld %9lld %9lld %8lld %9lld %8lld %8lld %8lld %9lld\n",
                    a->region, a->weight, a->doses, a->capacity, a->booked, a->stock, a->dose1,
                    a->dose2, a->reserve, a->sites_sum);
    }
    if (!sites)
        return;
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct vx_plan_site_alloc *s = &r->sites[i];
        if (only_region && only_region[0] && strcmp(only_region, s->region) != 0)
            continue;
        if (csv)
            fprintf(ctx->out, "site,%s,%lld,%s,,%lld,%lld,%lld,,%lld,,%lld,\n", s->region,
                    (long long)s->site_id, s->code, s->doses, s->capacity, s->booked, s->dose1,
                    s->reserve);
        else
            fprintf(ctx->out, "  %-14s %9lld %9lld %8lld %9s %8lld %8s %8lld  %s\n", s->code,
                    s->doses, s->capacity, s->booked, "", s->dose1, "", s->reserve, s->name);
    }
}

static int cmd_plan_allocate_db(struct cli_ctx *ctx)
{
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    const struct vx_catalog *cat;
    struct vx_store *st = NULL;
    struct vx_plan_db_opts o;
    struct vx_plan_alloc_result r = {0};
    int rc = CLI_EXIT_FAILURE;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL))
        goto out;
    if (!db_opts(ctx, cat, &o)) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (!open_db(ctx, &st))
        goto out;
    struct vx_err err = {0};
    enum vx_status vs = vx_plan_db_allocate(st, cat, &o, &r, &err);
    if (vs != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        rc = vs == VX_ENOTFOUND || vs == VX_EINVAL ? CLI_EXIT_PROBLEMS : CLI_EXIT_FAILURE;
        goto out;
    }
    print_alloc(ctx, &r, o.region, cli_flag(ctx, "csv"), cli_flag(ctx, "sites") || o.region[0]);
    if (!cli_flag(ctx, "csv"))
        fprintf(ctx->out, "%s\n",
                o.dry_run ? "dry run: nothing stored"
                          : "stored: allocations (regions, sites), site supply, quotas");
    rc = CLI_EXIT_OK;
out:
    vx_plan_alloc_result_free(&r);
    vx_store_close(st);
    vx_arena_release(&arena);
    return rc;
}

static int cmd_plan_replan(struct cli_ctx *ctx)
{
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    const struct vx_catalog *cat;
    struct vx_store *st = NULL;
    struct vx_plan_db_opts o;
    struct vx_plan_replan_db_result r;
    memset(&r, 0, sizeof r);
    int rc = CLI_EXIT_FAILURE;
    long doses;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL))
        goto out;
    if (!db_opts(ctx, cat, &o) || !cli_get_long(ctx, "doses", -1, 0, 1000000000L, &doses)) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (doses < 0) {
        cli_error(ctx, "--doses N is required (the week's new figure)");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    o.actual = !cli_flag(ctx, "forecast");
    if (!open_db(ctx, &st))
        goto out;
    struct vx_err err = {0};
    enum vx_status vs = vx_plan_db_replan(st, cat, &o, doses, cli_get(ctx, "reason"), &r, &err);
    if (vs != VX_OK) {
        cli_error(ctx, "%s%s", err.msg, o.dry_run ? "" : " (nothing changed)");
        rc = vs == VX_ENOTFOUND || vs == VX_EINVAL ? CLI_EXIT_PROBLEMS : CLI_EXIT_FAILURE;
        goto out;
    }
    char wk[16], wk2[16], day[16];
    vx_isoweek_format(o.week, wk);
    fprintf(ctx->out, "replan %s %s %s%s%s: %lld -> %lld doses (%s)\n", wk, o.vaccine,
            o.region[0] ? "region " : "national", o.region, "", r.doses_before, r.doses_after,
            o.actual ? "actual" : "forecast");
    fprintf(ctx->out, "%-8s %-14s %-9s %10s %10s %10s %10s %8s %-9s %7s\n", "region", "site",
            "week", "supply_old", "supply_new", "close_unrel", "close_open", "cancel1", "moved_to",
            "short2");
    for (size_t i = 0; i < r.n_changes; i++) {
        const struct vx_plan_change *c = &r.changes[i];
        const char *code = "?";
        for (size_t j = 0; j < r.alloc.n_sites; j++)
            if (r.alloc.sites[j].site_id == c->site_id)
                code = r.alloc.sites[j].code;
        vx_isoweek_format(c->week, wk);
        if (c->moved)
            vx_isoweek_format(c->moved_to, wk2);
        fprintf(ctx->out, "%-8s %-14s %-9s %10lld %10lld %10lld %10lld %8lld %-9s %7lld\n",
                c->region, code, wk, c->supply_before, c->supply_after, c->close_unreleased,
                c->close_open, c->cancel1, c->moved ? wk2 : "-", c->short2);
    }
    for (size_t i = 0; i < r.n_cancels; i++) {
        const struct vx_plan_cancel *c = &r.cancels[i];
        if (c->proposed)
            vx_isoweek_format(c->proposed_week, wk2);
        fprintf(ctx->out, "cancel booking %lld (dose 2: %lld) site %lld %s -> proposed %s\n",
                (long long)c->booking_id, (long long)c->pair_id, (long long)c->site_id,
                vx_day_format(c->day, day), c->proposed ? wk2 : "none");
    }
    fprintf(ctx->out,
            "replan: closed_slots=%lld cancelled=%lld moved=%lld uncovered_dose2=%lld "
            "applied=%s\n",
            r.totals.closed_slots, r.totals.cancelled, r.totals.moved, r.totals.uncovered2,
            o.dry_run ? "no" : "yes");
    rc = CLI_EXIT_OK;
out:
    vx_plan_replan_db_result_free(&r);
    vx_store_close(st);
    vx_arena_release(&arena);
    return rc;
}

#define SCENARIO_OPTS                                                                              \
    {"scale", "F", "population and deliveries scale (default 1)"},                                 \
        {"weeks", "N", "weeks from 2020-W52 (default 48, to 2021-W47)"},                           \
        {"eval-weeks", "N", "weeks of the dose-1 comparison (default 26)"},                        \
        {"capacity", "N", "doses per week per 1000 adults (default 120)"},                         \
        {"uptake", "F", "share of adults who want it (default 0.88)"},                             \
        {"no-show", "F", "share of missed appointments (default 0.03)"},                           \
        {"yield", "F", "doses drawn per dose counted (default 1)"},                                \
        {"standby", "F", "share of open-vial leftovers given from standby (0.7)"},                 \
        {"safety", "F", "forecast error per sqrt(week) held back (default 0.30)"},                 \
        {"site-day", "N", "doses per site per day (default 300)"},                                 \
        {"run-rate", "N", "weeks of the run-rate forecast (default 3)"},                           \
        {"late-after", "N", "weeks past the interval that count late (default 3)"},                \
    {                                                                                              \
        "basis", "B", "phases (default), adult or age:LO-[HI]"                                     \
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
                 {"basis", "BASIS", "adult (default), age:65-, age:70-, age:LO-HI (--db: age80)"},
                 {"package", "N", "vials per package (default: COM 195, others 10)"},
                 {"csv", NULL, "print CSV"},
                 {"lang", "sv|en", "language of the table (default sv)"},
                 OPT_DB,
                 {"policy", "P", "--db: dose-2 policy hold-all, hold-none, forecast (default)"},
                 {"safety", "F", "--db: forecast safety share (default 0.30)"},
                 {"scale", "F", "--db: factor on national figures (default: DB adults/SE)"},
                 {"region", "CODE", "--db: show this region's sites"},
                 {"sites", NULL, "--db: show every site's split and quota"},
                 {"dry-run", NULL, "--db: compute, store nothing"}},
        .run = cmd_plan_allocate,
    },
    {
        .words = "plan import",
        .summary = "store FoHM's delivery figures in the database, every revision kept",
        .details = "Reads --file (FoHM snapshot file or the reconstructed weekly series, told\n"
                   "apart by the header) or, without it, both shared files (se/deliveries_se_\n"
                   "week.csv and se/deliveries_se_week_reconstructed.csv) and stores each\n"
                   "revision in the order it became known (old -> new, who, when). Revisions\n"
                   "older than a stored figure are skipped: importing twice changes nothing.\n"
                   "All or nothing: a bad row names its line and column and nothing is stored.",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"file", "CSV", "one delivery file (default: both shared files)"}},
        .run = cmd_plan_import,
    },
    {
        .words = "plan replan",
        .summary = "apply a delivery change: re-allocate, close places, cancel fewest bookings",
        .details = "Revises the figure of --week and --vaccine to --doses (national, or the\n"
                   "region's own with --region), re-allocates the week to regions and sites and\n"
                   "re-plans every site's bookings over the next 12 weeks: places no longer\n"
                   "covered are closed first, booked dose 1 cancelled only when unavoidable\n"
                   "(newest first, with their dose 2, each proposed in a later week), booked\n"
                   "dose 2 never. One transaction; --dry-run shows the change list only.",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"week", "YYYY-Www", "the week whose delivery changed (required)"},
                 {"vaccine", "CODE", "COM (default), MOD or AZ"},
                 {"doses", "N", "the new figure (required)"},
                 {"forecast", NULL, "the new figure is a forecast (default: actual)"},
                 {"region", "CODE", "a region's own allocation changed (not national)"},
                 {"reason", "TEXT", "why (kept with the revision)"},
                 {"policy", "P", "dose-2 policy of the new quotas (default forecast)"},
                 {"scale", "F", "factor on national figures (default: DB adults/SE)"},
                 {"basis", "BASIS", "allocation basis (default adult)"},
                 {"dry-run", NULL, "preview: compute the change list, store nothing"}},
        .run = cmd_plan_replan,
    },
    {
        .words = "plan replay",
        .summary = "replay Sweden's 2021 deliveries under each dose-2 policy and the bound",
        .details = "Runs the weekly deliveries 2020-W52..2021-W47 (FoHM, reconstructed, with the\n"
                   "forecasts published before each week) through regional allocation, booking\n"
                   "and vaccination of the SCB adult population (scaled) once per policy\n"
                   "(hold-all, hold-none, forecast) and with perfect information (the bound).\n"
                   "Last line: policy=forecast dose1_ratio_to_bound=N late_dose2_pct=N\n"
                   "wastage_pct=N cancelled=N. See docs/replay.md.",
        .max_args = 0,
        .opts = {OPT_DATA, SCENARIO_OPTS, {"svg", "FILE", "write the coverage chart (SVG)"}},
        .run = cmd_plan_replay,
    },
    {
        .words = "plan project",
        .summary = "Monte-Carlo projection of coverage with P10/P50/P90 bands (CSV)",
        .details = "Replays the 2021 scenario --runs times with every delivery from week --from\n"
                   "drawn as actual x lognormal (coefficient of variation --cv); deterministic\n"
                   "for --seed. Prints per week the P10/P50/P90 of people with dose 1 and fully\n"
                   "vaccinated and the P50 dose-1 share of each priority group.",
        .max_args = 0,
        .opts = {OPT_DATA,
                 {"scale", "F", "population and deliveries scale (default 1)"},
                 {"weeks", "N", "weeks from 2020-W52 (default 48)"},
                 {"capacity", "N", "doses per week per 1000 adults (default 120)"},
                 {"safety", "F", "forecast error per sqrt(week) held back (default 0.30)"},
                 {"basis", "B", "phases (default), adult or age:LO-[HI]"},
                 {"policy", "P", "hold-all, hold-none, forecast (default) or perfect"},
                 {"from", "N", "first week index with uncertain deliveries (default 0)"},
                 {"cv", "F", "coefficient of variation of a delivery (default 0.25)"},
                 {"runs", "N", "runs (default 200)"},
                 {"seed", "N", "random seed (default 1)"}},
        .run = cmd_plan_project,
    },
    {0}, /* end */
};
