/* client.c — the C client library for boled (see include/bole/client.h).
 *
 * One ZeroMQ context and one DEALER socket per client. The DEALER sends the
 * same envelope a REQ socket would ([empty][payload]) but, unlike REQ, does
 * not lock up when a reply is lost: on a timeout we close and reopen the
 * socket ("Lazy Pirate", ZeroMQ guide ch. 4) so a late reply to the lost
 * request is dropped with the old socket instead of answering the next call.
 */
#define _POSIX_C_SOURCE 200809L

#include "bole/client.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#define S_DEFAULT_TIMEOUT_MS 5000

/* ---- response arena ------------------------------------------------------
 * A reply decodes into one arena instead of a malloc per submessage, string
 * and repeated field: an explained 20-result answer is hundreds of blocks,
 * and their malloc/free was a quarter of a benchmark client's CPU (perf).
 * protobuf-c allocates the top-level message first, so the message sits at
 * the start of the first chunk and bole_response_free finds the arena from
 * it; s_decode checks that and refuses a reply if it ever did not hold. */

#define S_CHUNK_BYTES 16384
#define S_ARENA_MAGIC 0x426f6c6541726e61ull /* "BoleArna" */

typedef struct s_chunk {
    struct s_chunk *next;  /* Older chunks. */
    size_t size, used;     /* Bytes of data. */
    uint64_t magic;        /* S_ARENA_MAGIC in the first chunk only. */
    struct s_chunk *first; /* The first chunk keeps the newest chunk here. */
    max_align_t data[];
} s_chunk_t;

static void *s_arena_alloc(void *allocator_data, size_t size)
{
    s_chunk_t *first = allocator_data;
    s_chunk_t *c = first->first;
    size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (need < size)
        return NULL;
    if (c->size - c->used < need) {
        size_t bytes = need > S_CHUNK_BYTES ? need : S_CHUNK_BYTES;
        s_chunk_t *n = malloc(sizeof *n + bytes);
        if (n == NULL)
            return NULL;
        n->size = bytes;
        n->used = 0;
        n->magic = 0;
        n->first = NULL;
        n->next = first->next; /* Keep the first chunk at the head. */
        first->next = n;
        first->first = c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    return p;
}

static void s_arena_free_block(void *allocator_data, void *p)
{
    (void)allocator_data; /* Blocks go when the whole response is freed. */
    (void)p;
}

static void s_arena_destroy(s_chunk_t *first)
{
    s_chunk_t *c = first->next;
    while (c != NULL) {
        s_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(first);
}

/* Decodes a reply into its own arena; NULL when it is not a bole.Response
 * (or out of memory). */
static Bole__Response *s_decode(const void *data, size_t len)
{
    s_chunk_t *first = malloc(sizeof *first + S_CHUNK_BYTES);
    if (first == NULL)
        return NULL;
    first->next = NULL;
    first->size = S_CHUNK_BYTES;
    first->used = 0;
    first->magic = S_ARENA_MAGIC;
    first->first = first;
    ProtobufCAllocator allocator = {s_arena_alloc, s_arena_free_block, first};
    Bole__Response *resp = bole__response__unpack(&allocator, len, data);
    if (resp == NULL || (void *)resp != (void *)first->data) {
        s_arena_destroy(first);
        return NULL;
    }
    return resp;
}

struct bole_client {
    void    *ctx;         /* Own ZeroMQ context (one per client: no sharing across threads). */
    void    *sock;        /* DEALER socket; NULL only transiently during a reset. */
    char    *endpoint;    /* Copy of the endpoint given to bole_client_new(). */
    int      timeout_ms;  /* Reply timeout of each call. */
    uint64_t next_id;     /* Last correlation id used; the next call uses next_id + 1. */
    uint64_t stale;       /* Replies discarded for a mismatched id. */
    uint64_t resets;      /* Socket resets after timeouts. */
    int      curve;       /* 1: CURVE keys below are set. */
    char     server_key[41], public_key[41], secret_key[41]; /* Z85 text. */
};

/* Milliseconds on the monotonic clock. */
static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open and connect c->sock. Returns BOLE_OK or BOLE_ETRANSPORT (c->sock is
 * then NULL). */
static int s_open(bole_client_t *c)
{
    int linger = 0;
    int64_t maxmsg = BOLE_CLIENT_MAX_REPLY;
    int sndtimeo = c->timeout_ms;

    c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
    if (c->sock == NULL)
        return BOLE_ETRANSPORT;
    if (zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0
        || zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo) != 0
        || (c->curve
            && (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->server_key, 40) != 0
                || zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->public_key, 40) != 0
                || zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, c->secret_key, 40) != 0))
        || zmq_connect(c->sock, c->endpoint) != 0) {
        zmq_close(c->sock);
        c->sock = NULL;
        return BOLE_ETRANSPORT;
    }
    return BOLE_OK;
}

