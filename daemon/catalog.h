/*
 * catalog.h - every talent and need record in memory, by internal id and by
 * external id, with posting lists (zone, industry, category, organisation)
 * that let selective filters enumerate their few candidates exactly.
 *
 * Derived state: rebuilt from the store at start-up, updated by the writer
 * thread after each commit. Readers take the read lock for as long as they
 * use records (a match holds it for its whole re-ranking); the writer takes
 * the write lock to swap records in and out, and frees replaced records
 * under it, so a reader never sees a freed or half-built record.
 */
#ifndef BOLE_CATALOG_H
#define BOLE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "intern.h"
#include "profile.h"

typedef struct bole_catalog bole_catalog_t;

bole_catalog_t *bole_catalog_new(void);
void bole_catalog_destroy(bole_catalog_t **catalog);

/* The name table shared by all records (thread-safe on its own). */
bole_intern_t *bole_catalog_names(bole_catalog_t *catalog);

void bole_catalog_read_lock(bole_catalog_t *catalog);
/* Takes the write lock. It first waits without queueing (trying again every
 * few hundred microseconds, for up to BOLE_CATALOG_POLITE_WAIT_MS), because
 * a queued writer makes every new reader wait too (the lock prefers
 * writers): while a reader holds the lock for long — the nice +10 live
 * matcher descheduled mid-match held it 13 ms on average, up to 110 ms,
 * during a 100,000-talent import (docs/LIVE.md) — Match requests would
 * queue behind the writer behind it. Only then does it queue, so a steady
 * stream of readers cannot starve it. */
void bole_catalog_write_lock(bole_catalog_t *catalog);
#define BOLE_CATALOG_POLITE_WAIT_MS 50
void bole_catalog_unlock(bole_catalog_t *catalog);

/* Writer side (caller holds the write lock). put takes ownership of the
 * record and frees any record it replaces; remove frees the record.
 * Return 0, or -1 if memory ran out (then the catalog is unchanged and the
 * record is freed). */
int  bole_catalog_put_talent(bole_catalog_t *catalog, bole_talent_rec_t *talent);
int  bole_catalog_put_need(bole_catalog_t *catalog, bole_need_rec_t *need);
void bole_catalog_remove_talent(bole_catalog_t *catalog, int64_t id);
void bole_catalog_remove_need(bole_catalog_t *catalog, int64_t id);

/* Reader side (caller holds a lock). NULL / 0 when absent. */
const bole_talent_rec_t *bole_catalog_talent(bole_catalog_t *catalog, int64_t id);
const bole_need_rec_t *bole_catalog_need(bole_catalog_t *catalog, int64_t id);
int64_t bole_catalog_talent_id(bole_catalog_t *catalog, const char *external_id);
int64_t bole_catalog_need_id(bole_catalog_t *catalog, const char *external_id);
size_t bole_catalog_talent_count(bole_catalog_t *catalog);
size_t bole_catalog_need_count(bole_catalog_t *catalog);

/* Posting lists (caller holds a lock): ids that have (or had) the value.
 * Entries can be stale or repeated after updates; callers re-check the
 * record. A full list is compacted before it grows (stale and repeated
 * entries dropped), so it holds at most about twice its live entries
 * however much the records churn. Returns the list length and sets *ids
 * (NULL when empty). */
typedef enum {
    BOLE_POSTING_TALENT_ZONE,
    BOLE_POSTING_TALENT_INDUSTRY,
    BOLE_POSTING_TALENT_CATEGORY,   /* key = TalentCategory number */
    BOLE_POSTING_NEED_ZONE,
    BOLE_POSTING_NEED_INDUSTRY,
    BOLE_POSTING_NEED_ORGANISATION,
    BOLE_POSTING_KINDS
} bole_posting_kind_t;
size_t bole_catalog_posting(bole_catalog_t *catalog, bole_posting_kind_t kind, uint32_t key,
                            const int64_t **ids /* OUT */);

/* Skill statistics for ranking (caller holds a lock; valid until it is
 * released): sets *logdf to an array, indexed by interned skill id, of
 * ln(1 + number of live records, talents and needs, that list the skill),
 * and *n_records to the number of live records. Returns the array's length;
 * ids at or beyond it are held by no record. Kept up to date by every put
 * and remove (docs/RANKING.md, "Skill rarity"). */
size_t bole_catalog_skill_stats(bole_catalog_t *catalog, const float **logdf /* OUT */,
                                size_t *n_records /* OUT */);

#endif
