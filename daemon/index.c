/* index.c — vector index per side: slot store + exact delta tier + FAISS ANN
 * tier (IVF-Flat or HNSW), tombstones, snapshots. Contract in index.h,
 * design and numbers in docs/INDEX.md.
 *
 * Layout:
 *   slots   every vector lives in a slot of a chunked array (chunks of 64 Ki
 *           slots are never moved, so growing never copies vectors). Per slot:
 *           the vector, its id, a state and an aux word.
 *   map     id -> slot, open addressing with linear probing.
 *   delta   array of slots whose vector is not in the ANN tier (all of them
 *           when there is no ANN tier); scanned exactly by every search.
 *   ann     FAISS index whose labels are slots (IVF: add_core with the slot
 *           as id; HNSW: label = position, hnsw_slot[] maps back to slots).
 *           A slot whose id was removed or replaced while its vector is in
 *           the ANN tier becomes a tombstone (S_TOMB) until maintain()
 *           purges it; tombstones are never reused before that.
 *
 * Locking: wmu serialises mutators (upsert/remove/maintain/save). Readers
 * take rw shared. Mutators do their slow work (FAISS training, centroid
 * assignment, HNSW build, file I/O) holding only wmu, which readers never
 * take, and take rw exclusively only to publish (copy vectors in, flip
 * states, swap pointers), so searches stall for at most a few ms.
 * rw prefers writers so a stream of searches cannot starve the importer.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np, fsync, fileno */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/IndexIVFFlat_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/impl/AuxIndexStructures_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/utils/distances_c.h>

#define IX_CHUNK_SHIFT 16
#define IX_CHUNK_SLOTS (1u << IX_CHUNK_SHIFT)
#define IX_MAX_CHUNKS 16384u       /* 2^30 slots. */
#define IX_MAX_DIM 4096
#define IX_DELTA_MERGE 4096        /* IVF: merge the delta tier at this size. */
#define IX_MIN_ANN 1000            /* Explicit IVF/HNSW: smallest ANN tier. */
#define IX_TRAIN_PER_LIST 40       /* IVF training sample per list (FAISS wants >= 39). */
#define IX_BOOT_NLIST 256          /* IVF: most lists of a first tier (s_build_ivf). */
#define IX_MAX_ATTEMPTS 4          /* ANN over-fetch rounds before exact. */
#define IX_HNSW_MAX_FETCH 4096     /* HNSW: larger over-fetch goes exact. */
#define IX_BLOCK 256               /* Exact scan block (slots). */
#define IX_PREFETCH_AHEAD 4        /* ANN hits: rescoring prefetches this far ahead. */
#define IX_NPROBE_UNCAL 16         /* nprobe 0: probes before the first calibration. */
#define IX_CAL_K 200               /* Calibration: recall@K (the daemon's candidates). */
#define IX_CAL_QUERIES 64          /* Calibration: query vectors sampled from the tier. */
#define IX_CAL_TILE 4096           /* Calibration: exact scan tile (slots; divides a chunk). */

/* BLAS (OpenBLAS, linked through FAISS, which declares it the same way). */
extern int sgemm_(const char *transa, const char *transb, const int *m, const int *n,
                  const int *k, const float *alpha, const float *a, const int *lda,
                  const float *b, const int *ldb, const float *beta, float *c,
                  const int *ldc);

enum { S_FREE = 0, S_DELTA = 1, S_ANN = 2, S_TOMB = 3 };
enum { ANN_NONE = 0, ANN_IVF = 1, ANN_HNSW = 2 };

typedef struct {
    float *vec;      /* IX_CHUNK_SLOTS * d floats. */
    int64_t *id;     /* Id of the slot (meaningful unless S_FREE). */
    uint8_t *state;  /* S_*. */
    int32_t *aux;    /* S_DELTA: position in delta[]; S_ANN/S_TOMB: IVF list. */
} ix_chunk;

typedef struct {
    int64_t *keys;   /* -1 = empty. */
    uint32_t *vals;
    size_t cap;      /* Power of two (or 0). */
    size_t n;
} ix_map;

struct bole_index {
    int d;
    bole_index_options_t o;
    pthread_rwlock_t rw;        /* Readers shared; publish steps exclusive. */
    pthread_mutex_t wmu;        /* Serialises mutators. */

    ix_chunk *chunks;           /* IX_MAX_CHUNKS entries, nchunks allocated. */
    uint32_t nchunks;
    uint32_t nslots;            /* High-water mark of used slots. */
    uint32_t *freelist;         /* Reusable slots (writer-only). */
    size_t nfree, freecap;
    ix_map map;
    uint32_t *delta;            /* Slots in the exact tier. */
    size_t ndelta, deltacap;
    size_t live, tombs;

    int ann_kind;               /* ANN_*. */
    FaissIndex *ann;            /* Owned; NULL when ann_kind == ANN_NONE. */
    size_t ann_n;               /* Entries in ann (live + tombstones). */
    int nlist;                  /* IVF lists of the current tier. */
    uint32_t *hnsw_slot;        /* HNSW label -> slot. */
    uint8_t *bt;                /* IVF build running: bt[s] = 1 when slot s
                                   (< bt_n) changed since the build collected
                                   it (its vector in the new tier is stale). */
    uint32_t bt_n;
    int building;               /* An IVF build is running (wmu dropped). */
    int hnsw_ef;                /* Current efSearch (only grows). */

    /* IVF probe calibration (o.nprobe == 0; s_calibrate_ivf). */
    int cal_nprobe;             /* nprobe chosen for the current tier (0 = none yet:
                                   IX_NPROBE_UNCAL); reset when a tier is installed. */
    size_t cal_n;               /* Live tier entries it was measured on. */
    unsigned cal_gen;           /* Calibrations finished. */
    int cal_last_np;            /* Report of the last calibration (stats). */
    double cal_last_recall, cal_last_ms;
    int cal_last_nq;
};

/* ---- small helpers ---------------------------------------------------- */

static void s_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *s_faiss_err(void)
{
    const char *m = faiss_get_last_error();
    return m != NULL ? m : "unknown FAISS error";
}

static inline ix_chunk *s_chunk(const bole_index_t *ix, uint32_t slot)
{
    return &ix->chunks[slot >> IX_CHUNK_SHIFT];
}
static inline float *s_vec(const bole_index_t *ix, uint32_t slot)
{
    return s_chunk(ix, slot)->vec + (size_t)(slot & (IX_CHUNK_SLOTS - 1)) * (size_t)ix->d;
}
static inline int64_t *s_id(const bole_index_t *ix, uint32_t slot)
{
    return &s_chunk(ix, slot)->id[slot & (IX_CHUNK_SLOTS - 1)];
}
static inline uint8_t *s_state(const bole_index_t *ix, uint32_t slot)
{
    return &s_chunk(ix, slot)->state[slot & (IX_CHUNK_SLOTS - 1)];
}
static inline int32_t *s_aux(const bole_index_t *ix, uint32_t slot)
{
    return &s_chunk(ix, slot)->aux[slot & (IX_CHUNK_SLOTS - 1)];
}

static inline float s_dot(const float *a, const float *b, int d)
{
    float ip;
    faiss_fvec_inner_products_ny(&ip, a, b, (size_t)d, 1);
    return ip;
}

static inline uint64_t s_hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* ---- id -> slot map --------------------------------------------------- */

static int s_map_alloc(ix_map *m, size_t cap)
{
    m->keys = malloc(cap * sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    if (m->keys == NULL || m->vals == NULL) {
        free(m->keys);
        free(m->vals);
        m->keys = NULL;
        m->vals = NULL;
        return -1;
    }
    memset(m->keys, 0xff, cap * sizeof *m->keys); /* -1 = empty */
    m->cap = cap;
    m->n = 0;
    return 0;
}

static void s_map_free(ix_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static long s_map_get(const ix_map *m, int64_t id)
{
    if (m->cap == 0)
        return -1;
    size_t mask = m->cap - 1, i = (size_t)s_hash64((uint64_t)id) & mask;
    for (;;) {
        if (m->keys[i] == id)
            return (long)m->vals[i];
        if (m->keys[i] == -1)
            return -1;
        i = (i + 1) & mask;
    }
}

/* Caller guarantees room (n < cap * 0.7). */
static void s_map_put(ix_map *m, int64_t id, uint32_t slot)
{
    size_t mask = m->cap - 1, i = (size_t)s_hash64((uint64_t)id) & mask;
    while (m->keys[i] != -1 && m->keys[i] != id)
        i = (i + 1) & mask;
    if (m->keys[i] == -1)
        m->n++;
    m->keys[i] = id;
    m->vals[i] = slot;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void s_map_del(ix_map *m, int64_t id)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, i = (size_t)s_hash64((uint64_t)id) & mask;
    while (m->keys[i] != id) {
        if (m->keys[i] == -1)
            return;
        i = (i + 1) & mask;
    }
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->keys[j] == -1)
            break;
        size_t h = (size_t)s_hash64((uint64_t)m->keys[j]) & mask;
        /* Move j back to i unless its home h lies cyclically in (i, j]. */
        int keep = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
        if (!keep) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = -1;
    m->n--;
}

/* Make room for `more` new keys. The new table is built while readers keep
 * using the old one (only the writer mutates the map), then swapped under
 * the exclusive lock. Caller holds wmu. */
static int s_map_reserve(bole_index_t *ix, size_t more)
{
    ix_map *m = &ix->map;
    size_t need = m->n + more;
    if (m->cap != 0 && need * 10 < m->cap * 7)
        return 0;
    size_t cap = m->cap ? m->cap : 1024;
    while (need * 10 >= cap * 7)
        cap *= 2;
    ix_map nm;
    if (s_map_alloc(&nm, cap) != 0)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != -1)
            s_map_put(&nm, m->keys[i], m->vals[i]);
    pthread_rwlock_wrlock(&ix->rw);
    ix_map old = *m;
    *m = nm;
    pthread_rwlock_unlock(&ix->rw);
    s_map_free(&old);
    return 0;
}

/* ---- slots -------------------------------------------------------------- */

/* Ensure `more` slots can be allocated (free list or fresh chunks) and the
 * delta array has room for `more` entries. Caller holds wmu. New chunks are
 * published under the exclusive lock (cheap; readers never look past nslots
 * anyway). */
