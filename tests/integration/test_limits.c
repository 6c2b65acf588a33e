/* test_limits.c — bounded queues: a connection that pipelines more requests
 * than --max-client-in-flight gets RESOURCE_EXHAUSTED for the excess (and
 * those requests change nothing), the daemon-wide --max-in-flight refuses a
 * flood the same way, and a client that never reads its answers does not
 * hold up anybody else. --busy-bulk-rate paces bulk-put answers while
 * reads are served, never otherwise, and never holds one past shutdown. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

#define N_PIPELINED 300

static void *s_zmq;

/* A raw DEALER connected to the daemon (requests without a delimiter). */
static void *s_dealer(const harness_t *h)
{
    void *d = zmq_socket(s_zmq, ZMQ_DEALER);
    int linger = 0, timeout = 10000 * harness_time_scale();
    REQUIRE(d != NULL);
    zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(d, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    REQUIRE(zmq_connect(d, harness_endpoint(h)) == 0);
    return d;
}

/* Sends put_talent "<prefix><i>" with request id i + 1, without waiting. */
static void s_send_put(void *d, const char *prefix, int i)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest body = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s = BOLE__SKILL__INIT;
    Bole__Skill *sp[] = { &s };
    char id[64];
    uint8_t buf[512];

    snprintf(id, sizeof id, "%s%d", prefix, i);
    t.external_id = id;
    t.zone = "A";
    t.occupation = "Welder";
    s.name = "welding";
    s.level = 3;
    t.skills = sp;
    t.n_skills = 1;
    body.talent = &t;
    req.id = (uint64_t)i + 1;
    req.api_version = BOLE__API_VERSION__API_VERSION_1;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &body;
    size_t len = bole__request__pack(&req, buf);
    REQUIRE(zmq_send(d, buf, len, 0) == (int)len);
}

/* Reads `count` answers into status[id - 1] (ids 1..n); returns how many
 * arrived before the receive timeout. */
