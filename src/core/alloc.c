/*
 * alloc.c — delivery revisions and whole-package pro-rata allocation (pure core).
 *
 * Design. Deliveries are an append-only list of revisions; a query "as of D" picks the
 * latest revision known by D, so every forecast and its later correction stay visible.
 * The CSV parsers work on a private copy of each record (vx_csv_split splits in place)
 * and validate every field before appending, naming the line and column of a bad value.
 *
 * Allocation uses integer arithmetic only: region r's exact cumulative share after h
 * packages is h*w_r/W, and the Balinski-Young quota method adds one package at a time to
 * the region with the smallest (A_r+1)/w_r among those with A_r < (h+1)*w_r/W. That method
 * is house-monotone (weekly allocations never negative) and satisfies quota (both floor
 * and ceiling of the exact share), which plain largest-remainder on the cumulative target
 * does not guarantee week to week (Alabama paradox). Limits (W <= 1e9, h <= 1e9) keep all
 * products below 2^63.
 */
#include "vx/alloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/csv.h"

#define MAX_LIMIT 1000000000LL

static const char *const vaccine_codes[] = {"COM", "MOD", "AZ", "JANSS", "NVX", "COM_PAED", "ALL"};

bool vx_delivery_vaccine_known(const char *code)
{
    for (size_t i = 0; i < VX_ARRAY_LEN(vaccine_codes); i++)
        if (strcmp(code, vaccine_codes[i]) == 0)
            return true;
    return false;
}

int vx_isoweek_cmp(struct vx_isoweek a, struct vx_isoweek b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    return a.week < b.week ? -1 : a.week > b.week;
}

void vx_delivery_log_free(struct vx_delivery_log *log)
{
    free(log->revs);
    log->revs = NULL;
    log->n = log->cap = 0;
}

static enum vx_status log_push(struct vx_delivery_log *log, const struct vx_delivery_rev *r)
{
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 64;
        struct vx_delivery_rev *p = realloc(log->revs, cap * sizeof *p);
        if (p == NULL)
            return VX_ENOMEM;
        log->revs = p;
        log->cap = cap;
    }
    log->revs[log->n++] = *r;
    return VX_OK;
}

/* Line reader over text: yields complete records (quoted newlines joined). */
struct reader {
    const char *p, *end;
    int line; /* 1-based line of the current record */
    int next; /* line of the next record */
    char rec[4096];
};

/* Next record into r->rec; returns 1, 0 at end, or a negative status. */
static int next_record(struct reader *r, struct vx_err *err)
{
    if (r->p >= r->end)
        return 0;
    r->line = r->next;
    size_t len = 0;
    for (;;) {
        const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
        size_t part = nl ? (size_t)(nl - r->p) + 1 : (size_t)(r->end - r->p);
        if (len + part >= sizeof r->rec)
            return vx_err_set(err, VX_EPARSE, "line %d: record too long", r->line);
        memcpy(r->rec + len, r->p, part);
        len += part;
        r->rec[len] = '\0';
        r->p += part;
        r->next++;
        if (!vx_csv_needs_more(r->rec, len) || r->p >= r->end)
            break;
    }
    return 1;
}

static enum vx_status field_err(struct vx_err *err, int line, int col, const char *name,
                                const char *what, const char *val)
{
    return vx_err_set(err, VX_EPARSE, "line %d, column %d (%s): %s: '%.40s'", line, col, name, what,
                      val);
}

/* Non-negative integer; "" allowed only when *present is given (then set false). */
static bool parse_count(const char *s, long long *out)
{
    if (*s == '\0')
        return false;
    long long v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > MAX_LIMIT * 100)
            return false;
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return true;
}

/* Revision date from an as_of field: "YYYY-MM-DD" or "YYYY-Www" (its Sunday). */
static bool parse_as_of(const char *s, vx_day *out)
{
    struct vx_isoweek w;
    if (vx_isoweek_parse(s, &w) == VX_OK) {
        *out = vx_isoweek_monday(w.year, w.week) + 6;
        return true;
    }
    return vx_day_parse(s, out) == VX_OK;
}

