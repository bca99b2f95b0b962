/*
 * static.c — the web UI's static files, served safely.
 *
 * Every path outside /api, /fhir, /metrics and /healthz is a file below the web
 * folder. The path is checked segment by segment first (MHD has already decoded
 * %-escapes, so "%2e%2e" arrives as ".."): no "." or ".." segments, no hidden
 * files, no backslashes or control characters, no empty segments. Then the
 * candidate is resolved with realpath() and must still lie inside the web folder's
 * own realpath, which also defeats symlinks that point outside; it is opened with
 * O_NOFOLLOW and must be a regular file. A directory means its index.html.
 *
 * Responses carry a content type from the extension table, an ETag built from
 * size and mtime (If-None-Match → 304), and Cache-Control: HTML must be
 * revalidated on every load ("no-cache"), other assets may be cached an hour.
 * Every response of the server, static or API, gets the security headers
 * (Content-Security-Policy without inline scripts, nosniff, no framing, no
 * referrer).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "http_int.h"

static const char *const api_prefixes[] = {"/api", "/fhir", "/metrics", "/healthz"};

bool static_path(const char *path)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(api_prefixes); i++) {
        size_t n = strlen(api_prefixes[i]);
        if (!strncmp(path, api_prefixes[i], n) && (path[n] == '\0' || path[n] == '/'))
            return false;
    }
    return true;
}

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < VX_ARRAY_LEN(types); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* Segment-wise check of a decoded URL path. */
static bool safe_relative(const char *path)
{
    if (path[0] != '/')
        return false;
    const char *p = path + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 && slash) /* "//" */
            return false;
        if (n > 0 && p[0] == '.') /* ".", "..", hidden files */
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == 0x7f)
                return false;
        if (!slash)
            break;
        p = slash + 1;
    }
    return true;
}

static int queue_problem_status(struct vx_http_req *req, int key, const char *detail)
{
    http_queue_problem(req, key, detail, NULL, NULL);
    return problem_http_status(key);
}

int static_serve(struct vx_http_server *srv, struct vx_http_req *req)
{
    const char *path = req->path;
    if (!srv->web_root || !safe_relative(path) || strlen(path) > 1024)
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    char cand[PATH_MAX + 32];
    size_t plen = strlen(path);
    bool dir = path[plen - 1] == '/';
    if ((size_t)snprintf(cand, sizeof cand, "%s%s%s", srv->web_root, path,
                         dir ? "index.html" : "") >= sizeof cand)
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    char real[PATH_MAX];
    struct stat sb;
    if (!realpath(cand, real))
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    if (stat(real, &sb) == 0 && S_ISDIR(sb.st_mode) && !dir) {
        /* "/docs" → "/docs/index.html" */
        if ((size_t)snprintf(cand, sizeof cand, "%s/index.html", real) >= sizeof cand ||
            !realpath(cand, real))
            return queue_problem_status(req, HP_NO_ROUTE, NULL);
    }
    size_t rl = strlen(srv->web_root);
    if (strncmp(real, srv->web_root, rl) || real[rl] != '/')
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return queue_problem_status(req, HP_NO_ROUTE, NULL);
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtime);
    const char *inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *resp;
    unsigned status = MHD_HTTP_OK;
    if (inm && strstr(inm, etag)) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        resp = MHD_create_response_from_fd((size_t)sb.st_size, fd); /* takes fd */
        if (!resp)
            close(fd);
    }
    if (!resp)
        return 0;
    const char *ct = content_type(real);
    MHD_add_response_header(resp, "Content-Type", ct);
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control",
                            !strncmp(ct, "text/html", 9) ? "no-cache" : "public, max-age=3600");
    http_queue(req, status, resp);
    return (int)status;
}
