/*
 * test_store_sqlite.c — the store test-suite, run on the SQLite backend.
 *
 * Two halves. The generic half (section "generic suite") tests the storage
 * interface through `struct vx_store *` only; it reaches the backend through
 * `struct store_backend` (open a fresh, migrated store), so the PostgreSQL
 * backend runs the very same tests: a test_store_pg.c defines
 * STORE_SUITE_ONLY, includes this file, and supplies its own backend and main
 * (or the generic half moves to a shared header then). The SQLite half checks
 * what only SQLite has: migrations on a file, WAL, the foreign_keys and
 * synchronous pragmas, file permissions, open errors.
 *
 * Reference rows are the real 21 regions and 290 municipalities from
 * VX_SHARED_DATA_DIR/se; scratch databases go under $VX_TEST_TMP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vx/csv.h"
#include "vx/store.h"

/* ======================================================================== */
/* generic suite                                                            */
/* ======================================================================== */

struct store_backend {
    const char *name;
    /* A new, empty, migrated store for one test (`tag` names it); NULL fails the test. */
    struct vx_store *(*open_fresh)(const char *tag);
};

static const struct store_backend *backend; /* set by main() */

struct fx {
    struct vx_store *st;
};

static int fx_counter;

static char *trim_eol(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
    return s;
}

/* Call row(fields, n) for every data row of a small shared CSV file. */
static void each_csv_row(const char *path, void (*row)(struct vx_store *, char **, int),
                         struct vx_store *st)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (lineno++ == 0)
            continue; /* header */
        char *fields[8];
        int n = 0;
        struct vx_err err = {0};
        trim_eol(line);
        assert_int_equal(vx_csv_split(line, strlen(line), ',', fields, 8, &n, &err), VX_OK);
        row(st, fields, n);
    }
    fclose(f);
}

/* assert_int_equal(e, VX_OK) that also prints the store's message */
#define ASSERT_OK(st, e)                                                                           \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s (%s)", #e, vx_strerror(rc_), (st)->err);                              \
    } while (0)

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static void region_row(struct vx_store *st, char **f, int n)
{
    assert_int_equal(n, 3);
    struct vx_region_rec r = {0};
    COPY(r.code, f[0]);
    COPY(r.name, f[1]);
    COPY(r.short_name, f[2]);
    ASSERT_OK(st, st->ops->region_put(st, &r));
}

static void kommun_row(struct vx_store *st, char **f, int n)
{
    assert_int_equal(n, 3);
    struct vx_kommun_rec k = {0};
    COPY(k.code, f[0]);
    COPY(k.name, f[1]);
    COPY(k.region, f[2]);
    ASSERT_OK(st, st->ops->kommun_put(st, &k));
}

static void load_reference(struct vx_store *st)
{
    ASSERT_OK(st, vx_store_begin(st));
    each_csv_row(VX_SHARED_DATA_DIR "/se/regions.csv", region_row, st);
    each_csv_row(VX_SHARED_DATA_DIR "/se/municipalities.csv", kommun_row, st);
    ASSERT_OK(st, vx_store_commit(st));
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    char tag[32];
    snprintf(tag, sizeof tag, "generic%d", ++fx_counter);
    fx->st = backend->open_fresh(tag);
    if (!fx->st) {
        free(fx);
        return -1;
    }
    load_reference(fx->st);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;
    vx_store_close(fx->st);
    free(fx);
    return 0;
}

static struct vx_store *S(void **state)
{
    return ((struct fx *)*state)->st;
}

/* A person with the given number and birth date; the rest from the arguments. */
static struct vx_person_rec mk_person(const char *norm, int y, int m, int d, const char *kommun,
                                      const char *region, enum vx_residence res, uint32_t risk,
                                      uint32_t flags)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    COPY(r.p.pnr.norm, norm);
    r.p.pnr.kind = VX_PNR_PERSONNUMMER;
    r.p.pnr.sex = (norm[10] - '0') % 2 ? VX_SEX_MALE : VX_SEX_FEMALE;
    r.p.pnr.birth = vx_day_from_ymd(y, m, d);
    COPY(r.p.kommun, kommun);
    COPY(r.p.region, region);
    r.p.residence = res;
    r.p.risk = risk;
    r.p.flags = flags;
    r.synthetic = true;
    return r;
}

static int64_t put(struct vx_store *st, const struct vx_person_rec *r)
{
    int64_t id = 0;
    enum vx_status rc = st->ops->person_put(st, r, &id);
    if (rc != VX_OK)
        fail_msg("person_put: %s (%s)", vx_strerror(rc), st->err);
    assert_true(id > 0);
    return id;
}

static void test_schema_version(void **state)
{
    struct vx_store *st = S(state);
    assert_int_equal(st->ops->schema_version(st), VX_SCHEMA_VERSION);
    assert_non_null(st->ops->name);
}

static void test_reference_data(void **state)
{
    struct vx_store *st = S(state);
    assert_int_equal(st->ops->count(st, "regions"), 21);
    assert_int_equal(st->ops->count(st, "municipalities"), 290);

    struct vx_kommun_rec k;
    ASSERT_OK(st, st->ops->kommun_get(st, "0180", &k));
    assert_string_equal(k.code, "0180");
    assert_string_equal(k.name, "Stockholm");
    assert_string_equal(k.region, "01");
    ASSERT_OK(st, st->ops->kommun_get(st, "2023", &k));
    assert_string_equal(k.name, "Malung-Sälen");
    assert_int_equal(st->ops->kommun_get(st, "9999", &k), VX_ENOTFOUND);

    /* put is an upsert for reference data: re-running an import is harmless */
    struct vx_region_rec r = {.code = "01", .name = "Region Stockholm", .short_name = "Sthlm"};
    ASSERT_OK(st, st->ops->region_put(st, &r));
    assert_int_equal(st->ops->count(st, "regions"), 21);
    struct vx_kommun_rec k2 = {.code = "0180", .name = "Stockholms stad", .region = "01"};
    ASSERT_OK(st, st->ops->kommun_put(st, &k2));
    ASSERT_OK(st, st->ops->kommun_get(st, "0180", &k));
    assert_string_equal(k.name, "Stockholms stad");
    assert_int_equal(st->ops->count(st, "municipalities"), 290);

    /* a municipality of an unknown region */
    struct vx_kommun_rec bad = {.code = "9901", .name = "Nowhere", .region = "99"};
    assert_int_equal(st->ops->kommun_put(st, &bad), VX_EINVAL);
    assert_non_null(strstr(st->err, "region"));
}

