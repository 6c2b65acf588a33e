/*
 * feedback.c - outcome tracking: the feature logger (pairs served by match
 * answers, with their feature values, queued in memory and written by a
 * logger thread on its own connection), Feedback, RecordFeedback,
 * FeedbackStats and ExportOutcomes (docs/OUTCOMES.md).
 *
 * The queue holds at most QUEUE_CAP pairs, an answer's pairs next to each
 * other; the logger writes each answer as one feature log row
 * (store_feedback.c). When the logger falls behind, further answers are
 * dropped and their pairs counted (serving never waits for the disk).
 * An outcome whose request id is not (yet) in the feature log is still
 * stored, and reported back in unknown_request_ids; pairs still queued in
 * memory count as known.
 */
#define _POSIX_C_SOURCE 200809L
#include "feedback.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "award.h"
#include "handlers.h"
#include "log.h"
#include "rank.h"
#include "scope.h"
#include "validate.h"

#define QUEUE_CAP      8192
#define FLUSH_AT       2048       /* Wake the logger at this many queued pairs (~100 answers). */
#define FLUSH_MS       100        /* Or after this long. */
#define MAX_EVENTS     10000
#define MAX_FEATURES   16
#define DEFAULT_EXPORT 1000
#define MAX_EXPORT     10000
#define SYNC_MS        2000       /* Reads of the log wait this long for the queue. */

typedef struct {
    char request_id[40];
    char weights_version[64];
    char talent_id[BOLE_MAX_ID_BYTES + 1];
    char need_id[BOLE_MAX_ID_BYTES + 1];
    int source;
    uint32_t position;
    float score;
    float features[MAX_FEATURES];
    size_t n_features;
    int64_t at;
} pair_t;

struct bole_feedback_logger {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t written;     /* Broadcast after each write (sync waits on it). */
    pthread_t thread;
    pair_t *queue;              /* Filled by servers. */
    size_t n_queue;
    pair_t *flushing;           /* Being written by the logger. */
    size_t n_flushing;
    int stopping;
    uint64_t dropped;
    uint64_t queued_total;      /* Pairs ever queued ... */
    uint64_t written_total;     /* ... and ever written (or failed): sync compares them. */
    bole_store_t *store;        /* The logger's own connection. */
};

static uint64_t s_counter;      /* Request id counter (per process). */

char *bole_feedback_request_id(bole_daemon_t *d, bole_arena_t *arena)
{
    uint64_t n = __atomic_add_fetch(&s_counter, 1, __ATOMIC_RELAXED);
    return bole_arena_printf(arena, "%" PRIx64 "-%" PRIx64, (uint64_t)d->started_ms, n);
}

