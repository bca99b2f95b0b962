/*
 * store_regx.h — storage of the regx module: register export (NVR file, HL7 VXU, FHIR) outbox with
 * exactly-once delivery, retries and back-fill.
 *
 * Reached as st->ops->regx (see include/vx/store.h for the conventions every
 * operation follows). PLACEHOLDER: the module's operations are being written.
 */
#ifndef VX_STORE_REGX_H
#define VX_STORE_REGX_H

#include "vx/store.h"

struct vx_store_regx_ops {
    const char *name; /* backend name */
};

#endif
