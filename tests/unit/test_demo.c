/*
 * test_demo.c — the demo population builder against the real SCB tables.
 *
 * Counts: every municipality × age group within one person of SCB × scale, region
 * totals within 0.5 % (scales 0.01, 0.001 and 1.0), the nation exact. Persons (scale
 * 0.001, collected through a sink): every number parses as a valid interim number,
 * is unique, and agrees with sex and birth date; ages per municipality and group
 * match the plan; residence and flag shares near the documented national figures;
 * sites in all 21 regions with unique codes. Determinism: the same seed gives a
 * byte-identical CSV, another seed a different one. Store: all-or-nothing into
 * SQLite, a clear error without `vaxchain init`, and the CSV imports cleanly
 * through the import module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../common/slurp.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/demo.h"
#include "vx/import.h"
#include "vx/pnr.h"
#include "vx/store.h"

#define SCALE_SMALL 0.001

static struct vx_demo_ref *ref;

static int setup(void **state)
{
    struct vx_err err = {0};
    enum vx_status st = vx_demo_ref_load(VX_SHARED_DATA_DIR, VX_SOURCE_DIR "/data", &ref, &err);
    if (st != VX_OK)
        fprintf(stderr, "ref load: %s\n", err.msg);
    return st == VX_OK ? 0 : -1;
}

static int teardown(void **state)
{
    vx_demo_ref_free(ref);
    return 0;
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
    const char *dir = getenv("VX_TEST_TMP");
    snprintf(buf, len, "%s/%s", dir && *dir ? dir : "/tmp", name);
    return buf;
}

/* ------------------------------------------------------------------ ref */

static void test_reference_tables(void **state)
{
    assert_int_equal(ref->nregions, 21);
    assert_int_equal(ref->nkommuner, 290);
    assert_int_equal(ref->total, 10379295); /* shared README headline fact 1 */
    assert_string_equal(ref->regions[0].code, "01");
    assert_int_equal(ref->regions[0].pop, 2391990);
    int64_t p80 = 0;
    for (int k = 0; k < ref->nkommuner; k++)
        p80 += ref->kommuner[k].pop[7] + ref->kommuner[k].pop[8];
    assert_int_equal(p80, 543720); /* headline fact 2 */
    /* the bit order comes from data/eligibility.json */
    assert_true(ref->risk_from_rules);
    assert_int_equal(vx_demo_risk_bit(ref, "dialysis"), 0);
    assert_true(vx_demo_risk_bit(ref, "diabetes") >= 0);
    assert_int_equal(vx_demo_risk_bit(ref, "no_such_code"), -1);
}

static void check_plan(double scale)
{
    int64_t *c = calloc((size_t)ref->nkommuner * VX_DEMO_AGE_GROUPS, sizeof *c);
    assert_non_null(c);
    vx_demo_plan_counts(ref, scale, c);
    int64_t reg[VX_DEMO_MAX_REGIONS] = {0}, nation = 0;
    for (int k = 0; k < ref->nkommuner; k++)
        for (int g = 0; g < VX_DEMO_AGE_GROUPS; g++) {
            int64_t n = c[k * VX_DEMO_AGE_GROUPS + g];
            assert_true(fabs((double)n - (double)ref->kommuner[k].pop[g] * scale) < 1.0);
            reg[ref->kommuner[k].region] += n;
            nation += n;
        }
    assert_int_equal(nation, llround((double)ref->total * scale));
    for (int r = 0; r < ref->nregions; r++) {
        double want = (double)ref->regions[r].pop * scale;
        assert_true(fabs((double)reg[r] - want) < 1.0);
        assert_true(fabs((double)reg[r] - want) <= 0.005 * want);
    }
    free(c);
}

static void test_plan_counts(void **state)
{
    check_plan(0.01);
    check_plan(0.001);
    check_plan(1.0);
}

/* --------------------------------------------------------------- collect */

struct collected {
    struct vx_person_rec *p;
    size_t n, cap;
    struct vx_site_rec *s;
    size_t ns, caps;
};

static enum vx_status collect_person(void *ctx, const struct vx_person_rec *rec, struct vx_err *err)
{
    struct collected *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4096;
        c->p = realloc(c->p, c->cap * sizeof *c->p);
        assert_non_null(c->p);
    }
    c->p[c->n++] = *rec;
    return VX_OK;
}

