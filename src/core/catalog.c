/*
 * catalog.c — the vaccine catalogue: strict JSON parser and date-aware queries.
 *
 * The file is parsed with cJSON into a transient tree (cJSON allocates with malloc;
 * the tree is freed before returning), then every value is checked and copied into the
 * caller's arena, so the resulting catalogue is one arena-owned, read-only object. The
 * parser is deliberately strict because regions edit the file by hand: an unknown key
 * (a typo such as "doses_per_viall"), a duplicate key, a number that is not an integer,
 * dates out of order or a citation naming a reference that does not exist are errors
 * that name the product and the field path, never silent defaults.
 *
 * The schema is expressed as small tables: the keys each object may hold
 * (`*_keys[]`), the integer fields of a storage period with their ranges
 * (`storage_ints[]`), and the transport flags (`transport_flags[]`). Adding a field is
 * adding a table row plus a struct member.
 *
 * Queries treat lists of periods as step functions: the entry in force on a day is the
 * last one whose `from` is on or before it. Age rules are explicit ranges instead,
 * because a national recommendation can end without a successor. Ages are computed in
 * two ways because Swedish recommendations use both: completed years (the SmPC "from 16
 * years of age") and birth year ("born 1956 or earlier" = 65+ during 2021).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "vx/catalog.h"

#define MAX_PRODUCTS   64
#define MAX_ENTRIES    32 /* per list (vial periods, rules, seasons, ...) */
#define MAX_REFERENCES 256
#define MAX_TEXT       1024 /* bytes in any string value */
#define MAX_DAYS       3650 /* interval bounds */

/* ---------------------------------------------------------------- parse context */

struct pctx {
    struct vx_arena *arena;
    struct vx_err *err;
    const char *product; /* code (or "#n") of the product being parsed, NULL at top */
    const struct vx_reference *refs;
    size_t n_refs;
};

/* Set the error "product 'X', field 'path': message" and return `st`. */
static enum vx_status fail(struct pctx *c, enum vx_status st, const char *path, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

static enum vx_status fail(struct pctx *c, enum vx_status st, const char *path, const char *fmt,
                           ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->product)
        return vx_err_set(c->err, st, "product '%s', field '%s': %s", c->product, path, what);
    return vx_err_set(c->err, st, "field '%s': %s", path, what);
}

static enum vx_status oom(struct pctx *c)
{
    return vx_err_set(c->err, VX_ENOMEM, "catalogue: arena limit reached");
}

/* path = prefix + "." + key (or just key when prefix is empty). */
static const char *join(char *buf, size_t n, const char *prefix, const char *key)
{
    snprintf(buf, n, "%s%s%s", prefix, *prefix ? "." : "", key);
    return buf;
}

/* Reject keys that are not in `allowed` (NULL-terminated) and duplicate keys. */
static enum vx_status check_keys(struct pctx *c, const cJSON *obj, const char *const *allowed,
                                 const char *where)
{
    char path[128];
    if (!cJSON_IsObject(obj))
        return fail(c, VX_EINVAL, *where ? where : "(top)", "must be a JSON object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(allowed[i], it->string))
                known = true;
        if (!known)
            return fail(c, VX_EPARSE, join(path, sizeof path, where, it->string), "unknown field");
        for (const cJSON *d = obj->child; d != it; d = d->next)
            if (!strcmp(d->string, it->string))
                return fail(c, VX_EPARSE, join(path, sizeof path, where, it->string),
                            "duplicate field");
    }
    return VX_OK;
}

static enum vx_status dup_str(struct pctx *c, const char *s, const char **out)
{
    char *d = vx_arena_strdup(c->arena, s);
    if (!d)
        return oom(c);
    *out = d;
    return VX_OK;
}

/* String field: required or optional (then *out = NULL when absent). */
static enum vx_status get_str(struct pctx *c, const cJSON *obj, const char *key, const char *where,
                              bool required, const char **out)
{
    char path[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "missing");
        return VX_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must be a string");
    size_t n = strlen(v->valuestring);
    if (n == 0)
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must not be empty");
    if (n > MAX_TEXT)
        return fail(c, VX_ERANGE, join(path, sizeof path, where, key), "longer than %d bytes",
                    MAX_TEXT);
    return dup_str(c, v->valuestring, out);
}

/* Integer field in [lo, hi]; when absent: error if required, else *out = def. */
static enum vx_status get_int(struct pctx *c, const cJSON *obj, const char *key, const char *where,
                              bool required, int lo, int hi, int def, int *out)
{
    char path[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "missing");
        *out = def;
        return VX_OK;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must be an integer");
    double d = v->valuedouble;
    if (d < lo || d > hi)
        return fail(c, VX_ERANGE, join(path, sizeof path, where, key),
                    "must be an integer in %d..%d (got %.0f)", lo, hi, d);
    *out = (int)d;
    return VX_OK;
}

static enum vx_status get_bool(struct pctx *c, const cJSON *obj, const char *key, const char *where,
                               bool *out)
{
    char path[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = false;
    if (!v)
        return VX_OK;
    if (!cJSON_IsBool(v))
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must be true or false");
    *out = cJSON_IsTrue(v);
    return VX_OK;
}

/* Date field "YYYY-MM-DD"; when absent: error if required, else *out = def. */
static enum vx_status get_day(struct pctx *c, const cJSON *obj, const char *key, const char *where,
                              bool required, vx_day def, vx_day *out)
{
    char path[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "missing");
        *out = def;
        return VX_OK;
    }
    if (!cJSON_IsString(v) || vx_day_parse(v->valuestring, out) != VX_OK)
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must be a date YYYY-MM-DD");
    return VX_OK;
}

/* Array field with 0..MAX_ENTRIES elements (absent = empty unless required). */
static enum vx_status get_array(struct pctx *c, const cJSON *obj, const char *key,
                                const char *where, bool required, int max, const cJSON **arr,
                                int *n)
{
    char path[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *arr = NULL;
    *n = 0;
    if (!v) {
        if (required)
            return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "missing");
        return VX_OK;
    }
    if (!cJSON_IsArray(v))
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "must be an array");
    int len = cJSON_GetArraySize(v);
    if (len > max)
        return fail(c, VX_ERANGE, join(path, sizeof path, where, key),
                    "at most %d entries (got %d)", max, len);
    if (required && len == 0)
        return fail(c, VX_EINVAL, join(path, sizeof path, where, key), "needs at least one entry");
    *arr = v;
    *n = len;
    return VX_OK;
}

