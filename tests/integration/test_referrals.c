/* test_referrals.c — the Bole Award against a real boled: the stage machine
 * over every pair of stages, a scripted history whose statement is checked
 * line by line against hand-computed points (duplicates, claw-back and a
 * rules change mid-period), tamper evidence on the SQLite file, the client
 * token, the per-period cap, and bad input changing nothing. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

static harness_t *s_h;
static bole_client_t *s_c;
static char s_models[512];

#define DAY_MS 86400000LL

static const char s_rules_v1[] =
    "version = test-1\n"
    "points.verified = 10\npoints.shortlisted = 20\npoints.interviewed = 40\n"
    "points.hired = 100\npoints.retained = 300\npoints.new_talent = 50\n"
    "multiplier.urgent_need = 1.5\nmultiplier.high_level = 2\n"
    "clawback.fraction = 1\nprobation.days = 30\n"
    "cap.open_referrals = 3\ncap.period = month\n";
static const char s_rules_v2[] =
    "version = test-2\n"
    "points.verified = 10\npoints.shortlisted = 25\npoints.interviewed = 40\n"
    "points.hired = 200\npoints.retained = 300\npoints.new_talent = 50\n"
    "multiplier.urgent_need = 1.5\nmultiplier.high_level = 2\n"
    "clawback.fraction = 0.5\nprobation.days = 30\n"
    "cap.open_referrals = 3\ncap.period = month\n";

static int64_t s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_write_rules(const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/award_rules.conf", s_models);
    char tmp[620];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(rename(tmp, path) == 0);
}

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    req->api_version = BOLE__API_VERSION__API_VERSION_1;
    int rc = bole_client_call(s_c, req, &r);
    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_put_talent(const char *id, int high_level, int64_t updated_at)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill sk = BOLE__SKILL__INIT, *skp = &sk;
    Bole__TalentCategory cat = BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    t.external_id = (char *)id;
    t.zone = "Z1";
    t.occupation = "Welder";
    sk.name = "welding";
    sk.level = 3;
    t.skills = &skp;
    t.n_skills = 1;
    if (high_level) {
        t.categories = &cat;
        t.n_categories = 1;
        t.high_level_tier = 1;
    }
    t.updated_at = updated_at;
    b.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

static void s_put_need(const char *id, int urgency)
{
    Bole__Need n = BOLE__NEED__INIT;
    Bole__NeedSkill s = BOLE__NEED_SKILL__INIT, *sp = &s;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    n.external_id = (char *)id;
    n.organisation = "org-1";
    n.zone = "Z1";
    n.industry = "manufacturing";
    n.title = "Welder";
    s.name = "welding";
    s.must_have = 1;
    n.skills = &sp;
    n.n_skills = 1;
    n.urgency = (Bole__Urgency)urgency;
    b.need = &n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

/* Refers; returns the status and copies the referral id into id (if OK). */
static int s_refer(const char *referrer, int kind, const char *talent, const char *need,
                   const char *note, const char *token, char *id, size_t idlen)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReferRequest b = BOLE__REFER_REQUEST__INIT;
    Bole__Referrer who = BOLE__REFERRER__INIT;
    who.id = (char *)referrer;
    who.kind = (Bole__ReferrerKind)kind;
    who.name = "name";
    who.zone = "Z1";
    b.referrer = &who;
    b.talent_id = (char *)talent;
    b.need_id = (char *)need;
    b.note = (char *)note;
    req.body_case = BOLE__REQUEST__BODY_REFER;
    req.refer = &b;
    req.client_token = (char *)(token ? token : "");
    Bole__Response *r = s_call(&req);
    int st = (int)r->status;
    if (st == 0 && id) {
        REQUIRE(r->body_case == BOLE__RESPONSE__BODY_REFERRAL);
        snprintf(id, idlen, "%s", r->referral->referral_id);
    }
    if (st != 0 && getenv("BOLE_TEST_VERBOSE"))
        fprintf(stderr, "refer: %s\n", r->error);
    bole_response_free(r);
    return st;
}

static int s_advance(const char *id, int stage, int64_t at)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__AdvanceReferralRequest b = BOLE__ADVANCE_REFERRAL_REQUEST__INIT;
    b.referral_id = (char *)id;
    b.stage = (Bole__ReferralStage)stage;
    b.actor = "clerk";
    b.evidence = "checked";
    b.at = at;
    req.body_case = BOLE__REQUEST__BODY_ADVANCE_REFERRAL;
    req.advance_referral = &b;
    Bole__Response *r = s_call(&req);
    int st = (int)r->status;
    bole_response_free(r);
    return st;
}

