/*
 * schema.c — a small JSON Schema validator driven by the DCC schema file.
 *
 * Rather than hard-coding the DCC rules, the validator interprets
 * DCC.combined-schema.json (draft 2020-12) itself, implementing the keywords that file
 * and its earlier releases use: type, required, properties, additionalProperties,
 * items, minItems, maxItems, minimum, maximum, minLength, maxLength, pattern, format
 * (date, date-time), enum, const, oneOf, anyOf, allOf and "$ref" into the same
 * document. The non-standard "valueset-uri" annotation is enforced as value-set
 * membership when the value-set file of that name was found at load time (the codes
 * are the keys of its "valueSetValues"; inactive codes still count, since a
 * certificate issued while a code was active stays valid). A new schema release is
 * therefore a data change, not a code change.
 *
 * Patterns are ECMAScript regular expressions in the schema; they are translated to
 * POSIX extended expressions (\d -> [0-9], \w, \s) and compiled once at load into a
 * table keyed by the schema node, so validation allocates nothing but error text.
 * Like JSON Schema, a pattern matches anywhere unless anchored.
 *
 * Unknown keywords are ignored (annotations such as title, description, examples).
 * On failure the first error is reported with a JSON-pointer path of the instance.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cert_int.h"

#define SCHEMA_MAX_BYTES (1024u * 1024u)
#define VALUESET_MAX     (4u * 1024u * 1024u)
#define MAX_PATTERNS     64
#define MAX_VALUESETS    32

struct pattern {
    const cJSON *node; /* the "pattern" string node */
    regex_t re;
};

struct valueset {
    char name[96];       /* file name, e.g. "country-2-codes.json" */
    cJSON *doc;          /* owned */
    const cJSON *values; /* "valueSetValues" inside doc */
};

struct vx_cert_schema {
    cJSON *root;
    struct pattern pats[MAX_PATTERNS];
    size_t npats;
    struct valueset sets[MAX_VALUESETS];
    size_t nsets;
};

void vx_cert_schema_free(struct vx_cert_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->npats; i++)
        regfree(&s->pats[i].re);
    for (size_t i = 0; i < s->nsets; i++)
        cJSON_Delete(s->sets[i].doc);
    cJSON_Delete(s->root);
    free(s);
}

/* ECMAScript -> POSIX ERE for the subset schema patterns use. */
static bool translate(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool in_class = false;
    for (const char *p = in; *p; p++) {
        const char *add = NULL;
        char one[3] = {0, 0, 0};
        if (*p == '\\' && p[1]) {
            p++;
            switch (*p) {
            case 'd':
                add = in_class ? "0-9" : "[0-9]";
                break;
            case 'w':
                add = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
                break;
            case 's':
                add = in_class ? "[:space:]" : "[[:space:]]";
                break;
            default:
                if (in_class) {
                    one[0] = *p;
                } else {
                    one[0] = '\\';
                    one[1] = *p;
                }
                add = one;
            }
        } else {
            if (*p == '[')
                in_class = true;
            else if (*p == ']')
                in_class = false;
            one[0] = *p;
            add = one;
        }
        size_t k = strlen(add);
        if (n + k + 1 > cap)
            return false;
        memcpy(out + n, add, k);
        n += k;
    }
    out[n] = '\0';
    return true;
}

static const char *base_name(const char *uri)
{
    const char *slash = strrchr(uri, '/');
    return slash ? slash + 1 : uri;
}