void bole_feedback_log_answer(bole_daemon_t *d, const char *request_id, int source,
                              const char *weights_version, const bole_feedback_pair_t *pairs,
                              size_t n)
{
    struct bole_feedback_logger *l = d->feedback_logger;
    if (!l || n == 0)
        return;
    int64_t at = bole_now_ms(); /* One serve time per answer: one row. */
    pthread_mutex_lock(&l->lock);
    if (l->stopping || n > QUEUE_CAP - l->n_queue) {
        l->dropped += n;
        pthread_mutex_unlock(&l->lock);
        return;
    }
    size_t before = l->n_queue;
    for (size_t i = 0; i < n; i++) {
        const bole_feedback_pair_t *q = &pairs[i];
        pair_t *p = &l->queue[l->n_queue++];
        snprintf(p->request_id, sizeof p->request_id, "%s", request_id);
        snprintf(p->weights_version, sizeof p->weights_version, "%s", weights_version);
        snprintf(p->talent_id, sizeof p->talent_id, "%s", q->talent_id);
        snprintf(p->need_id, sizeof p->need_id, "%s", q->need_id);
        p->source = source;
        p->position = q->position;
        p->score = q->score;
        p->n_features = q->n_features < MAX_FEATURES ? q->n_features : MAX_FEATURES;
        memcpy(p->features, q->features, p->n_features * sizeof(float));
        p->at = at;
    }
    l->queued_total += n;
    if (before < FLUSH_AT && l->n_queue >= FLUSH_AT)
        pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

static void s_write(struct bole_feedback_logger *l, const pair_t *pairs, size_t n)
{
    bole_store_served_t *rows = calloc(n ? n : 1, sizeof *rows);
    char err[256];
    if (!rows) {
        log_error("feature log: out of memory, %zu pairs lost", n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = (bole_store_served_t){pairs[i].request_id, pairs[i].source,
                                        pairs[i].weights_version, pairs[i].talent_id,
                                        pairs[i].need_id, pairs[i].position, pairs[i].score,
                                        pairs[i].features, pairs[i].n_features, pairs[i].at};
    if (bole_store_feature_log_insert(l->store, rows, n, err, sizeof err) != BOLE_OK)
        log_error("feature log: %zu pairs not written: %s", n, err);
    free(rows);
}

static void *s_logger(void *arg)
{
    struct bole_feedback_logger *l = arg;
    bole_thread_name("bole-featlog");
    pthread_mutex_lock(&l->lock);
    for (;;) {
        if (l->n_queue == 0 && !l->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += FLUSH_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&l->wake, &l->lock, &ts);
        }
        if (l->n_queue == 0 && l->stopping)
            break;
        if (l->n_queue == 0)
            continue;
        pair_t *t = l->flushing; /* Swap buffers: servers go on filling the other. */
        l->flushing = l->queue;
        l->n_flushing = l->n_queue;
        l->queue = t;
        l->n_queue = 0;
        pthread_mutex_unlock(&l->lock);
        s_write(l, l->flushing, l->n_flushing);
        pthread_mutex_lock(&l->lock);
        l->written_total += l->n_flushing;
        l->n_flushing = 0;
        pthread_cond_broadcast(&l->written);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

int bole_feedback_logger_start(bole_daemon_t *d, char *err, size_t errlen)
{
    struct bole_feedback_logger *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "feature logger: out of memory");
        return -1;
    }
    l->queue = calloc(QUEUE_CAP, sizeof *l->queue);
    l->flushing = calloc(QUEUE_CAP, sizeof *l->flushing);
    bole_store_options_t opt = {0};
    if (!l->queue || !l->flushing ||
        bole_store_open(&l->store, d->config.db, &opt, err, errlen) != BOLE_OK) {
        if (!l->queue || !l->flushing)
            snprintf(err, errlen, "feature logger: out of memory");
        free(l->queue);
        free(l->flushing);
        free(l);
        return -1;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->written, NULL);
    if (pthread_create(&l->thread, NULL, s_logger, l) != 0) {
        snprintf(err, errlen, "feature logger: cannot start its thread");
        bole_store_close(&l->store);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->wake);
        pthread_cond_destroy(&l->written);
        free(l->queue);
        free(l->flushing);
        free(l);
        return -1;
    }
    d->feedback_logger = l;
    return 0;
}

void bole_feedback_logger_stop(bole_daemon_t *d)
{
    struct bole_feedback_logger *l = d->feedback_logger;
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    if (l->dropped)
        log_warn("feature log: %" PRIu64 " served pairs were dropped (queue full)", l->dropped);
    d->feedback_logger = NULL;
    bole_store_close(&l->store);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->written);
    free(l->queue);
    free(l->flushing);
    free(l);
}

int bole_feedback_logger_sync(bole_daemon_t *d, int timeout_ms)
{
    struct bole_feedback_logger *l = d->feedback_logger;
    if (!l)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&l->lock);
    uint64_t target = l->queued_total;
    pthread_cond_signal(&l->wake); /* Do not wait for the FLUSH_MS tick. */
    int rc = 0;
    while (l->written_total < target && !l->stopping && rc == 0)
        rc = pthread_cond_timedwait(&l->written, &l->lock, &until);
    int done = l->written_total >= target;
    pthread_mutex_unlock(&l->lock);
    return done ? 0 : -1;
}

/* 1 if the pair (or, with talent NULL, the request) is still queued in memory. */
static int s_queued(bole_daemon_t *d, const char *request_id, const char *talent,
                    const char *need)
{
    struct bole_feedback_logger *l = d->feedback_logger;
    int hit = 0;
    if (!l)
        return 0;
    pthread_mutex_lock(&l->lock);
    for (int b = 0; b < 2 && !hit; b++) {
        const pair_t *q = b ? l->flushing : l->queue;
        size_t n = b ? l->n_flushing : l->n_queue;
        for (size_t i = 0; i < n && !hit; i++)
            hit = strcmp(q[i].request_id, request_id) == 0 &&
                  (!talent || (strcmp(q[i].talent_id, talent) == 0 &&
                               strcmp(q[i].need_id, need) == 0));
    }
    pthread_mutex_unlock(&l->lock);
    return hit;
}

