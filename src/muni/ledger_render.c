/*
 * ledger_render.c — a compensation statement as CSV, PDF (cairo) and XLSX
 * (libxlsxwriter) (include/vx/ledger.h).
 *
 * All three take the computed `struct vx_statement` and only lay it out: no sums
 * are made here that the statement does not already hold, so the three formats
 * cannot disagree with the JSON. Labels come from one sv/en table. Amounts are
 * printed from integer öre (vx_ledger_format_ore); the XLSX cells hold the öre as
 * integers plus kronor = öre / 100 with a two-decimal format, so a spreadsheet
 * sum of the öre column is exact.
 *
 * The PDF is an A4 invoice basis ("fakturaunderlag"): heading, parties, period,
 * one row per line, the adjustments with who decided and why, totals, and a note
 * when an amount is assumed (not from a cited source). Long statements continue on
 * new pages. libxlsxwriter can only write files, so the workbook goes through a
 * mkstemp() file in $TMPDIR that is read back and removed.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include "vx/ledger.h"

struct labels {
    const char *title_region, *title_state, *payer_region, *payer_state, *region, *kommun, *all,
        *period, *from, *to, *doses, *tariff, *amount, *covered, *uncovered, *agreement, *adjust,
        *reason, *decided_by, *decided_at, *subtotal, *adjust_sum, *total, *assumed_note,
        *uncovered_note, *invoice, *sheet, *yes, *no, *ore, *kr, *status;
};

static const struct labels sv = {
    .title_region = "Ersättningsunderlag: region till kommun",
    .title_state = "Ersättningsunderlag: staten till region",
    .payer_region = "Betalare: regionen",
    .payer_state = "Betalare: staten",
    .region = "Region",
    .kommun = "Kommun",
    .all = "alla kommuner i regionen",
    .period = "Period",
    .from = "Från",
    .to = "Till",
    .doses = "Doser",
    .tariff = "Ersättning/dos (kr)",
    .amount = "Belopp (kr)",
    .covered = "avtal",
    .uncovered = "inget avtal",
    .agreement = "Avtal",
    .adjust = "Justeringar",
    .reason = "Skäl",
    .decided_by = "Beslutad av",
    .decided_at = "Beslutad",
    .subtotal = "Summa doser enligt avtal",
    .adjust_sum = "Summa justeringar",
    .total = "Att betala",
    .assumed_note = "* Antaget belopp, inte hämtat ur en angiven källa (se docs/compensation.md).",
    .uncovered_note = "Doser utan avtal i kraft ersätts inte och redovisas separat.",
    .invoice = "Underlag nr",
    .sheet = "Underlag",
    .yes = "ja",
    .no = "nej",
    .ore = "Belopp (öre)",
    .kr = "kr",
    .status = "Status",
};

static const struct labels en = {
    .title_region = "Compensation statement: region to municipality",
    .title_state = "Compensation statement: state to region",
    .payer_region = "Payer: the region",
    .payer_state = "Payer: the state",
    .region = "Region",
    .kommun = "Municipality",
    .all = "all municipalities of the region",
    .period = "Period",
    .from = "From",
    .to = "To",
    .doses = "Doses",
    .tariff = "Per dose (SEK)",
    .amount = "Amount (SEK)",
    .covered = "agreement",
    .uncovered = "no agreement",
    .agreement = "Agreement",
    .adjust = "Adjustments",
    .reason = "Reason",
    .decided_by = "Decided by",
    .decided_at = "Decided",
    .subtotal = "Doses under agreements",
    .adjust_sum = "Adjustments",
    .total = "To pay",
    .assumed_note = "* Assumed amount, not taken from a cited source (see docs/compensation.md).",
    .uncovered_note = "Doses without an agreement in force are not paid and are shown apart.",
    .invoice = "Statement no",
    .sheet = "Statement",
    .yes = "yes",
    .no = "no",
    .ore = "Amount (öre)",
    .kr = "SEK",
    .status = "Status",
};

static const struct labels *labels_for(const char *lang)
{
    return lang && !strcmp(lang, "en") ? &en : &sv;
}

static char *day_text(vx_day d, char out[11])
{
    if (d == VX_DAY_OPEN) {
        out[0] = '\0';
        return out;
    }
    return vx_day_format(d, out);
}

/* "2021-03-08 14:05" local, for decided_at */
static char *time_text(vx_time t, char out[20])
{
    vx_day d;
    int minute;
    vx_stockholm_local(t, &d, &minute);
    char ds[11];
    snprintf(out, 20, "%s %02d:%02d", vx_day_format(d, ds), minute / 60, minute % 60);
    return out;
}

