/* test_persistence.c — what boled acknowledged survives: SIGTERM and
 * restart (snapshot), SIGKILL and restart (snapshot + change-log replay),
 * corrupt snapshots (rebuilt from SQLite, with a log line), snapshot seq,
 * and reload_model under concurrent match load. */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define NT   520  /* Talent slots: 500 first, 20 more later. */
#define NN   50
#define TOPK 20

static const char *const s_occ[] = { "Data Scientist", "Registered Nurse", "Welder",
                                     "Accountant", "Electrician" };
static const char *const s_skills[][3] = {
    { "python", "sql", "machine learning" },
    { "patient care", "nursing", "medication administration" },
    { "welding", "blueprint reading", "metal fabrication" },
    { "accounting", "excel", "auditing" },
    { "electrical wiring", "troubleshooting", "blueprint reading" },
};
static const char *const s_zones[] = { "A", "B", "C", "D" };

static harness_t *s_h;
static bole_client_t *s_c;
static int s_deleted[NT];

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);

    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_tid(int i, char *buf, size_t n) { snprintf(buf, n, "T%04d", i); }
static void s_nid(int i, char *buf, size_t n) { snprintf(buf, n, "N%03d", i); }

/* Bulk-put talents [from, to). */
static void s_put_talents(int from, int to)
{
    int n = to - from;
    Bole__Talent *t = calloc((size_t)n, sizeof *t);
    Bole__Talent **tp = calloc((size_t)n, sizeof *tp);
    Bole__Skill *sk = calloc((size_t)n * 3, sizeof *sk);
    Bole__Skill **skp = calloc((size_t)n * 3, sizeof *skp);
    char (*ids)[16] = calloc((size_t)n, sizeof *ids);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    Bole__Response *r;

    REQUIRE(t && tp && sk && skp && ids);
    for (int j = 0; j < n; j++) {
        int i = from + j, o = i % 5;
        Bole__Talent t0 = BOLE__TALENT__INIT;
        t[j] = t0;
        s_tid(i, ids[j], sizeof ids[j]);
        t[j].external_id = ids[j];
        t[j].zone = (char *)s_zones[(i / 5) % 4];
        t[j].occupation = (char *)s_occ[o];
        for (int k = 0; k < 3; k++) {
            Bole__Skill s0 = BOLE__SKILL__INIT;
            sk[j * 3 + k] = s0;
            sk[j * 3 + k].name = (char *)s_skills[o][k];
            /* Levels: the base-5 digits of i / 5, so no two talents of an
             * occupation share a profile. Identical profiles would differ
             * only in their update time, i.e. in the last bit of the
             * freshness feature, and their order would follow the clock. */
            sk[j * 3 + k].level = 1 + (unsigned)((i / 5 / (k == 0 ? 1 : k == 1 ? 5 : 25)) % 5);
            skp[j * 3 + k] = &sk[j * 3 + k];
        }
        t[j].skills = &skp[j * 3];
        t[j].n_skills = 3;
        t[j].experience_years = (float)(i % 20);
        tp[j] = &t[j];
    }
    b.talents = tp;
    b.n_talents = (size_t)n;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    free(t); free(tp); free(sk); free(skp); free(ids);
}

