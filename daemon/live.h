/*
 * live.h - the live match stream: every committed talent or need put is
 * matched against the other side on a background thread, and the pairs
 * worth announcing are stored (with a stream sequence number) and then
 * published on the PUB socket. MatchesSince (live.c) reads the stored
 * stream back. docs/LIVE.md has the rules, topics and storage.
 *
 * Threads: bole_live_notify runs on the writer thread (from profiles.c's
 * post-commit step) and only queues ids; the matching, the SQL and the
 * publishing run on the live thread, with its own store connection, at a
 * lower CPU priority than request handling.
 */
#ifndef BOLE_LIVE_H
#define BOLE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

typedef struct bole_live bole_live_t;

/* Opens the matcher's store connection, takes back the queue saved by the
 * last shutdown and starts the thread; sets daemon->live. Call after
 * bole_state_open (the catalog and indexes must exist). Returns 0, or -1
 * with err filled (daemon->live stays NULL). */
int bole_live_start(bole_daemon_t *daemon, char *err, size_t errlen);

/* Queues committed changes for matching: ids are internal ids of entity,
 * deleted = 1 for deletes (their open matches are withdrawn). A put of a
 * closed need or an unavailable talent withdraws its open matches too. The
 * ids are copied. A no-op when the matcher is not running. */
void bole_live_notify(bole_daemon_t *daemon, bole_entity_t entity, const int64_t *ids, size_t n,
                      int deleted);

/* Stops the thread after the change it is working on, saves what is still
 * queued (the next start matches it) and frees everything; sets
 * daemon->live = NULL. Call once no write can be in flight (after
 * bole_server_run returned) and while the server still exists (events of the
 * last change are published through it). NULL-safe. */
void bole_live_stop(bole_daemon_t *daemon);

#endif