/* ---- handlers ---------------------------------------------------------------- */

static int s_kind_ok(int kind)
{
    return kind >= BOLE__FEEDBACK_KIND__FEEDBACK_IMPRESSION &&
           kind <= BOLE__FEEDBACK_KIND__FEEDBACK_SHORTLIST;
}

/* Validates one event; "what" names it in the message. */
static bole_status_t s_check_event(bole_call_t *call, const char *request_id,
                                   const char *talent_id, const char *need_id, int kind,
                                   const char *actor, int64_t at, const char *what)
{
    char field[64];
    bole_status_t st;
    snprintf(field, sizeof field, "%s.talent_id", what);
    if ((st = bole_validate_id(talent_id, field, call->err, call->errlen)))
        return st;
    snprintf(field, sizeof field, "%s.need_id", what);
    if ((st = bole_validate_id(need_id, field, call->err, call->errlen)))
        return st;
    if (request_id && request_id[0] && strlen(request_id) >= 40) {
        snprintf(call->err, call->errlen, "%s.request_id: at most 39 bytes", what);
        return BOLE_INVALID_ARGUMENT;
    }
    if (!s_kind_ok(kind)) {
        snprintf(call->err, call->errlen, "%s.kind: required", what);
        return BOLE_INVALID_ARGUMENT;
    }
    if (actor && strlen(actor) > BOLE_MAX_ID_BYTES) {
        snprintf(call->err, call->errlen, "%s.actor: at most %d bytes", what, BOLE_MAX_ID_BYTES);
        return BOLE_INVALID_ARGUMENT;
    }
    if (at < 0) {
        snprintf(call->err, call->errlen, "%s.at: must not be negative", what);
        return BOLE_INVALID_ARGUMENT;
    }
    /* Outcomes of a pair belong to both sides' zones. */
    if ((st = bole_scope_talent(call, talent_id)) != BOLE_OK)
        return st;
    return bole_scope_need(call, need_id);
}

static bole_status_t s_store_event(bole_call_t *call, const char *request_id,
                                   const char *talent_id, const char *need_id, uint32_t position,
                                   int kind, const char *actor, int64_t at, int *joined,
                                   uint64_t *seq)
{
    *joined = 0;
    if (request_id && request_id[0]) {
        bole_status_t st = bole_store_feature_log_find(call->store, request_id, talent_id,
                                                       need_id, joined, call->err,
                                                       call->errlen);
        if (st != BOLE_OK)
            return st;
        if (!*joined)
            *joined = s_queued(call->daemon, request_id, talent_id, need_id);
    }
    bole_store_feedback_t f = {request_id, talent_id, need_id, position, kind, actor,
                               at ? at : bole_now_ms(), *joined};
    return bole_store_feedback_insert(call->store, &f, seq, call->err, call->errlen);
}

bole_status_t bole_handle_feedback(bole_call_t *call)
{
    const Bole__FeedbackRequest *q = call->request->feedback;
    bole_status_t st = s_check_event(call, q->request_id, q->talent_id, q->need_id, (int)q->kind,
                                     q->actor, q->at, "feedback");
    if (st != BOLE_OK)
        return st;
    int joined;
    uint64_t seq;
    st = s_store_event(call, q->request_id, q->talent_id, q->need_id, q->position, (int)q->kind,
                       q->actor, q->at, &joined, &seq);
    if (st != BOLE_OK)
        return st;
    Bole__FeedbackResponse *resp = ARENA_NEW(call->arena, Bole__FeedbackResponse);
    if (!resp)
        return BOLE_INTERNAL;
    bole__feedback_response__init(resp);
    resp->seq = seq;
    call->response->body_case = BOLE__RESPONSE__BODY_FEEDBACK;
    call->response->feedback = resp;
    return BOLE_OK;
}

