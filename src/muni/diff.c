/*
 * diff.c — what changed between two versions of a municipality's resident list.
 *
 * Both sides are indexed by person id and sorted, then merged in one pass, so the
 * changes come out in person-id order and the cost is O(n log n) for lists of tens
 * of thousands of rows. A person present on both sides is "moved" when the care
 * unit differs (a move may change the list type too: the change carries both),
 * "type_changed" when only the list type differs, and nothing when neither does
 * (consent and notes are the municipality's own business and not part of the diff).
 * The new file may report departures explicitly (status deceased / moved_out); those
 * rows are not residents any more and become deceased / moved_out changes when the
 * person was on the previous list (a departure of someone never listed is nothing).
 * A person simply absent from the new file is "removed". Pure.
 */
#include <stdlib.h>
#include <string.h>
#include "vx/muni.h"

struct ent {
    int64_t id;
    const struct vx_muni_row *row;
};

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static struct ent *index_rows(const struct vx_muni_row *rows, int n)
{
    struct ent *e = malloc((size_t)(n ? n : 1) * sizeof *e);
    if (!e)
        return NULL;
    for (int i = 0; i < n; i++) {
        e[i].id = rows[i].person_id;
        e[i].row = &rows[i];
    }
    qsort(e, (size_t)n, sizeof *e, cmp_ent);
    return e;
}

static void set_unit(char dst[VX_MUNI_UNIT_CODE_MAX], const char *src)
{
    size_t n = strnlen(src, VX_MUNI_UNIT_CODE_MAX - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

enum vx_status vx_muni_diff(const struct vx_muni_row *old, int n_old, const struct vx_muni_row *cur,
                            int n_cur, int (*emit)(void *ctx, const struct vx_muni_change *c),
                            void *ctx, int counts[VX_MUNI_CH_COUNT])
{
    if (counts)
        memset(counts, 0, sizeof(int) * VX_MUNI_CH_COUNT);
    struct ent *a = index_rows(old, n_old), *b = index_rows(cur, n_cur);
    enum vx_status rc = VX_OK;
    if (!a || !b) {
        rc = VX_ENOMEM;
        goto out;
    }
    int i = 0, j = 0;
    while (i < n_old || j < n_cur) {
        struct vx_muni_change c;
        memset(&c, 0, sizeof c);
        bool have = true;
        if (j >= n_cur || (i < n_old && a[i].id < b[j].id)) {
            /* only on the old list */
            const struct vx_muni_row *o = a[i++].row;
            c.person_id = o->person_id;
            c.kind = VX_MUNI_CH_REMOVED;
            set_unit(c.old_unit, o->unit_code);
            c.old_type = c.new_type = o->type;
        } else if (i >= n_old || b[j].id < a[i].id) {
            /* only on the new list */
            const struct vx_muni_row *n = b[j++].row;
            c.person_id = n->person_id;
            c.kind = VX_MUNI_CH_NEW;
            set_unit(c.new_unit, n->unit_code);
            c.old_type = c.new_type = n->type;
            have = n->status == VX_MUNI_ROW_ACTIVE;
        } else {
            const struct vx_muni_row *o = a[i++].row, *n = b[j++].row;
            c.person_id = n->person_id;
            set_unit(c.old_unit, o->unit_code);
            set_unit(c.new_unit, n->unit_code);
            c.old_type = o->type;
            c.new_type = n->type;
            if (n->status == VX_MUNI_ROW_DECEASED)
                c.kind = VX_MUNI_CH_DECEASED;
            else if (n->status == VX_MUNI_ROW_MOVED_OUT)
                c.kind = VX_MUNI_CH_MOVED_OUT;
            else if (strcmp(o->unit_code, n->unit_code))
                c.kind = VX_MUNI_CH_MOVED;
            else if (o->type != n->type)
                c.kind = VX_MUNI_CH_TYPE;
            else
                have = false;
            if (c.kind == VX_MUNI_CH_DECEASED || c.kind == VX_MUNI_CH_MOVED_OUT)
                c.new_unit[0] = '\0';
        }
        if (!have)
            continue;
        if (counts)
            counts[c.kind]++;
        if (emit) {
            int r = emit(ctx, &c);
            if (r) {
                rc = r < 0 ? (enum vx_status)r : VX_EINTERNAL;
                goto out;
            }
        }
    }
out:
    free(a);
    free(b);
    return rc;
}
