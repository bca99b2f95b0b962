/*
 * test_http.c — the HTTP framework end to end, over real sockets with libcurl.
 *
 * One server is started in-process for the whole group on 127.0.0.1 with port 0
 * (the bound port is asked from the server), on a temporary database made with the
 * store, the real SCB reference data (vx_import_reference) and five persons with
 * Skatteverket test numbers. A test module adds routes that exercise the body
 * schema, path/query parameters, role checks and asynchronous completion from
 * another thread (a completer thread owned by the module, joined by its stop hook).
 *
 * Covered: healthz, metrics format, the OpenAPI document, static files including
 * traversal and symlink escapes, the problem+json shapes of 400/401/403/404/405/
 * 413/415/422, dev login → cookie flags → /me → logout, CSRF, async suspend and
 * complete, and a concurrency smoke run. No sleeps, no timing asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vx/http.h"
#include "vx/import.h"
#include "vx/metrics.h"
#include "vx/pnr.h"
#include "vx/store.h"

/* ------------------------------------------------------------------ fixture */

static char webdir[512], secret[512];

/* Test module: a completer thread that answers suspended requests. */
#define QMAX 4096
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct vx_http_req *q[QMAX];
    int n;
    bool stop;
    pthread_t th;
    int stopped; /* stop hook ran */
} completer = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *completer_main(void *arg)
{
    pthread_mutex_lock(&completer.mu);
    for (;;) {
        while (completer.n == 0 && !completer.stop)
            pthread_cond_wait(&completer.cv, &completer.mu);
        if (completer.n == 0 && completer.stop)
            break;
        struct vx_http_req *req = completer.q[--completer.n];
        pthread_mutex_unlock(&completer.mu);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "async", true);
        vx_http_complete(req, 200, o);
        pthread_mutex_lock(&completer.mu);
    }
    pthread_mutex_unlock(&completer.mu);
    return NULL;
}

static enum vx_status test_start(struct vx_http_server *s, void **udata, struct vx_err *err)
{
    *udata = &completer;
    completer.stop = false;
    completer.n = 0;
    if (pthread_create(&completer.th, NULL, completer_main, NULL))
        return vx_err_set(err, VX_EINTERNAL, "pthread_create");
    return VX_OK;
}

static void test_stop(void *udata)
{
    pthread_mutex_lock(&completer.mu);
    completer.stop = true;
    pthread_cond_signal(&completer.cv);
    pthread_mutex_unlock(&completer.mu);
    pthread_join(completer.th, NULL);
    completer.stopped++;
}

static int h_async(struct vx_http_req *req)
{
    assert_ptr_equal(vx_http_req_udata(req), &completer);
    vx_http_suspend(req);
    pthread_mutex_lock(&completer.mu);
    if (completer.n == QMAX) {
        pthread_mutex_unlock(&completer.mu);
        vx_http_complete_problem(req, VX_EBUSY, NULL, "queue full");
        return VX_HTTP_ASYNC;
    }
    completer.q[completer.n++] = req;
    pthread_cond_signal(&completer.cv);
    pthread_mutex_unlock(&completer.mu);
    return VX_HTTP_ASYNC;
}

static int h_async_early(struct vx_http_req *req)
{
    vx_http_suspend(req);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "early", "yes");
    assert_int_equal(vx_http_complete(req, 202, o), VX_OK);
    return VX_HTTP_ASYNC;
}

static int h_echo(struct vx_http_req *req)
{
    const cJSON *b = vx_http_req_body(req);
    assert_non_null(b);
    cJSON *o = cJSON_Duplicate(b, true);
    cJSON_AddStringToObject(o, "role", vx_role_code(vx_http_req_session(req)->role));
    return vx_http_reply_json(req, 201, o);
}

static int h_item(struct vx_http_req *req)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", vx_http_req_param(req, "id"));
    const char *limit = vx_http_req_query(req, "limit");
    cJSON_AddStringToObject(o, "limit", limit ? limit : "");
    return vx_http_reply_json(req, 200, o);
}

static cJSON *shared_numbers; /* owned by the test, referenced by h_numbers' replies */

/* Numbers of every kind: the server prints the integers itself (server.c). */
static int h_numbers(struct vx_http_req *req)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "zero", 0);
    cJSON_AddNumberToObject(o, "neg", -7);
    cJSON_AddNumberToObject(o, "max", 9007199254740991.0); /* 2^53 - 1 */
    cJSON_AddNumberToObject(o, "big", 123456789012.0);
    cJSON_AddNumberToObject(o, "half", 1.5);
    cJSON_AddItemToObjectCS(o, "const", cJSON_CreateNumber(42)); /* key not copied */
    cJSON *list = cJSON_AddArrayToObject(o, "list");
    cJSON_AddItemToArray(list, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(list, cJSON_CreateNumber(2.25));
    cJSON *inner = cJSON_CreateArray();
    cJSON_AddItemToArray(inner, cJSON_CreateNumber(-3));
    cJSON_AddItemToArray(list, inner);
    cJSON_AddStringToObject(o, "text", "12");
    /* a subtree held by reference is someone else's: printed, not changed */
    if (!shared_numbers) {
        shared_numbers = cJSON_CreateObject();
        cJSON_AddNumberToObject(shared_numbers, "n", 5);
    }
    cJSON_AddItemToObject(o, "shared", cJSON_CreateObjectReference(shared_numbers->child));
    return vx_http_reply_json(req, 200, o);
}

static int h_staff(struct vx_http_req *req)
{
    return vx_http_reply_json(req, 200, cJSON_CreateObject());
}

