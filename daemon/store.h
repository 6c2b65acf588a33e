/*
 * store.h - the contract between handlers and durable state.
 *
 * Handlers call these operations and never see SQL; the SQLite backend in
 * store.c is the only implementation today, and a PostgreSQL backend would
 * be another file behind this same header. Every write commits before it
 * returns (so the caller may acknowledge it) and bumps the store sequence
 * number, which derived state (vector indexes) uses to know what it reflects.
 *
 * Errors: functions return a bole_status_t and, when not BOLE_OK, write a
 * human-readable reason into err. A failed write changes nothing. Disk-full
 * and read-only conditions come back as BOLE_UNAVAILABLE.
 */
#ifndef BOLE_STORE_H
#define BOLE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct bole_store bole_store_t;

typedef struct {
    int synchronous_full;   /* 1: fsync at every commit (power-cut safe). */
    int target_version;     /* Migrate only up to this version (0: latest). Tests use it. */
    int reader;             /* 1: a read-only connection for a reader thread (no migrations). */
    long cache_kib;         /* Page cache of this connection in KiB (0: SQLite's 2 MiB). */
    /* Called before migrations run on an existing store (from > 0), so the
     * caller can say why the open takes long (minutes at a million
     * profiles); NULL: nothing. */
    void (*on_migrate)(void *ctx, int from, int to);
    void *on_migrate_ctx;
} bole_store_options_t;

typedef struct {
    uint64_t talents;
    uint64_t needs;
    uint64_t projects;
    uint64_t referrals;
    uint64_t seq;           /* Last committed change sequence number. */
} bole_store_counts_t;

/*
 * Opens (creating if missing) the database at path, switches it to WAL and
 * applies pending migrations, each in its own transaction. Refuses a file
 * whose schema is newer than this build knows. On failure *out is NULL.
 */
bole_status_t bole_store_open(bole_store_t **out, const char *path,
                              const bole_store_options_t *options,
                              char *err, size_t errlen);

/* Closes the database (checkpointing the WAL); NULL-safe, sets *store = NULL. */
void bole_store_close(bole_store_t **store);

/* Schema version of the open database, and the newest this build knows. */
int bole_store_schema_version(bole_store_t *store);
int bole_store_latest_schema_version(void);

/* Record counts for Stats. */
bole_status_t bole_store_counts(bole_store_t *store, bole_store_counts_t *out /* OUT */,
                                char *err, size_t errlen);

/*
 * Group commit. The writer thread runs many requests in one transaction:
 * batch_begin, then per request item_begin ... item_end(keep), then
 * batch_commit. A request whose item_end has keep = 0 is rolled back alone;
 * nothing is durable (and nothing may be acknowledged) before batch_commit
 * returns BOLE_OK. If batch_commit fails, the whole batch is rolled back.
 */
bole_status_t bole_store_batch_begin(bole_store_t *store, char *err, size_t errlen);
bole_status_t bole_store_item_begin(bole_store_t *store, char *err, size_t errlen);
void bole_store_item_end(bole_store_t *store, int keep);
bole_status_t bole_store_batch_commit(bole_store_t *store, char *err, size_t errlen);
void bole_store_batch_rollback(bole_store_t *store);

/* ---- talents and needs ---------------------------------------------------- */

typedef enum { BOLE_ENTITY_TALENT, BOLE_ENTITY_NEED, BOLE_ENTITY_OTHER } bole_entity_t;

/* A stored talent or need: the packed bole.Talent / bole.Need and its vector.
 * In results of bole_store_get the pointers are malloc'd copies (free with
 * bole_store_record_free); in scan callbacks they are only valid during the
 * callback. */
typedef struct {
    int64_t id;                 /* Internal id. */
    const char *external_id;
    int64_t updated_at;         /* Unix ms. */
    const void *profile;        /* Packed protobuf. */
    size_t profile_len;
    const float *vector;        /* dim floats. */
    size_t dim;
} bole_store_record_t;

typedef struct {
    int64_t id;                 /* Internal id of the record. */
    int created;                /* 1 if new. */
    uint64_t seq;               /* Change-log sequence number of this write. */
} bole_store_put_result_t;

/* Inserts or replaces by external id (the internal id stays stable). */
bole_status_t bole_store_put(bole_store_t *store, bole_entity_t entity,
                             const bole_store_record_t *record,
                             bole_store_put_result_t *out /* OUT */, char *err, size_t errlen);
