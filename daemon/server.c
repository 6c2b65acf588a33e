/*
 * server.c - see server.h.
 *
 * Threads. The server thread owns both sockets (ZeroMQ sockets are not
 * thread-safe): it receives, decodes and validates, and queues each request
 * as a job. Read jobs go to a pool of reader threads; write jobs go to one
 * writer thread, which takes every write waiting and runs them in one SQLite
 * transaction (each in a savepoint), so concurrent writers share one fsync
 * and none is acknowledged before its commit. A put's profiles are
 * validated and embedded before the writer (put_prep.h): a single put's on
 * this thread, a bulk put's on the prep thread, which also decodes it (this
 * thread only reads its envelope, bole_protocol_peek: decoding 1,000
 * profiles takes about 10 ms, which every request behind it would wait
 * for). The prep thread runs at nice +PREP_NICE, so Match and the other
 * reads come first; it takes no lock a reader needs. The writer still runs
 * writes in the order they arrived (write_seq). Finished jobs come back on a
 * completion queue; an eventfd in the poll set wakes the server thread to
 * send them. No extra ZeroMQ hop sits on the request path.
 *
 * Envelope: a REQ client's message reaches the ROUTER as
 * [identity][empty delimiter][payload]; a DEALER may omit the delimiter. We
 * answer with the same envelope. Exactly one payload frame is accepted.
 *
 * Bulk puts yield to reads. A bulk put's work — SQLite writes, embedding,
 * IVF training, live matching — fills both cores of a small machine, and a
 * Match then waits for a CPU (docs/LIVE.md, "Pacing bulk puts"). So while
 * other reads arrived within the last second, bulk-put answers are sent no
 * faster than --busy-bulk-rate profiles a second: each one is held, already
 * committed, until the import's budget allows it, and a client that waits
 * for its answer before sending more is paced. Nothing is held while no
 * reads come, nor at shutdown.
 *
 * Signals only set flags; the loop polls with a short timeout and acts on
 * them. On shutdown it answers everything already received, then stops.
 */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <zmq.h>

#include "live.h"
#include "log.h"
#include "protocol.h"
#include "peers.h"
#include "put_prep.h"
#include "queue.h"

#define MAX_FRAMES      8       /* identity + delimiter + payload, with room to spare */
#define POLL_MS         100     /* timer period for flags and periodic work */
#define RECV_BATCH      256     /* messages taken per wake-up before re-polling */
#define WRITE_BATCH     512     /* writes sharing one commit at most */
#define LINGER_MS       2000    /* time given to last replies on close */
#define ARENA_LIMIT     (512u << 20)
#define N_READERS       2       /* one per core on the target machine */
#define PREP_NICE       5       /* bulk-put decoding and embedding: after requests */
#define WRITER_CACHE_KIB (64L << 10) /* the writer connection's page cache */

static volatile sig_atomic_t s_shutdown_requested;
static volatile sig_atomic_t s_reload_requested;

void bole_server_request_shutdown(void) { s_shutdown_requested = 1; }
void bole_server_request_reload(void) { s_reload_requested = 1; }

/* One request from receipt to reply. */
typedef struct {
    bole_queue_item_t link;     /* First: queue linkage. */
    zmq_msg_t identity;         /* Routing frame of the peer. */
    int delimited;              /* Reply with an empty delimiter frame. */
    Bole__Request *request;     /* Decoded; NULL if decoding failed or not done yet. */
    uint64_t id;                /* Correlation id (decoded or peeked). */
    zmq_msg_t payload;          /* A bulk put's frame, until the prep thread decodes it. */
    int has_payload;
    const bole_principal_t *principal; /* Caller under CURVE, else NULL. */
    int slot;                   /* Stats slot (body case; 0 invalid). */
    uint64_t received_us;       /* For the latency figure. */
    bole_status_t status;       /* Result. */
    uint8_t *reply;             /* Packed bole.Response (malloc). */
    size_t items;               /* Profiles a put carried (set when done). */
    uint64_t release_us;        /* Held bulk-put answer: when it may go. */
    size_t reply_len;
    uint64_t write_seq;         /* Writes: receipt order, kept by the writer. */
    int answered;               /* Failed on the prep thread: reply packed, write nothing. */
    float *vectors;             /* Its profiles embedded (put_prep.h, malloc) or NULL. */
    size_t n_vectors;
} job_t;

/* One event waiting for the PUB socket. */
typedef struct {
    bole_queue_item_t link;     /* First: queue linkage. */
    size_t topic_len, len;
    uint8_t bytes[];            /* topic, then the packed event */
} outbound_t;

typedef struct bole_server bole_server_t;

typedef struct {
    bole_server_t *server;
    pthread_t thread;
    bole_store_t *store;        /* This thread's connection. */
    bole_arena_t arena;
    int started;
} worker_t;

