/*
 * signer.c — document signer keys: demo key generation, key rotation, COSE_Sign1.
 *
 * Key folder layout (made by vx_cert_keygen, read by vx_cert_signer_load and, for the
 * certificates only, by vx_cert_trust_load):
 *
 *   csca.pem  csca.key              the demo country signing CA (self-signed)
 *   dsc-<kid>.pem  dsc-<kid>.key    one document signer per rotation, signed by the CSCA
 *
 * Rotation: `keygen` on an existing folder adds a signer and keeps the old ones; the
 * signer with the latest notBefore signs from then on, while every dsc-*.pem stays in
 * the trust list so certificates signed earlier still verify. Private keys are written
 * 0600 through a temporary file and rename (never half-written), unencrypted because
 * this is the demo PKI; a production deployment keeps the key in an HSM and only this
 * file's signer would change.
 *
 * Signing speed matters (one signature per certificate download), so a signer keeps
 * one EVP_PKEY_CTX initialised for signing and reuses it — the same thing `openssl
 * speed` measures — under a mutex, which makes the signer safe to share between
 * threads. The COSE envelope and the Sig_structure have a fixed shape and are encoded
 * by hand; the CWT claims and the DCC go through libcbor.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "cert_int.h"

#define KEY_FILE_MAX (256u * 1024u)

struct vx_cert_signer {
    EVP_PKEY *key;
    X509 *cert;
    uint8_t kid[VX_CERT_KID_LEN];
    int alg;
    vx_time not_after;
    uint8_t prot[16]; /* protected header {1: alg, 4: kid} */
    size_t prot_len;
    EVP_PKEY_CTX *ctx; /* initialised for signing, reused under `lock` */
    pthread_mutex_t lock;
};

