/*
 * elig.c — eligibility rules: parse the JSON rule table, evaluate a person at a date.
 *
 * Design. The priority order is data (data/eligibility.json). Parsing is strict on
 * purpose: a typo in a rule file ("residense", "2021-02-30", a risk code nobody
 * defined) would silently change who may book, so every unknown key or code is an
 * error whose message names the rule (by position and id) and the field. cJSON
 * builds a temporary tree with malloc; everything kept is copied into the caller's
 * arena and the tree is freed before returning, so a table is one arena and nothing
 * else. Rules are sorted by priority once, at parse time (stable insertion sort,
 * n <= 64), and priorities must be unique so the order never depends on the file.
 *
 * A rule is a conjunction: age bounds (completed years at the evaluation date, via
 * vx_age_at), birth-year bounds, then the residence / risk / flag conditions, which
 * combine with AND (match "all") or OR (match "any", e.g. "lives in an LSS home OR
 * has LSS personal assistance"). Within one kind the listed values are alternatives.
 *
 * Evaluation walks the rules in priority order once. Phases overlap in practice
 * (a region opens 3a while 2d is still running), so a person is eligible when any
 * rule they match is open; the deciding rule is the first open one. When none is
 * open, the answer names the matching rule that opens first, because "when can I
 * book?" is the question a citizen asks. The "under 18/16/12" reason compares the
 * person's age with the lowest age limit of the general-population rules open that
 * day (rules without residence/risk/flag conditions; falling back to every open
 * rule), so a 17-year-old in March 2021 reads "under 18" and a 14-year-old in
 * September 2021 "under 16". Reasons are composed here in Swedish and English from
 * the rule labels; the sentence frames are one table below.
 *
 * Regional opening dates are a separate value (struct vx_elig_openings) indexed like
 * the sorted rules, so the table itself stays immutable and shareable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "vx/elig.h"

#define ID_MAX   32 /* bytes of a rule id or risk code incl. NUL */
#define NAME_MAX 200

/* ---- flag codes --------------------------------------------------------------- */

static const struct {
    const char *code;
    uint32_t flag;
    bool rule_ok; /* may appear in a rule's "flags" */
} flag_codes[] = {
    {"care_staff", VX_PF_CARE_STAFF, true},
    {"household_contact", VX_PF_HOUSEHOLD_CONTACT, true},
    {"lss_assistance", VX_PF_LSS_ASSISTANCE, true},
    {"health_staff", VX_PF_HEALTH_STAFF, true},
    {"deceased", VX_PF_DECEASED, false},
};

const char *vx_elig_flag_code(uint32_t flag)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(flag_codes); i++)
        if (flag_codes[i].flag == flag)
            return flag_codes[i].code;
    return "unknown";
}

