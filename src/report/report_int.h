/*
 * report_int.h — private helpers shared by the report module's renderers.
 */
#ifndef VX_REPORT_INT_H
#define VX_REPORT_INT_H

#include <stdbool.h>
#include "vx/report.h"

/* Fixed texts of the renderings, one row per text, sv and en. */
enum rp_text {
    RP_TITLE,    /* "Lägesbild: regionernas bedömning" */
    RP_MONTH,    /* "Månad" */
    RP_FILED,    /* "Regioner som rapporterat" */
    RP_AREA,     /* "Område" */
    RP_SUMMARY,  /* "Sammanställning per område" */
    RP_CHART,    /* "Antal regioner per färg och område" */
    RP_COVERAGE, /* "Vaccinationstäckning per region" */
    RP_DOSE1,
    RP_DOSE2,
    RP_REASONS, /* "Motiveringar" */
    RP_REGIONS, /* "Regioner" */
    RP_REGION,
    RP_COLOR,
    RP_REASON,
    RP_NO_REASON,
    RP_NOT_FILED,
    RP_GROUPS,    /* sheet name of the grouped reasons */
    RP_GENERATED, /* "Sammanställt av vaxchain" */
    RP_TEXT_COUNT
};
const char *rp_text(enum rp_text t, const char *lang);
/* The area's name in lang. */
const char *rp_area_name(enum vx_tl_area a, const char *lang);
/* RGB (0..1) of a colour for charts. */
void rp_rgb(enum vx_tl_color c, double rgb[3]);
/* "#2e7d32" style hex of a colour. */
const char *rp_hex(enum vx_tl_color c);
/* Append `s` HTML-escaped (& < > " ') to out. */
enum vx_status rp_html_escape(struct vx_buf *out, const char *s);
/* Region names of a group, "Stockholm, Uppsala" into out (name lookup in c). */
enum vx_status rp_group_regions(const struct vx_tl_compilation *c, const struct vx_tl_group *g,
                                struct vx_buf *out);

enum vx_status rp_render_html(const struct vx_tl_compilation *c, const char *lang,
                              struct vx_buf *out, struct vx_err *err);
enum vx_status rp_render_pdf(const struct vx_tl_compilation *c, const char *lang,
                             struct vx_buf *out, struct vx_err *err);
enum vx_status rp_render_xlsx(const struct vx_tl_compilation *c, const char *lang,
                              const char *tmpdir, struct vx_buf *out, struct vx_err *err);

#endif
