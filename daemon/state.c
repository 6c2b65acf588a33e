/*
 * state.c - see state.h.
 */
#define _GNU_SOURCE /* syscall(SYS_gettid) */
#include "state.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

/* ---- the catalog load on two threads ---------------------------------------
 *
 * With an index snapshot, loading a side is decoding every stored profile
 * into a record (protobuf unpack, names interned: CPU-bound, ~10 s for a
 * million talents on one core). A helper thread with its own connection
 * decodes the upper part of the id range into an array while the loader
 * reads the index snapshot and decodes the lower part straight into the
 * catalog; the helper's records are then put in id order, so the catalog
 * is the one a single scan builds. The intern table is thread-safe; the
 * catalog is only touched by the loading thread. The loader's share is
 * the smaller one because it also reads the index snapshot (~1.5 s at a
 * million talents) and puts every record into the catalog (~1 us each):
 * with the helper decoding ~11 us per record, 42 % balances the two
 * (docs/BENCHMARKS.md, section 2). */
#define SPLIT_LOADER_PERCENT 42

/* Sides whose ids span fewer than this load on one thread; the environment
 * variable BOLE_LOAD_SPLIT_ROWS overrides it (tests use a small value). */
#define SPLIT_MIN_ROWS 50000

static int64_t s_split_min_rows(void)
{
    const char *env = getenv("BOLE_LOAD_SPLIT_ROWS");
    if (env && *env) {
        char *end = NULL;
        long long v = strtoll(env, &end, 10);
        if (end && !*end && v >= 0)
            return v;
        log_warn("ignoring BOLE_LOAD_SPLIT_ROWS='%s' (not a number >= 0)", env);
    }
    return SPLIT_MIN_ROWS;
}

typedef struct {
    bole_daemon_t *daemon;
    bole_entity_t entity;
    bole_store_t *store;        /* The helper's connection. */
    int64_t after, until;
    void **recs;                /* Built records, in id order (owned). */
    size_t n, cap;
    bole_status_t status;
    pthread_t thread;
    uint64_t took_us;           /* The helper's scan. */
    char err[512];
} half_t;

static int s_half_record(void *ctx, const bole_store_record_t *r)
{
    half_t *h = ctx;
    bole_daemon_t *d = h->daemon;
    if ((int)r->dim != d->dim) {
        snprintf(h->err, sizeof h->err,
                 "stored vector of %s %lld has dimension %zu but the model's is %d: "
                 "start with the model the data was embedded with",
                 h->entity == BOLE_ENTITY_TALENT ? "talent" : "need", (long long)r->id, r->dim,
                 d->dim);
        return -1;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 4096;
        void **recs = realloc(h->recs, cap * sizeof *recs);
        if (!recs) {
            snprintf(h->err, sizeof h->err, "out of memory");
            return -1;
        }
        h->recs = recs;
        h->cap = cap;
    }
    bole_intern_t *names = bole_catalog_names(d->catalog);
    void *rec = NULL;
    if (h->entity == BOLE_ENTITY_TALENT) {
        Bole__Talent *p = bole__talent__unpack(NULL, r->profile_len, r->profile);
        bole_talent_rec_t *t = p ? bole_talent_rec_build(names, p, r->id) : NULL;
        if (t)
            t->updated_at = r->updated_at;
        if (p)
            bole__talent__free_unpacked(p, NULL);
        rec = t;
    } else {
        Bole__Need *p = bole__need__unpack(NULL, r->profile_len, r->profile);
        bole_need_rec_t *n = p ? bole_need_rec_build(names, p, r->id) : NULL;
        if (n)
            n->updated_at = r->updated_at;
        if (p)
            bole__need__free_unpacked(p, NULL);
        rec = n;
    }
    if (!rec) {
        snprintf(h->err, sizeof h->err, "cannot load stored record %lld (corrupt or out of "
                 "memory)", (long long)r->id);
        return -1;
    }
    h->recs[h->n++] = rec;
    return 0;
}

static void *s_half_main(void *arg)
{
    half_t *h = arg;
    bole_thread_name("bole-loadhalf");
    char why[512] = "";
    uint64_t t0 = bole_monotonic_us();
    h->status = bole_store_scan_profiles_range(h->store, h->entity, h->after, h->until,
                                               s_half_record, h, why, sizeof why);
    if (h->status != BOLE_OK && !h->err[0])
        snprintf(h->err, sizeof h->err, "%s", why);
    bole_store_close(&h->store);
    h->took_us = bole_monotonic_us() - t0;
    return NULL;
}

/* Frees the records not handed over (from index i on) and the helper. */
static void s_half_free(half_t *h, size_t i)
{
    for (; i < h->n; i++) {
        if (h->entity == BOLE_ENTITY_TALENT)
            bole_talent_rec_free(h->recs[i]);
        else
            bole_need_rec_free(h->recs[i]);
    }
    free(h->recs);
    free(h);
}

/* Starts a helper on the upper half of entity's ids when that is worth it;
 * *split is the last id the caller loads itself (INT64_MAX: all of them). */
