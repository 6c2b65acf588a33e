/*
 * live.c - the live match stream (see live.h and docs/LIVE.md) and the
 * MatchesSince handler that reads it back.
 *
 * The work list is the change log after a stored cursor (see "reading and
 * coalescing" below and docs/LIVE.md). Per change the matcher:
 *   - put of an open need / available talent: runs matching.c's match for
 *     it (top K of the other side, unexplained),
 *     keeps pairs with score >= min_score, skips pairs already announced
 *     unless the score rose by more than announce_delta, skips pairs whose
 *     talent or need used up its pushes of the UTC day, and announces the
 *     rest, each explained and feature-logged (source SOURCE_LIVE, one
 *     request id per change);
 *   - delete, closed need, unavailable talent: withdraws every open pair.
 * Each announcement or withdrawal is one stored row (one seq) listing its
 * topics; after the transaction commits the same Event goes out once per
 * topic. Stored first, published second: a subscriber that missed a
 * message finds it through MatchesSince.
 */
#define _GNU_SOURCE
#include "live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "feedback.h"
#include "handlers.h"
#include "log.h"
#include "matching.h"
#include "rank.h"
#include "scope.h"
#include "weights.h"

/* Changes per transaction. Small, because the writer waits for SQLite's
 * write lock while this nice +10 thread holds it: 8 against 64 made
 * single puts during a live backlog 40-50 % faster (p99 44 -> 15 ms) for
 * ~14 % more matcher CPU per change (docs/LIVE.md, 29 Nov). */
#define CHUNK           8
#define LIVE_YIELD_MAX_US  20000    /* longest wait for a gap in the writes, per chunk */
#define WINDOW          4096        /* change-log rows read (and coalesced) at once */
#define RETRY_MS        200         /* pause before a window is tried again */
#define MIN_K           50          /* candidates looked at beyond the caps */
#define MAX_K           1000        /* matching.c's limit */
#define NICE            10          /* CPU priority below request handling */
#define ARENA_LIMIT     (256u << 20)
#define MAX_PREFIXES    64          /* topic prefixes per MatchesSince */
#define DEFAULT_LIMIT   1000
#define MAX_LIMIT       10000
#define DAY_MS          86400000LL
#define BACKLOG_LOG     1000        /* log when a backlog this big is done */

/* One change to work out, after coalescing (see s_read_window). */
typedef struct {
    bole_entity_t entity;
    int64_t id;
    int deleted;                /* 1: withdraw its open pairs; 0: a put. */
} change_t;

/* Coalescing: what the rows of one record in a window add up to. */
typedef struct {
    bole_entity_t entity;
    int64_t id;
    int deleted_seen;           /* A delete is among them. */
    int put_last;               /* The last of them is a put. */
} record_t;

/* An event stored in the current transaction, published after commit. */
typedef struct outgoing {
    struct outgoing *next;
    Bole__Event *event;
    uint64_t seq;
    char *topics;               /* '\n'-separated (modified while publishing). */
} outgoing_t;

struct bole_live {
    bole_daemon_t *daemon;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    uint64_t ready_seq;         /* Guarded by lock: highest change-log seq in the catalog. */
    pthread_t thread;
    int started;
    int paused;                 /* Test hook BOLE_TEST_LIVE_PAUSED: match nothing. */
    volatile int stop;          /* Set by bole_live_stop. */
    int yielding;               /* Guarded by lock: waiting for the writes to pause. */
    bole_store_t *store;        /* The matcher's own connection. */
    uint64_t cursor;            /* Stored: every change up to here is done. */
    change_t *legacy;           /* An older version's saved queue, done first. */
    size_t n_legacy;
    record_t *records;          /* Window scratch (WINDOW entries). */
    int32_t *slots;             /* Hash of records: index + 1, 0 = empty. */
    change_t *changes;          /* Window scratch (2 * WINDOW entries). */
    bole_arena_t arena;         /* Reset after every chunk. */
    outgoing_t *out, **out_tail;
    int64_t pruned_day;         /* Exposure rows before this day are gone. */
    struct expo *expo;          /* Cache of today's push counts (see s_exposure). */
    size_t expo_cap, expo_n;
    int64_t expo_day;           /* The day the cache holds. */
    struct expo *undo;          /* Tentative counts of s_explain_ahead (arena). */
    size_t n_undo, cap_undo;
    uint64_t announced, withdrawn, capped;
    uint64_t explained_late;    /* Inside the transaction: s_explain_ahead missed them. */
};

/* ---- exposure counts ---------------------------------------------------------
 * Only this thread writes live_exposure, so a cache of today's counts is
 * exact once loaded: a miss reads SQL, a push updates both. Candidates over
 * their cap are the common case in a busy day, and this keeps them to a hash
 * probe. A rolled-back transaction empties the cache (SQL is the truth). */

struct expo {
    int64_t key;                /* id * 2 + side; 0 = empty slot. */
    uint32_t count;
};

static int64_t s_expo_key(bole_entity_t side, int64_t id)
{
    return id * 2 + (side == BOLE_ENTITY_NEED);
}

static void s_expo_clear(bole_live_t *l)
{
    if (l->expo)
        memset(l->expo, 0, l->expo_cap * sizeof *l->expo);
    l->expo_n = 0;
}

/* The slot of key (found or empty); NULL if the table is missing. */
static struct expo *s_expo_slot(bole_live_t *l, int64_t key)
{
    if (!l->expo)
        return NULL;
    size_t mask = l->expo_cap - 1;
    size_t i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull >> 20) & mask;
    while (l->expo[i].key && l->expo[i].key != key)
        i = (i + 1) & mask;
    return &l->expo[i];
}

