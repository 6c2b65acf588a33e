/*
 * daemon.h - the state one boled process holds, and the call context a
 * handler receives. Handlers see the store, the models and the stats through
 * this struct; they never see sockets (the server owns those) or SQL (the
 * store owns that).
 */
#ifndef BOLE_DAEMON_H
#define BOLE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "bole.pb-c.h"
#include "config.h"
#include "stats.h"
#include "status.h"
#include "store.h"

typedef struct bole_model bole_model_t;

typedef struct {
    bole_config_t config;       /* Settings after flags and config file. */
    bole_store_t *store;        /* Durable state. */
    bole_model_t *model;        /* Embedding model; NULL if none is loaded. */
    bole_stats_t *stats;        /* Per-method counters, slot = Request body case. */
    int64_t started_ms;         /* Wall clock at start, Unix ms. */
    uint64_t events_published;  /* Events sent on the PUB socket. */
    int draining;               /* 1 once shutdown began: Health says DRAINING. */
} bole_daemon_t;

/* Everything one request's handler may use. The response and everything it
 * points to must come from the arena; the server frees it after sending. */
typedef struct {
    bole_daemon_t *daemon;
    bole_arena_t *arena;
    const Bole__Request *request;   /* Decoded and generically validated. */
    Bole__Response *response;       /* Handler sets body_case and the body. */
    char *err;                      /* Message for a non-OK status. */
    size_t errlen;
} bole_call_t;

typedef bole_status_t (*bole_handler_fn)(bole_call_t *call);

/* Runs the handler for the request's method (UNIMPLEMENTED if none yet). */
bole_status_t bole_dispatch(bole_call_t *call);

/* Loads (or reloads) the model files from config.model_dir. On failure the
 * previous model stays in place and err says why. */
bole_status_t bole_daemon_load_models(bole_daemon_t *daemon, char *err, size_t errlen);

/* Current wall-clock time in Unix milliseconds. */
int64_t bole_now_ms(void);
/* Monotonic time in microseconds, for latencies. */
uint64_t bole_monotonic_us(void);

#endif