static enum vx_status collect_site(void *ctx, const struct vx_site_rec *rec, struct vx_err *err)
{
    struct collected *c = ctx;
    if (c->ns == c->caps) {
        c->caps = c->caps ? c->caps * 2 : 256;
        c->s = realloc(c->s, c->caps * sizeof *c->s);
        assert_non_null(c->s);
    }
    c->s[c->ns++] = *rec;
    return VX_OK;
}

static int cmp_norm(const void *a, const void *b)
{
    return strcmp(((const struct vx_person_rec *)a)->p.pnr.norm,
                  ((const struct vx_person_rec *)b)->p.pnr.norm);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct vx_site_rec *)a)->code, ((const struct vx_site_rec *)b)->code);
}

static int kommun_index(const char *code)
{
    for (int k = 0; k < ref->nkommuner; k++)
        if (!strcmp(ref->kommuner[k].code, code))
            return k;
    return -1;
}

static void test_generate_persons_and_sites(void **state)
{
    struct vx_demo_opts o = vx_demo_opts_default();
    o.scale = SCALE_SMALL;
    o.seed = 42;
    struct collected c = {0};
    struct vx_demo_sink sink = {collect_person, collect_site, &c};
    struct vx_demo_result res;
    struct vx_err err = {0};
    assert_int_equal(vx_demo_generate(ref, &o, &sink, &res, &err), VX_OK);
    assert_int_equal((int64_t)c.n, res.persons);
    assert_int_equal(res.persons, llround(ref->total * SCALE_SMALL));
    assert_true(res.max_abs_region_dev_pct < 0.5);

    /* numbers: valid interim numbers that agree with the record */
    struct vx_pnr_opts po = vx_pnr_opts_default(o.ref_date);
    po.allow_samordning = false;
    int64_t *cells = calloc((size_t)ref->nkommuner * VX_DEMO_AGE_GROUPS, sizeof *cells);
    int64_t *plan = calloc((size_t)ref->nkommuner * VX_DEMO_AGE_GROUPS, sizeof *plan);
    assert_non_null(cells);
    assert_non_null(plan);
    int64_t res_count[VX_RES_COUNT] = {0}, age80 = 0, saebo80 = 0, hc80 = 0, care = 0,
            centenarians = 0, men = 0, with_risk = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct vx_person_rec *r = &c.p[i];
        struct vx_pnr p;
        struct vx_pnr_error pe;
        assert_int_equal(vx_pnr_parse(r->p.pnr.norm, &po, &p, &pe), VX_OK);
        assert_int_equal(p.kind, VX_PNR_INTERIM);
        assert_true(p.norm[8] != 'T'); /* T is Ladok's */
        assert_string_equal(p.norm, r->p.pnr.norm);
        assert_int_equal(p.sex, r->p.pnr.sex);
        assert_int_equal(p.birth, r->p.pnr.birth);
        assert_true(r->synthetic);
        assert_true(r->given_name[0] && r->family_name[0]);
        int age = vx_age_at(p.birth, o.ref_date);
        assert_true(age >= 0 && age <= VX_DEMO_MAX_AGE);
        int k = kommun_index(r->p.kommun);
        assert_true(k >= 0);
        assert_string_equal(r->p.region, ref->regions[ref->kommuner[k].region].code);
        cells[k * VX_DEMO_AGE_GROUPS + vx_demo_age_group(age)]++;
        res_count[r->p.residence]++;
        men += p.sex == VX_SEX_MALE;
        with_risk += r->p.risk != 0;
        assert_true(r->p.risk < (1u << ref->nrisk));
        care += (r->p.flags & VX_PF_CARE_STAFF) != 0;
        centenarians += age >= 100;
        if (age >= 80) {
            age80++;
            saebo80 += r->p.residence == VX_RES_SPECIAL_HOUSING;
            hc80 += r->p.residence == VX_RES_HOME_CARE;
        }
        if (r->p.residence == VX_RES_SPECIAL_HOUSING || r->p.residence == VX_RES_HOME_CARE)
            assert_true(age >= 18);
    }
    /* age groups per municipality exactly as planned */
    vx_demo_plan_counts(ref, SCALE_SMALL, plan);
    for (int i = 0; i < ref->nkommuner * VX_DEMO_AGE_GROUPS; i++)
        assert_int_equal(cells[i], plan[i]);
    /* unique numbers */
    qsort(c.p, c.n, sizeof *c.p, cmp_norm);
    for (size_t i = 1; i < c.n; i++)
        assert_true(strcmp(c.p[i - 1].p.pnr.norm, c.p[i].p.pnr.norm) != 0);

    /* shares near the documented figures (wide bounds: ~10,400 persons) */
    double n = (double)c.n;
    assert_true(age80 > 450 && age80 < 650);                       /* 543.7 */
    assert_true(saebo80 > 0.07 * age80 && saebo80 < 0.20 * age80); /* 13 % */
    assert_true(hc80 > 0.15 * age80 && hc80 < 0.33 * age80);       /* 24 % */
    assert_true(res_count[VX_RES_SPECIAL_HOUSING] > 50 && res_count[VX_RES_SPECIAL_HOUSING] < 140);
    assert_true(res_count[VX_RES_LSS_HOME] > 10 && res_count[VX_RES_LSS_HOME] < 60); /* 29.6 */
    assert_true(care > 150 && care < 360);                                           /* 250 */
    assert_true(men > 0.48 * n && men < 0.52 * n);
    assert_true(with_risk > 0.10 * n && with_risk < 0.40 * n);
    assert_true(centenarians >= 1);

    /* sites: every region has all three kinds; codes unique */
    int kinds[VX_DEMO_MAX_REGIONS][3] = {{0}};
    for (size_t i = 0; i < c.ns; i++) {
        const struct vx_site_rec *s = &c.s[i];
        int k = kommun_index(s->kommun);
        assert_true(k >= 0);
        int r = ref->kommuner[k].region;
        assert_string_equal(s->region, ref->regions[r].code);
        assert_true(s->kind <= VX_SITE_MOBILE);
        kinds[r][s->kind]++;
        assert_true(s->stations >= 1 && s->minutes_per_dose >= 1 && s->minutes_per_dose <= 60);
        assert_true(s->close_minute > s->open_minute && s->weekdays != 0);
        assert_int_equal(strncmp(s->code, s->region, 2), 0);
    }
    for (int r = 0; r < ref->nregions; r++)
        for (int kd = 0; kd < 3; kd++)
            assert_true(kinds[r][kd] >= 1);
    assert_true(c.ns >= 290); /* at least one health centre per municipality */
    assert_int_equal((int64_t)c.ns, res.sites);
    qsort(c.s, c.ns, sizeof *c.s, cmp_code);
    for (size_t i = 1; i < c.ns; i++)
        assert_true(strcmp(c.s[i - 1].code, c.s[i].code) != 0);

    free(cells);
    free(plan);
    free(c.p);
    free(c.s);
}

