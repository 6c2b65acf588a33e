/* test_teams.c - projects and team formation against a real boled.
 *
 * Talents are drawn from O*NET 29.2 (models/src/onet): each gets a random
 * subset of its occupation's technology skills. A software product project
 * has developer, designer, data scientist and project manager roles whose
 * skills are those occupations' in-demand technologies; FormTeam must fill
 * it with members whose source occupation fits the role (the share is
 * printed and reported in docs/TEAMS.md), with materially different
 * alternatives, under the hard constraints. Then accept / withdraw /
 * dissolve with events on the PUB socket, TeamForProjects, and bad input
 * (clear status, nothing changed). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

#define PER_OCC 60
#define MAX_SK 64

/* Role occupations first, then distractors with overlapping skills. */
static const struct {
    const char *code, *prefix;
} s_occ[] = {
    {"15-1252.00", "dev"},   /* Software Developers (role). */
    {"15-1255.00", "des"},   /* Web and Digital Interface Designers (role). */
    {"15-2051.00", "ds"},    /* Data Scientists (role). */
    {"13-1082.00", "pm"},    /* Project Management Specialists (role). */
    {"15-1254.00", "web"},   /* Web Developers. */
    {"15-1211.00", "csa"},   /* Computer Systems Analysts. */
    {"15-1243.00", "dba"},   /* Database Architects. */
    {"11-3021.00", "mgr"},   /* Computer and Information Systems Managers. */
};
#define N_OCC (sizeof s_occ / sizeof s_occ[0])
#define N_ROLES 4

typedef struct {
    char title[128];
    char *skills[MAX_SK];
    int demand[MAX_SK];  /* 2 in demand, 1 hot, 0 neither. */
    int n;
} occ_t;

static occ_t s_o[N_OCC];
static harness_t *s_h;
static bole_client_t *s_c;
static void *s_zmq, *s_sub;
static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng % n);
}

static void s_load_onet(void)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/models/src/onet/Technology_Skills.txt", BOLE_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    while (fgets(line, sizeof line, f)) {
        char *code = strtok(line, "\t"), *ex = strtok(NULL, "\t"), *hot = strtok(NULL, "\t"),
             *dem = strtok(NULL, "\t\r\n");
        if (!code || !ex || !hot || !dem)
            continue;
        for (size_t o = 0; o < N_OCC; o++) {
            if (strcmp(code, s_occ[o].code) != 0 || s_o[o].n >= MAX_SK)
                continue;
            int d = dem[0] == 'Y' ? 2 : hot[0] == 'Y' ? 1 : 0;
            if (d == 0 && s_o[o].n >= 40)
                continue;
            s_o[o].demand[s_o[o].n] = d;
            s_o[o].skills[s_o[o].n++] = strdup(ex);
        }
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/models/src/onet/Occupation_Data.txt", BOLE_SOURCE_DIR);
    f = fopen(path, "r");
    REQUIRE(f != NULL);
    while (fgets(line, sizeof line, f)) {
        char *code = strtok(line, "\t"), *title = strtok(NULL, "\t");
        for (size_t o = 0; code && title && o < N_OCC; o++)
            if (strcmp(code, s_occ[o].code) == 0)
                snprintf(s_o[o].title, sizeof s_o[o].title, "%s", title);
    }
    fclose(f);
    for (size_t o = 0; o < N_OCC; o++)
        REQUIRE(s_o[o].n >= 8 && s_o[o].title[0]);
}

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);
    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

/* Occupation index of a talent id "<prefix>-<n>". */
static int s_occ_of(const char *talent_id)
{
    for (size_t o = 0; o < N_OCC; o++) {
        size_t n = strlen(s_occ[o].prefix);
        if (strncmp(talent_id, s_occ[o].prefix, n) == 0 && talent_id[n] == '-')
            return (int)o;
    }
    return -1;
}

static int s_talent_zone2(int i) { return i % 3 == 0; }  /* Zone "Z2", else "Z1". */
static int s_talent_unavailable(int i) { return i % 11 == 5; }

