/*
 * queue.h - a closable FIFO of jobs between threads (mutex + condition
 * variable). Items are linked through their first member, so the queue
 * allocates nothing and cannot fail.
 */
#ifndef BOLE_QUEUE_H
#define BOLE_QUEUE_H

#include <pthread.h>
#include <stddef.h>

typedef struct bole_queue_item {
    struct bole_queue_item *next;
} bole_queue_item_t;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    bole_queue_item_t *head, *tail;
    size_t length;
    int closed;     /* Set by close: pops return NULL once empty. */
} bole_queue_t;

void bole_queue_init(bole_queue_t *q);
void bole_queue_free(bole_queue_t *q);  /* The queue must be empty. */
void bole_queue_push(bole_queue_t *q, bole_queue_item_t *item);
/* Waits for an item; NULL once the queue is closed and empty. */
bole_queue_item_t *bole_queue_pop(bole_queue_t *q);
/* Waits for at least one item, then takes up to max of them as a list
 * (linked through next, oldest first); NULL once closed and empty. */
bole_queue_item_t *bole_queue_pop_many(bole_queue_t *q, size_t max, size_t *n_out);
/* Takes everything without waiting (NULL if empty). */
bole_queue_item_t *bole_queue_take_all(bole_queue_t *q);
void bole_queue_close(bole_queue_t *q);
size_t bole_queue_length(bole_queue_t *q);

#endif