/* ------------------------------------------------------------ determinism */

static void write_csv(uint64_t seed, const char *p, const char *s)
{
    struct vx_demo_opts o = vx_demo_opts_default();
    o.scale = SCALE_SMALL;
    o.seed = seed;
    struct vx_err err = {0};
    assert_int_equal(vx_demo_write_csv(ref, &o, p, s, NULL, &err), VX_OK);
}

static void test_deterministic_csv(void **state)
{
    char p1[512], p2[512], p3[512], s1[512], s2[512];
    tmp_path(p1, sizeof p1, "demo_a.csv");
    tmp_path(p2, sizeof p2, "demo_b.csv");
    tmp_path(p3, sizeof p3, "demo_c.csv");
    tmp_path(s1, sizeof s1, "demo_a_sites.csv");
    tmp_path(s2, sizeof s2, "demo_b_sites.csv");
    write_csv(7, p1, s1);
    write_csv(7, p2, s2);
    write_csv(8, p3, NULL);
    size_t l1, l2, l3, m1, m2;
    char *a = slurp(p1, &l1), *b = slurp(p2, &l2), *c = slurp(p3, &l3);
    char *sa = slurp(s1, &m1), *sb = slurp(s2, &m2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    assert_int_equal(m1, m2);
    assert_memory_equal(sa, sb, m1);
    assert_true(l1 != l3 || memcmp(a, c, l1) != 0);
    assert_int_equal(strncmp(a, vx_demo_csv_header, strlen(vx_demo_csv_header)), 0);
    free(a);
    free(b);
    free(c);
    free(sa);
    free(sb);
    remove(p2);
    remove(p3);
    remove(s2);
}

/* ------------------------------------------------------------------ store */

static struct vx_store *fresh_store(const char *name, bool init)
{
    char path[512], side[600];
    tmp_path(path, sizeof path, name);
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    if (init) {
        struct vx_import_result r[2];
        enum vx_status s = vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, r, &err);
        if (s)
            fprintf(stderr, "reference import: %s\n", err.msg);
        assert_int_equal(s, VX_OK);
    }
    return st;
}

