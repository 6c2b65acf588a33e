/*
 * test_erase.c - EraseTalent removes a talent's profile, vector and free
 * text everywhere: no copy of the text remains in the SQLite file (after
 * VACUUM) nor in the index snapshots, while another talent's data (the
 * positive control) still does.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "check.h"
#include "integration/harness.h"

#define SECRET  "ZEBRA-UNIQUE-SECRET-李四"
#define CONTROL "OKAPI-CONTROL-TEXT-王五"

static Bole__Response *s_call(bole_client_t *c, Bole__Request *req)
{
    Bole__Response *r = NULL;
    return bole_client_call(c, req, &r) == BOLE_OK ? r : NULL;
}

static int s_put(bole_client_t *c, const char *id, const char *summary, const char *name)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest put = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    t.external_id = (char *)id;
    t.zone = "Binhai";
    t.occupation = "Data Scientist";
    t.summary = (char *)summary;
    t.display_name = (char *)name;
    put.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &put;
    Bole__Response *r = s_call(c, &req);
    int st = r ? (int)r->status : -1;
    bole_response_free(r);
    return st;
}

static int s_id_call(bole_client_t *c, Bole__Request__BodyCase body, const char *id,
                     float *vector /* OUT, 128, may be NULL */)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest ir = BOLE__ID_REQUEST__INIT;
    ir.id = (char *)id;
    req.body_case = body;
    if (body == BOLE__REQUEST__BODY_GET_TALENT)
        req.get_talent = &ir;
    else
        req.erase_talent = &ir;
    Bole__Response *r = s_call(c, &req);
    int st = r ? (int)r->status : -1;
    if (r && vector && r->talent && r->talent->n_vector == 128)
        memcpy(vector, r->talent->vector, 128 * sizeof(float));
    bole_response_free(r);
    return st;
}

/* Reads a whole file (NULL if missing). */
static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size)
        *len = (size_t)size;
    fclose(f);
    return buf;
}

static int s_contains(const char *path, const void *needle, size_t n)
{
    size_t len;
    char *buf = s_slurp(path, &len);
    int found = 0;
    for (size_t i = 0; buf && n <= len && i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* Live events stored about a talent (matches_since with its topic). */
static size_t s_live_events(bole_client_t *c, const char *talent)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "match.talent.%s", talent);
    char *prefixes[] = {prefix};
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchesSinceRequest ms = BOLE__MATCHES_SINCE_REQUEST__INIT;
    ms.topic_prefixes = prefixes;
    ms.n_topic_prefixes = 1;
    req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
    req.matches_since = &ms;
    Bole__Response *r = s_call(c, &req);
    size_t n = r && r->matches_since ? r->matches_since->n_events : 0;
    bole_response_free(r);
    return n;
}

static int s_put_need(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest put = BOLE__PUT_NEED_REQUEST__INIT;
    Bole__Need n = BOLE__NEED__INIT;
    n.external_id = "N-ds";
    n.title = "Data Scientist";
    n.organisation = "Acme";
    n.zone = "Binhai";
    put.need = &n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &put;
    Bole__Response *r = s_call(c, &req);
    int st = r ? (int)r->status : -1;
    bole_response_free(r);
    return st;
}

static int s_refer(bole_client_t *c, const char *talent)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReferRequest rr = BOLE__REFER_REQUEST__INIT;
    Bole__Referrer who = BOLE__REFERRER__INIT;
    who.id = "R-1";
    who.kind = BOLE__REFERRER_KIND__REFERRER_INSTITUTION;
    who.name = "Talent Agency";
    rr.referrer = &who;
    rr.talent_id = (char *)talent;
    rr.need_id = "N-ds";
    rr.note = "knows " SECRET;
    req.body_case = BOLE__REQUEST__BODY_REFER;
    req.refer = &rr;
    Bole__Response *r = s_call(c, &req);
    int st = r ? (int)r->status : -1;
    bole_response_free(r);
    return st;
}

static int s_ledger_ok(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__VerifyLedgerRequest v = BOLE__VERIFY_LEDGER_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_VERIFY_LEDGER;
    req.verify_ledger = &v;
    Bole__Response *r = s_call(c, &req);
    int ok = r && r->status == BOLE__STATUS_CODE__OK && r->verify_ledger && r->verify_ledger->ok;
    bole_response_free(r);
    return ok;
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    bole_client_t *c = harness_client(h, 5000);
    REQUIRE(c != NULL);
    CHECK_EQ_INT(s_put_need(c), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_put(c, "T-erase", SECRET, "Li Si " SECRET), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_put(c, "T-keep", CONTROL, "Wang Wu"), BOLE__STATUS_CODE__OK);
    /* The live matcher announces the pair; the talent is referred. */
    size_t announced = 0;
    for (int i = 0; i < 100 && announced == 0; i++) {
        announced = s_live_events(c, "T-erase");
        if (!announced)
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    CHECK_GE_UINT(announced, 1);
    CHECK_EQ_INT(s_refer(c, "T-erase"), BOLE__STATUS_CODE__OK);
    CHECK(s_ledger_ok(c));
    float erased_vec[128] = {0}, kept_vec[128] = {0};
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_GET_TALENT, "T-erase", erased_vec),
                 BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_GET_TALENT, "T-keep", kept_vec),
                 BOLE__STATUS_CODE__OK);

    /* A snapshot that holds both vectors, then the erasure. */
    Bole__Request snap = BOLE__REQUEST__INIT;
    Bole__SnapshotRequest sr = BOLE__SNAPSHOT_REQUEST__INIT;
    snap.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
    snap.snapshot = &sr;
    Bole__Response *r = s_call(c, &snap);
    CHECK(r && r->status == BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    char snapshot[600];
    snprintf(snapshot, sizeof snapshot, "%s.talents.index", harness_db_path(h));
    CHECK(s_contains(snapshot, erased_vec, sizeof erased_vec));

    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_ERASE_TALENT, "T-erase", NULL),
                 BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_GET_TALENT, "T-erase", NULL),
                 BOLE__STATUS_CODE__NOT_FOUND);
    /* Nothing left to erase: NOT_FOUND, and bad ids are refused. */
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_ERASE_TALENT, "T-erase", NULL),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_ERASE_TALENT, "", NULL),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_id_call(c, BOLE__REQUEST__BODY_GET_TALENT, "T-keep", NULL),
                 BOLE__STATUS_CODE__OK);
    CHECK_EQ_UINT(s_live_events(c, "T-erase"), 0);
    CHECK_GE_UINT(s_live_events(c, "T-keep"), 1);
    CHECK(s_ledger_ok(c)); /* pseudonymised, and the chain still verifies */
    bole_client_destroy(&c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);

    /* VACUUM, then look at every byte of the files. */
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(harness_db_path(h), &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "VACUUM", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", harness_db_path(h));
    const char *files[] = {harness_db_path(h), wal, snapshot};
    for (size_t i = 0; i < 3; i++) {
        CHECK(!s_contains(files[i], SECRET, strlen(SECRET)));
        CHECK(!s_contains(files[i], "T-erase", 7));
    }
    CHECK(!s_contains(snapshot, erased_vec, sizeof erased_vec));
    /* Positive controls: the search would have found them. */
    CHECK(s_contains(harness_db_path(h), CONTROL, strlen(CONTROL)));
    CHECK(s_contains(snapshot, kept_vec, sizeof kept_vec));
    harness_destroy(&h);
    return check_summary();
}
