/*
 * profile.h - the in-memory form of talents and needs that ranking, filters
 * and team formation work on. Strings that are compared (skills, zones,
 * industries, organisations) are interned ids (intern.h); display strings
 * are kept as text. Records are immutable once published: an update makes a
 * new record and swaps the pointer, so readers never see half an update.
 *
 * Enumerations use the wire protocol's numbers (bole.proto).
 */
#ifndef BOLE_PROFILE_H
#define BOLE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* Bit i set = TalentCategory i held (bit 1 URGENTLY_NEEDED ... bit 6 OVERSEAS_RETURNEE). */
typedef uint32_t bole_category_mask_t;

typedef struct {
    uint32_t skill;        /* Interned skill name. */
    uint8_t level;         /* 1-5 (0 if not given: treated as 3). */
    float years;           /* Years of use, 0 if unknown. */
} bole_talent_skill_t;

typedef struct {
    int64_t id;                        /* Internal id (SQLite rowid). */
    char *external_id;                 /* Portal id. */
    char *occupation;                  /* Title, for display and embedding. */
    uint32_t zone;                     /* Interned zone. */
    uint32_t *industries;              /* Interned, n_industries of them. */
    size_t n_industries;
    bole_talent_skill_t *skills;       /* Sorted by skill id, unique. */
    size_t n_skills;
    float experience_years;
    int education;                     /* bole.Education. */
    bole_category_mask_t categories;
    int high_level_tier;               /* 1 (top) - 5; 0 none. */
    uint32_t *pref_industries;         /* Interned; empty = any. */
    size_t n_pref_industries;
    uint32_t *pref_zones;              /* Interned; empty = any. */
    size_t n_pref_zones;
    uint32_t salary_floor;             /* Monthly CNY; 0 none. */
    int availability;                  /* bole.Availability. */
    int64_t updated_at;                /* Unix ms. */
} bole_talent_rec_t;

typedef struct {
    uint32_t skill;        /* Interned skill name. */
    int must_have;         /* 1 required, 0 nice to have. */
    uint8_t min_level;     /* 0-5. */
    float importance;      /* > 0 (1 if not given). */
} bole_need_skill_t;

typedef struct {
    int64_t id;                        /* Internal id. */
    char *external_id;                 /* Portal id. */
    char *title;                       /* Display title. */
    uint32_t organisation;             /* Interned. */
    int kind;                          /* bole.NeedKind. */
    uint32_t zone;                     /* Interned. */
    uint32_t industry;                 /* Interned. */
    bole_need_skill_t *skills;         /* Sorted by skill id, unique. */
    size_t n_skills;
    float min_experience_years;        /* 0 none. */
    float max_experience_years;        /* 0 none. */
    int min_education;                 /* 0 none. */
    int max_education;                 /* 0 none. */
    uint32_t headcount;                /* >= 1. */
    int urgency;                       /* bole.Urgency. */
    uint32_t salary_min, salary_max;   /* Monthly CNY; 0 not given. */
    int closed;                        /* 1 once closed. */
    int64_t expires_at;                /* 0 never. */
    int64_t updated_at;                /* Unix ms. */
    bole_category_mask_t preferred_categories;
    char *project_id;                  /* For project roles, else "". */
} bole_need_rec_t;

/* A need is open if not closed and not expired at now (Unix ms). */
static inline int bole_need_is_open(const bole_need_rec_t *need, int64_t now)
{
    return !need->closed && (need->expires_at == 0 || need->expires_at > now);
}

#endif
