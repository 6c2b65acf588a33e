/* bole-bench — load and match benchmark of a real boled (docs/BENCHMARKS.md).
 *
 *   bole-bench [--talents N] [--needs M] [--clients C] [--duration S]
 *              [--seed S] [--boled PATH | --server ENDPOINT] [--keep]
 *
 * Synthetic talents and needs drawn from O*NET occupations (titles,
 * technology skills, hot technologies as must-haves, job-zone experience),
 * so the vectors are the model's own. Phases, in order:
 *   1. bulk load through the daemon (put_talents / put_needs of 1,000);
 *   2. the same profiles embedded in-process (daemon/embed.h) into a
 *      default (AUTO) bole_index and a FLAT one: ANN recall@200 against
 *      exact search, for need vectors searching talents;
 *   3. match_for_need (k=20, explain; the daemon re-ranks >= 200 candidates)
 *      and match_for_talent (k=20, explain), one client then C clients:
 *      throughput, p50, p99;
 *   4. the same searches in-process on the index (top-200, 1 and C
 *      threads): the daemon/in-process throughput ratio;
 *   5. snapshot, restart, time until health answers and until a match
 *      answers; RSS (stats.rss_bytes);
 *   6. single put_talent from 8 clients (synchronous=full): acked puts/s.
 * With --server, phase 5 is skipped (the tool does not own the daemon).
 * --server EP --puts-only runs phase 6 alone (e.g. against a daemon just
 * restarted on a large store); --server EP --load-only runs phase 1 alone
 * (fills a store for restart timings, docs/BENCHMARKS.md). --ann-sweep needs no daemon: recall@200 and
 * latency of IVF indexes (nlist 1024, 4096) over the talents' vectors for a
 * range of nprobe values, and the IVF list balance (docs/INDEX.md).
 * --live-import N measures the live stream's cost instead (docs/LIVE.md):
 * seed --needs and --talents, wait for the stream to drain, then
 * match_for_need latency idle, during an import of N talents (put_talents
 * of 1,000 from a second client, paced by --import-rate R if given) and
 * while the matcher works off the backlog; prints the p99 ratio and the
 * matcher's throughput and CPU.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_embed.h"
#include "bole/client.h"
#include "kit.h"

#ifndef BOLE_SOURCE_DIR
#define BOLE_SOURCE_DIR "."
#endif
#ifndef BOLE_BOLED_PATH
#define BOLE_BOLED_PATH NULL
#endif

#define MAX_SKILLS 24
#define N_ZONES 12
#define N_INDUSTRIES 16
#define BATCH 1000
#define STEAL_NOTE_PCT 5.0      /* above this, a phase's figures are flagged */

static const char *s_zones[N_ZONES] = {
    "Zone-Hi-Tech", "Zone-Port", "Zone-Airport", "Zone-Bio", "Zone-Old-Town", "Zone-North",
    "Zone-South", "Zone-East", "Zone-West", "Zone-Lake", "Zone-Hills", "Zone-Riverside" };
static const char *s_industries[N_INDUSTRIES] = {
    "software", "manufacturing", "healthcare", "logistics", "finance", "education",
    "construction", "retail", "energy", "agriculture", "media", "government", "hospitality",
    "biotech", "automotive", "telecom" };

static kit_onet_t s_onet;
static size_t *s_usable;      /* Occupations with >= 3 technology skills and a title. */
static size_t s_n_usable;
static uint64_t s_seed = 20250302;

/* ---- profile generation --------------------------------------------------
 * Item i of a kind is a pure function of (seed, kind, i), so the daemon and
 * the in-process embedding see identical profiles. Buffers are per call. */

typedef struct {
    char id[32];
    char pref_zone[2][24];
    Bole__Skill sk[MAX_SKILLS];
    Bole__Skill *skp[MAX_SKILLS];
    Bole__NeedSkill nsk[MAX_SKILLS];
    Bole__NeedSkill *nskp[MAX_SKILLS];
    char *ind[1];
    char *pz[2];
    Bole__TalentCategory cat[1];
    Bole__TalentPreferences pref;
} gen_buf_t;

static void s_pick_skills(kit_rng_t *r, const kit_occ_t *c, size_t m, size_t *out, size_t *n)
{
    /* m distinct technology skills (partial Fisher-Yates on a small copy). */
    size_t idx[512];
    size_t nt = c->n_tech < 512 ? c->n_tech : 512;
    for (size_t i = 0; i < nt; i++)
        idx[i] = i;
    if (m > nt)
        m = nt;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + kit_rng_below(r, nt - i);
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        out[i] = idx[i];
    }
    *n = m;
}

static void s_gen_talent(uint64_t i, const char *prefix, Bole__Talent *t, gen_buf_t *b)
{
    kit_rng_t r = { s_seed ^ (i * 0x9e3779b97f4a7c15ull) ^ 0x7a1e };
    kit_rng_next(&r);
    const kit_occ_t *c = &s_onet.occ[s_usable[kit_rng_below(&r, s_n_usable)]];
    bole__talent__init(t);
    snprintf(b->id, sizeof b->id, "%s%llu", prefix, (unsigned long long)i);
    t->external_id = b->id;
    t->occupation = c->n_alt ? c->alt[kit_rng_below(&r, c->n_alt)] : c->title;
    t->zone = (char *)s_zones[kit_rng_below(&r, N_ZONES)];
    b->ind[0] = (char *)s_industries[kit_rng_below(&r, N_INDUSTRIES)];
    t->industries = b->ind;
    t->n_industries = 1;
    float lo, hi;
    kit_job_zone_years(c->job_zone, &lo, &hi);
    t->experience_years = lo + (float)kit_rng_unit(&r) * (hi - lo + 3);
    t->education = (Bole__Education)kit_job_zone_education(c->job_zone);
    size_t pick[MAX_SKILLS], n;
    size_t want = (size_t)(0.5 + (0.5 + 0.3 * kit_rng_unit(&r)) * (double)c->n_tech);
    s_pick_skills(&r, c, want < 4 ? 4 : want > 20 ? 20 : want, pick, &n);
    for (size_t j = 0; j < n; j++) {
        bole__skill__init(&b->sk[j]);
        b->sk[j].name = c->tech[pick[j]].name;
        b->sk[j].level = 1 + (uint32_t)kit_rng_below(&r, 5);
        b->sk[j].years = (float)kit_rng_below(&r, 10);
        b->skp[j] = &b->sk[j];
    }
    t->skills = b->skp;
    t->n_skills = n;
    if (kit_rng_unit(&r) < 0.1) {
        b->cat[0] = BOLE__TALENT_CATEGORY__CATEGORY_URGENTLY_NEEDED;
        t->categories = b->cat;
        t->n_categories = 1;
    }
    if (kit_rng_unit(&r) < 0.3) {
        bole__talent_preferences__init(&b->pref);
        b->pz[0] = (char *)s_zones[kit_rng_below(&r, N_ZONES)];
        b->pz[1] = (char *)s_zones[kit_rng_below(&r, N_ZONES)];
        b->pref.zones = b->pz;
        b->pref.n_zones = 2;
        b->pref.salary_floor = 5000 + 1000 * (uint32_t)kit_rng_below(&r, 20);
        t->preferences = &b->pref;
    }
    t->availability = BOLE__AVAILABILITY__AVAILABILITY_OPEN;
}

