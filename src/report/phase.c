/*
 * phase.c — the phase-delay indicator of the traffic-light report: the phase targets
 * (data/phase_targets.json), the pure delay computation and putting its result into
 * the indicators (include/vx/report.h "phase delay"; docs/report.md "Phase delay").
 *
 * Method, chosen so that every step can be checked by hand from the statistics page:
 *  - the figures run through the last complete ISO week (week_end, a Sunday): a week in
 *    progress would make the pace look slow on a Monday and fast on a Sunday;
 *  - the current phase is the lowest phase with persons whose share with at least one
 *    dose is below its target share (phases overlap: a region may work in phase 2 while
 *    the last of phase 1 is still being vaccinated; the lowest unfinished one is what
 *    the coordinator is asked about);
 *  - its finish is projected from the mean weekly number of persons of the phase who got
 *    their first dose in the last VX_TL_PACE_WEEKS complete weeks (remaining / pace
 *    weeks after week_end, whole days rounded up), or is the planner's P50 when the
 *    caller has one for the phase;
 *  - delay = finish - target date in days: > 0 late (yellow), > 14 red (rules.c).
 * No pace (no first dose of the phase in the pace weeks) gives no projection: unknown,
 * with that said in the note, not a guessed "never". Every target met: delay 0.
 *
 * The file loader is the only I/O here (one fread of a small file).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/report.h"

/* ------------------------------------------------------------------ targets */

enum vx_status vx_tl_phase_targets_parse(const char *text, size_t len,
                                         struct vx_tl_phase_targets *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return vx_err_set(err, VX_EINVAL, "phase targets: no text");
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return vx_err_set(err, VX_EINVAL, "phase targets: not valid JSON");
    enum vx_status rc = VX_OK;
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(root, "phases");
    bool seen[VX_TL_PHASES] = {0};
    int i = 0;
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        rc = vx_err_set(err, VX_EINVAL, "phase targets: version: 1 expected");
        goto out;
    }
    if (!cJSON_IsArray(ph)) {
        rc = vx_err_set(err, VX_EINVAL, "phase targets: phases: an array expected");
        goto out;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, ph)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "phase");
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "share");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "date");
        const cJSON *as = cJSON_GetObjectItemCaseSensitive(e, "assumed");
        vx_day day;
        if (!cJSON_IsNumber(p) || p->valuedouble != (double)(int)p->valuedouble ||
            p->valueint < 1 || p->valueint > VX_TL_PHASES) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phases[%d].phase: 1 to %d expected", i,
                            VX_TL_PHASES);
            goto out;
        }
        int k = p->valueint - 1;
        if (seen[k]) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phases[%d].phase: phase %d twice", i,
                            k + 1);
            goto out;
        }
        if (!cJSON_IsNumber(sh) || !(sh->valuedouble > 0) || sh->valuedouble > 1) {
            rc = vx_err_set(err, VX_EINVAL,
                            "phase targets: phases[%d].share: a number above 0 and at most 1 "
                            "expected",
                            i);
            goto out;
        }
        if (!cJSON_IsString(d) || vx_day_parse(d->valuestring, &day) != VX_OK) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phases[%d].date: YYYY-MM-DD expected",
                            i);
            goto out;
        }
        if (as && !cJSON_IsBool(as)) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phases[%d].assumed: true or false", i);
            goto out;
        }
        seen[k] = true;
        out->phase[k] = (struct vx_tl_phase_target){
            .phase = k + 1, .share = sh->valuedouble, .date = day, .assumed = cJSON_IsTrue(as)};
        i++;
    }
    for (int k = 0; k < VX_TL_PHASES; k++) {
        if (!seen[k]) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phase %d missing", k + 1);
            goto out;
        }
        if (k && out->phase[k].date < out->phase[k - 1].date) {
            rc = vx_err_set(err, VX_EINVAL, "phase targets: phase %d's date is before phase %d's",
                            k + 1, k);
            goto out;
        }
    }
