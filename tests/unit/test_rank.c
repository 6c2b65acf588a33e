/* test_rank.c - the ranking model (daemon/rank.c) and its weights file
 * parser (daemon/weights.c): every feature at its edges, the two-sided
 * preference, score = sum of contributions, the exclude policy, freshness
 * half-life, parse errors with file:line, and the shipped weights.conf. */
#define _POSIX_C_SOURCE 200809L
#include "catalog.h"
#include "check.h"
#include "intern.h"
#include "rank.h"
#include "weights.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_MS (86400000LL)
#define NOW_MS (1800000000000LL)

static bole_intern_t *g_names;

static uint32_t id(const char *name)
{
    return bole_intern_add(g_names, name);
}

/* A parsed weights text, or NULL with the error left in err. */
static bole_weights_t *parse(const char *text, char *err, size_t errlen)
{
    bole_weights_t *w = NULL;
    err[0] = '\0';
    bole_weights_parse(&w, text, strlen(text), "test.conf", err, errlen);
    return w;
}

static const char *WEIGHTS_TEXT =
    "version = test.1\n"
    "weight.similarity = 0.30\n"
    "weight.must_have_coverage = 0.25\n"
    "weight.nice_to_have_coverage = 0.08\n"
    "weight.industry = 0.06\n"
    "weight.zone = 0.05\n"
    "weight.experience_fit = 0.08\n"
    "weight.education_fit = 0.04\n"
    "weight.talent_preference = 0.08\n"
    "weight.policy_priority = 0.03\n"
    "weight.freshness = 0.03\n";

static bole_weights_t *weights_with(const char *extra)
{
    char text[2048], err[256];
    snprintf(text, sizeof text, "%s%s", WEIGHTS_TEXT, extra);
    bole_weights_t *w = parse(text, err, sizeof err);
    if (w == NULL)
        fprintf(stderr, "weights_with: %s\n", err);
    REQUIRE(w != NULL);
    return w;
}

/* Fixture: a need for a backend developer and a talent that fits it fully. */
typedef struct {
    bole_talent_skill_t tskills[8];
    uint32_t tind[2], tpref_ind[2], tpref_zone[2];
    bole_talent_rec_t t;
    bole_need_skill_t nskills[8];
    bole_need_rec_t n;
} pair_t;

static void pair_init(pair_t *p)
{
    memset(p, 0, sizeof *p);
    uint32_t go = id("go"), k8s = id("kubernetes"), sql = id("postgresql"),
             rust = id("rust");
    uint32_t zone = id("zone a"), ind = id("software");

    /* Need: must go (min 3), kubernetes (min 2); nice postgresql, rust. */
    bole_need_skill_t ns[4] = {
        {go, 1, 3, 1.0f}, {k8s, 1, 2, 1.0f}, {sql, 0, 0, 1.0f}, {rust, 0, 0, 1.0f}};
    memcpy(p->nskills, ns, sizeof ns);
    p->n.skills = p->nskills;
    p->n.n_skills = 4;
    p->n.zone = zone;
    p->n.industry = ind;
    p->n.min_experience_years = 3;
    p->n.max_experience_years = 8;
    p->n.min_education = 4;     /* Bachelor - master. */
    p->n.max_education = 5;
    p->n.headcount = 1;
    p->n.urgency = 1;
    p->n.salary_min = 20000;
    p->n.salary_max = 30000;
    p->n.updated_at = NOW_MS;

    bole_talent_skill_t ts[4] = {{go, 4, 5}, {k8s, 3, 2}, {sql, 3, 4}, {rust, 2, 1}};
    memcpy(p->tskills, ts, sizeof ts);
    p->t.skills = p->tskills;
    p->t.n_skills = 4;
    p->t.zone = zone;
    p->tind[0] = ind;
    p->t.industries = p->tind;
    p->t.n_industries = 1;
    p->t.experience_years = 5;
    p->t.education = 4;
    p->t.salary_floor = 25000;
    p->t.updated_at = NOW_MS;
    p->t.pref_industries = p->tpref_ind;
    p->t.pref_zones = p->tpref_zone;
}

/* Shrunk coverage without rarity (docs/RANKING.md): prior 0.1 with the
 * weight of 2.5 skills. */
