/* test_assign.c - the job-fair algorithms of daemon/assign.c on random
 * instances: capacities hold, stable has no blocking pair (brute force),
 * optimal equals an exhaustive search on tiny instances (also with many
 * tied scores), has no improving residual cycle on medium ones and is >= stable,
 * schedules have no conflict and use exactly the maximum degree of slots. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "assign.h"

static uint64_t s_rng = 88172645463325252ull;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return n ? (uint32_t)(s_rng % n) : 0;
}

static double s_total(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    double t = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        if (chosen[e])
            t += p->edges[e].score;
    return t;
}

/* Brute-force blocking pairs, written independently of the library. */
static size_t s_blocking(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    size_t count = 0;
    for (size_t e = 0; e < p->n_edges; e++) {
        if (chosen[e])
            continue;
        const bole_assign_edge_t *x = &p->edges[e];
        int dup = 0;
        for (size_t f = 0; f < p->n_edges; f++)
            if (f != e && chosen[f] && p->edges[f].talent == x->talent &&
                p->edges[f].booth == x->booth)
                dup = 1;
        if (dup || p->talent_cap[x->talent] == 0 || p->booth_cap[x->booth] == 0)
            continue;
        uint32_t tn = 0, bn = 0;
        int t_worse = 0, b_worse = 0;
        for (size_t f = 0; f < p->n_edges; f++) {
            if (!chosen[f])
                continue;
            const bole_assign_edge_t *y = &p->edges[f];
            if (y->talent == x->talent) {
                tn++;
                if (y->score < x->score || (y->score == x->score && y->booth > x->booth))
                    t_worse = 1;
            }
            if (y->booth == x->booth) {
                bn++;
                if (y->score < x->score || (y->score == x->score && y->talent > x->talent))
                    b_worse = 1;
            }
        }
        int t_wants = tn < p->talent_cap[x->talent] || t_worse;
        int b_wants = bn < p->booth_cap[x->booth] || b_worse;
        count += t_wants && b_wants;
    }
    return count;
}

/* Best feasible total over every subset of edges (tiny instances only). */
static double s_exhaustive(const bole_assign_problem_t *p)
{
    double best = 0;
    uint8_t chosen[24];
    for (uint32_t mask = 0; mask < (1u << p->n_edges); mask++) {
        for (size_t e = 0; e < p->n_edges; e++)
            chosen[e] = mask >> e & 1;
        if (!bole_assign_feasible(p, chosen))
            continue;
        double t = s_total(p, chosen);
        if (t > best)
            best = t;
    }
    return best;
}

static void s_check_schedule(size_t T, size_t B, size_t n, const uint32_t *tl, const uint32_t *bl,
                             const float *score)
{
    uint32_t *slot = malloc((n ? n : 1) * sizeof *slot);
    uint32_t n_slots = 99;
    REQUIRE(slot);
    CHECK_EQ_INT(bole_assign_schedule(T, B, n, tl, bl, score, slot, &n_slots), 0);
    uint32_t delta = 0;
    uint32_t *dt = calloc(T + 1, sizeof *dt), *db = calloc(B + 1, sizeof *db);
    REQUIRE(dt && db);
    for (size_t i = 0; i < n; i++) {
        if (++dt[tl[i]] > delta)
            delta = dt[tl[i]];
        if (++db[bl[i]] > delta)
            delta = db[bl[i]];
    }
    CHECK_EQ_UINT(n_slots, delta);
    size_t conflicts = 0, out_of_range = 0;
    for (size_t i = 0; i < n; i++) {
        out_of_range += slot[i] >= n_slots;
        for (size_t j = i + 1; j < n; j++)
            if (slot[i] == slot[j] && (tl[i] == tl[j] || bl[i] == bl[j]))
                conflicts++;
    }
    CHECK_EQ_UINT(conflicts, 0);
    CHECK_EQ_UINT(out_of_range, 0);
    if (score && n_slots > 1) { /* Slot 0 carries the largest total. */
        double *tot = calloc(n_slots, sizeof *tot);
        REQUIRE(tot);
        for (size_t i = 0; i < n; i++)
            tot[slot[i]] += score[i];
        for (uint32_t c = 1; c < n_slots; c++)
            CHECK(tot[c - 1] >= tot[c]);
        free(tot);
    }
    free(dt);
    free(db);
    free(slot);
}

