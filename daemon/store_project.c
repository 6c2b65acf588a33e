/*
 * store_project.c - SQLite backend of the projects-and-teams section of
 * store.h (issue 5): projects (packed bole.Project), team proposals
 * (packed bole.Team) and their members, from which a talent's number of
 * accepted teams is counted.
 *
 * Writes run inside the writer's group-commit transaction like every other
 * store write; changes go to the change log under the entities 'project'
 * and 'team', which the index replay ignores (it follows talents and needs).
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_int.h"


/* Change-log entry under a module's own entity name. */
static uint64_t s_log(sqlite3 *db, const char *entity, int64_t id, const char *op, int64_t at)
{
    sqlite3_stmt *stmt = NULL;
    uint64_t seq = 0;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO change_log(at, entity, entity_id, op) VALUES (?, ?, ?, ?)",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, at);
        sqlite3_bind_text(stmt, 2, entity, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, id);
        sqlite3_bind_text(stmt, 4, op, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            seq = (uint64_t)sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(stmt);
    return seq;
}

static int64_t s_project_id(sqlite3 *db, const char *external_id)
{
    sqlite3_stmt *stmt = NULL;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM projects WHERE external_id = ?", -1, &stmt,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            id = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return id;
}

bole_status_t bole_store_project_put(bole_store_t *store, const char *external_id,
                                     int64_t updated_at, const void *profile, size_t len,
                                     bole_store_put_result_t *out, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    int64_t id = s_project_id(db, external_id);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                id ? "UPDATE projects SET updated_at = ?2, profile = ?3 "
                                     "WHERE id = ?4"
                                   : "INSERT INTO projects(external_id, updated_at, profile) "
                                     "VALUES (?1, ?2, ?3)",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare project put", err, errlen);
    if (!id)
        sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, updated_at);
    sqlite3_bind_blob(stmt, 3, profile, (int)len, SQLITE_STATIC);
    if (id)
        sqlite3_bind_int64(stmt, 4, id);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "project put", err, errlen);
    out->created = id == 0;
    out->id = id ? id : sqlite3_last_insert_rowid(db);
    out->seq = s_log(db, "project", out->id, "put", updated_at);
    if (!out->seq)
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_project_get(bole_store_t *store, const char *external_id, int64_t *id,
                                     void **profile, size_t *len, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    *profile = NULL;
    *len = 0;
    *id = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id, profile FROM projects WHERE external_id = ?", -1,
                                &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare project get", err, errlen);
    sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "no project with id '%s'", external_id);
        return BOLE_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return bole_store_fail(db, rc, "project get", err, errlen);
    }
    size_t n = (size_t)sqlite3_column_bytes(stmt, 1);
    void *copy = malloc(n ? n : 1);
    if (!copy) {
        sqlite3_finalize(stmt);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    if (n)
        memcpy(copy, sqlite3_column_blob(stmt, 1), n);
    *id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    *profile = copy;
    *len = n;
    return BOLE_OK;
}

