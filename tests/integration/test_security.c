/*
 * test_security.c - CURVE + ZAP authentication, roles, zone scope (of every
 * module: profiles, matching, events, projects and teams, referrals,
 * leaderboards, trends, feedback, matches_since and the events socket), and
 * the refusal to bind beyond loopback without CURVE.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

typedef struct {
    char pub[41], sec[41];
} keypair_t;

static void s_keypair(keypair_t *k)
{
    REQUIRE(zmq_curve_keypair(k->pub, k->sec) == 0);
}

static Bole__Response *s_call(bole_client_t *c, Bole__Request *req)
{
    Bole__Response *r = NULL;
    if (bole_client_call(c, req, &r) != BOLE_OK)
        return NULL;
    return r;
}

static int s_health(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest h = BOLE__HEALTH_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &h;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    bole_response_free(r);
    return status;
}

static int s_put_talent(bole_client_t *c, const char *id, const char *zone, char *err,
                        size_t errlen)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest put = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s = BOLE__SKILL__INIT;
    Bole__Skill *skills[] = {&s};
    s.name = "Python";
    s.level = 4;
    t.external_id = (char *)id;
    t.zone = (char *)zone;
    t.occupation = "Software Developer";
    t.skills = skills;
    t.n_skills = 1;
    put.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &put;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    if (r && err)
        snprintf(err, errlen, "%s", r->error ? r->error : "");
    bole_response_free(r);
    return status;
}

static int s_get_talent(bole_client_t *c, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest get = BOLE__ID_REQUEST__INIT;
    get.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    req.get_talent = &get;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    bole_response_free(r);
    return status;
}

static long s_talent_count(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest st = BOLE__STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &st;
    Bole__Response *r = s_call(c, &req);
    long n = r && r->status == BOLE__STATUS_CODE__OK ? (long)r->stats->talents : -1;
    bole_response_free(r);
    return n;
}

static bole_client_t *s_client(harness_t *h, const char *server_pub, const keypair_t *k,
                               int timeout_ms)
{
    bole_client_t *c = bole_client_new(harness_endpoint(h), timeout_ms);
    REQUIRE(c != NULL);
    if (k)
        REQUIRE(bole_client_set_curve(c, server_pub, k->pub, k->sec) == BOLE_OK);
    return c;
}

/* ---- zone scope of every module --------------------------------------------- */

/* One call: status (-1 if no answer); *out keeps the response if not NULL. */
static int s_do(bole_client_t *c, Bole__Request *req, Bole__Response **out)
{
    Bole__Response *r = s_call(c, req);
    int status = r ? (int)r->status : -1;
    if (out)
        *out = r;
    else
        bole_response_free(r);
    return status;
}

/* A request whose body is an IdRequest (every such member shares the union). */
static int s_by_id(bole_client_t *c, int body_case, const char *id, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    req.body_case = body_case;
    req.get_project = &b;
    return s_do(c, &req, out);
}

static int s_put_need(bole_client_t *c, const char *id, const char *zone)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest put = BOLE__PUT_NEED_REQUEST__INIT;
    Bole__Need n = BOLE__NEED__INIT;
    Bole__NeedSkill s = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *skills[] = {&s};
    s.name = "Python";
    s.min_level = 3;
    s.must_have = 1;
    n.external_id = (char *)id;
    n.zone = (char *)zone;
    n.organisation = "Acme";
    n.title = "Software Developer";
    n.skills = skills;
    n.n_skills = 1;
    put.need = &n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &put;
    return s_do(c, &req, NULL);
}

static int s_create_event(bole_client_t *c, const char *id, const char *zone)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__CreateEventRequest b = BOLE__CREATE_EVENT_REQUEST__INIT;
    Bole__MatchingEvent e = BOLE__MATCHING_EVENT__INIT;
    e.external_id = (char *)id;
    e.name = "Job fair";
    e.starts_at = 1800000000000;
    e.ends_at = 1800000000000 + 8 * 3600000LL;
    e.slot_minutes = 20;
    e.slot_count = 4;
    e.zone = (char *)zone;
    b.event = &e;
    req.body_case = BOLE__REQUEST__BODY_CREATE_EVENT;
    req.create_event = &b;
    return s_do(c, &req, NULL);
}

/* Registers one talent and/or one booth, or everyone by filter zone (NULL:
 * empty filters). */
