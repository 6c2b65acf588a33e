/*
 * peers.h - requests in flight per client connection, so one client that
 * pipelines without reading its answers cannot take every queue slot.
 *
 * A peer is its ROUTER routing identity (bytes). Used by the server thread
 * only: no locking. A peer's entry exists while it has requests in flight.
 */
#ifndef BOLE_PEERS_H
#define BOLE_PEERS_H

#include <stddef.h>

typedef struct bole_peers bole_peers_t;

/* A new, empty table, or NULL when out of memory. */
bole_peers_t *bole_peers_new(void);
void bole_peers_destroy(bole_peers_t **peers);

/* Counts one more request of this peer unless it has `limit` in flight
 * already. Returns the peer's new count, 0 when refused (at the limit), or
 * -1 when out of memory. */
long bole_peers_acquire(bole_peers_t *peers, const void *id, size_t len, long limit);

/* Counts one request of this peer as answered. */
void bole_peers_release(bole_peers_t *peers, const void *id, size_t len);

/* Peers with requests in flight (for stats and tests). */
size_t bole_peers_active(const bole_peers_t *peers);

#endif
