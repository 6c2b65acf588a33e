/* test_live.c — the live match stream against a real boled, with a ZeroMQ
 * SUB socket of its own:
 *   - a put need + fitting talents: one event per pair on match.need.<id>,
 *     the same seq under match.talent/org/zone; an unchanged re-put is not
 *     announced again; an update that raises the score by more than the
 *     delta is (improved = true);
 *   - a subscriber that was away catches up through MatchesSince (paged) and
 *     gets exactly the seqs the live subscriber saw, in order, once each;
 *   - exposure caps per need and per talent (weights reloaded with small caps);
 *   - close_need and delete_talent withdraw the open announced pairs;
 *   - MatchesSince bad input (limit 20000, too many prefixes) is refused and
 *     changes nothing; stored events survive a restart and seq keeps rising;
 *   - outcome tracking: every push carries a request id; feedback quoting it
 *     joins the logged pair, and FeedbackStats{SOURCE_LIVE} counts exactly
 *     the pushes (none are logged as search);
 *   - kill -9: changes acknowledged while the matcher is held back
 *     (BOLE_TEST_LIVE_PAUSED) are matched after the restart, each expected
 *     pair announced exactly once.
 * "Nothing arrived" is never checked by sleeping: a later change whose event
 * we wait for is a barrier (the matcher works through changes in order). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

#define MAX_EV 4096

typedef struct {
    uint64_t seq;
    char topic[192];
    int withdrawn;
    int improved;
    char talent[64];
    char need[64];
    char reason[64];
    char request_id[48];
    uint32_t rank;
    float score;
} ev_t;

static ev_t s_ev[MAX_EV];   /* Every message received, in order. */
static size_t s_nev;
static harness_t *s_h;
static bole_client_t *s_c;
static void *s_zmq, *s_sub;
static char s_model_dir[512];

/* ---- set-up ---------------------------------------------------------------- */

static void s_write_weights(int per_talent, int per_need)
{
    char src[600], dst[600];
    snprintf(src, sizeof src, "%s/models/weights.conf", BOLE_SOURCE_DIR);
    snprintf(dst, sizeof dst, "%s/weights.conf", s_model_dir);
    FILE *in = fopen(src, "r");
    FILE *out = fopen(dst, "w");
    REQUIRE(in && out);
    char line[512];
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, "min_score", 9) == 0)
            fprintf(out, "min_score = 0.40\n");
        else if (strncmp(line, "per_talent_daily_pushes", 23) == 0)
            fprintf(out, "per_talent_daily_pushes = %d\n", per_talent);
        else if (strncmp(line, "per_need_daily_pushes", 21) == 0)
            fprintf(out, "per_need_daily_pushes = %d\n", per_need);
        else if (strncmp(line, "announce_delta", 14) == 0)
            fprintf(out, "announce_delta = 0.05\n");
        else
            fputs(line, out);
    }
    fclose(in);
    fclose(out);
}

/* A model folder: links to every shipped file but weights.conf, which is ours. */
static void s_make_model_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s_model_dir, sizeof s_model_dir, "%s/bole-live-model-XXXXXX", tmp ? tmp : "/tmp");
    REQUIRE(mkdtemp(s_model_dir) != NULL);
    DIR *d = opendir(BOLE_SOURCE_DIR "/models");
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "weights.conf") == 0)
            continue;
        char from[1024], to[1024];
        snprintf(from, sizeof from, "%s/models/%s", BOLE_SOURCE_DIR, e->d_name);
        snprintf(to, sizeof to, "%s/%s", s_model_dir, e->d_name);
        REQUIRE(symlink(from, to) == 0);
    }
    closedir(d);
    s_write_weights(100, 100);
}