/* Check the header names; returns VX_OK or VX_EPARSE naming the column. */
static enum vx_status check_header(struct reader *r, const char *const *names, int n,
                                   struct vx_err *err)
{
    char *f[VX_CSV_MAX_FIELDS];
    int nf = 0;
    int got = next_record(r, err);
    if (got < 0)
        return (enum vx_status)got;
    if (got == 0)
        return vx_err_set(err, VX_EPARSE, "line 1: empty file, expected a header");
    enum vx_status st = vx_csv_split(r->rec, strlen(r->rec), ',', f, VX_CSV_MAX_FIELDS, &nf, err);
    if (st != VX_OK)
        return vx_err_set(err, VX_EPARSE, "line 1: %s", err ? err->msg : "bad header");
    for (int i = 0; i < n; i++)
        if (i >= nf || strcmp(f[i], names[i]) != 0)
            return vx_err_set(err, VX_EPARSE, "line 1, column %d: expected '%s'", i + 1, names[i]);
    return VX_OK;
}

/* Split the current record expecting exactly n fields (blank lines: *blank = true). */
static enum vx_status split_row(struct reader *r, char **f, int n, bool *blank, struct vx_err *err)
{
    size_t len = strlen(r->rec);
    *blank = len == 0 || r->rec[0] == '\n' || (r->rec[0] == '\r' && len <= 2);
    if (*blank)
        return VX_OK;
    int nf = 0;
    enum vx_status st = vx_csv_split(r->rec, len, ',', f, VX_CSV_MAX_FIELDS, &nf, err);
    if (st != VX_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        return vx_err_set(err, VX_EPARSE, "line %d: %s", r->line, msg);
    }
    if (nf != n)
        return vx_err_set(err, VX_EPARSE, "line %d: %d columns, expected %d", r->line, nf, n);
    return VX_OK;
}

enum status_kind { ST_ACTUAL, ST_FORECAST, ST_IGNORED };
static const struct {
    const char *name;
    enum status_kind kind;
} statuses[] = {
    {"delivered", ST_ACTUAL},
    {"planned", ST_FORECAST},
    {"estimated", ST_FORECAST},
    {"prognosis", ST_FORECAST},
    {"distributed_to_region", ST_IGNORED},
    {"delivered_cumulative_final", ST_IGNORED},
};

/* Start reading text[0..len) and check its header against hdr[0..n). On failure
 * returns NULL with *st set (the reader is freed). */
static struct reader *reader_open(const char *text, size_t len, const char *const *hdr, int n,
                                  enum vx_status *st, struct vx_err *err)
{
    struct reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        *st = vx_err_set(err, VX_ENOMEM, "out of memory");
        return NULL;
    }
    r->p = text;
    r->end = text + len;
    r->next = 1;
    *st = check_header(r, hdr, n, err);
    return r;
}

/* Next non-blank data row split into f[0..n): true with a row; false at the end of the
 * text or when *st is (or becomes) an error. */
static bool reader_row(struct reader *r, char **f, int n, enum vx_status *st, struct vx_err *err)
{
    while (*st == VX_OK) {
        int got = next_record(r, err);
        if (got <= 0) {
            if (got < 0)
                *st = (enum vx_status)got;
            return false;
        }
        bool blank;
        if ((*st = split_row(r, f, n, &blank, err)) != VX_OK)
            return false;
        if (!blank)
            return true;
    }
    return false;
}

