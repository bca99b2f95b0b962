/*
 * buf.c — growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * Capacity doubles from 64 bytes; any append that would pass `max` fails with
 * VX_ENOMEM and leaves the buffer as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/buf.h"

void vx_buf_init(struct vx_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void vx_buf_release(struct vx_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void vx_buf_clear(struct vx_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static enum vx_status buf_reserve(struct vx_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return VX_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return VX_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return VX_ENOMEM;
    b->data = p;
    b->cap = cap;
    return VX_OK;
}

enum vx_status vx_buf_append(struct vx_buf *b, const void *p, size_t n)
{
    enum vx_status st = buf_reserve(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VX_OK;
}

enum vx_status vx_buf_puts(struct vx_buf *b, const char *s)
{
    return vx_buf_append(b, s, strlen(s));
}

enum vx_status vx_buf_vprintf(struct vx_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return VX_EINVAL;
    enum vx_status st = buf_reserve(b, (size_t)n);
    if (st)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return VX_OK;
}

enum vx_status vx_buf_printf(struct vx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum vx_status st = vx_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

char *vx_buf_detach(struct vx_buf *b)
{
    char *p = b->data;
    if (!p) {
        p = malloc(1);
        if (p)
            p[0] = '\0';
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

int vx_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *vx_i64_text(int64_t v, char out[21])
{
    char t[20];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        t[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    char *p = out;
    if (v < 0)
        *p++ = '-';
    while (n > 0)
        *p++ = t[--n];
    *p = '\0';
    return out;
}
