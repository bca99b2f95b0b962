/*
 * json.c — the traffic-light report's JSON shapes, shared by the HTTP routes and the
 * CLI's --json output (include/vx/report.h), so both speak exactly the same format
 * (docs/report.md "HTTP API").
 *
 * Areas are an object keyed by area code in both directions; a client may send only
 * the areas it assessed (the rest stay unknown, and vx_tl_report_check then insists
 * on overall and readiness). Times are RFC 3339 in Stockholm local time.
 */
#include <stdio.h>
#include <string.h>
#include "vx/report.h"

static bool add_time(cJSON *o, const char *k, vx_time t)
{
    if (!t)
        return cJSON_AddNullToObject(o, k) != NULL;
    char b[40];
    return cJSON_AddStringToObject(o, k, vx_time_format_local(t, b)) != NULL;
}

cJSON *vx_tl_report_json(const struct vx_tl_report *r)
{
    cJSON *o = cJSON_CreateObject(), *areas = cJSON_CreateObject();
    if (!o || !areas) {
        cJSON_Delete(o);
        cJSON_Delete(areas);
        return NULL;
    }
    char mb[8];
    bool ok = cJSON_AddNumberToObject(o, "id", (double)r->id) &&
              cJSON_AddStringToObject(o, "region", r->region) &&
              cJSON_AddStringToObject(o, "month", vx_tl_month_format(r->month, mb)) &&
              cJSON_AddStringToObject(o, "filed_by", r->filed_by) &&
              add_time(o, "filed_at", r->filed_at);
    ok = ok && (r->superseded_by
                    ? cJSON_AddNumberToObject(o, "superseded_by", (double)r->superseded_by) != NULL
                    : cJSON_AddNullToObject(o, "superseded_by") != NULL);
    ok = ok && add_time(o, "superseded_at", r->superseded_at);
    cJSON_AddItemToObject(o, "areas", areas);
    for (int a = 0; ok && a < VX_TL_AREA_COUNT; a++) {
        cJSON *e = cJSON_AddObjectToObject(areas, vx_tl_area_info((enum vx_tl_area)a)->code);
        ok = e && cJSON_AddStringToObject(e, "color", vx_tl_color_code(r->area[a].color)) &&
             cJSON_AddStringToObject(e, "reason", r->area[a].reason);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

enum vx_status vx_tl_report_from_json(const cJSON *o, struct vx_tl_report *r, const char **field,
                                      struct vx_err *err)
{
    static _Thread_local char fbuf[96];
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = NULL;
    memset(r, 0, sizeof *r);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "month");
    if (!cJSON_IsString(m) || vx_tl_month_parse(m->valuestring, &r->month) != VX_OK) {
        *field = "month";
        return vx_err_set(err, VX_EINVAL, "month: YYYY-MM expected");
    }
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(o, "areas");
    if (!cJSON_IsObject(areas)) {
        *field = "areas";
        return vx_err_set(err, VX_EINVAL, "areas: an object keyed by area code expected");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, areas)
    {
        enum vx_tl_area a;
        if (!it->string || vx_tl_area_parse(it->string, &a) != VX_OK) {
            snprintf(fbuf, sizeof fbuf, "areas.%.60s", it->string ? it->string : "");
            *field = fbuf;
            return vx_err_set(err, VX_EINVAL, "%s: unknown area", fbuf);
        }
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "color");
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(it, "reason");
        if (!cJSON_IsObject(it) || !cJSON_IsString(c) ||
            vx_tl_color_parse(c->valuestring, &r->area[a].color) != VX_OK) {
            snprintf(fbuf, sizeof fbuf, "areas.%s.color", it->string);
            *field = fbuf;
            return vx_err_set(err, VX_EINVAL, "%s: green, yellow, red or unknown expected", fbuf);
        }
        if (why && !cJSON_IsNull(why)) {
            if (!cJSON_IsString(why) || strlen(why->valuestring) >= VX_TL_REASON_MAX) {
                snprintf(fbuf, sizeof fbuf, "areas.%s.reason", it->string);
                *field = fbuf;
                return vx_err_set(err, VX_EINVAL, "%s: text of at most %d bytes expected", fbuf,
                                  VX_TL_REASON_MAX - 1);
            }
            snprintf(r->area[a].reason, sizeof r->area[a].reason, "%s", why->valuestring);
        }
    }
    return VX_OK;
}

