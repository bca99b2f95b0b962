/*
 * openapi.c — the OpenAPI 3.1 document, generated from the route table.
 *
 * Nothing here is written by hand per route: each registered `struct vx_route`
 * becomes one operation with its summary, tag, path and query parameters, request
 * body schema (fields, types, maxLength/maxItems, ranges, required list,
 * additionalProperties: false — exactly what body.c enforces), the roles that may
 * call it (x-vaxchain-roles, and the cookie security scheme unless public), the
 * success response and the problem responses the framework can produce for it.
 * So the document cannot drift from what the server does.
 *
 * The problem types themselves (slug, status, title) are listed from problem.c's
 * table under components.schemas.Problem's x-vaxchain-problem-types.
 */
#include <ctype.h>
#include <string.h>
#include "http_int.h"

static const char *json_type(enum vx_json_type t)
{
    static const char *const names[] = {"string",  "integer", "number",
                                        "boolean", "object",  "array"};
    return (unsigned)t < VX_ARRAY_LEN(names) ? names[t] : "string";
}

static cJSON *field_schema(const struct vx_http_field *f, bool param)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", json_type(f->type));
    if (f->type == VX_JSON_STRING)
        cJSON_AddNumberToObject(
            s, "maxLength", f->max_len > 0 ? f->max_len : (param ? VX_HTTP_MAX_PARAM_LEN : 256));
    if (f->type == VX_JSON_ARRAY)
        cJSON_AddNumberToObject(s, "maxItems", f->max_len > 0 ? f->max_len : 1000);
    if ((f->type == VX_JSON_INTEGER || f->type == VX_JSON_NUMBER) && f->min < f->max) {
        cJSON_AddNumberToObject(s, "minimum", f->min);
        cJSON_AddNumberToObject(s, "maximum", f->max);
    }
    if (f->type == VX_JSON_STRING && f->required && !param)
        cJSON_AddNumberToObject(s, "minLength", 1);
    if (f->desc)
        cJSON_AddStringToObject(s, "description", f->desc);
    if (f->example) {
        cJSON *ex = cJSON_Parse(f->example);
        if (ex) {
            cJSON *arr = cJSON_AddArrayToObject(s, "examples");
            cJSON_AddItemToArray(arr, ex);
        }
    }
    return s;
}

static void add_param(cJSON *params, const struct vx_http_field *f, const char *in, bool required)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", f->name);
    cJSON_AddStringToObject(p, "in", in);
    cJSON_AddBoolToObject(p, "required", required);
    if (f->desc)
        cJSON_AddStringToObject(p, "description", f->desc);
    cJSON_AddItemToObject(p, "schema", field_schema(f, true));
    cJSON_AddItemToArray(params, p);
}

static void operation_id(const struct route_ent *e, char *buf, size_t len)
{
    size_t used = 0;
    const char *m = vx_http_method_name(e->r->method);
    for (; *m && used + 1 < len; m++)
        buf[used++] = (char)tolower((unsigned char)*m);
    for (int i = 0; i < e->nseg; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", e->is_param[i] ? "_by_" : "_", e->seg[i]);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    buf[used < len ? used : len - 1] = '\0';
    for (char *p = buf; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
}

static void add_problem(cJSON *responses, int status)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    if (cJSON_GetObjectItemCaseSensitive(responses, code))
        return;
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "$ref", "#/components/responses/Problem");
    cJSON_AddItemToObject(responses, code, ref);
}

