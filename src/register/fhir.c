/*
 * fhir.c — FHIR R4 Immunization: parse, emit, compare, build from a dose, Bundle.
 *
 * Parsing goes through cJSON into `struct vx_fhir_immunization` (register.h), one
 * small function per datatype (Coding, CodeableConcept, Identifier, Reference,
 * Quantity, Annotation, the backbone elements performer / education / reaction /
 * protocolApplied). Every function names the members it models in a `known` list;
 * all other members of that object are kept, as compact JSON text, in the struct's
 * `extra` and written back unchanged when emitting. So extensions, meta, contained
 * resources and elements this code does not model survive a round trip, while the
 * modelled elements are type-checked (a string must be a string, a positiveInt a
 * positive integer, status a code of the R4 value set) and errors name the JSON path.
 *
 * Duplicate member names are refused: JSON leaves them undefined and a round trip
 * could not keep them. Objects are limited to VX_FHIR_MAX_MEMBERS members.
 *
 * Emission writes the members in the StructureDefinition's element order and then the
 * extras. vx_fhir_json_equal() compares two JSON texts as trees (objects unordered,
 * arrays ordered, numbers by value) and names the first difference.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "register_int.h"

#define VX_FHIR_MAX_MEMBERS 1000

struct pctx {
    struct vx_arena *a;
    struct vx_err *err;
    char path[512];
    size_t plen;
};

/* --- path bookkeeping ---------------------------------------------------------------- */

static size_t path_push(struct pctx *p, const char *key, int idx)
{
    size_t old = p->plen;
    int n = idx >= 0 ? snprintf(p->path + p->plen, sizeof p->path - p->plen, "%s%s[%d]",
                                p->plen && *key ? "." : "", key, idx)
                     : snprintf(p->path + p->plen, sizeof p->path - p->plen, "%s%s",
                                p->plen ? "." : "", key);
    if (n > 0)
        p->plen = p->plen + (size_t)n < sizeof p->path ? p->plen + (size_t)n : sizeof p->path - 1;
    return old;
}

static void path_pop(struct pctx *p, size_t old)
{
    p->plen = old;
    p->path[old] = '\0';
}

static enum vx_status fail(struct pctx *p, const char *key, const char *what)
{
    return vx_err_set(p->err, VX_EPARSE, "%s%s%s: %s", p->path, p->plen && key ? "." : "",
                      key ? key : "", what);
}

/* --- member readers ------------------------------------------------------------------ */

static enum vx_status get_str(struct pctx *p, const cJSON *o, const char *key, const char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!it)
        return VX_OK;
    if (!cJSON_IsString(it) || !it->valuestring)
        return fail(p, key, "expected a string");
    *out = vx_arena_strdup(p->a, it->valuestring);
    return *out ? VX_OK : vx_err_set(p->err, VX_ENOMEM, "out of memory");
}

static enum vx_status get_bool(struct pctx *p, const cJSON *o, const char *key, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = -1;
    if (!it)
        return VX_OK;
    if (!cJSON_IsBool(it))
        return fail(p, key, "expected true or false");
    *out = cJSON_IsTrue(it) ? 1 : 0;
    return VX_OK;
}

static enum vx_status get_pint(struct pctx *p, const cJSON *o, const char *key, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = 0;
    if (!it)
        return VX_OK;
    if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 2147483647.0 ||
        floor(it->valuedouble) != it->valuedouble)
        return fail(p, key, "expected a positive integer");
    *out = (int)it->valuedouble;
    return VX_OK;
}

/* Members of `o` not in `known` (NULL-terminated) as compact JSON text, or NULL. Also
 * refuses duplicates and non-objects. */
static enum vx_status rest(struct pctx *p, const cJSON *o, const char *const *known,
                           const char **extra)
{
    *extra = NULL;
    if (!cJSON_IsObject(o))
        return fail(p, NULL, "expected an object");
    cJSON *ex = NULL;
    size_t count = 0;
    enum vx_status st = VX_OK;
    for (const cJSON *c = o->child; c; c = c->next, count++) {
        if (count >= VX_FHIR_MAX_MEMBERS) {
            st = fail(p, NULL, "too many members");
            break;
        }
        if (!c->string) {
            st = fail(p, NULL, "member without a name");
            break;
        }
        for (const cJSON *d = o->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                st = fail(p, c->string, "duplicate member");
                goto out;
            }
        bool is_known = false;
        for (const char *const *k = known; *k && !is_known; k++)
            is_known = strcmp(*k, c->string) == 0;
        if (is_known)
            continue;
        if (!ex && !(ex = cJSON_CreateObject())) {
            st = vx_err_set(p->err, VX_ENOMEM, "out of memory");
            break;
        }
        cJSON *dup = cJSON_Duplicate(c, true);
        if (!dup || !cJSON_AddItemToObject(ex, c->string, dup)) {
            cJSON_Delete(dup);
            st = vx_err_set(p->err, VX_ENOMEM, "out of memory");
            break;
        }
    }
out:
    if (st == VX_OK && ex) {
        char *s = cJSON_PrintUnformatted(ex);
        *extra = s ? vx_arena_strdup(p->a, s) : NULL;
        cJSON_free(s);
        if (!*extra)
            st = vx_err_set(p->err, VX_ENOMEM, "out of memory");
    }
    cJSON_Delete(ex);
    return st;
}

