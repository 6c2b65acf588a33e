/*
 * team.c - FormTeam, TeamForProjects and UpdateTeam: turns a project and
 * talent records into a teamform.h problem, runs the lazy greedy, and
 * explains the answer (who covers each skill and how well, what stays
 * uncovered, each member's marginal gain, why a seat stayed empty).
 *
 * Candidates: for each role, the talents nearest to the role's need vector
 * in the talent index, under the hard filters (availability, zone if asked,
 * excluded ids, talents already at their accepted-team limit). Each
 * (talent, role) pair is scored by the ranking model (bole_rank_score of
 * the talent against the role's need record) and covers the project's
 * skills by level. The objective and its constants are documented in
 * docs/TEAMS.md; keep the two in step.
 *
 * FormTeam stores its proposals (state TEAM_PROPOSED) so UpdateTeam can
 * accept them; UpdateTeam publishes a TeamEvent after commit.
 */
#include "handlers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "feedback.h"
#include "index.h"
#include "log.h"
#include "profile.h"
#include "rank.h"
#include "scope.h"
#include "team.h"
#include "teamform.h"
#include "validate.h"
#include "weights.h"

#define COVERAGE_SHARE     0.7    /* alpha: coverage part of the objective. */
#define MUST_WEIGHT        2.0    /* Must-have skills weigh this much more. */
#define CROSS_ROLE         0.25   /* A skill of another role counts this much. */
#define DEFAULT_LEVEL      3      /* A talent skill without a level. */
#define DEFAULT_DIFFERENCE 0.3f   /* TeamConstraints.min_difference 0. */
#define POOL_MIN           64     /* Candidates per role from the index. */
#define POOL_PER_SEAT      16
#define POOL_MAX           400
#define POOL_NPROBE        8      /* Most IVF lists probed per pool search (docs/TEAMS.md). */
#define DEFAULT_PROJECTS_K 10

/* ---- filters -------------------------------------------------------------- */

typedef struct {
    bole_catalog_t *catalog;
    uint32_t zone;               /* Required zone, or BOLE_INTERN_NONE. */
    int same_zone;
    int include_unavailable;
    const int64_t *blocked;      /* Sorted: excluded or at their team limit. */
    size_t n_blocked;
    const int64_t *excluded;     /* Sorted: excluded by the request. */
    size_t n_excluded;
    /* Rejections seen by the index's filter calls (for explanations). */
    size_t rej_unavailable, rej_zone, rej_excluded, rej_busy;
} talent_filter_t;

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_has(const int64_t *list, size_t n, int64_t id)
{
    return n && bsearch(&id, list, n, sizeof id, s_cmp_i64) != NULL;
}

/* Called by the index during this request's search (same thread). */
static int s_talent_pass(void *ctx, int64_t id)
{
    talent_filter_t *f = ctx;
    const bole_talent_rec_t *t = bole_catalog_talent(f->catalog, id);
    if (!t)
        return 0;
    if (s_has(f->blocked, f->n_blocked, id)) {
        if (s_has(f->excluded, f->n_excluded, id))
            __atomic_add_fetch(&f->rej_excluded, 1, __ATOMIC_RELAXED);
        else
            __atomic_add_fetch(&f->rej_busy, 1, __ATOMIC_RELAXED);
        return 0;
    }
    if (!f->include_unavailable &&
        t->availability == BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE) {
        __atomic_add_fetch(&f->rej_unavailable, 1, __ATOMIC_RELAXED);
        return 0;
    }
    if (f->same_zone && t->zone != f->zone) {
        __atomic_add_fetch(&f->rej_zone, 1, __ATOMIC_RELAXED);
        return 0;
    }
    return 1;
}

/* ---- building a problem --------------------------------------------------- */

typedef struct {
    uint32_t name;              /* Interned skill. */
    int must;                   /* Must-have in some role. */
    uint8_t min_level;          /* Highest min_level asked. */
    double weight;              /* Before normalisation. */
} proj_skill_t;

typedef struct {
    const Bole__ProjectRole *role;
    const bole_need_rec_t *need;  /* NULL if the role's need is missing. */
    int64_t need_id;
    float *vec;                   /* Role's need vector. */
    size_t eligible;              /* Pairs built for the role. */
    size_t rej_policy;            /* Excluded by the ranking's must-have policy. */
    talent_filter_t rej;          /* Filter rejections (form_team). */
} role_ctx_t;

typedef struct {
    bole_call_t *call;
    bole_daemon_t *d;
    const bole_weights_t *w;
    int64_t now;
    const Bole__Project *project;
    size_t n_roles;
    role_ctx_t *roles;
    uint32_t *headcount;
    size_t n_skills;
    proj_skill_t *skills;         /* Sorted by interned name. */
    float *skill_w;               /* Normalised weights (problem). */
    double skill_total;           /* Sum of raw weights. */
    double match_norm;            /* Sum over roles of importance * headcount. */
    /* Talents seen (dense index -> record). */
    size_t n_talents, cap_talents;
    const bole_talent_rec_t **talents;
    int64_t *talent_ids;
    char **talent_ext;            /* Arena copies: records may go after unlock. */
    /* Pairs. */
    size_t n_pairs, cap_pairs;
    tf_pair_t *pairs;
    float *pair_score;            /* Raw bole_rank_score. */
    float *pair_sim;              /* Cosine similarity (feature logging). */
} build_t;

static double s_role_importance(const Bole__ProjectRole *r)
{
    return r->importance > 0.0f ? (double)r->importance : 1.0;
}

static int s_cmp_skill(const void *a, const void *b)
{
    uint32_t x = ((const proj_skill_t *)a)->name, y = ((const proj_skill_t *)b)->name;
    return x < y ? -1 : x > y;
}

/* Resolves the roles' need records and the project's skill universe.
 * Caller holds the catalog read lock. */