/* Inserts or updates key; on out of memory the cache is just not used. */
static void s_expo_put(bole_live_t *l, int64_t key, uint32_t count)
{
    if (l->expo_n * 2 >= l->expo_cap) {
        size_t cap = l->expo_cap ? l->expo_cap * 2 : 4096;
        struct expo *old = l->expo, *grown = calloc(cap, sizeof *grown);
        if (!grown)
            return;
        size_t old_cap = l->expo_cap;
        l->expo = grown;
        l->expo_cap = cap;
        l->expo_n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key) {
                struct expo *e = s_expo_slot(l, old[i].key);
                *e = old[i];
                l->expo_n++;
            }
        free(old);
    }
    struct expo *e = s_expo_slot(l, key);
    if (!e->key)
        l->expo_n++;
    e->key = key;
    e->count = count;
}

static bole_status_t s_exposure(bole_live_t *l, bole_entity_t side, int64_t id, int64_t day,
                                uint32_t *count, char *err, size_t errlen)
{
    if (day != l->expo_day) {
        s_expo_clear(l);
        l->expo_day = day;
    }
    int64_t key = s_expo_key(side, id);
    struct expo *e = s_expo_slot(l, key);
    if (e && e->key == key) {
        *count = e->count;
        return BOLE_OK;
    }
    bole_status_t st = bole_store_live_exposure(l->store, side, id, day, count, err, errlen);
    if (st == BOLE_OK)
        s_expo_put(l, key, *count);
    return st;
}

static bole_status_t s_add_exposure(bole_live_t *l, bole_entity_t side, int64_t id, int64_t day,
                                    char *err, size_t errlen)
{
    uint32_t count = 0;
    bole_status_t st = s_exposure(l, side, id, day, &count, err, errlen);
    if (st == BOLE_OK)
        st = bole_store_live_add_exposure(l->store, side, id, day, err, errlen);
    if (st == BOLE_OK)
        s_expo_put(l, s_expo_key(side, id), count + 1);
    return st;
}

/* ---- storing and publishing ------------------------------------------------ */

static bole_status_t s_store_event(bole_live_t *l, Bole__Event *ev, char *topics, char *err,
                                   size_t errlen, uint64_t *seq)
{
    size_t len = bole__event__get_packed_size(ev);
    uint8_t *buf = bole_arena_alloc(&l->arena, len ? len : 1);
    outgoing_t *o = ARENA_NEW(&l->arena, outgoing_t);
    if (!buf || !o) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    bole__event__pack(ev, buf);
    bole_status_t st = bole_store_live_append(l->store, ev->at, topics, buf, len, seq, err,
                                              errlen);
    if (st != BOLE_OK)
        return st;
    o->event = ev;
    o->seq = *seq;
    o->topics = topics;
    *l->out_tail = o;
    l->out_tail = &o->next;
    return BOLE_OK;
}

static void s_publish_all(bole_live_t *l)
{
    for (outgoing_t *o = l->out; o; o = o->next) {
        o->event->seq = o->seq;
        char *p = o->topics;
        while (p && *p) {
            char *end = strchr(p, '\n');
            if (end)
                *end = '\0';
            o->event->topic = p;
            bole_daemon_publish(l->daemon, p, o->event);
            p = end ? end + 1 : NULL;
        }
    }
    l->out = NULL;
    l->out_tail = &l->out;
}

/* ---- withdrawals ------------------------------------------------------------ */

typedef struct {
    bole_arena_t *arena;
    bole_store_live_pair_t *pairs;
    size_t n, cap;
    int oom;
} pair_list_t;

static int s_collect_pair(void *ctx, const bole_store_live_pair_t *p)
{
    pair_list_t *list = ctx;
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        bole_store_live_pair_t *grown = bole_arena_array(list->arena, cap, sizeof *grown);
        if (!grown) {
            list->oom = 1;
            return 1;
        }
        if (list->n)
            memcpy(grown, list->pairs, list->n * sizeof *grown);
        list->pairs = grown;
        list->cap = cap;
    }
    bole_store_live_pair_t *copy = &list->pairs[list->n];
    *copy = *p;
    copy->talent_ext = bole_arena_strdup(list->arena, p->talent_ext);
    copy->need_ext = bole_arena_strdup(list->arena, p->need_ext);
    copy->organisation = bole_arena_strdup(list->arena, p->organisation);
    copy->zone = bole_arena_strdup(list->arena, p->zone);
    if (!copy->talent_ext || !copy->need_ext || !copy->organisation || !copy->zone) {
        list->oom = 1;
        return 1;
    }
    list->n++;
    return 0;
}

/* Topics of an announcement: the need, the talent, the organisation, the zone. */
static char *s_match_topics(bole_arena_t *a, const char *need, const char *talent,
                            const char *org, const char *zone)
{
    return bole_arena_printf(a, "match.need.%s\nmatch.talent.%s%s%s%s%s", need, talent,
                             *org ? "\nmatch.org." : "", org, *zone ? "\nmatch.zone." : "",
                             zone);
}

static bole_status_t s_withdraw_all(bole_live_t *l, bole_entity_t side, int64_t id,
                                    const char *reason, char *err, size_t errlen)
{
    pair_list_t list = {.arena = &l->arena};
    bole_status_t st = bole_store_live_open_pairs(l->store, side, id, s_collect_pair, &list, err,
                                                  errlen);
    if (st == BOLE_OK && list.oom) {
        snprintf(err, errlen, "out of memory");
        st = BOLE_INTERNAL;
    }
    int64_t now = bole_now_ms();
    for (size_t i = 0; i < list.n && st == BOLE_OK; i++) {
        bole_store_live_pair_t *p = &list.pairs[i];
        Bole__Event *ev = ARENA_NEW(&l->arena, Bole__Event);
        Bole__MatchWithdrawn *w = ARENA_NEW(&l->arena, Bole__MatchWithdrawn);
        char *match_topics = s_match_topics(&l->arena, p->need_ext, p->talent_ext,
                                            p->organisation, p->zone);
        char *topics = match_topics ? bole_arena_printf(&l->arena,
                                                        "match.withdrawn.need.%s\n"
                                                        "match.withdrawn.talent.%s\n%s",
                                                        p->need_ext, p->talent_ext, match_topics)
                                    : NULL;
        if (!ev || !w || !topics) {
            snprintf(err, errlen, "out of memory");
            return BOLE_INTERNAL;
        }
        bole__event__init(ev);
        bole__match_withdrawn__init(w);
        w->talent_id = (char *)p->talent_ext;
        w->need_id = (char *)p->need_ext;
        w->reason = (char *)reason;
        ev->at = now;
        ev->body_case = BOLE__EVENT__BODY_WITHDRAWN;
        ev->withdrawn = w;
        uint64_t seq = 0;
        st = s_store_event(l, ev, topics, err, errlen, &seq);
        if (st != BOLE_OK)
            break;
        p->open = 0;
        p->seq = seq;
        st = bole_store_live_put_pair(l->store, p, err, errlen);
        l->withdrawn++;
    }
    return st;
}

