/*
 * bytebuf.c - growable byte buffer and varints (bytebuf.h).
 */
#include "bytebuf.h"

#include <stdlib.h>
#include <string.h>

void bole_bytebuf_put(bole_bytebuf_t *b, const void *src, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

void bole_bytebuf_put_le(bole_bytebuf_t *b, uint64_t v, int bytes)
{
    unsigned char x[8];
    for (int i = 0; i < bytes; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    bole_bytebuf_put(b, x, (size_t)bytes);
}

void bole_bytebuf_put_varint(bole_bytebuf_t *b, uint64_t v)
{
    unsigned char x[10];
    size_t n = 0;
    do {
        x[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            x[n] |= 0x80;
        n++;
    } while (v);
    bole_bytebuf_put(b, x, n);
}

void bole_bytebuf_put_svarint(bole_bytebuf_t *b, int64_t v)
{
    bole_bytebuf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

int bole_varint_read(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int bole_svarint_read(const uint8_t **p, const uint8_t *end, int64_t *out)
{
    uint64_t z;
    if (bole_varint_read(p, end, &z) != 0)
        return -1;
    *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    return 0;
}
