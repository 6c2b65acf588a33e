/*
 * state.c - see state.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "index.h"
#include "log.h"
#include "model.h"
#include "profile_build.h"

#define LOAD_BATCH 4096

static void s_snapshot_path(const bole_daemon_t *d, const char *side, char *out, size_t len)
{
    snprintf(out, len, "%s.%s.index", d->config.db, side);
}

/* Loading one side: records into the catalog, vectors into the index when
 * it is being rebuilt. */
typedef struct {
    bole_daemon_t *daemon;
    bole_entity_t entity;
    bole_index_t *index;
    int rebuild;                /* 1: upsert every vector. */
    int skip_catalog;           /* 1: vectors only (the catalog is loaded). */
    int64_t ids[LOAD_BATCH];
    float *vectors;             /* LOAD_BATCH * dim */
    size_t pending;
    size_t loaded;
    char err[512];
} loader_t;

static int s_flush(loader_t *l)
{
    if (l->pending == 0)
        return 0;
    if (bole_index_upsert_batch(l->index, l->pending, l->ids, l->vectors, l->err,
                                sizeof l->err) != 0)
        return -1;
    l->pending = 0;
    return 0;
}

static int s_load_record(void *ctx, const bole_store_record_t *r)
{
    loader_t *l = ctx;
    bole_daemon_t *d = l->daemon;
    if ((int)r->dim != d->dim) {
        snprintf(l->err, sizeof l->err,
                 "stored vector of %s %lld has dimension %zu but the model's is %d: "
                 "start with the model the data was embedded with",
                 l->entity == BOLE_ENTITY_TALENT ? "talent" : "need", (long long)r->id, r->dim,
                 d->dim);
        return -1;
    }
    bole_intern_t *names = bole_catalog_names(d->catalog);
    int rc = 0;
    if (l->skip_catalog)
        ;
    else if (l->entity == BOLE_ENTITY_TALENT) {
        Bole__Talent *p = bole__talent__unpack(NULL, r->profile_len, r->profile);
        bole_talent_rec_t *t = p ? bole_talent_rec_build(names, p, r->id) : NULL;
        if (t)
            t->updated_at = r->updated_at;
        if (p)
            bole__talent__free_unpacked(p, NULL);
        rc = t ? bole_catalog_put_talent(d->catalog, t) : -1;
    } else {
        Bole__Need *p = bole__need__unpack(NULL, r->profile_len, r->profile);
        bole_need_rec_t *n = p ? bole_need_rec_build(names, p, r->id) : NULL;
        if (n)
            n->updated_at = r->updated_at;
        if (p)
            bole__need__free_unpacked(p, NULL);
        rc = n ? bole_catalog_put_need(d->catalog, n) : -1;
    }
    if (rc != 0) {
        snprintf(l->err, sizeof l->err, "cannot load stored record %lld (corrupt or out of memory)",
                 (long long)r->id);
        return -1;
    }
    l->loaded++;
    if (l->rebuild) {
        l->ids[l->pending] = r->id;
        memcpy(l->vectors + l->pending * (size_t)d->dim, r->vector, r->dim * sizeof(float));
        if (++l->pending == LOAD_BATCH && s_flush(l) != 0)
            return -1;
    }
    return 0;
}

/* Replays the change log after a snapshot onto its index. */
typedef struct {
    bole_daemon_t *daemon;
    bole_entity_t entity;
    bole_index_t *index;
    bole_store_t *store;
    size_t replayed;
    int failed;
    char err[512];
} replayer_t;

static int s_replay_change(void *ctx, const bole_store_change_t *c)
{
    replayer_t *r = ctx;
    if (c->entity != r->entity)
        return 0;
    bole_store_record_t rec;
    char why[256];
    /* The current row decides: a later delete or put supersedes this one. */
    bole_status_t st = bole_store_get(r->store, r->entity, NULL, c->id, &rec, why, sizeof why);
    if (st == BOLE_NOT_FOUND) {
        bole_index_remove(r->index, c->id);
    } else if (st == BOLE_OK) {
        int rc = bole_index_upsert(r->index, c->id, rec.vector, r->err, sizeof r->err);
        bole_store_record_free(&rec);
        if (rc != 0) {
            r->failed = 1;
            return -1;
        }
    } else {
        snprintf(r->err, sizeof r->err, "%s", why);
        r->failed = 1;
        return -1;
    }
    r->replayed++;
    return 0;
}