typedef enum vx_status (*parse_fn)(struct pctx *p, const cJSON *o, void *out);

/* Optional object member parsed into a new arena struct of `size` bytes. */
static enum vx_status get_obj(struct pctx *p, const cJSON *o, const char *key, size_t size,
                              parse_fn fn, void **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!it)
        return VX_OK;
    void *v = vx_arena_alloc(p->a, size);
    if (!v)
        return vx_err_set(p->err, VX_ENOMEM, "out of memory");
    size_t old = path_push(p, key, -1);
    enum vx_status st = fn(p, it, v);
    path_pop(p, old);
    if (st == VX_OK)
        *out = v;
    return st;
}

/* Required object member parsed in place. */
static enum vx_status get_req(struct pctx *p, const cJSON *o, const char *key, parse_fn fn,
                              void *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        return fail(p, key, "required element missing");
    size_t old = path_push(p, key, -1);
    enum vx_status st = fn(p, it, out);
    path_pop(p, old);
    return st;
}

static enum vx_status get_arr(struct pctx *p, const cJSON *o, const char *key, size_t size,
                              parse_fn fn, void **out, size_t *n)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    *n = 0;
    if (!it)
        return VX_OK;
    if (!cJSON_IsArray(it))
        return fail(p, key, "expected an array");
    int cnt = cJSON_GetArraySize(it);
    if (cnt == 0)
        return fail(p, key, "empty array (FHIR forbids them)");
    char *v = vx_arena_alloc(p->a, (size_t)cnt * size);
    if (!v)
        return vx_err_set(p->err, VX_ENOMEM, "out of memory");
    int i = 0;
    for (const cJSON *c = it->child; c; c = c->next, i++) {
        size_t old = path_push(p, key, i);
        enum vx_status st = fn(p, c, v + (size_t)i * size);
        path_pop(p, old);
        if (st != VX_OK)
            return st;
    }
    *out = v;
    *n = (size_t)cnt;
    return VX_OK;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        enum vx_status st_ = (x);                                                                  \
        if (st_ != VX_OK)                                                                          \
            return st_;                                                                            \
    } while (0)

/* --- datatypes ----------------------------------------------------------------------- */

static enum vx_status p_coding(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"system",  "version",      "code",
                                        "display", "userSelected", NULL};
    struct vx_fhir_coding *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "system", &c->system));
    TRY(get_str(p, o, "version", &c->version));
    TRY(get_str(p, o, "code", &c->code));
    TRY(get_str(p, o, "display", &c->display));
    return get_bool(p, o, "userSelected", &c->user_selected);
}

static enum vx_status p_cc(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"coding", "text", NULL};
    struct vx_fhir_cc *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_arr(p, o, "coding", sizeof *c->coding, p_coding, (void **)&c->coding, &c->ncoding));
    return get_str(p, o, "text", &c->text);
}

static enum vx_status p_ident(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"use", "system", "value", NULL};
    struct vx_fhir_identifier *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "use", &c->use));
    TRY(get_str(p, o, "system", &c->system));
    return get_str(p, o, "value", &c->value);
}

static enum vx_status p_ref(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"reference", "type", "display", "identifier", NULL};
    struct vx_fhir_ref *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "reference", &c->reference));
    TRY(get_str(p, o, "type", &c->type));
    TRY(get_str(p, o, "display", &c->display));
    return get_obj(p, o, "identifier", sizeof *c->identifier, p_ident, (void **)&c->identifier);
}

static enum vx_status p_quantity(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"value", "comparator", "unit", "system", "code", NULL};
    struct vx_fhir_quantity *c = out;
    TRY(rest(p, o, known, &c->extra));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
    if (v) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return fail(p, "value", "expected a number");
        c->has_value = true;
        c->value = v->valuedouble;
    }
    TRY(get_str(p, o, "comparator", &c->comparator));
    TRY(get_str(p, o, "unit", &c->unit));
    TRY(get_str(p, o, "system", &c->system));
    return get_str(p, o, "code", &c->code);
}

static enum vx_status p_performer(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"function", "actor", NULL};
    struct vx_fhir_performer *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_obj(p, o, "function", sizeof *c->function, p_cc, (void **)&c->function));
    return get_req(p, o, "actor", p_ref, &c->actor);
}

static enum vx_status p_annotation(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"text", "authorString", "authorReference", "time", NULL};
    struct vx_fhir_annotation *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "text", &c->text));
    if (!c->text)
        return fail(p, "text", "required element missing");
    TRY(get_str(p, o, "authorString", &c->author_string));
    TRY(get_str(p, o, "time", &c->time));
    return get_obj(p, o, "authorReference", sizeof *c->author_reference, p_ref,
                   (void **)&c->author_reference);
}