/* Current stage (0 if not readable); *duplicate set when not NULL. */
static int s_stage(const char *id, int *duplicate)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_REFERRAL;
    req.get_referral = &b;
    Bole__Response *r = s_call(&req);
    int stage = 0;
    if (r->status == 0 && r->body_case == BOLE__RESPONSE__BODY_REFERRAL) {
        stage = (int)r->referral->stage;
        if (duplicate)
            *duplicate = r->referral->duplicate;
    }
    bole_response_free(r);
    return stage;
}

static Bole__VerifyLedgerResponse *s_verify(Bole__Response **keep)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__VerifyLedgerRequest b = BOLE__VERIFY_LEDGER_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_VERIFY_LEDGER;
    req.verify_ledger = &b;
    *keep = s_call(&req);
    CHECK_EQ_INT((*keep)->status, 0);
    REQUIRE((*keep)->body_case == BOLE__RESPONSE__BODY_VERIFY_LEDGER);
    return (*keep)->verify_ledger;
}

static uint64_t s_ledger_entries(void)
{
    Bole__Response *keep;
    uint64_t n = s_verify(&keep)->entries;
    bole_response_free(keep);
    return n;
}

static uint64_t s_referral_count(void)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    Bole__Response *r = s_call(&req);
    uint64_t n = r->stats ? r->stats->referrals : 0;
    bole_response_free(r);
    return n;
}

/* ---- the stage machine over every pair --------------------------------------- */

static int s_legal(int from, int to)
{
    if (from == 6 || from >= 7)
        return 0;
    if (to == 7 || to == 8)
        return 1;
    if (to == 9)
        return from == 5;
    return to == from + 1 && to <= 6;
}

