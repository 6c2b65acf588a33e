/*
 * daemon.c - process-wide helpers: clocks, model (re)loading with
 * reference counts, deferred actions.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "daemon.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "weights.h"

int64_t bole_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t bole_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void bole_thread_name(const char *name)
{
    /* Best effort: a name that does not fit (15 bytes) is only cosmetic. */
    (void)pthread_setname_np(pthread_self(), name);
}

static void s_models_free(bole_models_t *models)
{
    bole_model_destroy(&models->model);
    bole_weights_destroy(&models->weights);
    bole_weights_destroy(&models->weights_b);
    free(models);
}

/* Loads are rare; one at a time (SIGHUP and ReloadModel may race). */
static pthread_mutex_t s_load_lock = PTHREAD_MUTEX_INITIALIZER;

static bole_status_t s_load_models(bole_daemon_t *daemon, char *err, size_t errlen);

bole_status_t bole_daemon_load_models(bole_daemon_t *daemon, char *err, size_t errlen)
{
    pthread_mutex_lock(&s_load_lock);
    bole_status_t st = s_load_models(daemon, err, errlen);
    pthread_mutex_unlock(&s_load_lock);
    return st;
}

/* A/B (docs/TUNING.md): weights.b.conf and ab.conf go together; both
 * absent means A/B off. Loads them into fresh, or fails with err set. */
static bole_status_t s_load_ab(bole_daemon_t *daemon, bole_models_t *fresh, char *err,
                               size_t errlen)
{
    char bpath[BOLE_PATH_MAX + 32], apath[BOLE_PATH_MAX + 32], why[512];
    snprintf(bpath, sizeof bpath, "%s/weights.b.conf", daemon->config.model_dir);
    snprintf(apath, sizeof apath, "%s/ab.conf", daemon->config.model_dir);
    int has_b = access(bpath, F_OK) == 0, has_ab = access(apath, F_OK) == 0;
    if (!has_b && !has_ab)
        return BOLE_OK;
    if (!has_b || !has_ab) {
        snprintf(err, errlen, "A/B: %s exists but %s does not (both or neither)",
                 has_b ? bpath : apath, has_b ? apath : bpath);
        return BOLE_FAILED_PRECONDITION;
    }
    if (bole_weights_load(&fresh->weights_b, bpath, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load ranking weights B: %s", why);
        return BOLE_FAILED_PRECONDITION;
    }
    if (bole_ab_load(&fresh->ab, apath, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load A/B settings: %s", why);
        return BOLE_FAILED_PRECONDITION;
    }
    if (strcmp(bole_weights_version(fresh->weights), bole_weights_version(fresh->weights_b)) ==
        0) {
        snprintf(err, errlen, "A/B: %s has the same version '%s' as weights.conf (the funnel "
                 "could not tell them apart)", bpath, bole_weights_version(fresh->weights_b));
        return BOLE_FAILED_PRECONDITION;
    }
    return BOLE_OK;
}

const bole_weights_t *bole_models_weights_for(const bole_models_t *models, const char *key)
{
    if (models->weights_b && bole_ab_is_b(&models->ab, key))
        return models->weights_b;
    return models->weights;
}

static bole_status_t s_load_models(bole_daemon_t *daemon, char *err, size_t errlen)
{
    char path[BOLE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/bole.model", daemon->config.model_dir);
    bole_models_t *fresh = calloc(1, sizeof *fresh);
    if (!fresh) {
        snprintf(err, errlen, "out of memory");
        return BOLE_INTERNAL;
    }
    char why[512];
    if (bole_model_open(&fresh->model, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load model %s: %s", path, why);
        free(fresh);
        return BOLE_FAILED_PRECONDITION;
    }
    char wpath[BOLE_PATH_MAX + 32];
    snprintf(wpath, sizeof wpath, "%s/weights.conf", daemon->config.model_dir);
    if (bole_weights_load(&fresh->weights, wpath, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load ranking weights: %s", why);
        s_models_free(fresh);
        return BOLE_FAILED_PRECONDITION;
    }
    if (s_load_ab(daemon, fresh, err, errlen) != BOLE_OK) {
        s_models_free(fresh);
        return BOLE_FAILED_PRECONDITION;
    }
    bole_models_t *old = daemon->models;
    if (old && bole_model_dim(old->model) != bole_model_dim(fresh->model)) {
        snprintf(err, errlen,
                 "model %s has dimension %d but the loaded model (and stored vectors) "
                 "have %d: refusing it",
                 path, bole_model_dim(fresh->model), bole_model_dim(old->model));
        s_models_free(fresh);
        return BOLE_FAILED_PRECONDITION;
    }
    fresh->refs = 1;
    pthread_mutex_lock(&daemon->models_lock);
    daemon->models = fresh;
    pthread_mutex_unlock(&daemon->models_lock);
    bole_models_release(daemon, &old);
    return BOLE_OK;
}

bole_models_t *bole_models_acquire(bole_daemon_t *daemon)
{
    pthread_mutex_lock(&daemon->models_lock);
    bole_models_t *models = daemon->models;
    if (models)
        models->refs++;
    pthread_mutex_unlock(&daemon->models_lock);
    return models;
}

void bole_models_release(bole_daemon_t *daemon, bole_models_t **models)
{
    if (!models || !*models)
        return;
    pthread_mutex_lock(&daemon->models_lock);
    int last = --(*models)->refs == 0;
    pthread_mutex_unlock(&daemon->models_lock);
    if (last)
        s_models_free(*models);
    *models = NULL;
}

int bole_call_defer(bole_call_t *call, bole_defer_fn fn, bole_defer_fn cancel, void *arg)
{
    bole_deferred_t *d = ARENA_NEW(call->arena, bole_deferred_t);
    if (!d)
        return -1;
    d->fn = fn;
    d->cancel = cancel;
    d->arg = arg;
    if (!call->deferred_tail)
        call->deferred_tail = &call->deferred;
    *call->deferred_tail = d;
    call->deferred_tail = &d->next;
    return 0;
}

void bole_call_finish(bole_call_t *call, int commit)
{
    for (bole_deferred_t *d = call->deferred; d; d = d->next) {
        if (commit)
            d->fn(call->daemon, d->arg);
        else if (d->cancel)
            d->cancel(call->daemon, d->arg);
    }
    call->deferred = NULL;
    call->deferred_tail = NULL;
}

int bole_daemon_publish(bole_daemon_t *daemon, const char *topic, const Bole__Event *event)
{
    if (!daemon->publish)
        return -1;
    size_t len = bole__event__get_packed_size(event);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    bole__event__pack(event, buf);
    daemon->publish(daemon->publish_ctx, topic, buf, len);
    free(buf);
    __atomic_add_fetch(&daemon->events_published, 1, __ATOMIC_RELAXED);
    return 0;
}
