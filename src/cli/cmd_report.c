/*
 * cmd_report.c — `vaxchain report ...`: the regions' monthly traffic-light report.
 *
 *   report file      file a region's report for a month (supersedes an earlier one,
 *                    which is kept); each area as --<area> COLOUR[:REASON]
 *   report show      the current report of a region and month, or --history
 *   report suggest   the colours vaxchain suggests from data, with rule and numbers
 *   report compile   the national compilation as HTML, PDF or XLSX
 *
 * Thin clients of include/vx/report.h: option parsing, the store, printing. The care
 * module's stock ledger feeds the stock and wastage rules when it has data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/auth.h"
#include "vx/care.h"
#include "vx/cert.h"
#include "vx/report.h"
#include "vx/store.h"
#include "vx/store_report.h"

#define REPORT_OUT_MAX (64u * 1024u * 1024u)

static int cmd_report_file(struct cli_ctx *ctx);
static int cmd_report_show(struct cli_ctx *ctx);
static int cmd_report_suggest(struct cli_ctx *ctx);
static int cmd_report_compile(struct cli_ctx *ctx);

#define AREA_OPT(code, what)                                                                       \
    {                                                                                              \
        code, "COLOUR[:REASON]", what                                                              \
    }

const struct cli_command cli_cmds_report[] = {
    {
        .words = "report file",
        .summary = "file a region's traffic-light report for a month (keeps earlier filings)",
        .details = "Each area is COLOUR[:REASON] with COLOUR green, yellow, red or unknown;\n"
                   "overall and readiness are required, every yellow and red needs a reason.\n"
                   "A later filing for the same region and month supersedes this one.",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"region", "CODE", "region (län code, e.g. 03)"},
                 {"month", "YYYY-MM", "month reported on"},
                 {"user", "ID", "the regional coordinator filing (recorded)"},
                 AREA_OPT("overall", "overall assessment"),
                 AREA_OPT("readiness", "readiness for the next phase"),
                 AREA_OPT("premises", "premises"),
                 AREA_OPT("staff", "staff"),
                 AREA_OPT("booking", "booking"),
                 AREA_OPT("supply_logistics", "supply and logistics"),
                 AREA_OPT("it_register", "IT and register"),
                 AREA_OPT("communication", "communication"),
                 AREA_OPT("municipal_cooperation", "municipal cooperation"),
                 {"json", NULL, "print the stored report as JSON"}},
        .run = cmd_report_file,
    },
    {
        .words = "report show",
        .summary = "show a region's current traffic-light report for a month (or every filing)",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"region", "CODE", "region (\"\" or absent = every region)"},
                 {"month", "YYYY-MM", "month"},
                 {"history", NULL, "every filing, superseded ones too"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_report_show,
    },
    {
        .words = "report suggest",
        .summary = "colours suggested from data for a region and month, with rules and numbers",
        .details = "Indicators the data cannot give stay unknown. The phase delay comes from\n"
                   "the statistics cubes against <data-dir>/phase_targets.json, the register\n"
                   "backlog from the NVR export's outbox; --phase-delay and --register-backlog\n"
                   "override them (what-if).",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_DATE,
                 {"region", "CODE", "region (län code)"},
                 {"month", "YYYY-MM", "month (default: the month of --date)"},
                 {"phase-delay", "DAYS", "override: projected delay against the phase target"},
                 {"register-backlog", "DAYS",
                  "override: age of the oldest dose not sent to the register"},
                 {"lang", "sv|en", "language of the texts (default sv)"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_report_suggest,
    },
    {
        .words = "report compile",
        .summary = "national compilation of a month's reports as HTML, PDF or XLSX",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATE,
                 {"month", "YYYY-MM", "month (default: the month of --date)"},
                 {"format", "html|pdf|xlsx", "output format (default html)"},
                 {"out", "FILE", "output file (required)"},
                 {"lang", "sv|en", "language (default sv)"}},
        .run = cmd_report_compile,
    },
    {0}, /* end */
};

/* ------------------------------------------------------------------ helpers */

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

