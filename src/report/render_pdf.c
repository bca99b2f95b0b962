/*
 * render_pdf.c — the national compilation as an A4 PDF drawn with cairo.
 *
 * Page 1: title, month, how many regions reported, a stacked bar chart of the colours
 * per area (one bar per area, a segment per colour, the count written inside) and the
 * summary table. Page 2: the coverage chart — one pair of horizontal bars per region
 * (at least one dose, two doses) with percentage labels and a 0–100 % axis. Then the
 * reasons, area by area, each group as "Gul, 2 regioner (Uppsala, Gävleborg): reason",
 * word-wrapped, continuing on as many pages as needed; a footer numbers the pages.
 *
 * Text goes through cairo's toy API with the DejaVu Sans face (the certificate PDF uses
 * the same), which handles UTF-8; wrapping measures words with cairo_text_extents. The
 * PDF is written straight into the caller's buffer through a stream callback.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <string.h>
#include "report_int.h"

#define PW     595.28 /* A4 in points */
#define PH     841.89
#define MARGIN 48.0

struct pdf {
    cairo_t *cr;
    const char *lang;
    double y;
    int page;
};

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return vx_buf_append(closure, data, len) == VX_OK ? CAIRO_STATUS_SUCCESS
                                                      : CAIRO_STATUS_WRITE_ERROR;
}

static void font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void text_at(cairo_t *cr, double x, double y, const char *s)
{
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

static void rgb(cairo_t *cr, enum vx_tl_color c)
{
    double v[3];
    rp_rgb(c, v);
    cairo_set_source_rgb(cr, v[0], v[1], v[2]);
}

static void footer(struct pdf *p)
{
    char t[64];
    snprintf(t, sizeof t, "%d", p->page);
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    font(p->cr, 8, false);
    text_at(p->cr, PW - MARGIN - text_w(p->cr, t), PH - 24, t);
    text_at(p->cr, MARGIN, PH - 24, rp_text(RP_GENERATED, p->lang));
}

static void new_page(struct pdf *p)
{
    footer(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = MARGIN;
}

static void need(struct pdf *p, double h)
{
    if (p->y + h > PH - MARGIN)
        new_page(p);
}

/* Draw `s` word-wrapped within [x, x + w] from p->y on, lines `lh` apart. */
static void wrap(struct pdf *p, double x, double w, double lh, const char *s)
{
    char line[1024];
    size_t ll = 0;
    const char *q = s;
    while (*q) {
        const char *e = q;
        while (*e && *e != ' ' && *e != '\n')
            e++;
        size_t wl = (size_t)(e - q);
        char tryl[1024];
        int n = snprintf(tryl, sizeof tryl, "%.*s%s%.*s", (int)ll, line, ll ? " " : "", (int)wl, q);
        if (ll && (n < 0 || (size_t)n >= sizeof tryl || text_w(p->cr, tryl) > w)) {
            line[ll] = '\0';
            need(p, lh);
            text_at(p->cr, x, p->y, line);
            p->y += lh;
            ll = 0;
            n = snprintf(tryl, sizeof tryl, "%.*s", (int)wl, q);
        }
        if (n > 0 && (size_t)n < sizeof line) {
            memcpy(line, tryl, (size_t)n);
            ll = (size_t)n;
        }
        if (*e == '\n' && ll) {
            line[ll] = '\0';
            need(p, lh);
            text_at(p->cr, x, p->y, line);
            p->y += lh;
            ll = 0;
        }
        q = *e ? e + 1 : e;
    }
    if (ll) {
        line[ll] = '\0';
        need(p, lh);
        text_at(p->cr, x, p->y, line);
        p->y += lh;
    }
}

static void colour_chart(struct pdf *p, const struct vx_tl_compilation *c)
{
    cairo_t *cr = p->cr;
    const double label_w = 170, bar_w = PW - 2 * MARGIN - label_w, row = 22;
    static const enum vx_tl_color order[] = {VX_TL_GREEN, VX_TL_YELLOW, VX_TL_RED, VX_TL_UNKNOWN};
    int total = c->n_regions > 0 ? c->n_regions : 1;
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 12, true);
    text_at(cr, MARGIN, p->y, rp_text(RP_CHART, p->lang));
    p->y += 14;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        double y = p->y + a * row;
        cairo_set_source_rgb(cr, 0, 0, 0);
        font(cr, 9, false);
        const char *name = rp_area_name((enum vx_tl_area)a, p->lang);
        text_at(cr, MARGIN + label_w - 6 - text_w(cr, name), y + 14, name);
        double x = MARGIN + label_w;
        for (size_t k = 0; k < VX_ARRAY_LEN(order); k++) {
            int n = c->count[a][order[k]];
            if (!n)
                continue;
            double w = bar_w * n / total;
            rgb(cr, order[k]);
            cairo_rectangle(cr, x, y + 3, w, row - 6);
            cairo_fill(cr);
            char t[16];
            snprintf(t, sizeof t, "%d", n);
            font(cr, 9, true);
            if (w > text_w(cr, t) + 4) {
                if (order[k] == VX_TL_YELLOW)
                    cairo_set_source_rgb(cr, 0, 0, 0);
                else
                    cairo_set_source_rgb(cr, 1, 1, 1);
                text_at(cr, x + (w - text_w(cr, t)) / 2, y + 14, t);
            }
            x += w;
        }
    }
    p->y += VX_TL_AREA_COUNT * row + 6;
    /* legend */
    double x = MARGIN + label_w;
    font(cr, 9, false);
    for (size_t k = 0; k < VX_ARRAY_LEN(order); k++) {
        rgb(cr, order[k]);
        cairo_rectangle(cr, x, p->y - 8, 9, 9);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        const char *t = order[k] == VX_TL_UNKNOWN ? rp_text(RP_NOT_FILED, p->lang)
                                                  : vx_tl_color_name(order[k], p->lang);
        text_at(cr, x + 12, p->y, t);
        x += 24 + text_w(cr, t);
    }
    p->y += 24;
}

