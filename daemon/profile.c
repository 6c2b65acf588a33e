/*
 * profile.c - converting wire profiles (bole.Talent, bole.Need) into the
 * in-memory records of profile.h, and freeing them. Each record is one
 * malloc'd block plus its arrays, built completely before anyone sees it.
 */
#define _POSIX_C_SOURCE 200809L
#include "profile_build.h"

#include <stdlib.h>
#include <string.h>

static char *s_dup(const char *s)
{
    return strdup(s ? s : "");
}

static uint32_t *s_intern_list(bole_intern_t *names, char **items, size_t n, size_t *n_out)
{
    *n_out = 0;
    if (n == 0)
        return NULL;
    uint32_t *ids = malloc(n * sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = bole_intern_add(names, items[i]);
        if (id == BOLE_INTERN_NONE || id == UINT32_MAX)
            continue;
        int dup = 0;
        for (size_t j = 0; j < *n_out; j++)
            dup |= ids[j] == id;
        if (!dup)
            ids[(*n_out)++] = id;
    }
    return ids;
}

static int s_cmp_tskill(const void *a, const void *b)
{
    uint32_t x = ((const bole_talent_skill_t *)a)->skill, y = ((const bole_talent_skill_t *)b)->skill;
    return x < y ? -1 : x > y;
}

static int s_cmp_nskill(const void *a, const void *b)
{
    uint32_t x = ((const bole_need_skill_t *)a)->skill, y = ((const bole_need_skill_t *)b)->skill;
    return x < y ? -1 : x > y;
}

static bole_category_mask_t s_categories(const Bole__TalentCategory *cats, size_t n)
{
    bole_category_mask_t mask = 0;
    for (size_t i = 0; i < n; i++)
        if (cats[i] > 0 && cats[i] < 32)
            mask |= 1u << cats[i];
    return mask;
}

void bole_talent_rec_free(bole_talent_rec_t *t)
{
    if (!t)
        return;
    free(t->external_id);
    free(t->occupation);
    free(t->industries);
    free(t->skills);
    free(t->pref_industries);
    free(t->pref_zones);
    free(t);
}

void bole_need_rec_free(bole_need_rec_t *n)
{
    if (!n)
        return;
    free(n->external_id);
    free(n->title);
    free(n->skills);
    free(n->project_id);
    free(n);
}

bole_talent_rec_t *bole_talent_rec_build(bole_intern_t *names, const Bole__Talent *p, int64_t id)
{
    bole_talent_rec_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->id = id;
    t->external_id = s_dup(p->external_id);
    t->occupation = s_dup(p->occupation);
    t->zone = bole_intern_add(names, p->zone);
    t->industries = s_intern_list(names, p->industries, p->n_industries, &t->n_industries);
    if (p->n_skills) {
        t->skills = malloc(p->n_skills * sizeof *t->skills);
        if (!t->skills)
            goto fail;
        for (size_t i = 0; i < p->n_skills; i++) {
            uint32_t sid = bole_intern_add(names, p->skills[i]->name);
            if (sid == BOLE_INTERN_NONE || sid == UINT32_MAX)
                continue;
            t->skills[t->n_skills++] = (bole_talent_skill_t){
                .skill = sid,
                .level = (uint8_t)(p->skills[i]->level ? p->skills[i]->level : 3),
                .years = p->skills[i]->years,
            };
        }
        qsort(t->skills, t->n_skills, sizeof *t->skills, s_cmp_tskill);
        /* The same skill named twice: keep the higher level. */
        size_t out = 0;
        for (size_t i = 0; i < t->n_skills; i++) {
            if (out && t->skills[out - 1].skill == t->skills[i].skill) {
                if (t->skills[i].level > t->skills[out - 1].level)
                    t->skills[out - 1] = t->skills[i];
            } else {
                t->skills[out++] = t->skills[i];
            }
        }
        t->n_skills = out;
    }
    t->experience_years = p->experience_years;
    t->education = p->education;
    t->categories = s_categories(p->categories, p->n_categories);
    t->high_level_tier = (int)p->high_level_tier;
    if (p->preferences) {
        t->pref_industries = s_intern_list(names, p->preferences->industries,
                                           p->preferences->n_industries, &t->n_pref_industries);
        t->pref_zones = s_intern_list(names, p->preferences->zones, p->preferences->n_zones,
                                      &t->n_pref_zones);
        t->salary_floor = p->preferences->salary_floor;
    }
    t->availability = p->availability;
    t->updated_at = p->updated_at;
    if (!t->external_id || !t->occupation)
        goto fail;
    return t;
fail:
    bole_talent_rec_free(t);
    return NULL;
}

bole_need_rec_t *bole_need_rec_build(bole_intern_t *names, const Bole__Need *p, int64_t id)
{
    bole_need_rec_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->id = id;
    n->external_id = s_dup(p->external_id);
    n->title = s_dup(p->title);
    n->project_id = s_dup(p->project_id);
    n->organisation = bole_intern_add(names, p->organisation);
    n->kind = p->kind ? p->kind : BOLE__NEED_KIND__NEED_POSITION;
    n->zone = bole_intern_add(names, p->zone);
    n->industry = bole_intern_add(names, p->industry);
    if (p->n_skills) {
        n->skills = malloc(p->n_skills * sizeof *n->skills);
        if (!n->skills)
            goto fail;
        for (size_t i = 0; i < p->n_skills; i++) {
            uint32_t sid = bole_intern_add(names, p->skills[i]->name);
            if (sid == BOLE_INTERN_NONE || sid == UINT32_MAX)
                continue;
            n->skills[n->n_skills++] = (bole_need_skill_t){
                .skill = sid,
                .must_have = p->skills[i]->must_have ? 1 : 0,
                .min_level = (uint8_t)p->skills[i]->min_level,
                .importance = p->skills[i]->importance > 0 ? p->skills[i]->importance : 1.0f,
            };
        }
        qsort(n->skills, n->n_skills, sizeof *n->skills, s_cmp_nskill);
        size_t out = 0;
        for (size_t i = 0; i < n->n_skills; i++) {
            if (out && n->skills[out - 1].skill == n->skills[i].skill) {
                /* Named twice: must-have wins, the higher level wins. */
                bole_need_skill_t *k = &n->skills[out - 1];
                k->must_have |= n->skills[i].must_have;
                if (n->skills[i].min_level > k->min_level)
                    k->min_level = n->skills[i].min_level;
            } else {
                n->skills[out++] = n->skills[i];
            }
        }
        n->n_skills = out;
    }
    n->min_experience_years = p->min_experience_years;
    n->max_experience_years = p->max_experience_years;
    n->min_education = p->min_education;
    n->max_education = p->max_education;
    n->headcount = p->headcount ? p->headcount : 1;
    n->urgency = p->urgency;
    n->salary_min = p->salary_min;
    n->salary_max = p->salary_max;
    n->closed = p->closed ? 1 : 0;
    n->expires_at = p->expires_at;
    n->updated_at = p->updated_at;
    n->preferred_categories = s_categories(p->preferred_categories, p->n_preferred_categories);
    if (!n->external_id || !n->title || !n->project_id)
        goto fail;
    return n;
fail:
    bole_need_rec_free(n);
    return NULL;
}