/* Walk the schema: compile patterns, note value-set files. */
static enum vx_status prepare(struct vx_cert_schema *s, const cJSON *node, const char *vs_dir,
                              int depth, struct vx_err *err)
{
    if (depth > 32)
        return vx_err_set(err, VX_EPARSE, "schema nested too deep");
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (c->string && strcmp(c->string, "pattern") == 0 && cJSON_IsString(c) &&
            cJSON_IsObject(node)) {
            if (s->npats == MAX_PATTERNS)
                return vx_err_set(err, VX_ENOMEM, "schema: too many patterns");
            char ere[512];
            struct pattern *p = &s->pats[s->npats];
            if (!translate(c->valuestring, ere, sizeof ere) ||
                regcomp(&p->re, ere, REG_EXTENDED | REG_NOSUB) != 0)
                return vx_err_set(err, VX_EPARSE, "schema: pattern '%s' not supported",
                                  c->valuestring);
            p->node = c;
            s->npats++;
        } else if (c->string && strcmp(c->string, "valueset-uri") == 0 && cJSON_IsString(c) &&
                   vs_dir) {
            const char *name = base_name(c->valuestring);
            bool known = false;
            for (size_t i = 0; i < s->nsets; i++)
                known = known || strcmp(s->sets[i].name, name) == 0;
            if (known || strlen(name) >= sizeof s->sets[0].name)
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", vs_dir, name);
            struct vx_buf b;
            vx_buf_init(&b, VALUESET_MAX);
            enum vx_status rs = cert_read_file(path, &b, err);
            if (rs == VX_EIO) { /* not shipped (test-manf.json): that set stays unchecked */
                vx_buf_release(&b);
                continue;
            }
            cJSON *doc = rs == VX_OK ? cJSON_ParseWithLength(b.data, b.len) : NULL;
            vx_buf_release(&b);
            const cJSON *vals = cJSON_GetObjectItemCaseSensitive(doc, "valueSetValues");
            if (!cJSON_IsObject(vals)) {
                cJSON_Delete(doc);
                return vx_err_set(err, VX_EPARSE, "%s: not a value-set file", path);
            }
            if (s->nsets == MAX_VALUESETS) {
                cJSON_Delete(doc);
                return vx_err_set(err, VX_ENOMEM, "schema: too many value sets");
            }
            struct valueset *v = &s->sets[s->nsets++];
            snprintf(v->name, sizeof v->name, "%s", name);
            v->doc = doc;
            v->values = vals;
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            enum vx_status st = prepare(s, c, vs_dir, depth + 1, err);
            if (st)
                return st;
        }
    }
    return VX_OK;
}

static enum vx_status schema_make(const char *text, const char *vs_dir, struct vx_cert_schema **out,
                                  struct vx_err *err)
{
    *out = NULL;
    struct vx_cert_schema *s = calloc(1, sizeof *s);
    if (!s)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    s->root = cJSON_Parse(text);
    if (!cJSON_IsObject(s->root)) {
        vx_cert_schema_free(s);
        return vx_err_set(err, VX_EPARSE, "schema is not a JSON object");
    }
    enum vx_status st = prepare(s, s->root, vs_dir, 0, err);
    if (st) {
        vx_cert_schema_free(s);
        return st;
    }
    *out = s;
    return VX_OK;
}

enum vx_status vx_cert_schema_parse(const char *text, struct vx_cert_schema **out,
                                    struct vx_err *err)
{
    return schema_make(text, NULL, out, err);
}

enum vx_status vx_cert_schema_load(const char *schema_path, const char *valueset_dir,
                                   struct vx_cert_schema **out, struct vx_err *err)
{
    *out = NULL;
    struct vx_buf b;
    vx_buf_init(&b, SCHEMA_MAX_BYTES);
    enum vx_status st = cert_read_file(schema_path, &b, err);
    if (!st)
        st = schema_make(b.data, valueset_dir, out, err);
    vx_buf_release(&b);
    return st;
}

/* ---------------------------------------------------------------- validate */

struct vctx {
    const struct vx_cert_schema *s;
    struct vx_err *err; /* NULL while probing oneOf/anyOf branches */
    int depth;
};

