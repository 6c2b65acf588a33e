/*
 * state.h - the derived in-memory state (catalog and vector indexes): built
 * at start-up from the store and the index snapshots, maintained in the
 * background, snapshotted on request and at shutdown.
 *
 * The indexes are never a second source of truth: a snapshot records the
 * store sequence number it reflects; start-up loads it and replays the
 * change log after that number; a missing, corrupt or inconsistent snapshot
 * is rebuilt from the vectors stored in SQLite, with a log line.
 */
#ifndef BOLE_STATE_H
#define BOLE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* Builds catalog and indexes (daemon->models must be loaded). */
bole_status_t bole_state_open(bole_daemon_t *daemon, char *err, size_t errlen);

/* Writes both index snapshots, tagged with seq: the store sequence number
 * the indexes reflect. It must be exact: a write handler reads it with
 * bole_store_last_seq(call->store) (its own transaction sees the batch so
 * far) and saves from a deferred action, which runs after the applies of
 * the jobs before it and before those of the jobs after it; after the
 * server stopped, the last sequence number is exact. */
bole_status_t bole_state_snapshot(bole_daemon_t *daemon, uint64_t seq, char *err,
                                  size_t errlen);

/* Starts and stops the background maintenance thread. */
int  bole_state_start_maintenance(bole_daemon_t *daemon);
void bole_state_stop_maintenance(bole_daemon_t *daemon);

/* Frees catalog and indexes. */
void bole_state_close(bole_daemon_t *daemon);

#endif