static bool get_month(struct cli_ctx *ctx, vx_day def_day, bool required, int *out)
{
    const char *m = cli_get(ctx, "month");
    if (!m) {
        if (required) {
            cli_error(ctx, "--month YYYY-MM is required");
            return false;
        }
        *out = vx_tl_month_of(def_day);
        return true;
    }
    if (vx_tl_month_parse(m, out) != VX_OK) {
        cli_error(ctx, "--month: '%s' is not YYYY-MM", m);
        return false;
    }
    return true;
}

static bool get_region(struct cli_ctx *ctx, bool required, const char **out)
{
    const char *r = cli_get(ctx, "region");
    if (!r || !*r) {
        if (required) {
            cli_error(ctx, "--region CODE is required");
            return false;
        }
        *out = "";
        return true;
    }
    if (strlen(r) != 2 || r[0] < '0' || r[0] > '9' || r[1] < '0' || r[1] > '9') {
        cli_error(ctx, "--region: '%s' is not a län code (two digits)", r);
        return false;
    }
    *out = r;
    return true;
}

static const char *get_lang(struct cli_ctx *ctx)
{
    const char *l = cli_get(ctx, "lang");
    return l && !strcmp(l, "en") ? "en" : "sv";
}

static int print_json(struct cli_ctx *ctx, cJSON *j)
{
    char *t = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!t) {
        cli_error(ctx, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out, "%s\n", t);
    cJSON_free(t);
    return CLI_EXIT_OK;
}

static void print_report(struct cli_ctx *ctx, const struct vx_tl_report *r)
{
    char mb[8], tb[40];
    fprintf(ctx->out, "region %s  month %s  filed by %s at %s%s\n", r->region,
            vx_tl_month_format(r->month, mb), r->filed_by, vx_time_format_local(r->filed_at, tb),
            r->superseded_by ? "  (superseded)" : "");
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        fprintf(ctx->out, "  %-22s %-8s %s\n", vx_tl_area_info((enum vx_tl_area)a)->code,
                vx_tl_color_code(r->area[a].color), r->area[a].reason);
    }
}

/* ------------------------------------------------------------------ file */

