/* test_trends.c - Trends against hand-computed numbers: talents and needs
 * put with explicit updated_at in past weeks, a filtered query, the answer
 * after a restart, and bad input (status and no state change). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "integration/harness.h"

#define DAY 86400000LL
#define JAN1 1704067200000LL /* Monday 2024-01-01T00:00Z. */

static bole_client_t *s_c;

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);
    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

/* A talent message; its skills and industries live in *buf. */
typedef struct {
    Bole__Talent t;
    Bole__Skill a, b;
    Bole__Skill *sk[2];
    char *inds[1];
} talent_buf_t;

static Bole__Talent *s_talent_msg(talent_buf_t *buf, const char *id, const char *zone,
                                  const char *s1, const char *s2, int availability, int64_t at)
{
    bole__skill__init(&buf->a);
    bole__skill__init(&buf->b);
    buf->sk[0] = &buf->a;
    buf->sk[1] = &buf->b;
    buf->a.name = (char *)s1;
    buf->b.name = (char *)s2;
    buf->inds[0] = "Software";
    Bole__Talent *t = &buf->t;
    bole__talent__init(t);
    t->external_id = (char *)id;
    t->zone = (char *)zone;
    t->occupation = "Engineer";
    t->skills = buf->sk;
    t->n_skills = s2 ? 2 : 1;
    t->industries = buf->inds;
    t->n_industries = 1;
    t->availability = availability;
    t->updated_at = at;
    return t;
}

static void s_talent(const char *id, const char *zone, const char *s1, const char *s2,
                     int availability, int64_t at)
{
    talent_buf_t buf;
    Bole__PutTalentRequest body = BOLE__PUT_TALENT_REQUEST__INIT;
    body.talent = s_talent_msg(&buf, id, zone, s1, s2, availability, at);
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &body;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->status)
        fprintf(stderr, "put %s: %s\n", id, r->error);
    bole_response_free(r);
}

static void s_need(const char *id, const char *zone, const char *skill, uint32_t headcount,
                   int closed, int64_t expires, int64_t at)
{
    Bole__NeedSkill a = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *sk[] = {&a};
    a.name = (char *)skill;
    a.must_have = 1;
    Bole__Need n = BOLE__NEED__INIT;
    n.external_id = (char *)id;
    n.organisation = "Acme";
    n.zone = (char *)zone;
    n.industry = "Software";
    n.title = "Developer";
    n.skills = sk;
    n.n_skills = 1;
    n.headcount = headcount;
    n.closed = closed;
    n.expires_at = expires;
    n.updated_at = at;
    Bole__PutNeedRequest body = BOLE__PUT_NEED_REQUEST__INIT;
    body.need = &n;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &body;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->status)
        fprintf(stderr, "put %s: %s\n", id, r->error);
    bole_response_free(r);
}

