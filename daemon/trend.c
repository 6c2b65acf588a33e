/*
 * trend.c - supply and demand per key and period (see trend.h and
 * docs/TRENDS.md): the deltas of each change, the per-key cumulative arrays,
 * the Trends handler, and the thread that stores deltas and publishes the
 * periodic trend event.
 */
#define _POSIX_C_SOURCE 200809L
#include "trend.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytebuf.h"
#include "catalog.h"
#include "handlers.h"
#include "log.h"
#include "profile_build.h"
#include "scope.h"

#define MS_PER_DAY 86400000LL

/* ---- period bucketing ----------------------------------------------------- */

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * well-known civil-date arithmetic). */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = s_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int64_t *y, int *m)
{
    z += 719468;
    int64_t era = s_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t bole_trend_day(int64_t at_ms)
{
    return s_floor_div(at_ms, MS_PER_DAY);
}

int64_t bole_trend_period(int window, int64_t at_ms)
{
    int64_t day = bole_trend_day(at_ms);
    if (window == BOLE__TREND_WINDOW__TREND_DAY)
        return day;
    if (window == BOLE__TREND_WINDOW__TREND_MONTH) {
        int64_t y;
        int m;
        s_civil_from_days(day, &y, &m);
        return y * 12 + (m - 1);
    }
    /* ISO week: 1970-01-01 was a Thursday, so week 0 runs Mon 1969-12-29 to Sun 1970-01-04. */
    return s_floor_div(day + 3, 7);
}

int64_t bole_trend_period_first_day(int window, int64_t period)
{
    if (window == BOLE__TREND_WINDOW__TREND_DAY)
        return period;
    if (window == BOLE__TREND_WINDOW__TREND_MONTH)
        return s_days_from_civil(s_floor_div(period, 12), (int)(period - s_floor_div(period, 12) * 12) + 1, 1);
    return period * 7 - 3;
}

int64_t bole_trend_period_last_day(int window, int64_t period)
{
    return bole_trend_period_first_day(window, period + 1) - 1;
}

const char *bole_trend_dimension_name(int dimension)
{
    switch (dimension) {
    case BOLE__TREND_DIMENSION__TREND_SKILL: return "skill";
    case BOLE__TREND_DIMENSION__TREND_INDUSTRY: return "industry";
    case BOLE__TREND_DIMENSION__TREND_ZONE: return "zone";
    case BOLE__TREND_DIMENSION__TREND_OCCUPATION: return "occupation";
    default: return NULL;
    }
}

/* ---- deltas of one change ------------------------------------------------- */

typedef struct {
    int dim;
    const char *key;
} item_t;

/* What one record contributes: its keys, zone and industries. */
typedef struct {
    item_t *items;
    size_t n;
    const char *zone;
    char *industries;   /* ",a,b," (owned). */
    char *occupation;   /* Normalised (owned). */
    int64_t weight;     /* Supply 1 / demand headcount, 0 when inactive. */
    int64_t expires_at; /* 0 never. */
} side_t;

static void s_side_free(side_t *s)
{
    free(s->items);
    free(s->industries);
    free(s->occupation);
    memset(s, 0, sizeof *s);
}

static int s_side_alloc(side_t *s, bole_intern_t *names, size_t n_items, const uint32_t *inds,
                        size_t n_inds, uint32_t zone, const char *occupation)
{
    size_t len = 2;
    for (size_t i = 0; i < n_inds; i++)
        len += strlen(bole_intern_name(names, inds[i])) + 1;
    s->items = calloc(n_items + n_inds + 2, sizeof *s->items);
    s->industries = malloc(len);
    size_t olen = strlen(occupation ? occupation : "") + 1;
    s->occupation = malloc(olen);
    if (!s->items || !s->industries || !s->occupation)
        return -1;
    char *p = s->industries;
    *p++ = ',';
    for (size_t i = 0; i < n_inds; i++) {
        const char *name = bole_intern_name(names, inds[i]);
        size_t l = strlen(name);
        if (l == 0)
            continue;
        memcpy(p, name, l);
        p += l;
        *p++ = ',';
    }
    *p = '\0';
    bole_intern_normalise(occupation ? occupation : "", s->occupation, olen);
    s->zone = bole_intern_name(names, zone);
    for (size_t i = 0; i < n_inds; i++)
        if (inds[i] != BOLE_INTERN_NONE)
            s->items[s->n++] = (item_t){BOLE__TREND_DIMENSION__TREND_INDUSTRY,
                                        bole_intern_name(names, inds[i])};
    if (zone != BOLE_INTERN_NONE)
        s->items[s->n++] = (item_t){BOLE__TREND_DIMENSION__TREND_ZONE, s->zone};
    if (s->occupation[0])
        s->items[s->n++] = (item_t){BOLE__TREND_DIMENSION__TREND_OCCUPATION, s->occupation};
    return 0;
}

static int s_talent_side(side_t *s, bole_intern_t *names, const bole_talent_rec_t *t)
{
    memset(s, 0, sizeof *s);
    if (!t)
        return 0;
    if (s_side_alloc(s, names, t->n_skills, t->industries, t->n_industries, t->zone,
                     t->occupation) != 0)
        return -1;
    for (size_t i = 0; i < t->n_skills; i++)
        s->items[s->n++] = (item_t){BOLE__TREND_DIMENSION__TREND_SKILL,
                                    bole_intern_name(names, t->skills[i].skill)};
    s->weight = t->availability == BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE ? 0 : 1;
    return 0;
}

static int s_need_side(side_t *s, bole_intern_t *names, const bole_need_rec_t *n)
{
    memset(s, 0, sizeof *s);
    if (!n)
        return 0;
    uint32_t ind = n->industry;
    if (s_side_alloc(s, names, n->n_skills, &ind, ind != BOLE_INTERN_NONE, n->zone,
                     n->title) != 0)
        return -1;
    for (size_t i = 0; i < n->n_skills; i++)
        s->items[s->n++] = (item_t){BOLE__TREND_DIMENSION__TREND_SKILL,
                                    bole_intern_name(names, n->skills[i].skill)};
    s->weight = n->closed ? 0 : (n->headcount ? n->headcount : 1);
    s->expires_at = n->expires_at;
    return 0;
}

/* Emits b * wb - a * wa at instant at, netting keys both sides share (same
 * zone and industries), into the supply or demand field. */
static int s_pair(const side_t *a, int64_t wa, const side_t *b, int64_t wb, int64_t at,
                  int demand, bole_trend_delta_fn fn, void *ctx)
{
    int same_ctx = a && b && wa && wb && strcmp(a->zone, b->zone) == 0 &&
                   strcmp(a->industries, b->industries) == 0;
    for (int pass = 0; pass < 2; pass++) {
        const side_t *s = pass == 0 ? a : b;
        const side_t *o = pass == 0 ? b : a;
        int64_t w = pass == 0 ? -wa : wb;
        if (!s || w == 0)
            continue;
        for (size_t i = 0; i < s->n; i++) {
            int64_t amount = w;
            int shared = 0;
            for (size_t j = 0; same_ctx && j < o->n; j++)
                if (o->items[j].dim == s->items[i].dim &&
                    strcmp(o->items[j].key, s->items[i].key) == 0) {
                    shared = 1;
                    break;
                }
            if (shared) {
                if (pass == 1)
                    continue; /* Emitted once, netted, in pass 0. */
                amount = wb - wa;
                if (amount == 0)
                    continue;
            }
            bole_store_trend_delta_t d = {
                .dimension = s->items[i].dim,
                .key = s->items[i].key,
                .zone = s->zone,
                .industries = s->industries,
                .at = at,
                .supply = demand ? 0 : amount,
                .demand = demand ? amount : 0,
            };
            /* A netted key belongs to both sides: report it with b's context
             * (identical to a's by same_ctx). */
            int rc = fn(ctx, &d);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

int bole_trend_talent_change(bole_intern_t *names, const bole_talent_rec_t *old,
                             const bole_talent_rec_t *new_, int64_t at,
                             bole_trend_delta_fn fn, void *ctx)
{
    side_t a, b;
    int rc = -1;
    if (s_talent_side(&a, names, old) == 0 && s_talent_side(&b, names, new_) == 0)
        rc = s_pair(old ? &a : NULL, a.weight, new_ ? &b : NULL, b.weight, at, 0, fn, ctx);
    s_side_free(&a);
    s_side_free(&b);
    return rc;
}

int bole_trend_need_change(bole_intern_t *names, const bole_need_rec_t *old,
                           const bole_need_rec_t *new_, int64_t at,
                           bole_trend_delta_fn fn, void *ctx)
{
    side_t a, b;
    int rc = -1;
    if (s_need_side(&a, names, old) != 0 || s_need_side(&b, names, new_) != 0)
        goto done;
    /* A side counts from at only if it has not expired by then. */
    int64_t wa = old && (a.expires_at == 0 || a.expires_at > at) ? a.weight : 0;
    int64_t wb = new_ && (b.expires_at == 0 || b.expires_at > at) ? b.weight : 0;
    rc = s_pair(old ? &a : NULL, wa, new_ ? &b : NULL, wb, at, 1, fn, ctx);
    if (rc != 0)
        goto done;
    /* Scheduled expiries: cancel old's (+wa at its expiry), add new's (-wb). */
    int64_t ea = wa ? a.expires_at : 0, eb = wb ? b.expires_at : 0;
    if (ea && ea == eb) {
        rc = s_pair(&b, wb, &a, wa, ea, 1, fn, ctx);
    } else {
        if (ea)
            rc = s_pair(NULL, 0, &a, wa, ea, 1, fn, ctx);
        if (rc == 0 && eb)
            rc = s_pair(&b, wb, NULL, 0, eb, 1, fn, ctx);
    }
done:
    s_side_free(&a);
    s_side_free(&b);
    return rc;
}

/* ---- the table ------------------------------------------------------------ */

typedef struct {
    int32_t day;        /* UTC day number. */
    int64_t supply;     /* Cumulative supply at the end of day. */
    int64_t demand;     /* Cumulative demand at the end of day. */
} entry_t;

typedef struct {
    char *key;
    uint64_t hash;
    entry_t *e;         /* Sorted by day, unique days. */
    size_t n, cap;
} series_t;

typedef struct {
    series_t **slots;   /* Open addressing, power-of-two size. */
    size_t cap, count;
} keymap_t;

struct bole_trend {
    pthread_rwlock_t lock;      /* Guards dims, folded_upto, fold_failed. */
    keymap_t dims[BOLE_TREND_DIMS];
    /* Every trend_rows row with n <= folded_upto is folded in (rows are
     * numbered in commit order by the one writer, and folded after their
     * commit in that order); 0 for a table not loaded from a store. */
    int64_t folded_upto;
    int fold_failed;            /* A fold ran out of memory: no snapshot. */
    /* Daemon side (unused by a plain table): the trend event thread. */
    pthread_mutex_t thread_lock;
    pthread_cond_t wake;
    pthread_t thread;
    int thread_started;
    int stop;                   /* Under thread_lock. */
    long event_seconds;
    long snapshot_seconds;      /* Periodic snapshot by the thread; 0 off. */
};

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

static series_t *s_find(keymap_t *m, const char *key, uint64_t h)
{
    if (!m->cap)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        series_t *s = m->slots[i];
        if (!s)
            return NULL;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

static int s_grow(keymap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    series_t **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        series_t *s = m->slots[i];
        if (!s)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

static series_t *s_get(keymap_t *m, const char *key)
{
    uint64_t h = s_hash(key);
    series_t *s = s_find(m, key, h);
    if (s)
        return s;
    if ((m->count + 1) * 2 > m->cap && s_grow(m) != 0)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->key = strdup(key))) {
        free(s);
        return NULL;
    }
    s->hash = h;
    size_t j = h & (m->cap - 1);
    while (m->slots[j])
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = s;
    m->count++;
    return s;
}

bole_trend_t *bole_trend_new(void)
{
    bole_trend_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_rwlock_init(&t->lock, NULL);
    pthread_mutex_init(&t->thread_lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    return t;
}

void bole_trend_destroy(bole_trend_t **tp)
{
    if (!tp || !*tp)
        return;
    bole_trend_t *t = *tp;
    for (int d = 0; d < BOLE_TREND_DIMS; d++) {
        for (size_t i = 0; i < t->dims[d].cap; i++) {
            series_t *s = t->dims[d].slots[i];
            if (s) {
                free(s->key);
                free(s->e);
                free(s);
            }
        }
        free(t->dims[d].slots);
    }
    pthread_rwlock_destroy(&t->lock);
    pthread_mutex_destroy(&t->thread_lock);
    pthread_cond_destroy(&t->wake);
    free(t);
    *tp = NULL;
}

/* Index of the first entry with day >= day. */
static size_t s_lower(const series_t *s, int64_t day)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->e[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Caller holds the write lock (or owns the table alone). */
static int s_add_locked(bole_trend_t *t, const bole_store_trend_delta_t *d)
{
    if (d->dimension <= 0 || d->dimension >= BOLE_TREND_DIMS)
        return 0;
    if (d->supply == 0 && d->demand == 0)
        return 0;
    series_t *s = s_get(&t->dims[d->dimension], d->key);
    if (!s)
        return -1;
    int64_t day = bole_trend_day(d->at);
    size_t i = s_lower(s, day);
    if (i == s->n || s->e[i].day != day) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 4;
            entry_t *e = realloc(s->e, cap * sizeof *e);
            if (!e)
                return -1;
            s->e = e;
            s->cap = cap;
        }
        memmove(s->e + i + 1, s->e + i, (s->n - i) * sizeof *s->e);
        s->e[i].day = (int32_t)day;
        s->e[i].supply = i ? s->e[i - 1].supply : 0;
        s->e[i].demand = i ? s->e[i - 1].demand : 0;
        s->n++;
    }
    for (size_t j = i; j < s->n; j++) {
        s->e[j].supply += d->supply;
        s->e[j].demand += d->demand;
    }
    return 0;
}

int bole_trend_add(bole_trend_t *t, const bole_store_trend_delta_t *d)
{
    pthread_rwlock_wrlock(&t->lock);
    int rc = s_add_locked(t, d);
    pthread_rwlock_unlock(&t->lock);
    return rc;
}

void bole_trend_size(bole_trend_t *t, size_t *keys, size_t *entries)
{
    *keys = *entries = 0;
    pthread_rwlock_rdlock(&t->lock);
    for (int d = 0; d < BOLE_TREND_DIMS; d++)
        for (size_t i = 0; i < t->dims[d].cap; i++)
            if (t->dims[d].slots[i]) {
                (*keys)++;
                *entries += t->dims[d].slots[i]->n;
            }
    pthread_rwlock_unlock(&t->lock);
}

/* Empties the table (keeps the lock and thread fields). */
static void s_clear_locked(bole_trend_t *t)
{
    for (int d = 0; d < BOLE_TREND_DIMS; d++) {
        for (size_t i = 0; i < t->dims[d].cap; i++) {
            series_t *s = t->dims[d].slots[i];
            if (s) {
                free(s->key);
                free(s->e);
                free(s);
            }
        }
        free(t->dims[d].slots);
        memset(&t->dims[d], 0, sizeof t->dims[d]);
    }
    t->folded_upto = 0;
    t->fold_failed = 0;
}

/* ---- snapshot of the arrays ------------------------------------------------ */

/* Layout (all integers little-endian):
 *   "BOLETRS1"                 magic and format version
 *   u64 upto                   last trend_rows.n folded in
 *   u64 row print              bole_trend_row_print of row upto (0 if upto 0)
 *   u32 series
 *   per series: u8 dimension, u32 key bytes, key (no NUL), u32 entries,
 *               per entry: i32 day, i64 supply, i64 demand (cumulative)
 *   u64 FNV-1a 64 of every byte before it */
#define SNAP_MAGIC "BOLETRS1"
#define SNAP_MAGIC_LEN 8
#define SNAP_ENTRY_BYTES 20

static uint64_t s_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t s_fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    return s_fnv(h, b, sizeof b);
}

uint64_t bole_trend_row_print(int64_t n, const bole_store_trend_delta_t *d)
{
    uint64_t h = 1469598103934665603ULL;
    h = s_fnv_u64(h, (uint64_t)n);
    h = s_fnv_u64(h, (uint64_t)d->at);
    h = s_fnv_u64(h, (uint64_t)d->dimension);
    h = s_fnv(h, d->key, strlen(d->key) + 1);
    h = s_fnv(h, d->zone, strlen(d->zone) + 1);
    h = s_fnv(h, d->industries, strlen(d->industries) + 1);
    h = s_fnv_u64(h, (uint64_t)d->supply);
    h = s_fnv_u64(h, (uint64_t)d->demand);
    return h ? h : 1;
}

/* Caller holds t->lock (either mode). */
static bole_status_t s_encode_locked(bole_trend_t *t, int64_t upto, uint64_t row_print,
                                     void **data, size_t *len)
{
    bole_bytebuf_t b = BOLE_BYTEBUF_INIT;
    *data = NULL;
    *len = 0;
    bole_bytebuf_put(&b, SNAP_MAGIC, SNAP_MAGIC_LEN);
    bole_bytebuf_put_le(&b, (uint64_t)upto, 8);
    bole_bytebuf_put_le(&b, row_print, 8);
    size_t count_at = b.n;
    bole_bytebuf_put_le(&b, 0, 4);
    uint32_t count = 0;
    for (int d = 1; d < BOLE_TREND_DIMS; d++)
        for (size_t i = 0; i < t->dims[d].cap; i++) {
            const series_t *s = t->dims[d].slots[i];
            if (!s)
                continue;
            size_t klen = strlen(s->key);
            bole_bytebuf_put_le(&b, (uint64_t)d, 1);
            bole_bytebuf_put_le(&b, klen, 4);
            bole_bytebuf_put(&b, s->key, klen);
            bole_bytebuf_put_le(&b, s->n, 4);
            for (size_t j = 0; j < s->n; j++) {
                bole_bytebuf_put_le(&b, (uint64_t)(uint32_t)s->e[j].day, 4);
                bole_bytebuf_put_le(&b, (uint64_t)s->e[j].supply, 8);
                bole_bytebuf_put_le(&b, (uint64_t)s->e[j].demand, 8);
            }
            count++;
        }
    if (!b.failed)
        for (int i = 0; i < 4; i++)
            b.p[count_at + (size_t)i] = (unsigned char)(count >> (8 * i));
    bole_bytebuf_put_le(&b, s_fnv(1469598103934665603ULL, b.p, b.n), 8);
    if (b.failed) {
        free(b.p);
        return BOLE_INTERNAL;
    }
    *data = b.p;
    *len = b.n;
    return BOLE_OK;
}

bole_status_t bole_trend_snapshot_encode(bole_trend_t *t, int64_t upto, uint64_t row_print,
                                         void **data, size_t *len)
{
    pthread_rwlock_rdlock(&t->lock);
    bole_status_t st = s_encode_locked(t, upto, row_print, data, len);
    pthread_rwlock_unlock(&t->lock);
    return st;
}

typedef struct {
    const unsigned char *p;
    size_t n, off;
    int bad;
} rbuf_t;

static uint64_t s_get_le(rbuf_t *r, int bytes)
{
    if (r->bad || r->n - r->off < (size_t)bytes) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    r->off += (size_t)bytes;
    return v;
}

int bole_trend_snapshot_decode(bole_trend_t *t, const void *data, size_t len,
                               int64_t *upto, uint64_t *row_print, char *why, size_t whylen)
{
    const size_t fixed = SNAP_MAGIC_LEN + 8 + 8 + 4 + 8;
    rbuf_t r = {data, len, 0, 0};
    *upto = 0;
    *row_print = 0;
    pthread_rwlock_wrlock(&t->lock);
    s_clear_locked(t);
    pthread_rwlock_unlock(&t->lock);
    if (len < fixed || memcmp(data, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0) {
        snprintf(why, whylen, "not a trend snapshot of this format (%zu bytes)", len);
        return -1;
    }
    rbuf_t tail = {data, len, len - 8, 0};
    if (s_get_le(&tail, 8) != s_fnv(1469598103934665603ULL, data, len - 8)) {
        snprintf(why, whylen, "checksum mismatch (%zu bytes)", len);
        return -1;
    }
    r.n = len - 8; /* The checksum is not content. */
    r.off = SNAP_MAGIC_LEN;
    int64_t u = (int64_t)s_get_le(&r, 8);
    uint64_t print = s_get_le(&r, 8);
    uint32_t count = (uint32_t)s_get_le(&r, 4);
    const char *fail = NULL;
    pthread_rwlock_wrlock(&t->lock);
    s_clear_locked(t);
    if (u < 0)
        fail = "negative row number";
    for (uint32_t c = 0; !fail && c < count; c++) {
        int dim = (int)s_get_le(&r, 1);
        size_t klen = (size_t)s_get_le(&r, 4);
        if (r.bad || dim <= 0 || dim >= BOLE_TREND_DIMS || klen == 0 || klen > r.n - r.off) {
            fail = "bad series header";
            break;
        }
        const char *kp = (const char *)r.p + r.off;
        if (memchr(kp, '\0', klen)) {
            fail = "NUL in a key";
            break;
        }
        char *key = strndup(kp, klen);
        r.off += klen;
        size_t n = (size_t)s_get_le(&r, 4);
        if (!key || r.bad || n > (r.n - r.off) / SNAP_ENTRY_BYTES) {
            free(key);
            fail = key ? "bad entry count" : "out of memory";
            break;
        }
        uint64_t h = s_hash(key);
        series_t *s = s_find(&t->dims[dim], key, h) ? NULL : s_get(&t->dims[dim], key);
        int dup = s == NULL && s_find(&t->dims[dim], key, h) != NULL;
        free(key);
        if (!s) {
            fail = dup ? "a key appears twice" : "out of memory";
            break;
        }
        if (n && !(s->e = malloc(n * sizeof *s->e))) {
            fail = "out of memory";
            break;
        }
        s->cap = n;
        for (size_t j = 0; j < n; j++) {
            entry_t e;
            e.day = (int32_t)(uint32_t)s_get_le(&r, 4);
            e.supply = (int64_t)s_get_le(&r, 8);
            e.demand = (int64_t)s_get_le(&r, 8);
            if (j && e.day <= s->e[j - 1].day) {
                fail = "days out of order";
                break;
            }
            s->e[s->n++] = e;
        }
    }
    if (!fail && (r.bad || r.off != r.n))
        fail = r.bad ? "truncated" : "trailing bytes";
    if (fail) {
        s_clear_locked(t);
        snprintf(why, whylen, "%s", fail);
    } else {
        t->folded_upto = u;
        *upto = u;
        *row_print = print;
    }
    pthread_rwlock_unlock(&t->lock);
    return fail ? -1 : 0;
}

/* ---- queries -------------------------------------------------------------- */

bole_status_t bole_trend_query_parse(const Bole__TrendsRequest *req, int64_t now,
                                     bole_arena_t *arena, bole_trend_query_t *q,
                                     char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    if (!req) {
        snprintf(err, errlen, "trends: the request body is missing");
        return BOLE_INVALID_ARGUMENT;
    }
    if (!bole_trend_dimension_name((int)req->dimension)) {
        snprintf(err, errlen, "trends: unknown dimension %d (skill, industry, zone or "
                 "occupation)", (int)req->dimension);
        return BOLE_INVALID_ARGUMENT;
    }
    int window = req->window == 0 ? BOLE__TREND_WINDOW__TREND_WEEK : (int)req->window;
    if (window < BOLE__TREND_WINDOW__TREND_DAY || window > BOLE__TREND_WINDOW__TREND_MONTH) {
        snprintf(err, errlen, "trends: window %d out of range (day, week or month)",
                 (int)req->window);
        return BOLE_INVALID_ARGUMENT;
    }
    int64_t to = req->to ? req->to : now;
    if (req->from < 0 || to < 0 || req->from > BOLE_TREND_MAX_TIME || to > BOLE_TREND_MAX_TIME) {
        snprintf(err, errlen, "trends: from and to must be Unix ms between 0 and %lld",
                 (long long)BOLE_TREND_MAX_TIME);
        return BOLE_INVALID_ARGUMENT;
    }
    if (req->from > to) {
        snprintf(err, errlen, "trends: from (%lld) is after to (%lld)", (long long)req->from,
                 (long long)to);
        return BOLE_INVALID_ARGUMENT;
    }
    q->dimension = (int)req->dimension;
    q->window = window;
    q->to_period = bole_trend_period(window, to);
    q->from_period = req->from ? bole_trend_period(window, req->from) : q->to_period - 11;
    if (q->to_period - q->from_period + 1 > BOLE_TREND_MAX_PERIODS) {
        snprintf(err, errlen, "trends: window out of range: %lld periods, at most %d",
                 (long long)(q->to_period - q->from_period + 1), BOLE_TREND_MAX_PERIODS);
        return BOLE_INVALID_ARGUMENT;
    }
    if (req->top > BOLE_TREND_MAX_TOP) {
        snprintf(err, errlen, "trends: top %u out of range (at most %d)", req->top,
                 BOLE_TREND_MAX_TOP);
        return BOLE_INVALID_ARGUMENT;
    }
    q->top = req->top ? req->top : 10;
    if (req->n_keys > 1000 || req->n_zones > 1000 || req->n_industries > 1000) {
        snprintf(err, errlen, "trends: at most 1000 keys, zones and industries");
        return BOLE_INVALID_ARGUMENT;
    }
    if (req->n_keys) {
        char **keys = bole_arena_array(arena, req->n_keys, sizeof *keys);
        if (!keys)
            return BOLE_INTERNAL;
        for (size_t i = 0; i < req->n_keys; i++) {
            size_t len = strlen(req->keys[i]) + 1;
            keys[i] = bole_arena_alloc(arena, len);
            if (!keys[i])
                return BOLE_INTERNAL;
            bole_intern_normalise(req->keys[i], keys[i], len);
            if (!keys[i][0]) {
                snprintf(err, errlen, "trends: keys[%zu] is empty", i);
                return BOLE_INVALID_ARGUMENT;
            }
        }
        q->keys = (const char *const *)keys;
        q->n_keys = req->n_keys;
    }
    return BOLE_OK;
}

typedef struct {
    const series_t *s;
    const char *key;
    int64_t s0, d0, s1, d1;     /* First and last period. */
    double g0, g1;
} cand_t;

static double s_gap(int64_t supply, int64_t demand)
{
    return (double)(demand - supply) / (double)(supply > 1 ? supply : 1);
}

/* Level at the end of day (0 before the first entry). */
static void s_level(const series_t *s, int64_t day, int64_t *supply, int64_t *demand)
{
    size_t i = s ? s_lower(s, day + 1) : 0;
    *supply = i ? s->e[i - 1].supply : 0;
    *demand = i ? s->e[i - 1].demand : 0;
}

static int s_by_volume(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    int64_t vx = x->s1 + x->d1, vy = y->s1 + y->d1;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return strcmp(x->key, y->key);
}
static int s_by_shortage(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->g1 != y->g1)
        return x->g1 > y->g1 ? -1 : 1;
    if (x->d1 != y->d1)
        return x->d1 > y->d1 ? -1 : 1;
    return strcmp(x->key, y->key);
}
static int s_by_surplus(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->g1 != y->g1)
        return x->g1 < y->g1 ? -1 : 1;
    if (x->s1 != y->s1)
        return x->s1 > y->s1 ? -1 : 1;
    return strcmp(x->key, y->key);
}
static int s_by_change(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    double cx = x->g1 - x->g0, cy = y->g1 - y->g0;
    cx = cx < 0 ? -cx : cx;
    cy = cy < 0 ? -cy : cy;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(x->key, y->key);
}

static Bole__KeyGap **s_gaps(bole_arena_t *arena, cand_t *c, size_t n, size_t top,
                             int (*cmp)(const void *, const void *), int which, size_t *n_out)
{
    qsort(c, n, sizeof *c, cmp);
    Bole__KeyGap **out = bole_arena_array(arena, top ? top : 1, sizeof *out);
    *n_out = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n && *n_out < top; i++) {
        double change = c[i].g1 - c[i].g0;
        if ((which == 0 && c[i].g1 <= 0) || (which == 1 && c[i].g1 >= 0) ||
            (which == 2 && change == 0))
            continue;
        Bole__KeyGap *g = ARENA_NEW(arena, Bole__KeyGap);
        if (!g)
            return NULL;
        bole__key_gap__init(g);
        g->key = (char *)c[i].key;
        g->supply = (double)c[i].s1;
        g->demand = (double)c[i].d1;
        g->gap_ratio = c[i].g1;
        g->change = change;
        out[(*n_out)++] = g;
    }
    return out;
}

bole_status_t bole_trend_query(bole_trend_t *t, const bole_trend_query_t *q,
                               bole_arena_t *arena, Bole__TrendsResponse **out)
{
    Bole__TrendsResponse *r = ARENA_NEW(arena, Bole__TrendsResponse);
    if (!r)
        return BOLE_INTERNAL;
    bole__trends_response__init(r);
    bole_status_t st = BOLE_INTERNAL;
    pthread_rwlock_rdlock(&t->lock);
    keymap_t *m = &t->dims[q->dimension];
    size_t n_cand = q->n_keys ? q->n_keys : m->count;
    cand_t *c = calloc(n_cand ? n_cand : 1, sizeof *c);
    if (!c)
        goto done;
    int64_t first_day = bole_trend_period_last_day(q->window, q->from_period);
    int64_t last_day = bole_trend_period_last_day(q->window, q->to_period);
    size_t n = 0;
    if (q->n_keys) {
        for (size_t i = 0; i < q->n_keys; i++) {
            int dup = 0;
            for (size_t j = 0; j < n && !dup; j++)
                dup = strcmp(c[j].key, q->keys[i]) == 0;
            if (!dup) {
                c[n].key = q->keys[i];
                c[n++].s = s_find(m, q->keys[i], s_hash(q->keys[i]));
            }
        }
    } else {
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i]) {
                c[n].s = m->slots[i];
                c[n++].key = m->slots[i]->key;
            }
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        s_level(c[i].s, first_day, &c[i].s0, &c[i].d0);
        s_level(c[i].s, last_day, &c[i].s1, &c[i].d1);
        c[i].g0 = s_gap(c[i].s0, c[i].d0);
        c[i].g1 = s_gap(c[i].s1, c[i].d1);
        /* Keys that never appear in the range stay out of the top lists. */
        if (!q->n_keys && !c[i].s0 && !c[i].d0 && !c[i].s1 && !c[i].d1) {
            size_t a = c[i].s ? s_lower(c[i].s, first_day + 1) : 0;
            size_t b = c[i].s ? s_lower(c[i].s, last_day + 1) : 0;
            if (a == b)
                continue;
        }
        c[kept++] = c[i];
    }
    n = kept;
    /* The lists sort a copy; series keep the request's order (or volume). */
    size_t top = q->top;
    cand_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        goto done;
    memcpy(sorted, c, n * sizeof *c);
    r->shortages = s_gaps(arena, sorted, n, top, s_by_shortage, 0, &r->n_shortages);
    r->surpluses = s_gaps(arena, sorted, n, top, s_by_surplus, 1, &r->n_surpluses);
    r->movers = s_gaps(arena, sorted, n, top, s_by_change, 2, &r->n_movers);
    free(sorted);
    if (!r->shortages || !r->surpluses || !r->movers)
        goto done;
    if (!q->n_keys)
        qsort(c, n, sizeof *c, s_by_volume);
    size_t n_series = q->n_keys ? n : (n < top ? n : top);
    size_t n_periods = (size_t)(q->to_period - q->from_period + 1);
    r->series = bole_arena_array(arena, n_series ? n_series : 1, sizeof *r->series);
    if (!r->series)
        goto done;
    for (size_t i = 0; i < n_series; i++) {
        Bole__TrendSeries *s = ARENA_NEW(arena, Bole__TrendSeries);
        Bole__TrendPoint *pts = bole_arena_array(arena, n_periods, sizeof *pts);
        Bole__TrendPoint **pp = bole_arena_array(arena, n_periods, sizeof *pp);
        if (!s || !pts || !pp)
            goto done;
        bole__trend_series__init(s);
        s->key = (char *)c[i].key;
        for (size_t p = 0; p < n_periods; p++) {
            int64_t period = q->from_period + (int64_t)p;
            int64_t sup, dem;
            s_level(c[i].s, bole_trend_period_last_day(q->window, period), &sup, &dem);
            bole__trend_point__init(&pts[p]);
            pts[p].period_start = bole_trend_period_first_day(q->window, period) * MS_PER_DAY;
            pts[p].supply = (double)sup;
            pts[p].demand = (double)dem;
            pts[p].gap_ratio = s_gap(sup, dem);
            pp[p] = &pts[p];
        }
        s->points = pp;
        s->n_points = n_periods;
        r->series[r->n_series++] = s;
    }
    /* Keys point into the table: copy them before the lock goes. */
    for (size_t i = 0; i < r->n_series; i++)
        r->series[i]->key = bole_arena_strdup(arena, r->series[i]->key);
    Bole__KeyGap **lists[3] = {r->shortages, r->surpluses, r->movers};
    size_t counts[3] = {r->n_shortages, r->n_surpluses, r->n_movers};
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            lists[l][i]->key = bole_arena_strdup(arena, lists[l][i]->key);
    st = BOLE_OK;
    for (size_t i = 0; i < r->n_series; i++)
        if (!r->series[i]->key)
            st = BOLE_INTERNAL;
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (!lists[l][i]->key)
                st = BOLE_INTERNAL;
