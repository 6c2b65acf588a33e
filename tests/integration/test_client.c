/* test_client.c — the client library against a scripted fake server (a
 * ROUTER socket in a thread): stale replies are dropped, a timeout resets the
 * socket and the next call works, malformed envelopes are ignored, and
 * multi-frame sends arrive as sent. No boled needed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

enum mode {
    MODE_ECHO,      /* Reply with the request's id, status OK. */
    MODE_STALE,     /* First a reply with id - 1, then the right one. */
    MODE_SILENT,    /* No reply. */
    MODE_NO_DELIM,  /* Reply without the empty delimiter frame. */
    MODE_COUNT,     /* Reply with one byte: the number of payload frames. */
};

static atomic_int s_mode;
static atomic_int s_stop;
static atomic_int s_ready;  /* Set once s_endpoint is written. */
static char s_endpoint[128];

static void s_reply(void *sock, const zmq_msg_t *ident, int delim, const void *buf, size_t len)
{
    zmq_send(sock, zmq_msg_data((zmq_msg_t *)ident), zmq_msg_size(ident), ZMQ_SNDMORE);
    if (delim)
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, buf, len, 0);
}

static void s_reply_id(void *sock, const zmq_msg_t *ident, int delim, uint64_t id)
{
    Bole__Response r = BOLE__RESPONSE__INIT;
    uint8_t buf[64];
    r.id = id;
    s_reply(sock, ident, delim, buf, bole__response__pack(&r, buf));
}

static void *s_server(void *ctx)
{
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    size_t len = sizeof s_endpoint;
    int linger = 0;

    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(sock, "tcp://127.0.0.1:*") != 0) {
        zmq_close(sock);
        return NULL;
    }
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, s_endpoint, &len);
    atomic_store(&s_ready, 1);
    while (!atomic_load(&s_stop)) {
        zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
        zmq_msg_t ident, part, payload;
        int nparts = 0, more;

        if (zmq_poll(&it, 1, 50) <= 0)
            continue;
        zmq_msg_init(&ident);
        zmq_msg_init(&payload);
        zmq_msg_recv(&ident, sock, 0);
        do {
            zmq_msg_init(&part);
            zmq_msg_recv(&part, sock, 0);
            more = zmq_msg_more(&part);
            if (nparts == 1)
                zmq_msg_copy(&payload, &part);
            nparts++;
            zmq_msg_close(&part);
        } while (more);

        Bole__Request *req = bole__request__unpack(NULL, zmq_msg_size(&payload),
                                                   zmq_msg_data(&payload));
        uint64_t id = req ? req->id : 0;
        bole__request__free_unpacked(req, NULL);
        switch (atomic_load(&s_mode)) {
        case MODE_ECHO:
            s_reply_id(sock, &ident, 1, id);
            break;
        case MODE_STALE:
            s_reply_id(sock, &ident, 1, id - 1);
            s_reply_id(sock, &ident, 1, id);
            break;
        case MODE_SILENT:
            break;
        case MODE_NO_DELIM:
            s_reply_id(sock, &ident, 0, id);
            break;
        case MODE_COUNT: {
            uint8_t n = (uint8_t)(nparts - 1);  /* Minus the empty delimiter. */
            s_reply(sock, &ident, 1, &n, 1);
            break;
        }
        }
        zmq_msg_close(&ident);
        zmq_msg_close(&payload);
    }
    zmq_close(sock);
    return NULL;
}

static int s_health(bole_client_t *c, Bole__Response **out)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest hb = BOLE__HEALTH_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &hb;
    return bole_client_call(c, &req, out);
}

static void test_api(void)
{
    bole_client_t *none = NULL;

    CHECK_NULL(bole_client_new(NULL, 100));
    CHECK_NULL(bole_client_new("", 100));
    CHECK_NULL(bole_client_new("nope://x", 100));
    bole_client_destroy(NULL);
    bole_client_destroy(&none);
    CHECK_EQ_STR(bole_status_name(0), "OK");
    CHECK_EQ_STR(bole_status_name(3), "INVALID_ARGUMENT");
    CHECK_EQ_STR(bole_status_name(12), "UNIMPLEMENTED");
    CHECK_EQ_STR(bole_status_name(16), "UNAUTHENTICATED");
    CHECK_EQ_STR(bole_status_name(999), "UNKNOWN");
    CHECK_EQ_STR(bole_strerror(BOLE_OK), "success");
    CHECK_CONTAINS(bole_strerror(BOLE_ETIMEOUT), "timed out");
    CHECK_EQ_STR(bole_strerror(-5), "unknown error");
}

