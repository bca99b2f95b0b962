/*
 * cmd_demo_setup.c — `vaxchain demo-setup`: make a demo database bookable.
 *
 * demo-data creates persons and sites; booking also needs slots, supply and a
 * released cohort. This command adds them through the booking engine (so the same
 * writer, transactions and audit rows as the server): for every site (of --region,
 * or all), slots of --vaccine on the --days days from --date; per ISO week a
 * supply equal to --supply × the week's slot capacity (delivered for the week of
 * --date and earlier, allocated for later weeks); and cohorts in every region for
 * the eligibility rules already open on --date (or the rules given with --rules),
 * released at --date 00:00. Running it again keeps existing slots, rewrites the
 * supply and adds cohorts (harmless: a person needs one matching cohort).
 *
 * Slots are 15 minutes, longer (a multiple of 15) at sites whose one station needs
 * more than 15 minutes per dose, so that every slot holds at least one dose.
 *
 * Sequence for `make demo`: init → demo-data → demo-setup → serve --dev-login,
 * all with the same --date.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/catalog.h"
#include "vx/elig.h"

/* Release one cohort with the rule ids in `ids` (comma-separated). */
static bool release(struct cli_ctx *ctx, struct vx_book_engine *eng, const char *region,
                    const char *ids, vx_time at, int *n)
{
    struct vx_cohort_rec c;
    memset(&c, 0, sizeof c);
    snprintf(c.region, sizeof c.region, "%s", region);
    snprintf(c.rule_ids, sizeof c.rule_ids, "%s", ids);
    snprintf(c.label, sizeof c.label, "demo: %s", ids);
    snprintf(c.created_by, sizeof c.created_by, "cli:demo-setup");
    c.release_at = at;
    struct vx_err err = {0};
    int64_t id;
    if (vx_book_cohort_release(eng, &c, &id, &err) != VX_OK) {
        cli_error(ctx, "cohort %s: %s", ids, err.msg);
        return false;
    }
    (*n)++;
    return true;
}

/* Release cohorts for the rules open on `date` (or listed in `only`), several
 * cohorts when the ids do not fit one record. */
