/*
 * test_trend_rows.c - trend deltas stored one row per write, packed
 * (store_trend.c): every field survives the round trip, in order, with
 * the row's n; a damaged row is an error, not garbage; a store with the
 * old one-row-per-delta table migrates keeping each row's n; the one-time
 * repair (reconcile) nets stored against expected deltas.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "store.h"

static char s_dir[256];

#define MAX_SEEN 256

typedef struct {
    int64_t n[MAX_SEEN];
    bole_store_trend_delta_t d[MAX_SEEN];
    char text[MAX_SEEN][3][64];
    size_t count;
} seen_t;

static int s_keep(void *ctx, int64_t n, const bole_store_trend_delta_t *d)
{
    seen_t *s = ctx;
    if (s->count == MAX_SEEN)
        return 1;
    size_t i = s->count++;
    s->n[i] = n;
    s->d[i] = *d;
    snprintf(s->text[i][0], sizeof s->text[i][0], "%s", d->key);
    snprintf(s->text[i][1], sizeof s->text[i][1], "%s", d->zone);
    snprintf(s->text[i][2], sizeof s->text[i][2], "%s", d->industries);
    s->d[i].key = s->text[i][0];
    s->d[i].zone = s->text[i][1];
    s->d[i].industries = s->text[i][2];
    return 0;
}

static int s_keep_dim(void *ctx, const bole_store_trend_delta_t *d) { return s_keep(ctx, 0, d); }

static int s_same(const bole_store_trend_delta_t *a, const bole_store_trend_delta_t *b)
{
    return a->at == b->at && a->dimension == b->dimension && strcmp(a->key, b->key) == 0 &&
           strcmp(a->zone ? a->zone : "", b->zone) == 0 &&
           strcmp(a->industries ? a->industries : ",", b->industries) == 0 &&
           a->supply == b->supply && a->demand == b->demand;
}

/* Migrations announced through on_migrate: from, to, how many calls. */
static int s_migrate_from, s_migrate_to, s_migrate_calls;

static void s_on_migrate(void *ctx, int from, int to)
{
    (void)ctx;
    s_migrate_from = from;
    s_migrate_to = to;
    s_migrate_calls++;
}

static bole_store_t *s_open(const char *name, int target_version)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    bole_store_options_t o = {.target_version = target_version, .on_migrate = s_on_migrate};
    bole_store_t *st = NULL;
    if (bole_store_open(&st, path, &o, err, sizeof err) != BOLE_OK)
        fprintf(stderr, "open %s: %s\n", path, err);
    return st;
}

static void s_sql(const char *name, const char *sql)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    CHECK(msg == NULL);
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* Three writes (20, 1 and 5 deltas): the scan gives them back in order,
 * each with its write's row number; a dimension scan only its own. */
