/*
 * store_feedback.c - SQLite side of feature logging and outcome events
 * (store.h "feedback" section; export format in docs/OUTCOMES.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_int.h"

/*
 * The feature log: one row per served answer in feature_answers (schema:
 * migration "feature log v2" in store_schema.c), the answer's pairs packed
 * in its `pairs` BLOB. Packing format 1, integers little-endian:
 *
 *   u8   format (1)
 *   then, n_pairs times (n_pairs is a column of the row, 1 .. 1024):
 *     u16  talent id length t, then t bytes (no NUL)
 *     u16  need id length n, then n bytes
 *     u32  position (1-based, as served)
 *     f32  score
 *     u8   feature count f (0 .. 32), then f x f32 (rank.h order)
 *
 * A pair's seq (ExportOutcomes) is answer id * 1024 + its index in the
 * answer (0-based): it grows with every answer and pair written and never
 * changes, because rows are never deleted and erasure rewrites a row in
 * place. Larger answers (a job-fair run) take consecutive rows.
 */
#define MAX_FEATURES  32
#define PACK_FORMAT   1

/* One pair in packing form: ids with lengths (not NUL-terminated when
 * they point into a blob), features copied. */
typedef struct {
    const char *talent_id;
    size_t talent_len;
    const char *need_id;
    size_t need_len;
    uint32_t position;
    float score;
    size_t n_features;
    float features[MAX_FEATURES];
} pk_pair_t;

/* A packed answer being read. */
typedef struct {
    const uint8_t *p, *end;
    int64_t left;               /* Pairs not read yet. */
} pk_cursor_t;

static const char *s_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static void s_put_u16(uint8_t **p, uint16_t v)
{
    (*p)[0] = (uint8_t)v;
    (*p)[1] = (uint8_t)(v >> 8);
    *p += 2;
}

static void s_put_u32(uint8_t **p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        (*p)[i] = (uint8_t)(v >> (8 * i));
    *p += 4;
}

static void s_put_f32(uint8_t **p, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    s_put_u32(p, v);
}

