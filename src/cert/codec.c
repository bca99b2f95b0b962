/*
 * codec.c — the byte-level codecs under the certificate chain: hex, base64, RFC 3339
 * instants, zlib inflate, and the bridge between CBOR (libcbor) and the JSON form of
 * a DCC (cJSON).
 *
 * The DCC is a JSON document by schema but travels as CBOR; verification converts the
 * CBOR map into cJSON once and everything after (schema check, comparison with the
 * test data's JSON, PDF rendering) works on the cJSON tree. The conversion is total for
 * what a DCC can hold — maps, arrays, text, integers, floats, booleans, null — and
 * drops tags (a few issuers tag dates with 0 or 1004). Maps with integer keys (the CWT
 * claims) convert with decimal keys so that one function serves both.
 *
 * Semantic equality (vx_cert_dcc_equal) is what the dgc-testdata harness asks for:
 * map order ignored, numbers by value, and date-times by instant, because issuers
 * write "2021-05-18T08:04:00Z", "...+00:00" or "....000Z" for the same moment.
 *
 * Inflate is bounded by VX_CERT_MAX_COSE so a zip bomb cannot exhaust memory, and it
 * insists on a complete stream (Z_STREAM_END) with nothing after it.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "cert_int.h"
#include "vx/buf.h"

/* ------------------------------------------------------------------ text */

enum vx_status cert_hex_decode(const char *s, size_t n, struct vx_buf *out)
{
    if (n % 2)
        return VX_EINVAL;
    uint8_t chunk[128];
    size_t used = 0;
    for (size_t i = 0; i < n; i += 2) {
        int hi = vx_hex_digit(s[i]), lo = vx_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0)
            return VX_EINVAL;
        chunk[used++] = (uint8_t)(hi * 16 + lo);
        if (used == sizeof chunk) {
            if (vx_buf_append(out, chunk, used))
                return VX_ENOMEM;
            used = 0;
        }
    }
    return vx_buf_append(out, chunk, used) ? VX_ENOMEM : VX_OK;
}

void cert_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

enum vx_status cert_b64_decode(const char *s, size_t n, struct vx_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || padding)
            return VX_EINVAL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            uint8_t b = (uint8_t)(acc >> bits);
            if (vx_buf_append(out, &b, 1))
                return VX_ENOMEM;
        }
    }
    if (!out->data && vx_buf_append(out, "", 0))
        return VX_ENOMEM;
    return VX_OK;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool cert_time_parse(const char *s, vx_time *out, long *frac_ns)
{
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    if (!vx_ymd_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    long ns = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 9)
                ns = ns * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0)
            return false;
        for (; nd < 9; nd++)
            ns *= 10;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    *out = (vx_time)vx_day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    if (frac_ns)
        *frac_ns = ns;
    return true;
}

/* ----------------------------------------------------------------- files */

enum vx_status cert_read_file(const char *path, struct vx_buf *b, struct vx_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_err_set(err, VX_EIO, "cannot open %s", path);
    char chunk[8192];
    size_t n;
    enum vx_status st = VX_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (vx_buf_append(b, chunk, n)) {
            st = vx_err_set(err, VX_EINVAL, "%s: larger than %zu bytes", path, b->max);
            break;
        }
    if (!st && (ferror(f) || vx_buf_append(b, "", 0)))
        st = vx_err_set(err, VX_EIO, "cannot read %s", path);
    fclose(f);
    return st;
}

/* ------------------------------------------------------------------ zlib */

enum vx_status vx_cert_inflate(const uint8_t *in, size_t n, struct vx_buf *out, struct vx_err *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return vx_err_set(err, VX_ENOMEM, "zlib: cannot initialise");
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uint8_t chunk[4096];
    enum vx_status st = VX_OK;
    for (;;) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        int rc = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (got && (out->len + got > VX_CERT_MAX_COSE || vx_buf_append(out, chunk, got))) {
            st = vx_err_set(err, VX_ENOMEM, "zlib: inflated data larger than %u bytes",
                            VX_CERT_MAX_COSE);
            break;
        }
        if (rc == Z_STREAM_END) {
            if (z.avail_in != 0)
                st = vx_err_set(err, VX_EINVAL, "zlib: %u bytes after the end of the stream",
                                z.avail_in);
            break;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            st = vx_err_set(err, VX_EINVAL, "zlib: truncated stream");
            break;
        }
        st = vx_err_set(err, VX_EINVAL, "zlib: %s", z.msg ? z.msg : "not a zlib stream");
        break;
    }
    inflateEnd(&z);
    return st;
}

