#define _POSIX_C_SOURCE 200809L
/* test_trend_snapshot.c - the trend arrays' snapshot (trend_snapshot) gives
 * the same Trends answers as a scan of every stored delta:
 *   1. after a clean stop (snapshot written, no rows after it);
 *   2. after writes past the snapshot and a kill -9 (the rows after it are
 *      replayed);
 *   3. with the snapshot damaged (checksum): full scan, logged;
 *   4. with an older snapshot and rows after it;
 *   5. with the snapshot's last row changed since (stale): full scan,
 *      logged, and the same answers as with no snapshot at all;
 *   6. with periodic snapshots written by the trend thread during writes,
 *      then kill -9.
 * Each answer set covers every dimension and window over 4 months plus the
 * periods up to now, compared as sorted text lines. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "integration/harness.h"

#define DAY 86400000LL
#define JAN1 1704067200000LL /* Monday 2024-01-01T00:00Z. */

static harness_t *s_h;
static bole_client_t *s_c;
static uint64_t s_rng = 88172645463325252ULL;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng % n);
}

static const char *const SKILLS[] = {"python", "rust", "c", "go", "sql", "java", "ocaml",
                                     "kotlin", "lua", "perl", "zig", "haskell"};
static const char *const ZONES[] = {"Binhai", "Heping", "Nankai", "Hexi"};
static const char *const INDS[] = {"Software", "Finance", "Logistics"};
static const char *const OCCS[] = {"Engineer", "Analyst", "Operator"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);
    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

/* count talents T<first>.. with random skills, zone, industry and date. */
static void s_put_talents(int first, int count, int64_t day_from, int days)
{
    Bole__Talent *ts = calloc((size_t)count, sizeof *ts);
    Bole__Talent **tp = calloc((size_t)count, sizeof *tp);
    Bole__Skill *sk = calloc((size_t)count * 4, sizeof *sk);
    Bole__Skill **skp = calloc((size_t)count * 4, sizeof *skp);
    char **inds = calloc((size_t)count, sizeof *inds);
    char(*ids)[16] = calloc((size_t)count, sizeof *ids);
    REQUIRE(ts && tp && sk && skp && inds && ids);
    for (int i = 0; i < count; i++) {
        Bole__Talent *t = &ts[i];
        bole__talent__init(t);
        snprintf(ids[i], sizeof ids[i], "T%d", first + i);
        t->external_id = ids[i];
        t->zone = (char *)ZONES[s_rand(N_OF(ZONES))];
        t->occupation = (char *)OCCS[s_rand(N_OF(OCCS))];
        size_t n = 1 + s_rand(4);
        for (size_t j = 0; j < n; j++) {
            Bole__Skill *s = &sk[(size_t)i * 4 + j];
            bole__skill__init(s);
            s->name = (char *)SKILLS[s_rand(N_OF(SKILLS))];
            skp[(size_t)i * 4 + j] = s;
        }
        t->skills = &skp[(size_t)i * 4];
        t->n_skills = n;
        inds[i] = (char *)INDS[s_rand(N_OF(INDS))];
        t->industries = &inds[i];
        t->n_industries = 1;
        t->availability = s_rand(5) == 0 ? 3 : 1; /* Some UNAVAILABLE. */
        t->updated_at = JAN1 + (day_from + s_rand((uint32_t)days)) * DAY + s_rand(1000) * 1000;
        tp[i] = t;
    }
    Bole__PutTalentsRequest body = BOLE__PUT_TALENTS_REQUEST__INIT;
    body.talents = tp;
    body.n_talents = (size_t)count;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &body;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->status)
        fprintf(stderr, "put talents: %s\n", r->error);
    bole_response_free(r);
    free(ts);
    free(tp);
    free(sk);
    free(skp);
    free(inds);
    free(ids);
}

