/*
 * fuzz_import_persons.c — libFuzzer target for the CSV reader and the persons
 * importer.
 *
 * The input is a persons CSV file (read through fmemopen, so the streaming reader
 * sees a real FILE). The first byte, when the input is long enough, picks options:
 * bit 0 skip_bad, bit 1 a tiny record limit (64 bytes) to reach the over-long
 * record path, bit 2 validation only (no store). Otherwise the rows go to an
 * in-memory SQLite store (":memory:", opened once with the real regions and
 * municipalities) inside a transaction of ours that is rolled back after every
 * input, so inputs do not affect each other.
 *
 * Beyond "no crash, no leak" it checks that the counts add up and that every
 * reported problem has a line inside the file and a non-empty reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/import.h"
#include "vx/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vx_store *store;

struct check {
    long max_line;
    long long problems;
};

static int on_error(void *ctx, const struct vx_import_error *e)
{
    struct check *c = ctx;
    if (e->line < 1 || e->line > c->max_line || !e->reason || !e->reason[0])
        abort();
    if (e->column && !e->column[0])
        abort();
    c->problems++;
    return 0;
}

static int resolve(void *ctx, const char *name)
{
    static const char *const codes[] = {"dialysis", "transplant", "cardiovascular", "diabetes"};
    for (int i = 0; i < (int)VX_ARRAY_LEN(codes); i++)
        if (!strcmp(codes[i], name))
            return i;
    return -1;
}

static void open_store(void)
{
    struct vx_err err;
    if (vx_store_open_sqlite(":memory:", &store, &err) != VX_OK)
        abort();
    if (vx_import_reference(store, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct vx_import_kommun ks[] = {{"0180", "01"}, {"1280", "12"}, {"2584", "25"}};
    if (!store)
        open_store();
    unsigned mode = size > 8 ? data[0] : 0;
    if (size > 8) {
        data++;
        size--;
    }
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    struct check c = {.max_line = 1};
    for (size_t i = 0; i < size; i++)
        c.max_line += data[i] == '\n';
    struct vx_import_opts o = vx_import_opts_default(vx_day_from_ymd(2021, 1, 15));
    o.skip_bad = mode & 1;
    o.max_record = mode & 2 ? 64 : 0;
    o.caller_tx = true;
    o.risk_resolve = resolve;
    o.on_error = on_error;
    o.error_ctx = &c;
    o.now = 1610000000;
    bool validate_only = mode & 4;
    if (validate_only) {
        o.kommuner = ks;
        o.n_kommuner = (int)VX_ARRAY_LEN(ks);
    } else if (vx_store_begin(store) != VX_OK) {
        abort();
    }
    struct vx_import_result res;
    struct vx_err err;
    enum vx_status s = vx_import_stream(validate_only ? NULL : store, VX_IMPORT_PERSONS, f, "fuzz",
                                        (long long)size, &o, &res, &err);
    fclose(f);
    if (!validate_only)
        vx_store_rollback(store);
    if (res.problems != c.problems || res.rejected > res.rows || res.imported > res.rows)
        abort();
    bool kept = validate_only || res.committed;
    if ((s == VX_OK || s == VX_EINVAL) && kept && res.imported + res.rejected != res.rows)
        abort();
    if (!kept && res.imported != 0)
        abort();
    if (s == VX_OK && (res.rejected != 0 || res.problems != 0))
        abort();
    if (s != VX_OK && s != VX_EINVAL && s != VX_EPARSE)
        abort(); /* no store or memory failures on any input */
    return 0;
}