static int s_slots_reserve(bole_index_t *ix, size_t more)
{
    size_t have = ix->nfree + (size_t)ix->nchunks * IX_CHUNK_SLOTS - ix->nslots;
    while (have < more) {
        if (ix->nchunks >= IX_MAX_CHUNKS)
            return -1;
        ix_chunk c;
        c.vec = malloc((size_t)IX_CHUNK_SLOTS * (size_t)ix->d * sizeof(float));
        c.id = malloc((size_t)IX_CHUNK_SLOTS * sizeof *c.id);
        c.state = calloc(IX_CHUNK_SLOTS, 1);
        c.aux = malloc((size_t)IX_CHUNK_SLOTS * sizeof *c.aux);
        if (!c.vec || !c.id || !c.state || !c.aux) {
            free(c.vec);
            free(c.id);
            free(c.state);
            free(c.aux);
            return -1;
        }
        pthread_rwlock_wrlock(&ix->rw);
        ix->chunks[ix->nchunks++] = c;
        pthread_rwlock_unlock(&ix->rw);
        have += IX_CHUNK_SLOTS;
    }
    if (ix->ndelta + more > ix->deltacap) {
        size_t cap = ix->deltacap ? ix->deltacap : 1024;
        while (cap < ix->ndelta + more)
            cap *= 2;
        /* realloc may move the array readers scan: do it exclusively. */
        pthread_rwlock_wrlock(&ix->rw);
        uint32_t *nd = realloc(ix->delta, cap * sizeof *nd);
        if (nd != NULL) {
            ix->delta = nd;
            ix->deltacap = cap;
        }
        pthread_rwlock_unlock(&ix->rw);
        if (nd == NULL)
            return -1;
    }
    return 0;
}

/* Writer-only free list; may be grown at any time under wmu. */
static int s_free_reserve(bole_index_t *ix, size_t more)
{
    if (ix->nfree + more <= ix->freecap)
        return 0;
    size_t cap = ix->freecap ? ix->freecap : 1024;
    while (cap < ix->nfree + more)
        cap *= 2;
    uint32_t *nf = realloc(ix->freelist, cap * sizeof *nf);
    if (nf == NULL)
        return -1;
    ix->freelist = nf;
    ix->freecap = cap;
    return 0;
}

/* Under rw exclusive, room reserved. */
static uint32_t s_slot_take(bole_index_t *ix)
{
    if (ix->nfree > 0)
        return ix->freelist[--ix->nfree];
    return ix->nslots++;
}

static void s_delta_push(bole_index_t *ix, uint32_t slot)
{
    *s_aux(ix, slot) = (int32_t)ix->ndelta;
    ix->delta[ix->ndelta++] = slot;
}

static void s_delta_drop(bole_index_t *ix, uint32_t slot)
{
    size_t pos = (size_t)*s_aux(ix, slot);
    uint32_t last = ix->delta[--ix->ndelta];
    ix->delta[pos] = last;
    *s_aux(ix, last) = (int32_t)pos;
}

/* Under wmu: note that slot's id/vector/state changed, for a running IVF
 * build (s_build_ivf) that copied it earlier. */
static inline void s_touch(bole_index_t *ix, uint32_t slot)
{
    if (ix->bt != NULL && slot < ix->bt_n)
        ix->bt[slot] = 1;
}

/* ---- top-k ------------------------------------------------------------- */

typedef struct {
    size_t k, n;
    float *s;
    int64_t *id;
} ix_topk;

/* Equal scores pass to s_topk_push, which keeps the lower id: the result
 * must not depend on scan order (a restart may lay slots out differently). */
static inline int s_topk_wants(const ix_topk *t, float s)
{
    return t->n < t->k || s >= t->s[0];
}

/* Min-heap on score (ties: larger id is "smaller", so lower ids win). */
static inline int s_less(float a, int64_t ia, float b, int64_t ib)
{
    return a < b || (a == b && ia > ib);
}

static void s_sift_down(ix_topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && s_less(t->s[l], t->id[l], t->s[m], t->id[m]))
            m = l;
        if (r < t->n && s_less(t->s[r], t->id[r], t->s[m], t->id[m]))
            m = r;
        if (m == i)
            return;
        float ts = t->s[i]; t->s[i] = t->s[m]; t->s[m] = ts;
        int64_t ti = t->id[i]; t->id[i] = t->id[m]; t->id[m] = ti;
        i = m;
    }
}

static void s_topk_push(ix_topk *t, float s, int64_t id)
{
    if (t->n < t->k) {
        size_t i = t->n++;
        t->s[i] = s;
        t->id[i] = id;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!s_less(t->s[i], t->id[i], t->s[p], t->id[p]))
                break;
            float ts = t->s[i]; t->s[i] = t->s[p]; t->s[p] = ts;
            int64_t ti = t->id[i]; t->id[i] = t->id[p]; t->id[p] = ti;
            i = p;
        }
    } else if (s_less(t->s[0], t->id[0], s, id)) {
        t->s[0] = s;
        t->id[0] = id;
        s_sift_down(t, 0);
    }
}

/* Pop everything into ids/scores, best first. */
static size_t s_topk_drain(ix_topk *t, int64_t *ids, float *scores)
{
    size_t n = t->n;
    while (t->n > 0) {
        size_t i = --t->n;
        ids[i] = t->id[0];
        scores[i] = t->s[0];
        t->s[0] = t->s[i];
        t->id[0] = t->id[i];
        s_sift_down(t, 0);
    }
    return n;
}

/* ---- exact scans (caller holds rw shared) ------------------------------ */

/* A search's filter in either form (at most one of one/batch is set). */
typedef struct {
    bole_index_filter_fn one;
    bole_index_filter_batch_fn batch;
    void *ctx;
} ix_filter;

static int s_keep(const ix_filter *f, int64_t id)
{
    if (f->one != NULL)
        return f->one(f->ctx, id);
    if (f->batch != NULL) {
        uint8_t keep = 0;
        f->batch(f->ctx, &id, 1, &keep);
        return keep;
    }
    return 1;
}

static inline void s_consider(ix_topk *t, float s, int64_t id, const ix_filter *f)
{
    if (s_topk_wants(t, s) && s_keep(f, id))
        s_topk_push(t, s, id);
}

static void s_scan_all(const bole_index_t *ix, const float *q, ix_topk *t, const ix_filter *f)
{
    float ip[IX_BLOCK];
    for (uint32_t base = 0; base < ix->nslots; base += IX_BLOCK) {
        uint32_t n = ix->nslots - base < IX_BLOCK ? ix->nslots - base : IX_BLOCK;
        /* Blocks never straddle chunks: IX_CHUNK_SLOTS % IX_BLOCK == 0. */
        faiss_fvec_inner_products_ny(ip, q, s_vec(ix, base), (size_t)ix->d, n);
        const ix_chunk *c = s_chunk(ix, base);
        uint32_t off = base & (IX_CHUNK_SLOTS - 1);
        for (uint32_t j = 0; j < n; j++) {
            uint8_t st = c->state[off + j];
            if (st == S_DELTA || st == S_ANN)
                s_consider(t, ip[j], c->id[off + j], f);
        }
    }
}

static void s_scan_delta(const bole_index_t *ix, const float *q, ix_topk *t, const ix_filter *f)
{
    for (size_t i = 0; i < ix->ndelta; i++) {
        uint32_t slot = ix->delta[i];
        s_consider(t, s_dot(q, s_vec(ix, slot), ix->d), *s_id(ix, slot), f);
    }
}

static int s_nprobe(const bole_index_t *ix);

static int s_use_ann(const bole_index_t *ix)
{
    if (ix->ann == NULL || ix->o.kind == BOLE_INDEX_FLAT)
        return 0;
    if (ix->o.kind == BOLE_INDEX_AUTO && ix->live < ix->o.exact_threshold)
        return 0;
    return 1;
}

/* ---- public: lifecycle ------------------------------------------------- */

void bole_index_default_options(bole_index_options_t *o)
{
    o->kind = BOLE_INDEX_AUTO;
    o->exact_threshold = 50000;
    o->hnsw_m = 32;
    o->ef_search = 128;
    o->ivf_nlist = 1024;
    o->nprobe = 0;
    o->recall_target = 0.98;
}

int bole_index_new(bole_index_t **out, int dim, const bole_index_options_t *o,
                   char *err, size_t errlen)
{
    if (out == NULL) {
        s_err(err, errlen, "index: out is NULL");
        return -1;
    }
    *out = NULL;
    bole_index_options_t opt;
    if (o != NULL)
        opt = *o;
    else
        bole_index_default_options(&opt);
    if (dim < 1 || dim > IX_MAX_DIM) {
        s_err(err, errlen, "index: dimension %d out of range 1..%d", dim, IX_MAX_DIM);
        return -1;
    }
    if ((int)opt.kind < BOLE_INDEX_AUTO || (int)opt.kind > BOLE_INDEX_IVF) {
        s_err(err, errlen, "index: unknown kind %d", (int)opt.kind);
        return -1;
    }
    if (opt.hnsw_m < 4 || opt.hnsw_m > 256 || opt.ef_search < 1 || opt.ivf_nlist < 1
        || opt.ivf_nlist > 65536 || opt.nprobe < 0 || !(opt.recall_target > 0.0)
        || !(opt.recall_target <= 1.0)) {
        s_err(err, errlen, "index: options out of range (hnsw_m 4..256, ef_search >= 1, "
              "ivf_nlist 1..65536, nprobe >= 0, 0 < recall_target <= 1)");
        return -1;
    }
    bole_index_t *ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        goto oom;
    ix->chunks = calloc(IX_MAX_CHUNKS, sizeof *ix->chunks);
    if (ix->chunks == NULL) {
        free(ix);
        goto oom;
    }
    ix->d = dim;
    ix->o = opt;
    ix->hnsw_ef = opt.ef_search;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ix->rw, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&ix->wmu, NULL);
    *out = ix;
    return 0;
oom:
    s_err(err, errlen, "index: out of memory");
    return -1;
}