enum vx_status vx_elig_flag_parse(const char *code, uint32_t *flag)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(flag_codes); i++) {
        if (!strcmp(code, flag_codes[i].code)) {
            *flag = flag_codes[i].flag;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}

static const char *const why_codes[] = {
    [VX_ELIG_OPEN] = "open",           [VX_ELIG_NOT_OPEN] = "not_open",
    [VX_ELIG_UNDER_AGE] = "under_age", [VX_ELIG_NO_RULE] = "no_rule",
    [VX_ELIG_DECEASED] = "deceased",   [VX_ELIG_NOT_BORN] = "not_born",
};

const char *vx_elig_why_code(enum vx_elig_why why)
{
    return (unsigned)why < VX_ARRAY_LEN(why_codes) ? why_codes[why] : "unknown";
}

/* ---- parsing ------------------------------------------------------------------ */

struct pctx {
    struct vx_arena *arena;
    struct vx_err *err;
    char where[96]; /* "rules[3] 'p2-80plus'" — prefix of every message */
};

static enum vx_status fail(struct pctx *c, enum vx_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum vx_status fail(struct pctx *c, enum vx_status st, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->where[0])
        return vx_err_set(c->err, st, "%s: %s", c->where, msg);
    return vx_err_set(c->err, st, "%s", msg);
}

/* Reject keys not in `allowed` (NULL-terminated) and keys given twice; keys that
 * start with '_' are comments. */
static enum vx_status check_keys(struct pctx *c, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(c, VX_EPARSE, "expected a JSON object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        if (it->string[0] == '_')
            continue;
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, it->string);
        if (!ok)
            return fail(c, VX_EPARSE, "unknown field '%s'", it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (!strcmp(prev->string, it->string))
                return fail(c, VX_EPARSE, "field '%s' given twice", it->string);
    }
    return VX_OK;
}

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* String field copied into the arena. Absent and optional: *out = "". */
static enum vx_status get_str(struct pctx *c, const cJSON *obj, const char *key, bool required,
                              size_t max, const char **out)
{
    const cJSON *v = field(obj, key);
    *out = "";
    if (!v) {
        if (required)
            return fail(c, VX_EPARSE, "field '%s' is missing", key);
        return VX_OK;
    }
    if (!cJSON_IsString(v))
        return fail(c, VX_EPARSE, "field '%s' must be a string", key);
    size_t n = strlen(v->valuestring);
    if (required && n == 0)
        return fail(c, VX_EINVAL, "field '%s' is empty", key);
    if (n >= max)
        return fail(c, VX_EINVAL, "field '%s' is longer than %zu bytes", key, max - 1);
    char *s = vx_arena_strndup(c->arena, v->valuestring, n);
    if (!s)
        return fail(c, VX_ENOMEM, "out of memory");
    *out = s;
    return VX_OK;
}

/* Integer field in [lo, hi]. Absent and optional: *out = def. */
static enum vx_status get_int(struct pctx *c, const cJSON *obj, const char *key, bool required,
                              int lo, int hi, int def, int *out)
{
    const cJSON *v = field(obj, key);
    *out = def;
    if (!v) {
        if (required)
            return fail(c, VX_EPARSE, "field '%s' is missing", key);
        return VX_OK;
    }
    if (!cJSON_IsNumber(v))
        return fail(c, VX_EPARSE, "field '%s' must be an integer", key);
    double d = v->valuedouble;
    if (!(d >= -1e9 && d <= 1e9)) /* also NaN; keeps the cast below defined */
        return fail(c, VX_EINVAL, "field '%s': %g is outside %d..%d", key, d, lo, hi);
    if (d != (double)(int)d)
        return fail(c, VX_EPARSE, "field '%s' must be an integer", key);
    int x = (int)d;
    if (x < lo || x > hi)
        return fail(c, VX_EINVAL, "field '%s': %d is outside %d..%d", key, x, lo, hi);
    *out = x;
    return VX_OK;
}

static bool valid_code(const char *s, bool allow_dash)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                  (allow_dash && ch == '-');
        if (!ok)
            return false;
    }
    return true;
}

/* An array of strings; calls `each` for every element. */
typedef enum vx_status (*str_cb)(struct pctx *c, const char *key, const char *s, void *ctx);

static enum vx_status each_str(struct pctx *c, const cJSON *obj, const char *key, str_cb each,
                               void *ctx)
{
    const cJSON *v = field(obj, key);
    if (!v)
        return VX_OK;
    if (!cJSON_IsArray(v))
        return fail(c, VX_EPARSE, "field '%s' must be an array of strings", key);
    if (!v->child)
        return fail(c, VX_EINVAL, "field '%s' is an empty list (leave it out instead)", key);
    for (const cJSON *it = v->child; it; it = it->next) {
        if (!cJSON_IsString(it))
            return fail(c, VX_EPARSE, "field '%s' must be an array of strings", key);
        enum vx_status st = each(c, key, it->valuestring, ctx);
        if (st != VX_OK)
            return st;
    }
    return VX_OK;
}

static enum vx_status add_residence(struct pctx *c, const char *key, const char *s, void *ctx)
{
    enum vx_residence r;
    if (vx_residence_parse(s, &r) != VX_OK)
        return fail(c, VX_EINVAL,
                    "field '%s': unknown residence '%s' (own_home, special_housing, "
                    "home_care, home_health_care, lss_home)",
                    key, s);
    *(uint32_t *)ctx |= 1u << r;
    return VX_OK;
}