static cJSON *operation(const struct route_ent *e)
{
    const struct vx_route *r = e->r;
    cJSON *op = cJSON_CreateObject();
    char id[160], roles[200];
    operation_id(e, id, sizeof id);
    cJSON_AddStringToObject(op, "operationId", id);
    if (r->summary)
        cJSON_AddStringToObject(op, "summary", r->summary);
    if (r->description)
        cJSON_AddStringToObject(op, "description", r->description);
    cJSON *tags = cJSON_AddArrayToObject(op, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString(r->tag ? r->tag : "default"));

    cJSON *params = cJSON_CreateArray();
    for (int i = 0; i < e->nseg; i++) {
        if (!e->is_param[i])
            continue;
        struct vx_http_field f = {.name = e->seg[i], .type = VX_JSON_STRING};
        for (int k = 0; k < VX_HTTP_MAX_PARAMS && r->params[k].name; k++)
            if (!strcmp(r->params[k].name, e->seg[i]))
                f = r->params[k];
        add_param(params, &f, "path", true);
    }
    for (int k = 0; k < VX_HTTP_MAX_QUERY && r->query[k].name; k++)
        add_param(params, &r->query[k], "query", r->query[k].required);
    if (cJSON_GetArraySize(params))
        cJSON_AddItemToObject(op, "parameters", params);
    else
        cJSON_Delete(params);

    bool body = r->body[0].name != NULL && !r->raw_body;
    if (body) {
        cJSON *schema = cJSON_CreateObject();
        cJSON_AddStringToObject(schema, "type", "object");
        cJSON_AddBoolToObject(schema, "additionalProperties", false);
        cJSON *props = cJSON_AddObjectToObject(schema, "properties");
        cJSON *req = cJSON_CreateArray();
        for (int k = 0; k < VX_HTTP_MAX_FIELDS && r->body[k].name; k++) {
            cJSON_AddItemToObject(props, r->body[k].name, field_schema(&r->body[k], false));
            if (r->body[k].required)
                cJSON_AddItemToArray(req, cJSON_CreateString(r->body[k].name));
        }
        if (cJSON_GetArraySize(req))
            cJSON_AddItemToObject(schema, "required", req);
        else
            cJSON_Delete(req);
        cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
        cJSON_AddBoolToObject(rb, "required", true);
        cJSON *content = cJSON_AddObjectToObject(rb, "content");
        cJSON *mt = cJSON_AddObjectToObject(content, "application/json");
        cJSON_AddItemToObject(mt, "schema", schema);
    }

    cJSON *responses = cJSON_AddObjectToObject(op, "responses");
    char code[8];
    int success = r->success ? r->success : 200;
    snprintf(code, sizeof code, "%d", success);
    cJSON *ok = cJSON_AddObjectToObject(responses, code);
    cJSON_AddStringToObject(ok, "description", r->response ? r->response : "OK");
    if (success != 204) {
        bool text = !strcmp(r->path, "/metrics");
        cJSON *content = cJSON_AddObjectToObject(ok, "content");
        cJSON *mt = cJSON_AddObjectToObject(content, text ? "text/plain" : "application/json");
        cJSON *schema = cJSON_AddObjectToObject(mt, "schema");
        cJSON_AddStringToObject(schema, "type", text ? "string" : "object");
    }
    if (body) {
        add_problem(responses, 400);
        add_problem(responses, 413);
        add_problem(responses, 415);
        add_problem(responses, 422);
    }
    if (!(r->roles & VX_ROLES_PUBLIC)) {
        add_problem(responses, 401);
        add_problem(responses, 403);
    } else if (r->method != VX_HTTP_GET) {
        add_problem(responses, 403); /* CSRF */
    }
    if (r->query[0].name || r->params[0].name)
        add_problem(responses, 422);
    add_problem(responses, 404);
    add_problem(responses, 500);
    add_problem(responses, 503);

    cJSON *sec = cJSON_AddArrayToObject(op, "security");
    if (!(r->roles & VX_ROLES_PUBLIC)) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddItemToObject(req, "session", cJSON_CreateArray());
        cJSON_AddItemToArray(sec, req);
    }
    cJSON *xr = cJSON_AddArrayToObject(op, "x-vaxchain-roles");
    vx_roles_format(r->roles, roles, sizeof roles);
    for (char *p = roles, *comma; *p; p = comma + 2) {
        comma = strstr(p, ", ");
        if (comma)
            *comma = '\0';
        cJSON_AddItemToArray(xr, cJSON_CreateString(p));
        if (!comma)
            break;
    }
    return op;
}

