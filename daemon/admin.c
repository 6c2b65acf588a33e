/*
 * admin.c - health, stats and model reload handlers.
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <sqlite3.h>

#include "handlers.h"
#include "log.h"
#include "model.h"
#include "weights.h"
#include "protocol.h"
#include "state.h"

#include <stdio.h>
#include <unistd.h>

static uint64_t s_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long pages_total = 0, pages_resident = 0;
    int n = fscanf(f, "%lu %lu", &pages_total, &pages_resident);
    fclose(f);
    if (n != 2)
        return 0;
    return (uint64_t)pages_resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

bole_status_t bole_handle_health(bole_call_t *call)
{
    bole_daemon_t *d = call->daemon;
    Bole__HealthResponse *h = ARENA_NEW(call->arena, Bole__HealthResponse);
    if (!h)
        return BOLE_INTERNAL;
    bole__health_response__init(h);
    h->status = d->draining ? "DRAINING" : "SERVING";
    h->version = BOLE_VERSION;
    h->uptime_ms = bole_now_ms() - d->started_ms;
    h->faiss_build = BOLE_FAISS_BUILDINFO;
    h->model_version = call->models ? (char *)bole_model_version(call->models->model) : "";
    h->api_version = BOLE__API_VERSION__API_VERSION_1;
    call->response->body_case = BOLE__RESPONSE__BODY_HEALTH;
    call->response->health = h;
    return BOLE_OK;
}

bole_status_t bole_handle_stats(bole_call_t *call)
{
    bole_daemon_t *d = call->daemon;
    bole_store_counts_t counts;
    bole_status_t st = bole_store_counts(call->store, &counts, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__StatsResponse *s = ARENA_NEW(call->arena, Bole__StatsResponse);
    if (!s)
        return BOLE_INTERNAL;
    bole__stats_response__init(s);
    s->uptime_ms = bole_now_ms() - d->started_ms;
    s->talents = counts.talents;
    s->needs = counts.needs;
    s->projects = counts.projects;
    s->referrals = counts.referrals;
    s->store_seq = counts.seq;
    s->events_published = d->events_published;
    s->rss_bytes = s_rss_bytes();
    s->sqlite_heap_bytes = (uint64_t)sqlite3_memory_used();
    struct mallinfo2 mi = mallinfo2();
    s->heap_in_use_bytes = (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
    s->bulk_acks_paced = atomic_load(&d->bulk_acks_paced);
    s->bulk_pace_ms = atomic_load(&d->bulk_pace_us) / 1000;
    bole_stats_totals(d->stats, &s->requests, &s->errors);

    /* One row per method that has been called (slot 0: undecodable requests). */
    s->methods = bole_arena_array(call->arena, BOLE_METHOD_SLOTS, sizeof *s->methods);
    if (!s->methods)
        return BOLE_INTERNAL;
    for (int slot = 0; slot < BOLE_METHOD_SLOTS; slot++) {
        bole_method_stats_t m;
        bole_stats_read(d->stats, slot, &m);
        if (m.requests == 0)
            continue;
        const char *name = slot == 0 ? "(invalid)" : bole_protocol_method_name(slot);
        Bole__MethodStats *row = ARENA_NEW(call->arena, Bole__MethodStats);
        if (!row)
            return BOLE_INTERNAL;
        bole__method_stats__init(row);
        row->method = name ? (char *)name : "(unknown)";
        row->requests = m.requests;
        row->errors = m.errors;
        row->p50_ms = m.p50_ms;
        row->p99_ms = m.p99_ms;
        s->methods[s->n_methods++] = row;
    }
    call->response->body_case = BOLE__RESPONSE__BODY_STATS;
    call->response->stats = s;
    return BOLE_OK;
}

bole_status_t bole_handle_reload_model(bole_call_t *call)
{
    bole_daemon_t *d = call->daemon;
    bole_status_t st = bole_daemon_load_models(d, call->err, call->errlen);
    if (st != BOLE_OK) {
        log_warn("reload_model failed, keeping the loaded model: %s", call->err);
        return st;
    }
    bole_models_t *now = bole_models_acquire(d);
    Bole__ReloadModelResponse *r = ARENA_NEW(call->arena, Bole__ReloadModelResponse);
    if (!r)
        return BOLE_INTERNAL;
    bole__reload_model_response__init(r);
    r->model_version = bole_arena_strdup(call->arena, bole_model_version(now->model));
    r->weights_version = bole_arena_strdup(call->arena, bole_weights_version(now->weights));
    if (now->weights_b) {
        r->weights_b_version = bole_arena_strdup(call->arena, bole_weights_version(now->weights_b));
        r->ab_b_share = now->ab.b_share;
        log_info("A/B: weights %s (A) and %s (B, share %g)", r->weights_version,
                 r->weights_b_version, r->ab_b_share);
    }
    log_info("model reloaded: %s", r->model_version);
    bole_models_release(d, &now);
    call->response->body_case = BOLE__RESPONSE__BODY_RELOAD_MODEL;
    call->response->reload_model = r;
    return BOLE_OK;
}

typedef struct {
    uint64_t seq;               /* What the indexes will reflect when it runs. */
    Bole__SnapshotResponse *response;
    char *err;
    size_t errlen;
    uint64_t started_us;
} snapshot_job_t;

/* Runs after the batch committed, after the applies of the jobs before it
 * and before those after it: the indexes then hold exactly job->seq. */
static void s_snapshot_now(bole_daemon_t *d, void *arg)
{
    snapshot_job_t *job = arg;
    uint64_t seq = job->seq;
    char err[512];
    if (bole_state_snapshot(d, seq, err, sizeof err) != BOLE_OK) {
        log_warn("snapshot failed: %s", err);
        job->response->seq = 0;
        job->response->took_ms = -1;
        return;
    }
    job->response->seq = seq;
    job->response->took_ms = (int64_t)((bole_monotonic_us() - job->started_us) / 1000);
    log_info("index snapshots written at seq %llu in %lld ms", (unsigned long long)seq,
             (long long)job->response->took_ms);
}

bole_status_t bole_handle_snapshot(bole_call_t *call)
{
    snapshot_job_t *job = ARENA_NEW(call->arena, snapshot_job_t);
    Bole__SnapshotResponse *r = ARENA_NEW(call->arena, Bole__SnapshotResponse);
    if (!job || !r)
        return BOLE_INTERNAL;
    bole__snapshot_response__init(r);
    job->response = r;
    job->started_us = bole_monotonic_us();
    /* This transaction sees the batch so far: exactly the writes whose
     * applies run before this snapshot's deferred action. */
    job->seq = bole_store_last_seq(call->store);
    if (bole_call_defer(call, s_snapshot_now, NULL, job) != 0)
        return BOLE_INTERNAL;
    call->response->body_case = BOLE__RESPONSE__BODY_SNAPSHOT;
    call->response->snapshot = r;
    return BOLE_OK;
}
