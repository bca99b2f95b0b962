/*
 * cmd_care.c — `vaxchain care ...`: the point of care from the command line.
 *
 *   care stock    stock per lot at a site (or every site of a region)
 *   care receive  receive doses of a lot at a site
 *   care open     open a vial of a lot at a site
 *   care close    close a vial (leftovers become wastage)
 *   care record   record a dose: every check of the library, message + exit 1 on refusal
 *   care sweep    close expired vials as wastage, expire unanswered standby offers
 *   care figures  the region figures the traffic-light report uses
 *
 * Thin clients of include/vx/care.h: they parse options, open the store and the
 * catalogue, call one action and print. The actor in the audit log is
 * "cli:<--actor>" (default "cli:admin"); --now pins the clock (RFC 3339) so that
 * scripts and tests are reproducible. Refusals print the reason in Swedish and
 * English with its code and field, and exit 1; usage errors exit 2; failures 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/care.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/pnr.h"
#include "vx/store.h"

/* Everything a care command needs, opened and closed together. */
struct care_cli {
    struct vx_store *st;
    struct vx_arena arena;
    const struct vx_catalog *cat;
    struct vx_elig_table rules;
    struct vx_care_env env;
    char actor[80];
};

static void cc_close(struct care_cli *c)
{
    vx_store_close(c->st);
    vx_arena_release(&c->arena);
}

static int cc_open(struct cli_ctx *ctx, struct care_cli *c, bool rules)
{
    memset(c, 0, sizeof *c);
    vx_arena_init(&c->arena, 0);
    const char *db = cli_db_path(ctx);
    struct stat sb;
    if (stat(db, &sb) != 0) {
        cli_error(ctx, "no database at %s (run `vaxchain init` first)", db);
        vx_arena_release(&c->arena);
        return CLI_EXIT_FAILURE;
    }
    if (!cli_load_catalog(ctx, &c->arena, &c->cat, NULL, NULL) ||
        (rules && !cli_load_rules(ctx, &c->arena, &c->rules, false))) {
        vx_arena_release(&c->arena);
        return CLI_EXIT_FAILURE;
    }
    struct vx_err err = {0};
    if (vx_store_open_sqlite(db, &c->st, &err) != VX_OK) {
        cli_error(ctx, "cannot open database %s: %s", db, err.msg);
        vx_arena_release(&c->arena);
        return CLI_EXIT_FAILURE;
    }
    const char *who = cli_get(ctx, "actor");
    snprintf(c->actor, sizeof c->actor, "cli:%s", who ? who : "admin");
    vx_time now = (vx_time)time(NULL);
    const char *ns = cli_get(ctx, "now");
    if (ns && vx_time_parse(ns, &now) != VX_OK) {
        cli_error(ctx, "--now: '%s' is not an RFC 3339 time", ns);
        cc_close(c);
        return CLI_EXIT_USAGE;
    }
    c->env = (struct vx_care_env){.st = c->st,
                                  .cat = c->cat,
                                  .rules = rules ? &c->rules : NULL,
                                  .now = now,
                                  .user = c->actor,
                                  .role = "admin"};
    return CLI_EXIT_OK;
}

/* A refusal: both languages, code and field; exit 1 (3 for a storage failure). */
static int refused(struct cli_ctx *ctx, const struct vx_care_result *res)
{
    cli_error(ctx, "%s (%s): %s", res->code, res->field, res->msg_sv);
    fprintf(ctx->err, "  en: %s\n", res->msg_en);
    return res->reason == VX_CARE_R_STORE ? CLI_EXIT_FAILURE : CLI_EXIT_PROBLEMS;
}

static bool site_arg(struct cli_ctx *ctx, struct care_cli *c, const char *opt, int64_t *id)
{
    const char *code = cli_get(ctx, opt);
    struct vx_site_rec s;
    if (!code) {
        cli_error(ctx, "--%s CODE is required", opt);
        return false;
    }
    if (c->st->ops->site_get(c->st, code, &s) != VX_OK) {
        cli_error(ctx, "no site with code %s", code);
        return false;
    }
    *id = s.id;
    return true;
}

#define OPT_ACTOR                                                                                  \
    {                                                                                              \
        "actor", "ID", "who acts (audit log: cli:ID; default admin)"                               \
    }
