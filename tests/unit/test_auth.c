/*
 * test_auth.c — roles, the route × role check, scopes, the session store and the
 * audit helper.
 *
 * The session store takes the time as a parameter, so expiry is tested by
 * passing later instants, never by sleeping. The audit test writes to a scratch
 * SQLite store under $VX_TEST_TMP and checks that no personnummer reaches it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/auth.h"
#include "vx/store.h"
#include "../common/person.h"

static void test_role_table(void **state)
{
    for (int r = VX_ROLE_NONE + 1; r < VX_ROLE_COUNT; r++) {
        const struct vx_role_info *ri = vx_role_info((enum vx_role)r);
        assert_non_null(ri);
        assert_int_equal(ri->role, r);
        assert_non_null(ri->name_sv);
        assert_non_null(ri->name_en);
        enum vx_role back;
        assert_int_equal(vx_role_parse(ri->code, &back), VX_OK);
        assert_int_equal(back, r);
        for (int o = r + 1; o < VX_ROLE_COUNT; o++)
            assert_string_not_equal(ri->code, vx_role_info((enum vx_role)o)->code);
    }
    assert_null(vx_role_info(VX_ROLE_NONE));
    assert_null(vx_role_info(VX_ROLE_COUNT));
    assert_string_equal(vx_role_code(VX_ROLE_NONE), "none");
    enum vx_role r;
    assert_int_equal(vx_role_parse("none", &r), VX_EINVAL);
    assert_int_equal(vx_role_parse("admin", &r), VX_EINVAL);
    assert_int_equal(vx_role_parse(NULL, &r), VX_EINVAL);
    /* roles without person data */
    assert_false(vx_role_info(VX_ROLE_NATIONAL)->person_data);
    assert_false(vx_role_info(VX_ROLE_AUDITOR)->person_data);
    assert_true(vx_role_info(VX_ROLE_CALLCENTRE)->person_data);
}