static int h_fail(struct vx_http_req *req)
{
    vx_http_problem(req, VX_EINVAL, "the number is not valid");
    return vx_http_problem_field(req, VX_EINVAL, "pnr", "bad check digit");
}

static const struct vx_route test_routes[] = {
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/async",
     .handler = h_async,
     .roles = VX_ROLES_PUBLIC,
     .tag = "test",
     .summary = "answered by another thread"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/async-early",
     .handler = h_async_early,
     .roles = VX_ROLES_PUBLIC,
     .success = 202,
     .summary = "completed before the handler returns"},
    {.method = VX_HTTP_POST,
     .path = "/api/v1/test/echo",
     .handler = h_echo,
     .roles = VX_ROLE_BIT(VX_ROLE_CITIZEN) | VX_ROLE_BIT(VX_ROLE_CALLCENTRE),
     .summary = "echo the validated body",
     .body = {{"name", VX_JSON_STRING, .required = true, .max_len = 8},
              {"count", VX_JSON_INTEGER, .min = 1, .max = 10},
              {"flag", VX_JSON_BOOLEAN},
              {"tags", VX_JSON_ARRAY, .max_len = 3}},
     .success = 201},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/items/{id}",
     .handler = h_item,
     .roles = VX_ROLES_PUBLIC,
     .summary = "typed path and query parameters",
     .params = {{"id", VX_JSON_INTEGER, .desc = "item id"}},
     .query = {{"limit", VX_JSON_INTEGER, .min = 1, .max = 100}}},
    {.method = VX_HTTP_DELETE,
     .path = "/api/v1/test/items/{id}",
     .handler = h_item,
     .roles = VX_ROLES_STAFF,
     .summary = "same path, other method"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/numbers",
     .handler = h_numbers,
     .roles = VX_ROLES_PUBLIC,
     .summary = "numbers of every kind"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/staff",
     .handler = h_staff,
     .roles = VX_ROLE_BIT(VX_ROLE_REGION_COORD),
     .summary = "regional coordinators only"},
    {.method = VX_HTTP_GET,
     .path = "/api/v1/test/fail",
     .handler = h_fail,
     .roles = VX_ROLES_PUBLIC,
     .summary = "a handler problem with a field"},
};

static const struct vx_http_module test_module = {
    .name = "test",
    .routes = test_routes,
    .n_routes = VX_ARRAY_LEN(test_routes),
    .start = test_start,
    .stop = test_stop,
};

/* Persons: Skatteverket test numbers (never real people). */
static const struct {
    const char *pnr;
    const char *given, *family;
    enum vx_residence res;
    uint32_t risk, flags;
} persons[] = {
    {"193502168788", "Astrid", "Testsson", VX_RES_SPECIAL_HOUSING, 0, 0},
    {"195802232636", "Bengt", "Provsson", VX_RES_OWN_HOME, 0, 0},
    {"199001122382", "Cecilia", "Exempel", VX_RES_OWN_HOME, 1, 0},
    {"199001132399", "David", "Omsorg", VX_RES_OWN_HOME, 0, VX_PF_CARE_STAFF},
    {"200401022389", "Ella", "Ung", VX_RES_OWN_HOME, 0, 0},
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_db(void)
{
    struct vx_store *st = fx_store();
    vx_day ref;
    assert_int_equal(vx_day_parse("2021-03-01", &ref), VX_OK);
    struct vx_pnr_opts po = vx_pnr_opts_default(ref);
    for (size_t i = 0; i < VX_ARRAY_LEN(persons); i++) {
        struct vx_person_rec r;
        memset(&r, 0, sizeof r);
        assert_int_equal(vx_pnr_parse(persons[i].pnr, &po, &r.p.pnr, NULL), VX_OK);
        snprintf(r.p.kommun, sizeof r.p.kommun, "0180");
        snprintf(r.p.region, sizeof r.p.region, "01");
        r.p.residence = persons[i].res;
        r.p.risk = persons[i].risk;
        r.p.flags = persons[i].flags;
        snprintf(r.given_name, sizeof r.given_name, "%s", persons[i].given);
        snprintf(r.family_name, sizeof r.family_name, "%s", persons[i].family);
        r.synthetic = true;
        int64_t id;
        assert_int_equal(st->ops->person_put(st, &r, &id), VX_OK);
    }
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "01-VC-0001");
    snprintf(s.name, sizeof s.name, "Vårdcentralen Test");
    snprintf(s.region, sizeof s.region, "01");
    snprintf(s.kommun, sizeof s.kommun, "0180");
    snprintf(s.address, sizeof s.address, "Testgatan 1");
    s.kind = VX_SITE_HEALTH_CENTRE;
    s.stations = 2;
    s.minutes_per_dose = 10;
    s.open_minute = 8 * 60;
    s.close_minute = 17 * 60;
    s.weekdays = 0x1f;
    int64_t sid;
    assert_int_equal(st->ops->site_put(st, &s, &sid), VX_OK);
    vx_store_close(st);
}