static void s_gen_need(uint64_t i, Bole__Need *nd, gen_buf_t *b)
{
    kit_rng_t r = { s_seed ^ (i * 0xd1b54a32d192ed03ull) ^ 0x4eed };
    kit_rng_next(&r);
    const kit_occ_t *c = &s_onet.occ[s_usable[kit_rng_below(&r, s_n_usable)]];
    bole__need__init(nd);
    snprintf(b->id, sizeof b->id, "N%llu", (unsigned long long)i);
    nd->external_id = b->id;
    nd->organisation = (char *)s_industries[i % N_INDUSTRIES];
    nd->title = c->n_alt ? c->alt[kit_rng_below(&r, c->n_alt)] : c->title;
    nd->zone = (char *)s_zones[kit_rng_below(&r, N_ZONES)];
    nd->industry = (char *)s_industries[kit_rng_below(&r, N_INDUSTRIES)];
    kit_job_zone_years(c->job_zone, &nd->min_experience_years, &nd->max_experience_years);
    nd->min_education = (Bole__Education)kit_job_zone_education(c->job_zone);
    nd->urgency = (Bole__Urgency)(1 + kit_rng_below(&r, 3));
    nd->salary_min = 6000;
    nd->salary_max = 8000 + 1000 * (uint32_t)kit_rng_below(&r, 20);
    size_t pick[MAX_SKILLS], n;
    s_pick_skills(&r, c, 10, pick, &n);
    for (size_t j = 0; j < n; j++) {
        bole__need_skill__init(&b->nsk[j]);
        b->nsk[j].name = c->tech[pick[j]].name;
        b->nsk[j].must_have = c->tech[pick[j]].hot;
        b->nsk[j].min_level = b->nsk[j].must_have ? 3 : 0;
        b->nskp[j] = &b->nsk[j];
    }
    nd->skills = b->nskp;
    nd->n_skills = n;
}

/* ---- latency records ---------------------------------------------------- */

typedef struct {
    double *v;
    size_t n, cap;
} lat_t;

static void s_lat_add(lat_t *l, double ms)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = kit_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ms;
}

static int s_cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(lat_t *l, double p)
{
    if (!l->n)
        return NAN;
    size_t i = (size_t)(p * (double)(l->n - 1) + 0.5);
    return l->v[i];
}

/* ---- threads ------------------------------------------------------------ */

typedef enum { JOB_LOAD_TALENTS, JOB_LOAD_NEEDS, JOB_MATCH_NEED, JOB_MATCH_TALENT,
               JOB_SINGLE_PUT, JOB_LOCAL_NEED, JOB_LOCAL_TALENT, JOB_EMBED } job_kind_t;

typedef struct {
    job_kind_t kind;
    const char *endpoint;
    size_t n_talents, n_needs;
    double until;              /* Stop time for timed jobs. */
    atomic_size_t *next;       /* Shared work counter (load/embed). */
    size_t total;              /* Items for load/embed jobs. */
    size_t offset;             /* Load jobs: index of the first item. */
    atomic_int *done;          /* Timed jobs also stop when this is set. */
    int pause_ms;              /* Timed jobs: pause after each request. */
    double rate;               /* Load jobs: items/s at most (0 = as fast as served). */
    int tid;
    /* In-process. */
    bench_index_t *ix;
    const float *queries;      /* Query vectors. */
    size_t n_queries;
    float *vec_out;            /* Embed job output. */
    int dim;
    /* Results. */
    lat_t lat;
    size_t ok, errors, candidates;
    char first_error[256];
} job_t;

static atomic_size_t s_progress;
static atomic_int s_finished;

static void s_note_error(job_t *j, Bole__Response *resp, int rc)
{
    j->errors++;
    if (j->first_error[0])
        return;
    if (rc != BOLE_OK)
        snprintf(j->first_error, sizeof j->first_error, "client: %s", bole_strerror(rc));
    else
        snprintf(j->first_error, sizeof j->first_error, "%s: %s",
                 bole_status_name(resp->status), resp->error ? resp->error : "");
}

static void s_do_load(job_t *j, bole_client_t *c)
{
    Bole__Talent *t = kit_xcalloc(BATCH, sizeof *t);
    Bole__Need *nd = kit_xcalloc(BATCH, sizeof *nd);
    void **ptr = kit_xcalloc(BATCH, sizeof *ptr);
    gen_buf_t *b = kit_xcalloc(BATCH, sizeof *b);
    double t_start = kit_now_s();
    for (;;) {
        size_t base = atomic_fetch_add(j->next, BATCH);
        if (base >= j->total)
            break;
        if (j->rate > 0) { /* Batch i is due at t_start + i * BATCH / rate. */
            double due = t_start + (double)base / j->rate, now = kit_now_s();
            if (due > now)
                usleep((useconds_t)((due - now) * 1e6));
        }
        size_t m = j->total - base < BATCH ? j->total - base : BATCH;
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutTalentsRequest pt = BOLE__PUT_TALENTS_REQUEST__INIT;
        Bole__PutNeedsRequest pn = BOLE__PUT_NEEDS_REQUEST__INIT;
        for (size_t i = 0; i < m; i++) {
            if (j->kind == JOB_LOAD_TALENTS) {
                s_gen_talent(j->offset + base + i, "T", &t[i], &b[i]);
                ptr[i] = &t[i];
            } else {
                s_gen_need(base + i, &nd[i], &b[i]);
                ptr[i] = &nd[i];
            }
        }
        if (j->kind == JOB_LOAD_TALENTS) {
            pt.talents = (Bole__Talent **)ptr;
            pt.n_talents = m;
            req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
            req.put_talents = &pt;
        } else {
            pn.needs = (Bole__Need **)ptr;
            pn.n_needs = m;
            req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
            req.put_needs = &pn;
        }
        double t0 = kit_now_s();
        Bole__Response *resp = NULL;
        int rc = bole_client_call(c, &req, &resp);
        if (rc == BOLE_OK && resp->status == BOLE__STATUS_CODE__OK) {
            j->ok += m;
            s_lat_add(&j->lat, (kit_now_s() - t0) * 1e3);
            atomic_fetch_add(&s_progress, m);
        } else {
            s_note_error(j, resp, rc);
            if (rc == BOLE_OK) {
                Bole__BulkPutResponse *br = resp->body_case == BOLE__RESPONSE__BODY_PUT_TALENTS
                                                ? resp->put_talents : resp->put_needs;
                if (br && br->n_errors && strlen(j->first_error) < 200)
                    snprintf(j->first_error + strlen(j->first_error),
                             sizeof j->first_error - strlen(j->first_error), " (item: %.120s)",
                             br->errors[0]->error);
            }
        }
        bole_response_free(resp);
    }
    free(t);
    free(nd);
    free(ptr);
    free(b);
}

