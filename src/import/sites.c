/*
 * sites.c — the sites file (vaccination sites of a region) and the premises file
 * (rooms municipalities offer for vaccination).
 *
 * Both are small files keyed by an external code that must be unique in the file
 * (checked with a string set, reporting the first line) and in the store (the
 * store answers VX_EEXIST). The region of a site or premises is derived from its
 * municipality, never given in the file, so the two cannot disagree.
 */
#include <string.h>
#include "import_int.h"

/* ----------------------------------------------------------------- sites */

enum {
    S_CODE,
    S_NAME,
    S_KOMMUN,
    S_KIND,
    S_ADDRESS,
    S_STATIONS,
    S_MPD,
    S_OPEN,
    S_CLOSE,
    S_WEEKDAYS,
    S_COUNT
};

static const struct vx_import_col site_cols[S_COUNT] = {
    [S_CODE] = {"code", true, "unique site code: letters, digits, '-', '_', '.' (max 31)"},
    [S_NAME] = {"name", true, "site name, 1-127 bytes UTF-8"},
    [S_KOMMUN] = {"kommun_code", true, "municipality code, 4 digits"},
    [S_KIND] = {"kind", true, "health_centre|mass_centre|mobile|pharmacy|care_home"},
    [S_ADDRESS] = {"address", false, "street address, up to 127 bytes (empty allowed)"},
    [S_STATIONS] = {"stations", true, "vaccinator stations working in parallel, 1-500"},
    [S_MPD] = {"minutes_per_dose", true, "minutes per dose per station, 1-240"},
    [S_OPEN] = {"open", true, "opening time HH:MM"},
    [S_CLOSE] = {"close", true, "closing time HH:MM, after open (24:00 allowed)"},
    [S_WEEKDAYS] = {"weekdays", true, "open days: mon-fri, 1-5, mon,wed,sat or mån-fre"},
};

static void hhmm(struct import_run *r, int col, int *out)
{
    if (vx_import_parse_hhmm(run_val(r, col), out) != VX_OK)
        run_problem(r, col, "not a time HH:MM (00:00-24:00)");
}

static enum vx_status sites_row(struct import_run *r)
{
    struct vx_site_rec rec;
    memset(&rec, 0, sizeof rec);
    enum vx_status s;
    if (run_code(r, S_CODE, run_val(r, S_CODE), rec.code, sizeof rec.code))
        run_unique(r, S_CODE, rec.code);
    run_text(r, S_NAME, run_val(r, S_NAME), rec.name, sizeof rec.name, true);
    const char *kommun = run_val(r, S_KOMMUN);
    s = run_kommun(r, S_KOMMUN, kommun, rec.region);
    if (s != VX_OK && s != VX_EINVAL)
        return s;
    if (s == VX_OK)
        memcpy(rec.kommun, kommun, 5);
    if (vx_site_kind_parse(run_val(r, S_KIND), &rec.kind) != VX_OK)
        run_problem(r, S_KIND,
                    "unknown kind (health_centre, mass_centre, mobile, pharmacy, care_home)");
    run_text(r, S_ADDRESS, run_val(r, S_ADDRESS), rec.address, sizeof rec.address, false);
    run_int(r, S_STATIONS, run_val(r, S_STATIONS), 1, 500, &rec.stations);
    run_int(r, S_MPD, run_val(r, S_MPD), 1, 240, &rec.minutes_per_dose);
    rec.open_minute = rec.close_minute = -1;
    hhmm(r, S_OPEN, &rec.open_minute);
    hhmm(r, S_CLOSE, &rec.close_minute);
    if (rec.open_minute >= 0 && rec.close_minute >= 0 && rec.close_minute <= rec.open_minute)
        run_problem(r, S_CLOSE, "closing time is not after the opening time");
    if (vx_import_parse_weekdays(run_val(r, S_WEEKDAYS), &rec.weekdays) != VX_OK)
        run_problem(r, S_WEEKDAYS, "not a set of weekdays (e.g. mon-fri, 1-5, mon,wed,sat)");
    if (r->row_bad)
        return VX_EINVAL;
    if (!r->st)
        return VX_OK;
    if (r->existing > 0) {
        struct vx_site_rec old;
        s = r->st->ops->site_get(r->st, rec.code, &old);
        if (s == VX_OK) {
            run_problem(r, S_CODE, "a site with this code is already in the database");
            return VX_EINVAL;
        }
        if (s != VX_ENOTFOUND)
            return run_store_fail(r, s, "site");
    }
    if (r->doomed)
        return VX_OK;
    return run_put_result(r, r->st->ops->site_put(r->st, &rec, NULL), S_CODE,
                          "a site with this code");
}

