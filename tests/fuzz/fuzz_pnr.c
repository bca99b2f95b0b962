/*
 * fuzz_pnr.c — libFuzzer target for the personnummer parser.
 *
 * Checks more than "no crash": a number that parses must normalise to 12 characters,
 * parse again from its normalised and short forms to the same result, and have a
 * correct check digit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/pnr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 64)
        return 0;
    /* first two bytes choose the reference date (1990..2089) */
    vx_day ref = vx_day_from_ymd(1990 + data[0] % 100, 1 + data[1] % 12, 1 + data[1] % 28);
    char s[64];
    memcpy(s, data + 2, size - 2);
    s[size - 2] = '\0';
    struct vx_pnr_opts o = vx_pnr_opts_default(ref);
    struct vx_pnr p, q;
    struct vx_pnr_error e;
    char text[160];
    if (vx_pnr_parse(s, &o, &p, &e) != VX_OK) {
        vx_pnr_error_text(&e, text, sizeof text);
        return 0;
    }
    if (strlen(p.norm) != 12)
        abort();
    if (vx_pnr_parse(p.norm, &o, &q, &e) != VX_OK || strcmp(p.norm, q.norm) || p.birth != q.birth)
        abort();
    /* the short form only tells two centuries apart ('-' and '+'), so it round-trips
     * for anyone under 200 at the reference date */
    char shortf[12];
    vx_pnr_format_short(&p, ref, shortf);
    if (vx_age_at(p.birth, ref) < 199 &&
        (vx_pnr_parse(shortf, &o, &q, &e) != VX_OK || strcmp(p.norm, q.norm)))
        abort();
    if (vx_pnr_luhn(p.norm + 2) != p.norm[11] - '0')
        abort();
    return 0;
}
