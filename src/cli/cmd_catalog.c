/*
 * cmd_catalog.c — `vaxchain catalog list [--json]`: show the vaccine catalogue.
 *
 * Reads <data-dir>/vaccines.json, parses it with the core parser (which does all the
 * validation, so this command doubles as a checker for a region's edited file) and
 * prints either a table or JSON. The table shows each product's values in force on the
 * catalogue's own `updated` date — the CLI reads no clock here so the output of a given
 * file never changes — followed by the full history per product: vial periods, interval
 * rules, storage periods, age rules with their reasons, and seasons. Text a person reads
 * is Swedish unless `--lang en` is given (the option is honoured when the command table
 * offers it). The JSON form is built with cJSON from the parsed catalogue, so it is
 * normalised: every default filled in, dates as YYYY-MM-DD.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/catalog.h"

/* Column headers and labels, sv and en. */
struct labels {
    const char *code, *product, *vial, *doses, *interval, *storage, *restrictions;
    const char *history, *vials, *intervals, *storage_h, *age, *seasons, *transport;
    const char *paused, *open, *none, *dose;
    const char *months, *opened, *by_year;
};

static const struct labels labels_sv = {
    "Kod",
    "Produkt",
    "Doser/flaska",
    "Doser",
    "Intervall min/rek/max d",
    "Förvaring",
    "Åldersregler",
    "Historik",
    "Doser per flaska",
    "Dosintervall",
    "Förvaring",
    "Åldersregler",
    "Säsonger",
    "Transport",
    "pausad",
    "tills vidare",
    "inga",
    "dos",
    "mån",
    "öppnad",
    " (födelseår)",
};

static const struct labels labels_en = {
    "Code",
    "Product",
    "Doses/vial",
    "Doses",
    "Interval min/rec/max d",
    "Storage",
    "Age rules",
    "History",
    "Doses per vial",
    "Dose intervals",
    "Storage",
    "Age rules",
    "Seasons",
    "Transport",
    "paused",
    "until further notice",
    "none",
    "dose",
    "mo",
    "opened",
    " (birth year)",
};

/* Print s left-aligned in `width` terminal columns (UTF-8 aware). */
static void put_cell(FILE *f, const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    fputs(s, f);
    for (; cols < width; cols++)
        fputc(' ', f);
}

static void format_storage(const struct vx_storage *s, const struct labels *l, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    if (!s)
        return;
    if (s->frozen)
        len += (size_t)snprintf(buf + len, n - len, "%d..%d C; 2-8 C %d d", s->frozen_min_c,
                                s->frozen_max_c, s->thawed_days);
    else
        len += (size_t)snprintf(buf + len, n - len, "2-8 C %d %s", s->shelf_months, l->months);
    if (len < n && (s->open_hours_cold || s->open_hours_room))
        snprintf(buf + len, n - len, "; %s %d/%d h", l->opened, s->open_hours_cold,
                 s->open_hours_room);
}

static void format_interval(const struct vx_product *p, vx_day on, char *buf, size_t n)
{
    struct vx_interval_answer a;
    if (p->doses < 2 || vx_product_interval_check(p, 2, on, on, &a) == VX_INTERVAL_NO_RULE) {
        snprintf(buf, n, "-");
        return;
    }
    if (a.max_days)
        snprintf(buf, n, "%d/%d/%d", a.min_days, a.rec_days, a.max_days);
    else
        snprintf(buf, n, "%d/%d/-", a.min_days, a.rec_days);
}

static void format_rule(const struct vx_age_rule *r, const struct labels *l, char *buf, size_t n)
{
    char from[11], to[11];
    vx_day_format(r->from, from);
    size_t len =
        (size_t)snprintf(buf, n, "%s..%s: ", from,
                         r->to == VX_CATALOG_OPEN_END ? l->open : vx_day_format(r->to, to));
    if (len >= n)
        return;
    if (r->paused)
        snprintf(buf + len, n - len, "%s", l->paused);
    else if (r->min_months >= 0 && r->max_years >= 0)
        snprintf(buf + len, n - len, "%d-%d", r->min_months / 12, r->max_years);
    else if (r->min_months >= 0 && r->min_months % 12)
        snprintf(buf + len, n - len, "%d %s+", r->min_months, l->months);
    else if (r->min_months >= 0)
        snprintf(buf + len, n - len, "%d+%s", r->min_months / 12,
                 r->basis == VX_AGE_BIRTH_YEAR ? l->by_year : "");
    else
        snprintf(buf + len, n - len, "<=%d", r->max_years);
}