/*
 * A citation: every "[id]" in it must name a reference, and it must hold at least one
 * such reference or start with "ASSUMED:" (a value nobody could check yet).
 */
static enum vx_status check_citation(struct pctx *c, const char *s, const char *path)
{
    int refs = 0;
    for (const char *p = strchr(s, '['); p; p = strchr(p + 1, '[')) {
        const char *e = strchr(p, ']');
        if (!e)
            return fail(c, VX_EINVAL, path, "unterminated '[' in citation");
        size_t n = (size_t)(e - p - 1);
        bool found = false;
        for (size_t i = 0; i < c->n_refs && !found; i++)
            found = strlen(c->refs[i].id) == n && !memcmp(c->refs[i].id, p + 1, n);
        if (!found)
            return fail(c, VX_EINVAL, path, "cites unknown reference '%.*s'",
                        (int)(n > 48 ? 48 : n), p + 1);
        refs++;
    }
    if (refs == 0 && strncmp(s, "ASSUMED:", 8) != 0)
        return fail(c, VX_EINVAL, path,
                    "a citation must name a [reference] or start with 'ASSUMED:'");
    return VX_OK;
}

/* Required "source" field of a dated entry, checked as a citation. */
static enum vx_status get_source(struct pctx *c, const cJSON *obj, const char *where,
                                 const char **out)
{
    char path[128];
    enum vx_status st = get_str(c, obj, "source", where, true, out);
    if (st != VX_OK)
        return st;
    return check_citation(c, *out, join(path, sizeof path, where, "source"));
}

/* Optional free-text "note": checked for type only, not kept. */
static enum vx_status skip_note(struct pctx *c, const cJSON *obj, const char *where)
{
    const char *note;
    return get_str(c, obj, "note", where, false, &note);
}

static void *alloc_array(struct pctx *c, int n, size_t size)
{
    return vx_arena_alloc(c->arena, (size_t)(n > 0 ? n : 1) * size);
}

/* ---------------------------------------------------------------- code formats */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Product code: [A-Z][A-Z0-9_]{0,15}. */
static bool valid_product_code(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VX_PRODUCT_CODE_MAX || !(s[0] >= 'A' && s[0] <= 'Z'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]) || s[i] == '_'))
            return false;
    return true;
}

/* A temporary DCC name ("Sputnik-V", "Gamaleya-Research-Institute"): a letter, then
 * letters, digits and '-', at most 64. */
static bool valid_dcc_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) ||
              s[i] == '-'))
            return false;
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return n > 0;
}

/* mp: an EU procedure number "EU/1/YY/NNN(N)" or a temporary product name. */
static bool valid_dcc_mp(const char *s)
{
    if (!strncmp(s, "EU/", 3)) {
        size_t n = strlen(s);
        return (n == 12 || n == 11) && is_digit(s[3]) && s[4] == '/' && all_digits(s + 5, 2) &&
               s[7] == '/' && all_digits(s + 8, n - 8);
    }
    return valid_dcc_name(s);
}