static int s_read_answers(void *d, int count, int *status, int n)
{
    int got = 0;
    for (int i = 0; i < count; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, d, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        Bole__Response *r = bole_response_decode(zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
        CHECK_NOT_NULL(r);
        if (r == NULL)
            continue;
        CHECK(r->id >= 1 && r->id <= (uint64_t)n);
        if (r->id >= 1 && r->id <= (uint64_t)n) {
            status[r->id - 1] = r->status;
            if (r->status == BOLE__STATUS_CODE__RESOURCE_EXHAUSTED)
                CHECK_CONTAINS(r->error, "in flight");
        }
        bole_response_free(r);
        got++;
    }
    return got;
}

/* Is talent `id` stored? */
static int s_exists(bole_client_t *c, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest body = BOLE__ID_REQUEST__INIT;
    Bole__Response *r = NULL;
    int found;

    body.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    req.get_talent = &body;
    REQUIRE(bole_client_call(c, &req, &r) == BOLE_OK);
    found = r->status == BOLE__STATUS_CODE__OK;
    CHECK(found || r->status == BOLE__STATUS_CODE__NOT_FOUND);
    bole_response_free(r);
    return found;
}

/* Pipelines N_PIPELINED puts on one connection and checks: every request is
 * answered, some were refused, no more than `limit` can have been accepted
 * before the first answers, and exactly the accepted ones are stored. */
static void s_flood(const char *const *args, const char *prefix, const char *why)
{
    harness_t *h = harness_start(args);
    REQUIRE(h != NULL);
    void *d = s_dealer(h);
    int *status = calloc(N_PIPELINED, sizeof *status);
    REQUIRE(status != NULL);
    for (int i = 0; i < N_PIPELINED; i++)
        status[i] = -1;

    for (int i = 0; i < N_PIPELINED; i++)
        s_send_put(d, prefix, i);
    CHECK_EQ_INT(s_read_answers(d, N_PIPELINED, status, N_PIPELINED), N_PIPELINED);

    int ok = 0, refused = 0;
    for (int i = 0; i < N_PIPELINED; i++) {
        if (status[i] == BOLE__STATUS_CODE__OK)
            ok++;
        else if (status[i] == BOLE__STATUS_CODE__RESOURCE_EXHAUSTED)
            refused++;
    }
    printf("%s: %d of %d pipelined puts accepted, %d refused\n", why, ok, N_PIPELINED,
           refused);
    CHECK_EQ_INT(ok + refused, N_PIPELINED);
    CHECK_GE_INT(ok, 1);
    CHECK_GE_INT(refused, 1);

    /* Refused requests changed nothing; accepted ones are all there. */
    bole_client_t *c = harness_client(h, 10000);
    REQUIRE(c != NULL);
    int mismatches = 0;
    for (int i = 0; i < N_PIPELINED; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        if (s_exists(c, id) != (status[i] == BOLE__STATUS_CODE__OK))
            mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
    /* And the connection is usable again once its answers are read. */
    s_send_put(d, prefix, N_PIPELINED - 1);
    int again[N_PIPELINED];
    for (int i = 0; i < N_PIPELINED; i++)
        again[i] = -1;
    CHECK_EQ_INT(s_read_answers(d, 1, again, N_PIPELINED), 1);
    CHECK_EQ_INT(again[N_PIPELINED - 1], BOLE__STATUS_CODE__OK);

    bole_client_destroy(&c);
    zmq_close(d);
    free(status);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
}

/* A client that sends requests and never reads: others are still served. */
static void test_stuck_client(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    void *stuck = s_dealer(h);
    for (int i = 0; i < 200; i++)
        s_send_put(stuck, "S", i);
    bole_client_t *c = harness_client(h, 5000);
    REQUIRE(c != NULL);
    int healthy = 0;
    for (int i = 0; i < 100; i++)
        healthy += harness_health_ok(c);
    CHECK_EQ_INT(healthy, 100);
    bole_client_destroy(&c);
    zmq_close(stuck);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
}

/* ---- pacing of bulk puts (--busy-bulk-rate) ----------------------------- */

#define PACE_BATCH 50

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Packs put_talents of PACE_BATCH talents "<prefix><i>" with request id. */
static size_t s_pack_bulk(const char *prefix, uint64_t id, uint8_t **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest body = BOLE__PUT_TALENTS_REQUEST__INIT;
    Bole__Talent t[PACE_BATCH];
    Bole__Talent *tp[PACE_BATCH];
    Bole__Skill s = BOLE__SKILL__INIT;
    Bole__Skill *sp[] = { &s };
    char ids[PACE_BATCH][64];
    s.name = "welding";
    s.level = 3;
    for (int i = 0; i < PACE_BATCH; i++) {
        bole__talent__init(&t[i]);
        snprintf(ids[i], sizeof ids[i], "%s%d", prefix, i);
        t[i].external_id = ids[i];
        t[i].zone = "A";
        t[i].occupation = "Welder";
        t[i].skills = sp;
        t[i].n_skills = 1;
        tp[i] = &t[i];
    }
    body.talents = tp;
    body.n_talents = PACE_BATCH;
    req.id = id;
    req.api_version = BOLE__API_VERSION__API_VERSION_1;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &body;
    size_t len = bole__request__get_packed_size(&req);
    *out = malloc(len);
    REQUIRE(*out != NULL);
    return bole__request__pack(&req, *out);
}

/* One bulk put over the DEALER, waiting for its answer: its status. */
static int s_bulk(void *d, const char *prefix, uint64_t id)
{
    uint8_t *buf = NULL;
    size_t len = s_pack_bulk(prefix, id, &buf);
    REQUIRE(zmq_send(d, buf, len, 0) == (int)len);
    free(buf);
    int status[1] = { -1 };
    CHECK_EQ_INT(s_read_answers(d, 1, status, 1), 1);
    return status[0];
}

static void s_pace_stats(bole_client_t *c, uint64_t *talents, uint64_t *paced, uint64_t *ms)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest body = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r = NULL;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &body;
    REQUIRE(bole_client_call(c, &req, &r) == BOLE_OK);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->stats != NULL);
    *talents = r->stats->talents;
    *paced = r->stats->bulk_acks_paced;
    *ms = r->stats->bulk_pace_ms;
    bole_response_free(r);
}

/* At 100 profiles/s a bulk put of 50 has a budget of 0.5 s, far more than
 * storing 50 takes even under a sanitizer, so the bounds below are lower
 * bounds that a slow machine cannot break. */
