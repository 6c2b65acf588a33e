/*
 * data.c - reads the outcome CSV of docs/OUTCOMES.md (as bole-export writes
 * it) into rows grouped by request. Strict: any line that does not parse
 * refuses the whole file with "path:line: reason", because a tuning run on
 * silently skipped rows would be a run on different data than the analyst
 * thinks.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"
#include "tune.h"

#define MAX_LINE (64 * 1024)
#define MAX_FIELDS 32
#define N_FIXED 8 /* seq .. score */

static const char *const s_fixed[N_FIXED] = {"seq",       "request_id", "source", "weights_version",
                                             "talent_id", "need_id",    "position", "score"};

typedef struct {
    char **keys;
    uint32_t *vals;
    size_t cap, n;
} map_t;

int tune_label(int outcome)
{
    switch (outcome) {
    case 6: return 4;           /* hire */
    case 5: return 3;           /* offer */
    case 4: case 10: return 2;  /* interview, shortlist */
    case 2: case 3: case 9: return 1; /* click, contact, apply */
    default: return 0;
    }
}

static void s_err(char *err, size_t errlen, const char *path, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void s_err(char *err, size_t errlen, const char *path, size_t line, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s:%zu: ", path, line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Split line (modified in place) into fields; RFC 4180 quotes allowed.
 * Returns the field count, or -1 for an unterminated quote. */
static int s_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return max + 1;
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            *w = '\0';
            if (*p == '\0')
                return n;
            if (*p != ',')
                return -1;
            p++;
            continue;
        }
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            return n;
        *c = '\0';
        p = c + 1;
    }
}

static int s_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int s_real(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Request index of id, adding a request to d if new. UINT32_MAX: no memory. */
static uint32_t s_request(map_t *m, tune_data_t *d, size_t *cap, const char *id)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 4096;
        char **k = calloc(nc, sizeof *k);
        uint32_t *v = calloc(nc, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return UINT32_MAX;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = s_hash(m->keys[i]) & (nc - 1);
            while (k[j])
                j = (j + 1) & (nc - 1);
            k[j] = m->keys[i];
            v[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = nc;
    }
    size_t j = s_hash(id) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], id) == 0)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (d->n_reqs == *cap) {
        size_t nc = *cap ? 2 * *cap : 1024;
        tune_req_t *r = realloc(d->reqs, nc * sizeof *r);
        if (!r)
            return UINT32_MAX;
        d->reqs = r;
        *cap = nc;
    }
    char *copy = strdup(id);
    if (!copy)
        return UINT32_MAX;
    tune_req_t *r = &d->reqs[d->n_reqs];
    memset(r, 0, sizeof *r);
    r->id = copy;
    r->at = INT64_MAX;
    m->keys[j] = copy; /* Shared with the request; freed with it. */
    m->vals[j] = (uint32_t)d->n_reqs++;
    return m->vals[j];
}

/* Index of weights version v in d->versions, added if new; -1: no memory. */
static int s_version(tune_data_t *d, const char *v)
{
    for (size_t i = 0; i < d->n_versions; i++)
        if (strcmp(d->versions[i], v) == 0)
            return (int)i;
    char **nv = realloc(d->versions, (d->n_versions + 1) * sizeof *nv);
    if (!nv)
        return -1;
    d->versions = nv;
    nv[d->n_versions] = strdup(v);
    if (!nv[d->n_versions])
        return -1;
    return (int)d->n_versions++;
}

void tune_data_free(tune_data_t *d)
{
    for (size_t i = 0; i < d->n_reqs; i++) {
        free(d->reqs[i].id);
        free(d->reqs[i].rows);
    }
    free(d->reqs);
    free(d->rows);
    for (size_t i = 0; i < d->n_versions; i++)
        free(d->versions[i]);
    free(d->versions);
    memset(d, 0, sizeof *d);
}

/* Check the header row; sets *has_at. */
static int s_header(char **f, int n, int *has_at, const char *path, char *err, size_t errlen)
{
    int want = N_FIXED + TUNE_NF + 1;
    if (n != want && n != want + 1) {
        s_err(err, errlen, path, 1, "header has %d columns, expected %d or %d (docs/OUTCOMES.md)",
              n, want, want + 1);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *exp = i < N_FIXED            ? s_fixed[i]
                          : i < N_FIXED + TUNE_NF ? bole_rank_feature_name(i - N_FIXED)
                          : i == want - 1         ? "outcome"
                                                  : "at";
        if (strcmp(f[i], exp) != 0) {
            s_err(err, errlen, path, 1, "column %d is '%s', expected '%s'", i + 1, f[i], exp);
            return -1;
        }
    }
    *has_at = n == want + 1;
    return 0;
}