/* Reads one record by external id (or by internal id when external_id is
 * NULL). BOLE_NOT_FOUND if absent. */
bole_status_t bole_store_get(bole_store_t *store, bole_entity_t entity, const char *external_id,
                             int64_t id, bole_store_record_t *out /* OUT */, char *err,
                             size_t errlen);
void bole_store_record_free(bole_store_record_t *record);
/* Deletes by external id; BOLE_NOT_FOUND if absent. out->id names what went. */
bole_status_t bole_store_delete(bole_store_t *store, bole_entity_t entity,
                                const char *external_id, int64_t now,
                                bole_store_put_result_t *out /* OUT */, char *err,
                                size_t errlen);
/* Calls fn for every record with id > after_id, in id order; fn returns
 * nonzero to stop (an error). */
typedef int (*bole_store_scan_fn)(void *ctx, const bole_store_record_t *record);
bole_status_t bole_store_scan(bole_store_t *store, bole_entity_t entity, int64_t after_id,
                              bole_store_scan_fn fn, void *ctx, char *err, size_t errlen);
/* The same without the vectors (record->vector NULL; dim still set): the start-up
 * catalog load when the index comes from a snapshot. */
bole_status_t bole_store_scan_profiles(bole_store_t *store, bole_entity_t entity,
                                       int64_t after_id, bole_store_scan_fn fn, void *ctx,
                                       char *err, size_t errlen);
/* The same for after_id < id <= until_id only (a part of the start-up load
 * another thread reads), with and without the vectors. */
bole_status_t bole_store_scan_range(bole_store_t *store, bole_entity_t entity, int64_t after_id,
                                    int64_t until_id, bole_store_scan_fn fn, void *ctx,
                                    char *err, size_t errlen);
bole_status_t bole_store_scan_profiles_range(bole_store_t *store, bole_entity_t entity,
                                             int64_t after_id, int64_t until_id,
                                             bole_store_scan_fn fn, void *ctx, char *err,
                                             size_t errlen);
/* Smallest and largest stored id of entity (both 0 when there is none). */
bole_status_t bole_store_id_range(bole_store_t *store, bole_entity_t entity,
                                  int64_t *min_id /* OUT */, int64_t *max_id /* OUT */,
                                  char *err, size_t errlen);
/* The stored version of external_id as this connection sees it (in the
 * writer's transaction: earlier writes of the batch included), without its
 * vector: fn gets id, updated_at and the packed profile, valid only during
 * the call (no copy). *found = 0 and fn is not called when there is none;
 * fn returning nonzero fails the call (BOLE_INTERNAL). */
bole_status_t bole_store_peek(bole_store_t *store, bole_entity_t entity, const char *external_id,
                              bole_store_scan_fn fn, void *ctx, int *found /* OUT */,
                              char *err, size_t errlen);

/* One change-log entry. */
typedef struct {
    uint64_t seq;
    bole_entity_t entity;
    int64_t id;
    int deleted;                /* 1 for a delete, 0 for a put. */
} bole_store_change_t;
typedef int (*bole_store_change_fn)(void *ctx, const bole_store_change_t *change);
/* Calls fn for every change after after_seq, in order; fn returns nonzero to stop. */
bole_status_t bole_store_changes(bole_store_t *store, uint64_t after_seq,
                                 bole_store_change_fn fn, void *ctx, char *err, size_t errlen);
/* Last committed sequence number (0 for an empty log). */
uint64_t bole_store_last_seq(bole_store_t *store);

/* Copies the WAL into the database and empties it (best effort: readers in
 * the middle of a transaction can keep some frames until next time). Used
 * after erasing personal data; deleted rows are overwritten in place
 * (secure_delete is on). */
void bole_store_checkpoint(bole_store_t *store);

/* Runs SQLite's integrity check; BOLE_OK when the file is sound. */
bole_status_t bole_store_check(bole_store_t *store, char *err, size_t errlen);


/* ---- live match stream (live.c; SQL in store_live.c) ------------------------
 * Only the live matcher writes these tables, on its own connection and in
 * its own transactions (live_begin ... live_commit), so stream sequence
 * numbers are assigned in commit order: a reader of seq > N never misses a
 * row that commits later with a smaller number. */

