/*
 * fuzz_elig.c — libFuzzer target for the eligibility rule parser and evaluator.
 *
 * Any input is parsed as a rule table; when it parses, a fixed set of persons
 * (all residences, flags, risk sets, ages 0..110) is evaluated at several dates and
 * the result must be self-consistent: eligible iff the kind is "open", and a
 * deciding rule is one the person matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/arena.h"
#include "vx/elig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vx_arena a;
    vx_arena_init(&a, 4u << 20);
    struct vx_elig_table t;
    struct vx_err err;
    if (vx_elig_parse((const char *)data, size, &a, &t, &err) == VX_OK) {
        vx_day dates[] = {vx_day_from_ymd(2020, 12, 27), vx_day_from_ymd(2021, 3, 8),
                          vx_day_from_ymd(2021, 6, 1), vx_day_from_ymd(2022, 1, 1)};
        for (int age = 0; age <= 110; age += 7) {
            for (int res = 0; res < VX_RES_COUNT; res++) {
                struct vx_person p = {0};
                p.pnr.birth = vx_day_from_ymd(2021 - age, 1 + age % 12, 1 + age % 28);
                p.residence = (enum vx_residence)res;
                p.flags = (uint32_t)(age * 7 + res) & 0x1f;
                p.risk = (uint32_t)age * 2654435761u;
                for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
                    struct vx_elig_result r;
                    if (vx_elig_eval(&t, NULL, &p, dates[d], &r) != VX_OK)
                        abort();
                    if (r.eligible != (r.why == VX_ELIG_OPEN))
                        abort();
                    if (r.eligible && (!r.rule || !vx_elig_rule_matches(r.rule, &p, dates[d])))
                        abort();
                    if (!memchr(r.reason_sv, '\0', sizeof r.reason_sv))
                        abort();
                }
            }
        }
    }
    vx_arena_release(&a);
    return 0;
}
