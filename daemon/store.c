/*
 * store.c - SQLite backend of store.h: schema, migrations, statements.
 *
 * Migrations are numbered by their position in s_migrations and recorded in
 * PRAGMA user_version; each runs in one transaction with the version bump,
 * so a crash mid-migration leaves the previous version intact. Append new
 * migrations at the end; never edit one that has shipped.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"




int bole_store_latest_schema_version(void) { return bole_store_n_migrations; }

int bole_store_schema_version(bole_store_t *store) { return store->version; }

/* Maps an SQLite result to a status: full disks and read-only files are
 * temporary conditions the client may retry; the rest is internal. */
bole_status_t bole_store_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return BOLE_OK;
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return BOLE_UNAVAILABLE;
    default:
        return BOLE_INTERNAL;
    }
}

bole_status_t bole_store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return bole_store_status(rc);
    }
    return BOLE_OK;
}

int bole_store_query_int(sqlite3 *db, const char *sql, long long *value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *value = sqlite3_column_int64(stmt, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *value = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

static bole_status_t s_migrate(bole_store_t *store, int target,
                               const bole_store_options_t *options, char *err, size_t errlen)
{
    long long version = 0;
    int rc = bole_store_query_int(store->db, "PRAGMA user_version", &version);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(store->db));
        return bole_store_status(rc);
    }
    if (version > bole_store_n_migrations) {
        snprintf(err, errlen,
                 "database schema version %lld is newer than this build knows (%d): "
                 "refusing to open it with an older boled",
                 version, bole_store_n_migrations);
        return BOLE_FAILED_PRECONDITION;
    }
    if (version > 0 && version < target && options && options->on_migrate)
        options->on_migrate(options->on_migrate_ctx, (int)version, target);
    /* Data conversions that SQL alone cannot do, called by their migration. */
    sqlite3_create_function(store->db, "bole_feature_log_pack_v1", 0, SQLITE_UTF8, NULL,
                            bole_store_feature_log_upgrade_v1, NULL, NULL);
    sqlite3_create_function(store->db, "bole_trend_pack_v1", 7, SQLITE_UTF8, NULL,
                            bole_store_trend_pack_v1, NULL, NULL);
    bole_status_t st = BOLE_OK;
    for (int v = (int)version; v < target && st == BOLE_OK; v++) {
        char sql[128];
        st = bole_store_exec(store->db, "BEGIN IMMEDIATE", err, errlen);
        if (st == BOLE_OK)
            st = bole_store_exec(store->db, bole_store_migrations[v], err, errlen);
        if (st == BOLE_OK) {
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            st = bole_store_exec(store->db, sql, err, errlen);
        }
        if (st == BOLE_OK)
            st = bole_store_exec(store->db, "COMMIT", err, errlen);
        if (st != BOLE_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            snprintf(err, errlen, "migration %d failed: %s", v + 1, why);
        }
    }
    sqlite3_create_function(store->db, "bole_feature_log_pack_v1", 0, SQLITE_UTF8, NULL, NULL,
                            NULL, NULL);
    sqlite3_create_function(store->db, "bole_trend_pack_v1", 7, SQLITE_UTF8, NULL, NULL, NULL,
                            NULL);
    if (st != BOLE_OK)
        return st;
    store->version = (int)(version > target ? version : target);
    return BOLE_OK;
}

