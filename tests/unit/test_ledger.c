/*
 * test_ledger.c - the hash chain (ledger.h): canonical bytes are
 * unambiguous, verification names the first bad entry (edited, removed,
 * relinked), and erasing a talent through the store pseudonymises its
 * entries while the chain still verifies.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "ledger.h"
#include "store.h"

#define N 6

static void s_entry(bole_ledger_entry_t *e, uint64_t seq)
{
    static const uint8_t salt[16] = {1, 2, 3};
    memset(e, 0, sizeof *e);
    e->seq = seq;
    e->at = 1000 + (int64_t)seq;
    e->referral_id = 1;
    e->event = "advance";
    e->stage = (int)seq % 6 + 1;
    e->referrer_id = "inst-A";
    bole_ledger_commit(e->talent_commit, salt, sizeof salt, 't', "T1");
    e->need_id = "N1";
    e->actor = "clerk";
    bole_ledger_commit(e->note_commit, salt, sizeof salt, 'n', "");
    e->rules_version = "v1";
    e->points_milli = 1000 * (int64_t)seq;
}

static void test_chain(void)
{
    bole_ledger_entry_t e[N + 1];
    uint8_t hash[N + 1][32], prev[32] = {0};
    for (uint64_t i = 1; i <= N; i++) {
        s_entry(&e[i], i);
        CHECK_EQ_INT(bole_ledger_hash(hash[i], prev, &e[i]), 0);
        memcpy(prev, hash[i], 32);
    }
    uint8_t zero[32] = {0};
    bole_ledger_verifier_t v;
    bole_ledger_verify_init(&v);
    for (int i = 1; i <= N; i++)
        CHECK_EQ_INT(bole_ledger_verify_step(&v, &e[i], i == 1 ? zero : hash[i - 1], hash[i]), 0);
    CHECK_EQ_UINT(v.first_bad, 0);
    CHECK_EQ_UINT(v.entries, N);

    /* Edit entry 4's points: entry 4, and only it, is bad. */
    e[4].points_milli++;
    bole_ledger_verify_init(&v);
    int bad = 0;
    for (int i = 1; i <= N; i++)
        bad += bole_ledger_verify_step(&v, &e[i], i == 1 ? zero : hash[i - 1], hash[i]) != 0;
    CHECK_EQ_UINT(v.first_bad, 4);
    CHECK_EQ_INT(bad, 1);
    CHECK_CONTAINS(v.message, "entry 4");
    e[4].points_milli--;

    /* Remove entry 3: the missing sequence number is named. */
    bole_ledger_verify_init(&v);
    for (int i = 1; i <= N; i++)
        if (i != 3)
            bole_ledger_verify_step(&v, &e[i], i == 1 ? zero : hash[i - 1], hash[i]);
    CHECK_EQ_UINT(v.first_bad, 3);
    CHECK_CONTAINS(v.message, "missing");

    /* Field boundaries are length-prefixed: moving a byte between two
     * strings changes the bytes. */
    bole_ledger_entry_t a, b;
    s_entry(&a, 1);
    s_entry(&b, 1);
    a.need_id = "N1x";
    a.actor = "";
    b.need_id = "N1";
    b.actor = "xclerk";
    a.actor = "clerk";
    b.actor = "xclerk";
    uint8_t ha[32], hb[32];
    bole_ledger_hash(ha, zero, &a);
    bole_ledger_hash(hb, zero, &b);
    CHECK(memcmp(ha, hb, 32) != 0);

    char pseudo[BOLE_LEDGER_PSEUDONYM_LEN];
    bole_ledger_pseudonym(pseudo, hash[1]);
    CHECK_EQ_INT((int)strlen(pseudo), 23);
    CHECK(strncmp(pseudo, "erased:", 7) == 0);
}

static void test_store_erase(void)
{
    char dir[] = "/tmp/bole-ledger-XXXXXX", path[600], err[512] = "";
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    bole_store_t *st = NULL;
    bole_store_options_t opt = {0};
    REQUIRE(bole_store_open(&st, path, &opt, err, sizeof err) == BOLE_OK);
    bole_store_referral_t r = {
        .referrer_id = "inst-A", .referrer_kind = 1, .referrer_name = "A", .referrer_zone = "Z",
        .talent_id = "T1", .need_id = "N1", .note = "knows T1 personally", .stage = 1,
        .created_at = 1, .updated_at = 1,
    };
    bole_store_referral_t other = r;
    other.talent_id = "T2";
    other.note = "";
    CHECK_EQ_INT(bole_store_referral_insert(st, &r, NULL, &r.id, err, sizeof err), BOLE_OK);
    CHECK_EQ_INT(bole_store_referral_insert(st, &other, NULL, &other.id, err, sizeof err),
                 BOLE_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(bole_store_ledger_append(st, &r, "advance", "clerk", r.note, "v1", i, 10 + i,
                                              NULL, err, sizeof err), BOLE_OK);
        CHECK_EQ_INT(bole_store_ledger_append(st, &other, "advance", "clerk", "", "v1", 0,
                                              20 + i, NULL, err, sizeof err), BOLE_OK);
    }
    bole_store_ledger_report_t rep;
    CHECK_EQ_INT(bole_store_ledger_verify(st, &rep, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(rep.entries, 6);
    CHECK_EQ_UINT(rep.first_bad, 0);
    uint8_t head[32];
    memcpy(head, rep.head_hash, 32);

    uint64_t n = 0;
    CHECK_EQ_INT(bole_store_referral_erase_talent(st, "T1", &n, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(n, 3);
    CHECK_EQ_INT(bole_store_ledger_verify(st, &rep, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(rep.first_bad, 0);
    if (rep.first_bad)
        fprintf(stderr, "%s\n", rep.message);
    CHECK(memcmp(head, rep.head_hash, 32) == 0);
    CHECK_EQ_INT(bole_store_referral_erase_talent(st, "T1", &n, err, sizeof err), BOLE_OK);
    CHECK_EQ_UINT(n, 0); /* Idempotent. */
    bole_store_close(&st);

    /* Nothing of T1 is left in the file's ledger or referral rows. */
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM ledger WHERE talent_id = 'T1' "
                               "OR note != ''), (SELECT count(*) FROM referrals WHERE "
                               "talent_id = 'T1' OR note LIKE '%T1%')", -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int(q, 0), 0);
    CHECK_EQ_INT(sqlite3_column_int(q, 1), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    REQUIRE(bole_ledger_init() == 0);
    test_chain();
    test_store_erase();
    return check_summary();
}
