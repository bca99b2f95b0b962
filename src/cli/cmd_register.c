/*
 * cmd_register.c — `vaxchain register check-vxu` and `register check-fhir`.
 *
 * check-vxu reads each file as one HL7 v2 message, parses it, serialises it again
 * (the result must equal the input up to segment-separator normalisation) and runs
 * the CDC CVRS checks. One line per file:
 *
 *     <file> TAB valid|invalid TAB <location field CODE: message>; ...
 *
 * With --expect DIR (a folder laid out like ../shared/data/interop/hl7v2/cdc-cvrs:
 * index.csv plus errors/<name>.expected.txt) each file is looked up by its name and
 * must agree with the CDC validator's result: the same (level, field, code) issues,
 * and for a valid message an identical round trip. Disagreements are explained on
 * stderr; the run ends with "N passed, N failed".
 *
 * check-fhir parses each FHIR Immunization, emits it again and compares the two JSON
 * trees (key order ignored): "<file> TAB ok" or "<file> TAB differs TAB <path>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/buf.h"
#include "vx/csv.h"
#include "vx/register.h"

struct expect_row {
    char *name;  /* basename of the "file" column */
    char *state; /* "valid" / "error" */
    char *issues;
};

struct expect {
    const char *dir;
    size_t n;
    struct expect_row *rows;
    char *text; /* index.csv contents, rows point into it */
};

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static bool load_expect(struct cli_ctx *ctx, const char *dir, struct expect *e)
{
    memset(e, 0, sizeof *e);
    e->dir = dir;
    char path[4096];
    snprintf(path, sizeof path, "%s/index.csv", dir);
    size_t len = 0;
    enum vx_status st = cli_read_file(path, &e->text, &len, 16u << 20);
    if (st != VX_OK) {
        cli_error(ctx, "%s: %s", path, vx_strerror(st));
        return false;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += e->text[i] == '\n';
    e->rows = calloc(lines, sizeof *e->rows);
    if (!e->rows) {
        cli_error(ctx, "out of memory");
        return false;
    }
    int col_file = -1, col_state = -1, col_issues = -1;
    char *p = e->text;
    for (size_t lineno = 1; *p; lineno++) {
        char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        char *next = nl ? nl + 1 : p + ll;
        p[ll] = '\0';
        char *fields[VX_CSV_MAX_FIELDS];
        int nf = 0;
        struct vx_err err = {0};
        if (ll && vx_csv_split(p, ll, ',', fields, VX_CSV_MAX_FIELDS, &nf, &err) != VX_OK) {
            cli_error(ctx, "%s:%zu: %s", path, lineno, err.msg);
            return false;
        }
        if (lineno == 1) {
            for (int i = 0; i < nf; i++) {
                if (strcmp(fields[i], "file") == 0)
                    col_file = i;
                else if (strcmp(fields[i], "expected") == 0)
                    col_state = i;
                else if (strcmp(fields[i], "issues") == 0)
                    col_issues = i;
            }
            if (col_file < 0 || col_state < 0 || col_issues < 0) {
                cli_error(ctx, "%s: header needs the columns file, expected, issues", path);
                return false;
            }
        } else if (nf > col_issues && nf > col_state && nf > col_file) {
            struct expect_row *r = &e->rows[e->n++];
            r->name = (char *)base_name(fields[col_file]);
            r->state = fields[col_state];
            r->issues = fields[col_issues];
        }
        p = next;
    }
    return true;
}

static void free_expect(struct expect *e)
{
    free(e->rows);
    free(e->text);
}

static const struct expect_row *find_row(const struct expect *e, const char *file)
{
    const char *b = base_name(file);
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->rows[i].name, b) == 0)
            return &e->rows[i];
    return NULL;
}