static void test_scripted(void)
{
    bole_client_t *c = bole_client_new(s_endpoint, 2000);
    Bole__Response *r = NULL;
    void *reply = NULL;
    size_t reply_len = 0;

    REQUIRE(c != NULL);
    CHECK_EQ_STR(bole_client_endpoint(c), s_endpoint);
    CHECK_EQ_INT(bole_client_timeout(c), 2000);

    atomic_store(&s_mode, MODE_ECHO);
    CHECK_EQ_INT(s_health(c, &r), BOLE_OK);
    CHECK(r != NULL && r->id == 1);
    bole_response_free(r);

    /* A stale reply before the real one is dropped and counted. */
    atomic_store(&s_mode, MODE_STALE);
    CHECK_EQ_INT(s_health(c, &r), BOLE_OK);
    CHECK(r != NULL && r->id == 2);
    bole_response_free(r);
    CHECK_EQ_UINT(bole_client_stale_replies(c), 1);

    /* No reply: timeout, socket reset, *out NULL. */
    bole_client_set_timeout(c, 300);
    atomic_store(&s_mode, MODE_SILENT);
    {
        static Bole__Response sentinel = BOLE__RESPONSE__INIT;
        r = &sentinel;  /* Must be overwritten with NULL. */
    }
    CHECK_EQ_INT(s_health(c, &r), BOLE_ETIMEOUT);
    CHECK_NULL(r);
    CHECK_EQ_UINT(bole_client_resets(c), 1);

    /* A reply without the empty delimiter is ignored: timeout. */
    atomic_store(&s_mode, MODE_NO_DELIM);
    CHECK_EQ_INT(s_health(c, &r), BOLE_ETIMEOUT);
    CHECK_EQ_UINT(bole_client_resets(c), 2);

    /* After resets the client works again, ids keep increasing. */
    bole_client_set_timeout(c, 2000);
    atomic_store(&s_mode, MODE_ECHO);
    CHECK_EQ_INT(s_health(c, &r), BOLE_OK);
    CHECK(r != NULL && r->id == 5);
    bole_response_free(r);

    /* Frames arrive as sent, including empty ones. */
    atomic_store(&s_mode, MODE_COUNT);
    {
        const void *bufs[3] = { "a", NULL, "ccc" };
        const size_t lens[3] = { 1, 0, 3 };
        CHECK_EQ_INT(bole_client_call_frames(c, 3, bufs, lens, &reply, &reply_len), BOLE_OK);
        CHECK_EQ_UINT(reply_len, 1);
        CHECK(reply != NULL && ((uint8_t *)reply)[0] == 3);
        free(reply);
        CHECK_EQ_INT(bole_client_call_raw(c, NULL, 0, &reply, &reply_len), BOLE_OK);
        CHECK(reply != NULL && reply_len == 1 && ((uint8_t *)reply)[0] == 1);
        free(reply);
        CHECK_EQ_INT(bole_client_call_frames(c, 0, bufs, lens, &reply, &reply_len), BOLE_EINVAL);
        CHECK_EQ_INT(bole_client_call_raw(c, NULL, 5, &reply, &reply_len), BOLE_EINVAL);
    }
    CHECK_EQ_INT(bole_client_call(c, NULL, &r), BOLE_EINVAL);
    bole_client_destroy(&c);
    CHECK_NULL(c);
}

/* bole_response_decode: a reply bigger than several arena chunks (1,000
 * results, one string longer than a chunk) decodes field for field like
 * protobuf-c's own unpack; garbage decodes to NULL; freeing NULL is fine. */
static void test_decode_arena(void)
{
    enum { N = 1000 };
    static Bole__MatchResult results[N];
    static Bole__MatchResult *ptrs[N];
    static char ids[N][24];
    static char long_text[40000];
    memset(long_text, 'x', sizeof long_text - 1);
    for (int i = 0; i < N; i++) {
        bole__match_result__init(&results[i]);
        snprintf(ids[i], sizeof ids[i], "talent-%d", i);
        results[i].talent_id = ids[i];
        results[i].need_id = "need-1";
        results[i].score = (float)i / N;
        results[i].rank = (uint32_t)i + 1;
        ptrs[i] = &results[i];
    }
    Bole__MatchResponse m = BOLE__MATCH_RESPONSE__INIT;
    m.results = ptrs;
    m.n_results = N;
    Bole__Response r = BOLE__RESPONSE__INIT;
    r.id = 77;
    r.error = long_text;
    r.body_case = BOLE__RESPONSE__BODY_MATCH;
    r.match = &m;
    size_t len = bole__response__get_packed_size(&r);
    uint8_t *buf = malloc(len);
    REQUIRE(buf != NULL);
    CHECK_EQ_UINT(bole__response__pack(&r, buf), len);

    Bole__Response *a = bole_response_decode(buf, len);
    Bole__Response *b = bole__response__unpack(NULL, len, buf);
    CHECK_NOT_NULL(a);
    CHECK_NOT_NULL(b);
    if (a && b) {
        CHECK_EQ_UINT(a->id, 77);
        CHECK_EQ_STR(a->error, b->error);
        CHECK_EQ_UINT(strlen(a->error), sizeof long_text - 1);
        CHECK_EQ_INT(a->body_case, BOLE__RESPONSE__BODY_MATCH);
        CHECK_EQ_UINT(a->match->n_results, N);
        int same = 1;
        for (size_t i = 0; i < a->match->n_results && i < N; i++) {
            const Bole__MatchResult *x = a->match->results[i], *y = b->match->results[i];
            same &= strcmp(x->talent_id, y->talent_id) == 0 && strcmp(x->need_id, "need-1") == 0
                    && x->score == y->score && x->rank == i + 1;
        }
        CHECK_EQ_INT(same, 1);
    }
    bole_response_free(a);
    if (b)
        bole__response__free_unpacked(b, NULL);

    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_NULL(bole_response_decode(garbage, sizeof garbage));
    Bole__Response *empty = bole_response_decode("", 0); /* All defaults: valid. */
    CHECK_NOT_NULL(empty);
    if (empty)
        CHECK_EQ_UINT(empty->id, 0);
    bole_response_free(empty);
    bole_response_free(NULL);
    free(buf);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    pthread_t t;

    test_api();
    test_decode_arena();
    REQUIRE(ctx != NULL);
    REQUIRE(pthread_create(&t, NULL, s_server, ctx) == 0);
    for (int i = 0; i < 200 && !atomic_load(&s_ready); i++)
        zmq_poll(NULL, 0, 10);
    REQUIRE(atomic_load(&s_ready));
    test_scripted();
    atomic_store(&s_stop, 1);
    pthread_join(t, NULL);
    zmq_ctx_term(ctx);
    return check_summary();
}