/* Age rules in force on `on`, joined with "; ". */
static void format_restrictions(const struct vx_product *p, vx_day on, const struct labels *l,
                                char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_age_rules && len < n; i++) {
        const struct vx_age_rule *r = &p->age_rules[i];
        if (on < r->from || on > r->to)
            continue;
        char one[64];
        if (r->paused)
            snprintf(one, sizeof one, "%s", l->paused);
        else if (r->min_months >= 0 && r->min_months % 12)
            snprintf(one, sizeof one, "%d %s+", r->min_months, l->months);
        else if (r->min_months >= 0)
            snprintf(one, sizeof one, "%d+", r->min_months / 12);
        else
            snprintf(one, sizeof one, "<=%d", r->max_years);
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "; " : "", one);
    }
    if (!buf[0])
        snprintf(buf, n, "%s", l->none);
}

static void print_history(FILE *f, const struct vx_product *p, const struct labels *l, bool en)
{
    char d1[11], d2[11], line[160];
    fprintf(f, "\n%s (%s) — %s\n", p->name, p->code, p->manufacturer);
    fprintf(f, "  %s:\n", l->vials);
    for (size_t i = 0; i < p->n_vials; i++)
        fprintf(f, "    %s  %d (%d)\n", vx_day_format(p->vials[i].from, d1), p->vials[i].nominal,
                p->vials[i].usual);
    if (p->n_intervals)
        fprintf(f, "  %s:\n", l->intervals);
    for (size_t i = 0; i < p->n_intervals; i++) {
        const struct vx_interval_rule *r = &p->intervals[i];
        fprintf(f, "    %s  %s %d: %d/%d/", vx_day_format(r->from, d1), l->dose, r->dose,
                r->min_days, r->rec_days);
        if (r->max_days)
            fprintf(f, "%d\n", r->max_days);
        else
            fputs("-\n", f);
    }
    fprintf(f, "  %s:\n", l->storage_h);
    for (size_t i = 0; i < p->n_storage; i++) {
        format_storage(&p->storage[i], l, line, sizeof line);
        fprintf(f, "    %s  %s\n", vx_day_format(p->storage[i].from, d1), line);
    }
    if (p->transport) {
        fprintf(f, "  %s:", l->transport);
        for (unsigned bit = 1; bit; bit <<= 1)
            if ((p->transport & bit) && vx_transport_flag_name(bit))
                fprintf(f, " %s", vx_transport_flag_name(bit));
        const char *note = en ? p->transport_note_en : p->transport_note_sv;
        fprintf(f, "%s%s\n", note ? " — " : "", note ? note : "");
    }
    if (p->n_age_rules)
        fprintf(f, "  %s:\n", l->age);
    for (size_t i = 0; i < p->n_age_rules; i++) {
        const struct vx_age_rule *r = &p->age_rules[i];
        format_rule(r, l, line, sizeof line);
        fprintf(f, "    %s — %s\n", line, en ? r->reason_en : r->reason_sv);
    }
    if (p->n_seasons)
        fprintf(f, "  %s:\n", l->seasons);
    for (size_t i = 0; i < p->n_seasons; i++)
        fprintf(f, "    %s  %s..%s\n", p->seasons[i].label, vx_day_format(p->seasons[i].from, d1),
                vx_day_format(p->seasons[i].to, d2));
}

static void print_table(FILE *f, const struct vx_catalog *cat, bool en)
{
    const struct labels *l = en ? &labels_en : &labels_sv;
    static const int w[] = {14, 26, 13, 6, 24, 40};
    vx_day on = cat->updated;
    char d[11];
    fprintf(f, "%s %s (%s %s)\n\n", en ? "Vaccine catalogue" : "Vaccinkatalog", cat->country,
            en ? "values in force on" : "värden som gäller", vx_day_format(on, d));
    const char *head[] = {l->code, l->product, l->vial, l->doses, l->interval, l->storage};
    for (size_t i = 0; i < VX_ARRAY_LEN(head); i++)
        put_cell(f, head[i], w[i]);
    fprintf(f, "%s\n", l->restrictions);
    for (size_t i = 0; i < cat->n_products; i++) {
        const struct vx_product *p = &cat->products[i];
        char vial[24], doses[8], interval[24], storage[96], restr[160];
        snprintf(vial, sizeof vial, "%d (%d)", vx_product_doses_per_vial(p, on, false),
                 vx_product_doses_per_vial(p, on, true));
        snprintf(doses, sizeof doses, "%d", p->doses);
        format_interval(p, on, interval, sizeof interval);
        format_storage(vx_product_storage(p, on), l, storage, sizeof storage);
        format_restrictions(p, on, l, restr, sizeof restr);
        const char *cells[] = {p->code, p->name, vial, doses, interval, storage};
        for (size_t k = 0; k < VX_ARRAY_LEN(cells); k++)
            put_cell(f, cells[k], w[k]);
        fprintf(f, "%s\n", restr);
    }
    fprintf(f, "\n%s:\n", l->history);
    for (size_t i = 0; i < cat->n_products; i++)
        print_history(f, &cat->products[i], l, en);
}

