/*
 * reference.c — the reference files loaded by `vaxchain init`: the 21 regions (län)
 * and 290 municipalities (kommuner) of /work/shared/data/se (SCB codes, see its
 * README). Codes are kept as zero-padded strings; a municipality's first two digits
 * are its region, and when both files are loaded in one call the region must be
 * one of those just loaded.
 */
#include <string.h>
#include "import_int.h"

enum { R_CODE, R_NAME, R_SHORT, R_COUNT };

static const struct vx_import_col region_cols[R_COUNT] = {
    [R_CODE] = {"lan_code", true, "region (län) code, 2 digits"},
    [R_NAME] = {"name", true, "official name, e.g. Stockholms län"},
    [R_SHORT] = {"short_name", true, "short name used by FoHM, e.g. Stockholm"},
};

static enum vx_status regions_row(struct import_run *r)
{
    struct vx_region_rec rec;
    memset(&rec, 0, sizeof rec);
    const char *code = run_val(r, R_CODE);
    if (!run_digits(code, 2))
        run_problem(r, R_CODE, "not a region code (2 digits)");
    else if (run_unique(r, R_CODE, code))
        memcpy(rec.code, code, 3);
    run_text(r, R_NAME, run_val(r, R_NAME), rec.name, sizeof rec.name, true);
    run_text(r, R_SHORT, run_val(r, R_SHORT), rec.short_name, sizeof rec.short_name, true);
    if (r->row_bad)
        return VX_EINVAL;
    if (r->regions_seen)
        r->regions_seen[(code[0] - '0') * 10 + (code[1] - '0')] = true;
    if (!r->st)
        return VX_OK;
    /* Re-running `vaxchain init` meets the rows of the first run: keep them. */
    enum vx_status s = r->st->ops->region_put(r->st, &rec);
    return s == VX_OK || s == VX_EEXIST ? VX_OK : run_store_fail(r, s, "region");
}

const struct import_kind import_kind_regions = {
    .kind = VX_IMPORT_REGIONS,
    .name = "regions",
    .action = "region.import",
    .cols = region_cols,
    .ncols = R_COUNT,
    .row = regions_row,
};

enum { K_CODE, K_NAME, K_LAN, K_COUNT };

static const struct vx_import_col kommun_cols[K_COUNT] = {
    [K_CODE] = {"kommun_code", true, "municipality code, 4 digits, starting with lan_code"},
    [K_NAME] = {"name", true, "name, e.g. Upplands Väsby"},
    [K_LAN] = {"lan_code", true, "region (län) code, 2 digits"},
};

static enum vx_status municipalities_row(struct import_run *r)
{
    struct vx_kommun_rec rec;
    memset(&rec, 0, sizeof rec);
    const char *code = run_val(r, K_CODE);
    const char *lan = run_val(r, K_LAN);
    bool code_ok = run_digits(code, 4);
    if (!code_ok)
        run_problem(r, K_CODE, "not a municipality code (4 digits)");
    else if (run_unique(r, K_CODE, code))
        memcpy(rec.code, code, 5);
    run_text(r, K_NAME, run_val(r, K_NAME), rec.name, sizeof rec.name, true);
    if (!run_digits(lan, 2)) {
        run_problem(r, K_LAN, "not a region code (2 digits)");
    } else if (code_ok && memcmp(code, lan, 2) != 0) {
        run_problem(r, K_LAN, "municipality %s cannot be in region %s", code, lan);
    } else if (r->regions_known && !r->regions_known[(lan[0] - '0') * 10 + (lan[1] - '0')]) {
        run_problem(r, K_LAN, "unknown region %s", lan);
    } else {
        memcpy(rec.region, lan, 3);
    }
    if (r->row_bad)
        return VX_EINVAL;
    if (!r->st)
        return VX_OK;
    enum vx_status s = r->st->ops->kommun_put(r->st, &rec);
    return s == VX_OK || s == VX_EEXIST ? VX_OK : run_store_fail(r, s, "municipality");
}

const struct import_kind import_kind_municipalities = {
    .kind = VX_IMPORT_MUNICIPALITIES,
    .name = "municipalities",
    .action = "kommun.import",
    .cols = kommun_cols,
    .ncols = K_COUNT,
    .row = municipalities_row,
};
