/*
 * test_store_ledger.c — the ledger sub-backend (st->ops->ledger, schema version 9).
 *
 * A fresh SQLite store under $VX_TEST_TMP with the real regions and municipalities,
 * two sites (Stockholm, Umeå), persons with Skatteverket test personnummer and doses
 * placed around local midnights (a dose at 23:30 on 31 December and one at 00:30 on
 * 1 January fall on different local days although both are in one UTC evening).
 *
 * Covered: dose buckets by local day (municipal nurses' doses only, or every dose by
 * its site's municipality; voided doses left out); a statement computed from them;
 * adjustments append-only (UPDATE/DELETE refused) and filtered by kommun/period;
 * disputes decided once; premises status; staff pool with competence; assignments
 * refused outside availability and twice on a day, site_day sums; sick travel
 * copying the person's region, its state machine, names on read; council items
 * visible to the region and, for a municipality, region-wide plus its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/import.h"
#include "vx/ledger.h"
#include "vx/pnr.h"
#include "vx/store.h"
#include "vx/store_ledger.h"

#define TESTPNR                                                                                    \
    VX_SHARED_DATA_DIR "/interop/personnummer/skatteverket/testpersonnummer-sample5000.csv"

#define OK(st, call)                                                                               \
    do {                                                                                           \
        enum vx_status rc_ = (call);                                                               \
        if (rc_ != VX_OK)                                                                          \
            fail_msg("%s: %d %s", #call, rc_, (st)->err);                                          \
    } while (0)

static struct vx_store *st;
static int64_t site_sthlm, site_ume, person[3], premises_id;
static char dbpath[512];

static vx_day day(const char *s)
{
    vx_day d = 0;
    assert_int_equal(vx_day_parse(s, &d), VX_OK);
    return d;
}

static vx_time at(const char *d, int hh, int mm)
{
    vx_time t;
    assert_int_equal(vx_stockholm_to_utc(day(d), hh * 60 + mm, &t, NULL), VX_OK);
    return t;
}

static int64_t add_person(const char *norm, const char *region, const char *kommun)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(norm, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "%s", region);
    snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kommun);
    r.p.residence = VX_RES_HOME_CARE;
    snprintf(r.given_name, sizeof r.given_name, "Test");
    snprintf(r.family_name, sizeof r.family_name, "Person %s", kommun);
    r.synthetic = true;
    int64_t id = 0;
    OK(st, st->ops->person_put(st, &r, &id));
    return id;
}

static int64_t add_site(const char *code, const char *region, const char *kommun)
{
    struct vx_site_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "Site %s", code);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.kommun, sizeof s.kommun, "%s", kommun);
    s.kind = VX_SITE_MASS_CENTRE;
    s.stations = 4;
    s.minutes_per_dose = 5;
    s.open_minute = 480;
    s.close_minute = 960;
    s.weekdays = 0x7f;
    int64_t id;
    OK(st, st->ops->site_put(st, &s, &id));
    return id;
}

static int64_t add_dose(int64_t p, const char *region, const char *kommun, int64_t site,
                        vx_time when)
{
    struct vx_dose_rec d;
    memset(&d, 0, sizeof d);
    d.person_id = p;
    snprintf(d.region, sizeof d.region, "%s", region);
    snprintf(d.vaccine, sizeof d.vaccine, "COM");
    d.dose_number = 1;
    d.given_at = when;
    d.site_id = site;
    snprintf(d.kommun, sizeof d.kommun, "%s", kommun);
    snprintf(d.source, sizeof d.source, "recorded");
    int64_t id;
    OK(st, st->ops->dose_put(st, &d, &id));
    return id;
}

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("VX_TEST_TMP");
    snprintf(dbpath, sizeof dbpath, "%s/store_ledger_%d.db", dir && *dir ? dir : "/tmp",
             (int)getpid());
    unlink(dbpath);
    struct vx_err err = {0};
    assert_int_equal(vx_store_open_sqlite(dbpath, &st, &err), VX_OK);
    assert_int_equal(vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err), VX_OK);
    OK(st, st->ops->vaccine_put(st, "COM", "Comirnaty", "{}"));
    site_sthlm = add_site("01-MC-1", "01", "0180");
    site_ume = add_site("24-MC-1", "24", "2480");
    FILE *f = fopen(TESTPNR, "r");
    assert_non_null(f);
    char line[64];
    int n = 0;
    const char *where[3][2] = {{"24", "2480"}, {"24", "2482"}, {"01", "0180"}};
    while (n < 3 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == 12 && strncmp(line, "1930", 4) >= 0 && strncmp(line, "1945", 4) <= 0) {
            person[n] = add_person(line, where[n][0], where[n][1]);
            n++;
        }
    }
    fclose(f);
    assert_int_equal(n, 3);
    /* municipal nurses of Umeå: 23:30 on 31 Dec 2021 and 00:30 on 1 Jan 2022 (local) */
    add_dose(person[0], "24", "2480", 0, at("2021-12-31", 23, 30));
    add_dose(person[0], "24", "2480", 0, at("2022-01-01", 0, 30));
    add_dose(person[0], "24", "2480", 0, at("2022-01-01", 10, 0));
    /* Skellefteå nurse in 2024 (no agreement in force) */
    add_dose(person[1], "24", "2482", 0, at("2024-01-10", 9, 0));
    /* at the Umeå mass centre (not a municipal dose) */
    add_dose(person[1], "24", "", site_ume, at("2021-06-01", 9, 0));
    /* Stockholm */
    add_dose(person[2], "01", "0180", 0, at("2021-03-01", 9, 0));
    /* a voided dose is not paid */
    int64_t v = add_dose(person[0], "24", "2480", 0, at("2021-05-05", 9, 0));
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE doses SET status = 'voided' WHERE id = %lld", (long long)v);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct vx_premises_rec p;
    memset(&p, 0, sizeof p);
    snprintf(p.code, sizeof p.code, "P-2480-1");
    snprintf(p.kommun, sizeof p.kommun, "2480");
    snprintf(p.region, sizeof p.region, "24");
    snprintf(p.name, sizeof p.name, "Sporthallen");
    snprintf(p.address, sizeof p.address, "Idrottsvägen 1");
    p.capacity_per_day = 300;
    p.accessible = true;
    p.available_from = day("2021-03-01");
    p.available_to = day("2021-06-30");
    OK(st, st->ops->premises_put(st, &p, &premises_id));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vx_store_close(st);
    unlink(dbpath);
    return 0;
}

