/*
 * assign.c - job-fair assignment (optimal b-matching, stable deferred
 * acceptance) and interview scheduling (bipartite edge colouring). See
 * assign.h for the contracts and docs/EVENTS.md for the reasoning.
 */
#include "assign.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define COST_SCALE 1e6          /* Scores are compared on a 1e-6 grid. */
#define ALPHA 8                 /* Cost-scaling step: eps /= ALPHA per refine. */

/* ---- shared helpers ------------------------------------------------------ */

/* Sorts e by (talent, booth, score desc, index) without global state. */
static void s_sort_by_pair(const bole_assign_edge_t *edges, uint32_t *e, size_t n);

/* Merge sort by (talent, booth, score desc, index): re-entrant, stable. */
static int s_pair_less(const bole_assign_edge_t *edges, uint32_t i, uint32_t j)
{
    const bole_assign_edge_t *x = &edges[i], *y = &edges[j];
    if (x->talent != y->talent)
        return x->talent < y->talent;
    if (x->booth != y->booth)
        return x->booth < y->booth;
    if (x->score != y->score)
        return x->score > y->score;
    return i < j;
}

static void s_msort(const bole_assign_edge_t *edges, uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    s_msort(edges, a, tmp, h);
    s_msort(edges, a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = s_pair_less(edges, a[j], a[i]) ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static void s_sort_by_pair(const bole_assign_edge_t *edges, uint32_t *e, size_t n)
{
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) { /* Fall back to an insertion sort: slow but correct. */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && s_pair_less(edges, e[j], e[j - 1]); j--) {
                uint32_t t = e[j];
                e[j] = e[j - 1];
                e[j - 1] = t;
            }
        return;
    }
    s_msort(edges, e, tmp, n);
    free(tmp);
}

/* usable[e] = 1 for the one edge kept per (talent, booth) pair (the best
 * score, then the first), with indexes in range; 0 otherwise. */
static int s_dedup(const bole_assign_problem_t *p, uint8_t *usable)
{
    if (p->n_edges >= UINT32_MAX)
        return -1;
    uint32_t *order = malloc((p->n_edges ? p->n_edges : 1) * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < p->n_edges; i++)
        order[i] = (uint32_t)i;
    s_sort_by_pair(p->edges, order, p->n_edges);
    for (size_t i = 0; i < p->n_edges; i++) {
        const bole_assign_edge_t *e = &p->edges[order[i]];
        int first = i == 0 || p->edges[order[i - 1]].talent != e->talent ||
                    p->edges[order[i - 1]].booth != e->booth;
        usable[order[i]] = first && e->talent < p->n_talents && e->booth < p->n_booths &&
                           isfinite(e->score);
    }
    free(order);
    return 0;
}

/* ---- optimal: cost-scaling push-relabel ----------------------------------- */

/* Residual arcs in CSR order (all arcs out of one node are contiguous, so a
 * node's scan is sequential); rev is the partner arc. */
typedef struct {
    uint32_t to;
    uint32_t rev;
    int32_t cap;        /* Residual capacity. */
    int64_t cost;       /* Scaled integer cost (see bole_assign_optimal). */
} arc_t;

typedef struct {
    arc_t *arcs;
    uint32_t *first;    /* Arcs of node v: first[v] .. first[v+1]-1. */
    int64_t *price;
    int64_t *excess;
    uint32_t *cur;      /* Current arc: no admissible arc before it. */
    uint32_t *queue;    /* FIFO of active nodes, a ring of nv slots. */
    uint8_t *queued;
    size_t nv;
} flow_t;

/* Reduced cost c(v,w) + p(v) - p(w) of arc a out of v. */
static inline int64_t s_reduced(const flow_t *f, uint32_t v, const arc_t *a)
{
    return a->cost + f->price[v] - f->price[a->to];
}

static inline void s_push(flow_t *f, uint32_t v, arc_t *a, int32_t amount)
{
    a->cap -= amount;
    f->arcs[a->rev].cap += amount;
    f->excess[v] -= amount;
    f->excess[a->to] += amount;
}

/* One refine of Goldberg-Tarjan's cost scaling: turns the current
 * circulation (which is alpha*eps-optimal) into an eps-optimal one. First
 * every arc with negative reduced cost is saturated (0-optimal pseudoflow),
 * then active nodes are discharged along admissible arcs (residual, reduced
 * cost < 0) and relabelled when they have none. */