static enum vx_status p_education(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"documentType", "reference", "publicationDate",
                                        "presentationDate", NULL};
    struct vx_fhir_education *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "documentType", &c->document_type));
    TRY(get_str(p, o, "reference", &c->reference));
    TRY(get_str(p, o, "publicationDate", &c->publication_date));
    return get_str(p, o, "presentationDate", &c->presentation_date);
}

static enum vx_status p_reaction(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"date", "detail", "reported", NULL};
    struct vx_fhir_reaction *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "date", &c->date));
    TRY(get_obj(p, o, "detail", sizeof *c->detail, p_ref, (void **)&c->detail));
    return get_bool(p, o, "reported", &c->reported);
}

static enum vx_status p_protocol(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"series",
                                        "authority",
                                        "targetDisease",
                                        "doseNumberPositiveInt",
                                        "doseNumberString",
                                        "seriesDosesPositiveInt",
                                        "seriesDosesString",
                                        NULL};
    struct vx_fhir_protocol *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "series", &c->series));
    TRY(get_obj(p, o, "authority", sizeof *c->authority, p_ref, (void **)&c->authority));
    TRY(get_arr(p, o, "targetDisease", sizeof *c->target_disease, p_cc, (void **)&c->target_disease,
                &c->ntarget));
    TRY(get_pint(p, o, "doseNumberPositiveInt", &c->dose_number));
    TRY(get_str(p, o, "doseNumberString", &c->dose_number_s));
    TRY(get_pint(p, o, "seriesDosesPositiveInt", &c->series_doses));
    TRY(get_str(p, o, "seriesDosesString", &c->series_doses_s));
    if ((c->dose_number > 0) == (c->dose_number_s != NULL))
        return fail(p, "doseNumber[x]",
                    "exactly one of doseNumberPositiveInt and "
                    "doseNumberString is required");
    if (c->series_doses > 0 && c->series_doses_s)
        return fail(p, "seriesDoses[x]",
                    "only one of seriesDosesPositiveInt and "
                    "seriesDosesString may be given");
    return VX_OK;
}

static enum vx_status p_narrative(struct pctx *p, const cJSON *o, void *out)
{
    static const char *const known[] = {"status", "div", NULL};
    struct vx_fhir_narrative *c = out;
    TRY(rest(p, o, known, &c->extra));
    TRY(get_str(p, o, "status", &c->status));
    return get_str(p, o, "div", &c->div);
}

static const char *const status_codes[] = {"completed", "entered-in-error", "not-done"};

