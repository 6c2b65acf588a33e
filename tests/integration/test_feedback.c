/* test_feedback.c — outcome tracking against a real boled: match answers
 * carry a request id, the served pairs' features are logged, RecordFeedback
 * joins events to exactly those features, unknown request ids are reported
 * (and the events kept), bad batches change nothing, FeedbackStats gives the
 * funnel and ExportOutcomes pages the joined rows. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "integration/harness.h"

static harness_t *s_h;
static bole_client_t *s_c;

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    req->api_version = BOLE__API_VERSION__API_VERSION_1;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_put_talent(const char *id, const char *skill)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill sk = BOLE__SKILL__INIT, *skp = &sk;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    t.external_id = (char *)id;
    t.zone = "Z1";
    t.occupation = "Welder";
    sk.name = (char *)skill;
    sk.level = 3;
    t.skills = &skp;
    t.n_skills = 1;
    b.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    bole_response_free(r);
}

static void s_put_need(const char *id)
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
    b.need = &n;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, 0);
    bole_response_free(r);
}

static Bole__Response *s_record(Bole__FeedbackEvent **events, size_t n)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RecordFeedbackRequest b = BOLE__RECORD_FEEDBACK_REQUEST__INIT;
    b.events = events;
    b.n_events = n;
    req.body_case = BOLE__REQUEST__BODY_RECORD_FEEDBACK;
    req.record_feedback = &b;
    return s_call(&req);
}

static Bole__Response *s_export(uint64_t after, uint32_t limit)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ExportOutcomesRequest b = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
    b.after_seq = after;
    b.limit = limit;
    req.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
    req.export_outcomes = &b;
    return s_call(&req);
}

static char s_rid[2][40]; /* Request ids of this test's two match answers. */

/* Rows of our two answers in a page. Other pairs may be logged too (e.g.
 * by the live matcher when profiles arrive). */
static size_t s_ours(const Bole__ExportOutcomesResponse *x)
{
    size_t n = 0;
    for (size_t i = 0; x && i < x->n_rows; i++)
        n += strcmp(x->rows[i]->request_id, s_rid[0]) == 0 ||
             strcmp(x->rows[i]->request_id, s_rid[1]) == 0;
    return n;
}

/* Our rows in the feature log, waiting (up to 5 s) for at least `want`. */
static size_t s_logged(size_t want)
{
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        Bole__Response *r = s_export(0, 10000);
        n = s_ours(r->export_outcomes);
        bole_response_free(r);
        if (n >= want)
            break;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    return n;
}

