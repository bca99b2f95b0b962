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
 * History (on unless --no-doses): the doses phase 1 got the way the 2021 campaign
 * went, so that the demo has vaccinated people (certificates, "already vaccinated"
 * answers) on a date like 2021-03-08. Every person in special housing or with home
 * care and every care worker (not deceased) gets Comirnaty dose 1 — special housing
 * from 27 Dec 2020 over four weeks, home care and staff from 4 Jan 2021 over three —
 * and dose 2 21–42 days later, at 09:00–15:00, each with a lot number of the period
 * and at the first health centre of the person's municipality (else of the region).
 * Real uptake in special housing was about 90 %; the demo vaccinates everyone in
 * these groups so that the dev-login personas of phase 1 are reliably vaccinated.
 * Days, times and lots come from a hash of the person id: deterministic, no PRNG
 * state. Only doses on or before --date are written, all in one transaction with one
 * audit row, and a dose number the person already has is never written again, so a
 * second run adds nothing (and a later --date adds the doses 2 that have come due).
 *
 * Sequence for `make demo`: init → demo-data → demo-setup → serve --dev-login,
 * all with the same --date.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli_int.h"
#include "vx/care.h"
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/store.h"

/* ------------------------------------------------------------------ history */

#define HIST_VACCINE "COM"

/* Comirnaty lot numbers by the day they came into use (illustrative: the format of
 * 2021's lots, two letters and four digits; not a claim about which lot went where). */
static const struct {
    int y, m, d;
    const char *lots[3];
} hist_lots[] = {
    {2020, 12, 26, {"EJ6795", "EJ6796", "EJ6797"}}, {2021, 1, 11, {"EK9788", "EL0725", "EL1484"}},
    {2021, 1, 25, {"EL3247", "EL8982", "EM0477"}},  {2021, 2, 8, {"EP2163", "EP9598", "EP9605"}},
    {2021, 2, 22, {"ER1741", "ER7812", "ET3045"}},
};

/* Who got doses, and when dose 1 started and over how many days it was spread. */
struct hist_group {
    const char *vaccinator;
    int y, m, d; /* first day of dose 1 */
    int spread;  /* days over which dose 1 was given */
};
static const struct hist_group hist_special = {"demo:kommunsjukskoterska", 2020, 12, 27, 27};
static const struct hist_group hist_home = {"demo:kommunsjukskoterska", 2021, 1, 4, 21};
static const struct hist_group hist_staff = {"demo:vaccinator", 2021, 1, 4, 21};

struct hist_site {
    int64_t id;
    char kommun[5];
    char region[3];
    bool health_centre;
};

struct hist {
    struct vx_store *st;
    vx_day date;
    struct hist_site *sites;
    int n_sites, cap_sites;
    long long doses, persons, complete;
    enum vx_status rc;
};

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static int hist_site_cb(void *ctx, const struct vx_site_rec *s)
{
    struct hist *h = ctx;
    if (h->n_sites == h->cap_sites) {
        int cap = h->cap_sites ? 2 * h->cap_sites : 256;
        struct hist_site *p = realloc(h->sites, (size_t)cap * sizeof *p);
        if (!p) {
            h->rc = VX_ENOMEM;
            return 1;
        }
        h->sites = p;
        h->cap_sites = cap;
    }
    struct hist_site *o = &h->sites[h->n_sites++];
    o->id = s->id;
    memcpy(o->kommun, s->kommun, sizeof o->kommun);
    memcpy(o->region, s->region, sizeof o->region);
    o->health_centre = s->kind == VX_SITE_HEALTH_CENTRE;
    return 0;
}

/* First health centre of the municipality, else the first site of the region, else 0. */
static int64_t hist_site_for(const struct hist *h, const struct vx_person *p)
{
    int64_t in_region = 0;
    for (int i = 0; i < h->n_sites; i++) {
        const struct hist_site *s = &h->sites[i];
        if (s->health_centre && !strcmp(s->kommun, p->kommun))
            return s->id;
        if (!in_region && !strcmp(s->region, p->region))
            in_region = s->id;
    }
    return in_region;
}

static const char *hist_lot(vx_day day, uint64_t r)
{
    size_t k = 0;
    for (size_t i = 0; i < VX_ARRAY_LEN(hist_lots); i++)
        if (day >= vx_day_from_ymd(hist_lots[i].y, hist_lots[i].m, hist_lots[i].d))
            k = i;
    return hist_lots[k].lots[r % 3];
}