static double cov(double got, double asked)
{
    return (got + 2.5 * 0.1) / (asked + 2.5);
}

static float feat(const bole_weights_t *w, const pair_t *p, int f)
{
    float v[BOLE_RANK_N_FEATURES];
    bole_rank_features(w, &p->t, &p->n, 0.8f, NOW_MS, 0, v);
    return v[f];
}

static void test_names(void)
{
    CHECK_EQ_STR(bole_rank_feature_name(0), "similarity");
    CHECK_EQ_STR(bole_rank_feature_name(BOLE_RANK_MUST_HAVE), "must_have_coverage");
    CHECK_EQ_STR(bole_rank_feature_name(BOLE_RANK_FRESHNESS), "freshness");
    CHECK_NULL(bole_rank_feature_name(BOLE_RANK_N_FEATURES));
    CHECK_NULL(bole_rank_feature_name(-1));
}

static void test_similarity(const bole_weights_t *w)
{
    pair_t p;
    float v[BOLE_RANK_N_FEATURES];
    pair_init(&p);
    bole_rank_features(w, &p.t, &p.n, 0.8f, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_SIMILARITY], 0.8, 1e-6);
    bole_rank_features(w, &p.t, &p.n, -0.4f, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_SIMILARITY], 0.0, 0);
    bole_rank_features(w, &p.t, &p.n, 1.0001f, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_SIMILARITY], 1.0, 0);
    bole_rank_features(w, &p.t, &p.n, NAN, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_SIMILARITY], 0.0, 0);
}

static void test_coverage(const bole_weights_t *w)
{
    pair_t p;
    bole_rank_detail_t d;

    /* All must-haves at level: 2 of 2, shrunk towards the prior. */
    pair_init(&p);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(2, 2), 1e-6);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), cov(2, 2), 1e-6);
    bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_UINT(d.n_matched, 4);
    CHECK_EQ_UINT(d.n_missing_must, 0);
    CHECK_EQ_UINT(d.n_missing_nice, 0);
    CHECK_EQ_UINT(d.n_below_level, 0);
    CHECK_EQ_INT(d.excluded, 0);

    /* Half: kubernetes missing (and one nice-to-have missing). */
    pair_init(&p);
    p.tskills[1] = p.tskills[2];    /* drop kubernetes, keep postgresql */
    p.t.n_skills = 2;               /* go, postgresql */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(1, 2), 1e-6);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), cov(1, 2), 1e-6);
    bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_UINT(d.n_missing_must, 1);
    CHECK_EQ_UINT(d.missing_must[0], id("kubernetes"));
    CHECK_EQ_UINT(d.n_missing_nice, 1);
    CHECK_EQ_UINT(d.missing_nice[0], id("rust"));
    CHECK_EQ_UINT(d.n_matched, 2);

    /* None. */
    pair_init(&p);
    p.t.n_skills = 0;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(0, 2), 1e-6);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), cov(0, 2), 1e-6);
    bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_UINT(d.n_missing_must, 2);
    CHECK_EQ_UINT(d.n_missing_nice, 2);

    /* Level below min: go at 2 of 3 earns (2/3)^2. */
    pair_init(&p);
    p.tskills[0].level = 2;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(1.0 + 4.0 / 9.0, 2), 1e-6);
    bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_UINT(d.n_below_level, 1);
    CHECK_EQ_UINT(d.below_level[0], id("go"));
    CHECK_EQ_UINT(d.n_missing_must, 0);
    /* Level 0 counts as 3: meets min 3. */
    p.tskills[0].level = 0;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(2, 2), 1e-6);

    /* Importance weighs: missing kubernetes with importance 3 of 4. */
    pair_init(&p);
    p.nskills[1].importance = 3.0f;
    p.tskills[1] = p.tskills[2];
    p.tskills[2] = p.tskills[3];
    p.t.n_skills = 3;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(1, 4), 1e-6);
    /* Bad importance counts as 1. */
    p.nskills[1].importance = NAN;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(1, 2), 1e-6);

    /* A need without skills: both coverages are the prior 0.1, so a need
     * that asks for nothing does not beat one that asks and gets it. */
    pair_init(&p);
    p.n.n_skills = 0;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), 0.1, 1e-6);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), 0.1, 1e-6);
    CHECK(feat(w, &p, BOLE_RANK_MUST_HAVE) < cov(1, 1));
    /* Only must-haves: nice-to-have coverage is the prior. */
    pair_init(&p);
    p.n.n_skills = 2;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), 0.1, 1e-6);
    /* More skills asked and held is stronger evidence than fewer. */
    CHECK(cov(4, 4) > cov(2, 2));

    /* Talent skills interleaved with unrelated ids still merge right. */
    pair_init(&p);
    {
        bole_talent_skill_t many[8];
        uint32_t extra = id("zzz unrelated skill");
        size_t k = 0;
        for (size_t i = 0; i < 4; i++)
            many[k++] = p.tskills[i];
        many[k++] = (bole_talent_skill_t){extra, 5, 1};
        /* Sort by id (insertion sort: tiny). */
        for (size_t i = 1; i < k; i++)
            for (size_t m = i; m > 0 && many[m - 1].skill > many[m].skill; m--) {
                bole_talent_skill_t tmp = many[m];
                many[m] = many[m - 1];
                many[m - 1] = tmp;
            }
        p.t.skills = many;
        p.t.n_skills = k;
        CHECK_NEAR(feat(w, &p, BOLE_RANK_MUST_HAVE), cov(2, 2), 1e-6);
        CHECK_NEAR(feat(w, &p, BOLE_RANK_NICE_TO_HAVE), cov(2, 2), 1e-6);
    }
}

