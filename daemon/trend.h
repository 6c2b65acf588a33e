/*
 * trend.h - supply and demand by skill, industry, zone and occupation, kept
 * current incrementally and recomputable from stored history.
 *
 * Every change to a talent or a need becomes per-key deltas with a
 * timestamp (bole_trend_talent_change / bole_trend_need_change). Deltas are
 * stored in their own table (store_trend.c) and folded into one compact
 * array per (dimension, key): (UTC day, cumulative supply, cumulative
 * demand). A period's value is the level at its end, found by a binary
 * search, so a query costs O(keys x periods x log days) whatever the number
 * of talents. Design notes and figures: docs/TRENDS.md.
 *
 * Threads: the daemon's writer thread computes a change's deltas and stores
 * them in the write's own transaction (bole_trend_put / bole_trend_delete),
 * then folds them into the table after the commit; reader threads query;
 * the table has its own rwlock. A background thread publishes the
 * periodic trend event and writes the periodic snapshot of the arrays.
 */
#ifndef BOLE_TREND_H
#define BOLE_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "bole.pb-c.h"
#include "daemon.h"
#include "intern.h"
#include "profile.h"
#include "status.h"
#include "store.h"

/* Dimensions and windows use bole.TrendDimension / bole.TrendWindow numbers. */
#define BOLE_TREND_DIMS 5           /* Slots 1..4 used. */
#define BOLE_TREND_MAX_PERIODS 1100 /* A query covers at most this many periods. */
#define BOLE_TREND_MAX_TOP 200      /* Largest top. */
#define BOLE_TREND_MAX_TIME 253402300799999LL /* 9999-12-31T23:59:59.999Z. */

typedef struct bole_trend bole_trend_t;

/* ---- period bucketing (UTC) ---------------------------------------------- */

/* Day number of a Unix-ms instant (floor). */
int64_t bole_trend_day(int64_t at_ms);
/* Period index of an instant for window 1 day, 2 ISO week, 3 month. */
int64_t bole_trend_period(int window, int64_t at_ms);
/* First and last day number of a period. */
int64_t bole_trend_period_first_day(int window, int64_t period);
int64_t bole_trend_period_last_day(int window, int64_t period);
/* Name of a dimension ("skill", ...), NULL if unknown. */
const char *bole_trend_dimension_name(int dimension);

/* ---- deltas of one change ------------------------------------------------ */

typedef int (*bole_trend_delta_fn)(void *ctx, const bole_store_trend_delta_t *delta);

/* Emits the deltas of a talent changing from old to new_ at time at (either
 * may be NULL: a create or a delete). A talent supplies each of its skills,
 * industries, its zone and occupation while its availability is not
 * UNAVAILABLE. Returns 0, or the first nonzero fn result. */
int bole_trend_talent_change(bole_intern_t *names, const bole_talent_rec_t *old,
                             const bole_talent_rec_t *new_, int64_t at,
                             bole_trend_delta_fn fn, void *ctx);
/* The same for a need: while not closed and until expires_at it demands
 * headcount of each listed skill, its industry, zone and title. A need whose
 * expiry lies after at also gets the delta that ends it at expires_at. */
int bole_trend_need_change(bole_intern_t *names, const bole_need_rec_t *old,
                           const bole_need_rec_t *new_, int64_t at,
                           bole_trend_delta_fn fn, void *ctx);

/* ---- the in-memory table -------------------------------------------------- */

bole_trend_t *bole_trend_new(void);
void bole_trend_destroy(bole_trend_t **trend);
/* Folds one delta in. Returns 0, -1 out of memory (table unchanged). */
int bole_trend_add(bole_trend_t *trend, const bole_store_trend_delta_t *delta);
/* The table as a snapshot blob (format in trend.c, docs/TRENDS.md) saying
 * it reflects the trend_rows rows up to upto, the last of which has the
 * print row_print (its deltas' bole_trend_row_print, chained in order by
 * trend.c; 0 when upto is 0). *data is
 * malloc'd (the caller frees). BOLE_INTERNAL: out of memory, nothing made. */
bole_status_t bole_trend_snapshot_encode(bole_trend_t *trend, int64_t upto, uint64_t row_print,
                                         void **data /* OUT */, size_t *len /* OUT */);
/* Replaces the table's content with a snapshot blob's; *upto and
 * *row_print as encoded. -1 (the table left empty, why says what is
 * wrong) for a blob that is damaged, truncated or of another format. */