static void s_remove_model_dir(void)
{
    DIR *d = opendir(s_model_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", s_model_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(s_model_dir);
}

static void s_subscribe(void)
{
    if (s_sub)
        zmq_close(s_sub);
    s_sub = zmq_socket(s_zmq, ZMQ_SUB);
    REQUIRE(s_sub != NULL);
    REQUIRE(zmq_setsockopt(s_sub, ZMQ_SUBSCRIBE, "match.", 6) == 0);
    REQUIRE(zmq_connect(s_sub, harness_events_endpoint(s_h)) == 0);
    /* PUB drops messages until the subscription reached it (slow joiner). */
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- requests -------------------------------------------------------------- */

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_expect_ok(Bole__Request *req, const char *what)
{
    Bole__Response *r = s_call(req);
    if (r->status != BOLE__STATUS_CODE__OK)
        fprintf(stderr, "%s: %s\n", what, r->error);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

/* skills: NULL-terminated names. */
static void s_fill_talent(Bole__Talent *t, Bole__Skill *sk, Bole__Skill **skp, char **ind,
                          const char *id, const char *occupation, const char *industry,
                          const char *zone, const char *const *skills, float years)
{
    Bole__Talent t0 = BOLE__TALENT__INIT;
    Bole__Skill s0 = BOLE__SKILL__INIT;
    *t = t0;
    t->external_id = (char *)id;
    t->occupation = (char *)occupation;
    t->zone = (char *)zone;
    size_t n = 0;
    for (; skills[n]; n++) {
        sk[n] = s0;
        sk[n].name = (char *)skills[n];
        sk[n].level = 4;
        skp[n] = &sk[n];
    }
    t->skills = skp;
    t->n_skills = n;
    ind[0] = (char *)industry;
    t->industries = ind;
    t->n_industries = 1;
    t->experience_years = years;
    t->education = BOLE__EDUCATION__EDUCATION_BACHELOR;
}

static void s_put_talent(const char *id, const char *occupation, const char *industry,
                         const char *zone, const char *const *skills)
{
    Bole__Talent t;
    Bole__Skill sk[8];
    Bole__Skill *skp[8];
    char *ind[1];
    s_fill_talent(&t, sk, skp, ind, id, occupation, industry, zone, skills, 5);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    b.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    s_expect_ok(&req, id);
}

static void s_put_need(const char *id, const char *org, const char *title, const char *industry,
                       const char *zone, const char *const *must, const char *const *nice)
{
    Bole__Need n = BOLE__NEED__INIT;
    Bole__NeedSkill s[8];
    Bole__NeedSkill *sp[8];
    Bole__NeedSkill s0 = BOLE__NEED_SKILL__INIT;
    size_t k = 0;
    for (size_t i = 0; must[i]; i++, k++) {
        s[k] = s0;
        s[k].name = (char *)must[i];
        s[k].must_have = 1;
        s[k].min_level = 2;
        sp[k] = &s[k];
    }
    for (size_t i = 0; nice && nice[i]; i++, k++) {
        s[k] = s0;
        s[k].name = (char *)nice[i];
        sp[k] = &s[k];
    }
    n.external_id = (char *)id;
    n.organisation = (char *)org;
    n.title = (char *)title;
    n.industry = (char *)industry;
    n.zone = (char *)zone;
    n.skills = sp;
    n.n_skills = k;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    b.need = &n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    s_expect_ok(&req, id);
}

static void s_id_request(Bole__Request__BodyCase body, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    req.body_case = body;
    req.close_need = &b; /* Every IdRequest member shares the union. */
    s_expect_ok(&req, id);
}

/* MatchesSince; the caller frees the response. */
static Bole__Response *s_since(uint64_t since, const char *prefix, uint32_t limit)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchesSinceRequest b = BOLE__MATCHES_SINCE_REQUEST__INIT;
    char *prefixes[1] = {(char *)prefix};
    b.since_seq = since;
    b.limit = limit;
    if (prefix) {
        b.topic_prefixes = prefixes;
        b.n_topic_prefixes = 1;
    }
    req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
    req.matches_since = &b;
    return s_call(&req);
}

/* All stored seqs after since under prefix, paged with `page`. */
static size_t s_catch_up(uint64_t since, const char *prefix, uint32_t page, uint64_t *out,
                         size_t cap)
{
    size_t n = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        Bole__Response *r = s_since(since, prefix, page);
        REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->matches_since);
        Bole__MatchesSinceResponse *m = r->matches_since;
        for (size_t i = 0; i < m->n_events && n < cap; i++)
            out[n++] = m->events[i]->seq;
        CHECK(m->n_events <= page);
        since = m->last_seq;
        int more = m->more;
        bole_response_free(r);
        if (!more)
            break;
    }
    return n;
}

/* ---- the subscriber --------------------------------------------------------- */

/* Receives one message within timeout_ms; 1 if one arrived. */
static int s_recv(int timeout_ms)
{
    zmq_pollitem_t item = {s_sub, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return 0;
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    REQUIRE(zmq_msg_recv(&topic, s_sub, 0) >= 0);
    REQUIRE(zmq_msg_more(&topic));
    REQUIRE(zmq_msg_recv(&body, s_sub, 0) >= 0);
    Bole__Event *e = bole__event__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
    REQUIRE(e != NULL);
    REQUIRE(s_nev < MAX_EV);
    ev_t *v = &s_ev[s_nev++];
    memset(v, 0, sizeof *v);
    v->seq = e->seq;
    snprintf(v->topic, sizeof v->topic, "%.*s", (int)zmq_msg_size(&topic),
             (const char *)zmq_msg_data(&topic));
    CHECK_EQ_STR(v->topic, e->topic); /* Event.topic = the frame it came under. */
    if (e->body_case == BOLE__EVENT__BODY_MATCH && e->match && e->match->match) {
        snprintf(v->talent, sizeof v->talent, "%s", e->match->match->talent_id);
        snprintf(v->need, sizeof v->need, "%s", e->match->match->need_id);
        v->score = e->match->match->score;
        v->improved = e->match->improved;
        v->rank = e->match->match->rank;
        snprintf(v->request_id, sizeof v->request_id, "%s", e->match->request_id);
        CHECK(e->match->match->explanation != NULL);
        CHECK(e->match->request_id && e->match->request_id[0]);
    } else if (e->body_case == BOLE__EVENT__BODY_WITHDRAWN && e->withdrawn) {
        v->withdrawn = 1;
        snprintf(v->talent, sizeof v->talent, "%s", e->withdrawn->talent_id);
        snprintf(v->need, sizeof v->need, "%s", e->withdrawn->need_id);
        snprintf(v->reason, sizeof v->reason, "%s", e->withdrawn->reason);
    } else {
        CHECK(!"unexpected event body");
    }
    bole__event__free_unpacked(e, NULL);
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return 1;
}

/* Messages so far under exactly `topic` about talent (NULL: any). */
static size_t s_count(const char *topic, const char *talent, int withdrawn)
{
    size_t n = 0;
    for (size_t i = 0; i < s_nev; i++)
        if (strcmp(s_ev[i].topic, topic) == 0 && (!talent || strcmp(s_ev[i].talent, talent) == 0) &&
            s_ev[i].withdrawn == withdrawn)
            n++;
    return n;
}

/* Receives until `want` messages match, or 10 s pass. Returns the count. */
static size_t s_wait(const char *topic, const char *talent, int withdrawn, size_t want)
{
    for (int i = 0; i < 100 && s_count(topic, talent, withdrawn) < want; i++)
        s_recv(100);
    return s_count(topic, talent, withdrawn);
}

/* Like s_wait, but bounded by time (two minutes) rather than by messages:
 * after a restart the matcher first publishes every pair of the changes
 * left after its cursor (more than s_wait's 100 messages), and that takes
 * a while in a sanitizer build on a busy machine. */
static size_t s_wait_long(const char *topic, const char *talent, int withdrawn, size_t want)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        if (s_count(topic, talent, withdrawn) >= want)
            break;
        s_recv(100);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 120);
    return s_count(topic, talent, withdrawn);
}

