/*
 * store_trend.c - the SQLite side of trends: the trend_delta table (insert
 * in the writer's transaction, scan in time order, and the one-time repair
 * of a store written by the previous after-commit scheme). See
 * docs/TRENDS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define INSERT_SQL(table) \
    "INSERT INTO " table "(at, dim, key, zone, industries, supply, demand) VALUES "
#define INSERT_ROW_SQL "(?, ?, ?, ?, ?, ?, ?)"
#define INSERT_ROW_PARAMS 7

/* Binds n deltas to an INSERT of n rows and steps it once (then resets). */
static int s_insert_rows(sqlite3_stmt *st, size_t n, const bole_store_trend_delta_t *d)
{
    for (size_t i = 0; i < n; i++) {
        int p = (int)i * INSERT_ROW_PARAMS;
        sqlite3_bind_int64(st, p + 1, d[i].at);
        sqlite3_bind_int(st, p + 2, d[i].dimension);
        sqlite3_bind_text(st, p + 3, d[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, p + 4, d[i].zone ? d[i].zone : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, p + 5, d[i].industries ? d[i].industries : ",", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, p + 6, d[i].supply);
        sqlite3_bind_int64(st, p + 7, d[i].demand);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

bole_status_t bole_store_trend_insert(bole_store_t *store, size_t n,
                                      const bole_store_trend_delta_t *deltas, int64_t *last_n,
                                      char *err, size_t errlen)
{
    *last_n = 0;
    /* This runs for every put, on the writer thread: one kept multi-row
     * statement per row count, so a put usually costs one step (a step per
     * row spent a fifth of the insert time in per-statement overhead). */
    while (n > 0) {
        size_t rows = n < BOLE_TREND_INSERT_ROWS ? n : BOLE_TREND_INSERT_ROWS;
        bole_stmt_t which = (bole_stmt_t)(BOLE_STMT_TREND_INSERT + rows - 1);
        char sql[sizeof INSERT_SQL("trend_delta") +
                 BOLE_TREND_INSERT_ROWS * sizeof "," INSERT_ROW_SQL] = "";
        if (!store->stmts[which]) {
            size_t len = (size_t)snprintf(sql, sizeof sql, "%s", INSERT_SQL("trend_delta"));
            for (size_t i = 0; i < rows; i++)
                len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? "," : "",
                                        INSERT_ROW_SQL);
        }
        int rc;
        sqlite3_stmt *st = bole_store_stmt(store, which, sql, &rc);
        if (!st)
            return bole_store_fail(store->db, rc, "prepare trend insert", err, errlen);
        rc = s_insert_rows(st, rows, deltas);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE)
            return bole_store_fail(store->db, rc, "trend insert", err, errlen);
        /* n is INTEGER PRIMARY KEY (a rowid alias) and never given: each row
         * gets max(n) + 1, so the rows of one call are consecutive. */
        *last_n = (int64_t)sqlite3_last_insert_rowid(store->db);
        deltas += rows;
        n -= rows;
    }
    return BOLE_OK;
}

bole_status_t bole_store_trend_scan_rows(bole_store_t *store, int64_t after, int64_t until,
                                         bole_store_trend_row_fn fn, void *ctx,
                                         int64_t *last_n, char *err, size_t errlen)
{
    *last_n = after;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT n, at, dim, key, zone, industries, supply, demand "
                                "FROM trend_delta WHERE n > ?1 AND n <= ?2 ORDER BY n",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, until);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 0);
        bole_store_trend_delta_t d = {
            .at = sqlite3_column_int64(st, 1),
            .dimension = sqlite3_column_int(st, 2),
            .key = (const char *)sqlite3_column_text(st, 3),
            .zone = (const char *)sqlite3_column_text(st, 4),
            .industries = (const char *)sqlite3_column_text(st, 5),
            .supply = sqlite3_column_int64(st, 6),
            .demand = sqlite3_column_int64(st, 7),
        };
        if (!d.key || !d.zone || !d.industries || fn(ctx, n, &d) != 0) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "trend scan stopped (out of memory)");
            return BOLE_INTERNAL;
        }
        *last_n = n;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_trend_snapshot_get(bole_store_t *store, void **data, size_t *len,
                                            char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db, "SELECT data FROM trend_snapshot WHERE id = 1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend snapshot read", err, errlen);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *data = malloc(n ? n : 1);
        if (!*data) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "trend snapshot read: out of memory");
            return BOLE_INTERNAL;
        }
        if (n)
            memcpy(*data, blob, n);
        *len = n;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*data);
        *data = NULL;
        *len = 0;
        return bole_store_fail(store->db, rc, "trend snapshot read", err, errlen);
    }
    return BOLE_OK;
}