/* Schedules the chosen edges of an assignment. */
static void s_schedule_chosen(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    uint32_t *tl = malloc((p->n_edges + 1) * sizeof *tl), *bl = malloc((p->n_edges + 1) * sizeof *bl);
    float *sc = malloc((p->n_edges + 1) * sizeof *sc);
    REQUIRE(tl && bl && sc);
    size_t n = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        if (chosen[e]) {
            tl[n] = p->edges[e].talent;
            bl[n] = p->edges[e].booth;
            sc[n++] = p->edges[e].score;
        }
    s_check_schedule(p->n_talents, p->n_booths, n, tl, bl, sc);
    free(tl);
    free(bl);
    free(sc);
}

static void test_tiny_random(void)
{
    int optimal_ok = 0, stable_ok = 0;
    for (int round = 0; round < 300; round++) {
        size_t T = 1 + s_rand(5), B = 1 + s_rand(4);
        uint32_t tcap[8], bcap[8];
        bole_assign_edge_t edges[14];
        for (size_t t = 0; t < T; t++)
            tcap[t] = s_rand(4);
        for (size_t b = 0; b < B; b++)
            bcap[b] = s_rand(4);
        size_t m = 1 + s_rand(13);
        for (size_t e = 0; e < m; e++) /* Repeats and ties on purpose. */
            edges[e] = (bole_assign_edge_t){s_rand((uint32_t)T), s_rand((uint32_t)B),
                                            (float)(1 + s_rand(20)) / 20.0f};
        bole_assign_problem_t p = {T, B, tcap, bcap, edges, m};
        uint8_t opt[14], st[14];
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK_EQ_INT(bole_assign_stable(&p, st), 0);
        CHECK(bole_assign_feasible(&p, opt));
        CHECK(bole_assign_feasible(&p, st));
        double best = s_exhaustive(&p);
        CHECK_NEAR(s_total(&p, opt), best, 1e-4);
        CHECK(s_total(&p, opt) >= s_total(&p, st) - 1e-4);
        CHECK_EQ_UINT(s_blocking(&p, st), 0);
        CHECK_EQ_UINT(bole_assign_blocking_pairs(&p, st), s_blocking(&p, st));
        CHECK_EQ_UINT(bole_assign_blocking_pairs(&p, opt), s_blocking(&p, opt));
        optimal_ok += fabs(s_total(&p, opt) - best) <= 1e-4;
        stable_ok += s_blocking(&p, st) == 0;
        s_schedule_chosen(&p, opt);
        s_schedule_chosen(&p, st);
    }
    CHECK_EQ_INT(optimal_ok, 300);
    CHECK_EQ_INT(stable_ok, 300);
}

/* One-to-one complete instances against every permutation (a Hungarian
 * check by enumeration). */
static void test_assignment_permutations(void)
{
    for (int round = 0; round < 20; round++) {
        enum { N = 7 };
        bole_assign_edge_t edges[N * N];
        uint32_t cap[N];
        float w[N][N];
        for (int i = 0; i < N; i++) {
            cap[i] = 1;
            for (int j = 0; j < N; j++) {
                w[i][j] = (float)(1 + s_rand(1000)) / 1000.0f;
                edges[i * N + j] = (bole_assign_edge_t){(uint32_t)i, (uint32_t)j, w[i][j]};
            }
        }
        int perm[N];
        for (int i = 0; i < N; i++)
            perm[i] = i;
        double best = 0;
        for (;;) { /* Heap-free lexicographic permutation walk. */
            double t = 0;
            for (int i = 0; i < N; i++)
                t += w[i][perm[i]];
            if (t > best)
                best = t;
            int k = N - 2;
            while (k >= 0 && perm[k] > perm[k + 1])
                k--;
            if (k < 0)
                break;
            int l = N - 1;
            while (perm[l] < perm[k])
                l--;
            int tmp = perm[k];
            perm[k] = perm[l];
            perm[l] = tmp;
            for (int a = k + 1, b = N - 1; a < b; a++, b--) {
                tmp = perm[a];
                perm[a] = perm[b];
                perm[b] = tmp;
            }
        }
        bole_assign_problem_t p = {N, N, cap, cap, edges, N * N};
        uint8_t opt[N * N], st[N * N];
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK_EQ_INT(bole_assign_stable(&p, st), 0);
        CHECK_NEAR(s_total(&p, opt), best, 1e-4);
        CHECK(s_total(&p, st) <= best + 1e-4);
        CHECK_EQ_UINT(s_blocking(&p, st), 0);
    }
}

