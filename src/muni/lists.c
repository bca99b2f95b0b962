/*
 * lists.c — parsing a municipality's resident-list upload (CSV or JSON) into rows and
 * problems.
 *
 * Both formats go through one field table (`cols`): the column name, whether it is
 * required, and the setter that checks and stores the value. The CSV parser maps
 * the header's names to that table once and then feeds each record's fields through
 * the setters; the JSON parser feeds each object's members through the same setters,
 * so both formats accept exactly the same values and report the same reasons.
 *
 * An upload is all or nothing, so the parser does not stop at the first problem:
 * it checks every line and keeps up to VX_MUNI_MAX_PROBLEMS problems (counting all),
 * each with its 1-based line and column, so a coordinator can fix a whole file in
 * one go. Duplicated personnummer are found at the end by sorting an index (the
 * later line is reported, naming the earlier one).
 *
 * Limits (curl's rule: a hard maximum instead of unbounded growth): the text may be
 * at most VX_MUNI_MAX_CSV_BYTES, at most VX_MUNI_MAX_ROWS rows, a record at most 8 KiB.
 * Text fields must be UTF-8 without control characters, so what is stored is safe
 * to put into JSON and HTML. Pure: no I/O, no clock (today is a parameter).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include "vx/csv.h"
#include "vx/muni.h"
#include "vx/pnr.h"

#define RECORD_MAX 8192

void vx_muni_upload_init(struct vx_muni_upload *up)
{
    memset(up, 0, sizeof *up);
}

void vx_muni_upload_release(struct vx_muni_upload *up)
{
    free(up->rows);
    vx_muni_upload_init(up);
}

void vx_muni_upload_problem(struct vx_muni_upload *up, int line, const char *column,
                            const char *fmt, ...)
{
    up->total_problems++;
    if (up->n_problems >= VX_MUNI_MAX_PROBLEMS)
        return;
    struct vx_muni_problem *p = &up->problems[up->n_problems++];
    p->line = line;
    snprintf(p->column, sizeof p->column, "%s", column ? column : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
}

char *vx_muni_problem_format(const struct vx_muni_problem *p, char *buf, size_t len)
{
    if (p->line > 0 && p->column[0])
        snprintf(buf, len, "line %d, column %s: %s", p->line, p->column, p->reason);
    else if (p->line > 0)
        snprintf(buf, len, "line %d: %s", p->line, p->reason);
    else
        snprintf(buf, len, "%s", p->reason);
    return buf;
}

/* ------------------------------------------------------------------ fields */

/* Valid UTF-8 without control characters (C0, DEL). */
static bool clean_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || (*p == 0xc0 || *p == 0xc1))
            return false;
        for (int i = 1; i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += n + 1;
    }
    return true;
}

