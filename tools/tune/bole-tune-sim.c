/*
 * bole-tune-sim - a seeded simulator of served match answers and their
 * outcomes, in bole-export's CSV format, for testing bole-tune. The data is
 * SIMULATED: no public data set of real hires exists (see
 * tests/data/outcomes/README.md and docs/TUNING.md).
 *
 * Model (all randomness from one splitmix64 stream, so a seed gives the
 * same file byte for byte on one platform):
 *   - each request draws C candidates with ten feature values in [0, 1]
 *     (partly correlated through a shared latent "quality");
 *   - the logging policy ranks them by the OLD weights (a weights file) plus
 *     a little Gaussian exploration noise (--explore, default sd 0.05; 0 =
 *     none) and serves the top K at positions 1..K;
 *   - true utility u = sum_f true_w_f * x_f (true weights in the truth file);
 *   - click = examined AND relevant, examined with probability
 *     theta_k = k^-eta (position bias), relevant with sigmoid(a*u + b);
 *   - after a click: apply, interview and hire each with sigmoid(a*u + c)
 *     given the step before; the furthest step is the outcome; every other
 *     row of a shown list is an impression; a few lists are never shown
 *     (no outcome at all).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"
#include "weights.h"

#define NF BOLE_RANK_N_FEATURES
#define MAX_C 1000

/* True importances (sum 1), in rank.h order: six distinct levels, at least
 * 0.03 apart, so that their order is a fair thing to ask a fit to recover. */
static const double s_true[NF] = {
    0.22, /* similarity */
    0.29, /* must_have_coverage */
    0.03, /* nice_to_have_coverage */
    0.06, /* industry */
    0.06, /* zone */
    0.15, /* experience_fit */
    0.03, /* education_fit */
    0.10, /* talent_preference */
    0.03, /* policy_priority */
    0.03  /* freshness */
};

static uint64_t s_state;

