/*
 * test_catalog.c - posting lists stay bounded under churn: a portal that
 * deletes and re-creates talents (each re-creation gets a new internal id)
 * or moves them between zones must not grow the lists for ever, and every
 * live record must stay findable through them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "check.h"
#include "intern.h"
#include "profile_build.h"

static bole_talent_rec_t *s_talent(bole_catalog_t *c, int64_t id, const char *zone)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    char ext[32];
    snprintf(ext, sizeof ext, "T%lld", (long long)id);
    t.external_id = ext;
    t.zone = (char *)zone;
    t.occupation = "Welder";
    return bole_talent_rec_build(bole_catalog_names(c), &t, id);
}

/* Is id in the posting list of zone? */
static int s_listed(bole_catalog_t *c, uint32_t zone, int64_t id, size_t *len)
{
    const int64_t *ids = NULL;
    *len = bole_catalog_posting(c, BOLE_POSTING_TALENT_ZONE, zone, &ids);
    for (size_t i = 0; i < *len; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

int main(void)
{
    enum { LIVE = 100, ROUNDS = 20000 };
    bole_catalog_t *c = bole_catalog_new();
    REQUIRE(c != NULL);
    bole_catalog_write_lock(c);
    int64_t live[LIVE];
    int64_t next_id = 1;
    for (int i = 0; i < LIVE; i++) {
        live[i] = next_id++;
        REQUIRE(bole_catalog_put_talent(c, s_talent(c, live[i], "north")) == 0);
    }
    /* Churn: delete one, re-create it under a new id; every tenth round
     * also move another talent to "south" and back. */
    size_t longest = 0, len;
    for (int r = 0; r < ROUNDS; r++) {
        int i = r % LIVE;
        bole_catalog_remove_talent(c, live[i]);
        live[i] = next_id++;
        REQUIRE(bole_catalog_put_talent(c, s_talent(c, live[i], "north")) == 0);
        if (r % 10 == 0) {
            int j = (r / 10) % LIVE;
            REQUIRE(bole_catalog_put_talent(c, s_talent(c, live[j], "south")) == 0);
            REQUIRE(bole_catalog_put_talent(c, s_talent(c, live[j], "north")) == 0);
        }
        uint32_t north = bole_intern_find(bole_catalog_names(c), "north");
        s_listed(c, north, live[i], &len);
        if (len > longest)
            longest = len;
    }
    uint32_t north = bole_intern_find(bole_catalog_names(c), "north");
    int missing = 0;
    for (int i = 0; i < LIVE; i++)
        missing += !s_listed(c, north, live[i], &len);
    printf("after %d re-creations: north list %zu entries (longest seen %zu) for %d live\n",
           ROUNDS, len, longest, LIVE);
    CHECK_EQ_INT(missing, 0);
    /* External ids still resolve after the many tombstone clean-ups of the
     * external-id table; deleted ones do not. */
    int wrong = 0;
    for (int i = 0; i < LIVE; i++) {
        char ext[32];
        snprintf(ext, sizeof ext, "T%lld", (long long)live[i]);
        wrong += bole_catalog_talent_id(c, ext) != live[i];
        snprintf(ext, sizeof ext, "T%lld", (long long)live[i] - LIVE);
        wrong += live[i] > LIVE && bole_catalog_talent_id(c, ext) != 0;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_UINT(bole_catalog_talent_count(c), LIVE);
    /* Without compaction the list would hold every id ever created (> 20,000). */
    CHECK_LE_UINT(longest, 4 * LIVE + 64);
    bole_catalog_unlock(c);
    bole_catalog_destroy(&c);
    return check_summary();
}
