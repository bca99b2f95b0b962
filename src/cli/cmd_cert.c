/*
 * cmd_cert.c — `vaxchain cert ...`: EU Digital COVID Certificates from the command line.
 *
 *   cert keygen    demo CSCA + document signer (+ rotation: run again for a new signer)
 *   cert issue     one dose record -> HC1 text, and optionally PNG/SVG QR and a PDF
 *   cert verify    an HC1 text (argument or stdin) -> every step with ok/FAIL and why
 *   cert testdata  the EU conformance cases -> one line per disagreement, "N passed,
 *                  N failed"
 *
 * The commands are thin clients of include/vx/cert.h: they read files, the clock and
 * the options, and print; every decision is the library's. The DCC schema and value
 * sets come from the shared data folder (interop/dcc). The private key stays inside
 * the signer object: nothing here prints or copies it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/cert.h"

#define DEFAULT_KEYS   "keys"
#define DEFAULT_ISSUER "vaxchain demo (Sverige)"

/* The DCC schema with value sets, from the shared data. Prints why on failure. */
static struct vx_cert_schema *load_schema(struct cli_ctx *ctx)
{
    char sp[4096], vp[4096];
    snprintf(sp, sizeof sp, "%s/interop/dcc/schema/DCC.combined-schema.json", cli_shared_dir(ctx));
    snprintf(vp, sizeof vp, "%s/interop/dcc/valuesets", cli_shared_dir(ctx));
    struct vx_cert_schema *s = NULL;
    struct vx_err err = {0};
    if (vx_cert_schema_load(sp, vp, &s, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return NULL;
    }
    return s;
}

/* --clock TIME or now. */
static bool get_clock(struct cli_ctx *ctx, const char *opt, vx_time *out)
{
    const char *s = cli_get(ctx, opt);
    if (!s) {
        *out = (vx_time)time(NULL);
        return true;
    }
    if (vx_time_parse(s, out) != VX_OK) {
        cli_error(ctx, "--%s: '%s' is not an RFC 3339 time (2021-06-01T12:00:00Z)", opt, s);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ testdata */

struct report {
    FILE *out;
};

static void report_line(void *p, const char *file, const char *flag, bool agree, const char *detail)
{
    struct report *r = p;
    fprintf(r->out, "%s %s%s%s: %s\n", agree ? "ok      " : "DISAGREE", file, flag ? " " : "",
            flag ? flag : "", detail);
}

int cmd_cert_testdata(struct cli_ctx *ctx)
{
    struct vx_cert_schema *schema = load_schema(ctx);
    if (!schema)
        return CLI_EXIT_FAILURE;
    struct report rep = {.out = ctx->out};
    struct vx_cert_testdata_stats st;
    struct vx_err err = {0};
    enum vx_status rc = vx_cert_testdata_run(ctx->argv[0], schema, cli_flag(ctx, "verbose"),
                                             report_line, &rep, &st, &err);
    vx_cert_schema_free(schema);
    if (rc != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out, "%d cases, %d flags checked, %d skipped%s\n", st.cases, st.checks, st.skipped,
            vx_cert_qr_can_decode() ? "" : " (no QR decoder in this build: picture flags skipped)");
    fprintf(ctx->out, "%d passed, %d failed\n", st.passed, st.failed);
    return st.failed ? CLI_EXIT_PROBLEMS : CLI_EXIT_OK;
}

/* -------------------------------------------------------------------- keygen */

int cmd_cert_keygen(struct cli_ctx *ctx)
{
    const char *dir = cli_get(ctx, "dir") ? cli_get(ctx, "dir") : DEFAULT_KEYS;
    struct vx_cert_keygen_opts o = {
        .dir = dir,
        .country = cli_get(ctx, "country") ? cli_get(ctx, "country") : "SE",
        .now = (vx_time)time(NULL),
    };
    char kid[17];
    struct vx_err err = {0};
    if (vx_cert_keygen(&o, kid, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        return err.status == VX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    fprintf(ctx->out,
            "kid %s\n%s/dsc-%s.pem\tdocument signer certificate (trust list)\n"
            "%s/dsc-%s.key\tprivate key (mode 0600, keep secret)\n",
            kid, dir, kid, dir, kid);
    return CLI_EXIT_OK;
}

/* -------------------------------------------------------------------- verify */

static char *read_stdin(size_t max)
{
    struct vx_buf b;
    vx_buf_init(&b, max);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (vx_buf_append(&b, chunk, n)) {
            vx_buf_release(&b);
            return NULL;
        }
    if (vx_buf_append(&b, "", 0)) {
        vx_buf_release(&b);
        return NULL;
    }
    return vx_buf_detach(&b);
}

static void print_json(FILE *out, const struct vx_cert_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", r->valid);
    if (!r->valid)
        cJSON_AddStringToObject(o, "failed_step", vx_cert_step_name(r->first_failed));
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (int s = 0; s < VX_CERT_STEP_COUNT; s++) {
        cJSON *st = cJSON_CreateObject();
        static const char *const names[] = {"not_run", "ok", "fail"};
        cJSON_AddStringToObject(st, "step", vx_cert_step_name((enum vx_cert_step)s));
        cJSON_AddStringToObject(st, "result", names[r->outcome[s]]);
        if (r->why[s][0])
            cJSON_AddStringToObject(st, "why", r->why[s]);
        cJSON_AddItemToArray(steps, st);
    }
    if (r->iss[0])
        cJSON_AddStringToObject(o, "iss", r->iss);
    if (r->has_iat)
        cJSON_AddNumberToObject(o, "iat", (double)r->iat);
    if (r->has_exp)
        cJSON_AddNumberToObject(o, "exp", (double)r->exp);
    if (r->signer[0])
        cJSON_AddStringToObject(o, "signer", r->signer);
    if (r->dcc)
        cJSON_AddItemToObject(o, "dcc", cJSON_Duplicate(r->dcc, true));
    char *text = cJSON_Print(o);
    if (text)
        fprintf(out, "%s\n", text);
    free(text);
    cJSON_Delete(o);
}

int cmd_cert_verify(struct cli_ctx *ctx)
{
    vx_time clock;
    if (!get_clock(ctx, "clock", &clock))
        return CLI_EXIT_USAGE;
    char *owned = NULL;
    const char *text = ctx->argc > 0 ? ctx->argv[0] : NULL;
    if (!text) {
        owned = read_stdin(VX_CERT_MAX_TEXT + 16);
        if (!owned) {
            cli_error(ctx, "input longer than %u characters", VX_CERT_MAX_TEXT);
            return CLI_EXIT_USAGE;
        }
        text = owned;
    }
    const char *trust_path = cli_get(ctx, "trust") ? cli_get(ctx, "trust") : DEFAULT_KEYS;
    struct vx_cert_trust *trust = NULL;
    struct vx_cert_schema *schema = NULL;
    struct vx_err err = {0};
    int rc = CLI_EXIT_FAILURE;
    if (vx_cert_trust_new(&trust) != VX_OK || vx_cert_trust_load(trust, trust_path, &err)) {
        cli_error(ctx, "trust list: %s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    if (!(schema = load_schema(ctx)))
        goto out;
    struct vx_cert_verify_opts o = {.trust = trust, .schema = schema, .clock = clock};
    struct vx_cert_result r;
    vx_cert_verify(text, strlen(text), &o, &r);
    if (cli_flag(ctx, "json")) {
        print_json(ctx->out, &r);
    } else {
        static const char *const mark[] = {"-", "ok", "FAIL"};
        for (int s = 0; s < VX_CERT_STEP_COUNT; s++)
            fprintf(ctx->out, "%-10s %-4s %s\n", vx_cert_step_name((enum vx_cert_step)s),
                    mark[r.outcome[s]], r.why[s]);
        if (r.valid)
            fprintf(ctx->out, "valid: signed by %s\n", r.signer);
        else
            fprintf(ctx->out, "invalid: %s\n", vx_cert_step_name(r.first_failed));
    }
    rc = r.valid ? CLI_EXIT_OK : CLI_EXIT_PROBLEMS;
    vx_cert_result_release(&r);
out:
    vx_cert_schema_free(schema);
    vx_cert_trust_free(trust);
    free(owned);
    return rc;
}

/* --------------------------------------------------------------------- issue */

static bool write_file(struct cli_ctx *ctx, const char *prefix, const char *ext,
                       const struct vx_buf *b)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s.%s", prefix, ext);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        cli_error(ctx, "cannot write %s", path);
        return false;
    }
    fprintf(ctx->out, "%s\n", path);
    return true;
}

int cmd_cert_issue(struct cli_ctx *ctx)
{
    struct vx_cert_dose d = {.family_name = cli_get(ctx, "family"),
                             .given_name = cli_get(ctx, "given"),
                             .dob = cli_get(ctx, "dob")};
    const char *code = cli_get(ctx, "product");
    const char *dose = cli_get(ctx, "dose") ? cli_get(ctx, "dose") : "1/1";
    if (!code || !d.dob || (!d.family_name && !d.given_name)) {
        cli_error(ctx, "--product, --dob and --family or --given are required");
        return CLI_EXIT_USAGE;
    }
    char slash;
    if (sscanf(dose, "%d%c%d", &d.dose_number, &slash, &d.total_doses) != 3 || slash != '/') {
        cli_error(ctx, "--dose: '%s' is not N/M", dose);
        return CLI_EXIT_USAGE;
    }
    long days;
    vx_time iat;
    if (!cli_get_day(ctx, "date", cli_today(), &d.date) ||
        !cli_get_long(ctx, "days", 365, 1, 3650, &days) || !get_clock(ctx, "time", &iat))
        return CLI_EXIT_USAGE;
    const char *tl = cli_get(ctx, "translit");
    if (tl && strcmp(tl, "icao") != 0 && strcmp(tl, "plain") != 0) {
        cli_error(ctx, "--translit: icao or plain");
        return CLI_EXIT_USAGE;
    }
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    const struct vx_catalog *cat = NULL;
    struct vx_cert_signer *signer = NULL;
    struct vx_cert_schema *schema = NULL;
    cJSON *dcc = NULL;
    struct vx_buf hc1, buf;
    vx_buf_init(&hc1, VX_CERT_MAX_TEXT);
    vx_buf_init(&buf, 16u * 1024u * 1024u);
    struct vx_err err = {0};
    int rc = CLI_EXIT_FAILURE;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL))
        goto out;
    d.product = vx_catalog_find(cat, code);
    if (!d.product) {
        cli_error(ctx, "--product: no product '%s' in the catalogue", code);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    const char *keys = cli_get(ctx, "keys") ? cli_get(ctx, "keys") : DEFAULT_KEYS;
    if (vx_cert_signer_load(keys, &signer, &err) != VX_OK) {
        cli_error(ctx, "%s (run `vaxchain cert keygen --dir %s` first)", err.msg, keys);
        goto out;
    }
    if (!(schema = load_schema(ctx)))
        goto out;
    struct vx_cert_issue_opts io = {
        .country = cat->country ? cat->country : "SE",
        .issuer = cli_get(ctx, "issuer") ? cli_get(ctx, "issuer") : DEFAULT_ISSUER,
        .uvci_issuer = "VXC",
        .translit = tl && strcmp(tl, "plain") == 0 ? VX_TRANSLIT_PLAIN : VX_TRANSLIT_ICAO,
    };
    if (vx_cert_dcc_build(&d, 1, &io, &dcc, &err) != VX_OK ||
        vx_cert_sign(signer, dcc, schema, io.country, iat, iat + days * 86400, &hc1, &err) !=
            VX_OK) {
        cli_error(ctx, "%s", err.msg);
        rc = err.status == VX_EINVAL ? CLI_EXIT_PROBLEMS : CLI_EXIT_FAILURE;
        goto out;
    }
    const char *prefix = cli_get(ctx, "out");
    if (!prefix) {
        fprintf(ctx->out, "%s\n", hc1.data);
        rc = CLI_EXIT_OK;
        goto out;
    }
    struct vx_cert_pdf_text pt = {.product = d.product->name,
                                  .manufacturer = d.product->manufacturer};
    if (!write_file(ctx, prefix, "txt", &hc1))
        goto out;
    vx_buf_clear(&buf);
    if (vx_cert_qr_png(hc1.data, 4, &buf, &err) || !write_file(ctx, prefix, "png", &buf))
        goto err;
    vx_buf_clear(&buf);
    if (vx_cert_qr_svg(hc1.data, &buf, &err) || !write_file(ctx, prefix, "svg", &buf))
        goto err;
    vx_buf_clear(&buf);
    enum vx_status pst = vx_cert_pdf(dcc, hc1.data, &pt, &buf, &err);
    vx_cert_render_cleanup(); /* the process ends after this command */
    if (pst || !write_file(ctx, prefix, "pdf", &buf))
        goto err;
    rc = CLI_EXIT_OK;
    goto out;
err:
    if (err.msg[0])
        cli_error(ctx, "%s", err.msg);
out:
    cJSON_Delete(dcc);
    vx_cert_schema_free(schema);
    vx_cert_signer_free(signer);
    vx_buf_release(&hc1);
    vx_buf_release(&buf);
    vx_arena_release(&arena);
    return rc;
}
