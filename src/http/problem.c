/*
 * problem.c — the one table from errors to HTTP statuses and RFC 9457 problems.
 *
 * Every error answer of the API is a problem+json document built here:
 *   {"type": "/problems/<slug>", "title": ..., "status": ..., "detail": ...,
 *    "instance": "<request path>", "errors": [{"field": ..., "reason": ...}]}
 * The table has one row per `enum vx_status` (what a handler or module returns)
 * and one per framework condition that has no vx_status of its own (no route,
 * wrong method, body too large, ...). Titles exist in Swedish and English; the
 * request's Accept-Language picks one (Swedish by default). `type` is a relative
 * URI, resolved against the API's own origin, and listed in docs/http.md.
 *
 * Server errors (5xx) never carry internal messages to the client: the caller
 * passes a generic detail and logs the real one.
 */
#include <string.h>
#include "http_int.h"

struct problem_row {
    int key; /* enum vx_status (<= 0) or enum http_problem */
    int http;
    const char *slug;
    const char *title[2]; /* sv, en */
};

static const struct problem_row rows[] = {
    {VX_EINVAL, 422, "invalid-input", {"Ogiltiga uppgifter", "Invalid input"}},
    {VX_ENOMEM, 503, "resources-exhausted", {"Resurserna räcker inte", "Resources exhausted"}},
    {VX_EIO, 500, "io-error", {"In- eller utmatningsfel", "Input/output error"}},
    {VX_ENOTFOUND, 404, "not-found", {"Hittades inte", "Not found"}},
    {VX_EEXIST, 409, "already-exists", {"Finns redan", "Already exists"}},
    {VX_ESTORE,
     503,
     "storage-unavailable",
     {"Databasen är inte tillgänglig", "Storage unavailable"}},
    {VX_ECONFLICT, 409, "conflict", {"Går inte just nu", "Conflict with the current state"}},
    {VX_EDENIED, 403, "forbidden", {"Åtkomst nekad", "Forbidden"}},
    {VX_ERANGE, 422, "out-of-range", {"Värdet är utanför tillåtet intervall", "Out of range"}},
    {VX_EPARSE, 400, "malformed", {"Felaktigt formaterad begäran", "Malformed request"}},
    {VX_EBUSY, 503, "busy", {"Upptaget, försök igen strax", "Busy, try again shortly"}},
    {VX_EINTERNAL, 500, "internal-error", {"Internt fel", "Internal error"}},
    {HP_NO_ROUTE, 404, "no-such-resource", {"Sidan finns inte", "No such resource"}},
    {HP_METHOD, 405, "method-not-allowed", {"Metoden stöds inte", "Method not allowed"}},
    {HP_TOO_LARGE, 413, "body-too-large", {"För stor begäran", "Request body too large"}},
    {HP_MEDIA_TYPE, 415, "unsupported-media-type", {"Fel innehållstyp", "Unsupported media type"}},
    {HP_UNAUTHENTICATED, 401, "unauthenticated", {"Du är inte inloggad", "Not signed in"}},
    {HP_CSRF, 403, "csrf", {"Begäran saknar skydd mot förfalskning", "Cross-site request refused"}},
    {HP_STOPPING, 503, "shutting-down", {"Tjänsten stängs av", "Server is shutting down"}},
    {HP_BAD_JSON, 400, "malformed-json", {"Felaktig JSON", "Malformed JSON"}},
    {HP_SCHEMA, 422, "validation-failed", {"Uppgifterna är inte giltiga", "Validation failed"}},
};

static const struct problem_row *row_of(int key)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(rows); i++)
        if (rows[i].key == key)
            return &rows[i];
    return key == VX_EINTERNAL ? &rows[0] : row_of(VX_EINTERNAL); /* unknown: a bug */
}

int problem_http_status(int key)
{
    return row_of(key)->http;
}

int vx_http_status_of(enum vx_status st)
{
    return st == VX_OK ? 200 : problem_http_status(st);
}

void problem_add_error(cJSON **errors, const char *field, const char *reason)
{
    if (!*errors)
        *errors = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    if (!*errors || !e) {
        cJSON_Delete(e);
        return;
    }
    cJSON_AddStringToObject(e, "field", field ? field : "");
    cJSON_AddStringToObject(e, "reason", reason ? reason : "");
    cJSON_AddItemToArray(*errors, e);
}

cJSON *problem_json(int key, int lang, const char *detail, const char *instance, cJSON *errors)
{
    const struct problem_row *r = row_of(key);
    cJSON *p = cJSON_CreateObject();
    if (!p) {
        cJSON_Delete(errors);
        return NULL;
    }
    char type[80];
    snprintf(type, sizeof type, "/problems/%s", r->slug);
    cJSON_AddStringToObject(p, "type", type);
    cJSON_AddStringToObject(p, "title", r->title[lang ? 1 : 0]);
    cJSON_AddNumberToObject(p, "status", r->http);
    if (detail && *detail)
        cJSON_AddStringToObject(p, "detail", detail);
    if (instance)
        cJSON_AddStringToObject(p, "instance", instance);
    if (errors)
        cJSON_AddItemToObject(p, "errors", errors);
    return p;
}

void problem_foreach(void (*fn)(void *ctx, int key, int http, const char *slug, const char *title),
                     void *ctx)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(rows); i++)
        fn(ctx, rows[i].key, rows[i].http, rows[i].slug, rows[i].title[1]);
}
