/*
 * tune.h - the pieces of bole-tune: the outcome data set (the CSV that
 * bole-export writes, docs/OUTCOMES.md), the position-bias model, the
 * weight fit and the held-out metrics. The method is in docs/TUNING.md.
 *
 * Everything here is plain computation on memory: no daemon, no files
 * except tune_load(), no globals.
 */
#ifndef BOLE_TUNE_H
#define BOLE_TUNE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TUNE_NF 10        /* Ranking features (daemon/rank.h order). */
#define TUNE_MAX_POS 100  /* Positions beyond this share one propensity. */
#define TUNE_TOP 10       /* The cut-off of every @10 metric. */

/* One served pair. */
typedef struct {
    double x[TUNE_NF]; /* Feature values when it was served. */
    int64_t at;        /* Serve time (Unix ms), or seq when the CSV has no `at`. */
    uint64_t seq;      /* Feature-log sequence number. */
    uint32_t req;      /* Index of its request in tune_data_t.reqs. */
    int pos;           /* 1-based position served (clamped to TUNE_MAX_POS). */
    int outcome;       /* Furthest FeedbackKind (0: nothing reported). */
    int label;         /* Graded relevance: hire 4, offer 3, interview/shortlist 2,
                        * apply/click/contact 1, else 0. */
} tune_row_t;

/* One match answer: the rows that share a request id. */
typedef struct {
    char *id;       /* Request id (malloc'd). */
    size_t *rows;   /* Indexes into tune_data_t.rows (malloc'd). */
    size_t n;       /* Rows served. */
    int64_t at;     /* Earliest serve time of its rows. */
    int shown;      /* 1 if any row has an outcome (the list was seen). */
    int clicked;    /* Rows with label >= 1. */
    int version;    /* Index into tune_data_t.versions of its weights version. */
} tune_req_t;

typedef struct {
    tune_row_t *rows;
    size_t n_rows;
    tune_req_t *reqs;
    size_t n_reqs;
    int has_at;     /* 1 if the CSV had the `at` column. */
    char **versions;/* Distinct weights versions, in order of appearance (malloc'd). */
    size_t n_versions;
} tune_data_t;

/* Load the CSV at path. The header must name the columns of docs/OUTCOMES.md
 * with the features in daemon/rank.h order, optionally followed by `at`.
 * Returns 0, or -1 with "path:line: reason" in err (nothing kept). */
int tune_load(tune_data_t *d, const char *path, char *err, size_t errlen);

/* Free what tune_load() allocated. Accepts a zeroed struct. */
void tune_data_free(tune_data_t *d);

/* Graded relevance of a FeedbackKind number (docs/OUTCOMES.md). */
int tune_label(int outcome);

/* Position-based click model fitted by EM (docs/TUNING.md): P(click at
 * position k) = theta_k * sigmoid(v . x + b), over the shown requests listed
 * in reqs[0..n). Writes theta[1..TUNE_MAX_POS] relative to theta[1] (= 1),
 * positions with fewer than min_count rows take the value of the one above,
 * and count[k] the rows seen at position k. Returns the iterations run. */
int tune_propensities(const tune_data_t *d, const uint32_t *reqs, size_t n, int iters,
                      size_t min_count, double theta[TUNE_MAX_POS + 1],
                      size_t count[TUNE_MAX_POS + 1]);

/* Fit non-negative weights w[TUNE_NF] with the pairwise logistic loss
 * (pairs: a row with a higher label above a row with a lower one, in one
 * request), each pair weighted by (label gap) / propensity of the better
 * row's position (theta NULL: no correction), plus l2/2 * |w|^2; projected
 * accelerated gradient so every weight stays >= 0. Returns the number of
 * pairs used (0: nothing to learn from; w is then all zero). */
size_t tune_fit(const tune_data_t *d, const uint32_t *reqs, size_t n, const double *theta,
                double clip, double l2, int iters, double w[TUNE_NF]);

/* Held-out ranking quality of weights w. */
typedef struct {
    double ndcg;       /* Sum of DCG@10 / sum of ideal DCG@10, over requests. */
    double recall;     /* Relevant rows placed in the top 10 / all relevant rows. */
    double auc;        /* Share of (relevant, not relevant) pairs of a request in order. */
    double hire_rate;  /* Hires among the top 10 per row shown there. */
    size_t requests;   /* Requests with a relevant row. */
} tune_metrics_t;

/* Re-rank each request of reqs[0..n) by w and score it against the logged
 * outcomes. With theta, every relevant row counts 1/propensity of the
 * position it was served at (clipped below at clip): the inverse-propensity
 * estimate; with theta NULL, raw counts. */
void tune_evaluate(const tune_data_t *d, const uint32_t *reqs, size_t n, const double *w,
                   const double *theta, double clip, tune_metrics_t *m);

/* A/B comparison of two weights versions served side by side (docs/TUNING.md,
 * "Comparing A and B"): per version, over its shown requests, the logged
 * rankings' NDCG@10, click-through and hire rate in the top 10, each with a
 * bootstrap confidence interval (resampling requests, `resamples` times,
 * seeded), and the B - A difference with its interval. Prints the table and
 * the verdict to out. Returns 1 if B wins on NDCG@10, -1 if A wins, 0 for no
 * significant difference (or too little data). */
int tune_ab(const tune_data_t *d, int va, int vb, int resamples, double level, uint64_t seed,
            FILE *out);

#endif
