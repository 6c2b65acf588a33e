/* bole-eval — Bole's ranking quality on a labelled benchmark built from O*NET.
 *
 *   bole-eval [--occupations N] [--talents-per-occ T] [--seed S] [--split W]
 *             [--check] [--margin M]
 *             [--boled PATH] [--server ENDPOINT] [--weights FILE]
 *             [--onet DIR] [--heldout FILE] [--model-dir DIR] [--keep]
 *
 * The benchmark (fixed seed; docs/QUALITY.md):
 *   - one need per occupation: a held-out alternate title (never seen in
 *     training), a sample of up to 10 of the occupation's technology skills
 *     (O*NET Hot Technologies among them are must-haves, the rest
 *     nice-to-have), the job zone's experience range and education minimum;
 *   - T talents per occupation: each a different held-out title, a random
 *     50-80% of the occupation's technology skills (at most 40) with random
 *     levels, plus noise: 2 skills of a related occupation and 2 of a random
 *     one; experience and education drawn around the job zone;
 *   - relevance 2 for the same occupation, 1 for an O*NET Related
 *     Occupation (either direction), 0 otherwise.
 * Rankings: (a) exact Jaccard overlap of skill names, computed here; (b)
 * vector similarity alone: a second boled whose weights file gives weight
 * only to similarity; (c) Bole's full ranking (models/weights.conf, or
 * --weights). Metrics: NDCG@10 (gain 2^rel - 1, ideal from every judged
 * record) and recall@10 / recall@100 of the same-occupation records, both
 * directions. --check exits 1 unless, in each direction, (c) beats the
 * better of (a) and (b) on NDCG@10 by at least --margin (0.03) and the 95%
 * paired bootstrap interval of that gain over queries lies above 0.
 * --split tune|report|all picks a fixed third / two thirds / all of the
 * occupations: tune ranking parameters on "tune", report on "report".
 *
 * Exit status: 0 done (and check passed), 1 check failed, 2 usage, 3 error.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bole/client.h"
#include "kit.h"

#ifndef BOLE_SOURCE_DIR
#define BOLE_SOURCE_DIR "."
#endif
#ifndef BOLE_BOLED_PATH
#define BOLE_BOLED_PATH NULL
#endif

#define MAX_NEED_SKILLS   10
#define MAX_TALENT_SKILLS 40
#define LIST_K            100

/* One generated profile (need or talent). */
typedef struct {
    size_t occ;            /* Occupation index in the O*NET table. */
    const char *title;     /* Held-out title (owned by the O*NET table). */
    const char **skill;    /* Skill names (owned by the O*NET table). */
    uint32_t *sid;         /* Skill ids (sorted) for Jaccard. */
    uint32_t *level;       /* Talent: level 1-5. */
    int *must;             /* Need: must-have flag. */
    size_t n;
    float exp_lo, exp_hi;  /* Need: range. Talent: exp_lo = years. */
    int edu;               /* bole.Education. */
} prof_t;

typedef struct {
    double ndcg10, r10, r100;
    size_t queries;
    double *per;           /* NDCG@10 of each query, in query order (for --check). */
    size_t cap;
} metric_t;

/* ---- skill ids for Jaccard ---------------------------------------------- */

static char **s_names;
static size_t s_n_names;

static void s_lower(const char *in, char *out, size_t len)
{
    size_t i = 0;
    for (; in[i] && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void s_build_names(const kit_onet_t *o)
{
    size_t cap = 0;
    for (size_t i = 0; i < o->n; i++)
        cap += o->occ[i].n_tech;
    s_names = kit_xmalloc(cap * sizeof *s_names);
    char buf[512];
    for (size_t i = 0; i < o->n; i++)
        for (size_t j = 0; j < o->occ[i].n_tech; j++) {
            s_lower(o->occ[i].tech[j].name, buf, sizeof buf);
            s_names[s_n_names++] = kit_xstrdup(buf);
        }
    qsort(s_names, s_n_names, sizeof *s_names, s_cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < s_n_names; i++) {
        if (w && strcmp(s_names[w - 1], s_names[i]) == 0) {
            free(s_names[i]);
            continue;
        }
        s_names[w++] = s_names[i];
    }
    s_n_names = w;
}

static uint32_t s_name_id(const char *name)
{
    char buf[512];
    s_lower(name, buf, sizeof buf);
    char *key = buf;
    char **hit = bsearch(&key, s_names, s_n_names, sizeof *s_names, s_cmp_str);
    return hit ? (uint32_t)(hit - s_names) : UINT32_MAX;
}

static double s_jaccard(const prof_t *a, const prof_t *b)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < a->n && j < b->n) {
        if (a->sid[i] == b->sid[j]) {
            inter++;
            i++;
            j++;
        } else if (a->sid[i] < b->sid[j]) {
            i++;
        } else {
            j++;
        }
    }
    size_t uni = a->n + b->n - inter;
    return uni ? (double)inter / (double)uni : 0.0;
}

