/*
 * render.c — what a person sees of a certificate: the QR code (PNG, SVG), the PDF, and
 * reading a QR code back from an image.
 *
 * QR: libqrencode at error-correction level Q (the eHealth Network guidelines ask for
 * at least Q, 25 %, so a creased paper copy still scans). HC1 text is base45, which is
 * exactly QR's alphanumeric alphabet, so the encoder's mode optimisation packs it at
 * 5.5 bits a character. PNG is drawn on a cairo image surface (one rectangle per dark
 * module, no anti-aliasing, 4 modules of quiet zone); SVG is written by hand as one
 * path of horizontal runs, which keeps it small.
 *
 * PDF: one A4 page on a cairo PDF surface, Swedish first and English beside it, as the
 * EU template does for bilingual certificates; the QR code is drawn as vector
 * rectangles so it stays sharp at any zoom. Text uses cairo's toy font API with a sans
 * face (DejaVu Sans on Debian), which handles å ä ö.
 *
 * Decoding (for the conformance cases with a picture) needs a QR *decoder*; this build
 * uses zbar when compiled with VX_HAVE_ZBAR, else vx_cert_qr_can_decode() is false and
 * the runner reports those checks as skipped. The PNG is read with cairo and flattened
 * onto white before being handed to zbar as 8-bit grey.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cert_int.h"
#ifdef VX_HAVE_ZBAR
#include <zbar.h>
#endif

#define QUIET 4 /* modules of white border */

static QRcode *qr_make(const char *text, struct vx_err *err)
{
    if (!text || !*text || strlen(text) > 4000) {
        vx_err_set(err, VX_EINVAL, "QR: text empty or too long");
        return NULL;
    }
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
    if (!q)
        vx_err_set(err, VX_EINVAL, "QR: text does not fit a QR code");
    return q;
}

/* The next horizontal run of dark modules in row y at or after *x: true with the run
 * [*start, *x). Both the PNG/PDF and the SVG are drawn run by run. */
static bool next_run(const QRcode *q, int y, int *x, int *start)
{
    const unsigned char *row = q->data + (size_t)y * (size_t)q->width;
    while (*x < q->width && !(row[*x] & 1))
        (*x)++;
    if (*x >= q->width)
        return false;
    *start = *x;
    while (*x < q->width && (row[*x] & 1))
        (*x)++;
    return true;
}

