/*
 * backfill.c — import of historical doses (`vaxchain register backfill FILE...`).
 *
 * Doses given before vaxchain existed arrive as VXU^V04 messages (what the regions'
 * old systems sent to the register; the CDC samples are such files) or as a CSV
 * extract. Two layers:
 *
 *   vx_backfill_parse()   pure reader (fuzzed: tests/fuzz/fuzz_backfill.c): text →
 *                         rows and "line N: reason" problems, no store, no clock.
 *   vx_backfill_import()  resolves and writes the rows of one file in ONE transaction:
 *                         person by personnummer, vaccine, site and municipality are
 *                         checked before each insert (a failing insert would doom the
 *                         transaction), duplicates are skipped and counted.
 *
 * Duplicate = a valid dose of the same person, vaccine and dose number given on the
 * same Stockholm calendar day, already in the database or earlier in the same file
 * (the rows written so far are visible inside the transaction). So importing a file
 * twice imports nothing the second time. Back-filled doses have source 'backfill' and
 * enter the register outbox like any other insert (the register can tell them apart).
 *
 * VXU mapping: PID-3.1 personnummer; per RXA: RXA-3 administration time (HL7 DTM; no
 * offset = Stockholm local; date only = 12:00 local), RXA-5.1 CVX → catalogue code
 * (the first product with that CVX in vx_reg_vaccine_table), RXA-10.1 vaccinator,
 * RXA-11.4.2 site code (our VXU builder writes the facility id there), RXA-15 lot,
 * dose number from the OBX with OBX-3 = 30973-2 after that RXA. A refusal (RXA-20 RE)
 * is not a dose and is refused. Line numbers are those of the RXA segment.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "register_int.h"
#include "vx/csv.h"
#include "vx/pnr.h"
#include "vx/regx.h"

#define BF_MAX_LINE 65536

/* ------------------------------------------------------------------ values */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Noon local of `day` (date-only values). */
static enum vx_status noon(vx_day day, vx_time *out)
{
    return vx_stockholm_to_utc(day, 12 * 60, out, NULL);
}

/* HL7 DTM "YYYYMMDD[HHMM[SS[.S...]]][+-ZZZZ]" → instant. */
static enum vx_status parse_dtm(const char *s, vx_time *out)
{
    size_t n = strlen(s);
    size_t body = strcspn(s, "+-");
    if (body < 8 || !all_digits(s, 8))
        return VX_EINVAL;
    int y = num(s, 4), mo = num(s + 4, 2), d = num(s + 6, 2);
    if (!vx_ymd_valid(y, mo, d))
        return VX_EINVAL;
    vx_day day = vx_day_from_ymd(y, mo, d);
    if (body == 8)
        return n == 8 ? noon(day, out) : VX_EINVAL;
    size_t tl = body - 8;
    const char *t = s + 8;
    size_t frac = strcspn(t, ".");
    if (frac < tl) { /* fractional seconds: digits after '.' */
        if (frac != 6 || !all_digits(t + 7, tl - 7))
            return VX_EINVAL;
        tl = 6;
    }
    if ((tl != 4 && tl != 6) || !all_digits(t, tl))
        return VX_EINVAL;
    int hh = num(t, 2), mi = num(t + 2, 2), ss = tl == 6 ? num(t + 4, 2) : 0;
    if (hh > 23 || mi > 59 || ss > 59)
        return VX_EINVAL;
    if (body == n) { /* no offset: Stockholm local */
        vx_time base;
        if (vx_stockholm_to_utc(day, hh * 60 + mi, &base, NULL) != VX_OK)
            return VX_EINVAL;
        *out = base + ss;
        return VX_OK;
    }
    const char *z = s + body;
    if (strlen(z) != 5 || !all_digits(z + 1, 4))
        return VX_EINVAL;
    int oh = num(z + 1, 2), om = num(z + 3, 2);
    if (oh > 14 || om > 59)
        return VX_EINVAL;
    int off = (oh * 60 + om) * 60 * (z[0] == '-' ? -1 : 1);
    *out = (vx_time)day * 86400 + hh * 3600 + mi * 60 + ss - off;
    return VX_OK;
}