bole_status_t bole_store_trend_snapshot_put(bole_store_t *store, int64_t upto, const void *data,
                                            size_t len, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT OR REPLACE INTO trend_snapshot(id, upto, written_at, data) "
                                "VALUES (1, ?1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), ?2)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend snapshot write", err, errlen);
    sqlite3_bind_int64(st, 1, upto);
    sqlite3_bind_blob64(st, 2, data, (sqlite3_uint64)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "trend snapshot write", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_trend_scan(bole_store_t *store, int dimension, bole_store_trend_fn fn,
                                    void *ctx, char *err, size_t errlen)
{
    const char *sql = dimension
        ? "SELECT at, dim, key, zone, industries, supply, demand FROM trend_delta "
          "WHERE dim = ? ORDER BY at, n"
        : "SELECT at, dim, key, zone, industries, supply, demand FROM trend_delta";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    if (dimension)
        sqlite3_bind_int(st, 1, dimension);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bole_store_trend_delta_t d = {
            .at = sqlite3_column_int64(st, 0),
            .dimension = sqlite3_column_int(st, 1),
            .key = (const char *)sqlite3_column_text(st, 2),
            .zone = (const char *)sqlite3_column_text(st, 3),
            .industries = (const char *)sqlite3_column_text(st, 4),
            .supply = sqlite3_column_int64(st, 5),
            .demand = sqlite3_column_int64(st, 6),
        };
        if (!d.key || !d.zone || !d.industries || fn(ctx, &d) != 0) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "trend scan stopped (out of memory)");
            return BOLE_INTERNAL;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_trend_reconcile(bole_store_t *store, int64_t now, size_t n,
                                         const bole_store_trend_delta_t *expected,
                                         size_t *added, char *err, size_t errlen)
{
    *added = 0;
    bole_status_t st = bole_store_exec(store->db,
        "CREATE TEMP TABLE IF NOT EXISTS trend_expected ("
        "  n INTEGER PRIMARY KEY, at INTEGER, dim INTEGER, key TEXT, zone TEXT,"
        "  industries TEXT, supply INTEGER, demand INTEGER);"
        "DELETE FROM temp.trend_expected;"
        "BEGIN IMMEDIATE", err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_prepare_v2(store->db, INSERT_SQL("temp.trend_expected") INSERT_ROW_SQL, -1,
                                &ins, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        rc = s_insert_rows(ins, 1, &expected[i]);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(ins);
    if (rc != SQLITE_OK)
        st = bole_store_fail(store->db, rc, "trend reconcile", err, errlen);
    if (st == BOLE_OK) {
        /* expected - stored, where stored deltas up to now count at now. */
        char sql[1024];
        snprintf(sql, sizeof sql,
            "INSERT INTO trend_delta(at, dim, key, zone, industries, supply, demand) "
            "SELECT at, dim, key, zone, industries, SUM(supply), SUM(demand) FROM ("
            "  SELECT at, dim, key, zone, industries, supply, demand FROM temp.trend_expected"
            "  UNION ALL"
            "  SELECT MAX(at, %lld), dim, key, zone, industries, -supply, -demand"
            "  FROM trend_delta) "
            "GROUP BY at, dim, key, zone, industries "
            "HAVING SUM(supply) != 0 OR SUM(demand) != 0 "
            "ORDER BY at", (long long)now);
        st = bole_store_exec(store->db, sql, err, errlen);
    }
    if (st == BOLE_OK) {
        *added = (size_t)sqlite3_changes(store->db);
        st = bole_store_exec(store->db, "COMMIT; DELETE FROM temp.trend_expected;", err, errlen);
    }
    if (st != BOLE_OK)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

bole_status_t bole_store_trend_take_clean(bole_store_t *store, uint64_t *seq, char *err,
                                          size_t errlen)
{
    long long v = 0;
    *seq = 0;
    int rc = bole_store_query_int(store->db,
                                  "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                                  "WHERE key = 'trend_clean_seq'), 0)", &v);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend marker", err, errlen);
    if (v > 0) {
        bole_status_t st = bole_store_exec(store->db,
                                           "DELETE FROM meta WHERE key = 'trend_clean_seq'",
                                           err, errlen);
        if (st != BOLE_OK)
            return st;
        *seq = (uint64_t)v;
    }
    return BOLE_OK;
}

bole_status_t bole_store_trend_in_txn(bole_store_t *store, int set, int *on, char *err,
                                      size_t errlen)
{
    if (set) {
        *on = 1;
        return bole_store_exec(store->db,
                               "INSERT OR REPLACE INTO meta(key, value) VALUES ('trend_in_txn', '1')",
                               err, errlen);
    }
    long long v = 0;
    int rc = bole_store_query_int(store->db,
                                  "SELECT count(*) FROM meta WHERE key = 'trend_in_txn'", &v);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend marker", err, errlen);
    *on = v > 0;
    return BOLE_OK;
}