out:
    cJSON_Delete(root);
    if (rc != VX_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

#define PHASE_FILE_MAX (256 * 1024)

enum vx_status vx_tl_phase_targets_load(const char *path, struct vx_tl_phase_targets *out,
                                        struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return vx_err_set(err, VX_EIO, "phase targets: cannot open %s", path ? path : "(none)");
    char *buf = malloc(PHASE_FILE_MAX);
    if (!buf) {
        fclose(f);
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, PHASE_FILE_MAX, f);
    bool bad = ferror(f) != 0, big = n == PHASE_FILE_MAX;
    fclose(f);
    enum vx_status rc;
    if (bad)
        rc = vx_err_set(err, VX_EIO, "phase targets: cannot read %s", path);
    else if (big)
        rc = vx_err_set(err, VX_EINVAL, "phase targets: %s is larger than %d bytes", path,
                        PHASE_FILE_MAX - 1);
    else
        rc = vx_tl_phase_targets_parse(buf, n, out, err);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ delay */

/* printf into dst[VX_TL_BASIS_MAX], then (sv) every '.' between digits becomes ','. */
__attribute__((format(printf, 3, 4))) static void fmt(char *dst, bool sv, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst, VX_TL_BASIS_MAX, f, ap);
    va_end(ap);
    if (!sv)
        return;
    for (char *p = dst; *p; p++)
        if (*p == '.' && p > dst && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9')
            *p = ',';
}

/* Persons needed for `share` of `pop` (rounded up, so 80 % of 5 is 4). */
static int64_t needed(double share, int64_t pop)
{
    return (int64_t)ceil(share * (double)pop - 1e-9);
}

void vx_tl_phase_delay(const struct vx_tl_phase_targets *t, const struct vx_tl_phase_input *in,
                       struct vx_tl_phase_result *out)
{
    memset(out, 0, sizeof *out);
    int cur = 0, last = 0;
    for (int k = 0; k < VX_TL_PHASES; k++) {
        if (in->population[k] <= 0)
            continue;
        last = k + 1;
        if (in->dose1[k] < needed(t->phase[k].share, in->population[k])) {
            cur = k + 1;
            break;
        }
    }
    char we[16], td[16], fd[16];
    vx_day_format(in->week_end, we);
    if (!last) {
        fmt(out->basis_en, false, "no persons in the priority groups of the region");
        fmt(out->basis_sv, true, "inga personer i regionens prioriteringsgrupper");
        return;
    }
    if (!cur) {
        const struct vx_tl_phase_target *g = &t->phase[last - 1];
        out->known = true;
        out->method = VX_TL_PHASE_ALL_MET;
        out->share = (double)in->dose1[last - 1] / (double)in->population[last - 1];
        out->target_share = g->share;
        out->target = g->date;
        vx_day_format(g->date, td);
        fmt(out->basis_en, false,
            "every phase reached its target (phase %d: %.1f %% >= %.0f %%, %s)", last,
            100.0 * out->share, 100.0 * g->share, we);
        fmt(out->basis_sv, true, "alla faser har nått sitt mål (fas %d: %.1f %% ≥ %.0f %%, %s)",
            last, 100.0 * out->share, 100.0 * g->share, we);
        return;
    }
    const struct vx_tl_phase_target *g = &t->phase[cur - 1];
    int k = cur - 1;
    out->phase = cur;
    out->share = (double)in->dose1[k] / (double)in->population[k];
    out->target_share = g->share;
    out->target = g->date;
    out->remaining = needed(g->share, in->population[k]) - in->dose1[k];
    int64_t sum = 0;
    for (int w = 0; w < VX_TL_PACE_WEEKS; w++)
        sum += in->week_dose1[k][w] > 0 ? in->week_dose1[k][w] : 0;
    out->pace = (double)sum / VX_TL_PACE_WEEKS;
    vx_day_format(g->date, td);
    if (in->plan_finish[k] > 0) {
        out->method = VX_TL_PHASE_PLAN;
        out->finish = in->plan_finish[k];
    } else if (out->pace > 0) {
        out->method = VX_TL_PHASE_PACE;
        double days = ceil(7.0 * (double)out->remaining / out->pace - 1e-9);
        if (days > 36500)
            days = 36500; /* a trickle: a century is late enough */
        out->finish = in->week_end + (vx_day)days;
    } else {
        fmt(out->basis_en, false,
            "phase %d: %.1f %% of %lld have dose 1 (target %.0f %% by %s); no first dose in "
            "the %d weeks to %s",
            cur, 100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td,
            VX_TL_PACE_WEEKS, we);
        fmt(out->basis_sv, true,
            "fas %d: %.1f %% av %lld har dos 1 (mål %.0f %% senast %s); ingen första dos de %d "
            "veckorna t.o.m. %s",
            cur, 100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td,
            VX_TL_PACE_WEEKS, we);
        return;
    }
    out->known = true;
    out->delay_days = (int)(out->finish - g->date);
    vx_day_format(out->finish, fd);
    if (out->method == VX_TL_PHASE_PLAN) {
        fmt(out->basis_en, false,
            "phase %d: %.1f %% of %lld have dose 1, target %.0f %% by %s; planner P50 -> %s", cur,
            100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td, fd);
        fmt(out->basis_sv, true,
            "fas %d: %.1f %% av %lld har dos 1, mål %.0f %% senast %s; planerarens P50 → %s", cur,
            100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td, fd);
    } else {
        fmt(out->basis_en, false,
            "phase %d: %.1f %% of %lld have dose 1, target %.0f %% by %s; %.1f a week (%d weeks "
            "to %s) -> %s",
            cur, 100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td, out->pace,
            VX_TL_PACE_WEEKS, we, fd);
        fmt(out->basis_sv, true,
            "fas %d: %.1f %% av %lld har dos 1, mål %.0f %% senast %s; %.1f i veckan (%d veckor "
            "t.o.m. %s) → %s",
            cur, 100.0 * out->share, (long long)in->population[k], 100.0 * g->share, td, out->pace,
            VX_TL_PACE_WEEKS, we, fd);
    }
}

void vx_tl_phase_to_indicator(const struct vx_tl_phase_result *r, struct vx_tl_indicators *ind)
{
    if (!r->known) {
        vx_tl_ind_note(ind, VX_TLI_PHASE_DELAY_DAYS, r->basis_sv, r->basis_en);
        return;
    }
    vx_tl_ind_set(ind, VX_TLI_PHASE_DELAY_DAYS, (double)r->delay_days, "%s", r->basis_en);
    vx_tl_ind_basis_sv(ind, VX_TLI_PHASE_DELAY_DAYS, "%s", r->basis_sv);
}
