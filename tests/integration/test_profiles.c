/* test_profiles.c — talents and needs against a real boled: put/get round
 * trips with every field, updates, deletes, close, validation (each bad
 * input gets INVALID_ARGUMENT naming the field and stores nothing),
 * portal-supplied vectors, and bulk puts (all or nothing). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "integration/harness.h"

#define DIM 128

static bole_client_t *s_c;

/* Send `req`; the transport must work. Returns the response (caller frees). */
static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);

    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static Bole__Response *s_put_talent(Bole__Talent *t)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;

    b.talent = t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    return s_call(&req);
}

static Bole__Response *s_put_need(Bole__Need *n)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;

    b.need = n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    return s_call(&req);
}

/* An IdRequest method: get/delete talent, get/close/delete need. */
static Bole__Response *s_id_op(Bole__Request__BodyCase bc, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;

    b.id = (char *)id;
    req.body_case = bc;
    switch (bc) {
    case BOLE__REQUEST__BODY_GET_TALENT:    req.get_talent = &b; break;
    case BOLE__REQUEST__BODY_DELETE_TALENT: req.delete_talent = &b; break;
    case BOLE__REQUEST__BODY_GET_NEED:      req.get_need = &b; break;
    case BOLE__REQUEST__BODY_CLOSE_NEED:    req.close_need = &b; break;
    case BOLE__REQUEST__BODY_DELETE_NEED:   req.delete_need = &b; break;
    default: REQUIRE(!"not an IdRequest method");
    }
    return s_call(&req);
}

/* Status of an IdRequest method, response freed. */
static int s_id_status(Bole__Request__BodyCase bc, const char *id)
{
    Bole__Response *r = s_id_op(bc, id);
    int st = (int)r->status;

    bole_response_free(r);
    return st;
}

static void s_stats(uint64_t *talents, uint64_t *needs)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r;

    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    r = s_call(&req);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->stats != NULL);
    *talents = r->stats->talents;
    *needs = r->stats->needs;
    bole_response_free(r);
}

/* A small valid talent: caller owns `sk` storage. */
typedef struct tb {
    Bole__Talent t;
    Bole__Skill sk[2];
    Bole__Skill *skp[2];
    char id[64];
} tb_t;

static void s_tb_init(tb_t *b, const char *id)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s = BOLE__SKILL__INIT;

    b->t = t;
    snprintf(b->id, sizeof b->id, "%s", id);
    b->t.external_id = b->id;
    b->t.zone = "A";
    b->t.occupation = "Welder";
    for (int i = 0; i < 2; i++) {
        b->sk[i] = s;
        b->skp[i] = &b->sk[i];
    }
    b->sk[0].name = "welding";
    b->sk[0].level = 4;
    b->sk[1].name = "blueprint reading";
    b->sk[1].level = 3;
    b->t.skills = b->skp;
    b->t.n_skills = 2;
    b->t.experience_years = 4;
}

