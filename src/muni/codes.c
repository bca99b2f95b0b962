/*
 * codes.c — the stable text codes of the muni module's enumerations and the
 * region ↔ municipality access table.
 *
 * Codes. Each enumeration of include/vx/muni.h has one table of codes, indexed by
 * the enum value; the same table parses (linear search: the tables have at most six
 * entries) and formats, and the SQL CHECK constraints of schema version 8
 * (src/store/sqlite/muni.c) list exactly these codes. The list types share their
 * codes with persons.residence, so a list row and the person's registered residence
 * compare as text.
 *
 * Access. Who may do what with a municipality's lists and rounds is one table of
 * (action → role → view). vx_muni_access() looks the session's role up in it and then
 * applies the role's scope: a municipal role is bound to its own municipality, a
 * regional coordinator to the municipalities of its region (the region of the
 * municipality is given by the caller, from the store), an auditor to nothing but the
 * access log. Deny by default: an action or role missing from the table is refused.
 * Pure: no I/O, no clock.
 */
#include <string.h>
#include "vx/muni.h"

#define CODE_FUNCS(name, type, table)                                                              \
    const char *vx_muni_##name##_code(type v)                                                      \
    {                                                                                              \
        return (unsigned)v < VX_ARRAY_LEN(table) ? table[v] : "?";                                 \
    }

static int find(const char *const *table, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(table[i], s))
            return (int)i;
    return -1;
}

#define PARSE_FUNC(name, type, table)                                                              \
    enum vx_status vx_muni_##name##_parse(const char *s, type *out)                                \
    {                                                                                              \
        int i = find(table, VX_ARRAY_LEN(table), s);                                               \
        if (i < 0)                                                                                 \
            return VX_EINVAL;                                                                      \
        *out = (type)i;                                                                            \
        return VX_OK;                                                                              \
    }

static const char *const list_types[VX_MUNI_LIST_TYPE_COUNT] = {"special_housing", "home_care",
                                                                "home_health_care", "lss_home"};
static const char *const consents[VX_MUNI_CONSENT_COUNT] = {"unknown", "given", "declined",
                                                            "representative"};
static const char *const row_statuses[VX_MUNI_ROW_STATUS_COUNT] = {"active", "deceased",
                                                                   "moved_out"};
static const char *const bases[VX_MUNI_BASIS_COUNT] = {"pdl_coherent_records", "consent"};
static const char *const changes[VX_MUNI_CH_COUNT] = {"new",      "moved",     "type_changed",
                                                      "deceased", "moved_out", "removed"};
static const char *const round_statuses[VX_MUNI_ROUND_STATUS_COUNT] = {
    "planned", "approved", "rejected", "handed_out", "done"};
static const char *const forms[VX_MUNI_FORM_COUNT] = {"vials", "syringes"};
static const char *const outcomes[VX_MUNI_OUTCOME_COUNT] = {"pending", "vaccinated", "declined",
                                                            "absent"};

CODE_FUNCS(list_type, enum vx_muni_list_type, list_types)
PARSE_FUNC(list_type, enum vx_muni_list_type, list_types)
CODE_FUNCS(consent, enum vx_muni_consent, consents)
PARSE_FUNC(consent, enum vx_muni_consent, consents)
CODE_FUNCS(row_status, enum vx_muni_row_status, row_statuses)
PARSE_FUNC(row_status, enum vx_muni_row_status, row_statuses)
CODE_FUNCS(basis, enum vx_muni_basis, bases)
PARSE_FUNC(basis, enum vx_muni_basis, bases)
CODE_FUNCS(change, enum vx_muni_change_kind, changes)
CODE_FUNCS(round_status, enum vx_muni_round_status, round_statuses)
PARSE_FUNC(round_status, enum vx_muni_round_status, round_statuses)
CODE_FUNCS(form, enum vx_muni_form, forms)
PARSE_FUNC(form, enum vx_muni_form, forms)
CODE_FUNCS(outcome, enum vx_muni_outcome, outcomes)
PARSE_FUNC(outcome, enum vx_muni_outcome, outcomes)