static void s_put_talents(void)
{
    size_t n = N_OCC * PER_OCC;
    Bole__Talent *t = calloc(n, sizeof *t);
    Bole__Talent **tp = calloc(n, sizeof *tp);
    Bole__Skill *sk = calloc(n * 12, sizeof *sk);
    Bole__Skill **skp = calloc(n * 12, sizeof *skp);
    char (*ids)[32] = calloc(n, sizeof *ids);
    REQUIRE(t && tp && sk && skp && ids);
    for (size_t o = 0; o < N_OCC; o++) {
        for (int i = 0; i < PER_OCC; i++) {
            size_t k = o * PER_OCC + (size_t)i;
            Bole__Talent t0 = BOLE__TALENT__INIT;
            t[k] = t0;
            snprintf(ids[k], sizeof ids[k], "%s-%d", s_occ[o].prefix, i);
            t[k].external_id = ids[k];
            t[k].occupation = s_o[o].title;
            t[k].zone = s_talent_zone2(i) ? "Z2" : "Z1";
            t[k].experience_years = (float)(2 + s_rand(12));
            t[k].education = BOLE__EDUCATION__EDUCATION_BACHELOR;
            if (s_talent_unavailable(i))
                t[k].availability = BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE;
            /* 6-10 distinct skills, in-demand ones more likely. */
            int want = 6 + (int)s_rand(5), got = 0;
            Bole__Skill **mine = &skp[k * 12];
            for (int tries = 0; got < want && tries < 400; tries++) {
                int s = (int)s_rand((uint32_t)s_o[o].n);
                if (s_o[o].demand[s] == 0 && s_rand(3) != 0)
                    continue;
                int dup = 0;
                for (int j = 0; j < got; j++)
                    dup |= strcmp(mine[j]->name, s_o[o].skills[s]) == 0;
                if (dup)
                    continue;
                Bole__Skill s0 = BOLE__SKILL__INIT;
                sk[k * 12 + (size_t)got] = s0;
                sk[k * 12 + (size_t)got].name = s_o[o].skills[s];
                sk[k * 12 + (size_t)got].level = 2 + s_rand(4);
                mine[got] = &sk[k * 12 + (size_t)got];
                got++;
            }
            t[k].skills = mine;
            t[k].n_skills = (size_t)got;
            tp[k] = &t[k];
        }
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    b.talents = tp;
    b.n_talents = n;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->status != BOLE__STATUS_CODE__OK)
        fprintf(stderr, "put_talents: %s\n", r->error);
    bole_response_free(r);
    free(t);
    free(tp);
    free(sk);
    free(skp);
    free(ids);
}

/* ---- project building ------------------------------------------------------ */

typedef struct {
    Bole__Project p;
    Bole__ProjectRole r[N_ROLES], *rp[N_ROLES];
    Bole__NeedSkill s[N_ROLES][8], *sp[N_ROLES][8];
    char role_ids[N_ROLES][32];
} project_t;

static const uint32_t s_head[N_ROLES] = {2, 1, 2, 1};

static void s_project(project_t *pr, const char *id, const char *zone)
{
    memset(pr, 0, sizeof *pr);
    Bole__Project p0 = BOLE__PROJECT__INIT;
    pr->p = p0;
    pr->p.external_id = (char *)id;
    pr->p.organisation = "Org-A";
    pr->p.zone = (char *)zone;
    pr->p.industry = "software";
    pr->p.title = "Software product team";
    for (int i = 0; i < N_ROLES; i++) {
        Bole__ProjectRole r0 = BOLE__PROJECT_ROLE__INIT;
        pr->r[i] = r0;
        snprintf(pr->role_ids[i], sizeof pr->role_ids[i], "%s-%s", id, s_occ[i].prefix);
        pr->r[i].role_id = pr->role_ids[i];
        pr->r[i].title = s_o[i].title;
        pr->r[i].headcount = s_head[i];
        int n = 0;
        for (int pass = 2; pass >= 1 && n < 6; pass--)
            for (int k = 0; k < s_o[i].n && n < 6; k++) {
                if (s_o[i].demand[k] != pass)
                    continue;
                Bole__NeedSkill s0 = BOLE__NEED_SKILL__INIT;
                pr->s[i][n] = s0;
                pr->s[i][n].name = s_o[i].skills[k];
                pr->s[i][n].must_have = n < 3;
                pr->s[i][n].min_level = n < 3 ? 3 : 0;
                pr->sp[i][n] = &pr->s[i][n];
                n++;
            }
        pr->r[i].skills = pr->sp[i];
        pr->r[i].n_skills = (size_t)n;
        pr->rp[i] = &pr->r[i];
    }
    pr->p.roles = pr->rp;
    pr->p.n_roles = N_ROLES;
}

static int s_put_project(Bole__Project *p, char *err, size_t errlen)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutProjectRequest b = BOLE__PUT_PROJECT_REQUEST__INIT;
    b.project = p;
    req.body_case = BOLE__REQUEST__BODY_PUT_PROJECT;
    req.put_project = &b;
    Bole__Response *r = s_call(&req);
    int st = r->status;
    if (err)
        snprintf(err, errlen, "%s", r->error ? r->error : "");
    bole_response_free(r);
    return st;
}

static int s_get_status(Bole__Request__BodyCase body, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    req.body_case = body;
    req.get_project = &b; /* IdRequest shares the union. */
    Bole__Response *r = s_call(&req);
    int st = r->status;
    bole_response_free(r);
    return st;
}

