/*
 * test_store.c - opening, migrations on fresh and existing databases,
 * refusal of newer schemas and of files that are not databases.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "store.h"

static char s_dir[256];

static void s_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", s_dir, name);
}

static long long s_pragma(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    long long v = -1;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

static void test_fresh(void)
{
    char path[512], err[512] = "";
    s_path(path, sizeof path, "fresh.db");
    bole_store_t *store = NULL;
    bole_store_options_t opts = {.synchronous_full = 1};
    CHECK_EQ_INT(bole_store_open(&store, path, &opts, err, sizeof err), BOLE_OK);
    REQUIRE(store != NULL);
    CHECK_EQ_INT(bole_store_schema_version(store), bole_store_latest_schema_version());
    bole_store_counts_t counts;
    CHECK_EQ_INT(bole_store_counts(store, &counts, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(counts.talents, 0);
    CHECK_EQ_UINT(counts.seq, 0);
    CHECK_EQ_INT(bole_store_check(store, err, sizeof err), BOLE_OK);
    bole_store_close(&store);
    CHECK(store == NULL);
    bole_store_close(&store); /* NULL-safe */
    CHECK_EQ_INT(s_pragma(path, "PRAGMA user_version"), bole_store_latest_schema_version());
    /* WAL is a property of the file: a plain connection sees it. */
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL);
    CHECK_EQ_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void test_existing_upgrade(void)
{
    char path[512], err[512] = "";
    s_path(path, sizeof path, "old.db");
    bole_store_t *store = NULL;
    /* An "old" database: only the first migration applied, with data in it. */
    bole_store_options_t old = {.synchronous_full = 1, .target_version = 1};
    CHECK_EQ_INT(bole_store_open(&store, path, &old, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(bole_store_schema_version(store), 1);
    bole_store_close(&store);
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "INSERT INTO change_log(at, entity, entity_id, op) "
                              "VALUES (1, 'talent', 7, 'put')",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    /* Reopen with this build: migrates to the latest, keeps the data. */
    CHECK_EQ_INT(bole_store_open(&store, path, NULL, err, sizeof err), BOLE_OK);
    REQUIRE(store != NULL);
    CHECK_EQ_INT(bole_store_schema_version(store), bole_store_latest_schema_version());
    bole_store_counts_t counts;
    CHECK_EQ_INT(bole_store_counts(store, &counts, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(counts.seq, 1);
    bole_store_close(&store);
    /* Opening again is a no-op. */
    CHECK_EQ_INT(bole_store_open(&store, path, NULL, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(bole_store_schema_version(store), bole_store_latest_schema_version());
    bole_store_close(&store);
}

static void test_newer_refused(void)
{
    char path[512], err[512] = "";
    s_path(path, sizeof path, "future.db");
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close(db);
    bole_store_t *store = NULL;
    CHECK_EQ_INT(bole_store_open(&store, path, NULL, err, sizeof err),
                 BOLE_FAILED_PRECONDITION);
    CHECK(store == NULL);
    CHECK_CONTAINS(err, "newer");
    CHECK_EQ_INT(s_pragma(path, "PRAGMA user_version"), 999); /* untouched */
}

static void test_not_a_database(void)
{
    char path[512], err[512] = "";
    s_path(path, sizeof path, "junk.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 512; i++)
        fputs("this is not sqlite ", f);
    fclose(f);
    bole_store_t *store = NULL;
    CHECK(bole_store_open(&store, path, NULL, err, sizeof err) != BOLE_OK);
    CHECK(store == NULL);
    CHECK_CONTAINS(err, "junk.db");
    /* A folder that does not exist. */
    CHECK_EQ_INT(bole_store_open(&store, "/nonexistent/dir/x.db", NULL, err, sizeof err),
                 BOLE_UNAVAILABLE);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bole-test-store-XXXXXX");
    REQUIRE(mkdtemp(s_dir) != NULL);
    test_fresh();
    test_existing_upgrade();
    test_newer_refused();
    test_not_a_database();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
    return check_summary();
}