/* CSV given_at: "YYYY-MM-DD" (noon local) or RFC 3339. */
static enum vx_status parse_when(const char *s, vx_time *out)
{
    vx_day d;
    if (strlen(s) == 10 && vx_day_parse(s, &d) == VX_OK)
        return noon(d, out);
    return vx_time_parse(s, out);
}

static enum vx_status parse_dose_number(const char *s, int *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 2 || !all_digits(s, n) || num(s, n) < 1)
        return VX_EINVAL;
    *out = num(s, n);
    return VX_OK;
}

static const char *product_of_cvx(const char *cvx)
{
    size_t n;
    const struct vx_reg_vaccine_code *t = vx_reg_vaccine_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].cvx && !strcmp(t[i].cvx, cvx))
            return t[i].product;
    return NULL;
}

/* ------------------------------------------------------------------ lines */

struct line {
    const char *p;
    size_t len;
    long no;
};

struct lines {
    struct line *v;
    size_t n, cap;
};

/* Split text into non-blank lines (any of \r\n, \n, \r ends a line). */
static enum vx_status split_lines(const char *text, size_t len, struct lines *out)
{
    long no = 1;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\r' && text[j] != '\n')
            j++;
        bool blank = true;
        for (size_t k = i; k < j && blank; k++)
            blank = text[k] == ' ' || text[k] == '\t';
        if (!blank) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 256;
                struct line *v = realloc(out->v, cap * sizeof *v);
                if (!v)
                    return VX_ENOMEM;
                out->v = v;
                out->cap = cap;
            }
            out->v[out->n++] = (struct line){text + i, j - i, no};
        }
        if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
            j++;
        i = j + 1;
        no++;
    }
    return VX_OK;
}

static bool starts(const struct line *l, const char *seg)
{
    return l->len >= 3 && !memcmp(l->p, seg, 3) && (l->len == 3 || l->p[3] != ' ');
}

/* ------------------------------------------------------------------ VXU */

struct reader {
    struct vx_arena *a;
    vx_backfill_row_cb row;
    vx_backfill_bad_cb bad;
    void *ctx;
    bool stop;
};

static void report(struct reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct reader *r, long line, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->bad && r->bad(r->ctx, line, msg) != 0)
        r->stop = true;
}

static void emit(struct reader *r, const struct vx_backfill_row *row)
{
    if (r->row(r->ctx, row) != 0)
        r->stop = true;
}

/* Decoded value at `where` ("RXA-5-1") of segment `seg` (arena; "" when absent). */
static const char *val(const struct vx_hl7_msg *m, const struct vx_hl7_seg *seg, const char *where,
                       struct vx_arena *a)
{
    struct vx_hl7_loc loc;
    if (vx_hl7_loc_parse(where, &loc) != VX_OK)
        return "";
    char *s = reg_decode(&m->enc, vx_hl7_seg_get(seg, &loc), a);
    return s ? s : "";
}

