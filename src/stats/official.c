/*
 * official.c — Folkhälsomyndigheten's published series ("official"), read from the
 * shared files of ../shared/data/se and stored beside vaxchain's own counts.
 *
 * Three files, three layouts, one long format (struct vx_stats_official: dataset,
 * week, region, kommun, age group, measure, value, share, population). Each layout is
 * a row of `layouts[]`: the exact header, which column holds the week, region,
 * kommun, age group, status and population, and the value columns with their
 * measure names and share columns. The parser is pure (text in, rows to a callback),
 * so the fuzz target drives it directly; vx_stats_load_official reads the files and
 * replaces the stored series in one transaction.
 *
 * An empty value cell means "not yet reported" in FoHM's files and gives no row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stats_int.h"
#include "vx/csv.h"

#define OFF_LINE_MAX 2048
#define OFF_FILE_MAX (16u * 1024u * 1024u)

struct value_col {
    int col;       /* column of the value */
    int share_col; /* column of its share, -1 = none */
    const char *measure;
};

struct layout {
    const char *file;
    const char *header;
    int week_col, region_col, kommun_col, age_col;
    int status_col;     /* measure name from this column (value_cols[0]), -1 = fixed */
    int population_col; /* -1 = none */
    int ncols;
    struct value_col values[6];
};

static const struct layout layouts[VX_OD_COUNT] = {
    [VX_OD_REGION_WEEK] =
        {
            .file = "fohm_vaccinations_region_week.csv",
            .header = "iso_week,iso_year,week,lan_code,region,doses_administered_cum,"
                      "persons_dose1_cum,share_dose1,persons_dose2_cum,share_dose2,"
                      "persons_dose3_cum,share_dose3,persons_dose4_cum,share_dose4,"
                      "persons_dose5_cum,share_dose5",
            .week_col = 0,
            .region_col = 3,
            .kommun_col = -1,
            .age_col = -1,
            .status_col = -1,
            .population_col = -1,
            .ncols = 16,
            .values = {{5, -1, "doses_administered_cum"},
                       {6, 7, "persons_dose1_cum"},
                       {8, 9, "persons_dose2_cum"},
                       {10, 11, "persons_dose3_cum"},
                       {12, 13, "persons_dose4_cum"},
                       {14, 15, "persons_dose5_cum"}},
        },
    [VX_OD_REGION_AGE] =
        {
            .file = "fohm_vaccinated_region_age_snapshot.csv",
            .header = "data_through_week,published,lan_code,region,age_group,status,persons,share",
            .week_col = 0,
            .region_col = 2,
            .kommun_col = -1,
            .age_col = 4,
            .status_col = 5,
            .population_col = -1,
            .ncols = 8,
            .values = {{6, 7, NULL}},
        },
    [VX_OD_KOMMUN_AGE] =
        {
            .file = "fohm_vaccinated_municipality_age_snapshot.csv",
            .header = "data_through_week,published,kommun_code,lan_code,age_group,population,"
                      "persons_at_least_1_dose,persons_fully_vaccinated,persons_at_least_2_doses,"
                      "persons_3_doses,persons_4_doses,share_at_least_1_dose,"
                      "share_fully_vaccinated,share_at_least_2_doses,share_3_doses,share_4_doses",
            .week_col = 0,
            .region_col = 3,
            .kommun_col = 2,
            .age_col = 4,
            .status_col = -1,
            .population_col = 5,
            .ncols = 16,
            .values = {{6, 11, "at_least_1_dose"},
                       {7, 12, "fully_vaccinated"},
                       {8, 13, "at_least_2_doses"},
                       {9, 14, "3_doses"},
                       {10, 15, "4_doses"}},
        },
};

static const char *const dataset_codes[VX_OD_COUNT] = {"region_week", "region_age", "kommun_age"};

const char *vx_stats_dataset_code(enum vx_stats_dataset d)
{
    return (unsigned)d < VX_OD_COUNT ? dataset_codes[d] : "";
}

enum vx_status vx_stats_dataset_parse(const char *s, enum vx_stats_dataset *out)
{
    for (int i = 0; s && i < VX_OD_COUNT; i++)
        if (!strcmp(s, dataset_codes[i])) {
            *out = (enum vx_stats_dataset)i;
            return VX_OK;
        }
    return VX_EINVAL;
}