bole_status_t bole_store_open(bole_store_t **out, const char *path,
                              const bole_store_options_t *options,
                              char *err, size_t errlen)
{
    *out = NULL;
    bole_store_t *store = calloc(1, sizeof *store);
    if (!store) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    bole_status_t st;
    int rc = sqlite3_open_v2(path, &store->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
        st = bole_store_status(rc);
        goto fail;
    }
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, 5000);

    long long probe = 0;
    rc = bole_store_query_int(store->db, "SELECT count(*) FROM sqlite_master", &probe);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s is not a usable SQLite database: %s", path,
                 sqlite3_errmsg(store->db));
        st = BOLE_FAILED_PRECONDITION;
        goto fail;
    }

    char journal[32] = "";
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(journal, sizeof journal, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (strcmp(journal, "wal") != 0) {
        snprintf(err, errlen, "cannot switch %s to WAL mode (got '%s')", path, journal);
        st = BOLE_FAILED_PRECONDITION;
        goto fail;
    }
    const char *sync = options && !options->synchronous_full ? "PRAGMA synchronous=NORMAL"
                                                             : "PRAGMA synchronous=FULL";
    st = bole_store_exec(store->db, sync, err, errlen);
    if (st == BOLE_OK)
        st = bole_store_exec(store->db, "PRAGMA foreign_keys=ON", err, errlen);
    /* Deleted rows are overwritten, not just unlinked: erasing personal
     * data must not leave it in free pages. */
    if (st == BOLE_OK)
        st = bole_store_exec(store->db, "PRAGMA secure_delete=ON", err, errlen);
    if (st == BOLE_OK && options && options->cache_kib > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld", options->cache_kib);
        st = bole_store_exec(store->db, sql, err, errlen);
    }
    if (st != BOLE_OK)
        goto fail;

    if (options && options->reader) {
        /* Readers never migrate; they see what the writer committed. */
        st = bole_store_exec(store->db, "PRAGMA query_only=ON", err, errlen);
        if (st != BOLE_OK)
            goto fail;
        long long v = 0;
        bole_store_query_int(store->db, "PRAGMA user_version", &v);
        store->version = (int)v;
        *out = store;
        return BOLE_OK;
    }
    int target = options && options->target_version > 0 ? options->target_version
                                                          : bole_store_n_migrations;
    if (target > bole_store_n_migrations)
        target = bole_store_n_migrations;
    st = s_migrate(store, target, options, err, errlen);
    if (st != BOLE_OK)
        goto fail;
    *out = store;
    return BOLE_OK;

fail:
    sqlite3_close(store->db);
    free(store);
    return st;
}

sqlite3_stmt *bole_store_stmt(bole_store_t *store, bole_stmt_t which, const char *sql, int *rc)
{
    *rc = SQLITE_OK;
    if (!store->stmts[which])
        *rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                 &store->stmts[which], NULL);
    return store->stmts[which];
}

void bole_store_stmt_done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

void bole_store_close(bole_store_t **store)
{
    if (!store || !*store)
        return;
    /* Kept statements first: with one left, sqlite3_close refuses. */
    for (int i = 0; i < BOLE_STMT_COUNT; i++)
        sqlite3_finalize((*store)->stmts[i]);
    sqlite3_close((*store)->db);
    free(*store);
    *store = NULL;
}

static uint64_t s_count_if_table(sqlite3 *db, const char *table)
{
    char sql[160];
    long long exists = 0, n = 0;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", table);
    if (bole_store_query_int(db, sql, &exists) != SQLITE_OK || !exists)
        return 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (bole_store_query_int(db, sql, &n) != SQLITE_OK)
        return 0;
    return (uint64_t)n;
}

bole_status_t bole_store_counts(bole_store_t *store, bole_store_counts_t *out,
                                char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* Entity tables arrive with the migrations of their issues. */
    out->talents = s_count_if_table(store->db, "talents");
    out->needs = s_count_if_table(store->db, "needs");
    out->projects = s_count_if_table(store->db, "projects");
    out->referrals = s_count_if_table(store->db, "referrals");
    long long seq = 0;
    int rc = bole_store_query_int(store->db, "SELECT coalesce(max(seq), 0) FROM change_log", &seq);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read change log: %s", sqlite3_errmsg(store->db));
        return bole_store_status(rc);
    }
    out->seq = (uint64_t)seq;
    return BOLE_OK;
}

bole_status_t bole_store_check(bole_store_t *store, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, "PRAGMA integrity_check", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(store->db));
        return bole_store_status(rc);
    }
    bole_status_t st = BOLE_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
        if (!verdict || strcmp(verdict, "ok") != 0) {
            snprintf(err, errlen, "integrity check: %s", verdict ? verdict : "(null)");
            st = BOLE_INTERNAL;
        }
    } else {
        snprintf(err, errlen, "integrity check gave no answer");
        st = BOLE_INTERNAL;
    }
    sqlite3_finalize(stmt);
    return st;
}

bole_status_t bole_store_batch_begin(bole_store_t *store, char *err, size_t errlen)
{
    return bole_store_exec(store->db, "BEGIN IMMEDIATE", err, errlen);
}

bole_status_t bole_store_item_begin(bole_store_t *store, char *err, size_t errlen)
{
    return bole_store_exec(store->db, "SAVEPOINT item", err, errlen);
}

void bole_store_item_end(bole_store_t *store, int keep)
{
    if (!keep)
        sqlite3_exec(store->db, "ROLLBACK TO item", NULL, NULL, NULL);
    sqlite3_exec(store->db, "RELEASE item", NULL, NULL, NULL);
}

