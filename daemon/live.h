/*
 * live.h - the live match stream: every committed talent or need put is
 * matched against the other side on a background thread, and the pairs
 * worth announcing are stored (with a stream sequence number) and then
 * published on the PUB socket. MatchesSince (live.c) reads the stored
 * stream back. docs/LIVE.md has the rules, topics and storage.
 *
 * Work list: the change log (store.h). The matcher keeps a cursor into it,
 * stored in the same transaction as the events, and works through the rows
 * after it, coalesced; so a change acknowledged to a client is matched even
 * after a kill -9, and a pair is never announced twice.
 *
 * Threads: bole_live_notify runs on the writer thread (from profiles.c's
 * post-commit step) and only moves a sequence number; the matching, the SQL
 * and the publishing run on the live thread, with its own store connection,
 * at a lower CPU priority than request handling.
 */
#ifndef BOLE_LIVE_H
#define BOLE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

typedef struct bole_live bole_live_t;

/* Opens the matcher's store connection, reads its cursor (and the queue an
 * older version saved at shutdown) and starts the thread, which matches
 * every change after the cursor; sets daemon->live. Call after
 * bole_state_open (the catalog and indexes must exist). Returns 0, or -1
 * with err filled (daemon->live stays NULL). Test hook: with the
 * environment variable BOLE_TEST_LIVE_PAUSED=1 the thread matches nothing
 * (changes stay after the cursor for the next start). */
int bole_live_start(bole_daemon_t *daemon, char *err, size_t errlen);

/* Says that the change-log rows up to seq (talent and need puts and
 * deletes) are committed and applied to the catalog and indexes, so the
 * matcher may work them out: a put of an open need / available talent is
 * matched, a delete, a closed need or an unavailable talent withdraws its
 * open matches. Cheap (a mutex). A no-op when the matcher is not running. */
void bole_live_notify(bole_daemon_t *daemon, uint64_t seq);

/* The writer thread has no request write queued or running any more
 * (daemon->writes_queued fell to 0): a live matcher waiting for such a
 * gap before its own transaction goes now. */
void bole_live_writes_idle(bole_daemon_t *daemon);

/* Stops the thread after the chunk it is working on and frees everything
 * (changes not worked out stay after the stored cursor: the next start
 * matches them); sets daemon->live = NULL. Call once no write can be in
 * flight (after bole_server_run returned) and while the server still exists
 * (events of the last chunk are published through it). NULL-safe. */
void bole_live_stop(bole_daemon_t *daemon);

#endif