/* ---- announcements ---------------------------------------------------------- */

/* What the catalog says about the other side of one candidate pair. */
typedef struct {
    int64_t talent, need;       /* Internal ids (0: gone since the match). */
    const char *organisation;   /* The need's (interned, stable). */
    const char *zone;           /* The need's zone. */
} pair_ids_t;

/* Runs matching.c's match for the subject without explanations (only the
 * pairs announced get one, in s_consider); the answer lives in the arena. */
static bole_status_t s_run_match(bole_live_t *l, bole_models_t *models, bole_entity_t entity,
                                 const char *ext, uint32_t k, Bole__MatchResponse **out,
                                 char *err, size_t errlen)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest for_need = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__MatchForTalentRequest for_talent = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    if (entity == BOLE_ENTITY_NEED) {
        for_need.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
        for_need.need_id = (char *)ext;
        for_need.k = k;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
        req.match_for_need = &for_need;
    } else {
        for_talent.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
        for_talent.talent_id = (char *)ext;
        for_talent.k = k;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
        req.match_for_talent = &for_talent;
    }
    Bole__Response response = BOLE__RESPONSE__INIT;
    bole_call_t call = {
        .daemon = l->daemon,
        .store = l->store,
        .models = models,
        .arena = &l->arena,
        .request = &req,
        .response = &response,
        .err = err,
        .errlen = errlen,
    };
    bole_status_t st = bole_match_candidates(&call);
    bole_call_finish(&call, st == BOLE_OK);
    if (st == BOLE_OK && (response.body_case != BOLE__RESPONSE__BODY_MATCH || !response.match)) {
        snprintf(err, errlen, "matching gave no answer");
        st = BOLE_INTERNAL;
    }
    *out = st == BOLE_OK ? response.match : NULL;
    return st;
}

/* What one change will do, worked out before the write transaction so that
 * the matcher never holds SQLite's write lock while it matches (the writer
 * thread would wait for it). */
typedef struct {
    const char *withdraw;       /* Reason, or NULL. */
    Bole__MatchResponse *resp;  /* Candidates (arena), best first, unexplained. */
    pair_ids_t *ids;            /* Per result: both internal ids, org, zone. */
    size_t n;                   /* Results at or above min_score. */
    int talents_for_need;       /* The subject is a need. */
    int fresh;                  /* Its open pairs are withdrawn just before it. */
    char *request_id;           /* Of its pushes (feedback.c), made at the first. */
    float **features;           /* Per result: feature values when explained ahead. */
    const char **versions;      /* Per result: their weights version. */
} plan_t;

/* Whether pair r is to be announced now: under both caps, and not announced
 * before (still open) unless its score rose by more than delta (fresh:
 * treat it as never announced). *pushes gets the talent's and the need's
 * pushes of the day. */
typedef struct {
    int announce, improved, capped;
    uint32_t talent_pushes, need_pushes;
} verdict_t;

static bole_status_t s_judge(bole_live_t *l, const bole_weights_t *w, const Bole__MatchResult *r,
                             const pair_ids_t *ids, int64_t day, int fresh, verdict_t *v,
                             char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    bole_status_t st = s_exposure(l, BOLE_ENTITY_TALENT, ids->talent, day, &v->talent_pushes,
                                  err, errlen);
    if (st == BOLE_OK)
        st = s_exposure(l, BOLE_ENTITY_NEED, ids->need, day, &v->need_pushes, err, errlen);
    if (st != BOLE_OK)
        return st;
    if (v->talent_pushes >= bole_weights_per_talent_daily_pushes(w) ||
        v->need_pushes >= bole_weights_per_need_daily_pushes(w)) {
        v->capped = 1;
        return BOLE_OK;
    }
    bole_store_live_pair_t before;
    int found = 0;
    if (!fresh) {
        st = bole_store_live_get_pair(l->store, ids->talent, ids->need, &before, &found, err,
                                      errlen);
        if (st != BOLE_OK)
            return st;
    }
    v->improved = found && before.open;
    v->announce = !v->improved || r->score > before.score + bole_weights_announce_delta(w);
    return BOLE_OK;
}

/* Counts one push ahead of the transaction, remembering the stored count
 * (s_judge just loaded it into the cache) for s_expo_undo. */
static bole_status_t s_expo_tentative(bole_live_t *l, bole_entity_t side, int64_t id,
                                      uint32_t count)
{
    if (l->n_undo == l->cap_undo) {
        size_t cap = l->cap_undo ? l->cap_undo * 2 : 256;
        struct expo *grown = bole_arena_array(&l->arena, cap, sizeof *grown);
        if (!grown)
            return BOLE_INTERNAL;
        if (l->n_undo)
            memcpy(grown, l->undo, l->n_undo * sizeof *grown);
        l->undo = grown;
        l->cap_undo = cap;
    }
    int64_t key = s_expo_key(side, id);
    l->undo[l->n_undo++] = (struct expo){key, count};
    s_expo_put(l, key, count + 1);
    return BOLE_OK;
}

/* Puts back the stored counts (latest first). */
static void s_expo_undo(bole_live_t *l)
{
    while (l->n_undo) {
        l->n_undo--;
        s_expo_put(l, l->undo[l->n_undo].key, l->undo[l->n_undo].count);
    }
    l->undo = NULL; /* Arena memory: gone with the chunk. */
    l->cap_undo = 0;
}