/* Rarity (rank.h context): a skill listed by few records weighs
 * 1 + ln((1 + records) / (1 + df)); a common one about 1. */
static void test_rarity(const bole_weights_t *w)
{
    pair_t p;
    float v[BOLE_RANK_N_FEATURES], plain[BOLE_RANK_N_FEATURES];
    uint32_t go = id("go"), k8s = id("kubernetes");
    size_t n = (go > k8s ? go : k8s) + 1;
    float logdf[64];
    REQUIRE(n <= 64);
    for (size_t i = 0; i < n; i++)
        logdf[i] = logf(1.0f + 50.0f);          /* 50 of 100 records: common */
    logdf[k8s] = logf(1.0f + 1.0f);             /* 1 of 100: rare */
    bole_rank_ctx_t ctx;
    bole_rank_ctx_init(&ctx);
    CHECK_NEAR(bole_rank_skill_rarity(&ctx, go), 1.0, 0);          /* no statistics */
    CHECK_NEAR(bole_rank_skill_rarity(NULL, go), 1.0, 0);
    bole_rank_ctx_set_rarity(&ctx, logdf, n, 100);
    double r_go = 1.0 + log(101.0 / 51.0), r_k8s = 1.0 + log(101.0 / 2.0);
    CHECK_NEAR(bole_rank_skill_rarity(&ctx, go), r_go, 1e-5);
    CHECK_NEAR(bole_rank_skill_rarity(&ctx, k8s), r_k8s, 1e-5);
    /* An id no record lists is the rarest: 1 + ln(101). */
    CHECK_NEAR(bole_rank_skill_rarity(&ctx, 100000), 1.0 + log(101.0), 1e-5);

    /* Missing the rare must-have (kubernetes) costs more than missing the
     * common one (go). Prior mass with rarity: 10. */
    pair_init(&p);
    p.tskills[1] = p.tskills[2];                /* kubernetes missing */
    p.t.n_skills = 2;
    bole_rank_features_ctx(w, &ctx, &p.t, &p.n, 0.8f, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_MUST_HAVE], (r_go + 1.0) / (r_go + r_k8s + 10.0), 1e-5);
    float miss_rare = v[BOLE_RANK_MUST_HAVE];
    pair_init(&p);
    p.t.skills = &p.tskills[1];                 /* go missing */
    p.t.n_skills = 3;
    bole_rank_features_ctx(w, &ctx, &p.t, &p.n, 0.8f, NOW_MS, 0, v);
    CHECK_NEAR(v[BOLE_RANK_MUST_HAVE], (r_k8s + 1.0) / (r_go + r_k8s + 10.0), 1e-5);
    CHECK(v[BOLE_RANK_MUST_HAVE] > miss_rare);
    /* A NULL context is the plain definition, and the ctx paths agree. */
    bole_rank_features_ctx(w, NULL, &p.t, &p.n, 0.8f, NOW_MS, 0, v);
    bole_rank_features(w, &p.t, &p.n, 0.8f, NOW_MS, 0, plain);
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++)
        CHECK_NEAR(v[i], plain[i], 0);
    bole_rank_detail_t d;
    float fast = bole_rank_score_ctx(w, &ctx, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL);
    float full = bole_rank_score_ctx(w, &ctx, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_NEAR(fast, full, 0);
    CHECK_EQ_UINT(d.n_missing_must, 1);
    CHECK_EQ_UINT(d.missing_must[0], go);
}

