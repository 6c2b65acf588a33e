/*
 * test_feature_log.c - the feature log as one row per served answer
 * (store_feedback.c): a store with the old per-pair feature_log migrates
 * with every field kept; export seqs page across answers and chunks;
 * lookup, funnel and erasure work on packed pairs; bad input and corrupt
 * rows are refused with an error.
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

#define NF 10
#define MAX_ROWS 8192

static char s_dir[256];

/* What an export returned, copied. */
typedef struct {
    uint64_t seq;
    char request_id[64], weights_version[64], talent_id[160], need_id[160];
    int source, outcome;
    uint32_t position;
    float score;
    size_t n_features;
    float features[32];
    int64_t at;
} row_t;

typedef struct {
    row_t *rows;
    size_t n;
} rows_t;

static int s_collect(void *ctx, const bole_store_outcome_t *o)
{
    rows_t *r = ctx;
    if (r->n == MAX_ROWS)
        return -1;
    row_t *x = &r->rows[r->n++];
    memset(x, 0, sizeof *x);
    x->seq = o->seq;
    snprintf(x->request_id, sizeof x->request_id, "%s", o->served.request_id);
    snprintf(x->weights_version, sizeof x->weights_version, "%s", o->served.weights_version);
    snprintf(x->talent_id, sizeof x->talent_id, "%s", o->served.talent_id);
    snprintf(x->need_id, sizeof x->need_id, "%s", o->served.need_id);
    x->source = o->served.source;
    x->outcome = o->outcome;
    x->position = o->served.position;
    x->score = o->served.score;
    x->n_features = o->served.n_features;
    memcpy(x->features, o->served.features, o->served.n_features * sizeof(float));
    x->at = o->served.at;
    return 0;
}

/* Exports everything in pages of `page`; returns the row count. */
static size_t s_export_all(bole_store_t *st, uint32_t page, rows_t *out)
{
    char err[256];
    uint64_t after = 0;
    out->n = 0;
    for (int guard = 0; guard < 100000; guard++) {
        size_t before = out->n;
        bole_status_t s = bole_store_outcomes(st, 0, INT64_MAX, after, page, s_collect, out,
                                              err, sizeof err);
        CHECK_EQ_INT(s, BOLE_OK);
        if (s != BOLE_OK || out->n == before)
            break;
        CHECK_LE_UINT(out->n - before, page);
        after = out->rows[out->n - 1].seq;
    }
    return out->n;
}