bole_status_t bole_handle_record_feedback(bole_call_t *call)
{
    const Bole__RecordFeedbackRequest *q = call->request->record_feedback;
    if (q->n_events == 0 || q->n_events > MAX_EVENTS) {
        snprintf(call->err, call->errlen, "record_feedback.events: 1-%d events (got %zu)",
                 MAX_EVENTS, q->n_events);
        return BOLE_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < q->n_events; i++) {
        const Bole__FeedbackEvent *e = q->events[i];
        char what[48];
        snprintf(what, sizeof what, "record_feedback.events[%zu]", i);
        bole_status_t st = s_check_event(call, e->request_id, e->talent_id, e->need_id,
                                         (int)e->kind, e->actor, e->at, what);
        if (st != BOLE_OK)
            return st; /* All or nothing: nothing stored yet. */
    }
    Bole__RecordFeedbackResponse *resp = ARENA_NEW(call->arena, Bole__RecordFeedbackResponse);
    char **unknown = bole_arena_array(call->arena, q->n_events, sizeof *unknown);
    if (!resp || !unknown)
        return BOLE_INTERNAL;
    bole__record_feedback_response__init(resp);
    resp->unknown_request_ids = unknown;
    for (size_t i = 0; i < q->n_events; i++) {
        const Bole__FeedbackEvent *e = q->events[i];
        int joined;
        uint64_t seq;
        bole_status_t st = s_store_event(call, e->request_id, e->talent_id, e->need_id,
                                         e->position, (int)e->kind, e->actor, e->at, &joined,
                                         &seq);
        if (st != BOLE_OK)
            return st;
        resp->recorded++;
        resp->joined += joined != 0;
        resp->last_seq = seq;
        if (!joined) {
            const char *rid = e->request_id[0] ? e->request_id : "";
            int seen = 0;
            for (size_t j = 0; j < resp->n_unknown_request_ids && !seen; j++)
                seen = strcmp(unknown[j], rid) == 0;
            if (!seen)
                unknown[resp->n_unknown_request_ids++] = (char *)rid;
        }
    }
    call->response->body_case = BOLE__RESPONSE__BODY_RECORD_FEEDBACK;
    call->response->record_feedback = resp;
    return BOLE_OK;
}

typedef struct {
    bole_arena_t *arena;
    void **rows;
    size_t n, cap;
} list_t;

static int s_push(list_t *l, void *row)
{
    if (!row)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void **rows = bole_arena_array(l->arena, cap, sizeof *rows);
        if (!rows)
            return -1;
        if (l->n)
            memcpy(rows, l->rows, l->n * sizeof *rows);
        l->rows = rows;
        l->cap = cap;
    }
    l->rows[l->n++] = row;
    return 0;
}

static int s_funnel_row(void *ctx, const bole_store_funnel_t *f)
{
    list_t *l = ctx;
    Bole__FunnelRow *r = ARENA_NEW(l->arena, Bole__FunnelRow);
    if (!r)
        return -1;
    bole__funnel_row__init(r);
    r->source = (Bole__FeedbackSource)f->source;
    r->weights_version = bole_arena_strdup(l->arena, f->weights_version);
    r->served = f->served;
    r->impressions = f->impressions;
    r->clicks = f->clicks;
    r->applies = f->applies;
    r->interviews = f->interviews;
    r->hires = f->hires;
    return r->weights_version ? s_push(l, r) : -1;
}

