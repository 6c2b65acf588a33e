/*
 * validate.c - see validate.h.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>

#define FAIL(...)                                 \
    do {                                          \
        snprintf(err, errlen, __VA_ARGS__);       \
        return BOLE_INVALID_ARGUMENT;             \
    } while (0)

bole_status_t bole_validate_id(const char *id, const char *what, char *err, size_t errlen)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0)
        FAIL("%s: an id is required", what);
    if (len > BOLE_MAX_ID_BYTES)
        FAIL("%s: %zu bytes, at most %d allowed", what, len, BOLE_MAX_ID_BYTES);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            FAIL("%s: control character at byte %zu", what, i);
    return BOLE_OK;
}

static bole_status_t s_text(const char *s, size_t max, const char *what, const char *field,
                            char *err, size_t errlen)
{
    size_t len = s ? strlen(s) : 0;
    if (len > max)
        FAIL("%s.%s: %zu bytes, at most %zu allowed", what, field, len, max);
    return BOLE_OK;
}

static bole_status_t s_list(char **items, size_t n, size_t max_items, const char *what,
                            const char *field, char *err, size_t errlen)
{
    if (n > max_items)
        FAIL("%s.%s: %zu entries, at most %zu allowed", what, field, n, max_items);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        if (len == 0)
            FAIL("%s.%s[%zu]: must not be empty", what, field, i);
        if (len > BOLE_MAX_NAME_BYTES)
            FAIL("%s.%s[%zu]: %zu bytes, at most %d allowed", what, field, i, len,
                 BOLE_MAX_NAME_BYTES);
    }
    return BOLE_OK;
}

static bole_status_t s_range(double v, double lo, double hi, const char *what, const char *field,
                             char *err, size_t errlen)
{
    if (v < lo || v > hi)
        FAIL("%s.%s: must be %g-%g (got %g)", what, field, lo, hi, v);
    return BOLE_OK;
}

#define CHECK_ST(expr)                  \
    do {                                \
        bole_status_t st_ = (expr);     \
        if (st_ != BOLE_OK)             \
            return st_;                 \
    } while (0)

bole_status_t bole_validate_talent(const Bole__Talent *t, const char *what, char *err,
                                   size_t errlen)
{
    if (!t)
        FAIL("%s: missing", what);
    char where[160];
    snprintf(where, sizeof where, "%s.external_id", what);
    CHECK_ST(bole_validate_id(t->external_id, where, err, errlen));
    CHECK_ST(s_text(t->zone, BOLE_MAX_NAME_BYTES, what, "zone", err, errlen));
    CHECK_ST(s_text(t->occupation, BOLE_MAX_NAME_BYTES, what, "occupation", err, errlen));
    CHECK_ST(s_text(t->summary, BOLE_MAX_TEXT_BYTES, what, "summary", err, errlen));
    CHECK_ST(s_text(t->display_name, BOLE_MAX_NAME_BYTES, what, "display_name", err, errlen));
    if (t->n_skills > BOLE_MAX_SKILLS)
        FAIL("%s.skills: %zu entries, at most %d allowed", what, t->n_skills, BOLE_MAX_SKILLS);
    for (size_t i = 0; i < t->n_skills; i++) {
        const Bole__Skill *s = t->skills[i];
        size_t len = strlen(s->name);
        if (len == 0 || len > BOLE_MAX_NAME_BYTES)
            FAIL("%s.skills[%zu].name: must be 1-%d bytes (got %zu)", what, i,
                 BOLE_MAX_NAME_BYTES, len);
        if (s->level > 5)
            FAIL("%s.skills[%zu].level: must be 1-5, or 0 for unknown (got %u)", what, i,
                 s->level);
        if (s->years < 0 || s->years > 80)
            FAIL("%s.skills[%zu].years: must be 0-80 (got %g)", what, i, (double)s->years);
    }
    CHECK_ST(s_list(t->industries, t->n_industries, BOLE_MAX_LIST, what, "industries", err,
                    errlen));
    CHECK_ST(s_range(t->experience_years, 0, 80, what, "experience_years", err, errlen));
    for (size_t i = 0; i < t->n_categories; i++)
        if (t->categories[i] == BOLE__TALENT_CATEGORY__CATEGORY_UNSPECIFIED)
            FAIL("%s.categories[%zu]: CATEGORY_UNSPECIFIED is not a category", what, i);
    if (t->n_categories > 6)
        FAIL("%s.categories: %zu entries, at most 6 allowed", what, t->n_categories);
    CHECK_ST(s_range(t->high_level_tier, 0, 5, what, "high_level_tier", err, errlen));
    if (t->preferences) {
        CHECK_ST(s_list(t->preferences->industries, t->preferences->n_industries, BOLE_MAX_LIST,
                        what, "preferences.industries", err, errlen));
        CHECK_ST(s_list(t->preferences->zones, t->preferences->n_zones, BOLE_MAX_LIST, what,
                        "preferences.zones", err, errlen));
    }
    if (t->updated_at < 0)
        FAIL("%s.updated_at: must not be negative", what);
    if (t->n_vector > 4096)
        FAIL("%s.vector: %zu values, at most 4096 allowed", what, t->n_vector);
    return BOLE_OK;
}

bole_status_t bole_validate_need(const Bole__Need *n, const char *what, char *err,
                                 size_t errlen)
{
    if (!n)
        FAIL("%s: missing", what);
    char where[160];
    snprintf(where, sizeof where, "%s.external_id", what);
    CHECK_ST(bole_validate_id(n->external_id, where, err, errlen));
    CHECK_ST(s_text(n->organisation, BOLE_MAX_NAME_BYTES, what, "organisation", err, errlen));
    CHECK_ST(s_text(n->zone, BOLE_MAX_NAME_BYTES, what, "zone", err, errlen));
    CHECK_ST(s_text(n->industry, BOLE_MAX_NAME_BYTES, what, "industry", err, errlen));
    CHECK_ST(s_text(n->title, BOLE_MAX_NAME_BYTES, what, "title", err, errlen));
    CHECK_ST(s_text(n->description, BOLE_MAX_TEXT_BYTES, what, "description", err, errlen));
    CHECK_ST(s_text(n->project_id, BOLE_MAX_ID_BYTES, what, "project_id", err, errlen));
    if (n->n_skills > BOLE_MAX_SKILLS)
        FAIL("%s.skills: %zu entries, at most %d allowed", what, n->n_skills, BOLE_MAX_SKILLS);
    for (size_t i = 0; i < n->n_skills; i++) {
        const Bole__NeedSkill *s = n->skills[i];
        size_t len = strlen(s->name);
        if (len == 0 || len > BOLE_MAX_NAME_BYTES)
            FAIL("%s.skills[%zu].name: must be 1-%d bytes (got %zu)", what, i,
                 BOLE_MAX_NAME_BYTES, len);
        if (s->min_level > 5)
            FAIL("%s.skills[%zu].min_level: must be 0-5 (got %u)", what, i, s->min_level);
        if (s->importance < 0 || s->importance > 1)
            FAIL("%s.skills[%zu].importance: must be 0-1 (got %g)", what, i,
                 (double)s->importance);
    }
    CHECK_ST(s_range(n->min_experience_years, 0, 80, what, "min_experience_years", err, errlen));
    CHECK_ST(s_range(n->max_experience_years, 0, 80, what, "max_experience_years", err, errlen));
    if (n->max_experience_years > 0 && n->max_experience_years < n->min_experience_years)
        FAIL("%s: max_experience_years (%g) is below min_experience_years (%g)", what,
             (double)n->max_experience_years, (double)n->min_experience_years);
    if (n->min_education && n->max_education && n->max_education < n->min_education)
        FAIL("%s: max_education is below min_education", what);
    if (n->headcount > 10000)
        FAIL("%s.headcount: at most 10000 (got %u)", what, n->headcount);
    if (n->salary_min && n->salary_max && n->salary_max < n->salary_min)
        FAIL("%s: salary_max (%u) is below salary_min (%u)", what, n->salary_max, n->salary_min);
    for (size_t i = 0; i < n->n_preferred_categories; i++)
        if (n->preferred_categories[i] == BOLE__TALENT_CATEGORY__CATEGORY_UNSPECIFIED)
            FAIL("%s.preferred_categories[%zu]: CATEGORY_UNSPECIFIED is not a category", what, i);
    if (n->updated_at < 0 || n->expires_at < 0)
        FAIL("%s: times must not be negative", what);
    if (n->n_vector > 4096)
        FAIL("%s.vector: %zu values, at most 4096 allowed", what, n->n_vector);
    return BOLE_OK;
}

bole_status_t bole_validate_filter(const Bole__MatchFilter *f, char *err, size_t errlen)
{
    if (!f)
        return BOLE_OK;
    CHECK_ST(s_list(f->zones, f->n_zones, 1000, "filter", "zones", err, errlen));
    CHECK_ST(s_list(f->industries, f->n_industries, 1000, "filter", "industries", err, errlen));
    CHECK_ST(s_list(f->organisations, f->n_organisations, 1000, "filter", "organisations", err,
                    errlen));
    if (f->n_exclude_ids > 10000)
        FAIL("filter.exclude_ids: %zu entries, at most 10000 allowed", f->n_exclude_ids);
    CHECK_ST(s_range(f->min_experience_years, 0, 80, "filter", "min_experience_years", err,
                     errlen));
    return BOLE_OK;
}