static void make_web(const char *tmp)
{
    char p[600];
    mkdir(webdir, 0755);
    snprintf(p, sizeof p, "%s/index.html", webdir);
    write_file(p, "<!doctype html><title>vaxchain test</title>\n");
    snprintf(p, sizeof p, "%s/app.js", webdir);
    write_file(p, "console.log('hi');\n");
    snprintf(p, sizeof p, "%s/.hidden", webdir);
    write_file(p, "HIDDEN-CONTENT\n");
    snprintf(p, sizeof p, "%s/sub", webdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/index.html", webdir);
    write_file(p, "<p>sub</p>\n");
    snprintf(secret, sizeof secret, "%s/http-secret.txt", tmp);
    write_file(secret, "TOP-SECRET\n");
    snprintf(p, sizeof p, "%s/link.txt", webdir);
    unlink(p);
    assert_int_equal(symlink(secret, p), 0);
}

static int group_setup(void **state)
{
    fx_begin("http");
    snprintf(webdir, sizeof webdir, "%s/http-web-%d", fx_tmpdir(), (int)getpid());
    make_db();
    make_web(fx_tmpdir());
    vx_day today;
    vx_day_parse("2021-03-01", &today);
    fx_start((struct vx_http_config){.threads = 4, .web_dir = webdir, .today = today}, &test_module,
             NULL);
    return 0;
}

static int group_teardown(void **state)
{
    fx_end(); /* runs the module's stop hook */
    char p[600];
    static const char *const files[] = {"index.html", "app.js", ".hidden", "sub/index.html",
                                        "link.txt"};
    for (size_t i = 0; i < VX_ARRAY_LEN(files); i++) {
        snprintf(p, sizeof p, "%s/%s", webdir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub", webdir);
    rmdir(p);
    rmdir(webdir);
    unlink(secret);
    return completer.stopped == 1 ? 0 : -1;
}

/* ------------------------------------------------------------------ client */

/* Whether `o` has the string member `name` (jstr() gives "" either way). */
static bool has_str(const cJSON *o, const char *name)
{
    return cJSON_IsString(jget(o, name));
}

/* A problem+json answer with `status` and a type ending in `slug`. */
static void assert_problem(const struct resp *r, long status, const char *slug)
{
    char ct[128];
    if (r->status != status)
        fprintf(stderr, "expected %ld got %ld: %s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
    assert_non_null(header(r, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/problem+json");
    assert_non_null(r->json);
    assert_true(has_str(r->json, "type"));
    const char *type = jstr(r->json, "type");
    char want[96];
    snprintf(want, sizeof want, "/problems/%s", slug);
    assert_string_equal(type, want);
    assert_true(has_str(r->json, "title"));
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r->json, "status")),
                     status);
    assert_true(has_str(r->json, "instance"));
}

/* The errors[] entry for `field`, or NULL. */
static const cJSON *field_error(const struct resp *r, const char *field)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->json, "errors"))
    {
        if (!strcmp(jstr(e, "field"), field))
            return e;
    }
    return NULL;
}

/* ------------------------------------------------------------------ tests */

static void test_healthz(void **state)
{
    struct resp *r = req("GET", "/healthz", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(jstr(r->json, "status"), "ok");
    assert_string_equal(jstr(r->json, "db"), "ok");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r->json, "schema_version")) >=
                1);
    char v[64];
    assert_string_equal(header(r, "Cache-Control", v, sizeof v), "no-store");
    assert_non_null(header(r, "Content-Security-Policy", v, sizeof v));
    resp_free(r);
}

/* Integers print as their digits, other numbers as cJSON prints them, and the
 * document reads back to the same values. */
static void test_reply_numbers(void **state)
{
    struct resp *r = req("GET", "/api/v1/test/numbers", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "{\"zero\":0,\"neg\":-7,\"max\":9007199254740991,"
                                 "\"big\":123456789012,\"half\":1.5,\"const\":42,"
                                 "\"list\":[1,2.25,[-3]],\"text\":\"12\","
                                 "\"shared\":{\"n\":5}}");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r->json, "max")) ==
                9007199254740991.0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r->json, "const")));
    resp_free(r);
    assert_true(cJSON_IsNumber(shared_numbers->child)); /* still a number, no reference */
    cJSON_Delete(shared_numbers);
    shared_numbers = NULL;
}

