/*
 * feedback.h - feature logging at serve time (feedback.c). Match handlers
 * call bole_feedback_request_id and bole_feedback_log_answer once per
 * answer; the pairs go to an in-memory queue that the feature
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

/* One served pair of an answer, as bole_feedback_log_answer takes it. */
typedef struct {
    const char *talent_id;
    const char *need_id;
    uint32_t position;          /* 1-based, as served. */
    float score;
    const float *features;      /* n_features values, rank.h order. */
    size_t n_features;
} bole_feedback_pair_t;

/* Queues the n served pairs of one answer (copied; written as one feature
 * log row). Cheap: one mutex and a copy per pair. The whole answer is
 * dropped (and its pairs counted) when it does not fit in the queue or no
 * logger runs. */
void bole_feedback_log_answer(bole_daemon_t *daemon, const char *request_id, int source,
                              const char *weights_version, const bole_feedback_pair_t *pairs,
                              size_t n);

/* Drops queued feature logs of a talent and waits for a flush in progress
 * (erasure: afterwards nothing more about the talent gets written). */
void bole_feedback_forget_talent(bole_daemon_t *daemon, const char *talent_id);

#endif