const char *vx_stats_dataset_file(enum vx_stats_dataset d)
{
    return (unsigned)d < VX_OD_COUNT ? layouts[d].file : "";
}

static bool parse_int(const char *s, int64_t *out)
{
    if (!*s || strlen(s) > 15)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

static bool parse_share(const char *s, double *out)
{
    if (!*s || strlen(s) > 40)
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !end || *end || !(v >= 0.0 && v <= 10.0)) /* shares are fractions */
        return false;
    *out = v;
    return true;
}

static bool text_ok(const char *s, size_t max, bool digits)
{
    size_t n = strlen(s);
    if (n >= max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (digits ? (c < '0' || c > '9') : (c < 0x20 || c == 0x7f))
            return false;
    }
    return true;
}

enum vx_status vx_stats_official_parse(enum vx_stats_dataset ds, const char *text, size_t len,
                                       int (*cb)(void *ctx, const struct vx_stats_official *row),
                                       void *ctx, struct vx_err *err)
{
    if ((unsigned)ds >= VX_OD_COUNT)
        return vx_err_set(err, VX_EINVAL, "official series: unknown dataset");
    const struct layout *L = &layouts[ds];
    char line[OFF_LINE_MAX + 1];
    size_t pos = 0;
    int lineno = 0;
    /* skip a UTF-8 byte-order mark */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (n > OFF_LINE_MAX)
            return vx_err_set(err, VX_EPARSE, "%s line %d: longer than %d bytes", L->file, lineno,
                              OFF_LINE_MAX);
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (memchr(line, '\0', n))
            return vx_err_set(err, VX_EPARSE, "%s line %d: NUL byte", L->file, lineno);
        if (lineno == 1) {
            if (strcmp(line, L->header))
                return vx_err_set(err, VX_EPARSE,
                                  "%s line 1: header is not FoHM's layout "
                                  "(expected %.60s...)",
                                  L->file, L->header);
            continue;
        }
        if (n == 0)
            continue;
        char *f[VX_CSV_MAX_FIELDS];
        int nf = 0;
        struct vx_err e2 = {0};
        if (vx_csv_split(line, n, ',', f, VX_CSV_MAX_FIELDS, &nf, &e2) != VX_OK)
            return vx_err_set(err, VX_EPARSE, "%s line %d: %s", L->file, lineno, e2.msg);
        if (nf != L->ncols)
            return vx_err_set(err, VX_EPARSE, "%s line %d: %d columns (expected %d)", L->file,
                              lineno, nf, L->ncols);
        struct vx_stats_official r;
        memset(&r, 0, sizeof r);
        r.dataset = ds;
        r.population = -1;
        if (vx_isoweek_parse(f[L->week_col], &r.week) != VX_OK)
            return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad ISO week", L->file, lineno,
                              L->week_col + 1);
        if (strlen(f[L->region_col]) != 2 || !text_ok(f[L->region_col], 3, true))
            return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad län code", L->file, lineno,
                              L->region_col + 1);
        memcpy(r.region, f[L->region_col], 3);
        if (L->kommun_col >= 0) {
            const char *k = f[L->kommun_col];
            if (strlen(k) != 4 || !text_ok(k, 5, true) || memcmp(k, r.region, 2))
                return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad kommun code", L->file,
                                  lineno, L->kommun_col + 1);
            memcpy(r.kommun, k, 5);
        }
        if (L->age_col >= 0) {
            if (!text_ok(f[L->age_col], sizeof r.age_group, false))
                return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad age group", L->file,
                                  lineno, L->age_col + 1);
            memcpy(r.age_group, f[L->age_col], strlen(f[L->age_col]) + 1);
        }
        if (L->population_col >= 0 && f[L->population_col][0] &&
            !parse_int(f[L->population_col], &r.population))
            return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad population", L->file,
                              lineno, L->population_col + 1);
        for (int v = 0; v < (int)VX_ARRAY_LEN(L->values); v++) {
            const struct value_col *vc = &L->values[v];
            if (!vc->col)
                break;
            const char *measure = vc->measure;
            if (L->status_col >= 0) {
                measure = f[L->status_col];
                if (!*measure || !text_ok(measure, sizeof r.measure, false))
                    return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad status", L->file,
                                      lineno, L->status_col + 1);
            }
            if (!f[vc->col][0])
                continue; /* not reported */
            if (!parse_int(f[vc->col], &r.value))
                return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad count", L->file,
                                  lineno, vc->col + 1);
            r.share = -1;
            if (vc->share_col >= 0 && f[vc->share_col][0] &&
                !parse_share(f[vc->share_col], &r.share))
                return vx_err_set(err, VX_EPARSE, "%s line %d column %d: bad share", L->file,
                                  lineno, vc->share_col + 1);
            snprintf(r.measure, sizeof r.measure, "%s", measure);
            int stop = cb(ctx, &r);
            if (stop)
                return (enum vx_status)stop;
        }
    }
    if (lineno == 0)
        return vx_err_set(err, VX_EPARSE, "%s: empty file", L->file);
    return VX_OK;
}

