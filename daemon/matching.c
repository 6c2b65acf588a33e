/*
 * matching.c - MatchForNeed and MatchForTalent: exact hard filters,
 * candidates by vector similarity, re-ranking by the transparent model of
 * rank.c, and explanations.
 *
 * Candidate generation picks its path by selectivity: when a filter names
 * zones, industries, categories or organisations whose posting lists hold
 * few ids, those ids are filtered exactly and scored exactly (no ANN recall
 * loss, no over-fetch); otherwise the ANN index is searched with the filter
 * as a callback, and the index guarantees k hits while k pass.
 */
#include "handlers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "embed.h"
#include "feedback.h"
#include "index.h"
#include "matching.h"
#include "model.h"
#include "profile_build.h"
#include "rank.h"
#include "validate.h"
#include "weights.h"

#define DEFAULT_K           10
#define MAX_K               1000
#define MIN_CANDIDATES      200     /* re-ranked per answer at least */
#define MAX_CANDIDATES      5000
#define SELECTIVE_LIMIT     20000   /* posting ids scored exactly below this */
#define MAX_FILTER_VALUES   64

typedef struct {
    bole_catalog_t *catalog;
    int talents;                      /* 1: candidates are talents; 0: needs. */
    int64_t now;
    uint32_t zones[MAX_FILTER_VALUES];
    size_t n_zones;
    int zones_given;                  /* A zone filter was given (even if no name is known). */
    uint32_t industries[MAX_FILTER_VALUES];
    size_t n_industries;
    int industries_given;
    uint32_t orgs[MAX_FILTER_VALUES];
    size_t n_orgs;
    int orgs_given;
    bole_category_mask_t categories;
    int64_t *exclude;                 /* Sorted internal ids. */
    size_t n_exclude;
    float min_experience;
    int include_unavailable;
    int include_closed;
    int need_kind;
} filter_t;

