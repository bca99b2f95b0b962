/*
 * test_store_plan.c — the plan module's storage (st->ops->plan, schema v10): deliveries
 * keep every change (who, when, old -> new); an unchanged figure writes nothing; bad input
 * is refused with nothing half-written; allocations and quotas are upserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/store.h"
#include "vx/store_plan.h"

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))
#define ASSERT_OK(st, e)                                                                           \
    do {                                                                                           \
        enum vx_status rc_ = (e);                                                                  \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %s (%s)", #e, vx_strerror(rc_), (st)->err);                              \
    } while (0)

static int setup(void **state)
{
    const char *dir = getenv("VX_TEST_TMP");
    char path[512], side[600];
    snprintf(path, sizeof path, "%s/store_plan_%d.db", dir && *dir ? dir : "/tmp", (int)getpid());
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    struct vx_store *st = NULL;
    struct vx_err err = {0};
    if (vx_store_open_sqlite(path, &st, &err) != VX_OK) {
        print_error("open %s: %s\n", path, err.msg);
        return -1;
    }
    struct vx_region_rec r = {0};
    COPY(r.code, "01");
    COPY(r.name, "Stockholms län");
    COPY(r.short_name, "Stockholm");
    ASSERT_OK(st, st->ops->region_put(st, &r));
    ASSERT_OK(st, st->ops->vaccine_put(st, "COM", "Comirnaty", "{\"doses\":2}"));
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    vx_store_close(*state);
    return 0;
}

struct changes {
    struct vx_delivery_change c[8];
    int n;
};

static int change_cb(void *ctx, const struct vx_delivery_change *c)
{
    struct changes *x = ctx;
    if (x->n < 8)
        x->c[x->n] = *c;
    x->n++;
    return 0;
}

static int count_cb(void *ctx, const struct vx_delivery_rec *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void test_delivery_history(void **state)
{
    struct vx_store *st = *state;
    const struct vx_store_plan_ops *p = st->ops->plan;
    struct vx_delivery_rec d;
    memset(&d, 0, sizeof d);
    assert_int_equal(vx_isoweek_parse("2021-W03", &d.week), VX_OK);
    COPY(d.vaccine, "COM");
    d.doses = 87750;
    d.revised_at = 1610841600;
    COPY(d.revised_by, "cli:import");
    COPY(d.source, "S1");
    bool changed = false;
    int64_t id = 0, id2 = 0;
    ASSERT_OK(st, p->delivery_put(st, &d, "published", &changed, &id));
    assert_true(changed);
    /* the same figure again: nothing written */
    ASSERT_OK(st, p->delivery_put(st, &d, "again", &changed, &id2));
    assert_false(changed);
    assert_int_equal(id, id2);
    /* the cut, by a named user */
    d.doses = 58967;
    d.revised_at += 3 * 86400;
    COPY(d.revised_by, "national-1");
    ASSERT_OK(st, p->delivery_put(st, &d, "Pfizer cut", &changed, &id2));
    assert_true(changed);
    assert_int_equal(id, id2);
    /* an actual is a separate figure */
    d.actual = true;
    ASSERT_OK(st, p->delivery_put(st, &d, NULL, &changed, NULL));
    struct changes x = {0};
    ASSERT_OK(st, p->delivery_changes(st, "COM", change_cb, &x));
    assert_int_equal(x.n, 3); /* by kind: actual before forecast, then by time */
    assert_true(x.c[0].actual);
    assert_int_equal(x.c[0].doses_before, -1);
    assert_false(x.c[1].actual);
    assert_int_equal(x.c[1].doses_before, -1);
    assert_int_equal(x.c[1].doses_after, 87750);
    assert_string_equal(x.c[1].revised_by, "cli:import");
    assert_int_equal(x.c[2].doses_before, 87750);
    assert_int_equal(x.c[2].doses_after, 58967);
    assert_string_equal(x.c[2].revised_by, "national-1");
    assert_string_equal(x.c[2].reason, "Pfizer cut");
    int n = 0;
    ASSERT_OK(st, p->delivery_foreach(st, NULL, count_cb, &n));
    assert_int_equal(n, 2);
    n = 0;
    ASSERT_OK(st, p->delivery_foreach(st, "MOD", count_cb, &n));
    assert_int_equal(n, 0);
}