int main(void)
{
    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 10000);
    REQUIRE(s_c != NULL);
    s_put_talent("T1", "welding");
    s_put_talent("T2", "welding");
    s_put_talent("T3", "soldering");
    s_put_need("N1");

    /* A match answer with explanations: the logged features must equal them. */
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest mb = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    mb.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
    mb.need_id = "N1";
    mb.k = 3;
    mb.explain = 1;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &mb;
    Bole__Response *match = s_call(&req);
    CHECK_EQ_INT(match->status, 0);
    REQUIRE(match->match != NULL && match->match->n_results == 3);
    const Bole__MatchResponse *m = match->match;
    CHECK(m->request_id[0] != '\0');
    /* A second answer gets a different id. */
    Bole__Response *again = s_call(&req);
    CHECK(again->match && strcmp(again->match->request_id, m->request_id) != 0);
    snprintf(s_rid[0], sizeof s_rid[0], "%s", m->request_id);
    snprintf(s_rid[1], sizeof s_rid[1], "%s", again->match ? again->match->request_id : "");
    bole_response_free(again);

    /* Events: the pair at position 2 clicked and hired, one unknown id. */
    const Bole__MatchResult *hit = m->results[1];
    Bole__FeedbackEvent e[4], *ep[4];
    for (int i = 0; i < 4; i++) {
        bole__feedback_event__init(&e[i]);
        ep[i] = &e[i];
        e[i].request_id = m->request_id;
        e[i].talent_id = hit->talent_id;
        e[i].need_id = hit->need_id;
        e[i].position = 2;
    }
    e[0].kind = BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION;
    e[1].kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    e[2].kind = BOLE__FEEDBACK_KIND__FEEDBACK_HIRE;
    e[3].kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    e[3].request_id = "no-such-request";

    /* A bad batch (unknown kind in the last event) stores nothing. */
    e[3].kind = BOLE__FEEDBACK_KIND__FEEDBACK_KIND_UNSPECIFIED;
    Bole__Response *r = s_record(ep, 4);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    CHECK_CONTAINS(r->error, "events[3].kind");
    bole_response_free(r);
    e[3].kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    e[3].talent_id = "";
    r = s_record(ep, 4);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);
    e[3].talent_id = hit->talent_id;
    r = s_record(ep, 0);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);

    r = s_record(ep, 4);
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->record_feedback != NULL);
    CHECK_EQ_UINT(r->record_feedback->recorded, 4);
    CHECK_EQ_UINT(r->record_feedback->joined, 3);
    CHECK_EQ_UINT(r->record_feedback->n_unknown_request_ids, 1);
    if (r->record_feedback->n_unknown_request_ids == 1)
        CHECK_EQ_STR(r->record_feedback->unknown_request_ids[0], "no-such-request");
    uint64_t seq_before = r->record_feedback->last_seq;
    bole_response_free(r);

    /* The single-event Feedback method still works and gets the next seq
     * (so the bad batches above stored nothing). */
    Bole__Request fq = BOLE__REQUEST__INIT;
    Bole__FeedbackRequest fb = BOLE__FEEDBACK_REQUEST__INIT;
    fb.talent_id = hit->talent_id;
    fb.need_id = hit->need_id;
    fb.kind = BOLE__FEEDBACK_KIND__FEEDBACK_APPLY;
    fb.request_id = m->request_id;
    fq.body_case = BOLE__REQUEST__BODY_FEEDBACK;
    fq.feedback = &fb;
    r = s_call(&fq);
    CHECK_EQ_INT(r->status, 0);
    if (r->feedback)
        CHECK_EQ_UINT(r->feedback->seq, seq_before + 1);
    bole_response_free(r);
    CHECK_EQ_UINT(seq_before, 4);

    /* Export: six served pairs (two answers of three); the hired one carries
     * the features the explanation showed. */
    CHECK_EQ_UINT(s_logged(6), 6);
    r = s_export(0, 10000);
    REQUIRE(r->export_outcomes != NULL);
    int found = 0;
    for (size_t i = 0; i < r->export_outcomes->n_rows; i++) {
        const Bole__OutcomeRow *row = r->export_outcomes->rows[i];
        if (strcmp(row->request_id, m->request_id) != 0)
            continue;
        if (strcmp(row->talent_id, hit->talent_id) == 0) {
            found++;
            CHECK_EQ_INT(row->outcome, BOLE__FEEDBACK_KIND__FEEDBACK_HIRE);
            CHECK_EQ_UINT(row->position, 2);
            CHECK_EQ_INT(row->source, BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH);
            CHECK_EQ_STR(row->weights_version, m->weights_version);
            REQUIRE(hit->explanation != NULL);
            CHECK_EQ_UINT(row->n_features, hit->explanation->n_contributions);
            for (size_t f = 0; f < row->n_features && f < hit->explanation->n_contributions; f++) {
                CHECK_EQ_STR(row->features[f]->feature, hit->explanation->contributions[f]->feature);
                CHECK_NEAR(row->features[f]->value, hit->explanation->contributions[f]->value, 1e-6);
            }
        } else {
            CHECK_EQ_INT(row->outcome, 0);
        }
    }
    CHECK_EQ_INT(found, 1);
    bole_response_free(r);

    /* Paging: two rows per page, the last page says no more. */
    uint64_t after = 0;
    size_t total = 0;
    for (int page = 0; page < 10; page++) {
        r = s_export(after, 2);
        REQUIRE(r->export_outcomes != NULL);
        total += s_ours(r->export_outcomes);
        after = r->export_outcomes->last_seq;
        int more = r->export_outcomes->more;
        bole_response_free(r);
        if (!more)
            break;
    }
    CHECK_EQ_UINT(total, 6);

    /* Funnel: at least our 6 served, 1 reached impression/click/apply/hire.
     * Search only: the live stream's pushes of the same puts are logged
     * under SOURCE_LIVE (test_live checks that funnel). */
    Bole__Request sq = BOLE__REQUEST__INIT;
    Bole__FeedbackStatsRequest sb = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    sb.source = BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH;
    sq.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    sq.feedback_stats = &sb;
    r = s_call(&sq);
    CHECK_EQ_INT(r->status, 0);
    REQUIRE(r->feedback_stats != NULL && r->feedback_stats->n_rows == 1);
    const Bole__FunnelRow *fr = r->feedback_stats->rows[0];
    CHECK_EQ_INT(fr->source, BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH);
    CHECK_EQ_STR(fr->weights_version, m->weights_version);
    CHECK_GE_UINT(fr->served, 6);
    CHECK_EQ_UINT(fr->impressions, 1);
    CHECK_EQ_UINT(fr->clicks, 1);
    CHECK_EQ_UINT(fr->applies, 1);
    CHECK_EQ_UINT(fr->interviews, 1); /* A hire passed the interview step. */
    CHECK_EQ_UINT(fr->hires, 1);
    bole_response_free(r);
    sb.period = "2026-Q9";
    r = s_call(&sq);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
    bole_response_free(r);

    bole_response_free(match);
    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    return check_summary();
}