static int s_in(const uint32_t *list, size_t n, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

static int s_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_excluded(const filter_t *f, int64_t id)
{
    return f->n_exclude && bsearch(&id, f->exclude, f->n_exclude, sizeof id, s_cmp_id) != NULL;
}

static int s_pass_talent(const filter_t *f, const bole_talent_rec_t *t)
{
    if (!t)
        return 0;
    if (!f->include_unavailable &&
        t->availability == BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE)
        return 0;
    if (f->zones_given && !s_in(f->zones, f->n_zones, t->zone))
        return 0;
    if (f->industries_given) {
        int hit = 0;
        for (size_t i = 0; i < t->n_industries && !hit; i++)
            hit = s_in(f->industries, f->n_industries, t->industries[i]);
        if (!hit)
            return 0;
    }
    if (f->categories && !(t->categories & f->categories))
        return 0;
    if (t->experience_years < f->min_experience)
        return 0;
    return 1;
}

static int s_pass_need(const filter_t *f, const bole_need_rec_t *n)
{
    if (!n)
        return 0;
    if (!f->include_closed && !bole_need_is_open(n, f->now))
        return 0;
    if (f->zones_given && !s_in(f->zones, f->n_zones, n->zone))
        return 0;
    if (f->industries_given && !s_in(f->industries, f->n_industries, n->industry))
        return 0;
    if (f->orgs_given && !s_in(f->orgs, f->n_orgs, n->organisation))
        return 0;
    if (f->need_kind && n->kind != f->need_kind)
        return 0;
    return 1;
}

/* The exact hard filter. Called by the index from reader threads while the
 * match holds the catalog's read lock. */
static int s_pass(void *ctx, int64_t id)
{
    const filter_t *f = ctx;
    if (s_excluded(f, id))
        return 0;
    return f->talents ? s_pass_talent(f, bole_catalog_talent(f->catalog, id))
                      : s_pass_need(f, bole_catalog_need(f->catalog, id));
}

/* s_pass over a batch of ANN hits. At 1 M talents nearly all of the
 * filter's time was one load, the record's first field it reads (perf
 * annotate, docs/BENCHMARKS.md): look up and prefetch a block of records
 * first, so those misses overlap, then test them. */
#define PASS_BLOCK 64

static void s_pass_batch(void *ctx, const int64_t *ids, size_t n, uint8_t *keep)
{
    const filter_t *f = ctx;
    const void *recs[PASS_BLOCK];
    for (size_t base = 0; base < n; base += PASS_BLOCK) {
        size_t m = n - base < PASS_BLOCK ? n - base : PASS_BLOCK;
        for (size_t i = 0; i < m; i++) {
            recs[i] = f->talents ? (const void *)bole_catalog_talent(f->catalog, ids[base + i])
                                 : (const void *)bole_catalog_need(f->catalog, ids[base + i]);
            if (recs[i] != NULL)
                __builtin_prefetch(f->talents ? (const void *)&((const bole_talent_rec_t *)
                                                                    recs[i])->availability
                                              : (const void *)&((const bole_need_rec_t *)
                                                                    recs[i])->closed);
        }
        for (size_t i = 0; i < m; i++)
            keep[base + i] = !s_excluded(f, ids[base + i]) &&
                             (f->talents ? s_pass_talent(f, recs[i]) : s_pass_need(f, recs[i]));
    }
}

static void s_names(bole_intern_t *names, char **items, size_t n, uint32_t *out, size_t *n_out)
{
    *n_out = 0;
    for (size_t i = 0; i < n && *n_out < MAX_FILTER_VALUES; i++) {
        uint32_t id = bole_intern_find(names, items[i]);
        if (id != BOLE_INTERN_NONE) /* Unknown names match nothing. */
            out[(*n_out)++] = id;
    }
}

static bole_status_t s_filter_init(bole_call_t *call, filter_t *f, int talents,
                                   const Bole__MatchFilter *mf)
{
    memset(f, 0, sizeof *f);
    f->catalog = call->daemon->catalog;
    f->talents = talents;
    f->now = bole_now_ms();
    bole_intern_t *names = bole_catalog_names(f->catalog);
    const bole_principal_t *p = call->principal;
    if (!mf) {
        if (p && p->n_zones) {
            /* A zone-scoped key sees candidates of its zones only. */
            f->zones_given = 1;
            for (size_t i = 0; i < p->n_zones; i++) {
                uint32_t id = bole_intern_find(names, p->zones[i]);
                if (id != BOLE_INTERN_NONE)
                    f->zones[f->n_zones++] = id;
            }
        }
        return BOLE_OK;
    }
    bole_status_t st = bole_validate_filter(mf, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    if (mf->n_zones > MAX_FILTER_VALUES || mf->n_industries > MAX_FILTER_VALUES ||
        mf->n_organisations > MAX_FILTER_VALUES) {
        snprintf(call->err, call->errlen, "filter: at most %d zones, industries or "
                 "organisations", MAX_FILTER_VALUES);
        return BOLE_INVALID_ARGUMENT;
    }
    f->zones_given = mf->n_zones > 0;
    s_names(names, mf->zones, mf->n_zones, f->zones, &f->n_zones);
    if (p && p->n_zones) {
        /* Intersect with the key's zones (all of them when none were asked). */
        uint32_t asked[MAX_FILTER_VALUES];
        size_t n_asked = f->n_zones, kept = 0;
        memcpy(asked, f->zones, sizeof asked);
        for (size_t i = 0; i < p->n_zones; i++) {
            uint32_t id = bole_intern_find(names, p->zones[i]);
            if (id != BOLE_INTERN_NONE && (!f->zones_given || s_in(asked, n_asked, id)))
                f->zones[kept++] = id;
        }
        f->n_zones = kept;
        f->zones_given = 1;
    }
    f->industries_given = mf->n_industries > 0;
    s_names(names, mf->industries, mf->n_industries, f->industries, &f->n_industries);
    f->orgs_given = mf->n_organisations > 0;
    s_names(names, mf->organisations, mf->n_organisations, f->orgs, &f->n_orgs);
    for (size_t i = 0; i < mf->n_categories; i++)
        if (mf->categories[i] > 0 && mf->categories[i] < 32)
            f->categories |= 1u << mf->categories[i];
    f->min_experience = mf->min_experience_years;
    f->include_unavailable = mf->include_unavailable;
    f->include_closed = mf->include_closed;
    f->need_kind = mf->need_kind;
    if (mf->n_exclude_ids) {
        f->exclude = bole_arena_array(call->arena, mf->n_exclude_ids, sizeof *f->exclude);
        if (!f->exclude)
            return BOLE_INTERNAL;
        for (size_t i = 0; i < mf->n_exclude_ids; i++) {
            int64_t id = talents ? bole_catalog_talent_id(f->catalog, mf->exclude_ids[i])
                                 : bole_catalog_need_id(f->catalog, mf->exclude_ids[i]);
            if (id)
                f->exclude[f->n_exclude++] = id;
        }
        qsort(f->exclude, f->n_exclude, sizeof *f->exclude, s_cmp_id);
    }
    return BOLE_OK;
}

/* Total posting length over a filter dimension (SIZE_MAX if not given). */
static size_t s_posting_total(bole_catalog_t *c, bole_posting_kind_t kind, const uint32_t *keys,
                              size_t n)
{
    size_t total = 0;
    const int64_t *ids;
    for (size_t i = 0; i < n; i++)
        total += bole_catalog_posting(c, kind, keys[i], &ids);
    return total;
}

typedef struct {
    bole_posting_kind_t kind;
    const uint32_t *keys;
    size_t n;
} posting_dim_t;

/* Collects filtered candidate ids from the most selective posting
 * dimension, or returns 0 with *ids NULL when no dimension is selective
 * enough (then the ANN path runs). Sorted and unique. */
static size_t s_selective_candidates(bole_call_t *call, const filter_t *f, int64_t **out)
{
    *out = NULL;
    posting_dim_t dims[3];
    size_t n_dims = 0;
    uint32_t cats[32];
    size_t n_cats = 0;
    if (f->zones_given)
        dims[n_dims++] = (posting_dim_t){f->talents ? BOLE_POSTING_TALENT_ZONE
                                                      : BOLE_POSTING_NEED_ZONE,
                                           f->zones, f->n_zones};
    if (f->industries_given)
        dims[n_dims++] = (posting_dim_t){f->talents ? BOLE_POSTING_TALENT_INDUSTRY
                                                      : BOLE_POSTING_NEED_INDUSTRY,
                                           f->industries, f->n_industries};
    if (f->talents && f->categories) {
        for (uint32_t c = 1; c < 32; c++)
            if (f->categories >> c & 1)
                cats[n_cats++] = c;
        dims[n_dims++] = (posting_dim_t){BOLE_POSTING_TALENT_CATEGORY, cats, n_cats};
    } else if (!f->talents && f->orgs_given) {
        dims[n_dims++] = (posting_dim_t){BOLE_POSTING_NEED_ORGANISATION, f->orgs, f->n_orgs};
    }
    size_t best = SIZE_MAX, best_dim = 0;
    for (size_t d = 0; d < n_dims; d++) {
        size_t total = s_posting_total(f->catalog, dims[d].kind, dims[d].keys, dims[d].n);
        if (total < best) {
            best = total;
            best_dim = d;
        }
    }
    if (best == SIZE_MAX || best > SELECTIVE_LIMIT)
        return 0;
    int64_t *ids = bole_arena_array(call->arena, best ? best : 1, sizeof *ids);
    if (!ids)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < dims[best_dim].n; i++) {
        const int64_t *list;
        size_t len = bole_catalog_posting(f->catalog, dims[best_dim].kind, dims[best_dim].keys[i],
                                          &list);
        for (size_t j = 0; j < len; j++)
            if (s_pass((void *)f, list[j]))
                ids[n++] = list[j];
    }
    qsort(ids, n, sizeof *ids, s_cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || ids[u - 1] != ids[i])
            ids[u++] = ids[i];
    *out = ids;
    return u ? u : SIZE_MAX; /* SIZE_MAX: selective, and nothing passes. */
}

typedef struct {
    int64_t id;
    float similarity;
    float score;
} scored_t;

static int s_cmp_scored(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int s_cmp_similarity(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->similarity != y->similarity)
        return x->similarity > y->similarity ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Prefetches, for the re-rank loop at candidate i, the record RECORD_AHEAD
 * candidates ahead and the skill list of the one LIST_AHEAD ahead (whose
 * record was prefetched earlier). Only a hint: changes no result. */
#define RECORD_AHEAD 8
#define LIST_AHEAD   4
static inline void s_prefetch_ahead(const void **recs, size_t n, size_t i, int talents)
{
    if (i + RECORD_AHEAD < n && recs[i + RECORD_AHEAD]) {
        const char *r = recs[i + RECORD_AHEAD];
        __builtin_prefetch(r);
        __builtin_prefetch(r + 64);
        __builtin_prefetch(r + 128);
    }
    if (i + LIST_AHEAD < n && recs[i + LIST_AHEAD]) {
        if (talents) {
            const bole_talent_rec_t *t = recs[i + LIST_AHEAD];
            __builtin_prefetch(t->skills);
            __builtin_prefetch(t->industries);
        } else {
            const bole_need_rec_t *nd = recs[i + LIST_AHEAD];
            __builtin_prefetch(nd->skills);
        }
    }
}

/* Moves the best m of cands[0..n) (s_cmp_scored order) to the front, sorted;
 * the rest is left in no particular order. A quickselect then a sort of m:
 * the same first m as sorting all n, for k much smaller than n. */
static void s_select_best(scored_t *cands, size_t n, size_t m)
{
    /* [0, lo) hold only best-m members, [hi, n) none; lo <= m <= hi. */
    size_t lo = 0, hi = n;
    while (hi - lo > 1 && lo < m && m < hi) {
        /* Partition [lo, hi) around its middle element (Lomuto). */
        size_t mid = lo + (hi - lo) / 2, store = lo;
        scored_t pivot = cands[mid];
        cands[mid] = cands[hi - 1];
        cands[hi - 1] = pivot;
        for (size_t i = lo; i < hi - 1; i++) {
            if (s_cmp_scored(&cands[i], &pivot) < 0) {
                scored_t tmp = cands[i];
                cands[i] = cands[store];
                cands[store++] = tmp;
            }
        }
        cands[hi - 1] = cands[store];
        cands[store] = pivot;
        /* [lo, store) beat the pivot, (store, hi) do not. */
        if (store == m || store + 1 == m)
            break;
        if (store > m)
            hi = store;
        else
            lo = store + 1;
    }
    qsort(cands, m, sizeof *cands, s_cmp_scored);
}

/* Fills an Explanation from a rank detail. */
static Bole__Explanation *s_explain(bole_arena_t *a, bole_catalog_t *catalog,
                                    const bole_weights_t *w, const bole_rank_detail_t *d)
{
    bole_intern_t *names = bole_catalog_names(catalog);
    Bole__Explanation *ex = ARENA_NEW(a, Bole__Explanation);
    Bole__Contribution **cs = bole_arena_array(a, BOLE_RANK_N_FEATURES, sizeof *cs);
    if (!ex || !cs)
        return NULL;
    bole__explanation__init(ex);
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++) {
        Bole__Contribution *c = ARENA_NEW(a, Bole__Contribution);
        if (!c)
            return NULL;
        bole__contribution__init(c);
        c->feature = (char *)bole_rank_feature_name(i);
        c->value = d->value[i];
        c->weight = bole_weights_feature(w, i);
        c->contribution = d->contribution[i];
        cs[i] = c;
    }
    ex->contributions = cs;
    ex->n_contributions = BOLE_RANK_N_FEATURES;
    ex->matched_skills = bole_arena_array(a, d->n_matched + 1, sizeof(char *));
    ex->missing_must_have = bole_arena_array(a, d->n_missing_must + 1, sizeof(char *));
    ex->missing_nice_to_have = bole_arena_array(a, d->n_missing_nice + 1, sizeof(char *));
    ex->notes = bole_arena_array(a, d->n_missing_must + d->n_below_level + 2, sizeof(char *));
    if (!ex->matched_skills || !ex->missing_must_have || !ex->missing_nice_to_have || !ex->notes)
        return NULL;
    for (size_t i = 0; i < d->n_matched; i++)
        ex->matched_skills[ex->n_matched_skills++] = (char *)bole_intern_name(names, d->matched[i]);
    for (size_t i = 0; i < d->n_missing_must; i++) {
        const char *skill = bole_intern_name(names, d->missing_must[i]);
        ex->missing_must_have[ex->n_missing_must_have++] = (char *)skill;
        ex->notes[ex->n_notes++] = bole_arena_printf(a, "missing must-have skill: %s", skill);
    }
    for (size_t i = 0; i < d->n_missing_nice; i++)
        ex->missing_nice_to_have[ex->n_missing_nice_to_have++] =
            (char *)bole_intern_name(names, d->missing_nice[i]);
    for (size_t i = 0; i < d->n_below_level; i++)
        ex->notes[ex->n_notes++] = bole_arena_printf(a, "below the required level: %s",
                                                     bole_intern_name(names, d->below_level[i]));
    if (d->excluded)
        ex->notes[ex->n_notes++] = "excluded by the missing-must-have policy";
    return ex;
}

/* The shared body of both directions. subject_* describe the given side;
 * candidates come from the other. */
static bole_status_t s_match(bole_call_t *call, int want_talents, const float *query,
                             const bole_talent_rec_t *talent, const bole_need_rec_t *need,
                             uint32_t k, const filter_t *filter, int explain, int log_source)
{
    bole_daemon_t *d = call->daemon;
    /* A/B (daemon.h): the subject's id picks the weights version. */
    const bole_weights_t *w = bole_models_weights_for(
        call->models, want_talents ? need->external_id : talent->external_id);
    bole_index_t *index = want_talents ? d->talent_index : d->need_index;
    size_t want = (size_t)k * 2 > MIN_CANDIDATES ? (size_t)k * 2 : MIN_CANDIDATES;
    if (want > MAX_CANDIDATES)
        want = MAX_CANDIDATES;

    scored_t *cands = bole_arena_array(call->arena, want, sizeof *cands);
    int64_t *ids = bole_arena_array(call->arena, want, sizeof *ids);
    float *sims = bole_arena_array(call->arena, want, sizeof *sims);
    if (!cands || !ids || !sims)
        return BOLE_INTERNAL;
    size_t n = 0;
    int exact = 0;
    int64_t *selected = NULL;
    size_t n_selected = s_selective_candidates(call, filter, &selected);
    if (n_selected == SIZE_MAX) {
        n = 0; /* A selective filter that nothing passes. */
        exact = 1;
    } else if (n_selected > 0) {
        float *all = bole_arena_array(call->arena, n_selected, sizeof *all);
        scored_t *pool = bole_arena_array(call->arena, n_selected, sizeof *pool);
        if (!all || !pool)
            return BOLE_INTERNAL;
        bole_index_score_ids(index, query, selected, n_selected, all);
        size_t m = 0;
        for (size_t i = 0; i < n_selected; i++)
            if (isfinite(all[i]))
                pool[m++] = (scored_t){selected[i], all[i], 0};
        qsort(pool, m, sizeof *pool, s_cmp_similarity);
        for (size_t i = 0; i < m && n < want; i++)
            cands[n++] = pool[i];
        exact = 1;
    } else {
        if (bole_index_search_batch(index, query, want, 0, s_pass_batch, (void *)filter, ids,
                                    sims, &n, &exact) != 0) {
            snprintf(call->err, call->errlen, "vector search failed");
            return BOLE_INTERNAL;
        }
        for (size_t i = 0; i < n; i++)
            cands[i] = (scored_t){ids[i], sims[i], 0};
    }

    /* Skill rarity in the catalog (rank.h; we hold the read lock). */
    bole_rank_ctx_t ctx;
    const float *logdf;
    size_t n_records;
    size_t n_logdf = bole_catalog_skill_stats(d->catalog, &logdf, &n_records);
    bole_rank_ctx_init(&ctx);
    bole_rank_ctx_set_rarity(&ctx, logdf, n_logdf, n_records);

    /* Re-rank every candidate without explanations (the fast path). The
     * candidates' records are scattered over the catalog and scoring them
     * is mostly waiting for memory (perf, docs/BENCHMARKS.md): look all
     * records up first (independent loads overlap), then prefetch each
     * record and its skill list a few candidates ahead. */
    const void **recs = bole_arena_array(call->arena, n ? n : 1, sizeof *recs);
    if (!recs)
        return BOLE_INTERNAL;
    for (size_t i = 0; i < n; i++)
        recs[i] = want_talents ? (const void *)bole_catalog_talent(d->catalog, cands[i].id)
                               : (const void *)bole_catalog_need(d->catalog, cands[i].id);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        s_prefetch_ahead(recs, n, i, want_talents);
        const bole_talent_rec_t *t = want_talents ? recs[i] : talent;
        const bole_need_rec_t *nd = want_talents ? need : recs[i];
        if (!t || !nd)
            continue;
        float score = bole_rank_score_ctx(w, &ctx, t, nd, cands[i].similarity, filter->now,
                                      want_talents ? BOLE_RANK_TALENTS_FOR_NEED
                                                   : BOLE_RANK_NEEDS_FOR_TALENT,
                                      NULL);
        if (score == BOLE_RANK_EXCLUDED)
            continue;
        cands[kept] = cands[i];
        cands[kept++].score = score;
    }
    size_t n_out = kept < k ? kept : k;
    s_select_best(cands, kept, n_out);
    /* Feature values of each answer, computed once for the explanation
     * and the feature log (rank.c: the same features either way). */
    float (*values)[BOLE_RANK_N_FEATURES] =
        bole_arena_array(call->arena, n_out ? n_out : 1, sizeof *values);
    if (!values)
        return BOLE_INTERNAL;

    Bole__MatchResponse *resp = ARENA_NEW(call->arena, Bole__MatchResponse);
    Bole__MatchResult **results = bole_arena_array(call->arena, n_out + 1, sizeof *results);
    if (!resp || !results)
        return BOLE_INTERNAL;
    bole__match_response__init(resp);
    bole_intern_t *names = bole_catalog_names(d->catalog);
    for (size_t i = 0; i < n_out; i++) {
        const bole_talent_rec_t *t = want_talents ? bole_catalog_talent(d->catalog, cands[i].id)
                                                  : talent;
        const bole_need_rec_t *nd = want_talents ? need : bole_catalog_need(d->catalog, cands[i].id);
        Bole__MatchResult *r = ARENA_NEW(call->arena, Bole__MatchResult);
        if (!r)
            return BOLE_INTERNAL;
        bole__match_result__init(r);
        r->talent_id = bole_arena_strdup(call->arena, t->external_id);
        r->need_id = bole_arena_strdup(call->arena, nd->external_id);
        r->score = cands[i].score;
        r->similarity = cands[i].similarity;
        r->rank = (uint32_t)(i + 1);
        r->organisation = (char *)bole_intern_name(names, nd->organisation);
        r->zone = (char *)bole_intern_name(names, want_talents ? t->zone : nd->zone);
        r->title = bole_arena_strdup(call->arena, want_talents ? t->occupation : nd->title);
        if (!r->talent_id || !r->need_id || !r->title)
            return BOLE_INTERNAL;
        if (explain) {
            bole_rank_detail_t detail;
            bole_rank_score_ctx(w, &ctx, t, nd, cands[i].similarity, filter->now,
                            want_talents ? BOLE_RANK_TALENTS_FOR_NEED : BOLE_RANK_NEEDS_FOR_TALENT,
                            &detail);
            r->explanation = s_explain(call->arena, d->catalog, w, &detail);
            if (!r->explanation)
                return BOLE_INTERNAL;
            memcpy(values[i], detail.value, sizeof values[i]);
        } else if (log_source) {
            bole_rank_features_ctx(w, &ctx, t, nd, cands[i].similarity, filter->now,
                               want_talents ? BOLE_RANK_TALENTS_FOR_NEED
                                            : BOLE_RANK_NEEDS_FOR_TALENT,
                               values[i]);
        }
        results[i] = r;
    }
    /* Feature logging (feedback.c): queue the returned pairs with their
     * feature values as one answer; the logger thread writes it off this path. The live
     * matcher logs only the pairs it pushes (bole_match_explain_pair). */
    resp->request_id = log_source ? bole_feedback_request_id(d, call->arena) : "";
    if (!resp->request_id)
        return BOLE_INTERNAL;
    if (log_source && n_out) {
        bole_feedback_pair_t *served = bole_arena_array(call->arena, n_out, sizeof *served);
        if (!served)
            return BOLE_INTERNAL;
        for (size_t i = 0; i < n_out; i++)
            served[i] = (bole_feedback_pair_t){results[i]->talent_id, results[i]->need_id,
                                               results[i]->rank, results[i]->score, values[i],
                                               BOLE_RANK_N_FEATURES};
        bole_feedback_log_answer(d, resp->request_id, log_source, bole_weights_version(w),
                                 served, n_out);
    }
    resp->results = results;
    resp->n_results = n_out;
    resp->candidates_considered = (uint32_t)n;
    resp->weights_version = (char *)bole_weights_version(w);
    resp->exact = exact;
    call->response->body_case = BOLE__RESPONSE__BODY_MATCH;
    call->response->match = resp;
    return BOLE_OK;
}

