/*
 * ledger_store.c — a statement computed from the store (include/vx/ledger.h):
 * the one place where dose buckets and adjustments are read for a statement, used
 * by the HTTP routes and the CLI alike.
 *
 * Local days [from, to] become the instants [00:00 of from, 00:00 of to + 1) in
 * Stockholm time; the store groups valid doses by municipality and hour, which the
 * pure vx_ledger_statement adds up per tariff period. For the region payer only
 * municipal nurses' doses count (doses.kommun_code set); for the state every dose
 * of the region does. Municipality names are filled from the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/ledger.h"
#include "vx/store.h"
#include "vx/store_ledger.h"

#define BUCKETS_MAX (1u << 22)

struct bucket_vec {
    struct vx_ledger_bucket *b;
    size_t n, cap;
    bool oom;
};

static int push_bucket(void *ctx, const struct vx_ledger_bucket *b)
{
    struct bucket_vec *v = ctx;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct vx_ledger_bucket *nb = cap <= BUCKETS_MAX ? realloc(v->b, cap * sizeof *nb) : NULL;
        if (!nb) {
            v->oom = true;
            return 1;
        }
        v->b = nb;
        v->cap = cap;
    }
    v->b[v->n++] = *b;
    return 0;
}

struct adjust_vec {
    struct vx_ledger_adjust a[VX_LEDGER_MAX_ADJ];
    size_t n;
    bool full;
};

static int push_adjust(void *ctx, const struct vx_ledger_adjust *a)
{
    struct adjust_vec *v = ctx;
    if (v->n >= VX_LEDGER_MAX_ADJ) {
        v->full = true;
        return 1;
    }
    v->a[v->n++] = *a;
    return 0;
}

static void kommun_name(void *ctx, const char *kommun, char *out, size_t cap)
{
    struct vx_store *st = ctx;
    struct vx_kommun_rec k;
    if (st->ops->kommun_get(st, kommun, &k) == VX_OK)
        snprintf(out, cap, "%s", k.name);
    else
        out[0] = '\0';
}

enum vx_status vx_ledger_statement_load(struct vx_store *st, const struct vx_comp_table *t,
                                        enum vx_payer payer, const char *region, const char *kommun,
                                        vx_day from, vx_day to, struct vx_statement *s,
                                        struct vx_err *err)
{
    if (!kommun)
        kommun = "";
    if (from > to)
        return vx_err_set(err, VX_EINVAL, "from: after to");
    vx_time t0, t1;
    if (vx_stockholm_to_utc(from, 0, &t0, NULL) != VX_OK ||
        vx_stockholm_to_utc(to + 1, 0, &t1, NULL) != VX_OK)
        return vx_err_set(err, VX_EINVAL, "date range out of bounds");
    struct bucket_vec bv = {0};
    struct adjust_vec *av = calloc(1, sizeof *av);
    if (!av)
        return vx_err_set(err, VX_ENOMEM, "statement: out of memory");
    enum vx_status rc =
        st->ops->ledger->dose_buckets(st, region, payer == VX_PAYER_STATE ? "" : kommun,
                                      payer == VX_PAYER_REGION, t0, t1, push_bucket, &bv);
    if (rc == VX_OK && bv.oom)
        rc = vx_err_set(err, VX_ENOMEM, "statement: too many dose buckets");
    else if (rc != VX_OK)
        vx_err_set(err, rc, "cannot read the doses: %s", st->err);
    if (rc == VX_OK) {
        const char *k = payer == VX_PAYER_STATE ? "" : kommun[0] ? kommun : NULL;
        rc = st->ops->ledger->adjust_foreach(st, region, k, from, to, push_adjust, av);
        if (rc != VX_OK)
            vx_err_set(err, rc, "cannot read the adjustments: %s", st->err);
        else if (av->full)
            rc = vx_err_set(err, VX_ENOMEM, "statement: more than %d adjustments",
                            VX_LEDGER_MAX_ADJ);
    }
    if (rc == VX_OK)
        rc = vx_ledger_statement(t, payer, region, kommun, from, to, bv.b, bv.n, av->a, av->n, s,
                                 err);
    free(bv.b);
    free(av);
    if (rc == VX_OK)
        vx_ledger_statement_names(s, kommun_name, st);
    return rc;
}

enum vx_status vx_comp_load_file(const char *path, struct vx_comp_table **out, struct vx_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_err_set(err, VX_EIO, "cannot open %s", path);
    struct vx_buf text;
    vx_buf_init(&text, 4u << 20);
    char chunk[8192];
    size_t n;
    enum vx_status rc = VX_OK;
    while (rc == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = vx_buf_append(&text, chunk, n);
    if (rc == VX_OK && ferror(f))
        rc = VX_EIO;
    fclose(f);
    struct vx_comp_table *t = rc == VX_OK ? malloc(sizeof *t) : NULL;
    if (rc != VX_OK || !t) {
        vx_buf_release(&text);
        return vx_err_set(err, rc != VX_OK ? rc : VX_ENOMEM, "cannot read %s", path);
    }
    rc = vx_comp_parse(text.data ? text.data : "", text.len, t, err);
    vx_buf_release(&text);
    if (rc != VX_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        vx_err_set(err, rc, "%s: %s", path, why);
        free(t);
        return rc;
    }
    *out = t;
    return VX_OK;
}
