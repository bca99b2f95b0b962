/*
 * trust.c — the trust list of document signer certificates (DSC) and the COSE
 * signature primitives.
 *
 * A verifier trusts a set of DSCs (from the EU gateway in real life, from `vaxchain
 * cert keygen` in the demo). Each entry keeps the parsed certificate, its public key
 * and what the verifier needs per certificate, computed once at load: the kid (first
 * 8 bytes of SHA-256 over the DER, as the COSE header carries it), the validity
 * interval, the subject CN, and which DCC extended-key-usage OIDs it carries
 * (1.3.6.1.4.1.1847.2021.1.1 test, .2 vaccination, .3 recovery, plus the
 * 1.3.6.1.4.1.0.1847.2021.1.x variants some countries issued). Entries are appended
 * in load order; lookup by kid is a linear scan, fine for the few hundred signers of
 * the EU list.
 *
 * The EKU is read leniently on purpose: an extendedKeyUsage extension that does not
 * decode (the shared test case common/CO15 carries an empty SEQUENCE, which is invalid
 * DER) counts as "no DCC OID present", the same as no extension, which by the DCC
 * rules lets the DSC sign every certificate type. See docs/cert.md.
 *
 * ES256 signatures travel raw (r || s, 32 bytes each) and are converted to DER for
 * OpenSSL; PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, as
 * COSE (RFC 8230) fixes it.
 */
#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cert_int.h"

#define TRUST_MAX      4096 /* entries */
#define TRUST_MAX_FILE (4u * 1024u * 1024u)

struct vx_cert_trust {
    struct cert_trusted *e;
    size_t n, cap;
};