/* ---------------------------------------------------------------- libcbor */

enum vx_status cert_cbor_string(const cbor_item_t *it, struct vx_buf *out)
{
    bool text = cbor_isa_string(it);
    if (!text && !cbor_isa_bytestring(it))
        return VX_EINVAL;
    bool definite = text ? cbor_string_is_definite(it) : cbor_bytestring_is_definite(it);
    if (definite) {
        size_t n = text ? cbor_string_length(it) : cbor_bytestring_length(it);
        const unsigned char *h = text ? cbor_string_handle(it) : cbor_bytestring_handle(it);
        return vx_buf_append(out, h ? (const void *)h : "", n) ? VX_ENOMEM : VX_OK;
    }
    size_t nc = text ? cbor_string_chunk_count(it) : cbor_bytestring_chunk_count(it);
    cbor_item_t **ch = text ? cbor_string_chunks_handle(it) : cbor_bytestring_chunks_handle(it);
    if (vx_buf_append(out, "", 0))
        return VX_ENOMEM;
    for (size_t i = 0; i < nc; i++) {
        enum vx_status st = cert_cbor_string(ch[i], out);
        if (st)
            return st;
    }
    return VX_OK;
}

bool cert_cbor_int(const cbor_item_t *it, int64_t *v)
{
    if (!it || !cbor_is_int(it))
        return false;
    uint64_t m = cbor_get_int(it);
    if (m > (uint64_t)INT64_MAX)
        return false;
    *v = cbor_isa_uint(it) ? (int64_t)m : -1 - (int64_t)m;
    return true;
}

cbor_item_t *cert_cbor_map_int(const cbor_item_t *map, int64_t key)
{
    if (!map || !cbor_isa_map(map))
        return NULL;
    struct cbor_pair *p = cbor_map_handle(map);
    size_t n = cbor_map_size(map);
    for (size_t i = 0; i < n; i++) {
        int64_t k;
        if (cert_cbor_int(p[i].key, &k) && k == key)
            return p[i].value;
    }
    return NULL;
}

cbor_item_t *cert_cbor_build_int(int64_t v)
{
    uint64_t m = v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v);
    cbor_item_t *it;
    if (m <= 0xff)
        it = v >= 0 ? cbor_build_uint8((uint8_t)m) : cbor_build_negint8((uint8_t)m);
    else if (m <= 0xffff)
        it = v >= 0 ? cbor_build_uint16((uint16_t)m) : cbor_build_negint16((uint16_t)m);
    else if (m <= 0xffffffffu)
        it = v >= 0 ? cbor_build_uint32((uint32_t)m) : cbor_build_negint32((uint32_t)m);
    else
        it = v >= 0 ? cbor_build_uint64(m) : cbor_build_negint64(m);
    return it;
}

const cbor_item_t *cert_cbor_tag_inner(const cbor_item_t *tag)
{
    /* cbor_tag_item() increments the reference count; the tag keeps its own
     * reference, so dropping ours at once leaves a valid borrowed pointer */
    cbor_item_t *in = cbor_tag_item(tag);
    cbor_item_t *drop = in;
    cbor_decref(&drop);
    return in;
}

const cbor_item_t *cert_cbor_untag(const cbor_item_t *it)
{
    int guard = 0;
    while (it && cbor_isa_tag(it)) {
        if (guard++ == 8)
            return NULL;
        it = cert_cbor_tag_inner(it);
    }
    return it;
}

/*
 * libcbor 0.8 (Debian 12) refuses the one-byte tag heads 0xc6..0xd4 (tags 6..20) as
 * malformed, and COSE_Sign1 is tag 18 = 0xd2. Before loading, the input is copied
 * with every such head widened to the equivalent two-byte form 0xd8 <tag>, which
 * libcbor accepts; the walk doubles as a well-formedness check. Byte and text string
 * contents are copied untouched, so signed bytes inside them are never altered.
 */
