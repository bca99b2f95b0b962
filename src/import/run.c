/*
 * run.c — one import run: header, rows, transaction, audit.
 *
 * Design: every kind of file is a `struct import_kind` (column table + row
 * validator). A run maps the header row onto the column table by name (any order,
 * case-insensitive; unknown, repeated or missing required columns stop the run
 * before any row is read), then streams the rows. Good rows are written as they
 * come, inside one transaction; bad rows are reported through the caller's
 * callback and counted. At the end the transaction is committed only if no row was
 * bad or the caller asked for skip_bad, otherwise rolled back. Writing as we go
 * (instead of validating the whole file first) keeps one pass over the file.
 *
 * The store dooms a transaction in which any write failed (PostgreSQL semantics),
 * so a row must not be written unless it will succeed: importers look a row's key
 * up before writing it when the target table already had rows at the start
 * (an empty table, the usual case for a big first import, needs no look-ups; rows
 * of this run are caught by the in-memory duplicate sets). Where the store has no
 * look-up (premises) an insert may still be refused; the run then stops writing,
 * keeps validating and rolls back even with skip_bad (see run_put_result).
 *
 * Municipality codes are looked up at most once per code per run (a 10,000-entry
 * table indexed by the code), or taken from a caller-given table; duplicates inside
 * the file are caught with in-memory sets, since the store only sees committed
 * rows from other runs and rows written earlier in this one.
 *
 * One audit record is written per run with the counts: inside the transaction when
 * it commits, on its own after a rollback, so a rejected import leaves a trace too.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "import_int.h"

#define PROGRESS_EVERY 16384
#define BULK_MIN_BYTES (1LL << 20)

static const struct import_kind *const kinds[VX_IMPORT_KIND_COUNT] = {
    [VX_IMPORT_PERSONS] = &import_kind_persons,
    [VX_IMPORT_SITES] = &import_kind_sites,
    [VX_IMPORT_PREMISES] = &import_kind_premises,
    [VX_IMPORT_REGIONS] = &import_kind_regions,
    [VX_IMPORT_MUNICIPALITIES] = &import_kind_municipalities,
};

const char *vx_import_kind_name(enum vx_import_kind k)
{
    return (unsigned)k < VX_IMPORT_KIND_COUNT ? kinds[k]->name : "unknown";
}

const struct vx_import_col *vx_import_columns(enum vx_import_kind k, int *n)
{
    if ((unsigned)k >= VX_IMPORT_KIND_COUNT) {
        *n = 0;
        return NULL;
    }
    *n = kinds[k]->ncols;
    return kinds[k]->cols;
}

struct vx_import_opts vx_import_opts_default(vx_day ref)
{
    struct vx_import_opts o;
    memset(&o, 0, sizeof o);
    o.pnr = vx_pnr_opts_default(ref);
    return o;
}

/* ------------------------------------------------------------ reporting */

static void report(struct import_run *r, long line, const char *column, const char *reason)
{
    r->res.problems++;
    if (!r->first[0]) {
        /* a one-line summary: cutting a long reason short is fine */
        int n = column ? snprintf(r->first, sizeof r->first, "line %ld, column %s: %s", line,
                                  column, reason)
                       : snprintf(r->first, sizeof r->first, "line %ld: %s", line, reason);
        if (n >= (int)sizeof r->first)
            r->first[sizeof r->first - 1] = '\0';
    }
    if (r->o->on_error) {
        struct vx_import_error e = {.line = line, .column = column, .reason = reason};
        if (r->o->on_error(r->o->error_ctx, &e) != 0)
            r->stop = true;
    }
}

void run_problem(struct import_run *r, int col, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    r->row_bad = true;
    report(r, r->line, col >= 0 ? r->kind->cols[col].name : NULL, reason);
}

enum vx_status run_store_fail(struct import_run *r, enum vx_status s, const char *what)
{
    return vx_err_set(r->err, s, "line %ld: cannot store %s: %s", r->line, what,
                      r->st ? r->st->err : "");
}