enum vx_status cert_ossl_err(struct vx_err *err, enum vx_status st, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[160] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return vx_err_set(err, st, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

bool cert_asn1_time(const ASN1_TIME *t, vx_time *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return false;
    if (!vx_ymd_valid(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
        return false;
    *out = (vx_time)vx_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

/* The DCC EKU OIDs and the bit each sets. */
static const struct {
    const char *oid;
    unsigned bit;
} dcc_ekus[] = {
    {"1.3.6.1.4.1.1847.2021.1.1", CERT_EKU_TEST},
    {"1.3.6.1.4.1.1847.2021.1.2", CERT_EKU_VACC},
    {"1.3.6.1.4.1.1847.2021.1.3", CERT_EKU_RECOVERY},
    {"1.3.6.1.4.1.0.1847.2021.1.1", CERT_EKU_TEST},
    {"1.3.6.1.4.1.0.1847.2021.1.2", CERT_EKU_VACC},
    {"1.3.6.1.4.1.0.1847.2021.1.3", CERT_EKU_RECOVERY},
};

static unsigned eku_bits(X509 *x)
{
    int idx = X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
    if (idx < 0)
        return 0;
    X509_EXTENSION *ext = X509_get_ext(x, idx);
    ASN1_OCTET_STRING *os = ext ? X509_EXTENSION_get_data(ext) : NULL;
    if (!os)
        return 0;
    const unsigned char *p = ASN1_STRING_get0_data(os);
    EXTENDED_KEY_USAGE *eku = d2i_EXTENDED_KEY_USAGE(NULL, &p, ASN1_STRING_length(os));
    if (!eku) { /* undecodable (e.g. an empty SEQUENCE): no OID present */
        ERR_clear_error();
        return 0;
    }
    unsigned bits = 0;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
        char txt[80];
        if (OBJ_obj2txt(txt, sizeof txt, sk_ASN1_OBJECT_value(eku, i), 1) <= 0)
            continue;
        for (size_t k = 0; k < VX_ARRAY_LEN(dcc_ekus); k++)
            if (strcmp(txt, dcc_ekus[k].oid) == 0)
                bits |= dcc_ekus[k].bit;
    }
    EXTENDED_KEY_USAGE_free(eku);
    return bits;
}

enum vx_status cert_trusted_fill(struct cert_trusted *e, struct vx_err *err)
{
    unsigned char *der = NULL;
    int n = i2d_X509(e->x509, &der);
    if (n <= 0)
        return cert_ossl_err(err, VX_EPARSE, "certificate cannot be encoded");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok)
        return cert_ossl_err(err, VX_EINTERNAL, "SHA-256");
    memcpy(e->kid, md, VX_CERT_KID_LEN);
    if (!cert_asn1_time(X509_get0_notBefore(e->x509), &e->not_before) ||
        !cert_asn1_time(X509_get0_notAfter(e->x509), &e->not_after))
        return vx_err_set(err, VX_EPARSE, "certificate has an unreadable validity");
    e->eku = eku_bits(e->x509);
    e->cn[0] = '\0';
    X509_NAME *subj = X509_get_subject_name(e->x509);
    if (subj && X509_NAME_get_text_by_NID(subj, NID_commonName, e->cn, sizeof e->cn) < 0)
        X509_NAME_oneline(subj, e->cn, sizeof e->cn);
    ERR_clear_error();
    e->pkey = X509_get0_pubkey(e->x509);
    if (!e->pkey)
        return cert_ossl_err(err, VX_EPARSE, "certificate public key");
    return VX_OK;
}

enum vx_status vx_cert_trust_new(struct vx_cert_trust **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? VX_OK : VX_ENOMEM;
}

void vx_cert_trust_free(struct vx_cert_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        EVP_PKEY_CTX_free(t->e[i].vctx);
        X509_free(t->e[i].x509);
    }
    free(t->e);
    free(t);
}

size_t vx_cert_trust_count(const struct vx_cert_trust *t)
{
    return t ? t->n : 0;
}

const uint8_t *vx_cert_trust_kid(const struct vx_cert_trust *t, size_t i)
{
    return t && i < t->n ? t->e[i].kid : NULL;
}

const struct cert_trusted *cert_trust_find(const struct vx_cert_trust *t, const uint8_t *kid,
                                           size_t kid_len)
{
    if (!t || kid_len != VX_CERT_KID_LEN)
        return NULL;
    for (size_t i = t->n; i-- > 0;) /* the last loaded wins on a (theoretical) clash */
        if (memcmp(t->e[i].kid, kid, VX_CERT_KID_LEN) == 0)
            return &t->e[i];
    return NULL;
}

/* Take ownership of x (freed on every path). */
static enum vx_status trust_push(struct vx_cert_trust *t, X509 *x, struct vx_err *err)
{
    if (X509_check_ca(x) > 0 && X509_get_extension_flags(x) & EXFLAG_CA) {
        X509_free(x); /* a CA, not a signer */
        return VX_OK;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        if (cap > TRUST_MAX) {
            X509_free(x);
            return vx_err_set(err, VX_ENOMEM, "trust list: more than %d certificates", TRUST_MAX);
        }
        struct cert_trusted *e = realloc(t->e, cap * sizeof *e);
        if (!e) {
            X509_free(x);
            return vx_err_set(err, VX_ENOMEM, "trust list: out of memory");
        }
        t->e = e;
        t->cap = cap;
    }
    struct cert_trusted *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    e->x509 = x;
    enum vx_status st = cert_trusted_fill(e, err);
    if (st) {
        X509_free(x);
        return st;
    }
    cert_trusted_prepare(e);
    t->n++;
    return VX_OK;
}

enum vx_status vx_cert_trust_add(struct vx_cert_trust *t, const uint8_t *data, size_t len,
                                 struct vx_err *err)
{
    if (len > TRUST_MAX_FILE)
        return vx_err_set(err, VX_EINVAL, "trust list: file too large");
    if (len >= 10 && memmem(data, len, "-----BEGIN", 10)) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (!bio)
            return vx_err_set(err, VX_ENOMEM, "trust list: out of memory");
        int seen = 0;
        X509 *x;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            seen++;
            enum vx_status st = trust_push(t, x, err);
            if (st) {
                BIO_free(bio);
                return st;
            }
        }
        ERR_clear_error(); /* the read that ended the loop */
        BIO_free(bio);
        if (!seen)
            return vx_err_set(err, VX_EPARSE, "trust list: no PEM certificate found");
        return VX_OK;
    }
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return cert_ossl_err(err, VX_EPARSE, "trust list: not a DER or PEM certificate");
    return trust_push(t, x, err);
}

