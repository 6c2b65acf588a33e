/*
 * project.c - PutProject, GetProject and DeleteProject.
 *
 * A project is stored whole (packed bole.Project) in the projects table,
 * and each of its roles is also a need of kind NEED_PROJECT_ROLE whose
 * project_id names the project, written through the same path as PutNeeds
 * (profiles.c), so roles are embedded, indexed and matchable on their own.
 * Replacing a project deletes the role needs it no longer lists. Everything
 * is validated before anything is written; any failure rolls the whole
 * request back (the writer's savepoint), so a bad project changes nothing.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"
#include "team.h"
#include "validate.h"

static bole_status_t s_text(bole_call_t *call, const char *s, size_t max, const char *field)
{
    if (s && strlen(s) > max) {
        snprintf(call->err, call->errlen, "project.%s: at most %zu bytes (got %zu)", field, max,
                 strlen(s));
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}

/* The need that stores role i of project p (arena memory; strings shared
 * with the request). */
static Bole__Need *s_role_need(bole_call_t *call, const Bole__Project *p,
                               const Bole__ProjectRole *r)
{
    Bole__Need *n = ARENA_NEW(call->arena, Bole__Need);
    if (!n)
        return NULL;
    bole__need__init(n);
    n->external_id = r->role_id;
    n->organisation = p->organisation;
    n->kind = BOLE__NEED_KIND__NEED_PROJECT_ROLE;
    n->zone = p->zone;
    n->industry = p->industry;
    n->title = r->title;
    n->description = r->description;
    n->skills = r->skills;
    n->n_skills = r->n_skills;
    n->headcount = r->headcount;
    n->project_id = p->external_id;
    return n;
}