static bool bad(struct vctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool bad(struct vctx *c, const char *path, const char *fmt, ...)
{
    if (c->err) {
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        vx_err_set(c->err, VX_EINVAL, "%s: %s", path[0] ? path : "/", what);
    }
    return false;
}

static const cJSON *resolve(const struct vx_cert_schema *s, const char *ref)
{
    if (ref[0] != '#')
        return NULL;
    const cJSON *node = s->root;
    const char *p = ref + 1;
    while (*p == '/' && node) {
        p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char key[128];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, key);
        p += n;
    }
    return *p ? NULL : node;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool is_integer(const cJSON *j)
{
    return cJSON_IsNumber(j) && j->valuedouble == floor(j->valuedouble) &&
           fabs(j->valuedouble) < 9007199254740992.0;
}

static bool type_is(const cJSON *inst, const char *t)
{
    if (strcmp(t, "string") == 0)
        return cJSON_IsString(inst);
    if (strcmp(t, "integer") == 0)
        return is_integer(inst);
    if (strcmp(t, "number") == 0)
        return cJSON_IsNumber(inst);
    if (strcmp(t, "object") == 0)
        return cJSON_IsObject(inst);
    if (strcmp(t, "array") == 0)
        return cJSON_IsArray(inst);
    if (strcmp(t, "boolean") == 0)
        return cJSON_IsBool(inst);
    if (strcmp(t, "null") == 0)
        return cJSON_IsNull(inst);
    return false;
}

static bool format_ok(const char *fmt, const char *v)
{
    if (strcmp(fmt, "date") == 0) {
        vx_day d;
        return vx_day_parse(v, &d) == VX_OK;
    }
    if (strcmp(fmt, "date-time") == 0) {
        vx_time t;
        return cert_time_parse(v, &t, NULL);
    }
    return true; /* formats not asserted */
}

static bool validate(struct vctx *c, const cJSON *sch, const cJSON *inst, char *path, size_t plen);

static bool sub(struct vctx *c, const cJSON *sch, const cJSON *inst, char *path, size_t plen,
                const char *seg)
{
    size_t cap = 256;
    snprintf(path + plen, cap - plen, "/%s", seg);
    bool ok = validate(c, sch, inst, path, strlen(path));
    path[plen] = '\0';
    return ok;
}

/* Count of branches of `list` the instance satisfies (probing silently). */
static int count_matches(struct vctx *c, const cJSON *list, const cJSON *inst, char *path,
                         size_t plen)
{
    struct vctx quiet = {.s = c->s, .err = NULL, .depth = c->depth};
    int n = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, list)
    {
        n += validate(&quiet, b, inst, path, plen);
        path[plen] = '\0';
    }
    return n;
}

static bool value_in_set(struct vctx *c, const char *uri, const cJSON *inst, const char *path)
{
    if (!cJSON_IsString(inst))
        return true; /* the type keyword reports it */
    const char *name = base_name(uri);
    for (size_t i = 0; i < c->s->nsets; i++) {
        if (strcmp(c->s->sets[i].name, name) != 0)
            continue;
        if (cJSON_GetObjectItemCaseSensitive(c->s->sets[i].values, inst->valuestring))
            return true;
        return bad(c, path, "'%s' is not in value set %s", inst->valuestring, name);
    }
    return true;
}