static const ev_t *s_find(const char *topic, const char *talent, int withdrawn, size_t nth)
{
    for (size_t i = 0; i < s_nev; i++)
        if (strcmp(s_ev[i].topic, topic) == 0 && strcmp(s_ev[i].talent, talent) == 0 &&
            s_ev[i].withdrawn == withdrawn && nth-- == 0)
            return &s_ev[i];
    return NULL;
}

/* Distinct seqs received after since, ascending. */
static size_t s_seen_after(uint64_t since, uint64_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s_nev; i++) {
        if (s_ev[i].seq <= since)
            continue;
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = out[j] == s_ev[i].seq;
        if (!dup && n < cap)
            out[n++] = s_ev[i].seq;
    }
    for (size_t i = 1; i < n; i++) /* Insertion sort: small lists. */
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint64_t x = out[j];
            out[j] = out[j - 1];
            out[j - 1] = x;
        }
    return n;
}

static uint64_t s_max_seen(void)
{
    uint64_t m = 0;
    for (size_t i = 0; i < s_nev; i++)
        if (s_ev[i].seq > m)
            m = s_ev[i].seq;
    return m;
}

/* ---- the scenario ----------------------------------------------------------- */

static const char *const DS_FULL[] = {"python", "sql", "machine learning", "statistics", NULL};
static const char *const DS_WEAK[] = {"python", NULL};
static const char *const DS_MUST[] = {"python", "machine learning", NULL};
static const char *const DS_NICE[] = {"sql", "statistics", NULL};
static const char *const NURSE[] = {"patient care", "nursing", "medication administration",
                                    "vital signs", NULL};
static const char *const NURSE_MUST[] = {"patient care", "nursing", NULL};
static const char *const WELD[] = {"welding", "blueprint reading", "metal fabrication", NULL};
static const char *const WELD_MUST[] = {"welding", "blueprint reading", NULL};
static const char *const ACC[] = {"accounting", "excel", "auditing", "tax preparation", NULL};
static const char *const ACC_MUST[] = {"accounting", "auditing", NULL};

static void s_test_announce(void)
{
    s_put_need("N-DS", "acme", "Data Scientist", "software", "Z1", DS_MUST, DS_NICE);
    s_put_talent("ds-1", "Data Scientist", "software", "Z1", DS_FULL);
    s_put_talent("ds-2", "Data Scientist", "software", "Z1", DS_FULL);
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", "ds-1", 0, 1), 1);
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", "ds-2", 0, 1), 1);
    const ev_t *e = s_find("match.need.N-DS", "ds-1", 0, 0);
    REQUIRE(e != NULL);
    fprintf(stderr, "ds-1 x N-DS announced: seq %llu score %.3f\n", (unsigned long long)e->seq,
            e->score);
    CHECK(e->score >= 0.40f);
    CHECK_EQ_INT(e->improved, 0);
    CHECK_EQ_STR(e->need, "N-DS");
    /* The same stored event (same seq) under every topic of the pair; zone
     * and organisation topics use the normalised (lower-case) name. */
    CHECK_EQ_INT((int)s_wait("match.talent.ds-1", "ds-1", 0, 1), 1);
    CHECK_EQ_INT((int)s_wait("match.org.acme", "ds-1", 0, 1), 1);
    CHECK_EQ_INT((int)s_wait("match.zone.z1", "ds-1", 0, 1), 1);
    const ev_t *by_talent = s_find("match.talent.ds-1", "ds-1", 0, 0);
    const ev_t *by_org = s_find("match.org.acme", "ds-1", 0, 0);
    REQUIRE(by_talent && by_org);
    CHECK_EQ_UINT(by_talent->seq, e->seq);
    CHECK_EQ_UINT(by_org->seq, e->seq);

    /* Same talent again, unchanged: not announced again (ds-3 is the barrier). */
    s_put_talent("ds-1", "Data Scientist", "software", "Z1", DS_FULL);
    s_put_talent("ds-3", "Data Scientist", "software", "Z1", DS_FULL);
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", "ds-3", 0, 1), 1);
    CHECK_EQ_INT((int)s_count("match.need.N-DS", "ds-1", 0), 1);

    /* A weak profile, then the same talent with every skill: announced again. */
    s_put_talent("ds-4", "Data Scientist", "software", "Z1", DS_WEAK);
    s_put_talent("ds-5", "Data Scientist", "software", "Z1", DS_FULL); /* barrier */
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", "ds-5", 0, 1), 1);
    const ev_t *weak = s_find("match.need.N-DS", "ds-4", 0, 0);
    if (!weak) {
        fprintf(stderr, "ds-4 (python only) was not announced: its score is below min_score\n");
        CHECK(weak != NULL);
        return;
    }
    float weak_score = weak->score;
    s_put_talent("ds-4", "Data Scientist", "software", "Z1", DS_FULL);
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", "ds-4", 0, 2), 2);
    const ev_t *strong = s_find("match.need.N-DS", "ds-4", 0, 1);
    REQUIRE(strong != NULL);
    fprintf(stderr, "ds-4: %.3f then %.3f\n", weak_score, strong->score);
    CHECK(strong->score > weak_score + 0.05f);
    CHECK_EQ_INT(strong->improved, 1);
    CHECK(strong->seq > weak->seq);
}

