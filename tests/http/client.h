/*
 * client.h — the libcurl client the in-process HTTP tests share (included by each
 * tests/http/test_*.c, which are separate executables, hence static functions).
 *
 * A test sets `base` ("http://127.0.0.1:PORT") after starting its server, then calls
 * req_full()/req(): the whole answer comes back in a `struct resp` (status, body,
 * raw headers, the body parsed as JSON when it is JSON). Bodies grow up to 16 MiB.
 * fixture.h builds the common test scaffolding (server, login, checks) on top of it.
 */
#ifndef VX_TEST_HTTP_CLIENT_H
#define VX_TEST_HTTP_CLIENT_H

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESP_BODY_MAX (16u << 20)

static char base[64]; /* "http://127.0.0.1:PORT", set by the test's setup */

struct resp {
    long status;
    char *body; /* owned, NUL-terminated ("" when empty) */
    size_t len, cap;
    char headers[8192];
    size_t hlen;
    cJSON *json; /* the body as JSON, or NULL */
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t k = size * n;
    if (r->len + k + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + k + 1)
            cap *= 2;
        char *b = cap <= RESP_BODY_MAX ? realloc(r->body, cap) : NULL;
        if (!b)
            return 0; /* curl fails the transfer */
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t k = size * n, room = sizeof r->headers - 1 - r->hlen;
    memcpy(r->headers + r->hlen, p, k < room ? k : room);
    r->hlen += k < room ? k : room;
    r->headers[r->hlen] = '\0';
    return size * n;
}

/* Value of response header `name` (case-insensitive) copied to buf, or NULL. */
__attribute__((unused)) static const char *header(const struct resp *r, const char *name, char *buf,
                                                  size_t len)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; *line;) {
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        if (!strncasecmp(line, name, n) && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(eol - v);
            if (vl >= len)
                vl = len - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        line = eol + 2;
    }
    return NULL;
}

/*
 * One request on handle `c` (NULL: a new one). `hdrs` are extra header lines
 * (NULL-terminated list, may be NULL; NULL entries before the end are not allowed);
 * POST/PUT/PATCH/DELETE get X-Requested-With unless `no_xrw`; a body is sent as JSON
 * unless `hdrs` name a Content-Type.
 */
static struct resp *req_full(CURL *c, const char *method, const char *path, const char *body,
                             const char *const *hdrs, bool no_xrw)
{
    struct resp *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", base, path);
    bool own = !c;
    if (own)
        c = curl_easy_init();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    struct curl_slist *sl = NULL;
    bool own_ct = false;
    for (int i = 0; hdrs && hdrs[i]; i++)
        own_ct |= !strncasecmp(hdrs[i], "Content-Type:", 13);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        if (!own_ct)
            sl = curl_slist_append(sl, "Content-Type: application/json");
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD") && !no_xrw)
        sl = curl_slist_append(sl, "X-Requested-With: vaxchain");
    for (int i = 0; hdrs && hdrs[i]; i++)
        sl = curl_slist_append(sl, hdrs[i]);
    sl = curl_slist_append(sl, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK)
        fprintf(stderr, "curl %s %s: %s\n", method, path, curl_easy_strerror(cc));
    assert_int_equal(cc, CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(sl);
    if (own)
        curl_easy_cleanup(c);
    if (!r->body) {
        r->body = calloc(1, 1);
        assert_non_null(r->body);
    }
    r->json = cJSON_ParseWithLength(r->body, r->len);
    return r;
}

/* req_full() on a new handle with X-Requested-With. */
__attribute__((unused)) static struct resp *req(const char *method, const char *path,
                                                const char *body, const char *const *hdrs)
{
    return req_full(NULL, method, path, body, hdrs, false);
}

static void resp_free(struct resp *r)
{
    if (!r)
        return;
    cJSON_Delete(r->json);
    free(r->body);
    free(r);
}

__attribute__((unused)) static const cJSON *jget(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

#endif
