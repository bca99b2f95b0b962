/*
 * kinds.c — text codes of enum vx_site_kind (one table, used by CSV, JSON and the
 * database so that each code is spelled once; the sites.kind CHECK in the schema
 * lists the same words).
 */
#include <string.h>
#include "vx/store.h"

static const char *const site_kind_codes[VX_SITE_KIND_COUNT] = {
    [VX_SITE_HEALTH_CENTRE] = "health_centre",
    [VX_SITE_MASS_CENTRE] = "mass_centre",
    [VX_SITE_MOBILE] = "mobile",
    [VX_SITE_PHARMACY] = "pharmacy",
    [VX_SITE_CARE_HOME] = "care_home",
};

/* Returns a static string; "unknown" for a value outside the enum. */
const char *vx_site_kind_code(enum vx_site_kind k)
{
    return (unsigned)k < VX_SITE_KIND_COUNT ? site_kind_codes[k] : "unknown";
}

/* Parse a site kind code (borrowed string); VX_EINVAL if unknown, *out untouched. */
enum vx_status vx_site_kind_parse(const char *s, enum vx_site_kind *out)
{
    for (int i = 0; i < VX_SITE_KIND_COUNT; i++) {
        if (!strcmp(s, site_kind_codes[i])) {
            *out = (enum vx_site_kind)i;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}