static void s_test_catch_up(uint64_t away_from)
{
    static uint64_t live[MAX_EV], stored[MAX_EV];
    size_t n_live = s_seen_after(away_from, live, MAX_EV);
    /* Paged by 2 so that `more` and last_seq are exercised. */
    size_t n_stored = s_catch_up(away_from, "match.", 2, stored, MAX_EV);
    fprintf(stderr, "catch-up after seq %llu: %zu live, %zu stored\n",
            (unsigned long long)away_from, n_live, n_stored);
    CHECK(n_live > 0);
    CHECK_EQ_INT((int)n_stored, (int)n_live);
    for (size_t i = 0; i < n_stored && i < n_live; i++)
        CHECK_EQ_UINT(stored[i], live[i]);
    for (size_t i = 1; i < n_stored; i++)
        CHECK(stored[i] > stored[i - 1]); /* In order, no duplicate. */
    /* A prefix filter returns only its topics, each event once. */
    Bole__Response *r = s_since(0, "match.need.N-DS", 0);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->matches_since);
    size_t expect = s_count("match.need.N-DS", NULL, 0) + s_count("match.need.N-DS", NULL, 1);
    CHECK_EQ_INT((int)r->matches_since->n_events, (int)expect);
    for (size_t i = 0; i < r->matches_since->n_events; i++)
        CHECK_EQ_STR(r->matches_since->events[i]->topic, "match.need.N-DS");
    CHECK_EQ_INT(r->matches_since->more, 0);
    bole_response_free(r);
}

static void s_reload(void)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReloadModelRequest b = BOLE__RELOAD_MODEL_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_RELOAD_MODEL;
    req.reload_model = &b;
    s_expect_ok(&req, "reload_model");
}

static void s_test_caps(void)
{
    s_write_weights(2, 3);
    s_reload();
    /* Per need: six fitting nurses, at most three pushes for the need. */
    s_put_need("N-NURSE", "care", "Registered Nurse", "healthcare", "Z2", NURSE_MUST, NULL);
    static Bole__Talent t[6];
    static Bole__Skill sk[6][8];
    static Bole__Skill *skp[6][8];
    static char *ind[6][1];
    static char ids[6][16];
    Bole__Talent *tp[6];
    for (int i = 0; i < 6; i++) {
        snprintf(ids[i], sizeof ids[i], "nurse-%d", i);
        s_fill_talent(&t[i], sk[i], skp[i], ind[i], ids[i], "Registered Nurse", "healthcare",
                      "Z2", NURSE, 3.0f + (float)i);
        tp[i] = &t[i];
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    b.talents = tp;
    b.n_talents = 6;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    s_expect_ok(&req, "put_talents");

    /* Per talent: four welder needs, then one welder: two pushes at most. */
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "N-WELD-%d", i);
        s_put_need(id, "steel", "Welder", "manufacturing", "Z3", WELD_MUST, NULL);
    }
    s_put_talent("weld-1", "Welder", "manufacturing", "Z3", WELD);
    /* Barrier: a fresh pair with its own budget. */
    s_put_need("N-ACC", "books", "Accountant", "finance", "Z4", ACC_MUST, NULL);
    s_put_talent("acc-1", "Accountant", "finance", "Z4", ACC);
    CHECK_EQ_INT((int)s_wait("match.need.N-ACC", "acc-1", 0, 1), 1);

    size_t nurse_pushes = s_count("match.need.N-NURSE", NULL, 0);
    size_t weld_pushes = s_count("match.talent.weld-1", NULL, 0);
    fprintf(stderr, "caps: N-NURSE %zu pushes (cap 3), weld-1 %zu pushes (cap 2)\n",
            nurse_pushes, weld_pushes);
    CHECK_EQ_INT((int)nurse_pushes, 3);
    CHECK_EQ_INT((int)weld_pushes, 2);
    /* The stored stream agrees with what was pushed. */
    Bole__Response *r = s_since(0, "match.need.N-NURSE", 0);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->matches_since);
    CHECK_EQ_INT((int)r->matches_since->n_events, 3);
    bole_response_free(r);
    s_write_weights(100, 100);
    s_reload();
}

