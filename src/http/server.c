/*
 * server.c — the libmicrohttpd daemon, request life cycle and async completion.
 *
 * MHD runs an internal polling thread with a pool of worker threads
 * (MHD_OPTION_THREAD_POOL_SIZE); each connection stays on one worker. The
 * listening socket is ours: an acceptor thread accepts and hands each connection
 * to MHD (MHD_add_connection), which spreads them evenly over the workers (by
 * socket number). With MHD's own accept, every worker polled the listening socket
 * and whichever won the race took the connection: in a booking storm one worker
 * ended up with 60-90 % of the 256 connections and the other idled (one core's
 * worth of HTTP work on one thread, docs/benchmarks.md). MHD calls
 * the access handler several times per request: once with the headers (we match
 * the route and run every check that needs no body: 404/405, session, 401/403,
 * CSRF, declared parameters, Content-Length against the limit, Content-Type),
 * then once per chunk of body (appended to a capped buffer), then once with no
 * data — where the body is parsed and validated and the handler runs. A check
 * that fails early queues its problem reply at once; MHD then closes the
 * connection without reading the body.
 *
 * Async replies. A handler that waits for another thread (the booking writer's
 * group commit) calls vx_http_suspend(req) and returns VX_HTTP_ASYNC. The request
 * then moves through a small state machine under its own mutex:
 *
 *   RS_SYNC --suspend--> RS_ASYNC --handler returns--> RS_SUSPENDED --complete--> RS_DONE
 *                           \--complete (before return)--> RS_EARLY --return--> sent now
 *
 * MHD_suspend_connection() may only be called from the access handler, so the
 * framework suspends after the handler returned, unless the completion already
 * arrived (RS_EARLY), in which case it sends without suspending. vx_http_complete
 * stores the reply and calls MHD_resume_connection() under the request mutex; MHD
 * then calls the access handler again on its worker, which sends the stored reply.
 *
 * Lifetime: a request is reference counted. MHD holds one reference (dropped by
 * the completion notification), a suspended request one more (dropped by
 * vx_http_complete), so a completion arriving after the client vanished or the
 * daemon stopped still finds its request. Lock order: req->mu before srv->mu.
 *
 * Stopping: set `stopping` (new requests get 503), stop the acceptor,
 * wait for running handlers, run the stop hooks (modules complete what they have
 * pending), wait up to 10 s for suspended requests, answer the rest 503
 * (RS_FORCED), then stop the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "http_int.h"
#include "vx/buf.h"
#include "vx/store.h"

#define DRAIN_TIMEOUT_S 10
#define MAX_DISCARD     (1u << 20) /* oversized chunked bodies: give up after this */

double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct {
    enum vx_http_method m;
    const char *name;
} methods[] = {{VX_HTTP_GET, "GET"},
               {VX_HTTP_POST, "POST"},
               {VX_HTTP_PUT, "PUT"},
               {VX_HTTP_PATCH, "PATCH"},
               {VX_HTTP_DELETE, "DELETE"}};

const char *vx_http_method_name(enum vx_http_method m)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(methods); i++)
        if (methods[i].m == m)
            return methods[i].name;
    return "";
}

static enum vx_http_method method_parse(const char *s)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(methods); i++)
        if (!strcmp(methods[i].name, s))
            return methods[i].m;
    return 0;
}

