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
#define INF_COST INT64_MAX

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

/* ---- optimal: successive shortest paths ---------------------------------- */

/* Residual arcs in CSR order (all arcs out of one node are contiguous, so a
 * node's scan is sequential). Each arc knows its partner (rev) and the
 * pair's total capacity, so the partner's residual (total - cap) and cost
 * (-cost) are read without touching the partner. */
typedef struct {
    uint32_t to;
    uint32_t rev;       /* Index of the partner arc. */
    int32_t cap;        /* Residual capacity of this arc. */
    int32_t total;      /* cap + partner's cap. */
    int64_t cost;
} arc_t;

typedef struct {
    int64_t d;
    uint32_t v;
} heap_item_t;

typedef struct {
    heap_item_t *a;
    size_t n, cap;
} heap_t;

static int s_heap_push(heap_t *h, int64_t d, uint32_t v)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 1024;
        heap_item_t *na = realloc(h->a, nc * sizeof *na);
        if (!na)
            return -1;
        h->a = na;
        h->cap = nc;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->a[parent].d <= d)
            break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i] = (heap_item_t){d, v};
    return 0;
}

static heap_item_t s_heap_pop(heap_t *h)
{
    heap_item_t top = h->a[0];
    heap_item_t last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->a[c + 1].d < h->a[c].d)
            c++;
        if (h->a[c].d >= last.d)
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
    return top;
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
    size_t max_pairs = T + B + p->n_edges;
    /* Arc pairs as (u, v, cap, cost) first, then laid out in CSR order. */
    uint32_t *pu = malloc((max_pairs ? max_pairs : 1) * sizeof *pu);
    uint32_t *pv = malloc((max_pairs ? max_pairs : 1) * sizeof *pv);
    int32_t *pc = malloc((max_pairs ? max_pairs : 1) * sizeof *pc);
    int64_t *pw = malloc((max_pairs ? max_pairs : 1) * sizeof *pw);
    uint32_t *pfwd = malloc((max_pairs ? max_pairs : 1) * sizeof *pfwd); /* Pair -> fwd arc. */
    arc_t *arcs = malloc((max_pairs ? 2 * max_pairs : 1) * sizeof *arcs);
    uint32_t *first = calloc(nv + 1, sizeof *first);
    uint32_t *fill = malloc(nv * sizeof *fill);
    uint32_t *pair_of_edge = malloc((p->n_edges ? p->n_edges : 1) * sizeof *pair_of_edge);
    uint8_t *usable = malloc(p->n_edges ? p->n_edges : 1);
    int64_t *pot = calloc(nv, sizeof *pot);
    int64_t *dist = malloc(nv * sizeof *dist);
    uint32_t *prev = malloc(nv * sizeof *prev);     /* Arc from a node towards K. */
    uint32_t *settled = malloc(nv * sizeof *settled);
    int64_t *sdist = malloc(nv * sizeof *sdist);    /* Distance of settled[i]. */
    uint32_t *touched = malloc((nv + 1) * sizeof *touched);
    uint32_t *sarc = malloc((T ? T : 1) * sizeof *sarc); /* Arc S -> talent. */
    uint8_t *done = calloc(nv, 1);
    heap_t heap = {0};
    int rc = -1;
    if (!pu || !pv || !pc || !pw || !pfwd || !arcs || !first || !fill || !pair_of_edge ||
        !usable || !pot || !dist || !prev || !settled || !sdist || !touched || !sarc || !done)
        goto out;
    if (s_dedup(p, usable) != 0)
        goto out;
    size_t np = 0;
    for (size_t t = 0; t < T; t++) {
        uint32_t c = p->talent_cap ? p->talent_cap[t] : 1;
        sarc[t] = NONE;
        if (c) {
            sarc[t] = (uint32_t)np; /* A pair index for now; an arc index below. */
            pu[np] = S, pv[np] = (uint32_t)(1 + t), pw[np] = 0;
            pc[np++] = (int32_t)(c > INT32_MAX ? INT32_MAX : c);
        }
    }
    for (size_t b = 0; b < B; b++) {
        uint32_t c = p->booth_cap ? p->booth_cap[b] : 1;
        if (c) {
            pu[np] = (uint32_t)(1 + T + b), pv[np] = K, pw[np] = 0;
            pc[np++] = (int32_t)(c > INT32_MAX ? INT32_MAX : c);
        }
    }
    for (size_t e = 0; e < p->n_edges; e++) {
        pair_of_edge[e] = NONE;
        if (!usable[e] || !(p->edges[e].score > 0))
            continue;
        int64_t w = -(int64_t)llround((double)p->edges[e].score * COST_SCALE);
        if (w >= 0)
            continue;
        pair_of_edge[e] = (uint32_t)np;
        pu[np] = 1 + p->edges[e].talent, pv[np] = (uint32_t)(1 + T + p->edges[e].booth);
        pw[np] = w;
        pc[np++] = 1;
    }
    for (size_t i = 0; i < np; i++) {
        first[pu[i] + 1]++;
        first[pv[i] + 1]++;
    }
    for (size_t v = 0; v < nv; v++) {
        first[v + 1] += first[v];
        fill[v] = first[v];
    }
    for (size_t i = 0; i < np; i++) {
        uint32_t f = fill[pu[i]]++, r = fill[pv[i]]++;
        arcs[f] = (arc_t){pv[i], r, pc[i], pc[i], pw[i]};
        arcs[r] = (arc_t){pu[i], f, 0, pc[i], -pw[i]};
        pfwd[i] = f;
    }
    for (size_t t = 0; t < T; t++)
        if (sarc[t] != NONE)
            sarc[t] = pfwd[sarc[t]];
    /* Initial potentials: the network is a DAG, so shortest distances from S
     * in layer order make every reduced cost non-negative. */
    int64_t min_booth = 0;
    for (size_t b = 0; b < B; b++) {
        uint32_t v = (uint32_t)(1 + T + b);
        int64_t best = 0;
        for (uint32_t a = first[v]; a < first[v + 1]; a++)
            if (arcs[a].to != K && -arcs[a].cost < best)
                best = -arcs[a].cost; /* Partner of a talent -> booth arc. */
        pot[v] = best;
        if (best < min_booth)
            min_booth = best;
    }
    pot[K] = min_booth;

    /* Dijkstra runs backwards from the sink (dist[v] = distance from v to
     * K): the booths with seats left are few, and nearly every talent still
     * has room, so the search reaches S after a few dozen nodes, where a
     * forward search would start by pushing every talent. */
    for (size_t v = 0; v < nv; v++)
        dist[v] = INF_COST;
    for (;;) {
        size_t n_settled = 0, n_touched = 0;
        heap.n = 0;
        dist[K] = 0;
        touched[n_touched++] = K;
        if (s_heap_push(&heap, 0, K) != 0)
            goto out;
        while (heap.n) {
            heap_item_t it = s_heap_pop(&heap);
            /* S is final once nothing closer is left; ties at its distance
             * need no settling (they keep pot + D, which is exact). With
             * many equal scores this saves most of the search. */
            if (it.d >= dist[S])
                break;
            if (done[it.v] || it.d != dist[it.v])
                continue;
            done[it.v] = 1;
            sdist[n_settled] = it.d;
            settled[n_settled++] = it.v;
            if (it.v == S)
                break;
            int64_t pv_ = pot[it.v];
            /* Residual arcs u -> it.v are the partners of the arcs out of it.v. */
            for (uint32_t a = first[it.v]; a < first[it.v + 1]; a++) {
                const arc_t *x = &arcs[a];
                if (x->total - x->cap <= 0)
                    continue;
                uint32_t u = x->to;
                if (done[u])
                    continue;
                int64_t rc_ = -x->cost + pot[u] - pv_;
                if (rc_ < 0)
                    rc_ = 0; /* Cannot happen with exact integers; guard anyway. */
                int64_t nd = it.d + rc_;
                /* Nothing at or beyond the best known S distance matters. */
                if (nd >= dist[u] || nd >= dist[S])
                    continue;
                if (dist[u] == INF_COST)
                    touched[n_touched++] = u;
                dist[u] = nd;
                prev[u] = x->rev; /* Arc u -> it.v. */
                if (s_heap_push(&heap, nd, u) != 0)
                    goto out;
                /* A talent with room closes a path at once: bound S early. */
                if (u >= 1 && u <= T && sarc[u - 1] != NONE && arcs[sarc[u - 1]].cap > 0) {
                    int64_t ns = nd + pot[S] - pot[u];
                    if (ns < nd)
                        ns = nd;
                    if (ns < dist[S]) {
                        if (dist[S] == INF_COST)
                            touched[n_touched++] = S;
                        dist[S] = ns;
                        prev[S] = sarc[u - 1];
                        if (s_heap_push(&heap, ns, S) != 0)
                            goto out;
                    }
                }
            }
        }
        int64_t D = dist[S];
        for (size_t i = 0; i < n_touched; i++)
            dist[touched[i]] = INF_COST;
        for (size_t i = 0; i < n_settled; i++)
            done[settled[i]] = 0;
        if (D == INF_COST)
            break;
        int64_t real = D - pot[S] + pot[K];
        if (real >= 0)
            break; /* No path raises the total any more. */
        /* pot'(v) = pot(v) - min(dist(v), D) + D keeps reduced costs >= 0;
         * every node closer than D was settled (sdist = its distance). */
        for (size_t i = 0; i < n_settled; i++)
            pot[settled[i]] += D - sdist[i];
        /* Augment one unit (talent -> booth arcs have capacity 1). */
        for (uint32_t v = S; v != K;) {
            uint32_t a = prev[v];
            arcs[a].cap -= 1;
            arcs[arcs[a].rev].cap += 1;
            v = arcs[a].to;
        }
    }
    for (size_t e = 0; e < p->n_edges; e++)
        chosen[e] = pair_of_edge[e] != NONE && arcs[pfwd[pair_of_edge[e]]].cap == 0;
    rc = 0;
out:
    free(pu);
    free(pv);
    free(pc);
    free(pw);
    free(pfwd);
    free(arcs);
    free(first);
    free(fill);
    free(pair_of_edge);
    free(usable);
    free(pot);
    free(dist);
    free(prev);
    free(settled);
    free(sdist);
    free(touched);
    free(sarc);
    free(done);
    free(heap.a);
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
