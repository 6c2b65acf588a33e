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

/* Runs SQLite's integrity check; BOLE_OK when the file is sound. */
bole_status_t bole_store_check(bole_store_t *store, char *err, size_t errlen);

#endif
