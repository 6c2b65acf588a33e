/* test_concurrency.c — 8 threads, one client each, 2,000 requests each:
 * every reply is OK and carries its request's correlation id, and Stats
 * counts exactly what was sent.
 *
 * Half the requests go through bole_client_call() (which already drops
 * mismatched ids: the test checks none were dropped), half through
 * bole_client_call_raw() with ids chosen here, checked against the reply
 * directly. Checks run on the main thread; workers only count. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "integration/harness.h"

#define NTHREADS 8
#define NREQ     2000

typedef struct worker {
    const harness_t *h;       /* The daemon. */
    int       index;          /* 0..NTHREADS-1. */
    uint64_t  ok;             /* OK replies with the right id and body. */
    uint64_t  bad_status;     /* Replies that were not OK. */
    uint64_t  bad_id;         /* Replies with another request's id. */
    uint64_t  bad_body;       /* Replies with the wrong body. */
    uint64_t  failed;         /* Client errors (timeouts...). */
    uint64_t  stale;          /* Replies bole_client_call() dropped. */
    uint64_t  health, stats;  /* Requests sent per method. */
} worker_t;

static void *s_worker(void *arg)
{
    worker_t *w = arg;
    bole_client_t *c = harness_client(w->h, 10000);

    if (c == NULL) {
        w->failed = NREQ;
        return NULL;
    }
    for (int i = 0; i < NREQ; i++) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__HealthRequest hb = BOLE__HEALTH_REQUEST__INIT;
        Bole__StatsRequest sb = BOLE__STATS_REQUEST__INIT;
        Bole__Response *r = NULL;
        int is_health = (i % 4) < 2;  /* h h s s: both kinds through both paths. */
        int raw = i % 2;
        int rc;

        if (is_health) {
            req.body_case = BOLE__REQUEST__BODY_HEALTH;
            req.health = &hb;
            w->health++;
        } else {
            req.body_case = BOLE__REQUEST__BODY_STATS;
            req.stats = &sb;
            w->stats++;
        }
        if (raw) {
            uint8_t buf[64];
            size_t len;
            void *reply = NULL;
            size_t reply_len = 0;

            req.id = ((uint64_t)(w->index + 1) << 40) | (uint64_t)i;
            req.api_version = BOLE__API_VERSION__API_VERSION_1;
            len = bole__request__pack(&req, buf);
            rc = bole_client_call_raw(c, buf, len, &reply, &reply_len);
            if (rc == BOLE_OK) {
                r = bole_response_decode(reply, reply_len);
                if (r == NULL)
                    rc = BOLE_EDECODE;
            }
            free(reply);
        } else {
            rc = bole_client_call(c, &req, &r);
        }
        if (rc != BOLE_OK) {
            w->failed++;
            continue;
        }
        if (r->id != req.id)
            w->bad_id++;
        else if (r->status != BOLE__STATUS_CODE__OK)
            w->bad_status++;
        else if (r->body_case != (is_health ? BOLE__RESPONSE__BODY_HEALTH
                                            : BOLE__RESPONSE__BODY_STATS))
            w->bad_body++;
        else
            w->ok++;
        bole_response_free(r);
    }
    w->stale = bole_client_stale_replies(c);
    bole_client_destroy(&c);
    return NULL;
}

static Bole__Response *s_stats(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest body = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r = NULL;

    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &body;
    if (bole_client_call(c, &req, &r) != BOLE_OK)
        return NULL;
    if (r->status != BOLE__STATUS_CODE__OK || r->body_case != BOLE__RESPONSE__BODY_STATS) {
        bole_response_free(r);
        return NULL;
    }
    return r;
}

static uint64_t s_reqs(const Bole__StatsResponse *s, const char *name)
{
    for (size_t i = 0; i < s->n_methods; i++)
        if (strcmp(s->methods[i]->method, name) == 0)
            return s->methods[i]->requests;
    return 0;
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    worker_t w[NTHREADS];
    pthread_t t[NTHREADS];
    bole_client_t *c;
    Bole__Response *before, *after;
    uint64_t ok = 0, health = 0, stats = 0;

    REQUIRE(h != NULL);
    c = harness_client(h, 5000);
    REQUIRE(c != NULL);
    before = s_stats(c);
    REQUIRE(before != NULL);

    memset(w, 0, sizeof w);
    for (int i = 0; i < NTHREADS; i++) {
        w[i].h = h;
        w[i].index = i;
        REQUIRE(pthread_create(&t[i], NULL, s_worker, &w[i]) == 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);

    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ_UINT(w[i].ok, NREQ);
        CHECK_EQ_UINT(w[i].bad_id, 0);
        CHECK_EQ_UINT(w[i].bad_status, 0);
        CHECK_EQ_UINT(w[i].bad_body, 0);
        CHECK_EQ_UINT(w[i].failed, 0);
        CHECK_EQ_UINT(w[i].stale, 0);
        ok += w[i].ok;
        health += w[i].health;
        stats += w[i].stats;
    }
    CHECK_EQ_UINT(ok, (uint64_t)NTHREADS * NREQ);

    after = s_stats(c);
    REQUIRE(after != NULL);
    /* Delta: the workers' requests plus the first stats call. */
    CHECK_EQ_UINT(after->stats->requests - before->stats->requests,
                  (uint64_t)NTHREADS * NREQ + 1);
    CHECK_EQ_UINT(after->stats->errors - before->stats->errors, 0);
    CHECK_EQ_UINT(s_reqs(after->stats, "health") - s_reqs(before->stats, "health"), health);
    CHECK_EQ_UINT(s_reqs(after->stats, "stats") - s_reqs(before->stats, "stats"), stats + 1);
    bole_response_free(before);
    bole_response_free(after);
    bole_client_destroy(&c);

    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
