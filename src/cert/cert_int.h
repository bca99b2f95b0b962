/*
 * cert_int.h — private helpers shared by the files of src/cert.
 *
 * Small byte/text codecs (hex, base64, RFC 3339 instants), libcbor accessors that
 * cope with indefinite-length strings, the CBOR <-> cJSON bridge, the trust-list
 * entry the verifier works with, and OpenSSL error conversion. Nothing here is part
 * of the public contract.
 */
#ifndef VX_CERT_INT_H
#define VX_CERT_INT_H

#include <cbor.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include "vx/cert.h"

#define CERT_MAX_DEPTH 16 /* nesting of CBOR / JSON accepted in a DCC */

/* ---------------------------------------------------------------- codecs */

/* Hex text (even length, any case) -> bytes appended to out. VX_EINVAL. */
enum vx_status cert_hex_decode(const char *s, size_t n, struct vx_buf *out);
/* Standard base64 with or without padding, whitespace ignored. VX_EINVAL. */
enum vx_status cert_b64_decode(const char *s, size_t n, struct vx_buf *out);
/* Lower-case hex of in[0..n) into out (2n+1 bytes). */
void cert_hex_encode(const uint8_t *in, size_t n, char *out);
/*
 * RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (t/z in either
 * case) -> instant. *frac_ns gets the fraction (may be NULL). false when malformed.
 */
bool cert_time_parse(const char *s, vx_time *out, long *frac_ns);

/* Append the whole file to b (initialised; its max bounds the size), NUL-terminated.
 * VX_EIO (cannot open/read) or VX_EINVAL (too large), with the path in `err`. */
enum vx_status cert_read_file(const char *path, struct vx_buf *b, struct vx_err *err);

/* ---------------------------------------------------------------- libcbor */

/* Bytes of a (possibly chunked) byte or text string appended to out. */
enum vx_status cert_cbor_string(const cbor_item_t *it, struct vx_buf *out);
/* Integer value of a CBOR int item (uint or negint) into *v; false if not an int or
 * out of int64 range. */
bool cert_cbor_int(const cbor_item_t *it, int64_t *v);
/* Value of the map entry whose key is the integer `key`, or NULL. Borrowed. */
cbor_item_t *cert_cbor_map_int(const cbor_item_t *map, int64_t key);
/* Build an integer item of the shortest width (owned by the caller, refcount 1). */
cbor_item_t *cert_cbor_build_int(int64_t v);
/* The item under a tag, borrowed (libcbor's cbor_tag_item() returns a new reference). */
const cbor_item_t *cert_cbor_tag_inner(const cbor_item_t *tag);
/* Strip any chain of tags (NULL beyond 8); borrowed. */
const cbor_item_t *cert_cbor_untag(const cbor_item_t *it);
/* Parse data[0..n) as exactly one CBOR item (trailing bytes are an error). */
cbor_item_t *cert_cbor_load(const uint8_t *data, size_t n, struct vx_err *err);
/* Serialize an item, appending to out. */
enum vx_status cert_cbor_serialize(const cbor_item_t *it, struct vx_buf *out);

/* CBOR item -> cJSON (map keys: text as is, integers as decimal text; byte strings as
 * lower-case hex; tags dropped). NULL with err when too deep or not convertible. */
struct cJSON *cert_cbor_to_json(const cbor_item_t *it, int depth, struct vx_err *err);
/* cJSON -> CBOR item (owned); integral numbers become ints. NULL on failure. */
cbor_item_t *cert_json_to_cbor(const struct cJSON *j, int depth);

/* ------------------------------------------------------------ trust entries */

struct cert_trusted {
    X509 *x509;
    EVP_PKEY *pkey;
    uint8_t kid[VX_CERT_KID_LEN];
    vx_time not_before, not_after;
    unsigned eku;       /* CERT_EKU_* bits for the DCC OIDs found */
    char cn[128];       /* subject CN (or the whole subject line) */
    EVP_PKEY_CTX *vctx; /* prepared verify context (dup'ed per use), or NULL */
};

enum { CERT_EKU_TEST = 1u << 0, CERT_EKU_VACC = 1u << 1, CERT_EKU_RECOVERY = 1u << 2 };

/* Borrowed entry with that kid, or NULL. */
const struct cert_trusted *cert_trust_find(const struct vx_cert_trust *t, const uint8_t *kid,
                                           size_t kid_len);
/* Prepare e->vctx for the entry's key (owned by the trust list that frees it). */
void cert_trusted_prepare(struct cert_trusted *e);
/* Fill kid, validity, EKU bits and CN of an entry from its certificate (x509 set). */
enum vx_status cert_trusted_fill(struct cert_trusted *e, struct vx_err *err);
/* X509 time -> instant. */
bool cert_asn1_time(const ASN1_TIME *t, vx_time *out);

/* The EXPIRY and KEYUSAGE steps of verify.c against a given signer entry (NULL =
 * unknown), for the conformance runner, which knows the signer from the test case. */
void cert_step_expiry(struct vx_cert_result *r, const struct cert_trusted *t, vx_time clock);
void cert_step_keyusage(struct vx_cert_result *r, const struct cert_trusted *t);

/* Append OpenSSL's error queue (first entry) to a message and clear the queue. */
enum vx_status cert_ossl_err(struct vx_err *err, enum vx_status st, const char *what);

/* Verify a COSE signature over tbs[0..n) with the key of `t` for COSE alg `alg`; `sig`
 * raw (r||s for ES256). VX_OK, VX_EDENIED (bad signature) or VX_EINVAL (alg/key
 * mismatch). Thread-safe: the prepared context is duplicated, never used directly. */
enum vx_status cert_sig_verify(const struct cert_trusted *t, int alg, const uint8_t *tbs, size_t n,
                               const uint8_t *sig, size_t sig_len, struct vx_err *err);
/* Sig_structure ["Signature1", protected, h'', payload] into out. */
enum vx_status cert_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                                  size_t payload_len, struct vx_buf *out);

#endif
