/* test_trend.c - trend bucketing, the deltas of changes, and the per-key
 * cumulative table, against a hand-computed example and a brute-force
 * recount of a random history; the table's snapshot blob. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../daemon/trend.h"

#define DAY 86400000LL
/* 2024-01-01T00:00:00Z, a Monday. */
#define JAN1 1704067200000LL

static bole_intern_t *s_names;

static int s_sink(void *ctx, const bole_store_trend_delta_t *d)
{
    return bole_trend_add(ctx, d);
}

typedef struct {
    int n, python;
} count_t;
static int s_count(void *ctx, const bole_store_trend_delta_t *d)
{
    count_t *c = ctx;
    c->n++;
    if (strcmp(d->key, "python") == 0)
        c->python++;
    return 0;
}

static bole_talent_skill_t s_tsk[8][4];
static bole_need_skill_t s_nsk[8][4];

static bole_talent_rec_t s_talent(int slot, const char *s1, const char *s2, int availability,
                                  int64_t at)
{
    bole_talent_rec_t t;
    memset(&t, 0, sizeof t);
    t.occupation = "Engineer";
    t.zone = bole_intern_add(s_names, "Pudong");
    t.availability = availability;
    t.updated_at = at;
    t.skills = s_tsk[slot];
    t.skills[0].skill = bole_intern_add(s_names, s1);
    t.n_skills = 1;
    if (s2) {
        t.skills[1].skill = bole_intern_add(s_names, s2);
        t.n_skills = 2;
    }
    return t;
}

static bole_need_rec_t s_need(int slot, const char *skill, uint32_t headcount, int closed,
                              int64_t expires, int64_t at)
{
    bole_need_rec_t n;
    memset(&n, 0, sizeof n);
    n.title = "Developer";
    n.zone = bole_intern_add(s_names, "Pudong");
    n.industry = bole_intern_add(s_names, "Software");
    n.skills = s_nsk[slot];
    n.skills[0].skill = bole_intern_add(s_names, skill);
    n.n_skills = 1;
    n.headcount = headcount;
    n.closed = closed;
    n.expires_at = expires;
    n.updated_at = at;
    return n;
}

static void test_bucketing(void)
{
    CHECK_EQ_INT(bole_trend_day(JAN1), 19723);
    CHECK_EQ_INT(bole_trend_day(-1), -1);
    CHECK_EQ_INT(bole_trend_day(0), 0);
    /* Day periods. */
    CHECK_EQ_INT(bole_trend_period(1, JAN1 + DAY - 1), 19723);
    /* ISO weeks start on Monday: 2023-12-31 (Sunday) is in the week before. */
    int64_t w = bole_trend_period(2, JAN1);
    CHECK_EQ_INT(bole_trend_period_first_day(2, w), 19723);
    CHECK_EQ_INT(bole_trend_period_last_day(2, w), 19729);
    CHECK_EQ_INT(bole_trend_period(2, JAN1 - 1), w - 1);
    CHECK_EQ_INT(bole_trend_period(2, JAN1 + 7 * DAY - 1), w);
    /* 1970-01-01 (Thursday) is in the week of Monday 1969-12-29. */
    CHECK_EQ_INT(bole_trend_period_first_day(2, bole_trend_period(2, 0)), -3);
    /* Year end: Thu 2020-12-31 and Sun 2021-01-03 share ISO week 2020-W53. */
    CHECK_EQ_INT(bole_trend_period(2, 1609372800000LL), bole_trend_period(2, 1609632000000LL));
    CHECK_EQ_INT(bole_trend_period(2, 1609372800000LL) + 1,
                 bole_trend_period(2, 1609718400000LL)); /* Mon 2021-01-04. */
    /* Months (2024 is a leap year). */
    int64_t feb = bole_trend_period(3, JAN1 + 45 * DAY); /* 2024-02-15 */
    CHECK_EQ_INT(feb, 2024 * 12 + 1);
    CHECK_EQ_INT(bole_trend_period_first_day(3, feb), 19754);
    CHECK_EQ_INT(bole_trend_period_last_day(3, feb), 19782);
    CHECK_EQ_INT(bole_trend_period_first_day(3, 2023 * 12 + 11), 19692); /* 2023-12-01 */
    CHECK_EQ_INT(bole_trend_period(3, JAN1 - 1), 2023 * 12 + 11);
    CHECK_EQ_INT(bole_trend_period_first_day(3, 1970 * 12), 0);
    CHECK_EQ_INT(bole_trend_period_last_day(3, 1969 * 12 + 11), -1);
}