enum vx_status vx_delivery_parse_snapshots(struct vx_delivery_log *log, const char *text,
                                           size_t len, struct vx_err *err)
{
    static const char *const hdr[] = {"snapshot", "as_of",     "source_url", "lan_code", "region",
                                      "vaccine",  "week_from", "week_to",    "status",   "doses"};
    size_t start = log->n;
    enum vx_status st;
    struct reader *r = reader_open(text, len, hdr, 10, &st, err);
    if (r == NULL)
        return st;
    char *f[VX_CSV_MAX_FIELDS];
    while (reader_row(r, f, 10, &st, err)) {
        struct vx_delivery_rev rev;
        memset(&rev, 0, sizeof rev);
        struct vx_isoweek to;
        int kind = -1;
        if (f[0][0] == '\0' || strlen(f[0]) >= sizeof rev.source) {
            st = field_err(err, r->line, 1, "snapshot", "empty or too long", f[0]);
        } else if (!parse_as_of(f[1], &rev.known)) {
            st = field_err(err, r->line, 2, "as_of", "not a date or ISO week", f[1]);
        } else if (!vx_delivery_vaccine_known(f[5])) {
            st = field_err(err, r->line, 6, "vaccine", "unknown vaccine code", f[5]);
        } else if (vx_isoweek_parse(f[6], &rev.week) != VX_OK) {
            st = field_err(err, r->line, 7, "week_from", "not an ISO week YYYY-Www", f[6]);
        } else if (vx_isoweek_parse(f[7], &to) != VX_OK) {
            st = field_err(err, r->line, 8, "week_to", "not an ISO week YYYY-Www", f[7]);
        } else if (vx_isoweek_cmp(to, rev.week) < 0) {
            st = field_err(err, r->line, 8, "week_to", "before week_from", f[7]);
        } else if (!parse_count(f[9], &rev.doses)) {
            st = field_err(err, r->line, 10, "doses",
                           f[9][0] == '-' ? "negative doses" : "not a whole number of doses", f[9]);
        }
        if (st != VX_OK)
            break;
        for (size_t i = 0; i < VX_ARRAY_LEN(statuses); i++)
            if (strcmp(f[8], statuses[i].name) == 0)
                kind = (int)statuses[i].kind;
        if (kind < 0) {
            st = field_err(err, r->line, 9, "status", "unknown status", f[8]);
            break;
        }
        if (kind == ST_IGNORED || strcmp(f[3], "00") != 0 || vx_isoweek_cmp(to, rev.week) != 0)
            continue;
        rev.kind = kind == ST_ACTUAL ? VX_DELIVERY_ACTUAL : VX_DELIVERY_FORECAST;
        snprintf(rev.vaccine, sizeof rev.vaccine, "%s", f[5]);
        snprintf(rev.source, sizeof rev.source, "%s", f[0]);
        if ((st = log_push(log, &rev)) != VX_OK)
            vx_err_set(err, st, "out of memory");
    }
    free(r);
    if (st != VX_OK) {
        log->n = start;
        return st;
    }
    /* "ALL" rows: dropped when their snapshot has per-vaccine rows (pass 1 marks them
     * ""), else attributed to COM (pass 2). */
    for (size_t i = start; i < log->n; i++) {
        struct vx_delivery_rev *rv = &log->revs[i];
        if (strcmp(rv->vaccine, "ALL") != 0)
            continue;
        for (size_t j = start; j < log->n; j++)
            if (strcmp(log->revs[j].source, rv->source) == 0 &&
                strcmp(log->revs[j].vaccine, "ALL") != 0 && log->revs[j].vaccine[0] != '\0') {
                rv->vaccine[0] = '\0';
                break;
            }
    }
    size_t w = start;
    for (size_t i = start; i < log->n; i++) {
        struct vx_delivery_rev *rv = &log->revs[i];
        if (rv->vaccine[0] == '\0')
            continue;
        if (strcmp(rv->vaccine, "ALL") == 0)
            snprintf(rv->vaccine, sizeof rv->vaccine, "COM");
        log->revs[w++] = *rv;
    }
    log->n = w;
    return VX_OK;
}

static bool has_forecast(const struct vx_delivery_log *log, size_t upto, struct vx_isoweek w,
                         const char *vaccine)
{
    for (size_t i = 0; i < upto; i++)
        if (log->revs[i].kind == VX_DELIVERY_FORECAST &&
            vx_isoweek_cmp(log->revs[i].week, w) == 0 && strcmp(log->revs[i].vaccine, vaccine) == 0)
            return true;
    return false;
}