static void test_person_roundtrip(void **state)
{
    struct vx_store *st = S(state);
    struct vx_person_rec a = mk_person("194202289812", 1942, 2, 28, "0180", "01", VX_RES_HOME_CARE,
                                       0x5, VX_PF_HOUSEHOLD_CONTACT | VX_PF_LSS_ASSISTANCE);
    COPY(a.p.deso, "0180C1010");
    COPY(a.given_name, "Åsa");
    COPY(a.family_name, "Öberg-Ländell");
    int64_t id = put(st, &a);

    /* a samordningsnummer with unknown day, full-width fields */
    struct vx_person_rec b = mk_person("198003600007", 1980, 3, 1, "2584", "25", VX_RES_LSS_HOME,
                                       0xffffffffu, VX_PF_CARE_STAFF);
    b.p.pnr.kind = VX_PNR_SAMORDNING;
    b.p.pnr.birth_day_unknown = true;
    memset(b.given_name, 'x', sizeof b.given_name); /* no NUL: stored up to the array size */
    b.synthetic = false;
    int64_t id2 = put(st, &b);
    assert_true(id2 != id);

    struct vx_person_rec got;
    ASSERT_OK(st, st->ops->person_get(st, "194202289812", &got));
    assert_int_equal(got.p.id, id);
    assert_string_equal(got.p.pnr.norm, "194202289812");
    assert_int_equal(got.p.pnr.kind, VX_PNR_PERSONNUMMER);
    assert_int_equal(got.p.pnr.sex, VX_SEX_MALE);
    assert_int_equal(got.p.pnr.birth, vx_day_from_ymd(1942, 2, 28));
    assert_false(got.p.pnr.birth_day_unknown);
    assert_false(got.p.pnr.birth_month_unknown);
    assert_string_equal(got.p.kommun, "0180");
    assert_string_equal(got.p.region, "01");
    assert_int_equal(got.p.residence, VX_RES_HOME_CARE);
    assert_int_equal(got.p.risk, 0x5);
    assert_int_equal(got.p.flags, VX_PF_HOUSEHOLD_CONTACT | VX_PF_LSS_ASSISTANCE);
    assert_string_equal(got.p.deso, "0180C1010");
    assert_string_equal(got.given_name, "Åsa");
    assert_string_equal(got.family_name, "Öberg-Ländell");
    assert_true(got.synthetic);

    ASSERT_OK(st, st->ops->person_get(st, "198003600007", &got));
    assert_int_equal(got.p.id, id2);
    assert_int_equal(got.p.pnr.kind, VX_PNR_SAMORDNING);
    assert_int_equal(got.p.pnr.sex, VX_SEX_FEMALE);
    assert_true(got.p.pnr.birth_day_unknown);
    assert_false(got.p.pnr.birth_month_unknown);
    assert_int_equal(got.p.pnr.birth, vx_day_from_ymd(1980, 3, 1));
    assert_int_equal(got.p.residence, VX_RES_LSS_HOME);
    assert_int_equal(got.p.risk, 0xffffffffu);
    assert_int_equal(got.p.flags, VX_PF_CARE_STAFF);
    assert_int_equal(strlen(got.given_name), sizeof got.given_name - 1);
    assert_false(got.synthetic);

    assert_int_equal(st->ops->person_get(st, "190001019999", &got), VX_ENOTFOUND);
    assert_null(strstr(st->err, "190001019999")); /* never echo a number */
    assert_int_equal(st->ops->count(st, "persons"), 2);

    /* id pointer may be NULL */
    struct vx_person_rec c =
        mk_person("200101019806", 2001, 1, 1, "0380", "03", VX_RES_OWN_HOME, 0, 0);
    ASSERT_OK(st, st->ops->person_put(st, &c, NULL));
    assert_int_equal(st->ops->count(st, "persons"), 3);
}

static void test_person_duplicate(void **state)
{
    struct vx_store *st = S(state);
    struct vx_person_rec a =
        mk_person("195001019802", 1950, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &a);
    struct vx_person_rec b =
        mk_person("195001019802", 1950, 1, 1, "0380", "03", VX_RES_OWN_HOME, 0, 0);
    assert_int_equal(st->ops->person_put(st, &b, NULL), VX_EEXIST);
    assert_null(strstr(st->err, "195001019802"));
    assert_int_equal(st->ops->count(st, "persons"), 1);
}

static void test_person_foreign_keys(void **state)
{
    struct vx_store *st = S(state);
    struct vx_person_rec a =
        mk_person("195001019802", 1950, 1, 1, "9999", "01", VX_RES_OWN_HOME, 0, 0);
    assert_int_equal(st->ops->person_put(st, &a, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "kommun"));
    assert_non_null(strstr(st->err, "9999"));
    /* the region must be the municipality's region (the shard key stays consistent) */
    struct vx_person_rec b =
        mk_person("195001019802", 1950, 1, 1, "0180", "03", VX_RES_OWN_HOME, 0, 0);
    assert_int_equal(st->ops->person_put(st, &b, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "region"));
    assert_int_equal(st->ops->count(st, "persons"), 0);
}

static void test_person_invalid(void **state)
{
    struct vx_store *st = S(state);
    struct vx_person_rec a =
        mk_person("195001019802", 1950, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    a.p.residence = (enum vx_residence)VX_RES_COUNT;
    assert_int_equal(st->ops->person_put(st, &a, NULL), VX_EINVAL);
    struct vx_person_rec b = mk_person("5001019802", 1950, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0,
                                       0); /* not normalised */
    assert_int_equal(st->ops->person_put(st, &b, NULL), VX_EINVAL);
    assert_int_equal(st->ops->count(st, "persons"), 0);
}

static void test_transaction_rollback(void **state)
{
    struct vx_store *st = S(state);
    ASSERT_OK(st, vx_store_begin(st));
    assert_int_equal(vx_store_begin(st), VX_ECONFLICT); /* no nesting */
    for (int i = 0; i < 3; i++) {
        char pnr[24];
        snprintf(pnr, sizeof pnr, "19600101980%d", i);
        struct vx_person_rec r = mk_person(pnr, 1960, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
        put(st, &r);
    }
    struct vx_audit_rec a = {.at = 1, .actor = "cli:test", .action = "person.import"};
    ASSERT_OK(st, st->ops->audit_append(st, &a));
    ASSERT_OK(st, vx_store_rollback(st));
    assert_int_equal(st->ops->count(st, "persons"), 0);
    assert_int_equal(st->ops->count(st, "audit_log"), 0);

    assert_int_equal(vx_store_commit(st), VX_ECONFLICT); /* none open */
    ASSERT_OK(st, vx_store_rollback(st));                /* harmless */

    ASSERT_OK(st, vx_store_begin(st));
    struct vx_person_rec r =
        mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &r);
    ASSERT_OK(st, vx_store_commit(st));
    assert_int_equal(st->ops->count(st, "persons"), 1);
}

static void test_transaction_doomed_by_failed_write(void **state)
{
    struct vx_store *st = S(state);
    ASSERT_OK(st, vx_store_begin(st));
    struct vx_person_rec r =
        mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &r);
    assert_int_equal(st->ops->person_put(st, &r, NULL), VX_EEXIST);
    /* a read that finds nothing is not a failed write */
    struct vx_person_rec got;
    assert_int_equal(st->ops->person_get(st, "190001019999", &got), VX_ENOTFOUND);
    assert_int_equal(vx_store_commit(st), VX_ECONFLICT);
    assert_int_equal(st->ops->count(st, "persons"), 0);
    /* the handle is usable again */
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &r);
    ASSERT_OK(st, vx_store_commit(st));
    assert_int_equal(st->ops->count(st, "persons"), 1);
}

struct collect {
    struct vx_store *st;
    int n;
    int stop_after;
    int64_t ids[16];
    char regions[16][3];
};

static int collect_cb(void *ctx, const struct vx_person_rec *rec)
{
    struct collect *c = ctx;
    if (c->n < 16) {
        c->ids[c->n] = rec->p.id;
        COPY(c->regions[c->n], rec->p.region);
    }
    c->n++;
    if (c->st) { /* the handle may be used from inside the callback */
        struct vx_person_rec again;
        assert_int_equal(c->st->ops->person_get(c->st, rec->p.pnr.norm, &again), VX_OK);
        assert_int_equal(again.p.id, rec->p.id);
    }
    return c->stop_after && c->n >= c->stop_after;
}