/* The catalog keeps the per-skill counts rarity reads in step with puts,
 * replacements and removals. */
static void test_catalog_stats(void)
{
    bole_catalog_t *c = bole_catalog_new();
    REQUIRE(c != NULL);
    bole_intern_t *names = bole_catalog_names(c);
    uint32_t a = bole_intern_add(names, "stat skill a"), b = bole_intern_add(names, "stat skill b");
    const float *logdf;
    size_t n_records;
    bole_catalog_write_lock(c);
    for (int i = 1; i <= 3; i++) {
        bole_talent_rec_t *t = calloc(1, sizeof *t);
        REQUIRE(t != NULL);
        t->id = i;
        char ext[16];
        snprintf(ext, sizeof ext, "t%d", i);
        t->external_id = strdup(ext);
        t->occupation = strdup("x");
        t->skills = calloc(2, sizeof *t->skills);
        REQUIRE(t->external_id && t->occupation && t->skills);
        t->skills[0].skill = a < b ? a : b;
        t->skills[1].skill = a < b ? b : a;
        t->n_skills = i == 1 ? 2 : 1;           /* b only in t1 when a < b */
        CHECK_EQ_INT(bole_catalog_put_talent(c, t), 0);
    }
    size_t len = bole_catalog_skill_stats(c, &logdf, &n_records);
    CHECK_EQ_UINT(n_records, 3);
    REQUIRE(len > (a > b ? a : b));
    uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
    CHECK_NEAR(logdf[lo], logf(4.0f), 1e-6);
    CHECK_NEAR(logdf[hi], logf(2.0f), 1e-6);
    bole_catalog_remove_talent(c, 1);
    len = bole_catalog_skill_stats(c, &logdf, &n_records);
    CHECK_EQ_UINT(n_records, 2);
    CHECK_NEAR(logdf[lo], logf(3.0f), 1e-6);
    CHECK_NEAR(logdf[hi], 0.0, 0);
    bole_catalog_unlock(c);
    bole_catalog_destroy(&c);
    CHECK_NULL(c);
}

static void test_industry_zone(const bole_weights_t *w)
{
    pair_t p;
    pair_init(&p);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_INDUSTRY), 1.0, 0);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_ZONE), 1.0, 0);
    p.n.industry = id("finance");
    p.n.zone = id("zone b");
    CHECK_NEAR(feat(w, &p, BOLE_RANK_INDUSTRY), 0.0, 0);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_ZONE), 0.0, 0);
    p.n.industry = BOLE_INTERN_NONE;
    p.n.zone = BOLE_INTERN_NONE;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_INDUSTRY), 0.5, 0);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_ZONE), 0.5, 0);
    pair_init(&p);
    p.t.n_industries = 0;
    p.t.zone = BOLE_INTERN_NONE;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_INDUSTRY), 0.5, 0);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_ZONE), 0.5, 0);
}

static void test_experience(const bole_weights_t *w)
{
    pair_t p;
    pair_init(&p);                  /* range 3-8, talent 5 */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
    p.t.experience_years = 3;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
    p.t.experience_years = 8;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
    p.t.experience_years = 2;       /* 1 year short */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 0.7, 1e-5);
    p.t.experience_years = 1;       /* 2 years short */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 0.49, 1e-5);
    p.t.experience_years = 2.9f;    /* smooth at the edge */
    CHECK(feat(w, &p, BOLE_RANK_EXPERIENCE) > 0.96f);
    p.t.experience_years = 9;       /* 1 year over */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 0.9, 1e-5);
    p.t.experience_years = 0;
    p.n.min_experience_years = 0;   /* no minimum */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
    p.n.max_experience_years = 0;   /* no range at all */
    p.t.experience_years = 40;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
    p.n.min_experience_years = 5;   /* inverted range: max ignored */
    p.n.max_experience_years = 2;
    p.t.experience_years = 10;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EXPERIENCE), 1.0, 0);
}