static void s_do_embed(job_t *j)
{
    gen_buf_t b;
    for (;;) {
        size_t base = atomic_fetch_add(j->next, 256);
        if (base >= j->total)
            break;
        size_t m = j->total - base < 256 ? j->total - base : 256;
        for (size_t i = 0; i < m; i++) {
            float *out = j->vec_out + (base + i) * (size_t)j->dim;
            int rc;
            if (j->kind == JOB_EMBED && j->n_needs == 0) {
                Bole__Talent t;
                s_gen_talent(base + i, "T", &t, &b);
                rc = bench_embed_talent(&t, out);
            } else {
                Bole__Need nd;
                s_gen_need(base + i, &nd, &b);
                rc = bench_embed_need(&nd, out);
            }
            if (rc != 0)
                j->errors++;
        }
        atomic_fetch_add(&s_progress, m);
    }
}

static void s_do_timed(job_t *j, bole_client_t *c)
{
    kit_rng_t r = { s_seed + 1000 + (uint64_t)j->tid };
    char id[32];
    size_t seq = 0;
    int64_t ids[200];
    float scores[200];
    while (kit_now_s() < j->until && !(j->done && atomic_load(j->done))) {
        double t0 = kit_now_s();
        if (j->kind == JOB_LOCAL_NEED || j->kind == JOB_LOCAL_TALENT) {
            size_t q = kit_rng_below(&r, j->n_queries);
            size_t n = 0;
            if (bench_index_search(j->ix, j->queries + q * (size_t)j->dim, 200, ids, scores,
                                   &n) == 0) {
                j->ok++;
                s_lat_add(&j->lat, (kit_now_s() - t0) * 1e3);
            } else {
                j->errors++;
            }
            continue;
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
        Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
        Bole__PutTalentRequest pt = BOLE__PUT_TALENT_REQUEST__INIT;
        Bole__Talent t;
        gen_buf_t b;
        if (j->kind == JOB_MATCH_NEED) {
            snprintf(id, sizeof id, "N%zu", kit_rng_below(&r, j->n_needs));
            mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
            mn.need_id = id;
            mn.k = 20;
            mn.explain = 1;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
            req.match_for_need = &mn;
        } else if (j->kind == JOB_MATCH_TALENT) {
            snprintf(id, sizeof id, "T%zu", kit_rng_below(&r, j->n_talents));
            mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
            mt.talent_id = id;
            mt.k = 20;
            mt.explain = 1;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
            req.match_for_talent = &mt;
        } else {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "SP%d-", j->tid);
            s_gen_talent(seq++, prefix, &t, &b);
            pt.talent = &t;
            req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
            req.put_talent = &pt;
        }
        Bole__Response *resp = NULL;
        int rc = bole_client_call(c, &req, &resp);
        double ms = (kit_now_s() - t0) * 1e3;
        if (rc == BOLE_OK && resp->status == BOLE__STATUS_CODE__OK) {
            j->ok++;
            s_lat_add(&j->lat, ms);
            if (resp->body_case == BOLE__RESPONSE__BODY_MATCH && resp->match)
                j->candidates += resp->match->candidates_considered;
        } else {
            s_note_error(j, resp, rc);
        }
        bole_response_free(resp);
        if (j->pause_ms)
            usleep((useconds_t)j->pause_ms * 1000);
    }
}

static void *s_thread(void *arg)
{
    job_t *j = arg;
    bole_client_t *c = NULL;
    if (j->endpoint) {
        c = bole_client_new(j->endpoint, 300000);
        if (!c) {
            j->errors++;
            atomic_fetch_add(&s_finished, 1);
            return NULL;
        }
    }
    switch (j->kind) {
    case JOB_LOAD_TALENTS:
    case JOB_LOAD_NEEDS:
        s_do_load(j, c);
        break;
    case JOB_EMBED:
        s_do_embed(j);
        break;
    default:
        s_do_timed(j, c);
        break;
    }
    bole_client_destroy(&c);
    atomic_fetch_add(&s_finished, 1);
    return NULL;
}

typedef struct {
    double seconds;
    size_t ok, errors, candidates;
    double p50, p99;
    double steal_pct, iowait_pct; /* Of the machine's CPU time during the run; < 0: unknown. */
    char first_error[256];
} run_result_t;

/* The machine's CPU time so far, from /proc/stat's first line (in ticks). */
typedef struct {
    unsigned long long total, steal, iowait;
    int ok;
} cpu_ticks_t;

static cpu_ticks_t s_cpu_ticks(void)
{
    cpu_ticks_t t = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return t;
    unsigned long long v[8] = { 0 }; /* user nice system idle iowait irq softirq steal */
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++)
            t.total += v[i];
        t.iowait = v[4];
        t.steal = v[7];
        t.ok = 1;
    }
    fclose(f);
    return t;
}

/* Steal is CPU time the hypervisor gave other guests: on a shared machine
 * it, not the daemon, often decides a phase's figures, so each phase says
 * how much there was. */
static void s_cpu_share(cpu_ticks_t a, cpu_ticks_t b, double *steal_pct, double *iowait_pct)
{
    *steal_pct = *iowait_pct = -1;
    if (!a.ok || !b.ok || b.total <= a.total)
        return;
    double total = (double)(b.total - a.total);
    *steal_pct = 100.0 * (double)(b.steal - a.steal) / total;
    *iowait_pct = 100.0 * (double)(b.iowait - a.iowait) / total;
}

/* Run n threads of template tmpl; prints a progress line every 5 s for
 * load/embed jobs (label). */
