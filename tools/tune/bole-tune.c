/*
 * bole-tune - refits the ranking weights (models/weights.conf) from the
 * exported features + outcomes (bole-export CSV), compares old and new on a
 * later time window the fit did not see, and writes a new versioned weights
 * file only when the new weights are better there (or with --force). It can
 * install the file into a daemon's model folder (atomic rename) and ask the
 * daemon to reload it. Method and worked example: docs/TUNING.md.
 *
 * Exit status: 0 done (whether or not a file was written), 1 I/O or daemon
 * error, 2 bad arguments or bad input (nothing written), 3 --check failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bole/client.h"
#include "rank.h"
#include "tune.h"
#include "weights.h"

typedef struct {
    const char *data, *old_path, *out_dir, *install, *server, *check, *date;
    int64_t train_until;   /* -1: use holdout. */
    double holdout, l2, clip, margin;
    int em_iters, iters, force, reload, no_ipw, timeout;
    int ab, resamples;     /* --ab: compare two served versions (ab.c). */
    double level;          /* --ab: confidence level of the intervals. */
    const char *versions;  /* --ab: "A,B" (default: the two in the data, sorted). */
} opts_t;

typedef struct {
    double w[TUNE_NF];
    double theta[TUNE_MAX_POS + 1];
    int has_w, n_theta;
} truth_t;

static void s_usage(FILE *out)
{
    fputs(
        "usage: bole-tune --data OUTCOMES.csv --weights CURRENT.conf [options]\n"
        "\n"
        "Fits new ranking weights from served pairs and their outcomes (the CSV of\n"
        "bole-export), correcting for position bias, and compares them with the\n"
        "current weights on a later time window the fit never saw. Writes\n"
        "<out>/weights-<date>.<n>.conf only if the new weights are better there\n"
        "(NDCG@10, inverse-propensity weighted), or with --force.\n"
        "\n"
        "  --data FILE          outcome CSV (docs/OUTCOMES.md)\n"
        "  --weights FILE       the weights now serving (baseline; its parameters\n"
        "                       are copied into the new file)\n"
        "  --out DIR            where to write the new file (default .)\n"
        "  --train-until MS     train on requests served before this time (Unix ms),\n"
        "                       evaluate on the rest\n"
        "  --holdout F          or hold out the last fraction F by time (default 0.2)\n"
        "  --l2 X               L2 regularisation (default 0.001)\n"
        "  --clip P             smallest propensity used (default 0.05)\n"
        "  --no-ipw             no position-bias correction (for comparison)\n"
        "  --em-iters N         EM iterations for the propensities (default 300)\n"
        "  --iters N            optimiser iterations (default 3000)\n"
        "  --version-date D     YYYY-MM-DD of the new version (default today, UTC)\n"
        "  --force              write even if the new weights are not better\n"
        "  --install MODELDIR   copy the new file over MODELDIR/weights.conf\n"
        "                       (temporary file + rename: atomic)\n"
        "  --reload             then ask the daemon (--server) to ReloadModel and\n"
        "                       check that it reports the new version\n"
        "  --server ENDPOINT    boled endpoint (default " BOLE_DEFAULT_ENDPOINT ")\n"
        "  --check TRUTH        simulated data: compare with the simulator's truth\n"
        "                       (weights' direction and order, propensities, held-out\n"
        "                       gain); exit 3 if any check fails\n"
        "  --check-margin X     true weights closer than X need not be ordered (0.035)\n"
        "\n"
        "A/B: bole-tune --ab --data OUTCOMES.csv [--versions A,B] [--resamples N] [--level X]\n"
        "  compares two weights versions served side by side (daemon A/B): NDCG@10,\n"
        "  click-through and hire rate of each version's logged rankings, with bootstrap\n"
        "  intervals (default 2000 resamples, level 0.95), and says which wins on\n"
        "  NDCG@10. Without --versions the data must hold exactly two versions; A is\n"
        "  the one that sorts first. Exit 0 whatever the verdict.\n"
        "  --help               this text\n",
        out);
}