static enum vx_status add_file(struct vx_cert_trust *t, const char *path, struct vx_err *err)
{
    struct vx_buf b;
    vx_buf_init(&b, TRUST_MAX_FILE);
    enum vx_status st = cert_read_file(path, &b, err);
    if (!st) {
        st = vx_cert_trust_add(t, (const uint8_t *)b.data, b.len, err);
        if (st && err) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            vx_err_set(err, st, "%s: %s", path, msg);
        }
    }
    vx_buf_release(&b);
    return st;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum vx_status vx_cert_trust_load(struct vx_cert_trust *t, const char *path, struct vx_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return vx_err_set(err, VX_EIO, "cannot open %s", path);
    if (!S_ISDIR(sb.st_mode))
        return add_file(t, path, err);
    DIR *d = opendir(path);
    if (!d)
        return vx_err_set(err, VX_EIO, "cannot read folder %s", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    enum vx_status st = VX_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' ||
            !(has_suffix(de->d_name, ".pem") || has_suffix(de->d_name, ".crt") ||
              has_suffix(de->d_name, ".der")))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = cap <= TRUST_MAX ? realloc(names, cap * sizeof *nn) : NULL;
            if (!nn) {
                st = vx_err_set(err, VX_ENOMEM, "too many files in %s", path);
                break;
            }
            names = nn;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            st = vx_err_set(err, VX_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (!st && n)
        qsort(names, n, sizeof *names, cmp_names);
    size_t before = t->n;
    for (size_t i = 0; !st && i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        st = add_file(t, full, err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (!st && t->n == before)
        st = vx_err_set(err, VX_ENOTFOUND, "no signer certificate in %s", path);
    return st;
}

/* ------------------------------------------------------------- signatures */

enum vx_status cert_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                                  size_t payload_len, struct vx_buf *out)
{
    /* hand-encoded: ["Signature1", bstr protected, bstr external_aad = h'', bstr payload] */
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    uint8_t hdr[9];
    size_t hl;
    if (vx_buf_append(out, head, sizeof head))
        return VX_ENOMEM;
    for (int part = 0; part < 3; part++) {
        const uint8_t *p = part == 0 ? prot : part == 1 ? NULL : payload;
        size_t n = part == 0 ? prot_len : part == 1 ? 0 : payload_len;
        if (n < 24) {
            hdr[0] = (uint8_t)(0x40 | n), hl = 1;
        } else if (n <= 0xff) {
            hdr[0] = 0x58, hdr[1] = (uint8_t)n, hl = 2;
        } else if (n <= 0xffff) {
            hdr[0] = 0x59, hdr[1] = (uint8_t)(n >> 8), hdr[2] = (uint8_t)n, hl = 3;
        } else {
            hdr[0] = 0x5a;
            for (int i = 0; i < 4; i++)
                hdr[1 + i] = (uint8_t)(n >> (24 - 8 * i));
            hl = 5;
        }
        if (vx_buf_append(out, hdr, hl) || (n && vx_buf_append(out, p, n)))
            return VX_ENOMEM;
    }
    return VX_OK;
}

/* raw r||s -> DER ECDSA-Sig-Value (caller frees *der with OPENSSL_free) */
static int raw_to_der(const uint8_t *sig, size_t len, unsigned char **der)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
    BIGNUM *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
    int n = -1;
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        n = i2d_ECDSA_SIG(es, der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return n;
}

/* A verify context for `pkey` and `alg` with every parameter set; NULL on failure. */
static EVP_PKEY_CTX *verify_ctx(EVP_PKEY *pkey, int alg)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (!ctx || EVP_PKEY_verify_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0 ||
        (alg == VX_CERT_ALG_PS256 &&
         (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) <= 0))) {
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

void cert_trusted_prepare(struct cert_trusted *e)
{
    int type = EVP_PKEY_get_base_id(e->pkey);
    e->vctx = verify_ctx(e->pkey, type == EVP_PKEY_EC ? VX_CERT_ALG_ES256 : VX_CERT_ALG_PS256);
}

enum vx_status cert_sig_verify(const struct cert_trusted *t, int alg, const uint8_t *tbs, size_t n,
                               const uint8_t *sig, size_t sig_len, struct vx_err *err)
{
    EVP_PKEY *pkey = t->pkey;
    int type = EVP_PKEY_get_base_id(pkey);
    if (alg == VX_CERT_ALG_ES256 && type != EVP_PKEY_EC)
        return vx_err_set(err, VX_EINVAL, "ES256 signature but the certificate key is not EC");
    if (alg == VX_CERT_ALG_PS256 && type != EVP_PKEY_RSA && type != EVP_PKEY_RSA_PSS)
        return vx_err_set(err, VX_EINVAL, "PS256 signature but the certificate key is not RSA");
    if (alg != VX_CERT_ALG_ES256 && alg != VX_CERT_ALG_PS256)
        return vx_err_set(err, VX_EINVAL, "unsupported algorithm %d", alg);
    if (alg == VX_CERT_ALG_ES256 && (sig_len != 64 || EVP_PKEY_get_bits(pkey) != 256))
        return vx_err_set(err, VX_EDENIED, "ES256 signature must be 64 bytes on P-256 (got %zu)",
                          sig_len);

    unsigned char md[32];
    unsigned mdlen = 0;
    if (!EVP_Digest(tbs, n, md, &mdlen, EVP_sha256(), NULL))
        return cert_ossl_err(err, VX_EINTERNAL, "SHA-256");
    /* duplicating the prepared context skips the provider fetch of a fresh init */
    EVP_PKEY_CTX *ctx = t->vctx ? EVP_PKEY_CTX_dup(t->vctx) : verify_ctx(pkey, alg);
    if (!ctx)
        return cert_ossl_err(err, VX_EINTERNAL, "verify context");
    enum vx_status st = VX_OK;
    unsigned char *der = NULL;
    int rc;
    if (alg == VX_CERT_ALG_PS256) {
        rc = EVP_PKEY_verify(ctx, sig, sig_len, md, mdlen);
    } else {
        int dl = raw_to_der(sig, sig_len, &der);
        rc = dl > 0 ? EVP_PKEY_verify(ctx, der, (size_t)dl, md, mdlen) : -1;
    }
    if (rc != 1) {
        ERR_clear_error();
        st = vx_err_set(err, VX_EDENIED, "signature does not verify");
    }
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(ctx);
    return st;
}