static void test_person_foreach(void **state)
{
    struct vx_store *st = S(state);
    const struct {
        const char *pnr, *kommun, *region;
    } rows[] = {
        {"195001019802", "0180", "01"}, {"195001029801", "0380", "03"},
        {"195001039800", "0114", "01"}, {"195001049809", "0180", "01"},
        {"195001059808", "2584", "25"},
    };
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        struct vx_person_rec r = mk_person(rows[i].pnr, 1950, 1, 1 + i, rows[i].kommun,
                                           rows[i].region, VX_RES_OWN_HOME, 0, 0);
        ids[i] = put(st, &r);
    }

    struct collect c = {.st = st};
    ASSERT_OK(st, st->ops->person_foreach(st, "", collect_cb, &c));
    assert_int_equal(c.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(c.ids[i], ids[i]); /* all: in id order */

    memset(&c, 0, sizeof c);
    ASSERT_OK(st, st->ops->person_foreach(st, "01", collect_cb, &c));
    assert_int_equal(c.n, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(c.regions[i], "01");

    memset(&c, 0, sizeof c);
    ASSERT_OK(st, st->ops->person_foreach(st, NULL, collect_cb, &c));
    assert_int_equal(c.n, 5);

    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    ASSERT_OK(st, st->ops->person_foreach(st, "", collect_cb, &c));
    assert_int_equal(c.n, 2);

    memset(&c, 0, sizeof c);
    ASSERT_OK(st, st->ops->person_foreach(st, "20", collect_cb, &c));
    assert_int_equal(c.n, 0);
}

static struct vx_site_rec mk_site(const char *code, const char *kommun, const char *region)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    COPY(s.code, code);
    COPY(s.name, "Vårdcentralen Test");
    COPY(s.kommun, kommun);
    COPY(s.region, region);
    s.kind = VX_SITE_HEALTH_CENTRE;
    COPY(s.address, "Storgatan 1");
    s.stations = 4;
    s.minutes_per_dose = 6;
    s.open_minute = 8 * 60;
    s.close_minute = 17 * 60;
    s.weekdays = 0x1f;
    return s;
}

static void test_sites(void **state)
{
    struct vx_store *st = S(state);
    struct vx_site_rec s = mk_site("01-VC-0001", "0180", "01");
    int64_t id = 0;
    ASSERT_OK(st, st->ops->site_put(st, &s, &id));
    assert_true(id > 0);

    struct vx_site_rec got;
    ASSERT_OK(st, st->ops->site_get(st, "01-VC-0001", &got));
    assert_int_equal(got.id, id);
    assert_string_equal(got.code, "01-VC-0001");
    assert_string_equal(got.name, "Vårdcentralen Test");
    assert_string_equal(got.kommun, "0180");
    assert_string_equal(got.region, "01");
    assert_int_equal(got.kind, VX_SITE_HEALTH_CENTRE);
    assert_string_equal(got.address, "Storgatan 1");
    assert_int_equal(got.stations, 4);
    assert_int_equal(got.minutes_per_dose, 6);
    assert_int_equal(got.open_minute, 480);
    assert_int_equal(got.close_minute, 1020);
    assert_int_equal(got.weekdays, 0x1f);
    assert_int_equal(st->ops->site_get(st, "nope", &got), VX_ENOTFOUND);

    /* duplicate code on insert */
    assert_int_equal(st->ops->site_put(st, &s, NULL), VX_EEXIST);
    /* update by id */
    got.kind = VX_SITE_MASS_CENTRE;
    got.stations = 20;
    int64_t id2 = 0;
    ASSERT_OK(st, st->ops->site_put(st, &got, &id2));
    assert_int_equal(id2, id);
    ASSERT_OK(st, st->ops->site_get(st, "01-VC-0001", &got));
    assert_int_equal(got.kind, VX_SITE_MASS_CENTRE);
    assert_int_equal(got.stations, 20);
    got.id = id + 1000;
    assert_int_equal(st->ops->site_put(st, &got, NULL), VX_ENOTFOUND);
    /* unknown municipality; bad kind; bad opening hours */
    struct vx_site_rec bad = mk_site("XX-1", "9999", "01");
    assert_int_equal(st->ops->site_put(st, &bad, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "kommun"));
    bad = mk_site("XX-2", "0180", "01");
    bad.kind = VX_SITE_KIND_COUNT;
    assert_int_equal(st->ops->site_put(st, &bad, NULL), VX_EINVAL);
    bad = mk_site("XX-3", "0180", "01");
    bad.close_minute = 2000;
    assert_int_equal(st->ops->site_put(st, &bad, NULL), VX_EINVAL);
    assert_int_equal(st->ops->count(st, "sites"), 1);
}

static void test_site_kind_codes(void **state)
{
    (void)state;
    for (int k = 0; k < VX_SITE_KIND_COUNT; k++) {
        enum vx_site_kind back;
        const char *code = vx_site_kind_code((enum vx_site_kind)k);
        assert_int_equal(vx_site_kind_parse(code, &back), VX_OK);
        assert_int_equal(back, k);
    }
    assert_string_equal(vx_site_kind_code(VX_SITE_CARE_HOME), "care_home");
    assert_string_equal(vx_site_kind_code(VX_SITE_KIND_COUNT), "unknown");
    enum vx_site_kind k = VX_SITE_MOBILE;
    assert_int_equal(vx_site_kind_parse("Pharmacy", &k), VX_EINVAL);
    assert_int_equal(k, VX_SITE_MOBILE);
}

static void test_premises(void **state)
{
    struct vx_store *st = S(state);
    struct vx_premises_rec p = {
        .code = "0380-P1",
        .kommun = "0380",
        .region = "03",
        .name = "Sporthallen",
        .address = "Idrottsvägen 2",
        .capacity_per_day = 800,
        .accessible = true,
        .available_from = vx_day_from_ymd(2021, 3, 1),
        .available_to = vx_day_from_ymd(2021, 8, 31),
    };
    int64_t id = 0;
    ASSERT_OK(st, st->ops->premises_put(st, &p, &id));
    assert_true(id > 0);
    assert_int_equal(st->ops->premises_put(st, &p, NULL), VX_EEXIST);
    p.id = id;
    p.capacity_per_day = 900;
    ASSERT_OK(st, st->ops->premises_put(st, &p, NULL));
    p.id = id + 7;
    assert_int_equal(st->ops->premises_put(st, &p, NULL), VX_ENOTFOUND);
    struct vx_premises_rec bad = p;
    bad.id = 0;
    COPY(bad.code, "0380-P2");
    bad.available_to = vx_day_from_ymd(2021, 2, 1); /* before available_from */
    assert_int_equal(st->ops->premises_put(st, &bad, NULL), VX_EINVAL);
    COPY(bad.kommun, "0180"); /* municipality of another region */
    bad.available_to = p.available_to;
    assert_int_equal(st->ops->premises_put(st, &bad, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "region"));
    assert_int_equal(st->ops->count(st, "premises"), 1);
}