void vx_cert_signer_free(struct vx_cert_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_CTX_free(s->ctx);
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const uint8_t *vx_cert_signer_kid(const struct vx_cert_signer *s)
{
    return s->kid;
}

vx_time vx_cert_signer_not_after(const struct vx_cert_signer *s)
{
    return s->not_after;
}

/* Takes ownership of key and cert (freed on failure). */
static enum vx_status signer_make(EVP_PKEY *key, X509 *cert, struct vx_cert_signer **out,
                                  struct vx_err *err)
{
    *out = NULL;
    struct vx_cert_signer *s = calloc(1, sizeof *s);
    if (!s) {
        EVP_PKEY_free(key);
        X509_free(cert);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->lock, NULL);
    s->key = key;
    s->cert = cert;
    if (X509_check_private_key(cert, key) != 1) {
        vx_cert_signer_free(s);
        return cert_ossl_err(err, VX_EINVAL, "the key does not belong to the certificate");
    }
    struct cert_trusted e = {.x509 = cert};
    enum vx_status st = cert_trusted_fill(&e, err);
    if (st) {
        vx_cert_signer_free(s);
        return st;
    }
    memcpy(s->kid, e.kid, VX_CERT_KID_LEN);
    s->not_after = e.not_after;
    int type = EVP_PKEY_get_base_id(key);
    if (type == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == 256) {
        s->alg = VX_CERT_ALG_ES256;
    } else if (type == EVP_PKEY_RSA) {
        s->alg = VX_CERT_ALG_PS256;
    } else {
        vx_cert_signer_free(s);
        return vx_err_set(err, VX_EINVAL, "signer key must be EC P-256 or RSA");
    }
    /* {1: alg, 4: kid}: a2 01 <alg> 04 48 <8 bytes>; -7 = 0x26, -37 = 0x38 0x24 */
    size_t n = 0;
    s->prot[n++] = 0xa2;
    s->prot[n++] = 0x01;
    if (s->alg == VX_CERT_ALG_ES256) {
        s->prot[n++] = 0x26;
    } else {
        s->prot[n++] = 0x38;
        s->prot[n++] = 0x24;
    }
    s->prot[n++] = 0x04;
    s->prot[n++] = 0x40 | VX_CERT_KID_LEN;
    memcpy(s->prot + n, s->kid, VX_CERT_KID_LEN);
    s->prot_len = n + VX_CERT_KID_LEN;

    s->ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!s->ctx || EVP_PKEY_sign_init(s->ctx) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(s->ctx, EVP_sha256()) <= 0 ||
        (s->alg == VX_CERT_ALG_PS256 &&
         (EVP_PKEY_CTX_set_rsa_padding(s->ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(s->ctx, EVP_sha256()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(s->ctx, 32) <= 0))) {
        vx_cert_signer_free(s);
        return cert_ossl_err(err, VX_EINTERNAL, "signing context");
    }
    *out = s;
    return VX_OK;
}

enum vx_status vx_cert_signer_from_pem(const char *key_pem, size_t key_len, const char *cert_pem,
                                       size_t cert_len, struct vx_cert_signer **out,
                                       struct vx_err *err)
{
    *out = NULL;
    BIO *kb = BIO_new_mem_buf(key_pem, (int)key_len);
    BIO *cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    BIO_free(kb);
    BIO_free(cb);
    if (!key || !cert) {
        EVP_PKEY_free(key);
        X509_free(cert);
        return cert_ossl_err(err, VX_EPARSE, key ? "signer certificate" : "signer key");
    }
    return signer_make(key, cert, out, err);
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

enum vx_status vx_cert_signer_load(const char *dir, struct vx_cert_signer **out, struct vx_err *err)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return vx_err_set(err, VX_EIO, "cannot read key folder %s", dir);
    char best[512] = "";
    vx_time best_nb = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "dsc-", 4) != 0 || len < 8 || len > 400 ||
            strcmp(de->d_name + len - 4, ".pem") != 0)
            continue;
        char cpath[4096], kpath[4096];
        snprintf(cpath, sizeof cpath, "%s/%s", dir, de->d_name);
        snprintf(kpath, sizeof kpath, "%s/%.*s.key", dir, (int)(len - 4), de->d_name);
        if (!file_exists(kpath))
            continue;
        FILE *f = fopen(cpath, "r");
        X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
        if (f)
            fclose(f);
        vx_time nb;
        if (x && cert_asn1_time(X509_get0_notBefore(x), &nb) &&
            (!best[0] || nb > best_nb || (nb == best_nb && strcmp(de->d_name, best) > 0))) {
            best_nb = nb;
            snprintf(best, sizeof best, "%.*s", (int)(len - 4), de->d_name);
        }
        X509_free(x);
        ERR_clear_error();
    }
    closedir(d);
    if (!best[0])
        return vx_err_set(err, VX_ENOTFOUND, "no document signer (dsc-*.pem + .key) in %s", dir);
    char cpath[4096], kpath[4096];
    snprintf(cpath, sizeof cpath, "%s/%s.pem", dir, best);
    snprintf(kpath, sizeof kpath, "%s/%s.key", dir, best);
    struct vx_buf kb, cb;
    vx_buf_init(&kb, KEY_FILE_MAX);
    vx_buf_init(&cb, KEY_FILE_MAX);
    enum vx_status st = cert_read_file(kpath, &kb, err);
    if (!st)
        st = cert_read_file(cpath, &cb, err);
    if (!st)
        st = vx_cert_signer_from_pem(kb.data, kb.len, cb.data, cb.len, out, err);
    OPENSSL_cleanse(kb.data, kb.len);
    vx_buf_release(&kb);
    vx_buf_release(&cb);
    return st;
}

/* ---------------------------------------------------------------- signing */

static void bstr_head(size_t n, uint8_t *hdr, size_t *hl)
{
    if (n < 24) {
        hdr[0] = (uint8_t)(0x40 | n), *hl = 1;
    } else if (n <= 0xff) {
        hdr[0] = 0x58, hdr[1] = (uint8_t)n, *hl = 2;
    } else if (n <= 0xffff) {
        hdr[0] = 0x59, hdr[1] = (uint8_t)(n >> 8), hdr[2] = (uint8_t)n, *hl = 3;
    } else {
        hdr[0] = 0x5a;
        for (int i = 0; i < 4; i++)
            hdr[1 + i] = (uint8_t)(n >> (24 - 8 * i));
        *hl = 5;
    }
}

static enum vx_status append_bstr(struct vx_buf *b, const uint8_t *p, size_t n)
{
    uint8_t hdr[5];
    size_t hl;
    bstr_head(n, hdr, &hl);
    return vx_buf_append(b, hdr, hl) || vx_buf_append(b, p, n) ? VX_ENOMEM : VX_OK;
}