/* ------------------------------------------------------------------ loading */

static enum vx_status read_file(const char *path, char **out, size_t *len, struct vx_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_err_set(err, VX_EIO, "cannot open %s", path);
    struct vx_buf b;
    vx_buf_init(&b, OFF_FILE_MAX);
    char chunk[65536];
    size_t n;
    enum vx_status vs = VX_OK;
    while (vs == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        vs = vx_buf_append(&b, chunk, n);
    if (vs == VX_OK && ferror(f))
        vs = VX_EIO;
    fclose(f);
    if (vs != VX_OK) {
        vx_buf_release(&b);
        return vx_err_set(err, vs, "cannot read %s%s", path,
                          vs == VX_ENOMEM ? " (larger than 16 MiB)" : "");
    }
    *len = b.len;
    *out = vx_buf_detach(&b);
    return *out ? VX_OK : vx_err_set(err, VX_ENOMEM, "out of memory");
}

struct load {
    struct vx_store *st;
    int64_t rows;
    enum vx_status failed;
};

static int put_row(void *ctx, const struct vx_stats_official *row)
{
    struct load *l = ctx;
    enum vx_status vs = l->st->ops->stats->official_put(l->st, row);
    if (vs != VX_OK) {
        l->failed = vs;
        return 1;
    }
    l->rows++;
    return 0;
}

enum vx_status vx_stats_load_official(struct vx_store *st, const char *se_dir, int64_t *rows,
                                      struct vx_err *err)
{
    struct load l = {.st = st};
    if (err)
        err->msg[0] = '\0';
    char *texts[VX_OD_COUNT] = {NULL};
    size_t lens[VX_OD_COUNT] = {0};
    enum vx_status vs = VX_OK;
    /* read everything first: a missing file changes nothing in the store */
    for (int d = 0; d < VX_OD_COUNT && vs == VX_OK; d++) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", se_dir, layouts[d].file);
        if (n < 0 || (size_t)n >= sizeof path)
            vs = vx_err_set(err, VX_EINVAL, "data folder path too long");
        else
            vs = read_file(path, &texts[d], &lens[d], err);
    }
    if (vs == VX_OK && (vs = vx_store_begin(st)) != VX_OK)
        vx_err_set(err, vs, "%s", st->err);
    if (vs == VX_OK) {
        vs = st->ops->stats->official_clear(st);
        for (int d = 0; d < VX_OD_COUNT && vs == VX_OK; d++) {
            vs = vx_stats_official_parse((enum vx_stats_dataset)d, texts[d], lens[d], put_row, &l,
                                         err);
            if (l.failed) {
                vs = l.failed;
                vx_err_set(err, vs, "storing the official series: %s", st->err);
            }
        }
        if (vs == VX_OK) {
            vs = vx_store_commit(st);
            if (vs != VX_OK)
                vx_err_set(err, vs, "%s", st->err);
        } else {
            if (err && !err->msg[0])
                vx_err_set(err, vs, "%s", st->err);
            vx_store_rollback(st);
        }
    }
    for (int d = 0; d < VX_OD_COUNT; d++)
        free(texts[d]);
    if (vs == VX_OK && rows)
        *rows = l.rows;
    return vs;
}
