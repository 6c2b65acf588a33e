/*
 * server.c - see server.h.
 *
 * Envelope handling: a REQ client's message reaches the ROUTER as
 * [identity][empty delimiter][payload]; a DEALER may omit the delimiter. We
 * answer with the same envelope. Exactly one payload frame is accepted.
 * Signal handlers only set flags; the loop polls with a short timeout and
 * acts on them (an EINTR from zmq_poll brings us back at once).
 */
#define _POSIX_C_SOURCE 200809L
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "log.h"
#include "protocol.h"

#define MAX_FRAMES      8       /* identity + delimiter + payload, with room to spare */
#define POLL_MS         100     /* timer period for flags and periodic work */
#define BATCH           256     /* messages handled per wake-up before re-polling */
#define LINGER_MS       2000    /* time given to last replies on close */
#define ARENA_LIMIT     (256u << 20)

static volatile sig_atomic_t s_shutdown_requested;
static volatile sig_atomic_t s_reload_requested;

void bole_server_request_shutdown(void) { s_shutdown_requested = 1; }
void bole_server_request_reload(void) { s_reload_requested = 1; }

struct bole_server {
    bole_daemon_t *daemon;
    void *zmq;          /* ZeroMQ context. */
    void *router;       /* Requests. */
    void *pub;          /* Events. */
    bole_arena_t arena; /* Per-request memory, reset after each reply. */
};

