/*
 * store_event.c - SQLite backend of the job-fair operations of store.h
 * (events, registrations, stored schedules). Writes run inside the writer
 * thread's group-commit transaction. They do not write the change log:
 * its entity column names talents and needs, which derived state (the
 * vector indexes) replays, and events are not derived state of anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static char *s_dup(const unsigned char *text)
{
    const char *t = text ? (const char *)text : "";
    size_t n = strlen(t) + 1;
    char *out = malloc(n);
    if (out)
        memcpy(out, t, n);
    return out;
}

static bole_status_t s_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, char *err,
                               size_t errlen)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_event_create(bole_store_t *store, bole_store_event_t *event, char *err,
                                      size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    bole_status_t st = s_prepare(db,
                                 "INSERT INTO events(external_id, name, starts_at, ends_at, "
                                 "slot_minutes, slot_count, max_interviews, zone, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_text(stmt, 1, event->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, event->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, event->starts_at);
    sqlite3_bind_int64(stmt, 4, event->ends_at);
    sqlite3_bind_int64(stmt, 5, event->slot_minutes);
    sqlite3_bind_int64(stmt, 6, event->slot_count);
    sqlite3_bind_int64(stmt, 7, event->max_interviews);
    sqlite3_bind_text(stmt, 8, event->zone ? event->zone : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 9, event->created_at);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) { /* Extended codes may be on. */
        snprintf(err, errlen, "an event with id '%s' already exists", event->external_id);
        return BOLE_ALREADY_EXISTS;
    }
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "insert event", err, errlen);
    event->id = sqlite3_last_insert_rowid(db);
    return BOLE_OK;
}

bole_status_t bole_store_event_get(bole_store_t *store, const char *external_id,
                                   bole_store_event_t *out, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = NULL;
    bole_status_t st = s_prepare(db,
                                 "SELECT id, external_id, name, starts_at, ends_at, slot_minutes, "
                                 "slot_count, max_interviews, zone, created_at FROM events "
                                 "WHERE external_id = ?",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "no event with id '%s'", external_id);
        return BOLE_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return bole_store_fail(db, rc, "get event", err, errlen);
    }
    out->id = sqlite3_column_int64(stmt, 0);
    out->external_id = s_dup(sqlite3_column_text(stmt, 1));
    out->name = s_dup(sqlite3_column_text(stmt, 2));
    out->starts_at = sqlite3_column_int64(stmt, 3);
    out->ends_at = sqlite3_column_int64(stmt, 4);
    out->slot_minutes = (uint32_t)sqlite3_column_int64(stmt, 5);
    out->slot_count = (uint32_t)sqlite3_column_int64(stmt, 6);
    out->max_interviews = (uint32_t)sqlite3_column_int64(stmt, 7);
    out->zone = s_dup(sqlite3_column_text(stmt, 8));
    out->created_at = sqlite3_column_int64(stmt, 9);
    sqlite3_finalize(stmt);
    if (!out->external_id || !out->name || !out->zone) {
        bole_store_event_free(out);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

void bole_store_event_free(bole_store_event_t *event)
{
    if (!event)
        return;
    free(event->external_id);
    free(event->name);
    free(event->zone);
    event->external_id = event->name = event->zone = NULL;
}

bole_status_t bole_store_event_add_talent(bole_store_t *store, int64_t event_id,
                                          const char *talent, int *added, char *err,
                                          size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    *added = 0;
    bole_status_t st = s_prepare(db,
                                 "INSERT OR IGNORE INTO event_talents(event_id, talent) "
                                 "VALUES (?, ?)",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, event_id);
    sqlite3_bind_text(stmt, 2, talent, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "register talent", err, errlen);
    *added = sqlite3_changes(db) > 0;
    return BOLE_OK;
}

int bole_store_event_has_booth(bole_store_t *store, int64_t event_id, const char *need)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "SELECT 1 FROM event_booths WHERE event_id = ? AND need = ?", -1,
                           &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(stmt, 1, event_id);
    sqlite3_bind_text(stmt, 2, need, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bole_status_t bole_store_event_add_booth(bole_store_t *store, int64_t event_id, const char *need,
                                         uint32_t capacity, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    bole_status_t st = s_prepare(db,
                                 "INSERT INTO event_booths(event_id, need, capacity) "
                                 "VALUES (?, ?, ?)",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, event_id);
    sqlite3_bind_text(stmt, 2, need, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, capacity);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) { /* Extended codes may be on. */
        snprintf(err, errlen, "need '%s' already has a booth at this event", need);
        return BOLE_ALREADY_EXISTS;
    }
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "register booth", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_event_members(bole_store_t *store, int64_t event_id, int booths,
                                       bole_store_event_member_fn fn, void *ctx, char *err,
                                       size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    bole_status_t st = s_prepare(db,
                                 booths ? "SELECT need, capacity FROM event_booths "
                                          "WHERE event_id = ? ORDER BY need"
                                        : "SELECT talent, 0 FROM event_talents "
                                          "WHERE event_id = ? ORDER BY talent",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, event_id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(stmt, 0);
        if (fn(ctx, id ? id : "", (uint32_t)sqlite3_column_int64(stmt, 1)) != 0) {
            sqlite3_finalize(stmt);
            snprintf(err, errlen, "stopped while listing registrations");
            return BOLE_INTERNAL;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "list registrations", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_event_put_schedule(bole_store_t *store, int64_t event_id,
                                            const void *blob, size_t len, int64_t computed_at,
                                            char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    bole_status_t st = s_prepare(db,
                                 "INSERT OR REPLACE INTO event_schedules(event_id, computed_at, "
                                 "schedule) VALUES (?, ?, ?)",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, event_id);
    sqlite3_bind_int64(stmt, 2, computed_at);
    sqlite3_bind_blob64(stmt, 3, blob ? blob : "", (sqlite3_uint64)len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "store schedule", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_event_get_schedule(bole_store_t *store, int64_t event_id, void **blob,
                                            size_t *len, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    *blob = NULL;
    *len = 0;
    bole_status_t st = s_prepare(db, "SELECT schedule FROM event_schedules WHERE event_id = ?",
                                 &stmt, err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, event_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "the event has no schedule yet (run run_event_matching)");
        return BOLE_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return bole_store_fail(db, rc, "read schedule", err, errlen);
    }
    size_t n = (size_t)sqlite3_column_bytes(stmt, 0);
    void *out = malloc(n ? n : 1);
    if (!out) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    if (n)
        memcpy(out, sqlite3_column_blob(stmt, 0), n);
    sqlite3_finalize(stmt);
    *blob = out;
    *len = n;
    return BOLE_OK;
}