static void test_delivery_errors(void **state)
{
    struct vx_store *st = *state;
    const struct vx_store_plan_ops *p = st->ops->plan;
    struct vx_delivery_rec d;
    memset(&d, 0, sizeof d);
    assert_int_equal(vx_isoweek_parse("2021-W04", &d.week), VX_OK);
    COPY(d.vaccine, "PFZ");
    d.doses = 10;
    bool changed = true;
    assert_int_equal(p->delivery_put(st, &d, NULL, &changed, NULL), VX_EINVAL);
    assert_false(changed);
    assert_non_null(strstr(st->err, "unknown vaccine"));
    COPY(d.vaccine, "COM");
    COPY(d.region, "99");
    assert_int_equal(p->delivery_put(st, &d, NULL, NULL, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "unknown region"));
    d.region[0] = '\0';
    d.doses = -1;
    assert_int_equal(p->delivery_put(st, &d, NULL, NULL, NULL), VX_EINVAL);
    struct changes x = {0};
    ASSERT_OK(st, p->delivery_changes(st, NULL, change_cb, &x));
    assert_int_equal(x.n, 0); /* nothing half-written */
}

static int quota_cb(void *ctx, const struct vx_quota_rec *q)
{
    *(struct vx_quota_rec *)ctx = *q;
    return 0;
}

static void test_allocations_quotas(void **state)
{
    struct vx_store *st = *state;
    const struct vx_store_plan_ops *p = st->ops->plan;
    struct vx_isoweek w;
    assert_int_equal(vx_isoweek_parse("2021-W10", &w), VX_OK);
    ASSERT_OK(st, p->allocation_put(st, w, "COM", "01", 0, 11700, 1));
    ASSERT_OK(st, p->allocation_put(st, w, "COM", "01", 0, 12870, 2)); /* upsert */
    assert_int_equal(st->ops->count(st, "allocations"), 1);
    assert_int_equal(p->allocation_put(st, w, "COM", "01", 0, -6, 2), VX_EINVAL);
    struct vx_quota_rec q;
    memset(&q, 0, sizeof q);
    q.week = w;
    COPY(q.vaccine, "COM");
    COPY(q.region, "01");
    q.allocated = 12870;
    q.dose1 = 8000;
    q.reserve = 4870;
    COPY(q.policy, "forecast");
    q.created_at = 3;
    ASSERT_OK(st, p->quota_put(st, &q));
    q.dose1 = 7000;
    ASSERT_OK(st, p->quota_put(st, &q));
    struct vx_quota_rec got;
    memset(&got, 0, sizeof got);
    ASSERT_OK(st, p->quota_foreach(st, &w, quota_cb, &got));
    assert_int_equal(got.dose1, 7000);
    assert_string_equal(got.policy, "forecast");
    COPY(q.policy, "lockbox"); /* CHECK constraint */
    assert_int_not_equal(p->quota_put(st, &q), VX_OK);
}

static int count_alloc(void *ctx, const struct vx_alloc_rec *r)
{
    int *n = ctx;
    assert_string_equal(r->region, "01");
    assert_int_equal(r->site_id, 0);
    assert_int_equal(r->doses, 1170);
    (*n)++;
    return 0;
}

static int count_any(void *ctx, const void *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

/* Stored allocations read back by week; the planner's aggregate reads on an empty book. */
static void test_allocation_foreach_aggregates(void **state)
{
    struct vx_store *st = *state;
    struct vx_isoweek w10, w11;
    assert_int_equal(vx_isoweek_parse("2021-W10", &w10), VX_OK);
    assert_int_equal(vx_isoweek_parse("2021-W11", &w11), VX_OK);
    ASSERT_OK(st, st->ops->plan->allocation_put(st, w10, "COM", "01", 0, 1170, 100));
    ASSERT_OK(st, st->ops->plan->allocation_put(st, w11, "COM", "01", 0, 2340, 100));
    int n = 0;
    ASSERT_OK(st, st->ops->plan->allocation_foreach(st, &w10, "COM", count_alloc, &n));
    assert_int_equal(n, 1);
    n = 0;
    ASSERT_OK(st,
              st->ops->plan->allocation_foreach(st, NULL, NULL, (vx_alloc_rec_cb)count_any, &n));
    assert_int_equal(n, 2);
    long long given = -1, dose1 = -1;
    ASSERT_OK(st, st->ops->plan->doses_count(st, "01", 0, "COM", 2000000000, &given, &dose1));
    assert_int_equal(given, 0);
    assert_int_equal(dose1, 0);
    n = 0;
    vx_day mon = vx_isoweek_monday(2021, 10);
    ASSERT_OK(st, st->ops->plan->load_foreach(st, "01", "COM", mon, mon + 6,
                                              (vx_plan_load_cb)count_any, &n));
    ASSERT_OK(st, st->ops->plan->dose1_bookings(st, 1, "COM", mon, mon + 6,
                                                (vx_plan_booking_cb)count_any, &n));
    ASSERT_OK(st, st->ops->plan->age_foreach(st, mon, (vx_plan_age_cb)count_any, &n));
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivery_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocations_quotas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_foreach_aggregates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
