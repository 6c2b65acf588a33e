/*
 * embed.h - turning a wire profile into its vector: the portal's own vector
 * when it sent one (checked and normalised), else the model's embedding of
 * the title, skills and free text.
 */
#ifndef BOLE_EMBED_H
#define BOLE_EMBED_H

#include <stddef.h>

#include "bole.pb-c.h"
#include "model.h"
#include "status.h"

/* Writes dim floats (unit length) into out. BOLE_INVALID_ARGUMENT with a
 * message when a given vector has the wrong dimension or is all zeros, or
 * when the profile has nothing to embed. what names the profile in errors. */
bole_status_t bole_embed_talent(const bole_model_t *model, const Bole__Talent *talent,
                                float *out, char *err, size_t errlen);
bole_status_t bole_embed_need(const bole_model_t *model, const Bole__Need *need, float *out,
                              char *err, size_t errlen);

#endif
