/*
 * weights_int.h - the layout of a loaded weights object, shared by weights.c
 * (which fills it) and rank.c (which reads it on the hot path without
 * function calls). Nothing outside those two files may include this.
 */
#ifndef BOLE_WEIGHTS_INT_H
#define BOLE_WEIGHTS_INT_H

#include "weights.h"

struct bole_weights {
    float w[BOLE_RANK_N_FEATURES];          /* Feature weights, >= 0, finite. */
    float half_life_days;                   /* Freshness half-life, > 0. */
    double fresh_rate;                      /* 1 / half-life in ms (for exp2). */
    bole_missing_must_policy_t missing_must; /* Penalize or exclude. */
    float min_score;                        /* Live-stream threshold. */
    uint32_t per_talent_daily_pushes;       /* Live-stream caps per day. */
    uint32_t per_need_daily_pushes;
    float announce_delta;                   /* Score change worth re-announcing. */
    char version[BOLE_WEIGHTS_VERSION_MAX]; /* The file's `version`. */
};

#endif