static void test_metrics_format(void **state)
{
    resp_free(req("GET", "/healthz", NULL, NULL));
    resp_free(req("GET", "/api/v1/nope", NULL, NULL));
    struct resp *r = req("GET", "/metrics", NULL, NULL);
    assert_int_equal(r->status, 200);
    char ct[128];
    assert_string_equal(header(r, "Content-Type", ct, sizeof ct),
                        "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r->body, "# TYPE vx_http_requests_total counter\n"));
    assert_non_null(
        strstr(r->body, "vx_http_requests_total{method=\"GET\",route=\"/healthz\",code=\"200\"} "));
    assert_non_null(
        strstr(r->body, "vx_http_requests_total{method=\"\",route=\"unmatched\",code=\"404\"} "));
    assert_non_null(strstr(r->body, "# TYPE vx_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(r->body, "vx_http_request_duration_seconds_bucket{method=\"GET\","
                                    "route=\"/healthz\",le=\"+Inf\"} "));
    assert_non_null(strstr(r->body, "# TYPE vx_sessions gauge\n"));
    /* every sample line: name[{labels}] SP value */
    char *save = NULL;
    for (char *line = strtok_r(r->body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            assert_true(!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7));
            continue;
        }
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        strtod(sp + 1, &end);
        assert_true(*end == '\0' || !strcmp(sp + 1, "+Inf"));
        assert_true((line[0] >= 'a' && line[0] <= 'z') || line[0] == '_');
        const char *brace = strchr(line, '{');
        if (brace && brace < sp)
            assert_non_null(strchr(brace, '}'));
    }
    resp_free(r);
}

static void test_metrics_registry(void **state)
{
    struct vx_metrics *m = vx_metrics_new();
    static struct vx_counter ok, full;
    static struct vx_gauge q;
    static struct vx_histogram h;
    static const double bounds[] = {1, 8, 64};
    vx_histogram_init(&h, bounds, 3);
    assert_int_equal(vx_metrics_counter(m, "vx_bookings_total", "result=\"ok\"", "Bookings", &ok),
                     VX_OK);
    assert_int_equal(
        vx_metrics_counter(m, "vx_bookings_total", "result=\"full\"", "Bookings", &full), VX_OK);
    assert_int_equal(vx_metrics_counter(m, "vx_bookings_total", "result=\"ok\"", "x", &ok),
                     VX_EEXIST);
    assert_int_equal(vx_metrics_gauge(m, "vx_bookings_total", NULL, "x", &q), VX_EEXIST);
    assert_int_equal(vx_metrics_gauge(m, "9bad", NULL, "x", &q), VX_EINVAL);
    assert_int_equal(vx_metrics_gauge(m, "vx_book_queue_length", NULL, "Queue", &q), VX_OK);
    assert_int_equal(vx_metrics_histogram(m, "vx_book_batch_size", NULL, "Batch", &h), VX_OK);
    vx_counter_add(&ok, 3);
    vx_counter_inc(&full);
    vx_gauge_set(&q, 7);
    vx_histogram_observe(&h, 1);
    vx_histogram_observe(&h, 5);
    vx_histogram_observe(&h, 100);
    struct vx_buf b;
    vx_buf_init(&b, 1 << 20);
    assert_int_equal(vx_metrics_render(m, &b), VX_OK);
    assert_non_null(strstr(b.data, "# TYPE vx_bookings_total counter\n"
                                   "vx_bookings_total{result=\"ok\"} 3\n"
                                   "vx_bookings_total{result=\"full\"} 1\n"));
    assert_non_null(strstr(b.data, "vx_book_queue_length 7\n"));
    assert_non_null(strstr(b.data, "vx_book_batch_size_bucket{le=\"1\"} 1\n"
                                   "vx_book_batch_size_bucket{le=\"8\"} 2\n"
                                   "vx_book_batch_size_bucket{le=\"64\"} 2\n"
                                   "vx_book_batch_size_bucket{le=\"+Inf\"} 3\n"
                                   "vx_book_batch_size_sum 106\n"
                                   "vx_book_batch_size_count 3\n"));
    vx_buf_release(&b);
    vx_metrics_free(m);
}

static const cJSON *path_op(const cJSON *doc, const char *path, const char *method)
{
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(paths, path), method);
}

static void test_openapi(void **state)
{
    struct resp *r = req("GET", "/api/openapi.json", NULL, NULL);
    assert_int_equal(r->status, 200);
    const cJSON *doc = r->json;
    assert_non_null(doc);
    assert_string_equal(jstr(doc, "openapi"), "3.1.0");
    assert_true(has_str(cJSON_GetObjectItemCaseSensitive(doc, "info"), "title"));
    /* every route of the server is in the document */
    static const char *const builtin[][2] = {{"/healthz", "get"},
                                             {"/metrics", "get"},
                                             {"/api/openapi.json", "get"},
                                             {"/api/v1/session", "post"},
                                             {"/api/v1/session", "delete"},
                                             {"/api/v1/me", "get"},
                                             {"/api/v1/dev/personas", "get"}};
    for (size_t i = 0; i < VX_ARRAY_LEN(builtin); i++)
        assert_non_null(path_op(doc, builtin[i][0], builtin[i][1]));
    int nops = 0;
    const cJSON *item, *op;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
    {
        cJSON_ArrayForEach(op, item)
        {
            nops++;
            assert_true(has_str(op, "operationId"));
            assert_non_null(cJSON_GetObjectItemCaseSensitive(op, "responses"));
            assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(op, "x-vaxchain-roles")));
        }
    }
    assert_int_equal(nops, (int)(VX_ARRAY_LEN(builtin) + VX_ARRAY_LEN(test_routes)));
    for (size_t i = 0; i < VX_ARRAY_LEN(test_routes); i++) {
        char m[8];
        const char *name = vx_http_method_name(test_routes[i].method);
        size_t k = 0;
        for (; name[k]; k++)
            m[k] = (char)(name[k] - 'A' + 'a');
        m[k] = '\0';
        assert_non_null(path_op(doc, test_routes[i].path, m));
    }
    /* path and query parameters */
    op = path_op(doc, "/api/v1/test/items/{id}", "get");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(op, "parameters");
    assert_int_equal(cJSON_GetArraySize(params), 2);
    const cJSON *p0 = cJSON_GetArrayItem(params, 0);
    assert_string_equal(jstr(p0, "name"), "id");
    assert_string_equal(jstr(p0, "in"), "path");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p0, "required")));
    assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(p0, "schema"), "type"), "integer");
    const cJSON *p1 = cJSON_GetArrayItem(params, 1);
    assert_string_equal(jstr(p1, "in"), "query");
    /* request body schema */
    op = path_op(doc, "/api/v1/test/echo", "post");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(op, "requestBody"),
                                             "content"),
            "application/json"),
        "schema");
    assert_non_null(schema);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties")));
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(props, "name");
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(name, "maxLength")),
                     8);
    assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(props, "count"), "type"), "integer");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(schema, "required");
    assert_int_equal(cJSON_GetArraySize(required), 1);
    assert_string_equal(cJSON_GetArrayItem(required, 0)->valuestring, "name");
    /* problem responses and roles */
    const cJSON *resps = cJSON_GetObjectItemCaseSensitive(op, "responses");
    static const char *const codes[] = {"201", "400", "401", "403", "413", "415", "422"};
    for (size_t i = 0; i < VX_ARRAY_LEN(codes); i++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(resps, codes[i]));
    assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(resps, "422"), "$ref"),
                        "#/components/responses/Problem");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(op, "x-vaxchain-roles");
    assert_int_equal(cJSON_GetArraySize(roles), 2);
    assert_string_equal(cJSON_GetArrayItem(roles, 0)->valuestring, "citizen");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(op, "security")), 1);
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(doc, "components");
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(comp, "schemas"), "Problem");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(problem, "properties"), "errors"));
    assert_true(cJSON_GetArraySize(
                    cJSON_GetObjectItemCaseSensitive(problem, "x-vaxchain-problem-types")) >= 12);
    const cJSON *sess = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(comp, "securitySchemes"), "session");
    assert_string_equal(jstr(sess, "in"), "cookie");
    assert_string_equal(jstr(sess, "name"), "vx_session");
    resp_free(r);
}