bole_status_t bole_handle_feedback_stats(bole_call_t *call)
{
    const Bole__FeedbackStatsRequest *q = call->request->feedback_stats;
    int64_t from, to;
    if (bole_award_period_range(q->period, &from, &to) != 0) {
        snprintf(call->err, call->errlen, "feedback_stats.period: expected '', 'YYYY', "
                 "'YYYY-Qn' or 'YYYY-MM', got '%s'", q->period);
        return BOLE_INVALID_ARGUMENT;
    }
    /* Served pairs are logged asynchronously: count the ones queued so far. */
    if (bole_feedback_logger_sync(call->daemon, SYNC_MS) != 0)
        log_warn("feedback_stats: the feature logger is behind; answering without its queue");
    list_t l = {.arena = call->arena};
    bole_status_t st = bole_store_feedback_funnel(call->store, from, to, (int)q->source,
                                                  s_funnel_row, &l, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__FeedbackStatsResponse *resp = ARENA_NEW(call->arena, Bole__FeedbackStatsResponse);
    if (!resp)
        return BOLE_INTERNAL;
    bole__feedback_stats_response__init(resp);
    resp->rows = (Bole__FunnelRow **)l.rows;
    resp->n_rows = l.n;
    call->response->body_case = BOLE__RESPONSE__BODY_FEEDBACK_STATS;
    call->response->feedback_stats = resp;
    return BOLE_OK;
}

static int s_outcome_row(void *ctx, const bole_store_outcome_t *o)
{
    list_t *l = ctx;
    bole_arena_t *a = l->arena;
    Bole__OutcomeRow *r = ARENA_NEW(a, Bole__OutcomeRow);
    Bole__Contribution **fs = bole_arena_array(a, o->served.n_features + 1, sizeof *fs);
    if (!r || !fs)
        return -1;
    bole__outcome_row__init(r);
    r->seq = o->seq;
    r->talent_id = bole_arena_strdup(a, o->served.talent_id);
    r->need_id = bole_arena_strdup(a, o->served.need_id);
    r->request_id = bole_arena_strdup(a, o->served.request_id);
    r->weights_version = bole_arena_strdup(a, o->served.weights_version);
    r->source = (Bole__FeedbackSource)o->served.source;
    r->position = o->served.position;
    r->score = o->served.score;
    r->outcome = (Bole__FeedbackKind)o->outcome;
    r->at = o->served.at;
    for (size_t i = 0; i < o->served.n_features; i++) {
        Bole__Contribution *c = ARENA_NEW(a, Bole__Contribution);
        if (!c)
            return -1;
        bole__contribution__init(c);
        const char *name = bole_rank_feature_name((int)i);
        c->feature = (char *)(name ? name : "");
        c->value = o->served.features[i];
        fs[i] = c;
    }
    r->features = fs;
    r->n_features = o->served.n_features;
    return r->talent_id && r->need_id && r->request_id && r->weights_version ? s_push(l, r) : -1;
}

bole_status_t bole_handle_export_outcomes(bole_call_t *call)
{
    const Bole__ExportOutcomesRequest *q = call->request->export_outcomes;
    uint32_t limit = q->limit ? q->limit : DEFAULT_EXPORT;
    if (limit > MAX_EXPORT || q->from < 0 || q->to < 0 || (q->to && q->to <= q->from)) {
        snprintf(call->err, call->errlen, "export_outcomes: limit at most %d, 0 <= from < to",
                 MAX_EXPORT);
        return BOLE_INVALID_ARGUMENT;
    }
    if (bole_feedback_logger_sync(call->daemon, SYNC_MS) != 0)
        log_warn("export_outcomes: the feature logger is behind; answering without its queue");
    list_t l = {.arena = call->arena};
    bole_status_t st = bole_store_outcomes(call->store, q->from, q->to ? q->to : INT64_MAX,
                                           q->after_seq, limit + 1, s_outcome_row, &l, call->err,
                                           call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__ExportOutcomesResponse *resp = ARENA_NEW(call->arena, Bole__ExportOutcomesResponse);
    if (!resp)
        return BOLE_INTERNAL;
    bole__export_outcomes_response__init(resp);
    resp->more = l.n > limit;
    resp->n_rows = l.n > limit ? limit : l.n;
    resp->rows = (Bole__OutcomeRow **)l.rows;
    resp->last_seq = resp->n_rows ? resp->rows[resp->n_rows - 1]->seq : q->after_seq;
    call->response->body_case = BOLE__RESPONSE__BODY_EXPORT_OUTCOMES;
    call->response->export_outcomes = resp;
    return BOLE_OK;
}

void bole_feedback_forget_talent(bole_daemon_t *d, const char *talent_id)
{
    struct bole_feedback_logger *l = d->feedback_logger;
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    size_t kept = 0;
    for (size_t i = 0; i < l->n_queue; i++)
        if (strcmp(l->queue[i].talent_id, talent_id) != 0)
            l->queue[kept++] = l->queue[i];
    l->written_total += l->n_queue - kept; /* Settled: sync must not wait for them. */
    l->n_queue = kept;
    pthread_mutex_unlock(&l->lock);
    /* A flush already under way may still write the talent: wait for it to
     * end (milliseconds), so the caller's pseudonymisation pass comes after. */
    for (;;) {
        pthread_mutex_lock(&l->lock);
        size_t busy = l->n_flushing;
        pthread_mutex_unlock(&l->lock);
        if (!busy)
            break;
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    }
}
