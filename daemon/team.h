/*
 * team.h - what project.c and team.c share: limits of the "project + team"
 * programme, and the small internal API of profiles.c through which a
 * project's roles are stored as needs of kind NEED_PROJECT_ROLE.
 *
 * The team-formation algorithm itself is library-grade and lives in
 * teamform.h; team.c turns projects and talent records into its problems.
 * The objective is defined in docs/TEAMS.md.
 */
#ifndef BOLE_TEAM_H
#define BOLE_TEAM_H

#include <stddef.h>

#include "daemon.h"

#define BOLE_TEAM_MAX_ROLES         50    /* Roles per project. */
#define BOLE_TEAM_MAX_HEADCOUNT     100   /* Seats per role. */
#define BOLE_TEAM_MAX_ALTERNATIVES  10    /* FormTeam.alternatives. */
#define BOLE_TEAM_MAX_TALENTS       50    /* TeamForProjects.talent_ids. */
#define BOLE_TEAM_MAX_PROJECTS_K    100   /* TeamForProjects.k. */
#define BOLE_TEAM_MAX_EXCLUDES      1000  /* TeamConstraints.exclude_talent_ids. */

/* ---- provided by profiles.c (internal API for project.c) ------------------ */

/* Puts project-role needs in the current transaction exactly as PutNeeds
 * would (validation, embedding, store write; catalog and index update
 * deferred until commit) without touching the response. results gets n
 * entries (arena memory). On failure call->err says why and the caller
 * returns the status (the request's savepoint rolls back). */
bole_status_t bole_profiles_put_needs(bole_call_t *call, Bole__Need **needs, size_t n,
                                      Bole__PutResult **results /* OUT */);

/* Deletes one need in the current transaction (catalog and index removal
 * deferred until commit) without touching the response. BOLE_NOT_FOUND if
 * absent. */
bole_status_t bole_profiles_delete_need(bole_call_t *call, const char *external_id);

#endif