/* Throw the socket away with whatever it still holds and open a new one. */
static int s_reset(bole_client_t *c)
{
    if (c->sock != NULL)
        zmq_close(c->sock);
    c->sock = NULL;
    c->resets++;
    return s_open(c);
}

bole_client_t *bole_client_new(const char *endpoint, int timeout_ms)
{
    bole_client_t *c;

    if (endpoint == NULL || endpoint[0] == '\0')
        return NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : S_DEFAULT_TIMEOUT_MS;
    c->endpoint = strdup(endpoint);
    if (c->endpoint == NULL)
        goto err;
    c->ctx = zmq_ctx_new();
    if (c->ctx == NULL)
        goto err;
    if (s_open(c) != BOLE_OK)
        goto err;
    return c;

err:
    if (c->ctx != NULL)
        zmq_ctx_term(c->ctx);
    free(c->endpoint);
    free(c);
    return NULL;
}

int bole_client_set_curve(bole_client_t *c, const char *server_public,
                          const char *client_public, const char *client_secret)
{
    if (c == NULL || server_public == NULL || client_public == NULL || client_secret == NULL
        || strlen(server_public) != 40 || strlen(client_public) != 40
        || strlen(client_secret) != 40)
        return BOLE_EINVAL;
    memcpy(c->server_key, server_public, 41);
    memcpy(c->public_key, client_public, 41);
    memcpy(c->secret_key, client_secret, 41);
    c->curve = 1;
    c->resets--; /* Not a timeout: keep the counter honest. */
    return s_reset(c);
}

void bole_client_destroy(bole_client_t **cp)
{
    bole_client_t *c;

    if (cp == NULL || *cp == NULL)
        return;
    c = *cp;
    if (c->sock != NULL)
        zmq_close(c->sock);
    zmq_ctx_term(c->ctx);  /* Returns at once: linger is 0. */
    free(c->endpoint);
    free(c);
    *cp = NULL;
}

const char *bole_client_endpoint(const bole_client_t *c)
{
    return c->endpoint;
}

int bole_client_timeout(const bole_client_t *c)
{
    return c->timeout_ms;
}

void bole_client_set_timeout(bole_client_t *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : S_DEFAULT_TIMEOUT_MS;
    if (c->sock != NULL)
        zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &c->timeout_ms, sizeof c->timeout_ms);
}

uint64_t bole_client_stale_replies(const bole_client_t *c)
{
    return c->stale;
}

uint64_t bole_client_resets(const bole_client_t *c)
{
    return c->resets;
}

/* Send [empty][frame 0]...[frame n-1]. A send that cannot complete within
 * the timeout (no peer) counts as a timeout. */
