/*
 * intern.h - string interning: each distinct normalised name (a skill, zone,
 * industry or organisation) gets a small stable id, so records store ids and
 * ranking and filters compare integers instead of strings.
 *
 * Names are normalised before interning: leading/trailing space removed,
 * runs of white space collapsed to one space, ASCII letters lower-cased
 * (other UTF-8 text is kept as is). "  Machine   Learning" == "machine learning".
 *
 * Thread safety: any number of threads may look up while one thread adds;
 * ids are never reused or moved, and a returned string stays valid for the
 * table's life.
 */
#ifndef BOLE_INTERN_H
#define BOLE_INTERN_H

#include <stddef.h>
#include <stdint.h>

#define BOLE_INTERN_NONE 0u   /* Id of "no value" (the empty string). */

typedef struct bole_intern bole_intern_t;

bole_intern_t *bole_intern_new(void);
void bole_intern_destroy(bole_intern_t **table);

/* Id of name, adding it if new. Returns BOLE_INTERN_NONE for an empty or
 * all-space name, and UINT32_MAX if memory ran out. */
uint32_t bole_intern_add(bole_intern_t *table, const char *name);

/* Id of name if known, else BOLE_INTERN_NONE (never adds). */
uint32_t bole_intern_find(bole_intern_t *table, const char *name);

/* The normalised name of an id ("" for unknown ids). */
const char *bole_intern_name(bole_intern_t *table, uint32_t id);

/* Number of ids handed out, plus one for BOLE_INTERN_NONE. */
uint32_t bole_intern_count(bole_intern_t *table);

/* Writes the normalised form of name into out (truncated to outlen-1). */
void bole_intern_normalise(const char *name, char *out, size_t outlen);

#endif
