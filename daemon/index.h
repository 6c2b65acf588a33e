/* index.h — one vector index per side (talents, needs): exact + ANN search
 * by inner product over L2-normalised vectors, keyed by the store's int64 ids.
 *
 * The index is derived state: everything in it can be rebuilt from the store.
 * It keeps its own contiguous copy of every vector (slot array + id -> slot
 * map), used for exact scans, rebuilds and snapshots, and an optional ANN
 * tier (FAISS IVF-Flat by default, HNSW on request) over most of the
 * vectors. Recent inserts sit in a small exact "delta" tier until merged;
 * deletes and replacements of ANN-resident vectors are tombstones filtered
 * at search time and purged by bole_index_maintain(). Design and measured
 * numbers: docs/INDEX.md.
 *
 * Library-grade: standard headers only, no logging. Every call that can fail
 * returns 0 on success and -1 on failure with a message in err (when err is
 * non-NULL and errlen > 0); a failed call leaves the index unchanged unless
 * its comment says otherwise.
 *
 * Threads: any number of threads may call search, score_ids, get, size and
 * stats concurrently with one another and with mutators (upsert, remove,
 * maintain, save), which are serialised internally. Mutators hold the
 * exclusive lock only for short publish steps, so searches keep running
 * during bulk imports, ANN training and snapshots.
 */
#ifndef BOLE_INDEX_H
#define BOLE_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct bole_index bole_index_t;

typedef enum {
    BOLE_INDEX_AUTO, /* Exact below exact_threshold live vectors, IVF above. */
    BOLE_INDEX_FLAT, /* Always exact (no ANN tier). */
    BOLE_INDEX_HNSW, /* HNSW tier (rebuilt from scratch by maintain()). */
    BOLE_INDEX_IVF   /* IVF-Flat tier (incremental; trained by maintain()). */
} bole_index_kind_t;

typedef struct {
    bole_index_kind_t kind;  /* See above; default AUTO. */
    size_t exact_threshold;  /* AUTO: live vectors below which search is exact
                                and no ANN tier is built (measured: 50,000). */
    int hnsw_m;              /* HNSW graph degree (default 32). */
    int ef_search;           /* HNSW efSearch (default 128; raised to the
                                over-fetch size of a query when needed). */
    int ivf_nlist;           /* Largest IVF list count (default 1024); a tier
                                over N vectors gets the power of two nearest
                                4*sqrt(N), at most this, at most N/39. */
    int nprobe;              /* IVF lists probed per query: 0 (default) =
                                calibrated per tier (below); >= 1 = fixed. */
    double recall_target;    /* nprobe 0: each IVF tier probes the fewest lists
                                (from a ladder 1, 2, 3, 4, 6, 8, 12, 16, ...)
                                whose recall@200 against an exact scan, on a
                                sample of the tier's own vectors as queries,
                                reaches this (default 0.98; 0 < x <= 1). The
                                tier is calibrated when built, after its size
                                has doubled or halved since the last
                                calibration, and after a snapshot load; until
                                then it probes 16. docs/INDEX.md. */
} bole_index_options_t;

/* Fill *o with the defaults above. */
void bole_index_default_options(bole_index_options_t *o);

/* Create an empty index of dimension dim (1..4096). o may be NULL (defaults).
 * On success *out owns the index; on failure *out is NULL. */
int bole_index_new(bole_index_t **out, int dim, const bole_index_options_t *o,
                   char *err, size_t errlen);

/* Free the index and set *index to NULL. NULL and *index == NULL are fine.
 * No other thread may be using the index. */
void bole_index_destroy(bole_index_t **index);

/* Insert or replace the vector of id (id >= 0; dim floats, all finite; the
 * vector is copied). The new vector is visible to searches on return. */
int bole_index_upsert(bole_index_t *ix, int64_t id, const float *vec,
                      char *err, size_t errlen);

/* Insert or replace n vectors (ids[i] -> vecs[i*dim ...]). All or nothing:
 * every item is validated first; on failure nothing changed. A later
 * duplicate id in the batch wins. May merge the delta tier into the IVF
 * tier when it has grown large (a few ms, searches keep running). */
int bole_index_upsert_batch(bole_index_t *ix, size_t n, const int64_t *ids,
                            const float *vecs, char *err, size_t errlen);

/* Remove id: 0 removed, 1 was absent. */
int bole_index_remove(bole_index_t *ix, int64_t id);

/* Live vectors. */
size_t bole_index_size(const bole_index_t *ix);

/* Copy the stored vector of id into out (dim floats): 0, or -1 if absent. */
int bole_index_get(const bole_index_t *ix, int64_t id, float *out);

/* Filter callback: return nonzero to keep id. Called concurrently from
 * search threads, so it must be thread-safe; it must not call back into
 * the index's mutators. */
typedef int (*bole_index_filter_fn)(void *ctx, int64_t id);

/* The same filter for a batch of ids: keep[i] = nonzero to keep ids[i],
 * for i < n. Lets a filter that reads scattered records look them all up
 * before it reads any, so the cache misses overlap (matching.c). The same
 * thread-safety rules apply. */
typedef void (*bole_index_filter_batch_fn)(void *ctx, const int64_t *ids, size_t n,
                                           uint8_t *keep);