/* Checks the project and builds its role needs into needs[]. */
static bole_status_t s_validate(bole_call_t *call, const Bole__Project *p, Bole__Need **needs)
{
    bole_status_t st = bole_validate_id(p->external_id, "project.external_id", call->err,
                                        call->errlen);
    if (st != BOLE_OK)
        return st;
    if ((st = s_text(call, p->title, BOLE_MAX_NAME_BYTES, "title")) != BOLE_OK ||
        (st = s_text(call, p->description, BOLE_MAX_TEXT_BYTES, "description")) != BOLE_OK)
        return st;
    if (p->n_roles == 0) {
        snprintf(call->err, call->errlen, "project.roles: a project needs at least one role");
        return BOLE_INVALID_ARGUMENT;
    }
    if (p->n_roles > BOLE_TEAM_MAX_ROLES) {
        snprintf(call->err, call->errlen, "project.roles: at most %d roles (got %zu)",
                 BOLE_TEAM_MAX_ROLES, p->n_roles);
        return BOLE_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < p->n_roles; i++) {
        const Bole__ProjectRole *r = p->roles[i];
        char what[64];
        snprintf(what, sizeof what, "project.roles[%zu]", i);
        char field[96];
        snprintf(field, sizeof field, "%s.role_id", what);
        st = bole_validate_id(r->role_id, field, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->roles[j]->role_id, r->role_id) == 0) {
                snprintf(call->err, call->errlen,
                         "%s.role_id: '%s' is already used by project.roles[%zu]", what,
                         r->role_id, j);
                return BOLE_INVALID_ARGUMENT;
            }
        if (r->headcount < 1 || r->headcount > BOLE_TEAM_MAX_HEADCOUNT) {
            snprintf(call->err, call->errlen, "%s.headcount: must be 1-%d (got %u)", what,
                     BOLE_TEAM_MAX_HEADCOUNT, r->headcount);
            return BOLE_INVALID_ARGUMENT;
        }
        if (!(r->importance >= 0.0f && r->importance <= 100.0f)) {
            snprintf(call->err, call->errlen, "%s.importance: must be 0-100 (got %g)", what,
                     (double)r->importance);
            return BOLE_INVALID_ARGUMENT;
        }
        needs[i] = s_role_need(call, p, r);
        if (!needs[i])
            return BOLE_INTERNAL;
        st = bole_validate_need(needs[i], what, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    return BOLE_OK;
}

/* A role id must not name a need that is not a role of this project. */
static bole_status_t s_check_role_owner(bole_call_t *call, const char *project_id,
                                        const char *role_id, size_t i)
{
    bole_store_record_t rec;
    char why[256];
    bole_status_t st = bole_store_get(call->store, BOLE_ENTITY_NEED, role_id, 0, &rec, why,
                                      sizeof why);
    if (st == BOLE_NOT_FOUND)
        return BOLE_OK;
    if (st != BOLE_OK) {
        snprintf(call->err, call->errlen, "%s", why);
        return st;
    }
    Bole__Need *n = bole__need__unpack(NULL, rec.profile_len, rec.profile);
    bole_store_record_free(&rec);
    if (!n) {
        snprintf(call->err, call->errlen, "stored need '%s' cannot be decoded", role_id);
        return BOLE_INTERNAL;
    }
    int ours = n->kind == BOLE__NEED_KIND__NEED_PROJECT_ROLE &&
               strcmp(n->project_id ? n->project_id : "", project_id) == 0;
    if (!ours)
        snprintf(call->err, call->errlen,
                 "project.roles[%zu].role_id: '%s' is already a need of %s%s%s", i, role_id,
                 n->kind == BOLE__NEED_KIND__NEED_PROJECT_ROLE ? "project '" : "",
                 n->kind == BOLE__NEED_KIND__NEED_PROJECT_ROLE ? n->project_id
                                                                : "another kind (a position)",
                 n->kind == BOLE__NEED_KIND__NEED_PROJECT_ROLE ? "'" : "");
    bole__need__free_unpacked(n, NULL);
    return ours ? BOLE_OK : BOLE_ALREADY_EXISTS;
}

/* Loads a stored project (heap memory from protobuf-c; free_unpacked). */
static bole_status_t s_load(bole_call_t *call, const char *id, Bole__Project **out, int64_t *row)
{
    void *blob = NULL;
    size_t len = 0;
    *out = NULL;
    bole_status_t st = bole_store_project_get(call->store, id, row, &blob, &len, call->err,
                                              call->errlen);
    if (st != BOLE_OK)
        return st;
    *out = bole__project__unpack(NULL, len, blob);
    free(blob);
    if (!*out) {
        snprintf(call->err, call->errlen, "stored project '%s' cannot be decoded", id);
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

bole_status_t bole_handle_put_project(bole_call_t *call)
{
    const Bole__Project *p = call->request->put_project->project;
    if (!p) {
        snprintf(call->err, call->errlen, "put_project: the project is missing");
        return BOLE_INVALID_ARGUMENT;
    }
    Bole__Need **needs = bole_arena_array(call->arena, p->n_roles + 1, sizeof *needs);
    Bole__PutResult **results = bole_arena_array(call->arena, p->n_roles + 1, sizeof *results);
    if (!needs || !results)
        return BOLE_INTERNAL;
    bole_status_t st = s_validate(call, p, needs);
    if (st == BOLE_OK)
        st = bole_scope_zone(call, p->zone, "project", p->external_id);
    for (size_t i = 0; st == BOLE_OK && i < p->n_roles; i++)
        st = s_check_role_owner(call, p->external_id, p->roles[i]->role_id, i);
    if (st != BOLE_OK)
        return st;

    /* Roles the old version had and the new one drops stop being needs. */
    Bole__Project *old = NULL;
    int64_t row = 0;
    st = s_load(call, p->external_id, &old, &row);
    if (st != BOLE_OK && st != BOLE_NOT_FOUND)
        return st;
    /* Replacing a project moves it: its old zone must be the key's too. */
    st = old ? bole_scope_zone(call, old->zone, "project", old->external_id) : BOLE_OK;
    for (size_t i = 0; old && st == BOLE_OK && i < old->n_roles; i++) {
        int kept = 0;
        for (size_t j = 0; j < p->n_roles && !kept; j++)
            kept = strcmp(old->roles[i]->role_id, p->roles[j]->role_id) == 0;
        if (!kept) {
            st = bole_profiles_delete_need(call, old->roles[i]->role_id);
            if (st == BOLE_NOT_FOUND) /* Deleted on its own earlier: fine. */
                st = BOLE_OK;
        }
    }
    if (old)
        bole__project__free_unpacked(old, NULL);
    if (st != BOLE_OK)
        return st;
    st = bole_profiles_put_needs(call, needs, p->n_roles, results);
    if (st != BOLE_OK)
        return st;

    Bole__Project copy = *p;
    copy.internal_id = 0;
    copy.updated_at = p->updated_at > 0 ? p->updated_at : bole_now_ms();
    size_t len = bole__project__get_packed_size(&copy);
    uint8_t *buf = bole_arena_alloc(call->arena, len ? len : 1);
    Bole__PutResult *r = ARENA_NEW(call->arena, Bole__PutResult);
    if (!buf || !r)
        return BOLE_INTERNAL;
    bole__project__pack(&copy, buf);
    bole_store_put_result_t put;
    st = bole_store_project_put(call->store, p->external_id, copy.updated_at, buf, len, &put,
                                call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    bole__put_result__init(r);
    r->external_id = p->external_id;
    r->internal_id = put.id;
    r->created = put.created;
    r->seq = put.seq;
    call->response->body_case = BOLE__RESPONSE__BODY_PUT_PROJECT;
    call->response->put_project = r;
    return BOLE_OK;
}

static void s_free_project(bole_daemon_t *d, void *arg)
{
    (void)d;
    bole__project__free_unpacked(arg, NULL);
}

bole_status_t bole_handle_get_project(bole_call_t *call)
{
    const char *id = call->request->get_project->id;
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__Project *p = NULL;
    int64_t row = 0;
    st = s_load(call, id, &p, &row);
    if (st == BOLE_OK && (st = bole_scope_zone(call, p->zone, "project", id)) != BOLE_OK)
        bole__project__free_unpacked(p, NULL);
    if (st != BOLE_OK)
        return st;
    /* Freed after the reply is packed. */
    if (bole_call_defer(call, s_free_project, s_free_project, p) != 0) {
        bole__project__free_unpacked(p, NULL);
        return BOLE_INTERNAL;
    }
    p->internal_id = row;
    call->response->body_case = BOLE__RESPONSE__BODY_PROJECT;
    call->response->project = p;
    return BOLE_OK;
}

bole_status_t bole_handle_delete_project(bole_call_t *call)
{
    const char *id = call->request->delete_project->id;
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__Project *p = NULL;
    int64_t row = 0;
    st = s_load(call, id, &p, &row);
    if (st == BOLE_OK && (st = bole_scope_zone(call, p->zone, "project", id)) != BOLE_OK)
        bole__project__free_unpacked(p, NULL);
    if (st != BOLE_OK)
        return st;
    bole_store_put_result_t out;
    st = bole_store_project_delete(call->store, id, bole_now_ms(), &out, call->err,
                                   call->errlen);
    for (size_t i = 0; st == BOLE_OK && i < p->n_roles; i++) {
        st = bole_profiles_delete_need(call, p->roles[i]->role_id);
        if (st == BOLE_NOT_FOUND)
            st = BOLE_OK;
    }
    bole__project__free_unpacked(p, NULL);
    if (st != BOLE_OK)
        return st;
    Bole__Empty *done = ARENA_NEW(call->arena, Bole__Empty);
    if (!done)
        return BOLE_INTERNAL;
    bole__empty__init(done);
    call->response->body_case = BOLE__RESPONSE__BODY_DONE;
    call->response->done = done;
    return BOLE_OK;
}
