/*
 * suppress.c — small-cell suppression of a cut (vx_stats_suppress).
 *
 * The rule (docs/stats.md, "Suppression"):
 *
 *  1. Primary: every count 1..4 is hidden and shown as "<5". Zero is shown (cells
 *     with zero are not even listed). The total is treated like any cell.
 *  2. Secondary (complementary): a "line" is a set of cells that add up to a figure
 *     published elsewhere — for each dimension i of the cut, the cells that share
 *     every other key value (their sum is a cell of the cut without dimension i, or
 *     the total when the cut has one dimension). A line that holds exactly one hidden
 *     non-zero cell would let anyone recover it by subtraction, so its smallest
 *     visible non-zero cell is hidden too (shown as ".."); if it has none, the
 *     line's margin must go — which for a one-dimensional cut is the total. Lines
 *     along the week dimension of a cumulative cut are skipped: cumulative values of
 *     successive weeks do not add up to anything.
 *  3. Repeat 2 until no line changes (each pass hides at least one more cell, so it
 *     ends).
 * Shares follow their counts. What it does not protect against: differences between
 * successive cumulative weeks, and combining cuts whose lines are not margins of one
 * another (e.g. a region x age cut against a kommun cut); FoHM's own publications
 * have the same limits.
 *
 * Lines are found by sorting cell indexes by the "other" keys (an index array per
 * dimension), so a pass is O(n log n).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "stats_int.h"

#define SUPP_MIN 5 /* counts below this (and above zero) are hidden */

static bool hidden(const struct vx_stats_cell *c)
{
    return c->supp != VX_SUPP_NONE;
}

/* Indexes of r's cells sorted by every key except `skip` (a plain merge sort). */
static size_t *line_order(const struct vx_stats_result *r, int skip)
{
    size_t n = r->n;
    size_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int c = 0;
                for (int d = 0; d < r->q.nby && !c; d++)
                    if (d != skip)
                        c = strcmp(r->cells[a[j]].key[d], r->cells[a[i]].key[d]);
                b[k++] = c < 0 ? a[j++] : a[i++];
            }
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        size_t *t = a;
        a = b;
        b = t;
    }
    free(b);
    return a;
}

static bool same_line(const struct vx_stats_result *r, int skip, size_t x, size_t y)
{
    for (int d = 0; d < r->q.nby; d++)
        if (d != skip && strcmp(r->cells[x].key[d], r->cells[y].key[d]))
            return false;
    return true;
}

/* One pass over the lines of dimension `skip`; returns how many cells it hid. */
static size_t pass(struct vx_stats_result *r, const size_t *ord, int skip)
{
    size_t changed = 0;
    size_t i = 0;
    while (i < r->n) {
        size_t j = i + 1;
        while (j < r->n && same_line(r, skip, ord[i], ord[j]))
            j++;
        size_t nhidden = 0, best = (size_t)-1;
        for (size_t k = i; k < j; k++) {
            struct vx_stats_cell *c = &r->cells[ord[k]];
            if (c->n == 0)
                continue;
            if (hidden(c))
                nhidden++;
            else if (best == (size_t)-1 || c->n < r->cells[best].n)
                best = ord[k];
        }
        if (nhidden == 1) {
            if (best != (size_t)-1) {
                r->cells[best].supp = VX_SUPP_SECONDARY;
                changed++;
            } else if (r->q.nby == 1 && r->total_supp == VX_SUPP_NONE) {
                r->total_supp = VX_SUPP_SECONDARY;
                changed++;
            }
        }
        i = j;
    }
    return changed;
}

void vx_stats_suppress(struct vx_stats_result *r)
{
    r->suppressed = true;
    for (size_t i = 0; i < r->n; i++)
        if (r->cells[i].n > 0 && r->cells[i].n < SUPP_MIN && r->cells[i].supp == VX_SUPP_NONE)
            r->cells[i].supp = VX_SUPP_PRIMARY;
    if (r->total > 0 && r->total < SUPP_MIN)
        r->total_supp = VX_SUPP_PRIMARY;
    if (r->n == 0 || r->q.nby == 0)
        return;
    size_t *ord[2] = {NULL, NULL};
    bool use[2] = {false, false};
    for (int d = 0; d < r->q.nby; d++) {
        use[d] = !(r->q.cumulative && r->q.by[d] == VX_SD_WEEK);
        if (use[d] && !(ord[d] = line_order(r, d))) {
            /* out of memory: hide everything rather than publish a recoverable cell */
            for (size_t i = 0; i < r->n; i++)
                if (r->cells[i].supp == VX_SUPP_NONE)
                    r->cells[i].supp = VX_SUPP_SECONDARY;
            r->total_supp = r->total_supp ? r->total_supp : VX_SUPP_SECONDARY;
            free(ord[0]);
            return;
        }
    }
    size_t changed;
    do {
        changed = 0;
        for (int d = 0; d < r->q.nby; d++)
            if (use[d])
                changed += pass(r, ord[d], d);
    } while (changed);
    free(ord[0]);
    free(ord[1]);
}

char *vx_stats_count_text(int64_t n, enum vx_stats_supp s, char *buf)
{
    if (s == VX_SUPP_PRIMARY)
        memcpy(buf, "<5", 3);
    else if (s == VX_SUPP_SECONDARY)
        memcpy(buf, "..", 3);
    else
        snprintf(buf, 24, "%lld", (long long)n);
    return buf;
}
