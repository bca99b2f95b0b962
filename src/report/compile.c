/*
 * compile.c — the national compilation of the regions' traffic-light reports in SKR's
 * style (include/vx/report.h).
 *
 * SKR's report to the government (25 January 2021) reads "19 regioner bedömde ...
 * grön, 2 regioner rapporterade ... gult" and then gives the yellow regions' reasons
 * once, in one paragraph, for all of them. So per area we count regions per colour
 * and group the reasons: two reasons of the same colour fall into one group when they
 * are equal after normalising (case folded, including å ä ö é; punctuation and runs
 * of white space ignored), or when at least 60 % of their words agree (Jaccard index
 * over the sets of words of three letters or more — "delayed sharing of home-care
 * lists" and "sharing of home care lists delayed" are one reason). A group keeps the
 * first region's wording (regions are taken in code order) and lists every region.
 * Groups are ordered worst colour first, then by size, then by first region.
 *
 * Pure: no I/O, no clock; memory is the caller's struct (fixed-size arrays bounded by
 * VX_TL_MAX_REGIONS, so a compilation never allocates).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vx/report.h"

#define WORDS_MAX 96
#define WORD_LEN  24

/* Lower-case one UTF-8 sequence at s (ASCII, Latin-1 supplement) into out; returns its
 * length in s. Swedish capitals Å Ä Ö É map to their small forms. */
static size_t fold(const unsigned char *s, char out[4], size_t *outlen)
{
    if (s[0] < 0x80) {
        out[0] = (char)(s[0] >= 'A' && s[0] <= 'Z' ? s[0] + 32 : s[0]);
        *outlen = 1;
        return 1;
    }
    if (s[0] == 0xc3 && s[1] >= 0x80 && s[1] <= 0x9e && s[1] != 0x97) {
        out[0] = (char)0xc3;
        out[1] = (char)(s[1] + 0x20);
        *outlen = 2;
        return 2;
    }
    size_t n = (s[0] & 0xe0) == 0xc0   ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 1;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            n = i;
    memcpy(out, s, n);
    *outlen = n;
    return n;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

struct words {
    int n;
    char w[WORDS_MAX][WORD_LEN];
};

/* Normalised form (folded, words joined by one space) into norm[cap] and the word set
 * of words with 3+ characters into *ws. */
static void normalise(const char *text, char *norm, size_t cap, struct words *ws)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t k = 0;
    char word[WORD_LEN * 2];
    size_t wl = 0;
    int chars = 0;
    ws->n = 0;
    for (;;) {
        char f[4];
        size_t fl = 0, used = *s ? fold(s, f, &fl) : 0;
        bool wb = used && is_word_byte((unsigned char)f[0]);
        if (wb) {
            if (wl + fl < sizeof word - 1) {
                memcpy(word + wl, f, fl);
                wl += fl;
                chars++;
            }
        } else if (wl) {
            word[wl] = '\0';
            if (k && k + 1 < cap)
                norm[k++] = ' ';
            for (size_t i = 0; i < wl && k + 1 < cap; i++)
                norm[k++] = word[i];
            if (chars >= 3 && ws->n < WORDS_MAX) {
                bool dup = false;
                for (int i = 0; i < ws->n && !dup; i++)
                    dup = !strncmp(ws->w[i], word, WORD_LEN - 1);
                if (!dup) {
                    size_t cl = wl < WORD_LEN - 1 ? wl : WORD_LEN - 1;
                    memcpy(ws->w[ws->n], word, cl);
                    ws->w[ws->n++][cl] = '\0';
                }
            }
            wl = 0;
            chars = 0;
        }
        if (!used)
            break;
        s += used;
    }
    norm[k] = '\0';
}

static double jaccard(const struct words *a, const struct words *b)
{
    if (!a->n || !b->n)
        return 0;
    int both = 0;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (!strcmp(a->w[i], b->w[j])) {
                both++;
                break;
            }
    return (double)both / (double)(a->n + b->n - both);
}

bool vx_tl_reason_similar(const char *a, const char *b)
{
    static _Thread_local struct words wa, wb; /* 2 × 2 KB; keeps the stack small */
    char na[VX_TL_REASON_MAX], nb[VX_TL_REASON_MAX];
    normalise(a, na, sizeof na, &wa);
    normalise(b, nb, sizeof nb, &wb);
    if (!strcmp(na, nb))
        return true;
    return jaccard(&wa, &wb) >= 0.6;
}

static int group_cmp(const void *pa, const void *pb)
{
    const struct vx_tl_group *a = pa, *b = pb;
    if (a->color != b->color)
        return a->color > b->color ? -1 : 1;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->regions[0], b->regions[0]);
}

static int region_cmp(const void *pa, const void *pb)
{
    const struct vx_tl_region_line *a = pa, *b = pb;
    return strcmp(a->code, b->code);
}

