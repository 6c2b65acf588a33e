/*
 * store_trend.c - the SQLite side of trends: the trend_rows table (insert
 * in the writer's transaction, scan in row order, and the one-time repair
 * of a store written by the previous after-commit scheme). See
 * docs/TRENDS.md.
 *
 * One row per write: a put's 8-25 deltas are packed into one BLOB
 * (format v1 below), so the writer does one B-tree insert per put instead
 * of one per delta plus as many index entries. With a row per delta the
 * trend rows were half of the writer's CPU during a bulk load and about
 * 40 % of the load's time (docs/BENCHMARKS.md, 29 Nov).
 *
 * Format v1 of trend_rows.deltas: the byte 1, then per delta
 *   u8 flags        bit 0: zone as the previous delta's; bit 1: industries too
 *   u8 dimension    bole.TrendDimension
 *   svarint supply, svarint demand, svarint at - the row's at
 *   varint length + bytes: key; then zone, industries unless flagged
 * (varint: 7 bits per byte, low first; svarint: zigzag, then varint).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "store_int.h"

#define PACK_VERSION 1
#define FLAG_SAME_ZONE 1
#define FLAG_SAME_INDUSTRIES 2

static void s_put_str(bole_bytebuf_t *b, const char *str)
{
    size_t len = strlen(str);
    bole_bytebuf_put_varint(b, len);
    bole_bytebuf_put(b, str, len);
}

static const char *s_zone(const bole_store_trend_delta_t *d) { return d->zone ? d->zone : ""; }
static const char *s_industries(const bole_store_trend_delta_t *d)
{
    return d->industries ? d->industries : ",";
}

/* Packs n >= 1 deltas (format v1) into b; the row's at is deltas[0].at. */
static void s_pack(bole_bytebuf_t *b, size_t n, const bole_store_trend_delta_t *d)
{
    bole_bytebuf_put_le(b, PACK_VERSION, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char head[2] = {0, (unsigned char)d[i].dimension};
        if (i > 0 && strcmp(s_zone(&d[i]), s_zone(&d[i - 1])) == 0)
            head[0] |= FLAG_SAME_ZONE;
        if (i > 0 && strcmp(s_industries(&d[i]), s_industries(&d[i - 1])) == 0)
            head[0] |= FLAG_SAME_INDUSTRIES;
        bole_bytebuf_put(b, head, 2);
        bole_bytebuf_put_svarint(b, d[i].supply);
        bole_bytebuf_put_svarint(b, d[i].demand);
        bole_bytebuf_put_svarint(b, d[i].at - d[0].at);
        s_put_str(b, d[i].key);
        if (!(head[0] & FLAG_SAME_ZONE))
            s_put_str(b, s_zone(&d[i]));
        if (!(head[0] & FLAG_SAME_INDUSTRIES))
            s_put_str(b, s_industries(&d[i]));
    }
}

/* A packed row being read; its strings are copied, NUL-terminated, into
 * text (which a row's strings always fit: see s_unpack). */
typedef struct {
    const unsigned char *p, *end;
    char *text;
    size_t text_used, text_cap;
} unpack_t;

static const char *s_get_str(unpack_t *u)
{
    uint64_t len;
    if (bole_varint_read(&u->p, u->end, &len) != 0 || len > (uint64_t)(u->end - u->p) ||
        u->text_used + len + 1 > u->text_cap)
        return NULL;
    char *s = u->text + u->text_used;
    memcpy(s, u->p, (size_t)len);
    s[len] = '\0';
    if (memchr(s, '\0', (size_t)len))
        return NULL;
    u->p += len;
    u->text_used += (size_t)len + 1;
    return s;
}

/* Calls fn(ctx, n, delta) for each delta of a packed row, in order.
 * Returns 0, -1 if the row is damaged, or 1 if fn stopped. */