static void read_message(struct reader *r, const struct line *ln, size_t n)
{
    struct vx_buf text;
    vx_buf_init(&text, VX_HL7_MAX_BYTES);
    enum vx_status rc = VX_OK;
    for (size_t i = 0; i < n && rc == VX_OK; i++)
        if ((rc = vx_buf_append(&text, ln[i].p, ln[i].len)) == VX_OK)
            rc = vx_buf_append(&text, "\r", 1);
    if (rc != VX_OK) {
        vx_buf_release(&text);
        report(r, ln[0].no, "message too large (more than %u bytes)", VX_HL7_MAX_BYTES);
        return;
    }
    struct vx_hl7_msg m;
    struct vx_hl7_error e;
    memset(&e, 0, sizeof e);
    rc = vx_hl7_parse(text.data, text.len, r->a, &m, &e);
    vx_buf_release(&text);
    if (rc != VX_OK) {
        size_t k = e.segment >= 1 && e.segment <= n ? e.segment - 1 : 0;
        report(r, ln[k].no, "%s", e.msg[0] ? e.msg : "not an HL7 v2 message");
        return;
    }
    if (m.nseg != n) { /* one segment per non-blank line, always */
        report(r, ln[0].no, "message structure not understood");
        return;
    }
    const struct vx_hl7_seg *pid = vx_hl7_find(&m, "PID", NULL);
    const char *pnr = pid ? val(&m, pid, "PID-3-1", r->a) : "";
    bool any = false;
    for (size_t i = 0; i < m.nseg && !r->stop; i++) {
        const struct vx_hl7_seg *s = &m.seg[i];
        if (strcmp(s->name, "RXA") != 0)
            continue;
        any = true;
        long line = ln[i].no;
        if (!*pnr) {
            report(r, line, "PID-3: personnummer missing");
            continue;
        }
        if (!strcmp(val(&m, s, "RXA-20", r->a), "RE")) {
            report(r, line, "RXA-20: a refusal is not a dose");
            continue;
        }
        const char *cvx = val(&m, s, "RXA-5-1", r->a);
        const char *product = product_of_cvx(cvx);
        if (!product) {
            report(r, line, "RXA-5: CVX code '%.20s' is not a product of the catalogue", cvx);
            continue;
        }
        struct vx_backfill_row row = {
            .line = line,
            .pnr = pnr,
            .vaccine = product,
            .lot = val(&m, s, "RXA-15", r->a),
            .site = val(&m, s, "RXA-11-4-2", r->a),
            .kommun = "",
            .vaccinator = val(&m, s, "RXA-10-1", r->a),
        };
        const char *when = val(&m, s, "RXA-3-1", r->a);
        if (parse_dtm(when, &row.given_at) != VX_OK) {
            report(r, line, "RXA-3: bad administration time '%.30s'", when);
            continue;
        }
        /* the dose number: OBX 30973-2 between this RXA and the next */
        const char *dn = NULL;
        for (size_t j = i + 1; j < m.nseg && strcmp(m.seg[j].name, "RXA") != 0; j++)
            if (!strcmp(m.seg[j].name, "OBX") &&
                !strcmp(val(&m, &m.seg[j], "OBX-3-1", r->a), "30973-2"))
                dn = val(&m, &m.seg[j], "OBX-5-1", r->a);
        if (!dn) {
            report(r, line, "OBX 30973-2: dose number missing");
            continue;
        }
        if (parse_dose_number(dn, &row.dose_number) != VX_OK) {
            report(r, line, "OBX 30973-2: bad dose number '%.20s'", dn);
            continue;
        }
        emit(r, &row);
    }
    if (!any && !r->stop)
        report(r, ln[0].no, "message has no RXA segment");
}

static void read_vxu(struct reader *r, const struct lines *ls)
{
    size_t i = 0;
    while (i < ls->n && !r->stop) {
        const struct line *l = &ls->v[i];
        if (starts(l, "FHS") || starts(l, "BHS") || starts(l, "BTS") || starts(l, "FTS")) {
            i++;
            continue;
        }
        if (!starts(l, "MSH")) {
            report(r, l->no, "expected an MSH segment");
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < ls->n && !starts(&ls->v[j], "MSH") && !starts(&ls->v[j], "BTS") &&
               !starts(&ls->v[j], "FTS"))
            j++;
        read_message(r, &ls->v[i], j - i);
        i = j;
    }
}

/* ------------------------------------------------------------------ CSV */

enum { C_PNR, C_VACCINE, C_LOT, C_DOSE, C_WHEN, C_SITE, C_KOMMUN, C_VACCINATOR, C_COUNT };
static const struct {
    const char *name;
    bool required;
} csv_cols[C_COUNT] = {
    {"personnummer", true}, {"vaccine", true}, {"lot", false},    {"dose_number", true},
    {"given_at", true},     {"site", false},   {"kommun", false}, {"vaccinator", false},
};

static char *line_copy(struct vx_arena *a, const struct line *l)
{
    return vx_arena_strndup(a, l->p, l->len);
}

