/*
 * ledger_http.h — HTTP routes of the ledger module (src/http/routes_ledger.c):
 * compensation agreements, statements (JSON/PDF/XLSX/CSV), uncovered doses,
 * adjustments and disputes; premises, staff pools, assignments and accordion
 * capacity; sick-travel requests; the region-municipality council log.
 * Routes, roles and scopes: docs/api-ledger.md.
 */
#ifndef VX_LEDGER_HTTP_H
#define VX_LEDGER_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_ledger_http_module;

/*
 * Set the tariff file the module's start hook reads (`path` copied; NULL or "" =
 * the default: <data_dir>/compensation.json of the server configuration (serve
 * --data-dir), else $VAXCHAIN_DATA_DIR/compensation.json, else the source tree's
 * data/compensation.json). Call before the server adds the module. Not thread-safe.
 */
void vx_ledger_http_configure(const char *compensation_path);

#endif
