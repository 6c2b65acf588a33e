/* bench_embed.c — the in-process half of bole-bench: the daemon's own
 * embedding (embed.h, so the vectors are exactly the daemon's) and its own
 * vector index (index.h). Kept apart from bole-bench.c because the daemon's
 * status.h and the client's client.h both define BOLE_OK. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "bench_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "embed.h"
#include "index.h"
#include "model.h"

static bole_model_t *s_model;

int bench_model_open(const char *path)
{
    char err[256];
    if (bole_model_open(&s_model, path, err, sizeof err) != 0) {
        fprintf(stderr, "model %s: %s\n", path, err);
        return -1;
    }
    return bole_model_dim(s_model);
}

void bench_model_close(void)
{
    bole_model_destroy(&s_model);
}

int bench_embed_talent(const Bole__Talent *t, float *out)
{
    char err[256];
    return bole_embed_talent(s_model, t, out, err, sizeof err) == BOLE_OK ? 0 : -1;
}

int bench_embed_need(const Bole__Need *n, float *out)
{
    char err[256];
    return bole_embed_need(s_model, n, out, err, sizeof err) == BOLE_OK ? 0 : -1;
}

/* Runs maintenance as the daemon's maintainer thread would, until it has
 * nothing left to do: the first IVF tier is a quick one, the next pass
 * builds the tier the size calls for, later passes merge the delta tier. */
static void s_maintain_settled(bole_index_t *ix)
{
    char err[256];
    int nlist = 0;
    for (int i = 0; i < 50; i++) {
        if (bole_index_maintain(ix, err, sizeof err) != 0) {
            fprintf(stderr, "index maintain: %s\n", err);
            return;
        }
        bole_index_stats_t st;
        bole_index_stats(ix, &st);
        int was = nlist;
        nlist = st.nlist;
        if (st.delta_size == 0 && nlist == was)
            return;
    }
}

bench_index_t *bench_index_new(int dim, int flat, const float *vecs, size_t n)
{
    bole_index_options_t o;
    bole_index_default_options(&o);
    if (flat)
        o.kind = BOLE_INDEX_FLAT;
    bole_index_t *ix = NULL;
    char err[256];
    if (bole_index_new(&ix, dim, &o, err, sizeof err) != 0) {
        fprintf(stderr, "index: %s\n", err);
        return NULL;
    }
    enum { B = 10000 };
    int64_t *ids = malloc(B * sizeof *ids);
    for (size_t base = 0; base < n; base += B) {
        size_t m = n - base < B ? n - base : B;
        for (size_t i = 0; i < m; i++)
            ids[i] = (int64_t)(base + i);
        if (bole_index_upsert_batch(ix, m, ids, vecs + base * (size_t)dim, err, sizeof err) != 0) {
            fprintf(stderr, "index: %s\n", err);
            free(ids);
            bole_index_destroy(&ix);
            return NULL;
        }
    }
    free(ids);
    if (!flat && n >= 1000)
        s_maintain_settled(ix);
    return (bench_index_t *)ix;
}

bench_index_t *bench_index_load(const char *path)
{
    bole_index_t *ix = NULL;
    char err[256];
    uint64_t seq = 0;
    if (bole_index_load(&ix, path, NULL, &seq, err, sizeof err) != 0) {
        fprintf(stderr, "index snapshot %s: %s\n", path, err);
        return NULL;
    }
    /* One maintenance pass, as the daemon's maintainer makes after a load:
     * it calibrates the IVF probe count. */
    if (bole_index_maintain(ix, err, sizeof err) != 0)
        fprintf(stderr, "index maintain: %s\n", err);
    return (bench_index_t *)ix;
}

const char *bench_index_kind(bench_index_t *ix, size_t *ann, size_t *delta)
{
    bole_index_stats_t st;
    bole_index_stats((bole_index_t *)ix, &st);
    *ann = st.ann_size;
    *delta = st.delta_size;
    return st.kind;
}

void bench_index_calib(bench_index_t *ix, int *nprobe, int *calib_nprobe, double *calib_recall,
                       double *calib_ms)
{
    bole_index_stats_t st;
    bole_index_stats((bole_index_t *)ix, &st);
    *nprobe = st.nprobe;
    *calib_nprobe = st.calib_nprobe;
    *calib_recall = st.calib_recall;
    *calib_ms = st.calib_ms;
}