static enum vx_status read_csv(struct reader *r, const struct lines *ls, struct vx_err *err)
{
    if (ls->n == 0)
        return vx_err_set(err, VX_EPARSE, "line 1: empty file (expected a CSV header)");
    const struct line *h = &ls->v[0];
    char sep = memchr(h->p, ';', h->len) ? ';' : ',';
    char *hl = line_copy(r->a, h);
    char *f[VX_CSV_MAX_FIELDS];
    int nf = 0;
    struct vx_err e = {0};
    if (!hl)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    if (h->len >= 3 && (unsigned char)hl[0] == 0xEF && (unsigned char)hl[1] == 0xBB &&
        (unsigned char)hl[2] == 0xBF)
        hl += 3; /* UTF-8 byte order mark */
    if (vx_csv_split(hl, strlen(hl), sep, f, VX_CSV_MAX_FIELDS, &nf, &e) != VX_OK)
        return vx_err_set(err, VX_EPARSE, "line %ld: header: %s", h->no, e.msg);
    int col[C_COUNT];
    for (int c = 0; c < C_COUNT; c++)
        col[c] = -1;
    for (int i = 0; i < nf; i++) {
        int c = 0;
        while (c < C_COUNT && strcmp(f[i], csv_cols[c].name) != 0)
            c++;
        if (c == C_COUNT)
            return vx_err_set(err, VX_EPARSE, "line %ld: header: unknown column '%.40s'", h->no,
                              f[i]);
        if (col[c] >= 0)
            return vx_err_set(err, VX_EPARSE, "line %ld: header: column '%s' twice", h->no, f[i]);
        col[c] = i;
    }
    for (int c = 0; c < C_COUNT; c++)
        if (csv_cols[c].required && col[c] < 0)
            return vx_err_set(err, VX_EPARSE, "line %ld: header: column '%s' missing", h->no,
                              csv_cols[c].name);
    for (size_t i = 1; i < ls->n && !r->stop; i++) {
        const struct line *l = &ls->v[i];
        char *rec = line_copy(r->a, l);
        if (!rec)
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        int n = 0;
        if (vx_csv_needs_more(rec, l->len)) {
            report(r, l->no,
                   "unterminated quoted field (line breaks inside fields are not "
                   "allowed)");
            continue;
        }
        if (vx_csv_split(rec, l->len, sep, f, VX_CSV_MAX_FIELDS, &n, &e) != VX_OK) {
            report(r, l->no, "%s", e.msg);
            continue;
        }
        if (n != nf) {
            report(r, l->no, "%d fields, the header has %d", n, nf);
            continue;
        }
        const char *v[C_COUNT];
        for (int c = 0; c < C_COUNT; c++)
            v[c] = col[c] >= 0 ? f[col[c]] : "";
        struct vx_backfill_row row = {
            .line = l->no,
            .pnr = v[C_PNR],
            .vaccine = v[C_VACCINE],
            .lot = v[C_LOT],
            .site = v[C_SITE],
            .kommun = v[C_KOMMUN],
            .vaccinator = v[C_VACCINATOR],
        };
        if (!*row.pnr) {
            report(r, l->no, "personnummer: missing");
            continue;
        }
        if (!*row.vaccine || strlen(row.vaccine) >= VX_VACCINE_CODE_MAX) {
            report(r, l->no, "vaccine: missing or too long");
            continue;
        }
        if (strlen(row.lot) >= VX_LOT_NUMBER_MAX || strlen(row.vaccinator) >= 64 ||
            strlen(row.site) >= 32 || strlen(row.kommun) >= 5) {
            report(r, l->no, "lot, vaccinator, site or kommun: too long");
            continue;
        }
        if (parse_dose_number(v[C_DOSE], &row.dose_number) != VX_OK) {
            report(r, l->no, "dose_number: '%.20s' is not a number from 1 to 99", v[C_DOSE]);
            continue;
        }
        if (parse_when(v[C_WHEN], &row.given_at) != VX_OK) {
            report(r, l->no, "given_at: '%.40s' is not YYYY-MM-DD or an RFC 3339 time", v[C_WHEN]);
            continue;
        }
        emit(r, &row);
    }
    return VX_OK;
}

enum vx_status vx_backfill_parse(const char *text, size_t len, struct vx_arena *a,
                                 vx_backfill_row_cb row, vx_backfill_bad_cb bad, void *ctx,
                                 struct vx_err *err)
{
    if (memchr(text, '\0', len))
        return vx_err_set(err, VX_EPARSE, "binary data (NUL byte) in the file");
    struct lines ls = {0};
    if (split_lines(text, len, &ls) != VX_OK) {
        free(ls.v);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ls.n; i++)
        if (ls.v[i].len > BF_MAX_LINE) {
            long no = ls.v[i].no;
            free(ls.v);
            return vx_err_set(err, VX_EPARSE, "line %ld: longer than %d bytes", no, BF_MAX_LINE);
        }
    struct reader r = {.a = a, .row = row, .bad = bad, .ctx = ctx};
    enum vx_status rc = VX_OK;
    bool vxu = false;
    for (size_t i = 0; i < ls.n && !vxu; i++) /* the first line decides */
        vxu = i == 0 &&
              (starts(&ls.v[0], "MSH") || starts(&ls.v[0], "FHS") || starts(&ls.v[0], "BHS"));
    if (vxu)
        read_vxu(&r, &ls);
    else
        rc = read_csv(&r, &ls, err);
    free(ls.v);
    return rc;
}