static void test_roles_format(void **state)
{
    char buf[200];
    assert_string_equal(vx_roles_format(VX_ROLES_PUBLIC, buf, sizeof buf), "public");
    assert_string_equal(vx_roles_format(0, buf, sizeof buf), "");
    assert_string_equal(vx_roles_format(VX_ROLE_BIT(VX_ROLE_CITIZEN) | VX_ROLE_BIT(VX_ROLE_AUDITOR),
                                        buf, sizeof buf),
                        "citizen, auditor");
    char small[10];
    vx_roles_format(VX_ROLES_ANY, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

static struct vx_session sess(enum vx_role r, const char *region, const char *site,
                              const char *kommun, int64_t person)
{
    struct vx_session s;
    memset(&s, 0, sizeof s);
    s.role = r;
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.site, sizeof s.site, "%s", site);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    snprintf(s.user, sizeof s.user, "u-%s", vx_role_code(r));
    s.person_id = person;
    return s;
}

/* The central check, as a table: route role set × session → expected status. */
static void test_route_role_table(void **state)
{
    static const struct {
        uint32_t roles;
        enum vx_role who; /* VX_ROLE_NONE = no session */
        enum vx_status want;
    } cases[] = {
        {VX_ROLES_PUBLIC, VX_ROLE_NONE, VX_OK},
        {VX_ROLES_PUBLIC, VX_ROLE_CITIZEN, VX_OK},
        {VX_ROLES_ANY, VX_ROLE_NONE, VX_ENOTFOUND},
        {VX_ROLES_ANY, VX_ROLE_AUDITOR, VX_OK},
        {VX_ROLES_STAFF, VX_ROLE_CITIZEN, VX_EDENIED},
        {VX_ROLES_STAFF, VX_ROLE_CALLCENTRE, VX_OK},
        {VX_ROLE_BIT(VX_ROLE_CITIZEN), VX_ROLE_CITIZEN, VX_OK},
        {VX_ROLE_BIT(VX_ROLE_CITIZEN), VX_ROLE_CALLCENTRE, VX_EDENIED},
        {VX_ROLE_BIT(VX_ROLE_REGION_COORD), VX_ROLE_SITE_COORD, VX_EDENIED},
        {VX_ROLE_BIT(VX_ROLE_AUDITOR), VX_ROLE_NATIONAL, VX_EDENIED},
        {0, VX_ROLE_NATIONAL, VX_EDENIED}, /* deny by default */
        {0, VX_ROLE_NONE, VX_ENOTFOUND},
    };
    for (size_t i = 0; i < VX_ARRAY_LEN(cases); i++) {
        struct vx_session s = sess(cases[i].who, "01", "", "", 0);
        const struct vx_session *sp = cases[i].who == VX_ROLE_NONE ? NULL : &s;
        assert_int_equal(vx_auth_route_allows(cases[i].roles, sp), cases[i].want);
    }
    /* a session with a role out of range counts as none */
    struct vx_session bad = sess((enum vx_role)77, "01", "", "", 0);
    assert_int_equal(vx_auth_route_allows(VX_ROLES_ANY, &bad), VX_ENOTFOUND);
    /* VX_ROLES_STAFF covers every role except citizen */
    for (int r = VX_ROLE_NONE + 1; r < VX_ROLE_COUNT; r++)
        assert_int_equal((VX_ROLES_STAFF & VX_ROLE_BIT(r)) != 0, r != VX_ROLE_CITIZEN);
}

static void test_scope(void **state)
{
    struct vx_session citizen = sess(VX_ROLE_CITIZEN, "01", "", "0180", 42);
    assert_true(vx_auth_scope_allows(&citizen, 42, "01", "0180", NULL));
    assert_false(vx_auth_scope_allows(&citizen, 43, "01", "0180", NULL));
    assert_false(vx_auth_scope_allows(&citizen, 0, "01", NULL, NULL));
    struct vx_session agent = sess(VX_ROLE_CALLCENTRE, "01", "", "", 0);
    assert_true(vx_auth_scope_allows(&agent, 7, "01", NULL, NULL));
    assert_false(vx_auth_scope_allows(&agent, 7, "14", NULL, NULL));
    assert_false(vx_auth_scope_allows(&agent, 7, NULL, NULL, NULL));
    struct vx_session vacc = sess(VX_ROLE_VACCINATOR, "01", "01-VC-0001", "", 0);
    assert_true(vx_auth_scope_allows(&vacc, 0, "01", NULL, "01-VC-0001"));
    assert_false(vx_auth_scope_allows(&vacc, 0, "01", NULL, "01-VC-0002"));
    assert_true(vx_auth_scope_allows(&vacc, 0, "01", NULL, NULL));
    struct vx_session nurse = sess(VX_ROLE_MUNI_NURSE, "01", "", "0180", 0);
    assert_true(vx_auth_scope_allows(&nurse, 3, "01", "0180", NULL));
    assert_false(vx_auth_scope_allows(&nurse, 3, "01", "0114", NULL));
    struct vx_session nat = sess(VX_ROLE_NATIONAL, "", "", "", 0);
    assert_false(vx_auth_scope_allows(&nat, 3, "01", "0180", NULL));
    assert_false(vx_auth_scope_allows(NULL, 3, "01", "0180", NULL));
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != VX_SESSION_ID_LEN)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void test_session_lifecycle(void **state)
{
    struct vx_session_store *ss = vx_session_store_new(NULL);
    assert_non_null(ss);
    assert_int_equal(vx_session_max_age(ss), VX_SESSION_MAX_S);
    struct vx_session t = sess(VX_ROLE_CALLCENTRE, "01", "", "", 0), a, b, got;
    const vx_time t0 = 1614556800; /* 2021-03-01 */
    assert_int_equal(vx_session_create(ss, &t, t0, &a), VX_OK);
    assert_int_equal(vx_session_create(ss, &t, t0, &b), VX_OK);
    assert_true(is_hex64(a.id));
    assert_string_not_equal(a.id, b.id);
    assert_int_equal(a.created, t0);
    assert_int_equal(vx_session_count(ss), 2);

    assert_int_equal(vx_session_lookup(ss, a.id, t0 + 10, &got), VX_OK);
    assert_int_equal(got.role, VX_ROLE_CALLCENTRE);
    assert_string_equal(got.region, "01");
    assert_int_equal(got.last_seen, t0 + 10);
    /* malformed ids never match */
    assert_int_equal(vx_session_lookup(ss, NULL, t0, &got), VX_ENOTFOUND);
    assert_int_equal(vx_session_lookup(ss, "abc", t0, &got), VX_ENOTFOUND);
    char upper[VX_SESSION_ID_LEN + 1];
    for (int i = 0; i <= VX_SESSION_ID_LEN; i++)
        upper[i] = (a.id[i] >= 'a' && a.id[i] <= 'f') ? (char)(a.id[i] - 32) : a.id[i];
    assert_int_equal(vx_session_lookup(ss, upper, t0, &got), VX_ENOTFOUND);
    char longer[VX_SESSION_ID_LEN + 2];
    snprintf(longer, sizeof longer, "%s0", a.id);
    assert_int_equal(vx_session_lookup(ss, longer, t0, &got), VX_ENOTFOUND);

    assert_int_equal(vx_session_delete(ss, b.id), VX_OK);
    assert_int_equal(vx_session_delete(ss, b.id), VX_ENOTFOUND);
    assert_int_equal(vx_session_lookup(ss, b.id, t0, &got), VX_ENOTFOUND);
    assert_int_equal(vx_session_count(ss), 1);

    /* no role: refused */
    struct vx_session none = sess(VX_ROLE_NONE, "", "", "", 0);
    assert_int_equal(vx_session_create(ss, &none, t0, &got), VX_EINVAL);
    vx_session_store_free(ss);
}

static void test_session_expiry(void **state)
{
    struct vx_session_opts o = {.idle_s = 100, .max_s = 1000, .max_sessions = 3};
    struct vx_session_store *ss = vx_session_store_new(&o);
    struct vx_session t = sess(VX_ROLE_CITIZEN, "01", "", "", 9), a, got;
    const vx_time t0 = 1614556800;
    assert_int_equal(vx_session_create(ss, &t, t0, &a), VX_OK);
    /* each lookup resets the idle timer ... */
    for (vx_time now = t0 + 90; now <= t0 + 990; now += 90)
        assert_int_equal(vx_session_lookup(ss, a.id, now, &got), VX_OK);
    /* ... but not the absolute lifetime */
    assert_int_equal(vx_session_lookup(ss, a.id, t0 + 1000, &got), VX_ENOTFOUND);
    assert_int_equal(vx_session_count(ss), 0); /* removed on the spot */

    assert_int_equal(vx_session_create(ss, &t, t0, &a), VX_OK);
    assert_int_equal(vx_session_lookup(ss, a.id, t0 + 100, &got), VX_ENOTFOUND); /* idle */
    /* a clock going backwards does not resurrect anything */
    assert_int_equal(vx_session_create(ss, &t, t0, &a), VX_OK);
    assert_int_equal(vx_session_lookup(ss, a.id, t0 - 5, &got), VX_ENOTFOUND);

    /* full store: expired sessions make room, live ones do not */
    struct vx_session x[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(vx_session_create(ss, &t, t0, &x[i]), VX_OK);
    assert_int_equal(vx_session_create(ss, &t, t0 + 1, &got), VX_EBUSY);
    assert_int_equal(vx_session_create(ss, &t, t0 + 200, &got), VX_OK);
    assert_int_equal(vx_session_count(ss), 1);
    assert_int_equal(vx_session_sweep(ss, t0 + 250), 0);
    assert_int_equal(vx_session_sweep(ss, t0 + 300), 1);
    vx_session_store_free(ss);
}

struct hammer_arg {
    struct vx_session_store *ss;
    int ok;
};

static void *hammer(void *p)
{
    struct hammer_arg *h = p;
    struct vx_session t = sess(VX_ROLE_CITIZEN, "01", "", "", 1), s, got;
    for (int i = 0; i < 500; i++) {
        if (vx_session_create(h->ss, &t, 1000, &s) != VX_OK)
            continue;
        if (vx_session_lookup(h->ss, s.id, 1001, &got) == VX_OK && !strcmp(got.id, s.id) &&
            vx_session_delete(h->ss, s.id) == VX_OK)
            h->ok++;
    }
    return NULL;
}

static void test_session_threads(void **state)
{
    struct vx_session_store *ss = vx_session_store_new(NULL);
    pthread_t th[4];
    struct hammer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct hammer_arg){ss, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 500);
    }
    assert_int_equal(vx_session_count(ss), 0);
    vx_session_store_free(ss);
}