/* One announced pair. Strings are caller-owned on input and valid only
 * during a callback on output. */
typedef struct {
    int64_t talent, need;       /* Internal ids. */
    const char *talent_ext;     /* External ids. */
    const char *need_ext;
    const char *organisation;   /* The need's organisation ("" if none). */
    const char *zone;           /* The need's zone ("" if none). */
    float score;                /* Score when last announced. */
    uint64_t seq;               /* Event that last announced or withdrew it. */
    int open;                   /* 1: announced and not withdrawn. */
} bole_store_live_pair_t;

bole_status_t bole_store_live_begin(bole_store_t *store, char *err, size_t errlen);
bole_status_t bole_store_live_commit(bole_store_t *store, char *err, size_t errlen);
void bole_store_live_rollback(bole_store_t *store);

/* Appends one event (packed bole.Event, its seq and topic unset) under
 * topics ('\n'-separated); *seq gets its stream sequence number. */
/* Deletes the stored live events and pair states of a talent (erasure of
 * personal data). *n gets the rows removed. */
bole_status_t bole_store_live_erase_talent(bole_store_t *store, const char *talent_id,
                                           uint64_t *n /* OUT */, char *err, size_t errlen);
bole_status_t bole_store_live_append(bole_store_t *store, int64_t at, const char *topics,
                                     const void *event, size_t len, uint64_t *seq /* OUT */,
                                     char *err, size_t errlen);
/* Calls fn for each event with seq > since_seq, in seq order, whose topics
 * include one starting with one of prefixes (n = 0: every event); topic is
 * the first such topic. fn returns nonzero to stop. */
typedef int (*bole_store_live_event_fn)(void *ctx, uint64_t seq, const char *topic,
                                        const void *event, size_t len);
bole_status_t bole_store_live_since(bole_store_t *store, uint64_t since_seq,
                                    char *const *prefixes, size_t n,
                                    bole_store_live_event_fn fn, void *ctx, char *err,
                                    size_t errlen);
/* Highest stored stream sequence number (0 if none). */
uint64_t bole_store_live_last_seq(bole_store_t *store);

/* The pair's state; *found = 0 if it was never announced (out untouched). */
bole_status_t bole_store_live_get_pair(bole_store_t *store, int64_t talent, int64_t need,
                                       bole_store_live_pair_t *out /* OUT */, int *found,
                                       char *err, size_t errlen);
/* Inserts or replaces a pair. */
bole_status_t bole_store_live_put_pair(bole_store_t *store, const bole_store_live_pair_t *pair,
                                       char *err, size_t errlen);
/* Calls fn for every open pair of a talent (side TALENT) or need (side NEED). */
typedef int (*bole_store_live_pair_fn)(void *ctx, const bole_store_live_pair_t *pair);
bole_status_t bole_store_live_open_pairs(bole_store_t *store, bole_entity_t side, int64_t id,
                                         bole_store_live_pair_fn fn, void *ctx, char *err,
                                         size_t errlen);

/* Pushes counted for a talent or need on a UTC day (days since the epoch). */
bole_status_t bole_store_live_exposure(bole_store_t *store, bole_entity_t side, int64_t id,
                                       int64_t day, uint32_t *count /* OUT */, char *err,
                                       size_t errlen);
bole_status_t bole_store_live_add_exposure(bole_store_t *store, bole_entity_t side, int64_t id,
                                           int64_t day, char *err, size_t errlen);
/* Forgets exposure counts of days before `day`. */
bole_status_t bole_store_live_prune_exposure(bole_store_t *store, int64_t day, char *err,
                                             size_t errlen);

/* The matcher's cursor into the change log (bole_store_changes): every
 * change up to it is matched and its events stored. Set inside a
 * live_begin ... live_commit transaction. */
bole_status_t bole_store_live_cursor(bole_store_t *store, uint64_t *seq /* OUT */, char *err,
                                     size_t errlen);
bole_status_t bole_store_live_set_cursor(bole_store_t *store, uint64_t seq, char *err,
                                         size_t errlen);

/* The queue that versions before the cursor saved at shutdown; taken back
 * once at start (take deletes what it hands out). */