/* ------------------------------------------------------------------ import */

struct rows {
    struct vx_backfill_row *v;
    size_t n, cap;
    long first_bad_line;
    char first_bad[300];
    long bad;
    vx_backfill_bad_cb cb;
    void *cb_ctx;
    bool skip_bad;
};

static int collect_row(void *ctx, const struct vx_backfill_row *r)
{
    struct rows *rs = ctx;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 256;
        struct vx_backfill_row *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return 1;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return 0;
}

static int collect_bad(void *ctx, long line, const char *reason)
{
    struct rows *rs = ctx;
    if (rs->bad++ == 0) {
        rs->first_bad_line = line;
        snprintf(rs->first_bad, sizeof rs->first_bad, "%s", reason);
    }
    if (rs->skip_bad && rs->cb)
        rs->cb(rs->cb_ctx, line, reason);
    return rs->skip_bad ? 0 : 1; /* all-or-nothing: the first bad record ends the file */
}

/* Resolve one row; 0 ok, or a reason in `why`. */
static int resolve(struct vx_store *st, const struct vx_backfill_opts *o,
                   const struct vx_backfill_row *r, struct vx_dose_rec *d, char *why, size_t wlen,
                   enum vx_status *fatal)
{
    struct vx_pnr_opts po = vx_pnr_opts_default(o->ref);
    struct vx_pnr pnr;
    struct vx_pnr_error pe;
    *fatal = VX_OK;
    if (vx_pnr_parse(r->pnr, &po, &pnr, &pe) != VX_OK) {
        char t[128];
        vx_pnr_error_text(&pe, t, sizeof t);
        snprintf(why, wlen, "personnummer: %s", t);
        return 1;
    }
    struct vx_person_rec p;
    enum vx_status rc = st->ops->person_get(st, pnr.norm, &p);
    if (rc == VX_ENOTFOUND) {
        snprintf(why, wlen, "personnummer: no such person in the database");
        return 1;
    }
    if (rc != VX_OK) {
        *fatal = rc;
        return 1;
    }
    bool known = false;
    if ((rc = st->ops->regx->vaccine_exists(st, r->vaccine, &known)) != VX_OK) {
        *fatal = rc;
        return 1;
    }
    if (!known) {
        snprintf(why, wlen, "vaccine: unknown product '%s'", r->vaccine);
        return 1;
    }
    memset(d, 0, sizeof *d);
    if (*r->site) {
        struct vx_site_rec s;
        rc = st->ops->site_get(st, r->site, &s);
        if (rc == VX_ENOTFOUND) {
            snprintf(why, wlen, "site: no site with code '%s'", r->site);
            return 1;
        }
        if (rc != VX_OK) {
            *fatal = rc;
            return 1;
        }
        d->site_id = s.id;
    }
    if (*r->kommun) {
        struct vx_kommun_rec k;
        rc = st->ops->kommun_get(st, r->kommun, &k);
        if (rc == VX_ENOTFOUND) {
            snprintf(why, wlen, "kommun: no municipality '%s'", r->kommun);
            return 1;
        }
        if (rc != VX_OK) {
            *fatal = rc;
            return 1;
        }
        snprintf(d->kommun, sizeof d->kommun, "%s", r->kommun);
    }
    if (r->given_at > o->now) {
        snprintf(why, wlen, "given_at: in the future");
        return 1;
    }
    d->person_id = p.p.id;
    snprintf(d->region, sizeof d->region, "%s", p.p.region);
    snprintf(d->vaccine, sizeof d->vaccine, "%s", r->vaccine);
    snprintf(d->lot_number, sizeof d->lot_number, "%s", r->lot);
    d->dose_number = r->dose_number;
    d->given_at = r->given_at;
    snprintf(d->vaccinator, sizeof d->vaccinator, "%s", r->vaccinator);
    snprintf(d->source, sizeof d->source, "backfill");
    d->created_at = o->now;
    return 0;
}