static run_result_t s_run(const job_t *tmpl, int n, const char *label)
{
    job_t *jobs = kit_xcalloc((size_t)n, sizeof *jobs);
    pthread_t *th = kit_xcalloc((size_t)n, sizeof *th);
    atomic_size_t next = 0;
    atomic_store(&s_progress, 0);
    atomic_store(&s_finished, 0);
    cpu_ticks_t ticks0 = s_cpu_ticks();
    double t0 = kit_now_s();
    for (int i = 0; i < n; i++) {
        jobs[i] = *tmpl;
        jobs[i].tid = i;
        jobs[i].next = &next;
        pthread_create(&th[i], NULL, s_thread, &jobs[i]);
    }
    int loadish = tmpl->kind == JOB_LOAD_TALENTS || tmpl->kind == JOB_LOAD_NEEDS ||
                  tmpl->kind == JOB_EMBED;
    if (loadish && tmpl->total >= 50000) {
        double last = t0;
        while (atomic_load(&s_finished) < n) {
            usleep(100000);
            double now = kit_now_s();
            if (now - last >= 5) {
                size_t done = atomic_load(&s_progress);
                last = now;
                fprintf(stderr, "  %s: %zu / %zu (%.0f/s)\n", label, done, tmpl->total,
                        (double)done / (now - t0));
            }
        }
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    run_result_t r;
    memset(&r, 0, sizeof r);
    r.seconds = kit_now_s() - t0;
    s_cpu_share(ticks0, s_cpu_ticks(), &r.steal_pct, &r.iowait_pct);
    lat_t all = { 0 };
    for (int i = 0; i < n; i++) {
        r.ok += jobs[i].ok;
        r.errors += jobs[i].errors;
        r.candidates += jobs[i].candidates;
        if (!r.first_error[0] && jobs[i].first_error[0])
            snprintf(r.first_error, sizeof r.first_error, "%s", jobs[i].first_error);
        for (size_t k = 0; k < jobs[i].lat.n; k++)
            s_lat_add(&all, jobs[i].lat.v[k]);
        free(jobs[i].lat.v);
    }
    if (all.n > 0) /* qsort(NULL, 0) is undefined */
        qsort(all.v, all.n, sizeof *all.v, s_cmp_d);
    r.p50 = s_pct(&all, 0.50);
    r.p99 = s_pct(&all, 0.99);
    free(all.v);
    free(jobs);
    free(th);
    return r;
}

/* ---- daemon helpers ----------------------------------------------------- */

static int s_simple(const char *endpoint, Bole__Request *req, Bole__Response **out)
{
    bole_client_t *c = bole_client_new(endpoint, 600000);
    if (!c)
        return -1;
    int rc = bole_client_call(c, req, out);
    bole_client_destroy(&c);
    if (rc != BOLE_OK) {
        fprintf(stderr, "request failed: %s\n", bole_strerror(rc));
        return -1;
    }
    if ((*out)->status != BOLE__STATUS_CODE__OK) {
        fprintf(stderr, "request: %s: %s\n", bole_status_name((*out)->status), (*out)->error);
        bole_response_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static double s_rss_mib(const char *endpoint)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest s = BOLE__STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &s;
    Bole__Response *resp = NULL;
    if (s_simple(endpoint, &req, &resp) != 0)
        return NAN;
    double mib = resp->stats ? (double)resp->stats->rss_bytes / 1048576.0 : NAN;
    bole_response_free(resp);
    return mib;
}

/* One match_for_need; returns 1 if it answered OK from the ANN tier, 0 if OK
 * from an exact scan, -1 on failure. */
static int s_probe_match(const char *endpoint, int timeout_ms)
{
    bole_client_t *c = bole_client_new(endpoint, timeout_ms);
    if (!c)
        return -1;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
    mn.need_id = "N0";
    mn.k = 20;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &mn;
    Bole__Response *resp = NULL;
    int rc = bole_client_call(c, &req, &resp);
    int out = -1;
    if (rc == BOLE_OK && resp->status == BOLE__STATUS_CODE__OK && resp->match)
        out = resp->match->exact ? 0 : 1;
    bole_response_free(resp);
    bole_client_destroy(&c);
    return out;
}

/* ---- main --------------------------------------------------------------- */

static void s_usage(FILE *f)
{
    fprintf(f, "usage: bole-bench [--talents N] [--needs M] [--clients C] [--duration S]\n"
               "                  [--seed S] [--boled PATH | --server ENDPOINT] [--keep]\n"
               "       bole-bench --server ENDPOINT --puts-only   (phase 6 alone)\n"
               "       bole-bench --live-import N [--talents T] [--needs M] [--duration S]\n"
               "                  [--import-rate R] [--boled PATH | --server ENDPOINT]\n"
               "                  (Match latency during an import of N talents with the live\n"
               "                  stream on; T 20000, M 2000; R talents/s at most, default 0 =\n"
               "                  as fast as the daemon takes them)\n"
               "       bole-bench --server ENDPOINT --match-only [--talents N] [--needs M]\n"
               "                  (phase 3 alone, on profiles an earlier run loaded)\n"
               "       bole-bench --server ENDPOINT --load-only [--talents N] [--needs M]\n"
               "                  (phase 1 alone: fill a store, e.g. for restart timings)\n"
               "       bole-bench --ann-sweep [--talents N] [--needs M]   (in-process only:\n"
               "                  recall@200 and latency vs IVF nlist/nprobe, no daemon)\n"
               "  defaults: N 100000, M 10000, C 8, S 10 seconds per timed phase\n");
}

static void s_print_machine(const run_result_t *r)
{
    if (r->steal_pct >= 0)
        printf("    machine meanwhile: CPU steal %.1f %%, iowait %.1f %%%s\n", r->steal_pct,
               r->iowait_pct,
               r->steal_pct > STEAL_NOTE_PCT ? "  (other guests took CPU: compare with care)"
                                             : "");
}

static void s_print_run(const char *what, const run_result_t *r, const char *unit)
{
    printf("  %-44s %9.0f %s  p50 %7.3f ms  p99 %7.3f ms  (%zu ok, %zu errors)\n", what,
           (double)r->ok / r->seconds, unit, r->p50, r->p99, r->ok, r->errors);
    s_print_machine(r);
    if (r->first_error[0])
        printf("    first error: %s\n", r->first_error);
}

/* ---- --live-import: the live stream's cost (docs/LIVE.md) ---------------- */

/* Highest stored stream seq, or 0 (MatchesSince paged from since). */
static uint64_t s_stream_end(bole_client_t *c, uint64_t since)
{
    for (;;) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__MatchesSinceRequest ms = BOLE__MATCHES_SINCE_REQUEST__INIT;
        ms.since_seq = since;
        ms.limit = 10000;
        req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
        req.matches_since = &ms;
        Bole__Response *resp = NULL;
        int rc = bole_client_call(c, &req, &resp);
        int more = 0;
        if (rc == BOLE_OK && resp->status == BOLE__STATUS_CODE__OK && resp->matches_since) {
            since = resp->matches_since->last_seq;
            more = resp->matches_since->more;
        }
        bole_response_free(resp);
        if (!more)
            return since;
    }
}

/* Follows the stored stream's end from a thread of its own (polls every
 * 200 ms), so "drained" is the time of the last new event, wherever the
 * main thread is. */
typedef struct {
    const char *ep;
    atomic_ullong end;          /* Stream end last seen. */
    atomic_llong last_new_us;   /* When it last moved (kit_now_s * 1e6). */
    atomic_int stop;
    pthread_t th;
} monitor_t;

static void *s_monitor(void *arg)
{
    monitor_t *m = arg;
    bole_client_t *c = bole_client_new(m->ep, 60000);
    while (c && !atomic_load(&m->stop)) {
        uint64_t e = s_stream_end(c, atomic_load(&m->end));
        if (e != atomic_load(&m->end)) {
            atomic_store(&m->end, e);
            atomic_store(&m->last_new_us, (long long)(kit_now_s() * 1e6));
        }
        usleep(200000);
    }
    bole_client_destroy(&c);
    return NULL;
}

static void s_monitor_start(monitor_t *m, const char *ep, uint64_t end)
{
    m->ep = ep;
    atomic_store(&m->end, end);
    atomic_store(&m->last_new_us, (long long)(kit_now_s() * 1e6));
    atomic_store(&m->stop, 0);
    pthread_create(&m->th, NULL, s_monitor, m);
}

/* Waits until no new event was stored for quiet_s (at most limit_s), stops
 * the monitor; returns the time of the last new event. */
static double s_monitor_drained(monitor_t *m, double quiet_s, double limit_s)
{
    double t0 = kit_now_s();
    while (kit_now_s() - (double)atomic_load(&m->last_new_us) / 1e6 < quiet_s &&
           kit_now_s() - t0 < limit_s)
        usleep(100000);
    atomic_store(&m->stop, 1);
    pthread_join(m->th, NULL);
    return (double)atomic_load(&m->last_new_us) / 1e6;
}

/* CPU seconds used so far by the live matcher thread of boled pid (the
 * daemon's only thread at nice +10, live.c, plus any thread it started),
 * from /proc; NAN if unknown.
 * Unlike wall time it does not depend on what else the machine runs. */
static double s_matcher_cpu_s(pid_t pid)
{
    if (pid <= 0)
        return NAN;
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return NAN;
    double cpu = NAN;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[400], line[1024];
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        line[len] = '\0';
        const char *p = strrchr(line, ')'); /* After the command name. */
        unsigned long utime, stime;
        long nice;
        /* Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt
         * majflt cmajflt utime stime cutime cstime priority nice. */
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d "
                        "%*d %ld", &utime, &stime, &nice) == 3 && nice == 10)
            cpu = (isnan(cpu) ? 0 : cpu) + (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    }
    closedir(d);
    return cpu;
}