/* ---- generation --------------------------------------------------------- */

/* Add a skill unless already present. */
static void s_add_skill(prof_t *p, const char *name, uint32_t level, int must)
{
    uint32_t id = s_name_id(name);
    for (size_t i = 0; i < p->n; i++)
        if (p->sid[i] == id)
            return;
    p->skill[p->n] = name;
    p->sid[p->n] = id;
    if (p->level)
        p->level[p->n] = level;
    if (p->must)
        p->must[p->n] = must;
    p->n++;
}

static void s_sort_sids(prof_t *p)
{
    /* Only the id array is sorted: Jaccard needs a sorted set; names and
     * levels keep their own order for the daemon. */
    uint32_t *copy = kit_xmalloc(p->n * sizeof *copy);
    memcpy(copy, p->sid, p->n * sizeof *copy);
    qsort(copy, p->n, sizeof *copy, s_cmp_u32);
    p->sid = copy;
}

static void s_make_need(prof_t *p, const kit_onet_t *o, size_t occ, size_t title_i,
                        kit_rng_t *r)
{
    const kit_occ_t *c = &o->occ[occ];
    memset(p, 0, sizeof *p);
    p->occ = occ;
    p->title = c->heldout[title_i];
    p->skill = kit_xmalloc(MAX_NEED_SKILLS * sizeof *p->skill);
    uint32_t *sid = kit_xmalloc(MAX_NEED_SKILLS * sizeof *sid);
    p->sid = sid;
    p->must = kit_xmalloc(MAX_NEED_SKILLS * sizeof *p->must);
    size_t *perm = kit_xmalloc(c->n_tech * sizeof *perm);
    for (size_t i = 0; i < c->n_tech; i++)
        perm[i] = i;
    kit_rng_shuffle(r, perm, c->n_tech);
    size_t m = c->n_tech < MAX_NEED_SKILLS ? c->n_tech : MAX_NEED_SKILLS;
    for (size_t i = 0; i < m; i++)
        s_add_skill(p, c->tech[perm[i]].name, 0, c->tech[perm[i]].hot);
    free(perm);
    kit_job_zone_years(c->job_zone, &p->exp_lo, &p->exp_hi);
    p->edu = kit_job_zone_education(c->job_zone);
    s_sort_sids(p);
    free(sid);
}

static void s_make_talent(prof_t *p, const kit_onet_t *o, size_t occ, size_t title_i,
                          kit_rng_t *r)
{
    const kit_occ_t *c = &o->occ[occ];
    memset(p, 0, sizeof *p);
    p->occ = occ;
    p->title = c->heldout[title_i];
    size_t cap = MAX_TALENT_SKILLS + 4;
    p->skill = kit_xmalloc(cap * sizeof *p->skill);
    uint32_t *sid = kit_xmalloc(cap * sizeof *sid);
    p->sid = sid;
    p->level = kit_xmalloc(cap * sizeof *p->level);
    double frac = 0.5 + 0.3 * kit_rng_unit(r);
    size_t m = (size_t)lround(frac * (double)c->n_tech);
    if (m < 1)
        m = 1;
    if (m > MAX_TALENT_SKILLS)
        m = MAX_TALENT_SKILLS;
    size_t *perm = kit_xmalloc(c->n_tech * sizeof *perm);
    for (size_t i = 0; i < c->n_tech; i++)
        perm[i] = i;
    kit_rng_shuffle(r, perm, c->n_tech);
    for (size_t i = 0; i < m; i++)
        s_add_skill(p, c->tech[perm[i]].name, 2 + (uint32_t)kit_rng_below(r, 4), 0);
    free(perm);
    /* Noise: two skills of a related occupation, two of a random one. */
    for (int k = 0; k < 2; k++) {
        const kit_occ_t *rel = c->n_related ? &o->occ[c->related[kit_rng_below(r, c->n_related)]]
                                            : &o->occ[kit_rng_below(r, o->n)];
        if (rel->n_tech)
            s_add_skill(p, rel->tech[kit_rng_below(r, rel->n_tech)].name,
                        1 + (uint32_t)kit_rng_below(r, 4), 0);
        const kit_occ_t *any = &o->occ[kit_rng_below(r, o->n)];
        if (any->n_tech)
            s_add_skill(p, any->tech[kit_rng_below(r, any->n_tech)].name,
                        1 + (uint32_t)kit_rng_below(r, 4), 0);
    }
    float lo, hi;
    kit_job_zone_years(c->job_zone, &lo, &hi);
    p->exp_lo = lo + (float)kit_rng_unit(r) * (hi - lo + 2.0f);
    p->edu = kit_job_zone_education(c->job_zone);
    if (kit_rng_unit(r) < 0.25 && p->edu < 6)
        p->edu++;
    s_sort_sids(p);
    free(sid);
}

