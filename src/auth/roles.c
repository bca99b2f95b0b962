/*
 * roles.c — the role table and the central route × role check.
 *
 * One designated-initializer table holds every role: its stable code (JSON,
 * docs), its Swedish and English names, the scope its sessions are bound to and
 * whether it may read individual person data. Everything else (parsing, the
 * "roles" column of the OpenAPI document, docs/auth.md) is derived from it.
 *
 * The route check is a bit test: a route carries the set of roles allowed to call
 * it; an empty set admits nobody, so forgetting to list roles closes a route rather
 * than opening it. Scope checks are separate because only the handler knows which
 * person or site a request is about.
 */
#include <stdio.h>
#include <string.h>
#include "vx/auth.h"

static const struct vx_role_info roles[VX_ROLE_COUNT] = {
    [VX_ROLE_CITIZEN] = {VX_ROLE_CITIZEN, "citizen", "Invånare", "Citizen", VX_SCOPE_SELF, true},
    [VX_ROLE_CALLCENTRE] = {VX_ROLE_CALLCENTRE, "callcentre", "Samtalsagent", "Call-centre agent",
                            VX_SCOPE_REGION, true},
    [VX_ROLE_VACCINATOR] = {VX_ROLE_VACCINATOR, "vaccinator", "Vaccinatör", "Vaccinator",
                            VX_SCOPE_SITE, true},
    [VX_ROLE_SITE_COORD] = {VX_ROLE_SITE_COORD, "site_coordinator", "Mottagningssamordnare",
                            "Site coordinator", VX_SCOPE_SITE, true},
    [VX_ROLE_REGION_COORD] = {VX_ROLE_REGION_COORD, "regional_coordinator", "Regional samordnare",
                              "Regional coordinator", VX_SCOPE_REGION, true},
    [VX_ROLE_MUNI_NURSE] = {VX_ROLE_MUNI_NURSE, "municipal_nurse", "Kommunsjuksköterska",
                            "Municipal nurse", VX_SCOPE_KOMMUN, true},
    [VX_ROLE_MUNI_COORD] = {VX_ROLE_MUNI_COORD, "municipal_coordinator", "Kommunal samordnare",
                            "Municipal coordinator", VX_SCOPE_KOMMUN, true},
    [VX_ROLE_NATIONAL] = {VX_ROLE_NATIONAL, "national", "Nationell uppföljning",
                          "National oversight", VX_SCOPE_NONE, false},
    [VX_ROLE_AUDITOR] = {VX_ROLE_AUDITOR, "auditor", "Granskare", "Auditor", VX_SCOPE_NONE, false},
};

const struct vx_role_info *vx_role_info(enum vx_role r)
{
    if ((int)r <= VX_ROLE_NONE || r >= VX_ROLE_COUNT)
        return NULL;
    return &roles[r];
}

const char *vx_role_code(enum vx_role r)
{
    const struct vx_role_info *ri = vx_role_info(r);
    return ri ? ri->code : "none";
}

enum vx_status vx_role_parse(const char *code, enum vx_role *out)
{
    for (int r = VX_ROLE_NONE + 1; code && r < VX_ROLE_COUNT; r++) {
        if (!strcmp(roles[r].code, code)) {
            *out = (enum vx_role)r;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}

char *vx_roles_format(uint32_t mask, char *buf, size_t len)
{
    size_t used = 0;
    if (!len)
        return buf;
    buf[0] = '\0';
    if (mask & VX_ROLES_PUBLIC) {
        snprintf(buf, len, "public");
        return buf;
    }
    for (int r = VX_ROLE_NONE + 1; r < VX_ROLE_COUNT; r++) {
        if (!(mask & VX_ROLE_BIT(r)))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", roles[r].code);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

enum vx_status vx_auth_route_allows(uint32_t mask, const struct vx_session *s)
{
    if (mask & VX_ROLES_PUBLIC)
        return VX_OK;
    if (!s || !vx_role_info(s->role))
        return VX_ENOTFOUND;
    return (mask & VX_ROLE_BIT(s->role)) ? VX_OK : VX_EDENIED;
}

static bool same(const char *want, const char *have)
{
    return want && *want && have && !strcmp(want, have);
}

bool vx_auth_scope_allows(const struct vx_session *s, int64_t person_id, const char *region,
                          const char *kommun, const char *site)
{
    const struct vx_role_info *ri = s ? vx_role_info(s->role) : NULL;
    if (!ri)
        return false;
    switch (ri->scope) {
    case VX_SCOPE_SELF:
        return person_id != 0 && person_id == s->person_id;
    case VX_SCOPE_REGION:
        return same(s->region, region);
    case VX_SCOPE_SITE:
        if (site && *site)
            return same(s->site, site);
        return same(s->region, region);
    case VX_SCOPE_KOMMUN:
        return same(s->kommun, kommun);
    case VX_SCOPE_NONE:
        break;
    }
    return false;
}