typedef struct {
    bole_entity_t entity;
    int64_t id;
    int deleted;
} bole_store_live_pending_t;
typedef int (*bole_store_live_pending_fn)(void *ctx, const bole_store_live_pending_t *item);
bole_status_t bole_store_live_take_pending(bole_store_t *store, bole_store_live_pending_fn fn,
                                           void *ctx, char *err, size_t errlen);

/* ---- trends (trend.c, store_trend.c) --------------------------------------- */

/* One supply/demand change of one key at one instant. zone and industries
 * describe the record the change came from (industries as ",a,b,"), so
 * filtered queries can recount from the rows. */
typedef struct {
    int dimension;              /* bole.TrendDimension. */
    const char *key;            /* Normalised key. */
    const char *zone;           /* Normalised zone ("" none). */
    const char *industries;     /* ",a,b," ("," none). */
    int64_t at;                 /* Unix ms. */
    int64_t supply;             /* Change in supply. */
    int64_t demand;             /* Change in demand. */
} bole_store_trend_delta_t;
typedef int (*bole_store_trend_fn)(void *ctx, const bole_store_trend_delta_t *delta);

/* Inserts deltas in the caller's transaction (the writer's: they commit or
 * roll back with the profile write they belong to), packed into one row
 * of trend_rows. *last_n is that row's number (trend_rows.n), after every
 * row stored before. */
bole_status_t bole_store_trend_insert(bole_store_t *store, size_t n,
                                      const bole_store_trend_delta_t *deltas,
                                      int64_t *last_n /* OUT */, char *err, size_t errlen);
/* Calls fn for every stored delta of dimension (0: of every dimension), in
 * storage order (not sorted: callers summing deltas need no order; every
 * row is read and unpacked, there is no per-dimension index). fn returns
 * nonzero to stop (an error). */
bole_status_t bole_store_trend_scan(bole_store_t *store, int dimension, bole_store_trend_fn fn,
                                    void *ctx, char *err, size_t errlen);
/* Calls fn(ctx, n, delta) for every stored delta with after < n <= until
 * (trend_rows.n, the row number; a row's deltas share it), in row order and
 * in their order within a row; *last_n (unless NULL) is the largest n
 * seen (after if none). fn returns nonzero to stop (an error). */
typedef int (*bole_store_trend_row_fn)(void *ctx, int64_t n, const bole_store_trend_delta_t *delta);
bole_status_t bole_store_trend_scan_rows(bole_store_t *store, int64_t after, int64_t until,
                                         bole_store_trend_row_fn fn, void *ctx,
                                         int64_t *last_n /* OUT */, char *err, size_t errlen);
/* The derived snapshot of the in-memory trend arrays (table trend_snapshot,
 * one row; format in trend.c and docs/TRENDS.md). get: *data (malloc'd,
 * the caller frees) and *len, or *data = NULL when there is none. put:
 * replaces it (upto, the last trend_rows.n it reflects, is also kept in
 * a column for inspection; the blob's own copy is the one trusted). */
bole_status_t bole_store_trend_snapshot_get(bole_store_t *store, void **data /* OUT */,
                                            size_t *len /* OUT */, char *err, size_t errlen);
bole_status_t bole_store_trend_snapshot_put(bole_store_t *store, int64_t upto, const void *data,
                                            size_t len, char *err, size_t errlen);
/* Reconciles stored deltas with the truth from now on: expected[] are the
 * deltas the current records imply when counted from now (level at now,
 * plus future expiries). Stored deltas before now count at now. Appends
 * the differences (dated now or at their future instant) in one
 * transaction; *added says how many rows. */
bole_status_t bole_store_trend_reconcile(bole_store_t *store, int64_t now, size_t n,
                                         const bole_store_trend_delta_t *expected,
                                         size_t *added /* OUT */, char *err, size_t errlen);
/* The previous scheme's clean-shutdown marker (meta 'trend_clean_seq' = the
 * change-log seq up to which every delta was stored): take_clean reads it
 * into *seq (0 if absent) and deletes it. Used once, by the repair of a
 * store written by that scheme. */
bole_status_t bole_store_trend_take_clean(bole_store_t *store, uint64_t *seq /* OUT */,
                                          char *err, size_t errlen);
/* meta 'trend_in_txn': present once deltas are written in the writes' own
 * transactions (so no start-up repair is needed). set 0: reads it into
 * *on; set 1: records it (and *on = 1). */