static int hist_person_cb(void *ctx, const struct vx_person_rec *rec)
{
    struct hist *h = ctx;
    const struct vx_person *p = &rec->p;
    const struct hist_group *g = NULL;
    if (p->flags & VX_PF_DECEASED)
        return 0;
    if (p->residence == VX_RES_SPECIAL_HOUSING)
        g = &hist_special;
    else if (p->residence == VX_RES_HOME_CARE)
        g = &hist_home;
    else if (p->flags & VX_PF_CARE_STAFF)
        g = &hist_staff;
    if (!g || vx_age_at(p->pnr.birth, h->date) < 16)
        return 0;
    uint64_t r1 = mix64((uint64_t)p->id), r2 = mix64(r1), r3 = mix64(r2);
    vx_day day[2];
    day[0] = vx_day_from_ymd(g->y, g->m, g->d) + (vx_day)(r1 % (uint64_t)g->spread);
    day[1] = day[0] + 21 + (vx_day)(r2 % 22);
    struct vx_dose_rec have[4];
    int n = 0;
    if ((h->rc = h->st->ops->dose_list_person(h->st, p->id, have, 4, &n)) != VX_OK)
        return 1;
    int64_t site = hist_site_for(h, p);
    bool wrote = false;
    for (int k = 0; k < 2 && day[k] <= h->date; k++) {
        bool exists = false;
        for (int i = 0; i < n && i < 4; i++)
            exists |= have[i].dose_number == k + 1;
        if (exists)
            continue;
        struct vx_dose_rec d;
        memset(&d, 0, sizeof d);
        d.person_id = p->id;
        memcpy(d.region, p->region, sizeof d.region);
        snprintf(d.vaccine, sizeof d.vaccine, "%s", HIST_VACCINE);
        snprintf(d.lot_number, sizeof d.lot_number, "%s", hist_lot(day[k], k ? r3 : r2 >> 8));
        d.dose_number = k + 1;
        int minute = 9 * 60 + (int)((k ? r3 : r1 >> 16) % 360);
        if (vx_stockholm_to_utc(day[k], minute, &d.given_at, NULL) != VX_OK)
            continue; /* cannot happen: 09:00-15:00 is never in a DST gap */
        d.site_id = site;
        snprintf(d.vaccinator, sizeof d.vaccinator, "%s", g->vaccinator);
        snprintf(d.source, sizeof d.source, "backfill");
        if ((h->rc = h->st->ops->dose_put(h->st, &d, NULL)) != VX_OK)
            return 1;
        h->doses++;
        wrote = true;
    }
    h->persons += wrote;
    h->complete += day[1] <= h->date;
    return 0;
}

/* Record the phase-1 history (see the top of the file) in one transaction. */
static bool record_history(struct cli_ctx *ctx, const char *db, const char *region, vx_day date)
{
    struct hist h = {.date = date};
    struct vx_err err = {0};
    if (vx_store_open_sqlite(db, &h.st, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return false;
    }
    bool ok = false;
    const char *what = "sites";
    enum vx_status rc = h.st->ops->site_foreach(h.st, region, "", hist_site_cb, &h);
    if (rc == VX_OK && (rc = h.rc) == VX_OK) {
        what = "doses";
        rc = vx_store_begin(h.st);
    }
    if (rc == VX_OK) {
        rc = h.st->ops->person_foreach(h.st, region, hist_person_cb, &h);
        if (rc == VX_OK)
            rc = h.rc;
        if (rc == VX_OK && h.doses > 0) {
            struct vx_audit_rec a;
            memset(&a, 0, sizeof a);
            a.at = (vx_time)time(NULL);
            snprintf(a.actor, sizeof a.actor, "cli:demo-setup");
            snprintf(a.action, sizeof a.action, "dose.backfill");
            snprintf(a.object, sizeof a.object, "doses");
            snprintf(a.region, sizeof a.region, "%s", region);
            snprintf(a.detail, sizeof a.detail, "demo history: %lld doses for %lld persons",
                     h.doses, h.persons);
            rc = h.st->ops->audit_append(h.st, &a);
        }
        if (rc == VX_OK)
            rc = vx_store_commit(h.st);
        else
            vx_store_rollback(h.st);
    }
    if (rc != VX_OK) {
        cli_error(ctx, "%s: %s (nothing recorded)", what,
                  h.st->err[0] ? h.st->err : vx_strerror(rc));
    } else {
        char d[11];
        fprintf(ctx->out,
                "demo-setup: %lld historical Comirnaty doses recorded for %lld persons; %lld "
                "phase-1 persons fully vaccinated by %s\n",
                h.doses, h.persons, h.complete, vx_day_format(date, d));
        ok = true;
    }
    free(h.sites);
    vx_store_close(h.st);
    return ok;
}

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
    if (!cli_flag(ctx, "no-doses") && !record_history(ctx, db, region, date))
        goto out;
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
    /* stock at the sites: lots received from the supply, a few vials of past days */
    vx_book_engine_close(eng);
    eng = NULL;
    int lots = 0, vials = 0;
    if (!cli_flag(ctx, "no-stock")) {
        struct vx_store *st = NULL;
        enum vx_status vs = vx_store_open_sqlite(db, &st, &err);
        if (vs == VX_OK)
            vs = vx_care_demo_seed(st, cat, date, 42, &lots, &vials, &err);
        vx_store_close(st);
        if (vs != VX_OK) {
            cli_error(ctx, "demo stock: %s", err.msg);
            goto out;
        }
    }
    char d1[11], d2[11];
    fprintf(ctx->out,
            "demo-setup: %d sites, %lld new %s slots %s..%s, %lld doses of supply (%.0f%% of "
            "capacity), %d cohort(s) released at %s, %d lots received, %d vials opened\n",
            n, slots, vaccine, vx_day_format(date, d1), vx_day_format(to, d2), doses, share * 100,
            cohorts, d1, lots, vials);
    rc = CLI_EXIT_OK;
out:
    vx_book_engine_close(eng);
    free(sites);
    vx_arena_release(&arena);
    return rc;
}
