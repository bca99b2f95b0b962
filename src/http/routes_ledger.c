/*
 * routes_ledger.c — HTTP routes of the ledger module. PLACEHOLDER: being written.
 */
#include "vx/ledger_http.h"

const struct vx_http_module vx_ledger_http_module = {
    .name = "ledger",
};