static int s_register(bole_client_t *c, const char *event, const char *talent, const char *need,
                      int by_filter, const char *filter_zone, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RegisterForEventRequest b = BOLE__REGISTER_FOR_EVENT_REQUEST__INIT;
    Bole__Booth booth = BOLE__BOOTH__INIT;
    Bole__Booth *booths[] = {&booth};
    char *talents[] = {(char *)talent};
    Bole__MatchFilter tf = BOLE__MATCH_FILTER__INIT;
    char *zones[] = {(char *)filter_zone};
    b.event_id = (char *)event;
    if (talent) {
        b.talent_ids = talents;
        b.n_talent_ids = 1;
    }
    if (need) {
        booth.need_id = (char *)need;
        b.booths = booths;
        b.n_booths = 1;
    }
    b.by_filter = by_filter;
    if (filter_zone) {
        tf.zones = zones;
        tf.n_zones = 1;
        b.talent_filter = &tf;
    }
    req.body_case = BOLE__REQUEST__BODY_REGISTER_FOR_EVENT;
    req.register_for_event = &b;
    return s_do(c, &req, out);
}

static int s_run_event(bole_client_t *c, const char *event, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RunEventMatchingRequest b = BOLE__RUN_EVENT_MATCHING_REQUEST__INIT;
    b.event_id = (char *)event;
    req.body_case = BOLE__REQUEST__BODY_RUN_EVENT_MATCHING;
    req.run_event_matching = &b;
    return s_do(c, &req, out);
}

static int s_put_project(bole_client_t *c, const char *id, const char *zone, const char *role)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutProjectRequest b = BOLE__PUT_PROJECT_REQUEST__INIT;
    Bole__Project p = BOLE__PROJECT__INIT;
    Bole__ProjectRole r = BOLE__PROJECT_ROLE__INIT;
    Bole__ProjectRole *roles[] = {&r};
    Bole__NeedSkill s = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *skills[] = {&s};
    s.name = "Python";
    s.min_level = 3;
    s.must_have = 1;
    r.role_id = (char *)role;
    r.title = "Software Developer";
    r.skills = skills;
    r.n_skills = 1;
    r.headcount = 2;
    p.external_id = (char *)id;
    p.zone = (char *)zone;
    p.organisation = "Acme";
    p.title = "Platform";
    p.roles = roles;
    p.n_roles = 1;
    b.project = &p;
    req.body_case = BOLE__REQUEST__BODY_PUT_PROJECT;
    req.put_project = &b;
    return s_do(c, &req, NULL);
}

static int s_form_team(bole_client_t *c, const char *project, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FormTeamRequest b = BOLE__FORM_TEAM_REQUEST__INIT;
    b.project_id = (char *)project;
    req.body_case = BOLE__REQUEST__BODY_FORM_TEAM;
    req.form_team = &b;
    return s_do(c, &req, out);
}

static int s_team_for(bole_client_t *c, const char *talent, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__TeamForProjectsRequest b = BOLE__TEAM_FOR_PROJECTS_REQUEST__INIT;
    char *ids[] = {(char *)talent};
    b.talent_ids = ids;
    b.n_talent_ids = 1;
    req.body_case = BOLE__REQUEST__BODY_TEAM_FOR_PROJECTS;
    req.team_for_projects = &b;
    return s_do(c, &req, out);
}

static int s_update_team(bole_client_t *c, const char *team, int action)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__UpdateTeamRequest b = BOLE__UPDATE_TEAM_REQUEST__INIT;
    b.team_id = (char *)team;
    b.action = action;
    req.body_case = BOLE__REQUEST__BODY_UPDATE_TEAM;
    req.update_team = &b;
    return s_do(c, &req, NULL);
}

static int s_refer(bole_client_t *c, const char *referrer, const char *referrer_zone,
                   const char *talent, char *referral_id, size_t len)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReferRequest b = BOLE__REFER_REQUEST__INIT;
    Bole__Referrer who = BOLE__REFERRER__INIT;
    who.id = (char *)referrer;
    who.kind = BOLE__REFERRER_KIND__REFERRER_INSTITUTION;
    who.name = (char *)referrer;
    who.zone = (char *)referrer_zone;
    b.referrer = &who;
    b.talent_id = (char *)talent;
    req.body_case = BOLE__REQUEST__BODY_REFER;
    req.refer = &b;
    Bole__Response *r = NULL;
    int status = s_do(c, &req, &r);
    if (referral_id)
        snprintf(referral_id, len, "%s", status == 0 && r->referral ? r->referral->referral_id : "");
    bole_response_free(r);
    return status;
}