/* Expected issues of `row`: errors/<name without .hl7>.expected.txt, else the cell. */
static bool expected_issues(struct cli_ctx *ctx, const struct expect *e,
                            const struct expect_row *row, struct vx_arena *a,
                            struct vx_cvrs_expected *out)
{
    char path[4096];
    size_t bl = strlen(row->name);
    if (bl > 4 && strcmp(row->name + bl - 4, ".hl7") == 0)
        bl -= 4;
    snprintf(path, sizeof path, "%s/errors/%.*s.expected.txt", e->dir, (int)bl, row->name);
    char *text = NULL;
    size_t len = 0;
    struct vx_err err = {0};
    enum vx_status st = cli_read_file(path, &text, &len, 1u << 20);
    if (st == VX_OK) {
        st = vx_cvrs_expected_parse_report(text, len, a, out, &err);
        free(text);
        if (st != VX_OK)
            cli_error(ctx, "%s: %s", path, err.msg);
        return st == VX_OK;
    }
    if (st != VX_ENOTFOUND) {
        cli_error(ctx, "%s: %s", path, vx_strerror(st));
        return false;
    }
    st = vx_cvrs_expected_parse_list(row->issues, a, out, &err);
    if (st != VX_OK)
        cli_error(ctx, "index.csv %s: %s", row->name, err.msg);
    return st == VX_OK;
}

static void print_issues(FILE *f, const struct vx_cvrs_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        const struct vx_cvrs_issue *is = &res->issue[i];
        fprintf(f, "%s%s%s %s %s: %s", i ? "; " : "", is->level == VX_CVRS_WARN ? "WARN " : "",
                is->location, is->field, is->code, is->message);
    }
}

static void print_expected(FILE *f, const struct vx_cvrs_expected *x)
{
    if (x->n == 0)
        fputs("no issues", f);
    for (size_t i = 0; i < x->n; i++)
        fprintf(f, "%s%s:%s:%s", i ? "; " : "",
                x->issue[i].level == VX_CVRS_WARN ? "WARN" : "ERROR", x->issue[i].field,
                x->issue[i].code);
}

/* Check one file. Returns 1 valid, 0 invalid, -1 runtime failure; *agrees set when
 * an expectation was given. */
static int check_one(struct cli_ctx *ctx, const char *file, const struct vx_cvrs_opts *opts,
                     const struct expect *exp, bool *agrees)
{
    char *text = NULL;
    size_t len = 0;
    enum vx_status st = cli_read_file(file, &text, &len, VX_HL7_MAX_BYTES);
    if (st != VX_OK) {
        cli_error(ctx, "%s: %s", file, st == VX_ENOMEM ? "larger than 1 MiB" : vx_strerror(st));
        return -1;
    }
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_buf ser, norm;
    vx_buf_init(&ser, 2 * VX_HL7_MAX_BYTES);
    vx_buf_init(&norm, 2 * VX_HL7_MAX_BYTES);
    int rc = -1;
    struct vx_hl7_msg m;
    struct vx_hl7_error perr;
    struct vx_cvrs_result res = {0};
    bool parsed = false, round_trip = false;
    st = vx_hl7_parse(text, len, &a, &m, &perr);
    if (st == VX_ENOMEM)
        goto out;
    if (st == VX_OK) {
        parsed = true;
        if (vx_hl7_serialize(&m, &ser) != VX_OK || vx_hl7_normalize(text, len, &norm) != VX_OK)
            goto out;
        round_trip = ser.len == norm.len && memcmp(ser.data, norm.data, ser.len) == 0;
        if (vx_cvrs_check(&m, opts, &a, &res) != VX_OK)
            goto out;
    }
    bool valid = parsed && round_trip && res.nerrors == 0;
    fprintf(ctx->out, "%s\t%s\t", file, valid ? "valid" : "invalid");
    if (!parsed) {
        fputs(perr.msg, ctx->out);
    } else {
        if (!round_trip)
            fputs("round trip: serialised message differs from the input", ctx->out);
        if (!round_trip && res.n)
            fputs("; ", ctx->out);
        print_issues(ctx->out, &res);
    }
    fputc('\n', ctx->out);
    rc = valid ? 1 : 0;

    if (exp) {
        const struct expect_row *row = find_row(exp, file);
        struct vx_cvrs_expected x = {0};
        *agrees = false;
        if (!row) {
            cli_error(ctx, "%s: not listed in %s/index.csv", file, exp->dir);
        } else if (expected_issues(ctx, exp, row, &a, &x)) {
            bool want_valid = strcmp(row->state, "valid") == 0;
            *agrees = parsed && round_trip && vx_cvrs_agrees(&res, &x) &&
                      want_valid == (res.nerrors == 0);
            if (!*agrees) {
                fprintf(ctx->err, "vaxchain register check-vxu: %s: expected %s (", file,
                        row->state);
                print_expected(ctx->err, &x);
                fprintf(ctx->err, "), got %s%s\n", valid ? "valid" : "invalid",
                        parsed && !round_trip ? " (round trip differs)" : "");
            }
        }
    }
out:
    if (rc < 0)
        cli_error(ctx, "%s: out of memory", file);
    vx_buf_release(&ser);
    vx_buf_release(&norm);
    vx_arena_release(&a);
    free(text);
    return rc;
}

