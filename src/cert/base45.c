/*
 * base45.c — RFC 9285 base45, the text encoding of HC1 certificates.
 *
 * Base45 maps two bytes (a value 0..65535) onto three characters of the 45-character
 * QR alphanumeric set, least significant digit first, and a lone trailing byte onto
 * two. Because the alphabet is exactly QR's alphanumeric mode, a QR code stores it at
 * 5.5 bits a character instead of 8. Decoding is strict: a character outside the
 * alphabet, a length of 1 mod 3, and a group whose value does not fit its byte count
 * (a triple above 65535, a pair above 255) are errors, since a lenient decoder would
 * let two texts denote the same certificate.
 */
#include <string.h>
#include "vx/cert.h"

static const char alphabet[45] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* Value of each byte in the alphabet, or -1 (the inverse of `alphabet`; a constant
 * table so that decoding is thread-safe with no initialisation). */
static const signed char values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, 36, -1, -1, -1, 37, 38, -1, -1, -1, -1, 39, 40, -1, 41, 42, 43,
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  44, -1, -1, -1, -1, -1, -1, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int value_of(unsigned char c)
{
    return values[c];
}

enum vx_status vx_base45_encode(const uint8_t *in, size_t n, struct vx_buf *out)
{
    char chunk[96];
    size_t used = 0;
    for (size_t i = 0; i < n; i += 2) {
        if (i + 1 < n) {
            unsigned v = (unsigned)in[i] * 256u + in[i + 1];
            chunk[used++] = alphabet[v % 45];
            chunk[used++] = alphabet[(v / 45) % 45];
            chunk[used++] = alphabet[v / 2025];
        } else {
            unsigned v = in[i];
            chunk[used++] = alphabet[v % 45];
            chunk[used++] = alphabet[v / 45];
        }
        if (used > sizeof chunk - 3) {
            if (vx_buf_append(out, chunk, used) != VX_OK)
                return VX_ENOMEM;
            used = 0;
        }
    }
    /* also when used == 0: the buffer then holds "" rather than NULL */
    return vx_buf_append(out, chunk, used) == VX_OK ? VX_OK : VX_ENOMEM;
}

enum vx_status vx_base45_decode(const char *in, size_t n, struct vx_buf *out, struct vx_err *err)
{
    if (n % 3 == 1)
        return vx_err_set(err, VX_EINVAL, "base45: length %zu is 1 modulo 3", n);
    uint8_t chunk[64];
    size_t used = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t k = n - i >= 3 ? 3 : 2;
        int d[3] = {0, 0, 0};
        for (size_t j = 0; j < k; j++) {
            d[j] = value_of((unsigned char)in[i + j]);
            if (d[j] < 0)
                return vx_err_set(err, VX_EINVAL,
                                  "base45: character 0x%02x at offset %zu is not in the alphabet",
                                  (unsigned char)in[i + j], i + j);
        }
        unsigned v = (unsigned)d[0] + (unsigned)d[1] * 45u + (unsigned)d[2] * 2025u;
        if (k == 3) {
            if (v > 0xffff)
                return vx_err_set(err, VX_EINVAL, "base45: group at offset %zu exceeds 65535", i);
            chunk[used++] = (uint8_t)(v >> 8);
            chunk[used++] = (uint8_t)(v & 0xff);
        } else {
            if (v > 0xff)
                return vx_err_set(err, VX_EINVAL, "base45: final pair at offset %zu exceeds 255",
                                  i);
            chunk[used++] = (uint8_t)v;
        }
        if (used > sizeof chunk - 2) {
            if (vx_buf_append(out, chunk, used) != VX_OK)
                return vx_err_set(err, VX_ENOMEM, "base45: output too large");
            used = 0;
        }
    }
    if (vx_buf_append(out, chunk, used) != VX_OK)
        return vx_err_set(err, VX_ENOMEM, "base45: output too large");
    return VX_OK;
}
