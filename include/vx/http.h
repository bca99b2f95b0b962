/*
 * http.h — the HTTP server framework: routes, requests, problem+json, async replies.
 *
 * vaxchain's API runs on libmicrohttpd (an internal polling thread with a pool of
 * worker threads) and speaks JSON through cJSON. Everything a route is lives in ONE
 * table entry, `struct vx_route`: method, path pattern with {params}, handler,
 * allowed roles, the body schema (fields with JSON types, required flags and
 * length limits), query parameters and the texts for the OpenAPI document. The
 * same table drives dispatch, central authorisation, body validation and the
 * OpenAPI 3.1 document served at GET /api/openapi.json.
 *
 * Modules export their tables (e.g. `extern const struct vx_route vx_book_routes[];`
 * in a src/http/routes_<area>.c file) and the serve command registers each with
 * vx_http_add_routes(), together with an opaque `udata` (the booking engine, say)
 * that the handlers get back from vx_http_req_udata().
 *
 * A request runs through fixed steps before the handler sees it:
 *   route match (404 / 405 with Allow) → session from the `vx_session` cookie →
 *   role check (401 / 403, deny by default) → CSRF check on POST/PUT/PATCH/DELETE
 *   (header `X-Requested-With: vaxchain` or an Origin equal to the server's own) →
 *   body size (413) → JSON parse (400 with the position) → schema (422 naming the
 *   fields) → handler.
 * Every error is an RFC 9457 problem+json document; `enum vx_status` values map to
 * HTTP statuses through one table (docs/http.md).
 *
 * Handlers. `int handler(struct vx_http_req *req)` returns
 *   VX_OK           a reply was set with vx_http_reply_json()/..._text() (none: 204);
 *   a negative enum vx_status: answered as problem+json from the status table, with
 *                   the detail and field errors given by vx_http_problem*();
 *   VX_HTTP_ASYNC   the handler called vx_http_suspend() and handed `req` to another
 *                   thread, which will call vx_http_complete*() exactly once.
 *
 * Asynchronous replies (e.g. a booking answered after its group commit):
 *
 *     vx_http_suspend(req);                    // before req leaves this thread
 *     if (vx_book_submit(engine, &op, done_cb, req) != VX_OK)
 *         vx_http_complete_problem(req, VX_EBUSY, NULL, "queue full");
 *     return VX_HTTP_ASYNC;
 *     ...
 *     static void done_cb(void *arg, ...) {     // writer thread
 *         vx_http_complete(arg, 201, body);    // thread-safe, exactly once
 *     }
 *
 * vx_http_complete*() may run before the handler has returned (even inside it);
 * the framework then sends the reply without suspending the connection. The
 * request object stays valid until the completion, even if the client went away or
 * the server is stopping. Once completed, `req` must not be touched again.
 *
 * Per-request resources: a session snapshot (a copy), an arena freed with the
 * request, and a read store handle from a pool (one SQLite connection per
 * concurrent handler; handles are single-threaded, so the handle is valid only on
 * the handler's thread and only until it returns — never in an async callback).
 * The catalogue and rule table are shared read-only for the server's lifetime.
 */
#ifndef VX_HTTP_H
#define VX_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "vx/auth.h"
#include "vx/date.h"
#include "vx/status.h"

struct vx_store;
struct vx_catalog;
struct vx_elig_table;
struct vx_arena;
struct vx_metrics;
struct vx_http_server;
struct vx_http_req;

/* Handler result: the reply will come later from vx_http_complete*(). */
#define VX_HTTP_ASYNC 1

#define VX_HTTP_MAX_BODY_DEFAULT (64u * 1024u) /* bytes */
#define VX_HTTP_MAX_FIELDS       16            /* body fields per route */
#define VX_HTTP_MAX_QUERY        8             /* query parameters per route */
#define VX_HTTP_MAX_PARAMS       8             /* {path} parameters per route */
#define VX_HTTP_MAX_PARAM_LEN    128           /* bytes of one path parameter */

enum vx_http_method {
    VX_HTTP_GET = 1,
    VX_HTTP_POST = 2,
    VX_HTTP_PUT = 4,
    VX_HTTP_PATCH = 8,
    VX_HTTP_DELETE = 16
};

/* JSON types of body fields and parameters (OpenAPI/JSON Schema types). */
enum vx_json_type {
    VX_JSON_STRING = 0,
    VX_JSON_INTEGER, /* a JSON number without fraction (int64 range) */
    VX_JSON_NUMBER,
    VX_JSON_BOOLEAN,
    VX_JSON_OBJECT, /* contents not checked by the framework */
    VX_JSON_ARRAY   /* items not checked; max_len bounds the item count */
};

