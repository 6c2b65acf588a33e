/*
 * bole-export - pages ExportOutcomes from a running boled and writes the
 * served pairs with their logged feature values and furthest outcome in the
 * file formats of docs/OUTCOMES.md: CSV (the input of bole-tune) and
 * RankLib/LibSVM text (for existing learning-to-rank tools).
 *
 * Each output is written to a temporary file beside its target and renamed
 * over it only when the whole export succeeded, so a failed or interrupted
 * export leaves no partial file behind (and an older export untouched).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bole/client.h"

#define N_FEATURES 10

/* The ranking features in daemon/rank.h order (docs/RANKING.md); bole-tune
 * checks the CSV header against the daemon's own table. */
static const char *const s_features[N_FEATURES] = {
    "similarity",        "must_have_coverage", "nice_to_have_coverage", "industry",
    "zone",              "experience_fit",     "education_fit",         "talent_preference",
    "policy_priority",   "freshness"};

typedef struct {
    FILE *f;          /* Open temporary file, or NULL when this format is off. */
    const char *path; /* Final path. */
    char *tmp;        /* Temporary path (malloc'd). */
} out_t;

/* Request id -> qid (1, 2, ... in order of first appearance). */
typedef struct {
    char **keys;
    uint32_t *vals;
    size_t cap, n;
} qmap_t;

static void s_usage(FILE *out)
{
    fputs("usage: bole-export [--server ENDPOINT] [--csv FILE] [--ranklib FILE]\n"
          "                   [--from MS] [--to MS] [--after-seq N] [--page N]\n"
          "                   [--timeout MS] [--quiet]\n"
          "\n"
          "Pages ExportOutcomes from a running boled: one row per served pair (match\n"
          "answers log their feature values at serve time) with its furthest reported\n"
          "outcome. Writes the formats of docs/OUTCOMES.md:\n"
          "  CSV      seq,request_id,source,weights_version,talent_id,need_id,position,\n"
          "           score,<10 feature columns>,outcome,at   (outcome = FeedbackKind\n"
          "           number, 0 = nothing reported; at = serve time, Unix ms)\n"
          "  RankLib  <label> qid:<n> 1:<v1> ... 10:<v10> # <request_id> <talent_id> <need_id>\n"
          "           label hire=4, offer=3, interview/shortlist=2, apply/click/contact=1, else 0\n"
          "Files are written to a temporary name and renamed when complete.\n"
          "\n"
          "  --server ENDPOINT  boled request endpoint (default " BOLE_DEFAULT_ENDPOINT ")\n"
          "  --csv FILE         write the CSV here ('-' = standard output)\n"
          "  --ranklib FILE     write RankLib/LibSVM text here\n"
          "  --from MS --to MS  serve time range in Unix ms (default: all)\n"
          "  --after-seq N      start after this feature-log sequence number\n"
          "  --page N           rows per request, 1-10000 (default 5000)\n"
          "  --timeout MS       per-request timeout (default 30000)\n"
          "  --quiet            no progress line on standard error\n"
          "  --help             this text\n"
          "Exit status: 0 done, 1 daemon or I/O error, 2 bad arguments.\n",
          out);
}

static int s_num(const char *flag, const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || !end || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "bole-export: %s wants a whole number in [%lld, %lld], not '%s'\n",
                flag, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

/* Graded relevance of docs/OUTCOMES.md from a FeedbackKind number. */
static int s_label(int kind)
{
    switch (kind) {
    case BOLE__FEEDBACK_KIND__FEEDBACK_HIRE: return 4;
    case BOLE__FEEDBACK_KIND__FEEDBACK_OFFER: return 3;
    case BOLE__FEEDBACK_KIND__FEEDBACK_INTERVIEW:
    case BOLE__FEEDBACK_KIND__FEEDBACK_SHORTLIST: return 2;
    case BOLE__FEEDBACK_KIND__FEEDBACK_APPLY:
    case BOLE__FEEDBACK_KIND__FEEDBACK_CLICK:
    case BOLE__FEEDBACK_KIND__FEEDBACK_CONTACT: return 1;
    default: return 0;
    }
}

/* FNV-1a. */
static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The qid of request id `id`, adding it if new. Returns 0 on out of memory. */
static uint32_t s_qid(qmap_t *m, const char *id)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        char **k = calloc(cap, sizeof *k);
        uint32_t *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return 0;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = s_hash(m->keys[i]) & (cap - 1);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = m->keys[i];
            v[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = cap;
    }
    size_t j = s_hash(id) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], id) == 0)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    m->keys[j] = strdup(id);
    if (!m->keys[j])
        return 0;
    m->vals[j] = (uint32_t)++m->n;
    return m->vals[j];
}

