/*
 * cmd_serve.c — `vaxchain serve`: the HTTP API and the web UI.
 *
 * The command is a thin client of the HTTP framework (vx/http.h): it loads the
 * read-only data once (catalogue and rule table from --data-dir), checks that the
 * database exists (it never creates one: `vaxchain init` does), builds the server,
 * adds each module's routes from the module table below, starts the daemon and
 * waits for SIGINT or SIGTERM with sigwait(). The signals are blocked before any
 * thread starts, so every MHD worker inherits the mask and only this thread ever
 * sees them; stopping is then an ordinary call, not async-signal-unsafe work in a
 * handler.
 *
 * Adding an area of the API: write src/http/routes_<area>.c exporting a
 * `const struct vx_http_module`, declare it here and list it in `modules`.
 *
 * Certificates (--keys DIR): when DIR holds no document signer, a demo CSCA and
 * signer are made there first with vx_cert_keygen (key files 0600). With --date the
 * keys are made valid from the day before that date until two years after today, so
 * that certificates issued on the pinned date verify then and the keys keep working
 * when the server runs without --date later. Only paths and the kid are printed;
 * the private key never leaves the cert library.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/book_http.h"
#include "vx/catalog.h"
#include "vx/cert.h"
#include "vx/care_http.h"
#include "vx/cert_http.h"
#include "vx/ledger_http.h"
#include "vx/muni_http.h"
#include "vx/plan_http.h"
#include "vx/regx_http.h"
#include "vx/report_http.h"
#include "vx/stats_http.h"
#include "vx/elig.h"
#include "vx/http.h"

/* The modules whose routes the server offers, in registration order. */
static const struct vx_http_module *const modules[] = {
    &vx_book_http_module,   /* booking, availability, cohorts, waiting room */
    &vx_cert_http_module,   /* certificates: citizen download, public verifier */
    &vx_care_http_module,   /* point of care: check-in, doses, stock, vials, standby */
    &vx_regx_http_module,   /* register export status, FHIR Immunization */
    &vx_stats_http_module,  /* coverage statistics, open data */
    &vx_report_http_module, /* traffic-light reports, dashboard data */
    &vx_muni_http_module,   /* municipal resident lists and vaccination rounds */
    &vx_ledger_http_module, /* compensation, resources, sick travel, coordination */
    &vx_plan_http_module,   /* deliveries, allocation, quotas, projection */
};

/* --keys DIR: make a demo CSCA and document signer there when it has none. */
static bool ensure_keys(struct cli_ctx *ctx, const char *dir, vx_day today)
{
    struct vx_cert_signer *s = NULL;
    struct vx_err err = {0};
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        enum vx_status rc = vx_cert_signer_load(dir, &s, &err);
        vx_cert_signer_free(s);
        if (rc == VX_OK)
            return true;
        if (rc != VX_ENOTFOUND) {
            cli_error(ctx, "--keys: %s", err.msg);
            return false;
        }
    }
    vx_time real = (vx_time)time(NULL), from = real - 86400;
    if (today) {
        vx_time t;
        if (vx_stockholm_to_utc(today, 0, &t, NULL) == VX_OK && t - 86400 < from)
            from = t - 86400;
    }
    int days = (int)((real - from) / 86400) + 730;
    struct vx_cert_keygen_opts o = {
        .dir = dir,
        .country = "SE",
        .now = from,
        .csca_days = days + 1 > 3650 ? days + 1 : 3650,
        .dsc_days = days,
    };
    char kid[17];
    if (vx_cert_keygen(&o, kid, &err) != VX_OK) {
        cli_error(ctx, "--keys: %s", err.msg);
        return false;
    }
    fprintf(ctx->out,
            "certificates: no document signer in %s, made a demo CSCA and signer there (kid %s, "
            "key files 0600)\n",
            dir, kid);
    return true;
}

/* "ADDR:PORT", "[v6]:PORT" or "PORT" into addr (NUL-terminated) and port. */
static bool parse_listen(const char *s, char *addr, size_t len, uint16_t *port)
{
    const char *colon;
    const char *host = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return false;
        host = s + 1;
        hlen = (size_t)(end - host);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) {
            colon = s - 1; /* port only */
            hlen = 0;
        } else {
            hlen = (size_t)(colon - s);
        }
    }
    if (hlen >= len)
        return false;
    if (hlen)
        memcpy(addr, host, hlen);
    else
        hlen = (size_t)snprintf(addr, len, "127.0.0.1");
    addr[hlen] = '\0';
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p < 0 || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

static void print_personas(struct cli_ctx *ctx, struct vx_http_server *srv, const char *url)
{
    cJSON *doc = NULL;
    if (vx_http_dev_personas(srv, "cli:serve", &doc) != VX_OK) {
        fprintf(ctx->out, "  (demo persons unavailable)\n");
        return;
    }
    fprintf(ctx->out, "Demo login / demo-inloggning (--dev-login):\n");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "persons"))
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(it, "label");
        fprintf(ctx->out, "  citizen  %-13s ",
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "person")));
        cli_print_padded(ctx->out,
                         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "display_name")),
                         28);
        fprintf(ctx->out, " %3d  %s\n",
                (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "age")),
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "sv")));
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "staff"))
    {
        static const char *const keys[] = {"role", "region", "site", "kommun", "user"};
        fprintf(ctx->out, "  staff   ");
        for (size_t k = 0; k < VX_ARRAY_LEN(keys); k++) {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, keys[k]));
            if (v)
                fprintf(ctx->out, " %s=%s", keys[k], v);
        }
        fputc('\n', ctx->out);
    }
    fprintf(ctx->out,
            "  e.g. curl -c jar -H 'X-Requested-With: vaxchain' -H 'Content-Type: "
            "application/json' -d '{\"role\":\"callcentre\",\"region\":\"01\",\"user\":"
            "\"agent1\"}' %sapi/v1/session\n",
            url);
    cJSON_Delete(doc);
}