enum vx_status run_put_result(struct import_run *r, enum vx_status s, int col, const char *what)
{
    if (s == VX_OK)
        return VX_OK;
    if (s == VX_EEXIST || s == VX_EINVAL) {
        r->doomed = true;
        if (s == VX_EEXIST)
            run_problem(r, col, "%s is already in the database", what);
        else
            run_problem(r, -1, "the database refused the %s: %s", what, r->st->err);
        return VX_EINVAL;
    }
    return run_store_fail(r, s, what);
}

/* Printable, bounded copy of untrusted text for a message. */
static void sanitize(const char *s, char *dst, size_t cap)
{
    size_t w = 0;
    for (; *s && w + 1 < cap; s++)
        dst[w++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
    dst[w] = '\0';
}

/* ----------------------------------------------------------------- cells */

bool run_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[n] == '\0';
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid; rejects control characters
 * (C0, DEL, C1). */
static size_t utf8_char(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x20 || c == 0x7f)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp >= 0x80 && cp <= 0x9f)
        return 0;
    return n;
}

bool run_text(struct import_run *r, int col, const char *s, char *dst, size_t cap, bool required)
{
    size_t len = strlen(s);
    if (len == 0) {
        if (required) {
            run_problem(r, col, "empty");
            return false;
        }
        dst[0] = '\0';
        return true;
    }
    if (len >= cap) {
        run_problem(r, col, "too long: %zu bytes, at most %zu", len, cap - 1);
        return false;
    }
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char((const unsigned char *)s + i);
        if (n == 0) {
            run_problem(r, col, "%s at byte %zu",
                        (unsigned char)s[i] < 0x20 || s[i] == 0x7f
                            ? "control character"
                            : "invalid UTF-8 or control character",
                        i + 1);
            return false;
        }
        i += n;
    }
    if (s[0] == ' ' || s[len - 1] == ' ') {
        run_problem(r, col, "leading or trailing space");
        return false;
    }
    memcpy(dst, s, len + 1);
    return true;
}

bool run_int(struct import_run *r, int col, const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = 0;
    bool ok = *s && (isdigit((unsigned char)*s) || *s == '-');
    if (ok) {
        v = strtol(s, &end, 10);
        ok = !errno && *end == '\0';
    }
    if (!ok) {
        char t[40];
        sanitize(s, t, sizeof t);
        run_problem(r, col, "'%s' is not an integer", t);
        return false;
    }
    if (v < lo || v > hi) {
        run_problem(r, col, "%ld is outside %ld..%ld", v, lo, hi);
        return false;
    }
    *out = (int)v;
    return true;
}

bool run_code(struct import_run *r, int col, const char *s, char *dst, size_t cap)
{
    size_t len = strlen(s);
    if (len == 0) {
        run_problem(r, col, "empty");
        return false;
    }
    if (len >= cap) {
        run_problem(r, col, "too long: %zu characters, at most %zu", len, cap - 1);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.') {
            run_problem(r, col, "character %zu: only letters A-Z, digits, '-', '_' and '.' allowed",
                        i + 1);
            return false;
        }
    }
    memcpy(dst, s, len + 1);
    return true;
}

bool run_unique(struct import_run *r, int col, const char *s)
{
    long prev = str_set_insert(&r->codes, s, r->line);
    if (prev < 0) {
        run_problem(r, col, "out of memory");
        return false;
    }
    if (prev > 0) {
        run_problem(r, col, "duplicate: same code as line %ld", prev);
        return false;
    }
    return true;
}

enum vx_status run_kommun(struct import_run *r, int col, const char *s, char region[3])
{
    if (!run_digits(s, 4)) {
        char t[40];
        sanitize(s, t, sizeof t);
        run_problem(r, col, "'%s' is not a municipality code (4 digits)", t);
        return VX_EINVAL;
    }
    int code = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (r->kstate[code] == KOMMUN_UNSEEN) {
        if (r->st) {
            struct vx_kommun_rec k;
            memset(&k, 0, sizeof k);
            enum vx_status st = r->st->ops->kommun_get(r->st, s, &k);
            if (st == VX_OK) {
                r->kstate[code] = KOMMUN_KNOWN;
                memcpy(r->kregion[code], k.region, 3);
                r->kregion[code][2] = '\0';
            } else if (st == VX_ENOTFOUND) {
                r->kstate[code] = KOMMUN_ABSENT;
            } else {
                return run_store_fail(r, st, "municipality lookup");
            }
        } else {
            /* no store and no table: well-formed is good enough */
            r->kstate[code] = KOMMUN_KNOWN;
            memcpy(r->kregion[code], s, 2);
            r->kregion[code][2] = '\0';
        }
    }
    if (r->kstate[code] != KOMMUN_KNOWN) {
        run_problem(r, col, "unknown municipality %s", s);
        return VX_EINVAL;
    }
    memcpy(region, r->kregion[code], 3);
    return VX_OK;
}