static bole_status_t s_build_init(build_t *b, bole_call_t *call, const Bole__Project *p)
{
    memset(b, 0, sizeof *b);
    b->call = call;
    b->d = call->daemon;
    b->w = call->models->weights;
    b->now = bole_now_ms();
    b->project = p;
    b->n_roles = p->n_roles;
    b->roles = bole_arena_array(call->arena, p->n_roles + 1, sizeof *b->roles);
    b->headcount = bole_arena_array(call->arena, p->n_roles + 1, sizeof *b->headcount);
    size_t max_skills = 0;
    for (size_t i = 0; i < p->n_roles; i++)
        max_skills += p->roles[i]->n_skills;
    b->skills = bole_arena_array(call->arena, max_skills + 1, sizeof *b->skills);
    if (!b->roles || !b->headcount || !b->skills)
        return BOLE_INTERNAL;
    int dim = b->d->dim;
    for (size_t i = 0; i < p->n_roles; i++) {
        role_ctx_t *r = &b->roles[i];
        r->role = p->roles[i];
        b->headcount[i] = r->role->headcount ? r->role->headcount : 1;
        b->match_norm += s_role_importance(r->role) * b->headcount[i];
        r->need_id = bole_catalog_need_id(b->d->catalog, r->role->role_id);
        r->need = r->need_id ? bole_catalog_need(b->d->catalog, r->need_id) : NULL;
        r->vec = bole_arena_array(call->arena, (size_t)dim, sizeof(float));
        if (!r->vec)
            return BOLE_INTERNAL;
        if (r->need && bole_index_get(b->d->need_index, r->need_id, r->vec) != 0)
            r->need = NULL;
        if (!r->need)
            continue;
        double imp = s_role_importance(r->role);
        for (size_t k = 0; k < r->need->n_skills; k++) {
            const bole_need_skill_t *ns = &r->need->skills[k];
            double wt = (ns->must_have ? MUST_WEIGHT : 1.0) * ns->importance * imp;
            proj_skill_t *ps = NULL;
            for (size_t j = 0; j < b->n_skills && !ps; j++)
                if (b->skills[j].name == ns->skill)
                    ps = &b->skills[j];
            if (!ps) {
                ps = &b->skills[b->n_skills++];
                *ps = (proj_skill_t){ns->skill, 0, 0, 0.0};
            }
            ps->must |= ns->must_have;
            if (ns->min_level > ps->min_level)
                ps->min_level = ns->min_level;
            if (wt > ps->weight)
                ps->weight = wt;
        }
    }
    qsort(b->skills, b->n_skills, sizeof *b->skills, s_cmp_skill);
    b->skill_w = bole_arena_array(call->arena, b->n_skills + 1, sizeof *b->skill_w);
    if (!b->skill_w)
        return BOLE_INTERNAL;
    for (size_t j = 0; j < b->n_skills; j++)
        b->skill_total += b->skills[j].weight;
    double alpha = b->skill_total > 0 ? COVERAGE_SHARE : 0.0;
    for (size_t j = 0; j < b->n_skills; j++)
        b->skill_w[j] = (float)(alpha * b->skills[j].weight / b->skill_total);
    return BOLE_OK;
}

/* Dense index of a talent, adding it (linear probe over a small set). */
static int s_talent_slot(build_t *b, int64_t id, const bole_talent_rec_t *t, uint32_t *slot)
{
    for (size_t i = 0; i < b->n_talents; i++)
        if (b->talent_ids[i] == id) {
            *slot = (uint32_t)i;
            return 0;
        }
    if (b->n_talents == b->cap_talents) {
        size_t cap = b->cap_talents ? b->cap_talents * 2 : 64;
        const bole_talent_rec_t **nt = bole_arena_array(b->call->arena, cap, sizeof *nt);
        int64_t *ni = bole_arena_array(b->call->arena, cap, sizeof *ni);
        char **ne = bole_arena_array(b->call->arena, cap, sizeof *ne);
        if (!nt || !ni || !ne)
            return -1;
        if (b->n_talents) {
            memcpy(nt, b->talents, b->n_talents * sizeof *nt);
            memcpy(ni, b->talent_ids, b->n_talents * sizeof *ni);
            memcpy(ne, b->talent_ext, b->n_talents * sizeof *ne);
        }
        b->talents = nt;
        b->talent_ids = ni;
        b->talent_ext = ne;
        b->cap_talents = cap;
    }
    b->talents[b->n_talents] = t;
    b->talent_ids[b->n_talents] = id;
    b->talent_ext[b->n_talents] = bole_arena_strdup(b->call->arena, t->external_id);
    if (!b->talent_ext[b->n_talents])
        return -1;
    *slot = (uint32_t)b->n_talents++;
    return 0;
}

/* Whether role r's need asks for skill name; its min_level in *min. */
static int s_role_skill(const bole_need_rec_t *n, uint32_t name, uint8_t *min)
{
    size_t lo = 0, hi = n->n_skills;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (n->skills[mid].skill == name) {
            *min = n->skills[mid].min_level;
            return 1;
        }
        if (n->skills[mid].skill < name)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Adds the pair (talent id, role ri) with cosine similarity sim. */
static bole_status_t s_add_pair(build_t *b, size_t ri, int64_t id, float sim)
{
    role_ctx_t *r = &b->roles[ri];
    const bole_talent_rec_t *t = bole_catalog_talent(b->d->catalog, id);
    if (!t || !r->need)
        return BOLE_OK;
    float score = bole_rank_score(b->w, t, r->need, sim, b->now, BOLE_RANK_TALENTS_FOR_NEED,
                                  NULL);
    if (score == BOLE_RANK_EXCLUDED) {
        r->rej_policy++;
        return BOLE_OK;
    }
    if (b->n_pairs == b->cap_pairs) {
        size_t cap = b->cap_pairs ? b->cap_pairs * 2 : 256;
        tf_pair_t *np = bole_arena_array(b->call->arena, cap, sizeof *np);
        float *ns = bole_arena_array(b->call->arena, cap, sizeof *ns);
        float *nm = bole_arena_array(b->call->arena, cap, sizeof *nm);
        if (!np || !ns || !nm)
            return BOLE_INTERNAL;
        if (b->n_pairs) {
            memcpy(np, b->pairs, b->n_pairs * sizeof *np);
            memcpy(ns, b->pair_score, b->n_pairs * sizeof *ns);
            memcpy(nm, b->pair_sim, b->n_pairs * sizeof *nm);
        }
        b->pairs = np;
        b->pair_score = ns;
        b->pair_sim = nm;
        b->cap_pairs = cap;
    }
    uint32_t slot;
    if (s_talent_slot(b, id, t, &slot) != 0)
        return BOLE_INTERNAL;
    size_t m = t->n_skills < b->n_skills ? t->n_skills : b->n_skills;
    tf_cover_t *covers = bole_arena_array(b->call->arena, m + 1, sizeof *covers);
    if (!covers)
        return BOLE_INTERNAL;
    size_t nc = 0;
    /* Both skill lists are sorted by interned id: one merge. */
    for (size_t i = 0, j = 0; i < t->n_skills && j < b->n_skills;) {
        if (t->skills[i].skill < b->skills[j].name) {
            i++;
        } else if (t->skills[i].skill > b->skills[j].name) {
            j++;
        } else {
            uint8_t min = b->skills[j].min_level;
            int own = s_role_skill(r->need, b->skills[j].name, &min);
            int level = t->skills[i].level ? t->skills[i].level : DEFAULT_LEVEL;
            double c = (min == 0 || level >= min) ? 1.0 : (double)level / min;
            if (!own)
                c *= CROSS_ROLE;
            covers[nc++] = (tf_cover_t){(uint32_t)j, (float)c};
            i++;
            j++;
        }
    }
    double share = b->skill_total > 0 ? 1.0 - COVERAGE_SHARE : 1.0;
    tf_pair_t *q = &b->pairs[b->n_pairs];
    q->talent = slot;
    q->role = (uint32_t)ri;
    q->match = (float)(share * s_role_importance(r->role) * score / b->match_norm);
    q->covers = covers;
    q->n_covers = nc;
    b->pair_score[b->n_pairs] = score;
    b->pair_sim[b->n_pairs] = sim;
    b->n_pairs++;
    r->eligible++;
    return BOLE_OK;
}

/* Adds pairs of the given talents (internal ids) for role ri, scoring the
 * similarity exactly. */
static bole_status_t s_add_given(build_t *b, size_t ri, const int64_t *ids, size_t n)
{
    if (!b->roles[ri].need || n == 0)
        return BOLE_OK;
    float *sims = bole_arena_array(b->call->arena, n, sizeof *sims);
    if (!sims)
        return BOLE_INTERNAL;
    bole_index_score_ids(b->d->talent_index, b->roles[ri].vec, ids, n, sims);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(sims[i]))
            continue;
        bole_status_t st = s_add_pair(b, ri, ids[i], sims[i]);
        if (st != BOLE_OK)
            return st;
    }
    return BOLE_OK;
}