static void s_prof_free(prof_t *p)
{
    free(p->skill);
    free(p->sid);
    free(p->level);
    free(p->must);
}

/* ---- loading into a daemon ---------------------------------------------- */

static int s_call_ok(bole_client_t *c, Bole__Request *req, Bole__Response **out,
                     const char *what)
{
    Bole__Response *resp = NULL;
    int rc = bole_client_call(c, req, &resp);
    if (rc != BOLE_OK) {
        fprintf(stderr, "%s: %s\n", what, bole_strerror(rc));
        return -1;
    }
    if (resp->status != BOLE__STATUS_CODE__OK) {
        fprintf(stderr, "%s: %s: %s\n", what, bole_status_name(resp->status), resp->error);
        if (resp->body_case == BOLE__RESPONSE__BODY_PUT_TALENTS && resp->put_talents &&
            resp->put_talents->n_errors)
            fprintf(stderr, "  first item error: %s\n", resp->put_talents->errors[0]->error);
        if (resp->body_case == BOLE__RESPONSE__BODY_PUT_NEEDS && resp->put_needs &&
            resp->put_needs->n_errors)
            fprintf(stderr, "  first item error: %s\n", resp->put_needs->errors[0]->error);
        bole_response_free(resp);
        return -1;
    }
    if (out)
        *out = resp;
    else
        bole_response_free(resp);
    return 0;
}