/* ------------------------------------------------------------------ sets */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#define LINE_BITS 31
#define LINE_MASK ((1ULL << LINE_BITS) - 1)

void key_set_release(struct key_set *ks)
{
    free(ks->slots);
    memset(ks, 0, sizeof *ks);
}

static int key_set_grow(struct key_set *ks)
{
    size_t ncap = ks->cap ? ks->cap * 2 : 1u << 16;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < ks->cap; i++) {
        uint64_t v = ks->slots[i];
        if (!v)
            continue;
        size_t j = (size_t)mix64(v >> LINE_BITS) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = v;
    }
    free(ks->slots);
    ks->slots = ns;
    ks->cap = ncap;
    return 0;
}

long key_set_insert(struct key_set *ks, uint64_t key, long line)
{
    if ((ks->n + 1) * 4 > ks->cap * 3 && key_set_grow(ks) != 0)
        return -1;
    uint64_t k = key + 1;
    size_t j = (size_t)mix64(k) & (ks->cap - 1);
    for (;;) {
        uint64_t v = ks->slots[j];
        if (!v)
            break;
        if (v >> LINE_BITS == k) {
            long prev = (long)(v & LINE_MASK);
            return prev > 0 ? prev : 1;
        }
        j = (j + 1) & (ks->cap - 1);
    }
    uint64_t l = line > 0 && (uint64_t)line < LINE_MASK ? (uint64_t)line : LINE_MASK;
    ks->slots[j] = k << LINE_BITS | l;
    ks->n++;
    return 0;
}

void str_set_init(struct str_set *ss)
{
    memset(ss, 0, sizeof *ss);
    vx_arena_init(&ss->arena, 0);
}

void str_set_release(struct str_set *ss)
{
    free(ss->slots);
    vx_arena_release(&ss->arena);
    memset(ss, 0, sizeof *ss);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

long str_set_insert(struct str_set *ss, const char *s, long line)
{
    if ((ss->n + 1) * 2 > ss->cap) {
        size_t ncap = ss->cap ? ss->cap * 2 : 256;
        struct str_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < ss->cap; i++) {
            if (!ss->slots[i].s)
                continue;
            size_t j = (size_t)str_hash(ss->slots[i].s) & (ncap - 1);
            while (ns[j].s)
                j = (j + 1) & (ncap - 1);
            ns[j] = ss->slots[i];
        }
        free(ss->slots);
        ss->slots = ns;
        ss->cap = ncap;
    }
    size_t j = (size_t)str_hash(s) & (ss->cap - 1);
    while (ss->slots[j].s) {
        if (!strcmp(ss->slots[j].s, s))
            return ss->slots[j].line > 0 ? ss->slots[j].line : 1;
        j = (j + 1) & (ss->cap - 1);
    }
    const char *copy = vx_arena_strdup(&ss->arena, s);
    if (!copy)
        return -1;
    ss->slots[j].s = copy;
    ss->slots[j].line = line;
    ss->n++;
    return 0;
}

/* ------------------------------------------------------------ the header */