static void summary_table(struct pdf *p, const struct vx_tl_compilation *c)
{
    cairo_t *cr = p->cr;
    const double cols[] = {MARGIN, MARGIN + 190, MARGIN + 250, MARGIN + 310, MARGIN + 370};
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 12, true);
    text_at(cr, MARGIN, p->y, rp_text(RP_SUMMARY, p->lang));
    p->y += 18;
    font(cr, 9, true);
    text_at(cr, cols[0], p->y, rp_text(RP_AREA, p->lang));
    text_at(cr, cols[1], p->y, vx_tl_color_name(VX_TL_GREEN, p->lang));
    text_at(cr, cols[2], p->y, vx_tl_color_name(VX_TL_YELLOW, p->lang));
    text_at(cr, cols[3], p->y, vx_tl_color_name(VX_TL_RED, p->lang));
    text_at(cr, cols[4], p->y, rp_text(RP_NOT_FILED, p->lang));
    p->y += 4;
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN, p->y);
    cairo_line_to(cr, PW - MARGIN, p->y);
    cairo_stroke(cr);
    p->y += 13;
    font(cr, 9, false);
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        text_at(cr, cols[0], p->y, rp_area_name((enum vx_tl_area)a, p->lang));
        static const enum vx_tl_color order[] = {VX_TL_GREEN, VX_TL_YELLOW, VX_TL_RED,
                                                 VX_TL_UNKNOWN};
        for (int k = 0; k < 4; k++) {
            char t[16];
            snprintf(t, sizeof t, "%d", c->count[a][order[k]]);
            text_at(cr, cols[k + 1], p->y, t);
        }
        p->y += 14;
    }
    p->y += 10;
}

static void coverage_chart(struct pdf *p, const struct vx_tl_compilation *c)
{
    cairo_t *cr = p->cr;
    const double label_w = 150, bar_w = PW - 2 * MARGIN - label_w - 40, row = 28;
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 12, true);
    text_at(cr, MARGIN, p->y, rp_text(RP_COVERAGE, p->lang));
    p->y += 16;
    /* legend */
    font(cr, 9, false);
    cairo_set_source_rgb(cr, 0.25, 0.55, 0.85);
    cairo_rectangle(cr, MARGIN + label_w, p->y - 8, 9, 9);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_at(cr, MARGIN + label_w + 12, p->y, rp_text(RP_DOSE1, p->lang));
    double x2 = MARGIN + label_w + 30 + text_w(cr, rp_text(RP_DOSE1, p->lang));
    cairo_set_source_rgb(cr, 0.05, 0.25, 0.55);
    cairo_rectangle(cr, x2, p->y - 8, 9, 9);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_at(cr, x2 + 12, p->y, rp_text(RP_DOSE2, p->lang));
    p->y += 10;
    double top = p->y;
    for (int i = 0; i < c->n_regions; i++) {
        const struct vx_tl_region_line *l = &c->region[i];
        double y = top + i * row;
        cairo_set_source_rgb(cr, 0, 0, 0);
        font(cr, 9, false);
        text_at(cr, MARGIN + label_w - 6 - text_w(cr, l->name), y + 16, l->name);
        double v[2] = {l->dose1_pct < 0 ? 0 : l->dose1_pct, l->dose2_pct < 0 ? 0 : l->dose2_pct};
        for (int k = 0; k < 2; k++) {
            double w = bar_w * (v[k] > 100 ? 100 : v[k]) / 100;
            if (k == 0)
                cairo_set_source_rgb(cr, 0.25, 0.55, 0.85);
            else
                cairo_set_source_rgb(cr, 0.05, 0.25, 0.55);
            cairo_rectangle(cr, MARGIN + label_w, y + 4 + k * 11, w, 10);
            cairo_fill(cr);
            char t[32];
            snprintf(t, sizeof t, "%.1f %%", v[k]);
            cairo_set_source_rgb(cr, 0, 0, 0);
            font(cr, 7.5, false);
            text_at(cr, MARGIN + label_w + w + 3, y + 12 + k * 11, t);
        }
    }
    double bottom = top + c->n_regions * row;
    /* axis 0..100 % */
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, MARGIN + label_w, top);
    cairo_line_to(cr, MARGIN + label_w, bottom);
    cairo_line_to(cr, MARGIN + label_w + bar_w, bottom);
    cairo_stroke(cr);
    font(cr, 7.5, false);
    for (int t = 0; t <= 100; t += 20) {
        double x = MARGIN + label_w + bar_w * t / 100;
        char s[16];
        snprintf(s, sizeof s, "%d %%", t);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + 3);
        cairo_stroke(cr);
        text_at(cr, x - text_w(cr, s) / 2, bottom + 12, s);
    }
    p->y = bottom + 28;
}

