/*
 * fuzz_catalog.c — libFuzzer target for the vaccine catalogue parser.
 *
 * When an input parses, every product is queried on a few dates (doses per vial,
 * storage, season, age and interval checks) so that the query code runs on whatever
 * the parser accepted.
 */
#include <stddef.h>
#include <stdint.h>
#include "vx/arena.h"
#include "vx/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vx_arena a;
    struct vx_err err;
    const struct vx_catalog *cat = NULL;
    vx_arena_init(&a, 16u << 20);
    if (vx_catalog_parse((const char *)data, size, &a, &cat, &err) == VX_OK && cat) {
        vx_day days[] = {vx_day_from_ymd(2021, 1, 15), vx_day_from_ymd(2021, 4, 1),
                         vx_day_from_ymd(2022, 1, 1)};
        for (size_t i = 0; i < cat->n_products; i++) {
            const struct vx_product *p = &cat->products[i];
            for (size_t d = 0; d < sizeof days / sizeof days[0]; d++) {
                struct vx_age_answer age;
                struct vx_interval_answer iv;
                vx_product_doses_per_vial(p, days[d], true);
                vx_product_storage(p, days[d]);
                vx_product_in_season(p, days[d], NULL);
                vx_product_age_allowed(p, days[d] - 70 * 365, days[d], &age);
                vx_product_interval_check(p, 2, days[d] - 30, days[d], &iv);
            }
        }
    }
    vx_arena_release(&a);
    return 0;
}
