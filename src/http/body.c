/*
 * body.c — JSON request bodies checked against the route's schema.
 *
 * The route table describes each body as a flat list of top-level fields (type,
 * required, maximum length, numeric range). Checking happens once, centrally,
 * before the handler runs, so handlers read fields without re-validating types:
 *
 *   not JSON at all          → 400 malformed-json, detail "line L, column C"
 *   not an object            → 422, field "" ("body must be a JSON object")
 *   a field missing / of the wrong type / too long / out of range / unknown
 *                            → 422 validation-failed, one errors[] entry per field
 *
 * All problems are collected (not only the first), so a form can mark every bad
 * field at once. Unknown fields are refused, which catches misspelt names that
 * would otherwise be silently ignored (the schema says additionalProperties:false).
 * String lengths are counted in Unicode code points, as JSON Schema's maxLength.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "http_int.h"

#define DEFAULT_MAX_STRING 256
#define DEFAULT_MAX_ITEMS  1000

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static const char *type_name(enum vx_json_type t)
{
    static const char *const names[] = {"string",  "integer", "number",
                                        "boolean", "object",  "array"};
    return (unsigned)t < VX_ARRAY_LEN(names) ? names[t] : "value";
}

static bool type_ok(enum vx_json_type t, const cJSON *v)
{
    switch (t) {
    case VX_JSON_STRING:
        return cJSON_IsString(v);
    case VX_JSON_INTEGER:
        return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
               v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9.0e15;
    case VX_JSON_NUMBER:
        return cJSON_IsNumber(v);
    case VX_JSON_BOOLEAN:
        return cJSON_IsBool(v);
    case VX_JSON_OBJECT:
        return cJSON_IsObject(v);
    case VX_JSON_ARRAY:
        return cJSON_IsArray(v);
    }
    return false;
}

/* Reason why value `v` does not fit field `f`, or NULL. */
static const char *check_value(const struct vx_http_field *f, const cJSON *v, char *buf, size_t len)
{
    if (!type_ok(f->type, v)) {
        snprintf(buf, len, "expected %s", type_name(f->type));
        return buf;
    }
    if (f->type == VX_JSON_STRING) {
        size_t max = f->max_len > 0 ? (size_t)f->max_len : DEFAULT_MAX_STRING;
        if (utf8_chars(v->valuestring) > max) {
            snprintf(buf, len, "longer than %zu characters", max);
            return buf;
        }
        if (f->required && !v->valuestring[0])
            return "must not be empty";
    } else if (f->type == VX_JSON_ARRAY) {
        int max = f->max_len > 0 ? f->max_len : DEFAULT_MAX_ITEMS;
        if (cJSON_GetArraySize(v) > max) {
            snprintf(buf, len, "more than %d items", max);
            return buf;
        }
    } else if ((f->type == VX_JSON_INTEGER || f->type == VX_JSON_NUMBER) && f->min < f->max &&
               (v->valuedouble < f->min || v->valuedouble > f->max)) {
        snprintf(buf, len, "outside %g..%g", f->min, f->max);
        return buf;
    }
    return NULL;
}

const char *field_check_text(const struct vx_http_field *f, const char *value, char *buf,
                             size_t len)
{
    if (f->type == VX_JSON_STRING) {
        size_t max = f->max_len > 0 ? (size_t)f->max_len : DEFAULT_MAX_STRING;
        if (utf8_chars(value) > max) {
            snprintf(buf, len, "longer than %zu characters", max);
            return buf;
        }
        return NULL;
    }
    if (f->type == VX_JSON_INTEGER || f->type == VX_JSON_NUMBER) {
        char *end;
        double d =
            f->type == VX_JSON_INTEGER ? (double)strtoll(value, &end, 10) : strtod(value, &end);
        if (!*value || *end || end == value) {
            snprintf(buf, len, "expected %s", type_name(f->type));
            return buf;
        }
        if (f->min < f->max && (d < f->min || d > f->max)) {
            snprintf(buf, len, "outside %g..%g", f->min, f->max);
            return buf;
        }
        return NULL;
    }
    if (f->type == VX_JSON_BOOLEAN) {
        if (strcmp(value, "true") && strcmp(value, "false"))
            return "expected true or false";
        return NULL;
    }
    return NULL;
}

/* Line and column (1-based) of byte offset `off` in data. */
static void position(const char *data, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static bool blank(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n')
            return false;
    return true;
}

enum vx_status body_validate(const struct vx_route *r, const char *data, size_t len, cJSON **out,
                             int *key, char *detail, size_t detail_len, cJSON **errors)
{
    *out = NULL;
    cJSON *root;
    if (!data || blank(data, len)) {
        root = cJSON_CreateObject(); /* no body = {}: required fields are reported below */
        if (!root)
            return VX_ENOMEM;
    } else {
        const char *end = NULL;
        root = cJSON_ParseWithLengthOpts(data, len, &end, false);
        if (root && end && !blank(end, len - (size_t)(end - data))) {
            cJSON_Delete(root);
            root = NULL;
        }
        if (!root) {
            /* cJSON reports the position through `end` (its global error pointer is
             * not thread-safe) */
            size_t off = len;
            if (end && end > data && end <= data + len)
                off = (size_t)(end - data);
            int line, col;
            position(data, len, off, &line, &col);
            *key = HP_BAD_JSON;
            snprintf(detail, detail_len, "JSON syntax error at line %d, column %d (byte %zu)", line,
                     col, off);
            return VX_EPARSE;
        }
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *key = HP_SCHEMA;
        snprintf(detail, detail_len, "the body must be a JSON object");
        problem_add_error(errors, "", "expected object");
        return VX_EINVAL;
    }
    char buf[96];
    int bad = 0;
    for (const struct vx_http_field *f = r->body; f < r->body + VX_HTTP_MAX_FIELDS && f->name;
         f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, f->name);
        const char *why = NULL;
        if (!v || cJSON_IsNull(v))
            why = f->required ? "required" : NULL;
        else
            why = check_value(f, v, buf, sizeof buf);
        if (why) {
            problem_add_error(errors, f->name, why);
            bad++;
        }
    }
    for (const cJSON *v = root->child; v; v = v->next) {
        bool known = false;
        for (const struct vx_http_field *f = r->body;
             f < r->body + VX_HTTP_MAX_FIELDS && f->name && !known; f++)
            known = v->string && !strcmp(v->string, f->name);
        if (!known) {
            problem_add_error(errors, v->string ? v->string : "", "unknown field");
            bad++;
        }
    }
    if (bad) {
        cJSON_Delete(root);
        *key = HP_SCHEMA;
        snprintf(detail, detail_len, "%d field%s not valid", bad, bad == 1 ? " is" : "s are");
        return VX_EINVAL;
    }
    *out = root;
    return VX_OK;
}
