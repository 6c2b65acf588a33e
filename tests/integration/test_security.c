/*
 * test_security.c - CURVE + ZAP authentication, roles, zone scope, and the
 * refusal to bind beyond loopback without CURVE.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "check.h"
#include "integration/harness.h"

typedef struct {
    char pub[41], sec[41];
} keypair_t;

static void s_keypair(keypair_t *k)
{
    REQUIRE(zmq_curve_keypair(k->pub, k->sec) == 0);
}

static Bole__Response *s_call(bole_client_t *c, Bole__Request *req)
{
    Bole__Response *r = NULL;
    if (bole_client_call(c, req, &r) != BOLE_OK)
        return NULL;
    return r;
}

static int s_health(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest h = BOLE__HEALTH_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &h;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    bole_response_free(r);
    return status;
}

static int s_put_talent(bole_client_t *c, const char *id, const char *zone, char *err,
                        size_t errlen)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest put = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s = BOLE__SKILL__INIT;
    Bole__Skill *skills[] = {&s};
    s.name = "Python";
    s.level = 4;
    t.external_id = (char *)id;
    t.zone = (char *)zone;
    t.occupation = "Software Developer";
    t.skills = skills;
    t.n_skills = 1;
    put.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &put;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    if (r && err)
        snprintf(err, errlen, "%s", r->error ? r->error : "");
    bole_response_free(r);
    return status;
}

static int s_get_talent(bole_client_t *c, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest get = BOLE__ID_REQUEST__INIT;
    get.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    req.get_talent = &get;
    Bole__Response *r = s_call(c, &req);
    int status = r ? (int)r->status : -1;
    bole_response_free(r);
    return status;
}

static long s_talent_count(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest st = BOLE__STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &st;
    Bole__Response *r = s_call(c, &req);
    long n = r && r->status == BOLE__STATUS_CODE__OK ? (long)r->stats->talents : -1;
    bole_response_free(r);
    return n;
}

static bole_client_t *s_client(harness_t *h, const char *server_pub, const keypair_t *k,
                               int timeout_ms)
{
    bole_client_t *c = bole_client_new(harness_endpoint(h), timeout_ms);
    REQUIRE(c != NULL);
    if (k)
        REQUIRE(bole_client_set_curve(c, server_pub, k->pub, k->sec) == BOLE_OK);
    return c;
}

static void test_refuses_public_bind_without_curve(void)
{
    char listen[64], events[64];
    snprintf(listen, sizeof listen, "tcp://0.0.0.0:%d", harness_free_port());
    snprintf(events, sizeof events, "tcp://127.0.0.1:%d", harness_free_port());
    char db[] = "/tmp/bole-sec-XXXXXX";
    REQUIRE(mkdtemp(db) != NULL);
    char dbfile[128];
    snprintf(dbfile, sizeof dbfile, "%s/b.db", db);
    const char *argv[] = {BOLED_PATH, "--listen", listen, "--events", events, "--db", dbfile,
                          "--model", BOLE_SOURCE_DIR "/models", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 20000, NULL);
    CHECK(rc != 0);
    CHECK_CONTAINS(err ? err : "", "refusing to bind");
    CHECK_CONTAINS(err ? err : "", "--insecure");
    free(out);
    free(err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", db);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_refuses_public_bind_without_curve();

    keypair_t server, admin, portal_a, analyst, stranger;
    s_keypair(&server);
    s_keypair(&admin);
    s_keypair(&portal_a);
    s_keypair(&analyst);
    s_keypair(&stranger);

    char dir[] = "/tmp/bole-sec-keys-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char allow[256], server_key[256];
    snprintf(allow, sizeof allow, "%s/clients.allow", dir);
    snprintf(server_key, sizeof server_key, "%s/server.key", dir);
    FILE *f = fopen(allow, "w");
    REQUIRE(f != NULL);
    fprintf(f, "# name role key zones\nops admin %s\nportal-a portal %s ZoneA\n"
               "analysts analyst %s\n", admin.pub, portal_a.pub, analyst.pub);
    fclose(f);
    f = fopen(server_key, "w");
    REQUIRE(f != NULL);
    fprintf(f, "%s\n", server.sec);
    fclose(f);
    REQUIRE(chmod(server_key, 0600) == 0);

    harness_use_curve(server.pub, admin.pub, admin.sec);
    const char *extra[] = {"--auth", allow, "--server-key", server_key, NULL};
    harness_t *h = harness_start(extra);
    REQUIRE(h != NULL);

    bole_client_t *adm = s_client(h, server.pub, &admin, 3000);
    bole_client_t *por = s_client(h, server.pub, &portal_a, 3000);
    bole_client_t *ana = s_client(h, server.pub, &analyst, 3000);
    bole_client_t *str = s_client(h, server.pub, &stranger, 1000);
    bole_client_t *plain = s_client(h, NULL, NULL, 1000);

    CHECK_EQ_INT(s_health(adm), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_health(por), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_health(ana), BOLE__STATUS_CODE__OK);
    /* Unknown keys and plain-text clients get no answer at all. */
    CHECK_EQ_INT(s_health(str), -1);
    CHECK_EQ_INT(s_health(plain), -1);

    char err[512] = "";
    /* Roles. */
    CHECK_EQ_INT(s_put_talent(ana, "T-ana", "ZoneA", err, sizeof err),
                 BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_CONTAINS(err, "analysts");
    CHECK_EQ_INT(s_talent_count(ana), 0);
    CHECK_EQ_INT(s_talent_count(por), -1); /* stats is for analysts and admins */

    /* Zone scope: portal-a may write and read ZoneA only. */
    CHECK_EQ_INT(s_put_talent(por, "T-a", "ZoneA", err, sizeof err), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_put_talent(por, "T-b", "ZoneB", err, sizeof err),
                 BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_CONTAINS(err, "ZoneB");
    CHECK_EQ_INT(s_talent_count(ana), 1); /* the refused put changed nothing */
    CHECK_EQ_INT(s_put_talent(adm, "T-b", "ZoneB", err, sizeof err), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_talent(por, "T-a"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get_talent(por, "T-b"), BOLE__STATUS_CODE__PERMISSION_DENIED);
    CHECK_EQ_INT(s_get_talent(adm, "T-b"), BOLE__STATUS_CODE__OK);

    /* Matching through a scoped key returns its zone only. */
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest m = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Need need = BOLE__NEED__INIT;
    need.external_id = "inline";
    need.title = "Software Developer";
    m.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
    m.need = &need;
    m.k = 10;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &m;
    Bole__Response *r = s_call(por, &req);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->match) {
        CHECK_EQ_UINT(r->match->n_results, 1);
        if (r->match->n_results)
            CHECK_EQ_STR(r->match->results[0]->talent_id, "T-a");
    }
    bole_response_free(r);
    r = s_call(adm, &req);
    REQUIRE(r != NULL);
    CHECK_EQ_UINT(r->match ? r->match->n_results : 0, 2);
    bole_response_free(r);

    /* Admin-only methods. */
    Bole__Request snap = BOLE__REQUEST__INIT;
    Bole__SnapshotRequest sr = BOLE__SNAPSHOT_REQUEST__INIT;
    snap.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
    snap.snapshot = &sr;
    r = s_call(por, &snap);
    CHECK(r != NULL && r->status == BOLE__STATUS_CODE__PERMISSION_DENIED);
    bole_response_free(r);
    r = s_call(adm, &snap);
    CHECK(r != NULL && r->status == BOLE__STATUS_CODE__OK);
    bole_response_free(r);

    /* Denials are logged with the key's name. */
    FILE *log = fopen(harness_log_path(h), "r");
    REQUIRE(log != NULL);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    CHECK_CONTAINS(text, "permission denied: key 'analysts'");
    CHECK_CONTAINS(text, "unknown client key");

    bole_client_destroy(&adm);
    bole_client_destroy(&por);
    bole_client_destroy(&ana);
    bole_client_destroy(&str);
    bole_client_destroy(&plain);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    harness_destroy(&h);

    /* A server key file readable by others is refused at start. */
    REQUIRE(chmod(server_key, 0644) == 0);
    harness_use_curve(NULL, NULL, NULL);
    char listen[64], events[64], dbfile[300];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(events, sizeof events, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(dbfile, sizeof dbfile, "%s/b.db", dir);
    const char *argv[] = {BOLED_PATH, "--listen", listen, "--events", events, "--db", dbfile,
                          "--model", BOLE_SOURCE_DIR "/models", "--auth", allow,
                          "--server-key", server_key, NULL};
    char *out = NULL, *errtext = NULL;
    CHECK(harness_run(argv, &out, &errtext, 20000, NULL) != 0);
    CHECK_CONTAINS(errtext ? errtext : "", "chmod 600");
    free(out);
    free(errtext);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_summary();
}