static void test_education(const bole_weights_t *w)
{
    pair_t p;
    pair_init(&p);                  /* bachelor (4) - master (5) */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 1.0, 0);
    p.t.education = 5;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 1.0, 0);
    p.t.education = 3;              /* one level below */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 0.5, 1e-6);
    p.t.education = 2;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 0.25, 1e-6);
    p.t.education = 6;              /* one above max: slight decay */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 0.9, 1e-6);
    p.t.education = 0;              /* talent did not say */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 0.5, 0);
    p.n.min_education = 0;
    p.n.max_education = 0;          /* need did not say */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_EDUCATION), 1.0, 0);
}

static void test_preference(const bole_weights_t *w)
{
    pair_t p;
    float inside, outside;
    pair_init(&p);
    /* No preferences and salary above the floor: the talent's side is met. */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 1.0, 1e-6);

    /* Two-sided: same need, the talent prefers zone a only / zone b only. */
    p.tpref_zone[0] = id("zone a");
    p.t.n_pref_zones = 1;
    inside = bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 1.0, 1e-6);
    p.tpref_zone[0] = id("zone b");
    outside = bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 2.0 / 3.0, 1e-6);
    CHECK(outside < inside);
    CHECK_NEAR(inside - outside, 0.08 / 3.0, 1e-5);

    /* Industry preference, and a need without industry is neutral. */
    pair_init(&p);
    p.tpref_ind[0] = id("finance");
    p.t.n_pref_industries = 1;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 2.0 / 3.0, 1e-6);
    p.n.industry = BOLE_INTERN_NONE;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 2.5 / 3.0, 1e-6);

    /* Salary: below the floor earns (max/floor)^2; unknown max is met. */
    pair_init(&p);
    p.t.salary_floor = 40000;       /* need pays up to 30000 */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), (2.0 + 0.5625) / 3.0, 1e-6);
    p.n.salary_max = 0;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 1.0, 1e-6);
    p.n.salary_max = 40000;         /* exactly the floor */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_TALENT_PREF), 1.0, 1e-6);
}

static void test_policy(const bole_weights_t *w)
{
    pair_t p;
    pair_init(&p);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.0, 0);     /* no categories */
    p.t.categories = 1u << 1;                               /* urgently needed */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5 * 0.25, 1e-6);
    p.n.urgency = 3;                                        /* critical */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5, 1e-6);
    p.n.preferred_categories = 1u << 1;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 1.0, 1e-6);
    p.n.urgency = 2;                                        /* high */
    p.n.preferred_categories = 0;
    p.t.categories = 1u << 2;                               /* high level, tier 3 */
    p.t.high_level_tier = 3;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5 * 0.6 * 0.8, 1e-6);
    p.t.categories = 1u << 5;                               /* young */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5 * 0.6 * 0.5, 1e-6);
    p.n.preferred_categories = 1u << 6;                     /* wants returnees */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5 * 0.6 * 0.5, 1e-6);
    p.t.categories |= 1u << 6;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_POLICY), 0.5 * 0.6 * 0.5 + 0.5, 1e-6);
}