/* SNOMED CT identifiers end in a Verhoeff check digit. */
static bool verhoeff_ok(const char *s, size_t n)
{
    static const unsigned char d[10][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
        {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
        {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
        {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
        {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
    static const unsigned char p[8][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c = d[c][p[i % 8][s[n - 1 - i] - '0']];
    return c == 0;
}

/* vp: a SNOMED CT concept id (6..18 digits, no leading zero, Verhoeff check digit). */
static bool valid_dcc_vp(const char *s)
{
    size_t n = strlen(s);
    return n >= 6 && n <= 18 && s[0] != '0' && all_digits(s, n) && verhoeff_ok(s, n);
}

/* ma: an EMA SPOR organisation id "ORG-" + 9 digits, or a temporary holder name. */
static bool valid_dcc_ma(const char *s)
{
    if (!strncmp(s, "ORG-", 4))
        return strlen(s) == 13 && all_digits(s + 4, 9);
    return valid_dcc_name(s);
}

/* ---------------------------------------------------------------- product parts */

static const char *const dcc_keys[] = {"mp", "vp", "ma", NULL};

static enum vx_status parse_dcc(struct pctx *c, const cJSON *prod, struct vx_dcc_codes *out)
{
    static const struct {
        const char *key;
        bool (*valid)(const char *);
        const char *form;
    } fields[] = {
        {"mp", valid_dcc_mp, "EU/1/YY/NNNN or a value-set name"},
        {"vp", valid_dcc_vp, "a SNOMED CT id with a valid check digit"},
        {"ma", valid_dcc_ma, "ORG-NNNNNNNNN or a value-set name"},
    };
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(prod, "dcc");
    memset(out, 0, sizeof *out);
    if (!d)
        return VX_OK;
    enum vx_status st = check_keys(c, d, dcc_keys, "dcc");
    if (st != VX_OK)
        return st;
    const char **slots[] = {&out->mp, &out->vp, &out->ma};
    for (size_t i = 0; i < VX_ARRAY_LEN(fields); i++) {
        char path[32];
        if ((st = get_str(c, d, fields[i].key, "dcc", true, slots[i])) != VX_OK)
            return st;
        if (!fields[i].valid(*slots[i]))
            return fail(c, VX_EINVAL, join(path, sizeof path, "dcc", fields[i].key),
                        "'%s' is not a valid DCC code (expected %s)", *slots[i], fields[i].form);
    }
    return VX_OK;
}

/*
 * One element of a list: `e` is the JSON object at path `w`, `elem` the zeroed slot to
 * fill, `prev` the previous (already checked) element or NULL, `p` the product so far.
 */
typedef enum vx_status (*elem_fn)(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                  const void *prev, const struct vx_product *p);

/* Parse the array obj[key] (path where.key) into an arena array of `size`-byte elements. */
static enum vx_status parse_list(struct pctx *c, const cJSON *obj, const char *where,
                                 const char *key, bool required, size_t size, elem_fn fn,
                                 const struct vx_product *p, const void **out, size_t *n_out)
{
    const cJSON *arr;
    int n;
    enum vx_status st = get_array(c, obj, key, where, required, MAX_ENTRIES, &arr, &n);
    if (st != VX_OK)
        return st;
    char *v = alloc_array(c, n, size);
    if (!v)
        return oom(c);
    for (int i = 0; i < n; i++) {
        char w[64];
        snprintf(w, sizeof w, "%s%s%s[%d]", where, *where ? "." : "", key, i);
        st = fn(c, cJSON_GetArrayItem(arr, i), w, v + (size_t)i * size,
                i ? v + (size_t)(i - 1) * size : NULL, p);
        if (st != VX_OK)
            return st;
    }
    *out = v;
    *n_out = (size_t)n;
    return VX_OK;
}

static const char *const vial_keys[] = {"from", "nominal", "usual", "source", "note", NULL};

static enum vx_status parse_vial(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                 const void *prev_, const struct vx_product *p)
{
    struct vx_vial_period *v = elem;
    const struct vx_vial_period *prev = prev_;
    char path[96];
    enum vx_status st;
    if ((st = check_keys(c, e, vial_keys, w)) != VX_OK ||
        (st = get_day(c, e, "from", w, true, 0, &v->from)) != VX_OK ||
        (st = get_int(c, e, "nominal", w, true, 1, 100, 0, &v->nominal)) != VX_OK ||
        (st = get_int(c, e, "usual", w, false, 1, 100, v->nominal, &v->usual)) != VX_OK ||
        (st = get_source(c, e, w, &v->source)) != VX_OK || (st = skip_note(c, e, w)) != VX_OK)
        return st;
    if (v->usual < v->nominal)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "usual"),
                    "usual (%d) must not be below nominal (%d)", v->usual, v->nominal);
    if (prev && v->from <= prev->from)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "from"),
                    "periods must be in increasing date order");
    return VX_OK;
}

static const char *const schedule_keys[] = {"doses", "intervals", "note", NULL};
static const char *const interval_keys[] = {"dose",     "from",   "min_days", "rec_days",
                                            "max_days", "source", "note",     NULL};

static enum vx_status parse_interval(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                     const void *prev_, const struct vx_product *p)
{
    struct vx_interval_rule *r = elem;
    const struct vx_interval_rule *prev = prev_;
    char path[96];
    enum vx_status st;
    if ((st = check_keys(c, e, interval_keys, w)) != VX_OK ||
        (st = get_int(c, e, "dose", w, true, 2, 10, 0, &r->dose)) != VX_OK ||
        (st = get_day(c, e, "from", w, true, 0, &r->from)) != VX_OK ||
        (st = get_int(c, e, "min_days", w, true, 0, MAX_DAYS, 0, &r->min_days)) != VX_OK ||
        (st = get_int(c, e, "rec_days", w, false, 0, MAX_DAYS, r->min_days, &r->rec_days)) !=
            VX_OK ||
        (st = get_int(c, e, "max_days", w, false, 1, MAX_DAYS, 0, &r->max_days)) != VX_OK ||
        (st = get_source(c, e, w, &r->source)) != VX_OK || (st = skip_note(c, e, w)) != VX_OK)
        return st;
    if (r->dose > p->doses)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "dose"),
                    "dose %d is beyond the schedule's %d doses", r->dose, p->doses);
    if (r->rec_days < r->min_days)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "rec_days"),
                    "recommended interval (%d) is below the minimum (%d)", r->rec_days,
                    r->min_days);
    if (r->max_days && r->min_days > r->max_days)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "min_days"),
                    "minimum interval (%d) is above the maximum (%d)", r->min_days, r->max_days);
    if (r->max_days && r->rec_days > r->max_days)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "rec_days"),
                    "recommended interval (%d) is above the maximum (%d)", r->rec_days,
                    r->max_days);
    if (prev && (r->dose < prev->dose || (r->dose == prev->dose && r->from <= prev->from)))
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "from"),
                    "rules must be ordered by dose, then by increasing date");
    return VX_OK;
}

static enum vx_status parse_schedule(struct pctx *c, const cJSON *prod, struct vx_product *p)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(prod, "schedule");
    if (!s)
        return fail(c, VX_EINVAL, "schedule", "missing");
    enum vx_status st;
    const void *rules = NULL;
    if ((st = check_keys(c, s, schedule_keys, "schedule")) != VX_OK ||
        (st = get_int(c, s, "doses", "schedule", true, 1, 10, 0, &p->doses)) != VX_OK ||
        (st = skip_note(c, s, "schedule")) != VX_OK ||
        (st = parse_list(c, s, "schedule", "intervals", false, sizeof *p->intervals, parse_interval,
                         p, &rules, &p->n_intervals)) != VX_OK)
        return st;
    p->intervals = rules;
    /* Every dose after the first needs a rule. */
    for (int d = 2; d <= p->doses; d++) {
        bool have = false;
        for (size_t i = 0; i < p->n_intervals; i++)
            have |= p->intervals[i].dose == d;
        if (!have)
            return fail(c, VX_EINVAL, "schedule.intervals", "no interval rule for dose %d", d);
    }
    return VX_OK;
}

/* Integer fields of a storage period, with their ranges (0 = not applicable). */
static const struct {
    const char *key;
    size_t off;
    int lo, hi;
} storage_ints[] = {
    {"frozen_months", offsetof(struct vx_storage, frozen_months), 0, 120},
    {"shelf_months", offsetof(struct vx_storage, shelf_months), 0, 120},
    {"thawed_days", offsetof(struct vx_storage, thawed_days), 0, 366},
    {"open_hours_cold", offsetof(struct vx_storage, open_hours_cold), 0, 720},
    {"open_hours_room", offsetof(struct vx_storage, open_hours_room), 0, 720},
    {"open_room_max_c", offsetof(struct vx_storage, open_room_max_c), 0, 40},
};

static const char *const storage_keys[] = {"from",
                                           "frozen_min_c",
                                           "frozen_max_c",
                                           "frozen_months",
                                           "shelf_months",
                                           "thawed_days",
                                           "open_hours_cold",
                                           "open_hours_room",
                                           "open_room_max_c",
                                           "source",
                                           "note",
                                           NULL};

