/*
 * render_xlsx.c — the national compilation as an Excel workbook (libxlsxwriter).
 *
 * Sheets, in order:
 *   Sammanfattning / Summary   counts per colour per area (the table a county board
 *                              pastes into its report), the SKR sentence per area and
 *                              a stacked bar chart of the counts (workbook_add_chart,
 *                              one series per colour in the traffic-light colours);
 *   Täckning / Coverage        dose 1 and dose 2 coverage per region with a bar chart;
 *   one sheet per area         region, colour (cell filled in the colour), reason;
 *   Motiveringar / Reasons     the grouped reasons: area, colour, count, regions, text.
 * Sheet names are the area names of the language (all under Excel's 31 characters
 * and free of []:*?/\).
 *
 * libxlsxwriter writes only to a file, so the workbook goes to a temporary file made
 * with mkstemp (mode 0600) under `tmpdir`, which is read into the caller's buffer and
 * removed on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include "report_int.h"

static lxw_color_t lxw_of(enum vx_tl_color c)
{
    static const lxw_color_t t[VX_TL_COLOR_COUNT] = {0x9E9E9E, 0x2E7D32, 0xF9BF2E, 0xC62828};
    return t[(unsigned)c < VX_TL_COLOR_COUNT ? c : 0];
}

static enum vx_status build(lxw_workbook *wb, const struct vx_tl_compilation *c, const char *lang)
{
    bool en = lang && !strcmp(lang, "en");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format *wrapf = workbook_add_format(wb);
    format_set_text_wrap(wrapf);
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.0");
    lxw_format *cf[VX_TL_COLOR_COUNT];
    for (int k = 0; k < VX_TL_COLOR_COUNT; k++) {
        cf[k] = workbook_add_format(wb);
        format_set_bg_color(cf[k], lxw_of((enum vx_tl_color)k));
        format_set_font_color(cf[k], k == VX_TL_YELLOW ? LXW_COLOR_BLACK : LXW_COLOR_WHITE);
    }
    char mb[8];
    vx_tl_month_format(c->month, mb);

    /* ---- summary ---- */
    const char *sum_name = en ? "Summary" : "Sammanfattning";
    lxw_worksheet *ws = workbook_add_worksheet(wb, sum_name);
    if (!ws)
        return VX_EIO;
    char title[200];
    snprintf(title, sizeof title, "%s %s", rp_text(RP_TITLE, lang), mb);
    worksheet_write_string(ws, 0, 0, title, bold);
    char filed[120];
    snprintf(filed, sizeof filed, "%s: %d / %d", rp_text(RP_FILED, lang), c->n_filed, c->n_regions);
    worksheet_write_string(ws, 1, 0, filed, NULL);
    static const enum vx_tl_color order[] = {VX_TL_GREEN, VX_TL_YELLOW, VX_TL_RED, VX_TL_UNKNOWN};
    worksheet_write_string(ws, 3, 0, rp_text(RP_AREA, lang), bold);
    for (int k = 0; k < 4; k++)
        worksheet_write_string(ws, 3, (lxw_col_t)(1 + k),
                               order[k] == VX_TL_UNKNOWN ? rp_text(RP_NOT_FILED, lang)
                                                         : vx_tl_color_name(order[k], lang),
                               bold);
    worksheet_write_string(ws, 3, 5, rp_text(RP_SUMMARY, lang), bold);
    struct vx_buf b;
    vx_buf_init(&b, 1 << 16);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        lxw_row_t r = (lxw_row_t)(4 + a);
        worksheet_write_string(ws, r, 0, rp_area_name((enum vx_tl_area)a, lang), NULL);
        for (int k = 0; k < 4; k++)
            worksheet_write_number(ws, r, (lxw_col_t)(1 + k), c->count[a][order[k]], NULL);
        vx_buf_clear(&b);
        if (vx_tl_area_sentence(c, (enum vx_tl_area)a, lang, &b) == VX_OK)
            worksheet_write_string(ws, r, 5, b.data, NULL);
    }
    worksheet_set_column(ws, 0, 0, 32, NULL);
    worksheet_set_column(ws, 1, 4, 12, NULL);
    worksheet_set_column(ws, 5, 5, 60, NULL);
    lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_BAR_STACKED);
    if (!ch) {
        vx_buf_release(&b);
        return VX_EIO;
    }
    lxw_row_t last = (lxw_row_t)(4 + VX_TL_AREA_COUNT - 1);
    for (int k = 0; k < 4; k++) {
        lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
        chart_series_set_categories(se, sum_name, 4, 0, last, 0);
        chart_series_set_values(se, sum_name, 4, (lxw_col_t)(1 + k), last, (lxw_col_t)(1 + k));
        chart_series_set_name_range(se, sum_name, 3, (lxw_col_t)(1 + k));
        lxw_chart_fill fill = {.color = lxw_of(order[k])};
        chart_series_set_fill(se, &fill);
    }
    chart_title_set_name(ch, rp_text(RP_CHART, lang));
    chart_axis_set_name(ch->x_axis, rp_text(RP_REGIONS, lang));
    lxw_chart_options co = {.x_scale = 1.6, .y_scale = 1.4};
    worksheet_insert_chart_opt(ws, (lxw_row_t)(6 + VX_TL_AREA_COUNT), 0, ch, &co);

    /* ---- coverage ---- */
    const char *cov_name = en ? "Coverage" : "Täckning";
    ws = workbook_add_worksheet(wb, cov_name);
    if (!ws) {
        vx_buf_release(&b);
        return VX_EIO;
    }
    worksheet_write_string(ws, 0, 0, rp_text(RP_REGION, lang), bold);
    worksheet_write_string(ws, 0, 1, rp_text(RP_DOSE1, lang), bold);
    worksheet_write_string(ws, 0, 2, rp_text(RP_DOSE2, lang), bold);
    for (int i = 0; i < c->n_regions; i++) {
        const struct vx_tl_region_line *l = &c->region[i];
        worksheet_write_string(ws, (lxw_row_t)(1 + i), 0, l->name, NULL);
        worksheet_write_number(ws, (lxw_row_t)(1 + i), 1, l->dose1_pct < 0 ? 0 : l->dose1_pct, pct);
        worksheet_write_number(ws, (lxw_row_t)(1 + i), 2, l->dose2_pct < 0 ? 0 : l->dose2_pct, pct);
    }
    worksheet_set_column(ws, 0, 0, 28, NULL);
    worksheet_set_column(ws, 1, 2, 16, NULL);
    if (c->n_regions > 0) {
        lxw_chart *cc = workbook_add_chart(wb, LXW_CHART_BAR);
        if (!cc) {
            vx_buf_release(&b);
            return VX_EIO;
        }
        for (int k = 0; k < 2; k++) {
            lxw_chart_series *se = chart_add_series(cc, NULL, NULL);
            chart_series_set_categories(se, cov_name, 1, 0, (lxw_row_t)c->n_regions, 0);
            chart_series_set_values(se, cov_name, 1, (lxw_col_t)(1 + k), (lxw_row_t)c->n_regions,
                                    (lxw_col_t)(1 + k));
            chart_series_set_name_range(se, cov_name, 0, (lxw_col_t)(1 + k));
        }
        chart_title_set_name(cc, rp_text(RP_COVERAGE, lang));
        lxw_chart_options o2 = {.x_scale = 1.5, .y_scale = 2.0};
        worksheet_insert_chart_opt(ws, 0, 4, cc, &o2);
    }

    /* ---- one sheet per area ---- */
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        ws = workbook_add_worksheet(wb, rp_area_name((enum vx_tl_area)a, lang));
        if (!ws) {
            vx_buf_release(&b);
            return VX_EIO;
        }
        worksheet_write_string(ws, 0, 0, rp_text(RP_REGION, lang), bold);
        worksheet_write_string(ws, 0, 1, rp_text(RP_COLOR, lang), bold);
        worksheet_write_string(ws, 0, 2, rp_text(RP_REASON, lang), bold);
        for (int i = 0; i < c->n_regions; i++) {
            const struct vx_tl_region_line *l = &c->region[i];
            lxw_row_t r = (lxw_row_t)(1 + i);
            worksheet_write_string(ws, r, 0, l->name, NULL);
            worksheet_write_string(ws, r, 1,
                                   l->filed ? vx_tl_color_name(l->color[a], lang)
                                            : rp_text(RP_NOT_FILED, lang),
                                   cf[l->color[a]]);
            if (l->filed && l->reason[a][0])
                worksheet_write_string(ws, r, 2, l->reason[a], wrapf);
        }
        worksheet_set_column(ws, 0, 0, 28, NULL);
        worksheet_set_column(ws, 1, 1, 14, NULL);
        worksheet_set_column(ws, 2, 2, 90, NULL);
    }

    /* ---- grouped reasons ---- */
    ws = workbook_add_worksheet(wb, rp_text(RP_GROUPS, lang));
    if (!ws) {
        vx_buf_release(&b);
        return VX_EIO;
    }
    worksheet_write_string(ws, 0, 0, rp_text(RP_AREA, lang), bold);
    worksheet_write_string(ws, 0, 1, rp_text(RP_COLOR, lang), bold);
    worksheet_write_string(ws, 0, 2, en ? "Regions (count)" : "Antal regioner", bold);
    worksheet_write_string(ws, 0, 3, rp_text(RP_REGION, lang), bold);
    worksheet_write_string(ws, 0, 4, rp_text(RP_REASON, lang), bold);
    lxw_row_t r = 1;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++)
        for (int g = 0; g < c->n_groups[a]; g++, r++) {
            const struct vx_tl_group *gr = &c->group[a][g];
            worksheet_write_string(ws, r, 0, rp_area_name((enum vx_tl_area)a, lang), NULL);
            worksheet_write_string(ws, r, 1, vx_tl_color_name(gr->color, lang), cf[gr->color]);
            worksheet_write_number(ws, r, 2, gr->n, NULL);
            vx_buf_clear(&b);
            if (rp_group_regions(c, gr, &b) == VX_OK)
                worksheet_write_string(ws, r, 3, b.data ? b.data : "", wrapf);
            worksheet_write_string(ws, r, 4,
                                   gr->reason[0] ? gr->reason : rp_text(RP_NO_REASON, lang), wrapf);
        }
    worksheet_set_column(ws, 0, 0, 30, NULL);
    worksheet_set_column(ws, 1, 2, 12, NULL);
    worksheet_set_column(ws, 3, 3, 40, NULL);
    worksheet_set_column(ws, 4, 4, 80, NULL);
    vx_buf_release(&b);
    return VX_OK;
}

