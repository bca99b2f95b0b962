/*
 * export_dir.c — the folder transport of the HL7 exporter (`vaxchain register export
 * --register hl7 --out DIR`).
 *
 * Each message is written atomically (tmp + fsync + rename) to DIR/<control id>.hl7.
 * A resend after a crash writes the same name with the same bytes, so the folder
 * itself is an idempotent receiver. The transport answers with its own AA ACK: the
 * file drop is the delivery, and whoever collects the folder owns the next hop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "register_int.h"
#include "vx/regx.h"

enum vx_status vx_regx_dir_send(void *ctx, const char *control_id, const char *msg, size_t len,
                                struct vx_buf *ack, struct vx_err *err)
{
    const struct vx_regx_dir_transport *t = ctx;
    char tmp[4200], path[4200];
    for (const char *p = control_id; *p; p++)
        if (*p == '/' || (*p == '.' && p == control_id))
            return vx_err_set(err, VX_EINVAL, "control id unfit for a file name");
    int n1 = snprintf(tmp, sizeof tmp, "%s/.%s.tmp", t->dir, control_id);
    int n2 = snprintf(path, sizeof path, "%s/%s.hl7", t->dir, control_id);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tmp || (size_t)n2 >= sizeof path)
        return vx_err_set(err, VX_EINVAL, "folder name too long");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return vx_err_set(err, VX_EIO, "%s: %s", tmp, strerror(errno));
    bool ok = fwrite(msg, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return vx_err_set(err, VX_EIO, "%s: %s", path, strerror(e));
    }
    char now[40];
    reg_hl7_dtm(t->now, now);
    return vx_buf_printf(ack,
                         "MSH|^~\\&|FOLDER||VAXCHAIN||%s||ACK^V04^ACK|A%s|P|2.5.1\rMSA|AA|%s\r",
                         now, control_id, control_id);
}
