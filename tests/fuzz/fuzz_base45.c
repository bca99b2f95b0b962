/*
 * fuzz_base45.c — libFuzzer target for the base45 codec (RFC 9285).
 *
 * Checks more than "no crash": decoding is strict, so a text that decodes must encode
 * back to exactly itself (one text per byte string), and any byte string must survive
 * encode -> decode unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vx/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    struct vx_buf dec, enc;
    vx_buf_init(&dec, 8192);
    vx_buf_init(&enc, 16384);
    if (vx_base45_decode((const char *)data, size, &dec, NULL) == VX_OK) {
        if (vx_base45_encode((const uint8_t *)dec.data, dec.len, &enc) != VX_OK ||
            enc.len != size || memcmp(enc.data, data, size) != 0)
            abort();
    }
    vx_buf_clear(&dec);
    vx_buf_clear(&enc);
    if (vx_base45_encode(data, size, &enc) != VX_OK ||
        vx_base45_decode(enc.data, enc.len, &dec, NULL) != VX_OK || dec.len != size ||
        (size && memcmp(dec.data, data, size) != 0))
        abort();
    vx_buf_release(&dec);
    vx_buf_release(&enc);
    return 0;
}
