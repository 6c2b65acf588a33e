/*
 * catalog.c - see catalog.h.
 *
 * Records sit in pages indexed by internal id (SQLite rowids; pages whose
 * records are all gone are freed);
 * external ids go through an open-addressing table of internal ids, compared
 * against the record's own external_id string, so no key is stored twice.
 */
#define _POSIX_C_SOURCE 200809L
#include "catalog.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profile_build.h"

#define TOMBSTONE (-1)

typedef struct {
    int64_t *ids;
    size_t n, cap;
} posting_t;

typedef struct {
    posting_t *lists;   /* Indexed by key. */
    size_t n_keys;
} posting_table_t;

/* Records by internal id sit in pages of PAGE_IDS pointers. Internal ids
 * only grow (a deleted and re-created record gets a new one), so a flat
 * array would grow with every id ever assigned; a page is freed when its
 * last record goes, which keeps memory proportional to live records. */
#define PAGE_BITS 12
#define PAGE_IDS  ((size_t)1 << PAGE_BITS)

typedef struct {
    void *rec[PAGE_IDS];
    size_t live;            /* Non-NULL entries. */
} page_t;

/* One side: talents or needs. */
typedef struct {
    page_t **pages;         /* Indexed by id >> PAGE_BITS; NULL = no record. */
    size_t n_pages;         /* Length of pages. */
    size_t count;           /* Live records. */
    int64_t *slots;         /* External-id hash table of ids: 0 empty, -1 tombstone. */
    size_t n_slots;         /* Power of two. */
    size_t used_slots;      /* Live + tombstones. */
    const char *(*ext)(const void *record);
} side_t;

struct bole_catalog {
    pthread_rwlock_t lock;
    bole_intern_t *names;
    side_t talents, needs;
    posting_table_t postings[BOLE_POSTING_KINDS];
    /* Skill statistics for ranking (bole_catalog_skill_stats): by skill id,
     * how many live records (talents + needs) list the skill, and
     * ln(1 + that count), kept in step on every put and remove. */
    uint32_t *skill_df;
    float *skill_logdf;
    size_t n_skill_slots;       /* Length of both arrays. */
};

static const char *s_talent_ext(const void *r) { return ((const bole_talent_rec_t *)r)->external_id; }
static const char *s_need_ext(const void *r) { return ((const bole_need_rec_t *)r)->external_id; }

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

bole_catalog_t *bole_catalog_new(void)
{
    bole_catalog_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->names = bole_intern_new();
    if (!c->names) {
        free(c);
        return NULL;
    }
    c->talents.ext = s_talent_ext;
    c->needs.ext = s_need_ext;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* Writers must not starve behind a steady stream of matches. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    return c;
}

/* The record of id, or NULL. */
static inline void *s_get(const side_t *side, int64_t id)
{
    size_t p = (size_t)id >> PAGE_BITS;
    if (id <= 0 || p >= side->n_pages || !side->pages[p])
        return NULL;
    return side->pages[p]->rec[(size_t)id & (PAGE_IDS - 1)];
}

/* Sets the record of id (its page must exist: s_reserve); frees the page
 * when its last record goes. */
static void s_set(side_t *side, int64_t id, void *record)
{
    page_t *page = side->pages[(size_t)id >> PAGE_BITS];
    void **at = &page->rec[(size_t)id & (PAGE_IDS - 1)];
    page->live += (record != NULL) - (*at != NULL);
    *at = record;
    if (page->live == 0) {
        free(page);
        side->pages[(size_t)id >> PAGE_BITS] = NULL;
    }
}

static void s_side_free(side_t *side, void (*free_fn)(void *))
{
    for (size_t p = 0; p < side->n_pages; p++) {
        if (!side->pages[p])
            continue;
        for (size_t i = 0; i < PAGE_IDS; i++)
            if (side->pages[p]->rec[i])
                free_fn(side->pages[p]->rec[i]);
        free(side->pages[p]);
    }
    free(side->pages);
    free(side->slots);
}

static void s_free_talent(void *r) { bole_talent_rec_free(r); }
static void s_free_need(void *r) { bole_need_rec_free(r); }

void bole_catalog_destroy(bole_catalog_t **catalog)
{
    if (!catalog || !*catalog)
        return;
    bole_catalog_t *c = *catalog;
    s_side_free(&c->talents, s_free_talent);
    s_side_free(&c->needs, s_free_need);
    for (int k = 0; k < BOLE_POSTING_KINDS; k++) {
        for (size_t i = 0; i < c->postings[k].n_keys; i++)
            free(c->postings[k].lists[i].ids);
        free(c->postings[k].lists);
    }
    free(c->skill_df);
    free(c->skill_logdf);
    bole_intern_destroy(&c->names);
    pthread_rwlock_destroy(&c->lock);
    free(c);
    *catalog = NULL;
}