static enum vx_status p_imm(struct pctx *p, const cJSON *o, struct vx_fhir_immunization *m)
{
    static const char *const known[] = {"resourceType",
                                        "id",
                                        "text",
                                        "identifier",
                                        "status",
                                        "statusReason",
                                        "vaccineCode",
                                        "patient",
                                        "encounter",
                                        "occurrenceDateTime",
                                        "occurrenceString",
                                        "recorded",
                                        "primarySource",
                                        "reportOrigin",
                                        "location",
                                        "manufacturer",
                                        "lotNumber",
                                        "expirationDate",
                                        "site",
                                        "route",
                                        "doseQuantity",
                                        "performer",
                                        "note",
                                        "reasonCode",
                                        "reasonReference",
                                        "isSubpotent",
                                        "subpotentReason",
                                        "education",
                                        "programEligibility",
                                        "fundingSource",
                                        "reaction",
                                        "protocolApplied",
                                        NULL};
    TRY(rest(p, o, known, &m->extra));
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(o, "resourceType");
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Immunization") != 0)
        return fail(p, "resourceType", "expected \"Immunization\"");
    TRY(get_str(p, o, "id", &m->id));
    TRY(get_obj(p, o, "text", sizeof *m->text, p_narrative, (void **)&m->text));
    TRY(get_arr(p, o, "identifier", sizeof *m->identifier, p_ident, (void **)&m->identifier,
                &m->nidentifier));
    TRY(get_str(p, o, "status", &m->status));
    bool ok = false;
    for (size_t i = 0; m->status && i < VX_ARRAY_LEN(status_codes); i++)
        ok = ok || strcmp(m->status, status_codes[i]) == 0;
    if (!ok)
        return fail(p, "status",
                    m->status ? "not completed, entered-in-error or not-done" : "required");
    TRY(get_obj(p, o, "statusReason", sizeof *m->status_reason, p_cc, (void **)&m->status_reason));
    TRY(get_req(p, o, "vaccineCode", p_cc, &m->vaccine_code));
    TRY(get_req(p, o, "patient", p_ref, &m->patient));
    TRY(get_obj(p, o, "encounter", sizeof *m->encounter, p_ref, (void **)&m->encounter));
    TRY(get_str(p, o, "occurrenceDateTime", &m->occurrence_date_time));
    TRY(get_str(p, o, "occurrenceString", &m->occurrence_string));
    if (!m->occurrence_date_time == !m->occurrence_string)
        return fail(p, "occurrence[x]",
                    "exactly one of occurrenceDateTime and occurrenceString is required");
    TRY(get_str(p, o, "recorded", &m->recorded));
    TRY(get_bool(p, o, "primarySource", &m->primary_source));
    TRY(get_obj(p, o, "reportOrigin", sizeof *m->report_origin, p_cc, (void **)&m->report_origin));
    TRY(get_obj(p, o, "location", sizeof *m->location, p_ref, (void **)&m->location));
    TRY(get_obj(p, o, "manufacturer", sizeof *m->manufacturer, p_ref, (void **)&m->manufacturer));
    TRY(get_str(p, o, "lotNumber", &m->lot_number));
    TRY(get_str(p, o, "expirationDate", &m->expiration_date));
    TRY(get_obj(p, o, "site", sizeof *m->site, p_cc, (void **)&m->site));
    TRY(get_obj(p, o, "route", sizeof *m->route, p_cc, (void **)&m->route));
    TRY(get_obj(p, o, "doseQuantity", sizeof *m->dose_quantity, p_quantity,
                (void **)&m->dose_quantity));
    TRY(get_arr(p, o, "performer", sizeof *m->performer, p_performer, (void **)&m->performer,
                &m->nperformer));
    TRY(get_arr(p, o, "note", sizeof *m->note, p_annotation, (void **)&m->note, &m->nnote));
    TRY(get_arr(p, o, "reasonCode", sizeof *m->reason_code, p_cc, (void **)&m->reason_code,
                &m->nreason_code));
    TRY(get_arr(p, o, "reasonReference", sizeof *m->reason_reference, p_ref,
                (void **)&m->reason_reference, &m->nreason_reference));
    TRY(get_bool(p, o, "isSubpotent", &m->is_subpotent));
    TRY(get_arr(p, o, "subpotentReason", sizeof *m->subpotent_reason, p_cc,
                (void **)&m->subpotent_reason, &m->nsubpotent_reason));
    TRY(get_arr(p, o, "education", sizeof *m->education, p_education, (void **)&m->education,
                &m->neducation));
    TRY(get_arr(p, o, "programEligibility", sizeof *m->program_eligibility, p_cc,
                (void **)&m->program_eligibility, &m->nprogram_eligibility));
    TRY(get_obj(p, o, "fundingSource", sizeof *m->funding_source, p_cc,
                (void **)&m->funding_source));
    TRY(get_arr(p, o, "reaction", sizeof *m->reaction, p_reaction, (void **)&m->reaction,
                &m->nreaction));
    return get_arr(p, o, "protocolApplied", sizeof *m->protocol_applied, p_protocol,
                   (void **)&m->protocol_applied, &m->nprotocol);
}

/* cJSON keeps strings as C strings: refuse what it would silently cut short (NUL bytes,
 * "\u0000") and raw control characters in strings, which RFC 8259 forbids anyway. */
static bool json_text_ok(const char *s, size_t len)
{
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return false;
        if (!in_str) {
            in_str = c == '"';
            continue;
        }
        if (c < 0x20)
            return false;
        if (c == '"') {
            in_str = false;
        } else if (c == '\\' && i + 1 < len) {
            if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
                return false;
            i++;
        }
    }
    return true;
}

/* First duplicated member name anywhere in the tree (JSON leaves duplicates undefined
 * and a round trip could not keep them), or an object with too many members. */
static const char *find_dup(const cJSON *o, int depth)
{
    if (depth > 64)
        return "(nesting deeper than 64)";
    size_t count = 0;
    for (const cJSON *c = o->child; c; c = c->next, count++) {
        if (count >= VX_FHIR_MAX_MEMBERS)
            return "(too many members)";
        if (cJSON_IsObject(o))
            for (const cJSON *d = o->child; d != c; d = d->next)
                if (c->string && d->string && strcmp(d->string, c->string) == 0)
                    return c->string;
        if (c->child) {
            const char *r = find_dup(c, depth + 1);
            if (r)
                return r;
        }
    }
    return NULL;
}

enum vx_status vx_fhir_imm_parse(const char *json, size_t len, struct vx_arena *a,
                                 struct vx_fhir_immunization *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    out->primary_source = out->is_subpotent = -1;
    if (len > VX_FHIR_MAX_BYTES)
        return vx_err_set(err, VX_EPARSE, "larger than %u bytes", VX_FHIR_MAX_BYTES);
    if (!json_text_ok(json, len))
        return vx_err_set(err, VX_EPARSE, "not valid JSON: NUL or control character in a string");
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return vx_err_set(err, VX_EPARSE, "not valid JSON");
    const char *dup = find_dup(root, 0);
    if (dup) {
        vx_err_set(err, VX_EPARSE, "duplicate member \"%s\"", dup);
        cJSON_Delete(root);
        return VX_EPARSE;
    }
    struct pctx p = {.a = a, .err = err};
    path_push(&p, "Immunization", -1);
    enum vx_status st = p_imm(&p, root, out);
    cJSON_Delete(root);
    return st;
}

