/*
 * embed.c - see embed.h. Skill weights: a talent's skill counts by its
 * level (1-5, default 3); a need's skill by importance, must-haves double.
 */
#include "embed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TERMS 128

static bole_status_t s_given_vector(const float *vec, size_t n, int dim, float *out,
                                    const char *what, char *err, size_t errlen)
{
    if ((int)n != dim) {
        snprintf(err, errlen, "%s.vector has %zu values but the model's dimension is %d", what, n,
                 dim);
        return BOLE_INVALID_ARGUMENT;
    }
    double norm = 0;
    for (size_t i = 0; i < n; i++)
        norm += (double)vec[i] * vec[i];
    if (!(norm > 1e-12)) {
        snprintf(err, errlen, "%s.vector is all zeros", what);
        return BOLE_INVALID_ARGUMENT;
    }
    float scale = (float)(1.0 / sqrt(norm));
    for (size_t i = 0; i < n; i++)
        out[i] = vec[i] * scale;
    return BOLE_OK;
}

bole_status_t bole_embed_talent(const bole_model_t *model, const Bole__Talent *t, float *out,
                                char *err, size_t errlen)
{
    int dim = bole_model_dim(model);
    if (t->n_vector)
        return s_given_vector(t->vector, t->n_vector, dim, out, "talent", err, errlen);
    bole_model_term_t terms[MAX_TERMS];
    size_t n = 0;
    for (size_t i = 0; i < t->n_skills && n < MAX_TERMS; i++) {
        uint32_t level = t->skills[i]->level ? t->skills[i]->level : 3;
        terms[n++] = (bole_model_term_t){t->skills[i]->name, (float)level};
    }
    bole_model_input_t in = {
        .title = t->occupation,
        .skills = terms,
        .n_skills = n,
        .text = t->summary,
    };
    if (bole_model_embed(model, &in, out) != 0) {
        snprintf(err, errlen, "talent '%s' has no occupation, skill or summary the model can "
                 "embed; send one of them or a vector", t->external_id);
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}

bole_status_t bole_embed_need(const bole_model_t *model, const Bole__Need *need, float *out,
                              char *err, size_t errlen)
{
    int dim = bole_model_dim(model);
    if (need->n_vector)
        return s_given_vector(need->vector, need->n_vector, dim, out, "need", err, errlen);
    bole_model_term_t terms[MAX_TERMS];
    size_t n = 0;
    for (size_t i = 0; i < need->n_skills && n < MAX_TERMS; i++) {
        float w = need->skills[i]->importance > 0 ? need->skills[i]->importance : 1.0f;
        if (need->skills[i]->must_have)
            w *= 2;
        terms[n++] = (bole_model_term_t){need->skills[i]->name, w};
    }
    bole_model_input_t in = {
        .title = need->title,
        .skills = terms,
        .n_skills = n,
        .text = need->description,
    };
    if (bole_model_embed(model, &in, out) != 0) {
        snprintf(err, errlen, "need '%s' has no title, skill or description the model can "
                 "embed; send one of them or a vector", need->external_id);
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}
