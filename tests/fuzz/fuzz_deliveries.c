/*
 * fuzz_deliveries.c — libFuzzer target for the two FoHM delivery file parsers.
 *
 * The first byte picks the parser (snapshot file or reconstructed series); the rest is
 * the file. Whatever parses is sorted and asked "what was known" for each of its weeks,
 * and every revision must then have a valid week and non-negative doses.
 */
#include <stdint.h>
#include <stdlib.h>
#include "vx/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct vx_delivery_log log = {0};
    struct vx_err err;
    const char *text = (const char *)data + 1;
    enum vx_status st = data[0] & 1 ? vx_delivery_parse_reconstructed(&log, text, size - 1, &err)
                                    : vx_delivery_parse_snapshots(&log, text, size - 1, &err);
    if (st == VX_OK) {
        vx_delivery_log_sort(&log);
        for (size_t i = 0; i < log.n; i++) {
            const struct vx_delivery_rev *r = &log.revs[i];
            if (r->week.week < 1 || r->week.week > 53 || r->doses < 0)
                abort();
        }
    } else if (log.n != 0) {
        abort(); /* a failed parse keeps nothing from the file */
    }
    vx_delivery_log_free(&log);
    return 0;
}