struct bole_server {
    bole_daemon_t *daemon;
    void *zmq;                  /* ZeroMQ context. */
    void *router;               /* Requests. */
    void *pub;                  /* Events. */
    int wake_fd;                /* eventfd: completions are waiting. */
    bole_queue_t reads, writes, done;
    bole_queue_t preps;         /* Bulk puts for the prep thread. */
    bole_queue_t outbound;      /* Events for the PUB socket. */
    worker_t readers[N_READERS];
    worker_t writer;
    pthread_t prep_thread;
    int prep_started;
    size_t in_flight;           /* Jobs queued or running (server thread only). */
    uint64_t write_seq;         /* Last write_seq given (server thread only). */
    uint64_t last_read_us;      /* When the last read other than health/stats came. */
    uint64_t bulk_next_us;      /* When the next bulk-put answer may go (pacing). */
    job_t *held_head, *held_tail; /* Bulk-put answers held back, release order. */
    bole_peers_t *peers;        /* Jobs in flight per connection (server thread only). */
    bole_auth_t *auth;          /* Allow-list; NULL when CURVE is off. */
    pthread_t zap_thread;       /* Answers ZeroMQ's authentication requests. */
    int zap_started;
    volatile int zap_stop;
};

/* ---- CURVE and ZAP ---------------------------------------------------------- */

/* The ZAP handler: ZeroMQ asks it, per connecting client, whether the
 * client's CURVE key is allowed; the answer's user id (the key's name) then
 * rides on every message of that connection as "User-Id". */
static void *s_zap_main(void *arg)
{
    bole_server_t *server = arg;
    bole_thread_name("bole-zap");
    void *sock = zmq_socket(server->zmq, ZMQ_REP);
    if (!sock || zmq_bind(sock, "inproc://zeromq.zap.01") != 0) {
        log_error("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    while (!server->zap_stop) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, POLL_MS) <= 0)
            continue;
        /* version, request id, domain, address, identity, mechanism, key */
        zmq_msg_t part[8];
        int n = 0, more = 1;
        while (more && n < 8) {
            zmq_msg_init(&part[n]);
            if (zmq_msg_recv(&part[n], sock, 0) < 0)
                break;
            more = zmq_msg_more(&part[n]);
            n++;
        }
        const bole_principal_t *who = NULL;
        char key[41] = "";
        if (n == 7 && zmq_msg_size(&part[5]) == 5 &&
            memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0 && zmq_msg_size(&part[6]) == 32) {
            zmq_z85_encode(key, zmq_msg_data(&part[6]), 32);
            who = bole_auth_find_key(server->auth, key);
        }
        const char *text = who ? "OK" : "unknown client key";
        if (!who)
            log_warn("connection refused: unknown client key %s", key[0] ? key : "(none)");
        /* PUB sends every subscriber whatever its prefixes match, so a
         * zone-scoped key could read other zones' events there: it polls
         * matches_since instead, which filters per key. */
        size_t events_len = strlen(BOLE_ZAP_DOMAIN_EVENTS);
        if (who && bole_principal_scoped(who) && n >= 3 && zmq_msg_size(&part[2]) == events_len &&
            memcmp(zmq_msg_data(&part[2]), BOLE_ZAP_DOMAIN_EVENTS, events_len) == 0) {
            log_warn("permission denied: key '%s' is zone-scoped and may not subscribe to the "
                     "events socket (it polls matches_since)", who->name);
            text = "zone-scoped keys may not subscribe: poll matches_since";
            who = NULL;
        }
        const char *status = who ? "200" : "400";
        const char *user = who ? who->name : "";
        zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
        if (n >= 2)
            zmq_send(sock, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), ZMQ_SNDMORE);
        else
            zmq_send(sock, "", 0, ZMQ_SNDMORE);
        zmq_send(sock, status, 3, ZMQ_SNDMORE);
        zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(sock, "", 0, 0);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&part[i]);
    }
    zmq_close(sock);
    return NULL;
}

/* Loads the allow-list and server keys and starts the ZAP handler. */
static int s_curve_setup(bole_server_t *server, char *public_key, char *secret_key, char *err,
                         size_t errlen)
{
    const bole_config_t *c = &server->daemon->config;
    char why[512];
    if (bole_auth_load(&server->auth, c->auth, why, sizeof why) != 0) {
        snprintf(err, errlen, "allow-list: %s", why);
        return -1;
    }
    char path[BOLE_PATH_MAX + 8];
    if (c->server_key[0])
        snprintf(path, sizeof path, "%s", c->server_key);
    else
        snprintf(path, sizeof path, "%s.key", c->db);
    int created = 0;
    if (bole_auth_server_keys(path, public_key, secret_key, &created, why, sizeof why) != 0) {
        snprintf(err, errlen, "server key: %s", why);
        return -1;
    }
    log_info("CURVE on: %s server key %s (public key in %s.pub: %s); %zu client key%s allowed",
             created ? "created" : "loaded", path, path, public_key,
             bole_auth_count(server->auth), bole_auth_count(server->auth) == 1 ? "" : "s");
    if (pthread_create(&server->zap_thread, NULL, s_zap_main, server) != 0) {
        snprintf(err, errlen, "cannot start the ZAP thread");
        return -1;
    }
    server->zap_started = 1;
    return 0;
}

