/*
 * validate.h - field rules for profiles, beyond the generic checks of
 * protocol.c (UTF-8, finite numbers, known enums). Each returns BOLE_OK or
 * BOLE_INVALID_ARGUMENT with a message naming the field, e.g.
 * "talent.skills[2].level: must be 0-5 (got 9)".
 */
#ifndef BOLE_VALIDATE_H
#define BOLE_VALIDATE_H

#include <stddef.h>

#include "bole.pb-c.h"
#include "status.h"

#define BOLE_MAX_ID_BYTES       128
#define BOLE_MAX_NAME_BYTES     256
#define BOLE_MAX_TEXT_BYTES     16384
#define BOLE_MAX_SKILLS         100
#define BOLE_MAX_LIST           20

/* An external id: 1-128 bytes, no control characters. */
bole_status_t bole_validate_id(const char *id, const char *what, char *err, size_t errlen);
bole_status_t bole_validate_talent(const Bole__Talent *talent, const char *what, char *err,
                                   size_t errlen);
bole_status_t bole_validate_need(const Bole__Need *need, const char *what, char *err,
                                 size_t errlen);
bole_status_t bole_validate_filter(const Bole__MatchFilter *filter, char *err, size_t errlen);

#endif
