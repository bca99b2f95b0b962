/*
 * render.c — the national compilation as a self-contained HTML page, plus the texts and
 * colours every renderer shares (include/vx/report.h, report_int.h).
 *
 * The page needs nothing else to be read (e-mailed, archived, printed): inline CSS, an
 * inline SVG stacked-bar chart of the colours per area with <title>/<desc> for screen
 * readers, the summary table (counts per colour per area, the SKR sentence), then per
 * area the grouped reasons with the regions that gave them, and the region × area
 * matrix. Every text from a report is HTML-escaped. PDF (render_pdf.c) and XLSX
 * (render_xlsx.c) show the same content in the same order.
 */
#include <stdio.h>
#include <string.h>
#include "report_int.h"

static const char *const texts[RP_TEXT_COUNT][2] = {
    [RP_TITLE] = {"Lägesbild: regionernas bedömning (grön/gul/röd)",
                  "Situational picture: the regions' assessment (green/yellow/red)"},
    [RP_MONTH] = {"Månad", "Month"},
    [RP_FILED] = {"Regioner som rapporterat", "Regions that reported"},
    [RP_AREA] = {"Område", "Area"},
    [RP_SUMMARY] = {"Sammanställning per område", "Summary per area"},
    [RP_CHART] = {"Antal regioner per färg och område", "Regions per colour and area"},
    [RP_COVERAGE] = {"Vaccinationstäckning per region (andel av befolkningen)",
                     "Vaccination coverage per region (share of the population)"},
    [RP_DOSE1] = {"Minst 1 dos", "At least 1 dose"},
    [RP_DOSE2] = {"2 doser", "2 doses"},
    [RP_REASONS] = {"Motiveringar", "Reasons"},
    [RP_REGIONS] = {"Regioner per område", "Regions per area"},
    [RP_REGION] = {"Region", "Region"},
    [RP_COLOR] = {"Färg", "Colour"},
    [RP_REASON] = {"Motivering", "Reason"},
    [RP_NO_REASON] = {"(ingen motivering)", "(no reason given)"},
    [RP_NOT_FILED] = {"ej rapporterat", "not reported"},
    [RP_GROUPS] = {"Motiveringar", "Reasons"},
    [RP_GENERATED] = {"Sammanställt av vaxchain från regionernas rapporter",
                      "Compiled by vaxchain from the regions' reports"},
};

const char *rp_text(enum rp_text t, const char *lang)
{
    if ((unsigned)t >= RP_TEXT_COUNT)
        return "";
    return texts[t][lang && !strcmp(lang, "en") ? 1 : 0];
}

const char *rp_area_name(enum vx_tl_area a, const char *lang)
{
    const struct vx_tl_area_info *i = vx_tl_area_info(a);
    if (!i)
        return "";
    return lang && !strcmp(lang, "en") ? i->name_en : i->name_sv;
}

void rp_rgb(enum vx_tl_color c, double rgb[3])
{
    static const double t[VX_TL_COLOR_COUNT][3] = {
        {0.62, 0.62, 0.62}, {0.18, 0.49, 0.20}, {0.98, 0.75, 0.18}, {0.78, 0.16, 0.16}};
    const double *p = t[(unsigned)c < VX_TL_COLOR_COUNT ? c : 0];
    rgb[0] = p[0];
    rgb[1] = p[1];
    rgb[2] = p[2];
}

const char *rp_hex(enum vx_tl_color c)
{
    static const char *const t[VX_TL_COLOR_COUNT] = {"#9e9e9e", "#2e7d32", "#f9bf2e", "#c62828"};
    return t[(unsigned)c < VX_TL_COLOR_COUNT ? c : 0];
}

enum vx_status rp_html_escape(struct vx_buf *out, const char *s)
{
    enum vx_status rc = VX_OK;
    const char *run = s;
    for (; *s && rc == VX_OK; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        rc = vx_buf_append(out, run, (size_t)(s - run));
        if (rc == VX_OK)
            rc = vx_buf_puts(out, rep);
        run = s + 1;
    }
    if (rc == VX_OK)
        rc = vx_buf_append(out, run, strlen(run));
    return rc;
}

