/*
 * plan_http.h — the supply planner as an HTTP module (src/http/routes_plan.c).
 *
 * Routes (docs/api-plan.md is the contract; the route table feeds the OpenAPI document):
 * deliveries with every change (GET, POST a revision), the stored allocation of a week per
 * region and site with dose-1 quotas (GET, and CSV/XLSX export), allocating a week (POST,
 * national), re-planning after a delivery change (preview or apply) and the Monte-Carlo
 * projection. Roles: national (all), regional_coordinator (own region), auditor (delivery
 * reads). The module has no state of its own: every handler works on the request's store
 * handle through the store-backed planner of include/vx/plan.h.
 */
#ifndef VX_PLAN_HTTP_H
#define VX_PLAN_HTTP_H

#include "vx/http.h"

/* The module (name "plan"): listed in the serve command's module table. */
extern const struct vx_http_module vx_plan_http_module;

#endif
