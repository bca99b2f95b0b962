/*
 * cert_http.h — EU Digital COVID Certificates over HTTP (src/http/routes_cert.c).
 *
 * Routes (docs/cert.md, "Routes and pages"):
 *   GET  /api/v1/me/certificate          citizen: HC1 text + payload summary (JSON)
 *   GET  /api/v1/me/certificate.pdf      citizen: the bilingual PDF certificate
 *   GET  /api/v1/me/certificate.png      citizen: the QR code as PNG
 *   GET  /api/v1/me/certificate.svg      citizen: the QR code as SVG
 *   POST /api/v1/certificates/verify     public: {"hc1": "HC1:..."} -> every step's result
 *
 * The module's start hook loads the DCC schema, the newest document signer of the
 * key folder and the trust list (the key folder's signer certificates plus an
 * optional file or folder of extra PEMs), then signs and verifies a self-check
 * certificate at the server's date so that a signer that is not valid on that date
 * (a key made after a pinned `serve --date`) stops the start with a clear message
 * instead of issuing certificates that fail their own verifier. Without a key folder
 * the verifier still works and the citizen routes answer 503.
 *
 * Options are process-wide, like the booking module's (a start hook receives only
 * the server): the serve command sets them once before adding the module.
 */
#ifndef VX_CERT_HTTP_H
#define VX_CERT_HTTP_H

#include "vx/http.h"

struct vx_cert_http_opts {
    const char *keys_dir;     /* folder made by vx_cert_keygen(); NULL = issue nothing */
    const char *trust_path;   /* extra trusted signer certificates (file or folder), may be NULL */
    const char *schema_path;  /* DCC.combined-schema.json (required) */
    const char *valueset_dir; /* value-set folder, may be NULL */
    const char *issuer;       /* DCC "is"; NULL = "vaxchain demo (Sverige)" */
    int valid_days;           /* exp - iat of issued certificates; 0 = 365 */
};

/* The module (name "cert"): list it in the serve command's module table. */
extern const struct vx_http_module vx_cert_http_module;

/* Set the options the next start of vx_cert_http_module uses (strings are copied;
 * a path longer than 4095 bytes makes the start fail). NULL resets to the defaults
 * (no keys, no schema: the start then fails). Not thread-safe: call before
 * vx_http_add_module. */
void vx_cert_http_configure(const struct vx_cert_http_opts *o);

#endif