static void test_store_all_or_nothing(void **state)
{
    struct vx_err err = {0};
    struct vx_demo_opts o = vx_demo_opts_default();
    o.scale = SCALE_SMALL;
    struct vx_demo_result res;

    struct vx_store *bare = fresh_store("demo_bare.db", false);
    assert_int_equal(vx_demo_to_store(ref, &o, bare, &res, &err), VX_ENOTFOUND);
    assert_non_null(strstr(err.msg, "vaxchain init"));
    vx_store_close(bare);

    struct vx_store *st = fresh_store("demo_store.db", true);
    enum vx_status s = vx_demo_to_store(ref, &o, st, &res, &err);
    if (s)
        fprintf(stderr, "to_store: %s\n", err.msg);
    assert_int_equal(s, VX_OK);
    assert_int_equal(st->ops->count(st, "persons"), res.persons);
    assert_int_equal(st->ops->count(st, "sites"), res.sites);
    /* a second run collides on the first number and writes nothing */
    int64_t stored = res.persons;
    assert_int_equal(vx_demo_to_store(ref, &o, st, &res, &err), VX_EEXIST);
    assert_int_equal(st->ops->count(st, "persons"), stored);
    vx_store_close(st);
}

static int print_problem(void *ctx, const struct vx_import_error *e)
{
    int *n = ctx;
    if ((*n)++ < 5)
        fprintf(stderr, "line %ld, column %s: %s\n", e->line, e->column ? e->column : "-",
                e->reason);
    return 0;
}

static int resolve_risk(void *ctx, const char *name)
{
    return vx_demo_risk_bit(ctx, name);
}

static void test_csv_imports_cleanly(void **state)
{
    char p[512], s[512];
    tmp_path(p, sizeof p, "demo_a.csv");
    tmp_path(s, sizeof s, "demo_a_sites.csv");
    write_csv(7, p, s);
    struct vx_store *st = fresh_store("demo_import.db", true);
    struct vx_import_opts io = vx_import_opts_default(vx_day_from_ymd(2021, 1, 1));
    int problems = 0;
    io.on_error = print_problem;
    io.error_ctx = &problems;
    io.risk_resolve = resolve_risk;
    io.risk_ctx = ref;
    struct vx_import_result r = {0};
    struct vx_err err = {0};
    enum vx_status rc = vx_import_file(st, VX_IMPORT_SITES, s, &io, &r, &err);
    if (rc)
        fprintf(stderr, "sites import: %s\n", err.msg);
    assert_int_equal(rc, VX_OK);
    assert_int_equal(r.rejected, 0);
    assert_true(r.imported >= 290);
    rc = vx_import_file(st, VX_IMPORT_PERSONS, p, &io, &r, &err);
    if (rc)
        fprintf(stderr, "persons import: %s\n", err.msg);
    assert_int_equal(rc, VX_OK);
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.imported, llround(ref->total * SCALE_SMALL));
    assert_int_equal(st->ops->count(st, "persons"), r.imported);
    vx_store_close(st);
}

static void test_bad_options(void **state)
{
    struct vx_demo_opts o = vx_demo_opts_default();
    struct vx_err err = {0};
    o.scale = 0;
    assert_int_equal(vx_demo_generate(ref, &o, NULL, NULL, &err), VX_EINVAL);
    o.scale = 3;
    assert_int_equal(vx_demo_generate(ref, &o, NULL, NULL, &err), VX_EINVAL);
    struct vx_demo_ref *r2 = NULL;
    assert_int_equal(vx_demo_ref_load("/nonexistent", NULL, &r2, &err), VX_ENOTFOUND);
    assert_null(r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_tables),
        cmocka_unit_test(test_plan_counts),
        cmocka_unit_test(test_generate_persons_and_sites),
        cmocka_unit_test(test_deterministic_csv),
        cmocka_unit_test(test_store_all_or_nothing),
        cmocka_unit_test(test_csv_imports_cleanly),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