bole_intern_t *bole_catalog_names(bole_catalog_t *c) { return c->names; }
void bole_catalog_read_lock(bole_catalog_t *c) { pthread_rwlock_rdlock(&c->lock); }
void bole_catalog_write_lock(bole_catalog_t *c)
{
    if (pthread_rwlock_trywrlock(&c->lock) == 0)
        return;
    struct timespec start, now, nap = {0, 50000}; /* 50 us, doubling up to 800 us */
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        nanosleep(&nap, NULL);
        if (pthread_rwlock_trywrlock(&c->lock) == 0)
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited_ms = (long)(now.tv_sec - start.tv_sec) * 1000 +
                         (now.tv_nsec - start.tv_nsec) / 1000000;
        if (waited_ms >= BOLE_CATALOG_POLITE_WAIT_MS)
            break;
        if (nap.tv_nsec < 800000)
            nap.tv_nsec *= 2;
    }
    pthread_rwlock_wrlock(&c->lock);
}
void bole_catalog_unlock(bole_catalog_t *c) { pthread_rwlock_unlock(&c->lock); }

/* ---- external-id table ---------------------------------------------------- */

static size_t s_find_slot(const side_t *side, const char *ext, int *found)
{
    size_t mask = side->n_slots - 1, i = (size_t)s_hash(ext) & mask, first_free = SIZE_MAX;
    *found = 0;
    for (;;) {
        int64_t id = side->slots[i];
        if (id == 0)
            return first_free != SIZE_MAX ? first_free : i;
        if (id == TOMBSTONE) {
            if (first_free == SIZE_MAX)
                first_free = i;
        } else if (strcmp(side->ext(s_get(side, id)), ext) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int s_rehash(side_t *side, size_t n_slots)
{
    int64_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t p = 0; p < side->n_pages; p++) {
        if (!side->pages[p])
            continue;
        for (size_t j = 0; j < PAGE_IDS; j++) {
            const void *record = side->pages[p]->rec[j];
            if (!record)
                continue;
            size_t i = (size_t)s_hash(side->ext(record)) & (n_slots - 1);
            while (slots[i])
                i = (i + 1) & (n_slots - 1);
            slots[i] = (int64_t)(p << PAGE_BITS | j);
        }
    }
    free(side->slots);
    side->slots = slots;
    side->n_slots = n_slots;
    side->used_slots = side->count;
    return 0;
}

static int64_t s_lookup(const side_t *side, const char *ext)
{
    if (!side->n_slots || !ext)
        return 0;
    int found;
    size_t i = s_find_slot(side, ext, &found);
    return found ? side->slots[i] : 0;
}

/* Makes room for id and one more table entry. */
static int s_reserve(side_t *side, int64_t id)
{
    size_t p = (size_t)id >> PAGE_BITS;
    if (p >= side->n_pages) {
        size_t n = side->n_pages ? side->n_pages : 16;
        while (n <= p)
            n *= 2;
        page_t **pages = realloc(side->pages, n * sizeof *pages);
        if (!pages)
            return -1;
        memset(pages + side->n_pages, 0, (n - side->n_pages) * sizeof *pages);
        side->pages = pages;
        side->n_pages = n;
    }
    if (!side->pages[p] && !(side->pages[p] = calloc(1, sizeof(page_t))))
        return -1;
    if ((side->used_slots + 1) * 2 > side->n_slots) {
        /* Used slots include tombstones of deleted records: when live ones
         * fill under a quarter, rehash at the same size (dropping the
         * tombstones) instead of doubling, so churn does not grow it. */
        size_t n = side->n_slots ? side->n_slots : 1024;
        if ((side->count + 1) * 4 > n)
            n *= 2;
        return s_rehash(side, n);
    }
    return 0;
}

/* Installs record at its id; returns the record it replaced (or NULL). */
static void *s_put(side_t *side, int64_t id, void *record)
{
    void *old = s_get(side, id);
    if (old) {
        s_set(side, id, record); /* Same id, same external id: slot unchanged. */
        return old;
    }
    s_set(side, id, record);
    int found;
    size_t i = s_find_slot(side, side->ext(record), &found);
    if (!found) {
        if (side->slots[i] == 0)
            side->used_slots++;
        side->slots[i] = id;
    }
    side->count++;
    return NULL;
}

static void *s_remove(side_t *side, int64_t id)
{
    void *old = s_get(side, id);
    if (!old)
        return NULL;
    int found;
    size_t i = s_find_slot(side, side->ext(old), &found);
    if (found)
        side->slots[i] = TOMBSTONE;
    s_set(side, id, NULL);
    side->count--;
    return old;
}

/* ---- postings ------------------------------------------------------------- */

/* Does the live record `id` still have `key` for this posting kind? */
static int s_still_has(bole_catalog_t *c, bole_posting_kind_t kind, uint32_t key, int64_t id)
{
    const bole_talent_rec_t *t = NULL;
    const bole_need_rec_t *n = NULL;
    if (kind <= BOLE_POSTING_TALENT_CATEGORY) {
        t = s_get(&c->talents, id);
        if (!t)
            return 0;
    } else {
        n = s_get(&c->needs, id);
        if (!n)
            return 0;
    }
    switch (kind) {
    case BOLE_POSTING_TALENT_ZONE:
        return t->zone == key;
    case BOLE_POSTING_TALENT_INDUSTRY:
        for (size_t i = 0; i < t->n_industries; i++)
            if (t->industries[i] == key)
                return 1;
        return 0;
    case BOLE_POSTING_TALENT_CATEGORY:
        return key < 32 && (t->categories >> key & 1);
    case BOLE_POSTING_NEED_ZONE:
        return n->zone == key;
    case BOLE_POSTING_NEED_INDUSTRY:
        return n->industry == key;
    case BOLE_POSTING_NEED_ORGANISATION:
        return n->organisation == key;
    default:
        return 0;
    }
}

static int s_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Drops the entries of a full list whose record is gone or changed, and
 * repeats: lists only grow by appending, so without this a list would grow
 * with every delete and re-create (new internal id) for ever. Runs when the
 * list is full, so its cost is amortised over the appends that filled it. */
static void s_compact(bole_catalog_t *c, bole_posting_kind_t kind, uint32_t key, posting_t *p)
{
    size_t kept = 0;
    qsort(p->ids, p->n, sizeof *p->ids, s_cmp_id);
    for (size_t i = 0; i < p->n; i++) {
        if (kept > 0 && p->ids[kept - 1] == p->ids[i])
            continue;
        if (s_still_has(c, kind, key, p->ids[i]))
            p->ids[kept++] = p->ids[i];
    }
    p->n = kept;
}

static void s_post(bole_catalog_t *c, bole_posting_kind_t kind, uint32_t key, int64_t id)
{
    if (key == BOLE_INTERN_NONE || key == UINT32_MAX)
        return;
    posting_table_t *t = &c->postings[kind];
    if (key >= t->n_keys) {
        size_t n = t->n_keys ? t->n_keys : 64;
        while (n <= key)
            n *= 2;
        posting_t *lists = realloc(t->lists, n * sizeof *lists);
        if (!lists)
            return; /* Postings are a speed-up; the ANN path still finds it. */
        memset(lists + t->n_keys, 0, (n - t->n_keys) * sizeof *lists);
        t->lists = lists;
        t->n_keys = n;
    }
    posting_t *p = &t->lists[key];
    if (p->n == p->cap) {
        if (p->cap >= 32)
            s_compact(c, kind, key, p);
        /* Grow unless compaction freed half: keeps appends amortised O(1). */
        if (p->cap == 0 || p->n > p->cap / 2) {
            size_t cap = p->cap ? p->cap * 2 : 8;
            int64_t *ids = realloc(p->ids, cap * sizeof *ids);
            if (!ids)
                return;
            p->ids = ids;
            p->cap = cap;
        }
    }
    p->ids[p->n++] = id;
}

static int s_has(const uint32_t *list, size_t n, uint32_t key)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == key)
            return 1;
    return 0;
}