enum vx_status vx_delivery_parse_reconstructed(struct vx_delivery_log *log, const char *text,
                                               size_t len, struct vx_err *err)
{
    static const char *const hdr[] = {"iso_week", "vaccine", "doses", "method", "forecast_doses"};
    size_t start = log->n;
    enum vx_status st;
    struct reader *r = reader_open(text, len, hdr, 5, &st, err);
    if (r == NULL)
        return st;
    char *f[VX_CSV_MAX_FIELDS];
    while (reader_row(r, f, 5, &st, err)) {
        struct vx_delivery_rev rev;
        memset(&rev, 0, sizeof rev);
        long long fc = -1;
        if (vx_isoweek_parse(f[0], &rev.week) != VX_OK)
            st = field_err(err, r->line, 1, "iso_week", "not an ISO week YYYY-Www", f[0]);
        else if (!vx_delivery_vaccine_known(f[1]) || strcmp(f[1], "ALL") == 0)
            st = field_err(err, r->line, 2, "vaccine", "unknown vaccine code", f[1]);
        else if (!parse_count(f[2], &rev.doses))
            st = field_err(err, r->line, 3, "doses",
                           f[2][0] == '-' ? "negative doses" : "not a whole number of doses", f[2]);
        else if (strcmp(f[3], "observed") != 0 && strcmp(f[3], "interpolated") != 0)
            st = field_err(err, r->line, 4, "method", "expected observed or interpolated", f[3]);
        else if (f[4][0] != '\0' && !parse_count(f[4], &fc))
            st = field_err(err, r->line, 5, "forecast_doses",
                           f[4][0] == '-' ? "negative doses" : "not a whole number of doses", f[4]);
        if (st != VX_OK)
            break;
        snprintf(rev.vaccine, sizeof rev.vaccine, "%s", f[1]);
        vx_day monday = vx_isoweek_monday(rev.week.year, rev.week.week);
        if (fc >= 0 && !has_forecast(log, start, rev.week, rev.vaccine)) {
            struct vx_delivery_rev frev = rev;
            frev.kind = VX_DELIVERY_FORECAST;
            frev.doses = fc;
            frev.known = monday - 7;
            snprintf(frev.source, sizeof frev.source, "R:forecast");
            if ((st = log_push(log, &frev)) != VX_OK)
                break;
        }
        rev.kind = VX_DELIVERY_ACTUAL;
        rev.known = monday + 6;
        snprintf(rev.source, sizeof rev.source, "R:%s", f[3]);
        if ((st = log_push(log, &rev)) != VX_OK)
            break;
    }
    free(r);
    if (st == VX_ENOMEM)
        vx_err_set(err, st, "out of memory");
    if (st != VX_OK)
        log->n = start;
    return st;
}

static int rev_cmp(const void *pa, const void *pb)
{
    const struct vx_delivery_rev *a = pa, *b = pb;
    int c = vx_isoweek_cmp(a->week, b->week);
    if (c == 0)
        c = strcmp(a->vaccine, b->vaccine);
    if (c == 0)
        c = (a->known > b->known) - (a->known < b->known);
    if (c == 0)
        c = (int)a->kind - (int)b->kind;
    if (c == 0)
        c = strcmp(a->source, b->source);
    return c;
}

void vx_delivery_log_sort(struct vx_delivery_log *log)
{
    if (log->n > 1)
        qsort(log->revs, log->n, sizeof *log->revs, rev_cmp);
}