/* ---------------------------------------------------------------- JSON */

/* Helpers that add to `o` and report allocation failure through *ok. */
static void add_str(cJSON *o, const char *k, const char *v, bool *ok)
{
    if (v && !cJSON_AddStringToObject(o, k, v))
        *ok = false;
}

static void add_int(cJSON *o, const char *k, int v, bool *ok)
{
    if (!cJSON_AddNumberToObject(o, k, v))
        *ok = false;
}

static void add_day(cJSON *o, const char *k, vx_day v, bool *ok)
{
    char d[11];
    if (v != VX_CATALOG_NO_DATE && v != VX_CATALOG_OPEN_END)
        add_str(o, k, vx_day_format(v, d), ok);
}

static cJSON *add_obj(cJSON *parent, const char *k, bool *ok)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !(k ? cJSON_AddItemToObject(parent, k, o) : cJSON_AddItemToArray(parent, o))) {
        cJSON_Delete(o);
        *ok = false;
        return NULL;
    }
    return o;
}

static cJSON *add_arr(cJSON *parent, const char *k, bool *ok)
{
    cJSON *a = cJSON_AddArrayToObject(parent, k);
    if (!a)
        *ok = false;
    return a;
}

static void product_json(cJSON *arr, const struct vx_product *p, bool *ok)
{
    cJSON *o = add_obj(arr, NULL, ok), *a, *e;
    if (!o)
        return;
    add_str(o, "code", p->code, ok);
    add_str(o, "name", p->name, ok);
    add_str(o, "manufacturer", p->manufacturer, ok);
    add_day(o, "authorised", p->authorised, ok);
    if (!cJSON_AddBoolToObject(o, "seasonal", p->seasonal))
        *ok = false;
    add_str(o, "note", p->note, ok);
    if (p->dcc.mp && (e = add_obj(o, "dcc", ok))) {
        add_str(e, "mp", p->dcc.mp, ok);
        add_str(e, "vp", p->dcc.vp, ok);
        add_str(e, "ma", p->dcc.ma, ok);
    }
    cJSON *s = add_obj(o, "schedule", ok);
    if (s) {
        add_int(s, "doses", p->doses, ok);
        if ((a = add_arr(s, "intervals", ok)))
            for (size_t i = 0; i < p->n_intervals; i++)
                if ((e = add_obj(a, NULL, ok))) {
                    const struct vx_interval_rule *r = &p->intervals[i];
                    add_int(e, "dose", r->dose, ok);
                    add_day(e, "from", r->from, ok);
                    add_int(e, "min_days", r->min_days, ok);
                    add_int(e, "rec_days", r->rec_days, ok);
                    if (r->max_days)
                        add_int(e, "max_days", r->max_days, ok);
                    add_str(e, "source", r->source, ok);
                }
    }
    if ((a = add_arr(o, "doses_per_vial", ok)))
        for (size_t i = 0; i < p->n_vials; i++)
            if ((e = add_obj(a, NULL, ok))) {
                add_day(e, "from", p->vials[i].from, ok);
                add_int(e, "nominal", p->vials[i].nominal, ok);
                add_int(e, "usual", p->vials[i].usual, ok);
                add_str(e, "source", p->vials[i].source, ok);
            }
    if ((a = add_arr(o, "storage", ok)))
        for (size_t i = 0; i < p->n_storage; i++)
            if ((e = add_obj(a, NULL, ok))) {
                const struct vx_storage *st = &p->storage[i];
                add_day(e, "from", st->from, ok);
                if (st->frozen) {
                    add_int(e, "frozen_min_c", st->frozen_min_c, ok);
                    add_int(e, "frozen_max_c", st->frozen_max_c, ok);
                    add_int(e, "frozen_months", st->frozen_months, ok);
                    add_int(e, "thawed_days", st->thawed_days, ok);
                } else {
                    add_int(e, "shelf_months", st->shelf_months, ok);
                }
                add_int(e, "open_hours_cold", st->open_hours_cold, ok);
                add_int(e, "open_hours_room", st->open_hours_room, ok);
                if (st->open_hours_room)
                    add_int(e, "open_room_max_c", st->open_room_max_c, ok);
                add_str(e, "source", st->source, ok);
            }
    if ((e = add_obj(o, "transport", ok))) {
        for (unsigned bit = 1; bit && bit <= VX_TRANSPORT_NEEDS_DILUTION; bit <<= 1)
            if (vx_transport_flag_name(bit) &&
                !cJSON_AddBoolToObject(e, vx_transport_flag_name(bit), (p->transport & bit) != 0))
                *ok = false;
        add_str(e, "note_sv", p->transport_note_sv, ok);
        add_str(e, "note_en", p->transport_note_en, ok);
    }
    if ((a = add_arr(o, "age_rules", ok)))
        for (size_t i = 0; i < p->n_age_rules; i++)
            if ((e = add_obj(a, NULL, ok))) {
                const struct vx_age_rule *r = &p->age_rules[i];
                add_day(e, "from", r->from, ok);
                add_day(e, "to", r->to, ok);
                if (r->paused && !cJSON_AddTrueToObject(e, "paused"))
                    *ok = false;
                if (r->min_months >= 0 && r->min_months % 12 == 0)
                    add_int(e, "min_age", r->min_months / 12, ok);
                else if (r->min_months >= 0)
                    add_int(e, "min_age_months", r->min_months, ok);
                if (r->max_years >= 0)
                    add_int(e, "max_age", r->max_years, ok);
                add_str(e, "basis",
                        r->basis == VX_AGE_BIRTH_YEAR ? "birth_year" : "completed_years", ok);
                add_str(e, "reason_sv", r->reason_sv, ok);
                add_str(e, "reason_en", r->reason_en, ok);
                add_str(e, "source", r->source, ok);
            }
    if ((a = add_arr(o, "seasons", ok)))
        for (size_t i = 0; i < p->n_seasons; i++)
            if ((e = add_obj(a, NULL, ok))) {
                add_str(e, "label", p->seasons[i].label, ok);
                add_day(e, "from", p->seasons[i].from, ok);
                add_day(e, "to", p->seasons[i].to, ok);
                add_str(e, "source", p->seasons[i].source, ok);
            }
    if ((e = add_obj(o, "sources", ok)))
        for (size_t i = 0; i < p->n_sources; i++)
            add_str(e, p->sources[i].field, p->sources[i].source, ok);
}

