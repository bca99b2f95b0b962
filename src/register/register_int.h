/*
 * register_int.h — private declarations shared by the files of src/register.
 */
#ifndef VX_REGISTER_INT_H
#define VX_REGISTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "vx/register.h"

/* A CVRS value set: codes in file order (see cvrs_data.c). */
struct cvrs_valueset {
    const char *name;
    const char *const *codes;
    size_t n;
};
extern const struct cvrs_valueset cvrs_valuesets[];
extern const size_t cvrs_nvaluesets;

/* A row of the validator's STATE.txt: USPS code, FIPS prefix, ZIP prefixes or NULL. */
struct cvrs_state {
    const char *code;
    const char *fips;
    const char *zips;
};
extern const struct cvrs_state cvrs_states[];
extern const size_t cvrs_nstates;

/* Decode the raw leaf text `raw` into a NUL-terminated arena string; NULL on OOM. */
char *reg_decode(const struct vx_hl7_enc *enc, struct vx_hl7_str raw, struct vx_arena *a);
/* Format an instant as HL7 DTM in Stockholm local time: YYYYMMDDHHMMSS+HHMM. */
void reg_hl7_dtm(vx_time t, char buf[40]);
/* Format a day as HL7 DT YYYYMMDD. */
void reg_hl7_dt(vx_day d, char buf[12]);

#endif
