/*
 * stats_int.h — private helpers shared by the files of src/stats.
 */
#ifndef VX_STATS_INT_H
#define VX_STATS_INT_H

#include "vx/stats.h"
#include "vx/store.h"
#include "vx/store_stats.h"

#define VX_STATS_MAX_CELLS (4u * 1024u * 1024u) /* cells of one result (hard limit) */

/* Append a cell (copied) to r; VX_ENOMEM past VX_STATS_MAX_CELLS or out of memory. */
enum vx_status vx_stats__push(struct vx_stats_result *r, const struct vx_stats_cell *c);

/* Compare two key values of dimension d (weeks and codes as text, age bands, dose and
 * the small integers numerically). */
int vx_stats__key_cmp(enum vx_stats_dim d, const char *a, const char *b);

#endif
