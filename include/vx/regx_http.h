/*
 * regx_http.h — HTTP routes of the regx module (src/http/routes_regx.c):
 *
 *   GET /fhir/Immunization?patient=<person id | personnummer>   searchset Bundle
 *   GET /fhir/Immunization/{id}                                 one Immunization (dose id)
 *   GET /api/v1/register/status                                 outbox per register
 *
 * The module needs no start/stop state: handlers read through the request's store
 * handle. See docs/register-export.md for roles, scopes and the audit.
 */
#ifndef VX_REGX_HTTP_H
#define VX_REGX_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_regx_http_module;

#endif
