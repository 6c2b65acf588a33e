/*
 * arena.h - request-scoped bump allocator.
 *
 * A handler builds its protobuf-c response out of arena memory; the server
 * packs the response and then resets the arena, so a response never needs a
 * field-by-field free and nothing a handler allocates can leak.
 */
#ifndef BOLE_ARENA_H
#define BOLE_ARENA_H

#include <stddef.h>

typedef struct bole_arena_chunk bole_arena_chunk_t;

typedef struct {
    bole_arena_chunk_t *head;   /* Chunk being filled; older chunks follow. */
    size_t total;               /* Bytes handed out since the last reset. */
    size_t limit;               /* Allocation fails beyond this (0: none). */
} bole_arena_t;

void  bole_arena_init(bole_arena_t *arena, size_t limit);
/* Frees every chunk; the arena can be used again after bole_arena_init. */
void  bole_arena_free(bole_arena_t *arena);
/* Releases all allocations but keeps the first chunk for reuse. */
void  bole_arena_reset(bole_arena_t *arena);
/* Zeroed, 16-byte aligned memory owned by the arena, or NULL. */
void *bole_arena_alloc(bole_arena_t *arena, size_t size);
/* Copies a NUL-terminated string (NULL gives ""), or NULL on failure. */
char *bole_arena_strdup(bole_arena_t *arena, const char *text);
/* printf into arena memory, or NULL on failure. */
char *bole_arena_printf(bole_arena_t *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An array of n elements of size each, overflow-checked; NULL on failure. */
void *bole_arena_array(bole_arena_t *arena, size_t n, size_t size);

#define ARENA_NEW(arena, type) ((type *)bole_arena_alloc((arena), sizeof(type)))

#endif