void bole_index_destroy(bole_index_t **index)
{
    if (index == NULL || *index == NULL)
        return;
    bole_index_t *ix = *index;
    for (uint32_t c = 0; c < ix->nchunks; c++) {
        free(ix->chunks[c].vec);
        free(ix->chunks[c].id);
        free(ix->chunks[c].state);
        free(ix->chunks[c].aux);
    }
    free(ix->chunks);
    free(ix->freelist);
    free(ix->delta);
    s_map_free(&ix->map);
    if (ix->ann != NULL)
        faiss_Index_free(ix->ann);
    free(ix->hnsw_slot);
    pthread_rwlock_destroy(&ix->rw);
    pthread_mutex_destroy(&ix->wmu);
    free(ix);
    *index = NULL;
}

/* ---- public: writes ---------------------------------------------------- */

static int s_merge_delta_ivf(bole_index_t *ix, char *err, size_t errlen);

int bole_index_upsert(bole_index_t *ix, int64_t id, const float *vec, char *err,
                      size_t errlen)
{
    return bole_index_upsert_batch(ix, 1, &id, vec, err, errlen);
}

int bole_index_upsert_batch(bole_index_t *ix, size_t n, const int64_t *ids,
                            const float *vecs, char *err, size_t errlen)
{
    if (ix == NULL || (n > 0 && (ids == NULL || vecs == NULL))) {
        s_err(err, errlen, "index: NULL argument");
        return -1;
    }
    size_t d = (size_t)ix->d;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0) {
            s_err(err, errlen, "index: item %zu: negative id %lld", i, (long long)ids[i]);
            return -1;
        }
        for (size_t j = 0; j < d; j++)
            if (!isfinite(vecs[i * d + j])) {
                s_err(err, errlen, "index: item %zu (id %lld): component %zu is not finite",
                      i, (long long)ids[i], j);
                return -1;
            }
    }
    if (n == 0)
        return 0;
    pthread_mutex_lock(&ix->wmu);
    if (s_map_reserve(ix, n) != 0 || s_slots_reserve(ix, n) != 0) {
        pthread_mutex_unlock(&ix->wmu);
        s_err(err, errlen, "index: out of memory (or more than 2^30 slots) for %zu vectors", n);
        return -1;
    }
    pthread_rwlock_wrlock(&ix->rw);
    for (size_t i = 0; i < n; i++) {
        const float *v = vecs + i * d;
        long found = s_map_get(&ix->map, ids[i]);
        if (found >= 0) {
            uint32_t slot = (uint32_t)found;
            s_touch(ix, slot);
            if (*s_state(ix, slot) == S_DELTA) {
                memcpy(s_vec(ix, slot), v, d * sizeof(float));
                continue;
            }
            /* In the ANN tier: leave a tombstone, the new vector goes to delta. */
            *s_state(ix, slot) = S_TOMB;
            ix->tombs++;
            ix->live--;
        }
        uint32_t slot = s_slot_take(ix);
        memcpy(s_vec(ix, slot), v, d * sizeof(float));
        *s_id(ix, slot) = ids[i];
        *s_state(ix, slot) = S_DELTA;
        s_delta_push(ix, slot);
        s_map_put(&ix->map, ids[i], slot);
        ix->live++;
    }
    pthread_rwlock_unlock(&ix->rw);
    int rc = 0;
    if (ix->ann_kind == ANN_IVF && ix->ndelta >= IX_DELTA_MERGE)
        rc = s_merge_delta_ivf(ix, err, errlen);
    pthread_mutex_unlock(&ix->wmu);
    /* A failed merge leaves the vectors in the (exact) delta tier: the
     * upsert itself succeeded and stays visible, so report success. */
    (void)rc;
    return 0;
}

int bole_index_remove(bole_index_t *ix, int64_t id)
{
    if (ix == NULL)
        return 1;
    pthread_mutex_lock(&ix->wmu);
    long found = s_map_get(&ix->map, id);
    if (found < 0 || s_free_reserve(ix, 1) != 0) {
        pthread_mutex_unlock(&ix->wmu);
        return 1;
    }
    uint32_t slot = (uint32_t)found;
    s_touch(ix, slot);
    pthread_rwlock_wrlock(&ix->rw);
    if (*s_state(ix, slot) == S_DELTA) {
        s_delta_drop(ix, slot);
        *s_state(ix, slot) = S_FREE;
        ix->freelist[ix->nfree++] = slot;
    } else {
        *s_state(ix, slot) = S_TOMB;
        ix->tombs++;
    }
    s_map_del(&ix->map, id);
    ix->live--;
    pthread_rwlock_unlock(&ix->rw);
    pthread_mutex_unlock(&ix->wmu);
    return 0;
}

/* ---- public: reads ----------------------------------------------------- */

size_t bole_index_size(const bole_index_t *ix)
{
    if (ix == NULL)
        return 0;
    bole_index_t *m = (bole_index_t *)ix; /* the lock is not logical state */
    pthread_rwlock_rdlock(&m->rw);
    size_t n = ix->live;
    pthread_rwlock_unlock(&m->rw);
    return n;
}

int bole_index_get(const bole_index_t *ix, int64_t id, float *out)
{
    if (ix == NULL || out == NULL)
        return -1;
    bole_index_t *m = (bole_index_t *)ix;
    pthread_rwlock_rdlock(&m->rw);
    long slot = s_map_get(&ix->map, id);
    if (slot >= 0)
        memcpy(out, s_vec(ix, (uint32_t)slot), (size_t)ix->d * sizeof(float));
    pthread_rwlock_unlock(&m->rw);
    return slot >= 0 ? 0 : -1;
}

int bole_index_score_ids(bole_index_t *ix, const float *query, const int64_t *ids,
                         size_t n, float *scores)
{
    if (ix == NULL || query == NULL || (n > 0 && (ids == NULL || scores == NULL)))
        return -1;
    pthread_rwlock_rdlock(&ix->rw);
    for (size_t i = 0; i < n; i++) {
        long slot = s_map_get(&ix->map, ids[i]);
        scores[i] = slot >= 0 ? s_dot(query, s_vec(ix, (uint32_t)slot), ix->d) : -INFINITY;
    }
    pthread_rwlock_unlock(&ix->rw);
    return 0;
}

void bole_index_stats(const bole_index_t *ix, bole_index_stats_t *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    out->kind = "flat";
    if (ix == NULL)
        return;
    bole_index_t *m = (bole_index_t *)ix;
    pthread_rwlock_rdlock(&m->rw);
    out->live = ix->live;
    out->tombstones = ix->tombs;
    out->ann_size = ix->ann_n;
    out->delta_size = ix->ndelta;
    if (s_use_ann(ix))
        out->kind = ix->ann_kind == ANN_IVF ? "ivf" : "hnsw";
    out->nprobe = ix->ann_kind == ANN_IVF ? s_nprobe(ix) : 0;
    out->nlist = ix->ann_kind == ANN_IVF ? ix->nlist : 0;
    out->calib_gen = ix->cal_gen;
    out->calib_nprobe = ix->cal_last_np;
    out->calib_recall = ix->cal_last_recall;
    out->calib_size = ix->cal_n;
    out->calib_queries = ix->cal_last_nq;
    out->calib_ms = ix->cal_last_ms;
    pthread_rwlock_unlock(&m->rw);
}

int bole_index_set_nprobe(bole_index_t *ix, int nprobe)
{
    if (ix == NULL || nprobe < 0)
        return -1;
    pthread_rwlock_wrlock(&ix->rw);
    ix->o.nprobe = nprobe;
    pthread_rwlock_unlock(&ix->rw);
    return 0;
}

void bole_index_ivf_balance(const bole_index_t *ix, size_t *nlist, size_t *max_len,
                            double *imbalance)
{
    *nlist = 0;
    *max_len = 0;
    *imbalance = 0;
    if (ix == NULL)
        return;
    bole_index_t *m = (bole_index_t *)ix;
    pthread_rwlock_rdlock(&m->rw);
    size_t *len = ix->ann_kind == ANN_IVF && ix->nlist > 0
                      ? calloc((size_t)ix->nlist, sizeof *len) : NULL;
    if (len != NULL) {
        size_t total = 0;
        for (uint32_t s = 0; s < ix->nslots; s++) {
            uint8_t st = *s_state(ix, s);
            int32_t l = *s_aux(ix, s);
            if ((st == S_ANN || st == S_TOMB) && l >= 0 && l < ix->nlist) {
                len[l]++;
                total++;
            }
        }
        double sq = 0;
        for (int l = 0; l < ix->nlist; l++) {
            sq += (double)len[l] * (double)len[l];
            if (len[l] > *max_len)
                *max_len = len[l];
        }
        *nlist = (size_t)ix->nlist;
        *imbalance = total > 0 ? (double)ix->nlist * sq / ((double)total * (double)total) : 0;
    }
    pthread_rwlock_unlock(&m->rw);
    free(len);
}

/* Raise HNSW efSearch to at least ef (exclusive lock: FAISS reads it
 * unsynchronised during searches). efSearch only grows. */
static int s_hnsw_raise_ef(bole_index_t *ix, int ef)
{
    int rc = 0;
    pthread_rwlock_wrlock(&ix->rw);
    if (ix->ann_kind == ANN_HNSW && ix->hnsw_ef < ef) {
        FaissParameterSpace *ps = NULL;
        rc = faiss_ParameterSpace_new(&ps);
        if (rc == 0)
            rc = faiss_ParameterSpace_set_index_parameter(ps, ix->ann, "efSearch", (double)ef);
        if (ps != NULL)
            faiss_ParameterSpace_free(ps);
        if (rc == 0)
            ix->hnsw_ef = ef;
    }
    pthread_rwlock_unlock(&ix->rw);
    return rc == 0 ? 0 : -1;
}

/* Per-query IVF probe count before any filter adjustment: the fixed
 * nprobe, else the tier's calibrated one, else IX_NPROBE_UNCAL; capped at
 * the tier's list count. */
static int s_nprobe(const bole_index_t *ix)
{
    int np = ix->o.nprobe > 0 ? ix->o.nprobe
           : ix->cal_nprobe > 0 ? ix->cal_nprobe : IX_NPROBE_UNCAL;
    return np < ix->nlist ? np : (ix->nlist > 0 ? ix->nlist : 1);
}

/* One ANN query for kk candidates; IVF probes np lists (per query: the
 * coarse assignment is done here and padded with -1, which FAISS skips, so
 * no shared nprobe is ever written while readers run). */
