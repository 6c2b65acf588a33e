/*
 * teamform.c - lazy greedy for team formation (see teamform.h).
 *
 * Lazy evaluation (Minoux 1978): every pair sits in a max-heap keyed by its
 * last computed marginal gain. Because the objective is submodular, that
 * key is an upper bound on the pair's current gain. Pop the top: if its
 * gain was computed in this round it beats every other bound, so it is the
 * true maximum and is taken; otherwise recompute it, push it back, repeat.
 * Pairs that became inadmissible (talent seated, role full, overlap cap
 * reached) are dropped when popped and counted per role for explanations.
 */
#include "teamform.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    double key;     /* Marginal gain when last computed. */
    size_t pair;
    size_t round;   /* Round in which key was computed. */
} heap_item_t;

typedef struct {
    heap_item_t *items;
    size_t n;
} heap_t;

/* a ranks above b: larger gain, then lower pair index (deterministic). */
static int s_above(const heap_item_t *a, const heap_item_t *b)
{
    if (a->key != b->key)
        return a->key > b->key;
    return a->pair < b->pair;
}

static void s_push(heap_t *h, heap_item_t it)
{
    size_t i = h->n++;
    h->items[i] = it;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_above(&h->items[i], &h->items[parent]))
            break;
        heap_item_t tmp = h->items[i];
        h->items[i] = h->items[parent];
        h->items[parent] = tmp;
        i = parent;
    }
}

static heap_item_t s_pop(heap_t *h)
{
    heap_item_t top = h->items[0];
    h->items[0] = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < h->n && s_above(&h->items[l], &h->items[best]))
            best = l;
        if (r < h->n && s_above(&h->items[r], &h->items[best]))
            best = r;
        if (best == i)
            break;
        heap_item_t tmp = h->items[i];
        h->items[i] = h->items[best];
        h->items[best] = tmp;
        i = best;
    }
    return top;
}

static float s_clamp01(float c)
{
    return c < 0.0f ? 0.0f : c > 1.0f ? 1.0f : c;
}

/* Gain of adding pair p when uncovered[s] = prod (1 - c) so far. */
static double s_gain(const tf_problem_t *pb, const tf_pair_t *p, const double *uncovered)
{
    double g = p->match > 0.0f ? p->match : 0.0;
    for (size_t i = 0; i < p->n_covers; i++) {
        uint32_t s = p->covers[i].skill;
        g += pb->skill_weight[s] * uncovered[s] * s_clamp01(p->covers[i].c);
    }
    return g;
}

static int s_valid(const tf_problem_t *p)
{
    for (size_t i = 0; i < p->n_pairs; i++) {
        const tf_pair_t *q = &p->pairs[i];
        if (q->talent >= p->n_talents || q->role >= p->n_roles)
            return 0;
        for (size_t j = 0; j < q->n_covers; j++)
            if (q->covers[j].skill >= p->n_skills)
                return 0;
    }
    return 1;
}

void tf_result_free(tf_result_t *r)
{
    if (!r)
        return;
    free(r->picked);
    free(r->gain);
    free(r->skill_coverage);
    free(r->filled);
    free(r->lost_taken);
    free(r->lost_overlap);
    memset(r, 0, sizeof *r);
}

double tf_objective(const tf_problem_t *p, const size_t *pairs, size_t n, double *coverage_out)
{
    double *uncovered = malloc((p->n_skills ? p->n_skills : 1) * sizeof *uncovered);
    if (!uncovered)
        return -1.0;
    for (size_t s = 0; s < p->n_skills; s++)
        uncovered[s] = 1.0;
    double match = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (pairs[i] >= p->n_pairs) {
            free(uncovered);
            return -1.0;
        }
        const tf_pair_t *q = &p->pairs[pairs[i]];
        match += q->match > 0.0f ? q->match : 0.0;
        for (size_t j = 0; j < q->n_covers; j++)
            uncovered[q->covers[j].skill] *= 1.0 - s_clamp01(q->covers[j].c);
    }
    double cov = 0.0;
    for (size_t s = 0; s < p->n_skills; s++)
        cov += p->skill_weight[s] * (1.0 - uncovered[s]);
    free(uncovered);
    if (coverage_out)
        *coverage_out = cov;
    return cov + match;
}