enum vx_status vx_cert_cose_sign(struct vx_cert_signer *s, const uint8_t *payload, size_t n,
                                 struct vx_buf *cose, struct vx_err *err)
{
    if (n > VX_CERT_MAX_COSE)
        return vx_err_set(err, VX_EINVAL, "payload too large");
    struct vx_buf tbs;
    vx_buf_init(&tbs, VX_CERT_MAX_COSE + 64);
    if (cert_sig_structure(s->prot, s->prot_len, payload, n, &tbs)) {
        vx_buf_release(&tbs);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    unsigned char md[32];
    unsigned mdlen = 0;
    int ok = EVP_Digest(tbs.data, tbs.len, md, &mdlen, EVP_sha256(), NULL);
    vx_buf_release(&tbs);
    if (!ok)
        return cert_ossl_err(err, VX_EINTERNAL, "SHA-256");

    unsigned char sig[1024]; /* DER ECDSA (<= 72) or RSA up to 8192 bits */
    size_t siglen = sizeof sig;
    pthread_mutex_lock(&s->lock);
    int rc = EVP_PKEY_sign(s->ctx, sig, &siglen, md, mdlen);
    pthread_mutex_unlock(&s->lock);
    if (rc <= 0)
        return cert_ossl_err(err, VX_EINTERNAL, "signing failed");

    uint8_t raw[64];
    const uint8_t *final = sig;
    size_t final_len = siglen;
    if (s->alg == VX_CERT_ALG_ES256) { /* DER -> r || s */
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
        const BIGNUM *r = NULL, *sv = NULL;
        if (es)
            ECDSA_SIG_get0(es, &r, &sv);
        if (!es || BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(sv, raw + 32, 32) != 32) {
            ECDSA_SIG_free(es);
            return cert_ossl_err(err, VX_EINTERNAL, "ECDSA signature conversion");
        }
        ECDSA_SIG_free(es);
        final = raw;
        final_len = 64;
    }
    /* 18([protected, {}, payload, signature]) */
    static const uint8_t head[] = {0xd2, 0x84};
    static const uint8_t empty_map = 0xa0;
    if (vx_buf_append(cose, head, sizeof head) || append_bstr(cose, s->prot, s->prot_len) ||
        vx_buf_append(cose, &empty_map, 1) || append_bstr(cose, payload, n) ||
        append_bstr(cose, final, final_len))
        return vx_err_set(err, VX_ENOMEM, "COSE: out of memory");
    return VX_OK;
}

/* CWT {1: iss, 4: exp, 6: iat, -260: {1: dcc}} */
static enum vx_status cwt_encode(const cJSON *dcc, const char *iss, vx_time iat, vx_time exp,
                                 struct vx_buf *out, struct vx_err *err)
{
    cbor_item_t *d = cert_json_to_cbor(dcc, 0);
    if (!d)
        return vx_err_set(err, VX_EINVAL, "DCC cannot be encoded as CBOR");
    cbor_item_t *h = cbor_new_definite_map(1);
    cbor_item_t *m = cbor_new_definite_map(4);
    cbor_item_t *items[8] = {
        cert_cbor_build_int(1),    cbor_build_string(iss),
        cert_cbor_build_int(4),    cert_cbor_build_int(exp),
        cert_cbor_build_int(6),    cert_cbor_build_int(iat),
        cert_cbor_build_int(-260), h,
    };
    cbor_item_t *one = cert_cbor_build_int(1);
    bool ok = h && m && one && cbor_map_add(h, (struct cbor_pair){.key = one, .value = d});
    for (int i = 0; i < 8; i += 2)
        ok = ok && items[i] && items[i + 1] &&
             cbor_map_add(m, (struct cbor_pair){.key = items[i], .value = items[i + 1]});
    enum vx_status st = ok ? cert_cbor_serialize(m, out) : VX_ENOMEM;
    for (int i = 0; i < 8; i++)
        if (items[i])
            cbor_decref(&items[i]);
    if (one)
        cbor_decref(&one);
    cbor_decref(&d);
    if (m)
        cbor_decref(&m);
    return st ? vx_err_set(err, st, "CWT: out of memory") : VX_OK;
}

/*
 * zlib with a 4 KiB window and a small hash table: a signed DCC is a few hundred
 * bytes, so the default 32 KiB window and 64 KiB hash (allocated and cleared per call)
 * cost more than the compression itself without shrinking the output. The stream is
 * ordinary zlib (the header records the window size), which any inflater reads.
 */
static enum vx_status deflate_small(const uint8_t *in, size_t n, struct vx_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 12, 5, Z_DEFAULT_STRATEGY) != Z_OK)
        return VX_ENOMEM;
    uLong bound = deflateBound(&zs, (uLong)n);
    unsigned char *zb = malloc(bound);
    enum vx_status st = VX_ENOMEM;
    if (zb) {
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)n;
        zs.next_out = zb;
        zs.avail_out = (uInt)bound;
        if (deflate(&zs, Z_FINISH) == Z_STREAM_END && !vx_buf_append(out, zb, zs.total_out))
            st = VX_OK;
    }
    deflateEnd(&zs);
    free(zb);
    return st;
}

