/*
 * sink.c — where the demo population goes: a store or import CSV files.
 *
 * The store sink writes every person and site through the store vtable inside one
 * transaction in bulk mode, so a failure (a store that already holds the numbers, a
 * full disk) rolls everything back: the database never holds half a population.
 *
 * The CSV sink writes the persons import format of docs/import.md through its own
 * 1 MiB buffer (10 M rows: formatting by hand is several times faster than
 * fprintf), and the sites format of docs/demo-data.md. Both files are written as
 * "<path>.tmp" and renamed when complete, so a failed run leaves no partial file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo_int.h"

/* ------------------------------------------------------------------ store */

struct store_sink {
    struct vx_store *st;
};

static enum vx_status store_person(void *ctx, const struct vx_person_rec *rec, struct vx_err *err)
{
    struct store_sink *s = ctx;
    enum vx_status r = s->st->ops->person_put(s->st, rec, NULL);
    if (r == VX_EEXIST)
        return vx_err_set(err, r,
                          "the database already holds demo persons (same synthetic number); "
                          "use a fresh database");
    if (r)
        return vx_err_set(err, r, "storing a person: %s", s->st->err);
    return VX_OK;
}

static enum vx_status store_site(void *ctx, const struct vx_site_rec *rec, struct vx_err *err)
{
    struct store_sink *s = ctx;
    enum vx_status r = s->st->ops->site_put(s->st, rec, NULL);
    if (r == VX_EEXIST)
        return vx_err_set(err, r, "the database already has site %s; use a fresh database",
                          rec->code);
    if (r)
        return vx_err_set(err, r, "storing site %s: %s", rec->code, s->st->err);
    return VX_OK;
}

enum vx_status vx_demo_to_store(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                struct vx_store *st, struct vx_demo_result *res, struct vx_err *err)
{
    struct vx_kommun_rec k;
    for (int i = 0; i<ref->nkommuner; i += ref->nkommuner - 1> 0 ? ref->nkommuner - 1 : 1) {
        enum vx_status r = st->ops->kommun_get(st, ref->kommuner[i].code, &k);
        if (r == VX_ENOTFOUND)
            return vx_err_set(err, VX_ENOTFOUND,
                              "the database has no municipality %s: run `vaxchain init` first",
                              ref->kommuner[i].code);
        if (r)
            return vx_err_set(err, r, "reading municipalities: %s", st->err);
    }
    struct store_sink ss = {st};
    struct vx_demo_sink sink = {store_person, store_site, &ss};
    bool bulk = st->ops->bulk_mode && st->ops->bulk_mode(st, true) == VX_OK;
    enum vx_status r = vx_store_begin(st);
    if (r) {
        vx_err_set(err, r, "begin: %s", st->err);
    } else {
        r = vx_demo_generate(ref, opts, &sink, res, err);
        if (r == VX_OK) {
            r = vx_store_commit(st);
            if (r)
                vx_err_set(err, r, "commit: %s", st->err);
        }
        if (r)
            vx_store_rollback(st);
    }
    if (bulk)
        st->ops->bulk_mode(st, false);
    return r;
}

/* -------------------------------------------------------------------- CSV */

const char vx_demo_csv_header[] = "pnr,given_name,family_name,kommun_code,residence,risk,"
                                  "care_staff,deso,household_contact,lss_assistance,health_staff,"
                                  "synthetic";

static const char sites_header[] =
    "code,name,kommun_code,kind,address,stations,minutes_per_dose,open,close,weekdays";

struct out_file {
    FILE *f;
    char *path, *tmp; /* owned */
    char *buf;        /* owned, OUT_BUF bytes */
    size_t len;
    bool failed;
};

enum { OUT_BUF = 1 << 20, ROW_MAX = 1024 };

struct csv_sink {
    const struct vx_demo_ref *ref;
    struct out_file persons, sites;
};

static enum vx_status out_open(struct out_file *o, const char *path, const char *header,
                               struct vx_err *err)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->tmp = malloc(n + 5);
    o->buf = malloc(OUT_BUF);
    if (!o->path || !o->tmp || !o->buf)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp, n + 5, "%s.tmp", path);
    o->f = fopen(o->tmp, "wb");
    if (!o->f)
        return vx_err_set(err, VX_EIO, "cannot create %s: %s", o->tmp, strerror(errno));
    size_t h = strlen(header);
    memcpy(o->buf, header, h);
    o->buf[h] = '\n';
    o->len = h + 1;
    return VX_OK;
}

static enum vx_status out_flush(struct out_file *o, struct vx_err *err)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        o->failed = true;
        return vx_err_set(err, VX_EIO, "writing %s: %s", o->tmp, strerror(errno));
    }
    o->len = 0;
    return VX_OK;
}

/* Close; on success rename tmp to path, else remove tmp. Frees everything. */
static enum vx_status out_close(struct out_file *o, bool ok, struct vx_err *err)
{
    enum vx_status st = VX_OK;
    if (o->f) {
        if (ok)
            st = out_flush(o, err);
        if (fclose(o->f) != 0 && ok && st == VX_OK)
            st = vx_err_set(err, VX_EIO, "closing %s: %s", o->tmp, strerror(errno));
        if (ok && st == VX_OK && rename(o->tmp, o->path) != 0)
            st = vx_err_set(err, VX_EIO, "renaming %s: %s", o->tmp, strerror(errno));
        if (!ok || st != VX_OK)
            remove(o->tmp);
    }
    free(o->path);
    free(o->tmp);
    free(o->buf);
    memset(o, 0, sizeof *o);
    return st;
}