static Bole__Response *s_form(const char *project, uint32_t k, Bole__TeamConstraints *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FormTeamRequest b = BOLE__FORM_TEAM_REQUEST__INIT;
    b.project_id = (char *)project;
    b.alternatives = k;
    b.constraints = c;
    req.body_case = BOLE__REQUEST__BODY_FORM_TEAM;
    req.form_team = &b;
    return s_call(&req);
}

static Bole__Response *s_update(const char *team, Bole__TeamAction action, const char *talent)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__UpdateTeamRequest b = BOLE__UPDATE_TEAM_REQUEST__INIT;
    b.team_id = (char *)team;
    b.action = action;
    b.talent_id = (char *)(talent ? talent : "");
    req.body_case = BOLE__REQUEST__BODY_UPDATE_TEAM;
    req.update_team = &b;
    return s_call(&req);
}

static int s_role_index(const project_t *pr, const char *role_id)
{
    for (int i = 0; i < N_ROLES; i++)
        if (strcmp(pr->role_ids[i], role_id) == 0)
            return i;
    return -1;
}

/* Hard constraints of one team; returns the share of members whose source
 * occupation is the role's. */
static double s_check_team(const project_t *pr, const Bole__Team *t)
{
    uint32_t filled[N_ROLES] = {0};
    int fit = 0;
    CHECK(strncmp(t->team_id, "team-", 5) == 0);
    for (size_t i = 0; i < t->n_members; i++) {
        const Bole__TeamMember *m = t->members[i];
        int ri = s_role_index(pr, m->role_id);
        CHECK(ri >= 0);
        if (ri < 0)
            continue;
        filled[ri]++;
        fit += s_occ_of(m->talent_id) == ri;
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(t->members[j]->talent_id, m->talent_id) != 0);
        int n = atoi(strchr(m->talent_id, '-') + 1);
        CHECK(!s_talent_unavailable(n)); /* Unavailable talents are never proposed. */
        CHECK(m->marginal_gain >= 0.0f);
    }
    for (int ri = 0; ri < N_ROLES; ri++) {
        CHECK(filled[ri] <= s_head[ri]);
        if (filled[ri] < s_head[ri]) {
            int reported = 0;
            for (size_t u = 0; u < t->n_unfilled_roles; u++)
                if (strcmp(t->unfilled_roles[u]->role_id, pr->role_ids[ri]) == 0) {
                    reported = 1;
                    CHECK_EQ_UINT(t->unfilled_roles[u]->missing, s_head[ri] - filled[ri]);
                    CHECK(strlen(t->unfilled_roles[u]->reason) > 0);
                }
            CHECK(reported);
        }
    }
    /* Explanation: every required skill listed; coverers are members. */
    CHECK(t->n_coverage >= N_ROLES * 3);
    for (size_t s = 0; s < t->n_coverage; s++) {
        const Bole__SkillCoverage *c = t->coverage[s];
        CHECK(c->coverage >= 0.0f && c->coverage <= 1.0f + 1e-6f);
        CHECK((c->n_covered_by == 0) == (c->coverage == 0.0f));
        for (size_t k = 0; k < c->n_covered_by; k++) {
            int member = 0;
            for (size_t i = 0; i < t->n_members; i++)
                member |= strcmp(t->members[i]->talent_id, c->covered_by[k]) == 0;
            CHECK(member);
        }
    }
    return t->n_members ? (double)fit / (double)t->n_members : 0.0;
}

static size_t s_shared(const Bole__Team *a, const Bole__Team *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_members; i++)
        for (size_t j = 0; j < b->n_members; j++)
            n += strcmp(a->members[i]->talent_id, b->members[j]->talent_id) == 0;
    return n;
}