static Bole__Response *s_trends(int dimension, int window, int64_t from, int64_t to,
                                const char *zone, const char *key)
{
    Bole__TrendsRequest t = BOLE__TRENDS_REQUEST__INIT;
    t.dimension = dimension;
    t.window = window;
    t.from = from;
    t.to = to;
    char *zones[] = {(char *)zone};
    char *keys[] = {(char *)key};
    if (zone) {
        t.zones = zones;
        t.n_zones = 1;
    }
    if (key) {
        t.keys = keys;
        t.n_keys = 1;
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_TRENDS;
    req.trends = &t;
    return s_call(&req);
}

/* key's supply and demand in week w (0..3 from JAN1; -1: the current
 * week, "now"), all zones. */
static void s_week(const char *key, int w, int64_t *supply, int64_t *demand)
{
    Bole__Response *r = w < 0 ? s_trends(1, 2, 0, 0, NULL, key)
                              : s_trends(1, 2, JAN1, JAN1 + 27 * DAY, NULL, key);
    REQUIRE(r->status == 0 && r->trends->n_series == 1);
    const Bole__TrendSeries *s = r->trends->series[0];
    size_t p = w < 0 ? s->n_points - 1 : (size_t)w;
    REQUIRE(p < s->n_points);
    *supply = s->points[p]->supply;
    *demand = s->points[p]->demand;
    bole_response_free(r);
}

static void s_expect_week(const char *key, int w, int64_t supply, const char *when)
{
    int64_t s = -1, d = -1;
    s_week(key, w, &s, &d);
    if (s != supply)
        fprintf(stderr, "%s: %s supply in week %d is %lld, expected %lld\n", when, key, w,
                (long long)s, (long long)supply);
    CHECK_EQ_INT(s, supply);
}

/* Checks key's weekly series W0..W3 in r. */
static void s_expect(const Bole__Response *r, const char *key, const int *s, const int *d)
{
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->body_case == BOLE__RESPONSE__BODY_TRENDS);
    const Bole__TrendSeries *series = NULL;
    for (size_t i = 0; i < r->trends->n_series; i++)
        if (strcmp(r->trends->series[i]->key, key) == 0)
            series = r->trends->series[i];
    CHECK_NOT_NULL(series);
    if (!series)
        return;
    CHECK_EQ_UINT(series->n_points, 4);
    for (size_t p = 0; p < 4 && p < series->n_points; p++) {
        CHECK_EQ_INT(series->points[p]->period_start, JAN1 + (int64_t)p * 7 * DAY);
        CHECK_EQ_INT(series->points[p]->supply, s[p]);
        CHECK_EQ_INT(series->points[p]->demand, d[p]);
    }
}

static void s_check_history(const char *when)
{
    fprintf(stderr, "checking history (%s)\n", when);
    static const int py_s[] = {1, 2, 2, 2}, py_d[] = {3, 3, 0, 0};
    static const int ru_s[] = {0, 1, 1, 1}, ru_d[] = {0, 0, 0, 0};
    static const int c_s[] = {1, 0, 0, 0}, c_d[] = {0, 0, 0, 0};
    Bole__Response *r = s_trends(1, 2, JAN1, JAN1 + 27 * DAY, NULL, NULL);
    s_expect(r, "python", py_s, py_d);
    s_expect(r, "rust", ru_s, ru_d);
    s_expect(r, "c", c_s, c_d);
    if (r->trends && r->trends->n_shortages) /* None in W3: demand is 0. */
        CHECK_EQ_UINT(r->trends->n_shortages, 0);
    REQUIRE(r->trends && r->trends->n_movers >= 1);
    CHECK_EQ_STR(r->trends->movers[0]->key, "python"); /* 2 -> -1. */
    CHECK_NEAR(r->trends->movers[0]->change, -3.0, 1e-9);
    bole_response_free(r);
    /* Zone filter (the recount path): only zone A. */
    static const int a_s[] = {1, 1, 1, 1}, a_d[] = {3, 3, 0, 0};
    r = s_trends(1, 2, JAN1, JAN1 + 27 * DAY, "Zone A", "Python");
    s_expect(r, "python", a_s, a_d);
    bole_response_free(r);
    /* Day window: N2 demands rust 2 through Jan 19 only. */
    r = s_trends(1, 1, JAN1 + 18 * DAY, JAN1 + 19 * DAY, NULL, "rust");
    REQUIRE(r->status == 0 && r->trends->n_series == 1 &&
            r->trends->series[0]->n_points == 2);
    CHECK_EQ_INT(r->trends->series[0]->points[0]->demand, 2);
    CHECK_EQ_INT(r->trends->series[0]->points[1]->demand, 0);
    bole_response_free(r);
}