/* --- emission ------------------------------------------------------------------------ */

struct ectx {
    bool oom;
};

static cJSON *e_obj(struct ectx *e)
{
    cJSON *o = cJSON_CreateObject();
    e->oom |= !o;
    return o;
}

static void e_add(struct ectx *e, cJSON *o, const char *key, cJSON *item)
{
    if (!o || !item || !cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        e->oom = true;
    }
}

static void e_str(struct ectx *e, cJSON *o, const char *key, const char *s)
{
    if (s)
        e_add(e, o, key, cJSON_CreateString(s));
}

static void e_bool(struct ectx *e, cJSON *o, const char *key, int v)
{
    if (v >= 0)
        e_add(e, o, key, cJSON_CreateBool(v));
}

static void e_int(struct ectx *e, cJSON *o, const char *key, int v)
{
    if (v > 0)
        e_add(e, o, key, cJSON_CreateNumber(v));
}

static void e_extra(struct ectx *e, cJSON *o, const char *extra)
{
    if (!extra || !o)
        return;
    cJSON *x = cJSON_Parse(extra);
    if (!x) {
        e->oom = true;
        return;
    }
    while (x->child) {
        cJSON *c = cJSON_DetachItemViaPointer(x, x->child);
        char *key = c->string;
        c->string = NULL;
        e_add(e, o, key, c);
        cJSON_free(key);
    }
    cJSON_Delete(x);
}

typedef cJSON *(*emit_fn)(struct ectx *e, const void *v);

static void e_arr(struct ectx *e, cJSON *o, const char *key, const void *items, size_t n,
                  size_t size, emit_fn fn)
{
    if (!n)
        return;
    cJSON *arr = cJSON_CreateArray();
    if (!arr) {
        e->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *it = fn(e, (const char *)items + i * size);
        if (!it || !cJSON_AddItemToArray(arr, it)) {
            cJSON_Delete(it);
            e->oom = true;
        }
    }
    e_add(e, o, key, arr);
}

static void e_opt(struct ectx *e, cJSON *o, const char *key, const void *v, emit_fn fn)
{
    if (v)
        e_add(e, o, key, fn(e, v));
}