static void test_static_files(void **state)
{
    char v[256];
    struct resp *r = req("GET", "/", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "vaxchain test"));
    assert_string_equal(header(r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    assert_string_equal(header(r, "Cache-Control", v, sizeof v), "no-cache");
    assert_non_null(header(r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_string_equal(header(r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    char etag[128], inm[160];
    assert_non_null(header(r, "ETag", etag, sizeof etag));
    resp_free(r);

    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    r = req("GET", "/index.html", NULL, h);
    assert_int_equal(r->status, 304);
    resp_free(r);

    r = req("GET", "/app.js", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(header(r, "Content-Type", v, sizeof v), "text/javascript; charset=utf-8");
    assert_string_equal(header(r, "Cache-Control", v, sizeof v), "public, max-age=3600");
    resp_free(r);

    r = req("GET", "/sub/", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "sub"));
    resp_free(r);
    r = req("GET", "/sub", NULL, NULL);
    assert_int_equal(r->status, 200);
    resp_free(r);
    r = req("HEAD", "/app.js", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->len, 0);
    resp_free(r);

    static const char *const evil[] = {"/../http-secret.txt",
                                       "/%2e%2e/http-secret.txt",
                                       "/sub/../../http-secret.txt",
                                       "/sub/%2E%2E/%2E%2E/http-secret.txt",
                                       "/link.txt",
                                       "/.hidden",
                                       "/sub/..%2f..%2fx",
                                       "/%2fetc%2fpasswd",
                                       "//etc/passwd",
                                       "/nope.html",
                                       "/sub/..\\..\\x",
                                       "/a%00b"};
    for (size_t i = 0; i < VX_ARRAY_LEN(evil); i++) {
        r = req("GET", evil[i], NULL, NULL);
        if (r->status != 404)
            fprintf(stderr, "%s -> %ld\n", evil[i], r->status);
        assert_true(r->status == 404 || r->status == 400);
        assert_null(strstr(r->body, "TOP-SECRET"));
        assert_null(strstr(r->body, "HIDDEN-CONTENT"));
        resp_free(r);
    }
    r = req("POST", "/index.html", "{}", NULL);
    assert_problem(r, 405, "method-not-allowed");
    assert_string_equal(header(r, "Allow", v, sizeof v), "GET, HEAD");
    resp_free(r);
}

static void test_problem_shapes(void **state)
{
    char v[128], cookie[640];
    struct resp *r = req("GET", "/api/v1/nope", NULL, NULL);
    assert_problem(r, 404, "no-such-resource");
    assert_string_equal(jstr(r->json, "instance"), "/api/v1/nope");
    resp_free(r);

    r = req("PUT", "/healthz", NULL, NULL);
    assert_problem(r, 405, "method-not-allowed");
    assert_string_equal(header(r, "Allow", v, sizeof v), "GET");
    resp_free(r);
    r = req("PATCH", "/api/v1/test/items/7", NULL, NULL);
    assert_problem(r, 405, "method-not-allowed");
    assert_string_equal(header(r, "Allow", v, sizeof v), "GET, DELETE");
    resp_free(r);

    r = req("GET", "/api/v1/me", NULL, NULL);
    assert_problem(r, 401, "unauthenticated");
    resp_free(r);
    r = req("POST", "/api/v1/test/echo", "{\"name\":\"x\"}", NULL);
    assert_problem(r, 401, "unauthenticated");
    resp_free(r);

    login("{\"person\":\"195802232636\"}", cookie);
    const char *h[] = {cookie, NULL};
    r = req("GET", "/api/v1/test/staff", NULL, h);
    assert_problem(r, 403, "forbidden");
    assert_non_null(strstr(jstr(r->json, "detail"), "regional_coordinator"));
    resp_free(r);

    /* 413: over 64 KiB */
    size_t big = 70 * 1024;
    char *body = malloc(big + 32);
    snprintf(body, big + 32, "{\"name\":\"");
    memset(body + 9, 'a', big);
    snprintf(body + 9 + big, 23, "\"}");
    r = req("POST", "/api/v1/test/echo", body, h);
    assert_problem(r, 413, "body-too-large");
    resp_free(r);
    free(body);

    /* 400: malformed JSON with its position */
    r = req("POST", "/api/v1/test/echo", "{\"name\":\n  \"x\",, }", h);
    assert_problem(r, 400, "malformed-json");
    assert_non_null(strstr(jstr(r->json, "detail"), "line 2, column"));
    resp_free(r);
    r = req("POST", "/api/v1/test/echo", "{\"name\":\"x\"} trailing", h);
    assert_problem(r, 400, "malformed-json");
    resp_free(r);

    /* 422: wrong types, lengths, ranges, unknown and missing fields */
    r = req("POST", "/api/v1/test/echo",
            "{\"name\":\"far too long\",\"count\":1.5,\"flag\":\"yes\",\"tags\":[1,2,3,4],"
            "\"extra\":1}",
            h);
    assert_problem(r, 422, "validation-failed");
    assert_string_equal(jstr(field_error(r, "name"), "reason"), "longer than 8 characters");
    assert_string_equal(jstr(field_error(r, "count"), "reason"), "expected integer");
    assert_string_equal(jstr(field_error(r, "flag"), "reason"), "expected boolean");
    assert_string_equal(jstr(field_error(r, "tags"), "reason"), "more than 3 items");
    assert_string_equal(jstr(field_error(r, "extra"), "reason"), "unknown field");
    resp_free(r);
    r = req("POST", "/api/v1/test/echo", "{\"count\":11}", h);
    assert_problem(r, 422, "validation-failed");
    assert_string_equal(jstr(field_error(r, "name"), "reason"), "required");
    assert_non_null(field_error(r, "count"));
    resp_free(r);
    r = req("POST", "/api/v1/test/echo", "[1,2]", h);
    assert_problem(r, 422, "validation-failed");
    resp_free(r);
    r = req("POST", "/api/v1/test/echo", "{\"name\":\"åäö\",\"count\":3,\"tags\":[]}", h);
    assert_int_equal(r->status, 201);
    assert_string_equal(jstr(r->json, "name"), "åäö");
    assert_string_equal(jstr(r->json, "role"), "citizen");
    resp_free(r);

    /* 415 */
    const char *h2[] = {cookie, "Content-Type: text/plain", NULL};
    r = req_full(NULL, "POST", "/api/v1/test/echo", "name=x", h2, false);
    assert_problem(r, 415, "unsupported-media-type");
    resp_free(r);

    /* typed path and query parameters */
    r = req("GET", "/api/v1/test/items/abc", NULL, NULL);
    assert_problem(r, 422, "validation-failed");
    assert_string_equal(jstr(field_error(r, "id"), "reason"), "expected integer");
    resp_free(r);
    r = req("GET", "/api/v1/test/items/12?limit=500", NULL, NULL);
    assert_problem(r, 422, "validation-failed");
    assert_non_null(field_error(r, "limit"));
    resp_free(r);
    r = req("GET", "/api/v1/test/items/12?limit=5", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(jstr(r->json, "id"), "12");
    assert_string_equal(jstr(r->json, "limit"), "5");
    resp_free(r);

    /* a handler's own problem, with its field, in English on request */
    const char *en[] = {"Accept-Language: en-GB,en;q=0.8", NULL};
    r = req("GET", "/api/v1/test/fail", NULL, en);
    assert_problem(r, 422, "invalid-input");
    assert_string_equal(jstr(r->json, "title"), "Invalid input");
    assert_string_equal(jstr(r->json, "detail"), "the number is not valid");
    assert_string_equal(jstr(field_error(r, "pnr"), "reason"), "bad check digit");
    resp_free(r);
    r = req("GET", "/api/v1/test/fail", NULL, NULL);
    assert_string_equal(jstr(r->json, "title"), "Ogiltiga uppgifter");
    resp_free(r);
    resp_free(req("DELETE", "/api/v1/session", NULL, h));
}

static int64_t audit_rows(void)
{
    struct vx_store *st = NULL;
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, NULL), VX_OK);
    int64_t n = st->ops->count(st, "audit_log");
    vx_store_close(st);
    return n;
}

static void test_login_me_logout(void **state)
{
    int64_t audits = audit_rows();
    struct resp *r = req("POST", "/api/v1/session", "{\"person\":\"19350216-8788\"}", NULL);
    assert_int_equal(r->status, 201);
    char sc[512];
    assert_non_null(header(r, "Set-Cookie", sc, sizeof sc));
    assert_int_equal(strncmp(sc, "vx_session=", 11), 0);
    assert_int_equal(strcspn(sc + 11, ";"), 64);
    assert_non_null(strstr(sc, "; HttpOnly"));
    assert_non_null(strstr(sc, "; SameSite=Strict"));
    assert_non_null(strstr(sc, "; Path=/"));
    assert_null(strstr(sc, "Secure"));
    assert_string_equal(jstr(r->json, "role"), "citizen");
    assert_null(strstr(r->body, "193502168788")); /* never the personnummer */
    resp_free(r);
    char cookie[640];
    sc[strcspn(sc, ";")] = '\0';
    snprintf(cookie, sizeof cookie, "Cookie: %s", sc);
    const char *h[] = {cookie, NULL};

    r = req("GET", "/api/v1/me", NULL, h);
    assert_int_equal(r->status, 200);
    assert_string_equal(jstr(r->json, "role"), "citizen");
    assert_string_equal(jstr(r->json, "region"), "01");
    assert_string_equal(jstr(r->json, "display_name"), "Astrid Testsson");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r->json, "person");
    assert_string_equal(jstr(p, "given_name"), "Astrid");
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "age")), 86);
    assert_string_equal(jstr(p, "residence"), "special_housing");
    assert_null(strstr(r->body, "8788"));
    resp_free(r);
    /* login and /me were audited */
    assert_true(audit_rows() >= audits + 2);

    r = req("DELETE", "/api/v1/session", NULL, h);
    assert_int_equal(r->status, 204);
    assert_non_null(header(r, "Set-Cookie", sc, sizeof sc));
    assert_non_null(strstr(sc, "vx_session=;"));
    assert_non_null(strstr(sc, "Max-Age=0"));
    resp_free(r);
    r = req("GET", "/api/v1/me", NULL, h);
    assert_problem(r, 401, "unauthenticated");
    resp_free(r);

    /* staff roles */
    login("{\"role\":\"callcentre\",\"region\":\"01\",\"user\":\"agent1\"}", cookie);
    r = req("GET", "/api/v1/me", NULL, h);
    assert_int_equal(r->status, 200);
    assert_string_equal(jstr(r->json, "role"), "callcentre");
    assert_string_equal(jstr(r->json, "user"), "agent1");
    assert_string_equal(jstr(r->json, "region"), "01");
    assert_null(cJSON_GetObjectItemCaseSensitive(r->json, "person"));
    resp_free(r);
    r = req("DELETE", "/api/v1/test/items/3", NULL, h);
    assert_int_equal(r->status, 200);
    resp_free(r);
    resp_free(req("DELETE", "/api/v1/session", NULL, h));

    login("{\"role\":\"vaccinator\",\"site\":\"01-VC-0001\"}", cookie);
    r = req("GET", "/api/v1/me", NULL, h);
    assert_string_equal(jstr(r->json, "site"), "01-VC-0001");
    assert_string_equal(jstr(r->json, "region"), "01");
    resp_free(r);
    login("{\"role\":\"regional_coordinator\",\"region\":\"01\"}", cookie);
    r = req("GET", "/api/v1/test/staff", NULL, h);
    assert_int_equal(r->status, 200);
    resp_free(r);
    login("{\"role\":\"municipal_nurse\",\"kommun\":\"0180\"}", cookie);
    r = req("GET", "/api/v1/me", NULL, h);
    assert_string_equal(jstr(r->json, "kommun"), "0180");
    resp_free(r);

    /* login errors name the field */
    r = req("POST", "/api/v1/session", "{\"person\":\"195802232637\"}", NULL);
    assert_problem(r, 422, "invalid-input");
    assert_non_null(strstr(jstr(field_error(r, "person"), "reason"), "check digit"));
    resp_free(r);
    r = req("POST", "/api/v1/session", "{\"person\":\"189001059808\"}", NULL);
    assert_problem(r, 422, "invalid-input");
    assert_string_equal(jstr(field_error(r, "person"), "reason"), "no such person in the database");
    resp_free(r);
    r = req("POST", "/api/v1/session", "{\"role\":\"pope\"}", NULL);
    assert_non_null(field_error(r, "role"));
    resp_free(r);
    r = req("POST", "/api/v1/session", "{\"role\":\"callcentre\",\"region\":\"99\"}", NULL);
    assert_non_null(field_error(r, "region"));
    resp_free(r);
    r = req("POST", "/api/v1/session", "{\"role\":\"site_coordinator\",\"site\":\"nope\"}", NULL);
    assert_non_null(field_error(r, "site"));
    resp_free(r);
    /* a bogus cookie is no session */
    const char *bogus[] = {"Cookie: vx_session=0123", NULL};
    r = req("GET", "/api/v1/me", NULL, bogus);
    assert_int_equal(r->status, 401);
    resp_free(r);
}