static void s_bad(int dimension, int window, int64_t from, int64_t to, const char *what)
{
    Bole__Response *r = s_trends(dimension, window, from, to, NULL, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, what);
    bole_response_free(r);
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    s_c = harness_client(h, 10000);
    REQUIRE(s_c != NULL);
    enum { OPEN = 1, UNAVAILABLE = 3 };
    s_talent("T1", "Zone A", "python", "c", OPEN, JAN1 + 1 * DAY);
    s_talent("T2", "Zone B", "python", NULL, UNAVAILABLE, JAN1 + 2 * DAY);
    s_need("N1", "Zone A", "python", 3, 0, 0, JAN1 + 3 * DAY);
    s_talent("T1", "Zone A", "python", "rust", OPEN, JAN1 + 8 * DAY);
    s_talent("T2", "Zone B", "python", NULL, OPEN, JAN1 + 9 * DAY);
    s_need("N1", "Zone A", "python", 3, 1, 0, JAN1 + 15 * DAY); /* Closed mid-week. */
    s_need("N2", "Zone B", "rust", 2, 0, JAN1 + 19 * DAY, JAN1 + 14 * DAY);
    s_check_history("live");

    /* Bad input: clear status, and the answer afterwards is unchanged. */
    s_bad(0, 2, JAN1, JAN1 + DAY, "dimension");
    s_bad(77, 2, JAN1, JAN1 + DAY, "dimension");
    s_bad(1, 2, JAN1 + DAY, JAN1, "after");
    s_bad(1, 1, JAN1 - 4000 * DAY, JAN1, "periods");
    s_bad(1, 2, -1, JAN1, "between");
    {
        /* An out-of-range window enum: refused by the generic checks or by trends. */
        Bole__Response *r = s_trends(1, 9, JAN1, JAN1 + DAY, NULL, NULL);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        bole_response_free(r);
    }
    s_check_history("after bad input");

    /* A delete now: the current week loses T1; the past stays. */
    {
        Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
        b.id = "T1";
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_DELETE_TALENT;
        req.delete_talent = &b;
        Bole__Response *r = s_call(&req);
        CHECK_EQ_INT(r->status, 0);
        bole_response_free(r);
        r = s_trends(1, 2, 0, 0, NULL, "python");
        REQUIRE(r->status == 0 && r->trends->n_series == 1);
        const Bole__TrendSeries *s = r->trends->series[0];
        REQUIRE(s->n_points == 12); /* from 0: the last 12 periods. */
        CHECK_EQ_INT(s->points[11]->supply, 1);
        CHECK_EQ_INT(s->points[11]->demand, 0);
        bole_response_free(r);
    }
    s_check_history("after delete");

    /* The history survives a restart (stored deltas, reconciled). */
    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    REQUIRE(harness_restart(h) == 0);
    s_c = harness_client(h, 10000);
    REQUIRE(s_c != NULL);
    s_check_history("after restart");
    /* One bulk put writing T5 twice (python, then rust): the second item's
     * old version is the first, written in the same transaction (the
     * catalog does not have it yet), so python is not counted twice. */
    s_talent("T3", "Zone A", "python", NULL, OPEN, JAN1 + 22 * DAY);
    {
        talent_buf_t b1, b2;
        Bole__Talent *ts[] = {
            s_talent_msg(&b1, "T5", "Zone B", "python", NULL, OPEN, JAN1 + 23 * DAY),
            s_talent_msg(&b2, "T5", "Zone B", "rust", NULL, OPEN, JAN1 + 24 * DAY),
        };
        Bole__PutTalentsRequest body = BOLE__PUT_TALENTS_REQUEST__INIT;
        body.talents = ts;
        body.n_talents = 2;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &body;
        Bole__Response *r = s_call(&req);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
        bole_response_free(r);
    }
    /* Week 3: python T1 T2 T3 (T1's delete is dated now), rust T1 T5;
     * now: python T2 T3, rust T5. */
    const char *when = "after the bulk put";
    for (int pass = 0; pass < 2; pass++) {
        s_expect_week("python", 3, 3, when);
        s_expect_week("rust", 3, 2, when);
        s_expect_week("python", -1, 2, when);
        s_expect_week("rust", -1, 1, when);
        if (pass == 1)
            break;
        /* ... and after a kill -9 right after those writes: the deltas
         * were committed with them, each at its own time. */
        bole_client_destroy(&s_c);
        REQUIRE(harness_kill(h) == 0);
        REQUIRE(harness_restart(h) == 0);
        s_c = harness_client(h, 10000);
        REQUIRE(s_c != NULL);
        when = "after kill -9 and restart";
    }

    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
