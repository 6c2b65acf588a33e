/*
 * test_protocol.c - wire contract round trips and request validation.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "protocol.h"

/* Packs a request into a malloc'd buffer. */
static uint8_t *s_pack(const Bole__Request *req, size_t *len)
{
    *len = bole__request__get_packed_size(req);
    uint8_t *buf = malloc(*len ? *len : 1);
    bole__request__pack(req, buf);
    return buf;
}

static void s_init_request(Bole__Request *req, uint64_t id)
{
    bole__request__init(req);
    req->id = id;
    req->api_version = BOLE__API_VERSION__API_VERSION_1;
}

/* Decodes and returns the status; frees the request. */
static bole_status_t s_decode_status(const Bole__Request *req, char *err, size_t errlen,
                                     uint64_t *id)
{
    size_t len;
    uint8_t *buf = s_pack(req, &len);
    Bole__Request *out = NULL;
    bole_status_t st = bole_protocol_decode(buf, len, &out, id, err, errlen);
    bole_protocol_free_request(&out);
    free(buf);
    return st;
}

static void test_round_trip_talent(void)
{
    Bole__Request req;
    s_init_request(&req, 42);
    Bole__PutTalentRequest put = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__Talent talent = BOLE__TALENT__INIT;
    Bole__Skill skill = BOLE__SKILL__INIT;
    Bole__Skill *skills[] = {&skill};
    Bole__TalentCategory cats[] = {BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL,
                                   BOLE__TALENT_CATEGORY__CATEGORY_YOUNG};
    float vec[] = {0.5f, -0.25f, 1.0f};
    skill.name = "机器学习";
    skill.level = 4;
    skill.years = 3.5f;
    talent.external_id = "T-1";
    talent.zone = "滨海新区";
    talent.occupation = "Data Scientist";
    talent.n_skills = 1;
    talent.skills = skills;
    talent.n_categories = 2;
    talent.categories = cats;
    talent.experience_years = 6;
    talent.education = BOLE__EDUCATION__EDUCATION_MASTER;
    talent.n_vector = 3;
    talent.vector = vec;
    put.talent = &talent;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &put;

    size_t len;
    uint8_t *buf = s_pack(&req, &len);
    Bole__Request *out = NULL;
    uint64_t id = 0;
    char err[512] = "";
    CHECK_EQ_INT(bole_protocol_decode(buf, len, &out, &id, err, sizeof err), BOLE_OK);
    REQUIRE(out != NULL);
    CHECK_EQ_UINT(id, 42);
    CHECK_EQ_INT(out->body_case, BOLE__REQUEST__BODY_PUT_TALENT);
    Bole__Talent *t = out->put_talent->talent;
    CHECK_EQ_STR(t->external_id, "T-1");
    CHECK_EQ_STR(t->zone, "滨海新区");
    CHECK_EQ_UINT(t->n_skills, 1);
    CHECK_EQ_STR(t->skills[0]->name, "机器学习");
    CHECK_EQ_UINT(t->skills[0]->level, 4);
    CHECK_NEAR(t->skills[0]->years, 3.5, 1e-6);
    CHECK_EQ_UINT(t->n_categories, 2);
    CHECK_EQ_INT(t->categories[1], BOLE__TALENT_CATEGORY__CATEGORY_YOUNG);
    CHECK_EQ_INT(t->education, BOLE__EDUCATION__EDUCATION_MASTER);
    CHECK_EQ_UINT(t->n_vector, 3);
    CHECK_NEAR(t->vector[1], -0.25, 1e-6);
    bole_protocol_free_request(&out);
    CHECK(out == NULL);
    free(buf);
}