static void test_state_machine(void)
{
    /* Paths to each stage from submitted. */
    static const int paths[10][6] = {
        [1] = {0}, [2] = {2}, [3] = {2, 3}, [4] = {2, 3, 4}, [5] = {2, 3, 4, 5},
        [6] = {2, 3, 4, 5, 6}, [7] = {7}, [8] = {8}, [9] = {2, 3, 4, 5, 9},
    };
    int64_t base = s_now() + 3600 * 1000LL; /* Later than every creation time below. */
    int checked = 0;
    for (int from = 1; from <= 9; from++) {
        for (int to = 1; to <= 9; to++) {
            char referrer[32], id[32];
            snprintf(referrer, sizeof referrer, "sm-%d-%d", from, to);
            REQUIRE(s_refer(referrer, 1, "t-pool", "", "", NULL, id, sizeof id) == 0);
            int64_t at = base, hired = 0;
            for (int k = 0; k < 6 && paths[from][k]; k++) {
                int st = paths[from][k];
                at = st == 6 ? hired + 31 * DAY_MS : at + 1;
                if (st == 5)
                    hired = at;
                CHECK_EQ_INT(s_advance(id, st, at), 0);
            }
            REQUIRE(s_stage(id, NULL) == from);
            int64_t when = to == 6 ? hired + 31 * DAY_MS : at + 1;
            int st = s_advance(id, to, when);
            if (s_legal(from, to)) {
                if (st != 0)
                    fprintf(stderr, "legal %d -> %d refused\n", from, to);
                CHECK_EQ_INT(st, 0);
                CHECK_EQ_INT(s_stage(id, NULL), to);
            } else {
                if (st != BOLE__STATUS_CODE__FAILED_PRECONDITION)
                    fprintf(stderr, "illegal %d -> %d answered %d\n", from, to, st);
                CHECK_EQ_INT(st, BOLE__STATUS_CODE__FAILED_PRECONDITION);
                CHECK_EQ_INT(s_stage(id, NULL), from);
            }
            checked++;
        }
    }
    CHECK_EQ_INT(checked, 81);
    /* Time rules: retained before probation ends is refused, nothing changes. */
    char id[32];
    REQUIRE(s_refer("sm-time", 1, "t-pool", "", "", NULL, id, sizeof id) == 0);
    int64_t at = base;
    for (int st = 2; st <= 5; st++)
        CHECK_EQ_INT(s_advance(id, st, ++at), 0);
    CHECK_EQ_INT(s_advance(id, 6, at + 29 * DAY_MS), BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK_EQ_INT(s_stage(id, NULL), 5);
    CHECK_EQ_INT(s_advance(id, 4, 0), BOLE__STATUS_CODE__FAILED_PRECONDITION);
}

/* ---- scripted history --------------------------------------------------------- */

typedef struct {
    const char *referral;  /* Index into ids: "1" R1, "3" R3. */
    int stage;
    const char *rule;
    double base, mult, points;
    const char *version;
} want_t;

static void test_scripted_history(void)
{
    char r1[32], r2[32], r3[32];
    /* T1: high level, registered 10 days ago (not new). T2: new. */
    CHECK_EQ_INT(s_refer("inst-A", 1, "T1", "N1", "strong welder", NULL, r1, sizeof r1), 0);
    CHECK_EQ_INT(s_refer("person-B", 2, "T1", "N1", "", NULL, r2, sizeof r2), 0);
    CHECK_EQ_INT(s_advance(r1, 2, 0), 0);
    int dup = -1;
    CHECK_EQ_INT(s_advance(r2, 2, 0), 0);
    CHECK_EQ_INT(s_stage(r2, &dup), 2);
    CHECK_EQ_INT(dup, 1);
    CHECK_EQ_INT(s_advance(r1, 3, 0), 0);
    CHECK_EQ_INT(s_advance(r1, 4, 0), 0);
    int64_t hired = s_now();
    CHECK_EQ_INT(s_advance(r1, 5, hired), 0);
    CHECK_EQ_INT(s_refer("inst-A", 1, "T2", "N2", "", NULL, r3, sizeof r3), 0);
    CHECK_EQ_INT(s_advance(r3, 2, 0), 0);
    nanosleep(&(struct timespec){0, 20000000}, NULL);
    s_write_rules(s_rules_v2); /* Rules change mid-period. */
    CHECK_EQ_INT(s_advance(r3, 3, 0), 0);
    CHECK_EQ_INT(s_advance(r3, 4, 0), 0);
    CHECK_EQ_INT(s_advance(r3, 5, 0), 0);
    CHECK_EQ_INT(s_advance(r3, 9, 0), 0);
    CHECK_EQ_INT(s_advance(r1, 6, hired + 31 * DAY_MS), 0);

    const want_t want[] = {
        {r1, 2, "points.verified", 10, 3, 30, "test-1"},
        {r1, 3, "points.shortlisted", 20, 3, 60, "test-1"},
        {r1, 4, "points.interviewed", 40, 3, 120, "test-1"},
        {r1, 5, "points.hired", 100, 3, 300, "test-1"},
        {r3, 2, "points.verified", 10, 1, 10, "test-1"},
        {r3, 2, "points.new_talent", 50, 1, 50, "test-1"},
        {r3, 3, "points.shortlisted", 25, 1, 25, "test-2"},
        {r3, 4, "points.interviewed", 40, 1, 40, "test-2"},
        {r3, 5, "points.hired", 200, 1, 200, "test-2"},
        {r3, 9, "clawback.fraction", -200, 0.5, -100, "test-2"},
        {r1, 6, "points.retained", 300, 3, 900, "test-2"},
    };
    size_t n_want = sizeof want / sizeof want[0];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatementRequest b = BOLE__STATEMENT_REQUEST__INIT;
    b.referrer_id = "inst-A";
    b.period = "";
    req.body_case = BOLE__REQUEST__BODY_REFERRER_STATEMENT;
    req.referrer_statement = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->body_case == BOLE__RESPONSE__BODY_STATEMENT);
    const Bole__StatementResponse *s = r->statement;
    CHECK_EQ_UINT(s->n_items, n_want);
    for (size_t i = 0; i < n_want && i < s->n_items; i++) {
        const Bole__StatementItem *it = s->items[i];
        CHECK_EQ_STR(it->referral_id, want[i].referral);
        CHECK_EQ_INT(it->stage, want[i].stage);
        CHECK_EQ_STR(it->rule, want[i].rule);
        CHECK_NEAR(it->base_points, want[i].base, 1e-9);
        CHECK_NEAR(it->multiplier, want[i].mult, 1e-9);
        CHECK_NEAR(it->points, want[i].points, 1e-9);
        CHECK_EQ_STR(it->rules_version, want[i].version);
    }
    CHECK_NEAR(s->total, 1635, 1e-9);
    bole_response_free(r);

    /* The duplicate's referrer earned nothing. */
    b.referrer_id = "person-B";
    r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    if (r->statement) {
        CHECK_EQ_UINT(r->statement->n_items, 0);
        CHECK_NEAR(r->statement->total, 0, 1e-9);
    }
    bole_response_free(r);

    /* Leaderboard: inst-A first with every point. */
    Bole__Request lq = BOLE__REQUEST__INIT;
    Bole__LeaderboardRequest lb = BOLE__LEADERBOARD_REQUEST__INIT;
    lb.kind = BOLE__REFERRER_KIND__REFERRER_INSTITUTION;
    lq.body_case = BOLE__REQUEST__BODY_LEADERBOARD;
    lq.leaderboard = &lb;
    r = s_call(&lq);
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->leaderboard != NULL && r->leaderboard->n_entries >= 1);
    CHECK_EQ_STR(r->leaderboard->entries[0]->referrer->id, "inst-A");
    CHECK_NEAR(r->leaderboard->entries[0]->points, 1635, 1e-9);
    CHECK_EQ_UINT(r->leaderboard->entries[0]->hires, 2);
    CHECK_EQ_STR(r->leaderboard->rules_version, "test-2");
    bole_response_free(r);
    lb.period = "1999-13";
    r = s_call(&lq);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
}

