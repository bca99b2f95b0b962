/*
 * routes.c — the route index: registration, matching and per-route metrics.
 *
 * Route tables are borrowed static arrays; registering one copies nothing but
 * the path, split once into segments so that matching a request is a walk over
 * '/'-separated segments with no allocation except for {param} values (from the
 * request's arena). A linear scan is fast enough for the ~100 routes the API will
 * have; literal segments compare with memcmp.
 *
 * Registration validates each entry so that a bad table fails at start-up, not on
 * the first request: the path starts with '/', params are whole segments named
 * [a-z0-9_], a handler is set, the role set is not empty (deny by default needs a
 * decision per route), body fields are named, and method+pattern is unique.
 *
 * Every route owns a `struct route_metrics`: request counters per status code and
 * a latency histogram, all atomics, rendered by routes_render_metrics() as
 * vx_http_requests_total{method,route,code} and vx_http_request_duration_seconds.
 */
#include <stdlib.h>
#include <string.h>
#include "http_int.h"

const int http_code_slots[N_CODE_SLOTS - 1] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405,
                                               409, 413, 415, 422, 429, 500, 501, 503, 504};

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

void route_metrics_init(struct route_metrics *m)
{
    for (int i = 0; i < N_CODE_SLOTS; i++)
        atomic_init(&m->by_code[i].v, 0);
    vx_histogram_init(&m->latency, latency_bounds, (int)VX_ARRAY_LEN(latency_bounds));
}

void route_metrics_record(struct route_metrics *m, int status, double seconds)
{
    int slot = N_CODE_SLOTS - 1;
    for (int i = 0; i < N_CODE_SLOTS - 1; i++)
        if (http_code_slots[i] == status)
            slot = i;
    vx_counter_inc(&m->by_code[slot]);
    vx_histogram_observe(&m->latency, seconds);
}

static bool param_name_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Split r->path into e's segments; false with a reason on bad syntax. */
static bool split(struct route_ent *e, const char *path, const char **why)
{
    if (!path || path[0] != '/') {
        *why = "path must start with '/'";
        return false;
    }
    e->segbuf = strdup(path + 1);
    if (!e->segbuf) {
        *why = "out of memory";
        return false;
    }
    e->nseg = 0;
    if (!e->segbuf[0])
        return true; /* "/" */
    for (char *p = e->segbuf; p;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        size_t n = strlen(p);
        if (e->nseg == MAX_SEGMENTS || n == 0) {
            *why = n == 0 ? "empty path segment" : "too many path segments";
            return false;
        }
        bool param = p[0] == '{';
        if (param && (n < 3 || p[n - 1] != '}' || !param_name_ok(p + 1, n - 2))) {
            *why = "bad {param} segment";
            return false;
        }
        if (!param && (strchr(p, '{') || strchr(p, '}'))) {
            *why = "braces inside a literal segment";
            return false;
        }
        if (param) {
            p[n - 1] = '\0';
            p++;
        }
        e->is_param[e->nseg] = param;
        e->seg[e->nseg++] = p;
        p = slash ? slash + 1 : NULL;
    }
    return true;
}

static bool same_pattern(const struct route_ent *a, const struct route_ent *b)
{
    if (a->nseg != b->nseg)
        return false;
    for (int i = 0; i < a->nseg; i++) {
        if (a->is_param[i] != b->is_param[i])
            return false;
        if (!a->is_param[i] && strcmp(a->seg[i], b->seg[i]))
            return false;
    }
    return true;
}

static const char *check_fields(const struct vx_http_field *f, int max)
{
    for (int i = 0; i < max && f[i].name; i++) {
        if (!f[i].name[0])
            return "empty field name";
        if ((unsigned)f[i].type > VX_JSON_ARRAY)
            return "bad field type";
        for (int j = 0; j < i; j++)
            if (!strcmp(f[i].name, f[j].name))
                return "duplicate field name";
    }
    return NULL;
}

static void ent_release(struct route_ent *e)
{
    free(e->segbuf);
    free(e->m);
    memset(e, 0, sizeof *e);
}

enum vx_status routes_add(struct vx_http_server *srv, const struct vx_route *table, size_t n,
                          void *udata, struct vx_err *err)
{
    if (srv->started)
        return vx_err_set(err, VX_ECONFLICT, "routes must be added before the server starts");
    if (srv->nroutes + n > (size_t)srv->caproutes) {
        size_t cap = (size_t)srv->caproutes * 2 + n + 16;
        struct route_ent *re = realloc(srv->routes, cap * sizeof *re);
        if (!re)
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        srv->routes = re;
        srv->caproutes = (int)cap;
    }
    int base = srv->nroutes;
    enum vx_status st = VX_OK;
    for (size_t i = 0; i < n && st == VX_OK; i++) {
        const struct vx_route *r = &table[i];
        struct route_ent *e = &srv->routes[base + (int)i];
        memset(e, 0, sizeof *e);
        const char *why = NULL;
        bool dup = false;
        if (split(e, r->path, &why)) {
            if (!vx_http_method_name(r->method)[0])
                why = "bad method";
            else if (!r->handler)
                why = "no handler";
            else if (!r->roles)
                why = "no roles: list who may call it (deny by default)";
            else if (!(why = check_fields(r->body, VX_HTTP_MAX_FIELDS)) &&
                     !(why = check_fields(r->query, VX_HTTP_MAX_QUERY)))
                why = check_fields(r->params, VX_HTTP_MAX_PARAMS);
        }
        if (!why) {
            for (int j = 0; j < base + (int)i; j++)
                if (srv->routes[j].r->method == r->method && same_pattern(&srv->routes[j], e)) {
                    why = "method and path registered twice";
                    dup = true;
                }
        }
        if (!why && !(e->m = malloc(sizeof *e->m)))
            why = "out of memory";
        if (why) {
            st = vx_err_set(err, dup ? VX_EEXIST : VX_EINVAL, "route %s %s: %s",
                            vx_http_method_name(r->method), r->path ? r->path : "(null)", why);
            ent_release(e);
            for (size_t k = 0; k < i; k++)
                ent_release(&srv->routes[base + (int)k]);
            return st;
        }
        route_metrics_init(e->m);
        e->r = r;
        e->udata = udata;
    }
    srv->nroutes += (int)n;
    return VX_OK;
}

