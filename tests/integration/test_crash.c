/* test_crash.c — no acknowledged write is lost when boled is killed with
 * SIGKILL at random moments under a write load, and nothing unacknowledged is
 * half-applied.
 *
 * Several client threads (one client each) write into their own slots:
 * put_talent, put_talents (bulk of 3, all or nothing), delete_talent,
 * put_need, close_need, refer + advance_referral and feedback (the last two
 * groups only when the daemon serves them; otherwise a note is printed and
 * their checks are skipped). Each thread keeps, per slot, the state the
 * daemon acknowledged, or both the state before and the state after a write
 * whose outcome is unknown (time-out or transport error). The main thread
 * kills the daemon at a seeded random moment, restarts it on the same DB and
 * checks, for every slot:
 *   - acknowledged state is there (get_talent / get_need, version fields,
 *     closed flag; NOT_FOUND after an acknowledged delete);
 *   - an unknown write is either fully there or not at all (every item of a
 *     timed-out bulk agrees);
 *   - the vector index agrees with the store: a match with the zone filter
 *     "crash" returns exactly the stored talents (and needs, with and without
 *     include_closed), and stats counts agree;
 *   - referral stages and the referral count, verify_ledger ok;
 *   - every acknowledged feedback is in the DB exactly once (read-only SQLite).
 *
 * Environment: BOLE_CRASH_ROUNDS (default 20), BOLE_CRASH_SEED (default: time).
 * The seed is printed; rerun with it to replay the kill schedule (thread
 * timing still varies).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define N_THREADS   4
#define T_SLOTS     150   /* Talent slots per thread (4 x 150 <= k limit 1000). */
#define N_SLOTS     40    /* Need slots per thread. */
#define MAX_REFS    400   /* Referrals per thread over the whole test. */
#define MAX_FB      2000  /* Feedback records per thread over the whole test. */
#define CLIENT_MS   800   /* Client timeout: a killed daemon turns into ETIMEOUT. */

/* Slot states. A slot whose last write has an unknown outcome keeps both
 * possibilities (prev and next) until the check after the restart. */
enum { ST_ABSENT = 0, ST_OPEN = 1, ST_CLOSED = 2 };

typedef struct {
    int state;    /* ST_ABSENT / ST_OPEN (talent present, need open) / ST_CLOSED. */
    int ver;      /* Version field acknowledged (talent experience, need headcount). */
    int unsure;   /* 1 while the last write's outcome is unknown. */
    int nstate;   /* The state if the unknown write was applied. */
    int nver;     /* The version if it was applied. */
    int group;    /* Bulk group id (0: single write); a group is all or nothing. */
} slot_t;

typedef struct {
    char id[32];  /* "R-<n>". */
    int stage;    /* Acknowledged stage. */
    int unsure;   /* Advance to stage + 1 has an unknown outcome. */
} ref_t;

typedef struct {
    int idx;
    uint64_t rng;
    bole_client_t *c;
    slot_t t[T_SLOTS];
    slot_t n[N_SLOTS];
    ref_t refs[MAX_REFS];
    int n_refs;
    int refs_unsure;          /* Refer calls with unknown outcome (count only). */
    char fb_actor[MAX_FB][40];
    int fb_acked[MAX_FB];     /* 1 acknowledged, 0 unknown. */
    int n_fb;
    int next_group;
    /* Per-round counters. */
    long acked, unknown, refused;
} worker_t;

static harness_t *s_h;
static worker_t s_w[N_THREADS];
static atomic_int s_stop;
static int s_have_referrals = 1, s_have_feedback = 1;
static uint64_t s_base_referrals;
static long s_unexpected;  /* Definite non-OK answers to writes that should succeed. */
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t s_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int s_below(uint64_t *s, int n) { return (int)(s_rand(s) % (uint64_t)n); }

static void s_tid(int w, int i, char *b, size_t n) { snprintf(b, n, "C%d-T%03d", w, i); }
static void s_nid(int w, int i, char *b, size_t n) { snprintf(b, n, "C%d-N%03d", w, i); }