static void test_random_hex(void **state)
{
    char a[VX_SESSION_ID_LEN + 1], b[VX_SESSION_ID_LEN + 1];
    assert_int_equal(vx_auth_random_hex(a, sizeof a), VX_OK);
    assert_int_equal(vx_auth_random_hex(b, sizeof b), VX_OK);
    assert_true(is_hex64(a));
    assert_string_not_equal(a, b);
    char small[10];
    assert_int_equal(vx_auth_random_hex(small, sizeof small), VX_EINVAL);
}

/* A scratch SQLite store `name` under $VX_TEST_TMP; its path goes to path[512]. */
static struct vx_store *scratch_open(const char *name, char *path)
{
    const char *tmp = getenv("VX_TEST_TMP");
    snprintf(path, 512, "%s/auth-%s-%d.db", tmp ? tmp : "/tmp", name, (int)getpid());
    unlink(path);
    struct vx_store *st = NULL;
    assert_int_equal(vx_store_open_sqlite(path, &st, NULL), VX_OK);
    return st;
}

static void scratch_remove(const char *path)
{
    unlink(path);
    char side[560];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void test_audit(void **state)
{
    char path[512];
    struct vx_store *st = scratch_open("audit", path);
    int64_t before = st->ops->count(st, "audit_log");
    struct vx_session s = sess(VX_ROLE_CITIZEN, "01", "", "", 42);
    snprintf(s.person_norm, sizeof s.person_norm, "195802232636");
    assert_int_equal(vx_audit_person(st, &s, "person.read", 42, "01", "GET /api/v1/me"), VX_OK);
    assert_int_equal(vx_audit_person(st, NULL, "person.read", 42, NULL, NULL), VX_OK);
    assert_int_equal(vx_audit_event(st, &s, "session.login", "session", "dev login"), VX_OK);
    assert_int_equal(st->ops->count(st, "audit_log"), before + 3);
    vx_store_close(st);
    /* the personnummer held in the session never reaches the database file */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char buf[4096];
    size_t n;
    bool found = false;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        found |= memmem(buf, n, "195802232636", 12) != NULL;
    fclose(f);
    assert_false(found);
    scratch_remove(path);
}

/* A citizen's own record: by the session's id, but only the row with the session's
 * personnummer counts; otherwise (or without an id) by personnummer. */
static void test_own_person(void **state)
{
    char path[512];
    struct vx_store *st = scratch_open("own", path);
    struct vx_region_rec reg = {"01", "Stockholms län", "Stockholm"};
    struct vx_kommun_rec kom = {"0180", "Stockholm", "01"};
    assert_int_equal(st->ops->region_put(st, &reg), VX_OK);
    assert_int_equal(st->ops->kommun_put(st, &kom), VX_OK);
    int64_t a = test_put_person(st, "194002029108", "01", "0180"),
            b = test_put_person(st, "194006038873", "01", "0180");
    struct vx_person_rec rec;
    static const struct {
        int64_t id;      /* the session's person_id */
        const char *pnr; /* its person_norm */
        enum vx_status want;
        int64_t got; /* the id of the record read */
    } cases[] = {
        {1, "194002029108", VX_OK, 1},        /* by id */
        {2, "194002029108", VX_OK, 1},        /* the id's row is someone else's: by number */
        {999, "194006038873", VX_OK, 2},      /* no such id: by number */
        {0, "194006038873", VX_OK, 2},        /* no id: by number */
        {1, "193802169155", VX_ENOTFOUND, 0}, /* the person is gone */
        {0, "", VX_ENOTFOUND, 0},             /* not a citizen's session */
    };
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vx_session s = sess(VX_ROLE_CITIZEN, "01", "", "", cases[i].id);
        snprintf(s.person_norm, sizeof s.person_norm, "%s", cases[i].pnr);
        memset(&rec, 0, sizeof rec);
        assert_int_equal(vx_auth_own_person(st, &s, &rec), cases[i].want);
        if (cases[i].want == VX_OK) {
            assert_int_equal(rec.p.id, cases[i].got);
            assert_string_equal(rec.p.pnr.norm, cases[i].pnr);
        }
    }
    assert_int_equal(vx_auth_own_person(st, NULL, &rec), VX_ENOTFOUND);
    vx_store_close(st);
    scratch_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_table),
        cmocka_unit_test(test_roles_format),
        cmocka_unit_test(test_route_role_table),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_session_lifecycle),
        cmocka_unit_test(test_session_expiry),
        cmocka_unit_test(test_session_threads),
        cmocka_unit_test(test_random_hex),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_own_person),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
