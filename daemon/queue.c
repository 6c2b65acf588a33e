/*
 * queue.c - see queue.h.
 */
#include "queue.h"

void bole_queue_init(bole_queue_t *q)
{
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    q->head = q->tail = NULL;
    q->length = 0;
    q->closed = 0;
}

void bole_queue_free(bole_queue_t *q)
{
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
}

void bole_queue_push(bole_queue_t *q, bole_queue_item_t *item)
{
    item->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = item;
    else
        q->head = item;
    q->tail = item;
    q->length++;
    pthread_cond_signal(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

bole_queue_item_t *bole_queue_pop_many(bole_queue_t *q, size_t max, size_t *n_out)
{
    pthread_mutex_lock(&q->lock);
    while (!q->head && !q->closed)
        pthread_cond_wait(&q->ready, &q->lock);
    bole_queue_item_t *first = q->head, *last = NULL;
    size_t n = 0;
    while (q->head && n < max) {
        last = q->head;
        q->head = q->head->next;
        n++;
    }
    if (last)
        last->next = NULL;
    if (!q->head)
        q->tail = NULL;
    q->length -= n;
    pthread_mutex_unlock(&q->lock);
    if (n_out)
        *n_out = n;
    return n ? first : NULL;
}

bole_queue_item_t *bole_queue_pop(bole_queue_t *q)
{
    return bole_queue_pop_many(q, 1, NULL);
}

bole_queue_item_t *bole_queue_take_all(bole_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    bole_queue_item_t *all = q->head;
    q->head = q->tail = NULL;
    q->length = 0;
    pthread_mutex_unlock(&q->lock);
    return all;
}

void bole_queue_close(bole_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

size_t bole_queue_length(bole_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->length;
    pthread_mutex_unlock(&q->lock);
    return n;
}