static inline char *put(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_int(char *p, long v)
{
    char tmp[24];
    int n = 0;
    bool neg = v < 0;
    unsigned long u = neg ? 0ul - (unsigned long)v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline char *put_flag(char *p, uint32_t flags, uint32_t bit)
{
    *p++ = ',';
    *p++ = (flags & bit) ? '1' : '0';
    return p;
}

static enum vx_status csv_person(void *ctx, const struct vx_person_rec *rec, struct vx_err *err)
{
    struct csv_sink *c = ctx;
    struct out_file *o = &c->persons;
    if (o->len + ROW_MAX > OUT_BUF) {
        enum vx_status st = out_flush(o, err);
        if (st)
            return st;
    }
    char *p = o->buf + o->len;
    p = put(p, rec->p.pnr.norm);
    *p++ = ',';
    p = put(p, rec->given_name);
    *p++ = ',';
    p = put(p, rec->family_name);
    *p++ = ',';
    p = put(p, rec->p.kommun);
    *p++ = ',';
    p = put(p, vx_residence_code(rec->p.residence));
    *p++ = ',';
    bool first = true;
    for (int b = 0; b < c->ref->nrisk; b++) {
        if (!(rec->p.risk & (1u << b)) || !c->ref->risk_codes[b][0])
            continue;
        if (!first)
            *p++ = ';'; /* ',' would need quoting */
        p = put(p, c->ref->risk_codes[b]);
        first = false;
    }
    p = put_flag(p, rec->p.flags, VX_PF_CARE_STAFF);
    *p++ = ',';
    p = put(p, rec->p.deso);
    p = put_flag(p, rec->p.flags, VX_PF_HOUSEHOLD_CONTACT);
    p = put_flag(p, rec->p.flags, VX_PF_LSS_ASSISTANCE);
    p = put_flag(p, rec->p.flags, VX_PF_HEALTH_STAFF);
    *p++ = ',';
    *p++ = rec->synthetic ? '1' : '0';
    *p++ = '\n';
    o->len = (size_t)(p - o->buf);
    return VX_OK;
}

static char *put_hhmm(char *p, int minute)
{
    *p++ = (char)('0' + minute / 600);
    *p++ = (char)('0' + minute / 60 % 10);
    *p++ = ':';
    *p++ = (char)('0' + minute % 60 / 10);
    *p++ = (char)('0' + minute % 10);
    return p;
}

static enum vx_status csv_site(void *ctx, const struct vx_site_rec *s, struct vx_err *err)
{
    struct csv_sink *c = ctx;
    struct out_file *o = &c->sites;
    if (!o->f)
        return VX_OK;
    if (o->len + ROW_MAX > OUT_BUF) {
        enum vx_status st = out_flush(o, err);
        if (st)
            return st;
    }
    static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    char *p = o->buf + o->len;
    p = put(p, s->code);
    *p++ = ',';
    p = put(p, s->name);
    *p++ = ',';
    p = put(p, s->kommun);
    *p++ = ',';
    p = put(p, vx_site_kind_code(s->kind));
    *p++ = ',';
    *p++ = '"'; /* the address has a comma */
    p = put(p, s->address);
    *p++ = '"';
    *p++ = ',';
    p = put_int(p, s->stations);
    *p++ = ',';
    p = put_int(p, s->minutes_per_dose);
    *p++ = ',';
    p = put_hhmm(p, s->open_minute);
    *p++ = ',';
    p = put_hhmm(p, s->close_minute);
    *p++ = ',';
    /* weekday set as a range "mon-fri" when contiguous, else a quoted list "mon,wed" */
    int lo = -1, hi = -1;
    bool contiguous = true;
    for (int d = 0; d < 7; d++)
        if (s->weekdays & (1u << d)) {
            if (lo < 0)
                lo = d;
            else if (d != hi + 1)
                contiguous = false;
            hi = d;
        }
    if (lo >= 0 && contiguous && hi > lo) {
        p = put(p, days[lo]);
        *p++ = '-';
        p = put(p, days[hi]);
    } else {
        bool first = true;
        *p++ = '"';
        for (int d = 0; d < 7; d++)
            if (s->weekdays & (1u << d)) {
                if (!first)
                    *p++ = ',';
                p = put(p, days[d]);
                first = false;
            }
        *p++ = '"';
    }
    *p++ = '\n';
    o->len = (size_t)(p - o->buf);
    return VX_OK;
}

enum vx_status vx_demo_write_csv(const struct vx_demo_ref *ref, const struct vx_demo_opts *opts,
                                 const char *persons_path, const char *sites_path,
                                 struct vx_demo_result *res, struct vx_err *err)
{
    struct csv_sink c;
    memset(&c, 0, sizeof c);
    c.ref = ref;
    enum vx_status st = out_open(&c.persons, persons_path, vx_demo_csv_header, err);
    if (st == VX_OK && sites_path)
        st = out_open(&c.sites, sites_path, sites_header, err);
    if (st == VX_OK) {
        struct vx_demo_sink sink = {csv_person, csv_site, &c};
        st = vx_demo_generate(ref, opts, &sink, res, err);
    }
    /* sites first: if it fails, the persons file is removed too */
    enum vx_status s2 = out_close(&c.sites, st == VX_OK, err);
    if (st == VX_OK)
        st = s2;
    enum vx_status s1 = out_close(&c.persons, st == VX_OK, err);
    if (st == VX_OK)
        st = s1;
    return st;
}