typedef struct {
    job_t job;
    atomic_int *done;
    double seconds;
} import_t;

static void *s_import_thread(void *arg)
{
    import_t *im = arg;
    double t0 = kit_now_s();
    s_thread(&im->job);
    im->seconds = kit_now_s() - t0;
    atomic_store(im->done, 1);
    return NULL;
}

static int s_live_import(const char *ep, pid_t pid, size_t n_seed, size_t n_needs,
                         size_t n_import, double import_rate, double duration)
{
    char pace[64] = "as fast as served";
    if (import_rate > 0)
        snprintf(pace, sizeof pace, "at most %.0f/s", import_rate);
    printf("live import: seed %zu needs + %zu talents, then import %zu talents "
           "(put_talents of %d, one client, %s) while one client runs match_for_need "
           "(k=20, explain, 2 ms pause)\n", n_needs, n_seed, n_import, BATCH, pace);
    uint64_t end = 0;
    {
        bole_client_t *c = bole_client_new(ep, 60000);
        if (c)
            end = s_stream_end(c, 0);
        bole_client_destroy(&c);
    }
    uint64_t start_end = end;
    monitor_t mon;
    s_monitor_start(&mon, ep, end);
    job_t tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.endpoint = ep;
    tmpl.kind = JOB_LOAD_NEEDS;
    tmpl.total = n_needs;
    double t0 = kit_now_s();
    run_result_t ln = s_run(&tmpl, 2, "needs loaded");
    tmpl.kind = JOB_LOAD_TALENTS;
    tmpl.total = n_seed;
    run_result_t lt = s_run(&tmpl, 2, "talents loaded");
    if (ln.ok < n_needs || lt.ok < n_seed) {
        fprintf(stderr, "seed failed: %s%s\n", ln.first_error, lt.first_error);
        return -1;
    }
    double loaded = kit_now_s();
    double last = s_monitor_drained(&mon, 5, 1800);
    end = atomic_load(&mon.end);
    double cpu_seed = s_matcher_cpu_s(pid);
    if (end == start_end)
        printf("  seed: loaded in %.1f s; no stream event (stream off?)\n", loaded - t0);
    else
        printf("  seed: loaded in %.1f s; stream drained %.1f s after the load began: "
               "%.0f changes/s matched, %llu events\n", loaded - t0, last - t0,
               (double)(n_needs + n_seed) / (last - t0),
               (unsigned long long)(end - start_end));
    printf("  seed: live matcher thread CPU %.1f s = %.2f ms per change\n", cpu_seed,
           cpu_seed * 1e3 / (double)(n_needs + n_seed));

    /* Idle. */
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.endpoint = ep;
    tmpl.n_talents = n_seed;
    tmpl.n_needs = n_needs;
    tmpl.kind = JOB_MATCH_NEED;
    tmpl.pause_ms = 2;
    tmpl.until = kit_now_s() + duration;
    run_result_t idle = s_run(&tmpl, 1, NULL);
    s_print_run("match_for_need, idle", &idle, "req/s");

    /* During the import. */
    atomic_int done = 0;
    atomic_size_t next = 0;
    import_t im;
    memset(&im, 0, sizeof im);
    im.done = &done;
    im.job.endpoint = ep;
    im.job.kind = JOB_LOAD_TALENTS;
    im.job.total = n_import;
    im.job.offset = n_seed;
    im.job.rate = import_rate;
    im.job.next = &next;
    pthread_t th;
    uint64_t before_import = end;
    double ti = kit_now_s();
    s_monitor_start(&mon, ep, end);
    pthread_create(&th, NULL, s_import_thread, &im);
    tmpl.until = kit_now_s() + 1e9;
    tmpl.done = &done;
    run_result_t during = s_run(&tmpl, 1, NULL);
    pthread_join(th, NULL);
    printf("  import: %zu talents in %.1f s (%.0f/s)%s%s\n", im.job.ok, im.seconds,
           (double)im.job.ok / im.seconds, im.job.errors ? "  ERRORS: " : "",
           im.job.first_error);
    free(im.job.lat.v);
    s_print_run("match_for_need, during the import", &during, "req/s");

    /* After the import, while the matcher works off the backlog. */
    tmpl.done = NULL;
    tmpl.until = kit_now_s() + duration;
    run_result_t backlog = s_run(&tmpl, 1, NULL);
    s_print_run("match_for_need, after the import (backlog)", &backlog, "req/s");
    last = s_monitor_drained(&mon, 5, 3600);
    end = atomic_load(&mon.end);
    double cpu_import = s_matcher_cpu_s(pid) - cpu_seed;
    if (end == before_import)
        printf("  no stream event during or after the import (stream off?)\n");
    else
        printf("  stream drained %.1f s after the import began (%.1f s after it ended): "
               "%.0f changes/s matched, %llu events\n", last - ti, last - ti - im.seconds,
               (double)n_import / (last - ti), (unsigned long long)(end - before_import));
    printf("  import: live matcher thread CPU %.1f s = %.2f ms per change\n", cpu_import,
           cpu_import * 1e3 / (double)n_import);
    printf("  p99 during the import / idle: %.2f  (p50: %.2f)\n", during.p99 / idle.p99,
           during.p50 / idle.p50);
    return im.job.ok == n_import && !idle.errors && !during.errors ? 0 : -1;
}