static const struct {
    const char *sv, *en;
} basis_texts[VX_MUNI_BASIS_COUNT] = {
    {"Patientdatalagen (2008:355) 6 kap. – sammanhållen vård- och omsorgsdokumentation",
     "Patient Data Act (2008:355) chapter 6 – coherent health and care records"},
    {"Samtycke från den enskilde eller dennes företrädare",
     "Consent of the resident or their representative"},
};

const char *vx_muni_basis_text(enum vx_muni_basis b, const char *lang)
{
    if ((unsigned)b >= VX_MUNI_BASIS_COUNT)
        return "?";
    return lang && !strcmp(lang, "sv") ? basis_texts[b].sv : basis_texts[b].en;
}

/* ------------------------------------------------------------------ access */

#define MN VX_ROLE_MUNI_NURSE
#define MC VX_ROLE_MUNI_COORD
#define RC VX_ROLE_REGION_COORD
#define AU VX_ROLE_AUDITOR

/* The access table: per action, the view each role gets (VX_MUNI_VIEW_NONE = refused).
 * For actions without person rows any non-NONE view means "allowed". */
static const enum vx_muni_view access_table[VX_MUNI_ACTION_COUNT][VX_ROLE_COUNT] = {
    [VX_MUNI_LIST_UPLOAD] = {[MC] = VX_MUNI_VIEW_FULL},
    [VX_MUNI_LIST_META] =
        {[MN] = VX_MUNI_VIEW_FULL, [MC] = VX_MUNI_VIEW_FULL, [RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_LIST_READ] =
        {[MN] = VX_MUNI_VIEW_FULL, [MC] = VX_MUNI_VIEW_FULL, [RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_LIST_DIFF] = {[MC] = VX_MUNI_VIEW_FULL, [RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_ROUND_PLAN] = {[MN] = VX_MUNI_VIEW_FULL, [MC] = VX_MUNI_VIEW_FULL},
    [VX_MUNI_ROUND_READ] =
        {[MN] = VX_MUNI_VIEW_FULL, [MC] = VX_MUNI_VIEW_FULL, [RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_ROUND_DECIDE] = {[RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_ROUND_RECORD] = {[MN] = VX_MUNI_VIEW_FULL},
    [VX_MUNI_COVERAGE] =
        {[MN] = VX_MUNI_VIEW_MIN, [MC] = VX_MUNI_VIEW_MIN, [RC] = VX_MUNI_VIEW_MIN},
    [VX_MUNI_ACCESS_LOG] = {[MC] = VX_MUNI_VIEW_MIN, [AU] = VX_MUNI_VIEW_MIN},
};

uint32_t vx_muni_action_roles(enum vx_muni_action a)
{
    uint32_t bits = 0;
    if ((unsigned)a >= VX_MUNI_ACTION_COUNT)
        return 0;
    for (int r = 1; r < VX_ROLE_COUNT; r++)
        if (access_table[a][r] != VX_MUNI_VIEW_NONE)
            bits |= VX_ROLE_BIT(r);
    return bits;
}

static bool same(const char *a, const char *b)
{
    return a && b && *a && !strcmp(a, b);
}

enum vx_status vx_muni_access(const struct vx_session *s, enum vx_muni_action a, const char *kommun,
                              const char *kommun_region, enum vx_muni_view *view)
{
    if (view)
        *view = VX_MUNI_VIEW_NONE;
    if (!s || s->role == VX_ROLE_NONE)
        return VX_ENOTFOUND;
    if ((unsigned)a >= VX_MUNI_ACTION_COUNT || (unsigned)s->role >= VX_ROLE_COUNT)
        return VX_EDENIED;
    enum vx_muni_view v = access_table[a][s->role];
    if (v == VX_MUNI_VIEW_NONE)
        return VX_EDENIED;
    bool in_scope;
    switch (s->role) {
    case VX_ROLE_MUNI_NURSE:
    case VX_ROLE_MUNI_COORD:
        in_scope = same(s->kommun, kommun);
        break;
    case VX_ROLE_REGION_COORD:
        in_scope = same(s->region, kommun_region);
        break;
    case VX_ROLE_AUDITOR:
        in_scope = true; /* only the access log is in the table for auditors */
        break;
    default:
        in_scope = false;
        break;
    }
    if (!in_scope)
        return VX_EDENIED;
    if (view)
        *view = v;
    return VX_OK;
}