static cJSON *sv_en(const char *sv, const char *en)
{
    cJSON *o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "sv", sv) || !cJSON_AddStringToObject(o, "en", en))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *vx_tl_suggest_json(const struct vx_tl_indicators *in,
                          const struct vx_tl_suggestion s[VX_TL_AREA_COUNT])
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char mb[8], db[16];
    bool ok = cJSON_AddStringToObject(o, "region", in->region) &&
              cJSON_AddStringToObject(o, "month", vx_tl_month_format(in->month, mb)) &&
              cJSON_AddStringToObject(o, "asof", in->asof ? vx_day_format(in->asof, db) : "");
    cJSON *inds = ok ? cJSON_AddArrayToObject(o, "indicators") : NULL;
    for (int i = 0; inds && ok && i < VX_TLI_COUNT; i++) {
        const struct vx_tl_ind_info *ii = vx_tl_ind_info((enum vx_tl_ind)i);
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(inds, e) && cJSON_AddStringToObject(e, "code", ii->code) &&
             cJSON_AddStringToObject(e, "unit", ii->unit) &&
             cJSON_AddBoolToObject(e, "known", in->known[i]);
        cJSON *name = ok ? sv_en(ii->name_sv, ii->name_en) : NULL;
        ok = ok && name && cJSON_AddItemToObject(e, "name", name);
        if (ok && in->known[i]) {
            double v = (double)(long long)(in->value[i] * 100.0 + (in->value[i] < 0 ? -0.5 : 0.5));
            ok = cJSON_AddNumberToObject(e, "value", v / 100.0) &&
                 cJSON_AddStringToObject(e, "basis", in->basis[i]) &&
                 cJSON_AddStringToObject(e, "basis_sv", in->basis_sv[i]);
        } else if (ok) {
            ok = cJSON_AddNullToObject(e, "value") && cJSON_AddNullToObject(e, "basis");
            /* why it is unknown, when the gathering said so */
            cJSON *note = ok && (in->note_sv[i][0] || in->note_en[i][0])
                              ? sv_en(in->note_sv[i], in->note_en[i])
                              : NULL;
            if (note)
                ok = cJSON_AddItemToObject(e, "note", note);
        }
    }
    cJSON *sug = ok ? cJSON_AddObjectToObject(o, "suggestions") : NULL;
    for (int a = 0; sug && ok && a < VX_TL_AREA_COUNT; a++) {
        cJSON *e = cJSON_AddObjectToObject(sug, vx_tl_area_info((enum vx_tl_area)a)->code);
        ok = e && cJSON_AddStringToObject(e, "color", vx_tl_color_code(s[a].color));
        cJSON *ids = ok ? cJSON_AddArrayToObject(e, "rules") : NULL;
        for (int k = 0; ids && ok && k < s[a].n_rules; k++)
            ok = cJSON_AddItemToArray(ids, cJSON_CreateString(s[a].rules[k]->id));
        cJSON *t = ok ? sv_en(s[a].text_sv, s[a].text_en) : NULL;
        ok = ok && ids && t && cJSON_AddItemToObject(e, "text", t);
    }
    if (!ok || !sug || !inds) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *vx_tl_compilation_json(const struct vx_tl_compilation *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char mb[8];
    bool ok = cJSON_AddStringToObject(o, "month", vx_tl_month_format(c->month, mb)) &&
              cJSON_AddNumberToObject(o, "regions_total", c->n_regions) &&
              cJSON_AddNumberToObject(o, "regions_filed", c->n_filed);
    cJSON *areas = ok ? cJSON_AddArrayToObject(o, "areas") : NULL;
    struct vx_buf sv, en;
    vx_buf_init(&sv, 1024);
    vx_buf_init(&en, 1024);
    for (int a = 0; areas && ok && a < VX_TL_AREA_COUNT; a++) {
        const struct vx_tl_area_info *ai = vx_tl_area_info((enum vx_tl_area)a);
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(areas, e) && cJSON_AddStringToObject(e, "area", ai->code);
        cJSON *name = ok ? sv_en(ai->name_sv, ai->name_en) : NULL;
        ok = ok && name && cJSON_AddItemToObject(e, "name", name);
        cJSON *cnt = ok ? cJSON_AddObjectToObject(e, "counts") : NULL;
        for (int k = 0; cnt && ok && k < VX_TL_COLOR_COUNT; k++)
            ok = cJSON_AddNumberToObject(cnt, vx_tl_color_code((enum vx_tl_color)k),
                                         c->count[a][k]) != NULL;
        vx_buf_clear(&sv);
        vx_buf_clear(&en);
        ok = ok && cnt && vx_tl_area_sentence(c, (enum vx_tl_area)a, "sv", &sv) == VX_OK &&
             vx_tl_area_sentence(c, (enum vx_tl_area)a, "en", &en) == VX_OK;
        cJSON *sen = ok ? sv_en(sv.data, en.data) : NULL;
        ok = ok && sen && cJSON_AddItemToObject(e, "sentence", sen);
        cJSON *groups = ok ? cJSON_AddArrayToObject(e, "groups") : NULL;
        for (int g = 0; groups && ok && g < c->n_groups[a]; g++) {
            const struct vx_tl_group *gr = &c->group[a][g];
            cJSON *ge = cJSON_CreateObject();
            ok = ge && cJSON_AddItemToArray(groups, ge) &&
                 cJSON_AddStringToObject(ge, "color", vx_tl_color_code(gr->color)) &&
                 cJSON_AddStringToObject(ge, "reason", gr->reason);
            cJSON *rs = ok ? cJSON_AddArrayToObject(ge, "regions") : NULL;
            for (int k = 0; rs && ok && k < gr->n; k++)
                ok = cJSON_AddItemToArray(rs, cJSON_CreateString(gr->regions[k]));
            ok = ok && rs;
        }
        ok = ok && groups;
    }
    vx_buf_release(&sv);
    vx_buf_release(&en);
    cJSON *regions = ok && areas ? cJSON_AddArrayToObject(o, "regions") : NULL;
    for (int i = 0; regions && ok && i < c->n_regions; i++) {
        const struct vx_tl_region_line *l = &c->region[i];
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(regions, e) && cJSON_AddStringToObject(e, "code", l->code) &&
             cJSON_AddStringToObject(e, "name", l->name) &&
             cJSON_AddBoolToObject(e, "filed", l->filed);
        cJSON *cols = ok ? cJSON_AddObjectToObject(e, "colors") : NULL;
        for (int a = 0; cols && ok && a < VX_TL_AREA_COUNT; a++)
            ok = cJSON_AddStringToObject(cols, vx_tl_area_info((enum vx_tl_area)a)->code,
                                         vx_tl_color_code(l->color[a])) != NULL;
        ok = ok && cols;
        ok = ok &&
             (l->dose1_pct < 0 ? cJSON_AddNullToObject(e, "dose1_pct") != NULL
                               : cJSON_AddNumberToObject(e, "dose1_pct", l->dose1_pct) != NULL);
        ok = ok &&
             (l->dose2_pct < 0 ? cJSON_AddNullToObject(e, "dose2_pct") != NULL
                               : cJSON_AddNumberToObject(e, "dose2_pct", l->dose2_pct) != NULL);
    }
    if (!ok || !regions) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
