/* test_ab.c — A/B serving of two weights versions against a real boled
 * (docs/TUNING.md, "A/B serving"):
 *   - with weights.b.conf + ab.conf (b_share 0.5), every subject is served
 *     by the version its id hashes to (recomputed here from the documented
 *     FNV-1a rule), the same version on every call, and the split is close
 *     to the share; FeedbackStats counts each version's served pairs;
 *   - a reload under load: 8 client threads match continuously while the
 *     main thread swaps in 10 new weights.conf files with ReloadModel: no
 *     request fails or times out, every answer names a version that was
 *     loaded while it was in flight (never empty), and the B subjects keep B;
 *   - bad input: a weights.b.conf with a non-finite weight, or an ab.conf
 *     with a share outside [0, 1], is refused with file:line and the daemon
 *     keeps serving the old versions.
 * The daemon runs on a private copy of the model folder. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define N_TALENTS 240
#define N_NEEDS 4
#define N_THREADS 8
#define N_RELOADS 10
#define VERSION_B "ab-test.B"

static harness_t *s_h;
static bole_client_t *s_c;
static char s_dir[] = "/tmp/bole-test-ab-XXXXXX";
static char s_version_a[64];

/* The documented bucketing rule (daemon/ab.h): FNV-1a-64 of the key, then
 * MurmurHash3's fmix64, top 53 bits as a fraction; B when below the share. */
static int s_is_b(const char *key, double share)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = key; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (double)(h >> 11) * 0x1.0p-53 < share;
}

static Bole__Response *s_call_on(bole_client_t *c, Bole__Request *req, int *rc)
{
    Bole__Response *r = NULL;
    *rc = bole_client_call(c, req, &r);
    return r;
}

