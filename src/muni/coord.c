/*
 * coord.c — code tables of the module: council log kinds and statuses, disputes,
 * sick-travel requests, premises status, staff competences (include/vx/ledger.h).
 *
 * Pure. Each enumeration is one table of codes (the single source for parsing,
 * JSON and the CHECK constraints' documentation). Sick travel has a small state
 * machine as a transition table: requested -> ordered -> done, and requested or
 * ordered -> cancelled; done and cancelled are final, so a trip that took place
 * cannot be "cancelled" afterwards (that would hide a cost). Council items may move
 * between open, doing and done freely (a done action can be reopened); disputes
 * only leave "open" once.
 */
#include <string.h>
#include "vx/ledger.h"

static const char *const travel_codes[VX_TRAVEL_STATUS_COUNT] = {"requested", "ordered", "done",
                                                                 "cancelled"};
static const char *const kind_codes[VX_COUNCIL_KIND_COUNT] = {"action", "decision"};
static const char *const council_codes[VX_COUNCIL_STATUS_COUNT] = {"open", "doing", "done"};
static const char *const dispute_codes[VX_DISPUTE_STATUS_COUNT] = {"open", "accepted", "rejected"};
static const char *const premises_codes[VX_PREMISES_STATUS_COUNT] = {"offered", "accepted",
                                                                     "declined"};
static const char *const competence_codes[VX_COMPETENCE_COUNT] = {"vaccinator", "registration",
                                                                  "host"};

/* travel_next[from] = bit set of allowed `to` states */
static const unsigned travel_next[VX_TRAVEL_STATUS_COUNT] = {
    [VX_TRAVEL_REQUESTED] = 1u << VX_TRAVEL_ORDERED | 1u << VX_TRAVEL_CANCELLED,
    [VX_TRAVEL_ORDERED] = 1u << VX_TRAVEL_DONE | 1u << VX_TRAVEL_CANCELLED,
    [VX_TRAVEL_DONE] = 0,
    [VX_TRAVEL_CANCELLED] = 0,
};

static int find_code(const char *const *codes, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(codes[i], s))
            return i;
    return -1;
}

#define CODE_FNS(name, type, codes, count)                                                         \
    const char *vx_##name##_code(type v)                                                           \
    {                                                                                              \
        return (unsigned)v < (count) ? codes[v] : "?";                                             \
    }                                                                                              \
    enum vx_status vx_##name##_parse(const char *s, type *out)                                     \
    {                                                                                              \
        int i = find_code(codes, (count), s);                                                      \
        if (i < 0)                                                                                 \
            return VX_EINVAL;                                                                      \
        *out = (type)i;                                                                            \
        return VX_OK;                                                                              \
    }

CODE_FNS(travel_status, enum vx_travel_status, travel_codes, VX_TRAVEL_STATUS_COUNT)
CODE_FNS(council_kind, enum vx_council_kind, kind_codes, VX_COUNCIL_KIND_COUNT)
CODE_FNS(council_status, enum vx_council_status, council_codes, VX_COUNCIL_STATUS_COUNT)
CODE_FNS(dispute_status, enum vx_dispute_status, dispute_codes, VX_DISPUTE_STATUS_COUNT)
CODE_FNS(premises_status, enum vx_premises_status, premises_codes, VX_PREMISES_STATUS_COUNT)
CODE_FNS(competence, enum vx_competence, competence_codes, VX_COMPETENCE_COUNT)

bool vx_travel_transition_ok(enum vx_travel_status from, enum vx_travel_status to)
{
    if ((unsigned)from >= VX_TRAVEL_STATUS_COUNT || (unsigned)to >= VX_TRAVEL_STATUS_COUNT)
        return false;
    return (travel_next[from] >> to) & 1u;
}