static void s_test_withdraw(void)
{
    /* Every talent announced (and still open) for N-DS. */
    char open[16][64];
    size_t n_open = 0;
    for (size_t i = 0; i < s_nev; i++) {
        if (strcmp(s_ev[i].topic, "match.need.N-DS") != 0 || s_ev[i].withdrawn)
            continue;
        int dup = 0;
        for (size_t j = 0; j < n_open && !dup; j++)
            dup = strcmp(open[j], s_ev[i].talent) == 0;
        if (!dup && n_open < 16)
            snprintf(open[n_open++], sizeof open[0], "%s", s_ev[i].talent);
    }
    CHECK(n_open >= 4);
    s_id_request(BOLE__REQUEST__BODY_CLOSE_NEED, "N-DS");
    CHECK_EQ_INT((int)s_wait("match.withdrawn.need.N-DS", NULL, 1, n_open), (int)n_open);
    for (size_t j = 0; j < n_open; j++) {
        CHECK_EQ_INT((int)s_count("match.withdrawn.need.N-DS", open[j], 1), 1);
        const ev_t *w = s_find("match.withdrawn.need.N-DS", open[j], 1, 0);
        if (w)
            CHECK_EQ_STR(w->reason, "need closed");
    }
    /* Subscribers of either side see it too. */
    CHECK_EQ_INT((int)s_wait("match.need.N-DS", NULL, 1, n_open), (int)n_open);
    CHECK_EQ_INT((int)s_wait("match.talent.ds-1", "ds-1", 1, 1), 1);

    /* A closed need is not matched again (ds-6 fits it; acc-2 is the barrier). */
    s_put_talent("ds-6", "Data Scientist", "software", "Z1", DS_FULL);
    s_put_talent("acc-2", "Accountant", "finance", "Z4", ACC);
    CHECK_EQ_INT((int)s_wait("match.need.N-ACC", "acc-2", 0, 1), 1);
    CHECK_EQ_INT((int)s_count("match.need.N-DS", "ds-6", 0), 0);

    /* Deleting a talent withdraws its open pairs. */
    const char *victim = NULL;
    for (size_t i = 0; i < s_nev && !victim; i++)
        if (strcmp(s_ev[i].topic, "match.need.N-NURSE") == 0 && !s_ev[i].withdrawn)
            victim = s_ev[i].talent;
    REQUIRE(victim != NULL);
    char topic[96];
    snprintf(topic, sizeof topic, "match.withdrawn.talent.%s", victim);
    s_id_request(BOLE__REQUEST__BODY_DELETE_TALENT, victim);
    CHECK_EQ_INT((int)s_wait(topic, victim, 1, 1), 1);
    const ev_t *w = s_find(topic, victim, 1, 0);
    if (w) {
        CHECK_EQ_STR(w->reason, "talent deleted");
        CHECK_EQ_STR(w->need, "N-NURSE");
    }
}

static void s_test_bad_input(void)
{
    static uint64_t before[MAX_EV], after[MAX_EV];
    size_t n_before = s_catch_up(0, NULL, 10000, before, MAX_EV);
    Bole__Response *r = s_since(0, NULL, 20000);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK(r->error && strstr(r->error, "limit") != NULL);
    bole_response_free(r);

    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchesSinceRequest b = BOLE__MATCHES_SINCE_REQUEST__INIT;
    char *prefixes[65];
    for (int i = 0; i < 65; i++)
        prefixes[i] = "match.";
    b.topic_prefixes = prefixes;
    b.n_topic_prefixes = 65;
    req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
    req.matches_since = &b;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);

    /* Limit 10,000 is the largest allowed; nothing changed. */
    size_t n_after = s_catch_up(0, NULL, 10000, after, MAX_EV);
    CHECK_EQ_INT((int)n_after, (int)n_before);
    CHECK(n_after > 0 && n_before > 0 && after[n_after - 1] == before[n_before - 1]);
    /* Since beyond the end: nothing, last_seq echoes since. */
    r = s_since(1u << 30, NULL, 0);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->matches_since) {
        CHECK_EQ_INT((int)r->matches_since->n_events, 0);
        CHECK_EQ_UINT(r->matches_since->last_seq, (uint64_t)1 << 30);
    }
    bole_response_free(r);
}

static void s_test_restart(void)
{
    static uint64_t before[MAX_EV], after[MAX_EV];
    size_t n_before = s_catch_up(0, NULL, 10000, before, MAX_EV);
    CHECK_EQ_INT(harness_stop(s_h, 20000), 0);
    REQUIRE(harness_restart(s_h) == 0);
    bole_client_destroy(&s_c);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    s_subscribe();
    size_t n_after = s_catch_up(0, NULL, 10000, after, MAX_EV);
    CHECK_EQ_INT((int)n_after, (int)n_before);
    for (size_t i = 0; i < n_after && i < n_before; i++)
        CHECK_EQ_UINT(after[i], before[i]);
    /* Pair state survived too: re-putting acc-1 unchanged announces nothing,
     * a new pair gets a seq above everything stored. */
    s_put_talent("acc-1", "Accountant", "finance", "Z4", ACC);
    s_put_talent("acc-3", "Accountant", "finance", "Z4", ACC);
    size_t acc1 = s_count("match.need.N-ACC", "acc-1", 0);
    CHECK_EQ_INT((int)s_wait("match.need.N-ACC", "acc-3", 0, 1), 1);
    CHECK_EQ_INT((int)s_count("match.need.N-ACC", "acc-1", 0), (int)acc1);
    const ev_t *e = s_find("match.need.N-ACC", "acc-3", 0, 0);
    if (e && n_before)
        CHECK(e->seq > before[n_before - 1]);
}


/* ---- outcome tracking of pushes (issue 6) ---------------------------------- */

/* Stored match events (not withdrawals) after since: pairs "talent|need". */
typedef struct {
    char pair[140];
    char request_id[48];
} stored_match_t;

static size_t s_stored_matches(uint64_t since, stored_match_t *out, size_t cap)
{
    size_t n = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        Bole__Response *r = s_since(since, NULL, 1000);
        REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->matches_since);
        Bole__MatchesSinceResponse *m = r->matches_since;
        for (size_t i = 0; i < m->n_events; i++) {
            const Bole__Event *e = m->events[i];
            if (e->body_case != BOLE__EVENT__BODY_MATCH || !e->match || !e->match->match)
                continue;
            REQUIRE(n < cap);
            snprintf(out[n].pair, sizeof out[n].pair, "%s|%s", e->match->match->talent_id,
                     e->match->match->need_id);
            snprintf(out[n].request_id, sizeof out[n].request_id, "%s", e->match->request_id);
            n++;
        }
        since = m->last_seq;
        int more = m->more;
        bole_response_free(r);
        if (!more)
            break;
    }
    return n;
}

static Bole__FeedbackStatsResponse *s_feedback_stats(Bole__FeedbackSource source,
                                                     Bole__Response **holder)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FeedbackStatsRequest b = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    b.source = source;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    req.feedback_stats = &b;
    *holder = s_call(&req);
    REQUIRE((*holder)->status == BOLE__STATUS_CODE__OK && (*holder)->feedback_stats);
    return (*holder)->feedback_stats;
}