static void test_vaccines(void **state)
{
    struct vx_store *st = S(state);
    ASSERT_OK(st, st->ops->vaccine_put(st, "EU/1/20/1528", "Comirnaty",
                                       "{\"doses_per_vial\":6,\"doses\":2}"));
    ASSERT_OK(st, st->ops->vaccine_put(st, "EU/1/20/1507", "Spikevax", "{}"));
    /* upsert */
    ASSERT_OK(st, st->ops->vaccine_put(st, "EU/1/20/1528", "Comirnaty",
                                       "{\"doses_per_vial\":6,\"doses\":2,\"interval\":21}"));
    assert_int_equal(st->ops->count(st, "vaccines"), 2);
    assert_int_equal(st->ops->vaccine_put(st, "X", "Broken", "{not json"), VX_EINVAL);
    assert_int_equal(st->ops->count(st, "vaccines"), 2);
}

static void test_audit_append(void **state)
{
    struct vx_store *st = S(state);
    struct vx_audit_rec a = {
        .at = 1611900000,
        .actor = "cli:anna",
        .role = "regional_coordinator",
        .action = "person.read",
        .object = "persons:17",
        .region = "01",
        .detail = "summary",
    };
    ASSERT_OK(st, st->ops->audit_append(st, &a));
    struct vx_audit_rec b = {.actor = "system", .action = "store.open"}; /* at 0 = now */
    ASSERT_OK(st, st->ops->audit_append(st, &b));
    assert_int_equal(st->ops->count(st, "audit_log"), 2);
}

static void test_count_whitelist(void **state)
{
    struct vx_store *st = S(state);
    const char *tables[] = {"regions",     "municipalities", "persons",
                            "sites",       "premises",       "vaccines",
                            "lots",        "deliveries",     "delivery_revisions",
                            "allocations", "slots",          "bookings",
                            "doses",       "audit_log"};
    for (size_t i = 0; i < VX_ARRAY_LEN(tables); i++)
        assert_true(st->ops->count(st, tables[i]) >= 0);
    assert_true(st->ops->count(st, "persons; DROP TABLE persons") < 0);
    assert_true(st->ops->count(st, "sqlite_master") < 0);
    assert_true(st->ops->count(st, "") < 0);
    assert_true(st->ops->count(st, NULL) < 0);
    assert_int_equal(st->ops->count(st, "regions"), 21);
}

/*
 * Region summary on a hand-made set around the 18 and 80 boundaries, including a
 * 29 February birthday (one year older on 1 March in common years).
 */
static void summary_data(struct vx_store *st)
{
    const struct {
        const char *pnr;
        int y, m, d;
        const char *kommun, *region;
        enum vx_residence res;
        uint32_t risk, flags;
    } rows[] = {
        /* region 01 */
        {"200402289811", 2004, 2, 28, "0180", "01", VX_RES_OWN_HOME, 0,
         VX_PF_CARE_STAFF | VX_PF_HOUSEHOLD_CONTACT},
        {"200402299810", 2004, 2, 29, "0180", "01", VX_RES_OWN_HOME, 0, 0},
        {"200403019804", 2004, 3, 1, "0114", "01", VX_RES_LSS_HOME, 0, VX_PF_HOUSEHOLD_CONTACT},
        {"194202289812", 1942, 2, 28, "0180", "01", VX_RES_HOME_CARE, 0x1, 0},
        {"194203019805", 1942, 3, 1, "0180", "01", VX_RES_HOME_HEALTH, 0, 0},
        {"193006159803", 1930, 6, 15, "0180", "01", VX_RES_SPECIAL_HOUSING, 0x4, 0},
        /* region 03 */
        {"198005059801", 1980, 5, 5, "0380", "03", VX_RES_OWN_HOME, 0, VX_PF_CARE_STAFF},
        {"201001019800", 2010, 1, 1, "0380", "03", VX_RES_OWN_HOME, 0x2, 0},
    };
    ASSERT_OK(st, vx_store_begin(st));
    for (size_t i = 0; i < VX_ARRAY_LEN(rows); i++) {
        struct vx_person_rec r =
            mk_person(rows[i].pnr, rows[i].y, rows[i].m, rows[i].d, rows[i].kommun, rows[i].region,
                      rows[i].res, rows[i].risk, rows[i].flags);
        put(st, &r);
    }
    struct vx_site_rec s1 = mk_site("01-VC-1", "0180", "01");
    struct vx_site_rec s2 = mk_site("01-VC-2", "0114", "01");
    struct vx_site_rec s3 = mk_site("25-MC-1", "2580", "25");
    ASSERT_OK(st, st->ops->site_put(st, &s1, NULL));
    ASSERT_OK(st, st->ops->site_put(st, &s2, NULL));
    ASSERT_OK(st, st->ops->site_put(st, &s3, NULL));
    ASSERT_OK(st, vx_store_commit(st));
}

static const struct vx_region_summary *find_summary(const struct vx_region_summary *s, int n,
                                                    const char *code)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].code, code))
            return &s[i];
    fail_msg("region %s missing from summary", code);
    return NULL;
}

static void test_region_summary(void **state)
{
    struct vx_store *st = S(state);
    summary_data(st);
    struct vx_region_summary out[32];
    int n = 0;

    /* 2022-02-28 (common year): the 29 February child is still 17 */
    ASSERT_OK(st, st->ops->region_summary(st, vx_day_from_ymd(2022, 2, 28), out, 32, &n));
    assert_int_equal(n, 21);
    for (int i = 1; i < n; i++)
        assert_true(strcmp(out[i - 1].code, out[i].code) < 0);
    assert_string_equal(out[0].code, "01");
    assert_string_equal(out[0].name, "Stockholms län");
    const struct vx_region_summary *r01 = &out[0];
    assert_int_equal(r01->persons, 6);
    assert_int_equal(r01->adults, 4);    /* 2004-02-28, 1942 x2, 1930 */
    assert_int_equal(r01->age80plus, 2); /* 1942-02-28 and 1930; 1942-03-01 is 79 */
    assert_int_equal(r01->by_residence[VX_RES_OWN_HOME], 2);
    assert_int_equal(r01->by_residence[VX_RES_SPECIAL_HOUSING], 1);
    assert_int_equal(r01->by_residence[VX_RES_HOME_CARE], 1);
    assert_int_equal(r01->by_residence[VX_RES_HOME_HEALTH], 1);
    assert_int_equal(r01->by_residence[VX_RES_LSS_HOME], 1);
    assert_int_equal(r01->with_risk, 2);
    assert_int_equal(r01->care_staff, 1);
    assert_int_equal(r01->sites, 2);
    assert_int_equal(r01->kommuner, 26);

    const struct vx_region_summary *r03 = find_summary(out, n, "03");
    assert_int_equal(r03->persons, 2);
    assert_int_equal(r03->adults, 1);
    assert_int_equal(r03->age80plus, 0);
    assert_int_equal(r03->by_residence[VX_RES_OWN_HOME], 2);
    assert_int_equal(r03->with_risk, 1);
    assert_int_equal(r03->care_staff, 1);
    assert_int_equal(r03->sites, 0);
    assert_int_equal(r03->kommuner, 8);

    const struct vx_region_summary *r25 = find_summary(out, n, "25");
    assert_int_equal(r25->persons, 0);
    assert_int_equal(r25->adults, 0);
    assert_int_equal(r25->sites, 1);
    assert_int_equal(r25->kommuner, 14);
    const struct vx_region_summary *r09 = find_summary(out, n, "09");
    assert_int_equal(r09->kommuner, 1);

    /* 2022-03-01: everyone born up to 2004-03-01 is 18, up to 1942-03-01 is 80 */
    ASSERT_OK(st, st->ops->region_summary(st, vx_day_from_ymd(2022, 3, 1), out, 32, &n));
    assert_int_equal(out[0].adults, 6);
    assert_int_equal(out[0].age80plus, 3);

    /* the day before: 2004-03-01 child still 17; the leapling too */
    ASSERT_OK(st, st->ops->region_summary(st, vx_day_from_ymd(2022, 2, 27), out, 32, &n));
    assert_int_equal(out[0].adults, 3);
    assert_int_equal(out[0].age80plus, 1);

    /* 2024-02-29 (leap year): the leapling is 20 that day; the 2010 child is 14 */
    ASSERT_OK(st, st->ops->region_summary(st, vx_day_from_ymd(2024, 2, 29), out, 32, &n));
    assert_int_equal(out[0].adults, 6);
    assert_int_equal(find_summary(out, n, "03")->adults, 1);

    /* too small an output array */
    assert_int_equal(st->ops->region_summary(st, vx_day_from_ymd(2022, 2, 28), out, 5, &n),
                     VX_ERANGE);
    assert_int_equal(n, 5);
}