/* Dark modules as rectangles on `cr`, module size `m`, origin (x0, y0). */
static void qr_draw(cairo_t *cr, const QRcode *q, double x0, double y0, double m)
{
    for (int y = 0; y < q->width; y++) {
        int x = 0, start;
        while (next_run(q, y, &x, &start))
            cairo_rectangle(cr, x0 + start * m, y0 + y * m, (x - start) * m, m);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return vx_buf_append(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

enum vx_status vx_cert_qr_png(const char *text, int scale, struct vx_buf *out, struct vx_err *err)
{
    if (scale < 1 || scale > 32)
        return vx_err_set(err, VX_EINVAL, "QR: scale must be 1..32");
    QRcode *q = qr_make(text, err);
    if (!q)
        return VX_EINVAL;
    int px = (q->width + 2 * QUIET) * scale;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, px, px);
    cairo_t *cr = cairo_create(s);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    qr_draw(cr, q, QUIET * scale, QUIET * scale, scale);
    cairo_destroy(cr);
    cairo_status_t cs = cairo_surface_write_to_png_stream(s, write_buf, out);
    cairo_surface_destroy(s);
    QRcode_free(q);
    return cs == CAIRO_STATUS_SUCCESS
               ? VX_OK
               : vx_err_set(err, VX_ENOMEM, "PNG: %s", cairo_status_to_string(cs));
}

enum vx_status vx_cert_qr_svg(const char *text, struct vx_buf *out, struct vx_err *err)
{
    QRcode *q = qr_make(text, err);
    if (!q)
        return VX_EINVAL;
    int w = q->width + 2 * QUIET;
    enum vx_status st = vx_buf_printf(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
        "height=\"%d\" shape-rendering=\"crispEdges\">\n<rect width=\"%d\" height=\"%d\" "
        "fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
        w, w, w * 6, w * 6, w, w);
    for (int y = 0; !st && y < q->width; y++) {
        int x = 0, start;
        while (!st && next_run(q, y, &x, &start))
            st = vx_buf_printf(out, "M%d %dh%dv1h-%dz", start + QUIET, y + QUIET, x - start,
                               x - start);
    }
    if (!st)
        st = vx_buf_puts(out, "\"/>\n</svg>\n");
    QRcode_free(q);
    return st ? vx_err_set(err, VX_ENOMEM, "SVG: out of memory") : VX_OK;
}

/* ------------------------------------------------------------------- PDF */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void text_at(cairo_t *cr, double x, double y, double size, bool bold, const char *s)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* One labelled field: "Namn / Name" above the value. Returns the next y. */
static double field(cairo_t *cr, double x, double y, const char *sv, const char *en,
                    const char *value)
{
    char label[160];
    snprintf(label, sizeof label, "%s / %s", sv, en);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.4);
    text_at(cr, x, y, 8.5, false, label);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_at(cr, x, y + 14, 12, true, value && *value ? value : "-");
    return y + 34;
}

enum vx_status vx_cert_pdf(const cJSON *dcc, const char *hc1, const struct vx_cert_pdf_text *text,
                           struct vx_buf *out, struct vx_err *err)
{
    const cJSON *varr = cJSON_GetObjectItemCaseSensitive(dcc, "v");
    const cJSON *v = cJSON_GetArrayItem(varr, 0);
    if (!cJSON_IsObject(v))
        return vx_err_set(err, VX_EINVAL, "PDF: the DCC holds no vaccination entry");
    QRcode *q = qr_make(hc1, err);
    if (!q)
        return VX_EINVAL;
    const cJSON *nam = cJSON_GetObjectItemCaseSensitive(dcc, "nam");
    char name[200], dose[32], std[200];
    snprintf(name, sizeof name, "%s%s%s", jstr(nam, "fn"), *jstr(nam, "fn") ? ", " : "",
             jstr(nam, "gn"));
    snprintf(std, sizeof std, "%s<<%s", jstr(nam, "fnt"), jstr(nam, "gnt"));
    const cJSON *dn = cJSON_GetObjectItemCaseSensitive(v, "dn");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(v, "sd");
    snprintf(dose, sizeof dose, "%d / %d", cJSON_IsNumber(dn) ? dn->valueint : 0,
             cJSON_IsNumber(sd) ? sd->valueint : 0);
    const char *product = text && text->product ? text->product : jstr(v, "mp");
    const char *maker = text && text->manufacturer ? text->manufacturer : jstr(v, "ma");
    const char *tg = strcmp(jstr(v, "tg"), "840539006") == 0 ? "COVID-19" : jstr(v, "tg");

    const double W = 595.28, H = 841.89; /* A4 in points */
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, W, H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
                                   "EU Digital COVID Certificate - Vaccinationsbevis");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "vaxchain");
    cairo_t *cr = cairo_create(s);

    /* header band */
    cairo_set_source_rgb(cr, 0.0, 0.2, 0.6);
    cairo_rectangle(cr, 0, 0, W, 92);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    text_at(cr, 40, 40, 20, true, "EU:s digitala covidintyg");
    text_at(cr, 40, 64, 13, false, "EU Digital COVID Certificate");
    text_at(cr, 330, 40, 14, true, "Vaccinationsbevis");
    text_at(cr, 330, 64, 12, false, "Certificate of vaccination");

    /* QR code, 240 pt wide with its quiet zone, centred */
    double qsize = 240, m = qsize / (q->width + 2 * QUIET);
    double qx = (W - qsize) / 2, qy = 112;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, qx, qy, qsize, qsize);
    cairo_fill(cr);
    qr_draw(cr, q, qx + QUIET * m, qy + QUIET * m, m);

    double y = qy + qsize + 36, x1 = 48, x2 = 310;
    double yl = field(cr, x1, y, "Namn", "Name", name);
    yl = field(cr, x1, yl, "Standardiserat namn", "Standardised name", std);
    yl = field(cr, x1, yl, "Födelsedatum", "Date of birth", jstr(dcc, "dob"));
    yl = field(cr, x1, yl, "Sjukdom eller agens", "Disease or agent targeted", tg);
    yl = field(cr, x1, yl, "Vaccin", "Vaccine/medicinal product", product);
    yl = field(cr, x1, yl, "Tillverkare", "Manufacturer", maker);
    double yr = field(cr, x2, y, "Dos", "Dose number / total doses", dose);
    yr = field(cr, x2, yr, "Vaccinationsdatum", "Date of vaccination", jstr(v, "dt"));
    yr = field(cr, x2, yr, "Land", "Member State of vaccination", jstr(v, "co"));
    yr = field(cr, x2, yr, "Utfärdare", "Certificate issuer", jstr(v, "is"));
    yr = field(cr, x2, yr, "Vaccinkod (SNOMED/ATC)", "Vaccine code", jstr(v, "vp"));
    double yb = (yl > yr ? yl : yr) + 6;
    field(cr, x1, yb, "Intygsidentitet", "Unique certificate identifier", jstr(v, "ci"));

    cairo_set_source_rgb(cr, 0.35, 0.35, 0.4);
    text_at(cr, 40, H - 48, 8.5, false,
            "Intyget kan kontrolleras genom att QR-koden läses av med en verifieringsapp.");
    text_at(cr, 40, H - 36, 8.5, false,
            "The certificate can be verified by scanning the QR code with a verifier app.");
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    QRcode_free(q);
    return cs == CAIRO_STATUS_SUCCESS
               ? VX_OK
               : vx_err_set(err, VX_EIO, "PDF: %s", cairo_status_to_string(cs));
}