static int s_load(const char *endpoint, const prof_t *needs, size_t n_needs,
                  const prof_t *tals, size_t n_tals)
{
    bole_client_t *c = bole_client_new(endpoint, 120000);
    if (!c)
        return -1;
    int rc = 0;
    enum { BATCH = 1000 };
    for (size_t base = 0; base < n_tals && rc == 0; base += BATCH) {
        size_t m = n_tals - base < BATCH ? n_tals - base : BATCH;
        Bole__Talent *t = kit_xcalloc(m, sizeof *t);
        Bole__Talent **tp = kit_xcalloc(m, sizeof *tp);
        Bole__Skill *sk = kit_xcalloc(m * (MAX_TALENT_SKILLS + 4), sizeof *sk);
        Bole__Skill **skp = kit_xcalloc(m * (MAX_TALENT_SKILLS + 4), sizeof *skp);
        char (*ids)[32] = kit_xcalloc(m, sizeof *ids);
        for (size_t i = 0; i < m; i++) {
            const prof_t *p = &tals[base + i];
            bole__talent__init(&t[i]);
            snprintf(ids[i], sizeof ids[i], "T%zu", base + i);
            t[i].external_id = ids[i];
            t[i].occupation = (char *)p->title;
            t[i].experience_years = p->exp_lo;
            t[i].education = (Bole__Education)p->edu;
            Bole__Skill **row = &skp[i * (MAX_TALENT_SKILLS + 4)];
            for (size_t j = 0; j < p->n; j++) {
                Bole__Skill *s = &sk[i * (MAX_TALENT_SKILLS + 4) + j];
                bole__skill__init(s);
                s->name = (char *)p->skill[j];
                s->level = p->level[j];
                row[j] = s;
            }
            t[i].skills = row;
            t[i].n_skills = p->n;
            tp[i] = &t[i];
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutTalentsRequest body = BOLE__PUT_TALENTS_REQUEST__INIT;
        body.talents = tp;
        body.n_talents = m;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &body;
        rc = s_call_ok(c, &req, NULL, "put_talents");
        free(t);
        free(tp);
        free(sk);
        free(skp);
        free(ids);
    }
    for (size_t base = 0; base < n_needs && rc == 0; base += BATCH) {
        size_t m = n_needs - base < BATCH ? n_needs - base : BATCH;
        Bole__Need *nd = kit_xcalloc(m, sizeof *nd);
        Bole__Need **np = kit_xcalloc(m, sizeof *np);
        Bole__NeedSkill *sk = kit_xcalloc(m * MAX_NEED_SKILLS, sizeof *sk);
        Bole__NeedSkill **skp = kit_xcalloc(m * MAX_NEED_SKILLS, sizeof *skp);
        char (*ids)[32] = kit_xcalloc(m, sizeof *ids);
        for (size_t i = 0; i < m; i++) {
            const prof_t *p = &needs[base + i];
            bole__need__init(&nd[i]);
            snprintf(ids[i], sizeof ids[i], "N%zu", base + i);
            nd[i].external_id = ids[i];
            nd[i].title = (char *)p->title;
            nd[i].min_experience_years = p->exp_lo;
            nd[i].max_experience_years = p->exp_hi;
            nd[i].min_education = (Bole__Education)p->edu;
            Bole__NeedSkill **row = &skp[i * MAX_NEED_SKILLS];
            for (size_t j = 0; j < p->n; j++) {
                Bole__NeedSkill *s = &sk[i * MAX_NEED_SKILLS + j];
                bole__need_skill__init(s);
                s->name = (char *)p->skill[j];
                s->must_have = p->must[j] != 0;
                row[j] = s;
            }
            nd[i].skills = row;
            nd[i].n_skills = p->n;
            np[i] = &nd[i];
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutNeedsRequest body = BOLE__PUT_NEEDS_REQUEST__INIT;
        body.needs = np;
        body.n_needs = m;
        req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
        req.put_needs = &body;
        rc = s_call_ok(c, &req, NULL, "put_needs");
        free(nd);
        free(np);
        free(sk);
        free(skp);
        free(ids);
    }
    bole_client_destroy(&c);
    return rc;
}

/* ---- metrics ------------------------------------------------------------ */

static int s_rel(const kit_onet_t *o, size_t q_occ, size_t c_occ)
{
    if (q_occ == c_occ)
        return 2;
    const kit_occ_t *q = &o->occ[q_occ];
    for (size_t i = 0; i < q->n_related; i++)
        if (q->related[i] == c_occ)
            return 1;
    return 0;
}

/* Score one ranked list (candidate indexes into cands) for a query. */
static void s_score(metric_t *m, const kit_onet_t *o, size_t q_occ, const size_t *list,
                    size_t n_list, const prof_t *cands, size_t n_cands)
{
    size_t n2 = 0, n1 = 0;
    for (size_t i = 0; i < n_cands; i++) {
        int r = s_rel(o, q_occ, cands[i].occ);
        n2 += r == 2;
        n1 += r == 1;
    }
    double idcg = 0;
    for (size_t i = 0; i < 10 && i < n2 + n1; i++)
        idcg += (i < n2 ? 3.0 : 1.0) / log2((double)i + 2.0);
    double dcg = 0;
    size_t hit10 = 0, hit100 = 0;
    for (size_t i = 0; i < n_list && i < LIST_K; i++) {
        int r = s_rel(o, q_occ, cands[list[i]].occ);
        if (i < 10)
            dcg += (double)((1 << r) - 1) / log2((double)i + 2.0);
        if (r == 2) {
            hit100++;
            if (i < 10)
                hit10++;
        }
    }
    double nd = idcg > 0 ? dcg / idcg : 0;
    if (m->queries == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->per = realloc(m->per, m->cap * sizeof *m->per);
        if (!m->per) {
            fprintf(stderr, "out of memory\n");
            exit(3);
        }
    }
    m->per[m->queries] = nd;
    m->ndcg10 += nd;
    m->r10 += n2 ? (double)hit10 / (double)n2 : 0;
    m->r100 += n2 ? (double)hit100 / (double)n2 : 0;
    m->queries++;
}

static void s_finish(metric_t *m)
{
    if (m->queries) {
        m->ndcg10 /= (double)m->queries;
        m->r10 /= (double)m->queries;
        m->r100 /= (double)m->queries;
    }
}

/* Lower end of the 95% paired bootstrap interval of mean(x - y) over n
 * queries (2,000 resamples, fixed seed): "clearly better" needs it > 0 too. */
static double s_gain_low95(const double *x, const double *y, size_t n)
{
    enum { B = 2000 };
    double *means = kit_xmalloc(B * sizeof *means);
    kit_rng_t r = { 12345 };
    for (size_t b = 0; b < B; b++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = kit_rng_below(&r, n);
            sum += x[j] - y[j];
        }
        means[b] = sum / (double)n;
    }
    /* Partial selection would do; B is small, so sort. */
    for (size_t i = 1; i < B; i++)
        for (size_t j = i; j > 0 && means[j - 1] > means[j]; j--) {
            double t = means[j];
            means[j] = means[j - 1];
            means[j - 1] = t;
        }
    double low = means[B / 40];
    free(means);
    return low;
}

/* Jaccard ranking of cands for q; ties broken by the candidate's position in
 * a fixed random order (tie_rank). */
typedef struct {
    double s;
    size_t tie;
    size_t i;
} scored_t;

static int s_cmp_scored(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return x->tie < y->tie ? -1 : x->tie > y->tie;
}

static void s_eval_jaccard(metric_t *m, const kit_onet_t *o, const prof_t *qs, size_t nq,
                           const prof_t *cs, size_t nc, const size_t *tie)
{
    scored_t *sc = kit_xmalloc(nc * sizeof *sc);
    size_t *list = kit_xmalloc(LIST_K * sizeof *list);
    for (size_t q = 0; q < nq; q++) {
        for (size_t i = 0; i < nc; i++) {
            sc[i].s = s_jaccard(&qs[q], &cs[i]);
            sc[i].tie = tie[i];
            sc[i].i = i;
        }
        qsort(sc, nc, sizeof *sc, s_cmp_scored);
        size_t n = nc < LIST_K ? nc : LIST_K;
        for (size_t i = 0; i < n; i++)
            list[i] = sc[i].i;
        s_score(m, o, qs[q].occ, list, n, cs, nc);
    }
    free(sc);
    free(list);
    s_finish(m);
}

/* Ranking by a daemon: match_for_need (talents) when need_side, else
 * match_for_talent. Returns 0 or -1. */
static int s_eval_daemon(metric_t *m, const kit_onet_t *o, const char *endpoint, int need_side,
                         const prof_t *qs, size_t nq, const prof_t *cs, size_t nc)
{
    bole_client_t *c = bole_client_new(endpoint, 30000);
    if (!c)
        return -1;
    size_t *list = kit_xmalloc(LIST_K * sizeof *list);
    char id[32];
    int rc = 0;
    for (size_t q = 0; q < nq && rc == 0; q++) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
        Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
        if (need_side) {
            snprintf(id, sizeof id, "N%zu", q);
            mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
            mn.need_id = id;
            mn.k = LIST_K;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
            req.match_for_need = &mn;
        } else {
            snprintf(id, sizeof id, "T%zu", q);
            mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
            mt.talent_id = id;
            mt.k = LIST_K;
            req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
            req.match_for_talent = &mt;
        }
        Bole__Response *resp = NULL;
        if (s_call_ok(c, &req, &resp, need_side ? "match_for_need" : "match_for_talent") != 0) {
            rc = -1;
            break;
        }
        size_t n = 0;
        Bole__MatchResponse *mr = resp->match;
        for (size_t i = 0; mr && i < mr->n_results && n < LIST_K; i++) {
            const char *cid = need_side ? mr->results[i]->talent_id : mr->results[i]->need_id;
            char *end = NULL;
            unsigned long long v = strtoull(cid + 1, &end, 10);
            if (end && *end == 0 && v < nc)
                list[n++] = (size_t)v;
        }
        s_score(m, o, qs[q].occ, list, n, cs, nc);
        bole_response_free(resp);
    }
    free(list);
    bole_client_destroy(&c);
    s_finish(m);
    return rc;
}