static void test_bulk_mode(void **state)
{
    struct vx_store *st = S(state);
    ASSERT_OK(st, st->ops->bulk_mode(st, true));
    ASSERT_OK(st, vx_store_begin(st));
    for (int i = 0; i < 2000; i++) {
        char pnr[24];
        snprintf(pnr, sizeof pnr, "19%02d0101%04d", 20 + i % 80, i);
        struct vx_person_rec r = mk_person(pnr, 1920 + i % 80, 1, 1, i % 2 ? "0180" : "0380",
                                           i % 2 ? "01" : "03", VX_RES_OWN_HOME, 0, 0);
        put(st, &r);
    }
    /* bulk mode may end inside the transaction: durability comes after commit */
    ASSERT_OK(st, st->ops->bulk_mode(st, false));
    ASSERT_OK(st, vx_store_commit(st));
    assert_int_equal(st->ops->count(st, "persons"), 2000);
    struct vx_person_rec got;
    ASSERT_OK(st, st->ops->person_get(st,
                                      "19210101"
                                      "0001",
                                      &got));
    assert_string_equal(got.p.region, "01");
}

/* A duplicate number in a bulk load: reported by person_put or (when the
 * backend checks uniqueness at the end) by commit; either way nothing is stored. */
static void test_bulk_duplicate_stores_nothing(void **state)
{
    struct vx_store *st = S(state);
    struct vx_person_rec a =
        mk_person("195001019802", 1950, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    struct vx_person_rec b =
        mk_person("195001029801", 1950, 1, 2, "0380", "03", VX_RES_OWN_HOME, 0, 0);
    ASSERT_OK(st, st->ops->bulk_mode(st, true));
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &a);
    put(st, &b);
    enum vx_status rc = st->ops->person_put(st, &a, NULL);
    if (rc == VX_OK) {
        assert_int_equal(vx_store_commit(st), VX_EEXIST);
    } else {
        assert_int_equal(rc, VX_EEXIST);
        assert_int_equal(vx_store_commit(st), VX_ECONFLICT);
    }
    assert_null(strstr(st->err, "195001019802"));
    assert_int_equal(vx_store_commit(st), VX_ECONFLICT); /* the transaction is over */
    ASSERT_OK(st, st->ops->bulk_mode(st, false));
    assert_int_equal(st->ops->count(st, "persons"), 0);

    /* and the store still refuses duplicates afterwards */
    put(st, &a);
    assert_int_equal(st->ops->person_put(st, &a, NULL), VX_EEXIST);
    struct vx_person_rec got;
    ASSERT_OK(st, st->ops->person_get(st, "195001019802", &got));
}

#define GENERIC_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

static const struct CMUnitTest generic_tests[] = {
    GENERIC_TEST(test_schema_version),
    GENERIC_TEST(test_reference_data),
    GENERIC_TEST(test_person_roundtrip),
    GENERIC_TEST(test_person_duplicate),
    GENERIC_TEST(test_person_foreign_keys),
    GENERIC_TEST(test_person_invalid),
    GENERIC_TEST(test_transaction_rollback),
    GENERIC_TEST(test_transaction_doomed_by_failed_write),
    GENERIC_TEST(test_person_foreach),
    GENERIC_TEST(test_sites),
    cmocka_unit_test(test_site_kind_codes),
    GENERIC_TEST(test_premises),
    GENERIC_TEST(test_vaccines),
    GENERIC_TEST(test_audit_append),
    GENERIC_TEST(test_count_whitelist),
    GENERIC_TEST(test_region_summary),
    GENERIC_TEST(test_bulk_mode),
    GENERIC_TEST(test_bulk_duplicate_stores_nothing),
};

#ifndef STORE_SUITE_ONLY
/* ======================================================================== */
/* SQLite-specific part                                                     */
/* ======================================================================== */

#include "../../src/store/sqlite/sqlite_int.h"

/* $VX_TEST_TMP/<name> (or /tmp) into buf. */
static const char *tmp_path(char *buf, size_t size, const char *name)
{
    const char *dir = getenv("VX_TEST_TMP");
    snprintf(buf, size, "%s/%s", dir && *dir ? dir : "/tmp", name);
    return buf;
}

static void remove_db(const char *path)
{
    char p[512];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static struct vx_store *sqlite_open_fresh(const char *tag)
{
    char name[64], path[512];
    snprintf(name, sizeof name, "store_sqlite_%s.db", tag);
    tmp_path(path, sizeof path, name);
    remove_db(path);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK) {
        print_error("open %s: %s\n", path, err.msg);
        return NULL;
    }
    return st;
}

static const struct store_backend sqlite_backend = {"sqlite", sqlite_open_fresh};

static const char *pragma(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(buf, size, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return buf;
}

static void test_sqlite_pragmas(void **state)
{
    (void)state;
    struct vx_store *st = sqlite_open_fresh("pragmas");
    assert_non_null(st);
    assert_string_equal(st->ops->name, "sqlite");
    sqlite3 *db = sq_store_db(st);
    assert_non_null(db);
    char v[32];
    assert_string_equal(pragma(db, "PRAGMA journal_mode", v, sizeof v), "wal");
    assert_string_equal(pragma(db, "PRAGMA page_size", v, sizeof v), "2048"); /* a new file */
    assert_string_equal(pragma(db, "PRAGMA foreign_keys", v, sizeof v), "1");
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "2"); /* FULL */
    ASSERT_OK(st, st->ops->bulk_mode(st, true));
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "1"); /* NORMAL */
    assert_string_equal(pragma(db, "PRAGMA temp_store", v, sizeof v), "2");  /* MEMORY */
    ASSERT_OK(st, st->ops->bulk_mode(st, false));
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "2");
    assert_string_equal(pragma(db, "PRAGMA foreign_keys", v, sizeof v), "1");
    /* inside a transaction the cache changes at once, the safety level at its end */
    ASSERT_OK(st, vx_store_begin(st));
    ASSERT_OK(st, st->ops->bulk_mode(st, true));
    assert_string_equal(pragma(db, "PRAGMA cache_size", v, sizeof v), "-1048576");
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "2");
    ASSERT_OK(st, vx_store_commit(st));
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "1");
    ASSERT_OK(st, vx_store_begin(st));
    ASSERT_OK(st, st->ops->bulk_mode(st, false));
    ASSERT_OK(st, vx_store_rollback(st));
    assert_string_equal(pragma(db, "PRAGMA synchronous", v, sizeof v), "2");
    assert_string_equal(pragma(db, "PRAGMA cache_size", v, sizeof v), "-16384");
    vx_store_close(st);
}

