/*
 * ledger.h - the tamper-evident hash chain of the referral ledger.
 *
 * Library-grade: depends on libsodium only, knows nothing about the daemon,
 * the store or protobuf. Every entry hashes the previous entry's hash and the
 * entry's canonical bytes with SHA-256:
 *
 *     hash[n] = SHA-256(hash[n-1] || canonical(entry[n]))   hash[0] = 32 zero bytes
 *
 * Personal data never enters the hash directly: the talent id and the free
 * text note are covered through commitments SHA-256(salt || tag || value)
 * with a per-talent random salt kept outside the ledger. Erasing a talent
 * deletes its salt and replaces the raw values by a pseudonym; the chain
 * still verifies because the commitments are unchanged. The byte layout is
 * specified in docs/AWARD.md.
 */
#ifndef BOLE_LEDGER_H
#define BOLE_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#define BOLE_LEDGER_HASH_BYTES 32
#define BOLE_LEDGER_SALT_BYTES 16
#define BOLE_LEDGER_FORMAT     1    /* First byte of every canonical entry. */
#define BOLE_LEDGER_PSEUDONYM_LEN 26 /* "erased:" + 16 hex digits + NUL, rounded. */

/* One ledger entry as hashed. Strings are NUL-terminated UTF-8 (NULL counts
 * as ""); the caller owns everything. */
typedef struct {
    uint64_t seq;                                   /* 1, 2, 3 ... without gaps. */
    int64_t at;                                     /* Unix ms of the event. */
    int64_t referral_id;                            /* Internal referral id. */
    const char *event;                              /* "refer", "advance", "award" ... */
    int stage;                                      /* bole.ReferralStage after the event. */
    const char *referrer_id;                        /* Referrer (an organisation or person id). */
    uint8_t talent_commit[BOLE_LEDGER_HASH_BYTES];  /* bole_ledger_commit(salt, 't', talent id). */
    const char *need_id;                            /* Need external id or "". */
    const char *actor;                              /* Who caused it. */
    uint8_t note_commit[BOLE_LEDGER_HASH_BYTES];    /* bole_ledger_commit(salt, 'n', note). */
    const char *rules_version;                      /* Award rules version, "" if none. */
    int64_t points_milli;                           /* Points awarded by this event x 1000. */
} bole_ledger_entry_t;

/* Calls sodium_init(); returns 0, or -1 if libsodium cannot start. */
int bole_ledger_init(void);

/* out = SHA-256(salt || tag || value). tag separates what is committed to
 * ('t' talent id, 'n' note). */
void bole_ledger_commit(uint8_t out[BOLE_LEDGER_HASH_BYTES], const uint8_t *salt,
                        size_t salt_len, char tag, const char *value);

/* Fills salt with random bytes. */
void bole_ledger_new_salt(uint8_t salt[BOLE_LEDGER_SALT_BYTES]);

/* The canonical bytes of e, written to buf when cap allows. Returns the
 * length needed (call with cap 0 to size the buffer). */
size_t bole_ledger_canonical(const bole_ledger_entry_t *e, uint8_t *buf, size_t cap);

/* out = SHA-256(prev || canonical(e)). Returns 0, or -1 if memory ran out. */
int bole_ledger_hash(uint8_t out[BOLE_LEDGER_HASH_BYTES],
                     const uint8_t prev[BOLE_LEDGER_HASH_BYTES], const bole_ledger_entry_t *e);

/* The pseudonym that replaces an erased value: "erased:" + the first 8
 * bytes of its commitment in hex. out must hold BOLE_LEDGER_PSEUDONYM_LEN. */
void bole_ledger_pseudonym(char *out, const uint8_t commit[BOLE_LEDGER_HASH_BYTES]);

/* Incremental verification: feed entries in seq order. */
typedef struct {
    uint8_t prev[BOLE_LEDGER_HASH_BYTES];  /* Hash of the last good entry. */
    uint64_t entries;                      /* Entries fed. */
    uint64_t first_bad;                    /* Seq of the first bad entry, 0 while all good. */
    char message[256];                     /* Why the first bad entry is bad. */
} bole_ledger_verifier_t;

void bole_ledger_verify_init(bole_ledger_verifier_t *v);

/* Checks one stored entry: its seq follows the previous one, its stored
 * previous hash equals the previous entry's hash, and its stored hash equals
 * the recomputed one. The first failure is recorded in v (later ones are
 * counted but not described). Returns 0 if the entry is good, -1 if not.
 * After a bad entry the chain continues from its stored hash, so one
 * edited row is named once and does not condemn its successors. A gap
 * names the first missing sequence number. */
int bole_ledger_verify_step(bole_ledger_verifier_t *v, const bole_ledger_entry_t *e,
                            const uint8_t stored_prev[BOLE_LEDGER_HASH_BYTES],
                            const uint8_t stored_hash[BOLE_LEDGER_HASH_BYTES]);

/* Records an external finding (e.g. a raw value that does not match its
 * commitment) against entry seq, if no earlier entry is bad. */
void bole_ledger_verify_flag(bole_ledger_verifier_t *v, uint64_t seq, const char *message);

#endif
