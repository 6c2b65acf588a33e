/*
 * rank.h - the transparent two-sided ranking model: the score of a (talent,
 * need) pair is a weighted sum of ten named features, each in [0, 1], with
 * the weights of models/weights.conf (weights.h). Every feature is defined
 * exactly in docs/RANKING.md; every result can carry each feature's value
 * and contribution plus the matched and missing skills, because
 * public-sector matching must be explainable.
 *
 * Pure functions: no globals, no allocation, no strings on the scoring path,
 * so any number of threads may score at once. Both records keep their
 * skills sorted by interned id, so skill coverage is one linear merge.
 */
#ifndef BOLE_RANK_H
#define BOLE_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "weights.h"

/* Feature indexes, in the fixed order of bole_rank_feature_name, of the
 * value/contribution arrays and of exported feature vectors. */
enum {
    BOLE_RANK_SIMILARITY = 0,       /* "similarity" */
    BOLE_RANK_MUST_HAVE = 1,        /* "must_have_coverage" */
    BOLE_RANK_NICE_TO_HAVE = 2,     /* "nice_to_have_coverage" */
    BOLE_RANK_INDUSTRY = 3,         /* "industry" */
    BOLE_RANK_ZONE = 4,             /* "zone" */
    BOLE_RANK_EXPERIENCE = 5,       /* "experience_fit" */
    BOLE_RANK_EDUCATION = 6,        /* "education_fit" */
    BOLE_RANK_TALENT_PREF = 7,      /* "talent_preference" */
    BOLE_RANK_POLICY = 8,           /* "policy_priority" */
    BOLE_RANK_FRESHNESS = 9         /* "freshness" */
};

/* Directions: whose updated_at drives the freshness feature. */
#define BOLE_RANK_TALENTS_FOR_NEED 0  /* Ranking talents: the talent's age. */
#define BOLE_RANK_NEEDS_FOR_TALENT 1  /* Ranking needs: the need's age. */

/* Returned by bole_rank_score/bole_rank_features for a pair a hard rule
 * removes (missing_must_have_policy = exclude). Real scores are >= 0. */
#define BOLE_RANK_EXCLUDED (-1.0f)

#define BOLE_RANK_MAX_MISSING 16      /* Skill ids kept per list in a detail. */
#define BOLE_RANK_MAX_MATCHED 32

/* The explanation of one score. Lists keep the first ids in skill-id order;
 * the *_total counts say how many there were (lists are truncated beyond
 * their capacity, the totals are not). */
typedef struct {
    float value[BOLE_RANK_N_FEATURES];          /* Feature values, each in [0, 1]. */
    float contribution[BOLE_RANK_N_FEATURES];   /* value * weight; sum = score. */
    uint32_t missing_must[BOLE_RANK_MAX_MISSING]; /* Must-haves the talent lacks. */
    size_t n_missing_must;
    size_t missing_must_total;
    uint32_t below_level[BOLE_RANK_MAX_MISSING];  /* Held, but below min_level (any kind). */
    size_t n_below_level;
    size_t below_level_total;
    uint32_t matched[BOLE_RANK_MAX_MATCHED];    /* Need skills the talent holds (any level). */
    size_t n_matched;
    size_t matched_total;
    uint32_t missing_nice[BOLE_RANK_MAX_MISSING]; /* Nice-to-haves the talent lacks. */
    size_t n_missing_nice;
    size_t missing_nice_total;
    int excluded;                               /* 1 if a hard rule removes the pair. */
} bole_rank_detail_t;

/* What a score may know beyond the pair itself: how rare each skill is in
 * the catalog (docs/RANKING.md, "Skill rarity"). Zero-initialise it (or use
 * bole_rank_ctx_init) for "nothing known": every skill then weighs 1. The
 * array is borrowed: the caller keeps it valid (for catalog statistics:
 * holds the catalog's read lock) while scoring. */
typedef struct {
    const float *skill_logdf;  /* ln(1 + records listing skill id), by id; NULL: no rarity. */
    size_t n_skill_logdf;      /* Length of skill_logdf. */
    float log_records;         /* ln(1 + records counted). */
} bole_rank_ctx_t;

/* Resets ctx to "nothing known". */
void bole_rank_ctx_init(bole_rank_ctx_t *ctx);

/* Uses skill statistics (bole_catalog_skill_stats): logdf[n_logdf] and the
 * number of records they count. The array is borrowed. */
void bole_rank_ctx_set_rarity(bole_rank_ctx_t *ctx, const float *logdf, size_t n_logdf,
                              size_t n_records);

/* Rarity weight of a skill under ctx (1 if ctx is NULL or has no
 * statistics): 1 + ln((1 + records) / (1 + records listing it)). */
float bole_rank_skill_rarity(const bole_rank_ctx_t *ctx, uint32_t skill);

/* Name of feature i ("similarity", ...), or NULL if i is out of range. The
 * weights file key of feature i is "weight.<name>". */
const char *bole_rank_feature_name(int i);

/* Score one pair with weights w. similarity is the cosine similarity of the
 * two profile vectors (any float; mapped to [0, 1]); now is Unix ms;
 * direction is BOLE_RANK_TALENTS_FOR_NEED or BOLE_RANK_NEEDS_FOR_TALENT.
 * Returns the sum of the contributions (>= 0), or BOLE_RANK_EXCLUDED if the
 * policy excludes the pair. If detail is not NULL it is filled in full (also
 * for an excluded pair: the features are still computed, the contributions
 * still sum to what the score would have been); with detail NULL no
 * explanation is kept (the fast path). Reads only its arguments. */
float bole_rank_score(const bole_weights_t *w, const bole_talent_rec_t *t,
                      const bole_need_rec_t *n, float similarity, int64_t now,
                      int direction, bole_rank_detail_t *detail);

/* Like bole_rank_score with detail NULL, but also writes the feature values
 * to values[BOLE_RANK_N_FEATURES] (the plain vector the weight-tuning tools
 * export). values is written even for an excluded pair. */
float bole_rank_features(const bole_weights_t *w, const bole_talent_rec_t *t,
                         const bole_need_rec_t *n, float similarity, int64_t now,
                         int direction, float *values);

/* bole_rank_score and bole_rank_features with a context (NULL = the same as
 * the functions above). */
float bole_rank_score_ctx(const bole_weights_t *w, const bole_rank_ctx_t *ctx,
                          const bole_talent_rec_t *t, const bole_need_rec_t *n,
                          float similarity, int64_t now, int direction,
                          bole_rank_detail_t *detail);
float bole_rank_features_ctx(const bole_weights_t *w, const bole_rank_ctx_t *ctx,
                             const bole_talent_rec_t *t, const bole_need_rec_t *n,
                             float similarity, int64_t now, int direction, float *values);

#endif