static void s_put_needs(void)
{
    Bole__Need n[NN];
    Bole__Need *np[NN];
    Bole__NeedSkill sk[NN][2];
    Bole__NeedSkill *skp[NN][2];
    char ids[NN][16];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedsRequest b = BOLE__PUT_NEEDS_REQUEST__INIT;
    Bole__Response *r;

    for (int i = 0; i < NN; i++) {
        Bole__Need n0 = BOLE__NEED__INIT;
        int o = i % 5;
        n[i] = n0;
        s_nid(i, ids[i], sizeof ids[i]);
        n[i].external_id = ids[i];
        n[i].title = (char *)s_occ[o];
        n[i].zone = (char *)s_zones[i % 4];
        for (int k = 0; k < 2; k++) {
            Bole__NeedSkill s0 = BOLE__NEED_SKILL__INIT;
            sk[i][k] = s0;
            sk[i][k].name = (char *)s_skills[o][k];
            sk[i][k].must_have = k == 0;
            skp[i][k] = &sk[i][k];
        }
        n[i].skills = skp[i];
        n[i].n_skills = 2;
        np[i] = &n[i];
    }
    b.needs = np;
    b.n_needs = NN;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
    req.put_needs = &b;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

/* An answer to compare across restarts: ids in order and scores. */
typedef struct answer {
    size_t n;
    char ids[TOPK * 2][16];
    float score[TOPK * 2];
} answer_t;

static Bole__Response *s_match_need(bole_client_t *c, const char *id, uint32_t k, int *rc)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Response *r = NULL;

    mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
    mn.need_id = (char *)id;
    mn.k = k;
    mn.explain = 1;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &mn;
    *rc = bole_client_call(c, &req, &r);
    return r;
}

/* Top TOPK talents for N000 and top TOPK needs for T0001. */
static void s_answer(answer_t *a)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    Bole__Response *r;
    int rc;

    memset(a, 0, sizeof *a);
    r = s_match_need(s_c, "N000", TOPK, &rc);
    REQUIRE(rc == BOLE_OK && r != NULL);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->match != NULL);
    CHECK_EQ_UINT(r->match->n_results, TOPK);
    for (size_t i = 0; i < r->match->n_results && a->n < TOPK * 2; i++, a->n++) {
        snprintf(a->ids[a->n], sizeof a->ids[0], "%s", r->match->results[i]->talent_id);
        a->score[a->n] = r->match->results[i]->score;
    }
    bole_response_free(r);

    mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
    mt.talent_id = "T0001";
    mt.k = TOPK;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
    req.match_for_talent = &mt;
    r = s_call(&req);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->match != NULL);
    CHECK_EQ_UINT(r->match->n_results, TOPK);
    for (size_t i = 0; i < r->match->n_results && a->n < TOPK * 2; i++, a->n++) {
        snprintf(a->ids[a->n], sizeof a->ids[0], "%s", r->match->results[i]->need_id);
        a->score[a->n] = r->match->results[i]->score;
    }
    bole_response_free(r);
}

static void s_same_answer(const answer_t *x, const answer_t *y, const char *when)
{
    int same = x->n == y->n;

    for (size_t i = 0; same && i < x->n; i++)
        same = strcmp(x->ids[i], y->ids[i]) == 0;
    if (!same) {
        fprintf(stderr, "match answers differ %s (id score before | after):\n", when);
        for (size_t i = 0; i < x->n || i < y->n; i++)
            fprintf(stderr, "  %2zu %s %.6f | %s %.6f\n", i, i < x->n ? x->ids[i] : "-",
                    i < x->n ? x->score[i] : 0.0, i < y->n ? y->ids[i] : "-",
                    i < y->n ? y->score[i] : 0.0);
    }
    CHECK(same);
    for (size_t i = 0; i < x->n && i < y->n; i++)
        CHECK_NEAR(x->score[i], y->score[i], 1e-4);
}

static int s_get_status(int talent, const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    Bole__Response *r;
    int st;

    b.id = (char *)id;
    if (talent) {
        req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
        req.get_talent = &b;
    } else {
        req.body_case = BOLE__REQUEST__BODY_GET_NEED;
        req.get_need = &b;
    }
    r = s_call(&req);
    st = (int)r->status;
    bole_response_free(r);
    return st;
}

/* Every live talent and need is gettable, every deleted one is not. */
static void s_all_there(int nt)
{
    char id[16];
    int bad = 0;

    for (int i = 0; i < nt; i++) {
        s_tid(i, id, sizeof id);
        bad += s_get_status(1, id) != (s_deleted[i] ? BOLE__STATUS_CODE__NOT_FOUND
                                                     : BOLE__STATUS_CODE__OK);
    }
    for (int i = 0; i < NN; i++) {
        s_nid(i, id, sizeof id);
        bad += s_get_status(0, id) != BOLE__STATUS_CODE__OK;
    }
    CHECK_EQ_INT(bad, 0);
}