enum vx_status vx_backfill_import(struct vx_store *st, const char *text, size_t len,
                                  const struct vx_backfill_opts *o, vx_backfill_bad_cb bad,
                                  void *bad_ctx, struct vx_backfill_result *res, struct vx_err *err)
{
    memset(res, 0, sizeof *res);
    struct vx_arena a;
    vx_arena_init(&a, (size_t)1 << 30);
    struct rows rs = {.cb = bad, .cb_ctx = bad_ctx, .skip_bad = o->skip_bad};
    enum vx_status rc = vx_backfill_parse(text, len, &a, collect_row, collect_bad, &rs, err);
    res->rows = (long)rs.n + rs.bad;
    res->bad = rs.bad;
    if (rc != VX_OK)
        goto out;
    if (rs.bad && !o->skip_bad) {
        rc = vx_err_set(err, VX_EINVAL, "line %ld: %s", rs.first_bad_line, rs.first_bad);
        goto out;
    }
    if ((rc = vx_store_begin(st)) != VX_OK) {
        rc = vx_err_set(err, rc, "%s", st->err);
        goto out;
    }
    for (size_t i = 0; i < rs.n; i++) {
        const struct vx_backfill_row *r = &rs.v[i];
        struct vx_dose_rec d;
        char why[300];
        enum vx_status fatal;
        if (resolve(st, o, r, &d, why, sizeof why, &fatal) != 0) {
            if (fatal != VX_OK) {
                rc = vx_err_set(err, fatal, "line %ld: %s", r->line, st->err);
                goto rollback;
            }
            res->bad++;
            if (!o->skip_bad) {
                rc = vx_err_set(err, VX_EINVAL, "line %ld: %s", r->line, why);
                goto rollback;
            }
            if (bad)
                bad(bad_ctx, r->line, why);
            continue;
        }
        vx_day day;
        int minute;
        vx_stockholm_local(d.given_at, &day, &minute);
        vx_time from, to;
        if (vx_stockholm_to_utc(day, 0, &from, NULL) != VX_OK ||
            vx_stockholm_to_utc(day + 1, 0, &to, NULL) != VX_OK) {
            rc = vx_err_set(err, VX_EINTERNAL, "line %ld: day bounds", r->line);
            goto rollback;
        }
        int64_t id = 0;
        rc = st->ops->regx->dose_find(st, d.person_id, d.vaccine, d.dose_number, from, to, &id);
        if (rc == VX_OK) {
            res->duplicates++;
            continue;
        }
        if (rc != VX_ENOTFOUND) {
            rc = vx_err_set(err, rc, "line %ld: %s", r->line, st->err);
            goto rollback;
        }
        if ((rc = st->ops->dose_put(st, &d, NULL)) != VX_OK) {
            rc = vx_err_set(err, rc, "line %ld: %s", r->line, st->err);
            goto rollback;
        }
        res->imported++;
    }
    struct vx_audit_rec au;
    memset(&au, 0, sizeof au);
    au.at = o->now;
    snprintf(au.actor, sizeof au.actor, "%s", o->actor && *o->actor ? o->actor : "cli");
    snprintf(au.action, sizeof au.action, "dose.backfill");
    snprintf(au.object, sizeof au.object, "doses");
    snprintf(au.detail, sizeof au.detail, "%ld rows: %ld imported, %ld duplicates, %ld bad",
             res->rows, res->imported, res->duplicates, res->bad);
    if ((rc = st->ops->audit_append(st, &au)) != VX_OK) {
        rc = vx_err_set(err, rc, "audit: %s", st->err);
        goto rollback;
    }
    if ((rc = vx_store_commit(st)) != VX_OK)
        rc = vx_err_set(err, rc, "%s", st->err);
    if (rc != VX_OK)
        res->imported = res->duplicates = 0;
    goto out;
rollback:
    vx_store_rollback(st);
    res->imported = res->duplicates = 0;
out:
    free(rs.v);
    vx_arena_release(&a);
    return rc;
}