void routes_free(struct vx_http_server *srv)
{
    for (int i = 0; i < srv->nroutes; i++)
        ent_release(&srv->routes[i]);
    free(srv->routes);
    srv->routes = NULL;
    srv->nroutes = srv->caproutes = 0;
}

const struct route_ent *routes_match(struct vx_http_server *srv, enum vx_http_method m,
                                     const char *path, struct vx_arena *a, const char **vals,
                                     unsigned *allow)
{
    const char *segs[MAX_SEGMENTS];
    size_t lens[MAX_SEGMENTS];
    int nseg = 0;
    *allow = 0;
    if (path[0] != '/')
        return NULL;
    const char *p = path + 1;
    if (*p) {
        for (;;) {
            const char *slash = strchr(p, '/');
            size_t n = slash ? (size_t)(slash - p) : strlen(p);
            if (nseg == MAX_SEGMENTS)
                return NULL;
            segs[nseg] = p;
            lens[nseg++] = n;
            if (!slash)
                break;
            p = slash + 1;
        }
    }
    const struct route_ent *hit = NULL;
    for (int i = 0; i < srv->nroutes; i++) {
        const struct route_ent *e = &srv->routes[i];
        if (e->nseg != nseg)
            continue;
        bool ok = true;
        for (int s = 0; s < nseg && ok; s++) {
            if (e->is_param[s])
                ok = lens[s] > 0 && lens[s] <= VX_HTTP_MAX_PARAM_LEN;
            else
                ok = strlen(e->seg[s]) == lens[s] && !memcmp(e->seg[s], segs[s], lens[s]);
        }
        if (!ok)
            continue;
        *allow |= (unsigned)e->r->method;
        if (e->r->method == m && !hit)
            hit = e;
    }
    if (!hit)
        return NULL;
    for (int s = 0; s < nseg; s++) {
        vals[s] = NULL;
        if (hit->is_param[s] && !(vals[s] = vx_arena_strndup(a, segs[s], lens[s])))
            return NULL;
    }
    return hit;
}

static enum vx_status render_family(struct vx_buf *out, struct vx_http_server *srv, bool counts)
{
    enum vx_status st = VX_OK;
    char labels[320];
    for (int i = -2; i < srv->nroutes && st == VX_OK; i++) {
        struct route_metrics *m;
        const char *method, *route;
        if (i == -2) {
            m = &srv->static_m;
            method = "GET";
            route = "static";
        } else if (i == -1) {
            m = &srv->other_m;
            method = "";
            route = "unmatched";
        } else {
            m = srv->routes[i].m;
            method = vx_http_method_name(srv->routes[i].r->method);
            route = srv->routes[i].r->path;
        }
        if (!counts) {
            if (!atomic_load(&m->latency.count))
                continue;
            snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\"", method, route);
            st = vx_metrics_render_histogram(out, "vx_http_request_duration_seconds", labels,
                                             &m->latency);
            continue;
        }
        for (int c = 0; c < N_CODE_SLOTS && st == VX_OK; c++) {
            uint64_t v = vx_counter_get(&m->by_code[c]);
            if (!v)
                continue;
            char code[8];
            if (c < N_CODE_SLOTS - 1)
                snprintf(code, sizeof code, "%d", http_code_slots[c]);
            else
                snprintf(code, sizeof code, "other");
            st = vx_buf_printf(out,
                               "vx_http_requests_total{method=\"%s\",route=\"%s\",code=\"%s\"} "
                               "%llu\n",
                               method, route, code, (unsigned long long)v);
        }
    }
    return st;
}

enum vx_status routes_render_metrics(void *ctx, struct vx_buf *out)
{
    struct vx_http_server *srv = ctx;
    enum vx_status st = vx_buf_puts(out, "# HELP vx_http_requests_total HTTP requests answered, "
                                         "by route pattern and status code\n"
                                         "# TYPE vx_http_requests_total counter\n");
    if (st == VX_OK)
        st = render_family(out, srv, true);
    if (st == VX_OK)
        st = vx_buf_puts(out, "# HELP vx_http_request_duration_seconds Time from the request "
                              "head to the queued reply\n"
                              "# TYPE vx_http_request_duration_seconds histogram\n");
    if (st == VX_OK)
        st = render_family(out, srv, false);
    return st;
}