static void s_refine(flow_t *f, int64_t eps)
{
    size_t nv = f->nv, qh = 0, qt = 0;
    for (uint32_t v = 0; v < nv; v++)
        for (uint32_t i = f->first[v]; i < f->first[v + 1]; i++) {
            arc_t *a = &f->arcs[i];
            if (a->cap > 0 && s_reduced(f, v, a) < 0)
                s_push(f, v, a, a->cap);
        }
    for (uint32_t v = 0; v < nv; v++) {
        f->cur[v] = f->first[v];
        f->queued[v] = f->excess[v] > 0;
        if (f->queued[v])
            f->queue[qt++] = v; /* At most nv nodes: no wrap yet. */
    }
    qt %= nv;
    size_t n_active = 0;
    for (uint32_t v = 0; v < nv; v++)
        n_active += f->queued[v];
    while (n_active) {
        uint32_t v = f->queue[qh];
        qh = (qh + 1) % nv;
        n_active--;
        f->queued[v] = 0;
        uint32_t end = f->first[v + 1];
        while (f->excess[v] > 0) {
            if (f->cur[v] == end) {
                /* Relabel: the highest price that makes one arc admissible
                 * (reduced cost -eps) and keeps every arc >= -eps. A node
                 * with excess always has a residual arc out (the flow came
                 * in along one). */
                int64_t best = INT64_MIN;
                for (uint32_t i = f->first[v]; i < end; i++) {
                    const arc_t *a = &f->arcs[i];
                    if (a->cap > 0 && f->price[a->to] - a->cost > best)
                        best = f->price[a->to] - a->cost;
                }
                f->price[v] = best - eps;
                f->cur[v] = f->first[v];
                continue;
            }
            arc_t *a = &f->arcs[f->cur[v]];
            if (a->cap > 0 && s_reduced(f, v, a) < 0) {
                uint32_t w = a->to;
                int32_t amount = f->excess[v] < a->cap ? (int32_t)f->excess[v] : a->cap;
                s_push(f, v, a, amount);
                if (f->excess[w] > 0 && !f->queued[w]) {
                    f->queued[w] = 1;
                    f->queue[qt] = w;
                    qt = (qt + 1) % nv;
                    n_active++;
                }
                if (a->cap == 0)
                    f->cur[v]++;
            } else {
                f->cur[v]++;
            }
        }
    }
}