bole_status_t bole_store_batch_commit(bole_store_t *store, char *err, size_t errlen)
{
    bole_status_t st = bole_store_exec(store->db, "COMMIT", err, errlen);
    if (st != BOLE_OK)
        bole_store_batch_rollback(store);
    return st;
}

void bole_store_batch_rollback(bole_store_t *store)
{
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- talents and needs ---------------------------------------------------- */

static const char *s_table(bole_entity_t entity)
{
    return entity == BOLE_ENTITY_TALENT ? "talents" : "needs";
}

static const char *s_entity_name(bole_entity_t entity)
{
    switch (entity) {
    case BOLE_ENTITY_TALENT: return "talent";
    case BOLE_ENTITY_NEED: return "need";
    default: return "other"; /* Never replayed into the vector indexes. */
    }
}

/* Appends to the change log; returns the new sequence number or 0. */
uint64_t bole_store_log_change(bole_store_t *store, bole_entity_t entity, int64_t id,
                               const char *op, int64_t at)
{
    int rc;
    sqlite3_stmt *stmt = bole_store_stmt(store, BOLE_STMT_CHANGE_LOG,
                                         "INSERT INTO change_log(at, entity, entity_id, op) "
                                         "VALUES (?, ?, ?, ?)", &rc);
    if (!stmt)
        return 0;
    uint64_t seq = 0;
    sqlite3_bind_int64(stmt, 1, at);
    sqlite3_bind_text(stmt, 2, s_entity_name(entity), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, id);
    sqlite3_bind_text(stmt, 4, op, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_DONE)
        seq = (uint64_t)sqlite3_last_insert_rowid(store->db);
    bole_store_stmt_done(stmt);
    return seq;
}

bole_status_t bole_store_fail(sqlite3 *db, int rc, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return bole_store_status(rc);
}

/* The kept statement which + entity (talent and need variants adjacent),
 * its SQL: before, the entity's table, after. */
static sqlite3_stmt *s_entity_stmt(bole_store_t *store, bole_stmt_t which, bole_entity_t entity,
                                   const char *before, const char *after, int *rc)
{
    int side = entity == BOLE_ENTITY_TALENT ? 0 : 1;
    char sql[192] = "";
    if (!store->stmts[which + side])
        snprintf(sql, sizeof sql, "%s%s%s", before, s_table(entity), after);
    return bole_store_stmt(store, (bole_stmt_t)(which + side), sql, rc);
}

static int64_t s_find_id(bole_store_t *store, bole_entity_t entity, const char *external_id)
{
    int rc;
    sqlite3_stmt *stmt = s_entity_stmt(store, BOLE_STMT_FIND, entity,
                                       "SELECT id FROM ", " WHERE external_id = ?", &rc);
    if (!stmt)
        return 0;
    int64_t id = 0;
    sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        id = sqlite3_column_int64(stmt, 0);
    bole_store_stmt_done(stmt);
    return id;
}

bole_status_t bole_store_put(bole_store_t *store, bole_entity_t entity,
                             const bole_store_record_t *record, bole_store_put_result_t *out,
                             char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    int64_t id = s_find_id(store, entity, record->external_id);
    int rc;
    sqlite3_stmt *stmt =
        id ? s_entity_stmt(store, BOLE_STMT_UPDATE, entity,
                           "UPDATE ", " SET updated_at = ?2, profile = ?3, vector = ?4 "
                           "WHERE id = ?5", &rc)
           : s_entity_stmt(store, BOLE_STMT_INSERT, entity,
                           "INSERT INTO ", "(external_id, updated_at, profile, vector) "
                           "VALUES (?1, ?2, ?3, ?4)", &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare put", err, errlen);
    if (!id)
        sqlite3_bind_text(stmt, 1, record->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, record->updated_at);
    sqlite3_bind_blob(stmt, 3, record->profile, (int)record->profile_len, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 4, record->vector, (int)(record->dim * sizeof(float)),
                      SQLITE_STATIC);
    if (id)
        sqlite3_bind_int64(stmt, 5, id);
    rc = sqlite3_step(stmt);
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "put", err, errlen);
    out->created = id == 0;
    out->id = id ? id : sqlite3_last_insert_rowid(db);
    out->seq = bole_store_log_change(store, entity, out->id, "put", record->updated_at);
    if (!out->seq)
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_get(bole_store_t *store, bole_entity_t entity, const char *external_id,
                             int64_t id, bole_store_record_t *out, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT id, external_id, updated_at, profile, vector FROM %s WHERE %s",
             s_table(entity), external_id ? "external_id = ?" : "id = ?");
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare get", err, errlen);
    if (external_id)
        sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "no %s with id '%s'", s_entity_name(entity),
                 external_id ? external_id : "(internal)");
        return BOLE_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return bole_store_fail(db, rc, "get", err, errlen);
    }
    out->id = sqlite3_column_int64(stmt, 0);
    const char *ext = (const char *)sqlite3_column_text(stmt, 1);
    out->updated_at = sqlite3_column_int64(stmt, 2);
    size_t plen = (size_t)sqlite3_column_bytes(stmt, 3);
    size_t vlen = (size_t)sqlite3_column_bytes(stmt, 4);
    char *ext_copy = strdup(ext ? ext : "");
    void *profile = malloc(plen ? plen : 1);
    float *vector = malloc(vlen ? vlen : sizeof(float));
    if (!ext_copy || !profile || !vector) {
        free(ext_copy);
        free(profile);
        free(vector);
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    if (plen)
        memcpy(profile, sqlite3_column_blob(stmt, 3), plen);
    if (vlen)
        memcpy(vector, sqlite3_column_blob(stmt, 4), vlen);
    sqlite3_finalize(stmt);
    out->external_id = ext_copy;
    out->profile = profile;
    out->profile_len = plen;
    out->vector = vector;
    out->dim = vlen / sizeof(float);
    return BOLE_OK;
}

