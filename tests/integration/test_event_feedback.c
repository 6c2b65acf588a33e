/* test_event_feedback.c — outcome tracking for job fairs (issue 6) against
 * a real boled: a run's schedule carries a request id (kept by read-only
 * answers, get_event_schedule and a restart), every assigned pair is in
 * the feature log with source SOURCE_EVENT, its score and its agenda
 * position, the features equal the explanation of the same pair,
 * RecordFeedback joins the organisers' outcomes to those pairs, and
 * FeedbackStats{source: SOURCE_EVENT} shows the event funnel apart from
 * search. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "integration/harness.h"

static bole_client_t *s_c;

static const char *const s_titles[3] = {"Data Scientist", "Registered Nurse", "Welder"};
static const char *const s_skills[3][3] = {
    {"python", "sql", "machine learning"},
    {"patient care", "nursing", "vital signs"},
    {"welding", "blueprint reading", "metal fabrication"},
};

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_put_talent(const char *id, int occ)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill s[3], *sp[3];
    for (int k = 0; k < 3; k++) {
        bole__skill__init(&s[k]);
        s[k].name = (char *)s_skills[occ][k];
        s[k].level = 2 + k % 2;
        sp[k] = &s[k];
    }
    t.external_id = (char *)id;
    t.zone = "z1";
    t.occupation = (char *)s_titles[occ];
    t.skills = sp;
    t.n_skills = 3;
    t.experience_years = 4;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    b.talent = &t;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

static void s_put_need(const char *id, int occ)
{
    Bole__Need n = BOLE__NEED__INIT;
    Bole__NeedSkill s[3], *sp[3];
    for (int k = 0; k < 3; k++) {
        bole__need_skill__init(&s[k]);
        s[k].name = (char *)s_skills[occ][k];
        s[k].must_have = k == 0;
        sp[k] = &s[k];
    }
    n.external_id = (char *)id;
    n.organisation = "org-1";
    n.zone = "z1";
    n.industry = "any";
    n.title = (char *)s_titles[occ];
    n.skills = sp;
    n.n_skills = 3;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    b.need = &n;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

static Bole__Response *s_run(int read_only, const char *talent_id)
{
    Bole__RunEventMatchingRequest b = BOLE__RUN_EVENT_MATCHING_REQUEST__INIT;
    b.event_id = "fair";
    b.read_only = read_only;
    b.talent_id = (char *)(talent_id ? talent_id : "");
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_RUN_EVENT_MATCHING;
    req.run_event_matching = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->schedule != NULL);
    return r;
}

static Bole__Response *s_get_schedule(void)
{
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = "fair";
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE;
    req.get_event_schedule = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->schedule != NULL);
    return r;
}

static Bole__Response *s_export(void)
{
    Bole__ExportOutcomesRequest b = BOLE__EXPORT_OUTCOMES_REQUEST__INIT;
    b.limit = 10000;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_EXPORT_OUTCOMES;
    req.export_outcomes = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->export_outcomes != NULL);
    return r;
}

/* The funnel row of one source (NULL when it has none); *n_rows = rows. */
static Bole__Response *s_stats(Bole__FeedbackSource source, const Bole__FunnelRow **row,
                               size_t *n_rows)
{
    Bole__FeedbackStatsRequest b = BOLE__FEEDBACK_STATS_REQUEST__INIT;
    b.source = source;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK_STATS;
    req.feedback_stats = &b;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->feedback_stats != NULL);
    *row = NULL;
    *n_rows = r->feedback_stats->n_rows;
    for (size_t i = 0; i < r->feedback_stats->n_rows; i++)
        if (r->feedback_stats->rows[i]->source == source)
            *row = r->feedback_stats->rows[i];
    return r;
}