enum vx_status rp_group_regions(const struct vx_tl_compilation *c, const struct vx_tl_group *g,
                                struct vx_buf *out)
{
    enum vx_status rc = VX_OK;
    for (int k = 0; k < g->n && rc == VX_OK; k++) {
        const char *name = g->regions[k];
        for (int i = 0; i < c->n_regions; i++)
            if (!strcmp(c->region[i].code, g->regions[k]))
                name = c->region[i].name;
        rc = vx_buf_printf(out, "%s%s", k ? ", " : "", name);
    }
    return rc;
}

/* ------------------------------------------------------------------ HTML */

/* The stacked bar chart: one horizontal bar per area, segments green/yellow/red/unknown. */
static enum vx_status svg_chart(struct vx_buf *o, const struct vx_tl_compilation *c,
                                const char *lang)
{
    const int label_w = 230, bar_w = 420, row_h = 26, top = 10;
    int h = top + VX_TL_AREA_COUNT * row_h + 30;
    int total = c->n_regions > 0 ? c->n_regions : 1;
    enum vx_status rc = vx_buf_printf(
        o,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-t chart-d\" "
        "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
        "<title id=\"chart-t\">%s</title><desc id=\"chart-d\">",
        label_w + bar_w + 20, h, label_w + bar_w + 20, h, rp_text(RP_CHART, lang));
    for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++) {
        rc = vx_buf_printf(o, "%s: ", rp_area_name((enum vx_tl_area)a, lang));
        if (rc == VX_OK)
            rc = vx_tl_area_sentence(c, (enum vx_tl_area)a, lang, o);
        if (rc == VX_OK)
            rc = vx_buf_puts(o, " ");
    }
    if (rc == VX_OK)
        rc = vx_buf_puts(o, "</desc>");
    static const enum vx_tl_color order[] = {VX_TL_GREEN, VX_TL_YELLOW, VX_TL_RED, VX_TL_UNKNOWN};
    for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++) {
        int y = top + a * row_h;
        rc = vx_buf_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"13\">",
                           label_w - 8, y + 17);
        if (rc == VX_OK)
            rc = rp_html_escape(o, rp_area_name((enum vx_tl_area)a, lang));
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</text>");
        double x = label_w;
        for (size_t k = 0; k < VX_ARRAY_LEN(order) && rc == VX_OK; k++) {
            int n = c->count[a][order[k]];
            if (!n)
                continue;
            double w = (double)bar_w * n / total;
            rc = vx_buf_printf(o,
                               "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                               "fill=\"%s\"><title>%s: %d</title></rect>",
                               x, y + 3, w, row_h - 6, rp_hex(order[k]),
                               vx_tl_color_name(order[k], lang), n);
            if (rc == VX_OK && w >= 16)
                rc =
                    vx_buf_printf(o,
                                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
                                  "font-size=\"12\" fill=\"%s\">%d</text>",
                                  x + w / 2, y + 17, order[k] == VX_TL_YELLOW ? "#000" : "#fff", n);
            x += w;
        }
    }
    if (rc == VX_OK)
        rc = vx_buf_puts(o, "</svg>\n");
    return rc;
}

