/*
 * fuzz_fhir.c — libFuzzer target for the FHIR R4 Immunization parser and emitter.
 *
 * An Immunization that parses must emit JSON that is semantically equal to the input
 * (nothing dropped, nothing invented), parse again, and emit the same text again.
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
    struct vx_arena a;
    vx_arena_init(&a, 0);
    struct vx_fhir_immunization imm, again;
    struct vx_err err;
    if (vx_fhir_imm_parse((const char *)data, size, &a, &imm, &err) == VX_OK) {
        struct vx_buf b1, b2;
        vx_buf_init(&b1, 1u << 24);
        vx_buf_init(&b2, 1u << 24);
        if (vx_fhir_imm_emit(&imm, false, &b1) != VX_OK)
            abort();
        if (vx_fhir_json_equal((const char *)data, size, b1.data, b1.len, &err) != VX_OK)
            abort();
        if (vx_fhir_imm_parse(b1.data, b1.len, &a, &again, &err) != VX_OK)
            abort();
        if (vx_fhir_imm_emit(&again, false, &b2) != VX_OK || b1.len != b2.len ||
            memcmp(b1.data, b2.data, b1.len) != 0)
            abort();
        struct vx_buf bundle;
        vx_buf_init(&bundle, 1u << 24);
        if (vx_fhir_bundle_searchset(&imm, 1, "https://x", NULL, false, &bundle) != VX_OK)
            abort();
        vx_buf_release(&bundle);
        vx_buf_release(&b1);
        vx_buf_release(&b2);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    vx_arena_release(&a);
    return 0;
}