/* One top-level field of a JSON request body, or one query / path parameter. */
struct vx_http_field {
    const char *name; /* NULL ends the list */
    enum vx_json_type type;
    bool required;
    int max_len;         /* strings: characters; arrays: items; 0 = 256 chars / 1000 items */
    double min, max;     /* numbers: inclusive range when min < max */
    const char *desc;    /* one line for the OpenAPI document */
    const char *example; /* example value as JSON text, or NULL */
};

/* One entry of a route table. Use designated initialisers; unset fields are 0. */
struct vx_route {
    enum vx_http_method method;
    const char *path; /* "/api/v1/sites/{id}/availability": {name} matches one segment */
    int (*handler)(struct vx_http_req *req);
    uint32_t roles;      /* VX_ROLE_BIT()s or VX_ROLES_PUBLIC; 0 = closed to all */
    const char *tag;     /* OpenAPI tag ("session", "booking") */
    const char *summary; /* one line */
    const char *description;
    struct vx_http_field body[VX_HTTP_MAX_FIELDS];   /* request body fields (none: no body) */
    struct vx_http_field query[VX_HTTP_MAX_QUERY];   /* query parameters */
    struct vx_http_field params[VX_HTTP_MAX_PARAMS]; /* optional types/texts of {params} */
    int success;                                     /* success status for the document (0 = 200) */
    const char *response; /* description of the success response (NULL: "OK") */
    bool no_csrf;         /* state-changing route exempt from the CSRF check (webhooks) */
    bool raw_body;        /* handler reads the body itself (not JSON): no schema checks */
};

/* Server configuration. Strings and objects are borrowed for the server's life. */
struct vx_http_config {
    const char *address; /* numeric IPv4/IPv6 address to bind; NULL = "127.0.0.1" */
    uint16_t port;       /* 0 = any free port (see vx_http_server_port) */
    int threads;         /* worker threads; 0 = number of online CPUs */
    const char *db_path; /* SQLite database for the read-handle pool (required) */
    int store_handles;   /* most open read handles; 0 = threads + 2 */
    const char *web_dir; /* static files; NULL = none */
    bool dev_login;      /* enable POST /api/v1/session dev login and /api/v1/dev/... */
    bool secure_cookies; /* add `Secure` to the session cookie (behind TLS) */
    size_t max_body;     /* 0 = VX_HTTP_MAX_BODY_DEFAULT */
    int session_idle_s;  /* 0 = VX_SESSION_IDLE_S */
    int session_max_s;   /* 0 = VX_SESSION_MAX_S */
    vx_day today;        /* reference date for personnummer/ages; 0 = clock */
    const struct vx_catalog *catalog;  /* may be NULL */
    const struct vx_elig_table *rules; /* may be NULL */
    const char *data_dir; /* folder of the data files modules read at start (phase targets,
                           * ...); NULL = $VAXCHAIN_DATA_DIR, else the source tree's data/ */
    bool quiet;           /* no error log lines on stderr */
    int log_pages;        /* the pool's handles copy the log into the database file only
                           * when it holds this many pages (their own commits: logins'
                           * audit rows, ...); 0 = SQLite's 1,000. The booking engine's
                           * checkpointer does it long before (serve: VX_BOOK_WAL_PAGES),
                           * so a handler does not stall on a copy */
};

/* ------------------------------------------------------------- server */

/*
 * Create a server from `cfg` (borrowed; copied, the strings it points to must
 * outlive the server). Registers the built-in routes (healthz, metrics, openapi,
 * session, me, and with dev_login the dev routes). Nothing listens yet. On success
 * *out is owned by the caller (vx_http_server_free). Errors: VX_EINVAL (config),
 * VX_ESTORE (database cannot be opened), VX_ENOMEM; `err` says why.
 */
enum vx_status vx_http_server_new(const struct vx_http_config *cfg, struct vx_http_server **out,
                                  struct vx_err *err);

/*
 * Register `n` routes of `table` (borrowed: must outlive the server, usually a
 * static const array) with `udata` (borrowed, handed to their handlers). Only
 * before vx_http_server_start(). Checks every entry: path syntax, a handler, a
 * non-empty role set, fields; a method+path already registered is VX_EEXIST.
 * All or nothing.
 */