bole_status_t bole_store_trend_in_txn(bole_store_t *store, int set, int *on /* OUT */,
                                      char *err, size_t errlen);

/* ---- projects and teams (store_project.c, issue 5) ------------------------ */

/* Inserts or replaces a project (packed bole.Project) by external id and
 * logs the change ('project'). */
bole_status_t bole_store_project_put(bole_store_t *store, const char *external_id,
                                     int64_t updated_at, const void *profile, size_t len,
                                     bole_store_put_result_t *out /* OUT */, char *err,
                                     size_t errlen);
/* Reads a project's packed bole.Project into *profile (malloc'd; free()).
 * BOLE_NOT_FOUND if absent. */
bole_status_t bole_store_project_get(bole_store_t *store, const char *external_id,
                                     int64_t *id /* OUT */, void **profile /* OUT */,
                                     size_t *len /* OUT */, char *err, size_t errlen);
/* Deletes a project and its proposed (never accepted) teams; refuses with
 * BOLE_FAILED_PRECONDITION while an accepted team exists. */
bole_status_t bole_store_project_delete(bole_store_t *store, const char *external_id,
                                        int64_t now, bole_store_put_result_t *out /* OUT */,
                                        char *err, size_t errlen);
/* Calls fn for every project in id order (pointers valid during the call
 * only); fn returns nonzero to stop (an error). */
typedef int (*bole_store_project_fn)(void *ctx, const char *external_id, const void *profile,
                                     size_t len);
bole_status_t bole_store_project_scan(bole_store_t *store, bole_store_project_fn fn, void *ctx,
                                      char *err, size_t errlen);

/* One stored team. In results of bole_store_team_get the pointers are
 * malloc'd (free with bole_store_team_free). */
typedef struct {
    int64_t id;                 /* Row id; the wire id is "team-<id>". */
    char *project_id;
    int state;                  /* bole.TeamAction. */
    uint32_t max_concurrent;
    void *team;                 /* Packed bole.Team. */
    size_t team_len;
} bole_store_team_t;

/* Inserts a team with its members (talent_ids[i] in role_ids[i]); *id gets
 * its row id. */
bole_status_t bole_store_team_insert(bole_store_t *store, const char *project_id, int state,
                                     uint32_t max_concurrent, int64_t at, const void *team,
                                     size_t len, size_t n_members, const char *const *talent_ids,
                                     const char *const *role_ids, int64_t *id /* OUT */,
                                     char *err, size_t errlen);
bole_status_t bole_store_team_get(bole_store_t *store, int64_t id,
                                  bole_store_team_t *out /* OUT */, char *err, size_t errlen);
void bole_store_team_free(bole_store_team_t *team);
/* Replaces a team's state and packed body; if withdrawn_talent is not NULL
 * that member becomes inactive (BOLE_NOT_FOUND if not an active member). */
bole_status_t bole_store_team_update(bole_store_t *store, int64_t id, int state, int64_t at,
                                     const void *team, size_t len, const char *withdrawn_talent,
                                     char *err, size_t errlen);
/* Number of accepted teams the talent is an active member of. */
bole_status_t bole_store_talent_accepted_teams(bole_store_t *store, const char *talent_id,
                                               uint32_t *count /* OUT */, char *err,
                                               size_t errlen);
/* Calls fn with every talent id that is an active member of at least
 * min_count accepted teams. */
typedef int (*bole_store_talent_fn)(void *ctx, const char *talent_id);
bole_status_t bole_store_talents_at_team_limit(bole_store_t *store, uint32_t min_count,
                                               bole_store_talent_fn fn, void *ctx, char *err,
                                               size_t errlen);


/* ---- referrals and the Bole Award (referral.c; SQL in store_referral.c) -----
 * Writes run on the writer connection inside the caller's transaction. The
 * ledger is append-only; entries are hash-chained (ledger.h). Strings in
 * bole_store_referral_t are malloc'd (bole_store_referral_free). */