static bole_status_t s_check_k(bole_call_t *call, uint32_t *k)
{
    if (*k == 0)
        *k = DEFAULT_K;
    if (*k > MAX_K) {
        snprintf(call->err, call->errlen, "k: at most %d (got %u)", MAX_K, *k);
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}

static bole_status_t s_match_for_need(bole_call_t *call, int log_source)
{
    const Bole__MatchForNeedRequest *r = call->request->match_for_need;
    bole_daemon_t *d = call->daemon;
    uint32_t k = r->k;
    bole_status_t st = s_check_k(call, &k);
    if (st != BOLE_OK)
        return st;
    float *query = bole_arena_array(call->arena, (size_t)d->dim, sizeof(float));
    if (!query)
        return BOLE_INTERNAL;
    bole_need_rec_t *inline_need = NULL;
    if (r->subject_case == BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED) {
        st = bole_validate_need(r->need, "need", call->err, call->errlen);
        if (st == BOLE_OK)
            st = bole_embed_need(call->models->model, r->need, query, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        inline_need = bole_need_rec_build(bole_catalog_names(d->catalog), r->need, 0);
        if (!inline_need)
            return BOLE_INTERNAL;
        if (!inline_need->updated_at)
            inline_need->updated_at = bole_now_ms();
    } else if (r->subject_case != BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID) {
        snprintf(call->err, call->errlen, "match_for_need: give need_id or an inline need");
        return BOLE_INVALID_ARGUMENT;
    } else {
        st = bole_validate_id(r->need_id, "need_id", call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    filter_t filter;
    bole_catalog_read_lock(d->catalog);
    const bole_need_rec_t *need = inline_need;
    if (!need) {
        int64_t id = bole_catalog_need_id(d->catalog, r->need_id);
        need = id ? bole_catalog_need(d->catalog, id) : NULL;
        if (!need || bole_index_get(d->need_index, id, query) != 0) {
            snprintf(call->err, call->errlen, "no need with id '%s'", r->need_id);
            st = BOLE_NOT_FOUND;
        } else if (!bole_principal_zone_ok(call->principal,
                                           bole_intern_name(bole_catalog_names(d->catalog),
                                                            need->zone))) {
            snprintf(call->err, call->errlen, "key '%s' may not access need '%s' (other zone)",
                     call->principal->name, r->need_id);
            st = BOLE_PERMISSION_DENIED;
        }
    }
    if (st == BOLE_OK)
        st = s_filter_init(call, &filter, 1, r->filter);
    if (st == BOLE_OK)
        st = s_match(call, 1, query, NULL, need, k, &filter, r->explain, log_source);
    bole_catalog_unlock(d->catalog);
    bole_need_rec_free(inline_need);
    return st;
}

static bole_status_t s_match_for_talent(bole_call_t *call, int log_source)
{
    const Bole__MatchForTalentRequest *r = call->request->match_for_talent;
    bole_daemon_t *d = call->daemon;
    uint32_t k = r->k;
    bole_status_t st = s_check_k(call, &k);
    if (st != BOLE_OK)
        return st;
    float *query = bole_arena_array(call->arena, (size_t)d->dim, sizeof(float));
    if (!query)
        return BOLE_INTERNAL;
    bole_talent_rec_t *inline_talent = NULL;
    if (r->subject_case == BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT) {
        st = bole_validate_talent(r->talent, "talent", call->err, call->errlen);
        if (st == BOLE_OK)
            st = bole_embed_talent(call->models->model, r->talent, query, call->err,
                                   call->errlen);
        if (st != BOLE_OK)
            return st;
        inline_talent = bole_talent_rec_build(bole_catalog_names(d->catalog), r->talent, 0);
        if (!inline_talent)
            return BOLE_INTERNAL;
        if (!inline_talent->updated_at)
            inline_talent->updated_at = bole_now_ms();
    } else if (r->subject_case != BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID) {
        snprintf(call->err, call->errlen, "match_for_talent: give talent_id or an inline talent");
        return BOLE_INVALID_ARGUMENT;
    } else {
        st = bole_validate_id(r->talent_id, "talent_id", call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    filter_t filter;
    bole_catalog_read_lock(d->catalog);
    const bole_talent_rec_t *talent = inline_talent;
    if (!talent) {
        int64_t id = bole_catalog_talent_id(d->catalog, r->talent_id);
        talent = id ? bole_catalog_talent(d->catalog, id) : NULL;
        if (!talent || bole_index_get(d->talent_index, id, query) != 0) {
            snprintf(call->err, call->errlen, "no talent with id '%s'", r->talent_id);
            st = BOLE_NOT_FOUND;
        } else if (!bole_principal_zone_ok(call->principal,
                                           bole_intern_name(bole_catalog_names(d->catalog),
                                                            talent->zone))) {
            snprintf(call->err, call->errlen, "key '%s' may not access talent '%s' (other zone)",
                     call->principal->name, r->talent_id);
            st = BOLE_PERMISSION_DENIED;
        }
    }
    if (st == BOLE_OK)
        st = s_filter_init(call, &filter, 0, r->filter);
    if (st == BOLE_OK)
        st = s_match(call, 0, query, talent, NULL, k, &filter, r->explain, log_source);
    bole_catalog_unlock(d->catalog);
    bole_talent_rec_free(inline_talent);
    return st;
}

bole_status_t bole_handle_match_for_need(bole_call_t *call)
{
    return s_match_for_need(call, BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH);
}

bole_status_t bole_handle_match_for_talent(bole_call_t *call)
{
    return s_match_for_talent(call, BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH);
}

bole_status_t bole_match_candidates(bole_call_t *call)
{
    if (call->request->body_case == BOLE__REQUEST__BODY_MATCH_FOR_NEED)
        return s_match_for_need(call, 0);
    if (call->request->body_case == BOLE__REQUEST__BODY_MATCH_FOR_TALENT)
        return s_match_for_talent(call, 0);
    snprintf(call->err, call->errlen, "not a match request");
    return BOLE_INVALID_ARGUMENT;
}

bole_status_t bole_match_explain_pair(bole_daemon_t *d, const bole_models_t *models,
                                      bole_arena_t *arena, int talents_for_need, int64_t talent,
                                      int64_t need, float similarity, Bole__MatchResult *r,
                                      float *features, const char **weights_version)
{
    bole_status_t st = BOLE_OK;
    bole_catalog_read_lock(d->catalog);
    const bole_talent_rec_t *t = bole_catalog_talent(d->catalog, talent);
    const bole_need_rec_t *nd = bole_catalog_need(d->catalog, need);
    if (!t || !nd) {
        st = BOLE_NOT_FOUND; /* Deleted since it was matched: its delete withdraws. */
    } else {
        /* The same weights and rarity the match used (A/B key: the subject). */
        const bole_weights_t *w = bole_models_weights_for(
            models, talents_for_need ? nd->external_id : t->external_id);
        bole_rank_ctx_t ctx;
        const float *logdf;
        size_t n_records;
        size_t n_logdf = bole_catalog_skill_stats(d->catalog, &logdf, &n_records);
        bole_rank_ctx_init(&ctx);
        bole_rank_ctx_set_rarity(&ctx, logdf, n_logdf, n_records);
        int direction = talents_for_need ? BOLE_RANK_TALENTS_FOR_NEED
                                         : BOLE_RANK_NEEDS_FOR_TALENT;
        int64_t now = bole_now_ms();
        bole_rank_detail_t detail;
        bole_rank_score_ctx(w, &ctx, t, nd, similarity, now, direction, &detail);
        bole_rank_features_ctx(w, &ctx, t, nd, similarity, now, direction, features);
        *weights_version = bole_weights_version(w);
        r->explanation = s_explain(arena, d->catalog, w, &detail);
        if (!r->explanation)
            st = BOLE_INTERNAL;
    }
    bole_catalog_unlock(d->catalog);
    return st;
}