static void test_csrf(void **state)
{
    const char *body = "{\"role\":\"auditor\"}";
    struct resp *r = req_full(NULL, "POST", "/api/v1/session", body, NULL, true);
    assert_problem(r, 403, "csrf");
    resp_free(r);
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: %s", base);
    const char *good[] = {origin, NULL};
    r = req_full(NULL, "POST", "/api/v1/session", body, good, true);
    assert_int_equal(r->status, 201);
    resp_free(r);
    const char *evil[] = {"Origin: http://evil.example", NULL};
    r = req_full(NULL, "POST", "/api/v1/session", body, evil, true);
    assert_problem(r, 403, "csrf");
    resp_free(r);
    const char *wrong[] = {"X-Requested-With: XMLHttpRequest", NULL};
    r = req_full(NULL, "POST", "/api/v1/session", body, wrong, true);
    assert_problem(r, 403, "csrf");
    resp_free(r);
}

static void test_personas(void **state)
{
    struct resp *r = req("GET", "/api/v1/dev/personas", NULL, NULL);
    assert_int_equal(r->status, 200);
    const cJSON *plist = cJSON_GetObjectItemCaseSensitive(r->json, "persons");
    assert_true(cJSON_GetArraySize(plist) >= 4);
    const cJSON *it;
    bool sh = false;
    cJSON_ArrayForEach(it, plist)
    {
        if (!strcmp(jstr(it, "kind"), "special_housing"))
            sh = !strcmp(jstr(it, "display_name"), "Astrid Testsson");
        assert_true(has_str(it, "person"));
    }
    assert_true(sh);
    const cJSON *staff = cJSON_GetObjectItemCaseSensitive(r->json, "staff");
    bool cc = false, vacc = false;
    cJSON_ArrayForEach(it, staff)
    {
        cc |= !strcmp(jstr(it, "role"), "callcentre");
        vacc |= !strcmp(jstr(it, "role"), "vaccinator") && has_str(it, "site");
    }
    assert_true(cc && vacc);
    resp_free(r);
    /* the printed variant used by `vaxchain serve` */
    cJSON *doc = NULL;
    assert_int_equal(vx_http_dev_personas(srv, "test", &doc), VX_OK);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "persons")) >= 4);
    cJSON_Delete(doc);
}

