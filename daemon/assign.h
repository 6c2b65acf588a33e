/*
 * assign.h - job-fair assignment and interview scheduling on a sparse
 * bipartite graph of (talent, booth) candidate pairs.
 *
 * Three pure algorithms, shared by the daemon (event.c) and the offline
 * organiser tool (tools/batch):
 *   - optimal: a maximum-weight b-matching (each talent at most
 *     talent_cap[t] booths, each booth at most booth_cap[b] talents, each
 *     pair at most once) as a min-cost circulation on the network
 *     source -> talent -> booth -> sink -> source, solved exactly by
 *     cost-scaling push-relabel (Goldberg-Tarjan) on integer costs;
 *   - stable: talent-proposing deferred acceptance with capacities; the
 *     result has no blocking pair (an unmatched edge whose talent and booth
 *     would both rather have it than their worst current pair, or have room);
 *   - schedule: a proper edge colouring of the chosen pairs with exactly
 *     Delta colours (slots), Delta = the largest number of interviews of any
 *     talent or booth (Koenig's theorem), by alternating-path recolouring.
 *
 * Preferences are the pair scores on both sides (two-sided scores); ties
 * break by the lower index, so every order is strict and results are
 * deterministic. Library-grade: standard headers only, no logging, no
 * globals; every call is re-entrant. Functions returning int give 0 on
 * success and -1 when memory ran out or the arguments are invalid (then the
 * outputs are unspecified and nothing was allocated that stays).
 */
#ifndef BOLE_ASSIGN_H
#define BOLE_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t talent;    /* 0 .. n_talents-1. */
    uint32_t booth;     /* 0 .. n_booths-1. */
    float score;        /* Pair value used by both modes (may include a keep bonus). */
} bole_assign_edge_t;

typedef struct {
    size_t n_talents;
    size_t n_booths;
    const uint32_t *talent_cap;     /* Per talent: most interviews (0: none). */
    const uint32_t *booth_cap;      /* Per booth: most interviews (0: none). */
    const bole_assign_edge_t *edges;/* Candidate pairs; a repeated pair counts once. */
    size_t n_edges;
} bole_assign_problem_t;

/* Maximum total score: chosen[e] = 1 for the edges taken (room for n_edges).
 * Edges with score <= 0 are never taken (they cannot raise the total).
 * Scores are compared on a 1e-6 grid (exactly optimal on that grid), so the
 * total is optimal within n_edges * 1e-6; the grid coarsens by tens only for
 * scores so large (above about 2,500 at 10,000 nodes) that integer prices could
 * overflow, and -1 comes back beyond 1e-3. */
int bole_assign_optimal(const bole_assign_problem_t *p, uint8_t *chosen /* OUT */);

/* Talent-proposing deferred acceptance: chosen[e] = 1 for the edges taken. */
int bole_assign_stable(const bole_assign_problem_t *p, uint8_t *chosen /* OUT */);

/* Number of blocking pairs of an assignment (0 for a stable one); -1 (as
 * SIZE_MAX) when memory ran out. */
size_t bole_assign_blocking_pairs(const bole_assign_problem_t *p, const uint8_t *chosen);

/* Checks capacities and repeated pairs: 1 if chosen respects every cap. */
int bole_assign_feasible(const bole_assign_problem_t *p, const uint8_t *chosen);

/*
 * Colours n pairs (talent[i], booth[i]) with slots 0 .. Delta-1 so that no
 * talent and no booth has two pairs in one slot; Delta (the largest degree)
 * goes to *n_slots. score may be NULL; if given, slots are renumbered so
 * that slot 0 holds the highest total score, slot 1 the next, ... (so when
 * an event has fewer slots than Delta, the interviews that do not fit are
 * the least valuable slot classes). A pair repeated in the input gets two
 * different slots.
 */
int bole_assign_schedule(size_t n_talents, size_t n_booths, size_t n, const uint32_t *talent,
                         const uint32_t *booth, const float *score, uint32_t *slot /* OUT */,
                         uint32_t *n_slots /* OUT */);

#endif
