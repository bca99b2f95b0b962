/*
 * letter.c — the invitation letter as a one-page A4 PDF (cairo).
 *
 * For people without e-ID: the region prints a letter with a one-time code, and
 * the person books on the web or by phone with that code. The text is Swedish
 * first, then English. The letter is drawn with cairo's simple text API onto a PDF
 * surface whose output is streamed into the caller's vx_buf (hard size limit), so
 * nothing touches the file system. This file is the only user of cairo in
 * src/book and can move to a printing module unchanged.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <string.h>
#include "vx/book.h"

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 64.0

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return vx_buf_append(closure, data, length) == VX_OK ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

struct pen {
    cairo_t *cr;
    double y;
};

static void line(struct pen *p, double size, bool bold, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line(struct pen *p, double size, bool bold, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cairo_select_font_face(p->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(p->cr, size);
    p->y += size * 1.45;
    cairo_move_to(p->cr, MARGIN, p->y);
    cairo_show_text(p->cr, text);
}

enum vx_status vx_book_letter_pdf(const struct vx_book_letter *l, struct vx_buf *out)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    cairo_t *cr = cairo_create(s);
    struct pen p = {cr, MARGIN};
    char until[11];
    vx_day_format(l->expires, until);
    const char *name = l->name ? l->name : "";
    const char *region = l->region_name ? l->region_name : "";
    const char *web = l->web ? l->web : "";
    const char *phone = l->phone ? l->phone : "";

    cairo_set_source_rgb(cr, 0, 0, 0);
    line(&p, 10, false, "%s", region);
    p.y += 40;
    line(&p, 11, false, "%s", name);
    for (int i = 0; i < 3; i++)
        if (l->address[i])
            line(&p, 11, false, "%s", l->address[i]);
    p.y += 40;
    line(&p, 16, true, "Inbjudan till vaccination");
    p.y += 6;
    line(&p, 11, false, "Du är välkommen att boka tid för vaccination.");
    line(&p, 11, false, "Boka på %s eller ring %s och uppge koden nedan.", web, phone);
    line(&p, 11, false, "Koden gäller för en bokning till och med %s.", until);
    p.y += 18;
    line(&p, 24, true, "%s", l->code ? l->code : "");
    p.y += 18;
    line(&p, 16, true, "Invitation to vaccination");
    p.y += 6;
    line(&p, 11, false, "You are welcome to book a vaccination appointment.");
    line(&p, 11, false, "Book at %s or call %s and give the code above.", web, phone);
    line(&p, 11, false, "The code is valid for one booking until %s.", until);
    p.y += 30;
    line(&p, 9, false,
         "Koden är personlig. Visa den inte för någon annan. / "
         "The code is personal. Do not share it.");

    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs == CAIRO_STATUS_WRITE_ERROR)
        return VX_ENOMEM;
    return cs == CAIRO_STATUS_SUCCESS ? VX_OK : VX_EIO;
}