static void trim_lower(char *s)
{
    size_t len = strlen(s), b = 0;
    while (b < len && (s[b] == ' ' || s[b] == '\t'))
        b++;
    while (len > b && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    memmove(s, s + b, len - b);
    s[len - b] = '\0';
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* Read and map the header row. VX_EPARSE (problems reported) when unusable. */
static enum vx_status read_header(struct import_run *r)
{
    const struct import_kind *k = r->kind;
    struct vx_csv_reader *rd = &r->rd;
    bool got;
    enum vx_status s = vx_csv_reader_next(rd, &got, r->err);
    r->line = rd->rec_line ? rd->rec_line : rd->line;
    if (s == VX_EINVAL) {
        report(r, r->line, NULL, r->err->msg);
        return vx_err_set(r->err, VX_EPARSE, "line %ld: malformed header row", r->line);
    }
    if (s != VX_OK) {
        if (s == VX_ENOMEM)
            report(r, r->line, NULL, r->err->msg);
        return s == VX_ENOMEM ? VX_EPARSE : s;
    }
    if (!got) {
        report(r, 1, NULL, "empty file: no header row");
        return vx_err_set(r->err, VX_EPARSE, "empty file: no header row");
    }
    /* A header with one field that contains ';' means a semicolon-separated file
     * (what Excel writes with a Swedish locale). */
    if (rd->nfields == 1 && strchr(rd->fields[0], ';')) {
        rd->sep = ';';
        char *one = rd->fields[0];
        struct vx_err e2;
        if (vx_csv_split(one, strlen(one), ';', rd->fields, VX_CSV_MAX_FIELDS, &rd->nfields, &e2) !=
            VX_OK) {
            report(r, r->line, NULL, e2.msg);
            return vx_err_set(r->err, VX_EPARSE, "line %ld: malformed header row", r->line);
        }
    }
    r->nheader = rd->nfields;
    bool bad = false;
    for (int c = 0; c < k->ncols; c++)
        r->present[c] = false;
    for (int f = 0; f < rd->nfields; f++) {
        char *name = rd->fields[f];
        trim_lower(name);
        int c = 0;
        while (c < k->ncols && strcmp(k->cols[c].name, name))
            c++;
        char shown[64];
        sanitize(name, shown, sizeof shown);
        if (c == k->ncols) {
            char known[512];
            size_t w = 0;
            known[0] = '\0';
            for (int i = 0; i < k->ncols && w < sizeof known; i++)
                w += (size_t)snprintf(known + w, sizeof known - w, "%s%s", i ? ", " : "",
                                      k->cols[i].name);
            char reason[700];
            snprintf(reason, sizeof reason, "unknown column (known columns: %s)", known);
            report(r, r->line, *shown ? shown : "(empty)", reason);
            bad = true;
        } else if (r->present[c]) {
            report(r, r->line, k->cols[c].name, "column appears twice in the header");
            bad = true;
        } else {
            r->present[c] = true;
            r->field_col[f] = c;
        }
    }
    for (int c = 0; c < k->ncols; c++) {
        if (k->cols[c].required && !r->present[c]) {
            report(r, r->line, k->cols[c].name, "required column is missing from the header");
            bad = true;
        }
    }
    if (bad)
        return vx_err_set(r->err, VX_EPARSE, "line %ld: bad header row", r->line);
    return VX_OK;
}

/* "column 3: unterminated quoted field" from vx_csv_split -> column name + reason. */
static void report_split_error(struct import_run *r, const char *msg)
{
    const char *col = NULL;
    const char *reason = msg;
    if (!strncmp(msg, "column ", 7)) {
        char *end;
        long n = strtol(msg + 7, &end, 10);
        if (end[0] == ':' && end[1] == ' ') {
            reason = end + 2;
            if (n >= 1 && n <= r->nheader)
                col = r->kind->cols[r->field_col[n - 1]].name;
        }
    }
    r->row_bad = true;
    report(r, r->line, col, reason);
}

/* ------------------------------------------------------------------ a run */

static void audit(struct import_run *r, const char *source, bool committed)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = r->o->now ? r->o->now : (vx_time)time(NULL);
    snprintf(a.actor, sizeof a.actor, "%s", r->o->actor ? r->o->actor : "import");
    snprintf(a.role, sizeof a.role, "import");
    snprintf(a.action, sizeof a.action, "%s", r->kind->action);
    const char *base = source ? strrchr(source, '/') : NULL;
    base = base ? base + 1 : source;
    snprintf(a.object, sizeof a.object, "file:%s", base ? base : "-");
    snprintf(a.detail, sizeof a.detail,
             "rows=%lld imported=%lld rejected=%lld problems=%lld mode=%s result=%s", r->res.rows,
             r->res.imported, r->res.rejected, r->res.problems,
             r->o->skip_bad ? "skip-bad" : "all-or-nothing",
             committed ? "committed" : "rolled back");
    /* The audit record is best effort on the failure path; on the commit path a
     * failure aborts the import (see run_stream). */
    r->st->ops->audit_append(r->st, &a);
}

static void progress(struct import_run *r, long long total)
{
    if (r->o->on_progress)
        r->o->on_progress(r->o->progress_ctx, r->rd.consumed, total, r->res.rows);
}

/* Rows loop. Returns VX_OK or a fatal status. */
static enum vx_status read_rows(struct import_run *r, long long total)
{
    struct vx_csv_reader *rd = &r->rd;
    const struct import_kind *k = r->kind;
    for (;;) {
        bool got;
        enum vx_status s = vx_csv_reader_next(rd, &got, r->err);
        r->line = rd->rec_line;
        r->row_bad = false;
        if (s == VX_EINVAL) {
            r->res.rows++;
            r->res.rejected++;
            report_split_error(r, r->err->msg);
        } else if (s != VX_OK) {
            if (s == VX_ENOMEM) {
                report(r, rd->line, NULL, r->err->msg);
                return VX_EPARSE;
            }
            return s;
        } else if (!got) {
            return VX_OK;
        } else {
            r->res.rows++;
            if (rd->nfields != r->nheader) {
                if (rd->nfields < r->nheader)
                    run_problem(r, r->field_col[rd->nfields],
                                "missing: the row has %d columns, the header %d", rd->nfields,
                                r->nheader);
                else
                    run_problem(r, -1, "the row has %d columns, the header %d", rd->nfields,
                                r->nheader);
                r->res.rejected++;
            } else {
                for (int c = 0; c < k->ncols; c++)
                    r->vals[c] = "";
                for (int f = 0; f < rd->nfields; f++)
                    r->vals[r->field_col[f]] = rd->fields[f];
                s = k->row(r);
                if (s != VX_OK && s != VX_EINVAL)
                    return s;
                if (s == VX_EINVAL || r->row_bad)
                    r->res.rejected++;
                else
                    r->res.imported++;
            }
        }
        if (r->stop)
            return vx_err_set(r->err, VX_ECONFLICT, "line %ld: stopped by the caller", r->line);
        if (r->res.rows % PROGRESS_EVERY == 0)
            progress(r, total);
    }
}

static enum vx_status run_stream(struct vx_store *st, const struct import_kind *k, FILE *f,
                                 const char *name, long long size, const struct vx_import_opts *o,
                                 struct vx_import_result *res, struct vx_err *err,
                                 const bool *regions_known, bool *regions_seen)
{
    struct vx_err local;
    if (!err)
        err = &local;
    err->status = VX_OK;
    err->msg[0] = '\0';
    struct import_run *r = calloc(1, sizeof *r);
    if (!r)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    r->st = st;
    r->o = o;
    r->kind = k;
    r->err = err;
    r->regions_known = regions_known;
    r->regions_seen = regions_seen;
    str_set_init(&r->codes);
    for (int i = 0; o->kommuner && i < o->n_kommuner; i++) {
        const char *c = o->kommuner[i].code;
        if (!run_digits(c, 4))
            continue;
        int code = (c[0] - '0') * 1000 + (c[1] - '0') * 100 + (c[2] - '0') * 10 + (c[3] - '0');
        r->kstate[code] = KOMMUN_KNOWN;
        memcpy(r->kregion[code], o->kommuner[i].region, 2);
        r->kregion[code][2] = '\0';
    }
    if (o->kommuner)
        for (int i = 0; i < 10000; i++)
            if (r->kstate[i] == KOMMUN_UNSEEN)
                r->kstate[i] = KOMMUN_ABSENT;

    enum vx_status s = vx_csv_reader_init(&r->rd, f, o->max_record);
    bool own_tx = st && !o->caller_tx;
    bool bulk = own_tx && st->ops->bulk_mode &&
                (o->bulk > 0 || (o->bulk == 0 && (size < 0 || size >= BULK_MIN_BYTES)));
    bool in_tx = false, committed = false, header_ok = false, keep = false;
    if (s != VX_OK) {
        vx_err_set(err, s, "cannot allocate the read buffer");
        goto out;
    }
    if ((s = read_header(r)) != VX_OK)
        goto out;
    header_ok = true;
    if (st && k->table) {
        r->existing = st->ops->count(st, k->table);
        if (r->existing < 0) {
            s = vx_err_set(err, VX_ESTORE, "cannot count %s: %s", k->table, st->err);
            goto out;
        }
    }
    if (bulk && st->ops->bulk_mode(st, true) != VX_OK)
        bulk = false; /* only slower */
    if (own_tx) {
        if ((s = vx_store_begin(st)) != VX_OK) {
            vx_err_set(err, s, "cannot begin a transaction: %s", st->err);
            goto out;
        }
        in_tx = true;
    }
    s = read_rows(r, size);
    progress(r, size);
    keep = s == VX_OK && (r->res.rejected == 0 || (o->skip_bad && !r->doomed));
    if (s == VX_OK && r->res.rejected > 0)
        s = VX_EINVAL;
    if (st && in_tx && keep) {
        audit(r, name, true);
        enum vx_status cs = vx_store_commit(st);
        if (cs != VX_OK) {
            vx_err_set(err, cs, "cannot commit: %s", st->err);
            vx_store_rollback(st);
            s = cs;
        } else {
            committed = true;
        }
        in_tx = false;
    }
    if (st && !own_tx && keep)
        audit(r, name, true);

out:
    if (in_tx)
        vx_store_rollback(st);
    if (bulk)
        st->ops->bulk_mode(st, false);
    if (own_tx && !committed && header_ok) {
        r->res.imported = 0;
        audit(r, name, false);
    }
    r->res.committed = committed || (st && o->caller_tx && keep);
    if (!r->res.committed && st)
        r->res.imported = 0;
    if (s == VX_EINVAL)
        vx_err_set(err, s, "%lld of %lld rows rejected%s%s; first: %s", r->res.rejected,
                   r->res.rows, r->res.committed ? "" : "; nothing written",
                   r->doomed ? " (the database refused a row, so even --skip-bad cannot commit)"
                             : "",
                   r->first);
    else if (s == VX_EPARSE && r->first[0] && !strstr(r->first, err->msg)) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "%s", err->msg);
        vx_err_set(err, s, "%s; first: %s", m, r->first);
    }
    if (res)
        *res = r->res;
    vx_csv_reader_release(&r->rd);
    key_set_release(&r->pnrs);
    str_set_release(&r->codes);
    free(r);
    return s;
}