bole_status_t bole_store_peek(bole_store_t *store, bole_entity_t entity, const char *external_id,
                              bole_store_scan_fn fn, void *ctx, int *found, char *err,
                              size_t errlen)
{
    *found = 0;
    int rc;
    sqlite3_stmt *stmt = s_entity_stmt(store, BOLE_STMT_PEEK, entity,
                                       "SELECT id, updated_at, profile FROM ",
                                       " WHERE external_id = ?", &rc);
    if (!stmt)
        return bole_store_fail(store->db, rc, "prepare peek", err, errlen);
    sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    bole_status_t st = BOLE_OK;
    if (rc == SQLITE_ROW) {
        bole_store_record_t r = {
            .id = sqlite3_column_int64(stmt, 0),
            .external_id = external_id,
            .updated_at = sqlite3_column_int64(stmt, 1),
            .profile = sqlite3_column_blob(stmt, 2),
            .profile_len = (size_t)sqlite3_column_bytes(stmt, 2),
        };
        *found = 1;
        if (fn(ctx, &r) != 0) {
            snprintf(err, errlen, "stored %s '%s' cannot be read (corrupt or out of memory)",
                     s_entity_name(entity), external_id);
            st = BOLE_INTERNAL;
        }
    } else if (rc != SQLITE_DONE) {
        st = bole_store_fail(store->db, rc, "peek", err, errlen);
    }
    bole_store_stmt_done(stmt);
    return st;
}

void bole_store_record_free(bole_store_record_t *record)
{
    free((void *)record->external_id);
    free((void *)record->profile);
    free((void *)record->vector);
    memset(record, 0, sizeof *record);
}

bole_status_t bole_store_delete(bole_store_t *store, bole_entity_t entity,
                                const char *external_id, int64_t now,
                                bole_store_put_result_t *out, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    int64_t id = s_find_id(store, entity, external_id);
    if (!id) {
        snprintf(err, errlen, "no %s with id '%s'", s_entity_name(entity), external_id);
        return BOLE_NOT_FOUND;
    }
    int rc;
    sqlite3_stmt *stmt = s_entity_stmt(store, BOLE_STMT_DELETE, entity,
                                       "DELETE FROM ", " WHERE id = ?", &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare delete", err, errlen);
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "delete", err, errlen);
    out->id = id;
    out->seq = bole_store_log_change(store, entity, id, "delete", now);
    if (!out->seq)
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    return BOLE_OK;
}