static enum vx_status parse_storage(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                    const void *prev_, const struct vx_product *p)
{
    struct vx_storage *s = elem;
    const struct vx_storage *prev = prev_;
    char path[96];
    enum vx_status st;
    if ((st = check_keys(c, e, storage_keys, w)) != VX_OK ||
        (st = get_day(c, e, "from", w, true, 0, &s->from)) != VX_OK)
        return st;
    for (size_t k = 0; k < VX_ARRAY_LEN(storage_ints); k++) {
        int *slot = (int *)((char *)s + storage_ints[k].off);
        if ((st = get_int(c, e, storage_ints[k].key, w, false, storage_ints[k].lo,
                          storage_ints[k].hi, 0, slot)) != VX_OK)
            return st;
    }
    bool has_min = cJSON_HasObjectItem(e, "frozen_min_c");
    if (has_min != cJSON_HasObjectItem(e, "frozen_max_c"))
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "frozen_min_c"),
                    "frozen_min_c and frozen_max_c go together");
    s->frozen = has_min;
    if (s->frozen &&
        ((st = get_int(c, e, "frozen_min_c", w, true, -100, 0, 0, &s->frozen_min_c)) != VX_OK ||
         (st = get_int(c, e, "frozen_max_c", w, true, -100, 0, 0, &s->frozen_max_c)) != VX_OK))
        return st;
    if (s->frozen && s->frozen_min_c > s->frozen_max_c)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "frozen_min_c"),
                    "minimum temperature (%d) is above the maximum (%d)", s->frozen_min_c,
                    s->frozen_max_c);
    if (!s->frozen && (s->thawed_days || s->frozen_months))
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "thawed_days"),
                    "thawed_days and frozen_months need frozen_min_c/frozen_max_c");
    if (s->open_hours_room && !s->open_room_max_c)
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "open_room_max_c"),
                    "needed when open_hours_room is given");
    if ((st = get_source(c, e, w, &s->source)) != VX_OK || (st = skip_note(c, e, w)) != VX_OK)
        return st;
    if (prev && s->from <= prev->from)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "from"),
                    "periods must be in increasing date order");
    return VX_OK;
}

static const struct {
    const char *key;
    enum vx_transport_flag flag;
} transport_flags[] = {
    {"shake_sensitive", VX_TRANSPORT_SHAKE_SENSITIVE},
    {"frozen", VX_TRANSPORT_FROZEN},
    {"do_not_freeze", VX_TRANSPORT_DO_NOT_FREEZE},
    {"light_sensitive", VX_TRANSPORT_LIGHT_SENSITIVE},
    {"needs_dilution", VX_TRANSPORT_NEEDS_DILUTION},
};

static const char *const transport_keys[] = {
    "shake_sensitive", "frozen",  "do_not_freeze", "light_sensitive",
    "needs_dilution",  "note_sv", "note_en",       NULL};

const char *vx_transport_flag_name(unsigned flag)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(transport_flags); i++)
        if (transport_flags[i].flag == flag)
            return transport_flags[i].key;
    return NULL;
}

static enum vx_status parse_transport(struct pctx *c, const cJSON *prod, struct vx_product *p)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(prod, "transport");
    if (!t)
        return fail(c, VX_EINVAL, "transport", "missing");
    enum vx_status st = check_keys(c, t, transport_keys, "transport");
    if (st != VX_OK)
        return st;
    p->transport = 0;
    for (size_t i = 0; i < VX_ARRAY_LEN(transport_flags); i++) {
        bool on;
        if ((st = get_bool(c, t, transport_flags[i].key, "transport", &on)) != VX_OK)
            return st;
        if (on)
            p->transport |= transport_flags[i].flag;
    }
    if ((p->transport & VX_TRANSPORT_FROZEN) && (p->transport & VX_TRANSPORT_DO_NOT_FREEZE))
        return fail(c, VX_EINVAL, "transport.do_not_freeze", "contradicts frozen");
    if ((st = get_str(c, t, "note_sv", "transport", false, &p->transport_note_sv)) != VX_OK ||
        (st = get_str(c, t, "note_en", "transport", false, &p->transport_note_en)) != VX_OK)
        return st;
    return VX_OK;
}

static const char *const age_keys[] = {"from",           "to",      "paused", "min_age",
                                       "min_age_months", "max_age", "basis",  "reason_sv",
                                       "reason_en",      "source",  "note",   NULL};

static enum vx_status parse_age_rule(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                     const void *prev, const struct vx_product *p)
{
    struct vx_age_rule *r = elem;
    char path[96];
    const char *basis;
    int min_years, min_months;
    enum vx_status st;
    if ((st = check_keys(c, e, age_keys, w)) != VX_OK ||
        (st = get_day(c, e, "from", w, true, 0, &r->from)) != VX_OK ||
        (st = get_day(c, e, "to", w, false, VX_CATALOG_OPEN_END, &r->to)) != VX_OK ||
        (st = get_bool(c, e, "paused", w, &r->paused)) != VX_OK ||
        (st = get_int(c, e, "min_age", w, false, 0, 130, -1, &min_years)) != VX_OK ||
        (st = get_int(c, e, "min_age_months", w, false, 0, 1560, -1, &min_months)) != VX_OK ||
        (st = get_int(c, e, "max_age", w, false, 0, 130, -1, &r->max_years)) != VX_OK ||
        (st = get_str(c, e, "basis", w, false, &basis)) != VX_OK ||
        (st = get_str(c, e, "reason_sv", w, true, &r->reason_sv)) != VX_OK ||
        (st = get_str(c, e, "reason_en", w, true, &r->reason_en)) != VX_OK ||
        (st = get_source(c, e, w, &r->source)) != VX_OK || (st = skip_note(c, e, w)) != VX_OK)
        return st;
    if (r->to < r->from)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "to"), "ends before it starts");
    if (min_years >= 0 && min_months >= 0)
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "min_age_months"),
                    "give min_age or min_age_months, not both");
    r->min_months = min_years >= 0 ? min_years * 12 : min_months;
    if (!basis || !strcmp(basis, "completed_years"))
        r->basis = VX_AGE_COMPLETED_YEARS;
    else if (!strcmp(basis, "birth_year"))
        r->basis = VX_AGE_BIRTH_YEAR;
    else
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "basis"),
                    "must be \"completed_years\" or \"birth_year\" (got \"%s\")", basis);
    if (r->basis == VX_AGE_BIRTH_YEAR && min_months >= 0)
        return fail(c, VX_EINVAL, join(path, sizeof path, w, "min_age_months"),
                    "months make no sense with basis \"birth_year\"");
    bool limits = r->min_months >= 0 || r->max_years >= 0;
    if (r->paused == limits)
        return fail(c, VX_EINVAL, w,
                    r->paused ? "a paused rule cannot also have age limits"
                              : "needs min_age, min_age_months, max_age or paused");
    if (r->min_months >= 0 && r->max_years >= 0 && r->min_months > r->max_years * 12 + 11)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "min_age"),
                    "minimum age is above the maximum age");
    return VX_OK;
}