static uint32_t s_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float s_get_f32(const uint8_t *p)
{
    uint32_t v = s_get_u32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

/* Checks that a pair can be packed; BOLE_INVALID_ARGUMENT with a message
 * if not. */
static bole_status_t s_pk_check(const pk_pair_t *p, char *err, size_t errlen)
{
    if (p->talent_len > UINT16_MAX || p->need_len > UINT16_MAX) {
        snprintf(err, errlen, "feature log: ids longer than %d bytes cannot be logged",
                 UINT16_MAX);
        return BOLE_INVALID_ARGUMENT;
    }
    if (p->n_features > MAX_FEATURES) {
        snprintf(err, errlen, "feature log: at most %d feature values per pair (got %zu)",
                 MAX_FEATURES, p->n_features);
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}

/* Packs n checked pairs into *buf (grown as needed, caller frees);
 * *len gets the size. -1 when out of memory (*buf unchanged). */
static int s_pack(const pk_pair_t *pairs, size_t n, uint8_t **buf, size_t *cap, size_t *len)
{
    size_t need = 1;
    for (size_t i = 0; i < n; i++)
        need += 2 + pairs[i].talent_len + 2 + pairs[i].need_len + 4 + 4 + 1 +
                4 * pairs[i].n_features;
    if (need > *cap) {
        uint8_t *b = realloc(*buf, need);
        if (!b)
            return -1;
        *buf = b;
        *cap = need;
    }
    uint8_t *p = *buf;
    *p++ = PACK_FORMAT;
    for (size_t i = 0; i < n; i++) {
        const pk_pair_t *q = &pairs[i];
        s_put_u16(&p, (uint16_t)q->talent_len);
        memcpy(p, q->talent_id, q->talent_len);
        p += q->talent_len;
        s_put_u16(&p, (uint16_t)q->need_len);
        memcpy(p, q->need_id, q->need_len);
        p += q->need_len;
        s_put_u32(&p, q->position);
        s_put_f32(&p, q->score);
        *p++ = (uint8_t)q->n_features;
        for (size_t f = 0; f < q->n_features; f++)
            s_put_f32(&p, q->features[f]);
    }
    *len = (size_t)(p - *buf);
    return 0;
}

/* Starts reading a packed answer of n_pairs pairs; -1 if the header is wrong. */
static int s_pk_open(pk_cursor_t *c, const void *blob, int bytes, int64_t n_pairs)
{
    c->p = blob;
    c->end = c->p + (bytes > 0 ? bytes : 0);
    c->left = n_pairs;
    if (bytes < 1 || !blob || n_pairs < 1 || n_pairs > BOLE_FEATURE_LOG_ANSWER_PAIRS ||
        c->p[0] != PACK_FORMAT)
        return -1;
    c->p++;
    return 0;
}

/* Reads the next pair into *q (its ids point into the blob). 1: a pair;
 * 0: the answer is done (and the blob ended exactly there); -1: corrupt. */
static int s_pk_next(pk_cursor_t *c, pk_pair_t *q)
{
    if (c->left == 0)
        return c->p == c->end ? 0 : -1;
    size_t avail = (size_t)(c->end - c->p);
    if (avail < 2)
        return -1;
    q->talent_len = (size_t)c->p[0] | (size_t)c->p[1] << 8;
    if (avail < 2 + q->talent_len + 2)
        return -1;
    q->talent_id = (const char *)c->p + 2;
    const uint8_t *p = c->p + 2 + q->talent_len;
    q->need_len = (size_t)p[0] | (size_t)p[1] << 8;
    size_t used = 2 + q->talent_len + 2 + q->need_len + 4 + 4 + 1;
    if (avail < used)
        return -1;
    q->need_id = (const char *)p + 2;
    p += 2 + q->need_len;
    q->position = s_get_u32(p);
    q->score = s_get_f32(p + 4);
    q->n_features = p[8];
    p += 9;
    if (q->n_features > MAX_FEATURES || avail < used + 4 * q->n_features)
        return -1;
    for (size_t f = 0; f < q->n_features; f++)
        q->features[f] = s_get_f32(p + 4 * f);
    c->p = p + 4 * q->n_features;
    c->left--;
    return 1;
}

static bole_status_t s_corrupt(int64_t id, char *err, size_t errlen)
{
    snprintf(err, errlen, "feature log: answer %lld is corrupt (bad pairs blob)", (long long)id);
    return BOLE_INTERNAL;
}

/* 1 if q's talent/need ids equal the NUL-terminated ones (need NULL: any). */
static int s_pk_is(const pk_pair_t *q, const char *talent_id, const char *need_id)
{
    size_t tl = strlen(talent_id);
    if (q->talent_len != tl || memcmp(q->talent_id, talent_id, tl) != 0)
        return 0;
    if (!need_id)
        return 1;
    size_t nl = strlen(need_id);
    return q->need_len == nl && memcmp(q->need_id, need_id, nl) == 0;
}

/* The INSERT that s_answer_insert binds and steps. */
#define INSERT_ANSWER_SQL                                                        \
    "INSERT INTO feature_answers(request_id, source, weights_version, at, n_pairs, pairs) " \
    "VALUES (?,?,?,?,?,?)"

/* Writes one answer row of n (1 .. BOLE_FEATURE_LOG_ANSWER_PAIRS) checked
 * pairs with the prepared INSERT_ANSWER_SQL statement; SQLite's rc, or
 * SQLITE_NOMEM. buf and cap: the caller's packing buffer. */
static int s_answer_insert(sqlite3_stmt *ins, const char *request_id, int source,
                           const char *weights_version, int64_t at, const pk_pair_t *pairs,
                           size_t n, uint8_t **buf, size_t *cap)
{
    size_t len = 0;
    if (s_pack(pairs, n, buf, cap, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_bind_text(ins, 1, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 2, source);
    sqlite3_bind_text(ins, 3, weights_version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 4, at);
    sqlite3_bind_int64(ins, 5, (sqlite3_int64)n);
    sqlite3_bind_blob(ins, 6, *buf, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    sqlite3_clear_bindings(ins);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int s_same_answer(const bole_store_served_t *a, const bole_store_served_t *b)
{
    return a->source == b->source && a->at == b->at &&
           strcmp(a->request_id, b->request_id) == 0 &&
           strcmp(a->weights_version, b->weights_version) == 0;
}

/* Writes rows in the caller's transaction, one answer row per run of
 * consecutive rows with the same request id, source, weights version and
 * time (at most BOLE_FEATURE_LOG_ANSWER_PAIRS pairs per row). Every row is
 * checked first: a row that cannot be packed writes nothing. */
static bole_status_t s_append(sqlite3 *db, const bole_store_served_t *rows, size_t n,
                              char *err, size_t errlen)
{
    if (n == 0)
        return BOLE_OK;
    for (size_t i = 0; i < n; i++) {
        pk_pair_t q = {.talent_id = rows[i].talent_id, .talent_len = strlen(rows[i].talent_id),
                       .need_id = rows[i].need_id, .need_len = strlen(rows[i].need_id),
                       .n_features = rows[i].n_features};
        bole_status_t s = s_pk_check(&q, err, errlen);
        if (s != BOLE_OK)
            return s;
    }
    size_t max = n < BOLE_FEATURE_LOG_ANSWER_PAIRS ? n : BOLE_FEATURE_LOG_ANSWER_PAIRS;
    pk_pair_t *pairs = malloc(max * sizeof *pairs);
    if (!pairs) {
        snprintf(err, errlen, "feature log: out of memory");
        return BOLE_INTERNAL;
    }
    sqlite3_stmt *ins = NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = sqlite3_prepare_v2(db, INSERT_ANSWER_SQL, -1, &ins, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n;) {
        size_t m = 0;
        for (size_t j = i; j < n && m < max && (j == i || s_same_answer(&rows[i], &rows[j]));
             j++, m++) {
            const bole_store_served_t *r = &rows[j];
            pairs[m] = (pk_pair_t){r->talent_id, strlen(r->talent_id), r->need_id,
                                   strlen(r->need_id), r->position, r->score, r->n_features,
                                   {0}};
            memcpy(pairs[m].features, r->features, r->n_features * sizeof(float));
        }
        rc = s_answer_insert(ins, rows[i].request_id, rows[i].source, rows[i].weights_version,
                             rows[i].at, pairs, m, &buf, &cap);
        i += m;
    }
    sqlite3_finalize(ins);
    free(buf);
    free(pairs);
    return rc == SQLITE_OK ? BOLE_OK : bole_store_fail(db, rc, "feature log", err, errlen);
}

bole_status_t bole_store_feature_log_append(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen)
{
    return s_append(store->db, rows, n, err, errlen);
}

bole_status_t bole_store_feature_log_insert(bole_store_t *store, const bole_store_served_t *rows,
                                            size_t n, char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    bole_status_t s = bole_store_exec(db, "BEGIN IMMEDIATE", err, errlen);
    if (s != BOLE_OK)
        return s;
    s = s_append(db, rows, n, err, errlen);
    if (s != BOLE_OK) {
        char e2[64];
        bole_store_exec(db, "ROLLBACK", e2, sizeof e2);
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
                                "SELECT id, n_pairs, pairs FROM feature_answers "
                                "WHERE request_id = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return bole_store_fail(store->db, rc, "feature log lookup", err, errlen);
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    bole_status_t s = BOLE_OK;
    while (!*found && s == BOLE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!talent_id) {
            *found = 1;
            break;
        }
        pk_cursor_t c;
        pk_pair_t q;
        int more = 0;
        if (s_pk_open(&c, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2),
                      sqlite3_column_int64(st, 1)) == 0)
            while ((more = s_pk_next(&c, &q)) == 1 && !*found)
                *found = s_pk_is(&q, talent_id, need_id ? need_id : "");
        else
            more = -1;
        if (more < 0)
            s = s_corrupt(sqlite3_column_int64(st, 0), err, errlen);
    }
    if (s == BOLE_OK && !*found && rc != SQLITE_DONE)
        s = bole_store_fail(store->db, rc, "feature log lookup", err, errlen);
    sqlite3_finalize(st);
    return s;
}

/* Converts the per-pair feature_log of schema 6-9 into feature_answers, in
 * the migration's transaction: the SQL function bole_feature_log_pack_v1()
 * that the "feature log v2" migration calls (registered by store.c while
 * it migrates). Pairs of one request with the same source, weights version
 * and serve time become one answer (chunks of 1024), answers in the order of
 * their first old row; every field survives, only seq changes (docs/OUTCOMES.md). */
static bole_status_t s_upgrade_v1(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *rd = NULL, *ins = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT request_id, source, weights_version, at, talent_id,"
                                " need_id, position, score, features,"
                                " min(id) OVER (PARTITION BY request_id, source,"
                                " weights_version, at) AS first "
                                "FROM feature_log ORDER BY first, id",
                                -1, &rd, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, INSERT_ANSWER_SQL, -1, &ins, NULL);
    if (rc != SQLITE_OK) {
        bole_status_t s = bole_store_fail(db, rc, "feature log upgrade", err, errlen);
        sqlite3_finalize(rd);
        sqlite3_finalize(ins);
        return s;
    }
    pk_pair_t *pairs = calloc(BOLE_FEATURE_LOG_ANSWER_PAIRS, sizeof *pairs);
    char *ids[2 * BOLE_FEATURE_LOG_ANSWER_PAIRS] = {0};
    char *request_id = NULL, *weights_version = NULL;
    int source = 0;
    int64_t at = 0, first = 0;
    size_t m = 0;
    uint8_t *buf = NULL;
    size_t cap = 0;
    bole_status_t s = BOLE_OK;
    if (!pairs) {
        snprintf(err, errlen, "feature log upgrade: out of memory");
        s = BOLE_INTERNAL;
    }
    for (int done = 0; s == BOLE_OK && !done;) {
        rc = sqlite3_step(rd);
        done = rc != SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            s = bole_store_fail(db, rc, "feature log upgrade", err, errlen);
            break;
        }
        /* Write the answer gathered so far when this row starts another. */
        if (m && (done || m == BOLE_FEATURE_LOG_ANSWER_PAIRS ||
                  sqlite3_column_int64(rd, 9) != first)) {
            rc = s_answer_insert(ins, request_id, source, weights_version, at, pairs, m, &buf,
                                 &cap);
            if (rc != SQLITE_OK) {
                s = bole_store_fail(db, rc, "feature log upgrade", err, errlen);
                break;
            }
            for (size_t i = 0; i < 2 * m; i++) {
                free(ids[i]);
                ids[i] = NULL;
            }
            free(request_id);
            free(weights_version);
            request_id = weights_version = NULL;
            m = 0;
        }
        if (done)
            break;
        if (m == 0) {
            request_id = strdup(s_text(rd, 0));
            weights_version = strdup(s_text(rd, 2));
            source = sqlite3_column_int(rd, 1);
            at = sqlite3_column_int64(rd, 3);
            first = sqlite3_column_int64(rd, 9);
        }
        pk_pair_t *q = &pairs[m];
        memset(q, 0, sizeof *q);
        ids[2 * m] = strdup(s_text(rd, 4));
        ids[2 * m + 1] = strdup(s_text(rd, 5));
        if (!request_id || !weights_version || !ids[2 * m] || !ids[2 * m + 1]) {
            snprintf(err, errlen, "feature log upgrade: out of memory");
            s = BOLE_INTERNAL;
            m++; /* So its ids are freed. */
            break;
        }
        q->talent_id = ids[2 * m];
        q->talent_len = strlen(q->talent_id);
        q->need_id = ids[2 * m + 1];
        q->need_len = strlen(q->need_id);
        q->position = (uint32_t)sqlite3_column_int64(rd, 6);
        q->score = (float)sqlite3_column_double(rd, 7);
        /* As the old export read them: whole float32s, at most MAX_FEATURES. */
        q->n_features = (size_t)sqlite3_column_bytes(rd, 8) / sizeof(float);
        if (q->n_features > MAX_FEATURES)
            q->n_features = MAX_FEATURES;
        if (q->n_features)
            memcpy(q->features, sqlite3_column_blob(rd, 8), q->n_features * sizeof(float));
        m++;
        s = s_pk_check(q, err, errlen);
    }
    for (size_t i = 0; i < 2 * m; i++)
        free(ids[i]);
    free(request_id);
    free(weights_version);
    free(buf);
    free(pairs);
    sqlite3_finalize(rd);
    sqlite3_finalize(ins);
    return s;
}

void bole_store_feature_log_upgrade_v1(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (s_upgrade_v1(sqlite3_context_db_handle(ctx), err, sizeof err) != BOLE_OK)
        sqlite3_result_error(ctx, err, -1);
    else
        sqlite3_result_null(ctx);
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

/* Furthest outcome of one pair: the funnel order impression < click <
 * apply < shortlist < interview < offer < hire; reject/dismiss count only
 * if nothing else. Parameters: request id, talent id, need id. */
#define FURTHEST_SQL                                                                     \
    "SELECT f.kind FROM feedback f WHERE f.request_id = ?1 AND "                          \
    "f.talent_id = ?2 AND f.need_id = ?3 ORDER BY CASE f.kind "                           \
    "WHEN 6 THEN 9 WHEN 5 THEN 8 WHEN 4 THEN 7 WHEN 10 THEN 6 WHEN 9 THEN 5 WHEN 3 THEN 4 " \
    "WHEN 2 THEN 3 WHEN 1 THEN 2 ELSE 1 END DESC LIMIT 1"
/* Every outcome kind reported for one pair (same parameters). */
#define KINDS_SQL                                                                        \
    "SELECT kind FROM feedback WHERE request_id = ?1 AND talent_id = ?2 AND need_id = ?3"
/* Whether any outcome names the request (most answers have none). */
#define ANY_SQL "SELECT 1 FROM feedback WHERE request_id = ?1 LIMIT 1"

/* Statements the readers of the log run per answer and per pair. */
typedef struct {
    sqlite3_stmt *any;          /* ANY_SQL */
    sqlite3_stmt *pair;         /* FURTHEST_SQL or KINDS_SQL */
} fb_stmts_t;

static int s_fb_prepare(sqlite3 *db, fb_stmts_t *f, const char *pair_sql)
{
    int rc = sqlite3_prepare_v2(db, ANY_SQL, -1, &f->any, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, pair_sql, -1, &f->pair, NULL);
    return rc;
}

static void s_fb_finalize(fb_stmts_t *f)
{
    sqlite3_finalize(f->any);
    sqlite3_finalize(f->pair);
}

/* *any = 1 if an outcome names request_id; SQLite's rc. */
static int s_fb_any(fb_stmts_t *f, const char *request_id, int *any)
{
    sqlite3_bind_text(f->any, 1, request_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(f->any);
    *any = rc == SQLITE_ROW;
    sqlite3_reset(f->any);
    sqlite3_clear_bindings(f->any);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Binds the pair's ids to f->pair, ready to step. */
static void s_fb_bind_pair(fb_stmts_t *f, const char *request_id, const pk_pair_t *q)
{
    sqlite3_bind_text(f->pair, 1, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(f->pair, 2, q->talent_id, (int)q->talent_len, SQLITE_STATIC);
    sqlite3_bind_text(f->pair, 3, q->need_id, (int)q->need_len, SQLITE_STATIC);
}

static void s_fb_done_pair(fb_stmts_t *f)
{
    sqlite3_reset(f->pair);
    sqlite3_clear_bindings(f->pair);
}

/* NUL-terminated copies of a pair's ids in *scratch (grown as needed); -1
 * when out of memory. */
static int s_pk_strings(const pk_pair_t *q, char **scratch, size_t *cap, const char **talent,
                        const char **need)
{
    size_t want = q->talent_len + q->need_len + 2;
    if (want > *cap) {
        char *b = realloc(*scratch, want);
        if (!b)
            return -1;
        *scratch = b;
        *cap = want;
    }
    memcpy(*scratch, q->talent_id, q->talent_len);
    (*scratch)[q->talent_len] = '\0';
    memcpy(*scratch + q->talent_len + 1, q->need_id, q->need_len);
    (*scratch)[q->talent_len + 1 + q->need_len] = '\0';
    *talent = *scratch;
    *need = *scratch + q->talent_len + 1;
    return 0;
}

/* Emits the pairs of the answer row at st (columns of bole_store_outcomes)
 * whose seq is after `after`, until *emitted reaches limit. */
static bole_status_t s_outcomes_answer(sqlite3 *db, sqlite3_stmt *st, fb_stmts_t *fb,
                                       uint64_t after, uint32_t limit, uint32_t *emitted,
                                       char **scratch, size_t *scratch_cap,
                                       bole_store_outcome_fn fn, void *ctx, char *err,
                                       size_t errlen)
{
    int64_t id = sqlite3_column_int64(st, 0);
    const char *request_id = s_text(st, 1);
    pk_cursor_t c;
    pk_pair_t q;
    if (id < 0 || id > INT64_MAX / BOLE_FEATURE_LOG_ANSWER_PAIRS ||
        s_pk_open(&c, sqlite3_column_blob(st, 6), sqlite3_column_bytes(st, 6),
                  sqlite3_column_int64(st, 5)) != 0)
        return s_corrupt(id, err, errlen);
    int any = 0;
    int rc = s_fb_any(fb, request_id, &any);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "outcomes", err, errlen);
    uint64_t seq = (uint64_t)id * BOLE_FEATURE_LOG_ANSWER_PAIRS;
    int more = 0;
    for (; *emitted < limit && (more = s_pk_next(&c, &q)) == 1; seq++) {
        if (seq <= after)
            continue;
        int outcome = 0;
        if (any) {
            s_fb_bind_pair(fb, request_id, &q);
            rc = sqlite3_step(fb->pair);
            if (rc == SQLITE_ROW)
                outcome = sqlite3_column_int(fb->pair, 0);
            s_fb_done_pair(fb);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return bole_store_fail(db, rc, "outcomes", err, errlen);
        }
        bole_store_outcome_t row = {
            .seq = seq,
            .served = {
                .request_id = request_id,
                .source = sqlite3_column_int(st, 2),
                .weights_version = s_text(st, 3),
                .position = q.position,
                .score = q.score,
                .features = q.features,
                .n_features = q.n_features,
                .at = sqlite3_column_int64(st, 4),
            },
            .outcome = outcome,
        };
        if (s_pk_strings(&q, scratch, scratch_cap, &row.served.talent_id,
                         &row.served.need_id) != 0 ||
            fn(ctx, &row) != 0) {
            snprintf(err, errlen, "out of memory");
            return BOLE_INTERNAL;
        }
        (*emitted)++;
    }
    return *emitted < limit && more < 0 ? s_corrupt(id, err, errlen) : BOLE_OK;
}

bole_status_t bole_store_outcomes(bole_store_t *store, int64_t from, int64_t to, uint64_t after,
                                  uint32_t limit, bole_store_outcome_fn fn, void *ctx, char *err,
                                  size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st = NULL;
    fb_stmts_t fb = {0};
    /* From the answer holding seq `after`: it may have pairs after it. */
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, request_id, source, weights_version, at, n_pairs,"
                                " pairs FROM feature_answers "
                                "WHERE id >= ? AND at >= ? AND at < ? ORDER BY id",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = s_fb_prepare(db, &fb, FURTHEST_SQL);
    if (rc != SQLITE_OK) {
        bole_status_t s = bole_store_fail(db, rc, "outcomes", err, errlen);
        sqlite3_finalize(st);
        s_fb_finalize(&fb);
        return s;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(after / BOLE_FEATURE_LOG_ANSWER_PAIRS));
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    bole_status_t s = BOLE_OK;
    char *scratch = NULL;
    size_t scratch_cap = 0;
    uint32_t emitted = 0;
    while (s == BOLE_OK && emitted < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        s = s_outcomes_answer(db, st, &fb, after, limit, &emitted, &scratch, &scratch_cap, fn,
                              ctx, err, errlen);
    if (s == BOLE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        s = bole_store_fail(db, rc, "outcomes", err, errlen);
    free(scratch);
    sqlite3_finalize(st);
    s_fb_finalize(&fb);
    return s;
}

/* Funnel steps: a pair reached a step if an outcome of one of these kinds
 * (the step or a later one) was reported for it. Bit k = FeedbackKind k. */
#define KIND_BIT(k) (1u << (k))
static const unsigned s_step_kinds[5] = {
    /* impressions */ KIND_BIT(1) | KIND_BIT(2) | KIND_BIT(9) | KIND_BIT(10) | KIND_BIT(4) |
        KIND_BIT(5) | KIND_BIT(6),
    /* clicks */ KIND_BIT(2) | KIND_BIT(9) | KIND_BIT(10) | KIND_BIT(4) | KIND_BIT(5) |
        KIND_BIT(6),
    /* applies */ KIND_BIT(9) | KIND_BIT(10) | KIND_BIT(4) | KIND_BIT(5) | KIND_BIT(6),
    /* interviews */ KIND_BIT(4) | KIND_BIT(5) | KIND_BIT(6),
    /* hires */ KIND_BIT(6),
};

typedef struct {
    int source;
    char *weights_version;
    uint64_t served, steps[5];
} funnel_group_t;

static int s_group_cmp(const void *a, const void *b)
{
    const funnel_group_t *x = a, *y = b;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return strcmp(x->weights_version, y->weights_version);
}

/* Adds the answer row at st (columns of bole_store_feedback_funnel) to g. */
static bole_status_t s_funnel_answer(sqlite3 *db, sqlite3_stmt *st, fb_stmts_t *fb,
                                     funnel_group_t *g, char *err, size_t errlen)
{
    int64_t id = sqlite3_column_int64(st, 0);
    const char *request_id = s_text(st, 3);
    g->served += (uint64_t)sqlite3_column_int64(st, 4);
    int any = 0;
    int rc = s_fb_any(fb, request_id, &any);
    if (rc != SQLITE_OK)
        return bole_store_fail(db, rc, "funnel", err, errlen);
    if (!any)
        return BOLE_OK;
    pk_cursor_t c;
    pk_pair_t q;
    int more = 0;
    if (s_pk_open(&c, sqlite3_column_blob(st, 5), sqlite3_column_bytes(st, 5),
                  sqlite3_column_int64(st, 4)) != 0)
        return s_corrupt(id, err, errlen);
    while ((more = s_pk_next(&c, &q)) == 1) {
        unsigned kinds = 0;
        s_fb_bind_pair(fb, request_id, &q);
        while ((rc = sqlite3_step(fb->pair)) == SQLITE_ROW) {
            int k = sqlite3_column_int(fb->pair, 0);
            if (k > 0 && k < 32)
                kinds |= KIND_BIT(k);
        }
        s_fb_done_pair(fb);
        if (rc != SQLITE_DONE)
            return bole_store_fail(db, rc, "funnel", err, errlen);
        for (int i = 0; i < 5; i++)
            g->steps[i] += (kinds & s_step_kinds[i]) != 0;
    }
    return more < 0 ? s_corrupt(id, err, errlen) : BOLE_OK;
}

bole_status_t bole_store_feedback_funnel(bole_store_t *store, int64_t from, int64_t to,
                                         int source, bole_store_funnel_fn fn, void *ctx,
                                         char *err, size_t errlen)
{
    sqlite3 *db = store->db;
    sqlite3_stmt *st = NULL;
    fb_stmts_t fb = {0};
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, source, weights_version, request_id, n_pairs, pairs "
                                "FROM feature_answers WHERE at >= ?1 AND at < ?2 "
                                "AND (?3 = 0 OR source = ?3)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = s_fb_prepare(db, &fb, KINDS_SQL);
    if (rc != SQLITE_OK) {
        bole_status_t s = bole_store_fail(db, rc, "funnel", err, errlen);
        sqlite3_finalize(st);
        s_fb_finalize(&fb);
        return s;
    }
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int(st, 3, source);
    bole_status_t s = BOLE_OK;
    funnel_group_t *groups = NULL;
    size_t n_groups = 0;
    while (s == BOLE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int src = sqlite3_column_int(st, 1);
        const char *version = s_text(st, 2);
        funnel_group_t *g = NULL;
        for (size_t i = 0; i < n_groups && !g; i++)
            if (groups[i].source == src && strcmp(groups[i].weights_version, version) == 0)
                g = &groups[i];
        if (!g) {
            funnel_group_t *more = realloc(groups, (n_groups + 1) * sizeof *groups);
            if (more)
                groups = more;
            char *v = more ? strdup(version) : NULL;
            if (!v) {
                snprintf(err, errlen, "out of memory");
                s = BOLE_INTERNAL;
                break;
            }
            g = &groups[n_groups++];
            *g = (funnel_group_t){.source = src, .weights_version = v};
        }
        s = s_funnel_answer(db, st, &fb, g, err, errlen);
    }
    if (s == BOLE_OK && rc != SQLITE_DONE)
        s = bole_store_fail(db, rc, "funnel", err, errlen);
    /* The order the old GROUP BY gave: source, then weights version. */
    if (s == BOLE_OK && n_groups)
        qsort(groups, n_groups, sizeof *groups, s_group_cmp);
    for (size_t i = 0; s == BOLE_OK && i < n_groups; i++) {
        const funnel_group_t *g = &groups[i];
        bole_store_funnel_t row = {
            .source = g->source,
            .weights_version = g->weights_version,
            .served = g->served,
            .impressions = g->steps[0],
            .clicks = g->steps[1],
            .applies = g->steps[2],
            .interviews = g->steps[3],
            .hires = g->steps[4],
        };
        if (fn(ctx, &row) != 0) {
            snprintf(err, errlen, "out of memory");
            s = BOLE_INTERNAL;
        }
    }
    for (size_t i = 0; i < n_groups; i++)
        free(groups[i].weights_version);
    free(groups);
    sqlite3_finalize(st);
    s_fb_finalize(&fb);
    return s;
}

/* Replaces talent_id by pseudonym in every packed answer that holds it;
 * *n += pairs changed. Candidates are found by a byte search of the blobs
 * (instr), then decoded: only whole talent ids are replaced. */
static bole_status_t s_erase_log(sqlite3 *db, const char *talent_id, const char *pseudonym,
                                 uint64_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *find = NULL, *get = NULL, *put = NULL;
    int64_t *ids = NULL;
    size_t n_ids = 0, cap_ids = 0;
    pk_pair_t *pairs = calloc(BOLE_FEATURE_LOG_ANSWER_PAIRS, sizeof *pairs);
    uint8_t *buf = NULL;
    size_t cap = 0;
    bole_status_t s = BOLE_OK;
    int rc = sqlite3_prepare_v2(db, "SELECT id FROM feature_answers WHERE instr(pairs, ?1) > 0",
                                -1, &find, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT n_pairs, pairs FROM feature_answers WHERE id = ?",
                                -1, &get, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "UPDATE feature_answers SET pairs = ? WHERE id = ?", -1,
                                &put, NULL);
    if (rc != SQLITE_OK)
        goto done;
    if (!pairs) {
        rc = SQLITE_NOMEM;
        goto done;
    }
    /* Collect first: the rows are rewritten below. */
    sqlite3_bind_blob(find, 1, talent_id, (int)strlen(talent_id), SQLITE_STATIC);
    while ((rc = sqlite3_step(find)) == SQLITE_ROW) {
        if (n_ids == cap_ids) {
            size_t c2 = cap_ids ? 2 * cap_ids : 64;
            int64_t *more = realloc(ids, c2 * sizeof *ids);
            if (!more) {
                rc = SQLITE_NOMEM;
                goto done;
            }
            ids = more;
            cap_ids = c2;
        }
        ids[n_ids++] = sqlite3_column_int64(find, 0);
    }
    if (rc != SQLITE_DONE)
        goto done;
    rc = SQLITE_OK;
    for (size_t i = 0; i < n_ids && rc == SQLITE_OK; i++) {
        sqlite3_bind_int64(get, 1, ids[i]);
        rc = sqlite3_step(get);
        if (rc != SQLITE_ROW) {
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
            sqlite3_reset(get);
            continue;
        }
        rc = SQLITE_OK;
        pk_cursor_t c;
        pk_pair_t q;
        size_t m = 0, changed = 0;
        int more = -1;
        if (s_pk_open(&c, sqlite3_column_blob(get, 1), sqlite3_column_bytes(get, 1),
                      sqlite3_column_int64(get, 0)) == 0)
            while ((more = s_pk_next(&c, &q)) == 1) {
                if (m == BOLE_FEATURE_LOG_ANSWER_PAIRS) {
                    more = -1; /* More pairs than a row may hold. */
                    break;
                }
                if (s_pk_is(&q, talent_id, NULL)) {
                    q.talent_id = pseudonym;
                    q.talent_len = strlen(pseudonym);
                    changed++;
                }
                pairs[m++] = q;
            }
        if (more != 0) {
            sqlite3_reset(get);
            s = s_corrupt(ids[i], err, errlen);
            break;
        }
        /* The pairs point into get's row: pack before resetting it. */
        size_t len = 0;
        if (changed && s_pack(pairs, m, &buf, &cap, &len) != 0)
            rc = SQLITE_NOMEM;
        sqlite3_reset(get);
        if (!changed || rc != SQLITE_OK)
            continue;
        sqlite3_bind_blob(put, 1, buf, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(put, 2, ids[i]);
        rc = sqlite3_step(put);
        sqlite3_reset(put);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        *n += changed;
    }
done:
    if (s == BOLE_OK && rc != SQLITE_OK)
        s = bole_store_fail(db, rc, "pseudonymise feature log", err, errlen);
    sqlite3_finalize(find);
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    free(ids);
    free(pairs);
    free(buf);
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
    /* All or nothing, inside the caller's transaction or on its own. */
    bole_status_t s = bole_store_exec(db, "SAVEPOINT feedback_erase", err, errlen);
    if (s != BOLE_OK)
        return s;
    s = s_erase_log(db, talent_id, pseudonym, n, err, errlen);
    if (s == BOLE_OK) {
        sqlite3_stmt *stmt = NULL;
        int rc = sqlite3_prepare_v2(db, "UPDATE feedback SET talent_id = ?1 WHERE talent_id = ?2",
                                    -1, &stmt, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(stmt, 1, pseudonym, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(stmt, 2, talent_id, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(stmt);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_OK)
            s = bole_store_fail(db, rc, "pseudonymise feedback", err, errlen);
        else
            *n += (uint64_t)sqlite3_changes(db);
    }
    if (s != BOLE_OK) {
        char e2[64];
        bole_store_exec(db, "ROLLBACK TO feedback_erase", e2, sizeof e2);
        bole_store_exec(db, "RELEASE feedback_erase", e2, sizeof e2);
        *n = 0;
        return s;
    }
    return bole_store_exec(db, "RELEASE feedback_erase", err, errlen);
}