/* Leading and trailing blanks removed, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

struct field_ctx {
    struct vx_muni_upload *up;
    struct vx_muni_row *row;
    int line;
    const char *col;
    vx_day today;
};

typedef void (*setter)(struct field_ctx *f, const char *v);

#define PROBLEM(f, ...) vx_muni_upload_problem((f)->up, (f)->line, (f)->col, __VA_ARGS__)

static void set_pnr(struct field_ctx *f, const char *v)
{
    struct vx_pnr_opts o = vx_pnr_opts_default(f->today);
    struct vx_pnr p;
    struct vx_pnr_error e;
    if (vx_pnr_parse(v, &o, &p, &e) != VX_OK) {
        char why[96];
        vx_pnr_error_text(&e, why, sizeof why);
        PROBLEM(f, "%s", why);
        return;
    }
    memcpy(f->row->pnr, p.norm, sizeof f->row->pnr);
}

static void set_unit_code(struct field_ctx *f, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= VX_MUNI_UNIT_CODE_MAX) {
        PROBLEM(f, "must be 1 to %d characters", VX_MUNI_UNIT_CODE_MAX - 1);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.') {
            PROBLEM(f, "only letters A-Z, digits, '-', '_' and '.' are allowed");
            return;
        }
    memcpy(f->row->unit_code, v, n + 1);
}

static void set_text(struct field_ctx *f, const char *v, char *dst, size_t size)
{
    size_t n = strlen(v);
    if (n >= size) {
        PROBLEM(f, "longer than %zu bytes", size - 1);
        return;
    }
    if (!clean_text(v)) {
        PROBLEM(f, "not UTF-8 text, or contains control characters");
        return;
    }
    memcpy(dst, v, n + 1);
}

static void set_unit_name(struct field_ctx *f, const char *v)
{
    set_text(f, v, f->row->unit_name, sizeof f->row->unit_name);
}

static void set_notes(struct field_ctx *f, const char *v)
{
    set_text(f, v, f->row->notes, sizeof f->row->notes);
}

static void set_list_type(struct field_ctx *f, const char *v)
{
    if (vx_muni_list_type_parse(v, &f->row->type) != VX_OK)
        PROBLEM(f,
                "unknown list type '%.40s' (special_housing, home_care, home_health_care, "
                "lss_home)",
                v);
}

static void set_consent(struct field_ctx *f, const char *v)
{
    if (!*v)
        f->row->consent = VX_MUNI_CONSENT_UNKNOWN;
    else if (vx_muni_consent_parse(v, &f->row->consent) != VX_OK)
        PROBLEM(f, "unknown consent '%.40s' (unknown, given, declined, representative)", v);
}

static void set_status(struct field_ctx *f, const char *v)
{
    if (!*v)
        f->row->status = VX_MUNI_ROW_ACTIVE;
    else if (vx_muni_row_status_parse(v, &f->row->status) != VX_OK)
        PROBLEM(f, "unknown status '%.40s' (active, deceased, moved_out)", v);
}

enum { C_PNR, C_UNIT_CODE, C_LIST_TYPE, C_UNIT_NAME, C_CONSENT, C_STATUS, C_NOTES, C_COUNT };

static const struct {
    const char *name;
    bool required;
    setter set;
} cols[C_COUNT] = {
    [C_PNR] = {"personnummer", true, set_pnr},
    [C_UNIT_CODE] = {"unit_code", true, set_unit_code},
    [C_LIST_TYPE] = {"list_type", true, set_list_type},
    [C_UNIT_NAME] = {"unit_name", false, set_unit_name},
    [C_CONSENT] = {"consent", false, set_consent},
    [C_STATUS] = {"status", false, set_status},
    [C_NOTES] = {"notes", false, set_notes},
};

static int col_find(const char *name)
{
    for (int i = 0; i < C_COUNT; i++)
        if (!strcasecmp(cols[i].name, name))
            return i;
    return -1;
}

/* A new zeroed row at the end of up->rows, or NULL (problem added) when full. */
static struct vx_muni_row *row_add(struct vx_muni_upload *up, int line, enum vx_status *rc)
{
    if (up->n_rows >= VX_MUNI_MAX_ROWS) {
        if (*rc == VX_OK || *rc == VX_EINVAL)
            vx_muni_upload_problem(up, line, NULL, "more than %d rows in one upload",
                                   VX_MUNI_MAX_ROWS);
        *rc = VX_ERANGE;
        return NULL;
    }
    if (up->n_rows == up->cap_rows) {
        int cap = up->cap_rows ? up->cap_rows * 2 : 64;
        if (cap > VX_MUNI_MAX_ROWS)
            cap = VX_MUNI_MAX_ROWS;
        struct vx_muni_row *r = realloc(up->rows, (size_t)cap * sizeof *r);
        if (!r) {
            *rc = VX_ENOMEM;
            return NULL;
        }
        up->rows = r;
        up->cap_rows = cap;
    }
    struct vx_muni_row *r = &up->rows[up->n_rows++];
    memset(r, 0, sizeof *r);
    r->line = line;
    return r;
}

static int cmp_pnr_idx(const void *a, const void *b, void *ctx)
{
    const struct vx_muni_row *rows = ctx;
    const int *x = a, *y = b;
    int c = strcmp(rows[*x].pnr, rows[*y].pnr);
    return c ? c : (*x > *y) - (*x < *y);
}

