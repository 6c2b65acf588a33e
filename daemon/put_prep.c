/*
 * put_prep.c - see put_prep.h.
 */
#include "put_prep.h"

#include <stdlib.h>

#include "auth.h"
#include "embed.h"
#include "validate.h"

size_t bole_put_prep_items(const Bole__Request *request)
{
    switch (request->body_case) {
    case BOLE__REQUEST__BODY_PUT_TALENT:
        return request->put_talent->talent ? 1 : 0;
    case BOLE__REQUEST__BODY_PUT_NEED:
        return request->put_need->need ? 1 : 0;
    case BOLE__REQUEST__BODY_PUT_TALENTS:
        return request->put_talents->n_talents;
    case BOLE__REQUEST__BODY_PUT_NEEDS:
        return request->put_needs->n_needs;
    default:
        return 0;
    }
}

float *bole_put_prep_run(bole_daemon_t *daemon, const bole_models_t *models,
                         const bole_principal_t *principal, const Bole__Request *request,
                         size_t *n_items)
{
    *n_items = 0;
    size_t n = bole_put_prep_items(request);
    if (n == 0 || (long)n > daemon->config.max_bulk_items || !models || !models->model)
        return NULL;
    int talents = request->body_case == BOLE__REQUEST__BODY_PUT_TALENT ||
                  request->body_case == BOLE__REQUEST__BODY_PUT_TALENTS;
    const Bole__Talent *one_talent[1] = {NULL};
    const Bole__Need *one_need[1] = {NULL};
    const Bole__Talent *const *ts = one_talent;
    const Bole__Need *const *ns = one_need;
    switch (request->body_case) {
    case BOLE__REQUEST__BODY_PUT_TALENT: one_talent[0] = request->put_talent->talent; break;
    case BOLE__REQUEST__BODY_PUT_NEED: one_need[0] = request->put_need->need; break;
    case BOLE__REQUEST__BODY_PUT_TALENTS:
        ts = (const Bole__Talent *const *)request->put_talents->talents;
        break;
    default: ns = (const Bole__Need *const *)request->put_needs->needs; break;
    }
    size_t dim = (size_t)daemon->dim;
    float *vectors = malloc(n * dim * sizeof *vectors);
    if (!vectors)
        return NULL;
    /* Messages are discarded: the writer rebuilds them if anything failed. */
    char why[512];
    for (size_t i = 0; i < n; i++) {
        const char *zone = talents ? ts[i]->zone : ns[i]->zone;
        bole_status_t st = talents ? bole_validate_talent(ts[i], "talent", why, sizeof why)
                                   : bole_validate_need(ns[i], "need", why, sizeof why);
        if (st == BOLE_OK && !bole_principal_zone_ok(principal, zone))
            st = BOLE_PERMISSION_DENIED;
        if (st == BOLE_OK)
            st = talents ? bole_embed_talent(models->model, ts[i], vectors + i * dim, why,
                                             sizeof why)
                         : bole_embed_need(models->model, ns[i], vectors + i * dim, why,
                                           sizeof why);
        if (st != BOLE_OK) {
            free(vectors);
            return NULL;
        }
    }
    *n_items = n;
    return vectors;
}
