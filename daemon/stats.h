/*
 * stats.h - request counters and latency percentiles per method.
 *
 * Latencies go into a log-scale histogram (8 buckets per doubling, about 9%
 * resolution) so recording is O(1), memory is fixed, and p50/p99 stay
 * meaningful over millions of requests. Safe to call from several threads.
 */
#ifndef BOLE_STATS_H
#define BOLE_STATS_H

#include <stdint.h>

typedef struct bole_stats bole_stats_t;

typedef struct {
    uint64_t requests;
    uint64_t errors;
    double p50_ms;
    double p99_ms;
} bole_method_stats_t;

/* slots: how many methods (indexed 0..slots-1); NULL on allocation failure. */
bole_stats_t *bole_stats_new(int slots);
void bole_stats_destroy(bole_stats_t **stats);

/* Records one answered request of method slot that took micros µs. */
void bole_stats_record(bole_stats_t *stats, int slot, uint64_t micros, int failed);

/* Reads one method's figures (zeroes if slot is out of range). */
void bole_stats_read(bole_stats_t *stats, int slot, bole_method_stats_t *out /* OUT */);

/* Totals over all slots. */
void bole_stats_totals(bole_stats_t *stats, uint64_t *requests /* OUT */,
                       uint64_t *errors /* OUT */);

#endif
