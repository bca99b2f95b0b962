/*
 * fixture.h — the scaffolding the in-process HTTP tests share (included by each
 * tests/http/test_*.c after <cmocka.h>; each file is its own executable, hence static
 * functions and globals, one server per file). Builds on client.h, which it includes.
 *
 * A group setup and teardown:
 *
 *     fx_begin("care-routes");      curl; dbpath = $VX_TEST_TMP/care-routes-PID.db
 *     fx_load(true);                optional: the real catalogue → cat (true: + rules)
 *     st = fx_store(); ...          a new store at dbpath: SCB reference data and the
 *     vx_store_close(st);           catalogue's vaccines (after fx_load())
 *     fx_start((struct vx_http_config){.threads = 2, .today = day, .catalog = cat},
 *              &vx_care_http_module, NULL);   srv on 127.0.0.1, port 0, dev login; base
 *     ...
 *     fx_end();                     server, curl, catalogue, dbpath and its -wal/-shm
 *
 * A file may start more than one server one after the other (fx_begin() ... fx_end() in
 * each group's setup and teardown), with modules listed in the order they are added.
 * A second database beside dbpath: fx_store_at(path), db_int_at(path, sql), fx_remove(path).
 *
 * Tests use call()/call_h() (a request with a session cookie), expect_status(),
 * expect_problem() (problem+json naming a field; frees the answer), login() and
 * login_person() (dev login → a "Cookie: ..." line in CK bytes), db_int() (one integer
 * from SQL on a read-only connection of its own), slurp() (../common/slurp.h), and the
 * JSON getters jnum(), jstr() and field_of() (jget() is in client.h).
 */
#ifndef VX_TEST_HTTP_FIXTURE_H
#define VX_TEST_HTTP_FIXTURE_H

#include "client.h"
#include "../common/slurp.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/catalog.h"
#include "vx/elig.h"
#include "vx/http.h"
#include "vx/import.h"
#include "vx/store.h"

#define CK 160 /* room for a "Cookie: vx_session=..." header line */

static struct vx_http_server *srv;
static char dbpath[512];
static struct vx_arena fx_arena;
static bool fx_loaded;
__attribute__((unused)) static const struct vx_catalog *cat; /* fx_load() */
__attribute__((unused)) static struct vx_elig_table rules;   /* fx_load(true) */

/* $VX_TEST_TMP, or /tmp without it. */
static const char *fx_tmpdir(void)
{
    const char *t = getenv("VX_TEST_TMP");
    return t && *t ? t : "/tmp";
}

/* dbpath, or another database `path`, with its -wal and -shm: removed. */
static void fx_remove(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        unlink(p);
    }
}

/* curl's global state; `dbpath` = fx_tmpdir()/<name>-<pid>.db, any old file removed. */
static void fx_begin(const char *name)
{
    snprintf(dbpath, sizeof dbpath, "%s/%s-%d.db", fx_tmpdir(), name, (int)getpid());
    fx_remove(dbpath);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* data/vaccines.json into `cat` and, `with_rules`, data/eligibility.json into `rules`
 * (both live until fx_end()). */
__attribute__((unused)) static void fx_load(bool with_rules)
{
    size_t len;
    vx_arena_init(&fx_arena, 0);
    fx_loaded = true;
    char *text = slurp(VX_SOURCE_DIR "/data/vaccines.json", &len);
    enum vx_status rc = vx_catalog_parse(text, len, &fx_arena, &cat, NULL);
    free(text);
    assert_int_equal(rc, VX_OK);
    if (!with_rules)
        return;
    text = slurp(VX_SOURCE_DIR "/data/eligibility.json", &len);
    rc = vx_elig_parse(text, len, &fx_arena, &rules, NULL);
    free(text);
    assert_int_equal(rc, VX_OK);
}

/* A new store at `path` (any old file, -wal and -shm removed first; caller closes) with
 * the SCB reference data and, after fx_load(), every catalogue product as a vaccine. */
__attribute__((unused)) static struct vx_store *fx_store_at(const char *path)
{
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    fx_remove(path);
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK ||
        vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK)
        fail_msg("%s: %s", path, err.msg);
    for (size_t i = 0; cat && i < cat->n_products; i++)
        assert_int_equal(
            st->ops->vaccine_put(st, cat->products[i].code, cat->products[i].name, "{}"), VX_OK);
    return st;
}

/* fx_store_at(dbpath): the database the server of fx_start() runs on. */
__attribute__((unused)) static struct vx_store *fx_store(void)
{
    return fx_store_at(dbpath);
}

/* Starts `srv` from `cfg` (address 127.0.0.1, db_path `dbpath`, dev_login and quiet
 * are set here; port 0 unless cfg says) with the modules that follow, up to a NULL,
 * and sets `base`. Fails the test when the server does not start. */