/* Outcome of one write: 1 acknowledged, 0 unknown, -1 refused (definite non-OK). */
static int s_write(worker_t *w, Bole__Request *req, Bole__Response **out, int allow_refusal)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(w->c, req, &r);
    if (out)
        *out = NULL;
    if (rc != BOLE_OK) {
        w->unknown++;
        return 0;
    }
    if (r->status == BOLE__STATUS_CODE__OK) {
        w->acked++;
        if (out)
            *out = r;
        else
            bole_response_free(r);
        return 1;
    }
    w->refused++;
    if (!allow_refusal) {
        pthread_mutex_lock(&s_mu);
        s_unexpected++;
        fprintf(stderr, "client %d: write %d answered %s: %s\n", w->idx, (int)req->body_case,
                bole_status_name((int)r->status), r->error ? r->error : "");
        pthread_mutex_unlock(&s_mu);
    }
    bole_response_free(r);
    return -1;
}

static void s_fill_talent(Bole__Talent *t, Bole__Skill *sk, Bole__Skill **skp, char *id, int ver)
{
    static const char *const skills[] = { "python", "welding", "accounting", "nursing" };
    Bole__Talent t0 = BOLE__TALENT__INIT;
    Bole__Skill s0 = BOLE__SKILL__INIT;
    *t = t0;
    *sk = s0;
    sk->name = (char *)skills[ver % 4];
    sk->level = 3;
    *skp = sk;
    t->external_id = id;
    t->zone = "crash";
    t->occupation = "Engineer";
    t->skills = skp;
    t->n_skills = 1;
    t->experience_years = (float)ver;
}

/* Applies the outcome of a write to a slot. */
static void s_settle(slot_t *s, int outcome, int nstate, int nver, int group)
{
    if (outcome == 1) {
        s->state = nstate;
        s->ver = nver;
    } else if (outcome == 0) {
        s->unsure = 1;
        s->nstate = nstate;
        s->nver = nver;
        s->group = group;
    }
}

static int s_next_ver(int v) { return v % 40 + 1; }

static void s_op_put_talent(worker_t *w, int i)
{
    char id[32];
    Bole__Talent t;
    Bole__Skill sk, *skp;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    int v = s_next_ver(w->t[i].ver);
    s_tid(w->idx, i, id, sizeof id);
    s_fill_talent(&t, &sk, &skp, id, v);
    b.talent = &t;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    s_settle(&w->t[i], s_write(w, &req, NULL, 0), ST_OPEN, v, 0);
}