static int s_ann_search(const bole_index_t *ix, const float *q, int np, size_t kk,
                        float *dist, idx_t *lab)
{
    if (ix->ann_kind == ANN_HNSW)
        return faiss_Index_search(ix->ann, 1, q, (idx_t)kk, dist, lab);
    if (np > ix->nlist)
        np = ix->nlist;
    idx_t *keys = malloc((size_t)ix->nlist * sizeof *keys);
    float *cd = malloc((size_t)ix->nlist * sizeof *cd);
    int rc = -1;
    if (keys != NULL && cd != NULL) {
        FaissIndex *quant = faiss_IndexIVF_quantizer((FaissIndexIVF *)ix->ann);
        rc = faiss_Index_search(quant, 1, q, np, cd, keys);
        for (int i = np; i < ix->nlist; i++) {
            keys[i] = -1;
            cd[i] = -INFINITY;
        }
        if (rc == 0)
            rc = faiss_IndexIVF_search_preassigned((const FaissIndexIVF *)ix->ann, 1, q,
                                                   (idx_t)kk, keys, cd, dist, lab, 0);
    }
    free(keys);
    free(cd);
    return rc;
}

int bole_index_search(bole_index_t *ix, const float *query, size_t k,
                      bole_index_filter_fn filter, void *filter_ctx,
                      int64_t *ids, float *scores, size_t *n_out, int *exact_out)
{
    return bole_index_search_probe(ix, query, k, 0, filter, filter_ctx, ids, scores, n_out,
                                   exact_out);
}

static int s_search(bole_index_t *ix, const float *query, size_t k, int nprobe,
                    const ix_filter *filter, int64_t *ids, float *scores, size_t *n_out,
                    int *exact_out);

int bole_index_search_probe(bole_index_t *ix, const float *query, size_t k, int nprobe,
                            bole_index_filter_fn filter, void *filter_ctx,
                            int64_t *ids, float *scores, size_t *n_out, int *exact_out)
{
    ix_filter f = { .one = filter, .batch = NULL, .ctx = filter_ctx };
    return s_search(ix, query, k, nprobe, &f, ids, scores, n_out, exact_out);
}

int bole_index_search_batch(bole_index_t *ix, const float *query, size_t k, int nprobe,
                            bole_index_filter_batch_fn filter, void *filter_ctx,
                            int64_t *ids, float *scores, size_t *n_out, int *exact_out)
{
    ix_filter f = { .one = NULL, .batch = filter, .ctx = filter_ctx };
    return s_search(ix, query, k, nprobe, &f, ids, scores, n_out, exact_out);
}

static int s_search(bole_index_t *ix, const float *query, size_t k, int nprobe,
                    const ix_filter *filter, int64_t *ids, float *scores, size_t *n_out,
                    int *exact_out)
{
    if (n_out != NULL)
        *n_out = 0;
    if (exact_out != NULL)
        *exact_out = 0;
    if (ix == NULL || query == NULL || n_out == NULL
        || (k > 0 && (ids == NULL || scores == NULL)))
        return -1;
    if (k == 0)
        return 0;
    if (k > (size_t)1 << 30)
        k = (size_t)1 << 30;

    ix_topk t = { .k = k, .n = 0, .s = NULL, .id = NULL };
    ix_topk dt = { .k = k, .n = 0, .s = NULL, .id = NULL };
    float *dist = NULL;
    idx_t *lab = NULL;
    uint32_t *hit_slot = NULL;  /* This attempt's live ANN hits ... */
    float *hit_dist = NULL;
    int64_t *hit_id = NULL;
    uint8_t *hit_keep = NULL;   /* ... and the filter's verdicts. */
    size_t labcap = 0;
    int rc = 0, exact = 0;
    t.s = malloc(k * sizeof *t.s);
    t.id = malloc(k * sizeof *t.id);
    dt.s = malloc(k * sizeof *dt.s);
    dt.id = malloc(k * sizeof *dt.id);
    if (!t.s || !t.id || !dt.s || !dt.id) {
        rc = -1;
        goto out;
    }

restart:
    pthread_rwlock_rdlock(&ix->rw);
    t.n = 0;
    dt.n = 0;
    if (!s_use_ann(ix)) {
        s_scan_all(ix, query, &t, filter);
        exact = 1;
        goto unlock;
    }
    /* Exact over the delta tier once; the ANN tier adds to a copy of it. */
    s_scan_delta(ix, query, &dt, filter);
    size_t ann_live = ix->ann_n - ix->tombs; /* tombstones are all in ann */
    double alive = ann_live > 0 ? (double)ann_live / (double)ix->ann_n : 1.0;
    if (alive < 0.05)
        alive = 0.05;
    size_t kk = (size_t)((double)k / alive * 1.1) + 8;
    /* This call's base probe count (read under the lock: nlist may change). */
    int np_base = s_nprobe(ix);
    if (nprobe > 0)
        np_base = nprobe < ix->nlist ? nprobe : (ix->nlist > 0 ? ix->nlist : 1);
    int np = np_base;
    int np_max = ix->ann_kind == ANN_IVF ? (ix->nlist / 4 > np ? ix->nlist / 4 : np) : 0;
    for (int attempt = 0;; attempt++) {
        if (kk > ix->ann_n)
            kk = ix->ann_n;
        if (attempt >= IX_MAX_ATTEMPTS || kk == 0 || np > np_max
            || (ix->ann_kind == ANN_HNSW && kk > IX_HNSW_MAX_FETCH)) {
            t.n = 0;
            s_scan_all(ix, query, &t, filter);
            exact = 1;
            break;
        }
        if (ix->ann_kind == ANN_HNSW && (size_t)ix->hnsw_ef < kk) {
            pthread_rwlock_unlock(&ix->rw);
            if (s_hnsw_raise_ef(ix, (int)kk) != 0) {
                rc = -1;
                goto out;
            }
            goto restart;
        }
        if (kk > labcap) {
            free(dist);
            free(lab);
            free(hit_slot);
            free(hit_dist);
            free(hit_id);
            free(hit_keep);
            dist = malloc(kk * sizeof *dist);
            lab = malloc(kk * sizeof *lab);
            hit_slot = malloc(kk * sizeof *hit_slot);
            hit_dist = malloc(kk * sizeof *hit_dist);
            hit_id = malloc(kk * sizeof *hit_id);
            hit_keep = malloc(kk * sizeof *hit_keep);
            if (dist == NULL || lab == NULL || hit_slot == NULL || hit_dist == NULL
                || hit_id == NULL || hit_keep == NULL) {
                labcap = 0;
                rc = -1;
                goto unlock;
            }
            labcap = kk;
        }
        if (s_ann_search(ix, query, np, kk, dist, lab) != 0) {
            rc = -1;
            goto unlock;
        }
        /* Start from the delta hits, add live ANN hits (exact rescoring).
         * The filter is asked about every live candidate so that its pass
         * rate can steer the next attempt, all of them in one batch: its
         * record look-ups are cache misses that overlap when issued
         * together (docs/BENCHMARKS.md, 29 Nov). */
        t.n = dt.n;
        memcpy(t.s, dt.s, dt.n * sizeof *t.s);
        memcpy(t.id, dt.id, dt.n * sizeof *t.id);
        size_t got = 0, seen = 0, pass = 0;
        for (size_t i = 0; i < kk; i++) {
            if (lab[i] < 0)
                break;
            got++;
            uint32_t slot = ix->ann_kind == ANN_HNSW ? ix->hnsw_slot[lab[i]] : (uint32_t)lab[i];
            if (*s_state(ix, slot) != S_ANN)
                continue;
            hit_slot[seen] = slot;
            hit_dist[seen] = dist[i];
            hit_id[seen++] = *s_id(ix, slot);
        }
        if (filter->batch != NULL) {
            filter->batch(filter->ctx, hit_id, seen, hit_keep);
        } else {
            for (size_t j = 0; j < seen; j++)
                hit_keep[j] = filter->one == NULL || filter->one(filter->ctx, hit_id[j]);
        }
        /* IVF-Flat holds a verbatim copy of each S_ANN slot's vector and
         * scores it with the same FAISS kernel as s_dot, so its distance is
         * the exact score; HNSW's are rescored. */
        int rescore = ix->ann_kind != ANN_IVF;
        for (size_t j = 0; j < seen; j++) {
            if (rescore && j + IX_PREFETCH_AHEAD < seen)
                __builtin_prefetch(s_vec(ix, hit_slot[j + IX_PREFETCH_AHEAD]));
            if (!hit_keep[j])
                continue;
            pass++;
            float s = rescore ? s_dot(query, s_vec(ix, hit_slot[j]), ix->d) : hit_dist[j];
            if (s_topk_wants(&t, s))
                s_topk_push(&t, s, hit_id[j]);
        }
        /* With a filter passing a fraction p, probe 1/p more lists so the
         * passing vectors examined match the unfiltered case (recall);
         * past a quarter of the lists an exact scan is as cheap. */
        double p = seen > 0 ? (double)(pass > 0 ? pass : 1) / (double)seen : 1.0;
        int np_want = np;
        if (ix->ann_kind == ANN_IVF && p < 0.5)
            np_want = (int)((double)np_base / p) + 1;
        if (t.n >= k && np_want <= np)
            break;
        if (np_want > np) {
            np = np_want;
        } else if (got < kk) {
            /* The probed lists are exhausted: widen the probe. */
            np *= 2;
            if (ix->ann_kind == ANN_HNSW) {
                attempt = IX_MAX_ATTEMPTS;
                continue;
            }
        }
        size_t want = (size_t)((double)k / (p * alive) * 1.5) + 16;
        if (t.n < k && want < kk * 2)
            want = kk * 2;
        if (want > kk)
            kk = want;
    }
unlock:
    pthread_rwlock_unlock(&ix->rw);
    if (rc == 0)
        *n_out = s_topk_drain(&t, ids, scores);
out:
    if (exact_out != NULL)
        *exact_out = exact;
    free(t.s);
    free(t.id);
    free(dt.s);
    free(dt.id);
    free(dist);
    free(lab);
    free(hit_slot);
    free(hit_dist);
    free(hit_id);
    free(hit_keep);
    return rc;
}

/* ---- ANN tier: build, merge, purge (caller holds wmu) ------------------- */

