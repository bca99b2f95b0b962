/*
 * csv.c — RFC 4180 record splitting in place.
 *
 * Design: the reader (src/import/reader.c) collects physical lines until
 * vx_csv_needs_more() is false, then calls vx_csv_split(), which walks the record
 * once, writing unquoted field text over the input and NUL-terminating each field.
 * Since unquoting only ever shortens text, the write cursor never passes the read
 * cursor. A quote may only open a field; text after a closing quote other than the
 * separator or end of record is an error (it is usually a broken export).
 */
#include <string.h>
#include "vx/csv.h"

bool vx_csv_needs_more(const char *rec, size_t len)
{
    bool inq = false;
    for (size_t i = 0; i < len; i++)
        if (rec[i] == '"')
            inq = !inq;
    return inq;
}

enum vx_status vx_csv_split(char *rec, size_t len, char sep, char **fields, int max, int *n,
                            struct vx_err *err)
{
    if (len > 0 && rec[len - 1] == '\n')
        len--;
    if (len > 0 && rec[len - 1] == '\r')
        len--;
    size_t r = 0, w = 0;
    int nf = 0;
    *n = 0;
    for (;;) {
        if (nf >= max)
            return vx_err_set(err, VX_ERANGE, "more than %d columns", max);
        char *start = rec + w;
        fields[nf++] = start;
        if (r < len && rec[r] == '"') {
            r++;
            for (;;) {
                if (r >= len)
                    return vx_err_set(err, VX_EINVAL, "column %d: unterminated quoted field", nf);
                if (rec[r] == '"') {
                    if (r + 1 < len && rec[r + 1] == '"') {
                        rec[w++] = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                rec[w++] = rec[r++];
            }
            if (r < len && rec[r] != sep)
                return vx_err_set(err, VX_EINVAL,
                                  "column %d: unexpected character after closing quote", nf);
        } else {
            while (r < len && rec[r] != sep) {
                if (rec[r] == '"')
                    return vx_err_set(err, VX_EINVAL, "column %d: quote inside an unquoted field",
                                      nf);
                rec[w++] = rec[r++];
            }
        }
        if (r >= len) {
            rec[w] = '\0';
            break;
        }
        /* rec[r] is the separator */
        rec[w++] = '\0';
        r++;
    }
    *n = nf;
    return VX_OK;
}