#define MAXB 64
struct bucket_list {
    struct vx_ledger_bucket b[MAXB];
    size_t n;
};

static int collect_bucket(void *ctx, const struct vx_ledger_bucket *b)
{
    struct bucket_list *l = ctx;
    assert_true(l->n < MAXB);
    l->b[l->n++] = *b;
    return 0;
}

static void test_buckets(void **state)
{
    (void)state;
    const struct vx_store_ledger_ops *L = st->ops->ledger;
    assert_non_null(L);
    assert_int_equal(st->ops->schema_version(st), VX_SCHEMA_VERSION);
    struct bucket_list l = {0};
    OK(st, L->dose_buckets(st, "24", "", true, 0, at("2030-01-01", 0, 0), collect_bucket, &l));
    /* 2480: 31 Dec (1), 1 Jan in two hours (1 + 1); 2482: 10 Jan 2024 */
    assert_int_equal(l.n, 4);
    assert_string_equal(l.b[0].kommun, "2480");
    assert_int_equal(l.b[0].day, day("2021-12-31"));
    assert_int_equal(l.b[0].doses, 1);
    assert_int_equal(l.b[1].day, day("2022-01-01"));
    assert_int_equal(l.b[2].day, day("2022-01-01"));
    assert_string_equal(l.b[3].kommun, "2482");
    /* every dose: the mass-centre dose counts for its site's municipality */
    memset(&l, 0, sizeof l);
    OK(st, L->dose_buckets(st, "24", "2480", false, 0, at("2030-01-01", 0, 0), collect_bucket, &l));
    assert_int_equal(l.n, 4);
    assert_int_equal(l.b[0].day, day("2021-06-01"));
    /* the statement made from them: 31 Dec at 2021's tariff, 1 Jan at 2022's */
    static const char json[] =
        "{\"currency\":\"SEK\",\"state\":[],\"agreements\":[{\"id\":\"A\",\"region\":\"24\","
        "\"kommuner\":\"*\",\"periods\":[{\"from\":\"2021-01-01\",\"to\":\"2021-12-31\","
        "\"ore_per_dose\":12500},{\"from\":\"2022-01-01\",\"to\":\"2023-12-31\","
        "\"ore_per_dose\":9000}]}]}";
    struct vx_comp_table *t = malloc(sizeof *t);
    assert_non_null(t);
    struct vx_err err = {0};
    assert_int_equal(vx_comp_parse(json, strlen(json), t, &err), VX_OK);
    memset(&l, 0, sizeof l);
    OK(st, L->dose_buckets(st, "24", "", true, 0, at("2030-01-01", 0, 0), collect_bucket, &l));
    struct vx_statement s;
    vx_ledger_statement_init(&s);
    assert_int_equal(vx_ledger_statement(t, VX_PAYER_REGION, "24", "", day("2021-01-01"),
                                         day("2024-12-31"), l.b, l.n, NULL, 0, &s, &err),
                     VX_OK);
    assert_int_equal(s.n_lines, 3);
    assert_int_equal(s.lines[0].amount_ore, 12500);
    assert_int_equal(s.lines[1].amount_ore, 18000);
    assert_false(s.lines[2].covered);
    assert_int_equal(s.doses_uncovered, 1);
    assert_int_equal(s.total_ore, 30500);
    vx_ledger_statement_release(&s);
    free(t);
    /* bad range */
    assert_int_equal(L->dose_buckets(st, "24", "", true, 10, 5, collect_bucket, &l), VX_EINVAL);
}