static int s_real(const char *flag, const char *v, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "bole-tune: %s wants a number in [%g, %g], not '%s'\n", flag, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int s_int(const char *flag, const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "bole-tune: %s wants a whole number in [%lld, %lld], not '%s'\n", flag,
                lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int s_args(opts_t *o, int argc, char **argv)
{
    *o = (opts_t){.out_dir = ".", .server = BOLE_DEFAULT_ENDPOINT, .train_until = -1,
                  .holdout = 0.2, .l2 = 1e-3, .clip = 0.05, .margin = 0.035, .em_iters = 300,
                  .iters = 3000, .timeout = 10000, .resamples = 2000, .level = 0.95};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--force") == 0) {
            o->force = 1;
            continue;
        }
        if (strcmp(a, "--reload") == 0) {
            o->reload = 1;
            continue;
        }
        if (strcmp(a, "--ab") == 0) {
            o->ab = 1;
            continue;
        }
        if (strcmp(a, "--no-ipw") == 0) {
            o->no_ipw = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bole-tune: '%s' needs a value (see --help)\n", a);
            return -1;
        }
        const char *v = argv[++i];
        long long n = 0;
        int bad = 0;
        if (strcmp(a, "--data") == 0)
            o->data = v;
        else if (strcmp(a, "--weights") == 0)
            o->old_path = v;
        else if (strcmp(a, "--out") == 0)
            o->out_dir = v;
        else if (strcmp(a, "--install") == 0)
            o->install = v;
        else if (strcmp(a, "--server") == 0)
            o->server = v;
        else if (strcmp(a, "--check") == 0)
            o->check = v;
        else if (strcmp(a, "--versions") == 0)
            o->versions = v;
        else if (strcmp(a, "--resamples") == 0) {
            bad = s_int(a, v, 100, 1000000, &n);
            o->resamples = (int)n;
        } else if (strcmp(a, "--level") == 0)
            bad = s_real(a, v, 0.5, 0.999, &o->level);
        else if (strcmp(a, "--version-date") == 0)
            o->date = v;
        else if (strcmp(a, "--train-until") == 0) {
            bad = s_int(a, v, 0, INT64_MAX, &n);
            o->train_until = n;
        } else if (strcmp(a, "--holdout") == 0)
            bad = s_real(a, v, 0.01, 0.99, &o->holdout);
        else if (strcmp(a, "--l2") == 0)
            bad = s_real(a, v, 0, 1e6, &o->l2);
        else if (strcmp(a, "--clip") == 0)
            bad = s_real(a, v, 1e-4, 1, &o->clip);
        else if (strcmp(a, "--check-margin") == 0)
            bad = s_real(a, v, 0, 1, &o->margin);
        else if (strcmp(a, "--em-iters") == 0) {
            bad = s_int(a, v, 1, 100000, &n);
            o->em_iters = (int)n;
        } else if (strcmp(a, "--iters") == 0) {
            bad = s_int(a, v, 1, 1000000, &n);
            o->iters = (int)n;
        } else {
            fprintf(stderr, "bole-tune: unknown option '%s' (see --help)\n", a);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (o->ab && !o->data) {
        fprintf(stderr, "bole-tune: --ab needs --data (see --help)\n");
        return -1;
    }
    if (o->ab)
        return 0;
    if (!o->data || !o->old_path) {
        fprintf(stderr, "bole-tune: --data and --weights are required (see --help)\n");
        return -1;
    }
    if (o->date) {
        int y, m, d;
        char tail;
        if (strlen(o->date) != 10 || sscanf(o->date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
            m < 1 || m > 12 || d < 1 || d > 31) {
            fprintf(stderr, "bole-tune: --version-date wants YYYY-MM-DD, not '%s'\n", o->date);
            return -1;
        }
    }
    if (o->reload && !o->install) {
        fprintf(stderr, "bole-tune: --reload needs --install MODELDIR (the daemon loads "
                        "<model dir>/weights.conf)\n");
        return -1;
    }
    return 0;
}

/* Truth file of bole-tune-sim: weight.<feature> = v, propensity.<k> = v. */
static int s_truth(truth_t *t, const char *path)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bole-tune: %s:0: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    int lineno = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char key[128];
        double v;
        if (sscanf(line, "%127s = %lf", key, &v) != 2 || !isfinite(v)) {
            fprintf(stderr, "bole-tune: %s:%d: expected 'key = number'\n", path, lineno);
            fclose(f);
            return -1;
        }
        if (strncmp(key, "weight.", 7) == 0) {
            int k = 0;
            while (k < TUNE_NF && strcmp(bole_rank_feature_name(k), key + 7) != 0)
                k++;
            if (k == TUNE_NF) {
                fprintf(stderr, "bole-tune: %s:%d: unknown feature '%s'\n", path, lineno, key);
                fclose(f);
                return -1;
            }
            t->w[k] = v;
            seen |= 1 << k;
        } else if (strncmp(key, "propensity.", 11) == 0) {
            int k = atoi(key + 11);
            if (k >= 1 && k <= TUNE_MAX_POS) {
                t->theta[k] = v;
                if (k > t->n_theta)
                    t->n_theta = k;
            }
        }
    }
    fclose(f);
    t->has_w = seen == (1 << TUNE_NF) - 1;
    if (!t->has_w) {
        fprintf(stderr, "bole-tune: %s: not every weight.<feature> is given\n", path);
        return -1;
    }
    return 0;
}

/* qsort has no context argument: the data set being split. */
static const tune_data_t *s_sort_data;

/* Requests by earliest serve time, then by first appearance. */
static int s_cmp_req(const void *a, const void *b)
{
    const tune_req_t *x = &s_sort_data->reqs[*(const uint32_t *)a];
    const tune_req_t *y = &s_sort_data->reqs[*(const uint32_t *)b];
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    uint32_t p = *(const uint32_t *)a, q = *(const uint32_t *)b;
    return p < q ? -1 : p > q;
}

static double s_cosine(const double *a, const double *b)
{
    double ab = 0, aa = 0, bb = 0;
    for (int k = 0; k < TUNE_NF; k++) {
        ab += a[k] * b[k];
        aa += a[k] * a[k];
        bb += b[k] * b[k];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static void s_normalise(double *w)
{
    double s = 0;
    for (int k = 0; k < TUNE_NF; k++)
        s += w[k];
    if (s > 0)
        for (int k = 0; k < TUNE_NF; k++)
            w[k] /= s;
}

/* UTC date (with_time 0: YYYY-MM-DD) or date and time (ISO 8601) of ms. */
static void s_utc(char *buf, size_t n, int64_t ms, int with_time)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (with_time)
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        strftime(buf, n, "%Y-%m-%d", &tm);
}

/* Write text to path atomically: temporary file in the same folder, fsync,
 * rename, fsync of the folder. Returns 0, or -1 after printing why (the
 * target is then untouched and no temporary file is left). */
static int s_write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "bole-tune: path too long: %s\n", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "bole-tune: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    int e = errno;
    ok &= close(fd) == 0;
    if (ok && rename(tmp, path) != 0) {
        e = errno;
        ok = 0;
    }
    if (!ok) {
        fprintf(stderr, "bole-tune: cannot write %s: %s\n", path, strerror(e));
        unlink(tmp);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* Growable text buffer for the new weights file. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} buf_t;

static void s_put(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_put(buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *p = realloc(b->p, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = nc;
    }
}

static void s_metrics_rows(const char *label, const tune_metrics_t *o, const tune_metrics_t *n,
                           const tune_metrics_t *x, FILE *f, buf_t *b)
{
    struct {
        const char *name;
        double o, n, x;
    } r[4] = {{"NDCG@10", o->ndcg, n->ndcg, x->ndcg},
              {"recall@10", o->recall, n->recall, x->recall},
              {"AUC", o->auc, n->auc, x->auc},
              {"hire rate top 10", o->hire_rate, n->hire_rate, x->hire_rate}};
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s %s", r[i].name, label);
        if (f)
            fprintf(f, "  %-26s %9.4f %9.4f %+9.4f %11.4f\n", name, r[i].o, r[i].n, r[i].n - r[i].o,
                    r[i].x);
        if (b)
            s_put(b, "#   %-26s old %.4f  new %.4f  (%+.4f)\n", name, r[i].o, r[i].n,
                  r[i].n - r[i].o);
    }
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* bole-tune --ab (ab.c). */
static int s_ab(const opts_t *o)
{
    char err[1024];
    tune_data_t d;
    if (tune_load(&d, o->data, err, sizeof err) != 0) {
        fprintf(stderr, "bole-tune: %s\n", err);
        return 2;
    }
    int va = -1, vb = -1;
    if (o->versions) {
        const char *comma = strchr(o->versions, ',');
        for (size_t i = 0; comma && i < d.n_versions; i++) {
            if (strlen(d.versions[i]) == (size_t)(comma - o->versions) &&
                strncmp(d.versions[i], o->versions, (size_t)(comma - o->versions)) == 0)
                va = (int)i;
            if (strcmp(d.versions[i], comma + 1) == 0)
                vb = (int)i;
        }
    } else if (d.n_versions == 2) {
        char *s[2] = {d.versions[0], d.versions[1]};
        qsort(s, 2, sizeof *s, s_cmp_str);
        va = s[0] == d.versions[0] ? 0 : 1;
        vb = 1 - va;
    }
    if (va < 0 || vb < 0 || va == vb) {
        fprintf(stderr, "bole-tune: %s: %s; versions in the data:", o->data,
                o->versions ? "--versions A,B names two versions the data holds"
                            : "--ab without --versions needs exactly two versions");
        for (size_t i = 0; i < d.n_versions; i++)
            fprintf(stderr, " '%s'", d.versions[i]);
        fputc('\n', stderr);
        tune_data_free(&d);
        return 2;
    }
    printf("data: %s: %zu rows, %zu answers\n", o->data, d.n_rows, d.n_reqs);
    tune_ab(&d, va, vb, o->resamples, o->level, 1, stdout);
    tune_data_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    if (s_args(&o, argc, argv) != 0)
        return 2;
    if (o.ab)
        return s_ab(&o);
    char err[1024];
    bole_weights_t *old = NULL;
    if (bole_weights_load(&old, o.old_path, err, sizeof err) != 0) {
        fprintf(stderr, "bole-tune: %s\n", err);
        return 2;
    }
    truth_t truth;
    if (o.check && s_truth(&truth, o.check) != 0) {
        bole_weights_destroy(&old);
        return 2;
    }
    tune_data_t d;
    if (tune_load(&d, o.data, err, sizeof err) != 0) {
        fprintf(stderr, "bole-tune: %s\nbole-tune: nothing written\n", err);
        bole_weights_destroy(&old);
        return 2;
    }
    int rc = 2;
    uint32_t *order = malloc((d.n_reqs + 1) * sizeof *order);
    if (!order) {
        fprintf(stderr, "bole-tune: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < d.n_reqs; i++)
        order[i] = (uint32_t)i;
    s_sort_data = &d;
    qsort(order, d.n_reqs, sizeof *order, s_cmp_req);
    size_t split;
    if (o.train_until >= 0) {
        split = 0;
        while (split < d.n_reqs && d.reqs[order[split]].at < o.train_until)
            split++;
    } else {
        split = (size_t)floor((1 - o.holdout) * (double)d.n_reqs);
    }
    size_t n_train = split, n_test = d.n_reqs - split, shown_train = 0, shown_test = 0;
    for (size_t i = 0; i < d.n_reqs; i++)
        (i < split ? &shown_train : &shown_test)[0] += d.reqs[order[i]].shown;
    if (shown_train == 0 || shown_test == 0) {
        fprintf(stderr, "bole-tune: %s: need shown requests on both sides of the split "
                        "(train %zu, held out %zu); nothing written\n",
                o.data, shown_train, shown_test);
        goto done;
    }
    const uint32_t *train = order, *test = order + split;
    int64_t t_split = d.reqs[test[0]].at;
    char when[64];
    if (d.has_at)
        s_utc(when, sizeof when, t_split, 1);
    else
        snprintf(when, sizeof when, "seq %" PRId64, t_split);

    /* Position bias from the training window only. */
    double theta[TUNE_MAX_POS + 1];
    size_t count[TUNE_MAX_POS + 1];
    int em = tune_propensities(&d, train, n_train, o.em_iters, 50, theta, count);
    int maxpos = 0;
    for (int k = 1; k <= TUNE_MAX_POS; k++)
        if (count[k])
            maxpos = k;

    double w_old[TUNE_NF], w_new[TUNE_NF], w_naive[TUNE_NF];
    for (int k = 0; k < TUNE_NF; k++)
        w_old[k] = bole_weights_feature(old, k);
    size_t pairs = tune_fit(&d, train, n_train, o.no_ipw ? NULL : theta, o.clip, o.l2, o.iters,
                            w_new);
    tune_fit(&d, train, n_train, NULL, o.clip, o.l2, o.iters, w_naive);
    double raw_scale = 0;
    for (int k = 0; k < TUNE_NF; k++)
        raw_scale += w_new[k];
    s_normalise(w_new);
    s_normalise(w_naive);
    if (pairs == 0 || raw_scale <= 0) {
        fprintf(stderr, "bole-tune: %s: the training window has no usable preference "
                        "(no clicked row above an unclicked one); nothing written\n", o.data);
        goto done;
    }

    tune_metrics_t mo, mn, mx, ro, rn, rx;
    tune_evaluate(&d, test, n_test, w_old, theta, o.clip, &mo);
    tune_evaluate(&d, test, n_test, w_new, theta, o.clip, &mn);
    tune_evaluate(&d, test, n_test, w_naive, theta, o.clip, &mx);
    tune_evaluate(&d, test, n_test, w_old, NULL, o.clip, &ro);
    tune_evaluate(&d, test, n_test, w_new, NULL, o.clip, &rn);
    tune_evaluate(&d, test, n_test, w_naive, NULL, o.clip, &rx);
    int better = mn.ndcg > mo.ndcg;

    printf("data: %s: %zu rows, %zu requests (%zu shown)\n", o.data, d.n_rows, d.n_reqs,
           shown_train + shown_test);
    printf("train: %zu requests before %s (%zu shown, %zu preference pairs)\n", n_train, when,
           shown_train, pairs);
    printf("held out: %zu requests from %s on (%zu shown, %zu with a relevant row)\n", n_test,
           when, shown_test, mo.requests);
    printf("\nposition propensity (examination relative to position 1, EM %d iterations):\n",
           em);
    for (int k = 1; k <= maxpos; k++) {
        printf("  %3d %7.3f  (%zu rows)", k, theta[k], count[k]);
        if (o.check && k <= truth.n_theta && truth.theta[1] > 0)
            printf("  true %.3f", truth.theta[k] / truth.theta[1]);
        putchar('\n');
    }
    printf("\nweights (normalised to sum 1)%s:\n", o.no_ipw ? ", fitted WITHOUT position correction" : "");
    printf("  %-24s %8s %8s %8s %10s%s\n", "feature", "old", "new", "change", "no-IPW fit",
           o.check ? "     true" : "");
    double w_true_n[TUNE_NF];
    if (o.check) {
        memcpy(w_true_n, truth.w, sizeof w_true_n);
        s_normalise(w_true_n);
    }
    for (int k = 0; k < TUNE_NF; k++) {
        printf("  %-24s %8.4f %8.4f %+8.4f %10.4f", bole_rank_feature_name(k), w_old[k], w_new[k],
               w_new[k] - w_old[k], w_naive[k]);
        if (o.check)
            printf(" %8.4f", w_true_n[k]);
        putchar('\n');
    }
    printf("\nheld-out window (%zu requests; IPS = each relevant row counts 1/propensity):\n",
           n_test);
    printf("  %-26s %9s %9s %9s %11s\n", "metric", "old", "new", "change", "no-IPW fit");
    s_metrics_rows("(IPS)", &mo, &mn, &mx, stdout, NULL);
    s_metrics_rows("(raw)", &ro, &rn, &rx, stdout, NULL);
    printf("\nverdict: new weights are %s on held-out NDCG@10 (IPS): %.4f vs %.4f\n",
           better ? "BETTER" : "NOT better", mn.ndcg, mo.ndcg);

    int check_failed = 0;
    if (o.check) {
        double cos = s_cosine(w_new, truth.w), cos_naive = s_cosine(w_naive, truth.w),
               cos_old = s_cosine(w_old, truth.w);
        int inversions = 0, compared = 0;
        printf("\ncheck against %s (SIMULATED truth):\n", o.check);
        for (int a = 0; a < TUNE_NF; a++)
            for (int b = 0; b < TUNE_NF; b++) {
                if (w_true_n[a] - w_true_n[b] < o.margin)
                    continue;
                compared++;
                if (!(w_new[a] > w_new[b])) {
                    inversions++;
                    printf("  order: %s (true %.3f) should outweigh %s (true %.3f): fitted "
                           "%.4f vs %.4f\n",
                           bole_rank_feature_name(a), w_true_n[a], bole_rank_feature_name(b),
                           w_true_n[b], w_new[a], w_new[b]);
                }
            }
        double pmax = 0;
        int pk = 0;
        for (int k = 1; k <= truth.n_theta && k <= maxpos; k++) {
            if (count[k] < 50 || truth.theta[1] <= 0)
                continue;
            double e = fabs(theta[k] - truth.theta[k] / truth.theta[1]);
            if (e > pmax) {
                pmax = e;
                pk = k;
            }
        }
        int ok_cos = cos >= 0.95, ok_order = inversions == 0, ok_gain = better,
            ok_prop = pmax <= 0.1;
        printf("  cosine(new, true) = %.4f (>= 0.95: %s); old %.4f; no-IPW fit %.4f\n", cos,
               ok_cos ? "ok" : "FAIL", cos_old, cos_naive);
        printf("  order of true importances (pairs %.3f or more apart): %d of %d in order (%s)\n",
               o.margin, compared - inversions, compared, ok_order ? "ok" : "FAIL");
        printf("  propensities: largest error %.3f at position %d (<= 0.1: %s)\n", pmax, pk,
               ok_prop ? "ok" : "FAIL");
        printf("  held-out NDCG@10 (IPS) new > old: %s\n", ok_gain ? "ok" : "FAIL");
        tune_metrics_t mt, rt;
        tune_evaluate(&d, test, n_test, truth.w, theta, o.clip, &mt);
        tune_evaluate(&d, test, n_test, truth.w, NULL, o.clip, &rt);
        printf("  the true weights on the held-out window: NDCG@10 %.4f (IPS) %.4f (raw), "
               "AUC %.4f (IPS), hire rate top 10 %.4f (IPS)\n",
               mt.ndcg, rt.ndcg, mt.auc, mt.hire_rate);
        check_failed = !(ok_cos && ok_order && ok_prop && ok_gain);
    }

    if (!better && !o.force) {
        printf("\nnothing written: the new weights do not beat the current ones on the held-out "
               "window (--force writes anyway)\n");
        rc = check_failed ? 3 : 0;
        goto done;
    }

    /* Version: date + sequence, after the current version if it is of the same date. */
    char date[16], version[BOLE_WEIGHTS_VERSION_MAX], path[4096];
    if (o.date)
        snprintf(date, sizeof date, "%s", o.date);
    else
        s_utc(date, sizeof date, (int64_t)time(NULL) * 1000, 0);
    int seqn = 1;
    const char *ov = bole_weights_version(old);
    if (strncmp(ov, date, 10) == 0 && ov[10] == '.')
        seqn = atoi(ov + 11) + 1;
    struct stat st;
    for (;; seqn++) {
        snprintf(version, sizeof version, "%s.%d", date, seqn);
        snprintf(path, sizeof path, "%s/weights-%s.conf", o.out_dir, version);
        if (stat(path, &st) != 0)
            break;
    }
    char now[64];
    s_utc(now, sizeof now, (int64_t)time(NULL) * 1000, 1);
    buf_t b = {0};
    s_put(&b, "# weights.conf - fitted by bole-tune on %s (docs/TUNING.md).\n#\n", now);
    s_put(&b, "# Data: %s: %zu rows, %zu requests. Baseline: %s (version %s).\n", o.data,
          d.n_rows, d.n_reqs, o.old_path, ov);
    s_put(&b, "# Trained on the %zu requests served before %s; evaluated on the %zu from then "
              "on.\n", n_train, when, n_test);
    s_put(&b, "# Fit: pairwise logistic loss over (better, worse) outcome pairs of one request,\n"
              "# %s, L2 %g, projected\n"
              "# accelerated gradient (weights kept >= 0), normalised to sum 1.\n",
          o.no_ipw ? "NOT corrected for position bias"
                   : "pairs weighted 1/propensity of the better row's position (position-based\n"
                     "# click model fitted by EM; propensities clipped below at the --clip value)",
          o.l2);
    s_put(&b, "# Held-out window (IPS = relevant rows weighted 1/propensity):\n");
    s_metrics_rows("(IPS)", &mo, &mn, &mx, NULL, &b);
    if (!better)
        s_put(&b, "# Written with --force: NOT better than the baseline on the held-out window.\n");
    s_put(&b, "\nversion = %s\n\n", version);
    for (int k = 0; k < TUNE_NF; k++)
        s_put(&b, "weight.%-22s = %.6f\n", bole_rank_feature_name(k), w_new[k]);
    s_put(&b, "\n# Parameters, unchanged from the baseline.\n");
    s_put(&b, "freshness_half_life_days = %.9g\n",
          (double)bole_weights_freshness_half_life_days(old));
    s_put(&b, "missing_must_have_policy = %s\n",
          bole_weights_missing_must_policy(old) == BOLE_MISSING_MUST_EXCLUDE ? "exclude"
                                                                             : "penalize");
    s_put(&b, "min_score = %.9g\n", (double)bole_weights_min_score(old));
    s_put(&b, "per_talent_daily_pushes = %" PRIu32 "\n", bole_weights_per_talent_daily_pushes(old));
    s_put(&b, "per_need_daily_pushes = %" PRIu32 "\n", bole_weights_per_need_daily_pushes(old));
    s_put(&b, "announce_delta = %.9g\n", (double)bole_weights_announce_delta(old));
    if (b.oom) {
        fprintf(stderr, "bole-tune: out of memory\n");
        free(b.p);
        rc = 1;
        goto done;
    }
    /* The daemon's own parser must accept what we are about to deploy. */
    bole_weights_t *fresh = NULL;
    if (bole_weights_parse(&fresh, b.p, b.n, path, err, sizeof err) != 0) {
        fprintf(stderr, "bole-tune: internal error, the new file does not parse: %s\n", err);
        free(b.p);
        rc = 1;
        goto done;
    }
    bole_weights_destroy(&fresh);
    printf("\nweight diff (old -> new):\n");
    for (int k = 0; k < TUNE_NF; k++)
        printf("  %s weight.%-22s %.4f -> %.4f\n",
               fabs(w_new[k] - w_old[k]) < 5e-5 ? " " : w_new[k] > w_old[k] ? "+" : "-",
               bole_rank_feature_name(k), w_old[k], w_new[k]);
    if (s_write_atomic(path, b.p, b.n) != 0) {
        free(b.p);
        rc = 1;
        goto done;
    }
    printf("wrote %s (version %s)%s\n", path, version,
           better ? "" : " with --force: NOT better on the held-out window");
    rc = 0;
    if (o.install) {
        char target[4096];
        snprintf(target, sizeof target, "%s/weights.conf", o.install);
        if (s_write_atomic(target, b.p, b.n) != 0) {
            free(b.p);
            rc = 1;
            goto done;
        }
        printf("installed %s\n", target);
    }
    free(b.p);
    if (o.reload) {
        bole_client_t *c = bole_client_new(o.server, o.timeout);
        if (!c) {
            fprintf(stderr, "bole-tune: bad endpoint '%s'\n", o.server);
            rc = 1;
            goto done;
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__ReloadModelRequest rq = BOLE__RELOAD_MODEL_REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_RELOAD_MODEL;
        req.reload_model = &rq;
        Bole__Response *resp = NULL;
        int e = bole_client_call(c, &req, &resp);
        if (e != BOLE_OK) {
            fprintf(stderr, "bole-tune: reload_model: %s: %s\n", o.server, bole_strerror(e));
            rc = 1;
        } else if (resp->status != BOLE__STATUS_CODE__OK ||
                   resp->body_case != BOLE__RESPONSE__BODY_RELOAD_MODEL) {
            fprintf(stderr, "bole-tune: reload_model refused: %s: %s (the daemon keeps its "
                            "weights)\n",
                    bole_status_name(resp->status), resp->error ? resp->error : "");
            rc = 1;
        } else if (strcmp(resp->reload_model->weights_version, version) != 0) {
            fprintf(stderr, "bole-tune: the daemon reports weights version '%s', not '%s' "
                            "(is --install its model folder?)\n",
                    resp->reload_model->weights_version, version);
            rc = 1;
        } else {
            printf("daemon %s now serves weights %s\n", o.server, version);
        }
        bole_response_free(resp);
        bole_client_destroy(&c);
    }
    if (rc == 0 && check_failed)
        rc = 3;
done:
    free(order);
    tune_data_free(&d);
    bole_weights_destroy(&old);
    return rc;
}