int tf_greedy(const tf_problem_t *p, tf_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (!s_valid(p))
        return -1;
    size_t seats = 0;
    for (size_t r = 0; r < p->n_roles; r++)
        seats += p->headcount[r];
    size_t cap = seats < p->n_pairs ? seats : p->n_pairs;
    size_t nr = p->n_roles ? p->n_roles : 1;
    double *uncovered = malloc((p->n_skills ? p->n_skills : 1) * sizeof *uncovered);
    uint8_t *seated = calloc(p->n_talents ? p->n_talents : 1, 1);
    size_t *overlap = calloc(p->n_overlaps ? p->n_overlaps : 1, sizeof *overlap);
    heap_t heap = {malloc((p->n_pairs ? p->n_pairs : 1) * sizeof *heap.items), 0};
    out->picked = malloc((cap ? cap : 1) * sizeof *out->picked);
    out->gain = malloc((cap ? cap : 1) * sizeof *out->gain);
    out->skill_coverage = calloc(p->n_skills ? p->n_skills : 1, sizeof *out->skill_coverage);
    out->filled = calloc(nr, sizeof *out->filled);
    out->lost_taken = calloc(nr, sizeof *out->lost_taken);
    out->lost_overlap = calloc(nr, sizeof *out->lost_overlap);
    if (!uncovered || !seated || !overlap || !heap.items || !out->picked || !out->gain ||
        !out->skill_coverage || !out->filled || !out->lost_taken || !out->lost_overlap) {
        free(uncovered);
        free(seated);
        free(overlap);
        free(heap.items);
        tf_result_free(out);
        return -1;
    }
    for (size_t s = 0; s < p->n_skills; s++)
        uncovered[s] = 1.0;
    /* Round 0 keys are exact gains on the empty team. */
    for (size_t i = 0; i < p->n_pairs; i++) {
        s_push(&heap, (heap_item_t){s_gain(p, &p->pairs[i], uncovered), i, 0});
        out->evaluations++;
    }
    size_t round = 0;
    while (out->n_picked < seats && heap.n > 0) {
        heap_item_t top = s_pop(&heap);
        const tf_pair_t *q = &p->pairs[top.pair];
        if (out->filled[q->role] >= p->headcount[q->role])
            continue; /* Role full: every later pair of it is useless too. */
        if (seated[q->talent]) {
            out->lost_taken[q->role]++;
            continue;
        }
        int blocked = 0;
        for (size_t o = 0; o < p->n_overlaps && !blocked; o++)
            blocked = p->overlaps[o].member[q->talent] && overlap[o] >= p->overlaps[o].cap;
        if (blocked) {
            out->lost_overlap[q->role]++;
            continue;
        }
        if (top.round != round) {
            top.key = s_gain(p, q, uncovered);
            top.round = round;
            out->evaluations++;
            s_push(&heap, top);
            continue;
        }
        /* Fresh and on top: the best admissible pair. */
        out->picked[out->n_picked] = top.pair;
        out->gain[out->n_picked] = top.key;
        out->n_picked++;
        out->filled[q->role]++;
        seated[q->talent] = 1;
        for (size_t o = 0; o < p->n_overlaps; o++)
            if (p->overlaps[o].member[q->talent])
                overlap[o]++;
        for (size_t j = 0; j < q->n_covers; j++)
            uncovered[q->covers[j].skill] *= 1.0 - s_clamp01(q->covers[j].c);
        round++;
    }
    double cov = 0.0, match = 0.0;
    for (size_t s = 0; s < p->n_skills; s++) {
        out->skill_coverage[s] = 1.0 - uncovered[s];
        cov += p->skill_weight[s] * out->skill_coverage[s];
    }
    for (size_t i = 0; i < out->n_picked; i++) {
        float m = p->pairs[out->picked[i]].match;
        match += m > 0.0f ? m : 0.0;
    }
    out->coverage = cov;
    out->objective = cov + match;
    free(uncovered);
    free(seated);
    free(overlap);
    free(heap.items);
    return 0;
}