static const char *const season_keys[] = {"label", "from", "to", "source", "note", NULL};

static enum vx_status parse_season(struct pctx *c, const cJSON *e, const char *w, void *elem,
                                   const void *prev_, const struct vx_product *p)
{
    struct vx_season *s = elem;
    const struct vx_season *prev = prev_;
    char path[96];
    enum vx_status st;
    if ((st = check_keys(c, e, season_keys, w)) != VX_OK ||
        (st = get_str(c, e, "label", w, true, &s->label)) != VX_OK ||
        (st = get_day(c, e, "from", w, true, 0, &s->from)) != VX_OK ||
        (st = get_day(c, e, "to", w, true, 0, &s->to)) != VX_OK ||
        (st = get_source(c, e, w, &s->source)) != VX_OK || (st = skip_note(c, e, w)) != VX_OK)
        return st;
    if (s->to < s->from)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "to"), "ends before it starts");
    if (prev && s->from <= prev->to)
        return fail(c, VX_ERANGE, join(path, sizeof path, w, "from"),
                    "seasons must be in date order and not overlap");
    return VX_OK;
}

/* The dated lists of a product, after its schedule is known. */
static enum vx_status parse_lists(struct pctx *c, const cJSON *j, struct vx_product *p)
{
    const void *vials = NULL, *storage = NULL, *rules = NULL, *seasons = NULL;
    enum vx_status st;
    if ((st = parse_list(c, j, "", "doses_per_vial", true, sizeof *p->vials, parse_vial, p, &vials,
                         &p->n_vials)) != VX_OK ||
        (st = parse_list(c, j, "", "storage", true, sizeof *p->storage, parse_storage, p, &storage,
                         &p->n_storage)) != VX_OK ||
        (st = parse_list(c, j, "", "age_rules", false, sizeof *p->age_rules, parse_age_rule, p,
                         &rules, &p->n_age_rules)) != VX_OK ||
        (st = parse_list(c, j, "", "seasons", false, sizeof *p->seasons, parse_season, p, &seasons,
                         &p->n_seasons)) != VX_OK)
        return st;
    p->vials = vials;
    p->storage = storage;
    p->age_rules = rules;
    p->seasons = seasons;
    if (p->seasonal && p->n_seasons == 0)
        return fail(c, VX_EINVAL, "seasons", "a seasonal product needs at least one season");
    if (!p->seasonal && p->n_seasons > 0)
        return fail(c, VX_EINVAL, "seasons", "only seasonal products have seasons");
    return VX_OK;
}

/* Static fields that may (and, for `required`, must) be cited in a product's "sources". */
static const struct {
    const char *field;
    bool required;
} source_fields[] = {
    {"name", true},        {"manufacturer", true}, {"doses", true},     {"transport", true},
    {"authorised", false}, {"dcc", false},         {"seasonal", false},
};

static enum vx_status parse_sources(struct pctx *c, const cJSON *prod, struct vx_product *p)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(prod, "sources");
    if (!s)
        return fail(c, VX_EINVAL, "sources", "missing: every value must cite its source");
    const char *keys[VX_ARRAY_LEN(source_fields) + 1];
    for (size_t i = 0; i < VX_ARRAY_LEN(source_fields); i++)
        keys[i] = source_fields[i].field;
    keys[VX_ARRAY_LEN(source_fields)] = NULL;
    enum vx_status st = check_keys(c, s, keys, "sources");
    if (st != VX_OK)
        return st;
    struct vx_field_source *fs = alloc_array(c, (int)VX_ARRAY_LEN(source_fields), sizeof *fs);
    if (!fs)
        return oom(c);
    size_t n = 0;
    for (size_t i = 0; i < VX_ARRAY_LEN(source_fields); i++) {
        const char *f = source_fields[i].field;
        bool need = source_fields[i].required ||
                    (!strcmp(f, "authorised") && p->authorised != VX_CATALOG_NO_DATE) ||
                    (!strcmp(f, "dcc") && p->dcc.mp) || (!strcmp(f, "seasonal") && p->seasonal);
        const char *text;
        char path[64];
        if ((st = get_str(c, s, f, "sources", need, &text)) != VX_OK)
            return st;
        if (!text)
            continue;
        if ((st = check_citation(c, text, join(path, sizeof path, "sources", f))) != VX_OK)
            return st;
        fs[n].field = f; /* static table string, lives forever */
        fs[n].source = text;
        n++;
    }
    p->sources = fs;
    p->n_sources = n;
    return VX_OK;
}

static const char *const product_keys[] = {
    "code",      "name",     "manufacturer",   "authorised", "seasonal",
    "dcc",       "schedule", "doses_per_vial", "storage",    "transport",
    "age_rules", "seasons",  "sources",        "note",       NULL};

