/*
 * store_int.h - private to the SQLite backend (store*.c): the handle's
 * layout and helpers that the per-module backend files share. Nothing
 * outside store*.c includes this.
 *
 * Per-module operations live in store_<module>.c and are declared in
 * store.h (one section per module), so handlers still see no SQL.
 */
#ifndef BOLE_STORE_INT_H
#define BOLE_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Statements of the writer's per-put path, prepared once per connection
 * (parsing them anew cost about a sixth of the writer's time; see
 * docs/TRENDS.md). Talent and need variants are adjacent: + entity. */
typedef enum {
    BOLE_STMT_FIND,                         /* id by external id */
    BOLE_STMT_PEEK = BOLE_STMT_FIND + 2,    /* id, updated_at, profile */
    BOLE_STMT_INSERT = BOLE_STMT_PEEK + 2,
    BOLE_STMT_UPDATE = BOLE_STMT_INSERT + 2,
    BOLE_STMT_DELETE = BOLE_STMT_UPDATE + 2,
    BOLE_STMT_CHANGE_LOG = BOLE_STMT_DELETE + 2,
    BOLE_STMT_TREND_INSERT,   /* one packed trend_rows row per write (store_trend.c) */
    /* The live matcher's per-pair statements (store_live.c): preparing
     * them anew was a third of its CPU (perf, docs/LIVE.md). */
    BOLE_STMT_LIVE_APPEND,
    BOLE_STMT_LIVE_GET_PAIR,
    BOLE_STMT_LIVE_PUT_PAIR,
    BOLE_STMT_LIVE_OPEN_PAIRS,                   /* + 0 by talent, + 1 by need */
    BOLE_STMT_LIVE_EXPOSURE = BOLE_STMT_LIVE_OPEN_PAIRS + 2,
    BOLE_STMT_LIVE_ADD_EXPOSURE,
    BOLE_STMT_COUNT
} bole_stmt_t;

struct bole_store {
    sqlite3 *db;
    int version;    /* Schema version after migrations. */
    sqlite3_stmt *stmts[BOLE_STMT_COUNT]; /* Prepared on first use; finalized at close. */
};

/* The kept statement which (prepared from sql on first use, with
 * SQLITE_PREPARE_PERSISTENT; a given which always comes with the same sql).
 * Bind, step, then bole_store_stmt_done. NULL on failure: *rc says why. */
sqlite3_stmt *bole_store_stmt(bole_store_t *store, bole_stmt_t which, const char *sql, int *rc);
/* Resets a kept statement (releases its read of the database) and clears
 * its bindings (no pointer to the caller's memory stays bound). */
void bole_store_stmt_done(sqlite3_stmt *stmt);

extern const char *const bole_store_migrations[];
extern const int bole_store_n_migrations;

/* SQL function bole_feature_log_pack_v1(): converts the per-pair feature_log
 * table into feature_answers (store_feedback.c). Registered on the
 * connection only while migrations run; the "feature log v2" migration
 * calls it. */
void bole_store_feature_log_upgrade_v1(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* SQL function bole_trend_pack_v1(at, dim, key, zone, industries, supply,
 * demand) (store_trend.c), registered while migrations run: the "trend
 * rows" migration packs each old trend_delta row with it. */
void bole_store_trend_pack_v1(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* Maps an SQLite result code to a status (full disk, read-only file and
 * I/O errors are UNAVAILABLE; the rest INTERNAL). */
bole_status_t bole_store_status(int rc);
/* Runs SQL; on failure writes SQLite's message into err. */
bole_status_t bole_store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* First column of the first row as an integer (0 if no row). */
int bole_store_query_int(sqlite3 *db, const char *sql, long long *value);
/* Writes "what: <sqlite message>" into err and maps rc. */
bole_status_t bole_store_fail(sqlite3 *db, int rc, const char *what, char *err, size_t errlen);
/* Appends to the change log; returns the new sequence number or 0. entity
 * is a short name ("talent", "need", "referral" ...). */
uint64_t bole_store_log_change(bole_store_t *store, bole_entity_t entity, int64_t id,
                               const char *op, int64_t at);

#endif