static void test_freshness(void)
{
    bole_weights_t *w = weights_with("freshness_half_life_days = 10\n");
    pair_t p;
    float v[BOLE_RANK_N_FEATURES];
    pair_init(&p);
    CHECK_NEAR(feat(w, &p, BOLE_RANK_FRESHNESS), 1.0, 1e-6);
    p.t.updated_at = NOW_MS - 10 * DAY_MS;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_FRESHNESS), 0.5, 1e-6);
    p.t.updated_at = NOW_MS - 20 * DAY_MS;
    CHECK_NEAR(feat(w, &p, BOLE_RANK_FRESHNESS), 0.25, 1e-6);
    p.t.updated_at = NOW_MS + DAY_MS;       /* clock skew: fresh */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_FRESHNESS), 1.0, 0);
    p.t.updated_at = 0;                     /* unknown */
    CHECK_NEAR(feat(w, &p, BOLE_RANK_FRESHNESS), 0.5, 0);
    /* Direction 1 uses the need's age. */
    pair_init(&p);
    p.n.updated_at = NOW_MS - 10 * DAY_MS;
    bole_rank_features(w, &p.t, &p.n, 0.8f, NOW_MS, BOLE_RANK_NEEDS_FOR_TALENT, v);
    CHECK_NEAR(v[BOLE_RANK_FRESHNESS], 0.5, 1e-6);
    bole_rank_features(w, &p.t, &p.n, 0.8f, NOW_MS, BOLE_RANK_TALENTS_FOR_NEED, v);
    CHECK_NEAR(v[BOLE_RANK_FRESHNESS], 1.0, 1e-6);
    bole_weights_destroy(&w);
}

static void test_sum_and_paths(const bole_weights_t *w)
{
    pair_t p;
    bole_rank_detail_t d;
    float v[BOLE_RANK_N_FEATURES];
    pair_init(&p);
    p.tskills[0].level = 1;
    p.t.n_skills = 3;
    p.t.experience_years = 1;
    p.t.updated_at = NOW_MS - 45 * DAY_MS;
    p.t.categories = 1u << 1;
    float fast = bole_rank_score(w, &p.t, &p.n, 0.62f, NOW_MS, 0, NULL);
    float full = bole_rank_score(w, &p.t, &p.n, 0.62f, NOW_MS, 0, &d);
    float feats = bole_rank_features(w, &p.t, &p.n, 0.62f, NOW_MS, 0, v);
    float sum = 0.0f;
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++) {
        sum += d.contribution[i];
        CHECK(d.value[i] >= 0.0f && d.value[i] <= 1.0f);
        CHECK_NEAR(d.value[i], v[i], 0);
        CHECK_NEAR(d.contribution[i], d.value[i] * bole_weights_feature(w, i), 0);
    }
    CHECK_NEAR(full, sum, 0);
    CHECK_NEAR(fast, full, 0);
    CHECK_NEAR(feats, full, 0);
    CHECK(full > 0.0f && full < 1.0f);

    /* The perfect pair scores the sum of the weights (1 for these). */
    pair_init(&p);
    p.t.categories = 1u << 1;
    p.n.urgency = 3;
    p.n.preferred_categories = 1u << 1;
    /* Every feature 1 except coverage, which shrinkage holds at cov(2, 2). */
    double expect = 1.0 - (bole_weights_feature(w, BOLE_RANK_MUST_HAVE) +
                           bole_weights_feature(w, BOLE_RANK_NICE_TO_HAVE)) * (1.0 - cov(2, 2));
    CHECK_NEAR(bole_rank_score(w, &p.t, &p.n, 1.0f, NOW_MS, 0, NULL), expect, 1e-5);
}

static void test_exclude(void)
{
    bole_weights_t *w = weights_with("missing_must_have_policy = exclude\n");
    bole_rank_detail_t d;
    pair_t p;
    CHECK_EQ_INT(bole_weights_missing_must_policy(w), BOLE_MISSING_MUST_EXCLUDE);

    pair_init(&p);                          /* has all must-haves */
    CHECK(bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL) >= 0.0f);
    CHECK(bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d) >= 0.0f);
    CHECK_EQ_INT(d.excluded, 0);

    p.tskills[0].level = 1;                 /* go below level: partial, kept */
    CHECK(bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL) >= 0.0f);

    pair_init(&p);
    p.tskills[1] = p.tskills[2];            /* kubernetes missing: excluded */
    p.t.n_skills = 2;
    CHECK_NEAR(bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL), BOLE_RANK_EXCLUDED, 0);
    CHECK_NEAR(bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d), BOLE_RANK_EXCLUDED, 0);
    CHECK_EQ_INT(d.excluded, 1);
    CHECK_EQ_UINT(d.n_missing_must, 1);
    CHECK_EQ_UINT(d.missing_must[0], id("kubernetes"));
    CHECK_NEAR(d.value[BOLE_RANK_MUST_HAVE], cov(1, 2), 1e-6);    /* still explained */
    bole_weights_destroy(&w);

    /* Same pair under penalize: scored, lower than the full match. */
    w = weights_with("");
    CHECK_EQ_INT(bole_weights_missing_must_policy(w), BOLE_MISSING_MUST_PENALIZE);
    float missing = bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_INT(d.excluded, 0);
    pair_init(&p);
    float full = bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, NULL);
    CHECK(missing >= 0.0f && missing < full);
    bole_weights_destroy(&w);
}

