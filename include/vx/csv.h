/*
 * csv.h — RFC 4180 record splitting (pure; the file reading lives in src/import).
 *
 * A record is one line, or several when a quoted field contains line breaks.
 * vx_csv_needs_more() tells a line reader whether the text so far ends inside a
 * quoted field; vx_csv_split() then splits a complete record in place.
 */
#ifndef VX_CSV_H
#define VX_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include "vx/status.h"

#define VX_CSV_MAX_FIELDS 64

/* True when `rec[0..len)` ends inside an open quoted field. */
bool vx_csv_needs_more(const char *rec, size_t len);

/*
 * Split the complete record rec[0..len) (rec[len] must be writable, e.g. the NUL
 * of a C string) in place at `sep` (',' or ';'). A trailing
 * "\n" or "\r\n" is removed. Quoted fields are unquoted ("" becomes "). On success
 * fields[0..*n) point into rec (borrowed, NUL-terminated). Fails with VX_EINVAL and
 * a message naming the 1-based column when a quote is misplaced or unterminated,
 * and VX_ERANGE when there are more than `max` fields.
 */
enum vx_status vx_csv_split(char *rec, size_t len, char sep, char **fields, int max, int *n,
                            struct vx_err *err);

#endif