/* Phase 3: match load by id (k = 20, explained) from 1 and C clients. */
static void s_match_load(const char *ep, size_t n_talents, size_t n_needs, int clients,
                         double duration, run_result_t *need_c, run_result_t *talent_c)
{
    job_t tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.endpoint = ep;
    tmpl.n_talents = n_talents;
    tmpl.n_needs = n_needs;
    printf("\nmatch load (%.0f s each; k=20, explain=true):\n", duration);
    tmpl.kind = JOB_MATCH_NEED;
    tmpl.until = kit_now_s() + duration;
    run_result_t mn1 = s_run(&tmpl, 1, NULL);
    s_print_run("match_for_need, 1 client", &mn1, "req/s");
    printf("    candidates re-ranked per request: %.0f\n",
           mn1.ok ? (double)mn1.candidates / (double)mn1.ok : 0.0);
    tmpl.until = kit_now_s() + duration;
    run_result_t mnc = s_run(&tmpl, clients, NULL);
    char label[96];
    snprintf(label, sizeof label, "match_for_need, %d clients", clients);
    s_print_run(label, &mnc, "req/s");
    tmpl.kind = JOB_MATCH_TALENT;
    tmpl.until = kit_now_s() + duration;
    run_result_t mt1 = s_run(&tmpl, 1, NULL);
    s_print_run("match_for_talent, 1 client", &mt1, "req/s");
    tmpl.until = kit_now_s() + duration;
    run_result_t mtc = s_run(&tmpl, clients, NULL);
    snprintf(label, sizeof label, "match_for_talent, %d clients", clients);
    s_print_run(label, &mtc, "req/s");
    if (need_c)
        *need_c = mnc;
    if (talent_c)
        *talent_c = mtc;
}