int bole_assign_optimal(const bole_assign_problem_t *p, uint8_t *chosen)
{
    if (!p || (!chosen && p->n_edges) || p->n_talents + p->n_booths + 2 >= UINT32_MAX / 2 ||
        p->n_edges >= UINT32_MAX / 4)
        return -1;
    memset(chosen, 0, p->n_edges);
    size_t T = p->n_talents, B = p->n_booths;
    size_t nv = T + B + 2;
    uint32_t S = 0, K = (uint32_t)(T + B + 1);
    size_t max_pairs = T + B + p->n_edges + 1;
    /* Arc pairs as (u, v, cap, cost) first, then laid out in CSR order. */
    uint32_t *pu = malloc(max_pairs * sizeof *pu);
    uint32_t *pv = malloc(max_pairs * sizeof *pv);
    int32_t *pc = malloc(max_pairs * sizeof *pc);
    int64_t *pw = malloc(max_pairs * sizeof *pw);
    uint32_t *pfwd = malloc(max_pairs * sizeof *pfwd); /* Pair -> forward arc. */
    uint32_t *fill = malloc(nv * sizeof *fill);
    uint32_t *deg = calloc(nv, sizeof *deg);
    uint32_t *pair_of_edge = malloc((p->n_edges ? p->n_edges : 1) * sizeof *pair_of_edge);
    uint8_t *usable = malloc(p->n_edges ? p->n_edges : 1);
    flow_t f = {
        .arcs = malloc(2 * max_pairs * sizeof *f.arcs),
        .first = calloc(nv + 1, sizeof *f.first),
        .price = calloc(nv, sizeof *f.price),
        .excess = calloc(nv, sizeof *f.excess),
        .cur = malloc(nv * sizeof *f.cur),
        .queue = malloc(nv * sizeof *f.queue),
        .queued = calloc(nv, 1),
        .nv = nv,
    };
    int rc = -1;
    if (!pu || !pv || !pc || !pw || !pfwd || !fill || !deg || !pair_of_edge || !usable ||
        !f.arcs || !f.first || !f.price || !f.excess || !f.cur || !f.queue || !f.queued)
        goto out;
    if (s_dedup(p, usable) != 0)
        goto out;
    /* Integer costs: the score on a 1e-6 grid (coarser only if the scores
     * are so large that prices could overflow), times nv + 1. An
     * eps-optimal circulation with eps < 1/nv in the unscaled costs is
     * optimal, so the last refine (eps = 1) ends exactly optimal. Prices
     * stay within a few nv * max|cost| (Goldberg-Tarjan), hence the bound. */
    double max_score = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        if (usable[e] && p->edges[e].score > max_score)
            max_score = p->edges[e].score;
    double grid = COST_SCALE, mult = (double)nv + 1;
    while (grid > 1e-3 && max_score * grid * mult * (double)nv * 16.0 > 4e18)
        grid /= 10;
    if (max_score * grid * mult * (double)nv * 16.0 > 4e18)
        goto out;
    size_t np = 0;
    for (size_t e = 0; e < p->n_edges; e++) {
        pair_of_edge[e] = NONE;
        if (!usable[e] || !(p->edges[e].score > 0))
            continue;
        int64_t w = -(int64_t)llround((double)p->edges[e].score * grid);
        if (w >= 0)
            continue;
        pair_of_edge[e] = (uint32_t)np;
        pu[np] = 1 + p->edges[e].talent, pv[np] = (uint32_t)(1 + T + p->edges[e].booth);
        pw[np] = w * (int64_t)(nv + 1);
        pc[np++] = 1;
        deg[pu[np - 1]]++;
        deg[pv[np - 1]]++;
    }
    /* Source and sink arcs, capped at the degree (more can never flow), so
     * every capacity and the return arc fit in int32. */
    int64_t supply = 0;
    for (size_t t = 0; t < T; t++) {
        uint32_t c = p->talent_cap ? p->talent_cap[t] : 1;
        if (c > deg[1 + t])
            c = deg[1 + t];
        if (c) {
            pu[np] = S, pv[np] = (uint32_t)(1 + t), pw[np] = 0;
            pc[np++] = (int32_t)c;
            supply += c;
        }
    }
    for (size_t b = 0; b < B; b++) {
        uint32_t c = p->booth_cap ? p->booth_cap[b] : 1;
        if (c > deg[1 + T + b])
            c = deg[1 + T + b];
        if (c) {
            pu[np] = (uint32_t)(1 + T + b), pv[np] = K, pw[np] = 0;
            pc[np++] = (int32_t)c;
        }
    }
    /* The return arc makes it a circulation: its minimum cost is the
     * maximum-weight b-matching (no cardinality is forced). */
    pu[np] = K, pv[np] = S, pw[np] = 0;
    pc[np++] = (int32_t)supply;
    for (size_t i = 0; i < np; i++) {
        f.first[pu[i] + 1]++;
        f.first[pv[i] + 1]++;
    }
    for (size_t v = 0; v < nv; v++) {
        f.first[v + 1] += f.first[v];
        fill[v] = f.first[v];
    }
    int64_t max_cost = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t a = fill[pu[i]]++, r = fill[pv[i]]++;
        f.arcs[a] = (arc_t){pv[i], r, pc[i], pw[i]};
        f.arcs[r] = (arc_t){pu[i], a, 0, -pw[i]};
        pfwd[i] = a;
        if (-pw[i] > max_cost)
            max_cost = -pw[i];
    }
    /* Zero flow and prices are max_cost-optimal; divide eps by ALPHA down
     * to 1. */
    for (int64_t eps = max_cost; eps > 1;) {
        eps = eps / ALPHA > 1 ? eps / ALPHA : 1;
        s_refine(&f, eps);
    }
    for (size_t e = 0; e < p->n_edges; e++)
        chosen[e] = pair_of_edge[e] != NONE && f.arcs[pfwd[pair_of_edge[e]]].cap == 0;
    rc = 0;
out:
    free(pu);
    free(pv);
    free(pc);
    free(pw);
    free(pfwd);
    free(fill);
    free(deg);
    free(pair_of_edge);
    free(usable);
    free(f.arcs);
    free(f.first);
    free(f.price);
    free(f.excess);
    free(f.cur);
    free(f.queue);
    free(f.queued);
    return rc;
}