#define OPT_NOW                                                                                    \
    {                                                                                              \
        "now", "TIME", "the clock, RFC 3339 (default: now)"                                        \
    }

/* ------------------------------------------------------------------ stock */

struct stock_print {
    struct cli_ctx *ctx;
    const struct vx_catalog *cat;
    vx_day day;
    int n;
};

static int stock_line(void *ctx, const struct vx_stock_row *r)
{
    struct stock_print *p = ctx;
    char exp[11], until[32];
    const struct vx_product *prod = vx_catalog_find(p->cat, r->lot.vaccine);
    int per = prod ? vx_product_doses_per_vial(prod, p->day, false) : 0;
    if (p->n++ == 0)
        fprintf(p->ctx->out, "%-12s %-6s %-10s %-10s %-25s %7s %6s %8s %5s\n", "site", "vaccine",
                "lot", "expiry", "usable until", "doses", "vials", "transit", "open");
    fprintf(p->ctx->out, "%-12s %-6s %-10s %-10s %-25s %7d %6d %8d %5d\n", r->site_code,
            r->lot.vaccine, r->lot.lot_number, vx_day_format(r->lot.expiry, exp),
            vx_time_format_local(r->lot.usable_until, until), r->doses,
            per > 0 ? r->doses / per : 0, r->in_transit, r->open_vials);
    return 0;
}