static cJSON *em_coding(struct ectx *e, const void *v)
{
    const struct vx_fhir_coding *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "system", c->system);
    e_str(e, o, "version", c->version);
    e_str(e, o, "code", c->code);
    e_str(e, o, "display", c->display);
    e_bool(e, o, "userSelected", c->user_selected);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_cc(struct ectx *e, const void *v)
{
    const struct vx_fhir_cc *c = v;
    cJSON *o = e_obj(e);
    e_arr(e, o, "coding", c->coding, c->ncoding, sizeof *c->coding, em_coding);
    e_str(e, o, "text", c->text);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_ident(struct ectx *e, const void *v)
{
    const struct vx_fhir_identifier *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "use", c->use);
    e_str(e, o, "system", c->system);
    e_str(e, o, "value", c->value);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_ref(struct ectx *e, const void *v)
{
    const struct vx_fhir_ref *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "reference", c->reference);
    e_str(e, o, "type", c->type);
    e_opt(e, o, "identifier", c->identifier, em_ident);
    e_str(e, o, "display", c->display);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_quantity(struct ectx *e, const void *v)
{
    const struct vx_fhir_quantity *c = v;
    cJSON *o = e_obj(e);
    if (c->has_value)
        e_add(e, o, "value", cJSON_CreateNumber(c->value));
    e_str(e, o, "comparator", c->comparator);
    e_str(e, o, "unit", c->unit);
    e_str(e, o, "system", c->system);
    e_str(e, o, "code", c->code);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_performer(struct ectx *e, const void *v)
{
    const struct vx_fhir_performer *c = v;
    cJSON *o = e_obj(e);
    e_opt(e, o, "function", c->function, em_cc);
    e_add(e, o, "actor", em_ref(e, &c->actor));
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_annotation(struct ectx *e, const void *v)
{
    const struct vx_fhir_annotation *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "authorString", c->author_string);
    e_opt(e, o, "authorReference", c->author_reference, em_ref);
    e_str(e, o, "time", c->time);
    e_str(e, o, "text", c->text);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_education(struct ectx *e, const void *v)
{
    const struct vx_fhir_education *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "documentType", c->document_type);
    e_str(e, o, "reference", c->reference);
    e_str(e, o, "publicationDate", c->publication_date);
    e_str(e, o, "presentationDate", c->presentation_date);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_reaction(struct ectx *e, const void *v)
{
    const struct vx_fhir_reaction *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "date", c->date);
    e_opt(e, o, "detail", c->detail, em_ref);
    e_bool(e, o, "reported", c->reported);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_protocol(struct ectx *e, const void *v)
{
    const struct vx_fhir_protocol *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "series", c->series);
    e_opt(e, o, "authority", c->authority, em_ref);
    e_arr(e, o, "targetDisease", c->target_disease, c->ntarget, sizeof *c->target_disease, em_cc);
    e_int(e, o, "doseNumberPositiveInt", c->dose_number);
    e_str(e, o, "doseNumberString", c->dose_number_s);
    e_int(e, o, "seriesDosesPositiveInt", c->series_doses);
    e_str(e, o, "seriesDosesString", c->series_doses_s);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_narrative(struct ectx *e, const void *v)
{
    const struct vx_fhir_narrative *c = v;
    cJSON *o = e_obj(e);
    e_str(e, o, "status", c->status);
    e_str(e, o, "div", c->div);
    e_extra(e, o, c->extra);
    return o;
}

static cJSON *em_imm(struct ectx *e, const struct vx_fhir_immunization *m)
{
    cJSON *o = e_obj(e);
    e_str(e, o, "resourceType", "Immunization");
    e_str(e, o, "id", m->id);
    e_extra(e, o, m->extra); /* meta, implicitRules, language, contained, extension, ... */
    e_opt(e, o, "text", m->text, em_narrative);
    e_arr(e, o, "identifier", m->identifier, m->nidentifier, sizeof *m->identifier, em_ident);
    e_str(e, o, "status", m->status);
    e_opt(e, o, "statusReason", m->status_reason, em_cc);
    e_add(e, o, "vaccineCode", em_cc(e, &m->vaccine_code));
    e_add(e, o, "patient", em_ref(e, &m->patient));
    e_opt(e, o, "encounter", m->encounter, em_ref);
    e_str(e, o, "occurrenceDateTime", m->occurrence_date_time);
    e_str(e, o, "occurrenceString", m->occurrence_string);
    e_str(e, o, "recorded", m->recorded);
    e_bool(e, o, "primarySource", m->primary_source);
    e_opt(e, o, "reportOrigin", m->report_origin, em_cc);
    e_opt(e, o, "location", m->location, em_ref);
    e_opt(e, o, "manufacturer", m->manufacturer, em_ref);
    e_str(e, o, "lotNumber", m->lot_number);
    e_str(e, o, "expirationDate", m->expiration_date);
    e_opt(e, o, "site", m->site, em_cc);
    e_opt(e, o, "route", m->route, em_cc);
    e_opt(e, o, "doseQuantity", m->dose_quantity, em_quantity);
    e_arr(e, o, "performer", m->performer, m->nperformer, sizeof *m->performer, em_performer);
    e_arr(e, o, "note", m->note, m->nnote, sizeof *m->note, em_annotation);
    e_arr(e, o, "reasonCode", m->reason_code, m->nreason_code, sizeof *m->reason_code, em_cc);
    e_arr(e, o, "reasonReference", m->reason_reference, m->nreason_reference,
          sizeof *m->reason_reference, em_ref);
    e_bool(e, o, "isSubpotent", m->is_subpotent);
    e_arr(e, o, "subpotentReason", m->subpotent_reason, m->nsubpotent_reason,
          sizeof *m->subpotent_reason, em_cc);
    e_arr(e, o, "education", m->education, m->neducation, sizeof *m->education, em_education);
    e_arr(e, o, "programEligibility", m->program_eligibility, m->nprogram_eligibility,
          sizeof *m->program_eligibility, em_cc);
    e_opt(e, o, "fundingSource", m->funding_source, em_cc);
    e_arr(e, o, "reaction", m->reaction, m->nreaction, sizeof *m->reaction, em_reaction);
    e_arr(e, o, "protocolApplied", m->protocol_applied, m->nprotocol, sizeof *m->protocol_applied,
          em_protocol);
    return o;
}

static enum vx_status print_to(cJSON *root, bool pretty, struct vx_buf *out)
{
    char *s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    if (!s)
        return VX_ENOMEM;
    enum vx_status st = vx_buf_puts(out, s);
    cJSON_free(s);
    return st;
}

enum vx_status vx_fhir_imm_emit(const struct vx_fhir_immunization *imm, bool pretty,
                                struct vx_buf *out)
{
    struct ectx e = {false};
    cJSON *root = em_imm(&e, imm);
    enum vx_status st = e.oom || !root ? VX_ENOMEM : print_to(root, pretty, out);
    cJSON_Delete(root);
    return st;
}

enum vx_status vx_fhir_bundle_searchset(const struct vx_fhir_immunization *items, size_t n,
                                        const char *base_url, const char *self_url, bool pretty,
                                        struct vx_buf *out)
{
    struct ectx e = {false};
    cJSON *b = e_obj(&e);
    e_str(&e, b, "resourceType", "Bundle");
    e_str(&e, b, "type", "searchset");
    e_add(&e, b, "total", cJSON_CreateNumber((double)n));
    if (self_url) {
        cJSON *links = cJSON_CreateArray(), *l = e_obj(&e);
        e_str(&e, l, "relation", "self");
        e_str(&e, l, "url", self_url);
        if (!links || !l || !cJSON_AddItemToArray(links, l)) {
            cJSON_Delete(l);
            e.oom = true;
        }
        e_add(&e, b, "link", links);
    }
    cJSON *entries = cJSON_CreateArray();
    e.oom |= !entries;
    for (size_t i = 0; i < n && entries; i++) {
        cJSON *en = e_obj(&e);
        if (items[i].id) {
            struct vx_buf url;
            vx_buf_init(&url, 4096);
            if (vx_buf_printf(&url, "%s/Immunization/%s", base_url ? base_url : "", items[i].id) !=
                VX_OK)
                e.oom = true;
            e_str(&e, en, "fullUrl", url.data ? url.data : "");
            vx_buf_release(&url);
        }
        e_add(&e, en, "resource", em_imm(&e, &items[i]));
        cJSON *search = e_obj(&e);
        e_str(&e, search, "mode", "match");
        e_add(&e, en, "search", search);
        if (!en || !cJSON_AddItemToArray(entries, en)) {
            cJSON_Delete(en);
            e.oom = true;
        }
    }
    e_add(&e, b, "entry", entries);
    enum vx_status st = e.oom || !b ? VX_ENOMEM : print_to(b, pretty, out);
    cJSON_Delete(b);
    return st;
}

/* --- semantic comparison ------------------------------------------------------------- */

static bool jeq(const cJSON *a, const cJSON *b, struct pctx *p)
{
    if ((a->type & 0xFF) != (b->type & 0xFF)) {
        fail(p, NULL, "different JSON types");
        return false;
    }
    if (cJSON_IsNumber(a)) {
        if (a->valuedouble != b->valuedouble) {
            fail(p, NULL, "different numbers");
            return false;
        }
        return true;
    }
    if (cJSON_IsString(a)) {
        if (strcmp(a->valuestring, b->valuestring) != 0) {
            fail(p, NULL, "different strings");
            return false;
        }
        return true;
    }
    if (cJSON_IsArray(a)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
            fail(p, NULL, "different array lengths");
            return false;
        }
        int i = 0;
        for (const cJSON *x = a->child, *y = b->child; x && y; x = x->next, y = y->next, i++) {
            size_t old = path_push(p, "", i);
            bool ok = jeq(x, y, p);
            if (ok)
                path_pop(p, old);
            if (!ok)
                return false;
        }
        return true;
    }
    if (cJSON_IsObject(a)) {
        for (int pass = 0; pass < 2; pass++) {
            const cJSON *from = pass ? b : a, *to = pass ? a : b;
            for (const cJSON *x = from->child; x; x = x->next) {
                const cJSON *y = cJSON_GetObjectItemCaseSensitive(to, x->string);
                if (!y) {
                    fail(p, x->string, pass ? "only in the second" : "only in the first");
                    return false;
                }
                if (pass)
                    continue;
                size_t old = path_push(p, x->string, -1);
                bool ok = jeq(x, y, p);
                if (ok)
                    path_pop(p, old);
                if (!ok)
                    return false;
            }
        }
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
            fail(p, NULL, "duplicate members");
            return false;
        }
    }
    return true; /* null, true, false: equal types suffice */
}

enum vx_status vx_fhir_json_equal(const char *a, size_t alen, const char *b, size_t blen,
                                  struct vx_err *err)
{
    cJSON *x = cJSON_ParseWithLength(a, alen), *y = cJSON_ParseWithLength(b, blen);
    enum vx_status st;
    if (!x || !y) {
        st = vx_err_set(err, VX_EPARSE, "%s text is not valid JSON", !x ? "first" : "second");
    } else {
        struct pctx p = {.err = err};
        path_push(&p, "$", -1);
        st = jeq(x, y, &p) ? VX_OK : VX_ERANGE;
        if (st == VX_OK && err)
            err->status = VX_OK;
    }
    cJSON_Delete(x);
    cJSON_Delete(y);
    return st;
}

/* --- builder ------------------------------------------------------------------------- */

static const struct {
    const char *code, *display;
} act_sites[] = {
    [VX_REG_SITE_NONE] = {NULL, NULL},          [VX_REG_SITE_LA] = {"LA", "left arm"},
    [VX_REG_SITE_RA] = {"RA", "right arm"},     [VX_REG_SITE_LD] = {"LD", "left deltoid"},
    [VX_REG_SITE_RD] = {"RD", "right deltoid"}, [VX_REG_SITE_LT] = {"LT", "left thigh"},
    [VX_REG_SITE_RT] = {"RT", "right thigh"},
};
static const struct {
    const char *code, *display;
} routes[] = {
    [VX_REG_ROUTE_NONE] = {NULL, NULL},
    [VX_REG_ROUTE_IM] = {"IM", "Injection, intramuscular"},
    [VX_REG_ROUTE_SC] = {"SQ", "Injection, subcutaneous"},
    [VX_REG_ROUTE_ID] = {"IDINJ", "Injection, intradermal"},
    [VX_REG_ROUTE_NS] = {"NASINHLC", "Inhalation, nasal"},
    [VX_REG_ROUTE_PO] = {"PO", "Swallow, oral"},
};

static struct vx_fhir_cc *one_coding(struct vx_arena *a, const char *system, const char *code,
                                     const char *display)
{
    struct vx_fhir_cc *cc = vx_arena_alloc(a, sizeof *cc);
    struct vx_fhir_coding *c = vx_arena_alloc(a, sizeof *c);
    if (!cc || !c)
        return NULL;
    c->system = system;
    c->code = code;
    c->display = display;
    c->user_selected = -1;
    cc->ncoding = 1;
    cc->coding = c;
    return cc;
}

static char *astr(struct vx_arena *a, const char *fmt, const char *x)
{
    char buf[512];
    snprintf(buf, sizeof buf, fmt, x);
    return vx_arena_strdup(a, buf);
}

enum vx_status vx_fhir_imm_from_dose(const struct vx_reg_dose *d, const char *patient_ref,
                                     struct vx_arena *a, struct vx_fhir_immunization *out,
                                     struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    out->primary_source = out->is_subpotent = -1;
    const struct vx_reg_vaccine_code *vc = vx_reg_vaccine_lookup(d->product);
    if (!vc)
        return vx_err_set(err, VX_EINVAL, "vaccineCode: unknown product '%s'",
                          d->product ? d->product : "");
    if (!patient_ref || !*patient_ref)
        return vx_err_set(err, VX_EINVAL, "patient: reference missing");
    if (d->given_at == 0)
        return vx_err_set(err, VX_EINVAL, "occurrenceDateTime: administration time missing");
    if ((unsigned)d->site >= VX_ARRAY_LEN(act_sites) || (unsigned)d->route >= VX_ARRAY_LEN(routes))
        return vx_err_set(err, VX_EINVAL, "site/route: unknown code");
    out->id = d->dose_id;
    out->status = d->refused ? "not-done" : "completed";
    if (d->refused &&
        !(out->status_reason = one_coding(a, "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                                          "PATOBJ", "patient objection")))
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    struct vx_fhir_coding *cod = vx_arena_alloc(a, 4 * sizeof *cod);
    if (!cod)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    size_t nc = 0;
    cod[nc++] = (struct vx_fhir_coding){VX_FHIR_VACCINE_SYSTEM, NULL, vc->product, NULL, -1, NULL};
    if (vc->snomed)
        cod[nc++] = (struct vx_fhir_coding){"http://snomed.info/sct", NULL, vc->snomed,
                                            vc->snomed_text,          -1,   NULL};
    if (vc->atc)
        cod[nc++] =
            (struct vx_fhir_coding){"http://www.whocc.no/atc", NULL, vc->atc, NULL, -1, NULL};
    cod[nc++] = (struct vx_fhir_coding){
        "http://hl7.org/fhir/sid/cvx", NULL, vc->cvx, vc->cvx_text, -1, NULL};
    out->vaccine_code.coding = cod;
    out->vaccine_code.ncoding = nc;
    out->patient.reference = astr(a, "Patient/%s", patient_ref);
    char when[32];
    vx_time_format_local(d->given_at, when);
    out->occurrence_date_time = vx_arena_strdup(a, when);
    if (!out->patient.reference || !out->occurrence_date_time)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    out->primary_source = 1;
    if (!d->refused) {
        out->lot_number = d->lot && *d->lot ? d->lot : NULL;
        if (d->expiry) {
            char day[12];
            vx_day_format(d->expiry, day);
            if (!(out->expiration_date = vx_arena_strdup(a, day)))
                return vx_err_set(err, VX_ENOMEM, "out of memory");
        }
        if (act_sites[d->site].code &&
            !(out->site = one_coding(a, "http://terminology.hl7.org/CodeSystem/v3-ActSite",
                                     act_sites[d->site].code, act_sites[d->site].display)))
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        if (routes[d->route].code &&
            !(out->route =
                  one_coding(a, "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
                             routes[d->route].code, routes[d->route].display)))
            return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    if (d->performer_id && *d->performer_id) {
        struct vx_fhir_performer *pf = vx_arena_alloc(a, sizeof *pf);
        if (!pf ||
            !(pf->function = one_coding(a, "http://terminology.hl7.org/CodeSystem/v2-0443", "AP",
                                        "Administering Provider")) ||
            !(pf->actor.reference = astr(a, "Practitioner/%s", d->performer_id)))
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        out->performer = pf;
        out->nperformer = 1;
    }
    if (d->facility_id && *d->facility_id) {
        if (!(out->location = vx_arena_alloc(a, sizeof *out->location)) ||
            !(out->location->reference = astr(a, "Location/%s", d->facility_id)))
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        out->location->display = d->facility_name && *d->facility_name ? d->facility_name : NULL;
    }
    if (d->dose_number > 0 && !d->refused) {
        struct vx_fhir_protocol *pr = vx_arena_alloc(a, sizeof *pr);
        if (!pr)
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        pr->dose_number = d->dose_number;
        pr->series_doses = d->series_doses > 0 ? d->series_doses : 0;
        out->protocol_applied = pr;
        out->nprotocol = 1;
    }
    return VX_OK;
}
