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

/* Runs SQLite's integrity check; BOLE_OK when the file is sound. */
bole_status_t bole_store_check(bole_store_t *store, char *err, size_t errlen);

#endif
