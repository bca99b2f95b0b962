/*
 * transport.c — the catalogue's transport constraints applied to a municipal round.
 *
 * A round moves vaccine from the region's pick-up point to a care unit. The rules
 * come from the product's catalogue entry (data/vaccines.json: transport flags and
 * the storage period in force on the round's day), never from code constants:
 *
 *   shake_sensitive_form  a shake-sensitive product (Comirnaty: "hanteras varsamt,
 *                         skakas inte") travels only as doses drawn up into syringes
 *                         by the region, not as vials in a nurse's bag;
 *   drawn_up_time         drawn-up (diluted, punctured) doses must be given within the
 *                         product's hours after first puncture/dilution
 *                         (open_hours_room, else open_hours_cold), counted from the
 *                         drawing up: transport + time on site must fit;
 *   open_vial_time        vials opened on site: each must be used within those hours
 *                         (shown; the nurse opens them as she goes);
 *   frozen / light / dilution / note   shown as information.
 *
 * Each rule is one entry of a table with a function; the verdict lists every rule
 * that applies with sv/en texts, so the page shows why a plan is refused. Pure.
 */
#include <stdio.h>
#include <string.h>
#include "vx/catalog.h"
#include "vx/muni.h"

#define MAX_MINUTES (24 * 60)

/* Copy at most size-1 bytes of s, cut at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static struct vx_muni_transport_rule *add(struct vx_muni_transport_verdict *v, const char *code,
                                          bool ok, int limit)
{
    if (v->n >= VX_MUNI_TRANSPORT_MAX_RULES)
        return NULL;
    struct vx_muni_transport_rule *r = &v->rules[v->n++];
    memset(r, 0, sizeof *r);
    r->code = code;
    r->ok = ok;
    r->limit_minutes = limit;
    if (!ok)
        v->ok = false;
    return r;
}

/* Minutes an opened / drawn-up dose keeps, from the storage period of `day`; 0 = none. */
static int open_minutes(const struct vx_product *p, vx_day day)
{
    const struct vx_storage *s = vx_product_storage(p, day);
    if (!s)
        return 0;
    int h = s->open_hours_room ? s->open_hours_room : s->open_hours_cold;
    return h * 60;
}

struct rule_in {
    const struct vx_product *p;
    vx_day day;
    const struct vx_muni_transport *t;
};

static void r_shake(const struct rule_in *in, struct vx_muni_transport_verdict *v)
{
    if (!(in->p->transport & VX_TRANSPORT_SHAKE_SENSITIVE))
        return;
    bool ok = in->t->form == VX_MUNI_FORM_SYRINGES;
    struct vx_muni_transport_rule *r = add(v, "shake_sensitive_form", ok, 0);
    if (!r)
        return;
    snprintf(r->text_sv, sizeof r->text_sv,
             "%s är skakningskänsligt: det transporteras som uppdragna sprutor, inte som "
             "flaskor%s",
             in->p->name, ok ? "." : " – planen anger flaskor.");
    snprintf(r->text_en, sizeof r->text_en,
             "%s is shake-sensitive: it travels as drawn-up syringes, not as vials%s", in->p->name,
             ok ? "." : " – the plan says vials.");
}

