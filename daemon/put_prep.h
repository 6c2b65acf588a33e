/*
 * put_prep.h - the part of a put that needs no transaction: validating and
 * embedding its profiles. It runs before the request reaches the writer
 * thread (on the server thread for one profile, on a reader thread for a
 * bulk put), so the single writer, which every write waits for, spends its
 * time on SQL only. The writer uses the vectors when all items passed and
 * otherwise redoes the checks itself to report the errors.
 */
#ifndef BOLE_PUT_PREP_H
#define BOLE_PUT_PREP_H

#include <stddef.h>

#include "daemon.h"

/* Number of profiles the request puts (put_talent(s), put_need(s)); 0 for
 * every other request, which has nothing to prepare. */
size_t bole_put_prep_items(const Bole__Request *request);

/* Validates, zone-checks and embeds every profile of a put request with
 * models. Returns n_items * dim floats (malloc, owned by the caller) when
 * every item passed, NULL otherwise (invalid item, over --max-bulk-items,
 * out of memory): the writer then runs the full path and answers the error. */
float *bole_put_prep_run(bole_daemon_t *daemon, const bole_models_t *models,
                         const bole_principal_t *principal, const Bole__Request *request,
                         size_t *n_items /* OUT */);

#endif
