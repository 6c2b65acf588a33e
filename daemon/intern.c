/*
 * intern.c - see intern.h. Open addressing on a power-of-two table of ids,
 * names in a growing array of pointers; a rwlock guards both.
 */
#define _POSIX_C_SOURCE 200809L
#include "intern.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct bole_intern {
    pthread_rwlock_t lock;
    char **names;       /* names[id]; names[0] = "". */
    uint32_t count;     /* Ids in use, including 0. */
    uint32_t cap;       /* Capacity of names. */
    uint32_t *slots;    /* Hash table of ids; 0 = empty. */
    uint32_t n_slots;   /* Power of two, kept at most half full. */
};

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void bole_intern_normalise(const char *name, char *out, size_t outlen)
{
    size_t n = 0;
    int pending_space = 0;
    if (outlen == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        if (isspace(*p)) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space && n + 1 < outlen)
            out[n++] = ' ';
        pending_space = 0;
        if (n + 1 >= outlen)
            break;
        out[n++] = (char)(*p < 0x80 ? tolower(*p) : *p);
    }
    /* Never cut a UTF-8 sequence in half. */
    while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) {
        size_t start = n - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80)
            start--;
        unsigned char lead = (unsigned char)out[start];
        size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - start >= want)
            break;
        n = start;
    }
    out[n] = '\0';
}

bole_intern_t *bole_intern_new(void)
{
    bole_intern_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = 64;
    t->n_slots = 128;
    t->names = calloc(t->cap, sizeof *t->names);
    t->slots = calloc(t->n_slots, sizeof *t->slots);
    if (!t->names || !t->slots)
        goto fail;
    t->names[0] = strdup("");
    if (!t->names[0])
        goto fail;
    t->count = 1;
    pthread_rwlock_init(&t->lock, NULL);
    return t;
fail:
    free(t->names);
    free(t->slots);
    free(t);
    return NULL;
}

void bole_intern_destroy(bole_intern_t **table)
{
    if (!table || !*table)
        return;
    bole_intern_t *t = *table;
    for (uint32_t i = 0; i < t->count; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slots);
    pthread_rwlock_destroy(&t->lock);
    free(t);
    *table = NULL;
}

/* Caller holds the lock (either mode). */
static uint32_t s_lookup(const bole_intern_t *t, const char *norm, uint64_t h)
{
    uint32_t mask = t->n_slots - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t id = t->slots[i];
        if (id == 0)
            return BOLE_INTERN_NONE;
        if (strcmp(t->names[id], norm) == 0)
            return id;
    }
}

static int s_grow_slots(bole_intern_t *t)
{
    uint32_t n = t->n_slots * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t id = 1; id < t->count; id++) {
        uint32_t i = (uint32_t)s_hash(t->names[id]) & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = id;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return 0;
}

uint32_t bole_intern_add(bole_intern_t *t, const char *name)
{
    char norm[512];
    bole_intern_normalise(name, norm, sizeof norm);
    if (norm[0] == '\0')
        return BOLE_INTERN_NONE;
    uint64_t h = s_hash(norm);
    pthread_rwlock_rdlock(&t->lock);
    uint32_t id = s_lookup(t, norm, h);
    pthread_rwlock_unlock(&t->lock);
    if (id)
        return id;
    pthread_rwlock_wrlock(&t->lock);
    id = s_lookup(t, norm, h); /* Another thread may have added it. */
    if (id)
        goto out;
    if (t->count + 1 > t->n_slots / 2 && s_grow_slots(t) != 0) {
        id = UINT32_MAX;
        goto out;
    }
    if (t->count == t->cap) {
        char **names = realloc(t->names, (size_t)t->cap * 2 * sizeof *names);
        if (!names) {
            id = UINT32_MAX;
            goto out;
        }
        t->names = names;
        t->cap *= 2;
    }
    char *copy = strdup(norm);
    if (!copy) {
        id = UINT32_MAX;
        goto out;
    }
    id = t->count++;
    t->names[id] = copy;
    uint32_t mask = t->n_slots - 1, i = (uint32_t)h & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = id;
out:
    pthread_rwlock_unlock(&t->lock);
    return id;
}

uint32_t bole_intern_find(bole_intern_t *t, const char *name)
{
    char norm[512];
    bole_intern_normalise(name, norm, sizeof norm);
    if (norm[0] == '\0')
        return BOLE_INTERN_NONE;
    pthread_rwlock_rdlock(&t->lock);
    uint32_t id = s_lookup(t, norm, s_hash(norm));
    pthread_rwlock_unlock(&t->lock);
    return id;
}

const char *bole_intern_name(bole_intern_t *t, uint32_t id)
{
    pthread_rwlock_rdlock(&t->lock);
    const char *name = id < t->count ? t->names[id] : "";
    pthread_rwlock_unlock(&t->lock);
    return name;
}

uint32_t bole_intern_count(bole_intern_t *t)
{
    pthread_rwlock_rdlock(&t->lock);
    uint32_t n = t->count;
    pthread_rwlock_unlock(&t->lock);
    return n;
}
