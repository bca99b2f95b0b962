/*
 * ref.c — loading the real reference tables the demo builder follows.
 *
 * Four shared CSV files (SCB regions, municipalities, population per municipality ×
 * age group, Socialstyrelsen care parameters) are read line by line and split with
 * vx_csv_split(); columns are found by header name so that added columns do not
 * break us. Everything is checked against the shape the shared README documents (21
 * regions, 290 municipalities each in a known region, nine age groups each given
 * once) and a mismatch is a VX_EPARSE with "file:line: reason". The risk-code bit
 * order comes from data/eligibility.json ("risk_codes": strings or objects with a
 * "code") when that file exists, so person.risk means the same bits as the rule
 * table; otherwise the documented default order of tables.c is used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo_int.h"
#include "vx/buf.h"
#include "vx/csv.h"
#include "vx/elig.h"

#define MAX_LINE 4096

struct csv_file {
    FILE *f;
    const char *name; /* for messages */
    long line;
    char buf[MAX_LINE];
    char *fields[VX_CSV_MAX_FIELDS];
    int nf;
};

static enum vx_status csv_open(struct csv_file *c, const char *dir, const char *file,
                               struct vx_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/se/%s", dir, file);
    memset(c, 0, sizeof *c);
    c->name = file;
    c->f = fopen(path, "r");
    if (!c->f)
        return vx_err_set(err, errno == ENOENT ? VX_ENOTFOUND : VX_EIO, "cannot open %s: %s", path,
                          strerror(errno));
    return VX_OK;
}

/* Next record into c->fields; returns 1 on a record, 0 at EOF, negative on error. */
static int csv_next(struct csv_file *c, struct vx_err *err)
{
    if (!fgets(c->buf, sizeof c->buf, c->f))
        return ferror(c->f) ? vx_err_set(err, VX_EIO, "%s: read error", c->name) : 0;
    c->line++;
    size_t len = strlen(c->buf);
    if (len == sizeof c->buf - 1 && c->buf[len - 1] != '\n')
        return vx_err_set(err, VX_EPARSE, "%s:%ld: line too long", c->name, c->line);
    struct vx_err e2;
    if (vx_csv_split(c->buf, len, ',', c->fields, VX_CSV_MAX_FIELDS, &c->nf, &e2) != VX_OK)
        return vx_err_set(err, VX_EPARSE, "%s:%ld: %s", c->name, c->line, e2.msg);
    return 1;
}

/* Read the header and find each wanted column; idx[i] = column of names[i]. */
static enum vx_status csv_header(struct csv_file *c, const char *const *names, int n, int *idx,
                                 struct vx_err *err)
{
    int r = csv_next(c, err);
    if (r <= 0)
        return r < 0 ? (enum vx_status)r : vx_err_set(err, VX_EPARSE, "%s: empty file", c->name);
    for (int i = 0; i < n; i++) {
        idx[i] = -1;
        for (int j = 0; j < c->nf; j++)
            if (!strcmp(c->fields[j], names[i]))
                idx[i] = j;
        if (idx[i] < 0)
            return vx_err_set(err, VX_EPARSE, "%s:1: no column '%s'", c->name, names[i]);
    }
    return VX_OK;
}

static const char *col(struct csv_file *c, int i)
{
    return i < c->nf ? c->fields[i] : "";
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

static int find_region(const struct vx_demo_ref *ref, const char *code)
{
    for (int i = 0; i < ref->nregions; i++)
        if (!strcmp(ref->regions[i].code, code))
            return i;
    return -1;
}

static int find_kommun(const struct vx_demo_ref *ref, const char *code)
{
    int lo = 0, hi = ref->nkommuner - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(ref->kommuner[mid].code, code);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static enum vx_status load_regions(struct vx_demo_ref *ref, const char *dir, struct vx_err *err)
{
    static const char *const cols[] = {"lan_code", "name", "short_name"};
    int idx[3];
    struct csv_file c;
    enum vx_status st = csv_open(&c, dir, "regions.csv", err);
    if (st)
        return st;
    st = csv_header(&c, cols, 3, idx, err);
    int r = 0;
    while (st == VX_OK && (r = csv_next(&c, err)) > 0) {
        const char *code = col(&c, idx[0]);
        if (!all_digits(code, 2)) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: bad lan_code '%s'", c.name, c.line, code);
        } else if (ref->nregions >= VX_DEMO_MAX_REGIONS) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: too many regions", c.name, c.line);
        } else if (ref->nregions > 0 && strcmp(ref->regions[ref->nregions - 1].code, code) >= 0) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: codes not ascending", c.name, c.line);
        } else {
            struct vx_demo_region *g = &ref->regions[ref->nregions++];
            copy_str(g->code, sizeof g->code, code);
            copy_str(g->name, sizeof g->name, col(&c, idx[1]));
            copy_str(g->short_name, sizeof g->short_name, col(&c, idx[2]));
        }
    }
    if (st == VX_OK && r < 0)
        st = (enum vx_status)r;
    if (st == VX_OK && ref->nregions == 0)
        st = vx_err_set(err, VX_EPARSE, "%s: no regions", c.name);
    fclose(c.f);
    return st;
}

