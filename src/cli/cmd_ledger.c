/*
 * cmd_ledger.c — `vaxchain ledger ...`: compensation statements, the uncovered-doses
 * report and recorded adjustments, from the command line.
 *
 * A client of the library like the HTTP routes: the tariff table is
 * <data-dir>/compensation.json (vx_comp_load_file), the statement is computed by
 * vx_ledger_statement_load from the database and written as text (default), JSON,
 * CSV, PDF or XLSX (binary formats need --out). `ledger adjust` records a signed
 * adjustment with who decided and why; it is written together with its audit row
 * ("ledger.adjust", actor "cli:<by>") in one transaction. Statements hold no person
 * data, so reading them is not audited.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/buf.h"
#include "vx/ledger.h"
#include "vx/store.h"
#include "vx/store_ledger.h"

#define OUT_MAX (64u << 20)

/* Open the database and load the tariffs; prints why on failure. */
static bool open_all(struct cli_ctx *ctx, struct vx_store **st, struct vx_comp_table **t)
{
    char path[4200];
    struct vx_err err = {0};
    snprintf(path, sizeof path, "%s/compensation.json", cli_data_dir(ctx));
    if (vx_comp_load_file(path, t, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return false;
    }
    if (vx_store_open_sqlite(cli_db_path(ctx), st, &err) != VX_OK) {
        cli_error(ctx, "cannot open %s: %s", cli_db_path(ctx), err.msg);
        free(*t);
        *t = NULL;
        return false;
    }
    return true;
}

/* --region, --kommun, --from, --to, --payer; prints why and returns false on error. */
static bool range_opts(struct cli_ctx *ctx, const char **region, const char **kommun, vx_day *from,
                       vx_day *to, enum vx_payer *payer)
{
    vx_day first = vx_day_from_ymd(2020, 12, 27);
    *region = cli_get(ctx, "region");
    *kommun = cli_get(ctx, "kommun");
    if (!*kommun)
        *kommun = "";
    if (!*region || strlen(*region) != 2) {
        cli_error(ctx, "--region: a two-digit region code is required");
        return false;
    }
    if ((*kommun)[0] && (strlen(*kommun) != 4 || strncmp(*kommun, *region, 2) != 0)) {
        cli_error(ctx, "--kommun: a municipality of region %s", *region);
        return false;
    }
    if (!cli_get_day(ctx, "from", first, from) || !cli_get_day(ctx, "to", cli_today(), to))
        return false;
    if (*from > *to) {
        cli_error(ctx, "--from is after --to");
        return false;
    }
    *payer = VX_PAYER_REGION;
    const char *p = cli_get(ctx, "payer");
    if (p && vx_payer_parse(p, payer) != VX_OK) {
        cli_error(ctx, "--payer: region or state");
        return false;
    }
    return true;
}

static const char *lang_of(struct cli_ctx *ctx)
{
    const char *l = cli_get(ctx, "lang");
    return l && !strcmp(l, "en") ? "en" : "sv";
}

static void print_text(struct cli_ctx *ctx, const struct vx_statement *s, bool uncovered_only)
{
    const char *lang = lang_of(ctx);
    bool en = !strcmp(lang, "en");
    char f[11], t[11], a[48], b[48];
    fprintf(ctx->out, "%s %s %s %s – %s\n",
            en ? (uncovered_only ? "Doses without an agreement:" : "Statement:")
               : (uncovered_only ? "Doser utan avtal i kraft:" : "Ersättningsunderlag:"),
            s->region, s->kommun[0] ? s->kommun : (en ? "(all)" : "(alla)"),
            vx_day_format(s->from, f), vx_day_format(s->to, t));
    for (size_t i = 0; i < s->n_lines; i++) {
        const struct vx_ledger_line *l = &s->lines[i];
        if (uncovered_only && l->covered)
            continue;
        fprintf(ctx->out, "%s  ", l->kommun);
        cli_print_padded(ctx->out, l->kommun_name, 16);
        fprintf(ctx->out, " %s – %s  %8" PRId64, vx_day_format(l->from, f), vx_day_format(l->to, t),
                l->doses);
        if (l->covered)
            fprintf(ctx->out, " x %10s%s = %14s  %s\n",
                    vx_ledger_format_ore(l->ore_per_dose, lang, a, sizeof a),
                    l->assumed ? "*" : " ", vx_ledger_format_ore(l->amount_ore, lang, b, sizeof b),
                    l->agreement);
        else
            fprintf(ctx->out, "   %s\n", en ? "no agreement in force" : "inget avtal i kraft");
    }
    if (uncovered_only) {
        fprintf(ctx->out, "%s: %" PRId64 "\n", en ? "Doses uncovered" : "Doser utan avtal",
                s->doses_uncovered);
        return;
    }
    for (size_t i = 0; i < s->n_adjust; i++) {
        const struct vx_ledger_adjust *x = &s->adjust[i];
        fprintf(ctx->out, "%s %s %s – %s  %14s  %s (%s)\n", en ? "adjustment" : "justering",
                x->kommun, vx_day_format(x->period_from, f), vx_day_format(x->period_to, t),
                vx_ledger_format_ore(x->amount_ore, lang, a, sizeof a), x->reason, x->decided_by);
    }
    fprintf(ctx->out, "%s %s  %s %s  %s %s kr\n", en ? "Subtotal" : "Summa",
            vx_ledger_format_ore(s->subtotal_ore, lang, a, sizeof a),
            en ? "Adjustments" : "Justeringar",
            vx_ledger_format_ore(s->adjust_ore, lang, b, sizeof b), en ? "Total" : "Totalt",
            vx_ledger_format_ore(s->total_ore, lang, (char[48]){0}, 48));
    fprintf(ctx->out, "%s: %" PRId64 " (%s %" PRId64 ", %s %" PRId64 ")\n", en ? "Doses" : "Doser",
            s->doses_total, en ? "covered" : "med avtal", s->doses_covered,
            en ? "uncovered" : "utan avtal", s->doses_uncovered);
}

static int write_out(struct cli_ctx *ctx, const struct vx_buf *b)
{
    const char *path = cli_get(ctx, "out");
    FILE *f = path ? fopen(path, "wb") : ctx->out;
    if (!f) {
        cli_error(ctx, "cannot write %s", path);
        return CLI_EXIT_FAILURE;
    }
    bool ok = fwrite(b->data ? b->data : "", 1, b->len, f) == b->len;
    if (path)
        ok = fclose(f) == 0 && ok;
    if (!ok) {
        cli_error(ctx, "cannot write %s", path ? path : "the output");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int run_statement(struct cli_ctx *ctx, bool uncovered_only)
{
    const char *region, *kommun;
    vx_day from, to;
    enum vx_payer payer;
    if (!range_opts(ctx, &region, &kommun, &from, &to, &payer))
        return CLI_EXIT_USAGE;
    if (uncovered_only)
        payer = VX_PAYER_REGION;
    const char *format = cli_get(ctx, "format");
    if (!format)
        format = "text";
    static const char *const formats[] = {"text", "json", "csv", "pdf", "xlsx"};
    int fi = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(format, formats[i]))
            fi = i;
    if (fi < 0 || (uncovered_only && fi > 1)) {
        cli_error(ctx, "--format: %s",
                  uncovered_only ? "text or json" : "text, json, csv, pdf or xlsx");
        return CLI_EXIT_USAGE;
    }
    if (fi >= 3 && !cli_get(ctx, "out")) {
        cli_error(ctx, "--format %s needs --out FILE", format);
        return CLI_EXIT_USAGE;
    }
    struct vx_store *st = NULL;
    struct vx_comp_table *t = NULL;
    if (!open_all(ctx, &st, &t))
        return CLI_EXIT_FAILURE;
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    struct vx_err err = {0};
    int exit = CLI_EXIT_OK;
    enum vx_status rc = vx_ledger_statement_load(st, t, payer, region, kommun, from, to, &s, &err);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        exit = rc == VX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
        goto out;
    }
    struct vx_buf b;
    vx_buf_init(&b, OUT_MAX);
    const char *lang = lang_of(ctx);
    if (fi == 0) {
        print_text(ctx, &s, uncovered_only);
    } else if (fi == 1) {
        rc = vx_buf_printf(&b,
                           "{\"payer\":\"%s\",\"region\":\"%s\",\"kommun\":\"%s\","
                           "\"doses_total\":%" PRId64 ",\"doses_uncovered\":%" PRId64
                           ",\"subtotal_ore\":%" PRId64 ",\"adjust_ore\":%" PRId64
                           ",\"total_ore\":%" PRId64 ",\"lines\":[",
                           vx_payer_code(s.payer), s.region, s.kommun, s.doses_total,
                           s.doses_uncovered, s.subtotal_ore, s.adjust_ore, s.total_ore);
        for (size_t i = 0; rc == VX_OK && i < s.n_lines; i++) {
            const struct vx_ledger_line *l = &s.lines[i];
            char f[11], tt[11];
            if (uncovered_only && l->covered)
                continue;
            rc = vx_buf_printf(
                &b,
                "%s{\"kommun\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"covered\":%s,"
                "\"doses\":%" PRId64 ",\"ore_per_dose\":%" PRId64 ",\"amount_ore\":%" PRId64 "}",
                b.data && b.data[b.len - 1] == '}' ? "," : "", l->kommun, vx_day_format(l->from, f),
                vx_day_format(l->to, tt), l->covered ? "true" : "false", l->doses, l->ore_per_dose,
                l->amount_ore);
        }
        if (rc == VX_OK)
            rc = vx_buf_puts(&b, "]}\n");
    } else if (fi == 2) {
        rc = vx_ledger_statement_csv(&s, lang, &b);
    } else if (fi == 3) {
        rc = vx_ledger_statement_pdf(&s, lang, NULL, &b, &err);
        vx_ledger_render_cleanup();
    } else {
        rc = vx_ledger_statement_xlsx(&s, lang, &b, &err);
    }
    if (rc != VX_OK) {
        cli_error(ctx, "cannot render the statement: %s", err.msg[0] ? err.msg : vx_strerror(rc));
        exit = CLI_EXIT_FAILURE;
    } else if (fi > 0) {
        exit = write_out(ctx, &b);
    }
    vx_buf_release(&b);
out:
    vx_ledger_statement_release(&s);
    vx_store_close(st);
    free(t);
    return exit;
}

static int cmd_ledger_statement(struct cli_ctx *ctx)
{
    return run_statement(ctx, false);
}

static int cmd_ledger_uncovered(struct cli_ctx *ctx)
{
    return run_statement(ctx, true);
}

static int cmd_ledger_adjust(struct cli_ctx *ctx)
{
    struct vx_ledger_adjust a;
    memset(&a, 0, sizeof a);
    const char *region = cli_get(ctx, "region"), *kommun = cli_get(ctx, "kommun");
    const char *reason = cli_get(ctx, "reason"), *by = cli_get(ctx, "by");
    long amount = 0;
    if (!region || strlen(region) != 2 || (kommun && strlen(kommun) != 4) || !reason ||
        !reason[0] || !by || !by[0]) {
        cli_error(ctx, "--region, --reason and --by are required (--kommun: 4 digits)");
        return CLI_EXIT_USAGE;
    }
    if (!cli_get_day(ctx, "from", 0, &a.period_from) || !cli_get_day(ctx, "to", 0, &a.period_to) ||
        !cli_get_long(ctx, "amount-ore", 0, -900000000000000L, 900000000000000L, &amount))
        return CLI_EXIT_USAGE;
    if (!a.period_from || !a.period_to || a.period_to < a.period_from || amount == 0) {
        cli_error(ctx, "--from and --to (from <= to) and a non-zero --amount-ore are required");
        return CLI_EXIT_USAGE;
    }
    snprintf(a.region, sizeof a.region, "%s", region);
    snprintf(a.kommun, sizeof a.kommun, "%s", kommun ? kommun : "");
    snprintf(a.reason, sizeof a.reason, "%s", reason);
    snprintf(a.decided_by, sizeof a.decided_by, "%s", by);
    a.amount_ore = amount;
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(cli_db_path(ctx), &st, &err) != VX_OK) {
        cli_error(ctx, "cannot open %s: %s", cli_db_path(ctx), err.msg);
        return CLI_EXIT_FAILURE;
    }
    int64_t id = 0;
    enum vx_status rc = vx_store_begin(st);
    if (rc == VX_OK)
        rc = st->ops->ledger->adjust_put(st, &a, &id);
    if (rc == VX_OK) {
        struct vx_audit_rec ar;
        memset(&ar, 0, sizeof ar);
        snprintf(ar.actor, sizeof ar.actor, "cli:%.59s", by);
        snprintf(ar.role, sizeof ar.role, "cli");
        snprintf(ar.action, sizeof ar.action, "ledger.adjust");
        snprintf(ar.object, sizeof ar.object, "adjust:%" PRId64, id);
        snprintf(ar.region, sizeof ar.region, "%s", region);
        snprintf(ar.detail, sizeof ar.detail, "%s %" PRId64 " öre: %.200s", a.kommun, a.amount_ore,
                 a.reason);
        rc = st->ops->audit_append(st, &ar);
    }
    if (rc == VX_OK)
        rc = vx_store_commit(st);
    if (rc != VX_OK) {
        vx_store_rollback(st);
        cli_error(ctx, "cannot record the adjustment: %s", st->err);
        vx_store_close(st);
        return rc == VX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out, "%" PRId64 "\n", id);
    vx_store_close(st);
    return CLI_EXIT_OK;
}