static bole_status_t s_open_side(bole_daemon_t *d, bole_entity_t entity, bole_index_t **out,
                                 char *err, size_t errlen)
{
    const char *side = entity == BOLE_ENTITY_TALENT ? "talents" : "needs";
    char path[BOLE_PATH_MAX + 32], why[512];
    s_snapshot_path(d, side, path, sizeof path);
    bole_index_options_t options;
    bole_index_default_options(&options);
    options.nprobe = (int)d->config.index_nprobe;
    options.recall_target = (double)d->config.index_recall_target / 1000.0;
    uint64_t snap_seq = 0;
    bole_index_t *index = NULL;
    uint64_t started = bole_monotonic_us();
    int rebuild = 1;
    if (access(path, F_OK) != 0) {
        log_info("%s: no index snapshot at %s; building from the store", side, path);
    } else if (bole_index_load(&index, path, &options, &snap_seq, why, sizeof why) != 0) {
        log_warn("%s: index snapshot %s unusable (%s); rebuilding from the store", side, path,
                 why);
    } else if (snap_seq > bole_store_last_seq(d->store)) {
        log_warn("%s: index snapshot reflects seq %llu, newer than the store's %llu; "
                 "rebuilding from the store", side, (unsigned long long)snap_seq,
                 (unsigned long long)bole_store_last_seq(d->store));
        bole_index_destroy(&index);
    } else {
        rebuild = 0;
    }
    if (rebuild && bole_index_new(&index, d->dim, &options, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot create the %s index: %s", side, why);
        return BOLE_INTERNAL;
    }
    loader_t *l = calloc(1, sizeof *l);
    float *vectors = rebuild ? malloc((size_t)LOAD_BATCH * (size_t)d->dim * sizeof(float)) : NULL;
    if (!l || (rebuild && !vectors)) {
        free(l);
        free(vectors);
        bole_index_destroy(&index);
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    *l = (loader_t){.daemon = d, .entity = entity, .index = index, .rebuild = rebuild,
                    .vectors = vectors};
    /* With a snapshot the vectors are not needed (and not read). */
    bole_status_t st = rebuild
        ? bole_store_scan(d->store, entity, 0, s_load_record, l, why, sizeof why)
        : bole_store_scan_profiles(d->store, entity, 0, s_load_record, l, why, sizeof why);
    if (st == BOLE_OK && s_flush(l) != 0)
        st = BOLE_INTERNAL;
    if (st != BOLE_OK) {
        snprintf(err, errlen, "loading %s: %s", side, l->err[0] ? l->err : why);
        free(vectors);
        free(l);
        bole_index_destroy(&index);
        return st;
    }
    size_t loaded = l->loaded;
    free(vectors);
    free(l);
    if (!rebuild) {
        replayer_t r = {.daemon = d, .entity = entity, .index = index, .store = d->store};
        st = bole_store_changes(d->store, snap_seq, s_replay_change, &r, why, sizeof why);
        if (st != BOLE_OK || r.failed || bole_index_size(index) != loaded) {
            log_warn("%s: snapshot replay %s (%zu in index, %zu stored); rebuilding",
                     side, r.failed || st != BOLE_OK ? "failed" : "disagrees with the store",
                     bole_index_size(index), loaded);
            bole_index_destroy(&index);
            float *buf = malloc((size_t)LOAD_BATCH * (size_t)d->dim * sizeof(float));
            loader_t *again = calloc(1, sizeof *again);
            if (!buf || !again ||
                bole_index_new(&index, d->dim, &options, why, sizeof why) != 0) {
                free(buf);
                free(again);
                snprintf(err, errlen, "cannot rebuild the %s index", side);
                return BOLE_INTERNAL;
            }
            *again = (loader_t){.daemon = d, .entity = entity, .index = index, .rebuild = 1,
                                .skip_catalog = 1, .vectors = buf};
            st = bole_store_scan(d->store, entity, 0, s_load_record, again, why, sizeof why);
            if (st == BOLE_OK && s_flush(again) != 0)
                st = BOLE_INTERNAL;
            free(buf);
            free(again);
            if (st != BOLE_OK) {
                bole_index_destroy(&index);
                snprintf(err, errlen, "rebuilding the %s index: %s", side, why);
                return st;
            }
        } else {
            log_info("%s: snapshot at seq %llu loaded, %zu change%s replayed", side,
                     (unsigned long long)snap_seq, r.replayed, r.replayed == 1 ? "" : "s");
        }
    }
    log_info("%s: %zu loaded in %.2f s", side, loaded,
             (double)(bole_monotonic_us() - started) / 1e6);
    *out = index;
    return BOLE_OK;
}

bole_status_t bole_state_open(bole_daemon_t *d, char *err, size_t errlen)
{
    d->dim = bole_model_dim(d->models->model);
    d->catalog = bole_catalog_new();
    if (!d->catalog) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    bole_status_t st = s_open_side(d, BOLE_ENTITY_TALENT, &d->talent_index, err, errlen);
    if (st == BOLE_OK)
        st = s_open_side(d, BOLE_ENTITY_NEED, &d->need_index, err, errlen);
    return st;
}

bole_status_t bole_state_snapshot(bole_daemon_t *d, uint64_t seq, char *err, size_t errlen)
{
    char path[BOLE_PATH_MAX + 32], why[512];
    s_snapshot_path(d, "talents", path, sizeof path);
    if (bole_index_save(d->talent_index, path, seq, why, sizeof why) != 0) {
        snprintf(err, errlen, "talent index snapshot: %s", why);
        return BOLE_UNAVAILABLE;
    }
    s_snapshot_path(d, "needs", path, sizeof path);
    if (bole_index_save(d->need_index, path, seq, why, sizeof why) != 0) {
        snprintf(err, errlen, "need index snapshot: %s", why);
        return BOLE_UNAVAILABLE;
    }
    return BOLE_OK;
}

/* Log a calibration of the index's probe count that finished since *gen. */
static void s_log_calibration(const char *side, bole_index_t *index, unsigned *gen)
{
    bole_index_stats_t st;
    bole_index_stats(index, &st);
    if (st.calib_gen == *gen)
        return;
    *gen = st.calib_gen;
    if (st.calib_nprobe > 0)
        log_info("%s index: nprobe %d chosen over %zu vectors (recall@200 %.4f on %d of "
                 "its own vectors, %.0f ms)", side, st.calib_nprobe, st.calib_size,
                 st.calib_recall, st.calib_queries, st.calib_ms);
}

static void *s_maintain_main(void *arg)
{
    bole_daemon_t *d = arg;
    char err[512];
    unsigned talent_gen = 0, need_gen = 0;
    while (!d->stopping) {
        if (bole_index_maintain(d->talent_index, err, sizeof err) != 0)
            log_warn("talent index maintenance: %s", err);
        s_log_calibration("talent", d->talent_index, &talent_gen);
        if (bole_index_maintain(d->need_index, err, sizeof err) != 0)
            log_warn("need index maintenance: %s", err);
        s_log_calibration("need", d->need_index, &need_gen);
        for (int i = 0; i < 10 && !d->stopping; i++)
            nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    return NULL;
}

int bole_state_start_maintenance(bole_daemon_t *d)
{
    d->stopping = 0;
    if (pthread_create(&d->maintainer, NULL, s_maintain_main, d) != 0)
        return -1;
    d->maintainer_started = 1;
    return 0;
}

void bole_state_stop_maintenance(bole_daemon_t *d)
{
    if (!d->maintainer_started)
        return;
    d->stopping = 1;
    pthread_join(d->maintainer, NULL);
    d->maintainer_started = 0;
}

void bole_state_close(bole_daemon_t *d)
{
    bole_index_destroy(&d->talent_index);
    bole_index_destroy(&d->need_index);
    bole_catalog_destroy(&d->catalog);
}