const struct import_kind import_kind_sites = {
    .kind = VX_IMPORT_SITES,
    .name = "sites",
    .action = "site.import",
    .table = "sites",
    .cols = site_cols,
    .ncols = S_COUNT,
    .row = sites_row,
};

/* -------------------------------------------------------------- premises */

enum { M_CODE, M_KOMMUN, M_NAME, M_ADDRESS, M_CAPACITY, M_ACCESSIBLE, M_FROM, M_TO, M_COUNT };

static const struct vx_import_col premises_cols[M_COUNT] = {
    [M_CODE] = {"code", true, "unique premises code: letters, digits, '-', '_', '.' (max 31)"},
    [M_KOMMUN] = {"kommun_code", true, "municipality offering the premises, 4 digits"},
    [M_NAME] = {"name", true, "name, 1-127 bytes UTF-8"},
    [M_ADDRESS] = {"address", false, "street address, up to 127 bytes (empty allowed)"},
    [M_CAPACITY] = {"capacity_per_day", true, "doses per day, 1-100000"},
    [M_ACCESSIBLE] = {"accessible", false, "step-free access: 0/1, ja/nej (empty: 0)"},
    [M_FROM] = {"available_from", true, "first day available, YYYY-MM-DD"},
    [M_TO] = {"available_to", true, "last day available, YYYY-MM-DD, not before from"},
};

static bool day(struct import_run *r, int col, vx_day *out)
{
    if (vx_day_parse(run_val(r, col), out) != VX_OK) {
        run_problem(r, col, "not a date YYYY-MM-DD");
        return false;
    }
    return true;
}

static enum vx_status premises_row(struct import_run *r)
{
    struct vx_premises_rec rec;
    memset(&rec, 0, sizeof rec);
    enum vx_status s;
    if (run_code(r, M_CODE, run_val(r, M_CODE), rec.code, sizeof rec.code))
        run_unique(r, M_CODE, rec.code);
    const char *kommun = run_val(r, M_KOMMUN);
    s = run_kommun(r, M_KOMMUN, kommun, rec.region);
    if (s != VX_OK && s != VX_EINVAL)
        return s;
    if (s == VX_OK)
        memcpy(rec.kommun, kommun, 5);
    run_text(r, M_NAME, run_val(r, M_NAME), rec.name, sizeof rec.name, true);
    run_text(r, M_ADDRESS, run_val(r, M_ADDRESS), rec.address, sizeof rec.address, false);
    run_int(r, M_CAPACITY, run_val(r, M_CAPACITY), 1, 100000, &rec.capacity_per_day);
    if (vx_import_parse_bool(run_val(r, M_ACCESSIBLE), false, &rec.accessible) != VX_OK)
        run_problem(r, M_ACCESSIBLE, "not a yes/no value (use 0/1, true/false or ja/nej)");
    bool from_ok = day(r, M_FROM, &rec.available_from);
    bool to_ok = day(r, M_TO, &rec.available_to);
    if (from_ok && to_ok && rec.available_to < rec.available_from)
        run_problem(r, M_TO, "before available_from");
    if (r->row_bad)
        return VX_EINVAL;
    if (!r->st)
        return VX_OK;
    /* The store has no premises look-up: a code already stored is found by the
     * insert, which dooms the transaction (see run_put_result). */
    if (r->doomed)
        return VX_OK;
    return run_put_result(r, r->st->ops->premises_put(r->st, &rec, NULL), M_CODE,
                          "a premises with this code");
}

const struct import_kind import_kind_premises = {
    .kind = VX_IMPORT_PREMISES,
    .name = "premises",
    .action = "premises.import",
    .table = "premises",
    .cols = premises_cols,
    .ncols = M_COUNT,
    .row = premises_row,
};