/* One need N<i>: some closed, some expiring inside the range. */
static void s_put_need(int i, int64_t day_from, int days)
{
    char id[16];
    snprintf(id, sizeof id, "N%d", i);
    Bole__NeedSkill a = BOLE__NEED_SKILL__INIT, b = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *sk[] = {&a, &b};
    a.name = (char *)SKILLS[s_rand(N_OF(SKILLS))];
    a.must_have = 1;
    b.name = (char *)SKILLS[s_rand(N_OF(SKILLS))];
    Bole__Need n = BOLE__NEED__INIT;
    n.external_id = id;
    n.organisation = "Acme";
    n.zone = (char *)ZONES[s_rand(N_OF(ZONES))];
    n.industry = (char *)INDS[s_rand(N_OF(INDS))];
    n.title = (char *)OCCS[s_rand(N_OF(OCCS))];
    n.skills = sk;
    n.n_skills = 2;
    n.headcount = s_rand(4);
    n.closed = s_rand(6) == 0;
    n.updated_at = JAN1 + (day_from + s_rand((uint32_t)days)) * DAY;
    if (s_rand(3) == 0)
        n.expires_at = n.updated_at + (1 + s_rand(40)) * DAY;
    Bole__PutNeedRequest body = BOLE__PUT_NEED_REQUEST__INIT;
    body.need = &n;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &body;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

static void s_delete_talent(int i)
{
    char id[16];
    snprintf(id, sizeof id, "T%d", i);
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = id;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_DELETE_TALENT;
    req.delete_talent = &b;
    Bole__Response *r = s_call(&req);
    CHECK(r->status == BOLE__STATUS_CODE__OK || r->status == BOLE__STATUS_CODE__NOT_FOUND);
    bole_response_free(r);
}

/* A batch of writes: new talents, updates of earlier ones (new dates and
 * skills), needs, deletes. */
static void s_writes(int batch)
{
    int64_t from = batch * 20;
    s_put_talents(batch * 200, 200, from, 30);
    if (batch > 0)
        s_put_talents((batch - 1) * 200 + 50, 60, from + 10, 20); /* Updates. */
    for (int i = 0; i < 30; i++)
        s_put_need(batch * 30 + i, from, 30);
    if (batch > 0)
        for (int i = 0; i < 8; i++)
            s_put_need((batch - 1) * 30 + i, from + 5, 20); /* Need updates. */
    for (int i = 0; i < 10; i++)
        s_delete_talent(batch * 200 + 3 * i);
}

typedef struct {
    char *p;
    size_t n, cap;
} text_t;

static void s_line(text_t *t, const char *line)
{
    size_t l = strlen(line);
    if (t->n + l + 2 > t->cap) {
        t->cap = (t->cap + l + 2) * 2;
        t->p = realloc(t->p, t->cap);
        REQUIRE(t->p);
    }
    memcpy(t->p + t->n, line, l);
    t->n += l;
    t->p[t->n++] = '\n';
    t->p[t->n] = '\0';
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every Trends answer of interest, one line per number, sorted. */
static char *s_answers(void)
{
    text_t all = {0};
    char line[512];
    for (int dim = 1; dim <= 4; dim++)
        for (int window = 1; window <= 3; window++)
            for (int now = 0; now < 2; now++) {
                Bole__TrendsRequest t = BOLE__TRENDS_REQUEST__INIT;
                t.dimension = dim;
                t.window = window;
                t.from = now ? 0 : JAN1;
                t.to = now ? 0 : JAN1 + 120 * DAY;
                t.top = 200;
                Bole__Request req = BOLE__REQUEST__INIT;
                req.body_case = BOLE__REQUEST__BODY_TRENDS;
                req.trends = &t;
                Bole__Response *r = s_call(&req);
                REQUIRE(r->status == 0 && r->trends);
                const Bole__TrendsResponse *tr = r->trends;
                for (size_t i = 0; i < tr->n_series; i++)
                    for (size_t p = 0; p < tr->series[i]->n_points; p++) {
                        const Bole__TrendPoint *pt = tr->series[i]->points[p];
                        snprintf(line, sizeof line, "%d/%d/%d series %s %lld %.6f %.6f", dim,
                                 window, now, tr->series[i]->key, (long long)pt->period_start,
                                 pt->supply, pt->demand);
                        s_line(&all, line);
                    }
                const struct {
                    const char *name;
                    Bole__KeyGap *const *v;
                    size_t n;
                } lists[] = {{"shortage", tr->shortages, tr->n_shortages},
                             {"surplus", tr->surpluses, tr->n_surpluses}};
                for (size_t l = 0; l < 2; l++)
                    for (size_t i = 0; i < lists[l].n; i++) {
                        snprintf(line, sizeof line, "%d/%d/%d %s %s %.6f %.6f", dim, window, now,
                                 lists[l].name, lists[l].v[i]->key, lists[l].v[i]->supply,
                                 lists[l].v[i]->demand);
                        s_line(&all, line);
                    }
                for (size_t i = 0; i < tr->n_movers; i++) {
                    snprintf(line, sizeof line, "%d/%d/%d mover %s %.9f", dim, window, now,
                             tr->movers[i]->key, tr->movers[i]->change);
                    s_line(&all, line);
                }
                bole_response_free(r);
            }
    /* Sort the lines (ties may be listed in either order). */
    size_t n = 0;
    for (size_t i = 0; i < all.n; i++)
        n += all.p[i] == '\n';
    char **lines = calloc(n + 1, sizeof *lines);
    REQUIRE(lines);
    size_t k = 0;
    for (char *save = NULL, *tok = strtok_r(all.p, "\n", &save); tok;
         tok = strtok_r(NULL, "\n", &save))
        lines[k++] = tok;
    qsort(lines, k, sizeof *lines, s_cmp);
    text_t out = {0};
    for (size_t i = 0; i < k; i++)
        s_line(&out, lines[i]);
    free(lines);
    free(all.p);
    return out.p;
}

static void s_same(const char *a, const char *b, const char *when)
{
    int same = a && b && strcmp(a, b) == 0;
    if (!same && a && b) {
        size_t i = 0;
        while (a[i] && a[i] == b[i])
            i++;
        size_t from = i > 80 ? i - 80 : 0;
        fprintf(stderr, "%s: answers differ at byte %zu:\n  expected ...%.160s\n  got      "
                "...%.160s\n", when, i, a + from, b + from);
    }
    CHECK(same);
}

static long s_log_size(void)
{
    struct stat st;
    return stat(harness_log_path(s_h), &st) == 0 ? (long)st.st_size : 0;
}

/* The log written since offset from (malloc'd). */
static char *s_log_since(long from)
{
    FILE *f = fopen(harness_log_path(s_h), "r");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    long end = ftell(f);
    fseek(f, from, SEEK_SET);
    char *buf = calloc(1, (size_t)(end - from) + 1);
    REQUIRE(buf);
    size_t got = fread(buf, 1, (size_t)(end - from), f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Stops the daemon (SIGTERM, or SIGKILL with kill9). */
static void s_stop(int kill9)
{
    bole_client_destroy(&s_c);
    if (kill9)
        REQUIRE(harness_kill(s_h) == 0);
    else
        CHECK_EQ_INT(harness_stop(s_h, 20000), 0);
}

/* Starts it again; returns the log it wrote while starting (malloc'd). */
static char *s_start(void)
{
    long from = s_log_size();
    REQUIRE(harness_restart(s_h) == 0);
    s_c = harness_client(s_h, 20000);
    REQUIRE(s_c != NULL);
    return s_log_since(from);
}

static char *s_restart(int kill9)
{
    s_stop(kill9);
    return s_start();
}

/* From "snapshot up to row U, then rows up to M": U and M (0, 0 if absent). */
static void s_snapshot_rows(const char *log, long long *u, long long *m)
{
    *u = *m = 0;
    const char *p = strstr(log, "snapshot up to row ");
    if (p)
        sscanf(p, "snapshot up to row %lld, then rows up to %lld", u, m);
}

static sqlite3 *s_db(void)
{
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(harness_db_path(s_h), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void s_exec(const char *sql)
{
    sqlite3 *db = s_db();
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    CHECK_EQ_INT(rc, SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* The stored snapshot blob (malloc'd) and its length; NULL if none. */
static unsigned char *s_snapshot_get(size_t *len)
{
    sqlite3 *db = s_db();
    sqlite3_stmt *st = NULL;
    unsigned char *out = NULL;
    *len = 0;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT data FROM trend_snapshot WHERE id = 1", -1, &st,
                               NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        out = malloc(*len ? *len : 1);
        REQUIRE(out);
        memcpy(out, sqlite3_column_blob(st, 0), *len);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void s_snapshot_set(const unsigned char *data, size_t len)
{
    sqlite3 *db = s_db();
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE trend_snapshot SET data = ? WHERE id = 1", -1, &st,
                               NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, data, (int)len, SQLITE_STATIC);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    CHECK_EQ_INT(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 20000);
    REQUIRE(s_c != NULL);

    /* 1. Clean stop: the snapshot is written and used, nothing replayed. */
    s_writes(0);
    s_writes(1);
    char *x1 = s_answers();
    CHECK(strlen(x1) > 10000); /* A real answer set, not an empty one. */
    char *log = s_restart(0);
    long long u1, m1;
    s_snapshot_rows(log, &u1, &m1);
    CHECK(u1 > 0);
    CHECK_EQ_INT(m1, u1);
    char *y = s_answers();
    s_same(x1, y, "snapshot after a clean stop");
    free(y);
    free(log);

    /* 2. Writes after the snapshot, then kill -9: the snapshot of the clean
     * stop plus the rows after it (replayed). */
    s_writes(2);
    char *x2 = s_answers();
    CHECK(strcmp(x1, x2) != 0);
    log = s_restart(1);
    long long u2, m2;
    s_snapshot_rows(log, &u2, &m2);
    CHECK_EQ_INT(u2, u1);
    CHECK(m2 > u2);
    y = s_answers();
    s_same(x2, y, "snapshot + replay after kill -9");
    free(y);
    free(log);

    /* 3. A damaged snapshot: the full scan, with a log line. */
    s_writes(3);
    char *x3 = s_answers();
    s_stop(0);
    size_t len = 0;
    unsigned char *good = s_snapshot_get(&len);
    REQUIRE(good && len > 100);
    unsigned char *bad = malloc(len);
    REQUIRE(bad);
    memcpy(bad, good, len);
    bad[len / 2] ^= 0x20;
    s_snapshot_set(bad, len);
    log = s_start();
    CHECK_CONTAINS(log, "trend: snapshot unusable (checksum mismatch");
    CHECK_CONTAINS(log, "every stored delta, rows up to");
    y = s_answers();
    s_same(x3, y, "damaged snapshot, full scan");
    free(y);
    free(log);
    /* Truncated: also refused. */
    s_stop(0);
    s_snapshot_set(good, len / 3);
    log = s_start();
    CHECK_CONTAINS(log, "trend: snapshot unusable");
    y = s_answers();
    s_same(x3, y, "truncated snapshot, full scan");
    free(y);
    free(log);

    /* 4. An older (valid) snapshot with more rows after it. */
    s_writes(4);
    char *x4 = s_answers();
    s_stop(0);
    s_snapshot_set(good, len); /* The one of step 3, before batch 4. */
    log = s_start();
    long long u4, m4;
    s_snapshot_rows(log, &u4, &m4);
    CHECK(u4 >= m2 && m4 > u4);
    y = s_answers();
    s_same(x4, y, "older snapshot + replay");
    free(y);
    free(log);

    /* 5. Stale: the snapshot's last row is changed behind its back. The
     * daemon must notice and scan; the answer equals the no-snapshot one
     * (and differs from before the change, so the check means something). */
    s_stop(0);
    /* (The row's packed deltas are replaced by those of the first row,
     * another write's.) */
    s_exec("UPDATE trend_rows SET deltas = (SELECT deltas FROM trend_rows ORDER BY n LIMIT 1) "
           "WHERE n = (SELECT upto FROM trend_snapshot WHERE id = 1)");
    log = s_start();
    CHECK_CONTAINS(log, "trend: snapshot is stale");
    char *stale = s_answers();
    CHECK(strcmp(stale, x4) != 0);
    free(log);
    s_stop(1); /* kill -9: no new snapshot written, and none at all: */
    s_exec("DELETE FROM trend_snapshot");
    log = s_start();
    CHECK_CONTAINS(log, "trend: no snapshot stored");
    y = s_answers();
    s_same(stale, y, "stale snapshot vs no snapshot");
    free(y);
    free(log);

    /* 6. Periodic snapshots by the trend thread (every second here) taken
     * while batches are written, then kill -9: the latest periodic snapshot
     * plus the rows after it give the live answer. */
    setenv("BOLE_TREND_SNAPSHOT_SECONDS", "1", 1);
    log = s_restart(0);
    free(log);
    long long u5 = 0, m5 = 0;
    for (int b = 5; b < 8; b++)
        s_writes(b);
    char *x6 = s_answers();
    struct timespec pause = {1, 500 * 1000 * 1000};
    nanosleep(&pause, NULL); /* At least one more periodic snapshot... */
    s_writes(8);             /* ... and rows after it. */
    char *x7 = s_answers();
    CHECK(strcmp(x6, x7) != 0);
    char *all = s_log_since(0);
    CHECK_CONTAINS(all, "trend: snapshot written");
    free(all);
    log = s_restart(1);
    s_snapshot_rows(log, &u5, &m5);
    CHECK(u5 > m4);  /* A snapshot written while running, not the old one. */
    CHECK(m5 >= u5);
    y = s_answers();
    s_same(x7, y, "periodic snapshot + replay after kill -9");
    free(y);
    free(log);
    free(x6);
    free(x7);
    unsetenv("BOLE_TREND_SNAPSHOT_SECONDS");

    free(x1);
    free(x2);
    free(x3);
    free(x4);
    free(stale);
    free(good);
    free(bad);
    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(s_h, 20000), 0);
    harness_destroy(&s_h);
    return check_summary();
}
