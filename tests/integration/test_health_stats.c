/* test_health_stats.c — Health answers with every field set; Stats counts
 * requests and errors per method exactly. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "integration/harness.h"

/* Fetch Stats; returns the response (caller frees) or NULL. */
static Bole__Response *s_stats(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest body = BOLE__STATS_REQUEST__INIT;
    Bole__Response *resp = NULL;
    int rc;

    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &body;
    rc = bole_client_call(c, &req, &resp);
    CHECK_EQ_INT(rc, BOLE_OK);
    if (rc != BOLE_OK)
        return NULL;
    CHECK_EQ_INT(resp->status, BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(resp->body_case, BOLE__RESPONSE__BODY_STATS);
    if (resp->body_case != BOLE__RESPONSE__BODY_STATS) {
        bole_response_free(resp);
        return NULL;
    }
    return resp;
}

/* The MethodStats row named `name`, or NULL. */
static const Bole__MethodStats *s_method(const Bole__StatsResponse *s, const char *name)
{
    for (size_t i = 0; i < s->n_methods; i++)
        if (strcmp(s->methods[i]->method, name) == 0)
            return s->methods[i];
    return NULL;
}

static uint64_t s_reqs(const Bole__StatsResponse *s, const char *name)
{
    const Bole__MethodStats *m = s_method(s, name);
    return m ? m->requests : 0;
}

static uint64_t s_errs(const Bole__StatsResponse *s, const char *name)
{
    const Bole__MethodStats *m = s_method(s, name);
    return m ? m->errors : 0;
}

static void test_health(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest body = BOLE__HEALTH_REQUEST__INIT;
    Bole__Response *resp = NULL;

    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &body;
    REQUIRE(bole_client_call(c, &req, &resp) == BOLE_OK);
    CHECK_EQ_UINT(resp->id, req.id);
    CHECK_EQ_INT(resp->status, BOLE__STATUS_CODE__OK);
    CHECK_EQ_STR(resp->error, "");
    REQUIRE(resp->body_case == BOLE__RESPONSE__BODY_HEALTH);
    CHECK_EQ_STR(resp->health->status, "SERVING");
    CHECK(resp->health->version[0] != '\0');
    CHECK_GE_INT(resp->health->uptime_ms, 0);
    CHECK(resp->health->faiss_build[0] != '\0');
    CHECK_CONTAINS(resp->health->faiss_build, "FAISS");
    CHECK_EQ_INT(resp->health->api_version, BOLE__API_VERSION__API_VERSION_1);
    fprintf(stderr, "health: version=%s faiss=%s model=%s uptime=%" PRId64 " ms\n",
            resp->health->version, resp->health->faiss_build,
            resp->health->model_version, resp->health->uptime_ms);
    bole_response_free(resp);
}

static void test_stats_counts(bole_client_t *c)
{
    static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0x01 };
    Bole__Response *before = s_stats(c), *after;
    const Bole__StatsResponse *a, *b;
    void *reply = NULL;
    size_t reply_len = 0;

    REQUIRE(before != NULL);
    for (int i = 0; i < 3; i++)
        CHECK(harness_health_ok(c));
    CHECK_EQ_INT(bole_client_call_raw(c, garbage, sizeof garbage, &reply, &reply_len),
                 BOLE_OK);
    free(reply);
    after = s_stats(c);
    REQUIRE(after != NULL);
    b = before->stats;
    a = after->stats;

    /* Between the two snapshots: 3 health, 1 undecodable, and the first
     * stats call (whether a stats call counts itself or not, the delta of
     * the second one cancels out). */
    CHECK_EQ_UINT(a->requests - b->requests, 5);
    CHECK_EQ_UINT(a->errors - b->errors, 1);
    CHECK_EQ_UINT(s_reqs(a, "health") - s_reqs(b, "health"), 3);
    CHECK_EQ_UINT(s_errs(a, "health") - s_errs(b, "health"), 0);
    CHECK_EQ_UINT(s_reqs(a, "stats") - s_reqs(b, "stats"), 1);
    CHECK_NOT_NULL(s_method(a, "health"));
    CHECK_NOT_NULL(s_method(a, "stats"));
    CHECK_GE_INT(a->uptime_ms, b->uptime_ms);

    /* Per-method rows are consistent with the totals. */
    {
        uint64_t sum = 0, esum = 0;
        for (size_t i = 0; i < a->n_methods; i++) {
            const Bole__MethodStats *m = a->methods[i];
            sum += m->requests;
            esum += m->errors;
            CHECK_LE_UINT(m->errors, m->requests);
            CHECK(m->p50_ms >= 0.0 && m->p50_ms <= m->p99_ms);
        }
        CHECK_LE_UINT(sum, a->requests);
        CHECK_LE_UINT(esum, a->errors);
    }
    const Bole__MethodStats *h = s_method(a, "health");
    if (h != NULL) {
        CHECK(h->p99_ms > 0.0);
        CHECK(h->p99_ms < 1000.0);
    }
    bole_response_free(before);
    bole_response_free(after);
}

/* How many of the daemon's threads carry name (/proc/PID/task/N/comm). */
static int s_threads_named(pid_t pid, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char comm_path[384], comm[32] = "";
        snprintf(comm_path, sizeof comm_path, "%s/%s/comm", path, e->d_name);
        FILE *f = fopen(comm_path, "r");
        if (!f)
            continue; /* The thread has just exited. */
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        n += strcmp(comm, name) == 0;
    }
    closedir(dir);
    return n;
}

/* Each long-lived thread is named for top -H and perf (docs/OPERATIONS.md). */
static void test_thread_names(harness_t *h)
{
    pid_t pid = harness_pid(h);
    REQUIRE(pid > 0);
    CHECK_EQ_INT(s_threads_named(pid, "bole-reader"), 2);
    CHECK_EQ_INT(s_threads_named(pid, "bole-writer"), 1);
    CHECK_EQ_INT(s_threads_named(pid, "bole-prep"), 1);
    CHECK_EQ_INT(s_threads_named(pid, "bole-live"), 1);
    CHECK_EQ_INT(s_threads_named(pid, "bole-maintain"), 1);
    CHECK_EQ_INT(s_threads_named(pid, "bole-featlog"), 1);
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    bole_client_t *c;

    REQUIRE(h != NULL);
    c = harness_client(h, 5000);
    REQUIRE(c != NULL);
    test_health(c);
    test_stats_counts(c);
    test_thread_names(h);
    CHECK_EQ_UINT(bole_client_stale_replies(c), 0);
    bole_client_destroy(&c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