/* The interview of a schedule for (talent, need), or NULL. */
static const Bole__Interview *s_find(const Bole__EventSchedule *s, const char *talent,
                                     const char *need)
{
    for (size_t i = 0; i < s->n_interviews; i++)
        if (strcmp(s->interviews[i]->talent_id, talent) == 0 &&
            strcmp(s->interviews[i]->need_id, need) == 0)
            return s->interviews[i];
    return NULL;
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    s_c = harness_client(h, 20000);
    REQUIRE(s_c != NULL);

    /* 15 talents, 4 booths (capacity 3 each: some talents stay out). */
    char tids[15][8];
    const char *tp[15];
    for (int i = 0; i < 15; i++) {
        snprintf(tids[i], sizeof tids[i], "t%02d", i);
        tp[i] = tids[i];
        s_put_talent(tids[i], i % 3);
    }
    const char *needs[4] = {"n0", "n1", "n2", "n3"};
    for (int i = 0; i < 4; i++)
        s_put_need(needs[i], i % 3);
    Bole__MatchingEvent e = BOLE__MATCHING_EVENT__INIT;
    e.external_id = "fair";
    e.name = "Autumn fair";
    e.starts_at = 1700000000000;
    e.ends_at = e.starts_at + 4 * 30 * 60000;
    e.slot_minutes = 30;
    e.slot_count = 4;
    e.max_interviews_per_talent = 2;
    Bole__CreateEventRequest cb = BOLE__CREATE_EVENT_REQUEST__INIT;
    cb.event = &e;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_CREATE_EVENT;
    req.create_event = &cb;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    Bole__RegisterForEventRequest rb = BOLE__REGISTER_FOR_EVENT_REQUEST__INIT;
    Bole__Booth booths[4], *bp[4];
    for (int i = 0; i < 4; i++) {
        bole__booth__init(&booths[i]);
        booths[i].need_id = (char *)needs[i];
        booths[i].capacity = 3;
        bp[i] = &booths[i];
    }
    rb.event_id = "fair";
    rb.talent_ids = (char **)tp;
    rb.n_talent_ids = 15;
    rb.booths = bp;
    rb.n_booths = 4;
    req = (Bole__Request)BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_REGISTER_FOR_EVENT;
    req.register_for_event = &rb;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);

    /* Nothing served yet for events. */
    const Bole__FunnelRow *row = NULL;
    size_t n_rows = 0;
    r = s_stats(BOLE__FEEDBACK_SOURCE__SOURCE_EVENT, &row, &n_rows);
    CHECK(row == NULL);
    bole_response_free(r);

    /* Two runs: each answer has its own request id. */
    Bole__Response *first = s_run(0, NULL);
    Bole__Response *run = s_run(0, NULL);
    const Bole__EventSchedule *s = run->schedule;
    REQUIRE(s->request_id != NULL && s->request_id[0] != '\0');
    CHECK(strcmp(first->schedule->request_id, s->request_id) != 0);
    size_t n_pairs = s->n_interviews + s->n_unscheduled;
    size_t n_first = first->schedule->n_interviews + first->schedule->n_unscheduled;
    CHECK_EQ_UINT(s->n_unscheduled, 0);
    CHECK(n_pairs >= 8); /* 12 seats; every booth has candidates. */

    /* Read-only answers, agendas and get_event_schedule quote the stored
     * run's id and log nothing new. */
    r = s_run(1, NULL);
    CHECK_EQ_STR(r->schedule->request_id, s->request_id);
    bole_response_free(r);
    r = s_run(1, s->interviews[0]->talent_id);
    CHECK_EQ_STR(r->schedule->request_id, s->request_id);
    bole_response_free(r);
    r = s_get_schedule();
    CHECK_EQ_STR(r->schedule->request_id, s->request_id);
    bole_response_free(r);

    /* The feature log holds exactly the assigned pairs of each run: source
     * event, the served score, position = place in the talent's agenda. */
    r = s_export();
    size_t ours = 0, of_first = 0, other = 0;
    for (size_t i = 0; i < r->export_outcomes->n_rows; i++) {
        const Bole__OutcomeRow *x = r->export_outcomes->rows[i];
        if (strcmp(x->request_id, first->schedule->request_id) == 0) {
            of_first++;
            CHECK_EQ_INT(x->source, BOLE__FEEDBACK_SOURCE__SOURCE_EVENT);
            continue;
        }
        if (strcmp(x->request_id, s->request_id) != 0) {
            other += x->source == BOLE__FEEDBACK_SOURCE__SOURCE_EVENT;
            continue;
        }
        ours++;
        CHECK_EQ_INT(x->source, BOLE__FEEDBACK_SOURCE__SOURCE_EVENT);
        CHECK(x->weights_version[0] != '\0');
        CHECK(x->n_features > 0);
        const Bole__Interview *iv = s_find(s, x->talent_id, x->need_id);
        CHECK(iv != NULL);
        if (!iv)
            continue;
        CHECK_NEAR(x->score, iv->score, 1e-6);
        uint32_t earlier = 0; /* The talent's interviews in earlier slots. */
        for (size_t j = 0; j < s->n_interviews; j++)
            earlier += strcmp(s->interviews[j]->talent_id, x->talent_id) == 0 &&
                       s->interviews[j]->slot < iv->slot;
        CHECK_EQ_UINT(x->position, earlier + 1);
    }
    CHECK_EQ_UINT(ours, n_pairs);
    CHECK_EQ_UINT(of_first, n_first);
    CHECK_EQ_UINT(other, 0);
    bole_response_free(r);

    /* The logged features are the pair's rank features, the ones that gave
     * the event's score: with the weights MatchForTalent's explanation of
     * the same pair shows, they sum to that score.
     * (Event runs score without skill rarity, so the values themselves may
     * differ from the explanation's; the names and weights may not.) */
    const Bole__Interview *pick = s->interviews[0];
    Bole__MatchForTalentRequest mb = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    mb.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
    mb.talent_id = pick->talent_id;
    mb.k = 10;
    mb.explain = 1;
    req = (Bole__Request)BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
    req.match_for_talent = &mb;
    Bole__Response *match = s_call(&req);
    CHECK_EQ_INT(match->status, BOLE__STATUS_CODE__OK);
    REQUIRE(match->match != NULL);
    const Bole__MatchResult *expl = NULL;
    for (size_t i = 0; i < match->match->n_results; i++)
        if (strcmp(match->match->results[i]->need_id, pick->need_id) == 0)
            expl = match->match->results[i];
    REQUIRE(expl != NULL && expl->explanation != NULL);
    r = s_export();
    int compared = 0;
    for (size_t i = 0; i < r->export_outcomes->n_rows; i++) {
        const Bole__OutcomeRow *x = r->export_outcomes->rows[i];
        if (strcmp(x->request_id, s->request_id) != 0 ||
            strcmp(x->talent_id, pick->talent_id) != 0 || strcmp(x->need_id, pick->need_id) != 0)
            continue;
        compared++;
        REQUIRE(x->n_features == expl->explanation->n_contributions);
        double sum = 0;
        for (size_t f = 0; f < x->n_features; f++) {
            const Bole__Contribution *c = expl->explanation->contributions[f];
            CHECK_EQ_STR(x->features[f]->feature, c->feature);
            CHECK(x->features[f]->value >= 0 && x->features[f]->value <= 1);
            sum += x->features[f]->value * c->weight;
        }
        CHECK_NEAR(sum, pick->score, 1e-4);
        CHECK_NEAR(x->score, pick->score, 1e-6);
    }
    CHECK_EQ_INT(compared, 1);
    bole_response_free(r);

    /* Organisers report outcomes quoting the run's id: impression for
     * every pair, the picked one interviewed and hired; one pair that was
     * never assigned in this run is reported back as unknown. */
    size_t n_ev = n_pairs + 3;
    Bole__FeedbackEvent *ev = calloc(n_ev, sizeof *ev);
    Bole__FeedbackEvent **evp = calloc(n_ev, sizeof *evp);
    REQUIRE(ev && evp);
    for (size_t i = 0; i < n_ev; i++) {
        bole__feedback_event__init(&ev[i]);
        evp[i] = &ev[i];
        ev[i].request_id = s->request_id;
        ev[i].kind = BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION;
        if (i < n_pairs) {
            ev[i].talent_id = s->interviews[i]->talent_id;
            ev[i].need_id = s->interviews[i]->need_id;
        } else {
            ev[i].talent_id = pick->talent_id;
            ev[i].need_id = pick->need_id;
        }
    }
    ev[n_pairs].kind = BOLE__FEEDBACK_KIND__FEEDBACK_INTERVIEW;
    ev[n_pairs + 1].kind = BOLE__FEEDBACK_KIND__FEEDBACK_HIRE;
    ev[n_pairs + 2].request_id = "no-such-run";
    Bole__RecordFeedbackRequest fb = BOLE__RECORD_FEEDBACK_REQUEST__INIT;
    fb.events = evp;
    fb.n_events = n_ev;
    req = (Bole__Request)BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_RECORD_FEEDBACK;
    req.record_feedback = &fb;
    r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    REQUIRE(r->record_feedback != NULL);
    CHECK_EQ_UINT(r->record_feedback->recorded, n_ev);
    CHECK_EQ_UINT(r->record_feedback->joined, n_ev - 1);
    CHECK_EQ_UINT(r->record_feedback->n_unknown_request_ids, 1);
    bole_response_free(r);

    /* The event funnel: both runs served, every pair of the second shown,
     * one interviewed and hired; search has its own row and none of these. */
    r = s_stats(BOLE__FEEDBACK_SOURCE__SOURCE_EVENT, &row, &n_rows);
    CHECK_EQ_UINT(n_rows, 1);
    REQUIRE(row != NULL);
    CHECK_EQ_UINT(row->served, n_pairs + n_first);
    CHECK_EQ_UINT(row->impressions, n_pairs);
    CHECK_EQ_UINT(row->clicks, 1); /* A hire passed every earlier step. */
    CHECK_EQ_UINT(row->applies, 1);
    CHECK_EQ_UINT(row->interviews, 1);
    CHECK_EQ_UINT(row->hires, 1);
    bole_response_free(r);
    r = s_stats(BOLE__FEEDBACK_SOURCE__SOURCE_SEARCH, &row, &n_rows);
    CHECK_EQ_UINT(n_rows, 1); /* The MatchForTalent answer above. */
    if (row) {
        CHECK_GE_UINT(row->served, 1);
        CHECK_EQ_UINT(row->interviews, 0);
        CHECK_EQ_UINT(row->hires, 0);
    }
    bole_response_free(r);

    /* After kill -9 and a restart: the stored schedule keeps its id and the
     * event funnel is unchanged (the log committed with the schedule). */
    bole_client_destroy(&s_c);
    REQUIRE(harness_kill(h) == 0);
    REQUIRE(harness_restart(h) == 0);
    s_c = harness_client(h, 20000);
    REQUIRE(s_c != NULL);
    r = s_get_schedule();
    CHECK_EQ_STR(r->schedule->request_id, s->request_id);
    bole_response_free(r);
    r = s_stats(BOLE__FEEDBACK_SOURCE__SOURCE_EVENT, &row, &n_rows);
    REQUIRE(row != NULL);
    CHECK_EQ_UINT(row->served, n_pairs + n_first);
    CHECK_EQ_UINT(row->hires, 1);
    bole_response_free(r);

    free(ev);
    free(evp);
    bole_response_free(match);
    bole_response_free(run);
    bole_response_free(first);
    bole_client_destroy(&s_c);
    harness_destroy(&h);
    return check_summary();
}