static void log_error(struct vx_http_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_error(struct vx_http_server *srv, const char *fmt, ...)
{
    if (srv->cfg.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("vaxchain serve: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ------------------------------------------------------------ requests */

/* one per request: keep it a block of glibc's per-thread cache (see http_int.h) */
_Static_assert(sizeof(struct vx_http_req) <= 1032, "struct vx_http_req grew past 1,032 bytes");

static struct vx_http_req *req_new(struct vx_http_server *srv, struct MHD_Connection *conn,
                                   const char *url, const char *method)
{
    struct vx_http_req *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->srv = srv;
    req->conn = conn;
    req->t0 = http_now();
    req->method = method;
    req->head = !strcmp(method, "HEAD");
    req->mbit = req->head ? VX_HTTP_GET : method_parse(method);
    req->path = strdup(url ? url : "/");
    vx_arena_init(&req->arena, 1u << 20);
    vx_buf_init(&req->body, srv->cfg.max_body);
    pthread_mutex_init(&req->mu, NULL);
    atomic_init(&req->refs, 1);
    const char *al = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language");
    while (al && *al == ' ')
        al++;
    req->lang = al && !strncasecmp(al, "en", 2) ? 1 : 0;
    if (!req->path) {
        free(req);
        return NULL;
    }
    return req;
}

static void req_free(struct vx_http_req *req)
{
    if (req->store)
        pool_put(&req->srv->pool, req->store);
    vx_buf_release(&req->body);
    cJSON_Delete(req->json);
    cJSON_Delete(req->reply_json);
    free(req->reply_ints);
    free(req->reply_ctx);
    cJSON_Delete(req->perrors);
    free(req->reply_data);
    free(req->reply_ctype);
    for (struct header *h = req->headers, *next; h; h = next) {
        next = h->next;
        free(h->name);
        free(h->value);
        free(h);
    }
    vx_arena_release(&req->arena);
    free(req->path);
    pthread_mutex_destroy(&req->mu);
    memset(&req->session, 0, sizeof req->session);
    free(req);
}

static void req_unref(struct vx_http_req *req)
{
    if (atomic_fetch_sub(&req->refs, 1) == 1)
        req_free(req);
}

/* Drop whatever reply was set (a handler may set one and then fail). */
static void reply_clear(struct vx_http_req *req)
{
    cJSON_Delete(req->reply_json);
    req->reply_json = NULL;
    free(req->reply_ints);
    req->reply_ints = NULL;
    req->reply_build = NULL;
    free(req->reply_ctx);
    req->reply_ctx = NULL;
    free(req->reply_data);
    req->reply_data = NULL;
    free(req->reply_ctype);
    req->reply_ctype = NULL;
    req->reply_len = 0;
}

/* Turn a problem key into the stored reply. */
static void reply_problem(struct vx_http_req *req, int key, const char *detail, cJSON *errors)
{
    reply_clear(req);
    int http = problem_http_status(key);
    if (http >= 500 && detail && *detail) {
        log_error(req->srv, "%s %s: %d: %s", req->method, req->path, http, detail);
        detail = req->lang ? "The error has been logged." : "Felet har loggats.";
    }
    req->status = http;
    req->reply_json = problem_json(key, req->lang, detail, req->path, errors);
    req->reply_ctype = strdup("application/problem+json");
}

static void add_cookie(struct vx_http_req *req, struct MHD_Response *resp)
{
    char c[256];
    const char *secure = req->srv->cfg.secure_cookies ? "; Secure" : "";
    if (req->has_session)
        snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                 VX_SESSION_COOKIE, req->session.id, vx_session_max_age(req->srv->sessions),
                 secure);
    else
        snprintf(c, sizeof c, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                 VX_SESSION_COOKIE, secure);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
}

enum MHD_Result http_queue(struct vx_http_req *req, unsigned status, struct MHD_Response *resp)
{
    add_security_headers(resp);
    enum MHD_Result rc = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    req->answered = true;
    struct route_metrics *m = req->re ? req->re->m
                              : (req->mbit == VX_HTTP_GET && static_path(req->path))
                                  ? &req->srv->static_m
                                  : &req->srv->other_m;
    route_metrics_record(m, (int)status, http_now() - req->t0);
    return rc;
}

/* First size of a printed JSON reply: most API answers fit (a booking's is ~800
 * bytes), so cJSON does not grow its buffer by realloc while printing; and no more,
 * so that it stays a block of glibc's per-thread cache (up to 1,032 bytes). */
#define REPLY_PREBUF 1024

/*
 * cJSON 1.7.15 (Debian 12) prints every number with "%1.15g" and reads the text
 * back with sscanf("%lg") to check it: a few hundred nanoseconds per number, most
 * of what printing a booking's answer cost. An integer's decimal digits are exact,
 * so before printing, the reply's integral numbers (|v| < 2^53) become their text
 * (cJSON's Raw type, by reference into one block that the request owns,
 * req->reply_ints): the same values, and the same text wherever cJSON would not
 * have used an exponent (it writes 10^15 as 1e+15). Reply trees belong to the
 * request (vx_http_reply_json takes them), so changing them is safe; subtrees held
 * by reference (cJSON_CreateObjectReference) belong to someone else and are left
 * as they are.
 */
#define INT_TEXT 21

static bool integral(const cJSON *it, int64_t *v)
{
    if (!cJSON_IsNumber(it) || !(fabs(it->valuedouble) < 9007199254740992.0))
        return false;
    *v = (int64_t)it->valuedouble;
    return (double)*v == it->valuedouble;
}

static size_t count_ints(const cJSON *it)
{
    size_t n = 0;
    int64_t v;
    for (; it; it = it->next)
        if (!(it->type & cJSON_IsReference))
            n += integral(it, &v) ? 1 : count_ints(it->child);
    return n;
}

static char *ints_to_text(cJSON *it, char *p)
{
    int64_t v;
    for (; it; it = it->next) {
        if (it->type & cJSON_IsReference)
            continue;
        if (!integral(it, &v)) {
            p = ints_to_text(it->child, p);
            continue;
        }
        it->valuestring = vx_i64_text(v, p);
        it->type = cJSON_Raw | cJSON_IsReference | (it->type & cJSON_StringIsConst);
        p += INT_TEXT;
    }
    return p;
}

static void ints_as_text(struct vx_http_req *req, cJSON *root)
{
    size_t n = count_ints(root);
    if (n == 0 || n > SIZE_MAX / INT_TEXT)
        return;
    free(req->reply_ints);
    if ((req->reply_ints = malloc(n * INT_TEXT)) != NULL)
        ints_to_text(root, req->reply_ints);
    /* else cJSON prints them itself */
}

/* Send the stored reply (status + JSON or text + headers + cookie). */
static enum MHD_Result send_reply(struct vx_http_req *req)
{
    char *text = NULL;
    size_t len = 0;
    const char *ctype = req->reply_ctype;
    if (req->reply_build) {
        req->reply_json = req->reply_build(req->reply_ctx);
        req->reply_build = NULL;
        free(req->reply_ctx);
        req->reply_ctx = NULL;
        if (!req->reply_json)
            reply_problem(req, VX_EINTERNAL, "could not build the reply", NULL);
    }
    if (req->reply_json) {
        ints_as_text(req, req->reply_json);
        text = cJSON_PrintBuffered(req->reply_json, REPLY_PREBUF, 0);
        if (!text)
            return MHD_NO;
        len = strlen(text);
        if (!ctype)
            ctype = "application/json";
    } else if (req->reply_data) {
        text = req->reply_data;
        len = req->reply_len;
        req->reply_data = NULL;
    }
    int status = req->status ? req->status : (text ? 200 : 204);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, text ? text : (void *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    if (text && ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (struct header *h = req->headers; h; h = h->next)
        MHD_add_response_header(resp, h->name, h->value);
    if (req->session_changed)
        add_cookie(req, resp);
    return http_queue(req, (unsigned)status, resp);
}

enum MHD_Result http_queue_problem(struct vx_http_req *req, int key, const char *detail,
                                   cJSON *errors, const char *allow)
{
    reply_problem(req, key, detail, errors);
    if (allow)
        vx_http_set_header(req, "Allow", allow);
    if (problem_http_status(key) == 503)
        vx_http_set_header(req, "Retry-After", "1");
    return send_reply(req);
}

static void allow_text(unsigned allow, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < VX_ARRAY_LEN(methods); i++) {
        if (!(allow & methods[i].m))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", methods[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

/* CSRF: a custom header a cross-site form cannot send, or our own Origin. */
static bool csrf_ok(struct vx_http_req *req)
{
    const char *xrw = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Requested-With");
    if (xrw && !strcmp(xrw, "vaxchain"))
        return true;
    const char *origin = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
    if (!origin || !host || !*host)
        return false;
    char want[300];
    const char *scheme = req->srv->cfg.secure_cookies ? "https" : "http";
    snprintf(want, sizeof want, "%s://%s", scheme, host);
    return !strcmp(origin, want);
}

/* Check declared {params} and query parameters; adds errors, returns how many. */
static int check_params(struct vx_http_req *req, cJSON **errors)
{
    const struct vx_route *r = req->re->r;
    char buf[96];
    int bad = 0;
    for (int i = 0; i < VX_HTTP_MAX_PARAMS && r->params[i].name; i++) {
        const char *v = vx_http_req_param(req, r->params[i].name);
        const char *why = v ? field_check_text(&r->params[i], v, buf, sizeof buf) : NULL;
        if (why) {
            problem_add_error(errors, r->params[i].name, why);
            bad++;
        }
    }
    for (int i = 0; i < VX_HTTP_MAX_QUERY && r->query[i].name; i++) {
        const char *v =
            MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, r->query[i].name);
        const char *why = !v ? (r->query[i].required ? "required" : NULL)
                             : field_check_text(&r->query[i], v, buf, sizeof buf);
        if (why) {
            problem_add_error(errors, r->query[i].name, why);
            bad++;
        }
    }
    return bad;
}

static bool has_body_schema(const struct vx_route *r)
{
    return r->body[0].name != NULL;
}

static bool json_media_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    if (n == 16 && !strncasecmp(ct, "application/json", 16))
        return true;
    return n > 5 && !strncasecmp(ct + n - 5, "+json", 5);
}

/* First call: everything that needs no body. */
static enum MHD_Result begin(struct vx_http_req *req)
{
    struct vx_http_server *srv = req->srv;
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping)
        return http_queue_problem(req, HP_STOPPING, NULL, NULL, NULL);
    if (static_path(req->path)) {
        if (req->mbit != VX_HTTP_GET)
            return http_queue_problem(req, HP_METHOD, NULL, NULL, "GET, HEAD");
        return static_serve(srv, req) ? MHD_YES : MHD_NO;
    }
    unsigned allow = 0;
    if (req->mbit && !req->head)
        req->re = routes_match(srv, req->mbit, req->path, &req->arena, req->param_val, &allow);
    else
        routes_match(srv, VX_HTTP_GET, req->path, &req->arena, req->param_val, &allow);
    if (!req->re) {
        if (!allow)
            return http_queue_problem(req, HP_NO_ROUTE, NULL, NULL, NULL);
        char a[64];
        allow_text(allow, a, sizeof a);
        return http_queue_problem(req, HP_METHOD, NULL, NULL, a);
    }
    const struct vx_route *r = req->re->r;
    const char *sid = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, VX_SESSION_COOKIE);
    if (sid && vx_session_lookup(srv->sessions, sid, (vx_time)time(NULL), &req->session) == VX_OK)
        req->has_session = true;
    enum vx_status ast = vx_auth_route_allows(r->roles, req->has_session ? &req->session : NULL);
    if (ast == VX_ENOTFOUND)
        return http_queue_problem(req, HP_UNAUTHENTICATED, NULL, NULL, NULL);
    if (ast != VX_OK) {
        char roles[200], d[240];
        snprintf(d, sizeof d, req->lang ? "allowed roles: %s" : "tillåtna roller: %s",
                 vx_roles_format(r->roles, roles, sizeof roles));
        return http_queue_problem(req, VX_EDENIED, d, NULL, NULL);
    }
    if (req->mbit != VX_HTTP_GET && !r->no_csrf && !csrf_ok(req))
        return http_queue_problem(req, HP_CSRF,
                                  "send the header X-Requested-With: vaxchain or a same-origin "
                                  "Origin",
                                  NULL, NULL);
    cJSON *errors = NULL;
    if (check_params(req, &errors))
        return http_queue_problem(req, HP_SCHEMA, NULL, errors, NULL);
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || n > srv->cfg.max_body) {
            char d[96];
            snprintf(d, sizeof d, "at most %zu bytes", srv->cfg.max_body);
            return http_queue_problem(req, HP_TOO_LARGE, d, NULL, NULL);
        }
    }
    const char *te = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Transfer-Encoding");
    bool body_coming = (cl && strcmp(cl, "0")) || te;
    if (body_coming && has_body_schema(r) && !r->raw_body &&
        !json_media_type(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type")))
        return http_queue_problem(req, HP_MEDIA_TYPE, "expected application/json", NULL, NULL);
    return MHD_YES;
}

static enum MHD_Result absorb(struct vx_http_req *req, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (req->too_large) {
        req->discarded += n;
        return req->discarded > MAX_DISCARD ? MHD_NO : MHD_YES;
    }
    if (vx_buf_append(&req->body, data, n) != VX_OK) {
        req->too_large = true;
        req->discarded += n;
    }
    return MHD_YES;
}

/* After the handler: the request turned async. Returns what MHD should get. */
static enum MHD_Result go_async(struct vx_http_req *req)
{
    struct vx_http_server *srv = req->srv;
    pthread_mutex_lock(&req->mu);
    if (req->state == RS_EARLY) {
        req->state = RS_DONE;
        pthread_mutex_unlock(&req->mu);
        return send_reply(req);
    }
    MHD_suspend_connection(req->conn);
    req->state = RS_SUSPENDED;
    pthread_mutex_lock(&srv->mu);
    req->susp_prev = NULL;
    req->susp_next = srv->susp_head;
    if (srv->susp_head)
        srv->susp_head->susp_prev = req;
    srv->susp_head = req;
    srv->suspended++;
    vx_gauge_add(&srv->g_suspended, 1);
    pthread_mutex_unlock(&srv->mu);
    pthread_mutex_unlock(&req->mu);
    return MHD_YES;
}

/* Unlink a suspended request; caller holds req->mu (and takes srv->mu here). */
static void susp_unlink(struct vx_http_req *req)
{
    struct vx_http_server *srv = req->srv;
    pthread_mutex_lock(&srv->mu);
    if (req->susp_prev)
        req->susp_prev->susp_next = req->susp_next;
    else
        srv->susp_head = req->susp_next;
    if (req->susp_next)
        req->susp_next->susp_prev = req->susp_prev;
    req->susp_prev = req->susp_next = NULL;
    srv->suspended--;
    vx_gauge_add(&srv->g_suspended, -1);
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
}

/* Final call: validate the body and run the handler. */
static enum MHD_Result run(struct vx_http_req *req)
{
    struct vx_http_server *srv = req->srv;
    const struct vx_route *r = req->re->r;
    if (req->too_large) {
        char d[96];
        snprintf(d, sizeof d, "at most %zu bytes", srv->cfg.max_body);
        return http_queue_problem(req, HP_TOO_LARGE, d, NULL, NULL);
    }
    if (has_body_schema(r) && !r->raw_body) {
        int key = 0;
        char detail[160] = "";
        cJSON *errors = NULL;
        enum vx_status st = body_validate(r, req->body.data, req->body.len, &req->json, &key,
                                          detail, sizeof detail, &errors);
        if (st == VX_ENOMEM)
            return http_queue_problem(req, VX_ENOMEM, NULL, NULL, NULL);
        if (st != VX_OK)
            return http_queue_problem(req, key, detail, errors, NULL);
    }
    pthread_mutex_lock(&srv->mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->mu);
        return http_queue_problem(req, HP_STOPPING, NULL, NULL, NULL);
    }
    srv->running++;
    pthread_mutex_unlock(&srv->mu);
    vx_gauge_add(&srv->g_inflight, 1);

    int rc = r->handler(req);

    if (req->store) {
        pool_put(&srv->pool, req->store);
        req->store = NULL;
    }
    vx_gauge_add(&srv->g_inflight, -1);
    pthread_mutex_lock(&srv->mu);
    srv->running--;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);

    pthread_mutex_lock(&req->mu);
    enum req_state state = req->state;
    pthread_mutex_unlock(&req->mu);
    if (state != RS_SYNC) {
        if (rc != VX_HTTP_ASYNC)
            log_error(srv, "%s %s: handler suspended but returned %d", req->method, req->path, rc);
        return go_async(req);
    }
    if (rc == VX_HTTP_ASYNC) {
        log_error(srv, "%s %s: VX_HTTP_ASYNC without vx_http_suspend", req->method, req->path);
        rc = VX_EINTERNAL;
    }
    if (rc < 0) {
        cJSON *errors = req->perrors;
        req->perrors = NULL;
        reply_problem(req, rc, req->pst == rc ? req->detail : NULL, errors);
    } else if (rc > 0) {
        log_error(srv, "%s %s: handler returned %d", req->method, req->path, rc);
        reply_problem(req, VX_EINTERNAL, NULL, NULL);
    }
    return send_reply(req);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
    struct vx_http_server *srv = cls;
    struct vx_http_req *req = *con_cls;
    if (!req) {
        req = req_new(srv, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        return begin(req);
    }
    if (req->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size)
        return absorb(req, upload_data, upload_size);
    pthread_mutex_lock(&req->mu);
    enum req_state state = req->state;
    pthread_mutex_unlock(&req->mu);
    if (state == RS_DONE || state == RS_FORCED)
        return send_reply(req);
    if (state == RS_SYNC)
        return run(req);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct vx_http_req *req = *con_cls;
    if (!req)
        return;
    pthread_mutex_lock(&req->mu);
    req->conn_gone = true;
    pthread_mutex_unlock(&req->mu);
    *con_cls = NULL;
    req_unref(req);
}

/* ------------------------------------------------------------ async API */

void vx_http_suspend(struct vx_http_req *req)
{
    pthread_mutex_lock(&req->mu);
    if (req->state == RS_SYNC) {
        req->state = RS_ASYNC;
        atomic_fetch_add(&req->refs, 1);
    }
    pthread_mutex_unlock(&req->mu);
}

/* Store the reply (already built into req by `fill`) and wake the connection. */
struct later {
    cJSON *(*build)(void *ctx);
    void *ctx;
};

static enum vx_status complete(struct vx_http_req *req, int status, cJSON *body,
                               const struct later *later, int key, const char *field,
                               const char *detail)
{
    pthread_mutex_lock(&req->mu);
    enum req_state s = req->state;
    if (s != RS_ASYNC && s != RS_SUSPENDED) {
        bool held = s == RS_FORCED; /* our reference is still held */
        if (s == RS_FORCED)
            req->state = RS_DONE;
        pthread_mutex_unlock(&req->mu);
        cJSON_Delete(body);
        if (later)
            free(later->ctx);
        if (held)
            req_unref(req);
        return VX_ECONFLICT;
    }
    if (key) {
        cJSON *errors = NULL;
        if (field)
            problem_add_error(&errors, field, detail);
        reply_problem(req, key, detail, errors);
    } else {
        reply_clear(req);
        req->status = status;
        req->reply_json = body;
        if (later) {
            req->reply_build = later->build;
            req->reply_ctx = later->ctx;
        }
    }
    if (s == RS_ASYNC) {
        req->state = RS_EARLY;
    } else {
        req->state = RS_DONE;
        susp_unlink(req);
        if (!req->conn_gone)
            MHD_resume_connection(req->conn);
    }
    pthread_mutex_unlock(&req->mu);
    req_unref(req);
    return VX_OK;
}

enum vx_status vx_http_complete(struct vx_http_req *req, int status, cJSON *body)
{
    return complete(req, status, body, NULL, 0, NULL, NULL);
}

enum vx_status vx_http_complete_later(struct vx_http_req *req, int status,
                                      cJSON *(*build)(void *ctx), void *ctx)
{
    return complete(req, status, NULL, &(struct later){build, ctx}, 0, NULL, NULL);
}

enum vx_status vx_http_complete_problem(struct vx_http_req *req, enum vx_status st,
                                        const char *field, const char *detail)
{
    return complete(req, 0, NULL, NULL, st == VX_OK ? VX_EINTERNAL : st, field, detail);
}

/* ------------------------------------------------------------ handler API */

const char *vx_http_req_method(const struct vx_http_req *req)
{
    return req->method;
}

const char *vx_http_req_path(const struct vx_http_req *req)
{
    return req->path;
}

const struct vx_route *vx_http_req_route(const struct vx_http_req *req)
{
    return req->re ? req->re->r : NULL;
}

const char *vx_http_req_param(const struct vx_http_req *req, const char *name)
{
    if (!req->re)
        return NULL;
    for (int i = 0; i < req->re->nseg; i++)
        if (req->re->is_param[i] && !strcmp(req->re->seg[i], name))
            return req->param_val[i];
    return NULL;
}

const char *vx_http_req_query(struct vx_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *vx_http_req_header(struct vx_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const cJSON *vx_http_req_body(const struct vx_http_req *req)
{
    return req->json;
}

const char *vx_http_req_raw_body(const struct vx_http_req *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

const struct vx_session *vx_http_req_session(const struct vx_http_req *req)
{
    return req->has_session ? &req->session : NULL;
}

struct vx_arena *vx_http_req_arena(struct vx_http_req *req)
{
    return &req->arena;
}

void *vx_http_req_udata(const struct vx_http_req *req)
{
    return req->re ? req->re->udata : NULL;
}

struct vx_http_server *vx_http_req_server(const struct vx_http_req *req)
{
    return req->srv;
}

const struct vx_catalog *vx_http_req_catalog(const struct vx_http_req *req)
{
    return req->srv->cfg.catalog;
}

const struct vx_elig_table *vx_http_req_rules(const struct vx_http_req *req)
{
    return req->srv->cfg.rules;
}

vx_day vx_http_req_today(const struct vx_http_req *req)
{
    if (req->srv->cfg.today)
        return req->srv->cfg.today;
    vx_day d;
    int minute;
    vx_stockholm_local((vx_time)time(NULL), &d, &minute);
    return d;
}

const char *vx_http_req_lang(const struct vx_http_req *req)
{
    return req->lang ? "en" : "sv";
}

enum vx_status vx_http_req_store(struct vx_http_req *req, struct vx_store **out)
{
    if (!req->store) {
        enum vx_status st = pool_get(&req->srv->pool, &req->store);
        if (st != VX_OK) {
            *out = NULL;
            return st;
        }
    }
    *out = req->store;
    return VX_OK;
}

void vx_http_req_set_session(struct vx_http_req *req, const struct vx_session *s)
{
    if (s)
        req->session = *s;
    else
        memset(&req->session, 0, sizeof req->session);
    req->has_session = s != NULL;
    req->session_changed = true;
}

enum vx_status vx_http_reply_json(struct vx_http_req *req, int status, cJSON *body)
{
    reply_clear(req);
    req->status = status;
    req->reply_json = body;
    return VX_OK;
}

enum vx_status vx_http_reply_text(struct vx_http_req *req, int status, const char *content_type,
                                  const char *data, size_t len)
{
    reply_clear(req);
    req->status = status;
    req->reply_data = malloc(len + 1);
    req->reply_ctype = strdup(content_type ? content_type : "text/plain; charset=utf-8");
    if (!req->reply_data || !req->reply_ctype)
        return VX_ENOMEM;
    memcpy(req->reply_data, data, len);
    req->reply_data[len] = '\0';
    req->reply_len = len;
    return VX_OK;
}

enum vx_status vx_http_set_header(struct vx_http_req *req, const char *name, const char *value)
{
    struct header *h = calloc(1, sizeof *h);
    if (!h)
        return VX_ENOMEM;
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        free(h);
        return VX_ENOMEM;
    }
    h->next = req->headers;
    req->headers = h;
    return VX_OK;
}

enum vx_status vx_http_problem(struct vx_http_req *req, enum vx_status st, const char *fmt, ...)
{
    req->pst = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->detail, sizeof req->detail, fmt, ap);
    va_end(ap);
    return st;
}

enum vx_status vx_http_problem_field(struct vx_http_req *req, enum vx_status st, const char *field,
                                     const char *reason)
{
    req->pst = st;
    problem_add_error(&req->perrors, field, reason);
    return st;
}

/* ------------------------------------------------------------ server */

static double gauge_sessions(void *ctx)
{
    return (double)vx_session_count(ctx);
}

enum vx_status vx_http_server_new(const struct vx_http_config *cfg, struct vx_http_server **out,
                                  struct vx_err *err)
{
    *out = NULL;
    if (!cfg || !cfg->db_path)
        return vx_err_set(err, VX_EINVAL, "no database path");
    struct vx_http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    srv->cfg = *cfg;
    srv->lsock = srv->acc_stop = -1;
    if (!srv->cfg.address)
        srv->cfg.address = "127.0.0.1";
    if (srv->cfg.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->cfg.threads = n > 0 ? (int)n : 1;
    }
    if (!srv->cfg.max_body)
        srv->cfg.max_body = VX_HTTP_MAX_BODY_DEFAULT;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    pthread_mutex_init(&srv->personas_mu, NULL);
    route_metrics_init(&srv->static_m);
    route_metrics_init(&srv->other_m);
    enum vx_status st = VX_OK;
    if (pool_init(&srv->pool, srv->cfg.db_path,
                  srv->cfg.store_handles > 0 ? srv->cfg.store_handles : srv->cfg.threads + 2,
                  srv->cfg.log_pages) != VX_OK) {
        free(srv->pool.free_h);
        pthread_mutex_destroy(&srv->mu);
        pthread_cond_destroy(&srv->cv);
        pthread_mutex_destroy(&srv->personas_mu);
        free(srv);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    struct vx_session_opts so = {.idle_s = cfg->session_idle_s, .max_s = cfg->session_max_s};
    srv->sessions = vx_session_store_new(&so);
    srv->metrics = vx_metrics_new();
    if (!srv->sessions || !srv->metrics) {
        st = vx_err_set(err, VX_ENOMEM, "out of memory");
        goto fail;
    }
    if (cfg->web_dir) {
        char real[PATH_MAX];
        if (!realpath(cfg->web_dir, real)) {
            st = vx_err_set(err, VX_ENOTFOUND, "web folder %s: %s", cfg->web_dir, strerror(errno));
            goto fail;
        }
        srv->web_root = strdup(real);
    }
    /* the database must be reachable at start, not at the first request */
    struct vx_store *probe = NULL;
    if (pool_get(&srv->pool, &probe) != VX_OK) {
        st = vx_err_set(err, VX_ESTORE, "cannot open database %s", cfg->db_path);
        goto fail;
    }
    pool_put(&srv->pool, probe);
    if ((st = vx_metrics_collector(srv->metrics, routes_render_metrics, srv)) != VX_OK ||
        (st = vx_metrics_gauge(srv->metrics, "vx_http_handlers_running", NULL,
                               "Handlers executing right now", &srv->g_inflight)) != VX_OK ||
        (st = vx_metrics_gauge(srv->metrics, "vx_http_requests_suspended", NULL,
                               "Requests waiting for an asynchronous completion",
                               &srv->g_suspended)) != VX_OK ||
        (st = vx_metrics_gauge_fn(srv->metrics, "vx_sessions", NULL, "Sessions held in memory",
                                  gauge_sessions, srv->sessions)) != VX_OK ||
        (st = vx_metrics_counter(srv->metrics, "vx_http_async_forced_total", NULL,
                                 "Suspended requests answered 503 at shutdown",
                                 &srv->c_async_forced)) != VX_OK ||
        (st = vx_metrics_counter(srv->metrics, "vx_http_connections_refused_total", NULL,
                                 "Connections accepted but refused (the workers were full)",
                                 &srv->c_refused)) != VX_OK) {
        vx_err_set(err, st, "metrics registry: %s", vx_strerror(st));
        goto fail;
    }
    if ((st = routes_add(srv, http_builtin_routes, http_builtin_routes_n, NULL, err)) != VX_OK)
        goto fail;
    if (cfg->dev_login &&
        (st = routes_add(srv, http_dev_routes, http_dev_routes_n, NULL, err)) != VX_OK)
        goto fail;
    *out = srv;
    return VX_OK;
fail:
    vx_http_server_free(srv);
    return st;
}

enum vx_status vx_http_add_routes(struct vx_http_server *srv, const struct vx_route *table,
                                  size_t n, void *udata, struct vx_err *err)
{
    return routes_add(srv, table, n, udata, err);
}

enum vx_status vx_http_add_module(struct vx_http_server *srv, const struct vx_http_module *m,
                                  struct vx_err *err)
{
    if (srv->started)
        return vx_err_set(err, VX_ECONFLICT, "modules must be added before the server starts");
    if (srv->nhooks == MAX_HOOKS)
        return vx_err_set(err, VX_ENOMEM, "too many modules");
    void *udata = NULL;
    enum vx_status st = m->start ? m->start(srv, &udata, err) : VX_OK;
    if (st != VX_OK)
        return st;
    st = routes_add(srv, m->routes, m->n_routes, udata, err);
    if (st != VX_OK) {
        if (m->stop)
            m->stop(udata);
        return st;
    }
    if (m->stop)
        srv->hooks[srv->nhooks++] = (struct hook){m->stop, udata};
    return VX_OK;
}

enum vx_status vx_http_on_stop(struct vx_http_server *srv, void (*fn)(void *ctx), void *ctx)
{
    if (srv->started || srv->nhooks == MAX_HOOKS || !fn)
        return srv->started ? VX_ECONFLICT : VX_EINVAL;
    srv->hooks[srv->nhooks++] = (struct hook){fn, ctx};
    return VX_OK;
}

/* ---- the acceptor --------------------------------------------------------- */

static void *acceptor_main(void *arg)
{
    struct vx_http_server *srv = arg;
    pthread_setname_np(pthread_self(), "vx-http-accept");
    struct pollfd p[2] = {{.fd = srv->lsock, .events = POLLIN},
                          {.fd = srv->acc_stop, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error(srv, "acceptor: poll: %s", strerror(errno));
            return NULL;
        }
        if (p[1].revents)
            return NULL;
        for (;;) {
            struct sockaddr_storage ss;
            socklen_t len = sizeof ss;
            int fd =
                accept4(srv->lsock, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    log_error(srv, "acceptor: %s: new connections wait", strerror(errno));
                    poll(NULL, 0, 100); /* until some connection closes */
                }
                break; /* EAGAIN: all taken */
            }
            /* MHD closes the socket itself when it cannot take it */
            if (MHD_add_connection(srv->daemon, fd, (struct sockaddr *)&ss, len) != MHD_YES)
                vx_counter_inc(&srv->c_refused);
        }
    }
}

/* Our listening socket on `sa`: non-blocking, the port learnt when 0 was asked. */
static enum vx_status listen_on(struct vx_http_server *srv, const struct sockaddr *sa,
                                socklen_t salen, struct vx_err *err)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    union {
        struct sockaddr_storage ss;
        struct sockaddr_in a4;
        struct sockaddr_in6 a6;
    } got;
    socklen_t glen = sizeof got;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (sa->sa_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, sa, salen) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&got, &glen) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return vx_err_set(err, VX_EIO, "cannot listen on %s port %u: %s", srv->cfg.address,
                          (unsigned)srv->cfg.port, strerror(e));
    }
    srv->lsock = fd;
    srv->port = ntohs(sa->sa_family == AF_INET ? got.a4.sin_port : got.a6.sin6_port);
    return VX_OK;
}