static void *s_bind(void *zmq, int type, const char *endpoint, long max_message,
                    char *err, size_t errlen)
{
    void *sock = zmq_socket(zmq, type);
    if (!sock) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = LINGER_MS;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (max_message > 0) {
        int64_t cap = max_message;
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &cap, sizeof cap);
    }
    if (zmq_bind(sock, endpoint) != 0) {
        snprintf(err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

bole_server_t *bole_server_new(bole_daemon_t *daemon, char *err, size_t errlen)
{
    bole_server_t *server = calloc(1, sizeof *server);
    if (!server) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    server->daemon = daemon;
    bole_arena_init(&server->arena, ARENA_LIMIT);
    server->zmq = zmq_ctx_new();
    if (!server->zmq) {
        snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    server->router = s_bind(server->zmq, ZMQ_ROUTER, daemon->config.listen,
                            daemon->config.max_message_size, err, errlen);
    if (!server->router)
        goto fail;
    server->pub = s_bind(server->zmq, ZMQ_PUB, daemon->config.events, 0, err, errlen);
    if (!server->pub)
        goto fail;
    return server;
fail:
    bole_server_destroy(&server);
    return NULL;
}

void bole_server_destroy(bole_server_t **server)
{
    if (!server || !*server)
        return;
    bole_server_t *s = *server;
    if (s->router)
        zmq_close(s->router);
    if (s->pub)
        zmq_close(s->pub);
    if (s->zmq)
        zmq_ctx_term(s->zmq);
    bole_arena_free(&s->arena);
    free(s);
    *server = NULL;
}

/* Builds the response for one payload; returns the status it carries. */
static bole_status_t s_process(bole_server_t *server, const void *payload, size_t len,
                               Bole__Response *response, int *slot, char *err, size_t errlen)
{
    Bole__Request *request = NULL;
    uint64_t id = 0;
    bole_status_t st = bole_protocol_decode(payload, len, &request, &id, err, errlen);
    response->id = id;
    *slot = 0;
    if (st != BOLE_OK)
        return st;
    *slot = (int)request->body_case;
    bole_call_t call = {
        .daemon = server->daemon,
        .arena = &server->arena,
        .request = request,
        .response = response,
        .err = err,
        .errlen = errlen,
    };
    st = bole_dispatch(&call);
    if (st != BOLE_OK)
        response->body_case = BOLE__RESPONSE__BODY__NOT_SET;
    bole_protocol_free_request(&request);
    return st;
}

static void s_reply(bole_server_t *server, zmq_msg_t *identity, int delimited,
                    const Bole__Response *response)
{
    size_t size = bole__response__get_packed_size(response);
    zmq_msg_t out;
    if (zmq_msg_init_size(&out, size) != 0) {
        log_error("cannot allocate a %zu-byte reply", size);
        return;
    }
    bole__response__pack(response, zmq_msg_data(&out));
    /* ROUTER drops replies to peers that left; that is fine. */
    zmq_msg_send(identity, server->router, ZMQ_SNDMORE);
    if (delimited)
        zmq_send(server->router, "", 0, ZMQ_SNDMORE);
    if (zmq_msg_send(&out, server->router, 0) < 0) {
        log_debug("reply not sent: %s", zmq_strerror(zmq_errno()));
        zmq_msg_close(&out);
    }
}

/* Receives one whole multipart message and answers it. Returns 0 when a
 * message was handled, 1 when none was waiting, -1 on a socket error. */
static int s_handle_one(bole_server_t *server)
{
    zmq_msg_t frames[MAX_FRAMES];
    int n = 0, extra = 0, more = 1;
    while (more) {
        zmq_msg_t scratch; /* Frames beyond MAX_FRAMES are counted, not kept. */
        zmq_msg_t *frame = n < MAX_FRAMES ? &frames[n] : &scratch;
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, server->router, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            int e = zmq_errno();
            zmq_msg_close(frame);
            for (int i = 0; i < n; i++)
                zmq_msg_close(&frames[i]);
            if (n == 0 && (e == EAGAIN || e == EINTR))
                return 1;
            log_error("receive failed: %s", zmq_strerror(e));
            return -1;
        }
        more = zmq_msg_more(frame);
        if (frame == &scratch) {
            zmq_msg_close(&scratch);
            extra++;
        } else {
            n++;
        }
    }
    uint64_t started = bole_monotonic_us();
    char err[1024] = "";
    Bole__Response response;
    bole__response__init(&response);
    int slot = 0;
    bole_status_t st;

    /* frames[0] is the peer identity; then an optional empty delimiter. */
    int delimited = n >= 3 && zmq_msg_size(&frames[1]) == 0;
    int first_payload = delimited ? 2 : 1;
    int payloads = n - first_payload + extra;
    if (payloads != 1) {
        snprintf(err, sizeof err, "expected exactly one frame holding a bole.Request, got %d",
                 payloads);
        st = BOLE_INVALID_ARGUMENT;
    } else {
        st = s_process(server, zmq_msg_data(&frames[first_payload]),
                       zmq_msg_size(&frames[first_payload]), &response, &slot, err,
                       sizeof err);
    }
    response.status = (Bole__StatusCode)st;
    if (st != BOLE_OK) {
        response.error = err;
        const char *method = slot ? bole_protocol_method_name(slot) : "(invalid)";
        log_debug("request %llu %s: %s: %s", (unsigned long long)response.id,
                  method ? method : "?", bole_status_text(st), err);
    }
    s_reply(server, &frames[0], delimited, &response);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
    bole_arena_reset(&server->arena);
    bole_stats_record(server->daemon->stats, slot, bole_monotonic_us() - started,
                      st != BOLE_OK);
    return 0;
}

static void s_periodic(bole_server_t *server)
{
    if (s_reload_requested) {
        s_reload_requested = 0;
        char err[1024];
        if (bole_daemon_load_models(server->daemon, err, sizeof err) == BOLE_OK)
            log_info("SIGHUP: model files reloaded");
        else
            log_warn("SIGHUP: reload failed, keeping the loaded model: %s", err);
    }
}

int bole_server_run(bole_server_t *server)
{
    log_info("serving requests on %s, events on %s", server->daemon->config.listen,
             server->daemon->config.events);
    zmq_pollitem_t items[] = {{server->router, 0, ZMQ_POLLIN, 0}};
    while (!s_shutdown_requested) {
        int rc = zmq_poll(items, 1, POLL_MS);
        if (rc < 0 && zmq_errno() != EINTR) {
            log_error("poll failed: %s", zmq_strerror(zmq_errno()));
            return -1;
        }
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
            for (int i = 0; i < BATCH; i++) {
                int got = s_handle_one(server);
                if (got < 0)
                    return -1;
                if (got > 0)
                    break;
            }
        }
        s_periodic(server);
    }
    /* Drain: answer everything that already arrived, then stop. */
    server->daemon->draining = 1;
    int answered = 0;
    while (s_handle_one(server) == 0)
        answered++;
    log_info("shutting down: answered %d queued request%s", answered,
             answered == 1 ? "" : "s");
    return 0;
}
