/*
 * model.c - the statistics of bole-tune: the position-based click model
 * (propensities by EM), the non-negative pairwise weight fit and the
 * held-out metrics. docs/TUNING.md explains the choices.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune.h"

#define NX (TUNE_NF + 1) /* Features plus the intercept of the relevance model. */

static double s_sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

static double s_dot(const double *w, const double *x)
{
    double s = 0;
    for (int k = 0; k < TUNE_NF; k++)
        s += w[k] * x[k];
    return s;
}

/* Solve a x = b (n x n, row-major, a and b overwritten) by Gaussian
 * elimination with partial pivoting. Returns -1 if singular. */
static int s_solve(double *a, double *b, int n)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[p * n + c]))
                p = r;
        if (fabs(a[p * n + c]) < 1e-12)
            return -1;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                double t = a[c * n + k];
                a[c * n + k] = a[p * n + k];
                a[p * n + k] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (int k = c; k < n; k++)
                a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < n; k++)
            s -= a[c * n + k] * b[k];
        b[c] = s / a[c * n + c];
    }
    return 0;
}

/*
 * EM for P(click) = theta[pos] * gamma(x), gamma(x) = sigmoid(v . x + b):
 * an unclicked row was either not examined or examined and not relevant;
 * the E-step splits it by the current estimates, the M-step sets theta to
 * the expected examination rate per position and takes one Newton step of
 * the logistic relevance model on the expected relevance (generalised EM).
 */