static void stop_acceptor(struct vx_http_server *srv)
{
    if (srv->acceptor_started) {
        uint64_t one = 1;
        if (write(srv->acc_stop, &one, sizeof one) != sizeof one)
            log_error(srv, "acceptor: cannot signal the stop: %s", strerror(errno));
        pthread_join(srv->acceptor, NULL);
        srv->acceptor_started = false;
    }
    if (srv->acc_stop >= 0)
        close(srv->acc_stop);
    if (srv->lsock >= 0)
        close(srv->lsock);
    srv->acc_stop = srv->lsock = -1;
}

enum vx_status vx_http_server_start(struct vx_http_server *srv, struct vx_err *err)
{
    if (srv->started)
        return vx_err_set(err, VX_ECONFLICT, "already started");
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
    socklen_t salen;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, srv->cfg.address, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons(srv->cfg.port);
        sa = (struct sockaddr *)&a4;
        salen = sizeof a4;
    } else if (inet_pton(AF_INET6, srv->cfg.address, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(srv->cfg.port);
        sa = (struct sockaddr *)&a6;
        salen = sizeof a6;
        flags |= MHD_USE_IPv6;
    } else {
        return vx_err_set(err, VX_EINVAL, "not a numeric IP address: %s", srv->cfg.address);
    }
    if (!srv->cfg.quiet)
        flags |= MHD_USE_ERROR_LOG;
    enum vx_status rc = listen_on(srv, sa, salen, err);
    if (rc != VX_OK)
        return rc;
    srv->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)srv->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)4096, MHD_OPTION_END);
    if (!srv->daemon) {
        stop_acceptor(srv);
        return vx_err_set(err, VX_EIO, "cannot start the HTTP workers on %s port %u",
                          srv->cfg.address, (unsigned)srv->port);
    }
    srv->acc_stop = eventfd(0, EFD_CLOEXEC);
    if (srv->acc_stop < 0 || pthread_create(&srv->acceptor, NULL, acceptor_main, srv) != 0) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
        stop_acceptor(srv);
        return vx_err_set(err, VX_ENOMEM, "cannot start the acceptor thread");
    }
    srv->acceptor_started = true;
    srv->started = true;
    return VX_OK;
}