/* The whole catalogue as a cJSON tree (caller deletes), or NULL when out of memory. */
static cJSON *catalog_json(const struct vx_catalog *cat)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject(), *a, *e;
    if (!root)
        return NULL;
    add_str(root, "format", VX_CATALOG_FORMAT, &ok);
    add_str(root, "country", cat->country, &ok);
    add_day(root, "updated", cat->updated, &ok);
    if ((e = add_obj(root, "references", &ok)))
        for (size_t i = 0; i < cat->n_references; i++) {
            const struct vx_reference *r = &cat->references[i];
            cJSON *ro = add_obj(e, r->id, &ok);
            if (ro) {
                add_str(ro, "title", r->title, &ok);
                add_str(ro, "url", r->url, &ok);
                add_day(ro, "date", r->date, &ok);
            }
        }
    if ((a = add_arr(root, "products", &ok)))
        for (size_t i = 0; i < cat->n_products; i++)
            product_json(a, &cat->products[i], &ok);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int cmd_catalog_list(struct cli_ctx *ctx)
{
    const char *lang = cli_get(ctx, "lang");
    bool en = lang && !strcmp(lang, "en");
    int rc = CLI_EXIT_FAILURE;
    struct vx_arena arena;
    const struct vx_catalog *cat;

    vx_arena_init(&arena, 0);
    if (lang && strcmp(lang, "en") && strcmp(lang, "sv")) {
        cli_error(ctx, "--lang: '%s' is not sv or en", lang);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (!cli_load_catalog(ctx, &arena, &cat, NULL, NULL))
        goto out;
    if (cli_flag(ctx, "json")) {
        cJSON *j = catalog_json(cat);
        char *s = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        if (!s) {
            cli_error(ctx, "out of memory while building JSON");
            goto out;
        }
        fputs(s, ctx->out);
        fputc('\n', ctx->out);
        cJSON_free(s);
    } else {
        print_table(ctx->out, cat, en);
    }
    rc = fflush(ctx->out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
out:
    vx_arena_release(&arena);
    return rc;
}