int cmd_register_check_vxu(struct cli_ctx *ctx)
{
    struct vx_cvrs_opts opts = {0};
    if (!cli_get_day(ctx, "today", cli_today(), &opts.today))
        return CLI_EXIT_USAGE;
    static const struct {
        const char *name;
        enum vx_cvrs_defaults mode;
    } modes[] = {{"auto", VX_CVRS_DEFAULTS_AUTO},
                 {"on", VX_CVRS_DEFAULTS_ON},
                 {"off", VX_CVRS_DEFAULTS_OFF}};
    const char *d = cli_get(ctx, "defaults");
    if (d) {
        size_t i = 0;
        while (i < VX_ARRAY_LEN(modes) && strcmp(modes[i].name, d) != 0)
            i++;
        if (i == VX_ARRAY_LEN(modes)) {
            cli_error(ctx, "--defaults: expected auto, on or off, got '%s'", d);
            return CLI_EXIT_USAGE;
        }
        opts.defaults = modes[i].mode;
    }
    struct expect exp;
    const char *dir = cli_get(ctx, "expect");
    if (dir && !load_expect(ctx, dir, &exp)) {
        free_expect(&exp);
        return CLI_EXIT_FAILURE;
    }
    int passed = 0, failed = 0, invalid = 0, rc = CLI_EXIT_OK;
    for (int i = 0; i < ctx->argc; i++) {
        bool agrees = false;
        int r = check_one(ctx, ctx->argv[i], &opts, dir ? &exp : NULL, &agrees);
        if (r < 0)
            rc = CLI_EXIT_FAILURE;
        if (r == 0)
            invalid++;
        if (dir)
            agrees ? passed++ : failed++;
    }
    if (dir) {
        fprintf(ctx->out, "%d passed, %d failed\n", passed, failed);
        free_expect(&exp);
        if (rc == CLI_EXIT_OK && failed)
            rc = CLI_EXIT_PROBLEMS;
    } else if (rc == CLI_EXIT_OK && invalid) {
        rc = CLI_EXIT_PROBLEMS;
    }
    return rc;
}

int cmd_register_check_fhir(struct cli_ctx *ctx)
{
    bool print = cli_flag(ctx, "print");
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < ctx->argc; i++) {
        const char *file = ctx->argv[i];
        char *text = NULL;
        size_t len = 0;
        enum vx_status st = cli_read_file(file, &text, &len, VX_FHIR_MAX_BYTES);
        if (st != VX_OK) {
            cli_error(ctx, "%s: %s", file, st == VX_ENOMEM ? "larger than 4 MiB" : vx_strerror(st));
            rc = CLI_EXIT_FAILURE;
            continue;
        }
        struct vx_arena a;
        vx_arena_init(&a, 0);
        struct vx_buf out;
        vx_buf_init(&out, 4 * VX_FHIR_MAX_BYTES);
        struct vx_fhir_immunization imm;
        struct vx_err err = {0};
        st = vx_fhir_imm_parse(text, len, &a, &imm, &err);
        if (st == VX_OK)
            st = vx_fhir_imm_emit(&imm, true, &out);
        if (st == VX_OK) {
            struct vx_err diff = {0};
            enum vx_status eq = vx_fhir_json_equal(text, len, out.data, out.len, &diff);
            if (eq == VX_OK) {
                fprintf(ctx->out, "%s\tok\n", file);
            } else {
                fprintf(ctx->out, "%s\tdiffers\t%s\n", file, diff.msg);
                if (rc == CLI_EXIT_OK)
                    rc = CLI_EXIT_PROBLEMS;
            }
            if (print)
                fprintf(ctx->out, "%s\n", out.data);
        } else if (st == VX_EPARSE || st == VX_EINVAL) {
            fprintf(ctx->out, "%s\tinvalid\t%s\n", file, err.msg);
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_PROBLEMS;
        } else {
            cli_error(ctx, "%s: %s", file, vx_strerror(st));
            rc = CLI_EXIT_FAILURE;
        }
        vx_buf_release(&out);
        vx_arena_release(&a);
        free(text);
    }
    return rc;
}