static void test_round_trip(void)
{
    Bole__Skill s1 = BOLE__SKILL__INIT, s2 = BOLE__SKILL__INIT;
    Bole__Skill *sk[] = { &s1, &s2 };
    char *inds[] = { "software", "金融" };
    Bole__TalentCategory cats[] = { BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL,
                                    BOLE__TALENT_CATEGORY__CATEGORY_OVERSEAS_RETURNEE };
    char *pinds[] = { "software" };
    char *pzones[] = { "滨海新区", "B" };
    Bole__TalentPreferences pref = BOLE__TALENT_PREFERENCES__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Response *r;
    int64_t iid;

    s1.name = "Python"; s1.level = 4; s1.years = 3.5f;
    s2.name = "机器学习"; s2.level = 5; s2.years = 2.0f;
    pref.industries = pinds; pref.n_industries = 1;
    pref.zones = pzones; pref.n_zones = 2;
    pref.salary_floor = 20000;
    t.external_id = "T-张三";
    t.zone = "滨海新区";
    t.occupation = "数据科学家";
    t.skills = sk; t.n_skills = 2;
    t.industries = inds; t.n_industries = 2;
    t.experience_years = 5.5f;
    t.education = BOLE__EDUCATION__EDUCATION_MASTER;
    t.categories = cats; t.n_categories = 2;
    t.high_level_tier = 2;
    t.preferences = &pref;
    t.availability = BOLE__AVAILABILITY__AVAILABILITY_PASSIVE;
    t.summary = "擅长机器学习与数据分析，五年金融风控经验。";
    t.updated_at = 1700000000000LL;
    t.display_name = "张三";

    r = s_put_talent(&t);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_PUT_TALENT && r->put_talent != NULL);
    CHECK_EQ_STR(r->put_talent->external_id, "T-张三");
    CHECK(r->put_talent->created);
    CHECK_GT_INT(r->put_talent->internal_id, 0);
    CHECK_GT_INT(r->put_talent->seq, 0);
    iid = r->put_talent->internal_id;
    bole_response_free(r);

    r = s_id_op(BOLE__REQUEST__BODY_GET_TALENT, "T-张三");
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_TALENT && r->talent != NULL);
    {
        const Bole__Talent *g = r->talent;
        CHECK_EQ_STR(g->external_id, "T-张三");
        CHECK_EQ_INT(g->internal_id, iid);
        CHECK_EQ_STR(g->zone, "滨海新区");
        CHECK_EQ_STR(g->occupation, "数据科学家");
        REQUIRE(g->n_skills == 2);
        CHECK(strcasecmp(g->skills[0]->name, "python") == 0);
        CHECK_EQ_UINT(g->skills[0]->level, 4);
        CHECK_NEAR(g->skills[0]->years, 3.5, 1e-6);
        CHECK_EQ_STR(g->skills[1]->name, "机器学习");
        CHECK_EQ_UINT(g->skills[1]->level, 5);
        CHECK_NEAR(g->skills[1]->years, 2.0, 1e-6);
        REQUIRE(g->n_industries == 2);
        CHECK_EQ_STR(g->industries[0], "software");
        CHECK_EQ_STR(g->industries[1], "金融");
        CHECK_NEAR(g->experience_years, 5.5, 1e-6);
        CHECK_EQ_INT(g->education, BOLE__EDUCATION__EDUCATION_MASTER);
        REQUIRE(g->n_categories == 2);
        CHECK_EQ_INT(g->categories[0], BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL);
        CHECK_EQ_INT(g->categories[1], BOLE__TALENT_CATEGORY__CATEGORY_OVERSEAS_RETURNEE);
        CHECK_EQ_UINT(g->high_level_tier, 2);
        REQUIRE(g->preferences != NULL);
        REQUIRE(g->preferences->n_industries == 1 && g->preferences->n_zones == 2);
        CHECK_EQ_STR(g->preferences->industries[0], "software");
        CHECK_EQ_STR(g->preferences->zones[0], "滨海新区");
        CHECK_EQ_STR(g->preferences->zones[1], "B");
        CHECK_EQ_UINT(g->preferences->salary_floor, 20000);
        CHECK_EQ_INT(g->availability, BOLE__AVAILABILITY__AVAILABILITY_PASSIVE);
        CHECK_EQ_STR(g->summary, "擅长机器学习与数据分析，五年金融风控经验。");
        CHECK_EQ_INT(g->updated_at, 1700000000000LL);
        CHECK_EQ_STR(g->display_name, "张三");
    }
    bole_response_free(r);

    /* Update: same internal id, created=false, new values visible. */
    t.zone = "B";
    t.experience_years = 6.0f;
    r = s_put_talent(&t);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->put_talent != NULL);
    CHECK(!r->put_talent->created);
    CHECK_EQ_INT(r->put_talent->internal_id, iid);
    bole_response_free(r);
    r = s_id_op(BOLE__REQUEST__BODY_GET_TALENT, "T-张三");
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->talent != NULL);
    CHECK_EQ_STR(r->talent->zone, "B");
    CHECK_NEAR(r->talent->experience_years, 6.0, 1e-6);
    CHECK_EQ_INT(r->talent->internal_id, iid);
    bole_response_free(r);
}

