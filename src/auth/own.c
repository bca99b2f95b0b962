/*
 * own.c — a signed-in citizen's own person record.
 *
 * The session keeps the person's store id from the login, so the record is read
 * by id: one descent of the persons table, where a read by personnummer first
 * descends the persons_pnr index (docs/benchmarks.md: in a booking storm every
 * read handle's page cache is dropped between two reads, so each page is a read
 * from the file). The row must still carry the session's personnummer — an id
 * can be reused after its row was deleted — and otherwise, or without an id, the
 * record is looked up by personnummer.
 */
#include <string.h>
#include "vx/auth.h"
#include "vx/store.h"

enum vx_status vx_auth_own_person(struct vx_store *st, const struct vx_session *s,
                                  struct vx_person_rec *out)
{
    if (!s || !s->person_norm[0])
        return VX_ENOTFOUND;
    if (s->person_id > 0) {
        enum vx_status rc = st->ops->person_get_id(st, s->person_id, out);
        if (rc == VX_OK && !strcmp(out->p.pnr.norm, s->person_norm))
            return VX_OK;
        if (rc != VX_OK && rc != VX_ENOTFOUND)
            return rc;
    }
    return st->ops->person_get(st, s->person_norm, out);
}