size_t bole_catalog_posting(bole_catalog_t *c, bole_posting_kind_t kind, uint32_t key,
                            const int64_t **ids)
{
    posting_table_t *t = &c->postings[kind];
    *ids = NULL;
    if (key >= t->n_keys)
        return 0;
    *ids = t->lists[key].ids;
    return t->lists[key].n;
}

/* ---- skill statistics ----------------------------------------------------- */

/* Makes room for skill id in the statistics arrays. Returns 0 or -1 (out of
 * memory: the arrays are unchanged). */
static int s_skill_reserve(bole_catalog_t *c, uint32_t skill)
{
    if (skill < c->n_skill_slots)
        return 0;
    size_t n = c->n_skill_slots ? c->n_skill_slots : 1024;
    while (n <= skill)
        n *= 2;
    uint32_t *df = realloc(c->skill_df, n * sizeof *df);
    if (!df)
        return -1;
    c->skill_df = df;
    float *logdf = realloc(c->skill_logdf, n * sizeof *logdf);
    if (!logdf)
        return -1;  /* skill_df is larger than needed; harmless. */
    c->skill_logdf = logdf;
    memset(df + c->n_skill_slots, 0, (n - c->n_skill_slots) * sizeof *df);
    memset(logdf + c->n_skill_slots, 0, (n - c->n_skill_slots) * sizeof *logdf);
    c->n_skill_slots = n;
    return 0;
}