/* Live slots (S_DELTA and S_ANN) in slot order. */
static uint32_t *s_collect_live(const bole_index_t *ix, size_t *n_out)
{
    uint32_t *slots = malloc((ix->live ? ix->live : 1) * sizeof *slots);
    size_t n = 0;
    if (slots == NULL)
        return NULL;
    for (uint32_t s = 0; s < ix->nslots && n < ix->live; s++) {
        uint8_t st = *s_state(ix, s);
        if (st == S_DELTA || st == S_ANN)
            slots[n++] = s;
    }
    *n_out = n;
    return slots;
}

static void s_gather(const bole_index_t *ix, const uint32_t *slots, size_t n, float *buf)
{
    size_t d = (size_t)ix->d;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * d, s_vec(ix, slots[i]), d * sizeof(float));
}

static int s_ivf_new(FaissIndex **out, int d, int nlist, int nprobe, const float *centroids)
{
    FaissIndexFlatIP *q = NULL;
    FaissIndexIVFFlat *ivf = NULL;
    *out = NULL;
    if (faiss_IndexFlatIP_new_with(&q, d) != 0)
        return -1;
    if (centroids != NULL && faiss_Index_add((FaissIndex *)q, nlist, centroids) != 0) {
        faiss_Index_free((FaissIndex *)q);
        return -1;
    }
    if (faiss_IndexIVFFlat_new_with_metric(&ivf, (FaissIndex *)q, (size_t)d, (size_t)nlist,
                                           METRIC_INNER_PRODUCT) != 0) {
        faiss_Index_free((FaissIndex *)q);
        return -1;
    }
    faiss_IndexIVFFlat_set_own_fields(ivf, 1);
    (void)nprobe;
    /* Queries pass their own probe lists (s_ann_search); allow all. */
    faiss_IndexIVFFlat_set_nprobe(ivf, (size_t)nlist);
    *out = (FaissIndex *)ivf;
    return 0;
}

/* Merge the delta tier into the IVF tier. The centroid assignment runs with
 * only wmu held; the exclusive lock covers FAISS's list appends. */
static int s_merge_delta_ivf(bole_index_t *ix, char *err, size_t errlen)
{
    size_t n = ix->ndelta, d = (size_t)ix->d;
    if (n == 0)
        return 0;
    uint32_t *slots = malloc(n * sizeof *slots);
    float *buf = malloc(n * d * sizeof(float));
    idx_t *asg = malloc(n * sizeof *asg);
    idx_t *xid = malloc(n * sizeof *xid);
    int rc = -1;
    if (!slots || !buf || !asg || !xid) {
        s_err(err, errlen, "index: out of memory merging %zu vectors", n);
        goto out;
    }
    memcpy(slots, ix->delta, n * sizeof *slots);
    s_gather(ix, slots, n, buf);
    for (size_t i = 0; i < n; i++)
        xid[i] = (idx_t)slots[i];
    FaissIndex *quant = faiss_IndexIVF_quantizer((FaissIndexIVF *)ix->ann);
    if (faiss_Index_assign(quant, (idx_t)n, buf, asg, 1) != 0) {
        s_err(err, errlen, "index: IVF assign: %s", s_faiss_err());
        goto out;
    }
    pthread_rwlock_wrlock(&ix->rw);
    if (faiss_IndexIVFFlat_add_core((FaissIndexIVFFlat *)ix->ann, (idx_t)n, buf, xid, asg) != 0) {
        pthread_rwlock_unlock(&ix->rw);
        s_err(err, errlen, "index: IVF add: %s", s_faiss_err());
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        *s_state(ix, slots[i]) = S_ANN;
        *s_aux(ix, slots[i]) = (int32_t)asg[i];
    }
    ix->ndelta = 0;
    ix->ann_n += n;
    pthread_rwlock_unlock(&ix->rw);
    rc = 0;
out:
    free(slots);
    free(buf);
    free(asg);
    free(xid);
    return rc;
}

/* Install a freshly built ANN tier holding exactly slots[0..n): they become
 * S_ANN, every old tombstone is freed, the delta tier empties. */
static int s_install(bole_index_t *ix, int kind, FaissIndex *ann, int nlist,
                     uint32_t *slots, size_t n, const int32_t *lists)
{
    size_t ntomb = 0;
    for (uint32_t s = 0; s < ix->nslots; s++)
        if (*s_state(ix, s) == S_TOMB)
            ntomb++;
    if (s_free_reserve(ix, ntomb) != 0)
        return -1;
    pthread_rwlock_wrlock(&ix->rw);
    FaissIndex *old = ix->ann;
    uint32_t *old_map = ix->hnsw_slot;
    for (uint32_t s = 0; s < ix->nslots; s++)
        if (*s_state(ix, s) == S_TOMB) {
            *s_state(ix, s) = S_FREE;
            ix->freelist[ix->nfree++] = s;
        }
    for (size_t i = 0; i < n; i++) {
        *s_state(ix, slots[i]) = S_ANN;
        *s_aux(ix, slots[i]) = lists != NULL ? lists[i] : -1;
    }
    ix->ndelta = 0;
    ix->tombs = 0;
    ix->ann = ann;
    ix->ann_kind = kind;
    ix->ann_n = n;
    ix->nlist = nlist;
    ix->cal_nprobe = 0;
    ix->hnsw_slot = kind == ANN_HNSW ? slots : NULL;
    if (kind == ANN_HNSW)
        ix->hnsw_ef = ix->o.ef_search;
    pthread_rwlock_unlock(&ix->rw);
    if (old != NULL)
        faiss_Index_free(old);
    free(old_map);
    if (kind != ANN_HNSW)
        free(slots);
    return 0;
}

/* Lists for an IVF tier over `live` vectors: the power of two nearest
 * 4 * sqrt(live) (lists of ~sqrt(N)/4 vectors: probing costs per list are
 * small next to the quantizer's nlist dot products), at most the
 * configured ivf_nlist. maintain() retrains when this doubles, i.e. after
 * ~4x growth. Measured choice: docs/INDEX.md. */
static int s_auto_nlist(const bole_index_t *ix, size_t live)
{
    double want = 4.0 * sqrt((double)live);
    int nlist = 1;
    while (nlist < ix->o.ivf_nlist && (double)nlist * 1.4142 < want)
        nlist *= 2;
    return nlist < ix->o.ivf_nlist ? nlist : ix->o.ivf_nlist;
}

/* Fill a trained, private IVF tier with every live vector and install it
 * (caller holds wmu). Centroid assignment of the whole set takes tens of
 * seconds at a million vectors, so it runs in batches with wmu released
 * (writers proceed; searches keep using the old tier or the exact scan).
 * Slots changed meanwhile are flagged by s_touch(); at install their stale
 * entries in the new tier become tombstones (a live one moves to a fresh
 * delta slot), vectors added meanwhile form the new delta tier. Returns 0
 * with ivf owned by the index, or -1 with ivf still the caller's. */
static int s_ivf_fill_install(bole_index_t *ix, FaissIndex *ivf, int nlist)
{
    const size_t B = 16384, d = (size_t)ix->d;
    size_t nl = 0;
    uint32_t *slots = s_collect_live(ix, &nl);
    uint32_t bt_n = ix->nslots;
    int32_t *newlist = malloc((bt_n ? bt_n : 1) * sizeof *newlist);
    uint8_t *bt = calloc(bt_n ? bt_n : 1, 1);
    float *buf = malloc(B * d * sizeof(float));
    idx_t *asg = malloc(B * sizeof *asg), *xid = malloc(B * sizeof *xid);
    uint32_t *reloc = NULL;
    int rc = (slots && newlist && bt && buf && asg && xid) ? 0 : -1;
    if (rc == 0) {
        for (uint32_t i = 0; i < bt_n; i++)
            newlist[i] = -1;
        ix->bt = bt;
        ix->bt_n = bt_n;
        ix->building = 1;
    }
    FaissIndex *quant = faiss_IndexIVF_quantizer((FaissIndexIVF *)ivf);
    for (size_t at = 0; rc == 0 && at < nl; at += B) {
        size_t m = nl - at < B ? nl - at : B;
        s_gather(ix, slots + at, m, buf); /* under wmu: a consistent copy */
        pthread_mutex_unlock(&ix->wmu);
        for (size_t i = 0; i < m; i++)
            xid[i] = (idx_t)slots[at + i];
        if (faiss_Index_assign(quant, (idx_t)m, buf, asg, 1) != 0
            || faiss_IndexIVFFlat_add_core((FaissIndexIVFFlat *)ivf, (idx_t)m, buf, xid, asg) != 0)
            rc = -1;
        pthread_mutex_lock(&ix->wmu);
        for (size_t i = 0; rc == 0 && i < m; i++)
            newlist[slots[at + i]] = (int32_t)asg[i];
    }
    ix->bt = NULL;
    ix->bt_n = 0;
    ix->building = 0;
    /* Reserve what the install needs (these take rw themselves). */
    size_t nreloc = 0, nfreed = 0;
    for (uint32_t s = 0; rc == 0 && s < bt_n; s++) {
        if (newlist[s] < 0 || !bt[s])
            continue;
        uint8_t st = *s_state(ix, s);
        if (st == S_DELTA || st == S_ANN)
            nreloc++;
        else if (st == S_FREE)
            nfreed++;
    }
    if (rc == 0 && nreloc > 0)
        reloc = malloc(nreloc * sizeof *reloc);
    if (rc == 0 && ((nreloc > 0 && reloc == NULL) || s_slots_reserve(ix, nreloc + nfreed) != 0
                    || s_free_reserve(ix, (size_t)ix->nslots + nreloc + nfreed) != 0))
        rc = -1;
    if (rc == 0 && ix->live + nreloc > ix->deltacap) {
        pthread_rwlock_wrlock(&ix->rw);
        uint32_t *nd = realloc(ix->delta, (ix->live + nreloc) * sizeof *nd);
        if (nd != NULL) {
            ix->delta = nd;
            ix->deltacap = ix->live + nreloc;
        }
        pthread_rwlock_unlock(&ix->rw);
        if (nd == NULL)
            rc = -1;
    }
    if (rc == 0) {
        pthread_rwlock_wrlock(&ix->rw);
        FaissIndex *old = ix->ann;
        size_t ntomb = 0, nr = 0;
        for (uint32_t s = 0; s < ix->nslots; s++) {
            uint8_t st = *s_state(ix, s);
            int32_t l = s < bt_n ? newlist[s] : -1;
            if (l >= 0 && !bt[s]) {
                *s_state(ix, s) = S_ANN;          /* untouched: in the new tier */
                *s_aux(ix, s) = l;
            } else if (l >= 0) {
                if (st == S_DELTA || st == S_ANN) /* changed: move it out */
                    reloc[nr++] = s;
                else {
                    *s_state(ix, s) = S_TOMB;     /* removed: stale entry */
                    ntomb++;
                }
            } else if (st == S_TOMB) {
                *s_state(ix, s) = S_FREE;         /* only in the old tier */
            } else if (st == S_ANN) {
                *s_state(ix, s) = S_DELTA;        /* added during the build */
            }
        }
        ix->nfree = 0;
        for (uint32_t s = ix->nslots; s-- > 0;)
            if (*s_state(ix, s) == S_FREE)
                ix->freelist[ix->nfree++] = s;
        for (size_t i = 0; i < nr; i++) {
            uint32_t from = reloc[i], to = s_slot_take(ix);
            memcpy(s_vec(ix, to), s_vec(ix, from), d * sizeof(float));
            *s_id(ix, to) = *s_id(ix, from);
            *s_state(ix, to) = S_DELTA;
            s_map_put(&ix->map, *s_id(ix, from), to);
            *s_state(ix, from) = S_TOMB;
            ntomb++;
        }
        ix->ndelta = 0;
        for (uint32_t s = 0; s < ix->nslots; s++)
            if (*s_state(ix, s) == S_DELTA)
                s_delta_push(ix, s);
        ix->tombs = ntomb;
        ix->ann = ivf;
        ix->ann_kind = ANN_IVF;
        ix->ann_n = nl;
        ix->nlist = nlist;
        ix->cal_nprobe = 0; /* a new tier: calibrated next (bole_index_maintain) */
        pthread_rwlock_unlock(&ix->rw);
        if (old != NULL)
            faiss_Index_free(old);
    }
    free(slots);
    free(newlist);
    free(bt);
    free(buf);
    free(asg);
    free(xid);
    free(reloc);
    return rc;
}

