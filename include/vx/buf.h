/*
 * buf.h — growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * For anything sized by untrusted input: appends fail with VX_ENOMEM once
 * `max` would be exceeded instead of growing without bound. The contents are
 * always NUL-terminated so `b->data` can be used as a C string.
 */
#ifndef VX_BUF_H
#define VX_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "vx/status.h"

struct vx_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard maximum length in bytes */
};

void vx_buf_init(struct vx_buf *b, size_t max);
/* Free the contents; the buffer is left empty and reusable. */
void vx_buf_release(struct vx_buf *b);
/* Keep the allocation, set length 0. */
void vx_buf_clear(struct vx_buf *b);
enum vx_status vx_buf_append(struct vx_buf *b, const void *p, size_t n);
enum vx_status vx_buf_puts(struct vx_buf *b, const char *s);
enum vx_status vx_buf_printf(struct vx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum vx_status vx_buf_vprintf(struct vx_buf *b, const char *fmt, va_list ap);
/* Transfer ownership of the data to the caller (NUL-terminated, maybe ""). */
char *vx_buf_detach(struct vx_buf *b);

/* The decimal text of v into out (at most 20 characters and the NUL); returns out.
 * For hot paths where snprintf's format parsing shows in profiles. */
char *vx_i64_text(int64_t v, char out[21]);

/* Value 0..15 of the hexadecimal digit c (either case), -1 if c is not one. */
int vx_hex_digit(char c);

#endif