static void reasons(struct pdf *p, const struct vx_tl_compilation *c)
{
    cairo_t *cr = p->cr;
    need(p, 40);
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 14, true);
    text_at(cr, MARGIN, p->y, rp_text(RP_REASONS, p->lang));
    p->y += 22;
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        need(p, 50);
        cairo_set_source_rgb(cr, 0, 0, 0);
        font(cr, 11, true);
        text_at(cr, MARGIN, p->y, rp_area_name((enum vx_tl_area)a, p->lang));
        p->y += 14;
        struct vx_buf b;
        vx_buf_init(&b, 1 << 16);
        font(cr, 9, false);
        if (vx_tl_area_sentence(c, (enum vx_tl_area)a, p->lang, &b) == VX_OK)
            wrap(p, MARGIN, PW - 2 * MARGIN, 12, b.data);
        for (int g = 0; g < c->n_groups[a]; g++) {
            const struct vx_tl_group *gr = &c->group[a][g];
            vx_buf_clear(&b);
            bool en = p->lang && !strcmp(p->lang, "en");
            enum vx_status rc =
                vx_buf_printf(&b, "%s, %d %s (", vx_tl_color_name(gr->color, p->lang), gr->n,
                              gr->n == 1 ? "region"
                              : en       ? "regions"
                                         : "regioner");
            if (rc == VX_OK)
                rc = rp_group_regions(c, gr, &b);
            if (rc == VX_OK)
                rc = vx_buf_printf(&b, "): %s",
                                   gr->reason[0] ? gr->reason : rp_text(RP_NO_REASON, p->lang));
            if (rc != VX_OK)
                continue;
            need(p, 14);
            rgb(cr, gr->color);
            cairo_arc(cr, MARGIN + 5, p->y - 3.5, 3.5, 0, 6.2832);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            wrap(p, MARGIN + 14, PW - 2 * MARGIN - 14, 12, b.data);
        }
        vx_buf_release(&b);
        p->y += 8;
    }
}

enum vx_status rp_render_pdf(const struct vx_tl_compilation *c, const char *lang,
                             struct vx_buf *out, struct vx_err *err)
{
    size_t start = out->len;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PW, PH);
    char mb[8], title[160];
    vx_tl_month_format(c->month, mb);
    snprintf(title, sizeof title, "%s %s", rp_text(RP_TITLE, lang), mb);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "vaxchain");
    struct pdf p = {.cr = cairo_create(s), .lang = lang, .y = MARGIN + 10, .page = 1};
    cairo_t *cr = p.cr;

    cairo_set_source_rgb(cr, 0.0, 0.2, 0.45);
    cairo_rectangle(cr, 0, 0, PW, 70);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    font(cr, 15, true);
    text_at(cr, MARGIN, 32, rp_text(RP_TITLE, lang));
    font(cr, 11, false);
    char line[200];
    snprintf(line, sizeof line, "%s %s · %s: %d / %d", rp_text(RP_MONTH, lang), mb,
             rp_text(RP_FILED, lang), c->n_filed, c->n_regions);
    text_at(cr, MARGIN, 54, line);
    p.y = 100;
    colour_chart(&p, c);
    summary_table(&p, c);
    new_page(&p);
    coverage_chart(&p, c);
    new_page(&p);
    reasons(&p, c);
    footer(&p);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return vx_err_set(err, cs == CAIRO_STATUS_WRITE_ERROR ? VX_ENOMEM : VX_EIO, "PDF: %s",
                          cairo_status_to_string(cs));
    }
    return VX_OK;
}