/* ---- token, cap, bad input ---------------------------------------------------- */

static void test_token_and_cap(void)
{
    char a[32], b[32];
    uint64_t entries = s_ledger_entries();
    CHECK_EQ_INT(s_refer("cap-1", 2, "T2", "N1", "", "tok-1", a, sizeof a), 0);
    CHECK_EQ_INT(s_refer("cap-1", 2, "T2", "N1", "", "tok-1", b, sizeof b), 0);
    CHECK_EQ_STR(a, b);
    CHECK_EQ_UINT(s_ledger_entries(), entries + 1);
    CHECK_EQ_INT(s_refer("cap-1", 2, "T2", "N2", "", NULL, b, sizeof b), 0);
    CHECK_EQ_INT(s_refer("cap-1", 2, "T1", "N2", "", NULL, b, sizeof b), 0);
    uint64_t before = s_referral_count();
    CHECK_EQ_INT(s_refer("cap-1", 2, "T1", "", "", NULL, b, sizeof b),
                 BOLE__STATUS_CODE__RESOURCE_EXHAUSTED);
    CHECK_EQ_UINT(s_referral_count(), before);
    /* Withdrawing one frees a slot. */
    CHECK_EQ_INT(s_advance(a, 8, 0), 0);
    CHECK_EQ_INT(s_refer("cap-1", 2, "T1", "", "", NULL, b, sizeof b), 0);
}