/* ---- model directories --------------------------------------------------- */

static int s_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* dir/bole.model -> model; dir/weights.conf = a copy of weights_src, or the
 * similarity-only weights when weights_src is NULL. */
static int s_make_model_dir(const char *dir, const char *model_dir, const char *weights_src)
{
    char a[PATH_MAX], b[PATH_MAX];
    char rp[PATH_MAX];
    snprintf(a, sizeof a, "%s/bole.model", model_dir);
    if (!realpath(a, rp)) {
        fprintf(stderr, "%s: %s\n", a, strerror(errno));
        return -1;
    }
    snprintf(b, sizeof b, "%s/bole.model", dir);
    if (symlink(rp, b) != 0)
        return -1;
    snprintf(b, sizeof b, "%s/weights.conf", dir);
    if (!weights_src)
        return s_write_file(b,
                            "# bole-eval baseline (b): vector similarity alone.\n"
                            "version = eval-similarity-only\n"
                            "weight.similarity = 1\n"
                            "weight.must_have_coverage = 0\n"
                            "weight.nice_to_have_coverage = 0\n"
                            "weight.industry = 0\n"
                            "weight.zone = 0\n"
                            "weight.experience_fit = 0\n"
                            "weight.education_fit = 0\n"
                            "weight.talent_preference = 0\n"
                            "weight.policy_priority = 0\n"
                            "weight.freshness = 0\n");
    if (!realpath(weights_src, rp)) {
        fprintf(stderr, "%s: %s\n", weights_src, strerror(errno));
        return -1;
    }
    return symlink(rp, b);
}

