/*
 * arena.h — bump allocator with a hard maximum.
 *
 * Long-lived read-mostly structures (the vaccine catalogue, the eligibility rule
 * table) and per-request scratch memory are carved from an arena and released all
 * at once with vx_arena_release(). Allocation never fails silently: it returns NULL
 * when the arena's `max` bytes are used up or malloc fails.
 */
#ifndef VX_ARENA_H
#define VX_ARENA_H

#include <stddef.h>

struct vx_arena_block;

struct vx_arena {
    struct vx_arena_block *head; /* owned list of blocks */
    size_t used;                 /* bytes handed out so far (incl. padding) */
    size_t max;                  /* hard maximum; 0 means 64 MiB */
};

/* Initialise an empty arena (no allocation yet). `max` 0 = default limit. */
void vx_arena_init(struct vx_arena *a, size_t max);
/* Free every block; the arena may be reused after vx_arena_init. */
void vx_arena_release(struct vx_arena *a);
/* Zeroed, 16-byte aligned memory owned by the arena; NULL on limit/OOM. */
void *vx_arena_alloc(struct vx_arena *a, size_t n);
/* Copy of `s` (`n` bytes, NUL appended) owned by the arena; NULL on limit/OOM. */
char *vx_arena_strndup(struct vx_arena *a, const char *s, size_t n);
char *vx_arena_strdup(struct vx_arena *a, const char *s);

#endif
