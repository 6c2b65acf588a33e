/*
 * teamform.h - the algorithmic core of team formation: greedy maximisation
 * of a monotone submodular objective (weighted probabilistic skill coverage
 * plus a modular match term) with lazy evaluation, under the hard
 * constraints "each role has a headcount", "a talent takes at most one
 * seat" and "share at most cap members with each earlier alternative".
 *
 * Library-grade: standard headers only, no daemon includes, no logging, no
 * globals; any number of threads may run it at once on their own problems.
 * team.c turns a project and talent records into a tf_problem_t; the unit
 * test builds small random problems and compares with exhaustive search.
 * The objective is defined precisely in docs/TEAMS.md.
 *
 * Objective of a set T of (talent, role) pairs:
 *   f(T) = sum_s w_s * (1 - prod_{p in T} (1 - c_p(s)))  +  sum_{p in T} m_p
 * with w_s >= 0 the weight of skill s, c_p(s) in [0, 1] how well pair p
 * covers s, and m_p >= 0 the pair's match term. f is monotone and
 * submodular, so each marginal gain only shrinks as T grows: a gain
 * computed earlier is an upper bound, which is what lazy evaluation uses.
 */
#ifndef BOLE_TEAMFORM_H
#define BOLE_TEAMFORM_H

#include <stddef.h>
#include <stdint.h>

/* How well one pair covers one skill. */
typedef struct {
    uint32_t skill;             /* Index into tf_problem_t.skill_weight. */
    float c;                    /* Coverage strength, 0-1. */
} tf_cover_t;

/* One candidate seat assignment: talent t in role r. */
typedef struct {
    uint32_t talent;            /* Caller's talent index, < n_talents. */
    uint32_t role;              /* Role index, < n_roles. */
    float match;                /* Match term m_p >= 0. */
    const tf_cover_t *covers;   /* Skills covered (not owned). */
    size_t n_covers;
} tf_pair_t;

/* "At most cap of these talents in the new team" (alternatives). */
typedef struct {
    const uint8_t *member;      /* n_talents flags: 1 = in the earlier team. */
    size_t cap;                 /* Largest allowed overlap. */
} tf_overlap_t;

typedef struct {
    size_t n_skills;
    const float *skill_weight;  /* n_skills weights >= 0. */
    size_t n_roles;
    const uint32_t *headcount;  /* Seats per role. */
    size_t n_talents;
    size_t n_pairs;
    const tf_pair_t *pairs;
    size_t n_overlaps;          /* Earlier alternatives to stay away from. */
    const tf_overlap_t *overlaps;
} tf_problem_t;

/* The greedy answer. Arrays are malloc'd; free with tf_result_free. */
typedef struct {
    size_t n_picked;
    size_t *picked;             /* Pair indexes in the order chosen. */
    double *gain;               /* Marginal gain of each pick when it was made. */
    double objective;           /* f(T). */
    double coverage;            /* Coverage part of f(T). */
    double *skill_coverage;     /* Per skill: 1 - prod(1 - c). */
    uint32_t *filled;           /* Per role: seats filled. */
    size_t *lost_taken;         /* Per role: candidates dropped, talent already seated. */
    size_t *lost_overlap;       /* Per role: candidates dropped by an overlap cap. */
    size_t evaluations;         /* Marginal-gain computations (lazy evaluation saves these). */
} tf_result_t;

/* Runs lazy greedy: repeatedly adds the allowed pair with the largest
 * marginal gain (ties: lower pair index) until every seat is filled or no
 * allowed pair is left. Every seat that can be filled is filled (gains are
 * >= 0). Returns 0, or -1 if memory ran out or the problem is malformed
 * (an index out of range); then *out is zeroed and owns nothing. */
int tf_greedy(const tf_problem_t *p, tf_result_t *out /* OUT */);

/* f of the given pairs (no constraint check); coverage_out (may be NULL)
 * gets the coverage part. Returns -1 on an index out of range. */
double tf_objective(const tf_problem_t *p, const size_t *pairs, size_t n, double *coverage_out);

/* Frees the arrays of r and zeroes it. NULL-safe. */
void tf_result_free(tf_result_t *r);

#endif
