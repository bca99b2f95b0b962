/*
 * care_int.h — private helpers shared by the files of src/care.
 */
#ifndef VX_CARE_INT_H
#define VX_CARE_INT_H

#include <stdio.h>
#include "vx/care.h"

/* Fill `res` (may be NULL) with `reason`; `field` NULL = the table's default; the
 * two formats take the same arguments and are appended to the table's sentences.
 * Returns the reason's status. */
enum vx_status care_set(struct vx_care_result *res, enum vx_care_reason reason, const char *field,
                        const char *fmt_sv, const char *fmt_en, ...);
/* A store failure: reason store with the store's message. */
enum vx_status care_store_fail(struct vx_care_result *res, struct vx_store *st, enum vx_status vs);
/* Reset `res` to OK (may be NULL). */
void care_ok(struct vx_care_result *res);

/* Begin a transaction; on failure fills res. */
enum vx_status care_begin(const struct vx_care_env *env, struct vx_care_result *res);
/* Commit when rc is VX_OK (a failed commit becomes a store refusal), else roll back;
 * returns the final status. */
enum vx_status care_end(const struct vx_care_env *env, enum vx_status rc,
                        struct vx_care_result *res);

/* Audit row about person `person_id` (region may be ""). */
enum vx_status care_audit(const struct vx_care_env *env, const char *action, int64_t person_id,
                          const char *region, const char *detail);

/* Copy src into dst[size] (always terminated). */
void care_copy(char *dst, size_t size, const char *src);

/* Local (Stockholm) day of an instant. */
vx_day care_local_day(vx_time t);

/* The catalogue's nominal and max (usual) doses per vial of `p` on `day` (>= 1). */
void care_vial_counts(const struct vx_product *p, vx_day day, int *nominal, int *max);

/* Helpers of stock.c used by the other actions (inside their transaction). */
enum vx_status care_read_fail(const struct vx_care_env *env, enum vx_status vs,
                              enum vx_care_reason nf, struct vx_care_result *res);
enum vx_status care_move(const struct vx_care_env *env, int64_t site, int64_t lot,
                         enum vx_stock_move_kind kind, int doses, int64_t ref, const char *note,
                         struct vx_care_result *res);
enum vx_status care_need_stock(const struct vx_care_env *env, int64_t site, int64_t lot, int need,
                               const char *field, struct vx_care_result *res);
enum vx_status care_get_site(const struct vx_care_env *env, int64_t id, struct vx_site_rec *s,
                             const char *field, struct vx_care_result *res);
enum vx_status care_get_lot(const struct vx_care_env *env, int64_t id, struct vx_lot_rec *l,
                            struct vx_care_result *res);
enum vx_status care_waste_put(const struct vx_care_env *env, struct vx_wastage_rec *w, int64_t *id,
                              struct vx_care_result *res);

#endif