static int s_unpack(const void *blob, size_t len, int64_t n, int64_t at, char **text,
                    size_t *text_cap, bole_store_trend_row_fn fn, void *ctx)
{
    const unsigned char *p = blob;
    if (len < 1 || p[0] != PACK_VERSION)
        return -1;
    /* Each string's bytes are in the blob, plus one NUL each: at most
     * three strings per delta, and a delta takes at least 7 bytes. */
    if (*text_cap < 2 * len + 16) {
        char *t = realloc(*text, 2 * len + 16);
        if (!t)
            return -1;
        *text = t;
        *text_cap = 2 * len + 16;
    }
    unpack_t u = {p + 1, p + len, *text, 0, *text_cap};
    const char *zone = NULL, *industries = NULL;
    while (u.p < u.end) {
        if (u.end - u.p < 2)
            return -1;
        unsigned flags = u.p[0];
        bole_store_trend_delta_t d = {.dimension = u.p[1]};
        u.p += 2;
        int64_t dt;
        if (bole_svarint_read(&u.p, u.end, &d.supply) != 0 ||
            bole_svarint_read(&u.p, u.end, &d.demand) != 0 ||
            bole_svarint_read(&u.p, u.end, &dt) != 0 || !(d.key = s_get_str(&u)))
            return -1;
        d.at = at + dt;
        if (!(flags & FLAG_SAME_ZONE))
            zone = s_get_str(&u);
        if (!(flags & FLAG_SAME_INDUSTRIES))
            industries = s_get_str(&u);
        if (!zone || !industries)
            return -1;
        d.zone = zone;
        d.industries = industries;
        if (fn(ctx, n, &d) != 0)
            return 1;
    }
    return 0;
}

bole_status_t bole_store_trend_insert(bole_store_t *store, size_t n,
                                      const bole_store_trend_delta_t *deltas, int64_t *last_n,
                                      char *err, size_t errlen)
{
    *last_n = 0;
    if (n == 0)
        return BOLE_OK;
    bole_bytebuf_t b = BOLE_BYTEBUF_INIT;
    s_pack(&b, n, deltas);
    if (b.failed) {
        free(b.p);
        snprintf(err, errlen, "trend insert: out of memory");
        return BOLE_INTERNAL;
    }
    int rc;
    sqlite3_stmt *st = bole_store_stmt(store, BOLE_STMT_TREND_INSERT,
                                       "INSERT INTO trend_rows(at, deltas) VALUES (?, ?)", &rc);
    if (!st) {
        free(b.p);
        return bole_store_fail(store->db, rc, "prepare trend insert", err, errlen);
    }
    sqlite3_bind_int64(st, 1, deltas[0].at);
    sqlite3_bind_blob(st, 2, b.p, (int)b.n, SQLITE_STATIC);
    rc = sqlite3_step(st);
    bole_store_stmt_done(st);
    free(b.p);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "trend insert", err, errlen);
    /* n is INTEGER PRIMARY KEY (a rowid alias) and never given: each row
     * gets max(n) + 1. */
    *last_n = (int64_t)sqlite3_last_insert_rowid(store->db);
    return BOLE_OK;
}

bole_status_t bole_store_trend_scan_rows(bole_store_t *store, int64_t after, int64_t until,
                                         bole_store_trend_row_fn fn, void *ctx,
                                         int64_t *last_n, char *err, size_t errlen)
{
    if (last_n)
        *last_n = after;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT n, at, deltas FROM trend_rows "
                                "WHERE n > ?1 AND n <= ?2 ORDER BY n",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, until);
    char *text = NULL;
    size_t text_cap = 0;
    bole_status_t status = BOLE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 0);
        const void *blob = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        int got = s_unpack(blob, len, n, sqlite3_column_int64(st, 1), &text, &text_cap, fn, ctx);
        if (got != 0) {
            if (got < 0)
                snprintf(err, errlen, "trend row %lld is damaged (or out of memory)",
                         (long long)n);
            else
                snprintf(err, errlen, "trend scan stopped (out of memory)");
            status = BOLE_INTERNAL;
            break;
        }
        if (last_n)
            *last_n = n;
    }
    sqlite3_finalize(st);
    free(text);
    if (status == BOLE_OK && rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "trend scan", err, errlen);
    return status;
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