/* A database file made before (or elsewhere) keeps its page size. */
static void test_sqlite_page_size_kept(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_page_size.db");
    remove_db(path);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(raw, "PRAGMA page_size = 4096; CREATE TABLE before_us (a)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    char v[32];
    assert_string_equal(pragma(sq_store_db(st), "PRAGMA page_size", v, sizeof v), "4096");
    assert_int_equal(st->ops->schema_version(st), VX_SCHEMA_VERSION);
    vx_store_close(st);
    remove_db(path);
}

static void test_sqlite_reopen(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_reopen.db");
    remove_db(path);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    load_reference(st);
    struct vx_person_rec r =
        mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &r);
    vx_store_close(st);

    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* personal data: owner only */

    for (int round = 0; round < 2; round++) { /* migrations are idempotent */
        st = NULL;
        assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
        assert_int_equal(st->ops->schema_version(st), VX_SCHEMA_VERSION);
        assert_int_equal(st->ops->count(st, "schema_migrations"), VX_SCHEMA_VERSION);
        assert_int_equal(st->ops->count(st, "persons"), 1);
        assert_int_equal(st->ops->count(st, "municipalities"), 290);
        vx_store_close(st);
    }

    /* uncommitted work is discarded at close */
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    ASSERT_OK(st, vx_store_begin(st));
    struct vx_person_rec r2 =
        mk_person("197001029800", 1970, 1, 2, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &r2);
    vx_store_close(st);
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    assert_int_equal(st->ops->count(st, "persons"), 1);
    vx_store_close(st);
}

/* Deferred sync: COMMIT with synchronous=NORMAL, sync() forces the WAL; a second
 * handle sees what was committed; not inside a transaction; off restores FULL. */
static void test_sqlite_defer_sync(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_defer.db");
    remove_db(path);
    struct vx_store *st = NULL, *other = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    load_reference(st);
    assert_int_equal(st->ops->sync(st), VX_OK); /* never deferred: nothing to do */
    sqlite3 *db = sq_store_db(st);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2); /* FULL */
    sqlite3_reset(q);
    ASSERT_OK(st, st->ops->defer_sync(st, true));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1); /* NORMAL */
    sqlite3_reset(q);
    ASSERT_OK(st, vx_store_begin(st));
    assert_int_equal(st->ops->defer_sync(st, false), VX_EINVAL); /* not inside one */
    struct vx_person_rec r =
        mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    put(st, &r);
    ASSERT_OK(st, vx_store_commit(st));
    ASSERT_OK(st, st->ops->sync(st));
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_true(sb.st_size > 0); /* the commit is in the WAL, which sync forced */
    assert_int_equal(vx_store_open_sqlite(path, &other, &err), VX_OK);
    assert_int_equal(other->ops->count(other, "persons"), 1);
    vx_store_close(other);
    ASSERT_OK(st, st->ops->defer_sync(st, false));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    /* the checkpoint interval */
    assert_int_equal(st->ops->checkpoint_every(st, -1), VX_EINVAL);
    ASSERT_OK(st, st->ops->checkpoint_every(st, 16000));
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_autocheckpoint", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 16000);
    sqlite3_finalize(q);
    /* 0: this handle only counts the log; checkpoint() copies it on demand, from
     * another handle too, and the log starts over at the next write */
    ASSERT_OK(st, st->ops->checkpoint_every(st, 0));
    assert_int_equal(st->ops->log_pages(st), 0);
    for (int i = 0; i < 30; i++) {
        struct vx_person_rec more =
            mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
        snprintf(more.p.pnr.norm, sizeof more.p.pnr.norm, "1971%08d", 1000 + i);
        ASSERT_OK(st, vx_store_begin(st));
        int64_t pid;
        ASSERT_OK(st, st->ops->person_put(st, &more, &pid));
        ASSERT_OK(st, vx_store_commit(st));
    }
    int pages = st->ops->log_pages(st);
    assert_true(pages >= 30); /* nothing copied by itself: every commit adds pages */
    assert_int_equal(vx_store_open_sqlite(path, &other, &err), VX_OK);
    int log = 0, copied = 0;
    ASSERT_OK(other, other->ops->checkpoint(other, &log, &copied));
    assert_int_equal(log, pages);
    assert_int_equal(copied, pages);
    ASSERT_OK(st, vx_store_begin(st)); /* the next write starts the log over */
    struct vx_person_rec last =
        mk_person("197001019801", 1970, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0);
    snprintf(last.p.pnr.norm, sizeof last.p.pnr.norm, "197200001000");
    int64_t lid;
    ASSERT_OK(st, st->ops->person_put(st, &last, &lid));
    ASSERT_OK(st, vx_store_commit(st));
    assert_true(st->ops->log_pages(st) < pages);
    assert_int_equal(other->ops->count(other, "persons"), 32);
    vx_store_close(other);
    vx_store_close(st);
}

static void test_sqlite_refuses_newer_schema(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_newer.db");
    remove_db(path);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_OK);
    vx_store_close(st);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_migrations VALUES (99, 'from the future', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    static struct vx_store dummy;
    st = &dummy; /* must be reset to NULL */
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_ESTORE);
    assert_null(st);
    assert_int_equal(err.status, VX_ESTORE);
    assert_non_null(strstr(err.msg, "99"));
    assert_non_null(strstr(err.msg, "newer"));
}