enum vx_status vx_cert_sign(struct vx_cert_signer *s, const cJSON *dcc,
                            const struct vx_cert_schema *schema, const char *iss, vx_time iat,
                            vx_time exp, struct vx_buf *hc1, struct vx_err *err)
{
    if (!s || !dcc || !iss || !*iss)
        return vx_err_set(err, VX_EINVAL, "signer, DCC and issuer country are required");
    if (schema) {
        enum vx_status st = vx_cert_schema_validate(schema, dcc, err);
        if (st)
            return st;
    }
    if (exp > s->not_after)
        exp = s->not_after;
    if (exp <= iat)
        return vx_err_set(err, VX_ECONFLICT, "the signer certificate expires before iat");
    struct vx_buf cwt, cose, z;
    vx_buf_init(&cwt, VX_CERT_MAX_COSE);
    vx_buf_init(&cose, VX_CERT_MAX_COSE);
    vx_buf_init(&z, VX_CERT_MAX_COSE);
    enum vx_status st = cwt_encode(dcc, iss, iat, exp, &cwt, err);
    if (!st)
        st = vx_cert_cose_sign(s, (const uint8_t *)cwt.data, cwt.len, &cose, err);
    if (!st) {
        st = deflate_small((const uint8_t *)cose.data, cose.len, &z);
        if (st)
            vx_err_set(err, st, "zlib: compression failed");
    }
    if (!st &&
        (vx_buf_puts(hc1, VX_CERT_PREFIX) || vx_base45_encode((const uint8_t *)z.data, z.len, hc1)))
        st = vx_err_set(err, VX_ENOMEM, "HC1 text too large");
    vx_buf_release(&cwt);
    vx_buf_release(&cose);
    vx_buf_release(&z);
    return st;
}

/* ----------------------------------------------------------------- keygen */

/* Write `write` output to path via path.tmp (mode), then rename. */
static enum vx_status write_atomic(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert,
                                   struct vx_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return vx_err_set(err, VX_EIO, "cannot create %s: %s", tmp, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return vx_err_set(err, VX_EIO, "cannot write %s", tmp);
    }
    int ok =
        key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return cert_ossl_err(err, VX_EIO, path);
    }
    return VX_OK;
}

static bool add_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return false;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1;
}