/* Explains, before the write transaction, the pairs of a plan that will be
 * announced as things stand (only this thread writes live_pairs and the
 * exposure counts, so reading them outside the transaction is exact up to
 * the chunk's own earlier announcements, which the exposure cache counts
 * tentatively here). Building explanations inside the transaction made it
 * long enough for the writer to hit the busy timeout when the nice +10
 * matcher was descheduled while holding the lock. */
static bole_status_t s_explain_ahead(bole_live_t *l, bole_models_t *models, plan_t *plan,
                                     int64_t day, char *err, size_t errlen)
{
    if (plan->withdraw || plan->n == 0)
        return BOLE_OK;
    plan->features = bole_arena_array(&l->arena, plan->n, sizeof *plan->features);
    plan->versions = bole_arena_array(&l->arena, plan->n, sizeof *plan->versions);
    if (!plan->features || !plan->versions) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    for (size_t i = 0; i < plan->n; i++) {
        const pair_ids_t *ids = &plan->ids[i];
        Bole__MatchResult *r = plan->resp->results[i];
        if (!ids->talent || !ids->need)
            continue;
        verdict_t v;
        bole_status_t st = s_judge(l, models->weights, r, ids, day, plan->fresh, &v, err,
                                   errlen);
        if (st != BOLE_OK)
            return st;
        if (!v.announce)
            continue;
        float *features = bole_arena_array(&l->arena, BOLE_RANK_N_FEATURES, sizeof *features);
        if (!features) {
            snprintf(err, errlen, "out of memory");
            return BOLE_INTERNAL;
        }
        st = bole_match_explain_pair(l->daemon, models, &l->arena, plan->talents_for_need,
                                     ids->talent, ids->need, r->similarity, r, features,
                                     &plan->versions[i]);
        if (st == BOLE_NOT_FOUND)
            continue; /* Gone since the match: s_consider skips it too. */
        if (st != BOLE_OK) {
            snprintf(err, errlen, "cannot explain a match (out of memory)");
            return st;
        }
        plan->features[i] = features;
        st = s_expo_tentative(l, BOLE_ENTITY_TALENT, ids->talent, v.talent_pushes);
        if (st == BOLE_OK)
            st = s_expo_tentative(l, BOLE_ENTITY_NEED, ids->need, v.need_pushes);
        if (st != BOLE_OK) {
            snprintf(err, errlen, "out of memory");
            return st;
        }
    }
    return BOLE_OK;
}

/* Announces result i of plan unless it was announced before at a score
 * within delta, or a cap is reached (judged again inside the transaction:
 * exact). Only an announced pair is explained: normally ahead of the
 * transaction (s_explain_ahead), here only if that guess missed it. */
static bole_status_t s_consider(bole_live_t *l, bole_models_t *models, plan_t *plan, size_t i,
                                int64_t day, char *err, size_t errlen)
{
    const bole_weights_t *w = models->weights;
    Bole__MatchResult *r = plan->resp->results[i];
    const pair_ids_t *ids = &plan->ids[i];
    verdict_t v;
    bole_status_t st = s_judge(l, w, r, ids, day, 0, &v, err, errlen);
    if (st != BOLE_OK)
        return st;
    l->capped += (uint64_t)v.capped;
    if (!v.announce)
        return BOLE_OK;
    int improved = v.improved;
    if (!plan->request_id)
        plan->request_id = bole_feedback_request_id(l->daemon, &l->arena);
    if (!plan->request_id) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    float *features = plan->features ? plan->features[i] : NULL;
    const char *weights_version = plan->versions ? plan->versions[i] : NULL;
    if (!features || !r->explanation) {
        l->explained_late++;
        features = bole_arena_array(&l->arena, BOLE_RANK_N_FEATURES, sizeof *features);
        if (!features) {
            snprintf(err, errlen, "out of memory");
            return BOLE_INTERNAL;
        }
        st = bole_match_explain_pair(l->daemon, models, &l->arena, plan->talents_for_need,
                                     ids->talent, ids->need, r->similarity, r, features,
                                     &weights_version);
        if (st == BOLE_NOT_FOUND)
            return BOLE_OK; /* Deleted since the match: nothing to announce. */
        if (st != BOLE_OK) {
            snprintf(err, errlen, "cannot explain a match (out of memory)");
            return st;
        }
    }
    Bole__Event *ev = ARENA_NEW(&l->arena, Bole__Event);
    Bole__MatchEvent *me = ARENA_NEW(&l->arena, Bole__MatchEvent);
    char *topics = s_match_topics(&l->arena, r->need_id, r->talent_id, ids->organisation,
                                  ids->zone);
    if (!ev || !me || !topics) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    bole__event__init(ev);
    bole__match_event__init(me);
    me->match = r;
    me->improved = improved;
    me->request_id = plan->request_id;
    ev->at = bole_now_ms();
    ev->body_case = BOLE__EVENT__BODY_MATCH;
    ev->match = me;
    uint64_t seq = 0;
    st = s_store_event(l, ev, topics, err, errlen, &seq);
    if (st != BOLE_OK)
        return st;
    /* Outcome tracking (feedback.c): the push's feature log row commits with
     * its event, so a pushed pair is logged exactly once, also on kill -9. */
    bole_store_served_t served = {
        .request_id = plan->request_id,
        .source = BOLE__FEEDBACK_SOURCE__SOURCE_LIVE,
        .weights_version = weights_version,
        .talent_id = r->talent_id,
        .need_id = r->need_id,
        .position = r->rank,
        .score = r->score,
        .features = features,
        .n_features = BOLE_RANK_N_FEATURES,
        .at = ev->at,
    };
    st = bole_store_feature_log_append(l->store, &served, 1, err, errlen);
    if (st != BOLE_OK)
        return st;
    bole_store_live_pair_t pair = {
        .talent = ids->talent,
        .need = ids->need,
        .talent_ext = r->talent_id,
        .need_ext = r->need_id,
        .organisation = ids->organisation,
        .zone = ids->zone,
        .score = r->score,
        .seq = seq,
        .open = 1,
    };
    st = bole_store_live_put_pair(l->store, &pair, err, errlen);
    if (st == BOLE_OK)
        st = s_add_exposure(l, BOLE_ENTITY_TALENT, ids->talent, day, err, errlen);
    if (st == BOLE_OK)
        st = s_add_exposure(l, BOLE_ENTITY_NEED, ids->need, day, err, errlen);
    if (st == BOLE_OK)
        l->announced++;
    return st;
}

