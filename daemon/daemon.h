/*
 * daemon.h - the state one boled process holds, and the call context a
 * handler receives. Handlers see the store, the models and the stats through
 * these structs; they never see sockets (the server owns those) or SQL (the
 * store owns that).
 *
 * Threads: the server thread does socket I/O only; reader threads run read
 * handlers concurrently; one writer thread runs write handlers in batches
 * that share one commit (group commit). Each thread has its own store
 * connection and arena; shared in-memory state (catalog, indexes, models)
 * does its own locking.
 */
#ifndef BOLE_DAEMON_H
#define BOLE_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ab.h"
#include "arena.h"
#include "auth.h"
#include "bole.pb-c.h"
#include "config.h"
#include "stats.h"
#include "status.h"
#include "store.h"

typedef struct bole_model bole_model_t;
typedef struct bole_weights bole_weights_t;
typedef struct bole_catalog bole_catalog_t;
typedef struct bole_index bole_index_t;

/* The model files loaded together; replaced as a whole on reload. A request
 * holds a reference for its whole run, so a reload never pulls a model out
 * from under it. */
typedef struct {
    bole_model_t *model;    /* Embedding model. */
    bole_weights_t *weights;/* Ranking weights (models/weights.conf): version A. */
    bole_weights_t *weights_b; /* A/B: version B (weights.b.conf), or NULL when off. */
    bole_ab_t ab;           /* A/B: B share and salt (ab.conf); unused when off. */
    int refs;               /* Holders: the daemon's current pointer + requests. */
} bole_models_t;

/* The weights that serve a request whose bucketing key (the subject's
 * external id) is key: weights_b when A/B is on and the key falls in B's
 * share (ab.h), else weights. Valid while models is held. */
const bole_weights_t *bole_models_weights_for(const bole_models_t *models, const char *key);

/* Sends one event on the PUB socket from any thread (set by the server). */
typedef void (*bole_publish_fn)(void *ctx, const char *topic, const uint8_t *data, size_t len);

typedef struct {
    bole_config_t config;       /* Settings after flags and config file. */
    bole_store_t *store;        /* Writer connection (schema owner). */
    bole_stats_t *stats;        /* Per-method counters, slot = Request body case. */
    int64_t started_ms;         /* Wall clock at start, Unix ms. */
    uint64_t events_published;  /* Events sent on the PUB socket. */
    atomic_ullong bulk_acks_paced; /* Bulk-put answers held back (--busy-bulk-rate). */
    atomic_ullong bulk_pace_us;    /* ... and for how long, in all. */
    volatile int draining;      /* 1 once shutdown began: Health says DRAINING. */
    atomic_long writes_queued;  /* Write requests received, not yet through the writer. */
    pthread_mutex_t models_lock;/* Guards models and every refs count. */
    bole_models_t *models;      /* Current models; NULL before the first load. */
    int dim;                    /* Vector dimension (fixed by the first model). */
    bole_catalog_t *catalog;    /* Every talent and need record in memory. */
    bole_index_t *talent_index; /* Talent vectors, by internal id. */
    bole_index_t *need_index;   /* Need vectors, by internal id. */
    pthread_t maintainer;       /* Background index maintenance. */
    int maintainer_started;
    volatile int stopping;      /* Tells the maintainer to finish. */
    struct bole_trend *trend;   /* Supply/demand trends (trend.h); NULL until open. */
    struct bole_trend_loading *trend_loading; /* Start-up load in flight (trend.c). */
    bole_publish_fn publish;    /* NULL when no server runs (tests, tools). */
    void *publish_ctx;
    struct bole_live *live;     /* Live match stream (live.h); NULL when not running. */
    struct bole_feedback_logger *feedback_logger; /* Feature logger (feedback.c); NULL when off. */
} bole_daemon_t;

/* A deferred action runs only after the request's batch committed; if the
 * request or its batch fails, cancel runs instead (to free what fn would
 * have taken over). */
typedef void (*bole_defer_fn)(bole_daemon_t *daemon, void *arg);
typedef struct bole_deferred {
    struct bole_deferred *next;
    bole_defer_fn fn;
    bole_defer_fn cancel;       /* May be NULL. */
    void *arg;                  /* Arena memory or owned by fn. */
} bole_deferred_t;

/* Everything one request's handler may use. The response and everything it
 * points to must come from the arena; the server frees it after sending. */
typedef struct {
    bole_daemon_t *daemon;
    bole_store_t *store;            /* This thread's connection. */
    bole_models_t *models;          /* Held for the whole call. */
    const bole_principal_t *principal; /* The caller's key (NULL without CURVE). */
    bole_arena_t *arena;
    const Bole__Request *request;   /* Decoded and generically validated. */
    Bole__Response *response;       /* Handler sets body_case and the body. */
    char *err;                      /* Message for a non-OK status. */
    size_t errlen;
    bole_deferred_t *deferred;      /* Run after commit, in order. */
    bole_deferred_t **deferred_tail;
    const float *vectors;           /* A put's profiles, validated and embedded */
    size_t n_vectors;               /* before the writer (put_prep.h), or NULL. */
} bole_call_t;

typedef bole_status_t (*bole_handler_fn)(bole_call_t *call);

typedef enum {
    BOLE_METHOD_READ,       /* Runs on a reader thread, concurrently. */
    BOLE_METHOD_WRITE       /* Runs on the writer thread inside a group commit. */
} bole_method_kind_t;

/* Runs the handler for the request's method (UNIMPLEMENTED if none yet). */
bole_status_t bole_dispatch(bole_call_t *call);

/* Whether a method reads or writes (unknown methods count as reads). */
bole_method_kind_t bole_method_kind(int body_case);

/* Queues fn(arg) to run after the call's batch commits, or cancel(arg) if
 * it does not; -1 out of memory (then neither will run). */
int bole_call_defer(bole_call_t *call, bole_defer_fn fn, bole_defer_fn cancel, void *arg);
/* Runs (commit = 1) or cancels (commit = 0) a call's deferred actions. */
void bole_call_finish(bole_call_t *call, int commit);

/* Loads (or reloads) the model files from config.model_dir and swaps them
 * in. On failure the previous models stay in place and err says why. */
bole_status_t bole_daemon_load_models(bole_daemon_t *daemon, char *err, size_t errlen);
/* Takes a reference to the current models (NULL if none). */
bole_models_t *bole_models_acquire(bole_daemon_t *daemon);
/* Drops a reference; frees the models when it was the last. NULL-safe. */
void bole_models_release(bole_daemon_t *daemon, bole_models_t **models);

/* Publishes an event under topic (the PUB socket's first frame); the
 * event is packed here, so the caller keeps ownership. Thread-safe. Counts
 * into events_published. Returns 0, or -1 if no server runs or memory ran
 * out (the event is then not sent; stored events stay retrievable through
 * MatchesSince). */
int bole_daemon_publish(bole_daemon_t *daemon, const char *topic, const Bole__Event *event);

/* Current wall-clock time in Unix milliseconds. */
int64_t bole_now_ms(void);
/* Monotonic time in microseconds, for latencies. */
uint64_t bole_monotonic_us(void);
/* Names the calling thread as top -H, ps -L, perf and gdb show it
 * (docs/OPERATIONS.md, Threads); at most 15 bytes. */
void bole_thread_name(const char *name);

#endif