/* ---- stable: deferred acceptance ----------------------------------------- */

/* Whether a booth prefers edge x to edge y (higher score, then lower talent). */
static int s_booth_prefers(const bole_assign_edge_t *x, const bole_assign_edge_t *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    return x->talent < y->talent;
}

/* Whether a talent prefers edge x to edge y (higher score, then lower booth). */
static int s_talent_prefers(const bole_assign_edge_t *x, const bole_assign_edge_t *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    return x->booth < y->booth;
}

/* Sorts edges by talent, then the talent's preference (merge sort, re-entrant). */
static void s_pref_msort(const bole_assign_edge_t *edges, uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    s_pref_msort(edges, a, tmp, h);
    s_pref_msort(edges, a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        const bole_assign_edge_t *x = &edges[a[i]], *y = &edges[a[j]];
        int take_j = y->talent != x->talent ? y->talent < x->talent : s_talent_prefers(y, x);
        tmp[k++] = take_j ? a[j++] : a[i++];
    }
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

int bole_assign_stable(const bole_assign_problem_t *p, uint8_t *chosen)
{
    if (!p || (!chosen && p->n_edges) || p->n_edges >= UINT32_MAX / 2)
        return -1;
    memset(chosen, 0, p->n_edges);
    size_t T = p->n_talents, B = p->n_booths;
    uint8_t *usable = malloc(p->n_edges ? p->n_edges : 1);
    uint32_t *order = malloc((p->n_edges ? p->n_edges : 1) * sizeof *order);
    uint32_t *tmp = malloc((p->n_edges ? p->n_edges : 1) * sizeof *tmp);
    size_t *start = calloc(T + 1, sizeof *start);
    size_t *next = calloc(T + 1, sizeof *next);
    uint32_t *held = calloc(T + 1, sizeof *held);
    size_t *bstart = calloc(B + 1, sizeof *bstart);
    uint32_t *bcount = calloc(B + 1, sizeof *bcount);
    uint32_t *queue = malloc((T + 1) * sizeof *queue);
    uint8_t *queued = calloc(T + 1, 1);
    uint32_t *slots = NULL;
    int rc = -1;
    if (!usable || !order || !tmp || !start || !next || !held || !bstart || !bcount || !queue ||
        !queued)
        goto out;
    if (s_dedup(p, usable) != 0)
        goto out;
    size_t n = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        if (usable[e])
            order[n++] = (uint32_t)e;
    s_pref_msort(p->edges, order, tmp, n);
    for (size_t i = 0; i < n; i++)
        start[p->edges[order[i]].talent + 1]++;
    for (size_t t = 0; t < T; t++)
        start[t + 1] += start[t];
    /* Booth hold lists: room for min(capacity, degree) edges each. */
    for (size_t i = 0; i < n; i++)
        bcount[p->edges[order[i]].booth]++;
    for (size_t b = 0; b < B; b++) {
        uint32_t cap = p->booth_cap ? p->booth_cap[b] : 1;
        bstart[b + 1] = bstart[b] + (cap < bcount[b] ? cap : bcount[b]);
        bcount[b] = 0;
    }
    slots = malloc((bstart[B] ? bstart[B] : 1) * sizeof *slots);
    if (!slots)
        goto out;
    size_t qh = 0, qt = 0, qn = 0;
    for (size_t t = 0; t < T; t++) {
        next[t] = start[t];
        if ((p->talent_cap ? p->talent_cap[t] : 1) > 0 && start[t + 1] > start[t]) {
            queue[qt] = (uint32_t)t;
            qt = (qt + 1) % (T + 1);
            qn++;
            queued[t] = 1;
        }
    }
    while (qn) {
        uint32_t t = queue[qh];
        qh = (qh + 1) % (T + 1);
        qn--;
        queued[t] = 0;
        uint32_t tcap = p->talent_cap ? p->talent_cap[t] : 1;
        while (held[t] < tcap && next[t] < start[t + 1]) {
            uint32_t e = order[next[t]++];
            uint32_t b = p->edges[e].booth;
            size_t room = bstart[b + 1] - bstart[b];
            uint32_t *list = slots + bstart[b];
            if (bcount[b] < room) {
                list[bcount[b]++] = e;
                held[t]++;
                continue;
            }
            if (room == 0)
                continue;
            size_t worst = 0;
            for (size_t i = 1; i < bcount[b]; i++)
                if (s_booth_prefers(&p->edges[list[worst]], &p->edges[list[i]]))
                    worst = i;
            if (!s_booth_prefers(&p->edges[e], &p->edges[list[worst]]))
                continue; /* Rejected at once. */
            uint32_t loser = p->edges[list[worst]].talent;
            list[worst] = e;
            held[t]++;
            held[loser]--;
            if (!queued[loser] && loser != t) {
                queue[qt] = loser;
                qt = (qt + 1) % (T + 1);
                qn++;
                queued[loser] = 1;
            }
        }
    }
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < bcount[b]; i++)
            chosen[slots[bstart[b] + i]] = 1;
    rc = 0;
out:
    free(usable);
    free(order);
    free(tmp);
    free(start);
    free(next);
    free(held);
    free(bstart);
    free(bcount);
    free(queue);
    free(queued);
    free(slots);
    return rc;
}

