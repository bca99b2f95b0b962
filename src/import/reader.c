/*
 * reader.c — streaming CSV records from a FILE.
 *
 * Design: one buffer of CHUNK + max_record bytes is filled with fread(); records are
 * found and split in place inside it, so a record that fits (all of them, in a
 * normal file) is never copied. To find the end of a record we look for '\n' with
 * memchr() and count the quotes of each line (a line ending inside a quoted field
 * continues the record, as RFC 4180 allows); memchr is fast and a typical row has no
 * quote at all. When the buffer ends before the record does, the unread tail is
 * moved to the front and the rest of the buffer refilled; since a record is at most
 * max_record bytes, at least CHUNK bytes are always free after the move.
 *
 * vx_csv_split() may write one NUL just past a record that has no final newline
 * (the last one of a file), so the buffer has one spare byte.
 */
#include <stdlib.h>
#include <string.h>
#include "vx/csv.h"
#include "vx/import.h"

enum vx_status vx_csv_reader_init(struct vx_csv_reader *r, FILE *f, size_t max_record)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->sep = ',';
    r->line = 1;
    if (max_record == 0)
        max_record = VX_CSV_MAX_RECORD;
    if (max_record > VX_CSV_MAX_RECORD_LIMIT)
        return VX_ENOMEM;
    r->max_record = max_record;
    r->cap = VX_CSV_READER_CHUNK + max_record;
    r->buf = malloc(r->cap + 1);
    if (!r->buf) {
        r->cap = 0;
        return VX_ENOMEM;
    }
    return VX_OK;
}

void vx_csv_reader_release(struct vx_csv_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->len = r->pos = 0;
}

/* Move buf[pos..len) to the front and read more. VX_OK also at end of file. */
static enum vx_status refill(struct vx_csv_reader *r, struct vx_err *err)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    while (!r->eof && r->len < r->cap) {
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        r->len += got;
        if (got == 0) {
            if (ferror(r->f))
                return vx_err_set(err, VX_EIO, "line %ld: read error", r->line);
            r->eof = true;
        } else {
            break;
        }
    }
    return VX_OK;
}

static enum vx_status too_long(struct vx_csv_reader *r, struct vx_err *err)
{
    return vx_err_set(err, VX_ENOMEM,
                      "line %ld: record longer than %zu bytes (unterminated quote?)", r->line,
                      r->max_record);
}

enum vx_status vx_csv_reader_next(struct vx_csv_reader *r, bool *got, struct vx_err *err)
{
    enum vx_status s;
    *got = false;
    r->nfields = 0;
    if (!r->buf)
        return vx_err_set(err, VX_ENOMEM, "reader not initialised");
    if (!r->started) {
        while (!r->eof && r->len - r->pos < 3)
            if ((s = refill(r, err)) != VX_OK)
                return s;
        if (r->len - r->pos >= 3 && !memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3)) {
            r->pos += 3;
            r->consumed += 3;
        }
        r->started = true;
    }
    for (;;) {
        size_t i = r->pos; /* scan cursor; buf[pos..i) is scanned */
        bool inq = false;
        long nl = 0;
        size_t end; /* one past the record (after its '\n' if any) */
        for (;;) {
            char *nlp = memchr(r->buf + i, '\n', r->len - i);
            size_t stop = nlp ? (size_t)(nlp - r->buf) : r->len;
            for (char *q = memchr(r->buf + i, '"', stop - i); q;
                 q = memchr(q + 1, '"', stop - (size_t)(q + 1 - r->buf)))
                inq = !inq;
            if (nlp) {
                nl++;
                i = stop + 1;
                if (i - r->pos > r->max_record)
                    return too_long(r, err);
                if (!inq) {
                    end = i;
                    break;
                }
                continue;
            }
            i = r->len;
            if (i - r->pos > r->max_record)
                return too_long(r, err);
            if (r->eof) {
                if (r->pos == r->len)
                    return VX_OK; /* end of file */
                end = r->len;
                nl++;
                break;
            }
            size_t shift = r->pos;
            if ((s = refill(r, err)) != VX_OK)
                return s;
            i -= shift;
        }
        char *rec = r->buf + r->pos;
        size_t n = end - r->pos;
        r->rec_line = r->line;
        r->rec_lines = nl;
        r->line += nl;
        r->pos = end;
        r->consumed += (long long)n;
        size_t body = n;
        if (body > 0 && rec[body - 1] == '\n')
            body--;
        if (body > 0 && rec[body - 1] == '\r')
            body--;
        if (body == 0)
            continue; /* blank line */
        if (memchr(rec, '\0', body))
            return vx_err_set(err, VX_EINVAL, "NUL byte in record");
        s = vx_csv_split(rec, n, r->sep, r->fields, VX_CSV_MAX_FIELDS, &r->nfields, err);
        if (s != VX_OK) {
            r->nfields = 0;
            return s == VX_ERANGE ? VX_EINVAL : s;
        }
        *got = true;
        return VX_OK;
    }
}