uint16_t vx_http_server_port(const struct vx_http_server *srv)
{
    return srv->port;
}

/* Answer every request still suspended with 503 (the module never completed it). */
static void force_suspended(struct vx_http_server *srv)
{
    for (;;) {
        pthread_mutex_lock(&srv->mu);
        struct vx_http_req *req = srv->susp_head;
        if (req)
            atomic_fetch_add(&req->refs, 1);
        pthread_mutex_unlock(&srv->mu);
        if (!req)
            return;
        pthread_mutex_lock(&req->mu);
        if (req->state == RS_SUSPENDED) {
            reply_problem(req, HP_STOPPING, NULL, NULL);
            req->state = RS_FORCED;
            susp_unlink(req);
            vx_counter_inc(&srv->c_async_forced);
            if (!req->conn_gone)
                MHD_resume_connection(req->conn);
        }
        pthread_mutex_unlock(&req->mu);
        req_unref(req);
    }
}

static void run_hooks(struct vx_http_server *srv)
{
    for (int i = srv->nhooks - 1; i >= 0; i--)
        srv->hooks[i].fn(srv->hooks[i].ctx);
    srv->nhooks = 0;
}

void vx_http_server_stop(struct vx_http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    if (!srv->started) {
        pthread_mutex_unlock(&srv->mu);
        run_hooks(srv); /* modules started, server never did */
        return;
    }
    if (srv->stopped || srv->stopping) {
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    srv->stopping = true;
    pthread_mutex_unlock(&srv->mu);
    stop_acceptor(srv); /* no new connections */

    pthread_mutex_lock(&srv->mu);
    while (srv->running > 0)
        pthread_cond_wait(&srv->cv, &srv->mu);
    pthread_mutex_unlock(&srv->mu);

    run_hooks(srv);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DRAIN_TIMEOUT_S;
    pthread_mutex_lock(&srv->mu);
    while (srv->suspended > 0 && pthread_cond_timedwait(&srv->cv, &srv->mu, &until) != ETIMEDOUT)
        ;
    bool left = srv->suspended > 0;
    pthread_mutex_unlock(&srv->mu);
    if (left) {
        log_error(srv, "answering %d uncompleted request(s) with 503", srv->suspended);
        force_suspended(srv);
    }
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    pthread_mutex_lock(&srv->mu);
    srv->stopped = true;
    pthread_mutex_unlock(&srv->mu);
}

void vx_http_server_free(struct vx_http_server *srv)
{
    if (!srv)
        return;
    vx_http_server_stop(srv);
    routes_free(srv);
    pool_release_all(&srv->pool);
    vx_session_store_free(srv->sessions);
    vx_metrics_free(srv->metrics);
    cJSON_Delete(srv->personas);
    free(srv->web_root);
    pthread_mutex_destroy(&srv->personas_mu);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

struct vx_metrics *vx_http_server_metrics(struct vx_http_server *srv)
{
    return srv->metrics;
}

struct vx_session_store *vx_http_server_sessions(struct vx_http_server *srv)
{
    return srv->sessions;
}

const struct vx_http_config *vx_http_server_config(const struct vx_http_server *srv)
{
    return &srv->cfg;
}