static bole_status_t s_plan_match(bole_live_t *l, bole_models_t *models, bole_entity_t entity,
                                  int64_t id, const char *ext, plan_t *plan, char *err,
                                  size_t errlen)
{
    const bole_weights_t *w = models->weights;
    uint32_t cap = entity == BOLE_ENTITY_NEED ? bole_weights_per_need_daily_pushes(w)
                                              : bole_weights_per_talent_daily_pushes(w);
    if (cap == 0 || bole_weights_per_talent_daily_pushes(w) == 0 ||
        bole_weights_per_need_daily_pushes(w) == 0)
        return BOLE_OK; /* A cap of 0 turns the stream off. */
    uint32_t pushes = 0;
    bole_status_t st = s_exposure(l, entity, id, bole_now_ms() / DAY_MS, &pushes, err, errlen);
    if (st != BOLE_OK)
        return st;
    if (pushes >= cap) {
        l->capped++;
        return BOLE_OK; /* Its pushes of the day are used up: nothing to match. */
    }
    plan->talents_for_need = entity == BOLE_ENTITY_NEED;
    uint64_t k = (uint64_t)cap * 2 + MIN_K;
    Bole__MatchResponse *resp = NULL;
    st = s_run_match(l, models, entity, ext, k > MAX_K ? MAX_K : (uint32_t)k, &resp, err,
                     errlen);
    if (st == BOLE_NOT_FOUND)
        return BOLE_OK; /* Deleted since it was queued. */
    if (st != BOLE_OK)
        return st;
    float min_score = bole_weights_min_score(w);
    size_t n = 0;
    while (n < resp->n_results && resp->results[n]->score >= min_score)
        n++;
    if (n == 0)
        return BOLE_OK;
    pair_ids_t *ids = bole_arena_array(&l->arena, n, sizeof *ids);
    if (!ids) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    bole_daemon_t *d = l->daemon;
    bole_intern_t *names = bole_catalog_names(d->catalog);
    bole_catalog_read_lock(d->catalog);
    for (size_t i = 0; i < n; i++) {
        Bole__MatchResult *r = resp->results[i];
        int64_t need_id = entity == BOLE_ENTITY_NEED ? id
                                                     : bole_catalog_need_id(d->catalog, r->need_id);
        int64_t talent_id = entity == BOLE_ENTITY_TALENT
                                ? id
                                : bole_catalog_talent_id(d->catalog, r->talent_id);
        const bole_need_rec_t *need = need_id ? bole_catalog_need(d->catalog, need_id) : NULL;
        ids[i].talent = talent_id;
        ids[i].need = need ? need_id : 0;
        ids[i].organisation = need ? bole_intern_name(names, need->organisation) : "";
        ids[i].zone = need ? bole_intern_name(names, need->zone) : "";
        if (!ids[i].organisation)
            ids[i].organisation = "";
        if (!ids[i].zone)
            ids[i].zone = "";
    }
    bole_catalog_unlock(d->catalog);
    plan->resp = resp;
    plan->ids = ids;
    plan->n = n;
    return BOLE_OK;
}

/* One change: what the catalog says now decides between matching and
 * withdrawing (a later change of the same record is queued behind it). */
static bole_status_t s_plan(bole_live_t *l, bole_models_t *models, bole_entity_t entity,
                            int64_t id, int deleted, plan_t *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    int is_talent = entity == BOLE_ENTITY_TALENT;
    if (deleted) {
        plan->withdraw = is_talent ? "talent deleted" : "need deleted";
        return BOLE_OK;
    }
    bole_daemon_t *d = l->daemon;
    char *ext = NULL;
    bole_catalog_read_lock(d->catalog);
    if (is_talent) {
        const bole_talent_rec_t *t = bole_catalog_talent(d->catalog, id);
        if (t) {
            ext = bole_arena_strdup(&l->arena, t->external_id);
            if (t->availability == BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE)
                plan->withdraw = "talent unavailable";
        }
    } else {
        const bole_need_rec_t *n = bole_catalog_need(d->catalog, id);
        if (n) {
            ext = bole_arena_strdup(&l->arena, n->external_id);
            if (n->closed)
                plan->withdraw = "need closed";
            else if (!bole_need_is_open(n, bole_now_ms()))
                plan->withdraw = "need expired";
        }
    }
    bole_catalog_unlock(d->catalog);
    if (!ext || plan->withdraw)
        return BOLE_OK; /* Gone since: its queued delete withdraws. */
    return s_plan_match(l, models, entity, id, ext, plan, err, errlen);
}

/* Carries a plan out inside the write transaction (SQL, and the explanation
 * of each announced pair). */
static bole_status_t s_apply_plan(bole_live_t *l, bole_models_t *models, const change_t *c,
                                  plan_t *plan, int64_t day, char *err, size_t errlen)
{
    if (plan->withdraw)
        return s_withdraw_all(l, c->entity, c->id, plan->withdraw, err, errlen);
    bole_status_t st = BOLE_OK;
    for (size_t i = 0; i < plan->n && st == BOLE_OK; i++)
        if (plan->ids[i].talent && plan->ids[i].need)
            st = s_consider(l, models, plan, i, day, err, errlen);
    return st;
}

/* now + us on the clock of pthread_cond_timedwait (CLOCK_REALTIME). */
static struct timespec s_deadline_us(long us)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += us * 1000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

/* While requests' writes are queued or running, our transaction would sit
 * between two of the writer's batches: ~1 ms of SQLite's write lock with
 * its fsync, which every put of the next batch waits for (docs/LIVE.md,
 * "Yielding to the writer"). So wait for a gap, but at most
 * LIVE_YIELD_MAX_US per chunk: under a steady stream of puts the live
 * stream slows down instead of stopping. */