enum vx_status vx_http_add_routes(struct vx_http_server *srv, const struct vx_route *table,
                                  size_t n, void *udata, struct vx_err *err);

/*
 * Call `fn(ctx)` while the server stops: after new requests are refused and
 * running handlers have returned, before suspended requests are drained (so a
 * module stopping here can still complete its pending requests). Hooks run in
 * reverse order of registration. Only before start.
 */
enum vx_status vx_http_on_stop(struct vx_http_server *srv, void (*fn)(void *ctx), void *ctx);

/*
 * A module's HTTP face: its route table plus optional start/stop functions. A
 * route file (src/http/routes_<area>.c) exports one, e.g.
 *     const struct vx_http_module vx_book_http_module = {
 *         .name = "book", .routes = book_routes, .n_routes = 5,
 *         .start = book_start, .stop = book_stop};
 * and the serve command lists it in its module table.
 */
struct vx_http_module {
    const char *name;
    const struct vx_route *routes;
    size_t n_routes;
    /* Called by vx_http_add_module before the routes are registered; what it stores
     * in *udata is handed to the routes' handlers. May be NULL. The server's
     * configuration (db path, catalogue, rules) and metrics are available from srv. */
    enum vx_status (*start)(struct vx_http_server *srv, void **udata, struct vx_err *err);
    /* Stop hook (see vx_http_on_stop): complete pending requests, free udata. May be
     * NULL. Also runs when the server is freed without having been started. */
    void (*stop)(void *udata);
};

/* Start module `m` (borrowed, usually static), register its routes with the udata
 * from its start function and its stop hook. On failure nothing stays registered
 * and the module was stopped again. Only before vx_http_server_start(). */
enum vx_status vx_http_add_module(struct vx_http_server *srv, const struct vx_http_module *m,
                                  struct vx_err *err);

/* Start listening (MHD daemon with its thread pool). */
enum vx_status vx_http_server_start(struct vx_http_server *srv, struct vx_err *err);
/* The bound TCP port (after start; useful with port 0). */
uint16_t vx_http_server_port(const struct vx_http_server *srv);
/*
 * Stop: refuse new requests (503), wait for running handlers, run the stop hooks,
 * wait (up to 10 s) for suspended requests to be completed, then stop the daemon.
 * Idempotent; not from a handler.
 */
void vx_http_server_stop(struct vx_http_server *srv);
/* Stop if needed and free everything. NULL is fine. */
void vx_http_server_free(struct vx_http_server *srv);

/* The server's metrics registry (borrowed) for modules to register into. */
struct vx_metrics *vx_http_server_metrics(struct vx_http_server *srv);
/* The session store (borrowed). */
struct vx_session_store *vx_http_server_sessions(struct vx_http_server *srv);
/* The configuration as given (borrowed). */
const struct vx_http_config *vx_http_server_config(const struct vx_http_server *srv);
/* The OpenAPI 3.1 document of every registered route (owned by the caller). */
cJSON *vx_http_openapi(const struct vx_http_server *srv);
/*
 * The dev-login personas ({"persons": [...], "staff": [...]}, as GET
 * /api/v1/dev/personas returns; owned by the caller), for the serve command to
 * print. Only synthetic persons. Audited as "person.list" by `actor`.
 */
enum vx_status vx_http_dev_personas(struct vx_http_server *srv, const char *actor, cJSON **out);

/* ------------------------------------------------------------- request */

/* "GET", "POST", ... (borrowed, static). */
const char *vx_http_req_method(const struct vx_http_req *req);
/* The decoded request path (borrowed, valid during the request). */
const char *vx_http_req_path(const struct vx_http_req *req);
/* The matched route (borrowed). */
const struct vx_route *vx_http_req_route(const struct vx_http_req *req);
/* Value of path parameter {name}, or NULL. Borrowed, valid during the request. */
const char *vx_http_req_param(const struct vx_http_req *req, const char *name);
/* Value of query parameter `name`, or NULL. Handler thread only. */
const char *vx_http_req_query(struct vx_http_req *req, const char *name);
/* Value of request header `name` (case-insensitive), or NULL. Handler thread only. */
const char *vx_http_req_header(struct vx_http_req *req, const char *name);
/* The parsed and validated JSON body (an object), or NULL when the route has none.
 * Borrowed: owned by the request. */