static void s_op_put_talents(worker_t *w)
{
    int slots[3], n = 0;
    char ids[3][32];
    Bole__Talent t[3], *tp[3];
    Bole__Skill sk[3], *skp[3];
    int vers[3];
    for (int tries = 0; tries < 10 && n < 3; tries++) {
        int i = s_below(&w->rng, T_SLOTS), dup = 0;
        for (int j = 0; j < n; j++)
            dup |= slots[j] == i;
        if (!dup && !w->t[i].unsure)
            slots[n++] = i;
    }
    if (n == 0)
        return;
    for (int j = 0; j < n; j++) {
        vers[j] = s_next_ver(w->t[slots[j]].ver);
        s_tid(w->idx, slots[j], ids[j], sizeof ids[j]);
        s_fill_talent(&t[j], &sk[j], &skp[j], ids[j], vers[j]);
        tp[j] = &t[j];
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    b.talents = tp;
    b.n_talents = (size_t)n;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    int out = s_write(w, &req, NULL, 0);
    int group = ++w->next_group;
    for (int j = 0; j < n; j++)
        s_settle(&w->t[slots[j]], out, ST_OPEN, vers[j], group);
}

static void s_op_delete_talent(worker_t *w, int i)
{
    char id[32];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    s_tid(w->idx, i, id, sizeof id);
    b.id = id;
    req.body_case = BOLE__REQUEST__BODY_DELETE_TALENT;
    req.delete_talent = &b;
    s_settle(&w->t[i], s_write(w, &req, NULL, 0), ST_ABSENT, 0, 0);
}

static void s_op_put_need(worker_t *w, int i)
{
    char id[32];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    Bole__Need nd = BOLE__NEED__INIT;
    Bole__NeedSkill sk = BOLE__NEED_SKILL__INIT, *skp = &sk;
    int v = s_next_ver(w->n[i].ver);
    s_nid(w->idx, i, id, sizeof id);
    sk.name = "python";
    sk.must_have = 1;
    nd.external_id = id;
    nd.zone = "crash";
    nd.title = "Engineer";
    nd.organisation = "crash-org";
    nd.skills = &skp;
    nd.n_skills = 1;
    nd.headcount = (uint32_t)v;
    b.need = &nd;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    s_settle(&w->n[i], s_write(w, &req, NULL, 0), ST_OPEN, v, 0);
}

static void s_op_close_need(worker_t *w, int i)
{
    char id[32];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    s_nid(w->idx, i, id, sizeof id);
    b.id = id;
    req.body_case = BOLE__REQUEST__BODY_CLOSE_NEED;
    req.close_need = &b;
    s_settle(&w->n[i], s_write(w, &req, NULL, 0), ST_CLOSED, w->n[i].ver, 0);
}

static void s_op_refer(worker_t *w, int ti, int ni)
{
    char tid[32], nid[32], rid[48], token[64];
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReferRequest b = BOLE__REFER_REQUEST__INIT;
    Bole__Referrer who = BOLE__REFERRER__INIT;
    Bole__Response *r = NULL;
    if (w->n_refs >= MAX_REFS)
        return;
    s_tid(w->idx, ti, tid, sizeof tid);
    s_nid(w->idx, ni, nid, sizeof nid);
    /* One referrer per referral: the open-referral cap never interferes. */
    snprintf(rid, sizeof rid, "crash-ref-%d-%" PRIu64, w->idx, s_rand(&w->rng) % 1000000000);
    snprintf(token, sizeof token, "tok-%s", rid);
    who.id = rid;
    who.kind = BOLE__REFERRER_KIND__REFERRER_INDIVIDUAL;
    who.name = "Crash Tester";
    b.referrer = &who;
    b.talent_id = tid;
    b.need_id = nid;
    req.client_token = token;
    req.body_case = BOLE__REQUEST__BODY_REFER;
    req.refer = &b;
    int out = s_write(w, &req, &r, 1);
    if (out == 1 && r->referral) {
        ref_t *f = &w->refs[w->n_refs++];
        snprintf(f->id, sizeof f->id, "%s", r->referral->referral_id);
        f->stage = (int)r->referral->stage;
        f->unsure = 0;
    } else if (out == 0) {
        w->refs_unsure++;
    }
    bole_response_free(r);
}

static void s_op_advance(worker_t *w)
{
    if (w->n_refs == 0)
        return;
    ref_t *f = &w->refs[s_below(&w->rng, w->n_refs)];
    if (f->unsure || f->stage >= BOLE__REFERRAL_STAGE__STAGE_HIRED)
        return;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__AdvanceReferralRequest b = BOLE__ADVANCE_REFERRAL_REQUEST__INIT;
    b.referral_id = f->id;
    b.stage = (Bole__ReferralStage)(f->stage + 1);
    b.actor = "crash-test";
    req.body_case = BOLE__REQUEST__BODY_ADVANCE_REFERRAL;
    req.advance_referral = &b;
    int out = s_write(w, &req, NULL, 0);
    if (out == 1)
        f->stage++;
    else if (out == 0)
        f->unsure = 1;
}

static void s_op_feedback(worker_t *w, int ti, int ni)
{
    char tid[32], nid[32];
    if (w->n_fb >= MAX_FB)
        return;
    char *actor = w->fb_actor[w->n_fb];
    snprintf(actor, sizeof w->fb_actor[0], "crash-fb-%d-%d-%" PRIu64, w->idx, w->n_fb,
             s_rand(&w->rng) % 100000);
    s_tid(w->idx, ti, tid, sizeof tid);
    s_nid(w->idx, ni, nid, sizeof nid);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FeedbackRequest b = BOLE__FEEDBACK_REQUEST__INIT;
    b.talent_id = tid;
    b.need_id = nid;
    b.kind = BOLE__FEEDBACK_KIND__FEEDBACK_CLICK;
    b.actor = actor;
    req.body_case = BOLE__REQUEST__BODY_FEEDBACK;
    req.feedback = &b;
    int out = s_write(w, &req, NULL, 0);
    if (out >= 0)
        w->fb_acked[w->n_fb++] = out;
}

/* A random slot in a given state that is not unsure, or -1. */
static int s_pick(worker_t *w, slot_t *slots, int n, int state)
{
    int start = s_below(&w->rng, n);
    for (int k = 0; k < n; k++) {
        int i = (start + k) % n;
        if (!slots[i].unsure && slots[i].state == state)
            return i;
    }
    return -1;
}

static void *s_worker_main(void *arg)
{
    worker_t *w = arg;
    while (!atomic_load(&s_stop)) {
        int r = s_below(&w->rng, 100);
        int i;
        if (r < 25) {
            i = s_below(&w->rng, T_SLOTS);
            if (!w->t[i].unsure)
                s_op_put_talent(w, i);
        } else if (r < 40) {
            s_op_put_talents(w);
        } else if (r < 55) {
            if ((i = s_pick(w, w->t, T_SLOTS, ST_OPEN)) >= 0)
                s_op_delete_talent(w, i);
        } else if (r < 67) {
            i = s_below(&w->rng, N_SLOTS);
            if (!w->n[i].unsure)
                s_op_put_need(w, i); /* A put replaces: it also reopens a closed need. */
        } else if (r < 75) {
            if ((i = s_pick(w, w->n, N_SLOTS, ST_OPEN)) >= 0)
                s_op_close_need(w, i);
        } else if (r < 83 && s_have_referrals) {
            int ti = s_pick(w, w->t, T_SLOTS, ST_OPEN), ni = s_pick(w, w->n, N_SLOTS, ST_OPEN);
            if (ti >= 0 && ni >= 0)
                s_op_refer(w, ti, ni);
        } else if (r < 91 && s_have_referrals) {
            s_op_advance(w);
        } else if (s_have_feedback) {
            int ti = s_pick(w, w->t, T_SLOTS, ST_OPEN), ni = s_pick(w, w->n, N_SLOTS, ST_OPEN);
            if (ti >= 0 && ni >= 0)
                s_op_feedback(w, ti, ni);
        }
    }
    return NULL;
}

/* ---- checks after a restart ------------------------------------------------ */

static Bole__Response *s_call(bole_client_t *c, Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(c, req, &r);
    if (rc != BOLE_OK)
        fprintf(stderr, "call %d failed: %s\n", (int)req->body_case, bole_strerror(rc));
    REQUIRE(rc == BOLE_OK && r != NULL);
    return r;
}

/* Reads a slot's actual state: ST_ABSENT, ST_OPEN or ST_CLOSED, and its version. */
static int s_actual(bole_client_t *c, int talent, const char *id, int *ver)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    if (talent) {
        req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
        req.get_talent = &b;
    } else {
        req.body_case = BOLE__REQUEST__BODY_GET_NEED;
        req.get_need = &b;
    }
    Bole__Response *r = s_call(c, &req);
    int st = ST_ABSENT;
    *ver = 0;
    if (r->status == BOLE__STATUS_CODE__OK && talent && r->talent) {
        st = ST_OPEN;
        *ver = (int)r->talent->experience_years;
    } else if (r->status == BOLE__STATUS_CODE__OK && !talent && r->need) {
        st = r->need->closed ? ST_CLOSED : ST_OPEN;
        *ver = (int)r->need->headcount;
    } else if (r->status != BOLE__STATUS_CODE__NOT_FOUND) {
        fprintf(stderr, "get %s answered %s: %s\n", id, bole_status_name((int)r->status),
                r->error ? r->error : "");
        CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__NOT_FOUND);
    }
    bole_response_free(r);
    return st;
}