/* Next event on the SUB socket within timeout, or NULL. */
static Bole__Event *s_event(char *topic, size_t topic_len, int timeout_ms)
{
    zmq_pollitem_t item = {s_sub, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t t, b;
    zmq_msg_init(&t);
    zmq_msg_init(&b);
    REQUIRE(zmq_msg_recv(&t, s_sub, 0) >= 0);
    REQUIRE(zmq_msg_recv(&b, s_sub, 0) >= 0);
    snprintf(topic, topic_len, "%.*s", (int)zmq_msg_size(&t), (const char *)zmq_msg_data(&t));
    Bole__Event *e = bole__event__unpack(NULL, zmq_msg_size(&b), zmq_msg_data(&b));
    zmq_msg_close(&t);
    zmq_msg_close(&b);
    return e;
}

/* Expects the two TeamEvents of one change (team.<id> and team.project.<p>). */
static void s_expect_events(const char *team_id, const char *project, Bole__TeamAction action)
{
    char want1[128], want2[128], topic[160];
    snprintf(want1, sizeof want1, "team.%s", team_id);
    snprintf(want2, sizeof want2, "team.project.%s", project);
    int seen1 = 0, seen2 = 0;
    for (int i = 0; i < 2; i++) {
        Bole__Event *e = s_event(topic, sizeof topic, 3000);
        CHECK_NOT_NULL(e);
        if (!e)
            return;
        CHECK_EQ_INT(e->body_case, BOLE__EVENT__BODY_TEAM);
        if (e->body_case == BOLE__EVENT__BODY_TEAM) {
            CHECK_EQ_INT(e->team->action, action);
            CHECK_EQ_STR(e->team->team->team_id, team_id);
        }
        seen1 |= strcmp(topic, want1) == 0;
        seen2 |= strcmp(topic, want2) == 0;
        bole__event__free_unpacked(e, NULL);
    }
    CHECK(seen1 && seen2);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_project_roundtrip(project_t *pr)
{
    char err[512];
    CHECK_EQ_INT(s_put_project(&pr->p, err, sizeof err), BOLE__STATUS_CODE__OK);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = pr->p.external_id;
    req.body_case = BOLE__REQUEST__BODY_GET_PROJECT;
    req.get_project = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->project) {
        CHECK_EQ_UINT(r->project->n_roles, N_ROLES);
        CHECK(r->project->internal_id > 0);
        CHECK(r->project->updated_at > 0);
    }
    bole_response_free(r);
    /* Each role is a need of kind NEED_PROJECT_ROLE naming the project. */
    req.body_case = BOLE__REQUEST__BODY_GET_NEED;
    req.get_need = &b;
    b.id = pr->role_ids[2];
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->need) {
        CHECK_EQ_INT(r->need->kind, BOLE__NEED_KIND__NEED_PROJECT_ROLE);
        CHECK_EQ_STR(r->need->project_id, pr->p.external_id);
        CHECK_EQ_UINT(r->need->headcount, 2);
    }
    bole_response_free(r);
}

static double test_form_and_alternatives(project_t *pr, char team0[64],
                                         char members0[12][32], size_t *n0)
{
    Bole__Response *r = s_form(pr->p.external_id, 3, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->form_team != NULL && r->form_team->n_teams >= 2);
    const Bole__FormTeamResponse *f = r->form_team;
    double share = s_check_team(pr, f->teams[0]);
    CHECK_EQ_UINT(f->teams[0]->n_members, 6); /* Plenty of candidates: all seats filled. */
    CHECK(f->teams[0]->objective > 0.0f && f->teams[0]->coverage_score > 0.0f);
    for (size_t i = 1; i < f->n_teams; i++) {
        double s = s_check_team(pr, f->teams[i]);
        fprintf(stderr, "alternative %zu: %zu members, objective %.3f, role fit %.2f\n", i,
                f->teams[i]->n_members, (double)f->teams[i]->objective, s);
        /* Each alternative swaps at least 30% of every earlier team. */
        for (size_t j = 0; j < i; j++) {
            size_t nj = f->teams[j]->n_members;
            size_t swap = (size_t)ceil(0.3 * (double)nj - 1e-9);
            CHECK(s_shared(f->teams[i], f->teams[j]) <= nj - swap);
        }
        CHECK(f->teams[i]->objective <= f->teams[0]->objective + 1e-4f);
    }
    snprintf(team0, 64, "%s", f->teams[0]->team_id);
    *n0 = f->teams[0]->n_members;
    for (size_t i = 0; i < *n0 && i < 12; i++)
        snprintf(members0[i], 32, "%s", f->teams[0]->members[i]->talent_id);
    fprintf(stderr, "team %s: objective %.3f, coverage %.3f, role fit %.2f\n", team0,
            (double)f->teams[0]->objective, (double)f->teams[0]->coverage_score, share);
    for (size_t i = 0; i < f->teams[0]->n_members; i++)
        fprintf(stderr, "  %-10s %-14s match %.3f gain %.4f\n",
                f->teams[0]->members[i]->talent_id, f->teams[0]->members[i]->role_id,
                (double)f->teams[0]->members[i]->match_score,
                (double)f->teams[0]->members[i]->marginal_gain);
    bole_response_free(r);
    return share;
}