enum vx_status vx_tl_compile(int month, const struct vx_tl_report *r, int n, const char (*codes)[3],
                             const char *const *names, int n_regions, struct vx_tl_compilation *out,
                             struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    char mb[8];
    if (vx_tl_month_parse(vx_tl_month_format(month, mb), &out->month) != VX_OK)
        return vx_err_set(err, VX_EINVAL, "bad month %d", month);
    if (n_regions < 0 || n_regions > VX_TL_MAX_REGIONS)
        return vx_err_set(err, VX_EINVAL, "too many regions (%d, at most %d)", n_regions,
                          VX_TL_MAX_REGIONS);
    out->n_regions = n_regions;
    for (int i = 0; i < n_regions; i++) {
        struct vx_tl_region_line *l = &out->region[i];
        snprintf(l->code, sizeof l->code, "%s", codes[i]);
        snprintf(l->name, sizeof l->name, "%s", names && names[i] ? names[i] : codes[i]);
        l->dose1_pct = l->dose2_pct = -1;
    }
    qsort(out->region, (size_t)n_regions, sizeof out->region[0], region_cmp);
    /* index of each region's report */
    int which[VX_TL_MAX_REGIONS];
    for (int i = 0; i < n_regions; i++)
        which[i] = -1;
    for (int k = 0; k < n; k++) {
        if (r[k].month != month)
            continue;
        int i = 0;
        while (i < n_regions && strcmp(out->region[i].code, r[k].region))
            i++;
        if (i == n_regions)
            return vx_err_set(err, VX_EINVAL, "report of unknown region %.2s", r[k].region);
        if (which[i] >= 0)
            return vx_err_set(err, VX_EINVAL, "two reports of region %s for the month",
                              out->region[i].code);
        which[i] = k;
    }
    /* normalised word sets per report and area, computed once */
    static _Thread_local struct words ws[VX_TL_MAX_REGIONS];
    static _Thread_local char norm[VX_TL_MAX_REGIONS][VX_TL_REASON_MAX];
    for (int a = 0; a < VX_TL_AREA_COUNT; a++) {
        for (int i = 0; i < n_regions; i++) {
            struct vx_tl_region_line *l = &out->region[i];
            if (which[i] < 0) {
                l->color[a] = VX_TL_UNKNOWN;
                out->count[a][VX_TL_UNKNOWN]++;
                continue;
            }
            const struct vx_tl_entry *e = &r[which[i]].area[a];
            enum vx_tl_color c = (unsigned)e->color < VX_TL_COLOR_COUNT ? e->color : VX_TL_UNKNOWN;
            l->filed = true;
            l->color[a] = c;
            snprintf(l->reason[a], sizeof l->reason[a], "%s", e->reason);
            out->count[a][c]++;
            if (c == VX_TL_UNKNOWN)
                continue; /* not assessed: counted, no reason group */
            normalise(e->reason, norm[i], sizeof norm[i], &ws[i]);
            /* find a group of the same colour with a similar reason */
            int g = 0;
            for (; g < out->n_groups[a]; g++) {
                struct vx_tl_group *gr = &out->group[a][g];
                if (gr->color != c)
                    continue;
                int first = -1;
                for (int j = 0; j < n_regions && first < 0; j++)
                    if (!strcmp(out->region[j].code, gr->regions[0]))
                        first = j;
                if (first < 0)
                    continue;
                bool empty_a = !norm[i][0], empty_b = !norm[first][0];
                if (empty_a != empty_b)
                    continue;
                if (!strcmp(norm[i], norm[first]) || jaccard(&ws[i], &ws[first]) >= 0.6)
                    break;
            }
            struct vx_tl_group *gr = &out->group[a][g];
            if (g == out->n_groups[a]) {
                out->n_groups[a]++;
                gr->color = c;
                snprintf(gr->reason, sizeof gr->reason, "%s", e->reason);
            }
            memcpy(gr->regions[gr->n++], l->code, 3);
        }
        qsort(out->group[a], (size_t)out->n_groups[a], sizeof out->group[a][0], group_cmp);
    }
    for (int i = 0; i < n_regions; i++)
        out->n_filed += out->region[i].filed;
    return VX_OK;
}

enum vx_status vx_tl_area_sentence(const struct vx_tl_compilation *c, enum vx_tl_area a,
                                   const char *lang, struct vx_buf *out)
{
    if ((unsigned)a >= VX_TL_AREA_COUNT)
        return VX_EINVAL;
    bool en = lang && !strcmp(lang, "en");
    const int *k = c->count[a];
    if (en)
        return vx_buf_printf(out,
                             "%d %s green, %d yellow, %d red; %d not reported or not assessed.",
                             k[VX_TL_GREEN], k[VX_TL_GREEN] == 1 ? "region" : "regions",
                             k[VX_TL_YELLOW], k[VX_TL_RED], k[VX_TL_UNKNOWN]);
    return vx_buf_printf(out, "%d %s grön, %d gul, %d röd; %d har inte rapporterat eller bedömt.",
                         k[VX_TL_GREEN], k[VX_TL_GREEN] == 1 ? "region" : "regioner",
                         k[VX_TL_YELLOW], k[VX_TL_RED], k[VX_TL_UNKNOWN]);
}