static enum vx_status add_flag(struct pctx *c, const char *key, const char *s, void *ctx)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(flag_codes); i++) {
        if (strcmp(s, flag_codes[i].code))
            continue;
        if (!flag_codes[i].rule_ok)
            return fail(c, VX_EINVAL,
                        "field '%s': flag '%s' cannot be a condition (never eligible)", key, s);
        *(uint32_t *)ctx |= flag_codes[i].flag;
        return VX_OK;
    }
    return fail(c, VX_EINVAL,
                "field '%s': unknown flag '%s' (care_staff, household_contact, "
                "lss_assistance, health_staff)",
                key, s);
}

struct risk_add {
    const struct vx_elig_table *t;
    uint32_t mask;
};

static enum vx_status add_risk(struct pctx *c, const char *key, const char *s, void *ctx)
{
    struct risk_add *ra = ctx;
    const struct vx_elig_risk *r = vx_elig_risk_find(ra->t, s);
    if (!r)
        return fail(c, VX_EINVAL, "field '%s': unknown risk code '%s' (not in risk_codes)", key, s);
    ra->mask |= 1u << r->bit;
    return VX_OK;
}

static enum vx_status get_label(struct pctx *c, const cJSON *obj, const char **sv, const char **en)
{
    const cJSON *l = field(obj, "label");
    if (!l)
        return fail(c, VX_EPARSE, "field 'label' is missing");
    char saved[sizeof c->where];
    memcpy(saved, c->where, sizeof saved);
    size_t n = strlen(c->where);
    snprintf(c->where + n, sizeof c->where - n, " label");
    static const char *const keys[] = {"sv", "en", NULL};
    enum vx_status st = check_keys(c, l, keys);
    if (st == VX_OK)
        st = get_str(c, l, "sv", true, VX_ELIG_LABEL_MAX, sv);
    if (st == VX_OK)
        st = get_str(c, l, "en", true, VX_ELIG_LABEL_MAX, en);
    memcpy(c->where, saved, sizeof saved);
    return st;
}

static enum vx_status parse_risk(struct pctx *c, const cJSON *o, struct vx_elig_table *t,
                                 struct vx_elig_risk *r)
{
    static const char *const keys[] = {"code", "bit", "sv", "en", "source", NULL};
    enum vx_status st = check_keys(c, o, keys);
    if (st != VX_OK)
        return st;
    if ((st = get_str(c, o, "code", true, ID_MAX, &r->code)) != VX_OK)
        return st;
    size_t n = strlen(c->where);
    snprintf(c->where + n, sizeof c->where - n, " '%s'", r->code);
    if (!valid_code(r->code, false))
        return fail(c, VX_EINVAL, "field 'code': '%s' is not [a-z0-9_], 1..31 characters", r->code);
    if ((st = get_int(c, o, "bit", true, 0, VX_RISK_MAX - 1, 0, &r->bit)) != VX_OK)
        return st;
    if ((st = get_str(c, o, "sv", true, NAME_MAX, &r->name_sv)) != VX_OK)
        return st;
    if ((st = get_str(c, o, "en", true, NAME_MAX, &r->name_en)) != VX_OK)
        return st;
    const char *src;
    if ((st = get_str(c, o, "source", false, 1024, &src)) != VX_OK)
        return st;
    for (int i = 0; i < t->n_risks; i++) {
        if (!strcmp(t->risks[i].code, r->code))
            return fail(c, VX_EINVAL, "duplicate risk code '%s'", r->code);
        if (t->risks[i].bit == r->bit)
            return fail(c, VX_EINVAL, "bit %d is already used by risk code '%s'", r->bit,
                        t->risks[i].code);
    }
    return VX_OK;
}