static int cmd_report_file(struct cli_ctx *ctx)
{
    struct vx_tl_report r;
    memset(&r, 0, sizeof r);
    const char *region;
    if (!get_region(ctx, true, &region) || !get_month(ctx, 0, true, &r.month))
        return CLI_EXIT_USAGE;
    snprintf(r.region, sizeof r.region, "%s", region);
    const char *user = cli_get(ctx, "user");
    if (!user || !*user || strlen(user) >= sizeof r.filed_by) {
        cli_error(ctx, "--user ID is required (at most %zu characters)", sizeof r.filed_by - 1);
        return CLI_EXIT_USAGE;
    }
    snprintf(r.filed_by, sizeof r.filed_by, "%s", user);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        const char *code = vx_tl_area_info((enum vx_tl_area)a)->code;
        const char *v = cli_get(ctx, code);
        if (!v)
            continue;
        const char *colon = strchr(v, ':');
        char colour[16];
        size_t cl = colon ? (size_t)(colon - v) : strlen(v);
        if (cl >= sizeof colour) {
            cli_error(ctx, "--%s: unknown colour '%s'", code, v);
            return CLI_EXIT_USAGE;
        }
        memcpy(colour, v, cl);
        colour[cl] = '\0';
        if (vx_tl_color_parse(colour, &r.area[a].color) != VX_OK) {
            cli_error(ctx, "--%s: unknown colour '%s' (green, yellow, red, unknown)", code, colour);
            return CLI_EXIT_USAGE;
        }
        if (colon && strlen(colon + 1) >= sizeof r.area[a].reason) {
            cli_error(ctx, "--%s: the reason is longer than %zu bytes", code,
                      sizeof r.area[a].reason - 1);
            return CLI_EXIT_USAGE;
        }
        snprintf(r.area[a].reason, sizeof r.area[a].reason, "%s", colon ? colon + 1 : "");
    }
    struct vx_err err = {0};
    if (vx_tl_report_check(&r, NULL, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    int64_t id = 0;
    enum vx_status rc = st->ops->report->file(st, &r, &id);
    if (rc == VX_OK) {
        char obj[64], mb[8];
        snprintf(obj, sizeof obj, "tl_report:%lld", (long long)id);
        struct vx_session s = {.role = VX_ROLE_REGION_COORD};
        snprintf(s.user, sizeof s.user, "cli:%s", user);
        snprintf(s.region, sizeof s.region, "%s", region);
        rc = vx_audit_event(st, &s, "report.file", obj, vx_tl_month_format(r.month, mb));
    }
    if (rc != VX_OK) {
        cli_error(ctx, "cannot file the report: %s", st->err[0] ? st->err : vx_strerror(rc));
        vx_store_close(st);
        return rc == VX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    struct vx_tl_report back;
    rc = st->ops->report->get(st, region, r.month, &back);
    vx_store_close(st);
    if (rc != VX_OK) {
        cli_error(ctx, "filed, but cannot read it back");
        return CLI_EXIT_FAILURE;
    }
    if (cli_flag(ctx, "json"))
        return print_json(ctx, vx_tl_report_json(&back));
    fprintf(ctx->out, "filed report %lld\n", (long long)back.id);
    print_report(ctx, &back);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ show */

struct show {
    struct cli_ctx *ctx;
    cJSON *arr;
    int n;
};

static int show_one(void *arg, const struct vx_tl_report *r)
{
    struct show *s = arg;
    s->n++;
    if (s->arr) {
        cJSON *j = vx_tl_report_json(r);
        return j ? !cJSON_AddItemToArray(s->arr, j) : 1;
    }
    print_report(s->ctx, r);
    return 0;
}

static int cmd_report_show(struct cli_ctx *ctx)
{
    const char *region;
    int month;
    if (!get_region(ctx, false, &region) || !get_month(ctx, 0, true, &month))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct show s = {.ctx = ctx, .arr = cli_flag(ctx, "json") ? cJSON_CreateArray() : NULL};
    enum vx_status rc =
        st->ops->report->foreach (st, region, month, cli_flag(ctx, "history"), show_one, &s);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", st->err);
        cJSON_Delete(s.arr);
        vx_store_close(st);
        return CLI_EXIT_FAILURE;
    }
    vx_store_close(st);
    if (s.arr)
        return print_json(ctx, s.arr);
    if (!s.n)
        fprintf(ctx->out, "no report filed\n");
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ suggest */

static int cmd_report_suggest(struct cli_ctx *ctx)
{
    vx_day date;
    const char *region;
    int month;
    if (!cli_get_day(ctx, "date", cli_today(), &date) || !get_region(ctx, true, &region) ||
        !get_month(ctx, date, false, &month))
        return CLI_EXIT_USAGE;
    double delay = 0, backlog = 0;
    if (!cli_get_double(ctx, "phase-delay", 0, -3650, 3650, &delay) ||
        !cli_get_double(ctx, "register-backlog", 0, 0, 3650, &backlog))
        return CLI_EXIT_USAGE;
    char tpath[4200];
    snprintf(tpath, sizeof tpath, "%s/%s", cli_data_dir(ctx), VX_TL_PHASE_TARGETS_FILE);
    struct vx_tl_phase_targets targets;
    struct vx_err terr = {0};
    if (vx_tl_phase_targets_load(tpath, &targets, &terr) != VX_OK) {
        cli_error(ctx, "%s", terr.msg);
        return CLI_EXIT_FAILURE;
    }
    struct vx_store *st = open_store(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_care_region_stock cs;
    struct vx_tl_stock stock;
    const struct vx_tl_stock *sp = NULL;
    if (vx_care_region_stock(st, region, date, &cs) == VX_OK &&
        (cs.on_hand > 0 || cs.wasted_28d > 0)) {
        stock = (struct vx_tl_stock){.on_hand = cs.on_hand,
                                     .given_per_day = cs.given_per_day,
                                     .wasted_28d = cs.wasted_28d,
                                     .drawn_28d = cs.drawn_28d};
        sp = &stock;
    }
    struct vx_tl_indicators in;
    struct vx_err err = {0};
    enum vx_status rc = vx_tl_gather(st, region, month, date, sp, &targets, &in, &err);
    vx_store_close(st);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    /* the overrides replace what the data gave (what-if, or a figure from elsewhere) */
    if (cli_get(ctx, "phase-delay")) {
        vx_tl_ind_set(&in, VX_TLI_PHASE_DELAY_DAYS, delay, "given with --phase-delay");
        vx_tl_ind_basis_sv(&in, VX_TLI_PHASE_DELAY_DAYS, "angivet med --phase-delay");
    }
    if (cli_get(ctx, "register-backlog")) {
        vx_tl_ind_set(&in, VX_TLI_REGISTER_BACKLOG_DAYS, backlog, "given with --register-backlog");
        vx_tl_ind_basis_sv(&in, VX_TLI_REGISTER_BACKLOG_DAYS, "angivet med --register-backlog");
    }
    struct vx_tl_suggestion sug[VX_TL_AREA_COUNT];
    vx_tl_suggest(&in, sug);
    if (cli_flag(ctx, "json"))
        return print_json(ctx, vx_tl_suggest_json(&in, sug));
    bool en = !strcmp(get_lang(ctx), "en");
    char mb[8];
    fprintf(ctx->out, "region %s  month %s\n", region, vx_tl_month_format(month, mb));
    for (int i = 0; i < VX_TLI_COUNT; i++) {
        const struct vx_tl_ind_info *ii = vx_tl_ind_info((enum vx_tl_ind)i);
        const char *basis = !en && in.basis_sv[i][0] ? in.basis_sv[i] : in.basis[i];
        const char *note = en ? in.note_en[i] : in.note_sv[i];
        if (in.known[i])
            fprintf(ctx->out, "  %-22s %10.1f %-5s %s\n", ii->code, in.value[i], ii->unit, basis);
        else
            fprintf(ctx->out, "  %-22s %10s       %s\n", ii->code, "unknown", note);
    }
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        fprintf(ctx->out, "%-22s %s\n", vx_tl_area_info((enum vx_tl_area)a)->code,
                en ? sug[a].text_en : sug[a].text_sv);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ compile */

static int cmd_report_compile(struct cli_ctx *ctx)
{
    vx_day date;
    int month;
    if (!cli_get_day(ctx, "date", cli_today(), &date) || !get_month(ctx, date, false, &month))
        return CLI_EXIT_USAGE;
    enum vx_tl_format f = VX_TL_FMT_HTML;
    const char *fs = cli_get(ctx, "format");
    if (fs && vx_tl_format_parse(fs, &f) != VX_OK) {
        cli_error(ctx, "--format: '%s' is not html, pdf or xlsx", fs);
        return CLI_EXIT_USAGE;
    }
    const char *out = cli_get(ctx, "out");
    if (!out || !*out) {
        cli_error(ctx, "--out FILE is required");
        return CLI_EXIT_USAGE;
    }
    vx_day asof = date < vx_tl_month_last(month) ? date : vx_tl_month_last(month);
    struct vx_tl_compilation *c = calloc(1, sizeof *c);
    if (!c) {
        cli_error(ctx, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    struct vx_store *st = open_store(ctx);
    if (!st) {
        free(c);
        return CLI_EXIT_FAILURE;
    }
    struct vx_err err = {0};
    enum vx_status rc = vx_tl_compile_store(st, month, asof, c, &err);
    vx_store_close(st);
    struct vx_buf b;
    vx_buf_init(&b, REPORT_OUT_MAX);
    if (rc == VX_OK)
        rc = vx_tl_render(c, f, get_lang(ctx), NULL, &b, &err);
    if (rc == VX_OK) {
        FILE *fp = fopen(out, "wb");
        if (!fp || fwrite(b.data, 1, b.len, fp) != b.len) {
            rc = vx_err_set(&err, VX_EIO, "cannot write %s", out);
        }
        if (fp && fclose(fp) != 0 && rc == VX_OK)
            rc = vx_err_set(&err, VX_EIO, "cannot write %s", out);
        if (rc != VX_OK)
            remove(out);
    }
    if (rc == VX_OK) {
        char mb[8];
        fprintf(ctx->out, "%s: %s compilation of %s, %d of %d regions reported, %zu bytes\n", out,
                vx_tl_format_code(f), vx_tl_month_format(month, mb), c->n_filed, c->n_regions,
                b.len);
    } else {
        cli_error(ctx, "%s", err.msg);
    }
    vx_buf_release(&b);
    free(c);
    if (f == VX_TL_FMT_PDF)
        vx_cert_render_cleanup(); /* cairo's font caches; the process ends after this */
    return rc == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
