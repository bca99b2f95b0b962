/*
 * person.h — put a synthetic person into a test store (tests/unit, tests/store,
 * tests/http).
 *
 * Include after <cmocka.h> (it uses its assertions) and "vx/store.h"; every test
 * file is its own executable, so the function is static:
 *
 *     #include "../common/person.h"
 *     int64_t id = test_put_person(st, "194002029108", "01", "0180");
 *
 * The personnummer must be valid (Skatteverket's test numbers); the region and
 * municipality must exist in the store. Returns the person's store id.
 */
#ifndef VX_TEST_COMMON_PERSON_H
#define VX_TEST_COMMON_PERSON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "vx/store.h"

static int64_t test_put_person(struct vx_store *st, const char *pnr, const char *region,
                               const char *kommun)
{
    struct vx_person_rec r;
    memset(&r, 0, sizeof r);
    struct vx_pnr_opts o = vx_pnr_opts_default(vx_day_from_ymd(2021, 1, 1));
    assert_int_equal(vx_pnr_parse(pnr, &o, &r.p.pnr, NULL), VX_OK);
    snprintf(r.p.region, sizeof r.p.region, "%s", region);
    snprintf(r.p.kommun, sizeof r.p.kommun, "%s", kommun);
    r.synthetic = true;
    int64_t id = 0;
    assert_int_equal(st->ops->person_put(st, &r, &id), VX_OK);
    return id;
}

#endif
