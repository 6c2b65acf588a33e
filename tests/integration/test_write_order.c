/* test_write_order.c — one connection pipelines bulk puts (embedded on the
 * reader threads before the writer runs them, so they can reach the writer
 * out of order) and single puts (embedded on the server thread) of the same
 * talents: the stored versions must be those sent last, i.e. writes apply in
 * the order the client sent them. Then SIGKILL: every acknowledged write,
 * big batches included, is there after the restart. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

#define N_TALENTS  200     /* per bulk put */
#define N_ROUNDS   6       /* bulk put, then a single put of O0, each round */

/* Sends (without waiting) put_talents of O0..O<N_TALENTS-1>, or put_talent
 * of O0 when single, all with summary `title`, with request id `id`. */
static void s_send(void *d, int single, const char *title, uint64_t id)
{
    static Bole__Talent t[N_TALENTS];
    static Bole__Talent *tp[N_TALENTS];
    static char ids[N_TALENTS][16];
    static Bole__Skill s = BOLE__SKILL__INIT;
    static Bole__Skill *sp[] = {&s};
    s.name = "welding";
    s.level = 3;
    size_t n = single ? 1 : N_TALENTS;
    for (size_t i = 0; i < n; i++) {
        bole__talent__init(&t[i]);
        snprintf(ids[i], sizeof ids[i], "O%zu", i);
        t[i].external_id = ids[i];
        t[i].summary = (char *)title;
        t[i].zone = "A";
        t[i].occupation = "Welder";
        t[i].skills = sp;
        t[i].n_skills = 1;
        tp[i] = &t[i];
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest one = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__PutTalentsRequest many = BOLE__PUT_TALENTS_REQUEST__INIT;
    req.id = id;
    req.api_version = BOLE__API_VERSION__API_VERSION_1;
    if (single) {
        one.talent = &t[0];
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
        req.put_talent = &one;
    } else {
        many.talents = tp;
        many.n_talents = n;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &many;
    }
    size_t len = bole__request__get_packed_size(&req);
    uint8_t *buf = malloc(len);
    REQUIRE(buf != NULL);
    bole__request__pack(&req, buf);
    REQUIRE(zmq_send(d, buf, len, 0) == (int)len);
    free(buf);
}

/* The stored summary of talent id ("" if missing). */
static void s_title(bole_client_t *c, const char *id, char *out, size_t len)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest body = BOLE__ID_REQUEST__INIT;
    Bole__Response *r = NULL;
    body.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    req.get_talent = &body;
    REQUIRE(bole_client_call(c, &req, &r) == BOLE_OK);
    snprintf(out, len, "%s",
             r->status == BOLE__STATUS_CODE__OK && r->talent && r->talent->summary
                 ? r->talent->summary : "");
    bole_response_free(r);
}

static void s_check_versions(harness_t *h, const char *single, const char *bulk)
{
    bole_client_t *c = harness_client(h, 10000 * harness_time_scale());
    REQUIRE(c != NULL);
    char title[64];
    s_title(c, "O0", title, sizeof title);
    CHECK_EQ_STR(title, single);
    s_title(c, "O1", title, sizeof title);
    CHECK_EQ_STR(title, bulk);
    s_title(c, "O199", title, sizeof title);
    CHECK_EQ_STR(title, bulk);
    bole_client_destroy(&c);
}

int main(void)
{
    void *zmq = zmq_ctx_new();
    REQUIRE(zmq != NULL);
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    void *d = zmq_socket(zmq, ZMQ_DEALER);
    int linger = 0, timeout = 20000 * harness_time_scale();
    REQUIRE(d != NULL);
    zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(d, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    REQUIRE(zmq_connect(d, harness_endpoint(h)) == 0);

    /* Round r: bulk "bulk r" of all, then single "single r" of O0. */
    char last_single[32] = "", last_bulk[32] = "";
    uint64_t id = 0;
    for (int r = 0; r < N_ROUNDS; r++) {
        snprintf(last_bulk, sizeof last_bulk, "bulk %d", r);
        s_send(d, 0, last_bulk, ++id);
        snprintf(last_single, sizeof last_single, "single %d", r);
        s_send(d, 1, last_single, ++id);
    }
    int ok = 0;
    for (uint64_t i = 0; i < id; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, d, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        Bole__Response *r = bole_response_decode(zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
        CHECK_NOT_NULL(r);
        if (r) {
            ok += r->status == BOLE__STATUS_CODE__OK;
            bole_response_free(r);
        }
    }
    CHECK_EQ_INT(ok, (int)id);
    zmq_close(d);
    s_check_versions(h, last_single, last_bulk);

    /* Every answer above was an OK, so all of it must survive a SIGKILL. */
    REQUIRE(harness_kill(h) == 0);
    REQUIRE(harness_restart(h) == 0);
    s_check_versions(h, last_single, last_bulk);
    harness_destroy(&h);
    zmq_ctx_term(zmq);
    return check_summary();
}