static void s_qmap_free(qmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

/* One CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static void s_csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int s_open(out_t *o, const char *path)
{
    o->path = path;
    if (!path)
        return 0;
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    size_t n = strlen(path) + 32;
    o->tmp = malloc(n);
    if (!o->tmp)
        return -1;
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        fprintf(stderr, "bole-export: cannot write %s: %s\n", o->tmp, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

/* Finish (ok != 0: flush, sync and rename over the target) or abandon the output. */
static int s_close(out_t *o, int ok)
{
    int rc = 0;
    if (!o->f)
        return 0;
    if (o->f == stdout) {
        rc = fflush(stdout) == 0 ? 0 : -1;
        o->f = NULL;
        return rc;
    }
    if (ok && (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)) {
        fprintf(stderr, "bole-export: cannot write %s: %s\n", o->tmp, strerror(errno));
        ok = 0;
        rc = -1;
    }
    if (fclose(o->f) != 0 && ok) {
        fprintf(stderr, "bole-export: cannot write %s: %s\n", o->tmp, strerror(errno));
        ok = 0;
        rc = -1;
    }
    o->f = NULL;
    if (ok && rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "bole-export: cannot rename %s to %s: %s\n", o->tmp, o->path,
                strerror(errno));
        ok = 0;
        rc = -1;
    }
    if (!ok)
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return rc;
}