/* Value of key in the answer's series at period index p. */
static const Bole__TrendPoint *s_point(const Bole__TrendsResponse *r, const char *key, size_t p)
{
    for (size_t i = 0; i < r->n_series; i++)
        if (strcmp(r->series[i]->key, key) == 0 && p < r->series[i]->n_points)
            return r->series[i]->points[p];
    return NULL;
}

static void s_expect(const Bole__TrendsResponse *r, const char *key, const int *supply,
                     const int *demand, size_t n)
{
    for (size_t p = 0; p < n; p++) {
        const Bole__TrendPoint *pt = s_point(r, key, p);
        CHECK_NOT_NULL(pt);
        if (!pt)
            return;
        if (pt->supply != supply[p] || pt->demand != demand[p])
            fprintf(stderr, "key %s period %zu\n", key, p);
        CHECK_EQ_INT(pt->supply, supply[p]);
        CHECK_EQ_INT(pt->demand, demand[p]);
    }
}

/* Weeks W0..W3 from Monday 2024-01-01. */
static void test_example(void)
{
    bole_trend_t *t = bole_trend_new();
    REQUIRE(t != NULL);
    enum { OPEN = 1, UNAVAILABLE = 3 };
    bole_talent_rec_t t1 = s_talent(0, "c", "python", OPEN, JAN1 + 1 * DAY);
    bole_talent_rec_t t2 = s_talent(1, "python", NULL, UNAVAILABLE, JAN1 + 2 * DAY);
    bole_need_rec_t n1 = s_need(0, "python", 3, 0, 0, JAN1 + 3 * DAY);
    CHECK_EQ_INT(bole_trend_talent_change(s_names, NULL, &t1, t1.updated_at, s_sink, t), 0);
    CHECK_EQ_INT(bole_trend_talent_change(s_names, NULL, &t2, t2.updated_at, s_sink, t), 0);
    CHECK_EQ_INT(bole_trend_need_change(s_names, NULL, &n1, n1.updated_at, s_sink, t), 0);
    /* W1: T1 drops c and adds rust (python stays: netted, no python delta);
     * T2 becomes available. */
    bole_talent_rec_t t1b = s_talent(2, "python", "rust", OPEN, JAN1 + 8 * DAY);
    count_t c = {0, 0};
    bole_trend_talent_change(s_names, &t1, &t1b, t1b.updated_at, s_count, &c);
    CHECK_EQ_INT(c.python, 0);
    CHECK_EQ_INT(c.n, 2); /* -c, +rust. */
    bole_trend_talent_change(s_names, &t1, &t1b, t1b.updated_at, s_sink, t);
    bole_talent_rec_t t2b = s_talent(3, "python", NULL, OPEN, JAN1 + 9 * DAY);
    bole_trend_talent_change(s_names, &t2, &t2b, t2b.updated_at, s_sink, t);
    /* W2: N1 closed on Tuesday; N2 opens Monday and expires Saturday. */
    bole_need_rec_t n1b = s_need(1, "python", 3, 1, 0, JAN1 + 15 * DAY);
    bole_trend_need_change(s_names, &n1, &n1b, n1b.updated_at, s_sink, t);
    bole_need_rec_t n2 = s_need(2, "rust", 2, 0, JAN1 + 19 * DAY, JAN1 + 14 * DAY);
    bole_trend_need_change(s_names, NULL, &n2, n2.updated_at, s_sink, t);
    /* W3: T1 deleted; N3 opens, expiring after W3. */
    bole_trend_talent_change(s_names, &t1b, NULL, JAN1 + 22 * DAY, s_sink, t);
    bole_need_rec_t n3 = s_need(3, "rust", 1, 0, JAN1 + 31 * DAY, JAN1 + 21 * DAY);
    bole_trend_need_change(s_names, NULL, &n3, n3.updated_at, s_sink, t);

    Bole__TrendsRequest req = BOLE__TRENDS_REQUEST__INIT;
    req.dimension = BOLE__TREND_DIMENSION__TREND_SKILL;
    req.window = BOLE__TREND_WINDOW__TREND_WEEK;
    req.from = JAN1;
    req.to = JAN1 + 27 * DAY;
    bole_arena_t arena;
    bole_arena_init(&arena, 0);
    bole_trend_query_t q;
    char err[256];
    REQUIRE(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err) == BOLE_OK);
    CHECK_EQ_INT(q.to_period - q.from_period, 3);
    Bole__TrendsResponse *r = NULL;
    REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
    CHECK_EQ_UINT(r->n_series, 3);
    static const int py_s[] = {1, 2, 2, 1}, py_d[] = {3, 3, 0, 0};
    static const int c_s[] = {1, 0, 0, 0}, c_d[] = {0, 0, 0, 0};
    static const int ru_s[] = {0, 1, 1, 0}, ru_d[] = {0, 0, 0, 1};
    s_expect(r, "python", py_s, py_d, 4);
    s_expect(r, "c", c_s, c_d, 4);
    s_expect(r, "rust", ru_s, ru_d, 4);
    const Bole__TrendPoint *p0 = s_point(r, "python", 0);
    if (p0) {
        CHECK_NEAR(p0->gap_ratio, 2.0, 1e-12);
        CHECK_EQ_INT(p0->period_start, JAN1);
    }
    const Bole__TrendPoint *p1 = s_point(r, "python", 1);
    if (p1)
        CHECK_NEAR(p1->gap_ratio, 0.5, 1e-12);
    /* Shortages in W3: rust (1 - 0)/1 = 1; surpluses: python -1; movers:
     * python 2 -> -1 (change -3) first. */
    REQUIRE(r->n_shortages >= 1);
    CHECK_EQ_STR(r->shortages[0]->key, "rust");
    CHECK_NEAR(r->shortages[0]->gap_ratio, 1.0, 1e-12);
    REQUIRE(r->n_surpluses >= 1);
    CHECK_EQ_STR(r->surpluses[0]->key, "python");
    REQUIRE(r->n_movers >= 1);
    CHECK_EQ_STR(r->movers[0]->key, "python");
    CHECK_NEAR(r->movers[0]->change, -3.0, 1e-12);

    /* Days: N2 counts through Friday Jan 19 and not at the end of Saturday Jan 20. */
    req.window = BOLE__TREND_WINDOW__TREND_DAY;
    req.from = JAN1 + 18 * DAY;
    req.to = JAN1 + 19 * DAY;
    const char *keys[] = {"Rust"};
    req.keys = (char **)keys;
    req.n_keys = 1;
    REQUIRE(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err) == BOLE_OK);
    REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
    static const int d_s[] = {1, 1}, d_d[] = {2, 0};
    s_expect(r, "rust", d_s, d_d, 2);

    /* Months: January ends with python supply 1, rust demand 1. */
    req.window = BOLE__TREND_WINDOW__TREND_MONTH;
    req.from = JAN1;
    req.to = JAN1 + 40 * DAY;
    req.n_keys = 0;
    REQUIRE(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err) == BOLE_OK);
    REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
    static const int m_s[] = {0, 0}, m_d[] = {1, 0}; /* rust: N3 expires Feb 1. */
    s_expect(r, "rust", m_s, m_d, 2);
    static const int mp_s[] = {1, 1}, mp_d[] = {0, 0};
    s_expect(r, "python", mp_s, mp_d, 2);

    /* Industry and zone dimensions came along. */
    req.dimension = BOLE__TREND_DIMENSION__TREND_ZONE;
    req.window = BOLE__TREND_WINDOW__TREND_WEEK;
    req.to = JAN1 + 27 * DAY;
    REQUIRE(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err) == BOLE_OK);
    REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
    static const int z_s[] = {1, 2, 2, 1}, z_d[] = {3, 3, 0, 1};
    s_expect(r, "pudong", z_s, z_d, 4);
    bole_arena_free(&arena);
    bole_trend_destroy(&t);
    CHECK_NULL(t);
}