typedef struct {
    int64_t id;                 /* Internal id ("R-<id>" on the wire). */
    char *referrer_id;
    int referrer_kind;          /* bole.ReferrerKind. */
    char *referrer_name;
    char *referrer_zone;
    char *talent_id;            /* External id, or a pseudonym after erasure. */
    char *need_id;              /* "" for the talent pool. */
    char *note;
    int stage;                  /* bole.ReferralStage. */
    int duplicate;              /* 1: another referral holds the credit. */
    int credited;               /* 1: this referral holds the credit. */
    int64_t credited_by;        /* For duplicates: the credited referral. */
    int new_talent;             /* Context recorded at submission ... */
    int urgent_need;
    int high_level;
    int urgently_needed;        /* ... (award.h bole_award_context_t). */
    int64_t created_at;
    int64_t updated_at;
    int64_t hired_at;           /* 0 unless hired. */
    double points;              /* Sum of its award items. */
} bole_store_referral_t;

void bole_store_referral_free(bole_store_referral_t *r);

/* The referral created with client token (BOLE_NOT_FOUND if none). */
bole_status_t bole_store_referral_by_token(bole_store_t *store, const char *token,
                                           int64_t *id /* OUT */, char *err, size_t errlen);
/* Open (not final) referrals of a referrer submitted in [from, to). */
bole_status_t bole_store_referral_count_open(bole_store_t *store, const char *referrer_id,
                                             int64_t from, int64_t to, uint32_t *n /* OUT */,
                                             char *err, size_t errlen);
/* When the talent (internal id) was first stored (0 if the log has no put). */
bole_status_t bole_store_talent_first_seen(bole_store_t *store, int64_t talent,
                                           int64_t *at /* OUT */, char *err, size_t errlen);
/* Stored kind of a referrer (0 and BOLE_NOT_FOUND if unknown). */
bole_status_t bole_store_referrer_kind(bole_store_t *store, const char *referrer_id,
                                       int *kind /* OUT */, char *err, size_t errlen);
/* Inserts r (its id is ignored; *id gets the new one), registering or
 * updating the referrer, remembering token (may be NULL) and creating the
 * talent's ledger salt if it has none. */
bole_status_t bole_store_referral_insert(bole_store_t *store, const bole_store_referral_t *r,
                                         const char *token, int64_t *id /* OUT */, char *err,
                                         size_t errlen);
bole_status_t bole_store_referral_get(bole_store_t *store, int64_t id,
                                      bole_store_referral_t *out /* OUT */, char *err,
                                      size_t errlen);
/* Writes stage, updated_at, duplicate, credited, credited_by and hired_at of r. */
bole_status_t bole_store_referral_update(bole_store_t *store, const bole_store_referral_t *r,
                                         char *err, size_t errlen);
/* The referral holding the credit for (talent, need), 0 if none. */
bole_status_t bole_store_referral_credit_holder(bole_store_t *store, const char *talent_id,
                                                const char *need_id, int64_t *holder /* OUT */,
                                                char *err, size_t errlen);

/* One award line (statement item). Strings valid during a callback only. */
typedef struct {
    int64_t referral_id;
    const char *referrer_id;
    const char *talent_id;
    const char *need_id;
    int stage;
    const char *rule;
    double base, multiplier, points;
    int64_t at;
    const char *rules_version;
} bole_store_award_t;

bole_status_t bole_store_award_add(bole_store_t *store, const bole_store_award_t *a, char *err,
                                   size_t errlen);
/* Sum of the points a referral earned at one stage. */
bole_status_t bole_store_award_stage_points(bole_store_t *store, int64_t referral_id, int stage,
                                            double *sum /* OUT */, char *err, size_t errlen);
/* Award lines of a referrer with at in [from, to), in time order. */
typedef int (*bole_store_award_fn)(void *ctx, const bole_store_award_t *a);
bole_status_t bole_store_award_list(bole_store_t *store, const char *referrer_id, int64_t from,
                                    int64_t to, bole_store_award_fn fn, void *ctx, char *err,
                                    size_t errlen);
/* Records the text of a rules version; BOLE_FAILED_PRECONDITION if the
 * version is already recorded with a different text. */
bole_status_t bole_store_award_rules_record(bole_store_t *store, const char *version,
                                            const char *text, int64_t at, char *err,
                                            size_t errlen);

/* A referrer and its figures. Strings valid during a callback only. */
typedef struct {
    const char *id;
    int kind;
    const char *name;
    const char *zone;
    double points;
    uint32_t referrals;         /* Submitted in the period. */
    uint32_t hires;             /* Hired in the period. */
} bole_store_referrer_row_t;
typedef int (*bole_store_referrer_fn)(void *ctx, const bole_store_referrer_row_t *row);
/* Referrers with any referral or point in [from, to), filtered by zone
 * ("" any) and kind (0 any), best points first, at most limit rows. */