static int cmd_care_stock(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    int64_t site = 0;
    const char *region = cli_get(ctx, "region");
    if (!region && !site_arg(ctx, &c, "site", &site)) {
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    struct stock_print p = {ctx, c.cat, cli_today(), 0};
    enum vx_status vs =
        c.st->ops->care->stock_foreach(c.st, site, region ? region : "", stock_line, &p);
    if (vs != VX_OK) {
        cli_error(ctx, "%s", c.st->err);
        cc_close(&c);
        return CLI_EXIT_FAILURE;
    }
    if (!p.n)
        fprintf(ctx->out, "no stock\n");
    cc_close(&c);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ receive, open, close */

static int cmd_care_receive(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct vx_care_receipt r;
    memset(&r, 0, sizeof r);
    long doses = 0, vials = 0;
    const char *vac = cli_get(ctx, "vaccine"), *lot = cli_get(ctx, "lot"),
               *exp = cli_get(ctx, "expiry"), *thaw = cli_get(ctx, "thawed");
    if (!site_arg(ctx, &c, "site", &r.site_id) || !vac || !lot || !exp ||
        vx_day_parse(exp, &r.expiry) != VX_OK ||
        !cli_get_long(ctx, "doses", 0, 0, 1000000, &doses) ||
        !cli_get_long(ctx, "vials", 0, 0, 100000, &vials) ||
        (thaw && vx_time_parse(thaw, &r.thawed_at) != VX_OK)) {
        cli_error(ctx, "need --site, --vaccine, --lot, --expiry YYYY-MM-DD and --doses or "
                       "--vials (--thawed TIME optional)");
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    snprintf(r.vaccine, sizeof r.vaccine, "%s", vac);
    snprintf(r.lot_number, sizeof r.lot_number, "%s", lot);
    snprintf(r.ref, sizeof r.ref, "%s", cli_get(ctx, "ref") ? cli_get(ctx, "ref") : "cli");
    r.doses = (int)doses;
    r.vials = (int)vials;
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_receive(&c.env, &r, &id, &res) != VX_OK)
        rc = refused(ctx, &res);
    else
        fprintf(ctx->out, "lot %lld: received %s %s\n", (long long)id, r.vaccine, r.lot_number);
    cc_close(&c);
    return rc;
}

static bool lot_arg(struct cli_ctx *ctx, struct care_cli *c, int64_t *lot)
{
    long id = 0;
    const char *vac = cli_get(ctx, "vaccine"), *num = cli_get(ctx, "lot");
    if (!num)
        return cli_error(ctx, "--lot ID or --vaccine V --lot NUMBER is required"), false;
    if (!vac) {
        if (!cli_get_long(ctx, "lot", 0, 1, 1L << 62, &id))
            return false;
        *lot = id;
        return true;
    }
    struct vx_lot_rec l;
    if (c->st->ops->care->lot_find(c->st, vac, num, &l) != VX_OK)
        return cli_error(ctx, "no lot %s of %s", num, vac), false;
    *lot = l.id;
    return true;
}

static int cmd_care_open(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    int64_t site = 0, lot = 0;
    if (!site_arg(ctx, &c, "site", &site) || !lot_arg(ctx, &c, &lot)) {
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    struct vx_care_result res;
    struct vx_vial_rec v;
    char until[32];
    if (vx_care_vial_open(&c.env, site, "", lot, &v, &res) != VX_OK)
        rc = refused(ctx, &res);
    else
        fprintf(ctx->out, "vial %lld: %s %s, %d doses (at most %d), usable until %s\n",
                (long long)v.id, v.vaccine, v.lot_number, v.nominal, v.max_doses,
                vx_time_format_local(v.usable_until, until));
    cc_close(&c);
    return rc;
}

static int cmd_care_close(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    long vial = 0;
    enum vx_waste_reason reason = VX_WASTE_LEFTOVER;
    const char *why = cli_get(ctx, "reason");
    if (!cli_get_long(ctx, "vial", 0, 1, 1L << 62, &vial) || !vial ||
        (why && vx_waste_reason_parse(why, &reason) != VX_OK)) {
        cli_error(ctx, "need --vial ID [--reason leftover|broken|expired|cold_chain|other]");
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    struct vx_care_result res;
    int wasted = 0;
    if (vx_care_vial_close(&c.env, vial, reason, &wasted, &res) != VX_OK)
        rc = refused(ctx, &res);
    else
        fprintf(ctx->out, "vial %ld closed, %d doses wasted\n", vial, wasted);
    cc_close(&c);
    return rc;
}

/* ------------------------------------------------------------------ record */

static int cmd_care_record(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct vx_care_dose_in in;
    memset(&in, 0, sizeof in);
    const char *pnr = ctx->argv[0], *vac = cli_get(ctx, "vaccine");
    long vial = 0, dose = 0, booking = 0;
    struct vx_pnr p;
    struct vx_pnr_opts po = vx_pnr_opts_default(cli_today());
    struct vx_person_rec person;
    if (!vac || vx_pnr_parse(pnr, &po, &p, NULL) != VX_OK) {
        cli_error(ctx, "need a valid personnummer and --vaccine");
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    snprintf(in.vaccine, sizeof in.vaccine, "%s", vac);
    /* an unknown person is refused by the library's check, with its message */
    in.person_id = c.st->ops->person_get(c.st, p.norm, &person) == VX_OK ? person.p.id : 0;
    const char *kommun = cli_get(ctx, "kommun");
    if (kommun)
        snprintf(in.kommun, sizeof in.kommun, "%s", kommun);
    else if (!site_arg(ctx, &c, "site", &in.site_id)) {
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    const char *lot = cli_get(ctx, "lot"), *at = cli_get(ctx, "at"), *inj = cli_get(ctx, "arm");
    if (lot)
        snprintf(in.lot_number, sizeof in.lot_number, "%s", lot);
    if (inj)
        snprintf(in.injection_site, sizeof in.injection_site, "%s", inj);
    if (!cli_get_long(ctx, "vial", 0, 0, 1L << 62, &vial) ||
        !cli_get_long(ctx, "dose", 0, 0, 20, &dose) ||
        !cli_get_long(ctx, "booking", 0, 0, 1L << 62, &booking) ||
        (at && vx_time_parse(at, &in.given_at) != VX_OK)) {
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    in.vial_id = vial;
    in.dose_number = (int)dose;
    in.booking_id = booking;
    struct vx_care_result res;
    int64_t id = 0;
    if (vx_care_record_dose(&c.env, &in, &id, &res) != VX_OK) {
        rc = refused(ctx, &res);
    } else {
        fprintf(ctx->out, "dose %lld recorded\n", (long long)id);
        if (res.warn_sv[0])
            fprintf(ctx->out, "varning: %s\nwarning: %s\n", res.warn_sv, res.warn_en);
    }
    cc_close(&c);
    return rc;
}

/* ------------------------------------------------------------------ sweep, figures */

static int cmd_care_sweep(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct vx_care_result res;
    int vials = 0, offers = 0;
    if (vx_care_sweep(&c.env, &vials, &offers, &res) != VX_OK)
        rc = refused(ctx, &res);
    else
        fprintf(ctx->out, "%d expired vials closed as wastage, %d standby offers expired\n", vials,
                offers);
    cc_close(&c);
    return rc;
}

static int cmd_care_figures(struct cli_ctx *ctx)
{
    struct care_cli c;
    int rc = cc_open(ctx, &c, false);
    if (rc != CLI_EXIT_OK)
        return rc;
    vx_day day;
    if (!cli_get_day(ctx, "date", cli_today(), &day)) {
        cc_close(&c);
        return CLI_EXIT_USAGE;
    }
    const char *region = cli_get(ctx, "region");
    struct vx_care_region_stock f;
    if (vx_care_region_stock(c.st, region ? region : "", day, &f) != VX_OK) {
        cli_error(ctx, "%s", c.st->err);
        cc_close(&c);
        return CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out,
            "on_hand\t%lld\ngiven_per_day\t%.1f\ncover_days\t%.1f\nwasted_28d\t%lld\n"
            "given_28d\t%lld\nwaste_pct\t%.1f\n",
            (long long)f.on_hand, f.given_per_day, f.cover_days, (long long)f.wasted_28d,
            (long long)f.drawn_28d, f.waste_pct);
    cc_close(&c);
    return CLI_EXIT_OK;
}

const struct cli_command cli_cmds_care[] = {
    {
        .words = "care stock",
        .summary = "stock per lot at a site (or every site of a region)",
        .opts = {OPT_DB, OPT_DATA, {"site", "CODE", "site code"}, {"region", "CODE", "region"}},
        .run = cmd_care_stock,
    },
    {
        .words = "care receive",
        .summary = "receive doses of a lot at a site",
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_ACTOR,
                 OPT_NOW,
                 {"site", "CODE", "site code"},
                 {"vaccine", "CODE", "product code (COM, MOD, AZ, ...)"},
                 {"lot", "NUMBER", "lot number, e.g. EJ6795"},
                 {"expiry", "DATE", "expiry date YYYY-MM-DD"},
                 {"thawed", "TIME", "thawed at (frozen products), RFC 3339"},
                 {"doses", "N", "doses received"},
                 {"vials", "N", "or vials received (x nominal doses per vial)"},
                 {"ref", "TEXT", "allocation or delivery reference"}},
        .run = cmd_care_receive,
    },
    {
        .words = "care open",
        .summary = "open a vial of a lot at a site",
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_ACTOR,
                 OPT_NOW,
                 {"site", "CODE", "site code"},
                 {"lot", "ID|NUMBER", "lot id, or lot number with --vaccine"},
                 {"vaccine", "CODE", "product of the lot number"}},
        .run = cmd_care_open,
    },
    {
        .words = "care close",
        .summary = "close a vial; what is left becomes wastage",
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_ACTOR,
                 OPT_NOW,
                 {"vial", "ID", "vial id"},
                 {"reason", "CODE", "leftover (default), broken, expired, cold_chain, other"}},
        .run = cmd_care_close,
    },
    {
        .words = "care record",
        .synopsis = "<pnr>",
        .summary = "record a dose (all checks; a refusal prints why and exits 1)",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_ACTOR,
                 OPT_NOW,
                 {"vaccine", "CODE", "product code"},
                 {"lot", "NUMBER", "lot number"},
                 {"vial", "ID", "open vial (optional)"},
                 {"site", "CODE", "site code"},
                 {"kommun", "CODE", "municipality (a municipal nurse, no site)"},
                 {"dose", "N", "dose number (default: next)"},
                 {"booking", "ID", "booking fulfilled"},
                 {"at", "TIME", "when given, RFC 3339 (default: --now)"},
                 {"arm", "SITE", "injection site: left_arm, right_arm, left_thigh, right_thigh"}},
        .run = cmd_care_record,
    },
    {
        .words = "care sweep",
        .summary = "close expired vials as wastage and expire unanswered standby offers",
        .opts = {OPT_DB, OPT_DATA, OPT_ACTOR, OPT_NOW},
        .run = cmd_care_sweep,
    },
    {
        .words = "care figures",
        .summary = "stock cover and wastage of a region (traffic-light inputs)",
        .opts = {OPT_DB, OPT_DATA, OPT_DATE, {"region", "CODE", "region (default: country)"}},
        .run = cmd_care_figures,
    },
    {0}, /* end */
};