/* Top-k by inner product among live vectors passing filter (NULL = all).
 * Writes up to k hits best first into ids/scores (room for k each); *n_out =
 * how many. Scores are exact inner products with the stored vectors. Never
 * returns fewer than k hits while k live vectors pass the filter: the ANN
 * tier is over-fetched adaptively, then an exact scan is used when the
 * filter is selective (for very selective filters prefer score_ids over an
 * attribute index's candidate list). *exact_out (may be NULL) = 1 if the
 * answer came from an exact scan. Returns -1 only on an internal FAISS error
 * or bad arguments. */
int bole_index_search(bole_index_t *ix, const float *query, size_t k,
                      bole_index_filter_fn filter, void *filter_ctx,
                      int64_t *ids, float *scores, size_t *n_out, int *exact_out);

/* bole_index_search probing at most nprobe IVF lists per query before any
 * filter adjustment (0 = the index's nprobe; capped at the tier's list
 * count). For callers that want good candidates rather
 * than the exact top, e.g. team pools (docs/TEAMS.md). The k-hits promise
 * above holds unchanged. */
int bole_index_search_probe(bole_index_t *ix, const float *query, size_t k, int nprobe,
                            bole_index_filter_fn filter, void *filter_ctx,
                            int64_t *ids, float *scores, size_t *n_out, int *exact_out);

/* bole_index_search_probe with the filter in its batch form: the ANN
 * tier's hits of each attempt go to the filter in one call. */
int bole_index_search_batch(bole_index_t *ix, const float *query, size_t k, int nprobe,
                            bole_index_filter_batch_fn filter, void *filter_ctx,
                            int64_t *ids, float *scores, size_t *n_out, int *exact_out);

/* Exact scores for a caller-chosen candidate list: scores[i] =
 * <query, vec(ids[i])>, -INFINITY for absent ids. */
int bole_index_score_ids(bole_index_t *ix, const float *query, const int64_t *ids,
                         size_t n, float *scores);

/* Write the whole index (live vectors, ids, IVF centroids and list
 * assignments) to path atomically (path.tmp + fsync + rename + directory
 * fsync), tagged with the store sequence number seq. Mutators wait while it
 * runs; searches do not. */
int bole_index_save(bole_index_t *ix, const char *path, uint64_t seq,
                    char *err, size_t errlen);

/* Read a snapshot written by bole_index_save(). o may be NULL (defaults).
 * A missing, truncated or corrupt file (checksum, header, sizes) fails with
 * a message and *out = NULL, so the caller can rebuild from the store. An
 * IVF tier is restored without retraining or reassignment; an HNSW tier is
 * rebuilt by the next maintain(). */
int bole_index_load(bole_index_t **out, const char *path, const bole_index_options_t *o,
                    uint64_t *seq_out, char *err, size_t errlen);

/* Background maintenance; call it periodically from one thread (e.g. every
 * second, or after each import batch). It trains/builds the ANN tier once
 * the size crosses the threshold (IVF: training on a sample runs without
 * blocking writers for most of its duration), merges the delta tier into it,
 * purges tombstones after many deletes, and retrains IVF after 16x growth. */
int bole_index_maintain(bole_index_t *ix, char *err, size_t errlen);

typedef struct {
    size_t live;        /* Live vectors. */
    size_t tombstones;  /* Dead entries still in the ANN tier. */
    size_t ann_size;    /* Entries in the ANN tier (live + tombstones). */
    size_t delta_size;  /* Live vectors only in the exact delta tier. */
    const char *kind;   /* "flat", "ivf" or "hnsw" (current search tier). */
    int nprobe;         /* IVF lists a plain search probes now (0 without an
                           IVF tier). */
    int nlist;          /* IVF lists of the current tier (0 without one; the
                           quick first tier has at most 256). */
    unsigned calib_gen; /* Calibrations so far (changes when one finishes). */
    int calib_nprobe;   /* Last calibration: the nprobe it chose (0 = none), */
    double calib_recall;/* its measured recall@200 at that nprobe, */
    size_t calib_size;  /* the tier size it ran on, */
    int calib_queries;  /* its query count, */
    double calib_ms;    /* and its duration (ms; the writer mutex is held). */
} bole_index_stats_t;

void bole_index_stats(const bole_index_t *ix, bole_index_stats_t *out);

/* Change the IVF lists probed per query for later searches: >= 1 fixes it
 * (calibration off), 0 returns to calibration (the next maintain() runs
 * one). Safe while searches run (takes the exclusive lock briefly). 0, or
 * -1 for a bad argument. */
int bole_index_set_nprobe(bole_index_t *ix, int nprobe);

/* IVF list balance of the current tier (an O(slots) scan; for tools and
 * logs, not per request): *nlist lists, *max_len entries in the longest,
 * *imbalance = nlist * sum(len^2) / (sum len)^2 (1.0 = even; the expected
 * cost of probing a list picked in proportion to its size, relative to an
 * even split). All zero without an IVF tier. */
void bole_index_ivf_balance(const bole_index_t *ix, size_t *nlist, size_t *max_len,
                            double *imbalance);

#endif /* BOLE_INDEX_H */
