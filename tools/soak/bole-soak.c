/* bole-soak — bounded soak test of a real boled (docs/OPERATIONS.md).
 *
 * usage: bole-soak [--duration S] [--clients N] [--talents N] [--warmup S]
 *                  [--rss-margin PCT] [--seed S] [--boled PATH | --server ENDPOINT]
 *
 * Starts its own boled (synchronous=full, temporary DB) unless --server is
 * given, loads a base population, then runs mixed reads and writes from N
 * client threads (one client each) for the duration: get_talent, get_need,
 * match_for_need, match_for_talent, put_talent, put_need, delete_talent.
 * Base records are never deleted, so every request must answer OK; each
 * thread puts and deletes only talents of its own id range.
 *
 * Prints a progress line every 10 s, then requests, errors, p50/p99 latency
 * per type and the daemon's RSS after warm-up and at the end. Exit status:
 * 0 pass; 1 if any request failed or the end RSS exceeds the warm-up RSS by
 * more than --rss-margin percent; 2 bad usage; 3 set-up failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bole/client.h"
#include "kit.h"

enum { OP_GET_TALENT, OP_GET_NEED, OP_MATCH_NEED, OP_MATCH_TALENT, OP_PUT_TALENT, OP_PUT_NEED,
       OP_DELETE_TALENT, N_OPS };
static const char *const s_op_name[N_OPS] = { "get_talent", "get_need", "match_for_need",
                                              "match_for_talent", "put_talent", "put_need",
                                              "delete_talent" };
/* Mix in percent, in OP order. */
static const int s_mix[N_OPS] = { 25, 10, 15, 15, 20, 5, 10 };

static const char *const s_occ[] = { "Data Scientist", "Registered Nurse", "Welder",
                                     "Accountant", "Electrician", "Software Developer" };
static const char *const s_skills[][3] = {
    { "python", "sql", "machine learning" },
    { "patient care", "nursing", "medication administration" },
    { "welding", "blueprint reading", "metal fabrication" },
    { "accounting", "excel", "auditing" },
    { "electrical wiring", "troubleshooting", "blueprint reading" },
    { "c", "linux", "git" },
};
static const char *const s_zones[] = { "north", "south", "east", "west", "centre" };

#define OWN_SLOTS 200  /* Talents each thread puts and deletes. */

typedef struct {
    double *v;
    size_t n, cap;
} samples_t;

typedef struct {
    int idx;
    kit_rng_t rng;
    const char *endpoint;
    samples_t lat[N_OPS];
    atomic_ulong count[N_OPS];
    atomic_ulong errors[N_OPS];
    unsigned char present[OWN_SLOTS];
} worker_t;

static atomic_int s_stop;
static size_t s_n_talents = 2000, s_n_needs = 400;
static char s_first_error[512];
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;

static void s_sample(samples_t *s, double ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = kit_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = ms;
}

static void s_fill_talent(Bole__Talent *t, Bole__Skill *sk, Bole__Skill **skp, char *id,
                          size_t i, kit_rng_t *rng)
{
    size_t o = i % 6;
    Bole__Talent t0 = BOLE__TALENT__INIT;
    *t = t0;
    for (int k = 0; k < 3; k++) {
        Bole__Skill s0 = BOLE__SKILL__INIT;
        sk[k] = s0;
        sk[k].name = (char *)s_skills[o][k];
        sk[k].level = 1 + (uint32_t)kit_rng_below(rng, 5);
        skp[k] = &sk[k];
    }
    t->external_id = id;
    t->zone = (char *)s_zones[i % 5];
    t->occupation = (char *)s_occ[o];
    t->skills = skp;
    t->n_skills = 3;
    t->experience_years = (float)kit_rng_below(rng, 30);
    t->summary = "Soak test profile.";
}

static void s_fill_need(Bole__Need *n, Bole__NeedSkill *sk, Bole__NeedSkill **skp, char *id,
                        size_t i)
{
    size_t o = i % 6;
    Bole__Need n0 = BOLE__NEED__INIT;
    *n = n0;
    for (int k = 0; k < 2; k++) {
        Bole__NeedSkill s0 = BOLE__NEED_SKILL__INIT;
        sk[k] = s0;
        sk[k].name = (char *)s_skills[o][k];
        sk[k].must_have = k == 0;
        skp[k] = &sk[k];
    }
    n->external_id = id;
    n->zone = (char *)s_zones[i % 5];
    n->title = (char *)s_occ[o];
    n->organisation = "soak-org";
    n->skills = skp;
    n->n_skills = 2;
}