static void test_medium_random(void)
{
    for (int round = 0; round < 5; round++) {
        size_t T = 300, B = 40, deg = 12;
        size_t m = T * deg;
        uint32_t *tcap = malloc(T * sizeof *tcap), *bcap = malloc(B * sizeof *bcap);
        bole_assign_edge_t *edges = malloc(m * sizeof *edges);
        uint8_t *opt = malloc(m), *st = malloc(m);
        REQUIRE(tcap && bcap && edges && opt && st);
        for (size_t t = 0; t < T; t++)
            tcap[t] = 1 + s_rand(5);
        for (size_t b = 0; b < B; b++)
            bcap[b] = 5 + s_rand(16);
        for (size_t e = 0; e < m; e++)
            edges[e] = (bole_assign_edge_t){(uint32_t)(e / deg), s_rand((uint32_t)B),
                                            (float)s_rand(100000) / 100000.0f};
        bole_assign_problem_t p = {T, B, tcap, bcap, edges, m};
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK_EQ_INT(bole_assign_stable(&p, st), 0);
        CHECK(bole_assign_feasible(&p, opt));
        CHECK(bole_assign_feasible(&p, st));
        CHECK(s_total(&p, opt) >= s_total(&p, st) - 1e-3);
        CHECK_EQ_UINT(bole_assign_blocking_pairs(&p, st), 0);
        CHECK_EQ_UINT(s_blocking(&p, st), 0);
        s_schedule_chosen(&p, opt);
        s_schedule_chosen(&p, st);
        free(tcap);
        free(bcap);
        free(edges);
        free(opt);
        free(st);
    }
}

/* Many tied and near-tied scores (the hard case for the optimal solver:
 * same-occupation booths score alike): a few levels, some 1e-6 apart. */
static float s_tied_score(void)
{
    static const float levels[] = {0.5f, 0.5f, 0.500001f, 0.7f, 0.700001f, 0.700002f, 0.9f};
    return levels[s_rand(sizeof levels / sizeof levels[0])];
}

static void test_tiny_tied(void)
{
    int optimal_ok = 0;
    for (int round = 0; round < 300; round++) {
        size_t T = 1 + s_rand(6), B = 1 + s_rand(4);
        uint32_t tcap[8], bcap[8];
        bole_assign_edge_t edges[16];
        for (size_t t = 0; t < T; t++)
            tcap[t] = 1 + s_rand(3);
        for (size_t b = 0; b < B; b++)
            bcap[b] = 1 + s_rand(3);
        size_t m = 4 + s_rand(10);
        for (size_t e = 0; e < m; e++)
            edges[e] = (bole_assign_edge_t){s_rand((uint32_t)T), s_rand((uint32_t)B),
                                            s_tied_score()};
        bole_assign_problem_t p = {T, B, tcap, bcap, edges, m};
        uint8_t opt[16], st[16];
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK_EQ_INT(bole_assign_stable(&p, st), 0);
        CHECK(bole_assign_feasible(&p, opt));
        double best = s_exhaustive(&p);
        CHECK_NEAR(s_total(&p, opt), best, 1e-7);
        CHECK(s_total(&p, opt) >= s_total(&p, st) - 1e-7);
        CHECK_EQ_UINT(s_blocking(&p, st), 0);
        optimal_ok += fabs(s_total(&p, opt) - best) <= 1e-7;
    }
    CHECK_EQ_INT(optimal_ok, 300);
}

