/*
 * fuzz_hl7.c — libFuzzer target for the HL7 v2 parser, serializer and CVRS checker.
 *
 * Checks more than "no crash": whatever vx_hl7_parse() accepts must serialise to
 * exactly the canonical form of the input (vx_hl7_normalize: "\r" segment ends, no
 * blank lines), parse again, and serialise to the same bytes; every leaf must decode;
 * the CVRS checker must run on it; the ACK parser must not crash on it either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const char *text = (const char *)data;
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_hl7_msg m, m2;
    struct vx_hl7_error e;
    struct vx_buf s1, s2, norm;
    vx_buf_init(&s1, 1u << 20);
    vx_buf_init(&s2, 1u << 20);
    vx_buf_init(&norm, 1u << 20);
    if (vx_hl7_parse(text, size, &a, &m, &e) == VX_OK) {
        if (vx_hl7_serialize(&m, &s1) != VX_OK || vx_hl7_normalize(text, size, &norm) != VX_OK)
            abort();
        if (s1.len != norm.len || memcmp(s1.data, norm.data, s1.len) != 0)
            abort(); /* accepted but does not round-trip */
        if (vx_hl7_parse(s1.data, s1.len, &a, &m2, &e) != VX_OK)
            abort();
        if (vx_hl7_serialize(&m2, &s2) != VX_OK || s2.len != s1.len ||
            memcmp(s1.data, s2.data, s1.len) != 0)
            abort();
        for (size_t i = 0; i < m.nseg; i++)
            for (size_t f = 1; f <= m.seg[i].nfield; f++) {
                struct vx_hl7_loc l = {{0}, (int)f, 0, 1, 1};
                memcpy(l.seg, m.seg[i].name, 3);
                struct vx_hl7_str raw = vx_hl7_seg_get(&m.seg[i], &l);
                struct vx_buf d;
                vx_buf_init(&d, 1u << 20);
                if (vx_hl7_unescape(&m.enc, raw.p, raw.len, &d) != VX_OK)
                    abort();
                vx_buf_release(&d);
            }
        struct vx_cvrs_opts o = {vx_day_from_ymd(2026, 1, 1), VX_CVRS_DEFAULTS_AUTO};
        struct vx_cvrs_result r;
        if (vx_cvrs_check(&m, &o, &a, &r) != VX_OK)
            abort();
        if (r.nerrors + r.nwarnings != r.n)
            abort();
    } else if (e.msg[0] == '\0') {
        abort(); /* every rejection says why */
    }
    struct vx_ack ack;
    struct vx_err err;
    (void)vx_ack_parse(text, size, &a, &ack, &err);
    vx_buf_release(&s1);
    vx_buf_release(&s2);
    vx_buf_release(&norm);
    vx_arena_release(&a);
    return 0;
}