typedef struct {
    int dimension;
    bole_store_trend_fn fn;
    void *ctx;
} dim_scan_t;

static int s_dim_delta(void *ctx, int64_t n, const bole_store_trend_delta_t *d)
{
    (void)n;
    const dim_scan_t *s = ctx;
    if (s->dimension && d->dimension != s->dimension)
        return 0;
    return s->fn(s->ctx, d);
}

bole_status_t bole_store_trend_scan(bole_store_t *store, int dimension, bole_store_trend_fn fn,
                                    void *ctx, char *err, size_t errlen)
{
    dim_scan_t s = {dimension, fn, ctx};
    return bole_store_trend_scan_rows(store, 0, INT64_MAX, s_dim_delta, &s, NULL, err, errlen);
}

#define TEMP_INSERT_SQL(table) \
    "INSERT INTO " table "(at, dim, key, zone, industries, supply, demand) " \
    "VALUES (?, ?, ?, ?, ?, ?, ?)"

static int s_temp_insert(sqlite3_stmt *st, const bole_store_trend_delta_t *d)
{
    sqlite3_bind_int64(st, 1, d->at);
    sqlite3_bind_int(st, 2, d->dimension);
    sqlite3_bind_text(st, 3, d->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s_zone(d), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s_industries(d), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, d->supply);
    sqlite3_bind_int64(st, 7, d->demand);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int s_stored_row(void *ctx, int64_t n, const bole_store_trend_delta_t *d)
{
    (void)n;
    return s_temp_insert(ctx, d);
}

static const char *s_column_dup(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    return strdup(text ? text : "");
}

/* Corrective rows are stored this many deltas to a row. */
#define RECONCILE_ROW_DELTAS 256

bole_status_t bole_store_trend_reconcile(bole_store_t *store, int64_t now, size_t n,
                                         const bole_store_trend_delta_t *expected,
                                         size_t *added, char *err, size_t errlen)
{
    *added = 0;
    /* The stored deltas are unpacked into a temporary table so that SQL
     * can net them against the expected ones. */
    bole_status_t st = bole_store_exec(store->db,
        "CREATE TEMP TABLE IF NOT EXISTS trend_expected ("
        "  at INTEGER, dim INTEGER, key TEXT, zone TEXT, industries TEXT,"
        "  supply INTEGER, demand INTEGER);"
        "CREATE TEMP TABLE IF NOT EXISTS trend_stored ("
        "  at INTEGER, dim INTEGER, key TEXT, zone TEXT, industries TEXT,"
        "  supply INTEGER, demand INTEGER);"
        "DELETE FROM temp.trend_expected; DELETE FROM temp.trend_stored;"
        "BEGIN IMMEDIATE", err, errlen);
    if (st != BOLE_OK)
        return st;
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_prepare_v2(store->db, TEMP_INSERT_SQL("temp.trend_expected"), -1, &ins,
                                NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        if (s_temp_insert(ins, &expected[i]) != 0)
            rc = SQLITE_ERROR;
    sqlite3_finalize(ins);
    if (rc != SQLITE_OK)
        st = bole_store_fail(store->db, rc, "trend reconcile", err, errlen);
    if (st == BOLE_OK) {
        rc = sqlite3_prepare_v2(store->db, TEMP_INSERT_SQL("temp.trend_stored"), -1, &ins,
                                NULL);
        if (rc != SQLITE_OK)
            st = bole_store_fail(store->db, rc, "trend reconcile", err, errlen);
        else
            st = bole_store_trend_scan_rows(store, 0, INT64_MAX, s_stored_row, ins, NULL, err,
                                            errlen);
        sqlite3_finalize(ins);
    }
    /* expected - stored, where stored deltas up to now count at now. */
    sqlite3_stmt *sel = NULL;
    if (st == BOLE_OK) {
        char sql[1024];
        snprintf(sql, sizeof sql,
            "SELECT at, dim, key, zone, industries, SUM(supply), SUM(demand) FROM ("
            "  SELECT at, dim, key, zone, industries, supply, demand FROM temp.trend_expected"
            "  UNION ALL"
            "  SELECT MAX(at, %lld), dim, key, zone, industries, -supply, -demand"
            "  FROM temp.trend_stored) "
            "GROUP BY at, dim, key, zone, industries "
            "HAVING SUM(supply) != 0 OR SUM(demand) != 0 "
            "ORDER BY at", (long long)now);
        rc = sqlite3_prepare_v2(store->db, sql, -1, &sel, NULL);
        if (rc != SQLITE_OK)
            st = bole_store_fail(store->db, rc, "trend reconcile", err, errlen);
    }
    /* The differences, in time order, RECONCILE_ROW_DELTAS to a row; the
     * column texts are copied (they live until the next step). */
    bole_store_trend_delta_t batch[RECONCILE_ROW_DELTAS];
    size_t nb = 0;
    while (st == BOLE_OK) {
        rc = sel ? sqlite3_step(sel) : SQLITE_DONE;
        if (rc == SQLITE_ROW) {
            bole_store_trend_delta_t d = {
                .at = sqlite3_column_int64(sel, 0),
                .dimension = sqlite3_column_int(sel, 1),
                .key = s_column_dup(sel, 2),
                .zone = s_column_dup(sel, 3),
                .industries = s_column_dup(sel, 4),
                .supply = sqlite3_column_int64(sel, 5),
                .demand = sqlite3_column_int64(sel, 6),
            };
            batch[nb++] = d;
            if (!d.key || !d.zone || !d.industries) {
                snprintf(err, errlen, "trend reconcile: out of memory");
                st = BOLE_INTERNAL;
            }
        } else if (rc != SQLITE_DONE) {
            st = bole_store_fail(store->db, rc, "trend reconcile", err, errlen);
        }
        if (st == BOLE_OK && nb > 0 && (rc == SQLITE_DONE || nb == RECONCILE_ROW_DELTAS)) {
            int64_t last = 0;
            st = bole_store_trend_insert(store, nb, batch, &last, err, errlen);
            if (st == BOLE_OK)
                *added += nb;
        }
        if (nb == RECONCILE_ROW_DELTAS || rc != SQLITE_ROW || st != BOLE_OK) {
            for (size_t i = 0; i < nb; i++) {
                free((char *)batch[i].key);
                free((char *)batch[i].zone);
                free((char *)batch[i].industries);
            }
            nb = 0;
        }
        if (rc != SQLITE_ROW)
            break;
    }
    sqlite3_finalize(sel);
    if (st == BOLE_OK)
        st = bole_store_exec(store->db,
                             "COMMIT; DELETE FROM temp.trend_expected; "
                             "DELETE FROM temp.trend_stored;", err, errlen);
    if (st != BOLE_OK)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* SQL function bole_trend_pack_v1(at, dim, key, zone, industries, supply,
 * demand): one delta packed as a trend_rows.deltas blob. Registered only
 * while migrating: the "trend rows" migration converts the old one-row-
 * per-delta table with it, keeping each row's n. */
void bole_store_trend_pack_v1(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc != 7) {
        sqlite3_result_error(ctx, "bole_trend_pack_v1: 7 arguments", -1);
        return;
    }
    const char *key = (const char *)sqlite3_value_text(argv[2]);
    const char *zone = (const char *)sqlite3_value_text(argv[3]);
    const char *industries = (const char *)sqlite3_value_text(argv[4]);
    bole_store_trend_delta_t d = {
        .at = sqlite3_value_int64(argv[0]),
        .dimension = sqlite3_value_int(argv[1]),
        .key = key ? key : "",
        .zone = zone,
        .industries = industries,
        .supply = sqlite3_value_int64(argv[5]),
        .demand = sqlite3_value_int64(argv[6]),
    };
    bole_bytebuf_t b = BOLE_BYTEBUF_INIT;
    s_pack(&b, 1, &d);
    if (b.failed) {
        free(b.p);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, b.p, (int)b.n, free);
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