/* A certificate for `key`, issued by (issuer, ikey) or self-signed when issuer NULL. */
static X509 *make_cert(EVP_PKEY *key, const char *country, const char *cn, X509 *issuer,
                       EVP_PKEY *ikey, vx_time now, int days, bool ca)
{
    X509 *x = X509_new();
    unsigned char serial[9];
    if (!x || RAND_bytes(serial, sizeof serial) != 1)
        goto fail;
    serial[0] &= 0x7f; /* positive */
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    int ok = sn && X509_set_serialNumber(x, sn);
    ASN1_INTEGER_free(sn);
    if (!ok || !X509_set_version(x, 2) ||
        !ASN1_TIME_adj(X509_getm_notBefore(x), (time_t)now, 0, 0) ||
        !ASN1_TIME_adj(X509_getm_notAfter(x), (time_t)now, days, 0) || !X509_set_pubkey(x, key))
        goto fail;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)country, -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"vaxchain demo",
                                    -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
        goto fail;
    if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name))
        goto fail;
    X509 *iss = issuer ? issuer : x;
    if (ca) {
        if (!add_ext(iss, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
            !add_ext(iss, x, NID_key_usage, "critical,keyCertSign,cRLSign"))
            goto fail;
    } else {
        if (!add_ext(iss, x, NID_basic_constraints, "critical,CA:FALSE") ||
            !add_ext(iss, x, NID_key_usage, "critical,digitalSignature") ||
            !add_ext(iss, x, NID_ext_key_usage,
                     "1.3.6.1.4.1.1847.2021.1.1,1.3.6.1.4.1.1847.2021.1.2,"
                     "1.3.6.1.4.1.1847.2021.1.3"))
            goto fail;
    }
    if (!add_ext(iss, x, NID_subject_key_identifier, "hash") ||
        (issuer && !add_ext(iss, x, NID_authority_key_identifier, "keyid:always")))
        goto fail;
    if (X509_sign(x, ikey ? ikey : key, EVP_sha256()) <= 0)
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static enum vx_status load_csca(const char *dir, EVP_PKEY **key, X509 **cert, struct vx_err *err)
{
    char kp[4096], cp[4096];
    snprintf(kp, sizeof kp, "%s/csca.key", dir);
    snprintf(cp, sizeof cp, "%s/csca.pem", dir);
    *key = NULL;
    *cert = NULL;
    if (!file_exists(kp) || !file_exists(cp))
        return VX_ENOTFOUND;
    FILE *f = fopen(kp, "r");
    *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    f = fopen(cp, "r");
    *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!*key || !*cert || X509_check_private_key(*cert, *key) != 1) {
        EVP_PKEY_free(*key);
        X509_free(*cert);
        *key = NULL;
        *cert = NULL;
        return cert_ossl_err(err, VX_EPARSE, "existing csca.pem/csca.key unusable");
    }
    return VX_OK;
}

enum vx_status vx_cert_keygen(const struct vx_cert_keygen_opts *o, char kid_hex[17],
                              struct vx_err *err)
{
    const char *cc = o->country && *o->country ? o->country : "SE";
    if (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        return vx_err_set(err, VX_EINVAL, "country must be two capital letters (got '%s')", cc);
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST)
        return vx_err_set(err, VX_EIO, "cannot create %s: %s", o->dir, strerror(errno));
    EVP_PKEY *ckey = NULL, *dkey = NULL;
    X509 *ccert = NULL, *dcert = NULL;
    enum vx_status st = load_csca(o->dir, &ckey, &ccert, err);
    char path[4096];
    if (st == VX_ENOTFOUND) {
        char cn[64];
        snprintf(cn, sizeof cn, "vaxchain demo CSCA %s", cc);
        ckey = EVP_EC_gen("P-256");
        ccert = ckey ? make_cert(ckey, cc, cn, NULL, NULL, o->now,
                                 o->csca_days > 0 ? o->csca_days : 3650, true)
                     : NULL;
        if (!ccert) {
            st = cert_ossl_err(err, VX_EINTERNAL, "CSCA generation");
            goto out;
        }
        snprintf(path, sizeof path, "%s/csca.key", o->dir);
        st = write_atomic(path, 0600, ckey, NULL, err);
        snprintf(path, sizeof path, "%s/csca.pem", o->dir);
        if (!st)
            st = write_atomic(path, 0644, NULL, ccert, err);
    }
    if (st)
        goto out;
    char cn[64];
    snprintf(cn, sizeof cn, "vaxchain demo DSC %s", cc);
    dkey = EVP_EC_gen("P-256");
    dcert = dkey ? make_cert(dkey, cc, cn, ccert, ckey, o->now, o->dsc_days > 0 ? o->dsc_days : 730,
                             false)
                 : NULL;
    if (!dcert) {
        st = cert_ossl_err(err, VX_EINTERNAL, "document signer generation");
        goto out;
    }
    struct cert_trusted e = {.x509 = dcert};
    st = cert_trusted_fill(&e, err);
    if (st)
        goto out;
    cert_hex_encode(e.kid, VX_CERT_KID_LEN, kid_hex);
    snprintf(path, sizeof path, "%s/dsc-%s.key", o->dir, kid_hex);
    st = write_atomic(path, 0600, dkey, NULL, err);
    if (!st) {
        char cpath[4096];
        snprintf(cpath, sizeof cpath, "%s/dsc-%s.pem", o->dir, kid_hex);
        st = write_atomic(cpath, 0644, NULL, dcert, err);
        if (st)
            unlink(path);
    }
out:
    EVP_PKEY_free(ckey);
    EVP_PKEY_free(dkey);
    X509_free(ccert);
    X509_free(dcert);
    return st;
}
