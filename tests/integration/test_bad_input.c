/* test_bad_input.c — every kind of bad input gets a clear status (or, when
 * oversized, is dropped) and the daemon goes on serving. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "integration/harness.h"

static harness_t *s_h;

/* The daemon still answers Health, on a brand-new client. */
static void s_still_serving(const char *after)
{
    bole_client_t *c = harness_client(s_h, 5000);
    int ok = c != NULL && harness_health_ok(c);
    if (!ok)
        fprintf(stderr, "daemon stopped answering after: %s\n", after);
    CHECK(ok);
    bole_client_destroy(&c);
}

/* Send raw bytes, decode the reply. Returns the Response (caller frees) or
 * NULL after a failed check. */
static Bole__Response *s_raw(bole_client_t *c, const void *buf, size_t len)
{
    void *reply = NULL;
    size_t reply_len = 0;
    Bole__Response *resp;
    int rc = bole_client_call_raw(c, buf, len, &reply, &reply_len);

    CHECK_EQ_INT(rc, BOLE_OK);
    if (rc != BOLE_OK)
        return NULL;
    resp = bole_response_decode(reply, reply_len);
    free(reply);
    CHECK_NOT_NULL(resp);
    return resp;
}

static void test_malformed(bole_client_t *c)
{
    /* An unterminated varint tag, then a length-delimited field (10: health)
     * claiming 5 bytes with 1 present. */
    static const uint8_t bad1[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff };
    static const uint8_t bad2[] = { 0x08, 0x01, 0x10, 0x01, 0x52, 0x05, 0x01 };
    static const uint8_t bad3[] = "this is not a protobuf message";
    const struct { const uint8_t *b; size_t n; } cases[] = {
        { bad1, sizeof bad1 }, { bad2, sizeof bad2 }, { bad3, sizeof bad3 - 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Bole__Response *r = s_raw(c, cases[i].b, cases[i].n);
        if (r != NULL) {
            CHECK_EQ_UINT(r->id, 0);
            CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
            CHECK_CONTAINS(r->error, "decode");
            bole_response_free(r);
        }
        s_still_serving("malformed bytes");
    }
}

static void test_empty_frame(bole_client_t *c)
{
    Bole__Response *r = s_raw(c, NULL, 0);
    if (r != NULL) {
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK_CONTAINS(r->error, "empty");
        bole_response_free(r);
    }
    s_still_serving("empty frame");
}

static void test_oversized(void)
{
    size_t len = 4u * 1024 * 1024;
    uint8_t *big = malloc(len);
    bole_client_t *c = harness_client(s_h, 1500);
    void *reply = NULL;
    size_t reply_len = 0;

    REQUIRE(big != NULL && c != NULL);
    /* A syntactically plausible start (id=1, api_version=1, a huge
     * client_token), then filler: the size alone must get it dropped. */
    memset(big, 'x', len);
    big[0] = 0x08; big[1] = 0x01; big[2] = 0x10; big[3] = 0x01;
    CHECK_EQ_INT(bole_client_call_raw(c, big, len, &reply, &reply_len), BOLE_ETIMEOUT);
    CHECK_NULL(reply);
    CHECK_EQ_UINT(bole_client_resets(c), 1);
    free(big);
    s_still_serving("a 4 MiB message");
    /* The reset client is usable again too. */
    bole_client_set_timeout(c, 5000);
    CHECK(harness_health_ok(c));
    bole_client_destroy(&c);
}

static void test_unknown_method(bole_client_t *c)
{
    /* id=1, api_version=1, then field 99 (length-delimited, empty): a
     * oneof case this server does not know. Tag = 99 << 3 | 2 = 794. */
    static const uint8_t msg[] = { 0x08, 0x01, 0x10, 0x01, 0x9a, 0x06, 0x00 };
    Bole__Response *r = s_raw(c, msg, sizeof msg);
    if (r != NULL) {
        CHECK_EQ_UINT(r->id, 1);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__UNIMPLEMENTED);
        CHECK_CONTAINS(r->error, "99");
        bole_response_free(r);
    }
    s_still_serving("an unknown method");

    /* No body at all. */
    static const uint8_t nobody[] = { 0x08, 0x02, 0x10, 0x01 };
    r = s_raw(c, nobody, sizeof nobody);
    if (r != NULL) {
        CHECK_EQ_UINT(r->id, 2);
        CHECK(r->status == BOLE__STATUS_CODE__INVALID_ARGUMENT
              || r->status == BOLE__STATUS_CODE__UNIMPLEMENTED);
        CHECK(r->error[0] != '\0');
        bole_response_free(r);
    }
    s_still_serving("a request without a method");
}

static void test_api_version(bole_client_t *c)
{
    const int versions[] = { 0, 2, 77 };
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__HealthRequest body = BOLE__HEALTH_REQUEST__INIT;
        uint8_t buf[64];
        size_t len;
        Bole__Response *r;

        req.id = 1000 + i;
        req.api_version = (Bole__ApiVersion)versions[i];
        req.body_case = BOLE__REQUEST__BODY_HEALTH;
        req.health = &body;
        len = bole__request__pack(&req, buf);
        r = s_raw(c, buf, len);
        if (r != NULL) {
            CHECK_EQ_UINT(r->id, 1000 + i);
            CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
            CHECK_CONTAINS(r->error, "api_version");
            bole_response_free(r);
        }
        s_still_serving("a wrong api_version");
    }
}

/* match_for_need with an inline need. */
static Bole__Response *s_match_inline(bole_client_t *c, float min_exp)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest m = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Need need = BOLE__NEED__INIT;
    Bole__Response *r = NULL;

    need.external_id = "nan-need";
    need.title = "Welder";
    need.min_experience_years = min_exp;
    m.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
    m.need = &need;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &m;
    CHECK_EQ_INT(bole_client_call(c, &req, &r), BOLE_OK);
    return r;
}

