/*
 * arena.c — bump allocator with a hard maximum.
 *
 * Blocks are malloc'd on demand (at least 64 KiB, or the request size) and linked;
 * allocation bumps a pointer in the newest block. Release frees the chain. The
 * `max` limit counts handed-out bytes, so a hostile data file cannot make the
 * catalogue loader eat the machine.
 */
#include <stdlib.h>
#include <string.h>
#include "vx/arena.h"

#define ARENA_BLOCK_MIN   (64 * 1024)
#define ARENA_DEFAULT_MAX ((size_t)64 * 1024 * 1024)
#define ARENA_ALIGN       16

struct vx_arena_block {
    struct vx_arena_block *next;
    size_t size; /* usable bytes in data[] */
    size_t off;  /* next free offset */
    _Alignas(16) unsigned char data[];
};

void vx_arena_init(struct vx_arena *a, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max ? max : ARENA_DEFAULT_MAX;
}

void vx_arena_release(struct vx_arena *a)
{
    struct vx_arena_block *b = a->head;
    while (b) {
        struct vx_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *vx_arena_alloc(struct vx_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n || a->used + need > a->max)
        return NULL;
    struct vx_arena_block *b = a->head;
    if (!b || b->size - b->off < need) {
        size_t size = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = a->head;
        b->size = size;
        b->off = 0;
        a->head = b;
    }
    void *p = b->data + b->off;
    b->off += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

char *vx_arena_strndup(struct vx_arena *a, const char *s, size_t n)
{
    char *p = vx_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vx_arena_strdup(struct vx_arena *a, const char *s)
{
    return vx_arena_strndup(a, s, strlen(s));
}