static half_t *s_half_start(bole_daemon_t *d, bole_entity_t entity, int64_t *split)
{
    char why[512];
    int64_t lo = 0, hi = 0;
    *split = INT64_MAX;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        bole_store_id_range(d->store, entity, &lo, &hi, why, sizeof why) != BOLE_OK ||
        hi - lo < s_split_min_rows())
        return NULL;
    half_t *h = calloc(1, sizeof *h);
    bole_store_options_t options = {
        .synchronous_full = strcmp(d->config.synchronous, "full") == 0,
    };
    if (!h || bole_store_open(&h->store, d->config.db, &options, why, sizeof why) != BOLE_OK) {
        free(h);
        return NULL; /* The caller loads everything itself. */
    }
    h->daemon = d;
    h->entity = entity;
    h->after = lo + (hi - lo) / 100 * SPLIT_LOADER_PERCENT +
               (hi - lo) % 100 * SPLIT_LOADER_PERCENT / 100;
    h->until = INT64_MAX;
    if (pthread_create(&h->thread, NULL, s_half_main, h) != 0) {
        bole_store_close(&h->store);
        free(h);
        return NULL;
    }
    *split = h->after;
    return h;
}

/* Waits for the helper and frees its records (start-up failed). NULL-safe. */
static void s_half_abandon(half_t *h)
{
    if (!h)
        return;
    pthread_join(h->thread, NULL);
    s_half_free(h, 0);
}

/* Waits for the helper and puts its records into the catalog in id order;
 * how says how long each part took. Frees h. */
static bole_status_t s_half_finish(half_t *h, loader_t *l, char *how, size_t howlen, char *err,
                                   size_t errlen)
{
    uint64_t t0 = bole_monotonic_us();
    pthread_join(h->thread, NULL);
    uint64_t t1 = bole_monotonic_us();
    bole_status_t st = h->status;
    size_t i = 0;
    if (st != BOLE_OK) {
        snprintf(err, errlen, "%s", h->err);
    } else {
        bole_catalog_t *c = l->daemon->catalog;
        for (; i < h->n; i++) {
            int rc = h->entity == BOLE_ENTITY_TALENT
                ? bole_catalog_put_talent(c, h->recs[i]) : bole_catalog_put_need(c, h->recs[i]);
            if (rc != 0) { /* The record was freed by put. */
                i++;
                snprintf(err, errlen, "cannot load stored records (out of memory)");
                st = BOLE_INTERNAL;
                break;
            }
            l->loaded++;
        }
    }
    snprintf(how, howlen, " (profiles decoded on two threads: the helper's %zu in %.2f s, "
             "waited %.2f s for it, put them in %.2f s)", h->n, (double)h->took_us / 1e6,
             (double)(t1 - t0) / 1e6, (double)(bole_monotonic_us() - t1) / 1e6);
    s_half_free(h, i);
    return st;
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
    /* With a snapshot file, the helper starts decoding while this thread
     * reads the snapshot (if it turns out unusable, the helper's records
     * still go into the catalog; only the vectors are read here). */
    int64_t split = INT64_MAX;
    half_t *half = access(path, F_OK) == 0 ? s_half_start(d, entity, &split) : NULL;
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
        s_half_abandon(half);
        snprintf(err, errlen, "cannot create the %s index: %s", side, why);
        return BOLE_INTERNAL;
    }
    loader_t *l = calloc(1, sizeof *l);
    float *vectors = rebuild ? malloc((size_t)LOAD_BATCH * (size_t)d->dim * sizeof(float)) : NULL;
    if (!l || (rebuild && !vectors)) {
        s_half_abandon(half);
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
        ? bole_store_scan_range(d->store, entity, 0, split, s_load_record, l, why, sizeof why)
        : bole_store_scan_profiles_range(d->store, entity, 0, split, s_load_record, l, why,
                                         sizeof why);
    if (st == BOLE_OK && rebuild && half) {
        /* The helper's part: only its vectors here (it has the records). */
        size_t loaded = l->loaded;
        l->skip_catalog = 1;
        st = bole_store_scan_range(d->store, entity, split, INT64_MAX, s_load_record, l, why,
                                   sizeof why);
        l->skip_catalog = 0;
        l->loaded = loaded;
    }
    char how[256] = "";
    if (half) {
        char herr[512] = "";
        bole_status_t hst = s_half_finish(half, l, how, sizeof how, herr, sizeof herr);
        if (st == BOLE_OK && hst != BOLE_OK) {
            st = hst;
            snprintf(l->err, sizeof l->err, "%s", herr);
        }
    }
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
    log_info("%s: %zu loaded in %.2f s%s", side, loaded,
             (double)(bole_monotonic_us() - started) / 1e6, how);
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
        log_info("%s index: nprobe %d of %d lists chosen over %zu vectors (recall@200 "
                 "%.4f on %d of its own vectors, %.0f ms)", side, st.calib_nprobe, st.nlist,
                 st.calib_size, st.calib_recall, st.calib_queries, st.calib_ms);
}

#define MAINTAIN_NICE 10 /* Below request handling; see s_maintain_main. */

static void *s_maintain_main(void *arg)
{
    bole_daemon_t *d = arg;
    bole_thread_name("bole-maintain");
    /* Training an IVF tier keeps two cores busy for seconds (FAISS's
     * OpenMP workers are created by this thread later and inherit its
     * priority): Match comes first. Searches do not wait for it, since the
     * quick first tier serves meanwhile (docs/LIVE.md, "Pacing bulk puts"). */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MAINTAIN_NICE) != 0)
        log_debug("index maintainer: cannot lower its priority");
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