static void test_constraints(project_t *pr, char members0[12][32], size_t n0)
{
    /* Excluded talents never appear. */
    Bole__TeamConstraints c = BOLE__TEAM_CONSTRAINTS__INIT;
    char *ex[12];
    for (size_t i = 0; i < n0; i++)
        ex[i] = members0[i];
    c.exclude_talent_ids = ex;
    c.n_exclude_talent_ids = n0;
    Bole__Response *r = s_form(pr->p.external_id, 1, &c);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->form_team && r->form_team->n_teams == 1) {
        const Bole__Team *t = r->form_team->teams[0];
        s_check_team(pr, t);
        for (size_t i = 0; i < t->n_members; i++)
            for (size_t j = 0; j < n0; j++)
                CHECK(strcmp(t->members[i]->talent_id, members0[j]) != 0);
    }
    bole_response_free(r);

    /* same_zone: every member in Z1 (talent numbers not divisible by 3). */
    Bole__TeamConstraints z = BOLE__TEAM_CONSTRAINTS__INIT;
    z.same_zone = 1;
    r = s_form(pr->p.external_id, 1, &z);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->form_team && r->form_team->n_teams == 1) {
        const Bole__Team *t = r->form_team->teams[0];
        s_check_team(pr, t);
        for (size_t i = 0; i < t->n_members; i++)
            CHECK(!s_talent_zone2(atoi(strchr(t->members[i]->talent_id, '-') + 1)));
    }
    bole_response_free(r);
}

static void test_unfillable(void)
{
    /* A role whose zone has nobody: unfilled with a reason. */
    project_t pr;
    s_project(&pr, "P-nowhere", "Nowhere");
    char err[256];
    CHECK_EQ_INT(s_put_project(&pr.p, err, sizeof err), BOLE__STATUS_CODE__OK);
    Bole__TeamConstraints z = BOLE__TEAM_CONSTRAINTS__INIT;
    z.same_zone = 1;
    Bole__Response *r = s_form("P-nowhere", 1, &z);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->form_team && r->form_team->n_teams == 1) {
        const Bole__Team *t = r->form_team->teams[0];
        CHECK_EQ_UINT(t->n_members, 0);
        CHECK_EQ_UINT(t->n_unfilled_roles, N_ROLES);
        if (t->n_unfilled_roles)
            CHECK_CONTAINS(t->unfilled_roles[0]->reason, "outside the project's zone");
        CHECK_EQ_UINT(t->n_uncovered_skills, t->n_coverage);
    }
    bole_response_free(r);
}

static void test_lifecycle(project_t *pr, const char *team0, char members0[12][32], size_t n0)
{
    Bole__Response *r = s_update(team0, BOLE__TEAM_ACTION__TEAM_ACCEPTED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->team)
        CHECK_EQ_INT(r->team->state, BOLE__TEAM_ACTION__TEAM_ACCEPTED);
    bole_response_free(r);
    s_expect_events(team0, pr->p.external_id, BOLE__TEAM_ACTION__TEAM_ACCEPTED);

    /* Accepting twice is refused. */
    r = s_update(team0, BOLE__TEAM_ACTION__TEAM_ACCEPTED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    bole_response_free(r);

    /* With max_concurrent_teams 1, accepted members are not proposed again. */
    r = s_form(pr->p.external_id, 1, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    char other[64] = "";
    if (r->form_team && r->form_team->n_teams == 1) {
        const Bole__Team *t = r->form_team->teams[0];
        snprintf(other, sizeof other, "%s", t->team_id);
        for (size_t i = 0; i < t->n_members; i++)
            for (size_t j = 0; j < n0; j++)
                CHECK(strcmp(t->members[i]->talent_id, members0[j]) != 0);
    }
    bole_response_free(r);
    /* ... but with a limit of 2 they may be. A proposal that shares a member
     * with the accepted team cannot be accepted while the limit is 1. */
    Bole__TeamConstraints c = BOLE__TEAM_CONSTRAINTS__INIT;
    c.max_concurrent_teams = 2;
    r = s_form(pr->p.external_id, 1, &c);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->form_team && r->form_team->n_teams == 1) {
        size_t again = 0;
        const Bole__Team *t = r->form_team->teams[0];
        for (size_t i = 0; i < t->n_members; i++)
            for (size_t j = 0; j < n0; j++)
                again += strcmp(t->members[i]->talent_id, members0[j]) == 0;
        CHECK(again > 0);
    }
    bole_response_free(r);

    /* Withdraw a member: one fewer member, the seat is reported. */
    r = s_update(team0, BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN, members0[0]);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->team) {
        CHECK_EQ_UINT(r->team->n_members, n0 - 1);
        CHECK_EQ_UINT(r->team->n_unfilled_roles, 1);
        CHECK_EQ_INT(r->team->state, BOLE__TEAM_ACTION__TEAM_ACCEPTED);
        for (size_t i = 0; i < r->team->n_members; i++)
            CHECK(strcmp(r->team->members[i]->talent_id, members0[0]) != 0);
    }
    bole_response_free(r);
    s_expect_events(team0, pr->p.external_id, BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN);
    r = s_update(team0, BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN, members0[0]);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    bole_response_free(r);

    /* Deleting a project with an accepted team is refused, nothing changes. */
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_DELETE_PROJECT, pr->p.external_id),
                 BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_PROJECT, pr->p.external_id),
                 BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_NEED, pr->role_ids[0]),
                 BOLE__STATUS_CODE__OK);

    r = s_update(team0, BOLE__TEAM_ACTION__TEAM_DISSOLVED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    s_expect_events(team0, pr->p.external_id, BOLE__TEAM_ACTION__TEAM_DISSOLVED);
    r = s_update(team0, BOLE__TEAM_ACTION__TEAM_DISSOLVED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    bole_response_free(r);
    (void)other;
}

static void test_team_for_projects(void)
{
    /* A second project that needs designers only. */
    project_t de;
    s_project(&de, "P-design", "Z1");
    de.rp[0] = &de.r[1];
    de.p.n_roles = 1;
    char err[256];
    CHECK_EQ_INT(s_put_project(&de.p, err, sizeof err), BOLE__STATUS_CODE__OK);

    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__TeamForProjectsRequest b = BOLE__TEAM_FOR_PROJECTS_REQUEST__INIT;
    char *team[] = {"dev-1", "dev-2", "ds-1", "ds-2", "pm-1", "des-1"};
    b.talent_ids = team;
    b.n_talent_ids = 6;
    b.k = 5;
    req.body_case = BOLE__REQUEST__BODY_TEAM_FOR_PROJECTS;
    req.team_for_projects = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->team_for_projects) {
        const Bole__TeamForProjectsResponse *t = r->team_for_projects;
        CHECK(t->n_projects >= 2);
        if (t->n_projects >= 1) {
            CHECK_EQ_STR(t->projects[0]->project_id, "P-product");
            CHECK_NOT_NULL(t->projects[0]->assignment);
            if (t->projects[0]->assignment)
                CHECK_EQ_UINT(t->projects[0]->assignment->n_members, 6);
        }
        for (size_t i = 1; i < t->n_projects; i++)
            CHECK(t->projects[i]->score <= t->projects[i - 1]->score);
    }
    bole_response_free(r);

    /* Bad input. */
    char *dup[] = {"dev-1", "dev-1"};
    b.talent_ids = dup;
    b.n_talent_ids = 2;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, "repeats");
    bole_response_free(r);
    char *unknown[] = {"dev-1", "nobody-7"};
    b.talent_ids = unknown;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_CONTAINS(r->error, "nobody-7");
    bole_response_free(r);
    b.talent_ids = team;
    b.n_talent_ids = 6;
    b.k = 101;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
    b.n_talent_ids = 0;
    b.k = 1;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
}