/* Train a new IVF tier on a sample and add every live vector to it. The
 * training runs with wmu released (writers proceed; it only reads the
 * sample copy); the build re-collects the live set under wmu. */
static int s_build_ivf(bole_index_t *ix, char *err, size_t errlen)
{
    size_t live = ix->live, d = (size_t)ix->d;
    int nlist = s_auto_nlist(ix, live);
    if ((size_t)nlist > live / 39)
        nlist = (int)(live / 39 > 0 ? live / 39 : 1);
    /* Until a first tier exists every search scans all vectors, and
     * training 1,024 lists takes ~6 s of both cores, so a growing index
     * would serve exact scans of a growing set for that long (a Match cost
     * 5x its CPU during a 100 k import, docs/LIVE.md). The first tier gets
     * at most 256 lists (~0.4 s); maintain() then finds that the size calls
     * for more and builds the full tier while searches use this one. */
    if (ix->ann == NULL && nlist > IX_BOOT_NLIST)
        nlist = IX_BOOT_NLIST;
    size_t ns = (size_t)nlist * IX_TRAIN_PER_LIST;
    if (ns > live)
        ns = live;
    size_t nl = 0;
    uint32_t *all = s_collect_live(ix, &nl);
    float *sample = malloc((ns ? ns : 1) * d * sizeof(float));
    if (all == NULL || sample == NULL) {
        free(all);
        free(sample);
        s_err(err, errlen, "index: out of memory for IVF training");
        return -1;
    }
    if (ns > nl)
        ns = nl;
    for (size_t i = 0; i < ns; i++) /* evenly spaced over the slot order */
        memcpy(sample + i * d, s_vec(ix, all[(size_t)((double)i * (double)nl / (double)ns)]),
               d * sizeof(float));
    free(all);

    ix->building = 1; /* another maintain() must not start a build meanwhile */
    pthread_mutex_unlock(&ix->wmu);
    FaissIndex *ivf = NULL;
    int rc = s_ivf_new(&ivf, ix->d, nlist, ix->o.nprobe, NULL);
    if (rc == 0)
        rc = faiss_Index_train(ivf, (idx_t)ns, sample);
    free(sample);
    pthread_mutex_lock(&ix->wmu);
    ix->building = 0;
    if (rc != 0) {
        s_err(err, errlen, "index: IVF training: %s", s_faiss_err());
        if (ivf != NULL)
            faiss_Index_free(ivf);
        return -1;
    }
    rc = s_ivf_fill_install(ix, ivf, nlist);
    if (rc != 0) {
        s_err(err, errlen, "index: IVF build failed: %s", s_faiss_err());
        faiss_Index_free(ivf);
        return -1;
    }
    return 0;
}

/* Build an HNSW tier from every live vector (wmu held throughout: an HNSW
 * build is minutes at 1 M vectors; see docs/INDEX.md). */
static int s_build_hnsw(bole_index_t *ix, char *err, size_t errlen)
{
    size_t nl = 0;
    uint32_t *slots = s_collect_live(ix, &nl);
    float *buf = slots ? malloc((nl ? nl : 1) * (size_t)ix->d * sizeof(float)) : NULL;
    if (buf == NULL) {
        free(slots);
        s_err(err, errlen, "index: out of memory for HNSW build");
        return -1;
    }
    s_gather(ix, slots, nl, buf);
    char desc[32];
    snprintf(desc, sizeof desc, "HNSW%d", ix->o.hnsw_m);
    FaissIndex *h = NULL;
    FaissParameterSpace *ps = NULL;
    int rc = faiss_index_factory(&h, ix->d, desc, METRIC_INNER_PRODUCT);
    if (rc == 0)
        rc = faiss_Index_add(h, (idx_t)nl, buf);
    if (rc == 0)
        rc = faiss_ParameterSpace_new(&ps);
    if (rc == 0)
        rc = faiss_ParameterSpace_set_index_parameter(ps, h, "efSearch",
                                                      (double)ix->o.ef_search);
    if (ps != NULL)
        faiss_ParameterSpace_free(ps);
    free(buf);
    if (rc != 0 || s_install(ix, ANN_HNSW, h, 0, slots, nl, NULL) != 0) {
        s_err(err, errlen, "index: HNSW build failed: %s", s_faiss_err());
        if (h != NULL)
            faiss_Index_free(h);
        free(slots);
        return -1;
    }
    return 0;
}

/* Remove IVF tombstones with one FAISS pass (exclusive lock; ~ms). */
static int s_purge_ivf(bole_index_t *ix, char *err, size_t errlen)
{
    idx_t *dead = malloc(ix->tombs * sizeof *dead);
    size_t n = 0;
    if (dead == NULL || s_free_reserve(ix, ix->tombs) != 0) {
        free(dead);
        s_err(err, errlen, "index: out of memory purging tombstones");
        return -1;
    }
    for (uint32_t s = 0; s < ix->nslots && n < ix->tombs; s++)
        if (*s_state(ix, s) == S_TOMB)
            dead[n++] = (idx_t)s;
    FaissIDSelectorBatch *sel = NULL;
    if (faiss_IDSelectorBatch_new(&sel, n, dead) != 0) {
        free(dead);
        s_err(err, errlen, "index: %s", s_faiss_err());
        return -1;
    }
    size_t removed = 0;
    pthread_rwlock_wrlock(&ix->rw);
    int rc = faiss_Index_remove_ids(ix->ann, (FaissIDSelector *)sel, &removed);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            *s_state(ix, (uint32_t)dead[i]) = S_FREE;
            ix->freelist[ix->nfree++] = (uint32_t)dead[i];
        }
        ix->ann_n -= removed;
        ix->tombs -= n;
    }
    pthread_rwlock_unlock(&ix->rw);
    faiss_IDSelector_free((FaissIDSelector *)sel);
    free(dead);
    if (rc != 0) {
        s_err(err, errlen, "index: IVF remove_ids: %s", s_faiss_err());
        return -1;
    }
    return 0;
}

/* ---- IVF probe calibration (caller holds wmu) --------------------------- */

