/*
 * peers.c - requests in flight per client connection (see peers.h): a
 * chained hash table keyed by routing identity; an entry is freed when its
 * count drops to zero, so the table holds only peers that are waiting.
 */
#include "peers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 1024 /* Power of two; peers in flight, not all peers. */

typedef struct peer {
    struct peer *next;
    long count;
    size_t len;
    unsigned char id[]; /* Routing identity, len bytes. */
} peer_t;

struct bole_peers {
    peer_t *buckets[N_BUCKETS];
    size_t active;
};

static size_t s_bucket(const void *id, size_t len)
{
    const unsigned char *p = id;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h & (N_BUCKETS - 1);
}

static peer_t **s_find(bole_peers_t *peers, const void *id, size_t len)
{
    peer_t **at = &peers->buckets[s_bucket(id, len)];
    while (*at && ((*at)->len != len || memcmp((*at)->id, id, len) != 0))
        at = &(*at)->next;
    return at;
}

bole_peers_t *bole_peers_new(void)
{
    return calloc(1, sizeof(bole_peers_t));
}

void bole_peers_destroy(bole_peers_t **peers)
{
    if (!peers || !*peers)
        return;
    for (size_t b = 0; b < N_BUCKETS; b++) {
        peer_t *p = (*peers)->buckets[b];
        while (p) {
            peer_t *next = p->next;
            free(p);
            p = next;
        }
    }
    free(*peers);
    *peers = NULL;
}

long bole_peers_acquire(bole_peers_t *peers, const void *id, size_t len, long limit)
{
    peer_t **at = s_find(peers, id, len);
    if (*at) {
        if ((*at)->count >= limit)
            return 0;
        return ++(*at)->count;
    }
    if (limit < 1)
        return 0;
    peer_t *p = malloc(sizeof *p + len);
    if (!p)
        return -1;
    p->next = NULL;
    p->count = 1;
    p->len = len;
    memcpy(p->id, id, len);
    *at = p;
    peers->active++;
    return 1;
}

void bole_peers_release(bole_peers_t *peers, const void *id, size_t len)
{
    peer_t **at = s_find(peers, id, len);
    peer_t *p = *at;
    if (!p)
        return;
    if (--p->count <= 0) {
        *at = p->next;
        free(p);
        peers->active--;
    }
}

size_t bole_peers_active(const bole_peers_t *peers)
{
    return peers->active;
}
