/*
 * fuzz_muni_list.c — libFuzzer target for the municipal resident-list parsers
 * (vx_muni_parse_csv, vx_muni_parse_json) and the diff between two uploads.
 *
 * The first byte picks the parser (even: CSV, odd: JSON array). Invariants: the
 * problem counts are consistent (kept <= total, kept <= the array), a successful
 * parse has rows and no problems, every row of a successful parse has a normalised
 * 12-character personnummer, a unit code and codes in range; the diff of the rows
 * against themselves (with made-up person ids) reports no change, and against
 * nothing reports only "new".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "vx/muni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_kind(void *ctx, const struct vx_muni_change *c)
{
    int *bad = ctx;
    if (c->kind != VX_MUNI_CH_NEW)
        (*bad)++;
    return 0;
}

static int any(void *ctx, const struct vx_muni_change *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256 * 1024)
        return 0;
    vx_day today = vx_day_from_ymd(2021, 3, 8);
    struct vx_muni_upload up;
    vx_muni_upload_init(&up);
    const char *text = (const char *)data + 1;
    enum vx_status st;
    if (data[0] & 1) {
        cJSON *j = cJSON_ParseWithLength(text, size - 1);
        st = vx_muni_parse_json(j, today, &up);
        cJSON_Delete(j);
    } else {
        st = vx_muni_parse_csv(text, size - 1, today, &up);
    }
    if (up.n_problems > up.total_problems || up.n_problems > VX_MUNI_MAX_PROBLEMS)
        abort();
    if (st == VX_OK) {
        if (up.total_problems != 0 || up.n_rows == 0)
            abort();
        for (int i = 0; i < up.n_rows; i++) {
            const struct vx_muni_row *r = &up.rows[i];
            if (strlen(r->pnr) != 12 || !r->unit_code[0] ||
                (unsigned)r->type >= VX_MUNI_LIST_TYPE_COUNT ||
                (unsigned)r->consent >= VX_MUNI_CONSENT_COUNT ||
                (unsigned)r->status >= VX_MUNI_ROW_STATUS_COUNT)
                abort();
            up.rows[i].person_id = i + 1;
            up.rows[i].status = VX_MUNI_ROW_ACTIVE;
        }
        int n = 0;
        if (vx_muni_diff(up.rows, up.n_rows, up.rows, up.n_rows, any, &n, NULL) != VX_OK || n)
            abort();
        int bad = 0;
        if (vx_muni_diff(NULL, 0, up.rows, up.n_rows, count_kind, &bad, NULL) != VX_OK || bad)
            abort();
    } else if (up.total_problems == 0 && st != VX_ENOMEM) {
        abort(); /* every refusal says why */
    }
    vx_muni_upload_release(&up);
    return 0;
}
