/*
 * muni_http.h — HTTP routes of the muni module (src/http/routes_muni.c): shared
 * resident lists and municipal vaccination rounds under /api/v1/municipalities/{code}/…
 * (docs/api-muni.md). The serve command lists the module in its module table; its
 * start hook takes the catalogue and the pinned date (`serve --date`) from the
 * server's configuration.
 */
#ifndef VX_MUNI_HTTP_H
#define VX_MUNI_HTTP_H

#include "vx/http.h"

extern const struct vx_http_module vx_muni_http_module;

#endif
