/*
 * scope.c - see scope.h.
 */
#include "scope.h"

#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "intern.h"

bole_status_t bole_scope_zone(bole_call_t *call, const char *zone, const char *what,
                              const char *id)
{
    const bole_principal_t *p = call->principal;
    if (bole_principal_zone_ok(p, zone ? zone : ""))
        return BOLE_OK;
    char zones[512];
    snprintf(call->err, call->errlen, "key '%s' may not access %s '%s' in zone '%s' (its zones: "
             "%s)", p->name, what, id ? id : "", zone && *zone ? zone : "(none)",
             bole_principal_zones_text(p, zones, sizeof zones));
    return BOLE_PERMISSION_DENIED;
}

static int s_zone_of(bole_daemon_t *d, int talent, const char *id, char *zone, size_t len)
{
    bole_catalog_t *c = d->catalog;
    int known = 0;
    zone[0] = '\0';
    bole_catalog_read_lock(c);
    uint32_t z = BOLE_INTERN_NONE;
    if (talent) {
        const bole_talent_rec_t *t = bole_catalog_talent(c, bole_catalog_talent_id(c, id));
        if (t) {
            known = 1;
            z = t->zone;
        }
    } else {
        const bole_need_rec_t *n = bole_catalog_need(c, bole_catalog_need_id(c, id));
        if (n) {
            known = 1;
            z = n->zone;
        }
    }
    if (known && z != BOLE_INTERN_NONE) {
        const char *name = bole_intern_name(bole_catalog_names(c), z);
        snprintf(zone, len, "%s", name ? name : "");
    }
    bole_catalog_unlock(c);
    return known;
}

int bole_scope_talent_zone(bole_daemon_t *d, const char *talent_id, char *zone, size_t len)
{
    return s_zone_of(d, 1, talent_id, zone, len);
}

int bole_scope_need_zone(bole_daemon_t *d, const char *need_id, char *zone, size_t len)
{
    return s_zone_of(d, 0, need_id, zone, len);
}

static bole_status_t s_record(bole_call_t *call, int talent, const char *id)
{
    if (!bole_principal_scoped(call->principal) || !id)
        return BOLE_OK;
    char zone[256];
    if (!s_zone_of(call->daemon, talent, id, zone, sizeof zone))
        return BOLE_OK;
    return bole_scope_zone(call, zone, talent ? "talent" : "need", id);
}

bole_status_t bole_scope_talent(bole_call_t *call, const char *talent_id)
{
    return s_record(call, 1, talent_id);
}

bole_status_t bole_scope_need(bole_call_t *call, const char *need_id)
{
    return s_record(call, 0, need_id);
}

bole_status_t bole_scope_zone_filter(bole_call_t *call, char **asked, size_t n_asked,
                                     const char *field, char ***zones, size_t *n_zones)
{
    const bole_principal_t *p = call->principal;
    *zones = asked;
    *n_zones = n_asked;
    if (!bole_principal_scoped(p))
        return BOLE_OK;
    for (size_t i = 0; i < n_asked; i++)
        if (!bole_principal_zone_ok(p, asked[i])) {
            char mine[512];
            snprintf(call->err, call->errlen, "%s: key '%s' may not see zone '%s' (its zones: "
                     "%s)", field, p->name, asked[i],
                     bole_principal_zones_text(p, mine, sizeof mine));
            return BOLE_PERMISSION_DENIED;
        }
    if (n_asked)
        return BOLE_OK;
    /* No zones asked: the key's own, not every zone. */
    char **own = bole_arena_array(call->arena, p->n_zones, sizeof *own);
    if (!own)
        return BOLE_INTERNAL;
    for (size_t i = 0; i < p->n_zones; i++)
        own[i] = (char *)p->zones[i];
    *zones = own;
    *n_zones = p->n_zones;
    return BOLE_OK;
}

int bole_scope_event_visible(bole_call_t *call, const Bole__Event *ev)
{
    const bole_principal_t *p = call->principal;
    if (!bole_principal_scoped(p))
        return 1;
    const char *talent = NULL, *need = NULL;
    if (ev->body_case == BOLE__EVENT__BODY_MATCH && ev->match && ev->match->match) {
        talent = ev->match->match->talent_id;
        need = ev->match->match->need_id;
    } else if (ev->body_case == BOLE__EVENT__BODY_WITHDRAWN && ev->withdrawn) {
        talent = ev->withdrawn->talent_id;
        need = ev->withdrawn->need_id;
    }
    /* Other bodies (referrals, teams, trends) are not stored in the stream;
     * if they were, they would need their own rule: hidden until then. */
    if (!talent || !need)
        return 0;
    char zone[256];
    return bole_scope_talent_zone(call->daemon, talent, zone, sizeof zone) &&
           bole_principal_zone_ok(p, zone) &&
           bole_scope_need_zone(call->daemon, need, zone, sizeof zone) &&
           bole_principal_zone_ok(p, zone);
}