static bool validate(struct vctx *c, const cJSON *sch, const cJSON *inst, char *path, size_t plen)
{
    if (!cJSON_IsObject(sch))
        return true; /* true/false schemas are not used by the DCC */
    if (++c->depth > 48) {
        c->depth--;
        return bad(c, path, "schema recursion too deep");
    }
    bool ok = false;
    const cJSON *k;

    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "$ref")) && cJSON_IsString(k)) {
        const cJSON *target = resolve(c->s, k->valuestring);
        if (!target) {
            bad(c, path, "schema reference %s not found", k->valuestring);
            goto out;
        }
        if (!validate(c, target, inst, path, plen))
            goto out;
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "type"))) {
        bool any = false;
        if (cJSON_IsString(k)) {
            any = type_is(inst, k->valuestring);
        } else if (cJSON_IsArray(k)) {
            const cJSON *t;
            cJSON_ArrayForEach(t, k) any =
                any || (cJSON_IsString(t) && type_is(inst, t->valuestring));
        }
        if (!any) {
            bad(c, path, "must be of type %s",
                cJSON_IsString(k) ? k->valuestring : "(one of the listed types)");
            goto out;
        }
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "enum")) && cJSON_IsArray(k)) {
        bool found = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, k) found = found || cJSON_Compare(e, inst, true);
        if (!found) {
            bad(c, path, "value not allowed (enum)");
            goto out;
        }
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "const")) && !cJSON_Compare(k, inst, true)) {
        bad(c, path, "value differs from the required constant");
        goto out;
    }
    if (cJSON_IsString(inst)) {
        const char *v = inst->valuestring;
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "maxLength")) && cJSON_IsNumber(k) &&
            utf8_len(v) > (size_t)k->valuedouble) {
            bad(c, path, "longer than %d characters", k->valueint);
            goto out;
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "minLength")) && cJSON_IsNumber(k) &&
            utf8_len(v) < (size_t)k->valuedouble) {
            bad(c, path, "shorter than %d characters", k->valueint);
            goto out;
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "pattern")) && cJSON_IsString(k)) {
            for (size_t i = 0; i < c->s->npats; i++) {
                if (c->s->pats[i].node == k && regexec(&c->s->pats[i].re, v, 0, NULL, 0) != 0) {
                    bad(c, path, "'%.60s' does not match %s", v, k->valuestring);
                    goto out;
                }
            }
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "format")) && cJSON_IsString(k) &&
            !format_ok(k->valuestring, v)) {
            bad(c, path, "'%.60s' is not a valid %s", v, k->valuestring);
            goto out;
        }
    }
    if (cJSON_IsNumber(inst)) {
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "minimum")) && cJSON_IsNumber(k) &&
            inst->valuedouble < k->valuedouble) {
            bad(c, path, "%g is below the minimum %g", inst->valuedouble, k->valuedouble);
            goto out;
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "maximum")) && cJSON_IsNumber(k) &&
            inst->valuedouble > k->valuedouble) {
            bad(c, path, "%g is above the maximum %g", inst->valuedouble, k->valuedouble);
            goto out;
        }
    }
    if (cJSON_IsArray(inst)) {
        int n = cJSON_GetArraySize(inst);
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "minItems")) && cJSON_IsNumber(k) &&
            n < k->valueint) {
            bad(c, path, "needs at least %d item(s), has %d", k->valueint, n);
            goto out;
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "maxItems")) && cJSON_IsNumber(k) &&
            n > k->valueint) {
            bad(c, path, "allows at most %d item(s), has %d", k->valueint, n);
            goto out;
        }
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "items")) && cJSON_IsObject(k)) {
            for (int i = 0; i < n; i++) {
                char seg[16];
                snprintf(seg, sizeof seg, "%d", i);
                if (!sub(c, k, cJSON_GetArrayItem(inst, i), path, plen, seg))
                    goto out;
            }
        }
    }
    if (cJSON_IsObject(inst)) {
        if ((k = cJSON_GetObjectItemCaseSensitive(sch, "required")) && cJSON_IsArray(k)) {
            const cJSON *r;
            cJSON_ArrayForEach(r, k)
            {
                if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(inst, r->valuestring)) {
                    bad(c, path, "required field '%s' is missing", r->valuestring);
                    goto out;
                }
            }
        }
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(sch, "properties");
        const cJSON *addl = cJSON_GetObjectItemCaseSensitive(sch, "additionalProperties");
        const cJSON *m;
        cJSON_ArrayForEach(m, inst)
        {
            const cJSON *ps = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
            if (ps) {
                if (!sub(c, ps, m, path, plen, m->string))
                    goto out;
            } else if (cJSON_IsFalse(addl)) {
                bad(c, path, "field '%s' is not allowed", m->string);
                goto out;
            } else if (cJSON_IsObject(addl) && !sub(c, addl, m, path, plen, m->string)) {
                goto out;
            }
        }
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "allOf")) && cJSON_IsArray(k)) {
        const cJSON *b;
        cJSON_ArrayForEach(b, k) if (!validate(c, b, inst, path, plen)) goto out;
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "anyOf")) && cJSON_IsArray(k) &&
        count_matches(c, k, inst, path, plen) == 0) {
        bad(c, path, "matches none of the alternatives (anyOf)");
        goto out;
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "oneOf")) && cJSON_IsArray(k)) {
        int n = count_matches(c, k, inst, path, plen);
        if (n != 1) {
            bad(c, path, "matches %d of the alternatives, exactly one required (oneOf)", n);
            goto out;
        }
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(sch, "valueset-uri")) && cJSON_IsString(k) &&
        !value_in_set(c, k->valuestring, inst, path))
        goto out;
    ok = true;
out:
    c->depth--;
    return ok;
}

enum vx_status vx_cert_schema_validate(const struct vx_cert_schema *s, const cJSON *dcc,
                                       struct vx_err *err)
{
    if (!s || !cJSON_IsObject(dcc))
        return vx_err_set(err, VX_EINVAL, "/: the DCC must be a JSON object");
    int kinds = 0;
    static const char *const groups[] = {"v", "t", "r"};
    for (size_t i = 0; i < VX_ARRAY_LEN(groups); i++)
        kinds += cJSON_GetObjectItemCaseSensitive(dcc, groups[i]) != NULL;
    if (kinds != 1)
        return vx_err_set(err, VX_EINVAL, "/: must hold exactly one of v, t, r (holds %d)", kinds);
    char path[256] = "";
    struct vctx c = {.s = s, .err = err, .depth = 0};
    return validate(&c, s->root, dcc, path, 0) ? VX_OK : VX_EINVAL;
}