/* ---- splits --------------------------------------------------------------- */

/* The tuning split: occupations whose O*NET-SOC code hashes to 0 mod 3
 * (about a third). Ranking parameters are tuned on "tune" (with another
 * seed) and reported on "report", the other two thirds, so the reported
 * figures come from occupations no tuning run ever saw. "all" is both. */
static int s_in_split(const kit_occ_t *c, const char *split)
{
    if (strcmp(split, "all") == 0)
        return 1;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = c->code; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ull;
    }
    int tune = h % 3 == 0;
    return strcmp(split, "tune") == 0 ? tune : !tune;
}

/* ---- main --------------------------------------------------------------- */

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: bole-eval [options]\n"
            "  --occupations N     occupations sampled (0 = every eligible one; default 0)\n"
            "  --talents-per-occ T talents per occupation (default 3)\n"
            "  --seed S            benchmark seed (default 20250301)\n"
            "  --split WHICH       occupations: all (default), tune (a third, by a hash\n"
            "                      of the O*NET code: tune parameters here, with\n"
            "                      another seed) or report (the other two thirds)\n"
            "  --check             exit 1 unless the full ranking beats the best baseline\n"
            "                      clearly in both directions: NDCG@10 higher by at\n"
            "                      least --margin and the 95%% paired bootstrap\n"
            "                      interval of the gain above 0\n"
            "  --margin M          NDCG@10 margin for --check (default 0.03)\n"
            "  --boled PATH        daemon binary (default: the one built with this tool)\n"
            "  --server ENDPOINT   use a running boled for (c) instead of starting one\n"
            "                      (it must be empty of records named T<n>/N<n>)\n"
            "  --weights FILE      weights for (c) (default MODEL-DIR/weights.conf)\n"
            "  --onet DIR          O*NET tables (default models/src/onet)\n"
            "  --heldout FILE      held-out titles (default models/src/heldout_titles.tsv)\n"
            "  --model-dir DIR     folder with bole.model (default models)\n"
            "  --keep              keep the temp dir (databases, logs)\n");
}