enum vx_status vx_import_stream(struct vx_store *st, enum vx_import_kind kind, FILE *f,
                                const char *name, long long size, const struct vx_import_opts *opts,
                                struct vx_import_result *res, struct vx_err *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if ((unsigned)kind >= VX_IMPORT_KIND_COUNT || !f || !opts)
        return vx_err_set(err, VX_EINVAL, "bad arguments");
    return run_stream(st, kinds[kind], f, name, size, opts, res, err, NULL, NULL);
}

static FILE *open_input(const char *path, long long *size, struct vx_err *err, enum vx_status *s)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        *s = vx_err_set(err, e == ENOENT ? VX_ENOTFOUND : VX_EIO, "%s: %s", path, strerror(e));
        return NULL;
    }
    struct stat sb;
    *size = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : -1;
    *s = VX_OK;
    return f;
}

enum vx_status vx_import_file(struct vx_store *st, enum vx_import_kind kind, const char *path,
                              const struct vx_import_opts *opts, struct vx_import_result *res,
                              struct vx_err *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    enum vx_status s;
    long long size;
    FILE *f = open_input(path, &size, err, &s);
    if (!f)
        return s;
    s = vx_import_stream(st, kind, f, path, size, opts, res, err);
    fclose(f);
    return s;
}

enum vx_status vx_import_reference(struct vx_store *st, const char *dir,
                                   const struct vx_import_opts *opts,
                                   struct vx_import_result res[2], struct vx_err *err)
{
    struct vx_err local;
    if (!err)
        err = &local;
    if (res)
        memset(res, 0, 2 * sizeof *res);
    struct vx_import_opts o = opts ? *opts : vx_import_opts_default(0);
    bool own_tx = st && !o.caller_tx;
    o.skip_bad = false;
    o.caller_tx = st != NULL;
    o.bulk = -1;
    static const char *const files[2] = {"regions.csv", "municipalities.csv"};
    const struct import_kind *ks[2] = {&import_kind_regions, &import_kind_municipalities};
    bool seen[100] = {false};
    enum vx_status s = VX_OK;
    if (own_tx && (s = vx_store_begin(st)) != VX_OK)
        return vx_err_set(err, s, "cannot begin a transaction: %s", st->err);
    for (int i = 0; i < 2 && s == VX_OK; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, files[i]) >= sizeof path) {
            s = vx_err_set(err, VX_EINVAL, "path too long");
            break;
        }
        long long size;
        FILE *f = open_input(path, &size, err, &s);
        if (!f)
            break;
        s = run_stream(st, ks[i], f, path, size, &o, res ? &res[i] : NULL, err,
                       i == 1 ? seen : NULL, i == 0 ? seen : NULL);
        fclose(f);
        if (s != VX_OK && err->msg[0] && !strstr(err->msg, files[i])) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            vx_err_set(err, s, "%s: %s", files[i], m);
        }
    }
    if (own_tx) {
        if (s == VX_OK && (s = vx_store_commit(st)) != VX_OK)
            vx_err_set(err, s, "cannot commit: %s", st->err);
        if (s != VX_OK)
            vx_store_rollback(st);
    }
    if (res && s != VX_OK && own_tx)
        res[0].imported = res[1].imported = 0, res[0].committed = res[1].committed = false;
    return s;
}

