/*
 * chart.c — SVG chart of simulated coverage beside an observed curve.
 *
 * Design. A hand-written SVG (no library needed for lines and text): x = ISO weeks of the
 * scenario, y = share of the population 0..100 %. Each run draws dose 1 as a solid and fully
 * vaccinated as a dashed polyline in its policy's colour (a fixed table), the observed series
 * in black. The title is XML-escaped; everything else is numbers the code produced.
 */
#include <string.h>
#include "vx/buf.h"
#include "vx/plan.h"

#define W  900
#define H  480
#define ML 60
#define MR 170
#define MT 40
#define MB 50

static const char *const policy_colour[VX_PLAN_N_POLICIES] = {
    [VX_PLAN_HOLD_ALL] = "#c0392b",
    [VX_PLAN_HOLD_NONE] = "#e67e22",
    [VX_PLAN_FORECAST] = "#2471a3",
    [VX_PLAN_PERFECT] = "#27ae60",
};

static double xpos(int t, int n)
{
    return ML + (double)(W - ML - MR) * (n > 1 ? (double)t / (n - 1) : 0.0);
}

static double ypos(double share)
{
    return MT + (double)(H - MT - MB) * (1.0 - share);
}

static enum vx_status escape(struct vx_buf *b, const char *s)
{
    enum vx_status st = VX_OK;
    for (; *s && st == VX_OK; s++) {
        switch (*s) {
        case '<':
            st = vx_buf_puts(b, "&lt;");
            break;
        case '>':
            st = vx_buf_puts(b, "&gt;");
            break;
        case '&':
            st = vx_buf_puts(b, "&amp;");
            break;
        case '"':
            st = vx_buf_puts(b, "&quot;");
            break;
        default:
            st = vx_buf_append(b, s, 1);
        }
    }
    return st;
}

/* A polyline of share[t] for t in [0, n) skipping negative values. */
static enum vx_status line(struct vx_buf *b, const double *share, int n, const char *colour,
                           bool dashed)
{
    enum vx_status st = vx_buf_printf(b,
                                      "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                                      "points=\"",
                                      colour, dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (int t = 0; t < n && st == VX_OK; t++)
        if (share[t] >= 0)
            st = vx_buf_printf(b, "%.1f,%.1f ", xpos(t, n), ypos(share[t]));
    if (st == VX_OK)
        st = vx_buf_puts(b, "\"/>\n");
    return st;
}

enum vx_status vx_plan_chart_svg(const struct vx_plan_scenario *s,
                                 const struct vx_plan_outcome *const *runs, size_t n_runs,
                                 const double *obs_dose1, const double *obs_full,
                                 long long population, const char *title, struct vx_buf *b)
{
    int n = s->n_weeks;
    double pop = population > 0 ? (double)population : 1.0;
    double share[VX_PLAN_MAX_WEEKS];
    enum vx_status st = vx_buf_printf(
        b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
        "%d\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n<title>",
        W, H, W, H);
    if (st == VX_OK)
        st = escape(b, title);
    if (st == VX_OK)
        st = vx_buf_puts(b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                            "<text x=\"60\" y=\"24\" font-size=\"15\">");
    if (st == VX_OK)
        st = escape(b, title);
    if (st == VX_OK)
        st = vx_buf_puts(b, "</text>\n");
    for (int p = 0; p <= 100 && st == VX_OK; p += 20)
        st = vx_buf_printf(b,
                           "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                           "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d %%</text>\n",
                           ML, W - MR, ypos(p / 100.0), ypos(p / 100.0), ML - 6,
                           ypos(p / 100.0) + 4, p);
    for (int t = 0; t < n && st == VX_OK; t += 4) {
        struct vx_isoweek w = s->week0;
        vx_day d = vx_isoweek_monday(w.year, w.week) + 7 * t;
        struct vx_isoweek wk = vx_isoweek_of(d);
        char lab[16];
        vx_isoweek_format(wk, lab);
        st = vx_buf_printf(b,
                           "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
                           "font-size=\"10\">%s</text>\n",
                           xpos(t, n), H - MB + 16, lab + 2);
    }
    int ly = MT + 10;
    for (size_t i = 0; i < n_runs && st == VX_OK; i++) {
        const struct vx_plan_outcome *o = runs[i];
        const char *c = policy_colour[(unsigned)o->policy % VX_PLAN_N_POLICIES];
        for (int t = 0; t < n; t++)
            share[t] = (double)o->dose1[t] / pop;
        st = line(b, share, n, c, false);
        for (int t = 0; t < n; t++)
            share[t] = (double)o->full[t] / pop;
        if (st == VX_OK)
            st = line(b, share, n, c, true);
        if (st == VX_OK)
            st = vx_buf_printf(b,
                               "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                               "stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
                               W - MR + 10, W - MR + 30, ly, ly, c, W - MR + 36, ly + 4,
                               vx_plan_policy_name(o->policy));
        ly += 18;
    }
    if (st == VX_OK && obs_dose1)
        st = line(b, obs_dose1, n, "#000", false);
    if (st == VX_OK && obs_full)
        st = line(b, obs_full, n, "#000", true);
    if (st == VX_OK && (obs_dose1 || obs_full))
        st = vx_buf_printf(b,
                           "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000\" "
                           "stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">FoHM</text>\n",
                           W - MR + 10, W - MR + 30, ly, ly, W - MR + 36, ly + 4);
    ly += 30;
    if (st == VX_OK)
        st = vx_buf_printf(b,
                           "<text x=\"%d\" y=\"%d\" font-size=\"11\">solid: dose 1</text>"
                           "<text x=\"%d\" y=\"%d\" font-size=\"11\">dashed: fully</text>\n"
                           "</svg>\n",
                           W - MR + 10, ly, W - MR + 10, ly + 16);
    return st;
}