static void test_bad_input(void)
{
    char err[512];
    project_t pr;
    /* Empty roles. */
    s_project(&pr, "P-bad", "Z1");
    pr.p.n_roles = 0;
    CHECK_EQ_INT(s_put_project(&pr.p, err, sizeof err), BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "at least one role");
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_PROJECT, "P-bad"),
                 BOLE__STATUS_CODE__NOT_FOUND);
    /* Headcount 0: refused, and no role need was stored either. */
    s_project(&pr, "P-bad", "Z1");
    pr.r[3].headcount = 0;
    CHECK_EQ_INT(s_put_project(&pr.p, err, sizeof err), BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "roles[3].headcount");
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_PROJECT, "P-bad"),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_NEED, pr.role_ids[0]),
                 BOLE__STATUS_CODE__NOT_FOUND);
    /* Duplicate role ids. */
    s_project(&pr, "P-bad", "Z1");
    pr.r[1].role_id = pr.r[0].role_id;
    CHECK_EQ_INT(s_put_project(&pr.p, err, sizeof err), BOLE__STATUS_CODE__INVALID_ARGUMENT);
    /* A role id that is another project's role. */
    s_project(&pr, "P-bad", "Z1");
    pr.r[0].role_id = "P-product-dev";
    CHECK_EQ_INT(s_put_project(&pr.p, err, sizeof err), BOLE__STATUS_CODE__ALREADY_EXISTS);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_PROJECT, "P-bad"),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_NEED, pr.role_ids[1]),
                 BOLE__STATUS_CODE__NOT_FOUND);

    /* FormTeam: unknown project, k out of range, bad difference. */
    Bole__Response *r = s_form("P-none", 1, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    bole_response_free(r);
    r = s_form("P-product", 11, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, "alternatives");
    bole_response_free(r);
    Bole__TeamConstraints c = BOLE__TEAM_CONSTRAINTS__INIT;
    c.min_difference = 1.5f;
    r = s_form("P-product", 1, &c);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);

    /* UpdateTeam: malformed id, unknown team, bad action, missing talent. */
    r = s_update("42", BOLE__TEAM_ACTION__TEAM_ACCEPTED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
    r = s_update("team-999999", BOLE__TEAM_ACTION__TEAM_ACCEPTED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    bole_response_free(r);
    r = s_update("team-1", BOLE__TEAM_ACTION__TEAM_PROPOSED, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
    r = s_update("team-1", BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN, NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
    CHECK(harness_health_ok(s_c));
}

/* Outcome tracking (issue 6): a FormTeam answer carries a request id, its
 * proposed member-role pairs are feature-logged with SOURCE_TEAM, feedback
 * quoting the id joins them, and FeedbackStats shows the team funnel. */
static Bole__Response *s_team_stats(void)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FeedbackStatsRequest b = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    b.source = BOLE__FEEDBACK_SOURCE__SOURCE_TEAM;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    req.feedback_stats = &b;
    return s_call(&req);
}

static void test_team_feedback(void)
{
    Bole__Response *other = s_form("P-product", 1, NULL);
    Bole__Response *r = s_form("P-product", 2, NULL);
    REQUIRE(other->form_team != NULL && r->form_team != NULL);
    const Bole__FormTeamResponse *f = r->form_team;
    REQUIRE(f->n_teams >= 1 && f->teams[0]->n_members >= 2);
    CHECK(f->request_id != NULL && f->request_id[0] != 0);
    CHECK(strcmp(f->request_id, other->form_team->request_id) != 0);
    /* Distinct pairs of this answer: alternatives may repeat a member. */
    size_t pairs = 0;
    for (size_t t = 0; t < f->n_teams; t++)
        for (size_t i = 0; i < f->teams[t]->n_members; i++) {
            const Bole__TeamMember *m = f->teams[t]->members[i];
            int repeat = 0;
            for (size_t u = 0; u < t && !repeat; u++)
                for (size_t j = 0; j < f->teams[u]->n_members && !repeat; j++)
                    repeat = strcmp(f->teams[u]->members[j]->talent_id, m->talent_id) == 0 &&
                             strcmp(f->teams[u]->members[j]->role_id, m->role_id) == 0;
            pairs += !repeat;
        }
    const Bole__TeamMember *a = f->teams[0]->members[0], *b = f->teams[0]->members[1];

    /* Member a goes all the way to hire, b is only shown; one event names a
     * talent the answer did not propose for that role, one an unknown id. */
    static const Bole__FeedbackKind path[] = {
        BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION, BOLE__FEEDBACK_KIND__FEEDBACK_CLICK,
        BOLE__FEEDBACK_KIND__FEEDBACK_APPLY, BOLE__FEEDBACK_KIND__FEEDBACK_INTERVIEW,
        BOLE__FEEDBACK_KIND__FEEDBACK_HIRE};
    enum { N_PATH = sizeof path / sizeof path[0], N_EV = N_PATH + 3 };
    Bole__FeedbackEvent ev[N_EV], *evp[N_EV];
    for (size_t i = 0; i < N_EV; i++) {
        Bole__FeedbackEvent e0 = BOLE__FEEDBACK_EVENT__INIT;
        ev[i] = e0;
        ev[i].request_id = f->request_id;
        ev[i].talent_id = a->talent_id;
        ev[i].need_id = a->role_id;
        ev[i].position = 1;
        ev[i].kind = i < N_PATH ? path[i] : BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION;
        evp[i] = &ev[i];
    }
    ev[N_PATH].talent_id = b->talent_id;
    ev[N_PATH].need_id = b->role_id;
    ev[N_PATH].position = 2;
    ev[N_PATH + 1].talent_id = (char *)"T-not-proposed";
    ev[N_PATH + 2].request_id = (char *)"no-such-team-answer";
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RecordFeedbackRequest rb = BOLE__RECORD_FEEDBACK_REQUEST__INIT;
    rb.events = evp;
    rb.n_events = N_EV;
    req.body_case = BOLE__REQUEST__BODY_RECORD_FEEDBACK;
    req.record_feedback = &rb;
    Bole__Response *fr = s_call(&req);
    CHECK_EQ_INT(fr->status, BOLE__STATUS_CODE__OK);
    REQUIRE(fr->record_feedback != NULL);
    CHECK_EQ_UINT(fr->record_feedback->recorded, N_EV);
    CHECK_EQ_UINT(fr->record_feedback->joined, N_PATH + 1);
    /* Ids of events that did not join, once each: ours (the talent it did
     * not propose) and the made-up one. */
    CHECK_EQ_UINT(fr->record_feedback->n_unknown_request_ids, 2);
    int made_up = 0;
    for (size_t i = 0; i < fr->record_feedback->n_unknown_request_ids; i++)
        made_up += strcmp(fr->record_feedback->unknown_request_ids[i], "no-such-team-answer") == 0;
    CHECK_EQ_INT(made_up, 1);
    bole_response_free(fr);

    /* The logger thread writes the pairs within ~100 ms; wait (up to 10 s,
     * not a timed assertion) until the funnel sees them. */
    Bole__Response *st = NULL;
    for (int tries = 0; tries < 200; tries++) {
        bole_response_free(st);
        st = s_team_stats();
        if (st->feedback_stats && st->feedback_stats->n_rows == 1 &&
            st->feedback_stats->rows[0]->impressions >= 2)
            break;
        usleep(50 * 1000);
    }
    CHECK_EQ_INT(st->status, BOLE__STATUS_CODE__OK);
    REQUIRE(st->feedback_stats != NULL && st->feedback_stats->n_rows == 1);
    const Bole__FunnelRow *row = st->feedback_stats->rows[0];
    CHECK_EQ_INT(row->source, BOLE__FEEDBACK_SOURCE__SOURCE_TEAM);
    CHECK_GE_UINT(row->served, pairs + other->form_team->teams[0]->n_members);
    CHECK_EQ_UINT(row->impressions, 2); /* a and b; the unjoined events do not count. */
    CHECK_EQ_UINT(row->clicks, 1);
    CHECK_EQ_UINT(row->applies, 1);
    CHECK_EQ_UINT(row->interviews, 1);
    CHECK_EQ_UINT(row->hires, 1);
    bole_response_free(st);

    /* The logged row of member a: its features, score and source. */
    int found = 0;
    uint64_t after = 0;
    for (int page = 0; page < 100 && !found; page++) {
        Bole__Request xq = BOLE__REQUEST__INIT;
        Bole__ExportOutcomesRequest xb = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
        xb.after_seq = after;
        xb.limit = 1000;
        xq.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
        xq.export_outcomes = &xb;
        Bole__Response *x = s_call(&xq);
        REQUIRE(x->export_outcomes != NULL);
        for (size_t i = 0; i < x->export_outcomes->n_rows; i++) {
            const Bole__OutcomeRow *o = x->export_outcomes->rows[i];
            if (strcmp(o->request_id, f->request_id) != 0 || strcmp(o->talent_id, a->talent_id))
                continue;
            found++;
            CHECK_EQ_STR(o->need_id, a->role_id);
            CHECK_EQ_INT(o->source, BOLE__FEEDBACK_SOURCE__SOURCE_TEAM);
            CHECK_EQ_UINT(o->position, 1);
            CHECK_EQ_INT(o->outcome, BOLE__FEEDBACK_KIND__FEEDBACK_HIRE);
            CHECK_NEAR(o->score, a->match_score, 1e-6);
            REQUIRE(o->n_features == 10);
            CHECK_EQ_STR(o->features[0]->feature, "similarity");
            CHECK(o->features[0]->value > 0.0f);
        }
        after = x->export_outcomes->last_seq;
        int more = x->export_outcomes->more;
        bole_response_free(x);
        if (!more)
            break;
    }
    CHECK_EQ_INT(found, 1);
    bole_response_free(other);
    bole_response_free(r);
}

static void test_delete(void)
{
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_DELETE_PROJECT, "P-product"),
                 BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_PROJECT, "P-product"),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_GET_NEED, "P-product-dev"),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_get_status(BOLE__REQUEST__BODY_DELETE_PROJECT, "P-product"),
                 BOLE__STATUS_CODE__NOT_FOUND);
}