/* ------------------------------------------------------------ CSV */

/* Append s as one CSV field (quoted when it holds a separator, quote or newline). */
static enum vx_status csv_field(struct vx_buf *out, const char *s, bool last)
{
    enum vx_status rc = VX_OK;
    if (strpbrk(s, ",\"\r\n")) {
        rc = vx_buf_puts(out, "\"");
        for (const char *p = s; rc == VX_OK && *p; p++)
            rc = *p == '"' ? vx_buf_puts(out, "\"\"") : vx_buf_append(out, p, 1);
        if (rc == VX_OK)
            rc = vx_buf_puts(out, "\"");
    } else {
        rc = vx_buf_puts(out, s);
    }
    return rc == VX_OK ? vx_buf_puts(out, last ? "\r\n" : ",") : rc;
}

static void kr_plain(int64_t ore, char *out, size_t cap)
{
    uint64_t v = ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
    snprintf(out, cap, "%s%" PRIu64 ".%02u", ore < 0 ? "-" : "", v / 100, (unsigned)(v % 100));
}

enum vx_status vx_ledger_statement_csv(const struct vx_statement *s, const char *lang,
                                       struct vx_buf *out)
{
    const struct labels *L = labels_for(lang);
    enum vx_status rc = VX_OK;
    const char *head[] = {"kind",       L->region, L->kommun,    "kommun_name", L->from,
                          L->to,        "covered", L->agreement, L->doses,      "ore_per_dose",
                          "amount_ore", L->amount, L->reason,    L->decided_by};
    size_t nh = VX_ARRAY_LEN(head);
    for (size_t i = 0; rc == VX_OK && i < nh; i++)
        rc = csv_field(out, head[i], i + 1 == nh);
    for (size_t i = 0; rc == VX_OK && i < s->n_lines; i++) {
        const struct vx_ledger_line *l = &s->lines[i];
        char f[11], t[11], d[24], o[24], a[24], k[32];
        snprintf(d, sizeof d, "%" PRId64, l->doses);
        snprintf(o, sizeof o, "%" PRId64, l->ore_per_dose);
        snprintf(a, sizeof a, "%" PRId64, l->amount_ore);
        kr_plain(l->amount_ore, k, sizeof k);
        const char *row[] = {"line",
                             s->region,
                             l->kommun,
                             l->kommun_name,
                             day_text(l->from, f),
                             day_text(l->to, t),
                             l->covered ? "1" : "0",
                             l->agreement,
                             d,
                             o,
                             a,
                             k,
                             "",
                             ""};
        for (size_t j = 0; rc == VX_OK && j < nh; j++)
            rc = csv_field(out, row[j], j + 1 == nh);
    }
    for (size_t i = 0; rc == VX_OK && i < s->n_adjust; i++) {
        const struct vx_ledger_adjust *x = &s->adjust[i];
        char f[11], t[11], a[24], k[32];
        snprintf(a, sizeof a, "%" PRId64, x->amount_ore);
        kr_plain(x->amount_ore, k, sizeof k);
        const char *row[] = {"adjustment",
                             x->region,
                             x->kommun,
                             "",
                             day_text(x->period_from, f),
                             day_text(x->period_to, t),
                             "",
                             "",
                             "",
                             "",
                             a,
                             k,
                             x->reason,
                             x->decided_by};
        for (size_t j = 0; rc == VX_OK && j < nh; j++)
            rc = csv_field(out, row[j], j + 1 == nh);
    }
    struct {
        const char *kind;
        int64_t ore, doses;
    } tot[] = {{"subtotal", s->subtotal_ore, s->doses_covered},
               {"adjustments", s->adjust_ore, -1},
               {"uncovered", 0, s->doses_uncovered},
               {"total", s->total_ore, s->doses_total}};
    for (size_t i = 0; rc == VX_OK && i < VX_ARRAY_LEN(tot); i++) {
        char f[11], t[11], d[24] = "", a[24], k[32];
        if (tot[i].doses >= 0)
            snprintf(d, sizeof d, "%" PRId64, tot[i].doses);
        snprintf(a, sizeof a, "%" PRId64, tot[i].ore);
        kr_plain(tot[i].ore, k, sizeof k);
        const char *row[] = {tot[i].kind,
                             s->region,
                             s->kommun,
                             "",
                             day_text(s->from, f),
                             day_text(s->to, t),
                             "",
                             "",
                             d,
                             "",
                             a,
                             k,
                             "",
                             ""};
        for (size_t j = 0; rc == VX_OK && j < nh; j++)
            rc = csv_field(out, row[j], j + 1 == nh);
    }
    return rc;
}