int bole_assign_feasible(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    uint32_t *tc = calloc(p->n_talents + 1, sizeof *tc);
    uint32_t *bc = calloc(p->n_booths + 1, sizeof *bc);
    uint8_t *usable = malloc(p->n_edges ? p->n_edges : 1);
    int ok = 0;
    if (!tc || !bc || !usable || s_dedup(p, usable) != 0)
        goto out;
    ok = 1;
    for (size_t e = 0; e < p->n_edges; e++) {
        if (!chosen[e])
            continue;
        if (!usable[e]) { /* A repeat of a pair, or out of range. */
            ok = 0;
            break;
        }
        tc[p->edges[e].talent]++;
        bc[p->edges[e].booth]++;
    }
    for (size_t t = 0; ok && t < p->n_talents; t++)
        if (tc[t] > (p->talent_cap ? p->talent_cap[t] : 1))
            ok = 0;
    for (size_t b = 0; ok && b < p->n_booths; b++)
        if (bc[b] > (p->booth_cap ? p->booth_cap[b] : 1))
            ok = 0;
out:
    free(tc);
    free(bc);
    free(usable);
    return ok;
}

size_t bole_assign_blocking_pairs(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    size_t T = p->n_talents, B = p->n_booths;
    uint32_t *tc = calloc(T + 1, sizeof *tc), *bc = calloc(B + 1, sizeof *bc);
    uint32_t *tworst = malloc((T + 1) * sizeof *tworst), *bworst = malloc((B + 1) * sizeof *bworst);
    uint8_t *usable = malloc(p->n_edges ? p->n_edges : 1);
    size_t count = SIZE_MAX;
    if (!tc || !bc || !tworst || !bworst || !usable || s_dedup(p, usable) != 0)
        goto out;
    for (size_t e = 0; e < p->n_edges; e++) {
        if (!chosen[e] || !usable[e])
            continue;
        const bole_assign_edge_t *x = &p->edges[e];
        if (tc[x->talent]++ == 0 || s_talent_prefers(&p->edges[tworst[x->talent]], x))
            tworst[x->talent] = (uint32_t)e;
        if (bc[x->booth]++ == 0 || s_booth_prefers(&p->edges[bworst[x->booth]], x))
            bworst[x->booth] = (uint32_t)e;
    }
    count = 0;
    for (size_t e = 0; e < p->n_edges; e++) {
        if (chosen[e] || !usable[e])
            continue;
        const bole_assign_edge_t *x = &p->edges[e];
        uint32_t tcap = p->talent_cap ? p->talent_cap[x->talent] : 1;
        uint32_t bcap = p->booth_cap ? p->booth_cap[x->booth] : 1;
        if (tcap == 0 || bcap == 0)
            continue;
        int t_wants = tc[x->talent] < tcap ||
                      s_talent_prefers(x, &p->edges[tworst[x->talent]]);
        int b_wants = bc[x->booth] < bcap || s_booth_prefers(x, &p->edges[bworst[x->booth]]);
        count += t_wants && b_wants;
    }
out:
    free(tc);
    free(bc);
    free(tworst);
    free(bworst);
    free(usable);
    return count;
}

/* ---- schedule: bipartite edge colouring ---------------------------------- */

typedef struct {
    double total;
    uint32_t colour;
} class_t;

static int s_cmp_class(const void *a, const void *b)
{
    const class_t *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return x->colour < y->colour ? -1 : x->colour > y->colour;
}