static void test_round_trip_response(void)
{
    Bole__Response resp = BOLE__RESPONSE__INIT;
    Bole__MatchResponse match = BOLE__MATCH_RESPONSE__INIT;
    Bole__MatchResult result = BOLE__MATCH_RESULT__INIT;
    Bole__MatchResult *results[] = {&result};
    Bole__Explanation ex = BOLE__EXPLANATION__INIT;
    char *notes[] = {"missing must-have skill: Kubernetes"};
    result.talent_id = "T-9";
    result.need_id = "N-1";
    result.score = 0.75f;
    result.rank = 1;
    ex.n_notes = 1;
    ex.notes = notes;
    result.explanation = &ex;
    match.n_results = 1;
    match.results = results;
    resp.id = 7;
    resp.status = BOLE__STATUS_CODE__OK;
    resp.body_case = BOLE__RESPONSE__BODY_MATCH;
    resp.match = &match;
    size_t len = bole__response__get_packed_size(&resp);
    uint8_t *buf = malloc(len);
    bole__response__pack(&resp, buf);
    Bole__Response *out = bole__response__unpack(NULL, len, buf);
    REQUIRE(out != NULL);
    CHECK_EQ_UINT(out->id, 7);
    CHECK_EQ_INT(out->body_case, BOLE__RESPONSE__BODY_MATCH);
    CHECK_EQ_UINT(out->match->n_results, 1);
    CHECK_EQ_STR(out->match->results[0]->need_id, "N-1");
    CHECK_NEAR(out->match->results[0]->score, 0.75, 1e-6);
    CHECK_EQ_STR(out->match->results[0]->explanation->notes[0],
                 "missing must-have skill: Kubernetes");
    bole__response__free_unpacked(out, NULL);
    free(buf);
}

static void test_rejects(void)
{
    char err[512];
    uint64_t id;
    Bole__Request req;
    Bole__HealthRequest health = BOLE__HEALTH_REQUEST__INIT;

    /* Empty and garbage frames. */
    Bole__Request *out = NULL;
    CHECK_EQ_INT(bole_protocol_decode("", 0, &out, &id, err, sizeof err), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "empty");
    CHECK(out == NULL);
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
    CHECK_EQ_INT(bole_protocol_decode(garbage, sizeof garbage, &out, &id, err, sizeof err),
                 BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "decode");

    /* Wrong API version, and none. */
    s_init_request(&req, 5);
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &health;
    req.api_version = 2;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "api_version");
    CHECK_EQ_UINT(id, 5);
    req.api_version = 0;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);

    /* No method. */
    s_init_request(&req, 6);
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "no method");

    /* Valid health. */
    s_init_request(&req, 8);
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &health;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_OK);

    /* Unknown method: hand-built field 99 (length-delimited, empty). */
    const uint8_t unknown[] = {0x08, 0x01, 0x10, 0x01, 0x9a, 0x06, 0x00};
    CHECK_EQ_INT(bole_protocol_decode(unknown, sizeof unknown, &out, &id, err, sizeof err),
                 BOLE_UNIMPLEMENTED);
    CHECK_CONTAINS(err, "99");

    /* NaN deep inside a message. */
    s_init_request(&req, 9);
    Bole__MatchForNeedRequest match = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Need need = BOLE__NEED__INIT;
    need.external_id = "N-1";
    need.min_experience_years = NAN;
    match.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
    match.need = &need;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &match;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "match_for_need.need.min_experience_years");
    need.min_experience_years = 2;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_OK);

    /* Invalid UTF-8 in a nested repeated string. */
    char *zones[] = {"ok", "\xc3\x28"};
    Bole__MatchFilter filter = BOLE__MATCH_FILTER__INIT;
    filter.n_zones = 2;
    filter.zones = zones;
    match.filter = &filter;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "filter.zones[1]");
    CHECK_CONTAINS(err, "UTF-8");
    match.filter = NULL;

    /* Unknown enum value. */
    need.kind = 77;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "kind");
    need.kind = 0;

    /* An overlong string. */
    char *big = malloc(BOLE_MAX_STRING_BYTES + 2);
    memset(big, 'a', BOLE_MAX_STRING_BYTES + 1);
    big[BOLE_MAX_STRING_BYTES + 1] = '\0';
    need.description = big;
    CHECK_EQ_INT(s_decode_status(&req, err, sizeof err, &id), BOLE_INVALID_ARGUMENT);
    CHECK_CONTAINS(err, "description");
    free(big);
}

