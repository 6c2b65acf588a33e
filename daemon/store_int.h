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

struct bole_store {
    sqlite3 *db;
    int version;    /* Schema version after migrations. */
};

extern const char *const bole_store_migrations[];
extern const int bole_store_n_migrations;

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
uint64_t bole_store_log_change(sqlite3 *db, bole_entity_t entity, int64_t id, const char *op,
                               int64_t at);

#endif