static bool widen(const uint8_t *in, size_t n, size_t *pos, struct vx_buf *out, int depth)
{
    if (*pos >= n || depth > 64)
        return false;
    uint8_t ib = in[*pos];
    unsigned major = ib >> 5, ai = ib & 31u;
    uint64_t arg = ai;
    size_t hl = 1;
    if (ai >= 24 && ai <= 27) {
        size_t k = (size_t)1 << (ai - 24);
        if (n - *pos < 1 + k)
            return false;
        arg = 0;
        for (size_t i = 0; i < k; i++)
            arg = arg << 8 | in[*pos + 1 + i];
        hl = 1 + k;
    } else if (ai >= 28 && ai <= 30) {
        return false;
    } else if (ai == 31 && (major < 2 || major == 6 || major == 7)) {
        return false; /* indefinite length only for strings, arrays, maps */
    }
    if (major == 6 && ai >= 6 && ai <= 20) {
        uint8_t wide[2] = {0xd8, (uint8_t)ai};
        if (vx_buf_append(out, wide, 2))
            return false;
    } else if (vx_buf_append(out, in + *pos, hl)) {
        return false;
    }
    *pos += hl;
    if (major <= 1 || major == 7)
        return true;
    if (ai == 31) { /* indefinite: items until the break 0xff */
        for (;;) {
            if (*pos >= n)
                return false;
            if (in[*pos] == 0xff) {
                (*pos)++;
                return vx_buf_append(out, "\xff", 1) == VX_OK;
            }
            if ((major == 2 || major == 3) && (in[*pos] >> 5) != major)
                return false; /* string chunks must be of the same major type */
            if (!widen(in, n, pos, out, depth + 1))
                return false;
            if (major == 5 && !widen(in, n, pos, out, depth + 1))
                return false;
        }
    }
    if (major == 2 || major == 3) {
        if (arg > n - *pos || vx_buf_append(out, in + *pos, (size_t)arg))
            return false;
        *pos += (size_t)arg;
        return true;
    }
    if (major == 6)
        return widen(in, n, pos, out, depth + 1);
    uint64_t items = major == 5 ? arg * 2 : arg;
    if (arg > n || items > n - *pos) /* every item takes at least one byte */
        return false;
    for (uint64_t i = 0; i < items; i++)
        if (!widen(in, n, pos, out, depth + 1))
            return false;
    return true;
}

cbor_item_t *cert_cbor_load(const uint8_t *data, size_t n, struct vx_err *err)
{
    if (n == 0) {
        vx_err_set(err, VX_EPARSE, "CBOR: no data");
        return NULL;
    }
    struct vx_buf w;
    size_t pos = 0;
    vx_buf_init(&w, n + n / 2 + 16);
    if (!widen(data, n, &pos, &w, 0)) {
        vx_buf_release(&w);
        vx_err_set(err, VX_EPARSE, "CBOR: malformed or truncated item");
        return NULL;
    }
    if (pos != n) {
        vx_buf_release(&w);
        vx_err_set(err, VX_EPARSE, "CBOR: %zu bytes after the item", n - pos);
        return NULL;
    }
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load((const unsigned char *)w.data, w.len, &res);
    size_t wlen = w.len;
    vx_buf_release(&w);
    if (!it || res.error.code != CBOR_ERR_NONE || res.read != wlen) {
        static const char *const why[] = {"ok",        "not enough data", "no data",
                                          "malformed", "out of memory",   "syntax error"};
        unsigned c = (unsigned)res.error.code;
        vx_err_set(err, VX_EPARSE, "CBOR: %s", c < 6 ? why[c] : "error");
        if (it)
            cbor_decref(&it);
        return NULL;
    }
    return it;
}

enum vx_status cert_cbor_serialize(const cbor_item_t *it, struct vx_buf *out)
{
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(it, &buf, &cap);
    if (n == 0) {
        free(buf);
        return VX_ENOMEM;
    }
    enum vx_status st = vx_buf_append(out, buf, n) ? VX_ENOMEM : VX_OK;
    free(buf);
    return st;
}

/* ------------------------------------------------------------ CBOR <-> JSON */

static cJSON *string_to_json(const cbor_item_t *it, struct vx_err *err)
{
    struct vx_buf b;
    vx_buf_init(&b, VX_CERT_MAX_COSE);
    if (cert_cbor_string(it, &b)) {
        vx_buf_release(&b);
        vx_err_set(err, VX_ENOMEM, "CBOR: string too long");
        return NULL;
    }
    cJSON *j;
    if (cbor_isa_string(it)) {
        if (memchr(b.data, '\0', b.len)) {
            vx_buf_release(&b);
            vx_err_set(err, VX_EPARSE, "CBOR: text string holds a NUL byte");
            return NULL;
        }
        j = cJSON_CreateString(b.data);
    } else {
        char *hex = malloc(b.len * 2 + 1);
        if (!hex) {
            vx_buf_release(&b);
            return NULL;
        }
        cert_hex_encode((const uint8_t *)b.data, b.len, hex);
        j = cJSON_CreateString(hex);
        free(hex);
    }
    vx_buf_release(&b);
    return j;
}