static void s_yield_to_writer(bole_live_t *l)
{
    if (atomic_load(&l->daemon->writes_queued) == 0)
        return;
    struct timespec until = s_deadline_us(LIVE_YIELD_MAX_US);
    pthread_mutex_lock(&l->lock);
    l->yielding = 1;
    /* Woken by bole_live_writes_idle, by each commit's notify, or by stop. */
    while (!l->stop && atomic_load(&l->daemon->writes_queued) > 0)
        if (pthread_cond_timedwait(&l->wake, &l->lock, &until) != 0)
            break;
    l->yielding = 0;
    pthread_mutex_unlock(&l->lock);
}

/* Processes changes[0, n): plans without locks, then one short transaction
 * (which moves the stored cursor to cursor_to, unless 0), then publishes.
 * Returns the transaction's status: BOLE_UNAVAILABLE when the write lock
 * stayed busy. */
static bole_status_t s_run_chunk(bole_live_t *l, const change_t *changes, size_t n,
                                 uint64_t cursor_to)
{
    char err[512] = "";
    bole_models_t *models = bole_models_acquire(l->daemon);
    if (!models)
        return BOLE_UNAVAILABLE;
    bole_status_t st = BOLE_OK;
    plan_t *plans = bole_arena_array(&l->arena, n ? n : 1, sizeof *plans);
    if (!plans) {
        snprintf(err, sizeof err, "out of memory");
        st = BOLE_INTERNAL;
    }
    for (size_t i = 0; i < n && st == BOLE_OK; i++)
        st = s_plan(l, models, changes[i].entity, changes[i].id, changes[i].deleted, &plans[i],
                    err, sizeof err);
    int64_t today = bole_now_ms() / DAY_MS;
    if (today != l->expo_day) {
        s_expo_clear(l);
        l->expo_day = today;
    }
    for (size_t i = 0; i < n && st == BOLE_OK; i++) {
        /* A delete then a put of one record (coalesced): all its pairs are
         * withdrawn just before its match. */
        plans[i].fresh = i > 0 && changes[i - 1].deleted && !changes[i].deleted &&
                         changes[i - 1].entity == changes[i].entity &&
                         changes[i - 1].id == changes[i].id;
        st = s_explain_ahead(l, models, &plans[i], today, err, sizeof err);
    }
    /* Inside the transaction the caps are judged on the stored counts. */
    s_expo_undo(l);
    s_yield_to_writer(l);
    /* A long write batch may hold the lock past the busy timeout: wait on. */
    for (int tries = 0; st == BOLE_OK; tries++) {
        st = bole_store_live_begin(l->store, err, sizeof err);
        if (st != BOLE_UNAVAILABLE || l->stop || tries == 5)
            break;
        st = BOLE_OK; /* Busy: try again. */
    }
    if (st == BOLE_OK && today > l->pruned_day) {
        st = bole_store_live_prune_exposure(l->store, today, err, sizeof err);
        if (st == BOLE_OK)
            l->pruned_day = today;
    }
    for (size_t i = 0; i < n && st == BOLE_OK; i++)
        st = s_apply_plan(l, models, &changes[i], &plans[i], today, err, sizeof err);
    if (st == BOLE_OK && cursor_to)
        st = bole_store_live_set_cursor(l->store, cursor_to, err, sizeof err);
    if (st == BOLE_OK)
        st = bole_store_live_commit(l->store, err, sizeof err);
    else
        bole_store_live_rollback(l->store);
    if (st == BOLE_OK) {
        s_publish_all(l);
    } else {
        /* Nothing of the chunk is stored, so nothing is published. */
        s_expo_clear(l);
        log_error("live matcher: %zu change(s) not announced%s: %s", n,
                  st == BOLE_UNAVAILABLE ? " yet (tried again)" : "", err);
        l->out = NULL;
        l->out_tail = &l->out;
    }
    bole_models_release(l->daemon, &models);
    bole_arena_reset(&l->arena);
    return st;
}

/* Works out changes[0, n) chunk by chunk; the last chunk's transaction
 * stores cursor_to (0: leave the cursor). Another failure than a busy lock
 * loses that chunk's announcements (logged) and goes on. Returns
 * BOLE_UNAVAILABLE (busy, or stopping) when the cursor did not move: the
 * caller tries the window again, and pairs already announced by its first
 * chunks are then found in live_pairs and not announced twice. */
static bole_status_t s_run_changes(bole_live_t *l, const change_t *changes, size_t n,
                                   uint64_t cursor_to)
{
    for (size_t from = 0; from < n || (from == 0 && cursor_to); from += CHUNK) {
        if (l->stop)
            return BOLE_UNAVAILABLE;
        size_t m = n - from < CHUNK ? n - from : CHUNK;
        int last = from + m >= n;
        bole_status_t st = s_run_chunk(l, changes + from, m, last ? cursor_to : 0);
        if (st == BOLE_UNAVAILABLE)
            return st;
        if (st != BOLE_OK && last && cursor_to) {
            char err[512];
            st = bole_store_live_begin(l->store, err, sizeof err);
            if (st == BOLE_OK)
                st = bole_store_live_set_cursor(l->store, cursor_to, err, sizeof err);
            if (st == BOLE_OK)
                st = bole_store_live_commit(l->store, err, sizeof err);
            else
                bole_store_live_rollback(l->store);
            if (st != BOLE_OK)
                return BOLE_UNAVAILABLE;
        }
        if (last)
            break;
    }
    return BOLE_OK;
}

/* ---- reading and coalescing the change log ----------------------------------
 * A window is up to WINDOW change-log rows after the cursor, up to the last
 * change the catalog already holds. Rows of one record add up to one change
 * (a put or a delete), or to a delete then a put when a delete came before
 * its last put: a record put many times before the matcher got to it is
 * matched once, with what the catalog holds now. */

typedef struct {
    bole_live_t *l;
    uint64_t upto;              /* Last seq to take. */
    uint64_t end;               /* Last seq taken. */
    size_t rows, n;             /* Rows read; records. */
} window_t;