static enum vx_status parse_product(struct pctx *c, const cJSON *j, int idx, struct vx_product *p)
{
    char tag[24];
    enum vx_status st;
    snprintf(tag, sizeof tag, "#%d", idx);
    c->product = tag;
    if (!cJSON_IsObject(j))
        return fail(c, VX_EINVAL, "(product)", "must be a JSON object");
    /* Name the product by its code as soon as the code is known and valid. */
    if ((st = get_str(c, j, "code", "", true, &p->code)) != VX_OK)
        return st;
    if (!valid_product_code(p->code))
        return fail(c, VX_EINVAL, "code", "'%.32s' is not a product code ([A-Z][A-Z0-9_]{0,15})",
                    p->code);
    c->product = p->code;
    if ((st = check_keys(c, j, product_keys, "")) != VX_OK ||
        (st = get_str(c, j, "name", "", true, &p->name)) != VX_OK ||
        (st = get_str(c, j, "manufacturer", "", true, &p->manufacturer)) != VX_OK ||
        (st = get_str(c, j, "note", "", false, &p->note)) != VX_OK ||
        (st = get_day(c, j, "authorised", "", false, VX_CATALOG_NO_DATE, &p->authorised)) !=
            VX_OK ||
        (st = get_bool(c, j, "seasonal", "", &p->seasonal)) != VX_OK ||
        (st = parse_dcc(c, j, &p->dcc)) != VX_OK || (st = parse_schedule(c, j, p)) != VX_OK ||
        (st = parse_lists(c, j, p)) != VX_OK || (st = parse_transport(c, j, p)) != VX_OK ||
        (st = parse_sources(c, j, p)) != VX_OK)
        return st;
    return VX_OK;
}

/* ---------------------------------------------------------------- top level */

static const char *const ref_keys[] = {"title", "url", "date", NULL};

static bool valid_ref_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 48)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]) ||
              s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

static enum vx_status parse_references(struct pctx *c, const cJSON *root, struct vx_catalog *cat)
{
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(root, "references");
    if (!refs)
        return fail(c, VX_EINVAL, "references", "missing");
    if (!cJSON_IsObject(refs))
        return fail(c, VX_EINVAL, "references", "must be a JSON object");
    int n = cJSON_GetArraySize(refs);
    if (n == 0 || n > MAX_REFERENCES)
        return fail(c, VX_ERANGE, "references", "needs 1..%d entries (got %d)", MAX_REFERENCES, n);
    struct vx_reference *r = alloc_array(c, n, sizeof *r);
    if (!r)
        return oom(c);
    int i = 0;
    for (const cJSON *e = refs->child; e; e = e->next, i++) {
        char w[80];
        enum vx_status st;
        snprintf(w, sizeof w, "references.%.48s", e->string);
        if (!valid_ref_id(e->string))
            return fail(c, VX_EINVAL, w, "reference ids are 1..48 of [A-Za-z0-9._-]");
        for (int k = 0; k < i; k++)
            if (!strcmp(r[k].id, e->string))
                return fail(c, VX_EPARSE, w, "duplicate reference id");
        if ((st = dup_str(c, e->string, &r[i].id)) != VX_OK ||
            (st = check_keys(c, e, ref_keys, w)) != VX_OK ||
            (st = get_str(c, e, "title", w, true, &r[i].title)) != VX_OK ||
            (st = get_str(c, e, "url", w, true, &r[i].url)) != VX_OK ||
            (st = get_day(c, e, "date", w, true, 0, &r[i].date)) != VX_OK)
            return st;
        if (strncmp(r[i].url, "https://", 8) && strncmp(r[i].url, "http://", 7))
            return fail(c, VX_EINVAL, join((char[96]){0}, 96, w, "url"),
                        "must start with http:// or https://");
    }
    cat->references = r;
    cat->n_references = (size_t)n;
    c->refs = r;
    c->n_refs = (size_t)n;
    return VX_OK;
}

static const char *const top_keys[] = {"format",     "country",  "updated", "note",
                                       "references", "products", NULL};

static enum vx_status parse_root(struct pctx *c, const cJSON *root, struct vx_catalog *cat)
{
    enum vx_status st;
    const char *format;
    const cJSON *arr;
    int n;
    if ((st = check_keys(c, root, top_keys, "")) != VX_OK ||
        (st = get_str(c, root, "format", "", true, &format)) != VX_OK)
        return st;
    if (strcmp(format, VX_CATALOG_FORMAT))
        return fail(c, VX_EINVAL, "format", "must be \"%s\" (got \"%.40s\")", VX_CATALOG_FORMAT,
                    format);
    if ((st = get_str(c, root, "country", "", true, &cat->country)) != VX_OK ||
        (st = get_day(c, root, "updated", "", true, 0, &cat->updated)) != VX_OK ||
        (st = skip_note(c, root, "")) != VX_OK)
        return st;
    if (strlen(cat->country) != 2 || cat->country[0] < 'A' || cat->country[0] > 'Z' ||
        cat->country[1] < 'A' || cat->country[1] > 'Z')
        return fail(c, VX_EINVAL, "country", "must be an ISO 3166-1 alpha-2 code such as \"SE\"");
    if ((st = parse_references(c, root, cat)) != VX_OK ||
        (st = get_array(c, root, "products", "", true, MAX_PRODUCTS, &arr, &n)) != VX_OK)
        return st;
    struct vx_product *p = alloc_array(c, n, sizeof *p);
    if (!p)
        return oom(c);
    for (int i = 0; i < n; i++) {
        if ((st = parse_product(c, cJSON_GetArrayItem(arr, i), i, &p[i])) != VX_OK)
            return st;
        for (int k = 0; k < i; k++) {
            if (!strcmp(p[k].code, p[i].code))
                return fail(c, VX_EINVAL, "code", "duplicate product code");
            if (p[i].dcc.mp && p[k].dcc.mp && !strcmp(p[k].dcc.mp, p[i].dcc.mp))
                return fail(c, VX_EINVAL, "dcc.mp", "'%s' is also used by product '%s'",
                            p[i].dcc.mp, p[k].code);
        }
    }
    c->product = NULL;
    cat->products = p;
    cat->n_products = (size_t)n;
    return VX_OK;
}

