/*
 * daemon.c - process-wide helpers: clocks and model (re)loading.
 */
#define _POSIX_C_SOURCE 200809L
#include "daemon.h"

#include <stdio.h>
#include <time.h>

#include "model.h"

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

bole_status_t bole_daemon_load_models(bole_daemon_t *daemon, char *err, size_t errlen)
{
    char path[BOLE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/bole.model", daemon->config.model_dir);
    bole_model_t *fresh = NULL;
    char why[512];
    if (bole_model_open(&fresh, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load model %s: %s", path, why);
        return BOLE_FAILED_PRECONDITION;
    }
    /* Single-threaded loop: no request is using the old model right now. */
    bole_model_destroy(&daemon->model);
    daemon->model = fresh;
    return BOLE_OK;
}