/* First column of the first row of sql on a connection of its own. */
static long long s_query(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

static void s_feats(float *f, int seed)
{
    for (int i = 0; i < NF; i++)
        f[i] = (float)seed + (float)i / 16.0f + 0.125f;
}

static void s_feedback(bole_store_t *st, const char *request, const char *talent,
                       const char *need, int kind)
{
    char err[256];
    uint64_t seq;
    bole_store_feedback_t f = {request, talent, need, 1, kind, "a", 5, 1};
    CHECK_EQ_INT(bole_store_feedback_insert(st, &f, &seq, err, sizeof err), BOLE_OK);
}

/* An old store (schema before the packed log) with per-pair rows, then
 * this build's migration: every field survives, only seqs change. */
static void test_migration(void)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/old.db", s_dir);
    bole_store_t *st = NULL;
    /* Version 10: the last schema before migration 11, the packed log. */
    bole_store_options_t old = {.target_version = 10};
    REQUIRE(bole_store_open(&st, path, &old, err, sizeof err) == BOLE_OK);
    bole_store_close(&st);

    /* Rows as the old logger wrote them: two answers interleaved (two
     * reader threads), one whose pairs straddle a millisecond, a live push,
     * and an outcome for two pairs. */
    struct {
        const char *request, *version, *talent, *need;
        int source, position;
        int64_t at;
    } in[] = {
        {"r-a", "w1", "T1", "N1", 1, 1, 1000}, {"r-b", "w1", "T2", "N9", 1, 1, 1000},
        {"r-a", "w1", "T3", "N1", 1, 2, 1000}, {"r-b", "w1", "T1", "N9", 1, 2, 1000},
        {"r-a", "w1", "T4", "N1", 1, 3, 1001}, {"r-c", "w2", "T1", "N5", 4, 7, 2000},
    };
    const size_t n_in = sizeof in / sizeof in[0];
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *ins = NULL;
    REQUIRE(sqlite3_prepare_v2(db,
                               "INSERT INTO feature_log(request_id, source, weights_version,"
                               " talent_id, need_id, position, score, features, at) "
                               "VALUES (?,?,?,?,?,?,?,?,?)",
                               -1, &ins, NULL) == SQLITE_OK);
    for (size_t i = 0; i < n_in; i++) {
        float f[NF];
        s_feats(f, (int)i);
        sqlite3_bind_text(ins, 1, in[i].request, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 2, in[i].source);
        sqlite3_bind_text(ins, 3, in[i].version, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, in[i].talent, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, in[i].need, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 6, in[i].position);
        sqlite3_bind_double(ins, 7, (double)(0.5f + (float)i / 8.0f));
        sqlite3_bind_blob(ins, 8, f, (int)sizeof f, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 9, in[i].at);
        CHECK_EQ_INT(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "INSERT INTO feedback(request_id, talent_id, need_id, position,"
                              " kind, actor, at, joined) VALUES"
                              " ('r-b', 'T1', 'N9', 2, 2, 'a', 5, 1),"
                              " ('r-b', 'T1', 'N9', 2, 6, 'a', 6, 1),"
                              " ('r-a', 'T3', 'N1', 2, 1, 'a', 7, 1)",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);

    REQUIRE(bole_store_open(&st, path, NULL, err, sizeof err) == BOLE_OK);
    CHECK_EQ_INT(bole_store_schema_version(st), bole_store_latest_schema_version());
    CHECK_EQ_INT(s_query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'feature_log'"),
                 0);
    /* r-a at 1000, r-b, r-a at 1001 (its own answer: serve times kept), r-c. */
    CHECK_EQ_INT(s_query(path, "SELECT count(*) FROM feature_answers"), 4);
    CHECK_EQ_INT(s_query(path, "SELECT sum(n_pairs) FROM feature_answers"), (long long)n_in);
    CHECK_EQ_INT(bole_store_check(st, err, sizeof err), BOLE_OK);

    rows_t out = {calloc(MAX_ROWS, sizeof(row_t)), 0};
    REQUIRE(out.rows != NULL);
    CHECK_EQ_UINT(s_export_all(st, 2, &out), n_in);
    /* Answers in the order of their first old row; pairs in old id order. */
    const size_t order[] = {0, 2, 1, 3, 4, 5};
    for (size_t k = 0; k < out.n && k < n_in; k++) {
        const row_t *r = &out.rows[k];
        size_t i = order[k];
        float f[NF];
        s_feats(f, (int)i);
        CHECK_EQ_STR(r->request_id, in[i].request);
        CHECK_EQ_STR(r->weights_version, in[i].version);
        CHECK_EQ_STR(r->talent_id, in[i].talent);
        CHECK_EQ_STR(r->need_id, in[i].need);
        CHECK_EQ_INT(r->source, in[i].source);
        CHECK_EQ_UINT(r->position, (uint64_t)in[i].position);
        CHECK(r->score == 0.5f + (float)i / 8.0f);
        CHECK_EQ_UINT(r->n_features, NF);
        CHECK(memcmp(r->features, f, sizeof f) == 0);
        CHECK_EQ_INT(r->at, in[i].at);
        if (k)
            CHECK(r->seq > out.rows[k - 1].seq);
    }
    /* seq = answer id * 1024 + index. */
    CHECK_EQ_UINT(out.rows[0].seq, 1 * BOLE_FEATURE_LOG_ANSWER_PAIRS + 0);
    CHECK_EQ_UINT(out.rows[1].seq, 1 * BOLE_FEATURE_LOG_ANSWER_PAIRS + 1);
    CHECK_EQ_UINT(out.rows[2].seq, 2 * BOLE_FEATURE_LOG_ANSWER_PAIRS + 0);
    CHECK_EQ_UINT(out.rows[5].seq, 4 * BOLE_FEATURE_LOG_ANSWER_PAIRS + 0);
    /* Outcomes still join: hire beats click; an impression. */
    CHECK_EQ_INT(out.rows[3].outcome, 6);
    CHECK_EQ_INT(out.rows[1].outcome, 1);
    CHECK_EQ_INT(out.rows[0].outcome, 0);
    int found = 0;
    CHECK_EQ_INT(bole_store_feature_log_find(st, "r-a", "T4", "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 1);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "r-a", "T2", "N9", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 0);
    free(out.rows);
    bole_store_close(&st);
}

static bole_store_t *s_fresh(const char *name, char *path, size_t len)
{
    char err[256];
    snprintf(path, len, "%s/%s", s_dir, name);
    bole_store_t *st = NULL;
    REQUIRE(bole_store_open(&st, path, NULL, err, sizeof err) == BOLE_OK);
    return st;
}

/* n pairs of one answer, talents "<prefix><i>". */
static void s_answer(bole_store_t *st, const char *request, int source, int64_t at, size_t n,
                     const char *prefix, const char *need)
{
    char err[256];
    bole_store_served_t *rows = calloc(n, sizeof *rows);
    char (*ids)[32] = calloc(n, sizeof *ids);
    static float f[NF];
    s_feats(f, 3);
    REQUIRE(rows && ids);
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "%s%zu", prefix, i);
        rows[i] = (bole_store_served_t){request, source, "w1", ids[i], need, (uint32_t)(i + 1),
                                        (float)i, f, NF, at};
    }
    CHECK_EQ_INT(bole_store_feature_log_insert(st, rows, n, err, sizeof err), BOLE_OK);
    free(rows);
    free(ids);
}

/* Paging by seq across answers and across the chunks of a large answer;
 * every pair exactly once, in order; the time window filters answers. */
static void test_paging(void)
{
    char path[512], err[256];
    bole_store_t *st = s_fresh("paging.db", path, sizeof path);
    s_answer(st, "q1", 1, 100, 20, "A", "N1");
    s_answer(st, "q2", 1, 200, 3, "B", "N1");
    s_answer(st, "q3", 3, 300, 2500, "C", "N2"); /* A job fair: 3 rows of <= 1024. */
    s_answer(st, "q4", 1, 400, 1, "D", "N1");
    CHECK_EQ_INT(s_query(path, "SELECT count(*) FROM feature_answers"), 6);
    CHECK_EQ_INT(s_query(path, "SELECT max(n_pairs) FROM feature_answers"),
                 BOLE_FEATURE_LOG_ANSWER_PAIRS);
    rows_t out = {calloc(MAX_ROWS, sizeof(row_t)), 0};
    REQUIRE(out.rows != NULL);
    const uint32_t pages[] = {1, 7, 20, 1000, 10000};
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        CHECK_EQ_UINT(s_export_all(st, pages[p], &out), 2524);
        for (size_t i = 1; i < out.n; i++)
            CHECK(out.rows[i].seq > out.rows[i - 1].seq);
        CHECK_EQ_STR(out.rows[19].talent_id, "A19");
        CHECK_EQ_STR(out.rows[20].talent_id, "B0");
        CHECK_EQ_STR(out.rows[23 + 1024].talent_id, "C1024");
        CHECK_EQ_UINT(out.rows[23 + 1024].position, 1025);
        CHECK_EQ_STR(out.rows[2523].talent_id, "D0");
    }
    /* A page that ends inside an answer resumes right after it. */
    out.n = 0;
    uint64_t after = 1 * BOLE_FEATURE_LOG_ANSWER_PAIRS + 4; /* q1's 5th pair. */
    CHECK_EQ_INT(bole_store_outcomes(st, 0, INT64_MAX, after, 3, s_collect, &out, err,
                                     sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(out.n, 3);
    CHECK_EQ_STR(out.rows[0].talent_id, "A5");
    CHECK_EQ_UINT(out.rows[0].seq, after + 1);
    /* Time window [200, 400): q2 and q3 only. */
    out.n = 0;
    CHECK_EQ_INT(bole_store_outcomes(st, 200, 400, 0, 5000, s_collect, &out, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(out.n, 2503);
    CHECK_EQ_STR(out.rows[0].talent_id, "B0");
    CHECK_EQ_STR(out.rows[2502].talent_id, "C2499");
    /* A seq beyond the end: nothing. */
    out.n = 0;
    CHECK_EQ_INT(bole_store_outcomes(st, 0, INT64_MAX, UINT64_MAX, 10, s_collect, &out, err,
                                     sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(out.n, 0);
    free(out.rows);
    bole_store_close(&st);
}

typedef struct {
    bole_store_funnel_t rows[8];
    char versions[8][16];
    size_t n;
} funnel_t;

static int s_funnel(void *ctx, const bole_store_funnel_t *f)
{
    funnel_t *x = ctx;
    if (x->n == 8)
        return -1;
    x->rows[x->n] = *f;
    snprintf(x->versions[x->n], sizeof x->versions[x->n], "%s", f->weights_version);
    x->rows[x->n].weights_version = x->versions[x->n];
    x->n++;
    return 0;
}

/* Funnel and lookup on packed pairs: each step counts pairs that reached
 * it or a later one, per (source, weights version). */
static void test_funnel_find(void)
{
    char path[512], err[256];
    bole_store_t *st = s_fresh("funnel.db", path, sizeof path);
    s_answer(st, "f1", 1, 100, 20, "T", "N1");
    s_answer(st, "f2", 1, 200, 5, "T", "N1");
    s_answer(st, "f3", 2, 300, 4, "T", "N1");
    s_feedback(st, "f1", "T0", "N1", 1);   /* impression */
    s_feedback(st, "f1", "T1", "N1", 2);   /* click */
    s_feedback(st, "f1", "T1", "N1", 1);   /* same pair, counted once */
    s_feedback(st, "f1", "T2", "N1", 6);   /* hire: every step */
    s_feedback(st, "f1", "T3", "N1", 3);   /* contact: no step */
    s_feedback(st, "f1", "T4", "N9", 6);   /* not a served pair */
    s_feedback(st, "f2", "T0", "N1", 9);   /* apply */
    s_feedback(st, "f3", "T1", "N1", 5);   /* offer: up to interview */
    funnel_t fu = {0};
    CHECK_EQ_INT(bole_store_feedback_funnel(st, 0, INT64_MAX, 0, s_funnel, &fu, err, sizeof err),
                 BOLE_OK);
    REQUIRE(fu.n == 2);
    CHECK_EQ_INT(fu.rows[0].source, 1);
    CHECK_EQ_UINT(fu.rows[0].served, 25);
    CHECK_EQ_UINT(fu.rows[0].impressions, 4);
    CHECK_EQ_UINT(fu.rows[0].clicks, 3);
    CHECK_EQ_UINT(fu.rows[0].applies, 2);
    CHECK_EQ_UINT(fu.rows[0].interviews, 1);
    CHECK_EQ_UINT(fu.rows[0].hires, 1);
    CHECK_EQ_INT(fu.rows[1].source, 2);
    CHECK_EQ_UINT(fu.rows[1].served, 4);
    CHECK_EQ_UINT(fu.rows[1].interviews, 1);
    CHECK_EQ_UINT(fu.rows[1].hires, 0);
    /* Period and source filters. */
    fu.n = 0;
    CHECK_EQ_INT(bole_store_feedback_funnel(st, 150, 250, 0, s_funnel, &fu, err, sizeof err),
                 BOLE_OK);
    REQUIRE(fu.n == 1);
    CHECK_EQ_UINT(fu.rows[0].served, 5);
    CHECK_EQ_UINT(fu.rows[0].applies, 1);
    fu.n = 0;
    CHECK_EQ_INT(bole_store_feedback_funnel(st, 0, INT64_MAX, 2, s_funnel, &fu, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_UINT(fu.n, 1);

    int found = -1;
    CHECK_EQ_INT(bole_store_feature_log_find(st, "f1", NULL, NULL, &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 1);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "f1", "T19", "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 1);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "f1", "T20", "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 0);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "f1", "T1", "N2", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 0);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "nope", NULL, NULL, &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 0);
    bole_store_close(&st);
}

/* Erasure rewrites packed pairs: the talent's pairs get the pseudonym
 * (whole ids only: T1 is not T10), everything else stays, outcomes still
 * join, and the id is gone from the file. */
static void test_erase(void)
{
    char path[512], err[256];
    bole_store_t *st = s_fresh("erase.db", path, sizeof path);
    s_answer(st, "e1", 1, 100, 12, "T", "N1"); /* T0 .. T11: T1 and T10, T11. */
    s_answer(st, "e2", 1, 200, 3, "U", "N1");  /* No T1. */
    s_answer(st, "e3", 3, 300, 1500, "T", "N2"); /* T1 in the first chunk only. */
    s_feedback(st, "e1", "T1", "N1", 4);
    rows_t before = {calloc(MAX_ROWS, sizeof(row_t)), 0};
    rows_t after = {calloc(MAX_ROWS, sizeof(row_t)), 0};
    REQUIRE(before.rows && after.rows);
    CHECK_EQ_UINT(s_export_all(st, 10000, &before), 1515);
    uint64_t n = 0;
    CHECK_EQ_INT(bole_store_feedback_erase_talent(st, "T1", &n, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(n, 3); /* Two served pairs and one outcome. */
    CHECK_EQ_UINT(s_export_all(st, 10000, &after), 1515);
    char pseudonym[160] = "";
    size_t changed = 0;
    for (size_t i = 0; i < after.n && i < before.n; i++) {
        row_t *a = &after.rows[i], *b = &before.rows[i];
        CHECK_EQ_UINT(a->seq, b->seq);
        if (strcmp(b->talent_id, "T1") == 0) {
            changed++;
            CHECK(strncmp(a->talent_id, "erased:", 7) == 0);
            if (!pseudonym[0])
                snprintf(pseudonym, sizeof pseudonym, "%s", a->talent_id);
            CHECK_EQ_STR(a->talent_id, pseudonym);
            memset(a->talent_id, 0, sizeof a->talent_id); /* For the compare below. */
            snprintf(a->talent_id, sizeof a->talent_id, "T1");
        }
        CHECK(memcmp(a, b, sizeof *a) == 0);
    }
    CHECK_EQ_UINT(changed, 2);
    CHECK_EQ_INT(after.rows[1].outcome, 4); /* The outcome follows the pseudonym. */
    int found = -1;
    CHECK_EQ_INT(bole_store_feature_log_find(st, "e1", "T1", "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 0);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "e1", pseudonym, "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 1);
    CHECK_EQ_INT(bole_store_feature_log_find(st, "e1", "T10", "N1", &found, err, sizeof err),
                 BOLE_OK);
    CHECK_EQ_INT(found, 1);
    /* No blob holds "T1" followed by anything but another digit. */
    CHECK_EQ_INT(s_query(path,
                         "SELECT count(*) FROM feature_answers WHERE instr(pairs,"
                         " x'02005431') > 0"),
                 0);
    /* Again: nothing left. */
    CHECK_EQ_INT(bole_store_feedback_erase_talent(st, "T1", &n, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(n, 0);
    free(before.rows);
    free(after.rows);
    bole_store_close(&st);
}

/* A pair that cannot be packed refuses the whole call and writes nothing;
 * a corrupt row is an error, not a crash or a silent skip. */
static void test_bad_input(void)
{
    char path[512], err[256] = "";
    bole_store_t *st = s_fresh("bad.db", path, sizeof path);
    float f[40] = {0};
    size_t long_len = 70000;
    char *long_id = malloc(long_len + 1);
    REQUIRE(long_id != NULL);
    memset(long_id, 'x', long_len);
    long_id[long_len] = '\0';
    bole_store_served_t rows[2] = {
        {"b1", 1, "w1", "T1", "N1", 1, 1.0f, f, NF, 100},
        {"b1", 1, "w1", long_id, "N1", 2, 1.0f, f, NF, 100},
    };
    CHECK_EQ_INT(bole_store_feature_log_insert(st, rows, 2, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "65535");
    rows[1].talent_id = "T2";
    rows[1].n_features = 33;
    CHECK_EQ_INT(bole_store_feature_log_append(st, rows, 2, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "feature values");
    CHECK_EQ_INT(s_query(path, "SELECT count(*) FROM feature_answers"), 0);
    free(long_id);

    rows[1].n_features = NF;
    CHECK_EQ_INT(bole_store_feature_log_insert(st, rows, 2, err, sizeof err), BOLE_OK);
    bole_store_close(&st);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "UPDATE feature_answers SET pairs = x'0102005431'", NULL, NULL,
                              NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    char e2[256];
    REQUIRE(bole_store_open(&st, path, NULL, e2, sizeof e2) == BOLE_OK);
    rows_t out = {calloc(16, sizeof(row_t)), 0};
    REQUIRE(out.rows != NULL);
    CHECK_EQ_INT(bole_store_outcomes(st, 0, INT64_MAX, 0, 10, s_collect, &out, err, sizeof err),
                 BOLE_INTERNAL);
    CHECK_CONTAINS(err, "corrupt");
    int found = 0;
    CHECK_EQ_INT(bole_store_feature_log_find(st, "b1", "T9", "N1", &found, err, sizeof err),
                 BOLE_INTERNAL);
    s_feedback(st, "b1", "T1", "N1", 1);
    funnel_t fu = {0};
    CHECK_EQ_INT(bole_store_feedback_funnel(st, 0, INT64_MAX, 0, s_funnel, &fu, err, sizeof err),
                 BOLE_INTERNAL);
    uint64_t n = 0;
    CHECK_EQ_INT(bole_store_feedback_erase_talent(st, "T1", &n, err, sizeof err), BOLE_INTERNAL);
    CHECK_EQ_UINT(n, 0);
    /* The failed erasure left the outcome row alone. */
    CHECK_EQ_INT(s_query(path, "SELECT count(*) FROM feedback WHERE talent_id = 'T1'"), 1);
    free(out.rows);
    bole_store_close(&st);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bole-flog-XXXXXX");
    REQUIRE(mkdtemp(s_dir) != NULL);
    test_migration();
    test_paging();
    test_funnel_find();
    test_erase();
    test_bad_input();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (getenv("KEEP")) return check_summary();
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
    return check_summary();
}