/* Line and column (1-based) of byte offset `off` in json[0..len). */
static void line_col(const char *json, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (json[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

enum vx_status vx_catalog_parse(const char *json, size_t len, struct vx_arena *arena,
                                const struct vx_catalog **out, struct vx_err *err)
{
    struct pctx c = {.arena = arena, .err = err};
    *out = NULL;
    if (!json)
        return vx_err_set(err, VX_EINVAL, "catalogue: no text");
    if (len > VX_CATALOG_MAX_BYTES)
        return vx_err_set(err, VX_ERANGE, "catalogue: larger than %u bytes", VX_CATALOG_MAX_BYTES);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        int line, col;
        size_t off = end && end >= json ? (size_t)(end - json) : 0;
        line_col(json, len, off, &line, &col);
        return vx_err_set(err, VX_EPARSE, "catalogue: not valid JSON at line %d, column %d", line,
                          col);
    }
    /* Only whitespace may follow the value. */
    for (const char *p = end; p && p < json + len; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            int line, col;
            line_col(json, len, (size_t)(p - json), &line, &col);
            cJSON_Delete(root);
            return vx_err_set(err, VX_EPARSE,
                              "catalogue: unexpected text after the JSON value at line %d, "
                              "column %d",
                              line, col);
        }
    struct vx_catalog *cat = vx_arena_alloc(arena, sizeof *cat);
    enum vx_status st = cat ? parse_root(&c, root, cat) : oom(&c);
    cJSON_Delete(root);
    if (st == VX_OK)
        *out = cat;
    return st;
}

/* ---------------------------------------------------------------- DCC value sets */

/* Parse a value-set text and return its "valueSetValues" object (the tree in *root). */
static enum vx_status load_value_set(const char *json, const char *want_id, const char *what,
                                     cJSON **root, const cJSON **values, struct vx_err *err)
{
    *root = json ? cJSON_Parse(json) : NULL;
    if (!*root)
        return vx_err_set(err, VX_EPARSE, "value set %s: not valid JSON", what);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(*root, "valueSetId");
    *values = cJSON_GetObjectItemCaseSensitive(*root, "valueSetValues");
    if (!cJSON_IsString(id) || strcmp(id->valuestring, want_id) || !cJSON_IsObject(*values))
        return vx_err_set(err, VX_EPARSE, "value set %s: expected valueSetId \"%s\"", what,
                          want_id);
    return VX_OK;
}

static enum vx_status check_code(const cJSON *values, const struct vx_product *p, const char *field,
                                 const char *code, const char *set_id, struct vx_err *err)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(values, code);
    if (!e)
        return vx_err_set(err, VX_ENOTFOUND,
                          "product '%s', field 'dcc.%s': '%s' is not in value set %s", p->code,
                          field, code, set_id);
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "active")))
        return vx_err_set(err, VX_ENOTFOUND,
                          "product '%s', field 'dcc.%s': '%s' is inactive in value set %s", p->code,
                          field, code, set_id);
    return VX_OK;
}

/* The encoding instructions tie a product code to its holder and SNOMED codes. */
static enum vx_status check_encoding(const cJSON *values, const struct vx_product *p,
                                     struct vx_err *err)
{
    for (const cJSON *e = values->child; e; e = e->next) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "vaccine-code");
        if (!cJSON_IsString(code) || strcmp(code->valuestring, p->dcc.mp))
            continue;
        const cJSON *manf = cJSON_GetObjectItemCaseSensitive(e, "vaccine-manufacturer");
        if (!cJSON_IsString(manf) || strcmp(manf->valuestring, p->dcc.ma))
            return vx_err_set(err, VX_EINVAL,
                              "product '%s', field 'dcc.ma': '%s' is not the holder of %s per "
                              "the encoding instructions",
                              p->code, p->dcc.ma, p->dcc.mp);
        const cJSON *sct = cJSON_GetObjectItemCaseSensitive(e, "sct-codes");
        const cJSON *s;
        cJSON_ArrayForEach(s, sct)
        {
            if (cJSON_IsString(s) && !strcmp(s->valuestring, p->dcc.vp))
                return VX_OK;
        }
        return vx_err_set(err, VX_EINVAL,
                          "product '%s', field 'dcc.vp': '%s' is not a SNOMED code allowed for "
                          "%s per the encoding instructions",
                          p->code, p->dcc.vp, p->dcc.mp);
    }
    return vx_err_set(err, VX_ENOTFOUND,
                      "product '%s', field 'dcc.mp': '%s' has no entry in the encoding "
                      "instructions",
                      p->code, p->dcc.mp);
}

enum vx_status vx_catalog_check_dcc(const struct vx_catalog *cat, const char *mp_json,
                                    const char *vp_json, const char *ma_json,
                                    const char *encoding_json, struct vx_err *err)
{
    static const struct {
        const char *id, *what;
    } sets[] = {
        {"vaccines-covid-19-names", "vaccine-medicinal-product"},
        {"sct-vaccines-covid-19", "vaccine-prophylaxis"},
        {"vaccines-covid-19-auth-holders", "vaccine-mah-manf"},
        {"vaccines-covid-19-encoding-instructions", "vaccine-encoding-instructions"},
    };
    const char *texts[] = {mp_json, vp_json, ma_json, encoding_json};
    cJSON *roots[4] = {NULL, NULL, NULL, NULL};
    const cJSON *values[4] = {NULL, NULL, NULL, NULL};
    enum vx_status st = VX_OK;
    size_t nsets = encoding_json ? 4 : 3;
    for (size_t i = 0; i < nsets && st == VX_OK; i++)
        st = load_value_set(texts[i], sets[i].id, sets[i].what, &roots[i], &values[i], err);
    for (size_t i = 0; i < cat->n_products && st == VX_OK; i++) {
        const struct vx_product *p = &cat->products[i];
        if (!p->dcc.mp)
            continue;
        const char *codes[] = {p->dcc.mp, p->dcc.vp, p->dcc.ma};
        const char *fields[] = {"mp", "vp", "ma"};
        for (size_t k = 0; k < 3 && st == VX_OK; k++)
            st = check_code(values[k], p, fields[k], codes[k], sets[k].id, err);
        if (st == VX_OK && encoding_json)
            st = check_encoding(values[3], p, err);
    }
    for (size_t i = 0; i < 4; i++)
        cJSON_Delete(roots[i]);
    return st;
}

/* ---------------------------------------------------------------- queries */

const struct vx_product *vx_catalog_find(const struct vx_catalog *cat, const char *code)
{
    for (size_t i = 0; i < cat->n_products; i++)
        if (!strcmp(cat->products[i].code, code))
            return &cat->products[i];
    return NULL;
}

const struct vx_product *vx_catalog_find_dcc(const struct vx_catalog *cat, const char *mp)
{
    for (size_t i = 0; i < cat->n_products; i++)
        if (cat->products[i].dcc.mp && !strcmp(cat->products[i].dcc.mp, mp))
            return &cat->products[i];
    return NULL;
}