enum vx_status rp_render_html(const struct vx_tl_compilation *c, const char *lang, struct vx_buf *o,
                              struct vx_err *err)
{
    char mb[8];
    vx_tl_month_format(c->month, mb);
    bool en = lang && !strcmp(lang, "en");
    enum vx_status rc = vx_buf_printf(
        o,
        "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s %s</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#1a1a1a}"
        "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;"
        "padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}"
        "td.n{text-align:right}.dot{display:inline-block;width:.8em;height:.8em;"
        "border-radius:50%%;margin-right:.3em;vertical-align:-.05em}"
        ".green{background:#2e7d32}.yellow{background:#f9bf2e}.red{background:#c62828}"
        ".unknown{background:#9e9e9e}.chart{max-width:100%%;height:auto}"
        "</style></head><body>\n<h1>%s</h1>\n<p>%s: <strong>%s</strong>. %s: "
        "<strong id=\"filed\">%d</strong> / %d.</p>\n",
        en ? "en" : "sv", rp_text(RP_TITLE, lang), mb, rp_text(RP_TITLE, lang),
        rp_text(RP_MONTH, lang), mb, rp_text(RP_FILED, lang), c->n_filed, c->n_regions);
    if (rc == VX_OK)
        rc = vx_buf_printf(o, "<h2>%s</h2>\n", rp_text(RP_CHART, lang));
    if (rc == VX_OK)
        rc = svg_chart(o, c, lang);
    /* summary table */
    if (rc == VX_OK)
        rc = vx_buf_printf(o,
                           "<h2>%s</h2>\n<table id=\"summary\"><thead><tr><th scope=\"col\">%s"
                           "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                           "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                           "<th scope=\"col\">%s</th></tr></thead><tbody>\n",
                           rp_text(RP_SUMMARY, lang), rp_text(RP_AREA, lang),
                           vx_tl_color_name(VX_TL_GREEN, lang),
                           vx_tl_color_name(VX_TL_YELLOW, lang), vx_tl_color_name(VX_TL_RED, lang),
                           rp_text(RP_NOT_FILED, lang), rp_text(RP_SUMMARY, lang));
    for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++) {
        const int *k = c->count[a];
        rc = vx_buf_printf(o,
                           "<tr data-area=\"%s\"><th scope=\"row\">%s</th><td class=\"n green-n\">"
                           "%d</td><td class=\"n yellow-n\">%d</td><td class=\"n red-n\">%d</td>"
                           "<td class=\"n\">%d</td><td>",
                           vx_tl_area_info((enum vx_tl_area)a)->code,
                           rp_area_name((enum vx_tl_area)a, lang), k[VX_TL_GREEN], k[VX_TL_YELLOW],
                           k[VX_TL_RED], k[VX_TL_UNKNOWN]);
        if (rc == VX_OK)
            rc = vx_tl_area_sentence(c, (enum vx_tl_area)a, lang, o);
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</td></tr>\n");
    }
    if (rc == VX_OK)
        rc = vx_buf_puts(o, "</tbody></table>\n");
    /* coverage */
    bool cov = false;
    for (int i = 0; i < c->n_regions; i++)
        cov = cov || c->region[i].dose1_pct >= 0;
    if (rc == VX_OK && cov) {
        rc = vx_buf_printf(o,
                           "<h2>%s</h2>\n<table id=\"coverage\"><thead><tr><th scope=\"col\">%s"
                           "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
                           "</thead><tbody>\n",
                           rp_text(RP_COVERAGE, lang), rp_text(RP_REGION, lang),
                           rp_text(RP_DOSE1, lang), rp_text(RP_DOSE2, lang));
        for (int i = 0; i < c->n_regions && rc == VX_OK; i++) {
            const struct vx_tl_region_line *l = &c->region[i];
            rc = vx_buf_puts(o, "<tr><th scope=\"row\">");
            if (rc == VX_OK)
                rc = rp_html_escape(o, l->name);
            if (rc == VX_OK)
                rc = vx_buf_printf(o,
                                   "</th><td class=\"n\">%.1f %%</td><td class=\"n\">%.1f %%"
                                   "</td></tr>\n",
                                   l->dose1_pct < 0 ? 0 : l->dose1_pct,
                                   l->dose2_pct < 0 ? 0 : l->dose2_pct);
        }
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</tbody></table>\n");
    }
    /* reasons per area */
    if (rc == VX_OK)
        rc = vx_buf_printf(o, "<h2>%s</h2>\n", rp_text(RP_REASONS, lang));
    for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++) {
        rc = vx_buf_printf(o, "<section data-area=\"%s\"><h3>%s</h3><p>",
                           vx_tl_area_info((enum vx_tl_area)a)->code,
                           rp_area_name((enum vx_tl_area)a, lang));
        if (rc == VX_OK)
            rc = vx_tl_area_sentence(c, (enum vx_tl_area)a, lang, o);
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</p><ul>\n");
        for (int g = 0; g < c->n_groups[a] && rc == VX_OK; g++) {
            const struct vx_tl_group *gr = &c->group[a][g];
            rc = vx_buf_printf(
                o,
                "<li class=\"group\"><span class=\"dot %s\" aria-hidden=\"true\">"
                "</span><strong>%s, %d %s</strong> (",
                vx_tl_color_code(gr->color), vx_tl_color_name(gr->color, lang), gr->n,
                gr->n == 1 ? (en ? "region" : "region") : (en ? "regions" : "regioner"));
            struct vx_buf names;
            vx_buf_init(&names, 4096);
            if (rc == VX_OK)
                rc = rp_group_regions(c, gr, &names);
            if (rc == VX_OK)
                rc = rp_html_escape(o, names.data ? names.data : "");
            vx_buf_release(&names);
            if (rc == VX_OK)
                rc = vx_buf_puts(o, "): ");
            if (rc == VX_OK)
                rc = rp_html_escape(o, gr->reason[0] ? gr->reason : rp_text(RP_NO_REASON, lang));
            if (rc == VX_OK)
                rc = vx_buf_puts(o, "</li>\n");
        }
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</ul></section>\n");
    }
    /* region × area matrix */
    if (rc == VX_OK)
        rc = vx_buf_printf(o,
                           "<h2>%s</h2>\n<table id=\"matrix\"><thead><tr><th scope=\"col\">"
                           "%s</th>",
                           rp_text(RP_REGIONS, lang), rp_text(RP_REGION, lang));
    for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++)
        rc = vx_buf_printf(o, "<th scope=\"col\">%s</th>", rp_area_name((enum vx_tl_area)a, lang));
    if (rc == VX_OK)
        rc = vx_buf_puts(o, "</tr></thead><tbody>\n");
    for (int i = 0; i < c->n_regions && rc == VX_OK; i++) {
        const struct vx_tl_region_line *l = &c->region[i];
        rc = vx_buf_printf(o, "<tr data-region=\"%s\"><th scope=\"row\">", l->code);
        if (rc == VX_OK)
            rc = rp_html_escape(o, l->name);
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</th>");
        for (int a = 0; a < VX_TL_AREA_COUNT && rc == VX_OK; a++)
            rc = vx_buf_printf(o, "<td><span class=\"dot %s\" aria-hidden=\"true\"></span>%s</td>",
                               vx_tl_color_code(l->color[a]),
                               l->filed ? vx_tl_color_name(l->color[a], lang)
                                        : rp_text(RP_NOT_FILED, lang));
        if (rc == VX_OK)
            rc = vx_buf_puts(o, "</tr>\n");
    }
    if (rc == VX_OK)
        rc = vx_buf_printf(o, "</tbody></table>\n<p><small>%s</small></p>\n</body></html>\n",
                           rp_text(RP_GENERATED, lang));
    if (rc != VX_OK)
        return vx_err_set(err, rc, "the HTML compilation does not fit in its buffer");
    return VX_OK;
}

enum vx_status vx_tl_render(const struct vx_tl_compilation *c, enum vx_tl_format f,
                            const char *lang, const char *tmpdir, struct vx_buf *out,
                            struct vx_err *err)
{
    switch (f) {
    case VX_TL_FMT_HTML:
        return rp_render_html(c, lang, out, err);
    case VX_TL_FMT_PDF:
        return rp_render_pdf(c, lang, out, err);
    case VX_TL_FMT_XLSX:
        return rp_render_xlsx(c, lang, tmpdir, out, err);
    default:
        return vx_err_set(err, VX_EINVAL, "unknown format");
    }
}
