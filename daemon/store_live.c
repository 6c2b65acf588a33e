/*
 * store_live.c - SQLite backend of the live match stream (store.h, section
 * "live match stream"): stored events, announced pairs, daily exposure
 * counts and the matcher's saved queue. Tables: migration "live.c" in
 * store_schema.c.
 *
 * The statements the matcher runs per pair are kept prepared (store_int.h):
 * parsing them anew on every call was a third of the matcher's CPU during
 * a backlog (perf, docs/LIVE.md). The rarer ones are prepared per call.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"

static int s_side(bole_entity_t side) { return side == BOLE_ENTITY_TALENT ? 0 : 1; }

bole_status_t bole_store_live_begin(bole_store_t *store, char *err, size_t errlen)
{
    return bole_store_exec(store->db, "BEGIN IMMEDIATE", err, errlen);
}

bole_status_t bole_store_live_commit(bole_store_t *store, char *err, size_t errlen)
{
    bole_status_t st = bole_store_exec(store->db, "COMMIT", err, errlen);
    if (st != BOLE_OK)
        bole_store_live_rollback(store);
    return st;
}

void bole_store_live_rollback(bole_store_t *store)
{
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

bole_status_t bole_store_live_append(bole_store_t *store, int64_t at, const char *topics,
                                     const void *event, size_t len, uint64_t *seq, char *err,
                                     size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    *seq = 0;
    sqlite3_stmt *stmt = bole_store_stmt(
        store, BOLE_STMT_LIVE_APPEND, "INSERT INTO live_events(at, topics, event) VALUES (?,?,?)",
        &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare live event", err, errlen);
    sqlite3_bind_int64(stmt, 1, at);
    sqlite3_bind_text(stmt, 2, topics, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, len ? event : "", (int)len, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "store live event", err, errlen);
    *seq = (uint64_t)sqlite3_last_insert_rowid(db);
    return BOLE_OK;
}

/* The first of the '\n'-separated topics that starts with one of prefixes,
 * copied into buf; NULL if none. */