static void add_problem_type(void *ctx, int key, int http, const char *slug, const char *title)
{
    cJSON *o = cJSON_CreateObject();
    char type[80];
    snprintf(type, sizeof type, "/problems/%s", slug);
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "status", http);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddItemToArray(ctx, o);
}

static cJSON *problem_schema(void)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "object");
    cJSON_AddStringToObject(s, "description", "RFC 9457 problem details");
    cJSON *req = cJSON_AddArrayToObject(s, "required");
    cJSON_AddItemToArray(req, cJSON_CreateString("type"));
    cJSON_AddItemToArray(req, cJSON_CreateString("title"));
    cJSON_AddItemToArray(req, cJSON_CreateString("status"));
    cJSON *p = cJSON_AddObjectToObject(s, "properties");
    cJSON *t = cJSON_AddObjectToObject(p, "type");
    cJSON_AddStringToObject(t, "type", "string");
    cJSON_AddStringToObject(t, "format", "uri-reference");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "title"), "type", "string");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "status"), "type", "integer");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "detail"), "type", "string");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "instance"), "type", "string");
    cJSON *errs = cJSON_AddObjectToObject(p, "errors");
    cJSON_AddStringToObject(errs, "type", "array");
    cJSON *item = cJSON_AddObjectToObject(errs, "items");
    cJSON_AddStringToObject(item, "type", "object");
    cJSON *ip = cJSON_AddObjectToObject(item, "properties");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(ip, "field"), "type", "string");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(ip, "reason"), "type", "string");
    cJSON *types = cJSON_AddArrayToObject(s, "x-vaxchain-problem-types");
    problem_foreach(add_problem_type, types);
    return s;
}

cJSON *vx_http_openapi(const struct vx_http_server *srv)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "openapi", "3.1.0");
    cJSON *info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", "vaxchain API");
    cJSON_AddStringToObject(info, "version", "1");
    cJSON_AddStringToObject(info, "description",
                            "Vaccination campaign API. Errors are RFC 9457 problem+json. "
                            "State-changing requests need the header X-Requested-With: vaxchain "
                            "(or a same-origin Origin).");
    cJSON *servers = cJSON_AddArrayToObject(doc, "servers");
    cJSON *s0 = cJSON_CreateObject();
    cJSON_AddStringToObject(s0, "url", "/");
    cJSON_AddItemToArray(servers, s0);
    cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
    for (int i = 0; i < srv->nroutes; i++) {
        const struct route_ent *e = &srv->routes[i];
        cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, e->r->path);
        if (!item)
            item = cJSON_AddObjectToObject(paths, e->r->path);
        char m[8];
        const char *name = vx_http_method_name(e->r->method);
        size_t k = 0;
        for (; name[k] && k + 1 < sizeof m; k++)
            m[k] = (char)tolower((unsigned char)name[k]);
        m[k] = '\0';
        cJSON_AddItemToObject(item, m, operation(e));
    }
    cJSON *comp = cJSON_AddObjectToObject(doc, "components");
    cJSON *schemes = cJSON_AddObjectToObject(comp, "securitySchemes");
    cJSON *sess = cJSON_AddObjectToObject(schemes, "session");
    cJSON_AddStringToObject(sess, "type", "apiKey");
    cJSON_AddStringToObject(sess, "in", "cookie");
    cJSON_AddStringToObject(sess, "name", VX_SESSION_COOKIE);
    cJSON *schemas = cJSON_AddObjectToObject(comp, "schemas");
    cJSON_AddItemToObject(schemas, "Problem", problem_schema());
    cJSON *responses = cJSON_AddObjectToObject(comp, "responses");
    cJSON *pr = cJSON_AddObjectToObject(responses, "Problem");
    cJSON_AddStringToObject(pr, "description", "An error, as problem+json");
    cJSON *content = cJSON_AddObjectToObject(pr, "content");
    cJSON *mt = cJSON_AddObjectToObject(content, "application/problem+json");
    cJSON *schema = cJSON_AddObjectToObject(mt, "schema");
    cJSON_AddStringToObject(schema, "$ref", "#/components/schemas/Problem");
    return doc;
}