static void test_need_round_trip(void)
{
    Bole__NeedSkill s1 = BOLE__NEED_SKILL__INIT, s2 = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *sk[] = { &s1, &s2 };
    Bole__TalentCategory pc[] = { BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL };
    Bole__Need n = BOLE__NEED__INIT;
    Bole__Response *r;
    int64_t iid;

    s1.name = "Python"; s1.must_have = 1; s1.min_level = 3; s1.importance = 1.0f;
    s2.name = "Kubernetes"; s2.must_have = 0; s2.min_level = 2; s2.importance = 0.5f;
    n.external_id = "N-岗位-1";
    n.organisation = "天津某科技有限公司";
    n.kind = BOLE__NEED_KIND__NEED_PROJECT_ROLE;
    n.zone = "滨海新区";
    n.industry = "software";
    n.title = "高级数据科学家";
    n.description = "负责机器学习平台建设与模型上线。";
    n.skills = sk; n.n_skills = 2;
    n.min_experience_years = 3; n.max_experience_years = 10;
    n.min_education = BOLE__EDUCATION__EDUCATION_BACHELOR;
    n.max_education = BOLE__EDUCATION__EDUCATION_DOCTORATE;
    n.headcount = 2;
    n.urgency = BOLE__URGENCY__URGENCY_HIGH;
    n.salary_min = 20000; n.salary_max = 40000;
    n.expires_at = 4102444800000LL;  /* 2100-01-01 */
    n.updated_at = 1700000000000LL;
    n.project_id = "P-1";
    n.preferred_categories = pc; n.n_preferred_categories = 1;

    r = s_put_need(&n);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_PUT_NEED && r->put_need != NULL);
    CHECK(r->put_need->created);
    iid = r->put_need->internal_id;
    CHECK_GT_INT(iid, 0);
    bole_response_free(r);

    r = s_id_op(BOLE__REQUEST__BODY_GET_NEED, "N-岗位-1");
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_NEED && r->need != NULL);
    {
        const Bole__Need *g = r->need;
        CHECK_EQ_STR(g->external_id, "N-岗位-1");
        CHECK_EQ_INT(g->internal_id, iid);
        CHECK_EQ_STR(g->organisation, "天津某科技有限公司");
        CHECK_EQ_INT(g->kind, BOLE__NEED_KIND__NEED_PROJECT_ROLE);
        CHECK_EQ_STR(g->zone, "滨海新区");
        CHECK_EQ_STR(g->industry, "software");
        CHECK_EQ_STR(g->title, "高级数据科学家");
        CHECK_EQ_STR(g->description, "负责机器学习平台建设与模型上线。");
        REQUIRE(g->n_skills == 2);
        CHECK(strcasecmp(g->skills[0]->name, "python") == 0);
        CHECK(g->skills[0]->must_have);
        CHECK_EQ_UINT(g->skills[0]->min_level, 3);
        CHECK_NEAR(g->skills[0]->importance, 1.0, 1e-6);
        CHECK(strcasecmp(g->skills[1]->name, "kubernetes") == 0);
        CHECK(!g->skills[1]->must_have);
        CHECK_EQ_UINT(g->skills[1]->min_level, 2);
        CHECK_NEAR(g->skills[1]->importance, 0.5, 1e-6);
        CHECK_NEAR(g->min_experience_years, 3, 1e-6);
        CHECK_NEAR(g->max_experience_years, 10, 1e-6);
        CHECK_EQ_INT(g->min_education, BOLE__EDUCATION__EDUCATION_BACHELOR);
        CHECK_EQ_INT(g->max_education, BOLE__EDUCATION__EDUCATION_DOCTORATE);
        CHECK_EQ_UINT(g->headcount, 2);
        CHECK_EQ_INT(g->urgency, BOLE__URGENCY__URGENCY_HIGH);
        CHECK_EQ_UINT(g->salary_min, 20000);
        CHECK_EQ_UINT(g->salary_max, 40000);
        CHECK(!g->closed);
        CHECK_EQ_INT(g->expires_at, 4102444800000LL);
        CHECK_EQ_INT(g->updated_at, 1700000000000LL);
        CHECK_EQ_STR(g->project_id, "P-1");
        REQUIRE(g->n_preferred_categories == 1);
        CHECK_EQ_INT(g->preferred_categories[0], BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL);
    }
    bole_response_free(r);

    /* Update keeps the internal id. */
    n.headcount = 3;
    r = s_put_need(&n);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->put_need != NULL);
    CHECK(!r->put_need->created);
    CHECK_EQ_INT(r->put_need->internal_id, iid);
    bole_response_free(r);

    /* Close, then close again. */
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_CLOSE_NEED, "N-岗位-1"), BOLE__STATUS_CODE__OK);
    r = s_id_op(BOLE__REQUEST__BODY_GET_NEED, "N-岗位-1");
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->need != NULL);
    CHECK(r->need->closed);
    CHECK_EQ_UINT(r->need->headcount, 3);
    bole_response_free(r);
    r = s_id_op(BOLE__REQUEST__BODY_CLOSE_NEED, "N-岗位-1");
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK(r->error != NULL && r->error[0] != '\0');
    bole_response_free(r);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_CLOSE_NEED, "N-nope"),
                 BOLE__STATUS_CODE__NOT_FOUND);

    /* Delete need. */
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_DELETE_NEED, "N-岗位-1"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_NEED, "N-岗位-1"), BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_DELETE_NEED, "N-岗位-1"),
                 BOLE__STATUS_CODE__NOT_FOUND);
}

