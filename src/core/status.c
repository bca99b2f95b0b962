/*
 * status.c — names of the vaxchain status codes and the vx_err helper.
 *
 * The table is indexed by the negated status so that adding a code is one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include "vx/status.h"

static const char *const status_names[] = {
    [0] = "ok",
    [-VX_EINVAL] = "invalid input",
    [-VX_ENOMEM] = "out of memory or size limit reached",
    [-VX_EIO] = "input/output error",
    [-VX_ENOTFOUND] = "not found",
    [-VX_EEXIST] = "already exists",
    [-VX_ESTORE] = "storage error",
    [-VX_ECONFLICT] = "conflict with current state",
    [-VX_EDENIED] = "permission denied",
    [-VX_ERANGE] = "value out of range",
    [-VX_EPARSE] = "malformed data",
    [-VX_EBUSY] = "busy, try again",
    [-VX_EINTERNAL] = "internal error",
};

const char *vx_strerror(enum vx_status st)
{
    int i = -(int)st;
    if (i < 0 || (size_t)i >= VX_ARRAY_LEN(status_names) || !status_names[i])
        return "unknown status";
    return status_names[i];
}

enum vx_status vx_err_set(struct vx_err *err, enum vx_status st, const char *fmt, ...)
{
    if (!err)
        return st;
    err->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return st;
}
