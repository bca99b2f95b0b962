/*
 * ledger_http.h — HTTP routes of the ledger module (src/http/routes_ledger.c).
 * PLACEHOLDER: being written.
 */
#ifndef VX_LEDGER_HTTP_H
#define VX_LEDGER_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_ledger_http_module;

#endif