static int32_t *s_slot(bole_live_t *l, bole_entity_t entity, int64_t id)
{
    size_t mask = 4 * WINDOW - 1;
    uint64_t key = (uint64_t)id * 2 + (entity == BOLE_ENTITY_NEED);
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 32) & mask;
    while (l->slots[i]) {
        const record_t *r = &l->records[l->slots[i] - 1];
        if (r->id == id && r->entity == entity)
            break;
        i = (i + 1) & mask;
    }
    return &l->slots[i];
}

static int s_take_row(void *ctx, const bole_store_change_t *c)
{
    window_t *w = ctx;
    if (c->seq > w->upto || w->rows == WINDOW)
        return 1;
    w->rows++;
    w->end = c->seq;
    if (c->entity != BOLE_ENTITY_TALENT && c->entity != BOLE_ENTITY_NEED)
        return 0;
    bole_live_t *l = w->l;
    int32_t *slot = s_slot(l, c->entity, c->id);
    if (!*slot) {
        l->records[w->n] = (record_t){.entity = c->entity, .id = c->id};
        *slot = (int32_t)++w->n;
    }
    record_t *r = &l->records[*slot - 1];
    if (c->deleted)
        r->deleted_seen = 1;
    r->put_last = !c->deleted;
    return 0;
}

/* Reads the next window into l->changes; *end gets its last seq (the
 * cursor once it is done). */
static bole_status_t s_read_window(bole_live_t *l, uint64_t upto, size_t *n_changes,
                                   uint64_t *end, size_t *rows, char *err, size_t errlen)
{
    window_t w = {.l = l, .upto = upto, .end = l->cursor};
    memset(l->slots, 0, 4 * WINDOW * sizeof *l->slots);
    bole_status_t st = bole_store_changes(l->store, l->cursor, s_take_row, &w, err, errlen);
    if (st != BOLE_OK)
        return st;
    size_t n = 0;
    for (size_t i = 0; i < w.n; i++) {
        const record_t *r = &l->records[i];
        if (r->deleted_seen)
            l->changes[n++] = (change_t){r->entity, r->id, 1};
        if (r->put_last)
            l->changes[n++] = (change_t){r->entity, r->id, 0};
    }
    *n_changes = n;
    *end = w.end;
    *rows = w.rows;
    return BOLE_OK;
}

static void s_pause(bole_live_t *l, int ms)
{
    struct timespec until = s_deadline_us((long)ms * 1000L);
    pthread_mutex_lock(&l->lock);
    if (!l->stop)
        pthread_cond_timedwait(&l->wake, &l->lock, &until);
    pthread_mutex_unlock(&l->lock);
}