/* ------------------------------------------------------------ PDF */

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 50.0

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return vx_buf_append(closure, data, len) == VX_OK ? CAIRO_STATUS_SUCCESS
                                                      : CAIRO_STATUS_WRITE_ERROR;
}

struct pen {
    cairo_t *cr;
    double y;
};

static void font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void text_at(cairo_t *cr, double x, double y, const char *s, bool right)
{
    if (right) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, s, &e);
        x -= e.x_advance;
    }
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

static void line_text(struct pen *p, double size, bool bold, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line_text(struct pen *p, double size, bool bold, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    font(p->cr, size, bold);
    p->y += size * 1.5;
    text_at(p->cr, MARGIN, p->y, text, false);
}

/* New page when fewer than `need` points are left. */
static void room(struct pen *p, double need)
{
    if (p->y + need > PAGE_H - MARGIN) {
        cairo_show_page(p->cr);
        p->y = MARGIN;
    }
}

/* Column x positions of a line row: left edges of the texts, right edges of the
 * three numbers (doses, tariff, amount). */
static const double col_x[] = {MARGIN, 160, 220, 280, 370, 465, PAGE_W - MARGIN};

static void row_cells(struct pen *p, bool bold, const char *c[7])
{
    room(p, 16);
    font(p->cr, 8.5, bold);
    p->y += 13;
    for (int i = 0; i < 7; i++)
        text_at(p->cr, col_x[i], p->y, c[i], i >= 4);
}

enum vx_status vx_ledger_statement_pdf(const struct vx_statement *s, const char *lang,
                                       const char *invoice_no, struct vx_buf *out,
                                       struct vx_err *err)
{
    const struct labels *L = labels_for(lang);
    size_t before = out->len;
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    cairo_t *cr = cairo_create(surf);
    struct pen p = {cr, MARGIN};
    char f[11], t[11], a[40], b[64];
    bool any_assumed = false;

    cairo_set_source_rgb(cr, 0, 0, 0);
    line_text(&p, 15, true, "%s", s->payer == VX_PAYER_STATE ? L->title_state : L->title_region);
    if (invoice_no && invoice_no[0])
        line_text(&p, 9, false, "%s: %s", L->invoice, invoice_no);
    p.y += 6;
    line_text(&p, 10, false, "%s", s->payer == VX_PAYER_STATE ? L->payer_state : L->payer_region);
    line_text(&p, 10, false, "%s: %s %s", L->region, s->region, s->region_name);
    if (s->payer == VX_PAYER_REGION) {
        const char *kname = s->kommun[0] && s->n_lines ? s->lines[0].kommun_name : "";
        if (s->kommun[0])
            line_text(&p, 10, false, "%s: %s %s", L->kommun, s->kommun, kname);
        else
            line_text(&p, 10, false, "%s: %s", L->kommun, L->all);
    }
    line_text(&p, 10, false, "%s: %s – %s", L->period, day_text(s->from, f), day_text(s->to, t));
    p.y += 10;

    const char *head[7] = {L->kommun, L->from, L->to, L->agreement, L->doses, L->tariff, L->amount};
    row_cells(&p, true, head);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN, p.y + 4);
    cairo_line_to(cr, PAGE_W - MARGIN, p.y + 4);
    cairo_stroke(cr);
    p.y += 4;
    for (size_t i = 0; i < s->n_lines; i++) {
        const struct vx_ledger_line *l = &s->lines[i];
        char kom[80], d[24], agr[48];
        snprintf(kom, sizeof kom, "%s %.40s", l->kommun, l->kommun_name);
        snprintf(d, sizeof d, "%" PRId64, l->doses);
        snprintf(agr, sizeof agr, "%s", l->covered ? l->agreement : L->uncovered);
        if (l->covered) {
            vx_ledger_format_ore(l->ore_per_dose, lang, a, sizeof a);
            if (l->assumed) {
                size_t n = strlen(a);
                snprintf(a + n, sizeof a - n, "*");
                any_assumed = true;
            }
            vx_ledger_format_ore(l->amount_ore, lang, b, sizeof b);
        } else {
            snprintf(a, sizeof a, "–");
            snprintf(b, sizeof b, "–");
        }
        const char *c[7] = {kom, day_text(l->from, f), day_text(l->to, t), agr, d, a, b};
        row_cells(&p, false, c);
    }
    if (s->n_adjust) {
        p.y += 8;
        room(&p, 40);
        line_text(&p, 11, true, "%s", L->adjust);
        for (size_t i = 0; i < s->n_adjust; i++) {
            const struct vx_ledger_adjust *x = &s->adjust[i];
            char when[20];
            room(&p, 30);
            vx_ledger_format_ore(x->amount_ore, lang, a, sizeof a);
            line_text(&p, 8.5, false, "%s %s – %s: %s %s (%s: %s, %s)", x->kommun,
                      day_text(x->period_from, f), day_text(x->period_to, t), a, L->kr,
                      L->decided_by, x->decided_by, time_text(x->decided_at, when));
            line_text(&p, 8.5, false, "    %s: %.150s", L->reason, x->reason);
        }
    }
    p.y += 10;
    room(&p, 80);
    struct {
        const char *label;
        int64_t ore;
        bool bold;
    } tot[] = {{L->subtotal, s->subtotal_ore, false},
               {L->adjust_sum, s->adjust_ore, false},
               {L->total, s->total_ore, true}};
    for (size_t i = 0; i < VX_ARRAY_LEN(tot); i++) {
        vx_ledger_format_ore(tot[i].ore, lang, a, sizeof a);
        font(cr, 10, tot[i].bold);
        p.y += 15;
        text_at(cr, MARGIN, p.y, tot[i].label, false);
        snprintf(b, sizeof b, "%s %s", a, L->kr);
        text_at(cr, PAGE_W - MARGIN, p.y, b, true);
    }
    p.y += 6;
    line_text(&p, 8.5, false, "%s: %" PRId64 "   %s: %" PRId64 "   %s: %" PRId64, L->doses,
              s->doses_total, L->covered, s->doses_covered, L->uncovered, s->doses_uncovered);
    if (s->doses_uncovered)
        line_text(&p, 8.5, false, "%s", L->uncovered_note);
    if (any_assumed)
        line_text(&p, 8.5, false, "%s", L->assumed_note);

    cairo_destroy(cr);
    cairo_surface_finish(surf);
    cairo_status_t cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        out->len = before;
        return vx_err_set(err, cs == CAIRO_STATUS_NO_MEMORY ? VX_ENOMEM : VX_EIO,
                          "statement PDF: %s", cairo_status_to_string(cs));
    }
    return VX_OK;
}