static enum vx_status parse_when(struct pctx *c, const cJSON *w, const struct vx_elig_table *t,
                                 struct vx_elig_rule *r)
{
    static const char *const keys[] = {"age_min",  "age_max",   "born_from", "born_to", "residence",
                                       "risk_any", "flags_any", "match",     NULL};
    char saved[sizeof c->where];
    memcpy(saved, c->where, sizeof saved);
    size_t n = strlen(c->where);
    snprintf(c->where + n, sizeof c->where - n, " when");
    enum vx_status st = check_keys(c, w, keys);
    if (st == VX_OK)
        st = get_int(c, w, "age_min", false, 0, 150, VX_ELIG_NO_AGE, &r->age_min);
    if (st == VX_OK)
        st = get_int(c, w, "age_max", false, 0, 150, VX_ELIG_NO_AGE, &r->age_max);
    if (st == VX_OK)
        st = get_int(c, w, "born_from", false, 1800, 9999, VX_ELIG_NO_YEAR, &r->born_from);
    if (st == VX_OK)
        st = get_int(c, w, "born_to", false, 1800, 9999, VX_ELIG_NO_YEAR, &r->born_to);
    if (st == VX_OK && r->age_min != VX_ELIG_NO_AGE && r->age_max != VX_ELIG_NO_AGE &&
        r->age_min > r->age_max)
        st = fail(c, VX_EINVAL, "age_min %d is above age_max %d", r->age_min, r->age_max);
    if (st == VX_OK && r->born_from && r->born_to && r->born_from > r->born_to)
        st = fail(c, VX_EINVAL, "born_from %d is after born_to %d", r->born_from, r->born_to);
    if (st == VX_OK)
        st = each_str(c, w, "residence", add_residence, &r->residences);
    if (st == VX_OK)
        st = each_str(c, w, "flags_any", add_flag, &r->flags_any);
    struct risk_add ra = {t, 0};
    if (st == VX_OK)
        st = each_str(c, w, "risk_any", add_risk, &ra);
    r->risk_any = ra.mask;
    const char *match;
    if (st == VX_OK)
        st = get_str(c, w, "match", false, 8, &match);
    if (st == VX_OK) {
        if (!*match || !strcmp(match, "all"))
            r->match = VX_ELIG_MATCH_ALL;
        else if (!strcmp(match, "any"))
            r->match = VX_ELIG_MATCH_ANY;
        else
            st = fail(c, VX_EINVAL, "field 'match': '%s' is not \"all\" or \"any\"", match);
    }
    memcpy(c->where, saved, sizeof saved);
    return st;
}

static enum vx_status parse_rule(struct pctx *c, const cJSON *o, const struct vx_elig_table *t,
                                 struct vx_elig_rule *r)
{
    static const char *const keys[] = {"id",    "phase", "step",   "priority", "when",
                                       "opens", "label", "source", NULL};
    enum vx_status st = check_keys(c, o, keys);
    if (st != VX_OK)
        return st;
    if ((st = get_str(c, o, "id", true, ID_MAX, &r->id)) != VX_OK)
        return st;
    size_t n = strlen(c->where);
    snprintf(c->where + n, sizeof c->where - n, " '%s'", r->id);
    if (!valid_code(r->id, true))
        return fail(c, VX_EINVAL, "field 'id': '%s' is not [a-z0-9_-], 1..31 characters", r->id);
    for (int i = 0; i < t->n_rules; i++)
        if (!strcmp(t->rules[i].id, r->id))
            return fail(c, VX_EINVAL, "duplicate rule id '%s'", r->id);
    if ((st = get_int(c, o, "phase", true, 1, 4, 0, &r->phase)) != VX_OK)
        return st;
    const char *step;
    if ((st = get_str(c, o, "step", true, VX_ELIG_STEP_MAX, &step)) != VX_OK)
        return st;
    if (!valid_code(step, false) || step[0] != (char)('0' + r->phase))
        return fail(c, VX_EINVAL, "field 'step': '%s' must start with the phase digit %d", step,
                    r->phase);
    memcpy(r->step, step, strlen(step) + 1);
    if ((st = get_int(c, o, "priority", true, 0, 1000000, 0, &r->priority)) != VX_OK)
        return st;
    for (int i = 0; i < t->n_rules; i++)
        if (t->rules[i].priority == r->priority)
            return fail(c, VX_EINVAL, "priority %d is already used by rule '%s'", r->priority,
                        t->rules[i].id);
    const cJSON *w = field(o, "when");
    r->age_min = r->age_max = VX_ELIG_NO_AGE;
    if (w && (st = parse_when(c, w, t, r)) != VX_OK)
        return st;
    const cJSON *d = field(o, "opens");
    if (!d)
        return fail(c, VX_EPARSE, "field 'opens' is missing");
    if (!cJSON_IsString(d) || vx_day_parse(d->valuestring, &r->opens) != VX_OK)
        return fail(c, VX_EINVAL, "field 'opens': %s%s%s is not a date (YYYY-MM-DD)",
                    cJSON_IsString(d) ? "'" : "", cJSON_IsString(d) ? d->valuestring : "value",
                    cJSON_IsString(d) ? "'" : "");
    if ((st = get_label(c, o, &r->label_sv, &r->label_en)) != VX_OK)
        return st;
    return get_str(c, o, "source", false, 1024, &r->source);
}

