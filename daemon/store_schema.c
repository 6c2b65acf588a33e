/*
 * store_schema.c - the schema, as numbered migrations (PRAGMA user_version
 * = how many have run). Append new migrations at the end, one entry per
 * change, each a complete SQL script; never edit or reorder one that has
 * shipped. Modules own their tables: name each entry's module in its
 * comment.
 */
#include "store_int.h"

const char *const bole_store_migrations[] = {
    /* 1: settings and the change log that derived state and replicas follow. */
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE change_log ("
    "  seq       INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at        INTEGER NOT NULL,"      /* Unix ms. */
    "  entity    TEXT NOT NULL,"         /* 'talent', 'need', ... */
    "  entity_id INTEGER NOT NULL,"      /* Internal id. */
    "  op        TEXT NOT NULL"          /* 'put', 'delete', ... */
    ");"
    "INSERT INTO meta(key, value) VALUES ('created_by', 'bole');",

    /* 2: talents and needs. The profile is the packed protobuf (so new
     * fields need no migration); the vector is float32 little-endian. */
    "CREATE TABLE talents ("
    "  id          INTEGER PRIMARY KEY,"
    "  external_id TEXT NOT NULL UNIQUE,"
    "  updated_at  INTEGER NOT NULL,"
    "  profile     BLOB NOT NULL,"
    "  vector      BLOB NOT NULL"
    ");"
    "CREATE TABLE needs ("
    "  id          INTEGER PRIMARY KEY,"
    "  external_id TEXT NOT NULL UNIQUE,"
    "  updated_at  INTEGER NOT NULL,"
    "  profile     BLOB NOT NULL,"
    "  vector      BLOB NOT NULL"
    ");",
};
const int bole_store_n_migrations =
    (int)(sizeof bole_store_migrations / sizeof bole_store_migrations[0]);