static enum vx_status load_kommuner(struct vx_demo_ref *ref, const char *dir, struct vx_err *err)
{
    static const char *const cols[] = {"kommun_code", "name", "lan_code"};
    int idx[3];
    struct csv_file c;
    enum vx_status st = csv_open(&c, dir, "municipalities.csv", err);
    if (st)
        return st;
    st = csv_header(&c, cols, 3, idx, err);
    int r = 0;
    while (st == VX_OK && (r = csv_next(&c, err)) > 0) {
        const char *code = col(&c, idx[0]);
        int reg = find_region(ref, col(&c, idx[2]));
        if (!all_digits(code, 4)) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: bad kommun_code '%s'", c.name, c.line, code);
        } else if (reg < 0 || strncmp(code, ref->regions[reg].code, 2) != 0) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: unknown or mismatched lan_code '%s'", c.name,
                            c.line, col(&c, idx[2]));
        } else if (ref->nkommuner >= VX_DEMO_MAX_KOMMUNER) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: too many municipalities", c.name, c.line);
        } else if (ref->nkommuner > 0 &&
                   strcmp(ref->kommuner[ref->nkommuner - 1].code, code) >= 0) {
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: codes not ascending", c.name, c.line);
        } else {
            struct vx_demo_kommun *k = &ref->kommuner[ref->nkommuner++];
            copy_str(k->code, sizeof k->code, code);
            copy_str(k->name, sizeof k->name, col(&c, idx[1]));
            k->region = reg;
        }
    }
    if (st == VX_OK && r < 0)
        st = (enum vx_status)r;
    fclose(c.f);
    return st;
}

static int age_group_index(const char *s)
{
    for (int g = 0; g < VX_DEMO_AGE_GROUPS; g++)
        if (!strcmp(vx_demo_age_group_names[g], s))
            return g;
    return -1;
}

static enum vx_status load_population(struct vx_demo_ref *ref, const char *dir, struct vx_err *err)
{
    static const char *const cols[] = {"kommun_code", "age_group", "sex", "population"};
    int idx[4];
    struct csv_file c;
    enum vx_status st = csv_open(&c, dir, "population_municipality_age.csv", err);
    if (st)
        return st;
    st = csv_header(&c, cols, 4, idx, err);
    unsigned char seen[VX_DEMO_MAX_KOMMUNER][VX_DEMO_AGE_GROUPS] = {{0}};
    int r = 0;
    while (st == VX_OK && (r = csv_next(&c, err)) > 0) {
        int k = find_kommun(ref, col(&c, idx[0]));
        int g = age_group_index(col(&c, idx[1]));
        const char *pop = col(&c, idx[3]);
        char *end;
        errno = 0;
        long long v = strtoll(pop, &end, 10);
        if (k < 0 || g < 0 || strcmp(col(&c, idx[2]), "all") != 0)
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: unknown municipality, age group or sex",
                            c.name, c.line);
        else if (errno || end == pop || *end || v < 0 || v > 100000000)
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: bad population '%s'", c.name, c.line, pop);
        else if (seen[k][g]++)
            st = vx_err_set(err, VX_EPARSE, "%s:%ld: duplicate row", c.name, c.line);
        else
            ref->kommuner[k].pop[g] = v;
    }
    if (st == VX_OK && r < 0)
        st = (enum vx_status)r;
    for (int k = 0; st == VX_OK && k < ref->nkommuner; k++) {
        struct vx_demo_kommun *km = &ref->kommuner[k];
        for (int g = 0; g < VX_DEMO_AGE_GROUPS; g++) {
            if (!seen[k][g]) {
                st = vx_err_set(err, VX_EPARSE, "%s: no row for %s age %s", c.name, km->code,
                                vx_demo_age_group_names[g]);
                break;
            }
            km->total += km->pop[g];
        }
        ref->regions[km->region].pop += km->total;
        ref->total += km->total;
    }
    fclose(c.f);
    return st;
}