static tf_problem_t s_problem(const build_t *b)
{
    return (tf_problem_t){.n_skills = b->n_skills, .skill_weight = b->skill_w,
                          .n_roles = b->n_roles, .headcount = b->headcount,
                          .n_talents = b->n_talents, .n_pairs = b->n_pairs, .pairs = b->pairs};
}

/* ---- explaining an answer -------------------------------------------------- */

static const char *s_unfilled_reason(build_t *b, size_t ri, const tf_result_t *res,
                                     int searched)
{
    bole_arena_t *a = b->call->arena;
    role_ctx_t *r = &b->roles[ri];
    if (!r->need)
        return "the role's need is missing from the index (was it deleted on its own?)";
    if (r->eligible == 0) {
        if (!searched && r->rej_policy == 0)
            return "none of the given talents can be placed in this role";
        char parts[384] = "";
        size_t len = 0;
        const struct { size_t n; const char *what; } why[] = {
            {r->rej.rej_unavailable, "unavailable"},
            {r->rej.rej_zone, "outside the project's zone"},
            {r->rej.rej_excluded, "excluded by the request"},
            {r->rej.rej_busy, "already at their accepted-team limit"},
            {r->rej_policy, "missing a must-have skill (excluded by the ranking policy)"},
        };
        for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
            if (why[i].n && len < sizeof parts)
                len += (size_t)snprintf(parts + len, sizeof parts - len, "%s%zu %s",
                                        len ? ", " : "", why[i].n, why[i].what);
        return bole_arena_printf(a, "no candidate passes the constraints%s%s%s",
                                 len ? " (rejected: " : "", parts, len ? ")" : "");
    }
    return bole_arena_printf(a,
                             "only %zu eligible candidate(s); %zu already placed in another "
                             "role, %zu left out so this alternative differs from earlier ones",
                             r->eligible, res->lost_taken[ri], res->lost_overlap[ri]);
}

/* Builds the Team message of a greedy answer (arena memory). */
static Bole__Team *s_team_msg(build_t *b, const tf_result_t *res, int searched)
{
    bole_arena_t *a = b->call->arena;
    bole_intern_t *names = bole_catalog_names(b->d->catalog);
    Bole__Team *team = ARENA_NEW(a, Bole__Team);
    if (!team)
        return NULL;
    bole__team__init(team);
    team->project_id = b->project->external_id;
    team->state = BOLE__TEAM_ACTION__TEAM_PROPOSED;
    team->objective = (float)res->objective;
    team->coverage_score =
        b->skill_total > 0 ? (float)(res->coverage / COVERAGE_SHARE) : 0.0f;
    team->members = bole_arena_array(a, res->n_picked + 1, sizeof *team->members);
    team->coverage = bole_arena_array(a, b->n_skills + 1, sizeof *team->coverage);
    team->uncovered_skills = bole_arena_array(a, b->n_skills + 1, sizeof(char *));
    team->unfilled_roles = bole_arena_array(a, b->n_roles + 1, sizeof *team->unfilled_roles);
    if (!team->members || !team->coverage || !team->uncovered_skills || !team->unfilled_roles)
        return NULL;
    for (size_t i = 0; i < res->n_picked; i++) {
        const tf_pair_t *q = &b->pairs[res->picked[i]];
        Bole__TeamMember *m = ARENA_NEW(a, Bole__TeamMember);
        if (!m)
            return NULL;
        bole__team_member__init(m);
        m->talent_id = b->talent_ext[q->talent];
        m->role_id = b->roles[q->role].role->role_id;
        m->match_score = b->pair_score[res->picked[i]];
        m->marginal_gain = (float)res->gain[i];
        team->members[team->n_members++] = m;
    }
    for (size_t s = 0; s < b->n_skills; s++) {
        Bole__SkillCoverage *c = ARENA_NEW(a, Bole__SkillCoverage);
        char **by = bole_arena_array(a, res->n_picked + 1, sizeof *by);
        if (!c || !by)
            return NULL;
        bole__skill_coverage__init(c);
        c->skill = (char *)bole_intern_name(names, b->skills[s].name);
        c->must_have = b->skills[s].must;
        c->min_level = b->skills[s].min_level;
        c->coverage = (float)res->skill_coverage[s];
        c->covered_by = by;
        for (size_t i = 0; i < res->n_picked; i++) {
            const tf_pair_t *q = &b->pairs[res->picked[i]];
            for (size_t k = 0; k < q->n_covers; k++)
                if (q->covers[k].skill == s && q->covers[k].c > 0.0f)
                    by[c->n_covered_by++] = b->talent_ext[q->talent];
        }
        team->coverage[team->n_coverage++] = c;
        if (c->n_covered_by == 0)
            team->uncovered_skills[team->n_uncovered_skills++] = c->skill;
    }
    for (size_t ri = 0; ri < b->n_roles; ri++) {
        if (res->filled[ri] >= b->headcount[ri])
            continue;
        Bole__UnfilledRole *u = ARENA_NEW(a, Bole__UnfilledRole);
        if (!u)
            return NULL;
        bole__unfilled_role__init(u);
        u->role_id = b->roles[ri].role->role_id;
        u->missing = b->headcount[ri] - res->filled[ri];
        u->reason = (char *)s_unfilled_reason(b, ri, res, searched);
        if (!u->reason)
            return NULL;
        team->unfilled_roles[team->n_unfilled_roles++] = u;
    }
    return team;
}