static void test_utf8(void)
{
    CHECK(bole_utf8_valid("plain", 5));
    CHECK(bole_utf8_valid("人才", strlen("人才")));
    CHECK(bole_utf8_valid("\xf0\x9f\x98\x80", 4));   /* U+1F600 */
    CHECK(!bole_utf8_valid("\xc0\xaf", 2));          /* overlong '/' */
    CHECK(!bole_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
    CHECK(!bole_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
    CHECK(!bole_utf8_valid("\xe4\xba", 2));          /* truncated */
    CHECK(!bole_utf8_valid("\x80", 1));              /* stray continuation */
}

static void test_method_names(void)
{
    CHECK_EQ_STR(bole_protocol_method_name(BOLE__REQUEST__BODY_HEALTH), "health");
    CHECK_EQ_STR(bole_protocol_method_name(BOLE__REQUEST__BODY_MATCH_FOR_NEED),
                 "match_for_need");
    CHECK_EQ_STR(bole_protocol_method_name(BOLE__REQUEST__BODY_VERIFY_LEDGER),
                 "verify_ledger");
    CHECK(bole_protocol_method_name(1) == NULL);   /* id, not a method */
    CHECK(bole_protocol_method_name(99) == NULL);
}

/* The envelope peek the server thread routes bulk puts by: it must name the
 * method and id a full decode finds, whatever the field order. */
static void test_peek(void)
{
    uint64_t id = 0;
    int body = -1;

    /* A bulk put of two talents. */
    Bole__Request req;
    s_init_request(&req, 77);
    Bole__PutTalentsRequest bulk = BOLE__PUT_TALENTS_REQUEST__INIT;
    Bole__Talent t1 = BOLE__TALENT__INIT, t2 = BOLE__TALENT__INIT;
    Bole__Talent *ts[] = {&t1, &t2};
    t1.external_id = "T-1";
    t2.external_id = "T-2";
    bulk.n_talents = 2;
    bulk.talents = ts;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &bulk;
    size_t len;
    uint8_t *buf = s_pack(&req, &len);
    CHECK_EQ_INT(bole_protocol_peek(buf, len, &id, &body), 0);
    CHECK_EQ_UINT(id, 77);
    CHECK_EQ_INT(body, BOLE__REQUEST__BODY_PUT_TALENTS);
    /* Cut short inside the nested message: not well-formed. */
    CHECK_EQ_INT(bole_protocol_peek(buf, len - 3, &id, &body), -1);
    free(buf);

    /* A read; the id after the body; a big id. */
    Bole__Request m;
    s_init_request(&m, UINT64_MAX);
    Bole__MatchForNeedRequest mfn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    mfn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
    mfn.need_id = "N-1";
    m.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    m.match_for_need = &mfn;
    uint8_t *mb = s_pack(&m, &len);
    CHECK_EQ_INT(bole_protocol_peek(mb, len, &id, &body), 0);
    CHECK_EQ_UINT(id, UINT64_MAX);
    CHECK_EQ_INT(body, BOLE__REQUEST__BODY_MATCH_FOR_NEED);

    /* Two methods in one frame (the match, then the bulk put appended):
     * protobuf keeps the last oneof member, and so must the peek. */
    s_init_request(&req, 5);
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &bulk;
    uint8_t *pb = s_pack(&req, &len);
    size_t plen = len;
    size_t mlen = bole__request__get_packed_size(&m);
    uint8_t *both = malloc(mlen + plen);
    memcpy(both, mb, mlen);
    memcpy(both + mlen, pb, plen);
    CHECK_EQ_INT(bole_protocol_peek(both, mlen + plen, &id, &body), 0);
    CHECK_EQ_UINT(id, 5);
    CHECK_EQ_INT(body, BOLE__REQUEST__BODY_PUT_TALENTS);
    Bole__Request *out = NULL;
    uint64_t did = 0;
    char err[256];
    CHECK_EQ_INT(bole_protocol_decode(both, mlen + plen, &out, &did, err, sizeof err), BOLE_OK);
    CHECK(out && (int)out->body_case == body && out->id == id);
    bole_protocol_free_request(&out);
    free(both);
    free(pb);
    free(mb);

    /* No method; empty frame; garbage. */
    Bole__Request none;
    s_init_request(&none, 9);
    uint8_t *nb = s_pack(&none, &len);
    CHECK_EQ_INT(bole_protocol_peek(nb, len, &id, &body), 0);
    CHECK_EQ_UINT(id, 9);
    CHECK_EQ_INT(body, 0);
    free(nb);
    CHECK_EQ_INT(bole_protocol_peek("", 0, &id, &body), 0);
    CHECK_EQ_INT(body, 0);
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    CHECK_EQ_INT(bole_protocol_peek(junk, sizeof junk, &id, &body), -1);
    const uint8_t group[] = {0x0b}; /* field 1, wire type 3 (group): never in bole.Request */
    CHECK_EQ_INT(bole_protocol_peek(group, sizeof group, &id, &body), -1);
}

int main(void)
{
    test_round_trip_talent();
    test_round_trip_response();
    test_rejects();
    test_utf8();
    test_method_names();
    test_peek();
    return check_summary();
}