static void test_sqlite_migration_steps(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    struct vx_err err = {0};
    int v = -1;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    const struct sq_migration bad[] = {
        {1, "one", "CREATE TABLE t1 (a INTEGER)"},
        {2, "two", "CREATE TABLE t2 (a INTEGER); INSERT INTO nowhere VALUES (1)"},
    };
    assert_int_equal(sq_migrate(db, bad, 2, &v, &err), VX_ESTORE);
    assert_non_null(strstr(err.msg, "migration 2"));
    assert_int_equal(sq_schema_version(db), 1); /* step 1 stays, step 2 rolled back */
    assert_int_equal(sqlite3_exec(db, "SELECT * FROM t2", NULL, NULL, NULL), SQLITE_ERROR);

    const struct sq_migration good[] = {
        {1, "one", "CREATE TABLE t1 (a INTEGER)"},
        {2, "two", "CREATE TABLE t2 (a INTEGER); INSERT INTO t2 VALUES (1)"},
    };
    assert_int_equal(sq_migrate(db, good, 2, &v, &err), VX_OK);
    assert_int_equal(v, 2);
    assert_int_equal(sq_migrate(db, good, 2, &v, &err), VX_OK); /* idempotent */
    assert_int_equal(v, 2);
    assert_int_equal(sq_migrate(db, good, 1, &v, &err), VX_ESTORE); /* db is newer */
    assert_non_null(strstr(err.msg, "newer"));
    sqlite3_close(db);

    /* the shipped table: versions 1..N without gaps, N = VX_SCHEMA_VERSION */
    int n = 0;
    const struct sq_migration *m = sq_migrations(&n);
    assert_int_equal(n, VX_SCHEMA_VERSION);
    for (int i = 0; i < n; i++)
        assert_int_equal(m[i].version, i + 1);
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Version 11 on a database with bookings of version 10: rows kept, one person index
 * that both finds a person's rows and allows one active row per person and dose. */
static void test_sqlite_migration_11_bookings(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    struct vx_err err = {0};
    int v = -1, n = 0;
    const struct sq_migration *m = sq_migrations(&n);
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sq_migrate(db, m, 10, &v, &err), VX_OK);
    assert_int_equal(v, 10);
    /* foreign keys are off on this raw handle: no persons or slots needed */
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO bookings (person_id, region_code, slot_id, "
                     "dose_number, status, created_at, updated_at) VALUES "
                     "(7, '01', 1, 1, 'cancelled', 1, 1), (7, '01', 2, 1, 'booked', 2, "
                     "2), (7, '01', 3, 2, 'booked', 2, 2)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sq_migrate(db, m, 11, &v, &err), VX_OK);
    assert_int_equal(v, 11);
    assert_int_equal(q_int(db, "SELECT count(*) FROM bookings WHERE person_id = 7 AND "
                               "idem_op = 0 AND idempotency_key IS NULL"),
                     3);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                               "('bookings_active', 'bookings_idempotency', 'doses_unreported')"),
                     0);
    /* a second active dose 1 is refused; another cancelled one is not */
    const char *dup = "INSERT INTO bookings (person_id, region_code, slot_id, dose_number, status, "
                      "created_at, updated_at) VALUES (7, '01', 4, 1, 'booked', 3, 3)";
    assert_int_equal(sqlite3_exec(db, dup, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO bookings (person_id, region_code, slot_id, "
                                  "dose_number, status, created_at, updated_at) VALUES "
                                  "(7, '01', 4, 1, 'cancelled', 3, 3)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    /* cancelling the active row frees the place for a new active one */
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE bookings SET status = 'cancelled' WHERE slot_id = 2; "
                                  "UPDATE bookings SET status = 'booked' WHERE slot_id = 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(q_int(db, "SELECT slot_id FROM bookings WHERE person_id = 7 AND "
                               "dose_number = 1 AND status = 'booked'"),
                     4);
    /* a person's rows and a key's rows are found through the person index */
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN SELECT id FROM bookings WHERE "
                                        "person_id = 7 AND idempotency_key = 'k'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(q, 3), "bookings_person"));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_sqlite_open_errors(void **state)
{
    (void)state;
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite("", &st, &err), VX_EINVAL);
    assert_null(st);
    assert_int_equal(vx_store_open_sqlite("/nonexistent-dir/x/store.db", &st, &err), VX_EIO);
    assert_null(st);
    assert_non_null(strstr(err.msg, "/nonexistent-dir"));

    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_garbage.db");
    remove_db(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 256; i++)
        fputs("this is not a database file\n", f);
    fclose(f);
    assert_int_equal(vx_store_open_sqlite(path, &st, &err), VX_ESTORE);
    assert_null(st);
    assert_non_null(strstr(err.msg, "not a database"));
    assert_int_equal(vx_store_open_sqlite(path, &st, NULL), VX_ESTORE); /* err may be NULL */

    assert_int_equal(vx_store_open_sqlite(":memory:", &st, &err), VX_OK);
    assert_int_equal(st->ops->schema_version(st), VX_SCHEMA_VERSION);
    vx_store_close(st);
    vx_store_close(NULL);
}

static int count_person_indexes(sqlite3 *db)
{
    char v[32];
    return (int)strtol(pragma(db,
                              "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                              "AND tbl_name = 'persons' AND name IN ('persons_pnr', "
                              "'persons_region')",
                              v, sizeof v),
                       NULL, 10);
}

/* Bulk loads into an empty persons table build its indexes at commit. */
static void test_sqlite_bulk_deferred_indexes(void **state)
{
    (void)state;
    struct vx_store *st = sqlite_open_fresh("bulkidx");
    assert_non_null(st);
    load_reference(st);
    sqlite3 *db = sq_store_db(st);
    char v[32];
    struct vx_person_rec r[3] = {
        mk_person("195001019802", 1950, 1, 1, "0180", "01", VX_RES_OWN_HOME, 0, 0),
        mk_person("195001029801", 1950, 1, 2, "0380", "03", VX_RES_OWN_HOME, 0, 0),
        mk_person("195001039800", 1950, 1, 3, "0114", "01", VX_RES_OWN_HOME, 0, 0),
    };
    assert_int_equal(count_person_indexes(db), 2);

    /* rolled back: the indexes come back with everything else */
    ASSERT_OK(st, st->ops->bulk_mode(st, true));
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &r[0]);
    assert_int_equal(count_person_indexes(db), 0);
    assert_string_equal(pragma(db, "PRAGMA cache_size", v, sizeof v), "-65536");
    ASSERT_OK(st, vx_store_rollback(st));
    assert_int_equal(count_person_indexes(db), 2);
    assert_string_equal(pragma(db, "PRAGMA cache_size", v, sizeof v), "-1048576");

    /* duplicate found at commit: named by put order, nothing stored */
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &r[0]);
    put(st, &r[1]);
    ASSERT_OK(st, st->ops->person_put(st, &r[0], NULL));
    assert_int_equal(vx_store_commit(st), VX_EEXIST);
    assert_non_null(strstr(st->err, "puts 1 and 3"));
    assert_int_equal(count_person_indexes(db), 2);
    assert_int_equal(st->ops->count(st, "persons"), 0);

    /* committed: lookups work inside the load and the indexes are back */
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &r[0]);
    put(st, &r[1]);
    struct vx_person_rec got;
    ASSERT_OK(st, st->ops->person_get(st, "195001029801", &got));
    ASSERT_OK(st, vx_store_commit(st));
    assert_int_equal(count_person_indexes(db), 2);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN SELECT id FROM persons "
                                        "WHERE pnr = '195001029801'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(q, 3), "persons_pnr"));
    sqlite3_finalize(q);

    /* a load into a non-empty table keeps its indexes */
    ASSERT_OK(st, vx_store_begin(st));
    put(st, &r[2]);
    assert_int_equal(count_person_indexes(db), 2);
    ASSERT_OK(st, vx_store_commit(st));
    ASSERT_OK(st, st->ops->bulk_mode(st, false));
    assert_int_equal(st->ops->count(st, "persons"), 3);
    assert_int_equal(st->ops->person_put(st, &r[2], NULL), VX_EEXIST);
    vx_store_close(st);
}

static void test_sqlite_audit_is_append_only(void **state)
{
    (void)state;
    struct vx_store *st = sqlite_open_fresh("audit");
    assert_non_null(st);
    struct vx_audit_rec a = {.at = 1, .actor = "cli:x", .action = "person.read"};
    ASSERT_OK(st, st->ops->audit_append(st, &a));
    sqlite3 *db = sq_store_db(st);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET actor = 'y'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(st->ops->count(st, "audit_log"), 1);
    vx_store_close(st);
}