static void fx_start(struct vx_http_config cfg, ...)
{
    struct vx_err err = {0};
    cfg.address = "127.0.0.1";
    cfg.db_path = dbpath;
    cfg.dev_login = true;
    cfg.quiet = true;
    srv = NULL;
    enum vx_status rc = vx_http_server_new(&cfg, &srv, &err);
    const struct vx_http_module *m;
    va_list ap;
    va_start(ap, cfg);
    while (rc == VX_OK && (m = va_arg(ap, const struct vx_http_module *)) != NULL)
        rc = vx_http_add_module(srv, m, &err);
    va_end(ap);
    if (rc == VX_OK)
        rc = vx_http_server_start(srv, &err);
    if (rc != VX_OK) {
        vx_http_server_free(srv);
        srv = NULL;
        fail_msg("server: %s", err.msg);
    }
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)vx_http_server_port(srv));
}

/* Frees `srv`, curl's global state and the catalogue; removes dbpath, -wal and -shm. */
static void fx_end(void)
{
    vx_http_server_free(srv);
    srv = NULL;
    curl_global_cleanup();
    if (fx_loaded)
        vx_arena_release(&fx_arena);
    fx_loaded = false;
    cat = NULL;
    fx_remove(dbpath);
}

/* One integer from `sql` on a read-only connection of its own to the database at `path`;
 * -1 when there is no row. */
__attribute__((unused)) static long long db_int_at(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* db_int_at(dbpath, sql). */
__attribute__((unused)) static long long db_int(const char *sql)
{
    return db_int_at(dbpath, sql);
}

/* ------------------------------------------------------------------ requests */

/* One request with the session `cookie` ("Cookie: ...") and header lines `h1`, `h2`
 * (each may be NULL); POST/PUT/PATCH/DELETE carry X-Requested-With. Caller frees. */
static struct resp *call_h(const char *method, const char *path, const char *body,
                           const char *cookie, const char *h1, const char *h2)
{
    const char *hdrs[4];
    int n = 0;
    if (cookie)
        hdrs[n++] = cookie;
    if (h1)
        hdrs[n++] = h1;
    if (h2)
        hdrs[n++] = h2;
    hdrs[n] = NULL;
    return req_full(NULL, method, path, body, hdrs, false);
}

/* call_h() without extra header lines. */
static struct resp *call(const char *method, const char *path, const char *body, const char *cookie)
{
    return call_h(method, path, body, cookie, NULL, NULL);
}

static void expect_status(const struct resp *r, long status)
{
    if (r->status != status)
        fprintf(stderr, "expected HTTP %ld, got %ld: %.600s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
}

/* A string member, "" when absent or not a string. */
static const char *jstr(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(jget(o, name));
    return s ? s : "";
}

/* A number member; fails the test when absent or not a number. */
__attribute__((unused)) static double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = jget(o, name);
    if (!cJSON_IsNumber(v))
        fail_msg("no number \"%s\"", name);
    return v->valuedouble;
}

/* The field of a problem's first error, "" when none. */
__attribute__((unused)) static const char *field_of(const struct resp *r)
{
    return jstr(cJSON_GetArrayItem(jget(r->json, "errors"), 0), "field");
}

/*
 * `r` is a problem+json answer with `status` (a string type); with `field`, one of
 * its errors names it, with a reason starting with `code` (NULL: any reason).
 * Frees `r`.
 */
__attribute__((unused)) static void expect_problem(struct resp *r, long status, const char *field,
                                                   const char *code)
{
    char ct[128];
    expect_status(r, status);
    assert_non_null(header(r, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/problem+json");
    assert_non_null(r->json);
    assert_true(cJSON_IsString(jget(r->json, "type")));
    bool found = !field;
    const cJSON *e;
    cJSON_ArrayForEach(e, jget(r->json, "errors"))
    {
        if (field && !strcmp(jstr(e, "field"), field) &&
            (!code || !strncmp(jstr(e, "reason"), code, strlen(code))))
            found = true;
    }
    if (!found)
        fprintf(stderr, "no error %s/%s: %s\n", field, code ? code : "*", r->body);
    resp_free(r);
    assert_true(found);
}

/* Dev login with body `json`; writes "Cookie: vx_session=..." to `cookie` (CK bytes). */
static void login(const char *json, char *cookie)
{
    struct resp *r = call("POST", "/api/v1/session", json, NULL);
    expect_status(r, 201);
    char sc[512];
    assert_non_null(header(r, "Set-Cookie", sc, sizeof sc));
    sc[strcspn(sc, ";")] = '\0';
    snprintf(cookie, CK, "Cookie: %.150s", sc);
    resp_free(r);
}

/* login() as the citizen with personnummer `pnr`. */
__attribute__((unused)) static void login_person(const char *pnr, char *cookie)
{
    char json[64];
    snprintf(json, sizeof json, "{\"person\":\"%s\"}", pnr);
    login(json, cookie);
}

#endif