static void *s_bind(void *zmq, int type, const char *endpoint, long max_message,
                    const char *secret_key, const char *zap_domain, int insecure, char *err,
                    size_t errlen)
{
    void *sock = zmq_socket(zmq, type);
    if (!sock) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (secret_key) {
        int on = 1;
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, zap_domain, strlen(zap_domain));
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof on);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_key, 40);
    } else if (!insecure && !bole_endpoint_is_local(endpoint)) {
        snprintf(err, errlen,
                 "refusing to bind %s without CURVE: anyone on the network could read and "
                 "change data. Give --auth FILE (an allow-list of client keys; see "
                 "docs/SECURITY.md), or --insecure if this network is trusted",
                 endpoint);
        zmq_close(sock);
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

/* ---- running jobs (reader and writer threads) ----------------------------- */

/* Packs response into job->reply; on failure the job says INTERNAL. */
static void s_pack(job_t *job, Bole__Response *response)
{
    size_t size = bole__response__get_packed_size(response);
    job->reply = malloc(size ? size : 1);
    if (!job->reply) {
        Bole__Response fallback = BOLE__RESPONSE__INIT;
        fallback.id = response->id;
        fallback.status = BOLE__STATUS_CODE__INTERNAL;
        fallback.error = "out of memory while encoding the response";
        size = bole__response__get_packed_size(&fallback);
        job->reply = malloc(size);
        if (!job->reply) {
            job->reply_len = 0;
            return;
        }
        bole__response__pack(&fallback, job->reply);
        job->reply_len = size;
        job->status = BOLE_INTERNAL;
        return;
    }
    job->reply_len = bole__response__pack(response, job->reply);
}

/* Sets status and error. A failing handler may still have set a body on
 * purpose (a bulk put lists its per-item errors), so the body is kept. */
static void s_fill_error(Bole__Response *response, bole_status_t st, char *err)
{
    response->status = (Bole__StatusCode)st;
    if (st != BOLE_OK)
        response->error = err;
}

/* Queues a finished job for the server thread without waking it. */
static void s_complete_quiet(bole_server_t *server, job_t *job)
{
    bole_stats_record(server->daemon->stats, job->slot,
                      bole_monotonic_us() - job->received_us, job->status != BOLE_OK);
    if (job->status != BOLE_OK)
        log_debug("request %s: %s", job->slot ? bole_protocol_method_name(job->slot) : "(invalid)",
                  bole_status_text(job->status));
    job->items = job->request ? bole_put_prep_items(job->request) : 0;
    bole_protocol_free_request(&job->request);
    bole_queue_push(&server->done, &job->link);
}

/* Wakes the server thread to send what the done queue holds. */
static void s_wake(bole_server_t *server)
{
    uint64_t one = 1;
    ssize_t w = write(server->wake_fd, &one, sizeof one);
    (void)w; /* A full eventfd counter still wakes the poller. */
}

static void s_complete(bole_server_t *server, job_t *job)
{
    s_complete_quiet(server, job);
    s_wake(server);
}

/* Validates and embeds a put's profiles ahead of the writer (put_prep.h). */
static void s_prepare(bole_server_t *server, job_t *job)
{
    bole_models_t *models = bole_models_acquire(server->daemon);
    job->vectors = bole_put_prep_run(server->daemon, models, job->principal, job->request,
                                     &job->n_vectors);
    bole_models_release(server->daemon, &models);
}

static void *s_reader_main(void *arg)
{
    worker_t *w = arg;
    bole_server_t *server = w->server;
    bole_queue_item_t *item;
    bole_thread_name("bole-reader");
    while ((item = bole_queue_pop(&server->reads)) != NULL) {
        job_t *job = (job_t *)item;
        char err[1024] = "";
        Bole__Response response = BOLE__RESPONSE__INIT;
        response.id = job->request->id;
        bole_call_t call = {
            .daemon = server->daemon,
            .store = w->store,
            .models = bole_models_acquire(server->daemon),
            .principal = job->principal,
            .arena = &w->arena,
            .request = job->request,
            .response = &response,
            .err = err,
            .errlen = sizeof err,
        };
        job->status = bole_dispatch(&call);
        s_fill_error(&response, job->status, err);
        s_pack(job, &response);
        /* Reads defer only clean-ups of what the response pointed to. */
        bole_call_finish(&call, job->status == BOLE_OK);
        bole_models_release(server->daemon, &call.models);
        bole_arena_reset(&w->arena);
        s_complete(server, job);
    }
    return NULL;
}

static void s_close_payload(job_t *job)
{
    if (job->has_payload)
        zmq_msg_close(&job->payload);
    job->has_payload = 0;
}

/* Decodes a bulk put the server thread only peeked at. On failure the job
 * holds its error reply (counted as an undecodable request, as before). */
static bole_status_t s_decode_payload(job_t *job)
{
    char err[1024] = "";
    uint64_t id;
    bole_status_t st = bole_protocol_decode(zmq_msg_data(&job->payload),
                                            zmq_msg_size(&job->payload), &job->request, &id,
                                            err, sizeof err);
    s_close_payload(job);
    if (st == BOLE_OK && (int)job->request->body_case != job->slot) {
        /* Cannot happen with a decoder that keeps the last oneof member;
         * the role check was made for the peeked method. */
        snprintf(err, sizeof err, "malformed request: the method read from the envelope "
                 "is not the one decoded");
        bole_protocol_free_request(&job->request);
        st = BOLE_INVALID_ARGUMENT;
    }
    if (st != BOLE_OK) {
        Bole__Response response = BOLE__RESPONSE__INIT;
        response.id = job->id;
        job->status = st;
        job->slot = 0;
        s_fill_error(&response, st, err);
        s_pack(job, &response);
    }
    return st;
}

/* The prep thread: decodes and embeds bulk puts in parallel with the
 * writer's transaction, then queues them for it (their receipt order is
 * kept there by write_seq). Failed ones go to the writer too, answered, so
 * the writes after them are not held back. */
static void *s_prep_main(void *arg)
{
    bole_server_t *server = arg;
    bole_thread_name("bole-prep");
    /* Background work for the request path: an import must not delay
     * Match (docs/LIVE.md). Nothing here holds a lock readers take. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PREP_NICE) != 0)
        log_debug("prep thread: cannot lower its priority");
    bole_queue_item_t *item;
    while ((item = bole_queue_pop(&server->preps)) != NULL) {
        job_t *job = (job_t *)item;
        if (job->has_payload && s_decode_payload(job) != BOLE_OK)
            job->answered = 1;
        else
            s_prepare(server, job);
        bole_queue_push(&server->writes, &job->link);
    }
    return NULL;
}

/* Runs a batch of writes in one transaction; see the file comment. */
static void s_run_write_batch(worker_t *w, job_t **jobs, size_t n)
{
    bole_server_t *server = w->server;
    bole_daemon_t *daemon = server->daemon;
    Bole__Response *responses = bole_arena_array(&w->arena, n, sizeof *responses);
    bole_call_t *calls = bole_arena_array(&w->arena, n, sizeof *calls);
    char (*errs)[1024] = bole_arena_array(&w->arena, n, 1024);
    char batch_err[1024] = "";
    bole_status_t batch_st = BOLE_OK;
    if (!responses || !calls || !errs) {
        batch_st = BOLE_INTERNAL;
        snprintf(batch_err, sizeof batch_err, "out of memory for a batch of %zu writes", n);
    } else {
        batch_st = bole_store_batch_begin(w->store, batch_err, sizeof batch_err);
    }
    bole_models_t *models = bole_models_acquire(daemon);
    for (size_t i = 0; i < n && batch_st == BOLE_OK; i++) {
        bole__response__init(&responses[i]);
        responses[i].id = jobs[i]->request->id;
        errs[i][0] = '\0';
        calls[i] = (bole_call_t){
            .daemon = daemon,
            .store = w->store,
            .models = models,
            .principal = jobs[i]->principal,
            .arena = &w->arena,
            .request = jobs[i]->request,
            .response = &responses[i],
            .err = errs[i],
            .errlen = sizeof errs[i],
            .vectors = jobs[i]->vectors,
            .n_vectors = jobs[i]->n_vectors,
        };
        bole_status_t st = bole_store_item_begin(w->store, errs[i], sizeof errs[i]);
        if (st == BOLE_OK)
            st = bole_dispatch(&calls[i]);
        bole_store_item_end(w->store, st == BOLE_OK);
        jobs[i]->status = st;
    }
    if (batch_st == BOLE_OK)
        batch_st = bole_store_batch_commit(w->store, batch_err, sizeof batch_err);
    else
        bole_store_batch_rollback(w->store);
    if (batch_st != BOLE_OK) {
        log_warn("write batch of %zu not committed: %s", n, batch_err);
        if (batch_st == BOLE_UNAVAILABLE) {
            /* Say what it means for the caller, not only SQLite's words. */
            char why[512];
            snprintf(why, sizeof why, "%.500s", batch_err);
            snprintf(batch_err, sizeof batch_err,
                     "storage not writable (%s: disk full, read-only or failing); nothing "
                     "was stored, reads go on, retry later",
                     why);
        }
    }

    for (size_t i = 0; i < n && calls; i++)
        bole_call_finish(&calls[i], batch_st == BOLE_OK && jobs[i]->status == BOLE_OK);
    for (size_t i = 0; i < n; i++) {
        if (batch_st != BOLE_OK) {
            /* Nothing of the batch is durable: nobody gets an OK. */
            Bole__Response failed = BOLE__RESPONSE__INIT;
            failed.id = jobs[i]->request->id;
            jobs[i]->status = batch_st == BOLE_INTERNAL ? BOLE_INTERNAL : BOLE_UNAVAILABLE;
            s_fill_error(&failed, jobs[i]->status, batch_err);
            s_pack(jobs[i], &failed);
            continue;
        }
        s_fill_error(&responses[i], jobs[i]->status, errs[i]);
        s_pack(jobs[i], &responses[i]);
    }
    bole_models_release(daemon, &models);
    bole_arena_reset(&w->arena);
    /* One wake-up for the whole batch: a write per job cost a syscall and
     * often a context switch each (perf, docs/BENCHMARKS.md item 6). */
    for (size_t i = 0; i < n; i++)
        s_complete_quiet(server, jobs[i]);
    s_wake(server);
}

/* Writes waiting for an earlier one still being embedded, in write_seq
 * order (writer thread only). Bulk puts reach the writes queue out of order
 * when readers embed them; a client's writes must still apply in the order
 * it sent them. */
typedef struct {
    job_t *head, *tail;
    uint64_t next;              /* write_seq of the next write to run. */
} held_t;

static void s_hold(held_t *h, job_t *job)
{
    job->link.next = NULL;
    if (!h->head) {
        h->head = h->tail = job;
    } else if (job->write_seq > h->tail->write_seq) {
        h->tail->link.next = &job->link; /* The usual case: in order. */
        h->tail = job;
    } else {
        bole_queue_item_t **p = (bole_queue_item_t **)&h->head;
        while (((job_t *)*p)->write_seq < job->write_seq)
            p = &(*p)->next;
        job->link.next = *p;
        *p = &job->link;
    }
}

/* Moves the writes that may run now (the next ones in write_seq order, at
 * most max) into jobs; returns how many. */
static size_t s_take_ready(held_t *h, job_t **jobs, size_t max)
{
    size_t n = 0;
    while (n < max && h->head && h->head->write_seq == h->next) {
        jobs[n++] = h->head;
        h->head = (job_t *)h->head->link.next;
        h->next++;
    }
    if (!h->head)
        h->tail = NULL;
    return n;
}

static void *s_writer_main(void *arg)
{
    worker_t *w = arg;
    bole_server_t *server = w->server;
    job_t *jobs[WRITE_BATCH];
    bole_thread_name("bole-writer");
    held_t held = {NULL, NULL, 1};
    for (;;) {
        /* Wait only when no write is ready; either way take everything
         * queued, so one commit covers all of it. */
        bole_queue_item_t *item;
        if (held.head && held.head->write_seq == held.next) {
            item = bole_queue_take_all(&server->writes);
        } else {
            item = bole_queue_pop_many(&server->writes, SIZE_MAX, NULL);
            if (!item)
                break;
        }
        while (item) {
            bole_queue_item_t *next = item->next;
            s_hold(&held, (job_t *)item);
            item = next;
        }
        size_t n = s_take_ready(&held, jobs, WRITE_BATCH);
        size_t m = 0, answered = 0;
        for (size_t i = 0; i < n; i++) {
            if (jobs[i]->answered) {
                s_complete_quiet(server, jobs[i]);
                answered++;
            } else {
                jobs[m++] = jobs[i];
            }
        }
        if (answered)
            s_wake(server);
        if (m)
            s_run_write_batch(w, jobs, m);
        if (n && atomic_fetch_sub(&server->daemon->writes_queued, (long)n) == (long)n)
            bole_live_writes_idle(server->daemon);
    }
    return NULL;
}

/* ---- the server thread ---------------------------------------------------- */

static void s_free_reply(void *data, void *hint)
{
    (void)hint;
    free(data);
}

static void s_send_reply(bole_server_t *server, job_t *job)
{
    zmq_msg_send(&job->identity, server->router, ZMQ_SNDMORE);
    if (job->delimited)
        zmq_send(server->router, "", 0, ZMQ_SNDMORE);
    zmq_msg_t out;
    if (job->reply && zmq_msg_init_data(&out, job->reply, job->reply_len, s_free_reply,
                                        NULL) == 0) {
        job->reply = NULL; /* Owned by ZeroMQ now. */
        if (zmq_msg_send(&out, server->router, 0) < 0)
            zmq_msg_close(&out);
    } else {
        zmq_send(server->router, "", 0, 0);
    }
    free(job->reply);
    free(job->vectors);
    s_close_payload(job);
    zmq_msg_close(&job->identity);
    free(job);
}

/* bole_publish_fn of the daemon: any thread queues, the server thread sends. */
static void s_publish(void *ctx, const char *topic, const uint8_t *data, size_t len)
{
    bole_server_t *server = ctx;
    size_t topic_len = strlen(topic);
    outbound_t *o = malloc(sizeof *o + topic_len + len);
    if (!o)
        return;
    o->topic_len = topic_len;
    o->len = len;
    memcpy(o->bytes, topic, topic_len);
    memcpy(o->bytes + topic_len, data, len);
    bole_queue_push(&server->outbound, &o->link);
    uint64_t one = 1;
    ssize_t w = write(server->wake_fd, &one, sizeof one);
    (void)w;
}

static void s_flush_outbound(bole_server_t *server)
{
    bole_queue_item_t *item = bole_queue_take_all(&server->outbound);
    while (item) {
        bole_queue_item_t *next = item->next;
        outbound_t *o = (outbound_t *)item;
        /* PUB never blocks: slow subscribers lose messages, and catch up
         * through MatchesSince. */
        zmq_send(server->pub, o->bytes, o->topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(server->pub, o->bytes + o->topic_len, o->len, ZMQ_DONTWAIT);
        free(o);
        item = next;
    }
}

static void s_finish(bole_server_t *server, job_t *job)
{
    bole_peers_release(server->peers, zmq_msg_data(&job->identity),
                       zmq_msg_size(&job->identity));
    s_send_reply(server, job);
    server->in_flight--;
}

/* Whether job's answer must wait (see the file comment); if so, queues it
 * with its release time. Server thread only. */
static int s_hold_bulk_answer(bole_server_t *server, job_t *job, uint64_t now)
{
    long rate = server->daemon->config.busy_bulk_rate;
    if (rate <= 0 || server->daemon->draining || job->status != BOLE_OK || job->items == 0 ||
        (job->slot != BOLE__REQUEST__BODY_PUT_TALENTS &&
         job->slot != BOLE__REQUEST__BODY_PUT_NEEDS))
        return 0;
    if (server->last_read_us == 0 || now - server->last_read_us > 1000000) {
        server->bulk_next_us = now; /* Not busy: no debt carried into the next busy spell. */
        return 0;
    }
    uint64_t release = server->bulk_next_us > now ? server->bulk_next_us : now;
    server->bulk_next_us = release + (uint64_t)((double)job->items * 1e6 / (double)rate);
    if (release <= now)
        return 0;
    job->release_us = release;
    job->link.next = NULL;
    if (server->held_tail)
        server->held_tail->link.next = &job->link;
    else
        server->held_head = job;
    server->held_tail = job;
    atomic_fetch_add(&server->daemon->bulk_acks_paced, 1);
    atomic_fetch_add(&server->daemon->bulk_pace_us, release - now);
    return 1;
}

/* Sends the held answers that are due (all of them when draining). */
static void s_release_held(bole_server_t *server)
{
    if (!server->held_head)
        return;
    uint64_t now = bole_monotonic_us();
    while (server->held_head &&
           (server->held_head->release_us <= now || server->daemon->draining)) {
        job_t *job = server->held_head;
        server->held_head = (job_t *)job->link.next;
        if (!server->held_head)
            server->held_tail = NULL;
        s_finish(server, job);
    }
}

/* Milliseconds until the first held answer is due, at most POLL_MS. */
static long s_poll_timeout(const bole_server_t *server)
{
    if (!server->held_head)
        return POLL_MS;
    uint64_t now = bole_monotonic_us();
    if (server->held_head->release_us <= now)
        return 0;
    uint64_t ms = (server->held_head->release_us - now + 999) / 1000;
    return ms < POLL_MS ? (long)ms : POLL_MS;
}

static void s_flush_done(bole_server_t *server)
{
    uint64_t count;
    ssize_t r = read(server->wake_fd, &count, sizeof count);
    (void)r; /* EAGAIN just means nothing new; the queue is the truth. */
    bole_queue_item_t *item = bole_queue_take_all(&server->done);
    uint64_t now = bole_monotonic_us();
    while (item) {
        bole_queue_item_t *next = item->next;
        job_t *job = (job_t *)item;
        if (!s_hold_bulk_answer(server, job, now))
            s_finish(server, job);
        item = next;
    }
    s_flush_outbound(server);
}

/* Answers a request that never reached a handler (undecodable or bad envelope). */
static void s_reject(bole_server_t *server, job_t *job, uint64_t id, bole_status_t st,
                     char *err)
{
    Bole__Response response = BOLE__RESPONSE__INIT;
    response.id = id;
    job->status = st;
    s_fill_error(&response, st, err);
    s_pack(job, &response);
    bole_stats_record(server->daemon->stats, 0, bole_monotonic_us() - job->received_us, 1);
    s_send_reply(server, job);
}

/* Answers a decoded request that may not run (authentication, role). */
static void s_reject_method(bole_server_t *server, job_t *job, bole_status_t st, char *err)
{
    Bole__Response response = BOLE__RESPONSE__INIT;
    response.id = job->id;
    job->status = st;
    s_fill_error(&response, st, err);
    s_pack(job, &response);
    bole_stats_record(server->daemon->stats, job->slot, bole_monotonic_us() - job->received_us,
                      1);
    bole_protocol_free_request(&job->request);
    s_send_reply(server, job);
}

/* Receives one whole multipart message and queues or answers it. Returns 0
 * when a message was handled, 1 when none was waiting, -1 on a socket error. */
static int s_receive_one(bole_server_t *server)
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
    job_t *job = calloc(1, sizeof *job);
    if (!job) {
        for (int i = 0; i < n; i++)
            zmq_msg_close(&frames[i]);
        log_error("out of memory: request dropped");
        return 0;
    }
    job->received_us = bole_monotonic_us();
    zmq_msg_init(&job->identity);
    zmq_msg_move(&job->identity, &frames[0]);
    /* frames[0] is the peer identity; then an optional empty delimiter. */
    job->delimited = n >= 3 && zmq_msg_size(&frames[1]) == 0;
    int first_payload = job->delimited ? 2 : 1;
    int payloads = n - first_payload + extra;
    char err[1024] = "";
    uint64_t id = 0;
    bole_status_t st;
    char user[64] = "";
    if (payloads != 1) {
        snprintf(err, sizeof err, "expected exactly one frame holding a bole.Request, got %d",
                 payloads);
        st = BOLE_INVALID_ARGUMENT;
    } else {
        zmq_msg_t *payload = &frames[first_payload];
        /* The ZAP handler's user id (the key's name) rides on the data
         * frames, not on the routing frame the ROUTER made up. */
        if (server->auth) {
            const char *u = zmq_msg_gets(payload, "User-Id");
            snprintf(user, sizeof user, "%s", u ? u : "");
        }
        int body = 0;
        if (bole_protocol_peek(zmq_msg_data(payload), zmq_msg_size(payload), &id, &body) == 0 &&
            (body == BOLE__REQUEST__BODY_PUT_TALENTS || body == BOLE__REQUEST__BODY_PUT_NEEDS)) {
            /* A bulk put: the prep thread decodes it (see the file comment). */
            job->slot = body;
            zmq_msg_init(&job->payload);
            zmq_msg_move(&job->payload, payload);
            job->has_payload = 1;
            st = BOLE_OK;
        } else {
            st = bole_protocol_decode(zmq_msg_data(payload), zmq_msg_size(payload),
                                      &job->request, &id, err, sizeof err);
            if (st == BOLE_OK)
                job->slot = (int)job->request->body_case;
        }
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
    if (st != BOLE_OK) {
        s_reject(server, job, id, st, err);
        return 0;
    }
    job->id = id;
    if (server->auth) {
        job->principal = bole_auth_find_name(server->auth, user);
        const char *method = bole_protocol_method_name(job->slot);
        if (!job->principal) {
            snprintf(err, sizeof err, "unknown caller");
            s_reject_method(server, job, BOLE_UNAUTHENTICATED, err);
            return 0;
        }
        if (!(bole_auth_method_roles(job->slot) & job->principal->role)) {
            snprintf(err, sizeof err, "key '%s' (role %s) may not call %s",
                     job->principal->name, bole_auth_role_name(job->principal->role),
                     method ? method : "this method");
            log_warn("permission denied: %s", err);
            s_reject_method(server, job, BOLE_PERMISSION_DENIED, err);
            return 0;
        }
        if (bole_principal_scoped(job->principal) &&
            !bole_auth_method_zone_scoped_ok(job->slot)) {
            snprintf(err, sizeof err, "key '%s' is zone-scoped and may not call %s (its "
                     "answer spans every zone)", job->principal->name,
                     method ? method : "this method");
            log_warn("permission denied: %s", err);
            s_reject_method(server, job, BOLE_PERMISSION_DENIED, err);
            return 0;
        }
    }
    /* Bounded queues: a flood is refused at once instead of growing memory,
     * and one connection cannot take every slot (others keep being served). */
    const bole_config_t *config = &server->daemon->config;
    if ((long)server->in_flight >= config->max_in_flight) {
        snprintf(err, sizeof err, "server busy: %zu requests in flight (--max-in-flight %ld); "
                 "retry later", server->in_flight, config->max_in_flight);
        s_reject_method(server, job, BOLE_RESOURCE_EXHAUSTED, err);
        return 0;
    }
    long mine = bole_peers_acquire(server->peers, zmq_msg_data(&job->identity),
                                   zmq_msg_size(&job->identity), config->max_client_in_flight);
    if (mine <= 0) {
        if (mine == 0)
            snprintf(err, sizeof err, "this connection already has %ld requests in flight "
                     "(--max-client-in-flight); read answers before sending more",
                     config->max_client_in_flight);
        else
            snprintf(err, sizeof err, "out of memory counting requests in flight");
        s_reject_method(server, job, mine == 0 ? BOLE_RESOURCE_EXHAUSTED : BOLE_INTERNAL, err);
        return 0;
    }
    server->in_flight++;
    if (bole_method_kind(job->slot) != BOLE_METHOD_WRITE) {
        if (job->slot != BOLE__REQUEST__BODY_HEALTH && job->slot != BOLE__REQUEST__BODY_STATS)
            server->last_read_us = job->received_us;
        bole_queue_push(&server->reads, &job->link);
        return 0;
    }
    job->write_seq = ++server->write_seq;
    atomic_fetch_add(&server->daemon->writes_queued, 1); /* For the live matcher (live.h). */
    size_t items = job->has_payload ? 0 : bole_put_prep_items(job->request);
    if (job->has_payload || items > 1) {
        /* The prep thread decodes and embeds it, then queues it for the writer. */
        bole_queue_push(&server->preps, &job->link);
        return 0;
    }
    if (items == 1)
        s_prepare(server, job); /* Cheaper here than a hand-off to a reader. */
    bole_queue_push(&server->writes, &job->link);
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

static int s_start_worker(bole_server_t *server, worker_t *w, void *(*fn)(void *), int reader,
                          char *err, size_t errlen)
{
    w->server = server;
    bole_arena_init(&w->arena, ARENA_LIMIT);
    bole_store_options_t options = {
        .synchronous_full = strcmp(server->daemon->config.synchronous, "full") == 0,
        .reader = reader,
        /* The writer's bulk batches dirty more pages than SQLite's default
         * 2 MiB holds (16-odd trend rows per profile): it spilled them to
         * the WAL mid-transaction and read index pages back (perf of a bulk
         * load, docs/BENCHMARKS.md). */
        .cache_kib = reader ? 0 : WRITER_CACHE_KIB,
    };
    if (bole_store_open(&w->store, server->daemon->config.db, &options, err, errlen) != BOLE_OK)
        return -1;
    if (pthread_create(&w->thread, NULL, fn, w) != 0) {
        snprintf(err, errlen, "cannot start a worker thread");
        bole_store_close(&w->store);
        return -1;
    }
    w->started = 1;
    return 0;
}

bole_server_t *bole_server_new(bole_daemon_t *daemon, char *err, size_t errlen)
{
    bole_server_t *server = calloc(1, sizeof *server);
    if (!server) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    server->daemon = daemon;
    server->wake_fd = -1;
    bole_queue_init(&server->reads);
    bole_queue_init(&server->writes);
    bole_queue_init(&server->done);
    bole_queue_init(&server->preps);
    bole_queue_init(&server->outbound);
    server->peers = bole_peers_new();
    if (!server->peers) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    server->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (server->wake_fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    server->zmq = zmq_ctx_new();
    if (!server->zmq) {
        snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    char public_key[41], secret_key[41];
    const char *curve = NULL;
    if (daemon->config.auth[0]) {
        if (s_curve_setup(server, public_key, secret_key, err, errlen) != 0)
            goto fail;
        curve = secret_key;
    } else if (daemon->config.insecure) {
        log_warn("--insecure: CURVE is off and non-loopback binds are allowed; requests "
                 "and events travel in plain text without authentication");
    }
    server->router = s_bind(server->zmq, ZMQ_ROUTER, daemon->config.listen,
                            daemon->config.max_message_size, curve,
                            BOLE_ZAP_DOMAIN_REQUESTS, (int)daemon->config.insecure, err, errlen);
    if (!server->router)
        goto fail;
    server->pub = s_bind(server->zmq, ZMQ_PUB, daemon->config.events, 0, curve,
                         BOLE_ZAP_DOMAIN_EVENTS, (int)daemon->config.insecure, err, errlen);
    if (!server->pub)
        goto fail;
    daemon->publish = s_publish;
    daemon->publish_ctx = server;
    for (int i = 0; i < N_READERS; i++)
        if (s_start_worker(server, &server->readers[i], s_reader_main, 1, err, errlen) != 0)
            goto fail;
    if (s_start_worker(server, &server->writer, s_writer_main, 0, err, errlen) != 0)
        goto fail;
    if (pthread_create(&server->prep_thread, NULL, s_prep_main, server) != 0) {
        snprintf(err, errlen, "cannot start the prep thread");
        goto fail;
    }
    server->prep_started = 1;
    return server;
fail:
    bole_server_destroy(&server);
    return NULL;
}

static void s_stop_worker(worker_t *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = 0;
    bole_store_close(&w->store);
    bole_arena_free(&w->arena);
}

void bole_server_destroy(bole_server_t **server)
{
    if (!server || !*server)
        return;
    bole_server_t *s = *server;
    bole_queue_close(&s->reads);
    bole_queue_close(&s->preps);
    for (int i = 0; i < N_READERS; i++)
        s_stop_worker(&s->readers[i]);
    if (s->prep_started)
        pthread_join(s->prep_thread, NULL); /* It queues for the writer: first. */
    s->prep_started = 0;
    bole_queue_close(&s->writes);
    s_stop_worker(&s->writer);
    s->daemon->publish = NULL;
    s->daemon->publish_ctx = NULL;
    for (bole_queue_item_t *o = bole_queue_take_all(&s->outbound), *next; o; o = next) {
        next = o->next;
        free(o);
    }
    /* Replies nobody will send any more. */
    bole_queue_item_t *item = bole_queue_take_all(&s->done);
    while (item) {
        bole_queue_item_t *next = item->next;
        job_t *job = (job_t *)item;
        zmq_msg_close(&job->identity);
        free(job->reply);
        free(job->vectors);
        s_close_payload(job);
        free(job);
        item = next;
    }
    if (s->zap_started) {
        s->zap_stop = 1;
        pthread_join(s->zap_thread, NULL);
    }
    bole_auth_destroy(&s->auth);
    if (s->router)
        zmq_close(s->router);
    if (s->pub)
        zmq_close(s->pub);
    if (s->zmq)
        zmq_ctx_term(s->zmq);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    bole_queue_free(&s->reads);
    bole_queue_free(&s->writes);
    bole_queue_free(&s->done);
    bole_queue_free(&s->preps);
    bole_queue_free(&s->outbound);
    bole_peers_destroy(&s->peers);
    free(s);
    *server = NULL;
}

int bole_server_run(bole_server_t *server)
{
    log_info("serving requests on %s, events on %s (%d readers, 1 writer, 1 bulk-put prep)",
             server->daemon->config.listen, server->daemon->config.events, N_READERS);
    zmq_pollitem_t items[] = {
        {server->router, 0, ZMQ_POLLIN, 0},
        {NULL, server->wake_fd, ZMQ_POLLIN, 0},
    };
    int status = 0;
    while (!s_shutdown_requested) {
        int rc = zmq_poll(items, 2, s_poll_timeout(server));
        if (rc < 0 && zmq_errno() != EINTR) {
            log_error("poll failed: %s", zmq_strerror(zmq_errno()));
            status = -1;
            break;
        }
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
            s_flush_done(server);
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
            for (int i = 0; i < RECV_BATCH; i++) {
                int got = s_receive_one(server);
                if (got < 0)
                    status = -1;
                if (got != 0)
                    break;
            }
        }
        s_release_held(server);
        s_periodic(server);
    }
    /* Drain: take what already arrived, then wait for every answer. */
    server->daemon->draining = 1;
    int taken = 0;
    while (status == 0 && s_receive_one(server) == 0)
        taken++;
    s_release_held(server); /* draining: every held answer goes now */
    while (server->in_flight > 0) {
        zmq_pollitem_t wake = {NULL, server->wake_fd, ZMQ_POLLIN, 0};
        zmq_poll(&wake, 1, POLL_MS);
        s_flush_done(server);
    }
    log_info("shutting down: %d queued request%s answered", taken, taken == 1 ? "" : "s");
    return status;
}