/* Write one row to the open outputs. Returns 0, or -1 after printing why. */
static int s_write_row(out_t *csv, out_t *rl, qmap_t *qids, const Bole__OutcomeRow *r)
{
    float v[N_FEATURES];
    int seen[N_FEATURES] = {0};
    for (size_t i = 0; i < r->n_features; i++) {
        const char *name = r->features[i]->feature ? r->features[i]->feature : "";
        int k = 0;
        while (k < N_FEATURES && strcmp(s_features[k], name) != 0)
            k++;
        if (k == N_FEATURES) {
            fprintf(stderr, "bole-export: row seq %" PRIu64 " has unknown feature '%s'\n",
                    r->seq, name);
            return -1;
        }
        v[k] = r->features[i]->value;
        seen[k] = 1;
    }
    for (int k = 0; k < N_FEATURES; k++) {
        if (!seen[k]) {
            fprintf(stderr, "bole-export: row seq %" PRIu64 " lacks feature '%s'\n", r->seq,
                    s_features[k]);
            return -1;
        }
    }
    if (csv->f) {
        FILE *f = csv->f;
        fprintf(f, "%" PRIu64 ",", r->seq);
        s_csv_str(f, r->request_id);
        fprintf(f, ",%d,", (int)r->source);
        s_csv_str(f, r->weights_version);
        fputc(',', f);
        s_csv_str(f, r->talent_id);
        fputc(',', f);
        s_csv_str(f, r->need_id);
        fprintf(f, ",%u,%.9g", r->position, (double)r->score);
        for (int k = 0; k < N_FEATURES; k++)
            fprintf(f, ",%.9g", (double)v[k]);
        fprintf(f, ",%d,%" PRId64 "\n", (int)r->outcome, r->at);
    }
    if (rl->f) {
        uint32_t q = s_qid(qids, r->request_id);
        if (q == 0) {
            fprintf(stderr, "bole-export: out of memory\n");
            return -1;
        }
        fprintf(rl->f, "%d qid:%u", s_label((int)r->outcome), q);
        for (int k = 0; k < N_FEATURES; k++)
            fprintf(rl->f, " %d:%.9g", k + 1, (double)v[k]);
        fprintf(rl->f, " # %s %s %s\n", r->request_id, r->talent_id, r->need_id);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *server = BOLE_DEFAULT_ENDPOINT, *csv_path = NULL, *rl_path = NULL;
    long long from = 0, to = 0, after = 0, page = 5000, timeout = 30000;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bole-export: '%s' needs a value (see --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        int bad = 0;
        if (strcmp(a, "--server") == 0)
            server = v;
        else if (strcmp(a, "--csv") == 0)
            csv_path = v;
        else if (strcmp(a, "--ranklib") == 0)
            rl_path = v;
        else if (strcmp(a, "--from") == 0)
            bad = s_num(a, v, 0, INT64_MAX, &from);
        else if (strcmp(a, "--to") == 0)
            bad = s_num(a, v, 0, INT64_MAX, &to);
        else if (strcmp(a, "--after-seq") == 0)
            bad = s_num(a, v, 0, INT64_MAX, &after);
        else if (strcmp(a, "--page") == 0)
            bad = s_num(a, v, 1, 10000, &page);
        else if (strcmp(a, "--timeout") == 0)
            bad = s_num(a, v, 1, 3600000, &timeout);
        else {
            fprintf(stderr, "bole-export: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (!csv_path && !rl_path) {
        fprintf(stderr, "bole-export: say where to write: --csv FILE and/or --ranklib FILE\n");
        return 2;
    }
    if (csv_path && rl_path && strcmp(csv_path, "-") == 0 && strcmp(rl_path, "-") == 0) {
        fprintf(stderr, "bole-export: only one output may be '-'\n");
        return 2;
    }
    if (to && to <= from) {
        fprintf(stderr, "bole-export: --to must be after --from\n");
        return 2;
    }
    bole_client_t *c = bole_client_new(server, (int)timeout);
    if (!c) {
        fprintf(stderr, "bole-export: bad endpoint '%s'\n", server);
        return 2;
    }
    out_t csv = {0}, rl = {0};
    qmap_t qids = {0};
    int ok = s_open(&csv, csv_path) == 0 && s_open(&rl, rl_path) == 0;
    if (ok && csv.f) {
        fputs("seq,request_id,source,weights_version,talent_id,need_id,position,score", csv.f);
        for (int k = 0; k < N_FEATURES; k++)
            fprintf(csv.f, ",%s", s_features[k]);
        fputs(",outcome,at\n", csv.f);
    }
    uint64_t rows = 0, seq = (uint64_t)after, pages = 0;
    int more = ok;
    while (more) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__ExportOutcomesRequest q = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
        q.from = from;
        q.to = to;
        q.after_seq = seq;
        q.limit = (uint32_t)page;
        req.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
        req.export_outcomes = &q;
        Bole__Response *resp = NULL;
        int rc = bole_client_call(c, &req, &resp);
        if (rc != BOLE_OK) {
            fprintf(stderr, "%sbole-export: %s: %s\n", quiet ? "" : "\n", server,
                    bole_strerror(rc));
            ok = 0;
            break;
        }
        if (resp->status != BOLE__STATUS_CODE__OK ||
            resp->body_case != BOLE__RESPONSE__BODY_EXPORT_OUTCOMES) {
            fprintf(stderr, "%sbole-export: export_outcomes: %s: %s\n", quiet ? "" : "\n",
                    bole_status_name(resp->status), resp->error ? resp->error : "");
            bole_response_free(resp);
            ok = 0;
            break;
        }
        const Bole__ExportOutcomesResponse *e = resp->export_outcomes;
        for (size_t i = 0; i < e->n_rows && ok; i++)
            ok = s_write_row(&csv, &rl, &qids, e->rows[i]) == 0;
        rows += e->n_rows;
        pages++;
        more = ok && e->more && e->last_seq > seq;
        seq = e->last_seq;
        bole_response_free(resp);
        if (!quiet)
            fprintf(stderr, "\rbole-export: %" PRIu64 " rows, %" PRIu64 " pages, seq %" PRIu64,
                    rows, pages, seq);
    }
    if (!quiet && ok)
        fputc('\n', stderr);
    if (s_close(&csv, ok) != 0)
        ok = 0;
    if (s_close(&rl, ok) != 0)
        ok = 0;
    s_qmap_free(&qids);
    bole_client_destroy(&c);
    if (ok && !quiet)
        fprintf(stderr, "bole-export: wrote %" PRIu64 " rows%s%s%s%s\n", rows,
                csv_path ? " csv " : "", csv_path ? csv_path : "",
                rl_path ? " ranklib " : "", rl_path ? rl_path : "");
    return ok ? 0 : 1;
}
