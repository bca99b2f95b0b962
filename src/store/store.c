/*
 * store.c — backend-independent parts of the storage interface.
 */
#include "vx/store.h"

void vx_store_close(struct vx_store *st)
{
    if (st)
        st->ops->close(st);
}