/* Report each personnummer that occurs on more than one row. */
static enum vx_status find_duplicates(struct vx_muni_upload *up, const char *col)
{
    if (up->n_rows < 2)
        return VX_OK;
    int *idx = malloc((size_t)up->n_rows * sizeof *idx);
    if (!idx)
        return VX_ENOMEM;
    int n = 0;
    for (int i = 0; i < up->n_rows; i++)
        if (up->rows[i].pnr[0])
            idx[n++] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, cmp_pnr_idx, up->rows);
    for (int i = 1; i < n; i++)
        if (!strcmp(up->rows[idx[i]].pnr, up->rows[idx[i - 1]].pnr)) {
            int first = i - 1;
            while (first > 0 && !strcmp(up->rows[idx[first - 1]].pnr, up->rows[idx[i]].pnr))
                first--;
            vx_muni_upload_problem(up, up->rows[idx[i]].line, col,
                                   "the same person is already on line %d",
                                   up->rows[idx[first]].line);
        }
    free(idx);
    return VX_OK;
}

/* ------------------------------------------------------------------ CSV */

enum vx_status vx_muni_parse_csv(const char *text, size_t len, vx_day today,
                                 struct vx_muni_upload *up)
{
    if (len > VX_MUNI_MAX_CSV_BYTES) {
        vx_muni_upload_problem(up, 0, NULL, "the file is larger than %u bytes",
                               VX_MUNI_MAX_CSV_BYTES);
        return VX_ERANGE;
    }
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
        text += 3;
        len -= 3;
    }
    char *rec = malloc(RECORD_MAX + 1);
    if (!rec)
        return VX_ENOMEM;
    enum vx_status rc = VX_OK;
    int map[VX_CSV_MAX_FIELDS]; /* CSV column -> cols[] index, -1 = none */
    int n_map = 0;
    char sep = ',';
    bool header = true;
    size_t pos = 0;
    int line = 0;
    while (pos < len && rc != VX_ENOMEM && rc != VX_ERANGE) {
        /* collect one record: physical lines until the quotes balance */
        int first_line = line + 1;
        size_t rl = 0;
        bool too_long = false;
        do {
            const char *nl = memchr(text + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - text) + 1 : len;
            size_t n = end - pos;
            if (rl + n > RECORD_MAX)
                too_long = true;
            else
                memcpy(rec + rl, text + pos, n);
            rl += too_long ? 0 : n;
            pos = end;
            line++;
        } while (!too_long && pos < len && vx_csv_needs_more(rec, rl));
        rec[rl] = '\0';
        if (too_long) {
            vx_muni_upload_problem(up, first_line, NULL, "longer than %d bytes", RECORD_MAX);
            rc = VX_EINVAL;
            if (header)
                break;
            continue;
        }
        if (memchr(rec, '\0', rl)) {
            vx_muni_upload_problem(up, first_line, NULL, "contains a NUL byte");
            rc = VX_EINVAL;
            if (header)
                break;
            continue;
        }
        /* blank lines are skipped */
        bool blank = true;
        for (size_t i = 0; i < rl && blank; i++)
            blank = rec[i] == ' ' || rec[i] == '\t' || rec[i] == '\r' || rec[i] == '\n';
        if (blank)
            continue;
        if (header) {
            sep = strchr(rec, ';') && !strchr(rec, ',') ? ';' : ',';
        }
        char *fields[VX_CSV_MAX_FIELDS];
        int nf = 0;
        struct vx_err e = {0};
        if (vx_csv_split(rec, rl, sep, fields, VX_CSV_MAX_FIELDS, &nf, &e) != VX_OK) {
            vx_muni_upload_problem(up, first_line, NULL, "%s", e.msg);
            rc = VX_EINVAL;
            if (header)
                break;
            continue;
        }
        if (header) {
            header = false;
            n_map = nf;
            bool seen[C_COUNT] = {0};
            for (int i = 0; i < nf; i++) {
                const char *name = trim(fields[i]);
                map[i] = col_find(name);
                if (map[i] < 0) {
                    vx_muni_upload_problem(up, first_line, NULL,
                                           "column %d: unknown column '%.40s'", i + 1, name);
                    rc = VX_EINVAL;
                } else if (seen[map[i]]) {
                    vx_muni_upload_problem(up, first_line, cols[map[i]].name, "named twice");
                    rc = VX_EINVAL;
                } else {
                    seen[map[i]] = true;
                }
            }
            for (int c = 0; c < C_COUNT; c++)
                if (cols[c].required && !seen[c]) {
                    vx_muni_upload_problem(up, first_line, cols[c].name,
                                           "required column missing from the header");
                    rc = VX_EINVAL;
                }
            if (rc != VX_OK)
                break;
            continue;
        }
        if (nf != n_map) {
            vx_muni_upload_problem(up, first_line, NULL, "%d columns, the header has %d", nf,
                                   n_map);
            rc = VX_EINVAL;
            continue;
        }
        struct vx_muni_row *row = row_add(up, first_line, &rc);
        if (!row)
            break;
        int before = up->total_problems;
        struct field_ctx f = {.up = up, .row = row, .line = first_line, .today = today};
        for (int i = 0; i < nf; i++) {
            int c = map[i];
            char *v = trim(fields[i]);
            f.col = cols[c].name;
            if (!*v && cols[c].required) {
                PROBLEM(&f, "required");
                continue;
            }
            cols[c].set(&f, v);
        }
        if (up->total_problems != before)
            rc = VX_EINVAL;
    }
    free(rec);
    if (header && rc == VX_OK) {
        vx_muni_upload_problem(up, 0, NULL, "the file is empty (a header line is required)");
        rc = VX_EINVAL;
    } else if (rc == VX_OK && up->n_rows == 0) {
        vx_muni_upload_problem(up, 0, NULL, "the file has no rows after the header");
        rc = VX_EINVAL;
    }
    if (rc == VX_OK || rc == VX_EINVAL) {
        int before = up->total_problems;
        if (find_duplicates(up, cols[C_PNR].name) != VX_OK)
            return VX_ENOMEM;
        if (up->total_problems != before)
            rc = VX_EINVAL;
    }
    return rc;
}