static int s_send(bole_client_t *c, size_t n, const void *const *bufs, const size_t *lens)
{
    if (zmq_send(c->sock, "", 0, ZMQ_SNDMORE) != 0)
        return errno == EAGAIN ? BOLE_ETIMEOUT : BOLE_ETRANSPORT;
    for (size_t i = 0; i < n; i++) {
        int flags = i + 1 < n ? ZMQ_SNDMORE : 0;
        if (zmq_send(c->sock, lens[i] ? bufs[i] : "", lens[i], flags) < 0)
            return errno == EAGAIN ? BOLE_ETIMEOUT : BOLE_ETRANSPORT;
    }
    return BOLE_OK;
}

/* Wait until `deadline` (monotonic ms) for one well-formed reply,
 * [empty][payload], and move the payload into *msg (initialised here; the
 * caller closes it on BOLE_OK). Malformed envelopes are skipped. */
static int s_recv(bole_client_t *c, int64_t deadline, zmq_msg_t *msg)
{
    for (;;) {
        zmq_pollitem_t item = { c->sock, 0, ZMQ_POLLIN, 0 };
        int64_t left = deadline - s_now_ms();
        int rc, more;
        size_t nframes = 0;
        int ok = 1;
        zmq_msg_t part;

        if (left <= 0)
            return BOLE_ETIMEOUT;
        rc = zmq_poll(&item, 1, (long)left);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return BOLE_ETRANSPORT;
        }
        if (rc == 0)
            continue;  /* The deadline check above ends the loop. */

        /* Read every frame of the message: [empty][payload], nothing else. */
        zmq_msg_init(msg);
        do {
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, c->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&part);
                zmq_msg_close(msg);
                if (errno == EAGAIN || errno == EINTR)
                    goto next;
                return BOLE_ETRANSPORT;
            }
            more = zmq_msg_more(&part);
            if (nframes == 0 && zmq_msg_size(&part) != 0)
                ok = 0;
            if (nframes == 1)
                zmq_msg_move(msg, &part);
            nframes++;
            zmq_msg_close(&part);
        } while (more);
        if (ok && nframes == 2)
            return BOLE_OK;
        zmq_msg_close(msg);
    next:;
    }
}

/* Send frames, wait for one payload, copy it out. Shared by the raw calls. */
static int s_call_frames(bole_client_t *c, size_t n, const void *const *bufs,
                         const size_t *lens, void **reply, size_t *reply_len)
{
    int64_t deadline = s_now_ms() + c->timeout_ms;
    zmq_msg_t msg;
    int rc;

    if (c->sock == NULL && s_open(c) != BOLE_OK)
        return BOLE_ETRANSPORT;
    rc = s_send(c, n, bufs, lens);
    if (rc == BOLE_OK)
        rc = s_recv(c, deadline, &msg);
    if (rc == BOLE_ETIMEOUT) {
        s_reset(c);
        return BOLE_ETIMEOUT;
    }
    if (rc != BOLE_OK)
        return rc;

    size_t sz = zmq_msg_size(&msg);
    void *copy = malloc(sz ? sz : 1);
    if (copy == NULL) {
        zmq_msg_close(&msg);
        return BOLE_ENOMEM;
    }
    if (sz != 0)
        memcpy(copy, zmq_msg_data(&msg), sz);
    zmq_msg_close(&msg);
    *reply = copy;
    *reply_len = sz;
    return BOLE_OK;
}

int bole_client_call_frames(bole_client_t *c, size_t n, const void *const *bufs,
                            const size_t *lens, void **reply, size_t *reply_len)
{
    if (reply != NULL)
        *reply = NULL;
    if (reply_len != NULL)
        *reply_len = 0;
    if (c == NULL || n == 0 || bufs == NULL || lens == NULL || reply == NULL
        || reply_len == NULL)
        return BOLE_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (bufs[i] == NULL && lens[i] != 0)
            return BOLE_EINVAL;
    return s_call_frames(c, n, bufs, lens, reply, reply_len);
}

int bole_client_call_raw(bole_client_t *c, const void *buf, size_t len,
                         void **reply, size_t *reply_len)
{
    const void *bufs[1] = { buf };
    size_t lens[1] = { len };
    return bole_client_call_frames(c, 1, bufs, lens, reply, reply_len);
}

