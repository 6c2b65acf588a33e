/* model.h -- Bole's embedding model: load a trained model file and turn a
 * profile (title, weighted skills, free text) into a unit vector.
 *
 * The model file is written by tools/train/bole-train and documented in
 * docs/MODEL.md. It is mapped read-only with mmap and validated in full
 * (magic, version, every size and offset, checksum) before use, so a
 * truncated or corrupted file is refused rather than trusted.
 *
 * Library-grade: this header and model.c use only the C standard library and
 * POSIX mmap. A loaded model holds no mutable state, so any number of threads
 * may call bole_model_embed() on the same model concurrently.
 *
 * The text helpers at the end are shared with bole-train so that training
 * and embedding cut words and sub-words exactly the same way. */
#ifndef BOLE_MODEL_H
#define BOLE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define BOLE_MODEL_MAGIC        "BOLEMDL"   /* 8 bytes with the NUL */
#define BOLE_MODEL_FORMAT       1u          /* file format version */
#define BOLE_MODEL_MAX_DIM      1024        /* largest dimension accepted */
#define BOLE_MODEL_MAX_WORD     64          /* longer words are truncated */

typedef struct bole_model bole_model_t;

/* One skill of a profile: its name and weight (level 1-5, importance, ...).
 * A weight <= 0 or not finite counts as 1. */
typedef struct {
    const char *name;                 /* UTF-8, NUL-terminated */
    float       weight;
} bole_model_term_t;

/* What gets embedded. Every field may be empty/NULL; at least one must
 * contain something embeddable. The model keeps no pointer into it. */
typedef struct {
    const char              *title;    /* occupation/position title, or NULL */
    const bole_model_term_t *skills;   /* n_skills entries, or NULL */
    size_t                   n_skills;
    const char              *text;     /* free-text summary, UTF-8, or NULL */
} bole_model_input_t;

/* Map and validate the model file at path. On success returns 0 and stores a
 * new model in *out, owned by the caller (free with bole_model_destroy). On
 * failure returns -1, leaves *out NULL, writes a one-line reason into err
 * (if err and errlen > 0) and keeps no file open. */
int bole_model_open(bole_model_t **out, const char *path, char *err, size_t errlen);

/* Unmap and free a model. NULL-safe; sets *model to NULL. */
void bole_model_destroy(bole_model_t **model);

/* Vector dimension (e.g. 128). */
int bole_model_dim(const bole_model_t *model);

/* Model version string from the file (e.g. "onet29.2-ppmi-svd-d128-v1").
 * Valid while the model is open. */
const char *bole_model_version(const bole_model_t *model);

/* Build information stored by the trainer (source, seed, parameters; no
 * date). Valid while the model is open. */
const char *bole_model_buildinfo(const bole_model_t *model);

/* The FNV-1a 64 checksum of the file body, as stored and verified. */
uint64_t bole_model_checksum(const bole_model_t *model);

/* Number of vocabulary tokens. */
size_t bole_model_vocab_size(const bole_model_t *model);

/* Embed a profile: writes an L2-normalised vector of bole_model_dim() floats
 * into out. Returns 0, or -1 if the input has no embeddable content or a
 * small scratch allocation failed (then out is all zeros). The input is not
 * modified and no pointer is kept. Only the first 4096 words of each text
 * field are read. How the parts are weighted: docs/MODEL.md. */
int bole_model_embed(const bole_model_t *model, const bole_model_input_t *in, float *out);

/* Look up a whole vocabulary token (already normalised, see
 * bole_model_norm_name). Returns its index or -1. */
long bole_model_lookup(const bole_model_t *model, const char *token);

/* ---- text helpers shared with bole-train --------------------------------
 * A "word" is a run of ASCII letters, digits, '+' or '#' (lower-cased), or a
 * run of non-ASCII UTF-8 characters (CJK punctuation splits runs). */

/* Read the next word from *p into buf (NUL-terminated, at most
 * BOLE_MODEL_MAX_WORD-1 bytes; longer words are truncated) and advance *p.
 * Returns the word's length, or 0 at the end of the text. *is_ascii is set
 * to 1 for an ASCII word, 0 for a non-ASCII run. */
size_t bole_model_next_word(const char **p, char buf[BOLE_MODEL_MAX_WORD], int *is_ascii);

/* Reduce a lower-cased ASCII word to its index form in place (a light
 * plural stemmer: "technologies" -> "technology", "nurses" -> "nurse").
 * Returns the new length. */
size_t bole_model_stem(char *word, size_t len);

/* Nonzero if the (stemmed) word is a stop word ("and", "of", ...). */
int bole_model_is_stopword(const char *word);

/* Normalise a whole name ("Microsoft  Excel", "Node.js") to its vocabulary
 * form: the unstemmed words joined by single spaces ("microsoft excel",
 * "node js"). Returns the length written (truncated to outlen-1). */
size_t bole_model_norm_name(const char *in, char *out, size_t outlen);

/* Sub-word buckets of an ASCII word: hashes of its character 3- to 5-grams,
 * with '<' and '>' marking the word's edges, modulo nbuckets. Writes at most
 * max bucket numbers into out and returns how many were written. */
size_t bole_model_ngram_buckets(const char *word, size_t len, uint32_t seed,
                                uint32_t nbuckets, uint32_t *out, size_t max);

/* FNV-1a 64 over len bytes, continuing from h (start with
 * BOLE_FNV64_INIT). */
#define BOLE_FNV64_INIT 0xcbf29ce484222325ull
uint64_t bole_model_fnv64(uint64_t h, const void *data, size_t len);

#endif /* BOLE_MODEL_H */
