/*
 * person.h — a person as the domain core sees one.
 *
 * Only what eligibility, booking and statistics need; names and addresses live in
 * the store and are read (and audited) only where a role needs them. Every
 * person-owned row carries `region` (the shard key of a scaled-out store).
 */
#ifndef VX_PERSON_H
#define VX_PERSON_H

#include <stdbool.h>
#include <stdint.h>
#include "vx/date.h"
#include "vx/pnr.h"

/* Where a person lives and what municipal care they receive (one value). */
enum vx_residence {
    VX_RES_OWN_HOME = 0,        /* ordinary housing, no municipal care */
    VX_RES_SPECIAL_HOUSING = 1, /* särskilt boende för äldre (SÄBO) */
    VX_RES_HOME_CARE = 2,       /* hemtjänst in ordinary housing */
    VX_RES_HOME_HEALTH = 3,     /* hemsjukvård in ordinary housing */
    VX_RES_LSS_HOME = 4,        /* LSS group home (bostad med särskild service) */
    VX_RES_COUNT
};

/* Stable text codes for enum vx_residence ("own_home", "special_housing", "home_care",
 * "home_health_care", "lss_home"); used in CSV, JSON and the database. */
const char *vx_residence_code(enum vx_residence r);
/* Parse a residence code; VX_EINVAL if unknown. */
enum vx_status vx_residence_parse(const char *s, enum vx_residence *out);

/* Person flags (bit set). */
enum {
    VX_PF_CARE_STAFF = 1u << 0, /* works in elderly care/home care close to phase-1 persons */
    VX_PF_HOUSEHOLD_CONTACT = 1u << 1, /* adult in the household of a home-care recipient */
    VX_PF_LSS_ASSISTANCE = 1u << 2,    /* LSS support or personal assistance (not a group home) */
    VX_PF_HEALTH_STAFF = 1u << 3,      /* health-care staff close to risk patients (phase 2) */
    VX_PF_DECEASED = 1u << 4
};

/*
 * Risk conditions (bit set). The codes and their texts are data (see
 * data/eligibility.json "risk_codes"); the bit positions are fixed here so that a
 * person row stores one integer.
 */
#define VX_RISK_MAX 32

struct vx_person {
    int64_t id;        /* store id; 0 when not stored */
    struct vx_pnr pnr; /* identity (normalised number, birth date, sex) */
    char kommun[5];    /* municipality code "0180" */
    char region[3];    /* region (län) code "01" */
    enum vx_residence residence;
    uint32_t risk;  /* bit i set = risk code i of the rule table */
    uint32_t flags; /* VX_PF_* */
    char deso[10];  /* small-area code (DeSO) or "" */
};

#endif
