/*
 * profile_build.h - building profile.h records from wire messages.
 */
#ifndef BOLE_PROFILE_BUILD_H
#define BOLE_PROFILE_BUILD_H

#include "bole.pb-c.h"
#include "intern.h"
#include "profile.h"

/* Build a record (interning names); NULL if memory ran out. The message is
 * not kept. Free with the matching _free (NULL-safe). */
bole_talent_rec_t *bole_talent_rec_build(bole_intern_t *names, const Bole__Talent *talent,
                                         int64_t id);
bole_need_rec_t *bole_need_rec_build(bole_intern_t *names, const Bole__Need *need, int64_t id);
void bole_talent_rec_free(bole_talent_rec_t *talent);
void bole_need_rec_free(bole_need_rec_t *need);

#endif