bole_status_t bole_store_leaderboard(bole_store_t *store, int64_t from, int64_t to,
                                     const char *zone, int kind, uint32_t limit,
                                     bole_store_referrer_fn fn, void *ctx, char *err,
                                     size_t errlen);
/* One referrer (BOLE_NOT_FOUND if unknown); figures left 0. */
bole_status_t bole_store_referrer_get(bole_store_t *store, const char *id,
                                      bole_store_referrer_fn fn, void *ctx, char *err,
                                      size_t errlen);

/* Appends a ledger entry for referral r: event name, actor, note, rules
 * version and points of this event; the talent and note enter the hash only
 * through commitments with the talent's salt. *seq gets the entry's seq. */
bole_status_t bole_store_ledger_append(bole_store_t *store, const bole_store_referral_t *r,
                                       const char *event, const char *actor, const char *note,
                                       const char *rules_version, double points, int64_t at,
                                       uint64_t *seq /* OUT */, char *err, size_t errlen);
/* Recomputes the whole chain and the commitments of raw values. */
typedef struct {
    uint64_t entries;
    uint64_t first_bad;         /* 0 if all good. */
    char message[256];
    uint8_t head_hash[32];
} bole_store_ledger_report_t;
bole_status_t bole_store_ledger_verify(bole_store_t *store,
                                       bole_store_ledger_report_t *out /* OUT */, char *err,
                                       size_t errlen);
/* Pseudonymises a talent in referrals, award lines and the ledger (raw id
 * and notes replaced, salt deleted): the chain still verifies. *n gets the
 * ledger entries changed. Idempotent. */
bole_status_t bole_store_referral_erase_talent(bole_store_t *store, const char *talent_id,
                                               uint64_t *n /* OUT */, char *err, size_t errlen);

/* ---- feedback and outcomes (feedback.c; SQL in store_feedback.c) ----------- */

/* Replaces a talent's id in feature logs and outcomes by one random
 * pseudonym (erasure of personal data; joins between the two still work).
 * *n gets the pairs and outcome rows changed. All or nothing (a savepoint,
 * inside the caller's transaction if there is one). */
bole_status_t bole_store_feedback_erase_talent(bole_store_t *store, const char *talent_id,
                                               uint64_t *n /* OUT */, char *err, size_t errlen);

/* Pairs per feature log row (one served answer; a larger one takes
 * consecutive rows). ExportOutcomes seq of a pair = row id * this + the
 * pair's index in the row (docs/OUTCOMES.md). */
#define BOLE_FEATURE_LOG_ANSWER_PAIRS 1024

/* One served pair with its feature values (feature logging). */
typedef struct {
    const char *request_id;
    int source;                 /* bole.FeedbackSource. */
    const char *weights_version;
    const char *talent_id;
    const char *need_id;
    uint32_t position;          /* 1-based rank. */
    float score;
    const float *features;      /* n_features values, rank.h order. */
    size_t n_features;
    int64_t at;
} bole_store_served_t;

/* Inserts n served pairs inside the caller's transaction (the writer
 * thread: an event run logs its pairs atomically with its schedule; the
 * live matcher: its pushes with the events that announce them). Each run
 * of consecutive rows with the same request id, source, weights version
 * and time is written as one answer row (up to
 * BOLE_FEATURE_LOG_ANSWER_PAIRS pairs). A pair that cannot be packed (an
 * id over 65535 bytes, more than 32 feature values) refuses the whole call
 * with BOLE_INVALID_ARGUMENT before anything is written. */
bole_status_t bole_store_feature_log_append(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen);
/* Inserts n served pairs in one transaction of its own (the feature
 * logger's connection; not for the writer thread); grouped as above. */
bole_status_t bole_store_feature_log_insert(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen);
/* *found = 1 if any pair was logged under request_id (and, when talent_id
 * and need_id are not NULL, that very pair). */
bole_status_t bole_store_feature_log_find(bole_store_t *store, const char *request_id,
                                          const char *talent_id, const char *need_id,
                                          int *found /* OUT */, char *err, size_t errlen);