int main(int argc, char **argv)
{
    size_t n_occ_want = 0, per_occ = 3;
    uint64_t seed = 20250301;
    int check = 0, keep = 0;
    double margin = 0.03;
    const char *boled_arg = NULL, *server = NULL, *weights = NULL, *split = "all";
    const char *onet = BOLE_SOURCE_DIR "/models/src/onet";
    const char *heldout = BOLE_SOURCE_DIR "/models/src/heldout_titles.tsv";
    const char *model_dir = BOLE_SOURCE_DIR "/models";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--check") == 0) { check = 1; continue; }
        if (strcmp(a, "--keep") == 0) { keep = 1; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { s_usage(stdout); return 0; }
        if (!v) { s_usage(stderr); return 2; }
        i++;
        if (strcmp(a, "--occupations") == 0) n_occ_want = strtoul(v, NULL, 10);
        else if (strcmp(a, "--talents-per-occ") == 0) per_occ = strtoul(v, NULL, 10);
        else if (strcmp(a, "--seed") == 0) seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--boled") == 0) boled_arg = v;
        else if (strcmp(a, "--server") == 0) server = v;
        else if (strcmp(a, "--weights") == 0) weights = v;
        else if (strcmp(a, "--split") == 0) split = v;
        else if (strcmp(a, "--margin") == 0) margin = strtod(v, NULL);
        else if (strcmp(a, "--onet") == 0) onet = v;
        else if (strcmp(a, "--heldout") == 0) heldout = v;
        else if (strcmp(a, "--model-dir") == 0) model_dir = v;
        else { fprintf(stderr, "unknown option %s\n", a); s_usage(stderr); return 2; }
    }
    if (strcmp(split, "all") != 0 && strcmp(split, "tune") != 0 &&
        strcmp(split, "report") != 0) {
        fprintf(stderr, "--split must be all, tune or report\n");
        return 2;
    }
    if (per_occ < 1 || per_occ > 20) {
        fprintf(stderr, "--talents-per-occ must be 1-20\n");
        return 2;
    }

    kit_onet_t o;
    if (kit_onet_load(&o, onet, heldout) != 0)
        return 3;
    s_build_names(&o);
    size_t n_rel = 0;
    for (size_t i = 0; i < o.n; i++)
        n_rel += o.occ[i].n_related;
    if (n_rel == 0)
        fprintf(stderr, "warning: no Related_Occupations: relevance 1 never occurs\n");

    /* Eligible: a need title and at least one different talent title, and
     * at least 3 technology skills. */
    size_t *elig = kit_xmalloc(o.n * sizeof *elig), n_elig = 0;
    for (size_t i = 0; i < o.n; i++)
        if (o.occ[i].n_tech >= 3 && o.occ[i].n_heldout >= 2 && s_in_split(&o.occ[i], split))
            elig[n_elig++] = i;
    kit_rng_t rng = { seed };
    kit_rng_shuffle(&rng, elig, n_elig);
    size_t n_occ = n_occ_want && n_occ_want < n_elig ? n_occ_want : n_elig;

    prof_t *needs = kit_xcalloc(n_occ, sizeof *needs);
    prof_t *tals = kit_xcalloc(n_occ * per_occ, sizeof *tals);
    size_t n_tals = 0;
    for (size_t k = 0; k < n_occ; k++) {
        size_t occ = elig[k];
        const kit_occ_t *c = &o.occ[occ];
        size_t h0 = kit_rng_below(&rng, c->n_heldout);
        s_make_need(&needs[k], &o, occ, h0, &rng);
        for (size_t j = 0; j < per_occ; j++) {
            size_t h = (h0 + 1 + j % (c->n_heldout - 1)) % c->n_heldout;
            s_make_talent(&tals[n_tals++], &o, occ, h, &rng);
        }
    }
    size_t *tie_t = kit_xmalloc(n_tals * sizeof *tie_t), *tie_n = kit_xmalloc(n_occ * sizeof *tie_n);
    for (size_t i = 0; i < n_tals; i++)
        tie_t[i] = i;
    for (size_t i = 0; i < n_occ; i++)
        tie_n[i] = i;
    kit_rng_shuffle(&rng, tie_t, n_tals);
    kit_rng_shuffle(&rng, tie_n, n_occ);
    size_t n_must = 0, n_skill = 0;
    for (size_t k = 0; k < n_occ; k++) {
        n_skill += needs[k].n;
        for (size_t j = 0; j < needs[k].n; j++)
            n_must += needs[k].must[j] != 0;
    }
    printf("benchmark: split %s, %zu occupations (of %zu eligible), %zu needs, %zu talents, seed %llu;\n"
           "           need skills %.1f on average (%.1f must-have), %zu related pairs\n",
           split, n_occ, n_elig, n_occ, n_tals, (unsigned long long)seed,
           (double)n_skill / (double)n_occ, (double)n_must / (double)n_occ, n_rel / 2);

    /* Daemons. */
    char boled[PATH_MAX], tmp[1024];
    if (kit_find_boled(boled_arg, BOLE_BOLED_PATH, boled, sizeof boled) != 0) {
        fprintf(stderr, "cannot find boled (use --boled PATH)\n");
        return 3;
    }
    if (kit_tmpdir("bole-eval.", tmp, sizeof tmp) != 0) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return 3;
    }
    metric_t m[3][2];  /* [ranking][direction: 0 needs->talents, 1 talents->needs] */
    memset(m, 0, sizeof m);
    kit_daemon_t dv, df;
    memset(&dv, 0, sizeof dv);
    memset(&df, 0, sizeof df);
    int status = 3;
    char path[PATH_MAX];
    snprintf(dv.model_dir, sizeof dv.model_dir, "%s/model-similarity", tmp);
    snprintf(path, sizeof path, "%s/weights.conf", model_dir);
    if (mkdir(dv.model_dir, 0755) != 0 || s_make_model_dir(dv.model_dir, model_dir, NULL) != 0) {
        fprintf(stderr, "cannot prepare %s\n", dv.model_dir);
        goto out;
    }
    snprintf(dv.boled, sizeof dv.boled, "%s", boled);
    snprintf(dv.db, sizeof dv.db, "%s/similarity.db", tmp);
    snprintf(dv.log_path, sizeof dv.log_path, "%s/similarity.log", tmp);
    dv.synchronous = "normal";
    if (kit_daemon_start(&dv, 60, NULL) != 0)
        goto out;
    const char *full_ep = server;
    if (!server) {
        snprintf(df.model_dir, sizeof df.model_dir, "%s/model-full", tmp);
        if (mkdir(df.model_dir, 0755) != 0 ||
            s_make_model_dir(df.model_dir, model_dir, weights ? weights : path) != 0) {
            fprintf(stderr, "cannot prepare %s\n", df.model_dir);
            goto out;
        }
        snprintf(df.boled, sizeof df.boled, "%s", boled);
        snprintf(df.db, sizeof df.db, "%s/full.db", tmp);
        snprintf(df.log_path, sizeof df.log_path, "%s/full.log", tmp);
        df.synchronous = "normal";
        if (kit_daemon_start(&df, 60, NULL) != 0)
            goto out;
        full_ep = df.endpoint;
    }
    double t0 = kit_now_s();
    if (s_load(dv.endpoint, needs, n_occ, tals, n_tals) != 0 ||
        s_load(full_ep, needs, n_occ, tals, n_tals) != 0)
        goto out;
    fprintf(stderr, "loaded into two daemons in %.1f s\n", kit_now_s() - t0);

    s_eval_jaccard(&m[0][0], &o, needs, n_occ, tals, n_tals, tie_t);
    s_eval_jaccard(&m[0][1], &o, tals, n_tals, needs, n_occ, tie_n);
    if (s_eval_daemon(&m[1][0], &o, dv.endpoint, 1, needs, n_occ, tals, n_tals) != 0 ||
        s_eval_daemon(&m[1][1], &o, dv.endpoint, 0, tals, n_tals, needs, n_occ) != 0 ||
        s_eval_daemon(&m[2][0], &o, full_ep, 1, needs, n_occ, tals, n_tals) != 0 ||
        s_eval_daemon(&m[2][1], &o, full_ep, 0, tals, n_tals, needs, n_occ) != 0)
        goto out;

    static const char *names[3] = { "(a) skill Jaccard", "(b) vector similarity",
                                    "(c) Bole full ranking" };
    printf("\n| ranking | needs→talents NDCG@10 | R@10 | R@100 "
           "| talents→needs NDCG@10 | R@10 | R@100 |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n");
    for (int r = 0; r < 3; r++)
        printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", names[r], m[r][0].ndcg10,
               m[r][0].r10, m[r][0].r100, m[r][1].ndcg10, m[r][1].r10, m[r][1].r100);
    printf("\n(R@K: share of the same-occupation records in the top K; queries: %zu needs, "
           "%zu talents)\n", m[0][0].queries, m[0][1].queries);

    status = 0;
    if (check) {
        for (int d = 0; d < 2; d++) {
            int best = m[1][d].ndcg10 >= m[0][d].ndcg10 ? 1 : 0;
            double gain = m[2][d].ndcg10 - m[best][d].ndcg10;
            double low = m[2][d].queries == m[best][d].queries
                             ? s_gain_low95(m[2][d].per, m[best][d].per, m[2][d].queries)
                             : -1.0;
            int ok = gain >= margin && low > 0;
            printf("%s %s: full ranking NDCG@10 %.3f vs best baseline %s %.3f: gain %+.3f "
                   "(95%% lower bound %+.3f; needs >= %+.3f and > 0)\n",
                   ok ? "check ok:" : "CHECK FAILED:", d ? "talents->needs" : "needs->talents",
                   m[2][d].ndcg10, names[best], m[best][d].ndcg10, gain, low, margin);
            if (!ok)
                status = 1;
        }
        if (status == 0)
            printf("check passed: the full ranking beats both baselines clearly both ways\n");
    }
out:
    kit_daemon_stop(&dv);
    kit_daemon_stop(&df);
    if (keep)
        fprintf(stderr, "kept %s\n", tmp);
    else
        kit_rmtree(tmp);
    for (size_t i = 0; i < n_occ; i++)
        s_prof_free(&needs[i]);
    for (size_t i = 0; i < n_tals; i++)
        s_prof_free(&tals[i]);
    for (int r = 0; r < 3; r++)
        for (int d = 0; d < 2; d++)
            free(m[r][d].per);
    free(needs);
    free(tals);
    free(tie_t);
    free(tie_n);
    free(elig);
    for (size_t i = 0; i < s_n_names; i++)
        free(s_names[i]);
    free(s_names);
    kit_onet_free(&o);
    return status;
}
