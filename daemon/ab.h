/*
 * ab.h - A/B serving of two ranking-weights versions: the optional
 * <model dir>/ab.conf (the B share and a salt) and the deterministic
 * bucketing of a request by its key (the subject's external id).
 *
 * A key goes to B when h = fmix64(FNV-1a-64(salt ":" key)) (FNV-1a-64(key)
 * with no salt; fmix64 is MurmurHash3's 64-bit finalizer), mapped to [0, 1)
 * by its top 53 bits (h >> 11) / 2^53, is below b_share. The same key
 * therefore always lands in the same bucket while ab.conf is unchanged, and
 * a tool can recompute any assignment (docs/TUNING.md, "A/B serving").
 *
 * Library-grade: needs only the C standard library.
 */
#ifndef BOLE_AB_H
#define BOLE_AB_H

#include <stddef.h>

#define BOLE_AB_SALT_MAX 64 /* Longest salt, with the NUL. */

typedef struct {
    double b_share;               /* Share of keys served by the B weights, in [0, 1]. */
    char salt[BOLE_AB_SALT_MAX];  /* Mixed into the hash; "" = none. */
} bole_ab_t;

/* Parse ab.conf text (len bytes; `key = value` lines, `#` comments). Keys:
 * b_share (required, a number in [0, 1]) and salt (optional; letters,
 * digits, '.', '_', '-'). Returns 0, or -1 with "name:line: reason" in err
 * (*out is then unspecified). */
int bole_ab_parse(bole_ab_t *out, const char *text, size_t len, const char *name, char *err,
                  size_t errlen);

/* Read and parse the file at path; as bole_ab_parse. */
int bole_ab_load(bole_ab_t *out, const char *path, char *err, size_t errlen);

/* The key's position in [0, 1) (see above). */
double bole_ab_bucket(const char *salt, const char *key);

/* 1 if key is served by B. An empty or NULL key is always A (control). */
int bole_ab_is_b(const bole_ab_t *ab, const char *key);

#endif
