/*
 * store_feedback.c - SQLite side of feature logging and outcome events
 * (store.h "feedback" section; export format in docs/OUTCOMES.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_int.h"

#define MAX_FEATURES 32

static const char *s_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

/* Inserts the rows in the caller's transaction; rc of the first failure. */
static int s_feature_log_rows(sqlite3 *db, const bole_store_served_t *rows, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO feature_log(request_id, source, weights_version,"
                                " talent_id, need_id, position, score, features, at) "
                                "VALUES (?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const bole_store_served_t *r = &rows[i];
        sqlite3_bind_text(st, 1, r->request_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, r->source);
        sqlite3_bind_text(st, 3, r->weights_version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->talent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->need_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, r->position);
        sqlite3_bind_double(st, 7, r->score);
        /* float32 in host order; every supported host is little-endian. */
        sqlite3_bind_blob(st, 8, r->features, (int)(r->n_features * sizeof(float)),
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, r->at);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

bole_status_t bole_store_feature_log_append(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen)
{
    int rc = s_feature_log_rows(store->db, rows, n);
    return rc == SQLITE_OK ? BOLE_OK : bole_store_fail(store->db, rc, "feature log", err, errlen);
}

bole_status_t bole_store_feature_log_insert(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    bole_status_t s = bole_store_exec(db, "BEGIN IMMEDIATE", err, errlen);
    if (s != BOLE_OK)
        return s;
    int rc = s_feature_log_rows(db, rows, n);
    if (rc != SQLITE_OK) {
        s = bole_store_fail(db, rc, "feature log", err, errlen);
        bole_store_exec(db, "ROLLBACK", err, errlen);
        return s;
    }
    s = bole_store_exec(db, "COMMIT", err, errlen);
    if (s != BOLE_OK) {
        char e2[64];
        bole_store_exec(db, "ROLLBACK", e2, sizeof e2);
    }
    return s;
}

bole_status_t bole_store_feature_log_find(bole_store_t *store, const char *request_id,
                                          const char *talent_id, const char *need_id, int *found,
                                          char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    *found = 0;
    int rc = sqlite3_prepare_v2(store->db,
                                talent_id ? "SELECT 1 FROM feature_log WHERE request_id = ? AND "
                                            "talent_id = ? AND need_id = ? LIMIT 1"
                                          : "SELECT 1 FROM feature_log WHERE request_id = ? "
                                            "LIMIT 1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "feature log lookup", err, errlen);
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    if (talent_id) {
        sqlite3_bind_text(st, 2, talent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, need_id ? need_id : "", -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(st);
    bole_status_t s = BOLE_OK;
    if (rc == SQLITE_ROW)
        *found = 1;
    else if (rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "feature log lookup", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_feedback_insert(bole_store_t *store, const bole_store_feedback_t *f,
                                         uint64_t *seq, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT INTO feedback(request_id, talent_id, need_id, position,"
                                " kind, actor, at, joined) VALUES (?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "feedback", err, errlen);
    sqlite3_bind_text(st, 1, f->request_id ? f->request_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->talent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->need_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, f->position);
    sqlite3_bind_int(st, 5, f->kind);
    sqlite3_bind_text(st, 6, f->actor ? f->actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, f->at);
    sqlite3_bind_int(st, 8, f->joined);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "feedback", err, errlen);
    *seq = (uint64_t)sqlite3_last_insert_rowid(store->db);
    return BOLE_OK;
}

/* Furthest outcome: the funnel order impression < click < apply < shortlist
 * < interview < offer < hire; reject/dismiss count only if nothing else. */
#define FURTHEST_SQL                                                                     \
    "(SELECT f.kind FROM feedback f WHERE f.request_id = l.request_id AND "             \
    "f.talent_id = l.talent_id AND f.need_id = l.need_id ORDER BY CASE f.kind "        \
    "WHEN 6 THEN 9 WHEN 5 THEN 8 WHEN 4 THEN 7 WHEN 10 THEN 6 WHEN 9 THEN 5 WHEN 3 THEN 4 " \
    "WHEN 2 THEN 3 WHEN 1 THEN 2 ELSE 1 END DESC LIMIT 1)"

bole_status_t bole_store_outcomes(bole_store_t *store, int64_t from, int64_t to, uint64_t after,
                                  uint32_t limit, bole_store_outcome_fn fn, void *ctx, char *err,
                                  size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT l.id, l.request_id, l.source, l.weights_version,"
                                " l.talent_id, l.need_id, l.position, l.score, l.features, l.at, "
                                "coalesce(" FURTHEST_SQL ", 0) FROM feature_log l "
                                "WHERE l.at >= ? AND l.at < ? AND l.id > ? ORDER BY l.id LIMIT ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "outcomes", err, errlen);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
    sqlite3_bind_int64(st, 4, limit);
    bole_status_t s = BOLE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        float feats[MAX_FEATURES];
        size_t nf = (size_t)sqlite3_column_bytes(st, 8) / sizeof(float);
        if (nf > MAX_FEATURES)
            nf = MAX_FEATURES;
        if (nf)
            memcpy(feats, sqlite3_column_blob(st, 8), nf * sizeof(float));
        bole_store_outcome_t row = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .served = {
                .request_id = s_text(st, 1),
                .source = sqlite3_column_int(st, 2),
                .weights_version = s_text(st, 3),
                .talent_id = s_text(st, 4),
                .need_id = s_text(st, 5),
                .position = (uint32_t)sqlite3_column_int64(st, 6),
                .score = (float)sqlite3_column_double(st, 7),
                .features = feats,
                .n_features = nf,
                .at = sqlite3_column_int64(st, 9),
            },
            .outcome = sqlite3_column_int(st, 10),
        };
        if (fn(ctx, &row) != 0) {
            snprintf(err, errlen, "out of memory");
            s = BOLE_INTERNAL;
            break;
        }
    }
    if (s == BOLE_OK && rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "outcomes", err, errlen);
    sqlite3_finalize(st);
    return s;
}

static const char *const s_reached =
    "EXISTS (SELECT 1 FROM feedback f WHERE f.request_id = l.request_id AND "
    "f.talent_id = l.talent_id AND f.need_id = l.need_id AND f.kind IN ";

bole_status_t bole_store_feedback_funnel(bole_store_t *store, int64_t from, int64_t to,
                                         int source, bole_store_funnel_fn fn, void *ctx,
                                         char *err, size_t errlen)
{
    char sql[2048];
    /* Each step counts pairs that reached it or any later step. */
    snprintf(sql, sizeof sql,
             "SELECT l.source, l.weights_version, count(*),"
             " sum(%s(1,2,9,10,4,5,6))), sum(%s(2,9,10,4,5,6))), sum(%s(9,10,4,5,6))),"
             " sum(%s(4,5,6))), sum(%s(6))) "
             "FROM feature_log l WHERE l.at >= ? AND l.at < ? AND (? = 0 OR l.source = ?) "
             "GROUP BY l.source, l.weights_version ORDER BY l.source, l.weights_version",
             s_reached, s_reached, s_reached, s_reached, s_reached);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "funnel", err, errlen);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int(st, 3, source);
    sqlite3_bind_int(st, 4, source);
    bole_status_t s = BOLE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bole_store_funnel_t row = {
            .source = sqlite3_column_int(st, 0),
            .weights_version = s_text(st, 1),
            .served = (uint64_t)sqlite3_column_int64(st, 2),
            .impressions = (uint64_t)sqlite3_column_int64(st, 3),
            .clicks = (uint64_t)sqlite3_column_int64(st, 4),
            .applies = (uint64_t)sqlite3_column_int64(st, 5),
            .interviews = (uint64_t)sqlite3_column_int64(st, 6),
            .hires = (uint64_t)sqlite3_column_int64(st, 7),
        };
        if (fn(ctx, &row) != 0) {
            snprintf(err, errlen, "out of memory");
            s = BOLE_INTERNAL;
            break;
        }
    }
    if (s == BOLE_OK && rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "funnel", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_feedback_erase_talent(bole_store_t *store, const char *talent_id,
                                               uint64_t *n, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    *n = 0;
    /* One random pseudonym per erasure: feature logs and outcomes still join
     * on (request, pseudonym, need), and nothing links it back to the id. */
    unsigned char salt[8];
    randombytes_buf(salt, sizeof salt);
    char pseudonym[32];
    int len = snprintf(pseudonym, sizeof pseudonym, "erased:");
    for (size_t i = 0; i < sizeof salt; i++)
        len += snprintf(pseudonym + len, sizeof pseudonym - (size_t)len, "%02x", salt[i]);
    const char *const sql[] = {
        "UPDATE feature_log SET talent_id = ?1 WHERE talent_id = ?2",
        "UPDATE feedback SET talent_id = ?1 WHERE talent_id = ?2",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *stmt = NULL;
        int rc = sqlite3_prepare_v2(db, sql[i], -1, &stmt, NULL);
        if (rc != SQLITE_OK)
            return bole_store_fail(db, rc, "pseudonymise feedback", err, errlen);
        sqlite3_bind_text(stmt, 1, pseudonym, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, talent_id, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
            return bole_store_fail(db, rc, "pseudonymise feedback", err, errlen);
        *n += (uint64_t)sqlite3_changes(db);
    }
    return BOLE_OK;
}