/* Line and column of byte `off` in `json`, for JSON syntax errors. */
static void line_col(const char *json, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (json[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static enum vx_status parse_tree(struct pctx *c, const cJSON *root, struct vx_elig_table *out)
{
    static const char *const keys[] = {"version", "name", "source", "risk_codes", "rules", NULL};
    enum vx_status st = check_keys(c, root, keys);
    if (st != VX_OK)
        return st;
    int version;
    if ((st = get_int(c, root, "version", true, 1, 1, 1, &version)) != VX_OK)
        return st;
    if ((st = get_str(c, root, "name", false, 256, &out->name)) != VX_OK)
        return st;
    if ((st = get_str(c, root, "source", false, 4096, &out->source)) != VX_OK)
        return st;

    const cJSON *risks = field(root, "risk_codes");
    if (risks && !cJSON_IsArray(risks))
        return fail(c, VX_EPARSE, "field 'risk_codes' must be an array");
    int nr = risks ? cJSON_GetArraySize(risks) : 0;
    if (nr > VX_RISK_MAX)
        return fail(c, VX_EINVAL, "%d risk codes; at most %d fit in a person's bit set", nr,
                    VX_RISK_MAX);
    out->risks = vx_arena_alloc(c->arena, sizeof *out->risks * (size_t)(nr ? nr : 1));
    if (!out->risks)
        return fail(c, VX_ENOMEM, "out of memory");
    int i = 0;
    for (const cJSON *it = risks ? risks->child : NULL; it; it = it->next, i++) {
        snprintf(c->where, sizeof c->where, "risk_codes[%d]", i);
        if ((st = parse_risk(c, it, out, &out->risks[i])) != VX_OK)
            return st;
        out->n_risks = i + 1;
    }
    c->where[0] = '\0';

    const cJSON *rules = field(root, "rules");
    if (!rules)
        return fail(c, VX_EPARSE, "field 'rules' is missing");
    if (!cJSON_IsArray(rules) || !rules->child)
        return fail(c, VX_EPARSE, "field 'rules' must be a non-empty array");
    int n = cJSON_GetArraySize(rules);
    if (n > VX_ELIG_MAX_RULES)
        return fail(c, VX_EINVAL, "%d rules; at most %d are supported", n, VX_ELIG_MAX_RULES);
    out->rules = vx_arena_alloc(c->arena, sizeof *out->rules * (size_t)n);
    if (!out->rules)
        return fail(c, VX_ENOMEM, "out of memory");
    i = 0;
    for (const cJSON *it = rules->child; it; it = it->next, i++) {
        snprintf(c->where, sizeof c->where, "rules[%d]", i);
        struct vx_elig_rule r;
        memset(&r, 0, sizeof r);
        if ((st = parse_rule(c, it, out, &r)) != VX_OK)
            return st;
        /* stable insertion by priority (unique, checked above) */
        int j = out->n_rules;
        while (j > 0 && out->rules[j - 1].priority > r.priority) {
            out->rules[j] = out->rules[j - 1];
            j--;
        }
        out->rules[j] = r;
        out->n_rules++;
    }
    c->where[0] = '\0';
    out->min_age = 0;
    for (i = 0; i < out->n_rules; i++) {
        int a = out->rules[i].age_min;
        if (a != VX_ELIG_NO_AGE && (out->min_age == 0 || a < out->min_age))
            out->min_age = a;
    }
    return VX_OK;
}

enum vx_status vx_elig_parse(const char *json, size_t len, struct vx_arena *arena,
                             struct vx_elig_table *out, struct vx_err *err)
{
    struct pctx c = {.arena = arena, .err = err};
    memset(out, 0, sizeof *out);
    if (len > VX_ELIG_MAX_INPUT)
        return fail(&c, VX_ENOMEM, "rules file is larger than %u bytes", VX_ELIG_MAX_INPUT);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        int line, col;
        size_t off = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
        line_col(json, off, &line, &col);
        return fail(&c, VX_EPARSE, "malformed JSON near line %d, column %d", line, col);
    }
    enum vx_status st = parse_tree(&c, root, out);
    cJSON_Delete(root);
    if (st != VX_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* ---- look-ups ----------------------------------------------------------------- */

const struct vx_elig_rule *vx_elig_rule_find(const struct vx_elig_table *t, const char *id)
{
    for (int i = 0; i < t->n_rules; i++)
        if (!strcmp(t->rules[i].id, id))
            return &t->rules[i];
    return NULL;
}

const struct vx_elig_risk *vx_elig_risk_find(const struct vx_elig_table *t, const char *code)
{
    for (int i = 0; i < t->n_risks; i++)
        if (!strcmp(t->risks[i].code, code))
            return &t->risks[i];
    return NULL;
}

const struct vx_elig_risk *vx_elig_risk_by_bit(const struct vx_elig_table *t, int bit)
{
    for (int i = 0; i < t->n_risks; i++)
        if (t->risks[i].bit == bit)
            return &t->risks[i];
    return NULL;
}

static bool is_sep(char ch)
{
    return ch == ',' || ch == ';' || ch == '|' || ch == ' ' || ch == '\t';
}

enum vx_status vx_elig_risk_parse_list(const struct vx_elig_table *t, const char *list,
                                       uint32_t *mask, struct vx_err *err)
{
    uint32_t m = 0;
    const char *p = list;
    *mask = 0;
    while (*p) {
        while (*p && is_sep(*p))
            p++;
        const char *s = p;
        while (*p && !is_sep(*p))
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0)
            break;
        char code[ID_MAX];
        if (n >= sizeof code)
            return vx_err_set(err, VX_EINVAL, "unknown risk code '%.*s'", (int)(n > 40 ? 40 : n),
                              s);
        memcpy(code, s, n);
        code[n] = '\0';
        const struct vx_elig_risk *r = vx_elig_risk_find(t, code);
        if (!r)
            return vx_err_set(err, VX_EINVAL, "unknown risk code '%s'", code);
        m |= 1u << r->bit;
    }
    *mask = m;
    return VX_OK;
}

enum vx_status vx_elig_risk_format_list(const struct vx_elig_table *t, uint32_t mask, char *buf,
                                        size_t len)
{
    size_t used = 0;
    if (len == 0)
        return VX_ENOMEM;
    buf[0] = '\0';
    for (int bit = 0; bit < VX_RISK_MAX; bit++) {
        if (!(mask & (1u << bit)))
            continue;
        const struct vx_elig_risk *r = vx_elig_risk_by_bit(t, bit);
        char tmp[ID_MAX + 8];
        if (r)
            snprintf(tmp, sizeof tmp, "%s", r->code);
        else
            snprintf(tmp, sizeof tmp, "bit%d", bit);
        int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", tmp);
        if (w < 0 || (size_t)w >= len - used) {
            buf[used] = '\0';
            return VX_ENOMEM;
        }
        used += (size_t)w;
    }
    return VX_OK;
}

/* ---- regional opening dates ----------------------------------------------------- */

void vx_elig_openings_init(const struct vx_elig_table *t, struct vx_elig_openings *o)
{
    memset(o, 0, sizeof *o);
    o->n_rules = t->n_rules;
    for (int i = 0; i < t->n_rules && i < VX_ELIG_MAX_RULES; i++)
        o->opens[i] = t->rules[i].opens;
}

enum vx_status vx_elig_openings_set(const struct vx_elig_table *t, struct vx_elig_openings *o,
                                    const char *rule_id, vx_day opens, struct vx_err *err)
{
    const struct vx_elig_rule *r = vx_elig_rule_find(t, rule_id);
    if (!r)
        return vx_err_set(err, VX_ENOTFOUND, "no rule with id '%s'", rule_id);
    if (o->n_rules != t->n_rules)
        return vx_err_set(err, VX_EINVAL, "opening dates were not made from this table");
    int i = (int)(r - t->rules);
    o->opens[i] = opens;
    o->overridden[i] = opens != r->opens;
    return VX_OK;
}

/* ---- evaluation ----------------------------------------------------------------- */

bool vx_elig_rule_matches(const struct vx_elig_rule *r, const struct vx_person *p, vx_day at)
{
    int age = vx_age_at(p->pnr.birth, at);
    if (r->age_min != VX_ELIG_NO_AGE && age < r->age_min)
        return false;
    if (r->age_max != VX_ELIG_NO_AGE && age > r->age_max)
        return false;
    int year = vx_ymd_from_day(p->pnr.birth).year;
    if (r->born_from != VX_ELIG_NO_YEAR && year < r->born_from)
        return false;
    if (r->born_to != VX_ELIG_NO_YEAR && year > r->born_to)
        return false;
    int kinds = 0, hits = 0;
    if (r->residences) {
        kinds++;
        hits += (unsigned)p->residence < VX_RES_COUNT && (r->residences >> p->residence) & 1u;
    }
    if (r->risk_any) {
        kinds++;
        hits += (p->risk & r->risk_any) != 0;
    }
    if (r->flags_any) {
        kinds++;
        hits += (p->flags & r->flags_any) != 0;
    }
    if (kinds == 0)
        return true;
    return r->match == VX_ELIG_MATCH_ANY ? hits > 0 : hits == kinds;
}

static bool is_general(const struct vx_elig_rule *r)
{
    return !r->residences && !r->risk_any && !r->flags_any;
}

/* Lowest age limit among the rules open at `at`: general-population rules first,
 * any open rule when no general one has an age limit; 0 when nothing is open. */
static int open_age_limit(const struct vx_elig_table *t, const vx_day *opens, vx_day at)
{
    int general = 0, any = 0;
    for (int i = 0; i < t->n_rules; i++) {
        const struct vx_elig_rule *r = &t->rules[i];
        if (opens[i] > at || r->age_min == VX_ELIG_NO_AGE)
            continue;
        if (!any || r->age_min < any)
            any = r->age_min;
        if (is_general(r) && (!general || r->age_min < general))
            general = r->age_min;
    }
    return general ? general : any;
}

/* Sentence frames, one row per language: [0] = sv, [1] = en. */
static const struct {
    const char *open;          /* phase, step, label, date */
    const char *not_open;      /* phase, step, label, date */
    const char *under;         /* limit, phase, step, label, date */
    const char *under_no_rule; /* limit */
    const char *no_rule;
    const char *deceased;
    const char *not_born;
} frames[2] = {
    {
        "Du tillhör fas %d, steg %s: %s. Steget öppnade %s och du kan vaccineras nu.",
        "Du tillhör fas %d, steg %s: %s. Steget öppnar %s; du kan inte vaccineras ännu.",
        "Du är under %d år och kan inte vaccineras ännu. Din grupp, fas %d steg %s (%s), "
        "öppnar %s.",
        "Du är under %d år och kan inte vaccineras; ingen grupp i prioritetsordningen "
        "omfattar dig.",
        "Ingen grupp i prioritetsordningen omfattar dig på detta datum.",
        "Personen är registrerad som avliden och kan inte vaccineras.",
        "Födelsedatumet ligger efter datumet för bedömningen.",
    },
    {
        "You belong to phase %d, step %s: %s. The step opened on %s and you can be "
        "vaccinated now.",
        "You belong to phase %d, step %s: %s. The step opens on %s; you cannot be "
        "vaccinated yet.",
        "You are under %d and cannot be vaccinated yet. Your group, phase %d step %s (%s), "
        "opens on %s.",
        "You are under %d and cannot be vaccinated; no group of the priority order covers "
        "you.",
        "No group of the priority order covers you on this date.",
        "The person is registered as deceased and cannot be vaccinated.",
        "The birth date is after the evaluation date.",
    },
};

static void compose(struct vx_elig_result *res)
{
    char date[16] = "";
    if (res->rule)
        vx_day_format(res->opens, date);
    for (int lang = 0; lang < 2; lang++) {
        char *buf = lang ? res->reason_en : res->reason_sv;
        size_t len = VX_ELIG_REASON_MAX;
        const struct vx_elig_rule *r = res->rule;
        const char *label = r ? (lang ? r->label_en : r->label_sv) : "";
        switch (res->why) {
        case VX_ELIG_OPEN:
            snprintf(buf, len, frames[lang].open, r->phase, r->step, label, date);
            break;
        case VX_ELIG_NOT_OPEN:
            snprintf(buf, len, frames[lang].not_open, r->phase, r->step, label, date);
            break;
        case VX_ELIG_UNDER_AGE:
            if (r)
                snprintf(buf, len, frames[lang].under, res->min_age, r->phase, r->step, label,
                         date);
            else
                snprintf(buf, len, frames[lang].under_no_rule, res->min_age);
            break;
        case VX_ELIG_NO_RULE:
            snprintf(buf, len, "%s", frames[lang].no_rule);
            break;
        case VX_ELIG_DECEASED:
            snprintf(buf, len, "%s", frames[lang].deceased);
            break;
        case VX_ELIG_NOT_BORN:
            snprintf(buf, len, "%s", frames[lang].not_born);
            break;
        }
    }
}

enum vx_status vx_elig_eval(const struct vx_elig_table *t, const struct vx_elig_openings *o,
                            const struct vx_person *p, vx_day at, struct vx_elig_result *out)
{
    memset(out, 0, sizeof *out);
    if (o && o->n_rules != t->n_rules)
        return VX_EINVAL;
    struct vx_elig_openings national;
    if (!o) {
        vx_elig_openings_init(t, &national);
        o = &national;
    }
    out->age = vx_age_at(p->pnr.birth, at);

    if (p->flags & VX_PF_DECEASED) {
        out->why = VX_ELIG_DECEASED;
    } else if (at < p->pnr.birth) {
        out->why = VX_ELIG_NOT_BORN;
    } else {
        int open = -1, next = -1;
        for (int i = 0; i < t->n_rules && open < 0; i++) {
            if (!vx_elig_rule_matches(&t->rules[i], p, at))
                continue;
            if (o->opens[i] <= at)
                open = i;
            else if (next < 0 || o->opens[i] < o->opens[next])
                next = i;
        }
        int pick = open >= 0 ? open : next;
        if (pick >= 0) {
            out->rule = &t->rules[pick];
            out->opens = o->opens[pick];
            out->opens_overridden = o->overridden[pick];
        }
        if (open >= 0) {
            out->eligible = true;
            out->why = VX_ELIG_OPEN;
        } else {
            int limit = open_age_limit(t, o->opens, at);
            if (next < 0 && t->min_age > 0 && out->age < t->min_age)
                limit = t->min_age;
            if (limit > 0 && out->age < limit) {
                out->why = VX_ELIG_UNDER_AGE;
                out->min_age = limit;
            } else {
                out->why = next >= 0 ? VX_ELIG_NOT_OPEN : VX_ELIG_NO_RULE;
            }
        }
    }
    compose(out);
    return VX_OK;
}