static void s_stats(uint64_t *talents, uint64_t *seq)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    Bole__Response *r;

    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    r = s_call(&req);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->stats != NULL);
    *talents = r->stats->talents;
    *seq = r->stats->store_seq;
    bole_response_free(r);
}

static void s_reconnect(void)
{
    bole_client_destroy(&s_c);
    s_c = harness_client(s_h, 15000);
    REQUIRE(s_c != NULL);
}

/* Overwrite 64 bytes in the middle of `path`. Returns 0 if done. */
static int s_corrupt(const char *path)
{
    struct stat st;
    char junk[64];
    int fd = open(path, O_WRONLY);
    int ok;

    if (fd < 0)
        return -1;
    memset(junk, 0xA5, sizeof junk);
    ok = fstat(fd, &st) == 0 && st.st_size > 128
         && pwrite(fd, junk, sizeof junk, st.st_size / 2) == (ssize_t)sizeof junk;
    close(fd);
    return ok ? 0 : -1;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL) {
        n = (long)fread(buf, 1, (size_t)n, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

/* ---- reload under load ------------------------------------------------- */

typedef struct loader {
    atomic_int *stop;
    uint64_t ok, bad;
} loader_t;

static void *s_matcher(void *arg)
{
    loader_t *l = arg;
    bole_client_t *c = harness_client(s_h, 10000);
    unsigned n = 0;

    if (c == NULL) {
        l->bad++;
        return NULL;
    }
    while (!atomic_load(l->stop)) {
        char id[16];
        int rc;
        Bole__Response *r;
        s_nid((int)(n++ % NN), id, sizeof id);
        r = s_match_need(c, id, 20, &rc);
        if (rc == BOLE_OK && r->status == BOLE__STATUS_CODE__OK && r->match->n_results == 20)
            l->ok++;
        else
            l->bad++;
        bole_response_free(r);
    }
    bole_client_destroy(&c);
    return NULL;
}

static void test_reload_under_load(void)
{
    atomic_int stop = 0;
    loader_t l[2] = { { &stop, 0, 0 }, { &stop, 0, 0 } };
    pthread_t th[2];
    int reload_ok = 0;

    for (int i = 0; i < 2; i++)
        REQUIRE(pthread_create(&th[i], NULL, s_matcher, &l[i]) == 0);
    s_sleep_ms(100);
    for (int i = 0; i < 5; i++) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__ReloadModelRequest b = BOLE__RELOAD_MODEL_REQUEST__INIT;
        Bole__Response *r;
        req.body_case = BOLE__REQUEST__BODY_RELOAD_MODEL;
        req.reload_model = &b;
        r = s_call(&req);
        if (r->status == BOLE__STATUS_CODE__OK && r->reload_model != NULL) {
            reload_ok++;
            CHECK(r->reload_model->model_version[0] != '\0');
            /* The weights file has a version (match answers report it);
             * reload_model must say which weights are now loaded. */
            CHECK(r->reload_model->weights_version[0] != '\0');
        } else {
            fprintf(stderr, "reload_model: %s: %s\n", bole_status_name((int)r->status), r->error);
        }
        bole_response_free(r);
        s_sleep_ms(50);
    }
    s_sleep_ms(100);
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(reload_ok, 5);
    CHECK_EQ_UINT(l[0].bad + l[1].bad, 0);
    CHECK_GT_INT(l[0].ok, 0);
    CHECK_GT_INT(l[1].ok, 0);
}

int main(void)
{
    answer_t before, after;
    char path[4096];
    uint64_t talents, seq;
    char *log;

    /* Every start with index snapshots decodes the profiles on two threads
     * (state.c; by default only sides of 50,000 ids or more), so the
     * answers below also check that load. */
    setenv("BOLE_LOAD_SPLIT_ROWS", "20", 1);
    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 15000);
    REQUIRE(s_c != NULL);
    s_put_talents(0, 250);
    s_put_talents(250, 500);
    s_put_needs();
    s_answer(&before);

    /* SIGTERM, restart: everything back, same answer. */
    CHECK_EQ_INT(harness_stop(s_h, 15000), 0);
    REQUIRE(harness_restart(s_h) == 0);
    s_reconnect();
    s_all_there(500);
    s_answer(&after);
    s_same_answer(&before, &after, "after SIGTERM + restart");
    log = s_slurp(harness_log_path(s_h));
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log, "talents: 500 loaded in");
    CHECK_CONTAINS(log, "s (profiles decoded on two threads: the helper's");
    CHECK_CONTAINS(log, "needs: 50 loaded in");
    free(log);
    s_stats(&talents, &seq);
    CHECK_EQ_UINT(talents, 500);

    /* 20 more, 5 deleted (among them one of the top answers), then SIGKILL. */
    s_put_talents(500, NT);
    {
        int del[5] = { 3, 77, 501, 250, -1 };
        del[4] = atoi(before.ids[0] + 1);  /* The best match of N000. */
        if (del[4] == 3 || del[4] == 77 || del[4] == 250)
            del[4] = 400;
        for (int i = 0; i < 5; i++) {
            Bole__Request req = BOLE__REQUEST__INIT;
            Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
            Bole__Response *r;
            char id[16];
            s_tid(del[i], id, sizeof id);
            b.id = id;
            req.body_case = BOLE__REQUEST__BODY_DELETE_TALENT;
            req.delete_talent = &b;
            r = s_call(&req);
            CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
            bole_response_free(r);
            s_deleted[del[i]] = 1;
        }
    }
    s_answer(&before);
    CHECK_EQ_INT(harness_kill(s_h), 0);
    REQUIRE(harness_restart(s_h) == 0);
    s_reconnect();
    s_all_there(NT);
    s_answer(&after);
    s_same_answer(&before, &after, "after SIGKILL + restart (replay)");
    for (size_t i = 0; i < after.n / 2; i++)
        CHECK(!s_deleted[atoi(after.ids[i] + 1)]);
    s_stats(&talents, &seq);
    CHECK_EQ_UINT(talents, NT - 5);

    /* Snapshot seq equals the store seq. */
    {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__SnapshotRequest b = BOLE__SNAPSHOT_REQUEST__INIT;
        Bole__Response *r;
        req.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
        req.snapshot = &b;
        r = s_call(&req);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
        REQUIRE(r->snapshot != NULL);
        s_stats(&talents, &seq);
        CHECK_EQ_UINT(r->snapshot->seq, seq);
        CHECK_GT_INT(r->snapshot->seq, 0);
        bole_response_free(r);
    }

    /* Corrupt both snapshots: rebuilt from SQLite, same answers. */
    CHECK_EQ_INT(harness_stop(s_h, 15000), 0);
    snprintf(path, sizeof path, "%s.talents.index", harness_db_path(s_h));
    CHECK_EQ_INT(s_corrupt(path), 0);
    snprintf(path, sizeof path, "%s.needs.index", harness_db_path(s_h));
    CHECK_EQ_INT(s_corrupt(path), 0);
    REQUIRE(harness_restart(s_h) == 0);
    s_reconnect();
    s_all_there(NT);
    s_answer(&after);
    s_same_answer(&before, &after, "after corrupt snapshots");
    log = s_slurp(harness_log_path(s_h));
    CHECK_CONTAINS(log, "talents: index snapshot");
    CHECK_CONTAINS(log, "rebuilding");
    CHECK_CONTAINS(log, "needs: index snapshot");
    free(log);

    test_reload_under_load();
    CHECK(harness_health_ok(s_c));
    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(s_h, 15000), 0);
    harness_destroy(&s_h);
    return check_summary();
}