static void test_bad_queries(void)
{
    bole_arena_t arena;
    bole_arena_init(&arena, 0);
    bole_trend_query_t q;
    char err[256];
    Bole__TrendsRequest req = BOLE__TRENDS_REQUEST__INIT;
    req.dimension = 9;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "dimension");
    req.dimension = 1;
    req.window = 7;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "window");
    req.window = 1;
    req.from = JAN1 + DAY;
    req.to = JAN1;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "after");
    req.from = 0;
    req.to = -5;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    req.from = JAN1 - 5000 * DAY;
    req.to = JAN1;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "periods");
    req.from = JAN1;
    req.top = 100000;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    req.top = 0;
    CHECK_EQ_INT(bole_trend_query_parse(&req, JAN1, &arena, &q, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(q.top, 10);
    bole_arena_free(&arena);
}

/* Random history vs a brute-force recount of every version's interval. */
typedef struct {
    int64_t start, end;   /* Version valid on [start, end). */
    int mask;             /* Skills held (bit i = skill i). */
    int64_t weight;       /* Supply 1/0, or headcount (0 when closed). */
    int need;
} version_t;

static void test_random(void)
{
    static const char *skills[] = {"s0", "s1", "s2", "s3", "s4"};
    enum { TALENTS = 12, NEEDS = 8, OPS = 400 };
    bole_talent_rec_t talents[TALENTS];
    bole_need_rec_t needs[NEEDS];
    int t_live[TALENTS] = {0}, n_live[NEEDS] = {0};
    static bole_talent_skill_t tsk[TALENTS][5];
    static bole_need_skill_t nsk[NEEDS][5];
    version_t *v = calloc(OPS + 1, sizeof *v);
    int open_v[TALENTS + NEEDS];
    for (int i = 0; i < TALENTS + NEEDS; i++)
        open_v[i] = -1;
    size_t nv = 0;
    bole_trend_t *t = bole_trend_new();
    REQUIRE(t && v);
    srand(7);
    int64_t now = JAN1;
    for (int op = 0; op < OPS; op++) {
        now += (rand() % 20) * 3600000LL;
        int who = rand() % (TALENTS + NEEDS);
        int del = rand() % 6 == 0;
        int mask = 1 + rand() % 31;
        if (open_v[who] >= 0) {
            version_t *o = &v[open_v[who]];
            if (o->end > now)
                o->end = now;
            open_v[who] = -1;
        }
        if (who < TALENTS) {
            static bole_talent_skill_t ttmp[5];
            bole_talent_rec_t nt;
            memset(&nt, 0, sizeof nt);
            nt.occupation = "";
            nt.skills = ttmp;
            for (int s = 0; s < 5; s++)
                if (mask & (1 << s))
                    nt.skills[nt.n_skills++].skill = bole_intern_add(s_names, skills[s]);
            nt.availability = 1 + rand() % 3;
            nt.updated_at = now;
            if (del && !t_live[who])
                del = 0;
            bole_trend_talent_change(s_names, t_live[who] ? &talents[who] : NULL,
                                     del ? NULL : &nt, now, s_sink, t);
            if (del) {
                t_live[who] = 0;
                continue;
            }
            /* The old record's skills stay intact until the change was emitted. */
            memcpy(tsk[who], ttmp, sizeof ttmp);
            nt.skills = tsk[who];
            talents[who] = nt;
            t_live[who] = 1;
            v[nv] = (version_t){now, INT64_MAX, mask, nt.availability == 3 ? 0 : 1, 0};
        } else {
            int k = who - TALENTS;
            static bole_need_skill_t tmp[5];
            bole_need_rec_t nn;
            memset(&nn, 0, sizeof nn);
            nn.title = "";
            nn.skills = tmp;
            for (int s = 0; s < 5; s++)
                if (mask & (1 << s))
                    nn.skills[nn.n_skills++].skill = bole_intern_add(s_names, skills[s]);
            nn.headcount = 1 + (uint32_t)(rand() % 4);
            nn.closed = rand() % 4 == 0;
            nn.expires_at = rand() % 2 ? 0 : now + (rand() % 200 - 20) * 3600000LL;
            nn.updated_at = now;
            if (del && !n_live[k])
                del = 0;
            bole_trend_need_change(s_names, n_live[k] ? &needs[k] : NULL, del ? NULL : &nn,
                                   now, s_sink, t);
            if (del) {
                n_live[k] = 0;
                continue;
            }
            memcpy(nsk[k], tmp, sizeof tmp);
            nn.skills = nsk[k];
            needs[k] = nn;
            n_live[k] = 1;
            v[nv] = (version_t){now, nn.expires_at ? nn.expires_at : INT64_MAX, mask,
                                nn.closed ? 0 : nn.headcount, 1};
            if (v[nv].end < v[nv].start)
                v[nv].end = v[nv].start;
        }
        open_v[who] = (int)nv++;
    }
    bole_arena_t arena;
    bole_arena_init(&arena, 0);
    Bole__TrendsRequest req = BOLE__TRENDS_REQUEST__INIT;
    req.dimension = BOLE__TREND_DIMENSION__TREND_SKILL;
    req.window = BOLE__TREND_WINDOW__TREND_DAY;
    req.from = JAN1 - 2 * DAY;
    req.to = now + 10 * DAY;
    req.keys = (char **)skills;
    req.n_keys = 5;
    bole_trend_query_t q;
    char err[256];
    REQUIRE(bole_trend_query_parse(&req, now, &arena, &q, err, sizeof err) == BOLE_OK);
    Bole__TrendsResponse *r = NULL;
    REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
    REQUIRE(r->n_series == 5);
    int bad = 0;
    for (int s = 0; s < 5; s++) {
        for (size_t p = 0; p < r->series[s]->n_points; p++) {
            int64_t day = q.from_period + (int64_t)p;
            int64_t x = (day + 1) * DAY - 1; /* Last instant of the day. */
            int64_t sup = 0, dem = 0;
            for (size_t i = 0; i < nv; i++)
                if ((v[i].mask & (1 << s)) && v[i].start <= x && x < v[i].end)
                    *(v[i].need ? &dem : &sup) += v[i].weight;
            if (r->series[s]->points[p]->supply != sup || r->series[s]->points[p]->demand != dem)
                if (bad++ == 0)
                    fprintf(stderr, "first mismatch: skill s%d day %lld: supply %g vs %lld, "
                            "demand %g vs %lld\n", s, (long long)day,
                            r->series[s]->points[p]->supply, (long long)sup,
                            r->series[s]->points[p]->demand, (long long)dem);
        }
    }
    CHECK_EQ_INT(bad, 0);
    bole_arena_free(&arena);
    bole_trend_destroy(&t);
    free(v);
}

/* The level of every key of every dimension on every day, from queries. */
static char *s_levels(bole_trend_t *t, const char *const *keys, size_t n_keys)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    REQUIRE(out);
    out[0] = '\0';
    for (int dim = 1; dim <= 4; dim++) {
        bole_arena_t arena;
        bole_arena_init(&arena, 0);
        bole_trend_query_t q = {
            .dimension = dim,
            .window = BOLE__TREND_WINDOW__TREND_DAY,
            .from_period = bole_trend_day(JAN1) - 1,
            .to_period = bole_trend_day(JAN1) + 70,
            .keys = keys,
            .n_keys = n_keys,
            .top = 10,
        };
        Bole__TrendsResponse *r = NULL;
        REQUIRE(bole_trend_query(t, &q, &arena, &r) == BOLE_OK);
        for (size_t i = 0; i < r->n_series; i++)
            for (size_t p = 0; p < r->series[i]->n_points; p++) {
                if (cap - len < 128) {
                    cap *= 2;
                    out = realloc(out, cap);
                    REQUIRE(out);
                }
                len += (size_t)snprintf(out + len, cap - len, "%d %s %lld %g %g\n", dim,
                                        r->series[i]->key,
                                        (long long)r->series[i]->points[p]->period_start,
                                        r->series[i]->points[p]->supply,
                                        r->series[i]->points[p]->demand);
            }
        bole_arena_free(&arena);
    }
    return out;
}