int bole_trend_snapshot_decode(bole_trend_t *trend, const void *data, size_t len,
                               int64_t *upto /* OUT */, uint64_t *row_print /* OUT */,
                               char *why, size_t whylen);
/* A 64-bit print of stored row n (FNV-1a of all its fields), never 0. */
uint64_t bole_trend_row_print(int64_t n, const bole_store_trend_delta_t *delta);
/* Number of keys and of (key, day) entries held, for figures. */
void bole_trend_size(bole_trend_t *trend, size_t *keys, size_t *entries);

/* A checked Trends request: from_period..to_period inclusive. */
typedef struct {
    int dimension;
    int window;
    int64_t from_period, to_period;
    const char *const *keys;    /* Normalised; NULL/0: pick the top keys. */
    size_t n_keys;
    size_t top;
} bole_trend_query_t;

/* Checks a TrendsRequest and fills q (keys normalised into arena memory);
 * now is used when to is 0. BOLE_INVALID_ARGUMENT with a reason in err. */
bole_status_t bole_trend_query_parse(const Bole__TrendsRequest *req, int64_t now,
                                     bole_arena_t *arena, bole_trend_query_t *q /* OUT */,
                                     char *err, size_t errlen);
/* Answers q from the table into arena memory. BOLE_INTERNAL if the arena
 * ran out. */
bole_status_t bole_trend_query(bole_trend_t *trend, const bole_trend_query_t *q,
                               bole_arena_t *arena, Bole__TrendsResponse **out /* OUT */);

/* ---- the daemon's side ---------------------------------------------------- */

/* Seconds between trend events on the PUB socket (env BOLE_TREND_EVENT_SECONDS
 * overrides; 0 turns them off). */
#define BOLE_TREND_EVENT_SECONDS 3600
/* Seconds between snapshots of the arrays written by the trend thread, when
 * anything changed (env BOLE_TREND_SNAPSHOT_SECONDS overrides; 0 turns them
 * off: then only a clean shutdown writes one). */
#define BOLE_TREND_SNAPSHOT_SECONDS 300

/* Before bole_state_open: when the store's deltas are written in the
 * writes' transactions (no repair can be due), starts loading them on a
 * thread of its own, in parallel with the catalog; bole_trend_open then
 * waits for it. Otherwise (or if anything fails here) does nothing and
 * bole_trend_open does the whole job. */
void bole_trend_load_start(bole_daemon_t *daemon);
/* Waits for and frees a load bole_trend_load_start began, if
 * bole_trend_open never took it (start-up failed). NULL-safe. */
void bole_trend_load_abandon(bole_daemon_t *daemon);

/* After bole_state_open: loads the stored deltas into daemon->trend and
 * starts the event thread. A store last written by the previous scheme
 * (deltas stored after the commit by a background thread) is repaired once
 * first (corrective deltas dated now). On failure daemon->trend stays NULL
 * and err says why. */
bole_status_t bole_trend_open(bole_daemon_t *daemon, char *err, size_t errlen);
/* Writes the snapshot of daemon->trend into the store (trend_snapshot),
 * for the rows folded in so far, with daemon->store. Call after the server
 * (so every write) has stopped: at a clean shutdown. Nothing to do when
 * trends are off. On failure the stored snapshot is unchanged. */
bole_status_t bole_trend_save(bole_daemon_t *daemon, char *err, size_t errlen);
/* Stops the event thread. Call before the server goes. NULL-safe,
 * idempotent. */
void bole_trend_stop(bole_daemon_t *daemon);
/* Stops the thread if running and frees the table. Call after the server
 * (and so every write) has stopped. NULL-safe. */
void bole_trend_close(bole_daemon_t *daemon);
/* The hooks in profiles.c (writer thread, inside the request's savepoint),
 * called BEFORE the profile row is written or deleted: the old version is
 * read from call->store (it sees earlier writes of the same batch, which
 * the catalog does not yet), the deltas are INSERTed with call->store, so
 * they commit or roll back with the row, and a deferred action folds them
 * into memory after the commit. rec is the new version as built for the
 * catalog (bole_talent_rec_t / bole_need_rec_t, updated_at set; its id is
 * not used). Nothing to do when trends are off. */
bole_status_t bole_trend_put(bole_call_t *call, bole_entity_t entity, const char *external_id,
                             const void *rec);
bole_status_t bole_trend_delete(bole_call_t *call, bole_entity_t entity,
                                const char *external_id);

#endif