/* One outcome event. */
typedef struct {
    const char *request_id;     /* "" if unknown. */
    const char *talent_id;
    const char *need_id;
    uint32_t position;
    int kind;                   /* bole.FeedbackKind. */
    const char *actor;
    int64_t at;
    int joined;                 /* 1 if it matched a logged served pair. */
} bole_store_feedback_t;
bole_status_t bole_store_feedback_insert(bole_store_t *store, const bole_store_feedback_t *f,
                                         uint64_t *seq /* OUT */, char *err, size_t errlen);

/* Served pairs (feature log rows) with at in [from, to) and id > after,
 * with the furthest outcome reached (0 none), in id order. */
typedef struct {
    uint64_t seq;
    bole_store_served_t served;
    int outcome;
} bole_store_outcome_t;
typedef int (*bole_store_outcome_fn)(void *ctx, const bole_store_outcome_t *row);
bole_status_t bole_store_outcomes(bole_store_t *store, int64_t from, int64_t to, uint64_t after,
                                  uint32_t limit, bole_store_outcome_fn fn, void *ctx, char *err,
                                  size_t errlen);

/* Funnel counts per (source, weights version) of pairs served in [from, to). */
typedef struct {
    int source;
    const char *weights_version;
    uint64_t served, impressions, clicks, applies, interviews, hires;
} bole_store_funnel_t;
typedef int (*bole_store_funnel_fn)(void *ctx, const bole_store_funnel_t *row);
bole_status_t bole_store_feedback_funnel(bole_store_t *store, int64_t from, int64_t to,
                                         int source, bole_store_funnel_fn fn, void *ctx,
                                         char *err, size_t errlen);


/* ---- events (job fairs; store_event.c, issue 4) -------------------------- */

/* A job-fair event row. Strings in results of bole_store_event_get are
 * malloc'd (bole_store_event_free). */
typedef struct {
    int64_t id;                 /* Internal id (OUT of create). */
    char *external_id;
    char *name;
    int64_t starts_at, ends_at; /* As given by the organiser. */
    uint32_t slot_minutes;
    uint32_t slot_count;
    uint32_t max_interviews;    /* Per talent, already defaulted. */
    char *zone;
    int64_t created_at;         /* Unix ms. */
} bole_store_event_t;

/* Inserts an event; BOLE_ALREADY_EXISTS if its external id is taken. */
bole_status_t bole_store_event_create(bole_store_t *store, bole_store_event_t *event /* id OUT */,
                                      char *err, size_t errlen);
/* Reads an event by external id; BOLE_NOT_FOUND if absent. */
bole_status_t bole_store_event_get(bole_store_t *store, const char *external_id,
                                   bole_store_event_t *out /* OUT */, char *err, size_t errlen);
void bole_store_event_free(bole_store_event_t *event);
/* Registers a talent (idempotent): *added = 1 if it was new. */
bole_status_t bole_store_event_add_talent(bole_store_t *store, int64_t event_id,
                                          const char *talent, int *added /* OUT */, char *err,
                                          size_t errlen);
/* Whether a booth for need is registered (1/0; -1 on error). */
int bole_store_event_has_booth(bole_store_t *store, int64_t event_id, const char *need);
/* Registers a booth; BOLE_ALREADY_EXISTS if the need already has one. */
bole_status_t bole_store_event_add_booth(bole_store_t *store, int64_t event_id, const char *need,
                                         uint32_t capacity, char *err, size_t errlen);
/* Calls fn for each registered talent / booth (capacity 0 for talents), in
 * external id order; fn returns nonzero to stop (an error). */
typedef int (*bole_store_event_member_fn)(void *ctx, const char *external_id, uint32_t capacity);
bole_status_t bole_store_event_members(bole_store_t *store, int64_t event_id, int booths,
                                       bole_store_event_member_fn fn, void *ctx, char *err,
                                       size_t errlen);
/* Replaces the stored schedule (a packed bole.EventSchedule). */
bole_status_t bole_store_event_put_schedule(bole_store_t *store, int64_t event_id,
                                            const void *blob, size_t len, int64_t computed_at,
                                            char *err, size_t errlen);
/* Reads the stored schedule into a malloc'd *blob; BOLE_NOT_FOUND if none. */
bole_status_t bole_store_event_get_schedule(bole_store_t *store, int64_t event_id,
                                            void **blob /* OUT */, size_t *len /* OUT */,
                                            char *err, size_t errlen);

#endif