static void r_time(const struct rule_in *in, struct vx_muni_transport_verdict *v)
{
    int limit = open_minutes(in->p, in->day);
    if (in->t->form == VX_MUNI_FORM_SYRINGES) {
        int need = in->t->transport_minutes + in->t->duration_minutes;
        bool ok = limit == 0 || need <= limit;
        struct vx_muni_transport_rule *r = add(v, "drawn_up_time", ok, limit);
        if (!r)
            return;
        if (limit == 0) {
            snprintf(r->text_sv, sizeof r->text_sv,
                     "Katalogen anger ingen tidsgräns för uppdragna doser av %s.", in->p->name);
            snprintf(r->text_en, sizeof r->text_en,
                     "The catalogue gives no time limit for drawn-up doses of %s.", in->p->name);
            return;
        }
        snprintf(r->text_sv, sizeof r->text_sv,
                 "Uppdragna doser ska ges inom %d h: transport %d min + tid på plats %d min = "
                 "%d min (gräns %d min)%s",
                 limit / 60, in->t->transport_minutes, in->t->duration_minutes, need, limit,
                 ok ? "." : " – för lång tid.");
        snprintf(r->text_en, sizeof r->text_en,
                 "Drawn-up doses must be given within %d h: transport %d min + time on site %d "
                 "min = %d min (limit %d min)%s",
                 limit / 60, in->t->transport_minutes, in->t->duration_minutes, need, limit,
                 ok ? "." : " – too long.");
    } else if (limit) {
        struct vx_muni_transport_rule *r = add(v, "open_vial_time", true, limit);
        if (!r)
            return;
        snprintf(r->text_sv, sizeof r->text_sv,
                 "En öppnad eller spädd flaska ska användas inom %d h.", limit / 60);
        snprintf(r->text_en, sizeof r->text_en,
                 "An opened or diluted vial must be used within %d h.", limit / 60);
    }
}

static void r_info(const struct rule_in *in, struct vx_muni_transport_verdict *v)
{
    struct vx_muni_transport_rule *r;
    if ((in->p->transport & VX_TRANSPORT_FROZEN) && (r = add(v, "frozen", true, 0))) {
        copy_text(r->text_sv, sizeof r->text_sv,
                  "Levereras fryst: regionen tinar före överlämning; återfrys inte.");
        copy_text(r->text_en, sizeof r->text_en,
                  "Delivered frozen: the region thaws it before hand-over; do not refreeze.");
    }
    if ((in->p->transport & VX_TRANSPORT_LIGHT_SENSITIVE) && (r = add(v, "light", true, 0))) {
        copy_text(r->text_sv, sizeof r->text_sv, "Ljuskänsligt: förvara i kartongen.");
        copy_text(r->text_en, sizeof r->text_en, "Light-sensitive: keep in the carton.");
    }
    if ((in->p->transport & VX_TRANSPORT_NEEDS_DILUTION) && in->t->form == VX_MUNI_FORM_VIALS &&
        (r = add(v, "dilution", true, 0))) {
        copy_text(r->text_sv, sizeof r->text_sv, "Späds på plats före användning.");
        copy_text(r->text_en, sizeof r->text_en, "Diluted on site before use.");
    }
    if ((in->p->transport_note_sv || in->p->transport_note_en) && (r = add(v, "note", true, 0))) {
        copy_text(r->text_sv, sizeof r->text_sv,
                  in->p->transport_note_sv ? in->p->transport_note_sv : in->p->transport_note_en);
        copy_text(r->text_en, sizeof r->text_en,
                  in->p->transport_note_en ? in->p->transport_note_en : in->p->transport_note_sv);
    }
}

static void (*const rules[])(const struct rule_in *, struct vx_muni_transport_verdict *) = {
    r_shake,
    r_time,
    r_info,
};

enum vx_status vx_muni_transport_check(const struct vx_product *p, vx_day day,
                                       const struct vx_muni_transport *t,
                                       struct vx_muni_transport_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    if (!p || !t || t->transport_minutes < 0 || t->duration_minutes < 0 ||
        t->transport_minutes > MAX_MINUTES || t->duration_minutes > MAX_MINUTES ||
        (unsigned)t->form >= VX_MUNI_FORM_COUNT) {
        out->ok = false;
        return VX_EINVAL;
    }
    struct rule_in in = {.p = p, .day = day, .t = t};
    for (size_t i = 0; i < VX_ARRAY_LEN(rules); i++)
        rules[i](&in, out);
    return out->ok ? VX_OK : VX_ERANGE;
}

int vx_muni_vials_needed(const struct vx_product *p, vx_day day, int doses)
{
    int per = p ? vx_product_doses_per_vial(p, day, false) : 0;
    if (per <= 0 || doses <= 0)
        return 0;
    return (doses + per - 1) / per;
}