int tune_load(tune_data_t *d, const char *path, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        s_err(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    map_t m = {0};
    size_t row_cap = 0, req_cap = 0, lineno = 0, linecap = 0;
    char *line = NULL;
    char *f[MAX_FIELDS];
    int rc = -1, header = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, fp)) >= 0) {
        lineno++;
        if (len > MAX_LINE) {
            s_err(err, errlen, path, lineno, "line longer than %d bytes", MAX_LINE);
            goto out;
        }
        if ((size_t)len != strlen(line)) {
            s_err(err, errlen, path, lineno, "NUL byte in line");
            goto out;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) {
            s_err(err, errlen, path, lineno, "empty line");
            goto out;
        }
        int n = s_split(line, f, MAX_FIELDS);
        if (n < 0) {
            s_err(err, errlen, path, lineno, "unterminated or misplaced quote");
            goto out;
        }
        if (!header) {
            if (s_header(f, n, &d->has_at, path, err, errlen) != 0)
                goto out;
            header = 1;
            continue;
        }
        int want = N_FIXED + TUNE_NF + 1 + d->has_at;
        if (n != want) {
            s_err(err, errlen, path, lineno, "%d fields, expected %d", n > MAX_FIELDS ? MAX_FIELDS : n,
                  want);
            goto out;
        }
        if (d->n_rows == row_cap) {
            size_t nc = row_cap ? 2 * row_cap : 4096;
            tune_row_t *r = realloc(d->rows, nc * sizeof *r);
            if (!r) {
                s_err(err, errlen, path, lineno, "out of memory");
                goto out;
            }
            d->rows = r;
            row_cap = nc;
        }
        tune_row_t *r = &d->rows[d->n_rows];
        memset(r, 0, sizeof *r);
        long long v = 0;
        double x = 0;
        if (s_int(f[0], 0, INT64_MAX, &v) != 0) {
            s_err(err, errlen, path, lineno, "seq '%s' is not a whole number >= 0", f[0]);
            goto out;
        }
        r->seq = (uint64_t)v;
        if (f[1][0] == '\0') {
            s_err(err, errlen, path, lineno, "empty request_id");
            goto out;
        }
        if (s_int(f[6], 1, 1000000, &v) != 0) {
            s_err(err, errlen, path, lineno, "position '%s' is not a whole number >= 1", f[6]);
            goto out;
        }
        r->pos = v > TUNE_MAX_POS ? TUNE_MAX_POS : (int)v;
        if (s_real(f[7], &x) != 0) {
            s_err(err, errlen, path, lineno, "score '%s' is not a finite number", f[7]);
            goto out;
        }
        for (int k = 0; k < TUNE_NF; k++) {
            const char *s = f[N_FIXED + k];
            if (s_real(s, &x) != 0 || x < -1e-6 || x > 1 + 1e-6) {
                s_err(err, errlen, path, lineno, "%s '%s' is not a number in [0, 1]",
                      bole_rank_feature_name(k), s);
                goto out;
            }
            r->x[k] = x;
        }
        if (s_int(f[N_FIXED + TUNE_NF], 0, 10, &v) != 0) {
            s_err(err, errlen, path, lineno, "outcome '%s' is not a FeedbackKind number 0-10",
                  f[N_FIXED + TUNE_NF]);
            goto out;
        }
        r->outcome = (int)v;
        r->label = tune_label(r->outcome);
        if (d->has_at) {
            if (s_int(f[N_FIXED + TUNE_NF + 1], 0, INT64_MAX, &v) != 0) {
                s_err(err, errlen, path, lineno, "at '%s' is not a time in Unix ms",
                      f[N_FIXED + TUNE_NF + 1]);
                goto out;
            }
            r->at = v;
        } else {
            r->at = (int64_t)r->seq;
        }
        uint32_t q = s_request(&m, d, &req_cap, f[1]);
        if (q == UINT32_MAX) {
            s_err(err, errlen, path, lineno, "out of memory");
            goto out;
        }
        r->req = q;
        tune_req_t *rq = &d->reqs[q];
        int ver = s_version(d, f[3]);
        if (ver < 0) {
            s_err(err, errlen, path, lineno, "out of memory");
            goto out;
        }
        if (rq->n == 0) {
            rq->version = ver;
        } else if (rq->version != ver) {
            s_err(err, errlen, path, lineno, "request '%s' has rows of weights versions '%s' "
                  "and '%s' (one answer is scored by one version)", f[1],
                  d->versions[rq->version], f[3]);
            goto out;
        }
        if (r->at < rq->at)
            rq->at = r->at;
        rq->n++;
        if (r->outcome != 0)
            rq->shown = 1;
        if (r->label > 0)
            rq->clicked++;
        d->n_rows++;
    }
    if (ferror(fp)) {
        s_err(err, errlen, path, lineno, "read error: %s", strerror(errno));
        goto out;
    }
    if (!header) {
        s_err(err, errlen, path, 0, "empty file (no header row)");
        goto out;
    }
    for (size_t i = 0; i < d->n_reqs; i++) {
        d->reqs[i].rows = malloc(d->reqs[i].n * sizeof(size_t));
        if (!d->reqs[i].rows) {
            s_err(err, errlen, path, lineno, "out of memory");
            goto out;
        }
        d->reqs[i].n = 0;
    }
    for (size_t i = 0; i < d->n_rows; i++) {
        tune_req_t *rq = &d->reqs[d->rows[i].req];
        rq->rows[rq->n++] = i;
    }
    rc = 0;
out:
    free(line);
    free(m.keys);
    free(m.vals);
    fclose(fp);
    if (rc != 0)
        tune_data_free(d);
    return rc;
}
