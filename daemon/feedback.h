/*
 * feedback.h - feature logging at serve time (feedback.c). Match handlers
 * call bole_feedback_request_id once per answer and bole_feedback_log_pair
 * per returned pair; the pairs go to an in-memory queue that the feature
 * logger thread writes to SQLite on its own connection, so the match path
 * (reader threads, read-only connections) never waits for a write.
 */
#ifndef BOLE_FEEDBACK_H
#define BOLE_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* Starts the logger thread with its own store connection; 0 or -1. */
int bole_feedback_logger_start(bole_daemon_t *daemon, char *err, size_t errlen);
/* Writes what is queued and stops the thread; NULL-safe, idempotent. */
void bole_feedback_logger_stop(bole_daemon_t *daemon);

/* Waits (at most timeout_ms) until every pair queued before the call is
 * written, so that a read that follows sees them (ExportOutcomes and
 * FeedbackStats right after a match). 0 when synced, -1 on timeout. */
int bole_feedback_logger_sync(bole_daemon_t *daemon, int timeout_ms);

/* A new request id ("<start ms hex>-<counter hex>", unique per daemon DB
 * across restarts) in arena memory, or NULL. Thread-safe. */
char *bole_feedback_request_id(bole_daemon_t *daemon, bole_arena_t *arena);

/* Queues one served pair (copied). Cheap: one mutex and a copy. Dropped
 * (and counted) when the queue is full or no logger runs. */
void bole_feedback_log_pair(bole_daemon_t *daemon, const char *request_id, int source,
                            const char *weights_version, const char *talent_id,
                            const char *need_id, uint32_t position, float score,
                            const float *features, size_t n_features);

/* Drops queued feature logs of a talent and waits for a flush in progress
 * (erasure: afterwards nothing more about the talent gets written). */
void bole_feedback_forget_talent(bole_daemon_t *daemon, const char *talent_id);

#endif
