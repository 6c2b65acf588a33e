/*
 * weights.h - the ranking model's weights file (models/weights.conf): one
 * weight per named ranking feature plus the live-stream parameters, parsed
 * into an immutable object.
 *
 * The file is versioned text: `name = value` lines, `#` starts a comment,
 * blank lines are ignored. The format, every key and its default are in
 * docs/RANKING.md. The parser is strict so that a bad reload is refused and
 * the daemon keeps serving with the weights it has: unknown keys, duplicate
 * keys, missing weights, values that do not parse, non-finite or negative
 * numbers are errors reported as "file:line: reason".
 *
 * A loaded object is never modified, so any number of threads may read it.
 * The daemon swaps its pointer atomically on reload and destroys the old one
 * once no request uses it.
 *
 * Library-grade: needs only the C standard library.
 */
#ifndef BOLE_WEIGHTS_H
#define BOLE_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#define BOLE_RANK_N_FEATURES 10     /* Named features of the ranking model. */
#define BOLE_WEIGHTS_VERSION_MAX 64 /* Longest version string, with the NUL. */

typedef struct bole_weights bole_weights_t;

/* What to do with a pair whose talent lacks a must-have skill outright. */
typedef enum {
    BOLE_MISSING_MUST_PENALIZE = 0, /* Score it; the coverage feature is lower. */
    BOLE_MISSING_MUST_EXCLUDE = 1   /* Drop it (bole_rank_score says excluded). */
} bole_missing_must_policy_t;

/* Read and parse the weights file at path. On success returns 0 and stores a
 * new object in *out, owned by the caller (free with bole_weights_destroy).
 * On failure returns -1, leaves *out NULL and writes one line such as
 * "models/weights.conf:12: unknown key 'simlarity'" into err (if err and
 * errlen > 0); nothing is left allocated or open. */
int bole_weights_load(bole_weights_t **out, const char *path, char *err, size_t errlen);

/* Same as bole_weights_load for text already in memory (len bytes, need not
 * be NUL-terminated); name is used in error messages in place of the path.
 * This is the entry point for the config fuzzer. */
int bole_weights_parse(bole_weights_t **out, const char *text, size_t len,
                       const char *name, char *err, size_t errlen);

/* Free a weights object. NULL-safe; sets *w to NULL. */
void bole_weights_destroy(bole_weights_t **w);

/* The file's `version` value, e.g. "2026-11-28.1". Valid while w lives. */
const char *bole_weights_version(const bole_weights_t *w);

/* Weight of feature i (0 <= i < BOLE_RANK_N_FEATURES, order of
 * bole_rank_feature_name); 0 for an i out of range. */
float bole_weights_feature(const bole_weights_t *w, int i);

/* Parameters. */
float bole_weights_freshness_half_life_days(const bole_weights_t *w);
bole_missing_must_policy_t bole_weights_missing_must_policy(const bole_weights_t *w);
float bole_weights_min_score(const bole_weights_t *w);           /* Live stream threshold. */
uint32_t bole_weights_per_talent_daily_pushes(const bole_weights_t *w);
uint32_t bole_weights_per_need_daily_pushes(const bole_weights_t *w);
float bole_weights_announce_delta(const bole_weights_t *w);      /* Score change worth a re-announce. */

#endif