int main(int argc, char **argv)
{
    size_t n_talents = 100000, n_needs = 10000;
    int clients = 8, keep = 0, sweep = 0, puts_only = 0, match_only = 0, load_only = 0;
    size_t live_import = 0;
    double import_rate = 0;
    int talents_given = 0, needs_given = 0;
    double duration = 10;
    const char *boled_arg = NULL, *server = NULL;
    const char *onet = BOLE_SOURCE_DIR "/models/src/onet";
    const char *model_dir = BOLE_SOURCE_DIR "/models";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--keep") == 0) { keep = 1; continue; }
        if (strcmp(a, "--ann-sweep") == 0) { sweep = 1; continue; }
        if (strcmp(a, "--puts-only") == 0) { puts_only = 1; continue; }
        if (strcmp(a, "--match-only") == 0) { match_only = 1; continue; }
        if (strcmp(a, "--load-only") == 0) { load_only = 1; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { s_usage(stdout); return 0; }
        if (!v) { s_usage(stderr); return 2; }
        i++;
        if (strcmp(a, "--talents") == 0) n_talents = strtoul(v, NULL, 10), talents_given = 1;
        else if (strcmp(a, "--needs") == 0) n_needs = strtoul(v, NULL, 10), needs_given = 1;
        else if (strcmp(a, "--live-import") == 0) live_import = strtoul(v, NULL, 10);
        else if (strcmp(a, "--import-rate") == 0) import_rate = strtod(v, NULL);
        else if (strcmp(a, "--clients") == 0) clients = atoi(v);
        else if (strcmp(a, "--duration") == 0) duration = strtod(v, NULL);
        else if (strcmp(a, "--seed") == 0) s_seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--boled") == 0) boled_arg = v;
        else if (strcmp(a, "--server") == 0) server = v;
        else if (strcmp(a, "--onet") == 0) onet = v;
        else if (strcmp(a, "--model-dir") == 0) model_dir = v;
        else { fprintf(stderr, "unknown option %s\n", a); s_usage(stderr); return 2; }
    }
    if (live_import) {
        if (!talents_given)
            n_talents = 20000;
        if (!needs_given)
            n_needs = 2000;
    }
    if (!(import_rate >= 0) || (import_rate > 0 && !live_import)) {
        fprintf(stderr, "--import-rate wants a rate >= 0 talents/s, with --live-import\n");
        return 2;
    }
    if (n_talents < 1 || n_needs < 1 || clients < 1 || clients > 256 || !(duration > 0)) {
        s_usage(stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);  /* Figures appear as phases end. */
    if (kit_onet_load(&s_onet, onet, NULL) != 0)
        return 3;
    s_usable = kit_xmalloc(s_onet.n * sizeof *s_usable);
    for (size_t i = 0; i < s_onet.n; i++)
        if (s_onet.occ[i].n_tech >= 3)
            s_usable[s_n_usable++] = i;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/bole.model", model_dir);
    int dim = bench_model_open(path);
    if (dim <= 0)
        return 3;

    if (sweep) {
        /* In-process only: the talents' vectors, need vectors as queries. */
        size_t nq = n_needs < 400 ? n_needs : 400;
        float *tv = kit_xmalloc(n_talents * (size_t)dim * sizeof *tv);
        float *nv = kit_xmalloc(nq * (size_t)dim * sizeof *nv);
        job_t sj;
        memset(&sj, 0, sizeof sj);
        sj.kind = JOB_EMBED;
        sj.dim = dim;
        sj.total = n_talents;
        sj.vec_out = tv;
        s_run(&sj, 2, "talents embedded in-process");
        sj.n_needs = 1;
        sj.total = nq;
        sj.vec_out = nv;
        s_run(&sj, 2, "needs embedded in-process");
        printf("ANN sweep: %zu talent vectors, %zu need vectors as queries, top-200, 1 thread\n",
               n_talents, nq);
        static const int nlists[] = { 1024, 4096 };
        static const int nprobes[] = { 4, 8, 12, 16, 24, 32, 48, 64, 128 };
        bench_ann_sweep(dim, tv, n_talents, nv, nq, 200, nlists, 2, nprobes, 9);
        free(tv);
        free(nv);
        bench_model_close();
        free(s_usable);
        kit_onet_free(&s_onet);
        return 0;
    }

    char tmp[1024] = "";
    kit_daemon_t d;
    memset(&d, 0, sizeof d);
    const char *ep = server;
    int status = 3;
    float *tvec = NULL, *nvec = NULL;
    bench_index_t *ix_t = NULL, *ix_flat = NULL, *ix_n = NULL;
    if (!server) {
        char boled[PATH_MAX];
        if (kit_find_boled(boled_arg, BOLE_BOLED_PATH, boled, sizeof boled) != 0) {
            fprintf(stderr, "cannot find boled (use --boled PATH)\n");
            return 3;
        }
        if (kit_tmpdir("bole-bench.", tmp, sizeof tmp) != 0)
            return 3;
        snprintf(d.boled, sizeof d.boled, "%s", boled);
        snprintf(d.db, sizeof d.db, "%s/bench.db", tmp);
        snprintf(d.log_path, sizeof d.log_path, "%s/boled.log", tmp);
        snprintf(d.model_dir, sizeof d.model_dir, "%s", model_dir);
        d.synchronous = "full";
        if (kit_daemon_start(&d, 60, NULL) != 0)
            goto out;
        ep = d.endpoint;
    }
    printf("bole-bench: %zu talents, %zu needs, %d clients, %.0f s per timed phase, d=%d, "
           "server %s%s\n", n_talents, n_needs, clients, duration, dim, ep,
           server ? "" : " (own boled, synchronous=full)");

    if (puts_only && server)
        goto puts;
    if (live_import) {
        status = s_live_import(ep, server ? 0 : d.pid, n_talents, n_needs, live_import, import_rate,
                               duration) == 0 ? 0 : 1;
        goto out;
    }
    if (match_only && server) {
        /* For profiling a running daemon: only the match load, by ids
         * N0.. and T0.. that an earlier run with the same sizes loaded. */
        s_match_load(ep, n_talents, n_needs, clients, duration, NULL, NULL);
        status = 0;
        goto out;
    }

    /* 1. Bulk load. Two loader clients keep the daemon busy while one batch
     * is in flight (the daemon commits bulk puts one after another). */
    job_t tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.endpoint = ep;
    tmpl.n_talents = n_talents;
    tmpl.n_needs = n_needs;
    tmpl.kind = JOB_LOAD_TALENTS;
    tmpl.total = n_talents;
    run_result_t lt = s_run(&tmpl, 2, "talents loaded");
    tmpl.kind = JOB_LOAD_NEEDS;
    tmpl.total = n_needs;
    run_result_t ln = s_run(&tmpl, 2, "needs loaded");
    printf("\nbulk load (put_talents/put_needs of %d, 2 loader clients):\n", BATCH);
    printf("  talents: %zu in %.1f s = %.0f talents/s (batch p50 %.0f ms, p99 %.0f ms)%s%s\n",
           lt.ok, lt.seconds, (double)lt.ok / lt.seconds, lt.p50, lt.p99,
           lt.errors ? "  ERRORS: " : "", lt.first_error);
    s_print_machine(&lt);
    printf("  needs:   %zu in %.1f s = %.0f needs/s%s%s\n", ln.ok, ln.seconds,
           (double)ln.ok / ln.seconds, ln.errors ? "  ERRORS: " : "", ln.first_error);
    if (lt.ok < n_talents || ln.ok < n_needs)
        goto out;
    double rss_loaded = s_rss_mib(ep);
    printf("  RSS after load: %.0f MiB\n", rss_loaded);
    if (load_only && server) {
        status = 0;
        goto out;
    }

    /* 2. In-process vectors and indexes. */
    tvec = kit_xmalloc(n_talents * (size_t)dim * sizeof *tvec);
    nvec = kit_xmalloc(n_needs * (size_t)dim * sizeof *nvec);
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.kind = JOB_EMBED;
    tmpl.dim = dim;
    tmpl.total = n_talents;
    tmpl.vec_out = tvec;
    run_result_t et = s_run(&tmpl, 2, "talents embedded in-process");
    tmpl.n_needs = 1;  /* Marks "needs" for the embed job. */
    tmpl.total = n_needs;
    tmpl.vec_out = nvec;
    run_result_t en = s_run(&tmpl, 2, "needs embedded in-process");
    if (et.errors || en.errors)
        fprintf(stderr, "warning: %zu talents / %zu needs did not embed\n", et.errors,
                en.errors);
    double t0 = kit_now_s();
    ix_t = bench_index_new(dim, 0, tvec, n_talents);
    double build_t = kit_now_s() - t0;
    ix_flat = bench_index_new(dim, 1, tvec, n_talents);
    ix_n = bench_index_new(dim, 0, nvec, n_needs);
    if (!ix_t || !ix_flat || !ix_n)
        goto out;
    size_t ann, delta;
    const char *kind = bench_index_kind(ix_t, &ann, &delta);
    printf("\nin-process index over the talents' vectors (default options): %s, ANN tier %zu, "
           "delta %zu, built in %.1f s\n", kind, ann, delta, build_t);
    {
        int np, cnp;
        double crec, cms;
        bench_index_calib(ix_t, &np, &cnp, &crec, &cms);
        if (np > 0)
            printf("  IVF nprobe %d (calibrated: %d, recall@200 %.4f on the tier's own vectors, "
                   "%.0f ms)\n", np, cnp, crec, cms);
    }
    {
        size_t nq = n_needs < 500 ? n_needs : 500;
        int64_t a[200], b[200];
        float sa[200], sb[200];
        double rsum = 0;
        for (size_t q = 0; q < nq; q++) {
            size_t na = 0, nb = 0;
            const float *qv = nvec + q * (size_t)dim;
            bench_index_search(ix_t, qv, 200, a, sa, &na);
            bench_index_search(ix_flat, qv, 200, b, sb, &nb);
            size_t hit = 0;
            for (size_t i = 0; i < nb; i++)
                for (size_t k = 0; k < na; k++)
                    if (a[k] == b[i]) {
                        hit++;
                        break;
                    }
            rsum += nb ? (double)hit / (double)nb : 1.0;
        }
        printf("  ANN candidate recall@200 vs exact (FLAT), %zu need vectors as queries: %.4f\n",
               nq, rsum / (double)nq);
    }

    /* Wait until the daemon's own talent index has its ANN tier (its
     * maintainer thread builds it in the background). */
    if (n_talents >= 50000) {
        double w0 = kit_now_s();
        while (kit_now_s() - w0 < 300 && s_probe_match(ep, 10000) == 0)
            usleep(500000);
        printf("  daemon ANN tier ready %.1f s after the in-process work\n", kit_now_s() - w0);
    }

    /* 3 + 4. Match load, daemon and in-process. */
    run_result_t mnc, mtc;
    s_match_load(ep, n_talents, n_needs, clients, duration, &mnc, &mtc);
    char label[96];

    printf("\nin-process search straight on bole_index (top-200, no filter, no re-rank):\n");
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.dim = dim;
    tmpl.kind = JOB_LOCAL_NEED;
    tmpl.ix = ix_t;
    tmpl.queries = nvec;
    tmpl.n_queries = n_needs;
    tmpl.until = kit_now_s() + duration;
    run_result_t ln1 = s_run(&tmpl, 1, NULL);
    s_print_run("need vector -> talents, 1 thread", &ln1, "q/s");
    tmpl.until = kit_now_s() + duration;
    run_result_t lnc = s_run(&tmpl, clients, NULL);
    snprintf(label, sizeof label, "need vector -> talents, %d threads", clients);
    s_print_run(label, &lnc, "q/s");
    if (clients != 2) {
        tmpl.until = kit_now_s() + duration;
        run_result_t ln2 = s_run(&tmpl, 2, NULL);
        s_print_run("need vector -> talents, 2 threads", &ln2, "q/s");
    }
    tmpl.kind = JOB_LOCAL_TALENT;
    tmpl.ix = ix_n;
    tmpl.queries = tvec;
    tmpl.n_queries = n_talents;
    tmpl.until = kit_now_s() + duration;
    run_result_t ltc = s_run(&tmpl, clients, NULL);
    snprintf(label, sizeof label, "talent vector -> needs, %d threads", clients);
    s_print_run(label, &ltc, "q/s");
    double thr_d = (double)mnc.ok / mnc.seconds, thr_l = (double)lnc.ok / lnc.seconds;
    printf("  daemon / in-process throughput, match_for_need, %d clients: %.2f\n", clients,
           thr_d / thr_l);
    printf("  daemon / in-process throughput, match_for_talent, %d clients: %.2f\n", clients,
           ((double)mtc.ok / mtc.seconds) / ((double)ltc.ok / ltc.seconds));

    /* Free the in-process copies before the restart so RSS and timing are
     * the daemon's alone. */
    bench_index_destroy(&ix_t);
    bench_index_destroy(&ix_flat);
    bench_index_destroy(&ix_n);

    /* 4b. The same searches on the daemon's own talent index: the in-process
     * index above is trained once on all vectors, the daemon's grew from
     * its first training (docs/INDEX.md) and may probe more lists, so this
     * is the like-for-like baseline of the ratio. */
    if (!server) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__SnapshotRequest sr = BOLE__SNAPSHOT_REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
        req.snapshot = &sr;
        Bole__Response *resp = NULL;
        char snap[sizeof d.db + 32];
        snprintf(snap, sizeof snap, "%s.talents.index", d.db);
        if (s_simple(ep, &req, &resp) == 0) {
            bole_response_free(resp);
            ix_t = bench_index_load(snap);
        }
        if (ix_t) {
            int np, cnp;
            double crec, cms;
            bench_index_calib(ix_t, &np, &cnp, &crec, &cms);
            printf("\nin-process search on the daemon's own talent index (its snapshot, "
                   "nprobe %d):\n", np);
            tmpl.kind = JOB_LOCAL_NEED;
            tmpl.ix = ix_t;
            tmpl.queries = nvec;
            tmpl.n_queries = n_needs;
            tmpl.until = kit_now_s() + duration;
            run_result_t sc = s_run(&tmpl, clients, NULL);
            snprintf(label, sizeof label, "need vector -> talents, %d threads", clients);
            s_print_run(label, &sc, "q/s");
            if (clients != 2) {
                tmpl.until = kit_now_s() + duration;
                run_result_t s2 = s_run(&tmpl, 2, NULL);
                s_print_run("need vector -> talents, 2 threads", &s2, "q/s");
            }
            printf("  daemon / in-process throughput on the same index, match_for_need, "
                   "%d clients: %.2f\n", clients, thr_d / ((double)sc.ok / sc.seconds));
            bench_index_destroy(&ix_t);
        }
    }

    /* 5. Snapshot + restart. */
    if (!server) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__SnapshotRequest sr = BOLE__SNAPSHOT_REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
        req.snapshot = &sr;
        Bole__Response *resp = NULL;
        t0 = kit_now_s();
        if (s_simple(ep, &req, &resp) != 0)
            goto out;
        printf("\nsnapshot: %.2f s (daemon says %lld ms, seq %llu)\n", kit_now_s() - t0,
               (long long)resp->snapshot->took_ms, (unsigned long long)resp->snapshot->seq);
        bole_response_free(resp);
        t0 = kit_now_s();
        int st = kit_daemon_stop(&d);
        printf("  shutdown (SIGTERM to exit): %.2f s, exit status %d\n", kit_now_s() - t0, st);
        double ready = 0;
        t0 = kit_now_s();
        if (kit_daemon_start(&d, 300, &ready) != 0)
            goto out;
        ep = d.endpoint;
        int pr;
        while ((pr = s_probe_match(ep, 60000)) < 0 && kit_now_s() - t0 < 300)
            usleep(10000);
        double first_match = kit_now_s() - t0;
        printf("  restart: health answers after %.2f s; first match_for_need after %.2f s "
               "(%s)\n", ready, first_match,
               pr == 1 ? "ANN tier" : pr == 0 ? "exact scan" : "FAILED");
        printf("  RSS after restart: %.0f MiB (after load: %.0f MiB)\n", s_rss_mib(ep),
               rss_loaded);
    }

    /* 6. Single puts, 8 clients. */
puts:
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.endpoint = ep;
    tmpl.kind = JOB_SINGLE_PUT;
    tmpl.until = kit_now_s() + duration;
    run_result_t sp = s_run(&tmpl, 8, NULL);
    printf("\nsingle puts (put_talent, 8 clients, %s):\n",
           server ? "the server's synchronous setting" : "synchronous=full");
    s_print_run("acknowledged put_talent", &sp, "puts/s");
    printf("\nfinal RSS: %.0f MiB\n", s_rss_mib(ep));
    status = 0;
out:
    if (!server) {
        kit_daemon_stop(&d);
        if (keep || status != 0)
            fprintf(stderr, "daemon files kept in %s\n", tmp);
        else
            kit_rmtree(tmp);
    }
    bench_index_destroy(&ix_t);
    bench_index_destroy(&ix_flat);
    bench_index_destroy(&ix_n);
    free(tvec);
    free(nvec);
    bench_model_close();
    free(s_usable);
    kit_onet_free(&s_onet);
    return status;
}