/* ------------------------------------------------------------------ JSON */

enum vx_status vx_muni_parse_json(const cJSON *rows, vx_day today, struct vx_muni_upload *up)
{
    if (!cJSON_IsArray(rows)) {
        vx_muni_upload_problem(up, 0, "rows", "must be an array of objects");
        return VX_EINVAL;
    }
    enum vx_status rc = VX_OK;
    int line = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, rows)
    {
        line++;
        if (!cJSON_IsObject(item)) {
            vx_muni_upload_problem(up, line, NULL, "must be an object");
            rc = VX_EINVAL;
            continue;
        }
        struct vx_muni_row *row = row_add(up, line, &rc);
        if (!row)
            break;
        int before = up->total_problems;
        struct field_ctx f = {.up = up, .row = row, .line = line, .today = today};
        bool seen[C_COUNT] = {0};
        const cJSON *m;
        cJSON_ArrayForEach(m, item)
        {
            int c = m->string ? col_find(m->string) : -1;
            f.col = m->string ? m->string : "";
            if (c < 0) {
                PROBLEM(&f, "unknown field");
                continue;
            }
            f.col = cols[c].name;
            if (cJSON_IsNull(m))
                continue;
            if (!cJSON_IsString(m)) {
                PROBLEM(&f, "must be a string");
                continue;
            }
            seen[c] = true;
            char v[VX_MUNI_NOTES_MAX + 8];
            size_t n = strlen(m->valuestring);
            if (n >= sizeof v) {
                PROBLEM(&f, "too long");
                continue;
            }
            memcpy(v, m->valuestring, n + 1);
            char *t = trim(v);
            if (!*t && cols[c].required) {
                PROBLEM(&f, "required");
                continue;
            }
            cols[c].set(&f, t);
        }
        for (int c = 0; c < C_COUNT; c++)
            if (cols[c].required && !seen[c]) {
                f.col = cols[c].name;
                PROBLEM(&f, "required");
            }
        if (up->total_problems != before)
            rc = VX_EINVAL;
    }
    if (line == 0 && rc == VX_OK) {
        vx_muni_upload_problem(up, 0, "rows", "the list is empty");
        rc = VX_EINVAL;
    }
    if (rc == VX_OK || rc == VX_EINVAL) {
        int before = up->total_problems;
        if (find_duplicates(up, cols[C_PNR].name) != VX_OK)
            return VX_ENOMEM;
        if (up->total_problems != before)
            rc = VX_EINVAL;
    }
    return rc;
}
