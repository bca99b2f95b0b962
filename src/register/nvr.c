/*
 * nvr.c — the record layout of the national vaccination register's daily file.
 *
 * The NVR file (docs/register-export.md) is UTF-8 text, ';'-separated, one header
 * line, one line per change, and a trailer line that carries the record count and the
 * SHA-256 of every byte before it, so the receiver can tell a complete file from a
 * truncated one. Fields that hold ';', '"' or a line break are quoted RFC 4180 style
 * (only free text can: lot, vaccinator, void reason). Times are Stockholm local time
 * with the offset, as the register reads them.
 *
 * Pure formatting: the exporter (export.c) does the file and the store.
 */
#include <stdio.h>
#include <string.h>
#include "vx/regx.h"

static const char nvr_header[] = "seq;action;dose_id;version;personnummer;vaccine;lot;"
                                 "dose_number;given_at;care_unit;region;kommun;vaccinator;"
                                 "source;void_reason";

const char *vx_nvr_header(void)
{
    return nvr_header;
}

/* Append `s` as one field: quoted when it holds the separator, a quote or a break. */
static enum vx_status field(struct vx_buf *out, const char *s, char after)
{
    enum vx_status rc;
    if (strpbrk(s, ";\"\r\n") == NULL) {
        rc = vx_buf_puts(out, s);
    } else {
        rc = vx_buf_append(out, "\"", 1);
        for (const char *p = s; rc == VX_OK && *p; p++)
            rc = *p == '"' ? vx_buf_append(out, "\"\"", 2) : vx_buf_append(out, p, 1);
        if (rc == VX_OK)
            rc = vx_buf_append(out, "\"", 1);
    }
    return rc == VX_OK ? vx_buf_append(out, &after, 1) : rc;
}

enum vx_status vx_nvr_row(const struct vx_regx_change_rec *c, struct vx_buf *out)
{
    const struct vx_dose_rec *d = &c->dose;
    char when[32];
    vx_time_format_local(d->given_at, when);
    size_t mark = out->len;
    enum vx_status rc = vx_buf_printf(out, "%lld;%s;%lld;%d;%s;%s;", (long long)c->seq,
                                      vx_regx_action_code(c->action), (long long)d->id, d->version,
                                      c->pnr, d->vaccine);
    if (rc == VX_OK)
        rc = field(out, d->lot_number, ';');
    if (rc == VX_OK)
        rc = vx_buf_printf(out, "%d;%s;", d->dose_number, when);
    if (rc == VX_OK)
        rc = field(out, c->site_code, ';');
    if (rc == VX_OK)
        rc = vx_buf_printf(out, "%s;%s;", d->region, d->kommun);
    if (rc == VX_OK)
        rc = field(out, d->vaccinator, ';');
    if (rc == VX_OK)
        rc = field(out, d->source, ';');
    if (rc == VX_OK)
        rc = field(out, c->action == VX_REGX_VOID ? d->void_reason : "", '\n');
    if (rc != VX_OK)
        out->len = mark; /* nothing half-written */
    return rc;
}

enum vx_status vx_nvr_trailer(int64_t count, const char *sha256_hex, struct vx_buf *out)
{
    return vx_buf_printf(out, "#END;%lld;%s\n", (long long)count, sha256_hex);
}

char *vx_nvr_file_name(vx_day day, int day_no, char *buf, size_t len)
{
    struct vx_ymd y = vx_ymd_from_day(day);
    snprintf(buf, len, "NVR_%04d%02d%02d_%04d.csv", y.year, y.month, y.day, day_no);
    return buf;
}