const struct vx_reference *vx_catalog_reference(const struct vx_catalog *cat, const char *id)
{
    for (size_t i = 0; i < cat->n_references; i++)
        if (!strcmp(cat->references[i].id, id))
            return &cat->references[i];
    return NULL;
}

int vx_product_doses_per_vial(const struct vx_product *p, vx_day on, bool usual)
{
    const struct vx_vial_period *hit = NULL;
    for (size_t i = 0; i < p->n_vials && p->vials[i].from <= on; i++)
        hit = &p->vials[i];
    return hit ? (usual ? hit->usual : hit->nominal) : 0;
}

const struct vx_storage *vx_product_storage(const struct vx_product *p, vx_day on)
{
    const struct vx_storage *hit = NULL;
    for (size_t i = 0; i < p->n_storage && p->storage[i].from <= on; i++)
        hit = &p->storage[i];
    return hit;
}

const char *vx_product_source(const struct vx_product *p, const char *field)
{
    for (size_t i = 0; i < p->n_sources; i++)
        if (!strcmp(p->sources[i].field, field))
            return p->sources[i].source;
    return NULL;
}

bool vx_product_in_season(const struct vx_product *p, vx_day on, const struct vx_season **which)
{
    if (which)
        *which = NULL;
    if (!p->seasonal)
        return true;
    for (size_t i = 0; i < p->n_seasons; i++)
        if (p->seasons[i].from <= on && on <= p->seasons[i].to) {
            if (which)
                *which = &p->seasons[i];
            return true;
        }
    return false;
}

/* Completed months from birth to at (a birthday on a day the month lacks, such as the
 * 31st or 29 February, falls on the 1st of the next month, as vx_age_at does). */
static int age_months(vx_day birth, vx_day at)
{
    struct vx_ymd b = vx_ymd_from_day(birth), a = vx_ymd_from_day(at);
    int m = (a.year - b.year) * 12 + (a.month - b.month);
    if (a.day < b.day)
        m--;
    return m;
}

/* The age facts a rule may need, computed once per question. */
struct age_facts {
    int years;      /* completed years */
    int months;     /* completed months */
    int year_years; /* calendar year of `on` minus birth year */
};

static void set_answer(struct vx_age_answer *out, enum vx_age_verdict v,
                       const struct vx_age_rule *r)
{
    out->verdict = v;
    out->rule = r;
    out->reason_sv = r ? r->reason_sv : "";
    out->reason_en = r ? r->reason_en : "";
}

static enum vx_age_verdict age_check(const struct vx_product *p, const struct age_facts *f,
                                     vx_day on, struct vx_age_answer *out)
{
    set_answer(out, VX_AGE_OK, NULL);
    if (p->authorised != VX_CATALOG_NO_DATE && on < p->authorised) {
        out->verdict = VX_AGE_NOT_AUTHORISED;
        out->reason_sv = "Vaccinet var inte godkänt på detta datum.";
        out->reason_en = "The vaccine was not authorised on this date.";
        return out->verdict;
    }
    /* Pass 0: pauses (they refuse everybody, so they explain best); pass 1: ages. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->n_age_rules; i++) {
            const struct vx_age_rule *r = &p->age_rules[i];
            if (on < r->from || on > r->to || r->paused != (pass == 0))
                continue;
            if (r->paused) {
                set_answer(out, VX_AGE_PAUSED, r);
                return out->verdict;
            }
            bool by_year = r->basis == VX_AGE_BIRTH_YEAR;
            int months = by_year ? f->year_years * 12 : f->months;
            int years = by_year ? f->year_years : f->years;
            if (r->min_months >= 0 && months < r->min_months) {
                set_answer(out, VX_AGE_TOO_YOUNG, r);
                return out->verdict;
            }
            if (r->max_years >= 0 && years > r->max_years) {
                set_answer(out, VX_AGE_TOO_OLD, r);
                return out->verdict;
            }
        }
    return VX_AGE_OK;
}

enum vx_age_verdict vx_product_age_allowed(const struct vx_product *p, vx_day birth, vx_day on,
                                           struct vx_age_answer *out)
{
    struct age_facts f = {
        .years = vx_age_at(birth, on),
        .months = age_months(birth, on),
        .year_years = vx_ymd_from_day(on).year - vx_ymd_from_day(birth).year,
    };
    return age_check(p, &f, on, out);
}

enum vx_age_verdict vx_product_age_allowed_years(const struct vx_product *p, int age_years,
                                                 vx_day on, struct vx_age_answer *out)
{
    struct age_facts f = {.years = age_years, .months = age_years * 12, .year_years = age_years};
    return age_check(p, &f, on, out);
}

const char *vx_age_reason(const struct vx_age_answer *a, const char *lang)
{
    const char *s = lang && !strncmp(lang, "en", 2) ? a->reason_en : a->reason_sv;
    return s ? s : "";
}

enum vx_interval_verdict vx_product_interval_check(const struct vx_product *p, int dose,
                                                   vx_day prev, vx_day at,
                                                   struct vx_interval_answer *out)
{
    const struct vx_interval_rule *rule = NULL;
    memset(out, 0, sizeof *out);
    out->days = at - prev;
    out->latest = VX_CATALOG_OPEN_END;
    if (dose >= 2 && dose <= p->doses)
        for (size_t i = 0; i < p->n_intervals; i++)
            if (p->intervals[i].dose == dose && p->intervals[i].from <= prev)
                rule = &p->intervals[i]; /* sorted: the last match is in force */
    if (!rule) {
        out->verdict = VX_INTERVAL_NO_RULE;
        return out->verdict;
    }
    out->rule = rule;
    out->min_days = rule->min_days;
    out->rec_days = rule->rec_days;
    out->max_days = rule->max_days;
    out->earliest = prev + rule->min_days;
    out->recommended = prev + rule->rec_days;
    if (rule->max_days)
        out->latest = prev + rule->max_days;
    if (out->days < rule->min_days)
        out->verdict = VX_INTERVAL_TOO_EARLY;
    else if (rule->max_days && out->days > rule->max_days)
        out->verdict = VX_INTERVAL_TOO_LATE;
    else
        out->verdict = VX_INTERVAL_OK;
    return out->verdict;
}
