/*
 * http_int.h — private structures of the HTTP server (src/http only).
 *
 * The public API (vx/http.h) hands out opaque `struct vx_http_server` and
 * `struct vx_http_req`; their layouts, the route index, the store pool, the
 * problem table and the static-file server share this header.
 */
#ifndef VX_HTTP_INT_H
#define VX_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <microhttpd.h>
#include "vx/arena.h"
#include "vx/auth.h"
#include "vx/buf.h"
#include "vx/http.h"
#include "vx/metrics.h"

#define MAX_SEGMENTS 16
#define MAX_HOOKS    16

/* Status codes counted per route; the last slot counts the rest. */
#define N_CODE_SLOTS 20
extern const int http_code_slots[N_CODE_SLOTS - 1];

struct route_metrics {
    struct vx_counter by_code[N_CODE_SLOTS];
    struct vx_histogram latency;
};

/* One registered route with its pre-split path. */
struct route_ent {
    const struct vx_route *r;
    void *udata;
    char *segbuf; /* owned copy of the path, NUL between segments */
    int nseg;
    const char *seg[MAX_SEGMENTS];
    bool is_param[MAX_SEGMENTS];
    struct route_metrics *m; /* owned */
};

/* A small pool of read store handles (SQLite handles are single-threaded). */
struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *path;
    struct vx_store **free_h; /* idle handles */
    int nfree, nopen, max;
    int log_pages; /* checkpoint_every of new handles; 0 = the store's default */
};

enum vx_status pool_init(struct store_pool *p, const char *path, int max, int log_pages);
void pool_release_all(struct store_pool *p);
enum vx_status pool_get(struct store_pool *p, struct vx_store **out);
void pool_put(struct store_pool *p, struct vx_store *st);

struct hook {
    void (*fn)(void *ctx);
    void *ctx;
};

struct vx_http_server {
    struct vx_http_config cfg;
    struct MHD_Daemon *daemon;
    uint16_t port;
    int lsock;    /* our listening socket (the acceptor's), -1 when closed */
    int acc_stop; /* eventfd that stops the acceptor */
    pthread_t acceptor;
    bool acceptor_started;
    struct route_ent *routes;
    int nroutes, caproutes;
    struct hook hooks[MAX_HOOKS];
    int nhooks;
    struct vx_session_store *sessions;
    struct vx_metrics *metrics;
    struct store_pool pool;
    struct route_metrics static_m, other_m;
    char *web_root; /* realpath of cfg.web_dir, or NULL */

    pthread_mutex_t mu; /* guards the fields below; lock order: req->mu before srv->mu */
    pthread_cond_t cv;
    int running;                   /* handlers executing now */
    int suspended;                 /* requests suspended, waiting for completion */
    struct vx_http_req *susp_head; /* list of suspended requests */
    bool stopping, started, stopped;

    struct vx_gauge g_inflight, g_suspended;
    struct vx_counter c_async_forced;
    struct vx_counter c_refused; /* connections MHD could not take (at its limit) */

    pthread_mutex_t personas_mu;
    cJSON *personas; /* cached dev personas (owned) */
};

/* Async life of a request (see server.c). */
enum req_state {
    RS_SYNC = 0,  /* handler running, not suspended */
    RS_ASYNC,     /* vx_http_suspend called, handler still running */
    RS_SUSPENDED, /* connection suspended, waiting for vx_http_complete */
    RS_EARLY,     /* completed before the handler returned */
    RS_DONE,      /* completed and resumed: reply ready to send */
    RS_FORCED     /* server stopped it with 503; the async reference is still held */
};

struct header {
    struct header *next;
    char *name, *value;
};

struct vx_http_req {
    /* Small fields together at the end: the struct stays within glibc's per-thread
     * cache of small blocks (1,032 bytes; one per request; above it every request's
     * calloc went through the arena's slow path and consolidated its fast bins). */
    struct vx_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    char *path; /* owned */
    const struct route_ent *re;
    const char *param_val[MAX_SEGMENTS]; /* arena strings, by segment index */
    struct vx_buf body;
    size_t discarded; /* bytes dropped beyond the body limit */
    cJSON *json;
    struct vx_session session;
    struct vx_arena arena;
    struct vx_store *store;
    double t0;