static const char *s_match_topic(const char *topics, char *const *prefixes, size_t n, char *buf,
                                 size_t buflen)
{
    const char *p = topics;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        for (size_t i = 0; i < n || (n == 0 && i == 0); i++) {
            size_t plen = n ? strlen(prefixes[i]) : 0;
            if (plen <= len && (plen == 0 || memcmp(p, prefixes[i], plen) == 0)) {
                if (len >= buflen)
                    len = buflen - 1;
                memcpy(buf, p, len);
                buf[len] = '\0';
                return buf;
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

bole_status_t bole_store_live_since(bole_store_t *store, uint64_t since_seq,
                                    char *const *prefixes, size_t n,
                                    bole_store_live_event_fn fn, void *ctx, char *err,
                                    size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    /* One read transaction for the whole scan: a consistent snapshot. */
    int rc = sqlite3_prepare_v2(db,
                                "SELECT seq, topics, event FROM live_events WHERE seq > ? "
                                "ORDER BY seq",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare matches since", err, errlen);
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)(since_seq > INT64_MAX ? INT64_MAX : since_seq));
    char topic[1024];
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *topics = (const char *)sqlite3_column_text(stmt, 1);
        const char *hit = s_match_topic(topics ? topics : "", prefixes, n, topic, sizeof topic);
        if (!hit)
            continue;
        const void *blob = sqlite3_column_blob(stmt, 2);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 2);
        if (fn(ctx, (uint64_t)sqlite3_column_int64(stmt, 0), hit, blob, len) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "matches since", err, errlen);
    return BOLE_OK;
}

uint64_t bole_store_live_last_seq(bole_store_t *store)
{
    long long seq = 0;
    if (bole_store_query_int(store->db, "SELECT coalesce(max(seq), 0) FROM live_events", &seq) !=
        SQLITE_OK)
        return 0;
    return (uint64_t)seq;
}

static void s_read_pair(sqlite3_stmt *stmt, bole_store_live_pair_t *p)
{
    p->talent = sqlite3_column_int64(stmt, 0);
    p->need = sqlite3_column_int64(stmt, 1);
    p->talent_ext = (const char *)sqlite3_column_text(stmt, 2);
    p->need_ext = (const char *)sqlite3_column_text(stmt, 3);
    p->organisation = (const char *)sqlite3_column_text(stmt, 4);
    p->zone = (const char *)sqlite3_column_text(stmt, 5);
    p->score = (float)sqlite3_column_double(stmt, 6);
    p->seq = (uint64_t)sqlite3_column_int64(stmt, 7);
    p->open = sqlite3_column_int(stmt, 8);
}

#define PAIR_COLUMNS "talent, need, talent_ext, need_ext, organisation, zone, score, seq, open"

bole_status_t bole_store_live_get_pair(bole_store_t *store, int64_t talent, int64_t need,
                                       bole_store_live_pair_t *out, int *found, char *err,
                                       size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    *found = 0;
    sqlite3_stmt *stmt = bole_store_stmt(store, BOLE_STMT_LIVE_GET_PAIR,
                                         "SELECT " PAIR_COLUMNS " FROM live_pairs "
                                         "WHERE talent = ? AND need = ?",
                                         &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare live pair", err, errlen);
    sqlite3_bind_int64(stmt, 1, talent);
    sqlite3_bind_int64(stmt, 2, need);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        s_read_pair(stmt, out);
        out->talent_ext = out->need_ext = out->organisation = out->zone = NULL;
        *found = 1;
        rc = SQLITE_DONE;
    }
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "live pair", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_live_put_pair(bole_store_t *store, const bole_store_live_pair_t *p,
                                       char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    sqlite3_stmt *stmt = bole_store_stmt(store, BOLE_STMT_LIVE_PUT_PAIR,
                                         "INSERT OR REPLACE INTO live_pairs(" PAIR_COLUMNS ") "
                                         "VALUES (?,?,?,?,?,?,?,?,?)",
                                         &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare live pair update", err, errlen);
    sqlite3_bind_int64(stmt, 1, p->talent);
    sqlite3_bind_int64(stmt, 2, p->need);
    sqlite3_bind_text(stmt, 3, p->talent_ext ? p->talent_ext : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, p->need_ext ? p->need_ext : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, p->organisation ? p->organisation : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, p->zone ? p->zone : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(stmt, 7, p->score);
    sqlite3_bind_int64(stmt, 8, (sqlite3_int64)p->seq);
    sqlite3_bind_int(stmt, 9, p->open);
    rc = sqlite3_step(stmt);
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "live pair update", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_live_open_pairs(bole_store_t *store, bole_entity_t side, int64_t id,
                                         bole_store_live_pair_fn fn, void *ctx, char *err,
                                         size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    /* fn must not call this again (the kept statement is mid-scan). */
    sqlite3_stmt *stmt = bole_store_stmt(store, BOLE_STMT_LIVE_OPEN_PAIRS + s_side(side),
                                         side == BOLE_ENTITY_TALENT
                                             ? "SELECT " PAIR_COLUMNS " FROM live_pairs "
                                               "WHERE talent = ? AND open = 1 ORDER BY need"
                                             : "SELECT " PAIR_COLUMNS " FROM live_pairs "
                                               "WHERE need = ? AND open = 1 ORDER BY talent",
                                         &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare open pairs", err, errlen);
    sqlite3_bind_int64(stmt, 1, id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        bole_store_live_pair_t p;
        s_read_pair(stmt, &p);
        if (fn(ctx, &p) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "open pairs", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_live_exposure(bole_store_t *store, bole_entity_t side, int64_t id,
                                       int64_t day, uint32_t *count, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    *count = 0;
    sqlite3_stmt *stmt = bole_store_stmt(store, BOLE_STMT_LIVE_EXPOSURE,
                                         "SELECT count FROM live_exposure "
                                         "WHERE side = ? AND id = ? AND day = ?",
                                         &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare exposure", err, errlen);
    sqlite3_bind_int(stmt, 1, s_side(side));
    sqlite3_bind_int64(stmt, 2, id);
    sqlite3_bind_int64(stmt, 3, day);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *count = (uint32_t)sqlite3_column_int64(stmt, 0);
        rc = SQLITE_DONE;
    }
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "exposure", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_live_add_exposure(bole_store_t *store, bole_entity_t side, int64_t id,
                                           int64_t day, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    int rc;
    sqlite3_stmt *stmt = bole_store_stmt(
        store, BOLE_STMT_LIVE_ADD_EXPOSURE,
        "INSERT INTO live_exposure(side, id, day, count) "
        "VALUES (?, ?, ?, 1) "
        "ON CONFLICT(side, id, day) DO UPDATE SET count = count + 1",
        &rc);
    if (!stmt)
        return bole_store_fail(db, rc, "prepare exposure update", err, errlen);
    sqlite3_bind_int(stmt, 1, s_side(side));
    sqlite3_bind_int64(stmt, 2, id);
    sqlite3_bind_int64(stmt, 3, day);
    rc = sqlite3_step(stmt);
    bole_store_stmt_done(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "exposure update", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_live_prune_exposure(bole_store_t *store, int64_t day, char *err,
                                             size_t errlen)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM live_exposure WHERE day < %lld", (long long)day);
    return bole_store_exec(store->db, sql, err, errlen);
}

bole_status_t bole_store_live_cursor(bole_store_t *store, uint64_t *seq, char *err,
                                     size_t errlen)
{
    long long v = 0;
    int rc = bole_store_query_int(store->db, "SELECT coalesce(max(seq), 0) FROM live_cursor", &v);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "live cursor", err, errlen);
    *seq = (uint64_t)v;
    return BOLE_OK;
}

bole_status_t bole_store_live_set_cursor(bole_store_t *store, uint64_t seq, char *err,
                                         size_t errlen)
{
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO live_cursor(id, seq) VALUES (1, %llu)",
             (unsigned long long)seq);
    return bole_store_exec(store->db, sql, err, errlen);
}

bole_status_t bole_store_live_take_pending(bole_store_t *store, bole_store_live_pending_fn fn,
                                           void *ctx, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT entity, id, deleted FROM live_pending ORDER BY n",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare take pending", err, errlen);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        bole_store_live_pending_t item = {
            .entity = sqlite3_column_int(stmt, 0) == 0 ? BOLE_ENTITY_TALENT : BOLE_ENTITY_NEED,
            .id = sqlite3_column_int64(stmt, 1),
            .deleted = sqlite3_column_int(stmt, 2),
        };
        if (fn(ctx, &item) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "take pending", err, errlen);
    return bole_store_exec(db, "DELETE FROM live_pending", err, errlen);
}

bole_status_t bole_store_live_erase_talent(bole_store_t *store, const char *talent_id,
                                           uint64_t *n, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    *n = 0;
    /* Topics are '\n'-separated: match the whole token, so erasing "T-1"
     * leaves "T-10" alone. */
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "DELETE FROM live_events WHERE instr(char(10) || topics || "
                                "char(10), char(10) || ?1 || char(10)) > 0",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "erase live events", err, errlen);
    char topic[300];
    snprintf(topic, sizeof topic, "match.talent.%s", talent_id);
    sqlite3_bind_text(stmt, 1, topic, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "erase live events", err, errlen);
    *n += (uint64_t)sqlite3_changes(db);
    rc = sqlite3_prepare_v2(db, "DELETE FROM live_pairs WHERE talent_ext = ?1", -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "erase live pairs", err, errlen);
    sqlite3_bind_text(stmt, 1, talent_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "erase live pairs", err, errlen);
    *n += (uint64_t)sqlite3_changes(db);
    return BOLE_OK;
}