static bool release_cohorts(struct cli_ctx *ctx, struct vx_book_engine *eng,
                            const struct vx_elig_table *rules, const char *region, const char *only,
                            vx_day date, vx_time at, int *n)
{
    char ids[sizeof((struct vx_cohort_rec *)0)->rule_ids] = "";
    size_t used = 0;
    for (int i = 0; i < rules->n_rules; i++) {
        const struct vx_elig_rule *r = &rules->rules[i];
        if (only) {
            size_t len = strlen(r->id);
            const char *p = strstr(only, r->id);
            bool listed = false;
            for (; p && !listed; p = strstr(p + 1, r->id))
                listed = (p == only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0');
            if (!listed)
                continue;
        } else if (r->opens > date) {
            continue;
        }
        size_t len = strlen(r->id);
        if (used + len + 2 > sizeof ids) {
            if (!release(ctx, eng, region, ids, at, n))
                return false;
            used = 0;
        }
        used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", used ? "," : "", r->id);
    }
    if (used && !release(ctx, eng, region, ids, at, n))
        return false;
    if (!used && *n == 0)
        fprintf(ctx->out, "  no rule is open on that date: no cohort released\n");
    return true;
}

/* Supply for every ISO week of from..to at site `s`: share × the week's capacity. */
static bool supply_site(struct cli_ctx *ctx, struct vx_book_engine *eng,
                        const struct vx_site_rec *s, const char *vaccine, vx_day from, vx_day to,
                        vx_day date, double share, long long *doses)
{
    struct vx_book_day_info days[8];
    for (vx_day mon = from - (vx_weekday(from) - 1); mon <= to; mon += 7) {
        int n = 0;
        if (vx_book_availability_days(eng, s->id, mon, mon + 6, days, 8, &n) != VX_OK)
            return false;
        long cap = 0;
        for (int i = 0; i < n && i < 8; i++)
            if (!strcmp(days[i].vaccine, vaccine))
                cap += days[i].capacity;
        struct vx_supply_rec r;
        memset(&r, 0, sizeof r);
        r.site_id = s->id;
        snprintf(r.vaccine, sizeof r.vaccine, "%s", vaccine);
        r.week = vx_isoweek_of(mon);
        int q = (int)lround((double)cap * share);
        if (mon <= date)
            r.delivered = q;
        else
            r.allocated = q;
        struct vx_err err = {0};
        if (vx_book_supply_set(eng, &r, &err) != VX_OK) {
            cli_error(ctx, "supply of %s: %s", s->code, err.msg);
            return false;
        }
        *doses += q;
    }
    return true;
}

/* Slot length for site `s`: 15 minutes, or the multiple of 15 that holds one dose. */
static int slot_len(const struct vx_site_rec *s)
{
    int m = s->minutes_per_dose > 15 ? s->minutes_per_dose : 15;
    return (m + 14) / 15 * 15;
}

int cmd_demo_setup(struct cli_ctx *ctx)
{
    int rc = CLI_EXIT_FAILURE;
    vx_day date;
    long days;
    double share;
    if (!cli_get_day(ctx, "date", cli_today(), &date) ||
        !cli_get_long(ctx, "days", 56, 1, 366, &days) ||
        !cli_get_double(ctx, "supply", 1.0, 0.0, 100.0, &share))
        return CLI_EXIT_USAGE;
    const char *vaccine = cli_get(ctx, "vaccine");
    const char *region = cli_get(ctx, "region");
    const char *only = cli_get(ctx, "rules");
    if (!vaccine)
        vaccine = "COM";
    if (!region)
        region = "";
    const char *db = cli_db_path(ctx);
    struct stat sb;
    if (stat(db, &sb) != 0) {
        cli_error(ctx, "database %s not found: run `vaxchain init` and `vaxchain demo-data`", db);
        return CLI_EXIT_FAILURE;
    }
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_elig_table rules;
    const struct vx_catalog *cat = NULL;
    struct vx_book_engine *eng = NULL;
    struct vx_site_rec *sites = NULL;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL) ||
        !cli_load_rules(ctx, &arena, &rules, false))
        goto out;
    if (!vx_catalog_find(cat, vaccine)) {
        cli_error(ctx, "--vaccine: no product %s in the catalogue", vaccine);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    struct vx_err err = {0};
    if (vx_book_engine_open(db, cat, &rules, NULL, &eng, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        goto out;
    }
    int n = 0;
    if (vx_book_sites(eng, region, "", NULL, 0, &n) != VX_OK || n == 0) {
        cli_error(ctx, "no sites%s%s: run `vaxchain demo-data` first", *region ? " in region " : "",
                  region);
        goto out;
    }
    sites = calloc((size_t)n, sizeof *sites);
    int got = 0;
    if (!sites || vx_book_sites(eng, region, "", sites, n, &got) != VX_OK)
        goto out;
    vx_day to = date + (vx_day)days - 1;
    long long slots = 0, doses = 0;
    int done = 0;
    struct cli_progress prog;
    cli_progress_start(&prog, ctx, "demo-setup", n);
    /* A slot must hold at least one dose: sites slower than one dose per station in
     * 15 minutes get longer slots. The slot length is an engine option, so the
     * engine is opened once per length needed. */
    for (int len = 15; done < n && len <= 1440; len += 15) {
        bool need = false;
        for (int i = 0; i < n && i < got && !need; i++)
            need = slot_len(&sites[i]) == len;
        if (!need)
            continue;
        vx_book_engine_close(eng);
        eng = NULL;
        if (vx_book_engine_open(db, cat, &rules, &(struct vx_book_opts){.slot_minutes = len}, &eng,
                                &err) != VX_OK) {
            cli_error(ctx, "%s", err.msg);
            goto out;
        }
        for (int i = 0; i < n && i < got; i++) {
            if (slot_len(&sites[i]) != len)
                continue;
            int created = 0;
            if (vx_book_slots_generate(eng, sites[i].id, vaccine, date, to, &created, &err) !=
                VX_OK) {
                cli_error(ctx, "slots of %s: %s", sites[i].code, err.msg);
                goto out;
            }
            slots += created;
            if (!supply_site(ctx, eng, &sites[i], vaccine, date, to, date, share, &doses))
                goto out;
            cli_progress_update(&prog, ++done);
        }
    }
    cli_progress_done(&prog, n);
    vx_time at;
    int cohorts = 0;
    if (vx_stockholm_to_utc(date, 0, &at, NULL) != VX_OK ||
        !release_cohorts(ctx, eng, &rules, region, only, date, at, &cohorts))
        goto out;
    char d1[11], d2[11];
    fprintf(ctx->out,
            "demo-setup: %d sites, %lld new %s slots %s..%s, %lld doses of supply (%.0f%% of "
            "capacity), %d cohort(s) released at %s\n",
            n, slots, vaccine, vx_day_format(date, d1), vx_day_format(to, d2), doses, share * 100,
            cohorts, d1);
    rc = CLI_EXIT_OK;
out:
    vx_book_engine_close(eng);
    free(sites);
    vx_arena_release(&arena);
    return rc;
}
