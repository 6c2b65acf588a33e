/*
 * matching.h - what the live matcher (live.c) uses of matching.c besides
 * the MatchForNeed / MatchForTalent handlers: the same candidates without
 * explanations or feature logging (most candidates are then dropped by the
 * stream's thresholds, caps and de-duplication), and the explanation and
 * feature log of one pair it actually pushes.
 */
#ifndef BOLE_MATCHING_H
#define BOLE_MATCHING_H

#include <stdint.h>

#include "daemon.h"

/* Runs the match_for_need or match_for_talent request of call (explain is
 * ignored: no explanations) and logs no features; the response's
 * request_id is "". */
bole_status_t bole_match_candidates(bole_call_t *call);

/* Fills r->explanation (arena memory) for the pair of internal ids talent
 * and need, scored with the weights and skill rarity a match of the subject
 * (the need when talents_for_need, else the talent) uses; features gets the
 * BOLE_RANK_N_FEATURES feature values and *weights_version the weights'
 * version (valid while models is held), for the feature log of a pushed
 * pair. BOLE_NOT_FOUND if either record is gone. Takes the catalog's read
 * lock. */
bole_status_t bole_match_explain_pair(bole_daemon_t *d, const bole_models_t *models,
                                      bole_arena_t *arena, int talents_for_need, int64_t talent,
                                      int64_t need, float similarity, Bole__MatchResult *r,
                                      float *features, const char **weights_version);

#endif