/* The snapshot blob: a round trip gives the same levels; every flipped
 * byte and every truncation is refused and leaves the table empty. */
static void test_snapshot_codec(void)
{
    static const char *keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    bole_trend_t *t = bole_trend_new();
    REQUIRE(t);
    srand(11);
    for (int i = 0; i < 600; i++) {
        bole_store_trend_delta_t d = {
            .dimension = 1 + rand() % 4,
            .key = keys[rand() % 8],
            .zone = "",
            .industries = ",",
            .at = JAN1 + (int64_t)(rand() % 60) * DAY + rand() % 1000,
            .supply = rand() % 5 - 2,
            .demand = rand() % 7 - 3,
        };
        REQUIRE(bole_trend_add(t, &d) == 0);
    }
    void *blob = NULL;
    size_t len = 0;
    REQUIRE(bole_trend_snapshot_encode(t, 4242, 0x1234567890ULL, &blob, &len) == BOLE_OK);
    CHECK(len > 1000);
    bole_trend_t *u = bole_trend_new();
    REQUIRE(u);
    int64_t upto = 0;
    uint64_t print = 0;
    char why[128];
    CHECK_EQ_INT(bole_trend_snapshot_decode(u, blob, len, &upto, &print, why, sizeof why), 0);
    CHECK_EQ_INT(upto, 4242);
    CHECK(print == 0x1234567890ULL);
    char *a = s_levels(t, keys, 8), *b = s_levels(u, keys, 8);
    CHECK(strlen(a) > 1000);
    CHECK_EQ_STR(a, b);
    size_t k0, e0, k1, e1;
    bole_trend_size(t, &k0, &e0);
    bole_trend_size(u, &k1, &e1);
    CHECK_EQ_UINT(k0, k1);
    CHECK_EQ_UINT(e0, e1);
    free(b);
    unsigned char *bad = malloc(len);
    REQUIRE(bad);
    int accepted = 0, nonempty = 0;
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, blob, len);
        bad[i] ^= (unsigned char)(1u << (i % 8));
        accepted += bole_trend_snapshot_decode(u, bad, len, &upto, &print, why,
                                               sizeof why) == 0;
        bole_trend_size(u, &k1, &e1);
        nonempty += k1 != 0;
    }
    for (size_t n = 0; n < len; n++) {
        accepted += bole_trend_snapshot_decode(u, blob, n, &upto, &print, why, sizeof why) == 0;
        bole_trend_size(u, &k1, &e1);
        nonempty += k1 != 0;
    }
    CHECK_EQ_INT(accepted, 0);
    CHECK_EQ_INT(nonempty, 0);
    /* A failed decode left u empty; a good one fills it again. */
    CHECK_EQ_INT(bole_trend_snapshot_decode(u, blob, len, &upto, &print, why, sizeof why), 0);
    b = s_levels(u, keys, 8);
    CHECK_EQ_STR(a, b);
    free(a);
    free(b);
    free(bad);
    free(blob);
    bole_trend_destroy(&u);
    bole_trend_destroy(&t);
}

int main(void)
{
    s_names = bole_intern_new();
    REQUIRE(s_names != NULL);
    test_bucketing();
    test_example();
    test_bad_queries();
    test_random();
    test_snapshot_codec();
    bole_intern_destroy(&s_names);
    return check_summary();
}
