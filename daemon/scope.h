/*
 * scope.h - zone scope of the records a request names. A key with zones
 * (auth.h) may only read and change records of those zones; the rules per
 * module are the table in docs/SECURITY.md ("Zone scope"). Handlers call
 * these at their entry, before they read or write anything; each returns
 * BOLE_OK, or BOLE_PERMISSION_DENIED with call->err naming the key, the
 * record and its zone (dispatch.c logs it). Without CURVE, or for a key
 * without zones, everything is allowed.
 *
 * None of these may be called while holding the catalog lock: they take it
 * themselves (it is not recursive).
 */
#ifndef BOLE_SCOPE_H
#define BOLE_SCOPE_H

#include <stddef.h>

#include "daemon.h"

/* The call's key may access records of zone; what and id name the record
 * in the message ("event", "E-1"). */
bole_status_t bole_scope_zone(bole_call_t *call, const char *zone, const char *what,
                              const char *id);

/* Zone of a stored talent or need into zone (normalised); 0 if unknown. */
int bole_scope_talent_zone(bole_daemon_t *daemon, const char *talent_id, char *zone,
                           size_t len);
int bole_scope_need_zone(bole_daemon_t *daemon, const char *need_id, char *zone, size_t len);

/* The talent or need, if it exists, is of the key's zones (an unknown id is
 * left to the handler's own NOT_FOUND answer). */
bole_status_t bole_scope_talent(bole_call_t *call, const char *talent_id);
bole_status_t bole_scope_need(bole_call_t *call, const char *need_id);

/* A zone filter under the key's scope: asked zones are all of the key's
 * zones (else PERMISSION_DENIED naming field), and an empty filter becomes
 * the key's zones. *zones and *n_zones get the list to use (asked itself
 * when nothing changes; arena memory otherwise). */
bole_status_t bole_scope_zone_filter(bole_call_t *call, char **asked, size_t n_asked,
                                     const char *field, char ***zones, size_t *n_zones);

/* 1 if a stored stream event may be shown to the call's key: a match or a
 * withdrawal whose talent and need both exist and are of its zones. */
int bole_scope_event_visible(bole_call_t *call, const Bole__Event *event);

#endif
