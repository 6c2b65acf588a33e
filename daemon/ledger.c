/*
 * ledger.c - SHA-256 hash chain of the referral ledger (see ledger.h and
 * docs/AWARD.md for the byte layout). Pure functions over caller memory.
 */
#include "ledger.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bole_ledger_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void bole_ledger_commit(uint8_t out[BOLE_LEDGER_HASH_BYTES], const uint8_t *salt,
                        size_t salt_len, char tag, const char *value)
{
    crypto_hash_sha256_state st;
    unsigned char t = (unsigned char)tag;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, salt, salt_len);
    crypto_hash_sha256_update(&st, &t, 1);
    if (value)
        crypto_hash_sha256_update(&st, (const unsigned char *)value, strlen(value));
    crypto_hash_sha256_final(&st, out);
}

void bole_ledger_new_salt(uint8_t salt[BOLE_LEDGER_SALT_BYTES])
{
    randombytes_buf(salt, BOLE_LEDGER_SALT_BYTES);
}

/* A tiny bounded writer: counts every byte, stores those that fit. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
} s_out_t;

static void s_put(s_out_t *o, const void *p, size_t n)
{
    if (o->len + n <= o->cap)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void s_u64(s_out_t *o, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    s_put(o, b, 8);
}

/* Length-prefixed (u32 big-endian) string, so no two field lists collide. */
static void s_str(s_out_t *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    uint8_t b[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    s_put(o, b, 4);
    if (n)
        s_put(o, s, n);
}

size_t bole_ledger_canonical(const bole_ledger_entry_t *e, uint8_t *buf, size_t cap)
{
    s_out_t o = {buf, buf ? cap : 0, 0};
    uint8_t format = BOLE_LEDGER_FORMAT;
    s_put(&o, &format, 1);
    s_u64(&o, e->seq);
    s_u64(&o, (uint64_t)e->at);
    s_u64(&o, (uint64_t)e->referral_id);
    s_str(&o, e->event);
    s_u64(&o, (uint64_t)(int64_t)e->stage);
    s_str(&o, e->referrer_id);
    s_put(&o, e->talent_commit, BOLE_LEDGER_HASH_BYTES);
    s_str(&o, e->need_id);
    s_str(&o, e->actor);
    s_put(&o, e->note_commit, BOLE_LEDGER_HASH_BYTES);
    s_str(&o, e->rules_version);
    s_u64(&o, (uint64_t)e->points_milli);
    return o.len;
}

int bole_ledger_hash(uint8_t out[BOLE_LEDGER_HASH_BYTES],
                     const uint8_t prev[BOLE_LEDGER_HASH_BYTES], const bole_ledger_entry_t *e)
{
    uint8_t stack[512];
    size_t n = bole_ledger_canonical(e, NULL, 0);
    uint8_t *buf = n <= sizeof stack ? stack : malloc(n);
    if (!buf)
        return -1;
    bole_ledger_canonical(e, buf, n);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, BOLE_LEDGER_HASH_BYTES);
    crypto_hash_sha256_update(&st, buf, n);
    crypto_hash_sha256_final(&st, out);
    if (buf != stack)
        free(buf);
    return 0;
}

void bole_ledger_pseudonym(char *out, const uint8_t commit[BOLE_LEDGER_HASH_BYTES])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "erased:", 7);
    for (int i = 0; i < 8; i++) {
        out[7 + 2 * i] = hex[commit[i] >> 4];
        out[8 + 2 * i] = hex[commit[i] & 15];
    }
    out[23] = '\0';
}

void bole_ledger_verify_init(bole_ledger_verifier_t *v)
{
    memset(v, 0, sizeof *v);
}

void bole_ledger_verify_flag(bole_ledger_verifier_t *v, uint64_t seq, const char *message)
{
    if (v->first_bad == 0 || seq < v->first_bad) {
        v->first_bad = seq;
        snprintf(v->message, sizeof v->message, "entry %llu: %s", (unsigned long long)seq,
                 message);
    }
}

int bole_ledger_verify_step(bole_ledger_verifier_t *v, const bole_ledger_entry_t *e,
                            const uint8_t stored_prev[BOLE_LEDGER_HASH_BYTES],
                            const uint8_t stored_hash[BOLE_LEDGER_HASH_BYTES])
{
    uint64_t expected = v->entries + 1;
    uint8_t h[BOLE_LEDGER_HASH_BYTES];
    const char *why = NULL;
    char buf[96];
    v->entries++;
    if (e->seq != expected) {
        snprintf(buf, sizeof buf, "missing or reordered: sequence %llu follows %llu",
                 (unsigned long long)e->seq, (unsigned long long)(expected - 1));
        v->entries = e->seq; /* Resynchronise: report each gap once. */
        memcpy(v->prev, stored_hash, BOLE_LEDGER_HASH_BYTES);
        bole_ledger_verify_flag(v, expected, buf); /* Name the first missing entry. */
        return -1;
    } else if (sodium_memcmp(stored_prev, v->prev, BOLE_LEDGER_HASH_BYTES) != 0) {
        why = "stored previous hash does not match the previous entry's hash";
    } else if (bole_ledger_hash(h, v->prev, e) != 0) {
        why = "out of memory while hashing";
    } else if (sodium_memcmp(h, stored_hash, BOLE_LEDGER_HASH_BYTES) != 0) {
        why = "content does not match its hash (entry edited)";
    }
    memcpy(v->prev, stored_hash, BOLE_LEDGER_HASH_BYTES);
    if (!why)
        return 0;
    bole_ledger_verify_flag(v, e->seq, why);
    return -1;
}
