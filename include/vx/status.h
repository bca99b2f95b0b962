/*
 * status.h — the one error enum of vaxchain.
 *
 * Every fallible function returns an `enum vx_status`: VX_OK (0) on success and a
 * negative value on failure, in the style of curl's CURLcode and libuv's negative
 * error codes. Library errors (SQLite, libc, cJSON) are converted into one of these
 * at the module boundary, together with a human-readable message kept by the caller
 * (see `struct vx_err`). The HTTP layer maps statuses to problem+json in one table.
 */
#ifndef VX_STATUS_H
#define VX_STATUS_H

#include <stddef.h>

enum vx_status {
    VX_OK = 0,
    VX_EINVAL = -1,    /* bad input (caller's data), message says which field */
    VX_ENOMEM = -2,    /* allocation failed or a hard size limit was reached */
    VX_EIO = -3,       /* file or device error */
    VX_ENOTFOUND = -4, /* the thing asked for does not exist */
    VX_EEXIST = -5,    /* unique constraint: the thing already exists */
    VX_ESTORE = -6,    /* storage backend failure (SQLite, PostgreSQL) */
    VX_ECONFLICT = -7, /* state does not allow the operation now */
    VX_EDENIED = -8,   /* not allowed for this role */
    VX_ERANGE = -9,    /* value outside the allowed range */
    VX_EPARSE = -10,   /* malformed data file (JSON, CSV) */
    VX_EBUSY = -11,    /* resource busy, retry later */
    VX_EINTERNAL = -12 /* a bug: an invariant did not hold */
};

/* Stable short name of a status ("invalid input", ...). Never NULL; static storage. */
const char *vx_strerror(enum vx_status st);

/*
 * A status plus a message, filled by functions that can say more than the code.
 * Caller-owned, usually on the stack. `msg` is always NUL-terminated.
 */
struct vx_err {
    enum vx_status status;
    char msg[256];
};

/* Set `err` (may be NULL) to `st` with a printf-style message; returns `st`. */
enum vx_status vx_err_set(struct vx_err *err, enum vx_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