#define RANGE_OPTS                                                                                 \
    {"region", "RR", "region code (required)"}, {"kommun", "KKKK", "one municipality"},            \
        {"from", "YYYY-MM-DD", "first day (default 2020-12-27)"},                                  \
        {"to", "YYYY-MM-DD", "last day (default today)"},                                          \
    {                                                                                              \
        "lang", "sv|en", "language"                                                                \
    }

const struct cli_command cli_cmds_ledger[] = {
    {
        .words = "ledger statement",
        .summary = "compensation statement: doses per municipality and tariff period x tariff",
        .details = "Tariffs from <data-dir>/compensation.json (öre per dose per period). --payer\n"
                   "region (default): the region's payment to its municipalities for doses given\n"
                   "by municipal nurses; state: the state's payment to the region for every dose.\n"
                   "Doses with no agreement in force are listed and not paid. pdf and xlsx need\n"
                   "--out. Exit 2 for bad options, 3 when the database or file fails.",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 RANGE_OPTS,
                 {"payer", "region|state", "who pays (default region)"},
                 {"format", "FMT", "text (default), json, csv, pdf or xlsx"},
                 {"out", "FILE", "write to FILE (required for pdf/xlsx)"}},
        .run = cmd_ledger_statement,
    },
    {
        .words = "ledger uncovered",
        .summary = "doses given by municipal nurses with no compensation agreement in force",
        .details = "Per municipality and month (the 2024 dispute: no agreement from 2024).",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 RANGE_OPTS,
                 {"format", "FMT", "text (default) or json"},
                 {"out", "FILE", "write to FILE"}},
        .run = cmd_ledger_uncovered,
    },
    {
        .words = "ledger adjust",
        .summary = "record a compensation adjustment (who decided and why; audited)",
        .details = "Prints the adjustment's id. Without --kommun the adjustment belongs to the\n"
                   "state's statement to the region.",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"region", "RR", "region code"},
                 {"kommun", "KKKK", "municipality"},
                 {"from", "YYYY-MM-DD", "period from"},
                 {"to", "YYYY-MM-DD", "period to"},
                 {"amount-ore", "N", "signed amount in öre"},
                 {"reason", "TEXT", "why"},
                 {"by", "WHO", "who decided"}},
        .run = cmd_ledger_adjust,
    },
    {0}, /* end */
};
