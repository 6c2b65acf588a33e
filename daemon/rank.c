/*
 * rank.c - see rank.h. One function computes all ten features; it is
 * inlined into each entry point so that the fast path (no detail) carries no
 * explanation bookkeeping. Every constant below is documented, with its
 * reason, in docs/RANKING.md; change both together.
 */
#include "rank.h"
#include "weights_int.h"

#include <math.h>
#include <string.h>

static const char *const s_feature_names[BOLE_RANK_N_FEATURES] = {
    "similarity",       "must_have_coverage", "nice_to_have_coverage",
    "industry",         "zone",               "experience_fit",
    "education_fit",    "talent_preference",  "policy_priority",
    "freshness",
};

/* Value of a three-way feature when one side does not say. */
#define R_NEUTRAL 0.5f
/* Experience: each year short multiplies by 0.7, each year over by 0.9. */
#define R_EXP_SHORT_RATE 0.35667494f   /* -ln 0.7 */
#define R_EXP_OVER_RATE 0.10536052f    /* -ln 0.9 */
/* Education: each level short halves, each level over multiplies by 0.9. */
#define R_EDU_SHORT 0.5f
#define R_EDU_OVER 0.9f
/* Level given as 0 counts as this (profile.h). */
#define R_DEFAULT_LEVEL 3
/* Skill coverage is shrunk towards R_COVERAGE_PRIOR, the share of a need's
 * skills that a talent of another occupation typically holds, with the
 * weight of R_PRIOR_MASS (rarity units: about two specific skills) when
 * rarity is known, R_PRIOR_MASS_PLAIN (skills) when every skill weighs 1.
 * Tuned on the bole-eval "tune" split only (docs/QUALITY.md). */
#define R_COVERAGE_PRIOR 0.1f
#define R_PRIOR_MASS 10.0f
#define R_PRIOR_MASS_PLAIN 2.5f

/* bole.proto numbers. */
#define R_URGENCY_HIGH 2
#define R_URGENCY_CRITICAL 3
#define R_CAT_URGENTLY_NEEDED (1u << 1)
#define R_CAT_HIGH_LEVEL (1u << 2)
#define R_CAT_YOUNG (1u << 5)
#define R_CAT_OVERSEAS_RETURNEE (1u << 6)

const char *bole_rank_feature_name(int i)
{
    return i >= 0 && i < BOLE_RANK_N_FEATURES ? s_feature_names[i] : NULL;
}

static inline float s_clamp01(float x)
{
    /* Written so that NaN gives 0. */
    return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f;
}