/* The probe ladder: 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, ... (steps of 1.33-1.5x). */
static int s_ladder_next(int np)
{
    if (np < 4)
        return np + 1;
    return (np & (np - 1)) == 0 ? np + np / 2 : np + np / 3;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Does the current IVF tier want a (re)calibration? Only with nprobe 0,
 * once per tier and again when its live size has doubled or halved since. */
static int s_cal_due(const bole_index_t *ix)
{
    if (ix->o.nprobe > 0 || ix->ann == NULL || ix->ann_kind != ANN_IVF || ix->building)
        return 0;
    size_t n = ix->ann_n - ix->tombs;
    return ix->cal_nprobe == 0 || n >= 2 * ix->cal_n || 2 * n <= ix->cal_n;
}

/* Pick the tier's probe count from its own data: IX_CAL_QUERIES live vectors
 * of the tier, spread over it, are searched (each with itself left out of
 * both answers) by an exact scan of the tier (BLAS, one pass over the
 * vectors) and by IVF at each ladder step, as the search path does it
 * (k / alive * 1.1 + 8 candidates, tombstones dropped); the first step whose
 * mean recall@K reaches o.recall_target wins (the tier's list count if none
 * does). Holds wmu throughout (mutators wait; searches run, still on the
 * previous probe count), and rw exclusive only to publish. On failure (out
 * of memory, FAISS error) the tier keeps IX_NPROBE_UNCAL until it doubles. */
static int s_calibrate_ivf(bole_index_t *ix, char *err, size_t errlen)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int d = ix->d, nlist = ix->nlist;
    size_t n = ix->ann_n - ix->tombs;
    int nq = n < IX_CAL_QUERIES ? (int)n : IX_CAL_QUERIES;
    size_t K = n - 1 < IX_CAL_K ? n - 1 : IX_CAL_K;
    double alive = ix->ann_n > 0 ? (double)n / (double)ix->ann_n : 1.0;
    if (alive < 0.05)
        alive = 0.05;
    size_t kk = (size_t)((double)(K + 1) / alive * 1.1) + 8;
    if (kk > ix->ann_n)
        kk = ix->ann_n;
    int rc = -1, chosen = nlist, faiss_failed = 0;
    double chosen_recall = 1.0;
    uint32_t *qslot = malloc((size_t)(nq > 0 ? nq : 1) * sizeof *qslot);
    float *q = malloc((size_t)(nq > 0 ? nq : 1) * (size_t)d * sizeof *q);
    float *ip = malloc((size_t)(nq > 0 ? nq : 1) * IX_CAL_TILE * sizeof *ip);
    float *ts = malloc((size_t)(nq > 0 ? nq : 1) * (K ? K : 1) * sizeof *ts);
    int64_t *tid = malloc((size_t)(nq > 0 ? nq : 1) * (K ? K : 1) * sizeof *tid);
    uint32_t *truth = malloc((size_t)(nq > 0 ? nq : 1) * (K ? K : 1) * sizeof *truth);
    size_t *ntruth = calloc((size_t)(nq > 0 ? nq : 1), sizeof *ntruth);
    idx_t *order = malloc((size_t)(nq > 0 ? nq : 1) * (size_t)nlist * sizeof *order);
    idx_t *keys = malloc((size_t)(nq > 0 ? nq : 1) * (size_t)nlist * sizeof *keys);
    float *cd = malloc((size_t)(nq > 0 ? nq : 1) * (size_t)nlist * sizeof *cd);
    float *dist = malloc((size_t)(nq > 0 ? nq : 1) * (kk ? kk : 1) * sizeof *dist);
    idx_t *lab = malloc((size_t)(nq > 0 ? nq : 1) * (kk ? kk : 1) * sizeof *lab);
    if (!qslot || !q || !ip || !ts || !tid || !truth || !ntruth || !order || !keys || !cd
        || !dist || !lab)
        goto out;
    if (nq < 1 || K < 1) {
        chosen = 1; /* nothing to compare: any probe count is exact here */
        rc = 0;
        goto out;
    }

    /* Queries: the r-th live tier entry for r spread over [0, n), jittered. */
    {
        size_t r = 0;
        int i = 0;
        size_t next = (size_t)(s_hash64(0) % (n / (size_t)nq));
        for (uint32_t sl = 0; sl < ix->nslots && i < nq; sl++) {
            if (*s_state(ix, sl) != S_ANN)
                continue;
            if (r++ != next)
                continue;
            qslot[i] = sl;
            memcpy(q + (size_t)i * (size_t)d, s_vec(ix, sl), (size_t)d * sizeof(float));
            i++;
            next = (size_t)i * n / (size_t)nq
                 + (size_t)(s_hash64((uint64_t)i) % (n / (size_t)nq));
        }
        nq = i;
    }

    /* Exact top-K of each query over the tier's live entries. */
    {
        ix_topk *tk = malloc((size_t)nq * sizeof *tk);
        if (tk == NULL)
            goto out;
        for (int i = 0; i < nq; i++)
            tk[i] = (ix_topk){ .k = K, .n = 0, .s = ts + (size_t)i * K, .id = tid + (size_t)i * K };
        const float one = 1.0f, zero = 0.0f;
        for (uint32_t base = 0; base < ix->nslots; base += IX_CAL_TILE) {
            int m = (int)(ix->nslots - base < IX_CAL_TILE ? ix->nslots - base : IX_CAL_TILE);
            const ix_chunk *c = s_chunk(ix, base);
            uint32_t off = base & (IX_CHUNK_SLOTS - 1);
            const uint8_t *stt = c->state + off;
            int any = 0;
            for (int j = 0; j < m && !any; j++)
                any = stt[j] == S_ANN;
            if (!any)
                continue;
            /* ip[i * m + j] = <q_i, x_j> (column-major: x^T q). */
            sgemm_("T", "N", &m, &nq, &d, &one, s_vec(ix, base), &d, q, &d, &zero, ip, &m);
            for (int i = 0; i < nq; i++) {
                const float *row = ip + (size_t)i * (size_t)m;
                for (int j = 0; j < m; j++)
                    if (s_topk_wants(&tk[i], row[j]) && stt[j] == S_ANN
                        && base + (uint32_t)j != qslot[i])
                        s_topk_push(&tk[i], row[j], (int64_t)(base + (uint32_t)j));
            }
        }
        for (int i = 0; i < nq; i++) {
            ntruth[i] = tk[i].n;
            for (size_t j = 0; j < tk[i].n; j++)
                truth[(size_t)i * K + j] = (uint32_t)tk[i].id[j];
            qsort(truth + (size_t)i * K, ntruth[i], sizeof *truth, s_cmp_u32);
        }
        free(tk);
    }

    /* Every list of every query in the quantizer's order, once. */
    faiss_failed = 1;
    FaissIndex *quant = faiss_IndexIVF_quantizer((FaissIndexIVF *)ix->ann);
    if (faiss_Index_search(quant, nq, q, nlist, cd, order) != 0)
        goto out;
    for (int np = 1;; np = s_ladder_next(np)) {
        if (np > nlist)
            np = nlist;
        for (int i = 0; i < nq; i++)
            for (int l = 0; l < nlist; l++)
                keys[(size_t)i * (size_t)nlist + (size_t)l] =
                    l < np ? order[(size_t)i * (size_t)nlist + (size_t)l] : -1;
        if (faiss_IndexIVF_search_preassigned((const FaissIndexIVF *)ix->ann, nq, q, (idx_t)kk,
                                              keys, cd, dist, lab, 0) != 0)
            goto out;
        double rsum = 0;
        for (int i = 0; i < nq; i++) {
            const idx_t *li = lab + (size_t)i * kk;
            const uint32_t *tr = truth + (size_t)i * K;
            size_t taken = 0, hit = 0;
            for (size_t j = 0; j < kk && taken < K; j++) {
                if (li[j] < 0)
                    break;
                uint32_t sl = (uint32_t)li[j];
                if (sl == qslot[i] || *s_state(ix, sl) != S_ANN)
                    continue;
                taken++;
                hit += bsearch(&sl, tr, ntruth[i], sizeof *tr, s_cmp_u32) != NULL;
            }
            rsum += ntruth[i] > 0 ? (double)hit / (double)ntruth[i] : 1.0;
        }
        double recall = rsum / nq;
        if (recall >= ix->o.recall_target || np >= nlist) {
            chosen = np;
            chosen_recall = recall;
            break;
        }
    }
    rc = 0;
out:
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != 0) {
        s_err(err, errlen, "index: nprobe calibration: %s",
              faiss_failed ? s_faiss_err() : "out of memory");
        chosen = IX_NPROBE_UNCAL;
        chosen_recall = 0;
    }
    pthread_rwlock_wrlock(&ix->rw);
    ix->cal_nprobe = chosen;
    ix->cal_n = n;
    ix->cal_gen++;
    ix->cal_last_np = rc == 0 ? chosen : 0;
    ix->cal_last_recall = chosen_recall;
    ix->cal_last_nq = nq;
    ix->cal_last_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3
                    + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    pthread_rwlock_unlock(&ix->rw);
    free(qslot);
    free(q);
    free(ip);
    free(ts);
    free(tid);
    free(truth);
    free(ntruth);
    free(order);
    free(keys);
    free(cd);
    free(dist);
    free(lab);
    return rc;
}

int bole_index_maintain(bole_index_t *ix, char *err, size_t errlen)
{
    if (ix == NULL) {
        s_err(err, errlen, "index: NULL");
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&ix->wmu);
    bole_index_kind_t kind = ix->o.kind;
    int want = kind == BOLE_INDEX_HNSW ? ANN_HNSW
             : (kind == BOLE_INDEX_IVF || kind == BOLE_INDEX_AUTO) ? ANN_IVF : ANN_NONE;
    size_t min = kind == BOLE_INDEX_AUTO ? ix->o.exact_threshold : IX_MIN_ANN;
    if (min < IX_MIN_ANN)
        min = IX_MIN_ANN;
    if (want == ANN_NONE || ix->building || (ix->ann == NULL && ix->live < min))
        goto out;
    if (want == ANN_IVF) {
        int grown = ix->ann != NULL && ix->ann_kind == ANN_IVF
                    && s_auto_nlist(ix, ix->live) >= 2 * ix->nlist;
        if (ix->ann == NULL || ix->ann_kind != ANN_IVF || grown) {
            rc = s_build_ivf(ix, err, errlen);
        } else {
            if (ix->tombs > 0 && (ix->tombs * 20 >= ix->ann_n || ix->tombs >= 65536))
                rc = s_purge_ivf(ix, err, errlen);
            if (rc == 0 && ix->ndelta > 0)
                rc = s_merge_delta_ivf(ix, err, errlen);
        }
        if (rc == 0 && s_cal_due(ix))
            rc = s_calibrate_ivf(ix, err, errlen);
    } else {
        size_t churn = ix->ndelta + ix->tombs;
        if (ix->ann == NULL || ix->ann_kind != ANN_HNSW
            || (churn > 0 && churn * 10 >= ix->ann_n))
            rc = s_build_hnsw(ix, err, errlen);
    }
out:
    pthread_mutex_unlock(&ix->wmu);
    return rc;
}

/* ---- snapshots ---------------------------------------------------------- */
/* File: header | [IVF centroids] | ids[n] | lists[n] | vecs[n*d] | checksum.
 * header = "BOLEIDX1", u32 version, u32 dim, u64 seq, u64 n, u32 ann kind,
 * u32 nlist. All little-endian host order (the file is a local cache).
 * checksum = 64-bit FNV-style hash over every preceding 32-bit word. */

#define IX_MAGIC "BOLEIDX1"
#define IX_VERSION 1u
#define IX_HDR 40

typedef struct {
    FILE *f;
    uint64_t h;
} ix_io;

static void s_hash_words(uint64_t *h, const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t x = *h;
    for (size_t i = 0; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, b + i, 4);
        x = (x ^ w) * 0x100000001b3ULL;
    }
    *h = x;
}

static int s_wr(ix_io *io, const void *p, size_t len)
{
    s_hash_words(&io->h, p, len);
    return fwrite(p, 1, len, io->f) == len ? 0 : -1;
}

static int s_rd(ix_io *io, void *p, size_t len)
{
    if (fread(p, 1, len, io->f) != len)
        return -1;
    s_hash_words(&io->h, p, len);
    return 0;
}

