/* bench_embed.h — the daemon's embedding and vector index, in-process, for
 * bole-bench (see bench_embed.c for why this is a separate unit). */
#ifndef BOLE_BENCH_EMBED_H
#define BOLE_BENCH_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "bole.pb-c.h"

typedef struct bench_index bench_index_t;

/* Open the model file; returns its dimension, or -1. */
int bench_model_open(const char *path);
void bench_model_close(void);
/* Embed exactly as the daemon does; 0 or -1. Thread-safe. */
int bench_embed_talent(const Bole__Talent *t, float *out);
int bench_embed_need(const Bole__Need *n, float *out);

/* An index over vecs[n][dim] with ids 0..n-1: the default (AUTO) options, or
 * FLAT (exact) when flat is nonzero; the ANN tier is built before return. */
bench_index_t *bench_index_new(int dim, int flat, const float *vecs, size_t n);
/* The index of a daemon snapshot file (<db>.talents.index), loaded and
 * calibrated as boled does at start-up; NULL with a message on error. */
bench_index_t *bench_index_load(const char *path);
/* Current search tier ("flat", "ivf", "hnsw") and tier sizes. */
const char *bench_index_kind(bench_index_t *ix, size_t *ann, size_t *delta);
/* The IVF probe count searches use now and the index's last calibration
 * (docs/INDEX.md): chosen nprobe, its recall@200 on the tier's own vectors,
 * its duration. All zero without one. */
void bench_index_calib(bench_index_t *ix, int *nprobe, int *calib_nprobe, double *calib_recall,
                       double *calib_ms);
/* Top-k, unfiltered. Thread-safe. */
int bench_index_search(bench_index_t *ix, const float *q, size_t k, int64_t *ids, float *scores,
                       size_t *n_out);
void bench_index_destroy(bench_index_t **ix);

/* Prints recall@k against exact search and single-thread p50/p99 per
 * (nlist, nprobe) for IVF indexes over vecs[n][dim] (ids 0..n-1), queried
 * with queries[nq][dim]; each IVF index is trained on the whole set once. */
void bench_ann_sweep(int dim, const float *vecs, size_t n, const float *queries, size_t nq,
                     size_t k, const int *nlists, size_t n_nlists, const int *nprobes,
                     size_t n_nprobes);

#endif