static void s_test_live_feedback(void)
{
    static stored_match_t all[MAX_EV];
    size_t pushes = s_stored_matches(0, all, MAX_EV);
    /* A pushed pair as a portal got it: request id, pair, rank. */
    const ev_t *e = s_find("match.need.N-ACC", "acc-1", 0, 0);
    REQUIRE(e != NULL);
    CHECK(e->rank >= 1);
    Bole__FeedbackEvent fe[2], *fep[2];
    for (int i = 0; i < 2; i++) {
        bole__feedback_event__init(&fe[i]);
        fep[i] = &fe[i];
        fe[i].request_id = (char *)e->request_id;
        fe[i].talent_id = (char *)e->talent;
        fe[i].need_id = (char *)e->need;
        fe[i].position = e->rank;
    }
    fe[0].kind = BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION;
    fe[1].kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RecordFeedbackRequest rb = BOLE__RECORD_FEEDBACK_REQUEST__INIT;
    rb.events = fep;
    rb.n_events = 2;
    req.body_case = BOLE__REQUEST__BODY_RECORD_FEEDBACK;
    req.record_feedback = &rb;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->record_feedback != NULL);
    CHECK_EQ_UINT(r->record_feedback->recorded, 2);
    CHECK_EQ_UINT(r->record_feedback->joined, 2); /* The push was feature-logged. */
    CHECK_EQ_INT((int)r->record_feedback->n_unknown_request_ids, 0);
    bole_response_free(r);

    /* The live funnel: exactly the stored pushes, one click; search: none
     * (this test never calls Match, and the matcher logs as live). */
    Bole__Response *holder = NULL;
    Bole__FeedbackStatsResponse *st = s_feedback_stats(BOLE__FEEDBACK_SOURCE__SOURCE_LIVE,
                                                       &holder);
    uint64_t served = 0, clicks = 0;
    for (size_t i = 0; i < st->n_rows; i++) {
        CHECK_EQ_INT(st->rows[i]->source, BOLE__FEEDBACK_SOURCE__SOURCE_LIVE);
        served += st->rows[i]->served;
        clicks += st->rows[i]->clicks;
    }
    fprintf(stderr, "live funnel: %llu served for %zu stored pushes, %llu click(s)\n",
            (unsigned long long)served, pushes, (unsigned long long)clicks);
    CHECK_EQ_UINT(served, pushes);
    CHECK_EQ_UINT(clicks, 1);
    bole_response_free(holder);
    st = s_feedback_stats(BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH, &holder);
    CHECK_EQ_INT((int)st->n_rows, 0);
    bole_response_free(holder);
}

/* ---- kill -9 before the matcher ran ---------------------------------------- */

#define MAX_PAIRS 512
#define BORDER 0.01f            /* Scores this close to min_score are not judged. */

typedef struct {
    char pair[MAX_PAIRS][140];
    size_t n;
} pair_set_t;

static int s_has(const pair_set_t *s, const char *pair)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->pair[i], pair) == 0)
            return 1;
    return 0;
}

static void s_add(pair_set_t *s, const char *pair)
{
    if (!s_has(s, pair)) {
        REQUIRE(s->n < MAX_PAIRS);
        snprintf(s->pair[s->n++], sizeof s->pair[0], "%s", pair);
    }
}

/* Pairs of subject (a need when need = 1) with score >= min_score (0.40 in
 * our weights), from the search API; near-threshold ones go to border. */
static void s_expected(const char *subject, int need, pair_set_t *want, pair_set_t *border)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest fn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__MatchForTalentRequest ft = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    if (need) {
        fn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
        fn.need_id = (char *)subject;
        fn.k = 1000;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
        req.match_for_need = &fn;
    } else {
        ft.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
        ft.talent_id = (char *)subject;
        ft.k = 1000;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
        req.match_for_talent = &ft;
    }
    Bole__Response *r = s_call(&req);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->match);
    for (size_t i = 0; i < r->match->n_results; i++) {
        const Bole__MatchResult *m = r->match->results[i];
        char pair[140];
        snprintf(pair, sizeof pair, "%s|%s", m->talent_id, m->need_id);
        if (m->score >= 0.40f - BORDER && m->score < 0.40f + BORDER)
            s_add(border, pair);
        else if (m->score >= 0.40f)
            s_add(want, pair);
    }
    bole_response_free(r);
}

static void s_reconnect(void)
{
    bole_client_destroy(&s_c);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    s_subscribe();
}