/* ---- shared helpers -------------------------------------------------------- */

/* protobuf-c allocator drawing from the request's arena: unpacked messages
 * live exactly as long as the response (write handlers run their deferred
 * actions before the reply is packed, so a deferred free would be too
 * early). */
static void *s_arena_alloc(void *data, size_t size)
{
    return bole_arena_alloc(data, size ? size : 1);
}
static void s_arena_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

static ProtobufCAllocator s_allocator(bole_call_t *call)
{
    return (ProtobufCAllocator){s_arena_alloc, s_arena_free, call->arena};
}

static bole_status_t s_load_project(bole_call_t *call, const char *id, Bole__Project **out)
{
    void *blob = NULL;
    size_t len = 0;
    int64_t row = 0;
    *out = NULL;
    bole_status_t st = bole_store_project_get(call->store, id, &row, &blob, &len, call->err,
                                              call->errlen);
    if (st != BOLE_OK)
        return st;
    ProtobufCAllocator alloc = s_allocator(call);
    *out = bole__project__unpack(&alloc, len, blob);
    free(blob);
    if (!*out) {
        snprintf(call->err, call->errlen, "stored project '%s' cannot be decoded", id);
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

static uint8_t *s_pack_team(bole_arena_t *a, const Bole__Team *team, size_t *len)
{
    Bole__Team copy = *team;
    copy.team_id = (char *)"";
    *len = bole__team__get_packed_size(&copy);
    uint8_t *buf = bole_arena_alloc(a, *len ? *len : 1);
    if (buf)
        bole__team__pack(&copy, buf);
    return buf;
}

/* ---- feature logging (issue 6) ------------------------------------------------ */

/* The member-role pairs one FormTeam answer proposed, with their feature
 * values, for the feature log (source SOURCE_TEAM). Computed under the
 * catalog lock, logged once the proposals committed. */
typedef struct {
    const char *request_id;
    const char *weights_version;
    size_t n;
    const char **talent_id;
    const char **need_id;
    float *score;
    float *features;            /* n x BOLE_RANK_N_FEATURES. */
} served_t;

static void s_log_served(bole_daemon_t *d, void *arg)
{
    const served_t *s = arg;
    bole_feedback_pair_t *pairs = calloc(s->n ? s->n : 1, sizeof *pairs);
    if (!pairs) {
        log_warn("team: feature log of %zu pairs dropped (out of memory)", s->n);
        return;
    }
    for (size_t i = 0; i < s->n; i++)
        pairs[i] = (bole_feedback_pair_t){s->talent_id[i], s->need_id[i], (uint32_t)(i + 1),
                                          s->score[i], &s->features[i * BOLE_RANK_N_FEATURES],
                                          BOLE_RANK_N_FEATURES};
    bole_feedback_log_answer(d, s->request_id, BOLE__FEEDBACK_SOURCE__SOURCE_TEAM,
                             s->weights_version, pairs, s->n);
    free(pairs);
}

/* Queues the log of the picked pairs (indexes into b->pairs, in answer
 * order; a pair repeated by an alternative is logged once, at its first
 * position) to run after commit. Caller holds the catalog read lock. */
static bole_status_t s_defer_log(build_t *b, const size_t *picked, size_t n_picked,
                                 const char *request_id)
{
    bole_arena_t *a = b->call->arena;
    served_t *s = ARENA_NEW(a, served_t);
    uint8_t *seen = bole_arena_array(a, b->n_pairs + 1, 1);
    if (!s || !seen)
        return BOLE_INTERNAL;
    s->request_id = request_id;
    s->weights_version = bole_arena_strdup(a, bole_weights_version(b->w));
    s->talent_id = bole_arena_array(a, n_picked + 1, sizeof *s->talent_id);
    s->need_id = bole_arena_array(a, n_picked + 1, sizeof *s->need_id);
    s->score = bole_arena_array(a, n_picked + 1, sizeof *s->score);
    s->features = bole_arena_array(a, (n_picked + 1) * BOLE_RANK_N_FEATURES,
                                   sizeof *s->features);
    if (!s->weights_version || !s->talent_id || !s->need_id || !s->score || !s->features)
        return BOLE_INTERNAL;
    s->n = 0;
    for (size_t i = 0; i < n_picked; i++) {
        size_t pi = picked[i];
        if (seen[pi])
            continue;
        seen[pi] = 1;
        const tf_pair_t *q = &b->pairs[pi];
        const role_ctx_t *r = &b->roles[q->role];
        s->talent_id[s->n] = b->talent_ext[q->talent];
        s->need_id[s->n] = r->role->role_id; /* The role's need id. */
        s->score[s->n] = b->pair_score[pi];
        bole_rank_features(b->w, b->talents[q->talent], r->need, b->pair_sim[pi], b->now,
                           BOLE_RANK_TALENTS_FOR_NEED, &s->features[s->n * BOLE_RANK_N_FEATURES]);
        s->n++;
    }
    return bole_call_defer(b->call, s_log_served, NULL, s) == 0 ? BOLE_OK : BOLE_INTERNAL;
}

/* ---- FormTeam -------------------------------------------------------------- */

typedef struct {
    bole_call_t *call;
    int64_t *ids;
    size_t n, cap;
} busy_t;

static int s_busy_add(void *ctx, const char *talent_id)
{
    busy_t *b = ctx;
    int64_t id = bole_catalog_talent_id(b->call->daemon->catalog, talent_id);
    if (!id)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        int64_t *n = bole_arena_array(b->call->arena, cap, sizeof *n);
        if (!n)
            return -1;
        if (b->n)
            memcpy(n, b->ids, b->n * sizeof *n);
        b->ids = n;
        b->cap = cap;
    }
    b->ids[b->n++] = id;
    return 0;
}

static bole_status_t s_check_constraints(bole_call_t *call, const Bole__FormTeamRequest *r,
                                         uint32_t *alternatives, float *difference,
                                         uint32_t *max_teams)
{
    bole_status_t st = bole_validate_id(r->project_id, "project_id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    *alternatives = r->alternatives ? r->alternatives : 1;
    if (*alternatives > BOLE_TEAM_MAX_ALTERNATIVES) {
        snprintf(call->err, call->errlen, "alternatives: at most %d (got %u)",
                 BOLE_TEAM_MAX_ALTERNATIVES, r->alternatives);
        return BOLE_INVALID_ARGUMENT;
    }
    const Bole__TeamConstraints *c = r->constraints;
    *difference = c && c->min_difference > 0.0f ? c->min_difference : DEFAULT_DIFFERENCE;
    *max_teams = c && c->max_concurrent_teams ? c->max_concurrent_teams : 1;
    if (!c)
        return BOLE_OK;
    if (!(c->min_difference >= 0.0f && c->min_difference <= 1.0f)) {
        snprintf(call->err, call->errlen, "constraints.min_difference: must be 0-1 (got %g)",
                 (double)c->min_difference);
        return BOLE_INVALID_ARGUMENT;
    }
    if (c->max_concurrent_teams > 1000) {
        snprintf(call->err, call->errlen, "constraints.max_concurrent_teams: at most 1000 "
                 "(got %u)", c->max_concurrent_teams);
        return BOLE_INVALID_ARGUMENT;
    }
    if (c->n_exclude_talent_ids > BOLE_TEAM_MAX_EXCLUDES) {
        snprintf(call->err, call->errlen, "constraints.exclude_talent_ids: at most %d ids "
                 "(got %zu)", BOLE_TEAM_MAX_EXCLUDES, c->n_exclude_talent_ids);
        return BOLE_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < c->n_exclude_talent_ids; i++) {
        char what[64];
        snprintf(what, sizeof what, "constraints.exclude_talent_ids[%zu]", i);
        st = bole_validate_id(c->exclude_talent_ids[i], what, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    return BOLE_OK;
}

/* The teams of one FormTeam; caller holds the catalog read lock. */
static bole_status_t s_form(bole_call_t *call, Bole__Project *p, const Bole__FormTeamRequest *r,
                            uint32_t alternatives, float difference, uint32_t max_teams,
                            Bole__FormTeamResponse *resp)
{
    bole_daemon_t *d = call->daemon;
    const Bole__TeamConstraints *c = r->constraints;
    build_t b;
    bole_status_t st = s_build_init(&b, call, p);
    if (st != BOLE_OK)
        return st;

    /* Blocked talents: excluded by the request, or at their team limit. */
    busy_t busy = {call, NULL, 0, 0};
    st = bole_store_talents_at_team_limit(call->store, max_teams, s_busy_add, &busy, call->err,
                                          call->errlen);
    if (st != BOLE_OK)
        return st;
    for (size_t i = 0; c && i < c->n_exclude_talent_ids; i++)
        if (s_busy_add(&busy, c->exclude_talent_ids[i]) != 0)
            return BOLE_INTERNAL;
    if (busy.n)
        qsort(busy.ids, busy.n, sizeof *busy.ids, s_cmp_i64);
    talent_filter_t proto = {.catalog = d->catalog, .blocked = busy.ids, .n_blocked = busy.n};
    if (c && c->n_exclude_talent_ids) {
        int64_t *excl = bole_arena_array(call->arena, c->n_exclude_talent_ids, sizeof *excl);
        if (!excl)
            return BOLE_INTERNAL;
        size_t ne = 0;
        for (size_t i = 0; i < c->n_exclude_talent_ids; i++) {
            int64_t id = bole_catalog_talent_id(d->catalog, c->exclude_talent_ids[i]);
            if (id)
                excl[ne++] = id;
        }
        qsort(excl, ne, sizeof *excl, s_cmp_i64);
        proto.excluded = excl;
        proto.n_excluded = ne;
    }
    /* A zone-scoped key's teams stay in the project's zone, one of its own. */
    if ((c && c->same_zone) || bole_principal_scoped(call->principal)) {
        if (!p->zone || !*p->zone) {
            snprintf(call->err, call->errlen,
                     "constraints.same_zone: project '%s' has no zone", p->external_id);
            return BOLE_INVALID_ARGUMENT;
        }
        proto.same_zone = 1;
        proto.zone = bole_intern_find(bole_catalog_names(d->catalog), p->zone);
        if (proto.zone == BOLE_INTERN_NONE)
            proto.zone = UINT32_MAX; /* No talent has this zone. */
    }
    proto.include_unavailable = c && c->include_unavailable;

    /* Candidate pools by vector similarity to each role. Pools want good
     * candidates, not the exact top: at most POOL_NPROBE lists, and never
     * more than a plain match probes (the index's calibrated count, which
     * is below POOL_NPROBE on large tiers: docs/TEAMS.md). */
    bole_index_stats_t ist;
    bole_index_stats(d->talent_index, &ist);
    int pool_nprobe = ist.nprobe > 0 && ist.nprobe < POOL_NPROBE ? ist.nprobe : POOL_NPROBE;
    for (size_t ri = 0; ri < b.n_roles; ri++) {
        role_ctx_t *rc = &b.roles[ri];
        rc->rej = proto;
        if (!rc->need)
            continue;
        size_t want = POOL_MIN + POOL_PER_SEAT * (size_t)b.headcount[ri];
        if (want > POOL_MAX)
            want = POOL_MAX;
        int64_t *ids = bole_arena_array(call->arena, want, sizeof *ids);
        float *sims = bole_arena_array(call->arena, want, sizeof *sims);
        if (!ids || !sims)
            return BOLE_INTERNAL;
        size_t n = 0;
        if (bole_index_search_probe(d->talent_index, rc->vec, want, pool_nprobe, s_talent_pass,
                                    &rc->rej, ids, sims, &n, NULL) != 0) {
            snprintf(call->err, call->errlen, "vector search failed");
            return BOLE_INTERNAL;
        }
        for (size_t i = 0; i < n; i++) {
            st = s_add_pair(&b, ri, ids[i], sims[i]);
            if (st != BOLE_OK)
                return st;
        }
    }

    /* The best team, then alternatives that each keep at most (1 - d) of
     * every earlier team's members. */
    tf_problem_t prob = s_problem(&b);
    tf_overlap_t *overlaps = bole_arena_array(call->arena, alternatives, sizeof *overlaps);
    resp->teams = bole_arena_array(call->arena, alternatives, sizeof *resp->teams);
    size_t seats = 0, n_served = 0;
    for (size_t ri = 0; ri < b.n_roles; ri++)
        seats += b.headcount[ri];
    size_t *served = bole_arena_array(call->arena, alternatives * seats + 1, sizeof *served);
    if (!overlaps || !resp->teams || !served)
        return BOLE_INTERNAL;
    for (uint32_t k = 0; k < alternatives; k++) {
        prob.overlaps = overlaps;
        prob.n_overlaps = k;
        tf_result_t res;
        if (tf_greedy(&prob, &res) != 0) {
            snprintf(call->err, call->errlen, "team formation ran out of memory");
            return BOLE_INTERNAL;
        }
        if (k > 0 && res.n_picked == 0) {
            tf_result_free(&res);
            break; /* No materially different team is left. */
        }
        Bole__Team *team = s_team_msg(&b, &res, 1);
        uint8_t *member = bole_arena_array(call->arena, b.n_talents + 1, 1);
        if (!team || !member) {
            tf_result_free(&res);
            return BOLE_INTERNAL;
        }
        for (size_t i = 0; i < res.n_picked; i++) {
            member[b.pairs[res.picked[i]].talent] = 1;
            served[n_served++] = res.picked[i];
        }
        size_t swap = (size_t)ceil((double)difference * (double)res.n_picked - 1e-9);
        overlaps[k] = (tf_overlap_t){member, res.n_picked - (swap < res.n_picked ? swap
                                                                                 : res.n_picked)};
        tf_result_free(&res);

        /* Store the proposal so it can be accepted. */
        size_t len = 0;
        uint8_t *buf = s_pack_team(call->arena, team, &len);
        const char **tids = bole_arena_array(call->arena, team->n_members + 1, sizeof *tids);
        const char **rids = bole_arena_array(call->arena, team->n_members + 1, sizeof *rids);
        if (!buf || !tids || !rids)
            return BOLE_INTERNAL;
        for (size_t i = 0; i < team->n_members; i++) {
            tids[i] = team->members[i]->talent_id;
            rids[i] = team->members[i]->role_id;
        }
        int64_t row = 0;
        st = bole_store_team_insert(call->store, p->external_id,
                                    BOLE__TEAM_ACTION__TEAM_PROPOSED, max_teams, b.now, buf, len,
                                    team->n_members, tids, rids, &row, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        team->team_id = bole_arena_printf(call->arena, "team-%lld", (long long)row);
        if (!team->team_id)
            return BOLE_INTERNAL;
        resp->teams[resp->n_teams++] = team;
    }
    /* Outcome tracking: the answer's id, quoted back in RecordFeedback. */
    resp->request_id = bole_feedback_request_id(d, call->arena);
    if (!resp->request_id)
        return BOLE_INTERNAL;
    return s_defer_log(&b, served, n_served, resp->request_id);
}

bole_status_t bole_handle_form_team(bole_call_t *call)
{
    const Bole__FormTeamRequest *r = call->request->form_team;
    uint32_t alternatives = 1, max_teams = 1;
    float difference = DEFAULT_DIFFERENCE;
    bole_status_t st = s_check_constraints(call, r, &alternatives, &difference, &max_teams);
    if (st != BOLE_OK)
        return st;
    Bole__Project *p = NULL;
    st = s_load_project(call, r->project_id, &p);
    if (st == BOLE_OK)
        st = bole_scope_zone(call, p->zone, "project", r->project_id);
    if (st != BOLE_OK)
        return st;
    Bole__FormTeamResponse *resp = ARENA_NEW(call->arena, Bole__FormTeamResponse);
    if (!resp)
        return BOLE_INTERNAL;
    bole__form_team_response__init(resp);
    bole_catalog_read_lock(call->daemon->catalog);
    st = s_form(call, p, r, alternatives, difference, max_teams, resp);
    bole_catalog_unlock(call->daemon->catalog);
    if (st != BOLE_OK)
        return st;
    call->response->body_case = BOLE__RESPONSE__BODY_FORM_TEAM;
    call->response->form_team = resp;
    return BOLE_OK;
}

/* ---- evaluating a fixed or given team -------------------------------------- */

/* Assigns the given talents (internal ids) to p's roles by the same greedy
 * and objective; *out is the explained Team. Caller holds the catalog read
 * lock. fixed_roles (may be NULL): role index per talent, to re-evaluate a
 * stored team as it is. */
static bole_status_t s_assign(bole_call_t *call, const Bole__Project *p, const int64_t *ids,
                              size_t n, const int *fixed_roles, double *objective,
                              Bole__Team **out)
{
    build_t b;
    bole_status_t st = s_build_init(&b, call, p);
    if (st != BOLE_OK)
        return st;
    for (size_t ri = 0; ri < b.n_roles; ri++) {
        if (!fixed_roles) {
            st = s_add_given(&b, ri, ids, n);
        } else {
            for (size_t i = 0; i < n && st == BOLE_OK; i++)
                if (fixed_roles[i] == (int)ri)
                    st = s_add_given(&b, ri, &ids[i], 1);
        }
        if (st != BOLE_OK)
            return st;
    }
    tf_problem_t prob = s_problem(&b);
    tf_result_t res;
    if (tf_greedy(&prob, &res) != 0) {
        snprintf(call->err, call->errlen, "team formation ran out of memory");
        return BOLE_INTERNAL;
    }
    *objective = res.objective;
    Bole__Team *team = out ? s_team_msg(&b, &res, 0) : NULL;
    tf_result_free(&res);
    if (!out)
        return BOLE_OK;
    *out = team;
    return team ? BOLE_OK : BOLE_INTERNAL;
}

/* ---- TeamForProjects -------------------------------------------------------- */

typedef struct {
    char *project_id;
    double score;
} fit_t;

typedef struct {
    bole_call_t *call;
    const int64_t *ids;
    size_t n;
    fit_t *fits;
    size_t n_fits, cap_fits;
    bole_status_t st;
} fit_scan_t;

static int s_fit_project(void *ctx, const char *external_id, const void *blob, size_t len)
{
    fit_scan_t *f = ctx;
    Bole__Project *p = bole__project__unpack(NULL, len, blob);
    if (!p)
        return 0; /* An undecodable row is skipped, not fatal for a read. */
    if (!bole_principal_zone_ok(f->call->principal, p->zone)) {
        bole__project__free_unpacked(p, NULL); /* Another zone's: not offered. */
        return 0;
    }
    double score = 0.0;
    bole_arena_t *a = f->call->arena;
    /* Scoring builds arena data per project; it is small and freed with the
     * request. No Team message is built here, only for the best k. */
    f->st = s_assign(f->call, p, f->ids, f->n, NULL, &score, NULL);
    bole__project__free_unpacked(p, NULL);
    if (f->st != BOLE_OK)
        return -1;
    if (f->n_fits == f->cap_fits) {
        size_t cap = f->cap_fits ? f->cap_fits * 2 : 64;
        fit_t *nf = bole_arena_array(a, cap, sizeof *nf);
        if (!nf) {
            f->st = BOLE_INTERNAL;
            return -1;
        }
        if (f->n_fits)
            memcpy(nf, f->fits, f->n_fits * sizeof *nf);
        f->fits = nf;
        f->cap_fits = cap;
    }
    f->fits[f->n_fits].project_id = bole_arena_strdup(a, external_id);
    f->fits[f->n_fits].score = score;
    if (!f->fits[f->n_fits].project_id) {
        f->st = BOLE_INTERNAL;
        return -1;
    }
    f->n_fits++;
    return 0;
}

static int s_cmp_fit(const void *a, const void *b)
{
    const fit_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->project_id, y->project_id);
}

bole_status_t bole_handle_team_for_projects(bole_call_t *call)
{
    const Bole__TeamForProjectsRequest *r = call->request->team_for_projects;
    bole_daemon_t *d = call->daemon;
    uint32_t k = r->k ? r->k : DEFAULT_PROJECTS_K;
    if (k > BOLE_TEAM_MAX_PROJECTS_K) {
        snprintf(call->err, call->errlen, "k: at most %d (got %u)", BOLE_TEAM_MAX_PROJECTS_K,
                 r->k);
        return BOLE_INVALID_ARGUMENT;
    }
    if (r->n_talent_ids == 0 || r->n_talent_ids > BOLE_TEAM_MAX_TALENTS) {
        snprintf(call->err, call->errlen, "talent_ids: give 1-%d talents (got %zu)",
                 BOLE_TEAM_MAX_TALENTS, r->n_talent_ids);
        return BOLE_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < r->n_talent_ids; i++) {
        char what[48];
        snprintf(what, sizeof what, "talent_ids[%zu]", i);
        bole_status_t st = bole_validate_id(r->talent_ids[i], what, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->talent_ids[i], r->talent_ids[j]) == 0) {
                snprintf(call->err, call->errlen, "talent_ids[%zu]: '%s' repeats talent_ids[%zu]",
                         i, r->talent_ids[i], j);
                return BOLE_INVALID_ARGUMENT;
            }
        if ((st = bole_scope_talent(call, r->talent_ids[i])) != BOLE_OK)
            return st;
    }
    int64_t *ids = bole_arena_array(call->arena, r->n_talent_ids, sizeof *ids);
    Bole__TeamForProjectsResponse *resp = ARENA_NEW(call->arena, Bole__TeamForProjectsResponse);
    if (!ids || !resp)
        return BOLE_INTERNAL;
    bole__team_for_projects_response__init(resp);
    bole_status_t st = BOLE_OK;
    bole_catalog_read_lock(d->catalog);
    for (size_t i = 0; i < r->n_talent_ids && st == BOLE_OK; i++) {
        ids[i] = bole_catalog_talent_id(d->catalog, r->talent_ids[i]);
        if (!ids[i]) {
            snprintf(call->err, call->errlen, "no talent with id '%s'", r->talent_ids[i]);
            st = BOLE_NOT_FOUND;
        }
    }
    fit_scan_t scan = {call, ids, r->n_talent_ids, NULL, 0, 0, BOLE_OK};
    if (st == BOLE_OK) {
        char why[256];
        st = bole_store_project_scan(call->store, s_fit_project, &scan, why, sizeof why);
        if (scan.st != BOLE_OK)
            st = scan.st; /* call->err already says why. */
        else if (st != BOLE_OK)
            snprintf(call->err, call->errlen, "%s", why);
    }
    if (st == BOLE_OK) {
        qsort(scan.fits, scan.n_fits, sizeof *scan.fits, s_cmp_fit);
        size_t n_out = scan.n_fits < k ? scan.n_fits : k;
        resp->projects = bole_arena_array(call->arena, n_out + 1, sizeof *resp->projects);
        if (!resp->projects)
            st = BOLE_INTERNAL;
        for (size_t i = 0; st == BOLE_OK && i < n_out; i++) {
            Bole__Project *p = NULL;
            st = s_load_project(call, scan.fits[i].project_id, &p);
            Bole__ProjectFit *fit = ARENA_NEW(call->arena, Bole__ProjectFit);
            double score = 0.0;
            if (st == BOLE_OK && !fit)
                st = BOLE_INTERNAL;
            if (st == BOLE_OK) {
                bole__project_fit__init(fit);
                st = s_assign(call, p, ids, r->n_talent_ids, NULL, &score, &fit->assignment);
            }
            if (st == BOLE_OK) {
                fit->project_id = p->external_id;
                fit->score = (float)score;
                resp->projects[resp->n_projects++] = fit;
            }
        }
    }
    bole_catalog_unlock(d->catalog);
    if (st != BOLE_OK)
        return st;
    call->response->body_case = BOLE__RESPONSE__BODY_TEAM_FOR_PROJECTS;
    call->response->team_for_projects = resp;
    return BOLE_OK;
}

/* ---- UpdateTeam ------------------------------------------------------------- */

typedef struct {
    Bole__Event event;
    Bole__TeamEvent team_event;
    char *topics[2];
} publish_t;

static void s_publish(bole_daemon_t *d, void *arg)
{
    publish_t *pub = arg;
    for (int i = 0; i < 2; i++) {
        pub->event.topic = pub->topics[i];
        bole_daemon_publish(d, pub->topics[i], &pub->event);
    }
}

static int s_parse_team_id(const char *s, int64_t *row)
{
    if (!s || strncmp(s, "team-", 5) != 0 || s[5] < '1' || s[5] > '9')
        return -1;
    char *end = NULL;
    long long v = strtoll(s + 5, &end, 10);
    if (!end || *end || v <= 0)
        return -1;
    *row = v;
    return 0;
}

static const char *s_state_name(int state)
{
    switch (state) {
    case BOLE__TEAM_ACTION__TEAM_PROPOSED: return "proposed";
    case BOLE__TEAM_ACTION__TEAM_ACCEPTED: return "accepted";
    case BOLE__TEAM_ACTION__TEAM_DISSOLVED: return "dissolved";
    default: return "in an unknown state";
    }
}

/* Re-evaluates a team after a member left: the remaining members keep
 * their roles, coverage and gains are recomputed, the empty seat is
 * reported. Returns the new Team (arena) or NULL with call->err set. */
static Bole__Team *s_after_withdrawal(bole_call_t *call, const Bole__Team *old, const char *gone,
                                      bole_status_t *st)
{
    bole_daemon_t *d = call->daemon;
    Bole__Project *p = NULL;
    *st = s_load_project(call, old->project_id, &p);
    if (*st != BOLE_OK)
        return NULL;
    int64_t *ids = bole_arena_array(call->arena, old->n_members + 1, sizeof *ids);
    int *roles = bole_arena_array(call->arena, old->n_members + 1, sizeof *roles);
    if (!ids || !roles) {
        *st = BOLE_INTERNAL;
        return NULL;
    }
    Bole__Team *team = NULL;
    double objective = 0.0;
    bole_catalog_read_lock(d->catalog);
    size_t n = 0;
    for (size_t i = 0; i < old->n_members; i++) {
        if (strcmp(old->members[i]->talent_id, gone) == 0)
            continue;
        int role = -1;
        for (size_t ri = 0; ri < p->n_roles && role < 0; ri++)
            if (strcmp(p->roles[ri]->role_id, old->members[i]->role_id) == 0)
                role = (int)ri;
        ids[n] = bole_catalog_talent_id(d->catalog, old->members[i]->talent_id);
        roles[n] = role;
        if (ids[n])
            n++;
    }
    *st = s_assign(call, p, ids, n, roles, &objective, &team);
    bole_catalog_unlock(d->catalog);
    if (*st != BOLE_OK)
        return NULL;
    for (size_t i = 0; i < team->n_unfilled_roles; i++)
        team->unfilled_roles[i]->reason = bole_arena_printf(
            call->arena, "seat left empty by a withdrawal (last: '%s')", gone);
    return team;
}

bole_status_t bole_handle_update_team(bole_call_t *call)
{
    const Bole__UpdateTeamRequest *r = call->request->update_team;
    int64_t row = 0;
    if (s_parse_team_id(r->team_id, &row) != 0) {
        snprintf(call->err, call->errlen, "team_id: expected 'team-<number>' (got '%s')",
                 r->team_id ? r->team_id : "");
        return BOLE_INVALID_ARGUMENT;
    }
    if (r->action != BOLE__TEAM_ACTION__TEAM_ACCEPTED &&
        r->action != BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN &&
        r->action != BOLE__TEAM_ACTION__TEAM_DISSOLVED) {
        snprintf(call->err, call->errlen, "action: must be TEAM_ACCEPTED, "
                 "TEAM_MEMBER_WITHDRAWN or TEAM_DISSOLVED");
        return BOLE_INVALID_ARGUMENT;
    }
    int withdraw = r->action == BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN;
    if (withdraw) {
        bole_status_t st = bole_validate_id(r->talent_id, "talent_id", call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    bole_store_team_t stored;
    bole_status_t st = bole_store_team_get(call->store, row, &stored, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    ProtobufCAllocator alloc = s_allocator(call);
    Bole__Team *old = bole__team__unpack(&alloc, stored.team_len, stored.team);
    int state = stored.state;
    uint32_t max_teams = stored.max_concurrent ? stored.max_concurrent : 1;
    bole_store_team_free(&stored);
    if (!old) {
        snprintf(call->err, call->errlen, "stored team '%s' cannot be decoded", r->team_id);
        return BOLE_INTERNAL;
    }
    if (bole_principal_scoped(call->principal)) {
        /* A team belongs to its project's zone. */
        Bole__Project *p = NULL;
        st = s_load_project(call, old->project_id, &p);
        if (st != BOLE_OK && st != BOLE_NOT_FOUND)
            return st;
        st = bole_scope_zone(call, p ? p->zone : "", "team", r->team_id);
        if (st != BOLE_OK)
            return st;
    }
    if (state == BOLE__TEAM_ACTION__TEAM_DISSOLVED ||
        (r->action == BOLE__TEAM_ACTION__TEAM_ACCEPTED &&
         state != BOLE__TEAM_ACTION__TEAM_PROPOSED)) {
        snprintf(call->err, call->errlen, "%s is %s", r->team_id, s_state_name(state));
        return BOLE_FAILED_PRECONDITION;
    }
    Bole__Team *team = old;
    int new_state = state;
    if (r->action == BOLE__TEAM_ACTION__TEAM_ACCEPTED) {
        for (size_t i = 0; i < old->n_members; i++) {
            uint32_t count = 0;
            st = bole_store_talent_accepted_teams(call->store, old->members[i]->talent_id,
                                                  &count, call->err, call->errlen);
            if (st != BOLE_OK)
                return st;
            if (count >= max_teams) {
                snprintf(call->err, call->errlen,
                         "talent '%s' already sits in %u accepted team(s) (limit %u)",
                         old->members[i]->talent_id, count, max_teams);
                return BOLE_FAILED_PRECONDITION;
            }
        }
        new_state = BOLE__TEAM_ACTION__TEAM_ACCEPTED;
    } else if (r->action == BOLE__TEAM_ACTION__TEAM_DISSOLVED) {
        new_state = BOLE__TEAM_ACTION__TEAM_DISSOLVED;
    } else {
        int member = 0;
        for (size_t i = 0; i < old->n_members && !member; i++)
            member = strcmp(old->members[i]->talent_id, r->talent_id) == 0;
        if (!member) {
            snprintf(call->err, call->errlen, "talent '%s' is not a member of %s", r->talent_id,
                     r->team_id);
            return BOLE_NOT_FOUND;
        }
        team = s_after_withdrawal(call, old, r->talent_id, &st);
        if (!team)
            return st;
    }
    team->team_id = r->team_id;
    team->project_id = old->project_id;
    team->state = (Bole__TeamAction)new_state;
    size_t len = 0;
    uint8_t *buf = s_pack_team(call->arena, team, &len);
    if (!buf)
        return BOLE_INTERNAL;
    st = bole_store_team_update(call->store, row, new_state, bole_now_ms(), buf, len,
                                withdraw ? r->talent_id : NULL, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;

    publish_t *pub = ARENA_NEW(call->arena, publish_t);
    if (!pub)
        return BOLE_INTERNAL;
    bole__event__init(&pub->event);
    bole__team_event__init(&pub->team_event);
    pub->team_event.team = team;
    pub->team_event.action = r->action;
    pub->event.at = bole_now_ms();
    pub->event.body_case = BOLE__EVENT__BODY_TEAM;
    pub->event.team = &pub->team_event;
    pub->topics[0] = bole_arena_printf(call->arena, "team.%s", r->team_id);
    pub->topics[1] = bole_arena_printf(call->arena, "team.project.%s", team->project_id);
    if (!pub->topics[0] || !pub->topics[1] || bole_call_defer(call, s_publish, NULL, pub) != 0)
        return BOLE_INTERNAL;
    call->response->body_case = BOLE__RESPONSE__BODY_TEAM;
    call->response->team = team;
    return BOLE_OK;
}
