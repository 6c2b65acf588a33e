/*
 * handlers.h - every request handler of the contract. Each takes the call
 * context of daemon.h and returns a status; on BOLE_OK it has set the
 * response body, otherwise it has written call->err (and may have set a
 * body with details, e.g. per-item errors of a bulk put).
 *
 * Declared weak: a module that has not landed leaves its handlers NULL and
 * dispatch.c answers UNIMPLEMENTED. Files: admin.c (health, stats,
 * reload_model, snapshot), profiles.c (talents, needs), matching.c (match),
 * and one file per later module (live.c, project.c/team.c, event.c,
 * referral.c, feedback.c, trend.c).
 */
#ifndef BOLE_HANDLERS_H
#define BOLE_HANDLERS_H

#include "daemon.h"

#define BOLE_HANDLER_WEAK __attribute__((weak))

bole_status_t bole_handle_health(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_stats(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_reload_model(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_snapshot(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_put_talent(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_put_talents(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_get_talent(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_delete_talent(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_erase_talent(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_put_need(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_put_needs(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_get_need(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_close_need(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_delete_need(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_match_for_need(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_match_for_talent(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_matches_since(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_put_project(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_get_project(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_delete_project(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_form_team(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_team_for_projects(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_update_team(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_create_event(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_register_for_event(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_run_event_matching(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_get_event_schedule(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_refer(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_advance_referral(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_get_referral(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_leaderboard(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_referrer_statement(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_verify_ledger(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_feedback(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_export_outcomes(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_trends(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_record_feedback(bole_call_t *call) BOLE_HANDLER_WEAK;
bole_status_t bole_handle_feedback_stats(bole_call_t *call) BOLE_HANDLER_WEAK;

/* Frees referral.c's award-rules cache; call once at exit, after the server
 * and its threads have stopped. */
void bole_referral_cleanup(void) BOLE_HANDLER_WEAK;

#endif