static enum vx_status load_care(struct vx_demo_ref *ref, const char *dir, struct vx_err *err)
{
    static const char *const cols[] = {"parameter", "value"};
    int idx[2];
    struct csv_file c;
    bool have[DP_COUNT] = {false};
    enum vx_status st = csv_open(&c, dir, "care_population_parameters.csv", err);
    if (st)
        return st;
    st = csv_header(&c, cols, 2, idx, err);
    int r = 0;
    while (st == VX_OK && (r = csv_next(&c, err)) > 0) {
        for (int p = 0; p < DP_COUNT; p++) {
            if (strcmp(col(&c, idx[0]), demo_param_names[p]) != 0)
                continue;
            const char *v = col(&c, idx[1]);
            char *end;
            errno = 0;
            double x = strtod(v, &end);
            if (errno || end == v || *end || !(x >= 0))
                st = vx_err_set(err, VX_EPARSE, "%s:%ld: bad value '%s'", c.name, c.line, v);
            ref->care_param[p] = x;
            have[p] = true;
        }
    }
    if (st == VX_OK && r < 0)
        st = (enum vx_status)r;
    for (int p = 0; st == VX_OK && p < DP_COUNT; p++)
        if (!have[p])
            st =
                vx_err_set(err, VX_EPARSE, "%s: missing parameter %s", c.name, demo_param_names[p]);
    fclose(c.f);
    return st;
}

/* Risk bits from the rule table data/eligibility.json when present (parsed by the
 * eligibility module, so both agree on every bit); a missing file is fine. */
static enum vx_status load_risk_order(struct vx_demo_ref *ref, const char *data_dir,
                                      struct vx_err *err)
{
    char path[1024];
    enum vx_status st = VX_OK;
    FILE *f = NULL;
    struct vx_buf b;
    struct vx_arena arena;
    vx_buf_init(&b, VX_ELIG_MAX_INPUT);
    vx_arena_init(&arena, 0);
    ref->nrisk = 0;
    if (data_dir) {
        snprintf(path, sizeof path, "%s/eligibility.json", data_dir);
        f = fopen(path, "rb");
    }
    if (f) {
        char chunk[8192];
        size_t n;
        while (st == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            st = vx_buf_append(&b, chunk, n);
        if (st == VX_OK && ferror(f))
            st = vx_err_set(err, VX_EIO, "%s: read error", path);
        else if (st)
            st = vx_err_set(err, st, "%s: too large", path);
        fclose(f);
        struct vx_elig_table t = {0};
        struct vx_err e2;
        if (st == VX_OK && vx_elig_parse(b.data ? b.data : "", b.len, &arena, &t, &e2) != VX_OK)
            st = vx_err_set(err, VX_EPARSE, "%s: %s", path, e2.msg);
        for (int i = 0; st == VX_OK && i < t.n_risks; i++) {
            int bit = t.risks[i].bit;
            copy_str(ref->risk_codes[bit], sizeof ref->risk_codes[0], t.risks[i].code);
            if (bit + 1 > ref->nrisk)
                ref->nrisk = bit + 1;
        }
        ref->risk_from_rules = st == VX_OK && ref->nrisk > 0;
    }
    if (st == VX_OK && ref->nrisk == 0) {
        for (int i = 0; i < demo_default_risk_count; i++)
            copy_str(ref->risk_codes[i], sizeof ref->risk_codes[0], demo_default_risk_order[i]);
        ref->nrisk = demo_default_risk_count;
    }
    vx_arena_release(&arena);
    vx_buf_release(&b);
    return st;
}

int vx_demo_risk_bit(const struct vx_demo_ref *ref, const char *code)
{
    for (int i = 0; i < ref->nrisk; i++)
        if (ref->risk_codes[i][0] && !strcmp(ref->risk_codes[i], code))
            return i;
    return -1;
}

enum vx_status vx_demo_ref_load(const char *shared_dir, const char *data_dir,
                                struct vx_demo_ref **out, struct vx_err *err)
{
    *out = NULL;
    struct vx_demo_ref *ref = calloc(1, sizeof *ref);
    if (!ref)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    enum vx_status st = load_regions(ref, shared_dir, err);
    if (!st)
        st = load_kommuner(ref, shared_dir, err);
    if (!st)
        st = load_population(ref, shared_dir, err);
    if (!st)
        st = load_care(ref, shared_dir, err);
    if (!st)
        st = load_risk_order(ref, data_dir, err);
    if (!st && ref->total <= 0)
        st = vx_err_set(err, VX_EPARSE, "population_municipality_age.csv: empty population");
    if (st) {
        free(ref);
        return st;
    }
    *out = ref;
    return VX_OK;
}

void vx_demo_ref_free(struct vx_demo_ref *ref)
{
    free(ref);
}