static bool key_text(const cbor_item_t *k, char *out, size_t cap, struct vx_err *err)
{
    k = cert_cbor_untag(k);
    int64_t v;
    if (cert_cbor_int(k, &v)) {
        snprintf(out, cap, "%lld", (long long)v);
        return true;
    }
    if (k && cbor_isa_string(k)) {
        struct vx_buf b;
        vx_buf_init(&b, cap - 1);
        bool ok = cert_cbor_string(k, &b) == VX_OK && !memchr(b.data, '\0', b.len);
        if (ok)
            memcpy(out, b.data, b.len + 1);
        vx_buf_release(&b);
        if (!ok)
            vx_err_set(err, VX_EPARSE, "CBOR: map key too long or not text");
        return ok;
    }
    vx_err_set(err, VX_EPARSE, "CBOR: map key is neither text nor an integer");
    return false;
}

cJSON *cert_cbor_to_json(const cbor_item_t *it, int depth, struct vx_err *err)
{
    if (depth > CERT_MAX_DEPTH) {
        vx_err_set(err, VX_EPARSE, "CBOR: nested deeper than %d", CERT_MAX_DEPTH);
        return NULL;
    }
    it = cert_cbor_untag(it);
    if (!it) {
        vx_err_set(err, VX_EPARSE, "CBOR: tags nested too deep");
        return NULL;
    }
    int64_t iv;
    switch (cbor_typeof(it)) {
    case CBOR_TYPE_UINT:
    case CBOR_TYPE_NEGINT:
        if (!cert_cbor_int(it, &iv)) {
            vx_err_set(err, VX_EPARSE, "CBOR: integer out of range");
            return NULL;
        }
        return cJSON_CreateNumber((double)iv);
    case CBOR_TYPE_BYTESTRING:
    case CBOR_TYPE_STRING:
        return string_to_json(it, err);
    case CBOR_TYPE_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        size_t n = cbor_array_size(it);
        cbor_item_t **h = cbor_array_handle(it);
        for (size_t i = 0; a && i < n; i++) {
            cJSON *c = cert_cbor_to_json(h[i], depth + 1, err);
            if (!c) {
                cJSON_Delete(a);
                return NULL;
            }
            cJSON_AddItemToArray(a, c);
        }
        return a;
    }
    case CBOR_TYPE_MAP: {
        cJSON *o = cJSON_CreateObject();
        size_t n = cbor_map_size(it);
        struct cbor_pair *p = cbor_map_handle(it);
        for (size_t i = 0; o && i < n; i++) {
            char key[256];
            if (!key_text(p[i].key, key, sizeof key, err)) {
                cJSON_Delete(o);
                return NULL;
            }
            if (cJSON_GetObjectItemCaseSensitive(o, key)) {
                vx_err_set(err, VX_EPARSE, "CBOR: duplicate map key '%s'", key);
                cJSON_Delete(o);
                return NULL;
            }
            cJSON *c = cert_cbor_to_json(p[i].value, depth + 1, err);
            if (!c) {
                cJSON_Delete(o);
                return NULL;
            }
            cJSON_AddItemToObject(o, key, c);
        }
        return o;
    }
    case CBOR_TYPE_FLOAT_CTRL:
        if (cbor_is_float(it))
            return cJSON_CreateNumber(cbor_float_get_float(it));
        if (cbor_is_bool(it))
            return cJSON_CreateBool(cbor_get_bool(it));
        if (cbor_is_null(it))
            return cJSON_CreateNull();
        vx_err_set(err, VX_EPARSE, "CBOR: undefined or simple value");
        return NULL;
    default:
        vx_err_set(err, VX_EPARSE, "CBOR: unsupported item");
        return NULL;
    }
}