static bole_status_t s_scan(bole_store_t *store, bole_entity_t entity, int64_t after_id,
                           int64_t until_id, int with_vector, bole_store_scan_fn fn, void *ctx,
                           char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    char sql[160];
    /* The vector is the row's last column: leaving it out spares SQLite
     * reading it (and the overflow pages it may sit in); length() reads
     * only the record header, so the dimension is still checked. */
    snprintf(sql, sizeof sql,
             "SELECT id, external_id, updated_at, profile, %s FROM %s "
             "WHERE id > ?1 AND id <= ?2 ORDER BY id",
             with_vector ? "vector" : "length(vector)", s_table(entity));
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare scan", err, errlen);
    sqlite3_bind_int64(stmt, 1, after_id);
    sqlite3_bind_int64(stmt, 2, until_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        bole_store_record_t r = {
            .id = sqlite3_column_int64(stmt, 0),
            .external_id = (const char *)sqlite3_column_text(stmt, 1),
            .updated_at = sqlite3_column_int64(stmt, 2),
            .profile = sqlite3_column_blob(stmt, 3),
            .profile_len = (size_t)sqlite3_column_bytes(stmt, 3),
            .vector = with_vector ? sqlite3_column_blob(stmt, 4) : NULL,
            .dim = (with_vector ? (size_t)sqlite3_column_bytes(stmt, 4)
                                : (size_t)sqlite3_column_int64(stmt, 4)) / sizeof(float),
        };
        if (fn(ctx, &r) != 0) {
            sqlite3_finalize(stmt);
            snprintf(err, errlen, "scan of %s stopped by its callback", s_table(entity));
            return BOLE_INTERNAL;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "scan", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_scan(bole_store_t *store, bole_entity_t entity, int64_t after_id,
                              bole_store_scan_fn fn, void *ctx, char *err, size_t errlen)
{
    return s_scan(store, entity, after_id, INT64_MAX, 1, fn, ctx, err, errlen);
}

bole_status_t bole_store_scan_profiles(bole_store_t *store, bole_entity_t entity,
                                       int64_t after_id, bole_store_scan_fn fn, void *ctx,
                                       char *err, size_t errlen)
{
    return s_scan(store, entity, after_id, INT64_MAX, 0, fn, ctx, err, errlen);
}

bole_status_t bole_store_scan_range(bole_store_t *store, bole_entity_t entity, int64_t after_id,
                                    int64_t until_id, bole_store_scan_fn fn, void *ctx,
                                    char *err, size_t errlen)
{
    return s_scan(store, entity, after_id, until_id, 1, fn, ctx, err, errlen);
}

bole_status_t bole_store_scan_profiles_range(bole_store_t *store, bole_entity_t entity,
                                             int64_t after_id, int64_t until_id,
                                             bole_store_scan_fn fn, void *ctx, char *err,
                                             size_t errlen)
{
    return s_scan(store, entity, after_id, until_id, 0, fn, ctx, err, errlen);
}

bole_status_t bole_store_id_range(bole_store_t *store, bole_entity_t entity, int64_t *min_id,
                                  int64_t *max_id, char *err, size_t errlen)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM %s",
             s_table(entity));
    sqlite3_stmt *stmt = NULL;
    *min_id = *max_id = 0;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "id range", err, errlen);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *min_id = sqlite3_column_int64(stmt, 0);
        *max_id = sqlite3_column_int64(stmt, 1);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? BOLE_OK : bole_store_fail(store->db, rc, "id range", err, errlen);
}

bole_status_t bole_store_changes(bole_store_t *store, uint64_t after_seq,
                                 bole_store_change_fn fn, void *ctx, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT seq, entity, entity_id, op FROM change_log "
                                "WHERE seq > ? ORDER BY seq",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare changes", err, errlen);
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)after_seq);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *entity = (const char *)sqlite3_column_text(stmt, 1);
        bole_store_change_t c = {
            .seq = (uint64_t)sqlite3_column_int64(stmt, 0),
            .entity = entity && strcmp(entity, "talent") == 0 ? BOLE_ENTITY_TALENT
                      : entity && strcmp(entity, "need") == 0 ? BOLE_ENTITY_NEED
                                                                : BOLE_ENTITY_OTHER,
            .id = sqlite3_column_int64(stmt, 2),
        };
        const char *op = (const char *)sqlite3_column_text(stmt, 3);
        c.deleted = op && strcmp(op, "delete") == 0;
        if (fn(ctx, &c) != 0)
            break;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return bole_store_fail(db, rc, "changes", err, errlen);
    return BOLE_OK;
}

uint64_t bole_store_last_seq(bole_store_t *store)
{
    long long seq = 0;
    bole_store_query_int(store->db, "SELECT coalesce(max(seq), 0) FROM change_log", &seq);
    return (uint64_t)seq;
}

void bole_store_checkpoint(bole_store_t *store)
{
    /* TRUNCATE also empties the WAL file, where old page images live. */
    sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}