int bole_client_call(bole_client_t *c, Bole__Request *req, Bole__Response **out)
{
    int64_t deadline;
    size_t len;
    uint8_t *buf;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (c == NULL || req == NULL || out == NULL)
        return BOLE_EINVAL;
    if (c->sock == NULL && s_open(c) != BOLE_OK)
        return BOLE_ETRANSPORT;

    req->id = ++c->next_id;
    req->api_version = BOLE__API_VERSION__API_VERSION_1;
    len = bole__request__get_packed_size(req);
    buf = malloc(len ? len : 1);
    if (buf == NULL)
        return BOLE_ENOMEM;
    if (bole__request__pack(req, buf) != len) {
        free(buf);
        return BOLE_EENCODE;
    }

    deadline = s_now_ms() + c->timeout_ms;
    {
        const void *bufs[1] = { buf };
        size_t lens[1] = { len };
        rc = s_send(c, 1, bufs, lens);
    }
    free(buf);

    while (rc == BOLE_OK) {
        zmq_msg_t msg;
        Bole__Response *resp;

        rc = s_recv(c, deadline, &msg);
        if (rc != BOLE_OK)
            break;
        resp = s_decode(zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
        if (resp == NULL)
            return BOLE_EDECODE;
        if (resp->id != req->id) {
            /* A late answer to an earlier call: not ours. */
            c->stale++;
            bole_response_free(resp);
            continue;
        }
        *out = resp;
        return BOLE_OK;
    }
    if (rc == BOLE_ETIMEOUT)
        s_reset(c);
    return rc;
}

Bole__Response *bole_response_decode(const void *data, size_t len)
{
    return data != NULL || len == 0 ? s_decode(data, len) : NULL;
}

void bole_response_free(Bole__Response *resp)
{
    if (resp == NULL)
        return;
    s_chunk_t *first = (s_chunk_t *)((char *)resp - offsetof(s_chunk_t, data));
    if (first->magic != S_ARENA_MAGIC)
        abort(); /* Not a response from bole_client_call: a caller's bug. */
    first->magic = 0;
    s_arena_destroy(first);
}

const char *bole_strerror(int err)
{
    switch (err) {
    case BOLE_OK:         return "success";
    case BOLE_EINVAL:     return "invalid argument";
    case BOLE_ENOMEM:     return "out of memory";
    case BOLE_ETIMEOUT:   return "timed out waiting for a reply";
    case BOLE_ETRANSPORT: return "transport error";
    case BOLE_EENCODE:    return "request could not be encoded";
    case BOLE_EDECODE:    return "reply could not be decoded";
    default:              return "unknown error";
    }
}

const char *bole_status_name(int status)
{
    switch (status) {
    case BOLE__STATUS_CODE__OK:                  return "OK";
    case BOLE__STATUS_CODE__INVALID_ARGUMENT:    return "INVALID_ARGUMENT";
    case BOLE__STATUS_CODE__NOT_FOUND:           return "NOT_FOUND";
    case BOLE__STATUS_CODE__ALREADY_EXISTS:      return "ALREADY_EXISTS";
    case BOLE__STATUS_CODE__PERMISSION_DENIED:   return "PERMISSION_DENIED";
    case BOLE__STATUS_CODE__RESOURCE_EXHAUSTED:  return "RESOURCE_EXHAUSTED";
    case BOLE__STATUS_CODE__FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case BOLE__STATUS_CODE__UNIMPLEMENTED:       return "UNIMPLEMENTED";
    case BOLE__STATUS_CODE__INTERNAL:            return "INTERNAL";
    case BOLE__STATUS_CODE__UNAVAILABLE:         return "UNAVAILABLE";
    case BOLE__STATUS_CODE__UNAUTHENTICATED:     return "UNAUTHENTICATED";
    default:                                     return "UNKNOWN";
    }
}
