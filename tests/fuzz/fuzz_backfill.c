/*
 * fuzz_backfill.c — libFuzzer target for the back-fill reader (src/register/backfill.c):
 * CSV extracts and VXU^V04 files.
 *
 * Checks more than "no crash": every row handed out has a dose number >= 1, a
 * non-empty personnummer and vaccine and a line number within the input's lines, and
 * every problem has a line number within the input and a non-empty reason; the
 * reader's verdict does not depend on the arena (a second run gives the same counts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/regx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct counts {
    long rows, bad, lines;
};

static int on_row(void *ctx, const struct vx_backfill_row *r)
{
    struct counts *c = ctx;
    if (r->dose_number < 1 || !r->pnr || !*r->pnr || !r->vaccine || !*r->vaccine || r->line < 1 ||
        r->line > c->lines)
        abort();
    c->rows++;
    return 0;
}

static int on_bad(void *ctx, long line, const char *reason)
{
    struct counts *c = ctx;
    if (line < 1 || line > c->lines || !reason || !*reason)
        abort();
    c->bad++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
    struct counts c1 = {.lines = lines}, c2 = {.lines = lines};
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_err e1 = {0}, e2 = {0};
    enum vx_status r1 = vx_backfill_parse((const char *)data, size, &a, on_row, on_bad, &c1, &e1);
    vx_arena_release(&a);
    vx_arena_init(&a, 0);
    enum vx_status r2 = vx_backfill_parse((const char *)data, size, &a, on_row, on_bad, &c2, &e2);
    vx_arena_release(&a);
    if (r1 != r2 || c1.rows != c2.rows || c1.bad != c2.bad)
        abort();
    if (r1 != VX_OK && e1.msg[0] == '\0')
        abort();
    return 0;
}
