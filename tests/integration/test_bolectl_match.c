/* test_bolectl_match.c — bolectl put (JSON lines), get, delete, close and
 * match against a real daemon; bad lines are reported with their line
 * number, exit 1 and store nothing. Fixtures: tests/data/. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define BOLECTL BOLE_BINARY_DIR "/tools/bolectl/bolectl"
#define DATA    BOLE_SOURCE_DIR "/tests/data/"

static const char *s_ep;

/* Run bolectl --server EP `args`; returns the exit status. */
static int s_run(const char *const *args, char **out, char **err)
{
    const char *argv[24];
    size_t n = 0;

    argv[n++] = BOLECTL;
    argv[n++] = "--server";
    argv[n++] = s_ep;
    for (size_t i = 0; args[i] != NULL && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return harness_run(argv, out, err, 30000, NULL);
}

/* Run and discard output; returns the exit status. */
static int s_run_quiet(const char *const *args)
{
    char *out = NULL, *err = NULL;
    int rc = s_run(args, &out, &err);

    if (rc != 0 && err != NULL)
        fprintf(stderr, "bolectl said: %s", err);
    free(out);
    free(err);
    return rc;
}

static int s_talents(void)
{
    char *out = NULL;
    const char *a[] = { "--json", "stats", NULL };
    int n = -1;

    if (s_run(a, &out, NULL) == 0 && out != NULL) {
        const char *p = strstr(out, "\"talents\":");
        if (p)
            n = atoi(p + 10);
    }
    free(out);
    return n;
}

static void test_put_and_match(void)
{
    char *out = NULL, *err = NULL;

    {
        const char *a[] = { "put", "talents", DATA "talents.jsonl", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "put 31 talents");
        CHECK_CONTAINS(out, "31 created");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "--json", "put", "needs", DATA "needs.jsonl", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "\"put\":3");
        free(out);
        free(err);
    }
    CHECK_EQ_INT(s_talents(), 31);

    /* Escapes arrived decoded. */
    {
        const char *a[] = { "--json", "get", "talent", "JT-张三", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "\"external_id\":\"JT-张三\"");
        CHECK_CONTAINS(out, "\"zone\":\"滨海新区\"");
        CHECK_CONTAINS(out, "Tab\\there, quote \\\" and \xf0\x9f\x98\x80");
        CHECK_CONTAINS(out, "\"salary_floor\":15000");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "get", "talent", "JT01", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "occupation: Registered Nurse");
        CHECK_CONTAINS(out, "education: EDUCATION_MASTER");
        free(out);
        free(err);
    }

    /* match need --json: the data-science need ranks data scientists first. */
    {
        const char *a[] = { "--json", "match", "need", "JN0", "--k", "5", "--explain", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK(out != NULL && out[0] == '{');
        /* Data scientists are JT00, JT03, ... (i % 3 == 0); the first result is one. */
        {
            const char *p = out ? strstr(out, "\"talent_id\":\"JT") : NULL;
            CHECK(p != NULL);
            if (p != NULL) {
                int id = atoi(p + 15);
                CHECK(strncmp(p + 15, "-", 1) == 0 || id % 3 == 0);
            }
        }
        CHECK_CONTAINS(out, "\"contributions\":[");
        CHECK_CONTAINS(out, "\"need_id\":\"JN0\"");
        free(out);
        free(err);
    }
    /* Zone filter: only Nankai talents (i % 3 == 1: nurses) come back. */
    {
        const char *a[] = { "--json", "match", "need", "JN0", "--k", "50", "--zone", "Nankai",
                            NULL };
        int n = 0;
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        for (const char *p = out; p && (p = strstr(p, "\"talent_id\":\"JT")) != NULL; p += 15) {
            CHECK_EQ_INT(atoi(p + 15) % 3, 1);
            n++;
        }
        CHECK_EQ_INT(n, 10);
        free(out);
        free(err);
    }
    /* Text table with explanations. */
    {
        const char *a[] = { "match", "need", "JN1", "--k", "3", "--explain", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "rank");
        CHECK_CONTAINS(out, "score");
        CHECK_CONTAINS(out, "Registered Nurse");
        CHECK_CONTAINS(out, "weight");
        free(out);
        free(err);
    }
    {
        const char *a[] = { "match", "talent", "JT02", "--k", "3", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "JN2");
        free(out);
        free(err);
    }

    /* close, delete. */
    {
        const char *a[] = { "close", "need", "JN2", NULL };
        CHECK_EQ_INT(s_run_quiet(a), 0);
        CHECK_EQ_INT(s_run_quiet(a), 1);  /* Already closed: FAILED_PRECONDITION. */
    }
    {
        const char *a[] = { "--json", "match", "talent", "JT02", "--k", "3", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK(out != NULL && strstr(out, "\"need_id\":\"JN2\"") == NULL);
        free(out);
        free(err);
    }
    {
        const char *a[] = { "delete", "talent", "JT00", NULL };
        const char *g[] = { "get", "talent", "JT00", NULL };
        CHECK_EQ_INT(s_run_quiet(a), 0);
        CHECK_EQ_INT(s_run(g, &out, &err), 1);
        CHECK_CONTAINS(err, "NOT_FOUND");
        free(out);
        free(err);
        CHECK_EQ_INT(s_run_quiet(a), 1);
    }
    CHECK_EQ_INT(s_talents(), 30);
}

static void test_bad_files(void)
{
    char *out = NULL, *err = NULL;
    int before = s_talents();

    {
        const char *a[] = { "put", "talents", DATA "talents_bad_field.jsonl", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 1);
        CHECK_CONTAINS(err, "talents_bad_field.jsonl:3:");
        CHECK_CONTAINS(err, "experience_yeers");
        CHECK(err != NULL && strstr(err, ".jsonl:1:") == NULL);
        free(out);
        free(err);
    }
    {
        const char *a[] = { "put", "talents", DATA "talents_bad_json.jsonl", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 1);
        CHECK_CONTAINS(err, "talents_bad_json.jsonl:2:");
        free(out);
        free(err);
    }
    {
        /* Valid JSON, refused by boled: the line number comes from ItemError.index. */
        const char *a[] = { "put", "talents", DATA "talents_bad_level.jsonl", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 1);
        CHECK_CONTAINS(err, "talents_bad_level.jsonl:2:");
        CHECK_CONTAINS(err, "level");
        free(out);
        free(err);
    }
    CHECK_EQ_INT(s_talents(), before);
    {
        const char *g[] = { "get", "talent", "BT1", NULL };
        const char *g2[] = { "get", "talent", "DT1", NULL };
        CHECK_EQ_INT(s_run_quiet(g), 1);
        CHECK_EQ_INT(s_run_quiet(g2), 1);
    }
    /* Usage errors. */
    {
        const char *a[] = { "put", "robots", DATA "talents.jsonl", NULL };
        const char *b[] = { "put", "talents", DATA "no-such-file.jsonl", NULL };
        const char *c[] = { "match", "need", "JN0", "--k", "1001", NULL };
        const char *d[] = { "close", "talent", "JT01", NULL };
        CHECK_EQ_INT(s_run_quiet(a), 2);
        CHECK_EQ_INT(s_run_quiet(b), 2);
        CHECK_EQ_INT(s_run_quiet(c), 2);
        CHECK_EQ_INT(s_run_quiet(d), 2);
    }
    {
        const char *a[] = { "match", "--help", NULL };
        CHECK_EQ_INT(s_run(a, &out, &err), 0);
        CHECK_CONTAINS(out, "usage: bolectl [global options] match");
        CHECK_CONTAINS(out, "--explain");
        free(out);
        free(err);
    }
}

int main(void)
{
    harness_t *h;

    REQUIRE(access(BOLECTL, X_OK) == 0);
    h = harness_start(NULL);
    REQUIRE(h != NULL);
    s_ep = harness_endpoint(h);
    test_put_and_match();
    test_bad_files();
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);
    return check_summary();
}