/* Checks one slot against the actual state and resolves an unsure slot.
 * Returns 1 if the unsure write turned out applied, 0 otherwise. */
static int s_check_slot(slot_t *s, int st, int ver, const char *id)
{
    int applied = 0;
    int prev_ok = st == s->state && (st == ST_ABSENT || ver == s->ver);
    if (!s->unsure) {
        if (!prev_ok)
            fprintf(stderr, "%s: acknowledged state %d ver %d, found state %d ver %d\n", id,
                    s->state, s->ver, st, ver);
        CHECK(prev_ok);
    } else {
        int next_ok = st == s->nstate && (st == ST_ABSENT || ver == s->nver);
        if (!prev_ok && !next_ok)
            fprintf(stderr, "%s: unknown write, expected state %d/%d ver %d/%d, found %d ver %d\n",
                    id, s->state, s->nstate, s->ver, s->nver, st, ver);
        CHECK(prev_ok || next_ok);
        applied = next_ok && !prev_ok;
    }
    s->state = st;
    s->ver = ver;
    s->unsure = 0;
    return applied;
}

/* Ids returned by a match with zone filter "crash" (k 1000), sorted into `out`. */
static size_t s_match_ids(bole_client_t *c, int want_talents, int include_closed,
                          char (*out)[32], size_t cap)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchFilter f = BOLE__MATCH_FILTER__INIT;
    char *zones[] = { "crash" };
    Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    Bole__Need nd = BOLE__NEED__INIT;
    Bole__NeedSkill nsk = BOLE__NEED_SKILL__INIT, *nskp = &nsk;
    Bole__Talent t;
    Bole__Skill sk, *skp;
    f.zones = zones;
    f.n_zones = 1;
    f.include_unavailable = 1;
    f.include_closed = include_closed;
    if (want_talents) {
        nsk.name = "python";
        nd.external_id = "crash-probe";
        nd.title = "Engineer";
        nd.zone = "crash";
        nd.skills = &nskp;
        nd.n_skills = 1;
        mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
        mn.need = &nd;
        mn.k = 1000;
        mn.filter = &f;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
        req.match_for_need = &mn;
    } else {
        s_fill_talent(&t, &sk, &skp, "crash-probe", 1);
        mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT;
        mt.talent = &t;
        mt.k = 1000;
        mt.filter = &f;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
        req.match_for_talent = &mt;
    }
    Bole__Response *r = s_call(c, &req);
    size_t n = 0;
    if (r->status != BOLE__STATUS_CODE__OK)
        fprintf(stderr, "match answered %s: %s\n", bole_status_name((int)r->status), r->error);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    for (size_t i = 0; r->match && i < r->match->n_results && n < cap; i++)
        snprintf(out[n++], sizeof out[0], "%s",
                 want_talents ? r->match->results[i]->talent_id : r->match->results[i]->need_id);
    bole_response_free(r);
    qsort(out, n, sizeof out[0], (int (*)(const void *, const void *))strcmp);
    return n;
}