/* One call; returns 1 if OK. */
static int s_call(bole_client_t *c, Bole__Request *req, const char *what)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(c, req, &r);
    int ok = rc == BOLE_OK && r->status == BOLE__STATUS_CODE__OK;
    if (!ok) {
        pthread_mutex_lock(&s_mu);
        if (!s_first_error[0])
            snprintf(s_first_error, sizeof s_first_error, "%s: %s%s%s", what,
                     rc != BOLE_OK ? bole_strerror(rc) : bole_status_name((int)r->status),
                     rc == BOLE_OK && r->error ? ": " : "", rc == BOLE_OK && r->error ? r->error : "");
        pthread_mutex_unlock(&s_mu);
    }
    bole_response_free(r);
    return ok;
}

static int s_load(const char *endpoint)
{
    bole_client_t *c = bole_client_new(endpoint, 120000);
    kit_rng_t rng = { 7 };
    int ok = c != NULL;
    const size_t chunk = 1000;
    for (size_t from = 0; ok && from < s_n_talents; from += chunk) {
        size_t n = from + chunk > s_n_talents ? s_n_talents - from : chunk;
        Bole__Talent *t = kit_xcalloc(n, sizeof *t), **tp = kit_xcalloc(n, sizeof *tp);
        Bole__Skill *sk = kit_xcalloc(n * 3, sizeof *sk), **skp = kit_xcalloc(n * 3, sizeof *skp);
        char (*ids)[32] = kit_xcalloc(n, sizeof *ids);
        for (size_t j = 0; j < n; j++) {
            snprintf(ids[j], sizeof ids[j], "S-T%06zu", from + j);
            s_fill_talent(&t[j], &sk[j * 3], &skp[j * 3], ids[j], from + j, &rng);
            tp[j] = &t[j];
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
        b.talents = tp;
        b.n_talents = n;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &b;
        ok = s_call(c, &req, "load put_talents");
        free(t); free(tp); free(sk); free(skp); free(ids);
    }
    for (size_t from = 0; ok && from < s_n_needs; from += chunk) {
        size_t n = from + chunk > s_n_needs ? s_n_needs - from : chunk;
        Bole__Need *nd = kit_xcalloc(n, sizeof *nd), **np = kit_xcalloc(n, sizeof *np);
        Bole__NeedSkill *sk = kit_xcalloc(n * 2, sizeof *sk), **skp = kit_xcalloc(n * 2, sizeof *skp);
        char (*ids)[32] = kit_xcalloc(n, sizeof *ids);
        for (size_t j = 0; j < n; j++) {
            snprintf(ids[j], sizeof ids[j], "S-N%06zu", from + j);
            s_fill_need(&nd[j], &sk[j * 2], &skp[j * 2], ids[j], from + j);
            np[j] = &nd[j];
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutNeedsRequest b = BOLE__PUT_NEEDS_REQUEST__INIT;
        b.needs = np;
        b.n_needs = n;
        req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
        req.put_needs = &b;
        ok = s_call(c, &req, "load put_needs");
        free(nd); free(np); free(sk); free(skp); free(ids);
    }
    bole_client_destroy(&c);
    return ok ? 0 : -1;
}

static int s_pick_op(kit_rng_t *rng)
{
    int r = (int)kit_rng_below(rng, 100), acc = 0;
    for (int i = 0; i < N_OPS; i++) {
        acc += s_mix[i];
        if (r < acc)
            return i;
    }
    return OP_GET_TALENT;
}

static void *s_worker_main(void *arg)
{
    worker_t *w = arg;
    bole_client_t *c = bole_client_new(w->endpoint, 30000);
    if (!c) {
        atomic_fetch_add(&w->errors[0], 1);
        return NULL;
    }
    while (!atomic_load(&s_stop)) {
        int op = s_pick_op(&w->rng);
        char id[48];
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__IdRequest ib = BOLE__ID_REQUEST__INIT;
        Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
        Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
        Bole__PutTalentRequest pt = BOLE__PUT_TALENT_REQUEST__INIT;
        Bole__PutNeedRequest pn = BOLE__PUT_NEED_REQUEST__INIT;
        Bole__Talent t;
        Bole__Skill sk[3], *skp[3];
        Bole__Need nd;
        Bole__NeedSkill nsk[2], *nskp[2];
        size_t slot = kit_rng_below(&w->rng, OWN_SLOTS);
        ib.id = id;
        switch (op) {
        case OP_GET_TALENT:
            snprintf(id, sizeof id, "S-T%06zu", kit_rng_below(&w->rng, s_n_talents));
            req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
            req.get_talent = &ib;
            break;
        case OP_GET_NEED:
            snprintf(id, sizeof id, "S-N%06zu", kit_rng_below(&w->rng, s_n_needs));
            req.body_case = BOLE__REQUEST__BODY_GET_NEED;
            req.get_need = &ib;
            break;
        case OP_MATCH_NEED:
            snprintf(id, sizeof id, "S-N%06zu", kit_rng_below(&w->rng, s_n_needs));
            mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
            mn.need_id = id;
            mn.k = 20;
            mn.explain = kit_rng_below(&w->rng, 4) == 0;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
            req.match_for_need = &mn;
            break;
        case OP_MATCH_TALENT:
            snprintf(id, sizeof id, "S-T%06zu", kit_rng_below(&w->rng, s_n_talents));
            mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
            mt.talent_id = id;
            mt.k = 20;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
            req.match_for_talent = &mt;
            break;
        case OP_DELETE_TALENT:
            if (w->present[slot]) {
                snprintf(id, sizeof id, "S-W%02d-%03zu", w->idx, slot);
                req.body_case = BOLE__REQUEST__BODY_DELETE_TALENT;
                req.delete_talent = &ib;
                break;
            }
            op = OP_PUT_TALENT; /* Nothing to delete there: put it instead. */
            /* fall through */
        case OP_PUT_TALENT:
            /* Half replace a base talent, half put an own one. */
            if (kit_rng_below(&w->rng, 2)) {
                size_t i = kit_rng_below(&w->rng, s_n_talents);
                snprintf(id, sizeof id, "S-T%06zu", i);
                s_fill_talent(&t, sk, skp, id, i, &w->rng);
            } else {
                snprintf(id, sizeof id, "S-W%02d-%03zu", w->idx, slot);
                s_fill_talent(&t, sk, skp, id, slot, &w->rng);
                w->present[slot] = 1;
            }
            pt.talent = &t;
            req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
            req.put_talent = &pt;
            break;
        default: { /* OP_PUT_NEED: replace a base need. */
            size_t i = kit_rng_below(&w->rng, s_n_needs);
            snprintf(id, sizeof id, "S-N%06zu", i);
            s_fill_need(&nd, nsk, nskp, id, i);
            pn.need = &nd;
            req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
            req.put_need = &pn;
            break;
        }
        }
        double t0 = kit_now_s();
        int ok = s_call(c, &req, s_op_name[op]);
        s_sample(&w->lat[op], (kit_now_s() - t0) * 1000.0);
        atomic_fetch_add(&w->count[op], 1);
        if (!ok)
            atomic_fetch_add(&w->errors[op], 1);
        if (op == OP_DELETE_TALENT && ok)
            w->present[slot] = 0;
    }
    bole_client_destroy(&c);
    return NULL;
}

/* The heap SQLite holds inside the daemon (stats.sqlite_heap_bytes), and in
 * *in_use all heap in use (stats.heap_in_use_bytes); 0 if unreadable. */
static uint64_t s_heap(const char *endpoint, uint64_t *in_use)
{
    bole_client_t *c = bole_client_new(endpoint, 10000);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r = NULL;
    uint64_t bytes = 0;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    *in_use = 0;
    if (c && bole_client_call(c, &req, &r) == BOLE_OK && r->stats) {
        bytes = r->stats->sqlite_heap_bytes;
        *in_use = r->stats->heap_in_use_bytes;
    }
    bole_response_free(r);
    bole_client_destroy(&c);
    return bytes;
}

/* RSS in bytes: /proc/<pid>/status when we own the daemon, else stats.rss_bytes. */
static uint64_t s_rss(pid_t pid, const char *endpoint)
{
    if (pid > 0) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        FILE *f = fopen(path, "r");
        uint64_t kb = 0;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "VmRSS: %" SCNu64, &kb) == 1)
                break;
        if (f)
            fclose(f);
        return kb * 1024;
    }
    bole_client_t *c = bole_client_new(endpoint, 10000);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r = NULL;
    uint64_t rss = 0;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    if (c && bole_client_call(c, &req, &r) == BOLE_OK && r->stats)
        rss = r->stats->rss_bytes;
    bole_response_free(r);
    bole_client_destroy(&c);
    return rss;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned long s_total(worker_t *w, int clients, int errors)
{
    unsigned long n = 0;
    for (int i = 0; i < clients; i++)
        for (int op = 0; op < N_OPS; op++)
            n += errors ? atomic_load(&w[i].errors[op]) : atomic_load(&w[i].count[op]);
    return n;
}