int bole_assign_schedule(size_t n_talents, size_t n_booths, size_t n, const uint32_t *talent,
                         const uint32_t *booth, const float *score, uint32_t *slot,
                         uint32_t *n_slots)
{
    *n_slots = 0;
    if (n == 0)
        return 0;
    if (n >= UINT32_MAX / 2)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (talent[i] >= n_talents || booth[i] >= n_booths)
            return -1;
    /* Compact vertex numbering: only vertices that have pairs. */
    uint32_t *vid_t = malloc((n_talents ? n_talents : 1) * sizeof *vid_t);
    uint32_t *vid_b = malloc((n_booths ? n_booths : 1) * sizeof *vid_b);
    uint32_t *deg = calloc(2 * n, sizeof *deg);
    uint32_t *end_u = malloc(n * sizeof *end_u), *end_v = malloc(n * sizeof *end_v);
    uint32_t *at = NULL, *path = NULL;
    class_t *classes = NULL;
    int rc = -1;
    if (!vid_t || !vid_b || !deg || !end_u || !end_v)
        goto out;
    for (size_t i = 0; i < n_talents; i++)
        vid_t[i] = NONE;
    for (size_t i = 0; i < n_booths; i++)
        vid_b[i] = NONE;
    uint32_t nv = 0, delta = 0;
    for (size_t i = 0; i < n; i++) {
        if (vid_t[talent[i]] == NONE)
            vid_t[talent[i]] = nv++;
        if (vid_b[booth[i]] == NONE)
            vid_b[booth[i]] = nv++;
        end_u[i] = vid_t[talent[i]];
        end_v[i] = vid_b[booth[i]];
        if (++deg[end_u[i]] > delta)
            delta = deg[end_u[i]];
        if (++deg[end_v[i]] > delta)
            delta = deg[end_v[i]];
    }
    if ((uint64_t)nv * delta > (1u << 28))
        goto out; /* Degenerate input (one vertex of enormous degree). */
    at = malloc((size_t)nv * delta * sizeof *at);
    path = malloc(n * sizeof *path);
    if (!at || !path)
        goto out;
    for (size_t i = 0; i < (size_t)nv * delta; i++)
        at[i] = NONE;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = end_u[i], v = end_v[i], a = 0, b = 0;
        while (at[(size_t)u * delta + a] != NONE)
            a++;
        while (at[(size_t)v * delta + b] != NONE)
            b++;
        if (at[(size_t)v * delta + a] != NONE) {
            /* Flip the a/b alternating path that starts at v; in a bipartite
             * graph it cannot reach u, and afterwards a is free at v. */
            size_t len = 0;
            uint32_t cur = v, col = a;
            for (;;) {
                uint32_t e = at[(size_t)cur * delta + col];
                if (e == NONE)
                    break;
                path[len++] = e;
                cur = end_u[e] == cur ? end_v[e] : end_u[e];
                col = col == a ? b : a;
            }
            for (size_t k = 0; k < len; k++) {
                uint32_t e = path[k];
                at[(size_t)end_u[e] * delta + slot[e]] = NONE;
                at[(size_t)end_v[e] * delta + slot[e]] = NONE;
            }
            for (size_t k = 0; k < len; k++) {
                uint32_t e = path[k];
                slot[e] = slot[e] == a ? b : a;
                at[(size_t)end_u[e] * delta + slot[e]] = e;
                at[(size_t)end_v[e] * delta + slot[e]] = e;
            }
        }
        slot[i] = a;
        at[(size_t)u * delta + a] = (uint32_t)i;
        at[(size_t)v * delta + a] = (uint32_t)i;
    }
    if (score) {
        classes = calloc(delta, sizeof *classes);
        if (!classes)
            goto out;
        for (uint32_t c = 0; c < delta; c++)
            classes[c].colour = c;
        for (size_t i = 0; i < n; i++)
            classes[slot[i]].total += score[i];
        qsort(classes, delta, sizeof *classes, s_cmp_class);
        uint32_t *rename = path; /* Reuse: delta <= n. */
        for (uint32_t c = 0; c < delta; c++)
            rename[classes[c].colour] = c;
        for (size_t i = 0; i < n; i++)
            slot[i] = rename[slot[i]];
    }
    *n_slots = delta;
    rc = 0;
out:
    free(vid_t);
    free(vid_b);
    free(deg);
    free(end_u);
    free(end_v);
    free(at);
    free(path);
    free(classes);
    return rc;
}