static inline int s_has(const uint32_t *ids, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* Append id to a capped list, counting it in *total either way. */
static inline void s_push(uint32_t *list, size_t cap, size_t *n, size_t *total, uint32_t id)
{
    if (*n < cap)
        list[(*n)++] = id;
    (*total)++;
}

/* x^k for a whole k >= 0; k is capped at 16 (beyond it the value no longer
 * matters, and an out-of-range enum must not make a long loop). */
static inline float s_powi(float x, int k)
{
    float r = 1.0f;
    if (k > 16)
        k = 16;
    for (; k > 0; k--)
        r *= x;
    return r;
}

static inline float s_experience_fit(const bole_talent_rec_t *t, const bole_need_rec_t *n)
{
    float y = t->experience_years > 0.0f ? t->experience_years : 0.0f;   /* NaN -> 0 */
    float lo = n->min_experience_years > 0.0f ? n->min_experience_years : 0.0f;
    float hi = n->max_experience_years > 0.0f ? n->max_experience_years : 0.0f;
    if (hi > 0.0f && hi < lo)
        hi = 0.0f;                  /* An inverted range keeps only its minimum. */
    if (lo > 0.0f && y < lo)
        return expf(-R_EXP_SHORT_RATE * (lo - y));
    if (hi > 0.0f && y > hi)
        return expf(-R_EXP_OVER_RATE * (y - hi));
    return 1.0f;
}

static inline float s_education_fit(const bole_talent_rec_t *t, const bole_need_rec_t *n)
{
    int lo = n->min_education > 0 ? n->min_education : 0;
    int hi = n->max_education > 0 ? n->max_education : 0;
    int e = t->education;
    if (hi > 0 && hi < lo)
        hi = 0;
    if (lo == 0 && hi == 0)
        return 1.0f;
    if (e <= 0)
        return R_NEUTRAL;           /* The talent did not say. */
    if (lo > 0 && e < lo)
        return s_powi(R_EDU_SHORT, lo - e);
    if (hi > 0 && e > hi)
        return s_powi(R_EDU_OVER, e - hi);
    return 1.0f;
}

static inline float s_talent_preference(const bole_talent_rec_t *t, const bole_need_rec_t *n)
{
    float ind, zone, pay;
    if (t->n_pref_industries == 0)
        ind = 1.0f;
    else if (n->industry == 0)
        ind = R_NEUTRAL;
    else
        ind = s_has(t->pref_industries, t->n_pref_industries, n->industry) ? 1.0f : 0.0f;
    if (t->n_pref_zones == 0)
        zone = 1.0f;
    else if (n->zone == 0)
        zone = R_NEUTRAL;
    else
        zone = s_has(t->pref_zones, t->n_pref_zones, n->zone) ? 1.0f : 0.0f;
    if (t->salary_floor == 0 || n->salary_max == 0 || n->salary_max >= t->salary_floor) {
        pay = 1.0f;
    } else {
        float r = (float)n->salary_max / (float)t->salary_floor;
        pay = r * r;
    }
    return (ind + zone + pay) * (1.0f / 3.0f);
}

static inline float s_policy_priority(const bole_talent_rec_t *t, const bole_need_rec_t *n)
{
    float u, c = 0.0f, hit;
    bole_category_mask_t cat = t->categories;
    u = n->urgency == R_URGENCY_CRITICAL ? 1.0f : n->urgency == R_URGENCY_HIGH ? 0.6f : 0.25f;
    if (cat & R_CAT_URGENTLY_NEEDED)
        c = 1.0f;
    if (cat & R_CAT_HIGH_LEVEL) {
        int tier = t->high_level_tier;
        float h = tier >= 1 && tier <= 5 ? 1.0f - 0.1f * (float)(tier - 1) : 0.6f;
        c = h > c ? h : c;
    }
    if ((cat & (R_CAT_YOUNG | R_CAT_OVERSEAS_RETURNEE)) && c < 0.5f)
        c = 0.5f;
    hit = (n->preferred_categories & cat) != 0 ? 1.0f : 0.0f;
    return 0.5f * u * c + 0.5f * hit;
}

/* Computes the ten features into v. Returns 1 if a hard rule excludes the
 * pair, else 0. detail (may be NULL) receives the skill lists. */
static inline __attribute__((always_inline)) int
s_features(const bole_weights_t *w, const bole_rank_ctx_t *ctx, const bole_talent_rec_t *t,
           const bole_need_rec_t *n, float similarity, int64_t now, int direction, float *v,
           bole_rank_detail_t *detail)
{
    const float *logdf = ctx && ctx->skill_logdf ? ctx->skill_logdf : NULL;
    size_t n_logdf = logdf ? ctx->n_skill_logdf : 0;
    float log_records = logdf ? ctx->log_records : 0.0f;
    float must_w = 0.0f, must_got = 0.0f, nice_w = 0.0f, nice_got = 0.0f;
    size_t must_absent = 0, j = 0;
    const bole_talent_skill_t *ts = t->skills;
    size_t nt = t->n_skills;

    /* Skill coverage: both lists are sorted by id, so one merge. */
    for (size_t i = 0; i < n->n_skills; i++) {
        const bole_need_skill_t *s = &n->skills[i];
        float imp = s->importance > 0.0f && s->importance <= 1e30f ? s->importance : 1.0f;
        float credit = 0.0f;
        if (logdf) {
            float r = 1.0f + log_records - (s->skill < n_logdf ? logdf[s->skill] : 0.0f);
            imp *= r > 1.0f ? r : 1.0f;
        }
        int held;
        while (j < nt && ts[j].skill < s->skill)
            j++;
        held = j < nt && ts[j].skill == s->skill;
        if (held) {
            int level = ts[j].level ? ts[j].level : R_DEFAULT_LEVEL;
            if (s->min_level == 0 || level >= s->min_level) {
                credit = 1.0f;
            } else {
                float r = (float)level / (float)s->min_level;
                credit = r * r;
            }
        }
        if (s->must_have) {
            must_w += imp;
            must_got += imp * credit;
            must_absent += !held;
        } else {
            nice_w += imp;
            nice_got += imp * credit;
        }
        if (detail != NULL) {
            if (held) {
                s_push(detail->matched, BOLE_RANK_MAX_MATCHED, &detail->n_matched,
                       &detail->matched_total, s->skill);
                if (credit < 1.0f)
                    s_push(detail->below_level, BOLE_RANK_MAX_MISSING, &detail->n_below_level,
                           &detail->below_level_total, s->skill);
            } else if (s->must_have) {
                s_push(detail->missing_must, BOLE_RANK_MAX_MISSING, &detail->n_missing_must,
                       &detail->missing_must_total, s->skill);
            } else {
                s_push(detail->missing_nice, BOLE_RANK_MAX_MISSING, &detail->n_missing_nice,
                       &detail->missing_nice_total, s->skill);
            }
        }
    }

    /* Shrunk coverage: (got + mass * prior) / (asked + mass); with nothing
     * asked it is the prior itself. */
    float mass = logdf ? R_PRIOR_MASS : R_PRIOR_MASS_PLAIN;
    v[BOLE_RANK_SIMILARITY] = s_clamp01(similarity);
    v[BOLE_RANK_MUST_HAVE] =
        s_clamp01((must_got + mass * R_COVERAGE_PRIOR) / (must_w + mass));
    v[BOLE_RANK_NICE_TO_HAVE] =
        s_clamp01((nice_got + mass * R_COVERAGE_PRIOR) / (nice_w + mass));

    if (n->industry == 0 || t->n_industries == 0)
        v[BOLE_RANK_INDUSTRY] = R_NEUTRAL;
    else
        v[BOLE_RANK_INDUSTRY] = s_has(t->industries, t->n_industries, n->industry) ? 1.0f : 0.0f;

    if (n->zone == 0 || t->zone == 0)
        v[BOLE_RANK_ZONE] = R_NEUTRAL;
    else
        v[BOLE_RANK_ZONE] = n->zone == t->zone ? 1.0f : 0.0f;

    v[BOLE_RANK_EXPERIENCE] = s_experience_fit(t, n);
    v[BOLE_RANK_EDUCATION] = s_education_fit(t, n);
    v[BOLE_RANK_TALENT_PREF] = s_talent_preference(t, n);
    v[BOLE_RANK_POLICY] = s_policy_priority(t, n);

    int64_t updated = direction == BOLE_RANK_NEEDS_FOR_TALENT ? n->updated_at : t->updated_at;
    if (updated <= 0) {
        v[BOLE_RANK_FRESHNESS] = R_NEUTRAL;     /* Age unknown. */
    } else {
        int64_t age = now > updated ? now - updated : 0;   /* Clock skew: fresh. */
        v[BOLE_RANK_FRESHNESS] = (float)exp2(-(double)age * w->fresh_rate);
    }

    return w->missing_must == BOLE_MISSING_MUST_EXCLUDE && must_absent > 0;
}

void bole_rank_ctx_init(bole_rank_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

void bole_rank_ctx_set_rarity(bole_rank_ctx_t *ctx, const float *logdf, size_t n_logdf,
                              size_t n_records)
{
    ctx->skill_logdf = logdf;
    ctx->n_skill_logdf = logdf ? n_logdf : 0;
    ctx->log_records = logf(1.0f + (float)n_records);
}

float bole_rank_skill_rarity(const bole_rank_ctx_t *ctx, uint32_t skill)
{
    if (!ctx || !ctx->skill_logdf)
        return 1.0f;
    float r = 1.0f + ctx->log_records -
              (skill < ctx->n_skill_logdf ? ctx->skill_logdf[skill] : 0.0f);
    return r > 1.0f ? r : 1.0f;
}

float bole_rank_score_ctx(const bole_weights_t *w, const bole_rank_ctx_t *ctx,
                          const bole_talent_rec_t *t, const bole_need_rec_t *n,
                          float similarity, int64_t now, int direction,
                          bole_rank_detail_t *detail)
{
    float v[BOLE_RANK_N_FEATURES];
    float score = 0.0f;
    int excluded;

    if (detail == NULL) {
        excluded = s_features(w, ctx, t, n, similarity, now, direction, v, NULL);
        if (excluded)
            return BOLE_RANK_EXCLUDED;
        for (int i = 0; i < BOLE_RANK_N_FEATURES; i++)
            score += v[i] * w->w[i];
        return score;
    }

    detail->n_missing_must = detail->missing_must_total = 0;
    detail->n_below_level = detail->below_level_total = 0;
    detail->n_matched = detail->matched_total = 0;
    detail->n_missing_nice = detail->missing_nice_total = 0;
    excluded = s_features(w, ctx, t, n, similarity, now, direction, v, detail);
    /* Same products, same order as the fast path: the score is bit-identical
     * with or without an explanation. */
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++) {
        detail->value[i] = v[i];
        detail->contribution[i] = v[i] * w->w[i];
        score += detail->contribution[i];
    }
    detail->excluded = excluded;
    return excluded ? BOLE_RANK_EXCLUDED : score;
}

float bole_rank_features_ctx(const bole_weights_t *w, const bole_rank_ctx_t *ctx,
                             const bole_talent_rec_t *t, const bole_need_rec_t *n,
                             float similarity, int64_t now, int direction, float *values)
{
    float score = 0.0f;
    int excluded = s_features(w, ctx, t, n, similarity, now, direction, values, NULL);
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++)
        score += values[i] * w->w[i];
    return excluded ? BOLE_RANK_EXCLUDED : score;
}

float bole_rank_score(const bole_weights_t *w, const bole_talent_rec_t *t,
                      const bole_need_rec_t *n, float similarity, int64_t now,
                      int direction, bole_rank_detail_t *detail)
{
    return bole_rank_score_ctx(w, NULL, t, n, similarity, now, direction, detail);
}

float bole_rank_features(const bole_weights_t *w, const bole_talent_rec_t *t,
                         const bole_need_rec_t *n, float similarity, int64_t now,
                         int direction, float *values)
{
    return bole_rank_features_ctx(w, NULL, t, n, similarity, now, direction, values);
}