/* Compares a match answer with the expected sorted id list; prints differences. */
static void s_same_ids(const char *what, char (*got)[32], size_t ng, char (*want)[32], size_t nw)
{
    size_t i = 0, j = 0, diffs = 0;
    while (i < ng || j < nw) {
        int c = i == ng ? 1 : j == nw ? -1 : strcmp(got[i], want[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        if (diffs++ < 5)
            fprintf(stderr, "%s: %s %s\n", what, c < 0 ? "index has extra" : "index misses",
                    c < 0 ? got[i] : want[j]);
        if (c < 0)
            i++;
        else
            j++;
    }
    if (diffs)
        fprintf(stderr, "%s: %zu differences (%zu returned, %zu stored)\n", what, diffs, ng, nw);
    CHECK_EQ_UINT(diffs, 0);
}

static Bole__StatsResponse *s_stats(bole_client_t *c, Bole__Response **keep)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest b = BOLE__STATS_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &b;
    *keep = s_call(c, &req);
    REQUIRE((*keep)->status == BOLE__STATUS_CODE__OK && (*keep)->stats);
    return (*keep)->stats;
}

static void s_check_referrals(bole_client_t *c, uint64_t stored)
{
    uint64_t acked = s_base_referrals, unsure = 0;
    for (int w = 0; w < N_THREADS; w++) {
        acked += (uint64_t)s_w[w].n_refs;
        unsure += (uint64_t)s_w[w].refs_unsure;
        for (int i = 0; i < s_w[w].n_refs; i++) {
            ref_t *f = &s_w[w].refs[i];
            Bole__Request req = BOLE__REQUEST__INIT;
            Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
            b.id = f->id;
            req.body_case = BOLE__REQUEST__BODY_GET_REFERRAL;
            req.get_referral = &b;
            Bole__Response *r = s_call(c, &req);
            int st = r->status == BOLE__STATUS_CODE__OK && r->referral ? (int)r->referral->stage
                                                                      : -1;
            int ok = st == f->stage || (f->unsure && st == f->stage + 1);
            if (!ok)
                fprintf(stderr, "referral %s: acknowledged stage %d%s, found %d (%s)\n", f->id,
                        f->stage, f->unsure ? " (+1 unknown)" : "", st,
                        bole_status_name((int)r->status));
            CHECK(ok);
            if (ok)
                f->stage = st;
            f->unsure = 0;
            bole_response_free(r);
        }
    }
    /* Unacknowledged refers may or may not be there, but never more than sent. */
    CHECK(stored >= acked);
    CHECK(stored <= acked + unsure);
    /* From now on the unknown ones that landed count as a base. */
    s_base_referrals += stored - acked;
    for (int w = 0; w < N_THREADS; w++)
        s_w[w].refs_unsure = 0;

    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__VerifyLedgerRequest vb = BOLE__VERIFY_LEDGER_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_VERIFY_LEDGER;
    req.verify_ledger = &vb;
    Bole__Response *r = s_call(c, &req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    if (r->verify_ledger && !r->verify_ledger->ok)
        fprintf(stderr, "verify_ledger: first bad entry %" PRIu64 ": %s\n",
                r->verify_ledger->first_bad_entry, r->verify_ledger->message);
    CHECK(r->verify_ledger && r->verify_ledger->ok);
    bole_response_free(r);
}

/* Every acknowledged feedback is stored exactly once, an unknown one at most once. */
static void s_check_feedback(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(harness_db_path(s_h), &db, SQLITE_OPEN_READONLY, NULL);
    REQUIRE(rc == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM feedback WHERE actor = ?", -1, &st, NULL);
    REQUIRE(rc == SQLITE_OK);
    int bad = 0;
    for (int w = 0; w < N_THREADS; w++) {
        for (int i = 0; i < s_w[w].n_fb; i++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, s_w[w].fb_actor[i], -1, SQLITE_STATIC);
            int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
            int ok = s_w[w].fb_acked[i] ? n == 1 : (n == 0 || n == 1);
            if (!ok && bad++ < 5)
                fprintf(stderr, "feedback %s (%s): %d rows\n", s_w[w].fb_actor[i],
                        s_w[w].fb_acked[i] ? "acknowledged" : "unknown", n);
            s_w[w].fb_acked[i] = n == 1; /* Resolved. */
        }
    }
    CHECK_EQ_INT(bad, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void s_check_all(int round)
{
    bole_client_t *c = harness_client(s_h, 10000);
    REQUIRE(c != NULL);
    static char want_t[N_THREADS * T_SLOTS][32], got_t[1000][32];
    static char want_open[N_THREADS * N_SLOTS][32], want_all[N_THREADS * N_SLOTS][32];
    static char got_n[1000][32];
    size_t n_t = 0, n_open = 0, n_all = 0, applied = 0, unsure = 0;
    int fails_before = check_failures;

    for (int w = 0; w < N_THREADS; w++) {
        /* Group outcome for bulk puts: index by group id (small per round). */
        for (int i = 0; i < T_SLOTS; i++) {
            slot_t *s = &s_w[w].t[i];
            char id[32];
            int ver, group = s->unsure ? s->group : 0, was_unsure = s->unsure;
            s_tid(w, i, id, sizeof id);
            int st = s_actual(c, 1, id, &ver);
            int app = s_check_slot(s, st, ver, id);
            unsure += (size_t)was_unsure;
            applied += (size_t)app;
            if (group) {
                /* Every other member of the same bulk must agree. */
                for (int j = i + 1; j < T_SLOTS; j++) {
                    slot_t *o = &s_w[w].t[j];
                    if (!o->unsure || o->group != group)
                        continue;
                    char oid[32];
                    int over;
                    s_tid(w, j, oid, sizeof oid);
                    int ost = s_actual(c, 1, oid, &over);
                    int oapp = s_check_slot(o, ost, over, oid);
                    unsure++;
                    applied += (size_t)oapp;
                    /* A member whose prev and next look the same cannot tell; skip it. */
                    if (app != oapp)
                        fprintf(stderr, "bulk put half-applied: %s %s, %s %s\n", id,
                                app ? "applied" : "not applied", oid,
                                oapp ? "applied" : "not applied");
                    CHECK_EQ_INT(app, oapp);
                }
            }
            if (s->state == ST_OPEN)
                snprintf(want_t[n_t++], sizeof want_t[0], "%s", id);
        }
        for (int i = 0; i < N_SLOTS; i++) {
            slot_t *s = &s_w[w].n[i];
            char id[32];
            int ver;
            s_nid(w, i, id, sizeof id);
            unsure += (size_t)s->unsure;
            int st = s_actual(c, 0, id, &ver);
            applied += (size_t)s_check_slot(s, st, ver, id);
            if (s->state == ST_OPEN)
                snprintf(want_open[n_open++], sizeof want_open[0], "%s", id);
            if (s->state != ST_ABSENT)
                snprintf(want_all[n_all++], sizeof want_all[0], "%s", id);
        }
    }
    qsort(want_t, n_t, sizeof want_t[0], (int (*)(const void *, const void *))strcmp);
    qsort(want_open, n_open, sizeof want_open[0], (int (*)(const void *, const void *))strcmp);
    qsort(want_all, n_all, sizeof want_all[0], (int (*)(const void *, const void *))strcmp);

    /* The vector index agrees with the store. */
    size_t ng = s_match_ids(c, 1, 0, got_t, 1000);
    s_same_ids("talents by match", got_t, ng, want_t, n_t);
    ng = s_match_ids(c, 0, 1, got_n, 1000);
    s_same_ids("needs (incl. closed) by match", got_n, ng, want_all, n_all);
    ng = s_match_ids(c, 0, 0, got_n, 1000);
    s_same_ids("open needs by match", got_n, ng, want_open, n_open);

    Bole__Response *keep;
    Bole__StatsResponse *stats = s_stats(c, &keep);
    CHECK_EQ_UINT(stats->talents, n_t);
    CHECK_EQ_UINT(stats->needs, n_all);
    uint64_t referrals = stats->referrals;
    bole_response_free(keep);
    if (s_have_referrals)
        s_check_referrals(c, referrals);
    if (s_have_feedback)
        s_check_feedback();
    int n_refs = 0, n_fb = 0;
    for (int w = 0; w < N_THREADS; w++)
        n_refs += s_w[w].n_refs, n_fb += s_w[w].n_fb;
    printf("round %d: %zu talents, %zu needs (%zu open), %d referrals, %d feedback stored; "
           "%zu unknown writes, %zu of them applied; %s\n", round, n_t, n_all, n_open, n_refs,
           n_fb, unsure, applied,
           check_failures == fails_before ? "consistent" : "INCONSISTENT");
    fflush(stdout);
    bole_client_destroy(&c);
}

/* Probes whether refer and feedback are served (UNIMPLEMENTED: skip them). */
static void s_probe(void)
{
    bole_client_t *c = harness_client(s_h, 5000);
    REQUIRE(c != NULL);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__ReferRequest rb = BOLE__REFER_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_REFER;
    req.refer = &rb; /* No referrer: INVALID_ARGUMENT when served; nothing stored. */
    Bole__Response *r = s_call(c, &req);
    s_have_referrals = r->status != BOLE__STATUS_CODE__UNIMPLEMENTED;
    bole_response_free(r);

    Bole__Request fr = BOLE__REQUEST__INIT;
    Bole__FeedbackRequest fb = BOLE__FEEDBACK_REQUEST__INIT;
    fr.body_case = BOLE__REQUEST__BODY_FEEDBACK;
    fr.feedback = &fb; /* No kind: INVALID_ARGUMENT when served. */
    r = s_call(c, &fr);
    s_have_feedback = r->status != BOLE__STATUS_CODE__UNIMPLEMENTED;
    bole_response_free(r);

    Bole__Response *keep;
    s_base_referrals = s_stats(c, &keep)->referrals;
    bole_response_free(keep);
    if (!s_have_referrals)
        printf("NOTE: refer answers UNIMPLEMENTED in this build: referral writes and the "
               "ledger check are SKIPPED\n");
    if (!s_have_feedback)
        printf("NOTE: feedback answers UNIMPLEMENTED in this build: feedback writes and their "
               "check are SKIPPED\n");
    bole_client_destroy(&c);
}

static void s_snapshot(void)
{
    bole_client_t *c = harness_client(s_h, 5000);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__SnapshotRequest b = BOLE__SNAPSHOT_REQUEST__INIT;
    Bole__Response *r = NULL;
    req.body_case = BOLE__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &b;
    /* The daemon may be killed during it: any outcome is fine here. */
    if (c && bole_client_call(c, &req, &r) == BOLE_OK)
        bole_response_free(r);
    bole_client_destroy(&c);
}

int main(void)
{
    const char *e = getenv("BOLE_CRASH_ROUNDS");
    int rounds = e && atoi(e) > 0 ? atoi(e) : 20;
    e = getenv("BOLE_CRASH_SEED");
    uint64_t seed = e && *e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
    uint64_t rng = seed;
    long acked = 0, unknown = 0, refused = 0;
    printf("test_crash: seed %" PRIu64 " (BOLE_CRASH_SEED to replay), %d rounds "
           "(BOLE_CRASH_ROUNDS), %d clients\n", seed, rounds, N_THREADS);
    fflush(stdout);

    s_h = harness_start(NULL);
    REQUIRE(s_h != NULL);
    s_probe();
    for (int w = 0; w < N_THREADS; w++) {
        s_w[w].idx = w;
        s_w[w].rng = seed * 31 + (uint64_t)w + 1;
    }

    for (int round = 1; round <= rounds && !check_failed(); round++) {
        pthread_t th[N_THREADS];
        atomic_store(&s_stop, 0);
        for (int w = 0; w < N_THREADS; w++) {
            s_w[w].c = harness_client(s_h, CLIENT_MS);
            REQUIRE(s_w[w].c != NULL);
            s_w[w].acked = s_w[w].unknown = s_w[w].refused = 0;
            REQUIRE(pthread_create(&th[w], NULL, s_worker_main, &s_w[w]) == 0);
        }
        /* Kill at a random moment: 100 ms to 1 s into the load; every other
         * round a snapshot is taken first, so restarts replay from it. */
        int before = 100 + s_below(&rng, 900);
        if (s_below(&rng, 2)) {
            struct timespec ts = { 0, (long)(before / 2) * 1000000L };
            nanosleep(&ts, NULL);
            s_snapshot();
            ts.tv_nsec = (long)(before - before / 2) * 1000000L;
            nanosleep(&ts, NULL);
        } else {
            struct timespec ts = { before / 1000, (long)(before % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
        REQUIRE(harness_kill(s_h) == 0);
        atomic_store(&s_stop, 1);
        for (int w = 0; w < N_THREADS; w++) {
            pthread_join(th[w], NULL);
            bole_client_destroy(&s_w[w].c);
            acked += s_w[w].acked;
            unknown += s_w[w].unknown;
            refused += s_w[w].refused;
        }
        REQUIRE(harness_restart(s_h) == 0);
        printf("round %d: killed after %d ms; ", round, before);
        s_check_all(round);
    }
    printf("test_crash: %ld writes acknowledged, %ld unknown (killed in flight), %ld refused; "
           "seed %" PRIu64 "\n", acked, unknown, refused, seed);
    CHECK_EQ_INT(s_unexpected, 0);
    /* A snapshot must reflect exactly the sequence number it is tagged
     * with: restarts replay it, they never fall back to a rebuild. */
    FILE *log = fopen(harness_log_path(s_h), "r");
    int rebuilds = 0;
    char line[1024];
    while (log && fgets(line, sizeof line, log))
        rebuilds += strstr(line, "disagrees with the store") != NULL;
    if (log)
        fclose(log);
    CHECK_EQ_INT(rebuilds, 0);
    harness_destroy(&s_h);
    return check_summary();
}
