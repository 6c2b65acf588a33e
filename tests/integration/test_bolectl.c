/* test_bolectl.c — bolectl against a real daemon, and against no daemon. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define BOLECTL BOLE_BINARY_DIR "/tools/bolectl/bolectl"

/* Run bolectl with `args` (NULL-terminated); returns the exit status. */
static int s_run(const char *const *args, char **out, char **err, long *ms)
{
    const char *argv[16];
    size_t n = 0;

    argv[n++] = BOLECTL;
    for (; args[n - 1] != NULL && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    return harness_run(argv, out, err, 15000, ms);
}

static void test_against_daemon(const harness_t *h)
{
    const char *ep = harness_endpoint(h);
    char *out = NULL, *err = NULL;

    {
        const char *a[] = { "--server", ep, "health", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK_CONTAINS(out, "SERVING");
        CHECK_CONTAINS(out, "status:");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "--server", ep, "--json", "health", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK(out != NULL && out[0] == '{');
        CHECK_CONTAINS(out, "\"status\":\"SERVING\"");
        CHECK_CONTAINS(out, "\"api_version\":1");
        CHECK(out != NULL && strlen(out) >= 2 && strcmp(out + strlen(out) - 2, "}\n") == 0);
        free(out);
        free(err);
    }
    {
        /* Options after the command work too. */
        const char *a[] = { "health", "--server", ep, "--json", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK_CONTAINS(out, "\"status\":\"SERVING\"");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "--server", ep, "stats", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK_CONTAINS(out, "requests:");
        CHECK_CONTAINS(out, "p99 ms");
        CHECK_CONTAINS(out, "health");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "--server", ep, "--json", "stats", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK(out != NULL && out[0] == '{');
        CHECK_CONTAINS(out, "\"methods\":[");
        CHECK_CONTAINS(out, "\"method\":\"health\"");
        free(out);
        free(err);
    }
}

static void test_usage(void)
{
    char *out = NULL, *err = NULL;
    {
        const char *a[] = { "--help", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK_CONTAINS(out, "usage: bolectl");
        CHECK_CONTAINS(out, "health");
        CHECK_CONTAINS(out, "stats");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "stats", "--help", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 0);
        CHECK_CONTAINS(out, "stats");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "frobnicate", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 2);
        CHECK_CONTAINS(err, "unknown command");
        free(out);
        free(err);
    }
    {
        const char *a[] = { NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 2);
        free(out);
        free(err);
    }
    {
        const char *a[] = { "--timeout", "soon", "health", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err, NULL), 2);
        free(out);
        free(err);
    }
}

static void test_no_daemon(void)
{
    char ep[64], *out = NULL, *err = NULL;
    long ms = 0;
    int port = harness_free_port();

    REQUIRE(port != 0);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    const char *a[] = { "--server", ep, "--timeout", "1000", "health", NULL };
    CHECK_EQ_INT(s_run(a, &out, &err, &ms), 3);
    CHECK_CONTAINS(err, "no answer from");
    CHECK_CONTAINS(err, ep);
    CHECK_CONTAINS(err, "1000 ms");
    CHECK_GE_INT(ms, 900);
    CHECK_LT_INT(ms, 3000);
    free(out);
    free(err);
}

int main(void)
{
    harness_t *h;

    REQUIRE(access(BOLECTL, X_OK) == 0);
    test_usage();
    test_no_daemon();
    h = harness_start(NULL);
    REQUIRE(h != NULL);
    test_against_daemon(h);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
