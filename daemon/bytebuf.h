/*
 * bytebuf.h - a growable byte buffer for packing blobs (the trend snapshot,
 * packed trend rows) and base-128 varints, written and read.
 *
 * Writes never fail on the spot: after an allocation failure the buffer
 * ignores further writes and sets failed, so a packer checks once at the
 * end. Start from BOLE_BYTEBUF_INIT; the caller frees p.
 */
#ifndef BOLE_BYTEBUF_H
#define BOLE_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *p;
    size_t n, cap;
    int failed;         /* An allocation failed: p holds a prefix only. */
} bole_bytebuf_t;

#define BOLE_BYTEBUF_INIT {NULL, 0, 0, 0}

void bole_bytebuf_put(bole_bytebuf_t *b, const void *src, size_t n);
/* v's low `bytes` bytes, little-endian. */
void bole_bytebuf_put_le(bole_bytebuf_t *b, uint64_t v, int bytes);
/* Base-128, 7 bits per byte, low first. */
void bole_bytebuf_put_varint(bole_bytebuf_t *b, uint64_t v);
/* Zigzag (small magnitudes of either sign stay short), then varint. */
void bole_bytebuf_put_svarint(bole_bytebuf_t *b, int64_t v);

/* Reads a varint at *p (below end) and advances *p; -1 if cut short or
 * longer than 64 bits. */
int bole_varint_read(const uint8_t **p, const uint8_t *end, uint64_t *out);
int bole_svarint_read(const uint8_t **p, const uint8_t *end, int64_t *out);

#endif