static int s_advance(bole_client_t *c, const char *referral, int stage)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__AdvanceReferralRequest b = BOLE__ADVANCE_REFERRAL_REQUEST__INIT;
    b.referral_id = (char *)referral;
    b.stage = stage;
    b.actor = "tester";
    req.body_case = BOLE__REQUEST__BODY_ADVANCE_REFERRAL;
    req.advance_referral = &b;
    return s_do(c, &req, NULL);
}

static int s_leaderboard(bole_client_t *c, const char *zone, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__LeaderboardRequest b = BOLE__LEADERBOARD_REQUEST__INIT;
    b.zone = (char *)zone;
    req.body_case = BOLE__REQUEST__BODY_LEADERBOARD;
    req.leaderboard = &b;
    return s_do(c, &req, out);
}

static int s_statement(bole_client_t *c, const char *referrer)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatementRequest b = BOLE__STATEMENT_REQUEST__INIT;
    b.referrer_id = (char *)referrer;
    req.body_case = BOLE__REQUEST__BODY_REFERRER_STATEMENT;
    req.referrer_statement = &b;
    return s_do(c, &req, NULL);
}

static int s_trends_zone(bole_client_t *c, const char *zone, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__TrendsRequest b = BOLE__TRENDS_REQUEST__INIT;
    char *zones[] = {(char *)zone};
    b.dimension = BOLE__TREND_DIMENSION__TREND_ZONE;
    b.window = BOLE__TREND_WINDOW__TREND_DAY;
    b.from = (int64_t)time(NULL) * 1000 - 2 * 86400000LL;
    if (zone) {
        b.zones = zones;
        b.n_zones = 1;
    }
    req.body_case = BOLE__REQUEST__BODY_TRENDS;
    req.trends = &b;
    return s_do(c, &req, out);
}

/* 1 if key appears in any series of a trends answer. */
static int s_trend_has(const Bole__Response *r, const char *key)
{
    for (size_t i = 0; r && r->trends && i < r->trends->n_series; i++)
        if (strcmp(r->trends->series[i]->key, key) == 0)
            return 1;
    return 0;
}

static int s_feedback(bole_client_t *c, const char *talent, const char *need, uint64_t *seq)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FeedbackRequest b = BOLE__FEEDBACK_REQUEST__INIT;
    b.talent_id = (char *)talent;
    b.need_id = (char *)need;
    b.kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK;
    req.feedback = &b;
    Bole__Response *r = NULL;
    int status = s_do(c, &req, &r);
    if (seq)
        *seq = status == 0 && r->feedback ? r->feedback->seq : 0;
    bole_response_free(r);
    return status;
}

static int s_since(bole_client_t *c, uint64_t since, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchesSinceRequest b = BOLE__MATCHES_SINCE_REQUEST__INIT;
    b.since_seq = since;
    b.limit = 10000;
    req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
    req.matches_since = &b;
    return s_do(c, &req, out);
}

static int s_in_zone_a(const char *id)
{
    return strcmp(id, "T-a") == 0 || strcmp(id, "N-a") == 0 || strcmp(id, "R-a") == 0;
}

/* Pair ids of a stream event (match or withdrawal). */
static void s_pair(const Bole__Event *e, const char **talent, const char **need)
{
    *talent = *need = "";
    if (e->body_case == BOLE__EVENT__BODY_MATCH && e->match && e->match->match) {
        *talent = e->match->match->talent_id;
        *need = e->match->match->need_id;
    } else if (e->body_case == BOLE__EVENT__BODY_WITHDRAWN && e->withdrawn) {
        *talent = e->withdrawn->talent_id;
        *need = e->withdrawn->need_id;
    }
}

static void s_recv_all(void *sock, int *got, int timeout_ms)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, timeout_ms) > 0) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0)
            break;
        if (!zmq_msg_more(&m))
            (*got)++;
        zmq_msg_close(&m);
        timeout_ms = 0;
    }
}

static void *s_subscriber(void *zmq, const harness_t *h, const char *server_pub,
                          const keypair_t *k)
{
    void *sub = zmq_socket(zmq, ZMQ_SUB);
    REQUIRE(sub != NULL);
    REQUIRE(zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, server_pub, 40) == 0);
    REQUIRE(zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, k->pub, 40) == 0);
    REQUIRE(zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, k->sec, 40) == 0);
    REQUIRE(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    REQUIRE(zmq_connect(sub, harness_events_endpoint(h)) == 0);
    return sub;
}