#define MAXA 16
struct adj_list {
    struct vx_ledger_adjust a[MAXA];
    size_t n;
};

static int collect_adj(void *ctx, const struct vx_ledger_adjust *a)
{
    struct adj_list *l = ctx;
    assert_true(l->n < MAXA);
    l->a[l->n++] = *a;
    return 0;
}

static void test_adjust_dispute(void **state)
{
    (void)state;
    const struct vx_store_ledger_ops *L = st->ops->ledger;
    struct vx_dispute_rec d;
    memset(&d, 0, sizeof d);
    snprintf(d.region, sizeof d.region, "24");
    snprintf(d.kommun, sizeof d.kommun, "2482");
    d.period_from = day("2024-01-01");
    d.period_to = day("2024-12-31");
    snprintf(d.subject, sizeof d.subject, "Säsongsvaccination i hemsjukvården 2024");
    d.claimed_ore = 450000;
    snprintf(d.raised_by, sizeof d.raised_by, "kk2482");
    int64_t did;
    OK(st, L->dispute_put(st, &d, &did));
    /* a dispute about a municipality of another region: FK */
    struct vx_dispute_rec bad = d;
    snprintf(bad.kommun, sizeof bad.kommun, "0180");
    assert_int_equal(L->dispute_put(st, &bad, NULL), VX_EINVAL);
    assert_int_equal(L->dispute_decide(st, did, VX_DISPUTE_OPEN, "x", "rk", 0), VX_EINVAL);
    OK(st, L->dispute_decide(st, did, VX_DISPUTE_ACCEPTED, "Ersätts enligt 2023 års nivå",
                             "Länssamverkansgruppen", 1725000000));
    assert_int_equal(L->dispute_decide(st, did, VX_DISPUTE_REJECTED, "", "x", 0), VX_ECONFLICT);
    assert_int_equal(L->dispute_decide(st, 9999, VX_DISPUTE_REJECTED, "", "x", 0), VX_ENOTFOUND);
    OK(st, L->dispute_get(st, did, &d));
    assert_int_equal(d.status, VX_DISPUTE_ACCEPTED);
    assert_string_equal(d.decided_by, "Länssamverkansgruppen");

    struct vx_ledger_adjust a = {.region = "24",
                                 .kommun = "2482",
                                 .amount_ore = 9000,
                                 .reason = "Tvist 1: 2024 års doser",
                                 .decided_by = "rk24",
                                 .dispute_id = did};
    a.period_from = day("2024-01-01");
    a.period_to = day("2024-12-31");
    int64_t aid;
    OK(st, L->adjust_put(st, &a, &aid));
    struct vx_ledger_adjust s2 = {
        .region = "24", .amount_ore = -100, .reason = "state", .decided_by = "x"};
    s2.period_from = day("2021-01-01");
    s2.period_to = day("2021-12-31");
    OK(st, L->adjust_put(st, &s2, NULL));
    struct vx_ledger_adjust nr = a;
    nr.reason[0] = '\0';
    assert_int_equal(L->adjust_put(st, &nr, NULL), VX_EINVAL);
    nr = a;
    nr.period_to = day("2023-01-01");
    assert_int_equal(L->adjust_put(st, &nr, NULL), VX_EINVAL);
    struct adj_list l = {0};
    OK(st,
       L->adjust_foreach(st, "24", "2482", day("2024-06-01"), day("2024-06-30"), collect_adj, &l));
    assert_int_equal(l.n, 1);
    assert_int_equal(l.a[0].amount_ore, 9000);
    assert_int_equal(l.a[0].dispute_id, did);
    memset(&l, 0, sizeof l);
    OK(st, L->adjust_foreach(st, "24", "", day("2020-01-01"), day("2030-01-01"), collect_adj, &l));
    assert_int_equal(l.n, 1); /* the state's only */
    memset(&l, 0, sizeof l);
    OK(st,
       L->adjust_foreach(st, "24", NULL, day("2020-01-01"), day("2030-01-01"), collect_adj, &l));
    assert_int_equal(l.n, 2);
    memset(&l, 0, sizeof l);
    OK(st,
       L->adjust_foreach(st, "24", "2482", day("2023-01-01"), day("2023-12-31"), collect_adj, &l));
    assert_int_equal(l.n, 0);
    /* append-only */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE ledger_adjustments SET amount_ore = 1", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM ledger_adjustments", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

static int count_staff(void *ctx, const struct vx_staff_rec *s)
{
    (*(int *)ctx)++;
    assert_string_equal(s->region, "24");
    return 0;
}

static int count_assign(void *ctx, const struct vx_assign_rec *a)
{
    (*(int *)ctx)++;
    assert_string_equal(a->site_code, "24-MC-1");
    return 0;
}

static int check_premises(void *ctx, const struct vx_premises_ext *p)
{
    (*(int *)ctx)++;
    assert_int_equal(p->status, VX_PREMISES_ACCEPTED);
    assert_string_equal(p->note, "tas i bruk v. 10");
    return 0;
}

static void test_resources(void **state)
{
    (void)state;
    const struct vx_store_ledger_ops *L = st->ops->ledger;
    OK(st, L->premises_set_status(st, premises_id, VX_PREMISES_ACCEPTED, "tas i bruk v. 10"));
    assert_int_equal(L->premises_set_status(st, 9999, VX_PREMISES_ACCEPTED, ""), VX_ENOTFOUND);
    int n = 0;
    OK(st, L->premises_foreach(st, "24", "2480", check_premises, &n));
    assert_int_equal(n, 1);
    n = 0;
    OK(st, L->premises_foreach(st, "01", "", check_premises, &n));
    assert_int_equal(n, 0);

    struct vx_staff_rec s;
    memset(&s, 0, sizeof s);
    snprintf(s.region, sizeof s.region, "24");
    snprintf(s.kommun, sizeof s.kommun, "2480");
    snprintf(s.name, sizeof s.name, "Anna Vaccinatör");
    s.competence = VX_COMP_VACCINATOR;
    s.available_from = day("2021-03-01");
    s.available_to = day("2021-03-31");
    int64_t vacc, host;
    OK(st, L->staff_put(st, &s, &vacc));
    snprintf(s.name, sizeof s.name, "Volontär Värd");
    s.competence = VX_COMP_HOST;
    s.volunteer = true;
    OK(st, L->staff_put(st, &s, &host));
    s.available_to = day("2021-02-01"); /* before from */
    assert_int_equal(L->staff_put(st, &s, NULL), VX_EINVAL);
    struct vx_staff_rec g;
    OK(st, L->staff_get(st, host, &g));
    assert_true(g.volunteer);
    assert_int_equal(g.competence, VX_COMP_HOST);
    n = 0;
    OK(st, L->staff_foreach(st, "24", "", count_staff, &n));
    assert_int_equal(n, 2);

    struct vx_assign_rec a = {.kind = VX_ASSIGN_STAFF, .resource_id = vacc, .site_id = site_ume};
    a.day = day("2021-03-08");
    int64_t aid;
    OK(st, L->assign_put(st, &a, &aid));
    assert_int_equal(L->assign_put(st, &a, NULL), VX_EEXIST); /* one site a day */
    a.day = day("2021-04-01");                                /* outside availability */
    assert_int_equal(L->assign_put(st, &a, NULL), VX_EINVAL);
    assert_non_null(strstr(st->err, "not available"));
    a.day = day("2021-03-08");
    a.kind = VX_ASSIGN_STAFF;
    a.resource_id = host;
    OK(st, L->assign_put(st, &a, NULL));
    a.kind = VX_ASSIGN_PREMISES;
    a.resource_id = premises_id;
    OK(st, L->assign_put(st, &a, NULL));
    struct vx_site_day sd;
    OK(st, L->site_day(st, site_ume, day("2021-03-08"), &sd));
    assert_int_equal(sd.vaccinators, 1);
    assert_int_equal(sd.other_staff, 1);
    assert_int_equal(sd.premises, 1);
    assert_int_equal(sd.premises_capacity, 300);
    OK(st, L->site_day(st, site_ume, day("2021-03-09"), &sd));
    assert_int_equal(sd.vaccinators + sd.premises, 0);
    n = 0;
    OK(st, L->assign_foreach(st, "24", 0, day("2021-03-01"), day("2021-03-31"), count_assign, &n));
    assert_int_equal(n, 3);
    OK(st, L->assign_delete(st, aid));
    assert_int_equal(L->assign_delete(st, aid), VX_ENOTFOUND);
    n = 0;
    OK(st, L->assign_foreach(st, "01", 0, day("2021-03-01"), day("2021-03-31"), count_assign, &n));
    assert_int_equal(n, 0);
}

static int collect_travel(void *ctx, const struct vx_travel_rec *t)
{
    (*(int *)ctx)++;
    assert_string_equal(t->family_name, "Person 2480");
    return 0;
}

static void test_travel(void **state)
{
    (void)state;
    const struct vx_store_ledger_ops *L = st->ops->ledger;
    struct vx_travel_rec t;
    memset(&t, 0, sizeof t);
    t.person_id = person[0];
    snprintf(t.pickup_address, sizeof t.pickup_address, "Storgatan 1, Umeå");
    t.wheelchair = true;
    snprintf(t.created_by, sizeof t.created_by, "kk2480");
    int64_t id;
    OK(st, L->travel_put(st, &t, &id));
    struct vx_travel_rec g;
    OK(st, L->travel_get(st, id, &g));
    assert_string_equal(g.region, "24"); /* copied from the person */
    assert_string_equal(g.kommun, "2480");
    assert_int_equal(g.status, VX_TRAVEL_REQUESTED);
    assert_true(g.wheelchair);
    t.person_id = 999999;
    assert_int_equal(L->travel_put(st, &t, NULL), VX_EINVAL);
    t.person_id = person[0];
    t.pickup_address[0] = '\0';
    assert_int_equal(L->travel_put(st, &t, NULL), VX_EINVAL);
    /* compare and set: the request must still be in `from` */
    assert_int_equal(L->travel_set_status(st, id, VX_TRAVEL_ORDERED, VX_TRAVEL_DONE, NULL, 0),
                     VX_ECONFLICT);
    OK(st, L->travel_set_status(st, id, VX_TRAVEL_REQUESTED, VX_TRAVEL_ORDERED, "Taxi 08:15", 0));
    OK(st, L->travel_set_status(st, id, VX_TRAVEL_ORDERED, VX_TRAVEL_DONE, NULL, 0));
    assert_int_equal(L->travel_set_status(st, id, VX_TRAVEL_ORDERED, VX_TRAVEL_CANCELLED, NULL, 0),
                     VX_ECONFLICT);
    assert_int_equal(
        L->travel_set_status(st, 424242, VX_TRAVEL_REQUESTED, VX_TRAVEL_ORDERED, NULL, 0),
        VX_ENOTFOUND);
    OK(st, L->travel_get(st, id, &g));
    assert_string_equal(g.note, "Taxi 08:15");
    int n = 0;
    OK(st, L->travel_foreach(st, "24", "2480", collect_travel, &n));
    assert_int_equal(n, 1);
    n = 0;
    OK(st, L->travel_foreach(st, "24", "2482", collect_travel, &n));
    assert_int_equal(n, 0);
}

struct council_list {
    char titles[8][200];
    int n;
};

static int collect_council(void *ctx, const struct vx_council_rec *c)
{
    struct council_list *l = ctx;
    assert_true(l->n < 8);
    snprintf(l->titles[l->n++], sizeof l->titles[0], "%s", c->title);
    return 0;
}

static void test_council(void **state)
{
    (void)state;
    const struct vx_store_ledger_ops *L = st->ops->ledger;
    struct vx_council_rec c;
    memset(&c, 0, sizeof c);
    snprintf(c.region, sizeof c.region, "24");
    c.kind = VX_COUNCIL_ACTION;
    snprintf(c.title, sizeof c.title, "Regionwide");
    snprintf(c.owner, sizeof c.owner, "Vaccinsamordnare");
    c.due = day("2024-08-30");
    int64_t a1, a2;
    OK(st, L->council_put(st, &c, &a1));
    snprintf(c.kommun, sizeof c.kommun, "2482");
    snprintf(c.title, sizeof c.title, "Skelleftea only");
    OK(st, L->council_put(st, &c, &a2));
    snprintf(c.kommun, sizeof c.kommun, "2480");
    snprintf(c.title, sizeof c.title, "Umea decision");
    c.kind = VX_COUNCIL_DECISION;
    assert_int_equal(L->council_put(st, &c, NULL), VX_EINVAL); /* a decision needs date, who */
    c.decided_on = day("2024-09-06");
    snprintf(c.decided_by, sizeof c.decided_by, "Länssamverkansgruppen");
    OK(st, L->council_put(st, &c, NULL));
    snprintf(c.region, sizeof c.region, "01");
    c.kommun[0] = '\0';
    snprintf(c.title, sizeof c.title, "Stockholm");
    OK(st, L->council_put(st, &c, NULL));

    struct council_list l = {0};
    OK(st, L->council_foreach(st, "24", "", collect_council, &l));
    assert_int_equal(l.n, 3);
    memset(&l, 0, sizeof l);
    OK(st, L->council_foreach(st, "24", "2482", collect_council, &l));
    assert_int_equal(l.n, 2);
    assert_string_equal(l.titles[0], "Regionwide");
    assert_string_equal(l.titles[1], "Skelleftea only");
    OK(st, L->council_update(st, a1, VX_COUNCIL_DONE, "SKR", 0, 0));
    struct vx_council_rec g;
    OK(st, L->council_get(st, a1, &g));
    assert_int_equal(g.status, VX_COUNCIL_DONE);
    assert_string_equal(g.owner, "SKR");
    assert_int_equal(g.due, day("2024-08-30")); /* kept */
    memset(&l, 0, sizeof l);
    OK(st, L->council_foreach(st, "24", "2482", collect_council, &l));
    assert_string_equal(l.titles[0], "Skelleftea only"); /* open before done */
    assert_int_equal(L->council_update(st, 9999, VX_COUNCIL_DONE, NULL, 0, 0), VX_ENOTFOUND);
    /* the store's code tables agree with the module's: every status round-trips */
    for (int k = 0; k < VX_COUNCIL_STATUS_COUNT; k++) {
        OK(st, L->council_update(st, a2, (enum vx_council_status)k, NULL, 0, 0));
        OK(st, L->council_get(st, a2, &g));
        assert_int_equal(g.status, k);
    }
    for (int k = 0; k < VX_PREMISES_STATUS_COUNT; k++) {
        struct vx_premises_ext p;
        OK(st, L->premises_set_status(st, premises_id, (enum vx_premises_status)k, ""));
        OK(st, L->premises_get(st, premises_id, &p));
        assert_int_equal(p.status, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),   cmocka_unit_test(test_adjust_dispute),
        cmocka_unit_test(test_resources), cmocka_unit_test(test_travel),
        cmocka_unit_test(test_council),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