static void test_bad_input(void)
{
    uint64_t count = s_referral_count(), entries = s_ledger_entries();
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(s_refer("bad-1", 1, "no-such-talent", "", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_refer("bad-1", 1, "T1", "no-such-need", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_refer("T1", 2, "T1", "N1", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_refer("", 1, "T1", "N1", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_refer("bad-1", 1, "", "N1", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_refer("bad-1", 0, "T1", "N1", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_refer("bad-1", 1, "T1", "N1", big, NULL, NULL, 0),
                 BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_refer("inst-A", 2, "T1", "N1", "", NULL, NULL, 0),
                 BOLE__STATUS_CODE__FAILED_PRECONDITION); /* Registered as an institution. */
    CHECK_EQ_INT(s_advance("R-999999", 2, 0), BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_EQ_INT(s_advance("", 2, 0), BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_INT(s_advance("R-1", 0, 0), BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_EQ_UINT(s_referral_count(), count);
    CHECK_EQ_UINT(s_ledger_entries(), entries);

    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatementRequest b = BOLE__STATEMENT_REQUEST__INIT;
    b.referrer_id = "nobody";
    b.period = "2026";
    req.body_case = BOLE__REQUEST__BODY_REFERRER_STATEMENT;
    req.referrer_statement = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    CHECK_CONTAINS(r->error, "nobody");
    bole_response_free(r);
}

/* ---- tamper evidence ----------------------------------------------------------- */

static void test_tamper(void)
{
    Bole__Response *keep;
    Bole__VerifyLedgerResponse *v = s_verify(&keep);
    CHECK(v->ok);
    uint64_t n = v->entries;
    CHECK_GE_UINT(n, 10);
    CHECK_EQ_UINT(v->head_hash.len, 32);
    bole_response_free(keep);

    /* bolectl prints the same. */
    char *out = NULL;
    const char *ok_argv[] = {BOLE_BINARY_DIR "/tools/bolectl/bolectl", "--server",
                             harness_endpoint(s_h), "referrals", "verify", NULL};
    CHECK_EQ_INT(harness_run(ok_argv, &out, NULL, 10000, NULL), 0);
    CHECK_CONTAINS(out, "ledger OK");
    free(out);
    const char *st_argv[] = {BOLE_BINARY_DIR "/tools/bolectl/bolectl", "--server",
                             harness_endpoint(s_h), "referrals", "statement", "inst-A", NULL};
    out = NULL;
    CHECK_EQ_INT(harness_run(st_argv, &out, NULL, 10000, NULL), 0);
    CHECK_CONTAINS(out, "total: 1635.000");
    CHECK_CONTAINS(out, "clawback.fraction");
    free(out);

    /* Edit one row behind the daemon's back (WAL allows a second writer). */
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(harness_db_path(s_h), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    CHECK_EQ_INT(sqlite3_exec(db, "UPDATE ledger SET points_milli = points_milli + 1000 "
                              "WHERE seq = 7", NULL, NULL, NULL), SQLITE_OK);
    v = s_verify(&keep);
    CHECK(!v->ok);
    CHECK_EQ_UINT(v->first_bad_entry, 7);
    CHECK_CONTAINS(v->message, "entry 7");
    bole_response_free(keep);
    out = NULL;
    CHECK_EQ_INT(harness_run(ok_argv, &out, NULL, 10000, NULL), 1);
    CHECK_CONTAINS(out, "BROKEN at entry 7");
    free(out);
    CHECK_EQ_INT(sqlite3_exec(db, "UPDATE ledger SET points_milli = points_milli - 1000 "
                              "WHERE seq = 7", NULL, NULL, NULL), SQLITE_OK);
    v = s_verify(&keep);
    CHECK(v->ok);
    bole_response_free(keep);

    /* A raw talent id outside the hash is checked against its commitment. */
    CHECK_EQ_INT(sqlite3_exec(db, "UPDATE ledger SET talent_id = 'T9' WHERE seq = 3", NULL, NULL,
                              NULL), SQLITE_OK);
    v = s_verify(&keep);
    CHECK_EQ_UINT(v->first_bad_entry, 3);
    bole_response_free(keep);
    sqlite3_close(db);

    /* A deleted row is named too (after a restart on the same file). */
    CHECK_EQ_INT(harness_stop(s_h, 10000), 0);
    REQUIRE(sqlite3_open(harness_db_path(s_h), &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "DELETE FROM ledger WHERE seq = 2", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    REQUIRE(harness_restart(s_h) == 0);
    bole_client_destroy(&s_c);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    v = s_verify(&keep);
    CHECK_EQ_UINT(v->first_bad_entry, 2);
    bole_response_free(keep);
}

static void s_link_models(void)
{
    snprintf(s_models, sizeof s_models, "%s/models-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    REQUIRE(mkdtemp(s_models) != NULL);
    const char *files[] = {"bole.model", "weights.conf"};
    for (size_t i = 0; i < 2; i++) {
        char src[600], dst[600];
        snprintf(src, sizeof src, "%s/models/%s", BOLE_SOURCE_DIR, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", s_models, files[i]);
        REQUIRE(symlink(src, dst) == 0);
    }
    s_write_rules(s_rules_v1);
}

static void s_unlink_models(void)
{
    const char *files[] = {"bole.model", "weights.conf", "award_rules.conf"};
    for (size_t i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", s_models, files[i]);
        unlink(p);
    }
    rmdir(s_models);
}

int main(void)
{
    s_link_models();
    const char *args[] = {"--model", s_models, NULL};
    s_h = harness_start(args);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    s_put_talent("T1", 1, s_now() - 10 * DAY_MS);
    s_put_talent("T2", 0, 0);
    s_put_talent("t-pool", 0, 0);
    s_put_need("N1", 3);
    s_put_need("N2", 1);

    test_scripted_history();
    test_state_machine();
    test_token_and_cap();
    test_bad_input();
    test_tamper();

    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    s_unlink_models();
    return check_summary();
}