/* ---------------------------------------------------------- value parsers */

static bool ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

enum vx_status vx_import_parse_bool(const char *s, bool def, bool *out)
{
    static const struct {
        const char *text;
        bool value;
    } words[] = {
        {"0", false}, {"1", true},   {"false", false}, {"true", true}, {"nej", false},
        {"ja", true}, {"no", false}, {"yes", true},    {"n", false},   {"y", true},
        {"j", true},  {"f", false},  {"t", true},
    };
    if (!*s) {
        *out = def;
        return VX_OK;
    }
    for (size_t i = 0; i < VX_ARRAY_LEN(words); i++) {
        if (ieq(s, words[i].text)) {
            *out = words[i].value;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}

enum vx_status vx_import_parse_hhmm(const char *s, int *minute)
{
    if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
        !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
        !isdigit((unsigned char)s[4]))
        return VX_EINVAL;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return VX_EINVAL;
    *minute = h * 60 + m;
    return VX_OK;
}

/* Day name or number -> 0 (Monday) .. 6, or -1. */
static int weekday_of(const char *s, size_t n)
{
    static const char *const names[][4] = {
        {"mon", "monday", "mån", "måndag"},    {"tue", "tuesday", "tis", "tisdag"},
        {"wed", "wednesday", "ons", "onsdag"}, {"thu", "thursday", "tor", "torsdag"},
        {"fri", "friday", "fre", "fredag"},    {"sat", "saturday", "lör", "lördag"},
        {"sun", "sunday", "sön", "söndag"},
    };
    if (n == 1 && s[0] >= '1' && s[0] <= '7')
        return s[0] - '1';
    for (int d = 0; d < 7; d++)
        for (int j = 0; j < 4; j++)
            if (strlen(names[d][j]) == n && !strncasecmp(names[d][j], s, n))
                return d;
    return -1;
}

enum vx_status vx_import_parse_weekdays(const char *s, uint8_t *mask)
{
    uint8_t m = 0;
    const char *p = s;
    if (!*p)
        return VX_EINVAL;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != '|' && *p != ';')
            p++;
        size_t n = (size_t)(p - tok);
        while (n > 0 && tok[n - 1] == ' ')
            n--;
        const char *dash = memchr(tok, '-', n);
        int a, b;
        if (dash) {
            a = weekday_of(tok, (size_t)(dash - tok));
            b = weekday_of(dash + 1, n - (size_t)(dash - tok) - 1);
            if (a < 0 || b < 0 || b < a)
                return VX_EINVAL;
        } else {
            a = b = weekday_of(tok, n);
            if (a < 0)
                return VX_EINVAL;
        }
        for (int d = a; d <= b; d++)
            m |= (uint8_t)(1u << d);
        if (!*p)
            break;
        p++;
    }
    *mask = m;
    return VX_OK;
}