int main(void)
{
    s_load_onet();
    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 20000);
    REQUIRE(s_c != NULL);
    s_zmq = zmq_ctx_new();
    s_sub = zmq_socket(s_zmq, ZMQ_SUB);
    REQUIRE(zmq_setsockopt(s_sub, ZMQ_SUBSCRIBE, "team.", 5) == 0);
    REQUIRE(zmq_connect(s_sub, harness_events_endpoint(s_h)) == 0);

    s_put_talents();
    project_t pr;
    s_project(&pr, "P-product", "Z1");
    test_project_roundtrip(&pr);
    char team0[64];
    char members0[12][32];
    size_t n0 = 0;
    double share = test_form_and_alternatives(&pr, team0, members0, &n0);
    fprintf(stderr, "QUALITY: share of members whose O*NET occupation is the role's: %.2f\n",
            share);
    CHECK(share >= 0.66);
    test_constraints(&pr, members0, n0);
    test_unfillable();
    usleep(200 * 1000); /* Let the SUB connection settle before events. */
    test_lifecycle(&pr, team0, members0, n0);
    test_team_for_projects();
    test_bad_input();
    test_team_feedback();
    test_delete();

    zmq_close(s_sub);
    zmq_ctx_term(s_zmq);
    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(s_h, 10000), 0);
    harness_destroy(&s_h);
    for (size_t o = 0; o < N_OCC; o++)
        for (int k = 0; k < s_o[o].n; k++)
            free(s_o[o].skills[k]);
    return check_summary();
}
