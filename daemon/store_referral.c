/*
 * store_referral.c - SQLite side of referrals, award lines, award rules and
 * the hash-chained ledger (store.h "referrals" section; ledger format in
 * docs/AWARD.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award.h"
#include "ledger.h"
#include "store_int.h"

static char *s_dup(const unsigned char *s)
{
    const char *t = s ? (const char *)s : "";
    size_t n = strlen(t) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, t, n);
    return p;
}

static const char *s_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static bole_status_t s_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
                               size_t errlen)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare", err, errlen);
    return BOLE_OK;
}

/* Steps a statement that returns no row; finalizes it. */
static bole_status_t s_done(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err,
                            size_t errlen)
{
    int rc = sqlite3_step(st);
    bole_status_t s = BOLE_OK;
    if (rc != SQLITE_DONE)
        s = bole_store_fail(db, rc, what, err, errlen);
    sqlite3_finalize(st);
    return s;
}

void bole_store_referral_free(bole_store_referral_t *r)
{
    if (!r)
        return;
    free(r->referrer_id);
    free(r->referrer_name);
    free(r->referrer_zone);
    free(r->talent_id);
    free(r->need_id);
    free(r->note);
    memset(r, 0, sizeof *r);
}

bole_status_t bole_store_referral_by_token(bole_store_t *store, const char *token, int64_t *id,
                                           char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *id = 0;
    bole_status_t s = s_prepare(store->db, "SELECT id FROM referrals WHERE client_token = ?",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        s = BOLE_NOT_FOUND;
    else
        s = bole_store_fail(store->db, rc, "referral by token", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_referral_count_open(bole_store_t *store, const char *referrer_id,
                                             int64_t from, int64_t to, uint32_t *n, char *err,
                                             size_t errlen)
{
    sqlite3_stmt *st;
    *n = 0;
    bole_status_t s = s_prepare(store->db,
                                "SELECT count(*) FROM referrals WHERE referrer_id = ? AND "
                                "created_at >= ? AND created_at < ? AND stage NOT IN (6,7,8,9)",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = (uint32_t)sqlite3_column_int64(st, 0);
    else
        s = bole_store_fail(store->db, rc, "count open referrals", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_talent_first_seen(bole_store_t *store, int64_t talent, int64_t *at,
                                           char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *at = 0;
    bole_status_t s = s_prepare(store->db,
                                "SELECT coalesce(min(at), 0) FROM change_log WHERE "
                                "entity = 'talent' AND entity_id = ? AND op = 'put'",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, talent);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *at = sqlite3_column_int64(st, 0);
    else
        s = bole_store_fail(store->db, rc, "talent first seen", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_referrer_kind(bole_store_t *store, const char *referrer_id, int *kind,
                                       char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *kind = 0;
    bole_status_t s = s_prepare(store->db, "SELECT kind FROM referrers WHERE id = ?", &st, err,
                                errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, referrer_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *kind = sqlite3_column_int(st, 0);
    else if (rc == SQLITE_DONE)
        s = BOLE_NOT_FOUND;
    else
        s = bole_store_fail(store->db, rc, "referrer kind", err, errlen);
    sqlite3_finalize(st);
    return s;
}

/* The talent's salt, created when missing and create is set. *found = 0 if
 * there is none (erased, or never referred). */
static bole_status_t s_salt(sqlite3 *db, const char *talent_id, int create,
                            uint8_t salt[BOLE_LEDGER_SALT_BYTES], int *found, char *err,
                            size_t errlen)
{
    sqlite3_stmt *st;
    *found = 0;
    bole_status_t s = s_prepare(db, "SELECT salt FROM talent_salts WHERE talent_id = ?", &st,
                                err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, talent_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == BOLE_LEDGER_SALT_BYTES) {
        memcpy(salt, sqlite3_column_blob(st, 0), BOLE_LEDGER_SALT_BYTES);
        *found = 1;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        s = bole_store_fail(db, rc, "talent salt", err, errlen);
    }
    sqlite3_finalize(st);
    if (s != BOLE_OK || *found || !create)
        return s;
    bole_ledger_new_salt(salt);
    s = s_prepare(db, "INSERT INTO talent_salts(talent_id, salt) VALUES (?, ?)", &st, err,
                  errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, talent_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, salt, BOLE_LEDGER_SALT_BYTES, SQLITE_STATIC);
    s = s_done(db, st, "insert talent salt", err, errlen);
    if (s == BOLE_OK)
        *found = 1;
    return s;
}

bole_status_t bole_store_referral_insert(bole_store_t *store, const bole_store_referral_t *r,
                                         const char *token, int64_t *id, char *err,
                                         size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(db,
                                "INSERT INTO referrers(id, kind, name, zone) VALUES (?,?,?,?) "
                                "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                                "zone = excluded.zone",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, r->referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->referrer_kind);
    sqlite3_bind_text(st, 3, r->referrer_name ? r->referrer_name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->referrer_zone ? r->referrer_zone : "", -1, SQLITE_STATIC);
    s = s_done(db, st, "upsert referrer", err, errlen);
    if (s != BOLE_OK)
        return s;
    s = s_prepare(db,
                  "INSERT INTO referrals(referrer_id, talent_id, need_id, note, stage, duplicate,"
                  " credited, credited_by, new_talent, urgent_need, high_level, urgently_needed,"
                  " created_at, updated_at, hired_at, client_token) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, r->referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->talent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->need_id ? r->need_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->note ? r->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->stage);
    sqlite3_bind_int(st, 6, r->duplicate);
    sqlite3_bind_int(st, 7, r->credited);
    sqlite3_bind_int64(st, 8, r->credited_by);
    sqlite3_bind_int(st, 9, r->new_talent);
    sqlite3_bind_int(st, 10, r->urgent_need);
    sqlite3_bind_int(st, 11, r->high_level);
    sqlite3_bind_int(st, 12, r->urgently_needed);
    sqlite3_bind_int64(st, 13, r->created_at);
    sqlite3_bind_int64(st, 14, r->updated_at);
    sqlite3_bind_int64(st, 15, r->hired_at);
    if (token && *token)
        sqlite3_bind_text(st, 16, token, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 16);
    s = s_done(db, st, "insert referral", err, errlen);
    if (s != BOLE_OK)
        return s;
    *id = sqlite3_last_insert_rowid(db);
    uint8_t salt[BOLE_LEDGER_SALT_BYTES];
    int found;
    return s_salt(db, r->talent_id, 1, salt, &found, err, errlen);
}

bole_status_t bole_store_referral_get(bole_store_t *store, int64_t id, bole_store_referral_t *out,
                                      char *err, size_t errlen)
{
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    bole_status_t s = s_prepare(
        store->db,
        "SELECT r.id, r.referrer_id, p.kind, p.name, p.zone, r.talent_id, r.need_id, r.note,"
        " r.stage, r.duplicate, r.credited, r.credited_by, r.new_talent, r.urgent_need,"
        " r.high_level, r.urgently_needed, r.created_at, r.updated_at, r.hired_at,"
        " (SELECT coalesce(sum(points), 0) FROM referral_awards a WHERE a.referral_id = r.id) "
        "FROM referrals r JOIN referrers p ON p.id = r.referrer_id WHERE r.id = ?",
        &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->referrer_id = s_dup(sqlite3_column_text(st, 1));
        out->referrer_kind = sqlite3_column_int(st, 2);
        out->referrer_name = s_dup(sqlite3_column_text(st, 3));
        out->referrer_zone = s_dup(sqlite3_column_text(st, 4));
        out->talent_id = s_dup(sqlite3_column_text(st, 5));
        out->need_id = s_dup(sqlite3_column_text(st, 6));
        out->note = s_dup(sqlite3_column_text(st, 7));
        out->stage = sqlite3_column_int(st, 8);
        out->duplicate = sqlite3_column_int(st, 9);
        out->credited = sqlite3_column_int(st, 10);
        out->credited_by = sqlite3_column_int64(st, 11);
        out->new_talent = sqlite3_column_int(st, 12);
        out->urgent_need = sqlite3_column_int(st, 13);
        out->high_level = sqlite3_column_int(st, 14);
        out->urgently_needed = sqlite3_column_int(st, 15);
        out->created_at = sqlite3_column_int64(st, 16);
        out->updated_at = sqlite3_column_int64(st, 17);
        out->hired_at = sqlite3_column_int64(st, 18);
        out->points = sqlite3_column_double(st, 19);
        if (!out->referrer_id || !out->referrer_name || !out->referrer_zone || !out->talent_id ||
            !out->need_id || !out->note) {
            bole_store_referral_free(out);
            snprintf(err, errlen, "out of memory");
            s = BOLE_INTERNAL;
        }
    } else if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no referral with id 'R-%lld'", (long long)id);
        s = BOLE_NOT_FOUND;
    } else {
        s = bole_store_fail(store->db, rc, "get referral", err, errlen);
    }
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_referral_update(bole_store_t *store, const bole_store_referral_t *r,
                                         char *err, size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(store->db,
                                "UPDATE referrals SET stage = ?, updated_at = ?, duplicate = ?,"
                                " credited = ?, credited_by = ?, hired_at = ? WHERE id = ?",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int(st, 1, r->stage);
    sqlite3_bind_int64(st, 2, r->updated_at);
    sqlite3_bind_int(st, 3, r->duplicate);
    sqlite3_bind_int(st, 4, r->credited);
    sqlite3_bind_int64(st, 5, r->credited_by);
    sqlite3_bind_int64(st, 6, r->hired_at);
    sqlite3_bind_int64(st, 7, r->id);
    return s_done(store->db, st, "update referral", err, errlen);
}

bole_status_t bole_store_referral_credit_holder(bole_store_t *store, const char *talent_id,
                                                const char *need_id, int64_t *holder, char *err,
                                                size_t errlen)
{
    sqlite3_stmt *st;
    *holder = 0;
    bole_status_t s = s_prepare(store->db,
                                "SELECT id FROM referrals WHERE talent_id = ? AND need_id = ? "
                                "AND credited = 1 ORDER BY id LIMIT 1",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, talent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, need_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *holder = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "credit holder", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_award_add(bole_store_t *store, const bole_store_award_t *a, char *err,
                                   size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(store->db,
                                "INSERT INTO referral_awards(referral_id, referrer_id, stage, rule,"
                                " base, multiplier, points, at, rules_version) "
                                "VALUES (?,?,?,?,?,?,?,?,?)",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, a->referral_id);
    sqlite3_bind_text(st, 2, a->referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, a->stage);
    sqlite3_bind_text(st, 4, a->rule, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, a->base);
    sqlite3_bind_double(st, 6, a->multiplier);
    sqlite3_bind_double(st, 7, a->points);
    sqlite3_bind_int64(st, 8, a->at);
    sqlite3_bind_text(st, 9, a->rules_version, -1, SQLITE_STATIC);
    return s_done(store->db, st, "insert award", err, errlen);
}

bole_status_t bole_store_award_stage_points(bole_store_t *store, int64_t referral_id, int stage,
                                            double *sum, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *sum = 0;
    bole_status_t s = s_prepare(store->db,
                                "SELECT coalesce(sum(points), 0) FROM referral_awards "
                                "WHERE referral_id = ? AND stage = ?",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, referral_id);
    sqlite3_bind_int(st, 2, stage);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *sum = sqlite3_column_double(st, 0);
    else
        s = bole_store_fail(store->db, rc, "stage points", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_award_list(bole_store_t *store, const char *referrer_id, int64_t from,
                                    int64_t to, bole_store_award_fn fn, void *ctx, char *err,
                                    size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(
        store->db,
        "SELECT a.referral_id, a.referrer_id, r.talent_id, r.need_id, a.stage, a.rule, a.base,"
        " a.multiplier, a.points, a.at, a.rules_version FROM referral_awards a "
        "JOIN referrals r ON r.id = a.referral_id "
        "WHERE a.referrer_id = ? AND a.at >= ? AND a.at < ? ORDER BY a.at, a.id",
        &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bole_store_award_t a = {
            .referral_id = sqlite3_column_int64(st, 0),
            .referrer_id = s_text(st, 1),
            .talent_id = s_text(st, 2),
            .need_id = s_text(st, 3),
            .stage = sqlite3_column_int(st, 4),
            .rule = s_text(st, 5),
            .base = sqlite3_column_double(st, 6),
            .multiplier = sqlite3_column_double(st, 7),
            .points = sqlite3_column_double(st, 8),
            .at = sqlite3_column_int64(st, 9),
            .rules_version = s_text(st, 10),
        };
        if (fn(ctx, &a) != 0) {
            snprintf(err, errlen, "out of memory");
            sqlite3_finalize(st);
            return BOLE_INTERNAL;
        }
    }
    if (rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "list awards", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_award_rules_record(bole_store_t *store, const char *version,
                                            const char *text, int64_t at, char *err,
                                            size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(store->db, "SELECT text FROM award_rules WHERE version = ?", &st,
                                err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int same = strcmp(s_text(st, 0), text) == 0;
        sqlite3_finalize(st);
        if (same)
            return BOLE_OK;
        snprintf(err, errlen, "award rules version '%s' is already recorded with a different "
                 "text: bump the version in award_rules.conf", version);
        return BOLE_FAILED_PRECONDITION;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bole_store_fail(store->db, rc, "award rules", err, errlen);
    s = s_prepare(store->db,
                  "INSERT INTO award_rules(version, text, recorded_at) VALUES (?,?,?)", &st, err,
                  errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    return s_done(store->db, st, "record award rules", err, errlen);
}

static bole_status_t s_referrer_rows(sqlite3 *db, sqlite3_stmt *st, bole_store_referrer_fn fn,
                                     void *ctx, int *rows, char *err, size_t errlen)
{
    int rc;
    *rows = 0;
    bole_status_t s = BOLE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bole_store_referrer_row_t row = {
            .id = s_text(st, 0),
            .kind = sqlite3_column_int(st, 1),
            .name = s_text(st, 2),
            .zone = s_text(st, 3),
            .points = sqlite3_column_double(st, 4),
            .referrals = (uint32_t)sqlite3_column_int64(st, 5),
            .hires = (uint32_t)sqlite3_column_int64(st, 6),
        };
        (*rows)++;
        if (fn(ctx, &row) != 0) {
            snprintf(err, errlen, "out of memory");
            s = BOLE_INTERNAL;
            break;
        }
    }
    if (s == BOLE_OK && rc != SQLITE_DONE)
        s = bole_store_fail(db, rc, "referrers", err, errlen);
    sqlite3_finalize(st);
    return s;
}

bole_status_t bole_store_leaderboard(bole_store_t *store, int64_t from, int64_t to,
                                     const char *zone, int kind, uint32_t limit,
                                     bole_store_referrer_fn fn, void *ctx, char *err,
                                     size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(
        store->db,
        "SELECT p.id, p.kind, p.name, p.zone,"
        " (SELECT coalesce(sum(a.points), 0) FROM referral_awards a WHERE a.referrer_id = p.id"
        "   AND a.at >= ?1 AND a.at < ?2) AS pts,"
        " (SELECT count(*) FROM referrals r WHERE r.referrer_id = p.id AND r.created_at >= ?1"
        "   AND r.created_at < ?2) AS n,"
        " (SELECT count(*) FROM referrals r WHERE r.referrer_id = p.id AND r.hired_at > 0"
        "   AND r.hired_at >= ?1 AND r.hired_at < ?2) AS h "
        "FROM referrers p WHERE (?3 = '' OR p.zone = ?3) AND (?4 = 0 OR p.kind = ?4) "
        "AND (pts != 0 OR n > 0 OR h > 0) ORDER BY pts DESC, h DESC, p.id LIMIT ?5",
        &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_text(st, 3, zone ? zone : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, kind);
    sqlite3_bind_int64(st, 5, limit);
    int rows;
    return s_referrer_rows(store->db, st, fn, ctx, &rows, err, errlen);
}

bole_status_t bole_store_referrer_get(bole_store_t *store, const char *id,
                                      bole_store_referrer_fn fn, void *ctx, char *err,
                                      size_t errlen)
{
    sqlite3_stmt *st;
    bole_status_t s = s_prepare(store->db,
                                "SELECT id, kind, name, zone, 0, 0, 0 FROM referrers WHERE id = ?",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rows;
    s = s_referrer_rows(store->db, st, fn, ctx, &rows, err, errlen);
    if (s == BOLE_OK && rows == 0) {
        snprintf(err, errlen, "no referrer with id '%s'", id);
        s = BOLE_NOT_FOUND;
    }
    return s;
}

/* ---- ledger ----------------------------------------------------------------- */

bole_status_t bole_store_ledger_append(bole_store_t *store, const bole_store_referral_t *r,
                                       const char *event, const char *actor, const char *note,
                                       const char *rules_version, double points, int64_t at,
                                       uint64_t *seq, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st;
    uint8_t prev[BOLE_LEDGER_HASH_BYTES] = {0}, hash[BOLE_LEDGER_HASH_BYTES];
    uint64_t last = 0;
    bole_status_t s = s_prepare(db, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1",
                                &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        last = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == BOLE_LEDGER_HASH_BYTES)
            memcpy(prev, sqlite3_column_blob(st, 1), BOLE_LEDGER_HASH_BYTES);
    } else if (rc != SQLITE_DONE) {
        s = bole_store_fail(db, rc, "ledger head", err, errlen);
    }
    sqlite3_finalize(st);
    if (s != BOLE_OK)
        return s;
    uint8_t salt[BOLE_LEDGER_SALT_BYTES];
    int have_salt;
    s = s_salt(db, r->talent_id, 1, salt, &have_salt, err, errlen);
    if (s != BOLE_OK)
        return s;
    bole_ledger_entry_t e = {
        .seq = last + 1,
        .at = at,
        .referral_id = r->id,
        .event = event,
        .stage = r->stage,
        .referrer_id = r->referrer_id,
        .need_id = r->need_id,
        .actor = actor ? actor : "",
        .rules_version = rules_version ? rules_version : "",
        .points_milli = (int64_t)llround(points * 1000.0),
    };
    bole_ledger_commit(e.talent_commit, salt, sizeof salt, 't', r->talent_id);
    bole_ledger_commit(e.note_commit, salt, sizeof salt, 'n', note ? note : "");
    if (bole_ledger_hash(hash, prev, &e) != 0) {
        snprintf(err, errlen, "out of memory hashing a ledger entry");
        return BOLE_INTERNAL;
    }
    s = s_prepare(db,
                  "INSERT INTO ledger(seq, at, referral_id, event, stage, referrer_id,"
                  " talent_commit, talent_id, need_id, actor, note_commit, note, rules_version,"
                  " points_milli, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)e.seq);
    sqlite3_bind_int64(st, 2, e.at);
    sqlite3_bind_int64(st, 3, e.referral_id);
    sqlite3_bind_text(st, 4, e.event, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, e.stage);
    sqlite3_bind_text(st, 6, e.referrer_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, e.talent_commit, BOLE_LEDGER_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->talent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, e.need_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, e.actor, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 11, e.note_commit, BOLE_LEDGER_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, e.rules_version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 14, e.points_milli);
    sqlite3_bind_blob(st, 15, prev, BOLE_LEDGER_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 16, hash, BOLE_LEDGER_HASH_BYTES, SQLITE_STATIC);
    s = s_done(db, st, "append ledger entry", err, errlen);
    if (s == BOLE_OK && seq)
        *seq = e.seq;
    return s;
}

static void s_blob32(sqlite3_stmt *st, int col, uint8_t out[BOLE_LEDGER_HASH_BYTES])
{
    memset(out, 0, BOLE_LEDGER_HASH_BYTES);
    if (sqlite3_column_bytes(st, col) == BOLE_LEDGER_HASH_BYTES)
        memcpy(out, sqlite3_column_blob(st, col), BOLE_LEDGER_HASH_BYTES);
}

bole_status_t bole_store_ledger_verify(bole_store_t *store, bole_store_ledger_report_t *out,
                                       char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    bole_status_t s = s_prepare(
        db,
        "SELECT l.seq, l.at, l.referral_id, l.event, l.stage, l.referrer_id, l.talent_commit,"
        " l.talent_id, l.need_id, l.actor, l.note_commit, l.note, l.rules_version,"
        " l.points_milli, l.prev_hash, l.hash, s.salt "
        "FROM ledger l LEFT JOIN talent_salts s ON s.talent_id = l.talent_id ORDER BY l.seq",
        &st, err, errlen);
    if (s != BOLE_OK)
        return s;
    bole_ledger_verifier_t v;
    bole_ledger_verify_init(&v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bole_ledger_entry_t e = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .at = sqlite3_column_int64(st, 1),
            .referral_id = sqlite3_column_int64(st, 2),
            .event = s_text(st, 3),
            .stage = sqlite3_column_int(st, 4),
            .referrer_id = s_text(st, 5),
            .need_id = s_text(st, 8),
            .actor = s_text(st, 9),
            .rules_version = s_text(st, 12),
            .points_milli = sqlite3_column_int64(st, 13),
        };
        uint8_t prev[BOLE_LEDGER_HASH_BYTES], hash[BOLE_LEDGER_HASH_BYTES];
        s_blob32(st, 6, e.talent_commit);
        s_blob32(st, 10, e.note_commit);
        s_blob32(st, 14, prev);
        s_blob32(st, 15, hash);
        bole_ledger_verify_step(&v, &e, prev, hash);
        /* The raw columns outside the hash must match their commitments. */
        const char *talent = s_text(st, 7), *note = s_text(st, 11);
        uint8_t c[BOLE_LEDGER_HASH_BYTES];
        if (sqlite3_column_bytes(st, 16) == BOLE_LEDGER_SALT_BYTES) {
            const uint8_t *salt = sqlite3_column_blob(st, 16);
            bole_ledger_commit(c, salt, BOLE_LEDGER_SALT_BYTES, 't', talent);
            if (memcmp(c, e.talent_commit, sizeof c) != 0)
                bole_ledger_verify_flag(&v, e.seq, "talent id does not match its commitment");
            bole_ledger_commit(c, salt, BOLE_LEDGER_SALT_BYTES, 'n', note);
            if (memcmp(c, e.note_commit, sizeof c) != 0)
                bole_ledger_verify_flag(&v, e.seq, "note does not match its commitment");
        } else {
            char pseudo[BOLE_LEDGER_PSEUDONYM_LEN];
            bole_ledger_pseudonym(pseudo, e.talent_commit);
            if (strcmp(pseudo, talent) != 0 || note[0])
                bole_ledger_verify_flag(&v, e.seq, "talent has no salt and the entry is not "
                                        "pseudonymised (salt deleted or id edited)");
        }
        memcpy(out->head_hash, hash, sizeof hash);
    }
    if (rc != SQLITE_DONE)
        s = bole_store_fail(db, rc, "read ledger", err, errlen);
    sqlite3_finalize(st);
    out->entries = v.entries;
    out->first_bad = v.first_bad;
    snprintf(out->message, sizeof out->message, "%s", v.first_bad ? v.message : "");
    return s;
}

bole_status_t bole_store_referral_erase_talent(bole_store_t *store, const char *talent_id,
                                               uint64_t *n, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st;
    uint8_t salt[BOLE_LEDGER_SALT_BYTES];
    int found;
    *n = 0;
    bole_status_t s = s_salt(db, talent_id, 0, salt, &found, err, errlen);
    if (s != BOLE_OK || !found)
        return s; /* Never referred, or already erased. */
    uint8_t commit[BOLE_LEDGER_HASH_BYTES];
    char pseudo[BOLE_LEDGER_PSEUDONYM_LEN];
    bole_ledger_commit(commit, salt, sizeof salt, 't', talent_id);
    bole_ledger_pseudonym(pseudo, commit);
    static const char *const sqls[] = {
        "UPDATE ledger SET talent_id = ?2, note = '' WHERE talent_id = ?1",
        "UPDATE referrals SET talent_id = ?2, note = '' WHERE talent_id = ?1",
        "DELETE FROM talent_salts WHERE talent_id = ?1",
    };
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        s = s_prepare(db, sqls[i], &st, err, errlen);
        if (s != BOLE_OK)
            return s;
        sqlite3_bind_text(st, 1, talent_id, -1, SQLITE_STATIC);
        if (i < 2)
            sqlite3_bind_text(st, 2, pseudo, -1, SQLITE_STATIC);
        s = s_done(db, st, "erase talent from referrals", err, errlen);
        if (s != BOLE_OK)
            return s;
        if (i == 0)
            *n = (uint64_t)sqlite3_changes(db);
    }
    return BOLE_OK;
}
