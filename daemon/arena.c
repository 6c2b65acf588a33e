/*
 * arena.c - see arena.h. Chunks double in size up to 1 MiB; a request that
 * asks for more gets a chunk of its own.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bole_arena_chunk {
    bole_arena_chunk_t *next;
    size_t size;      /* Usable bytes in data. */
    size_t used;      /* Bytes handed out. */
    _Alignas(16) unsigned char data[];
};

#define ARENA_FIRST_CHUNK 16384
#define ARENA_MAX_CHUNK   (1u << 20)

void bole_arena_init(bole_arena_t *arena, size_t limit)
{
    arena->head = NULL;
    arena->total = 0;
    arena->limit = limit;
}

void bole_arena_free(bole_arena_t *arena)
{
    bole_arena_chunk_t *chunk = arena->head;
    while (chunk) {
        bole_arena_chunk_t *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
    arena->total = 0;
}

void bole_arena_reset(bole_arena_t *arena)
{
    if (!arena->head)
        return;
    /* Keep the oldest (smallest) chunk: typical requests fit in it. */
    bole_arena_chunk_t *chunk = arena->head;
    while (chunk->next) {
        bole_arena_chunk_t *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    chunk->used = 0;
    arena->head = chunk;
    arena->total = 0;
}

void *bole_arena_alloc(bole_arena_t *arena, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    if (arena->limit && arena->total + size > arena->limit)
        return NULL;
    bole_arena_chunk_t *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < size) {
        size_t want = chunk ? chunk->size * 2 : ARENA_FIRST_CHUNK;
        if (want > ARENA_MAX_CHUNK)
            want = ARENA_MAX_CHUNK;
        if (want < size)
            want = size;
        bole_arena_chunk_t *fresh = malloc(sizeof *fresh + want);
        if (!fresh)
            return NULL;
        fresh->size = want;
        fresh->used = 0;
        fresh->next = chunk;
        arena->head = fresh;
        chunk = fresh;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += size;
    arena->total += size;
    memset(p, 0, size);
    return p;
}

void *bole_arena_array(bole_arena_t *arena, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return bole_arena_alloc(arena, n * size);
}

char *bole_arena_strdup(bole_arena_t *arena, const char *text)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    char *copy = bole_arena_alloc(arena, len + 1);
    if (copy)
        memcpy(copy, text, len + 1);
    return copy;
}

char *bole_arena_printf(bole_arena_t *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return NULL;
    char *out = bole_arena_alloc(arena, (size_t)need + 1);
    if (!out)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)need + 1, fmt, ap);
    va_end(ap);
    return out;
}