static void test_unknown_and_delete(void)
{
    tb_t b;
    Bole__Response *r;

    r = s_id_op(BOLE__REQUEST__BODY_GET_TALENT, "T-never-stored");
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_CONTAINS(r->error, "T-never-stored");
    bole_response_free(r);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_NEED, "N-never-stored"),
                 BOLE__STATUS_CODE__NOT_FOUND);

    s_tb_init(&b, "T-del");
    r = s_put_talent(&b.t);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_TALENT, "T-del"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_DELETE_TALENT, "T-del"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_TALENT, "T-del"), BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_DELETE_TALENT, "T-del"),
                 BOLE__STATUS_CODE__NOT_FOUND);
}

/* A talent put that must fail with INVALID_ARGUMENT mentioning `field` and
 * store nothing. */
static void s_bad_talent(Bole__Talent *t, const char *field, const char *what)
{
    uint64_t t0, n0, t1, n1;
    Bole__Response *r;

    s_stats(&t0, &n0);
    r = s_put_talent(t);
    if (r->status != BOLE__STATUS_CODE__INVALID_ARGUMENT)
        fprintf(stderr, "bad talent (%s): status %s, error '%s'\n", what,
                bole_status_name((int)r->status), r->error);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, field);
    bole_response_free(r);
    s_stats(&t1, &n1);
    CHECK_EQ_UINT(t1, t0);
    if (t->external_id != NULL && t->external_id[0] != '\0' && strlen(t->external_id) <= 128)
        CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_TALENT, t->external_id),
                     BOLE__STATUS_CODE__NOT_FOUND);
}

static void s_bad_need(Bole__Need *n, const char *field, const char *what)
{
    uint64_t t0, n0, t1, n1;
    Bole__Response *r;

    s_stats(&t0, &n0);
    r = s_put_need(n);
    if (r->status != BOLE__STATUS_CODE__INVALID_ARGUMENT)
        fprintf(stderr, "bad need (%s): status %s, error '%s'\n", what,
                bole_status_name((int)r->status), r->error);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, field);
    bole_response_free(r);
    s_stats(&t1, &n1);
    CHECK_EQ_UINT(n1, n0);
    CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_NEED, n->external_id),
                 BOLE__STATUS_CODE__NOT_FOUND);
}