enum vx_status rp_render_xlsx(const struct vx_tl_compilation *c, const char *lang,
                              const char *tmpdir, struct vx_buf *out, struct vx_err *err)
{
    if (!tmpdir || !*tmpdir)
        tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/vx-report-XXXXXX", tmpdir);
    if (n < 0 || (size_t)n >= sizeof path)
        return vx_err_set(err, VX_EINVAL, "XLSX: temporary folder path too long");
    int fd = mkstemp(path);
    if (fd < 0)
        return vx_err_set(err, VX_EIO, "XLSX: cannot create a temporary file in %s: %s", tmpdir,
                          strerror(errno));
    close(fd);
    enum vx_status rc = VX_OK;
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        rc = vx_err_set(err, VX_EIO, "XLSX: cannot start the workbook");
        goto out;
    }
    rc = build(wb, c, lang);
    lxw_error le = workbook_close(wb);
    if (rc != VX_OK || le != LXW_NO_ERROR) {
        rc = vx_err_set(err, VX_EIO, "XLSX: %s",
                        le != LXW_NO_ERROR ? lxw_strerror(le) : "cannot add a sheet or chart");
        goto out;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc = vx_err_set(err, VX_EIO, "XLSX: cannot read back %s", path);
        goto out;
    }
    char chunk[16384];
    size_t got, start = out->len;
    while (rc == VX_OK && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = vx_buf_append(out, chunk, got);
    if (rc == VX_OK && ferror(f))
        rc = VX_EIO;
    fclose(f);
    if (rc != VX_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        vx_err_set(err, rc, "XLSX: %s",
                   rc == VX_ENOMEM ? "the workbook does not fit in its buffer" : "read error");
    }
out:
    unlink(path);
    return rc;
}
