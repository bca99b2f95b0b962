/*
 * cmd_init.c — `vaxchain init` and `vaxchain summary`.
 *
 * init opens (creating or migrating) the database and, in ONE transaction, loads the
 * 21 regions and 290 municipalities from the shared SCB data, validates the
 * eligibility rule table, and loads the vaccine catalogue after checking its EU DCC
 * codes against the shared value sets. Either all of it lands or none: a broken
 * data file leaves the database as it was. Running init again is safe (upserts).
 *
 * summary prints the per-region table from the store's region_summary operation.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/import.h"
#include "vx/store.h"

#define DATA_FILE_MAX (4u << 20)

/* The DCC value-set files the catalogue's codes are checked against. */
static const char *const dcc_valuesets[] = {
    "vaccine-medicinal-product.json",
    "vaccine-prophylaxis.json",
    "vaccine-mah-manf.json",
    "vaccine-encoding-instructions.json",
};

static int load_text(struct cli_ctx *ctx, const char *dir, const char *name, char **out,
                     size_t *len)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        cli_error(ctx, "path too long: %s/%s", dir, name);
        return -1;
    }
    enum vx_status st = cli_read_file(path, out, len, DATA_FILE_MAX);
    if (st != VX_OK) {
        cli_error(ctx, "cannot read %s: %s", path, vx_strerror(st));
        return -1;
    }
    return 0;
}

/* Parse and check the catalogue, then store each product's JSON entry. */
static int load_vaccines(struct cli_ctx *ctx, struct vx_store *st, int *count)
{
    int rc = -1;
    char *text = NULL, *vs[4] = {NULL, NULL, NULL, NULL};
    size_t len = 0;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    cJSON *root = NULL;
    struct vx_err err = {0};
    char vsdir[2048];
    snprintf(vsdir, sizeof vsdir, "%s/interop/dcc/valuesets", cli_shared_dir(ctx));

    const struct vx_catalog *cat;
    if (!cli_load_catalog(ctx, &arena, &cat, &text, &len))
        goto out;
    for (size_t i = 0; i < VX_ARRAY_LEN(dcc_valuesets); i++)
        if (load_text(ctx, vsdir, dcc_valuesets[i], &vs[i], NULL))
            goto out;
    if (vx_catalog_check_dcc(cat, vs[0], vs[1], vs[2], vs[3], &err) != VX_OK) {
        cli_error(ctx, "vaccines.json does not match the EU DCC value sets: %s", err.msg);
        goto out;
    }
    root = cJSON_ParseWithLength(text, len);
    cJSON *products = cJSON_GetObjectItemCaseSensitive(root, "products");
    cJSON *p;
    *count = 0;
    cJSON_ArrayForEach(p, products)
    {
        const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "code"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
        char *json = cJSON_PrintUnformatted(p);
        enum vx_status s =
            json && code && name ? st->ops->vaccine_put(st, code, name, json) : VX_ENOMEM;
        cJSON_free(json);
        if (s != VX_OK) {
            cli_error(ctx, "storing vaccine %s: %s", code ? code : "?", st->err);
            goto out;
        }
        (*count)++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    for (size_t i = 0; i < VX_ARRAY_LEN(vs); i++)
        free(vs[i]);
    free(text);
    vx_arena_release(&arena);
    return rc;
}

/* The rule table is not stored yet (regional overrides come with the booking work),
 * but init refuses a broken one so that a deployment finds out at once. */
static int check_rules(struct cli_ctx *ctx, int *count)
{
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_elig_table t;
    bool ok = cli_load_rules(ctx, &arena, &t, false);
    *count = t.n_rules;
    vx_arena_release(&arena);
    return ok ? 0 : -1;
}

int cmd_init(struct cli_ctx *ctx)
{
    const char *path = cli_db_path(ctx);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK) {
        cli_error(ctx, "cannot open %s: %s", path, err.msg);
        return CLI_EXIT_FAILURE;
    }
    int rules = 0, vaccines = 0;
    if (check_rules(ctx, &rules)) {
        vx_store_close(st);
        return CLI_EXIT_FAILURE;
    }
    if (vx_store_begin(st) != VX_OK) {
        cli_error(ctx, "%s", st->err);
        vx_store_close(st);
        return CLI_EXIT_FAILURE;
    }
    char sedir[1024];
    snprintf(sedir, sizeof sedir, "%s/se", cli_shared_dir(ctx));
    struct vx_import_opts opts = vx_import_opts_default(cli_today());
    opts.caller_tx = true;
    opts.actor = "cli:init";
    struct vx_import_result res[2] = {0};
    if (vx_import_reference(st, sedir, &opts, res, &err) != VX_OK) {
        cli_error(ctx, "loading regions and municipalities from %s: %s", sedir, err.msg);
        goto fail;
    }
    if (load_vaccines(ctx, st, &vaccines))
        goto fail;
    if (vx_store_commit(st) != VX_OK) {
        cli_error(ctx, "commit: %s", st->err);
        goto fail;
    }
    fprintf(ctx->out,
            "%s: schema version %d, %lld regions, %lld municipalities, %d vaccines, "
            "%d eligibility rules\n",
            path, st->ops->schema_version(st), (long long)st->ops->count(st, "regions"),
            (long long)st->ops->count(st, "municipalities"), vaccines, rules);
    vx_store_close(st);
    return CLI_EXIT_OK;
fail:
    vx_store_rollback(st);
    vx_store_close(st);
    return CLI_EXIT_FAILURE;
}