/*
 * Every module under zone scope: portal-a, org-a and ana-a are limited to
 * ZoneA, ops (admin) is not. For each: allowed in ZoneA, PERMISSION_DENIED
 * for ZoneB, and the denied write changed nothing (checked through ops).
 */
static void test_zone_scope(harness_t *h, const char *server_pub, bole_client_t *adm,
                            bole_client_t *por, bole_client_t *org, bole_client_t *ana,
                            const keypair_t *admin_key, const keypair_t *portal_key)
{
    const int DENIED = BOLE__STATUS_CODE__PERMISSION_DENIED, OK = BOLE__STATUS_CODE__OK;
    Bole__Response *r = NULL;

    /* The events socket: a scoped subscriber is refused at the handshake,
     * an unscoped one gets events. */
    void *zmq = zmq_ctx_new();
    REQUIRE(zmq != NULL);
    void *sub_adm = s_subscriber(zmq, h, server_pub, admin_key);
    void *sub_por = s_subscriber(zmq, h, server_pub, portal_key);

    /* Talents T-a (ZoneA) and T-b (ZoneB) exist; needs of both zones. */
    CHECK_EQ_INT(s_put_need(por, "N-a", "ZoneA"), OK);
    CHECK_EQ_INT(s_put_need(por, "N-b", "ZoneB"), DENIED);
    CHECK_EQ_INT(s_by_id(adm, BOLE__REQUEST__BODY_GET_NEED, "N-b", NULL),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_put_need(adm, "N-b", "ZoneB"), OK);

    /* Events: an event belongs to its zone. */
    CHECK_EQ_INT(s_create_event(org, "E-b", "ZoneB"), DENIED);
    CHECK_EQ_INT(s_create_event(adm, "E-b", "ZoneB"), OK); /* the denied create wrote nothing */
    CHECK_EQ_INT(s_create_event(org, "E-a", "ZoneA"), OK);
    /* By filter with empty filters: everyone of the key's zones, no more. */
    CHECK_EQ_INT(s_register(org, "E-a", NULL, NULL, 1, NULL, &r), OK);
    if (r && r->register_for_event) {
        CHECK_EQ_UINT(r->register_for_event->talents_registered, 1);
        CHECK_EQ_UINT(r->register_for_event->booths_registered, 1);
    }
    bole_response_free(r);
    CHECK_EQ_INT(s_register(org, "E-a", NULL, NULL, 1, "ZoneB", NULL), DENIED);
    CHECK_EQ_INT(s_register(org, "E-a", "T-b", NULL, 0, NULL, NULL), DENIED);
    CHECK_EQ_INT(s_register(org, "E-a", NULL, "N-b", 0, NULL, NULL), DENIED);
    CHECK_EQ_INT(s_run_event(org, "E-a", &r), OK);
    if (r && r->schedule) {
        CHECK_EQ_UINT(r->schedule->talents_registered, 1); /* denied registrations: none */
        CHECK_EQ_UINT(r->schedule->booths_registered, 1);
        for (size_t i = 0; i < r->schedule->n_interviews; i++) {
            CHECK(s_in_zone_a(r->schedule->interviews[i]->talent_id));
            CHECK(s_in_zone_a(r->schedule->interviews[i]->need_id));
        }
    }
    bole_response_free(r);
    CHECK_EQ_INT(s_register(org, "E-b", "T-a", NULL, 0, NULL, NULL), DENIED);
    CHECK_EQ_INT(s_run_event(org, "E-b", NULL), DENIED);
    CHECK_EQ_INT(s_by_id(org, BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE, "E-b", NULL), DENIED);
    CHECK_EQ_INT(s_by_id(org, BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE, "E-a", NULL), OK);
    CHECK_EQ_INT(s_run_event(adm, "E-b", &r), OK);
    if (r && r->schedule)
        CHECK_EQ_UINT(r->schedule->talents_registered, 0);
    bole_response_free(r);

    /* Projects and teams: a project belongs to its zone, its teams too. */
    CHECK_EQ_INT(s_put_project(por, "P-b", "ZoneB", "R-b"), DENIED);
    CHECK_EQ_INT(s_by_id(adm, BOLE__REQUEST__BODY_GET_PROJECT, "P-b", NULL),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_by_id(adm, BOLE__REQUEST__BODY_GET_NEED, "R-b", NULL),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_put_project(adm, "P-b", "ZoneB", "R-b"), OK);
    CHECK_EQ_INT(s_put_project(por, "P-a", "ZoneA", "R-a"), OK);
    CHECK_EQ_INT(s_by_id(por, BOLE__REQUEST__BODY_GET_PROJECT, "P-a", NULL), OK);
    CHECK_EQ_INT(s_by_id(por, BOLE__REQUEST__BODY_GET_PROJECT, "P-b", NULL), DENIED);
    CHECK_EQ_INT(s_by_id(por, BOLE__REQUEST__BODY_DELETE_PROJECT, "P-b", NULL), DENIED);
    CHECK_EQ_INT(s_put_project(por, "P-b", "ZoneA", "R-b"), DENIED); /* no moving it over */
    CHECK_EQ_INT(s_by_id(adm, BOLE__REQUEST__BODY_GET_PROJECT, "P-b", &r), OK);
    if (r && r->project)
        CHECK_EQ_STR(r->project->zone, "ZoneB");
    bole_response_free(r);
    /* Teams for P-a through the scoped key draw on ZoneA only; ops may mix. */
    CHECK_EQ_INT(s_form_team(por, "P-a", &r), OK);
    size_t members = 0;
    for (size_t t = 0; r && r->form_team && t < r->form_team->n_teams; t++)
        for (size_t i = 0; i < r->form_team->teams[t]->n_members; i++, members++)
            CHECK_EQ_STR(r->form_team->teams[t]->members[i]->talent_id, "T-a");
    CHECK(members > 0);
    bole_response_free(r);
    CHECK_EQ_INT(s_form_team(adm, "P-a", &r), OK);
    int mixed = 0;
    for (size_t t = 0; r && r->form_team && t < r->form_team->n_teams; t++)
        for (size_t i = 0; i < r->form_team->teams[t]->n_members; i++)
            mixed |= strcmp(r->form_team->teams[t]->members[i]->talent_id, "T-b") == 0;
    CHECK(mixed); /* without scope T-b would be proposed */
    bole_response_free(r);
    CHECK_EQ_INT(s_form_team(por, "P-b", NULL), DENIED);
    CHECK_EQ_INT(s_team_for(por, "T-b", NULL), DENIED);
    CHECK_EQ_INT(s_team_for(por, "T-a", &r), OK);
    if (r && r->team_for_projects) {
        CHECK_EQ_UINT(r->team_for_projects->n_projects, 1);
        for (size_t i = 0; i < r->team_for_projects->n_projects; i++)
            CHECK_EQ_STR(r->team_for_projects->projects[i]->project_id, "P-a");
    }
    bole_response_free(r);
    CHECK_EQ_INT(s_team_for(adm, "T-a", &r), OK);
    CHECK_EQ_UINT(r && r->team_for_projects ? r->team_for_projects->n_projects : 0, 2);
    bole_response_free(r);
    CHECK_EQ_INT(s_form_team(adm, "P-b", &r), OK);
    char team_b[64] = "";
    if (r && r->form_team && r->form_team->n_teams)
        snprintf(team_b, sizeof team_b, "%s", r->form_team->teams[0]->team_id);
    bole_response_free(r);
    CHECK_EQ_INT(s_update_team(por, team_b, BOLE__TEAM_ACTION__TEAM_DISSOLVED), DENIED);
    /* Still proposed: accepting works only from there. */
    CHECK_EQ_INT(s_update_team(adm, team_b, BOLE__TEAM_ACTION__TEAM_ACCEPTED), OK);

    /* Referrals: a referral belongs to its talent's zone. */
    char ra[32], rb[32];
    CHECK_EQ_INT(s_refer(por, "X-b", "ZoneB", "T-a", NULL, 0), DENIED);
    CHECK_EQ_INT(s_refer(por, "X-a", "ZoneA", "T-b", NULL, 0), DENIED);
    CHECK_EQ_INT(s_refer(por, "X-a", "ZoneA", "T-a", ra, sizeof ra), OK);
    CHECK_EQ_INT(s_refer(adm, "X-b", "ZoneB", "T-b", rb, sizeof rb), OK);
    /* A known referrer of ZoneB may not be pulled into ZoneA by a referral. */
    CHECK_EQ_INT(s_refer(por, "X-b", "ZoneA", "T-a", NULL, 0), DENIED);
    CHECK_EQ_INT(s_by_id(por, BOLE__REQUEST__BODY_GET_REFERRAL, ra, NULL), OK);
    CHECK_EQ_INT(s_by_id(por, BOLE__REQUEST__BODY_GET_REFERRAL, rb, NULL), DENIED);
    CHECK_EQ_INT(s_advance(por, rb, BOLE__REFERRAL_STAGE__STAGE_VERIFIED), DENIED);
    CHECK_EQ_INT(s_by_id(adm, BOLE__REQUEST__BODY_GET_REFERRAL, rb, &r), OK);
    if (r && r->referral) {
        CHECK_EQ_INT(r->referral->stage, BOLE__REFERRAL_STAGE__STAGE_SUBMITTED);
        CHECK_EQ_STR(r->referral->referrer->zone, "ZoneB");
    }
    bole_response_free(r);
    CHECK_EQ_INT(s_advance(por, ra, BOLE__REFERRAL_STAGE__STAGE_VERIFIED), OK);
    /* Leaderboards and statements: by the referrer's home zone. */
    CHECK_EQ_INT(s_leaderboard(ana, "", NULL), DENIED);
    CHECK_EQ_INT(s_leaderboard(ana, "ZoneB", NULL), DENIED);
    CHECK_EQ_INT(s_leaderboard(ana, "ZoneA", &r), OK);
    if (r && r->leaderboard) {
        CHECK_EQ_UINT(r->leaderboard->n_entries, 1);
        for (size_t i = 0; i < r->leaderboard->n_entries; i++)
            CHECK_EQ_STR(r->leaderboard->entries[i]->referrer->id, "X-a");
    }
    bole_response_free(r);
    CHECK_EQ_INT(s_statement(ana, "X-a"), OK);
    CHECK_EQ_INT(s_statement(ana, "X-b"), DENIED);
    CHECK_EQ_INT(s_statement(adm, "X-b"), OK);

    /* Trends: the key's zones only; naming another zone is refused. */
    CHECK_EQ_INT(s_trends_zone(ana, "ZoneB", NULL), DENIED);
    CHECK_EQ_INT(s_trends_zone(ana, "ZoneA", NULL), OK);
    CHECK_EQ_INT(s_trends_zone(adm, NULL, &r), OK);
    CHECK(s_trend_has(r, "zonea") && s_trend_has(r, "zoneb"));
    bole_response_free(r);
    CHECK_EQ_INT(s_trends_zone(ana, NULL, &r), OK);
    CHECK(s_trend_has(r, "zonea"));
    CHECK(!s_trend_has(r, "zoneb"));
    bole_response_free(r);

    /* Feedback names a pair: both sides must be of the key's zones; answers
     * spanning every zone are refused to scoped keys. */
    uint64_t seq = 0;
    CHECK_EQ_INT(s_feedback(por, "T-b", "N-b", NULL), DENIED);
    CHECK_EQ_INT(s_feedback(por, "T-a", "N-b", NULL), DENIED);
    CHECK_EQ_INT(s_feedback(por, "T-a", "N-a", &seq), OK);
    CHECK_EQ_UINT(seq, 1); /* the denied ones stored nothing */
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ExportOutcomesRequest ex = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
    req.export_outcomes = &ex;
    CHECK_EQ_INT(s_do(ana, &req, NULL), DENIED);
    CHECK_EQ_INT(s_do(adm, &req, NULL), OK);
    Bole__FeedbackStatsRequest fs = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    req.feedback_stats = &fs;
    CHECK_EQ_INT(s_do(por, &req, NULL), DENIED);
    CHECK_EQ_INT(s_do(adm, &req, NULL), OK);

    /* matches_since: the scoped key gets exactly ops' events whose talent
     * and need are both of ZoneA. The live matcher works in the background:
     * wait (bounded) until ops sees a ZoneA pair and a ZoneB one. */
    int seen_a = 0, seen_b = 0;
    for (int round = 0; round < 100 && !(seen_a && seen_b); round++) {
        CHECK_EQ_INT(s_since(adm, 0, &r), OK);
        for (size_t i = 0; r && r->matches_since && i < r->matches_since->n_events; i++) {
            const char *t, *n;
            s_pair(r->matches_since->events[i], &t, &n);
            seen_a |= s_in_zone_a(t) && s_in_zone_a(n);
            seen_b |= !s_in_zone_a(t) || !s_in_zone_a(n);
        }
        bole_response_free(r);
        if (!(seen_a && seen_b))
            nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    CHECK(seen_a && seen_b);
    Bole__Response *all = NULL;
    CHECK_EQ_INT(s_since(adm, 0, &all), OK);
    CHECK_EQ_INT(s_since(por, 0, &r), OK);
    if (all && r && all->matches_since && r->matches_since) {
        size_t expect = 0, j = 0;
        for (size_t i = 0; i < all->matches_since->n_events; i++) {
            const Bole__Event *e = all->matches_since->events[i];
            const char *t, *n;
            s_pair(e, &t, &n);
            if (!s_in_zone_a(t) || !s_in_zone_a(n))
                continue;
            expect++;
            if (j < r->matches_since->n_events)
                CHECK_EQ_UINT(r->matches_since->events[j++]->seq, e->seq);
        }
        CHECK(expect > 0);
        CHECK_EQ_UINT(r->matches_since->n_events, expect);
        /* last_seq moves past hidden events, so polling does not rescan them. */
        CHECK_EQ_UINT(r->matches_since->last_seq, all->matches_since->last_seq);
    }
    bole_response_free(r);
    bole_response_free(all);

    /* The events socket: ops' subscriber got the events of all this; the
     * scoped one was refused at the handshake and got nothing. */
    int got_adm = 0, got_por = 0;
    s_recv_all(sub_adm, &got_adm, 5000);
    s_recv_all(sub_por, &got_por, 0);
    CHECK(got_adm > 0);
    CHECK_EQ_INT(got_por, 0);
    zmq_close(sub_adm);
    zmq_close(sub_por);
    zmq_ctx_term(zmq);
}

static void test_refuses_public_bind_without_curve(void)
{
    char listen[64], events[64];
    snprintf(listen, sizeof listen, "tcp://0.0.0.0:%d", harness_free_port());
    snprintf(events, sizeof events, "tcp://127.0.0.1:%d", harness_free_port());
    char db[] = "/tmp/bole-sec-XXXXXX";
    REQUIRE(mkdtemp(db) != NULL);
    char dbfile[128];
    snprintf(dbfile, sizeof dbfile, "%s/b.db", db);
    const char *argv[] = {BOLED_PATH, "--listen", listen, "--events", events, "--db", dbfile,
                          "--model", BOLE_SOURCE_DIR "/models", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 20000, NULL);
    CHECK(rc != 0);
    CHECK_CONTAINS(err ? err : "", "refusing to bind");
    CHECK_CONTAINS(err ? err : "", "--insecure");
    free(out);
    free(err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", db);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_refuses_public_bind_without_curve();

    keypair_t server, admin, portal_a, analyst, stranger, org_a, ana_a;
    s_keypair(&org_a);
    s_keypair(&ana_a);
    s_keypair(&server);
    s_keypair(&admin);
    s_keypair(&portal_a);
    s_keypair(&analyst);
    s_keypair(&stranger);

    char dir[] = "/tmp/bole-sec-keys-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char allow[256], server_key[256];
    snprintf(allow, sizeof allow, "%s/clients.allow", dir);
    snprintf(server_key, sizeof server_key, "%s/server.key", dir);
    FILE *f = fopen(allow, "w");
    REQUIRE(f != NULL);
    fprintf(f, "# name role key zones\nops admin %s\nportal-a portal %s ZoneA\n"
               "analysts analyst %s\norg-a organiser %s ZoneA\nana-a analyst %s ZoneA\n",
            admin.pub, portal_a.pub, analyst.pub, org_a.pub, ana_a.pub);
    fclose(f);
    f = fopen(server_key, "w");
    REQUIRE(f != NULL);
    fprintf(f, "%s\n", server.sec);
    fclose(f);
    REQUIRE(chmod(server_key, 0600) == 0);

    harness_use_curve(server.pub, admin.pub, admin.sec);
    const char *extra[] = {"--auth", allow, "--server-key", server_key, NULL};
    harness_t *h = harness_start(extra);
    REQUIRE(h != NULL);

    bole_client_t *adm = s_client(h, server.pub, &admin, 3000);
    bole_client_t *por = s_client(h, server.pub, &portal_a, 3000);
    bole_client_t *ana = s_client(h, server.pub, &analyst, 3000);
    bole_client_t *str = s_client(h, server.pub, &stranger, 1000);
    bole_client_t *plain = s_client(h, NULL, NULL, 1000);

    CHECK_EQ_INT(s_health(adm), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_health(por), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_health(ana), BOLE__STATUS_CODE__OK);
    /* Unknown keys and plain-text clients get no answer at all. */
    CHECK_EQ_INT(s_health(str), -1);
    CHECK_EQ_INT(s_health(plain), -1);

    char err[512] = "";
    /* Roles. */
    CHECK_EQ_INT(s_put_talent(ana, "T-ana", "ZoneA", err, sizeof err),
                 BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_CONTAINS(err, "analysts");
    CHECK_EQ_INT(s_talent_count(ana), 0);
    CHECK_EQ_INT(s_talent_count(por), -1); /* stats is for analysts and admins */

    /* Zone scope: portal-a may write and read ZoneA only. */
    CHECK_EQ_INT(s_put_talent(por, "T-a", "ZoneA", err, sizeof err), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_put_talent(por, "T-b", "ZoneB", err, sizeof err),
                 BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_CONTAINS(err, "ZoneB");
    CHECK_EQ_INT(s_talent_count(ana), 1); /* the refused put changed nothing */
    CHECK_EQ_INT(s_put_talent(adm, "T-b", "ZoneB", err, sizeof err), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_talent(por, "T-a"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_talent(por, "T-b"), BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_EQ_INT(s_get_talent(adm, "T-b"), BOLE__STATUS_CODE__OK);

    /* Matching through a scoped key returns its zone only. */
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest m = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Need need = BOLE__NEED__INIT;
    need.external_id = "inline";
    need.title = "Software Developer";
    m.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
    m.need = &need;
    m.k = 10;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &m;
    Bole__Response *r = s_call(por, &req);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->match) {
        CHECK_EQ_UINT(r->match->n_results, 1);
        if (r->match->n_results)
            CHECK_EQ_STR(r->match->results[0]->talent_id, "T-a");
    }
    bole_response_free(r);
    r = s_call(adm, &req);
    REQUIRE(r != NULL);
    CHECK_EQ_UINT(r->match ? r->match->n_results : 0, 2);
    bole_response_free(r);

    bole_client_t *org = s_client(h, server.pub, &org_a, 3000);
    bole_client_t *ana_z = s_client(h, server.pub, &ana_a, 3000);
    test_zone_scope(h, server.pub, adm, por, org, ana_z, &admin, &portal_a);
    bole_client_destroy(&org);
    bole_client_destroy(&ana_z);

    /* Admin-only methods. */
    Bole__Request snap = BOLE__REQUEST__INIT;
    Bole__SnapshotRequest sr = BOLE__SNAPSHOT_REQUEST__INIT;
    snap.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
    snap.snapshot = &sr;
    r = s_call(por, &snap);
    CHECK(r != NULL && r->status == BOLE__STATUS_CODE__PERMISSION_DENIED);
    bole_response_free(r);
    r = s_call(adm, &snap);
    CHECK(r != NULL && r->status == BOLE__STATUS_CODE__OK);
    bole_response_free(r);

    /* Denials are logged with the key's name. */
    FILE *log = fopen(harness_log_path(h), "r");
    REQUIRE(log != NULL);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    CHECK_CONTAINS(text, "permission denied: key 'analysts'");
    CHECK_CONTAINS(text, "unknown client key");
    CHECK_CONTAINS(text, "permission denied: key 'portal-a' may not access talent 'T-b'");
    CHECK_CONTAINS(text, "permission denied: key 'org-a' may not access event 'E-b'");
    CHECK_CONTAINS(text, "permission denied: key 'portal-a' is zone-scoped and may not "
                         "subscribe");

    bole_client_destroy(&adm);
    bole_client_destroy(&por);
    bole_client_destroy(&ana);
    bole_client_destroy(&str);
    bole_client_destroy(&plain);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);

    /* A server key file readable by others is refused at start. */
    REQUIRE(chmod(server_key, 0644) == 0);
    harness_use_curve(NULL, NULL, NULL);
    char listen[64], events[64], dbfile[300];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(events, sizeof events, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(dbfile, sizeof dbfile, "%s/b.db", dir);
    const char *argv[] = {BOLED_PATH, "--listen", listen, "--events", events, "--db", dbfile,
                          "--model", BOLE_SOURCE_DIR "/models", "--auth", allow,
                          "--server-key", server_key, NULL};
    char *out = NULL, *errtext = NULL;
    CHECK(harness_run(argv, &out, &errtext, 20000, NULL) != 0);
    CHECK_CONTAINS(errtext ? errtext : "", "chmod 600");
    free(out);
    free(errtext);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_summary();
}