/*
 * Optimality certificate, independent of the library: a b-matching has the
 * maximum total iff its residual network (source -> talent -> booth -> sink
 * plus a free sink -> source arc, costs = -score on the 1e-6 grid) has no
 * negative cycle. Bellman-Ford from a virtual root; returns 1 when a
 * negative cycle (an improvement) exists. Pairs must be distinct.
 */
static int s_has_improving_cycle(const bole_assign_problem_t *p, const uint8_t *chosen)
{
    size_t T = p->n_talents, B = p->n_booths, nv = T + B + 2, S = 0, K = T + B + 1;
    size_t max_arcs = 2 * (p->n_edges + T + B) + 2, na = 0;
    uint32_t *from = malloc(max_arcs * sizeof *from), *to = malloc(max_arcs * sizeof *to);
    int64_t *cost = malloc(max_arcs * sizeof *cost), *dist = calloc(nv, sizeof *dist);
    uint32_t *tu = calloc(T, sizeof *tu), *bu = calloc(B, sizeof *bu);
    REQUIRE(from && to && cost && dist && tu && bu);
    size_t flow = 0;
    for (size_t e = 0; e < p->n_edges; e++) {
        const bole_assign_edge_t *x = &p->edges[e];
        int64_t c = -llround((double)x->score * 1e6);
        uint32_t t = (uint32_t)(1 + x->talent), b = (uint32_t)(1 + T + x->booth);
        if (chosen[e]) {
            tu[x->talent]++, bu[x->booth]++, flow++;
            from[na] = b, to[na] = t, cost[na++] = -c;
        } else {
            from[na] = t, to[na] = b, cost[na++] = c;
        }
    }
    for (size_t t = 0; t < T; t++) {
        if (tu[t] < p->talent_cap[t])
            from[na] = (uint32_t)S, to[na] = (uint32_t)(1 + t), cost[na++] = 0;
        if (tu[t] > 0)
            from[na] = (uint32_t)(1 + t), to[na] = (uint32_t)S, cost[na++] = 0;
    }
    for (size_t b = 0; b < B; b++) {
        if (bu[b] < p->booth_cap[b])
            from[na] = (uint32_t)(1 + T + b), to[na] = (uint32_t)K, cost[na++] = 0;
        if (bu[b] > 0)
            from[na] = (uint32_t)K, to[na] = (uint32_t)(1 + T + b), cost[na++] = 0;
    }
    from[na] = (uint32_t)K, to[na] = (uint32_t)S, cost[na++] = 0;
    if (flow > 0)
        from[na] = (uint32_t)S, to[na] = (uint32_t)K, cost[na++] = 0;
    int relaxed = 1;
    for (size_t round = 0; round <= nv && relaxed; round++) {
        relaxed = 0;
        for (size_t a = 0; a < na; a++)
            if (dist[from[a]] + cost[a] < dist[to[a]]) {
                dist[to[a]] = dist[from[a]] + cost[a];
                relaxed = 1;
            }
    }
    free(from);
    free(to);
    free(cost);
    free(dist);
    free(tu);
    free(bu);
    return relaxed; /* Still relaxing after nv rounds: a negative cycle. */
}

/* Medium instances, distinct pairs, tied scores: the optimal answer has no
 * improving cycle; the check is shown able to fail on the stable answer
 * whenever that one is worse. */