static uint64_t s_next(void)
{
    uint64_t z = (s_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double s_unif(void)
{
    return ((double)(s_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double s_normal(void)
{
    return sqrt(-2 * log(s_unif())) * cos(6.283185307179586 * s_unif());
}

static double s_clamp(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static double s_sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Three decimals, as stored (so the CSV holds exactly what was scored). */
static double s_q(double v)
{
    return round(s_clamp(v) * 1000) / 1000;
}

static void s_candidate(double *x)
{
    double z = s_normal();
#define MIX(r) ((r) * z + sqrt(1 - (r) * (r)) * s_normal())
    x[BOLE_RANK_SIMILARITY] = s_q(0.55 + 0.15 * MIX(0.5));
    x[BOLE_RANK_MUST_HAVE] = s_q(0.65 + 0.25 * MIX(0.4));
    x[BOLE_RANK_NICE_TO_HAVE] = s_q(0.5 + 0.3 * MIX(0.3));
    double u = s_unif();
    x[BOLE_RANK_INDUSTRY] = u < 0.1 ? 0.5 : (s_unif() < s_sigmoid(0.8 * z) ? 1 : 0);
    u = s_unif();
    x[BOLE_RANK_ZONE] = u < 0.4 ? 0 : u < 0.6 ? 0.5 : 1;
    x[BOLE_RANK_EXPERIENCE] = s_unif() < 0.45 ? 1 : s_q(pow(0.7, 3 * s_unif()));
    u = s_unif();
    x[BOLE_RANK_EDUCATION] = u < 0.5 ? 1 : u < 0.7 ? 0.5 : u < 0.9 ? 0.9 : 0.25;
    x[BOLE_RANK_TALENT_PREF] =
        s_q(((s_unif() < 0.6) + (s_unif() < 0.6) + s_unif()) / 3.0);
    x[BOLE_RANK_POLICY] = s_unif() < 0.6 ? 0 : s_q(s_unif());
    x[BOLE_RANK_FRESHNESS] = s_q(pow(2, -120 * s_unif() / 30));
#undef MIX
}

typedef struct {
    double x[NF];
    double old; /* Score under the old weights (logged). */
    double key; /* What the logging policy sorts by: old + exploration noise. */
} cand_t;

static int s_by_old(const void *a, const void *b)
{
    const cand_t *p = a, *q = b;
    return p->key > q->key ? -1 : p->key < q->key ? 1 : 0;
}

static void s_usage(FILE *out)
{
    fputs("usage: bole-tune-sim --old WEIGHTS --csv FILE --truth FILE [--seed N]\n"
          "                     [--requests N] [--served K] [--candidates C] [--eta E]\n"
          "Writes SIMULATED served answers + outcomes (bole-export CSV) and the truth\n"
          "(true weights, true position propensities) for testing bole-tune.\n"
          "  --seed N (1)  --requests N (1500)  --served K (20)  --candidates C (60)\n"
          "  --eta E (0.9): examination probability at position k is k^-E\n"
          "  --explore S (0.05): sd of the noise added to the old score before ranking\n"
          "  --b-weights FILE: A/B, a share of requests (--b-share F, 0.5) is ranked and\n"
          "                    logged by these weights (their version) instead of --old\n",
          out);
}

int main(int argc, char **argv)
{
    const char *old_path = NULL, *csv_path = NULL, *truth_path = NULL, *b_path = NULL;
    double b_share = 0.5;
    unsigned long long seed = 1;
    long requests = 1500, served = 20, cands = 60;
    double eta = 0.9, explore = 0.05, a = 12, b = -8.6, c = -6.4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bole-tune-sim: '%s' needs a value\n", argv[i]);
            return 2;
        }
        const char *k = argv[i], *v = argv[++i];
        char *end = NULL;
        errno = 0;
        if (strcmp(k, "--old") == 0)
            old_path = v;
        else if (strcmp(k, "--csv") == 0)
            csv_path = v;
        else if (strcmp(k, "--truth") == 0)
            truth_path = v;
        else if (strcmp(k, "--seed") == 0)
            seed = strtoull(v, &end, 10);
        else if (strcmp(k, "--requests") == 0)
            requests = strtol(v, &end, 10);
        else if (strcmp(k, "--served") == 0)
            served = strtol(v, &end, 10);
        else if (strcmp(k, "--candidates") == 0)
            cands = strtol(v, &end, 10);
        else if (strcmp(k, "--eta") == 0)
            eta = strtod(v, &end);
        else if (strcmp(k, "--explore") == 0)
            explore = strtod(v, &end);
        else if (strcmp(k, "--b-weights") == 0)
            b_path = v;
        else if (strcmp(k, "--b-share") == 0)
            b_share = strtod(v, &end);
        else {
            fprintf(stderr, "bole-tune-sim: unknown option '%s'\n", k);
            return 2;
        }
        if (end && (*end || errno)) {
            fprintf(stderr, "bole-tune-sim: bad value '%s' for %s\n", v, k);
            return 2;
        }
    }
    if (!old_path || !csv_path || !truth_path || requests < 1 || served < 1 || served > 100 ||
        cands < served || cands > MAX_C || !(eta >= 0 && eta <= 5) || !(explore >= 0 && explore <= 1) ||
        !(b_share >= 0 && b_share <= 1)) {
        s_usage(stderr);
        return 2;
    }
    char err[512];
    bole_weights_t *wa = NULL, *wb = NULL;
    if (bole_weights_load(&wa, old_path, err, sizeof err) != 0 ||
        (b_path && bole_weights_load(&wb, b_path, err, sizeof err) != 0)) {
        fprintf(stderr, "bole-tune-sim: %s\n", err);
        bole_weights_destroy(&wa);
        return 1;
    }
    FILE *f = fopen(csv_path, "w"), *t = fopen(truth_path, "w");
    if (!f || !t) {
        fprintf(stderr, "bole-tune-sim: cannot write: %s\n", strerror(errno));
        return 1;
    }
    s_state = seed;
    fprintf(t, "# SIMULATED outcome data: truth of bole-tune-sim --seed %llu --requests %ld"
               " --served %ld --candidates %ld --eta %g --explore %g\n"
               "# (no public hiring data exists; see tests/data/outcomes/README.md)\n"
               "# relevance = sigmoid(%g * u %+g), u = sum weight.f * f; after a click each"
               " of apply, interview, hire: sigmoid(%g * u %+g)\n",
            seed, requests, served, cands, eta, explore, a, b, a, c);
    for (int k = 0; k < NF; k++)
        fprintf(t, "weight.%s = %g\n", bole_rank_feature_name(k), s_true[k]);
    for (long k = 1; k <= served; k++)
        fprintf(t, "propensity.%ld = %.6f\n", k, pow((double)k, -eta));
    fputs("seq,request_id,source,weights_version,talent_id,need_id,position,score", f);
    for (int k = 0; k < NF; k++)
        fprintf(f, ",%s", bole_rank_feature_name(k));
    fputs(",outcome,at\n", f);
    const int64_t t0 = 1788220800000LL; /* 2026-09-01T00:00:00Z */
    cand_t *cs = malloc((size_t)cands * sizeof *cs);
    if (!cs)
        return 1;
    uint64_t seq = 0;
    for (long r = 0; r < requests; r++) {
        int64_t at = t0 + (int64_t)r * 2700000 + (int64_t)(s_unif() * 600000);
        unsigned need = (unsigned)(s_next() % 800);
        /* A/B (--b-weights): this request's logging weights. No draw without
         * B, so the default output stays byte for byte the same. */
        const bole_weights_t *w = wb && s_unif() < b_share ? wb : wa;
        for (long i = 0; i < cands; i++) {
            s_candidate(cs[i].x);
            double s = 0;
            for (int k = 0; k < NF; k++)
                s += (double)bole_weights_feature(w, k) * cs[i].x[k];
            cs[i].old = s;
            cs[i].key = s + explore * s_normal();
        }
        qsort(cs, (size_t)cands, sizeof *cs, s_by_old);
        int shown = s_unif() >= 0.05;
        for (long k = 0; k < served; k++) {
            const double *x = cs[k].x;
            double u = 0;
            for (int j = 0; j < NF; j++)
                u += s_true[j] * x[j];
            int outcome = 0;
            double e = s_unif(), rel = s_unif();
            if (shown) {
                outcome = 1; /* impression */
                if (e < pow((double)(k + 1), -eta) && rel < s_sigmoid(a * u + b)) {
                    outcome = 2; /* click */
                    if (s_unif() < s_sigmoid(a * u + c)) {
                        outcome = 9; /* apply */
                        if (s_unif() < s_sigmoid(a * u + c)) {
                            outcome = 4; /* interview */
                            if (s_unif() < s_sigmoid(a * u + c))
                                outcome = 6; /* hire */
                        }
                    }
                }
            }
            fprintf(f, "%llu,%llx-%lx,1,%s,t%05u,n%04u,%ld,%.4f", (unsigned long long)++seq,
                    (unsigned long long)t0, r + 1, bole_weights_version(w),
                    (unsigned)(s_next() % 20000), need, k + 1, cs[k].old);
            for (int j = 0; j < NF; j++)
                fprintf(f, ",%.3f", x[j]);
            fprintf(f, ",%d,%lld\n", outcome, (long long)at);
        }
    }
    free(cs);
    bole_weights_destroy(&wa);
    bole_weights_destroy(&wb);
    int bad = ferror(f) || ferror(t);
    bad |= fclose(f) != 0;
    bad |= fclose(t) != 0;
    if (bad) {
        fprintf(stderr, "bole-tune-sim: write error\n");
        return 1;
    }
    return 0;
}