const cJSON *vx_http_req_body(const struct vx_http_req *req);
/* The raw body bytes (routes with raw_body) and their length. Borrowed. */
const char *vx_http_req_raw_body(const struct vx_http_req *req, size_t *len);
/* A copy of the caller's session, or NULL when not signed in. Borrowed. */
const struct vx_session *vx_http_req_session(const struct vx_http_req *req);
/* Per-request arena (borrowed), freed when the request ends. */
struct vx_arena *vx_http_req_arena(struct vx_http_req *req);
/* The `udata` given with the route's table. */
void *vx_http_req_udata(const struct vx_http_req *req);
/* The server (borrowed). */
struct vx_http_server *vx_http_req_server(const struct vx_http_req *req);
/* Shortcuts to the server configuration's shared read-only data. */
const struct vx_catalog *vx_http_req_catalog(const struct vx_http_req *req);
const struct vx_elig_table *vx_http_req_rules(const struct vx_http_req *req);
/* The reference date (config.today or the Stockholm date now). */
vx_day vx_http_req_today(const struct vx_http_req *req);
/* "sv" or "en" from Accept-Language (sv unless English is preferred). */
const char *vx_http_req_lang(const struct vx_http_req *req);

/*
 * A read store handle from the pool for this request (borrowed; valid on this
 * thread until the handler returns, released by the framework). The first call
 * may block while every handle is busy. Returns VX_ESTORE when none can be opened.
 */
enum vx_status vx_http_req_store(struct vx_http_req *req, struct vx_store **out);

/* Replace the session after login/logout; `s` NULL = signed out. Sets the cookie. */
void vx_http_req_set_session(struct vx_http_req *req, const struct vx_session *s);

/* ------------------------------------------------------------- replies */

/* Set the reply: status and JSON body (ownership transferred; NULL = no body). */
enum vx_status vx_http_reply_json(struct vx_http_req *req, int status, cJSON *body);
/* Set a non-JSON reply; `data` is copied. */
enum vx_status vx_http_reply_text(struct vx_http_req *req, int status, const char *content_type,
                                  const char *data, size_t len);
/* Add a response header (both strings copied), e.g. Location. */
enum vx_status vx_http_set_header(struct vx_http_req *req, const char *name, const char *value);

/*
 * Describe the problem a handler is about to return: printf-style detail (shown to
 * the client; keep it free of person data). Returns `st` so a handler can write
 * `return vx_http_problem(req, VX_ENOTFOUND, "no booking %lld", id);`.
 */
enum vx_status vx_http_problem(struct vx_http_req *req, enum vx_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add {"field": field, "reason": reason} to the problem's errors array; returns st. */
enum vx_status vx_http_problem_field(struct vx_http_req *req, enum vx_status st, const char *field,
                                     const char *reason);

/* ------------------------------------------------------------- async */

/* Mark `req` as answered later; call before `req` is handed to another thread,
 * then return VX_HTTP_ASYNC. */
void vx_http_suspend(struct vx_http_req *req);
/*
 * Complete a suspended request from any thread: `status` and `body` (ownership
 * transferred, may be NULL). Exactly once per suspended request; afterwards `req`
 * is gone. Returns VX_OK, or VX_ECONFLICT when the request was not suspended or is
 * already completed (the body is then freed; a second call after the first has
 * freed the request is a bug that this cannot always detect).
 */
enum vx_status vx_http_complete(struct vx_http_req *req, int status, cJSON *body);
/*
 * As vx_http_complete(), but the JSON body is built by `build(ctx)` on the
 * connection's own thread when the reply is sent (NULL from it: 500). `ctx` is
 * malloc'd and owned by the request from this call on: freed with free() after
 * `build`, or unused when the client went away. Use it when the completing thread
 * is a shared one (the booking engine's sync thread answers whole batches): the
 * reply's allocations then stay on the thread that frees them.
 */
enum vx_status vx_http_complete_later(struct vx_http_req *req, int status,
                                      cJSON *(*build)(void *ctx), void *ctx);
/* As vx_http_complete() with a problem+json reply for `st`; `field` (may be NULL)
 * names the field at fault, `detail` (may be NULL) explains. */
enum vx_status vx_http_complete_problem(struct vx_http_req *req, enum vx_status st,
                                        const char *field, const char *detail);

/* ------------------------------------------------------------- helpers */

/* HTTP status for a vx_status (the status table): VX_EINVAL → 422, ... */
int vx_http_status_of(enum vx_status st);
/* Method name ("GET") of a method bit; static storage. */
const char *vx_http_method_name(enum vx_http_method m);

#endif
