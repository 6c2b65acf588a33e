/* bole/client.h — the C client library for boled.
 *
 * Every tool and every integration test talks to the daemon through this
 * header. A client owns one ZeroMQ DEALER socket connected to boled's ROUTER
 * socket; each call sends [empty delimiter][bole.Request] (the envelope a REQ
 * socket would send, so the daemon cannot tell the two apart) and waits, up to
 * the client's timeout, for [empty delimiter][bole.Response] with the same
 * correlation id.
 *
 * Threads: a client is not thread-safe. Give each thread its own client
 * (bole_client_new() is cheap: one ZeroMQ context and one socket). Different
 * clients may be used from different threads at the same time.
 *
 * Timeouts ("Lazy Pirate"): when no matching reply arrives in time the call
 * returns BOLE_ETIMEOUT and the client closes and reopens its socket, so a
 * late reply to the lost request can never be taken for the answer to a
 * later one. The call is not retried: whether a retry is safe depends on the
 * method, and only the caller knows.
 *   Safe to retry: health, stats, every get_*, match_for_need,
 *     match_for_talent, matches_since, team_for_projects, get_event_schedule,
 *     leaderboard, referrer_statement, verify_ledger, export_outcomes, trends
 *     (reads); put_talent(s), put_need(s), put_project (a put replaces the
 *     record with the same external id, so repeating it is harmless);
 *     reload_model and snapshot.
 *   Retry only with care: delete_* / erase_talent / close_need (a repeat may
 *     answer NOT_FOUND although the first attempt succeeded); refer (retry
 *     with the same Request.client_token so the daemon can spot the repeat);
 *     feedback, advance_referral, update_team, form_team, create_event,
 *     register_for_event, run_event_matching (a repeat may record twice).
 *
 * Errors: every function that can fail returns a bole_err_t (0 = success).
 * A Response whose status is not OK is NOT a client error: the call returns
 * BOLE_OK and the caller reads (*out)->status and (*out)->error.
 */
#ifndef BOLE_CLIENT_H
#define BOLE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "bole.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Client-side errors. Transport and encoding only; daemon answers arrive as
 * a Response with a StatusCode. */
typedef enum bole_err {
    BOLE_OK = 0,          /* Success. */
    BOLE_EINVAL = 1,      /* A bad argument (NULL pointer, empty endpoint...). */
    BOLE_ENOMEM = 2,      /* Out of memory. */
    BOLE_ETIMEOUT = 3,    /* No matching reply within the timeout; socket reset. */
    BOLE_ETRANSPORT = 4,  /* ZeroMQ failed (bad endpoint, send/recv error). */
    BOLE_EENCODE = 5,     /* The request could not be packed. */
    BOLE_EDECODE = 6,     /* The reply was not a decodable bole.Response. */
} bole_err_t;

/* Largest reply the client accepts (ZMQ_MAXMSGSIZE on its socket). A bigger
 * reply makes ZeroMQ drop the connection: the call times out. */
#define BOLE_CLIENT_MAX_REPLY (64L * 1024 * 1024)

/* The default request endpoint of boled. */
#define BOLE_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

/* One connection to boled. Opaque. */
typedef struct bole_client bole_client_t;

/* Create a client connected to `endpoint` (e.g. "tcp://127.0.0.1:5555"; the
 * string is copied) whose calls wait at most `timeout_ms` milliseconds for a
 * reply (values <= 0 mean 5000). ZeroMQ connects lazily, so a daemon that is
 * not running yet is not an error here; calls will time out.
 * Returns the client, or NULL on failure (bad endpoint syntax, out of memory);
 * nothing is left allocated on failure. Release it with bole_client_destroy(). */
bole_client_t *bole_client_new(const char *endpoint, int timeout_ms);

/* Close the socket (linger 0: unsent requests are dropped), free the client
 * and set *cp to NULL. Accepts cp == NULL and *cp == NULL. */
void bole_client_destroy(bole_client_t **cp);

/* The endpoint the client was created with. Owned by the client. */
const char *bole_client_endpoint(const bole_client_t *c);

/* The reply timeout in milliseconds. */
int bole_client_timeout(const bole_client_t *c);

/* Change the reply timeout for later calls (values <= 0 mean 5000). */
void bole_client_set_timeout(bole_client_t *c, int timeout_ms);

/* Switches the client to CURVE encryption and authentication: the server's
 * public key and this client's key pair, each 40 characters of Z85 text (as
 * written by `bolectl keygen` and by boled next to its secret key). The
 * socket is reopened with the keys. Returns BOLE_OK, BOLE_EINVAL for a bad
 * key length, or BOLE_ETRANSPORT. A server that does not know the key never
 * answers: calls then time out. */
int bole_client_set_curve(bole_client_t *c, const char *server_public,
                          const char *client_public, const char *client_secret);

/* Send `req` and wait for its answer.
 * The call sets req->id to the client's next correlation id (1, 2, 3...) and
 * req->api_version to API_VERSION_1; everything else in `req` is the caller's
 * and is only read. Replies whose id differs (a late answer to an earlier
 * call) are discarded and counted (bole_client_stale_replies()).
 * On BOLE_OK, *out holds the decoded Response, owned by the caller: release
 * it with bole_response_free(). On any error *out is NULL and, for
 * BOLE_ETIMEOUT, the socket has been reset (see the top of this file). */
int bole_client_call(bole_client_t *c, Bole__Request *req, Bole__Response **out);

/* Send `len` bytes as-is (len may be 0: an empty payload frame) behind the
 * empty delimiter and wait for one reply payload. No correlation check is
 * possible, but a timeout resets the socket so no stale reply can leak into a
 * later call. On BOLE_OK *reply is a malloc'd copy of the payload (release it
 * with free(); a non-NULL pointer even when *reply_len is 0) and *reply_len
 * its size. On error *reply is NULL and *reply_len 0. */
int bole_client_call_raw(bole_client_t *c, const void *buf, size_t len,
                         void **reply, size_t *reply_len);

/* Like bole_client_call_raw() with `n` payload frames (n >= 1) after the
 * empty delimiter, for tests of multi-frame input. bufs[i] may be NULL when
 * lens[i] is 0. If the daemon sends no reply the call times out. */
int bole_client_call_frames(bole_client_t *c, size_t n, const void *const *bufs,
                            const size_t *lens, void **reply, size_t *reply_len);

/* Number of replies discarded because their correlation id did not match. */
uint64_t bole_client_stale_replies(const bole_client_t *c);

/* Number of times the socket was reset after a timeout. */
uint64_t bole_client_resets(const bole_client_t *c);

/* Decode a reply payload (from bole_client_call_raw(), say) the way
 * bole_client_call() does: into one arena, released with
 * bole_response_free(). NULL if it is not a bole.Response. */
Bole__Response *bole_response_decode(const void *data, size_t len);

/* Free a Response returned by bole_client_call() or bole_response_decode().
 * Accepts NULL. Only those: a Response unpacked with protobuf-c's own
 * bole__response__unpack() is freed with bole__response__free_unpacked(). */
void bole_response_free(Bole__Response *resp);

/* Text for a bole_err_t ("timed out", ...). Static; never NULL. */
const char *bole_strerror(int err);

/* Name of a bole.StatusCode ("OK", "INVALID_ARGUMENT", ...); "UNKNOWN" for
 * values the contract does not define. Static; never NULL. */
const char *bole_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* BOLE_CLIENT_H */