static void test_detail_caps(const bole_weights_t *w)
{
    pair_t p;
    bole_rank_detail_t d;
    bole_need_skill_t many[40];
    char name[32];
    pair_init(&p);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "cap skill %02d", i);
        many[i] = (bole_need_skill_t){id(name), 1, 0, 1.0f};   /* ids ascend */
    }
    p.n.skills = many;
    p.n.n_skills = 40;
    bole_rank_score(w, &p.t, &p.n, 0.8f, NOW_MS, 0, &d);
    CHECK_EQ_UINT(d.n_missing_must, BOLE_RANK_MAX_MISSING);
    CHECK_EQ_UINT(d.missing_must_total, 40);
    CHECK_EQ_UINT(d.missing_must[0], many[0].skill);
    CHECK_NEAR(d.value[BOLE_RANK_MUST_HAVE], cov(0, 40), 1e-6);
}

static void check_parse_error(const char *text, const char *want1, const char *want2)
{
    char err[256];
    bole_weights_t *w = parse(text, err, sizeof err);
    CHECK_NULL(w);
    CHECK_CONTAINS(err, want1);
    CHECK_CONTAINS(err, want2);
    bole_weights_destroy(&w);
}

static void test_parse_errors(void)
{
    char text[2048];

    snprintf(text, sizeof text, "%s# comment\nsimlarity = 1\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:13:", "unknown key 'simlarity'");
    snprintf(text, sizeof text, "%sweight.zone = 0.1\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "duplicate key 'weight.zone' (first set on line 6)");
    snprintf(text, sizeof text, "%sversion = 2\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "duplicate key 'version'");
    check_parse_error("version = 1\nweight.similarity = nan\n", "test.conf:2:", "not finite");
    check_parse_error("version = 1\nweight.similarity = inf\n", "test.conf:2:", "not finite");
    check_parse_error("version = 1\nweight.zone = -0.1\n", "test.conf:2:", "negative");
    check_parse_error("version = 1\nweight.zone = 0.1x\n", "test.conf:2:", "not a number");
    check_parse_error("version = 1\nweight.zone\n", "test.conf:2:", "expected 'name = value'");
    check_parse_error("version = 1\nweight.zone =\n", "test.conf:2:", "missing value");
    check_parse_error("version = 1\n= 3\n", "test.conf:2:", "missing name");
    check_parse_error("version = a b\n", "test.conf:1:", "version");
    check_parse_error("version = 1\n", "test.conf:", "missing key 'weight.similarity'");
    snprintf(text, sizeof text, "%s", WEIGHTS_TEXT);
    check_parse_error(text + strlen("version = test.1\n"), "test.conf:", "missing key 'version'");
    snprintf(text, sizeof text, "%smissing_must_have_policy = drop\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "penalize or exclude");
    snprintf(text, sizeof text, "%sper_need_daily_pushes = 2.5\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "whole number");
    snprintf(text, sizeof text, "%sfreshness_half_life_days = 0\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "out of range");
    snprintf(text, sizeof text, "%smin_score = -1\n", WEIGHTS_TEXT);
    check_parse_error(text, "test.conf:12:", "negative");

    /* Missing file. */
    {
        char err[256] = "";
        bole_weights_t *w = (bole_weights_t *)&err;   /* must be reset to NULL */
        CHECK_EQ_INT(bole_weights_load(&w, "/nonexistent/weights.conf", err, sizeof err), -1);
        CHECK_NULL(w);
        CHECK_CONTAINS(err, "/nonexistent/weights.conf:0:");
        CHECK_CONTAINS(err, "No such file");
    }
    /* A file with an error names the path and line. */
    {
        char path[] = "/tmp/bole_test_rank_XXXXXX";
        char err[512] = "";
        bole_weights_t *w = NULL;
        int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        FILE *f = fdopen(fd, "w");
        REQUIRE(f != NULL);
        fprintf(f, "%sweight.freshness = 0.5\n", WEIGHTS_TEXT);
        fclose(f);
        CHECK_EQ_INT(bole_weights_load(&w, path, err, sizeof err), -1);
        CHECK_NULL(w);
        CHECK_CONTAINS(err, path);
        CHECK_CONTAINS(err, ":12: duplicate key 'weight.freshness'");
        unlink(path);
    }
    /* Comments, blank lines, spaces, CRLF and a missing final newline are fine. */
    {
        char err[256];
        bole_weights_t *w = parse(
            "# head\r\n\r\n  version=  v.1  # trailing\r\n"
            "weight.similarity=1\nweight.must_have_coverage = 0\n"
            "weight.nice_to_have_coverage = 0\nweight.industry = 0\nweight.zone = 0\n"
            "weight.experience_fit = 0\nweight.education_fit = 0\n"
            "weight.talent_preference = 0\nweight.policy_priority = 0\n"
            "\tweight.freshness = 2.5e-1", err, sizeof err);
        CHECK_NOT_NULL(w);
        if (w != NULL) {
            CHECK_EQ_STR(bole_weights_version(w), "v.1");
            CHECK_NEAR(bole_weights_feature(w, BOLE_RANK_FRESHNESS), 0.25, 1e-7);
            CHECK_NEAR(bole_weights_feature(w, BOLE_RANK_SIMILARITY), 1.0, 0);
            /* Defaults of the optional parameters. */
            CHECK_NEAR(bole_weights_freshness_half_life_days(w), 30.0, 0);
            CHECK_NEAR(bole_weights_min_score(w), 0.6, 1e-6);
            CHECK_EQ_UINT(bole_weights_per_talent_daily_pushes(w), 5);
            CHECK_EQ_UINT(bole_weights_per_need_daily_pushes(w), 20);
            CHECK_NEAR(bole_weights_announce_delta(w), 0.05, 1e-6);
        } else {
            fprintf(stderr, "%s\n", err);
        }
        bole_weights_destroy(&w);
        bole_weights_destroy(&w);   /* NULL-safe twice */
        bole_weights_destroy(NULL);
    }
}

static void test_shipped(void)
{
    char err[512] = "";
    bole_weights_t *w = NULL;
    int rc = bole_weights_load(&w, BOLE_SOURCE_DIR "/models/weights.conf", err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "shipped weights: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    REQUIRE(w != NULL);
    CHECK_EQ_STR(bole_weights_version(w), "2026-11-29.1");
    float sum = 0.0f;
    for (int i = 0; i < BOLE_RANK_N_FEATURES; i++) {
        CHECK(bole_weights_feature(w, i) > 0.0f);
        sum += bole_weights_feature(w, i);
    }
    CHECK_NEAR(sum, 1.0, 1e-5);
    CHECK_NEAR(bole_weights_freshness_half_life_days(w), 30.0, 0);
    CHECK_EQ_INT(bole_weights_missing_must_policy(w), BOLE_MISSING_MUST_PENALIZE);
    CHECK_NEAR(bole_weights_min_score(w), 0.6, 1e-6);
    CHECK_EQ_UINT(bole_weights_per_talent_daily_pushes(w), 5);
    CHECK_EQ_UINT(bole_weights_per_need_daily_pushes(w), 20);
    CHECK_NEAR(bole_weights_announce_delta(w), 0.05, 1e-6);
    bole_weights_destroy(&w);
    CHECK_NULL(w);
}

int main(void)
{
    g_names = bole_intern_new();
    REQUIRE(g_names != NULL);
    bole_weights_t *w = weights_with("");

    test_names();
    test_similarity(w);
    test_coverage(w);
    test_rarity(w);
    test_catalog_stats();
    test_industry_zone(w);
    test_experience(w);
    test_education(w);
    test_preference(w);
    test_policy(w);
    test_freshness();
    test_sum_and_paths(w);
    test_exclude();
    test_detail_caps(w);
    test_parse_errors();
    test_shipped();

    bole_weights_destroy(&w);
    bole_intern_destroy(&g_names);
    return check_summary();
}