static void test_round_trip(void)
{
    bole_store_t *st = s_open("rt.db", 0);
    REQUIRE(st != NULL);
    static const char *zones[] = {"", "binhai new area", "binhai new area", "中新生态城"};
    static const char *inds[] = {",", ",software,", ",software,", ",ai,biotech,"};
    bole_store_trend_delta_t in[26];
    char keys[26][32];
    for (int i = 0; i < 26; i++) {
        snprintf(keys[i], sizeof keys[i], i % 7 ? "skill-%d" : "技能-%d", i);
        in[i] = (bole_store_trend_delta_t){
            .at = 1764000000000LL + (i % 3 == 2 ? -5 : i * 1000),
            .dimension = 1 + i % 4,
            .key = keys[i],
            .zone = i == 5 ? NULL : zones[i % 4],
            .industries = i == 6 ? NULL : inds[(i / 2) % 4],
            .supply = i % 2 ? -(int64_t)i * 1000003 : i,
            .demand = i % 5 == 0 ? INT64_MIN / 4 : 1 - i,
        };
    }
    char err[256] = "";
    int64_t last = 0;
    CHECK_EQ_INT(bole_store_trend_insert(st, 20, in, &last, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(last, 1);
    CHECK_EQ_INT(bole_store_trend_insert(st, 1, in + 20, &last, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(last, 2);
    CHECK_EQ_INT(bole_store_trend_insert(st, 5, in + 21, &last, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(last, 3);

    seen_t *s = calloc(1, sizeof *s);
    REQUIRE(s != NULL);
    CHECK_EQ_INT(bole_store_trend_scan_rows(st, 0, INT64_MAX, s_keep, s, &last, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(last, 3);
    CHECK_EQ_UINT(s->count, 26);
    for (size_t i = 0; i < s->count && i < 26; i++) {
        CHECK(s_same(&in[i], &s->d[i]));
        CHECK_EQ_INT(s->n[i], i < 20 ? 1 : i < 21 ? 2 : 3);
    }
    /* Rows after 1 up to 2: only the one-delta write. */
    s->count = 0;
    CHECK_EQ_INT(bole_store_trend_scan_rows(st, 1, 2, s_keep, s, &last, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(s->count, 1);
    CHECK(s->count == 1 && s_same(&in[20], &s->d[0]));
    /* Dimension 2: deltas 1, 5, 9, ... in storage order. */
    s->count = 0;
    CHECK_EQ_INT(bole_store_trend_scan(st, 2, s_keep_dim, s, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(s->count, 7);
    for (size_t i = 0; i < s->count; i++)
        CHECK(s_same(&in[1 + 4 * i], &s->d[i]));
    bole_store_close(&st);

    /* Damaged rows: a bad version byte, a truncated blob, a length past
     * the end. Each scan fails with a message naming the row. */
    s_sql("rt.db", "CREATE TABLE good AS SELECT deltas FROM trend_rows WHERE n = 2");
    const char *damage[] = {
        "UPDATE trend_rows SET deltas = X'02' || substr((SELECT deltas FROM good), 2) "
        "WHERE n = 2",
        "UPDATE trend_rows SET deltas = substr((SELECT deltas FROM good), 1, "
        "length((SELECT deltas FROM good)) - 3) WHERE n = 2",
        "UPDATE trend_rows SET deltas = X'01000102020200FF01' WHERE n = 2",
    };
    for (size_t k = 0; k < sizeof damage / sizeof damage[0]; k++) {
        s_sql("rt.db", damage[k]);
        st = s_open("rt.db", 0);
        REQUIRE(st != NULL);
        s->count = 0;
        err[0] = '\0';
        CHECK_EQ_INT(bole_store_trend_scan_rows(st, 0, INT64_MAX, s_keep, s, &last, err,
                                                sizeof err),
                     BOLE_INTERNAL);
        CHECK_CONTAINS(err, "trend row 2 is damaged");
        CHECK_EQ_UINT(s->count, 20); /* Row 1 was read, nothing of row 2. */
        bole_store_close(&st);
    }
    free(s);
}

/* A store written before the packed rows: each old row becomes a one-delta
 * row with the same n (a trend snapshot's upto keeps naming its row). */
static void test_migration(void)
{
    /* Version 11: the last schema before migration 12, the packed rows. */
    s_migrate_calls = 0;
    bole_store_t *st = s_open("old.db", 11);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(s_migrate_calls, 0); /* A new file is created, not upgraded. */
    bole_store_close(&st);
    s_sql("old.db",
          "INSERT INTO trend_delta(n, at, dim, key, zone, industries, supply, demand) VALUES"
          " (4, 1000, 1, 'python', 'z1', ',software,', 1, 0),"
          " (5, 1000, 2, 'software', 'z1', ',software,', 1, 0),"
          " (9, 2000, 1, 'python', 'z2', ',', -1, 3)");
    s_migrate_calls = 0;
    st = s_open("old.db", 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(bole_store_schema_version(st), bole_store_latest_schema_version());
    /* The caller heard of the upgrade (a fresh store, above, is not one). */
    CHECK_EQ_INT(s_migrate_calls, 1);
    CHECK_EQ_INT(s_migrate_from, 11);
    CHECK_EQ_INT(s_migrate_to, bole_store_latest_schema_version());
    bole_store_close(&st);
    st = s_open("old.db", 0); /* Up to date now: no call. */
    REQUIRE(st != NULL);
    CHECK_EQ_INT(s_migrate_calls, 1);
    seen_t *s = calloc(1, sizeof *s);
    REQUIRE(s != NULL);
    char err[256] = "";
    int64_t last = 0;
    CHECK_EQ_INT(bole_store_trend_scan_rows(st, 0, INT64_MAX, s_keep, s, &last, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(s->count, 3);
    CHECK_EQ_INT(last, 9);
    bole_store_trend_delta_t want[] = {
        {.at = 1000, .dimension = 1, .key = "python", .zone = "z1", .industries = ",software,",
         .supply = 1},
        {.at = 1000, .dimension = 2, .key = "software", .zone = "z1",
         .industries = ",software,", .supply = 1},
        {.at = 2000, .dimension = 1, .key = "python", .zone = "z2", .industries = ",",
         .supply = -1, .demand = 3},
    };
    const int64_t want_n[] = {4, 5, 9};
    for (size_t i = 0; i < s->count && i < 3; i++) {
        CHECK(s_same(&want[i], &s->d[i]));
        CHECK_EQ_INT(s->n[i], want_n[i]);
    }
    /* New writes number after the converted rows. */
    CHECK_EQ_INT(bole_store_trend_insert(st, 1, want, &last, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(last, 10);
    bole_store_close(&st);
    free(s);
}

typedef struct {
    const char *key;
    int64_t supply;
    size_t rows_at_now;
} net_t;

static int s_net(void *ctx, const bole_store_trend_delta_t *d)
{
    net_t *n = ctx;
    if (strcmp(d->key, n->key) == 0) {
        n->supply += d->supply;
        n->rows_at_now += d->at == 5000;
    }
    return 0;
}

/* Stored k1 +2 and k2 +1; expected k1 +3 and k3 +1: the repair adds k1 +1,
 * k2 -1 and k3 +1, dated now, so the sums become the expected ones. */
static void test_reconcile(void)
{
    bole_store_t *st = s_open("rec.db", 0);
    REQUIRE(st != NULL);
    char err[256] = "";
    int64_t last = 0;
    bole_store_trend_delta_t stored[] = {
        {.at = 100, .dimension = 1, .key = "k1", .zone = "z", .industries = ",", .supply = 2},
        {.at = 200, .dimension = 1, .key = "k2", .zone = "z", .industries = ",", .supply = 1},
    };
    CHECK_EQ_INT(bole_store_trend_insert(st, 2, stored, &last, err, sizeof err), BOLE_OK);
    bole_store_trend_delta_t expected[] = {
        {.at = 5000, .dimension = 1, .key = "k1", .zone = "z", .industries = ",", .supply = 3},
        {.at = 5000, .dimension = 1, .key = "k3", .zone = "z", .industries = ",", .supply = 1},
    };
    size_t added = 0;
    CHECK_EQ_INT(bole_store_trend_reconcile(st, 5000, 2, expected, &added, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(added, 3);
    const char *keys[] = {"k1", "k2", "k3"};
    const int64_t sums[] = {3, 0, 1};
    for (int i = 0; i < 3; i++) {
        net_t n = {keys[i], 0, 0};
        CHECK_EQ_INT(bole_store_trend_scan(st, 1, s_net, &n, err, sizeof err), BOLE_OK);
        CHECK_EQ_INT(n.supply, sums[i]);
        CHECK_EQ_UINT(n.rows_at_now, 1); /* One corrective delta each, dated now. */
    }
    /* Run again: nothing left to correct. */
    CHECK_EQ_INT(bole_store_trend_reconcile(st, 5000, 2, expected, &added, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(added, 0);
    bole_store_close(&st);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bole-trendrows-XXXXXX");
    REQUIRE(mkdtemp(s_dir) != NULL);
    test_round_trip();
    test_migration();
    test_reconcile();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
    return check_summary();
}
