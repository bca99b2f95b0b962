/*
 * fuzz_fohm_series.c — libFuzzer target for the parser of FoHM's published series
 * (vx_stats_official_parse, src/stats/official.c).
 *
 * The first byte picks the layout (region_week, region_age, kommun_age); the rest is
 * the file. Checks more than "no crash": every value handed out has a valid ISO week,
 * a two-digit län code, a kommun code that is empty or starts with the län code, a
 * non-empty measure, a non-negative value and a share that is -1 or within 0..10; a
 * failure always comes with a message; a second parse gives the same verdict and count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_row(void *ctx, const struct vx_stats_official *r)
{
    long *n = ctx;
    if (r->week.week < 1 || r->week.week > 53 || strlen(r->region) != 2 || !r->measure[0] ||
        r->value < 0 || (r->share != -1 && (r->share < 0 || r->share > 10)) ||
        (r->kommun[0] && (strlen(r->kommun) != 4 || memcmp(r->kommun, r->region, 2))))
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    enum vx_stats_dataset ds = (enum vx_stats_dataset)(data[0] % VX_OD_COUNT);
    const char *text = (const char *)data + 1;
    long n1 = 0, n2 = 0;
    struct vx_err e1 = {0}, e2 = {0};
    enum vx_status s1 = vx_stats_official_parse(ds, text, size - 1, on_row, &n1, &e1);
    enum vx_status s2 = vx_stats_official_parse(ds, text, size - 1, on_row, &n2, &e2);
    if (s1 != s2 || n1 != n2 || (s1 != VX_OK && !e1.msg[0]))
        abort();
    return 0;
}