static void s_usage(void)
{
    fprintf(stderr, "usage: bole-soak [--duration S] [--clients N] [--talents N] [--warmup S]\n"
                    "                 [--rss-margin PCT] [--seed S] [--boled PATH | --server "
                    "ENDPOINT] [--keep]\n");
}

int main(int argc, char **argv)
{
    double duration = 600, warmup = -1, margin = 20;
    int clients = 32, keep = 0;
    uint64_t seed = 1;
    const char *boled_arg = NULL, *server = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--keep") == 0) {
            keep = 1;
            continue;
        }
        if (!v) {
            s_usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--duration") == 0) duration = atof(v);
        else if (strcmp(a, "--clients") == 0) clients = atoi(v);
        else if (strcmp(a, "--talents") == 0) s_n_talents = (size_t)atol(v);
        else if (strcmp(a, "--warmup") == 0) warmup = atof(v);
        else if (strcmp(a, "--rss-margin") == 0) margin = atof(v);
        else if (strcmp(a, "--seed") == 0) seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--boled") == 0) boled_arg = v;
        else if (strcmp(a, "--server") == 0) server = v;
        else {
            s_usage();
            return 2;
        }
    }
    if (duration <= 0 || clients < 1 || clients > 1024 || s_n_talents < 10 || margin < 0) {
        s_usage();
        return 2;
    }
    s_n_needs = s_n_talents / 5 > 0 ? s_n_talents / 5 : 1;
    if (warmup < 0)
        warmup = duration / 4 < 60 ? duration / 4 : 60;

    kit_daemon_t d;
    memset(&d, 0, sizeof d);
    char tmp[1024] = "";
    const char *ep = server;
    if (!server) {
        char boled[PATH_MAX];
        if (kit_find_boled(boled_arg, BOLE_BOLED_PATH, boled, sizeof boled) != 0) {
            fprintf(stderr, "cannot find boled (use --boled PATH)\n");
            return 3;
        }
        if (kit_tmpdir("bole-soak.", tmp, sizeof tmp) != 0)
            return 3;
        snprintf(d.boled, sizeof d.boled, "%s", boled);
        snprintf(d.db, sizeof d.db, "%s/soak.db", tmp);
        snprintf(d.log_path, sizeof d.log_path, "%s/boled.log", tmp);
        snprintf(d.model_dir, sizeof d.model_dir, "%s/models", BOLE_SOURCE_DIR);
        d.synchronous = "full";
        if (kit_daemon_start(&d, 60, NULL) != 0)
            return 3;
        ep = d.endpoint;
    }
    printf("bole-soak: %d clients, %.0f s (warm-up %.0f s), %zu talents + %zu needs loaded, "
           "rss margin %.0f%%, server %s%s\n", clients, duration, warmup, s_n_talents, s_n_needs,
           margin, ep, server ? "" : " (own boled, synchronous=full)");
    fflush(stdout);
    int status = 3;
    worker_t *w = kit_xcalloc((size_t)clients, sizeof *w);
    pthread_t *th = kit_xcalloc((size_t)clients, sizeof *th);
    int started = 0;
    if (s_load(ep) != 0) {
        fprintf(stderr, "loading failed: %s\n", s_first_error);
        goto out;
    }
    double t0 = kit_now_s();
    for (; started < clients; started++) {
        w[started].idx = started;
        w[started].rng.s = seed * 1000003 + (uint64_t)started;
        w[started].endpoint = ep;
        if (pthread_create(&th[started], NULL, s_worker_main, &w[started]) != 0)
            break;
    }
    uint64_t rss_warm = 0, rss_end;
    double next_progress = 10;
    unsigned long last = 0;
    for (;;) {
        struct timespec ts = { 0, 200000000L };
        nanosleep(&ts, NULL);
        double el = kit_now_s() - t0;
        if (!rss_warm && el >= warmup)
            rss_warm = s_rss(d.pid, ep);
        if (el >= next_progress || el >= duration) {
            unsigned long n = s_total(w, started, 0);
            uint64_t in_use, sqlite = s_heap(ep, &in_use);
            printf("[%4.0f s] %lu requests (%.0f/s last 10 s), %lu errors, rss %.1f MiB "
                   "(heap in use %.1f MiB, of it sqlite %.1f MiB)\n", el, n,
                   (double)(n - last) / 10.0, s_total(w, started, 1),
                   (double)s_rss(d.pid, ep) / 1048576.0, (double)in_use / 1048576.0,
                   (double)sqlite / 1048576.0);
            fflush(stdout);
            last = n;
            next_progress += 10;
        }
        if (el >= duration)
            break;
    }
    atomic_store(&s_stop, 1);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double wall = kit_now_s() - t0;
    rss_end = s_rss(d.pid, ep);

    printf("\n%-18s %10s %8s %10s %10s\n", "type", "requests", "errors", "p50 ms", "p99 ms");
    unsigned long total = 0, errors = 0;
    for (int op = 0; op < N_OPS; op++) {
        samples_t all = { 0 };
        unsigned long n = 0, e = 0;
        for (int i = 0; i < started; i++) {
            n += atomic_load(&w[i].count[op]);
            e += atomic_load(&w[i].errors[op]);
            for (size_t j = 0; j < w[i].lat[op].n; j++)
                s_sample(&all, w[i].lat[op].v[j]);
        }
        if (all.n) /* qsort(NULL, 0, ...) is undefined (UBSan says so). */
            qsort(all.v, all.n, sizeof *all.v, s_cmp_double);
        double p50 = all.n ? all.v[all.n / 2] : 0;
        double p99 = all.n ? all.v[(size_t)((double)(all.n - 1) * 0.99)] : 0;
        printf("%-18s %10lu %8lu %10.2f %10.2f\n", s_op_name[op], n, e, p50, p99);
        total += n;
        errors += e;
        free(all.v);
    }
    printf("%-18s %10lu %8lu   (%.0f requests/s over %.0f s)\n", "all", total, errors,
           (double)total / wall, wall);
    double growth = rss_warm ? ((double)rss_end / (double)rss_warm - 1.0) * 100.0 : 0;
    printf("rss after warm-up %.1f MiB, at the end %.1f MiB (%+.1f%%, margin %.0f%%)\n",
           (double)rss_warm / 1048576.0, (double)rss_end / 1048576.0, growth, margin);
    status = 0;
    if (errors || started < clients) {
        printf("FAIL: %lu errors (first: %s)%s\n", errors, s_first_error,
               started < clients ? "; not every client thread started" : "");
        status = 1;
    }
    if (!rss_warm || growth > margin) {
        printf("FAIL: rss grew by more than the margin (or could not be read)\n");
        status = 1;
    }
    if (status == 0)
        printf("PASS\n");
out:
    for (int i = 0; i < clients; i++)
        for (int op = 0; op < N_OPS; op++)
            free(w[i].lat[op].v);
    free(w);
    free(th);
    if (!server) {
        int st = kit_daemon_stop(&d);
        if (st != 0) {
            printf("boled exited with status %d (log %s)\n", st, d.log_path);
            keep = 1;
            if (status == 0)
                status = 1;
        }
        if (keep)
            printf("kept %s\n", tmp);
        else
            kit_rmtree(tmp);
    }
    return status;
}