static void test_medium_tied_certificate(void)
{
    int stable_worse = 0;
    for (int round = 0; round < 8; round++) {
        size_t T = 250, B = 30, deg = 10;
        size_t m = T * deg;
        uint32_t *tcap = malloc(T * sizeof *tcap), *bcap = malloc(B * sizeof *bcap);
        bole_assign_edge_t *edges = malloc(m * sizeof *edges);
        uint8_t *opt = malloc(m), *st = malloc(m), *seen = malloc(B);
        REQUIRE(tcap && bcap && edges && opt && st && seen);
        for (size_t t = 0; t < T; t++)
            tcap[t] = 1 + s_rand(5);
        for (size_t b = 0; b < B; b++)
            bcap[b] = 5 + s_rand(16);
        for (size_t t = 0; t < T; t++) {
            memset(seen, 0, B);
            for (size_t k = 0; k < deg; k++) {
                uint32_t b;
                do
                    b = s_rand((uint32_t)B);
                while (seen[b]);
                seen[b] = 1;
                float sc = round % 2 ? s_tied_score() : (float)s_rand(100000) / 100000.0f + 1e-5f;
                edges[t * deg + k] = (bole_assign_edge_t){(uint32_t)t, b, sc};
            }
        }
        bole_assign_problem_t p = {T, B, tcap, bcap, edges, m};
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK_EQ_INT(bole_assign_stable(&p, st), 0);
        CHECK(bole_assign_feasible(&p, opt));
        CHECK(!s_has_improving_cycle(&p, opt));
        if (s_total(&p, st) < s_total(&p, opt) - 1e-5) {
            stable_worse++;
            CHECK(s_has_improving_cycle(&p, st));
        }
        free(tcap);
        free(bcap);
        free(edges);
        free(opt);
        free(st);
        free(seen);
    }
    CHECK(stable_worse > 0); /* Otherwise the certificate was never put to the test. */
}

/* Huge scores coarsen the cost grid instead of overflowing the prices. */
static void test_huge_scores(void)
{
    for (int round = 0; round < 50; round++) {
        size_t T = 1 + s_rand(5), B = 1 + s_rand(4);
        uint32_t tcap[8], bcap[8];
        bole_assign_edge_t edges[12];
        for (size_t t = 0; t < T; t++)
            tcap[t] = 1 + s_rand(2);
        for (size_t b = 0; b < B; b++)
            bcap[b] = 1 + s_rand(2);
        size_t m = 1 + s_rand(12);
        for (size_t e = 0; e < m; e++)
            edges[e] = (bole_assign_edge_t){s_rand((uint32_t)T), s_rand((uint32_t)B),
                                            (float)(1 + s_rand(20)) * 1e11f};
        bole_assign_problem_t p = {T, B, tcap, bcap, edges, m};
        uint8_t opt[12];
        CHECK_EQ_INT(bole_assign_optimal(&p, opt), 0);
        CHECK(bole_assign_feasible(&p, opt));
        CHECK_NEAR(s_total(&p, opt) / 1e11, s_exhaustive(&p) / 1e11, 1e-6);
    }
}

static void test_schedule_edges(void)
{
    uint32_t slot[4], n_slots = 7;
    CHECK_EQ_INT(bole_assign_schedule(3, 3, 0, NULL, NULL, NULL, slot, &n_slots), 0);
    CHECK_EQ_UINT(n_slots, 0);
    uint32_t tl[3] = {0, 0, 5}, bl[3] = {0, 1, 0};
    CHECK_EQ_INT(bole_assign_schedule(3, 3, 3, tl, bl, NULL, slot, &n_slots), -1);
    /* A repeated pair gets two different slots. */
    uint32_t t2[3] = {0, 0, 1}, b2[3] = {0, 0, 0};
    s_check_schedule(2, 1, 3, t2, b2, NULL);
    /* Random dense bipartite multigraph-free pair sets. */
    for (int round = 0; round < 30; round++) {
        size_t T = 1 + s_rand(30), B = 1 + s_rand(12), n = 0;
        uint32_t *tl2 = malloc(T * B * sizeof *tl2), *bl2 = malloc(T * B * sizeof *bl2);
        float *sc = malloc(T * B * sizeof *sc);
        REQUIRE(tl2 && bl2 && sc);
        for (size_t t = 0; t < T; t++)
            for (size_t b = 0; b < B; b++)
                if (s_rand(3) == 0) {
                    tl2[n] = (uint32_t)t;
                    bl2[n] = (uint32_t)b;
                    sc[n++] = (float)s_rand(100) / 100.0f;
                }
        s_check_schedule(T, B, n, tl2, bl2, sc);
        free(tl2);
        free(bl2);
        free(sc);
    }
}

int main(void)
{
    test_tiny_random();
    test_assignment_permutations();
    test_medium_random();
    test_tiny_tied();
    test_medium_tied_certificate();
    test_huge_scores();
    test_schedule_edges();
    return check_summary();
}
