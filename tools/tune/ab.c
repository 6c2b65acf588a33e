/*
 * ab.c - bole-tune --ab: compares two weights versions that the daemon served
 * side by side (A/B, docs/TUNING.md). Both versions were logged at the same
 * positions to comparable requests (the bucketing is by subject id, not by
 * anything the ranking sees), so the logged rankings can be compared
 * directly: no propensity correction is needed, unlike the off-line
 * comparison of a refit against logs of one version.
 *
 * Per shown request (any outcome reported) and its rows served at positions
 * 1..10: DCG@10 with gains 2^label - 1 and the ideal DCG@10 of its labels,
 * rows shown, clicks (label >= 1) and hires. Per version, NDCG@10 = sum DCG /
 * sum ideal DCG, CTR = clicks / rows, hire rate = hires / rows (ratios of
 * sums, as in the off-line metrics). Intervals: percentile bootstrap over
 * requests, each version resampled on its own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune.h"

#define N_METRICS 3

typedef struct {
    double dcg, idcg, rows, clicks, hires;
} req_stat_t;

static const char *const s_names[N_METRICS] = {"NDCG@10", "click-through top 10",
                                               "hire rate top 10"};

static int s_cmp_desc_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Stats of the shown requests of version v; returns their count (*out malloc'd). */
static size_t s_collect(const tune_data_t *d, int v, req_stat_t **out)
{
    size_t n = 0;
    *out = malloc((d->n_reqs + 1) * sizeof **out);
    if (!*out)
        return 0;
    for (size_t i = 0; i < d->n_reqs; i++) {
        const tune_req_t *q = &d->reqs[i];
        if (q->version != v || !q->shown)
            continue;
        req_stat_t s = {0};
        int labels[TUNE_TOP], nl = 0;
        int *all = malloc((q->n + 1) * sizeof *all);
        if (!all)
            continue;
        for (size_t j = 0; j < q->n; j++) {
            const tune_row_t *r = &d->rows[q->rows[j]];
            all[j] = r->label;
            if (r->pos > TUNE_TOP)
                continue;
            s.dcg += (pow(2, r->label) - 1) / log2(r->pos + 1.0);
            s.rows++;
            s.clicks += r->label >= 1;
            s.hires += r->outcome == 6;
        }
        qsort(all, q->n, sizeof *all, s_cmp_desc_int);
        for (size_t j = 0; j < q->n && nl < TUNE_TOP; j++)
            labels[nl++] = all[j];
        for (int k = 0; k < nl; k++)
            s.idcg += (pow(2, labels[k]) - 1) / log2(k + 2.0);
        free(all);
        (*out)[n++] = s;
    }
    return n;
}

static void s_metrics(const req_stat_t *s, const size_t *pick, size_t n, double m[N_METRICS])
{
    double dcg = 0, idcg = 0, rows = 0, clicks = 0, hires = 0;
    for (size_t i = 0; i < n; i++) {
        const req_stat_t *r = &s[pick ? pick[i] : i];
        dcg += r->dcg;
        idcg += r->idcg;
        rows += r->rows;
        clicks += r->clicks;
        hires += r->hires;
    }
    m[0] = idcg > 0 ? dcg / idcg : 0;
    m[1] = rows > 0 ? clicks / rows : 0;
    m[2] = rows > 0 ? hires / rows : 0;
}

static uint64_t s_rand(uint64_t *st)
{
    uint64_t z = (*st += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int tune_ab(const tune_data_t *d, int va, int vb, int resamples, double level, uint64_t seed,
            FILE *out)
{
    req_stat_t *sa = NULL, *sb = NULL;
    size_t na = s_collect(d, va, &sa), nb = s_collect(d, vb, &sb);
    size_t served_a = 0, served_b = 0;
    for (size_t i = 0; i < d->n_reqs; i++) {
        served_a += d->reqs[i].version == va;
        served_b += d->reqs[i].version == vb;
    }
    fprintf(out, "A/B: A = %s (%zu answers, %zu shown), B = %s (%zu answers, %zu shown)\n",
            d->versions[va], served_a, na, d->versions[vb], served_b, nb);
    int verdict = 0;
    if (na < 2 || nb < 2) {
        fprintf(out, "verdict: too little data (each version needs 2 shown answers or more)\n");
        free(sa);
        free(sb);
        return 0;
    }
    double ma[N_METRICS], mb[N_METRICS];
    s_metrics(sa, NULL, na, ma);
    s_metrics(sb, NULL, nb, mb);
    size_t *pa = malloc(na * sizeof *pa), *pb = malloc(nb * sizeof *pb);
    double *bs = malloc((size_t)resamples * 3 * N_METRICS * sizeof *bs);
    if (!pa || !pb || !bs) {
        fprintf(out, "verdict: out of memory\n");
        free(pa);
        free(pb);
        free(bs);
        free(sa);
        free(sb);
        return 0;
    }
    /* bs[(m * 3 + which) * resamples + r]: which 0 = A, 1 = B, 2 = B - A. */
    uint64_t st = seed;
    for (int r = 0; r < resamples; r++) {
        for (size_t i = 0; i < na; i++)
            pa[i] = s_rand(&st) % na;
        for (size_t i = 0; i < nb; i++)
            pb[i] = s_rand(&st) % nb;
        double xa[N_METRICS], xb[N_METRICS];
        s_metrics(sa, pa, na, xa);
        s_metrics(sb, pb, nb, xb);
        for (int m = 0; m < N_METRICS; m++) {
            bs[(m * 3 + 0) * resamples + r] = xa[m];
            bs[(m * 3 + 1) * resamples + r] = xb[m];
            bs[(m * 3 + 2) * resamples + r] = xb[m] - xa[m];
        }
    }
    double alpha = (1 - level) / 2;
    size_t lo_i = (size_t)floor(alpha * (resamples - 1)),
           hi_i = (size_t)ceil((1 - alpha) * (resamples - 1));
    fprintf(out, "\n  %-22s %-26s %-26s %-30s %s\n", "metric", "A", "B", "B - A", "");
    fprintf(out, "  (%g%% bootstrap intervals over answers, %d resamples)\n", level * 100,
            resamples);
    for (int m = 0; m < N_METRICS; m++) {
        double lo[3], hi[3];
        for (int w = 0; w < 3; w++) {
            double *v = &bs[(m * 3 + w) * resamples];
            qsort(v, (size_t)resamples, sizeof *v, s_cmp_double);
            lo[w] = v[lo_i];
            hi[w] = v[hi_i];
        }
        int sig = lo[2] > 0 ? 1 : hi[2] < 0 ? -1 : 0;
        if (m == 0)
            verdict = sig;
        fprintf(out, "  %-22s %.4f [%.4f, %.4f]   %.4f [%.4f, %.4f]   %+.4f [%+.4f, %+.4f]   %s\n",
                s_names[m], ma[m], lo[0], hi[0], mb[m], lo[1], hi[1], mb[m] - ma[m], lo[2], hi[2],
                sig > 0 ? "B better" : sig < 0 ? "A better" : "no significant difference");
    }
    if (verdict > 0)
        fprintf(out, "\nverdict: B (%s) wins on NDCG@10\n", d->versions[vb]);
    else if (verdict < 0)
        fprintf(out, "\nverdict: A (%s) wins on NDCG@10\n", d->versions[va]);
    else
        fprintf(out, "\nverdict: no significant difference on NDCG@10 at %g%%\n", level * 100);
    free(pa);
    free(pb);
    free(bs);
    free(sa);
    free(sb);
    return verdict;
}