static Bole__Response *s_call(Bole__Request *req)
{
    int rc;
    Bole__Response *r = s_call_on(s_c, req, &rc);
    CHECK_EQ_INT(rc, BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_put_talent(int i)
{
    char id[16];
    snprintf(id, sizeof id, "T%03d", i);
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s1 = BOLE__SKILL__INIT, *sk[1] = {&s1};
    t.external_id = id;
    t.zone = "Z1";
    t.occupation = "Welder";
    s1.name = i % 2 ? "welding" : "metal cutting";
    s1.level = 1 + i % 5;
    t.skills = sk;
    t.n_skills = 1;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    b.talent = &t;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    bole_response_free(r);
}

static void s_put_need(int i)
{
    char id[16];
    snprintf(id, sizeof id, "N%d", i);
    Bole__Need n = BOLE__NEED__INIT;
    Bole__NeedSkill s = BOLE__NEED_SKILL__INIT, *sp = &s;
    n.external_id = id;
    n.organisation = "org-1";
    n.zone = "Z1";
    n.industry = "manufacturing";
    n.title = "Welder";
    s.name = "welding";
    s.must_have = 1;
    s.min_level = 2;
    n.skills = &sp;
    n.n_skills = 1;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    b.need = &n;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    bole_response_free(r);
}

static Bole__Response *s_match_talent(bole_client_t *c, const char *talent, int *rc)
{
    Bole__MatchForTalentRequest mb = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    mb.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
    mb.talent_id = (char *)talent;
    mb.k = 3;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
    req.match_for_talent = &mb;
    return s_call_on(c, &req, rc);
}

static Bole__Response *s_reload(void)
{
    Bole__ReloadModelRequest rq = BOLE__RELOAD_MODEL_REQUEST__INIT;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_RELOAD_MODEL;
    req.reload_model = &rq;
    return s_call(&req);
}

/* Writes <dir>/name from the shipped weights.conf with its version replaced
 * and, if bad_feature, that weight set to nan; *bad_line gets its line.
 * Temporary file + rename: the daemon never reads half a file. */
static void s_write_weights(const char *name, const char *version, const char *bad_feature,
                            int *bad_line)
{
    FILE *in = fopen(BOLE_SOURCE_DIR "/models/weights.conf", "r");
    REQUIRE(in != NULL);
    char path[600], tmp[640], line[1024];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    REQUIRE(out != NULL);
    int n = 0;
    while (fgets(line, sizeof line, in)) {
        n++;
        if (strncmp(line, "version", 7) == 0 && (line[7] == ' ' || line[7] == '=')) {
            fprintf(out, "version = %s\n", version);
        } else if (bad_feature && strncmp(line, "weight.", 7) == 0 &&
                   strncmp(line + 7, bad_feature, strlen(bad_feature)) == 0 &&
                   (line[7 + strlen(bad_feature)] == ' ' || line[7 + strlen(bad_feature)] == '=')) {
            fprintf(out, "weight.%s = nan\n", bad_feature);
            *bad_line = n;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    REQUIRE(fclose(out) == 0);
    REQUIRE(rename(tmp, path) == 0);
}

static void s_write_text(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

/* ---- reload under load -------------------------------------------------- */

static char s_versions[N_RELOADS + 1][32]; /* A versions in load order; [0] the first. */
static int s_cur;                          /* Index of the A version surely loaded. */
static int s_next;                         /* Highest index that may be loaded. */
static int s_stop;

typedef struct {
    int id;
    bole_client_t *c;
    unsigned long calls, failed, bad_version, wrong_bucket;
    char last_bad[128];
} worker_t;

static void *s_worker(void *arg)
{
    worker_t *w = arg;
    unsigned n = (unsigned)w->id * 37u;
    while (!__atomic_load_n(&s_stop, __ATOMIC_ACQUIRE)) {
        char talent[16];
        snprintf(talent, sizeof talent, "T%03u", n++ % N_TALENTS);
        int lo = __atomic_load_n(&s_cur, __ATOMIC_ACQUIRE);
        int rc;
        Bole__Response *r = s_match_talent(w->c, talent, &rc);
        int hi = __atomic_load_n(&s_next, __ATOMIC_ACQUIRE);
        w->calls++;
        if (rc != BOLE_OK || !r || r->status != 0 || !r->match) {
            w->failed++;
            snprintf(w->last_bad, sizeof w->last_bad, "call rc %d status %d: %s", rc,
                     r ? (int)r->status : -1, r && r->error ? r->error : "");
            bole_response_free(r);
            continue;
        }
        const char *v = r->match->weights_version;
        int ok = 0;
        if (s_is_b(talent, 0.5)) {
            ok = strcmp(v, VERSION_B) == 0;
            if (!ok)
                w->wrong_bucket++;
        } else {
            for (int i = lo; i <= hi && !ok; i++)
                ok = strcmp(v, s_versions[i]) == 0;
            if (!ok && strcmp(v, VERSION_B) == 0)
                w->wrong_bucket++;
        }
        if (!ok) {
            w->bad_version++;
            snprintf(w->last_bad, sizeof w->last_bad, "%s: version '%s' (A loaded: %s..%s)",
                     talent, v, s_versions[lo], s_versions[hi]);
        }
        bole_response_free(r);
    }
    return NULL;
}

static void s_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Served pairs per version from FeedbackStats (search source only). */
static void s_funnel(uint64_t *a, uint64_t *b, uint64_t *other)
{
    *a = *b = *other = 0;
    Bole__FeedbackStatsRequest fs = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    fs.source = BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    req.feedback_stats = &fs;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    for (size_t i = 0; r->feedback_stats && i < r->feedback_stats->n_rows; i++) {
        const Bole__FunnelRow *row = r->feedback_stats->rows[i];
        if (row->source != BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH)
            continue;
        if (strcmp(row->weights_version, s_version_a) == 0)
            *a += row->served;
        else if (strcmp(row->weights_version, VERSION_B) == 0)
            *b += row->served;
        else
            *other += row->served;
    }
    bole_response_free(r);
}

int main(void)
{
    REQUIRE(mkdtemp(s_dir) != NULL);
    char p[600];
    snprintf(p, sizeof p, "%s/bole.model", s_dir);
    REQUIRE(symlink(BOLE_SOURCE_DIR "/models/bole.model", p) == 0);
    snprintf(p, sizeof p, "%s/award_rules.conf", s_dir);
    REQUIRE(symlink(BOLE_SOURCE_DIR "/models/award_rules.conf", p) == 0);
    snprintf(s_version_a, sizeof s_version_a, "ab-test.A0");
    snprintf(s_versions[0], sizeof s_versions[0], "ab-test.A0");
    s_write_weights("weights.conf", s_version_a, NULL, NULL);
    s_write_weights("weights.b.conf", VERSION_B, NULL, NULL);
    s_write_text("ab.conf", "# A/B test\nb_share = 0.5\n");

    const char *args[] = {"--model", s_dir, NULL};
    s_h = harness_start(args);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    for (int i = 0; i < N_TALENTS; i++)
        s_put_talent(i);
    for (int i = 0; i < N_NEEDS; i++)
        s_put_need(i);

    /* The reload answer names both versions and the share. */
    Bole__Response *r = s_reload();
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->reload_model != NULL);
    CHECK_EQ_STR(r->reload_model->weights_version, s_version_a);
    CHECK_EQ_STR(r->reload_model->weights_b_version, VERSION_B);
    CHECK_NEAR(r->reload_model->ab_b_share, 0.5, 1e-12);
    bole_response_free(r);

    uint64_t a0, b0, o0;
    s_funnel(&a0, &b0, &o0); /* The live matcher may have logged nothing here; be sure. */

    /* Deterministic split: each subject thrice, always the predicted version. */
    int n_b = 0, mismatches = 0;
    uint64_t served_a = 0, served_b = 0;
    for (int i = 0; i < N_TALENTS; i++) {
        char talent[16];
        snprintf(talent, sizeof talent, "T%03d", i);
        int want_b = s_is_b(talent, 0.5);
        n_b += want_b;
        for (int rep = 0; rep < 3; rep++) {
            int rc;
            r = s_match_talent(s_c, talent, &rc);
            CHECK_EQ_INT(rc, BOLE_OK);
            REQUIRE(r != NULL && r->status == 0 && r->match != NULL);
            const char *v = r->match->weights_version;
            if (strcmp(v, want_b ? VERSION_B : s_version_a) != 0) {
                mismatches++;
                fprintf(stderr, "%s: served by '%s', expected '%s'\n", talent, v,
                        want_b ? VERSION_B : s_version_a);
            }
            if (want_b)
                served_b += r->match->n_results;
            else
                served_a += r->match->n_results;
            bole_response_free(r);
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    /* 240 keys at share 0.5: sd 7.7; 96..144 is more than 3 sd. */
    CHECK_GE_INT(n_b, 96);
    CHECK_LE_INT(n_b, 144);
    fprintf(stderr, "split: %d of %d subjects in B\n", n_b, N_TALENTS);
    CHECK_GE_UINT(served_a, 1);
    CHECK_GE_UINT(served_b, 1);

    /* Match for a need (the need id buckets) and for an inline talent (its
     * external_id buckets). */
    for (int i = 0; i < N_NEEDS; i++) {
        char need[8];
        snprintf(need, sizeof need, "N%d", i);
        Bole__MatchForNeedRequest mb = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
        mb.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
        mb.need_id = need;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
        req.match_for_need = &mb;
        r = s_call(&req);
        CHECK_EQ_INT(r->status, 0);
        if (r->match)
            CHECK_EQ_STR(r->match->weights_version, s_is_b(need, 0.5) ? VERSION_B : s_version_a);
        bole_response_free(r);
    }
    for (int i = 0; i < 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "inline-%d", i);
        Bole__Talent t = BOLE__TALENT__INIT;
        Bole__Skill s1 = BOLE__SKILL__INIT, *sk[1] = {&s1};
        t.external_id = id;
        t.zone = "Z1";
        t.occupation = "Welder";
        s1.name = "welding";
        s1.level = 3;
        t.skills = sk;
        t.n_skills = 1;
        Bole__MatchForTalentRequest mb = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
        mb.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT;
        mb.talent = &t;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
        req.match_for_talent = &mb;
        r = s_call(&req);
        CHECK_EQ_INT(r->status, 0);
        if (r->match)
            CHECK_EQ_STR(r->match->weights_version, s_is_b(id, 0.5) ? VERSION_B : s_version_a);
        bole_response_free(r);
    }

    /* FeedbackStats: the funnel per version counts exactly what each served
     * for the talents above (the logger writes every 100 ms: wait). */
    uint64_t fa = 0, fb = 0, fo = 0;
    for (int i = 0; i < 100; i++) {
        s_funnel(&fa, &fb, &fo);
        if (fa - a0 >= served_a && fb - b0 >= served_b)
            break;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    CHECK_GE_UINT(fa - a0, served_a);
    CHECK_GE_UINT(fb - b0, served_b);
    CHECK_EQ_UINT(fo, 0);
    fprintf(stderr, "FeedbackStats: %s served %llu, %s served %llu\n", s_version_a,
            (unsigned long long)fa, VERSION_B, (unsigned long long)fb);

    /* Reload under load. */
    worker_t workers[N_THREADS];
    pthread_t threads[N_THREADS];
    memset(workers, 0, sizeof workers);
    for (int i = 0; i < N_THREADS; i++) {
        workers[i].id = i;
        workers[i].c = harness_client(s_h, 10000);
        REQUIRE(workers[i].c != NULL);
        REQUIRE(pthread_create(&threads[i], NULL, s_worker, &workers[i]) == 0);
    }
    nanosleep(&(struct timespec){0, 100000000}, NULL);
    for (int i = 1; i <= N_RELOADS; i++) {
        snprintf(s_versions[i], sizeof s_versions[i], "ab-test.A%d", i);
        __atomic_store_n(&s_next, i, __ATOMIC_RELEASE); /* May be live from now on. */
        s_write_weights("weights.conf", s_versions[i], NULL, NULL);
        r = s_reload();
        CHECK_EQ_INT(r->status, 0);
        if (r->reload_model) {
            CHECK_EQ_STR(r->reload_model->weights_version, s_versions[i]);
            CHECK_EQ_STR(r->reload_model->weights_b_version, VERSION_B);
        }
        bole_response_free(r);
        __atomic_store_n(&s_cur, i, __ATOMIC_RELEASE); /* Surely live now. */
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    nanosleep(&(struct timespec){0, 100000000}, NULL);
    __atomic_store_n(&s_stop, 1, __ATOMIC_RELEASE);
    unsigned long calls = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(threads[i], NULL);
        bole_client_destroy(&workers[i].c);
        calls += workers[i].calls;
        CHECK_EQ_UINT(workers[i].failed, 0);
        CHECK_EQ_UINT(workers[i].bad_version, 0);
        CHECK_EQ_UINT(workers[i].wrong_bucket, 0);
        CHECK_GE_UINT(workers[i].calls, 1);
        if (workers[i].failed || workers[i].bad_version)
            fprintf(stderr, "worker %d: %s\n", i, workers[i].last_bad);
    }
    fprintf(stderr, "reload under load: %lu matches by %d clients across %d reloads\n", calls,
            N_THREADS, N_RELOADS);

    /* Both files reload together: a new B version. */
    s_write_weights("weights.b.conf", "ab-test.B2", NULL, NULL);
    r = s_reload();
    CHECK_EQ_INT(r->status, 0);
    if (r->reload_model)
        CHECK_EQ_STR(r->reload_model->weights_b_version, "ab-test.B2");
    bole_response_free(r);
    char b_talent[16] = "", a_talent[16] = "";
    for (int i = 0; i < N_TALENTS && (!b_talent[0] || !a_talent[0]); i++) {
        char t[16];
        snprintf(t, sizeof t, "T%03d", i);
        snprintf(s_is_b(t, 0.5) ? b_talent : a_talent, 16, "%s", t);
    }
    const char *last_a = s_versions[N_RELOADS];
    int rc;
    r = s_match_talent(s_c, b_talent, &rc);
    REQUIRE(r != NULL && r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, "ab-test.B2");
    bole_response_free(r);

    /* Bad input: a non-finite weight in weights.b.conf is refused with its
     * file and line; the old versions keep serving. */
    int bad_line = 0;
    s_write_weights("weights.b.conf", "ab-test.B3", "similarity", &bad_line);
    REQUIRE(bad_line > 0);
    r = s_reload();
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    char want[700];
    snprintf(want, sizeof want, "%s/weights.b.conf:%d:", s_dir, bad_line);
    CHECK_CONTAINS(r->error ? r->error : "", want);
    bole_response_free(r);
    r = s_match_talent(s_c, b_talent, &rc);
    REQUIRE(r != NULL && r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, "ab-test.B2");
    bole_response_free(r);
    r = s_match_talent(s_c, a_talent, &rc);
    REQUIRE(r != NULL && r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, last_a);
    bole_response_free(r);

    /* Bad input: a share outside [0, 1] (with a valid B file). */
    s_write_weights("weights.b.conf", "ab-test.B3", NULL, NULL);
    s_write_text("ab.conf", "b_share = 0.5\nb_share = 1.5\n");
    r = s_reload();
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK_CONTAINS(r->error ? r->error : "", "ab.conf:2:");
    bole_response_free(r);
    s_write_text("ab.conf", "b_share = 1.5\n");
    r = s_reload();
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK_CONTAINS(r->error ? r->error : "", "ab.conf:1: b_share '1.5'");
    bole_response_free(r);
    /* B without ab.conf: refused too (both or neither). */
    snprintf(p, sizeof p, "%s/ab.conf", s_dir);
    REQUIRE(unlink(p) == 0);
    r = s_reload();
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__FAILED_PRECONDITION);
    CHECK_CONTAINS(r->error ? r->error : "", "both or neither");
    bole_response_free(r);
    r = s_match_talent(s_c, b_talent, &rc);
    REQUIRE(r != NULL && r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, "ab-test.B2");
    bole_response_free(r);

    /* Ending the experiment: remove weights.b.conf; everyone gets A. */
    snprintf(p, sizeof p, "%s/weights.b.conf", s_dir);
    REQUIRE(unlink(p) == 0);
    r = s_reload();
    CHECK_EQ_INT(r->status, 0);
    if (r->reload_model)
        CHECK_EQ_STR(r->reload_model->weights_b_version, "");
    bole_response_free(r);
    r = s_match_talent(s_c, b_talent, &rc);
    REQUIRE(r != NULL && r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, last_a);
    bole_response_free(r);

    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    s_rmdir(s_dir);
    return check_summary();
}