int bole_index_save(bole_index_t *ix, const char *path, uint64_t seq, char *err,
                    size_t errlen)
{
    if (ix == NULL || path == NULL) {
        s_err(err, errlen, "index: NULL argument");
        return -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        s_err(err, errlen, "index: snapshot path too long");
        return -1;
    }
    pthread_mutex_lock(&ix->wmu); /* no mutation while we write */
    size_t n = 0, d = (size_t)ix->d;
    uint32_t *slots = s_collect_live(ix, &n);
    ix_io io = { .f = NULL, .h = 0xcbf29ce484222325ULL };
    int ok = slots != NULL;
    const char *what = "out of memory";
    if (ok) {
        io.f = fopen(tmp, "wb");
        ok = io.f != NULL;
        what = "cannot create";
    }
    float *cent = NULL;
    uint32_t kind = ix->ann_kind == ANN_IVF ? ANN_IVF : ANN_NONE, nlist = 0;
    if (ok && kind == ANN_IVF) {
        FaissIndexFlat *q = faiss_IndexFlat_cast(faiss_IndexIVF_quantizer((FaissIndexIVF *)ix->ann));
        size_t sz = 0;
        if (q != NULL)
            faiss_IndexFlat_xb(q, &cent, &sz);
        if (cent == NULL || sz != (size_t)ix->nlist * d)
            kind = ANN_NONE; /* cannot happen; fall back to a flat snapshot */
        else
            nlist = (uint32_t)ix->nlist;
    }
    if (ok) {
        unsigned char hdr[IX_HDR];
        uint32_t ver = IX_VERSION, dim = (uint32_t)ix->d;
        uint64_t cnt = n;
        memcpy(hdr, IX_MAGIC, 8);
        memcpy(hdr + 8, &ver, 4);
        memcpy(hdr + 12, &dim, 4);
        memcpy(hdr + 16, &seq, 8);
        memcpy(hdr + 24, &cnt, 8);
        memcpy(hdr + 32, &kind, 4);
        memcpy(hdr + 36, &nlist, 4);
        what = "write error on";
        ok = s_wr(&io, hdr, IX_HDR) == 0;
        if (ok && kind == ANN_IVF)
            ok = s_wr(&io, cent, (size_t)nlist * d * sizeof(float)) == 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = s_wr(&io, s_id(ix, slots[i]), sizeof(int64_t)) == 0;
        for (size_t i = 0; ok && i < n; i++) {
            int32_t l = (kind == ANN_IVF && *s_state(ix, slots[i]) == S_ANN) ? *s_aux(ix, slots[i]) : -1;
            ok = s_wr(&io, &l, sizeof l) == 0;
        }
        for (size_t i = 0; ok && i < n; i++)
            ok = s_wr(&io, s_vec(ix, slots[i]), d * sizeof(float)) == 0;
        uint64_t h = io.h;
        if (ok)
            ok = fwrite(&h, 1, sizeof h, io.f) == sizeof h;
        if (ok)
            ok = fflush(io.f) == 0 && fsync(fileno(io.f)) == 0;
    }
    pthread_mutex_unlock(&ix->wmu);
    free(slots);
    if (io.f != NULL && fclose(io.f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        what = "cannot rename onto";
    }
    if (!ok) {
        int e = errno;
        s_err(err, errlen, "index: snapshot: %s %s: %s", what, io.f ? path : tmp,
              e ? strerror(e) : "failed");
        if (io.f != NULL)
            unlink(tmp);
        return -1;
    }
    /* Make the rename durable. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    return 0;
}

int bole_index_load(bole_index_t **out, const char *path, const bole_index_options_t *o,
                    uint64_t *seq_out, char *err, size_t errlen)
{
    if (out == NULL || path == NULL) {
        s_err(err, errlen, "index: NULL argument");
        return -1;
    }
    *out = NULL;
    ix_io io = { .f = fopen(path, "rb"), .h = 0xcbf29ce484222325ULL };
    if (io.f == NULL) {
        s_err(err, errlen, "index: snapshot %s: %s", path, strerror(errno));
        return -1;
    }
    bole_index_t *ix = NULL;
    float *cent = NULL;
    int32_t *lists = NULL;
    uint32_t *slots = NULL;
    FaissIndex *ivf = NULL;
    const char *why = "truncated";
    unsigned char hdr[IX_HDR];
    uint32_t ver, dim, kind, nlist;
    uint64_t seq, cnt;
    struct stat st;
    if (fstat(fileno(io.f), &st) != 0 || s_rd(&io, hdr, IX_HDR) != 0)
        goto bad;
    memcpy(&ver, hdr + 8, 4);
    memcpy(&dim, hdr + 12, 4);
    memcpy(&seq, hdr + 16, 8);
    memcpy(&cnt, hdr + 24, 8);
    memcpy(&kind, hdr + 32, 4);
    memcpy(&nlist, hdr + 36, 4);
    why = "bad header";
    if (memcmp(hdr, IX_MAGIC, 8) != 0 || ver != IX_VERSION || dim < 1 || dim > IX_MAX_DIM
        || (kind != ANN_NONE && kind != ANN_IVF) || nlist > 65536
        || (kind == ANN_IVF && nlist == 0) || cnt > (uint64_t)IX_MAX_CHUNKS * IX_CHUNK_SLOTS)
        goto bad;
    size_t d = dim, n = (size_t)cnt;
    uint64_t expect = IX_HDR + (uint64_t)nlist * d * 4 + (uint64_t)n * (8 + 4 + d * 4) + 8;
    why = "truncated or wrong size";
    if ((uint64_t)st.st_size != expect)
        goto bad;
    if (bole_index_new(&ix, (int)dim, o, err, errlen) != 0) {
        fclose(io.f);
        return -1;
    }
    why = "out of memory";
    if (s_map_reserve(ix, n) != 0 || s_slots_reserve(ix, n) != 0)
        goto bad;
    if (nlist > 0) {
        cent = malloc((size_t)nlist * d * sizeof(float));
        if (cent == NULL)
            goto bad;
        why = "truncated";
        if (s_rd(&io, cent, (size_t)nlist * d * sizeof(float)) != 0)
            goto bad;
    }
    lists = malloc((n ? n : 1) * sizeof *lists);
    if (lists == NULL)
        goto bad;
    why = "truncated";
    /* Slots 0..n-1, filled chunk by chunk straight from the file. */
    for (size_t at = 0; at < n; at += IX_CHUNK_SLOTS) {
        size_t m = n - at < IX_CHUNK_SLOTS ? n - at : IX_CHUNK_SLOTS;
        if (s_rd(&io, ix->chunks[at >> IX_CHUNK_SHIFT].id, m * 8) != 0)
            goto bad;
    }
    if (s_rd(&io, lists, n * 4) != 0)
        goto bad;
    for (size_t at = 0; at < n; at += IX_CHUNK_SLOTS) {
        size_t m = n - at < IX_CHUNK_SLOTS ? n - at : IX_CHUNK_SLOTS;
        if (s_rd(&io, ix->chunks[at >> IX_CHUNK_SHIFT].vec, m * d * 4) != 0)
            goto bad;
    }
    uint64_t h = io.h, stored;
    if (fread(&stored, 1, 8, io.f) != 8)
        goto bad;
    why = "checksum mismatch (corrupt)";
    if (stored != h)
        goto bad;
    fclose(io.f);
    io.f = NULL;

    /* Checksummed: now validate the contents and index them. */
    why = "corrupt contents";
    ix->nslots = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)i;
        int64_t id = *s_id(ix, s);
        if (id < 0 || s_map_get(&ix->map, id) >= 0
            || (lists[i] >= 0 && (uint32_t)lists[i] >= nlist) || lists[i] < -1)
            goto bad;
        s_map_put(&ix->map, id, s);
        *s_state(ix, s) = S_DELTA;
        s_delta_push(ix, s);
    }
    ix->live = n;
    int keep_ivf = kind == ANN_IVF && ix->o.kind != BOLE_INDEX_FLAT && ix->o.kind != BOLE_INDEX_HNSW;
    if (keep_ivf) {
        /* Restore the IVF tier from its centroids and recorded lists. */
        size_t na = 0;
        slots = malloc((n ? n : 1) * sizeof *slots);
        int32_t *al = malloc((n ? n : 1) * sizeof *al);
        idx_t *asg = malloc((n ? n : 1) * sizeof *asg);
        why = "out of memory";
        if (slots == NULL || al == NULL || asg == NULL) {
            free(al);
            free(asg);
            goto bad;
        }
        for (size_t i = 0; i < n; i++)
            if (lists[i] >= 0) {
                slots[na] = (uint32_t)i;
                al[na] = lists[i];
                asg[na] = lists[i];
                na++;
            }
        why = "cannot rebuild the IVF tier";
        int rc = s_ivf_new(&ivf, (int)dim, (int)nlist, ix->o.nprobe, cent);
        const size_t B = 16384;
        float *buf = rc == 0 ? malloc(B * d * sizeof(float)) : NULL;
        idx_t *xid = rc == 0 ? malloc(B * sizeof *xid) : NULL;
        if (buf == NULL || xid == NULL)
            rc = -1;
        for (size_t at = 0; rc == 0 && at < na; at += B) {
            size_t m = na - at < B ? na - at : B;
            s_gather(ix, slots + at, m, buf);
            for (size_t i = 0; i < m; i++)
                xid[i] = slots[at + i];
            rc = faiss_IndexIVFFlat_add_core((FaissIndexIVFFlat *)ivf, (idx_t)m, buf, xid, asg + at);
        }
        free(buf);
        free(xid);
        free(asg);
        if (rc != 0) {
            free(al);
            goto bad;
        }
        /* The delta tier keeps only what was not in the IVF tier. */
        ix->ndelta = 0;
        for (size_t i = 0; i < n; i++)
            if (lists[i] < 0)
                s_delta_push(ix, (uint32_t)i);
        for (size_t i = 0; i < na; i++) {
            *s_state(ix, slots[i]) = S_ANN;
            *s_aux(ix, slots[i]) = al[i];
        }
        free(al);
        ix->ann = ivf;
        ivf = NULL;
        ix->ann_kind = ANN_IVF;
        ix->ann_n = na;
        ix->nlist = (int)nlist;
    }
    free(slots);
    free(cent);
    free(lists);
    if (seq_out != NULL)
        *seq_out = seq;
    *out = ix;
    return 0;
bad:
    s_err(err, errlen, "index: snapshot %s: %s", path, why);
    if (io.f != NULL)
        fclose(io.f);
    if (ivf != NULL)
        faiss_Index_free(ivf);
    free(slots);
    free(cent);
    free(lists);
    bole_index_destroy(&ix);
    return -1;
}
