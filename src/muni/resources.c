/*
 * resources.c — the "accordion" capacity rule (include/vx/ledger.h, docs/resources.md).
 *
 * Pure. A site's capacity for one day follows supply like an accordion: it opens
 * as far as the scarcest of three things allows and closes again when one of them
 * shrinks:
 *
 *     capacity = min(staffed stations x doses per station per day,
 *                    premises capacity per day,
 *                    doses available for the day)
 *
 * where staffed stations = min(stations, vaccinators assigned that day) and doses
 * per station per day = open minutes / minutes per dose (whole doses). A missing
 * premises limit (the site's own rooms) or an unknown supply does not limit. The
 * result names the constraint that binds, so a coordinator sees whether to add
 * staff, ask the municipality for larger premises, or wait for deliveries.
 */
#include <string.h>
#include "vx/ledger.h"

static const char *const limit_codes[VX_CAP_LIMIT_COUNT] = {"staff", "premises", "supply"};

const char *vx_cap_limit_code(enum vx_cap_limit l)
{
    return (unsigned)l < VX_CAP_LIMIT_COUNT ? limit_codes[l] : "?";
}

enum vx_status vx_accordion(const struct vx_accordion_in *in, struct vx_accordion_out *out)
{
    memset(out, 0, sizeof *out);
    if (in->stations < 0 || in->vaccinators < 0 || in->open_minutes < 0 || in->minutes_per_dose < 1)
        return VX_EINVAL;
    out->staffed_stations = in->stations < in->vaccinators ? in->stations : in->vaccinators;
    long long by_staff =
        (long long)out->staffed_stations * (in->open_minutes / in->minutes_per_dose);
    out->by_staff = by_staff > INT32_MAX ? INT32_MAX : (int)by_staff;
    out->capacity = out->by_staff;
    out->limit = VX_CAP_STAFF;
    if (in->premises_capacity >= 0 && in->premises_capacity < out->capacity) {
        out->capacity = in->premises_capacity;
        out->limit = VX_CAP_PREMISES;
    }
    if (in->supply >= 0 && in->supply < out->capacity) {
        out->capacity = in->supply;
        out->limit = VX_CAP_SUPPLY;
    }
    return VX_OK;
}
