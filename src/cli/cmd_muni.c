/*
 * cmd_muni.c — `vaxchain muni ...`: the municipal resident lists from the command line.
 *
 *   muni upload      a CSV file → the municipality's next list version (all or nothing;
 *                    every problem printed as "line N, column X: reason"), then the
 *                    differences against the previous version
 *   muni lists       the versions of a municipality (or of all)
 *   muni purge       the retention rule: delete the rows of expired and superseded lists
 *   muni sample-csv  a list CSV made from the synthetic demo persons of a municipality
 *                    (residence special housing, home care, home health care, LSS), for
 *                    demos and browser tests; synthetic persons only
 *
 * The commands are thin clients of include/vx/muni.h: they read the file, the clock
 * and the options, and print; every rule is the library's. Audit rows name the actor
 * ("cli:$USER" unless --actor) with role "cli".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli_int.h"
#include "vx/muni.h"
#include "vx/store.h"
#include "vx/store_muni.h"

static struct vx_store *open_db(struct cli_ctx *ctx)
{
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    const char *db = cli_db_path(ctx);
    if (vx_store_open_sqlite(db, &st, &err) != VX_OK) {
        cli_error(ctx, "cannot open database %s: %s", db, err.msg);
        return NULL;
    }
    return st;
}

static void actor_of(struct cli_ctx *ctx, char *buf, size_t len)
{
    const char *a = cli_get(ctx, "actor");
    const char *user = getenv("USER");
    if (a && *a)
        snprintf(buf, len, "%s", a);
    else
        snprintf(buf, len, "cli:%s", user && *user ? user : "unknown");
}

/* ------------------------------------------------------------------ upload */

static int print_change(void *p, const struct vx_muni_change *c)
{
    FILE *out = p;
    fprintf(out, "  %-12s person:%lld\t%s → %s\t%s\n", vx_muni_change_code(c->kind),
            (long long)c->person_id, c->old_unit[0] ? c->old_unit : "-",
            c->new_unit[0] ? c->new_unit : "-", c->name);
    return 0;
}

static int cmd_muni_upload(struct cli_ctx *ctx)
{
    vx_day today, until;
    if (!cli_get_day(ctx, "date", cli_today(), &today))
        return CLI_EXIT_USAGE;
    const char *kommun = cli_get(ctx, "kommun");
    if (!kommun) {
        cli_error(ctx, "--kommun CODE is required");
        return CLI_EXIT_USAGE;
    }
    enum vx_muni_basis basis;
    const char *bs = cli_get(ctx, "legal-basis") ? cli_get(ctx, "legal-basis") : "";
    if (vx_muni_basis_parse(bs, &basis) != VX_OK) {
        cli_error(ctx, "--legal-basis: pdl_coherent_records or consent");
        return CLI_EXIT_USAGE;
    }
    if (!cli_get_day(ctx, "valid-until", today + 90, &until))
        return CLI_EXIT_USAGE;
    char *text = NULL;
    size_t len = 0;
    if (cli_read_file(ctx->argv[0], &text, &len, VX_MUNI_MAX_CSV_BYTES) != VX_OK) {
        cli_error(ctx, "cannot read %s", ctx->argv[0]);
        return CLI_EXIT_FAILURE;
    }
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    enum vx_status rc = vx_muni_parse_csv(text, len, today, &up);
    free(text);
    struct vx_store *st = NULL;
    int exit = CLI_EXIT_OK;
    struct vx_muni_list l;
    struct vx_err err = {0};
    if (rc == VX_OK && !(st = open_db(ctx))) {
        exit = CLI_EXIT_FAILURE;
        goto out;
    }
    if (rc == VX_OK) {
        char actor[64];
        actor_of(ctx, actor, sizeof actor);
        struct vx_muni_upload_req req = {.kommun = kommun,
                                         .basis = basis,
                                         .basis_note = cli_get(ctx, "basis-note"),
                                         .valid_until = until,
                                         .actor = actor,
                                         .role = "cli",
                                         .today = today,
                                         .now = (vx_time)time(NULL)};
        rc = vx_muni_list_upload(st, &req, &up, &l, &err);
    }
    if (up.total_problems) {
        char line[320];
        for (int i = 0; i < up.n_problems; i++)
            fprintf(ctx->err, "%s: %s\n", ctx->argv[0],
                    vx_muni_problem_format(&up.problems[i], line, sizeof line));
        if (up.total_problems > up.n_problems)
            fprintf(ctx->err, "%s: ... %d more problems\n", ctx->argv[0],
                    up.total_problems - up.n_problems);
        fprintf(ctx->err, "nothing was stored (%d problems)\n", up.total_problems);
        exit = CLI_EXIT_PROBLEMS;
        goto out;
    }
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg[0] ? err.msg : vx_strerror(rc));
        exit = rc == VX_EINVAL || rc == VX_ENOTFOUND ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
        goto out;
    }
    char d[16];
    fprintf(ctx->out, "list %lld: %s version %d, %d residents, valid until %s, basis %s\n",
            (long long)l.id, l.kommun, l.version, l.rows, vx_day_format(l.valid_until, d),
            vx_muni_basis_code(l.basis));
    fprintf(ctx->out, "changes:");
    for (int i = 0; i < VX_MUNI_CH_COUNT; i++)
        fprintf(ctx->out, " %s %d", vx_muni_change_code((enum vx_muni_change_kind)i), l.changes[i]);
    fprintf(ctx->out, "\n");
    if (cli_flag(ctx, "show-changes"))
        st->ops->muni->list_change_foreach(st, l.id, print_change, ctx->out);