int tune_propensities(const tune_data_t *d, const uint32_t *reqs, size_t n, int iters,
                      size_t min_count, double theta[TUNE_MAX_POS + 1],
                      size_t count[TUNE_MAX_POS + 1])
{
    double th[TUNE_MAX_POS + 1], ex[TUNE_MAX_POS + 1];
    double v[NX] = {0};
    size_t clicks = 0, rows = 0;
    memset(count, 0, (TUNE_MAX_POS + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        const tune_req_t *q = &d->reqs[reqs[i]];
        if (!q->shown)
            continue;
        for (size_t j = 0; j < q->n; j++) {
            const tune_row_t *r = &d->rows[q->rows[j]];
            count[r->pos]++;
            clicks += r->label > 0;
            rows++;
        }
    }
    for (int k = 0; k <= TUNE_MAX_POS; k++)
        th[k] = 0.5;
    double ctr = rows ? (clicks + 0.5) / (rows + 1.0) : 0.5;
    v[TUNE_NF] = log(2 * ctr / (1 - 2 * ctr > 0.01 ? 1 - 2 * ctr : 0.01));
    int it = 0;
    for (; it < iters && rows > 0; it++) {
        double h[NX * NX] = {0}, g[NX] = {0};
        memset(ex, 0, sizeof ex);
        for (size_t i = 0; i < n; i++) {
            const tune_req_t *q = &d->reqs[reqs[i]];
            if (!q->shown)
                continue;
            for (size_t j = 0; j < q->n; j++) {
                const tune_row_t *r = &d->rows[q->rows[j]];
                double xx[NX];
                memcpy(xx, r->x, sizeof r->x);
                xx[TUNE_NF] = 1;
                double gam = s_sigmoid(s_dot(v, r->x) + v[TUNE_NF]);
                double t = th[r->pos], e, rel;
                if (r->label > 0) {
                    e = 1;
                    rel = 1;
                } else {
                    double den = 1 - t * gam;
                    e = t * (1 - gam) / den;
                    rel = (1 - t) * gam / den;
                }
                ex[r->pos] += e;
                double wgt = gam * (1 - gam);
                for (int a = 0; a < NX; a++) {
                    g[a] += (gam - rel) * xx[a];
                    for (int b = 0; b <= a; b++)
                        h[a * NX + b] += wgt * xx[a] * xx[b];
                }
            }
        }
        for (int a = 0; a < NX; a++) {
            for (int b = 0; b < a; b++)
                h[b * NX + a] = h[a * NX + b];
            h[a * NX + a] += 1e-6 * (double)rows;
        }
        double maxd = 0;
        for (int k = 1; k <= TUNE_MAX_POS; k++) {
            if (!count[k])
                continue;
            double nt = ex[k] / (double)count[k];
            if (nt > 1)
                nt = 1;
            if (nt < 1e-4)
                nt = 1e-4;
            if (fabs(nt - th[k]) > maxd)
                maxd = fabs(nt - th[k]);
            th[k] = nt;
        }
        if (s_solve(h, g, NX) == 0) {
            for (int a = 0; a < NX; a++)
                v[a] -= g[a];
        }
        if (maxd < 1e-7 && it > 10)
            break;
    }
    double top = th[1] > 0 && count[1] ? th[1] : 1;
    theta[0] = 1;
    for (int k = 1; k <= TUNE_MAX_POS; k++) {
        if (count[k] >= min_count || k == 1)
            theta[k] = count[k] ? th[k] / top : 1;
        else
            theta[k] = theta[k - 1];
    }
    return it;
}

/* One preference pair: better row minus worse row, and its weight. */
typedef struct {
    double d[TUNE_NF];
    double w;
} pair_t;

static double s_propensity(const double *theta, double clip, int pos)
{
    double t = theta ? theta[pos] : 1;
    return t < clip ? clip : t;
}

size_t tune_fit(const tune_data_t *d, const uint32_t *reqs, size_t n, const double *theta,
                double clip, double l2, int iters, double w[TUNE_NF])
{
    memset(w, 0, TUNE_NF * sizeof *w);
    size_t np = 0, cap = 0;
    pair_t *p = NULL;
    for (size_t i = 0; i < n; i++) {
        const tune_req_t *q = &d->reqs[reqs[i]];
        if (!q->shown || !q->clicked)
            continue;
        for (size_t a = 0; a < q->n; a++) {
            const tune_row_t *ra = &d->rows[q->rows[a]];
            if (ra->label == 0)
                continue;
            double ipw = 1.0 / s_propensity(theta, clip, ra->pos);
            for (size_t b = 0; b < q->n; b++) {
                const tune_row_t *rb = &d->rows[q->rows[b]];
                if (rb->label >= ra->label)
                    continue;
                if (np == cap) {
                    size_t nc = cap ? 2 * cap : 4096;
                    pair_t *t = realloc(p, nc * sizeof *t);
                    if (!t) {
                        free(p);
                        return 0;
                    }
                    p = t;
                    cap = nc;
                }
                for (int k = 0; k < TUNE_NF; k++)
                    p[np].d[k] = ra->x[k] - rb->x[k];
                p[np].w = (ra->label - rb->label) * ipw;
                np++;
            }
        }
    }
    if (np == 0) {
        free(p);
        return 0;
    }
    double wsum = 0, lip = 0;
    for (size_t i = 0; i < np; i++) {
        wsum += p[i].w;
        double nn = 0;
        for (int k = 0; k < TUNE_NF; k++)
            nn += p[i].d[k] * p[i].d[k];
        lip += p[i].w * nn;
    }
    for (size_t i = 0; i < np; i++)
        p[i].w /= wsum;
    lip = 0.25 * lip / wsum + l2;
    double step = 1.0 / lip;
    /* FISTA with projection onto w >= 0. */
    double y[TUNE_NF] = {0}, prev[TUNE_NF] = {0}, tk = 1;
    for (int it = 0; it < iters; it++) {
        double g[TUNE_NF];
        for (int k = 0; k < TUNE_NF; k++)
            g[k] = l2 * y[k];
        for (size_t i = 0; i < np; i++) {
            double m = s_dot(y, p[i].d);
            double c = -p[i].w * s_sigmoid(-m);
            for (int k = 0; k < TUNE_NF; k++)
                g[k] += c * p[i].d[k];
        }
        double delta = 0;
        for (int k = 0; k < TUNE_NF; k++) {
            double nw = y[k] - step * g[k];
            w[k] = nw > 0 ? nw : 0;
            delta += fabs(w[k] - prev[k]);
        }
        double tn = (1 + sqrt(1 + 4 * tk * tk)) / 2;
        for (int k = 0; k < TUNE_NF; k++) {
            y[k] = w[k] + (tk - 1) / tn * (w[k] - prev[k]);
            prev[k] = w[k];
        }
        tk = tn;
        if (delta < 1e-10 && it > 50)
            break;
    }
    free(p);
    return np;
}

typedef struct {
    double s;   /* Score under the weights evaluated. */
    int pos;    /* Logged position: breaks ties the way the log did. */
    size_t row;
} ranked_t;

static int s_by_score(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return x->pos - y->pos;
}

static int s_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y ? 1 : 0;
}

