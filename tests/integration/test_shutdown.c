/* test_shutdown.c — SIGTERM under load exits 0 and a restart finds the DB
 * intact; so does a restart after SIGKILL. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "integration/harness.h"

#define NTHREADS 4

typedef struct hammer {
    const harness_t *h;    /* The daemon. */
    atomic_int *stop;      /* Set by main when the daemon is gone. */
    uint64_t ok;           /* OK answers. */
    uint64_t unavailable;  /* UNAVAILABLE answers (draining). */
    uint64_t other;        /* Any other status: a failure. */
    uint64_t lost;         /* Calls without an answer (expected after exit). */
} hammer_t;

static void *s_hammer(void *arg)
{
    hammer_t *w = arg;
    bole_client_t *c = harness_client(w->h, 500);

    if (c == NULL)
        return NULL;
    while (!atomic_load(w->stop)) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__HealthRequest hb = BOLE__HEALTH_REQUEST__INIT;
        Bole__StatsRequest sb = BOLE__STATS_REQUEST__INIT;
        Bole__Response *r = NULL;

        if ((w->ok + w->lost) % 2 == 0) {
            req.body_case = BOLE__REQUEST__BODY_HEALTH;
            req.health = &hb;
        } else {
            req.body_case = BOLE__REQUEST__BODY_STATS;
            req.stats = &sb;
        }
        if (bole_client_call(c, &req, &r) != BOLE_OK) {
            w->lost++;
            continue;
        }
        if (r->status == BOLE__STATUS_CODE__OK)
            w->ok++;
        else if (r->status == BOLE__STATUS_CODE__UNAVAILABLE)
            w->unavailable++;
        else
            w->other++;
        bole_response_free(r);
    }
    bole_client_destroy(&c);
    return NULL;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* PRAGMA integrity_check on the daemon's DB (daemon stopped). */
static void s_check_db(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);

    CHECK_EQ_INT(rc, SQLITE_OK);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
        CHECK_EQ_INT(rc, SQLITE_OK);
        if (rc == SQLITE_OK) {
            CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
            CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "ok");
        }
        sqlite3_finalize(st);
        /* The schema exists: migrations ran. */
        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
        CHECK_EQ_INT(rc, SQLITE_OK);
        if (rc == SQLITE_OK) {
            CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
            CHECK_GT_INT(sqlite3_column_int(st, 0), 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
}

/* Hammer the daemon from NTHREADS clients, then end it with SIGTERM. */
static void test_sigterm_under_load(harness_t *h)
{
    hammer_t w[NTHREADS];
    pthread_t t[NTHREADS];
    atomic_int stop = 0;
    uint64_t ok = 0;

    memset(w, 0, sizeof w);
    for (int i = 0; i < NTHREADS; i++) {
        w[i].h = h;
        w[i].stop = &stop;
        REQUIRE(pthread_create(&t[i], NULL, s_hammer, &w[i]) == 0);
    }
    s_sleep_ms(500);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    atomic_store(&stop, 1);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_UINT(w[i].other, 0);
        ok += w[i].ok;
    }
    fprintf(stderr, "answered OK under load before SIGTERM: %llu\n", (unsigned long long)ok);
    CHECK_GT_INT(ok, 0);
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    bole_client_t *c;

    REQUIRE(h != NULL);
    test_sigterm_under_load(h);
    s_check_db(harness_db_path(h));

    /* A restart on the same DB serves. */
    REQUIRE(harness_restart(h) == 0);
    c = harness_client(h, 5000);
    CHECK(c != NULL && harness_health_ok(c));
    bole_client_destroy(&c);

    /* SIGKILL, restart: still serves, DB intact. */
    CHECK_EQ_INT(harness_kill(h), 0);
    s_check_db(harness_db_path(h));
    REQUIRE(harness_restart(h) == 0);
    c = harness_client(h, 5000);
    CHECK(c != NULL && harness_health_ok(c));
    bole_client_destroy(&c);

    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    s_check_db(harness_db_path(h));
    harness_destroy(&h);
    return check_summary();
}