static void test_nan(bole_client_t *c)
{
    Bole__Response *r = s_match_inline(c, NAN);
    if (r != NULL) {
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK(r->error[0] != '\0');
        bole_response_free(r);
    }
    s_still_serving("a NaN float");
    r = s_match_inline(c, INFINITY);
    if (r != NULL) {
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        bole_response_free(r);
    }
    s_still_serving("an infinite float");
}

/* Every method of the contract, called with an empty body: each answers
 * with a clear status (UNIMPLEMENTED ones name themselves) and the daemon
 * goes on serving. Field numbers come from the generated descriptor, so a
 * method added to the contract is covered without editing this test. */
static void test_every_method_empty_body(bole_client_t *c)
{
    const ProtobufCMessageDescriptor *d = &bole__request__descriptor;
    int methods = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        methods++;
        /* id = 1000 + i, api_version = 1, then field f as an empty message. */
        uint8_t buf[16];
        size_t n = 0;
        uint32_t id = 1000 + i, tag = (f->id << 3) | 2;
        buf[n++] = 0x08;
        buf[n++] = (uint8_t)(0x80 | (id & 0x7f));
        buf[n++] = (uint8_t)(id >> 7);
        buf[n++] = 0x10;
        buf[n++] = 0x01;
        while (tag >= 0x80) {
            buf[n++] = (uint8_t)(0x80 | (tag & 0x7f));
            tag >>= 7;
        }
        buf[n++] = (uint8_t)tag;
        buf[n++] = 0x00;
        void *reply = NULL;
        size_t reply_len = 0;
        CHECK_EQ_INT(bole_client_call_raw(c, buf, n, &reply, &reply_len), BOLE_OK);
        Bole__Response *r = reply ? bole_response_decode(reply, reply_len) : NULL;
        CHECK_NOT_NULL(r);
        if (r != NULL) {
            CHECK_EQ_UINT(r->id, id);
            if (r->status == BOLE__STATUS_CODE__UNIMPLEMENTED)
                CHECK_CONTAINS(r->error, f->name);
            else if (r->status != BOLE__STATUS_CODE__OK)
                CHECK(r->error != NULL && r->error[0] != '\0');
            bole_response_free(r);
        }
        free(reply);
    }
    CHECK_GE_INT(methods, 36);
    s_still_serving("every method with an empty body");
}

/* Bulk puts are decoded off the server thread, after a look at their
 * envelope only (server.c): one that fails the full decode must still get
 * its error, with its id, and must not hold back the writes after it. */
static void test_bulk_decode_errors(bole_client_t *c)
{
    Bole__Talent t[2];
    Bole__Talent *tp[2] = {&t[0], &t[1]};
    for (int i = 0; i < 2; i++) {
        bole__talent__init(&t[i]);
        t[i].external_id = i ? "BULK-2" : "BULK-1";
        t[i].zone = "A";
        t[i].occupation = "Welder";
    }
    Bole__PutTalentsRequest many = BOLE__PUT_TALENTS_REQUEST__INIT;
    many.talents = tp;
    many.n_talents = 2;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &many;
    uint8_t buf[1024];

    /* 1. A wrong api_version. */
    req.id = 3001;
    req.api_version = (Bole__ApiVersion)2;
    size_t len = bole__request__pack(&req, buf);
    Bole__Response *r = s_raw(c, buf, len);
    if (r != NULL) {
        CHECK_EQ_UINT(r->id, 3001);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK_CONTAINS(r->error, "api_version");
        bole_response_free(r);
    }
    /* 2. Invalid UTF-8 inside the second talent. */
    req.id = 3002;
    req.api_version = BOLE__API_VERSION__API_VERSION_1;
    t[1].summary = "bad \xc0\xaf";
    len = bole__request__pack(&req, buf);
    r = s_raw(c, buf, len);
    if (r != NULL) {
        CHECK_EQ_UINT(r->id, 3002);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__INVALID_ARGUMENT);
        CHECK(r->error[0] != '\0');
        bole_response_free(r);
    }
    /* 3. Nothing of either was stored; a good bulk put right after works. */
    t[1].summary = NULL;
    req.id = 3003;
    len = bole__request__pack(&req, buf);
    r = s_raw(c, buf, len);
    if (r != NULL) {
        CHECK_EQ_UINT(r->id, 3003);
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
        bole_response_free(r);
    }
    Bole__IdRequest get = BOLE__ID_REQUEST__INIT;
    get.id = "BULK-2";
    Bole__Request g = BOLE__REQUEST__INIT;
    g.id = 3004;
    g.api_version = BOLE__API_VERSION__API_VERSION_1;
    g.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    g.get_talent = &get;
    len = bole__request__pack(&g, buf);
    r = s_raw(c, buf, len);
    if (r != NULL) {
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
        CHECK(r->body_case == BOLE__RESPONSE__BODY_TALENT && r->talent &&
              r->talent->summary[0] == '\0');
        bole_response_free(r);
    }
    s_still_serving("bulk puts failing the decode");
}

int main(void)
{
    bole_client_t *c;

    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    c = harness_client(s_h, 5000);
    REQUIRE(c != NULL);

    test_malformed(c);
    test_empty_frame(c);
    test_oversized();
    test_unknown_method(c);
    test_api_version(c);
    test_nan(c);
    test_every_method_empty_body(c);
    test_bulk_decode_errors(c);

    CHECK_EQ_UINT(bole_client_stale_replies(c), 0);
    bole_client_destroy(&c);
    CHECK_EQ_INT(harness_stop(s_h, 10000), 0);
    harness_destroy(&s_h);
    return check_summary();
}