out:
    vx_muni_upload_release(&up);
    vx_store_close(st);
    return exit;
}

/* ------------------------------------------------------------------ lists */

static int print_list(void *p, const struct vx_muni_list *l)
{
    FILE *out = p;
    char d[16], t[32];
    fprintf(out, "%lld\t%s\tv%d\t%d\t%s\t%s\t%s\t%s\n", (long long)l->id, l->kommun, l->version,
            l->rows, vx_day_format(l->valid_until, d), vx_muni_basis_code(l->basis), l->uploaded_by,
            l->purged_at ? vx_time_format_local(l->purged_at, t) : "-");
    return 0;
}

static int cmd_muni_lists(struct cli_ctx *ctx)
{
    struct vx_store *st = open_db(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    fprintf(ctx->out, "id\tkommun\tversion\trows\tvalid_until\tbasis\tuploaded_by\tpurged\n");
    enum vx_status rc = st->ops->muni->list_foreach(st, cli_get(ctx, "kommun"),
                                                    cli_get(ctx, "region"), print_list, ctx->out);
    if (rc != VX_OK)
        cli_error(ctx, "%s", st->err);
    vx_store_close(st);
    return rc == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* ------------------------------------------------------------------ purge */

static int cmd_muni_purge(struct cli_ctx *ctx)
{
    vx_day today;
    if (!cli_get_day(ctx, "date", cli_today(), &today))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_db(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    char actor[64];
    actor_of(ctx, actor, sizeof actor);
    int lists = 0;
    int64_t rows = 0;
    struct vx_err err = {0};
    enum vx_status rc = vx_muni_purge(st, today, (vx_time)time(NULL), actor, &lists, &rows, &err);
    vx_store_close(st);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out, "purged %d list%s, %lld rows deleted\n", lists, lists == 1 ? "" : "s",
            (long long)rows);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ sample-csv */

struct sample {
    FILE *out;
    const char *kommun;
    int limit, n, units;
    int per_type[VX_RES_COUNT];
};

static const struct {
    const char *prefix;
    const char *names[4];
} unit_names[VX_RES_COUNT] = {
    [VX_RES_SPECIAL_HOUSING] = {"SABO", {"Solgården", "Björkhagen", "Ekbacken", "Lindgården"}},
    [VX_RES_HOME_CARE] = {"HT",
                          {"Hemtjänst Norr", "Hemtjänst Syd", "Hemtjänst Öst", "Hemtjänst Väst"}},
    [VX_RES_HOME_HEALTH] = {"HSV",
                            {"Hemsjukvård 1", "Hemsjukvård 2", "Hemsjukvård 3", "Hemsjukvård 4"}},
    [VX_RES_LSS_HOME] = {"LSS",
                         {"Gruppbostad Almen", "Gruppbostad Boken", "Gruppbostad Eken",
                          "Gruppbostad Lönnen"}},
};

static int sample_person(void *p, const struct vx_person_rec *r)
{
    struct sample *s = p;
    if (!r->synthetic || strcmp(r->p.kommun, s->kommun) || r->p.residence == VX_RES_OWN_HOME ||
        (unsigned)r->p.residence >= VX_RES_COUNT)
        return 0;
    if (s->n >= s->limit)
        return 1;
    int k = s->per_type[r->p.residence]++ % s->units;
    const char *consent = s->n % 11 == 10 ? "declined" : s->n % 7 == 6 ? "unknown" : "given";
    fprintf(s->out, "%s,%s-%d,%s,%s,%s,\n", r->p.pnr.norm, unit_names[r->p.residence].prefix, k + 1,
            vx_residence_code(r->p.residence), unit_names[r->p.residence].names[k], consent);
    s->n++;
    return 0;
}

static int cmd_muni_sample_csv(struct cli_ctx *ctx)
{
    const char *kommun = cli_get(ctx, "kommun");
    long limit, units;
    if (!kommun) {
        cli_error(ctx, "--kommun CODE is required");
        return CLI_EXIT_USAGE;
    }
    if (!cli_get_long(ctx, "limit", 100, 1, VX_MUNI_MAX_ROWS, &limit) ||
        !cli_get_long(ctx, "units", 2, 1, 4, &units))
        return CLI_EXIT_USAGE;
    struct vx_store *st = open_db(ctx);
    if (!st)
        return CLI_EXIT_FAILURE;
    struct vx_kommun_rec k;
    if (st->ops->kommun_get(st, kommun, &k) != VX_OK) {
        cli_error(ctx, "no such municipality '%s'", kommun);
        vx_store_close(st);
        return CLI_EXIT_USAGE;
    }
    fprintf(ctx->out, "personnummer,unit_code,list_type,unit_name,consent,notes\n");
    struct sample s = {.out = ctx->out, .kommun = k.code, .limit = (int)limit, .units = (int)units};
    enum vx_status rc = st->ops->person_foreach(st, k.region, sample_person, &s);
    if (rc == VX_OK) {
        char actor[64];
        actor_of(ctx, actor, sizeof actor);
        struct vx_audit_rec a;
        memset(&a, 0, sizeof a);
        a.at = (vx_time)time(NULL);
        snprintf(a.actor, sizeof a.actor, "%s", actor);
        snprintf(a.role, sizeof a.role, "cli");
        snprintf(a.action, sizeof a.action, "person.list");
        snprintf(a.object, sizeof a.object, "muni:%s", k.code);
        snprintf(a.region, sizeof a.region, "%s", k.region);
        snprintf(a.detail, sizeof a.detail, "muni %s: sample-csv, %d synthetic persons", k.code,
                 s.n);
        rc = st->ops->audit_append(st, &a);
    }
    if (rc != VX_OK)
        cli_error(ctx, "%s", st->err);
    vx_store_close(st);
    return rc == VX_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

const struct cli_command cli_cmds_muni[] = {
    {
        .words = "muni upload",
        .synopsis = "<file.csv>",
        .summary = "upload a municipality's resident list (CSV) as its next version",
        .details = "Columns (header line, any order, ',' or ';'): personnummer, unit_code,\n"
                   "list_type (special_housing|home_care|home_health_care|lss_home) required;\n"
                   "unit_name, consent (unknown|given|declined|representative), status\n"
                   "(active|deceased|moved_out), notes optional. All or nothing: every problem\n"
                   "is printed as 'line N, column X: reason' and nothing is stored (exit 1).\n"
                   "Prints the differences against the previous version.",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 OPT_DATE,
                 {"kommun", "CODE", "municipality code (required)"},
                 {"legal-basis", "CODE", "pdl_coherent_records | consent (required)"},
                 {"basis-note", "TEXT", "reference of the legal basis (agreement, decision)"},
                 {"valid-until", "YYYY-MM-DD", "last day the list may be used (default +90 days)"},
                 {"actor", "ID", "who uploads (audit log; default cli:$USER)"},
                 {"show-changes", NULL, "print each change"}},
        .run = cmd_muni_upload,
    },
    {
        .words = "muni lists",
        .summary = "list the resident-list versions (no person data)",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"kommun", "CODE", "one municipality"},
                 {"region", "CODE", "the municipalities of one region"}},
        .run = cmd_muni_lists,
    },
    {
        .words = "muni purge",
        .summary = "delete the rows of expired and superseded resident lists (retention rule)",
        .details = "A list's rows and changes are deleted when its valid-until day has passed,\n"
                   "or 30 days after a newer version of the same municipality was uploaded.\n"
                   "The list's metadata stays, marked purged; one audit row per list.",
        .max_args = 0,
        .opts = {OPT_DB, OPT_DATE, {"actor", "ID", "who runs it (audit log)"}},
        .run = cmd_muni_purge,
    },
    {
        .words = "muni sample-csv",
        .summary = "print a resident-list CSV of a municipality's synthetic demo persons",
        .max_args = 0,
        .opts = {OPT_DB,
                 {"kommun", "CODE", "municipality code (required)"},
                 {"limit", "N", "most rows (default 100)"},
                 {"units", "N", "care units per list type, 1..4 (default 2)"},
                 {"actor", "ID", "who reads (audit log)"}},
        .run = cmd_muni_sample_csv,
    },
    {0}, /* end */
};