static void test_validation(void)
{
    tb_t b;
    char longid[201];
    float v3[3] = { 0.1f, 0.2f, 0.3f };
    float zeros[DIM];
    Bole__Skill many[101];
    Bole__Skill *manyp[101];
    char names[101][16];

    s_tb_init(&b, "");
    s_bad_talent(&b.t, "external_id", "empty external_id");

    memset(longid, 'x', 200);
    longid[200] = '\0';
    s_tb_init(&b, "x");
    b.t.external_id = longid;
    s_bad_talent(&b.t, "external_id", "200-byte id");

    s_tb_init(&b, "T-bad-level");
    b.sk[1].level = 9;
    s_bad_talent(&b.t, "skills[1].level", "skill level 9");

    s_tb_init(&b, "T-bad-101");
    for (int i = 0; i < 101; i++) {
        Bole__Skill s = BOLE__SKILL__INIT;
        snprintf(names[i], sizeof names[i], "skill%d", i);
        many[i] = s;
        many[i].name = names[i];
        many[i].level = 3;
        manyp[i] = &many[i];
    }
    b.t.skills = manyp;
    b.t.n_skills = 101;
    s_bad_talent(&b.t, "skills", "101 skills");

    s_tb_init(&b, "T-bad-dim");
    b.t.vector = v3;
    b.t.n_vector = 3;
    s_bad_talent(&b.t, "vector", "3-d vector");

    memset(zeros, 0, sizeof zeros);
    s_tb_init(&b, "T-bad-zero");
    b.t.vector = zeros;
    b.t.n_vector = DIM;
    s_bad_talent(&b.t, "vector", "all-zero vector");

    s_tb_init(&b, "T-bad-empty");
    b.t.occupation = "";
    b.t.n_skills = 0;
    b.t.summary = "";
    s_bad_talent(&b.t, "embed", "nothing to embed");

    {
        Bole__Need n = BOLE__NEED__INIT;
        n.external_id = "N-bad-exp";
        n.title = "Welder";
        n.min_experience_years = 8;
        n.max_experience_years = 3;
        s_bad_need(&n, "min_experience_years", "min_exp > max_exp");

        n.external_id = "N-bad-salary";
        n.min_experience_years = 0;
        n.max_experience_years = 0;
        n.salary_min = 20000;
        n.salary_max = 10000;
        s_bad_need(&n, "salary_max", "salary_max < salary_min");

        n.external_id = "N-bad-dim";
        n.salary_min = 0;
        n.salary_max = 0;
        n.vector = v3;
        n.n_vector = 3;
        s_bad_need(&n, "vector", "3-d need vector");

        n.external_id = "N-bad-empty";
        n.vector = NULL;
        n.n_vector = 0;
        n.title = "";
        s_bad_need(&n, "embed", "need with nothing to embed");
    }
}

static void test_portal_vector(void)
{
    tb_t b;
    float v[DIM];
    double norm = 0, dot = 0, gnorm = 0;
    Bole__Response *r;

    for (int i = 0; i < DIM; i++) {
        v[i] = (float)((i % 7) + 1) * (i % 2 ? -1.0f : 1.0f);
        norm += (double)v[i] * v[i];
    }
    norm = sqrt(norm);
    s_tb_init(&b, "T-vec");
    b.t.vector = v;
    b.t.n_vector = DIM;
    r = s_put_talent(&b.t);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    r = s_id_op(BOLE__REQUEST__BODY_GET_TALENT, "T-vec");
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->talent != NULL);
    CHECK_EQ_UINT(r->talent->n_vector, DIM);
    if (r->talent->n_vector == DIM) {
        for (int i = 0; i < DIM; i++) {
            dot += (double)r->talent->vector[i] * v[i] / norm;
            gnorm += (double)r->talent->vector[i] * r->talent->vector[i];
        }
        CHECK_NEAR(gnorm, 1.0, 1e-4);
        CHECK_NEAR(dot, 1.0, 1e-4);  /* Same direction, unit length. */
        CHECK_NEAR(r->talent->vector[0], v[0] / norm, 1e-5);
    }
    bole_response_free(r);
}