static bole_status_t s_run(sqlite3 *db, const char *sql, const char *text, int64_t num,
                           const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, what, err, errlen);
    if (text)
        sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(stmt, 1, num);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, what, err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_project_delete(bole_store_t *store, const char *external_id,
                                        int64_t now, bole_store_put_result_t *out, char *err,
                                        size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    int64_t id = s_project_id(db, external_id);
    if (!id) {
        snprintf(err, errlen, "no project with id '%s'", external_id);
        return BOLE_NOT_FOUND;
    }
    sqlite3_stmt *stmt = NULL;
    long long accepted = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM teams WHERE project_id = ? AND state = 2",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare project delete", err, errlen);
    sqlite3_bind_text(stmt, 1, external_id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        accepted = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (accepted) {
        snprintf(err, errlen, "project '%s' has %lld accepted team(s); dissolve them first",
                 external_id, accepted);
        return BOLE_FAILED_PRECONDITION;
    }
    bole_status_t st = s_run(db,
                             "DELETE FROM team_members WHERE team_id IN "
                             "(SELECT id FROM teams WHERE project_id = ?)",
                             external_id, 0, "delete team members", err, errlen);
    if (st == BOLE_OK)
        st = s_run(db, "DELETE FROM teams WHERE project_id = ?", external_id, 0,
                   "delete teams", err, errlen);
    if (st == BOLE_OK)
        st = s_run(db, "DELETE FROM projects WHERE id = ?", NULL, id, "delete project", err,
                   errlen);
    if (st != BOLE_OK)
        return st;
    out->id = id;
    out->seq = s_log(db, "project", id, "delete", now);
    if (!out->seq)
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_project_scan(bole_store_t *store, bole_store_project_fn fn, void *ctx,
                                      char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT external_id, profile FROM projects ORDER BY id", -1,
                                &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare project scan", err, errlen);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(stmt, 0), sqlite3_column_blob(stmt, 1),
               (size_t)sqlite3_column_bytes(stmt, 1)) != 0) {
            sqlite3_finalize(stmt);
            snprintf(err, errlen, "project scan stopped by its callback");
            return BOLE_INTERNAL;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "project scan", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_team_insert(bole_store_t *store, const char *project_id, int state,
                                     uint32_t max_concurrent, int64_t at, const void *team,
                                     size_t len, size_t n_members, const char *const *talent_ids,
                                     const char *const *role_ids, int64_t *id, char *err,
                                     size_t errlen)
{
    sqlite3 *db = store->db;
    *id = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO teams(project_id, state, max_concurrent, created_at, "
                                "updated_at, team) VALUES (?, ?, ?, ?, ?, ?)",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare team insert", err, errlen);
    sqlite3_bind_text(stmt, 1, project_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, state);
    sqlite3_bind_int64(stmt, 3, max_concurrent);
    sqlite3_bind_int64(stmt, 4, at);
    sqlite3_bind_int64(stmt, 5, at);
    sqlite3_bind_blob(stmt, 6, team, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "team insert", err, errlen);
    int64_t row = sqlite3_last_insert_rowid(db);
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO team_members(team_id, talent_id, role_id, active) "
                            "VALUES (?, ?, ?, 1)",
                            -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare team members", err, errlen);
    for (size_t i = 0; i < n_members; i++) {
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, row);
        sqlite3_bind_text(stmt, 2, talent_ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, role_ids[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(stmt);
            return bole_store_fail(db, rc, "team member insert", err, errlen);
        }
    }
    sqlite3_finalize(stmt);
    if (!s_log(db, "team", row, "put", at))
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    *id = row;
    return BOLE_OK;
}

bole_status_t bole_store_team_get(bole_store_t *store, int64_t id, bole_store_team_t *out,
                                  char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT project_id, state, max_concurrent, team FROM teams "
                                "WHERE id = ?",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare team get", err, errlen);
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        if (rc == SQLITE_DONE) {
            snprintf(err, errlen, "no team with id 'team-%lld'", (long long)id);
            return BOLE_NOT_FOUND;
        }
        return bole_store_fail(db, rc, "team get", err, errlen);
    }
    const char *project = (const char *)sqlite3_column_text(stmt, 0);
    size_t n = (size_t)sqlite3_column_bytes(stmt, 3);
    out->project_id = strdup(project ? project : "");
    out->team = malloc(n ? n : 1);
    if (!out->project_id || !out->team) {
        sqlite3_finalize(stmt);
        bole_store_team_free(out);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    if (n)
        memcpy(out->team, sqlite3_column_blob(stmt, 3), n);
    out->team_len = n;
    out->id = id;
    out->state = sqlite3_column_int(stmt, 1);
    out->max_concurrent = (uint32_t)sqlite3_column_int64(stmt, 2);
    sqlite3_finalize(stmt);
    return BOLE_OK;
}

void bole_store_team_free(bole_store_team_t *team)
{
    free(team->project_id);
    free(team->team);
    memset(team, 0, sizeof *team);
}

bole_status_t bole_store_team_update(bole_store_t *store, int64_t id, int state, int64_t at,
                                     const void *team, size_t len, const char *withdrawn_talent,
                                     char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    int rc;
    if (withdrawn_talent) {
        rc = sqlite3_prepare_v2(db,
                                "UPDATE team_members SET active = 0 "
                                "WHERE team_id = ? AND talent_id = ? AND active = 1",
                                -1, &stmt, NULL);
        if (rc != SQLITE_OK)
            return bole_store_fail(db, rc, "prepare member withdraw", err, errlen);
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_text(stmt, 2, withdrawn_talent, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
            return bole_store_fail(db, rc, "member withdraw", err, errlen);
        if (sqlite3_changes(db) == 0) {
            snprintf(err, errlen, "talent '%s' is not an active member of team-%lld",
                     withdrawn_talent, (long long)id);
            return BOLE_NOT_FOUND;
        }
    }
    rc = sqlite3_prepare_v2(db, "UPDATE teams SET state = ?, updated_at = ?, team = ? WHERE id = ?",
                            -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare team update", err, errlen);
    sqlite3_bind_int(stmt, 1, state);
    sqlite3_bind_int64(stmt, 2, at);
    sqlite3_bind_blob(stmt, 3, team, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, id);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "team update", err, errlen);
    if (sqlite3_changes(db) == 0) {
        snprintf(err, errlen, "no team with id 'team-%lld'", (long long)id);
        return BOLE_NOT_FOUND;
    }
    if (!s_log(db, "team", id, "put", at))
        return bole_store_fail(db, sqlite3_errcode(db), "change log", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_talent_accepted_teams(bole_store_t *store, const char *talent_id,
                                               uint32_t *count, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    *count = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT count(*) FROM team_members m JOIN teams t "
                                "ON t.id = m.team_id WHERE m.talent_id = ? AND m.active = 1 "
                                "AND t.state = 2",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare accepted count", err, errlen);
    sqlite3_bind_text(stmt, 1, talent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *count = (uint32_t)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW)
        return bole_store_fail(db, rc, "accepted count", err, errlen);
    return BOLE_OK;
}

bole_status_t bole_store_talents_at_team_limit(bole_store_t *store, uint32_t min_count,
                                               bole_store_talent_fn fn, void *ctx, char *err,
                                               size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db,
                                /* Driven by teams_state: accepted teams are few,
                                 * proposals many. */
                                "SELECT m.talent_id FROM teams t JOIN team_members m "
                                "ON m.team_id = t.id WHERE t.state = 2 AND m.active = 1 "
                                "GROUP BY m.talent_id HAVING count(*) >= ?",
                                -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "prepare team limit", err, errlen);
    sqlite3_bind_int64(stmt, 1, min_count);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(stmt, 0)) != 0) {
            sqlite3_finalize(stmt);
            snprintf(err, errlen, "team limit scan stopped by its callback");
            return BOLE_INTERNAL;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return bole_store_fail(db, rc, "team limit", err, errlen);
    return BOLE_OK;
}