/* Adds delta (+1 or -1) to the count of one skill. A skill that cannot get
 * a slot (out of memory) is left uncounted: ranking then treats it as rare,
 * which only costs accuracy. */
static void s_skill_count(bole_catalog_t *c, uint32_t skill, int delta)
{
    if (skill == BOLE_INTERN_NONE || skill == UINT32_MAX || s_skill_reserve(c, skill) != 0)
        return;
    uint32_t df = c->skill_df[skill];
    if (delta < 0 && df == 0)
        return;
    df = delta < 0 ? df - 1 : df + 1;
    c->skill_df[skill] = df;
    c->skill_logdf[skill] = logf(1.0f + (float)df);
}

size_t bole_catalog_skill_stats(bole_catalog_t *c, const float **logdf, size_t *n_records)
{
    *logdf = c->skill_logdf;
    *n_records = c->talents.count + c->needs.count;
    return c->n_skill_slots;
}

/* ---- public --------------------------------------------------------------- */

int bole_catalog_put_talent(bole_catalog_t *c, bole_talent_rec_t *t)
{
    if (t->id <= 0 || s_reserve(&c->talents, t->id) != 0) {
        bole_talent_rec_free(t);
        return -1;
    }
    const bole_talent_rec_t *old = s_get(&c->talents, t->id);
    /* Post only values the old version did not have: keeps lists short. */
    if (!old || old->zone != t->zone)
        s_post(c, BOLE_POSTING_TALENT_ZONE, t->zone, t->id);
    for (size_t i = 0; i < t->n_industries; i++)
        if (!old || !s_has(old->industries, old->n_industries, t->industries[i]))
            s_post(c, BOLE_POSTING_TALENT_INDUSTRY, t->industries[i], t->id);
    for (uint32_t cat = 1; cat < 32; cat++)
        if ((t->categories >> cat & 1) && (!old || !(old->categories >> cat & 1)))
            s_post(c, BOLE_POSTING_TALENT_CATEGORY, cat, t->id);
    if (old)
        for (size_t i = 0; i < old->n_skills; i++)
            s_skill_count(c, old->skills[i].skill, -1);
    for (size_t i = 0; i < t->n_skills; i++)
        s_skill_count(c, t->skills[i].skill, +1);
    bole_talent_rec_free(s_put(&c->talents, t->id, t));
    return 0;
}

int bole_catalog_put_need(bole_catalog_t *c, bole_need_rec_t *n)
{
    if (n->id <= 0 || s_reserve(&c->needs, n->id) != 0) {
        bole_need_rec_free(n);
        return -1;
    }
    const bole_need_rec_t *old = s_get(&c->needs, n->id);
    if (!old || old->zone != n->zone)
        s_post(c, BOLE_POSTING_NEED_ZONE, n->zone, n->id);
    if (!old || old->industry != n->industry)
        s_post(c, BOLE_POSTING_NEED_INDUSTRY, n->industry, n->id);
    if (!old || old->organisation != n->organisation)
        s_post(c, BOLE_POSTING_NEED_ORGANISATION, n->organisation, n->id);
    if (old)
        for (size_t i = 0; i < old->n_skills; i++)
            s_skill_count(c, old->skills[i].skill, -1);
    for (size_t i = 0; i < n->n_skills; i++)
        s_skill_count(c, n->skills[i].skill, +1);
    bole_need_rec_free(s_put(&c->needs, n->id, n));
    return 0;
}

void bole_catalog_remove_talent(bole_catalog_t *c, int64_t id)
{
    bole_talent_rec_t *old = s_remove(&c->talents, id);
    if (old)
        for (size_t i = 0; i < old->n_skills; i++)
            s_skill_count(c, old->skills[i].skill, -1);
    bole_talent_rec_free(old);
}

void bole_catalog_remove_need(bole_catalog_t *c, int64_t id)
{
    bole_need_rec_t *old = s_remove(&c->needs, id);
    if (old)
        for (size_t i = 0; i < old->n_skills; i++)
            s_skill_count(c, old->skills[i].skill, -1);
    bole_need_rec_free(old);
}

const bole_talent_rec_t *bole_catalog_talent(bole_catalog_t *c, int64_t id)
{
    return s_get(&c->talents, id);
}

const bole_need_rec_t *bole_catalog_need(bole_catalog_t *c, int64_t id)
{
    return s_get(&c->needs, id);
}

int64_t bole_catalog_talent_id(bole_catalog_t *c, const char *ext) { return s_lookup(&c->talents, ext); }
int64_t bole_catalog_need_id(bole_catalog_t *c, const char *ext) { return s_lookup(&c->needs, ext); }
size_t bole_catalog_talent_count(bole_catalog_t *c) { return c->talents.count; }
size_t bole_catalog_need_count(bole_catalog_t *c) { return c->needs.count; }
