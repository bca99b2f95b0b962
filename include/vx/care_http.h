/*
 * care_http.h — HTTP routes of the care module (src/http/routes_care.c): check-in,
 * dose recording, correction, void, AEFI, stock, receipts, transfers, counts,
 * excursions, vials, wastage and the standby list, as documented in
 * docs/api-care.md. The module needs the server's catalogue and eligibility rules
 * (struct vx_http_config) and writes through the request's store handle.
 */
#ifndef VX_CARE_HTTP_H
#define VX_CARE_HTTP_H

#include "vx/http.h"

/* The module for the serve command's module table (static storage). */
extern const struct vx_http_module vx_care_http_module;

#endif