int bench_index_search(bench_index_t *ix, const float *q, size_t k, int64_t *ids, float *scores,
                       size_t *n_out)
{
    return bole_index_search((bole_index_t *)ix, q, k, NULL, NULL, ids, scores, n_out, NULL);
}

void bench_index_destroy(bench_index_t **ix)
{
    bole_index_t *p = (bole_index_t *)*ix;
    bole_index_destroy(&p);
    *ix = NULL;
}

/* ---- ANN sweep: recall@k and latency vs nlist / nprobe ------------------ */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void bench_ann_sweep(int dim, const float *vecs, size_t n, const float *queries, size_t nq,
                     size_t k, const int *nlists, size_t n_nlists, const int *nprobes,
                     size_t n_nprobes)
{
    char err[256];
    int64_t *truth = malloc(nq * k * sizeof *truth), *got = malloc(k * sizeof *got);
    size_t *ntruth = malloc(nq * sizeof *ntruth);
    float *sc = malloc(k * sizeof *sc);
    double *lat = malloc(nq * sizeof *lat);
    bench_index_t *flat = bench_index_new(dim, 1, vecs, n);
    if (!truth || !got || !ntruth || !sc || !lat || !flat)
        goto out;
    double t0 = s_now();
    for (size_t q = 0; q < nq; q++)
        bench_index_search(flat, queries + q * (size_t)dim, k, truth + q * k, sc, &ntruth[q]);
    printf("  exact (FLAT) top-%zu: %.2f ms/query\n", k, (s_now() - t0) * 1e3 / (double)nq);
    bench_index_destroy(&flat);
    for (size_t a = 0; a < n_nlists; a++) {
        bole_index_options_t o;
        bole_index_default_options(&o);
        o.kind = BOLE_INDEX_IVF;
        o.ivf_nlist = nlists[a];
        bole_index_t *ix = NULL;
        if (bole_index_new(&ix, dim, &o, err, sizeof err) != 0)
            continue;
        int64_t *ids = malloc(n * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            ids[i] = (int64_t)i;
        bole_index_upsert_batch(ix, n, ids, vecs, err, sizeof err);
        free(ids);
        t0 = s_now();
        s_maintain_settled(ix);
        double build = s_now() - t0;
        size_t nl, maxl;
        double imb;
        bole_index_ivf_balance(ix, &nl, &maxl, &imb);
        printf("  IVF nlist %zu (asked %d): trained+built in %.1f s; longest list %zu "
               "(mean %.0f), imbalance %.2f\n", nl, nlists[a], build, maxl,
               nl ? (double)n / (double)nl : 0.0, imb);
        bole_index_stats_t st;
        bole_index_stats(ix, &st);
        if (st.calib_nprobe > 0)
            printf("    calibrated (target %.2f): nprobe %d, recall@200 %.4f on %d of the "
                   "tier's own vectors, %.0f ms (included above)\n", o.recall_target,
                   st.calib_nprobe, st.calib_recall, st.calib_queries, st.calib_ms);
        for (size_t b = 0; b < n_nprobes; b++) {
            if (nl && (size_t)nprobes[b] > nl)
                continue;
            bole_index_set_nprobe(ix, nprobes[b]);
            double rsum = 0;
            for (size_t q = 0; q < nq; q++) {
                size_t m = 0;
                double s0 = s_now();
                bole_index_search(ix, queries + q * (size_t)dim, k, NULL, NULL, got, sc, &m, NULL);
                lat[q] = (s_now() - s0) * 1e3;
                size_t hit = 0;
                for (size_t i = 0; i < ntruth[q]; i++)
                    for (size_t j = 0; j < m; j++)
                        if (got[j] == truth[q * k + i]) {
                            hit++;
                            break;
                        }
                rsum += ntruth[q] ? (double)hit / (double)ntruth[q] : 1.0;
            }
            qsort(lat, nq, sizeof *lat, s_cmp_double);
            printf("    nprobe %4d: recall@%zu %.4f  p50 %.3f ms  p99 %.3f ms\n", nprobes[b], k,
                   rsum / (double)nq, lat[nq / 2], lat[(size_t)((double)nq * 0.99)]);
        }
        bole_index_destroy(&ix);
    }
out:
    bench_index_destroy(&flat);
    free(truth);
    free(got);
    free(ntruth);
    free(sc);
    free(lat);
}