done:
    pthread_rwlock_unlock(&t->lock);
    free(c);
    *out = st == BOLE_OK ? r : NULL;
    return st;
}

/* ---- the daemon's side ---------------------------------------------------- */

/* The deltas of one change, in the call's arena (alive until the deferred
 * actions have run). */
typedef struct {
    bole_arena_t *arena;
    bole_store_trend_delta_t *v;
    size_t n, cap;
    int64_t last_n;     /* trend_rows.n of the row stored. */
} change_t;

static int s_change_add(void *ctx, const bole_store_trend_delta_t *d)
{
    change_t *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        bole_store_trend_delta_t *v = bole_arena_array(c->arena, cap, sizeof *v);
        if (!v)
            return -1;
        if (c->n)
            memcpy(v, c->v, c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    bole_store_trend_delta_t x = *d;
    x.key = bole_arena_strdup(c->arena, d->key);
    x.zone = bole_arena_strdup(c->arena, d->zone ? d->zone : "");
    x.industries = bole_arena_strdup(c->arena, d->industries ? d->industries : ",");
    if (!x.key || !x.zone || !x.industries)
        return -1;
    c->v[c->n++] = x;
    return 0;
}

/* Deferred action: the batch committed, the deltas are stored; fold them
 * into memory (order does not matter: deltas add up). */
static void s_fold(bole_daemon_t *d, void *arg)
{
    const change_t *c = arg;
    bole_trend_t *t = d->trend;
    if (!t)
        return;
    pthread_rwlock_wrlock(&t->lock);
    for (size_t i = 0; i < c->n; i++)
        if (s_add_locked(t, &c->v[i]) != 0) {
            log_error("trend: out of memory folding a delta of '%s' (it is stored: the next "
                      "start loads it)", c->v[i].key);
            t->fold_failed = 1;
        }
    if (c->last_n > t->folded_upto)
        t->folded_upto = c->last_n;
    pthread_rwlock_unlock(&t->lock);
}

static void s_rec_free(bole_entity_t entity, void *rec)
{
    if (!rec)
        return;
    if (entity == BOLE_ENTITY_TALENT)
        bole_talent_rec_free(rec);
    else
        bole_need_rec_free(rec);
}

typedef struct {
    bole_intern_t *names;
    bole_entity_t entity;
    void *rec; /* OUT */
} old_t;

/* bole_store_peek callback: builds the stored version like the catalog
 * builds it at start-up (state.c). */
static int s_old_build(void *ctx, const bole_store_record_t *r)
{
    old_t *o = ctx;
    if (o->entity == BOLE_ENTITY_TALENT) {
        Bole__Talent *p = bole__talent__unpack(NULL, r->profile_len, r->profile);
        bole_talent_rec_t *t = p ? bole_talent_rec_build(o->names, p, r->id) : NULL;
        if (t)
            t->updated_at = r->updated_at;
        if (p)
            bole__talent__free_unpacked(p, NULL);
        o->rec = t;
    } else {
        Bole__Need *p = bole__need__unpack(NULL, r->profile_len, r->profile);
        bole_need_rec_t *n = p ? bole_need_rec_build(o->names, p, r->id) : NULL;
        if (n)
            n->updated_at = r->updated_at;
        if (p)
            bole__need__free_unpacked(p, NULL);
        o->rec = n;
    }
    return o->rec ? 0 : -1;
}

/* old -> rec (NULL: a delete). The old version is read from the writer's
 * connection, not the catalog: the catalog only changes after the batch
 * commits, so an earlier write of the same record in this batch (another
 * request, or the same bulk request) is only visible there. A create (the
 * common put) finds no row and decodes nothing. */
static bole_status_t s_record(bole_call_t *call, bole_entity_t entity, const char *external_id,
                              const void *rec)
{
    bole_daemon_t *d = call->daemon;
    if (!d->trend || !external_id)
        return BOLE_OK;
    bole_intern_t *names = bole_catalog_names(d->catalog);
    old_t old = {names, entity, NULL};
    int found = 0;
    bole_status_t st = bole_store_peek(call->store, entity, external_id, s_old_build, &old,
                                       &found, call->err, call->errlen);
    if (st != BOLE_OK || (!found && !rec))
        return st; /* Deleting nothing: the store answers NOT_FOUND. */
    change_t *c = ARENA_NEW(call->arena, change_t);
    int rc = -1;
    if (c) {
        c->arena = call->arena;
        /* Dated at the later of both versions (at = now unless given). */
        if (entity == BOLE_ENTITY_TALENT) {
            const bole_talent_rec_t *o = old.rec, *n = rec;
            int64_t at = n ? n->updated_at : bole_now_ms();
            if (o && o->updated_at > at)
                at = o->updated_at;
            rc = bole_trend_talent_change(names, o, n, at, s_change_add, c);
        } else {
            const bole_need_rec_t *o = old.rec, *n = rec;
            int64_t at = n ? n->updated_at : bole_now_ms();
            if (o && o->updated_at > at)
                at = o->updated_at;
            rc = bole_trend_need_change(names, o, n, at, s_change_add, c);
        }
    }
    s_rec_free(entity, old.rec);
    if (rc != 0) {
        snprintf(call->err, call->errlen, "trend: out of memory");
        return BOLE_INTERNAL;
    }
    if (c->n == 0)
        return BOLE_OK;
    st = bole_store_trend_insert(call->store, c->n, c->v, &c->last_n, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    if (bole_call_defer(call, s_fold, NULL, c) != 0) {
        snprintf(call->err, call->errlen, "trend: out of memory");
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

bole_status_t bole_trend_put(bole_call_t *call, bole_entity_t entity, const char *external_id,
                             const void *rec)
{
    return s_record(call, entity, external_id, rec);
}

bole_status_t bole_trend_delete(bole_call_t *call, bole_entity_t entity, const char *external_id)
{
    return s_record(call, entity, external_id, NULL);
}

/* Publishes, per dimension, the keys whose gap moved most over the last
 * seven days (daily periods). */
static void s_publish(bole_daemon_t *d, bole_trend_t *t)
{
    int64_t now = bole_now_ms();
    bole_arena_t arena;
    bole_arena_init(&arena, 0);
    for (int dim = 1; dim < BOLE_TREND_DIMS; dim++) {
        bole_trend_query_t q = {
            .dimension = dim,
            .window = BOLE__TREND_WINDOW__TREND_DAY,
            .from_period = bole_trend_period(BOLE__TREND_WINDOW__TREND_DAY, now) - 7,
            .to_period = bole_trend_period(BOLE__TREND_WINDOW__TREND_DAY, now),
            .top = 10,
        };
        Bole__TrendsResponse *r = NULL;
        if (bole_trend_query(t, &q, &arena, &r) != BOLE_OK || r->n_movers == 0)
            continue;
        Bole__TrendEvent te = BOLE__TREND_EVENT__INIT;
        te.dimension = (Bole__TrendDimension)dim;
        te.movers = r->movers;
        te.n_movers = r->n_movers;
        Bole__Event ev = BOLE__EVENT__INIT;
        char topic[64];
        snprintf(topic, sizeof topic, "trend.%s", bole_trend_dimension_name(dim));
        ev.topic = topic;
        ev.at = now;
        ev.body_case = BOLE__EVENT__BODY_TREND;
        ev.trend = &te;
        bole_daemon_publish(d, topic, &ev);
    }
    bole_arena_free(&arena);
}

static bole_status_t s_open_store(bole_daemon_t *d, bole_store_t **store, char *err,
                                  size_t errlen);
static bole_status_t s_save(bole_trend_t *t, bole_store_t *store, int64_t *saved, char *err,
                            size_t errlen);

/* The trend thread: publishes the trend event every event_seconds and
 * writes the arrays' snapshot every snapshot_seconds (with a connection of
 * its own, when anything was folded in since the last one), so a start
 * after a crash replays only the rows since then. */
static void *s_thread(void *arg)
{
    bole_daemon_t *d = arg;
    bole_thread_name("bole-trend");
    bole_trend_t *t = d->trend;
    bole_store_t *store = NULL;
    int64_t saved = -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t next_event = now.tv_sec + t->event_seconds;
    time_t next_snapshot = now.tv_sec + t->snapshot_seconds;
    pthread_mutex_lock(&t->thread_lock);
    while (!t->stop) {
        struct timespec until = {0, 0};
        if (t->event_seconds > 0)
            until.tv_sec = next_event;
        if (t->snapshot_seconds > 0 && (!until.tv_sec || next_snapshot < until.tv_sec))
            until.tv_sec = next_snapshot;
        int rc = 0;
        while (!t->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&t->wake, &t->thread_lock, &until);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->thread_lock);
        clock_gettime(CLOCK_REALTIME, &now);
        if (t->event_seconds > 0 && now.tv_sec >= next_event) {
            s_publish(d, t);
            next_event = now.tv_sec + t->event_seconds;
        }
        if (t->snapshot_seconds > 0 && now.tv_sec >= next_snapshot) {
            char err[512];
            bole_status_t st = store ? BOLE_OK : s_open_store(d, &store, err, sizeof err);
            if (st == BOLE_OK)
                st = s_save(t, store, &saved, err, sizeof err);
            if (st != BOLE_OK)
                log_warn("trend: periodic snapshot not written (the last one stays): %s", err);
            next_snapshot = now.tv_sec + t->snapshot_seconds;
        }
        pthread_mutex_lock(&t->thread_lock);
    }
    pthread_mutex_unlock(&t->thread_lock);
    bole_store_close(&store);
    return NULL;
}

/* Collects owned copies of deltas (start-up reconciliation). */
typedef struct {
    bole_store_trend_delta_t *v;
    size_t n, cap;
    int failed;
} collect_t;

static void s_owned_free(bole_store_trend_delta_t *d)
{
    free((char *)d->key);
    free((char *)d->zone);
    free((char *)d->industries);
}

static int s_collect(void *ctx, const bole_store_trend_delta_t *d)
{
    collect_t *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        bole_store_trend_delta_t *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return c->failed = -1;
        c->v = v;
        c->cap = cap;
    }
    bole_store_trend_delta_t x = *d;
    x.key = strdup(d->key);
    x.zone = strdup(d->zone);
    x.industries = strdup(d->industries);
    if (!x.key || !x.zone || !x.industries) {
        s_owned_free(&x);
        return c->failed = -1;
    }
    c->v[c->n++] = x;
    return 0;
}

typedef struct {
    bole_daemon_t *daemon;
    bole_entity_t entity;
    int64_t now;
    collect_t *out;
} expect_t;

/* What a stored record implies from now on (catalog read-locked). */
static int s_expect(void *ctx, const bole_store_record_t *rec)
{
    expect_t *e = ctx;
    bole_intern_t *names = bole_catalog_names(e->daemon->catalog);
    if (e->entity == BOLE_ENTITY_TALENT) {
        const bole_talent_rec_t *t = bole_catalog_talent(e->daemon->catalog, rec->id);
        if (!t)
            return 0;
        int64_t at = t->updated_at > e->now ? t->updated_at : e->now;
        return bole_trend_talent_change(names, NULL, t, at, s_collect, e->out) ? -1 : 0;
    }
    const bole_need_rec_t *n = bole_catalog_need(e->daemon->catalog, rec->id);
    if (!n)
        return 0;
    int64_t at = n->updated_at > e->now ? n->updated_at : e->now;
    return bole_trend_need_change(names, NULL, n, at, s_collect, e->out) ? -1 : 0;
}

/* The one-time repair of a store written by the previous scheme (deltas
 * written by a background thread after the commit, which a crash could
 * lose): skipped when that scheme closed cleanly. */
static bole_status_t s_upgrade(bole_daemon_t *d, bole_store_t *store, size_t *added,
                               int *ran, char *err, size_t errlen)
{
    uint64_t clean_seq = 0;
    *added = 0;
    *ran = 0;
    bole_status_t st = bole_store_trend_take_clean(store, &clean_seq, err, errlen);
    if (st != BOLE_OK || (clean_seq != 0 && clean_seq == bole_store_last_seq(store)))
        return st;
    *ran = 1;
    int64_t now = bole_now_ms();
    collect_t expected = {0};
    bole_catalog_read_lock(d->catalog);
    for (int side = 0; side < 2 && st == BOLE_OK; side++) {
        expect_t e = {d, side ? BOLE_ENTITY_NEED : BOLE_ENTITY_TALENT, now, &expected};
        st = bole_store_scan(store, e.entity, 0, s_expect, &e, err, errlen);
    }
    bole_catalog_unlock(d->catalog);
    if (st == BOLE_OK)
        st = bole_store_trend_reconcile(store, now, expected.n, expected.v, added, err, errlen);
    for (size_t i = 0; i < expected.n; i++)
        s_owned_free(&expected.v[i]);
    free(expected.v);
    return st;
}

static int s_load(void *ctx, int64_t n, const bole_store_trend_delta_t *d)
{
    (void)n;
    return s_add_locked(ctx, d);
}

/* The print of a row: of its one delta, or its deltas' prints chained in
 * order (a row holds one write's deltas; rows converted from the old
 * one-delta-per-row table keep their print). ctx starts at 0 (no print is
 * 0). */
static int s_print_row(void *ctx, int64_t n, const bole_store_trend_delta_t *d)
{
    uint64_t *print = ctx, p = bole_trend_row_print(n, d);
    if (*print) {
        p = s_fnv_u64(*print, p);
        p = p ? p : 1;
    }
    *print = p;
    return 0;
}

/* Fills the empty table t from store: the snapshot (trend_snapshot) and the
 * rows after it, or every row when there is no usable snapshot. A
 * snapshot is used only if its checksum holds and the row it ends at is
 * still stored as it was (so the rows after it are exactly the ones it
 * lacks). how says what was done, for the log. */
static bole_status_t s_load_store(bole_store_t *store, bole_trend_t *t, char *how, size_t howlen,
                                  char *err, size_t errlen)
{
    void *data = NULL;
    size_t len = 0;
    int64_t upto = 0;
    char why[256] = "";
    bole_status_t st = bole_store_trend_snapshot_get(store, &data, &len, why, sizeof why);
    if (st != BOLE_OK) {
        log_warn("trend: cannot read the snapshot (%s); scanning every stored delta", why);
    } else if (!data) {
        log_info("trend: no snapshot stored; scanning every stored delta");
    } else {
        uint64_t print = 0, stored = 0;
        int64_t last = 0;
        if (bole_trend_snapshot_decode(t, data, len, &upto, &print, why, sizeof why) != 0) {
            log_warn("trend: snapshot unusable (%s); scanning every stored delta", why);
            upto = 0;
        } else if (upto > 0 &&
                   (bole_store_trend_scan_rows(store, upto - 1, upto, s_print_row, &stored,
                                               &last, why, sizeof why) != BOLE_OK ||
                    stored != print)) {
            log_warn("trend: snapshot is stale (its last row %lld is %s); scanning every "
                     "stored delta", (long long)upto, why[0] ? why : stored ? "different now"
                                                                           : "gone");
            pthread_rwlock_wrlock(&t->lock);
            s_clear_locked(t);
            pthread_rwlock_unlock(&t->lock);
            upto = 0;
        }
    }
    free(data);
    int64_t last = 0;
    uint64_t t0 = bole_monotonic_us();
    pthread_rwlock_wrlock(&t->lock);
    st = bole_store_trend_scan_rows(store, upto, INT64_MAX, s_load, t, &last, err, errlen);
    if (st == BOLE_OK)
        t->folded_upto = last;
    pthread_rwlock_unlock(&t->lock);
    if (upto > 0)
        snprintf(how, howlen, "snapshot up to row %lld, then rows up to %lld in %.0f ms",
                 (long long)upto, (long long)last, (double)(bole_monotonic_us() - t0) / 1000.0);
    else
        snprintf(how, howlen, "every stored delta, rows up to %lld", (long long)last);
    return st;
}

/* The start-up load of a store whose deltas are written in the writes'
 * transactions (meta.trend_in_txn): it needs nothing from the catalog, so
 * it runs on a thread of its own while bole_state_open loads the catalog
 * and the indexes (docs/BENCHMARKS.md, "2. Restart"). */
struct bole_trend_loading {
    bole_trend_t *table;        /* Filled by the thread. */
    bole_store_t *store;        /* The thread's connection (closed by it). */
    pthread_t thread;
    bole_status_t status;       /* The thread's result. */
    uint64_t took_us;
    char how[160];
    char err[512];
};

static void *s_load_main(void *arg)
{
    struct bole_trend_loading *l = arg;
    bole_thread_name("bole-trendload");
    uint64_t t0 = bole_monotonic_us();
    l->status = s_load_store(l->store, l->table, l->how, sizeof l->how, l->err, sizeof l->err);
    bole_store_close(&l->store);
    l->took_us = bole_monotonic_us() - t0;
    return NULL;
}

/* The environment variable name as seconds >= 0, else def. */
static long s_env_seconds(const char *name, long def)
{
    const char *env = getenv(name);
    if (!env || !*env)
        return def;
    char *end = NULL;
    long v = strtol(env, &end, 10);
    if (end && !*end && v >= 0)
        return v;
    log_warn("trend: ignoring %s='%s' (not a number >= 0)", name, env);
    return def;
}

static bole_trend_t *s_table_new(void)
{
    bole_trend_t *t = bole_trend_new();
    if (!t)
        return NULL;
    t->event_seconds = s_env_seconds("BOLE_TREND_EVENT_SECONDS", BOLE_TREND_EVENT_SECONDS);
    t->snapshot_seconds = s_env_seconds("BOLE_TREND_SNAPSHOT_SECONDS",
                                        BOLE_TREND_SNAPSHOT_SECONDS);
    return t;
}

static bole_status_t s_open_store(bole_daemon_t *d, bole_store_t **store, char *err,
                                  size_t errlen)
{
    bole_store_options_t options = {
        .synchronous_full = strcmp(d->config.synchronous, "full") == 0,
    };
    return bole_store_open(store, d->config.db, &options, err, errlen);
}

void bole_trend_load_start(bole_daemon_t *d)
{
    char err[512];
    struct bole_trend_loading *l = calloc(1, sizeof *l);
    int in_txn = 0;
    if (!l || !(l->table = s_table_new()) ||
        s_open_store(d, &l->store, err, sizeof err) != BOLE_OK ||
        bole_store_trend_in_txn(l->store, 0, &in_txn, err, sizeof err) != BOLE_OK || !in_txn ||
        pthread_create(&l->thread, NULL, s_load_main, l) != 0) {
        /* bole_trend_open does the whole job after the catalog. */
        if (l) {
            bole_store_close(&l->store);
            bole_trend_destroy(&l->table);
            free(l);
        }
        return;
    }
    d->trend_loading = l;
}

/* Starts the event thread and publishes the table. */
static bole_status_t s_install(bole_daemon_t *d, bole_trend_t *t, char *err, size_t errlen)
{
    d->trend = t;
    if (t->event_seconds > 0 || t->snapshot_seconds > 0) {
        if (pthread_create(&t->thread, NULL, s_thread, d) != 0) {
            d->trend = NULL;
            snprintf(err, errlen, "trend: cannot start its thread");
            return BOLE_INTERNAL;
        }
        t->thread_started = 1;
    }
    return BOLE_OK;
}

bole_status_t bole_trend_open(bole_daemon_t *d, char *err, size_t errlen)
{
    struct bole_trend_loading *l = d->trend_loading;
    if (l) {
        /* Started by bole_trend_load_start: wait for its thread. */
        d->trend_loading = NULL;
        uint64_t t0 = bole_monotonic_us();
        pthread_join(l->thread, NULL);
        bole_trend_t *t = l->table;
        bole_status_t st = l->status;
        if (st == BOLE_OK) {
            size_t keys, entries;
            bole_trend_size(t, &keys, &entries);
            log_info("trend: %zu keys, %zu day entries loaded in %.0f ms (%s), in parallel "
                     "with the catalog (waited %.0f ms for it)", keys, entries,
                     (double)l->took_us / 1000.0, l->how,
                     (double)(bole_monotonic_us() - t0) / 1000.0);
            st = s_install(d, t, err, errlen);
        } else {
            snprintf(err, errlen, "%s", l->err);
        }
        if (st != BOLE_OK)
            bole_trend_destroy(&t);
        free(l);
        return st;
    }
    bole_trend_t *t = s_table_new();
    bole_store_t *store = NULL;
    if (!t) {
        snprintf(err, errlen, "trend: out of memory");
        return BOLE_INTERNAL;
    }
    /* A connection of its own for start-up only (closed below). */
    bole_status_t st = s_open_store(d, &store, err, errlen);
    if (st != BOLE_OK)
        goto fail;
    uint64_t t0 = bole_monotonic_us();
    int in_txn = 0, ran = 0;
    size_t added = 0;
    st = bole_store_trend_in_txn(store, 0, &in_txn, err, errlen);
    if (st == BOLE_OK && !in_txn)
        st = s_upgrade(d, store, &added, &ran, err, errlen);
    if (st == BOLE_OK && !in_txn)
        st = bole_store_trend_in_txn(store, 1, &in_txn, err, errlen);
    uint64_t t1 = bole_monotonic_us();
    if (st != BOLE_OK)
        goto fail;
    if (added)
        log_warn("trend: %zu corrective deltas recorded at start-up (changes the previous "
                 "delta writer left unrecorded, dated now)", added);
    char how[160];
    st = s_load_store(store, t, how, sizeof how, err, errlen);
    bole_store_close(&store);
    if (st != BOLE_OK)
        goto fail;
    size_t keys, entries;
    bole_trend_size(t, &keys, &entries);
    log_info("trend: %zu keys, %zu day entries loaded in %.0f ms (%s; one-time repair of an "
             "older store: %s, %.0f ms)", keys, entries,
             (double)(bole_monotonic_us() - t0) / 1000.0, how, ran ? "run" : "not needed",
             (double)(t1 - t0) / 1000.0);
    st = s_install(d, t, err, errlen);
    if (st != BOLE_OK)
        goto fail;
    return BOLE_OK;
fail:
    bole_store_close(&store);
    bole_trend_destroy(&t);
    return st;
}

/* Writes the snapshot of t with store: the arrays and folded_upto are read
 * under one hold of the read lock (so a concurrent fold is either wholly
 * in or wholly out), with the print of row folded_upto, which is committed
 * (rows are folded after their commit). Nothing to do when folded_upto
 * equals *saved (the last snapshot written); *saved is updated. */
static bole_status_t s_save(bole_trend_t *t, bole_store_t *store, int64_t *saved, char *err,
                            size_t errlen)
{
    uint64_t t0 = bole_monotonic_us();
    void *data = NULL;
    size_t len = 0;
    uint64_t print = 0;
    int64_t last = 0;
    bole_status_t st = BOLE_OK;
    pthread_rwlock_rdlock(&t->lock);
    int64_t upto = t->folded_upto;
    if (t->fold_failed) {
        snprintf(err, errlen, "a delta could not be folded in (out of memory); the stored "
                 "snapshot, if any, stays (still exact up to its own row)");
        st = BOLE_INTERNAL;
    } else if (upto == *saved) {
        pthread_rwlock_unlock(&t->lock);
        return BOLE_OK;
    } else if (upto > 0) {
        st = bole_store_trend_scan_rows(store, upto - 1, upto, s_print_row, &print, &last, err,
                                        errlen);
        if (st == BOLE_OK && last != upto) {
            snprintf(err, errlen, "row %lld, the last folded in, is not stored", (long long)upto);
            st = BOLE_INTERNAL;
        }
    }
    if (st == BOLE_OK && s_encode_locked(t, upto, print, &data, &len) != BOLE_OK) {
        snprintf(err, errlen, "out of memory");
        st = BOLE_INTERNAL;
    }
    pthread_rwlock_unlock(&t->lock);
    if (st == BOLE_OK)
        st = bole_store_trend_snapshot_put(store, upto, data, len, err, errlen);
    free(data);
    if (st == BOLE_OK) {
        *saved = upto;
        size_t keys, entries;
        bole_trend_size(t, &keys, &entries);
        log_info("trend: snapshot written (%zu keys, %zu day entries, up to row %lld, %zu bytes, "
                 "%.0f ms)", keys, entries, (long long)upto, len,
                 (double)(bole_monotonic_us() - t0) / 1000.0);
    }
    return st;
}

bole_status_t bole_trend_save(bole_daemon_t *d, char *err, size_t errlen)
{
    int64_t saved = -1;
    return d->trend ? s_save(d->trend, d->store, &saved, err, errlen) : BOLE_OK;
}

void bole_trend_load_abandon(bole_daemon_t *d)
{
    struct bole_trend_loading *l = d->trend_loading;
    if (!l)
        return;
    d->trend_loading = NULL;
    pthread_join(l->thread, NULL);
    bole_trend_destroy(&l->table);
    free(l);
}

void bole_trend_stop(bole_daemon_t *d)
{
    bole_trend_t *t = d->trend;
    if (!t || !t->thread_started)
        return;
    pthread_mutex_lock(&t->thread_lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->thread_lock);
    pthread_join(t->thread, NULL);
    t->thread_started = 0;
}

void bole_trend_close(bole_daemon_t *d)
{
    bole_trend_t *t = d->trend;
    if (!t)
        return;
    bole_trend_stop(d);
    d->trend = NULL;
    bole_trend_destroy(&t);
}

/* ---- the Trends handler --------------------------------------------------- */

typedef struct {
    bole_trend_t *table;
    const Bole__TrendsRequest *req;
    char **zones;        /* Normalised filters. */
    char **industries;   /* ",x," forms. */
} filter_t;

static int s_filtered(void *ctx, const bole_store_trend_delta_t *d)
{
    filter_t *f = ctx;
    int ok = f->req->n_zones == 0;
    for (size_t i = 0; !ok && i < f->req->n_zones; i++)
        ok = strcmp(d->zone, f->zones[i]) == 0;
    if (!ok)
        return 0;
    ok = f->req->n_industries == 0;
    for (size_t i = 0; !ok && i < f->req->n_industries; i++)
        ok = strstr(d->industries, f->industries[i]) != NULL;
    return ok ? s_add_locked(f->table, d) : 0;
}

bole_status_t bole_handle_trends(bole_call_t *call)
{
    bole_daemon_t *d = call->daemon;
    const Bole__TrendsRequest *req = call->request->trends;
    bole_trend_query_t q;
    bole_status_t st = bole_trend_query_parse(req, bole_now_ms(), call->arena, &q, call->err,
                                              call->errlen);
    /* A zone-scoped key: only its zones, all of them when none are asked. */
    Bole__TrendsRequest scoped;
    char **zones = NULL;
    size_t n_zones = 0;
    if (st == BOLE_OK)
        st = bole_scope_zone_filter(call, req->zones, req->n_zones, "trends.zones", &zones,
                                    &n_zones);
    if (st != BOLE_OK)
        return st;
    if (zones != req->zones) {
        scoped = *req;
        scoped.zones = zones;
        scoped.n_zones = n_zones;
        req = &scoped;
    }
    if (!d->trend) {
        snprintf(call->err, call->errlen, "trends are not available (see the start-up log)");
        return BOLE_UNAVAILABLE;
    }
    Bole__TrendsResponse *r = NULL;
    if (req->n_zones == 0 && req->n_industries == 0) {
        st = bole_trend_query(d->trend, &q, call->arena, &r);
    } else {
        /* Filters: recount the dimension's stored deltas that match into a
         * temporary table (slower: a scan; see docs/TRENDS.md). */
        filter_t f = {bole_trend_new(), req, NULL, NULL};
        f.zones = bole_arena_array(call->arena, req->n_zones + 1, sizeof *f.zones);
        f.industries = bole_arena_array(call->arena, req->n_industries + 1,
                                        sizeof *f.industries);
        if (!f.table || !f.zones || !f.industries) {
            bole_trend_destroy(&f.table);
            return BOLE_INTERNAL;
        }
        for (size_t i = 0; i < req->n_zones; i++) {
            size_t len = strlen(req->zones[i]) + 1;
            f.zones[i] = bole_arena_alloc(call->arena, len);
            if (f.zones[i])
                bole_intern_normalise(req->zones[i], f.zones[i], len);
        }
        for (size_t i = 0; i < req->n_industries; i++) {
            size_t len = strlen(req->industries[i]) + 1;
            char *norm = bole_arena_alloc(call->arena, len);
            if (norm)
                bole_intern_normalise(req->industries[i], norm, len);
            f.industries[i] = norm ? bole_arena_printf(call->arena, ",%s,", norm) : NULL;
        }
        for (size_t i = 0; i < req->n_zones; i++)
            if (!f.zones[i])
                st = BOLE_INTERNAL;
        for (size_t i = 0; i < req->n_industries; i++)
            if (!f.industries[i])
                st = BOLE_INTERNAL;
        /* Every committed delta is stored (in its write's transaction). */
        if (st == BOLE_OK)
            st = bole_store_trend_scan(call->store, q.dimension, s_filtered, &f, call->err,
                                       call->errlen);
        if (st == BOLE_OK)
            st = bole_trend_query(f.table, &q, call->arena, &r);
        bole_trend_destroy(&f.table);
    }
    if (st != BOLE_OK) {
        if (!call->err[0])
            snprintf(call->err, call->errlen, "trends: out of memory");
        return st;
    }
    call->response->body_case = BOLE__RESPONSE__BODY_TRENDS;
    call->response->trends = r;
    return BOLE_OK;
}