static void test_async(void **state)
{
    struct resp *r = req("GET", "/api/v1/test/async", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->json, "async")));
    resp_free(r);
    r = req("GET", "/api/v1/test/async-early", NULL, NULL);
    assert_int_equal(r->status, 202);
    assert_string_equal(jstr(r->json, "early"), "yes");
    resp_free(r);
}

struct worker {
    int id;
    int ok;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    static const char *const paths[] = {"/healthz", "/api/v1/test/async", "/app.js",
                                        "/api/v1/test/items/5", "/api/v1/nope"};
    static const long want[] = {200, 200, 200, 200, 404};
    CURL *c = curl_easy_init();
    for (int i = 0; i < 200; i++) {
        int k = (i + w->id) % (int)VX_ARRAY_LEN(paths);
        struct resp *r = req_full(c, "GET", paths[k], NULL, NULL, false);
        if (r->status == want[k])
            w->ok++;
        resp_free(r);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_concurrency(void **state)
{
    pthread_t th[8];
    struct worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){.id = i};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    assert_int_equal(ok, 8 * 200);
}

static int h_dummy(struct vx_http_req *req)
{
    return VX_OK;
}

static int counted_stops;

static enum vx_status count_start(struct vx_http_server *s, void **udata, struct vx_err *err)
{
    *udata = &counted_stops;
    return VX_OK;
}

static void count_stop(void *udata)
{
    (*(int *)udata)++;
}

static void test_route_registration(void **state)
{
    struct vx_http_config cfg = {.db_path = dbpath, .quiet = true};
    struct vx_http_server *s = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_http_server_new(&cfg, &s, &err), VX_OK);
    const struct vx_route no_roles[] = {
        {.method = VX_HTTP_GET, .path = "/x", .handler = h_dummy, .roles = 0}};
    assert_int_equal(vx_http_add_routes(s, no_roles, 1, NULL, &err), VX_EINVAL);
    assert_non_null(strstr(err.msg, "deny by default"));
    const struct vx_route bad_path[] = {
        {.method = VX_HTTP_GET, .path = "x/{", .handler = h_dummy, .roles = VX_ROLES_ANY}};
    assert_int_equal(vx_http_add_routes(s, bad_path, 1, NULL, &err), VX_EINVAL);
    const struct vx_route bad_param[] = {
        {.method = VX_HTTP_GET, .path = "/x/{A-b}", .handler = h_dummy, .roles = VX_ROLES_ANY}};
    assert_int_equal(vx_http_add_routes(s, bad_param, 1, NULL, &err), VX_EINVAL);
    const struct vx_route dup[] = {
        {.method = VX_HTTP_GET, .path = "/x/{a}", .handler = h_dummy, .roles = VX_ROLES_ANY},
        {.method = VX_HTTP_GET, .path = "/x/{b}", .handler = h_dummy, .roles = VX_ROLES_ANY}};
    assert_int_equal(vx_http_add_routes(s, dup, 2, NULL, &err), VX_EEXIST);
    assert_int_equal(vx_http_add_routes(s, dup, 1, NULL, &err), VX_OK);
    const struct vx_route twice[] = {
        {.method = VX_HTTP_GET, .path = "/healthz", .handler = h_dummy, .roles = VX_ROLES_PUBLIC}};
    assert_int_equal(vx_http_add_routes(s, twice, 1, NULL, &err), VX_EEXIST);
    /* a module started but never served is still stopped */
    static const struct vx_route one[] = {
        {.method = VX_HTTP_GET, .path = "/y", .handler = h_dummy, .roles = VX_ROLES_ANY}};
    const struct vx_http_module counted = {
        .name = "counted", .routes = one, .n_routes = 1, .start = count_start, .stop = count_stop};
    assert_int_equal(vx_http_add_module(s, &counted, &err), VX_OK);
    /* a module whose routes clash is stopped again at once */
    assert_int_equal(vx_http_add_module(s, &counted, &err), VX_EEXIST);
    assert_int_equal(counted_stops, 1);
    vx_http_server_free(s);
    assert_int_equal(counted_stops, 2);
    /* missing database */
    struct vx_http_config bad = {.db_path = "/nonexistent/dir/x.db", .quiet = true};
    assert_int_equal(vx_http_server_new(&bad, &s, &err), VX_ESTORE);
    assert_null(s);
}

static void test_status_table(void **state)
{
    assert_int_equal(vx_http_status_of(VX_OK), 200);
    assert_int_equal(vx_http_status_of(VX_EINVAL), 422);
    assert_int_equal(vx_http_status_of(VX_ENOTFOUND), 404);
    assert_int_equal(vx_http_status_of(VX_EEXIST), 409);
    assert_int_equal(vx_http_status_of(VX_ECONFLICT), 409);
    assert_int_equal(vx_http_status_of(VX_EDENIED), 403);
    assert_int_equal(vx_http_status_of(VX_EPARSE), 400);
    assert_int_equal(vx_http_status_of(VX_EBUSY), 503);
    assert_int_equal(vx_http_status_of(VX_EINTERNAL), 500);
    assert_int_equal(vx_http_status_of((enum vx_status) - 99), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_metrics_registry),
        cmocka_unit_test(test_route_registration),
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_metrics_format),
        cmocka_unit_test(test_openapi),
        cmocka_unit_test(test_reply_numbers),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_problem_shapes),
        cmocka_unit_test(test_login_me_logout),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_personas),
        cmocka_unit_test(test_async),
        cmocka_unit_test(test_concurrency),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