static void *s_main(void *arg)
{
    bole_live_t *l = arg;
    bole_thread_name("bole-live");
    /* Matching is background work: request handling comes first. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), NICE) != 0)
        log_debug("live matcher: cannot lower its priority");
    if (l->n_legacy && s_run_changes(l, l->legacy, l->n_legacy, 0) != BOLE_OK)
        log_error("live matcher: %zu change(s) saved by an older version not announced",
                  l->n_legacy);
    size_t backlog = 0, matched = 0; /* Since the matcher was last idle. */
    uint64_t busy_since = 0;
    for (;;) {
        pthread_mutex_lock(&l->lock);
        while (!l->stop && (l->paused || l->ready_seq <= l->cursor))
            pthread_cond_wait(&l->wake, &l->lock);
        uint64_t upto = l->ready_seq;
        pthread_mutex_unlock(&l->lock);
        if (l->stop)
            break;
        if (backlog == 0)
            busy_since = bole_monotonic_us();
        char err[512];
        size_t n = 0, rows = 0;
        uint64_t end = 0;
        bole_status_t st = s_read_window(l, upto, &n, &end, &rows, err, sizeof err);
        if (st != BOLE_OK) {
            log_error("live matcher: cannot read the change log: %s", err);
            s_pause(l, RETRY_MS);
            continue;
        }
        if (rows == 0) {
            /* Cannot happen (notify follows the commit); never spin on it. */
            log_warn("live matcher: no change-log rows after %llu up to %llu",
                     (unsigned long long)l->cursor, (unsigned long long)upto);
            end = upto;
        }
        if (s_run_changes(l, l->changes, n, end) != BOLE_OK) {
            s_pause(l, RETRY_MS); /* The same window again (or stopping). */
            continue;
        }
        l->cursor = end;
        backlog += rows;
        matched += n;
        pthread_mutex_lock(&l->lock);
        int idle = l->ready_seq <= l->cursor;
        pthread_mutex_unlock(&l->lock);
        if (idle) {
            if (backlog >= BACKLOG_LOG) {
                double s = (double)(bole_monotonic_us() - busy_since) / 1e6;
                log_info("live matcher: caught up, %zu changes (%zu after coalescing) in "
                         "%.1f s, %.0f changes/s", backlog, matched, s,
                         s > 0 ? (double)backlog / s : 0.0);
            }
            backlog = matched = 0;
        }
    }
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------- */

static int s_take_pending(void *ctx, const bole_store_live_pending_t *item)
{
    bole_live_t *l = ctx;
    change_t *grown = realloc(l->legacy, (l->n_legacy + 1) * sizeof *grown);
    if (!grown)
        return 1;
    l->legacy = grown;
    l->legacy[l->n_legacy++] = (change_t){item->entity, item->id, item->deleted};
    return 0;
}

static void s_free(bole_live_t *l)
{
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    bole_store_close(&l->store);
    bole_arena_free(&l->arena);
    free(l->legacy);
    free(l->records);
    free(l->slots);
    free(l->changes);
    free(l->expo);
    free(l);
}

int bole_live_start(bole_daemon_t *daemon, char *err, size_t errlen)
{
    bole_live_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->daemon = daemon;
    l->out_tail = &l->out;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    bole_arena_init(&l->arena, ARENA_LIMIT);
    const char *paused = getenv("BOLE_TEST_LIVE_PAUSED");
    l->paused = paused && *paused && strcmp(paused, "0") != 0;
    l->records = calloc(WINDOW, sizeof *l->records);
    l->slots = calloc(4 * WINDOW, sizeof *l->slots);
    l->changes = calloc(2 * WINDOW, sizeof *l->changes);
    if (!l->records || !l->slots || !l->changes) {
        snprintf(err, errlen, "out of memory");
        s_free(l);
        return -1;
    }
    bole_store_options_t options = {
        .synchronous_full = strcmp(daemon->config.synchronous, "full") == 0,
    };
    char why[512];
    if (bole_store_open(&l->store, daemon->config.db, &options, why, sizeof why) != BOLE_OK) {
        snprintf(err, errlen, "live matcher: %s", why);
        s_free(l);
        return -1;
    }
    if (bole_store_live_cursor(l->store, &l->cursor, why, sizeof why) != BOLE_OK ||
        bole_store_live_take_pending(l->store, s_take_pending, l, why, sizeof why) != BOLE_OK) {
        snprintf(err, errlen, "live matcher: cannot read its cursor or saved queue: %s", why);
        s_free(l);
        return -1;
    }
    /* Everything committed so far is in the catalog (bole_state_open). */
    l->ready_seq = bole_store_last_seq(l->store);
    if (pthread_create(&l->thread, NULL, s_main, l) != 0) {
        snprintf(err, errlen, "cannot start the live matcher thread");
        s_free(l);
        return -1;
    }
    l->started = 1;
    daemon->live = l;
    if (l->ready_seq > l->cursor || l->n_legacy)
        log_info("live matcher: %llu change-log row(s) after its cursor%s%s, matched again",
                 (unsigned long long)(l->ready_seq - l->cursor), l->paused ? " (paused)" : "",
                 l->n_legacy ? " and a queue saved by an older version" : "");
    else if (l->paused)
        log_info("live matcher: paused (BOLE_TEST_LIVE_PAUSED)");
    return 0;
}

void bole_live_notify(bole_daemon_t *daemon, uint64_t seq)
{
    bole_live_t *l = daemon->live;
    if (!l || !seq)
        return;
    pthread_mutex_lock(&l->lock);
    if (seq > l->ready_seq) {
        l->ready_seq = seq;
        pthread_cond_signal(&l->wake);
    }
    pthread_mutex_unlock(&l->lock);
}

void bole_live_writes_idle(bole_daemon_t *daemon)
{
    bole_live_t *l = daemon->live;
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    if (l->yielding)
        pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

void bole_live_stop(bole_daemon_t *daemon)
{
    bole_live_t *l = daemon ? daemon->live : NULL;
    if (!l)
        return;
    daemon->live = NULL;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    if (l->started)
        pthread_join(l->thread, NULL);
    log_info("live matcher stopped: %llu announced (%llu explained inside a transaction), "
             "%llu withdrawn, %llu held back by caps", (unsigned long long)l->announced,
             (unsigned long long)l->explained_late, (unsigned long long)l->withdrawn,
             (unsigned long long)l->capped);
    s_free(l);
}

/* ---- MatchesSince ----------------------------------------------------------- */

static void *s_pb_alloc(void *data, size_t size) { return bole_arena_alloc(data, size); }
static void s_pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr; /* Arena memory: freed with the request. */
}

typedef struct {
    bole_call_t *call;
    ProtobufCAllocator alloc;
    Bole__Event **events;
    size_t n, limit;
    int more;
    int bad;
    uint64_t scanned;           /* Highest seq returned or hidden by zone scope. */
} since_t;

static int s_since_one(void *ctx, uint64_t seq, const char *topic, const void *blob, size_t len)
{
    since_t *s = ctx;
    if (s->n == s->limit) {
        s->more = 1;
        return 1;
    }
    Bole__Event *ev = bole__event__unpack(&s->alloc, len, blob);
    char *t = bole_arena_strdup(s->call->arena, topic);
    if (!ev || !t) {
        s->bad = 1;
        return 1;
    }
    s->scanned = seq;
    if (!bole_scope_event_visible(s->call, ev))
        return 0; /* Another zone's pair: skipped, and last_seq moves past it. */
    ev->seq = seq;
    ev->topic = t;
    s->events[s->n++] = ev;
    return 0;
}

bole_status_t bole_handle_matches_since(bole_call_t *call)
{
    const Bole__MatchesSinceRequest *r = call->request->matches_since;
    size_t limit = r->limit ? r->limit : DEFAULT_LIMIT;
    if (limit > MAX_LIMIT) {
        snprintf(call->err, call->errlen, "limit: at most %d (got %u)", MAX_LIMIT, r->limit);
        return BOLE_INVALID_ARGUMENT;
    }
    if (r->n_topic_prefixes > MAX_PREFIXES) {
        snprintf(call->err, call->errlen, "topic_prefixes: at most %d (got %zu)", MAX_PREFIXES,
                 r->n_topic_prefixes);
        return BOLE_INVALID_ARGUMENT;
    }
    since_t s = {
        .call = call,
        .alloc = {s_pb_alloc, s_pb_free, call->arena},
        .limit = limit,
    };
    s.events = bole_arena_array(call->arena, limit, sizeof *s.events);
    Bole__MatchesSinceResponse *resp = ARENA_NEW(call->arena, Bole__MatchesSinceResponse);
    if (!s.events || !resp)
        return BOLE_INTERNAL;
    bole_status_t st = bole_store_live_since(call->store, r->since_seq, r->topic_prefixes,
                                             r->n_topic_prefixes, s_since_one, &s, call->err,
                                             call->errlen);
    if (st != BOLE_OK)
        return st;
    if (s.bad) {
        snprintf(call->err, call->errlen, "a stored event cannot be decoded (or out of memory)");
        return BOLE_INTERNAL;
    }
    bole__matches_since_response__init(resp);
    resp->events = s.events;
    resp->n_events = s.n;
    resp->last_seq = s.scanned > r->since_seq ? s.scanned : r->since_seq;
    resp->more = s.more;
    call->response->body_case = BOLE__RESPONSE__BODY_MATCHES_SINCE;
    call->response->matches_since = resp;
    return BOLE_OK;
}