cbor_item_t *cert_json_to_cbor(const cJSON *j, int depth)
{
    if (!j || depth > CERT_MAX_DEPTH)
        return NULL;
    if (cJSON_IsString(j))
        return cbor_build_string(j->valuestring);
    if (cJSON_IsBool(j))
        return cbor_build_bool(cJSON_IsTrue(j));
    if (cJSON_IsNull(j))
        return cbor_new_null();
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            return cert_cbor_build_int((int64_t)d);
        return cbor_build_float8(d);
    }
    if (cJSON_IsArray(j)) {
        cbor_item_t *a = cbor_new_definite_array((size_t)cJSON_GetArraySize(j));
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            cbor_item_t *ci = a ? cert_json_to_cbor(c, depth + 1) : NULL;
            if (!ci || !cbor_array_push(a, ci)) {
                if (ci)
                    cbor_decref(&ci);
                if (a)
                    cbor_decref(&a);
                return NULL;
            }
            cbor_decref(&ci); /* the array holds its own reference */
        }
        return a;
    }
    if (cJSON_IsObject(j)) {
        cbor_item_t *m = cbor_new_definite_map((size_t)cJSON_GetArraySize(j));
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            cbor_item_t *k = m ? cbor_build_string(c->string) : NULL;
            cbor_item_t *v = k ? cert_json_to_cbor(c, depth + 1) : NULL;
            bool ok = v && cbor_map_add(m, (struct cbor_pair){.key = k, .value = v});
            if (k)
                cbor_decref(&k);
            if (v)
                cbor_decref(&v);
            if (!ok) {
                if (m)
                    cbor_decref(&m);
                return NULL;
            }
        }
        return m;
    }
    return NULL;
}

enum vx_status vx_cert_dcc_to_cbor(const cJSON *dcc, struct vx_buf *out, struct vx_err *err)
{
    cbor_item_t *it = cert_json_to_cbor(dcc, 0);
    if (!it)
        return vx_err_set(err, VX_EINVAL, "DCC cannot be encoded as CBOR");
    enum vx_status st = cert_cbor_serialize(it, out);
    cbor_decref(&it);
    return st ? vx_err_set(err, st, "CBOR: out of memory") : VX_OK;
}

enum vx_status vx_cert_cbor_to_dcc(const uint8_t *cbor, size_t n, cJSON **out, struct vx_err *err)
{
    *out = NULL;
    cbor_item_t *root = cert_cbor_load(cbor, n, err);
    if (!root)
        return VX_EPARSE;
    const cbor_item_t *it = cert_cbor_untag(root);
    enum vx_status st = VX_OK;
    if (!it || !cbor_isa_map(it)) {
        st = vx_err_set(err, VX_EPARSE, "CBOR: DCC is not a map");
        goto out;
    }
    const cbor_item_t *hcert = cert_cbor_map_int(it, -260);
    if (hcert) { /* a whole CWT claims map */
        it = cert_cbor_map_int(cert_cbor_untag(hcert), 1);
        if (!it) {
            st = vx_err_set(err, VX_EPARSE, "CWT: hcert (-260) holds no DCC (1)");
            goto out;
        }
        it = cert_cbor_untag(it);
        if (!it || !cbor_isa_map(it)) {
            st = vx_err_set(err, VX_EPARSE, "CWT: the DCC is not a map");
            goto out;
        }
    }
    *out = cert_cbor_to_json(it, 0, err);
    if (!*out)
        st = err && err->status ? err->status : VX_EPARSE;
out:
    cbor_decref(&root);
    return st;
}

/* -------------------------------------------------------- semantic compare */

static bool strings_equal(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    vx_time ta, tb;
    long fa, fb;
    return cert_time_parse(a, &ta, &fa) && cert_time_parse(b, &tb, &fb) && ta == tb && fa == fb;
}

static bool equal_at(const cJSON *a, const cJSON *b, char *path, size_t cap, size_t plen, int depth)
{
    if (depth > CERT_MAX_DEPTH * 2)
        return false;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return false;
        const cJSON *c;
        cJSON_ArrayForEach(c, a)
        {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(b, c->string);
            if (path)
                snprintf(path + plen, cap - plen, "/%s", c->string);
            size_t nl = path ? strlen(path) : 0;
            if (!d || !equal_at(c, d, path, cap, nl, depth + 1))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int n = cJSON_GetArraySize(a);
        if (n != cJSON_GetArraySize(b))
            return false;
        for (int i = 0; i < n; i++) {
            if (path)
                snprintf(path + plen, cap - plen, "/%d", i);
            size_t nl = path ? strlen(path) : 0;
            if (!equal_at(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), path, cap, nl,
                          depth + 1))
                return false;
        }
        return true;
    }
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strings_equal(a->valuestring, b->valuestring);
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

bool vx_cert_dcc_equal(const cJSON *a, const cJSON *b, char *where, size_t cap)
{
    char path[256] = "";
    bool eq = a && b && equal_at(a, b, path, sizeof path, 0, 0);
    if (where && cap) {
        snprintf(where, cap, "%s", eq ? "" : (path[0] ? path : "/"));
    }
    return eq;
}
