/*
 * person.c — text codes of the person enums (one table each, used by CSV, JSON and
 * the database so that the codes are spelled once).
 */
#include <string.h>
#include "vx/person.h"

static const char *const residence_codes[VX_RES_COUNT] = {
    [VX_RES_OWN_HOME] = "own_home",   [VX_RES_SPECIAL_HOUSING] = "special_housing",
    [VX_RES_HOME_CARE] = "home_care", [VX_RES_HOME_HEALTH] = "home_health_care",
    [VX_RES_LSS_HOME] = "lss_home",
};

const char *vx_residence_code(enum vx_residence r)
{
    return (unsigned)r < VX_RES_COUNT ? residence_codes[r] : "unknown";
}

enum vx_status vx_residence_parse(const char *s, enum vx_residence *out)
{
    for (int i = 0; i < VX_RES_COUNT; i++) {
        if (!strcmp(s, residence_codes[i])) {
            *out = (enum vx_residence)i;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}