static void s_test_kill9(void)
{
    static stored_match_t before[MAX_EV], after[MAX_EV];
    uint64_t from = 0;
    {
        static uint64_t seqs[MAX_EV];
        size_t n = s_catch_up(0, NULL, 10000, seqs, MAX_EV);
        from = n ? seqs[n - 1] : 0;
    }
    /* A daemon whose matcher does nothing: every change stays queued. */
    CHECK_EQ_INT(harness_stop(s_h, 20000), 0);
    setenv("BOLE_TEST_LIVE_PAUSED", "1", 1);
    REQUIRE(harness_restart(s_h) == 0);
    unsetenv("BOLE_TEST_LIVE_PAUSED");
    s_reconnect();
    s_put_need("N-K-NURSE", "care", "Registered Nurse", "healthcare", "Z5", NURSE_MUST, NULL);
    s_put_need("N-K-WELD", "steel", "Welder", "manufacturing", "Z5", WELD_MUST, NULL);
    static Bole__Talent t[5];
    static Bole__Skill sk[5][8];
    static Bole__Skill *skp[5][8];
    static char *ind[5][1];
    static const char *const ids[5] = {"k-nurse-0", "k-nurse-1", "k-nurse-2", "k-weld-0",
                                       "k-weld-1"};
    Bole__Talent *tp[5];
    for (int i = 0; i < 5; i++) {
        int nurse = i < 3;
        s_fill_talent(&t[i], sk[i], skp[i], ind[i], ids[i],
                      nurse ? "Registered Nurse" : "Welder",
                      nurse ? "healthcare" : "manufacturing", "Z5", nurse ? NURSE : WELD,
                      2.0f + (float)i);
        tp[i] = &t[i];
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    b.talents = tp;
    b.n_talents = 5;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    s_expect_ok(&req, "put_talents");
    /* The same talent put twice more (matched once), one put then deleted. */
    s_put_talent("k-nurse-0", "Registered Nurse", "healthcare", "Z5", NURSE);
    s_put_talent("k-nurse-0", "Registered Nurse", "healthcare", "Z5", NURSE);
    s_put_talent("k-gone", "Registered Nurse", "healthcare", "Z5", NURSE);
    s_id_request(BOLE__REQUEST__BODY_DELETE_TALENT, "k-gone");
    /* Acknowledged, not announced: the matcher is held back. */
    CHECK_EQ_INT((int)s_stored_matches(from, before, MAX_EV), 0);
    CHECK_EQ_INT(harness_kill(s_h), 0);

    REQUIRE(harness_restart(s_h) == 0);
    s_reconnect();
    /* Barrier: changes are worked out in change-log order. */
    s_put_need("N-K-ACC", "books", "Accountant", "finance", "Z6", ACC_MUST, NULL);
    s_put_talent("k-acc", "Accountant", "finance", "Z6", ACC);
    CHECK_EQ_INT((int)s_wait_long("match.need.N-K-ACC", "k-acc", 0, 1), 1);

    static pair_set_t want, border, seen;
    want.n = border.n = seen.n = 0;
    s_expected("N-K-NURSE", 1, &want, &border);
    s_expected("N-K-WELD", 1, &want, &border);
    for (int i = 0; i < 5; i++)
        s_expected(ids[i], 0, &want, &border);
    size_t n = s_stored_matches(from, after, MAX_EV);
    size_t dup = 0, unexpected = 0, ours = 0;
    for (size_t i = 0; i < n; i++) {
        if (strstr(after[i].pair, "k-acc|") == after[i].pair ||
            strstr(after[i].pair, "|N-K-ACC"))
            continue; /* The barrier's own pairs. */
        ours++;
        CHECK(strstr(after[i].pair, "k-gone") == NULL);
        if (s_has(&seen, after[i].pair)) {
            fprintf(stderr, "announced twice: %s\n", after[i].pair);
            dup++;
        }
        s_add(&seen, after[i].pair);
        if (!s_has(&want, after[i].pair) && !s_has(&border, after[i].pair)) {
            fprintf(stderr, "announced but below min_score: %s\n", after[i].pair);
            unexpected++;
        }
    }
    size_t missing = 0;
    for (size_t i = 0; i < want.n; i++)
        if (!s_has(&seen, want.pair[i])) {
            fprintf(stderr, "never announced: %s\n", want.pair[i]);
            missing++;
        }
    fprintf(stderr, "kill -9: %zu pairs expected (%zu near the threshold), %zu announced\n",
            want.n, border.n, ours);
    CHECK(want.n >= 6); /* Three nurses and two welders fit their needs at least. */
    CHECK_EQ_UINT(missing, 0);
    CHECK_EQ_UINT(dup, 0);
    CHECK_EQ_UINT(unexpected, 0);
}

#define BOLECTL BOLE_BINARY_DIR "/tools/bolectl/bolectl"

/* bolectl watch: catches up from 0, keeps its state file, resumes from it. */
static void s_test_watch(void)
{
    if (access(BOLECTL, X_OK) != 0) {
        fprintf(stderr, "bolectl not built: watch not tested\n");
        return;
    }
    char state[600];
    snprintf(state, sizeof state, "%s/watch.seq", harness_dir(s_h));
    const char *argv1[] = {BOLECTL, "--server", harness_endpoint(s_h), "watch", "--from", "0",
                           "--state", state, "--events", harness_events_endpoint(s_h),
                           "--count", "3", "match.need.N-ACC", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv1, &out, &err, 20000, NULL);
    CHECK_EQ_INT(rc, 0);
    REQUIRE(out != NULL);
    fprintf(stderr, "bolectl watch printed:\n%s", out);
    int lines = 0;
    unsigned long long prev = 0, seq = 0;
    for (char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        char topic[128];
        CHECK_EQ_INT(sscanf(p, "%llu %127s", &seq, topic), 2);
        CHECK_EQ_STR(topic, "match.need.N-ACC");
        CHECK(seq > prev);
        prev = seq;
        lines++;
    }
    CHECK_EQ_INT(lines, 3);
    free(out);
    free(err);
    FILE *f = fopen(state, "r");
    unsigned long long saved = 0;
    CHECK(f != NULL && fscanf(f, "%llu", &saved) == 1);
    if (f)
        fclose(f);
    CHECK_EQ_UINT(saved, seq);

    /* A new pair while watch is away; the next run prints only it. */
    s_put_talent("acc-4", "Accountant", "finance", "Z4", ACC);
    CHECK_EQ_INT((int)s_wait("match.need.N-ACC", "acc-4", 0, 1), 1);
    const ev_t *e = s_find("match.need.N-ACC", "acc-4", 0, 0);
    const char *argv2[] = {BOLECTL, "--server", harness_endpoint(s_h), "--json", "watch",
                           "--state", state, "--events", harness_events_endpoint(s_h),
                           "--count", "1", "match.need.N-ACC", NULL};
    rc = harness_run(argv2, &out, &err, 20000, NULL);
    CHECK_EQ_INT(rc, 0);
    REQUIRE(out != NULL);
    fprintf(stderr, "bolectl watch --json printed: %s", out);
    char want[96];
    snprintf(want, sizeof want, "{\"seq\":%llu,", e ? (unsigned long long)e->seq : 0ULL);
    CHECK(strncmp(out, want, strlen(want)) == 0);
    CHECK(strstr(out, "\"talent\":\"acc-4\"") != NULL);
    CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* One line. */
    free(out);
    free(err);
}

/* ---- a steady stream of puts ------------------------------------------------ */

/* While request writes are queued, the live matcher lets the writer's
 * batches have SQLite's write lock first, but only for so long per chunk
 * (live.c, s_yield_to_writer): announcements must go on during a stream
 * of puts, not wait for its end. Four clients put talents back to back
 * while the main thread watches the stored stream. */
#define FLOOD_CLIENTS 4

typedef struct {
    int client;
    int puts;       /* Acknowledged (read by the main thread: __atomic). */
    int failed;
} flood_t;

static volatile int s_flood_stop;

static void *s_flood_main(void *arg)
{
    flood_t *f = arg;
    bole_client_t *c = harness_client(s_h, 10000);
    if (!c) {
        f->failed++;
        return NULL;
    }
    for (int i = 0; !s_flood_stop && i < 200000; i++) {
        char id[32];
        snprintf(id, sizeof id, "fl-%d-%d", f->client, i);
        Bole__Talent t;
        Bole__Skill sk[8];
        Bole__Skill *skp[8];
        char *ind[1];
        s_fill_talent(&t, sk, skp, ind, id, "Welder", "manufacturing", "Z9", WELD, 4);
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
        b.talent = &t;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
        req.put_talent = &b;
        Bole__Response *r = NULL;
        if (bole_client_call(c, &req, &r) == BOLE_OK && r &&
            r->status == BOLE__STATUS_CODE__OK)
            __atomic_add_fetch(&f->puts, 1, __ATOMIC_RELAXED);
        else
            f->failed++;
        if (r)
            bole_response_free(r);
    }
    bole_client_destroy(&c);
    return NULL;
}

static int s_flood_puts(const flood_t *f)
{
    int n = 0;
    for (int i = 0; i < FLOOD_CLIENTS; i++)
        n += __atomic_load_n(&f[i].puts, __ATOMIC_RELAXED);
    return n;
}

static void s_test_flood(void)
{
    s_put_need("N-FLOOD", "yard", "Welder", "manufacturing", "Z9", WELD_MUST, NULL);
    pthread_t threads[FLOOD_CLIENTS];
    flood_t f[FLOOD_CLIENTS];
    memset(f, 0, sizeof f);
    s_flood_stop = 0;
    for (int i = 0; i < FLOOD_CLIENTS; i++) {
        f[i].client = i;
        REQUIRE(pthread_create(&threads[i], NULL, s_flood_main, &f[i]) == 0);
    }
    /* Wait for the stream to be under way, then for an announcement of one
     * of its talents while it still runs (at most 60 s: sanitizers). */
    for (int i = 0; i < 600 && s_flood_puts(f) < 200; i++)
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    int puts_at_start = s_flood_puts(f);
    size_t announced = 0;
    int puts_at_announcement = 0;
    for (int i = 0; i < 600 && !announced; i++) {
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
        Bole__Response *r = s_since(0, "match.need.N-FLOOD", 1000);
        REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->matches_since);
        for (size_t k = 0; k < r->matches_since->n_events; k++) {
            const Bole__Event *e = r->matches_since->events[k];
            if (e->body_case == BOLE__EVENT__BODY_MATCH && e->match && e->match->match &&
                strncmp(e->match->match->talent_id, "fl-", 3) == 0)
                announced++;
        }
        bole_response_free(r);
        puts_at_announcement = s_flood_puts(f);
    }
    int puts_after = s_flood_puts(f);
    s_flood_stop = 1;
    int failed = 0;
    for (int i = 0; i < FLOOD_CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        failed += f[i].failed;
    }
    fprintf(stderr, "flood: %d puts before the watch, %zu announced by %d puts, %d in all\n",
            puts_at_start, announced, puts_at_announcement, s_flood_puts(f));
    CHECK(puts_at_start >= 200);
    CHECK(announced >= 1);
    /* The stream was still going when the announcement was seen. */
    CHECK(s_flood_puts(f) > puts_after || puts_after > puts_at_start);
    CHECK_EQ_INT(failed, 0);
}

int main(void)
{
    s_make_model_dir();
    char model_arg[600];
    snprintf(model_arg, sizeof model_arg, "%s", s_model_dir);
    const char *extra[] = {"--model", model_arg, NULL};
    s_h = harness_start(extra);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    s_zmq = zmq_ctx_new();
    REQUIRE(s_zmq != NULL);
    s_subscribe();

    s_test_announce();
    uint64_t away_from = s_max_seen();
    s_test_caps();
    s_test_catch_up(away_from);
    s_test_withdraw();
    s_test_catch_up(0);
    s_test_bad_input();
    s_test_restart();
    s_test_live_feedback();
    s_test_watch();
    s_test_kill9();
    s_test_flood();

    zmq_close(s_sub);
    zmq_ctx_term(s_zmq);
    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    s_remove_model_dir();
    return check_summary();
}