enum vx_status vx_delivery_known(const struct vx_delivery_log *log, struct vx_isoweek week,
                                 const char *vaccine, vx_day as_of,
                                 const struct vx_delivery_rev **out)
{
    const struct vx_delivery_rev *best = NULL;
    for (size_t i = 0; i < log->n; i++) {
        const struct vx_delivery_rev *r = &log->revs[i];
        if (r->known > as_of || vx_isoweek_cmp(r->week, week) != 0 ||
            strcmp(r->vaccine, vaccine) != 0)
            continue;
        if (best == NULL || r->known > best->known ||
            (r->known == best->known && r->kind >= best->kind))
            best = r;
    }
    *out = best;
    return best ? VX_OK : VX_ENOTFOUND;
}

/* ---- allocation basis and population ---- */

static bool parse_age(const char **s, int *out)
{
    int v = 0, digits = 0;
    while (**s >= '0' && **s <= '9' && digits < 3) {
        v = v * 10 + (**s - '0');
        (*s)++;
        digits++;
    }
    *out = v;
    return digits > 0;
}

enum vx_status vx_alloc_basis_parse(const char *spec, int *lo, int *hi, struct vx_err *err)
{
    if (strcmp(spec, "adult") == 0) {
        *lo = 18;
        *hi = 200;
        return VX_OK;
    }
    const char *s = spec;
    if (strncmp(s, "age:", 4) == 0) {
        s += 4;
        if (parse_age(&s, lo) && *s == '-') {
            s++;
            *hi = 200;
            if (*s == '\0' || (parse_age(&s, hi) && *s == '\0' && *hi >= *lo))
                return VX_OK;
        }
    }
    return vx_err_set(err, VX_EINVAL,
                      "basis '%.40s': expected adult, age:LO- or age:LO-HI (e.g. age:65-)", spec);
}

/* Age band "a-b" or "a+" (open: a..104). */
static bool parse_band(const char *s, int *a, int *b)
{
    if (!parse_age(&s, a))
        return false;
    if (*s == '+' && s[1] == '\0') {
        *b = 104;
        return true;
    }
    return *s++ == '-' && parse_age(&s, b) && *s == '\0' && *b >= *a;
}

enum vx_status vx_population_by_lan(const char *text, size_t len, int year, int lo, int hi,
                                    long long by_lan[100], struct vx_err *err)
{
    static const char *const hdr[] = {"kommun_code", "year", "age_group", "sex", "population"};
    memset(by_lan, 0, 100 * sizeof *by_lan);
    bool any = false;
    enum vx_status st;
    struct reader *r = reader_open(text, len, hdr, 5, &st, err);
    if (r == NULL)
        return st;
    char *f[VX_CSV_MAX_FIELDS];
    while (reader_row(r, f, 5, &st, err)) {
        long long y = 0, pop = 0;
        int a = 0, b = 0;
        if (strlen(f[0]) != 4 || !parse_count(f[0], &y))
            st = field_err(err, r->line, 1, "kommun_code", "expected 4 digits", f[0]);
        else if (!parse_count(f[1], &y))
            st = field_err(err, r->line, 2, "year", "not a year", f[1]);
        else if (!parse_band(f[2], &a, &b))
            st = field_err(err, r->line, 3, "age_group", "expected A-B or A+", f[2]);
        else if (!parse_count(f[4], &pop))
            st = field_err(err, r->line, 5, "population", "not a whole number", f[4]);
        if (st != VX_OK)
            break;
        if (y != year || strcmp(f[3], "all") != 0)
            continue;
        any = true;
        int from = a > lo ? a : lo, to = b < hi ? b : hi;
        if (from > to)
            continue;
        int lan = (f[0][0] - '0') * 10 + (f[0][1] - '0');
        by_lan[lan] += pop * (to - from + 1) / (b - a + 1);
        if (by_lan[lan] > MAX_LIMIT) {
            st = vx_err_set(err, VX_ERANGE, "line %d: population above 1e9", r->line);
            break;
        }
    }
    free(r);
    if (st == VX_OK && !any)
        st = vx_err_set(err, VX_ENOTFOUND, "no population rows for year %d", year);
    return st;
}

/* ---- allocation ---- */