static void test_sqlite_schema_foreign_keys(void **state)
{
    (void)state;
    /* the schema itself keeps bookings/doses pointing at existing persons */
    struct vx_store *st = sqlite_open_fresh("fk");
    assert_non_null(st);
    sqlite3 *db = sq_store_db(st);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO doses (person_id, region_code, vaccine_code, "
                                      "dose_number, given_at, created_at) "
                                      "VALUES (42, '01', 'EU/1/20/1528', 1, 0, 0)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(sqlite3_extended_errcode(db), SQLITE_CONSTRAINT_FOREIGNKEY);
    /* foreign_keys(false): for a writer that checks its references itself; not
     * inside a transaction; on again, the store refuses a dangling row again */
    static const char dangling[] = "INSERT INTO booking_requests (person_id, idem_key, op, status, "
                                   "created_at) VALUES (42, 'k', 1, 0, 0)";
    ASSERT_OK(st, vx_store_begin(st));
    assert_int_equal(st->ops->foreign_keys(st, false), VX_ECONFLICT);
    ASSERT_OK(st, vx_store_rollback(st));
    ASSERT_OK(st, st->ops->foreign_keys(st, false));
    assert_int_equal(sqlite3_exec(db, dangling, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM booking_requests", NULL, NULL, NULL), SQLITE_OK);
    ASSERT_OK(st, st->ops->foreign_keys(st, true));
    assert_int_not_equal(sqlite3_exec(db, dangling, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_extended_errcode(db), SQLITE_CONSTRAINT_FOREIGNKEY);
    vx_store_close(st);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

/* The writer's store gathers its WAL writes (walbuf.c): a reader on the default VFS
 * sees every commit at once, also commits of more than the gathering buffer, after a
 * rolled-back transaction that spilled pages into the log, across a log restart, and
 * after a reopen; the file stays intact. */
static void test_sqlite_writer_log_gathering(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof path, "store_sqlite_walbuf.db");
    remove_db(path);
    struct vx_store *w = NULL, *r = NULL;
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite_writer(path, &w, &err), VX_OK);
    assert_int_equal(vx_store_open_sqlite(path, &r, &err), VX_OK);
    sqlite3 *wdb = sq_store_db(w), *rdb = sq_store_db(r);
    /* the writer's page cache is 128 MiB (grows as used), a reader's 16 MiB */
    assert_int_equal(q_int(wdb, "PRAGMA cache_size"), -131072);
    assert_int_equal(q_int(rdb, "PRAGMA cache_size"), -16384);
    exec_ok(wdb, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v BLOB);"
                 "CREATE INDEX t_k ON t (k)");
    /* many small commits, each seen by the reader right away */
    int64_t rows = 0;
    for (int i = 0; i < 200; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO t (k, v) VALUES (%d, randomblob(300)), (%d, randomblob(300))",
                 (i * 7919) % 1000, (i * 104729) % 1000);
        exec_ok(wdb, sql);
        rows += 2;
        assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows);
    }
    /* one commit of ~12 MiB: more than the 4 MiB buffer */
    exec_ok(wdb, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000) "
                 "INSERT INTO t (k, v) SELECT x % 1000, randomblob(3000) FROM c");
    rows += 4000;
    assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows);
    /* a transaction that spills pages into the log (tiny cache), then rolls back */
    exec_ok(wdb, "PRAGMA cache_size = 10");
    exec_ok(wdb, "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                 "WHERE x < 3000) INSERT INTO t (k, v) SELECT x, randomblob(2000) FROM c; "
                 "UPDATE t SET k = k + 1 WHERE id % 3 = 0; ROLLBACK");
    assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows);
    /* the same, committed: pages spilled into the log and changed again are written
     * over in the log before the commit (in the buffer or in the file) */
    exec_ok(wdb,
            "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 1500) INSERT INTO t (k, v) SELECT x, randomblob(200) FROM c; "
            "UPDATE t SET k = k + 1 WHERE id % 3 = 0; UPDATE t SET k = k - 1 WHERE id % 5 = 0; "
            "COMMIT");
    rows += 1500;
    assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows);
    assert_int_equal(q_int(rdb, "SELECT sum(k) FROM t"), q_int(wdb, "SELECT sum(k) FROM t"));
    /* the next commits overwrite those frames */
    for (int i = 0; i < 20; i++) {
        exec_ok(wdb, "INSERT INTO t (k, v) VALUES (7, randomblob(5000))");
        rows++;
        assert_int_equal(q_int(rdb, "SELECT count(*) FROM t WHERE k = 7"),
                         q_int(wdb, "SELECT count(*) FROM t WHERE k = 7"));
    }
    exec_ok(wdb, "BEGIN; UPDATE t SET k = k + 1 WHERE id % 2 = 0; COMMIT");
    assert_int_equal(q_int(rdb, "SELECT sum(k) FROM t"), q_int(wdb, "SELECT sum(k) FROM t"));
    /* the log restarts from its start after a full checkpoint */
    assert_int_equal(sqlite3_wal_checkpoint_v2(wdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
                     SQLITE_OK);
    for (int i = 0; i < 50; i++) {
        exec_ok(wdb, "INSERT INTO t (k, v) VALUES (1, randomblob(100))");
        rows++;
        assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows);
    }
    assert_int_equal(q_int(rdb, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                "integrity_check <> 'ok'"),
                     0);
    /* a new writer handle appends to the log the last one left (the reader keeps it:
     * no checkpoint at close), learning the frame size from the log's header */
    vx_store_close(w);
    assert_int_equal(vx_store_open_sqlite_writer(path, &w, &err), VX_OK);
    wdb = sq_store_db(w);
    assert_int_equal(q_int(wdb, "SELECT count(*) FROM t"), rows);
    exec_ok(wdb, "INSERT INTO t (k, v) VALUES (2, randomblob(100))");
    assert_int_equal(q_int(rdb, "SELECT count(*) FROM t"), rows + 1);
    vx_store_close(r);
    assert_int_equal(vx_store_open_sqlite(path, &r, &err), VX_OK);
    assert_int_equal(q_int(sq_store_db(r), "SELECT count(*) FROM t"), rows + 1);
    assert_int_equal(q_int(sq_store_db(r), "SELECT count(*) FROM pragma_integrity_check "
                                           "WHERE integrity_check <> 'ok'"),
                     0);
    vx_store_close(r);
    vx_store_close(w);
    remove_db(path);
}

int main(void)
{
    static const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test(test_sqlite_pragmas),
        cmocka_unit_test(test_sqlite_reopen),
        cmocka_unit_test(test_sqlite_page_size_kept),
        cmocka_unit_test(test_sqlite_refuses_newer_schema),
        cmocka_unit_test(test_sqlite_defer_sync),
        cmocka_unit_test(test_sqlite_migration_steps),
        cmocka_unit_test(test_sqlite_migration_11_bookings),
        cmocka_unit_test(test_sqlite_open_errors),
        cmocka_unit_test(test_sqlite_bulk_deferred_indexes),
        cmocka_unit_test(test_sqlite_audit_is_append_only),
        cmocka_unit_test(test_sqlite_schema_foreign_keys),
        cmocka_unit_test(test_sqlite_writer_log_gathering),
    };
    backend = &sqlite_backend;
    int failed = cmocka_run_group_tests_name("store (generic, sqlite)", generic_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("store (sqlite only)", sqlite_tests, NULL, NULL);
    return failed;
}
#endif /* STORE_SUITE_ONLY */