int cmd_serve(struct cli_ctx *ctx)
{
    int rc = CLI_EXIT_FAILURE;
    char addr[64];
    uint16_t port = 8080;
    const char *listen = cli_get(ctx, "listen");
    if (listen && !parse_listen(listen, addr, sizeof addr, &port)) {
        cli_error(ctx, "--listen: expected ADDR:PORT, [IPv6]:PORT or PORT, got %s", listen);
        return CLI_EXIT_USAGE;
    }
    if (!listen)
        snprintf(addr, sizeof addr, "127.0.0.1");
    long threads;
    if (!cli_get_long(ctx, "threads", 0, 0, 1024, &threads))
        return CLI_EXIT_USAGE;
    vx_day today = 0;
    if (cli_get(ctx, "date") && !cli_get_day(ctx, "date", 0, &today))
        return CLI_EXIT_USAGE;
    double admit_rate;
    long queue_ttl;
    if (!cli_get_double(ctx, "admit-rate", 0, 0, 1e6, &admit_rate) ||
        !cli_get_long(ctx, "queue-ttl", 0, 0, 86400, &queue_ttl))
        return CLI_EXIT_USAGE;
    vx_book_http_configure(&(struct vx_book_http_opts){
        .admit_rate = admit_rate,
        .queue_ttl_s = (int)queue_ttl,
        .commit_each = cli_flag(ctx, "commit-each"),
        .sync_inline = cli_flag(ctx, "sync-inline"),
    });
    const char *db = cli_db_path(ctx);
    struct stat sb;
    if (stat(db, &sb) != 0) {
        cli_error(ctx, "database %s not found: create it with `vaxchain init --db %s`", db, db);
        return CLI_EXIT_FAILURE;
    }
    const char *keys = cli_get(ctx, "keys");
    if (keys && !ensure_keys(ctx, keys, today))
        return CLI_EXIT_FAILURE;
    char schema[4096], valuesets[4096];
    snprintf(schema, sizeof schema, "%s/interop/dcc/schema/DCC.combined-schema.json",
             cli_shared_dir(ctx));
    snprintf(valuesets, sizeof valuesets, "%s/interop/dcc/valuesets", cli_shared_dir(ctx));
    vx_cert_http_configure(&(struct vx_cert_http_opts){
        .keys_dir = keys,
        .trust_path = cli_get(ctx, "trust"),
        .schema_path = schema,
        .valueset_dir = valuesets,
    });
    const char *web = cli_get(ctx, "web-dir");
    if (!web)
        web = getenv("VAXCHAIN_WEB_DIR");
    if (!web || !*web)
        web = VX_SOURCE_DIR "/web";

    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_elig_table rules;
    const struct vx_catalog *cat = NULL;
    struct vx_http_server *srv = NULL;
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL) ||
        !cli_load_rules(ctx, &arena, &rules, false))
        goto out;

    struct vx_http_config cfg = {
        .address = addr,
        .port = port,
        .threads = (int)threads,
        .db_path = db,
        .web_dir = web,
        .dev_login = cli_flag(ctx, "dev-login"),
        .secure_cookies = cli_flag(ctx, "secure-cookies"),
        .today = today,
        .catalog = cat,
        .rules = &rules,
        .data_dir = cli_data_dir(ctx),
        .log_pages = VX_BOOK_WAL_PAGES, /* the booking engine's checkpointer copies the log */
    };
    struct vx_err err = {0};
    if (vx_http_server_new(&cfg, &srv, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(modules); i++) {
        if (modules[i] && vx_http_add_module(srv, modules[i], &err) != VX_OK) {
            cli_error(ctx, "module %s: %s", modules[i]->name, err.msg);
            goto out;
        }
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (vx_http_server_start(srv, &err) != VX_OK) {
        cli_error(ctx, "%s", err.msg);
        goto out;
    }
    char url[128];
    bool v6 = strchr(addr, ':') != NULL;
    snprintf(url, sizeof url, "http://%s%s%s:%u/", v6 ? "[" : "", addr, v6 ? "]" : "",
             (unsigned)vx_http_server_port(srv));
    fprintf(ctx->out, "vaxchain serve: %s  (database %s, %d threads, web %s)\n", url, db,
            vx_http_server_config(srv)->threads, web);
    fprintf(ctx->out, "  API: %sapi/openapi.json  health: %shealthz  metrics: %smetrics\n", url,
            url, url);
    if (keys)
        fprintf(ctx->out,
                "  certificates: signed with the newest signer in %s; verifier POST "
                "%sapi/v1/certificates/verify\n",
                keys, url);
    else
        fprintf(ctx->out, "  certificates: verifier only (start with --keys DIR to issue)\n");
    if (admit_rate > 0)
        fprintf(ctx->out, "  waiting room: on, %g admissions/s (POST %sapi/v1/queue)\n", admit_rate,
                url);
    if (cfg.dev_login)
        print_personas(ctx, srv, url);
    fprintf(ctx->out, "Stop with Ctrl-C / Avsluta med Ctrl-C.\n");
    fflush(ctx->out);
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(ctx->out, "vaxchain serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(ctx->out);
    vx_http_server_stop(srv);
    rc = CLI_EXIT_OK;
out:
    vx_http_server_free(srv);
    vx_cert_render_cleanup(); /* no thread renders any more */
    vx_arena_release(&arena);
    return rc;
}