void vx_cert_render_cleanup(void)
{
    cairo_debug_reset_static_data();
    /* cairo's font backend leaves fontconfig's caches allocated; FcFini is looked up
     * at run time because the build links cairo, not fontconfig, directly */
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}

/* ------------------------------------------------------------- QR decode */

bool vx_cert_qr_can_decode(void)
{
#ifdef VX_HAVE_ZBAR
    return true;
#else
    return false;
#endif
}

#ifdef VX_HAVE_ZBAR
struct png_reader {
    const uint8_t *p;
    size_t n, off;
};

static cairo_status_t read_png(void *closure, unsigned char *data, unsigned int len)
{
    struct png_reader *r = closure;
    if (r->n - r->off < len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->off, len);
    r->off += len;
    return CAIRO_STATUS_SUCCESS;
}
#endif

enum vx_status vx_cert_qr_decode_png(const uint8_t *png, size_t n, struct vx_buf *out,
                                     struct vx_err *err)
{
#ifndef VX_HAVE_ZBAR
    (void)png;
    (void)n;
    (void)out;
    return vx_err_set(err, VX_ECONFLICT, "this build has no QR decoder (zbar)");
#else
    struct png_reader rd = {.p = png, .n = n};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_png, &rd);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return vx_err_set(err, VX_EPARSE, "not a readable PNG image");
    }
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    if (w <= 0 || h <= 0 || w > 8192 || h > 8192) {
        cairo_surface_destroy(img);
        return vx_err_set(err, VX_EPARSE, "PNG size %dx%d not supported", w, h);
    }
    /* flatten onto white in RGB24, then take the green channel as grey */
    cairo_surface_t *flat = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(flat);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(flat);
    cairo_surface_destroy(img);
    unsigned char *grey = malloc((size_t)w * (size_t)h);
    if (!grey) {
        cairo_surface_destroy(flat);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    const unsigned char *px = cairo_image_surface_get_data(flat);
    int stride = cairo_image_surface_get_stride(flat);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t v = row[x];
            unsigned r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
            grey[(size_t)y * (size_t)w + (size_t)x] =
                (unsigned char)((r * 77 + g * 150 + b * 29) >> 8);
        }
    }
    cairo_surface_destroy(flat);

    zbar_image_scanner_t *sc = zbar_image_scanner_create();
    zbar_image_t *zi = zbar_image_create();
    enum vx_status st = VX_ENOTFOUND;
    if (sc && zi) {
        zbar_image_scanner_set_config(sc, 0, ZBAR_CFG_ENABLE, 0);
        zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
        zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(zi, (unsigned)w, (unsigned)h);
        zbar_image_set_data(zi, grey, (unsigned long)w * (unsigned long)h, NULL);
        if (zbar_scan_image(sc, zi) > 0) {
            const zbar_symbol_t *sym = zbar_image_first_symbol(zi);
            for (; sym; sym = zbar_symbol_next(sym)) {
                if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
                    continue;
                if (vx_buf_append(out, zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym)))
                    st = vx_err_set(err, VX_ENOMEM, "QR text too long");
                else
                    st = VX_OK;
                break;
            }
        }
    }
    if (zi)
        zbar_image_destroy(zi);
    if (sc)
        zbar_image_scanner_destroy(sc);
    free(grey);
    if (st == VX_ENOTFOUND)
        vx_err_set(err, st, "no readable QR code in the image");
    return st;
#endif
}