static Bole__Response *s_put_talents(Bole__Talent **ts, size_t n)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;

    b.talents = ts;
    b.n_talents = n;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    return s_call(&req);
}

static void test_bulk(void)
{
    enum { N = 50 };
    static tb_t b[N];
    Bole__Talent *tp[N];
    float v3[3] = { 1, 2, 3 };
    uint64_t t0, n0, t1, n1;
    Bole__Response *r;
    char id[32];

    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "T-bulk-%02d", i);
        s_tb_init(&b[i], id);
        tp[i] = &b[i].t;
    }
    r = s_put_talents(tp, N);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_PUT_TALENTS && r->put_talents != NULL);
    CHECK_EQ_UINT(r->put_talents->n_results, N);
    CHECK_EQ_UINT(r->put_talents->n_errors, 0);
    for (size_t i = 0; i < r->put_talents->n_results && i < N; i++) {
        CHECK_EQ_STR(r->put_talents->results[i]->external_id, b[i].id);
        CHECK(r->put_talents->results[i]->created);
    }
    bole_response_free(r);
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_TALENT, b[i].id), BOLE__STATUS_CODE__OK);

    /* Ten new ones, items 3 and 7 bad: nothing stored. */
    s_stats(&t0, &n0);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "T-allornot-%d", i);
        s_tb_init(&b[i], id);
        tp[i] = &b[i].t;
    }
    b[3].sk[0].level = 9;
    b[7].t.vector = v3;
    b[7].t.n_vector = 3;
    r = s_put_talents(tp, 10);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_PUT_TALENTS && r->put_talents != NULL);
    CHECK_EQ_UINT(r->put_talents->n_results, 0);
    CHECK_EQ_UINT(r->put_talents->n_errors, 2);
    if (r->put_talents->n_errors == 2) {
        CHECK_EQ_UINT(r->put_talents->errors[0]->index, 3);
        CHECK_EQ_UINT(r->put_talents->errors[1]->index, 7);
        CHECK_EQ_STR(r->put_talents->errors[0]->external_id, "T-allornot-3");
        CHECK_EQ_INT(r->put_talents->errors[0]->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK_EQ_INT(r->put_talents->errors[1]->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK_CONTAINS(r->put_talents->errors[0]->error, "level");
        CHECK_CONTAINS(r->put_talents->errors[1]->error, "vector");
    }
    bole_response_free(r);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(s_id_status(BOLE__REQUEST__BODY_GET_TALENT, b[i].id),
                     BOLE__STATUS_CODE__NOT_FOUND);
    s_stats(&t1, &n1);
    CHECK_EQ_UINT(t1, t0);

    /* An empty bulk. */
    r = s_put_talents(tp, 0);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK(r->error != NULL && r->error[0] != '\0');
    bole_response_free(r);
    {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutNeedsRequest nb = BOLE__PUT_NEEDS_REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
        req.put_needs = &nb;
        r = s_call(&req);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        bole_response_free(r);
    }
    s_stats(&t1, &n1);
    CHECK_EQ_UINT(t1, t0);
    CHECK_EQ_UINT(n1, n0);
}

int main(void)
{
    harness_t *h = harness_start(NULL);

    REQUIRE(h != NULL);
    s_c = harness_client(h, 10000);
    REQUIRE(s_c != NULL);
    test_round_trip();
    test_need_round_trip();
    test_unknown_and_delete();
    test_validation();
    test_portal_vector();
    test_bulk();
    CHECK(harness_health_ok(s_c));
    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
