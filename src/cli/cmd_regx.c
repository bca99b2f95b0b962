/*
 * cmd_regx.c — the `vaxchain register export|status|backfill` commands (src/register
 * export.c, backfill.c; docs/register-export.md).
 *
 *   register export --register nvr|hl7|fhir --out DIR [--date D] [--max N]
 *       nvr and fhir write one file into DIR with every change since the last export
 *       (or finish the file a crash left unfinished); hl7 writes one message per
 *       change into DIR through the folder transport. Exactly once: running it again
 *       exports nothing new.
 *   register status [--json]
 *       per register: pending, sent, retrying, rejected, failed, files.
 *   register backfill FILE... [--skip-bad]
 *       historical doses from VXU or CSV files, one transaction per file.
 *
 * The CLI is the place that reads the clock: `now` is the current time, `--date`
 * names the export file's day (default today in Stockholm).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli_int.h"
#include "vx/regx.h"

static struct vx_store *open_store(struct cli_ctx *ctx, bool must_exist)
{
    const char *db = cli_db_path(ctx);
    if (must_exist && access(db, F_OK) != 0) {
        cli_error(ctx, "%s: no such database (run `vaxchain init` first)", db);
        return NULL;
    }
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(db, &st, &err) != VX_OK) {
        cli_error(ctx, "%s: %s", db, err.msg);
        return NULL;
    }
    return st;
}

static int cmd_register_export(struct cli_ctx *ctx)
{
    enum vx_regx_register reg;
    const char *r = cli_get(ctx, "register");
    if (!r || vx_regx_register_parse(r, &reg) != VX_OK) {
        cli_error(ctx, "--register must be nvr, hl7 or fhir");
        return CLI_EXIT_USAGE;
    }
    const char *out = cli_get(ctx, "out");
    if (!out) {
        cli_error(ctx, "--out DIR is required");
        return CLI_EXIT_USAGE;
    }
    struct stat sb;
    if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_error(ctx, "%s: not a folder", out);
        return CLI_EXIT_USAGE;
    }
    vx_day day;
    long max;
    if (!cli_get_day(ctx, "date", cli_today(), &day) ||
        !cli_get_long(ctx, "max", 0, 0, 1000000000L, &max))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_store(ctx, true);
    if (!st)
        return CLI_EXIT_FAILURE;
    vx_time now = (vx_time)time(NULL);
    struct vx_regx_dir_transport dir = {.dir = out, .now = now};
    struct vx_regx_transport tr = {.send = vx_regx_dir_send, .ctx = &dir};
    struct vx_regx_export_opts o = {
        .reg = reg,
        .out_dir = out,
        .day = day,
        .now = now,
        .transport = &tr,
        .max_items = max,
    };
    struct vx_regx_export_result res;
    struct vx_err err = {0};
    enum vx_status rc = vx_regx_export(st, &o, &res, &err);
    vx_store_close(st);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (reg == VX_REGX_HL7)
        fprintf(ctx->out,
                "hl7: %lld changes, %lld sent, %lld retried, %lld waiting for a retry, "
                "%lld rejected, %lld failed\n",
                (long long)res.items, (long long)res.sent, (long long)res.retried,
                (long long)res.deferred, (long long)res.rejected, (long long)res.failed);
    else if (res.files)
        fprintf(ctx->out, "%s: %lld records in %s/%s\n", vx_regx_register_code(reg),
                (long long)res.sent, out, res.file);
    else
        fprintf(ctx->out, "%s: nothing new to export\n", vx_regx_register_code(reg));
    return res.rejected || res.failed ? CLI_EXIT_PROBLEMS : CLI_EXIT_OK;
}

static int cmd_register_status(struct cli_ctx *ctx)
{
    struct vx_store *st = open_store(ctx, true);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_regx_status_rec s[VX_REGX_COUNT];
    for (int i = 0; i < VX_REGX_COUNT; i++) {
        if (st->ops->regx->status(st, vx_regx_register_code((enum vx_regx_register)i), &s[i]) !=
            VX_OK) {
            cli_error(ctx, "%s", st->err);
            vx_store_close(st);
            return CLI_EXIT_FAILURE;
        }
    }
    vx_store_close(st);
    bool json = cli_flag(ctx, "json");
    if (json)
        fprintf(ctx->out, "[");
    else
        fprintf(ctx->out, "%-9s %10s %10s %9s %9s %7s %6s %12s\n", "register", "pending", "sent",
                "retrying", "rejected", "failed", "files", "cursor");
    for (int i = 0; i < VX_REGX_COUNT; i++) {
        if (json)
            fprintf(ctx->out,
                    "%s{\"register\":\"%s\",\"pending\":%lld,\"sent\":%lld,\"retrying\":%lld,"
                    "\"rejected\":%lld,\"failed\":%lld,\"files\":%lld,\"cursor\":%lld,"
                    "\"newest\":%lld}",
                    i ? "," : "", s[i].reg, (long long)s[i].pending, (long long)s[i].sent,
                    (long long)s[i].retrying, (long long)s[i].rejected, (long long)s[i].failed,
                    (long long)s[i].batches, (long long)s[i].last_seq, (long long)s[i].max_seq);
        else
            fprintf(ctx->out, "%-9s %10lld %10lld %9lld %9lld %7lld %6lld %12lld\n", s[i].reg,
                    (long long)s[i].pending, (long long)s[i].sent, (long long)s[i].retrying,
                    (long long)s[i].rejected, (long long)s[i].failed, (long long)s[i].batches,
                    (long long)s[i].last_seq);
    }
    if (json)
        fprintf(ctx->out, "]\n");
    return CLI_EXIT_OK;
}

static int print_bad(void *ctx, long line, const char *reason)
{
    struct cli_ctx *c = ctx;
    fprintf(c->err, "  line %ld: %s\n", line, reason);
    return 0;
}

static int cmd_register_backfill(struct cli_ctx *ctx)
{
    vx_day ref;
    if (!cli_get_day(ctx, "date", cli_today(), &ref))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_store(ctx, true);
    if (!st)
        return CLI_EXIT_FAILURE;
    char actor[64];
    const char *user = getenv("USER");
    snprintf(actor, sizeof actor, "cli:%s", user && *user ? user : "unknown");
    struct vx_backfill_opts o = {
        .skip_bad = cli_flag(ctx, "skip-bad"),
        .ref = ref,
        .now = (vx_time)time(NULL),
        .actor = actor,
    };
    int status = CLI_EXIT_OK;
    long total_imported = 0, total_dup = 0, total_bad = 0;
    for (int i = 0; i < ctx->argc; i++) {
        const char *path = ctx->argv[i];
        char *text = NULL;
        size_t len = 0;
        enum vx_status rc = cli_read_file(path, &text, &len, 256u << 20);
        if (rc != VX_OK) {
            cli_error(ctx, "%s: %s", path, vx_strerror(rc));
            status = CLI_EXIT_FAILURE;
            continue;
        }
        struct vx_backfill_result res;
        struct vx_err err = {0};
        if (o.skip_bad)
            fprintf(ctx->err, "%s:\n", path);
        rc = vx_backfill_import(st, text, len, &o, print_bad, ctx, &res, &err);
        free(text);
        if (rc != VX_OK) {
            cli_error(ctx, "%s: %s (nothing imported from this file)", path, err.msg);
            status = rc == VX_EINVAL || rc == VX_EPARSE ? CLI_EXIT_PROBLEMS : CLI_EXIT_FAILURE;
            total_bad += res.bad;
            continue;
        }
        fprintf(ctx->out, "%s\t%ld rows\t%ld imported\t%ld duplicates\t%ld bad\n", path, res.rows,
                res.imported, res.duplicates, res.bad);
        total_imported += res.imported;
        total_dup += res.duplicates;
        total_bad += res.bad;
        if (res.bad && status == CLI_EXIT_OK)
            status = CLI_EXIT_PROBLEMS;
    }
    vx_store_close(st);
    if (ctx->argc > 1)
        fprintf(ctx->out, "total\t%ld imported\t%ld duplicates\t%ld bad\n", total_imported,
                total_dup, total_bad);
    return status;
}

const struct cli_command cli_cmds_regx[] = {
    {
        .words = "register export",
        .summary = "export dose changes to a register exactly once (NVR file, HL7 VXU, FHIR)",
        .details = "nvr: one daily file NVR_<YYYYMMDD>_<NNNN>.csv (';'-separated, header, trailer\n"
                   "with count and SHA-256); fhir: FHIR_Immunization_<YYYYMMDD>_<NNNN>.ndjson;\n"
                   "hl7: one VXU^V04 file per change, <control id>.hl7. Every change since the\n"
                   "last export of that register goes out once; a file a crash left unfinished is\n"
                   "rewritten first. See docs/register-export.md.",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"register", "nvr|hl7|fhir", "which register"},
                 {"out", "DIR", "folder for the files (must exist)"},
                 {"date", "YYYY-MM-DD", "day of the export file (default: today in Stockholm)"},
                 {"max", "N", "take at most N changes (default: all)"}},
        .run = cmd_register_export,
    },
    {
        .words = "register status",
        .summary = "pending, sent, retrying, rejected and failed items per register",
        .max_args = 0,
        .opts = {OPT_DB, {"json", NULL, "print JSON"}},
        .run = cmd_register_status,
    },
    {
        .words = "register backfill",
        .synopsis = "FILE...",
        .summary = "import historical doses from VXU or CSV files, de-duplicated",
        .details = "A file starting with MSH is read as VXU^V04 messages (one dose per RXA);\n"
                   "otherwise as CSV with the header\n"
                   "  personnummer;vaccine;lot;dose_number;given_at;site;kommun;vaccinator\n"
                   "(';' or ','; lot, site, kommun and vaccinator may be left out; given_at is\n"
                   "YYYY-MM-DD or RFC 3339). Each file is imported in one transaction: the\n"
                   "first bad row (`line N: reason`) rolls the file back unless --skip-bad.\n"
                   "A dose of the same person, vaccine, day and dose number is skipped.",
        .min_args = 1,
        .max_args = -1,
        .opts = {OPT_DB,
                 {"skip-bad", NULL, "import the good rows of a file that has bad ones"},
                 {"date", "YYYY-MM-DD", "reference date for personnummer checks (default today)"}},
        .run = cmd_register_backfill,
    },
    {0}, /* end */
};