/* ------------------------------------------------------------ XLSX */

static enum vx_status read_back(const char *path, struct vx_buf *out, struct vx_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_err_set(err, VX_EIO, "statement XLSX: cannot read %s: %s", path, strerror(errno));
    char chunk[16384];
    size_t n;
    enum vx_status rc = VX_OK;
    while (rc == VX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = vx_buf_append(out, chunk, n);
    if (rc == VX_OK && ferror(f))
        rc = VX_EIO;
    fclose(f);
    return rc == VX_OK ? VX_OK : vx_err_set(err, rc, "statement XLSX: cannot read it back");
}

enum vx_status vx_ledger_statement_xlsx(const struct vx_statement *s, const char *lang,
                                        struct vx_buf *out, struct vx_err *err)
{
    const struct labels *L = labels_for(lang);
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/vx-ledger-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return vx_err_set(err, VX_EIO, "statement XLSX: no temporary file: %s", strerror(errno));
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        unlink(path);
        return vx_err_set(err, VX_EIO, "statement XLSX: cannot create the workbook");
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, L->sheet);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format *money = workbook_add_format(wb);
    format_set_num_format(money, "#,##0.00");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    char f[11], t[11];
    worksheet_write_string(ws, 0, 0, s->payer == VX_PAYER_STATE ? L->title_state : L->title_region,
                           bold);
    worksheet_write_string(ws, 1, 0, L->region, NULL);
    worksheet_write_string(ws, 1, 1, s->region, NULL);
    worksheet_write_string(ws, 1, 2, s->region_name, NULL);
    worksheet_write_string(ws, 2, 0, L->kommun, NULL);
    worksheet_write_string(ws, 2, 1, s->kommun[0] ? s->kommun : L->all, NULL);
    worksheet_write_string(ws, 3, 0, L->period, NULL);
    worksheet_write_string(ws, 3, 1, day_text(s->from, f), NULL);
    worksheet_write_string(ws, 3, 2, day_text(s->to, t), NULL);
    const char *head[] = {L->kommun, "",        L->from, L->to,    L->agreement,
                          L->doses,  L->tariff, L->ore,  L->amount};
    lxw_row_t r = 5;
    for (lxw_col_t c = 0; c < VX_ARRAY_LEN(head); c++)
        worksheet_write_string(ws, r, c, head[c], bold);
    for (size_t i = 0; i < s->n_lines; i++) {
        const struct vx_ledger_line *l = &s->lines[i];
        r++;
        worksheet_write_string(ws, r, 0, l->kommun, NULL);
        worksheet_write_string(ws, r, 1, l->kommun_name, NULL);
        worksheet_write_string(ws, r, 2, day_text(l->from, f), NULL);
        worksheet_write_string(ws, r, 3, day_text(l->to, t), NULL);
        worksheet_write_string(ws, r, 4, l->covered ? l->agreement : L->uncovered, NULL);
        worksheet_write_number(ws, r, 5, (double)l->doses, NULL);
        worksheet_write_number(ws, r, 6, (double)l->ore_per_dose / 100.0, money);
        worksheet_write_number(ws, r, 7, (double)l->amount_ore, NULL);
        worksheet_write_number(ws, r, 8, (double)l->amount_ore / 100.0, money);
    }
    if (s->n_adjust) {
        r += 2;
        worksheet_write_string(ws, r, 0, L->adjust, bold);
        const char *ah[] = {L->kommun,     "",     L->from,  L->to, L->reason, L->decided_by,
                            L->decided_at, L->ore, L->amount};
        r++;
        for (lxw_col_t c = 0; c < VX_ARRAY_LEN(ah); c++)
            worksheet_write_string(ws, r, c, ah[c], bold);
        for (size_t i = 0; i < s->n_adjust; i++) {
            const struct vx_ledger_adjust *x = &s->adjust[i];
            char when[20];
            r++;
            worksheet_write_string(ws, r, 0, x->kommun, NULL);
            worksheet_write_string(ws, r, 2, day_text(x->period_from, f), NULL);
            worksheet_write_string(ws, r, 3, day_text(x->period_to, t), NULL);
            worksheet_write_string(ws, r, 4, x->reason, NULL);
            worksheet_write_string(ws, r, 5, x->decided_by, NULL);
            worksheet_write_string(ws, r, 6, time_text(x->decided_at, when), NULL);
            worksheet_write_number(ws, r, 7, (double)x->amount_ore, NULL);
            worksheet_write_number(ws, r, 8, (double)x->amount_ore / 100.0, money);
        }
    }
    r += 2;
    struct {
        const char *label;
        int64_t ore;
    } tot[] = {
        {L->subtotal, s->subtotal_ore}, {L->adjust_sum, s->adjust_ore}, {L->total, s->total_ore}};
    for (size_t i = 0; i < VX_ARRAY_LEN(tot); i++, r++) {
        worksheet_write_string(ws, r, 0, tot[i].label, bold);
        worksheet_write_number(ws, r, 7, (double)tot[i].ore, NULL);
        worksheet_write_number(ws, r, 8, (double)tot[i].ore / 100.0, money);
    }
    worksheet_write_string(ws, r, 0, L->doses, NULL);
    worksheet_write_number(ws, r, 5, (double)s->doses_total, NULL);
    worksheet_set_column(ws, 0, 0, 12, NULL);
    worksheet_set_column(ws, 1, 1, 22, NULL);
    worksheet_set_column(ws, 2, 4, 14, NULL);
    worksheet_set_column(ws, 5, 8, 16, NULL);
    lxw_error xe = workbook_close(wb);
    enum vx_status rc = xe == LXW_NO_ERROR
                            ? read_back(path, out, err)
                            : vx_err_set(err, VX_EIO, "statement XLSX: %s", lxw_strerror(xe));
    unlink(path);
    return rc;
}

void vx_ledger_render_cleanup(void)
{
    cairo_debug_reset_static_data();
    /* cairo's font backend leaves fontconfig's caches allocated; FcFini is looked up
     * at run time because the build links cairo, not fontconfig, directly */
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}
