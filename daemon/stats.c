/*
 * stats.c - see stats.h.
 */
#include "stats.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BUCKETS 8                   /* Per doubling of latency. */
#define N_BUCKETS   (40 * SUB_BUCKETS)  /* 1 µs .. 2^40 µs. */

typedef struct {
    uint64_t requests;
    uint64_t errors;
    uint32_t buckets[N_BUCKETS];
} method_slot_t;

struct bole_stats {
    pthread_mutex_t lock;
    int n_slots;
    method_slot_t *slots;
};

bole_stats_t *bole_stats_new(int slots)
{
    bole_stats_t *stats = calloc(1, sizeof *stats);
    if (!stats)
        return NULL;
    stats->slots = calloc((size_t)slots, sizeof *stats->slots);
    if (!stats->slots) {
        free(stats);
        return NULL;
    }
    stats->n_slots = slots;
    pthread_mutex_init(&stats->lock, NULL);
    return stats;
}

void bole_stats_destroy(bole_stats_t **stats)
{
    if (!stats || !*stats)
        return;
    pthread_mutex_destroy(&(*stats)->lock);
    free((*stats)->slots);
    free(*stats);
    *stats = NULL;
}

static int s_bucket(uint64_t micros)
{
    if (micros < 1)
        micros = 1;
    double b = log2((double)micros) * SUB_BUCKETS;
    int i = (int)b;
    return i >= N_BUCKETS ? N_BUCKETS - 1 : i;
}

/* Upper edge of bucket i in milliseconds: a percentile never understates. */
static double s_bucket_ms(int i)
{
    return exp2((double)(i + 1) / SUB_BUCKETS) / 1000.0;
}

void bole_stats_record(bole_stats_t *stats, int slot, uint64_t micros, int failed)
{
    if (slot < 0 || slot >= stats->n_slots)
        return;
    pthread_mutex_lock(&stats->lock);
    method_slot_t *m = &stats->slots[slot];
    m->requests++;
    if (failed)
        m->errors++;
    m->buckets[s_bucket(micros)]++;
    pthread_mutex_unlock(&stats->lock);
}

static double s_percentile(const method_slot_t *m, double q)
{
    uint64_t total = 0;
    for (int i = 0; i < N_BUCKETS; i++)
        total += m->buckets[i];
    if (total == 0)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)total), seen = 0;
    for (int i = 0; i < N_BUCKETS; i++) {
        seen += m->buckets[i];
        if (seen >= want)
            return s_bucket_ms(i);
    }
    return s_bucket_ms(N_BUCKETS - 1);
}

void bole_stats_read(bole_stats_t *stats, int slot, bole_method_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (slot < 0 || slot >= stats->n_slots)
        return;
    pthread_mutex_lock(&stats->lock);
    const method_slot_t *m = &stats->slots[slot];
    out->requests = m->requests;
    out->errors = m->errors;
    out->p50_ms = s_percentile(m, 0.50);
    out->p99_ms = s_percentile(m, 0.99);
    pthread_mutex_unlock(&stats->lock);
}

void bole_stats_totals(bole_stats_t *stats, uint64_t *requests, uint64_t *errors)
{
    *requests = *errors = 0;
    pthread_mutex_lock(&stats->lock);
    for (int i = 0; i < stats->n_slots; i++) {
        *requests += stats->slots[i].requests;
        *errors += stats->slots[i].errors;
    }
    pthread_mutex_unlock(&stats->lock);
}