static void print_summary_row(FILE *f, const struct vx_region_summary *r)
{
    fprintf(f, "%-2s ", r->code);
    cli_print_padded(f, r->name, 22);
    fprintf(f, " %4lld %10lld %10lld %8lld %7lld %7lld %7lld %6lld %8lld %7lld %5lld\n",
            (long long)r->kommuner, (long long)r->persons, (long long)r->adults,
            (long long)r->age80plus, (long long)r->by_residence[VX_RES_SPECIAL_HOUSING],
            (long long)r->by_residence[VX_RES_HOME_CARE],
            (long long)r->by_residence[VX_RES_HOME_HEALTH],
            (long long)r->by_residence[VX_RES_LSS_HOME], (long long)r->with_risk,
            (long long)r->care_staff, (long long)r->sites);
}

int cmd_summary(struct cli_ctx *ctx)
{
    vx_day ref;
    if (!cli_get_day(ctx, "date", cli_today(), &ref))
        return CLI_EXIT_USAGE;
    const char *path = cli_db_path(ctx);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        cli_error(ctx, "no database %s (run `vaxchain init` first)", path);
        return CLI_EXIT_FAILURE;
    }
    fclose(probe);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK) {
        cli_error(ctx, "cannot open %s: %s", path, err.msg);
        return CLI_EXIT_FAILURE;
    }
    struct vx_region_summary rs[32];
    int n = 0;
    if (st->ops->region_summary(st, ref, rs, (int)VX_ARRAY_LEN(rs), &n) != VX_OK) {
        cli_error(ctx, "%s", st->err);
        vx_store_close(st);
        return CLI_EXIT_FAILURE;
    }
    char day[11];
    fprintf(ctx->out, "Per-region summary at %s (%s)\n\n", vx_day_format(ref, day), path);
    /* "SÄBO" is 5 bytes for 4 columns: padded by hand, as the names are */
    fprintf(ctx->out, "%-2s ", "");
    cli_print_padded(ctx->out, "region", 22);
    fprintf(ctx->out, " %4s %10s %10s %8s    SÄBO", "kom", "persons", "18+", "80+");
    fprintf(ctx->out, " %7s %7s %6s %8s %7s %5s\n", "hemtj", "hemsjv", "LSS", "risk", "staff",
            "sites");
    struct vx_region_summary tot = {.name = "Sverige"};
    for (int i = 0; i < n; i++) {
        const struct vx_region_summary *r = &rs[i];
        print_summary_row(ctx->out, r);
        tot.kommuner += r->kommuner;
        tot.persons += r->persons;
        tot.adults += r->adults;
        tot.age80plus += r->age80plus;
        for (int k = 0; k < VX_RES_COUNT; k++)
            tot.by_residence[k] += r->by_residence[k];
        tot.with_risk += r->with_risk;
        tot.care_staff += r->care_staff;
        tot.sites += r->sites;
    }
    print_summary_row(ctx->out, &tot);
    vx_store_close(st);
    return CLI_EXIT_OK;
}