void tune_evaluate(const tune_data_t *d, const uint32_t *reqs, size_t n, const double *w,
                   const double *theta, double clip, tune_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    size_t maxn = 0;
    for (size_t i = 0; i < n; i++)
        if (d->reqs[reqs[i]].n > maxn)
            maxn = d->reqs[reqs[i]].n;
    ranked_t *rk = malloc((maxn + 1) * sizeof *rk);
    double *gains = malloc((maxn + 1) * sizeof *gains);
    if (!rk || !gains) {
        free(rk);
        free(gains);
        return;
    }
    double ndcg = 0, idcg_sum = 0, recall = 0, rel_sum = 0, auc_num = 0, auc_den = 0, hires = 0, shown_top = 0;
    for (size_t i = 0; i < n; i++) {
        const tune_req_t *q = &d->reqs[reqs[i]];
        if (!q->shown)
            continue;
        for (size_t j = 0; j < q->n; j++) {
            const tune_row_t *r = &d->rows[q->rows[j]];
            rk[j] = (ranked_t){s_dot(w, r->x), r->pos, q->rows[j]};
        }
        qsort(rk, q->n, sizeof *rk, s_by_score);
        size_t top = q->n < TUNE_TOP ? q->n : TUNE_TOP;
        double dcg = 0, rel_all = 0, rel_top = 0;
        for (size_t j = 0; j < q->n; j++) {
            const tune_row_t *r = &d->rows[rk[j].row];
            double ipw = theta ? 1.0 / s_propensity(theta, clip, r->pos) : 1.0;
            double g = (pow(2.0, r->label) - 1) * ipw;
            gains[j] = g;
            if (j < top) {
                dcg += g / log2((double)j + 2);
                if (r->label > 0)
                    rel_top += ipw;
                if (r->outcome == 6)
                    hires += ipw;
            }
            if (r->label > 0)
                rel_all += ipw;
        }
        shown_top += (double)top;
        if (!q->clicked)
            continue;
        qsort(gains, q->n, sizeof *gains, s_desc);
        double idcg = 0;
        for (size_t j = 0; j < top; j++)
            idcg += gains[j] / log2((double)j + 2);
        if (idcg <= 0)
            continue;
        /* Ratios of sums, not means of per-request ratios: normalising each
         * request on its own would undo the propensity weighting (docs/TUNING.md). */
        m->requests++;
        ndcg += dcg;
        idcg_sum += idcg;
        recall += rel_top;
        rel_sum += rel_all;
        /* AUC on binary relevance (label >= 1): each relevant row, weighted by
         * 1/propensity, against each row of the request that is not relevant. */
        for (size_t a = 0; a < q->n; a++) {
            const tune_row_t *ra = &d->rows[rk[a].row];
            if (ra->label == 0)
                continue;
            double ipw = theta ? 1.0 / s_propensity(theta, clip, ra->pos) : 1.0;
            for (size_t b = 0; b < q->n; b++) {
                const tune_row_t *rb = &d->rows[rk[b].row];
                if (rb->label > 0)
                    continue;
                double c = rk[a].s > rk[b].s ? 1 : rk[a].s == rk[b].s ? 0.5 : 0;
                auc_num += ipw * c;
                auc_den += ipw;
            }
        }
    }
    m->ndcg = idcg_sum > 0 ? ndcg / idcg_sum : 0;
    m->recall = rel_sum > 0 ? recall / rel_sum : 0;
    m->auc = auc_den > 0 ? auc_num / auc_den : 0;
    m->hire_rate = shown_top > 0 ? hires / shown_top : 0;
    free(rk);
    free(gains);
}