static void test_bulk_pacing(void)
{
    const char *args[] = { "--busy-bulk-rate", "100", NULL };
    harness_t *h = harness_start(args);
    REQUIRE(h != NULL);
    void *d = s_dealer(h);
    bole_client_t *c = harness_client(h, 10000);
    REQUIRE(c != NULL);
    uint64_t talents, paced, ms;

    /* No reads (health and stats do not count): nothing held. */
    for (int i = 0; i < 3; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "Q%d-", i);
        CHECK_EQ_INT(s_bulk(d, prefix, 1), BOLE__STATUS_CODE__OK);
    }
    s_pace_stats(c, &talents, &paced, &ms);
    CHECK_EQ_INT((long long)talents, 3 * PACE_BATCH);
    CHECK_EQ_INT((long long)paced, 0);

    /* A read before each: the 2nd and 3rd answers wait for the budget. */
    double t0 = s_now();
    for (int i = 0; i < 3; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "P%d-", i);
        CHECK(s_exists(c, "Q0-0"));
        CHECK_EQ_INT(s_bulk(d, prefix, 1), BOLE__STATUS_CODE__OK);
    }
    double took = s_now() - t0;
    s_pace_stats(c, &talents, &paced, &ms);
    printf("3 bulk puts of %d while reading: %.2f s, %llu answers held %llu ms\n", PACE_BATCH,
           took, (unsigned long long)paced, (unsigned long long)ms);
    CHECK(took >= 0.95); /* Answers at +0, >= +0.5 s, >= +1.0 s. */
    CHECK_GE_INT((long long)paced, 1);
    CHECK_GE_INT((long long)talents, 6 * PACE_BATCH);

    bole_client_destroy(&c);
    zmq_close(d);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);

    /* At 1 profile/s a second bulk put of 50 is held 50 s: shutdown must
     * send it at once (harness_stop allows 10 s), and its data stays. */
    const char *slow[] = { "--busy-bulk-rate", "1", NULL };
    h = harness_start(slow);
    REQUIRE(h != NULL);
    d = s_dealer(h);
    c = harness_client(h, 10000);
    REQUIRE(c != NULL);
    CHECK(!s_exists(c, "none"));
    CHECK_EQ_INT(s_bulk(d, "S1-", 1), BOLE__STATUS_CODE__OK); /* Starts the budget. */
    CHECK(!s_exists(c, "none"));
    uint8_t *buf = NULL;
    size_t len = s_pack_bulk("S2-", 1, &buf);
    REQUIRE(zmq_send(d, buf, len, 0) == (int)len);
    free(buf);
    /* Wait until it is stored and held. */
    for (int i = 0; i < 100; i++) {
        s_pace_stats(c, &talents, &paced, &ms);
        if (paced == 1)
            break;
        struct timespec nap = { 0, 50 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    CHECK_EQ_INT((long long)paced, 1);
    CHECK_GE_INT((long long)ms, 40000);
    bole_client_destroy(&c);
    double t1 = s_now();
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    int status[1] = { -1 };
    CHECK_EQ_INT(s_read_answers(d, 1, status, 1), 1);
    CHECK_EQ_INT(status[0], BOLE__STATUS_CODE__OK);
    printf("answer held for %llu ms sent at shutdown, %.2f s after SIGTERM\n",
           (unsigned long long)ms, s_now() - t1);
    CHECK_EQ_INT(harness_restart(h), 0);
    c = harness_client(h, 10000);
    REQUIRE(c != NULL);
    CHECK(s_exists(c, "S2-49"));
    bole_client_destroy(&c);
    zmq_close(d);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
}

static void test_bad_flags(void)
{
    const char *const bad[][3] = {
        { "--busy-bulk-rate", "-1", NULL },
        { "--max-in-flight", "0", NULL },
        { "--max-client-in-flight", "-3", NULL },
        { "--max-client-in-flight", "lots", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = { BOLED_PATH, bad[i][0], bad[i][1], "--db", "/nonexistent/x.db",
                               NULL };
        char *err = NULL;
        int rc = harness_run(argv, NULL, &err, 10000, NULL);
        CHECK_NE_INT(rc, 0);
        CHECK_CONTAINS(err, bad[i][0] + 2);
        free(err);
    }
}

int main(void)
{
    const char *client_limit[] = { "--max-client-in-flight", "4", NULL };
    const char *server_limit[] = { "--max-in-flight", "4", NULL };

    s_zmq = zmq_ctx_new();
    REQUIRE(s_zmq != NULL);
    test_bad_flags();
    s_flood(client_limit, "C", "--max-client-in-flight 4");
    s_flood(server_limit, "G", "--max-in-flight 4");
    test_stuck_client();
    test_bulk_pacing();
    zmq_ctx_term(s_zmq);
    return check_summary();
}
