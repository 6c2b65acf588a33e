/* test_tune.c — the analyst loop end to end against a real boled: profiles
 * in, match answers served (their features logged), impressions, clicks and
 * hires recorded with the answers' request ids, bole-export writes the CSV
 * and RankLib files, bole-tune --force --install --reload fits new weights,
 * installs them into the daemon's model folder and has the daemon load
 * them, and the next match answer names the new weights version.
 *
 * The daemon runs on a private copy of the model folder (bole.model and the
 * award rules linked, weights.conf copied), so the shipped models/ is never
 * touched. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define TUNE_BIN BOLE_BINARY_DIR "/tools/tune/bole-tune"
#define EXPORT_BIN BOLE_BINARY_DIR "/tools/export/bole-export"
#define N_TALENTS 16
#define N_NEEDS 3
#define ROUNDS 20

static harness_t *s_h;
static bole_client_t *s_c;

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

/* Talents 0..7 hold the needs' must-have skill, the others only a nearby one. */
static void s_put_talent(int i)
{
    char id[16];
    snprintf(id, sizeof id, "T%02d", i);
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s1 = BOLE__SKILL__INIT, s2 = BOLE__SKILL__INIT, *sk[2] = {&s1, &s2};
    t.external_id = id;
    t.zone = i % 3 ? "Z1" : "Z2";
    t.occupation = "Welder";
    s1.name = i < 8 ? "welding" : "soldering";
    s1.level = 1 + i % 5;
    s2.name = i % 2 ? "blueprint reading" : "metal cutting";
    s2.level = 3;
    t.skills = sk;
    t.n_skills = 2;
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
    n.zone = i == 0 ? "Z2" : "Z1";
    n.industry = "manufacturing";
    n.title = "Welder";
    s.name = "welding";
    s.must_have = 1;
    s.min_level = 3;
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

static Bole__Response *s_match(const char *need)
{
    Bole__MatchForNeedRequest mb = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    mb.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
    mb.need_id = (char *)need;
    mb.k = 12;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &mb;
    return s_call(&req);
}

/* Feature-log rows exported so far (the logger writes every 100 ms). */
static size_t s_logged(void)
{
    size_t n = 0;
    uint64_t after = 0;
    for (;;) {
        Bole__ExportOutcomesRequest b = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
        b.after_seq = after;
        b.limit = 10000;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
        req.export_outcomes = &b;
        Bole__Response *r = s_call(&req);
        int more = 0;
        if (r->status == 0 && r->export_outcomes) {
            n += r->export_outcomes->n_rows;
            after = r->export_outcomes->last_seq;
            more = r->export_outcomes->more;
        }
        bole_response_free(r);
        if (!more)
            return n;
    }
}

static int s_copy(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    char buf[8192];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, n, b) == n;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        ok = 0;
    return ok ? 0 : -1;
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

int main(void)
{
    char dir[] = "/tmp/bole-test-tune-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char model[512], weights[512], csv[512], ranklib[512];
    snprintf(model, sizeof model, "%s/bole.model", dir);
    REQUIRE(symlink(BOLE_SOURCE_DIR "/models/bole.model", model) == 0);
    snprintf(model, sizeof model, "%s/award_rules.conf", dir);
    REQUIRE(symlink(BOLE_SOURCE_DIR "/models/award_rules.conf", model) == 0);
    snprintf(weights, sizeof weights, "%s/weights.conf", dir);
    REQUIRE(s_copy(BOLE_SOURCE_DIR "/models/weights.conf", weights) == 0);
    snprintf(csv, sizeof csv, "%s/outcomes.csv", dir);
    snprintf(ranklib, sizeof ranklib, "%s/outcomes.txt", dir);

    const char *args[] = {"--model", dir, NULL};
    s_h = harness_start(args);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    for (int i = 0; i < N_TALENTS; i++)
        s_put_talent(i);
    for (int i = 0; i < N_NEEDS; i++)
        s_put_need(i);
    size_t before = s_logged(); /* The live matcher may log pairs too. */

    /* Serve answers; every shown pair gets an impression, talents holding
     * the must-have skill at level >= 3 get a click, and some of them an
     * interview or a hire. */
    size_t served = 0, events_joined = 0;
    char first_version[64] = "";
    for (int round = 0; round < ROUNDS; round++) {
        char need[8];
        snprintf(need, sizeof need, "N%d", round % N_NEEDS);
        Bole__Response *r = s_match(need);
        CHECK_EQ_INT(r->status, 0);
        REQUIRE(r->match != NULL && r->match->n_results > 0);
        if (!first_version[0])
            snprintf(first_version, sizeof first_version, "%s", r->match->weights_version);
        Bole__FeedbackEvent ev[64], *evp[64];
        size_t ne = 0;
        for (size_t k = 0; k < r->match->n_results && ne + 2 <= 64; k++) {
            const Bole__MatchResult *m = r->match->results[k];
            int t = atoi(m->talent_id + 1);
            int good = t < 8 && 1 + t % 5 >= 3;
            ev[ne] = (Bole__FeedbackEvent)BOLE__FEEDBACK_EVENT__INIT;
            ev[ne].request_id = r->match->request_id;
            ev[ne].talent_id = m->talent_id;
            ev[ne].need_id = m->need_id;
            ev[ne].position = m->rank;
            ev[ne].kind = BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION;
            evp[ne] = &ev[ne];
            ne++;
            if (good) {
                ev[ne] = ev[ne - 1];
                ev[ne].kind = (round + t) % 4 == 0   ? BOLE__FEEDBACK_KIND__FEEDBACK_HIRE
                              : (round + t) % 4 == 1 ? BOLE__FEEDBACK_KIND__FEEDBACK_INTERVIEW
                                                     : BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
                evp[ne] = &ev[ne];
                ne++;
            }
        }
        served += r->match->n_results;
        Bole__RecordFeedbackRequest fb = BOLE__RECORD_FEEDBACK_REQUEST__INIT;
        fb.events = evp;
        fb.n_events = ne;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_RECORD_FEEDBACK;
        req.record_feedback = &fb;
        Bole__Response *f = s_call(&req);
        CHECK_EQ_INT(f->status, 0);
        if (f->record_feedback) {
            CHECK_EQ_UINT(f->record_feedback->recorded, ne);
            events_joined += f->record_feedback->joined;
        }
        bole_response_free(f);
        bole_response_free(r);
        nanosleep(&(struct timespec){0, 5000000}, NULL); /* Distinct serve times. */
    }
    /* Every pair served was logged (wait for the logger thread). */
    size_t logged = 0;
    for (int i = 0; i < 100 && logged < before + served; i++) {
        logged = s_logged();
        if (logged < before + served)
            nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    CHECK_GE_UINT(logged, before + served);
    CHECK_GT_INT((long)events_joined, 0);

    /* Export: both files, every logged row. */
    const char *ex[] = {EXPORT_BIN, "--server", harness_endpoint(s_h), "--csv", csv,
                        "--ranklib", ranklib, "--page", "50", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(ex, &out, &err, 30000, NULL);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "bole-export: %s%s\n", out ? out : "", err ? err : "");
    CHECK_CONTAINS(err ? err : "", "rows");
    free(out);
    free(err);
    FILE *f = fopen(csv, "r");
    REQUIRE(f != NULL);
    char line[4096];
    size_t lines = 0;
    REQUIRE(fgets(line, sizeof line, f) != NULL);
    CHECK_EQ_STR(line, "seq,request_id,source,weights_version,talent_id,need_id,position,score,"
                       "similarity,must_have_coverage,nice_to_have_coverage,industry,zone,"
                       "experience_fit,education_fit,talent_preference,policy_priority,"
                       "freshness,outcome,at\n");
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    CHECK_EQ_UINT(lines, logged);
    f = fopen(ranklib, "r");
    REQUIRE(f != NULL);
    REQUIRE(fgets(line, sizeof line, f) != NULL);
    CHECK_CONTAINS(line, " qid:1 1:");
    CHECK_CONTAINS(line, " 10:");
    CHECK_CONTAINS(line, " # ");
    fclose(f);

    /* Tune, install, reload. */
    const char *tu[] = {TUNE_BIN, "--data", csv, "--weights", weights, "--out", dir,
                        "--holdout", "0.3", "--version-date", "2099-01-02", "--force",
                        "--install", dir, "--reload", "--server", harness_endpoint(s_h), NULL};
    out = err = NULL;
    rc = harness_run(tu, &out, &err, 60000, NULL);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "bole-tune: %s%s\n", out ? out : "", err ? err : "");
    CHECK_CONTAINS(out ? out : "", "now serves weights 2099-01-02.1");
    free(out);
    free(err);

    /* The next answer is scored by the new weights. */
    Bole__Response *r = s_match("N1");
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->match != NULL);
    CHECK_EQ_STR(r->match->weights_version, "2099-01-02.1");
    CHECK(strcmp(first_version, "2099-01-02.1") != 0);
    bole_response_free(r);

    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    s_rmdir(dir);
    return check_summary();
}