    /* reply */
    cJSON *reply_json;
    char *reply_ints;                 /* owned: the text of reply_json's integers (server.c) */
    cJSON *(*reply_build)(void *ctx); /* builds reply_json at send time (complete_later) */
    void *reply_ctx;                  /* owned: free() */
    char *reply_data;
    size_t reply_len;
    char *reply_ctype;
    struct header *headers;

    /* problem details set by handlers */
    char detail[256];
    cJSON *perrors;

    /* async */
    pthread_mutex_t mu;
    struct vx_http_req *susp_prev, *susp_next;
    atomic_int refs;
    enum req_state state;

    enum vx_http_method mbit;
    enum vx_status pst;
    int status;
    int lang;  /* 0 sv, 1 en */
    bool head; /* HEAD request (served like GET without body) */
    bool too_large;
    bool answered; /* a response was queued */
    bool has_session, session_changed;
    bool conn_gone;
};

/* ---- problem.c */
/* Framework problems that are not a vx_status. */
enum http_problem {
    HP_NO_ROUTE = 1000,
    HP_METHOD,
    HP_TOO_LARGE,
    HP_MEDIA_TYPE,
    HP_UNAUTHENTICATED,
    HP_CSRF,
    HP_STOPPING,
    HP_BAD_JSON,
    HP_SCHEMA
};
/* HTTP status of a problem key (vx_status or HP_*). */
int problem_http_status(int key);
/* A problem+json document (owned by the caller). `detail`, `instance` may be NULL;
 * `errors` (an array) is transferred, may be NULL. */
cJSON *problem_json(int key, int lang, const char *detail, const char *instance, cJSON *errors);
/* Append {"field","reason"} to *errors (created when NULL). */
void problem_add_error(cJSON **errors, const char *field, const char *reason);
/* Every problem row, for the OpenAPI document: calls fn for each. */
void problem_foreach(void (*fn)(void *ctx, int key, int http, const char *slug, const char *title),
                     void *ctx);

/* ---- body.c */
/* Parse and check the request body against the route's schema. On failure fills
 * *key (HP_BAD_JSON / HP_SCHEMA / HP_MEDIA_TYPE), detail and *errors. */
enum vx_status body_validate(const struct vx_route *r, const char *data, size_t len, cJSON **out,
                             int *key, char *detail, size_t detail_len, cJSON **errors);
/* Check one query or path parameter value against its field description. NULL
 * reason means good. */
const char *field_check_text(const struct vx_http_field *f, const char *value, char *buf,
                             size_t len);

/* ---- routes.c */
enum vx_status routes_add(struct vx_http_server *srv, const struct vx_route *table, size_t n,
                          void *udata, struct vx_err *err);
void routes_free(struct vx_http_server *srv);
/* Find the route for method+path. On a match returns it and fills param values
 * (arena strings). Else NULL and *allow = the methods the path supports (0: none). */
const struct route_ent *routes_match(struct vx_http_server *srv, enum vx_http_method m,
                                     const char *path, struct vx_arena *a, const char **vals,
                                     unsigned *allow);
/* Render the per-route request metrics (collector). */
enum vx_status routes_render_metrics(void *ctx, struct vx_buf *out);
void route_metrics_init(struct route_metrics *m);
void route_metrics_record(struct route_metrics *m, int status, double seconds);

/* ---- static.c */
/* Is `path` served from the web folder (not /api, /fhir, /metrics, /healthz)? */
bool static_path(const char *path);
/* Answer a GET/HEAD for a static file: queues a response on `conn`. Returns the
 * HTTP status sent, or 0 when no response could be queued. */
int static_serve(struct vx_http_server *srv, struct vx_http_req *req);
/* Headers every response gets (CSP, nosniff, ...). */
void add_security_headers(struct MHD_Response *resp);

/* ---- builtin.c */
extern const struct vx_route http_builtin_routes[];
extern const size_t http_builtin_routes_n;
extern const struct vx_route http_dev_routes[];
extern const size_t http_dev_routes_n;

/* ---- server.c */
double http_now(void);
/* Queue `resp` with status; records metrics and frees resp. */
enum MHD_Result http_queue(struct vx_http_req *req, unsigned status, struct MHD_Response *resp);
/* Queue a problem reply for key right away (framework checks). */
enum MHD_Result http_queue_problem(struct vx_http_req *req, int key, const char *detail,
                                   cJSON *errors, const char *allow);

#endif