enum vx_status vx_alloc_init(struct vx_alloc *a, size_t n, const long long *weight,
                             long long package, struct vx_err *err)
{
    memset(a, 0, sizeof *a);
    if (n == 0 || n > VX_ALLOC_MAX_REGIONS)
        return vx_err_set(err, VX_EINVAL, "%zu regions: expected 1..%d", n, VX_ALLOC_MAX_REGIONS);
    if (package < 1 || package > MAX_LIMIT)
        return vx_err_set(err, VX_EINVAL, "package of %lld doses: expected 1..1e9", package);
    long long total = 0;
    for (size_t i = 0; i < n; i++) {
        if (weight[i] < 0 || weight[i] > MAX_LIMIT)
            return vx_err_set(err, VX_EINVAL, "region %zu: weight %lld outside 0..1e9", i,
                              weight[i]);
        total += weight[i];
        a->weight[i] = weight[i];
    }
    if (total <= 0 || total > MAX_LIMIT)
        return vx_err_set(err, VX_EINVAL, "total weight %lld: expected 1..1e9", total);
    a->n = n;
    a->total_weight = total;
    a->package = package;
    return VX_OK;
}

enum vx_status vx_alloc_week(struct vx_alloc *a, long long doses, long long *week_packages,
                             struct vx_err *err)
{
    if (doses < 0)
        return vx_err_set(err, VX_EINVAL, "negative delivery %lld", doses);
    if (doses > MAX_LIMIT * 10 - a->cum_supply)
        return vx_err_set(err, VX_ERANGE, "cumulative supply above 1e10 doses");
    long long target = (a->cum_supply + doses) / a->package;
    if (target > MAX_LIMIT)
        return vx_err_set(err, VX_ERANGE, "more than 1e9 packages");
    a->cum_supply += doses;
    if (week_packages)
        memset(week_packages, 0, a->n * sizeof *week_packages);
    long long W = a->total_weight;
    while (a->cum_packages < target) {
        long long h = a->cum_packages + 1;
        size_t best = a->n;
        for (size_t r = 0; r < a->n; r++) {
            long long w = a->weight[r];
            if (w == 0 || a->cum[r] * W >= h * w) /* at upper quota */
                continue;
            if (best == a->n || (a->cum[r] + 1) * a->weight[best] < (a->cum[best] + 1) * w)
                best = r;
        }
        if (best == a->n)
            return vx_err_set(err, VX_EINTERNAL, "no region eligible for package %lld", h);
        a->cum[best]++;
        a->cum_packages = h;
        if (week_packages)
            week_packages[best]++;
    }
    if (!vx_alloc_within_quota(a))
        return vx_err_set(err, VX_EINTERNAL, "allocation left quota after %lld packages",
                          a->cum_packages);
    return VX_OK;
}

enum vx_status vx_alloc_rebase(struct vx_alloc *a, const long long *weight, struct vx_err *err)
{
    struct vx_alloc b;
    enum vx_status st = vx_alloc_init(&b, a->n, weight, a->package, err);
    if (st != VX_OK)
        return st;
    b.cum_supply = vx_alloc_carry(a);
    *a = b;
    return VX_OK;
}

double vx_alloc_exact(const struct vx_alloc *a, size_t r)
{
    return (double)a->cum_packages * (double)a->weight[r] / (double)a->total_weight;
}

long long vx_alloc_carry(const struct vx_alloc *a)
{
    return a->cum_supply - a->cum_packages * a->package;
}

bool vx_alloc_within_quota(const struct vx_alloc *a)
{
    long long sum = 0, W = a->total_weight, h = a->cum_packages;
    for (size_t r = 0; r < a->n; r++) {
        long long hw = h * a->weight[r], A = a->cum[r];
        /* floor(hw/W) <= A <= ceil(hw/W)  <=>  A*W <= hw + W - 1 and A*W >= hw - W + 1 */
        if (A * W > hw + W - 1 || A * W < hw - W + 1)
            return false;
        sum += A;
    }
    return sum == h && a->cum_supply - h * a->package < a->package;
}
